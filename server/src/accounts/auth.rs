//! Signing in and out, links, API tokens and "list your organization".
//!
//! Answers never tell whether an email has an account: a wrong password and an unknown email
//! get the same 401 after the same argon2 work, both count toward the same per-email backoff,
//! and a reset request is answered the same way for any email.
//!
//! Sign-in, sign-up, reset requests, invitation acceptance and token creation are limited per
//! client address, and every password hash waits for the [`super::throttle::HashGate`].

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use chrono::{Duration, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use super::history::{audit, audit_entry, partner_revision, site_revision};
use super::principal::{Principal, Via, SESSION_COOKIE};
use super::secret::{check_password, hash_password, random_token, sha256_hex, verify_password};
use super::{lock_after, normalise_email, SESSION_HOURS};
use crate::domain::account::{ApiToken, Invitation, NewSession, Record, Role, Signup, User};
use crate::domain::{FieldError, PartnerInput, PartnerStatus, SiteInput};
use crate::http::client::ClientIp;
use crate::http::error::ApiError;
use crate::http::extract::ApiJson;
use crate::http::throttle::Action;
use crate::state::AppState;
use crate::store::{Change, StoreError};

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/auth/me", get(me))
        .route("/api/v1/auth/reset", post(reset_request))
        .route("/api/v1/invitations/{token}", get(invitation))
        .route("/api/v1/invitations/{token}/accept", post(accept))
        .route("/api/v1/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/tokens/{id}", delete(revoke_token))
        .route("/api/v1/signup", post(signup))
}

fn field(name: &str, message: impl Into<String>) -> ApiError {
    ApiError::Validation(vec![FieldError::new(name, message)])
}

fn internal(e: impl Into<anyhow::Error>) -> ApiError {
    ApiError::Internal(e.into())
}

fn deactivated() -> ApiError {
    ApiError::Forbidden("this account was deactivated; ask an admin to reactivate it".to_owned())
}

/// Whether cookies must be `Secure`: the public URL is https, or the request reached the
/// TLS-terminating proxy over https.
fn secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.settings.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

/// The `Set-Cookie` value of a session (`None`: clears it).
fn session_cookie(value: Option<&str>, secure: bool) -> HeaderValue {
    let attrs = if secure { "; Secure" } else { "" };
    let c = match value {
        Some(v) => format!(
            "{SESSION_COOKIE}={v}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{attrs}",
            SESSION_HOURS * 3600
        ),
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{attrs}"),
    };
    HeaderValue::from_str(&c).unwrap_or(HeaderValue::from_static("assetmap_session=; Max-Age=0"))
}

/// A new session for `user`: the records to write, the cookie value and the CSRF token.
fn new_session(user_id: Uuid) -> (Change, String, String) {
    let (token, csrf) = (random_token(), random_token());
    let now = Utc::now();
    let s = NewSession {
        token_hash: sha256_hex(&token),
        user_id,
        csrf_token: SecretString::from(csrf.as_str()),
        created_at: now,
        expires_at: now + Duration::hours(SESSION_HOURS),
    };
    (Change::Record(Record::CreateSession(s)), token, csrf)
}

/// The signed-in answer: who, their organisation, the CSRF token.
fn me_body(state: &AppState, user: &User, csrf: Option<&str>) -> Value {
    let partner = user.partner_id.and_then(|id| {
        let c = state.directory.read();
        c.partner(id).map(|p| json!({"id": p.id, "name": p.name, "status": p.status}))
    });
    json!({"user": user, "partner": partner, "csrf_token": csrf})
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Credentials {
    email: String,
    password: SecretString,
}

async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    ApiJson(c): ApiJson<Credentials>,
) -> Result<Response, ApiError> {
    state.throttle.check(Action::SignIn, client)?;
    let store = state.directory.store();
    let email = c.email.trim().to_lowercase();
    let key = sha256_hex(&format!("login:{email}"));
    let now = Utc::now();
    if let Some(until) = store.login_attempts(&key).await?.locked_until.filter(|t| *t > now) {
        return Err(ApiError::TooManyRequests(
            u64::try_from((until - now).num_seconds().max(1)).unwrap_or(1),
        ));
    }
    let user = store.user_by_email(&email).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let ok = state
        .hashing
        .run(move || {
            verify_password(c.password.expose_secret(), hash.as_ref().map(ExposeSecret::expose_secret))
        })
        .await?;
    let Some(user) = user.filter(|_| ok) else {
        store.login_failed(&key, now, &|n| lock_after(n, now)).await?;
        return Err(ApiError::SignInFailed);
    };
    store.login_succeeded(&key).await?;
    // Told only to someone who knows the password: an unknown email and a wrong password stay
    // alike.
    if user.deactivated_at.is_some() {
        return Err(deactivated());
    }
    let (change, token, csrf) = new_session(user.id);
    store.apply(&vec![change]).await?;
    let mut res = Json(me_body(&state, &user, Some(&csrf))).into_response();
    res.headers_mut().insert(header::SET_COOKIE, session_cookie(Some(&token), secure(&state, &headers)));
    Ok(res)
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    who: Principal,
) -> Result<Response, ApiError> {
    if let Principal::User { via: Via::Session { token_hash, .. }, .. } = &who {
        let token_hash = token_hash.clone();
        state.directory.store().apply(&vec![Change::Record(Record::DeleteSession { token_hash })]).await?;
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(header::SET_COOKIE, session_cookie(None, secure(&state, &headers)));
    Ok(res)
}

async fn me(State(state): State<AppState>, who: Principal) -> Result<Json<Value>, ApiError> {
    match &who {
        Principal::User { user, via } => {
            let csrf = match via {
                Via::Session { csrf_token, .. } => Some(csrf_token.expose_secret()),
                Via::Token => None,
            };
            Ok(Json(me_body(&state, user, csrf)))
        }
        Principal::DeploymentAdmin => {
            Ok(Json(json!({"user": {"role": "admin", "email": null}, "partner": null, "csrf_token": null})))
        }
        // Not an error: the account pages ask this first to know whether to show sign-in.
        Principal::Public => Ok(Json(json!({"user": null, "partner": null, "csrf_token": null}))),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetRequest {
    email: String,
}

/// A forgotten password. There is no mail server: the request goes to the admins' queue (the
/// audit log), and an admin sends the person a reset link. The answer is the same whether or
/// not the email has an account.
async fn reset_request(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ApiJson(r): ApiJson<ResetRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    state.throttle.check(Action::PasswordReset, client)?;
    // What is not an email address is said so (that reveals nothing about any account).
    let email = super::normalise_email(&r.email)
        .map_err(|m| ApiError::Validation(vec![crate::domain::FieldError::new("email", m)]))?;
    let user = state.directory.store().user_by_email(&email).await?;
    // A deactivated account is not reset through the queue: an admin reactivates it first.
    if let Some(user) = user.filter(|u| u.deactivated_at.is_none()) {
        let entry = audit_entry(
            &Principal::Public,
            "password.reset_requested",
            user.id,
            json!({"email": user.email}),
        );
        state.directory.store().apply(&vec![entry]).await?;
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(
            json!({"detail": "If this email has an account, an admin will send a link to set a new password."}),
        ),
    ))
}

/// A link's record from its secret; 404 unknown, 410 used or expired.
async fn usable_link(state: &AppState, token: &str) -> Result<Invitation, ApiError> {
    let inv = state
        .directory
        .store()
        .invitation(&sha256_hex(token))
        .await?
        .ok_or_else(|| ApiError::NotFound("this link".to_owned()))?;
    if inv.used_at.is_some() {
        return Err(ApiError::Gone("this link was used already; ask an admin for a new one".to_owned()));
    }
    if inv.revoked_at.is_some() {
        return Err(ApiError::Gone("this link was revoked; ask an admin for a new one".to_owned()));
    }
    if inv.expires_at <= Utc::now() {
        return Err(ApiError::Gone("this link has expired; ask an admin for a new one".to_owned()));
    }
    Ok(inv)
}

async fn invitation(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let inv = usable_link(&state, &token).await?;
    let partner = inv.partner_id.and_then(|id| state.directory.read().partner(id).map(|p| p.name.clone()));
    Ok(Json(json!({
        "kind": if inv.user_id.is_some() { "reset" } else { "editor" },
        "partner_name": partner,
        "email": inv.email,
        "expires_at": inv.expires_at,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Accept {
    #[serde(default)]
    email: Option<String>,
    password: SecretString,
}

async fn accept(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    Path(token): Path<String>,
    ApiJson(a): ApiJson<Accept>,
) -> Result<Response, ApiError> {
    state.throttle.check(Action::AcceptInvitation, client)?;
    let inv = usable_link(&state, &token).await?;
    check_password(a.password.expose_secret()).map_err(|m| field("password", m))?;
    let store = state.directory.store();
    let hash = state
        .hashing
        .run(move || hash_password(a.password.expose_secret()))
        .await?
        .map_err(|e| internal(anyhow::anyhow!("hashing: {e}")))?;
    let now = Utc::now();
    let mut batch = vec![Change::Record(Record::UseInvitation { id: inv.id, at: now })];
    let user = match (inv.user_id, inv.partner_id) {
        (Some(user_id), _) => {
            let user =
                store.user(user_id).await?.ok_or_else(|| ApiError::Gone("the account is gone".to_owned()))?;
            if user.deactivated_at.is_some() {
                return Err(deactivated());
            }
            batch.push(Change::Record(Record::SetPassword { user_id, password_hash: hash }));
            user
        }
        (None, Some(partner_id)) => {
            let email =
                a.email.as_deref().or(inv.email.as_deref()).ok_or_else(|| field("email", "is required"))?;
            let email = normalise_email(email).map_err(|m| field("email", m))?;
            let user = User {
                id: Uuid::new_v4(),
                email,
                role: Role::Editor,
                partner_id: Some(partner_id),
                created_at: now,
                deactivated_at: None,
                deactivated_by: None,
                password_hash: hash,
            };
            batch.push(Change::Record(Record::CreateUser(user.clone())));
            user
        }
        (None, None) => return Err(internal(anyhow::anyhow!("invitation {} names nobody", inv.id))),
    };
    let (session, cookie, csrf) = new_session(user.id);
    batch.push(session);
    match store.apply(&batch).await {
        Ok(()) => {}
        // Used or expired between the check and the write (two uses at once): one wins.
        Err(StoreError::Conflict(_)) => {
            return Err(ApiError::Gone("this link was used or revoked already".to_owned()))
        }
        Err(e) => return Err(e.into()),
    }
    let mut res = (StatusCode::CREATED, Json(me_body(&state, &user, Some(&csrf)))).into_response();
    res.headers_mut().insert(header::SET_COOKIE, session_cookie(Some(&cookie), secure(&state, &headers)));
    Ok(res)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    name: String,
}

async fn create_token(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    who: Principal,
    ApiJson(t): ApiJson<NewToken>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    state.throttle.check(Action::CreateToken, client)?;
    let Some(user) = who.user() else {
        who.signed_in()?;
        return Err(ApiError::Forbidden(
            "the deployment token cannot make tokens; sign in as a person".to_owned(),
        ));
    };
    let name = t.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(field("name", "must be 1 to 100 characters"));
    }
    let secret = random_token();
    let token = ApiToken {
        id: Uuid::new_v4(),
        user_id: user.id,
        name: name.to_owned(),
        created_at: Utc::now(),
        revoked_at: None,
    };
    let mut batch =
        vec![Change::Record(Record::CreateToken { token: token.clone(), token_hash: sha256_hex(&secret) })];
    batch.extend(audit(&who, "token.create", token.id, json!({"name": token.name})));
    state.directory.store().apply(&batch).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": token.id, "name": token.name, "created_at": token.created_at, "token": secret,
                    "note": "shown once: keep it somewhere safe; send it as Authorization: Bearer <token>"})),
    ))
}

async fn list_tokens(State(state): State<AppState>, who: Principal) -> Result<Json<Value>, ApiError> {
    who.signed_in()?;
    let mine = who.user().map(|u| u.id);
    if mine.is_none() && !who.is_admin() {
        return Err(ApiError::Unauthorized);
    }
    // Admins see every token (to revoke a lost one); others their own.
    let tokens = state.directory.store().tokens(if who.is_admin() { None } else { mine }).await?;
    Ok(Json(json!({"tokens": tokens})))
}

async fn revoke_token(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    who.signed_in()?;
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NotFound(format!("token '{id}'")))?;
    let tokens = state.directory.store().tokens(None).await?;
    let t = tokens.iter().find(|t| t.id == id).ok_or_else(|| ApiError::NotFound(format!("token {id}")))?;
    if !who.is_admin() && who.user().map(|u| u.id) != Some(t.user_id) {
        return Err(ApiError::NotFound(format!("token {id}")));
    }
    let mut batch = vec![Change::Record(Record::RevokeToken { id, at: Utc::now() })];
    batch.extend(audit(&who, "token.revoke", id, json!({"owner": t.user_id})));
    state.directory.store().apply(&batch).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// "List your organization": what a new organisation sends.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignupInput {
    organization: PartnerInput,
    #[serde(default)]
    contact_name: Option<String>,
    contact_email: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    site: Option<SiteInput>,
}

/// Creates the organisation (and its first site, if given) as pending: not public until an
/// admin approves it, which sends the contact an invitation link.
async fn signup(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ApiJson(input): ApiJson<SignupInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    state.throttle.check(Action::SignUp, client)?;
    let contact_email = normalise_email(&input.contact_email).map_err(|m| field("contact_email", m))?;
    let short = |f: &str, v: Option<String>, max: usize| -> Result<Option<String>, ApiError> {
        let v = v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        if v.as_ref().is_some_and(|s| s.chars().count() > max) {
            return Err(field(f, format!("is longer than {max} characters")));
        }
        Ok(v)
    };
    let contact_name = short("contact_name", input.contact_name, 200)?;
    let message = short("message", input.message, 2000)?;
    let who = Principal::Public;
    let partner_id = state
        .directory
        .commit(|catalog| {
            let now = Utc::now();
            let id = Uuid::new_v4();
            let mut org = input.organization.clone();
            org.id = None;
            org.status = Some(PartnerStatus::Pending);
            let p = org.validate(id, now, None).map_err(|errs| prefixed("organization", errs))?;
            let mut batch =
                vec![Change::CreatePartner(p.clone()), partner_revision(&who, "signup", None, Some(&p))];
            if let Some(site) = input.site.clone() {
                let known = |c: &crate::domain::Category| catalog.is_category(c);
                let s = SiteInput { id: None, partner_id: None, ..site }
                    .validate(Uuid::new_v4(), id, now, None, &known)
                    .map_err(|errs| prefixed("site", errs))?;
                batch.push(site_revision(&who, "signup", None, Some(&s)));
                batch.push(Change::CreateSite(s));
            }
            batch.push(Change::Record(Record::Signup(Signup {
                partner_id: id,
                contact_name: contact_name.clone(),
                contact_email: contact_email.clone(),
                message: message.clone(),
                status: "pending".to_owned(),
                reason: None,
                decided_by: None,
                decided_at: None,
                created_at: now,
            })));
            Ok::<_, ApiError>((batch, id))
        })
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"partner_id": partner_id, "status": "pending",
                    "detail": "Thank you. An admin will review the listing; it is not public until approved."})),
    ))
}

fn prefixed(prefix: &str, errs: Vec<FieldError>) -> ApiError {
    ApiError::Validation(
        errs.into_iter().map(|e| FieldError::new(format!("{prefix}.{}", e.field), e.message)).collect(),
    )
}
