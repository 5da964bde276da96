//! Coverage gaps: who is far from help, where, and where one new partner would close the most.
//!
//! A leader's question — "how many people in our service area live more than 5 km from a free
//! legal service that speaks Spanish, where are they, and where should the next partner be?" —
//! answered exactly: for every demand point ([`demand`]: census tract centres of population, or
//! a district's own counts) the great-circle distance to the nearest matching site
//! ([`engine`]), then sums over thresholds, H3 cells ([`cells`]) and counties, the worst places,
//! and greedy recruitment suggestions ([`suggest`]), all in [`analysis`]. The same computation
//! runs from two files with no database ([`files`]), for analysts and benchmarks.
//!
//! HTTP: `GET /api/v1/gaps`, `GET /api/v1/coverage` (and `POST` of both with a demand CSV as
//! the body, used for that request only and never stored). See [`http`].

pub mod analysis;
pub mod cli;
pub mod engine;
pub mod files;
pub mod http;
pub mod suggest;

use h3o::Resolution;
use serde_json::{json, Value};

use self::analysis::{CandidateSite, Candidates, GapOptions, GapReport, SiteSet, Threshold};
use crate::catalog::Catalog;
use crate::domain::{Category, LanguageCode};
use crate::places::demand::{CountyNames, Demand};
use crate::search::index::Filter;

pub use http::router;

/// Largest threshold accepted, in metres.
pub const MAX_THRESHOLD_M: f64 = 1_000_000.0;
/// Most thresholds in one request.
pub const MAX_THRESHOLDS: usize = 12;
/// Most suggestions in one request.
pub const MAX_SUGGEST: usize = 20;
/// Most worst places in one request.
pub const MAX_TOP: usize = 100;
/// Thresholds of the coverage table when none are given, in metres.
pub const DEFAULT_THRESHOLDS: [f64; 4] = [1_000.0, 2_000.0, 5_000.0, 10_000.0];

/// Where suggestions may go, as asked.
#[derive(Clone, Debug, PartialEq)]
pub enum CandidateSpec {
    /// The demand points (tract centres).
    Demand,
    /// Public sites of these categories.
    Categories(Vec<Category>),
}

impl CandidateSpec {
    /// Parses `tracts` (or `demand`) or a comma-separated list of category slugs.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.eq_ignore_ascii_case("tracts") || raw.eq_ignore_ascii_case("demand") {
            return Ok(Self::Demand);
        }
        let cats = raw.split(',').map(Category::parse).collect::<Result<Vec<_>, _>>()?;
        Ok(Self::Categories(cats))
    }

    fn echo(&self) -> Value {
        match self {
            Self::Demand => json!("tracts"),
            Self::Categories(c) => json!(c),
        }
    }
}

/// A gap question, parsed from a query string or a command line.
#[derive(Clone, Debug)]
pub struct GapRequest {
    /// The category searched.
    pub category: Category,
    /// Its post-filters.
    pub filter: Filter,
    /// The filter's language (also narrows demand that states languages).
    pub lang: Option<LanguageCode>,
    /// `open_at` as given, for the echo.
    pub open_at: Option<String>,
    /// The threshold, metres.
    pub threshold_m: f64,
    /// More thresholds for `by_threshold`, metres.
    pub thresholds: Vec<f64>,
    /// H3 resolution of the cells.
    pub resolution: u8,
    /// Suggestions wanted.
    pub suggest: usize,
    /// Worst places wanted.
    pub top: usize,
    /// Where suggestions may go.
    pub candidates: CandidateSpec,
}

impl GapRequest {
    /// The `filter` object of the answer.
    pub fn echo(&self) -> Value {
        json!({
            "category": self.category,
            "lang": self.lang,
            "free": self.filter.free,
            "walk_in": self.filter.walk_in,
            "no_id": self.filter.no_id,
            "open_at": self.open_at,
            "resolution": self.resolution,
            "suggest": self.suggest,
            "candidates": self.candidates.echo(),
            "top": self.top,
        })
    }
}

/// Checks a threshold in metres.
pub fn check_threshold(m: f64) -> Result<f64, String> {
    if m.is_finite() && m > 0.0 && m <= MAX_THRESHOLD_M {
        Ok(m)
    } else {
        Err(format!("{m} is not a distance in metres greater than 0 and at most {MAX_THRESHOLD_M}"))
    }
}

/// Parses a distance: metres (`5000`, `5000m`) or kilometres (`5km`, `1.5km`).
pub fn parse_distance(raw: &str) -> Result<f64, String> {
    let s = raw.trim().to_ascii_lowercase();
    let (num, scale) = if let Some(n) = s.strip_suffix("km") {
        (n, 1000.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 1.0)
    } else {
        (s.as_str(), 1.0)
    };
    let v: f64 =
        num.trim().parse().map_err(|_| format!("'{raw}' is not a distance (e.g. 5000, 5000m or 5km)"))?;
    check_threshold(v * scale)
}

/// Parses a comma-separated list of distances (at most [`MAX_THRESHOLDS`]).
pub fn parse_distances(raw: &str) -> Result<Vec<f64>, String> {
    let v = raw.split(',').map(parse_distance).collect::<Result<Vec<_>, _>>()?;
    if v.len() > MAX_THRESHOLDS {
        return Err(format!("at most {MAX_THRESHOLDS} thresholds"));
    }
    Ok(v)
}

/// Checks an H3 resolution: [`crate::places::cells::COARSEST`]..=[`crate::places::cells::FINEST`].
pub fn check_resolution(r: usize) -> Result<u8, String> {
    if (crate::places::cells::COARSEST as usize..=crate::places::cells::FINEST as usize).contains(&r) {
        Ok(r as u8)
    } else {
        Err(format!(
            "{r} is outside {}..={}: finer cells than {} (about 0.7 km²) would outline single tract centres, \
             not areas, and could help pin down a confidential site; coarser than {} span hundreds of km",
            crate::places::cells::COARSEST,
            crate::places::cells::FINEST,
            crate::places::cells::FINEST,
            crate::places::cells::COARSEST
        ))
    }
}

/// The sites matching a category and filter, from the live index: confidential ones at their
/// stand-ins, where the index holds them.
pub fn site_set(catalog: &Catalog, category: &Category, filter: &Filter) -> SiteSet {
    let index = catalog.index();
    let Some(members) = index.members(Some(category)) else {
        return SiteSet::default();
    };
    // Listings hidden from the public for want of verification count for nobody.
    let hiding = catalog.public_filter(filter);
    let filter = hiding.as_ref().unwrap_or(filter);
    let points = members
        .filter(|(_, slot)| filter.is_empty() || index.attrs(*slot).is_some_and(|a| filter.accepts(a)))
        .map(|(at, _)| *at)
        .collect();
    SiteSet::new(points)
}

/// Every category of the taxonomy with its matching sites: `(slug, name, sites)`, in taxonomy
/// order (the coverage table's rows).
pub fn category_sets(catalog: &Catalog, filter: &Filter) -> Vec<(String, String, SiteSet)> {
    catalog
        .categories()
        .iter()
        .map(|d| (d.slug.to_string(), d.name.clone(), site_set(catalog, &d.slug, filter)))
        .collect()
}

/// Public, non-confidential sites of these categories, as places to recruit.
pub fn candidate_sites(catalog: &Catalog, categories: &[Category]) -> Vec<CandidateSite> {
    let index = catalog.index();
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for c in categories {
        let Some(members) = index.members(Some(c)) else { continue };
        for (_, slot) in members {
            let id = *index.key(slot);
            let Some(site) = catalog.site(id) else { continue };
            let Some(at) = site.location() else { continue };
            if site.confidential || !catalog.is_public(site) || !seen.insert(id) {
                continue;
            }
            out.push(CandidateSite {
                id: id.to_string(),
                name: site.name.clone(),
                categories: site.categories.iter().map(|c| c.to_string()).collect(),
                at,
            });
        }
    }
    // Same candidates, same order, same answer, whatever the hash order.
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// What a gap analysis needs from the catalog, taken under its read lock (which is then let go
/// before the heavy part).
#[derive(Debug)]
pub struct Prepared {
    /// Matching sites.
    pub sites: SiteSet,
    /// Where suggestions may go.
    pub candidates: Candidates,
}

/// Takes what `req` needs from the catalog.
pub fn prepare(catalog: &Catalog, req: &GapRequest) -> Prepared {
    let sites = site_set(catalog, &req.category, &req.filter);
    let candidates = match &req.candidates {
        CandidateSpec::Demand => Candidates::Demand,
        CandidateSpec::Categories(c) => Candidates::Sites(candidate_sites(catalog, c)),
    };
    Prepared { sites, candidates }
}

/// Runs the analysis (CPU only; call it off the async threads for large demand sets).
pub fn compute(demand: &Demand, prepared: Prepared, req: &GapRequest) -> (GapReport, Value) {
    let narrowed = req.lang.as_ref().and_then(|l| demand.for_language(l.packed()));
    let demand = narrowed.as_ref().unwrap_or(demand);
    let threads = if demand.len() > 20_000 { engine::default_threads() } else { 1 };
    let nearest = prepared.sites.nearest(demand.unit_vectors(), threads);
    let options = GapOptions {
        threshold: Threshold::new(req.threshold_m),
        thresholds: req.thresholds.iter().map(|m| Threshold::new(*m)).collect(),
        resolution: Resolution::try_from(req.resolution).unwrap_or(Resolution::Seven),
        top: req.top,
        suggest: req.suggest,
        candidates: prepared.candidates,
    };
    let report = analysis::gaps(demand, &nearest, &prepared.sites, &options);
    (report, demand_json(demand))
}

/// The `demand` object of an answer: where the points came from and how many.
pub fn demand_json(demand: &Demand) -> Value {
    let mut v = serde_json::to_value(&demand.source).unwrap_or(Value::Null);
    v["points"] = json!(demand.len());
    v["population"] = json!(demand.total());
    v["left_out_zero_weight"] = json!(demand.left_out());
    v
}

/// The JSON answer of `GET /api/v1/gaps` (also `assetmap gaps --format json`), serialised.
/// `shapes` is the demand set asked about (see [`GapReport::cells_geojson`]).
pub fn gaps_json(
    req: &GapRequest,
    report: &GapReport,
    demand: Value,
    counties: &CountyNames,
    shapes: &Demand,
) -> String {
    let mut v = json!({
        "filter": req.echo(),
        "demand": demand,
        "sites": report.sites,
        "threshold_m": report.threshold_m,
        "population_total": report.population_total,
        "population_beyond": report.population_beyond,
        "share_beyond": report.share_beyond(),
        "counties": report.county_rows(counties),
        "worst": report.worst(),
        "suggestions": report.suggestions,
    });
    if !report.by_threshold.is_empty() {
        v["by_threshold"] = json!(report.by_threshold);
    }
    // The cells are most of the answer: written straight from cached outlines, not built as a
    // JSON tree first.
    let mut out = v.to_string();
    out.pop();
    out.push_str(r#","cells":"#);
    out.push_str(&report.cells_geojson(shapes));
    out.push('}');
    out
}

/// Which rows a gaps CSV holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsvTable {
    /// One row per demand point, worst first.
    Tracts,
    /// One row per H3 cell.
    Cells,
    /// One row per county.
    Counties,
}

impl CsvTable {
    /// Parses `tracts`, `cells` or `counties`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "tracts" | "points" => Ok(Self::Tracts),
            "cells" => Ok(Self::Cells),
            "counties" => Ok(Self::Counties),
            _ => Err(format!("'{raw}' is not tracts, cells or counties")),
        }
    }
}

/// A gaps answer as CSV.
pub fn gaps_csv(report: &GapReport, table: CsvTable, counties: &CountyNames) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let text = |v: &Value| match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        v => v.to_string(),
    };
    let area = ["population", "population_beyond", "share_beyond", "mean_distance_m", "max_distance_m"];
    match table {
        CsvTable::Tracts => {
            w.write_record(["id", "county", "lon", "lat", "population", "nearest_m", "beyond"])?;
            for p in &report.places {
                w.write_record([
                    p.id.clone(),
                    p.county.clone().unwrap_or_default(),
                    p.lon.to_string(),
                    p.lat.to_string(),
                    p.population.to_string(),
                    p.nearest_m.map(|m| m.to_string()).unwrap_or_default(),
                    p.beyond.to_string(),
                ])?;
            }
        }
        CsvTable::Cells => {
            w.write_record(std::iter::once("h3").chain(area))?;
            for row in report.cell_rows() {
                w.write_record(std::iter::once(text(&row["h3"])).chain(area.iter().map(|f| text(&row[*f]))))?;
            }
        }
        CsvTable::Counties => {
            let head = ["fips", "name", "state"];
            w.write_record(head.into_iter().chain(area))?;
            for row in report.county_rows(counties) {
                w.write_record(head.iter().chain(area.iter()).map(|f| text(&row[*f])))?;
            }
        }
    }
    finish(w)
}

fn finish(w: csv::Writer<Vec<u8>>) -> Result<String, csv::Error> {
    let bytes = w.into_inner().map_err(|e| csv::Error::from(std::io::Error::other(e.to_string())))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The coverage table: for every category of the taxonomy, population within and beyond each
/// threshold. `sets` are the categories' matching sites, in taxonomy order.
pub fn coverage(
    demand: &Demand,
    sets: Vec<(String, String, SiteSet)>,
    thresholds: &[f64],
) -> Vec<(String, analysis::CoverageRow)> {
    let thresholds: Vec<Threshold> = thresholds.iter().map(|m| Threshold::new(*m)).collect();
    let threads = if demand.len() > 20_000 { engine::default_threads() } else { 1 };
    sets.into_iter()
        .map(|(slug, name, sites)| {
            (name, analysis::coverage_row(&slug, demand, &sites, &thresholds, threads))
        })
        .collect()
}

/// The JSON answer of `GET /api/v1/coverage`.
pub fn coverage_json(
    filter: Value,
    demand: &Demand,
    thresholds: &[f64],
    rows: &[(String, analysis::CoverageRow)],
) -> Value {
    let categories: Vec<Value> = rows
        .iter()
        .map(|(name, row)| {
            let mut v = json!(row);
            v["name"] = json!(name);
            v
        })
        .collect();
    json!({
        "filter": filter,
        "demand": demand_json(demand),
        "thresholds_m": thresholds,
        "population_total": demand.total(),
        "categories": categories,
    })
}

/// The coverage table as CSV: one row per category and threshold.
pub fn coverage_csv(rows: &[(String, analysis::CoverageRow)]) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "category",
        "sites",
        "threshold_m",
        "population_total",
        "population_within",
        "share_within",
        "population_beyond",
        "share_beyond",
    ])?;
    for (_, r) in rows {
        for t in &r.thresholds {
            w.write_record([
                r.category.clone(),
                r.sites.to_string(),
                t.threshold_m.to_string(),
                r.population_total.to_string(),
                t.population_within.to_string(),
                t.share_within.to_string(),
                t.population_beyond.to_string(),
                t.share_beyond.to_string(),
            ])?;
        }
    }
    finish(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_take_metres_or_kilometres() {
        assert_eq!(parse_distance("5km").unwrap(), 5_000.0);
        assert_eq!(parse_distance("1.5 km").unwrap(), 1_500.0);
        assert_eq!(parse_distance("800m").unwrap(), 800.0);
        assert_eq!(parse_distance("5000").unwrap(), 5_000.0);
        assert!(parse_distance("0").is_err());
        assert!(parse_distance("-5km").is_err());
        assert!(parse_distance("5 miles").is_err());
        assert!(parse_distance("2000km").is_err());
        assert_eq!(parse_distances("1km,2km,5000").unwrap(), vec![1_000.0, 2_000.0, 5_000.0]);
        assert!(parse_distances(&["1km"; 13].join(",")).is_err());
    }

    #[test]
    fn resolutions_stay_coarser_than_a_site() {
        assert_eq!(check_resolution(7).unwrap(), 7);
        assert!(check_resolution(9).unwrap_err().contains("confidential"));
        assert!(check_resolution(2).is_err());
    }

    #[test]
    fn candidates_are_tracts_or_categories() {
        assert_eq!(CandidateSpec::parse("tracts").unwrap(), CandidateSpec::Demand);
        assert_eq!(
            CandidateSpec::parse("library,faith").unwrap(),
            CandidateSpec::Categories(vec![
                Category::parse("library").unwrap(),
                Category::parse("faith").unwrap()
            ])
        );
        assert!(CandidateSpec::parse("libr ary").is_err());
    }
}
