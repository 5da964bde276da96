//! Partners (organisations) and their sites (physical locations), aligned with Open Referral
//! HSDS 3.0: `organization` ≈ [`Partner`], `location` + `service_at_location` ≈ [`Site`].

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Category, FieldError, Hours, LanguageCode, LonLat};

/// Longest name, in characters.
const MAX_NAME: usize = 300;
/// Longest free text (descriptions, eligibility), in characters.
const MAX_TEXT: usize = 20_000;
/// Most entries in any list (phones, services, languages, documents).
const MAX_LIST: usize = 100;

/// A human translation of a text into one language, and whether a person has reviewed it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Translation {
    /// The translated text.
    pub text: String,
    /// True once a person fluent in the language has checked it. Drafts stay `false`.
    #[serde(default)]
    pub reviewed: bool,
}

/// Translations keyed by language code (`{"es": {"text": "...", "reviewed": true}}`).
pub type Translations = BTreeMap<LanguageCode, Translation>;

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

/// A service offered at a site ("Asylum applications", "Walk-in dental care").
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
}

/// What a phone line is for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneType {
    /// An ordinary voice line.
    #[default]
    Voice,
    /// Fax.
    Fax,
    /// Accepts text messages.
    Text,
    /// TTY / TDD for deaf callers.
    Tty,
    /// A hotline (often 24 hours).
    Hotline,
}

impl PhoneType {
    /// The name as the API writes it (`voice`, `fax`, `text`, `tty`, `hotline`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Voice => "voice",
            Self::Fax => "fax",
            Self::Text => "text",
            Self::Tty => "tty",
            Self::Hotline => "hotline",
        }
    }
}

/// A phone line and the languages spoken on it (HSDS `phone.languages`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phone {
    /// The number as people dial it.
    pub number: String,
    /// Voice, fax, text, TTY, hotline.
    #[serde(rename = "type", default)]
    pub kind: PhoneType,
    /// Extension, if any.
    #[serde(default)]
    pub extension: Option<String>,
    /// Languages spoken by whoever answers this line.
    #[serde(default)]
    pub languages: Vec<LanguageCode>,
    /// "Intake line", "After hours".
    #[serde(default)]
    pub description: Option<String>,
}

/// What a service costs the family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cost {
    /// No charge.
    Free,
    /// Charges depend on income.
    SlidingScale,
    /// A fee.
    Fee,
}

impl Cost {
    /// Every cost, cheapest first.
    pub const ALL: [Cost; 3] = [Self::Free, Self::SlidingScale, Self::Fee];

    /// The API's (and the database's) spelling: `free`, `sliding_scale`, `fee`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::SlidingScale => "sliding_scale",
            Self::Fee => "fee",
        }
    }
}

/// Street address of a site, as written on an envelope.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Address {
    /// Street and number.
    pub street: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State or province (two-letter in the US).
    pub state: Option<String>,
    /// Postal (ZIP) code.
    pub postal_code: Option<String>,
}

/// Whether a partner's listings are public.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartnerStatus {
    /// Public.
    #[default]
    Active,
    /// No longer operating or not listed.
    Inactive,
    /// Waiting for an admin's approval; not public.
    Pending,
}

impl PartnerStatus {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
            Self::Pending => "pending",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "active" => Some(Self::Active),
            "inactive" => Some(Self::Inactive),
            "pending" => Some(Self::Pending),
            _ => None,
        }
    }
}

/// A partner organisation (HSDS `organization`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Partner {
    /// Stable UUID.
    pub id: Uuid,
    /// Identifier in the system it was imported from, for idempotent re-imports.
    pub source_id: Option<String>,
    /// Name.
    pub name: String,
    /// What the organisation does.
    pub description: Option<String>,
    /// Language the description is written in.
    pub description_lang: Option<LanguageCode>,
    /// Human translations of the description.
    #[serde(default)]
    pub description_translations: Translations,
    /// Website (http or https).
    pub website: Option<String>,
    /// Public contact email.
    pub email: Option<String>,
    /// Active, inactive or pending.
    pub status: PartnerStatus,
    /// When the record was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Incremented on every change; edits name the version they started from.
    pub version: i64,
}

/// A partner as clients send it (POST, or PATCH after merging onto the current record).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerInput {
    /// Optional client-chosen id (UUID) on create.
    #[serde(default)]
    pub id: Option<Uuid>,
    /// Identifier in the source system.
    #[serde(default)]
    pub source_id: Option<String>,
    /// Required.
    #[serde(default)]
    pub name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Language of the description.
    #[serde(default)]
    pub description_lang: Option<LanguageCode>,
    /// Translations of the description.
    #[serde(default)]
    pub description_translations: Translations,
    /// Website.
    #[serde(default)]
    pub website: Option<String>,
    /// Contact email.
    #[serde(default)]
    pub email: Option<String>,
    /// Defaults to active.
    #[serde(default)]
    pub status: Option<PartnerStatus>,
    /// Ignored on input (read-only), accepted so a GET body can be PUT back.
    #[serde(default, skip_serializing)]
    pub created_at: Option<serde_json::Value>,
    /// Ignored on input (read-only).
    #[serde(default, skip_serializing)]
    pub updated_at: Option<serde_json::Value>,
    /// Ignored on input (read-only).
    #[serde(default, skip_serializing)]
    pub version: Option<serde_json::Value>,
}

/// A physical location of a partner where families get help (HSDS `location` with its
/// `service_at_location` details folded in).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Site {
    /// Stable UUID.
    pub id: Uuid,
    /// The partner that runs it.
    pub partner_id: Uuid,
    /// Identifier in the source system, for idempotent re-imports.
    pub source_id: Option<String>,
    /// Name.
    pub name: String,
    /// What they help with.
    pub description: Option<String>,
    /// Language of `description`.
    pub description_lang: Option<LanguageCode>,
    /// Human translations of the description.
    pub description_translations: Translations,
    /// Street and number.
    pub street: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State.
    pub state: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Longitude, WGS84 degrees; `None` for a site that is listed but not mapped.
    pub lon: Option<f64>,
    /// Latitude, WGS84 degrees.
    pub lat: Option<f64>,
    /// Phone lines with their languages.
    pub phones: Vec<Phone>,
    /// Weekly hours in the site's zone (shared with the spatial index's filter attributes).
    pub hours: Option<Arc<Hours>>,
    /// Languages spoken at the site.
    pub languages: Vec<LanguageCode>,
    /// Taxonomy categories.
    pub categories: Vec<Category>,
    /// Services offered.
    pub services: Vec<Service>,
    /// Free, sliding scale or fee.
    pub cost: Option<Cost>,
    /// Details of the cost.
    pub cost_note: Option<String>,
    /// Who can use it (never immigration status questions).
    pub eligibility: Option<String>,
    /// "What to bring".
    pub required_documents: Vec<String>,
    /// Physical accessibility.
    pub accessibility: Option<String>,
    /// Accepts walk-ins.
    pub walk_in: Option<bool>,
    /// Requires an appointment.
    pub appointment_required: Option<bool>,
    /// Serves people without an ID.
    pub no_id_required: Option<bool>,
    /// A confidential site (e.g. a shelter): its location never leaves the server. Public
    /// answers measure it from its stand-in (see [`crate::visibility::confidential`]).
    pub confidential: bool,
    /// For a confidential site whose ZIP code itself would say too much (a small area, one
    /// shelter): the public is not told the ZIP, and the stand-in is the centre of the site's
    /// H3 resolution-7 cell instead of its ZIP area's internal point.
    #[serde(default)]
    pub withhold_zip: bool,
    /// When a person last confirmed the listing is accurate.
    #[serde(serialize_with = "super::timestamp::serialize_option")]
    pub last_verified_at: Option<DateTime<Utc>>,
    /// When the record was created.
    #[serde(serialize_with = "super::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(serialize_with = "super::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
    /// Incremented on every change.
    pub version: i64,
}

impl Site {
    /// The site's position, if it is mapped.
    pub fn location(&self) -> Option<LonLat> {
        LonLat::new(self.lon?, self.lat?).ok()
    }

    /// Every language a family can be helped in here: the site's own and every phone line's.
    pub fn all_languages(&self) -> impl Iterator<Item = &LanguageCode> {
        self.languages.iter().chain(self.phones.iter().flat_map(|p| p.languages.iter()))
    }
}

/// A site as clients send it (POST, a CSV row, a GeoJSON feature, or PATCH merged onto the
/// current record). Unknown fields are refused so a typo never silently drops data.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteInput {
    /// Optional client-chosen id (UUID) on create.
    #[serde(default)]
    pub id: Option<Uuid>,
    /// The partner that runs it (required through the API).
    #[serde(default)]
    pub partner_id: Option<Uuid>,
    /// Identifier in the source system.
    #[serde(default)]
    pub source_id: Option<String>,
    /// Required.
    #[serde(default)]
    pub name: Option<String>,
    /// What they help with.
    #[serde(default)]
    pub description: Option<String>,
    /// Language of the description; defaults to `en`.
    #[serde(default)]
    pub description_lang: Option<LanguageCode>,
    /// Human translations of the description.
    #[serde(default)]
    pub description_translations: Translations,
    /// Street and number.
    #[serde(default)]
    pub street: Option<String>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// State.
    #[serde(default)]
    pub state: Option<String>,
    /// Postal code.
    #[serde(default)]
    pub postal_code: Option<String>,
    /// Longitude in WGS84 degrees, [-180, 180].
    #[serde(default)]
    pub lon: Option<f64>,
    /// Latitude in WGS84 degrees, [-90, 90].
    #[serde(default)]
    pub lat: Option<f64>,
    /// Phone lines.
    #[serde(default)]
    pub phones: Vec<Phone>,
    /// Weekly hours.
    #[serde(default)]
    pub hours: Option<Hours>,
    /// Languages spoken.
    #[serde(default)]
    pub languages: Vec<LanguageCode>,
    /// At least one known category.
    #[serde(default)]
    pub categories: Vec<Category>,
    /// Services offered.
    #[serde(default)]
    pub services: Vec<Service>,
    /// Cost.
    #[serde(default)]
    pub cost: Option<Cost>,
    /// Cost details.
    #[serde(default)]
    pub cost_note: Option<String>,
    /// Eligibility.
    #[serde(default)]
    pub eligibility: Option<String>,
    /// What to bring.
    #[serde(default)]
    pub required_documents: Vec<String>,
    /// Accessibility.
    #[serde(default)]
    pub accessibility: Option<String>,
    /// Accepts walk-ins.
    #[serde(default)]
    pub walk_in: Option<bool>,
    /// Requires an appointment.
    #[serde(default)]
    pub appointment_required: Option<bool>,
    /// Serves people without an ID.
    #[serde(default)]
    pub no_id_required: Option<bool>,
    /// Confidential location.
    #[serde(default)]
    pub confidential: bool,
    /// A confidential site's ZIP code is withheld from the public too.
    #[serde(default)]
    pub withhold_zip: bool,
    /// Last human verification.
    #[serde(default)]
    pub last_verified_at: Option<DateTime<Utc>>,
    /// Read-only fields a client may echo back from a GET; ignored.
    #[serde(default, skip_serializing)]
    pub created_at: Option<serde_json::Value>,
    /// Read-only; ignored.
    #[serde(default, skip_serializing)]
    pub updated_at: Option<serde_json::Value>,
    /// Read-only; ignored.
    #[serde(default, skip_serializing)]
    pub version: Option<serde_json::Value>,
}

/// The outcome of validating an input: the record, or every problem found (not just the first).
pub type Validated<T> = Result<T, Vec<FieldError>>;

/// Collects field problems while validating.
#[derive(Default)]
struct Problems(Vec<FieldError>);

impl Problems {
    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// Trims; empty becomes `None`; refuses text over `max` characters.
    fn text(&mut self, field: &str, value: Option<String>, max: usize) -> Option<String> {
        let v = value.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())?;
        if v.chars().count() > max {
            self.add(field, format!("is longer than {max} characters"));
        }
        if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
            self.add(field, "contains control characters");
        }
        Some(v)
    }

    fn list_len(&mut self, field: &str, len: usize) {
        if len > MAX_LIST {
            self.add(field, format!("has {len} entries; at most {MAX_LIST} are allowed"));
        }
    }

    fn translations(&mut self, field: &str, t: &Translations) {
        self.list_len(field, t.len());
        for (lang, tr) in t {
            if tr.text.trim().is_empty() {
                self.add(format!("{field}.{lang}.text"), "must not be empty");
            }
            if tr.text.chars().count() > MAX_TEXT {
                self.add(format!("{field}.{lang}.text"), format!("is longer than {MAX_TEXT} characters"));
            }
        }
    }

    fn finish<T>(self, value: T) -> Validated<T> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.0)
        }
    }
}

fn check_website(p: &mut Problems, website: &Option<String>) {
    if let Some(w) = website {
        let lower = w.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) || w.contains(char::is_whitespace)
        {
            p.add("website", "must be an http:// or https:// address");
        }
    }
}

fn check_email(p: &mut Problems, email: &Option<String>) {
    if let Some(e) = email {
        let ok = e.split_once('@').is_some_and(|(a, b)| !a.is_empty() && b.contains('.'))
            && !e.contains(char::is_whitespace);
        if !ok {
            p.add("email", "is not an email address");
        }
    }
}

impl PartnerInput {
    /// Validates into a partner record with the given identity and timestamps.
    pub fn validate(self, id: Uuid, now: DateTime<Utc>, previous: Option<&Partner>) -> Validated<Partner> {
        // Stored timestamps keep microseconds; truncate so memory and database agree.
        let now = now.trunc_subsecs(6);
        let mut p = Problems::default();
        let name = p.text("name", self.name, MAX_NAME);
        if name.is_none() {
            p.add("name", "is required");
        }
        let description = p.text("description", self.description, MAX_TEXT);
        let website = p.text("website", self.website, 2_000);
        check_website(&mut p, &website);
        let email = p.text("email", self.email, 320);
        check_email(&mut p, &email);
        p.translations("description_translations", &self.description_translations);
        let partner = Partner {
            id,
            source_id: p.text("source_id", self.source_id, 300),
            name: name.unwrap_or_default(),
            description_lang: self.description_lang.or_else(|| description.as_ref().map(|_| english())),
            description,
            description_translations: self.description_translations,
            website,
            email,
            status: self.status.unwrap_or(previous.map_or(PartnerStatus::Active, |x| x.status)),
            created_at: previous.map_or(now, |x| x.created_at),
            updated_at: now,
            version: previous.map_or(1, |x| x.version + 1),
        };
        p.finish(partner)
    }
}

impl From<&Partner> for PartnerInput {
    fn from(x: &Partner) -> Self {
        Self {
            id: Some(x.id),
            source_id: x.source_id.clone(),
            name: Some(x.name.clone()),
            description: x.description.clone(),
            description_lang: x.description_lang,
            description_translations: x.description_translations.clone(),
            website: x.website.clone(),
            email: x.email.clone(),
            status: Some(x.status),
            ..Self::default()
        }
    }
}

/// Removes repeats, keeping the first of each in its place.
fn dedup<T: PartialEq>(items: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for x in items {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}

fn english() -> LanguageCode {
    LanguageCode::from_ascii("en")
}

impl SiteInput {
    /// Validates into a site record. `known_category` says whether a slug is in the taxonomy;
    /// `partner_id` is the partner the site will belong to. Every problem is reported, each
    /// naming its field.
    pub fn validate(
        self,
        id: Uuid,
        partner_id: Uuid,
        now: DateTime<Utc>,
        previous: Option<&Site>,
        known_category: &dyn Fn(&Category) -> bool,
    ) -> Validated<Site> {
        let now = now.trunc_subsecs(6);
        let mut p = Problems::default();
        let name = p.text("name", self.name, MAX_NAME);
        if name.is_none() {
            p.add("name", "is required");
        }
        let (lon, lat) = match (self.lon, self.lat) {
            (Some(lon), Some(lat)) => match LonLat::new(lon, lat) {
                Ok(ll) => (Some(ll.lon()), Some(ll.lat())),
                Err(e) => {
                    p.0.push(e);
                    (None, None)
                }
            },
            (None, None) => (None, None),
            (Some(_), None) => {
                p.add("lat", "is required when lon is given");
                (None, None)
            }
            (None, Some(_)) => {
                p.add("lon", "is required when lat is given");
                (None, None)
            }
        };
        if self.categories.is_empty() {
            p.add("categories", "needs at least one category");
        }
        for (i, c) in self.categories.iter().enumerate() {
            if !known_category(c) {
                p.add(format!("categories[{i}]"), format!("'{c}' is not a known category"));
            }
        }
        // Deduplicated in the order given: the first category is the site's main one.
        let categories = dedup(self.categories);
        let languages = dedup(self.languages);
        p.list_len("categories", categories.len());
        p.list_len("languages", languages.len());
        p.list_len("phones", self.phones.len());
        p.list_len("services", self.services.len());
        p.list_len("required_documents", self.required_documents.len());
        for (i, ph) in self.phones.iter().enumerate() {
            let digits = ph.number.chars().filter(char::is_ascii_digit).count();
            if digits < 3 || ph.number.chars().count() > 40 {
                p.add(format!("phones[{i}].number"), "is not a phone number");
            }
            p.list_len(&format!("phones[{i}].languages"), ph.languages.len());
        }
        for (i, s) in self.services.iter().enumerate() {
            if s.name.trim().is_empty() || s.name.chars().count() > MAX_NAME {
                p.add(format!("services[{i}].name"), "must be 1 to 300 characters");
            }
            if s.description.as_ref().is_some_and(|d| d.chars().count() > MAX_TEXT) {
                p.add(format!("services[{i}].description"), format!("is longer than {MAX_TEXT} characters"));
            }
        }
        if let Some(h) = &self.hours {
            if h.weekly.len() > 50 {
                p.add("hours.weekly", "has more than 50 spans");
            }
        }
        let required_documents: Vec<String> = self
            .required_documents
            .into_iter()
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty())
            .collect();
        if required_documents.iter().any(|d| d.chars().count() > 1_000) {
            p.add("required_documents", "has an entry longer than 1000 characters");
        }
        p.translations("description_translations", &self.description_translations);
        if let Some(t) = self.last_verified_at {
            if t > now + chrono::Duration::days(1) {
                p.add("last_verified_at", "is in the future");
            }
        }
        let description = p.text("description", self.description, MAX_TEXT);
        let site = Site {
            id,
            partner_id,
            source_id: p.text("source_id", self.source_id, 300),
            name: name.unwrap_or_default(),
            description_lang: self.description_lang.or_else(|| description.as_ref().map(|_| english())),
            description,
            description_translations: self.description_translations,
            street: p.text("street", self.street, 300),
            city: p.text("city", self.city, 120),
            state: p.text("state", self.state, 60),
            postal_code: p.text("postal_code", self.postal_code, 20),
            lon,
            lat,
            phones: self.phones,
            hours: self.hours.map(Arc::new),
            languages,
            categories,
            services: self.services,
            cost: self.cost,
            cost_note: p.text("cost_note", self.cost_note, 2_000),
            eligibility: p.text("eligibility", self.eligibility, MAX_TEXT),
            required_documents,
            accessibility: p.text("accessibility", self.accessibility, MAX_TEXT),
            walk_in: self.walk_in,
            appointment_required: self.appointment_required,
            no_id_required: self.no_id_required,
            confidential: self.confidential,
            withhold_zip: self.withhold_zip,
            last_verified_at: self.last_verified_at,
            created_at: previous.map_or(now, |x| x.created_at),
            updated_at: now,
            version: previous.map_or(1, |x| x.version + 1),
        };
        p.finish(site)
    }
}

impl From<&Site> for SiteInput {
    fn from(s: &Site) -> Self {
        Self {
            id: Some(s.id),
            partner_id: Some(s.partner_id),
            source_id: s.source_id.clone(),
            name: Some(s.name.clone()),
            description: s.description.clone(),
            description_lang: s.description_lang,
            description_translations: s.description_translations.clone(),
            street: s.street.clone(),
            city: s.city.clone(),
            state: s.state.clone(),
            postal_code: s.postal_code.clone(),
            lon: s.lon,
            lat: s.lat,
            phones: s.phones.clone(),
            hours: s.hours.as_deref().cloned(),
            languages: s.languages.clone(),
            categories: s.categories.clone(),
            services: s.services.clone(),
            cost: s.cost,
            cost_note: s.cost_note.clone(),
            eligibility: s.eligibility.clone(),
            required_documents: s.required_documents.clone(),
            accessibility: s.accessibility.clone(),
            walk_in: s.walk_in,
            appointment_required: s.appointment_required,
            no_id_required: s.no_id_required,
            confidential: s.confidential,
            withhold_zip: s.withhold_zip,
            last_verified_at: s.last_verified_at,
            ..Self::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(c: &Category) -> bool {
        ["legal", "health"].contains(&c.as_str())
    }

    fn input(json: serde_json::Value) -> SiteInput {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_valid_site_passes_and_is_normalised() {
        let s = input(serde_json::json!({
            "name": "  Clinic ", "lon": -80.2, "lat": 25.8, "categories": ["legal", "legal"],
            "languages": ["es", "ht", "es"], "phones": [{"number": "305-555-0100", "languages": ["ht"]}]
        }))
        .validate(Uuid::nil(), Uuid::nil(), Utc::now(), None, &known)
        .unwrap();
        assert_eq!(s.name, "Clinic");
        assert_eq!(s.categories.len(), 1);
        assert_eq!(s.languages.len(), 2);
        assert_eq!(s.version, 1);
    }

    #[test]
    fn every_problem_is_named() {
        let errs = input(serde_json::json!({"lon": 10.0, "lat": 95.0, "categories": ["food"]}))
            .validate(Uuid::nil(), Uuid::nil(), Utc::now(), None, &known)
            .unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "lat", "categories[0]"]);
    }

    #[test]
    fn unknown_fields_and_bad_codes_are_refused_by_the_parser() {
        assert!(serde_json::from_value::<SiteInput>(serde_json::json!({"nmae": "x"})).is_err());
        assert!(serde_json::from_value::<SiteInput>(serde_json::json!({"languages": ["xx"]})).is_err());
    }
}
