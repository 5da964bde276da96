//! The JSON API under `/api/v1`, one module per area, each with its own `router()`.

pub mod auth;
pub mod client_config;
pub mod directory;
pub mod nearest;
pub mod view;

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::ApiError;

/// Serialises `body` straight to the response bytes with `content_type` (views borrow the
/// catalog, so answers are written while it is held, with no intermediate JSON tree).
pub fn respond<T: Serialize>(body: &T, content_type: &'static str) -> Result<Response, ApiError> {
    // Most answers are a few kilobytes: start there rather than grow from 128 bytes by copies.
    let mut bytes = Vec::with_capacity(8 * 1024);
    serde_json::to_writer(&mut bytes, body).map_err(|e| ApiError::Internal(e.into()))?;
    let mut res = bytes.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(res)
}

/// [`respond`] as `application/json`.
pub fn json<T: Serialize>(body: &T) -> Result<Response, ApiError> {
    respond(body, "application/json")
}

/// [`respond`] as `application/geo+json`.
pub fn geojson<T: Serialize>(body: &T) -> Result<Response, ApiError> {
    respond(body, "application/geo+json")
}
