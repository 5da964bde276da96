//! k = 5 nearest with a category filter, in-process, one core.
//!
//!     cargo bench -p assetmap --bench nearest
//!
//! Inputs: ../shared/bench/gen_data.py (50,000 sites, 10,000 queries; and 100,000 sites). The
//! reference, measured in the same run on the same points, is rstar's own
//! `nearest_neighbor_iter` (best-first with a heap) taking 5, over one bulk-loaded R-tree of unit
//! vectors per category (the structure the index used before its packed k-d trees). The
//! 50,000-site answer is checked against the published exact sum of distances (896,833.126 km).
//!
//! `BENCH_ONLY=ours` skips the reference (for `valgrind --tool=callgrind`, which counts
//! instructions and so stays comparable on a busy machine).

mod common;

use std::time::{Duration, Instant};

use assetmap::domain::{chord2_to_metres, Category};
use assetmap::search::index::{Attrs, Filter, Hit, Item, Params, SpatialIndex};
use common::{bench_data, median, points, timed};
use rstar::primitives::GeomWithData;
use rstar::RTree;

const RUNS: usize = 15;

type RefEntry = GeomWithData<[f64; 3], u32>;
type Reference = RTree<RefEntry, Params>;

fn main() {
    let only_ours = std::env::var("BENCH_ONLY").is_ok_and(|v| v == "ours");
    let runs = if only_ours { 2 } else { RUNS };
    for partners in [50_000, 100_000] {
        let dir = bench_data(partners);
        let sites = points(&dir.join("partners.csv"));
        let queries = points(&dir.join("queries.csv"));
        let built = Instant::now();
        let index = SpatialIndex::bulk_load(
            sites
                .iter()
                .map(|s| Item {
                    key: s.id.clone(),
                    at: s.at,
                    categories: vec![s.category.clone()],
                    attrs: Attrs::default(),
                })
                .collect(),
        );
        let build = built.elapsed();
        let mut by_category: Vec<(Category, Vec<RefEntry>)> = Vec::new();
        for (i, s) in sites.iter().enumerate() {
            let e = GeomWithData::new(s.at.unit_vector(), i as u32);
            match by_category.iter_mut().find(|(c, _)| *c == s.category) {
                Some((_, v)) => v.push(e),
                None => by_category.push((s.category.clone(), vec![e])),
            }
        }
        let rtrees: Vec<(Category, Reference)> =
            by_category.into_iter().map(|(c, v)| (c, Reference::bulk_load_with_params(v))).collect();
        let qs: Vec<([f64; 3], Category, assetmap::domain::LonLat)> =
            queries.iter().map(|q| (q.at.unit_vector(), q.category.clone(), q.at)).collect();
        let filter = Filter::default();
        let mut hits: Vec<Hit> = Vec::with_capacity(5);

        // Ours: the path the API takes.
        let mut sum_m = 0.0;
        let (mut ours, mut ours_cpu) = (Vec::new(), Vec::new());
        for run in 0..=runs {
            let mut s = 0.0;
            let (wall, cpu) = timed(|| {
                for (_, c, at) in &qs {
                    index.nearest(*at, Some(c), 5, None, &filter, &mut hits);
                    s += hits.iter().map(Hit::distance_m).sum::<f64>();
                }
            });
            if run > 0 {
                ours.push(wall);
                ours_cpu.push(cpu);
            }
            sum_m = s;
        }
        // Reference: rstar's own iterator over R-trees of the same points.
        let (mut reference, mut reference_cpu) = (Vec::new(), Vec::new());
        let mut ref_sum = 0.0;
        for run in 0..=if only_ours { 0 } else { runs } {
            let mut s = 0.0;
            let (wall, cpu) = timed(|| {
                for (q, c, _) in &qs {
                    let tree = &rtrees.iter().find(|(x, _)| x == c).unwrap().1;
                    s += tree
                        .nearest_neighbor_iter_with_distance_2(q)
                        .take(5)
                        .map(|(_, d2)| chord2_to_metres(d2))
                        .sum::<f64>();
                }
            });
            if run > 0 {
                reference.push(wall);
                reference_cpu.push(cpu);
            }
            ref_sum = s;
        }
        if only_ours {
            reference.push(Duration::MAX);
            reference_cpu.push(Duration::MAX);
            ref_sum = sum_m;
        }
        let qps = |d: Duration| qs.len() as f64 / d.as_secs_f64();
        println!("{partners} sites, {} queries, k=5, one core (median of {runs} runs):", qs.len());
        println!("  index build (bulk load):        {:>8.1} ms", build.as_secs_f64() * 1e3);
        println!(
            "  assetmap nearest:                      {:>9.0} queries/s wall, {:>9.0} per CPU-second",
            qps(median(ours)),
            qps(median(ours_cpu))
        );
        println!(
            "  reference rstar nearest_neighbor_iter: {:>9.0} queries/s wall, {:>9.0} per CPU-second",
            qps(median(reference)),
            qps(median(reference_cpu))
        );
        println!("  sum of distances: {:.3} km (reference {:.3} km)", sum_m / 1000.0, ref_sum / 1000.0);
        assert!((sum_m - ref_sum).abs() < 1.0, "both answers agree");
        if partners == 50_000 {
            assert!((sum_m / 1000.0 - 896_833.126).abs() < 0.001, "the published exact answer");
            println!("  matches the published exact answer 896,833.126 km");
        }
        if !only_ours {
            writes(index, &sites);
        }
    }
}

/// Writes in place: every site moved once (a fifth of a degree east), timing each upsert. Most
/// are an R-tree insert and a k-d tree strike-out; every eighth of a category, a write also
/// rebuilds that category's packed tree (and of all sites), which is the longest one.
fn writes(mut index: SpatialIndex<String>, sites: &[assetmap::search::batch::PointRow]) {
    let mut times = Vec::with_capacity(sites.len());
    for s in sites {
        let at = assetmap::domain::LonLat::new((s.at.lon() + 180.2).rem_euclid(360.0) - 180.0, s.at.lat())
            .unwrap();
        let item =
            Item { key: s.id.clone(), at, categories: vec![s.category.clone()], attrs: Attrs::default() };
        let t = Instant::now();
        index.upsert(item);
        times.push(t.elapsed());
    }
    times.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "  {} moves in place: median {:.1} µs, 99th percentile {:.1} µs, longest {:.1} ms (a rebuild)",
        times.len(),
        us(times[times.len() / 2]),
        us(times[times.len() * 99 / 100]),
        us(times[times.len() - 1]) / 1000.0
    );
}
