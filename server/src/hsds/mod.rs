//! Open Referral HSDS 3.0: our records as HSDS objects and back.
//!
//! A [`Partner`] is an HSDS `organization`. A [`Site`] is a `location` (same id) with, for each
//! of its `services`, an HSDS `service` linked to it by a `service_at_location` (a site without
//! services gets one service named after the site, so that it can be found through
//! `/hsds/services`). Where the fields live:
//!
//! | ours | HSDS 3.0 |
//! |---|---|
//! | name, description, lon/lat | `location.name`, `.description`, `.longitude`/`.latitude` |
//! | source_id | `location.external_identifier` (`external_identifier_type: "source_id"`) |
//! | street, city, state, postal_code | `location.addresses[0]` (`address_type: physical`, `country: US`) |
//! | phones (with the languages spoken on each line) | `location.phones[]` with `languages[]` |
//! | hours | `location.schedules[]`: one `WEEKLY` rule per span (`byday`, `opens_at`, `closes_at`) |
//! | languages | `location.languages[]` (`code`, `name`) |
//! | accessibility | `location.accessibility[0].description` |
//! | services | `service.name`, `.description` |
//! | categories | `service.attributes[]` → `taxonomy_term` (`code` = slug, taxonomy `assetmap`) |
//! | cost, cost_note | `service.cost_options[0].option` (`free`/`sliding_scale`/`fee`), `service.fees_description` |
//! | eligibility | `service.eligibility_description` |
//! | required_documents | `service.required_documents[].document` |
//! | last_verified_at | `service.assured_date` (a date: the time of day is not kept) |
//!
//! HSDS has no term for the rest, so (as its conformance rules allow) they travel in an
//! `assetmap` object on the location (walk_in, appointment_required, no_id_required,
//! confidential, description_lang, description_translations, timezone, hours_notes,
//! location_withheld), the service (translations), the phone (a non-numeric extension, our line
//! type) and the organization (source_id, status, description_lang, description_translations).
//!
//! Ids: HSDS wants UUIDs for every object. The location is the site's id, the organization the
//! partner's; every other object's id is derived from its owner's id ([`derived_id`]), so an
//! export is stable from one run to the next and an import of it finds the same records.
//!
//! A confidential site, for the public, has no `latitude`/`longitude` and an empty
//! `address_1` — what the public API withholds — and `assetmap.location_withheld: true`.

pub mod api;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::directory::view::Viewer;
use crate::domain::{
    Category, CategoryDef, Cost, Hours, LanguageCode, Partner, PartnerStatus, Phone, PhoneType, Site,
};

/// The HSDS version we speak.
pub const VERSION: &str = "3.0";
/// The profile our documents follow: HSDS 3.0, plus the `assetmap` extension objects.
pub const PROFILE: &str = "https://github.com/openreferral/specification/tree/3.0/schema";
/// The `taxonomy_term.taxonomy` of our categories.
pub const TAXONOMY: &str = "assetmap";
/// The `external_identifier_type` under which a site's `source_id` travels.
pub const SOURCE_ID_TYPE: &str = "source_id";

/// What a derived id belongs to (keeps ids of different objects of one site apart).
#[derive(Clone, Copy, Debug)]
#[repr(u8)]
pub enum Kind {
    /// A service of a site.
    Service = 1,
    /// The link of a service to its location.
    ServiceAtLocation = 2,
    /// The site's address.
    Address = 3,
    /// A phone line.
    Phone = 4,
    /// An opening span.
    Schedule = 5,
    /// A language of the location.
    Language = 6,
    /// A cost option.
    CostOption = 7,
    /// A required document.
    RequiredDocument = 8,
    /// Accessibility.
    Accessibility = 9,
    /// A category attribute.
    Attribute = 10,
    /// A language of a phone line (index: line × 256 + language).
    PhoneLanguage = 11,
}

/// A deterministic UUID for the `index`-th object of `kind` owned by `owner`: the owner's
/// bytes with the first three changed (the version and variant bits are left as they were, so
/// it is a UUID of the same version).
pub fn derived_id(owner: Uuid, kind: Kind, index: usize) -> Uuid {
    let mut b = *owner.as_bytes();
    b[0] ^= kind as u8;
    b[1] ^= (index & 0xff) as u8;
    b[2] ^= ((index >> 8) & 0xff) as u8;
    b[3] ^= 0x5a; // so kind 0 / index 0 never gives back the owner's own id
    Uuid::from_bytes(b)
}

/// The id of one of our categories as an HSDS `taxonomy_term` (the same in every deployment).
pub fn term_id(slug: &Category) -> Uuid {
    let h = |seed: u64| {
        slug.as_str().bytes().fold(seed, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
    };
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&h(0xcbf2_9ce4_8422_2325).to_be_bytes());
    b[8..].copy_from_slice(&h(0x6c62_272e_07bb_0142).to_be_bytes());
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    Uuid::from_bytes(b)
}

/// The id of our category taxonomy.
pub fn taxonomy_id() -> Uuid {
    Uuid::from_u128(0x6a1c_2f4e_9b7d_4e31_8c5a_0d3f_7e21_b964)
}

fn opt(v: &Option<String>) -> Value {
    v.as_ref().map_or(Value::Null, |s| json!(s))
}

/// Drops null members, so documents carry only what is known.
fn compact(mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        m.retain(|_, x| !x.is_null());
    }
    v
}

/// HSDS `language` objects for codes, linked by `link` (`location_id`/`phone_id`) to `owner`.
fn languages(codes: &[LanguageCode], link: &str, owner: Uuid, kind: Kind, base: usize) -> Vec<Value> {
    codes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            json!({"id": derived_id(owner, kind, base + i), link: owner, "code": c.as_str(), "name": c.english_name()})
        })
        .collect()
}

/// An organization.
pub fn organization(p: &Partner) -> Value {
    let ext = compact(json!({
        "source_id": opt(&p.source_id),
        "status": p.status.as_str(),
        "description_lang": p.description_lang.map(|l| l.as_str().to_owned()),
        "description_translations": if p.description_translations.is_empty() { Value::Null } else { json!(p.description_translations) },
    }));
    compact(json!({
        "id": p.id,
        "name": p.name,
        // required by the schema; empty when we have none
        "description": p.description.clone().unwrap_or_default(),
        "email": opt(&p.email),
        "website": opt(&p.website),
        "assetmap": ext,
    }))
}

fn phone(site: Uuid, i: usize, p: &Phone) -> Value {
    let id = derived_id(site, Kind::Phone, i);
    let kind = match p.kind {
        PhoneType::Voice | PhoneType::Hotline => "voice",
        PhoneType::Fax => "fax",
        PhoneType::Text => "text",
        PhoneType::Tty => "textphone",
    };
    let numeric_ext =
        p.extension.as_deref().and_then(|e| e.parse::<u64>().ok().filter(|_| !e.starts_with('0')));
    let ext = compact(json!({
        "type": (p.kind == PhoneType::Hotline).then_some("hotline"),
        "extension": if numeric_ext.is_none() { opt(&p.extension) } else { Value::Null },
    }));
    let langs: Vec<Value> = p
        .languages
        .iter()
        .enumerate()
        .map(|(j, c)| {
            json!({"id": derived_id(site, Kind::PhoneLanguage, i * 256 + j), "phone_id": id, "code": c.as_str(), "name": c.english_name()})
        })
        .collect();
    compact(json!({
        "id": id,
        "location_id": site,
        "number": p.number,
        "extension": numeric_ext,
        "type": kind,
        "description": opt(&p.description),
        "languages": langs,
        "assetmap": if ext.as_object().is_some_and(Map::is_empty) { Value::Null } else { ext },
    }))
}

fn schedules(site: Uuid, hours: &Hours) -> Vec<Value> {
    hours
        .weekly
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({
                "id": derived_id(site, Kind::Schedule, i),
                "location_id": site,
                "freq": "WEEKLY",
                "wkst": "MO",
                "byday": s.day.as_str()[..2].to_ascii_uppercase(),
                "opens_at": s.opens.to_string(),
                "closes_at": s.closes.to_string(),
            })
        })
        .collect()
}

/// A site as an HSDS `location` for `viewer`.
pub fn location(s: &Site, viewer: Viewer) -> Value {
    let public = viewer == Viewer::Public;
    let withheld = crate::visibility::confidential::location_withheld(s, public);
    let postal_code = crate::visibility::confidential::shown_postal_code(s, public);
    let any_address = s.street.is_some() || s.city.is_some() || s.state.is_some() || postal_code.is_some();
    let street = if withheld { None } else { s.street.clone() };
    let addresses = if any_address {
        json!([{
            "id": derived_id(s.id, Kind::Address, 0),
            "location_id": s.id,
            "address_1": street.unwrap_or_default(),
            "city": s.city.clone().unwrap_or_default(),
            "state_province": s.state.clone().unwrap_or_default(),
            "postal_code": postal_code.unwrap_or_default(),
            "country": "US",
            "address_type": "physical",
        }])
    } else {
        Value::Null
    };
    let ext = compact(json!({
        "walk_in": s.walk_in,
        "appointment_required": s.appointment_required,
        "no_id_required": s.no_id_required,
        "confidential": s.confidential,
        "withhold_zip": s.withhold_zip.then_some(true),
        "location_withheld": withheld.then_some(true),
        "description_lang": s.description_lang.map(|l| l.as_str().to_owned()),
        "description_translations": if s.description_translations.is_empty() { Value::Null } else { json!(s.description_translations) },
        "timezone": s.hours.as_ref().map(|h| h.timezone.name()),
        "hours_notes": s.hours.as_ref().and_then(|h| h.notes.clone()),
    }));
    let (lat, lon) = if withheld { (None, None) } else { (s.lat, s.lon) };
    compact(json!({
        "id": s.id,
        "location_type": "physical",
        "organization_id": s.partner_id,
        "name": s.name,
        "description": opt(&s.description),
        "latitude": lat,
        "longitude": lon,
        "external_identifier": opt(&s.source_id),
        "external_identifier_type": s.source_id.as_ref().map(|_| SOURCE_ID_TYPE),
        "addresses": addresses,
        "phones": s.phones.iter().enumerate().map(|(i, p)| phone(s.id, i, p)).collect::<Vec<_>>(),
        "schedules": s.hours.as_ref().map(|h| schedules(s.id, h)).unwrap_or_default(),
        "languages": languages(&s.languages, "location_id", s.id, Kind::Language, 0),
        "accessibility": s.accessibility.as_ref().map(|a| json!([{"id": derived_id(s.id, Kind::Accessibility, 0), "location_id": s.id, "description": a}])),
        "assetmap": ext,
    }))
}

/// The `taxonomy_term` of a category.
pub fn taxonomy_term(c: &Category, defs: &[CategoryDef]) -> Value {
    let def = defs.iter().find(|d| &d.slug == c);
    json!({
        "id": term_id(c),
        "code": c.as_str(),
        "name": def.map_or(c.as_str(), |d| d.name.as_str()),
        "description": def.and_then(|d| d.description.clone()).unwrap_or_default(),
        "taxonomy": TAXONOMY,
        "taxonomy_id": taxonomy_id(),
    })
}

/// The services of a site as HSDS `service` objects, each with its organization and its
/// `service_at_locations[0].location` nested (the full form of `/hsds/services/{id}`).
pub fn services(s: &Site, partner: Option<&Partner>, defs: &[CategoryDef], viewer: Viewer) -> Vec<Value> {
    let named: Vec<(String, Option<String>, Value)> = if s.services.is_empty() {
        vec![(s.name.clone(), None, Value::Null)]
    } else {
        s.services
            .iter()
            .map(|v| {
                let tr = if v.translations.is_empty() {
                    Value::Null
                } else {
                    json!({"translations": v.translations})
                };
                (v.name.clone(), v.description.clone(), tr)
            })
            .collect()
    };
    let loc = location(s, viewer);
    let org = partner.map(organization);
    let status = match partner.map(|p| p.status) {
        Some(PartnerStatus::Active) | None => "active",
        Some(_) => "inactive",
    };
    named
        .into_iter()
        .enumerate()
        .map(|(i, (name, description, ext))| {
            let id = derived_id(s.id, Kind::Service, i);
            let attributes: Vec<Value> = s
                .categories
                .iter()
                .enumerate()
                .map(|(k, c)| {
                    json!({
                        "id": derived_id(id, Kind::Attribute, k),
                        "link_id": id,
                        "link_type": "category",
                        "link_entity": "service",
                        "taxonomy_term_id": term_id(c),
                        "taxonomy_term": taxonomy_term(c, defs),
                    })
                })
                .collect();
            let cost = s.cost.map(|c| {
                let option = match c {
                    Cost::Free => "free",
                    Cost::SlidingScale => "sliding_scale",
                    Cost::Fee => "fee",
                };
                json!([{"id": derived_id(id, Kind::CostOption, 0), "service_id": id, "option": option}])
            });
            let docs: Vec<Value> = s
                .required_documents
                .iter()
                .enumerate()
                .map(|(k, d)| json!({"id": derived_id(id, Kind::RequiredDocument, k), "service_id": id, "document": d}))
                .collect();
            let sal = json!({
                "id": derived_id(s.id, Kind::ServiceAtLocation, i),
                "service_id": id,
                "location_id": s.id,
                "location": loc,
            });
            compact(json!({
                "id": id,
                "organization_id": s.partner_id,
                "name": name,
                "description": description,
                "status": status,
                "fees_description": opt(&s.cost_note),
                "eligibility_description": opt(&s.eligibility),
                "assured_date": s.last_verified_at.map(|t| t.date_naive().to_string()),
                "cost_options": cost,
                "required_documents": docs,
                "attributes": attributes,
                "organization": org,
                "service_at_locations": [sal],
                "assetmap": ext,
            }))
        })
        .collect()
}

// --------------------------------------------------------------------------------------------
// HSDS 3.0 → our fields
// --------------------------------------------------------------------------------------------

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

fn array<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// A language `code` (or, lacking one, its English `name`) as one of ours.
fn language_of(v: &Value) -> Option<LanguageCode> {
    if let Some(code) = text(v, "code") {
        if let Ok(c) = LanguageCode::parse(&code) {
            return Some(c);
        }
        // ISO 639-2/3 codes of languages that have a 639-1 code ("spa", "eng")
        if let Some(l) = isolang::Language::from_639_3(&code.to_ascii_lowercase()) {
            if let Some(c) = l.to_639_1().and_then(|c| LanguageCode::parse(c).ok()) {
                return Some(c);
            }
        }
    }
    text(v, "name").and_then(|n| language_named(&n))
}

/// A language by its English name ("Spanish", "Haitian Creole"), when there is exactly one.
pub fn language_named(name: &str) -> Option<LanguageCode> {
    let name = name.trim();
    let mut title: String = name.chars().take(1).flat_map(char::to_uppercase).collect();
    title.push_str(&name.chars().skip(1).collect::<String>().to_lowercase());
    let l = isolang::Language::from_name(name).or_else(|| isolang::Language::from_name(&title))?;
    l.to_639_1().map_or_else(|| LanguageCode::parse(l.to_639_3()).ok(), |c| LanguageCode::parse(c).ok())
}

fn put(m: &mut Map<String, Value>, k: &str, v: Value) {
    if !v.is_null() {
        m.insert(k.to_owned(), v);
    }
}

fn push_unique<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}

/// `HH:MM` from an HSDS time (`09:00`, `9:00:00`, `09:00-05:00`, `09:00Z`).
pub fn hhmm(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let mut parts = raw.splitn(3, ':');
    let h: u16 = parts.next()?.trim().parse().ok()?;
    let m: u16 = parts.next()?.get(..2)?.parse().ok()?;
    (h <= 24 && m < 60).then(|| format!("{h:02}:{m:02}"))
}

/// The spans of `WEEKLY` HSDS schedules as our `weekly` entries; other rules are skipped.
fn weekly(schedules: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    for s in schedules {
        let freq = text(s, "freq").unwrap_or_else(|| "WEEKLY".to_owned());
        if !freq.eq_ignore_ascii_case("weekly")
            || s.get("interval").and_then(Value::as_f64).is_some_and(|i| i != 1.0)
        {
            continue;
        }
        let (Some(o), Some(c)) =
            (text(s, "opens_at").and_then(|t| hhmm(&t)), text(s, "closes_at").and_then(|t| hhmm(&t)))
        else {
            continue;
        };
        for d in text(s, "byday").unwrap_or_default().split(',') {
            if let Some(day) = crate::domain::Weekday::parse(d.trim()) {
                out.push(json!({"day": day.as_str(), "opens": o, "closes": c}));
            }
        }
    }
    out
}

/// One location and the services offered there, read into the property map of our importer
/// (the API's field names plus `partner_*`). `org` is the organization (nested or looked up).
pub fn site_props(location: Option<&Value>, services: &[&Value], org: Option<&Value>) -> Map<String, Value> {
    let empty = json!({});
    let loc = location.unwrap_or(&empty);
    let lx = loc.get("assetmap").cloned().unwrap_or_default();
    let mut m = Map::new();
    if let Some(id) = text(loc, "id").filter(|i| Uuid::parse_str(i).is_ok()) {
        put(&mut m, "id", json!(id));
    }
    if text(loc, "external_identifier_type").as_deref() == Some(SOURCE_ID_TYPE) {
        put(&mut m, "source_id", opt(&text(loc, "external_identifier")));
    } else if let Some(id) = text(loc, "id").filter(|i| Uuid::parse_str(i).is_err()) {
        // an id that cannot be ours: kept as the source id, so a re-import finds the site
        put(&mut m, "source_id", json!(format!("hsds:location:{id}")));
    }
    // the partner
    if let Some(o) = org {
        let ox = o.get("assetmap").cloned().unwrap_or_default();
        if let Some(id) = text(o, "id").filter(|i| Uuid::parse_str(i).is_ok()) {
            put(&mut m, "partner_id", json!(id));
        }
        let non_uuid =
            text(o, "id").filter(|i| Uuid::parse_str(i).is_err()).map(|i| format!("hsds:organization:{i}"));
        put(&mut m, "partner_source_id", opt(&text(&ox, "source_id").or(non_uuid)));
        put(&mut m, "partner_name", opt(&text(o, "name")));
        put(&mut m, "partner_description", opt(&text(o, "description")));
        put(&mut m, "partner_website", opt(&text(o, "website").or_else(|| text(o, "url"))));
        put(&mut m, "partner_email", opt(&text(o, "email")));
    }
    let first = services.first().copied().unwrap_or(&empty);
    put(&mut m, "name", opt(&text(loc, "name").or_else(|| text(first, "name"))));
    put(
        &mut m,
        "description",
        opt(&text(loc, "description").or_else(|| {
            if services.len() == 1 {
                text(first, "description")
            } else {
                None
            }
        })),
    );
    for k in [
        "description_lang",
        "description_translations",
        "walk_in",
        "appointment_required",
        "no_id_required",
        "confidential",
        "withhold_zip",
    ] {
        put(&mut m, k, lx.get(k).cloned().unwrap_or(Value::Null));
    }
    if let Some(a) = array(loc, "addresses")
        .iter()
        .find(|a| text(a, "address_type").as_deref() != Some("postal"))
        .or_else(|| array(loc, "addresses").first())
    {
        let street = match (text(a, "address_1"), text(a, "address_2")) {
            (Some(a1), Some(a2)) => Some(format!("{a1}, {a2}")),
            (a1, _) => a1,
        };
        put(&mut m, "street", opt(&street));
        put(&mut m, "city", opt(&text(a, "city")));
        put(&mut m, "state", opt(&text(a, "state_province")));
        put(&mut m, "postal_code", opt(&text(a, "postal_code")));
    }
    if let (Some(lat), Some(lon)) =
        (loc.get("latitude").and_then(Value::as_f64), loc.get("longitude").and_then(Value::as_f64))
    {
        put(&mut m, "lat", json!(lat));
        put(&mut m, "lon", json!(lon));
    }
    // phones: the location's, then those of the services at it
    let mut phones = Vec::new();
    let mut seen = Vec::new();
    for p in array(loc, "phones").iter().chain(services.iter().flat_map(|s| array(s, "phones"))) {
        let Some(number) = text(p, "number") else { continue };
        let px = p.get("assetmap").cloned().unwrap_or_default();
        let extension = text(&px, "extension").or_else(|| text(p, "extension"));
        if seen.contains(&(number.clone(), extension.clone())) {
            continue;
        }
        seen.push((number.clone(), extension.clone()));
        let kind = match (
            text(&px, "type").as_deref(),
            text(p, "type").map(|t| t.to_ascii_lowercase()).as_deref(),
        ) {
            (Some("hotline"), _) => "hotline",
            (_, Some("fax")) => "fax",
            (_, Some("text" | "sms")) => "text",
            (_, Some("textphone" | "tty" | "tdd")) => "tty",
            _ => "voice",
        };
        let langs: Vec<Value> =
            array(p, "languages").iter().filter_map(language_of).map(|c| json!(c.as_str())).collect();
        phones.push(compact(json!({
            "number": number, "type": kind, "extension": extension, "languages": langs, "description": opt(&text(p, "description")),
        })));
    }
    put(&mut m, "phones", json!(phones));
    // hours: the location's schedules, else those of the first service-at-location or service
    let sal_schedules = services
        .iter()
        .flat_map(|s| array(s, "service_at_locations"))
        .flat_map(|sal| array(sal, "schedules"))
        .cloned()
        .collect::<Vec<_>>();
    let mut spans = weekly(array(loc, "schedules"));
    if spans.is_empty() {
        spans = weekly(&sal_schedules);
    }
    if spans.is_empty() {
        spans = weekly(&services.iter().flat_map(|s| array(s, "schedules")).cloned().collect::<Vec<_>>());
    }
    let tz = text(&lx, "timezone");
    let notes = text(&lx, "hours_notes");
    if !spans.is_empty() || tz.is_some() || notes.is_some() {
        put(
            &mut m,
            "hours",
            compact(
                json!({"timezone": tz.unwrap_or_else(|| "America/New_York".to_owned()), "weekly": spans, "notes": notes}),
            ),
        );
    }
    // languages of the location and of every service
    let mut langs = Vec::new();
    for l in array(loc, "languages").iter().chain(services.iter().flat_map(|s| array(s, "languages"))) {
        if let Some(c) = language_of(l) {
            push_unique(&mut langs, c);
        }
    }
    put(&mut m, "languages", json!(langs.iter().map(LanguageCode::as_str).collect::<Vec<_>>()));
    put(
        &mut m,
        "accessibility",
        opt(&array(loc, "accessibility")
            .iter()
            .find_map(|a| text(a, "description").or_else(|| text(a, "details")))),
    );
    // categories: our taxonomy's terms
    let mut cats = Vec::new();
    for s in services {
        for a in array(s, "attributes") {
            let term = a.get("taxonomy_term").cloned().unwrap_or_default();
            if text(&term, "taxonomy").as_deref() == Some(TAXONOMY) {
                if let Some(code) = text(&term, "code") {
                    push_unique(&mut cats, code);
                }
            }
        }
    }
    put(&mut m, "categories", json!(cats));
    // services and their own fields (from the first service that has each)
    let list: Vec<Value> = services
        .iter()
        .filter_map(|s| {
            let name = text(s, "name")?;
            let translations = s.get("assetmap").and_then(|x| x.get("translations")).cloned();
            Some(compact(json!({"name": name, "description": opt(&text(s, "description")), "translations": translations})))
        })
        .collect();
    // one service named as the site, and nothing else to it, is the stand-in the export adds
    let stand_in = list.len() == 1
        && list[0].get("name") == m.get("name")
        && list[0].get("description").is_none()
        && list[0].get("translations").is_none();
    if !stand_in {
        put(&mut m, "services", json!(list));
    }
    let first_of = |f: &dyn Fn(&Value) -> Option<String>| services.iter().find_map(|s| f(s));
    put(&mut m, "cost_note", opt(&first_of(&|s| text(s, "fees_description").or_else(|| text(s, "fees")))));
    put(&mut m, "eligibility", opt(&first_of(&|s| text(s, "eligibility_description"))));
    let cost = first_of(&|s| {
        array(s, "cost_options").iter().find_map(|c| {
            match text(c, "option")?.to_ascii_lowercase().replace([' ', '-'], "_").as_str() {
                "free" => Some("free".to_owned()),
                "sliding_scale" => Some("sliding_scale".to_owned()),
                "fee" => Some("fee".to_owned()),
                _ => None,
            }
        })
    });
    put(&mut m, "cost", opt(&cost));
    let mut docs = Vec::new();
    for s in services {
        for d in array(s, "required_documents") {
            if let Some(doc) = text(d, "document") {
                push_unique(&mut docs, doc);
            }
        }
    }
    put(&mut m, "required_documents", json!(docs));
    let assured = first_of(&|s| text(s, "assured_date"));
    if let Some(a) = assured {
        let t = DateTime::parse_from_rfc3339(&a).map(|t| t.with_timezone(&Utc)).ok().or_else(|| {
            NaiveDate::parse_from_str(&a, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc())
        });
        put(&mut m, "last_verified_at", t.map_or_else(|| json!(a), |t| json!(t)));
    }
    m
}

/// Groups HSDS 3.0 service objects by the location they are offered at: one entry per
/// location (in order of first appearance), and one per service that has no location.
/// Organizations come nested, or from `orgs` by `organization_id`.
pub fn group_services<'a>(
    services: &'a [Value],
    orgs: &'a HashMap<String, Value>,
) -> Vec<(Option<&'a Value>, Vec<&'a Value>, Option<&'a Value>)> {
    let mut out: Vec<(Option<&Value>, Vec<&Value>, Option<&Value>)> = Vec::new();
    let mut by_loc: HashMap<String, usize> = HashMap::new();
    for s in services {
        let org = s
            .get("organization")
            .filter(|o| o.is_object())
            .or_else(|| text(s, "organization_id").and_then(|id| orgs.get(&id)));
        let sals = array(s, "service_at_locations");
        let mut placed = false;
        for sal in sals {
            let Some(loc) = sal.get("location").filter(|l| l.is_object()) else { continue };
            let key = text(loc, "id").unwrap_or_else(|| format!("{:p}", loc));
            placed = true;
            match by_loc.get(&key) {
                Some(&i) => out[i].1.push(s),
                None => {
                    by_loc.insert(key, out.len());
                    out.push((Some(loc), vec![s], org));
                }
            }
        }
        if !placed {
            out.push((None, vec![s], org));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_are_stable_distinct_uuids() {
        let owner = Uuid::new_v4();
        let a = derived_id(owner, Kind::Service, 0);
        assert_eq!(a, derived_id(owner, Kind::Service, 0));
        assert_ne!(a, owner);
        assert_ne!(a, derived_id(owner, Kind::Service, 1));
        assert_ne!(a, derived_id(owner, Kind::Phone, 0));
        assert_eq!(a.get_version_num(), 4);
        let legal = Category::parse("legal").unwrap();
        assert_eq!(term_id(&legal), term_id(&legal));
        assert_ne!(term_id(&legal), term_id(&Category::parse("health").unwrap()));
        assert_eq!(term_id(&legal).get_version_num(), 4);
    }

    #[test]
    fn times_and_weekly_rules_are_read() {
        assert_eq!(hhmm("9:00").as_deref(), Some("09:00"));
        assert_eq!(hhmm("09:30:00").as_deref(), Some("09:30"));
        assert_eq!(hhmm("17:00-05:00").as_deref(), Some("17:00"));
        assert_eq!(hhmm("nine"), None);
        let rules = [
            json!({"id": "x", "freq": "WEEKLY", "byday": "MO,WE", "opens_at": "09:00", "closes_at": "17:00"}),
            json!({"id": "y", "freq": "MONTHLY", "byday": "1SA", "opens_at": "09:00", "closes_at": "12:00"}),
        ];
        let w = weekly(&rules);
        assert_eq!(
            w,
            vec![
                json!({"day": "mon", "opens": "09:00", "closes": "17:00"}),
                json!({"day": "wed", "opens": "09:00", "closes": "17:00"})
            ]
        );
    }

    #[test]
    fn languages_by_code_or_name() {
        assert_eq!(language_of(&json!({"code": "spa"})).unwrap().as_str(), "es");
        assert_eq!(language_of(&json!({"code": "ht"})).unwrap().as_str(), "ht");
        assert_eq!(language_of(&json!({"name": "French"})).unwrap().as_str(), "fr");
        assert!(language_of(&json!({"name": "Klingonese"})).is_none());
    }
}
