//! A static, flat k-d tree over 3-D unit vectors: the search structure under both the live
//! nearest index ([`crate::search::index`], one tree per category plus a small dynamic overlay) and
//! the gap analyses ([`crate::gaps::engine`], one tree per question).
//!
//! Points are unit vectors: the squared chord between two of them is strictly increasing in
//! great-circle distance, so the nearest by chord *is* the nearest on the sphere — exactly, with
//! no special case at the antimeridian or the poles. Every distance is [`dist2`], the same
//! formula term for term wherever it is computed, so all structures agree to the last bit.
//!
//! Layout: nodes in depth-first order (the left child is the next node, the right child is
//! named), points and keys in two arrays in leaf order, so a search walks memory forwards. While
//! descending, the search keeps the distance from the query to the current cell along each axis
//! (the incremental bound of Arya & Mount, as in nanoflann), which prunes far cells more tightly
//! than the distance to the splitting plane alone.
//!
//! What a search keeps is up to a [`Search`]: the nearest one, the k nearest that pass a filter,
//! or everything within a distance — one walk, no duplicated traversal code.
//!
//! The tree never moves a point, but a point can be *removed in place* ([`PointTree::remove`]):
//! its coordinates become infinite, so no distance to it is ever below any bound and every
//! search skips it without a test of its own.

/// Largest number of points in a leaf: small leaves prune better, larger ones scan faster and
/// make the tree shallower (16 measured best on the bench inputs for 1- and 5-nearest, against
/// 8 and 32).
const LEAF: usize = 16;
/// Marks a leaf in [`Node::dim`].
const LEAF_DIM: u8 = 3;
/// Coordinates of a removed point: infinitely far from everything.
const GONE: [f64; 3] = [f64::INFINITY; 3];

#[derive(Clone, Copy, Debug)]
struct Node {
    /// Splitting coordinate (inner nodes): points left of it are `<=`, right of it `>=`.
    split: f64,
    /// Points of a leaf: `pts[start..end]`.
    start: u32,
    end: u32,
    /// Index of the right child; the left child is the next node.
    right: u32,
    /// Axis of the split, or [`LEAF_DIM`].
    dim: u8,
}

/// A static k-d tree over unit vectors, each with a `u32` key.
#[derive(Clone, Debug, Default)]
pub struct PointTree {
    nodes: Vec<Node>,
    pts: Vec<[f64; 3]>,
    keys: Vec<u32>,
    removed: usize,
}

/// Squared chord between two unit vectors (the one formula of every index, term for term).
#[inline(always)]
pub fn dist2(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    let (x, y, z) = (a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    x * x + y * y + z * z
}

/// What a walk over the tree keeps.
pub trait Search {
    /// Cells and points at a squared chord not below this are skipped (exclusive bound).
    fn bound(&self) -> f64;
    /// A point below the bound: its position in the tree, its key and its squared chord.
    fn offer(&mut self, at: u32, key: u32, d2: f64);
}

/// The single nearest point: `(squared chord, position)`.
#[derive(Clone, Copy, Debug)]
struct Nearest {
    d2: f64,
    at: u32,
}

impl Search for Nearest {
    #[inline(always)]
    fn bound(&self) -> f64 {
        self.d2
    }
    #[inline(always)]
    fn offer(&mut self, at: u32, _key: u32, d2: f64) {
        *self = Nearest { d2, at };
    }
}

/// Everything within an inclusive squared chord.
struct Within<'a, F> {
    bound: f64,
    found: &'a mut F,
}

impl<F: FnMut(u32, f64)> Search for Within<'_, F> {
    #[inline(always)]
    fn bound(&self) -> f64 {
        self.bound
    }
    #[inline(always)]
    fn offer(&mut self, at: u32, _key: u32, d2: f64) {
        (self.found)(at, d2);
    }
}

impl PointTree {
    /// Builds the tree (O(n log n): median splits on the widest axis).
    pub fn new(mut items: Vec<([f64; 3], u32)>) -> Self {
        let mut nodes = Vec::with_capacity(2 * items.len() / LEAF + 1);
        if !items.is_empty() {
            build(&mut items, 0, &mut nodes);
        }
        let (pts, keys) = items.into_iter().unzip();
        Self { nodes, pts, keys, removed: 0 }
    }

    /// Number of points still in the tree.
    pub fn len(&self) -> usize {
        self.pts.len() - self.removed
    }

    /// True when the tree holds no point.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of points removed in place since the tree was built.
    pub fn removed(&self) -> usize {
        self.removed
    }

    /// The key of the point stored at `at` (a position a search returned).
    pub fn key(&self, at: u32) -> u32 {
        self.keys[at as usize]
    }

    /// Position of the point stored at `at`.
    pub fn point(&self, at: u32) -> &[f64; 3] {
        &self.pts[at as usize]
    }

    /// Every point still in the tree, with its key, in storage order.
    pub fn iter(&self) -> impl Iterator<Item = (&[f64; 3], u32)> + '_ {
        self.pts.iter().zip(self.keys.iter().copied()).filter(|(p, _)| **p != GONE)
    }

    /// Removes the point `p` with key `key` in place (O(log n)); false if it is not there.
    pub fn remove(&mut self, p: &[f64; 3], key: u32) -> bool {
        if self.nodes.is_empty() {
            return false;
        }
        let found = self.find(0, p, key);
        if let Some(i) = found {
            self.pts[i] = GONE;
            self.removed += 1;
        }
        found.is_some()
    }

    fn find(&self, n: usize, p: &[f64; 3], key: u32) -> Option<usize> {
        let node = self.nodes[n];
        if node.dim == LEAF_DIM {
            return (node.start as usize..node.end as usize)
                .find(|&i| self.keys[i] == key && self.pts[i] == *p);
        }
        let c = p[node.dim as usize];
        // Points equal to the split may lie on either side.
        (c <= node.split)
            .then(|| self.find(n + 1, p, key))
            .flatten()
            .or_else(|| (c >= node.split).then(|| self.find(node.right as usize, p, key)).flatten())
    }

    /// Walks the tree from `q`, offering `s` every point below its bound, near cells first.
    #[inline]
    pub fn search(&self, q: &[f64; 3], s: &mut impl Search) {
        if !self.nodes.is_empty() {
            self.visit(0, q, 0.0, &mut [0.0; 3], s);
        }
    }

    fn visit(&self, n: usize, q: &[f64; 3], cell_d2: f64, off: &mut [f64; 3], s: &mut impl Search) {
        let node = self.nodes[n];
        if node.dim == LEAF_DIM {
            let (start, end) = (node.start as usize, node.end as usize);
            for (i, p) in self.pts[start..end].iter().enumerate() {
                let d2 = dist2(p, q);
                if d2 < s.bound() {
                    let at = start + i;
                    s.offer(at as u32, self.keys[at], d2);
                }
            }
            return;
        }
        let d = node.dim as usize;
        let diff = q[d] - node.split;
        let (near, far) =
            if diff < 0.0 { (n + 1, node.right as usize) } else { (node.right as usize, n + 1) };
        self.visit(near, q, cell_d2, off, s);
        // The far cell lies at least |diff| away along this axis; along the others, as far as
        // the current cell.
        let old = off[d];
        let far_d2 = cell_d2 - old * old + diff * diff;
        if far_d2 < s.bound() {
            off[d] = diff;
            self.visit(far, q, far_d2, off, s);
            off[d] = old;
        }
    }

    /// The nearest point to `q`: `(squared chord, position in the tree)`, or `None` when the
    /// tree is empty. `hint` is a position in the tree (typically the previous query's answer)
    /// whose distance seeds the search as an upper bound; any position of a point still in the
    /// tree gives the same answer.
    #[inline]
    pub fn nearest_from(&self, q: &[f64; 3], hint: Option<u32>) -> Option<(f64, u32)> {
        if self.is_empty() {
            return None;
        }
        let mut best = match hint {
            Some(at) => Nearest { d2: dist2(&self.pts[at as usize], q), at },
            None => Nearest { d2: f64::INFINITY, at: 0 },
        };
        self.search(q, &mut best);
        Some((best.d2, best.at))
    }

    /// Calls `found(position, squared chord)` for every point within squared chord `limit2`
    /// (inclusive) of `q`.
    pub fn within(&self, q: &[f64; 3], limit2: f64, found: &mut impl FnMut(u32, f64)) {
        self.search(q, &mut Within { bound: limit2.next_up(), found });
    }
}

fn build(items: &mut [([f64; 3], u32)], offset: usize, nodes: &mut Vec<Node>) -> u32 {
    let me = nodes.len();
    let leaf = Node {
        split: 0.0,
        start: offset as u32,
        end: (offset + items.len()) as u32,
        right: 0,
        dim: LEAF_DIM,
    };
    nodes.push(leaf);
    if items.len() <= LEAF {
        return me as u32;
    }
    let mut lo = [f64::INFINITY; 3];
    let mut hi = [f64::NEG_INFINITY; 3];
    for (p, _) in items.iter() {
        for a in 0..3 {
            lo[a] = lo[a].min(p[a]);
            hi[a] = hi[a].max(p[a]);
        }
    }
    let dim = (0..3).max_by(|&a, &b| (hi[a] - lo[a]).total_cmp(&(hi[b] - lo[b]))).unwrap_or(0);
    let mid = items.len() / 2;
    items.select_nth_unstable_by(mid, |a, b| a.0[dim].total_cmp(&b.0[dim]));
    let split = items[mid].0[dim];
    let (left, right) = items.split_at_mut(mid);
    build(left, offset, nodes);
    let r = build(right, offset + mid, nodes);
    nodes[me] = Node { split, right: r, dim: dim as u8, ..leaf };
    me as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::LonLat;
    use rand::{Rng, SeedableRng};

    fn random_points(n: usize, seed: u64) -> Vec<[f64; 3]> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        (0..n)
            .map(|_| {
                let z: f64 = rng.gen_range(-1.0..=1.0);
                LonLat::new(rng.gen_range(-180.0..=180.0), z.asin().to_degrees()).unwrap().unit_vector()
            })
            .collect()
    }

    #[test]
    fn removed_points_are_never_found_and_the_rest_still_are() {
        // Duplicates on purpose: equal coordinates straddle splits.
        let mut sites = random_points(1_500, 8);
        sites.extend_from_within(..500);
        let mut tree = PointTree::new(sites.iter().enumerate().map(|(i, p)| (*p, i as u32)).collect());
        let mut gone = vec![false; sites.len()];
        for i in (0..sites.len()).step_by(3) {
            assert!(tree.remove(&sites[i], i as u32));
            gone[i] = true;
        }
        assert!(!tree.remove(&sites[0], 0), "already removed");
        assert!(!tree.remove(&sites[1], 2), "wrong key");
        assert_eq!(tree.len(), sites.len() - gone.iter().filter(|g| **g).count());
        assert_eq!(tree.iter().count(), tree.len());
        for q in random_points(300, 9) {
            let want = (0..sites.len())
                .filter(|&i| !gone[i])
                .map(|i| dist2(&sites[i], &q))
                .fold(f64::INFINITY, f64::min);
            let (d2, at) = tree.nearest_from(&q, None).unwrap();
            assert_eq!(d2, want);
            assert!(!gone[tree.key(at) as usize]);
        }
    }
}
