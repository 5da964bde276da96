//! Validated domain types. Everything that crosses the edge (HTTP, CSV, GeoJSON, CLI) is parsed
//! into these types first, so the rest of the code never sees an out-of-range coordinate, an
//! unknown language code or a malformed category slug.
//!
//! Coordinates are `[lon, lat]` WGS84 decimal degrees; distances are metres on a sphere of
//! radius [`EARTH_RADIUS_M`].

pub mod account;
mod bbox;
mod hours;
mod site;
pub mod timestamp;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use bbox::BBox;
pub use hours::{ClockTime, Hours, OpenAt, Span, Weekday};
pub use site::{
    Address, Cost, Partner, PartnerInput, PartnerStatus, Phone, PhoneType, Service, ServiceTranslation, Site,
    SiteInput, Translation, Translations, Validated,
};

/// Mean Earth radius in metres (IUGG), the sphere every distance in assetmap is measured on.
pub const EARTH_RADIUS_M: f64 = 6_371_008.771_4;

/// One problem with one field of an input: what an API client or a CLI user needs to fix it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name as the client spelled it (`lat`, `phones[0].number`, ...).
    pub field: String,
    /// What is wrong, in plain words.
    pub message: String,
}

impl FieldError {
    /// A problem with `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A WGS84 position, longitude first. Always finite, lon in [-180, 180], lat in [-90, 90].
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LonLat {
    lon: f64,
    lat: f64,
}

impl LonLat {
    /// Validates a longitude and latitude in decimal degrees; the error names the bad field.
    pub fn new(lon: f64, lat: f64) -> Result<Self, FieldError> {
        if !lon.is_finite() {
            return Err(FieldError::new("lon", "must be a finite number"));
        }
        if !lat.is_finite() {
            return Err(FieldError::new("lat", "must be a finite number"));
        }
        if !(-180.0..=180.0).contains(&lon) {
            return Err(FieldError::new("lon", format!("{lon} is outside [-180, 180]")));
        }
        if !(-90.0..=90.0).contains(&lat) {
            return Err(FieldError::new("lat", format!("{lat} is outside [-90, 90]")));
        }
        Ok(Self { lon, lat })
    }

    /// Longitude in decimal degrees.
    pub fn lon(self) -> f64 {
        self.lon
    }

    /// Latitude in decimal degrees.
    pub fn lat(self) -> f64 {
        self.lat
    }

    /// The point as a unit vector on the sphere (x towards lon 0 / lat 0, z towards the north
    /// pole). Chord length between unit vectors is monotone in great-circle distance, which is
    /// what lets a 3-D R-tree answer great-circle nearest queries exactly.
    pub fn unit_vector(self) -> [f64; 3] {
        let (lon, lat) = (self.lon.to_radians(), self.lat.to_radians());
        let (slat, clat) = lat.sin_cos();
        let (slon, clon) = lon.sin_cos();
        [clat * clon, clat * slon, slat]
    }

    /// Great-circle (haversine) distance to `other`, in metres.
    pub fn distance_m(self, other: LonLat) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
    }
}

/// Great-circle distance in metres for a squared chord length between two unit vectors.
pub fn chord2_to_metres(chord2: f64) -> f64 {
    2.0 * EARTH_RADIUS_M * (chord2.max(0.0).sqrt() / 2.0).min(1.0).asin()
}

/// Squared chord length between unit vectors for a great-circle distance in metres
/// (the inverse of [`chord2_to_metres`]); distances past the antipode clamp to the diameter.
pub fn metres_to_chord2(metres: f64) -> f64 {
    let theta = (metres / EARTH_RADIUS_M).clamp(0.0, std::f64::consts::PI);
    let chord = 2.0 * (theta / 2.0).sin();
    chord * chord
}

/// An ISO 639 language code: ISO 639-1 (two letters) where the language has one, otherwise
/// ISO 639-3 (three letters). Stored lower-case. `spa` is refused in favour of `es`, so every
/// language has exactly one spelling and filters compare codes byte for byte.
///
/// Held inline as three ASCII bytes (the third 0 for a two-letter code): a site carries several
/// and each of its phone lines more, so a heap string each would cost memory at 100,000 sites.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LanguageCode([u8; 3]);

impl LanguageCode {
    /// Parses and normalises a code; the error says what to use instead where it can.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let code = raw.trim().to_ascii_lowercase();
        match code.len() {
            2 => isolang::Language::from_639_1(&code)
                .map(|_| Self::from_ascii(&code))
                .ok_or_else(|| format!("'{raw}' is not an ISO 639-1 language code")),
            3 => match isolang::Language::from_639_3(&code) {
                Some(lang) => match lang.to_639_1() {
                    Some(two) => Err(format!("use the ISO 639-1 code '{two}' for '{raw}'")),
                    None => Ok(Self::from_ascii(&code)),
                },
                None => Err(format!("'{raw}' is not an ISO 639-3 language code")),
            },
            _ => Err(format!("'{raw}' is not a language code (use ISO 639-1, e.g. 'es', 'ht')")),
        }
    }

    /// Packs an already-checked two- or three-letter ASCII code.
    fn from_ascii(code: &str) -> Self {
        let mut b = [0u8; 3];
        b[..code.len()].copy_from_slice(code.as_bytes());
        Self(b)
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        let n = if self.0[2] == 0 { 2 } else { 3 };
        std::str::from_utf8(&self.0[..n]).unwrap_or("und")
    }

    /// The language's English name ("Haitian"), for people reading a table.
    pub fn english_name(&self) -> &'static str {
        self.language().map_or("unknown", |l| l.to_name())
    }

    /// The language's name in itself ("Kreyòl ayisyen"), where known.
    pub fn autonym(&self) -> Option<&'static str> {
        self.language().and_then(|l| l.to_autonym())
    }

    fn language(&self) -> Option<isolang::Language> {
        if self.0[2] == 0 {
            isolang::Language::from_639_1(self.as_str())
        } else {
            isolang::Language::from_639_3(self.as_str())
        }
    }

    /// Packs the code into a `u32` (up to three ASCII bytes) for allocation-free filtering in
    /// the spatial index.
    pub fn packed(&self) -> u32 {
        u32::from_be_bytes([0, self.0[0], self.0[1], self.0[2]])
    }
}

impl fmt::Display for LanguageCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for LanguageCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LanguageCode({})", self.as_str())
    }
}

impl Serialize for LanguageCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for LanguageCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// A category slug from the taxonomy table (`legal`, `health`, ...): lower-case ASCII letters,
/// digits, `-` and `_`, 1–40 characters. Whether the slug exists is checked against the
/// taxonomy at the edge ([`crate::catalog::Catalog::check_category`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Category(String);

/// The category taxonomy's slugs, in display order: the rows `migrations/*/0001_directory.sql`
/// seeds (a deployment changes the taxonomy only by a migration). The OpenAPI document
/// enumerates them; a test holds the two together.
pub const TAXONOMY: [&str; 9] =
    ["legal", "health", "housing", "library", "faith", "advocacy", "food", "education", "employment"];

impl Category {
    /// Parses the syntax of a slug (not whether it is known).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let slug = raw.trim().to_ascii_lowercase();
        let ok = !slug.is_empty()
            && slug.len() <= 40
            && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(slug))
        } else {
            Err(format!("'{raw}' is not a category slug (lower-case letters, digits, '-' or '_')"))
        }
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Category {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// A row of the category taxonomy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CategoryDef {
    /// The slug used in URLs and filters.
    pub slug: Category,
    /// English display name.
    pub name: String,
    /// What belongs in it.
    pub description: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lonlat_rejects_out_of_range_and_non_finite() {
        assert!(LonLat::new(-80.2, 25.8).is_ok());
        assert_eq!(LonLat::new(0.0, 91.0).unwrap_err().field, "lat");
        assert_eq!(LonLat::new(f64::NAN, 0.0).unwrap_err().field, "lon");
        assert_eq!(LonLat::new(180.5, 0.0).unwrap_err().field, "lon");
        assert!(LonLat::new(180.0, -90.0).is_ok());
    }

    #[test]
    fn chord_conversion_round_trips() {
        for m in [0.0, 1.0, 1_000.0, 5_000.0, 1.0e6, 1.9e7] {
            let back = chord2_to_metres(metres_to_chord2(m));
            assert!((back - m).abs() < 1e-6 * m.max(1.0), "{m} -> {back}");
        }
    }

    #[test]
    fn chord_distance_matches_haversine() {
        let a = LonLat::new(-80.2, 25.77).unwrap();
        let b = LonLat::new(-80.19, 25.80).unwrap();
        let (u, v) = (a.unit_vector(), b.unit_vector());
        let d2: f64 = (0..3).map(|i| (u[i] - v[i]).powi(2)).sum();
        assert!((chord2_to_metres(d2) - a.distance_m(b)).abs() < 1e-6);
    }

    #[test]
    fn language_codes_have_one_spelling() {
        assert_eq!(LanguageCode::parse("HT").unwrap().as_str(), "ht");
        assert!(LanguageCode::parse("spa").unwrap_err().contains("'es'"));
        assert_eq!(LanguageCode::parse("ase").unwrap().as_str(), "ase");
        assert!(LanguageCode::parse("xx").is_err());
        assert!(LanguageCode::parse("english").is_err());
        assert_eq!(LanguageCode::parse("ht").unwrap().english_name(), "Haitian");
    }

    #[test]
    fn category_slugs_are_checked() {
        assert_eq!(Category::parse(" Legal ").unwrap().as_str(), "legal");
        assert!(Category::parse("le gal").is_err());
        assert!(Category::parse("").is_err());
    }
}
