//! `GET /api/v1/gaps` and `GET /api/v1/coverage`, and their `POST` forms, which take a demand CSV
//! as the body for that one request (aggregates only; checked row by row; never stored).
//!
//! The analysis runs on a blocking thread with the catalog lock already released: the lock is
//! held only to copy the matching sites' positions.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use super::{CandidateSpec, CsvTable, GapRequest};
use crate::accounts::principal::Principal;
use crate::domain::FieldError;
use crate::http::error::ApiError;
use crate::http::extract::Params;
use crate::places::demand::Demand;
use crate::search::http as nearest;
use crate::state::AppState;

/// Largest demand CSV accepted in a request body: 16 MiB, room for every tract of the country.
pub const UPLOAD_LIMIT: usize = 16 * 1024 * 1024;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    super::sets::router()
        .route("/api/v1/gaps", get(gaps_get).post(gaps_post).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)))
        .route(
            "/api/v1/coverage",
            get(coverage_get).post(coverage_post).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
}

const GAP_PARAMS: [&str; 15] = [
    "demand_set",
    "category",
    "threshold_m",
    "thresholds",
    "lang",
    "free",
    "walk_in",
    "no_id",
    "open_at",
    "resolution",
    "suggest",
    "candidates",
    "top",
    "f",
    "table",
];

const COVERAGE_PARAMS: [&str; 8] =
    ["demand_set", "thresholds", "lang", "free", "walk_in", "no_id", "open_at", "f"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Json,
    GeoJson,
    Csv,
    /// The printable one-page report (gaps only).
    Html,
}

fn format(params: &Params, geojson: bool) -> Result<Format, ApiError> {
    match params.get("f").map(str::to_ascii_lowercase).as_deref() {
        None | Some("json") => Ok(Format::Json),
        Some("csv") => Ok(Format::Csv),
        Some("geojson") if geojson => Ok(Format::GeoJson),
        Some("html") if geojson => Ok(Format::Html),
        Some(other) => Err(ApiError::param(
            "f",
            format!(
                "'{other}' is not a format of this endpoint (json, {}csv)",
                if geojson { "geojson, html, " } else { "" }
            ),
        )),
    }
}

/// Parses the gap question from the query string.
fn gap_request(params: &Params, state: &AppState) -> Result<GapRequest, ApiError> {
    params.allow(&GAP_PARAMS)?;
    let category = nearest::category(params, state, "category")?
        .ok_or_else(|| ApiError::param("category", "is required (see /api/v1/categories)"))?;
    let threshold_m = params
        .number("threshold_m")?
        .ok_or_else(|| ApiError::param("threshold_m", "is required (metres, e.g. 5000)"))?;
    let threshold_m = super::check_threshold(threshold_m).map_err(|m| ApiError::param("threshold_m", m))?;
    let thresholds = params.parse("thresholds", super::parse_distances)?.unwrap_or_default();
    let (filter, _) = nearest::filter(params)?;
    let lang = params.language("lang")?;
    let resolution = params.integer("resolution", 0..=15)?.unwrap_or(7);
    let resolution = super::check_resolution(resolution).map_err(|m| ApiError::param("resolution", m))?;
    let candidates = params.parse("candidates", CandidateSpec::parse)?.unwrap_or(CandidateSpec::Demand);
    if let CandidateSpec::Categories(cats) = &candidates {
        let catalog = state.directory.read();
        if let Some(c) = cats.iter().find(|c| !catalog.is_category(c)) {
            return Err(ApiError::param(
                "candidates",
                format!("'{c}' is not a known category (or use 'tracts')"),
            ));
        }
    }
    Ok(GapRequest {
        category,
        filter,
        lang,
        open_at: params.get("open_at").map(str::to_owned),
        threshold_m,
        thresholds,
        resolution,
        suggest: params.integer("suggest", 0..=super::MAX_SUGGEST)?.unwrap_or(3),
        top: params.integer("top", 0..=super::MAX_TOP)?.unwrap_or(10),
        candidates,
    })
}

async fn gaps_get(
    State(state): State<AppState>,
    who: Result<Principal, ApiError>,
    params: Params,
) -> Result<Response, ApiError> {
    params.allow(&GAP_PARAMS)?;
    let input = input(&state, &who, &params, None).await?;
    gaps(state, params, input).await
}

async fn gaps_post(
    State(state): State<AppState>,
    who: Result<Principal, ApiError>,
    params: Params,
    body: Bytes,
) -> Result<Response, ApiError> {
    params.allow(&GAP_PARAMS)?;
    let limit = upload_limit(&state, &who);
    let input = input(&state, &who, &params, Some((body, limit))).await?;
    gaps(state, params, input).await
}

/// Where a request's demand comes from.
enum Input {
    /// The deployment's own.
    Deployment,
    /// A file in the body, with the most points it may hold.
    Upload(Bytes, Option<usize>),
    /// A saved demand set, loaded.
    Set(Arc<Demand>),
}

/// The demand a request asks for: `demand_set=ID` (admins), a body, or the deployment's.
async fn input(
    state: &AppState,
    who: &Result<Principal, ApiError>,
    params: &Params,
    body: Option<(Bytes, Option<usize>)>,
) -> Result<Input, ApiError> {
    if body.is_some() && params.get("demand_set").is_some() {
        return Err(ApiError::param(
            "demand_set",
            "is not a parameter of POST: a POST sends its demand as the body; ask for a saved set with GET",
        ));
    }
    let body = body.filter(|(b, _)| !b.trim_ascii().is_empty());
    let Some(id) = params.parse("demand_set", super::sets::parse_id)? else {
        return Ok(body.map_or(Input::Deployment, |(b, l)| Input::Upload(b, l)));
    };
    if body.is_some() {
        return Err(ApiError::param(
            "demand_set",
            "give a demand file as the body or a demand_set, not both",
        ));
    }
    Ok(Input::Set(Arc::new(super::sets::load(state, who, id).await?)))
}

/// The most demand points `who` may upload: signed-in accounts and the admin token are not
/// limited; anyone else (bad credentials included) is, to bound what one request costs.
fn upload_limit(state: &AppState, who: &Result<Principal, ApiError>) -> Option<usize> {
    match who {
        Ok(Principal::Public) | Err(_) => Some(state.settings.anonymous_demand_points),
        Ok(_) => None,
    }
}

async fn gaps(state: AppState, params: Params, body: Input) -> Result<Response, ApiError> {
    let req = gap_request(&params, &state)?;
    let format = format(&params, true)?;
    let table = params.parse("table", CsvTable::parse)?;
    if table.is_some() && format != Format::Csv {
        return Err(ApiError::param("table", "applies to f=csv only"));
    }
    let prepared = {
        let catalog = state.directory.read();
        super::prepare(&catalog, &req)
    };
    let gaps = Arc::clone(&state.population);
    let filename = format!("gaps-{}-{}m.csv", req.category, req.threshold_m);
    blocking(move || {
        let demand = demand_of(&gaps, body)?;
        let (report, demand_json) = super::compute(&demand, prepared, &req);
        Ok(match format {
            Format::Json => json_text_response(
                super::gaps_json(&req, &report, demand_json, &gaps.counties, &demand),
                "application/json",
            ),
            Format::GeoJson => json_text_response(report.cells_geojson(&demand), "application/geo+json"),
            Format::Html => {
                let text = super::gaps_json(&req, &report, demand_json, &gaps.counties, &demand);
                let v: Value = serde_json::from_str(&text).map_err(|e| ApiError::Internal(e.into()))?;
                let today = chrono::Utc::now().format("%B %-d, %Y").to_string();
                let mut res = super::report::html(&v, &today).into_response();
                res.headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
                res
            }
            Format::Csv => csv_response(
                super::gaps_csv(&report, table.unwrap_or(CsvTable::Tracts), &gaps.counties)
                    .map_err(|e| ApiError::Internal(e.into()))?,
                &filename,
            ),
        })
    })
    .await
}

/// The demand of a request: a saved set, the uploaded file if there is a body (with the most
/// points it may hold), else — no body, or an empty one — the deployment's.
fn demand_of(gaps: &crate::places::Population, body: Input) -> Result<Arc<Demand>, ApiError> {
    let (bytes, limit) = match body {
        Input::Deployment => return Ok(Arc::clone(&gaps.demand)),
        Input::Set(d) => return Ok(d),
        Input::Upload(b, l) => (b, l),
    };
    let demand = crate::places::upload_demand(&gaps.census, &gaps.zips, "request body", &bytes)
        .map_err(|problems| ApiError::Validation(problems.iter().map(|p| p.to_field_error()).collect()))?;
    if let Some(limit) = limit.filter(|&l| demand.len() > l) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "body",
            format!(
                "has {} demand points; a request without an account may send at most {limit} \
                 (sign in, or send the admin token, for more)",
                demand.len()
            ),
        )]));
    }
    Ok(Arc::new(demand))
}

async fn coverage_get(
    State(state): State<AppState>,
    who: Result<Principal, ApiError>,
    params: Params,
) -> Result<Response, ApiError> {
    params.allow(&COVERAGE_PARAMS)?;
    let input = input(&state, &who, &params, None).await?;
    coverage(state, params, input).await
}

async fn coverage_post(
    State(state): State<AppState>,
    who: Result<Principal, ApiError>,
    params: Params,
    body: Bytes,
) -> Result<Response, ApiError> {
    params.allow(&COVERAGE_PARAMS)?;
    let limit = upload_limit(&state, &who);
    let input = input(&state, &who, &params, Some((body, limit))).await?;
    coverage(state, params, input).await
}

async fn coverage(state: AppState, params: Params, body: Input) -> Result<Response, ApiError> {
    params.allow(&COVERAGE_PARAMS)?;
    let format = format(&params, false)?;
    let thresholds = params
        .parse("thresholds", super::parse_distances)?
        .unwrap_or_else(|| super::DEFAULT_THRESHOLDS.to_vec());
    let (filter, mut echo) = nearest::filter(&params)?;
    echo["thresholds_m"] = json!(thresholds);
    let sets = super::category_sets(&state.directory.read(), &filter);
    let gaps = Arc::clone(&state.population);
    let lang = params.language("lang")?;
    let directory = Arc::clone(&state.directory);
    blocking(move || {
        let demand = demand_of(&gaps, body)?;
        let narrowed = lang.as_ref().and_then(|l| demand.for_language(l.packed()));
        let demand = narrowed.as_ref().unwrap_or(&demand);
        let rows = super::coverage(demand, sets, &thresholds);
        // The per-language view: each language of the demand against the sites that speak it.
        let languages = super::view_languages(demand, lang);
        let lang_sets = super::language_sets(&directory.read(), &filter, &languages);
        let by_language = super::coverage_by_language(demand, lang_sets, &thresholds);
        let rule = super::rule_of(demand);
        Ok(match format {
            Format::Csv => csv_response(
                super::coverage_csv(&rows, &by_language, rule).map_err(|e| ApiError::Internal(e.into()))?,
                "coverage.csv",
            ),
            _ => json_response(super::coverage_json(echo, demand, &thresholds, &rows, &by_language)),
        })
    })
    .await
}

/// Runs CPU work (parsing an upload, searching, rendering) off the async threads.
async fn blocking(
    work: impl FnOnce() -> Result<Response, ApiError> + Send + 'static,
) -> Result<Response, ApiError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| ApiError::Internal(e.into()))?
}

fn json_response(v: Value) -> Response {
    axum::Json(v).into_response()
}

fn json_text_response(text: String, content_type: &'static str) -> Response {
    let mut res = text.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

fn csv_response(text: String, filename: &str) -> Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    let mut res = text.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    res.headers_mut().insert(header::CONTENT_DISPOSITION, disposition);
    res
}
