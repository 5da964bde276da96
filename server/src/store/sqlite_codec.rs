//! How the SQLite store writes values SQLite has no type for (timestamps as RFC 3339 text,
//! UUIDs as text, lists as JSON) and reads them back, and how it names constraint failures.
//! Shared by the directory's and the accounts' halves of the store; the accounts' half runs the
//! SQL written once for both databases (`sql.rs`) through [`Exec`] and [`Columns`] here.

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::DeserializeOwned;
use sqlx::query::Query;
use sqlx::sqlite::{SqliteArguments, SqliteConnection, SqliteRow};
use sqlx::{Row, Sqlite};
use uuid::Uuid;

use super::common;
use super::sql::{Arg, Columns, Exec, Stmt};
use super::StoreError;

pub(super) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(super) fn parse_ts(field: &str, raw: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("{field} '{raw}': {e}")))
}

pub(super) fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned())
}

pub(super) fn from_json<T: DeserializeOwned>(field: &str, raw: &str) -> Result<T, StoreError> {
    serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(format!("{field}: {e}")))
}

pub(super) fn uuid(field: &str, raw: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(raw).map_err(|e| StoreError::Corrupt(format!("{field} '{raw}': {e}")))
}

/// Translates driver errors for constraint violations into [`StoreError::Constraint`] with a
/// message a client can act on.
pub(super) fn classify(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        let msg = db.message();
        if msg.contains("UNIQUE constraint failed: users.email") {
            return StoreError::Constraint(common::EMAIL_TAKEN.to_owned());
        }
        if msg.contains("UNIQUE constraint failed: sites.source_id")
            || msg.contains("UNIQUE constraint failed: partners.source_id")
        {
            return StoreError::Constraint(common::SOURCE_ID_TAKEN.to_owned());
        }
        if msg.contains("UNIQUE constraint failed") {
            return StoreError::Constraint(common::ID_TAKEN.to_owned());
        }
        if msg.contains("FOREIGN KEY constraint failed") {
            return StoreError::Constraint(common::MISSING_REFERENCE.to_owned());
        }
        if msg.contains("CHECK constraint failed") {
            return StoreError::Constraint(common::out_of_range(msg));
        }
    }
    StoreError::Database(e)
}

/// Binds a statement's arguments the SQLite way: ids and moments as text (moments in one fixed
/// RFC 3339 form, so text order is time order), JSON as its text.
fn query<'q>(stmt: &'q Stmt<'_>) -> Query<'q, Sqlite, SqliteArguments<'q>> {
    let mut q = sqlx::query(&stmt.sql);
    for arg in &stmt.args {
        q = match arg {
            Arg::Id(u) => q.bind(u.to_string()),
            Arg::OptId(u) => q.bind(u.map(|u| u.to_string())),
            Arg::Time(t) => q.bind(ts(*t)),
            Arg::OptTime(t) => q.bind(t.map(ts)),
            Arg::Text(s) => q.bind(*s),
            Arg::OptText(s) => q.bind(*s),
            Arg::Int(i) => q.bind(*i),
            Arg::OptInt(i) => q.bind(*i),
            Arg::Json(j) => q.bind(j.get()),
        };
    }
    q
}

impl Columns for SqliteRow {
    fn id(&self, col: &str) -> Result<Uuid, StoreError> {
        uuid(col, self.try_get(col)?)
    }
    fn opt_id(&self, col: &str) -> Result<Option<Uuid>, StoreError> {
        self.try_get::<Option<&str>, _>(col)?.map(|r| uuid(col, r)).transpose()
    }
    fn time(&self, col: &str) -> Result<DateTime<Utc>, StoreError> {
        parse_ts(col, self.try_get(col)?)
    }
    fn opt_time(&self, col: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.try_get::<Option<&str>, _>(col)?.map(|r| parse_ts(col, r)).transpose()
    }
    fn text(&self, col: &str) -> Result<String, StoreError> {
        Ok(self.try_get(col)?)
    }
    fn opt_text(&self, col: &str) -> Result<Option<String>, StoreError> {
        Ok(self.try_get(col)?)
    }
    fn int(&self, col: &str) -> Result<i64, StoreError> {
        Ok(self.try_get(col)?)
    }
    fn opt_int(&self, col: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.try_get(col)?)
    }
    fn json<T: DeserializeOwned>(&self, col: &str) -> Result<T, StoreError> {
        from_json(col, self.try_get(col)?)
    }
}

#[async_trait]
impl Exec for SqliteConnection {
    type Row = SqliteRow;
    async fn execute(&mut self, stmt: &Stmt<'_>) -> Result<u64, StoreError> {
        Ok(query(stmt).execute(self).await.map_err(classify)?.rows_affected())
    }
    async fn fetch_optional(&mut self, stmt: &Stmt<'_>) -> Result<Option<SqliteRow>, StoreError> {
        Ok(query(stmt).fetch_optional(self).await?)
    }
    async fn fetch_all(&mut self, stmt: &Stmt<'_>) -> Result<Vec<SqliteRow>, StoreError> {
        Ok(query(stmt).fetch_all(self).await?)
    }
}
