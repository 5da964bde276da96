//! `GET /api/v1/export?f=hsds-json|hsds-csv|csv|geojson`: the whole directory in one answer.
//! The HSDS data package is several files, so `f=hsds-csv` takes `table=` (a file of the
//! package: `services.csv`, …, or `datapackage.json`; default `datapackage.json`). Public
//! unless the request carries the admin token, which gets the full data.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::Format;
use crate::accounts::guard::MaybeAdmin;
use crate::directory::view::Viewer;
use crate::http::error::ApiError;
use crate::http::extract::Params;
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/export", get(export))
}

fn body(bytes: Vec<u8>, content_type: &'static str, file: &str) -> Response {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn export(
    State(state): State<AppState>,
    MaybeAdmin(admin): MaybeAdmin,
    params: Params,
) -> Result<Response, ApiError> {
    params.allow(&["f", "table"])?;
    let format = params
        .parse("f", Format::parse)?
        .ok_or_else(|| ApiError::param("f", "is required (hsds-json, hsds-csv, csv or geojson)"))?;
    if format != Format::HsdsCsv && params.get("table").is_some() {
        return Err(ApiError::param("table", "is only for f=hsds-csv"));
    }
    let viewer = if admin { Viewer::Admin } else { Viewer::Public };
    let catalog = state.directory.read();
    let json = |v: &serde_json::Value| serde_json::to_vec(v).map_err(|e| ApiError::Internal(e.into()));
    Ok(match format {
        Format::HsdsJson => {
            body(json(&super::hsds_document(&catalog, viewer))?, "application/json", "assetmap-hsds.json")
        }
        Format::GeoJson => {
            body(json(&super::geojson(&catalog, viewer))?, "application/geo+json", "assetmap.geojson")
        }
        Format::Csv => {
            body(super::csv(&catalog, viewer).into_bytes(), "text/csv; charset=utf-8", "assetmap.csv")
        }
        Format::HsdsCsv => {
            let want = params.get("table").unwrap_or("datapackage.json");
            let files = super::hsds_tables(&super::hsds_document(&catalog, viewer));
            let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
            let Some((name, text)) = files.iter().find(|(n, _)| n == want) else {
                return Err(ApiError::param(
                    "table",
                    format!("'{want}' is not a file of the package ({})", names.join(", ")),
                ));
            };
            let ct = if name.ends_with(".json") { "application/json" } else { "text/csv; charset=utf-8" };
            body(text.clone().into_bytes(), ct, name)
        }
    })
}
