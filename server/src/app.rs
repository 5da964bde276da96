//! Building and running the server: `App::build` connects the store, loads the index, binds
//! the listener and reports the port, so tests start the real thing on port 0.

use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue, Method};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::config::Settings;
use crate::http::error::ApiError;
use crate::state::AppState;

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    let limit = state.settings.body_limit;
    let web = state.settings.web_dir.clone();
    let api = Router::new()
        .route("/healthz", get(healthz))
        .merge(crate::search::http::router())
        .merge(crate::directory::http::router())
        .merge(crate::page::router())
        .merge(crate::basemap::http::router())
        .merge(crate::sheets::router())
        .merge(crate::gaps::router())
        .merge(crate::import::http::router())
        .merge(crate::import::held::router())
        .merge(crate::ogc::router())
        .merge(crate::openapi::router())
        .merge(crate::accounts::router())
        .merge(crate::hsds::api::router())
        .merge(crate::export::http::router())
        .merge(crate::translations::http::router())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(CorsLayer::new().allow_origin(Any).allow_methods([Method::GET, Method::HEAD, Method::OPTIONS]))
        .with_state(state);
    let static_files = ServeDir::new(&web).fallback(ServeFile::new(web.join("index.html")));
    Router::new()
        .nest("/api", Router::new().fallback(not_found))
        // Unknown HSDS paths are API errors too, never the map page.
        .route_service("/hsds/{*rest}", any(not_found))
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
    /// Connections are answered on per-core runtimes ([`crate::http::serving`]).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let threads = crate::http::serving::threads(self.state.settings.http_threads);
        let app = router(self.state);
        tracing::info!(addr = %self.listener.local_addr()?, "listening");
        crate::http::serving::serve(self.listener, app, threads, shutdown_signal()).await
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
