//! How the PostgreSQL store names constraint failures (the same messages as SQLite's), shared by
//! the directory's and the accounts' halves of the store; and how it binds and reads the values
//! of the SQL written once for both databases (`sql.rs`): `uuid`, `timestamptz`, `jsonb`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use sqlx::postgres::{PgArguments, PgConnection, PgRow};
use sqlx::query::Query;
use sqlx::types::Json;
use sqlx::{Postgres, Row};
use uuid::Uuid;

use super::common;
use super::sql::{Arg, Columns, Exec, Stmt};
use super::StoreError;

/// Translates driver errors for constraint violations into [`StoreError::Constraint`] with a
/// message a client can act on (the same messages as the SQLite store).
pub(super) fn classify(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        let constraint = db.constraint().unwrap_or_default();
        match db.code().as_deref() {
            Some("23505") if constraint == "users_email_key" => {
                return StoreError::Constraint(common::EMAIL_TAKEN.to_owned())
            }
            Some("23505") if constraint.ends_with("source_id_key") => {
                return StoreError::Constraint(common::SOURCE_ID_TAKEN.to_owned())
            }
            Some("23505") => return StoreError::Constraint(common::ID_TAKEN.to_owned()),
            Some("23503") => return StoreError::Constraint(common::MISSING_REFERENCE.to_owned()),
            Some("23514" | "23502") => return StoreError::Constraint(common::out_of_range(db.message())),
            _ => {}
        }
    }
    StoreError::Database(e)
}

/// Binds a statement's arguments as PostgreSQL's own types: `uuid`, `timestamptz`, `jsonb`.
fn query<'q>(stmt: &'q Stmt<'_>) -> Query<'q, Postgres, PgArguments> {
    let mut q = sqlx::query(&stmt.sql);
    for arg in &stmt.args {
        q = match arg {
            Arg::Id(u) => q.bind(*u),
            Arg::OptId(u) => q.bind(*u),
            Arg::Time(t) => q.bind(*t),
            Arg::OptTime(t) => q.bind(*t),
            Arg::Text(s) => q.bind(*s),
            Arg::OptText(s) => q.bind(*s),
            Arg::Int(i) => q.bind(*i),
            Arg::OptInt(i) => q.bind(*i),
            Arg::Json(j) => q.bind(Json(&**j)),
        };
    }
    q
}

impl Columns for PgRow {
    fn id(&self, col: &str) -> Result<Uuid, StoreError> {
        Ok(self.try_get(col)?)
    }
    fn opt_id(&self, col: &str) -> Result<Option<Uuid>, StoreError> {
        Ok(self.try_get(col)?)
    }
    fn time(&self, col: &str) -> Result<DateTime<Utc>, StoreError> {
        Ok(self.try_get(col)?)
    }
    fn opt_time(&self, col: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(self.try_get(col)?)
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
        Ok(self.try_get::<Json<T>, _>(col)?.0)
    }
}

#[async_trait]
impl Exec for PgConnection {
    type Row = PgRow;
    async fn execute(&mut self, stmt: &Stmt<'_>) -> Result<u64, StoreError> {
        Ok(query(stmt).execute(self).await.map_err(classify)?.rows_affected())
    }
    async fn fetch_optional(&mut self, stmt: &Stmt<'_>) -> Result<Option<PgRow>, StoreError> {
        Ok(query(stmt).fetch_optional(self).await?)
    }
    async fn fetch_all(&mut self, stmt: &Stmt<'_>) -> Result<Vec<PgRow>, StoreError> {
        Ok(query(stmt).fetch_all(self).await?)
    }
}
