//! HSDS 3.0 as published, and foreign taxonomies (issue 19): every example of the
//! specification imports with no bad row; a service whose terms map to none of our categories
//! is held on the "needs a category" list (not public), categorised once per term by an admin,
//! and the mapping is reused by the next import; a failed commit writes nothing, held records
//! included; unknown `/hsds/` and `/api/` paths are 404 problems.

use std::path::PathBuf;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, Backend, TestApp, TOKEN};
use crate::import_sources::zip;

fn examples() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/hsds/spec-3.0/examples")
}

async fn import(app: &TestApp, query: &str, content_type: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let res = app
        .client
        .post(format!("{}/api/v1/import{query}", app.base))
        .bearer_auth(TOKEN)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap())
}

async fn put_terms(app: &TestApp, body: &Value) -> (StatusCode, Value) {
    let res = app
        .client
        .put(format!("{}/api/v1/import/terms", app.base))
        .bearer_auth(TOKEN)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap())
}

async fn every_hsds_3_example_imports_with_no_bad_row(backend: Backend) {
    let dir = examples();
    if !dir.is_dir() {
        eprintln!("skipped: {} is not there", dir.display());
        return;
    }
    let app = spawn_app(backend).await;
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 13, "the specification's 13 JSON examples");
    for path in &names {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (status, report) = import(
            &app,
            &format!("?commit=true&name={name}"),
            "application/json",
            std::fs::read(path).unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {report}");
        assert_eq!(report["errors"], json!([]), "{name}: {report}");
        assert_eq!(report["committed"], true, "{name}");
    }
    // The tabular package, zipped as a browser sends it: services linked to their location
    // through service_at_location.csv; its datapackage.json is the repository's symbolic link.
    let files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.join("csv"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (format!("csv/{}", e.file_name().to_string_lossy()), std::fs::read(e.path()).unwrap())
        })
        .collect();
    let (status, report) =
        import(&app, "?commit=true&name=hsds-example.zip", "application/zip", zip(&files)).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["errors"], json!([]), "{report}");
    assert_eq!(report["format"], "hsds-datapackage");
    assert_eq!(report["needs_category"][0]["name"], "MyCity Civic Center", "{report}");
    // Latitude 100 is no place on Earth: kept without a location, and said so.
    assert!(
        report["warnings"][0]["message"].as_str().unwrap().contains("kept without a location"),
        "{report}"
    );
    // The examples' placeholder taxonomy ("code", "name") is none of ours: held, not public.
    let held = app.get_admin_json("/api/v1/import/held").await;
    assert!(held["count"].as_u64().unwrap() >= 2, "{held}");
    assert!(
        held["records"].as_array().unwrap().iter().any(|r| r["name"] == "Community Counselling"),
        "{held}"
    );
    assert_eq!(app.get_json("/hsds/services").await["total_items"], 0, "nothing held is public");
    assert_eq!(app.stored_sites().await, 0);
}

/// A feed of another publisher, with a taxonomy of its own.
fn feed(location: &str, lon: f64) -> Vec<u8> {
    json!([{
        "id": format!("svc-{location}"), "name": format!("Clinic {location}"), "status": "active",
        "organization": {"id": "org-1", "name": "Neighbourhood Trust", "description": ""},
        "attributes": [{"id": "a1", "taxonomy_term": {"id": "t1", "code": "NT-77", "name": "Know your rights",
                                                      "taxonomy": "Neighbourhood Trust services"}}],
        "service_at_locations": [{"id": format!("sal-{location}"), "location": {
            "id": location, "name": format!("Office {location}"), "latitude": 25.77, "longitude": lon}}],
    }])
    .to_string()
    .into_bytes()
}

async fn a_foreign_term_is_categorised_once_and_the_mapping_reused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, report) =
        import(&app, "?commit=true&name=trust.json", "application/json", feed("a", -80.19)).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["sites_created"], 0);
    assert_eq!(report["needs_category"].as_array().unwrap().len(), 1, "counted in the report: {report}");
    assert_eq!(report["needs_category"][0]["terms"][0]["code"], "NT-77");
    // Not public until categorised.
    assert_eq!(app.get_json("/hsds/services").await["total_items"], 0);
    assert_eq!(app.stored_sites().await, 0);
    let held = app.get_admin_json("/api/v1/import/held").await;
    assert_eq!(held["terms"][0]["term"], "nt-77", "{held}");
    assert_eq!(held["terms"][0]["records"], 1);
    // Only an admin sees or decides.
    assert_eq!(app.get("/api/v1/import/held").await.status(), StatusCode::UNAUTHORIZED);
    // A category we do not have is refused, naming the field; nothing is released.
    let (status, problem) =
        put_terms(&app, &json!({"terms": [{"term": "NT-77", "categories": ["nope"]}]})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "terms[0].categories[0]");
    // Categorised once, by term: the held record imports.
    let (status, out) =
        put_terms(&app, &json!({"terms": [{"term": "NT-77", "label": "Know your rights", "categories": ["legal", "advocacy"]}]})).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["released"], json!(["hsds:location:a"]), "{out}");
    assert_eq!(out["still_held"], 0);
    assert_eq!(app.stored_sites().await, 1);
    assert_eq!(app.get_admin_json("/api/v1/import/held").await["count"], 0);
    let sites = app.get_json("/hsds/services").await;
    assert_eq!(sites["total_items"], 1, "{sites}");
    let mappings = app.get_admin_json("/api/v1/import/terms").await;
    assert_eq!(mappings["terms"][0]["categories"], json!(["legal", "advocacy"]), "{mappings}");
    // The next import of the same source uses the mapping: a new location imports at once.
    let (status, report) =
        import(&app, "?commit=true&name=trust.json", "application/json", feed("b", -80.2)).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["needs_category"], json!([]), "{report}");
    assert_eq!(report["sites_created"], 1, "{report}");
    let nearest = app.get_json("/api/v1/nearest?lon=-80.2&lat=25.77&category=legal&k=5").await;
    assert_eq!(nearest["results"].as_array().map(Vec::len), Some(2), "{nearest}");
}

async fn a_failed_commit_writes_nothing_held_records_included(backend: Backend) {
    let app = spawn_app(backend).await;
    // One held record and one bad row (a phone that is no phone) in one file.
    let mut doc: Value = serde_json::from_slice(&feed("a", -80.19)).unwrap();
    let mut bad = doc[0].clone();
    bad["id"] = json!("svc-bad");
    bad["service_at_locations"][0]["location"]["id"] = json!("bad");
    bad["service_at_locations"][0]["location"]["phones"] = json!([{"id": "p", "number": "call us"}]);
    bad["attributes"] =
        json!([{"id": "a2", "taxonomy_term": {"id": "t2", "code": "FT-3600", "name": "Immigration"}}]);
    doc.as_array_mut().unwrap().push(bad);
    let (status, problem) =
        import(&app, "?commit=true&name=bad.json", "application/json", doc.to_string().into_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(problem["report"]["errors"][0]["field"].as_str().unwrap().starts_with("phones"), "{problem}");
    assert_eq!(problem["report"]["needs_category"].as_array().unwrap().len(), 1);
    assert_eq!(problem["report"]["committed"], false);
    assert_eq!(app.stored_sites().await, 0, "no site written");
    assert_eq!(app.get_admin_json("/api/v1/import/held").await["count"], 0, "no held record written");
    assert_eq!(
        app.get_admin_json("/api/v1/partners").await["partners"].as_array().map(Vec::len).unwrap_or(0),
        0
    );
}

async fn unknown_hsds_and_api_paths_are_problems_and_the_optional_endpoints_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in ["/hsds/nope", "/hsds/services/x/y", "/api/nope", "/api/v1/nope/deeper"] {
        let res = app.get(path).await;
        assert_eq!(res.headers()["content-type"], "application/problem+json", "{path}");
        assert_problem(res, 404, None).await;
    }
    let taxonomies = app.get_json("/hsds/taxonomies").await;
    assert_eq!(taxonomies["contents"][0]["name"], "assetmap", "{taxonomies}");
    let id = taxonomies["contents"][0]["id"].as_str().unwrap().to_owned();
    let terms = app.get_json(&format!("/hsds/taxonomy_terms?taxonomy_id={id}")).await;
    assert_eq!(terms["total_items"], 9, "{terms}");
    assert!(terms["contents"].as_array().unwrap().iter().any(|t| t["code"] == "legal"));
    assert_eq!(
        app.get_json(&format!("/hsds/taxonomy_terms?taxonomy_id={}", uuid_zero())).await["total_items"],
        0
    );
    assert_problem(app.get("/hsds/taxonomy_terms?taxonomy_id=x").await, 400, Some("taxonomy_id")).await;
    // One service at its location, by the id the list gives.
    let p = app.partner("Legal Aid").await;
    app.site(&p, json!({"name": "Office", "lon": -80.19, "lat": 25.77, "categories": ["legal"]})).await;
    let list = app.get_json("/hsds/service_at_locations").await;
    let id = list["contents"][0]["id"].as_str().unwrap();
    let one = app.get_json(&format!("/hsds/service_at_locations/{id}")).await;
    assert_eq!(one, list["contents"][0]);
    assert_eq!(one["service"]["name"], "Office");
    assert_problem(app.get(&format!("/hsds/service_at_locations/{}", uuid_zero())).await, 404, None).await;
}

fn uuid_zero() -> &'static str {
    "00000000-0000-4000-8000-000000000000"
}

both_stores!(
    every_hsds_3_example_imports_with_no_bad_row,
    a_foreign_term_is_categorised_once_and_the_mapping_reused,
    a_failed_commit_writes_nothing_held_records_included,
    unknown_hsds_and_api_paths_are_problems_and_the_optional_endpoints_answer,
);
