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

/// A failed sign-in from `client` (sent as the `X-Forwarded-For` a proxy would add, if given):
/// its status and `Retry-After`.
async fn failed_sign_in(app: &TestApp, email: &str, client: Option<&str>) -> (u16, Option<u64>) {
    let mut req = app
        .client
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&json!({"email": email, "password": "not the password"}));
    if let Some(c) = client {
        req = req.header("x-forwarded-for", c);
    }
    let res = req.send().await.unwrap();
    let retry = res.headers().get("retry-after").map(|v| v.to_str().unwrap().parse().unwrap());
    (res.status().as_u16(), retry)
}

/// Sixty failed sign-ins, each with a new email, from one client: slowed (429 with
/// `Retry-After`) well before the end, while nearest searches in the same seconds all answer.
async fn a_sign_in_flood_from_one_address_is_slowed(backend: Backend) {
    let app = spawn_app(backend).await;
    let p = app.partner("Org A").await;
    app.site(&p, json!({"name": "Clinica", "lon": -80.2, "lat": 25.8, "categories": ["legal"]})).await;
    let flooding = std::sync::atomic::AtomicBool::new(true);
    let flood = async {
        let mut answers = Vec::new();
        for n in 0..60 {
            answers.push(failed_sign_in(&app, &format!("guess{n}@example.org"), None).await);
        }
        flooding.store(false, std::sync::atomic::Ordering::SeqCst);
        answers
    };
    let searches = async {
        let mut statuses = Vec::new();
        while flooding.load(std::sync::atomic::Ordering::SeqCst) {
            let res = app.get("/api/v1/nearest?lon=-80.2&lat=25.8&category=legal").await;
            statuses.push(res.status().as_u16());
        }
        statuses
    };
    let (answers, searches) = tokio::join!(flood, searches);
    let first_refusal = answers.iter().position(|(status, _)| *status == 429).expect("a 429 among 60 tries");
    assert!(first_refusal < 30, "slowed only after {first_refusal} tries: {answers:?}");
    assert!(answers[..first_refusal].iter().all(|(s, _)| *s == 401), "{answers:?}");
    for (status, retry) in &answers[first_refusal..] {
        assert!(*status == 429 || *status == 401, "{answers:?}");
        if *status == 429 {
            assert!(retry.is_some_and(|r| (1..=60).contains(&r)), "Retry-After: {retry:?}");
        }
    }
    assert!(!searches.is_empty(), "searched during the flood");
    assert!(searches.iter().all(|s| *s == 200), "nearest during the flood: {searches:?}");
}

/// Behind a trusted proxy each client has its own bucket, named by the proxy's
/// `X-Forwarded-For`; without one configured, the header changes nothing, so a client cannot
/// buy new buckets by sending it.
async fn only_a_trusted_proxy_names_the_client(backend: Backend) {
    let db = crate::helpers::TestDb::new(backend).await;
    let mut settings = crate::helpers::settings(&db.url, false);
    settings.trusted_proxies = vec![assetmap::client::parse_proxy("127.0.0.1").unwrap()];
    let behind = crate::helpers::spawn_with(&db, settings).await;
    let mut statuses = Vec::new();
    for n in 0..40 {
        statuses.push(failed_sign_in(&behind, &format!("a{n}@example.org"), Some("203.0.113.1")).await.0);
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    // Another client behind the same proxy is not slowed by the first one's tries.
    assert_eq!(failed_sign_in(&behind, "b@example.org", Some("198.51.100.2")).await.0, 401);
    // A client that appends a forged address of its own is still itself.
    assert_eq!(failed_sign_in(&behind, "c@example.org", Some("198.51.100.3, 203.0.113.1")).await.0, 429);

    let direct = spawn_app(backend).await;
    let mut statuses = Vec::new();
    for n in 0..40 {
        let forged = format!("198.51.100.{n}");
        statuses.push(failed_sign_in(&direct, &format!("d{n}@example.org"), Some(&forged)).await.0);
    }
    assert!(statuses.contains(&429), "a forged X-Forwarded-For is not a new client: {statuses:?}");
}

both_stores!(
    versionless_writes_are_refused,
    a_sign_in_flood_from_one_address_is_slowed,
    only_a_trusted_proxy_names_the_client,
);
