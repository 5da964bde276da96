//! Open Referral: the HSDS imports and exports round-trip, the HSDS 3.0 JSON meets the
//! schemas, `/hsds` answers as the HSDS 3.0 API reference says, and no export or answer shows
//! a confidential site's location to the public.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use assetmap::catalog::Catalog;
use assetmap::directory::view::Viewer;
use assetmap::domain::Site;
use assetmap::export::Format;
use assetmap::import::mapping::CategoryMapping;
use assetmap::import::{import_path_with, Mode, Options};
use assetmap::store::Store;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, data_dir, spawn_demo, Backend, TestApp, TestDb, TOKEN};
use crate::hsds_schema::check;

/// The 2019 211 Miami HSDS 1.x export, zipped as published (`tests/fixtures/README.md`), so
/// the tests run from a clone anywhere.
fn miami() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/hsds/miami_open211_2019.zip")
}

fn miami_options() -> Options {
    let mapping = CategoryMapping::load(&data_dir().join("mappings/open211-miami-categories.csv")).unwrap();
    Options { mapping: Some(mapping), ..Options::default() }
}

async fn store(db: &TestDb) -> Arc<dyn Store> {
    assetmap::store::connect(&db.url, "hsds-test").await.unwrap()
}

async fn catalog(store: &Arc<dyn Store>) -> Catalog {
    Catalog::from_snapshot(store.load().await.unwrap(), Default::default())
}

/// A site as stored, without what the store itself sets (timestamps, version).
fn comparable(s: &Site) -> Site {
    let mut s = s.clone();
    s.created_at = chrono::DateTime::UNIX_EPOCH;
    s.updated_at = chrono::DateTime::UNIX_EPOCH;
    s.version = 0;
    // the SQLite store reads coordinates back within a unit in the last place
    s.lon = s.lon.map(|x| (x * 1e9).round() / 1e9);
    s.lat = s.lat.map(|x| (x * 1e9).round() / 1e9);
    s
}

/// Imports `path` into a fresh database of `backend` and returns its catalog.
async fn import_fresh(backend: Backend, path: &Path) -> Catalog {
    let db = TestDb::new(backend).await;
    let st = store(&db).await;
    let report = import_path_with(&st, path, Mode::Commit, &Options::default()).await.unwrap();
    assert!(report.errors.is_empty(), "{:?}", &report.errors[..report.errors.len().min(5)]);
    catalog(&st).await
}

/// Every site and partner of `a` is in `b` with the same fields.
fn assert_same_directory(a: &Catalog, b: &Catalog, what: &str) {
    assert_eq!(a.site_count(), b.site_count(), "{what}: sites");
    assert_eq!(a.partner_count(), b.partner_count(), "{what}: partners");
    for s in a.sites() {
        let t = b.site(s.id).unwrap_or_else(|| panic!("{what}: site {} ({}) is missing", s.id, s.name));
        assert_eq!(comparable(s), comparable(t), "{what}: site {}", s.name);
    }
    for p in a.partners() {
        let q = b.partner(p.id).unwrap_or_else(|| panic!("{what}: partner {} is missing", p.name));
        assert_eq!(
            (&p.name, &p.source_id, &p.description, &p.website, &p.email, p.status),
            (&q.name, &q.source_id, &q.description, &q.website, &q.email, q.status),
            "{what}: partner"
        );
    }
}

async fn miami_round_trips_through_every_export(backend: Backend) {
    let db = TestDb::new(backend).await;
    let st = store(&db).await;
    // Dry run first: counts, nothing written.
    let dry = import_path_with(&st, &miami(), Mode::DryRun, &miami_options()).await.unwrap();
    assert_eq!((dry.rows, dry.sites_created, dry.errors.len()), (4089, 1868, 0));
    assert_eq!(dry.skipped.len(), 4089 - 1868, "rows no category maps to are left out and listed");
    assert_eq!(dry.without_coordinates.len(), 866);
    assert_eq!(catalog(&st).await.site_count(), 0, "a dry run writes nothing");
    let first = import_path_with(&st, &miami(), Mode::Commit, &miami_options()).await.unwrap();
    assert!(first.committed);
    // Idempotent: a second import changes nothing.
    let again = import_path_with(&st, &miami(), Mode::Commit, &miami_options()).await.unwrap();
    assert_eq!((again.sites_created, again.sites_updated, again.sites_unchanged), (0, 0, 1868));
    let a = catalog(&st).await;
    // Mojibake is repaired: the export's "GÇÖ" for ’ is nowhere.
    assert!(a.sites().all(|s| !s.description.as_deref().unwrap_or("").contains("GÇ")));
    assert!(a.sites().any(|s| s.description.as_deref().unwrap_or("").contains('\u{2019}')));

    let dir = tempfile::tempdir().unwrap();
    for (format, name) in [
        (Format::HsdsJson, "miami.json"),
        (Format::HsdsCsv, "miami-hsds"),
        (Format::GeoJson, "miami.geojson"),
        (Format::Csv, "miami.csv"),
    ] {
        if backend == Backend::Postgres && matches!(format, Format::GeoJson | Format::Csv) {
            continue; // the store makes no difference to these two; the SQLite run covers them
        }
        let out = dir.path().join(name);
        assetmap::export::write(&a, format, Viewer::Admin, &out).unwrap();
        let b = import_fresh(backend, &out).await;
        if format == Format::Csv {
            // The CSV has no column for service descriptions or more than three phones.
            assert_eq!(a.site_count(), b.site_count());
            for s in a.sites() {
                let t = b.site(s.id).expect("same id");
                assert_eq!(
                    (&s.name, &s.categories, &s.languages, &s.hours, &s.street, s.confidential),
                    (&t.name, &t.categories, &t.languages, &t.hours, &t.street, t.confidential),
                );
                assert_eq!((comparable(s).lon, comparable(s).lat), (comparable(t).lon, comparable(t).lat),);
            }
        } else {
            assert_same_directory(&a, &b, name);
        }
    }
}

both_stores!(miami_round_trips_through_every_export);

/// A partner with one site that fills every field, and a confidential one; returns their ids.
async fn full_and_confidential_sites(app: &TestApp) -> (String, String) {
    let partner = app.partner("Esperanza Legal").await;
    let full = app
        .site(
            &partner,
            json!({
                "name": "Esperanza Legal — Little Havana", "description": "Immigration legal aid.",
                "description_translations": {"es": {"text": "Ayuda legal de inmigración.", "reviewed": true}},
                "street": "1200 SW 8th St", "city": "Miami", "state": "FL", "postal_code": "33135",
                "lon": -80.2157, "lat": 25.7653, "categories": ["legal", "advocacy"], "languages": ["es", "ht"],
                "phones": [{"number": "305-555-0100", "extension": "12", "languages": ["es"]},
                           {"number": "305-555-0101", "type": "hotline", "extension": "option 3"}],
                "hours": {"timezone": "America/New_York", "notes": "Closed holidays",
                          "weekly": [{"day": "mon", "opens": "09:00", "closes": "12:00"},
                                     {"day": "mon", "opens": "13:00", "closes": "17:00"},
                                     {"day": "sat", "opens": "10:00", "closes": "14:00"}]},
                "services": [{"name": "Asylum applications", "description": "Form I-589"},
                             {"name": "DACA renewals"}],
                "cost": "sliding_scale", "cost_note": "By income", "eligibility": "Miami-Dade residents",
                "required_documents": ["Photo ID", "Any letters from USCIS"], "accessibility": "Step-free entrance",
                "walk_in": true, "appointment_required": false, "no_id_required": true,
                "last_verified_at": "2026-10-01T00:00:00Z"
            }),
        )
        .await;
    let shelter = app
        .site(
            &partner,
            json!({"name": "Safe Harbor Shelter", "street": "77 Hidden Way", "city": "Miami", "state": "FL",
                   "postal_code": "33125", "lon": -80.2371234, "lat": 25.7831234, "categories": ["housing"],
                   "confidential": true}),
        )
        .await;
    (full["id"].as_str().unwrap().to_owned(), shelter["id"].as_str().unwrap().to_owned())
}

async fn hsds_json_export_meets_the_hsds_3_schemas(backend: Backend) {
    let app = spawn_demo(backend).await;
    full_and_confidential_sites(&app).await;
    for admin in [true, false] {
        let mut req = app.client.get(format!("{}/api/v1/export?f=hsds-json", app.base));
        if admin {
            req = req.bearer_auth(TOKEN);
        }
        let doc: Value = req.send().await.unwrap().json().await.unwrap();
        let services = doc["services"].as_array().unwrap();
        assert!(services.len() > 572, "every demo site has at least one service");
        let mut problems = Vec::new();
        for (i, s) in services.iter().enumerate() {
            check("service", s, &format!("services[{i}]"), &mut problems);
        }
        for (i, o) in doc["organizations"].as_array().unwrap().iter().enumerate() {
            check("organization", o, &format!("organizations[{i}]"), &mut problems);
        }
        assert!(
            problems.is_empty(),
            "{} problems, first: {:?}",
            problems.len(),
            &problems[..problems.len().min(10)]
        );
    }
    // The check itself finds what is wrong.
    let mut broken = json!({"id": "not-a-uuid", "name": "x", "service_at_locations": [{"id": uuid::Uuid::new_v4(),
        "location": {"id": uuid::Uuid::new_v4(), "location_type": "house", "latitude": "25.7"}}]});
    let mut problems = Vec::new();
    check("service", &broken, "s", &mut problems);
    broken["status"] = json!("open");
    check("service", &broken, "s", &mut problems);
    for expected in [
        "s.status: required",
        "s.id: not a UUID",
        "location_type: \"house\" not in",
        "latitude: not a number",
        "s.status: \"open\" not in",
    ] {
        assert!(problems.iter().any(|p| p.contains(expected)), "{expected} not in {problems:?}");
    }
}

both_stores!(hsds_json_export_meets_the_hsds_3_schemas);

fn page_of(v: &Value) -> (u64, u64, u64, u64, bool, bool, bool, usize) {
    (
        v["total_items"].as_u64().unwrap(),
        v["total_pages"].as_u64().unwrap(),
        v["page_number"].as_u64().unwrap(),
        v["size"].as_u64().unwrap(),
        v["first_page"].as_bool().unwrap(),
        v["last_page"].as_bool().unwrap(),
        v["empty"].as_bool().unwrap(),
        v["contents"].as_array().unwrap().len(),
    )
}

async fn the_hsds_api_pages_filters_and_never_shows_a_confidential_location(backend: Backend) {
    let app = spawn_demo(backend).await;
    let (full, shelter) = full_and_confidential_sites(&app).await;
    let root = app.get_json("/hsds/").await;
    assert_eq!(root["version"], "3.0");
    assert!(root["profile"].as_str().unwrap().starts_with("https://"));

    // Pages: 10 a page; the last page holds the rest.
    let p1 = app.get_json("/hsds/services?per_page=10").await;
    let total = p1["total_items"].as_u64().unwrap();
    let pages = total.div_ceil(10);
    assert_eq!(page_of(&p1), (total, pages, 1, 10, true, false, false, 10));
    let last = app.get_json(&format!("/hsds/services?per_page=10&page={pages}")).await;
    let rest = (total - (pages - 1) * 10) as usize;
    assert_eq!(page_of(&last), (total, pages, pages, rest as u64, false, true, false, rest));
    let beyond = app.get_json(&format!("/hsds/services?per_page=10&page={}", pages + 1)).await;
    assert!(beyond["empty"].as_bool().unwrap());
    let mut problems = Vec::new();
    for s in p1["contents"].as_array().unwrap() {
        check("service", s, "list", &mut problems);
    }
    assert!(problems.is_empty(), "{problems:?}");

    // Search and filters; one service by id, in full.
    let found = app.get_json("/hsds/services?search=asylum%20applications").await;
    let id =
        found["contents"].as_array().unwrap().iter().find(|s| s["name"] == "Asylum applications").unwrap()
            ["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let one = app.get_json(&format!("/hsds/services/{id}")).await;
    assert_eq!(one["name"], "Asylum applications");
    let loc = &one["service_at_locations"][0]["location"];
    assert_eq!(loc["id"], full.as_str());
    assert_eq!(loc["phones"][0]["languages"][0]["code"], "es");
    assert_eq!(loc["phones"][0]["extension"], 12);
    assert_eq!(one["cost_options"][0]["option"], "sliding_scale");
    assert_eq!(one["assured_date"], "2026-10-01");
    let org_id = one["organization"]["id"].as_str().unwrap().to_owned();
    let by_org = app.get_json(&format!("/hsds/services?organization_id={org_id}")).await;
    assert_eq!(by_org["total_items"], 3, "two services at one site, one at the other");
    let term = one["attributes"][0]["taxonomy_term_id"].as_str().unwrap().to_owned();
    let by_term = app.get_json(&format!("/hsds/services?taxonomy_term_id={term}&per_page=1000")).await;
    assert!(by_term["contents"].as_array().unwrap().iter().all(|s| s["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["taxonomy_term_id"] == term.as_str())));
    let org = app.get_json(&format!("/hsds/organizations/{org_id}")).await;
    assert_eq!(org["name"], "Esperanza Legal");
    assert_eq!(org["services"].as_array().unwrap().len(), 3);
    let orgs = app.get_json("/hsds/organizations?search=esperanza").await;
    assert_eq!(orgs["total_items"], 1);
    assert!(orgs["contents"][0].get("services").is_none(), "services nest only with full=true");
    let nested = app.get_json("/hsds/organizations?search=esperanza&full=true").await;
    assert_eq!(nested["contents"][0]["services"], org["services"]);
    app.get(&format!("/hsds/services/{}", uuid::Uuid::new_v4()))
        .await
        .status()
        .eq(&404)
        .then_some(())
        .unwrap();

    // Near a ZIP code: the shelter (1 km from 33125's centre) is found, without its location.
    let near = app.get_json("/hsds/service_at_locations?postcode=33125&proximity=3000&per_page=1000").await;
    let items = near["contents"].as_array().unwrap();
    assert!(!items.is_empty());
    let sh = items.iter().find(|s| s["location_id"] == shelter.as_str()).expect("the shelter is listed");
    assert!(sh["location"].get("latitude").is_none() && sh["location"].get("longitude").is_none());
    assert_eq!(sh["location"]["addresses"][0]["address_1"], "");
    assert_eq!(sh["location"]["assetmap"]["location_withheld"], true);
    for s in items {
        let (lon, lat) = (s["location"]["longitude"].as_f64(), s["location"]["latitude"].as_f64());
        if let (Some(lon), Some(lat)) = (lon, lat) {
            assert!(crate::helpers::haversine(lon, lat, -80.236333, 25.783834) <= 3000.0);
        }
    }
    let by_code = app.get_json("/hsds/service_at_locations?postcode=33135&per_page=1000").await;
    assert!(by_code["contents"].as_array().unwrap().iter().any(|s| s["location_id"] == full.as_str()));
    // Nowhere in the API is the shelter's position or street.
    for path in [
        "/hsds/services?per_page=1000&full=true&search=safe%20harbor",
        "/hsds/service_at_locations?per_page=1000&postcode=33125",
        &format!("/hsds/organizations/{org_id}"),
    ] {
        let text = app.get(path).await.text().await.unwrap();
        assert!(text.contains("Safe Harbor"), "{path} lists the shelter");
        for secret in ["80.2371234", "25.7831234", "Hidden Way"] {
            assert!(!text.contains(secret), "{path} shows {secret}");
        }
    }

    // Bad parameters name themselves.
    assert_problem(app.get("/hsds/services?page=0").await, 400, Some("page")).await;
    assert_problem(app.get("/hsds/services?per_page=abc").await, 400, Some("per_page")).await;
    assert_problem(app.get("/hsds/services?lng=1").await, 400, Some("lng")).await;
    assert_problem(app.get("/hsds/services?organization_id=7").await, 400, Some("organization_id")).await;
    assert_problem(app.get("/hsds/service_at_locations?proximity=500").await, 400, Some("proximity")).await;
    assert_problem(
        app.get("/hsds/service_at_locations?postcode=33125&proximity=-1").await,
        400,
        Some("proximity"),
    )
    .await;
    assert_problem(app.get("/hsds/service_at_locations?postcode=3312").await, 400, Some("postcode")).await;
}

both_stores!(the_hsds_api_pages_filters_and_never_shows_a_confidential_location);

async fn public_exports_withhold_what_the_public_api_withholds(backend: Backend) {
    let app = spawn_demo(backend).await;
    let (_, shelter) = full_and_confidential_sites(&app).await;
    for f in ["hsds-json", "geojson", "csv", "hsds-csv&table=locations.csv", "hsds-csv&table=addresses.csv"] {
        let public = app.get(&format!("/api/v1/export?f={f}")).await;
        assert_eq!(public.status(), 200, "{f}");
        let text = public.text().await.unwrap();
        assert!(text.contains("Safe Harbor") || text.contains(&shelter), "{f} lists the shelter");
        for secret in ["80.2371234", "25.7831234", "Hidden Way"] {
            assert!(!text.contains(secret), "public {f} shows {secret}");
        }
        let admin = app
            .client
            .get(format!("{}/api/v1/export?f={f}", app.base))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(admin.contains("Hidden Way") || admin.contains("80.2371234"), "admin {f} has the full data");
    }
    let geo: Value = app.get("/api/v1/export?f=geojson").await.json().await.unwrap();
    let feature = geo["features"].as_array().unwrap().iter().find(|x| x["id"] == shelter.as_str()).unwrap();
    assert!(feature["geometry"].is_null());
    let pkg: Value = app.get("/api/v1/export?f=hsds-csv").await.json().await.unwrap();
    assert!(pkg["resources"].as_array().unwrap().iter().any(|r| r["path"] == "services.csv"));
    assert_problem(app.get("/api/v1/export").await, 400, Some("f")).await;
    assert_problem(app.get("/api/v1/export?f=xml").await, 400, Some("f")).await;
    assert_problem(app.get("/api/v1/export?f=csv&table=x").await, 400, Some("table")).await;
    assert_problem(app.get("/api/v1/export?f=hsds-csv&table=secrets.csv").await, 400, Some("table")).await;
}

both_stores!(public_exports_withhold_what_the_public_api_withholds);
