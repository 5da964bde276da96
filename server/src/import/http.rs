//! `POST /api/v1/import` (admins): the body is one file — our CSV (`text/csv`) or GeoJSON
//! (`application/geo+json`) — read exactly as `assetmap import` reads it. A dry run unless
//! `commit=true`; a commit writes everything in one transaction or, if any row is bad, nothing
//! (422 with the report). `GET /api/v1/import/template.csv`: the spreadsheet template.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde_json::{json, Value};

use super::area::AreaCheck;
use super::geojson_map::PropertyMap;
use super::mapping::CategoryMapping;
use super::{prepare, Encoding, ImportError, Options, Report};
use crate::accounts::guard::Admin;
use crate::domain::FieldError;
use crate::http::error::ApiError;
use crate::http::extract::Params;
use crate::state::AppState;

/// Largest import body: 20 MiB (100,000 rows of our CSV are about 15 MiB).
pub const IMPORT_LIMIT: usize = 20 * 1024 * 1024;

/// The import routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/import", post(import).layer(DefaultBodyLimit::max(IMPORT_LIMIT)))
        .route("/api/v1/import/template.csv", get(template))
}

async fn template() -> Response {
    let mut res = super::template::template_csv().into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"assetmap-template.csv\""),
    );
    res
}

/// Which parser a body's media type selects.
fn format_of(content_type: Option<&str>) -> Result<&'static str, ApiError> {
    let mime = content_type.map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
    match mime.as_deref() {
        Some("text/csv") => Ok("csv"),
        Some("application/geo+json") => Ok("geojson"),
        // GeoJSON or HSDS 3.0 JSON, told apart by their content.
        Some("application/json") => Ok("json"),
        Some("application/zip" | "application/x-zip-compressed") => Ok("zip"),
        other => Err(ApiError::UnsupportedFormat(format!(
            "the body is {}; send a file as text/csv (our CSV; GET /api/v1/import/template.csv) or \
             application/geo+json (a GeoJSON FeatureCollection), or application/json (GeoJSON or HSDS 3.0 \
             JSON), or application/zip (a zipped Ohana folder or HSDS data package)",
            other.map_or_else(|| "untyped (no Content-Type)".to_owned(), |m| format!("'{m}'"))
        ))),
    }
}

/// A shipped file of `data/mappings/` (`dir` below it), by name without its extension.
fn shipped(
    state: &AppState,
    param: &str,
    dir: &str,
    name: &str,
    ext: &str,
) -> Result<std::path::PathBuf, ApiError> {
    let ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !ok {
        return Err(ApiError::param(
            param,
            "is the name of a shipped mapping file (letters, digits, - and _)",
        ));
    }
    let path = state.settings.data_dir.join("mappings").join(dir).join(format!("{name}.{ext}"));
    if !path.is_file() {
        return Err(ApiError::param(param, format!("'{name}' is not a shipped mapping file")));
    }
    Ok(path)
}

/// A shipped property map (`data/mappings/geojson/NAME.json`), by name.
fn property_map(state: &AppState, name: &str) -> Result<PropertyMap, ApiError> {
    let path = shipped(state, "properties", "geojson", name, "json")?;
    PropertyMap::load(&path).map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))
}

/// A shipped category mapping (`data/mappings/NAME.csv`), by name.
fn category_mapping(state: &AppState, param: &str, name: &str) -> Result<CategoryMapping, ApiError> {
    let path = shipped(state, param, "", name, "csv")?;
    CategoryMapping::load(&path).map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))
}

/// An import problem document: 422 with every bad row (file, row, field) and the report.
fn unprocessable(detail: String, errors: Vec<FieldError>, report: Option<&Report>) -> Response {
    let mut problem =
        serde_json::to_value(ApiError::Validation(errors).problem()).unwrap_or_else(|_| json!({}));
    problem["detail"] = json!(detail);
    if let Some(r) = report {
        problem["report"] = serde_json::to_value(r).unwrap_or(Value::Null);
    }
    let mut res = (StatusCode::UNPROCESSABLE_ENTITY, Json(problem)).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    res
}

fn import_error(e: ImportError) -> Response {
    match e {
        ImportError::File { file, message } => unprocessable(
            format!("{file} {message}"),
            vec![FieldError::new("body", format!("{file} {message}"))],
            None,
        ),
        ImportError::Invalid(report) => {
            let errors = report
                .errors
                .iter()
                .map(|p| FieldError::new(p.field.clone(), format!("{} row {}: {}", p.file, p.row, p.message)))
                .collect();
            unprocessable(
                format!("{} bad row(s); nothing was written", report.errors.len()),
                errors,
                Some(&report),
            )
        }
        ImportError::Store(e) => ApiError::from(e).into_response(),
    }
}

async fn import(State(state): State<AppState>, _admin: Admin, params: Params, req: Request) -> Response {
    match run(state, params, req).await {
        Ok(res) => res,
        Err(Failure::Api(e)) => e.into_response(),
        Err(Failure::Import(e)) => import_error(e),
    }
}

enum Failure {
    Api(ApiError),
    Import(ImportError),
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

impl From<ImportError> for Failure {
    fn from(e: ImportError) -> Self {
        Self::Import(e)
    }
}

async fn run(state: AppState, params: Params, req: Request) -> Result<Response, Failure> {
    params.allow(&["commit", "name", "encoding", "properties", "mapping"])?;
    let commit = params.flag("commit")?;
    let encoding = params.parse("encoding", Encoding::parse)?.unwrap_or_default();
    let format = format_of(req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()))?;
    let properties = params.get("properties").map(|n| property_map(&state, n)).transpose()?;
    let mapping = params.get("mapping").map(|n| category_mapping(&state, "mapping", n)).transpose()?;
    if properties.is_some() && (format == "csv" || format == "zip") {
        return Err(ApiError::param("properties", "applies to GeoJSON bodies only").into());
    }
    // The extension picks the parser: a name that says otherwise gets the body's own.
    let name = params.get("name").map_or_else(|| format!("upload.{format}"), str::to_owned);
    let name = if name.to_ascii_lowercase().ends_with(&format!(".{format}")) {
        name
    } else {
        format!("{name}.{format}")
    };
    let body = Bytes::from_request(req, &state).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::param("body", e.body_text())
        }
    })?;
    if body.is_empty() {
        return Err(ApiError::param("body", "is empty: send the file as the request body").into());
    }
    let opts = Options {
        encoding,
        area: Some(Arc::new(AreaCheck::new(
            state.settings.service_area.clone(),
            Arc::clone(&state.population),
        ))),
        properties: properties.map(Arc::new),
        mapping,
    };
    let parsed = if format == "zip" {
        let ohana =
            category_mapping(&state, "mapping", super::ohana::DEFAULT_MAPPING.trim_end_matches(".csv"))?;
        super::archive::parse_zip(&name, &body, &opts, Some(ohana))?
    } else {
        super::parse_bytes(&name, &body, &opts)?
    };
    let now = Utc::now();
    if !commit {
        let report = {
            let catalog = state.directory.read();
            prepare(&catalog, parsed, &opts, now).1
        };
        return Ok(Json(report).into_response());
    }
    let report = state
        .directory
        .commit(|catalog| {
            let (batch, mut report) = prepare(catalog, parsed, &opts, now);
            if !report.errors.is_empty() {
                return Err(ImportError::Invalid(Box::new(report)));
            }
            report.committed = true;
            Ok((batch, report))
        })
        .await?;
    tracing::info!(
        sites_created = report.sites_created,
        sites_updated = report.sites_updated,
        partners_created = report.partners_created,
        "import committed"
    );
    Ok(Json(report).into_response())
}
