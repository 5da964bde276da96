//! The Open Referral API (HSDS 3.0 "API Reference") at `/hsds`: `GET /` (version, profile),
//! `/services`, `/services/{id}`, `/organizations`, `/organizations/{id}`,
//! `/service_at_locations` (with `postcode` and `proximity`). Lists are paginated in the
//! `Page` envelope (`total_items`, `total_pages`, `page_number`, `size` — the items on this
//! page —, `first_page`, `last_page`, `empty`, `contents`). Only the public directory is
//! shown, and a confidential site never shows its location, whoever asks. Unknown or bad
//! parameters are a 400 problem document naming them.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use super::{derived_id, term_id, Kind};
use crate::catalog::Catalog;
use crate::directory::view::Viewer;
use crate::domain::{PartnerStatus, Site};
use crate::http::error::ApiError;
use crate::http::extract::Params;
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/hsds", get(root))
        .route("/hsds/", get(root))
        .route("/hsds/services", get(services))
        .route("/hsds/services/{id}", get(service))
        .route("/hsds/organizations", get(organizations))
        .route("/hsds/organizations/{id}", get(organization))
        // Its `postcode` and `proximity` say where a family is.
        .route("/hsds/service_at_locations", get(service_at_locations).layer(crate::http::no_store()))
}

async fn root(params: Params) -> Result<Response, ApiError> {
    params.allow(&[])?;
    crate::http::json(&json!({
        "version": super::VERSION,
        "profile": super::PROFILE,
        "openapi_url": "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json",
    }))
}

/// Page and page size from `page` (1-based) and `per_page` (1–1000, default 50).
fn paging(params: &Params) -> Result<(usize, usize), ApiError> {
    let page = params.integer("page", 1..=1_000_000)?.unwrap_or(1);
    let per_page = params.integer("per_page", 1..=1_000)?.unwrap_or(50);
    Ok((page, per_page))
}

/// The `Page` envelope: `total` items, of which `render` builds only this page's.
fn page<T>(items: Vec<T>, page: usize, per_page: usize, render: impl Fn(T) -> Value) -> Value {
    let total = items.len();
    let total_pages = total.div_ceil(per_page).max(1);
    let contents: Vec<Value> =
        items.into_iter().skip((page - 1) * per_page).take(per_page).map(render).collect();
    json!({
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": contents.len(),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": contents.is_empty(),
        "contents": contents,
    })
}

/// Every (site, service index) of the sites passing `filters`, for the public.
fn service_refs<'a>(c: &'a Catalog, filters: &Filters) -> Vec<(&'a Arc<Site>, usize)> {
    public_sites(c)
        .into_iter()
        .filter(|s| filters.site(c, s))
        .flat_map(|s| (0..s.services.len().max(1)).map(move |i| (s, i)))
        .collect()
}

/// The `i`-th service of a site, in full.
fn service_of(c: &Catalog, s: &Site, i: usize) -> Value {
    let partner = c.partner(s.partner_id).map(AsRef::as_ref);
    super::services(s, partner, c.categories(), Viewer::Public).swap_remove(i)
}

/// The public sites, by name then id.
fn public_sites(c: &Catalog) -> Vec<&Arc<Site>> {
    let mut sites: Vec<&Arc<Site>> = c.sites().filter(|s| c.is_public(s)).collect();
    sites.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    sites
}

/// A service id's site and index, for the public.
fn find_service(c: &Catalog, id: Uuid) -> Option<(&Arc<Site>, usize)> {
    c.sites().filter(|s| c.is_public(s)).find_map(|s| {
        (0..s.services.len().max(1)).find(|&i| derived_id(s.id, Kind::Service, i) == id).map(|i| (s, i))
    })
}

fn parse_uuid(v: &str) -> Result<Uuid, String> {
    Uuid::parse_str(v).map_err(|_| format!("'{v}' is not a UUID"))
}

fn parse_instant(v: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(v).map(|t| t.with_timezone(&Utc)).or_else(|_| {
        NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
            .map_err(|_| format!("'{v}' is not a date (YYYY-MM-DD) or an RFC 3339 time"))
    })
}

/// The filters shared by `/services` and `/service_at_locations`.
struct Filters {
    search: Option<String>,
    term: Option<Uuid>,
    taxonomy: Option<Uuid>,
    organization: Option<Uuid>,
    modified_after: Option<DateTime<Utc>>,
}

impl Filters {
    fn parse(params: &Params) -> Result<Self, ApiError> {
        if let Some(f) = params.get("format").filter(|f| *f != "json") {
            return Err(ApiError::param("format", format!("'{f}' is not supported (json)")));
        }
        Ok(Self {
            search: params.get("search").map(str::to_lowercase),
            term: params.parse("taxonomy_term_id", parse_uuid)?,
            taxonomy: params.parse("taxonomy_id", parse_uuid)?,
            organization: params.parse("organization_id", parse_uuid)?,
            modified_after: params.parse("modified_after", parse_instant)?,
        })
    }

    /// Whether a site passes (the search looks at the site, its services and its partner).
    fn site(&self, c: &Catalog, s: &Site) -> bool {
        let search = self.search.as_deref().is_none_or(|q| {
            s.name.to_lowercase().contains(q)
                || s.description.as_deref().is_some_and(|d| d.to_lowercase().contains(q))
                || s.services.iter().any(|v| v.name.to_lowercase().contains(q))
                || c.partner(s.partner_id).is_some_and(|p| p.name.to_lowercase().contains(q))
        });
        search
            && self.term.is_none_or(|t| s.categories.iter().any(|x| term_id(x) == t))
            && self.taxonomy.is_none_or(|t| t == super::taxonomy_id())
            && self.organization.is_none_or(|o| s.partner_id == o)
            && self.modified_after.is_none_or(|t| s.updated_at > t)
    }
}

/// A list item: the service without its nested children unless `full`.
fn list_item(mut v: Value, full: bool, minimal: bool, site: &Site) -> Value {
    if minimal {
        return json!({"id": v["id"], "last_modified": site.updated_at});
    }
    if !full {
        if let Value::Object(m) = &mut v {
            m.remove("service_at_locations");
        }
    }
    v
}

async fn services(State(state): State<AppState>, params: Params) -> Result<Response, ApiError> {
    params.allow(&[
        "search",
        "page",
        "per_page",
        "format",
        "taxonomy_term_id",
        "taxonomy_id",
        "organization_id",
        "modified_after",
        "minimal",
        "full",
    ])?;
    let (p, per_page) = paging(&params)?;
    let filters = Filters::parse(&params)?;
    let (full, minimal) = (params.flag("full")?, params.flag("minimal")?);
    let c = state.directory.read();
    let refs = service_refs(&c, &filters);
    crate::http::json(&page(refs, p, per_page, |(s, i)| list_item(service_of(&c, s, i), full, minimal, s)))
}

fn not_found(what: &str, id: &str) -> ApiError {
    ApiError::NotFound(format!("{what} {id}"))
}

async fn service(
    State(state): State<AppState>,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    params.allow(&[])?;
    let uuid = Uuid::parse_str(&id).map_err(|_| not_found("service", &id))?;
    let c = state.directory.read();
    let (site, i) = find_service(&c, uuid).ok_or_else(|| not_found("service", &id))?;
    crate::http::json(&service_of(&c, site, i))
}

async fn organizations(State(state): State<AppState>, params: Params) -> Result<Response, ApiError> {
    params.allow(&["search", "page", "per_page", "format", "full"])?;
    let (p, per_page) = paging(&params)?;
    let filters = Filters::parse(&params)?;
    let c = state.directory.read();
    let mut orgs: Vec<_> = c
        .partners()
        .filter(|o| o.status == PartnerStatus::Active)
        .filter(|o| filters.search.as_deref().is_none_or(|q| o.name.to_lowercase().contains(q)))
        .collect();
    orgs.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    // `full=true`: each organization with its services, as `/organizations/{id}` answers.
    let full = params.flag("full")?;
    let sites = if full { public_sites(&c) } else { Vec::new() };
    crate::http::json(&page(orgs, p, per_page, |o| {
        if full {
            organization_with_services(&c, &sites, o)
        } else {
            super::organization(o)
        }
    }))
}

/// An organization with every service of its public sites.
fn organization_with_services(c: &Catalog, sites: &[&Arc<Site>], org: &crate::domain::Partner) -> Value {
    let services: Vec<Value> = sites
        .iter()
        .filter(|s| s.partner_id == org.id)
        .flat_map(|s| super::services(s, None, c.categories(), Viewer::Public))
        .collect();
    let mut v = super::organization(org);
    v["services"] = json!(services);
    v
}

async fn organization(
    State(state): State<AppState>,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    params.allow(&[])?;
    let uuid = Uuid::parse_str(&id).map_err(|_| not_found("organization", &id))?;
    let c = state.directory.read();
    let org = c
        .partner(uuid)
        .filter(|o| o.status == PartnerStatus::Active)
        .ok_or_else(|| not_found("organization", &id))?;
    Ok(crate::http::json(&organization_with_services(&c, &public_sites(&c), org))?.into_response())
}

async fn service_at_locations(State(state): State<AppState>, params: Params) -> Result<Response, ApiError> {
    params.allow(&[
        "search",
        "page",
        "per_page",
        "format",
        "taxonomy_term_id",
        "taxonomy_id",
        "organization_id",
        "modified_after",
        "postcode",
        "proximity",
    ])?;
    let (p, per_page) = paging(&params)?;
    let filters = Filters::parse(&params)?;
    let postcode = params.parse("postcode", |v| {
        crate::places::zip::parse_zip(v)
            .map(|z| String::from_utf8_lossy(&z).into_owned())
            .ok_or_else(|| format!("'{v}' is not a 5-digit ZIP code"))
    })?;
    let proximity = params.number("proximity")?;
    if proximity.is_some_and(|m| m < 0.0) {
        return Err(ApiError::param("proximity", "must be a distance in metres, 0 or more"));
    }
    let centre = match (&postcode, proximity) {
        (None, Some(_)) => {
            return Err(ApiError::param("proximity", "needs postcode (metres from its centre)"))
        }
        (Some(z), Some(_)) => Some(state.zips.lookup(z).ok_or_else(|| ApiError::UnknownPlace {
            field: "postcode",
            detail: format!("'{z}' is not a ZIP code we know (it has no ZIP code area)"),
        })?),
        _ => None,
    };
    let c = state.directory.read();
    let refs: Vec<_> = service_refs(&c, &filters)
        .into_iter()
        .filter(|(s, _)| match (&postcode, centre, proximity) {
            // A confidential site is measured from its stand-in, never from its true point.
            (Some(_), Some(at), Some(max)) => c.public_location(s).is_some_and(|l| l.distance_m(at) <= max),
            (Some(z), _, _) => crate::visibility::confidential::shown_postal_code(s, true)
                .is_some_and(|pc| pc.get(..5) == Some(z.as_str())),
            _ => true,
        })
        .collect();
    crate::http::json(&page(refs, p, per_page, |(s, i)| {
        let mut svc = service_of(&c, s, i);
        let mut sal = svc
            .as_object_mut()
            .and_then(|m| m.remove("service_at_locations"))
            .map_or(Value::Null, |mut v| v[0].take());
        sal["service"] = svc;
        sal
    }))
}
