//! The Open Referral HSDS 3.0 API at `/hsds` (`server/src/hsds/api.rs`) and the whole-directory
//! export (`server/src/export/http.rs`), with their component schemas.

use serde_json::{json, Value};

use super::build::{
    exploded, flag, int, item, members, ok, ok_json, one_of, path, query, schema, Access, Op,
};
use super::paths::Paths;

const PUBLIC_ONLY: &str = "Only the public directory, whoever asks; a confidential site never shows its location (latitude, longitude and street are left out, assetmap.location_withheld is true).";

fn paging() -> [Value; 2] {
    [
        query("page", int(1, 1_000_000, Some(1)), "Page number, from 1"),
        query("per_page", int(1, 1000, Some(50)), "Items per page"),
    ]
}

fn format() -> Value {
    query("format", one_of(&["json"]), "Only json is served")
}

fn search(what: &str) -> Value {
    query("search", json!({"type": "string"}), &format!("Case-insensitive text in {what}"))
}

/// The filters `/services` and `/service_at_locations` share.
fn service_filters() -> Vec<Value> {
    let uuid = json!({"type": "string", "format": "uuid"});
    let mut p =
        vec![search("the site's name and description, its services' names, or its organization's name")];
    p.extend(paging());
    p.extend([
        format(),
        query(
            "taxonomy_term_id",
            uuid.clone(),
            "Only services with this taxonomy term (a category; see attributes[].taxonomy_term)",
        ),
        query(
            "taxonomy_id",
            uuid.clone(),
            "Only services classified in this taxonomy (there is one, assetmap's categories)",
        ),
        query("organization_id", uuid, "Only this organization's services"),
        query(
            "modified_after",
            schema("DateOrInstant"),
            "Only sites changed after this date (YYYY-MM-DD) or RFC 3339 time",
        ),
    ]);
    p
}

fn hsds_op(id: &str, summary: &str) -> Op {
    Op::new("hsds", id, summary)
}

/// `/hsds/…` and `/api/v1/export`.
pub(crate) fn paths() -> Paths {
    let root = |id: &str| {
        item([(
            "get",
            hsds_op(id, "The HSDS API's version and profile")
                .describe("Takes no parameters (any is 400).")
                .answer(200, ok_json("Version, profile, the specification's OpenAPI", schema("HsdsRoot")))
                .problems(&[400]),
        )])
    };
    let mut services_params = service_filters();
    services_params.extend([
        query("minimal", flag(), "Each item only {id, last_modified}"),
        query("full", flag(), "Each service with its service_at_locations (and their locations) nested"),
    ]);
    let mut sal_params = service_filters();
    sal_params.push(exploded(
        "near",
        false,
        members(
            &["postcode"],
            json!({
                "postcode": {"type": "string", "pattern": "^[0-9]{5}(-[0-9]{4})?$", "example": "33125"},
                "proximity": {"type": "number", "minimum": 0},
            }),
        ),
        "`postcode`: a US ZIP code: sites with this postal code, or with `proximity` (metres), those within that distance of its centre; a confidential site is measured from its stand-in (its ZIP area's internal point), never from its true point. A ZIP code with no ZIP area is 404.",
    ));
    let page = |items: &str| json!({"allOf": [schema("HsdsPage"), {"type": "object", "properties": {"contents": {"type": "array", "items": schema(items)}}}]});
    vec![
        ("/hsds", root("hsdsRoot")),
        ("/hsds/", root("hsdsRootSlash")),
        (
            "/hsds/services",
            item([(
                "get",
                hsds_op("hsdsServices", "Services, a page at a time")
                    .describe(&format!("One service per service of a site (a site without services is one, named after it), sites by name. {PUBLIC_ONLY}"))
                    .params(services_params)
                    .answer(200, ok_json("A page of services", json!({"allOf": [schema("HsdsPage"), {"type": "object", "properties": {"contents": {"type": "array", "items": {"anyOf": [schema("HsdsService"), schema("HsdsServiceMinimal")]}}}}]})))
                    .problems(&[400]),
            )]),
        ),
        (
            "/hsds/services/{id}",
            item([(
                "get",
                hsds_op("hsdsService", "One service, in full")
                    .describe(&format!("With its organization and service_at_locations[0].location. Takes no query parameters. {PUBLIC_ONLY}"))
                    .params([path("id", "The service's UUID (as listed; derived from the site's)")])
                    .answer(200, ok_json("The service", schema("HsdsService")))
                    .problems(&[400, 404]),
            )]),
        ),
        (
            "/hsds/organizations",
            item([(
                "get",
                hsds_op("hsdsOrganizations", "Active organizations, by name")
                    .params([search("the organization's name")])
                    .params(paging())
                    .params([
                        format(),
                        query("full", flag(), "Each organization with the services of its public sites nested, as /hsds/organizations/{id} answers"),
                    ])
                    .answer(200, ok_json("A page of organizations", page("HsdsOrganization")))
                    .problems(&[400]),
            )]),
        ),
        (
            "/hsds/organizations/{id}",
            item([(
                "get",
                hsds_op("hsdsOrganization", "One active organization, with its public services")
                    .describe("Takes no query parameters.")
                    .params([path("id", "The organization's (partner's) UUID")])
                    .answer(200, ok_json("The organization", {
                        let mut s = schema("HsdsOrganization");
                        s = json!({"allOf": [s, {"type": "object", "properties": {"services": {"type": "array", "items": schema("HsdsService")}}}]});
                        s
                    }))
                    .problems(&[400, 404]),
            )]),
        ),
        (
            "/hsds/service_at_locations",
            item([(
                "get",
                hsds_op("hsdsServiceAtLocations", "Services at their locations, a page at a time")
                    .describe(&format!("Each item is a service_at_location with its location and its service. {PUBLIC_ONLY}"))
                    .params(sal_params)
                    .answer(200, ok_json("A page of services at locations", page("HsdsServiceAtLocation")))
                    .problems(&[400, 404]),
            )]),
        ),
        (
            "/hsds/service_at_locations/{id}",
            item([(
                "get",
                hsds_op("hsdsServiceAtLocation", "One service at its location")
                    .describe(&format!("With its location and its service nested. Takes no query parameters. {PUBLIC_ONLY}"))
                    .params([path("id", "The service_at_location's UUID (as listed; derived from the site's)")])
                    .answer(200, ok_json("The service at its location", schema("HsdsServiceAtLocation")))
                    .problems(&[400, 404]),
            )]),
        ),
        (
            "/hsds/taxonomies",
            item([(
                "get",
                hsds_op("hsdsTaxonomies", "The taxonomies services are classified in")
                    .describe("One: assetmap's categories (taxonomy name assetmap).")
                    .params(paging())
                    .params([format()])
                    .answer(200, ok_json("A page of taxonomies", page("HsdsTaxonomy")))
                    .problems(&[400]),
            )]),
        ),
        (
            "/hsds/taxonomy_terms",
            item([(
                "get",
                hsds_op("hsdsTaxonomyTerms", "The taxonomy terms: our categories")
                    .describe("One term per category, as services carry them in attributes[].taxonomy_term.")
                    .params(paging())
                    .params([
                        format(),
                        query("taxonomy_id", json!({"type": "string", "format": "uuid"}), "Only the terms of this taxonomy (another taxonomy's id: an empty page)"),
                    ])
                    .answer(200, ok_json("A page of taxonomy terms", page("HsdsTaxonomyTerm")))
                    .problems(&[400]),
            )]),
        ),
        (
            "/api/v1/export",
            item([(
                "get",
                Op::new("export", "export", "The whole directory in one file")
                    .describe("The public directory; an admin (account or deployment token) gets everything, pending and inactive organisations and confidential locations included. Sent as an attachment (Content-Disposition), never cached.")
                    .access(Access::Optional)
                    .params([
                        exploded("format", true, json!({"oneOf": [
                            members(&["f"], json!({
                                "f": one_of(&["hsds-csv"]),
                                "table": one_of(&[
                                    "datapackage.json", "organizations.csv", "services.csv", "locations.csv",
                                    "service_at_location.csv", "addresses.csv", "phones.csv", "schedules.csv",
                                    "languages.csv", "accessibility.csv", "cost_options.csv",
                                    "required_documents.csv", "attributes.csv", "taxonomy_terms.csv",
                                ]),
                            })),
                            members(&["f"], json!({"f": one_of(&["hsds-json", "csv", "geojson"])})),
                        ]}),
                        "`f`: hsds-json (HSDS 3.0 services and organizations), hsds-csv (one file of the HSDS tabular data package), csv (one row per site, the columns assetmap import reads) or geojson (one feature per site); `table`, with f=hsds-csv only: the file of the package (default datapackage.json)"),
                    ])
                    .answer(200, {
                        let mut r = ok("The export", &["application/json", "text/csv", "application/geo+json"], json!({}));
                        r["content"]["application/json"]["schema"] = json!({"type": "object", "description": "f=hsds-json: {hsds_version, profile, services, organizations}; f=hsds-csv&table=datapackage.json: the Frictionless data package"});
                        r["content"]["text/csv"]["schema"] = json!({"type": "string"});
                        r["content"]["application/geo+json"]["schema"] = schema("SiteFeatureCollection");
                        r
                    })
                    .header(200, "Content-Disposition", "attachment; filename=\"…\"")
                    .problems(&[400]),
            )]),
        ),
    ]
}

/// The component schemas of this area: the parts of HSDS 3.0 objects assetmap fills.
pub(crate) fn schemas() -> Value {
    let uuid = json!({"type": "string", "format": "uuid"});
    let ext = |d: &str| json!({"type": "object", "description": format!("assetmap's extension: {d}")});
    json!({
        "HsdsServiceMinimal": {
            "type": "object",
            "description": "A service as minimal=true lists it",
            "required": ["id", "last_modified"],
            "properties": {"id": uuid, "last_modified": {"type": "string", "format": "date-time"}},
        },
        "HsdsRoot": {
            "type": "object",
            "properties": {
                "version": {"type": "string", "example": "3.0"},
                "profile": {"type": "string"},
                "openapi_url": {"type": "string"},
            },
        },
        "HsdsPage": {
            "type": "object",
            "description": "The HSDS API's Page envelope",
            "required": ["total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"],
            "properties": {
                "total_items": {"type": "integer"}, "total_pages": {"type": "integer", "minimum": 1},
                "page_number": {"type": "integer", "minimum": 1},
                "size": {"type": "integer", "description": "Items on this page"},
                "first_page": {"type": "boolean"}, "last_page": {"type": "boolean"}, "empty": {"type": "boolean"},
                "contents": {"type": "array", "items": {"type": "object"}},
            },
        },
        "HsdsOrganization": {
            "type": "object", "required": ["id", "name", "description"],
            "properties": {
                "id": uuid, "name": {"type": "string"}, "description": {"type": "string"},
                "email": {"type": "string"}, "website": {"type": "string"},
                "assetmap": ext("source_id, status, description_lang, description_translations"),
            },
        },
        "HsdsService": {
            "type": "object", "required": ["id", "name", "status"],
            "properties": {
                "id": uuid, "organization_id": uuid, "name": {"type": "string"}, "description": {"type": "string"},
                "status": {"type": "string", "enum": ["active", "inactive"]},
                "fees_description": {"type": "string"}, "eligibility_description": {"type": "string"},
                "assured_date": {"type": "string", "format": "date", "description": "When the site was last verified"},
                "cost_options": {"type": "array", "items": {"type": "object"}},
                "required_documents": {"type": "array", "items": {"type": "object"}},
                "attributes": {"type": "array", "items": {"type": "object"}, "description": "The categories, each with its taxonomy_term"},
                "organization": schema("HsdsOrganization"),
                "service_at_locations": {"type": "array", "items": schema("HsdsServiceAtLocation")},
                "assetmap": ext("the service's translations"),
            },
        },
        "HsdsServiceAtLocation": {
            "type": "object",
            "properties": {
                "id": uuid, "service_id": uuid, "location_id": uuid,
                "location": schema("HsdsLocation"),
                "service": {"type": "object", "description": "In /hsds/service_at_locations: the service (HsdsService, without service_at_locations)"},
            },
        },
        "HsdsTaxonomy": {
            "type": "object", "required": ["id", "name", "description"],
            "properties": {"id": uuid, "name": {"type": "string"}, "description": {"type": "string"}, "version": {"type": "string"}},
        },
        "HsdsTaxonomyTerm": {
            "type": "object", "required": ["id", "name", "description"],
            "properties": {
                "id": uuid, "code": {"type": "string"}, "name": {"type": "string"}, "description": {"type": "string"},
                "taxonomy": {"type": "string"}, "taxonomy_id": uuid,
            },
        },
        "HsdsLocation": {
            "type": "object",
            "properties": {
                "id": uuid, "location_type": {"type": "string", "enum": ["physical"]}, "organization_id": uuid,
                "name": {"type": "string"}, "description": {"type": "string"},
                "latitude": {"type": "number", "description": "Left out for a confidential site (for the public)"},
                "longitude": {"type": "number"},
                "external_identifier": {"type": "string"}, "external_identifier_type": {"type": "string"},
                "addresses": {"type": "array", "items": {"type": "object"}},
                "phones": {"type": "array", "items": {"type": "object"}},
                "schedules": {"type": "array", "items": {"type": "object"}},
                "languages": {"type": "array", "items": {"type": "object"}},
                "accessibility": {"type": "array", "items": {"type": "object"}},
                "assetmap": ext("walk_in, appointment_required, no_id_required, confidential, location_withheld, timezone, hours_notes, …"),
            },
        },
    })
}
