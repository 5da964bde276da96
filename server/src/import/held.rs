//! The "needs a category" list: records of a source with its own taxonomy whose terms map to
//! none of our categories. They are held (not refused, not public) with their terms; an admin
//! says once which of our categories a term means (`PUT /api/v1/import/terms`), which imports
//! every held record that now has a category and is applied to every later import.
//!
//! Categories of an HSDS record come, in order, from its own `assetmap` terms (our export), the
//! mapping file given, else the shipped mappings ([`default_mapping`]: the 211/AIRS top-level
//! codes and Open Eligibility), and the admins' term mappings ([`TermBook`]).

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use super::mapping::CategoryMapping;
use super::{plan_with, ImportError, PartnerRef, Record, Report, Rows};
use crate::accounts::guard::Admin;
use crate::catalog::Catalog;
use crate::domain::account::Record as StoreRecord;
use crate::domain::{Category, FieldError, HeldChange, HeldRecord, SiteInput, Term, TermMapping};
use crate::http::error::ApiError;
use crate::http::extract::{ApiJson, Params};
use crate::state::AppState;
use crate::store::{Change, Held, StoreError};

/// The shipped mappings every HSDS import without a mapping file starts from:
/// `data/mappings/airs-211-top-level-categories.csv` and
/// `data/mappings/ohana-open-eligibility-categories.csv` (built in, so a deployment without the
/// data folder reads feeds the same way).
pub fn default_mapping() -> &'static CategoryMapping {
    static MAPPING: OnceLock<CategoryMapping> = OnceLock::new();
    MAPPING.get_or_init(|| {
        let airs = include_str!("../../../data/mappings/airs-211-top-level-categories.csv");
        let oe = include_str!("../../../data/mappings/ohana-open-eligibility-categories.csv");
        // One file: the second's header line dropped.
        let both = format!("{airs}{}", oe.split_once('\n').map_or("", |(_, rest)| rest));
        CategoryMapping::parse("shipped mappings", both.as_bytes()).expect("the shipped mappings are valid")
    })
}

/// The admins' term mappings and the keys of the records held now.
#[derive(Clone, Debug, Default)]
pub struct TermBook {
    terms: HashMap<String, Vec<Category>>,
    held: HashSet<String>,
}

impl TermBook {
    /// Reads both from the store.
    pub async fn load(store: &dyn Held) -> Result<Self, StoreError> {
        let terms = store.term_mappings().await?.into_iter().map(|m| (m.term, m.categories)).collect();
        let held = store.held().await?.into_iter().map(|h| h.key).collect();
        Ok(Self { terms, held })
    }

    /// A book of these mappings (tests).
    pub fn with_terms(terms: impl IntoIterator<Item = (String, Vec<Category>)>) -> Self {
        Self { terms: terms.into_iter().collect(), held: HashSet::new() }
    }

    /// Our categories for these terms by the admins' mappings, and whether every term has a
    /// mapping (possibly to nothing).
    pub fn categories(&self, terms: &[Term]) -> (Vec<Category>, bool) {
        let mut out: Vec<Category> = Vec::new();
        let mut all = true;
        for t in terms {
            match t.key().and_then(|k| self.terms.get(&k)) {
                Some(cats) => {
                    for c in cats {
                        if !out.contains(c) {
                            out.push(c.clone());
                        }
                    }
                }
                None => all = false,
            }
        }
        (out, all)
    }

    /// Whether a record of this key is on the list now.
    pub fn is_held(&self, key: &str) -> bool {
        self.held.contains(key)
    }
}

/// A record to hold: every field but the categories checked as an import checks them.
pub(super) fn hold(
    rec: &Record,
    terms: &[Term],
    file: &str,
    now: DateTime<Utc>,
    catalog: &Catalog,
) -> Result<HeldRecord, Vec<FieldError>> {
    let mut errs = Vec::new();
    let p = &rec.partner;
    if p.name.is_none() && p.id.is_none() && p.source_id.is_none() {
        errs.push(FieldError::new("partner_name", "is required (or give partner_id / partner_source_id)"));
    }
    // Validated with a stand-in category: what would be wrong once it has a real one.
    let probe_cat = Category::parse("held").expect("a valid slug");
    let mut probe = rec.site.clone();
    probe.categories = vec![probe_cat.clone()];
    let known = |c: &Category| *c == probe_cat || catalog.is_category(c);
    if let Err(e) = probe.validate(Uuid::nil(), Uuid::nil(), now, None, &known) {
        errs.extend(e);
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    let name = rec.site.name.clone().unwrap_or_default();
    let key = rec.site.source_id.clone().unwrap_or_else(|| format!("name:{}", name.to_lowercase()));
    Ok(HeldRecord {
        key,
        name,
        file: file.to_owned(),
        terms: terms.to_vec(),
        record: json!({"partner": p, "site": rec.site}),
        held_at: now,
    })
}

/// A held record back as an import row, with these categories.
fn row_of(h: &HeldRecord, row: usize, categories: Vec<Category>) -> Result<Record, String> {
    let partner: PartnerRef = serde_json::from_value(h.record.get("partner").cloned().unwrap_or(Value::Null))
        .map_err(|e| format!("partner: {e}"))?;
    let mut site: SiteInput = serde_json::from_value(h.record.get("site").cloned().unwrap_or(Value::Null))
        .map_err(|e| format!("site: {e}"))?;
    site.categories = categories;
    Ok(Record { row, partner, site, terms: None })
}

/// What categorising did.
#[derive(Debug, serde::Serialize)]
pub struct Released {
    /// Records imported now.
    pub released: Vec<String>,
    /// Records still waiting (another of their terms, or a record of their own, is undecided).
    pub still_held: usize,
    /// The import of the released records.
    pub report: Report,
}

/// Records `mappings` (if any) and imports every held record that now has a category (those
/// in `direct` get theirs from the map, whatever their terms), in one transaction. A record the
/// import refuses (its partner's name taken by another source, ...) stays held, with the
/// problem in the report.
pub async fn categorise(
    state: &AppState,
    mappings: Vec<TermMapping>,
    direct: HashMap<String, Vec<Category>>,
) -> Result<Released, ImportError> {
    let store = state.directory.store();
    let held = store.held().await?;
    let mut book = TermBook::load(store.as_ref()).await?;
    for m in &mappings {
        book.terms.insert(m.term.clone(), m.categories.clone());
    }
    let now = Utc::now();
    let mut rows: Rows = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    for h in &held {
        let cats = match direct.get(&h.key) {
            Some(c) => c.clone(),
            None => book.categories(&h.terms).0,
        };
        if cats.is_empty() {
            continue;
        }
        let row = keys.len() + 1;
        match row_of(h, row, cats) {
            Ok(r) => {
                rows.push((row, Ok(r)));
                keys.push(h.key.clone());
            }
            Err(m) => tracing::warn!(key = %h.key, "held record unreadable: {m}"),
        }
    }
    let total = held.len();
    state
        .directory
        .commit(|catalog| {
            let (mut batch, mut report) =
                plan_with(catalog, rows.clone(), "held records", "held", now, &book);
            let mut released = keys.clone();
            if !report.errors.is_empty() {
                // Leave the refused ones on the list and import the rest.
                let bad: HashSet<usize> = report.errors.iter().map(|e| e.row).collect();
                let ok: Rows = rows.iter().filter(|(r, _)| !bad.contains(r)).cloned().collect();
                released = keys
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !bad.contains(&(i + 1)))
                    .map(|(_, k)| k.clone())
                    .collect();
                let errors = std::mem::take(&mut report.errors);
                (batch, report) = plan_with(catalog, ok, "held records", "held", now, &book);
                report.errors = errors;
            }
            for m in mappings {
                batch.push(Change::Record(StoreRecord::Held(HeldChange::MapTerm(m))));
            }
            if !released.is_empty() {
                batch.push(Change::Record(StoreRecord::Held(HeldChange::Release(released.clone()))));
            }
            report.committed = true;
            let still_held = total - released.len();
            Ok::<_, ImportError>((batch, Released { released, still_held, report }))
        })
        .await
}

// ------------------------------------------------------------------------------------------
// HTTP
// ------------------------------------------------------------------------------------------

/// The routes of the list (admins).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/import/held", get(list).post(categorise_records))
        .route("/api/v1/import/terms", get(terms).put(map_terms))
}

/// The list, and its terms with how many held records carry each.
async fn list(State(state): State<AppState>, _admin: Admin, params: Params) -> Result<Json<Value>, ApiError> {
    params.allow(&[])?;
    let held = state.directory.store().held().await?;
    let mut terms: Vec<(String, Term, usize)> = Vec::new();
    for h in &held {
        for t in &h.terms {
            let Some(k) = t.key() else { continue };
            match terms.iter_mut().find(|(key, _, _)| *key == k) {
                Some(e) => e.2 += 1,
                None => terms.push((k, t.clone(), 1)),
            }
        }
    }
    terms.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    let terms: Vec<Value> = terms
        .into_iter()
        .map(|(k, t, n)| json!({"term": k, "taxonomy": t.taxonomy, "code": t.code, "name": t.name, "records": n}))
        .collect();
    let records: Vec<Value> = held
        .iter()
        .map(
            |h| json!({"key": h.key, "name": h.name, "file": h.file, "terms": h.terms, "held_at": h.held_at}),
        )
        .collect();
    Ok(Json(json!({"count": records.len(), "records": records, "terms": terms})))
}

async fn terms(
    State(state): State<AppState>,
    _admin: Admin,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    params.allow(&[])?;
    let m = state.directory.store().term_mappings().await?;
    Ok(Json(json!({"terms": m})))
}

fn checked_categories(
    state: &AppState,
    field: &str,
    raw: &[String],
) -> Result<Vec<Category>, Vec<FieldError>> {
    let catalog = state.directory.read();
    let mut out = Vec::new();
    let mut errs = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        match Category::parse(r) {
            Ok(c) if catalog.is_category(&c) => {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
            _ => {
                errs.push(FieldError::new(format!("{field}[{i}]"), format!("'{r}' is not a known category")))
            }
        }
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TermIn {
    term: String,
    #[serde(default)]
    label: Option<String>,
    categories: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TermsIn {
    terms: Vec<TermIn>,
}

fn failed(e: ImportError) -> ApiError {
    match e {
        ImportError::Store(s) => s.into(),
        other => ApiError::Internal(anyhow::anyhow!("{other}")),
    }
}

/// `PUT /api/v1/import/terms`: what each term means (an empty list: none of ours); imports the
/// held records that now have a category.
async fn map_terms(
    State(state): State<AppState>,
    admin: Admin,
    ApiJson(body): ApiJson<TermsIn>,
) -> Result<Json<Released>, ApiError> {
    let now = Utc::now();
    let mut mappings = Vec::new();
    let mut errs = Vec::new();
    if body.terms.is_empty() {
        errs.push(FieldError::new("terms", "needs at least one term"));
    }
    for (i, t) in body.terms.iter().enumerate() {
        let term = Term { code: t.term.clone(), ..Term::default() };
        let Some(key) = term.key() else {
            errs.push(FieldError::new(format!("terms[{i}].term"), "is empty"));
            continue;
        };
        match checked_categories(&state, &format!("terms[{i}].categories"), &t.categories) {
            Ok(categories) => mappings.push(TermMapping {
                term: key,
                label: t.label.clone().unwrap_or_else(|| t.term.trim().to_owned()),
                categories,
                updated_at: now,
            }),
            Err(e) => errs.extend(e),
        }
    }
    if !errs.is_empty() {
        return Err(ApiError::Validation(errs));
    }
    let out = categorise(&state, mappings, HashMap::new()).await.map_err(failed)?;
    tracing::info!(by = %admin.0.actor().label, released = out.released.len(), "terms mapped");
    Ok(Json(out))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordIn {
    key: String,
    categories: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordsIn {
    records: Vec<RecordIn>,
}

/// `POST /api/v1/import/held`: categories for held records themselves (those without terms,
/// or whose terms mean different things for different records).
async fn categorise_records(
    State(state): State<AppState>,
    _admin: Admin,
    ApiJson(body): ApiJson<RecordsIn>,
) -> Result<Json<Released>, ApiError> {
    let mut direct = HashMap::new();
    let mut errs = Vec::new();
    if body.records.is_empty() {
        errs.push(FieldError::new("records", "needs at least one record"));
    }
    for (i, r) in body.records.iter().enumerate() {
        match checked_categories(&state, &format!("records[{i}].categories"), &r.categories) {
            Ok(c) if c.is_empty() => {
                errs.push(FieldError::new(format!("records[{i}].categories"), "needs at least one category"));
            }
            Ok(c) => {
                direct.insert(r.key.clone(), c);
            }
            Err(e) => errs.extend(e),
        }
    }
    if !errs.is_empty() {
        return Err(ApiError::Validation(errs));
    }
    let held: HashSet<String> = state.directory.store().held().await?.into_iter().map(|h| h.key).collect();
    if let Some(k) = direct.keys().find(|k| !held.contains(*k)) {
        return Err(ApiError::NotFound(format!("held record '{k}'")));
    }
    Ok(Json(categorise(&state, Vec::new(), direct).await.map_err(failed)?))
}
