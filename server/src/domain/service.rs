//! Services under sites, as Open Referral HSDS 3.0 models them: a site (HSDS `location`)
//! offers services (HSDS `service` + `service_at_location`), each with its own categories,
//! languages, cost, hours, eligibility, what to bring, walk-in / no-ID answers, status and
//! last-verified date.
//!
//! A service's field left empty falls back to its site's value ([`Resolved`]): a source that
//! describes only the site still describes each of its services, and a source that describes
//! each service is never overridden by the site. Where neither says, the answer is
//! [`Known::Unknown`] — never "no".

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Category, Cost, Hours, LanguageCode, OpenAt, Site};

/// A translated service name and description.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceTranslation {
    /// The service's name in this language.
    pub name: String,
    /// Its description in this language.
    #[serde(default)]
    pub description: Option<String>,
    /// True once a person has reviewed it.
    #[serde(default)]
    pub reviewed: bool,
}

/// Whether a service is running (HSDS `service.status`; `defunct` is read as inactive).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceStatus {
    /// Running.
    #[default]
    Active,
    /// Paused for now (closed for renovation, no volunteers this month): shown as such, left
    /// out of searches unless asked for.
    TemporarilyClosed,
    /// Not running; never found by a search.
    Inactive,
}

impl ServiceStatus {
    /// The API's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::TemporarilyClosed => "temporarily_closed",
            Self::Inactive => "inactive",
        }
    }

    /// Reads HSDS's and our spellings (`temporarily closed`, `temporarily_closed`, `defunct`).
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().replace([' ', '-'], "_").as_str() {
            "active" => Some(Self::Active),
            "temporarily_closed" => Some(Self::TemporarilyClosed),
            "inactive" | "defunct" => Some(Self::Inactive),
            _ => None,
        }
    }
}

fn is_active(s: &ServiceStatus) -> bool {
    *s == ServiceStatus::Active
}

/// A service offered at a site ("Asylum applications", "Walk-in dental care"). Every field
/// after `translations` is optional: empty (or absent) means "as the site says".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Short name.
    pub name: String,
    /// What it is, in the site's description language.
    #[serde(default)]
    pub description: Option<String>,
    /// Human translations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub translations: BTreeMap<LanguageCode, ServiceTranslation>,
    /// Its taxonomy categories (empty: the site's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<Category>,
    /// Languages this service is given in (empty: the site's and its phone lines').
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<LanguageCode>,
    /// What it costs (absent: the site's cost).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<Cost>,
    /// Cost details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_note: Option<String>,
    /// Its own weekly hours (absent: the site's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<Arc<Hours>>,
    /// Who can use it (absent: the site's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligibility: Option<String>,
    /// What to bring (empty: the site's list).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_documents: Vec<String>,
    /// Accepts walk-ins (absent: the site's answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub walk_in: Option<bool>,
    /// Needs an appointment (absent: the site's answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment_required: Option<bool>,
    /// Serves people without an ID (absent: the site's answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_id_required: Option<bool>,
    /// Active, temporarily closed or inactive.
    #[serde(default, skip_serializing_if = "is_active")]
    pub status: ServiceStatus,
    /// When a person last confirmed this service's details (absent: the site's date).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "super::timestamp::serialize_option"
    )]
    pub last_verified_at: Option<DateTime<Utc>>,
}

impl Service {
    /// True when the service gives only a name and a description (everything else as the
    /// site says): it is then written as `{"name", "description"}`.
    pub fn is_plain(&self) -> bool {
        self.translations.is_empty()
            && self.categories.is_empty()
            && self.languages.is_empty()
            && self.cost.is_none()
            && self.cost_note.is_none()
            && self.hours.is_none()
            && self.eligibility.is_none()
            && self.required_documents.is_empty()
            && self.walk_in.is_none()
            && self.appointment_required.is_none()
            && self.no_id_required.is_none()
            && self.status == ServiceStatus::Active
            && self.last_verified_at.is_none()
    }

    /// A service with a name and nothing else (every other field as the site says).
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            description: None,
            translations: BTreeMap::new(),
            categories: Vec::new(),
            languages: Vec::new(),
            cost: None,
            cost_note: None,
            hours: None,
            eligibility: None,
            required_documents: Vec::new(),
            walk_in: None,
            appointment_required: None,
            no_id_required: None,
            status: ServiceStatus::Active,
            last_verified_at: None,
        }
    }
}

/// An answer that may not be known: the source said yes, said no, or said nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Known {
    /// The source says so.
    Yes,
    /// The source says not.
    No,
    /// The source does not say. Never read as "no".
    Unknown,
}

impl Known {
    /// From an optional answer.
    pub fn of(v: Option<bool>) -> Self {
        match v {
            Some(true) => Self::Yes,
            Some(false) => Self::No,
            None => Self::Unknown,
        }
    }

    /// The API's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Yes => "yes",
            Self::No => "no",
            Self::Unknown => "unknown",
        }
    }
}

/// A service with the site's values filled in where it gives none. A site without services is
/// offered as one implicit service: the site itself.
#[derive(Clone, Copy, Debug)]
pub struct Resolved<'a> {
    /// The site.
    pub site: &'a Site,
    /// The service (`None`: the site's implicit one).
    pub service: Option<&'a Service>,
    /// Its position in the site's list (0 for the implicit one).
    pub index: usize,
}

impl<'a> Resolved<'a> {
    /// Its name (the site's name for the implicit service).
    pub fn name(&self) -> &'a str {
        self.service.map_or(&self.site.name, |s| &s.name)
    }

    /// Its description.
    pub fn description(&self) -> Option<&'a str> {
        self.service.and_then(|s| s.description.as_deref()).or(self.site.description.as_deref())
    }

    /// Its categories.
    pub fn categories(&self) -> &'a [Category] {
        match self.service {
            Some(s) if !s.categories.is_empty() => &s.categories,
            _ => &self.site.categories,
        }
    }

    /// Whether it gives its own languages (else the site's and its phone lines' count).
    fn own_languages(&self) -> Option<&'a [LanguageCode]> {
        self.service.map(|s| s.languages.as_slice()).filter(|l| !l.is_empty())
    }

    /// Every language a family can be helped in by this service.
    pub fn languages(&self) -> Vec<LanguageCode> {
        let mut out: Vec<LanguageCode> = match self.own_languages() {
            Some(own) => own.to_vec(),
            None => self.site.all_languages().copied().collect(),
        };
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Its cost.
    pub fn cost(&self) -> Option<Cost> {
        self.service.and_then(|s| s.cost).or(self.site.cost)
    }

    /// Cost details.
    pub fn cost_note(&self) -> Option<&'a str> {
        self.service.and_then(|s| s.cost_note.as_deref()).or(self.site.cost_note.as_deref())
    }

    /// Whether it is free: yes, no (a fee or sliding scale), or unknown (no cost given).
    pub fn free(&self) -> Known {
        Known::of(self.cost().map(|c| c == Cost::Free))
    }

    /// Its weekly hours.
    pub fn hours(&self) -> Option<&'a Arc<Hours>> {
        self.service.and_then(|s| s.hours.as_ref()).or(self.site.hours.as_ref())
    }

    /// Whether it is open at `at`: unknown when no hours are given.
    pub fn open_at(&self, at: &OpenAt) -> Known {
        Known::of(self.hours().map(|h| h.is_open(at)))
    }

    /// Eligibility.
    pub fn eligibility(&self) -> Option<&'a str> {
        self.service.and_then(|s| s.eligibility.as_deref()).or(self.site.eligibility.as_deref())
    }

    /// What to bring.
    pub fn required_documents(&self) -> &'a [String] {
        match self.service {
            Some(s) if !s.required_documents.is_empty() => &s.required_documents,
            _ => &self.site.required_documents,
        }
    }

    /// Accepts walk-ins.
    pub fn walk_in(&self) -> Known {
        Known::of(self.service.and_then(|s| s.walk_in).or(self.site.walk_in))
    }

    /// Needs an appointment.
    pub fn appointment_required(&self) -> Known {
        Known::of(self.service.and_then(|s| s.appointment_required).or(self.site.appointment_required))
    }

    /// Serves people without an ID.
    pub fn no_id(&self) -> Known {
        Known::of(self.service.and_then(|s| s.no_id_required).or(self.site.no_id_required))
    }

    /// Active, temporarily closed or inactive.
    pub fn status(&self) -> ServiceStatus {
        self.service.map_or(ServiceStatus::Active, |s| s.status)
    }

    /// When a person last confirmed it.
    pub fn last_verified_at(&self) -> Option<DateTime<Utc>> {
        self.service.and_then(|s| s.last_verified_at).or(self.site.last_verified_at)
    }
}

impl Site {
    /// The site's services with its values filled in; a site without services offers one
    /// implicit service, itself.
    pub fn resolved_services(&self) -> impl Iterator<Item = Resolved<'_>> + '_ {
        let implicit = self.services.is_empty().then_some(Resolved { site: self, service: None, index: 0 });
        self.services
            .iter()
            .enumerate()
            .map(move |(index, s)| Resolved { site: self, service: Some(s), index })
            .chain(implicit)
    }

    /// Every category the site or any of its services is filed under, the site's first.
    pub fn all_categories(&self) -> Vec<Category> {
        let mut out = self.categories.clone();
        for s in &self.services {
            for c in &s.categories {
                if !out.contains(c) {
                    out.push(c.clone());
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_hsds_spellings() {
        assert_eq!(ServiceStatus::parse("temporarily closed"), Some(ServiceStatus::TemporarilyClosed));
        assert_eq!(ServiceStatus::parse("Temporarily_Closed"), Some(ServiceStatus::TemporarilyClosed));
        assert_eq!(ServiceStatus::parse("defunct"), Some(ServiceStatus::Inactive));
        assert_eq!(ServiceStatus::parse("open"), None);
    }

    #[test]
    fn an_old_service_document_still_reads_and_writes_the_same() {
        let old = serde_json::json!({"name": "Asylum", "description": null});
        let s: Service = serde_json::from_value(old.clone()).unwrap();
        assert_eq!(s, Service::named("Asylum"));
        assert_eq!(serde_json::to_value(&s).unwrap(), old);
    }
}
