//! Where a family searched from is never written down.

use crate::helpers::{logs, spawn_demo};

#[tokio::test]
async fn request_logs_never_contain_the_search_origin() {
    let app = spawn_demo().await;
    // Distinctive values that appear nowhere else in the data.
    app.get_json("/api/v1/nearest?lon=-80.2298765&lat=25.7712345&category=legal").await;
    app.get_json("/api/v1/nearest?zip=33133&category=health&lang=es").await;
    let bad = app.get("/api/v1/nearest?lon=-80.1357913&lat=95.2468024").await;
    assert_eq!(bad.status(), 400);
    let text = String::from_utf8(logs().lock().unwrap().clone()).unwrap();
    // Logging is on and records the requests ...
    assert!(text.contains("route=\"/api/v1/nearest\""), "request log present");
    assert!(text.contains("status=400"));
    // ... but never where they came from.
    for secret in ["80.2298765", "25.7712345", "33133", "80.1357913", "95.2468024", "lon=", "lat=", "zip="] {
        assert!(!text.contains(secret), "log contains {secret}");
    }
    // Nor is it stored: the database holds directory data only.
    let db = std::fs::read(&app.db).unwrap();
    let wal = std::fs::read(app.db.with_extension("db-wal")).unwrap_or_default();
    for secret in ["80.2298765", "25.7712345"] {
        assert!(
            !String::from_utf8_lossy(&db).contains(secret) && !String::from_utf8_lossy(&wal).contains(secret)
        );
    }
}
