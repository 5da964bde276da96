//! Typed settings for the server, filled from the command line and the environment.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;

/// Everything the server needs to start.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port (tests).
    pub addr: SocketAddr,
    /// `sqlite://path` (default `data/assetmap.db`), a bare path, or `postgres://...` (which may
    /// hold a password: kept secret, never in `Debug` output).
    pub database_url: SecretString,
    /// Bearer token that guards every write (`ASSETMAP_ADMIN_TOKEN`); `None` refuses all writes.
    pub admin_token: Option<SecretString>,
    /// Seed an empty database with the shipped Miami-Dade demo data.
    pub demo: bool,
    /// Folder with the shipped data (ZIP centroids, demo data, census tracts).
    pub data_dir: PathBuf,
    /// Folder with the web UI.
    pub web_dir: PathBuf,
    /// A listing not verified for this many days is flagged stale.
    pub stale_after_days: i64,
    /// When listings not verified for a while are hidden from public results
    /// (`--hide-after-days`); see [`Settings::effective_hide_after_days`].
    pub hide_after_days: HideAfter,
    /// Largest request body accepted by ordinary write endpoints, in bytes.
    pub body_limit: usize,
    /// A MapLibre style URL for the map page's basemap (`--map-style-url`); `None` keeps the
    /// built-in offline basemap (state and county lines), so the page needs no network.
    pub map_style_url: Option<String>,
    /// The deployment's own basemap (`--basemap FILE`): a PMTiles or MBTiles archive of
    /// vector tiles served from this origin with its style; see [`crate::basemap`].
    pub basemap: Option<PathBuf>,
    /// The address the public reaches this server at (`https://map.example.org`), used in
    /// the QR codes of printed sheets. `None`: taken from each request's `Host` header.
    pub public_url: Option<String>,
    /// Counties whose census tracts are the demand of gap analyses (`ASSETMAP_SERVICE_AREA`).
    pub service_area: crate::places::demand::ServiceArea,
    /// A demand CSV that replaces the census tracts (`ASSETMAP_DEMAND`).
    pub demand_file: Option<PathBuf>,
    /// Names this instance to the database (PostgreSQL `application_name` `assetmap:<instance>`)
    /// and in its logs. Default: `<command>-<process id>`.
    pub instance: String,
    /// On a shared PostgreSQL store, how often an instance checks for other instances' changes
    /// even without a notification (a safety net; notifications arrive within milliseconds).
    pub feed_poll: Duration,
    /// Per-core HTTP runtimes (`--http-threads`): `None` starts one per core, `Some(0)` serves
    /// every connection on the shared work-stealing runtime. See [`crate::http::serving`].
    pub http_threads: Option<usize>,
    /// Most demand points an anonymous `POST /api/v1/gaps` or `/coverage` may upload
    /// (`--anonymous-demand-points`): bounds what one request costs. (Confidential sites are
    /// protected by their stand-ins, not by this.)
    pub anonymous_demand_points: usize,
    /// The deployment's own reverse proxies (`--trusted-proxies`): only from a peer among them
    /// is `X-Forwarded-For` read, for the client address that request limits count by. Empty:
    /// the TCP peer is the client. See [`crate::http::client`].
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// Default of [`Settings::anonymous_demand_points`]: a county's census tracts several times over.
pub const ANONYMOUS_DEMAND_POINTS: usize = 5_000;

impl Settings {
    /// Defaults for a local run: 127.0.0.1:8080, `data/assetmap.db`.
    pub fn new(database_url: impl Into<String>) -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: SecretString::from(database_url.into()),
            admin_token: None,
            demo: false,
            data_dir: default_dir("data"),
            web_dir: default_dir("web"),
            stale_after_days: 180,
            hide_after_days: HideAfter::Default,
            body_limit: 256 * 1024,
            map_style_url: None,
            basemap: None,
            public_url: None,
            service_area: crate::places::demand::ServiceArea::default(),
            demand_file: None,
            instance: default_instance("serve"),
            feed_poll: Duration::from_secs(10),
            http_threads: None,
            anonymous_demand_points: ANONYMOUS_DEMAND_POINTS,
            trusted_proxies: Vec::new(),
        }
    }
}

/// When unverified listings leave public results.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HideAfter {
    /// Not given: 365 days, except with `--demo`, whose data is a 2019 snapshot (every listing
    /// would be hidden): there, nothing is hidden.
    #[default]
    Default,
    /// After this many days without verification.
    Days(i64),
    /// Never.
    Never,
}

impl HideAfter {
    /// The default threshold, in days.
    pub const DEFAULT_DAYS: i64 = 365;

    /// Parses `--hide-after-days`: a number of days, or `never`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim() {
            "never" | "off" => Ok(Self::Never),
            n => match n.parse::<i64>() {
                Ok(d) if d >= 1 => Ok(Self::Days(d)),
                _ => Err(format!("'{raw}' is not a number of days (1 or more) or 'never'")),
            },
        }
    }
}

impl Settings {
    /// Days without verification after which a listing is hidden from public results, or
    /// `None` for never: as given, else 365 — but never in `--demo` unless given, since the
    /// demo data is a 2019 snapshot and every listing in it is older than that.
    pub fn effective_hide_after_days(&self) -> Option<i64> {
        match (self.hide_after_days, self.demo) {
            (HideAfter::Days(d), _) => Some(d),
            (HideAfter::Never, _) | (HideAfter::Default, true) => None,
            (HideAfter::Default, false) => Some(HideAfter::DEFAULT_DAYS),
        }
    }
}

/// `<command>-<process id>`: unique on one machine; set `ASSETMAP_INSTANCE` (or `--instance`)
/// to the host name where several machines serve.
pub fn default_instance(command: &str) -> String {
    format!("{command}-{}", std::process::id())
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
