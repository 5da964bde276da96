//! Extractors for handlers that need an admin: the deployment's `--admin-token` (compared in
//! constant time) or a signed-in admin account. Who is asking is resolved by
//! [`crate::accounts::principal::Principal`]; these are shorthands over it.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::accounts::principal::Principal;
use crate::http::error::ApiError;
use crate::state::AppState;

/// Present in a handler's arguments: the request came from an admin (401 for nobody, 403 for
/// a signed-in editor).
#[derive(Debug)]
pub struct Admin(pub Principal);

/// Whether the request came from an admin (for read endpoints that show more to admins).
/// Never refuses: bad credentials read as the public.
#[derive(Debug, Clone, Copy)]
pub struct MaybeAdmin(pub bool);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let p = Principal::from_request_parts(parts, state).await?;
        p.require_admin()?;
        Ok(Self(p))
    }
}

impl FromRequestParts<AppState> for MaybeAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Self(Principal::from_request_parts(parts, state).await.is_ok_and(|p| p.is_admin())))
    }
}
