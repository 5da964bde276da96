//! Saved demand sets (`migrations/*/0008_demand_sets.sql`): a name, and the aggregated
//! ZIP × language counts of a school's table — nothing else of the file that was uploaded.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::StoreError;

/// A saved demand set, without its cells.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DemandSetInfo {
    /// Its number.
    pub id: i64,
    /// Its name ("Our families, fall 2026"), unique.
    pub name: String,
    /// The report's own label, when it had one.
    pub label: Option<String>,
    /// The grouping column its rows were summed over, when it had one.
    pub group_column: Option<String>,
    /// ZIP × language cells held.
    pub cells: i64,
    /// Their total (never shown as such: answers round it; see the README).
    #[serde(skip)]
    pub total: i64,
    /// When it was saved.
    pub created_at: DateTime<Utc>,
    /// Who saved it: an account's email, or `admin token`.
    pub created_by: String,
}

/// One ZIP × language cell as held: (ZIP code, ISO 639 code, count).
pub type StoredCell = (String, String, i64);

/// Saved demand sets.
#[async_trait]
pub trait DemandSets: Send + Sync {
    /// Saves a set and its cells in one transaction; a name already used is
    /// [`StoreError::Constraint`].
    async fn create_demand_set(&self, info: &DemandSetInfo, cells: &[StoredCell]) -> Result<i64, StoreError>;
    /// Every set, newest first.
    async fn demand_sets(&self) -> Result<Vec<DemandSetInfo>, StoreError>;
    /// One set and its cells.
    async fn demand_set(&self, id: i64) -> Result<Option<(DemandSetInfo, Vec<StoredCell>)>, StoreError>;
    /// Deletes a set and its cells; false when there was none.
    async fn delete_demand_set(&self, id: i64) -> Result<bool, StoreError>;
}

/// The message of a name already used.
pub const NAME_TAKEN: &str = "a demand set of that name already exists";
