//! A leader asks where the gaps are: how many people live far from help, where, and where one
//! more partner would close the most. Every figure is checked against brute force.

use std::collections::HashMap;
use std::io::Read;

use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, data_dir, haversine, spawn_app, spawn_demo, Backend, TestApp};

/// A populated tract: (GEOID, county FIPS, population, lon, lat).
type Tract = (String, String, u64, f64, f64);

/// The census tract file, read independently of the server's parser.
fn tracts(county: Option<&str>) -> Vec<Tract> {
    let mut text = String::new();
    let file = std::fs::File::open(data_dir().join("census_tracts.csv.gz")).unwrap();
    flate2::read::GzDecoder::new(file).read_to_string(&mut text).unwrap();
    text.trim_start_matches('\u{feff}')
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let pop: u64 = f[3].parse().unwrap();
            let fips = format!("{}{}", f[0], f[1]);
            (pop > 0 && county.is_none_or(|c| c == fips))
                .then(|| (format!("{fips}{}", f[2]), fips, pop, f[5].parse().unwrap(), f[4].parse().unwrap()))
        })
        .collect()
}

/// A site as the brute force sees it: (lon, lat, confidential) — where public answers measure it
/// from: a confidential site's stand-in (`tests/api/confidential.rs` holds stand-ins to their
/// rule and shows that nothing locates the true point).
type Point = (f64, f64, bool);

/// The server's own records (confidential ones too, at their stand-ins) that match a question.
fn matching_sites(
    app: &TestApp,
    category: &str,
    lang: Option<&str>,
    free: bool,
    walk_in: bool,
) -> Vec<Point> {
    let catalog = app.state.directory.read();
    catalog
        .sites()
        .filter(|s| catalog.is_public(s) && s.categories.iter().any(|c| c.as_str() == category))
        .filter(|s| lang.is_none_or(|l| s.all_languages().any(|x| x.as_str() == l)))
        .filter(|s| !free || s.cost == Some(assetmap::domain::Cost::Free))
        .filter(|s| !walk_in || s.walk_in == Some(true))
        .filter_map(|s| {
            let at = catalog.public_location(s)?;
            if s.confidential {
                assert_ne!((s.lon, s.lat), (Some(at.lon()), Some(at.lat())), "a shelter at its own point");
            }
            Some((at.lon(), at.lat(), s.confidential))
        })
        .collect()
}

/// Nearest distance by brute force: haversine to every site.
fn nearest(sites: &[Point], lon: f64, lat: f64) -> f64 {
    sites.iter().map(|&(slon, slat, _)| haversine(lon, lat, slon, slat)).fold(f64::INFINITY, f64::min)
}

/// Some fields of every row of a JSON array, as an array of arrays (for one-line comparisons).
fn columns(rows: &Value, keys: &[&str]) -> Value {
    rows.as_array().unwrap().iter().map(|r| keys.iter().map(|k| r[*k].clone()).collect::<Value>()).collect()
}

/// Rows of a CSV answer as maps.
fn csv_rows(text: &str) -> Vec<HashMap<String, String>> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| header.iter().map(|h| h.to_string()).zip(l.split(',').map(str::to_owned)).collect())
        .collect()
}

async fn text(app: &TestApp, path: &str) -> (String, String) {
    let res = app.get(path).await;
    assert_eq!(res.status(), StatusCode::OK, "GET {path}");
    let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
    (ct, res.text().await.unwrap())
}

#[tokio::test]
async fn spanish_speaking_walk_in_legal_help_within_5_km_in_miami_dade_matches_brute_force() {
    let app = spawn_demo(Backend::Sqlite).await;
    // (The demo's 2019 export states no costs, so "free" would leave no site: walk-in instead.)
    let q = "category=legal&threshold_m=5000&lang=es&walk_in=true&thresholds=1000,2000,5000,10000";
    let body = app.get_json(&format!("/api/v1/gaps?{q}")).await;
    let sites = matching_sites(&app, "legal", Some("es"), false, true);
    assert!(sites.len() >= 5, "{} walk-in Spanish-speaking legal sites", sites.len());
    let tracts = tracts(Some("12086"));
    assert_eq!(tracts.len(), 701, "Miami-Dade's populated tracts (707 less 6 with nobody)");
    let total: u64 = tracts.iter().map(|t| t.2).sum();
    let dist: HashMap<&str, f64> = tracts.iter().map(|t| (t.0.as_str(), nearest(&sites, t.3, t.4))).collect();
    let beyond = |m: f64| tracts.iter().filter(|t| dist[t.0.as_str()] > m).map(|t| t.2).sum::<u64>();

    assert_eq!(body["filter"]["category"], "legal");
    assert_eq!(body["filter"]["lang"], "es");
    assert_eq!(body["filter"]["walk_in"], true);
    assert_eq!(body["demand"]["source"], "census");
    assert_eq!(body["demand"]["service_area"], json!(["12086"]));
    assert_eq!(body["demand"]["points"], 701);
    assert_eq!(body["sites"], sites.len());
    assert_eq!(body["threshold_m"], 5000.0);
    assert_eq!(body["population_total"], total);
    assert_eq!(body["population_total"], 2_701_767);
    assert_eq!(body["population_beyond"], beyond(5_000.0));
    assert!(body["population_beyond"].as_u64().unwrap() > 0, "there is a gap to find");
    let share = body["share_beyond"].as_f64().unwrap();
    assert!((share - beyond(5_000.0) as f64 / total as f64).abs() < 1e-12);
    for (row, m) in body["by_threshold"].as_array().unwrap().iter().zip([1_000.0, 2_000.0, 5_000.0, 10_000.0])
    {
        assert_eq!(row["threshold_m"], m);
        assert_eq!(row["population_beyond"], beyond(m), "beyond {m} m");
        assert_eq!(row["population_within"], total - beyond(m));
    }

    // Every tract's nearest distance (the CSV lists them all, worst first).
    let (ct, csv) = text(&app, &format!("/api/v1/gaps?{q}&f=csv")).await;
    assert_eq!(ct, "text/csv; charset=utf-8");
    let rows = csv_rows(&csv);
    assert_eq!(rows.len(), 701);
    for r in &rows {
        let want = dist[r["id"].as_str()];
        let got: f64 = r["nearest_m"].parse().unwrap();
        assert!((got - want).abs() <= 0.05 + 1e-9 * want, "{}: {got} vs {want}", r["id"]);
        assert_eq!(r["beyond"] == "true", want > 5_000.0);
    }

    // The worst places: the most populous tracts beyond 5 km, with their distances.
    let worst = body["worst"].as_array().unwrap();
    let mut want: Vec<&Tract> = tracts.iter().filter(|t| dist[t.0.as_str()] > 5_000.0).collect();
    want.sort_by(|a, b| b.2.cmp(&a.2).then(dist[b.0.as_str()].total_cmp(&dist[a.0.as_str()])));
    assert_eq!(worst.len(), want.len().min(10));
    for (w, t) in worst.iter().zip(&want) {
        assert_eq!(w["id"], t.0);
        assert_eq!(w["population"], t.2);
        assert_eq!(w["county"], "12086");
        assert!(
            (w["nearest_m"].as_f64().unwrap() - dist[t.0.as_str()]).abs() <= 0.05 + 1e-9 * dist[t.0.as_str()]
        );
    }

    // Cells and counties add up to the same people.
    let cells = body["cells"]["features"].as_array().unwrap();
    assert_eq!(body["cells"]["type"], "FeatureCollection");
    let sum = |key: &str| cells.iter().map(|c| c["properties"][key].as_u64().unwrap()).sum::<u64>();
    assert_eq!(sum("population"), total);
    assert_eq!(sum("population_beyond"), beyond(5_000.0));
    for c in cells {
        assert_eq!(c["geometry"]["type"], "Polygon");
        let ring = c["geometry"]["coordinates"][0].as_array().unwrap();
        assert!(ring.len() >= 7 && ring.first() == ring.last(), "a closed ring of at least six vertices");
        assert!(
            c["properties"]["max_distance_m"].as_f64().unwrap()
                >= c["properties"]["mean_distance_m"].as_f64().unwrap() - 0.1
        );
    }
    let counties = body["counties"].as_array().unwrap();
    assert_eq!(counties.len(), 1);
    assert_eq!(counties[0]["fips"], "12086");
    assert_eq!(counties[0]["name"], "Miami-Dade");
    assert_eq!(counties[0]["state"], "Florida");
    assert_eq!(counties[0]["population_beyond"], beyond(5_000.0));
    let max = tracts.iter().map(|t| dist[t.0.as_str()]).fold(0.0, f64::max);
    assert!((counties[0]["max_distance_m"].as_f64().unwrap() - max).abs() <= 0.05 + 1e-9 * max);

    // Suggestions are the greedy choice among tract centres, checked by brute force.
    let picks = body["suggestions"].as_array().unwrap();
    assert_eq!(picks.len(), 3);
    check_greedy(&tracts, &dist, 5_000.0, picks, &tracts.iter().map(|t| (t.3, t.4)).collect::<Vec<_>>());
    for p in picks {
        assert_eq!(p["kind"], "tract");
    }
}

/// Checks that each suggestion is a best choice given the ones before it (brute force over all
/// candidates), that its gain is what it says, and that the total still beyond is right.
fn check_greedy(
    people: &[Tract],
    dist: &HashMap<&str, f64>,
    threshold: f64,
    picks: &[Value],
    candidates: &[(f64, f64)],
) {
    let mut uncovered: Vec<&Tract> = people.iter().filter(|t| dist[t.0.as_str()] > threshold).collect();
    let mut left: u64 = uncovered.iter().map(|t| t.2).sum();
    for p in picks {
        let gain_at = |lon: f64, lat: f64, u: &[&Tract]| {
            u.iter().filter(|t| haversine(lon, lat, t.3, t.4) <= threshold).map(|t| t.2).sum::<u64>()
        };
        let best = candidates.iter().map(|&(lon, lat)| gain_at(lon, lat, &uncovered)).max().unwrap();
        let (lon, lat) = (p["lon"].as_f64().unwrap(), p["lat"].as_f64().unwrap());
        let gain = gain_at(lon, lat, &uncovered);
        assert_eq!(p["population_covered"], gain, "{p}");
        assert_eq!(gain, best, "a suggestion that is not the best next choice: {p}");
        left -= gain;
        assert_eq!(p["population_beyond_after"], left);
        uncovered.retain(|t| haversine(lon, lat, t.3, t.4) > threshold);
    }
}

#[tokio::test]
async fn coverage_table_for_every_category_matches_brute_force() {
    let app = spawn_demo(Backend::Sqlite).await;
    let body = app.get_json("/api/v1/coverage?thresholds=1000,2000,5000,10000").await;
    let tracts = tracts(Some("12086"));
    let total: u64 = tracts.iter().map(|t| t.2).sum();
    assert_eq!(body["population_total"], total);
    assert_eq!(body["thresholds_m"], json!([1000.0, 2000.0, 5000.0, 10000.0]));
    let cats = body["categories"].as_array().unwrap();
    assert_eq!(cats.len(), 9, "every category of the taxonomy");
    for c in cats {
        let slug = c["category"].as_str().unwrap();
        let sites = matching_sites(&app, slug, None, false, false);
        assert_eq!(c["sites"], sites.len(), "{slug}");
        assert!(c["name"].is_string());
        let dist: Vec<f64> = tracts.iter().map(|t| nearest(&sites, t.3, t.4)).collect();
        for (row, m) in c["thresholds"].as_array().unwrap().iter().zip([1_000.0, 2_000.0, 5_000.0, 10_000.0])
        {
            let within: u64 = tracts.iter().zip(&dist).filter(|(_, d)| **d <= m).map(|(t, _)| t.2).sum();
            assert_eq!(row["population_within"], within, "{slug} within {m} m");
            assert_eq!(row["population_beyond"], total - within);
            assert!((row["share_within"].as_f64().unwrap() - within as f64 / total as f64).abs() < 1e-12);
        }
    }
    // The same table as CSV: one row per category and threshold.
    let (ct, csv) = text(&app, "/api/v1/coverage?thresholds=5000&f=csv").await;
    assert!(ct.starts_with("text/csv"));
    let rows = csv_rows(&csv);
    assert_eq!(rows.len(), 9);
    let legal = rows.iter().find(|r| r["category"] == "legal").unwrap();
    let json_legal = cats.iter().find(|c| c["category"] == "legal").unwrap();
    assert_eq!(legal["population_beyond"], json_legal["thresholds"][2]["population_beyond"].to_string());
}

/// Random sites (some confidential, random languages and costs) and random uploaded demand:
/// totals, distances and suggestions against brute force.
#[tokio::test]
async fn random_sites_and_uploaded_demand_match_brute_force() {
    let app = spawn_app(Backend::Sqlite).await;
    let partner = app.partner("Random Partner").await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(2024);
    for i in 0..60 {
        let cats = if i % 3 == 0 {
            json!(["legal", "library"])
        } else if i % 3 == 1 {
            json!(["legal"])
        } else {
            json!(["library"])
        };
        app.site(
            &partner,
            json!({
                "name": format!("Site {i}"),
                "lon": rng.gen_range(-80.6..-80.1), "lat": rng.gen_range(25.4..25.95),
                "categories": cats,
                "languages": if rng.gen_bool(0.5) { json!(["es"]) } else { json!(["en"]) },
                "cost": if rng.gen_bool(0.6) { "free" } else { "fee" },
                "confidential": rng.gen_bool(0.1),
            }),
        )
        .await;
    }
    // A district's counts of students per school: random places, random counts.
    let points: Vec<Tract> = (0..400)
        .map(|i| {
            (
                format!("school-{i}"),
                String::new(),
                rng.gen_range(1..1_000_000),
                rng.gen_range(-80.7..-80.0),
                rng.gen_range(25.3..26.0),
            )
        })
        .collect();
    let mut body = String::from("id,lon,lat,weight\n");
    for p in &points {
        body.push_str(&format!("{},{},{},{}\n", p.0, p.3, p.4, p.2));
    }
    for (lang, free) in [(None, false), (Some("es"), true)] {
        let mut q = String::from("category=legal&threshold_m=3000&thresholds=500,3000,8000&suggest=5&top=20");
        if let Some(l) = lang {
            q.push_str(&format!("&lang={l}"));
        }
        if free {
            q.push_str("&free=true");
        }
        let res =
            app.client.post(format!("{}/api/v1/gaps?{q}", app.base)).body(body.clone()).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let got: Value = res.json().await.unwrap();
        let sites = matching_sites(&app, "legal", lang, free, false);
        assert!(sites.iter().any(|s| s.2), "some matching site is confidential");
        let dist: HashMap<&str, f64> =
            points.iter().map(|p| (p.0.as_str(), nearest(&sites, p.3, p.4))).collect();
        let beyond = |m: f64| points.iter().filter(|p| dist[p.0.as_str()] > m).map(|p| p.2).sum::<u64>();
        assert_eq!(got["demand"]["source"], "upload");
        assert_eq!(got["demand"]["points"], 400);
        assert_eq!(got["population_total"], points.iter().map(|p| p.2).sum::<u64>());
        assert_eq!(got["population_beyond"], beyond(3_000.0));
        for (row, m) in got["by_threshold"].as_array().unwrap().iter().zip([500.0, 3_000.0, 8_000.0]) {
            assert_eq!(row["population_beyond"], beyond(m), "{lang:?} beyond {m}");
        }
        for w in got["worst"].as_array().unwrap() {
            let d = dist[w["id"].as_str().unwrap()];
            assert!((w["nearest_m"].as_f64().unwrap() - d).abs() <= 0.05 + 1e-9 * d);
        }
        let picks = got["suggestions"].as_array().unwrap();
        assert!(!picks.is_empty());
        for p in picks {
            assert_eq!(p["kind"], "point");
        }
        check_greedy(&points, &dist, 3_000.0, picks, &points.iter().map(|p| (p.3, p.4)).collect::<Vec<_>>());
    }
    // Suggestions may also be existing public sites of another category, never confidential.
    let res = app
        .client
        .post(format!(
            "{}/api/v1/gaps?category=legal&threshold_m=3000&lang=es&suggest=4&candidates=library",
            app.base
        ))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    let got: Value = res.json().await.unwrap();
    let libraries: Vec<(String, bool)> = {
        let c = app.state.directory.read();
        c.sites()
            .filter(|s| s.categories.iter().any(|x| x.as_str() == "library"))
            .map(|s| (s.id.to_string(), s.confidential))
            .collect()
    };
    let picks = got["suggestions"].as_array().unwrap();
    assert!(!picks.is_empty(), "{got}");
    for p in picks {
        assert_eq!(p["kind"], "site");
        let (_, secret) =
            libraries.iter().find(|(id, _)| id == p["id"].as_str().unwrap()).expect("a library");
        assert!(!secret, "a confidential site was offered as a place to recruit");
        assert!(p["name"].as_str().unwrap().starts_with("Site "));
    }
}

/// Worked out by hand, on the equator, where 0.01° is 1,111.95 m:
/// a clinic at (0, 0) and an annex at (0.10, 0); people at
/// A (0.03, 0): 3,335.9 m from the clinic — 100 people;
/// B (0.06, 0): 6,671.7 m from the clinic, 4,447.8 m from the annex — 200;
/// C (0.20, 0): 11,119.5 m from the annex — 300;
/// D (0, 0.05): 5,559.8 m north of the clinic — 400.
/// Beyond 5 km: C and D, 700 of 1,000.
#[tokio::test]
async fn a_hand_worked_scenario() {
    let app = spawn_app(Backend::Sqlite).await;
    let p = app.partner("Equator Health").await;
    app.site(&p, json!({"name": "Clinic", "lon": 0.0, "lat": 0.0, "categories": ["health"]})).await;
    app.site(&p, json!({"name": "Annex", "lon": 0.1, "lat": 0.0, "categories": ["health"]})).await;
    let demand = "id,lon,lat,weight,county\nA,0.03,0,100,12086\nB,0.06,0,200,12086\nC,0.20,0,300,12011\nD,0,0.05,400,12011\nE,0.5,0.5,0,\n";
    let res = app
        .client
        .post(format!(
            "{}/api/v1/gaps?category=health&threshold_m=5000&thresholds=4447.8,6000,12000&suggest=3",
            app.base
        ))
        .header("content-type", "text/csv")
        .body(demand)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["demand"]["left_out_zero_weight"], 1, "E counts nobody");
    assert_eq!(v["population_total"], 1_000);
    assert_eq!(v["population_beyond"], 700);
    assert_eq!(v["share_beyond"], 0.7);
    assert_eq!(
        columns(&v["by_threshold"], &["threshold_m", "population_beyond"]),
        json!([[4_447.8, 900], [6_000.0, 300], [12_000.0, 0]]),
        "B is 4,447.80 m away, just beyond 4,447.8 m; D is covered at 6 km; C at 12 km"
    );
    assert_eq!(columns(&v["worst"], &["id", "nearest_m"]), json!([["D", 5_559.8], ["C", 11_119.5]]));
    assert_eq!(
        columns(&v["counties"], &["fips", "name", "population", "population_beyond"]),
        json!([["12011", "Broward", 700, 700], ["12086", "Miami-Dade", 300, 0]])
    );
    // (100 × 3,335.85 + 200 × 4,447.80) / 300
    assert_eq!(v["counties"][1]["mean_distance_m"], 4_077.2);
    assert_eq!(
        columns(&v["suggestions"], &["id", "population_covered", "population_beyond_after"]),
        json!([["D", 400, 300], ["C", 300, 0]])
    );
}

#[tokio::test]
async fn bad_questions_are_answered_400_naming_the_parameter() {
    let app = spawn_demo(Backend::Sqlite).await;
    let cases = [
        ("threshold_m=5000", "category"),
        ("category=wizardry&threshold_m=5000", "category"),
        ("category=legal", "threshold_m"),
        ("category=legal&threshold_m=0", "threshold_m"),
        ("category=legal&threshold_m=-5", "threshold_m"),
        ("category=legal&threshold_m=five", "threshold_m"),
        ("category=legal&threshold_m=5000000", "threshold_m"),
        ("category=legal&threshold_m=5000&thresholds=1000,x", "thresholds"),
        ("category=legal&threshold_m=5000&resolution=9", "resolution"),
        ("category=legal&threshold_m=5000&resolution=2", "resolution"),
        ("category=legal&threshold_m=5000&resolution=seven", "resolution"),
        ("category=legal&threshold_m=5000&suggest=500", "suggest"),
        ("category=legal&threshold_m=5000&top=-1", "top"),
        ("category=legal&threshold_m=5000&candidates=wizardry", "candidates"),
        ("category=legal&threshold_m=5000&lang=xx", "lang"),
        ("category=legal&threshold_m=5000&free=maybe", "free"),
        ("category=legal&threshold_m=5000&f=xml", "f"),
        ("category=legal&threshold_m=5000&table=cells", "table"),
        ("category=legal&threshold_m=5000&f=csv&table=states", "table"),
        ("category=legal&threshold_m=5000&treshold=1", "treshold"),
    ];
    for (q, field) in cases {
        let res = app.get(&format!("/api/v1/gaps?{q}")).await;
        assert_problem(res, 400, Some(field)).await;
    }
    for (q, field) in [("thresholds=0", "thresholds"), ("f=geojson", "f"), ("category=legal", "category")] {
        assert_problem(app.get(&format!("/api/v1/coverage?{q}")).await, 400, Some(field)).await;
    }
    // The finer-resolution refusal says why.
    let body = assert_problem(
        app.get("/api/v1/gaps?category=legal&threshold_m=5000&resolution=10").await,
        400,
        None,
    )
    .await;
    assert!(body["detail"].as_str().unwrap().contains("confidential"), "{body}");
}

#[tokio::test]
async fn a_bad_demand_file_is_refused_whole_naming_row_and_field() {
    let app = spawn_demo(Backend::Sqlite).await;
    let before = app.get_json("/api/v1/gaps?category=legal&threshold_m=5000").await;
    let bad = "id,lon,lat,weight,languages\n\
               s1,-80.2,25.8,10,es\n\
               s2,-80.2,95.5,10,es\n\
               s1,-80.3,25.7,ten,\n\
               s4,-80.3,25.7,5,zz\n";
    let res = app
        .client
        .post(format!("{}/api/v1/gaps?category=legal&threshold_m=5000", app.base))
        .body(bad)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 422, Some("row 3: lat")).await;
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["row 3: lat", "row 4: id", "row 4: weight", "row 5: languages[0]"]);
    // Nothing is stored or half-loaded: the deployment's demand is unchanged.
    let after = app.get_json("/api/v1/gaps?category=legal&threshold_m=5000").await;
    assert_eq!(before["population_total"], after["population_total"]);
    assert_eq!(after["demand"]["source"], "census");
    // Files about persons are refused by their columns.
    let res = app
        .client
        .post(format!("{}/api/v1/coverage", app.base))
        .body("id,lon,lat,weight,name,birth_date\n1,-80.2,25.8,1,Ana,2015-01-02\n")
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 422, Some("name")).await;
    assert!(problem["detail"].as_str().unwrap().contains("never records about a person"));
    // Larger than the ordinary 256 KiB body limit is fine for demand files (a whole county).
    let mut big = String::from("id,lon,lat,weight\n");
    for i in 0..20_000 {
        big.push_str(&format!(
            "p{i},{:.5},{:.5},{}\n",
            -80.5 + (i % 100) as f64 * 0.004,
            25.5 + (i / 100) as f64 * 0.002,
            1 + i % 7
        ));
    }
    assert!(big.len() > 256 * 1024);
    // (An account's: a request without one may send at most 5,000 points.)
    let res = app
        .client
        .post(format!("{}/api/v1/coverage?thresholds=5000", app.base))
        .bearer_auth(crate::helpers::TOKEN)
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["demand"]["points"], 20_000);
}

/// A shelter counts toward coverage, and nothing in any answer says where it is.
#[tokio::test]
async fn a_confidential_site_is_never_revealed_by_gaps_or_coverage() {
    let app = spawn_app(Backend::Sqlite).await;
    let p = app.partner("Safe Harbor").await;
    // Distinctive coordinates that appear nowhere else.
    let (slon, slat) = (-80.3456789, 25.6543219);
    let shelter = app
        .site(&p, json!({"name": "Hidden Shelter", "lon": slon, "lat": slat, "categories": ["housing"], "confidential": true}))
        .await;
    app.site(
        &p,
        json!({"name": "Far Office", "lon": -80.9, "lat": 25.2, "categories": ["housing", "library"]}),
    )
    .await;
    // People all around the shelter, and some far from both sites.
    let mut demand = String::from("id,lon,lat,weight\n");
    // A ring of people 2.7 km around it.
    for i in 0..30 {
        let a = 0.1 + i as f64 * 0.2094;
        demand.push_str(&format!(
            "r{i},{:.6},{:.6},{}\n",
            slon + 0.0269 * a.cos(),
            slat + 0.0243 * a.sin(),
            100 + i
        ));
    }
    demand.push_str("far,-80.0,26.2,1000\n");
    let mut answers = Vec::new();
    for q in [
        "category=housing&threshold_m=2800&suggest=5&top=100&resolution=8",
        "category=housing&threshold_m=3500&suggest=5&top=100&resolution=8&f=csv",
        "category=housing&threshold_m=3500&f=csv&table=cells&resolution=8",
        "category=housing&threshold_m=3500&f=csv&table=counties",
        "category=housing&threshold_m=3500&f=geojson&resolution=8",
        "category=housing&threshold_m=3000&suggest=5&candidates=library,housing",
    ] {
        let res = app
            .client
            .post(format!("{}/api/v1/gaps?{q}", app.base))
            .body(demand.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{q}");
        answers.push(res.text().await.unwrap());
    }
    for q in ["thresholds=1000,3000,3400", "thresholds=3300&f=csv"] {
        let res = app
            .client
            .post(format!("{}/api/v1/coverage?{q}", app.base))
            .body(demand.clone())
            .send()
            .await
            .unwrap();
        answers.push(res.text().await.unwrap());
    }
    answers.push(app.get_json("/api/v1/gaps?category=housing&threshold_m=2000").await.to_string());
    for a in &answers {
        for secret in ["80.34567", "25.65432", "Hidden Shelter"] {
            assert!(
                !a.contains(secret),
                "an answer reveals the shelter: {secret} in {}",
                &a[..a.len().min(400)]
            );
        }
    }
    // The shelter counts, at its stand-in (the internal point of the ZIP area it lies in):
    // the ring 2.7 km around its true point is beyond 2.8 km unless the stand-in happens to be
    // near it, and a point on the stand-in is within a metre of help.
    let stand_in =
        &app.get_admin_json(&format!("/api/v1/sites/{}", shelter["id"].as_str().unwrap())).await["stand_in"];
    assert_eq!(stand_in["basis"], "zip_area", "{stand_in}");
    let (ilon, ilat) = (stand_in["lon"].as_f64().unwrap(), stand_in["lat"].as_f64().unwrap());
    assert!(haversine(ilon, ilat, slon, slat) > 1_000.0, "the stand-in is not the shelter's point");
    let at_stand_in = format!("id,lon,lat,weight\nhere,{ilon},{ilat},9\n");
    let res = app
        .client
        .post(format!("{}/api/v1/gaps?category=housing&threshold_m=100", app.base))
        .body(at_stand_in)
        .send()
        .await
        .unwrap();
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["population_beyond"], 0, "{v}");
}

#[tokio::test]
async fn the_whole_country_works_as_a_service_area() {
    let us = crate::helpers::spawn_configured(true, |s| {
        s.service_area = assetmap::places::demand::ServiceArea::All;
    })
    .await;
    let v = us.get_json("/api/v1/coverage?thresholds=5000").await;
    assert_eq!(v["population_total"], 334_735_155u64, "every populated tract of the US and Puerto Rico");
    assert_eq!(v["demand"]["points"], 84_781);
    let g = us.get_json("/api/v1/gaps?category=legal&threshold_m=5000&resolution=3&suggest=1").await;
    let counties = g["counties"].as_array().unwrap();
    assert_eq!(counties.len(), 3_221);
    assert!(
        counties.iter().all(|c| c["name"].is_string() && c["state"].is_string()),
        "every county is named"
    );
    // Counties add up; everyone outside Florida is beyond 5 km of the demo's Miami legal services.
    let sum: u64 = counties.iter().map(|c| c["population_beyond"].as_u64().unwrap()).sum();
    assert_eq!(g["population_beyond"].as_u64().unwrap(), sum);
    for c in counties.iter().filter(|c| c["state"] != "Florida") {
        assert_eq!(c["population_beyond"], c["population"], "{c}");
    }
    let miami = counties.iter().find(|c| c["fips"] == "12086").unwrap();
    assert!(miami["population_beyond"].as_u64().unwrap() < miami["population"].as_u64().unwrap());
    // The Aleutians straddle the antimeridian: their cells are cut in two, never span the globe.
    for f in g["cells"]["features"].as_array().unwrap() {
        if f["geometry"]["type"] == "MultiPolygon" {
            for part in f["geometry"]["coordinates"].as_array().unwrap() {
                let lons: Vec<f64> =
                    part[0].as_array().unwrap().iter().map(|p| p[0].as_f64().unwrap()).collect();
                let span = lons.iter().cloned().fold(f64::MIN, f64::max)
                    - lons.iter().cloned().fold(f64::MAX, f64::min);
                assert!(span < 10.0, "{lons:?}");
            }
        }
    }
}

/// Runs the CLI in-process; returns (exit code, stdout, stderr).
async fn cli(args: &[&str]) -> (u8, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code =
        assetmap::cli::run_args(std::iter::once("assetmap").chain(args.iter().copied()), &mut out, &mut err)
            .await;
    let code = if code == std::process::ExitCode::SUCCESS { 0 } else { 1 };
    (code, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
}

#[tokio::test]
async fn the_command_line_answers_like_the_api() {
    let app = spawn_demo(Backend::Sqlite).await;
    let db = app.db.url.clone();
    let api = app.get_json("/api/v1/gaps?category=legal&threshold_m=5000&lang=es").await;
    let (code, out, err) =
        cli(&["gaps", "--category", "legal", "--threshold", "5km", "--lang", "es", "--database", &db]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("beyond 5.0 km: {} people", api["population_beyond"])), "{out}");
    assert!(
        out.contains("worst places")
            && out.contains("where one more partner")
            && out.contains("Miami-Dade, Florida"),
        "{out}"
    );
    // As a server that hides listings unverified for a year would: the 2019 snapshot counts for
    // nobody.
    let (code, out, err) = cli(&[
        "gaps",
        "--category",
        "legal",
        "--threshold",
        "5km",
        "--hide-after-days",
        "365",
        "--database",
        &db,
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("legal — 0 sites match"), "{out}");
    let (_, json_out, _) = cli(&[
        "gaps",
        "--category",
        "legal",
        "--threshold",
        "5000",
        "--lang",
        "es",
        "--format",
        "json",
        "--database",
        &db,
    ])
    .await;
    let v: Value = serde_json::from_str(&json_out).unwrap();
    for key in ["population_total", "population_beyond", "worst", "suggestions", "counties", "cells"] {
        assert_eq!(v[key], api[key], "{key}");
    }
    let (_, geo, _) =
        cli(&["gaps", "--category", "legal", "--threshold", "5km", "--format", "geojson", "--database", &db])
            .await;
    assert_eq!(serde_json::from_str::<Value>(&geo).unwrap()["type"], "FeatureCollection");
    let (_, csv, _) = cli(&[
        "gaps",
        "--category",
        "legal",
        "--threshold",
        "5km",
        "--format",
        "csv",
        "--table",
        "counties",
        "--database",
        &db,
    ])
    .await;
    assert!(
        csv.starts_with("fips,name,state,population,population_beyond")
            && csv.contains("12086,Miami-Dade,Florida"),
        "{csv}"
    );

    let (code, out, _) = cli(&["coverage", "--thresholds", "1km,5km", "--database", &db]).await;
    assert_eq!(code, 0);
    assert!(out.contains("within 1 km") && out.contains("within 5 km") && out.lines().count() == 10, "{out}");

    for (args, says) in [
        (vec!["gaps", "--category", "legal", "--threshold", "5 miles"], "--threshold"),
        (vec!["gaps", "--category", "legal", "--threshold", "5km", "--resolution", "10"], "--resolution"),
        (vec!["gaps", "--category", "wizardry", "--threshold", "5km"], "--category"),
        (vec!["gaps", "--category", "legal", "--threshold", "5km", "--service-area", "1208"], "5-digit"),
        (vec!["gaps", "--category", "legal", "--threshold", "5km", "--service-area", "99999"], "99999"),
    ] {
        let mut args = args;
        args.extend(["--database", &db]);
        let (code, _, err) = cli(&args).await;
        assert_ne!(code, 0);
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[tokio::test]
async fn coverage_from_two_files_needs_no_database() {
    let dir = tempfile::tempdir().unwrap();
    let sites = dir.path().join("sites.csv");
    let demand = dir.path().join("demand.csv");
    // 0.01° of longitude on the equator is 1,111.95 m.
    std::fs::write(&sites, "id,category,lon,lat\na,legal,0,0\nb,health,0.1,0\n").unwrap();
    std::fs::write(&demand, "id,population,lon,lat\n1,10,0.04,0\n2,20,0.05,0\n3,30,0.1,0\n").unwrap();
    let (s, d) = (sites.to_str().unwrap(), demand.to_str().unwrap());
    let (code, out, err) =
        cli(&["coverage", "--sites", s, "--demand", d, "--thresholds", "5000,6000", "--format", "csv"]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "category,sites,population_total,threshold_m,population_beyond\n\
         health,1,60,5000,30\nhealth,1,60,6000,10\nlegal,1,60,5000,50\nlegal,1,60,6000,30\n"
    );
    assert!(err.contains("6 nearest searches") && err.contains(" ms") && err.contains("loading"), "{err}");
    let (code, out, _) = cli(&["coverage", "--sites", s, "--demand", d, "--thresholds", "5km"]).await;
    assert_eq!(code, 0);
    assert!(out.lines().nth(2).unwrap().split_whitespace().eq(["legal", "1", "60", "50"]), "{out}");
    std::fs::write(&demand, "id,population,lon,lat\n1,10,0.04,0\n2,x,0.05,95\n").unwrap();
    let (code, _, err) = cli(&["coverage", "--sites", s, "--demand", d, "--thresholds", "5km"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("row 3: lat") && err.contains("row 3: population"), "{err}");
}
