//! Start-up and memory of the real server on 100,000 sites in SQLite (and PostgreSQL).
//!
//!     cargo bench -p assetmap --bench startup
//!     BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench -p assetmap --bench startup
//!
//! Builds (once) a SQLite database of 100,000 sites — the generator's points, each with a
//! realistic record (description, two phones with languages, weekly hours, services, documents) —
//! then, five times, starts the release `assetmap serve` binary on it and measures the time until
//! it is listening (migrations checked, every row loaded and parsed, the R-trees bulk-built, ZIP
//! table loaded) and its resident memory then (VmRSS) and at peak (VmHWM). The reference in the
//! same run is the same binary on an empty database: the fixed cost of starting at all.
//!
//! With `BENCH_BASELINE_BIN=path/to/an/older/assetmap`, that binary is started on the same
//! database in the same rounds (old against new, alternating, under the same load).
//!
//! With `BENCH_POSTGRES_URL` (a server the bench may create a database on), the same 100,000
//! sites are copied into a PostgreSQL database `assetmap_bench_startup` (dropped at the end) and
//! measured in the same rounds.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use assetmap::store::{Change, Store};
use common::{build_db, median, root};

/// Copies the SQLite database into a fresh PostgreSQL database on `BENCH_POSTGRES_URL`'s server;
/// returns its URL, or `None` without the variable.
fn build_pg(sqlite: &Path) -> Option<(String, String)> {
    let admin = std::env::var("BENCH_POSTGRES_URL").ok().filter(|u| !u.is_empty())?;
    let url = format!("{}/assetmap_bench_startup", admin.rsplit_once('/').expect("a URL with a database").0);
    eprintln!("copying {} into PostgreSQL ...", sqlite.display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await.unwrap();
        sqlx::query("drop database if exists assetmap_bench_startup with (force)")
            .execute(&mut c)
            .await
            .unwrap();
        sqlx::query("create database assetmap_bench_startup").execute(&mut c).await.unwrap();
        let from = assetmap::store::SqliteStore::connect(&sqlite.display().to_string()).await.unwrap();
        let snapshot = from.load().await.unwrap();
        let mut batch: Vec<Change> = snapshot.partners.into_iter().map(Change::CreatePartner).collect();
        batch.extend(
            snapshot.sites.into_iter().map(|s| Change::CreateSite(std::sync::Arc::unwrap_or_clone(s))),
        );
        let to = assetmap::store::connect(&url, "bench-copy").await.unwrap();
        to.apply(&batch).await.unwrap();
    });
    Some((admin, url))
}

fn drop_pg(admin: &str) {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(admin).await.unwrap();
        sqlx::query("drop database if exists assetmap_bench_startup with (force)")
            .execute(&mut c)
            .await
            .unwrap();
    });
}

/// Starts the server on `db` (a path or URL); returns (time to listening, VmRSS MiB, VmHWM MiB).
fn start(db: impl AsRef<std::ffi::OsStr>) -> (Duration, f64, f64) {
    start_bin(env!("CARGO_BIN_EXE_assetmap"), db)
}

/// [`start`] with another binary.
fn start_bin(bin: &str, db: impl AsRef<std::ffi::OsStr>) -> (Duration, f64, f64) {
    let t = Instant::now();
    let (mut child, _port) = common::serve(bin, db);
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
    let pg = build_pg(&db);
    let runs = 5;
    let (mut t_full, mut rss_full, mut hwm_full, mut t_empty) = (vec![], vec![], vec![], vec![]);
    let (mut t_pg, mut rss_pg, mut hwm_pg) = (vec![], vec![], vec![]);
    let baseline = std::env::var("BENCH_BASELINE_BIN").ok().filter(|b| !b.is_empty());
    let (mut t_base, mut rss_base, mut hwm_base) = (vec![], vec![], vec![]);
    for _ in 0..runs {
        if let Some(bin) = &baseline {
            let (t, rss, hwm) = start_bin(bin, &db);
            t_base.push(t);
            rss_base.push(rss);
            hwm_base.push(hwm);
        }
        let (t, rss, hwm) = start(&db);
        t_full.push(t);
        rss_full.push(rss);
        hwm_full.push(hwm);
        t_empty.push(start(&empty).0);
        if let Some((_, url)) = &pg {
            let (t, rss, hwm) = start(url);
            t_pg.push(t);
            rss_pg.push(rss);
            hwm_pg.push(hwm);
        }
    }
    for v in [&mut rss_full, &mut hwm_full, &mut rss_pg, &mut hwm_pg, &mut rss_base, &mut hwm_base] {
        v.sort_by(f64::total_cmp);
    }
    println!("start-up of `assetmap serve` (release), median of {runs}:");
    println!("  100,000 sites in SQLite: {:>7.0} ms to listening", median(t_full).as_secs_f64() * 1e3);
    println!("  reference, empty database: {:>5.0} ms", median(t_empty).as_secs_f64() * 1e3);
    println!(
        "  resident memory with 100,000 sites: {:.0} MiB (peak {:.0} MiB)",
        rss_full[runs / 2],
        hwm_full[runs / 2]
    );
    if let Some(bin) = &baseline {
        println!(
            "  baseline {bin}, 100,000 sites in SQLite: {:>5.0} ms to listening, {:.0} MiB (peak {:.0} MiB)",
            median(t_base).as_secs_f64() * 1e3,
            rss_base[runs / 2],
            hwm_base[runs / 2]
        );
    }
    if let Some((admin, _)) = &pg {
        println!("  100,000 sites in PostgreSQL: {:>4.0} ms to listening", median(t_pg).as_secs_f64() * 1e3);
        println!(
            "  resident memory with 100,000 sites from PostgreSQL: {:.0} MiB (peak {:.0} MiB)",
            rss_pg[runs / 2],
            hwm_pg[runs / 2]
        );
        drop_pg(admin);
    }
}
