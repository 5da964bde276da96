//! Partners and sites: public listings (JSON or GeoJSON) and admin writes.
//!
//! Writes validate the whole record, name every bad field (422), and go to the database in one
//! transaction before the in-memory index changes; a refused write changes nothing. Edits use
//! JSON Merge Patch (RFC 7386). An edit or a deletion must name the version it started from
//! (`If-Match: "3"`, the `ETag` of a `GET`, or a `version` member): without one it is refused
//! with 428, and a stale version is answered 409 with the current record.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::view::{self, Viewer};
use crate::accounts::guard::Admin;
use crate::accounts::history::{audit, partner_revision, site_revision};
use crate::accounts::principal::Principal;
use crate::catalog::{Catalog, SiteQuery};
use crate::domain::{BBox, FieldError, PartnerInput, PartnerStatus, SiteInput};
use crate::http::error::ApiError;
use crate::http::extract::{parse_json, ApiJson, Params};
use crate::search::http::category;
use crate::state::AppState;
use crate::store::Change;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/categories", get(categories))
        .route("/api/v1/sites", get(list_sites).post(create_site))
        .route("/api/v1/sites/{id}", get(get_site).patch(update_site).delete(delete_site))
        .route("/api/v1/sites/{id}/verify", axum::routing::post(verify_site))
        .route("/api/v1/partners", get(list_partners).post(create_partner))
        .route("/api/v1/partners/{id}", get(get_partner).patch(update_partner).delete(delete_partner))
}

/// A page of sites.
#[derive(serde::Serialize)]
struct SitePage<'a> {
    total: usize,
    limit: usize,
    offset: usize,
    sites: Vec<view::SiteView<'a>>,
}

/// A GeoJSON FeatureCollection with OGC-style counts.
#[derive(serde::Serialize)]
struct FeatureCollection<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "numberMatched")]
    number_matched: usize,
    #[serde(rename = "numberReturned")]
    number_returned: usize,
    features: Vec<view::SiteFeature<'a>>,
}

fn parse_id(raw: &str, what: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::NotFound(format!("{what} '{raw}'")))
}

fn wants_geojson(params: &Params, headers: &HeaderMap) -> Result<bool, ApiError> {
    match params.get("f") {
        Some("geojson") => Ok(true),
        Some("json") => Ok(false),
        Some(other) => Err(ApiError::param("f", format!("'{other}' is not a format here (json or geojson)"))),
        None => Ok(headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("application/geo+json"))),
    }
}

fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

async fn categories(State(state): State<AppState>) -> Json<Value> {
    let catalog = state.directory.read();
    Json(json!({"categories": catalog.categories()}))
}

/// `bbox=minLon,minLat,maxLon,maxLat` in WGS84 degrees; a box with minLon > maxLon crosses the
/// antimeridian.
fn bbox(params: &Params) -> Result<Option<BBox>, ApiError> {
    params.parse("bbox", |v| BBox::parse(v, false))
}

/// Who is reading: bad credentials on a read are just the public.
fn reader(who: Result<Principal, ApiError>) -> Principal {
    who.unwrap_or(Principal::Public)
}

/// What `who` sees of a site: everything of their own organisation's (or as an admin), the
/// public view otherwise.
fn viewer_of(who: &Principal, site: &crate::domain::Site) -> Viewer {
    if who.can_edit(site.partner_id) {
        Viewer::Admin
    } else {
        Viewer::Public
    }
}

async fn list_sites(
    State(state): State<AppState>,
    who: Result<Principal, ApiError>,
    headers: HeaderMap,
    params: Params,
) -> Result<Response, ApiError> {
    params.allow(&["category", "lang", "bbox", "limit", "offset", "f", "partner_id"])?;
    let geojson = wants_geojson(&params, &headers)?;
    let cat = category(&params, &state, "category")?;
    let lang = params.language("lang")?;
    let bbox = bbox(&params)?;
    let partner =
        params.parse("partner_id", |v| Uuid::parse_str(v).map_err(|_| format!("'{v}' is not a UUID")))?;
    let limit = params.integer("limit", 1..=10_000)?.unwrap_or(100);
    let offset = params.integer("offset", 0..=crate::http::extract::MAX_OFFSET)?.unwrap_or(0);
    let who = reader(who);
    let now = Utc::now();
    let catalog = state.directory.read();
    let query = SiteQuery {
        category: cat,
        language: lang,
        partner,
        bbox,
        admin: who.is_admin(),
        own_partner: who.editor_of(),
    };
    let (total, page) = catalog.select_page(&query, |_| true, offset, limit);
    let page = page.into_iter();
    let days = state.settings.stale_after_days;
    if geojson {
        let features: Vec<_> =
            page.map(|s| view::site_feature(&catalog, s, now, days, viewer_of(&who, s))).collect();
        return crate::http::geojson(&FeatureCollection {
            kind: "FeatureCollection",
            number_matched: total,
            number_returned: features.len(),
            features,
        });
    }
    let sites: Vec<_> = page.map(|s| view::site(&catalog, s, None, now, days, viewer_of(&who, s))).collect();
    crate::http::json(&SitePage { total, limit, offset, sites })
}

async fn get_site(
    State(state): State<AppState>,
    who: Result<Principal, ApiError>,
    headers: HeaderMap,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    params.allow(&["f"])?;
    let id = parse_id(&id, "site")?;
    let geojson = wants_geojson(&params, &headers)?;
    let who = reader(who);
    let catalog = state.directory.read();
    let site = catalog
        .site(id)
        .filter(|s| who.can_edit(s.partner_id) || catalog.is_public(s))
        .ok_or_else(|| ApiError::NotFound(format!("site {id}")))?;
    let viewer = viewer_of(&who, site);
    let now = Utc::now();
    let days = state.settings.stale_after_days;
    let tag = etag(site.version);
    if geojson {
        let body = view::site_feature(&catalog, site, now, days, viewer);
        return Ok((
            [(header::CONTENT_TYPE, HeaderValue::from_static("application/geo+json")), (header::ETAG, tag)],
            Json(body),
        )
            .into_response());
    }
    Ok(([(header::ETAG, tag)], Json(view::site(&catalog, site, None, now, days, viewer))).into_response())
}

async fn list_partners(
    State(state): State<AppState>,
    who: Result<Principal, ApiError>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    params.allow(&["limit", "offset", "status"])?;
    let admin = reader(who).is_admin();
    let limit = params.integer("limit", 1..=10_000)?.unwrap_or(100);
    let offset = params.integer("offset", 0..=crate::http::extract::MAX_OFFSET)?.unwrap_or(0);
    let status = params.parse("status", |v| {
        PartnerStatus::parse(v).ok_or_else(|| format!("'{v}' is not active, inactive or pending"))
    })?;
    if status.is_some_and(|s| s != PartnerStatus::Active) && !admin {
        return Err(ApiError::Unauthorized);
    }
    let want = status.unwrap_or(PartnerStatus::Active);
    let catalog = state.directory.read();
    let mut partners: Vec<_> =
        catalog.partners().filter(|p| p.status == want || (admin && status.is_none())).collect();
    partners.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let total = partners.len();
    let items: Vec<Value> =
        partners.iter().skip(offset).take(limit).map(|p| view::partner(&catalog, p)).collect();
    Ok(Json(json!({"total": total, "limit": limit, "offset": offset, "partners": items})))
}

async fn get_partner(
    State(state): State<AppState>,
    who: Result<Principal, ApiError>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, "partner")?;
    let who = reader(who);
    let catalog = state.directory.read();
    let p = catalog
        .partner(id)
        .filter(|p| who.can_edit(p.id) || p.status == PartnerStatus::Active)
        .ok_or_else(|| ApiError::NotFound(format!("partner {id}")))?;
    Ok(([(header::ETAG, etag(p.version))], Json(view::partner(&catalog, p))).into_response())
}

/// RFC 7386 JSON Merge Patch.
fn merge(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(t) = target {
        for (k, v) in p {
            if v.is_null() {
                t.remove(k);
            } else {
                merge(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

/// The version an edit started from: `If-Match: "3"` or a `version` member of the patch.
fn expected_version(headers: &HeaderMap, patch: &Value) -> Result<Option<i64>, ApiError> {
    if let Some(v) = headers.get(header::IF_MATCH) {
        let raw = v.to_str().unwrap_or("").trim().trim_start_matches("W/").trim_matches('"');
        return raw
            .parse()
            .map(Some)
            .map_err(|_| ApiError::param("If-Match", "must be a version as sent in ETag"));
    }
    match patch.get("version") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| ApiError::Validation(vec![FieldError::new("version", "must be a whole number")])),
    }
}

/// Whether a write started from the record's current version: 428 when it names none and
/// must (`required`: an edit or a deletion, which would otherwise overwrite unseen changes),
/// 409 with the record as it is now (`current`, made only then) when it names another.
fn check_version(
    expected: Option<i64>,
    required: bool,
    version: i64,
    path: &str,
    current: impl FnOnce() -> Result<Value, ApiError>,
) -> Result<(), ApiError> {
    match expected {
        None if required => Err(ApiError::PreconditionRequired(format!(
            "name the version this change started from: send If-Match with the ETag of GET {path} \
             (If-Match: \"7\"), or \"version\": 7 in a JSON body; a change from another version than \
             the current one is refused (409) instead of overwriting it"
        ))),
        Some(v) if v != version => Err(ApiError::Stale(current()?)),
        _ => Ok(()),
    }
}

fn created(location: String, body: Value, version: i64) -> Response {
    let mut res = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res.headers_mut().insert(header::ETAG, etag(version));
    res
}

fn known(catalog: &Catalog) -> impl Fn(&crate::domain::Category) -> bool + '_ {
    |c| catalog.is_category(c)
}

async fn create_partner(
    State(state): State<AppState>,
    Admin(who): Admin,
    ApiJson(input): ApiJson<PartnerInput>,
) -> Result<Response, ApiError> {
    let partner = state
        .directory
        .commit(|catalog| {
            let id = input.id.unwrap_or_else(Uuid::new_v4);
            if catalog.partner(id).is_some() {
                return Err(ApiError::Conflict(format!("partner {id} already exists")));
            }
            let p = input.clone().validate(id, Utc::now(), None)?;
            let mut batch =
                vec![Change::CreatePartner(p.clone()), partner_revision(&who, "create", None, Some(&p))];
            batch.extend(audit(&who, "partner.create", p.id, json!({"name": p.name})));
            Ok((batch, p))
        })
        .await?;
    let body = view::partner(&state.directory.read(), &partner);
    Ok(created(format!("/api/v1/partners/{}", partner.id), body, partner.version))
}

async fn update_partner(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<Value>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, "partner")?;
    if !patch.is_object() {
        return Err(ApiError::Validation(vec![FieldError::new("body", "must be a JSON object")]));
    }
    who.signed_in()?;
    let expected = expected_version(&headers, &patch)?;
    let partner = state
        .directory
        .commit(|catalog| {
            let current = catalog.partner(id).ok_or_else(|| ApiError::NotFound(format!("partner {id}")))?;
            who.require_editor_of(id)?;
            let status_change = patch.get("status").is_some_and(|s| s != &json!(current.status));
            if status_change && !who.is_admin() {
                return Err(ApiError::Forbidden(
                    "an organization's approval status is changed by an admin only".to_owned(),
                ));
            }
            check_version(expected, true, current.version, &format!("/api/v1/partners/{id}"), || {
                Ok(view::partner(catalog, current))
            })?;
            let mut doc = serde_json::to_value(PartnerInput::from(current.as_ref()))
                .map_err(|e| ApiError::Internal(e.into()))?;
            let mut patch = patch.clone();
            if let Value::Object(m) = &mut patch {
                m.remove("version");
                m.remove("id");
            }
            merge(&mut doc, &patch);
            let input: PartnerInput = parse_json(doc.to_string().as_bytes())?;
            let p = input.validate(id, Utc::now(), Some(current))?;
            let mut batch = vec![
                Change::UpdatePartner(p.clone()),
                partner_revision(&who, "update", Some(current), Some(&p)),
            ];
            batch.extend(audit(&who, "partner.update", p.id, json!({"version": p.version})));
            Ok((batch, p))
        })
        .await?;
    let body = view::partner(&state.directory.read(), &partner);
    Ok(([(header::ETAG, etag(partner.version))], Json(body)).into_response())
}

async fn delete_partner(
    State(state): State<AppState>,
    Admin(who): Admin,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&id, "partner")?;
    let expected = expected_version(&headers, &Value::Null)?;
    state
        .directory
        .commit(|catalog| {
            let p = catalog.partner(id).ok_or_else(|| ApiError::NotFound(format!("partner {id}")))?;
            check_version(expected, true, p.version, &format!("/api/v1/partners/{id}"), || {
                Ok(view::partner(catalog, p))
            })?;
            let mut batch = vec![Change::DeletePartner(id), partner_revision(&who, "delete", Some(p), None)];
            batch.extend(audit(&who, "partner.delete", id, json!({"name": p.name})));
            Ok::<_, ApiError>((batch, ()))
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn create_site(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(input): ApiJson<SiteInput>,
) -> Result<Response, ApiError> {
    who.signed_in()?;
    let site = state
        .directory
        .commit(|catalog| {
            let id = input.id.unwrap_or_else(Uuid::new_v4);
            if catalog.site(id).is_some() {
                return Err(ApiError::Conflict(format!("site {id} already exists")));
            }
            let Some(partner_id) = input.partner_id.or(who.editor_of()) else {
                return Err(ApiError::Validation(vec![FieldError::new("partner_id", "is required")]));
            };
            who.require_editor_of(partner_id)?;
            if catalog.partner(partner_id).is_none() {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "partner_id",
                    format!("partner {partner_id} does not exist"),
                )]));
            }
            let s = input.clone().validate(id, partner_id, Utc::now(), None, &known(catalog))?;
            let mut batch =
                vec![Change::CreateSite(s.clone()), site_revision(&who, "create", None, Some(&s))];
            batch.extend(audit(&who, "site.create", s.id, json!({"partner_id": partner_id})));
            Ok((batch, s))
        })
        .await?;
    let catalog = state.directory.read();
    let view = view::site(&catalog, &site, None, Utc::now(), state.settings.stale_after_days, Viewer::Admin);
    let body = serde_json::to_value(view).map_err(|e| ApiError::Internal(e.into()))?;
    drop(catalog);
    Ok(created(format!("/api/v1/sites/{}", site.id), body, site.version))
}

async fn update_site(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<Value>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, "site")?;
    if !patch.is_object() {
        return Err(ApiError::Validation(vec![FieldError::new("body", "must be a JSON object")]));
    }
    who.signed_in()?;
    let expected = expected_version(&headers, &patch)?;
    let days = state.settings.stale_after_days;
    let site = state
        .directory
        .commit(|catalog| {
            let current = editable_site(catalog, &who, id, (expected, true), days)?;
            let mut doc = serde_json::to_value(SiteInput::from(current.as_ref()))
                .map_err(|e| ApiError::Internal(e.into()))?;
            let mut patch = patch.clone();
            if let Value::Object(m) = &mut patch {
                m.remove("version");
                m.remove("id");
            }
            merge(&mut doc, &patch);
            let input: SiteInput = parse_json(doc.to_string().as_bytes())?;
            let partner_id = input.partner_id.unwrap_or(current.partner_id);
            who.require_editor_of(partner_id)?;
            if catalog.partner(partner_id).is_none() {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "partner_id",
                    format!("partner {partner_id} does not exist"),
                )]));
            }
            let s = input.validate(id, partner_id, Utc::now(), Some(current), &known(catalog))?;
            Ok((site_updated(&who, "update", current, &s), s))
        })
        .await?;
    site_answer(&state, &site)
}

async fn delete_site(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&id, "site")?;
    who.signed_in()?;
    // A deletion names the version it saw, like an edit (`If-Match`).
    let expected = expected_version(&headers, &Value::Null)?;
    let days = state.settings.stale_after_days;
    state
        .directory
        .commit(|catalog| {
            let s = editable_site(catalog, &who, id, (expected, true), days)?;
            let mut batch = vec![Change::DeleteSite(id), site_revision(&who, "delete", Some(s), None)];
            batch.extend(audit(&who, "site.delete", id, json!({"partner_id": s.partner_id})));
            Ok::<_, ApiError>((batch, ()))
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// "Still accurate": sets `last_verified_at` to now (a new version, with its revision). May
/// send `If-Match` like an edit; without one it goes through, as it changes no content.
async fn verify_site(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, "site")?;
    who.signed_in()?;
    let expected = expected_version(&headers, &Value::Null)?;
    let days = state.settings.stale_after_days;
    let site = state
        .directory
        .commit(|catalog| {
            let current = editable_site(catalog, &who, id, (expected, false), days)?;
            let now = Utc::now();
            let mut input = SiteInput::from(current.as_ref());
            input.last_verified_at = Some(now);
            let s = input.validate(id, current.partner_id, now, Some(current), &known(catalog))?;
            Ok::<_, ApiError>((site_updated(&who, "verify", current, &s), s))
        })
        .await?;
    site_answer(&state, &site)
}

/// The site `who` is about to change: 404 if there is none, 403 if it is not theirs, then
/// [`check_version`] of the version the change started from (`expected`, and whether it must
/// name one).
fn editable_site<'c>(
    catalog: &'c Catalog,
    who: &Principal,
    id: Uuid,
    (expected, required): (Option<i64>, bool),
    days: i64,
) -> Result<&'c std::sync::Arc<crate::domain::Site>, ApiError> {
    let current = catalog.site(id).ok_or_else(|| ApiError::NotFound(format!("site {id}")))?;
    who.require_editor_of(current.partner_id)?;
    check_version(expected, required, current.version, &format!("/api/v1/sites/{id}"), || {
        let current = view::site(catalog, current, None, Utc::now(), days, Viewer::Admin);
        serde_json::to_value(current).map_err(|e| ApiError::Internal(e.into()))
    })?;
    Ok(current)
}

/// The batch of a site update: the new record, its revision and (for an admin) the audit entry.
fn site_updated(
    who: &Principal,
    action: &str,
    before: &crate::domain::Site,
    after: &crate::domain::Site,
) -> Vec<Change> {
    let mut batch =
        vec![Change::UpdateSite(after.clone()), site_revision(who, action, Some(before), Some(after))];
    batch.extend(audit(who, &format!("site.{action}"), after.id, json!({"version": after.version})));
    batch
}

/// A site as an editor sees it after a write, with its version as `ETag`.
fn site_answer(state: &AppState, site: &crate::domain::Site) -> Result<Response, ApiError> {
    let days = state.settings.stale_after_days;
    let mut res =
        crate::http::json(&view::site(&state.directory.read(), site, None, Utc::now(), days, Viewer::Admin))?;
    res.headers_mut().insert(header::ETAG, etag(site.version));
    Ok(res)
}
