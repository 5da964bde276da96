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
use crate::domain::account::Record as StoreRecord;
use crate::domain::{FieldError, HeldChange, Partner, PartnerInput, Site, SiteInput, Term};
use crate::store::{Batch, Change, Store, StoreError};
use mapping::{CategoryMapping, Names};

pub mod archive;
pub mod area;
pub mod geojson_map;
pub mod held;
pub mod http;
pub mod ohana;
pub mod template;
pub mod text;

pub use text::Encoding;

/// Dry run or commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Report only.
    DryRun,
    /// Write, if no row is bad.
    Commit,
}

/// One bad row (or, among `warnings`, one row to look at).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RowProblem {
    /// The file the row is in (a source of several files names each).
    pub file: String,
    /// Row number: for CSV the line (header = 1); for GeoJSON the feature's position (1-based).
    pub row: usize,
    /// Field name.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl RowProblem {
    /// A problem with `field` of row `row` of `file`.
    pub fn new(file: &str, row: usize, e: FieldError) -> Self {
        Self { file: file.to_owned(), row, field: e.field, message: e.message }
    }
}

/// A site listed but not mapped.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Unmapped {
    /// Row number.
    pub row: usize,
    /// Site name.
    pub name: String,
}

/// A record put on the "needs a category" list.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct NeedsCategory {
    /// Row number (as in [`RowProblem::row`]).
    pub row: usize,
    /// Its name.
    pub name: String,
    /// Its terms, none of which maps yet.
    pub terms: Vec<Term>,
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
    /// Records whose taxonomy terms map to none of our categories: kept on the "needs a
    /// category" list (not public) until an admin categorises their terms.
    pub needs_category: Vec<NeedsCategory>,
    /// Every bad row: any one of them stops `--commit`.
    pub errors: Vec<RowProblem>,
    /// Rows imported as they are but worth a look (a site outside the service area, a language
    /// name not recognised); they do not stop `--commit`.
    pub warnings: Vec<RowProblem>,
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
#[derive(Clone, Debug, Default, Serialize, serde::Deserialize)]
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
    /// The source's taxonomy terms, for a source that has them (HSDS): a record of such a
    /// source whose terms map to none of our categories is held (see [`held`]) rather than
    /// refused.
    terms: Option<Vec<Term>>,
}

/// Parsed rows: each a record or its problems.
pub type Rows = Vec<(usize, Result<Record, Vec<FieldError>>)>;

fn file_err(file: &str, message: impl Into<String>) -> ImportError {
    ImportError::File { file: file.to_owned(), message: message.into() }
}

/// Decodes a file's bytes by the rule in [`text`], naming the file in the error.
fn text<'a>(
    file: &str,
    bytes: &'a [u8],
    encoding: Encoding,
) -> Result<std::borrow::Cow<'a, str>, ImportError> {
    text::decode(bytes, encoding).map_err(|m| file_err(file, m))
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
        Ok(site) if problems.is_empty() => Ok(Record { row, partner, site, terms: None }),
        Ok(_) => Err(problems),
        Err(e) => {
            let msg = e.inner().to_string();
            problems.push(FieldError::new(e.path().to_string(), msg));
            Err(problems)
        }
    }
}

/// One feature of a FeatureCollection: its position in the file (1-based), `id`, properties
/// and point (`None`: a null geometry, a site listed but not mapped).
#[derive(Clone, Debug)]
pub struct FeatureIn {
    /// Position in the file, 1-based.
    pub row: usize,
    /// The feature's `id`, if any.
    pub id: Option<Value>,
    /// Its properties.
    pub props: Map<String, Value>,
    /// `[lon, lat]` of a Point geometry.
    pub point: Option<(f64, f64)>,
}

/// The features of a collection by position: each read, or its problems.
pub type Features = Vec<(usize, Result<FeatureIn, Vec<FieldError>>)>;

/// Whether a GeoJSON `crs` member (from the 2008 GeoJSON spec; RFC 7946 dropped it) names
/// WGS84 longitude/latitude: `OGC:CRS84` or `EPSG:4326` (which GeoJSON writers emit in
/// longitude/latitude order).
fn is_wgs84_crs(crs: &Value) -> Result<(), String> {
    let name = crs.pointer("/properties/name").and_then(Value::as_str).unwrap_or("");
    let upper = name.to_ascii_uppercase();
    let ok = crs.get("type").and_then(Value::as_str) == Some("name")
        && (upper.ends_with("CRS84") || upper.ends_with("EPSG::4326") || upper.ends_with("EPSG:4326"));
    if ok {
        Ok(())
    } else {
        let shown = if name.is_empty() { crs.to_string() } else { name.to_owned() };
        Err(format!(
            "declares the coordinate system {shown}; assetmap reads GeoJSON as RFC 7946 says, in WGS84 \
             longitude/latitude degrees. Re-project it first, e.g. `ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson`"
        ))
    }
}

/// Reads a GeoJSON FeatureCollection of points: file-level problems (not JSON, not a
/// FeatureCollection, a coordinate system other than WGS84, projected coordinates) are an
/// error for the whole file; a bad feature is a problem of its row.
pub fn features(file: &str, text: &str) -> Result<Features, ImportError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| file_err(file, format!("is not JSON: {e}")))?;
    if doc.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(file_err(file, "is not a GeoJSON FeatureCollection (\"type\": \"FeatureCollection\")"));
    }
    if let Some(crs) = doc.get("crs").filter(|c| !c.is_null()) {
        is_wgs84_crs(crs).map_err(|m| file_err(file, m))?;
    }
    let list = doc
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| file_err(file, "has no \"features\" array"))?;
    let mut out = Vec::with_capacity(list.len());
    let (mut points, mut projected) = (0usize, None);
    for (i, f) in list.iter().enumerate() {
        let row = i + 1;
        let props = match f.get("properties") {
            Some(Value::Object(m)) => m.clone(),
            Some(Value::Null) | None => Map::new(),
            Some(_) => {
                out.push((row, Err(vec![FieldError::new("properties", "must be an object")])));
                continue;
            }
        };
        let point = match f.get("geometry") {
            Some(Value::Null) | None => None,
            Some(g) if g.get("type").and_then(Value::as_str) == Some("Point") => {
                match g
                    .get("coordinates")
                    .and_then(Value::as_array)
                    .map(|c| c.iter().map(Value::as_f64).collect::<Vec<_>>())
                {
                    Some(c) if c.len() >= 2 && c[0].is_some() && c[1].is_some() => {
                        let (x, y) = (c[0].unwrap_or_default(), c[1].unwrap_or_default());
                        points += 1;
                        if (x.abs() > 360.0 || y.abs() > 360.0) && projected.is_none() {
                            projected = Some((row, x, y));
                        }
                        Some((x, y))
                    }
                    _ => {
                        out.push((
                            row,
                            Err(vec![FieldError::new("geometry.coordinates", "must be [lon, lat]")]),
                        ));
                        continue;
                    }
                }
            }
            Some(_) => {
                out.push((
                    row,
                    Err(vec![FieldError::new("geometry", "must be a Point (or null for an unmapped site)")]),
                ));
                continue;
            }
        };
        out.push((row, Ok(FeatureIn { row, id: f.get("id").cloned(), props, point })));
    }
    if let Some((row, x, y)) = projected {
        return Err(file_err(
            file,
            format!(
                "has coordinates that are not longitude/latitude degrees (feature {row}: [{x}, {y}]; {points} point(s) in all): \
                 it is in a projected coordinate system. RFC 7946 GeoJSON is WGS84 degrees; re-project it first, \
                 e.g. `ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson`"
            ),
        ));
    }
    Ok(out)
}

/// Parses a GeoJSON FeatureCollection of points whose properties use the API's field names.
pub fn parse_geojson(
    file: &str,
    bytes: &[u8],
    mapping: Option<&CategoryMapping>,
) -> Result<Rows, ImportError> {
    parse_geojson_text(file, &text(file, bytes, Encoding::Utf8)?, mapping)
}

/// [`parse_geojson`] over decoded text.
pub fn parse_geojson_text(
    file: &str,
    text: &str,
    mapping: Option<&CategoryMapping>,
) -> Result<Rows, ImportError> {
    let rows = features(file, text)?
        .into_iter()
        .map(|(row, f)| {
            let f = match f {
                Ok(f) => f,
                Err(e) => return (row, Err(e)),
            };
            let mut props = f.props;
            if let Some(id) = f.id.filter(|_| !props.contains_key("id")) {
                if let Some(s) = id.as_str().filter(|s| Uuid::parse_str(s).is_ok()) {
                    props.insert("id".into(), json!(s));
                }
            }
            if let Some((lon, lat)) = f.point {
                props.insert("lon".into(), json!(lon));
                props.insert("lat".into(), json!(lat));
            }
            (row, record_from_map(row, props, mapping))
        })
        .collect();
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
    "withhold_zip",
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

/// Turns one row of the project's CSV columns (`(column, value)` pairs) into the JSON shape of
/// a site. Other sources (a GeoJSON mapping, Ohana) produce the same columns and come here too.
pub(crate) fn columns_to_map<'a>(
    cols: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Map<String, Value>, Vec<FieldError>> {
    let mut m = Map::new();
    let mut errs = Vec::new();
    let mut hours: Vec<Value> = Vec::new();
    let mut phones: Vec<(usize, Map<String, Value>)> = Vec::new();
    let mut translations = Map::new();
    let mut tz: Option<String> = None;
    let mut notes: Option<String> = None;
    for (h, v) in cols {
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        match h {
            "lon" | "lat" => match v.parse::<f64>() {
                Ok(x) if x.is_finite() => {
                    m.insert(h.to_owned(), json!(x));
                }
                _ => errs.push(FieldError::new(h, format!("'{v}' is not a number"))),
            },
            "categories" | "languages" | "required_documents" => {
                m.insert(h.to_owned(), Value::Array(split_list(v)));
            }
            "services" => {
                let list: Vec<Value> = split_list(v).into_iter().map(|n| json!({"name": n})).collect();
                m.insert(h.to_owned(), Value::Array(list));
            }
            "walk_in" | "appointment_required" | "no_id_required" | "confidential" | "withhold_zip" => {
                match csv_bool(h, v) {
                    Ok(b) => {
                        m.insert(h.to_owned(), b);
                    }
                    Err(e) => errs.push(e),
                }
            }
            "last_verified_at" => {
                let t = DateTime::parse_from_rfc3339(v).map(|t| t.with_timezone(&Utc)).or_else(|_| {
                    NaiveDate::parse_from_str(v, "%Y-%m-%d")
                        .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
                });
                match t {
                    Ok(t) => {
                        m.insert(h.to_owned(), json!(t));
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
                m.insert(h.to_owned(), json!(v));
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
    parse_csv_text(file, &text(file, bytes, Encoding::Utf8)?, mapping)
}

/// [`parse_csv`] over decoded text.
pub fn parse_csv_text(
    file: &str,
    text: &str,
    mapping: Option<&CategoryMapping>,
) -> Result<Rows, ImportError> {
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
        rows.push((
            row,
            columns_to_map(headers.iter().map(String::as_str).zip(rec.iter()))
                .and_then(|m| record_from_map(row, m, mapping)),
        ));
    }
    Ok(rows)
}

/// How to read a source.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The files' encoding (see [`text`]).
    pub encoding: Encoding,
    /// Where the deployment's sites should be: coordinates elsewhere are reported, and
    /// swapped ones refused (see [`area`]). `None` checks only the ranges.
    pub area: Option<Arc<area::AreaCheck>>,
    /// For a GeoJSON file with its own property names: which property is what.
    pub properties: Option<Arc<geojson_map::PropertyMap>>,
    /// Maps the source's categories (taxonomy codes, labels) to ours.
    pub mapping: Option<CategoryMapping>,
    /// The admins' term mappings and the keys of the records held now (see [`held`]); empty
    /// unless loaded from the store ([`held::TermBook::load`]).
    pub terms: Arc<held::TermBook>,
}

/// A source read and parsed, before it is planned against the directory.
#[derive(Debug, Default)]
pub struct Parsed {
    /// The file whose rows are the sites (for an Ohana folder, its `locations.csv`; for a data
    /// package, the folder).
    pub file: String,
    /// `csv`, `geojson`, `ohana`, `hsds-json`, `hsds-datapackage`.
    pub format: &'static str,
    /// One entry per site row.
    pub rows: Rows,
    /// Records left out on purpose (counted in [`Report::rows`]).
    pub skipped: Vec<Skipped>,
    /// Problems found in other files of the source (Ohana's phones.csv, ...).
    pub errors: Vec<RowProblem>,
    /// Warnings found while reading.
    pub warnings: Vec<RowProblem>,
}

impl Parsed {
    fn simple(file: &str, format: &'static str, rows: Rows) -> Self {
        Self { file: file.to_owned(), format, rows, ..Self::default() }
    }
}

/// Whether JSON text is the HSDS tabular package as one object (`{"organizations.csv": [...], ...}`).
fn looks_like_tabular(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).replace(char::is_whitespace, "");
    head.starts_with('{') && head.contains(".csv\":[")
}

/// Whether JSON text is a GeoJSON FeatureCollection (rather than HSDS): looks at the start.
fn looks_like_geojson(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).replace(char::is_whitespace, "");
    head.contains("\"type\":\"FeatureCollection\"") || head.contains("\"features\":[")
}

/// Parses one file's bytes: `.csv` (the project's CSV), `.geojson` (API field names, or the
/// properties `opts.properties` names), `.json` (GeoJSON, or HSDS 3.0 JSON).
pub fn parse_bytes(name: &str, bytes: &[u8], opts: &Options) -> Result<Parsed, ImportError> {
    let ext = Path::new(name).extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "csv" => Ok(Parsed::simple(
            name,
            "csv",
            parse_csv_text(name, &text(name, bytes, opts.encoding)?, opts.mapping.as_ref())?,
        )),
        "json" if looks_like_tabular(bytes) => {
            let mut parsed = datapackage::parse_json(name, bytes, opts)?;
            parsed.file = name.to_owned();
            Ok(parsed)
        }
        "json" if !looks_like_geojson(bytes) => {
            let mut parsed = hsds_json::parse(name, bytes, opts)?;
            parsed.file = name.to_owned();
            Ok(parsed)
        }
        "geojson" | "json" => {
            let text = text(name, bytes, opts.encoding)?;
            match &opts.properties {
                Some(m) => m.parse(name, &text, opts.mapping.as_ref()),
                None => Ok(Parsed::simple(
                    name,
                    "geojson",
                    parse_geojson_text(name, &text, opts.mapping.as_ref())?,
                )),
            }
        }
        _ => {
            Err(file_err(
                name,
                "has an unknown extension (use .csv, .geojson, .json (HSDS 3.0), a data package folder or a folder of Ohana CSVs, or either folder zipped)",
            ))
        }
    }
}

/// Reads a file, or a folder: an HSDS data package (with `datapackage.json`) or Ohana API CSVs
/// (with `organizations.csv` and `locations.csv`).
pub fn parse_path(path: &Path, opts: &Options) -> Result<Parsed, ImportError> {
    let name = path.display().to_string();
    if path.is_dir() {
        if path.join("datapackage.json").is_file() || path.join("service_at_location.csv").is_file() {
            let mut parsed = datapackage::parse_dir(path, opts)?;
            parsed.file = name;
            return Ok(parsed);
        }
        if path.join("locations.csv").is_file() || path.join("organizations.csv").is_file() {
            return ohana::parse_dir(path, opts);
        }
        return Err(file_err(
            &name,
            "is a folder with neither a datapackage.json (an HSDS data package) nor organizations.csv and \
             locations.csv (the Ohana API layout)",
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| file_err(&name, format!("cannot be read: {e}")))?;
    // A zipped data package or Ohana folder, as `POST /api/v1/import` takes them.
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip")) {
        return archive::parse_zip(&name, &bytes, opts, None);
    }
    parse_bytes(&name, &bytes, opts)
}

/// Parses a file by its extension (`.csv`, `.geojson`; `.json`: GeoJSON or HSDS 3.0), or a
/// folder (an HSDS data package, or Ohana CSVs).
pub fn parse_file(path: &Path, options: &Options) -> Result<Parsed, ImportError> {
    parse_path(path, options)
}

/// Checks coordinates against the service area, plans the rows against the catalog, and
/// gathers every problem and warning into the report.
pub fn prepare(catalog: &Catalog, mut parsed: Parsed, opts: &Options, now: DateTime<Utc>) -> (Batch, Report) {
    area::check_rows(&mut parsed, opts.area.as_deref());
    let (batch, mut report) = plan_with(catalog, parsed.rows, &parsed.file, parsed.format, now, &opts.terms);
    report.rows += parsed.skipped.len();
    report.skipped = parsed.skipped;
    report.errors.extend(parsed.errors);
    report.warnings.extend(parsed.warnings);
    report.errors.sort_by(|a, b| (&a.file, a.row).cmp(&(&b.file, b.row)));
    report.warnings.sort_by(|a, b| (&a.file, a.row).cmp(&(&b.file, b.row)));
    (batch, report)
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
    plan_with(catalog, rows, file, format, now, &held::TermBook::default())
}

/// [`plan`], holding the records of a source with taxonomy terms that map to none of our
/// categories, and releasing from the held list the records that now import.
pub fn plan_with(
    catalog: &Catalog,
    rows: Rows,
    file: &str,
    format: &'static str,
    now: DateTime<Utc>,
    book: &held::TermBook,
) -> (Batch, Report) {
    let mut held_changes: Vec<HeldChange> = Vec::new();
    let mut released: Vec<String> = Vec::new();
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
                report.errors.extend(errs.into_iter().map(|e| RowProblem::new(file, row, e)));
                continue;
            }
        };
        let fail =
            |field: &str, message: String| RowProblem::new(file, rec.row, FieldError::new(field, message));
        if rec.site.categories.is_empty() {
            if let Some(terms) = &rec.terms {
                match held::hold(&rec, terms, file, now, catalog) {
                    Ok(h) => {
                        if let Some(first) = seen_sites.insert(h.key.clone(), rec.row) {
                            report.errors.push(fail(
                                "source_id",
                                format!("'{}' appears twice (also row {first})", h.key),
                            ));
                            continue;
                        }
                        report.needs_category.push(NeedsCategory {
                            row: rec.row,
                            name: h.name.clone(),
                            terms: h.terms.clone(),
                        });
                        held_changes.push(HeldChange::Hold(h));
                    }
                    Err(errs) => {
                        report.errors.extend(errs.into_iter().map(|e| RowProblem::new(file, rec.row, e)))
                    }
                }
                continue;
            }
        }
        if let Some(src) = rec.site.source_id.as_ref().filter(|s| book.is_held(s)) {
            released.push(src.clone());
        }
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
    if !released.is_empty() {
        held_changes.push(HeldChange::Release(released));
    }
    batch.extend(held_changes.into_iter().map(|c| Change::Record(StoreRecord::Held(c))));
    report.errors.sort_by_key(|e| e.row);
    (batch, report)
}

/// Imports a file into a store (the CLI and `serve --demo`): loads the current directory to
/// match against, plans, and in commit mode writes the batch in one transaction.
pub async fn import_path(store: &Arc<dyn Store>, path: &Path, mode: Mode) -> Result<Report, ImportError> {
    import_path_with(store, path, mode, &Options::default()).await
}

/// [`import_path`] with [`Options`]: encoding, service area, GeoJSON property map, category mapping.
pub async fn import_path_with(
    store: &Arc<dyn Store>,
    path: &Path,
    mode: Mode,
    opts: &Options,
) -> Result<Report, ImportError> {
    let mut opts = opts.clone();
    opts.terms = Arc::new(held::TermBook::load(store.as_ref()).await?);
    let opts = &opts;
    let parsed = parse_path(path, opts)?;
    // Planning an import matches records, it measures no distance: no stand-ins are needed.
    let catalog = Catalog::from_snapshot(store.load().await?, Arc::default());
    let (batch, mut report) = prepare(&catalog, parsed, opts, Utc::now());
    if mode == Mode::Commit {
        if !report.errors.is_empty() {
            return Err(ImportError::Invalid(Box::new(report)));
        }
        store.apply(&batch).await?;
        report.committed = true;
    }
    Ok(report)
}

#[cfg(test)]
mod fuzz {
    //! Random and truncated bytes into every parser: an error or rows, never a panic.

    use std::collections::BTreeMap;

    use rand::{Rng, SeedableRng};

    use super::*;

    /// Real inputs of each format, to cut short and to corrupt byte by byte.
    fn seeds() -> Vec<(&'static str, Vec<u8>)> {
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
        let read = |p: &str| std::fs::read(fixtures.join(p)).expect("fixture");
        vec![
            ("a.csv", template::template_csv().into_bytes()),
            ("a.csv", b"\xFF\xFEn\0a\0m\0e\0".to_vec()),
            ("a.geojson", read("cambridge_ma/HEALTH_HealthClinics.geojson")),
            ("locations.csv", read("ohana_san_mateo/locations.csv")),
            ("services.csv", read("ohana_san_mateo/services.csv")),
            ("regular_schedules.csv", read("ohana_san_mateo/regular_schedules.csv")),
            ("phones.csv", read("ohana_san_mateo/phones.csv")),
            ("a.zip", archive::tests::SAMPLE.to_vec()),
        ]
    }

    fn mangle(rng: &mut rand::rngs::StdRng, seed: &[u8]) -> Vec<u8> {
        let mut b = seed.to_vec();
        match rng.gen_range(0..4) {
            0 => b.truncate(rng.gen_range(0..=b.len())),
            1 => {
                for _ in 0..rng.gen_range(1..20) {
                    if !b.is_empty() {
                        let i = rng.gen_range(0..b.len());
                        b[i] = rng.gen();
                    }
                }
            }
            2 => {
                let n = rng.gen_range(0..512);
                b = (0..n).map(|_| rng.gen()).collect();
            }
            _ => {
                let i = rng.gen_range(0..=b.len());
                let junk: Vec<u8> = (0..rng.gen_range(1..8))
                    .map(|_| *b",\"\n\r\0{}[]:;-".get(rng.gen_range(0..16)).unwrap_or(&b'x'))
                    .collect();
                b.splice(i..i, junk);
            }
        }
        b
    }

    #[test]
    fn no_parser_panics_on_random_or_truncated_bytes() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x1a55e7);
        let mapping = mapping::CategoryMapping::load(
            &crate::config::default_dir("data").join("mappings").join(ohana::DEFAULT_MAPPING),
        )
        .ok();
        let properties = geojson_map::PropertyMap::load(
            &crate::config::default_dir("data").join("mappings/geojson/cambridge-health-clinics.json"),
        )
        .expect("shipped map");
        let plain = Options::default();
        let mapped = Options { properties: Some(Arc::new(properties)), mapping, ..Options::default() };
        let catalog = Catalog::default();
        let ohana_files: BTreeMap<String, Vec<u8>> = std::fs::read_dir(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/ohana_san_mateo"),
        )
        .expect("fixture folder")
        .map(|e| {
            let e = e.expect("entry");
            (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).expect("file"))
        })
        .collect();
        let seeds = seeds();
        for round in 0..500 {
            let (name, seed) = &seeds[round % seeds.len()];
            let bytes = mangle(&mut rng, seed);
            for opts in [&plain, &mapped] {
                for enc in [Encoding::Utf8, Encoding::Windows1252] {
                    let opts = Options { encoding: enc, ..opts.clone() };
                    if name.ends_with(".zip") {
                        if let Ok(parsed) = archive::parse_zip(name, &bytes, &opts, None) {
                            let _ = prepare(&catalog, parsed, &opts, Utc::now());
                        }
                    } else if name.ends_with(".geojson") || *name == "a.csv" {
                        if let Ok(parsed) = parse_bytes(name, &bytes, &opts) {
                            let _ = prepare(&catalog, parsed, &opts, Utc::now());
                        }
                    } else {
                        let mut files = ohana_files.clone();
                        files.insert((*name).to_owned(), bytes.clone());
                        if let Ok(parsed) = ohana::parse_files("fuzz", &files, &opts) {
                            let _ = prepare(&catalog, parsed, &opts, Utc::now());
                        }
                    }
                }
            }
            let _ = geojson_map::PropertyMap::parse_map("m.json", &bytes);
        }
    }
}
