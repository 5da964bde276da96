//! Where one more partner would help most: greedy maximal coverage.
//!
//! Given the people beyond the threshold (uncovered points with their weights) and candidate
//! places, pick up to M places one at a time, each time the one that brings the most still-
//! uncovered people within the threshold. The greedy choice is the classic (1 − 1/e)
//! approximation of the best M places (finding the best set exactly is NP-hard), and it answers
//! the leader's actual question in order: "the first partner to recruit is here, covering N; with
//! it, the second is there, adding N₂ ...".
//!
//! Gains only shrink as places are chosen (coverage is submodular), so a candidate whose last
//! known gain is below the best fresh gain cannot win: the lazy evaluation (CELF) re-counts only
//! the candidates at the top of a heap. Ties go to the lower candidate number, so the result is
//! the same as re-counting every candidate every round ([`greedy_brute_force`] is the reference
//! the tests compare with).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::engine::{dist2, PointTree};

/// One chosen place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pick {
    /// Index into the candidate list.
    pub candidate: usize,
    /// People it brings within the threshold, given the places chosen before it.
    pub gain: u64,
}

/// Greedy maximal coverage: up to `m` candidates (unit vectors), each covering the uncovered
/// points (unit vector, weight) within squared chord `limit2`. Stops early when no candidate
/// adds anyone.
pub fn greedy(uncovered: &[([f64; 3], u64)], candidates: &[[f64; 3]], limit2: f64, m: usize) -> Vec<Pick> {
    if m == 0 || uncovered.is_empty() {
        return Vec::new();
    }
    let tree = PointTree::new(uncovered.iter().enumerate().map(|(i, (p, _))| (*p, i as u32)).collect());
    let mut covered = vec![false; uncovered.len()];
    let gain = |c: &[f64; 3], covered: &[bool]| {
        let mut g = 0u64;
        tree.within(c, limit2, &mut |at, _| {
            let k = tree.key(at) as usize;
            if !covered[k] {
                g += uncovered[k].1;
            }
        });
        g
    };
    // (gain, lowest index first, round the gain was counted in)
    let mut heap: BinaryHeap<(u64, Reverse<usize>, usize)> = candidates
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let g = gain(c, &covered);
            // A candidate that adds nobody now never will.
            (g > 0).then_some((g, Reverse(i), 0))
        })
        .collect();
    let mut picks = Vec::with_capacity(m);
    while picks.len() < m {
        let Some((g, Reverse(i), round)) = heap.pop() else { break };
        if round == picks.len() {
            picks.push(Pick { candidate: i, gain: g });
            tree.within(&candidates[i], limit2, &mut |at, _| covered[tree.key(at) as usize] = true);
            continue;
        }
        let fresh = gain(&candidates[i], &covered);
        if fresh > 0 {
            heap.push((fresh, Reverse(i), picks.len()));
        }
    }
    picks
}

/// The same choice, counting every candidate against every point every round: O(M·C·U).
/// The reference for tests.
pub fn greedy_brute_force(
    uncovered: &[([f64; 3], u64)],
    candidates: &[[f64; 3]],
    limit2: f64,
    m: usize,
) -> Vec<Pick> {
    let mut covered = vec![false; uncovered.len()];
    let mut picks = Vec::new();
    for _ in 0..m {
        let mut best: Option<Pick> = None;
        for (i, c) in candidates.iter().enumerate() {
            let g: u64 = uncovered
                .iter()
                .enumerate()
                .filter(|(k, (p, _))| !covered[*k] && dist2(c, p) <= limit2)
                .map(|(_, (_, w))| *w)
                .sum();
            if g > 0 && best.is_none_or(|b| g > b.gain) {
                best = Some(Pick { candidate: i, gain: g });
            }
        }
        let Some(b) = best else { break };
        for (k, (p, _)) in uncovered.iter().enumerate() {
            if dist2(&candidates[b.candidate], p) <= limit2 {
                covered[k] = true;
            }
        }
        picks.push(b);
    }
    picks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{metres_to_chord2, LonLat};
    use rand::{Rng, SeedableRng};

    fn at(lon: f64, lat: f64) -> [f64; 3] {
        LonLat::new(lon, lat).unwrap().unit_vector()
    }

    #[test]
    fn lazy_greedy_matches_brute_force_greedy_on_random_cases() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(42);
        for case in 0..40 {
            let n = rng.gen_range(1..150);
            // Small integer weights make ties common: the tie rule must agree too.
            let uncovered: Vec<([f64; 3], u64)> = (0..n)
                .map(|_| (at(rng.gen_range(-80.5..-80.0), rng.gen_range(25.4..25.9)), rng.gen_range(1..4)))
                .collect();
            let mut candidates: Vec<[f64; 3]> = uncovered.iter().map(|(p, _)| *p).collect();
            candidates.extend((0..20).map(|_| at(rng.gen_range(-80.5..-80.0), rng.gen_range(25.4..25.9))));
            let limit2 = metres_to_chord2(rng.gen_range(1_000.0..8_000.0));
            let m = rng.gen_range(0..8);
            assert_eq!(
                greedy(&uncovered, &candidates, limit2, m),
                greedy_brute_force(&uncovered, &candidates, limit2, m),
                "case {case}"
            );
        }
    }

    #[test]
    fn a_hand_made_case_picks_the_big_cluster_then_the_next() {
        // Three groups of people 20 km apart; 5 km threshold. West: 100 + 50; middle: 120;
        // east: 10. Candidates: one at each group, and one between west and middle (10 km from
        // each: covers nobody).
        let uncovered = vec![
            (at(-80.60, 25.70), 100),
            (at(-80.62, 25.70), 50),
            (at(-80.40, 25.70), 120),
            (at(-80.20, 25.70), 10),
        ];
        let candidates = vec![at(-80.50, 25.70), at(-80.20, 25.70), at(-80.61, 25.70), at(-80.40, 25.70)];
        let picks = greedy(&uncovered, &candidates, metres_to_chord2(5_000.0), 5);
        assert_eq!(
            picks,
            vec![
                Pick { candidate: 2, gain: 150 },
                Pick { candidate: 3, gain: 120 },
                Pick { candidate: 1, gain: 10 },
            ]
        );
    }
}
