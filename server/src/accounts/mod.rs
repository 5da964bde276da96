//! Partner accounts: admins curate, partner editors keep their own organisation's listings.
//!
//! - [`principal`]: who is asking (deployment admin token, API token, or session cookie with
//!   its CSRF token).
//! - [`auth`]: sign-in and sign-out, password reset requests, invitation links, API tokens,
//!   "list your organization" sign-ups.
//! - [`admin`]: the admin queue (sign-ups, invitations), the stale report, the audit log.
//! - [`history`]: revisions of every change, and reverting one.
//! - [`secret`]: argon2id, random tokens, constant-time comparison.
//! - [`throttle`]: per-address limits of sign-in, sign-up, resets, invitations and tokens, and
//!   the bound on password hashes at once.
//! - [`crate::domain::account`]: the records, stored by [`crate::store`].

pub mod admin;
pub mod auth;
pub mod guard;
pub mod history;
use crate::domain::account as model;
pub mod principal;
pub mod secret;

use axum::Router;

use crate::state::AppState;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().merge(auth::router()).merge(admin::router()).merge(history::router())
}

/// How long a session lasts.
pub const SESSION_HOURS: i64 = 12;
/// How long an invitation or reset link lasts.
pub const LINK_DAYS: i64 = 7;
/// Failed sign-ins for one email before each further one locks it for a while.
pub const FREE_FAILURES: i64 = 5;
/// The longest lock (the lockout), in seconds.
pub const MAX_LOCK_SECS: i64 = 15 * 60;

/// Until when an email is refused after `failures` consecutive failed sign-ins: not at all for
/// the first [`FREE_FAILURES`] − 1, then 30 s, doubling with each further failure (backoff), up
/// to [`MAX_LOCK_SECS`] (lockout).
pub fn lock_after(
    failures: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    if failures < FREE_FAILURES {
        return None;
    }
    let exp = u32::try_from((failures - FREE_FAILURES).min(10)).unwrap_or(10);
    let secs = (30_i64 << exp).min(MAX_LOCK_SECS);
    Some(now + chrono::Duration::seconds(secs))
}

/// Lower-cases and trims an email; refuses what is not one (the message names the problem).
pub fn normalise_email(raw: &str) -> Result<String, String> {
    let e = raw.trim().to_lowercase();
    let ok = e.len() <= 320
        && e.split_once('@').is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !b.starts_with('.'))
        && !e.contains(char::is_whitespace);
    if ok {
        Ok(e)
    } else {
        Err("is not an email address".to_owned())
    }
}

/// Creates an admin account (the command line's `assetmap admin create`); audited as done
/// from the command line.
pub async fn create_admin(
    store: &std::sync::Arc<dyn crate::store::Store>,
    email: &str,
    password: &str,
) -> anyhow::Result<model::User> {
    let email = normalise_email(email).map_err(|m| anyhow::anyhow!("--email: {m}"))?;
    secret::check_password(password).map_err(|m| anyhow::anyhow!("password: {m}"))?;
    let hash = secret::hash_password(password).map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
    let user = model::User {
        id: uuid::Uuid::new_v4(),
        email,
        role: model::Role::Admin,
        partner_id: None,
        created_at: chrono::Utc::now(),
        deactivated_at: None,
        deactivated_by: None,
        password_hash: hash,
    };
    let entry = model::AuditEntry {
        id: 0,
        at: user.created_at,
        actor: model::Actor { id: None, label: "command line".to_owned() },
        action: "admin.create".to_owned(),
        target: Some(user.id.to_string()),
        detail: serde_json::json!({"email": user.email}),
    };
    use crate::store::Change;
    store
        .apply(&vec![
            Change::Record(model::Record::CreateUser(user.clone())),
            Change::Record(model::Record::Audit(entry)),
        ])
        .await
        .map_err(|e| match e {
            crate::store::StoreError::Constraint(m) => anyhow::anyhow!("--email: {m}"),
            other => other.into(),
        })?;
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_then_locks_out() {
        let now = chrono::Utc::now();
        assert_eq!(lock_after(4, now), None);
        let secs = |n| (lock_after(n, now).unwrap() - now).num_seconds();
        assert_eq!(secs(5), 30);
        assert_eq!(secs(6), 60);
        assert_eq!(secs(7), 120);
        assert_eq!(secs(20), MAX_LOCK_SECS);
    }

    #[test]
    fn emails_are_normalised() {
        assert_eq!(normalise_email(" Ana@Example.ORG ").unwrap(), "ana@example.org");
        assert!(normalise_email("ana").is_err());
        assert!(normalise_email("a b@c.d").is_err());
    }
}
