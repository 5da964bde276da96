//! SQL written once for both databases: a statement is its text (with `$N` placeholders, which
//! sqlx's SQLite driver accepts as well as PostgreSQL) and its arguments as values of ours;
//! each backend says only how it stores the types the dialects disagree on.
//!
//! | value            | SQLite                        | PostgreSQL     |
//! |------------------|-------------------------------|----------------|
//! | [`Arg::Id`]      | text                          | `uuid`         |
//! | [`Arg::Time`]    | RFC 3339 text, microseconds, `Z` (so text order is time order) | `timestamptz` |
//! | [`Arg::Json`]    | text                          | `jsonb`        |
//!
//! [`Exec`] runs statements on a pool or inside a transaction and [`Columns`] reads a row back
//! into those types, so the code that uses them (`accounts.rs`) is the same for both stores.

use std::ops::DerefMut;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::types::JsonRawValue;
use uuid::Uuid;

use super::StoreError;

/// One argument of a statement.
#[derive(Debug)]
pub(super) enum Arg<'a> {
    /// A record id.
    Id(Uuid),
    /// A record id or null.
    OptId(Option<Uuid>),
    /// A moment.
    Time(DateTime<Utc>),
    /// A moment or null.
    OptTime(Option<DateTime<Utc>>),
    /// Text.
    Text(&'a str),
    /// Text or null.
    OptText(Option<&'a str>),
    /// An integer.
    Int(i64),
    /// An integer or null.
    OptInt(Option<i64>),
    /// A JSON document, serialized once (SQLite stores this text as it is).
    Json(Box<JsonRawValue>),
}

/// `value` as a JSON argument.
pub(super) fn json<T: Serialize + ?Sized>(value: &T) -> Arg<'static> {
    // Serializing our own records cannot fail (no maps with non-string keys).
    Arg::Json(serde_json::value::to_raw_value(value).unwrap_or_else(|_| JsonRawValue::NULL.to_owned()))
}

/// A statement and its arguments, bound in order to `$1`, `$2`, …
#[derive(Debug)]
pub(super) struct Stmt<'a> {
    /// The SQL text, the same for both databases.
    pub(super) sql: String,
    /// The arguments.
    pub(super) args: Vec<Arg<'a>>,
}

impl<'a> Stmt<'a> {
    /// A statement with these arguments.
    pub(super) fn new(sql: impl Into<String>, args: impl Into<Vec<Arg<'a>>>) -> Self {
        Self { sql: sql.into(), args: args.into() }
    }
}

/// Reads a column of a row as one of the types [`Arg`] writes.
pub(super) trait Columns {
    /// A record id.
    fn id(&self, col: &str) -> Result<Uuid, StoreError>;
    /// A record id or null.
    fn opt_id(&self, col: &str) -> Result<Option<Uuid>, StoreError>;
    /// A moment.
    fn time(&self, col: &str) -> Result<DateTime<Utc>, StoreError>;
    /// A moment or null.
    fn opt_time(&self, col: &str) -> Result<Option<DateTime<Utc>>, StoreError>;
    /// Text.
    fn text(&self, col: &str) -> Result<String, StoreError>;
    /// Text or null.
    fn opt_text(&self, col: &str) -> Result<Option<String>, StoreError>;
    /// An integer.
    fn int(&self, col: &str) -> Result<i64, StoreError>;
    /// An integer or null.
    fn opt_int(&self, col: &str) -> Result<Option<i64>, StoreError>;
    /// A JSON document.
    fn json<T: DeserializeOwned>(&self, col: &str) -> Result<T, StoreError>;
}

/// A connection of one database, on which statements run (a transaction and a pooled
/// connection both dereference to one).
#[async_trait]
pub(super) trait Exec: Send {
    /// A row as this database returns it.
    type Row: Columns + Send;
    /// Runs a statement; answers how many rows it changed. Constraint violations come back as
    /// [`StoreError::Constraint`], in the same words for both databases.
    async fn execute(&mut self, stmt: &Stmt<'_>) -> Result<u64, StoreError>;
    /// The first row a statement answers, if any.
    async fn fetch_optional(&mut self, stmt: &Stmt<'_>) -> Result<Option<Self::Row>, StoreError>;
    /// Every row a statement answers.
    async fn fetch_all(&mut self, stmt: &Stmt<'_>) -> Result<Vec<Self::Row>, StoreError>;
}

/// A store that runs the shared SQL: connections from its pool, and transactions.
#[async_trait]
pub(super) trait Backend: Send + Sync + 'static {
    /// A connection of this database.
    type Conn: Exec;
    /// A connection lent by the pool.
    type Pooled: DerefMut<Target = Self::Conn> + Send;
    /// A transaction.
    type Tx: DerefMut<Target = Self::Conn> + Send;
    /// A connection from the pool, for statements that need no transaction.
    async fn acquire(&self) -> Result<Self::Pooled, StoreError>;
    /// Starts a transaction.
    async fn begin(&self) -> Result<Self::Tx, StoreError>;
    /// Commits a transaction.
    async fn commit(tx: Self::Tx) -> Result<(), StoreError>;
}

/// The row type of a backend.
pub(super) type RowOf<B> = <<B as Backend>::Conn as Exec>::Row;
