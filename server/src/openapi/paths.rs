//! The paths of each area of the API. A new route gets its entry here (or in a file of its own
//! listed in [`super::AREAS`]); a unit test fails for any route the router has and this
//! document lacks.

use serde_json::{json, Value};

use super::build::{
    exploded, int, item, members, ok, ok_json, one_of, path, query, query_required, schema, Access, Op, DATE,
    DEGREES, LAT, METRES, TIME,
};
use crate::domain::Cost;

/// `(path, path item)` pairs of one area.
pub(crate) type Paths = Vec<(&'static str, Value)>;

fn search_filters() -> Vec<Value> {
    crate::search::http::filter_parameters()
}

fn json_or_geojson(description: &str, json_schema: Value, geo_schema: Value) -> Value {
    json!({"description": description, "content": {
        "application/json": {"schema": json_schema},
        "application/geo+json": {"schema": geo_schema},
    }})
}

pub(crate) fn etagged(mut response: Value) -> Value {
    response["headers"] =
        json!({"ETag": {"description": "The record's version, for If-Match", "schema": {"type": "string"}}});
    response
}

/// Partners, sites, categories.
pub(crate) fn directory() -> Paths {
    let id = |what: &str| path("id", &format!("The {what}'s UUID"));
    let if_match = |required: bool, description: &str| {
        json!({"name": "If-Match", "in": "header", "required": required, "schema": {"type": "string", "example": "\"3\""},
               "description": description})
    };
    let edit_from = if_match(false, "The version the edit started from, as sent in ETag; or send \"version\" in the body. Naming neither is 428 (nothing changes); another version than the current one is 409 with the record as it is now");
    let delete_from = if_match(true, "The version the deletion started from, as sent in ETag. Without it: 428 (nothing changes); another version than the current one is 409 with the record as it is now");
    let verify_from = if_match(false, "The version the check started from, as sent in ETag; another version than the current one is 409 with the record as it is now");
    vec![
        ("/api/v1/categories", item([("get", Op::new("directory", "listCategories", "The category taxonomy")
            .answer(200, ok_json("The categories, in display order", schema("Categories"))))])),
        ("/api/v1/sites", item([
            ("get", Op::new("directory", "listSites", "Public sites, by name")
                .describe("Credentials show more (wrong ones read as the public): an admin also sees the sites of inactive and pending partners, listings hidden as stale and confidential sites in boxes; a partner editor sees its own organisation's sites whole.")
                .access(Access::Optional)
                .request::<crate::directory::http::ListSites>()
                .answer(200, json_or_geojson("A page of sites", schema("SitePage"), schema("SiteFeatureCollection")))
                .problems(&[400])),
            ("post", Op::new("directory", "createSite", "Create a site").access(Access::Write)
                .describe("An admin, or an editor of the site's organisation (partner_id; an editor may leave it out).")
                .body("application/json", schema("SiteCreate"), true)
                .answer(201, etagged(ok_json("The site as stored", schema("Site"))))
                .header(201, "Location", "The new site's address")
                .problems(&[400, 401, 403, 409, 413, 415, 422])),
        ])),
        ("/api/v1/sites/{id}", item([
            ("get", Op::new("directory", "getSite", "One site").access(Access::Optional)
                .describe("A site that is not public (pending or inactive partner, hidden as stale) is 404 except to an admin or its organisation's editors.")
                .params([id("site")])
                .request::<crate::directory::http::FormatOnly>()
                .answer(200, etagged(json_or_geojson("The site", schema("Site"), schema("SiteFeature"))))
                .problems(&[400, 404])),
            ("patch", Op::new("directory", "updateSite", "Edit a site (JSON Merge Patch)").access(Access::Write)
                .describe("An admin, or an editor of the site's organisation (who cannot move it to another). Names the version it started from (If-Match or \"version\"; without: 428); a stale version is 409 with the current record.")
                .params([id("site"), edit_from.clone()])
                .body("application/merge-patch+json", schema("SiteInput"), true)
                .answer(200, etagged(ok_json("The site as stored", schema("Site"))))
                .problems(&[400, 401, 403, 404, 409, 413, 415, 422, 428])),
            ("delete", Op::new("directory", "deleteSite", "Delete a site").access(Access::Write)
                .describe("An admin, or an editor of the site's organisation.")
                .params([id("site"), delete_from.clone()])
                .answer(204, json!({"description": "Deleted"}))
                .problems(&[400, 401, 403, 404, 409, 428])),
        ])),
        ("/api/v1/sites/{id}/verify", item([
            ("post", Op::new("directory", "verifySite", "Still accurate: set last_verified_at to now").access(Access::Write)
                .describe("An admin, or an editor of the site's organisation. A new version, with its revision; a listing hidden as stale is shown again. No body.")
                .params([id("site"), verify_from])
                .answer(200, etagged(ok_json("The site as stored", schema("Site"))))
                .problems(&[400, 401, 403, 404, 409])),
        ])),
        ("/api/v1/partners", item([
            ("get", Op::new("directory", "listPartners", "Partner organisations, by name").access(Access::Optional)
                .describe("Without status, an admin sees every partner, anyone else the active ones.")
                .request::<crate::directory::http::ListPartners>()
                .answer(200, ok_json("A page of partners", schema("PartnerPage")))
                .problems(&[400, 401])),
            ("post", Op::new("directory", "createPartner", "Create a partner").access(Access::Write)
                .describe("Admins only.")
                .body("application/json", schema("PartnerCreate"), true)
                .answer(201, etagged(ok_json("The partner as stored", schema("Partner"))))
                .header(201, "Location", "The new partner's address")
                .problems(&[400, 401, 403, 409, 413, 415, 422])),
        ])),
        ("/api/v1/partners/{id}", item([
            ("get", Op::new("directory", "getPartner", "One partner, with site_count").access(Access::Optional)
                .describe("A partner that is not active is 404 except to an admin or its editors.")
                .params([id("partner")])
                .answer(200, etagged(ok_json("The partner", schema("Partner"))))
                .problems(&[404])),
            ("patch", Op::new("directory", "updatePartner", "Edit a partner (JSON Merge Patch)").access(Access::Write)
                .describe("An admin, or the organisation's editors (who may not change its status: 403).")
                .params([id("partner"), edit_from])
                .body("application/merge-patch+json", schema("PartnerInput"), true)
                .answer(200, etagged(ok_json("The partner as stored", schema("Partner"))))
                .problems(&[400, 401, 403, 404, 409, 413, 415, 422, 428])),
            ("delete", Op::new("directory", "deletePartner", "Delete a partner and its sites").access(Access::Write)
                .describe("Admins only.")
                .params([id("partner"), delete_from])
                .answer(204, json!({"description": "Deleted"}))
                .problems(&[400, 401, 403, 404, 409, 428])),
        ])),
    ]
}

fn gap_params(post: bool) -> Vec<Value> {
    let mut p = vec![
        query_required("category", schema("Category"), "The category whose coverage is measured"),
        query_required(
            "threshold_m",
            json!({"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 1_000_000, "example": 5000}),
            "Metres; a point farther than this from a matching site is beyond",
        ),
        query("thresholds", thresholds("1000,2000,5000"), "Comma-separated metres: adds by_threshold"),
        query("resolution", int(3, 8, Some(7)), "H3 resolution of the cells"),
        query("suggest", int(0, 20, Some(3)), "How many places to recruit a partner"),
        query(
            "candidates",
            {
                let c = crate::domain::TAXONOMY.join("|");
                json!({"type": "string", "default": "tracts", "example": "library,faith",
                       "pattern": format!("^(tracts|demand|({c})(,({c}))*)$")})
            },
            "tracts, or categories of existing sites that could host",
        ),
        query("top", int(0, 100, Some(10)), "How many worst tracts"),
        exploded(
            "format",
            false,
            json!({"oneOf": [
                members(&["f"], json!({"f": one_of(&["csv"]), "table": one_of(&["tracts", "cells", "counties"])})),
                members(&[], json!({"f": one_of(&["json", "geojson", "html"])})),
            ]}),
            "`f`: json (default), geojson (the cells), html (a printable one-page report: map, tables, date, source, suppression rule) or csv (a table); `table`, with f=csv only: which rows",
        ),
    ];
    p.extend(search_filters());
    // A saved set is asked for by GET; a POST sends its demand as the body.
    if !post {
        p.push(super::demand::demand_set_param());
    }
    p
}

/// Comma-separated distances in metres, each greater than 0 and at most 1,000,000.
fn thresholds(example: &str) -> Value {
    json!({"type": "string", "example": example, "pattern": format!("^{METRES}(,{METRES})*$")})
}

fn coverage_params(post: bool) -> Vec<Value> {
    let mut p = vec![
        query("thresholds", thresholds("1000,2000,5000,10000"), "Comma-separated metres"),
        query("f", one_of(&["json", "csv"]), "json (default) or csv"),
    ];
    if !post {
        p.push(super::demand::demand_set_param());
    }
    p.extend(search_filters());
    p
}

fn demand_body(op: Op) -> Op {
    op.describe("The body is a demand CSV (`lon,lat,weight` with an optional `id`, or the README's other layouts), or a school's count table (`zip,language,count`, optional `label` and one grouping column; CSV or XLSX): aggregates, never records about a person. A count table's every row is checked (a 422 names each bad row and field, and nothing is used), each ZIP × language cell stands at its ZIP area's internal point and speaks its language, and every figure of the answer is suppressed (a cell of fewer than 10 reads \"fewer than 10\"; see the README). The body is used for this request only and never stored; an empty body means the deployment's own demand, as the GET form. Without an account (or the admin token) it may hold at most `--anonymous-demand-points` points (default 5,000): more is a 422 naming `body`. Confidential sites count at their stand-ins.")
        .bodies(
            &[
                ("text/csv", demand_csv()),
                (super::demand::XLSX, json!({"type": "string", "format": "binary"})),
            ],
            false,
        )
}

/// Where a search starts: `zip`, or `lon` and `lat` — one query parameter object, exploded
/// into its members (`?zip=33125` or `?lon=-80.2&lat=25.8`), so the document says that exactly
/// one of the two forms is needed. A five-digit ZIP code with no ZIP area is 404.
/// A demand CSV in its plainest layout: `lon,lat,weight` and a row per place (the README
/// gives the others: an `id` column, `population` for `weight`, `languages`, `county`); or
/// nothing, for the deployment's own demand.
fn demand_csv() -> Value {
    let lon = DEGREES;
    let row = format!("{lon},{LAT},[1-9][0-9]{{0,5}}");
    json!({"type": "string", "example": "lon,lat,weight\n-80.2,25.8,120\n",
           "pattern": format!("^(lon,lat,weight\\r?\\n({row}\\r?\\n){{0,50}}{row}(\\r?\\n)?|{})?$", super::demand::count_table_csv())})
}

/// Nearest, gaps, coverage.
pub(crate) fn search() -> Paths {
    let csv = |what: &str| {
        ok(what, &["application/json", "application/geo+json", "text/csv", "text/html"], json!({}))
    };
    vec![
        (
            "/api/v1/nearest",
            item([(
                "get",
                Op::new("search", "nearest", "The k nearest public sites, by great-circle distance")
                    .describe("The origin is used to answer and dropped: never logged, never stored, and every answer (errors too) carries `Cache-Control: no-store`. A confidential site is ranked and measured from its stand-in, the internal point of its ZIP code area, never from its true point.")
                    .request::<crate::search::http::NearestRequest>()
                    .answer(200, ok_json("Nearest first", schema("Nearest")))
                    .problems(&[400, 404]),
            )]),
        ),
        (
            "/api/v1/gaps",
            item([
                (
                    "get",
                    Op::new("analysis", "gaps", "Coverage gaps of a category over the census tracts")
                        .params(gap_params(false))
                        .answer(200, {
                            let mut r = csv("The gaps");
                            r["content"]["application/json"]["schema"] = schema("Gaps");
                            r
                        })
                        .problems(&[400, 401, 403, 404]),
                ),
                (
                    "post",
                    demand_body(Op::new(
                        "analysis",
                        "gapsOverDemand",
                        "Coverage gaps over a demand CSV sent as the body",
                    ))
                    .params(gap_params(true))
                    .answer(200, {
                        let mut r = csv("The gaps");
                        r["content"]["application/json"]["schema"] = schema("Gaps");
                        r
                    })
                    .problems(&[400, 401, 403, 404, 413, 422]),
                ),
            ]),
        ),
        (
            "/api/v1/coverage",
            item([
                (
                    "get",
                    Op::new("analysis", "coverage", "Every category's coverage at each threshold")
                        .params(coverage_params(false))
                        .answer(
                            200,
                            ok("The coverage table", &["application/json", "text/csv"], schema("Coverage")),
                        )
                        .problems(&[400, 401, 403, 404]),
                ),
                (
                    "post",
                    demand_body(Op::new(
                        "analysis",
                        "coverageOverDemand",
                        "Coverage over a demand CSV sent as the body",
                    ))
                    .params(coverage_params(true))
                    .answer(
                        200,
                        ok("The coverage table", &["application/json", "text/csv"], schema("Coverage")),
                    )
                    .problems(&[400, 401, 403, 404, 413, 422]),
                ),
            ]),
        ),
    ]
}

fn html_page(description: &str) -> Value {
    ok(description, &["text/html"], json!({"type": "string"}))
}

fn asset(id: &str, what: &str, media: &str) -> Value {
    item([("get", Op::new("pages", id, what).answer(200, ok(what, &[media], json!({"type": "string"}))))])
}

/// Server-rendered pages: referral sheets, public site pages and their assets.
pub(crate) fn pages() -> Paths {
    let units = query("units", one_of(&["km", "mi"]), "Distance units (default from the language)");
    let paper = query("paper", one_of(&["a4", "letter"]), "Paper size (default from the language)");
    let lang = query(
        "lang",
        one_of(&["en", "es", "ar", "ht", "fr", "pt", "vi", "zh"]),
        "The family's language (a translation file's code: those shipped in web/i18n); else Accept-Language",
    );
    vec![
        (
            "/referral",
            item([(
                "get",
                Op::new("pages", "referralSheet", "A printable referral sheet")
                    .params([
                        query_required(
                            "sites",
                            {
                                let id = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
                                json!({"type": "string", "pattern": format!("^{id}(,{id}){{0,9}}$")})
                            },
                            "Comma-separated site ids (up to ten)",
                        ),
                        lang.clone(),
                        query(
                            "from",
                            json!({"type": "string", "example": "33125",
                                   "pattern": format!("^([0-9]{{5}}|{LAT},{DEGREES})$")}),
                            "ZIP or lat,lon: adds distances (never logged or stored); a ZIP code with no ZIP area is 404",
                        ),
                        query(
                            "format",
                            one_of(&["html", "txt"]),
                            "html (default) or txt, the text-message version",
                        ),
                        units.clone(),
                        paper.clone(),
                    ])
                    .answer(200, ok("The sheet", &["text/html", "text/plain"], json!({"type": "string"})))
                    .page_problems(&[400, 404]),
            )]),
        ),
        (
            "/s/{id}",
            item([(
                "get",
                Op::new("pages", "sitePage", "A site's public page (what a sheet's QR code opens)")
                    .params([path("id", "The site's UUID"), lang, units, paper])
                    .answer(200, html_page("The page"))
                    .page_problems(&[400, 404]),
            )]),
        ),
        ("/referral/sheet.css", asset("sheetCss", "The sheet's stylesheet", "text/css")),
        ("/referral/sheet.js", asset("sheetJs", "The sheet's script", "text/javascript")),
        ("/referral/paper-a4.css", asset("paperA4Css", "A4 page layout", "text/css")),
        ("/referral/paper-letter.css", asset("paperLetterCss", "Letter page layout", "text/css")),
    ]
}

/// Health, the map page's configuration, this document and its page.
pub(crate) fn service() -> Paths {
    vec![
        (
            "/healthz",
            item([(
                "get",
                Op::new("service", "health", "Liveness and counts")
                    .answer(200, ok_json("Alive", schema("Health"))),
            )]),
        ),
        (
            "/api/v1/config",
            item([(
                "get",
                Op::new("service", "clientConfig", "What the map page starts from")
                    .answer(200, ok_json("Basemap, area, freshness rule, languages", schema("ClientConfig"))),
            )]),
        ),
        (
            "/api/openapi.json",
            item([(
                "get",
                Op::new("service", "openapi", "This document (OpenAPI 3.0)").answer(
                    200,
                    ok(
                        "The API definition",
                        &["application/vnd.oai.openapi+json;version=3.0"],
                        json!({"type": "object"}),
                    ),
                ),
            )]),
        ),
        (
            "/api/docs",
            item([(
                "get",
                Op::new("service", "apiDocs", "This document as a page to read and try")
                    .answer(200, html_page("The documentation page")),
            )]),
        ),
    ]
}

/// A path item of the OGC API under `/ogc`, written relative to it (a path-level `servers`
/// entry): GIS clients (GDAL, QGIS) look for `/collections/{collectionId}/items` in the API
/// definition relative to the landing page, for the parameters they may send to the server.
fn ogc_item(ops: impl IntoIterator<Item = (&'static str, Op)>) -> Value {
    let mut item = item(ops);
    item["servers"] = json!([{"url": "/ogc", "description": "The OGC API – Features landing page"}]);
    item
}

/// OGC API – Features.
pub(crate) fn ogc() -> Paths {
    let f = |json_type: &str| {
        query(
            "f",
            one_of(&["json", "html"]),
            &format!("json ({json_type}) or html; without it, the Accept header decides"),
        )
    };
    let collection = path("collectionId", "`sites` (every public site) or a category slug");
    let doc = |what: &str, json_type: &str, s: Value| ok(what, &[json_type, "text/html"], s);
    let queryables = crate::ogc::queryables_schema(&[]);
    let mut item_params = vec![
        f("application/geo+json"),
        {
            let n = json!({"type": "number", "minimum": -180, "maximum": 180});
            let mut b = query("bbox", json!({"type": "array", "items": n, "minItems": 4, "maxItems": 6,
                                             "not": {"type": "array", "minItems": 5, "maxItems": 5}}),
                "minLon,minLat,maxLon,maxLat (CRS84; six numbers with heights also accepted); latitudes beyond ±90 are read as the pole; minLat > maxLat is an empty box; confidential sites are never in a box");
            b["style"] = json!("form");
            b["explode"] = json!(false);
            b
        },
        query(
            "datetime",
            {
                let t = format!("{DATE}({TIME})?");
                json!({"type": "string", "example": "2026-01-01/..",
                       "pattern": format!("^({t}|{t}/{t}|\\.\\./{t}|{t}/\\.\\.)$")})
            },
            "last_verified_at at an instant, on a date, or in an interval start/end (.. for open)",
        ),
        query(
            "limit",
            // No `maximum`: OGC API – Features serves a larger limit as the largest page rather
            // than refusing it (Part 1, /req/core/fc-limit-response-1).
            json!({"type": "integer", "minimum": 1, "default": crate::ogc::DEFAULT_LIMIT}),
            &format!(
                "Page size; a larger value than {} is served as {}",
                crate::ogc::MAX_LIMIT,
                crate::ogc::MAX_LIMIT
            ),
        ),
        query(
            "offset",
            int(0, crate::http::extract::MAX_OFFSET, Some(0)),
            "How many to skip (next/prev links carry it)",
        ),
    ];
    for name in crate::ogc::QUERYABLES {
        let mut s = queryables["properties"][name].clone();
        let description = s.as_object_mut().and_then(|o| o.remove("description")).unwrap_or_default();
        if name == "category" {
            s = schema("Category");
        }
        if name == "language" {
            s = schema("LanguageCode");
        }
        if name == "cost" {
            s = one_of(&Cost::ALL.map(|c| c.as_str()));
        }
        item_params.push(query(name, s, &format!("Queryable: {}", description.as_str().unwrap_or(""))));
    }
    vec![
        (
            "/ogc",
            item([(
                "get",
                Op::new("ogc", "ogcLanding", "OGC API – Features landing page")
                    .params([f("application/json")])
                    .answer(
                        200,
                        doc(
                            "Links to the API definition, conformance and collections",
                            "application/json",
                            schema("OgcLandingPage"),
                        ),
                    )
                    .problems(&[400]),
            )]),
        ),
        (
            "/conformance",
            ogc_item([(
                "get",
                Op::new("ogc", "ogcConformance", "Conformance classes")
                    .params([f("application/json")])
                    .answer(200, doc("The conformance classes", "application/json", schema("OgcConformance")))
                    .problems(&[400]),
            )]),
        ),
        (
            "/collections",
            ogc_item([(
                "get",
                Op::new("ogc", "ogcCollections", "The feature collections")
                    .params([f("application/json")])
                    .answer(
                        200,
                        doc(
                            "sites and one collection per category, with extents",
                            "application/json",
                            schema("OgcCollections"),
                        ),
                    )
                    .problems(&[400]),
            )]),
        ),
        (
            "/collections/{collectionId}",
            ogc_item([(
                "get",
                Op::new("ogc", "ogcCollection", "One collection")
                    .params([collection.clone(), f("application/json")])
                    .answer(200, doc("The collection", "application/json", schema("OgcCollection")))
                    .problems(&[400, 404]),
            )]),
        ),
        (
            "/collections/{collectionId}/queryables",
            ogc_item([(
                "get",
                Op::new("ogc", "ogcQueryables", "What items can be filtered by")
                    .params([collection.clone(), f("application/schema+json")])
                    .answer(200, doc("A JSON Schema", "application/schema+json", schema("Queryables")))
                    .problems(&[400, 404]),
            )]),
        ),
        (
            "/collections/{collectionId}/items",
            ogc_item([(
                "get",
                Op::new("ogc", "ogcItems", "A page of features")
                    .describe("Any parameter not listed here is refused with 400.")
                    .params([collection.clone()])
                    .params(item_params)
                    .answer(
                        200,
                        doc(
                            "Features, with numberMatched, numberReturned, timeStamp and next/prev links",
                            "application/geo+json",
                            schema("OgcFeatureCollection"),
                        ),
                    )
                    .problems(&[400, 404]),
            )]),
        ),
        (
            "/collections/{collectionId}/items/{featureId}",
            ogc_item([(
                "get",
                Op::new("ogc", "ogcItem", "One feature")
                    .params([collection, path("featureId", "The site's UUID"), f("application/geo+json")])
                    .answer(200, doc("The feature", "application/geo+json", schema("OgcFeature")))
                    .problems(&[400, 404]),
            )]),
        ),
    ]
}
