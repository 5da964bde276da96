//! Imported records that wait for an admin: the "needs a category" list and the mappings from a
//! source's taxonomy terms to our categories that admins make from it.
//!
//! A service whose taxonomy terms map to none of our categories is not refused and not
//! published: it is *held* (kept whole, with the terms it came with) until an admin says which
//! of our categories a term means. That answer is a [`TermMapping`], stored and applied to every
//! later import, so each term is decided once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Category;

/// One taxonomy term as a source gave it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    /// The taxonomy's name as the source wrote it (`AIRS`, `Open Eligibility`, ...); may be empty.
    #[serde(default)]
    pub taxonomy: String,
    /// The term's code (`BD-1800.2000`, `102-01`); may be empty.
    #[serde(default)]
    pub code: String,
    /// The term's name (`Food Pantries`); may be empty.
    #[serde(default)]
    pub name: String,
}

impl Term {
    /// What a mapping is keyed by: the code if there is one, else the name, trimmed and
    /// lower-cased (so `Food` and `food ` are one term). `None` for a term with neither.
    pub fn key(&self) -> Option<String> {
        let code = self.code.trim();
        let k = if code.is_empty() { self.name.trim() } else { code };
        (!k.is_empty()).then(|| k.to_lowercase())
    }
}

/// A record kept out of the directory until an admin categorises it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HeldRecord {
    /// Stable key: the site's source id (`hsds:location:...`), so a re-import replaces it.
    pub key: String,
    /// The site's name, for the list.
    pub name: String,
    /// The file it came from.
    pub file: String,
    /// Its taxonomy terms (none of which maps yet).
    pub terms: Vec<Term>,
    /// The import row, whole (`{"partner": {...}, "site": {...}}`), to be imported once
    /// categorised.
    pub record: Value,
    /// When it was (last) held.
    #[serde(serialize_with = "super::timestamp::serialize")]
    pub held_at: DateTime<Utc>,
}

/// An admin's answer for one term: which of our categories it means (possibly none: "not one
/// of ours", which releases nothing but stops asking).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermMapping {
    /// [`Term::key`].
    pub term: String,
    /// The term's name as first seen, for people.
    pub label: String,
    /// Our categories.
    pub categories: Vec<Category>,
    /// When it was decided.
    #[serde(serialize_with = "super::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
}

/// A write to the held list or the term mappings, carried in a batch with the import it
/// belongs to.
#[derive(Clone, Debug, PartialEq)]
pub enum HeldChange {
    /// Keeps (or replaces, by key) a record.
    Hold(HeldRecord),
    /// Takes records off the list (they were imported, or deleted).
    Release(Vec<String>),
    /// Records (or replaces) an admin's mapping of a term.
    MapTerm(TermMapping),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_term_is_keyed_by_its_code_else_its_name() {
        let t =
            |code: &str, name: &str| Term { taxonomy: String::new(), code: code.into(), name: name.into() };
        assert_eq!(t("BD-1800", "Food").key().as_deref(), Some("bd-1800"));
        assert_eq!(t(" ", " Food Pantry ").key().as_deref(), Some("food pantry"));
        assert_eq!(t("", "").key(), None);
    }
}
