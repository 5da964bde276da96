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

    /// GET and parse JSON with the admin token, asserting 200.
    async fn get_json_as_admin(&self, path: &str) -> Value {
        let res = self.admin_call(Method::GET, path, None, None).await;
        assert_eq!(res.status(), StatusCode::OK, "GET {path}");
        res.json().await.unwrap()
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
    settings.trusted_proxies = vec![assetmap::http::client::parse_proxy("127.0.0.1").unwrap()];
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

/// Signs `email` in; the session cookie and its CSRF token.
async fn sign_in(app: &TestApp, email: &str) -> reqwest::Response {
    app.client
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
}

const PASSWORD: &str = "a long enough password";

/// A person signed in through a session, and with an API token.
struct Person {
    cookie: String,
    csrf: String,
    token: String,
}

impl TestApp {
    /// Accepts an invitation link for `email` and makes an API token with the new session.
    async fn person(&self, link: &str, email: &str) -> Person {
        let res = self
            .client
            .post(format!("{}/api/v1/invitations/{link}/accept", self.base))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let set = res.headers()["set-cookie"].to_str().unwrap();
        let cookie = set.split(';').next().unwrap().to_owned();
        let csrf = res.json::<Value>().await.unwrap()["csrf_token"].as_str().unwrap().to_owned();
        let res = self
            .client
            .post(format!("{}/api/v1/tokens", self.base))
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .json(&json!({"name": "script"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let token = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
        Person { cookie, csrf, token }
    }

    /// `POST path` with the person's session (and CSRF token), or with their API token.
    async fn as_person(&self, who: &Person, by_token: bool, path: &str, body: Value) -> reqwest::Response {
        let req = self.client.post(format!("{}{path}", self.base)).json(&body);
        let req = if by_token {
            req.bearer_auth(&who.token)
        } else {
            req.header("cookie", &who.cookie).header("x-csrf-token", &who.csrf)
        };
        req.send().await.unwrap()
    }

    async fn link(&self, partner: &str) -> Value {
        let res = self.post("/api/v1/admin/invitations", &json!({"partner_id": partner})).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        res.json().await.unwrap()
    }
}

/// An admin deactivates someone who left: their session and their API token are refused (401)
/// on the very next request, they cannot sign in, and the audit log says who did it and when.
/// Reactivated, they sign in again; their old token stays revoked.
async fn a_deactivated_person_is_refused_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = app.partner("Org A").await;
    let site =
        app.site(&a, json!({"name": "Clinica", "lon": -80.2, "lat": 25.8, "categories": ["legal"]})).await;
    let verify = format!("/api/v1/sites/{}/verify", site["id"].as_str().unwrap());
    let leaver = app.person(app.link(&a).await["token"].as_str().unwrap(), "leaver@a.example.org").await;
    let stays = app.person(app.link(&a).await["token"].as_str().unwrap(), "stays@a.example.org").await;
    for by_token in [false, true] {
        assert_eq!(app.as_person(&leaver, by_token, &verify, json!({})).await.status(), 200);
    }
    let admin_email = "admin@example.org";
    assetmap::accounts::create_admin(app.state.directory.store(), admin_email, PASSWORD).await.unwrap();
    let res = sign_in(&app, admin_email).await;
    let admin_cookie = res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let admin_csrf = res.json::<Value>().await.unwrap()["csrf_token"].as_str().unwrap().to_owned();
    let admin_post = |path: String| {
        app.client
            .post(format!("{}{path}", app.base))
            .header("cookie", &admin_cookie)
            .header("x-csrf-token", &admin_csrf)
            .send()
    };
    let users = app.get_json_as_admin("/api/v1/admin/users").await;
    let id_of = |email: &str| {
        users["users"].as_array().unwrap().iter().find(|u| u["email"] == email).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (leaver_id, admin_id) = (id_of("leaver@a.example.org"), id_of(admin_email));

    let res = admin_post(format!("/api/v1/admin/users/{leaver_id}/deactivate")).await.unwrap();
    assert_eq!(res.status(), 200);
    let user = res.json::<Value>().await.unwrap()["user"].clone();
    assert_eq!(user["deactivated_by"], admin_email);
    assert!(user["deactivated_at"].is_string());
    for by_token in [false, true] {
        let res = app.as_person(&leaver, by_token, &verify, json!({})).await;
        assert_problem(res, 401, None).await;
    }
    let me = app.client.get(format!("{}/api/v1/auth/me", app.base)).header("cookie", &leaver.cookie);
    assert_eq!(me.send().await.unwrap().json::<Value>().await.unwrap()["user"], Value::Null);
    assert_problem(sign_in(&app, "leaver@a.example.org").await, 403, None).await;
    // Their colleague is not affected.
    assert_eq!(app.as_person(&stays, true, &verify, json!({})).await.status(), 200);
    // The audit log: who, when.
    let audit = app.get_json_as_admin("/api/v1/admin/audit").await;
    let entry =
        audit["entries"].as_array().unwrap().iter().find(|e| e["action"] == "user.deactivate").unwrap();
    assert_eq!(
        (entry["actor"]["label"].as_str(), entry["target"].as_str()),
        (Some(admin_email), Some(leaver_id.as_str()))
    );
    assert!(entry["at"].is_string());
    // An admin cannot lock themselves out.
    let res = admin_post(format!("/api/v1/admin/users/{admin_id}/deactivate")).await.unwrap();
    assert_problem(res, 409, None).await;

    let res = admin_post(format!("/api/v1/admin/users/{leaver_id}/reactivate")).await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["user"]["deactivated_at"], Value::Null);
    assert_eq!(sign_in(&app, "leaver@a.example.org").await.status(), 200);
    assert_problem(app.as_person(&leaver, true, &verify, json!({})).await, 401, None).await;
}

/// An editor invites a colleague to their own organisation (not to another); admins see the
/// link, with who made it, and may revoke it, after which it is refused (410).
async fn editors_invite_colleagues_and_admins_revoke(backend: Backend) {
    let app = spawn_app(backend).await;
    let (a, b) = (app.partner("Org A").await, app.partner("Org B").await);
    let ana = app.person(app.link(&a).await["token"].as_str().unwrap(), "ana@a.example.org").await;
    let res = app.as_person(&ana, false, &format!("/api/v1/partners/{b}/invitations"), json!({})).await;
    assert_problem(res, 403, None).await;
    let path = format!("/api/v1/partners/{a}/invitations");
    let res = app.as_person(&ana, false, &path, json!({"email": "not an email"})).await;
    assert_problem(res, 422, Some("email")).await;
    let res = app.as_person(&ana, false, &path, json!({"email": "Colleague@A.example.org"})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let first: Value = res.json().await.unwrap();
    assert_eq!(first["email"], "colleague@a.example.org");
    assert!(first["url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("#invite={}", first["token"].as_str().unwrap())));
    let res = app.as_person(&ana, true, &path, json!({})).await;
    let second: Value = res.json().await.unwrap();

    let open = app.get_json_as_admin("/api/v1/admin/invitations").await;
    let made_by_ana: Vec<&Value> = open["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["created_by"] == "ana@a.example.org")
        .collect();
    assert_eq!(made_by_ana.len(), 2, "{open}");
    assert!(made_by_ana.iter().all(|i| i["partner_name"] == "Org A"));

    let revoke = format!("/api/v1/admin/invitations/{}", first["id"].as_str().unwrap());
    assert_eq!(app.delete(&revoke).await.status(), 204);
    assert_problem(app.delete(&revoke).await, 404, None).await;
    let accept = |link: &Value, email: &str| {
        app.client
            .post(format!("{}/api/v1/invitations/{}/accept", app.base, link["token"].as_str().unwrap()))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
    };
    assert_problem(accept(&first, "colleague@a.example.org").await.unwrap(), 410, None).await;
    let open = app.get_json_as_admin("/api/v1/admin/invitations").await;
    assert_eq!(open["invitations"].as_array().unwrap().len(), 1, "the revoked link is not open");
    // The other link makes an editor of A.
    let res = accept(&second, "other@a.example.org").await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.json::<Value>().await.unwrap()["partner"]["id"], a.as_str());
}

both_stores!(a_deactivated_person_is_refused_at_once, editors_invite_colleagues_and_admins_revoke);
