//! Revisions: every change to a partner or site is written with who made it, when, and each
//! field before and after, in the same transaction as the change. Admins and the
//! organisation's editors read them; admins revert one.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::principal::Principal;
use crate::catalog::Catalog;
use crate::domain::account::{AuditEntry, Entity, FieldChange, Record, Revision};
use crate::domain::{Partner, PartnerInput, Site, SiteInput};
use crate::http::error::ApiError;
use crate::http::extract::{parse_json, Params};
use crate::state::AppState;
use crate::store::{Change, RevisionQuery};

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/revisions", get(list)).route("/api/v1/revisions/{id}/revert", post(revert))
}

/// Fields that are bookkeeping rather than content: not shown as changes.
const BOOKKEEPING: [&str; 4] = ["id", "version", "created_at", "updated_at"];

/// A site's editable fields as the API spells them.
pub fn site_doc(s: &Site) -> Value {
    serde_json::to_value(SiteInput::from(s)).unwrap_or(Value::Null)
}

/// A partner's editable fields as the API spells them.
pub fn partner_doc(p: &Partner) -> Value {
    serde_json::to_value(PartnerInput::from(p)).unwrap_or(Value::Null)
}

/// Every field whose value differs between two documents (absent reads as `null`), by name.
pub fn diff(before: &Value, after: &Value) -> Vec<FieldChange> {
    let empty = Map::new();
    let (b, a) = (before.as_object().unwrap_or(&empty), after.as_object().unwrap_or(&empty));
    let mut fields: Vec<&String> =
        b.keys().chain(a.keys()).filter(|k| !BOOKKEEPING.contains(&k.as_str())).collect();
    fields.sort();
    fields.dedup();
    fields
        .into_iter()
        .filter_map(|f| {
            let (x, y) = (b.get(f).unwrap_or(&Value::Null), a.get(f).unwrap_or(&Value::Null));
            (x != y).then(|| FieldChange { field: f.clone(), before: x.clone(), after: y.clone() })
        })
        .collect()
}

/// The revision of a site change (`before`/`after` `None` for a creation/deletion).
pub fn site_revision(who: &Principal, action: &str, before: Option<&Site>, after: Option<&Site>) -> Change {
    let any = after.or(before).map(|s| (s.id, s.partner_id)).unwrap_or_default();
    revision(
        who,
        action,
        Entity::Site,
        any,
        before.map(site_doc),
        after.map(site_doc),
        after.map(|s| s.version),
    )
}

/// The revision of a partner change.
pub fn partner_revision(
    who: &Principal,
    action: &str,
    before: Option<&Partner>,
    after: Option<&Partner>,
) -> Change {
    let id = after.or(before).map(|p| p.id).unwrap_or_default();
    revision(
        who,
        action,
        Entity::Partner,
        (id, id),
        before.map(partner_doc),
        after.map(partner_doc),
        after.map(|p| p.version),
    )
}

fn revision(
    who: &Principal,
    action: &str,
    entity: Entity,
    (entity_id, partner_id): (Uuid, Uuid),
    before: Option<Value>,
    after: Option<Value>,
    version: Option<i64>,
) -> Change {
    Change::Record(Record::Revision(Revision {
        id: 0,
        entity,
        entity_id,
        partner_id,
        action: action.to_owned(),
        version,
        actor: who.actor(),
        at: Utc::now(),
        changes: diff(&before.unwrap_or(Value::Null), &after.unwrap_or(Value::Null)),
        reverts: None,
    }))
}

/// The audit entry of an action, if an admin took it (editors' changes are in the revisions).
pub fn audit(who: &Principal, action: &str, target: impl ToString, detail: Value) -> Option<Change> {
    who.is_admin().then(|| audit_entry(who, action, target, detail))
}

/// An audit entry, whoever acted.
pub fn audit_entry(who: &Principal, action: &str, target: impl ToString, detail: Value) -> Change {
    Change::Record(Record::Audit(AuditEntry {
        id: 0,
        at: Utc::now(),
        actor: who.actor(),
        action: action.to_owned(),
        target: Some(target.to_string()),
        detail,
    }))
}

async fn list(
    State(state): State<AppState>,
    who: Principal,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    params.allow(&["site_id", "partner_id", "limit"])?;
    who.signed_in()?;
    let uuid = |v: &str| Uuid::parse_str(v).map_err(|_| format!("'{v}' is not a UUID"));
    let site_id = params.parse("site_id", uuid)?;
    let mut partner_id = params.parse("partner_id", uuid)?;
    let limit = params.integer("limit", 1..=1000)?.unwrap_or(200);
    if let Some(site) = site_id {
        // The site's organisation decides who may read its history (the revisions say, if the
        // site is gone).
        let owner = state.directory.read().site(site).map(|s| s.partner_id);
        let owner = match owner {
            Some(o) => Some(o),
            None => {
                let q = RevisionQuery { entity_id: Some(site), partner_id: None, limit: 1 };
                state.directory.store().revisions(q).await?.first().map(|r| r.partner_id)
            }
        };
        partner_id = owner.or(partner_id);
    }
    match partner_id {
        Some(p) => who.require_editor_of(p)?,
        None => who.require_admin()?,
    }
    let q = RevisionQuery { entity_id: site_id, partner_id, limit: i64::try_from(limit).unwrap_or(200) };
    let revisions = state.directory.store().revisions(q).await?;
    Ok(Json(json!({"revisions": revisions})))
}

fn conflict(what: &str) -> ApiError {
    ApiError::Conflict(format!("{what}; reload the history and revert the newest change first"))
}

/// Puts each field of `rev` back to its value before, onto `current`; refuses (409) when a
/// field has changed again since, so a revert never silently undoes a later edit.
fn reverted(current: &Value, rev: &Revision) -> Result<Value, ApiError> {
    let mut doc = current.clone();
    let Value::Object(m) = &mut doc else { return Err(ApiError::Internal(anyhow::anyhow!("not an object"))) };
    for c in &rev.changes {
        if m.get(&c.field).unwrap_or(&Value::Null) != &c.after {
            return Err(conflict(&format!("'{}' was changed again after this revision", c.field)));
        }
        if c.before.is_null() {
            m.remove(&c.field);
        } else {
            m.insert(c.field.clone(), c.before.clone());
        }
    }
    Ok(doc)
}

fn known(catalog: &Catalog) -> impl Fn(&crate::domain::Category) -> bool + '_ {
    |c| catalog.is_category(c)
}

fn plan_revert(catalog: &Catalog, who: &Principal, rev: &Revision) -> Result<(Vec<Change>, Value), ApiError> {
    let now = Utc::now();
    let mut batch = Vec::new();
    match (rev.entity, rev.action.as_str()) {
        (Entity::Site, "create") => {
            let cur = catalog.site(rev.entity_id).ok_or_else(|| conflict("the site no longer exists"))?;
            if Some(cur.version) != rev.version {
                return Err(conflict("the site was edited after it was created"));
            }
            batch.push(Change::DeleteSite(cur.id));
            batch.push(site_revision(who, "revert", Some(cur), None));
        }
        (Entity::Site, "delete") => {
            if catalog.site(rev.entity_id).is_some() {
                return Err(conflict("the site exists again"));
            }
            let doc: Map<String, Value> = rev
                .changes
                .iter()
                .filter(|c| !c.before.is_null())
                .map(|c| (c.field.clone(), c.before.clone()))
                .collect();
            let doc = Value::Object(doc);
            let input: SiteInput = parse_json(doc.to_string().as_bytes())?;
            let partner = input.partner_id.unwrap_or(rev.partner_id);
            if catalog.partner(partner).is_none() {
                return Err(conflict("the site's organization no longer exists"));
            }
            let site = input.validate(rev.entity_id, partner, now, None, &known(catalog))?;
            batch.push(site_revision(who, "revert", None, Some(&site)));
            batch.insert(0, Change::CreateSite(site));
        }
        (Entity::Site, _) => {
            let cur = catalog.site(rev.entity_id).ok_or_else(|| conflict("the site no longer exists"))?;
            let input: SiteInput = parse_json(reverted(&site_doc(cur), rev)?.to_string().as_bytes())?;
            let partner = input.partner_id.unwrap_or(cur.partner_id);
            if catalog.partner(partner).is_none() {
                return Err(conflict("the organization it belonged to no longer exists"));
            }
            let site = input.validate(cur.id, partner, now, Some(cur), &known(catalog))?;
            batch.push(site_revision(who, "revert", Some(cur), Some(&site)));
            batch.insert(0, Change::UpdateSite(site));
        }
        (Entity::Partner, "create" | "delete") => {
            return Err(ApiError::Conflict(
                "an organization's creation or deletion is not reverted here: delete it, or create it again"
                    .to_owned(),
            ));
        }
        (Entity::Partner, _) => {
            let cur = catalog
                .partner(rev.entity_id)
                .ok_or_else(|| conflict("the organization no longer exists"))?;
            let input: PartnerInput = parse_json(reverted(&partner_doc(cur), rev)?.to_string().as_bytes())?;
            let p = input.validate(cur.id, now, Some(cur))?;
            batch.push(partner_revision(who, "revert", Some(cur), Some(&p)));
            batch.insert(0, Change::UpdatePartner(p));
        }
    }
    if let Some(Change::Record(Record::Revision(r))) = batch.last_mut() {
        r.reverts = Some(rev.id);
    }
    batch.extend(audit(
        who,
        "revision.revert",
        rev.id,
        json!({"entity": rev.entity, "entity_id": rev.entity_id}),
    ));
    Ok((batch, json!({"reverted": rev.id, "entity": rev.entity, "entity_id": rev.entity_id})))
}

async fn revert(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    who.require_admin()?;
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound(format!("revision '{id}'")))?;
    let rev = state
        .directory
        .store()
        .revision(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("revision {id}")))?;
    let out = state.directory.commit(|catalog| plan_revert(catalog, &who, &rev)).await?;
    Ok(Json(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_name_each_changed_field_and_skip_bookkeeping() {
        let a = json!({"name": "A", "hours": null, "version": 1, "phones": []});
        let b = json!({"name": "B", "hours": {"timezone": "UTC"}, "version": 2, "phones": []});
        let d = diff(&a, &b);
        let fields: Vec<&str> = d.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["hours", "name"]);
        assert_eq!(d[1].before, json!("A"));
    }
}
