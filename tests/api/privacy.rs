//! Where a family searched from is never written down.

use crate::helpers::{logs, spawn_demo, Backend};

async fn request_logs_never_contain_the_search_origin(backend: Backend) {
    let app = spawn_demo(backend).await;
    // Distinctive values that appear nowhere else in the data.
    app.get_json("/api/v1/nearest?lon=-80.2298765&lat=25.7712345&category=legal").await;
    app.get_json("/api/v1/nearest?zip=33133&category=health&lang=es").await;
    let bad = app.get("/api/v1/nearest?lon=-80.1357913&lat=95.2468024").await;
    assert_eq!(bad.status(), 400);
    // The Open Referral API's proximity search and a referral sheet's distances carry it too.
    let hsds = app.get("/hsds/service_at_locations?postcode=33156&proximity=7").await;
    assert_eq!(hsds.status(), 200);
    let bad = app.get("/hsds/service_at_locations?postcode=33157-98&proximity=7").await;
    assert_eq!(bad.status(), 400);
    let sheet =
        app.get("/referral?sites=00000000-0000-0000-0000-000000000000&from=25.6612345,-80.3198765").await;
    assert_eq!(sheet.status(), 404);
    let raw = String::from_utf8(logs().lock().unwrap().clone()).unwrap();
    // Every test server of the process logs here. Each line's timestamp (microseconds) and the
    // random ports servers listen on are digits in which any five-digit number turns up sooner
    // or later (`…:12.331334Z` holds 33133); the check reads everything else.
    let text: String = raw
        .lines()
        .filter(|l| !l.contains(" listening addr="))
        .map(|l| l.split_once(' ').map_or(l, |(_timestamp, rest)| rest))
        .collect::<Vec<_>>()
        .join("\n");
    // Logging is on and records the requests ...
    assert!(text.contains("route=\"/api/v1/nearest\""), "request log present");
    assert!(text.contains("status=400"));
    assert!(text.contains("route=\"/hsds/service_at_locations\""), "the HSDS search is logged too");
    // ... but never where they came from.
    for secret in [
        "80.2298765",
        "25.7712345",
        "33133",
        "80.1357913",
        "95.2468024",
        "33156",
        "33157",
        "25.6612345",
        "80.3198765",
        "lon=",
        "lat=",
        "zip=",
        "postcode=",
        "proximity=",
        "from=",
    ] {
        assert!(!text.contains(secret), "log contains {secret}");
    }
    // Nor is it stored: the database (file and log, or every table) holds directory data only.
    let stored = app.db.stored_text().await;
    assert!(stored.contains("ABRIENDO PUERTAS"), "the check reads the real data");
    for secret in ["80.2298765", "25.7712345"] {
        assert!(!stored.contains(secret), "the database holds {secret}");
    }
}

both_stores!(request_logs_never_contain_the_search_origin,);
