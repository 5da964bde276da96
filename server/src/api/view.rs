//! How records look to the outside: public views redact confidential locations, add freshness
//! and distance. Views borrow the record and serialise it directly (no intermediate JSON tree):
//! building answers, not searching, is most of the cost of a nearest request.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use uuid::Uuid;

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

/// Whether `viewer` may not learn where `s` is: a confidential site, for the public. Its
/// coordinates and street are then never shown, and it is never placed in a box.
pub fn location_withheld(s: &Site, viewer: Viewer) -> bool {
    s.confidential && viewer == Viewer::Public
}

/// Round a distance to the decimetre for display; to the whole kilometre for a confidential
/// site, so its position cannot be pinned down from a few searches.
fn shown_distance(d: f64, confidential: bool) -> f64 {
    if confidential {
        (d / 1000.0).round() * 1000.0
    } else {
        (d * 10.0).round() / 10.0
    }
}

/// A site as the API shows it: every field of the record, plus `partner_name`, `stale`,
/// `mapped`, `distance_m` (answers to a search) and `location_withheld` (confidential sites, for
/// the public: `lon`, `lat` and `street` are null).
#[derive(Debug, Serialize)]
pub struct SiteView<'a> {
    #[serde(flatten)]
    site: Cow<'a, Site>,
    partner_name: Option<&'a str>,
    stale: bool,
    mapped: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    distance_m: Option<f64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    location_withheld: bool,
}

/// A site for `viewer`, with `distance_m` (metres) when the view answers a search.
pub fn site<'a>(
    catalog: &'a Catalog,
    s: &'a Site,
    distance_m: Option<f64>,
    now: DateTime<Utc>,
    stale_after_days: i64,
    viewer: Viewer,
) -> SiteView<'a> {
    let withheld = location_withheld(s, viewer);
    let site = if withheld {
        // Everything that locates a confidential site goes; the record is cloned only then.
        let mut redacted = s.clone();
        redacted.lon = None;
        redacted.lat = None;
        redacted.street = None;
        Cow::Owned(redacted)
    } else {
        Cow::Borrowed(s)
    };
    SiteView {
        partner_name: catalog.partner(s.partner_id).map(|p| p.name.as_str()),
        stale: is_stale(s, now, stale_after_days),
        mapped: !withheld && s.location().is_some(),
        distance_m: distance_m.map(|d| shown_distance(d, withheld)),
        location_withheld: withheld,
        site,
    }
}

/// A GeoJSON (RFC 7946) Point geometry.
#[derive(Debug, Serialize)]
pub struct Point {
    #[serde(rename = "type")]
    kind: &'static str,
    coordinates: [f64; 2],
}

impl Point {
    /// The point where `s` is, if it is mapped and `viewer` may know it.
    pub fn of(s: &Site, viewer: Viewer) -> Option<Self> {
        if location_withheld(s, viewer) {
            return None;
        }
        s.location().map(|at| Self { kind: "Point", coordinates: [at.lon(), at.lat()] })
    }
}

/// A site as a GeoJSON Feature; a confidential site (public view) or an unmapped one has a null
/// geometry.
#[derive(Debug, Serialize)]
pub struct SiteFeature<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: Uuid,
    geometry: Option<Point>,
    properties: SiteView<'a>,
}

/// A site as a GeoJSON Feature for `viewer`.
pub fn site_feature<'a>(
    catalog: &'a Catalog,
    s: &'a Site,
    now: DateTime<Utc>,
    stale_after_days: i64,
    viewer: Viewer,
) -> SiteFeature<'a> {
    let properties = site(catalog, s, None, now, stale_after_days, viewer);
    let geometry = Point::of(s, viewer);
    SiteFeature { kind: "Feature", id: s.id, geometry, properties }
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
