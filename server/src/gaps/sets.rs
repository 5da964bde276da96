//! Saved demand sets: an admin saves a school's count table under a name ("Our families, fall
//! 2026") and the gap page reuses it (`demand_set=ID` on `/api/v1/gaps` and
//! `/api/v1/coverage`). Only the aggregated ZIP × language cells are stored (see
//! [`crate::store::demand_sets`]); every answer computed from them is suppressed
//! ([`super::suppress`]). Every route here is for admins only.
//!
//! `POST /api/v1/demand-sets?name=…` (the count table, CSV or XLSX, as the body),
//! `GET /api/v1/demand-sets`, `DELETE /api/v1/demand-sets/{id}`.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use chrono::Utc;
use serde_json::{json, Value};

use crate::accounts::principal::Principal;
use crate::domain::{FieldError, LanguageCode};
use crate::http::error::ApiError;
use crate::http::extract::Params;
use crate::places::counts::{CountCell, CountTable};
use crate::places::demand::{Demand, DemandSource};
use crate::state::AppState;
use crate::store::demand_sets::{DemandSetInfo, StoredCell};

/// Largest count table accepted: 16 MiB, as for a demand file sent to the gap endpoints.
pub const UPLOAD_LIMIT: usize = 16 * 1024 * 1024;

/// Longest set name, in characters.
pub const MAX_NAME: usize = 120;

/// Routes of saved demand sets.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/demand-sets", get(list).post(create).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)))
        .route("/api/v1/demand-sets/{id}", delete(remove))
}

fn info_json(i: &DemandSetInfo, languages: &[LanguageCode]) -> Value {
    let mut v = json!(i);
    if !languages.is_empty() {
        v["languages"] = json!(languages);
    }
    v
}

fn who(p: &Principal) -> String {
    match p {
        Principal::User { user, .. } => user.email.clone(),
        _ => "admin token".to_owned(),
    }
}

async fn create(
    State(state): State<AppState>,
    who_: Result<Principal, ApiError>,
    params: Params,
    body: Bytes,
) -> Result<Response, ApiError> {
    let principal = who_?;
    principal.require_admin()?;
    params.allow(&["name"])?;
    let name = params
        .get("name")
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            ApiError::param("name", "is required: what the page lists, e.g. 'Our families, fall 2026'")
        })?
        .to_owned();
    if name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(ApiError::param("name", format!("at most {MAX_NAME} characters, no control characters")));
    }
    if body.trim_ascii().is_empty() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "body",
            "is empty: send the count table (zip,language,count; CSV or XLSX)",
        )]));
    }
    let zips = std::sync::Arc::clone(&state.population.zips);
    let table = tokio::task::spawn_blocking(move || crate::places::counts::parse(&body, &zips))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(|problems| ApiError::Validation(problems.iter().map(|p| p.to_field_error()).collect()))?;
    // Only the cells with families: a zero says nothing the absence of a row does not.
    let cells: Vec<StoredCell> = table
        .cells
        .iter()
        .filter(|c| c.count > 0)
        .map(|c| (c.zip_str().to_owned(), c.language.to_string(), c.count as i64))
        .collect();
    let mut info = DemandSetInfo {
        id: 0,
        name,
        label: table.label.clone(),
        group_column: table.group_column.clone(),
        cells: cells.len() as i64,
        total: table.total() as i64,
        created_at: Utc::now(),
        created_by: who(&principal),
    };
    info.id = state.directory.store().create_demand_set(&info, &cells).await.map_err(|e| match e {
        crate::store::StoreError::Constraint(m) => ApiError::Validation(vec![FieldError::new("name", m)]),
        e => e.into(),
    })?;
    tracing::info!(set = info.id, cells = info.cells, "demand set saved");
    Ok((StatusCode::CREATED, Json(info_json(&info, &table.languages()))).into_response())
}

async fn list(
    State(state): State<AppState>,
    who_: Result<Principal, ApiError>,
    params: Params,
) -> Result<Response, ApiError> {
    who_?.require_admin()?;
    params.allow(&[])?;
    let sets = state.directory.store().demand_sets().await?;
    Ok(Json(json!({"demand_sets": sets.iter().map(|s| info_json(s, &[])).collect::<Vec<_>>()}))
        .into_response())
}

/// Parses a set id from a path or a query parameter.
pub fn parse_id(raw: &str) -> Result<i64, String> {
    raw.trim().parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| format!("'{raw}' is not a demand set id"))
}

async fn remove(
    State(state): State<AppState>,
    who_: Result<Principal, ApiError>,
    params: Params,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    who_?.require_admin()?;
    params.allow(&[])?;
    let id = parse_id(&id).map_err(|m| ApiError::param("id", m))?;
    if state.directory.store().delete_demand_set(id).await? {
        tracing::info!(set = id, "demand set deleted");
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::NotFound(format!("demand set {id}")))
    }
}

/// A saved set as demand, for an admin (`demand_set=ID`); 404 when there is none.
pub async fn load(state: &AppState, who: &Result<Principal, ApiError>, id: i64) -> Result<Demand, ApiError> {
    match who {
        Ok(p) => p.require_admin()?,
        Err(_) => return Err(ApiError::Unauthorized),
    }
    let (info, cells) = state
        .directory
        .store()
        .demand_set(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("demand set {id}")))?;
    let gaps = std::sync::Arc::clone(&state.population);
    tokio::task::spawn_blocking(move || {
        let cells = cells
            .iter()
            .map(|(zip, lang, count)| {
                let zip = crate::places::zip::parse_zip(zip);
                let language = LanguageCode::parse(lang).ok();
                match (zip, language) {
                    (Some(zip), Some(language)) => {
                        Ok(CountCell { zip, language, count: (*count).max(0) as u64 })
                    }
                    _ => Err(ApiError::Internal(anyhow::anyhow!(
                        "demand set {id}: unreadable cell {zip:?} {lang}"
                    ))),
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let table = CountTable { cells, label: info.label.clone(), group_column: info.group_column.clone() };
        let source =
            DemandSource::Counts { name: info.name.clone(), label: info.label.clone(), set_id: Some(id) };
        Ok(table.demand(source, &gaps.zips, &|at| gaps.census.county_near(at)))
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))?
}
