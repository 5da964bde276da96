//! Start-up and memory of the real server on 100,000 sites in SQLite.
//!
//!     cargo bench -p assetmap --bench startup
//!
//! Builds (once) a SQLite database of 100,000 sites — the generator's points, each with a
//! realistic record (description, two phones with languages, weekly hours, services, documents) —
//! then, five times, starts the release `assetmap serve` binary on it and measures the time until
//! it is listening (migrations checked, every row loaded and parsed, the R-trees bulk-built, ZIP
//! table loaded) and its resident memory then (VmRSS) and at peak (VmHWM). The reference in the
//! same run is the same binary on an empty database: the fixed cost of starting at all.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{build_db, median, root};

/// Starts the server on `db`; returns (time to listening, VmRSS MiB, VmHWM MiB).
fn start(db: &Path) -> (Duration, f64, f64) {
    let t = Instant::now();
    let (mut child, _port) = common::serve(env!("CARGO_BIN_EXE_assetmap"), db);
    let ready = t.elapsed();
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
    let kib = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap()
            .parse::<f64>()
            .unwrap()
    };
    let (rss, hwm) = (kib("VmRSS:") / 1024.0, kib("VmHWM:") / 1024.0);
    child.kill().unwrap();
    child.wait().unwrap();
    (ready, rss, hwm)
}

fn main() {
    let dir = root().join("target/bench-db");
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("sites-100k.db");
    build_db(&db, 100_000);
    let empty = dir.join("empty.db");
    let _ = std::fs::remove_file(&empty);
    let runs = 5;
    let (mut t_full, mut rss_full, mut hwm_full, mut t_empty) = (vec![], vec![], vec![], vec![]);
    for _ in 0..runs {
        let (t, rss, hwm) = start(&db);
        t_full.push(t);
        rss_full.push(rss);
        hwm_full.push(hwm);
        t_empty.push(start(&empty).0);
    }
    rss_full.sort_by(f64::total_cmp);
    hwm_full.sort_by(f64::total_cmp);
    println!("start-up of `assetmap serve` (release), median of {runs}:");
    println!("  100,000 sites in SQLite: {:>7.0} ms to listening", median(t_full).as_secs_f64() * 1e3);
    println!("  reference, empty database: {:>5.0} ms", median(t_empty).as_secs_f64() * 1e3);
    println!(
        "  resident memory with 100,000 sites: {:.0} MiB (peak {:.0} MiB)",
        rss_full[runs / 2],
        hwm_full[runs / 2]
    );
}
