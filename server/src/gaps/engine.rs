//! The search engine under gaps and coverage: the exact distance from every demand point to its
//! nearest site, for hundreds of thousands of points at once.
//!
//! Points are 3-D unit vectors (as in [`crate::search::index`]): the squared chord between two unit
//! vectors is strictly increasing in great-circle distance, so the nearest by chord *is* the
//! nearest on the sphere, and [`chord2_to_metres`](crate::domain::chord2_to_metres) turns the
//! answer into metres on the sphere of radius [`EARTH_RADIUS_M`](crate::domain::EARTH_RADIUS_M).
//! The squared chord is computed with the same formula as the live index, so both give the same
//! number to the last bit.
//!
//! Why a second structure beside the live R-trees: an analysis asks one question of one fixed
//! set of sites (a category after its filters) for every demand point, so it builds a static,
//! flat k-d tree over exactly those sites (a few milliseconds for 15,000) and answers with three
//! levers that together make it several times faster than one R-tree search per point:
//!
//! 1. demand points are visited in Hilbert-curve order ([`crate::search::curve::hilbert`]), so
//!    consecutive points are near each other and walk the same nodes while they are in cache;
//! 2. each search starts with the previous point's nearest site as its best-so-far: the distance
//!    from this point to that site is an upper bound on this point's nearest distance (a real
//!    site is that far), so almost every branch is pruned on the way down — and since only a
//!    strictly closer site can replace it, the answer stays exact;
//! 3. the work is cut into chunks that threads take in turn (no allocation per search).
//!
//! The k-d tree itself ([`crate::search::kdtree`]) is shared with the live index.

use std::sync::atomic::{AtomicUsize, Ordering};

pub use crate::search::kdtree::{dist2, PointTree};

/// Demand points per unit of work handed to a thread: large enough that the bound carried from
/// point to point stays useful, small enough that threads finish together.
const CHUNK: usize = 2048;

/// Squared chord from each query to its nearest point of `tree` (`f64::INFINITY` when the tree
/// is empty), written into `out` (same length as `queries`).
///
/// `queries` should be in Hilbert order (see the module docs): any order gives the same answer,
/// but that one is fast. Runs on `threads` threads (at least one).
pub fn nearest_all(tree: &PointTree, queries: &[[f64; 3]], out: &mut [f64], threads: usize) {
    assert_eq!(queries.len(), out.len(), "one answer per query");
    if tree.is_empty() {
        out.fill(f64::INFINITY);
        return;
    }
    let threads = threads.max(1).min(queries.len().div_ceil(CHUNK)).max(1);
    if threads == 1 {
        nearest_run(tree, queries, out);
        return;
    }
    // Chunks handed out in turn: a thread that drew dense (cheap) chunks takes more of them.
    let chunks: Vec<Chunk<'_>> = queries
        .chunks(CHUNK)
        .zip(out.chunks_mut(CHUNK))
        .map(|(q, o)| Chunk { queries: q, out: std::sync::Mutex::new(o) })
        .collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                while let Some(c) = chunks.get(next.fetch_add(1, Ordering::Relaxed)) {
                    // Each chunk is taken exactly once, so the lock is never contended.
                    let mut out = c.out.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    nearest_run(tree, c.queries, &mut out);
                }
            });
        }
    });
}

/// A run of consecutive queries and where their answers go.
struct Chunk<'a> {
    queries: &'a [[f64; 3]],
    out: std::sync::Mutex<&'a mut [f64]>,
}

/// One thread's run over consecutive queries, carrying the previous answer as the next bound.
fn nearest_run(tree: &PointTree, queries: &[[f64; 3]], out: &mut [f64]) {
    let mut hint = None;
    for (q, o) in queries.iter().zip(out.iter_mut()) {
        if let Some((d2, at)) = tree.nearest_from(q, hint) {
            *o = d2;
            hint = Some(at);
        }
    }
}

/// Threads worth using on this machine for one analysis: at most two (the deployment target
/// has two cores and the server has other requests to answer).
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::LonLat;
    use rand::{Rng, SeedableRng};

    fn random_points(n: usize, seed: u64) -> Vec<[f64; 3]> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        (0..n)
            .map(|i| {
                let (lon, lat) = match i % 3 {
                    // Clusters near the antimeridian and the poles, and uniform elsewhere.
                    0 => (
                        rng.gen_range(179.0..=180.0) * if rng.gen() { 1.0 } else { -1.0 },
                        rng.gen_range(50.0..56.0),
                    ),
                    1 => (rng.gen_range(-180.0..=180.0), rng.gen_range(85.0..=90.0)),
                    _ => {
                        let z: f64 = rng.gen_range(-1.0..=1.0);
                        (rng.gen_range(-180.0..=180.0), z.asin().to_degrees())
                    }
                };
                LonLat::new(lon, lat).unwrap().unit_vector()
            })
            .collect()
    }

    fn brute(sites: &[[f64; 3]], q: &[f64; 3]) -> f64 {
        sites.iter().map(|s| dist2(s, q)).fold(f64::INFINITY, f64::min)
    }

    #[test]
    fn nearest_all_equals_brute_force_bit_for_bit_in_any_order_and_thread_count() {
        let sites = random_points(3_000, 1);
        let tree = PointTree::new(sites.iter().enumerate().map(|(i, p)| (*p, i as u32)).collect());
        let mut queries = random_points(10_000, 2);
        let want: Vec<f64> = queries.iter().map(|q| brute(&sites, q)).collect();
        for threads in [1, 2, 3] {
            let mut out = vec![0.0; queries.len()];
            nearest_all(&tree, &queries, &mut out, threads);
            assert_eq!(out, want, "{threads} threads, random order");
        }
        // Hilbert order (the fast one) gives the same answers.
        let mut order: Vec<usize> = (0..queries.len()).collect();
        let keys: Vec<u64> = queries
            .iter()
            .map(|q| {
                crate::search::curve::hilbert(
                    LonLat::new(q[1].atan2(q[0]).to_degrees(), q[2].asin().to_degrees()).unwrap(),
                )
            })
            .collect();
        order.sort_by_key(|&i| keys[i]);
        queries = order.iter().map(|&i| queries[i]).collect();
        let mut out = vec![0.0; queries.len()];
        nearest_all(&tree, &queries, &mut out, 2);
        for (k, &i) in order.iter().enumerate() {
            assert_eq!(out[k], want[i]);
        }
    }

    #[test]
    fn every_hint_gives_the_same_answer_and_keys_follow_points() {
        let sites = random_points(500, 3);
        let tree = PointTree::new(sites.iter().enumerate().map(|(i, p)| (*p, i as u32 * 10)).collect());
        let mut rng = rand::rngs::StdRng::seed_from_u64(4);
        for q in random_points(200, 5) {
            let (want, at) = tree.nearest_from(&q, None).unwrap();
            assert_eq!(want, brute(&sites, &q));
            assert_eq!(dist2(&sites[(tree.key(at) / 10) as usize], &q), want);
            let hint = rng.gen_range(0..500);
            assert_eq!(tree.nearest_from(&q, Some(hint)).unwrap().0, want);
        }
    }

    #[test]
    fn within_finds_exactly_the_points_in_range_and_empty_trees_answer_nothing() {
        let sites = random_points(2_000, 6);
        let tree = PointTree::new(sites.iter().enumerate().map(|(i, p)| (*p, i as u32)).collect());
        for q in random_points(50, 7) {
            let limit = 0.05;
            let mut got = Vec::new();
            tree.within(&q, limit, &mut |at, _| got.push(tree.key(at)));
            got.sort_unstable();
            let want: Vec<u32> =
                (0..sites.len() as u32).filter(|&i| dist2(&sites[i as usize], &q) <= limit).collect();
            assert_eq!(got, want);
        }
        let empty = PointTree::new(Vec::new());
        assert!(empty.nearest_from(&[1.0, 0.0, 0.0], None).is_none());
        let mut out = vec![0.0; 3];
        nearest_all(&empty, &[[1.0, 0.0, 0.0]; 3], &mut out, 2);
        assert!(out.iter().all(|d| d.is_infinite()));
    }
}
