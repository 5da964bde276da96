//! Open Referral HSDS 3.0 JSON: service objects with their organization and their
//! `service_at_locations[].location` nested, as `/hsds/services/{id}` answers them.
//!
//! Accepted documents: an array of services; a `Page` (`{"contents": [...]}`); our export
//! (`{"services": [...], "organizations": [...]}`); or one service. Unknown properties are
//! ignored; services without a location (feeds that skip `service_at_location`) become sites
//! without coordinates. Services at the same location are one site ([`crate::hsds`] says which
//! field goes where). A row is a location (or a service without one), numbered from 1 in order
//! of first appearance.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::mapping::Names;
use super::{file_err, record_from_map, text, ImportError, Options, Parsed, Rows, Skipped};
use crate::domain::{FieldError, Term};
use crate::hsds;

/// What one HSDS 3.0 object is, told apart by its fields (the API's objects carry no type).
enum Kind {
    /// A service (`status` is required of it; older feeds omit it, so it is also the default).
    Service(Value),
    /// Services found inside another object (an organization, a service at a location).
    Services(Vec<Value>),
    /// An object with nothing to import as a site: the API's base, a taxonomy, a taxonomy term,
    /// an organization without services. The name says which, for the report.
    Nothing(&'static str),
}

fn classify(v: Value) -> Result<Kind, String> {
    let Value::Object(mut m) = v else { return Err("is not an object".to_owned()) };
    let has = |k: &str| m.contains_key(k);
    if has("openapi_url") || (has("version") && has("profile") && !has("id")) {
        return Ok(Kind::Nothing("the API's base"));
    }
    // A service at a location: the service with this one location.
    if let (Some(Value::Object(_)), Some(Value::Object(_))) = (m.get("service"), m.get("location")) {
        let Some(Value::Object(mut svc)) = m.remove("service") else { unreachable!() };
        let location = m.remove("location").unwrap_or(Value::Null);
        let sal_id = m.get("id").cloned().unwrap_or(Value::Null);
        svc.insert("service_at_locations".into(), json!([{"id": sal_id, "location": location}]));
        return Ok(Kind::Service(Value::Object(svc)));
    }
    if has("code") && (has("taxonomy") || has("taxonomy_id") || has("taxonomy_detail") || has("parent_id")) {
        return Ok(Kind::Nothing("a taxonomy term"));
    }
    if has("uri") && has("version") && !has("status") && !has("services") {
        return Ok(Kind::Nothing("a taxonomy"));
    }
    // A location alone: a site whose service is not given.
    if !has("status") && (has("latitude") || has("longitude") || has("addresses") || has("location_type")) {
        let name = m.get("name").cloned().unwrap_or(Value::Null);
        let id = m.get("id").cloned().unwrap_or(Value::Null);
        let location = Value::Object(m);
        return Ok(Kind::Service(
            json!({"id": id, "name": name, "service_at_locations": [{"id": id, "location": location}]}),
        ));
    }
    let org_like = [
        "website",
        "tax_status",
        "legal_status",
        "year_incorporated",
        "parent_organization_id",
        "organization_identifiers",
    ];
    if !has("status") && (has("services") || org_like.iter().any(|k| has(k))) {
        let services = match m.remove("services") {
            Some(Value::Array(a)) => a,
            _ => Vec::new(),
        };
        if services.is_empty() {
            return Ok(Kind::Nothing("an organization without services"));
        }
        m.remove("locations");
        let org = Value::Object(m);
        let services = services
            .into_iter()
            .map(|mut s| {
                if let Value::Object(sm) = &mut s {
                    sm.entry("organization").or_insert_with(|| org.clone());
                }
                s
            })
            .collect();
        return Ok(Kind::Services(services));
    }
    if has("id") && has("name") {
        return Ok(Kind::Service(Value::Object(m)));
    }
    Err("is not an HSDS 3.0 object (a service, a service at a location, a location or an organization)"
        .to_owned())
}

/// Parses an HSDS 3.0 JSON document: the API's answers as the specification's examples show
/// them (one service, organization, service at a location, location, taxonomy or term; a page
/// of any of them; the API's base), an array of them, our export
/// (`{"services": [...], "organizations": [...]}`), or the tabular package as one JSON object
/// (`{"services.csv": [rows], ...}`, read by [`super::datapackage::parse_json`]).
pub fn parse(file: &str, bytes: &[u8], opts: &Options) -> Result<Parsed, ImportError> {
    let doc: Value = serde_json::from_str(&text(file, bytes, super::Encoding::Utf8)?)
        .map_err(|e| file_err(file, format!("is not JSON: {e}")))?;
    let (items, orgs): (Vec<Value>, Vec<Value>) = match doc {
        Value::Array(a) => (a, Vec::new()),
        Value::Object(mut m) => {
            let orgs = match m.remove("organizations") {
                Some(Value::Array(a)) => a,
                _ => Vec::new(),
            };
            match (m.remove("services"), m.remove("contents")) {
                (Some(Value::Array(a)), _) if !orgs.is_empty() || m.is_empty() => (a, orgs),
                (None, Some(Value::Array(a))) => (a, orgs),
                (services, _) => {
                    if let Some(s) = services {
                        m.insert("services".into(), s);
                    }
                    (vec![Value::Object(m)], orgs)
                }
            }
        }
        _ => return Err(file_err(file, "is not HSDS 3.0 JSON (neither an array nor an object)")),
    };
    let mut services = Vec::new();
    let mut nothing = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        match classify(item).map_err(|m| file_err(file, format!("item {}: {m}", i + 1)))? {
            Kind::Service(s) => services.push(s),
            Kind::Services(s) => services.extend(s),
            Kind::Nothing(what) => nothing.push(Skipped {
                row: i + 1,
                name: String::new(),
                reason: format!("{what}: nothing to import as a site"),
            }),
        }
    }
    let orgs: HashMap<String, Value> =
        orgs.into_iter().filter_map(|o| Some((o.get("id")?.as_str()?.to_owned(), o))).collect();
    let (rows, mut skipped, warnings) = rows_from_services(&services, &orgs, opts);
    let warnings = warnings.into_iter().map(|(row, e)| super::RowProblem::new(file, row, e)).collect();
    // Numbered as items of the document, not as the locations the services share.
    if rows.is_empty() {
        skipped.extend(nothing);
    }
    Ok(Parsed { rows, format: "hsds-json", skipped, warnings, ..Parsed::default() })
}

/// Every taxonomy term of the services, as the source wrote them.
fn terms(services: &[&Value]) -> Vec<Term> {
    let mut out: Vec<Term> = Vec::new();
    for s in services {
        for a in s.get("attributes").and_then(Value::as_array).into_iter().flatten() {
            let Some(t) = a.get("taxonomy_term") else { continue };
            let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").trim().to_owned();
            let taxonomy = match t.get("taxonomy_detail").and_then(|d| d.get("name")) {
                Some(Value::String(n)) => n.trim().to_owned(),
                _ => text(t.get("taxonomy")),
            };
            let code = {
                let c = text(t.get("code"));
                if c.is_empty() {
                    text(a.get("taxonomy_term_id"))
                } else {
                    c
                }
            };
            let term = Term { taxonomy, code, name: text(t.get("name")) };
            if term.key().is_some() && !out.contains(&term) {
                out.push(term);
            }
        }
    }
    out
}

/// Rows from HSDS 3.0 services (also used for the HSDS 3.0 tabular data package).
///
/// Categories come from the service's own `assetmap` taxonomy terms (our export); else from
/// the mapping file given (`--mapping`), or else the shipped mappings (211/AIRS codes, Open
/// Eligibility; [`super::held::default_mapping`]); and from the admins' term mappings. A
/// location none of whose terms maps is held on the "needs a category" list — unless a mapping
/// file was given (it says what is in scope: the rest is skipped and listed) or the admins
/// decided each of its terms is none of ours.
pub(super) fn rows_from_services(
    services: &[Value],
    orgs: &HashMap<String, Value>,
    opts: &Options,
) -> (Rows, Vec<Skipped>, Vec<(usize, FieldError)>) {
    let mut rows = Rows::new();
    let mut skipped = Vec::new();
    let mut warnings = Vec::new();
    let default = super::held::default_mapping();
    for (i, (loc, svcs, org)) in hsds::group_services(services, orgs).into_iter().enumerate() {
        let row = i + 1;
        let mut props: Map<String, Value> = hsds::site_props(loc, &svcs, org);
        let name = props.get("name").and_then(Value::as_str).unwrap_or("").to_owned();
        // A location given without its organization runs itself (the partner bears its name).
        if !props.contains_key("partner_name") && !props.contains_key("partner_source_id") && !name.is_empty()
        {
            props.insert("partner_name".into(), json!(name));
        }
        // A point that cannot be on Earth (the specification's examples give latitude 100) is
        // no location: the site is kept without one, on the "needs a location" list.
        let lon = props.get("lon").and_then(Value::as_f64);
        let lat = props.get("lat").and_then(Value::as_f64);
        if let (Some(x), Some(y)) = (lon, lat) {
            if crate::domain::LonLat::new(x, y).is_err() {
                props.remove("lon");
                props.remove("lat");
                warnings.push((
                    row,
                    FieldError::new(
                        "lat",
                        format!(
                            "latitude {y}, longitude {x} is not a point on Earth: kept without a location"
                        ),
                    ),
                ));
            }
        }
        if props.get("categories").and_then(Value::as_array).is_some_and(|a| !a.is_empty()) {
            rows.push((row, record_from_map(row, props, None)));
            continue;
        }
        let terms = terms(&svcs);
        let codes: Vec<&str> = terms.iter().map(|t| t.code.as_str()).filter(|c| !c.is_empty()).collect();
        let term_names: Vec<&str> = terms.iter().map(|t| t.name.as_str()).filter(|c| !c.is_empty()).collect();
        let names = Names {
            name: &name,
            organization_name: props.get("partner_name").and_then(Value::as_str).unwrap_or(""),
            taxonomy_names: &term_names,
        };
        let mut cats = opts.mapping.as_ref().unwrap_or(default).categories(&codes, &names);
        let (stored, all_decided) = opts.terms.categories(&terms);
        for c in stored {
            if !cats.contains(&c) {
                cats.push(c);
            }
        }
        if !cats.is_empty() {
            props.insert("categories".into(), json!(cats));
            rows.push((row, record_from_map(row, props, None)));
        } else if opts.mapping.is_some() {
            skipped.push(Skipped { row, name, reason: "no category maps (mapping file)".to_owned() });
        } else if all_decided && !terms.is_empty() {
            skipped.push(Skipped {
                row,
                name,
                reason: "its terms are mapped to none of our categories".to_owned(),
            });
        } else {
            let rec = record_from_map(row, props, None).map(|mut r| {
                r.terms = Some(terms);
                r
            });
            rows.push((row, rec));
        }
    }
    (rows, skipped, warnings)
}

#[cfg(test)]
mod tests {
    use super::super::mapping::CategoryMapping;
    use super::*;

    /// A service as another HSDS 3.0 publisher writes it: its own ids and taxonomy.
    const FEED: &str = r#"{"total_items": 2, "contents": [
      {"id": "svc-1", "name": "Immigration Legal Clinic", "status": "active",
       "organization": {"id": "org-9", "name": "Legal Aid Society", "description": "", "website": "https://legalaid.example"},
       "languages": [{"id": "l1", "code": "spa"}, {"id": "l2", "name": "Haitian"}],
       "attributes": [{"id": "a1", "taxonomy_term": {"id": "t1", "code": "FT-3600", "name": "Immigration Legal Services", "description": ""}}],
       "service_at_locations": [{"id": "sal-1", "location": {"id": "loc-1", "location_type": "physical", "name": "Downtown office",
          "latitude": 25.77, "longitude": -80.19,
          "addresses": [{"id": "ad1", "address_1": "1 Flagler St", "address_2": "Suite 2", "city": "Miami", "state_province": "FL",
                         "postal_code": "33130", "country": "US", "address_type": "physical"}],
          "phones": [{"id": "p1", "number": "305-555-0100", "type": "textphone", "languages": [{"id": "pl", "code": "es"}]}],
          "schedules": [{"id": "s1", "freq": "WEEKLY", "byday": "MO,TU", "opens_at": "09:00", "closes_at": "17:00"}]}}]},
      {"id": "svc-2", "name": "Food pantry", "status": "active", "organization_id": "org-9",
       "attributes": [{"id": "a2", "taxonomy_term": {"id": "t2", "code": "BD-1800.2000", "name": "Food Pantries", "description": ""}}]}
    ]}"#;

    #[test]
    fn another_publishers_feed_is_read_and_mapped() {
        let m = CategoryMapping::parse(
            "m.csv",
            b"match,field,pattern,category,note\ncode_prefix,taxonomy_code,FT-3600,legal,\n",
        )
        .unwrap();
        let with = Options { mapping: Some(m), ..Options::default() };
        let parsed = parse("feed.json", FEED.as_bytes(), &with).unwrap();
        assert_eq!(parsed.format, "hsds-json");
        assert_eq!(parsed.skipped.len(), 1, "the pantry maps to no category");
        assert_eq!(parsed.skipped[0].name, "Food pantry");
        let (row, rec) = &parsed.rows[0];
        let rec = rec.as_ref().unwrap();
        assert_eq!(*row, 1);
        let s = &rec.site;
        assert_eq!(s.name.as_deref(), Some("Downtown office"));
        assert_eq!(s.source_id.as_deref(), Some("hsds:location:loc-1"));
        assert_eq!(rec.partner.source_id.as_deref(), Some("hsds:organization:org-9"));
        assert_eq!(s.street.as_deref(), Some("1 Flagler St, Suite 2"));
        assert_eq!((s.lon, s.lat), (Some(-80.19), Some(25.77)));
        let langs: Vec<&str> = s.languages.iter().map(|l| l.as_str()).collect();
        assert_eq!(langs, ["es", "ht"]);
        assert_eq!(s.phones[0].kind, crate::domain::PhoneType::Tty);
        assert_eq!(s.phones[0].languages[0].as_str(), "es");
        assert_eq!(s.hours.as_ref().unwrap().weekly.len(), 2);
        assert_eq!(s.categories[0].as_str(), "legal");
        assert_eq!(s.services[0].name, "Immigration Legal Clinic");
        // without a mapping file, the shipped AIRS/211 mapping reads both services
        let parsed = parse("feed.json", FEED.as_bytes(), &Options::default()).unwrap();
        let cats = |i: usize| -> Vec<String> {
            parsed.rows[i].1.as_ref().unwrap().site.categories.iter().map(|c| c.as_str().to_owned()).collect()
        };
        assert_eq!(cats(0), ["legal"]);
        assert_eq!(cats(1), ["food"]);
        assert!(parse("x.json", b"{\"type\": 3}", &Options::default()).is_err());
    }

    #[test]
    fn a_term_of_no_known_taxonomy_is_held_until_an_admin_maps_it() {
        let feed = FEED
            .replace("FT-3600", "XYZ-1")
            .replace("BD-1800.2000", "XYZ-2")
            .replace("Immigration Legal Services", "Term one")
            .replace("Food Pantries", "Term two")
            .replace("Legal Aid Society", "Society")
            .replace("Immigration Legal Clinic", "Clinic");
        let parsed = parse("feed.json", feed.as_bytes(), &Options::default()).unwrap();
        let rec = parsed.rows[0].1.as_ref().unwrap();
        assert!(rec.site.categories.is_empty());
        assert_eq!(rec.terms.as_ref().unwrap()[0].code, "XYZ-1", "held with its terms");
        let legal = crate::domain::Category::parse("legal").unwrap();
        let book = super::super::held::TermBook::with_terms([
            ("xyz-1".to_owned(), vec![legal]),
            ("xyz-2".to_owned(), vec![]),
        ]);
        let opts = Options { terms: std::sync::Arc::new(book), ..Options::default() };
        let parsed = parse("feed.json", feed.as_bytes(), &opts).unwrap();
        let rec = parsed.rows[0].1.as_ref().unwrap();
        assert_eq!(rec.site.categories[0].as_str(), "legal", "the admin's mapping is applied");
        assert_eq!(parsed.skipped.len(), 1, "a term mapped to none of ours leaves its record out");
    }

    #[test]
    fn every_example_of_the_specification_reads() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/hsds/spec-3.0/examples");
        let Ok(entries) = std::fs::read_dir(&dir) else { return };
        for e in entries {
            let path = e.unwrap().path();
            if path.extension().is_some_and(|x| x == "json") {
                let bytes = std::fs::read(&path).unwrap();
                let read = if path.ends_with("tabular.json") {
                    super::super::datapackage::parse_json
                } else {
                    parse
                };
                let parsed = read("x.json", &bytes, &Options::default())
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                for (_, r) in &parsed.rows {
                    assert!(r.is_ok(), "{}: {r:?}", path.display());
                }
                assert_eq!(parsed.rows.len() + parsed.skipped.len(), 1, "{}", path.display());
            }
        }
    }
}
