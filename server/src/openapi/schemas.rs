//! Component schemas and the shared problem answers.

use serde_json::{json, Value};

use super::build::schema;
use crate::domain::Cost;

fn nullable(t: &str, description: &str) -> Value {
    json!({"type": t, "nullable": true, "description": description})
}

fn string_list(description: &str) -> Value {
    json!({"type": "array", "items": {"type": "string"}, "description": description})
}

fn language() -> Value {
    schema("LanguageCode")
}

/// Control characters (C0 and C1), as a character-class range.
const CONTROL: &str = "\\u0000-\\u001F\\u007F-\\u009F";

/// Characters the server refuses in text: control characters other than line breaks and tabs
/// (what `char::is_control` calls control, C0 and C1).
const NO_CONTROL: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";

/// A name as the server takes it: 1 to `max` characters, not blank, no control characters.
fn name_in(max: usize) -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": max,
           "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$"})
}

/// Optional text as the server takes it: at most `max` characters, no control characters but
/// line breaks and tabs (blank is read as absent).
fn text_in(max: usize, description: &str) -> Value {
    json!({"type": "string", "nullable": true, "maxLength": max, "pattern": NO_CONTROL, "description": description})
}

/// Translations by language, as the server takes them: keyed by ISO 639-1 code (a language
/// without one, by ISO 639-3: accepted, not listed here), each `item`.
fn translations_in(item: Value) -> Value {
    let properties: serde_json::Map<String, Value> = super::build::language_codes()
        .into_iter()
        .filter(|c| c.len() == 2)
        .map(|c| (c.to_owned(), item.clone()))
        .collect();
    json!({"type": "object", "properties": properties, "additionalProperties": false, "maxProperties": 100,
           "description": "Human translations by language code"})
}

/// The site fields as a client writes them, with everything the server checks.
fn site_input_fields() -> serde_json::Map<String, Value> {
    let mut m = site_fields();
    let strict = json!({
        "id": {"type": "string", "format": "uuid", "description": "Optional client-chosen id on create"},
        "source_id": text_in(300, "Identifier in the source system, for idempotent re-imports"),
        "name": name_in(300),
        "description": text_in(20_000, "What they help with"),
        "description_translations": translations_in(schema("TranslationInput")),
        "street": text_in(300, "Street and number"),
        "city": text_in(120, "City"),
        "state": text_in(60, "State"),
        "postal_code": text_in(20, "Postal (ZIP) code"),
        "phones": {"type": "array", "items": schema("PhoneInput"), "maxItems": 100},
        "hours": {"allOf": [schema("HoursInput")], "nullable": true},
        "languages": {"type": "array", "items": language(), "maxItems": 100},
        "categories": {"type": "array", "items": schema("Category"), "minItems": 1, "maxItems": 100},
        "services": {"type": "array", "items": schema("ServiceInput"), "maxItems": 100},
        "cost_note": text_in(2_000, "Details of the cost"),
        "eligibility": text_in(20_000, "Who can use it"),
        "required_documents": {"type": "array", "maxItems": 100, "description": "What to bring",
                               "items": {"type": "string", "maxLength": 1_000}},
        "accessibility": text_in(20_000, "Physical accessibility"),
        "last_verified_at": {"type": "string", "nullable": true, "description": "When a person last checked the listing (not in the future)",
                             "pattern": past_instant()},
    });
    if let Value::Object(s) = strict {
        m.extend(s);
    }
    m
}

/// A service's fields (what [`crate::domain::Service`] reads and writes); `list_max` bounds its
/// lists (100 on input, what the server checks).
fn service_fields(category: Value, lang: Value, translations: Value, hours: Value, list_max: usize) -> Value {
    let costs: Vec<&str> = Cost::ALL.iter().map(|c| c.as_str()).collect();
    let tri = |d: &str| nullable("boolean", d);
    json!({
        "name": name_in(300),
        "description": text_in(20_000, "What it is"),
        "translations": translations,
        "categories": {"type": "array", "items": category, "maxItems": list_max, "description": "Its categories (empty or left out: the site's)"},
        "languages": {"type": "array", "items": lang, "maxItems": list_max, "description": "Languages it is given in (empty or left out: the site's and its phone lines')"},
        "cost": {"type": "string", "enum": costs, "nullable": true, "description": "Left out: the site's cost"},
        "cost_note": text_in(20_000, "Details of the cost"),
        "hours": {"allOf": [hours], "nullable": true, "description": "Its own weekly hours (left out: the site's)"},
        "eligibility": text_in(20_000, "Who can use it"),
        "required_documents": {"type": "array", "maxItems": list_max, "description": "What to bring (empty or left out: the site's list)",
                               "items": {"type": "string", "maxLength": 1_000}},
        "walk_in": tri("Accepts walk-ins (left out: the site's answer; neither says: unknown)"),
        "appointment_required": tri("Needs an appointment"),
        "no_id_required": tri("Serves people without an ID"),
        "status": {"type": "string", "enum": ["active", "temporarily_closed", "inactive"], "default": "active",
                   "description": "Temporarily closed services are shown as such and left out of searches unless asked for; inactive ones are never found"},
        "last_verified_at": {"type": "string", "nullable": true, "pattern": past_instant(),
                             "description": "When a person last confirmed this service (left out: the site's date)"},
    })
}

fn known() -> Value {
    json!({"type": "string", "enum": ["yes", "no", "unknown"], "description": "unknown: the service (and its site) does not say. Never read as no."})
}

/// An RFC 3339 instant in a year before this one (the server refuses a verification date in
/// the future; a pattern cannot say "before now").
fn past_instant() -> String {
    use chrono::Datelike;
    let last = chrono::Utc::now().year() - 1;
    let (decade, unit) = (last / 10 % 10, last % 10);
    let earlier = if decade > 0 { format!("|20[0-{}][0-9]", decade - 1) } else { String::new() };
    let years = format!("(1[0-9]{{3}}{earlier}|20{decade}[0-{unit}])");
    // DATE starts with its four-digit year, `[0-9]{4}`: the rest is the month and day.
    format!("^{years}{}{}$", &super::build::DATE["[0-9]{4}".len()..], super::build::TIME)
}

/// The partner fields as a client writes them, with everything the server checks.
fn partner_input_fields() -> serde_json::Map<String, Value> {
    let mut m = partner_fields();
    let strict = json!({
        "source_id": text_in(300, "Identifier in the source system"),
        "name": name_in(300),
        "description": text_in(20_000, "What the organisation does"),
        "description_translations": translations_in(schema("TranslationInput")),
        "website": {"type": "string", "nullable": true, "maxLength": 2_000,
                    "pattern": format!("^[hH][tT][tT][pP][sS]?://[^\\s{CONTROL}]*$"), "description": "http or https"},
        "email": {"type": "string", "nullable": true, "maxLength": 320,
                  "pattern": format!("^[^\\s@{CONTROL}]+@[^\\s@{CONTROL}]*\\.[^\\s@{CONTROL}]*$"),
                  "description": "Public contact email"},
    });
    if let Value::Object(s) = strict {
        m.extend(s);
    }
    m
}

/// The fields a site is written with (create, or the merged record of an edit).
fn site_fields() -> serde_json::Map<String, Value> {
    let costs: Vec<&str> = Cost::ALL.iter().map(|c| c.as_str()).collect();
    let v = json!({
        "partner_id": {"type": "string", "format": "uuid", "description": "The partner that runs it"},
        "source_id": nullable("string", "Identifier in the source system, for idempotent re-imports"),
        "name": {"type": "string", "maxLength": 300},
        "description": nullable("string", "What they help with"),
        "description_lang": {"allOf": [language()], "nullable": true},
        "description_translations": {"type": "object", "additionalProperties": schema("Translation"),
                                     "description": "Human translations by language code"},
        "street": nullable("string", "Street and number (null for a confidential site, for the public)"),
        "city": nullable("string", "City"),
        "state": nullable("string", "State"),
        "postal_code": nullable("string", "Postal (ZIP) code"),
        "lon": {"type": "number", "minimum": -180, "maximum": 180, "nullable": true, "description": "WGS84 longitude"},
        "lat": {"type": "number", "minimum": -90, "maximum": 90, "nullable": true, "description": "WGS84 latitude"},
        "phones": {"type": "array", "items": schema("Phone")},
        "hours": {"allOf": [schema("Hours")], "nullable": true},
        "languages": {"type": "array", "items": language()},
        "categories": {"type": "array", "items": schema("Category"), "minItems": 1, "description": "Category slugs (see /api/v1/categories)"},
        "services": {"type": "array", "items": schema("Service")},
        "cost": {"type": "string", "enum": costs, "nullable": true},
        "cost_note": nullable("string", "Details of the cost"),
        "eligibility": nullable("string", "Who can use it"),
        "required_documents": string_list("What to bring"),
        "accessibility": nullable("string", "Physical accessibility"),
        "walk_in": nullable("boolean", "Accepts walk-ins"),
        "appointment_required": nullable("boolean", "Requires an appointment"),
        "no_id_required": nullable("boolean", "Serves people without an ID"),
        "confidential": {"type": "boolean", "description": "A confidential site (a shelter): its location never leaves the server; public answers measure it from its stand-in (the internal point of its ZIP code area)"},
        "withhold_zip": {"type": "boolean", "description": "A confidential site whose ZIP code itself would say too much: the public is not told it, and the site stands at the centre of its H3 resolution-7 cell instead"},
        "last_verified_at": {"type": "string", "format": "date-time", "nullable": true},
    });
    v.as_object().cloned().unwrap_or_default()
}

/// The fields a partner is written with.
fn partner_fields() -> serde_json::Map<String, Value> {
    let v = json!({
        "id": {"type": "string", "format": "uuid"},
        "source_id": nullable("string", "Identifier in the source system"),
        "name": {"type": "string"},
        "description": nullable("string", "What the organisation does"),
        "description_lang": {"allOf": [language()], "nullable": true},
        "description_translations": {"type": "object", "additionalProperties": schema("Translation")},
        "website": nullable("string", "http or https"),
        "email": nullable("string", "Public contact email"),
        "status": {"type": "string", "enum": ["active", "inactive", "pending"]},
    });
    v.as_object().cloned().unwrap_or_default()
}

/// Every component schema: these and each area's `more`.
pub(crate) fn schemas(more: &[Value]) -> Value {
    let mut site = site_fields();
    for (k, v) in [
        ("id", json!({"type": "string", "format": "uuid"})),
        ("created_at", json!({"type": "string", "format": "date-time"})),
        ("updated_at", json!({"type": "string", "format": "date-time"})),
        (
            "version",
            json!({"type": "integer", "description": "Incremented on every change; send it back with an edit"}),
        ),
        ("partner_name", nullable("string", "The partner's name")),
        ("stale", json!({"type": "boolean", "description": "Not verified within stale_after_days"})),
        ("mapped", json!({"type": "boolean", "description": "Has a location the viewer may see"})),
        (
            "distance_m",
            json!({"type": "number", "description": "Great-circle distance in metres (answers to a search); for a confidential site, to its stand-in, in whole kilometres"}),
        ),
        (
            "location_withheld",
            json!({"type": "boolean", "description": "A confidential site seen by the public: lon, lat and street are null (and postal_code, where withhold_zip)"}),
        ),
        (
            "stand_in",
            json!({"type": "object", "description": "Admins and the site's own editors: where the public is told a confidential site stands",
                   "required": ["lon", "lat", "basis"],
                   "properties": {
                       "lon": {"type": "number"}, "lat": {"type": "number"},
                       "basis": {"type": "string", "enum": ["zip", "zip_area", "h3"],
                                 "description": "zip: its ZIP code's internal point; zip_area: the nearest ZIP internal point (no known ZIP given); h3: its H3 resolution-7 cell's centre"},
                       "zip": {"type": "string"}}}),
        ),
    ] {
        site.insert(k.to_owned(), v);
    }
    let partner_input = partner_input_fields();
    let mut partner = partner_fields();
    for (k, v) in [
        ("created_at", json!({"type": "string", "format": "date-time"})),
        ("updated_at", json!({"type": "string", "format": "date-time"})),
        ("version", json!({"type": "integer"})),
        ("site_count", json!({"type": "integer", "description": "How many sites it has"})),
    ] {
        partner.insert(k.to_owned(), v);
    }
    let site_input = site_input_fields();
    let tz: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|t| t.name()).collect();
    let clock = "^(([01]?[0-9]|2[0-3]):[0-5][0-9]|24:00)(:[0-5][0-9])?$";
    let mut all = json!({
        "Problem": {
            "type": "object",
            "description": "An RFC 9457 problem document (application/problem+json)",
            "required": ["type", "title", "status", "detail"],
            "properties": {
                "type": {"type": "string", "example": "/problems/invalid-parameter"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "errors": {"type": "array", "items": schema("FieldError")},
                "current": {"type": "object", "description": "For a stale edit: the record as it is now"},
            },
        },
        "FieldError": {
            "type": "object",
            "required": ["field", "message"],
            "properties": {"field": {"type": "string", "example": "lat"}, "message": {"type": "string"}},
        },
        "Translation": {
            "type": "object", "required": ["text"],
            "properties": {"text": {"type": "string"}, "reviewed": {"type": "boolean", "default": false}},
        },
        "Phone": {
            "type": "object", "required": ["number"],
            "properties": {
                "number": {"type": "string"},
                "type": {"type": "string", "enum": ["voice", "fax", "text", "tty", "hotline"], "default": "voice"},
                "extension": {"type": "string", "nullable": true},
                "languages": {"type": "array", "items": language()},
                "description": {"type": "string", "nullable": true},
            },
        },
        "Hours": {
            "type": "object", "required": ["timezone"],
            "properties": {
                "timezone": {"type": "string", "example": "America/New_York"},
                "weekly": {"type": "array", "items": {
                    "type": "object", "required": ["day", "opens", "closes"],
                    "properties": {
                        "day": {"type": "string", "enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
                        "opens": {"type": "string", "example": "09:00"},
                        "closes": {"type": "string", "example": "17:00"},
                    },
                }},
                "notes": {"type": "string", "nullable": true},
            },
        },
        "Service": {
            "type": "object", "required": ["name"],
            "description": "A service offered at the site (HSDS service). A field left out falls back to the site's value.",
            "properties": service_fields(schema("Category"), language(), json!({"type": "object", "additionalProperties": {"type": "object"}}), schema("Hours"), 1_000_000),
        },
        "MatchedService": {
            "type": "object",
            "description": "A service a search found, with the site's values filled in where it gives none",
            "properties": {
                "index": {"type": "integer", "nullable": true, "description": "Its position in the site's services (null: the site itself, which lists no services)"},
                "name": {"type": "string"},
                "status": {"type": "string", "enum": ["active", "temporarily_closed", "inactive"]},
                "categories": {"type": "array", "items": schema("Category")},
                "languages": {"type": "array", "items": language()},
                "cost": {"type": "string", "enum": Cost::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(), "nullable": true},
                "free": known(), "walk_in": known(), "no_id": known(),
                "hours": {"allOf": [schema("Hours")], "nullable": true},
                "why": {"type": "object", "description": "Each condition asked and the service's answer: category, language, and free / walk_in / no_id / open_at as yes or (with unknown=include) unknown",
                        "properties": {"category": schema("Category"), "language": language(),
                                       "free": known(), "walk_in": known(), "no_id": known(), "open_at": known()}},
            },
        },
        "TranslationInput": {
            "type": "object", "required": ["text"], "additionalProperties": false,
            "properties": {"text": {"type": "string", "maxLength": 20_000, "pattern": "\\S"}, "reviewed": {"type": "boolean", "default": false}},
        },
        "PhoneInput": {
            "type": "object", "required": ["number"], "additionalProperties": false,
            "properties": {
                "number": {"type": "string", "maxLength": 40, "pattern": "^([^0-9]*[0-9]){3}", "description": "At least three digits"},
                "type": {"type": "string", "enum": ["voice", "fax", "text", "tty", "hotline"], "default": "voice"},
                "extension": {"type": "string", "nullable": true},
                "languages": {"type": "array", "items": language(), "maxItems": 100},
                "description": {"type": "string", "nullable": true},
            },
        },
        "HoursInput": {
            "type": "object", "required": ["timezone"], "additionalProperties": false,
            "properties": {
                "timezone": {"type": "string", "enum": tz, "example": "America/New_York"},
                "weekly": {"type": "array", "maxItems": 50, "items": {
                    "type": "object", "required": ["day", "opens", "closes"], "additionalProperties": false,
                    "properties": {
                        "day": {"type": "string", "enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
                        "opens": {"type": "string", "pattern": clock, "example": "09:00"},
                        "closes": {"type": "string", "pattern": clock, "example": "17:00"},
                    },
                }},
                "notes": {"type": "string", "nullable": true},
            },
        },
        "ServiceInput": {
            "type": "object", "required": ["name"], "additionalProperties": false,
            "description": "A service offered at the site. Leave a field out (or empty) for the site's value.",
            "properties": service_fields(schema("Category"), language(), translations_in(schema("ServiceTranslationInput")), schema("HoursInput"), 100),
        },
        "ServiceTranslationInput": {
            "type": "object", "required": ["name"], "additionalProperties": false,
            "properties": {"name": {"type": "string"}, "description": {"type": "string", "nullable": true},
                           "reviewed": {"type": "boolean", "default": false}},
        },
        "Site": {"type": "object", "properties": site},
        "SiteInput": {"type": "object", "properties": site_input, "additionalProperties": false,
                      "description": "Unknown fields are refused. On PATCH, a JSON Merge Patch (RFC 7386) over the record."},
        "SiteCreate": {"allOf": [schema("SiteInput")], "required": ["name", "categories"],
                       // lon and lat come together: both numbers, both null, or neither.
                       "anyOf": [
                           {"required": ["lon", "lat"], "properties": {"lon": {"type": "number"}, "lat": {"type": "number"}}},
                           {"required": ["lon", "lat"], "properties": {"lon": {"type": "number", "nullable": true, "enum": [null]},
                                                                       "lat": {"type": "number", "nullable": true, "enum": [null]}}},
                           {"not": {"anyOf": [{"required": ["lon"]}, {"required": ["lat"]}]}},
                       ],
                       "description": "A new site: a name and a category at least (and partner_id, unless an editor leaves it to their organisation)"},
        "SitePage": {
            "type": "object",
            "properties": {
                "total": {"type": "integer"}, "limit": {"type": "integer"}, "offset": {"type": "integer"},
                "sites": {"type": "array", "items": schema("Site")},
            },
        },
        "Partner": {"type": "object", "properties": partner},
        "PartnerInput": {"type": "object", "additionalProperties": false, "properties": partner_input},
        "PartnerCreate": {"allOf": [schema("PartnerInput")], "required": ["name"], "description": "A new organisation: a name at least"},
        "PartnerPage": {
            "type": "object",
            "properties": {
                "total": {"type": "integer"}, "limit": {"type": "integer"}, "offset": {"type": "integer"},
                "partners": {"type": "array", "items": schema("Partner")},
            },
        },
        "Categories": {
            "type": "object",
            "properties": {"categories": {"type": "array", "items": {
                "type": "object",
                "properties": {"slug": {"type": "string"}, "name": {"type": "string"}, "description": {"type": "string", "nullable": true}},
            }}},
        },
    });
    let answers = json!({
        "Point": {
            "type": "object", "required": ["type", "coordinates"],
            "properties": {
                "type": {"type": "string", "enum": ["Point"]},
                "coordinates": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2, "description": "[lon, lat], WGS84"},
            },
        },
        "SiteFeature": {
            "type": "object", "required": ["type", "geometry", "properties"],
            "properties": {
                "type": {"type": "string", "enum": ["Feature"]},
                "id": {"type": "string", "format": "uuid"},
                "geometry": {"allOf": [schema("Point")], "nullable": true, "description": "Null for a confidential or unmapped site"},
                "properties": schema("Site"),
            },
        },
        "SiteFeatureCollection": {
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "numberMatched": {"type": "integer"},
                "numberReturned": {"type": "integer"},
                "features": {"type": "array", "items": schema("SiteFeature")},
            },
        },
        "Nearest": {
            "type": "object",
            "properties": {
                "origin": {"type": "object", "description": "The search origin, echoed to the caller only (never logged or stored)"},
                "filter": {"type": "object"},
                "results": {"type": "array", "items": {"allOf": [schema("Site"), {"type": "object", "properties": {
                    "matched_services": {"type": "array", "items": schema("MatchedService"),
                                         "description": "The site's services that matched every condition, in the site's order"},
                }}]}, "description": "Nearest first, each with distance_m and matched_services"},
            },
        },
        "Gaps": {
            "type": "object",
            "description": "Coverage gaps of a category: see the README's Coverage gaps section",
            "properties": {
                "filter": {"type": "object"}, "demand": {"type": "object"},
                "sites": {"type": "integer"}, "threshold_m": {"type": "number"},
                "population_total": {"$ref": "#/components/schemas/Count"}, "population_beyond": {"$ref": "#/components/schemas/Count"},
                "share_beyond": {"type": "number", "nullable": true},
                "suppression": {"type": "object", "description": "Demand from counts only: the small-cell suppression rule its figures follow"},
                "cells": {"type": "object", "description": "GeoJSON FeatureCollection of H3 cells"},
                "counties": {"type": "array", "items": {"type": "object"}},
                "worst": {"type": "array", "items": {"type": "object"}},
                "suggestions": {"type": "array", "items": {"type": "object"}},
                "by_threshold": {"type": "array", "items": {"type": "object"}},
            },
        },
        "Coverage": {
            "type": "object",
            "properties": {
                "thresholds_m": {"type": "array", "items": {"type": "number"}},
                "population_total": {"$ref": "#/components/schemas/Count"},
                "demand": {"type": "object"}, "filter": {"type": "object"},
                "categories": {"type": "array", "items": {"type": "object"}},
                "by_language": {"type": "array", "items": {"type": "object"},
                                "description": "Demand that states languages: per language, its families against each category's sites that speak it"},
                "suppression": {"type": "object"},
            },
        },
        "Count": {
            "description": "A count of people: a whole number, or (demand from counts, small-cell suppression) the text \"fewer than 10\"",
            "oneOf": [{"type": "integer", "minimum": 0}, {"type": "string", "enum": ["fewer than 10"]}],
        },
        "ClientConfig": {
            "type": "object",
            "properties": {
                "map": {"type": "object", "properties": {
                    "style_url": {"type": "string", "nullable": true,
                                  "description": "The style to draw: /basemap/style.json (root-relative) with --basemap, else --map-style-url, else null (the offline outline)"},
                    "basemap": {"type": "boolean", "description": "True when this server serves its own basemap (--basemap)"},
                    "bbox": {"type": "array", "items": {"type": "number"}, "nullable": true,
                             "description": "[minLon, minLat, maxLon, maxLat] around the public, non-confidential sites"},
                }},
                "stale_after_days": {"type": "integer"},
                "languages": {"type": "array", "items": {"type": "object"}},
            },
        },
        "Health": {
            "type": "object",
            "properties": {
                "status": {"type": "string", "enum": ["ok"]}, "backend": {"type": "string", "enum": ["sqlite", "postgres"]},
                "sites": {"type": "integer"}, "mapped": {"type": "integer"}, "partners": {"type": "integer"},
                "instance": {"type": "string"}, "feed_position": {"type": "integer"},
            },
        },
    });
    let ogc = json!({
        "Link": {
            "type": "object", "required": ["href", "rel"],
            "properties": {"href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"}, "title": {"type": "string"}},
        },
        "OgcLandingPage": {
            "type": "object", "required": ["links"],
            "properties": {"title": {"type": "string"}, "description": {"type": "string"}, "links": {"type": "array", "items": schema("Link")}},
        },
        "OgcConformance": {
            "type": "object", "required": ["conformsTo"],
            "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}},
        },
        "OgcCollection": {
            "type": "object", "required": ["id", "links"],
            "properties": {
                "id": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string", "nullable": true},
                "itemType": {"type": "string", "enum": ["feature"]},
                "crs": {"type": "array", "items": {"type": "string"}},
                "extent": {"type": "object", "properties": {
                    "spatial": {"type": "object", "properties": {
                        "bbox": {"type": "array", "items": {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4}},
                        "crs": {"type": "string"},
                    }},
                    "temporal": {"type": "object", "properties": {
                        "interval": {"type": "array", "items": {"type": "array", "items": {"type": "string", "nullable": true}}},
                        "trs": {"type": "string"},
                    }},
                }},
                "links": {"type": "array", "items": schema("Link")},
            },
        },
        "OgcCollections": {
            "type": "object", "required": ["links", "collections"],
            "properties": {
                "links": {"type": "array", "items": schema("Link")},
                "collections": {"type": "array", "items": schema("OgcCollection")},
            },
        },
        "OgcFeature": {
            "type": "object", "required": ["type", "geometry", "properties"],
            "description": "A site with flat properties (strings, numbers, booleans; lists joined with '; ')",
            "properties": {
                "type": {"type": "string", "enum": ["Feature"]},
                "id": {"type": "string", "format": "uuid"},
                "geometry": {"allOf": [schema("Point")], "nullable": true, "description": "Null for a confidential or unmapped site"},
                "properties": {"type": "object", "properties": ogc_feature_properties()},
                "links": {"type": "array", "items": schema("Link")},
            },
        },
        "OgcFeatureCollection": {
            "type": "object", "required": ["type", "features"],
            "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "features": {"type": "array", "items": schema("OgcFeature")},
                "links": {"type": "array", "items": schema("Link")},
                "numberMatched": {"type": "integer", "minimum": 0},
                "numberReturned": {"type": "integer", "minimum": 0},
                "timeStamp": {"type": "string", "format": "date-time"},
            },
        },
        "Queryables": {"type": "object", "description": "A JSON Schema (draft 2019-09) of the properties items can be filtered by"},
    });
    if let Some(m) = all.as_object_mut() {
        for part in [answers, ogc].into_iter().chain(more.iter().cloned()) {
            if let Value::Object(p) = part {
                m.extend(p);
            }
        }
    }
    all
}

/// The problem answers every operation refers to, by status.
pub(crate) fn responses() -> Value {
    let problem = |description: &str| json!({"description": description, "content": {"application/problem+json": {"schema": schema("Problem")}}});
    let retry = |description: &str| {
        let mut p = problem(description);
        p["headers"] =
            json!({"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}});
        p
    };
    json!({
        "Problem400": problem("A query parameter is missing, malformed or unknown (named in errors[].field), or the body is not JSON"),
        "Problem401": problem("Nobody signed in (no or expired session), a wrong bearer token, or a failed sign-in"),
        "Problem403": problem("Signed in but not allowed (not an admin, or not an editor of this organisation), or a state-changing cookie request without its X-CSRF-Token"),
        "Problem404": problem("No such record or address"),
        "Problem409": problem("Conflict: the record already exists, or was changed since the version the edit started from (current holds it)"),
        "Problem412": problem("If-Match is not a version"),
        "Problem413": problem("The body is larger than this endpoint accepts"),
        "Problem415": problem("The body's Content-Type is not one this endpoint reads (application/json, unless the operation lists others)"),
        "Problem410": problem("The link was used already or has expired; ask an admin for a new one"),
        "Problem422": problem("The body is JSON but invalid; every bad field is listed in errors"),
        "Problem428": problem("The edit or deletion names no version: send If-Match with the record's ETag (or \"version\" in a PATCH body); nothing was changed"),
        "Problem429": retry("Too many requests of this kind from this client address, or too many failed sign-ins for this email: try again after Retry-After seconds"),
        "Problem503": retry("Too many passwords are being checked at once: try again after Retry-After seconds"),
        "Problem500": problem("Something went wrong on the server (logged; no detail is sent)"),
    })
}

/// The flat properties of an OGC feature.
fn ogc_feature_properties() -> Value {
    json!({
                    "name": {"type": "string"}, "partner_id": {"type": "string", "format": "uuid"},
                    "partner_name": {"type": "string", "nullable": true},
                    "categories": {"type": "string", "example": "legal; advocacy"},
                    "description": {"type": "string", "nullable": true},
                    "description_lang": {"type": "string", "nullable": true},
                    "street": {"type": "string", "nullable": true}, "city": {"type": "string", "nullable": true},
                    "state": {"type": "string", "nullable": true}, "postal_code": {"type": "string", "nullable": true},
                    "languages": {"type": "string", "example": "en; es; ht"},
                    "phone": {"type": "string", "nullable": true}, "phones": {"type": "string"},
                    "timezone": {"type": "string", "nullable": true}, "hours": {"type": "string", "nullable": true},
                    "hours_notes": {"type": "string", "nullable": true}, "services": {"type": "string"},
                    "cost": {"type": "string", "nullable": true}, "cost_note": {"type": "string", "nullable": true},
                    "eligibility": {"type": "string", "nullable": true}, "required_documents": {"type": "string"},
                    "accessibility": {"type": "string", "nullable": true},
                    "walk_in": {"type": "boolean", "nullable": true},
                    "appointment_required": {"type": "boolean", "nullable": true},
                    "no_id_required": {"type": "boolean", "nullable": true},
                    "location_withheld": {"type": "boolean"},
                    "last_verified_at": {"type": "string", "format": "date-time", "nullable": true},
                    "stale": {"type": "boolean"},
                    "version": {"type": "integer"}, "url": {"type": "string", "description": "The site's public page"},
    })
}
