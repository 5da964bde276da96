//! Saved demand sets (`/api/v1/demand-sets`), and the parts of the gap and coverage
//! operations about a school's own counts: the `demand_set` parameter and the count-table body.

use serde_json::{json, Value};

use super::build::{item, ok_json, path, query, query_required, Access, Op};

/// The XLSX media type.
pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `demand_set`: a saved set's id (admins only).
pub(crate) fn demand_set_param() -> Value {
    query(
        "demand_set",
        json!({"type": "integer", "minimum": 1, "format": "int64", "example": 1}),
        "A saved demand set (admins only; see /api/v1/demand-sets): its families instead of the census tracts. Every figure is then suppressed (fewer than 10 shown as \"fewer than 10\"). Not with a body.",
    )
}

/// A count table in its plainest CSV layout (`zip,language,count`); the README gives the rest
/// (a grouping column, a label, language names, XLSX).
pub(crate) fn count_table_csv() -> String {
    let row = "(33150|33138|33127|33161),(ht|es|pt|Haitian Creole|Spanish),[0-9]{1,3}";
    format!("zip,language,count\\r?\\n({row}\\r?\\n){{0,20}}{row}(\\r?\\n)?")
}

fn set_schema() -> Value {
    json!({"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "label": {"type": "string", "nullable": true},
        "group_column": {"type": "string", "nullable": true}, "cells": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"}, "created_by": {"type": "string"},
        "languages": {"type": "array", "items": {"type": "string"}},
    }})
}

/// `/api/v1/demand-sets`.
pub(crate) fn paths() -> Vec<(&'static str, Value)> {
    let body = json!({"type": "string", "example": "zip,language,count\n33150,Haitian Creole,42\n33150,es,12\n",
                      "pattern": format!("^{}$", count_table_csv())});
    vec![
        (
            "/api/v1/demand-sets",
            item([
                (
                    "get",
                    Op::new("analysis", "demandSets", "Saved demand sets")
                        .access(Access::Read)
                        .describe("Admins only. Each set's name, label, number of ZIP × language cells, when and by whom it was saved; never its counts.")
                        .answer(200, ok_json("Newest first", json!({"type": "object", "properties": {
                            "demand_sets": {"type": "array", "items": set_schema()}}})))
                        .problems(&[400, 401, 403]),
                ),
                (
                    "post",
                    Op::new("analysis", "createDemandSet", "Save a school's counts as a named demand set")
                        .access(Access::Write)
                        .describe("Admins only. The body is a count table (`zip,language,count`, optional `label` and one grouping column such as `grade`; CSV or XLSX). Every row is checked; any bad row is a 422 naming its row and field, and nothing is saved. Only the ZIP × language counts are kept (rows of a grouping column are summed; the file is not).")
                        .params([query_required(
                            "name",
                            json!({"type": "string", "minLength": 1, "maxLength": 120, "pattern": "^[^\\u0000-\\u001f\\u007f]*\\S[^\\u0000-\\u001f\\u007f]*$", "example": "Our families, fall 2026"}),
                            "What the page lists; unique",
                        )])
                        .bodies(&[("text/csv", body), (XLSX, json!({"type": "string", "format": "binary"}))], true)
                        .answer(201, ok_json("Saved", set_schema()))
                        .problems(&[400, 401, 403, 413, 422]),
                ),
            ]),
        ),
        (
            "/api/v1/demand-sets/{id}",
            item([(
                "delete",
                Op::new("analysis", "deleteDemandSet", "Delete a saved demand set and its counts")
                    .access(Access::Write)
                    .describe("Admins only.")
                    .params([path("id", "The set's id")])
                    .answer(204, json!({"description": "Deleted"}))
                    .problems(&[400, 401, 403, 404]),
            )]),
        ),
    ]
}
