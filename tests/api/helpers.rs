//! Shared test fixtures: a real server on a random port over a fresh SQLite file, with typed
//! request helpers, and a log sink the privacy tests read.

#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use assetmap::{App, AppState, Settings};
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

/// The admin token every test server accepts.
pub const TOKEN: &str = "test-admin-token";

/// Every log line written by any test server in this process.
pub fn logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let sink = Arc::new(Mutex::new(Vec::new()));
        let writer = {
            let sink = Arc::clone(&sink);
            move || SinkWriter(Arc::clone(&sink))
        };
        // Everything at info and above, as a deployment would log; TEST_LOG=1 also prints it.
        let _ =
            tracing_subscriber::fmt().with_env_filter("info").with_ansi(false).with_writer(writer).try_init();
        sink
    })
}

struct SinkWriter(Arc<Mutex<Vec<u8>>>);

impl Write for SinkWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if std::env::var_os("TEST_LOG").is_some() {
            std::io::stderr().write_all(buf)?;
        }
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The repository's data folder.
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data")
}

/// A running server and a client for it.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// HTTP client.
    pub client: reqwest::Client,
    /// The server's state (to look inside after a request).
    pub state: AppState,
    /// The SQLite file.
    pub db: PathBuf,
    /// Keeps the temporary folder alive.
    pub dir: Arc<tempfile::TempDir>,
}

/// Settings for a test server over `db` on a random port.
pub fn settings(db: &std::path::Path, demo: bool) -> Settings {
    let mut s = Settings::new(format!("sqlite://{}", db.display()));
    s.addr = "127.0.0.1:0".parse().unwrap();
    s.admin_token = Some(TOKEN.to_owned());
    s.demo = demo;
    s.data_dir = data_dir();
    s.web_dir = data_dir().join("../web");
    s
}

/// Starts a server on an empty database.
pub async fn spawn_app() -> TestApp {
    spawn(false).await
}

/// Starts a server seeded with the Miami-Dade demo data.
pub async fn spawn_demo() -> TestApp {
    spawn(true).await
}

async fn spawn(demo: bool) -> TestApp {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    spawn_on(dir.path().join("assetmap.db"), demo, dir).await
}

/// Starts a server over an existing database file (to test what survives a restart).
pub async fn spawn_on(db: PathBuf, demo: bool, dir: Arc<tempfile::TempDir>) -> TestApp {
    start(settings(&db, demo), db, dir).await
}

/// Starts a server on an empty (or demo) database with adjusted settings: another
/// translations folder, a public URL, ...
pub async fn spawn_configured(demo: bool, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let db = dir.path().join("assetmap.db");
    let mut s = settings(&db, demo);
    configure(&mut s);
    start(s, db, dir).await
}

async fn start(settings: Settings, db: PathBuf, dir: Arc<tempfile::TempDir>) -> TestApp {
    logs();
    let app = App::build(settings).await.expect("server starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    TestApp { base, client: reqwest::Client::new(), state, db, dir }
}

impl TestApp {
    /// GET a path (with query string).
    pub async fn get(&self, path: &str) -> Response {
        self.client.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    /// GET and parse JSON, asserting 200.
    pub async fn get_json(&self, path: &str) -> Value {
        let res = self.get(path).await;
        assert_eq!(res.status(), StatusCode::OK, "GET {path}");
        res.json().await.unwrap()
    }

    /// POST JSON with the admin token.
    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.client.post(format!("{}{path}", self.base)).bearer_auth(TOKEN).json(body).send().await.unwrap()
    }

    /// PATCH JSON with the admin token.
    pub async fn patch(&self, path: &str, body: &Value) -> Response {
        self.client.patch(format!("{}{path}", self.base)).bearer_auth(TOKEN).json(body).send().await.unwrap()
    }

    /// DELETE with the admin token.
    pub async fn delete(&self, path: &str) -> Response {
        self.client.delete(format!("{}{path}", self.base)).bearer_auth(TOKEN).send().await.unwrap()
    }

    /// Creates a partner and returns its id.
    pub async fn partner(&self, name: &str) -> String {
        let res = self.post("/api/v1/partners", &json!({"name": name})).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
    }

    /// Creates a site from `body` (partner_id added) and returns it.
    pub async fn site(&self, partner_id: &str, mut body: Value) -> Value {
        body["partner_id"] = json!(partner_id);
        let res = self.post("/api/v1/sites", &body).await;
        let status = res.status();
        let v: Value = res.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{v}");
        v
    }

    /// Number of sites in the store (read from the database, not the cache).
    pub async fn stored_sites(&self) -> usize {
        self.state.directory.store().load().await.unwrap().sites.len()
    }
}

/// Asserts a problem+json answer with `status`, naming `field` if given; returns the body.
pub async fn assert_problem(res: Response, status: u16, field: Option<&str>) -> Value {
    assert_eq!(res.status().as_u16(), status);
    let ct = res.headers().get("content-type").unwrap().to_str().unwrap().to_owned();
    assert_eq!(ct, "application/problem+json");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert!(body["type"].is_string() && body["title"].is_string() && body["detail"].is_string(), "{body}");
    if let Some(f) = field {
        let fields: Vec<&str> =
            body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&f), "expected field {f} in {fields:?}");
    }
    body
}

/// Great-circle distance in metres (haversine, mean Earth radius) — the brute-force reference.
pub fn haversine(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let a = ((p2 - p1) / 2.0).sin().powi(2)
        + p1.cos() * p2.cos() * ((lon2 - lon1).to_radians() / 2.0).sin().powi(2);
    2.0 * 6_371_008.771_4 * a.sqrt().asin()
}
