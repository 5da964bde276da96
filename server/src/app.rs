//! Building and running the server: `App::build` connects the store, loads the index, binds
//! the listener and reports the port, so tests start the real thing on port 0.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue, Method};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::accounts::throttle::{HashGate, Throttle};
use crate::catalog::Directory;
use crate::config::Settings;
use crate::error::ApiError;
use crate::zip::ZipIndex;

/// Shared state of every handler: one `Arc`, so a request's clone of it is one atomic
/// increment on one cache line rather than one per part (every request clones it, on every
/// core). Its parts are reached through `Deref` (`state.directory`).
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] shares.
#[derive(Debug)]
pub struct Shared {
    /// Store + in-memory catalog.
    pub directory: Arc<Directory>,
    /// ZIP → point.
    pub zips: Arc<ZipIndex>,
    /// Settings.
    pub settings: Arc<Settings>,
    /// Translated labels for server-rendered pages (`web/i18n/*.json`).
    pub i18n: Arc<crate::i18n::I18n>,
    /// Outlines drawn under referral-sheet maps (`data/boundaries/*.geojson`).
    pub basemap: Arc<crate::sheets::map::Basemap>,
    /// The deployment's own street map (`--basemap FILE`), served under `/basemap/` and drawn
    /// on printed sheets; `None` keeps the offline outline.
    pub tiles: Option<Arc<crate::basemap::TileArchive>>,
    /// Census tracts, county names and the demand set of gap analyses.
    pub gaps: Arc<crate::gaps::GapsData>,
    /// Per-address limits of sign-in, sign-up, resets, invitations and tokens.
    pub throttle: Arc<Throttle>,
    /// The bound on password hashes at once.
    pub hashing: HashGate,
}

impl AppState {
    /// Connects the store (applying migrations), seeds the demo data if asked and the database
    /// is empty, loads everything into memory.
    pub async fn load(settings: Settings) -> anyhow::Result<Self> {
        let started = Instant::now();
        let url = secrecy::ExposeSecret::expose_secret(&settings.database_url);
        let store = crate::store::connect(url, &settings.instance).await?;
        if settings.demo && store.is_empty().await? {
            let path = settings.data_dir.join("demo").join("miami-dade.geojson");
            match crate::import::import_path(&store, &path, crate::import::Mode::Commit).await {
                Ok(report) => tracing::info!(
                    sites = report.sites_created,
                    partners = report.partners_created,
                    "seeded the demo data"
                ),
                // Several instances started together on one empty PostgreSQL database: one
                // seeds, the others' identical import is refused as a whole.
                Err(_) if !store.is_empty().await? => {
                    tracing::info!("the demo data was seeded by another instance");
                }
                Err(e) => return Err(e.into()),
            }
        }
        let zips = Arc::new(ZipIndex::load(&settings.data_dir.join("zcta_centroids.csv"))?);
        let directory = Arc::new(Directory::open(store, Arc::clone(&zips)).await?);
        let hide = settings.effective_hide_after_days();
        directory.set_hide_after_days(hide);
        match hide {
            Some(days) => tracing::info!(
                stale_after_days = settings.stale_after_days,
                hide_after_days = days,
                "listings not verified for {days} days are hidden from public results"
            ),
            None => tracing::info!(
                stale_after_days = settings.stale_after_days,
                demo = settings.demo,
                "no listing is hidden for want of verification (--hide-after-days not given{})",
                if settings.demo { " and --demo: the demo data is a 2019 snapshot" } else { ", or 'never'" }
            ),
        }
        let i18n = Arc::new(crate::i18n::I18n::load(&settings.web_dir.join("i18n"))?);
        let basemap = Arc::new(crate::sheets::map::Basemap::load(&settings.data_dir.join("boundaries"))?);
        let gaps = Arc::new(crate::gaps::GapsData::load(&settings)?);
        let tiles = match &settings.basemap {
            Some(path) => {
                let archive = crate::basemap::TileArchive::open(path).await?;
                tracing::info!(
                    file = %path.display(),
                    format = archive.info.format,
                    zooms = format!("{}-{}", archive.info.min_zoom, archive.info.max_zoom),
                    layers = archive.info.layers.join(","),
                    "serving the basemap"
                );
                Some(Arc::new(archive))
            }
            None => None,
        };
        {
            let c = directory.read();
            tracing::info!(
                backend = directory.store().backend(),
                sites = c.site_count(),
                mapped = c.indexed(),
                zips = zips.len(),
                ms = started.elapsed().as_millis() as u64,
                "directory loaded"
            );
        }
        let throttle = Arc::new(Throttle::new());
        forget_idle_clients(Arc::downgrade(&throttle));
        Ok(Self(Arc::new(Shared {
            directory,
            zips,
            settings: Arc::new(settings),
            i18n,
            basemap,
            tiles,
            gaps,
            throttle,
            hashing: HashGate::for_this_machine(),
        })))
    }
}

/// Every minute, forgets the clients whose request buckets are full again, so that a flood from
/// many addresses does not stay in memory; ends with the state.
fn forget_idle_clients(throttle: std::sync::Weak<Throttle>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let Some(t) = throttle.upgrade() else { return };
            t.forget_idle();
        }
    });
}

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    let limit = state.settings.body_limit;
    let web = state.settings.web_dir.clone();
    let api = Router::new()
        .route("/healthz", get(healthz))
        .merge(crate::api::nearest::router())
        .merge(crate::api::directory::router())
        .merge(crate::api::client_config::router())
        .merge(crate::basemap::http::router())
        .merge(crate::sheets::router())
        .merge(crate::gaps::router())
        .merge(crate::import::http::router())
        .merge(crate::ogc::router())
        .merge(crate::openapi::router())
        .merge(crate::accounts::router())
        .merge(crate::hsds::api::router())
        .merge(crate::export::http::router())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(CorsLayer::new().allow_origin(Any).allow_methods([Method::GET, Method::HEAD, Method::OPTIONS]))
        .with_state(state);
    let static_files = ServeDir::new(&web).fallback(ServeFile::new(web.join("index.html")));
    Router::new()
        .nest("/api", Router::new().fallback(not_found))
        .merge(api)
        .fallback_service(static_files)
        .layer(axum::middleware::from_fn(crate::telemetry::log_request))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
}

async fn not_found() -> ApiError {
    ApiError::NotFound("this address".to_owned())
}

async fn healthz(State(state): State<AppState>) -> Json<Value> {
    let c = state.directory.read();
    Json(json!({
        "status": "ok",
        "backend": state.directory.store().backend(),
        "sites": c.site_count(),
        "mapped": c.indexed(),
        "partners": c.partner_count(),
        "instance": state.settings.instance,
        "feed_position": state.directory.position(),
    }))
}

/// A bound, ready server.
pub struct App {
    listener: TcpListener,
    state: AppState,
}

impl App {
    /// Loads the directory and binds the listener (port 0 picks a free one).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let addr = settings.addr;
        let poll = settings.feed_poll;
        let state = AppState::load(settings).await?;
        if state.directory.follow(poll) {
            tracing::info!(position = state.directory.position(), "following the change feed");
        }
        let listener =
            TcpListener::bind(addr).await.map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
        Ok(Self { listener, state })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// The state handlers share (tests reach into it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
    /// Connections are answered on per-core runtimes ([`crate::serving`]).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let threads = crate::serving::threads(self.state.settings.http_threads);
        let app = router(self.state);
        tracing::info!(addr = %self.listener.local_addr()?, "listening");
        crate::serving::serve(self.listener, app, threads, shutdown_signal()).await
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
    tokio::time::sleep(Duration::from_millis(10)).await;
}
