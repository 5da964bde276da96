//! The two stores keep the same promises: a batch lands whole or not at all; an edit from a
//! stale version, or of a record that is gone, is refused by name; a rule the database enforces
//! is refused with a message a client can act on. And on PostgreSQL, the change feed through
//! which instances learn of each other's writes has no holes.

use std::sync::Arc;
use std::time::Duration;

use assetmap::domain::{Category, Partner, PartnerInput, Site, SiteInput};
use assetmap::store::{connect, Change, Store, StoreError};
use chrono::Utc;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{Backend, TestDb};

fn partner(name: &str) -> Partner {
    let input: PartnerInput = serde_json::from_value(json!({ "name": name })).unwrap();
    input.validate(Uuid::new_v4(), Utc::now(), None).unwrap()
}

fn site(partner: &Partner, body: Value) -> Site {
    let input: SiteInput = serde_json::from_value(body).unwrap();
    input.validate(Uuid::new_v4(), partner.id, Utc::now(), None, &|_| true).unwrap()
}

/// The next version of `s`, as an edit makes it.
fn edited(s: &Site, name: &str) -> Site {
    Site { name: name.to_owned(), version: s.version + 1, ..s.clone() }
}

fn constraint(r: Result<(), StoreError>) -> String {
    match r {
        Err(StoreError::Constraint(m)) => m,
        other => panic!("expected a constraint refusal, got {other:?}"),
    }
}

async fn a_batch_lands_whole_and_stale_missing_or_forbidden_writes_are_refused_by_name(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = connect(&db.url, "store-test").await.unwrap();
    let p = partner("Esperanza Legal");
    let s = site(
        &p,
        json!({"source_id": "s1", "name": "Clínica", "lon": -80.2, "lat": 25.8, "categories": ["legal"],
               "languages": ["es", "ht"], "cost": "sliding_scale", "walk_in": true,
               "hours": {"timezone": "America/New_York", "weekly": [{"day": "sat", "opens": "09:00", "closes": "13:00"}]},
               "last_verified_at": "2026-10-01T00:00:00Z"}),
    );
    store.apply(&vec![Change::CreatePartner(p.clone()), Change::CreateSite(s.clone())]).await.unwrap();
    let loaded = store.load().await.unwrap();
    assert_eq!(loaded.partners, vec![p.clone()]);
    assert_eq!(loaded.sites, vec![Arc::new(s.clone())], "every field reads back as written");

    // Two people edit version 1: the first wins, the second is told it is stale.
    let v2 = edited(&s, "Clínica Esperanza");
    store.apply(&vec![Change::UpdateSite(v2.clone())]).await.unwrap();
    let late = edited(&s, "Overwrite");
    assert!(matches!(store.apply(&vec![Change::UpdateSite(late)]).await, Err(StoreError::Conflict(_))));
    let gone = Site { id: Uuid::new_v4(), ..edited(&v2, "Nobody") };
    assert!(matches!(store.apply(&vec![Change::UpdateSite(gone)]).await, Err(StoreError::NotFound(_))));
    assert!(matches!(
        store.apply(&vec![Change::DeleteSite(Uuid::new_v4())]).await,
        Err(StoreError::NotFound(_))
    ));

    // A batch whose last change is refused leaves nothing of its first.
    let fine = site(&p, json!({"source_id": "s2", "name": "Fine", "categories": ["health"]}));
    let dup = site(&p, json!({"source_id": "s1", "name": "Duplicate", "categories": ["legal"]}));
    let m = constraint(store.apply(&vec![Change::CreateSite(fine.clone()), Change::CreateSite(dup)]).await);
    assert_eq!(m, "source_id is already used by another record");
    let orphan =
        Site { partner_id: Uuid::new_v4(), ..site(&p, json!({"name": "Orphan", "categories": ["legal"]})) };
    let m =
        constraint(store.apply(&vec![Change::CreateSite(fine.clone()), Change::CreateSite(orphan)]).await);
    assert_eq!(m, "a referenced partner or category does not exist");
    let mut unknown = site(&p, json!({"name": "Wizards", "categories": ["legal"]}));
    unknown.categories = vec![Category::parse("wizardry").unwrap()];
    let m = constraint(store.apply(&vec![Change::CreateSite(unknown)]).await);
    assert_eq!(m, "a referenced partner or category does not exist");
    let again = Partner { name: "Another".to_owned(), ..p.clone() };
    let m = constraint(store.apply(&vec![Change::CreatePartner(again)]).await);
    assert_eq!(m, "id is already used by another record");
    let mut off_globe = site(&p, json!({"name": "Off", "categories": ["legal"]}));
    off_globe.lat = Some(95.0);
    off_globe.lon = Some(0.0);
    let m = constraint(store.apply(&vec![Change::CreateSite(off_globe)]).await);
    assert!(m.starts_with("a value is out of range"), "{m}");
    let loaded = store.load().await.unwrap();
    assert_eq!(loaded.sites, vec![Arc::new(v2)], "only the first edit landed");

    // Deleting a partner deletes its sites.
    store.apply(&vec![Change::DeletePartner(p.id)]).await.unwrap();
    let loaded = store.load().await.unwrap();
    assert!(loaded.partners.is_empty() && loaded.sites.is_empty());
    assert!(store.is_empty().await.unwrap());
}

/// Twelve writers at once, a third of their batches refused halfway: the feed still numbers
/// every committed change 1, 2, 3, ... with no hole a reader would have to wait on, and names
/// exactly the records that changed.
async fn the_change_feed_has_no_holes_under_concurrent_writers_and_knows_when_it_was_pruned() {
    let db = TestDb::new(Backend::Postgres).await;
    let store: Arc<dyn Store> = connect(&db.url, "feed-test").await.unwrap();
    let p = partner("Shared");
    store.apply(&vec![Change::CreatePartner(p.clone())]).await.unwrap();
    let start = store.load().await.unwrap().position;
    assert_eq!(start, 1);

    let mut writers = Vec::new();
    for w in 0..12 {
        let (store, p) = (Arc::clone(&store), p.clone());
        writers.push(tokio::spawn(async move {
            let mut written = Vec::new();
            for i in 0..6 {
                let a = site(
                    &p,
                    json!({"name": format!("w{w} s{i}"), "lon": -80.0, "lat": 25.0, "categories": ["legal"]}),
                );
                let b = site(&p, json!({"name": format!("w{w} t{i}"), "categories": ["food"]}));
                let mut batch = vec![Change::CreateSite(a.clone()), Change::CreateSite(b.clone())];
                if i % 3 == 2 {
                    // Refused at the end of the batch: rolled back, numbers and all.
                    batch.push(Change::DeleteSite(Uuid::new_v4()));
                    assert!(store.apply(&batch).await.is_err());
                } else {
                    store.apply(&batch).await.unwrap();
                    written.extend([a.id, b.id]);
                }
            }
            written
        }));
    }
    let mut written = Vec::new();
    for w in writers {
        written.extend(w.await.unwrap());
    }
    let mut c = db.psql().await;
    let seqs: Vec<i64> =
        sqlx::query_scalar("select seq from changes order by seq").fetch_all(&mut c).await.unwrap();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "positions are 1..head without a hole");
    assert_eq!(seqs.len(), 1 + written.len());

    let changed = store.changes_since(start).await.unwrap().expect("entries kept");
    assert_eq!(changed.position, seqs.len() as i64);
    let mut got: Vec<Uuid> = changed
        .sites
        .iter()
        .map(|(id, s)| {
            assert!(s.is_some(), "created, so present");
            *id
        })
        .collect();
    got.sort_unstable();
    written.sort_unstable();
    assert_eq!(got, written);
    assert!(store.changes_since(changed.position).await.unwrap().unwrap().is_empty());

    // A deletion is named, with no record.
    store.apply(&vec![Change::DeleteSite(written[0])]).await.unwrap();
    let changed = store.changes_since(seqs.len() as i64).await.unwrap().unwrap();
    assert_eq!(changed.sites, vec![(written[0], None)]);

    // Pruned: a reader that still needed those entries is told to reload; one that is up to
    // date is not.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let pruned = store.prune_changes(Duration::ZERO).await.unwrap();
    assert_eq!(pruned as usize, seqs.len() + 1);
    assert!(store.changes_since(start).await.unwrap().is_none());
    let head = changed.position;
    assert!(store.changes_since(head).await.unwrap().unwrap().is_empty());
    // A reader ahead of the database (restored from an older backup) reloads too.
    assert!(store.changes_since(head + 5).await.unwrap().is_none());
}

both_stores!(a_batch_lands_whole_and_stale_missing_or_forbidden_writes_are_refused_by_name);

/// A load reads every site exactly once (SQLite splits the sites between read connections by
/// rowid and reads each range in chunks of 1,000; deletions leave holes in the rowids). 2,310
/// sites are left: more than one chunk for each of the two readers.
async fn a_load_reads_every_site_once(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = connect(&db.url, "store-test").await.unwrap();
    let p = partner("Many sites");
    let sites: Vec<Site> = (0..3_300)
        .map(|i| {
            site(&p, json!({"name": format!("Site {i}"), "categories": ["legal"], "lon": -80.0 - f64::from(i) / 10_000.0, "lat": 25.8}))
        })
        .collect();
    let mut batch = vec![Change::CreatePartner(p.clone())];
    batch.extend(sites.iter().cloned().map(Change::CreateSite));
    store.apply(&batch).await.unwrap();
    // An irregular third of them deleted, so that chunks end next to kept and deleted rows alike.
    let deleted = |i: usize| (i * 7_919) % 10 < 3;
    let gone: Vec<Change> = sites
        .iter()
        .enumerate()
        .filter(|(i, _)| deleted(*i))
        .map(|(_, s)| Change::DeleteSite(s.id))
        .collect();
    store.apply(&gone).await.unwrap();
    let mut want: Vec<Uuid> =
        sites.iter().enumerate().filter(|(i, _)| !deleted(*i)).map(|(_, s)| s.id).collect();
    assert!(want.len() > 2_200, "{}", want.len());
    want.sort();
    let mut got: Vec<Uuid> = store.load().await.unwrap().sites.iter().map(|s| s.id).collect();
    got.sort();
    assert_eq!(got.len(), want.len(), "sites loaded");
    assert!(got == want, "the same sites");
}

both_stores!(a_load_reads_every_site_once);
postgres_only!(the_change_feed_has_no_holes_under_concurrent_writers_and_knows_when_it_was_pruned);
