//! The durable truth. All SQL lives under this module: one file per database.
//!
//! Every write goes through [`Store::apply`], which writes a [`Batch`] in one transaction:
//! an API edit is a batch of one, an import is a batch of thousands, and either lands whole or
//! not at all. Updates name the version they started from; a stale version fails the batch with
//! [`StoreError::Conflict`].

mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use uuid::Uuid;

use crate::domain::{CategoryDef, Partner, Site};

pub use sqlite::SqliteStore;

/// One change in a batch.
#[derive(Clone, Debug)]
pub enum Change {
    /// Insert a new partner.
    CreatePartner(Partner),
    /// Replace a partner whose stored version is `partner.version - 1`.
    UpdatePartner(Partner),
    /// Delete a partner and, by cascade, its sites.
    DeletePartner(Uuid),
    /// Insert a new site.
    CreateSite(Site),
    /// Replace a site whose stored version is `site.version - 1`.
    UpdateSite(Site),
    /// Delete a site.
    DeleteSite(Uuid),
}

/// Changes written together in one transaction, in order.
pub type Batch = Vec<Change>;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The record to update or delete does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The record changed since the version the edit started from.
    #[error("{0} was changed by someone else")]
    Conflict(String),
    /// A uniqueness, foreign-key or check rule refused the change.
    #[error("refused by the database: {0}")]
    Constraint(String),
    /// Anything else from the database driver.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// Migrations failed.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored document could not be read back.
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
}

/// Everything in the directory, as loaded at start.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// The category taxonomy.
    pub categories: Vec<CategoryDef>,
    /// Every partner.
    pub partners: Vec<Partner>,
    /// Every site.
    pub sites: Vec<Site>,
}

/// A database that holds the directory.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// Loads everything (start-up; building the in-memory index).
    async fn load(&self) -> Result<Snapshot, StoreError>;
    /// Writes a batch in one transaction.
    async fn apply(&self, batch: &Batch) -> Result<(), StoreError>;
    /// True when there are no partners yet (`serve --demo` seeds only an empty database).
    async fn is_empty(&self) -> Result<bool, StoreError>;
    /// Writes a consistent copy of the database to `path` while it stays in use.
    async fn backup(&self, path: &str) -> Result<(), StoreError>;
}

/// Opens the store a database URL names: `sqlite://path`, `sqlite::memory:`, or a bare file
/// path (SQLite); migrations are applied.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(StoreError::Constraint(
            "PostgreSQL is not available in this build yet; use a SQLite path".to_owned(),
        ));
    }
    Ok(Arc::new(SqliteStore::connect(url).await?))
}
