//! How the PostgreSQL store names constraint failures (the same messages as SQLite's), shared by
//! the directory's and the accounts' halves of the store.

use super::common;
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
