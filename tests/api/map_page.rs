//! The map page starts from `GET /api/v1/config` and is served from `web/` by the same server.

use serde_json::Value;

use crate::helpers::{spawn_demo, Backend};

#[tokio::test]
async fn the_page_learns_its_basemap_area_and_languages_from_the_config() {
    let app = spawn_demo(Backend::Sqlite).await;
    let config = app.get_json("/api/v1/config").await;
    // No style URL configured: the page draws its own offline basemap.
    assert_eq!(config["map"]["style_url"], Value::Null);
    assert_eq!(config["stale_after_days"], 180);
    // The demo data is Miami-Dade: the box the page opens on lies around it.
    let b: Vec<f64> = config["map"]["bbox"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    assert!(b[0] < -80.2 && b[2] > -80.3 && b[1] < 25.8 && b[3] > 25.7, "{b:?}");
    assert!(b[0] > -81.5 && b[2] < -79.9 && b[1] > 24.0 && b[3] < 26.5, "{b:?}");
    // One entry per translation file, English first; Arabic is right-to-left.
    let langs = config["languages"].as_array().unwrap();
    assert_eq!(langs[0]["code"], "en");
    assert_eq!(langs[0]["reviewed"], langs[0]["strings"]);
    let ar = langs.iter().find(|l| l["code"] == "ar").expect("ar");
    assert_eq!(ar["dir"], "rtl");
    for code in ["es", "ht"] {
        assert!(langs.iter().any(|l| l["code"] == code), "{code}");
    }
}

#[tokio::test]
async fn the_map_page_is_served_at_the_root() {
    let app = spawn_demo(Backend::Sqlite).await;
    let res = app.get("/").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("<html") && html.contains("js/main.js"), "{html:.200}");
}
