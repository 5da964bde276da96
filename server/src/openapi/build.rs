//! Small builders for OpenAPI 3.0 objects, so each area's paths read as a table of its
//! parameters and answers.

use serde_json::{json, Map, Value};

/// A query parameter. A string value is never empty: the server refuses `name=` (see
/// [`crate::http::extract::Params`]).
pub(crate) fn query(name: &str, schema: Value, description: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "schema": non_empty(schema), "description": description})
}

/// A required query parameter.
pub(crate) fn query_required(name: &str, schema: Value, description: &str) -> Value {
    json!({"name": name, "in": "query", "required": true, "schema": non_empty(schema), "description": description})
}

/// Query parameters that go together, as one parameter object exploded into its members
/// (`style: form, explode: true`): its `oneOf` says which combinations the server takes, which a
/// list of independent parameters cannot.
pub(crate) fn exploded(name: &str, required: bool, schema: Value, description: &str) -> Value {
    json!({"name": name, "in": "query", "required": required, "style": "form", "explode": true,
           "schema": schema, "description": description})
}

/// A closed object schema (no other members) with these `required` members and `properties`.
pub(crate) fn members(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "required": required, "additionalProperties": false, "properties": properties})
}

/// A number greater than 0 and at most 1,000,000, as text (a distance in metres).
pub(crate) const METRES: &str = "(1000000(\\.0+)?|[1-9][0-9]{0,5}(\\.[0-9]+)?|0\\.[0-9]*[1-9][0-9]*)";

/// A longitude (or a latitude: boxes clamp it to [-90, 90]) as text.
pub(crate) const DEGREES: &str = "-?(180(\\.0+)?|(1[0-7][0-9]|[1-9]?[0-9])(\\.[0-9]+)?)";

/// A latitude as text.
pub(crate) const LAT: &str = "-?(90(\\.0+)?|[1-8]?[0-9](\\.[0-9]+)?)";

/// `schema` with `minLength: 1` if it is a string without one, and, without a pattern or
/// format of its own, one that asks for a character other than white space (the server reads
/// a blank value as empty).
fn non_empty(mut schema: Value) -> Value {
    if schema["type"] == "string" && schema.get("minLength").is_none() && schema.get("enum").is_none() {
        schema["minLength"] = json!(1);
        if schema.get("pattern").is_none() && schema.get("format").is_none() {
            schema["pattern"] = json!("\\S");
        }
    }
    schema
}

/// A path parameter (a string).
pub(crate) fn path(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}, "description": description})
}

/// Every language code the server takes (what [`crate::domain::LanguageCode::parse`] accepts):
/// a language's ISO 639-1 code where it has one, else its ISO 639-3 code.
pub(crate) fn language_codes() -> Vec<&'static str> {
    let mut codes: Vec<&str> =
        isolang::languages().map(|l| l.to_639_1().unwrap_or_else(|| l.to_639_3())).collect();
    codes.sort_unstable();
    codes.dedup();
    codes
}

/// The shared value schemas every area refers to (components).
pub(crate) fn value_schemas() -> Value {
    json!({
        "LanguageCode": {"type": "string", "enum": language_codes(), "example": "ht",
                         "description": "An ISO 639-1 language code, or ISO 639-3 for a language without one"},
        "Category": {"type": "string", "enum": crate::domain::TAXONOMY,
                     "description": "A category of the taxonomy (GET /api/v1/categories)"},
        "LocalTimeOrInstant": {
            "description": "Local time at the site (2026-11-28T10:00, seconds optional) or an RFC 3339 instant",
            "anyOf": [
                {"type": "string", "pattern": local_time()},
                {"type": "string", "format": "date-time"},
            ],
        },
        "DateOrInstant": {
            "description": "A date (2026-01-01) or an RFC 3339 instant",
            "anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}],
        },
    })
}

/// `YYYY-MM-DD`, months' lengths included (February to the 28th: the 29th of a leap year is
/// taken too, but no pattern knows leap years).
pub(crate) const DATE: &str = "[0-9]{4}-(((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01]))|((0[469]|11)-(0[1-9]|[12][0-9]|30))|(02-(0[1-9]|1[0-9]|2[0-8])))";

/// An RFC 3339 time of day with its offset, after a date (`T10:00:00Z`).
pub(crate) const TIME: &str =
    "T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])";

/// `YYYY-MM-DDTHH:MM[:SS]`, local time at a site.
fn local_time() -> String {
    format!("^{DATE}T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$")
}

/// `{"type": "string"}` with an enumeration.
pub(crate) fn one_of(values: &[&str]) -> Value {
    json!({"type": "string", "enum": values})
}

/// An integer schema with bounds and a default.
pub(crate) fn int(min: usize, max: usize, default: Option<usize>) -> Value {
    let mut s = json!({"type": "integer", "minimum": min, "maximum": max});
    if let Some(d) = default {
        s["default"] = json!(d);
    }
    s
}

/// A `true`/`false` flag (also `1`/`0`, `yes`/`no`).
pub(crate) fn flag() -> Value {
    json!({"type": "boolean", "default": false})
}

/// A reference to a component schema.
pub(crate) fn schema(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// A success answer with one or more media types, all with `schema`.
pub(crate) fn ok(description: &str, media: &[&str], schema: Value) -> Value {
    let content: Map<String, Value> =
        media.iter().map(|m| ((*m).to_owned(), json!({"schema": schema}))).collect();
    json!({"description": description, "content": content})
}

/// A success answer as `application/json`.
pub(crate) fn ok_json(description: &str, schema: Value) -> Value {
    ok(description, &["application/json"], schema)
}

/// The problem answers (RFC 9457) of an operation, by status code; 500 is added to all.
fn problems(codes: &[u16]) -> Map<String, Value> {
    let mut m = Map::new();
    for code in codes.iter().chain([500].iter()) {
        m.insert(code.to_string(), json!({"$ref": format!("#/components/responses/Problem{code}")}));
    }
    m
}

/// An operation: its tag, summary, description, parameters, success answers (by status) and
/// the problem statuses it can answer.
pub(crate) struct Op {
    value: Value,
}

impl Op {
    /// An operation of `tag`.
    pub(crate) fn new(tag: &str, id: &str, summary: &str) -> Self {
        Self {
            value: json!({"tags": [tag], "operationId": id, "summary": summary, "parameters": [], "responses": {}}),
        }
    }

    /// Longer text (CommonMark).
    pub(crate) fn describe(mut self, text: &str) -> Self {
        self.value["description"] = json!(text);
        self
    }

    /// Parameters.
    /// The query parameters of a typed request: the same list its extractor accepts.
    pub(crate) fn request<T: crate::http::extract::QueryRequest<crate::state::AppState>>(self) -> Self {
        self.params(T::parameters())
    }

    pub(crate) fn params(mut self, params: impl IntoIterator<Item = Value>) -> Self {
        if let Some(list) = self.value["parameters"].as_array_mut() {
            list.extend(params);
        }
        self
    }

    /// A request body.
    pub(crate) fn body(mut self, media: &str, schema: Value, required: bool) -> Self {
        self.value["requestBody"] = json!({"required": required, "content": {media: {"schema": schema}}});
        self
    }

    /// A request body that may come as any of several media types.
    pub(crate) fn bodies(mut self, media: &[(&str, Value)], required: bool) -> Self {
        let content: Map<String, Value> =
            media.iter().map(|(m, s)| ((*m).to_owned(), json!({"schema": s}))).collect();
        self.value["requestBody"] = json!({"required": required, "content": content});
        self
    }

    /// A success answer.
    pub(crate) fn answer(mut self, status: u16, response: Value) -> Self {
        self.value["responses"][status.to_string()] = response;
        self
    }

    /// Problem answers.
    pub(crate) fn problems(mut self, codes: &[u16]) -> Self {
        if let Some(r) = self.value["responses"].as_object_mut() {
            r.extend(problems(codes));
        }
        self
    }

    /// Problem answers of a page a person reads: a readable HTML page in the family's language,
    /// or problem+json for a client that asks for JSON.
    pub(crate) fn page_problems(mut self, codes: &[u16]) -> Self {
        for code in codes {
            self.value["responses"][code.to_string()] = json!({
                "description": "A readable page saying what is wrong (problem+json when Accept asks for JSON)",
                "content": {
                    "text/html": {"schema": {"type": "string"}},
                    "text/plain": {"schema": {"type": "string"}},
                    "application/problem+json": {"schema": schema("Problem")},
                },
            });
        }
        self
    }

    /// Who may call it, as the operation's `security` (see [`Access`]).
    pub(crate) fn access(mut self, access: Access) -> Self {
        self.value["security"] = access.security();
        self
    }

    /// A response header of the success answer `status` (added after [`Op::answer`]).
    pub(crate) fn header(mut self, status: u16, name: &str, description: &str) -> Self {
        self.value["responses"][status.to_string()]["headers"][name] =
            json!({"description": description, "schema": {"type": "string"}});
        self
    }

    /// The operation object; every operation can answer 500.
    pub(crate) fn done(self) -> Value {
        self.problems(&[]).value
    }
}

/// How an operation may be authenticated. The schemes are declared in the document's
/// components: `bearerToken` (the deployment's admin token or a person's API token),
/// `sessionCookie` (the `assetmap_session` cookie) and `csrfToken` (the `X-CSRF-Token` header a
/// state-changing cookie request must carry). Roles (admin, the organisation's editor) are
/// said in each operation's description and its 403 answer.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Access {
    /// Anyone; credentials, if sent, show more (a wrong bearer token: 401 where noted).
    Optional,
    /// Anyone; a session cookie, if sent, must come with its CSRF token (sign-out).
    OptionalSession,
    /// Someone signed in, reading.
    Read,
    /// Someone signed in, changing something (a cookie request also sends X-CSRF-Token).
    Write,
}

impl Access {
    fn security(self) -> Value {
        match self {
            Self::Optional => json!([{}, {"bearerToken": []}, {"sessionCookie": []}]),
            Self::OptionalSession => json!([{}, {"sessionCookie": [], "csrfToken": []}]),
            Self::Read => json!([{"bearerToken": []}, {"sessionCookie": []}]),
            Self::Write => json!([{"bearerToken": []}, {"sessionCookie": [], "csrfToken": []}]),
        }
    }
}

/// A path item from `(method, operation)` pairs.
pub(crate) fn item(ops: impl IntoIterator<Item = (&'static str, Op)>) -> Value {
    Value::Object(ops.into_iter().map(|(m, op)| (m.to_owned(), op.done())).collect())
}
