//! Accounts and writes under abuse (issue 14): a write that names no version is refused rather
//! than overwriting what it never saw; floods from one address are slowed while searches keep
//! answering; a deactivated person's session and tokens stop at once.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, Backend, TestApp, TOKEN};

impl TestApp {
    /// A request with the admin token, `If-Match` if given.
    async fn admin_call(
        &self,
        method: Method,
        path: &str,
        if_match: Option<&str>,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut req = self.client.request(method, format!("{}{path}", self.base)).bearer_auth(TOKEN);
        if let Some(tag) = if_match {
            req = req.header("if-match", tag);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap()
    }
}

/// `PATCH` and `DELETE` of a partner or a site without `If-Match` or `"version"`: 428 saying
/// how to send it, and the record unchanged; from a stale version: 409 with the current record;
/// `If-Match` with the `ETag` of a `GET`: done.
async fn versionless_writes_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let p = app.partner("Org A").await;
    let site =
        app.site(&p, json!({"name": "Clinica", "lon": -80.2, "lat": 25.8, "categories": ["legal"]})).await;
    let sid = site["id"].as_str().unwrap().to_owned();
    for path in [format!("/api/v1/sites/{sid}"), format!("/api/v1/partners/{p}")] {
        let before = app.get_json(&path).await;
        let res = app.admin_call(Method::PATCH, &path, None, Some(json!({"name": "Overwritten"}))).await;
        let body = assert_problem(res, 428, None).await;
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.contains("If-Match") && detail.contains("\"version\""), "says how: {detail}");
        assert!(detail.contains(&format!("GET {path}")), "says where the version is: {detail}");
        let res = app.admin_call(Method::DELETE, &path, None, None).await;
        assert_problem(res, 428, None).await;
        assert_eq!(app.get_json(&path).await, before, "{path} unchanged");

        // A stale version: 409 with the record as it is now.
        let tag = app.etag(&path).await;
        assert_eq!(tag, format!("\"{}\"", before["version"]));
        let res = app.admin_call(Method::PATCH, &path, Some(&tag), Some(json!({"name": "Renamed"}))).await;
        assert_eq!(res.status(), StatusCode::OK);
        let renamed: Value = res.json().await.unwrap();
        let res = app
            .admin_call(
                Method::PATCH,
                &path,
                None,
                Some(json!({"version": before["version"], "name": "Stale"})),
            )
            .await;
        let body = assert_problem(res, 409, None).await;
        assert_eq!(body["current"]["name"], "Renamed");
        let res = app.admin_call(Method::DELETE, &path, Some(&tag), None).await;
        assert_eq!(assert_problem(res, 409, None).await["current"]["version"], renamed["version"]);
        assert_eq!(app.get_json(&path).await["name"], "Renamed");
    }
    // From the current ETag a deletion goes through (the site first: the partner takes its
    // sites with it).
    for path in [format!("/api/v1/sites/{sid}"), format!("/api/v1/partners/{p}")] {
        let tag = app.etag(&path).await;
        assert_eq!(app.admin_call(Method::DELETE, &path, Some(&tag), None).await.status(), 204);
        assert_eq!(app.get(&path).await.status(), 404);
    }
}

both_stores!(versionless_writes_are_refused);
