//! A confidential site (a shelter) can be counted but never located — not by any answer, and not
//! by many answers combined. These tests attack a shelter as an outsider would, with no account,
//! and hold the best estimate to the bound the stand-in allows.
//!
//! The shelter stands about 2.9 km from the internal point of its ZIP code area (33125). Every
//! public answer is computed from that internal point (its stand-in), so however many answers
//! an attacker combines, the best estimate is the stand-in: no closer to the shelter than the
//! stand-in itself. Before stand-ins, distances were measured from the true point and rounded
//! to whole kilometres, and the same attacks put the shelter within metres of its place.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{haversine, spawn_app, Backend, TestApp};

/// The shelter's true place: away from the centre of its ZIP area, and nothing else is there.
const SHELTER: (f64, f64) = (-80.2130, 25.7991);
/// The internal point of ZCTA 33125 (`data/zcta_centroids.csv`): the shelter's stand-in.
const ZIP_33125: (f64, f64) = (-80.236333, 25.783834);
/// The distance an attacker bisects for: every probe answers "nearer" or "farther" than this.
const RADIUS_M: f64 = 4_500.0;

/// A partner with the shelter (housing, confidential, ZIP 33125) and nothing else of its kind.
async fn shelter(app: &TestApp) -> String {
    let p = app.partner("Safe Harbor").await;
    let s = app
        .site(
            &p,
            json!({"name": "Safe Harbor House", "lon": SHELTER.0, "lat": SHELTER.1, "street": "100 Hidden Way",
                   "city": "Miami", "state": "FL", "postal_code": "33125",
                   "categories": ["housing"], "confidential": true}),
        )
        .await;
    s["id"].as_str().unwrap().to_owned()
}

/// Metres east and north of `origin` (a local plane; errors are centimetres at these distances).
fn to_plane(origin: (f64, f64), p: (f64, f64)) -> (f64, f64) {
    let r = 6_371_008.771_4_f64;
    let x = (p.0 - origin.0).to_radians() * r * origin.1.to_radians().cos();
    let y = (p.1 - origin.1).to_radians() * r;
    (x, y)
}

fn from_plane(origin: (f64, f64), (x, y): (f64, f64)) -> (f64, f64) {
    let r = 6_371_008.771_4_f64;
    (origin.0 + (x / (r * origin.1.to_radians().cos())).to_degrees(), origin.1 + (y / r).to_degrees())
}

/// The centre of the circle through three points: where a site must be if all three lie at the
/// same distance from it.
fn circumcentre(a: (f64, f64), b: (f64, f64), c: (f64, f64)) -> (f64, f64) {
    let d = 2.0 * (a.0 * (b.1 - c.1) + b.0 * (c.1 - a.1) + c.0 * (a.1 - b.1));
    let n = |p: (f64, f64)| p.0 * p.0 + p.1 * p.1;
    let x = (n(a) * (b.1 - c.1) + n(b) * (c.1 - a.1) + n(c) * (a.1 - b.1)) / d;
    let y = (n(a) * (c.0 - b.0) + n(b) * (a.0 - c.0) + n(c) * (b.0 - a.0)) / d;
    (x, y)
}

/// Three rays an attacker walks: from 9 km out towards the public centre of the ZIP area (a
/// first guess anyone has), from three sides.
fn rays() -> Vec<((f64, f64), (f64, f64))> {
    [20.0_f64, 140.0, 260.0]
        .iter()
        .map(|deg| {
            let a = deg.to_radians();
            let start = from_plane(ZIP_33125, (9_000.0 * a.cos(), 9_000.0 * a.sin()));
            (start, ZIP_33125)
        })
        .collect()
}

fn along(ray: ((f64, f64), (f64, f64)), t: f64) -> (f64, f64) {
    let ((x0, y0), (x1, y1)) = ray;
    (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)
}

/// The distance the public is told from `from` to the shelter, by an anonymous nearest query.
async fn told_distance(app: &TestApp, from: (f64, f64)) -> f64 {
    let v = app
        .get_json(&format!("/api/v1/nearest?lon={:.7}&lat={:.7}&category=housing&k=1", from.0, from.1))
        .await;
    let r = &v["results"][0];
    assert_eq!(r["name"], "Safe Harbor House", "the shelter is found: {v}");
    assert!(r["lon"].is_null() && r["lat"].is_null() && r["street"].is_null(), "{r}");
    r["distance_m"].as_f64().unwrap()
}

/// The attack of the issue: about a hundred anonymous nearest queries, bisecting along three
/// rays for where the answer turns from "farther than 4.5 km" to "nearer", then the centre of
/// the circle through the three crossings.
async fn trilaterate_by_nearest(app: &TestApp) -> ((f64, f64), usize) {
    let mut crossings = Vec::new();
    let mut queries = 0;
    for ray in rays() {
        let (mut far, mut near) = (0.0, 1.0);
        assert!(told_distance(app, along(ray, far)).await >= RADIUS_M);
        assert!(told_distance(app, along(ray, near)).await < RADIUS_M);
        queries += 2;
        for _ in 0..32 {
            let mid = (far + near) / 2.0;
            queries += 1;
            if told_distance(app, along(ray, mid)).await < RADIUS_M {
                near = mid;
            } else {
                far = mid;
            }
        }
        crossings.push(to_plane(ZIP_33125, along(ray, (far + near) / 2.0)));
    }
    (from_plane(ZIP_33125, circumcentre(crossings[0], crossings[1], crossings[2])), queries)
}

/// The same attack through one anonymous gap analysis: a line of demand points every 5.6 m
/// along each ray (4,803 in all, under the anonymous limit), and the `nearest_m` the answer
/// gives each of them.
async fn trilaterate_by_gaps(app: &TestApp) -> (f64, f64) {
    let steps = 1_600;
    let mut demand = String::from("id,lon,lat,weight\n");
    for (r, ray) in rays().into_iter().enumerate() {
        for i in 0..=steps {
            let p = along(ray, i as f64 / steps as f64);
            demand.push_str(&format!("r{r}s{i},{:.7},{:.7},1\n", p.0, p.1));
        }
    }
    let res = app
        .client
        .post(format!("{}/api/v1/gaps?category=housing&threshold_m=1000&f=csv&top=0", app.base))
        .body(demand)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let csv = res.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{csv}");
    let mut nearest = std::collections::HashMap::new();
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        nearest.insert(f[0].to_owned(), f[5].parse::<f64>().unwrap());
    }
    let mut crossings = Vec::new();
    for (r, ray) in rays().into_iter().enumerate() {
        let first_near = (0..=steps).find(|i| nearest[&format!("r{r}s{i}")] < RADIUS_M).unwrap();
        assert!(first_near > 0);
        let t = (first_near as f64 - 0.5) / steps as f64;
        crossings.push(to_plane(ZIP_33125, along(ray, t)));
    }
    from_plane(ZIP_33125, circumcentre(crossings[0], crossings[1], crossings[2]))
}

/// The bound: no estimate may come closer to the shelter than its stand-in is, less the
/// attack's own precision (a few metres of bisection, 5 m of grid).
fn assert_not_located(estimate: (f64, f64), how: &str) {
    let to_shelter = haversine(estimate.0, estimate.1, SHELTER.0, SHELTER.1);
    let stand_in_to_shelter = haversine(ZIP_33125.0, ZIP_33125.1, SHELTER.0, SHELTER.1);
    assert!(stand_in_to_shelter > 2_500.0, "the test shelter stands well away from its ZIP centre");
    assert!(
        to_shelter >= stand_in_to_shelter - 50.0,
        "{how} placed the shelter {to_shelter:.1} m from its true place; the stand-in is \
         {stand_in_to_shelter:.0} m away, so no estimate may be closer than that"
    );
    // The attack itself works: what it finds is the stand-in, a public point.
    let to_stand_in = haversine(estimate.0, estimate.1, ZIP_33125.0, ZIP_33125.1);
    assert!(to_stand_in < 50.0, "{how} found {estimate:?}, {to_stand_in:.1} m from the stand-in");
}

#[tokio::test]
async fn a_hundred_anonymous_searches_do_not_locate_a_shelter() {
    let app = spawn_app(Backend::Sqlite).await;
    shelter(&app).await;
    let (estimate, queries) = trilaterate_by_nearest(&app).await;
    assert!(queries <= 110, "{queries}");
    assert_not_located(estimate, "bisecting nearest answers");
}

#[tokio::test]
async fn an_anonymous_demand_grid_does_not_locate_a_shelter() {
    let app = spawn_app(Backend::Sqlite).await;
    shelter(&app).await;
    assert_not_located(trilaterate_by_gaps(&app).await, "a demand grid's nearest_m");
}

/// The shelter is still found and counted: by its stand-in's distance, like any other site.
#[tokio::test]
async fn a_shelter_is_ranked_and_counted_by_its_stand_in() {
    let app = spawn_app(Backend::Sqlite).await;
    let id = shelter(&app).await;
    let p = app.partner("Open Door").await;
    // A public shelter 1.5 km from the confidential one's true place, but 3.9 km from its
    // stand-in; searched from right beside the true place, the public one comes first.
    let open = (-80.2000, 25.8050);
    app.site(&p, json!({"name": "Open Door", "lon": open.0, "lat": open.1, "categories": ["housing"]})).await;
    let from = (SHELTER.0 + 0.0005, SHELTER.1);
    let v =
        app.get_json(&format!("/api/v1/nearest?lon={}&lat={}&category=housing&k=2", from.0, from.1)).await;
    let names: Vec<&str> =
        v["results"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Open Door", "Safe Harbor House"], "{v}");
    let told = v["results"][1]["distance_m"].as_f64().unwrap();
    let stand_in = haversine(from.0, from.1, ZIP_33125.0, ZIP_33125.1);
    assert!((told - stand_in).abs() <= 500.0, "told {told}, stand-in at {stand_in}");
    assert_eq!(v["results"][1]["location_withheld"], true);
    assert_eq!(v["results"][1]["postal_code"], "33125", "the ZIP is public: the stand-in is its centre");

    // Counted in coverage at its stand-in: people at the stand-in are within 100 m of help,
    // people on the true place are not within 1 km of it (the public shelter is 1.5 km off).
    let demand = format!(
        "id,lon,lat,weight\nat_stand_in,{},{},7\non_shelter,{},{},11\n",
        ZIP_33125.0, ZIP_33125.1, SHELTER.0, SHELTER.1
    );
    let res = app
        .client
        .post(format!("{}/api/v1/gaps?category=housing&threshold_m=1000", app.base))
        .body(demand)
        .send()
        .await
        .unwrap();
    let g: Value = res.json().await.unwrap();
    assert_eq!(g["population_beyond"], 11, "{g}");

    // Admins see the true place, and the stand-in the public is given.
    let admin = app.get_admin_json(&format!("/api/v1/sites/{id}")).await;
    assert_eq!((admin["lon"].as_f64(), admin["lat"].as_f64()), (Some(SHELTER.0), Some(SHELTER.1)));
    assert_eq!(admin["stand_in"]["basis"], "zip", "{admin}");
    assert_eq!(admin["stand_in"]["lon"].as_f64(), Some(ZIP_33125.0));
    // The public does not.
    let public = app.get_json(&format!("/api/v1/sites/{id}")).await;
    assert!(public["lon"].is_null() && public.get("stand_in").is_none(), "{public}");
}

/// A shelter whose ZIP code itself would say too much withholds it: the public sees no ZIP,
/// and the site stands at the centre of its H3 resolution-7 cell instead.
#[tokio::test]
async fn a_shelter_can_withhold_its_zip_code() {
    let app = spawn_app(Backend::Sqlite).await;
    let p = app.partner("Quiet Refuge").await;
    let s = app
        .site(
            &p,
            json!({"name": "Quiet Refuge", "lon": SHELTER.0, "lat": SHELTER.1, "postal_code": "33125",
                   "categories": ["housing"], "confidential": true, "withhold_zip": true}),
        )
        .await;
    let id = s["id"].as_str().unwrap();
    let admin = app.get_admin_json(&format!("/api/v1/sites/{id}")).await;
    assert_eq!(admin["withhold_zip"], true);
    assert_eq!(admin["stand_in"]["basis"], "h3", "{admin}");
    let (sx, sy) = (admin["stand_in"]["lon"].as_f64().unwrap(), admin["stand_in"]["lat"].as_f64().unwrap());
    let off = haversine(sx, sy, SHELTER.0, SHELTER.1);
    assert!(off > 0.0 && off < 1_500.0, "an H3 resolution-7 cell is about 1.2 km across the edge: {off}");
    for path in [format!("/api/v1/sites/{id}"), "/api/v1/nearest?zip=33125&category=housing".to_owned()] {
        let v = app.get_json(&path).await;
        let r = if v["results"].is_array() { v["results"][0].clone() } else { v };
        assert_eq!(r["name"], "Quiet Refuge");
        assert!(r["postal_code"].is_null() && r["lon"].is_null(), "{r}");
    }
}

/// Every answer that carries where a family is may be kept by no browser, proxy or CDN.
#[tokio::test]
async fn answers_that_carry_a_familys_place_are_never_stored() {
    let app = spawn_app(Backend::Sqlite).await;
    let p = app.partner("Clinic").await;
    let site =
        app.site(&p, json!({"name": "Clinic", "lon": -80.2, "lat": 25.78, "categories": ["health"]})).await;
    let id = site["id"].as_str().unwrap();
    for path in [
        "/api/v1/nearest?zip=33125&category=health".to_owned(),
        "/api/v1/nearest?lon=-80.2&lat=95".to_owned(),
        "/api/v1/nearest?zip=99999".to_owned(),
        "/hsds/service_at_locations?postcode=33125&proximity=5000".to_owned(),
        "/hsds/service_at_locations?postcode=3312".to_owned(),
        format!("/referral?sites={id}&from=25.7838,-80.2363"),
        format!("/referral?sites={id}&from=33125&format=txt"),
        format!("/referral?sites={id}&from=95,200"),
    ] {
        let res = app.get(&path).await;
        assert_eq!(
            res.headers().get("cache-control").and_then(|v| v.to_str().ok()),
            Some("no-store"),
            "{path} answered {}",
            res.status()
        );
    }
}

/// An anonymous uploaded demand is bounded (the cost of one request); an account is not.
#[tokio::test]
async fn anonymous_demand_uploads_are_bounded() {
    let app = crate::helpers::spawn_configured(false, |s| s.anonymous_demand_points = 100).await;
    let p = app.partner("Clinic").await;
    app.site(&p, json!({"name": "Clinic", "lon": -80.2, "lat": 25.78, "categories": ["health"]})).await;
    let demand = |n: usize| {
        let mut d = String::from("id,lon,lat,weight\n");
        for i in 0..n {
            d.push_str(&format!("p{i},{:.4},25.7,1\n", -80.3 + i as f64 * 0.001));
        }
        d
    };
    for path in ["/api/v1/gaps?category=health&threshold_m=5000", "/api/v1/coverage"] {
        let url = format!("{}{path}", app.base);
        let ok = app.client.post(&url).body(demand(100)).send().await.unwrap();
        assert_eq!(ok.status(), StatusCode::OK, "{path}");
        let over = app.client.post(&url).body(demand(101)).send().await.unwrap();
        let problem = crate::helpers::assert_problem(over, 422, Some("body")).await;
        assert!(problem["detail"].as_str().unwrap().contains("at most 100"), "{problem}");
        // Bad credentials are the public too.
        let bad = app.client.post(&url).bearer_auth("wrong").body(demand(101)).send().await.unwrap();
        assert_eq!(bad.status(), 422, "{path}");
        let admin =
            app.client.post(&url).bearer_auth(crate::helpers::TOKEN).body(demand(101)).send().await.unwrap();
        assert_eq!(admin.status(), StatusCode::OK, "{path}");
    }
}
