//! A statewide deployment: several `assetmap serve` instances behind a load balancer on one
//! PostgreSQL database. A counselor's search may land on any of them, so what an editor wrote
//! through one must be found through the others within a second — even by an instance that
//! lost its database connection for a while — and a process killed halfway through a write
//! must leave nothing behind.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sqlx::PgConnection;

use crate::helpers::{
    assetmap_binary, eventually, logs, settings, spawn_app, spawn_on, spawn_with, Backend, TestApp,
};

/// The ids `app` answers for a nearest query, nearest first.
async fn nearest_ids(app: &TestApp, query: &str) -> Vec<String> {
    let body = app.get_json(&format!("/api/v1/nearest?{query}")).await;
    body["results"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
}

/// Waits until `app` answers `query` with exactly `want`; returns how long that took.
async fn until_nearest(app: &TestApp, query: &str, want: &[&str], limit: Duration, what: &str) -> Duration {
    eventually(limit, what, || async move { nearest_ids(app, query).await == want }).await
}

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

async fn a_write_through_one_instance_is_found_through_another_within_a_second() {
    let a = spawn_app(Backend::Postgres).await;
    let b = spawn_on(&a.db, false).await;
    let one_second = Duration::from_secs(1);

    // An editor adds a clinic through A; a counselor's search lands on B.
    let p = a.partner("Esperanza Legal").await;
    let clinic =
        a.site(&p, json!({"name": "Clínica", "lon": -80.2, "lat": 25.8, "categories": ["legal"], "languages": ["ht"]})).await;
    let near_clinic = "lon=-80.2&lat=25.8&category=legal&lang=ht";
    let took =
        until_nearest(&b, near_clinic, &[id(&clinic)], one_second, "B finds the clinic A created").await;
    assert_eq!(b.get_json(&format!("/api/v1/sites/{}", id(&clinic))).await["name"], "Clínica");

    // An edit through B (the clinic moves), seen through A.
    let res = b
        .patch(&format!("/api/v1/sites/{}", id(&clinic)), &json!({"version": 1, "lon": -80.3, "lat": 25.9}))
        .await;
    assert_eq!(res.status(), 200);
    let moved = "lon=-80.3&lat=25.9&category=legal&k=1&max_m=10";
    until_nearest(&a, moved, &[id(&clinic)], one_second, "A sees the clinic B moved").await;
    // A stale edit through A, made from the version before B's, is refused: nothing is lost.
    let res =
        a.patch(&format!("/api/v1/sites/{}", id(&clinic)), &json!({"version": 1, "name": "Overwrite"})).await;
    assert_eq!(res.status(), 409);

    // The partner goes on hold through A: its sites leave B's map too. Then it is deleted.
    let res = a.patch_current(&format!("/api/v1/partners/{p}"), &json!({"status": "pending"})).await;
    assert_eq!(res.status(), 200);
    until_nearest(&b, moved, &[], one_second, "B hides the sites of a partner on hold").await;
    assert_eq!(a.delete_current(&format!("/api/v1/partners/{p}")).await.status(), 204);
    eventually(one_second, "B forgets the deleted partner and its site", || async {
        b.get_json("/healthz").await["partners"] == 0
    })
    .await;
    assert_eq!(b.get_json("/healthz").await["sites"], 0);
    assert_eq!(b.get(&format!("/api/v1/sites/{}", id(&clinic))).await.status(), 404);
    // A applies its own writes back from the feed too, as asynchronously as B does: both
    // positions meet, without either being told to catch up.
    eventually(one_second, "both instances have applied the same changes", || async {
        a.get_json("/healthz").await["feed_position"] == b.get_json("/healthz").await["feed_position"]
    })
    .await;
    assert!(took < one_second);
}

/// Ends every session of `instance` (its pool and its feed listener) and forbids its role to log
/// in again, as a network cut would; returns the sessions ended.
async fn cut(c: &mut PgConnection, role_url: &str, instance: &str) -> Vec<String> {
    let role = url::Url::parse(role_url).unwrap().username().to_owned();
    sqlx::query(&format!("alter role \"{role}\" nologin")).execute(&mut *c).await.unwrap();
    let mut ended: Vec<String> = sqlx::query_scalar(
        "select application_name::text from pg_stat_activity \
         where application_name like $1 and pg_terminate_backend(pid)",
    )
    .bind(format!("assetmap:{instance}%"))
    .fetch_all(&mut *c)
    .await
    .unwrap();
    ended.sort();
    ended
}

async fn restore(c: &mut PgConnection, role_url: &str) {
    let role = url::Url::parse(role_url).unwrap().username().to_owned();
    sqlx::query(&format!("alter role \"{role}\" login")).execute(&mut *c).await.unwrap();
}

async fn an_instance_cut_off_from_the_database_catches_up_when_it_is_back() {
    let a = spawn_app(Backend::Postgres).await;
    // B connects as a role of its own, so the test can keep B — and only B — out for a while.
    let b_url = a.db.role("b").await;
    let mut b_settings = settings(&b_url, false);
    b_settings.instance = format!("b-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let b_instance = b_settings.instance.clone();
    let b = spawn_with(&a.db, b_settings).await;
    let mut admin = a.db.psql().await;

    let p = a.partner("Esperanza Legal").await;
    let first =
        a.site(&p, json!({"name": "First", "lon": -80.2, "lat": 25.8, "categories": ["legal"]})).await;
    let near_first = "lon=-80.2&lat=25.8&category=legal&k=1&max_m=10";
    until_nearest(&b, near_first, &[id(&first)], Duration::from_secs(1), "B finds the first site").await;

    // B's connections drop, listener included, and cannot come back yet.
    let ended = cut(&mut admin, &b_url, &b_instance).await;
    assert!(ended.contains(&format!("assetmap:{b_instance}:feed")), "B's listener was cut: {ended:?}");
    // Meanwhile, through A: a new site, and the first one moves away.
    let second =
        a.site(&p, json!({"name": "Second", "lon": -80.5, "lat": 25.5, "categories": ["legal"]})).await;
    let res =
        a.patch_current(&format!("/api/v1/sites/{}", id(&first)), &json!({"lon": -80.1, "lat": 25.9})).await;
    assert_eq!(res.status(), 200);
    let near_second = "lon=-80.5&lat=25.5&category=legal&k=1&max_m=10";
    let moved = "lon=-80.1&lat=25.9&category=legal&k=1&max_m=10";
    until_nearest(&a, near_second, &[id(&second)], Duration::from_secs(1), "A has its own write").await;

    // B keeps answering from memory, without the news: it has missed the notifications.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(nearest_ids(&b, near_first).await, [id(&first)], "B still answers, from what it knew");
    assert!(nearest_ids(&b, near_second).await.is_empty(), "B cannot have heard of the second site");

    // B may connect again: it reconnects by itself and catches up on everything it missed.
    restore(&mut admin, &b_url).await;
    let limit = Duration::from_secs(10);
    until_nearest(&b, near_second, &[id(&second)], limit, "B catches up on the new site").await;
    until_nearest(&b, moved, &[id(&first)], limit, "B catches up on the move").await;
    assert!(nearest_ids(&b, near_first).await.is_empty(), "the old position is gone from B");

    // Away for longer than the feed keeps its entries: B reloads the whole directory instead.
    cut(&mut admin, &b_url, &b_instance).await;
    let third =
        a.site(&p, json!({"name": "Third", "lon": -81.0, "lat": 26.0, "categories": ["legal"]})).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let pruned = a.state.directory.store().prune_changes(Duration::ZERO).await.unwrap();
    assert!(pruned >= 4, "pruned {pruned}");
    restore(&mut admin, &b_url).await;
    let near_third = "lon=-81&lat=26&category=legal&k=1&max_m=10";
    until_nearest(&b, near_third, &[id(&third)], limit, "B reloads after the feed was pruned").await;
    assert_eq!(b.get_json("/healthz").await["sites"], 3);
    let log = String::from_utf8_lossy(&logs().lock().unwrap()).into_owned();
    assert!(log.contains("change feed entries were pruned; reloaded the directory"));
}

/// A CSV of `n` sites of one partner around Miami.
fn big_csv(path: &Path, n: usize) {
    let mut text = String::from("source_id,partner_name,name,lon,lat,categories,languages\n");
    for i in 0..n {
        let (lon, lat) = (-80.6 + (i % 100) as f64 * 0.004, 25.4 + (i / 100) as f64 * 0.004);
        text.push_str(&format!("bulk-{i},Bulk Partner,Site {i},{lon:.5},{lat:.5},legal;food,es;ht\n"));
    }
    std::fs::write(path, text).unwrap();
}

/// What the database holds, counted by an operator.
async fn counts(c: &mut PgConnection) -> [i64; 5] {
    let mut out = [0; 5];
    let queries = [
        "select count(*) from partners",
        "select count(*) from sites",
        "select count(*) from site_categories",
        "select count(*) from changes",
        "select seq from change_head",
    ];
    for (o, q) in out.iter_mut().zip(queries) {
        *o = sqlx::query_scalar(q).fetch_one(&mut *c).await.unwrap();
    }
    out
}

async fn an_import_process_killed_in_the_middle_of_its_write_leaves_nothing_behind() {
    const N: usize = 5000;
    let a = spawn_app(Backend::Postgres).await;
    let csv = a.db.dir.path().join("bulk.csv");
    big_csv(&csv, N);
    let instance = format!("kill-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let import = |instance: &str| {
        let mut cmd = Command::new(assetmap_binary());
        cmd.args([
            "import",
            csv.to_str().unwrap(),
            "--commit",
            "--database",
            &a.db.url,
            "--instance",
            instance,
        ])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        cmd
    };
    // The test holds the feed's head row, which a writer takes last, just before its commit:
    // the import writes every partner, site and category link, then waits there.
    let mut admin = a.db.psql().await;
    let mut holder = a.db.psql().await;
    sqlx::query("begin").execute(&mut holder).await.unwrap();
    sqlx::query("select seq from change_head for update").execute(&mut holder).await.unwrap();
    let mut child = import(&instance).spawn().expect("assetmap import starts");

    let app_name = format!("assetmap:{instance}");
    let start = Instant::now();
    loop {
        let waiting: Option<bool> = sqlx::query_scalar(
            "select coalesce(backend_xid is not null and wait_event_type = 'Lock' \
             and query like 'update change_head%', false) \
             from pg_stat_activity where application_name = $1",
        )
        .bind(&app_name)
        .fetch_optional(&mut admin)
        .await
        .unwrap();
        if waiting == Some(true) {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the import ended ({status}) before it reached its commit");
        }
        assert!(start.elapsed() < Duration::from_secs(120), "the import never reached its commit");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Every row is written, none committed: kill it (SIGKILL, no chance to clean up).
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "killed, not finished");
    sqlx::query("rollback").execute(&mut holder).await.unwrap();

    // Once the server has noticed the client is gone, nothing of the transaction remains.
    eventually(Duration::from_secs(30), "the killed import's session ends", || async {
        let mut c = a.db.psql().await;
        let n: i64 = sqlx::query_scalar("select count(*) from pg_stat_activity where application_name = $1")
            .bind(&app_name)
            .fetch_one(&mut c)
            .await
            .unwrap();
        n == 0
    })
    .await;
    assert_eq!(counts(&mut admin).await, [0; 5], "no partner, site, category link or feed entry left");
    assert_eq!(a.get_json("/healthz").await["sites"], 0);
    let fresh = spawn_on(&a.db, false).await;
    assert_eq!(fresh.get_json("/healthz").await["sites"], 0);

    // The same import, left to finish, lands whole — and the running instance gets all of it.
    let out = import(&format!("{instance}-again")).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("sites:    {N} new")));
    let n = N as i64;
    assert_eq!(counts(&mut admin).await, [1, n, 2 * n, n + 1, n + 1]);
    eventually(Duration::from_secs(10), "the running instance loads the whole import", || async {
        a.get_json("/healthz").await["mapped"] == N
    })
    .await;
    let near = a.get_json("/api/v1/nearest?lon=-80.6&lat=25.4&category=food&k=1").await;
    assert_eq!(near["results"][0]["name"], "Site 0");
}

postgres_only!(
    a_write_through_one_instance_is_found_through_another_within_a_second,
    an_instance_cut_off_from_the_database_catches_up_when_it_is_back,
    an_import_process_killed_in_the_middle_of_its_write_leaves_nothing_behind,
);
