//! Shared test fixtures: a real server on a random port over a fresh database — a SQLite file,
//! or a PostgreSQL database of its own on `TEST_POSTGRES_URL`'s server — with typed request
//! helpers, and a log sink the privacy tests read.
//!
//! [`both_stores!`] turns `async fn story(backend: Backend)` into two tests, `story::sqlite`
//! and `story::postgres`, so every story is told against both stores with one body.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use assetmap::{App, AppState, Settings};
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};
use sqlx::{Connection, PgConnection, Row};

/// Runs each named `async fn name(backend: Backend)` of the calling module as two tests,
/// `name::sqlite` and `name::postgres`.
macro_rules! both_stores {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await;
            }

            #[tokio::test]
            async fn postgres() {
                if $crate::helpers::postgres_runs(module_path!()) {
                    super::$name($crate::helpers::Backend::Postgres).await;
                }
            }
        }
    )+};
}

/// Runs each named `async fn name()` of the calling module as a PostgreSQL-only test
/// `name::postgres` (what only a shared database can do: several instances).
macro_rules! postgres_only {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn postgres() {
                if $crate::helpers::postgres_runs(module_path!()) {
                    super::$name().await;
                }
            }
        }
    )+};
}

/// Which database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temporary folder.
    Sqlite,
    /// A fresh database on `TEST_POSTGRES_URL`'s server.
    Postgres,
}

/// The PostgreSQL server the tests may use (`TEST_POSTGRES_URL`), if any.
fn postgres_admin_url() -> Option<String> {
    std::env::var("TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty())
}

/// Whether the PostgreSQL variant of `test` runs. Without `TEST_POSTGRES_URL` it says so on
/// the terminal (written past the test harness's capture, so it shows in a normal run) and
/// does not run — unless `CI` is set, where a PostgreSQL test that cannot run is a failure.
pub fn postgres_runs(test: &str) -> bool {
    if postgres_admin_url().is_some() {
        return true;
    }
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    assert!(!ci, "CI is set but TEST_POSTGRES_URL is not: the PostgreSQL tests must run in CI");
    let test = test.trim_start_matches("api::");
    let _ = writeln!(
        std::io::stderr(),
        "NOT RUN: {test}::postgres (set TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres to run it)"
    );
    false
}

/// A database of its own for one test: a SQLite file in a temporary folder, or a PostgreSQL
/// database created on `TEST_POSTGRES_URL`'s server and dropped (with any roles the test made)
/// when the last clone goes away. Clones share the same database: a second instance over it,
/// or a restart.
#[derive(Clone)]
pub struct TestDb {
    /// Which store.
    pub backend: Backend,
    /// What `--database` / `DATABASE_URL` is given.
    pub url: String,
    /// Scratch folder of the test (the SQLite file lives here).
    pub dir: Arc<tempfile::TempDir>,
    pg: Option<Arc<PgDatabase>>,
}

/// A PostgreSQL database made for one test.
struct PgDatabase {
    admin_url: String,
    name: String,
    roles: Mutex<Vec<String>>,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which cannot block on itself: use a thread.
        let (admin, name, roles) =
            (self.admin_url.clone(), self.name.clone(), self.roles.lock().unwrap().clone());
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let mut c = PgConnection::connect(&admin).await?;
                // `with (force)` ends the sessions of instances still running in this test.
                sqlx::query(&format!("drop database if exists \"{name}\" with (force)"))
                    .execute(&mut c)
                    .await?;
                for r in roles {
                    sqlx::query(&format!("drop role if exists \"{r}\"")).execute(&mut c).await?;
                }
                Ok::<_, sqlx::Error>(())
            })
        })
        .join();
        if let Ok(Err(e)) = done {
            let _ = writeln!(std::io::stderr(), "could not drop test database {}: {e}", self.name);
        }
    }
}

impl TestDb {
    /// A new, empty database.
    pub async fn new(backend: Backend) -> Self {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("assetmap.db").display());
                Self { backend, url, dir, pg: None }
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url().expect("TEST_POSTGRES_URL");
                let name = format!("assetmap_test_{}", uuid::Uuid::new_v4().simple());
                let mut c = PgConnection::connect(&admin_url)
                    .await
                    .unwrap_or_else(|e| panic!("cannot reach TEST_POSTGRES_URL's server: {e}"));
                sqlx::query(&format!("create database \"{name}\"")).execute(&mut c).await.unwrap();
                let url = with_path(&admin_url, &name);
                let pg = PgDatabase { admin_url, name, roles: Mutex::new(Vec::new()) };
                Self { backend, url, dir, pg: Some(Arc::new(pg)) }
            }
        }
    }

    /// The SQLite file, for the SQLite store.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        self.url.strip_prefix("sqlite://").map(PathBuf::from)
    }

    /// A connection to the PostgreSQL database, to look at it the way an operator would.
    pub async fn psql(&self) -> PgConnection {
        assert_eq!(self.backend, Backend::Postgres, "psql() is for PostgreSQL tests");
        PgConnection::connect(&self.url).await.unwrap()
    }

    /// Creates a login role that may do whatever the test server's own user may in this
    /// database (it is dropped with the database); returns the URL that connects as it.
    pub async fn role(&self, name: &str) -> String {
        let pg = self.pg.as_ref().expect("role() is for PostgreSQL tests");
        let role = format!("{}_{name}", pg.name);
        let mut c = self.psql().await;
        let me: String = sqlx::query_scalar("select current_user::text").fetch_one(&mut c).await.unwrap();
        sqlx::query(&format!("create role \"{role}\" login in role \"{me}\"")).execute(&mut c).await.unwrap();
        pg.roles.lock().unwrap().push(role.clone());
        let mut url = url::Url::parse(&self.url).unwrap();
        url.set_username(&role).unwrap();
        url.set_password(None).unwrap();
        url.to_string()
    }

    /// Everything the database holds, as text (to check what was never stored): the SQLite
    /// file and its write-ahead log, or every row of every PostgreSQL table.
    pub async fn stored_text(&self) -> String {
        if let Some(path) = self.sqlite_path() {
            let mut bytes = std::fs::read(&path).unwrap();
            bytes.extend(std::fs::read(path.with_extension("db-wal")).unwrap_or_default());
            return String::from_utf8_lossy(&bytes).into_owned();
        }
        let mut c = self.psql().await;
        let tables: Vec<String> = sqlx::query_scalar(
            "select table_name::text from information_schema.tables where table_schema = 'public'",
        )
        .fetch_all(&mut c)
        .await
        .unwrap();
        let mut text = String::new();
        for t in tables {
            let rows = sqlx::query(&format!("select t::text as row from \"{t}\" t"))
                .fetch_all(&mut c)
                .await
                .unwrap();
            for r in rows {
                text.push_str(r.get::<&str, _>("row"));
                text.push('\n');
            }
        }
        text
    }

    /// Restores a backup written by `assetmap backup` into a new database of the same kind: the
    /// SQLite copy is itself the database; a PostgreSQL archive goes through `pg_restore`.
    pub async fn restored_from(&self, backup: &Path) -> Self {
        let db = Self::new(self.backend).await;
        match self.backend {
            Backend::Sqlite => {
                std::fs::copy(backup, db.sqlite_path().unwrap()).unwrap();
            }
            Backend::Postgres => {
                let out = std::process::Command::new("pg_restore")
                    .args(["--no-owner", "--exit-on-error", "--dbname", &db.url])
                    .arg(backup)
                    .output()
                    .expect("pg_restore (PostgreSQL client tools) is installed");
                assert!(out.status.success(), "pg_restore: {}", String::from_utf8_lossy(&out.stderr));
            }
        }
        db
    }
}

/// `url` with its database name (path) replaced.
fn with_path(url: &str, database: &str) -> String {
    let mut u = url::Url::parse(url).expect("TEST_POSTGRES_URL is a URL");
    u.set_path(&format!("/{database}"));
    u.to_string()
}

/// The `assetmap` binary, built once per test run with the same profile as the tests (a test
/// crate cannot name another package's binary through `CARGO_BIN_EXE_*`). Fails the test, with
/// cargo's own words, if it cannot be built.
pub fn assetmap_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
            let mut cmd = std::process::Command::new(env!("CARGO"));
            cmd.args(["build", "--locked", "-p", "assetmap", "--bin", "assetmap", "--message-format=json"])
                .current_dir(&root)
                .stdin(std::process::Stdio::null());
            if !cfg!(debug_assertions) {
                cmd.arg("--release");
            }
            let out = cmd.output().expect("cargo runs");
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "cargo build -p assetmap failed:\n{}\n{stdout}",
                String::from_utf8_lossy(&out.stderr)
            );
            stdout
                .lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "assetmap")
                .find_map(|m| m["executable"].as_str().map(PathBuf::from))
                .expect("cargo build reports the assetmap executable")
        })
        .clone()
}

/// Polls `check` every 20 ms until it holds or `limit` passes; returns how long it took.
pub async fn eventually<F, Fut>(limit: Duration, what: &str, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return start.elapsed();
        }
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

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
    /// Its database.
    pub db: TestDb,
}

/// Settings for a test server over `url` on a random port. The change feed's safety poll is
/// set to an hour, so an instance that keeps up with another does so through the feed itself.
pub fn settings(url: &str, demo: bool) -> Settings {
    let mut s = Settings::new(url);
    s.addr = "127.0.0.1:0".parse().unwrap();
    s.admin_token = Some(TOKEN.into());
    s.demo = demo;
    s.data_dir = data_dir();
    s.web_dir = data_dir().join("../web");
    s.feed_poll = Duration::from_secs(3600);
    s.instance = format!("test-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    s
}

/// Starts a server on an empty database.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_on(&TestDb::new(backend).await, false).await
}

/// Starts a server seeded with the Miami-Dade demo data.
pub async fn spawn_demo(backend: Backend) -> TestApp {
    spawn_on(&TestDb::new(backend).await, true).await
}

/// Starts a server over an existing database (a restart, or a second instance).
pub async fn spawn_on(db: &TestDb, demo: bool) -> TestApp {
    spawn_with(db, settings(&db.url, demo)).await
}

/// Starts a server over `db` with these settings.
pub async fn spawn_with(db: &TestDb, settings: Settings) -> TestApp {
    logs();
    let app = App::build(settings).await.expect("server starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    TestApp { base, client: reqwest::Client::new(), state, db: db.clone() }
}

/// Starts a server on an empty (or demo) SQLite database with adjusted settings: another
/// translations folder, a public URL, ...
pub async fn spawn_configured(demo: bool, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let db = TestDb::new(Backend::Sqlite).await;
    let mut s = settings(&db.url, demo);
    configure(&mut s);
    spawn_with(&db, s).await
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

    /// GET and parse JSON with the admin token, asserting 200.
    pub async fn get_admin_json(&self, path: &str) -> Value {
        let res = self.client.get(format!("{}{path}", self.base)).bearer_auth(TOKEN).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "GET {path} (admin)");
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

    /// The `ETag` of the record at `path` (read with the admin token), as `If-Match` sends it.
    pub async fn etag(&self, path: &str) -> String {
        let res = self.client.get(format!("{}{path}", self.base)).bearer_auth(TOKEN).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "GET {path}");
        res.headers()["etag"].to_str().unwrap().to_owned()
    }

    /// PATCH JSON with the admin token from the record's current version (`If-Match` with the
    /// `ETag` of a `GET` just before), as a client that read it first does.
    pub async fn patch_current(&self, path: &str, body: &Value) -> Response {
        let tag = self.etag(path).await;
        let url = format!("{}{path}", self.base);
        self.client.patch(url).bearer_auth(TOKEN).header("if-match", tag).json(body).send().await.unwrap()
    }

    /// DELETE with the admin token from the record's current version (`If-Match`).
    pub async fn delete_current(&self, path: &str) -> Response {
        let tag = self.etag(path).await;
        let url = format!("{}{path}", self.base);
        self.client.delete(url).bearer_auth(TOKEN).header("if-match", tag).send().await.unwrap()
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
