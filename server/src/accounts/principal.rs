//! Who is asking: resolved once per request from a bearer token (the deployment's admin token
//! or a person's API token) or the session cookie, with the CSRF check for cookie requests
//! that change something.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, Method};
use chrono::Utc;
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use super::secret::{secrets_equal, sha256_hex};
use crate::domain::account::{Actor, Role, User};
pub use crate::http::cookie::{cookie_in, SESSION_COOKIE};
use crate::http::error::ApiError;
use crate::state::AppState;

/// The header a cookie-authenticated state-changing request carries its CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How a signed-in person proved who they are.
#[derive(Clone, Debug)]
pub enum Via {
    /// The session cookie (with this session's CSRF token and the cookie's hash).
    Session {
        /// The synchronizer token of the session.
        csrf_token: SecretString,
        /// SHA-256 of the cookie value (to end the session).
        token_hash: String,
    },
    /// An API token (`Authorization: Bearer`).
    Token,
}

/// Who is asking.
#[derive(Clone, Debug)]
pub enum Principal {
    /// Nobody signed in: reads public listings only.
    Public,
    /// The deployment's `--admin-token` (scripts; no person attached).
    DeploymentAdmin,
    /// A person, through a session or one of their API tokens.
    User {
        /// The account.
        user: User,
        /// How.
        via: Via,
    },
}

impl Principal {
    /// An admin: the deployment token or an admin account.
    pub fn is_admin(&self) -> bool {
        match self {
            Self::DeploymentAdmin => true,
            Self::User { user, .. } => user.role == Role::Admin,
            Self::Public => false,
        }
    }

    /// The organisation an editor keeps.
    pub fn editor_of(&self) -> Option<Uuid> {
        match self {
            Self::User { user, .. } if user.role == Role::Editor => user.partner_id,
            _ => None,
        }
    }

    /// May change (and read the history and hidden listings of) this organisation.
    pub fn can_edit(&self, partner_id: Uuid) -> bool {
        self.is_admin() || self.editor_of() == Some(partner_id)
    }

    /// The person, if one is signed in.
    pub fn user(&self) -> Option<&User> {
        match self {
            Self::User { user, .. } => Some(user),
            _ => None,
        }
    }

    /// How history names them.
    pub fn actor(&self) -> Actor {
        match self {
            Self::Public => Actor { id: None, label: "public".to_owned() },
            Self::DeploymentAdmin => Actor { id: None, label: "admin token".to_owned() },
            Self::User { user, .. } => Actor { id: Some(user.id), label: user.email.clone() },
        }
    }

    /// 401 unless someone is signed in.
    pub fn signed_in(&self) -> Result<(), ApiError> {
        match self {
            Self::Public => Err(ApiError::Unauthorized),
            _ => Ok(()),
        }
    }

    /// 401 for nobody, 403 for a signed-in non-admin.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        self.signed_in()?;
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::Forbidden("only an admin may do this".to_owned()))
        }
    }

    /// 401 for nobody, 403 for someone who may not edit `partner_id`.
    pub fn require_editor_of(&self, partner_id: Uuid) -> Result<(), ApiError> {
        self.signed_in()?;
        if self.can_edit(partner_id) {
            Ok(())
        } else {
            Err(ApiError::Forbidden("you may edit only your own organization and its sites".to_owned()))
        }
    }
}

/// The value of cookie `name` in the request.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    cookie_in(&parts.headers, name)
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

async fn resolve(parts: &Parts, state: &AppState) -> Result<Principal, ApiError> {
    let store = state.directory.store();
    if let Some(given) = bearer(parts) {
        // Bearer requests carry their credential explicitly (a browser never adds one on its
        // own), so they need no CSRF token.
        if let Some(expected) = state.settings.admin_token.as_ref().map(ExposeSecret::expose_secret) {
            if secrets_equal(given, expected) {
                return Ok(Principal::DeploymentAdmin);
            }
        }
        return match store.token_user(&sha256_hex(given)).await? {
            Some((_, user)) => Ok(Principal::User { user, via: Via::Token }),
            None => Err(ApiError::Unauthorized),
        };
    }
    let Some(cookie) = cookie(parts, SESSION_COOKIE) else { return Ok(Principal::Public) };
    let token_hash = sha256_hex(cookie);
    let Some((user, csrf_token)) = store.session(&token_hash, Utc::now()).await? else {
        // An expired or unknown session is no one; a write then answers 401.
        return Ok(Principal::Public);
    };
    if changes_state(&parts.method) {
        let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
        if sent.is_empty() || !secrets_equal(sent, csrf_token.expose_secret()) {
            return Err(ApiError::Forbidden(
                "this request needs the session's CSRF token in the X-CSRF-Token header".to_owned(),
            ));
        }
    }
    Ok(Principal::User { user, via: Via::Session { csrf_token, token_hash } })
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(p) = parts.extensions.get::<Self>() {
            return Ok(p.clone());
        }
        let p = resolve(parts, state).await?;
        parts.extensions.insert(p.clone());
        Ok(p)
    }
}
