//! A site as an OGC feature: flat properties — strings, numbers and booleans only, lists joined
//! with `; ` — so GDAL, QGIS and ArcGIS see one typed field per property, the same fields on
//! every feature (null where a site has no value).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::catalog::{is_stale, Catalog};
use crate::directory::view::{location_withheld, Point, Viewer};
use crate::domain::{Hours, Site};

/// What joins the items of a list property.
const LIST_SEPARATOR: &str = "; ";

/// The properties of a site feature, in a fixed order.
#[derive(Debug, Serialize)]
pub(crate) struct Properties<'a> {
    name: &'a str,
    partner_id: Uuid,
    partner_name: Option<&'a str>,
    categories: String,
    description: Option<&'a str>,
    description_lang: Option<&'a str>,
    /// Null for a confidential site.
    street: Option<&'a str>,
    city: Option<&'a str>,
    state: Option<&'a str>,
    postal_code: Option<&'a str>,
    /// Every language a family is helped in, at the site or on a phone line.
    languages: String,
    /// The first phone number.
    phone: Option<&'a str>,
    /// Every phone line: `number (type; languages)`.
    phones: String,
    timezone: Option<&'a str>,
    /// `mon 09:00-17:00; sat 10:00-14:00`.
    hours: Option<String>,
    hours_notes: Option<&'a str>,
    services: String,
    cost: Option<&'static str>,
    cost_note: Option<&'a str>,
    eligibility: Option<&'a str>,
    required_documents: String,
    accessibility: Option<&'a str>,
    walk_in: Option<bool>,
    appointment_required: Option<bool>,
    no_id_required: Option<bool>,
    /// True for a confidential site: no geometry, no street.
    location_withheld: bool,
    last_verified_at: Option<String>,
    stale: bool,
    /// Incremented on every change. (No `updated_at`: GDAL turns a filter on any date field
    /// into `datetime=`, which filters on `last_verified_at`.)
    version: i64,
    /// The site's public page.
    url: String,
}

/// A GeoJSON Feature with flat properties.
#[derive(Debug, Serialize)]
pub(crate) struct Feature<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: Uuid,
    geometry: Option<Point>,
    properties: Properties<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    links: Vec<super::Link>,
}

impl Feature<'_> {
    /// Adds links (a single item's `self`, `alternate`, `collection`).
    pub(crate) fn with_links(mut self, links: Vec<super::Link>) -> Self {
        self.links = links;
        self
    }
}

fn joined<I: IntoIterator<Item = S>, S: AsRef<str>>(items: I) -> String {
    items.into_iter().map(|s| s.as_ref().to_owned()).collect::<Vec<_>>().join(LIST_SEPARATOR)
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn weekly(h: &Hours) -> String {
    joined(h.weekly.iter().map(|s| format!("{} {}-{}", s.day.as_str(), s.opens, s.closes)))
}

/// A site as the public sees it in a GIS: located unless confidential (see
/// [`location_withheld`]); `site_base` is the absolute address of the public site pages' folder.
pub(crate) fn feature<'a>(
    catalog: &'a Catalog,
    s: &'a Site,
    now: DateTime<Utc>,
    stale_after_days: i64,
    site_base: &str,
) -> Feature<'a> {
    let viewer = Viewer::Public;
    let withheld = location_withheld(s, viewer);
    let mut languages: Vec<&str> = s.all_languages().map(|l| l.as_str()).collect();
    languages.sort_unstable();
    languages.dedup();
    let phones = s.phones.iter().map(|p| {
        let kind =
            serde_json::to_value(p.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        let langs: Vec<&str> = p.languages.iter().map(|l| l.as_str()).collect();
        if langs.is_empty() {
            format!("{} ({kind})", p.number)
        } else {
            format!("{} ({kind}; {})", p.number, langs.join(", "))
        }
    });
    let properties = Properties {
        name: &s.name,
        partner_id: s.partner_id,
        partner_name: catalog.partner(s.partner_id).map(|p| p.name.as_str()),
        categories: joined(s.categories.iter().map(|c| c.as_str())),
        description: s.description.as_deref(),
        description_lang: s.description_lang.as_ref().map(|l| l.as_str()),
        street: if withheld { None } else { s.street.as_deref() },
        city: s.city.as_deref(),
        state: s.state.as_deref(),
        postal_code: crate::visibility::confidential::shown_postal_code(s, true),
        languages: joined(languages),
        phone: s.phones.first().map(|p| p.number.as_str()),
        phones: joined(phones),
        timezone: s.hours.as_ref().map(|h| h.timezone.name()),
        hours: s.hours.as_ref().map(|h| weekly(h)),
        hours_notes: s.hours.as_ref().and_then(|h| h.notes.as_deref()),
        services: joined(s.services.iter().map(|x| x.name.as_str())),
        cost: s.cost.map(|c| c.as_str()),
        cost_note: s.cost_note.as_deref(),
        eligibility: s.eligibility.as_deref(),
        required_documents: joined(&s.required_documents),
        accessibility: s.accessibility.as_deref(),
        walk_in: s.walk_in,
        appointment_required: s.appointment_required,
        no_id_required: s.no_id_required,
        location_withheld: withheld,
        last_verified_at: s.last_verified_at.map(time),
        stale: is_stale(s, now, stale_after_days),
        version: s.version,
        url: format!("{site_base}{}", s.id),
    };
    Feature { kind: "Feature", id: s.id, geometry: Point::of(s, viewer), properties, links: Vec::new() }
}
