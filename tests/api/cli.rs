//! The command line: import with a dry run and a per-row report; nearest as a table; batch mode.

use assetmap::cli::run_args;

use crate::helpers::{spawn_demo, spawn_on, Backend, TestDb};

/// Runs the CLI in-process; returns (exit code, stdout, stderr).
pub async fn cli(args: &[&str]) -> (u8, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_args(std::iter::once("assetmap").chain(args.iter().copied()), &mut out, &mut err).await;
    let code = if code == std::process::ExitCode::SUCCESS { 0 } else { 1 };
    (code, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
}

const GOOD: &str = "\u{feff}source_id,partner_name,name,lon,lat,categories,languages,phone,phone_languages,hours_sat,cost,description_es\n\
s1,Ayuda Legal,Ayuda Legal Little Havana,-80.22,25.77,legal;advocacy,es;ht,305-555-0100,ht,09:00-13:00,free,Clínica gratuita\n\
s2,Ayuda Legal,Ayuda Legal Hialeah,-80.28,25.86,legal,es,,,,,\n\
s3,Biblioteca,Unmapped Library,,,library,,,,,,\n";

async fn import_is_a_dry_run_until_committed_and_idempotent_after(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.url.as_str();
    let csv = test_db.dir.path().join("sites.csv");
    std::fs::write(&csv, GOOD).unwrap();
    let file = csv.to_str().unwrap();

    let (code, out, _) = cli(&["import", file, "--database", db]).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("3 new") && out.contains("dry run"), "{out}");
    assert!(out.contains("row 4: Unmapped Library"), "{out}");
    let (_, out, _) =
        cli(&["nearest", "--lon", "-80.22", "--lat", "25.77", "--category", "legal", "--database", db]).await;
    assert!(out.contains("no matching site"), "dry run wrote nothing: {out}");

    let (code, out, _) = cli(&["import", file, "--commit", "--database", db]).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("partners: 2 new") && out.contains("committed"), "{out}");
    let (_, out, _) = cli(&[
        "nearest",
        "--lon",
        "-80.22",
        "--lat",
        "25.77",
        "--category",
        "legal",
        "--lang",
        "ht",
        "--database",
        db,
    ])
    .await;
    assert!(out.contains("Ayuda Legal Little Havana") && !out.contains("Hialeah"), "{out}");

    let (code, out, _) = cli(&["import", file, "--commit", "--database", db]).await;
    assert_eq!(code, 0);
    assert!(
        out.contains("0 new, 0 updated, 3 unchanged") && out.contains("partners: 0 new, 0 updated"),
        "{out}"
    );
}

async fn a_bad_file_names_row_and_field_and_writes_nothing(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.url.as_str();
    let dir = &test_db.dir;
    let good = dir.path().join("good.csv");
    std::fs::write(&good, GOOD).unwrap();
    assert_eq!(cli(&["import", good.to_str().unwrap(), "--commit", "--database", db]).await.0, 0);

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "source_id,partner_name,name,lon,lat,categories,languages\n\
         s1,Ayuda Legal,Renamed,-80.22,25.77,legal,es\n\
         s9,Ayuda Legal,Off the globe,-80.22,95.5,legal,es\n\
         s10,Ayuda Legal,Bad lang,-80.2,25.7,legal,zz\n\
         s11,,No partner,-80.2,25.7,legal,es\n",
    )
    .unwrap();
    let (code, out, err) = cli(&["import", bad.to_str().unwrap(), "--commit", "--database", db]).await;
    assert_eq!(code, 1);
    assert!(out.contains("row 3: lat:"), "{out}");
    assert!(out.contains("row 4: languages[0]:") || out.contains("row 4: languages"), "{out}");
    assert!(out.contains("row 5: partner_name:"), "{out}");
    assert!(err.contains("nothing was written"), "{err}");
    // The good row of the bad file was not applied either.
    let (_, out, _) =
        cli(&["nearest", "--lon", "-80.22", "--lat", "25.77", "--category", "legal", "--database", db]).await;
    assert!(out.contains("Ayuda Legal Little Havana") && !out.contains("Renamed"), "{out}");

    let missing = dir.path().join("nocols.csv");
    std::fs::write(&missing, "name,lon,lat,kategory\nx,1,2,legal\n").unwrap();
    let (code, _, err) = cli(&["import", missing.to_str().unwrap(), "--database", db]).await;
    assert_eq!(code, 1);
    assert!(err.contains("kategory"), "{err}");
    let latin1 = dir.path().join("latin1.csv");
    std::fs::write(&latin1, b"name,categories\nCaf\xe9,legal\n").unwrap();
    let (code, _, err) = cli(&["import", latin1.to_str().unwrap(), "--database", db]).await;
    assert_eq!(code, 1);
    assert!(err.contains("not UTF-8") && err.contains("line 2"), "{err}");
}

#[tokio::test]
async fn batch_mode_answers_from_files_without_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let sites = dir.path().join("sites.csv");
    let queries = dir.path().join("queries.csv");
    std::fs::write(
        &sites,
        "id,category,lon,lat\na,legal,179.9,52.0\nb,legal,-179.9,52.0\nc,health,0,0\nd,legal,10,52\n",
    )
    .unwrap();
    std::fs::write(&queries, "id,category,lon,lat\nq1,legal,-179.95,52.0\nq2,health,1,1\n").unwrap();
    let (code, out, err) = cli(&[
        "nearest",
        "--sites",
        sites.to_str().unwrap(),
        "--queries",
        queries.to_str().unwrap(),
        "--k",
        "2",
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "query_id,rank,site_id,distance_m");
    // Across the antimeridian, b (0.05° east) then a (0.15° west).
    assert!(lines[1].starts_with("q1,1,b,") && lines[2].starts_with("q1,2,a,"), "{out}");
    assert!(lines[3].starts_with("q2,1,c,157"), "{out}");
    assert_eq!(lines.len(), 4);
    assert!(err.contains("queries/s"));

    std::fs::write(&queries, "id,category,lon,lat\nq1,legal,-80,95\n").unwrap();
    let (code, _, err) =
        cli(&["nearest", "--sites", sites.to_str().unwrap(), "--queries", queries.to_str().unwrap()]).await;
    assert_eq!(code, 1);
    assert!(err.contains("row 2") && err.contains("lat"), "{err}");
}

both_stores!(
    import_is_a_dry_run_until_committed_and_idempotent_after,
    a_bad_file_names_row_and_field_and_writes_nothing
);

/// An operator backs the directory up while it is being served; the copy restores to exactly
/// the directory as it was when the backup ran.
async fn a_backup_taken_while_serving_restores_the_directory_as_it_was(backend: Backend) {
    let app = spawn_demo(backend).await;
    let p = app.partner("Written before the backup").await;
    app.site(&p, serde_json::json!({"name": "Before", "lon": -80.2, "lat": 25.8, "categories": ["legal"]}))
        .await;
    let before = app.get_json("/api/v1/sites?limit=10000").await;
    let copy = app.db.dir.path().join("backup.copy");
    let copy_arg = copy.to_str().unwrap();

    let (code, _, err) = cli(&["backup", copy_arg, "--database", &app.db.url]).await;
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("backup written"), "{err}");
    let (code, _, err) = cli(&["backup", copy_arg, "--database", &app.db.url]).await;
    assert_eq!(code, 1);
    assert!(err.contains("already exists"), "never overwrites: {err}");
    app.partner("Written after the backup").await;

    let restored = app.db.restored_from(&copy).await;
    // Served as the demo again: outside --demo its 2019 listings would be hidden as unverified
    // for over 365 days (a non-empty database is not seeded again).
    let again = spawn_on(&restored, true).await;
    assert_eq!(again.get_json("/api/v1/sites?limit=10000").await, before);
    let partners = again.get_json("/api/v1/partners?limit=10000").await.to_string();
    assert!(partners.contains("Written before the backup") && !partners.contains("Written after the backup"));
    // The restored directory takes writes again.
    again.partner("Written after the restore").await;
}

both_stores!(a_backup_taken_while_serving_restores_the_directory_as_it_was);
