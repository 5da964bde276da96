//! Partner accounts over real HTTP: who may write what (the role matrix), sessions and CSRF,
//! invitation links, sign-ups, revisions and revert, optimistic concurrency, the sign-in
//! backoff, freshness (stale report, hiding), and the first admin from the command line.

use std::sync::Arc;

use assetmap::accounts::secret::sha256_hex;
use assetmap::config::HideAfter;
use assetmap::domain::account::{Invitation, Record};
use assetmap::store::Change;
use chrono::{Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    assert_problem, assetmap_binary, spawn_app, spawn_configured, spawn_demo, Backend, TestApp, TOKEN,
};

const PASSWORD: &str = "a long enough password";

/// How a request is authenticated.
#[derive(Clone, Debug)]
enum Cred {
    /// Nothing.
    Public,
    /// A session cookie and its CSRF token.
    Session { cookie: String, csrf: String },
    /// `Authorization: Bearer`.
    Bearer(String),
}

impl TestApp {
    async fn call(&self, method: Method, path: &str, cred: &Cred, body: Option<Value>) -> reqwest::Response {
        self.call_at(method, path, cred, body, None).await
    }

    /// [`TestApp::call`] naming the version the change starts from (`If-Match`).
    async fn call_at(
        &self,
        method: Method,
        path: &str,
        cred: &Cred,
        body: Option<Value>,
        if_match: Option<String>,
    ) -> reqwest::Response {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(tag) = if_match {
            req = req.header("if-match", tag);
        }
        match cred {
            Cred::Public => {}
            Cred::Session { cookie, csrf } => {
                req = req.header("cookie", format!("assetmap_session={cookie}")).header("x-csrf-token", csrf);
            }
            Cred::Bearer(t) => req = req.bearer_auth(t),
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap()
    }

    /// Signs in; returns the session.
    async fn sign_in(&self, email: &str, password: &str) -> Cred {
        let res = self
            .call(
                Method::POST,
                "/api/v1/auth/login",
                &Cred::Public,
                Some(json!({"email": email, "password": password})),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "sign-in of {email}");
        let set = res.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
        let cookie = set.split(';').next().unwrap().trim_start_matches("assetmap_session=").to_owned();
        let body: Value = res.json().await.unwrap();
        Cred::Session { cookie, csrf: body["csrf_token"].as_str().unwrap().to_owned() }
    }

    /// Makes an admin account (as `assetmap admin create` does) and signs it in.
    async fn admin_session(&self, email: &str) -> Cred {
        assetmap::accounts::create_admin(self.state.directory.store(), email, PASSWORD).await.unwrap();
        self.sign_in(email, PASSWORD).await
    }

    /// Invites an editor of `partner` (as the deployment admin), accepts the link, returns the
    /// session the acceptance opened.
    async fn editor_session(&self, partner: &str, email: &str) -> Cred {
        let link = self.invite(partner).await;
        let res = self
            .call(
                Method::POST,
                &format!("/api/v1/invitations/{link}/accept"),
                &Cred::Public,
                Some(json!({"email": email, "password": PASSWORD})),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        self.sign_in(email, PASSWORD).await
    }

    async fn invite(&self, partner: &str) -> String {
        let res = self.post("/api/v1/admin/invitations", &json!({"partner_id": partner})).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let body: Value = res.json().await.unwrap();
        assert!(body["url"].as_str().unwrap().ends_with(body["token"].as_str().unwrap()));
        body["token"].as_str().unwrap().to_owned()
    }
}

fn clinic(last_verified: &str) -> Value {
    json!({"name": "Clinica", "lon": -80.2, "lat": 25.8, "categories": ["legal"],
           "hours": {"timezone": "America/New_York", "weekly": [{"day": "mon", "opens": "09:00", "closes": "17:00"}]},
           "last_verified_at": last_verified})
}

fn recent() -> String {
    (Utc::now() - Duration::days(10)).to_rfc3339()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// Two organisations with an editor each, an admin account, and an editor's API token.
struct World {
    app: TestApp,
    a: String,
    b: String,
    creds: Vec<(&'static str, Cred)>,
}

async fn world(backend: Backend) -> World {
    let app = spawn_app(backend).await;
    let a = app.partner("Org A").await;
    let b = app.partner("Org B").await;
    let admin = app.admin_session("admin@example.org").await;
    let editor_a = app.editor_session(&a, "ana@a.example.org").await;
    let editor_b = app.editor_session(&b, "bo@b.example.org").await;
    let res = app.call(Method::POST, "/api/v1/tokens", &editor_a, Some(json!({"name": "script"}))).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let a_token = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    let creds = vec![
        ("public", Cred::Public),
        ("editor A", editor_a),
        ("editor B", editor_b),
        ("editor A token", Cred::Bearer(a_token)),
        ("admin", admin),
        ("admin token", Cred::Bearer(TOKEN.to_owned())),
    ];
    World { app, a, b, creds }
}

/// Each write endpoint × each role → the status expected, in the order of `World::creds`
/// (public, editor A, editor B, editor A's token, admin, deployment admin token). Targets
/// belong to organisation A and are made fresh for every call.
async fn role_matrix(backend: Backend) {
    let w = world(backend).await;
    let app = &w.app;
    let (a, b) = (w.a.as_str(), w.b.as_str());
    let mut failures = Vec::new();
    type Row = (&'static str, [u16; 6]);
    let rows: [Row; 18] = [
        ("POST /partners", [401, 403, 403, 403, 201, 201]),
        ("PATCH /partners/A name", [401, 200, 403, 200, 200, 200]),
        ("PATCH /partners/A status", [401, 403, 403, 403, 200, 200]),
        ("DELETE /partners/X", [401, 403, 403, 403, 204, 204]),
        ("POST /sites for A", [401, 201, 403, 201, 201, 201]),
        ("PATCH /sites/A1", [401, 200, 403, 200, 200, 200]),
        ("DELETE /sites/A1", [401, 204, 403, 204, 204, 204]),
        ("POST /sites/A1/verify", [401, 200, 403, 200, 200, 200]),
        ("POST /admin/invitations", [401, 403, 403, 403, 201, 201]),
        ("POST /revisions/N/revert", [401, 403, 403, 403, 200, 200]),
        ("POST /admin/signups/P/approve", [401, 403, 403, 403, 200, 200]),
        ("POST /admin/signups/P/decline", [401, 403, 403, 403, 200, 200]),
        ("POST /tokens", [401, 201, 201, 201, 201, 403]),
        ("GET /admin/stale", [401, 403, 403, 403, 200, 200]),
        ("POST /partners/A/invitations", [401, 201, 403, 201, 201, 201]),
        ("DELETE /admin/invitations/I", [401, 403, 403, 403, 204, 204]),
        ("POST /admin/users/U/deactivate", [401, 403, 403, 403, 200, 200]),
        ("POST /admin/users/U/reactivate", [401, 403, 403, 403, 200, 200]),
    ];
    for (name, expected) in rows {
        for ((role, cred), want) in w.creds.iter().zip(expected) {
            // A fresh target for each call, made with the deployment token.
            let site = app.site(a, clinic(&recent())).await;
            let sid = id(&site);
            let (method, path, body) = match name {
                "POST /partners" => {
                    (Method::POST, "/api/v1/partners".to_owned(), Some(json!({"name": "New"})))
                }
                "PATCH /partners/A name" => {
                    (Method::PATCH, format!("/api/v1/partners/{a}"), Some(json!({"description": role})))
                }
                "PATCH /partners/A status" => {
                    let x = app.partner("Status target").await;
                    // Editors of A are asked about A itself; the target only matters to admins.
                    let target = if role.starts_with("editor A") { a.to_owned() } else { x };
                    (Method::PATCH, format!("/api/v1/partners/{target}"), Some(json!({"status": "inactive"})))
                }
                "DELETE /partners/X" => {
                    (Method::DELETE, format!("/api/v1/partners/{}", app.partner("Doomed").await), None)
                }
                "POST /sites for A" => {
                    let mut s = clinic(&recent());
                    s["partner_id"] = json!(a);
                    (Method::POST, "/api/v1/sites".to_owned(), Some(s))
                }
                "PATCH /sites/A1" => (
                    Method::PATCH,
                    format!("/api/v1/sites/{sid}"),
                    Some(json!({"version": 1, "name": "Renamed"})),
                ),
                "DELETE /sites/A1" => (Method::DELETE, format!("/api/v1/sites/{sid}"), None),
                "POST /sites/A1/verify" => (Method::POST, format!("/api/v1/sites/{sid}/verify"), None),
                "POST /admin/invitations" => {
                    (Method::POST, "/api/v1/admin/invitations".to_owned(), Some(json!({"partner_id": a})))
                }
                "POST /revisions/N/revert" => {
                    assert_eq!(
                        app.patch_current(&format!("/api/v1/sites/{sid}"), &json!({"name": "Edited"}))
                            .await
                            .status(),
                        200
                    );
                    let revs = app
                        .call(
                            Method::GET,
                            &format!("/api/v1/revisions?site_id={sid}"),
                            &Cred::Bearer(TOKEN.into()),
                            None,
                        )
                        .await;
                    let n = revs.json::<Value>().await.unwrap()["revisions"][0]["id"].as_i64().unwrap();
                    (Method::POST, format!("/api/v1/revisions/{n}/revert"), None)
                }
                "POST /admin/signups/P/approve" | "POST /admin/signups/P/decline" => {
                    let res = app
                        .call(Method::POST, "/api/v1/signup", &Cred::Public, Some(json!({"organization": {"name": "Newcomer"}, "contact_email": "new@example.org"})))
                        .await;
                    assert_eq!(res.status(), StatusCode::ACCEPTED);
                    let p = res.json::<Value>().await.unwrap()["partner_id"].as_str().unwrap().to_owned();
                    let verb = if name.ends_with("approve") { "approve" } else { "decline" };
                    (
                        Method::POST,
                        format!("/api/v1/admin/signups/{p}/{verb}"),
                        (verb == "decline").then(|| json!({"reason": "not in our area"})),
                    )
                }
                "POST /tokens" => (Method::POST, "/api/v1/tokens".to_owned(), Some(json!({"name": "t"}))),
                "GET /admin/stale" => (Method::GET, "/api/v1/admin/stale".to_owned(), None),
                "POST /partners/A/invitations" => (
                    Method::POST,
                    format!("/api/v1/partners/{a}/invitations"),
                    Some(json!({"email": "colleague@a.example.org"})),
                ),
                "DELETE /admin/invitations/I" => {
                    let res = app.post("/api/v1/admin/invitations", &json!({"partner_id": a})).await;
                    let inv = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
                    (Method::DELETE, format!("/api/v1/admin/invitations/{inv}"), None)
                }
                "POST /admin/users/U/deactivate" | "POST /admin/users/U/reactivate" => {
                    // A fresh account (made as `admin create` does), deactivated first to be
                    // reactivated.
                    let email = format!("target-{}@example.org", uuid::Uuid::new_v4().simple());
                    let store = app.state.directory.store();
                    let user = assetmap::accounts::create_admin(store, &email, PASSWORD).await.unwrap();
                    let verb = if name.ends_with("deactivate") { "deactivate" } else { "reactivate" };
                    if verb == "reactivate" {
                        let path = format!("/api/v1/admin/users/{}/deactivate", user.id);
                        assert_eq!(app.post(&path, &json!({})).await.status(), 200);
                    }
                    (Method::POST, format!("/api/v1/admin/users/{}/{verb}", user.id), None)
                }
                _ => unreachable!(),
            };
            // Edits and deletions name the version they start from: the target's current one.
            let record = path.starts_with("/api/v1/sites/") || path.starts_with("/api/v1/partners/");
            let if_match = if record && matches!(method, Method::PATCH | Method::DELETE) {
                Some(app.etag(&path).await)
            } else {
                None
            };
            let res = app.call_at(method, &path, cred, body.clone(), if_match).await;
            let got = res.status().as_u16();
            if got != want {
                failures
                    .push(format!("{name} as {role}: {got}, expected {want}: {}", res.text().await.unwrap()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let _ = b;
}

/// Editors reach only their own organisation: every attempt on another's data is 403 and
/// changes nothing; another organisation's pending listing does not exist for them.
async fn cross_organization_edits_are_refused(backend: Backend) {
    let w = world(backend).await;
    let (app, a, b) = (&w.app, w.a.as_str(), w.b.as_str());
    let editor_a = w.creds[1].1.clone();
    let b_site = id(&app.site(b, clinic(&recent())).await);
    let a_site = id(&app.site(a, clinic(&recent())).await);
    let attempts = [
        (Method::PATCH, format!("/api/v1/sites/{b_site}"), Some(json!({"name": "Mine now"}))),
        (Method::DELETE, format!("/api/v1/sites/{b_site}"), None),
        (Method::POST, format!("/api/v1/sites/{b_site}/verify"), None),
        (Method::PATCH, format!("/api/v1/partners/{b}"), Some(json!({"name": "Mine now"}))),
        (Method::PATCH, format!("/api/v1/sites/{a_site}"), Some(json!({"version": 1, "partner_id": b}))),
        (
            Method::POST,
            "/api/v1/sites".to_owned(),
            Some(json!({"partner_id": b, "name": "x", "categories": ["legal"]})),
        ),
        (Method::GET, format!("/api/v1/revisions?partner_id={b}"), None),
        (Method::GET, format!("/api/v1/revisions?site_id={b_site}"), None),
    ];
    for (method, path, body) in attempts {
        let res = app.call(method.clone(), &path, &editor_a, body.clone()).await;
        assert_problem(res, 403, None).await;
    }
    let b_now = app.get_json(&format!("/api/v1/sites/{b_site}")).await;
    assert_eq!((b_now["name"].as_str(), b_now["version"].as_i64()), (Some("Clinica"), Some(1)));
    assert_eq!(app.get_json(&format!("/api/v1/sites/{a_site}")).await["partner_id"], a);

    // A pending organisation is not public, and not visible to another organisation's editor,
    // but is to its own editors.
    assert_eq!(
        app.patch_current(&format!("/api/v1/partners/{b}"), &json!({"status": "pending"})).await.status(),
        200
    );
    assert_eq!(app.call(Method::GET, &format!("/api/v1/partners/{b}"), &editor_a, None).await.status(), 404);
    assert_eq!(
        app.call(Method::GET, &format!("/api/v1/sites/{b_site}"), &editor_a, None).await.status(),
        404
    );
    assert_eq!(
        app.call(Method::GET, &format!("/api/v1/sites/{b_site}"), &w.creds[2].1, None).await.status(),
        200
    );
    assert!(app.get_json("/api/v1/nearest?lon=-80.2&lat=25.8&k=10").await["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["id"] != b_site.as_str()));
}

/// A state-changing request with the session cookie needs the session's CSRF token; a bearer
/// request does not; the cookie is HttpOnly and SameSite=Lax, Secure behind https.
async fn csrf_is_required_with_the_cookie(backend: Backend) {
    let w = world(backend).await;
    let (app, a) = (&w.app, w.a.as_str());
    let Cred::Session { cookie, csrf } = w.creds[1].1.clone() else { unreachable!() };
    let sid = id(&app.site(a, clinic(&recent())).await);
    let path = format!("{}/api/v1/sites/{sid}", app.base);
    let send = |token: Option<&str>| {
        let mut req = app
            .client
            .patch(&path)
            .header("cookie", format!("assetmap_session={cookie}"))
            .json(&json!({"version": 1, "name": "Forged"}));
        if let Some(t) = token {
            req = req.header("x-csrf-token", t);
        }
        req.send()
    };
    assert_problem(send(None).await.unwrap(), 403, None).await;
    assert_problem(send(Some("0".repeat(64).as_str())).await.unwrap(), 403, None).await;
    assert_eq!(app.get_json(&format!("/api/v1/sites/{sid}")).await["version"], 1, "nothing changed");
    assert_eq!(send(Some(&csrf)).await.unwrap().status(), StatusCode::OK);
    // Signing out with the token ends the session.
    assert_eq!(app.call(Method::POST, "/api/v1/auth/logout", &w.creds[1].1, None).await.status(), 204);
    assert_eq!(send(Some(&csrf)).await.unwrap().status(), StatusCode::UNAUTHORIZED);

    let res = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            &Cred::Public,
            Some(json!({"email": "ana@a.example.org", "password": PASSWORD})),
        )
        .await;
    let set = res.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && !set.contains("Secure"), "{set}");
    let res = app
        .client
        .post(format!("{}/api/v1/auth/login", app.base))
        .header("x-forwarded-proto", "https")
        .json(&json!({"email": "ana@a.example.org", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("set-cookie").unwrap().to_str().unwrap().contains("; Secure"));
}

async fn put_invitation(app: &TestApp, partner: &str, expires_in: Duration) -> String {
    let secret = assetmap::accounts::secret::random_token();
    let now = Utc::now();
    let inv = Invitation {
        id: uuid::Uuid::new_v4(),
        partner_id: Some(partner.parse().unwrap()),
        user_id: None,
        email: None,
        created_by: "test".into(),
        created_at: now - Duration::days(8),
        expires_at: now + expires_in,
        used_at: None,
        revoked_at: None,
    };
    let r = Record::CreateInvitation { invitation: inv, token_hash: sha256_hex(&secret) };
    app.state.directory.store().apply(&vec![Change::Record(r)]).await.unwrap();
    secret
}

/// Links work once, within seven days; a reused or expired one is 410, an unknown one 404.
async fn invitations_are_single_use_and_expire(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = app.partner("Org A").await;
    let link = app.invite(&a).await;
    let info = app.get_json(&format!("/api/v1/invitations/{link}")).await;
    assert_eq!((info["kind"].as_str(), info["partner_name"].as_str()), (Some("editor"), Some("Org A")));
    let days = (chrono::DateTime::parse_from_rfc3339(info["expires_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
        - Utc::now())
    .num_hours();
    assert!((167..=168).contains(&days), "{days} hours");
    let accept = |email: &str, pw: &str| json!({"email": email, "password": pw});
    let path = format!("/api/v1/invitations/{link}/accept");
    assert_problem(
        app.call(Method::POST, &path, &Cred::Public, Some(accept("x@example.org", "short"))).await,
        422,
        Some("password"),
    )
    .await;
    assert_eq!(
        app.call(Method::POST, &path, &Cred::Public, Some(accept("ed@example.org", PASSWORD))).await.status(),
        201
    );
    assert_problem(
        app.call(Method::POST, &path, &Cred::Public, Some(accept("other@example.org", PASSWORD))).await,
        410,
        None,
    )
    .await;
    assert_eq!(app.get(&format!("/api/v1/invitations/{link}")).await.status(), 410);
    // The second use made no account.
    let res = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            &Cred::Public,
            Some(json!({"email": "other@example.org", "password": PASSWORD})),
        )
        .await;
    assert_eq!(res.status(), 401);

    let expired = put_invitation(&app, &a, -Duration::minutes(1)).await;
    let path = format!("/api/v1/invitations/{expired}/accept");
    assert_problem(
        app.call(Method::POST, &path, &Cred::Public, Some(accept("late@example.org", PASSWORD))).await,
        410,
        None,
    )
    .await;
    let fresh = put_invitation(&app, &a, Duration::minutes(5)).await;
    // Two uses at once: exactly one account.
    let path = format!("/api/v1/invitations/{fresh}/accept");
    let (x, y) = tokio::join!(
        app.call(Method::POST, &path, &Cred::Public, Some(accept("one@example.org", PASSWORD))),
        app.call(Method::POST, &path, &Cred::Public, Some(accept("two@example.org", PASSWORD)))
    );
    let mut got = [x.status().as_u16(), y.status().as_u16()];
    got.sort_unstable();
    assert_eq!(got, [201, 410]);
    assert_eq!(app.get(&format!("/api/v1/invitations/{}", "0".repeat(64))).await.status(), 404);

    // A password-reset link sets a new password and ends the old sessions.
    let users = app
        .call(Method::GET, "/api/v1/admin/users", &Cred::Bearer(TOKEN.into()), None)
        .await
        .json::<Value>()
        .await
        .unwrap();
    let ed =
        users["users"].as_array().unwrap().iter().find(|u| u["email"] == "ed@example.org").unwrap().clone();
    assert!(ed.get("password_hash").is_none());
    let old = app.sign_in("ed@example.org", PASSWORD).await;
    let res =
        app.post(&format!("/api/v1/admin/users/{}/reset", ed["id"].as_str().unwrap()), &json!({})).await;
    assert_eq!(res.status(), 201);
    let reset = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/invitations/{reset}/accept"),
            &Cred::Public,
            Some(json!({"password": "another long password"})),
        )
        .await;
    assert_eq!(res.status(), 201);
    let me = app.call(Method::GET, "/api/v1/auth/me", &old, None).await.json::<Value>().await.unwrap();
    assert_eq!(me["user"], Value::Null, "the old session ended");
    app.sign_in("ed@example.org", "another long password").await;
}

/// Two editors save from the same version at once: exactly one wins, the other gets 409 with
/// the current record. Verify takes If-Match too.
async fn concurrent_edits_get_exactly_one_conflict(backend: Backend) {
    let w = world(backend).await;
    let (app, a) = (&w.app, w.a.as_str());
    let second = app.editor_session(a, "second@a.example.org").await;
    let sid = id(&app.site(a, clinic(&recent())).await);
    let path = format!("/api/v1/sites/{sid}");
    let (x, y) = tokio::join!(
        app.call(Method::PATCH, &path, &w.creds[1].1, Some(json!({"version": 1, "name": "First"}))),
        app.call(Method::PATCH, &path, &second, Some(json!({"version": 1, "name": "Second"})))
    );
    let mut got = [x.status().as_u16(), y.status().as_u16()];
    got.sort_unstable();
    assert_eq!(got, [200, 409]);
    let loser = if x.status() == 409 { x } else { y };
    let body = assert_problem(loser, 409, None).await;
    assert_eq!(body["current"]["version"], 2);
    let res = app
        .client
        .post(format!("{}{path}/verify", app.base))
        .bearer_auth(TOKEN)
        .header("if-match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(assert_problem(res, 409, None).await["current"]["version"], 2);
    let res = app
        .client
        .post(format!("{}{path}/verify", app.base))
        .bearer_auth(TOKEN)
        .header("if-match", "\"2\"")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // A deletion from an old version is refused too; from the current one it goes through.
    let delete = |version: &'static str| {
        app.client.delete(format!("{}{path}", app.base)).bearer_auth(TOKEN).header("if-match", version).send()
    };
    let res = delete("\"2\"").await.unwrap();
    assert_eq!(assert_problem(res, 409, None).await["current"]["version"], 3);
    assert_eq!(delete("\"3\"").await.unwrap().status(), 204);
}

/// Every change is a revision (who, when, each field before and after); the organisation's
/// editors and admins read them; an admin reverts one, and a revert that would undo a later
/// change is refused.
async fn revisions_record_every_change_and_admins_revert(backend: Backend) {
    let w = world(backend).await;
    let (app, a) = (&w.app, w.a.as_str());
    let editor = &w.creds[1].1;
    let admin = &w.creds[4].1;
    let sid = id(&app.site(a, clinic(&recent())).await);
    let sunday = json!({"timezone": "America/New_York", "weekly": [{"day": "sun", "opens": "10:00", "closes": "14:00"}]});
    let phones = json!([{"number": "305-555-0199", "languages": ["ht", "es"]}]);
    let res = app
        .call(
            Method::PATCH,
            &format!("/api/v1/sites/{sid}"),
            editor,
            Some(json!({"version": 1, "hours": sunday, "phones": phones})),
        )
        .await;
    assert_eq!(res.status(), 200);
    let revs = app
        .call(Method::GET, &format!("/api/v1/revisions?site_id={sid}"), editor, None)
        .await
        .json::<Value>()
        .await
        .unwrap();
    let newest = &revs["revisions"][0];
    assert_eq!(newest["action"], "update");
    assert_eq!(newest["actor"]["label"], "ana@a.example.org");
    assert_eq!(newest["version"], 2);
    let fields: Vec<&str> =
        newest["changes"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["hours", "phones"]);
    assert_eq!(newest["changes"][0]["after"]["weekly"], sunday["weekly"]);
    assert_eq!(newest["changes"][0]["before"]["weekly"][0]["day"], "mon");
    assert_eq!(revs["revisions"][1]["action"], "create");
    let rev = newest["id"].as_i64().unwrap();

    assert_eq!(
        app.call(Method::POST, &format!("/api/v1/revisions/{rev}/revert"), editor, None).await.status(),
        403
    );
    let res = app.call(Method::POST, &format!("/api/v1/revisions/{rev}/revert"), admin, None).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let site = app.get_json(&format!("/api/v1/sites/{sid}")).await;
    assert_eq!(site["hours"]["weekly"][0]["day"], "mon");
    assert_eq!(site["phones"], json!([]));
    assert_eq!(site["version"], 3);
    let revs = app
        .call(Method::GET, &format!("/api/v1/revisions?partner_id={a}"), admin, None)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(revs["revisions"][0]["action"], "revert");
    assert_eq!(revs["revisions"][0]["reverts"], rev);
    assert_eq!(revs["revisions"][0]["actor"]["label"], "admin@example.org");
    // The same revision again: its fields have changed since (the revert itself).
    assert_problem(
        app.call(Method::POST, &format!("/api/v1/revisions/{rev}/revert"), admin, None).await,
        409,
        None,
    )
    .await;

    // A deleted site comes back from its deletion's revision.
    let path = format!("/api/v1/sites/{sid}");
    let tag = Some(app.etag(&path).await);
    assert_eq!(app.call_at(Method::DELETE, &path, editor, None, tag).await.status(), 204);
    let revs = app
        .call(Method::GET, &format!("/api/v1/revisions?site_id={sid}"), editor, None)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(revs["revisions"][0]["action"], "delete");
    let del = revs["revisions"][0]["id"].as_i64().unwrap();
    assert_eq!(
        app.call(Method::POST, &format!("/api/v1/revisions/{del}/revert"), admin, None).await.status(),
        200
    );
    assert_eq!(app.get_json(&format!("/api/v1/sites/{sid}")).await["name"], "Clinica");

    // Admin actions are audited, the deployment token's too.
    let audit =
        app.call(Method::GET, "/api/v1/admin/audit", admin, None).await.json::<Value>().await.unwrap();
    let actions: Vec<(&str, &str)> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["actor"]["label"].as_str().unwrap()))
        .collect();
    assert!(actions.contains(&("revision.revert", "admin@example.org")), "{actions:?}");
    assert!(actions.contains(&("site.create", "admin token")), "{actions:?}");
    assert!(actions.contains(&("invitation.create", "admin token")), "{actions:?}");
    assert!(actions.contains(&("admin.create", "command line")), "{actions:?}");
    assert!(
        !actions.iter().any(|(_, who)| *who == "ana@a.example.org"),
        "editors' changes are revisions, not admin actions"
    );
}

/// Editors change every field of their listings but not their organisation's status; the
/// "still accurate" click sets last_verified_at.
async fn editors_keep_their_listing_current(backend: Backend) {
    let w = world(backend).await;
    let (app, a) = (&w.app, w.a.as_str());
    let editor = &w.creds[1].1;
    let old = (Utc::now() - Duration::days(200)).to_rfc3339();
    let sid = id(&app.site(a, clinic(&old)).await);
    assert_eq!(app.get_json(&format!("/api/v1/sites/{sid}")).await["stale"], true);
    let res = app.call(Method::POST, &format!("/api/v1/sites/{sid}/verify"), editor, None).await;
    assert_eq!(res.status(), 200);
    let site: Value = res.json().await.unwrap();
    assert_eq!(site["stale"], false);
    let at = chrono::DateTime::parse_from_rfc3339(site["last_verified_at"].as_str().unwrap()).unwrap();
    assert!((Utc::now() - at.with_timezone(&Utc)).num_seconds() < 60);

    let patch = json!({"description_translations": {"ht": {"text": "Klinik", "reviewed": false}}, "lon": -80.25, "lat": 25.75,
                       "languages": ["ht"], "services": [{"name": "Consults"}], "cost": "free", "version": 2});
    let res = app.call(Method::PATCH, &format!("/api/v1/sites/{sid}"), editor, Some(patch)).await;
    assert_eq!(res.status(), 200);
    let near = app.get_json("/api/v1/nearest?lon=-80.25&lat=25.75&lang=ht&free=true").await;
    assert_eq!(near["results"][0]["id"], sid.as_str());
    assert!(near["results"][0]["distance_m"].as_f64().unwrap() < 1.0);
    let res = app
        .call(
            Method::PATCH,
            &format!("/api/v1/partners/{a}"),
            editor,
            Some(json!({"status": "active", "website": "https://a.example.org", "version": 1})),
        )
        .await;
    assert_eq!(res.status(), 200, "restating the current status is no change");
    assert_problem(
        app.call(Method::PATCH, &format!("/api/v1/partners/{a}"), editor, Some(json!({"status": "pending"})))
            .await,
        403,
        None,
    )
    .await;
}

/// "List your organization": pending and not public until approved; the approval brings an
/// invitation for the contact; a decline keeps its reason.
async fn signups_wait_for_an_admin(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_session("admin@example.org").await;
    let mut site = clinic(&recent());
    site["name"] = json!("Newcomer Clinic");
    let body = json!({"organization": {"name": "Newcomer", "website": "https://new.example.org"}, "contact_name": "Nia",
                      "contact_email": "Nia@New.example.org", "message": "We help with asylum cases", "site": site});
    let res = app.call(Method::POST, "/api/v1/signup", &Cred::Public, Some(body)).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let p = res.json::<Value>().await.unwrap()["partner_id"].as_str().unwrap().to_owned();
    let bad = json!({"organization": {"name": ""}, "contact_email": "nope"});
    assert_problem(
        app.call(Method::POST, "/api/v1/signup", &Cred::Public, Some(bad)).await,
        422,
        Some("contact_email"),
    )
    .await;
    let near = "/api/v1/nearest?lon=-80.2&lat=25.8";
    assert!(app.get_json(near).await["results"].as_array().unwrap().is_empty(), "pending is not public");
    assert_eq!(app.get(&format!("/api/v1/partners/{p}")).await.status(), 404);
    let queue = app
        .call(Method::GET, "/api/v1/admin/signups?status=pending", &admin, None)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(queue["signups"][0]["contact_email"], "nia@new.example.org");
    assert_eq!(queue["signups"][0]["partner"]["name"], "Newcomer");

    let res = app.call(Method::POST, &format!("/api/v1/admin/signups/{p}/approve"), &admin, None).await;
    assert_eq!(res.status(), 200);
    let invite = res.json::<Value>().await.unwrap()["invitation"].clone();
    assert_eq!(invite["email"], "nia@new.example.org");
    assert_eq!(app.get_json(near).await["results"][0]["name"], "Newcomer Clinic");
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/invitations/{}/accept", invite["token"].as_str().unwrap()),
            &Cred::Public,
            Some(json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.json::<Value>().await.unwrap()["partner"]["id"], p.as_str());
    assert_eq!(
        app.call(Method::POST, &format!("/api/v1/admin/signups/{p}/approve"), &admin, None).await.status(),
        409
    );

    let res = app
        .call(
            Method::POST,
            "/api/v1/signup",
            &Cred::Public,
            Some(json!({"organization": {"name": "Elsewhere"}, "contact_email": "e@x.org"})),
        )
        .await;
    let q = res.json::<Value>().await.unwrap()["partner_id"].as_str().unwrap().to_owned();
    assert_problem(
        app.call(
            Method::POST,
            &format!("/api/v1/admin/signups/{q}/decline"),
            &admin,
            Some(json!({"reason": " "})),
        )
        .await,
        422,
        Some("reason"),
    )
    .await;
    assert_eq!(
        app.call(
            Method::POST,
            &format!("/api/v1/admin/signups/{q}/decline"),
            &admin,
            Some(json!({"reason": "Outside our county"}))
        )
        .await
        .status(),
        200
    );
    let declined = app
        .call(Method::GET, "/api/v1/admin/signups?status=declined", &admin, None)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(declined["signups"][0]["reason"], "Outside our county");
    assert_eq!(declined["signups"][0]["partner"]["status"], "inactive");
}

/// Wrong passwords back off and lock out; an unknown email is answered exactly like a known
/// one, and so is a reset request.
async fn sign_in_backs_off_without_telling_accounts_apart(backend: Backend) {
    let app = spawn_app(backend).await;
    app.admin_session("admin@example.org").await;
    let login = |email: &str, pw: &str| {
        app.call(
            Method::POST,
            "/api/v1/auth/login",
            &Cred::Public,
            Some(json!({"email": email, "password": pw})),
        )
    };
    let mut answers = Vec::new();
    for email in ["admin@example.org", "nobody@example.org"] {
        let mut statuses = Vec::new();
        let mut body = Value::Null;
        for _ in 0..5 {
            let res = login(email, "wrong password!").await;
            statuses.push(res.status().as_u16());
            body = res.json().await.unwrap();
        }
        assert_eq!(statuses, [401; 5]);
        // Locked now, even with the right password.
        let res = login(email, PASSWORD).await;
        assert_eq!(res.status(), 429);
        let retry: u64 = res.headers().get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
        assert!((1..=30).contains(&retry), "{retry}");
        answers.push(body);
    }
    assert_eq!(answers[0], answers[1], "a wrong password and an unknown email read the same");
    let reset = |email: &str| {
        app.call(Method::POST, "/api/v1/auth/reset", &Cred::Public, Some(json!({"email": email})))
    };
    let (x, y) = (reset("admin@example.org").await, reset("nobody@example.org").await);
    assert_eq!((x.status(), y.status()), (StatusCode::ACCEPTED, StatusCode::ACCEPTED));
    assert_eq!(x.json::<Value>().await.unwrap(), y.json::<Value>().await.unwrap());
    // Another email is not affected.
    app.admin_session("second@example.org").await;
}

/// API tokens are shown once, stored hashed, act as their owner, and stop when revoked.
async fn api_tokens_are_hashed_and_revocable(backend: Backend) {
    let w = world(backend).await;
    let (app, a) = (&w.app, w.a.as_str());
    let Cred::Bearer(token) = w.creds[3].1.clone() else { unreachable!() };
    assert!(!app.db.stored_text().await.contains(&token), "only the hash is stored");
    let sid = id(&app.site(a, clinic(&recent())).await);
    let as_token = Cred::Bearer(token.clone());
    assert_eq!(
        app.call(Method::POST, &format!("/api/v1/sites/{sid}/verify"), &as_token, None).await.status(),
        200
    );
    let list =
        app.call(Method::GET, "/api/v1/tokens", &w.creds[1].1, None).await.json::<Value>().await.unwrap();
    assert_eq!(list["tokens"].as_array().unwrap().len(), 1);
    assert!(list.to_string().find(&token).is_none(), "never shown again");
    let tid = list["tokens"][0]["id"].as_str().unwrap().to_owned();
    // Another editor cannot revoke it; its owner can.
    assert_eq!(
        app.call(Method::DELETE, &format!("/api/v1/tokens/{tid}"), &w.creds[2].1, None).await.status(),
        404
    );
    assert_eq!(
        app.call(Method::DELETE, &format!("/api/v1/tokens/{tid}"), &w.creds[1].1, None).await.status(),
        204
    );
    assert_eq!(
        app.call(Method::POST, &format!("/api/v1/sites/{sid}/verify"), &as_token, None).await.status(),
        401
    );
    assert_eq!(
        app.call(Method::GET, "/api/v1/auth/me", &Cred::Bearer("made-up".into()), None).await.status(),
        401
    );
}

fn days_ago(d: i64) -> String {
    (Utc::now() - Duration::days(d)).to_rfc3339()
}

/// Stale after 180 days (flagged, listed in the admin report with contacts), hidden from public
/// results after 365 — both configurable — while admins and the organisation's editors still
/// see it; one click brings it back.
async fn stale_and_hidden_thresholds(backend: Backend) {
    let w = world(backend).await;
    let (app, a) = (&w.app, w.a.as_str());
    assert_eq!(app.state.settings.effective_hide_after_days(), Some(365));
    assert_eq!(
        app.patch_current(&format!("/api/v1/partners/{a}"), &json!({"email": "desk@a.example.org"}))
            .await
            .status(),
        200
    );
    let mut fresh = clinic(&days_ago(10));
    fresh["name"] = json!("Fresh");
    let mut stale = clinic(&days_ago(200));
    stale["name"] = json!("Stale");
    stale["phones"] = json!([{"number": "305-555-0142"}]);
    let mut old = clinic(&days_ago(400));
    old["name"] = json!("Old");
    let (f, s, o) =
        (id(&app.site(a, fresh).await), id(&app.site(a, stale).await), id(&app.site(a, old).await));
    let near = app.get_json("/api/v1/nearest?lon=-80.2&lat=25.8&k=10").await;
    let names: Vec<(&str, bool)> = near["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), r["stale"].as_bool().unwrap()))
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&("Fresh", false)) && names.contains(&("Stale", true)), "{names:?}");
    assert_eq!(app.get(&format!("/api/v1/sites/{o}")).await.status(), 404);
    assert_eq!(app.get_json("/api/v1/sites").await["total"], 2);
    assert_eq!(app.call(Method::GET, &format!("/api/v1/sites/{o}"), &w.creds[1].1, None).await.status(), 200);
    assert_eq!(app.call(Method::GET, &format!("/api/v1/sites/{o}"), &w.creds[4].1, None).await.status(), 200);

    let report = app
        .call(Method::GET, "/api/v1/admin/stale", &w.creds[4].1, None)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(
        (report["stale_after_days"].as_i64(), report["hide_after_days"].as_i64()),
        (Some(180), Some(365))
    );
    let rows: Vec<(&str, bool)> = report["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["site_name"].as_str().unwrap(), r["hidden"].as_bool().unwrap()))
        .collect();
    assert_eq!(rows, [("Old", true), ("Stale", false)]);
    let row = &report["sites"][1];
    assert_eq!(row["partner_email"], "desk@a.example.org");
    assert_eq!(row["phones"], json!(["305-555-0142"]));
    assert_eq!(row["editors"], json!(["ana@a.example.org"]));
    assert_eq!(row["days_since_verified"], 200);
    let report = app
        .call(Method::GET, "/api/v1/admin/stale?stale_after_days=5", &w.creds[4].1, None)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(report["total"], 3);

    assert_eq!(
        app.call(Method::POST, &format!("/api/v1/sites/{o}/verify"), &w.creds[1].1, None).await.status(),
        200
    );
    assert_eq!(
        app.get_json("/api/v1/nearest?lon=-80.2&lat=25.8&k=10").await["results"].as_array().unwrap().len(),
        3
    );
    let _ = (f, s);
}

/// Thresholds are settings: the demo (a 2019 snapshot) hides nothing unless asked to, and a
/// deployment may hide sooner, later or never.
async fn hiding_follows_the_settings() {
    let demo = spawn_demo(Backend::Sqlite).await;
    assert_eq!(demo.state.settings.effective_hide_after_days(), None);
    assert_eq!(demo.get_json("/api/v1/nearest?zip=33125&k=5").await["results"].as_array().unwrap().len(), 5);
    let strict = spawn_configured(true, |s| s.hide_after_days = HideAfter::Days(365)).await;
    assert!(strict.get_json("/api/v1/nearest?zip=33125&k=5").await["results"].as_array().unwrap().is_empty());
    assert_eq!(strict.get_json("/api/v1/sites").await["total"], 0);
    // Hidden listings count toward coverage for nobody, and are never offered as hosts.
    let gaps = "/api/v1/gaps?category=legal&threshold_m=5000&candidates=library";
    assert!(demo.get_json(gaps).await["sites"].as_u64().unwrap() > 0);
    assert!(!demo.get_json(gaps).await["suggestions"].as_array().unwrap().is_empty());
    let strict_gaps = strict.get_json(gaps).await;
    assert_eq!(strict_gaps["sites"], 0);
    assert_eq!(strict_gaps["share_beyond"], 1.0);
    assert!(strict_gaps["suggestions"].as_array().unwrap().is_empty());
    let never = spawn_configured(false, |s| s.hide_after_days = HideAfter::Never).await;
    let p = never.partner("P").await;
    never.site(&p, clinic(&days_ago(4000))).await;
    assert_eq!(
        never.get_json("/api/v1/nearest?lon=-80.2&lat=25.8").await["results"].as_array().unwrap().len(),
        1
    );
    let soon = spawn_configured(false, |s| {
        s.hide_after_days = HideAfter::Days(30);
        s.stale_after_days = 20;
    })
    .await;
    let p = soon.partner("P").await;
    let s = soon.site(&p, clinic(&days_ago(25))).await;
    assert_eq!(s["stale"], true);
    assert_eq!(soon.get_json("/api/v1/nearest?lon=-80.2&lat=25.8").await["results"][0]["stale"], true);
    soon.site(&p, clinic(&days_ago(31))).await;
    assert_eq!(
        soon.get_json("/api/v1/nearest?lon=-80.2&lat=25.8&k=5").await["results"].as_array().unwrap().len(),
        1
    );
    assert_eq!(HideAfter::parse("never"), Ok(HideAfter::Never));
    // The rule in force is said at start.
    let log = String::from_utf8_lossy(&crate::helpers::logs().lock().unwrap()).into_owned();
    assert!(log.contains("listings not verified for 30 days are hidden from public results"), "{log}");
    assert!(log.contains("the demo data is a 2019 snapshot"));
    assert!(HideAfter::parse("0").is_err() && HideAfter::parse("soon").is_err());
}

/// `assetmap admin create --email ...` reads the password from standard input (never a flag)
/// and the admin can sign in with it.
async fn the_first_admin_comes_from_the_command_line(backend: Backend) {
    let app = spawn_app(backend).await;
    let run = |email: &str, input: &str| {
        let mut child = std::process::Command::new(assetmap_binary())
            .args(["admin", "create", "--email", email, "--database", &app.db.url])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (ok, out) = run("First@Example.org", &format!("{PASSWORD}\n"));
    assert!(ok, "{out}");
    assert!(out.contains("created admin first@example.org"), "{out}");
    let (ok, out) = run("first@example.org", &format!("{PASSWORD}\n"));
    assert!(!ok && out.contains("already used"), "{out}");
    let (ok, out) = run("short@example.org", "short\n");
    assert!(!ok && out.contains("at least 12"), "{out}");
    let session = app.sign_in("first@example.org", PASSWORD).await;
    let me = app.call(Method::GET, "/api/v1/auth/me", &session, None).await.json::<Value>().await.unwrap();
    assert_eq!(me["user"]["role"], "admin");
    let stored = app.db.stored_text().await;
    assert!(!stored.contains(PASSWORD) && stored.contains("$argon2id$"));
    let _: Option<Arc<()>> = None;
}

mod hiding_follows_the_settings_sqlite {
    #[tokio::test]
    async fn sqlite() {
        super::hiding_follows_the_settings().await;
    }
}

/// A shelter's own editors (and admins) see where it is, and where the public is told it
/// stands; another organisation's editor sees what the public sees.
async fn a_shelters_own_editor_sees_its_true_place(backend: Backend) {
    let app = spawn_app(backend).await;
    let (refuge, other) = (app.partner("Refuge").await, app.partner("Other").await);
    let shelter = app
        .site(
            &refuge,
            json!({"name": "Refuge House", "lon": -80.2130, "lat": 25.7991, "street": "1 Quiet Lane",
                   "postal_code": "33125", "categories": ["housing"], "confidential": true}),
        )
        .await;
    let path = format!("/api/v1/sites/{}", shelter["id"].as_str().unwrap());
    let own = app.editor_session(&refuge, "own@refuge.org").await;
    let stranger = app.editor_session(&other, "someone@other.org").await;
    let seen = |cred: Cred| {
        let path = path.clone();
        let app = &app;
        async move {
            let res = app.call(Method::GET, &path, &cred, None).await;
            assert_eq!(res.status(), StatusCode::OK);
            res.json::<Value>().await.unwrap()
        }
    };
    let mine = seen(own).await;
    assert_eq!((mine["lon"].as_f64(), mine["street"].as_str()), (Some(-80.2130), Some("1 Quiet Lane")));
    assert_eq!(mine["stand_in"]["basis"], "zip", "{mine}");
    for cred in [stranger, Cred::Public] {
        let theirs = seen(cred).await;
        assert!(theirs["lon"].is_null() && theirs["street"].is_null(), "{theirs}");
        assert!(theirs.get("stand_in").is_none(), "{theirs}");
        assert_eq!(theirs["location_withheld"], true);
    }
}

both_stores!(
    a_shelters_own_editor_sees_its_true_place,
    role_matrix,
    cross_organization_edits_are_refused,
    csrf_is_required_with_the_cookie,
    invitations_are_single_use_and_expire,
    concurrent_edits_get_exactly_one_conflict,
    revisions_record_every_change_and_admins_revert,
    editors_keep_their_listing_current,
    signups_wait_for_an_admin,
    sign_in_backs_off_without_telling_accounts_apart,
    api_tokens_are_hashed_and_revocable,
    stale_and_hidden_thresholds,
    the_first_admin_comes_from_the_command_line,
);
