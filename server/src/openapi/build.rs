//! Small builders for OpenAPI 3.0 objects, so each area's paths read as a table of its
//! parameters and answers.

use serde_json::{json, Map, Value};

/// A query parameter.
pub(crate) fn query(name: &str, schema: Value, description: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "schema": schema, "description": description})
}

/// A required query parameter.
pub(crate) fn query_required(name: &str, schema: Value, description: &str) -> Value {
    json!({"name": name, "in": "query", "required": true, "schema": schema, "description": description})
}

/// A path parameter (a string).
pub(crate) fn path(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}, "description": description})
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
