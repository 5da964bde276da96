//! The OpenAPI document at `/api/openapi.json` describes the API the server actually has: every
//! documented query parameter is accepted by its endpoint, and an undocumented one is refused.
//! (That every route is documented is checked from the router's source, in the server crate's
//! `openapi` unit tests.)

use serde_json::Value;

use crate::helpers::{spawn_demo, Backend, TOKEN};

/// A 400 that refuses `param` as unknown to the endpoint.
fn refuses_as_unknown(body: &Value, param: &str) -> bool {
    body["errors"].as_array().is_some_and(|errs| {
        errs.iter().any(|e| {
            e["field"] == param && e["message"].as_str().unwrap_or("").contains("is not a parameter")
        })
    })
}

async fn the_document_matches_what_the_endpoints_accept(backend: Backend) {
    let app = spawn_demo(backend).await;
    let res = app.get("/api/openapi.json").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/vnd.oai.openapi+json;version=3.0");
    let doc: Value = res.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.0.3");

    let site = app.get_json("/api/v1/sites?limit=1").await["sites"][0]["id"].as_str().unwrap().to_owned();
    let partner =
        app.get_json("/api/v1/partners?limit=1").await["partners"][0]["id"].as_str().unwrap().to_owned();
    // As an API client asks (the printable pages answer a browser's errors as a page), with
    // the admin token where the operation declares credentials (the admin routes check who
    // asks before their parameters).
    let get = |path: String, op: &Value| {
        let mut req = app.client.get(format!("{}{path}", app.base)).header("accept", "application/json");
        if op.get("security").is_some() {
            req = req.bearer_auth(TOKEN);
        }
        async move { req.send().await.unwrap() }
    };
    let mut checked = 0;
    let mut secured = 0;
    for (method, path, op) in assetmap::openapi::operations(&doc) {
        if method != "get" {
            continue;
        }
        let concrete = path
            .replace("{collectionId}", "sites")
            .replace("{featureId}", &site)
            .replace("/partners/{id}", &format!("/partners/{partner}"))
            .replace("{id}", &site);
        // Query parameters by the names a client sends: an exploded object parameter (`origin`:
        // `zip`, or `lon` and `lat`) is sent as its members.
        let params: Vec<&str> = op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["in"] == "query")
            .flat_map(|p| {
                let schema = &p["schema"];
                let objects: Vec<&Value> = match schema["oneOf"].as_array() {
                    Some(branches) => branches.iter().collect(),
                    None => vec![schema],
                };
                let members: Vec<&str> = objects
                    .iter()
                    .filter(|_| p["explode"] == true && p["style"] == "form")
                    .filter_map(|o| o["properties"].as_object())
                    .flat_map(|m| m.keys().map(String::as_str))
                    .collect();
                if members.is_empty() {
                    vec![p["name"].as_str().unwrap()]
                } else {
                    members
                }
            })
            .collect();
        // Each documented parameter, given a value (right or wrong), is known to the endpoint.
        for name in &params {
            let res = get(format!("{concrete}?{name}=1"), op).await;
            let status = res.status();
            let body: Value = res.json().await.unwrap_or(Value::Null);
            assert!(
                !(status == 400 && refuses_as_unknown(&body, name)),
                "GET {path} refuses its documented {name}: {body}"
            );
            checked += 1;
        }
        // An operation whose every security requirement names a credential refuses the public.
        let public_allowed = op["security"]
            .as_array()
            .is_none_or(|s| s.iter().any(|r| r.as_object().is_some_and(|o| o.is_empty())));
        if !public_allowed {
            let res = app.client.get(format!("{}{concrete}", app.base)).send().await.unwrap();
            assert_eq!(res.status(), 401, "GET {path} without credentials");
            secured += 1;
        }
        // An endpoint that takes query parameters refuses one it does not document.
        if !params.is_empty() {
            let res = get(format!("{concrete}?not_documented=1"), op).await;
            assert_eq!(res.status(), 400, "GET {path}?not_documented=1");
            let text = res.text().await.unwrap();
            let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            assert!(refuses_as_unknown(&body, "not_documented"), "GET {path}: {text}");
        }
    }
    assert!(checked > 60, "{checked} documented parameters tried");

    // The enumerations the document states are the server's: the taxonomy it serves, and
    // language codes it takes as they are written.
    let slugs: Vec<Value> = app.get_json("/api/v1/categories").await["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["slug"].clone())
        .collect();
    assert_eq!(doc["components"]["schemas"]["Category"]["enum"].as_array().unwrap(), &slugs);
    let codes = doc["components"]["schemas"]["LanguageCode"]["enum"].as_array().unwrap();
    assert!(codes.len() > 7_000, "every ISO 639 language: {}", codes.len());
    for code in codes {
        let code = code.as_str().unwrap();
        let parsed = assetmap::domain::LanguageCode::parse(code).unwrap_or_else(|e| panic!("{code}: {e}"));
        assert_eq!(parsed.as_str(), code);
    }
    // An empty value is refused, naming it (the document says every value is non-empty).
    let res = app.get("/api/v1/nearest?zip=33125&lang=").await;
    let body = crate::helpers::assert_problem(res, 400, Some("lang")).await;
    assert!(body["detail"].as_str().unwrap().contains("is empty"), "{body}");
    assert!(secured >= 7, "{secured} operations for the signed-in tried without credentials");

    // The page that shows it, and the library it uses, are served from this server.
    let page = app.get("/api/docs").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("/api/openapi.json"));
    for asset in
        ["/node_modules/swagger-ui-dist/swagger-ui-bundle.js", "/node_modules/swagger-ui-dist/swagger-ui.css"]
    {
        assert!(html.contains(asset) && !html.contains("https://"), "{asset} served locally");
    }
}

both_stores!(the_document_matches_what_the_endpoints_accept,);
