//! Exports of the whole directory: HSDS 3.0 JSON, the HSDS 3.0 tabular data package (CSVs +
//! `datapackage.json`), our own CSV (the columns `assetmap import` reads) and GeoJSON (the
//! shape `assetmap import` reads). Each one re-imports into the same records
//! (`assetmap import`), within what the format can carry (see the README).
//!
//! For the public ([`Viewer::Public`]): only the sites of active partners, and a confidential
//! site without its coordinates and street, exactly as the public API shows it. An admin gets
//! everything.

pub mod http;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use serde_json::{json, Map, Value};

use crate::catalog::Catalog;
use crate::directory::view::Viewer;
use crate::domain::{Partner, PartnerStatus, Site};
use crate::import::CSV_COLUMNS;

/// An export format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `{"services": [...], "organizations": [...]}`, HSDS 3.0 objects.
    HsdsJson,
    /// The HSDS 3.0 tabular data package: a folder of CSVs and `datapackage.json`.
    HsdsCsv,
    /// Our CSV, one row per site.
    Csv,
    /// A GeoJSON FeatureCollection, one feature per site.
    GeoJson,
}

impl Format {
    /// Parses `hsds-json`, `hsds-csv`, `csv`, `geojson`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "hsds-json" => Ok(Self::HsdsJson),
            "hsds-csv" => Ok(Self::HsdsCsv),
            "csv" => Ok(Self::Csv),
            "geojson" => Ok(Self::GeoJson),
            _ => Err(format!("'{raw}' is not one of hsds-json, hsds-csv, csv, geojson")),
        }
    }
}

/// The sites `viewer` may see, by name then id (so exports are stable).
fn visible(catalog: &Catalog, viewer: Viewer) -> Vec<&Site> {
    let mut sites: Vec<&Site> = catalog
        .sites()
        .map(AsRef::as_ref)
        .filter(|s| viewer == Viewer::Admin || catalog.is_public(s))
        .collect();
    sites.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    sites
}

fn partners(catalog: &Catalog, viewer: Viewer) -> Vec<&Partner> {
    let mut p: Vec<&Partner> = catalog
        .partners()
        .map(AsRef::as_ref)
        .filter(|p| viewer == Viewer::Admin || p.status == PartnerStatus::Active)
        .collect();
    p.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    p
}

/// The HSDS 3.0 JSON document: every service (full form) and every organization.
pub fn hsds_document(catalog: &Catalog, viewer: Viewer) -> Value {
    let defs = catalog.categories();
    let services: Vec<Value> = visible(catalog, viewer)
        .into_iter()
        .flat_map(|s| {
            crate::hsds::services(s, catalog.partner(s.partner_id).map(AsRef::as_ref), defs, viewer)
        })
        .collect();
    let organizations: Vec<Value> =
        partners(catalog, viewer).into_iter().map(crate::hsds::organization).collect();
    json!({"hsds_version": crate::hsds::VERSION, "profile": crate::hsds::PROFILE, "services": services, "organizations": organizations})
}

/// One CSV table being built: columns in order of first appearance, rows, ids seen.
#[derive(Default)]
struct Table {
    columns: Vec<String>,
    rows: Vec<Map<String, Value>>,
    ids: std::collections::HashSet<String>,
}

impl Table {
    /// Adds the scalar members of `obj` (the `assetmap` extension as JSON text); once per id.
    fn add(&mut self, obj: &Value) {
        let Value::Object(m) = obj else { return };
        if let Some(id) = m.get("id").and_then(Value::as_str) {
            if !self.ids.insert(id.to_owned()) {
                return;
            }
        }
        let mut row = Map::new();
        for (k, v) in m {
            let cell = match v {
                Value::Array(_) => continue,
                Value::Object(_) if k == "assetmap" => json!(v.to_string()),
                Value::Object(_) => continue,
                other => other.clone(),
            };
            if !self.columns.contains(k) {
                self.columns.push(k.clone());
            }
            row.insert(k.clone(), cell);
        }
        self.rows.push(row);
    }

    fn csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(&self.columns);
        for r in &self.rows {
            let cells = self.columns.iter().map(|c| match r.get(c) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
            });
            let _ = w.write_record(cells);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}

fn children<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(Value::as_array).into_iter().flatten()
}

/// The HSDS 3.0 tabular data package: `(file name, contents)`, `datapackage.json` last.
pub fn hsds_tables(doc: &Value) -> Vec<(String, String)> {
    use crate::import::datapackage::V3_TABLES;
    let mut t: HashMap<&str, Table> = V3_TABLES.iter().map(|(n, _)| (*n, Table::default())).collect();
    let mut add = |name: &str, v: &Value| {
        if let Some(table) = t.get_mut(name) {
            table.add(v);
        }
    };
    for o in children(doc, "organizations") {
        add("organization", o);
    }
    for s in children(doc, "services") {
        add("service", s);
        for c in children(s, "cost_options") {
            add("cost_option", c);
        }
        for d in children(s, "required_documents") {
            add("required_document", d);
        }
        for l in children(s, "languages") {
            add("language", l);
        }
        for a in children(s, "attributes") {
            add("attribute", a);
            if let Some(term) = a.get("taxonomy_term") {
                add("taxonomy_term", term);
            }
        }
        for sal in children(s, "service_at_locations") {
            add("service_at_location", sal);
            let Some(loc) = sal.get("location") else { continue };
            add("location", loc);
            for a in children(loc, "addresses") {
                add("address", a);
            }
            for p in children(loc, "phones") {
                add("phone", p);
                for l in children(p, "languages") {
                    add("language", l);
                }
            }
            for x in children(loc, "schedules") {
                add("schedule", x);
            }
            for l in children(loc, "languages") {
                add("language", l);
            }
            for a in children(loc, "accessibility") {
                add("accessibility", a);
            }
        }
    }
    let mut files = Vec::new();
    let mut resources = Vec::new();
    for (name, path) in V3_TABLES {
        let table = &t[name];
        let fields: Vec<Value> = table
            .columns
            .iter()
            .map(|c| {
                let numeric = table.rows.iter().filter_map(|r| r.get(c)).any(Value::is_number);
                json!({"name": c, "type": if numeric { "number" } else { "string" }})
            })
            .collect();
        resources.push(json!({
            "name": name, "path": path, "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "profile": "tabular-data-resource", "schema": {"fields": fields, "primaryKey": "id"},
        }));
        files.push(((*path).to_owned(), table.csv()));
    }
    let package = json!({
        "name": "assetmap-hsds",
        "title": "assetmap directory (Open Referral HSDS 3.0)",
        "profile": "tabular-data-package",
        "hsds_version": crate::hsds::VERSION,
        "resources": resources,
    });
    files.push(("datapackage.json".to_owned(), serde_json::to_string_pretty(&package).unwrap_or_default()));
    files
}

/// The partner fields of our CSV/GeoJSON for a site.
fn partner_fields(catalog: &Catalog, s: &Site) -> Map<String, Value> {
    let mut m = Map::new();
    if let Some(p) = catalog.partner(s.partner_id) {
        m.insert("partner_id".into(), json!(p.id));
        m.insert("partner_name".into(), json!(p.name));
        for (k, v) in [
            ("partner_source_id", &p.source_id),
            ("partner_website", &p.website),
            ("partner_email", &p.email),
            ("partner_description", &p.description),
        ] {
            if let Some(v) = v {
                m.insert(k.into(), json!(v));
            }
        }
    }
    m
}

/// A site for `viewer` as its record's JSON, without the read-only fields.
fn site_json(s: &Site, viewer: Viewer) -> Map<String, Value> {
    let mut v = match serde_json::to_value(s) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    for k in ["created_at", "updated_at", "version"] {
        v.remove(k);
    }
    if crate::visibility::confidential::location_withheld(s, viewer == Viewer::Public) {
        for k in ["lon", "lat", "street"] {
            v.insert(k.into(), Value::Null);
        }
        if crate::visibility::confidential::shown_postal_code(s, true).is_none() {
            v.insert("postal_code".into(), Value::Null);
        }
    }
    v
}

/// The GeoJSON FeatureCollection (properties: the API's field names and the partner's).
pub fn geojson(catalog: &Catalog, viewer: Viewer) -> Value {
    let features: Vec<Value> = visible(catalog, viewer)
        .into_iter()
        .map(|s| {
            let mut props = site_json(s, viewer);
            let (lon, lat) = (props.remove("lon"), props.remove("lat"));
            let geometry = match (lon.and_then(|v| v.as_f64()), lat.and_then(|v| v.as_f64())) {
                (Some(lon), Some(lat)) => json!({"type": "Point", "coordinates": [lon, lat]}),
                _ => Value::Null,
            };
            props.extend(partner_fields(catalog, s));
            props.retain(|_, v| !v.is_null());
            json!({"type": "Feature", "id": s.id, "geometry": geometry, "properties": props})
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

/// A list as `a;b;c`.
fn joined<T: AsRef<str>>(items: impl IntoIterator<Item = T>) -> String {
    items.into_iter().map(|x| x.as_ref().to_owned()).collect::<Vec<_>>().join(";")
}

/// Our CSV: the columns of `assetmap import` (and `description_<lang>` for translations).
/// Phones past the third and service descriptions are not carried (the CSV has no column).
pub fn csv(catalog: &Catalog, viewer: Viewer) -> String {
    let sites = visible(catalog, viewer);
    let mut langs: Vec<String> =
        sites.iter().flat_map(|s| s.description_translations.keys().map(|l| l.as_str().to_owned())).collect();
    langs.sort();
    langs.dedup();
    let mut header: Vec<String> = CSV_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    header.extend(langs.iter().map(|l| format!("description_{l}")));
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(&header);
    for s in sites {
        let site = site_json(s, viewer);
        let partner = partner_fields(catalog, s);
        let yes_no = |b: Option<bool>| b.map_or(String::new(), |b| if b { "yes" } else { "no" }.to_owned());
        let text = |v: Option<&Value>| match v {
            Some(Value::String(x)) => x.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        let row: Vec<String> = header
            .iter()
            .map(|c| {
                let c = c.as_str();
                if let Some(lang) = c.strip_prefix("description_").filter(|_| c != "description_lang") {
                    return s
                        .description_translations
                        .iter()
                        .find(|(l, _)| l.as_str() == lang)
                        .map_or(String::new(), |(_, t)| t.text.clone());
                }
                if c.starts_with("partner_") {
                    return text(partner.get(c));
                }
                if let Some(rest) = c.strip_prefix("phone") {
                    let (n, attr) = match rest {
                        "" => (0, ""),
                        "_type" => (0, "type"),
                        "_languages" => (0, "languages"),
                        r => {
                            let r = r.trim_start_matches('_');
                            let (num, attr) = r.split_once('_').unwrap_or((r, ""));
                            (num.parse::<usize>().unwrap_or(1) - 1, attr)
                        }
                    };
                    let Some(p) = s.phones.get(n) else { return String::new() };
                    return match attr {
                        "type" => serde_json::to_value(p.kind)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default(),
                        "languages" => joined(p.languages.iter().map(|l| l.as_str())),
                        _ => match &p.extension {
                            Some(e) => format!("{} x{e}", p.number),
                            None => p.number.clone(),
                        },
                    };
                }
                if let Some(day) = c.strip_prefix("hours_") {
                    let Some(h) = &s.hours else { return String::new() };
                    if day == "notes" {
                        return h.notes.clone().unwrap_or_default();
                    }
                    return h
                        .weekly
                        .iter()
                        .filter(|sp| sp.day.as_str() == day)
                        .map(|sp| format!("{}-{}", sp.opens, sp.closes))
                        .collect::<Vec<_>>()
                        .join(", ");
                }
                match c {
                    "timezone" => s.hours.as_ref().map(|h| h.timezone.name().to_owned()).unwrap_or_default(),
                    "categories" => joined(s.categories.iter().map(|x| x.as_str())),
                    "languages" => joined(s.languages.iter().map(|x| x.as_str())),
                    "services" => joined(s.services.iter().map(|x| x.name.as_str())),
                    "required_documents" => joined(&s.required_documents),
                    "walk_in" => yes_no(s.walk_in),
                    "appointment_required" => yes_no(s.appointment_required),
                    "no_id_required" => yes_no(s.no_id_required),
                    "confidential" => yes_no(Some(s.confidential)),
                    "withhold_zip" => yes_no(Some(s.withhold_zip)),
                    "lon" | "lat" => text(site.get(c)),
                    "last_verified_at" => s.last_verified_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                    "cost" => text(site.get("cost")),
                    "description_lang" => {
                        s.description_lang.map(|l| l.as_str().to_owned()).unwrap_or_default()
                    }
                    other => text(site.get(other)),
                }
            })
            .collect();
        let _ = w.write_record(&row);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Writes an export to `out`: a file, or for [`Format::HsdsCsv`] a folder (created if
/// missing). Returns a one-line summary.
pub fn write(catalog: &Catalog, format: Format, viewer: Viewer, out: &Path) -> std::io::Result<String> {
    let mut summary = String::new();
    match format {
        Format::HsdsJson => {
            let doc = hsds_document(catalog, viewer);
            std::fs::write(out, serde_json::to_vec_pretty(&doc)?)?;
            let n = doc["services"].as_array().map_or(0, Vec::len);
            let _ = write!(summary, "{n} HSDS services written to {}", out.display());
        }
        Format::HsdsCsv => {
            std::fs::create_dir_all(out)?;
            let files = hsds_tables(&hsds_document(catalog, viewer));
            for (name, body) in &files {
                std::fs::write(out.join(name), body)?;
            }
            let _ = write!(
                summary,
                "{} files of the HSDS data package written to {}",
                files.len(),
                out.display()
            );
        }
        Format::Csv => {
            std::fs::write(out, csv(catalog, viewer))?;
            let _ = write!(summary, "{} sites written to {}", visible(catalog, viewer).len(), out.display());
        }
        Format::GeoJson => {
            std::fs::write(out, serde_json::to_vec(&geojson(catalog, viewer))?)?;
            let _ = write!(summary, "{} sites written to {}", visible(catalog, viewer).len(), out.display());
        }
    }
    Ok(summary)
}
