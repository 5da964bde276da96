//! Routes of the translators' workflow: the PO download and upload, each language's state, the
//! translation files as the page reads them (reviews applied), and making translator accounts.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use super::{export, read_upload, Reviewed};
use crate::accounts::history::audit_entry;
use crate::accounts::principal::Principal;
use crate::domain::account::{Record, Role, User};
use crate::domain::FieldError;
use crate::http::error::ApiError;
use crate::http::extract::ApiJson;
use crate::i18n::SOURCE;
use crate::state::AppState;
use crate::store::Change;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/translations", get(languages))
        .route("/api/v1/translations/{file}", get(download).put(upload))
        .route("/api/v1/admin/translators", post(create_translator))
        .route("/i18n/{file}", get(file))
}

/// The media types a PO upload may be sent as.
pub const PO_MEDIA: [&str; 4] =
    ["text/x-gettext-translation", "text/x-po", "text/plain", "application/octet-stream"];

/// `es.po` → `es`, for a language with a translation file; 404 otherwise.
fn language_of<'a>(state: &AppState, file: &'a str, suffix: &str) -> Result<&'a str, ApiError> {
    file.strip_suffix(suffix)
        .filter(|code| state.i18n.locale(code).is_some())
        .ok_or_else(|| ApiError::NotFound(format!("a translation '{file}'")))
}

/// The languages `who` may review: every one for an admin, its own for a translator; 401 for
/// nobody, 403 for anyone else.
async fn reviewable(state: &AppState, who: &Principal) -> Result<Option<Vec<String>>, ApiError> {
    who.signed_in()?;
    if who.is_admin() {
        return Ok(None);
    }
    match who.user() {
        Some(u) if u.role == Role::Translator => {
            Ok(Some(state.directory.store().translator_languages(u.id).await?))
        }
        _ => Err(ApiError::Forbidden("only a translator or an admin may do this".to_owned())),
    }
}

/// 403 unless `who` may review `language`.
async fn require_reviewer_of(state: &AppState, who: &Principal, language: &str) -> Result<(), ApiError> {
    match reviewable(state, who).await? {
        None => Ok(()),
        Some(langs) if langs.iter().any(|l| l == language) => Ok(()),
        Some(langs) => Err(ApiError::Forbidden(format!(
            "you review {}, not {language}",
            if langs.is_empty() { "no language".to_owned() } else { langs.join(", ") }
        ))),
    }
}

/// Each language: how many strings English has, how many this language has, how many a
/// person reviewed, and whether the one asking may review it.
async fn languages(State(state): State<AppState>, who: Principal) -> Result<Json<Value>, ApiError> {
    let mine = reviewable(&state, &who).await?;
    let list: Vec<Value> = state
        .i18n
        .locales()
        .map(|l| {
            let total = super::entries(&state.i18n, l.code()).len();
            let (present, reviewed) = state.i18n.counts(l.code());
            json!({
                "code": l.code(),
                "name": l.name(),
                "dir": l.dir().as_str(),
                "strings": total,
                "translated": present,
                "reviewed": reviewed,
                "unreviewed": present - reviewed,
                "untranslated": total - present,
                "source": l.code() == SOURCE,
                "may_review": l.code() != SOURCE
                    && mine.as_ref().is_none_or(|m| m.iter().any(|c| c == l.code())),
            })
        })
        .collect();
    Ok(Json(json!({"languages": list, "reviews": mine})))
}

/// The PO file of a language.
async fn download(
    State(state): State<AppState>,
    who: Principal,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    reviewable(&state, &who).await?;
    let language = language_of(&state, &file, ".po")?;
    let body = export(&state.i18n, language, Utc::now())
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("writing the PO of {language}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/x-gettext-translation; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"assetmap-{language}.po\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}

/// A PO file back from a translator: entries without `fuzzy` become reviewed.
async fn upload(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(file): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    reviewable(&state, &who).await?;
    let language = language_of(&state, &file, ".po")?.to_owned();
    require_reviewer_of(&state, &who, &language).await?;
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        let media = ct.to_str().unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if !PO_MEDIA.contains(&media.as_str()) {
            return Err(ApiError::UnsupportedMediaType);
        }
    }
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::Validation(vec![FieldError::new("body", "is not UTF-8 text")]))?;
    let up = read_upload(&state.i18n, &language, text).map_err(ApiError::Validation)?;
    let now = Utc::now();
    let sources: std::collections::HashMap<String, String> =
        super::entries(&state.i18n, &language).into_iter().collect();
    let reviewed: Vec<Reviewed> = up
        .reviewed
        .iter()
        .map(|(key, text)| Reviewed {
            language: language.clone(),
            key: key.clone(),
            text: text.clone(),
            source: sources.get(key).cloned().unwrap_or_default(),
            by: who.actor(),
            at: now,
        })
        .collect();
    let keys: Vec<&str> = up.reviewed.iter().map(|(k, _)| k.as_str()).collect();
    if !reviewed.is_empty() {
        let entry = audit_entry(&who, "translations.review", &language, json!({"keys": keys}));
        state
            .directory
            .store()
            .apply(&vec![Change::Record(Record::ReviewTranslations(reviewed.clone())), entry])
            .await?;
        state.i18n.set_reviewed(reviewed);
    }
    let (present, done) = state.i18n.counts(&language);
    Ok(Json(json!({
        "language": language,
        "newly_reviewed": up.newly_reviewed,
        "unchanged": up.unchanged,
        "fuzzy": up.fuzzy,
        "untranslated": up.untranslated,
        "keys": keys,
        "translated": present,
        "reviewed": done,
    })))
}

/// A translation file as the page reads it (`web/i18n/<lang>.json`), with the strings people
/// reviewed applied: the page, the account pages and a pull request back to the repository all
/// take this. Sorted, one key per line, as the repository keeps it.
async fn file(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, ApiError> {
    let language = language_of(&state, &file, ".json")?;
    let locale = state.i18n.locale(language).ok_or_else(|| ApiError::NotFound(file.clone()))?;
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let mut out = String::with_capacity(64 * 1024);
    out.push_str(&format!(
        "{{\n  \"language\": {},\n  \"name\": {},\n  \"dir\": {},\n",
        q(language),
        q(locale.name()),
        q(locale.dir().as_str())
    ));
    if let Some(note) = locale.note() {
        out.push_str(&format!("  \"note\": {},\n", q(note)));
    }
    out.push_str("  \"strings\": {\n");
    let lines: Vec<String> = super::entries(&state.i18n, language)
        .into_iter()
        .filter_map(|(key, _)| {
            let (text, reviewed) = state.i18n.entry(language, &key)?;
            Some(format!("    {}: {{\"text\": {}, \"reviewed\": {reviewed}}}", q(&key), q(&text)))
        })
        .collect();
    out.push_str(&lines.join(",\n"));
    out.push_str("\n  }\n}\n");
    Ok(([(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-cache")], out)
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTranslator {
    email: String,
    languages: Vec<String>,
}

/// Checks language codes against the translation files (never English, the source).
pub fn check_languages(i18n: &crate::i18n::I18n, raw: &[String]) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for code in raw {
        let code = code.trim().to_ascii_lowercase();
        if code == SOURCE {
            return Err("English is the source language; nobody reviews it here".to_owned());
        }
        if i18n.locale(&code).is_none() {
            let known: Vec<&str> = i18n.locales().map(|l| l.code()).filter(|c| *c != SOURCE).collect();
            return Err(format!("there is no translation '{code}' (available: {})", known.join(", ")));
        }
        if !out.contains(&code) {
            out.push(code);
        }
    }
    if out.is_empty() {
        return Err("name at least one language".to_owned());
    }
    out.sort();
    Ok(out)
}

/// An admin makes a translator account for one or more languages and gets a link (shown once)
/// with which the translator sets a password.
async fn create_translator(
    State(state): State<AppState>,
    headers: HeaderMap,
    who: Principal,
    ApiJson(n): ApiJson<NewTranslator>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    who.require_admin()?;
    let email = crate::accounts::normalise_email(&n.email)
        .map_err(|m| ApiError::Validation(vec![FieldError::new("email", m)]))?;
    let languages = check_languages(&state.i18n, &n.languages)
        .map_err(|m| ApiError::Validation(vec![FieldError::new("languages", m)]))?;
    // No one knows this password: the translator sets one through the link.
    let unusable = crate::accounts::secret::random_token();
    let hash = state
        .hashing
        .run(move || crate::accounts::secret::hash_password(&unusable))
        .await?
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("hashing: {e}")))?;
    let user = User {
        id: Uuid::new_v4(),
        email: email.clone(),
        role: Role::Translator,
        partner_id: None,
        created_at: Utc::now(),
        deactivated_at: None,
        deactivated_by: None,
        password_hash: hash,
    };
    let (link, mut body) =
        crate::accounts::admin::new_link(&state, &headers, &who, None, Some(user.id), Some(email.clone()));
    let batch = vec![
        Change::Record(Record::CreateUser(user.clone())),
        Change::Record(Record::TranslatorLanguages { user_id: user.id, languages: languages.clone() }),
        link,
        audit_entry(&who, "translator.create", user.id, json!({"email": email, "languages": languages})),
    ];
    state.directory.store().apply(&batch).await?;
    body["user"] = json!(user);
    body["languages"] = json!(languages);
    Ok((StatusCode::CREATED, Json(body)))
}
