//! The HSDS 3.0 schemas' required fields and types, written from `openreferral/specification`
//! `schema/*.json` (read at commits 01be272d5ecf and 149f77cdef6e; © Open Referral, CC BY-SA
//! 4.0), for the objects our exports carry. Unknown properties are allowed, as in HSDS.

use serde_json::Value;

/// A property's type.
#[derive(Clone, Copy)]
pub enum Ty {
    /// `"type": "string"`.
    Str,
    /// `"type": "string", "format": "uuid"`.
    Uuid,
    /// A string from an `enum`.
    Enum(&'static [&'static str]),
    /// A string with `"datapackage_type": "date"` (YYYY-MM-DD).
    Date,
    /// `"type": "number"`.
    Num,
    /// `"$ref"` to another schema.
    Obj(&'static str),
    /// `"type": "array"` of `"$ref"`.
    Arr(&'static str),
}

use Ty::*;

/// (schema, required, properties).
type Schema = (&'static str, &'static [&'static str], &'static [(&'static str, Ty)]);

pub const SCHEMAS: &[Schema] = &[
    (
        "service",
        &["id", "name", "status"],
        &[
            ("id", Uuid),
            ("organization_id", Str),
            ("program_id", Str),
            ("name", Str),
            ("alternate_name", Str),
            ("description", Str),
            ("url", Str),
            ("email", Str),
            ("status", Enum(&["active", "inactive", "defunct", "temporarily closed"])),
            ("interpretation_services", Str),
            ("application_process", Str),
            ("fees_description", Str),
            ("wait_time", Str),
            ("fees", Str),
            ("accreditations", Str),
            ("eligibility_description", Str),
            ("minimum_age", Num),
            ("maximum_age", Num),
            ("assured_date", Date),
            ("assurer_email", Str),
            ("licenses", Str),
            ("alert", Str),
            ("phones", Arr("phone")),
            ("schedules", Arr("schedule")),
            ("service_at_locations", Arr("service_at_location")),
            ("languages", Arr("language")),
            ("organization", Obj("organization")),
            ("cost_options", Arr("cost_option")),
            ("required_documents", Arr("required_document")),
            ("attributes", Arr("attribute")),
        ],
    ),
    (
        "organization",
        &["id", "name", "description"],
        &[
            ("id", Uuid),
            ("name", Str),
            ("alternate_name", Str),
            ("description", Str),
            ("email", Str),
            ("website", Str),
            ("tax_status", Str),
            ("tax_id", Str),
            ("year_incorporated", Num),
            ("legal_status", Str),
            ("logo", Str),
            ("uri", Str),
            ("parent_organization_id", Str),
            ("phones", Arr("phone")),
            ("locations", Arr("location")),
            ("attributes", Arr("attribute")),
        ],
    ),
    (
        "service_at_location",
        &["id"],
        &[
            ("id", Uuid),
            ("service_id", Uuid),
            ("location_id", Uuid),
            ("description", Str),
            ("phones", Arr("phone")),
            ("schedules", Arr("schedule")),
            ("location", Obj("location")),
            ("attributes", Arr("attribute")),
        ],
    ),
    (
        "location",
        &["id", "location_type"],
        &[
            ("id", Uuid),
            ("location_type", Enum(&["physical", "postal", "virtual"])),
            ("url", Str),
            ("organization_id", Uuid),
            ("name", Str),
            ("alternate_name", Str),
            ("description", Str),
            ("transportation", Str),
            ("latitude", Num),
            ("longitude", Num),
            ("external_identifier", Str),
            ("external_identifier_type", Str),
            ("languages", Arr("language")),
            ("addresses", Arr("address")),
            ("accessibility", Arr("accessibility")),
            ("phones", Arr("phone")),
            ("schedules", Arr("schedule")),
            ("attributes", Arr("attribute")),
        ],
    ),
    (
        "address",
        &["id", "address_1", "city", "state_province", "postal_code", "country", "address_type"],
        &[
            ("id", Uuid),
            ("location_id", Uuid),
            ("attention", Str),
            ("address_1", Str),
            ("address_2", Str),
            ("city", Str),
            ("region", Str),
            ("state_province", Str),
            ("postal_code", Str),
            ("country", Str),
            ("address_type", Enum(&["physical", "postal", "virtual"])),
        ],
    ),
    (
        "phone",
        &["id", "number"],
        &[
            ("id", Uuid),
            ("location_id", Str),
            ("service_id", Str),
            ("organization_id", Str),
            ("contact_id", Str),
            ("service_at_location_id", Str),
            ("number", Str),
            ("extension", Num),
            ("type", Str),
            ("description", Str),
            ("languages", Arr("language")),
            ("attributes", Arr("attribute")),
        ],
    ),
    (
        "schedule",
        &["id"],
        &[
            ("id", Uuid),
            ("service_id", Uuid),
            ("location_id", Uuid),
            ("service_at_location_id", Uuid),
            ("valid_from", Date),
            ("valid_to", Date),
            ("dtstart", Date),
            ("timezone", Num),
            ("until", Date),
            ("count", Num),
            ("wkst", Enum(&["MO", "TU", "WE", "TH", "FR", "SA", "SU"])),
            ("freq", Enum(&["WEEKLY", "MONTHLY"])),
            ("interval", Num),
            ("byday", Str),
            ("byweekno", Str),
            ("bymonthday", Str),
            ("byyearday", Str),
            ("description", Str),
            ("opens_at", Str),
            ("closes_at", Str),
            ("schedule_link", Str),
            ("attending_type", Str),
            ("notes", Str),
            ("attributes", Arr("attribute")),
        ],
    ),
    (
        "language",
        &["id"],
        &[
            ("id", Uuid),
            ("service_id", Uuid),
            ("location_id", Uuid),
            ("phone_id", Uuid),
            ("name", Str),
            ("code", Str),
            ("note", Str),
        ],
    ),
    (
        "cost_option",
        &["id"],
        &[
            ("id", Uuid),
            ("service_id", Str),
            ("valid_from", Date),
            ("valid_to", Date),
            ("option", Str),
            ("currency", Str),
            ("amount", Num),
            ("amount_description", Str),
        ],
    ),
    ("required_document", &["id"], &[("id", Uuid), ("service_id", Uuid), ("document", Str), ("uri", Str)]),
    (
        "accessibility",
        &["id"],
        &[("id", Uuid), ("location_id", Str), ("description", Str), ("details", Str), ("url", Str)],
    ),
    (
        "attribute",
        &["id"],
        &[
            ("id", Uuid),
            ("link_id", Uuid),
            ("taxonomy_term_id", Uuid),
            ("link_type", Str),
            ("link_entity", Str),
            ("value", Str),
            ("taxonomy_term", Obj("taxonomy_term")),
            ("label", Str),
        ],
    ),
    (
        "taxonomy_term",
        &["id", "name", "description"],
        &[
            ("id", Uuid),
            ("code", Str),
            ("name", Str),
            ("description", Str),
            ("parent_id", Str),
            ("taxonomy", Str),
            ("language", Str),
            ("taxonomy_id", Str),
            ("term_uri", Str),
        ],
    ),
];

fn is_uuid(s: &str) -> bool {
    s.len() == 36 && uuid::Uuid::parse_str(s).is_ok()
}

fn is_date(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() && s.len() == 10
}

/// Every departure of `v` from schema `name`, as `path: problem`.
pub fn check(name: &str, v: &Value, path: &str, out: &mut Vec<String>) {
    let Some((_, required, props)) = SCHEMAS.iter().find(|(n, _, _)| *n == name) else {
        out.push(format!("{path}: no schema '{name}'"));
        return;
    };
    let Some(obj) = v.as_object() else {
        out.push(format!("{path}: is not an object ({name})"));
        return;
    };
    for r in *required {
        if obj.get(*r).is_none_or(Value::is_null) {
            out.push(format!("{path}.{r}: required by {name}.json"));
        }
    }
    for (k, ty) in *props {
        let Some(x) = obj.get(*k) else { continue };
        let at = format!("{path}.{k}");
        match ty {
            Str if !x.is_string() => out.push(format!("{at}: not a string")),
            Uuid if !x.as_str().is_some_and(is_uuid) => out.push(format!("{at}: not a UUID: {x}")),
            Enum(allowed) if !x.as_str().is_some_and(|s| allowed.contains(&s)) => {
                out.push(format!("{at}: {x} not in {allowed:?}"));
            }
            Date if !x.as_str().is_some_and(is_date) => out.push(format!("{at}: not a YYYY-MM-DD date: {x}")),
            Num if !x.is_number() => out.push(format!("{at}: not a number: {x}")),
            Obj(r) => check(r, x, &at, out),
            Arr(r) => match x.as_array() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        check(r, item, &format!("{at}[{i}]"), out);
                    }
                }
                None => out.push(format!("{at}: not an array")),
            },
            _ => {}
        }
    }
}
