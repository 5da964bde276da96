//! Coverage benchmark: the whole US — 84,781 populated tracts × 6 categories (508,686 nearest
//! searches) against 50,000 sites, one threshold (5 km) — and the Miami-Dade gaps query
//! through HTTP.
//!
//! Run with (from the repository root; release profile):
//!
//! ```sh
//! python3 ../shared/bench/gen_data.py --out target/bench-data   # once (the bench runs it if missing)
//! cargo bench -p assetmap --bench coverage
//! ```
//!
//! It checks the exact answers of ../shared/bench/README.md, then prints medians of repeated
//! runs, with references measured in the same run on the same machine: one search per point
//! in file order with the live index's own `nearest` (no ordering, no bound), and SciPy's cKDTree
//! over 3-D unit vectors when `python3 -c 'import scipy'` works (`pip install scipy`).
//! `BENCH_RUNS=n` sets the number of runs (default 21).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use assetmap::domain::metres_to_chord2;
use assetmap::domain::{Category, LonLat};
use assetmap::gaps::analysis::Threshold;
use assetmap::gaps::files::{self, OrderedDemand};
use assetmap::places::demand::{parse_demand_csv, DemandPoint};
use assetmap::search::batch::{read_points, PointRow};
use assetmap::search::index::{Attrs, Filter, Hit, Item, SpatialIndex};

/// Population beyond 5 km per category, from ../shared/bench/README.md.
const EXPECTED: [(&str, u64); 6] = [
    ("legal", 194_204_303),
    ("health", 140_789_363),
    ("housing", 171_374_963),
    ("library", 148_605_160),
    ("faith", 129_357_393),
    ("advocacy", 179_783_426),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn bench_data() -> PathBuf {
    let dir = root().join("target/bench-data");
    if !dir.join("demand.csv").exists() || !dir.join("partners.csv").exists() {
        eprintln!("bench data missing: running python3 ../shared/bench/gen_data.py --out target/bench-data");
        let ok = Command::new("python3")
            .args(["../shared/bench/gen_data.py", "--out", "target/bench-data"])
            .current_dir(root())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "could not generate the bench data; run the command above from the repository root");
    }
    dir
}

fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:8.1} ms", d.as_secs_f64() * 1e3)
}

/// Our engine: per-category k-d trees, Hilbert order, previous answer as bound.
fn ours(sites: &[PointRow], demand: &[DemandPoint], threads: usize) -> Vec<(String, u64)> {
    let (rows, _, _) = files::coverage(sites, demand, &[5_000.0], threads);
    rows.into_iter().map(|r| (r.category, r.beyond[0])).collect()
}

/// The reference: the live index (its k-d trees over unit vectors), one exact 1-nearest search per
/// demand point in file order.
fn live_index_per_point(
    index: &SpatialIndex<u32>,
    cats: &[String],
    demand: &[(LonLat, u64)],
) -> Vec<(String, u64)> {
    let limit = metres_to_chord2(5_000.0);
    let mut out: Vec<Hit> = Vec::with_capacity(1);
    let none = Filter::default();
    cats.iter()
        .map(|c| {
            let category = Category::parse(c).unwrap();
            let mut beyond = 0;
            for (q, w) in demand {
                index.nearest(*q, Some(&category), 1, None, &none, &mut out);
                if out.first().is_none_or(|h| h.chord2 > limit) {
                    beyond += w;
                }
            }
            (c.clone(), beyond)
        })
        .collect()
}

fn check(name: &str, got: &[(String, u64)]) {
    for (c, want) in EXPECTED {
        let have = got.iter().find(|(g, _)| g == c).map(|(_, b)| *b);
        assert_eq!(have, Some(want), "{name}: {c}");
    }
}

fn main() {
    let dir = bench_data();
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(21);
    let sites = read_points("partners.csv", std::fs::File::open(dir.join("partners.csv")).unwrap()).unwrap();
    let bytes = std::fs::read(dir.join("demand.csv")).unwrap();
    let (demand, _) = parse_demand_csv(&bytes, &|_| None).unwrap();
    println!(
        "coverage: {} demand points x 6 categories = {} nearest searches, {} sites, threshold 5 km; median of {runs} runs",
        demand.len(),
        demand.len() * 6,
        sites.len()
    );

    // Exactness first.
    check("ours, 2 threads", &ours(&sites, &demand, 2));
    check("ours, 1 thread", &ours(&sites, &demand, 1));
    let index = SpatialIndex::bulk_load(
        sites
            .iter()
            .enumerate()
            .map(|(i, s)| Item {
                key: i as u32,
                at: s.at,
                categories: vec![s.category.clone()],
                attrs: Attrs::default(),
            })
            .collect(),
    );
    let cats: Vec<String> = EXPECTED.iter().map(|(c, _)| c.to_string()).collect();
    let file_order: Vec<(LonLat, u64)> = demand.iter().map(|p| (p.at, p.weight)).collect();
    check("live index per point", &live_index_per_point(&index, &cats, &file_order));
    println!(
        "answers: exact (population beyond 5 km matches ../shared/bench/README.md for all 6 categories)"
    );

    // Ours: everything after loading (trees, ordering, searches), and the searches alone.
    let trees = files::index_sites(&sites);
    let ordered = OrderedDemand::new(&demand);
    let t5 = [Threshold::new(5_000.0)];
    let mut scratch = Vec::new();
    for threads in [2, 1] {
        let all = median(runs, || {
            ours(&sites, &demand, threads);
        });
        let search = median(runs, || {
            for (_, tree) in &trees {
                files::beyond(tree, &ordered, &t5, threads, &mut scratch);
            }
        });
        println!(
            "assetmap k-d tree + Hilbert order + neighbour bound, {threads} thread(s): {} searches and sums, {} with trees and ordering",
            ms(search),
            ms(all)
        );
    }
    let build = median(runs, || {
        files::index_sites(&sites);
    });
    let order = median(runs, || {
        OrderedDemand::new(&demand);
    });
    println!("  of which: trees for 50,000 sites {}, Hilbert order of the demand {}", ms(build), ms(order));

    // Reference in the same run: the live index, one search per point, file order.
    let reference = median(runs.min(5), || {
        live_index_per_point(&index, &cats, &file_order);
    });
    println!(
        "reference: the live index, one nearest per point, file order, 1 thread:       {}",
        ms(reference)
    );

    scipy(&dir, runs);
    http(runs);
}

/// SciPy's cKDTree in the same run, if installed.
fn scipy(dir: &Path, runs: usize) {
    let script = root().join("server/benches/coverage_scipy.py");
    let has = Command::new("python3").args(["-c", "import scipy"]).status().is_ok_and(|s| s.success());
    if !has {
        println!(
            "reference: SciPy not installed (pip install scipy) — cKDTree figures not measured in this run"
        );
        return;
    }
    let out = Command::new("python3")
        .arg(&script)
        .arg(dir)
        .arg("5000")
        .arg(runs.to_string())
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout);
    for (c, want) in EXPECTED {
        let line = text.lines().find(|l| l.split_whitespace().nth(1) == Some(c)).unwrap_or("");
        let got: u64 = line.split_whitespace().nth(2).unwrap_or("").replace(',', "").parse().unwrap_or(0);
        assert_eq!(got, want, "SciPy {c}: {text}");
    }
    for line in text.lines().filter(|l| l.contains("median")) {
        println!("reference: {line}");
    }
}

/// The Miami-Dade service-area query through HTTP: the release server on a random port over the
/// demo data, median latency of many requests on one keep-alive connection.
fn http(runs: usize) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let mut settings =
            assetmap::Settings::new(format!("sqlite://{}", dir.path().join("bench.db").display()));
        settings.addr = "127.0.0.1:0".parse().unwrap();
        settings.demo = true;
        let app = assetmap::App::build(settings).await.unwrap();
        let base = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        let client = reqwest::Client::new();
        let n = (runs * 10).max(100);
        for (label, path) in [
            ("legal, 5 km, 3 suggestions", "/api/v1/gaps?category=legal&threshold_m=5000&suggest=3"),
            (
                "legal, Spanish, free, 5 km, res 7, 3 suggestions",
                "/api/v1/gaps?category=legal&threshold_m=5000&lang=es&free=true&resolution=7&suggest=3",
            ),
            ("coverage, 9 categories x 4 thresholds", "/api/v1/coverage?thresholds=1000,2000,5000,10000"),
        ] {
            let url = format!("{base}{path}");
            let first: serde_json::Value = client.get(&url).send().await.unwrap().json().await.unwrap();
            assert!(first["population_total"].as_u64().unwrap() > 2_000_000, "{first}");
            let mut times = Vec::with_capacity(n);
            for _ in 0..n {
                let t = Instant::now();
                let res = client.get(&url).send().await.unwrap();
                assert!(res.status().is_success());
                let body = res.bytes().await.unwrap();
                times.push(t.elapsed());
                assert!(!body.is_empty());
            }
            times.sort();
            println!(
                "HTTP Miami-Dade (701 populated tracts), {label}: median {} (p90 {}) over {n} requests",
                ms(times[n / 2]),
                ms(times[n * 9 / 10])
            );
        }
    });
}
