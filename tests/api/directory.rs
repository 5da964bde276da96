//! An admin keeps the directory: create, edit, delete; what the public sees of a shelter.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, spawn_on, Backend};

fn full_site() -> Value {
    json!({
        "source_id": "test:clinic-1",
        "name": "Clínica Esperanza",
        "description": "Free legal clinic for immigration questions",
        "description_lang": "en",
        "description_translations": {"es": {"text": "Clínica legal gratuita", "reviewed": true}, "ht": {"text": "Klinik legal gratis", "reviewed": false}},
        "street": "1 NW 1st St", "city": "Miami", "state": "FL", "postal_code": "33128",
        "lon": -80.333_333_333_333_33, "lat": 25.784_743_373_693_725,
        "phones": [{"number": "305-555-0100", "type": "voice", "languages": ["es", "ht"]}, {"number": "305-555-0101", "type": "text"}],
        "hours": {"timezone": "America/New_York", "weekly": [{"day": "sat", "opens": "09:00", "closes": "13:00"}], "notes": "Closed on holidays"},
        "languages": ["en", "es"],
        "categories": ["legal", "advocacy"],
        "services": [{"name": "Asylum consultations", "description": "One-hour consult", "translations": {"es": {"name": "Consultas de asilo", "reviewed": true}}}],
        "cost": "free", "cost_note": "No charge",
        "eligibility": "Anyone in Miami-Dade",
        "required_documents": ["Any letters from immigration court"],
        "accessibility": "Step-free entrance",
        "walk_in": true, "appointment_required": false, "no_id_required": true,
        "confidential": false,
        "last_verified_at": "2026-10-01T00:00:00Z"
    })
}

/// Every member of `given` comes back with the same value (the answer may add members).
fn assert_subset(given: &Value, got: &Value, path: &str) {
    match (given, got) {
        (Value::Object(g), Value::Object(o)) => {
            for (k, v) in g {
                assert_subset(v, o.get(k).unwrap_or(&Value::Null), &format!("{path}.{k}"));
            }
        }
        (Value::Array(g), Value::Array(o)) => {
            assert_eq!(g.len(), o.len(), "{path}");
            for (i, (a, b)) in g.iter().zip(o).enumerate() {
                assert_subset(a, b, &format!("{path}[{i}]"));
            }
        }
        _ => assert_eq!(given, got, "{path}"),
    }
}

async fn every_field_survives_a_restart(backend: Backend) {
    let app = spawn_app(backend).await;
    let p = app.partner("Esperanza Legal").await;
    let created = app.site(&p, full_site()).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let before = app.get_json(&format!("/api/v1/sites/{id}")).await;

    // A second server over the same file sees exactly the same record.
    let again = spawn_on(&app.db, false).await;
    let after = again.get_json(&format!("/api/v1/sites/{id}")).await;
    assert_eq!(before, after);
    assert_subset(&full_site(), &after, "site");
    assert_eq!(after["version"], 1);
    assert_eq!(after["stale"], false);
}

async fn an_edit_shows_in_nearest_at_once_and_a_stale_edit_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let p = app.partner("Esperanza Legal").await;
    let site = app.site(&p, full_site()).await;
    let id = site["id"].as_str().unwrap();
    let q = "/api/v1/nearest?lon=-80.33&lat=25.77&category=legal&open_at=2026-11-29T10:00";
    assert!(app.get_json(q).await["results"].as_array().unwrap().is_empty(), "closed on Sunday");

    let res = app
        .patch(&format!("/api/v1/sites/{id}"), &json!({"version": 1, "hours": {"timezone": "America/New_York", "weekly": [{"day": "sun", "opens": "09:00", "closes": "13:00"}]}}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["version"], 2);
    assert_eq!(app.get_json(q).await["results"][0]["id"], id);

    // Someone else edits from version 1 again: refused, and the current record comes back.
    let res = app.patch(&format!("/api/v1/sites/{id}"), &json!({"version": 1, "name": "Overwrite"})).await;
    let body = assert_problem(res, 409, None).await;
    assert_eq!(body["current"]["version"], 2);
    assert_eq!(app.get_json(&format!("/api/v1/sites/{id}")).await["name"], "Clínica Esperanza");

    // Moving the site moves it in the index.
    let res = app.patch_current(&format!("/api/v1/sites/{id}"), &json!({"lon": -80.30, "lat": 25.90})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let near = app.get_json("/api/v1/nearest?lon=-80.30&lat=25.90&category=legal").await;
    assert!(near["results"][0]["distance_m"].as_f64().unwrap() < 1.0);

    // Deleting removes it everywhere.
    assert_eq!(app.delete_current(&format!("/api/v1/sites/{id}")).await.status(), StatusCode::NO_CONTENT);
    assert!(app.get_json("/api/v1/nearest?lon=-80.30&lat=25.90&category=legal").await["results"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(app.get(&format!("/api/v1/sites/{id}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.stored_sites().await, 0);
}

async fn a_shelter_is_found_but_never_located(backend: Backend) {
    let app = spawn_app(backend).await;
    let p = app.partner("Safe Harbor").await;
    let mut shelter = full_site();
    shelter["source_id"] = json!("test:shelter");
    shelter["name"] = json!("Safe Harbor Shelter");
    shelter["categories"] = json!(["housing"]);
    shelter["confidential"] = json!(true);
    shelter["lon"] = json!(-80.213_456_7);
    shelter["lat"] = json!(25.801_234_5);
    shelter["street"] = json!("999 Hidden Lane");
    let id = app.site(&p, shelter).await["id"].as_str().unwrap().to_owned();

    let checks = [
        "/api/v1/nearest?lon=-80.2&lat=25.8&category=housing".to_owned(),
        format!("/api/v1/sites/{id}"),
        format!("/api/v1/sites/{id}?f=geojson"),
        "/api/v1/sites?category=housing".to_owned(),
        "/api/v1/sites?f=geojson".to_owned(),
    ];
    for path in &checks {
        let text = app.get(path).await.text().await.unwrap();
        assert!(text.contains("Safe Harbor Shelter"), "{path} lists the shelter");
        for secret in ["80.213", "25.801", "Hidden Lane"] {
            assert!(!text.contains(secret), "{path} leaks {secret}");
        }
    }
    let near = app.get_json("/api/v1/nearest?lon=-80.2&lat=25.8&category=housing").await;
    let r = &near["results"][0];
    assert_eq!(r["location_withheld"], true);
    assert!(r["lon"].is_null() && r["lat"].is_null() && r["street"].is_null());
    assert_eq!(r["distance_m"].as_f64().unwrap() % 1000.0, 0.0, "whole kilometres");
    // A box around it does not reveal it either.
    let boxed = app.get_json("/api/v1/sites?bbox=-80.22,25.79,-80.20,25.81").await;
    assert_eq!(boxed["total"], 0);
    let geo = app.get_json(&format!("/api/v1/sites/{id}?f=geojson")).await;
    assert!(geo["geometry"].is_null());
}

async fn sites_list_pages_and_filters_and_speaks_geojson(backend: Backend) {
    let app = spawn_app(backend).await;
    let p = app.partner("Many Sites Inc").await;
    for i in 0..5 {
        let mut s = full_site();
        s["source_id"] = json!(format!("test:{i}"));
        s["name"] = json!(format!("Site {i}"));
        s["lon"] = json!(-80.2 + f64::from(i) * 0.01);
        if i == 4 {
            s["categories"] = json!(["health"]);
            s["languages"] = json!(["pt"]);
            s["phones"] = json!([]);
        }
        app.site(&p, s).await;
    }
    let page = app.get_json("/api/v1/sites?category=legal&limit=2&offset=1").await;
    assert_eq!(page["total"], 4);
    assert_eq!(page["sites"].as_array().unwrap().len(), 2);
    assert_eq!(page["sites"][0]["name"], "Site 1");
    assert_eq!(app.get_json("/api/v1/sites?lang=pt").await["total"], 1);
    assert_eq!(app.get_json("/api/v1/sites?bbox=-80.205,25,-80.185,26").await["total"], 2);

    let res = app
        .client
        .get(format!("{}/api/v1/sites", app.base))
        .header("accept", "application/geo+json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "application/geo+json");
    let fc: Value = res.json().await.unwrap();
    assert_eq!(fc["type"], "FeatureCollection");
    assert_eq!(fc["features"].as_array().unwrap().len(), 5);
    let f = &fc["features"][0];
    assert_eq!(f["geometry"]["type"], "Point");
    let c = f["geometry"]["coordinates"].as_array().unwrap();
    assert!(c[0].as_f64().unwrap() < -80.0 && c[1].as_f64().unwrap() > 25.0, "[lon, lat] order");

    let partners = app.get_json("/api/v1/partners").await;
    assert_eq!(partners["total"], 1);
    assert_eq!(partners["partners"][0]["site_count"], 5);
}

async fn deleting_a_partner_removes_its_sites_and_pending_partners_are_not_public(backend: Backend) {
    let app = spawn_app(backend).await;
    let p = app.partner("Going Away").await;
    app.site(&p, full_site()).await;
    let q = "/api/v1/nearest?lon=-80.33&lat=25.77&category=legal";
    assert_eq!(app.get_json(q).await["results"].as_array().unwrap().len(), 1);
    let res = app.patch_current(&format!("/api/v1/partners/{p}"), &json!({"status": "pending"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(app.get_json(q).await["results"].as_array().unwrap().is_empty());
    assert_eq!(app.get(&format!("/api/v1/partners/{p}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.delete_current(&format!("/api/v1/partners/{p}")).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.stored_sites().await, 0);
}

both_stores!(
    every_field_survives_a_restart,
    an_edit_shows_in_nearest_at_once_and_a_stale_edit_is_refused,
    a_shelter_is_found_but_never_located,
    sites_list_pages_and_filters_and_speaks_geojson,
    deleting_a_partner_removes_its_sites_and_pending_partners_are_not_public,
);
