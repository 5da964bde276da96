//! Writing a nearest answer as JSON: the largest part of the server's own work per
//! `/api/v1/nearest` request (about 7 KB for five realistic records).
//!
//!     cargo bench -p assetmap --bench answer
//!
//! The 50,000 realistic sites of the HTTP bench, loaded from SQLite into the catalog; for each
//! of the generator's 10,000 queries the 5 nearest sites of its category are found once, then
//! the answers are written again and again, alternating the writer the server uses
//! (`view::write_sites`) and the reference, `serde_json::to_writer` of the same views, in the same
//! run. Every answer of both must be byte for byte the same. Median of 15 rounds each,
//! per-thread CPU time beside wall time.

mod common;

use std::hint::black_box;
use std::time::Duration;

use assetmap::catalog::Catalog;
use assetmap::directory::view::{self, Viewer};
use assetmap::search::index::Filter;
use assetmap::search::NearestQuery;
use assetmap::store::{SqliteStore, Store};
use chrono::Utc;
use common::{bench_data, build_db, median, points, root, timed};

const ROUNDS: usize = 15;

fn main() {
    let db = root().join("target/bench-db/sites-50k.db");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    build_db(&db, 50_000);
    let queries = points(&bench_data(50_000).join("queries.csv"));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let snapshot = rt.block_on(async {
        let store = SqliteStore::connect(&db.display().to_string()).await.unwrap();
        store.load().await.unwrap()
    });
    let catalog = Catalog::from_snapshot(snapshot, Default::default());
    let now = Utc::now();
    let filter = Filter::default();
    let answers: Vec<_> = queries
        .iter()
        .map(|q| {
            let query = NearestQuery {
                at: q.at,
                category: Some(q.category.clone()),
                k: 5,
                max_m: None,
                filter: filter.clone(),
            };
            catalog.nearest(&query)
        })
        .collect();

    // 0: build the views only (the floor: looking up partners, touching the records);
    // 1: build and write them with `view::write_sites`; 2: the same with serde_json.
    let write_all = |how: u8| {
        let mut bytes = 0usize;
        for hits in &answers {
            let views: Vec<_> = hits
                .iter()
                .map(|(s, d)| view::site(&catalog, s, Some(*d), now, 180, Viewer::Public))
                .collect();
            let mut out = Vec::with_capacity(8 * 1024);
            match how {
                0 => out.push(black_box(views.len() as u8)),
                1 => view::write_sites(&mut out, &views),
                _ => serde_json::to_writer(&mut out, &views).unwrap(),
            }
            bytes += black_box(out).len();
        }
        bytes
    };

    // The same bytes, answer by answer.
    for hits in &answers {
        let views: Vec<_> =
            hits.iter().map(|(s, d)| view::site(&catalog, s, Some(*d), now, 180, Viewer::Public)).collect();
        let mut ours = Vec::new();
        view::write_sites(&mut ours, &views);
        assert_eq!(ours, serde_json::to_vec(&views).unwrap(), "the writers disagree");
    }

    let (mut ours, mut reference, mut floor): (Vec<_>, Vec<_>, Vec<_>) = (vec![], vec![], vec![]);
    let mut size = 0;
    for _ in 0..ROUNDS {
        ours.push(timed(|| size = write_all(1)));
        reference.push(timed(|| {
            write_all(2);
        }));
        floor.push(timed(|| {
            write_all(0);
        }));
    }
    let per = |xs: &[(Duration, Duration)], cpu: bool| {
        let d = median(xs.iter().map(|(w, c)| if cpu { *c } else { *w }).collect());
        d.as_secs_f64() * 1e6 / answers.len() as f64
    };
    println!(
        "Writing {} nearest answers (k = 5, 50,000 realistic sites, {:.1} KB per answer), median of {ROUNDS}:",
        answers.len(),
        size as f64 / answers.len() as f64 / 1000.0
    );
    println!(
        "  view::write_sites:           {:>6.2} µs per answer (CPU {:>6.2} µs)",
        per(&ours, false),
        per(&ours, true)
    );
    println!(
        "  the views alone, not written: {:>6.2} µs per answer (CPU {:>6.2} µs)",
        per(&floor, false),
        per(&floor, true)
    );
    println!(
        "  reference serde_json:        {:>6.2} µs per answer (CPU {:>6.2} µs)",
        per(&reference, false),
        per(&reference, true)
    );
}
