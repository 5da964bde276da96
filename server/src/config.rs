//! Typed settings for the server, filled from the command line and the environment.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything the server needs to start.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port (tests).
    pub addr: SocketAddr,
    /// `sqlite://path` (default `data/assetmap.db`), a bare path, or `postgres://...`.
    pub database_url: String,
    /// Bearer token that guards every write (`ASSETMAP_ADMIN_TOKEN`); `None` refuses all writes.
    pub admin_token: Option<String>,
    /// Seed an empty database with the shipped Miami-Dade demo data.
    pub demo: bool,
    /// Folder with the shipped data (ZIP centroids, demo data, census tracts).
    pub data_dir: PathBuf,
    /// Folder with the web UI.
    pub web_dir: PathBuf,
    /// A listing not verified for this many days is flagged stale.
    pub stale_after_days: i64,
    /// Largest request body accepted by ordinary write endpoints, in bytes.
    pub body_limit: usize,
    /// The address the public reaches this server at (`https://map.example.org`), used in
    /// the QR codes of printed sheets. `None`: taken from each request's `Host` header.
    pub public_url: Option<String>,
}

impl Settings {
    /// Defaults for a local run: 127.0.0.1:8080, `data/assetmap.db`.
    pub fn new(database_url: impl Into<String>) -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: database_url.into(),
            admin_token: None,
            demo: false,
            data_dir: default_dir("data"),
            web_dir: default_dir("web"),
            stale_after_days: 180,
            body_limit: 256 * 1024,
            public_url: None,
        }
    }
}

/// `./NAME` when run from the repository root, else the folder beside the crate (so tests and
/// `cargo run` from anywhere in the checkout find the shipped files).
pub fn default_dir(name: &str) -> PathBuf {
    let local = PathBuf::from(name);
    if local.is_dir() {
        return local;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(name)
}

/// The default database: `data/assetmap.db` beside the shipped data.
pub fn default_database_url() -> String {
    format!("sqlite://{}", default_dir("data").join("assetmap.db").display())
}
