//! `/api/v1/nearest` through HTTP: the release server on 50,000 sites in SQLite, loaded from
//! this machine over loopback.
//!
//!     cargo bench -p assetmap --bench http
//!
//! 32 concurrent keep-alive clients cycle through the generator's 10,000 queries (k = 5, with
//! their category) for 5 s per round, 3 rounds (`BENCH_RUNS`); the figure is the median round. The reference in
//! the same run is `GET /healthz` (routing, JSON and HTTP with no search) under the same load.
//! Client and server share the machine's two cores, so this is a floor, not a ceiling.
//!
//! `BENCH_BASELINE_BIN=/path/to/an/older/assetmap` serves the same database from that binary as
//! well, measured in the same rounds, alternating, so a change is compared with what it changed
//! under the same load.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{bench_data, build_db, points, root};

const CLIENTS: usize = 32;
const ROUND: Duration = Duration::from_secs(5);
/// Rounds per measurement: `BENCH_RUNS`, default 3.
fn rounds() -> usize {
    std::env::var("BENCH_RUNS").ok().and_then(|v| v.parse().ok()).filter(|n| *n > 0).unwrap_or(3)
}

async fn round(urls: Arc<Vec<String>>) -> f64 {
    let client = reqwest::Client::builder().pool_max_idle_per_host(CLIENTS).build().unwrap();
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (client, urls, done) = (client.clone(), Arc::clone(&urls), Arc::clone(&done));
            tokio::spawn(async move {
                let mut i = c * 997;
                while start.elapsed() < ROUND {
                    let res = client.get(&urls[i % urls.len()]).send().await.unwrap();
                    assert!(res.status().is_success());
                    res.bytes().await.unwrap();
                    done.fetch_add(1, Ordering::Relaxed);
                    i += 1;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let rounds = rounds();
    let db = root().join("target/bench-db/sites-50k.db");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    build_db(&db, 50_000);
    let queries = points(&bench_data(50_000).join("queries.csv"));
    let (mut server, port) = common::serve(env!("CARGO_BIN_EXE_assetmap"), &db);
    let baseline_bin = std::env::var("BENCH_BASELINE_BIN").ok();
    let mut baseline: Option<(std::process::Child, u16)> =
        baseline_bin.as_deref().map(|bin| common::serve(bin, &db));
    let nearest_urls = |port: u16| -> Vec<String> {
        queries
            .iter()
            .map(|q| {
                format!(
                    "http://127.0.0.1:{port}/api/v1/nearest?lon={}&lat={}&category={}&k=5",
                    q.at.lon(),
                    q.at.lat(),
                    q.category
                )
            })
            .collect()
    };
    let nearest = nearest_urls(port);
    let old_nearest = baseline.as_ref().map(|(_, p)| nearest_urls(*p));
    let health = vec![format!("http://127.0.0.1:{port}/healthz")];
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (mut n, mut h, mut b) = (Vec::new(), Vec::new(), Vec::new());
    rt.block_on(async {
        round(Arc::new(nearest[..500].to_vec())).await; // warm-up
        if let Some(old) = &old_nearest {
            round(Arc::new(old[..500].to_vec())).await;
        }
        for _ in 0..rounds {
            n.push(round(Arc::new(nearest.clone())).await);
            h.push(round(Arc::new(health.clone())).await);
            if let Some(old) = &old_nearest {
                b.push(round(Arc::new(old.clone())).await);
            }
        }
    });
    server.kill().unwrap();
    server.wait().unwrap();
    if let Some((child, _)) = &mut baseline {
        child.kill().unwrap();
        child.wait().unwrap();
    }
    for xs in [&mut n, &mut h, &mut b] {
        xs.sort_by(f64::total_cmp);
    }
    println!("HTTP on loopback, {CLIENTS} keep-alive clients, 50,000 sites, median of {rounds} rounds of {ROUND:?}:");
    println!("  GET /api/v1/nearest (k=5, category): {:>8.0} requests/s", n[rounds / 2]);
    println!("  reference GET /healthz:               {:>8.0} requests/s", h[rounds / 2]);
    if let Some(bin) = &baseline_bin {
        println!("  the same nearest from {bin}: {:>8.0} requests/s", b[rounds / 2]);
    }
}
