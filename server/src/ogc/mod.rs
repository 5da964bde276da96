//! OGC API – Features, Part 1: Core, at `/ogc`, so GIS tools (QGIS, ArcGIS Pro, GDAL's OAPIF
//! driver) read the directory as feature collections: `sites` (every public site) and one
//! collection per category.
//!
//! The collections are views of the same in-memory catalog the JSON API answers from
//! ([`crate::catalog::Catalog::select_page`]) with the same redaction
//! ([`crate::directory::view::location_withheld`]): a confidential site has a null geometry and no
//! street, is never inside a `bbox`, and never shapes a collection's extent. Everything here is
//! the public's view; the admin token changes nothing.
//!
//! Answers are JSON (GeoJSON for features) or a minimal HTML page, chosen by `f=json|html` or
//! the `Accept` header. Every query parameter not declared for an endpoint — in this module and
//! in the OpenAPI document — is refused with a 400 naming it (OGC `/req/core/query-param-unknown`).

mod feature;
mod html;
mod items;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Serialize;
use serde_json::{json, Value};

use crate::catalog::Catalog;
use crate::domain::{Category, Cost};
use crate::http::error::ApiError;
use crate::http::extract::Params;
use crate::state::AppState;

pub use items::{DEFAULT_LIMIT, ITEM_PARAMS, MAX_LIMIT, QUERYABLES};

/// The CRS of every geometry: WGS84 longitude, latitude.
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

/// The conformance classes this implementation declares.
pub const CONFORMANCE: [&str; 4] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
];

/// The collection of every public site.
pub const ALL_SITES: &str = "sites";

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ogc", get(landing))
        .route("/ogc/conformance", get(conformance))
        .route("/ogc/collections", get(collections))
        .route("/ogc/collections/{collectionId}", get(collection))
        .route("/ogc/collections/{collectionId}/queryables", get(queryables))
        .route("/ogc/collections/{collectionId}/items", get(items::items))
        .route("/ogc/collections/{collectionId}/items/{featureId}", get(items::item))
}

/// The representation asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// JSON (GeoJSON for features).
    Json,
    /// A page for people.
    Html,
}

impl Format {
    /// `f=json|html` wins; else HTML when the `Accept` header prefers `text/html` over JSON (a
    /// browser), JSON otherwise (GIS clients, scripts).
    fn of(params: &Params, headers: &HeaderMap) -> Result<Self, ApiError> {
        match params.get("f") {
            Some("json" | "geojson") => Ok(Self::Json),
            Some("html") => Ok(Self::Html),
            Some(other) => {
                Err(ApiError::param("f", format!("'{other}' is not a format here (json or html)")))
            }
            None => {
                let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
                let html = accept.find("text/html");
                let json = accept.find("json");
                Ok(match (html, json) {
                    (Some(h), Some(j)) if h < j => Self::Html,
                    (Some(_), None) => Self::Html,
                    _ => Self::Json,
                })
            }
        }
    }

    /// The other representation's `f` value and media type, for `alternate` links.
    fn other(self, json_type: &'static str) -> (&'static str, &'static str) {
        match self {
            Self::Json => ("html", "text/html"),
            Self::Html => ("json", json_type),
        }
    }

    fn this(self, json_type: &'static str) -> (&'static str, &'static str) {
        match self {
            Self::Json => ("json", json_type),
            Self::Html => ("html", "text/html"),
        }
    }
}

/// A link (OGC API – Common, RFC 8288 fields).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Link {
    href: String,
    rel: &'static str,
    #[serde(rename = "type")]
    media: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
}

impl Link {
    pub(crate) fn new(href: String, rel: &'static str, media: &'static str) -> Self {
        Self { href, rel, media, title: None }
    }

    pub(crate) fn titled(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }
}

/// Where links point: the server's absolute address (see [`crate::http::public_base`]), or
/// root-relative links when the request's `Host` cannot be trusted.
#[derive(Clone, Debug)]
pub(crate) struct Base(String);

impl Base {
    fn of(state: &AppState, headers: &HeaderMap) -> Self {
        Self(crate::http::public_base(&state.settings, headers).unwrap_or_default())
    }

    /// `path` (starting with `/`) as an absolute address.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }

    /// `path` with `f=...` as its query.
    fn with_f(&self, path: &str, f: &str) -> String {
        format!("{}{path}?f={f}", self.0)
    }
}

/// The common start of the handlers of single documents: only `f` may be given; the format
/// asked for, and where links point.
fn negotiate(state: &AppState, headers: &HeaderMap, params: &Params) -> Result<(Format, Base), ApiError> {
    params.allow(&["f"])?;
    Ok((Format::of(params, headers)?, Base::of(state, headers)))
}

/// `self` and `alternate` links of a resource at `path`.
fn self_links(base: &Base, path: &str, format: Format, json_type: &'static str) -> Vec<Link> {
    let (f, media) = format.this(json_type);
    let (other_f, other_media) = format.other(json_type);
    vec![
        Link::new(base.with_f(path, f), "self", media).titled("This document"),
        Link::new(base.with_f(path, other_f), "alternate", other_media).titled(if other_f == "html" {
            "This document as HTML"
        } else {
            "This document as JSON"
        }),
    ]
}

/// A JSON body with its media type, or the HTML page.
fn answer(format: Format, body: &Value, json_type: &'static str, page: impl FnOnce() -> String) -> Response {
    match format {
        Format::Json => {
            let mut res = axum::Json(body).into_response();
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(json_type));
            res
        }
        Format::Html => {
            ([(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"))], page())
                .into_response()
        }
    }
}

async fn landing(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Params,
) -> Result<Response, ApiError> {
    let (format, base) = negotiate(&state, &headers, &params)?;
    let mut links = self_links(&base, "/ogc", format, "application/json");
    links.extend([
        Link::new(
            base.url("/api/openapi.json"),
            "service-desc",
            "application/vnd.oai.openapi+json;version=3.0",
        )
        .titled("The API definition (OpenAPI 3.0)"),
        Link::new(base.url("/api/docs"), "service-doc", "text/html").titled("The API documentation"),
        Link::new(base.with_f("/ogc/conformance", "json"), "conformance", "application/json")
            .titled("Conformance classes implemented"),
        Link::new(base.with_f("/ogc/collections", "json"), "data", "application/json")
            .titled("The feature collections"),
    ]);
    let body = json!({
        "title": "assetmap community partners",
        "description": "Community partners serving immigrant and refugee families: legal aid, health, \
                        housing, libraries, faith communities, advocacy. Confidential sites have no \
                        geometry and no street address.",
        "links": links,
    });
    Ok(answer(format, &body, "application/json", || html::landing(&body)))
}

async fn conformance(headers: HeaderMap, params: Params) -> Result<Response, ApiError> {
    params.allow(&["f"])?;
    let format = Format::of(&params, &headers)?;
    let body = json!({"conformsTo": CONFORMANCE});
    Ok(answer(format, &body, "application/json", || html::conformance(&body)))
}

/// A collection: `sites`, or a category of the taxonomy.
#[derive(Clone, Debug)]
pub(crate) struct Collection {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) description: Option<String>,
    /// `None` for `sites`.
    pub(crate) category: Option<Category>,
}

impl Collection {
    fn all(catalog: &Catalog) -> Vec<Self> {
        let sites = Self {
            id: ALL_SITES.to_owned(),
            title: "All sites".to_owned(),
            description: Some("Every public site of every partner, all categories.".to_owned()),
            category: None,
        };
        let by_category =
            catalog.categories().iter().filter(|d| d.slug.as_str() != ALL_SITES).map(|d| Self {
                id: d.slug.as_str().to_owned(),
                title: d.name.clone(),
                description: d.description.clone(),
                category: Some(d.slug.clone()),
            });
        std::iter::once(sites).chain(by_category).collect()
    }

    /// The collection named `id`, or a 404.
    pub(crate) fn find(catalog: &Catalog, id: &str) -> Result<Self, ApiError> {
        Self::all(catalog)
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| ApiError::NotFound(format!("collection '{id}'")))
    }

    /// The `collection` link of its items.
    pub(crate) fn link(&self, base: &Base) -> Link {
        Link::new(
            base.with_f(&format!("/ogc/collections/{}", self.id), "json"),
            "collection",
            "application/json",
        )
        .titled(self.title.clone())
    }

    /// The collection's description document.
    fn describe(&self, catalog: &Catalog, base: &Base, format: Format) -> Value {
        let path = format!("/ogc/collections/{}", self.id);
        let mut links = self_links(base, &path, format, "application/json");
        links.extend([
            Link::new(base.with_f(&format!("{path}/items"), "json"), "items", "application/geo+json")
                .titled("The sites as GeoJSON"),
            Link::new(base.with_f(&format!("{path}/items"), "html"), "items", "text/html")
                .titled("The sites as HTML"),
            Link::new(
                base.url(&format!("{path}/queryables")),
                "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "application/schema+json",
            )
            .titled("The properties items can be filtered by"),
        ]);
        let mut extent = serde_json::Map::new();
        if let Some(b) = catalog.public_extent(self.category.as_ref()) {
            extent.insert("spatial".into(), json!({"bbox": [b.corners()], "crs": CRS84}));
        }
        if let Some((first, last)) = verified_interval(catalog, self.category.as_ref()) {
            extent.insert(
                "temporal".into(),
                json!({"interval": [[first, last]], "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}),
            );
        }
        let mut c = json!({
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "itemType": "feature",
            "crs": [CRS84],
            "links": links,
        });
        if !extent.is_empty() {
            c["extent"] = Value::Object(extent);
        }
        c
    }
}

/// The earliest and latest `last_verified_at` of the public sites of a category (the temporal
/// extent: `datetime` filters on it).
fn verified_interval(catalog: &Catalog, category: Option<&Category>) -> Option<(String, String)> {
    let times = catalog
        .sites()
        .filter(|s| catalog.is_public(s))
        .filter(|s| category.is_none_or(|c| s.categories.contains(c)))
        .filter_map(|s| s.last_verified_at);
    let (lo, hi) = times.fold(None, |acc: Option<(_, _)>, t| match acc {
        None => Some((t, t)),
        Some((lo, hi)) => Some((t.min(lo), t.max(hi))),
    })?;
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    Some((fmt(lo), fmt(hi)))
}

async fn collections(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Params,
) -> Result<Response, ApiError> {
    let (format, base) = negotiate(&state, &headers, &params)?;
    let body = {
        let catalog = state.directory.read();
        let collections: Vec<Value> =
            Collection::all(&catalog).iter().map(|c| c.describe(&catalog, &base, format)).collect();
        json!({"links": self_links(&base, "/ogc/collections", format, "application/json"), "collections": collections})
    };
    Ok(answer(format, &body, "application/json", || html::collections(&body)))
}

async fn collection(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let (format, base) = negotiate(&state, &headers, &params)?;
    let body = {
        let catalog = state.directory.read();
        Collection::find(&catalog, &id)?.describe(&catalog, &base, format)
    };
    Ok(answer(format, &body, "application/json", || html::collection(&body)))
}

/// The properties items can be filtered by (`?name=value`), as a JSON Schema.
async fn queryables(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let (format, base) = negotiate(&state, &headers, &params)?;
    let body = {
        let catalog = state.directory.read();
        let c = Collection::find(&catalog, &id)?;
        let categories: Vec<&str> = catalog.categories().iter().map(|d| d.slug.as_str()).collect();
        let mut schema = queryables_schema(&categories);
        schema["$id"] = json!(base.url(&format!("/ogc/collections/{}/queryables", c.id)));
        schema["title"] = json!(c.title);
        schema
    };
    Ok(answer(format, &body, "application/schema+json", || html::queryables(&body)))
}

/// The queryables' JSON Schema (draft 2019-09), also used for the OpenAPI document's
/// parameters: each property is one `?name=value` filter of the items.
pub fn queryables_schema(categories: &[&str]) -> Value {
    let costs: Vec<&str> = Cost::ALL.iter().map(|c| c.as_str()).collect();
    json!({
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "type": "object",
        "properties": {
            "geometry": {"format": "geometry-point", "description": "Where the site is (bbox); confidential sites have none"},
            "category": {"type": "string", "enum": categories, "description": "Sites in this category (a site may have several)"},
            "language": {"type": "string", "pattern": "^[a-z]{2,3}$", "description": "Sites where a family is helped in this language (ISO 639-1, e.g. ht), at the site or on a phone line"},
            "cost": {"type": "string", "enum": costs, "description": "What the service costs"},
            "walk_in": {"type": "boolean", "description": "Walk-ins welcome"},
            "appointment_required": {"type": "boolean", "description": "An appointment is required"},
            "no_id_required": {"type": "boolean", "description": "Serves people without an ID"},
            "city": {"type": "string", "description": "City, exactly as listed"},
            "postal_code": {"type": "string", "description": "Postal (ZIP) code"},
            "partner_id": {"type": "string", "format": "uuid", "description": "The partner organisation's id"},
        },
        "additionalProperties": false,
    })
}
