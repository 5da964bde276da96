//! OGC API – Features at `/ogc`, as a GIS tool uses it: over real HTTP, on both stores, and
//! through GDAL's own OAPIF driver (`ogrinfo`, `ogr2ogr` into a GeoPackage read back with SQLite).

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::{Connection, Row, SqliteConnection};

use assetmap::ogc::{DEFAULT_LIMIT, MAX_LIMIT};

use crate::helpers::{assert_problem, spawn_demo, Backend, TestApp};

const CONF: &str = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/";

/// GET `path`, asserting 200 and `media` as the Content-Type; the body as JSON.
async fn get_as(app: &TestApp, path: &str, media: &str) -> Value {
    let res = app.get(path).await;
    assert_eq!(res.status(), StatusCode::OK, "GET {path}");
    let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(ct, media, "GET {path}");
    res.json().await.unwrap()
}

fn link<'a>(doc: &'a Value, rel: &str) -> Option<&'a Value> {
    doc["links"].as_array().unwrap().iter().find(|l| l["rel"] == rel)
}

/// The path and query of an absolute link, for the test client.
fn local(app: &TestApp, href: &str) -> String {
    href.strip_prefix(&app.base).unwrap_or_else(|| panic!("{href} is not on {}", app.base)).to_owned()
}

/// A confidential shelter (legal aid) in the middle of Miami, and a public clinic beside it.
async fn add_shelter_and_clinic(app: &TestApp) -> (String, String) {
    let p = app.partner("Safe Harbor").await;
    let shelter = app
        .site(
            &p,
            json!({"name": "Safe Harbor Shelter", "street": "10 Hidden Way", "city": "Miami", "state": "FL",
                   "lon": -80.2, "lat": 25.78, "categories": ["legal", "housing"], "languages": ["ht"],
                   "cost": "free", "confidential": true, "walk_in": false,
                   "last_verified_at": "2026-10-01T00:00:00Z"}),
        )
        .await;
    let clinic = app
        .site(
            &p,
            json!({"name": "Safe Harbor Clinic", "street": "12 Open St", "city": "Miami", "state": "FL",
                   "lon": -80.2001, "lat": 25.7801, "categories": ["legal"], "languages": ["ht", "es"],
                   "cost": "free", "walk_in": true, "phones": [{"number": "305-555-0199", "languages": ["ht"]}],
                   "last_verified_at": "2026-10-02T15:30:00Z"}),
        )
        .await;
    (shelter["id"].as_str().unwrap().to_owned(), clinic["id"].as_str().unwrap().to_owned())
}

/// Every page of `path` by following `next` links: the features, and every page's body.
async fn walk(app: &TestApp, path: &str) -> (Vec<Value>, Vec<Value>) {
    let mut features = Vec::new();
    let mut pages = Vec::new();
    let mut next = Some(path.to_owned());
    while let Some(p) = next {
        let page = get_as(app, &p, "application/geo+json").await;
        features.extend(page["features"].as_array().unwrap().iter().cloned());
        next = link(&page, "next").map(|l| local(app, l["href"].as_str().unwrap()));
        pages.push(page);
        assert!(pages.len() < 1000, "paging ends");
    }
    (features, pages)
}

/// The ids of the public sites the JSON API lists for `query`.
async fn api_ids(app: &TestApp, query: &str) -> BTreeSet<String> {
    let v = app.get_json(&format!("/api/v1/sites?limit=10000&{query}")).await;
    v["sites"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect()
}

/// Whether a family is helped in `lang` at a site (JSON API view): at the site or on a phone line.
fn speaks(site: &Value, lang: &str) -> bool {
    let on = |v: &Value| v.as_array().is_some_and(|a| a.iter().any(|l| l == lang));
    on(&site["languages"]) || site["phones"].as_array().unwrap().iter().any(|p| on(&p["languages"]))
}

fn ids(features: &[Value]) -> Vec<String> {
    features.iter().map(|f| f["id"].as_str().unwrap().to_owned()).collect()
}

async fn landing_conformance_and_collections(backend: Backend) {
    let app = spawn_demo(backend).await;
    add_shelter_and_clinic(&app).await;
    // A shelter far outside the rest of the directory: were it counted, it would move an edge.
    let p = app.partner("Remote Refuge").await;
    app.site(&p, json!({"name": "Remote Refuge", "lon": -81.5, "lat": 26.9, "categories": ["housing", "legal"], "confidential": true}))
        .await;

    let landing = get_as(&app, "/ogc", "application/json").await;
    for rel in ["self", "alternate", "service-desc", "service-doc", "conformance", "data"] {
        assert!(link(&landing, rel).is_some(), "landing page links {rel}");
    }
    let desc = link(&landing, "service-desc").unwrap();
    assert_eq!(desc["type"], "application/vnd.oai.openapi+json;version=3.0");
    let api = get_as(
        &app,
        &local(&app, desc["href"].as_str().unwrap()),
        "application/vnd.oai.openapi+json;version=3.0",
    )
    .await;
    assert_eq!(api["openapi"], "3.0.3");
    // The items are described where OGC clients look: relative to the landing page.
    let items = &api["paths"]["/collections/{collectionId}/items"];
    assert_eq!(items["servers"][0]["url"], "/ogc");
    assert!(items["get"]["parameters"].as_array().unwrap().iter().any(|p| p["name"] == "cost"));
    let doc = app.get(&local(&app, link(&landing, "service-doc").unwrap()["href"].as_str().unwrap())).await;
    assert_eq!(doc.status(), 200);
    assert!(doc.text().await.unwrap().contains("/api/openapi.json"));

    let conformance = get_as(&app, "/ogc/conformance", "application/json").await;
    let classes: Vec<&str> =
        conformance["conformsTo"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    for c in ["core", "geojson", "oas30", "html"] {
        assert!(classes.contains(&format!("{CONF}{c}").as_str()), "conforms to {c}");
    }

    let collections = get_as(&app, "/ogc/collections", "application/json").await;
    let list = collections["collections"].as_array().unwrap();
    let categories = app.get_json("/api/v1/categories").await;
    let mut want: Vec<String> = vec!["sites".into()];
    want.extend(
        categories["categories"].as_array().unwrap().iter().map(|c| c["slug"].as_str().unwrap().to_owned()),
    );
    let got: Vec<String> = list.iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(got, want, "sites, then one collection per category");

    // Each extent is the box around that collection's public sites whose location may be shown:
    // the shelter, at the edge of nothing, shapes none of them.
    let all = app.get_json("/api/v1/sites?limit=10000").await;
    for c in list {
        assert_eq!(c["itemType"], "feature");
        assert_eq!(c["crs"], json!(["http://www.opengis.net/def/crs/OGC/1.3/CRS84"]));
        assert_eq!(c["extent"]["spatial"]["crs"], "http://www.opengis.net/def/crs/OGC/1.3/CRS84");
        let id = c["id"].as_str().unwrap();
        let points: Vec<(f64, f64)> = all["sites"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| id == "sites" || s["categories"].as_array().unwrap().iter().any(|x| x == id))
            .filter(|s| s["mapped"] == true)
            .map(|s| (s["lon"].as_f64().unwrap(), s["lat"].as_f64().unwrap()))
            .collect();
        let bbox = &c["extent"]["spatial"]["bbox"][0];
        if points.is_empty() {
            assert!(bbox.is_null(), "{id}: no extent without located sites");
            continue;
        }
        let want = [
            points.iter().map(|p| p.0).fold(f64::INFINITY, f64::min),
            points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min),
            points.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max),
            points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max),
        ];
        assert_eq!(bbox, &json!(want), "{id} extent");
        let items = c["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "items" && l["type"] == "application/geo+json");
        assert!(items.is_some(), "{id} links its items as GeoJSON");
        if id == "sites" {
            // The map page opens on the same box, which no shelter shapes either.
            let config = app.get_json("/api/v1/config").await;
            assert_eq!(config["map"]["bbox"], json!(want));
        }
        // The collection's own document says the same.
        let one = get_as(&app, &format!("/ogc/collections/{id}"), "application/json").await;
        assert_eq!(one["extent"], c["extent"]);
    }
}

async fn paging_walks_every_public_site_once(backend: Backend) {
    let app = spawn_demo(backend).await;
    add_shelter_and_clinic(&app).await;
    for (collection, query) in [("sites", ""), ("legal", "category=legal")] {
        let want = api_ids(&app, query).await;
        let (features, pages) = walk(&app, &format!("/ogc/collections/{collection}/items?limit=50")).await;
        let got = ids(&features);
        assert_eq!(got.len(), want.len(), "{collection}: every site once");
        assert_eq!(
            got.iter().cloned().collect::<BTreeSet<_>>(),
            want,
            "{collection}: the same sites as the API"
        );
        for (i, page) in pages.iter().enumerate() {
            assert_eq!(page["type"], "FeatureCollection");
            assert_eq!(page["numberMatched"], want.len(), "{collection} page {i}");
            assert_eq!(page["numberReturned"], page["features"].as_array().unwrap().len());
            assert!(chrono::DateTime::parse_from_rfc3339(page["timeStamp"].as_str().unwrap()).is_ok());
            let this = link(page, "self").unwrap();
            assert_eq!(this["type"], "application/geo+json");
            assert!(this["href"].as_str().unwrap().contains(&format!("offset={}", i * 50)));
            assert_eq!(link(page, "alternate").unwrap()["type"], "text/html");
            assert_eq!(link(page, "prev").is_some(), i > 0, "prev link on every page but the first");
            assert_eq!(
                link(page, "next").is_some(),
                i + 1 < pages.len(),
                "next link on every page but the last"
            );
        }
        // Walking back through prev links gives the pages in reverse.
        let last = pages.last().unwrap();
        if let Some(prev) = link(last, "prev") {
            let before =
                get_as(&app, &local(&app, prev["href"].as_str().unwrap()), "application/geo+json").await;
            assert_eq!(before["features"], pages[pages.len() - 2]["features"]);
        }
    }
    // Without a limit: the documented default; above the maximum: the maximum, not an error.
    let total = api_ids(&app, "").await.len();
    let page = get_as(&app, "/ogc/collections/sites/items", "application/geo+json").await;
    assert_eq!(page["numberReturned"], DEFAULT_LIMIT.min(total));
    let page = get_as(&app, "/ogc/collections/sites/items?limit=100000", "application/geo+json").await;
    assert_eq!(page["numberReturned"], MAX_LIMIT.min(total));
    assert!(link(&page, "self").unwrap()["href"].as_str().unwrap().contains(&format!("limit={MAX_LIMIT}")));
}

async fn bbox_filters_and_the_confidential_site(backend: Backend) {
    let app = spawn_demo(backend).await;
    let (shelter, clinic) = add_shelter_and_clinic(&app).await;

    // bbox: exactly the located public sites in the box (brute force over the JSON listing),
    // never the shelter although it lies inside.
    let all = app.get_json("/api/v1/sites?limit=10000").await;
    let sites = all["sites"].as_array().unwrap();
    for b in [
        [-80.25, 25.75, -80.15, 25.80],
        [-80.3, 25.7, -80.1, 25.9],
        [-80.2, 25.78, -80.2, 25.78],
        [0.0, 0.0, 1.0, 1.0],
    ] {
        let want: BTreeSet<String> = sites
            .iter()
            .filter(|s| s["mapped"] == true)
            .filter(|s| {
                let (x, y) = (s["lon"].as_f64().unwrap(), s["lat"].as_f64().unwrap());
                (b[0]..=b[2]).contains(&x) && (b[1]..=b[3]).contains(&y)
            })
            .map(|s| s["id"].as_str().unwrap().to_owned())
            .collect();
        let q = format!("{},{},{},{}", b[0], b[1], b[2], b[3]);
        let (features, _) = walk(&app, &format!("/ogc/collections/sites/items?bbox={q}&limit=100")).await;
        let got: BTreeSet<String> = ids(&features).into_iter().collect();
        assert_eq!(got, want, "bbox {q}");
        assert!(!got.contains(&shelter), "the shelter is never in a box");
        // The six-number form (with heights) selects the same.
        let six = get_as(
            &app,
            &format!(
                "/ogc/collections/sites/items?bbox={},{},0,{},{},100&limit=1000",
                b[0], b[1], b[2], b[3]
            ),
            "application/geo+json",
        )
        .await;
        assert_eq!(ids(six["features"].as_array().unwrap()).into_iter().collect::<BTreeSet<_>>(), want);
    }
    let inside =
        get_as(&app, "/ogc/collections/legal/items?bbox=-80.21,25.77,-80.19,25.79", "application/geo+json")
            .await;
    assert!(ids(inside["features"].as_array().unwrap()).contains(&clinic));

    // The shelter is listed (it is a public listing) but not located.
    let f = get_as(&app, &format!("/ogc/collections/sites/items/{shelter}"), "application/geo+json").await;
    assert_eq!(f["type"], "Feature");
    assert!(f["geometry"].is_null(), "{f}");
    assert!(f["properties"]["street"].is_null());
    assert_eq!(f["properties"]["location_withheld"], true);
    let text = f.to_string();
    assert!(!text.contains("Hidden Way") && !text.contains("-80.2,") && !text.contains("25.78,"), "{text}");
    let g = get_as(&app, &format!("/ogc/collections/legal/items/{clinic}"), "application/geo+json").await;
    assert_eq!(g["geometry"], json!({"type": "Point", "coordinates": [-80.2001, 25.7801]}));
    assert_eq!(g["id"], clinic);
    assert!(link(&g, "self").is_some() && link(&g, "collection").is_some());
    // Flat properties: text, numbers and booleans only, lists joined.
    let props = g["properties"].as_object().unwrap();
    assert!(props.values().all(|v| !v.is_object() && !v.is_array()), "{g}");
    assert_eq!(props["categories"], "legal");
    assert_eq!(props["languages"], "es; ht");
    assert_eq!(props["phone"], "305-555-0199");
    assert_eq!(props["cost"], "free");
    assert_eq!(props["walk_in"], true);
    assert_eq!(props["partner_name"], "Safe Harbor");
    assert!(props["url"].as_str().unwrap().ends_with(&format!("/s/{clinic}")));

    // Filters by the declared queryables agree with the JSON listing (brute force).
    let count = |pred: &dyn Fn(&Value) -> bool| sites.iter().filter(|s| pred(s)).count();
    let matched = |page: &Value| page["numberMatched"].as_u64().unwrap() as usize;
    let checks: Vec<(&str, usize)> = vec![
        ("category=legal", count(&|s| s["categories"].as_array().unwrap().iter().any(|c| c == "legal"))),
        ("language=ht", count(&|s| speaks(s, "ht"))),
        ("cost=free", count(&|s| s["cost"] == "free")),
        ("walk_in=true", count(&|s| s["walk_in"] == true)),
        ("walk_in=false", count(&|s| s["walk_in"] == false)),
        ("city=Miami", count(&|s| s["city"] == "Miami")),
        (
            "cost=free&language=ht&category=legal",
            count(&|s| {
                s["cost"] == "free"
                    && speaks(s, "ht")
                    && s["categories"].as_array().unwrap().iter().any(|c| c == "legal")
            }),
        ),
        ("datetime=2026-10-02", 1),
        ("datetime=2026-10-01T00:00:00Z/..", 2),
        (
            "datetime=../2026-10-01",
            count(&|s| s["last_verified_at"].as_str().is_some_and(|t| t < "2026-10-02")),
        ),
    ];
    for (q, want) in checks {
        let page =
            get_as(&app, &format!("/ogc/collections/sites/items?{q}&limit=1"), "application/geo+json").await;
        assert_eq!(matched(&page), want, "{q}");
        assert!(want > 0, "{q}: the check selects something");
        // The next link keeps the filter.
        if want > 1 {
            let next = link(&page, "next").unwrap()["href"].as_str().unwrap().to_owned();
            for part in q.split('&') {
                let (k, _) = part.split_once('=').unwrap();
                assert!(next.contains(&format!("{k}=")), "{next} keeps {k}");
            }
        }
    }
    // A category collection filtered by another category is empty; by its own, itself.
    let other = get_as(&app, "/ogc/collections/legal/items?category=library", "application/geo+json").await;
    assert_eq!(other["numberMatched"], 0);
    let own = get_as(&app, "/ogc/collections/legal/items?category=legal", "application/geo+json").await;
    let legal = get_as(&app, "/ogc/collections/legal/items", "application/geo+json").await;
    assert_eq!(own["numberMatched"], legal["numberMatched"]);

    // Queryables: a JSON Schema naming the filters.
    let q = get_as(&app, "/ogc/collections/sites/queryables", "application/schema+json").await;
    assert_eq!(q["type"], "object");
    for name in ["category", "language", "cost", "walk_in", "city", "partner_id"] {
        assert!(q["properties"][name].is_object(), "queryable {name}");
    }
    assert!(q["properties"]["category"]["enum"].as_array().unwrap().contains(&json!("legal")));
}

async fn refusals_and_not_found(backend: Backend) {
    let app = spawn_demo(backend).await;
    let (_, clinic) = add_shelter_and_clinic(&app).await;
    for (path, field) in [
        ("/ogc/collections/sites/items?colour=red", "colour"),
        ("/ogc/collections/sites/items?lang=es", "lang"),
        ("/ogc/collections/sites/items?bbox=1,2,3", "bbox"),
        ("/ogc/collections/sites/items?bbox=-80,26,-81,200", "bbox"),
        ("/ogc/collections/sites/items?limit=0", "limit"),
        ("/ogc/collections/sites/items?offset=-1", "offset"),
        ("/ogc/collections/sites/items?cost=cheap", "cost"),
        ("/ogc/collections/sites/items?category=rockets", "category"),
        ("/ogc/collections/sites/items?walk_in=maybe", "walk_in"),
        ("/ogc/collections/sites/items?datetime=yesterday", "datetime"),
        ("/ogc/collections/sites/items?f=xml", "f"),
        ("/ogc?page=2", "page"),
        ("/ogc/conformance?x=1", "x"),
        ("/ogc/collections?limit=1", "limit"),
        ("/ogc/collections/sites?bbox=1,2,3,4", "bbox"),
        ("/ogc/collections/sites/queryables?q=1", "q"),
        (&format!("/ogc/collections/sites/items/{clinic}?limit=1"), "limit"),
    ] {
        assert_problem(app.get(path).await, 400, Some(field)).await;
    }
    for path in [
        "/ogc/collections/rockets",
        "/ogc/collections/rockets/items",
        "/ogc/collections/rockets/queryables",
        "/ogc/collections/sites/items/not-a-uuid",
        "/ogc/collections/sites/items/00000000-0000-4000-8000-000000000000",
        &format!("/ogc/collections/library/items/{clinic}"),
        &format!("/ogc/collections/rockets/items/{clinic}"),
    ] {
        assert_problem(app.get(path).await, 404, None).await;
    }
    // An offset past the end is an empty page, not an error.
    let past = get_as(&app, "/ogc/collections/sites/items?offset=100000", "application/geo+json").await;
    assert_eq!(past["numberReturned"], 0);
    assert!(link(&past, "next").is_none());
    // So are a box whose south edge is north of its north edge, and an interval that ends
    // before it starts: they hold nothing (the whole box, and all time, hold everything).
    for q in ["bbox=-81,26,-80,25", "datetime=2026-02-01/2025-01-01"] {
        let none = get_as(&app, &format!("/ogc/collections/sites/items?{q}"), "application/geo+json").await;
        assert_eq!(none["numberReturned"], 0, "{q}");
    }
    let all =
        get_as(&app, "/ogc/collections/sites/items?bbox=-180,-95,180,95&limit=1", "application/geo+json")
            .await;
    assert!(all["numberMatched"].as_u64().unwrap() > 500, "a box past the poles reaches them");
    // A page size past any integer is the largest page, as OGC API – Features asks.
    let big =
        get_as(&app, "/ogc/collections/sites/items?limit=1771386525680794515537920", "application/geo+json")
            .await;
    let matched = big["numberMatched"].as_u64().unwrap();
    assert_eq!(big["numberReturned"].as_u64().unwrap(), matched.min(assetmap::ogc::MAX_LIMIT as u64));

    // A browser gets HTML; a GIS client JSON; f= decides over Accept.
    let html = app
        .client
        .get(format!("{}/ogc/collections/legal/items", app.base))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(html.headers()["content-type"], "text/html; charset=utf-8");
    let body = html.text().await.unwrap();
    assert!(body.contains("Safe Harbor Clinic") && body.contains("<table>"), "{body}");
    assert!(body.contains("Safe Harbor Shelter") && !body.contains("Hidden Way"), "listed, not located");
    let json = app
        .client
        .get(format!("{}/ogc/collections/legal/items?f=json", app.base))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(json.headers()["content-type"], "application/geo+json");
    let page = app.get(&format!("/ogc/collections/legal/items/{clinic}?f=html")).await;
    assert_eq!(page.status(), 200);
    let text = page.text().await.unwrap();
    assert!(text.contains("305-555-0199"));
    // Text from the directory is escaped.
    let p = app.partner("<script>alert(1)</script>").await;
    app.site(&p, json!({"name": "<b>Bold</b> & Co", "lon": -80.1, "lat": 25.7, "categories": ["library"]}))
        .await;
    let lib = app.get("/ogc/collections/library/items?f=html&limit=1000").await.text().await.unwrap();
    assert!(lib.contains("&lt;b&gt;Bold&lt;/b&gt; &amp; Co") && !lib.contains("<b>Bold"), "escaped");
}

both_stores!(
    landing_conformance_and_collections,
    paging_walks_every_public_site_once,
    bbox_filters_and_the_confidential_site,
    refusals_and_not_found,
);

/// Runs a GDAL command line tool, failing the test with its own words.
fn gdal(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("{tool} (Debian package gdal-bin, installed by tests/run.sh) cannot run: {e}")
    });
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{tool} {args:?} failed:\n{}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn feature_count(ogrinfo: &str) -> usize {
    ogrinfo
        .lines()
        .find_map(|l| l.strip_prefix("Feature Count: "))
        .unwrap_or_else(|| panic!("no feature count in {ogrinfo}"))
        .trim()
        .parse()
        .unwrap()
}

async fn gdal_reads_the_collections(backend: Backend) {
    let app = spawn_demo(backend).await;
    let (shelter, clinic) = add_shelter_and_clinic(&app).await;
    let landing = format!("OAPIF:{}/ogc", app.base);
    let api_total = app.get_json("/api/v1/sites?limit=1").await["total"].as_u64().unwrap() as usize;

    // ogrinfo: the layer, its point geometry, its count and its typed fields.
    let info = tokio::task::spawn_blocking({
        let landing = landing.clone();
        move || gdal("ogrinfo", &["-so", &landing, "sites"])
    })
    .await
    .unwrap();
    assert_eq!(feature_count(&info), api_total, "{info}");
    assert!(info.contains("Geometry: Point"), "{info}");
    for field in [
        "name: String",
        "categories: String",
        "languages: String",
        "walk_in: Integer(Boolean)",
        "last_verified_at: DateTime",
        "version: Integer",
    ] {
        assert!(info.contains(field), "field {field} in\n{info}");
    }
    let legal = tokio::task::spawn_blocking({
        let landing = landing.clone();
        move || gdal("ogrinfo", &["-so", &landing, "legal"])
    })
    .await
    .unwrap();
    let api_legal =
        app.get_json("/api/v1/sites?limit=1&category=legal").await["total"].as_u64().unwrap() as usize;
    assert_eq!(feature_count(&legal), api_legal);

    // An attribute filter on a queryable goes to the server as `?name=value` (GDAL reads the
    // queryables from the API definition); its debug output says when it filters itself.
    let (free, debug) = tokio::task::spawn_blocking({
        let landing = landing.clone();
        move || {
            let out = Command::new("ogrinfo")
                .args(["--debug", "on", "-so", "-where", "cost = 'free'", &landing, "sites"])
                .output()
                .expect("ogrinfo runs");
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            (
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        }
    })
    .await
    .unwrap();
    let api_free =
        get_as(&app, "/ogc/collections/sites/items?cost=free&limit=1", "application/geo+json").await;
    assert_eq!(feature_count(&free), api_free["numberMatched"].as_u64().unwrap() as usize);
    assert!(debug.contains("cost=free"), "GDAL sent the filter to the server:\n{debug}");
    assert!(!debug.contains("evaluated on client side"), "{debug}");

    // ogr2ogr into a GeoPackage, read back as the SQLite file it is.
    let gpkg = app.db.dir.path().join("sites.gpkg");
    let spat = app.db.dir.path().join("box.gpkg");
    tokio::task::spawn_blocking({
        let (landing, gpkg, spat) = (landing.clone(), gpkg.clone(), spat.clone());
        move || {
            gdal("ogr2ogr", &["-f", "GPKG", gpkg.to_str().unwrap(), &landing, "sites"]);
            // A spatial filter goes to the server as bbox.
            gdal(
                "ogr2ogr",
                &[
                    "-f",
                    "GPKG",
                    "-spat",
                    "-80.25",
                    "25.75",
                    "-80.15",
                    "25.80",
                    spat.to_str().unwrap(),
                    &landing,
                    "sites",
                ],
            );
        }
    })
    .await
    .unwrap();
    let mut db = SqliteConnection::connect(&format!("sqlite://{}", gpkg.display())).await.unwrap();
    let rows = sqlx::query("select id, name, categories, languages, city, cost, walk_in, street, geom is null as no_geom from sites")
        .fetch_all(&mut db)
        .await
        .unwrap();
    assert_eq!(rows.len(), api_total, "every site in the GeoPackage");
    let by_id: BTreeMap<String, _> = rows.iter().map(|r| (r.get::<String, _>("id"), r)).collect();
    assert_eq!(by_id.len(), api_total, "ids are unique");
    // Attributes match the API's features for a sample of sites, the two added ones included.
    let (features, _) = walk(&app, "/ogc/collections/sites/items?limit=1000").await;
    let mut checked = 0;
    for (i, f) in features.iter().enumerate() {
        let id = f["id"].as_str().unwrap();
        if !(i % 37 == 0 || id == clinic || id == shelter) {
            continue;
        }
        let r = by_id.get(id).unwrap_or_else(|| panic!("{id} in the GeoPackage"));
        let p = &f["properties"];
        assert_eq!(r.get::<String, _>("name"), p["name"].as_str().unwrap());
        assert_eq!(r.get::<String, _>("categories"), p["categories"].as_str().unwrap());
        assert_eq!(
            r.get::<Option<String>, _>("languages").unwrap_or_default(),
            p["languages"].as_str().unwrap()
        );
        assert_eq!(r.get::<Option<String>, _>("city").as_deref(), p["city"].as_str());
        assert_eq!(r.get::<Option<String>, _>("cost").as_deref(), p["cost"].as_str());
        assert_eq!(r.get::<Option<bool>, _>("walk_in"), p["walk_in"].as_bool());
        assert_eq!(r.get::<bool, _>("no_geom"), f["geometry"].is_null());
        checked += 1;
    }
    assert!(checked > 10, "{checked} sites compared");
    let shelter_row = by_id[&shelter];
    assert!(shelter_row.get::<bool, _>("no_geom"), "the shelter has no geometry in the GeoPackage");
    assert!(shelter_row.get::<Option<String>, _>("street").is_none());
    assert!(!by_id[&clinic].get::<bool, _>("no_geom"));

    let mut boxed = SqliteConnection::connect(&format!("sqlite://{}", spat.display())).await.unwrap();
    let in_box: Vec<String> = sqlx::query_scalar("select id from sites").fetch_all(&mut boxed).await.unwrap();
    let api_box = get_as(
        &app,
        "/ogc/collections/sites/items?bbox=-80.25,25.75,-80.15,25.80&limit=1",
        "application/geo+json",
    )
    .await;
    assert_eq!(in_box.len(), api_box["numberMatched"].as_u64().unwrap() as usize);
    assert!(in_box.contains(&clinic) && !in_box.contains(&shelter));
}

both_stores!(gdal_reads_the_collections,);
