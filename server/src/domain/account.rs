//! Accounts and history as records: people, sessions, tokens, links, sign-ups, revisions and
//! audit entries. These are what [`crate::store`] reads and writes; handlers never see SQL.

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// What a signed-in person may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// District or coalition staff: everything.
    Admin,
    /// Keeps one partner organisation's listings.
    Editor,
}

impl Role {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Editor => "editor",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "admin" => Some(Self::Admin),
            "editor" => Some(Self::Editor),
            _ => None,
        }
    }
}

/// A person who signs in.
#[derive(Clone, Debug, Serialize)]
pub struct User {
    /// Stable id.
    pub id: Uuid,
    /// Lower-cased email, the sign-in name.
    pub email: String,
    /// Admin or editor.
    pub role: Role,
    /// The organisation an editor keeps (`None` for admins).
    pub partner_id: Option<Uuid>,
    /// When the account was made.
    pub created_at: DateTime<Utc>,
    /// When an admin deactivated it (it cannot sign in, and its sessions and tokens are gone);
    /// `None` while active.
    pub deactivated_at: Option<DateTime<Utc>>,
    /// Who deactivated it.
    pub deactivated_by: Option<String>,
    /// argon2id PHC string; never serialised nor in `Debug` output.
    #[serde(skip)]
    pub password_hash: SecretString,
}

/// Who did something, as history shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Actor {
    /// The account, if a person (not the deployment's admin token).
    pub id: Option<Uuid>,
    /// Their email, or "admin token".
    pub label: String,
}

/// A session cookie's server side.
#[derive(Clone, Debug)]
pub struct NewSession {
    /// SHA-256 of the cookie value.
    pub token_hash: String,
    /// Whose.
    pub user_id: Uuid,
    /// The synchronizer token every state-changing request with the cookie must carry.
    pub csrf_token: SecretString,
    /// Made at.
    pub created_at: DateTime<Utc>,
    /// Ends at.
    pub expires_at: DateTime<Utc>,
}

/// An API token for scripts (the secret itself is shown once and stored only hashed).
#[derive(Clone, Debug, Serialize)]
pub struct ApiToken {
    /// Id (to list and revoke it).
    pub id: Uuid,
    /// Whose; the token acts as this person.
    pub user_id: Uuid,
    /// What it is for ("nightly import").
    pub name: String,
    /// Made at.
    pub created_at: DateTime<Utc>,
    /// Revoked at, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A single-use link: a new editor for `partner_id`, or a new password for `user_id`.
#[derive(Clone, Debug, Serialize)]
pub struct Invitation {
    /// Id.
    pub id: Uuid,
    /// The organisation a new editor will keep.
    pub partner_id: Option<Uuid>,
    /// The account whose password the link resets.
    pub user_id: Option<Uuid>,
    /// Who it was meant for, if the admin said.
    pub email: Option<String>,
    /// Who made it.
    pub created_by: String,
    /// Made at.
    pub created_at: DateTime<Utc>,
    /// Unusable after.
    pub expires_at: DateTime<Utc>,
    /// Used at (single use).
    pub used_at: Option<DateTime<Utc>>,
    /// Revoked at (by an admin, before it was used).
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A "list your organization" request.
#[derive(Clone, Debug, Serialize)]
pub struct Signup {
    /// The pending organisation.
    pub partner_id: Uuid,
    /// Who asked.
    pub contact_name: Option<String>,
    /// Where the approval (an invitation link) goes.
    pub contact_email: String,
    /// What they told the admins.
    pub message: Option<String>,
    /// pending, approved or declined.
    pub status: String,
    /// Why it was declined.
    pub reason: Option<String>,
    /// The admin who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<DateTime<Utc>>,
    /// When they asked.
    pub created_at: DateTime<Utc>,
}

/// One field's value before and after a change (JSON, as the API shows the field; `null` when
/// absent).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The record's field name (`hours`, `phones`, `status`, ...).
    pub field: String,
    /// Before.
    pub before: Value,
    /// After.
    pub after: Value,
}

/// Partner or site.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    /// An organisation.
    Partner,
    /// A site.
    Site,
}

impl Entity {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Partner => "partner",
            Self::Site => "site",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "partner" => Some(Self::Partner),
            "site" => Some(Self::Site),
            _ => None,
        }
    }
}

/// One change to the directory: who, when, and each field before and after.
#[derive(Clone, Debug, Serialize)]
pub struct Revision {
    /// Assigned by the database (0 before it is written).
    pub id: i64,
    /// Partner or site.
    pub entity: Entity,
    /// Which record.
    pub entity_id: Uuid,
    /// The organisation it belongs to (whose editors may read it).
    pub partner_id: Uuid,
    /// create, update, delete, verify, revert, approve, decline.
    pub action: String,
    /// The record's version after the change (`None` after a deletion).
    pub version: Option<i64>,
    /// Who.
    pub actor: Actor,
    /// When.
    pub at: DateTime<Utc>,
    /// Every field that changed.
    pub changes: Vec<FieldChange>,
    /// The revision this one reverted.
    pub reverts: Option<i64>,
}

/// One admin action.
#[derive(Clone, Debug, Serialize)]
pub struct AuditEntry {
    /// Assigned by the database.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: Actor,
    /// What (`site.update`, `invitation.create`, `signup.decline`, ...).
    pub action: String,
    /// On what (an id).
    pub target: Option<String>,
    /// Anything else worth keeping (never a secret).
    pub detail: Value,
}

/// Failed sign-ins for one email.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoginAttempts {
    /// Consecutive failures.
    pub failures: i64,
    /// Refused until then.
    pub locked_until: Option<DateTime<Utc>>,
}

/// Account and history writes, carried in a [`crate::store::Batch`] so they land in the same
/// transaction as the directory change they describe (or fail with it).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Record {
    /// A revision of a partner or site.
    Revision(Revision),
    /// An admin action.
    Audit(AuditEntry),
    /// A new account.
    CreateUser(User),
    /// A new password (a reset); also ends the account's sessions.
    SetPassword {
        /// Whose.
        user_id: Uuid,
        /// argon2id PHC string.
        password_hash: SecretString,
    },
    /// A new session.
    CreateSession(NewSession),
    /// Sign-out.
    DeleteSession {
        /// SHA-256 of the cookie value.
        token_hash: String,
    },
    /// A new API token.
    CreateToken {
        /// The token's record.
        token: ApiToken,
        /// SHA-256 of the secret.
        token_hash: String,
    },
    /// Revokes a token.
    RevokeToken {
        /// Which.
        id: Uuid,
        /// When.
        at: DateTime<Utc>,
    },
    /// A new link.
    CreateInvitation {
        /// The link's record.
        invitation: Invitation,
        /// SHA-256 of the secret in the link.
        token_hash: String,
    },
    /// Revokes an open link; not found when there is no such link or it was used or revoked
    /// already.
    RevokeInvitation {
        /// Which.
        id: Uuid,
        /// When.
        at: DateTime<Utc>,
    },
    /// Deactivates an account: it signs in no more, its sessions end and its API tokens are
    /// revoked. An account deactivated already is left as it is.
    DeactivateUser {
        /// Whose.
        user_id: Uuid,
        /// When.
        at: DateTime<Utc>,
        /// Who did it (as history names them).
        by: String,
    },
    /// Lets a deactivated account sign in again (with its password; its old sessions and
    /// tokens stay ended).
    ReactivateUser {
        /// Whose.
        user_id: Uuid,
    },
    /// Uses a link; fails the whole batch with a conflict when it was used or revoked already
    /// or has expired by `at` (so two uses at once cannot both succeed).
    UseInvitation {
        /// Which.
        id: Uuid,
        /// When.
        at: DateTime<Utc>,
    },
    /// A sign-up request.
    Signup(Signup),
    /// An admin's decision on a pending sign-up.
    DecideSignup {
        /// Which.
        partner_id: Uuid,
        /// approved or declined.
        status: String,
        /// Why (declined).
        reason: Option<String>,
        /// Who.
        by: String,
        /// When.
        at: DateTime<Utc>,
    },
}
