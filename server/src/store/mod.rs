//! The durable truth. All SQL lives under this module: one file per database.
//!
//! Every write goes through [`Store::apply`], which writes a [`Batch`] in one transaction:
//! an API edit is a batch of one, an import is a batch of thousands, and either lands whole or
//! not at all. Updates name the version they started from; a stale version fails the batch with
//! [`StoreError::Conflict`].
//!
//! Two databases: SQLite (one file, one process: the default) and PostgreSQL (several server
//! instances on one database). [`connect`] is the one place that picks between them; the rest
//! of the program holds an `Arc<dyn Store>` and does not know which it talks to. PostgreSQL
//! adds a change feed ([`Store::watch`], [`Store::changes_since`]) through which each instance
//! learns what the others wrote.

mod common;
mod postgres;
mod postgres_accounts;
mod postgres_codec;
mod sqlite;
mod sqlite_accounts;
mod sqlite_codec;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::domain::account::{
    ApiToken, AuditEntry, Invitation, LoginAttempts, Record, Revision, Signup, User,
};
use crate::domain::{CategoryDef, Partner, Site};

pub use postgres::PgStore;
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
    /// An account or history record, written in the same transaction as the rest of the
    /// batch; not part of the directory in memory.
    Record(Record),
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
    /// Every site, each already in the `Arc` the catalog keeps it in (a load builds each
    /// record once and never copies it).
    pub sites: Vec<Arc<Site>>,
    /// The change-feed position this snapshot includes (always 0 for SQLite, which has no feed).
    pub position: i64,
}

/// What other processes changed after a feed position, with each record as it is now.
#[derive(Clone, Debug, Default)]
pub struct Changed {
    /// The feed position this brings a reader to.
    pub position: i64,
    /// Partners changed: the current record, or `None` when it was deleted.
    pub partners: Vec<(Uuid, Option<Partner>)>,
    /// Sites changed: the current record, or `None` when it was deleted (a partner's deletion
    /// also removes its sites; those are not listed one by one).
    pub sites: Vec<(Uuid, Option<Site>)>,
}

impl Changed {
    /// Pairs the ids the feed named with the rows found for them; an id without a row was
    /// deleted.
    fn from_rows(
        position: i64,
        partner_ids: &[Uuid],
        partners: Vec<Partner>,
        site_ids: &[Uuid],
        sites: Vec<Site>,
    ) -> Self {
        let mut partners: std::collections::HashMap<Uuid, Partner> =
            partners.into_iter().map(|p| (p.id, p)).collect();
        let mut sites: std::collections::HashMap<Uuid, Site> = sites.into_iter().map(|s| (s.id, s)).collect();
        Self {
            position,
            partners: partner_ids.iter().map(|id| (*id, partners.remove(id))).collect(),
            sites: site_ids.iter().map(|id| (*id, sites.remove(id))).collect(),
        }
    }

    /// Number of records named.
    pub fn len(&self) -> usize {
        self.partners.len() + self.sites.len()
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Which revisions to list.
#[derive(Clone, Copy, Debug, Default)]
pub struct RevisionQuery {
    /// Of one record.
    pub entity_id: Option<Uuid>,
    /// Of one organisation's records.
    pub partner_id: Option<Uuid>,
    /// At most this many, newest first.
    pub limit: i64,
}

/// The accounts and history half of a store (writes go through [`Store::apply`] as
/// [`Change::Record`]s; these are the reads, and the sign-in counters).
#[async_trait]
pub trait Accounts: Send + Sync {
    /// An account by (lower-cased) email.
    async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError>;
    /// An account by id.
    async fn user(&self, id: Uuid) -> Result<Option<User>, StoreError>;
    /// Every account, by email.
    async fn users(&self) -> Result<Vec<User>, StoreError>;
    /// The account and CSRF token of a session that has not expired by `now`.
    async fn session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(User, secrecy::SecretString)>, StoreError>;
    /// The account an unrevoked API token acts as.
    async fn token_user(&self, token_hash: &str) -> Result<Option<(ApiToken, User)>, StoreError>;
    /// Tokens of one account, or every account's.
    async fn tokens(&self, user_id: Option<Uuid>) -> Result<Vec<ApiToken>, StoreError>;
    /// A link by the hash of its secret.
    async fn invitation(&self, token_hash: &str) -> Result<Option<Invitation>, StoreError>;
    /// Links not used and not expired at `now`, newest first.
    async fn open_invitations(&self, now: DateTime<Utc>) -> Result<Vec<Invitation>, StoreError>;
    /// Sign-ups, newest first, of one status or all.
    async fn signups(&self, status: Option<&str>) -> Result<Vec<Signup>, StoreError>;
    /// Revisions, newest first.
    async fn revisions(&self, q: RevisionQuery) -> Result<Vec<Revision>, StoreError>;
    /// One revision.
    async fn revision(&self, id: i64) -> Result<Option<Revision>, StoreError>;
    /// The newest `limit` audit entries.
    async fn audit(&self, limit: i64) -> Result<Vec<AuditEntry>, StoreError>;
    /// Failed sign-ins recorded for `key`.
    async fn login_attempts(&self, key: &str) -> Result<LoginAttempts, StoreError>;
    /// Counts one more failure for `key`; `lock` says, from the new count, until when it is
    /// refused. Atomic, so instances sharing a database count together.
    async fn login_failed(
        &self,
        key: &str,
        now: DateTime<Utc>,
        lock: &(dyn Fn(i64) -> Option<DateTime<Utc>> + Sync),
    ) -> Result<LoginAttempts, StoreError>;
    /// Forgets the failures of `key` (a successful sign-in).
    async fn login_succeeded(&self, key: &str) -> Result<(), StoreError>;
}

/// A database that holds the directory.
#[async_trait]
pub trait Store: Accounts + Send + Sync + 'static {
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

    /// Starts following what other processes commit, if this store is shared between
    /// processes: `wake` is notified after each of their commits and after every reconnection
    /// (then [`Store::changes_since`] says what changed). `false`: the store has no change feed
    /// (SQLite, served by one process, which sees its own writes).
    fn watch(&self, wake: Arc<Notify>) -> bool {
        let _ = wake;
        false
    }

    /// Everything changed after feed position `after`, as it is now. `None` when the entries
    /// needed are gone (pruned while this reader was away for longer than the retention, or
    /// the database was restored to an earlier point): the reader must [`Store::load`] again.
    async fn changes_since(&self, after: i64) -> Result<Option<Changed>, StoreError> {
        Ok(Some(Changed { position: after, ..Changed::default() }))
    }

    /// Deletes change-feed entries older than `older_than`; returns how many. A reader further
    /// behind than that reloads everything.
    async fn prune_changes(&self, older_than: Duration) -> Result<u64, StoreError> {
        let _ = older_than;
        Ok(0)
    }
}

/// Whether a database URL names PostgreSQL (`postgres://` or `postgresql://`).
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Opens the store a database URL names — `postgres://user@host:port/db` (PostgreSQL), or
/// `sqlite://path`, `sqlite::memory:` or a bare file path (SQLite) — and applies its
/// migrations. `instance` names this process in the database's session list (PostgreSQL's
/// `application_name` becomes `assetmap:<instance>`), so an operator can tell instances apart.
pub async fn connect(url: &str, instance: &str) -> Result<Arc<dyn Store>, StoreError> {
    if is_postgres(url) {
        return Ok(Arc::new(PgStore::connect(url, instance).await?));
    }
    Ok(Arc::new(SqliteStore::connect(url).await?))
}
