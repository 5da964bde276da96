//! The admin token that guards writes until partner accounts arrive: `Authorization: Bearer
//! <token>`, compared in constant time with the configured `ASSETMAP_ADMIN_TOKEN`.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::app::AppState;
use crate::error::ApiError;

/// Present in a handler's arguments: the request carried the admin token.
#[derive(Debug)]
pub struct Admin;

/// Whether the request carried the admin token (for read endpoints that show more to admins).
#[derive(Debug, Clone, Copy)]
pub struct MaybeAdmin(pub bool);

/// Compares two secrets without an early exit, so timing does not reveal a prefix.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, x) in a.iter().enumerate() {
        diff |= usize::from(x ^ b.get(i % b.len().max(1)).copied().unwrap_or(0));
    }
    diff == 0
}

fn is_admin(parts: &Parts, state: &AppState) -> bool {
    let Some(expected) = state.settings.admin_token.as_deref() else {
        return false;
    };
    let given = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    !given.is_empty() && constant_time_eq(given.as_bytes(), expected.as_bytes())
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if is_admin(parts, state) {
            Ok(Self)
        } else {
            Err(ApiError::Unauthorized)
        }
    }
}

impl FromRequestParts<AppState> for MaybeAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Self(is_admin(parts, state)))
    }
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn compares_whole_secrets() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
        assert!(!constant_time_eq(b"", b"x"));
    }
}
