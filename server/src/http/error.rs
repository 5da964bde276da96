//! One error type for the HTTP API, rendered as RFC 9457 `application/problem+json`.
//! Internal causes are logged, never sent to the client.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::domain::FieldError;
use crate::store::StoreError;

/// Everything an API handler can answer other than success.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// A query parameter is missing, malformed or unknown (400).
    #[error("bad request: {0}")]
    BadRequest(FieldError),
    /// The body is not JSON at all (400).
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    /// The body is JSON but its content is invalid (422); every problem is listed.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// No such record (404).
    #[error("{0} not found")]
    NotFound(String),
    /// The record changed since the version the edit started from (409).
    #[error("conflict: {0}")]
    Conflict(String),
    /// An edit named a version that is no longer current (409); the body carries the current
    /// record so the editor can redo the change on top of it.
    #[error("stale version")]
    Stale(serde_json::Value),
    /// No or wrong credentials (401).
    #[error("unauthorized")]
    Unauthorized,
    /// Signed in but not allowed (403).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Sign-in refused: the email or password is wrong (401), worded the same whether or not
    /// the account exists.
    #[error("sign-in failed")]
    SignInFailed,
    /// Too many attempts (429); try again after this many seconds.
    #[error("too many attempts")]
    TooManyRequests(u64),
    /// Too many requests of one kind from one client address (429); try again after this many
    /// seconds.
    #[error("rate limited")]
    RateLimited(u64),
    /// Too many passwords being checked at once (503); try again after this many seconds.
    #[error("busy")]
    Busy(u64),
    /// A link that was used already or has expired (410).
    #[error("gone: {0}")]
    Gone(String),
    /// The body is larger than allowed (413).
    #[error("payload too large")]
    PayloadTooLarge,
    /// The body is not `application/json` (415).
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// The body is of a media type this endpoint does not read (415); says which it reads.
    #[error("unsupported media type: {0}")]
    UnsupportedFormat(String),
    /// A precondition header did not match (412).
    #[error("precondition failed: {0}")]
    PreconditionFailed(String),
    /// A write that must name the version it started from named none (428); says how to.
    #[error("precondition required: {0}")]
    PreconditionRequired(String),
    /// A well-formed place that does not exist, such as a ZIP code with no ZIP area (404,
    /// naming the parameter, so a form can point at it).
    #[error("{detail}")]
    UnknownPlace {
        /// The parameter that named it.
        field: &'static str,
        /// What is unknown.
        detail: String,
    },
    /// Anything unexpected (500); the cause is logged, not sent.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize)]
pub struct Problem {
    /// A URI reference naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Short summary of the kind.
    pub title: &'static str,
    /// HTTP status.
    pub status: u16,
    /// This occurrence, in plain words.
    pub detail: String,
    /// Field-level problems (for 400 and 422).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For a stale edit: the record as it is now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<serde_json::Value>,
}

impl ApiError {
    /// A 400 naming a query parameter.
    pub fn param(field: &str, message: impl Into<String>) -> Self {
        Self::BadRequest(FieldError::new(field, message))
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) | Self::MalformedJson(_) => StatusCode::BAD_REQUEST,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::NotFound(_) | Self::UnknownPlace { .. } => StatusCode::NOT_FOUND,
            Self::Conflict(_) | Self::Stale(_) => StatusCode::CONFLICT,
            Self::Unauthorized | Self::SignInFailed => StatusCode::UNAUTHORIZED,
            Self::TooManyRequests(_) | Self::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Gone(_) => StatusCode::GONE,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType | Self::UnsupportedFormat(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem document sent to the client.
    pub fn problem(&self) -> Problem {
        let (kind, title, detail, errors) = match self {
            Self::BadRequest(e) => {
                ("/problems/invalid-parameter", "Invalid parameter", e.to_string(), vec![e.clone()])
            }
            Self::MalformedJson(m) => ("/problems/malformed-json", "Malformed JSON", m.clone(), vec![]),
            Self::Validation(errs) => {
                let detail = errs.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
                ("/problems/validation", "Validation failed", detail, errs.clone())
            }
            Self::NotFound(what) => ("/problems/not-found", "Not found", format!("{what} not found"), vec![]),
            Self::UnknownPlace { field, detail } => (
                "/problems/unknown-place",
                "Unknown place",
                format!("{field}: {detail}"),
                vec![FieldError::new(*field, detail.clone())],
            ),
            Self::Conflict(m) => ("/problems/conflict", "Conflict", m.clone(), vec![]),
            Self::Stale(_) => (
                "/problems/stale-version",
                "Edited a stale version",
                "the record was changed after you loaded it; `current` is the record as it is now".to_owned(),
                vec![],
            ),
            Self::Unauthorized => (
                "/problems/unauthorized",
                "Unauthorized",
                "this action needs you signed in, or a token (Authorization: Bearer ...)".to_owned(),
                vec![],
            ),
            Self::SignInFailed => (
                "/problems/sign-in-failed",
                "Sign-in failed",
                "the email or the password is wrong".to_owned(),
                vec![],
            ),
            Self::TooManyRequests(secs) => (
                "/problems/too-many-attempts",
                "Too many attempts",
                format!("too many failed attempts; try again in {secs} seconds"),
                vec![],
            ),
            Self::RateLimited(secs) => (
                "/problems/rate-limited",
                "Too many requests",
                format!("too many requests of this kind from your address; try again in {secs} seconds"),
                vec![],
            ),
            Self::Busy(secs) => (
                "/problems/busy",
                "Busy",
                format!("too many passwords are being checked right now; try again in {secs} seconds"),
                vec![],
            ),
            Self::Gone(m) => ("/problems/gone", "Gone", m.clone(), vec![]),
            Self::Forbidden(m) => ("/problems/forbidden", "Forbidden", m.clone(), vec![]),
            Self::PayloadTooLarge => (
                "/problems/payload-too-large",
                "Payload too large",
                "the request body is larger than this endpoint accepts".to_owned(),
                vec![],
            ),
            Self::UnsupportedMediaType => (
                "/problems/unsupported-media-type",
                "Unsupported media type",
                "send the body as application/json".to_owned(),
                vec![],
            ),
            Self::UnsupportedFormat(m) => {
                ("/problems/unsupported-media-type", "Unsupported media type", m.clone(), vec![])
            }
            Self::PreconditionFailed(m) => {
                ("/problems/precondition-failed", "Precondition failed", m.clone(), vec![])
            }
            Self::PreconditionRequired(m) => {
                ("/problems/precondition-required", "Precondition required", m.clone(), vec![])
            }
            Self::Internal(_) => (
                "/problems/internal",
                "Internal error",
                "something went wrong on the server; it has been logged".to_owned(),
                vec![],
            ),
        };
        let current = if let Self::Stale(v) = self { Some(v.clone()) } else { None };
        Problem { kind, title, status: self.status().as_u16(), detail, errors, current }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Self::NotFound(what),
            StoreError::Conflict(what) => {
                Self::Conflict(format!("{what} was changed since you loaded it; reload and edit again"))
            }
            StoreError::Constraint(m) => Self::Validation(vec![FieldError::new("body", m)]),
            other => Self::Internal(other.into()),
        }
    }
}

impl From<Vec<FieldError>> for ApiError {
    fn from(errs: Vec<FieldError>) -> Self {
        Self::Validation(errs)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(cause) = &self {
            // The route and status are logged by the request middleware; here only the cause.
            tracing::error!(error = format!("{cause:#}"), "internal error");
        }
        let problem = self.problem();
        let mut res = (self.status(), axum::Json(problem)).into_response();
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Self::TooManyRequests(secs) | Self::RateLimited(secs) | Self::Busy(secs) = self {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        res
    }
}
