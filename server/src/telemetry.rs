//! Logging. The request log records the route *template* (`/api/v1/nearest`), the status and the
//! latency — never the query string, so where a family searched from is never written down.

use std::io::{BufWriter, IsTerminal};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber: `RUST_LOG` filters (default: `info` for assetmap when
/// `service` is true — the server — and `warn` for one-shot commands, whose output is their
/// answer); `ASSETMAP_LOG_FORMAT=json` switches to one JSON object per line. Colours only
/// when stderr is a terminal.
///
/// Lines go to stderr from a writer thread, not from the request's: a line per request written
/// there cost a `write` system call each and a quarter of a small answer's throughput. The
/// writer thread writes what has queued up in one go; nothing is dropped (a full queue makes
/// the logging thread wait). Keep the returned guard until the program ends: dropping it
/// writes out what is still queued.
#[must_use = "dropping the guard stops the log writer"]
pub fn init(service: bool) -> WorkerGuard {
    let default = if service { "assetmap=info,tower_http=warn,sqlx=warn,warn" } else { "warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let json = std::env::var("ASSETMAP_LOG_FORMAT").is_ok_and(|v| v == "json");
    let ansi = std::io::stderr().is_terminal();
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("assetmap-log")
        .finish(BufWriter::with_capacity(64 * 1024, std::io::stderr()));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(writer);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
    guard
}

/// Middleware: one log line per request with method, route template, status and latency.
pub async fn log_request(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    // The matched route is a template such as `/api/v1/sites/{id}`; unmatched requests are
    // logged as such rather than with their path, which could carry anything.
    let route = req.extensions().get::<MatchedPath>().cloned();
    let res = next.run(req).await;
    let status = res.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    // Formatted only if the line is written (no allocation per request otherwise).
    tracing::info!(
        target: "assetmap::http",
        %method,
        route = route.as_ref().map_or("<unmatched>", MatchedPath::as_str),
        status,
        latency_ms = %format_args!("{latency_ms:.2}"),
        "request"
    );
    res
}
