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
