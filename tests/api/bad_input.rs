//! Bad input gets a clear problem+json answer and loses nothing already stored.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_problem, spawn_app, Backend, TOKEN};

async fn bad_queries_are_answered_400_naming_the_parameter(backend: Backend) {
    let app = spawn_app(backend).await;
    let cases = [
        ("lat=91&lon=0", "lat"),
        ("lat=25&lon=NaN", "lon"),
        ("lat=25&lon=inf", "lon"),
        ("lat=25&lon=-181", "lon"),
        ("lat=25", "lon"),
        ("zip=33125&category=wizardry", "category"),
        ("zip=3312", "zip"),
        ("zip=33125&lat=25&lon=-80", "zip"),
        ("zip=33125&lang=xx", "lang"),
        ("zip=33125&k=0", "k"),
        ("zip=33125&k=1000", "k"),
        ("zip=33125&open_at=saturday", "open_at"),
        ("zip=33125&free=maybe", "free"),
        ("zip=33125&max_m=-5", "max_m"),
        ("zip=33125&lng=-80", "lng"),
    ];
    for (q, field) in cases {
        let res = app.get(&format!("/api/v1/nearest?{q}")).await;
        assert_problem(res, 400, Some(field)).await;
    }
    // A well-formed ZIP code with no ZIP area is no such place: 404, naming the parameter.
    let res = app.get("/api/v1/nearest?zip=00000").await;
    let body = assert_problem(res, 404, Some("zip")).await;
    assert!(body["detail"].as_str().unwrap().contains("00000 is not known"), "{body}");
}

async fn bad_writes_are_refused_and_nothing_is_written(backend: Backend) {
    let app = spawn_app(backend).await;
    let p = app.partner("Keeper").await;
    app.site(&p, json!({"name": "Kept", "lon": -80.2, "lat": 25.8, "categories": ["legal"]})).await;
    let before = app.get_json("/api/v1/sites?limit=100").await;

    let url = format!("{}/api/v1/sites", app.base);
    let post = |body: String| {
        app.client.post(&url).bearer_auth(TOKEN).header("content-type", "application/json").body(body).send()
    };

    assert_problem(post(r#"{"name": "x", "#.to_owned()).await.unwrap(), 400, None).await;
    let cases = [
        (json!({"partner_id": p, "name": "A", "lon": -80.2, "lat": 95.0, "categories": ["legal"]}), "lat"),
        (
            json!({"partner_id": p, "name": "A", "lon": -80.2, "lat": 25.0, "categories": ["wizardry"]}),
            "categories[0]",
        ),
        (
            json!({"partner_id": p, "name": "A", "categories": ["legal"], "languages": ["es", "xx"]}),
            "languages[1]",
        ),
        (json!({"partner_id": p, "name": "", "categories": ["legal"]}), "name"),
        (json!({"partner_id": p, "name": "A", "categories": []}), "categories"),
        (json!({"partner_id": p, "name": "A", "categories": ["legal"], "lon": -80.2}), "lat"),
        (json!({"partner_id": p, "name": "A", "categories": ["legal"], "nmae": "typo"}), "nmae"),
        (
            json!({"partner_id": p, "name": "A", "categories": ["legal"], "hours": {"timezone": "Mars/Olympus", "weekly": []}}),
            "hours",
        ),
        (
            json!({"partner_id": p, "name": "A", "categories": ["legal"], "phones": [{"number": "x"}]}),
            "phones[0].number",
        ),
        (
            json!({"partner_id": "00000000-0000-0000-0000-000000000000", "name": "A", "categories": ["legal"]}),
            "partner_id",
        ),
        (json!({"partner_id": p, "name": "A", "categories": ["legal"], "cost": "cheap"}), "cost"),
    ];
    for (body, field) in cases {
        assert_problem(post(body.to_string()).await.unwrap(), 422, Some(field)).await;
    }
    // An oversized body (over 256 KiB).
    let huge =
        json!({"partner_id": p, "name": "A", "categories": ["legal"], "description": "x".repeat(400_000)});
    assert_problem(post(huge.to_string()).await.unwrap(), 413, None).await;
    // Not JSON at all.
    let res = app
        .client
        .post(&url)
        .bearer_auth(TOKEN)
        .header("content-type", "text/plain")
        .body("hi")
        .send()
        .await
        .unwrap();
    assert_problem(res, 415, None).await;
    // No token, wrong token.
    let res = app.client.post(&url).json(&json!({})).send().await.unwrap();
    assert_problem(res, 401, None).await;
    let res = app.client.post(&url).bearer_auth("guess").json(&json!({})).send().await.unwrap();
    assert_problem(res, 401, None).await;
    // A bad patch on an existing site leaves it as it was.
    let id = before["sites"][0]["id"].as_str().unwrap();
    let res = app.patch_current(&format!("/api/v1/sites/{id}"), &json!({"lat": 123})).await;
    assert_problem(res, 422, Some("lat")).await;
    assert_eq!(app.get("/api/v1/sites/not-a-uuid").await.status(), StatusCode::NOT_FOUND);

    assert_eq!(app.get_json("/api/v1/sites?limit=100").await, before);
    assert_eq!(app.stored_sites().await, 1);
}

both_stores!(
    bad_queries_are_answered_400_naming_the_parameter,
    bad_writes_are_refused_and_nothing_is_written,
);
