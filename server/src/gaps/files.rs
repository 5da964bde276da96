//! Coverage straight from files, with no database — for analysts, and for side-by-side
//! measurement against other tools:
//! `assetmap coverage --sites SITES.csv --demand DEMAND.csv --thresholds 5000`.
//!
//! SITES has `id,category,lon,lat`; DEMAND has `id,population,lon,lat` (or the upload format,
//! `id,lon,lat,weight`). The answer is, per category, the population total and the population
//! whose nearest site of the category is farther than each threshold. The computation is timed
//! apart from loading, in three parts: building the per-category trees, ordering the demand
//! along the Hilbert curve, and the searches with their sums.

use std::time::{Duration, Instant};

use super::analysis::Threshold;
use super::engine::{nearest_all, PointTree};
use crate::places::demand::DemandPoint;
use crate::search::batch::PointRow;

/// The demand, ordered for the engine.
#[derive(Debug, Default)]
pub struct OrderedDemand {
    /// Unit vectors in Hilbert order.
    pub units: Vec<[f64; 3]>,
    /// Weights, aligned with `units`.
    pub weights: Vec<u64>,
}

impl OrderedDemand {
    /// Orders the points along the Hilbert curve.
    pub fn new(points: &[DemandPoint]) -> Self {
        let mut keyed: Vec<(u64, u32)> =
            points.iter().enumerate().map(|(i, p)| (crate::search::curve::hilbert(p.at), i as u32)).collect();
        keyed.sort_unstable();
        Self {
            units: keyed.iter().map(|&(_, i)| points[i as usize].at.unit_vector()).collect(),
            weights: keyed.iter().map(|&(_, i)| points[i as usize].weight).collect(),
        }
    }

    /// Total weight.
    pub fn total(&self) -> u64 {
        self.weights.iter().sum()
    }
}

/// One tree per category, categories sorted by name.
pub fn index_sites(sites: &[PointRow]) -> Vec<(String, PointTree)> {
    let mut by_cat: std::collections::BTreeMap<&str, Vec<([f64; 3], u32)>> = Default::default();
    for (i, s) in sites.iter().enumerate() {
        by_cat.entry(s.category.as_str()).or_default().push((s.at.unit_vector(), i as u32));
    }
    by_cat.into_iter().map(|(c, pts)| (c.to_owned(), PointTree::new(pts))).collect()
}

/// Population beyond each threshold, for one category's tree.
pub fn beyond(
    tree: &PointTree,
    demand: &OrderedDemand,
    thresholds: &[Threshold],
    threads: usize,
    scratch: &mut Vec<f64>,
) -> Vec<u64> {
    scratch.resize(demand.units.len(), 0.0);
    nearest_all(tree, &demand.units, scratch, threads);
    let mut out = vec![0u64; thresholds.len()];
    for (d2, w) in scratch.iter().zip(&demand.weights) {
        for (k, t) in thresholds.iter().enumerate() {
            if *d2 > t.chord2() {
                out[k] += w;
            }
        }
    }
    out
}

/// The answer for one category.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Category as written in the sites file.
    pub category: String,
    /// Sites of the category.
    pub sites: usize,
    /// Population beyond each threshold, in the order given.
    pub beyond: Vec<u64>,
}

/// Time spent, loading excluded.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timing {
    /// Building the per-category trees.
    pub index: Duration,
    /// Ordering the demand along the Hilbert curve.
    pub order: Duration,
    /// The nearest searches and the sums.
    pub search: Duration,
}

impl Timing {
    /// All of it.
    pub fn total(&self) -> Duration {
        self.index + self.order + self.search
    }
}

/// Coverage per category from loaded files: (rows, total population, timing).
pub fn coverage(
    sites: &[PointRow],
    demand: &[DemandPoint],
    thresholds_m: &[f64],
    threads: usize,
) -> (Vec<Row>, u64, Timing) {
    let thresholds: Vec<Threshold> = thresholds_m.iter().map(|m| Threshold::new(*m)).collect();
    let started = Instant::now();
    let trees = index_sites(sites);
    let index = started.elapsed();
    let started = Instant::now();
    let ordered = OrderedDemand::new(demand);
    let order = started.elapsed();
    let started = Instant::now();
    let mut scratch = Vec::new();
    let rows = trees
        .iter()
        .map(|(c, tree)| Row {
            category: c.clone(),
            sites: tree.len(),
            beyond: beyond(tree, &ordered, &thresholds, threads, &mut scratch),
        })
        .collect();
    let search = started.elapsed();
    (rows, ordered.total(), Timing { index, order, search })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Category, LonLat};

    #[test]
    fn files_give_population_beyond_per_category() {
        let site = |id: &str, c: &str, lon: f64| PointRow {
            id: id.into(),
            category: Category::parse(c).unwrap(),
            at: LonLat::new(lon, 0.0).unwrap(),
        };
        let person = |lon: f64, weight: u64| DemandPoint {
            id: format!("{lon}"),
            at: LonLat::new(lon, 0.0).unwrap(),
            weight,
            county: None,
            languages: vec![],
        };
        // 0.01° of longitude on the equator = 1,111.95 m.
        let sites = vec![site("a", "legal", 0.0), site("b", "health", 0.1)];
        let demand = vec![person(0.04, 10), person(0.05, 20), person(0.1, 30)];
        let (rows, total, _) = coverage(&sites, &demand, &[5_000.0, 6_000.0], 2);
        assert_eq!(total, 60);
        // health: 6,671.7 m (out at both), 5,559.8 m (out at 5 km, in at 6 km), 0 m (in)
        assert_eq!(rows[0], Row { category: "health".into(), sites: 1, beyond: vec![30, 10] });
        // legal: 4,447.8 m (in), 5,559.8 m (out at 5 km, in at 6 km), 11,119.5 m (out)
        assert_eq!(rows[1], Row { category: "legal".into(), sites: 1, beyond: vec![50, 30] });
    }
}
