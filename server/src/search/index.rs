//! The query engine: per category, sites as 3-D unit vectors in a packed k-d tree plus a small
//! R-tree of recent writes.
//!
//! Why unit vectors: on the unit sphere the chord between two points is `2·sin(θ/2)` for the
//! central angle θ, strictly increasing on [0, π], so nearest by chord *is* nearest by
//! great-circle distance — exactly, with no special case at the antimeridian or the poles and no
//! re-ranking. Distances are reported in metres on a sphere of
//! [`EARTH_RADIUS_M`](crate::domain::EARTH_RADIUS_M).
//!
//! Why two structures per category ([`Layer`]): the searches run over a static k-d tree
//! ([`crate::search::kdtree`]: flat arrays, leaves of 16 points walked in memory order, the incremental
//! cell bound), about twice as fast as a search over rstar's nodes; writes must not rebuild it,
//! so a new or moved site goes into a small rstar R-tree beside it (O(log n) insert), and a
//! removed one is struck out of the k-d tree in place (O(log n)). A query searches the k-d tree,
//! then the R-tree with the bound it already has (usually pruned at its root). When the writes
//! since the last build reach an eighth of the layer, the layer is rebuilt from both
//! (O(n log n) once per n/8 writes: amortised O(log n) per write).
//!
//! The k-nearest search is a depth-first branch and bound (near children first, pruned by the
//! k-th best distance so far). Filters (language, free, open at, walk-in, no ID) are tested on
//! each candidate inside the search, so "the 5 nearest that speak Haitian Creole" costs about
//! what "the 5 nearest" costs when such sites are common, and never misses one when they are
//! rare. The search allocates nothing; callers reuse the result buffer.

use std::collections::HashMap;
use std::hash::Hash;

use rstar::primitives::GeomWithData;
use rstar::{ParentNode, RStarInsertionStrategy, RTree, RTreeNode, RTreeParams};

use crate::domain::{chord2_to_metres, metres_to_chord2, Category, Hours, LanguageCode, LonLat, OpenAt};
use crate::search::kdtree::{self, PointTree, Search};

/// Node sizes of the R-tree of recent writes.
#[derive(Clone, Copy, Debug)]
pub struct Params;

impl RTreeParams for Params {
    const MIN_SIZE: usize = 4;
    const MAX_SIZE: usize = 12;
    const REINSERTION_COUNT: usize = 3;
    type DefaultInsertionStrategy = RStarInsertionStrategy;
}

/// Upper bound on children per node that the search keeps on the stack.
const STACK_CHILDREN: usize = 33;
const _: () = assert!(Params::MAX_SIZE < STACK_CHILDREN);

/// A tree entry: the unit vector and the slot number of the site.
pub type Entry = GeomWithData<[f64; 3], u32>;
/// The R-tree of recent writes of one layer.
type Tree = RTree<Entry, Params>;

/// Writes (inserts into the R-tree plus removals from the k-d tree) that a layer takes before
/// it is rebuilt: an eighth of its size, and at least this many.
const REBUILD_MIN: usize = 256;

/// The sites of one category (or of all): a packed k-d tree from the last build, with sites
/// removed since struck out, and the sites written since in an R-tree.
#[derive(Debug, Default)]
struct Layer {
    packed: PointTree,
    recent: Tree,
}

impl Layer {
    fn build(entries: Vec<([f64; 3], u32)>) -> Self {
        Self { packed: PointTree::new(entries), recent: Tree::new_with_params() }
    }

    fn len(&self) -> usize {
        self.packed.len() + self.recent.size()
    }

    /// Every site of the layer: `(unit vector, slot)`.
    fn iter(&self) -> impl Iterator<Item = (&[f64; 3], u32)> + '_ {
        self.packed.iter().chain(self.recent.iter().map(|e| (e.geom(), e.data)))
    }

    fn insert(&mut self, pos: [f64; 3], slot: u32) {
        self.recent.insert(Entry::new(pos, slot));
        self.maybe_rebuild();
    }

    fn remove(&mut self, pos: [f64; 3], slot: u32) {
        if self.recent.remove(&Entry::new(pos, slot)).is_none() {
            self.packed.remove(&pos, slot);
        }
        self.maybe_rebuild();
    }

    fn maybe_rebuild(&mut self) {
        let writes = self.recent.size() + self.packed.removed();
        if writes >= REBUILD_MIN.max(self.len() / 8) {
            *self = Self::build(self.iter().map(|(p, s)| (*p, s)).collect());
        }
    }

    fn search(&self, q: &[f64; 3], best: &mut Best<'_, impl FnMut(u32) -> bool>) {
        self.packed.search(q, best);
        if self.recent.size() > 0 {
            visit(self.recent.root(), q, best);
        }
    }
}

/// Attributes the post-filters look at, copied out of the site record so the search touches
/// one small struct per candidate.
#[derive(Clone, Debug, Default)]
pub struct Attrs {
    /// Cost is `free`.
    pub free: bool,
    /// Accepts walk-ins.
    pub walk_in: bool,
    /// Serves people without ID.
    pub no_id: bool,
    /// Languages spoken at the site or on any of its phone lines, packed (see
    /// [`LanguageCode::packed`]).
    pub languages: Box<[u32]>,
    /// Weekly hours, for `open_at` (the site record's own, shared).
    pub hours: Option<std::sync::Arc<Hours>>,
    /// When a person last confirmed the listing (or, never confirmed, when it was created), in
    /// Unix seconds; listings older than the deployment's `--hide-after-days` are not found.
    pub verified: i64,
}

/// What a nearest query keeps, beyond its category.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Must speak this language (packed code).
    pub language: Option<u32>,
    /// Must be free.
    pub free: bool,
    /// Must accept walk-ins.
    pub walk_in: bool,
    /// Must serve people without ID.
    pub no_id: bool,
    /// Must be open at this moment (local time at the site, or an instant).
    pub open_at: Option<OpenAt>,
    /// Must have been verified at or after this moment (Unix seconds).
    pub verified_since: Option<i64>,
}

impl Filter {
    /// A filter on language only.
    pub fn language(code: &LanguageCode) -> Self {
        Self { language: Some(code.packed()), ..Self::default() }
    }

    /// True when the filter keeps everything (the search can skip testing candidates).
    pub fn is_empty(&self) -> bool {
        self.language.is_none()
            && !self.free
            && !self.walk_in
            && !self.no_id
            && self.open_at.is_none()
            && self.verified_since.is_none()
    }

    /// Whether a site with these attributes passes.
    pub fn accepts(&self, a: &Attrs) -> bool {
        (!self.free || a.free)
            && (!self.walk_in || a.walk_in)
            && (!self.no_id || a.no_id)
            && self.language.is_none_or(|l| a.languages.contains(&l))
            && self.open_at.as_ref().is_none_or(|t| a.hours.as_ref().is_some_and(|h| h.is_open(t)))
            && self.verified_since.is_none_or(|t| a.verified >= t)
    }
}

/// One site to index.
#[derive(Clone, Debug)]
pub struct Item<K> {
    /// The caller's key (a site UUID in the service; a CSV id in batch mode).
    pub key: K,
    /// Where it is.
    pub at: LonLat,
    /// Its categories.
    pub categories: Vec<Category>,
    /// What the filters look at.
    pub attrs: Attrs,
}

#[derive(Clone, Debug)]
struct Slot<K> {
    key: K,
    pos: [f64; 3],
    cats: Box<[u16]>,
    attrs: Attrs,
}

/// A neighbour found by a query.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit {
    /// Slot of the site; [`SpatialIndex::key`] turns it into the caller's key.
    pub slot: u32,
    /// Squared chord length between unit vectors (what the tree orders by).
    pub chord2: f64,
}

impl Hit {
    /// Great-circle distance in metres.
    pub fn distance_m(&self) -> f64 {
        chord2_to_metres(self.chord2)
    }
}

/// The spatial index: one tree per category plus one over every site.
#[derive(Debug)]
pub struct SpatialIndex<K> {
    slots: Vec<Option<Slot<K>>>,
    free_slots: Vec<u32>,
    by_key: HashMap<K, u32>,
    /// Category of each tree, by position. A handful of categories: a scan beats hashing.
    category_ids: Vec<Category>,
    layers: Vec<Layer>,
    all: Layer,
}

impl<K: Clone + Eq + Hash> Default for SpatialIndex<K> {
    fn default() -> Self {
        Self::bulk_load(Vec::new())
    }
}

impl<K: Clone + Eq + Hash> SpatialIndex<K> {
    /// Builds the index in one pass (O(n log n)). A key given twice keeps its last item.
    pub fn bulk_load(items: Vec<Item<K>>) -> Self {
        let mut index = Self {
            slots: Vec::with_capacity(items.len()),
            free_slots: Vec::new(),
            by_key: HashMap::with_capacity(items.len()),
            category_ids: Vec::new(),
            layers: Vec::new(),
            all: Layer::default(),
        };
        for item in items {
            if let Some(old) = index.by_key.get(&item.key).copied() {
                index.slots[old as usize] = None;
                index.free_slots.push(old);
            }
            let cats: Box<[u16]> = item.categories.iter().map(|c| index.category_id(c)).collect();
            let slot = index.slots.len() as u32;
            let pos = item.at.unit_vector();
            index.by_key.insert(item.key.clone(), slot);
            index.slots.push(Some(Slot { key: item.key, pos, cats, attrs: item.attrs }));
        }
        let mut per_category: Vec<Vec<([f64; 3], u32)>> = Vec::new();
        per_category.resize_with(index.category_ids.len(), Vec::new);
        let mut all = Vec::with_capacity(index.slots.len());
        for (i, slot) in index.slots.iter().enumerate() {
            if let Some(s) = slot {
                for &c in s.cats.iter() {
                    per_category[c as usize].push((s.pos, i as u32));
                }
                all.push((s.pos, i as u32));
            }
        }
        index.layers = per_category.into_iter().map(Layer::build).collect();
        index.all = Layer::build(all);
        index
    }

    fn category_id(&mut self, c: &Category) -> u16 {
        if let Some(id) = self.category_ids.iter().position(|x| x == c) {
            return id as u16;
        }
        self.category_ids.push(c.clone());
        self.layers.push(Layer::default());
        (self.category_ids.len() - 1) as u16
    }

    /// Number of indexed sites.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Adds a site, or moves and re-files it if its key is already indexed. O(log n).
    pub fn upsert(&mut self, item: Item<K>) {
        self.remove(&item.key);
        let cats: Box<[u16]> = item.categories.iter().map(|c| self.category_id(c)).collect();
        let pos = item.at.unit_vector();
        let slot = match self.free_slots.pop() {
            Some(s) => s,
            None => {
                self.slots.push(None);
                (self.slots.len() - 1) as u32
            }
        };
        for &c in cats.iter() {
            self.layers[c as usize].insert(pos, slot);
        }
        self.all.insert(pos, slot);
        self.by_key.insert(item.key.clone(), slot);
        self.slots[slot as usize] = Some(Slot { key: item.key, pos, cats, attrs: item.attrs });
    }

    /// Removes a site; true if it was there. O(log n).
    pub fn remove(&mut self, key: &K) -> bool {
        let Some(slot) = self.by_key.remove(key) else {
            return false;
        };
        if let Some(s) = self.slots[slot as usize].take() {
            for &c in s.cats.iter() {
                self.layers[c as usize].remove(s.pos, slot);
            }
            self.all.remove(s.pos, slot);
        }
        self.free_slots.push(slot);
        true
    }

    /// Whether a key is indexed.
    pub fn contains(&self, key: &K) -> bool {
        self.by_key.contains_key(key)
    }

    /// The caller's key for a hit's slot.
    pub fn key(&self, slot: u32) -> &K {
        match &self.slots[slot as usize] {
            Some(s) => &s.key,
            None => unreachable!("hits only name live slots"),
        }
    }

    /// The filter attributes of a live slot (`None` for a freed one).
    pub fn attrs(&self, slot: u32) -> Option<&Attrs> {
        self.slots.get(slot as usize)?.as_ref().map(|s| &s.attrs)
    }

    fn layer(&self, category: Option<&Category>) -> Option<&Layer> {
        match category {
            None => Some(&self.all),
            Some(c) => self.category_ids.iter().position(|x| x == c).map(|id| &self.layers[id]),
        }
    }

    /// The sites of a category (`None`: every site) as `(unit vector, slot)`, in no particular
    /// order; `None` if no site ever had the category.
    pub fn members(
        &self,
        category: Option<&Category>,
    ) -> Option<impl Iterator<Item = (&[f64; 3], u32)> + '_> {
        self.layer(category).map(Layer::iter)
    }

    /// The `k` sites nearest to `origin` by great-circle distance, in the category if one is
    /// given, that pass `filter`, no farther than `max_m` metres when given. Results go into
    /// `out` (cleared first), nearest first.
    pub fn nearest(
        &self,
        origin: LonLat,
        category: Option<&Category>,
        k: usize,
        max_m: Option<f64>,
        filter: &Filter,
        out: &mut Vec<Hit>,
    ) {
        out.clear();
        let Some(layer) = self.layer(category) else {
            return;
        };
        let limit = max_m.map_or(f64::INFINITY, metres_to_chord2);
        let q = origin.unit_vector();
        if filter.is_empty() {
            knn(layer, q, k, limit, out, |_| true);
        } else {
            knn(layer, q, k, limit, out, |slot| {
                self.slots[slot as usize].as_ref().is_some_and(|s| filter.accepts(&s.attrs))
            });
        }
    }
}

/// Keeps the best `k` candidates that `accept` passes, sorted nearest first. `threshold` is
/// exclusive: a candidate or cell is worth looking at only if its squared chord is below it.
struct Best<'a, F> {
    k: usize,
    threshold: f64,
    out: &'a mut Vec<Hit>,
    accept: F,
}

impl<F: FnMut(u32) -> bool> Search for Best<'_, F> {
    #[inline(always)]
    fn bound(&self) -> f64 {
        self.threshold
    }

    /// Inserts a hit below the threshold if it passes the filter, keeping `out` sorted and at
    /// most `k` long, without reallocating (capacity is reserved up front).
    #[inline]
    fn offer(&mut self, _at: u32, slot: u32, chord2: f64) {
        if !(self.accept)(slot) {
            return;
        }
        let hit = Hit { slot, chord2 };
        let out = &mut *self.out;
        if out.len() == self.k {
            out[self.k - 1] = hit;
        } else {
            out.push(hit);
        }
        let mut i = out.len() - 1;
        while i > 0 && out[i - 1].chord2 > hit.chord2 {
            out[i] = out[i - 1];
            i -= 1;
        }
        out[i] = hit;
        if out.len() == self.k {
            self.threshold = out[self.k - 1].chord2;
        }
    }
}

/// Squared distance from `q` to an R-tree node's bounding box (0 inside), written out for three
/// dimensions: rstar's generic version was a quarter of the search time.
#[inline]
fn box_dist2(node: &ParentNode<Entry>, q: &[f64; 3]) -> f64 {
    let env = node.envelope();
    let (lo, hi) = (env.lower(), env.upper());
    let mut d2 = 0.0;
    for i in 0..3 {
        let d = (lo[i] - q[i]).max(q[i] - hi[i]).max(0.0);
        d2 += d * d;
    }
    d2
}

/// Exact k-nearest by chord length (= great-circle order) in a layer, keeping only slots
/// `accept` passes and only within squared chord `limit` (inclusive). `out` is cleared and
/// filled nearest first.
fn knn(
    layer: &Layer,
    q: [f64; 3],
    k: usize,
    limit: f64,
    out: &mut Vec<Hit>,
    accept: impl FnMut(u32) -> bool,
) {
    out.clear();
    if k == 0 {
        return;
    }
    out.reserve(k);
    // `limit` is inclusive; the search compares strictly, so start just above it.
    let mut best = Best { k, threshold: limit.next_up(), out, accept };
    layer.search(&q, &mut best);
}

/// The same search over an R-tree of recent writes.
fn visit(node: &ParentNode<Entry>, q: &[f64; 3], best: &mut Best<'_, impl FnMut(u32) -> bool>) {
    let children = node.children();
    // Children of one node are all leaves or all parents.
    if let Some(RTreeNode::Leaf(_)) = children.first() {
        for child in children {
            if let RTreeNode::Leaf(e) = child {
                let d2 = kdtree::dist2(e.geom(), q);
                if d2 < best.bound() {
                    best.offer(0, e.data, d2);
                }
            }
        }
        return;
    }
    let mut order = [(0.0f64, 0usize); STACK_CHILDREN];
    let mut n = 0;
    for (i, child) in children.iter().enumerate() {
        if let RTreeNode::Parent(p) = child {
            let d2 = box_dist2(p, q);
            if d2 < best.bound() && n < STACK_CHILDREN {
                // Insertion sort: nodes are small.
                let mut j = n;
                while j > 0 && order[j - 1].0 > d2 {
                    order[j] = order[j - 1];
                    j -= 1;
                }
                order[j] = (d2, i);
                n += 1;
            }
        }
    }
    for &(d2, i) in &order[..n] {
        if d2 >= best.bound() {
            break;
        }
        if let RTreeNode::Parent(p) = &children[i] {
            visit(p, q, best);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn cat(s: &str) -> Category {
        Category::parse(s).unwrap()
    }

    fn random_items(n: usize, seed: u64) -> Vec<Item<usize>> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        (0..n)
            .map(|i| {
                // Uniform on the sphere, plus a cluster around the antimeridian and the poles.
                let (lon, lat) = match i % 4 {
                    0 => (
                        rng.gen_range(179.0..=180.0) * if rng.gen() { 1.0 } else { -1.0 },
                        rng.gen_range(50.0..56.0),
                    ),
                    1 => (
                        rng.gen_range(-180.0..=180.0),
                        rng.gen_range(85.0..=90.0) * if rng.gen() { 1.0 } else { -1.0 },
                    ),
                    _ => {
                        let z: f64 = rng.gen_range(-1.0..=1.0);
                        (rng.gen_range(-180.0..=180.0), z.asin().to_degrees())
                    }
                };
                Item {
                    key: i,
                    at: LonLat::new(lon, lat).unwrap(),
                    categories: vec![cat(if i % 3 == 0 { "legal" } else { "health" })],
                    attrs: Attrs {
                        free: i % 2 == 0,
                        languages: vec![if i % 5 == 0 { 1 } else { 2 }].into(),
                        ..Attrs::default()
                    },
                }
            })
            .collect()
    }

    fn brute(items: &[Item<usize>], q: LonLat, c: &str, k: usize, f: &Filter) -> Vec<(usize, f64)> {
        let mut all: Vec<(usize, f64)> = items
            .iter()
            .filter(|i| i.categories.iter().any(|x| x.as_str() == c) && f.accepts(&i.attrs))
            .map(|i| (i.key, q.distance_m(i.at)))
            .collect();
        all.sort_by(|a, b| a.1.total_cmp(&b.1));
        all.truncate(k);
        all
    }

    fn check(index: &SpatialIndex<usize>, items: &[Item<usize>], seed: u64) {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut out = Vec::new();
        for n in 0..400 {
            let (lon, lat) = match n % 4 {
                0 => (rng.gen_range(-180.0..=180.0), rng.gen_range(-90.0..=90.0)),
                1 => (if rng.gen() { 179.99 } else { -179.99 }, rng.gen_range(50.0..56.0)), // Aleutians
                2 => (rng.gen_range(-180.0..=180.0), if rng.gen() { 89.9 } else { -89.9 }),
                _ => (rng.gen_range(-180.0..=180.0), rng.gen_range(-60.0..=60.0)),
            };
            let q = LonLat::new(lon, lat).unwrap();
            let f = if n % 2 == 0 {
                Filter::default()
            } else {
                Filter { language: Some(1), free: true, ..Filter::default() }
            };
            for c in ["legal", "health"] {
                index.nearest(q, Some(&cat(c)), 5, None, &f, &mut out);
                let want = brute(items, q, c, 5, &f);
                assert_eq!(out.len(), want.len());
                for (h, (key, d)) in out.iter().zip(&want) {
                    // Same distance to within a millimetre; same site unless two are tied.
                    assert!((h.distance_m() - d).abs() < 1e-3, "{q:?}: {} vs {d}", h.distance_m());
                    if (h.distance_m() - d).abs() > 1e-6 {
                        assert_eq!(index.key(h.slot), key);
                    }
                }
            }
        }
    }

    #[test]
    fn matches_brute_force_haversine_worldwide() {
        let items = random_items(5_000, 7);
        let index = SpatialIndex::bulk_load(items.clone());
        check(&index, &items, 11);
    }

    #[test]
    fn stays_exact_after_inserts_moves_and_removals() {
        let mut items = random_items(3_000, 3);
        let mut index = SpatialIndex::bulk_load(items[..1_000].to_vec());
        for it in &items[1_000..] {
            index.upsert(it.clone());
        }
        // Move a third of them and remove a tenth.
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        for i in (0..3_000).step_by(3) {
            items[i].at = LonLat::new(rng.gen_range(-180.0..=180.0), rng.gen_range(-90.0..=90.0)).unwrap();
            index.upsert(items[i].clone());
        }
        let removed: Vec<usize> = (0..3_000).step_by(10).collect();
        for k in &removed {
            assert!(index.remove(k));
        }
        items.retain(|i| !removed.contains(&i.key));
        assert_eq!(index.len(), items.len());
        check(&index, &items, 13);
        // Those writes rebuilt the layers several times; each still holds exactly its sites.
        for c in ["legal", "health"] {
            let mut got: Vec<usize> =
                index.members(Some(&cat(c))).unwrap().map(|(_, slot)| *index.key(slot)).collect();
            got.sort_unstable();
            let want: Vec<usize> =
                items.iter().filter(|i| i.categories[0].as_str() == c).map(|i| i.key).collect();
            assert_eq!(got, want, "{c}");
        }
        assert_eq!(index.members(None).unwrap().count(), items.len());
    }

    #[test]
    fn max_distance_is_inclusive_and_in_metres() {
        let miami = LonLat::new(-80.2, 25.77).unwrap();
        let items = vec![
            Item {
                key: 1,
                at: LonLat::new(-80.2, 25.77 + 0.01).unwrap(),
                categories: vec![cat("legal")],
                attrs: Attrs::default(),
            },
            Item {
                key: 2,
                at: LonLat::new(-80.2, 25.77 + 0.1).unwrap(),
                categories: vec![cat("legal")],
                attrs: Attrs::default(),
            },
        ];
        let index = SpatialIndex::bulk_load(items);
        let mut out = Vec::new();
        index.nearest(miami, Some(&cat("legal")), 5, Some(5_000.0), &Filter::default(), &mut out);
        assert_eq!(out.len(), 1);
        assert!((out[0].distance_m() - 1_111.95).abs() < 0.1);
        index.nearest(miami, Some(&cat("food")), 5, None, &Filter::default(), &mut out);
        assert!(out.is_empty());
    }
}
