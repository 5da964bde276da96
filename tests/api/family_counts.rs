//! A school brings its own counts: families by ZIP code and home language. The gap and
//! coverage answers are about those families and the sites that speak their language; every
//! figure is checked against brute force, and no output shows a cell of fewer than 10.

use std::collections::HashMap;

use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::gaps::{csv_rows, matching_sites, nearest};
use crate::helpers::{assert_problem, data_dir, spawn_demo, Backend, TestApp, TOKEN};

const FEWER: &str = "fewer than 10";

/// ZIP areas of Miami-Dade (internal points inside its rough box), read from the shipped file
/// independently of the server: (zip, lon, lat).
fn miami_zips() -> Vec<(String, f64, f64)> {
    let text = std::fs::read_to_string(data_dir().join("zcta_centroids.csv")).unwrap();
    let mut v: Vec<(String, f64, f64)> = text
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let (lat, lon): (f64, f64) = (f[1].parse().ok()?, f[2].parse().ok()?);
            ((25.45..25.95).contains(&lat) && (-80.45..-80.12).contains(&lon))
                .then(|| (f[0].to_owned(), lon, lat))
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// Rounded to a multiple of 5 (half up), as aggregates are shown; 1–9 as "fewer than 10".
fn shown(n: u64) -> Value {
    match n {
        0 => json!(0),
        1..=9 => json!(FEWER),
        n => json!((n + 2) / 5 * 5),
    }
}

async fn post(app: &TestApp, path: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
    app.client.post(format!("{}{path}", app.base)).body(body).send().await.unwrap()
}

async fn post_json(app: &TestApp, path: &str, body: String) -> Value {
    let res = post(app, path, body).await;
    let status = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "POST {path}: {text}");
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn random_counts_match_brute_force_for_each_language_and_its_sites() {
    let app = spawn_demo(Backend::Sqlite).await;
    let zips = miami_zips();
    assert!(zips.len() > 60, "{} Miami ZIP areas", zips.len());
    let mut rng = rand::rngs::StdRng::seed_from_u64(17);
    // Every cell at least 10, so nothing is hidden and each row is exact.
    let langs = [("ht", "Haitian Creole"), ("es", "Spanish"), ("pt", "por")];
    let mut cells: Vec<(String, &str, u64, f64, f64)> = Vec::new();
    let mut csv = String::from("zip,language,count\n");
    for (zip, lon, lat) in &zips {
        for (code, name) in langs {
            if rng.gen_bool(0.6) {
                let n = rng.gen_range(10..400);
                cells.push((zip.clone(), code, n, *lon, *lat));
                csv.push_str(&format!("{zip},{name},{n}\n"));
            }
        }
    }
    for (code, _) in langs {
        let q = format!("category=legal&threshold_m=3000&lang={code}&thresholds=1000,5000&top=100&suggest=0");
        let body = post_json(&app, &format!("/api/v1/gaps?{q}"), csv.clone()).await;
        let sites = matching_sites(&app, "legal", Some(code), false, false);
        let mine: Vec<_> = cells.iter().filter(|c| c.1 == code).collect();
        let dist: HashMap<String, f64> =
            mine.iter().map(|c| (format!("{}:{}", c.0, c.1), nearest(&sites, c.3, c.4))).collect();
        let total: u64 = mine.iter().map(|c| c.2).sum();
        let beyond =
            |m: f64| mine.iter().filter(|c| dist[&format!("{}:{}", c.0, c.1)] > m).map(|c| c.2).sum::<u64>();
        assert_eq!(body["demand"]["source"], "counts");
        assert_eq!(body["demand"]["points"], mine.len(), "{code}: only its own families count");
        assert_eq!(body["sites"], sites.len(), "{code}: only the sites that speak it");
        assert_eq!(body["population_total"], shown(total), "{code}");
        assert_eq!(body["population_beyond"], shown(beyond(3_000.0)), "{code}");
        for (row, m) in body["by_threshold"].as_array().unwrap().iter().zip([1_000.0, 5_000.0]) {
            assert_eq!(row["population_beyond"], shown(beyond(m)), "{code} beyond {m}");
        }
        // The worst places are exact: each row is one ZIP × language cell of 10 or more.
        let worst = body["worst"].as_array().unwrap();
        assert!(!worst.is_empty(), "{code}: a gap to find");
        for p in worst {
            let id = p["id"].as_str().unwrap();
            let c = mine.iter().find(|c| format!("{}:{}", c.0, c.1) == id).unwrap();
            assert_eq!(p["population"], c.2, "{id}");
            assert_eq!(p["zip"], c.0.as_str());
            assert_eq!(p["language"], code);
            match p["nearest_m"].as_f64() {
                Some(m) => assert!((m - dist[id]).abs() <= 0.06, "{id}"),
                None => assert!(dist[id].is_infinite(), "{id}: no site speaks {code}"),
            }
        }
        // Every cell's distance, through the CSV.
        let res = post(&app, &format!("/api/v1/gaps?{q}&f=csv"), csv.clone()).await;
        let rows = csv_rows(&res.text().await.unwrap());
        assert_eq!(rows.len(), mine.len());
        for r in &rows {
            let want = dist[&r["id"]];
            match r["nearest_m"].parse::<f64>() {
                Ok(m) => assert!((m - want).abs() <= 0.06, "{}", r["id"]),
                Err(_) => assert!(want.is_infinite() && r["nearest_m"].is_empty()),
            }
        }
    }
    // The coverage table's per-language view: each language's families against its own sites.
    let cov = post_json(&app, "/api/v1/coverage?thresholds=1609.344,16093.44", csv.clone()).await;
    let by = cov["by_language"].as_array().unwrap();
    assert_eq!(by.len(), 3);
    for l in by {
        let code = l["language"].as_str().unwrap();
        let mine: Vec<_> = cells.iter().filter(|c| c.1 == code).collect();
        let legal = l["categories"].as_array().unwrap().iter().find(|c| c["category"] == "legal").unwrap();
        let sites = matching_sites(&app, "legal", Some(code), false, false);
        assert_eq!(legal["sites"], sites.len());
        for (t, m) in legal["thresholds"].as_array().unwrap().iter().zip([1609.344, 16093.44]) {
            let within: u64 = mine.iter().filter(|c| nearest(&sites, c.3, c.4) <= m).map(|c| c.2).sum();
            assert_eq!(t["population_within"], shown(within), "{code} within {m}");
        }
    }
}

/// A table with small cells: 3 Haitian families in 33150, 4 Portuguese-speaking ones in 33127.
fn small_cells() -> String {
    "zip,language,count,grade\n\
     33150,Haitian Creole,2,K\n\
     33150,ht,1,1\n\
     33150,es,40,K\n\
     33138,ht,25,K\n\
     33138,es,12,K\n\
     33127,pt,4,K\n\
     33127,es,60,K\n\
     33161,ht,31,K\n\
     33133,ht,6,K\n"
        .to_owned()
}

fn no_small_number(text: &str) {
    for n in 1..10 {
        for needle in [format!("\"population\":{n},"), format!("\"population\":{n}}}"), format!(",{n},")] {
            assert!(!text.contains(&needle), "{needle} in {text}");
        }
    }
}

#[tokio::test]
async fn small_cells_never_show_in_json_csv_the_report_or_the_map() {
    let app = spawn_demo(Backend::Sqlite).await;
    let q = "category=legal&threshold_m=2000&top=100&suggest=3";
    let body = post_json(&app, &format!("/api/v1/gaps?{q}"), small_cells()).await;
    assert_eq!(body["suppression"]["min_cell"], 10);
    let worst = body["worst"].as_array().unwrap();
    let csv = post(&app, &format!("/api/v1/gaps?{q}&f=csv"), small_cells()).await.text().await.unwrap();
    let rows = csv_rows(&csv);
    assert_eq!(rows.len(), 8, "{csv}");
    let by_id: HashMap<&str, &str> =
        rows.iter().map(|r| (r["id"].as_str(), r["population"].as_str())).collect();
    assert_eq!(by_id["33150:ht"], FEWER);
    assert_eq!(by_id["33127:pt"], FEWER);
    // Against differencing: whatever subset is published (all, beyond, within), the hidden
    // cells add up to 0 or at least 10.
    let truth: HashMap<&str, u64> = [
        ("33150:ht", 3),
        ("33150:es", 40),
        ("33138:ht", 25),
        ("33138:es", 12),
        ("33127:pt", 4),
        ("33127:es", 60),
        ("33161:ht", 31),
        ("33133:ht", 6),
    ]
    .into();
    for group in ["all", "true", "false"] {
        let hidden: u64 = rows
            .iter()
            .filter(|r| r["population"] == FEWER && (group == "all" || r["beyond"] == group))
            .map(|r| truth[r["id"].as_str()])
            .sum();
        assert!(hidden == 0 || hidden >= 10, "{group}: hidden cells add up to {hidden}");
    }
    for p in worst {
        let id = p["id"].as_str().unwrap();
        assert_eq!(p["population"].as_str() == Some(FEWER), by_id[id] == FEWER, "{id}");
    }
    no_small_number(&csv);
    no_small_number(&body.to_string());
    // Totals are rounded; shares come from the figures shown.
    assert_eq!(body["population_total"], 180, "181 families, rounded");
    // The map layer: cells whose figure is hidden say so (the page hatches them).
    let res = post(&app, &format!("/api/v1/gaps?{q}&f=geojson&resolution=8"), small_cells()).await;
    let map: Value = res.json().await.unwrap();
    let features = map["features"].as_array().unwrap();
    assert!(features.iter().any(|f| f["properties"]["suppressed"] == true), "{map}");
    for f in features {
        let p = &f["properties"];
        for k in ["population", "population_beyond"] {
            let v = &p[k];
            assert!(v == FEWER || v.as_u64().is_some_and(|n| n == 0 || n >= 10), "{k}: {v}");
            if v == FEWER {
                assert_eq!(p["suppressed"], true);
            }
        }
        assert_eq!(p["mean_distance_m"], Value::Null);
    }
    no_small_number(&map.to_string());
    // Cells and counties tables too.
    for table in ["cells", "counties"] {
        let text = post(&app, &format!("/api/v1/gaps?{q}&f=csv&table={table}"), small_cells())
            .await
            .text()
            .await
            .unwrap();
        no_small_number(&text);
    }
    // The printed report.
    let res = post(&app, &format!("/api/v1/gaps?{q}&f=html&resolution=8"), small_cells()).await;
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    let html = res.text().await.unwrap();
    assert!(html.contains("fewer than 10"), "the rule or a hidden cell is printed");
    assert!(html.contains("url(#hatch)"), "hidden map cells are hatched");
    assert!(html.contains("Prepared ") && html.contains("Our families: request body"), "date and source");
    for n in 1..10 {
        assert!(!html.contains(&format!("<td class=n>{n}</td>")), "a cell of {n} printed");
    }
    // The coverage table too.
    let cov = post(&app, "/api/v1/coverage", small_cells()).await.text().await.unwrap();
    no_small_number(&cov);
    let cov_csv = post(&app, "/api/v1/coverage?f=csv", small_cells()).await.text().await.unwrap();
    for line in cov_csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        for f in [f[3], f[4], f[6]] {
            assert!(f == FEWER || f.parse::<u64>().is_ok_and(|n| n == 0 || n >= 10), "{line}");
        }
    }
}

#[tokio::test]
async fn an_xlsx_report_from_a_student_information_system_loads_like_the_csv() {
    let app = spawn_demo(Backend::Sqlite).await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["ZIP", "Language", "Grade", "Count", "Label"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    // ZIP codes typed as numbers, names as a report prints them.
    let rows = [
        (33150.0, "Haitian Creole", "K", 30.0),
        (33150.0, "Spanish", "1", 12.0),
        (33138.0, "hat", "K", 20.0),
    ];
    for (r, (zip, lang, grade, n)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_number(r, 0, *zip).unwrap();
        sheet.write_string(r, 1, *lang).unwrap();
        sheet.write_string(r, 2, *grade).unwrap();
        sheet.write_number(r, 3, *n).unwrap();
        sheet.write_string(r, 4, "Fall 2026").unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let res = post(&app, "/api/v1/gaps?category=legal&threshold_m=2000&lang=ht", bytes).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["demand"]["source"], "counts");
    assert_eq!(body["demand"]["label"], "Fall 2026");
    assert_eq!(body["demand"]["points"], 2, "the Haitian Creole cells of 33150 and 33138");
    assert_eq!(body["population_total"], 50);
    // A bad cell in a workbook is named by the row the spreadsheet shows.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_row(0, 0, ["zip", "language", "count"]).unwrap();
    sheet.write_row(1, 0, ["33150", "ht", "12"]).unwrap();
    sheet.write_string(2, 0, "33150").unwrap();
    sheet.write_string(2, 1, "ht").unwrap();
    sheet.write_number(2, 2, 2.5).unwrap();
    let res =
        post(&app, "/api/v1/gaps?category=legal&threshold_m=2000", book.save_to_buffer().unwrap()).await;
    let p = assert_problem(res, 422, Some("row 3: count")).await;
    assert_eq!(p["errors"].as_array().unwrap().len(), 1, "{p}");
}

#[tokio::test]
async fn bad_rows_are_named_by_row_and_field_and_nothing_is_used() {
    let app = spawn_demo(Backend::Sqlite).await;
    let bad = "zip,language,count\n33150,ht,12\n99999,ht,5\n33138,Elvish,7\n33127,es,-3\n33161,pt,2.5\n";
    for path in ["/api/v1/gaps?category=legal&threshold_m=2000", "/api/v1/coverage"] {
        let res = post(&app, path, bad).await;
        let p = assert_problem(res, 422, Some("row 3: zip")).await;
        let fields: Vec<&str> =
            p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["row 3: zip", "row 4: language", "row 5: count", "row 6: count"], "{p}");
    }
    // A file about persons is refused, not loaded.
    let res = post(
        &app,
        "/api/v1/gaps?category=legal&threshold_m=2000",
        "zip,language,count,student\n33150,ht,1,Ana\n",
    )
    .await;
    assert_problem(res, 422, Some("row 1: student")).await;
    // The command line names row and field too, and answers nothing.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("families.csv");
    std::fs::write(&file, bad).unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let db = app.db.url.clone();
    let args =
        ["assetmap", "gaps", "--category", "legal", "--threshold", "2km", "--database", &db, "--demand"];
    let code =
        assetmap::cli::run_args(args.into_iter().chain([file.to_str().unwrap()]), &mut out, &mut err).await;
    assert_ne!(code, std::process::ExitCode::SUCCESS);
    let err = String::from_utf8(err).unwrap();
    for want in [
        "row 3: zip: '99999'",
        "row 4: language: 'Elvish'",
        "row 5: count: -3 is negative",
        "row 6: count: '2.5'",
    ] {
        assert!(err.contains(want), "{want} not in {err}");
    }
    assert!(out.is_empty());
}

#[tokio::test]
async fn the_command_line_takes_a_count_table_and_suppresses_it() {
    let app = spawn_demo(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("families.csv");
    std::fs::write(&file, small_cells()).unwrap();
    let db = app.db.url.clone();
    for cmd in [vec!["gaps", "--category", "legal", "--threshold", "2km", "--top", "100"], vec!["coverage"]] {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let args = ["assetmap"].into_iter().chain(cmd.iter().copied()).chain([
            "--database",
            &db,
            "--demand",
            file.to_str().unwrap(),
        ]);
        let code = assetmap::cli::run_args(args, &mut out, &mut err).await;
        let out = String::from_utf8(out).unwrap();
        assert_eq!(code, std::process::ExitCode::SUCCESS, "{}", String::from_utf8_lossy(&err));
        assert!(out.contains("fewer than 10"), "{out}");
        assert!(out.contains("180"), "the rounded total: {out}");
    }
}

async fn admin_post(app: &TestApp, path: &str, body: String) -> reqwest::Response {
    app.client.post(format!("{}{path}", app.base)).bearer_auth(TOKEN).body(body).send().await.unwrap()
}

async fn a_saved_set_is_reused_by_id_and_deleted(backend: Backend) {
    let app = spawn_demo(backend).await;
    // Admins only.
    let res = post(&app, "/api/v1/demand-sets?name=Our%20families", small_cells()).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let bad =
        admin_post(&app, "/api/v1/demand-sets?name=Bad", "zip,language,count\n99999,ht,4\n".into()).await;
    assert_problem(bad, 422, Some("row 2: zip")).await;
    let res =
        admin_post(&app, "/api/v1/demand-sets?name=Our%20families%2C%20fall%202026", small_cells()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let saved: Value = res.json().await.unwrap();
    let id = saved["id"].as_i64().unwrap();
    assert_eq!(saved["cells"], 8, "grades summed into ZIP × language cells");
    assert_eq!(saved["group_column"], "grade");
    assert_eq!(saved["languages"], json!(["es", "ht", "pt"]));
    let again =
        admin_post(&app, "/api/v1/demand-sets?name=Our%20families%2C%20fall%202026", small_cells()).await;
    assert_problem(again, 422, Some("name")).await;
    let list = app.get_admin_json("/api/v1/demand-sets").await;
    assert_eq!(list["demand_sets"][0]["name"], "Our families, fall 2026");
    assert_eq!(list["demand_sets"][0]["created_by"], "admin token");
    assert!(list["demand_sets"][0].get("total").is_none());
    assert_eq!(app.get("/api/v1/demand-sets").await.status(), StatusCode::UNAUTHORIZED);

    // Reused by id: the same answer as the upload it came from.
    let q = "category=legal&threshold_m=2000&top=100";
    let uploaded = post_json(&app, &format!("/api/v1/gaps?{q}"), small_cells()).await;
    let reused = app.get_admin_json(&format!("/api/v1/gaps?{q}&demand_set={id}")).await;
    assert_eq!(reused["demand"]["set_id"], id);
    assert_eq!(reused["demand"]["name"], "Our families, fall 2026");
    for k in ["population_total", "population_beyond", "worst", "counties", "cells"] {
        assert_eq!(reused[k], uploaded[k], "{k}");
    }
    let cov = app.get_admin_json(&format!("/api/v1/coverage?demand_set={id}&lang=ht")).await;
    assert_eq!(cov["by_language"][0]["language"], "ht");
    assert_eq!(cov["population_total"], 65, "ht: 3 + 25 + 31 + 6 = 65");
    assert_eq!(
        app.get(&format!("/api/v1/gaps?{q}&demand_set={id}")).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let both = app
        .client
        .post(format!("{}/api/v1/gaps?{q}&demand_set={id}", app.base))
        .bearer_auth(TOKEN)
        .body(small_cells())
        .send()
        .await
        .unwrap();
    assert_problem(both, 400, Some("demand_set")).await;

    // Only the aggregated cells are stored: the two grade rows of 33150 × ht are one cell of 3.
    let (_, cells) = app.state.directory.store().demand_set(id).await.unwrap().unwrap();
    assert_eq!(cells.len(), 8);
    assert!(cells.contains(&("33150".into(), "ht".into(), 3)), "{cells:?}");

    // Deleted: gone from the list and from the endpoints.
    assert_eq!(app.delete(&format!("/api/v1/demand-sets/{id}")).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.delete(&format!("/api/v1/demand-sets/{id}")).await.status(), StatusCode::NOT_FOUND);
    let res = app
        .client
        .get(format!("{}/api/v1/gaps?{q}&demand_set={id}", app.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_problem(res, 404, None).await;
    assert_eq!(app.get_admin_json("/api/v1/demand-sets").await["demand_sets"], json!([]));
}

both_stores!(a_saved_set_is_reused_by_id_and_deleted);
