//! Services under sites (issue 16): a counselor's question is about a service, so every filter
//! must hold for one and the same service of a site; what a service does not say is "unknown",
//! never "no"; and a database made by the schema before services keeps everything.

use std::borrow::Cow;

use serde_json::{json, Value};

use crate::helpers::{spawn_app, Backend, TestApp, TestDb};

/// Near the origin of every search below (Little Haiti, Miami).
const HERE: &str = "lon=-80.195&lat=25.83";

async fn nearest(app: &TestApp, query: &str) -> Value {
    app.get_json(&format!("/api/v1/nearest?{HERE}&{query}")).await
}

fn names(body: &Value) -> Vec<&str> {
    body["results"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect()
}

fn matched<'a>(body: &'a Value, site: &str) -> Vec<&'a Value> {
    let r = body["results"].as_array().unwrap().iter().find(|r| r["name"] == site).unwrap();
    r["matched_services"].as_array().unwrap().iter().collect()
}

async fn the_health_clinics_creole_does_not_leak_into_legal_help(backend: Backend) {
    let app = spawn_app(backend).await;
    let center = app.partner("Little Haiti Neighborhood Center").await;
    app.site(
        &center,
        json!({"name": "Neighborhood Center", "lon": -80.195, "lat": 25.83, "categories": ["legal", "health"],
               "services": [
                   {"name": "Legal clinic", "categories": ["legal"], "languages": ["en", "es"]},
                   {"name": "Health clinic", "categories": ["health"], "languages": ["ht"]}]}),
    )
    .await;
    let aid = app.partner("Kreyòl Legal Aid").await;
    app.site(
        &aid,
        json!({"name": "Legal aid office", "lon": -80.25, "lat": 25.78, "categories": ["legal"],
               "services": [{"name": "Asylum applications", "categories": ["legal"], "languages": ["ht"]}]}),
    )
    .await;

    // Legal help in Haitian Creole: the centre's legal clinic does not speak it (its health
    // clinic does), so the farther office whose legal service speaks Creole comes first.
    let body = nearest(&app, "category=legal&lang=ht").await;
    assert_eq!(names(&body), ["Legal aid office"], "{body}");
    let m = matched(&body, "Legal aid office");
    assert_eq!(m.len(), 1);
    assert_eq!(m[0]["name"], "Asylum applications");
    assert_eq!(m[0]["why"], json!({"category": "legal", "language": "ht"}));

    // The centre is still found for what it does offer, with the service that matched.
    let body = nearest(&app, "category=health&lang=ht").await;
    assert_eq!(names(&body), ["Neighborhood Center"]);
    assert_eq!(matched(&body, "Neighborhood Center")[0]["name"], "Health clinic");
    let body = nearest(&app, "category=legal&lang=es").await;
    assert_eq!(names(&body), ["Neighborhood Center"]);
    let m = matched(&body, "Neighborhood Center");
    assert_eq!(m.iter().map(|s| s["name"].as_str().unwrap()).collect::<Vec<_>>(), ["Legal clinic"]);
    // Without a language, both legal services are found, nearest first.
    let body = nearest(&app, "category=legal").await;
    assert_eq!(names(&body), ["Neighborhood Center", "Legal aid office"]);
}

async fn unknown_is_not_no(backend: Backend) {
    let app = spawn_app(backend).await;
    let p = app.partner("Clinics").await;
    let at = |i: f64| (-80.195 + 0.01 * i, 25.83);
    for (i, (name, cost)) in
        [("Free clinic", json!("free")), ("Fee clinic", json!("fee")), ("Silent clinic", Value::Null)]
            .into_iter()
            .enumerate()
    {
        let (lon, lat) = at(i as f64);
        app.site(
            &p,
            json!({"name": name, "lon": lon, "lat": lat, "categories": ["health"],
                   "services": [{"name": format!("{name} care"), "cost": cost}]}),
        )
        .await;
    }
    // A site that says walk-ins are not taken, with a service that takes them.
    app.site(
        &p,
        json!({"name": "Walk-in service", "lon": -80.16, "lat": 25.83, "categories": ["health"], "walk_in": false,
               "services": [{"name": "Vaccines", "walk_in": true}, {"name": "Surgery"}]}),
    )
    .await;

    // Only confirmed answers by default, and the answer says so.
    let body = nearest(&app, "category=health&free=true").await;
    assert_eq!(names(&body), ["Free clinic"]);
    assert_eq!(body["filter"]["unknown"], "exclude");
    assert_eq!(matched(&body, "Free clinic")[0]["why"]["free"], "yes");

    // Including unknown answers adds the clinic that does not say, marked unknown; the clinic
    // that charges a fee is never found.
    let body = nearest(&app, "category=health&free=true&unknown=include").await;
    assert_eq!(body["filter"]["unknown"], "include");
    let found = names(&body);
    assert!(found.contains(&"Free clinic") && found.contains(&"Silent clinic"), "{found:?}");
    assert!(!found.contains(&"Fee clinic"));
    assert_eq!(matched(&body, "Silent clinic")[0]["why"]["free"], "unknown");
    assert_eq!(matched(&body, "Silent clinic")[0]["free"], "unknown");

    // Every answer tells the three apart, filter or not.
    let body = nearest(&app, "category=health&k=10").await;
    for (site, free) in [("Free clinic", "yes"), ("Fee clinic", "no"), ("Silent clinic", "unknown")] {
        assert_eq!(matched(&body, site)[0]["free"], free, "{site}");
    }

    // A service's own answer wins over its site's; the site's "no" is not the service's.
    let body = nearest(&app, "category=health&walk_in=true").await;
    assert_eq!(names(&body), ["Walk-in service"]);
    let m = matched(&body, "Walk-in service");
    assert_eq!(m.len(), 1);
    assert_eq!(m[0]["name"], "Vaccines");
    assert_eq!(m[0]["walk_in"], "yes");

    // A bad mode is refused by name.
    let res = app.get(&format!("/api/v1/nearest?{HERE}&free=true&unknown=maybe")).await;
    crate::helpers::assert_problem(res, 400, Some("unknown")).await;
}

async fn open_saturday_at_ten_in_the_sites_own_time_zone(backend: Backend) {
    let app = spawn_app(backend).await;
    let p = app.partner("Legal Services").await;
    let weekdays = json!({"timezone": "America/New_York", "weekly": [
        {"day": "mon", "opens": "09:00", "closes": "17:00"}, {"day": "fri", "opens": "09:00", "closes": "17:00"}]});
    app.site(
        &p,
        json!({"name": "Office with a Saturday clinic", "lon": -80.195, "lat": 25.83, "categories": ["legal"],
               "hours": weekdays,
               "services": [
                   {"name": "Consultations"},
                   {"name": "Saturday clinic", "hours": {"timezone": "America/New_York",
                       "weekly": [{"day": "sat", "opens": "09:00", "closes": "12:00"}]}}]}),
    )
    .await;
    // In Los Angeles, where 10:00 on Saturday is three hours after Miami's.
    app.site(
        &p,
        json!({"name": "Pacific office", "lon": -80.2, "lat": 25.83, "categories": ["legal"],
               "services": [{"name": "Pacific clinic", "hours": {"timezone": "America/Los_Angeles",
                   "weekly": [{"day": "sat", "opens": "09:00", "closes": "11:00"}]}}]}),
    )
    .await;
    app.site(&p, json!({"name": "No hours given", "lon": -80.21, "lat": 25.83, "categories": ["legal"]}))
        .await;

    // 2026-11-28 is a Saturday. 10:00 local time at each site.
    let body = nearest(&app, "category=legal&open_at=2026-11-28T10:00").await;
    assert_eq!(names(&body), ["Office with a Saturday clinic", "Pacific office"], "{body}");
    let m = matched(&body, "Office with a Saturday clinic");
    assert_eq!(m.len(), 1, "the weekday consultations are not open on Saturday");
    assert_eq!(m[0]["name"], "Saturday clinic");
    assert_eq!(m[0]["why"]["open_at"], "yes");

    // 15:00 UTC is 10:00 in Miami and 07:00 in Los Angeles.
    let body = nearest(&app, "category=legal&open_at=2026-11-28T15:00:00Z").await;
    assert_eq!(names(&body), ["Office with a Saturday clinic"]);
    // 18:00 UTC is 13:00 in Miami (closed) and 10:00 in Los Angeles (open).
    let body = nearest(&app, "category=legal&open_at=2026-11-28T18:00:00Z").await;
    assert_eq!(names(&body), ["Pacific office"]);

    // Hours not given are unknown: left out, or included and marked so.
    let body = nearest(&app, "category=legal&open_at=2026-11-28T10:00&unknown=include").await;
    assert_eq!(names(&body).len(), 3);
    assert_eq!(matched(&body, "No hours given")[0]["why"]["open_at"], "unknown");
}

async fn temporarily_closed_services_are_shown_as_such_and_left_out_by_default(backend: Backend) {
    let app = spawn_app(backend).await;
    let p = app.partner("Food Bank").await;
    app.site(
        &p,
        json!({"name": "Church hall", "lon": -80.195, "lat": 25.83, "categories": ["food", "education"],
               "services": [
                   {"name": "Food pantry", "categories": ["food"], "status": "temporarily_closed"},
                   {"name": "ESL class", "categories": ["education"]}]}),
    )
    .await;
    app.site(&p, json!({"name": "Pantry", "lon": -80.3, "lat": 25.83, "categories": ["food"]})).await;

    let body = nearest(&app, "category=food").await;
    assert_eq!(names(&body), ["Pantry"], "the closed pantry is left out");
    assert_eq!(body["filter"]["closed"], "exclude");
    let body = nearest(&app, "category=education").await;
    assert_eq!(names(&body), ["Church hall"], "the hall's other service is still found");

    let body = nearest(&app, "category=food&closed=include").await;
    assert_eq!(names(&body), ["Church hall", "Pantry"]);
    assert_eq!(matched(&body, "Church hall")[0]["status"], "temporarily_closed");
    // The site's record says it too.
    let site = &body["results"][0];
    assert_eq!(site["services"][0]["status"], "temporarily_closed");
}

async fn keywords_find_services_with_or_without_accents_in_distance_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let p = app.partner("Ayuda Legal").await;
    app.site(
        &p,
        json!({"name": "Clínica cercana", "lon": -80.195, "lat": 25.83, "categories": ["legal"], "description_lang": "es",
               "description": "Oficina",
               "services": [{"name": "Asesoría de inmigración", "categories": ["legal"]},
                            {"name": "Divorcios", "categories": ["legal"], "languages": ["ht"]}]}),
    )
    .await;
    app.site(
        &p,
        json!({"name": "Centro lejano", "lon": -80.25, "lat": 25.78, "categories": ["legal", "food"], "description_lang": "es",
               "description": "Centro",
               "services": [
                   {"name": "Inmigracion y asilo", "categories": ["legal"], "languages": ["ht", "es"],
                    "translations": {"en": {"name": "Immigration and asylum"}, "ht": {"name": "Imigrasyon ak azil"}}},
                   {"name": "Despensa de comida", "categories": ["food"]}]}),
    )
    .await;
    app.site(&p, json!({"name": "Divorce office", "lon": -80.196, "lat": 25.83, "categories": ["legal"]}))
        .await;

    // With the accent, without it, and in the plural: the same two services, nearest first.
    for q in ["inmigraci%C3%B3n", "inmigracion", "INMIGRACIONES"] {
        let body = nearest(&app, &format!("q={q}")).await;
        assert_eq!(names(&body), ["Clínica cercana", "Centro lejano"], "q={q}: {body}");
        let d: Vec<f64> =
            body["results"].as_array().unwrap().iter().map(|r| r["distance_m"].as_f64().unwrap()).collect();
        assert!(d[0] <= d[1]);
        assert_eq!(matched(&body, "Clínica cercana")[0]["name"], "Asesoría de inmigración");
        assert_eq!(matched(&body, "Clínica cercana").len(), 1, "the divorce service does not use the word");
    }
    // Combined with every other filter, for one and the same service: the nearer clinic's
    // Creole-speaking service is about divorce, not immigration.
    let body = nearest(&app, "q=inmigracion&category=legal&lang=ht").await;
    assert_eq!(names(&body), ["Centro lejano"]);
    let m = matched(&body, "Centro lejano");
    assert_eq!(m[0]["why"]["keywords"], json!(["inmigracion"]));
    assert_eq!(m[0]["translated_name"], "Imigrasyon ak azil");
    assert!(nearest(&app, "q=inmigracion&category=food").await["results"].as_array().unwrap().is_empty());
    // A translation is searched too ("asylum" is only in the English name).
    let body = nearest(&app, "q=asylum&lang=ht").await;
    assert_eq!(names(&body), ["Centro lejano"]);
    // Every word must be in one service.
    assert!(nearest(&app, "q=inmigracion+comida").await["results"].as_array().unwrap().is_empty());
    let res = app.get(&format!("/api/v1/nearest?{HERE}&q=the+and")).await;
    crate::helpers::assert_problem(res, 400, Some("q")).await;
}

/// Applies the migrations numbered up to `last` (the schema of an earlier release).
async fn migrate_up_to(db: &TestDb, last: i64) {
    let folder = if db.backend == Backend::Sqlite { "sqlite" } else { "postgres" };
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations").join(folder);
    let mut m = sqlx::migrate::Migrator::new(path).await.unwrap();
    m.migrations = Cow::Owned(m.migrations.iter().filter(|x| x.version <= last).cloned().collect());
    match db.backend {
        Backend::Sqlite => {
            let url = format!("{}?mode=rwc", db.url);
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            m.run(&pool).await.unwrap();
            pool.close().await;
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            m.run(&pool).await.unwrap();
            pool.close().await;
        }
    }
}

/// Runs statements on the database as the earlier release would have written them.
async fn execute(db: &TestDb, sql: &str) {
    match db.backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
            sqlx::raw_sql(sql).execute(&pool).await.unwrap();
            pool.close().await;
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            sqlx::raw_sql(sql).execute(&pool).await.unwrap();
            pool.close().await;
        }
    }
}

async fn a_database_from_before_services_keeps_everything(backend: Backend) {
    let db = TestDb::new(backend).await;
    migrate_up_to(&db, 5).await;
    let (yes, no) = if backend == Backend::Sqlite { ("1", "0") } else { ("true", "false") };
    // Verified recently, so the listing is not hidden for want of verification.
    let verified = (chrono::Utc::now() - chrono::Duration::days(10)).format("%Y-%m-%dT00:00:00.000000Z");
    execute(
        &db,
        &format!(
            r#"insert into partners (id, name, status, created_at, updated_at)
               values ('0b6f1b8e-4c1d-4f0e-9c55-8a0c2f1d0001', 'Esperanza', 'active',
                       '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z');
               insert into sites (id, partner_id, name, description, lon, lat, phones, hours, languages, categories,
                                  services, cost, cost_note, eligibility, required_documents, walk_in,
                                  appointment_required, no_id_required, last_verified_at, created_at, updated_at)
               values ('0b6f1b8e-4c1d-4f0e-9c55-8a0c2f1d0011', '0b6f1b8e-4c1d-4f0e-9c55-8a0c2f1d0001',
                       'Clinic with services', 'Legal help', -80.2, 25.8,
                       '[{{"number": "305-555-0100", "type": "voice", "extension": null, "languages": ["ht"], "description": null}}]',
                       '{{"timezone": "America/New_York", "weekly": [{{"day": "sat", "opens": "09:00", "closes": "12:00"}}], "notes": null}}',
                       '["es"]', '["legal", "advocacy"]',
                       '[{{"name": "Asylum", "description": "Applications"}}, {{"name": "DACA", "description": null, "translations": {{"es": {{"name": "DACA (es)", "description": null, "reviewed": true}}}}}}]',
                       'free', 'No charge', 'Anyone', '["Passport"]', {yes}, {no}, null,
                       '{verified}', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z'),
                      ('0b6f1b8e-4c1d-4f0e-9c55-8a0c2f1d0012', '0b6f1b8e-4c1d-4f0e-9c55-8a0c2f1d0001',
                       'Bare library', null, -80.3, 25.7, '[]', null, '[]', '["library"]', '[]', null, null, null, '[]',
                       null, null, null, null, '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z');
               insert into site_categories (site_id, category) values
                   ('0b6f1b8e-4c1d-4f0e-9c55-8a0c2f1d0011', 'legal'), ('0b6f1b8e-4c1d-4f0e-9c55-8a0c2f1d0011', 'advocacy'),
                   ('0b6f1b8e-4c1d-4f0e-9c55-8a0c2f1d0012', 'library');"#
        ),
    )
    .await;

    // Today's release opens it: migration 0006 runs.
    let store = assetmap::store::connect(&db.url, "migration-test").await.unwrap();
    let snapshot = store.load().await.unwrap();
    let site = |name: &str| snapshot.sites.iter().find(|s| s.name == name).unwrap().clone();
    let clinic = site("Clinic with services");
    // The site's own values are untouched.
    assert_eq!(clinic.languages.iter().map(|l| l.as_str()).collect::<Vec<_>>(), ["es"]);
    assert_eq!(clinic.cost.map(|c| c.as_str()), Some("free"));
    assert_eq!(clinic.walk_in, Some(true));
    assert_eq!(clinic.appointment_required, Some(false));
    assert_eq!(clinic.no_id_required, None);
    // Each listed service now carries the site's values as its own, translations kept.
    assert_eq!(clinic.services.len(), 2);
    for svc in &clinic.services {
        let mut langs: Vec<&str> = svc.languages.iter().map(|l| l.as_str()).collect();
        langs.sort_unstable();
        assert_eq!(langs, ["es", "ht"], "the site's and its phone lines' languages");
        assert_eq!(svc.categories.iter().map(|c| c.as_str()).collect::<Vec<_>>(), ["legal", "advocacy"]);
        assert_eq!(svc.cost.map(|c| c.as_str()), Some("free"));
        assert_eq!(svc.cost_note.as_deref(), Some("No charge"));
        assert_eq!(svc.eligibility.as_deref(), Some("Anyone"));
        assert_eq!(svc.required_documents, ["Passport"]);
        assert_eq!(svc.walk_in, Some(true));
        assert_eq!(svc.appointment_required, Some(false));
        assert_eq!(svc.no_id_required, None, "not said stays unknown, not no");
        assert_eq!(svc.hours, clinic.hours);
        assert_eq!(svc.last_verified_at, clinic.last_verified_at);
        assert!(svc.last_verified_at.is_some());
    }
    assert_eq!(clinic.services[0].name, "Asylum");
    assert_eq!(clinic.services[0].description.as_deref(), Some("Applications"));
    assert_eq!(clinic.services[1].name, "DACA");
    assert_eq!(clinic.services[1].translations.values().next().unwrap().name, "DACA (es)");
    // A site that listed no service offers one, named as the site, with nothing invented.
    let library = site("Bare library");
    assert_eq!(library.services.len(), 1);
    let svc = &library.services[0];
    assert_eq!(svc.name, "Bare library");
    assert!(svc.languages.is_empty() && svc.cost.is_none() && svc.hours.is_none() && svc.walk_in.is_none());
    assert_eq!(svc.categories.iter().map(|c| c.as_str()).collect::<Vec<_>>(), ["library"]);

    // And the server answers from it: the Creole phone line still counts for the clinic.
    drop(store);
    let app = crate::helpers::spawn_on(&db, false).await;
    let body = app.get_json("/api/v1/nearest?lon=-80.2&lat=25.8&category=legal&lang=ht&free=true").await;
    assert_eq!(names(&body), ["Clinic with services"]);
    assert_eq!(matched(&body, "Clinic with services").len(), 2);
}

both_stores!(
    the_health_clinics_creole_does_not_leak_into_legal_help,
    unknown_is_not_no,
    open_saturday_at_ten_in_the_sites_own_time_zone,
    temporarily_closed_services_are_shown_as_such_and_left_out_by_default,
    keywords_find_services_with_or_without_accents_in_distance_order,
    a_database_from_before_services_keeps_everything,
);
