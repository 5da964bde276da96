//! Demand: where the people are, as weighted points.
//!
//! By default, the 2020 census tract centres of population (`data/census_tracts.csv.gz`,
//! tracts with no population left out) in the deployment's service area — a list of county
//! FIPS codes, or the whole country. A district may use its own points instead (counts of
//! students per ZIP or per school): a CSV of aggregates, checked row by row and loaded whole or
//! not at all. Points are kept in Hilbert-curve order, the order the search engine is fast in.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::OnceLock;

use anyhow::Context;
use h3o::{LatLng, Resolution};
use serde::Serialize;

use crate::domain::{FieldError, LanguageCode, LonLat};
use crate::search::kdtree::PointTree;

/// The counties a deployment serves: 5-digit county FIPS codes (state + county), or all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServiceArea {
    /// Every populated tract of the US and Puerto Rico.
    All,
    /// These counties (sorted, unique), e.g. `12086` Miami-Dade.
    Counties(Vec<u32>),
}

impl Default for ServiceArea {
    /// Miami-Dade, the county of the demo data.
    fn default() -> Self {
        Self::Counties(vec![12086])
    }
}

impl ServiceArea {
    /// Parses `all` or a comma-separated list of 5-digit county FIPS codes (`12086,12011`).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.eq_ignore_ascii_case("all") {
            return Ok(Self::All);
        }
        let mut codes = Vec::new();
        for part in raw.split(',').map(str::trim) {
            if part.len() != 5 || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "'{part}' is not a 5-digit county FIPS code (state + county, e.g. 12086 for Miami-Dade) or 'all'"
                ));
            }
            codes.push(part.parse::<u32>().map_err(|e| e.to_string())?);
        }
        codes.sort_unstable();
        codes.dedup();
        Ok(Self::Counties(codes))
    }

    /// Whether a county (FIPS as a number) is served.
    pub fn contains(&self, county: u32) -> bool {
        match self {
            Self::All => true,
            Self::Counties(c) => c.binary_search(&county).is_ok(),
        }
    }
}

impl fmt::Display for ServiceArea {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::All => f.write_str("all"),
            Self::Counties(c) => {
                let codes: Vec<String> = c.iter().map(|c| format!("{c:05}")).collect();
                f.write_str(&codes.join(","))
            }
        }
    }
}

impl Serialize for ServiceArea {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::All => s.serialize_str("all"),
            Self::Counties(c) => s.collect_seq(c.iter().map(|c| format!("{c:05}"))),
        }
    }
}

/// One populated census tract.
#[derive(Clone, Copy, Debug)]
struct Tract {
    /// 11-digit GEOID (state, county, tract) as a number.
    geoid: u64,
    population: u64,
    at: LonLat,
}

/// The 2020 census tract file (centres of population), inflated once at start. Only the lines
/// of the service area are parsed then; the whole country is parsed on first use (a national
/// service area, or placing uploaded points in counties).
#[derive(Debug, Default)]
pub struct Census {
    /// The file's text after its header.
    text: String,
    /// Every populated tract, parsed on first use.
    all: OnceLock<Result<Vec<Tract>, String>>,
    /// Tract centres by unit vector, for placing uploaded points in a county (built on first use).
    locator: OnceLock<PointTree>,
}

const CENSUS_HEADER: &str = "STATEFP,COUNTYFP,TRACTCE,POPULATION,LATITUDE,LONGITUDE";

impl Census {
    /// Reads the Census Bureau's tract file (gzip, `STATEFP,COUNTYFP,TRACTCE,POPULATION,
    /// LATITUDE,LONGITUDE`, with or without a byte-order mark).
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let mut text = String::new();
        let file = std::fs::File::open(path).with_context(|| format!("{}", path.display()))?;
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(std::io::BufReader::new(file)),
            &mut text,
        )
        .with_context(|| format!("{}: not a gzip-compressed UTF-8 file", path.display()))?;
        Self::parse(text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// Takes the text of the tract file (checking its header; lines are parsed when needed).
    pub fn parse(text: impl Into<String>) -> Result<Self, String> {
        let text = text.into();
        let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let (header, rest) = body.split_once('\n').unwrap_or((body, ""));
        if header.trim() != CENSUS_HEADER {
            return Err(format!("unexpected header '{header}' (want {CENSUS_HEADER})"));
        }
        Ok(Self { text: rest.to_owned(), all: OnceLock::new(), locator: OnceLock::new() })
    }

    /// Parses the lines `keep` selects (by their first bytes); tracts with nobody are left out.
    fn parse_lines(&self, keep: impl Fn(&str) -> bool) -> Result<Vec<Tract>, String> {
        let mut tracts = Vec::new();
        for (n, line) in self.text.lines().enumerate() {
            if line.trim().is_empty() || !keep(line) {
                continue;
            }
            let bad = |what: &str| format!("line {}: {what}: '{line}'", n + 2);
            let mut f = line.trim_end_matches('\r').split(',');
            let mut next = || f.next().ok_or_else(|| bad("too few fields"));
            let (state, county, tract) = (next()?, next()?, next()?);
            let population: u64 = next()?.parse().map_err(|_| bad("bad POPULATION"))?;
            let lat: f64 = next()?.parse().map_err(|_| bad("bad LATITUDE"))?;
            let lon: f64 = next()?.parse().map_err(|_| bad("bad LONGITUDE"))?;
            if population == 0 {
                continue;
            }
            let geoid =
                digits(&[(state, 2), (county, 3), (tract, 6)]).ok_or_else(|| bad("bad tract code"))?;
            let at = LonLat::new(lon, lat).map_err(|e| bad(&e.to_string()))?;
            tracts.push(Tract { geoid, population, at });
        }
        Ok(tracts)
    }

    /// Every populated tract.
    fn all(&self) -> Result<&[Tract], String> {
        self.all.get_or_init(|| self.parse_lines(|_| true)).as_deref().map_err(Clone::clone)
    }

    /// Number of populated tracts in the country.
    pub fn len(&self) -> usize {
        self.all().map_or(0, <[Tract]>::len)
    }

    /// True when no tract is loaded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The tracts of a service area as demand. Refuses a county code with no populated tract
    /// (a typo, or a code that does not exist).
    pub fn demand(&self, area: &ServiceArea) -> Result<Demand, String> {
        let parsed;
        let tracts: &[Tract] = match area {
            ServiceArea::All => self.all()?,
            ServiceArea::Counties(codes) => {
                // "12,086," — compare line starts instead of parsing the whole country.
                let prefixes: Vec<String> =
                    codes.iter().map(|c| format!("{:02},{:03},", c / 1000, c % 1000)).collect();
                parsed = self.parse_lines(|line| prefixes.iter().any(|p| line.starts_with(p.as_str())))?;
                for c in codes {
                    if !parsed.iter().any(|t| county_of_geoid(t.geoid) == *c) {
                        return Err(format!(
                            "county {c:05} has no populated census tract (is the FIPS code right?)"
                        ));
                    }
                }
                &parsed
            }
        };
        let points = tracts
            .iter()
            .map(|t| DemandPoint {
                id: format!("{:011}", t.geoid),
                at: t.at,
                weight: t.population,
                county: Some(county_of_geoid(t.geoid)),
                languages: Vec::new(),
            })
            .collect();
        Ok(Demand::new(DemandSource::Census { service_area: area.clone() }, points, 0))
    }

    /// The county of the tract whose centre of population is nearest to `at` (exact inside a
    /// county; within a few hundred metres of a county line it can be the neighbour).
    pub fn county_near(&self, at: LonLat) -> Option<u32> {
        self.nearest_tract(at).map(|(county, _)| county)
    }

    /// The county and centre of population of the populated tract nearest to `at`.
    pub fn nearest_tract(&self, at: LonLat) -> Option<(u32, LonLat)> {
        let all = self.all().ok()?;
        let tree = self.locator.get_or_init(|| {
            PointTree::new(all.iter().enumerate().map(|(i, t)| (t.at.unit_vector(), i as u32)).collect())
        });
        let (_, pos) = tree.nearest_from(&at.unit_vector(), None)?;
        let tract = &all[tree.key(pos) as usize];
        Some((county_of_geoid(tract.geoid), tract.at))
    }
}

/// The number written by fields of exactly these lengths of ASCII digits, one after the other.
fn digits(fields: &[(&str, usize)]) -> Option<u64> {
    let mut n = 0u64;
    for (f, len) in fields {
        if f.len() != *len {
            return None;
        }
        for b in f.bytes() {
            n = n * 10 + u64::from(b.checked_sub(b'0').filter(|d| *d < 10)?);
        }
    }
    Some(n)
}

fn county_of_geoid(geoid: u64) -> u32 {
    (geoid / 1_000_000) as u32
}

/// County names by FIPS code (`data/counties.csv`, derived from us-atlas; see data/README.md).
#[derive(Debug, Default)]
pub struct CountyNames(HashMap<u32, (String, String)>);

impl CountyNames {
    /// Reads `fips,name,state`.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let mut rdr = csv::Reader::from_path(path).with_context(|| format!("{}", path.display()))?;
        let mut map = HashMap::new();
        for rec in rdr.records() {
            let rec = rec.with_context(|| format!("{}", path.display()))?;
            let fips = rec.get(0).and_then(|f| f.parse::<u32>().ok());
            let fips = fips.with_context(|| format!("{}: bad fips {:?}", path.display(), rec.get(0)))?;
            map.insert(fips, (rec.get(1).unwrap_or("").to_owned(), rec.get(2).unwrap_or("").to_owned()));
        }
        Ok(Self(map))
    }

    /// `(name, state)` of a county.
    pub fn get(&self, fips: u32) -> Option<(&str, &str)> {
        self.0.get(&fips).map(|(n, s)| (n.as_str(), s.as_str()))
    }
}

/// Where a demand set came from.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum DemandSource {
    /// 2020 census tract centres of population in a service area.
    Census {
        /// The counties served.
        service_area: ServiceArea,
    },
    /// A file of the deployment's or the requester's own points.
    Upload {
        /// The file's name, as given.
        name: String,
    },
}

/// One demand point before ordering.
#[derive(Clone, Debug, PartialEq)]
pub struct DemandPoint {
    /// Tract GEOID, or the uploader's id.
    pub id: String,
    /// Where.
    pub at: LonLat,
    /// How many people (whole number).
    pub weight: u64,
    /// County FIPS as a number, when known.
    pub county: Option<u32>,
    /// Languages of the people counted (packed codes); empty when not stated.
    pub languages: Vec<u32>,
}

/// A demand set: weighted points in Hilbert-curve order, with derived data cached.
#[derive(Debug)]
pub struct Demand {
    /// Where the points came from.
    pub source: DemandSource,
    ids: Vec<Box<str>>,
    at: Vec<LonLat>,
    unit: Vec<[f64; 3]>,
    weight: Vec<u64>,
    county: Vec<Option<u32>>,
    languages: Vec<Box<[u32]>>,
    total: u64,
    /// Rows left out because they count nobody.
    left_out: usize,
    /// H3 cell of each point, per resolution (computed on first use).
    cells: [OnceLock<Vec<u64>>; 16],
    /// GeoJSON geometry (serialised) of each cell holding a point, per resolution (first use).
    shapes: [OnceLock<HashMap<u64, String>>; 16],
}

impl Demand {
    /// Orders the points along the Hilbert curve and indexes them. Points of weight 0 must
    /// already be left out (`left_out` says how many were).
    pub fn new(source: DemandSource, mut points: Vec<DemandPoint>, left_out: usize) -> Self {
        points.sort_by_cached_key(|p| {
            (crate::search::curve::hilbert(p.at), p.at.lon().to_bits(), p.at.lat().to_bits())
        });
        let n = points.len();
        let mut d = Self {
            source,
            ids: Vec::with_capacity(n),
            at: Vec::with_capacity(n),
            unit: Vec::with_capacity(n),
            weight: Vec::with_capacity(n),
            county: Vec::with_capacity(n),
            languages: Vec::with_capacity(n),
            total: 0,
            left_out,
            cells: Default::default(),
            shapes: Default::default(),
        };
        for p in points {
            d.ids.push(p.id.into_boxed_str());
            d.unit.push(p.at.unit_vector());
            d.at.push(p.at);
            d.total += p.weight;
            d.weight.push(p.weight);
            d.county.push(p.county);
            d.languages.push(p.languages.into_boxed_slice());
        }
        d
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when there is no point.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Total weight (people).
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Rows left out because their weight was 0.
    pub fn left_out(&self) -> usize {
        self.left_out
    }

    /// The points as unit vectors, in the set's (Hilbert) order.
    pub fn unit_vectors(&self) -> &[[f64; 3]] {
        &self.unit
    }

    /// Point `i`'s id.
    pub fn id(&self, i: usize) -> &str {
        &self.ids[i]
    }

    /// Point `i`'s position.
    pub fn at(&self, i: usize) -> LonLat {
        self.at[i]
    }

    /// Point `i`'s weight.
    pub fn weight(&self, i: usize) -> u64 {
        self.weight[i]
    }

    /// Point `i`'s county FIPS, when known.
    pub fn county(&self, i: usize) -> Option<u32> {
        self.county[i]
    }

    /// Whether any point states its languages.
    pub fn has_languages(&self) -> bool {
        self.languages.iter().any(|l| !l.is_empty())
    }

    /// The points that count for a search in `language`: those that list it, and those that list
    /// no language at all. `None` when that is every point.
    pub fn for_language(&self, language: u32) -> Option<Demand> {
        let keep = |i: &usize| self.languages[*i].is_empty() || self.languages[*i].contains(&language);
        if (0..self.len()).all(|i| keep(&i)) {
            return None;
        }
        let points = (0..self.len())
            .filter(keep)
            .map(|i| DemandPoint {
                id: self.ids[i].to_string(),
                at: self.at[i],
                weight: self.weight[i],
                county: self.county[i],
                languages: self.languages[i].to_vec(),
            })
            .collect();
        Some(Self::new(self.source.clone(), points, self.left_out))
    }

    /// The H3 cell (as its 64-bit index) of every point at `resolution`, cached per resolution.
    pub fn cells(&self, resolution: Resolution) -> &[u64] {
        self.cells[u8::from(resolution) as usize].get_or_init(|| {
            self.at
                .iter()
                .map(|p| {
                    // Every LonLat is finite, which is all LatLng asks.
                    LatLng::new(p.lat(), p.lon()).map_or(0, |ll| u64::from(ll.to_cell(resolution)))
                })
                .collect()
        })
    }
}

impl Demand {
    /// The GeoJSON geometry, serialised, of every cell at `resolution` that holds a point:
    /// computed once per demand set and resolution, as cells never change shape.
    pub fn cell_shapes(&self, resolution: Resolution) -> &HashMap<u64, String> {
        self.shapes[u8::from(resolution) as usize].get_or_init(|| {
            let mut cells = self.cells(resolution).to_vec();
            cells.sort_unstable();
            cells.dedup();
            cells
                .into_iter()
                .filter_map(|c| {
                    let cell = h3o::CellIndex::try_from(c).ok()?;
                    Some((c, super::cells::geometry(cell).to_string()))
                })
                .collect()
        })
    }
}

/// A problem on one row of a demand file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    /// Line number, the header being line 1.
    pub row: usize,
    /// Column.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl RowProblem {
    /// As a field error for an API answer (`row 3: lat`).
    pub fn to_field_error(&self) -> FieldError {
        let field =
            if self.row == 0 { self.field.clone() } else { format!("row {}: {}", self.row, self.field) };
        FieldError::new(field, self.message.clone())
    }
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.row == 0 {
            write!(f, "{}: {}", self.field, self.message)
        } else {
            write!(f, "row {}: {}: {}", self.row, self.field, self.message)
        }
    }
}

/// The columns a demand file may have. Nothing else is accepted, so a file about persons
/// (names, birth dates, status) is refused rather than loaded: demand is aggregates only.
pub const DEMAND_COLUMNS: [&str; 7] = ["id", "lon", "lat", "weight", "population", "languages", "county"];

/// Most problems listed for one file (the count of the rest is given).
const MAX_PROBLEMS: usize = 50;

/// A parsed demand file: its points (weight 0 left out) and how many rows were left out.
pub type ParsedDemand = (Vec<DemandPoint>, usize);

/// Parses a demand CSV: `id,lon,lat,weight` (or `population` for `weight`), optional
/// `languages` (`es;ht`) and `county` (5-digit FIPS). Every bad row is reported, by row and
/// field; a file with any bad row gives no points at all. Rows of weight 0 count nobody and
/// are left out (their number is returned). `county_near` places points without a county.
pub fn parse_demand_csv(
    bytes: &[u8],
    county_near: &dyn Fn(LonLat) -> Option<u32>,
) -> Result<ParsedDemand, Vec<RowProblem>> {
    let file_problem =
        |field: &str, message: String| vec![RowProblem { row: 0, field: field.into(), message }];
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        return Err(file_problem("file", format!("is not UTF-8 text (first bad byte on line {line})")));
    }
    let mut rdr = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(bytes);
    let headers = rdr.headers().map_err(|e| file_problem("header", e.to_string()))?.clone();
    let names: Vec<String> = headers.iter().map(|h| h.to_ascii_lowercase()).collect();
    if let Some(bad) = names.iter().find(|h| !DEMAND_COLUMNS.contains(&h.as_str())) {
        return Err(file_problem(
            bad,
            format!(
                "unknown column '{bad}': a demand file holds only id, lon, lat, weight (or population), \
                 languages and county — counts of people, never records about a person"
            ),
        ));
    }
    let col = |name: &str| names.iter().position(|h| h == name);
    let weight_col = match (col("weight"), col("population")) {
        (Some(_), Some(_)) => {
            return Err(file_problem("population", "give weight or population, not both".into()));
        }
        (w, p) => w.or(p),
    };
    let weight_name = if col("weight").is_some() { "weight" } else { "population" };
    // `id` is optional: without it, each point is named by its row ("row 2").
    let ci = col("id");
    let (Some(clon), Some(clat), Some(cw)) = (col("lon"), col("lat"), weight_col) else {
        let missing: Vec<&str> = [("lon", col("lon")), ("lat", col("lat")), ("weight", weight_col)]
            .iter()
            .filter(|(_, c)| c.is_none())
            .map(|(n, _)| *n)
            .collect();
        return Err(file_problem(
            missing[0],
            format!("missing column(s) {} (need lon, lat, weight; id is optional)", missing.join(", ")),
        ));
    };
    let (clang, ccounty) = (col("languages"), col("county"));
    let mut points = Vec::new();
    let mut problems = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut left_out = 0;
    let mut more = 0usize;
    for (n, rec) in rdr.records().enumerate() {
        let row = n + 2;
        let mut bad = |field: &str, message: String| {
            if problems.len() < MAX_PROBLEMS {
                problems.push(RowProblem { row, field: field.into(), message });
            } else {
                more += 1;
            }
        };
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                bad("row", e.to_string());
                continue;
            }
        };
        if rec.len() != headers.len() {
            bad("row", format!("has {} fields, the header has {}", rec.len(), headers.len()));
            continue;
        }
        let get = |i: usize| rec.get(i).unwrap_or("");
        let id = ci.map_or_else(|| format!("row {row}"), |ci| get(ci).to_owned());
        if id.is_empty() {
            bad("id", "is empty".into());
        } else if let Some(first) = seen.get(&id) {
            bad("id", format!("'{id}' is also on row {first}"));
        } else {
            seen.insert(id.clone(), row);
        }
        let num = |i: usize| get(i).parse::<f64>().ok().filter(|x| x.is_finite());
        let (lon, lat) = (num(clon), num(clat));
        if lon.is_none() {
            bad("lon", format!("'{}' is not a number", get(clon)));
        }
        if lat.is_none() {
            bad("lat", format!("'{}' is not a number", get(clat)));
        }
        let at = match (lon, lat) {
            (Some(lon), Some(lat)) => match LonLat::new(lon, lat) {
                Ok(at) => Some(at),
                Err(e) => {
                    bad(&e.field, e.message);
                    None
                }
            },
            _ => None,
        };
        let weight = get(cw).parse::<u64>().ok().filter(|w| *w <= 1_000_000_000);
        if weight.is_none() {
            bad(
                weight_name,
                format!("'{}' is not a whole number of people from 0 to 1,000,000,000", get(cw)),
            );
        }
        let mut languages = Vec::new();
        if let Some(c) = clang {
            for (k, code) in get(c).split(';').map(str::trim).filter(|s| !s.is_empty()).enumerate() {
                match LanguageCode::parse(code) {
                    Ok(l) => languages.push(l.packed()),
                    Err(m) => bad(&format!("languages[{k}]"), m),
                }
            }
            languages.sort_unstable();
            languages.dedup();
        }
        let mut county = None;
        if let Some(c) = ccounty.map(get).filter(|s| !s.is_empty()) {
            match ServiceArea::parse(c) {
                Ok(ServiceArea::Counties(v)) if v.len() == 1 => county = Some(v[0]),
                _ => bad("county", format!("'{c}' is not a 5-digit county FIPS code")),
            }
        }
        if let (Some(at), Some(weight)) = (at, weight) {
            if weight == 0 {
                left_out += 1;
                continue;
            }
            let county = county.or_else(|| county_near(at));
            points.push(DemandPoint { id, at, weight, county, languages });
        }
    }
    if more > 0 {
        problems.push(RowProblem {
            row: 0,
            field: "file".into(),
            message: format!("and {more} more problem(s)"),
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if points.is_empty() {
        return Err(file_problem("file", "has no row with people in it".into()));
    }
    Ok((points, left_out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: LonLat) -> Option<u32> {
        None
    }

    #[test]
    fn service_areas_parse_fips_lists_and_all() {
        assert_eq!(ServiceArea::parse("12086").unwrap(), ServiceArea::Counties(vec![12086]));
        assert_eq!(
            ServiceArea::parse(" 12086, 12011,12086").unwrap(),
            ServiceArea::Counties(vec![12011, 12086])
        );
        assert_eq!(ServiceArea::parse("ALL").unwrap(), ServiceArea::All);
        assert!(ServiceArea::parse("1208").unwrap_err().contains("5-digit"));
        assert!(ServiceArea::parse("12086,miami").is_err());
        assert_eq!(ServiceArea::parse("01001,12086").unwrap().to_string(), "01001,12086");
    }

    #[test]
    fn census_text_leaves_out_empty_tracts_and_filters_by_county() {
        let text = "\u{feff}STATEFP,COUNTYFP,TRACTCE,POPULATION,LATITUDE,LONGITUDE\n\
                    12,086,000100,2000,+25.800000,-080.200000\n\
                    12,086,980100,0,+25.472875,-080.188969\n\
                    12,011,000100,3000,+26.100000,-080.200000\n";
        let census = Census::parse(text).unwrap();
        assert_eq!(census.len(), 2);
        let d = census.demand(&ServiceArea::Counties(vec![12086])).unwrap();
        assert_eq!((d.len(), d.total(), d.id(0), d.county(0)), (1, 2000, "12086000100", Some(12086)));
        assert_eq!(census.demand(&ServiceArea::All).unwrap().total(), 5000);
        assert!(census.demand(&ServiceArea::Counties(vec![12087])).unwrap_err().contains("12087"));
        assert_eq!(census.county_near(LonLat::new(-80.2, 26.0).unwrap()), Some(12011));
    }

    #[test]
    fn a_good_file_loads_with_languages_and_zero_rows_left_out() {
        let csv = "\u{feff}id,lon,lat,weight,languages\nA,-80.2,25.8,140,es;ht\nB,-80.3,25.7,0,\nC,-80.1,25.9,12,\n";
        let (points, left_out) = parse_demand_csv(csv.as_bytes(), &none).unwrap();
        assert_eq!(left_out, 1);
        assert_eq!(points.len(), 2);
        assert_eq!(points[0].languages.len(), 2);
        let d = Demand::new(DemandSource::Upload { name: "x.csv".into() }, points, left_out);
        assert!(d.has_languages());
        let es = LanguageCode::parse("es").unwrap().packed();
        assert!(d.for_language(es).is_none(), "A speaks es, C states no language: both count");
        let fr = LanguageCode::parse("fr").unwrap().packed();
        assert_eq!(d.for_language(fr).unwrap().total(), 12);
    }

    #[test]
    fn every_bad_row_is_named_by_row_and_field_and_nothing_loads() {
        let csv = "id,lon,lat,population,county\n\
                   A,-80.2,25.8,140,12086\n\
                   B,-80.2,95.0,10,\n\
                   A,east,25.8,-3,\n\
                   D,-80.2,25.8,1.5,1208\n";
        let problems = parse_demand_csv(csv.as_bytes(), &none).unwrap_err();
        let got: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(got.iter().any(|p| p.starts_with("row 3: lat:")), "{got:?}");
        assert!(got.iter().any(|p| p.starts_with("row 4: id: 'A' is also on row 2")), "{got:?}");
        assert!(got.iter().any(|p| p.starts_with("row 4: lon:")), "{got:?}");
        assert!(got.iter().any(|p| p.starts_with("row 4: population:")), "{got:?}");
        assert!(got.iter().any(|p| p.starts_with("row 5: population:")), "{got:?}");
        assert!(got.iter().any(|p| p.starts_with("row 5: county:")), "{got:?}");
        assert_eq!(problems.len(), 6);
    }

    #[test]
    fn files_about_persons_or_missing_columns_are_refused() {
        let p = parse_demand_csv(b"id,lon,lat,weight,name\n1,0,0,1,Ana\n", &none).unwrap_err();
        assert_eq!(p[0].field, "name");
        let p = parse_demand_csv(b"id,lon,weight\n1,0,1\n", &none).unwrap_err();
        assert!(p[0].message.contains("lat"), "{p:?}");
        let p = parse_demand_csv(b"id,lon,lat,weight\n", &none).unwrap_err();
        assert!(p[0].message.contains("no row"), "{p:?}");
        let p = parse_demand_csv(b"id,lon,lat,weight\n1,0,0,1\n2,0,0\n", &none).unwrap_err();
        assert_eq!((p[0].row, p[0].field.as_str()), (3, "row"));
        let p = parse_demand_csv(b"id,lon,lat,weight\n\xff,0,0,1\n", &none).unwrap_err();
        assert!(p[0].message.contains("UTF-8"));
    }
}
