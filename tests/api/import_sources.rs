//! Other sources and malformed files, as a user meets them: an Ohana API folder and a city's
//! GIS layers through `assetmap import`; `POST /api/v1/import` and the spreadsheet template over
//! HTTP; wrong encodings, swapped coordinates and places outside the service area.

use std::path::{Path, PathBuf};

use reqwest::StatusCode;
use serde_json::Value;

use crate::cli::cli;
use crate::helpers::{assert_problem, data_dir, spawn_app, Backend, TestDb, TOKEN};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name)
}

fn property_map(name: &str) -> String {
    data_dir().join("mappings/geojson").join(format!("{name}.json")).display().to_string()
}

/// A copy of the Ohana sample folder in `dir`, with `edit` applied to one of its files.
fn ohana_copy(dir: &Path, file: &str, edit: impl FnOnce(String) -> String) -> PathBuf {
    let to = dir.join("ohana");
    std::fs::create_dir_all(&to).unwrap();
    for e in std::fs::read_dir(fixture("ohana_san_mateo")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
    let path = to.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, edit(text)).unwrap();
    to
}

const SAN_MATEO: &str = "06081,06075,06085";

async fn an_ohana_folder_imports_once_and_re_imports_as_unchanged(backend: Backend) {
    let db = TestDb::new(backend).await;
    let url = db.url.as_str();
    let folder = fixture("ohana_san_mateo");
    let folder = folder.to_str().unwrap();

    let (code, out, err) = cli(&["import", folder, "--service-area", SAN_MATEO, "--database", url]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("(ohana): 22 rows") && out.contains("19 new") && out.contains("dry run"), "{out}");
    // Locations whose services map to none of our categories are listed, not imported.
    assert!(out.contains("3 record(s) left out"), "{out}");
    assert!(out.contains("row 6: Economic Self - Sufficiency Program: no active service maps"), "{out}");
    // Everything is in San Mateo, San Francisco or Santa Clara: no service-area warning.
    assert!(!out.contains("outside the service area"), "{out}");

    let (code, out, _) =
        cli(&["import", folder, "--service-area", SAN_MATEO, "--commit", "--database", url]).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("partners: 6 new") && out.contains("committed"), "{out}");
    // The Salvation Army's San Francisco centre: categories from its keywords, Spanish from the
    // location's languages, hours none.
    let (_, out, _) = cli(&[
        "nearest",
        "--lon",
        "-122.42",
        "--lat",
        "37.75",
        "--category",
        "health",
        "--lang",
        "es",
        "--k",
        "1",
        "--database",
        url,
    ])
    .await;
    assert!(out.contains("Adult Rehabilitation Center") && out.contains("1500 Valencia Street"), "{out}");
    // The example location's hours are read in California time, with its service's hours and
    // holidays in the notes; Cantonese and Taiwanese become ISO codes.
    let snapshot = assetmap::store::connect(url, "test").await.unwrap().load().await.unwrap();
    let example =
        snapshot.sites.iter().find(|s| s.source_id.as_deref() == Some("ohana:location:22")).unwrap();
    let hours = example.hours.as_ref().unwrap();
    assert_eq!(hours.timezone.name(), "America/Los_Angeles");
    assert_eq!(hours.weekly.len(), 7);
    let notes = hours.notes.as_deref().unwrap();
    assert!(notes.contains("Passport Photos: mon 08:00–12:00, mon 14:00–16:00"), "{notes}");
    assert!(notes.contains("Closed January 1 (every year)"), "{notes}");
    let langs: Vec<&str> = example.languages.iter().map(|l| l.as_str()).collect();
    assert!(langs.contains(&"yue") && langs.contains(&"nan") && langs.contains(&"es"), "{langs:?}");
    assert_eq!(example.phones.len(), 7, "location and service lines, no contact's own line");

    let (code, out, _) =
        cli(&["import", folder, "--service-area", SAN_MATEO, "--commit", "--database", url]).await;
    assert_eq!(code, 0);
    assert!(
        out.contains("0 new, 0 updated, 19 unchanged") && out.contains("partners: 0 new, 0 updated"),
        "{out}"
    );
}

async fn a_bad_row_in_any_ohana_file_is_named_and_nothing_is_written(backend: Backend) {
    let db = TestDb::new(backend).await;
    let url = db.url.as_str();
    let folder = ohana_copy(db.dir.path(), "locations.csv", |t| t.replacen("37.4441785", "north", 1));
    let edit = |f: &str, from: &str, to: &str| {
        let p = folder.join(f);
        let t = std::fs::read_to_string(&p).unwrap();
        assert!(t.contains(from), "{f} has no '{from}'");
        std::fs::write(p, t.replacen(from, to, 1)).unwrap();
    };
    edit("phones.csv", "650 780-7525", "n/a");
    edit("regular_schedules.csv", "4:00 PM", "teatime");
    let folder_arg = folder.display().to_string();
    let args = ["import", folder_arg.as_str(), "--service-area", SAN_MATEO, "--commit", "--database", url];
    let (code, out, err) = cli(&args).await;
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("nothing was written"), "{err}");
    // Unreadable detail cells are left out with a warning; a latitude that is not a number is
    // an error, and one error keeps everything out.
    assert!(
        out.contains("warning: ")
            && out.contains("phones.csv: row 2: number: 'n/a' is not a phone number: line left out"),
        "{out}"
    );
    assert!(out.contains("regular_schedules.csv: row 10: closes_at: 'teatime'"), "{out}");
    assert!(out.contains("locations.csv: row 8: latitude: 'north' is not a number"), "{out}");
    let snapshot = assetmap::store::connect(url, "test").await.unwrap().load().await.unwrap();
    assert!(snapshot.sites.is_empty() && snapshot.partners.is_empty());
    // With the latitude fixed, the warnings alone do not stop the import.
    edit("locations.csv", "north", "37.4441785");
    let (code, out, _) = cli(&args).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("19 new") && out.contains("committed") && out.contains("'teatime'"), "{out}");

    // A folder without locations.csv, or a locations.csv without its key columns.
    std::fs::remove_file(folder.join("locations.csv")).unwrap();
    let (code, _, err) = cli(&["import", folder.to_str().unwrap(), "--database", url]).await;
    assert_eq!(code, 1);
    assert!(err.contains("locations.csv") && err.contains("missing"), "{err}");
    std::fs::write(folder.join("locations.csv"), "id,name\n1,x\n").unwrap();
    let (code, _, err) = cli(&["import", folder.to_str().unwrap(), "--database", url]).await;
    assert_eq!(code, 1);
    assert!(err.contains("organization_id"), "{err}");
}

async fn city_gis_layers_import_through_their_property_maps(backend: Backend) {
    let db = TestDb::new(backend).await;
    let url = db.url.as_str();
    let clinics = fixture("cambridge_ma/HEALTH_HealthClinics.geojson");
    let assets = fixture("cambridge_ma/CDD_CommunityAssets.geojson");
    let map_clinics = property_map("cambridge-health-clinics");
    let map_assets = property_map("cambridge-community-assets");
    let args = |file: &PathBuf, map: &str, commit: bool| {
        let mut a = vec![
            "import".to_owned(),
            file.display().to_string(),
            "--property-map".into(),
            map.to_owned(),
            "--service-area".into(),
            "25017".into(),
            "--database".into(),
            url.to_owned(),
        ];
        if commit {
            a.push("--commit".into());
        }
        a
    };
    let run = |a: Vec<String>| async move {
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        cli(&refs).await
    };
    let (code, out, _) = run(args(&clinics, &map_clinics, true)).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("12 new") && out.contains("committed"), "{out}");
    let mut json = args(&assets, &map_assets, true);
    json.push("--json".into());
    let (code, out, _) = run(json).await;
    assert_eq!(code, 0, "{out}");
    // 54 assets, 29 of them arts and culture (left out, listed).
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((report["rows"].as_u64(), report["sites_created"].as_u64()), (Some(54), Some(25)), "{report}");
    let skipped = report["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 29, "{report}");
    assert_eq!(skipped[0]["reason"], "AssetType 'Arts & Culture' is mapped to no category", "{report}");
    let (_, out, _) = cli(&[
        "nearest",
        "--lon",
        "-71.104",
        "--lat",
        "42.3747",
        "--category",
        "health",
        "--k",
        "2",
        "--database",
        url,
    ])
    .await;
    assert!(out.contains("1493 Cambridge Street") && out.contains("617-665"), "{out}");
    let (_, out, _) = run(args(&clinics, &map_clinics, true)).await;
    assert!(out.contains("0 new, 0 updated, 12 unchanged"), "{out}");

    // A layer in another coordinate system is refused as a whole.
    let projected = db.dir.path().join("projected.geojson");
    let text = std::fs::read_to_string(&clinics).unwrap().replacen(
        "\"type\":\"FeatureCollection\"",
        "\"type\": \"FeatureCollection\", \"crs\": {\"type\": \"name\", \"properties\": {\"name\": \"urn:ogc:def:crs:EPSG::2249\"}}",
        1,
    );
    assert!(text.contains("EPSG::2249"), "the fixture's spelling changed");
    std::fs::write(&projected, text).unwrap();
    let (code, _, err) = run(args(&projected, &map_clinics, false)).await;
    assert_eq!(code, 1);
    assert!(err.contains("EPSG::2249") && err.contains("WGS84"), "{err}");
}

async fn malformed_files_get_clear_messages_and_write_nothing(backend: Backend) {
    let db = TestDb::new(backend).await;
    let url = db.url.as_str();
    let dir = db.dir.path();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    };
    // UTF-16 with a byte-order mark (Excel's "Unicode Text"): read.
    let text = "partner_name,name,categories,lon,lat\nCafé Legal,Café Legal,legal,-80.2,25.77\n";
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let f = write("utf16.csv", &utf16);
    let (code, out, _) = cli(&["import", &f, "--database", url]).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 new"), "{out}");
    // Windows-1252: refused with the fix, then read when asked for.
    let f = write(
        "cp1252.csv",
        b"partner_name,name,categories,lon,lat\nCaf\xe9 Legal,Caf\xe9 Legal,legal,-80.2,25.77\n",
    );
    let (code, _, err) = cli(&["import", &f, "--database", url]).await;
    assert_eq!(code, 1);
    assert!(
        err.contains("not UTF-8") && err.contains("line 2") && err.contains("--encoding windows-1252"),
        "{err}"
    );
    let (code, out, _) =
        cli(&["import", &f, "--encoding", "windows-1252", "--commit", "--database", url]).await;
    assert_eq!(code, 0, "{out}");
    let snapshot = assetmap::store::connect(url, "test").await.unwrap().load().await.unwrap();
    assert_eq!(snapshot.sites[0].name, "Café Legal");
    // Swapped coordinates and a lost minus sign are bad rows; a place in the next county is a
    // warning and is imported.
    let f = write(
        "coords.csv",
        b"source_id,partner_name,name,categories,lon,lat\n\
          a,P,Swapped,legal,25.77,-80.2\n\
          b,P,Unsigned,legal,80.2,25.77\n\
          c,P,Broward,legal,-80.14,26.12\n",
    );
    let (code, out, err) = cli(&["import", &f, "--commit", "--database", url]).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("row 2: lat: lon and lat look swapped"), "{out}");
    assert!(out.contains("row 3: lon: lon=80.2 looks like it lost its minus sign"), "{out}");
    assert!(out.contains("warning:") && out.contains("row 4") && out.contains("Broward"), "{out}");
    assert!(err.contains("nothing was written"), "{err}");
    let f = write(
        "broward.csv",
        b"source_id,partner_name,name,categories,lon,lat\nc,P,Broward,legal,-80.14,26.12\n",
    );
    let (code, out, _) = cli(&["import", &f, "--commit", "--database", url]).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("committed") && out.contains("outside the service area (12086)"), "{out}");
    // Missing columns.
    let f = write("nocat.csv", b"name,lon,lat\nx,-80.2,25.7\n");
    let (code, _, err) = cli(&["import", &f, "--database", url]).await;
    assert_eq!(code, 1);
    assert!(err.contains("missing column 'categories'"), "{err}");
}

async fn admins_import_over_http_all_or_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let url = format!("{}/api/v1/import", app.base);
    let post = |query: &str, ct: &str, body: Vec<u8>| {
        app.client
            .post(format!("{url}{query}"))
            .bearer_auth(TOKEN)
            .header("content-type", ct)
            .body(body)
            .send()
    };
    // The map page links to the template, in every language (drafts marked unreviewed).
    let page = app.get("/").await.text().await.unwrap();
    assert!(
        page.contains("href=\"/api/v1/import/template.csv\"") && page.contains("ui.footer.template"),
        "{page}"
    );
    for e in std::fs::read_dir(data_dir().join("../web/i18n")).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "json") {
            let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let s = &file["strings"]["ui.footer.template"];
            assert!(s["text"].as_str().is_some_and(|t| t.contains("CSV")), "{}", path.display());
            assert_eq!(s["reviewed"], file["language"] == "en", "{}", path.display());
        }
    }
    // The template, as the web page links it, imports as it is.
    let res = app.get("/api/v1/import/template.csv").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(res.headers()["content-disposition"].to_str().unwrap().contains("assetmap-template.csv"));
    let template = res.bytes().await.unwrap().to_vec();
    let text = String::from_utf8(template.clone()).unwrap();
    assert!(text.starts_with("\u{feff}source_id,partner_source_id,partner_name,"), "{text}");

    let res = post("", "text/csv", template.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let report: Value = res.json().await.unwrap();
    assert_eq!(
        (report["sites_created"].as_u64(), report["committed"].as_bool()),
        (Some(1), Some(false)),
        "{report}"
    );
    assert_eq!(app.stored_sites().await, 0, "a dry run writes nothing");
    let res = post("?commit=true", "text/csv; charset=utf-8", template.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let report: Value = res.json().await.unwrap();
    assert_eq!(report["committed"], true, "{report}");
    assert_eq!(app.stored_sites().await, 1);
    // Served at once, from memory.
    let sites = app.get_json("/api/v1/sites?category=legal").await;
    assert_eq!(sites["total"], 1, "{sites}");
    let res = post("?commit=true", "text/csv", template.clone()).await.unwrap();
    let report: Value = res.json().await.unwrap();
    assert_eq!(report["sites_unchanged"], 1, "{report}");

    // A file with one bad row: 422 naming file, row and field; nothing written.
    let bad = b"source_id,partner_name,name,categories,lon,lat\nn1,P,Good,legal,-80.2,25.77\nn2,P,Bad,legal,25.77,-80.2\n";
    let res = post("?commit=true&name=partners.csv", "text/csv", bad.to_vec()).await.unwrap();
    let body = assert_problem(res, 422, Some("lat")).await;
    assert_eq!(body["report"]["errors"][0]["file"], "partners.csv", "{body}");
    assert_eq!(body["report"]["errors"][0]["row"], 3, "{body}");
    assert_eq!(app.stored_sites().await, 1);
    // A file-level problem: 422 too.
    let res = post("", "text/csv", b"name,lon\nx,1\n".to_vec()).await.unwrap();
    let body = assert_problem(res, 422, Some("body")).await;
    assert!(body["detail"].as_str().unwrap().contains("categories"), "{body}");
    let res = post("", "text/csv", b"name,categories\nCaf\xe9,legal\n".to_vec()).await.unwrap();
    let body = assert_problem(res, 422, None).await;
    assert!(body["detail"].as_str().unwrap().contains("encoding=windows-1252"), "{body}");
    let res = post(
        "?encoding=windows-1252",
        "text/csv",
        b"partner_name,name,categories\nP,Caf\xe9,legal\n".to_vec(),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // GeoJSON with a shipped property map.
    let clinics = std::fs::read(fixture("cambridge_ma/HEALTH_HealthClinics.geojson")).unwrap();
    let res =
        post("?commit=true&properties=cambridge-health-clinics", "application/geo+json", clinics.clone())
            .await
            .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let report: Value = res.json().await.unwrap();
    assert_eq!(report["sites_created"], 12, "{report}");
    // Outside the server's service area (Miami-Dade): warnings, imported all the same.
    assert_eq!(report["warnings"].as_array().unwrap().len(), 12, "{report}");
    assert_eq!(app.stored_sites().await, 13);
    let res = post("?properties=../../etc/passwd", "application/geo+json", clinics.clone()).await.unwrap();
    assert_problem(res, 400, Some("properties")).await;

    // Not an admin, not a file type it reads, too large, unknown parameter.
    let res =
        app.client.post(&url).header("content-type", "text/csv").body(template.clone()).send().await.unwrap();
    assert_problem(res, 401, None).await;
    let res = post("", "application/vnd.ms-excel", b"xx".to_vec()).await.unwrap();
    let body = assert_problem(res, 415, None).await;
    assert!(body["detail"].as_str().unwrap().contains("text/csv"), "{body}");
    let res = post("", "text/csv", vec![b'a'; 21 * 1024 * 1024]).await.unwrap();
    assert_problem(res, 413, None).await;
    let res = post("?comit=true", "text/csv", template).await.unwrap();
    assert_problem(res, 400, Some("comit")).await;
    assert_eq!(app.stored_sites().await, 13);
}

/// A zip archive of `files` (deflated), as zip tools write it.
pub(crate) fn zip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    use std::io::Write;
    let (mut out, mut central) = (Vec::new(), Vec::new());
    for (name, data) in files {
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(data).unwrap();
        let packed = enc.finish().unwrap();
        let offset = out.len() as u32;
        // version, flags, method 8, time, date, crc (not checked), sizes, name length, no extra
        let mut common = vec![20, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        common.extend((packed.len() as u32).to_le_bytes());
        common.extend((data.len() as u32).to_le_bytes());
        common.extend((name.len() as u16).to_le_bytes());
        common.extend([0, 0]);
        out.extend(0x0403_4b50u32.to_le_bytes());
        out.extend(&common);
        out.extend(name.as_bytes());
        out.extend(&packed);
        central.extend(0x0201_4b50u32.to_le_bytes());
        central.extend([20, 0]);
        central.extend(&common);
        central.extend([0; 10]);
        central.extend(offset.to_le_bytes());
        central.extend(name.as_bytes());
    }
    let cd = out.len() as u32;
    out.extend(&central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0; 4]);
    out.extend((files.len() as u16).to_le_bytes());
    out.extend((files.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(cd.to_le_bytes());
    out.extend([0, 0]);
    out
}

async fn a_zipped_ohana_folder_imports_over_http(backend: Backend) {
    let app = spawn_app(backend).await;
    let files: Vec<(String, Vec<u8>)> = std::fs::read_dir(fixture("ohana_san_mateo"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                format!("san_mateo_sample/{}", e.file_name().to_string_lossy()),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    let body = zip(&files);
    let post = |query: &str, body: Vec<u8>| {
        app.client
            .post(format!("{}/api/v1/import{query}", app.base))
            .bearer_auth(TOKEN)
            .header("content-type", "application/zip")
            .body(body)
            .send()
    };
    let res = post("?commit=true&name=san_mateo.zip", body.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let report: Value = res.json().await.unwrap();
    assert_eq!(
        (report["format"].as_str(), report["sites_created"].as_u64()),
        (Some("ohana"), Some(19)),
        "{report}"
    );
    assert_eq!(report["skipped"].as_array().unwrap().len(), 3, "{report}");
    assert_eq!(app.stored_sites().await, 19);
    let res = post("?commit=true", body).await.unwrap();
    let report: Value = res.json().await.unwrap();
    assert_eq!(report["sites_unchanged"], 19, "{report}");
    // A damaged archive, or one with neither layout: 422 naming the archive.
    let res = post("?name=cut.zip", zip(&files)[..500].to_vec()).await.unwrap();
    let body = assert_problem(res, 422, None).await;
    assert!(body["detail"].as_str().unwrap().contains("cut.zip"), "{body}");
    let res = post("", zip(&[("notes.txt".to_owned(), b"hello".to_vec())])).await.unwrap();
    let body = assert_problem(res, 422, None).await;
    assert!(body["detail"].as_str().unwrap().contains("Ohana"), "{body}");
}

both_stores!(
    a_zipped_ohana_folder_imports_over_http,
    an_ohana_folder_imports_once_and_re_imports_as_unchanged,
    a_bad_row_in_any_ohana_file_is_named_and_nothing_is_written,
    city_gis_layers_import_through_their_property_maps,
    malformed_files_get_clear_messages_and_write_nothing,
    admins_import_over_http_all_or_nothing
);
