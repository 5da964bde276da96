//! The deployment's own basemap (`--basemap FILE`): its style and tiles come from the server's
//! own origin with the right types and cache headers, a bad file stops the start with a clear
//! message, and the printed sheet draws the tiles' roads and place names.
//!
//! The archive is made here, by `tests/support/basemap.rs` (synthetic roads over Miami,
//! encoded with prost and packed with the pmtiles writer).

use std::io::Read;
use std::path::{Path, PathBuf};

use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::cli::cli;
use crate::helpers::{assert_problem, spawn_configured, TestApp};
use crate::sheets::map_svg;

#[path = "../support/basemap.rs"]
mod fixture;

/// A fresh archive in a temporary folder (kept alive by the returned guard).
fn archive() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("miami.pmtiles");
    fixture::write(&path, 13).unwrap();
    (dir, path)
}

async fn with_basemap(path: &Path) -> TestApp {
    let path = path.to_owned();
    spawn_configured(false, move |s| s.basemap = Some(path)).await
}

/// The XYZ tile of a point.
fn tile_of(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let r = lat.to_radians();
    let x = ((lon + 180.0) / 360.0 * n).floor() as u32;
    let y = ((1.0 - (r.tan() + 1.0 / r.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor() as u32;
    (x, y)
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).unwrap();
    out
}

#[tokio::test]
async fn the_page_is_told_to_use_the_servers_own_style_and_every_url_in_it_is_on_the_origin() {
    let (_dir, path) = archive();
    let app = with_basemap(&path).await;
    let config = app.get_json("/api/v1/config").await;
    assert_eq!(config["map"]["style_url"], "/basemap/style.json");
    assert_eq!(config["map"]["basemap"], true);

    let res = app.get("/basemap/style.json?lang=ar").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CACHE_CONTROL], "no-cache");
    let etag = res.headers()[ETAG].to_str().unwrap().to_owned();
    assert!(res.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("application/json"));
    let style: Value = res.json().await.unwrap();
    assert_eq!(style["version"], 8);
    assert_eq!(style["sources"]["basemap"]["tiles"], json!(["/basemap/tiles/{z}/{x}/{y}"]));
    assert_eq!(style["sources"]["basemap"]["attribution"], "Test streets © assetmap tests");
    assert!(style.get("glyphs").is_none() && style.get("sprite").is_none(), "no glyph or sprite server");
    // Every URL in the style is root-relative: nothing points at another host.
    let text = style.to_string();
    assert!(!text.contains("://"), "a URL leaves the origin: {text}");
    let layers = style["layers"].as_array().unwrap();
    assert!(layers.iter().any(|l| l["source-layer"] == "roads" && l["type"] == "line"));
    let places = layers.iter().find(|l| l["id"] == "basemap-places").unwrap();
    assert_eq!(places["layout"]["text-field"], json!(["coalesce", ["get", "name:ar"], ["get", "name"]]));
    // The font files the labels are drawn with are served by this server.
    let faces = style["font-faces"]["Noto Sans Regular"].as_array().unwrap();
    assert!(faces.len() >= 2);
    for face in faces {
        let url = face["url"].as_str().unwrap();
        let res = app.get(url).await;
        assert_eq!(res.status(), StatusCode::OK, "{url}");
        assert!(!res.bytes().await.unwrap().is_empty());
    }
    // Revalidation: the same version is 304.
    let res = app
        .client
        .get(format!("{}/basemap/style.json", app.base))
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    // A language the server does not know is named.
    assert_problem(app.get("/basemap/style.json?lang=xx-yy").await, 400, Some("lang")).await;
    assert_problem(app.get("/basemap/style.json?colour=red").await, 400, Some("colour")).await;
}

#[tokio::test]
async fn tiles_answer_as_vector_tiles_gzip_when_accepted_with_cache_headers() {
    let (_dir, path) = archive();
    let app = with_basemap(&path).await;
    let (x, y) = tile_of(-80.30, 25.774, 12);
    let url = format!("{}/basemap/tiles/12/{x}/{y}", app.base);

    let res = app.client.get(&url).header(ACCEPT_ENCODING, "gzip, deflate, br").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CONTENT_TYPE], "application/vnd.mapbox-vector-tile");
    assert_eq!(res.headers()[CONTENT_ENCODING], "gzip");
    assert_eq!(res.headers()[CACHE_CONTROL], "public, max-age=86400");
    assert_eq!(res.headers()["vary"], "Accept-Encoding");
    let etag = res.headers()[ETAG].to_str().unwrap().to_owned();
    let zipped = res.bytes().await.unwrap();
    let plain = gunzip(&zipped);
    assert!(String::from_utf8_lossy(&plain).contains(fixture::MAJOR_ROAD), "the tile carries the road");

    // A client that does not take gzip gets the same tile inflated.
    let res = app.client.get(&url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get(CONTENT_ENCODING).is_none());
    assert_eq!(res.bytes().await.unwrap().to_vec(), plain);

    let res = app.client.get(&url).header(IF_NONE_MATCH, &etag).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);

    // Outside the archive: an empty tile, not an error.
    let (fx, fy) = tile_of(-120.0, 40.0, 12);
    let res = app.get(&format!("/basemap/tiles/12/{fx}/{fy}")).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.headers()[CACHE_CONTROL], "public, max-age=86400");

    assert_problem(app.get("/basemap/tiles/2/4/0").await, 400, Some("x")).await;
    assert_problem(app.get("/basemap/tiles/2/0/9").await, 400, Some("y")).await;
    assert_problem(app.get("/basemap/tiles/31/0/0").await, 400, Some("z")).await;
    assert_problem(app.get("/basemap/tiles/a/0/0").await, 400, Some("z")).await;
}

#[tokio::test]
async fn without_a_basemap_the_routes_are_not_found_and_the_page_keeps_its_outline() {
    let app = spawn_configured(false, |_| {}).await;
    let config = app.get_json("/api/v1/config").await;
    assert_eq!(config["map"]["style_url"], Value::Null);
    assert_eq!(config["map"]["basemap"], false);
    assert_problem(app.get("/basemap/style.json").await, 404, None).await;
    assert_problem(app.get("/basemap/tiles/0/0/0").await, 404, None).await;
}

#[tokio::test]
async fn a_missing_or_bad_basemap_file_stops_the_start_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("a.db").display());
    let missing = dir.path().join("nowhere.pmtiles");
    let (code, _, err) =
        cli(&["serve", "--addr", "127.0.0.1:0", "--database", &db, "--basemap", missing.to_str().unwrap()])
            .await;
    assert_eq!(code, 1);
    assert!(
        err.contains("--basemap") && err.contains("nowhere.pmtiles") && err.contains("cannot read"),
        "{err}"
    );

    let text = dir.path().join("streets.pmtiles");
    std::fs::write(&text, "this is not a map\n").unwrap();
    let (code, _, err) =
        cli(&["serve", "--addr", "127.0.0.1:0", "--database", &db, "--basemap", text.to_str().unwrap()])
            .await;
    assert_eq!(code, 1);
    assert!(err.contains("streets.pmtiles") && err.contains("not a PMTiles archive"), "{err}");

    // The right magic but a broken archive.
    let cut = dir.path().join("cut.pmtiles");
    let (_keep, good) = archive();
    std::fs::write(&cut, &std::fs::read(good).unwrap()[..40]).unwrap();
    let (code, _, err) =
        cli(&["serve", "--addr", "127.0.0.1:0", "--database", &db, "--basemap", cut.to_str().unwrap()]).await;
    assert_eq!(code, 1);
    assert!(err.contains("cut.pmtiles") && err.contains("PMTiles"), "{err}");

    // An SQLite file that is not an MBTiles.
    let (code, _, err) = cli(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--database",
        &db,
        "--basemap",
        dir.path().join("a.db").to_str().unwrap(),
    ])
    .await;
    assert_eq!(code, 1);
    assert!(err.contains("a.db") && err.contains("MBTiles"), "{err}");
}

#[tokio::test]
async fn an_mbtiles_file_is_served_too_rows_counted_from_the_south() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("miami.mbtiles");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("CREATE TABLE metadata (name text, value text)").execute(&pool).await.unwrap();
    sqlx::query(
        "CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, tile_data blob)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let json =
        json!({"vector_layers": [{"id": "earth"}, {"id": "water"}, {"id": "roads"}, {"id": "places"}]});
    for (k, v) in [("format", "pbf"), ("minzoom", "12"), ("maxzoom", "12"), ("json", &json.to_string())] {
        sqlx::query("INSERT INTO metadata VALUES (?, ?)").bind(k).bind(v).execute(&pool).await.unwrap();
    }
    let (x, y) = tile_of(-80.30, 25.774, 12);
    let data = fixture::tile(&fixture::things(), 12, x, y).unwrap();
    let tms = (1i64 << 12) - 1 - i64::from(y);
    sqlx::query("INSERT INTO tiles VALUES (12, ?, ?, ?)")
        .bind(i64::from(x))
        .bind(tms)
        .bind(&data)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let app = with_basemap(&path).await;
    let res = app.get(&format!("/basemap/tiles/12/{x}/{y}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CONTENT_TYPE], "application/vnd.mapbox-vector-tile");
    assert_eq!(res.bytes().await.unwrap().to_vec(), data);
    // The same numbers read as a TMS row would be another tile.
    let res = app.get(&format!("/basemap/tiles/12/{x}/{tms}")).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let style = app.get_json("/basemap/style.json").await;
    assert_eq!(style["sources"]["basemap"]["minzoom"], 12);
}

fn site_body(name: &str, lon: f64, lat: f64) -> Value {
    json!({
        "name": name, "street": "1 NW 1st St", "city": "Miami", "state": "FL", "postal_code": "33128",
        "lon": lon, "lat": lat, "languages": ["en", "es"], "categories": ["legal"],
    })
}

#[tokio::test]
async fn the_printed_sheet_draws_the_roads_and_place_names_of_the_tiles() {
    let (_dir, path) = archive();
    let app = with_basemap(&path).await;
    let partner = app.partner("Ayuda").await;
    let a = app.site(&partner, site_body("Clinic A", -80.215, 25.772)).await;
    let b = app.site(&partner, site_body("Clinic B", -80.26, 25.80)).await;
    let ids = format!("{},{}", a["id"].as_str().unwrap(), b["id"].as_str().unwrap());

    let html = app.get(&format!("/referral?sites={ids}&lang=en")).await.text().await.unwrap();
    let svg = map_svg(&html);
    assert!(svg.contains(r#"<path class="road road-major" d="M"#), "major roads drawn: {svg}");
    assert!(svg.contains(r#"<path class="road" d="M"#), "streets drawn");
    assert!(svg.contains(&format!(">{}</text>", fixture::CITY)), "the city is named: {svg}");
    assert!(svg.contains(&format!(">{}</text>", fixture::HOOD)), "the neighbourhood is named");
    assert!(html.contains("Test streets © assetmap tests"), "the tiles' credit is printed");
    // Nothing on the printed page is fetched: no image, no external reference in the map.
    assert!(!svg.contains("href") && !svg.contains("<image"));

    let html = app.get(&format!("/referral?sites={ids}&lang=ar")).await.text().await.unwrap();
    let svg = map_svg(&html);
    assert!(svg.contains(&format!(">{}</text>", fixture::CITY_AR)), "names in the sheet's language");

    // The public site page draws them too.
    let html = app.get(&format!("/s/{}?lang=es", a["id"].as_str().unwrap())).await.text().await.unwrap();
    assert!(map_svg(&html).contains("road road-major"));
}

#[tokio::test]
async fn without_a_basemap_the_sheet_has_no_roads() {
    let app = spawn_configured(false, |_| {}).await;
    let partner = app.partner("Ayuda").await;
    let a = app.site(&partner, site_body("Clinic A", -80.215, 25.772)).await;
    let html = app
        .get(&format!("/referral?sites={}&lang=en", a["id"].as_str().unwrap()))
        .await
        .text()
        .await
        .unwrap();
    let svg = map_svg(&html);
    assert!(!svg.contains("class=\"road") && !svg.contains("class=\"place"));
}
