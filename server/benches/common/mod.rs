//! Shared by the benches: the inputs from ../shared/bench/gen_data.py, generated on first use.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

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
pub fn points(path: &Path) -> Vec<assetmap::batch::PointRow> {
    assetmap::batch::read_points(&path.display().to_string(), std::fs::File::open(path).unwrap()).unwrap()
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
