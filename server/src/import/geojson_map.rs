//! GeoJSON with its own property names (a city's GIS layer): a small JSON *property map* says
//! which property is which of our columns, which values every feature gets, and which category
//! a feature gets from one of its properties.
//!
//! ```json
//! {
//!   "description": "City of Cambridge GIS: community assets (CDD_CommunityAssets.geojson)",
//!   "source_id_prefix": "cambridge-cdd-assets:",
//!   "columns": {"source_id": "GlobalID", "name": "Organization", "partner_name": "Organization",
//!               "street": "Address"},
//!   "values": {"city": "Cambridge", "state": "MA", "timezone": "America/New_York"},
//!   "categories_from": {"property": "AssetType",
//!                       "values": {"Health Care": "health", "Employment Program": "employment",
//!                                  "Arts & Culture": null}}
//! }
//! ```
//!
//! - `columns`: our CSV column (README "Import") → the feature property holding it. A feature's
//!   own `id` can be named as `"$id"`.
//! - `values`: our CSV column → the same text for every feature (`"categories": "health"`).
//! - `categories_from`: the property whose value picks the categories (`;`-separated slugs); a
//!   value mapped to `null` means "not a partner site": such features are left out and listed
//!   (`skipped`, with the reason). A value the map does not list is an error of its row, so nothing
//!   unmapped slips in silently.
//! - `source_id` is required (from `columns`), so re-importing updates instead of duplicating;
//!   `source_id_prefix` keeps the ids of different layers apart (feature ids restart at 1 in
//!   every layer).
//!
//! The geometry must be a Point in WGS84 (see [`super::features`]); the values are read as
//! our CSV reads them (`hours_mon`, `phone_languages`, yes/no fields, ...).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::mapping::CategoryMapping;
use super::{columns_to_map, features, file_err, record_from_map, ImportError, Parsed, Skipped, CSV_COLUMNS};
use crate::domain::FieldError;

/// Where a column's value comes from.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoriesFrom {
    /// The property holding the source's own kind of place.
    pub property: String,
    /// Its values → our categories (`;`-separated), or `null` to skip such features.
    pub values: BTreeMap<String, Option<String>>,
}

/// A property map (see the module docs).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PropertyMap {
    /// For people: what the map is for.
    #[serde(default)]
    pub description: Option<String>,
    /// Put before every source id.
    #[serde(default)]
    pub source_id_prefix: String,
    /// Our column → property name.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// Our column → a value for every feature.
    #[serde(default)]
    pub values: BTreeMap<String, String>,
    /// Categories by a property's value.
    #[serde(default)]
    pub categories_from: Option<CategoriesFrom>,
}

fn is_column(c: &str) -> bool {
    CSV_COLUMNS.contains(&c) || super::is_translation_column(c)
}

/// A property's value as text (numbers as written, `null` as empty).
fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Number(n) => {
            // 4618.0 → 4618: integral numbers read as integers.
            match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
                _ => n.to_string(),
            }
        }
        other => other.to_string(),
    }
}

impl PropertyMap {
    /// Reads and checks a property map file.
    pub fn load(path: &Path) -> Result<Self, ImportError> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| file_err(&name, format!("cannot be read: {e}")))?;
        Self::parse_map(&name, &bytes)
    }

    /// Parses and checks a property map's bytes.
    pub fn parse_map(name: &str, bytes: &[u8]) -> Result<Self, ImportError> {
        let text = super::text(name, bytes, super::Encoding::Utf8)?;
        let map: Self = serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(&text))
            .map_err(|e| file_err(name, format!("is not a property map: {}: {}", e.path(), e.inner())))?;
        for c in map.columns.keys().chain(map.values.keys()) {
            if !is_column(c) || c == "lon" || c == "lat" {
                return Err(file_err(
                    name,
                    format!("names '{c}', which is not one of our CSV columns (README \"Import\"; lon/lat come from the geometry)"),
                ));
            }
        }
        if let Some(c) = map.columns.keys().find(|c| map.values.contains_key(*c)) {
            return Err(file_err(name, format!("gives '{c}' both in columns and in values")));
        }
        if !map.columns.contains_key("source_id") {
            return Err(file_err(
                name,
                "has no columns.source_id: name the property with a stable id (e.g. \"GlobalID\"), \
                 so a re-import updates the sites instead of adding them again",
            ));
        }
        if !map.columns.contains_key("name") && !map.values.contains_key("name") {
            return Err(file_err(name, "has no columns.name: name the property with the site's name"));
        }
        let has_categories = map.values.contains_key("categories") || map.columns.contains_key("categories");
        if has_categories == map.categories_from.is_some() {
            return Err(file_err(
                name,
                "needs exactly one of values.categories, columns.categories or categories_from",
            ));
        }
        Ok(map)
    }

    /// Parses a FeatureCollection with this map.
    pub fn parse(
        &self,
        file: &str,
        text: &str,
        mapping: Option<&CategoryMapping>,
    ) -> Result<Parsed, ImportError> {
        let mut parsed = Parsed::simple(file, "geojson", Vec::new());
        for (row, f) in features(file, text)? {
            let f = match f {
                Ok(f) => f,
                Err(e) => {
                    parsed.rows.push((row, Err(e)));
                    continue;
                }
            };
            let get = |prop: &str| -> String {
                if prop == "$id" {
                    f.id.as_ref().map(as_text).unwrap_or_default()
                } else {
                    f.props.get(prop).map(as_text).unwrap_or_default()
                }
            };
            let mut cols: Vec<(String, String)> = Vec::new();
            for (col, prop) in &self.columns {
                let mut v = get(prop);
                if col == "source_id" {
                    if v.trim().is_empty() {
                        parsed.rows.push((
                            row,
                            Err(vec![FieldError::new(
                                prop.as_str(),
                                "is empty, and it is this layer's source_id",
                            )]),
                        ));
                        cols.clear();
                        break;
                    }
                    v = format!("{}{}", self.source_id_prefix, v.trim());
                }
                cols.push((col.clone(), v));
            }
            if cols.is_empty() {
                continue;
            }
            cols.extend(self.values.iter().map(|(c, v)| (c.clone(), v.clone())));
            if let Some(from) = &self.categories_from {
                let kind = get(&from.property);
                match from.values.get(kind.trim()) {
                    Some(Some(cats)) => cols.push(("categories".to_owned(), cats.clone())),
                    Some(None) => {
                        parsed.skipped.push(Skipped {
                            row,
                            name: get(self.columns.get("name").map_or("", String::as_str)),
                            reason: format!("{} '{kind}' is mapped to no category", from.property),
                        });
                        continue;
                    }
                    None => {
                        parsed.rows.push((
                            row,
                            Err(vec![FieldError::new(
                                from.property.as_str(),
                                format!(
                                    "'{kind}' is not in the property map's categories_from.values; add it \
                                     (categories, or null to skip such features)"
                                ),
                            )]),
                        ));
                        continue;
                    }
                }
            }
            if let Some((lon, lat)) = f.point {
                cols.push(("lon".to_owned(), lon.to_string()));
                cols.push(("lat".to_owned(), lat.to_string()));
            }
            let result = columns_to_map(cols.iter().map(|(c, v)| (c.as_str(), v.as_str())))
                .and_then(|m| record_from_map(row, m, mapping));
            parsed.rows.push((row, result));
        }
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAP: &str = r#"{"source_id_prefix": "t:", "columns": {"source_id": "GlobalID", "name": "SITE_NAME",
        "street": "ADDRESS", "phone": "PHONE"}, "values": {"city": "Cambridge", "partner_name": "City"},
        "categories_from": {"property": "Kind", "values": {"Clinic": "health", "Museum": null}}}"#;

    #[test]
    fn features_become_rows_by_the_map() {
        let map = PropertyMap::parse_map("m.json", MAP.as_bytes()).unwrap();
        let doc = r#"{"type": "FeatureCollection", "features": [
          {"type": "Feature", "id": 1, "geometry": {"type": "Point", "coordinates": [-71.1, 42.37]},
           "properties": {"GlobalID": "{A}", "SITE_NAME": "Zinberg Clinic", "ADDRESS": "1493 Cambridge St",
                          "PHONE": "617-665-1606", "Kind": "Clinic"}},
          {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-71.1, 42.37]},
           "properties": {"GlobalID": "{B}", "SITE_NAME": "MIT Museum", "Kind": "Museum"}},
          {"type": "Feature", "geometry": null,
           "properties": {"GlobalID": "{C}", "SITE_NAME": "Mystery", "Kind": "Bakery"}},
          {"type": "Feature", "geometry": null, "properties": {"SITE_NAME": "No id", "Kind": "Clinic"}}]}"#;
        let parsed = map.parse("f.geojson", doc, None).unwrap();
        assert_eq!(parsed.rows.len(), 3, "the museum is skipped");
        let rec = parsed.rows[0].1.as_ref().unwrap();
        assert_eq!(rec.site.source_id.as_deref(), Some("t:{A}"));
        assert_eq!(rec.site.city.as_deref(), Some("Cambridge"));
        assert_eq!(rec.site.phones[0].number, "617-665-1606");
        assert_eq!(rec.site.lon, Some(-71.1));
        assert_eq!(rec.site.categories[0].as_str(), "health");
        assert_eq!(rec.partner.name.as_deref(), Some("City"));
        let e = parsed.rows[1].1.as_ref().unwrap_err();
        assert!(e[0].message.contains("'Bakery'"), "{e:?}");
        assert_eq!(parsed.rows[2].1.as_ref().unwrap_err()[0].field, "GlobalID");
        assert_eq!(parsed.skipped.len(), 1);
        assert_eq!((parsed.skipped[0].row, parsed.skipped[0].name.as_str()), (2, "MIT Museum"));
    }

    #[test]
    fn a_map_without_source_id_or_with_unknown_columns_is_refused() {
        let no_id = MAP.replace("\"source_id\": \"GlobalID\", ", "");
        let e = PropertyMap::parse_map("m.json", no_id.as_bytes()).unwrap_err().to_string();
        assert!(e.contains("source_id"), "{e}");
        let typo = MAP.replace("\"street\"", "\"stret\"");
        let e = PropertyMap::parse_map("m.json", typo.as_bytes()).unwrap_err().to_string();
        assert!(e.contains("'stret'"), "{e}");
        let e = PropertyMap::parse_map("m.json", b"{\"colums\": {}}").unwrap_err().to_string();
        assert!(e.contains("colums"), "{e}");
    }

    #[test]
    fn a_projected_or_non_wgs84_layer_is_refused() {
        let map = PropertyMap::parse_map("m.json", MAP.as_bytes()).unwrap();
        let crs = r#"{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2249"}},
                      "features": []}"#;
        let e = map.parse("f.geojson", crs, None).unwrap_err().to_string();
        assert!(e.contains("EPSG::2249") && e.contains("ogr2ogr"), "{e}");
        let ok = crs.replace("EPSG::2249", "OGC:1.3:CRS84");
        assert!(map.parse("f.geojson", &ok, None).is_ok());
        let feet = r#"{"type": "FeatureCollection", "features": [{"type": "Feature",
            "geometry": {"type": "Point", "coordinates": [763421.2, 2953110.5]}, "properties": {}}]}"#;
        let e = map.parse("f.geojson", feet, None).unwrap_err().to_string();
        assert!(e.contains("projected"), "{e}");
    }
}
