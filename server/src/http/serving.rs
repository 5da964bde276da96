//! How connections are served: each core runs its own single-threaded runtime, pinned to it,
//! and answers the connections whose packets arrive on that core, so a request is read, searched
//! and answered on one core without waking another.
//!
//! Why: on the work-stealing runtime every request crossed cores — the packet arrives on one,
//! the task runs on another, and the reply wakes the client on a third — and those wake-ups
//! between cores (inter-processor interrupts, dear on virtual machines) cost more than the
//! search and the JSON together. Measured on 2 cores
//! (`bash server/benches/scripts/http_nearest.sh`), the per-core runtimes answer about 1.4×
//! the nearest queries per second of the work-stealing runtime in the same run.
//!
//! What stays on the core is what is cheap and needs no database: the public reads of the
//! in-memory directory ([`ON_CORE`]) and the web UI's files. Everything else — writes,
//! anything signed in, imports, exports, sheets, gap analyses, OGC and HSDS pages — is handed
//! to the shared work-stealing runtime, so a long request never holds up the other connections
//! of its core, and database connections live on one runtime only.
//!
//! Connections are accepted once, on the shared runtime, and handed to the runtime of the core
//! their packets arrive on (Linux `SO_INCOMING_CPU`) — or to the least busy runtime where that
//! one already holds far more connections, where no runtime is pinned to that core, or off
//! Linux. A connection whose requests then keep arriving from another core is asked to close
//! (`Connection: close`), so that the client's next one lands where its thread now runs.

use std::future::Future;
use std::io::IoSlice;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, Version};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::serve::IncomingStream;
use axum::Router;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::runtime::Handle;
use tokio::sync::{mpsc, watch};

use crate::http::cookie::{cookie_in, SESSION_COOKIE};
use crate::http::error::ApiError;

/// Route templates answered on the connection's own core: public reads of the in-memory
/// directory that touch no database. (Requests with credentials go to the shared runtime, as
/// finding who is asking may read the database.)
pub const ON_CORE: &[&str] = &[
    "/healthz",
    "/api/v1/nearest",
    "/api/v1/sites",
    "/api/v1/sites/{id}",
    "/api/v1/partners",
    "/api/v1/partners/{id}",
    "/api/v1/categories",
    "/api/v1/config",
];

/// How many per-core runtimes to start: `Some(0)` serves every connection on the shared
/// work-stealing runtime instead (as before); `None` starts one per core this process may use.
pub fn threads(requested: Option<usize>) -> usize {
    requested.unwrap_or_else(|| cores().len().max(1))
}

/// The cores this process may run on (its affinity mask), or none where that is unknown.
fn cores() -> Vec<core_affinity::CoreId> {
    core_affinity::get_core_ids().unwrap_or_default()
}

/// Serves `app` on `listener` until `shutdown` completes, then lets the requests in flight end.
/// `threads` per-core runtimes (0: the calling, shared runtime serves every connection).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    threads: usize,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if threads == 0 {
        let app = app.into_make_service_with_connect_info::<Conn>();
        return axum::serve(listener, app).with_graceful_shutdown(shutdown).await;
    }
    let addr = listener.local_addr()?;
    // Pin runtime i to core i when there is one runtime per core: only then does "the core the
    // packets arrive on" name a runtime.
    let cores = cores();
    let pinned = cores.len() == threads;
    // Dropping `stop` (when this future is dropped, as a test's server is) also stops them.
    let (stop, stopped) = watch::channel(false);
    let mut by_cpu: Vec<Option<usize>> = Vec::new();
    if pinned {
        for (i, c) in cores.iter().enumerate() {
            if by_cpu.len() <= c.id {
                by_cpu.resize(c.id + 1, None);
            }
            by_cpu[c.id] = Some(i);
        }
    }
    let homes = Homes {
        by_cpu: by_cpu.into(),
        // Open connections per runtime, to keep them level.
        open: (0..threads).map(|_| AtomicUsize::new(0)).collect(),
    };
    let homes = Arc::new(homes);
    let app = app
        .layer(axum::middleware::from_fn_with_state(
            Offload { shared: Handle::current(), homes: homes.clone() },
            offload,
        ))
        .into_make_service_with_connect_info::<Conn>();
    let mut inboxes = Vec::with_capacity(threads);
    let mut workers = Vec::with_capacity(threads);
    for i in 0..threads {
        let (tx, rx) = mpsc::unbounded_channel::<std::net::TcpStream>();
        inboxes.push(tx);
        let core = if pinned { cores.get(i).copied() } else { None };
        let (app, mut stopped, homes) = (app.clone(), stopped.clone(), homes.clone());
        let worker = std::thread::Builder::new().name(format!("assetmap-http-{i}")).spawn(move || {
            if let Some(c) = core {
                core_affinity::set_for_current(c);
            }
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            rt.block_on(async move {
                let until = async move {
                    let _ = stopped.wait_for(|s| *s).await;
                };
                axum::serve(Handed { inbox: rx, addr, homes, me: i }, app).with_graceful_shutdown(until).await
            })
        })?;
        workers.push(worker);
    }
    tracing::info!(threads, pinned, "serving on per-core runtimes");

    let accept = async {
        loop {
            let stream = match listener.accept().await {
                Ok((s, _)) => s.into_std(),
                Err(e) => Err(e),
            };
            match stream {
                Ok(s) => {
                    let i = homes.choose(incoming_cpu(&s));
                    homes.open[i].fetch_add(1, Ordering::Relaxed);
                    let _ = inboxes[i].send(s);
                }
                // Out of file descriptors and the like: wait a little rather than spin.
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
    };
    tokio::select! {
        () = accept => {},
        () = shutdown => {},
    }
    let _ = stop.send(true);
    drop(inboxes);
    let mut result = Ok(());
    for w in workers {
        match tokio::task::spawn_blocking(move || w.join()).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => result = Err(e),
            _ => result = Err(std::io::Error::other("an HTTP worker thread panicked")),
        }
    }
    result
}

/// Where connections live: which runtime is on which core, and how many each holds.
struct Homes {
    /// Runtime pinned to each core id (none where no runtime is pinned there).
    by_cpu: Box<[Option<usize>]>,
    /// Open connections per runtime.
    open: Box<[AtomicUsize]>,
}

impl Homes {
    /// The runtime a new connection goes to: the one on the core its packets arrive on
    /// (`cpu`), unless that runtime already holds many more open connections than the least
    /// busy one — a client that opened all its connections from one core would otherwise
    /// load one core only — and then, as where no runtime is on that core, the least busy.
    fn choose(&self, cpu: Option<usize>) -> usize {
        let local = cpu.and_then(|c| self.by_cpu.get(c).copied().flatten());
        choose(local, &self.open)
    }
}

fn choose(local: Option<usize>, open: &[AtomicUsize]) -> usize {
    let count = |i: usize| open[i].load(Ordering::Relaxed);
    let total: usize = (0..open.len()).map(count).sum();
    let least = (0..open.len()).min_by_key(|&i| count(i)).unwrap_or(0);
    match local {
        Some(i) if count(i) <= count(least) + (total / 4).max(8) => i,
        _ => least,
    }
}

/// Requests in a row that must arrive from another core before a connection is asked to move.
const MOVE_AFTER: u32 = 16;

/// One connection, as its requests see it (axum's `ConnectInfo`): the address of its other end
/// (see [`peer`]) and, on a per-core runtime, a handle to ask which core its packets arrive on.
#[derive(Clone)]
struct Conn {
    peer: SocketAddr,
    probe: Option<Arc<Probe>>,
}

/// The address of the other end of the request's connection (the client, or the last proxy
/// before this server); `None` outside a served connection (a router called directly).
pub fn peer(extensions: &axum::http::Extensions) -> Option<SocketAddr> {
    extensions.get::<ConnectInfo<Conn>>().map(|ConnectInfo(c)| c.peer)
}

/// A second handle on a connection's socket, to ask which core its packets arrive on.
struct Probe {
    socket: std::net::TcpStream,
    home: usize,
    /// Requests in a row that arrived on another runtime's core.
    away: AtomicU32,
}

impl Probe {
    /// After a request: true when this connection's requests keep arriving on a core whose
    /// runtime could take it. A client's thread can move between cores after it connected
    /// (or open its connections from a core it then leaves); the connection is then closed
    /// after this response (`Connection: close`), and the client's next connection is
    /// handed to the runtime of the core it now runs on.
    fn should_move(&self, homes: &Homes) -> bool {
        // No runtime pinned to a core (more or fewer runtimes than cores): nowhere to move to,
        // and no system call per request to find out.
        if homes.by_cpu.is_empty() {
            return false;
        }
        let Some(cpu) = incoming_cpu(&self.socket) else { return false };
        match homes.by_cpu.get(cpu).copied().flatten() {
            Some(there) if there != self.home && homes.choose(Some(cpu)) == there => {
                let away = self.away.fetch_add(1, Ordering::Relaxed) + 1;
                if away == MOVE_AFTER {
                    tracing::debug!(
                        from = self.home,
                        to = there,
                        "asking a connection to move to its client's core"
                    );
                }
                away >= MOVE_AFTER
            }
            _ => {
                self.away.store(0, Ordering::Relaxed);
                false
            }
        }
    }
}

impl Connected<IncomingStream<'_, Handed>> for Conn {
    fn connect_info(stream: IncomingStream<'_, Handed>) -> Self {
        Self { peer: *stream.remote_addr(), probe: stream.io().probe.clone() }
    }
}

impl Connected<IncomingStream<'_, TcpListener>> for Conn {
    fn connect_info(stream: IncomingStream<'_, TcpListener>) -> Self {
        Self { peer: *stream.remote_addr(), probe: None }
    }
}

/// The core that handled this connection's last packet.
#[cfg(target_os = "linux")]
fn incoming_cpu(s: &std::net::TcpStream) -> Option<usize> {
    socket2::SockRef::from(s).cpu_affinity().ok()
}

#[cfg(not(target_os = "linux"))]
fn incoming_cpu(_: &std::net::TcpStream) -> Option<usize> {
    None
}

/// The per-core runtimes' middleware's state.
#[derive(Clone)]
struct Offload {
    shared: Handle,
    homes: Arc<Homes>,
}

/// Middleware on the per-core runtimes: runs the request here when it is cheap and public,
/// otherwise on the shared runtime; asks a connection that arrives from another core to move.
async fn offload(State(ctx): State<Offload>, req: Request, next: Next) -> Response {
    let probe = match req.extensions().get::<ConnectInfo<Conn>>() {
        Some(ConnectInfo(Conn { probe: Some(p), .. })) if req.version() == Version::HTTP_11 => {
            Some(p.clone())
        }
        _ => None,
    };
    let mut res = if stays_on_core(&req) {
        next.run(req).await
    } else {
        match ctx.shared.spawn(next.run(req)).await {
            Ok(res) => res,
            Err(e) => ApiError::Internal(anyhow::anyhow!("request task failed: {e}")).into_response(),
        }
    };
    if probe.is_some_and(|p| p.should_move(&ctx.homes)) {
        res.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    res
}

fn stays_on_core(req: &Request) -> bool {
    if !matches!(*req.method(), Method::GET | Method::HEAD)
        || req.headers().contains_key(header::AUTHORIZATION)
    {
        return false;
    }
    if cookie_in(req.headers(), SESSION_COOKIE).is_some() {
        return false;
    }
    match req.extensions().get::<MatchedPath>() {
        Some(route) => ON_CORE.contains(&route.as_str()),
        // The web UI's files (read through tokio's blocking pool) and unknown addresses.
        None => !req.uri().path().starts_with("/api/"),
    }
}

/// Connections handed over by the accepting loop, as a listener of one runtime.
struct Handed {
    inbox: mpsc::UnboundedReceiver<std::net::TcpStream>,
    addr: SocketAddr,
    homes: Arc<Homes>,
    me: usize,
}

impl axum::serve::Listener for Handed {
    type Io = Counted;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inbox.recv().await {
                // Registered with this runtime's reactor here, on this thread.
                Some(s) => {
                    let probe = s
                        .try_clone()
                        .ok()
                        .map(|socket| Arc::new(Probe { socket, home: self.me, away: AtomicU32::new(0) }));
                    match tokio::net::TcpStream::from_std(s) {
                        Ok(s) => {
                            let peer = s.peer_addr().unwrap_or(self.addr);
                            return (Counted { io: s, homes: self.homes.clone(), me: self.me, probe }, peer);
                        }
                        Err(e) => {
                            self.homes.open[self.me].fetch_sub(1, Ordering::Relaxed);
                            tracing::warn!(error = %e, "taking over a connection failed");
                        }
                    }
                }
                // The accepting loop has ended: shutting down, which `serve` is told separately.
                None => std::future::pending::<()>().await,
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.addr)
    }
}

/// A connection that counts itself out of its runtime's open connections when it closes.
struct Counted {
    io: tokio::net::TcpStream,
    homes: Arc<Homes>,
    me: usize,
    probe: Option<Arc<Probe>>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.homes.open[self.me].fetch_sub(1, Ordering::Relaxed);
    }
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::{get, post};
    use tower::ServiceExt;

    /// Asks a router with some of the real route templates where `req` would be answered.
    async fn on_core(method: Method, path: &str, headers: &[(&str, &str)]) -> bool {
        async fn here() {}
        let app = Router::new()
            .route("/api/v1/nearest", get(here))
            .route("/api/v1/sites/{id}", get(here).patch(here))
            .route("/api/v1/gaps", get(here))
            .route("/api/v1/import", post(here))
            .route("/referral", get(here))
            .fallback(here)
            .layer(axum::middleware::from_fn(|req: Request, next: Next| async move {
                let on = stays_on_core(&req);
                let mut res = next.run(req).await;
                res.headers_mut().insert("x-on-core", on.to_string().parse().unwrap());
                res
            }));
        let mut b = axum::http::Request::builder().method(method).uri(path);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let res = app.oneshot(b.body(Body::empty()).unwrap()).await.unwrap();
        res.headers()["x-on-core"] == "true"
    }

    #[tokio::test]
    async fn public_reads_of_the_directory_stay_on_the_core() {
        assert!(on_core(Method::GET, "/api/v1/nearest?zip=33125&category=legal", &[]).await);
        assert!(on_core(Method::HEAD, "/api/v1/sites/0b9c", &[]).await);
        assert!(on_core(Method::GET, "/", &[]).await, "the web UI's files");
        assert!(on_core(Method::GET, "/api/v1/nearest", &[("cookie", "lang=ht")]).await);
    }

    #[tokio::test]
    async fn writes_credentials_and_long_requests_go_to_the_shared_runtime() {
        assert!(!on_core(Method::PATCH, "/api/v1/sites/0b9c", &[]).await);
        assert!(!on_core(Method::POST, "/api/v1/import", &[]).await);
        assert!(!on_core(Method::GET, "/api/v1/gaps?category=legal", &[]).await);
        assert!(!on_core(Method::GET, "/referral?ids=1", &[]).await);
        assert!(!on_core(Method::GET, "/api/v1/no-such-route", &[]).await);
        let token = [("authorization", "Bearer abc")];
        assert!(!on_core(Method::GET, "/api/v1/nearest", &token).await);
        let session = [("cookie", "lang=ht; assetmap_session=xyz")];
        assert!(!on_core(Method::GET, "/api/v1/sites/0b9c", &session).await);
    }

    fn counts(c: &[usize]) -> Vec<AtomicUsize> {
        c.iter().map(|&n| AtomicUsize::new(n)).collect()
    }

    #[test]
    fn a_connection_goes_to_the_runtime_on_its_core() {
        assert_eq!(choose(Some(1), &counts(&[0, 0])), 1);
        assert_eq!(choose(Some(0), &counts(&[9, 3])), 0, "a small lead does not move it");
        assert_eq!(choose(Some(1), &counts(&[40, 44])), 1);
    }

    #[test]
    fn a_core_far_busier_than_the_others_passes_new_connections_on() {
        // A client that opened all its connections from core 0.
        let open = counts(&[0, 0]);
        for _ in 0..32 {
            let i = choose(Some(0), &open);
            open[i].fetch_add(1, Ordering::Relaxed);
        }
        let (a, b) = (open[0].load(Ordering::Relaxed), open[1].load(Ordering::Relaxed));
        assert_eq!(a + b, 32);
        assert!(a - b <= 8, "{a} against {b}");
        assert_eq!(choose(Some(0), &counts(&[20, 3, 9])), 1, "to the least busy");
        assert_eq!(choose(None, &counts(&[2, 1, 3])), 1, "no core known: the least busy");
    }

    /// A connection over loopback, as the server's side of it, and the core its packets came in on.
    #[cfg(target_os = "linux")]
    fn loopback() -> (std::net::TcpStream, usize) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let _client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        let cpu = incoming_cpu(&server).expect("SO_INCOMING_CPU on Linux");
        (server, cpu)
    }

    #[cfg(target_os = "linux")]
    fn homes(cpu: usize, runtime: usize, open: &[usize]) -> Homes {
        let mut by_cpu = vec![None; cpu + 1];
        by_cpu[cpu] = Some(runtime);
        Homes { by_cpu: by_cpu.into(), open: counts(open).into() }
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_connection_whose_requests_keep_coming_from_another_core_is_asked_to_move() {
        let (socket, cpu) = loopback();
        let probe = Probe { socket, home: 0, away: AtomicU32::new(0) };
        // The core its packets arrive on is runtime 1's.
        let there = homes(cpu, 1, &[5, 5]);
        for n in 1..MOVE_AFTER {
            assert!(!probe.should_move(&there), "not after {n} requests");
        }
        assert!(probe.should_move(&there), "after {MOVE_AFTER} in a row");
        // Runtime 1 far busier: it stays.
        probe.away.store(0, Ordering::Relaxed);
        let busy = homes(cpu, 1, &[2, 40]);
        assert!((0..2 * MOVE_AFTER).all(|_| !probe.should_move(&busy)));
        // Its packets arrive on its own runtime's core: it stays.
        let home = homes(cpu, 0, &[5, 5]);
        assert!((0..2 * MOVE_AFTER).all(|_| !probe.should_move(&home)));
    }
}
