//! The OpenAPI 3.0 document of the whole HTTP API, at `/api/openapi.json`, and a page to read it
//! at `/api/docs` (Swagger UI, served from `web/node_modules/swagger-ui-dist`: nothing is
//! fetched from elsewhere).
//!
//! Written by hand, one function per area in [`paths`], rather than derived from annotations on
//! the handlers: the handlers parse their query strings themselves (`Params`, to refuse unknown
//! parameters), so annotations would have restated every parameter in each handler's file; here
//! the whole document is in one place, and no other module changes for it. What keeps it honest
//! is a test: every route the router has must be in it, with each of its methods, and nothing
//! else (`every_route_is_documented`).
//!
//! To document a new route: add its path to the area's function in [`paths`] (or add a function
//! for a new area and list it in [`AREAS`]).

mod accounts;
mod basemap;
pub(crate) mod build;
mod demand;
mod hsds;
mod import;
mod paths;
mod schemas;
mod translations;

use std::sync::OnceLock;

use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};

use crate::state::AppState;

/// Every area's paths, in the order the document lists them.
const AREAS: [fn() -> paths::Paths; 13] = [
    paths::search,
    demand::paths,
    paths::directory,
    accounts::auth,
    accounts::admin,
    accounts::history,
    import::paths,
    hsds::paths,
    paths::ogc,
    paths::pages,
    translations::paths,
    paths::service,
    basemap::paths,
];

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(openapi_json)).route("/api/docs", get(docs))
}

/// The document, built once.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut paths = Map::new();
        for area in AREAS {
            for (path, item) in area() {
                let entry = paths.entry(path).or_insert_with(|| json!({}));
                if let (Some(e), Some(i)) = (entry.as_object_mut(), item.as_object()) {
                    e.extend(i.clone());
                }
            }
        }
        json!({
            "openapi": "3.0.3",
            "info": {
                "title": "assetmap",
                "version": env!("CARGO_PKG_VERSION"),
                "description": "A community-partner asset map: exact great-circle nearest search, coverage gaps, \
                    referral sheets, the directory as OGC API – Features and Open Referral HSDS 3.0, partner accounts \
                    (sign-in, API tokens, invitations, revisions). Coordinates are [lon, lat] WGS84; \
                    distances metres on the sphere. Errors are RFC 9457 problem documents; unknown query \
                    parameters are refused (400). Confidential sites never reveal their location.",
                "license": {"name": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"},
            },
            "servers": [{"url": "/"}],
            "tags": [
                {"name": "search", "description": "What a counselor asks"},
                {"name": "analysis", "description": "What a leader asks: coverage gaps"},
                {"name": "directory", "description": "Partners and their sites; writes need an admin or the organisation's editor"},
                {"name": "accounts", "description": "Signing in, links, API tokens, \"list your organization\""},
                {"name": "admin", "description": "The admins' side: links, accounts, sign-ups, the stale report, the audit log"},
                {"name": "history", "description": "Revisions of every change, and reverting one"},
                {"name": "hsds", "description": "Open Referral HSDS 3.0 API (the public directory)"},
                {"name": "import", "description": "Loading a file into the directory (admins), and the spreadsheet template"},
                {"name": "export", "description": "The whole directory as HSDS, CSV or GeoJSON"},
                {"name": "ogc", "description": "OGC API – Features, Part 1: Core, for GIS tools"},
                {"name": "pages", "description": "Server-rendered, printable pages"},
                {"name": "service", "description": "Health, configuration, this document"},
            ],
            "paths": paths,
            "components": {
                "schemas": schemas::schemas(&[accounts::schemas(), import::schemas(), hsds::schemas(), build::value_schemas()]),
                "responses": schemas::responses(),
                "securitySchemes": {
                    "bearerToken": {"type": "http", "scheme": "bearer",
                        "description": "Authorization: Bearer …, with the deployment's admin token (ASSETMAP_ADMIN_TOKEN, \
                            an admin) or a person's API token (POST /api/v1/tokens; acts as that person). Needs no CSRF token."},
                    "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "assetmap_session",
                        "description": "The session cookie set by POST /api/v1/auth/login (12 hours)"},
                    "csrfToken": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
                        "description": "The session's CSRF token (csrf_token of /api/v1/auth/me or the sign-in answer): \
                            every state-changing request made with the session cookie must send it, else 403"},
                },
            },
        })
    })
}

/// Every operation of an OpenAPI document: its method (`get`, …), its full path (a path-level
/// `servers` URL such as `/ogc` prefixed to the path) and the operation object.
pub fn operations(doc: &Value) -> Vec<(&str, String, &Value)> {
    const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        let prefix = item["servers"][0]["url"].as_str().unwrap_or("").trim_end_matches('/');
        for (method, op) in item.as_object().into_iter().flatten() {
            if let Some(m) = METHODS.iter().find(|m| **m == method) {
                out.push((*m, format!("{prefix}{path}"), op));
            }
        }
    }
    out
}

async fn openapi_json() -> Response {
    let mut res = axum::Json(document()).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.oai.openapi+json;version=3.0"),
    );
    res
}

/// Swagger UI over `/api/openapi.json`, from the npm package vendored beside the map page.
const DOCS_PAGE: &str = include_str!("../../assets/api-docs.html");

async fn docs() -> Html<&'static str> {
    Html(DOCS_PAGE)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;

    /// Every `.route("PATH", get(..).post(..))` in the server's source, as `(METHOD, PATH)`.
    fn routes_in_source() -> BTreeSet<(String, String)> {
        let mut found = BTreeSet::new();
        let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let src = std::fs::read_to_string(&path).unwrap();
                    // Test modules (this one included) come last and route nothing real.
                    let code = src.split("#[cfg(test)]").next().unwrap_or_default();
                    routes_in(code, &mut found);
                }
            }
        }
        found
    }

    /// Reads the `.route(` calls of one file: the path literal, then the method-router
    /// expression up to the call's closing parenthesis, whose `get(`/`.post(`/... name methods.
    fn routes_in(src: &str, found: &mut BTreeSet<(String, String)>) {
        let mut rest = src;
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + ".route(".len()..];
            let trimmed = rest.trim_start();
            let Some(lit) = trimmed.strip_prefix('"') else { continue };
            let Some(end) = lit.find('"') else { continue };
            let route = lit[..end].to_owned();
            // The second argument, up to the parenthesis closing `.route(`.
            let mut depth = 1usize;
            let mut arg_end = lit.len();
            for (i, c) in lit[end + 1..].char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            arg_end = end + 1 + i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let expr = &lit[end + 1..arg_end];
            let mut methods = 0;
            for m in ["get", "post", "put", "patch", "delete"] {
                let called = expr.match_indices(&format!("{m}(")).any(|(i, _)| {
                    let before = expr[..i].chars().next_back();
                    !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                });
                if called {
                    found.insert((m.to_uppercase(), route.clone()));
                    methods += 1;
                }
            }
            assert!(methods > 0, "route {route}: no method found in `{expr}`");
        }
    }

    fn documented() -> BTreeSet<(String, String)> {
        operations(document()).into_iter().map(|(m, path, _)| (m.to_uppercase(), path)).collect()
    }

    #[test]
    fn the_route_scanner_reads_chained_and_multiline_routes() {
        let mut found = BTreeSet::new();
        routes_in(
            r#"Router::new().route("/a/{id}", get(a).patch(b).layer(X::max(1)))
               .route(
                   "/b",
                   post(c),
               )"#,
            &mut found,
        );
        let want: BTreeSet<(String, String)> = [("GET", "/a/{id}"), ("PATCH", "/a/{id}"), ("POST", "/b")]
            .iter()
            .map(|(m, p)| ((*m).into(), (*p).into()))
            .collect();
        assert_eq!(found, want);
    }

    #[test]
    fn every_route_is_documented() {
        let routes = routes_in_source();
        assert!(routes.len() > 25, "the scan finds the router's routes: {routes:?}");
        let documented = documented();
        let missing: Vec<_> = routes.difference(&documented).collect();
        assert!(
            missing.is_empty(),
            "routes without an entry in the OpenAPI document (server/src/openapi/paths.rs): {missing:?}"
        );
        let extra: Vec<_> = documented.difference(&routes).collect();
        assert!(extra.is_empty(), "documented but not routed: {extra:?}");
    }

    #[test]
    fn the_items_parameters_are_the_ones_the_handler_allows() {
        let op = &document()["paths"]["/collections/{collectionId}/items"]["get"];
        assert_eq!(document()["paths"]["/collections/{collectionId}/items"]["servers"][0]["url"], "/ogc");
        let documented: BTreeSet<&str> = op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["in"] == "query")
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        let allowed: BTreeSet<&str> =
            crate::ogc::ITEM_PARAMS.iter().chain(crate::ogc::QUERYABLES.iter()).copied().collect();
        assert_eq!(documented, allowed);
        let queryables = crate::ogc::queryables_schema(&[]);
        let declared: BTreeSet<&str> = queryables["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .filter(|k| *k != "geometry")
            .collect();
        assert_eq!(declared, crate::ogc::QUERYABLES.iter().copied().collect(), "queryables = the filters");
    }

    #[test]
    fn every_reference_resolves_and_every_operation_answers_problems() {
        let doc = document();
        let text = doc.to_string();
        for (i, _) in text.match_indices("\"$ref\":\"#/components/") {
            let rest = &text[i + "\"$ref\":\"#/".len()..];
            let target = &rest[..rest.find('"').unwrap()];
            let mut node = doc;
            for part in target.split('/') {
                node = &node[part];
            }
            assert!(!node.is_null(), "dangling $ref #/{target}");
        }
        let ops = operations(doc);
        assert!(ops.len() > 25);
        let mut ids = BTreeSet::new();
        for (method, path, op) in ops {
            assert!(
                ids.insert(op["operationId"].as_str().unwrap()),
                "{method} {path}: operationId not unique"
            );
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.keys().any(|k| k.starts_with('2')), "{method} {path}: no success answer");
            assert!(responses.contains_key("500"), "{method} {path}: no problem answer");
            for p in op["parameters"].as_array().unwrap() {
                if p["in"] == "path" {
                    assert!(
                        path.contains(&format!("{{{}}}", p["name"].as_str().unwrap())),
                        "{method} {path}: {p}"
                    );
                }
            }
        }
    }
}
