//! How records look to the outside: public views redact confidential locations, add freshness
//! and distance.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use crate::catalog::{is_stale, Catalog};
use crate::domain::{Partner, Site};

/// Who is looking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Viewer {
    /// Anyone: confidential locations are withheld.
    Public,
    /// An admin: sees everything.
    Admin,
}

/// Round a distance to the metre for display; to the whole kilometre for a confidential site,
/// so its position cannot be pinned down from a few searches.
fn shown_distance(d: f64, confidential: bool) -> f64 {
    if confidential {
        (d / 1000.0).round() * 1000.0
    } else {
        (d * 10.0).round() / 10.0
    }
}

/// A site as JSON for `viewer`, with `distance_m` when the view answers a search.
pub fn site(
    catalog: &Catalog,
    s: &Site,
    distance_m: Option<f64>,
    now: DateTime<Utc>,
    stale_after_days: i64,
    viewer: Viewer,
) -> Value {
    let mut v = serde_json::to_value(s).unwrap_or(Value::Null);
    let Value::Object(map) = &mut v else { return v };
    map.insert("partner_name".into(), json!(catalog.partner(s.partner_id).map(|p| p.name.clone())));
    map.insert("stale".into(), json!(is_stale(s, now, stale_after_days)));
    map.insert("mapped".into(), json!(s.location().is_some()));
    if let Some(d) = distance_m {
        map.insert("distance_m".into(), json!(shown_distance(d, s.confidential && viewer == Viewer::Public)));
    }
    if s.confidential && viewer == Viewer::Public {
        redact(map);
    }
    v
}

/// Removes everything that locates a confidential site.
fn redact(map: &mut Map<String, Value>) {
    for key in ["lon", "lat", "street"] {
        map.insert(key.into(), Value::Null);
    }
    map.insert("mapped".into(), json!(false));
    map.insert("location_withheld".into(), json!(true));
}

/// A site as a GeoJSON Feature (RFC 7946); a confidential site (public view) or an unmapped one
/// has a null geometry.
pub fn site_feature(
    catalog: &Catalog,
    s: &Site,
    now: DateTime<Utc>,
    stale_after_days: i64,
    viewer: Viewer,
) -> Value {
    let mut props = site(catalog, s, None, now, stale_after_days, viewer);
    let geometry = match (props.get("lon").and_then(Value::as_f64), props.get("lat").and_then(Value::as_f64))
    {
        (Some(lon), Some(lat)) => json!({"type": "Point", "coordinates": [lon, lat]}),
        _ => Value::Null,
    };
    if let Value::Object(m) = &mut props {
        m.remove("lon");
        m.remove("lat");
    }
    json!({"type": "Feature", "id": s.id, "geometry": geometry, "properties": props})
}

/// A partner as JSON, with how many sites it has.
pub fn partner(catalog: &Catalog, p: &Partner) -> Value {
    let mut v = serde_json::to_value(p).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        let n = catalog.sites().filter(|s| s.partner_id == p.id).count();
        m.insert("site_count".into(), json!(n));
    }
    v
}
