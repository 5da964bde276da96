//! How the SQLite store writes values SQLite has no type for (timestamps as RFC 3339 text,
//! UUIDs as text, lists as JSON) and reads them back, and how it names constraint failures.
//! Shared by the directory's and the accounts' halves of the store.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::common;
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
