//! `GET /api/v1/nearest`: the k nearest public sites to a point or a ZIP code, by great-circle
//! distance, with the category and filters a counselor needs.
//!
//! The origin is used to answer and then dropped: it is not logged (the request log records the
//! route template only) and not stored.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use serde::Serialize;
use serde_json::{json, Value};

use crate::directory::view::{self, SiteView, Viewer};
use crate::domain::{Category, LanguageCode, LonLat, OpenAt};
use crate::http::error::ApiError;
use crate::http::extract::{Params, Query, QueryRequest};
use crate::http::json_out;
use crate::openapi::build::{flag, int, query, schema};
use crate::search::index::Filter;
use crate::search::{NearestQuery, DEFAULT_K, MAX_K};
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/nearest", get(nearest).layer(crate::http::no_store()))
}

/// Where a search starts: a point or a ZIP code's internal point.
pub fn origin(params: &Params, state: &AppState) -> Result<(LonLat, Value), ApiError> {
    match (params.get("zip"), params.get("lon"), params.get("lat")) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            Err(ApiError::param("zip", "give either zip or lon and lat, not both"))
        }
        (Some(zip), None, None) => {
            if crate::places::zip::parse_zip(zip).is_none() {
                return Err(ApiError::param("zip", format!("'{zip}' is not a five-digit ZIP code")));
            }
            // A well-formed ZIP code with no ZIP area: no such place (404, naming the field).
            let at = state.zips.lookup(zip).ok_or_else(|| ApiError::UnknownPlace {
                field: "zip",
                detail: format!("ZIP code {zip} is not known (it has no ZIP code area)"),
            })?;
            Ok((at, json!({"lon": at.lon(), "lat": at.lat(), "source": "zip", "zip": zip})))
        }
        (None, _, _) => {
            let lon =
                params.number("lon")?.ok_or_else(|| ApiError::param("lon", "is required (or give zip)"))?;
            let lat =
                params.number("lat")?.ok_or_else(|| ApiError::param("lat", "is required (or give zip)"))?;
            let at = LonLat::new(lon, lat).map_err(ApiError::BadRequest)?;
            Ok((at, json!({"lon": at.lon(), "lat": at.lat(), "source": "coordinates"})))
        }
    }
}

/// A category parameter that must be in the taxonomy.
pub fn category(params: &Params, state: &AppState, name: &str) -> Result<Option<Category>, ApiError> {
    let Some(c) = params.parse(name, Category::parse)? else {
        return Ok(None);
    };
    if !state.directory.read().is_category(&c) {
        return Err(ApiError::param(name, format!("'{c}' is not a known category (see /api/v1/categories)")));
    }
    Ok(Some(c))
}

/// The post-filters shared by nearest, gaps and the map.
pub fn filter(params: &Params) -> Result<(Filter, Value), ApiError> {
    let lang = params.language("lang")?;
    let open_at = params.parse("open_at", OpenAt::parse)?;
    let f = Filter {
        language: lang.as_ref().map(LanguageCode::packed),
        free: params.flag("free")?,
        walk_in: params.flag("walk_in")?,
        no_id: params.flag("no_id")?,
        open_at,
        verified_since: None,
    };
    let echo = json!({
        "lang": lang, "free": f.free, "walk_in": f.walk_in, "no_id": f.no_id,
        "open_at": params.get("open_at"),
    });
    Ok((f, echo))
}

/// The answer to a nearest query (`tests::the_answer_is_what_serde_would_write` holds the
/// hand-written form to it).
#[derive(Serialize)]
struct NearestAnswer<'a> {
    origin: Value,
    filter: Value,
    results: Vec<SiteView<'a>>,
}

impl NearestAnswer<'_> {
    /// The answer as JSON, the records written by [`SiteView::write_json`]: serialising the
    /// five records had been the largest part of the server's work per request.
    fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 * 1024);
        out.extend_from_slice(b"{\"origin\":");
        json_out::serde(&mut out, &self.origin);
        out.extend_from_slice(b",\"filter\":");
        json_out::serde(&mut out, &self.filter);
        out.extend_from_slice(b",\"results\":");
        view::write_sites(&mut out, &self.results);
        out.push(b'}');
        out
    }
}

/// `GET /api/v1/nearest`, parsed: where from, what, how many, how far, and the filters — with
/// the echo of each the answer repeats.
#[derive(Debug)]
pub struct NearestRequest {
    /// The search, in domain types.
    pub query: NearestQuery,
    origin: Value,
    echo: Value,
}

/// The parameters of the filters nearest, the sites list, gaps and coverage share.
pub fn filter_parameters() -> Vec<Value> {
    vec![
        query("lang", schema("LanguageCode"),
              "Only sites where a family is helped in this language (ISO 639-1), at the site or on a phone line"),
        query("free", flag(), "Only free services"),
        query("open_at", schema("LocalTimeOrInstant"),
              "Open at this time: local time at each site (2026-11-28T10:00) or an RFC 3339 instant"),
        query("walk_in", flag(), "Only sites that take walk-ins"),
        query("no_id", flag(), "Only sites that serve people without an ID"),
    ]
}

/// The origin parameter: a ZIP code or a point, an object exploded into the query string.
pub fn origin_parameter() -> Value {
    json!({
        "name": "origin", "in": "query", "required": true, "style": "form", "explode": true,
        "description": "The family's place: `zip` (a US ZIP code's internal point), or `lon` and `lat` (WGS84). Used to answer and dropped.",
        "schema": {"oneOf": [
            {"type": "object", "title": "ZIP code", "required": ["zip"], "additionalProperties": false,
             "properties": {"zip": {"type": "string", "pattern": "^[0-9]{5}$", "example": "33125"}}},
            {"type": "object", "title": "Coordinates", "required": ["lon", "lat"], "additionalProperties": false,
             "properties": {"lon": {"type": "number", "minimum": -180, "maximum": 180},
                            "lat": {"type": "number", "minimum": -90, "maximum": 90}}},
        ]},
    })
}

impl QueryRequest<AppState> for NearestRequest {
    crate::query_names!();

    fn parameters() -> Vec<Value> {
        let mut p = vec![
            origin_parameter(),
            query("category", schema("Category"), "A category slug"),
            query("k", int(1, MAX_K, Some(DEFAULT_K)), "How many"),
            query(
                "max_m",
                json!({"type": "number", "minimum": 0, "exclusiveMinimum": true}),
                "Only sites within this many metres",
            ),
        ];
        p.extend(filter_parameters());
        p
    }

    fn parse(params: &Params, state: &AppState) -> Result<Self, ApiError> {
        let (at, origin) = origin(params, state)?;
        let category = category(params, state, "category")?;
        let k = params.integer("k", 1..=MAX_K)?.unwrap_or(DEFAULT_K);
        let max_m = params.number("max_m")?;
        if max_m.is_some_and(|m| m <= 0.0) {
            return Err(ApiError::param("max_m", "must be a positive number of metres"));
        }
        let (filter, mut echo) = filter(params)?;
        echo["category"] = json!(category);
        echo["k"] = json!(k);
        echo["max_m"] = json!(max_m);
        Ok(Self { query: NearestQuery { at, category, k, max_m, filter }, origin, echo })
    }
}

async fn nearest(
    State(state): State<AppState>,
    Query(NearestRequest { query, origin, echo }): Query<NearestRequest>,
) -> Result<Response, ApiError> {
    let now = Utc::now();
    let catalog = state.directory.read();
    let hits = catalog.nearest(&query);
    let results: Vec<SiteView<'_>> = hits
        .iter()
        .map(|(site, d)| {
            view::site(&catalog, site, Some(*d), now, state.settings.stale_after_days, Viewer::Public)
        })
        .collect();
    Ok(crate::http::json_bytes(NearestAnswer { origin, filter: echo, results }.to_json()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The frame around the records is what serde writes too (the records themselves:
    /// `view::tests::the_fast_writer_writes_what_serde_writes`).
    #[test]
    fn the_answer_is_what_serde_would_write() {
        let answer = NearestAnswer {
            origin: json!({"lon": -80.2, "lat": 25.77, "source": "zip", "zip": "33125"}),
            filter: json!({"lang": "ht", "free": true, "k": 5, "open_at": null}),
            results: Vec::new(),
        };
        assert_eq!(answer.to_json(), serde_json::to_vec(&answer).unwrap());
    }
}
