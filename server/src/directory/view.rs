//! How records look to the outside: public views redact confidential locations, add freshness
//! and distance. Views borrow the record and serialise it directly (no intermediate JSON tree):
//! building answers, not searching, is most of the cost of a nearest request.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::catalog::{is_stale, Catalog};
use crate::domain::{Partner, Site};
use crate::visibility::confidential::{self, StandIn};

/// Who is looking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Viewer {
    /// Anyone: confidential locations are withheld.
    Public,
    /// An admin: sees everything.
    Admin,
}

/// Whether `viewer` may not learn where `s` is: a confidential site, for the public. Its
/// coordinates and street are then never shown, and it is never placed in a box (see
/// [`crate::visibility::confidential`]).
pub fn location_withheld(s: &Site, viewer: Viewer) -> bool {
    confidential::location_withheld(s, viewer == Viewer::Public)
}

/// Round a distance to the decimetre for display. A confidential site's distance is measured
/// to its stand-in and told in whole kilometres, as approximate as it is.
fn shown_distance(d: f64, confidential: bool) -> f64 {
    if confidential {
        confidential::shown_distance(d)
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
    site: Shown<'a>,
    partner_name: Option<&'a str>,
    stale: bool,
    mapped: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    distance_m: Option<f64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    location_withheld: bool,
    /// Where the public is told a confidential site stands (admins and its own editors only).
    #[serde(skip_serializing_if = "Option::is_none")]
    stand_in: Option<&'a StandIn>,
}

impl SiteView<'_> {
    /// Appends this view as a JSON object to `out`: the bytes `serde_json::to_writer(out, self)`
    /// writes, without serde's per-field machinery (see [`crate::http::json_out`]; the test
    /// `the_fast_writer_writes_what_serde_writes` holds the two together, so a field added to
    /// [`Site`] and not written here fails it).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        use crate::http::json_out::{
            boolean, integer, key, number, opt_boolean, opt_number, opt_string, opt_timestamp, serde, string,
            strings, timestamp, uuid,
        };
        let s: &Site = &self.site;
        out.push(b'{');
        key(out, "id", true);
        uuid(out, &s.id);
        key(out, "partner_id", false);
        uuid(out, &s.partner_id);
        key(out, "source_id", false);
        opt_string(out, s.source_id.as_deref());
        key(out, "name", false);
        string(out, &s.name);
        key(out, "description", false);
        opt_string(out, s.description.as_deref());
        key(out, "description_lang", false);
        opt_string(out, s.description_lang.as_ref().map(|l| l.as_str()));
        key(out, "description_translations", false);
        if s.description_translations.is_empty() {
            out.extend_from_slice(b"{}");
        } else {
            serde(out, &s.description_translations);
        }
        key(out, "street", false);
        opt_string(out, s.street.as_deref());
        key(out, "city", false);
        opt_string(out, s.city.as_deref());
        key(out, "state", false);
        opt_string(out, s.state.as_deref());
        key(out, "postal_code", false);
        opt_string(out, s.postal_code.as_deref());
        key(out, "lon", false);
        opt_number(out, s.lon);
        key(out, "lat", false);
        opt_number(out, s.lat);
        key(out, "phones", false);
        out.push(b'[');
        for (i, p) in s.phones.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.push(b'{');
            key(out, "number", true);
            string(out, &p.number);
            key(out, "type", false);
            string(out, p.kind.as_str());
            key(out, "extension", false);
            opt_string(out, p.extension.as_deref());
            key(out, "languages", false);
            strings(out, p.languages.iter().map(|l| l.as_str()));
            key(out, "description", false);
            opt_string(out, p.description.as_deref());
            out.push(b'}');
        }
        out.push(b']');
        key(out, "hours", false);
        match s.hours.as_deref() {
            None => out.extend_from_slice(b"null"),
            Some(h) => {
                out.push(b'{');
                key(out, "timezone", true);
                string(out, h.timezone.name());
                key(out, "weekly", false);
                out.push(b'[');
                for (i, span) in h.weekly.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(b"{\"day\":\"");
                    out.extend_from_slice(span.day.as_str().as_bytes());
                    out.extend_from_slice(b"\",\"opens\":\"");
                    out.extend_from_slice(&span.opens.hhmm());
                    out.extend_from_slice(b"\",\"closes\":\"");
                    out.extend_from_slice(&span.closes.hhmm());
                    out.extend_from_slice(b"\"}");
                }
                out.push(b']');
                key(out, "notes", false);
                opt_string(out, h.notes.as_deref());
                out.push(b'}');
            }
        }
        key(out, "languages", false);
        strings(out, s.languages.iter().map(|l| l.as_str()));
        key(out, "categories", false);
        strings(out, s.categories.iter().map(|c| c.as_str()));
        key(out, "services", false);
        out.push(b'[');
        for (i, svc) in s.services.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            if svc.translations.is_empty() {
                out.push(b'{');
                key(out, "name", true);
                string(out, &svc.name);
                key(out, "description", false);
                opt_string(out, svc.description.as_deref());
                out.push(b'}');
            } else {
                serde(out, svc);
            }
        }
        out.push(b']');
        key(out, "cost", false);
        opt_string(out, s.cost.map(|c| c.as_str()));
        key(out, "cost_note", false);
        opt_string(out, s.cost_note.as_deref());
        key(out, "eligibility", false);
        opt_string(out, s.eligibility.as_deref());
        key(out, "required_documents", false);
        strings(out, s.required_documents.iter().map(String::as_str));
        key(out, "accessibility", false);
        opt_string(out, s.accessibility.as_deref());
        key(out, "walk_in", false);
        opt_boolean(out, s.walk_in);
        key(out, "appointment_required", false);
        opt_boolean(out, s.appointment_required);
        key(out, "no_id_required", false);
        opt_boolean(out, s.no_id_required);
        key(out, "confidential", false);
        boolean(out, s.confidential);
        key(out, "withhold_zip", false);
        boolean(out, s.withhold_zip);
        key(out, "last_verified_at", false);
        opt_timestamp(out, s.last_verified_at.as_ref());
        key(out, "created_at", false);
        timestamp(out, &s.created_at);
        key(out, "updated_at", false);
        timestamp(out, &s.updated_at);
        key(out, "version", false);
        integer(out, s.version);
        key(out, "partner_name", false);
        opt_string(out, self.partner_name);
        key(out, "stale", false);
        boolean(out, self.stale);
        key(out, "mapped", false);
        boolean(out, self.mapped);
        if let Some(d) = self.distance_m {
            key(out, "distance_m", false);
            number(out, d);
        }
        if self.location_withheld {
            key(out, "location_withheld", false);
            boolean(out, true);
        }
        if let Some(stand_in) = self.stand_in {
            key(out, "stand_in", false);
            serde(out, stand_in);
        }
        out.push(b'}');
    }
}

/// Appends `views` as a JSON array to `out` (what serde_json writes for the slice).
pub fn write_sites(out: &mut Vec<u8>, views: &[SiteView<'_>]) {
    out.push(b'[');
    for (i, v) in views.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        v.write_json(out);
    }
    out.push(b']');
}

/// The record a view shows: the catalog's own, or a redacted copy. A pointer either way, so a
/// list of views is small to build (a `Cow<Site>` carried the whole record by value).
#[derive(Debug)]
enum Shown<'a> {
    Borrowed(&'a Site),
    Redacted(Box<Site>),
}

impl std::ops::Deref for Shown<'_> {
    type Target = Site;
    fn deref(&self) -> &Site {
        match self {
            Self::Borrowed(s) => s,
            Self::Redacted(s) => s,
        }
    }
}

impl Serialize for Shown<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Site::serialize(self, s)
    }
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
        let mut redacted = Box::new(s.clone());
        redacted.lon = None;
        redacted.lat = None;
        redacted.street = None;
        redacted.postal_code = confidential::shown_postal_code(s, true).map(str::to_owned);
        Shown::Redacted(redacted)
    } else {
        Shown::Borrowed(s)
    };
    SiteView {
        partner_name: catalog.partner(s.partner_id).map(|p| p.name.as_str()),
        stale: is_stale(s, now, stale_after_days),
        mapped: !withheld && s.location().is_some(),
        distance_m: distance_m.map(|d| shown_distance(d, withheld)),
        location_withheld: withheld,
        stand_in: if viewer == Viewer::Public || !s.confidential { None } else { catalog.stand_in(s.id) },
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

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use chrono::TimeZone;

    use super::*;
    use crate::domain::{LanguageCode, PhoneType, Service, ServiceTranslation, Translation};
    use crate::store::{SqliteStore, Store};

    /// Every demo site, and every one again with the fields the demo leaves empty filled in
    /// awkwardly, as the public and an admin see it, with and without a distance: the
    /// hand-written writer and serde write the same bytes.
    #[test]
    fn the_fast_writer_writes_what_serde_writes() {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("t.db").display().to_string();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let snapshot = rt.block_on(async {
            let store: Arc<dyn Store> = Arc::new(SqliteStore::connect(&url).await.unwrap());
            let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/demo/miami-dade.geojson");
            crate::import::import_path(&store, &demo, crate::import::Mode::Commit).await.unwrap();
            store.load().await.unwrap()
        });
        let zips = crate::places::zip::ZipIndex::load(
            &crate::config::default_dir("data").join("zcta_centroids.csv"),
        )
        .unwrap();
        let mut catalog = Catalog::from_snapshot(snapshot, Arc::new(zips));
        let mut sites: Vec<Site> = catalog.sites().map(|s| Site::clone(s)).collect();
        assert!(sites.len() > 500, "the demo data loaded");

        let awkward: Vec<Site> = sites
            .iter()
            .take(40)
            .enumerate()
            .map(|(i, s)| {
                let mut s = s.clone();
                let es = LanguageCode::parse("es").unwrap();
                s.source_id = Some(format!("src-{i}\t\"quoted\"\\"));
                s.name = format!("Centre \"{i}\" — Kreyòl ayisyen \u{1} العربية 中文");
                s.description_translations
                    .insert(es, Translation { text: "Ayuda legal\ngratuita".into(), reviewed: i % 2 == 0 });
                s.services.push(Service {
                    name: "Consultas".into(),
                    description: Some("con \"cita\"".into()),
                    translations: [(
                        es,
                        ServiceTranslation { name: "Consultas".into(), description: None, reviewed: false },
                    )]
                    .into(),
                });
                if let Some(p) = s.phones.first_mut() {
                    p.extension = Some("12".into());
                    p.description = Some("Línea \\ en español".into());
                    p.kind = PhoneType::Tty;
                }
                s.confidential = i % 3 == 0;
                s.withhold_zip = i % 6 == 0;
                s.cost = None;
                s.walk_in = Some(i % 2 == 0);
                s.no_id_required = Some(true);
                s.last_verified_at = if i % 4 == 0 { None } else { s.last_verified_at };
                s.updated_at = Utc.timestamp_opt(1_700_000_000 + i as i64, 123_456_789).unwrap();
                if i % 5 == 0 {
                    s.hours = None;
                    s.lon = None;
                    s.lat = None;
                }
                s.required_documents.push("Carta \u{7f}\u{2028}".into());
                s
            })
            .collect();
        sites.extend(awkward);
        // The awkward ones in the catalog too, so confidential ones have their stand-ins.
        let batch: Vec<_> = sites.iter().map(|s| crate::store::Change::UpdateSite(s.clone())).collect();
        catalog.apply(&batch);
        assert!(sites.iter().any(|s| catalog.stand_in(s.id).is_some()), "stand-ins are written too");

        let now = Utc::now();
        let mut checked = 0;
        for s in &sites {
            for viewer in [Viewer::Public, Viewer::Admin] {
                for distance in [None, Some(1_234.567_89)] {
                    let view = site(&catalog, s, distance, now, 180, viewer);
                    let mut ours = Vec::new();
                    view.write_json(&mut ours);
                    let theirs = serde_json::to_vec(&view).unwrap();
                    assert_eq!(
                        String::from_utf8(ours).unwrap(),
                        String::from_utf8(theirs).unwrap(),
                        "site {} as {viewer:?}",
                        s.id
                    );
                    checked += 1;
                }
            }
        }
        let views: Vec<_> =
            sites.iter().take(5).map(|s| site(&catalog, s, Some(10.0), now, 180, Viewer::Public)).collect();
        let mut ours = Vec::new();
        write_sites(&mut ours, &views);
        assert_eq!(ours, serde_json::to_vec(&views).unwrap());
        assert!(checked > 2000);
    }
}
