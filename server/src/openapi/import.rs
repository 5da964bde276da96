//! Importing a file over HTTP and the spreadsheet template (`server/src/import/http.rs`), with
//! their component schemas.

use serde_json::{json, Value};

use super::build::{flag, item, ok, ok_json, one_of, query, schema, Access, Op};
use super::paths::Paths;

/// Import (admins) and the spreadsheet template.
pub(crate) fn paths() -> Paths {
    let name = json!({"type": "string", "pattern": "^[A-Za-z0-9_-]+$"});
    let text = json!({"type": "string"});
    let binary = json!({"type": "string", "format": "binary"});
    vec![
        (
            "/api/v1/import",
            item([(
                "post",
                Op::new("import", "import", "Import a file: a dry run, or with commit=true one transaction")
                    .describe(
                        "Admins only. The body is one file, read exactly as `assetmap import` reads it; its \
                         Content-Type picks the reader: our CSV (text/csv; see /api/v1/import/template.csv), a \
                         GeoJSON FeatureCollection (application/geo+json), GeoJSON or HSDS 3.0 JSON told apart by \
                         their content (application/json), or a zipped Ohana folder or HSDS data package \
                         (application/zip). At most 20 MiB. Without commit=true nothing is written and the \
                         report says what would be; a commit writes everything in one transaction or, if any \
                         row is bad, nothing (422 with the report).",
                    )
                    .access(Access::Write)
                    .params([
                        query("commit", flag(), "Write the changes (one transaction, only if no row is bad)"),
                        query("name", text, "The file's name, used in the report and messages (its extension follows the Content-Type)"),
                        query(
                            "encoding",
                            one_of(&["utf-8", "windows-1252"]),
                            "The file's text encoding (default utf-8; cp1252, latin-1 and iso-8859-1 are read as windows-1252)",
                        ),
                        query(
                            "properties",
                            json!({"allOf": [name.clone()], "example": "cambridge-health-clinics"}),
                            "GeoJSON bodies only: a shipped property map (data/mappings/geojson/NAME.json) naming which feature properties are which fields",
                        ),
                        query(
                            "mapping",
                            json!({"allOf": [name], "example": "open211-miami-categories"}),
                            "A shipped category mapping (data/mappings/NAME.csv)",
                        ),
                    ])
                    .bodies(
                        &[
                            ("text/csv", json!({"type": "string"})),
                            ("application/geo+json", json!({"type": "object", "description": "A GeoJSON FeatureCollection"})),
                            ("application/json", json!({"type": "object", "description": "GeoJSON, or HSDS 3.0 JSON"})),
                            ("application/zip", binary.clone()),
                            ("application/x-zip-compressed", binary),
                        ],
                        true,
                    )
                    .answer(200, ok_json("The report: what was written (committed), or what would be", schema("ImportReport")))
                    .problems(&[400, 401, 403, 409, 413, 415])
                    .answer(422, json!({
                        "description": "The file cannot be read, or (with commit=true) a row is bad: every bad row in errors (field, with file and row in the message) and the report; nothing was written",
                        "content": {"application/problem+json": {"schema": schema("ImportProblem")}},
                    })),
            )]),
        ),
        (
            "/api/v1/import/held",
            item([
                (
                    "get",
                    Op::new("import", "importHeld", "The \"needs a category\" list")
                        .describe("Admins only. Imported records whose taxonomy terms map to none of our categories: held, not public, until categorised; and their terms, each with how many held records carry it, most first. Takes no query parameters.")
                        .access(Access::Read)
                        .answer(200, ok_json("The held records and their terms", schema("HeldList")))
                        .problems(&[400, 401, 403]),
                ),
                (
                    "post",
                    Op::new("import", "importCategoriseHeld", "Give held records categories of their own")
                        .describe("Admins only. For records without terms, or whose terms mean different things for different records. The records that then import are taken off the list, in one transaction; one the import refuses stays held, with its problem in the report.")
                        .access(Access::Write)
                        .body("application/json", json!({
                            "type": "object", "additionalProperties": false, "required": ["records"],
                            "properties": {"records": {"type": "array", "minItems": 1, "items": {
                                "type": "object", "additionalProperties": false, "required": ["key", "categories"],
                                "properties": {"key": {"type": "string"}, "categories": {"type": "array", "minItems": 1, "items": schema("Category")}},
                            }}},
                        }), true)
                        .answer(200, ok_json("What was imported", schema("HeldReleased")))
                        .problems(&[400, 401, 403, 404, 409, 422]),
                ),
            ]),
        ),
        (
            "/api/v1/import/terms",
            item([
                (
                    "get",
                    Op::new("import", "importTerms", "The admins' term mappings")
                        .describe("Admins only. What each source taxonomy term means among our categories, as decided; applied to every import. Takes no query parameters.")
                        .access(Access::Read)
                        .answer(200, ok_json("The mappings", json!({"type": "object", "properties": {"terms": {"type": "array", "items": schema("TermMapping")}}})))
                        .problems(&[400, 401, 403]),
                ),
                (
                    "put",
                    Op::new("import", "importMapTerms", "Say what source terms mean")
                        .describe("Admins only. Records (or replaces) the mapping of each term (its code, else its name; case does not matter) to our categories (an empty list: none of ours, which stops asking). Every held record that now has a category is imported and taken off the list, in the same transaction; later imports apply the mappings.")
                        .access(Access::Write)
                        .body("application/json", json!({
                            "type": "object", "additionalProperties": false, "required": ["terms"],
                            "properties": {"terms": {"type": "array", "minItems": 1, "items": {
                                "type": "object", "additionalProperties": false, "required": ["term", "categories"],
                                "properties": {
                                    "term": {"type": "string", "minLength": 1, "pattern": "\\S"},
                                    "label": {"type": "string"},
                                    "categories": {"type": "array", "items": schema("Category")},
                                },
                            }}},
                        }), true)
                        .answer(200, ok_json("What was imported", schema("HeldReleased")))
                        .problems(&[400, 401, 403, 409, 422]),
                ),
            ]),
        ),
        (
            "/api/v1/import/template.csv",
            item([(
                "get",
                Op::new("import", "importTemplate", "The spreadsheet template: our CSV's columns and one example row")
                    .answer(
                        200,
                        ok("The template (UTF-8 with a byte-order mark)", &["text/csv"], json!({"type": "string"})),
                    )
                    .header(200, "Content-Disposition", "attachment; filename=\"assetmap-template.csv\""),
            )]),
        ),
    ]
}

/// The component schemas of this area.
pub(crate) fn schemas() -> Value {
    let problem = json!({
        "type": "object",
        "required": ["file", "row", "field", "message"],
        "properties": {
            "file": {"type": "string"}, "row": {"type": "integer"},
            "field": {"type": "string"}, "message": {"type": "string"},
        },
    });
    json!({
        "ImportReport": {
            "type": "object",
            "properties": {
                "file": {"type": "string"},
                "format": {"type": "string", "example": "csv"},
                "rows": {"type": "integer", "description": "Data rows read"},
                "partners_created": {"type": "integer"}, "partners_updated": {"type": "integer"},
                "sites_created": {"type": "integer"}, "sites_updated": {"type": "integer"},
                "sites_unchanged": {"type": "integer", "description": "Already exactly as in the file"},
                "without_coordinates": {"type": "array", "description": "Kept and listed, not on the map", "items": {
                    "type": "object", "properties": {"row": {"type": "integer"}, "name": {"type": "string"}},
                }},
                "skipped": {"type": "array", "description": "Source records left out on purpose", "items": {
                    "type": "object",
                    "properties": {"row": {"type": "integer"}, "name": {"type": "string"}, "reason": {"type": "string"}},
                }},
                "needs_category": {"type": "array", "description": "Records whose taxonomy terms map to none of our categories: held, not public, until an admin categorises their terms (GET /api/v1/import/held)", "items": {
                    "type": "object",
                    "properties": {"row": {"type": "integer"}, "name": {"type": "string"}, "terms": {"type": "array", "items": schema("Term")}},
                }},
                "errors": {"type": "array", "items": problem.clone(), "description": "Bad rows: any one stops a commit"},
                "warnings": {"type": "array", "items": problem, "description": "Imported as they are, worth a look (outside the service area, a language not recognised)"},
                "committed": {"type": "boolean"},
            },
        },
        "HeldList": {
            "type": "object",
            "properties": {
                "count": {"type": "integer"},
                "records": {"type": "array", "items": {"type": "object", "properties": {
                    "key": {"type": "string"}, "name": {"type": "string"}, "file": {"type": "string"},
                    "terms": {"type": "array", "items": schema("Term")}, "held_at": {"type": "string", "format": "date-time"},
                }}},
                "terms": {"type": "array", "items": {"type": "object", "properties": {
                    "term": {"type": "string"}, "taxonomy": {"type": "string"}, "code": {"type": "string"},
                    "name": {"type": "string"}, "records": {"type": "integer"},
                }}},
            },
        },
        "Term": {
            "type": "object",
            "properties": {"taxonomy": {"type": "string"}, "code": {"type": "string"}, "name": {"type": "string"}},
        },
        "TermMapping": {
            "type": "object",
            "properties": {
                "term": {"type": "string"}, "label": {"type": "string"},
                "categories": {"type": "array", "items": {"type": "string"}},
                "updated_at": {"type": "string", "format": "date-time"},
            },
        },
        "HeldReleased": {
            "type": "object",
            "properties": {
                "released": {"type": "array", "items": {"type": "string"}, "description": "Keys of the records imported now"},
                "still_held": {"type": "integer"},
                "report": schema("ImportReport"),
            },
        },
        "ImportProblem": {
            "allOf": [schema("Problem"), {
                "type": "object",
                "properties": {"report": {"allOf": [schema("ImportReport")], "description": "When rows were read"}},
            }],
        },
    })
}
