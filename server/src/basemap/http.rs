//! `GET /basemap/style.json` and `GET /basemap/tiles/{z}/{x}/{y}`: the deployment's basemap,
//! from this server's own origin.
//!
//! Tiles are answered as `application/vnd.mapbox-vector-tile`, gzip-compressed as stored when
//! the client accepts gzip (every browser does) and inflated otherwise; a tile the archive does
//! not have is `204 No Content` (an empty tile, as martin answers). Both carry an `ETag` of
//! the archive's version: tiles may be cached for a day, the style is revalidated on every
//! load (`no-cache`), so a new extract shows as soon as the server restarts with it. Without
//! `--basemap` both answer 404.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::http::error::ApiError;
use crate::http::extract::Params;
use crate::state::AppState;

/// `Content-Type` of a Mapbox Vector Tile (IANA registered).
pub const MVT: &str = "application/vnd.mapbox-vector-tile";
/// How long a browser may keep a tile without asking again.
pub const TILE_CACHE: &str = "public, max-age=86400";

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route("/basemap/style.json", get(style)).route("/basemap/tiles/{z}/{x}/{y}", get(tile))
}

fn archive(state: &AppState) -> Result<&crate::basemap::TileArchive, ApiError> {
    state
        .tiles
        .as_deref()
        .ok_or_else(|| ApiError::NotFound("a basemap (this server was started without --basemap)".to_owned()))
}

fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

async fn style(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Params, ApiError>,
) -> Result<Response, ApiError> {
    let params = params?;
    params.allow(&["lang"])?;
    let lang = params.language("lang")?;
    let archive = archive(&state)?;
    let etag = HeaderValue::from_str(&archive.etag).map_err(|e| ApiError::Internal(e.into()))?;
    let cache = [(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")), (header::ETAG, etag)];
    if not_modified(&headers, &archive.etag) {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    let body = super::style::style(&archive.info, lang.as_ref().map(|l| l.as_str()));
    Ok((cache, axum::Json(body)).into_response())
}

fn coordinate<T: std::str::FromStr>(name: &str, raw: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::param(name, format!("'{raw}' is not a whole number in range")))
}

async fn tile(
    State(state): State<AppState>,
    Path((z, x, y)): Path<(String, String, String)>,
    headers: HeaderMap,
    params: Result<Params, ApiError>,
) -> Result<Response, ApiError> {
    params?.allow(&[])?;
    let archive = archive(&state)?;
    let z: u8 = coordinate("z", &z)?;
    if z > 30 {
        return Err(ApiError::param("z", format!("{z} is above 30")));
    }
    let x: u32 = coordinate("x", &x)?;
    let y: u32 = coordinate("y", &y)?;
    let side = 1u64 << z;
    if u64::from(x) >= side {
        return Err(ApiError::param("x", format!("{x} is outside 0..{side} at zoom {z}")));
    }
    if u64::from(y) >= side {
        return Err(ApiError::param("y", format!("{y} is outside 0..{side} at zoom {z}")));
    }
    let etag = HeaderValue::from_str(&archive.etag).map_err(|e| ApiError::Internal(e.into()))?;
    let mut out = HeaderMap::new();
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static(TILE_CACHE));
    out.insert(header::ETAG, etag);
    out.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if not_modified(&headers, &archive.etag) {
        return Ok((StatusCode::NOT_MODIFIED, out).into_response());
    }
    let Some(stored) = archive.tile(z, x, y).await.map_err(|e| ApiError::Internal(e.into()))? else {
        return Ok((StatusCode::NO_CONTENT, out).into_response());
    };
    out.insert(header::CONTENT_TYPE, HeaderValue::from_static(MVT));
    let gzip_ok = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.split(';').next().is_some_and(|n| n.trim() == "gzip")));
    if stored.gzip && gzip_ok {
        out.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        return Ok((out, stored.bytes).into_response());
    }
    let plain = stored
        .inflate()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("inflating tile {z}/{x}/{y}: {e}")))?;
    Ok((out, plain).into_response())
}
