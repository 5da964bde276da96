//! From nearest distances to answers: who is beyond the threshold, in which cells and counties,
//! the worst places, where to recruit, and the per-category coverage table.
//!
//! Every figure is a sum of whole people, so totals are exact and reproducible. A demand point
//! is *beyond* a threshold when its nearest matching site is farther than the threshold
//! (a site exactly at the threshold covers it).
//!
//! Confidential sites count toward coverage at their stand-ins (see [`crate::visibility::confidential`]):
//! the sites come from the spatial index, which holds them there. Nothing here can therefore
//! tell anyone where a shelter is, however the thresholds and demand points are chosen; and no
//! output carries a site position other than public sites named as candidates.

use std::collections::HashMap;

use h3o::{CellIndex, Resolution};
use serde::Serialize;
use serde_json::{json, Value};

use super::engine::{nearest_all, PointTree};
use super::suggest;
use crate::domain::{chord2_to_metres, metres_to_chord2, LonLat};
use crate::places::demand::{CountyNames, Demand, DemandSource};

/// A distance threshold, in metres and as the squared chord the engine compares with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Threshold {
    /// Metres on the sphere.
    pub m: f64,
    c2: f64,
}

impl Threshold {
    /// A threshold of `m` metres.
    pub fn new(m: f64) -> Self {
        Self { m, c2: metres_to_chord2(m) }
    }

    /// Squared chord of the threshold.
    pub fn chord2(&self) -> f64 {
        self.c2
    }
}

/// The sites that answer one question (a category after its filters), searched exactly. A
/// confidential site is among them at its stand-in (the index holds it there; see
/// [`crate::visibility::confidential`]), so nothing a gap analysis answers depends on its true point.
#[derive(Debug, Default)]
pub struct SiteSet {
    tree: PointTree,
}

impl SiteSet {
    /// Sites as unit vectors.
    pub fn new(points: Vec<[f64; 3]>) -> Self {
        Self { tree: PointTree::new(points.into_iter().enumerate().map(|(i, p)| (p, i as u32)).collect()) }
    }

    /// Number of sites.
    pub fn len(&self) -> usize {
        self.tree.len()
    }

    /// True when no site matches.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The nearest distance from every demand point (in the demand's order), on `threads`.
    pub fn nearest(&self, points: &[[f64; 3]], threads: usize) -> Nearest {
        let mut c2 = vec![0.0; points.len()];
        nearest_all(&self.tree, points, &mut c2, threads);
        Nearest { c2 }
    }
}

/// Nearest matching site of every demand point.
#[derive(Clone, Debug)]
pub struct Nearest {
    /// Squared chords (`INFINITY` where no site matches).
    c2: Vec<f64>,
}

impl Nearest {
    /// Nearest distances given directly as squared chords.
    pub fn from_chord2(c2: Vec<f64>) -> Self {
        Self { c2 }
    }

    /// Distance in metres from point `i` to its nearest site (`INFINITY` when none matches).
    pub fn metres(&self, i: usize) -> f64 {
        chord2_to_metres_or_inf(self.c2[i])
    }

    /// Whether point `i` has a site within `t` (inclusive).
    #[inline]
    pub fn within(&self, i: usize, t: &Threshold) -> bool {
        self.c2[i] <= t.c2
    }

    /// Weight beyond each threshold: `weights[i]` counted where point `i` is beyond.
    pub fn beyond(&self, weights: impl Fn(usize) -> u64, thresholds: &[Threshold]) -> Vec<u64> {
        let mut out = vec![0u64; thresholds.len()];
        for i in 0..self.c2.len() {
            for (k, t) in thresholds.iter().enumerate() {
                if !self.within(i, t) {
                    out[k] += weights(i);
                }
            }
        }
        out
    }
}

fn chord2_to_metres_or_inf(c2: f64) -> f64 {
    if c2.is_finite() {
        chord2_to_metres(c2)
    } else {
        f64::INFINITY
    }
}

/// `part / whole`, 0 when there is nobody.
pub fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Metres for display: a tenth of a metre, `null` for "no site at all".
fn shown(m: f64) -> Option<f64> {
    m.is_finite().then(|| (m * 10.0).round() / 10.0)
}

/// Population within and beyond one threshold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ThresholdRow {
    /// The threshold, metres.
    pub threshold_m: f64,
    /// People with a matching site within it.
    pub population_within: u64,
    /// Their share of the total.
    pub share_within: f64,
    /// People without.
    pub population_beyond: u64,
    /// Their share of the total.
    pub share_beyond: f64,
}

impl ThresholdRow {
    fn new(threshold_m: f64, beyond: u64, total: u64) -> Self {
        Self {
            threshold_m,
            population_within: total - beyond,
            share_within: share(total - beyond, total),
            population_beyond: beyond,
            share_beyond: share(beyond, total),
        }
    }
}

/// Population and distances summed over an area (a cell or a county).
#[derive(Clone, Copy, Debug, Default)]
struct Agg {
    population: u64,
    beyond: u64,
    /// Σ weight × distance, for the population-weighted mean.
    weighted_m: f64,
    max_m: f64,
}

impl Agg {
    fn add(&mut self, weight: u64, m: f64, beyond: bool) {
        self.population += weight;
        if beyond {
            self.beyond += weight;
        }
        self.weighted_m += weight as f64 * m;
        self.max_m = self.max_m.max(m);
    }

    fn json(&self) -> Value {
        json!({
            "population": self.population,
            "population_beyond": self.beyond,
            "share_beyond": share(self.beyond, self.population),
            "mean_distance_m": shown(self.weighted_m / self.population as f64),
            "max_distance_m": shown(self.max_m),
        })
    }
}

/// A demand point as a row: a tract (or an uploaded point) with its nearest distance.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlaceRow {
    /// Tract GEOID or the uploader's id.
    pub id: String,
    /// County FIPS, when known.
    pub county: Option<String>,
    /// Where (the tract's centre of population).
    pub lon: f64,
    /// Where.
    pub lat: f64,
    /// People.
    pub population: u64,
    /// Distance to the nearest matching site, metres (`null`: none matches).
    pub nearest_m: Option<f64>,
    /// Farther than the threshold.
    pub beyond: bool,
}

/// Where suggestions may go.
#[derive(Clone, Debug)]
pub enum Candidates {
    /// The demand points themselves (tract centres).
    Demand,
    /// Existing public sites (of other categories) that could host a service.
    Sites(Vec<CandidateSite>),
}

/// A public site offered as a place to recruit.
#[derive(Clone, Debug)]
pub struct CandidateSite {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its categories.
    pub categories: Vec<String>,
    /// Where it is.
    pub at: LonLat,
}

/// One suggestion: a place and the people it would bring within the threshold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Suggestion {
    /// Where.
    pub lon: f64,
    /// Where.
    pub lat: f64,
    /// People it adds, given the suggestions before it.
    pub population_covered: u64,
    /// People still beyond the threshold once it and those before it are recruited.
    pub population_beyond_after: u64,
    /// `tract`, `point` (an uploaded demand point) or `site`.
    pub kind: &'static str,
    /// Tract GEOID, point id or site id.
    pub id: String,
    /// The site's name (sites only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The site's categories (sites only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<String>>,
}

/// What a gap analysis is asked.
#[derive(Clone, Debug)]
pub struct GapOptions {
    /// The threshold cells, worst places and suggestions are about.
    pub threshold: Threshold,
    /// More thresholds for the summary (`by_threshold`).
    pub thresholds: Vec<Threshold>,
    /// H3 resolution of the cells.
    pub resolution: Resolution,
    /// How many worst places to list.
    pub top: usize,
    /// How many places to suggest.
    pub suggest: usize,
    /// Where suggestions may go.
    pub candidates: Candidates,
}

/// The answer to a gap question.
#[derive(Clone, Debug)]
pub struct GapReport {
    /// The threshold, metres.
    pub threshold_m: f64,
    /// People in the demand set.
    pub population_total: u64,
    /// People beyond the threshold.
    pub population_beyond: u64,
    /// Sites that match the question (public and confidential).
    pub sites: usize,
    /// Per extra threshold.
    pub by_threshold: Vec<ThresholdRow>,
    /// Cells: (H3 index, aggregate), by index.
    cells: Vec<(u64, Agg)>,
    /// Counties: (FIPS, aggregate), by FIPS.
    counties: Vec<(Option<u32>, Agg)>,
    /// Every point, worst first (beyond first, then most people, then farthest).
    pub places: Vec<PlaceRow>,
    /// How many of `places` are the worst list.
    pub top: usize,
    /// H3 resolution of `cells`.
    resolution: Resolution,
    /// Suggestions in the order chosen.
    pub suggestions: Vec<Suggestion>,
}

/// Runs a gap analysis over `demand` with the nearest distances already found.
pub fn gaps(demand: &Demand, nearest: &Nearest, sites: &SiteSet, o: &GapOptions) -> GapReport {
    let t = &o.threshold;
    let total = demand.total();
    let mut beyond = 0u64;
    let mut cells: HashMap<u64, Agg> = HashMap::new();
    let mut counties: HashMap<Option<u32>, Agg> = HashMap::new();
    let cell_of = demand.cells(o.resolution);
    let mut places = Vec::with_capacity(demand.len());
    let mut uncovered = Vec::new();
    for (i, &cell) in cell_of.iter().enumerate() {
        let (w, m, out) = (demand.weight(i), nearest.metres(i), !nearest.within(i, t));
        if out {
            beyond += w;
            uncovered.push((demand.unit_vectors()[i], w));
        }
        cells.entry(cell).or_default().add(w, m, out);
        counties.entry(demand.county(i)).or_default().add(w, m, out);
        let at = demand.at(i);
        places.push(PlaceRow {
            id: demand.id(i).to_owned(),
            county: demand.county(i).map(|c| format!("{c:05}")),
            lon: at.lon(),
            lat: at.lat(),
            population: w,
            nearest_m: shown(m),
            beyond: out,
        });
    }
    places.sort_by(|a, b| {
        b.beyond
            .cmp(&a.beyond)
            .then(b.population.cmp(&a.population))
            .then(b.nearest_m.unwrap_or(f64::INFINITY).total_cmp(&a.nearest_m.unwrap_or(f64::INFINITY)))
            .then(a.id.cmp(&b.id))
    });
    let top = places.iter().take(o.top).take_while(|p| p.beyond).count();
    let by_threshold = {
        let b = nearest.beyond(|i| demand.weight(i), &o.thresholds);
        o.thresholds.iter().zip(b).map(|(t, b)| ThresholdRow::new(t.m, b, total)).collect()
    };
    let mut cells: Vec<(u64, Agg)> = cells.into_iter().collect();
    cells.sort_by_key(|c| c.0);
    let mut counties: Vec<(Option<u32>, Agg)> = counties.into_iter().collect();
    counties.sort_by_key(|c| c.0.unwrap_or(u32::MAX));
    let suggestions = suggestions(demand, &uncovered, beyond, o);
    GapReport {
        threshold_m: t.m,
        population_total: total,
        population_beyond: beyond,
        sites: sites.len(),
        by_threshold,
        cells,
        counties,
        places,
        top,
        resolution: o.resolution,
        suggestions,
    }
}

fn suggestions(
    demand: &Demand,
    uncovered: &[([f64; 3], u64)],
    beyond: u64,
    o: &GapOptions,
) -> Vec<Suggestion> {
    let kind = match demand.source {
        DemandSource::Census { .. } => "tract",
        DemandSource::Upload { .. } => "point",
    };
    // Candidates as (unit vector, describe).
    let (points, describe): (Vec<[f64; 3]>, Vec<Suggestion>) = match &o.candidates {
        Candidates::Demand => (0..demand.len())
            .map(|i| {
                let at = demand.at(i);
                let s = Suggestion {
                    lon: at.lon(),
                    lat: at.lat(),
                    population_covered: 0,
                    population_beyond_after: 0,
                    kind,
                    id: demand.id(i).to_owned(),
                    name: None,
                    categories: None,
                };
                (demand.unit_vectors()[i], s)
            })
            .unzip(),
        Candidates::Sites(list) => list
            .iter()
            .map(|c| {
                let s = Suggestion {
                    lon: c.at.lon(),
                    lat: c.at.lat(),
                    population_covered: 0,
                    population_beyond_after: 0,
                    kind: "site",
                    id: c.id.clone(),
                    name: Some(c.name.clone()),
                    categories: Some(c.categories.clone()),
                };
                (c.at.unit_vector(), s)
            })
            .unzip(),
    };
    let mut left = beyond;
    suggest::greedy(uncovered, &points, o.threshold.chord2(), o.suggest)
        .into_iter()
        .map(|p| {
            left -= p.gain;
            Suggestion {
                population_covered: p.gain,
                population_beyond_after: left,
                ..describe[p.candidate].clone()
            }
        })
        .collect()
}

impl GapReport {
    /// Share of the population beyond the threshold.
    pub fn share_beyond(&self) -> f64 {
        share(self.population_beyond, self.population_total)
    }

    /// The worst places: up to `top` points beyond the threshold, most people first.
    pub fn worst(&self) -> &[PlaceRow] {
        &self.places[..self.top]
    }

    /// The cells as a GeoJSON FeatureCollection (id = H3 index), serialised. `shapes` is the
    /// demand set the analysis ran on, or the one it was narrowed from (its cells include all
    /// of the narrowed set's): the cell outlines come from its cache.
    pub fn cells_geojson(&self, shapes: &Demand) -> String {
        let shapes = shapes.cell_shapes(self.resolution);
        let mut out = String::with_capacity(64 + self.cells.len() * 420);
        out.push_str(r#"{"type":"FeatureCollection","features":["#);
        let mut first = true;
        for (h3, agg) in &self.cells {
            let Some(cell) = CellIndex::try_from(*h3).ok() else { continue };
            let geometry =
                shapes.get(h3).cloned().unwrap_or_else(|| crate::places::cells::geometry(cell).to_string());
            if !first {
                out.push(',');
            }
            first = false;
            let mut props = agg.json();
            props["h3"] = json!(cell.to_string());
            out.push_str(&format!(
                r#"{{"type":"Feature","id":"{cell}","geometry":{geometry},"properties":{props}}}"#
            ));
        }
        out.push_str("]}");
        out
    }

    /// Cells as rows (`h3` and the aggregate fields).
    pub fn cell_rows(&self) -> Vec<Value> {
        self.cells
            .iter()
            .filter_map(|(h3, agg)| {
                let mut v = agg.json();
                v["h3"] = json!(CellIndex::try_from(*h3).ok()?.to_string());
                Some(v)
            })
            .collect()
    }

    /// Counties as rows, with names where known.
    pub fn county_rows(&self, names: &CountyNames) -> Vec<Value> {
        self.counties
            .iter()
            .map(|(fips, agg)| {
                let mut v = agg.json();
                let named = fips.and_then(|f| names.get(f));
                v["fips"] = json!(fips.map(|f| format!("{f:05}")));
                v["name"] = json!(named.map(|n| n.0));
                v["state"] = json!(named.map(|n| n.1));
                v
            })
            .collect()
    }
}

/// One row of the coverage table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CoverageRow {
    /// Category slug.
    pub category: String,
    /// Sites that match (public and confidential).
    pub sites: usize,
    /// People in the demand set.
    pub population_total: u64,
    /// One entry per threshold, in the order asked.
    pub thresholds: Vec<ThresholdRow>,
}

/// The coverage row of one category: population within and beyond each threshold.
pub fn coverage_row(
    category: &str,
    demand: &Demand,
    sites: &SiteSet,
    thresholds: &[Threshold],
    threads: usize,
) -> CoverageRow {
    let nearest = sites.nearest(demand.unit_vectors(), threads);
    let total = demand.total();
    let beyond = nearest.beyond(|i| demand.weight(i), thresholds);
    CoverageRow {
        category: category.to_owned(),
        sites: sites.len(),
        population_total: total,
        thresholds: thresholds.iter().zip(beyond).map(|(t, b)| ThresholdRow::new(t.m, b, total)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::places::demand::DemandPoint;

    fn at(lon: f64, lat: f64) -> LonLat {
        LonLat::new(lon, lat).unwrap()
    }

    fn options(threshold_m: f64, resolution: Resolution, suggest: usize) -> GapOptions {
        GapOptions {
            threshold: Threshold::new(threshold_m),
            thresholds: vec![],
            resolution,
            top: 10,
            suggest,
            candidates: Candidates::Demand,
        }
    }

    fn point(id: &str, lon: f64, lat: f64, weight: u64, county: u32) -> DemandPoint {
        DemandPoint { id: id.into(), at: at(lon, lat), weight, county: Some(county), languages: vec![] }
    }

    /// A scenario small enough to work out by hand, on the equator where a degree of longitude
    /// is R·π/180 = 111,195.08 m, so 0.01° = 1,111.95 m.
    ///
    /// Sites: a clinic at (0, 0) and another at (0.10, 0).
    /// People: A at (0.03, 0): 3,335.9 m from the clinic          → 100 people
    ///         B at (0.06, 0): 6,671.7 m from the clinic; 4,447.8 m from the other → 200 people
    ///         C at (0.20, 0): 11,119.5 m from the other; 22,239.0 from the clinic → 300 people
    ///         D at (0.00, 0.05): 5,559.8 m north of the clinic   → 400 people
    /// At 5 km: beyond are C (300) and D (400): 700 of 1,000.
    #[test]
    fn a_hand_worked_scenario() {
        let demand = Demand::new(
            DemandSource::Census { service_area: crate::places::demand::ServiceArea::All },
            vec![
                point("A", 0.03, 0.0, 100, 1001),
                point("B", 0.06, 0.0, 200, 1001),
                point("C", 0.20, 0.0, 300, 1003),
                point("D", 0.0, 0.05, 400, 1003),
            ],
            0,
        );
        let sites = SiteSet::new(vec![at(0.0, 0.0).unit_vector(), at(0.10, 0.0).unit_vector()]);
        let nearest = sites.nearest(demand.unit_vectors(), 1);
        let by_id = |id: &str| (0..demand.len()).find(|&i| demand.id(i) == id).unwrap();
        assert!((nearest.metres(by_id("A")) - 3_335.85).abs() < 0.01);
        assert!((nearest.metres(by_id("B")) - 4_447.80).abs() < 0.01);
        assert!((nearest.metres(by_id("C")) - 11_119.51).abs() < 0.01);
        assert!((nearest.metres(by_id("D")) - 5_559.75).abs() < 0.01);

        let o = GapOptions {
            thresholds: [1_000.0, 4_500.0, 5_000.0, 6_000.0, 12_000.0].map(Threshold::new).to_vec(),
            ..options(5_000.0, Resolution::Five, 3)
        };
        let r = gaps(&demand, &nearest, &sites, &o);
        assert_eq!((r.population_total, r.population_beyond), (1_000, 700));
        assert!((r.share_beyond() - 0.7).abs() < 1e-12);
        let beyond: Vec<u64> = r.by_threshold.iter().map(|t| t.population_beyond).collect();
        // 1 km: everyone; 4.5 km: B is covered at 4,448 m, A at 3,336 m;
        // 6 km: D too; 12 km: C too.
        assert_eq!(beyond, vec![1_000, 700, 700, 300, 0]);
        let worst: Vec<(&str, Option<f64>)> =
            r.worst().iter().map(|p| (p.id.as_str(), p.nearest_m)).collect();
        assert_eq!(worst, vec![("D", Some(5_559.8)), ("C", Some(11_119.5))]);
        // Counties: 01001 has A and B (both covered), 01003 has C and D.
        let names = CountyNames::default();
        let counties = r.county_rows(&names);
        assert_eq!(counties[0]["fips"], "01001");
        assert_eq!(counties[0]["population_beyond"], 0);
        assert_eq!(counties[0]["max_distance_m"], 4_447.8);
        // (100 × 3,335.85 + 200 × 4,447.80) / 300 = 4,077.15
        assert!((counties[0]["mean_distance_m"].as_f64().unwrap() - 4_077.15).abs() < 0.06);
        assert_eq!(counties[1]["population_beyond"], 700);
        // Suggestions among the tract centres at 5 km: D's own centre brings D (400); then C's
        // brings C (300); nobody is left.
        let s: Vec<(&str, u64, u64)> = r
            .suggestions
            .iter()
            .map(|s| (s.id.as_str(), s.population_covered, s.population_beyond_after))
            .collect();
        assert_eq!(s, vec![("D", 400, 300), ("C", 300, 0)]);
        // Cells at resolution 5 (~250 km²) cover all four points in one or two cells, with the
        // same totals.
        let cells: Value = serde_json::from_str(&r.cells_geojson(&demand)).unwrap();
        let pop: u64 = cells["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["properties"]["population"].as_u64().unwrap())
            .sum();
        assert_eq!(pop, 1_000);
    }

    #[test]
    fn no_matching_site_means_everyone_is_beyond_with_no_distance() {
        let demand =
            Demand::new(DemandSource::Upload { name: "x".into() }, vec![point("A", 0.0, 0.0, 5, 1001)], 0);
        let sites = SiteSet::default();
        let nearest = sites.nearest(demand.unit_vectors(), 2);
        let o = options(5_000.0, Resolution::Seven, 1);
        let r = gaps(&demand, &nearest, &sites, &o);
        assert_eq!(r.population_beyond, 5);
        assert_eq!(r.worst()[0].nearest_m, None);
        assert_eq!(r.cell_rows()[0]["mean_distance_m"], Value::Null);
        assert_eq!(r.suggestions[0].kind, "point");
        assert_eq!(r.suggestions[0].population_covered, 5);
    }
}
