//! The HTTP toolkit every area's routes share: the one error type ([`error::ApiError`],
//! RFC 9457 problem+json), the extractors that parse requests at the edge ([`extract`]), who is
//! asking from where ([`client`], [`cookie`]), per-address limits ([`throttle`]), the
//! hand-written JSON writer ([`json_out`]), the serving loop ([`serving`]) and the small response
//! helpers below. Nothing here knows a feature: features depend on this module, never the
//! other way round.

pub mod client;
pub mod cookie;
pub mod error;
pub mod extract;
pub mod json_out;
pub mod serving;
pub mod throttle;

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use self::error::ApiError;
use crate::config::Settings;

/// `Cache-Control: no-store` on every answer of a route whose request carries where a family
/// is (a search's origin): no browser, proxy or CDN may keep the answer, errors included
/// (a 400 may name the ZIP code it could not read).
pub fn no_store() -> tower_http::set_header::SetResponseHeaderLayer<HeaderValue> {
    tower_http::set_header::SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    )
}

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

/// Already written JSON bytes as an `application/json` response (answers written by
/// [`json_out`]).
pub fn json_bytes(bytes: Vec<u8>) -> Response {
    let mut res = bytes.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res
}

/// [`respond`] as `application/json`.
pub fn json<T: Serialize>(body: &T) -> Result<Response, ApiError> {
    respond(body, "application/json")
}

/// [`respond`] as `application/geo+json`.
pub fn geojson<T: Serialize>(body: &T) -> Result<Response, ApiError> {
    respond(body, "application/geo+json")
}

/// The absolute address this server is reached at, without a trailing slash: `--public-url`
/// when set, else the request's `Host` (plain http; set `--public-url` behind TLS). `None` when
/// the Host header is not a plain host name, so a forged header never ends up in a link or a
/// QR code.
pub fn public_base(settings: &Settings, headers: &HeaderMap) -> Option<String> {
    if let Some(base) = &settings.public_url {
        return Some(base.trim_end_matches('/').to_owned());
    }
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let plain = !host.is_empty()
        && host.len() <= 255
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
    plain.then(|| format!("http://{host}"))
}
