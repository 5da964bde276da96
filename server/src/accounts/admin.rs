//! The admin's side: invitation and reset links, the sign-up queue, the stale report, the
//! audit log, the list of accounts and their deactivation. Also the one thing an editor does
//! for their organisation's people: invite a colleague (a link an admin sees and may revoke).
//! Every action here is audited.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use chrono::{Duration, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use super::history::{audit_entry, partner_revision};
use super::principal::Principal;
use super::secret::{random_token, sha256_hex};
use super::{normalise_email, LINK_DAYS};
use crate::catalog::is_stale;
use crate::domain::account::{Invitation, Record};
use crate::domain::{FieldError, PartnerInput, PartnerStatus};
use crate::http::error::ApiError;
use crate::http::extract::{ApiJson, Params};
use crate::state::AppState;
use crate::store::Change;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/invitations", get(list_invitations).post(create_invitation))
        .route("/api/v1/admin/invitations/{id}", delete(revoke_invitation))
        .route("/api/v1/partners/{id}/invitations", post(invite_colleague))
        .route("/api/v1/admin/users", get(users))
        .route("/api/v1/admin/users/{id}/reset", post(reset_link))
        .route("/api/v1/admin/users/{id}/deactivate", post(deactivate))
        .route("/api/v1/admin/users/{id}/reactivate", post(reactivate))
        .route("/api/v1/admin/signups", get(signups))
        .route("/api/v1/admin/signups/{id}/approve", post(approve))
        .route("/api/v1/admin/signups/{id}/decline", post(decline))
        .route("/api/v1/admin/stale", get(stale_report))
        .route("/api/v1/admin/audit", get(audit_log))
}

fn parse_uuid(raw: &str, what: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::NotFound(format!("{what} '{raw}'")))
}

/// Where links point: the public URL if set, else the address this request came to.
fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(u) = &state.settings.public_url {
        return u.trim_end_matches('/').to_owned();
    }
    let host = headers.get("host").and_then(|v| v.to_str().ok()).unwrap_or("127.0.0.1");
    format!("http://{host}")
}

/// A new link: its record (to write) and the answer showing the secret once. The secret is in
/// the URL's fragment, which browsers never send to a server or put in a `Referer`.
fn new_link(
    state: &AppState,
    headers: &HeaderMap,
    who: &Principal,
    partner_id: Option<Uuid>,
    user_id: Option<Uuid>,
    email: Option<String>,
) -> (Change, Value) {
    let secret = random_token();
    let now = Utc::now();
    let invitation = Invitation {
        id: Uuid::new_v4(),
        partner_id,
        user_id,
        email,
        created_by: who.actor().label,
        created_at: now,
        expires_at: now + Duration::days(LINK_DAYS),
        used_at: None,
        revoked_at: None,
    };
    let url = format!("{}/account.html#invite={secret}", base_url(state, headers));
    let body = json!({"id": invitation.id, "url": url, "token": secret, "expires_at": invitation.expires_at,
                      "partner_id": partner_id, "user_id": user_id, "email": invitation.email});
    (Change::Record(Record::CreateInvitation { invitation, token_hash: sha256_hex(&secret) }), body)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewInvitation {
    partner_id: Uuid,
    #[serde(default)]
    email: Option<String>,
}

async fn create_invitation(
    State(state): State<AppState>,
    headers: HeaderMap,
    who: Principal,
    ApiJson(i): ApiJson<NewInvitation>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    who.require_admin()?;
    if state.directory.read().partner(i.partner_id).is_none() {
        return Err(ApiError::Validation(vec![FieldError::new("partner_id", "no such organization")]));
    }
    invite(&state, &headers, &who, i.partner_id, i.email.as_deref()).await
}

/// What an editor sends to invite a colleague.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewColleague {
    #[serde(default)]
    email: Option<String>,
}

/// An editor invites a colleague to their own organisation (an admin may too): the same link
/// as an admin's, audited, listed with the admin's open invitations, revocable there.
async fn invite_colleague(
    State(state): State<AppState>,
    headers: HeaderMap,
    who: Principal,
    Path(id): Path<String>,
    ApiJson(c): ApiJson<NewColleague>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let partner_id = parse_uuid(&id, "partner")?;
    // 403 for another organisation's editor before anything is looked up, so that whether it
    // exists (a pending one is not public) is not told.
    who.require_editor_of(partner_id)?;
    if state.directory.read().partner(partner_id).is_none() {
        return Err(ApiError::NotFound(format!("partner {partner_id}")));
    }
    invite(&state, &headers, &who, partner_id, c.email.as_deref()).await
}

/// Makes and audits an invitation to `partner_id` (which exists) for `email`, if given.
async fn invite(
    state: &AppState,
    headers: &HeaderMap,
    who: &Principal,
    partner_id: Uuid,
    email: Option<&str>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let email = email
        .map(normalise_email)
        .transpose()
        .map_err(|m| ApiError::Validation(vec![FieldError::new("email", m)]))?;
    let (link, body) = new_link(state, headers, who, Some(partner_id), None, email.clone());
    let entry =
        audit_entry(who, "invitation.create", partner_id, json!({"email": email, "invitation": body["id"]}));
    state.directory.store().apply(&vec![link, entry]).await?;
    Ok((StatusCode::CREATED, Json(body)))
}

/// Revokes an open invitation or reset link: it can no longer be used (410).
async fn revoke_invitation(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    who.require_admin()?;
    let id = parse_uuid(&id, "invitation")?;
    let entry = audit_entry(&who, "invitation.revoke", id, json!({}));
    let revoke = Change::Record(Record::RevokeInvitation { id, at: Utc::now() });
    state.directory.store().apply(&vec![revoke, entry]).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The account `id` for an admin to change; 404 when there is none.
async fn account(
    state: &AppState,
    who: &Principal,
    id: &str,
) -> Result<crate::domain::account::User, ApiError> {
    who.require_admin()?;
    let id = parse_uuid(id, "user")?;
    state.directory.store().user(id).await?.ok_or_else(|| ApiError::NotFound(format!("user {id}")))
}

/// Deactivates an account: from the next request on, its sessions and API tokens are refused
/// (they are ended in the same transaction), and it cannot sign in. The audit log says who
/// and when. An admin cannot deactivate their own account (409), so one always remains.
async fn deactivate(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let user = account(&state, &who, &id).await?;
    if who.user().is_some_and(|me| me.id == user.id) {
        return Err(ApiError::Conflict("you cannot deactivate your own account".to_owned()));
    }
    if user.deactivated_at.is_none() {
        let by = who.actor().label;
        let change = Change::Record(Record::DeactivateUser { user_id: user.id, at: Utc::now(), by });
        let entry = audit_entry(&who, "user.deactivate", user.id, json!({"email": user.email}));
        state.directory.store().apply(&vec![change, entry]).await?;
    }
    current_account(&state, user.id).await
}

/// Lets a deactivated account sign in again; its old sessions and tokens stay ended.
async fn reactivate(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let user = account(&state, &who, &id).await?;
    if user.deactivated_at.is_some() {
        let change = Change::Record(Record::ReactivateUser { user_id: user.id });
        let entry = audit_entry(&who, "user.reactivate", user.id, json!({"email": user.email}));
        state.directory.store().apply(&vec![change, entry]).await?;
    }
    current_account(&state, user.id).await
}

async fn current_account(state: &AppState, id: Uuid) -> Result<Json<Value>, ApiError> {
    let user =
        state.directory.store().user(id).await?.ok_or_else(|| ApiError::NotFound(format!("user {id}")))?;
    Ok(Json(json!({"user": user})))
}

async fn list_invitations(State(state): State<AppState>, who: Principal) -> Result<Json<Value>, ApiError> {
    who.require_admin()?;
    let list = state.directory.store().open_invitations(Utc::now()).await?;
    let c = state.directory.read();
    let items: Vec<Value> = list
        .iter()
        .map(|i| {
            let mut v = json!(i);
            v["partner_name"] = json!(i.partner_id.and_then(|p| c.partner(p)).map(|p| p.name.clone()));
            v
        })
        .collect();
    Ok(Json(json!({"invitations": items})))
}

async fn users(State(state): State<AppState>, who: Principal) -> Result<Json<Value>, ApiError> {
    who.require_admin()?;
    Ok(Json(json!({"users": state.directory.store().users().await?})))
}

async fn reset_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    who: Principal,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    who.require_admin()?;
    let id = parse_uuid(&id, "user")?;
    let user =
        state.directory.store().user(id).await?.ok_or_else(|| ApiError::NotFound(format!("user {id}")))?;
    let (link, body) = new_link(&state, &headers, &who, None, Some(user.id), Some(user.email.clone()));
    let entry = audit_entry(&who, "password.reset_link", user.id, json!({"email": user.email}));
    state.directory.store().apply(&vec![link, entry]).await?;
    Ok((StatusCode::CREATED, Json(body)))
}

async fn signups(
    State(state): State<AppState>,
    who: Principal,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    who.require_admin()?;
    params.allow(&["status"])?;
    let status = params.parse("status", |v| match v {
        "pending" | "approved" | "declined" => Ok(v.to_owned()),
        _ => Err(format!("'{v}' is not pending, approved or declined")),
    })?;
    let list = state.directory.store().signups(status.as_deref()).await?;
    let c = state.directory.read();
    let items: Vec<Value> = list
        .iter()
        .map(|s| {
            let mut v = json!(s);
            v["partner"] = json!(c.partner(s.partner_id).map(|p| crate::directory::view::partner(&c, p)));
            v
        })
        .collect();
    Ok(Json(json!({"signups": items})))
}

/// Sets a pending organisation's status and records the decision, in one transaction.
async fn decide(
    state: &AppState,
    who: &Principal,
    partner_id: Uuid,
    status: PartnerStatus,
    reason: Option<String>,
    extra: Vec<Change>,
) -> Result<(), ApiError> {
    let (decision, verb) =
        if status == PartnerStatus::Active { ("approved", "approve") } else { ("declined", "decline") };
    state
        .directory
        .commit(|catalog| {
            let cur = catalog
                .partner(partner_id)
                .ok_or_else(|| ApiError::NotFound(format!("partner {partner_id}")))?;
            if cur.status != PartnerStatus::Pending {
                return Err(ApiError::Conflict(format!(
                    "the organization is {}, not pending",
                    cur.status.as_str()
                )));
            }
            let input = PartnerInput { status: Some(status), ..PartnerInput::from(cur.as_ref()) };
            let p = input.validate(partner_id, Utc::now(), Some(cur))?;
            let mut batch = vec![
                Change::UpdatePartner(p.clone()),
                partner_revision(who, verb, Some(cur), Some(&p)),
                Change::Record(Record::DecideSignup {
                    partner_id,
                    status: decision.to_owned(),
                    reason: reason.clone(),
                    by: who.actor().label,
                    at: Utc::now(),
                }),
                audit_entry(
                    who,
                    &format!("signup.{verb}"),
                    partner_id,
                    json!({"name": p.name, "reason": reason}),
                ),
            ];
            batch.extend(extra);
            Ok((batch, ()))
        })
        .await
}

async fn approve(
    State(state): State<AppState>,
    headers: HeaderMap,
    who: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    who.require_admin()?;
    let id = parse_uuid(&id, "sign-up")?;
    let signup = state
        .directory
        .store()
        .signups(None)
        .await?
        .into_iter()
        .find(|s| s.partner_id == id)
        .ok_or_else(|| ApiError::NotFound(format!("sign-up {id}")))?;
    // The contact gets an invitation to become the organisation's first editor.
    let (link, body) = new_link(&state, &headers, &who, Some(id), None, Some(signup.contact_email.clone()));
    decide(&state, &who, id, PartnerStatus::Active, None, vec![link]).await?;
    Ok(Json(json!({"partner_id": id, "status": "active", "invitation": body})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Decline {
    reason: String,
}

async fn decline(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    ApiJson(d): ApiJson<Decline>,
) -> Result<Json<Value>, ApiError> {
    who.require_admin()?;
    let id = parse_uuid(&id, "sign-up")?;
    let reason = d.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(ApiError::Validation(vec![FieldError::new(
            "reason",
            "is required (at most 2000 characters)",
        )]));
    }
    decide(&state, &who, id, PartnerStatus::Inactive, Some(reason.clone()), vec![]).await?;
    Ok(Json(json!({"partner_id": id, "status": "inactive", "reason": reason})))
}

/// Every stale listing with the contacts to chase: the organisation's email and website, the
/// site's phones, and its editors' emails. `hidden` says whether the public no longer sees it.
async fn stale_report(
    State(state): State<AppState>,
    who: Principal,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    who.require_admin()?;
    params.allow(&["stale_after_days"])?;
    let days = params
        .integer("stale_after_days", 1..=36_500)?
        .map_or(state.settings.stale_after_days, |d| i64::try_from(d).unwrap_or(i64::MAX));
    let hide = state.settings.effective_hide_after_days();
    let users = state.directory.store().users().await?;
    let now = Utc::now();
    let c = state.directory.read();
    let mut rows: Vec<(i64, Value)> = c
        .sites()
        .filter(|s| is_stale(s, now, days))
        .map(|s| {
            let p = c.partner(s.partner_id);
            let since = s.last_verified_at.map(|t| (now - t).num_days());
            let editors: Vec<&str> =
                users.iter().filter(|u| u.partner_id == Some(s.partner_id)).map(|u| u.email.as_str()).collect();
            let row = json!({
                "site_id": s.id, "site_name": s.name, "partner_id": s.partner_id,
                "partner_name": p.map(|p| p.name.as_str()), "partner_status": p.map(|p| p.status),
                "partner_email": p.and_then(|p| p.email.as_deref()), "partner_website": p.and_then(|p| p.website.as_deref()),
                "phones": s.phones.iter().map(|ph| ph.number.as_str()).collect::<Vec<_>>(),
                "editors": editors,
                "last_verified_at": s.last_verified_at, "days_since_verified": since,
                "hidden": crate::catalog::is_hidden(s, now, hide),
            });
            (since.unwrap_or(i64::MAX), row)
        })
        .collect();
    rows.sort_by(|a, b| {
        b.0.cmp(&a.0).then_with(|| a.1["site_name"].as_str().cmp(&b.1["site_name"].as_str()))
    });
    Ok(Json(json!({
        "stale_after_days": days, "hide_after_days": hide, "total": rows.len(),
        "sites": rows.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
    })))
}

async fn audit_log(
    State(state): State<AppState>,
    who: Principal,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    who.require_admin()?;
    params.allow(&["limit"])?;
    let limit = params.integer("limit", 1..=5000)?.unwrap_or(200);
    let entries = state.directory.store().audit(i64::try_from(limit).unwrap_or(200)).await?;
    Ok(Json(json!({"entries": entries})))
}
