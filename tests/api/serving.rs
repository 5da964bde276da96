//! However the server spreads its work over the cores — one pinned runtime per core (the
//! default), more runtimes than cores, or one shared work-stealing runtime — a counselor's
//! searches, a partner's edits and the map page's files are all answered the same.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::spawn_configured;

async fn answers_the_same_on(threads: Option<usize>) {
    let app = spawn_configured(true, |s| s.http_threads = threads).await;
    let q = "/api/v1/nearest?zip=33125&category=legal&lang=ht&k=5";
    let first = app.get_json(q).await;
    assert_eq!(first["results"].as_array().unwrap().len(), 5, "{threads:?}");

    // Many searches on one keep-alive connection: each answered, and alike, even when the
    // server asks the connection to move to another core on the way.
    for _ in 0..100 {
        assert_eq!(app.get_json(q).await["results"], first["results"], "{threads:?}");
    }

    // A write (handed to the shared runtime on the per-core runtimes) shows at once in a
    // search (answered on the core).
    let partner = app.partner("Clínica del Sábado").await;
    let site = app
        .site(
            &partner,
            json!({"name": "Clínica del Sábado", "lon": -80.2363, "lat": 25.7838, "categories": ["legal"],
                   "languages": ["ht"]}),
        )
        .await;
    let near = app.get_json(q).await;
    assert_eq!(near["results"][0]["id"], site["id"], "{threads:?}");

    // A request with credentials, and the map page.
    let res = app.client.get(format!("{}/api/v1/sites/{}", app.base, site["id"].as_str().unwrap()));
    let res = res.bearer_auth(crate::helpers::TOKEN).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["name"], "Clínica del Sábado");
    let page = app.get("/").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("<html"), "{threads:?}");
}

#[tokio::test]
async fn per_core_runtimes_answer_searches_edits_and_pages() {
    answers_the_same_on(None).await;
}

#[tokio::test]
async fn more_runtimes_than_cores_answer_alike() {
    answers_the_same_on(Some(3)).await;
}

#[tokio::test]
async fn the_shared_runtime_answers_alike() {
    answers_the_same_on(Some(0)).await;
}
