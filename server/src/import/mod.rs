//! `assetmap import FILE`: the project's own CSV (one row per site) and GeoJSON (a
//! FeatureCollection of points whose properties use the API's field names).
//!
//! A dry run (the default) reports what would change and every bad row (file, row, field,
//! problem). `--commit` writes everything in one transaction, and only if no row is bad: a
//! file is never half-imported. Re-importing is idempotent: partners and sites are matched by
//! `id`, then `source_id` (then partners by exact name), and unchanged records are left alone.
//! Sites without coordinates are kept (listed, not mapped) and reported.
//!
//! With a category [`mapping`] file ([`Options::mapping`]), the `categories` of a CSV row or a
//! GeoJSON feature are read as the source's own taxonomy codes or labels and mapped
//! (codes and `taxonomy_name` are the values as written; `name` the site's name,
//! `organization_name` its `partner_name`).

pub mod datapackage;
pub mod hsds_json;
pub mod mapping;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::catalog::Catalog;
use crate::domain::{FieldError, Partner, PartnerInput, Site, SiteInput};
use crate::store::{Batch, Change, Store, StoreError};
use mapping::{CategoryMapping, Names};

/// How to read the source.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Maps the source's categories (taxonomy codes, labels) to ours.
    pub mapping: Option<CategoryMapping>,
}

/// Dry run or commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Report only.
    DryRun,
    /// Write, if no row is bad.
    Commit,
}

/// One bad row.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RowProblem {
    /// Row number: for CSV the line (header = 1); for GeoJSON the feature's position (1-based).
    pub row: usize,
    /// Field name.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// A site listed but not mapped.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Unmapped {
    /// Row number.
    pub row: usize,
    /// Site name.
    pub name: String,
}

/// A source record left out on purpose (not an error): e.g. no category maps.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Skipped {
    /// Row number (as in [`RowProblem::row`]).
    pub row: usize,
    /// Its name.
    pub name: String,
    /// Why.
    pub reason: String,
}

/// Parsed input: rows to plan, the format's name, and records left out on purpose.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Rows to plan.
    pub rows: Rows,
    /// `csv`, `geojson`, `hsds-json`, `hsds-datapackage`.
    pub format: &'static str,
    /// Records left out on purpose (counted in [`Report::rows`]).
    pub skipped: Vec<Skipped>,
}

/// What an import did or would do.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    /// The file.
    pub file: String,
    /// `csv` or `geojson`.
    pub format: &'static str,
    /// Data rows read.
    pub rows: usize,
    /// New partners.
    pub partners_created: usize,
    /// Partners whose fields changed.
    pub partners_updated: usize,
    /// New sites.
    pub sites_created: usize,
    /// Sites whose fields changed.
    pub sites_updated: usize,
    /// Sites already exactly as in the file.
    pub sites_unchanged: usize,
    /// Sites without coordinates (kept, listed, not on the map).
    pub without_coordinates: Vec<Unmapped>,
    /// Source records left out on purpose (e.g. no category maps), with the reason.
    pub skipped: Vec<Skipped>,
    /// Every bad row.
    pub errors: Vec<RowProblem>,
    /// Whether the changes were written.
    pub committed: bool,
}

/// Why a file could not be imported at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file itself is unreadable (encoding, structure, missing columns).
    #[error("{file}: {message}")]
    File {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// Some rows are bad, so nothing was written.
    #[error("{} bad row(s); nothing was written", .0.errors.len())]
    Invalid(Box<Report>),
    /// The store refused the batch.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The partner fields of an import row.
#[derive(Clone, Debug, Default)]
struct PartnerRef {
    id: Option<Uuid>,
    source_id: Option<String>,
    name: Option<String>,
    website: Option<String>,
    email: Option<String>,
    description: Option<String>,
}

/// One parsed row.
#[derive(Clone, Debug)]
pub struct Record {
    row: usize,
    partner: PartnerRef,
    site: SiteInput,
}

/// Parsed rows: each a record or its problems.
pub type Rows = Vec<(usize, Result<Record, Vec<FieldError>>)>;

fn file_err(file: &str, message: impl Into<String>) -> ImportError {
    ImportError::File { file: file.to_owned(), message: message.into() }
}

/// Decodes UTF-8, tolerating a byte-order mark; names the first bad byte otherwise.
fn text<'a>(file: &str, bytes: &'a [u8]) -> Result<&'a str, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        file_err(
            file,
            format!("is not UTF-8 text (first bad byte on line {line}); save it as UTF-8 and try again"),
        )
    })
}

/// Replaces `categories` (source codes or labels as written) by the mapped categories.
fn map_categories(props: &mut Map<String, Value>, mapping: &CategoryMapping) {
    let codes: Vec<&str> = match props.get("categories") {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(s)) => vec![s.as_str()],
        _ => Vec::new(),
    };
    let text = |k: &str| props.get(k).and_then(Value::as_str).unwrap_or("");
    let names = Names { name: text("name"), organization_name: text("partner_name"), taxonomy_names: &codes };
    let mapped = mapping.categories(&codes, &names);
    props.insert("categories".into(), json!(mapped));
}

/// Splits partner fields off a property map and parses the rest as a site.
fn record_from_map(
    row: usize,
    mut props: Map<String, Value>,
    mapping: Option<&CategoryMapping>,
) -> Result<Record, Vec<FieldError>> {
    if let Some(m) = mapping {
        map_categories(&mut props, m);
    }
    let mut problems = Vec::new();
    let mut take = |key: &str| -> Option<String> {
        match props.remove(key) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Some(Value::Null) | None => None,
            Some(Value::String(_)) => None,
            Some(other) => {
                problems.push(FieldError::new(key, format!("must be text, not {other}")));
                None
            }
        }
    };
    let partner_id = take("partner_id");
    let mut partner = PartnerRef {
        id: None,
        source_id: take("partner_source_id"),
        name: take("partner_name"),
        website: take("partner_website"),
        email: take("partner_email"),
        description: take("partner_description"),
    };
    if let Some(raw) = partner_id {
        match Uuid::parse_str(&raw) {
            Ok(id) => partner.id = Some(id),
            Err(_) => problems.push(FieldError::new("partner_id", format!("'{raw}' is not a UUID"))),
        }
    }
    let de = Value::Object(props);
    let site: Result<SiteInput, _> = serde_path_to_error::deserialize(de);
    match site {
        Ok(site) if problems.is_empty() => Ok(Record { row, partner, site }),
        Ok(_) => Err(problems),
        Err(e) => {
            let msg = e.inner().to_string();
            problems.push(FieldError::new(e.path().to_string(), msg));
            Err(problems)
        }
    }
}

/// Parses a GeoJSON FeatureCollection of points.
pub fn parse_geojson(
    file: &str,
    bytes: &[u8],
    mapping: Option<&CategoryMapping>,
) -> Result<Rows, ImportError> {
    let doc: Value =
        serde_json::from_str(text(file, bytes)?).map_err(|e| file_err(file, format!("is not JSON: {e}")))?;
    if doc.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(file_err(file, "is not a GeoJSON FeatureCollection (\"type\": \"FeatureCollection\")"));
    }
    let features = doc
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| file_err(file, "has no \"features\" array"))?;
    let mut rows = Vec::with_capacity(features.len());
    for (i, f) in features.iter().enumerate() {
        let row = i + 1;
        let mut props = match f.get("properties") {
            Some(Value::Object(m)) => m.clone(),
            Some(Value::Null) | None => Map::new(),
            Some(_) => {
                rows.push((row, Err(vec![FieldError::new("properties", "must be an object")])));
                continue;
            }
        };
        if let Some(id) = f.get("id").filter(|_| !props.contains_key("id")) {
            if let Some(s) = id.as_str().filter(|s| Uuid::parse_str(s).is_ok()) {
                props.insert("id".into(), json!(s));
            }
        }
        match f.get("geometry") {
            Some(Value::Null) | None => {}
            Some(g) if g.get("type").and_then(Value::as_str) == Some("Point") => {
                match g
                    .get("coordinates")
                    .and_then(Value::as_array)
                    .map(|c| c.iter().map(Value::as_f64).collect::<Vec<_>>())
                {
                    Some(c) if c.len() >= 2 && c[0].is_some() && c[1].is_some() => {
                        props.insert("lon".into(), json!(c[0]));
                        props.insert("lat".into(), json!(c[1]));
                    }
                    _ => {
                        rows.push((
                            row,
                            Err(vec![FieldError::new("geometry.coordinates", "must be [lon, lat]")]),
                        ));
                        continue;
                    }
                }
            }
            Some(_) => {
                rows.push((
                    row,
                    Err(vec![FieldError::new("geometry", "must be a Point (or null for an unmapped site)")]),
                ));
                continue;
            }
        }
        rows.push((row, record_from_map(row, props, mapping)));
    }
    Ok(rows)
}

/// Columns of the project's CSV (besides `description_<lang>` translations).
pub const CSV_COLUMNS: &[&str] = &[
    "id",
    "source_id",
    "partner_id",
    "partner_source_id",
    "partner_name",
    "partner_website",
    "partner_email",
    "partner_description",
    "name",
    "description",
    "description_lang",
    "street",
    "city",
    "state",
    "postal_code",
    "lon",
    "lat",
    "categories",
    "languages",
    "phone",
    "phone_type",
    "phone_languages",
    "phone_2",
    "phone_2_type",
    "phone_2_languages",
    "phone_3",
    "phone_3_type",
    "phone_3_languages",
    "timezone",
    "hours_mon",
    "hours_tue",
    "hours_wed",
    "hours_thu",
    "hours_fri",
    "hours_sat",
    "hours_sun",
    "hours_notes",
    "services",
    "cost",
    "cost_note",
    "eligibility",
    "required_documents",
    "accessibility",
    "walk_in",
    "appointment_required",
    "no_id_required",
    "confidential",
    "last_verified_at",
];

fn split_list(v: &str) -> Vec<Value> {
    v.split(';').map(str::trim).filter(|s| !s.is_empty()).map(|s| json!(s)).collect()
}

fn csv_bool(field: &str, v: &str) -> Result<Value, FieldError> {
    match v.trim().to_ascii_lowercase().as_str() {
        "" => Ok(Value::Null),
        "true" | "yes" | "y" | "1" => Ok(json!(true)),
        "false" | "no" | "n" | "0" => Ok(json!(false)),
        _ => Err(FieldError::new(field, format!("'{v}' is not yes or no"))),
    }
}

/// Turns one CSV row into the JSON shape of a site.
fn csv_row_to_map(
    headers: &[String],
    rec: &csv::StringRecord,
) -> Result<Map<String, Value>, Vec<FieldError>> {
    let mut m = Map::new();
    let mut errs = Vec::new();
    let mut hours: Vec<Value> = Vec::new();
    let mut phones: Vec<(usize, Map<String, Value>)> = Vec::new();
    let mut translations = Map::new();
    let mut tz: Option<String> = None;
    let mut notes: Option<String> = None;
    for (h, v) in headers.iter().zip(rec.iter()) {
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        match h.as_str() {
            "lon" | "lat" => match v.parse::<f64>() {
                Ok(x) if x.is_finite() => {
                    m.insert(h.clone(), json!(x));
                }
                _ => errs.push(FieldError::new(h, format!("'{v}' is not a number"))),
            },
            "categories" | "languages" | "required_documents" => {
                m.insert(h.clone(), Value::Array(split_list(v)));
            }
            "services" => {
                let list: Vec<Value> = split_list(v).into_iter().map(|n| json!({"name": n})).collect();
                m.insert(h.clone(), Value::Array(list));
            }
            "walk_in" | "appointment_required" | "no_id_required" | "confidential" => match csv_bool(h, v) {
                Ok(b) => {
                    m.insert(h.clone(), b);
                }
                Err(e) => errs.push(e),
            },
            "last_verified_at" => {
                let t = DateTime::parse_from_rfc3339(v).map(|t| t.with_timezone(&Utc)).or_else(|_| {
                    NaiveDate::parse_from_str(v, "%Y-%m-%d")
                        .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
                });
                match t {
                    Ok(t) => {
                        m.insert(h.clone(), json!(t));
                    }
                    Err(_) => errs.push(FieldError::new(h, format!("'{v}' is not a date (YYYY-MM-DD)"))),
                }
            }
            "timezone" => tz = Some(v.to_owned()),
            "hours_notes" => notes = Some(v.to_owned()),
            day if day.starts_with("hours_") => {
                let d = &day[6..];
                for span in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    match span.split_once('-') {
                        Some((o, c)) => hours.push(json!({"day": d, "opens": o.trim(), "closes": c.trim()})),
                        None => errs
                            .push(FieldError::new(day, format!("'{span}' is not a span like 09:00-17:00"))),
                    }
                }
            }
            p if p.starts_with("phone") => {
                let rest = &p[5..];
                let (n, attr) = match rest {
                    "" => (1, "number"),
                    "_type" => (1, "type"),
                    "_languages" => (1, "languages"),
                    _ => {
                        let r = rest.trim_start_matches('_');
                        let (num, attr) = r.split_once('_').unwrap_or((r, "number"));
                        (num.parse().unwrap_or(1), attr)
                    }
                };
                let entry = match phones.iter_mut().find(|(k, _)| *k == n) {
                    Some((_, e)) => e,
                    None => {
                        phones.push((n, Map::new()));
                        &mut phones.last_mut().expect("just pushed").1
                    }
                };
                let value = if attr == "languages" { Value::Array(split_list(v)) } else { json!(v) };
                entry.insert(attr.to_owned(), value);
            }
            t if t.starts_with("description_") && t != "description_lang" => {
                translations
                    .insert(t["description_".len()..].to_owned(), json!({"text": v, "reviewed": false}));
            }
            _ => {
                m.insert(h.clone(), json!(v));
            }
        }
    }
    if !hours.is_empty() || tz.is_some() || notes.is_some() {
        m.insert(
            "hours".into(),
            json!({"timezone": tz.unwrap_or_else(|| "America/New_York".to_owned()), "weekly": hours, "notes": notes}),
        );
    }
    phones.sort_by_key(|(n, _)| *n);
    let phones: Vec<Value> = phones.into_iter().map(|(_, p)| Value::Object(p)).collect();
    if !phones.is_empty() {
        m.insert("phones".into(), Value::Array(phones));
    }
    if !translations.is_empty() {
        m.insert("description_translations".into(), Value::Object(translations));
    }
    if errs.is_empty() {
        Ok(m)
    } else {
        Err(errs)
    }
}

/// `description_es`, `description_ht`, ...: a human translation of the description.
fn is_translation_column(h: &str) -> bool {
    h.strip_prefix("description_").is_some_and(|l| crate::domain::LanguageCode::parse(l).is_ok())
}

/// Parses the project's CSV.
pub fn parse_csv(file: &str, bytes: &[u8], mapping: Option<&CategoryMapping>) -> Result<Rows, ImportError> {
    let text = text(file, bytes)?;
    let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| file_err(file, format!("header: {e}")))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let unknown: Vec<&String> =
        headers.iter().filter(|h| !CSV_COLUMNS.contains(&h.as_str()) && !is_translation_column(h)).collect();
    if !unknown.is_empty() {
        return Err(file_err(
            file,
            format!("unknown column(s) {unknown:?}; the columns are documented in the README (and `assetmap import --template`)"),
        ));
    }
    for required in ["name", "categories"] {
        if !headers.iter().any(|h| h == required) {
            return Err(file_err(file, format!("missing column '{required}'")));
        }
    }
    if headers.iter().any(|h| h == "lon") != headers.iter().any(|h| h == "lat") {
        return Err(file_err(file, "has one of lon/lat without the other"));
    }
    let mut rows = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let row = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                rows.push((row, Err(vec![FieldError::new("row", e.to_string())])));
                continue;
            }
        };
        rows.push((row, csv_row_to_map(&headers, &rec).and_then(|m| record_from_map(row, m, mapping))));
    }
    Ok(rows)
}

/// Whether JSON text is a GeoJSON FeatureCollection (rather than HSDS): looks at the start.
fn looks_like_geojson(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).replace(char::is_whitespace, "");
    head.contains("\"type\":\"FeatureCollection\"") || head.contains("\"features\":[")
}

/// Parses a file by its extension (`.csv`, `.geojson`; `.json`: GeoJSON or HSDS 3.0), or a
/// folder with a `datapackage.json` (an HSDS tabular data package).
pub fn parse_file(path: &Path, options: &Options) -> Result<Parsed, ImportError> {
    let mapping = options.mapping.as_ref();
    let name = path.display().to_string();
    if path.is_dir() {
        return datapackage::parse_dir(path, mapping);
    }
    let bytes = std::fs::read(path).map_err(|e| file_err(&name, format!("cannot be read: {e}")))?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let parsed = |rows, format| Parsed { rows, format, skipped: Vec::new() };
    match ext.as_str() {
        "csv" => Ok(parsed(parse_csv(&name, &bytes, mapping)?, "csv")),
        "geojson" => Ok(parsed(parse_geojson(&name, &bytes, mapping)?, "geojson")),
        "json" if looks_like_geojson(&bytes) => Ok(parsed(parse_geojson(&name, &bytes, mapping)?, "geojson")),
        "json" => hsds_json::parse(&name, &bytes, mapping),
        _ => Err(file_err(
            &name,
            "has an unknown extension (use .csv, .geojson, .json (HSDS 3.0) or a data package folder)",
        )),
    }
}

/// Whether two coordinates are the same point: the SQLite store reads a double back within a
/// unit in the last place of what was written (its `printf('%!.17g')`), so 1e-9° (0.1 mm) apart
/// is the same.
fn same_coordinate(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => (x - y).abs() < 1e-9,
        (x, y) => x == y,
    }
}

fn same_site(a: &Site, b: &Site) -> bool {
    if !same_coordinate(a.lon, b.lon) || !same_coordinate(a.lat, b.lat) {
        return false;
    }
    let mut b2 = b.clone();
    b2.lon = a.lon;
    b2.lat = a.lat;
    b2.created_at = a.created_at;
    b2.updated_at = a.updated_at;
    b2.version = a.version;
    *a == b2
}

/// Plans the batch for parsed rows against the current catalog.
pub fn plan(
    catalog: &Catalog,
    rows: Rows,
    file: &str,
    format: &'static str,
    now: DateTime<Utc>,
) -> (Batch, Report) {
    let mut report = Report { file: file.to_owned(), format, rows: rows.len(), ..Report::default() };
    let mut batch = Batch::new();
    // Partners created or updated by this file, by source id and by lower-cased name.
    let mut new_partners: HashMap<Uuid, Partner> = HashMap::new();
    let mut by_source: HashMap<String, Uuid> = HashMap::new();
    let mut by_name: HashMap<String, Uuid> = HashMap::new();
    let mut seen_sites: HashMap<String, usize> = HashMap::new();
    let mut site_changes: Vec<Change> = Vec::new();
    let mut partner_order: Vec<(Uuid, bool)> = Vec::new();
    for (row, parsed) in rows {
        let rec = match parsed {
            Ok(r) => r,
            Err(errs) => {
                report.errors.extend(errs.into_iter().map(|e| RowProblem {
                    row,
                    field: e.field,
                    message: e.message,
                }));
                continue;
            }
        };
        let fail =
            |field: &str, message: String| RowProblem { row: rec.row, field: field.to_owned(), message };
        // Resolve the partner.
        let p = &rec.partner;
        let existing: Option<Arc<Partner>> =
            p.id.and_then(|id| catalog.partner(id).cloned())
                .or_else(|| p.source_id.as_deref().and_then(|s| catalog.partner_by_source(s).cloned()))
                .or_else(|| {
                    if p.source_id.is_none() {
                        p.name.as_deref().and_then(|n| catalog.partner_by_name(n).cloned())
                    } else {
                        None
                    }
                });
        let pending = p
            .source_id
            .as_ref()
            .and_then(|s| by_source.get(s))
            // by name only when the row has no source id (as for partners already stored):
            // two organisations of one name in a source stay two
            .or_else(|| {
                p.name.as_ref().filter(|_| p.source_id.is_none()).and_then(|n| by_name.get(&n.to_lowercase()))
            })
            .copied();
        let partner_id = if let Some(id) = pending {
            id
        } else {
            let previous = existing.as_deref();
            let input = PartnerInput {
                source_id: p.source_id.clone().or_else(|| previous.and_then(|x| x.source_id.clone())),
                name: p.name.clone().or_else(|| previous.map(|x| x.name.clone())),
                description: p.description.clone().or_else(|| previous.and_then(|x| x.description.clone())),
                website: p.website.clone().or_else(|| previous.and_then(|x| x.website.clone())),
                email: p.email.clone().or_else(|| previous.and_then(|x| x.email.clone())),
                status: previous.map(|x| x.status),
                description_lang: previous.and_then(|x| x.description_lang),
                description_translations: previous
                    .map(|x| x.description_translations.clone())
                    .unwrap_or_default(),
                ..PartnerInput::default()
            };
            if input.name.is_none() {
                report.errors.push(fail(
                    "partner_name",
                    "is required (or give partner_id / partner_source_id of a known partner)".to_owned(),
                ));
                continue;
            }
            let id = previous.map_or_else(|| p.id.unwrap_or_else(Uuid::new_v4), |x| x.id);
            match input.validate(id, now, previous) {
                Ok(new) => {
                    let changed = previous.is_none_or(|old| {
                        old.name != new.name
                            || old.website != new.website
                            || old.email != new.email
                            || old.description != new.description
                            || old.source_id != new.source_id
                    });
                    if changed {
                        partner_order.push((id, previous.is_some()));
                        new_partners.insert(id, new.clone());
                    }
                    if let Some(s) = &new.source_id {
                        by_source.insert(s.clone(), id);
                    }
                    by_name.insert(new.name.to_lowercase(), id);
                    id
                }
                Err(errs) => {
                    for e in errs {
                        report.errors.push(fail(&format!("partner_{}", e.field), e.message));
                    }
                    continue;
                }
            }
        };
        // Resolve the site.
        if let Some(src) = &rec.site.source_id {
            if let Some(first) = seen_sites.insert(src.clone(), rec.row) {
                report.errors.push(fail("source_id", format!("'{src}' appears twice (also row {first})")));
                continue;
            }
        }
        let previous: Option<Arc<Site>> = rec
            .site
            .id
            .and_then(|id| catalog.site(id).cloned())
            .or_else(|| rec.site.source_id.as_deref().and_then(|s| catalog.site_by_source(s).cloned()));
        let id = previous.as_ref().map_or_else(|| rec.site.id.unwrap_or_else(Uuid::new_v4), |s| s.id);
        let name = rec.site.name.clone().unwrap_or_default();
        let mapped = rec.site.lon.is_some() && rec.site.lat.is_some();
        let known = |c: &crate::domain::Category| catalog.is_category(c);
        match rec.site.validate(id, partner_id, now, previous.as_deref(), &known) {
            Ok(site) => {
                if !mapped {
                    report.without_coordinates.push(Unmapped { row: rec.row, name });
                }
                match &previous {
                    Some(old) if same_site(old, &site) => report.sites_unchanged += 1,
                    Some(_) => {
                        report.sites_updated += 1;
                        site_changes.push(Change::UpdateSite(site));
                    }
                    None => {
                        report.sites_created += 1;
                        site_changes.push(Change::CreateSite(site));
                    }
                }
            }
            Err(errs) => {
                for e in errs {
                    report.errors.push(fail(&e.field, e.message));
                }
            }
        }
    }
    for (id, update) in partner_order {
        if let Some(p) = new_partners.remove(&id) {
            if update {
                report.partners_updated += 1;
                batch.push(Change::UpdatePartner(p));
            } else {
                report.partners_created += 1;
                batch.push(Change::CreatePartner(p));
            }
        }
    }
    batch.extend(site_changes);
    report.errors.sort_by_key(|e| e.row);
    (batch, report)
}

/// Imports a file into a store (the CLI and `serve --demo`): loads the current directory to
/// match against, plans, and in commit mode writes the batch in one transaction.
pub async fn import_path(store: &Arc<dyn Store>, path: &Path, mode: Mode) -> Result<Report, ImportError> {
    import_path_with(store, path, mode, &Options::default()).await
}

/// [`import_path`] with [`Options`] (a category mapping).
pub async fn import_path_with(
    store: &Arc<dyn Store>,
    path: &Path,
    mode: Mode,
    options: &Options,
) -> Result<Report, ImportError> {
    let parsed = parse_file(path, options)?;
    let catalog = Catalog::from_snapshot(store.load().await?);
    let (batch, mut report) =
        plan(&catalog, parsed.rows, &path.display().to_string(), parsed.format, Utc::now());
    report.rows += parsed.skipped.len();
    report.skipped = parsed.skipped;
    if mode == Mode::Commit {
        if !report.errors.is_empty() {
            return Err(ImportError::Invalid(Box::new(report)));
        }
        store.apply(&batch).await?;
        report.committed = true;
    }
    Ok(report)
}
