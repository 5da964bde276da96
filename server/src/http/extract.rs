//! Request extractors that fail with [`ApiError`] problem documents naming the field.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::domain::FieldError;
use crate::http::error::ApiError;

/// A JSON body deserialised with the path of the first bad field (`phones[0].languages[1]`).
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

/// Parses JSON bytes into `T`, naming the field that failed.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let inner = e.inner();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::MalformedJson(inner.to_string());
        }
        let path = e.path().to_string();
        let field = if path == "." { "body".to_owned() } else { path };
        ApiError::Validation(vec![FieldError::new(field, strip_position(&inner.to_string()))])
    })
}

/// serde_json appends " at line 1 column 42"; useful for syntax errors, noise for field errors.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
            .is_some_and(|m| {
                m == "application/json" || m == "application/merge-patch+json" || m.ends_with("+json")
            });
        if !json_type {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::MalformedJson(e.body_text())
            }
        })?;
        parse_json(&bytes).map(Self)
    }
}

/// The largest `offset` any listing takes: 2^53 − 1, the largest integer every JSON reader
/// holds exactly (the OpenAPI document states the same bound).
pub const MAX_OFFSET: usize = (1 << 53) - 1;

/// Query parameters as a map, checked against the names a route accepts, so a typo such as
/// `lng=` is answered with a 400 naming it rather than silently ignored.
#[derive(Debug, Default)]
pub struct Params(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let raw = parts.uri.query().unwrap_or("");
        let pairs: Vec<(String, String)> = serde_urlencoded_pairs(raw)?;
        let mut map = HashMap::new();
        for (k, v) in pairs {
            // `lang=` says nothing: refused rather than read as absent, so a client that meant
            // to send a value learns it did not (and the document can say every value is
            // non-empty).
            if v.trim().is_empty() {
                return Err(ApiError::param(&k, "is empty: give a value, or leave the parameter out"));
            }
            if map.insert(k.clone(), v).is_some() {
                return Err(ApiError::param(&k, "is given more than once"));
            }
        }
        Ok(Self(map))
    }
}

fn serde_urlencoded_pairs(raw: &str) -> Result<Vec<(String, String)>, ApiError> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((decode(k)?, decode(v)?))
        })
        .collect()
}

fn decode(s: &str) -> Result<String, ApiError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => return Err(ApiError::param("query", "has a malformed %-escape")),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| ApiError::param("query", "is not valid UTF-8"))
}

impl Params {
    /// Refuses any parameter not in `allowed`.
    pub fn allow(&self, allowed: &[&str]) -> Result<(), ApiError> {
        let mut unknown: Vec<&String> = self.0.keys().filter(|k| !allowed.contains(&k.as_str())).collect();
        unknown.sort();
        match unknown.first() {
            Some(k) => Err(ApiError::param(
                k,
                format!("is not a parameter of this endpoint (known: {})", allowed.join(", ")),
            )),
            None => Ok(()),
        }
    }

    /// A parameter's raw value (never empty: the extractor refuses empty values).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Parses a parameter with `parse`, wrapping its error message into a 400 naming it.
    pub fn parse<T>(
        &self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ApiError> {
        self.get(name).map(|v| parse(v).map_err(|m| ApiError::param(name, m))).transpose()
    }

    /// A language code exactly as the API writes it (`ht`; lower case, ISO 639-1 where the
    /// language has a code there): the values the OpenAPI document enumerates.
    pub fn language(&self, name: &str) -> Result<Option<crate::domain::LanguageCode>, ApiError> {
        self.parse(name, |v| {
            let code = crate::domain::LanguageCode::parse(v)?;
            if code.as_str() == v {
                Ok(code)
            } else {
                Err(format!("'{v}' is written '{}'", code.as_str()))
            }
        })
    }

    /// A finite number.
    pub fn number(&self, name: &str) -> Result<Option<f64>, ApiError> {
        self.parse(name, |v| match v.trim().parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(x),
            _ => Err(format!("'{v}' is not a finite number")),
        })
    }

    /// An integer within `range`.
    pub fn integer(
        &self,
        name: &str,
        range: std::ops::RangeInclusive<usize>,
    ) -> Result<Option<usize>, ApiError> {
        self.parse(name, |v| match v.trim().parse::<usize>() {
            Ok(x) if range.contains(&x) => Ok(x),
            _ => Err(format!("'{v}' is not a whole number from {} to {}", range.start(), range.end())),
        })
    }

    /// `true`/`false` (also `1`/`0`, `yes`/`no`); absent is `false`.
    pub fn flag(&self, name: &str) -> Result<bool, ApiError> {
        Ok(self
            .parse(name, |v| match v.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Ok(true),
                "false" | "0" | "no" => Ok(false),
                _ => Err(format!("'{v}' is not true or false")),
            })?
            .unwrap_or(false))
    }
}

/// A typed request: an endpoint's query string parsed once, at the edge, into validated domain
/// types. Its [`QueryRequest::parameters`] are OpenAPI parameter objects and serve twice: the
/// document at `/api/openapi.json` lists them (`openapi::build::Op::request`), and the
/// extractor [`Query`] refuses any parameter they do not name. So an endpoint's parameters are
/// stated once, beside the code that reads them.
pub trait QueryRequest<S>: Sized {
    /// The parameters, as OpenAPI 3.0 parameter objects (`in: query`; an object parameter with
    /// `style: form, explode: true` stands for its members).
    fn parameters() -> Vec<serde_json::Value>;

    /// The names [`Query`] accepts: those of [`Self::parameters`], computed once per type (see
    /// [`accepted_names`]).
    fn names() -> &'static [String];

    /// Reads the (already allow-listed) parameters into the typed request.
    fn parse(params: &Params, state: &S) -> Result<Self, ApiError>;
}

/// The query names a list of parameter objects accepts: each `in: query` parameter's name, or
/// the members of an exploded object parameter.
pub fn accepted_names(parameters: &[serde_json::Value]) -> Vec<String> {
    let mut names = Vec::new();
    for p in parameters.iter().filter(|p| p["in"] == "query") {
        let exploded = p["style"] == "form" && p["explode"] == true;
        let schema = &p["schema"];
        let shapes: Vec<&serde_json::Value> = match schema["oneOf"].as_array() {
            Some(shapes) => shapes.iter().collect(),
            None => vec![schema],
        };
        let members: Vec<&String> =
            shapes.iter().filter_map(|s| s["properties"].as_object()).flat_map(|m| m.keys()).collect();
        if exploded && !members.is_empty() {
            for m in members {
                if !names.contains(m) {
                    names.push(m.clone());
                }
            }
        } else {
            names.extend(p["name"].as_str().map(str::to_owned));
        }
    }
    names
}

/// Implements [`QueryRequest::names`] with a per-type cache.
#[macro_export]
macro_rules! query_names {
    () => {
        fn names() -> &'static [String] {
            static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
            NAMES.get_or_init(|| $crate::http::extract::accepted_names(&Self::parameters()))
        }
    };
}

/// The extractor of a typed request: 400 naming the first parameter the endpoint does not
/// take, then whatever [`QueryRequest::parse`] refuses.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: QueryRequest<S>> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let params = Params::from_request_parts(parts, state).await?;
        params.allow_names(T::names())?;
        T::parse(&params, state).map(Self)
    }
}

impl Params {
    /// [`Params::allow`] for owned names.
    pub fn allow_names(&self, allowed: &[String]) -> Result<(), ApiError> {
        let mut unknown: Vec<&String> = self.0.keys().filter(|k| !allowed.contains(k)).collect();
        unknown.sort();
        match unknown.first() {
            Some(k) => Err(ApiError::param(
                k,
                format!("is not a parameter of this endpoint (known: {})", allowed.join(", ")),
            )),
            None => Ok(()),
        }
    }
}
