//! A counselor looks for help near a family.

use serde_json::Value;

use crate::helpers::{haversine, spawn_demo, Backend};

fn speaks(site: &Value, lang: &str) -> bool {
    let has = |v: &Value| v.as_array().is_some_and(|a| a.iter().any(|l| l == lang));
    has(&site["languages"]) || site["phones"].as_array().unwrap().iter().any(|p| has(&p["languages"]))
}

async fn five_nearest_legal_services_near_33125_that_speak_haitian_creole(backend: Backend) {
    let app = spawn_demo(backend).await;
    let body = app.get_json("/api/v1/nearest?zip=33125&category=legal&lang=ht&k=5").await;
    assert_eq!(body["origin"]["source"], "zip");
    let (olon, olat) = (body["origin"]["lon"].as_f64().unwrap(), body["origin"]["lat"].as_f64().unwrap());
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);

    // The brute-force answer over every public site.
    let all = app.get_json("/api/v1/sites?category=legal&lang=ht&limit=10000").await;
    let mut expected: Vec<(f64, String)> = all["sites"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["mapped"] == true)
        .map(|s| {
            (
                haversine(olon, olat, s["lon"].as_f64().unwrap(), s["lat"].as_f64().unwrap()),
                s["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    expected.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut last = 0.0;
    for (r, (d, id)) in results.iter().zip(&expected) {
        assert_eq!(r["id"].as_str().unwrap(), id);
        let got = r["distance_m"].as_f64().unwrap();
        assert!((got - d).abs() < 0.1, "{got} vs {d}");
        assert!(got >= last, "ordered by distance");
        last = got;
        assert!(r["categories"].as_array().unwrap().iter().any(|c| c == "legal"));
        assert!(speaks(r, "ht"), "{} speaks ht", r["name"]);
        // Every listing says when it was verified; the 2019 export is stale.
        assert!(r["last_verified_at"].is_string());
        assert_eq!(r["stale"], true);
    }
}

async fn nearest_from_coordinates_matches_brute_force_for_every_category(backend: Backend) {
    let app = spawn_demo(backend).await;
    let cats = app.get_json("/api/v1/categories").await;
    // The server's own records, confidential sites at their stand-ins (where public answers
    // measure them from).
    let sites: Vec<(Vec<String>, f64, f64)> = {
        let catalog = app.state.directory.read();
        catalog
            .sites()
            .filter_map(|s| {
                let at = catalog.public_location(s)?;
                Some((s.categories.iter().map(|c| c.to_string()).collect(), at.lon(), at.lat()))
            })
            .collect()
    };
    assert!(sites.len() > 500);
    let origins = [(-80.19, 25.77), (-80.35, 25.55), (-80.13, 25.93), (-80.45, 25.47)];
    for c in cats["categories"].as_array().unwrap() {
        let slug = c["slug"].as_str().unwrap();
        for (lon, lat) in origins {
            let body =
                app.get_json(&format!("/api/v1/nearest?lon={lon}&lat={lat}&category={slug}&k=7")).await;
            let got = body["results"].as_array().unwrap();
            let mut want: Vec<f64> = sites
                .iter()
                .filter(|s| s.0.iter().any(|x| x == slug))
                .map(|s| haversine(lon, lat, s.1, s.2))
                .collect();
            want.sort_by(f64::total_cmp);
            want.truncate(7);
            assert_eq!(got.len(), want.len(), "{slug} at {lon},{lat}");
            for (g, w) in got.iter().zip(&want) {
                let d = g["distance_m"].as_f64().unwrap();
                // Confidential sites report whole kilometres.
                let tolerance = if g["location_withheld"] == true { 500.0 } else { 0.1 };
                assert!((d - w).abs() <= tolerance, "{slug}: {d} vs {w}");
            }
        }
    }
}

async fn filters_and_max_distance_narrow_the_answer(backend: Backend) {
    let app = spawn_demo(backend).await;
    let near = app.get_json("/api/v1/nearest?lon=-80.2&lat=25.78&category=health&k=100&max_m=3000").await;
    let results = near["results"].as_array().unwrap();
    let far = app.get_json("/api/v1/nearest?lon=-80.2&lat=25.78&category=health&k=100").await;
    let within: Vec<&Value> = far["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["distance_m"].as_f64().unwrap() <= 3000.0)
        .collect();
    assert!(!results.is_empty() && results.len() < 100, "{}", results.len());
    assert_eq!(results.iter().collect::<Vec<_>>(), within, "max_m keeps exactly the sites within 3 km");

    // Open on a Saturday morning: every answer has a Saturday span covering 10:00.
    let sat = app
        .get_json("/api/v1/nearest?lon=-80.2&lat=25.78&category=health&k=10&open_at=2026-11-28T10:00")
        .await;
    for r in sat["results"].as_array().unwrap() {
        let spans = r["hours"]["weekly"].as_array().unwrap();
        assert!(
            spans.iter().any(|s| s["day"] == "sat"
                && s["opens"].as_str().unwrap() <= "10:00"
                && s["closes"].as_str().unwrap() > "10:00"),
            "{} is not open Saturday 10:00: {spans:?}",
            r["name"]
        );
    }
}

both_stores!(
    five_nearest_legal_services_near_33125_that_speak_haitian_creole,
    nearest_from_coordinates_matches_brute_force_for_every_category,
    filters_and_max_distance_narrow_the_answer,
);
