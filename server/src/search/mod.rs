//! Nearest: exact great-circle nearest sites to a point, with the filters a counselor needs.
//!
//! - [`index`]: the live index (per category, a packed k-d tree plus an R-tree of recent writes);
//! - [`kdtree`]: the flat k-d tree shared by the index, gaps and ZIP lookups;
//! - [`curve`]: Hilbert order for batches of points;
//! - [`batch`]: file-to-file nearest for analysts (the CLI);
//! - [`http`]: `GET /api/v1/nearest`, and the origin/category/filter parsing the other areas
//!   (HSDS, sheets, gaps) reuse.

pub mod batch;
pub mod curve;
pub mod http;
pub mod index;
pub mod kdtree;

use crate::domain::{Category, LonLat};

/// The most sites one nearest search returns.
pub const MAX_K: usize = 100;
/// How many sites a nearest search returns when not told.
pub const DEFAULT_K: usize = 5;

/// One nearest search, in domain types: the k public sites nearest to `at` by great-circle
/// distance, of a category (or any), within `max_m` metres (or any distance), that pass
/// `filter`. HTTP (`GET /api/v1/nearest`), the CLI (`assetmap nearest`) and the referral sheet
/// build one and hand it to [`crate::catalog::Catalog::nearest`].
#[derive(Clone, Debug)]
pub struct NearestQuery {
    /// Where from (WGS84); used to answer and dropped.
    pub at: LonLat,
    /// Only this category's sites.
    pub category: Option<Category>,
    /// How many, 1 to [`MAX_K`].
    pub k: usize,
    /// Only sites within this many metres.
    pub max_m: Option<f64>,
    /// The filters every result must pass.
    pub filter: index::Filter,
}
