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

use super::mapping::{CategoryMapping, Names};
use super::{file_err, record_from_map, text, ImportError, Parsed, Rows, Skipped};
use crate::domain::FieldError;
use crate::hsds;

/// Parses an HSDS 3.0 JSON document.
pub fn parse(file: &str, bytes: &[u8], mapping: Option<&CategoryMapping>) -> Result<Parsed, ImportError> {
    let doc: Value = serde_json::from_str(&text(file, bytes, super::Encoding::Utf8)?)
        .map_err(|e| file_err(file, format!("is not JSON: {e}")))?;
    let (services, orgs): (Vec<Value>, Vec<Value>) = match doc {
        Value::Array(a) => (a, Vec::new()),
        Value::Object(mut m) => {
            let orgs = match m.remove("organizations") {
                Some(Value::Array(a)) => a,
                _ => Vec::new(),
            };
            match (m.remove("services"), m.remove("contents")) {
                (Some(Value::Array(a)), _) | (None, Some(Value::Array(a))) => (a, orgs),
                _ if m.contains_key("id") && m.contains_key("name") => (vec![Value::Object(m)], orgs),
                _ => return Err(file_err(
                    file,
                    "is not HSDS 3.0 JSON: expected an array of services, a page ({\"contents\": [...]}), \
                         {\"services\": [...]} or one service",
                )),
            }
        }
        _ => return Err(file_err(file, "is not HSDS 3.0 JSON (neither an array nor an object)")),
    };
    if let Some(i) = services.iter().position(|s| !s.is_object()) {
        return Err(file_err(file, format!("services[{i}] is not an object")));
    }
    let orgs: HashMap<String, Value> =
        orgs.into_iter().filter_map(|o| Some((o.get("id")?.as_str()?.to_owned(), o))).collect();
    let (rows, skipped) = rows_from_services(&services, &orgs, mapping);
    Ok(Parsed { rows, format: "hsds-json", skipped, ..Parsed::default() })
}

/// Every taxonomy term of the services: (code, name), for a category mapping.
fn terms(services: &[&Value]) -> (Vec<String>, Vec<String>) {
    let (mut codes, mut names) = (Vec::new(), Vec::new());
    for s in services {
        for a in s.get("attributes").and_then(Value::as_array).into_iter().flatten() {
            let Some(t) = a.get("taxonomy_term") else { continue };
            let code = t
                .get("code")
                .and_then(Value::as_str)
                .or_else(|| a.get("taxonomy_term_id").and_then(Value::as_str));
            if let Some(c) = code {
                codes.push(c.to_owned());
            }
            if let Some(n) = t.get("name").and_then(Value::as_str) {
                names.push(n.to_owned());
            }
        }
    }
    (codes, names)
}

/// Rows from HSDS 3.0 services (also used for the HSDS 3.0 tabular data package).
pub(super) fn rows_from_services(
    services: &[Value],
    orgs: &HashMap<String, Value>,
    mapping: Option<&CategoryMapping>,
) -> (Rows, Vec<Skipped>) {
    let mut rows = Rows::new();
    let mut skipped = Vec::new();
    for (i, (loc, svcs, org)) in hsds::group_services(services, orgs).into_iter().enumerate() {
        let row = i + 1;
        let mut props: Map<String, Value> = hsds::site_props(loc, &svcs, org);
        let name = props.get("name").and_then(Value::as_str).unwrap_or("").to_owned();
        if let Some(m) = mapping {
            let (codes, term_names) = terms(&svcs);
            let term_names: Vec<&str> = term_names.iter().map(String::as_str).collect();
            let names = Names {
                name: &name,
                organization_name: props.get("partner_name").and_then(Value::as_str).unwrap_or(""),
                taxonomy_names: &term_names,
            };
            let cats = m.categories(&codes, &names);
            if cats.is_empty() {
                skipped.push(Skipped { row, name, reason: "no category maps (mapping file)".to_owned() });
                continue;
            }
            props.insert("categories".into(), json!(cats));
        } else if props.get("categories").and_then(Value::as_array).is_none_or(Vec::is_empty) {
            let e = FieldError::new(
                "categories",
                "none of the services' taxonomy terms is one of ours (taxonomy 'assetmap'); give a --mapping file",
            );
            rows.push((row, Err(vec![e])));
            continue;
        }
        rows.push((row, record_from_map(row, props, None)));
    }
    (rows, skipped)
}

#[cfg(test)]
mod tests {
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
        let parsed = parse("feed.json", FEED.as_bytes(), Some(&m)).unwrap();
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
        // without a mapping, the foreign taxonomy is a named problem, not a guess
        let parsed = parse("feed.json", FEED.as_bytes(), None).unwrap();
        let errs = parsed.rows[0].1.as_ref().unwrap_err();
        assert_eq!(errs[0].field, "categories");
        assert!(parse("x.json", b"{\"type\": 3}", None).is_err());
    }
}
