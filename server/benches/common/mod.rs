//! Shared by the benches: the inputs from ../shared/bench/gen_data.py, generated on first use.

#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use assetmap::domain::{PartnerInput, SiteInput};
use assetmap::store::{Change, Store};
use chrono::Utc;
use serde_json::json;
use std::time::Duration;
use uuid::Uuid;

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `target/bench-data[-N]`, generated with the shared generator if missing.
pub fn bench_data(partners: usize) -> PathBuf {
    let dir = if partners == 50_000 {
        root().join("target/bench-data")
    } else {
        root().join(format!("target/bench-data-{}k", partners / 1000))
    };
    if !dir.join("queries.csv").exists() {
        let gen = root().join("../shared/bench/gen_data.py");
        assert!(gen.exists(), "benchmark inputs need {} (the shared bench generator)", gen.display());
        eprintln!("generating {} ...", dir.display());
        let ok = Command::new("python3")
            .arg(&gen)
            .args(["--partners", &partners.to_string(), "--out"])
            .arg(&dir)
            .status()
            .expect("python3 runs")
            .success();
        assert!(ok, "gen_data.py failed");
    }
    dir
}

/// Reads an `id,category,lon,lat` file.
pub fn points(path: &Path) -> Vec<assetmap::search::batch::PointRow> {
    assetmap::search::batch::read_points(&path.display().to_string(), std::fs::File::open(path).unwrap())
        .unwrap()
}

/// Median of a list of durations.
pub fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

/// Wall time and this thread's CPU time of `f` (CPU time is what the measured loop itself
/// consumed, whatever else the shared machine was doing).
pub fn timed(f: impl FnOnce()) -> (Duration, Duration) {
    let (wall, cpu) = (std::time::Instant::now(), cpu_time::ThreadTime::now());
    f();
    (wall.elapsed(), cpu.elapsed())
}

/// Builds (once) a SQLite database of the generator's `n` sites, each a realistic record
/// (description, two phones with languages, weekly hours, services, documents).
pub fn build_db(path: &Path, n: usize) {
    if path.exists() {
        return;
    }
    eprintln!("building {} ...", path.display());
    let dir = bench_data(n);
    let sites = points(&dir.join("partners.csv"));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let tmp = path.with_extension("tmp");
        let _ = std::fs::remove_file(&tmp);
        let store = assetmap::store::SqliteStore::connect(&tmp.display().to_string()).await.unwrap();
        let now = Utc::now();
        let partners: Vec<_> = (0..1000)
            .map(|i| {
                let input = PartnerInput { name: Some(format!("Partner {i}")), ..PartnerInput::default() };
                input.validate(Uuid::new_v4(), now, None).unwrap()
            })
            .collect();
        let mut batch: Vec<Change> = partners.iter().cloned().map(Change::CreatePartner).collect();
        for (i, s) in sites.iter().enumerate() {
            let input: SiteInput = serde_json::from_value(json!({
                "name": format!("Community site {i}"),
                "description": "Free help for families: legal questions, forms, referrals. Bring any letters you received.",
                "street": format!("{} Main Street", i % 9000), "city": "Springfield", "state": "FL", "postal_code": "33125",
                "lon": s.at.lon(), "lat": s.at.lat(), "categories": [s.category.as_str()],
                "languages": ["en", "es", "ht"],
                "phones": [{"number": "305-555-0100", "languages": ["es"]}, {"number": "305-555-0199", "type": "text"}],
                "hours": {"timezone": "America/New_York", "weekly": [
                    {"day": "mon", "opens": "09:00", "closes": "17:00"}, {"day": "wed", "opens": "09:00", "closes": "17:00"},
                    {"day": "sat", "opens": "10:00", "closes": "13:00"}]},
                "services": [{"name": "Consultations"}], "cost": "free", "required_documents": ["Photo ID if you have one"],
                "walk_in": i % 2 == 0, "last_verified_at": "2026-09-01T00:00:00Z"
            }))
            .unwrap();
            let site = input.validate(Uuid::new_v4(), partners[i % 1000].id, now, None, &|_| true).unwrap();
            batch.push(Change::CreateSite(site));
        }
        store.apply(&batch).await.unwrap();
        store.backup(&path.display().to_string()).await.unwrap();
        drop(store);
        let _ = std::fs::remove_file(&tmp);
        for ext in ["tmp-wal", "tmp-shm"] {
            let _ = std::fs::remove_file(path.with_extension(ext));
        }
    });
}

/// Starts the release server on `db` at a free port; returns the child and the port once it is
/// listening.
#[expect(clippy::zombie_processes, reason = "callers kill and wait for the server")]
pub fn serve(bin: &str, db: impl AsRef<std::ffi::OsStr>) -> (Child, u16) {
    let mut child = Command::new(bin)
        .args(["serve", "--addr", "127.0.0.1:0", "--database"])
        .arg(db)
        .env("RUST_LOG", "warn")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("server starts");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    loop {
        let line = lines.next().expect("server prints its address").unwrap();
        if let Some(rest) = line.split("listening on http://").nth(1) {
            let port = rest.trim_end_matches('/').rsplit(':').next().unwrap().parse().unwrap();
            // Keep draining stderr so the server never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines {});
            return (child, port);
        }
    }
}
