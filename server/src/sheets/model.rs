//! What a sheet entry shows, built from a [`Site`] in the family's language. Templates only lay
//! this out; every decision (which text, which language, what a confidential site may show)
//! is made here.

use std::fmt;

use chrono::{DateTime, Datelike, Utc};
use uuid::Uuid;

use crate::domain::{Cost, Hours, LanguageCode, Phone, PhoneType, Site, Weekday};
use crate::i18n::{Dir, Label, Tr};

use super::sms::SmsSite;

/// Partner-written text with the language it is in, so the page can mark it (`lang`, `dir`)
/// for screen readers, fonts and right-to-left layout.
#[derive(Clone, Debug, PartialEq)]
pub struct Text {
    /// The text as the partner wrote it.
    pub text: String,
    /// Its language code; empty when unknown (then `dir` is `auto`).
    pub lang: String,
    /// `ltr`, `rtl` or `auto`.
    pub dir: &'static str,
}

/// Writes the text as HTML: escaped, in a `<span>` carrying its `lang` and `dir`.
impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use askama::filters::{Escaper, Html};
        f.write_str("<span")?;
        if !self.lang.is_empty() {
            f.write_str(" lang=\"")?;
            Html.write_escaped_str(&mut *f, &self.lang)?;
            f.write_str("\"")?;
        }
        write!(f, " dir=\"{}\">", self.dir)?;
        Html.write_escaped_str(&mut *f, &self.text)?;
        f.write_str("</span>")
    }
}

// `Display` escapes the text itself.
impl askama::filters::HtmlSafe for Text {}

impl Text {
    fn new(text: &str, lang: Option<&LanguageCode>) -> Self {
        match lang {
            Some(l) => Self {
                text: text.to_owned(),
                lang: l.to_string(),
                dir: Dir::of_language(l.as_str()).as_str(),
            },
            None => Self { text: text.to_owned(), lang: String::new(), dir: "auto" },
        }
    }
}

/// One phone line.
#[derive(Clone, Debug, PartialEq)]
pub struct PhoneLine {
    /// As people dial it.
    pub number: String,
    /// `tel:` link target: digits and a leading `+` only.
    pub tel: String,
    /// "ext. 12".
    pub extension: Option<Label>,
    /// Call, text, TTY, fax, hotline.
    pub kind: Label,
    /// "in Español, Kreyòl ayisyen".
    pub languages: Option<Label>,
    /// "Intake line".
    pub description: Option<Text>,
}

/// A row of the hours table: days and what happens on them.
#[derive(Clone, Debug, PartialEq)]
pub struct HoursRow {
    /// "Monday – Friday".
    pub days: Label,
    /// "9 AM – 5 PM, 6 PM – 8 PM", or "Closed".
    pub times: Label,
    /// True when closed those days (drawn lighter).
    pub closed: bool,
}

/// One numbered place on a sheet.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// Its number on the sheet and on the map.
    pub number: usize,
    /// Site id.
    pub id: Uuid,
    /// Name.
    pub name: Text,
    /// Categories, translated and joined.
    pub categories: Label,
    /// Service names, translated by the partner where they did.
    pub services: Vec<Text>,
    /// "and 4 more" when a sheet lists only the first services.
    pub more_services: Option<Label>,
    /// The description in the family's language, or the original.
    pub description: Option<Text>,
    /// "Written in English" after the description when it is shown in its original language.
    pub original_note: Option<Label>,
    /// The same note after the details, when the description was translated but details such
    /// as eligibility were not.
    pub details_note: Option<Label>,
    /// Street address lines; empty for a confidential site or when unknown.
    pub address: Vec<String>,
    /// "Call for the location" for a confidential site.
    pub withheld: Option<Label>,
    /// City of a confidential site (never its street or position).
    pub withheld_city: Option<String>,
    /// Why it is not on the map, if it is not.
    pub map_note: Option<Label>,
    /// Distance from the origin, if one was given.
    pub distance: Option<Label>,
    /// Phones.
    pub phones: Vec<PhoneLine>,
    /// "and 2 more" when a sheet lists only the first phone lines.
    pub more_phones: Option<Label>,
    /// Weekly hours; empty when unknown.
    pub hours: Vec<HoursRow>,
    /// "Call for hours" when there is no weekly schedule.
    pub hours_unknown: Option<Label>,
    /// Hours notes.
    pub hours_note: Option<Text>,
    /// Languages spoken, named for the family.
    pub languages: Option<Label>,
    /// Cost.
    pub cost: Label,
    /// Cost details.
    pub cost_note: Option<Text>,
    /// Who can go.
    pub eligibility: Option<Text>,
    /// What to bring.
    pub documents: Vec<Text>,
    /// "and 3 more" when a sheet lists only the first documents.
    pub more_documents: Option<Label>,
    /// Accessibility.
    pub accessibility: Option<Text>,
    /// Walk-in or appointment.
    pub visit: Label,
    /// "No ID needed" / "Bring an ID".
    pub id_note: Option<Label>,
    /// "November 28, 2026" or "Never checked".
    pub verified: Label,
    /// "Not checked recently".
    pub stale: Option<Label>,
    /// The QR code's modules.
    pub qr: Option<super::qr::Qr>,
    /// The public page the QR code points to.
    pub url: String,
    /// What the text message says about this site.
    pub sms: SmsSite,
}

/// Everything an entry needs besides the site.
pub struct Context<'a> {
    /// Labels in the family's language.
    pub tr: Tr<'a>,
    /// The family's language.
    pub lang: &'a str,
    /// Now, for freshness.
    pub now: DateTime<Utc>,
    /// A listing older than this is stale.
    pub stale_after_days: i64,
    /// Show distances in miles (else kilometres).
    pub miles: bool,
    /// Absolute URL of the public site pages, without the id (`https://host/s/`).
    pub site_url_base: Option<String>,
    /// Shorten long partner text (a sheet; the full text is one QR scan away). `false` on a
    /// site's own page.
    pub clip: bool,
}

/// Longest description on a sheet, in characters.
const CLIP_DESCRIPTION: usize = 170;
/// Longest other free-text field on a sheet, in characters.
const CLIP_DETAIL: usize = 110;
/// Most phone lines on a sheet entry (the site's page lists them all).
const MAX_PHONES: usize = 3;
/// Most "what to bring" lines on a sheet entry, and the longest one, in characters.
const MAX_DOCUMENTS: usize = 3;
const CLIP_DOCUMENT: usize = 60;
/// Most service names on a sheet entry, and most characters they may take together.
const MAX_SERVICES: usize = 5;
const CLIP_SERVICES: usize = 130;

/// Removes a leading `ORGANISATION - ` that every service name repeats (directories often write
/// `CAMILLUS HOUSE - SHELTER`, `CAMILLUS HOUSE - MEALS` under the heading `CAMILLUS HOUSE`).
fn strip_common_prefix(names: &mut [Text]) {
    if names.len() < 2 {
        return;
    }
    let first = names[0].text.clone();
    let mut cut = 0;
    for (i, _) in first.match_indices(" - ") {
        let prefix = &first[..i + 3];
        if names.iter().all(|n| n.text.starts_with(prefix) && n.text.len() > prefix.len()) {
            cut = i + 3;
        } else {
            break;
        }
    }
    if cut > 0 {
        for n in names.iter_mut() {
            n.text = n.text[cut..].trim().to_owned();
        }
    }
}

/// `text` on one line (runs of spaces and line breaks become one space), cut at a word
/// boundary to at most `max` characters, ending in `…` when cut.
fn clip(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let head: String = text.chars().take(max.saturating_sub(1)).collect();
    let cut = head.rfind(char::is_whitespace).filter(|i| *i > max / 2).map_or(head.as_str(), |i| &head[..i]);
    format!("{}…", cut.trim_end_matches(|c: char| c.is_whitespace() || c == ',' || c == ';'))
}

/// Consecutive days (first, last) with the same opening spans, in minutes since midnight.
type DayRun = (Weekday, Weekday, Vec<(u16, u16)>);

/// Which time convention a language's sheet uses: 12-hour (`9 AM`) for English, as US families
/// read it; 24-hour (`9:00`, `17:00`) for the others, unambiguous everywhere.
fn twelve_hour(lang: &str) -> bool {
    lang == "en"
}

impl Context<'_> {
    fn join(&self, items: impl IntoIterator<Item = String>) -> String {
        items.into_iter().collect::<Vec<_>>().join(self.tr.separator())
    }

    /// Joins labels, marking the result as a fallback if any part was one.
    fn join_labels(&self, labels: &[Label]) -> Label {
        Label {
            text: self.join(labels.iter().map(|l| l.text.clone())),
            fallback: labels.iter().any(|l| l.fallback),
        }
    }

    /// A date in the family's language: `sheet.date` with `{day}`, `{month}` (a name from
    /// `sheet.month.MM`) and `{year}`.
    pub fn date(&self, date: impl Datelike) -> Label {
        let month = self.tr.t(&format!("sheet.month.{:02}", date.month()));
        let (day, year) = (date.day().to_string(), date.year().to_string());
        let mut label = self.tr.f("sheet.date", &[("day", &day), ("month", &month.text), ("year", &year)]);
        label.fallback |= month.fallback;
        label
    }

    /// A distance for people: one decimal under 10, whole numbers above; a confidential site's
    /// distance (measured to its stand-in) is the whole kilometre the public API shows,
    /// converted if the sheet is in miles, and said to be approximate.
    pub fn distance(&self, metres: f64, confidential: bool) -> Label {
        let metres =
            if confidential { crate::visibility::confidential::shown_distance(metres) } else { metres };
        let value = if self.miles { metres / 1_609.344 } else { metres / 1000.0 };
        let text = if value < 10.0 { format!("{value:.1}") } else { format!("{value:.0}") };
        let label = self.tr.f(if self.miles { "units.mi" } else { "units.km" }, &[("value", &text)]);
        if confidential {
            let mut about = self.tr.f("sheet.distance_about", &[("distance", &label.text)]);
            about.fallback |= label.fallback;
            about
        } else {
            label
        }
    }

    fn clock(&self, minutes: u16, compact: bool) -> String {
        let (h, m) = (minutes / 60 % 24, minutes % 60);
        if twelve_hour(self.lang) {
            let suffix = match (h < 12, compact) {
                (true, false) => " AM",
                (false, false) => " PM",
                (true, true) => "am",
                (false, true) => "pm",
            };
            let h12 = if h % 12 == 0 { 12 } else { h % 12 };
            if m == 0 {
                format!("{h12}{suffix}")
            } else {
                format!("{h12}:{m:02}{suffix}")
            }
        } else if compact && m == 0 {
            format!("{h}")
        } else {
            format!("{h}:{m:02}")
        }
    }

    /// One day's spans as text, or `None` when closed.
    fn spans(&self, spans: &[(u16, u16)], compact: bool) -> Option<Label> {
        if spans.is_empty() {
            return None;
        }
        if spans.iter().any(|&(o, c)| o == c || (o == 0 && c >= 1439)) {
            return Some(self.tr.t("sheet.open_24h"));
        }
        let dash = if compact { "-" } else { "–" };
        let parts =
            spans.iter().map(|&(o, c)| format!("{}{dash}{}", self.clock(o, compact), self.clock(c, compact)));
        Some(Label::plain(if compact { parts.collect::<Vec<_>>().join(", ") } else { self.join(parts) }))
    }

    /// Weekly hours grouped into runs of days with the same spans, Monday first.
    fn hours_groups(&self, hours: &Hours) -> Vec<DayRun> {
        let mut per_day: [Vec<(u16, u16)>; 7] = Default::default();
        for s in &hours.weekly {
            per_day[s.day as usize].push((s.opens.minutes(), s.closes.minutes()));
        }
        let mut groups: Vec<DayRun> = Vec::new();
        for (i, mut spans) in per_day.into_iter().enumerate() {
            spans.sort_unstable();
            spans.dedup();
            let day = Weekday::ALL[i];
            match groups.last_mut() {
                Some(last) if last.2 == spans => last.1 = day,
                _ => groups.push((day, day, spans)),
            }
        }
        groups
    }

    fn day_range(&self, first: Weekday, last: Weekday, short: bool) -> Label {
        let key = |d: Weekday| {
            if short {
                format!("sheet.day_short.{}", d.as_str())
            } else {
                format!("day.{}", d.as_str())
            }
        };
        let a = self.tr.t(&key(first));
        if first == last {
            return a;
        }
        let b = self.tr.t(&key(last));
        if short {
            return Label { text: format!("{}-{}", a.text, b.text), fallback: a.fallback || b.fallback };
        }
        let mut range = self.tr.f("sheet.day_range", &[("first", &a.text), ("last", &b.text)]);
        range.fallback |= a.fallback || b.fallback;
        range
    }

    fn hours_rows(&self, hours: &Hours) -> Vec<HoursRow> {
        self.hours_groups(hours)
            .into_iter()
            .map(|(first, last, spans)| {
                let days = self.day_range(first, last, false);
                match self.spans(&spans, false) {
                    Some(times) => HoursRow { days, times, closed: false },
                    None => HoursRow { days, times: self.tr.t("status.closed"), closed: true },
                }
            })
            .collect()
    }

    /// Hours for a text message: open days only, `Mon-Fri 9am-5pm; Sat 9am-1pm`.
    fn hours_compact(&self, hours: &Hours) -> String {
        self.hours_groups(hours)
            .into_iter()
            .filter_map(|(first, last, spans)| {
                let times = self.spans(&spans, true)?;
                Some(format!("{} {}", self.day_range(first, last, true).text, times.text))
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn phone(&self, p: &Phone) -> PhoneLine {
        let kind = match p.kind {
            PhoneType::Voice => "phone.voice",
            PhoneType::Fax => "phone.fax",
            PhoneType::Text => "phone.text",
            PhoneType::Tty => "phone.tty",
            PhoneType::Hotline => "phone.hotline",
        };
        let languages = (!p.languages.is_empty()).then(|| {
            let names = self.join(p.languages.iter().map(|l| self.tr.language_name(l)));
            self.tr.f("sheet.phone_languages", &[("languages", &names)])
        });
        let tel: String = p.number.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
        PhoneLine {
            number: p.number.clone(),
            tel,
            extension: p.extension.as_ref().map(|x| self.tr.f("sheet.extension", &[("number", x)])),
            kind: self.tr.t(kind),
            languages,
            description: p.description.as_ref().map(|d| Text::new(d, None)),
        }
    }

    fn visit(&self, s: &Site) -> Label {
        match (s.walk_in, s.appointment_required) {
            (Some(true), Some(true)) => self.tr.t("sheet.walk_in_and_appointment"),
            (Some(true), _) => self.tr.t("field.walk_in"),
            (_, Some(true)) => self.tr.t("field.appointment_required"),
            (Some(false), _) => self.tr.t("sheet.no_walk_in"),
            (None, _) => self.tr.t("sheet.visit_unknown"),
        }
    }

    /// Builds entry `number` for `site`, `distance_m` from the origin if one was given.
    pub fn entry(&self, number: usize, site: &Site, distance_m: Option<f64>) -> Entry {
        let lang = LanguageCode::parse(self.lang).ok();
        let original = site.description_lang.or_else(|| LanguageCode::parse("en").ok());
        let in_family_language = original.is_some() && original == lang;
        let mut untranslated = false;

        let limit = |t: &str, max: usize| if self.clip { clip(t, max) } else { t.to_owned() };
        let description =
            match (lang.as_ref().and_then(|l| site.description_translations.get(l)), &site.description) {
                (Some(t), _) => Some(Text::new(&limit(&t.text, CLIP_DESCRIPTION), lang.as_ref())),
                (None, Some(d)) => {
                    untranslated |= !in_family_language;
                    Some(Text::new(&limit(d, CLIP_DESCRIPTION), original.as_ref()))
                }
                (None, None) => None,
            };
        let mut services: Vec<Text> = site
            .services
            .iter()
            // A service named like the site itself tells the family nothing new.
            .filter(|sv| !sv.name.trim().eq_ignore_ascii_case(site.name.trim()))
            .map(|sv| match lang.as_ref().and_then(|l| sv.translations.get(l)) {
                Some(t) => Text::new(&t.name, lang.as_ref()),
                None => {
                    untranslated |= !in_family_language;
                    Text::new(&sv.name, original.as_ref())
                }
            })
            .collect();
        strip_common_prefix(&mut services);
        let mut more_services = None;
        if self.clip {
            let mut budget = CLIP_SERVICES;
            let keep = services
                .iter()
                .take(MAX_SERVICES)
                .take_while(|t| {
                    let n = t.text.chars().count();
                    let fits = n <= budget;
                    budget = budget.saturating_sub(n);
                    fits
                })
                .count()
                .max(1)
                .min(services.len());
            if keep < services.len() {
                let n = (services.len() - keep).to_string();
                more_services = Some(self.tr.f("sheet.and_more", &[("count", &n)]));
                services.truncate(keep);
            }
        }
        // Free-text details have no translations in the data model: shown as written.
        let partner =
            |t: &Option<String>| t.as_deref().map(|t| Text::new(&limit(t, CLIP_DETAIL), original.as_ref()));
        let (eligibility, accessibility, cost_note) =
            (partner(&site.eligibility), partner(&site.accessibility), partner(&site.cost_note));
        let mut documents: Vec<Text> = site
            .required_documents
            .iter()
            .map(|d| Text::new(&limit(d, CLIP_DOCUMENT), original.as_ref()))
            .collect();
        let mut more_documents = None;
        if self.clip && documents.len() > MAX_DOCUMENTS {
            let n = (documents.len() - (MAX_DOCUMENTS - 1)).to_string();
            documents.truncate(MAX_DOCUMENTS - 1);
            more_documents = Some(self.tr.f("sheet.and_more", &[("count", &n)]));
        }
        let hours_note = site.hours.as_ref().and_then(|h| partner(&h.notes));
        let details_untranslated = !in_family_language
            && (eligibility.is_some()
                || accessibility.is_some()
                || cost_note.is_some()
                || hours_note.is_some()
                || !documents.is_empty());
        // One note, where the untranslated text starts: after the description when that is in
        // the original language (it then covers the details too), else after the details.
        let note = || {
            let name = original.as_ref().map(|o| self.tr.language_name(o)).unwrap_or_default();
            self.tr.f("sheet.original_language_note", &[("language", &name)])
        };
        let original_note = (untranslated && original.is_some()).then(note);
        let details_note = (!untranslated && details_untranslated && original.is_some()).then(note);

        let confidential = site.confidential;
        let address = if confidential {
            Vec::new()
        } else {
            let locality = [site.city.as_deref(), site.state.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
            let locality = [Some(locality.as_str()).filter(|l| !l.is_empty()), site.postal_code.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            [site.street.clone(), Some(locality).filter(|l| !l.is_empty())].into_iter().flatten().collect()
        };
        let withheld = confidential.then(|| self.tr.t("status.call_for_location"));
        let map_note = if confidential {
            Some(self.tr.t("sheet.location_by_phone"))
        } else if site.location().is_none() {
            Some(self.tr.t("sheet.not_on_map"))
        } else {
            None
        };

        let (hours, hours_unknown) = match &site.hours {
            Some(h) if !h.weekly.is_empty() => (self.hours_rows(h), None),
            Some(h) if h.notes.is_some() => (Vec::new(), None),
            _ => (Vec::new(), Some(self.tr.t("status.hours_unknown"))),
        };
        let languages = (!site.languages.is_empty())
            .then(|| Label::plain(self.join(site.languages.iter().map(|l| self.tr.language_name(l)))));
        let cost = self.tr.t(match site.cost {
            Some(Cost::Free) => "cost.free",
            Some(Cost::SlidingScale) => "cost.sliding_scale",
            Some(Cost::Fee) => "cost.fee",
            None => "cost.unknown",
        });
        let id_note = match site.no_id_required {
            Some(true) => Some(self.tr.t("field.no_id_required")),
            Some(false) => Some(self.tr.t("sheet.id_needed")),
            None => None,
        };
        let verified = match site.last_verified_at {
            // Recorded as a calendar date (`2026-10-01`, midnight UTC): printed as that date,
            // not shifted into the site's zone.
            Some(t) => self.date(t.date_naive()),
            None => self.tr.t("sheet.never_verified"),
        };
        let stale = crate::catalog::is_stale(site, self.now, self.stale_after_days)
            .then(|| self.tr.t("status.stale"));
        let url = self
            .site_url_base
            .as_ref()
            .map(|b| format!("{b}{}?lang={}", site.id, self.lang))
            .unwrap_or_default();
        let qr = (!url.is_empty()).then(|| super::qr::Qr::encode(&url)).flatten();

        let sms = SmsSite {
            name: site.name.clone(),
            phone: preferred_phone(&site.phones).map(|p| match &p.extension {
                Some(x) => format!("{} x{x}", p.number),
                None => p.number.clone(),
            }),
            withheld: confidential,
            place: if confidential {
                withheld.as_ref().map(|w| w.text.clone())
            } else {
                site.street.clone().map(|s| match &site.city {
                    Some(c) => format!("{s}, {c}"),
                    None => s,
                })
            },
            hours: match &site.hours {
                Some(h) if !h.weekly.is_empty() => Some(self.hours_compact(h)),
                _ => Some(self.tr.t("status.hours_unknown").text),
            },
        };

        Entry {
            number,
            id: site.id,
            name: Text::new(&site.name, None),
            categories: self.join_labels(
                &site.categories.iter().map(|c| self.tr.t(&format!("category.{c}"))).collect::<Vec<_>>(),
            ),
            services,
            more_services,
            description,
            original_note,
            details_note,
            address,
            withheld,
            withheld_city: if confidential { site.city.clone() } else { None },
            map_note,
            distance: distance_m.map(|d| self.distance(d, confidential)),
            phones: site
                .phones
                .iter()
                .take(if self.clip { MAX_PHONES } else { usize::MAX })
                .map(|p| self.phone(p))
                .collect(),
            more_phones: (self.clip && site.phones.len() > MAX_PHONES).then(|| {
                let n = (site.phones.len() - MAX_PHONES).to_string();
                self.tr.f("sheet.and_more", &[("count", &n)])
            }),
            hours,
            hours_unknown,
            hours_note,
            languages,
            cost,
            cost_note,
            eligibility,
            documents,
            more_documents,
            accessibility,
            visit: self.visit(site),
            id_note,
            verified,
            stale,
            qr,
            url,
            sms,
        }
    }
}

/// The line a family should call first: a voice line, else a hotline, else a text line, else
/// whatever there is (never a fax when anything else exists).
fn preferred_phone(phones: &[Phone]) -> Option<&Phone> {
    [PhoneType::Voice, PhoneType::Hotline, PhoneType::Text, PhoneType::Tty, PhoneType::Fax]
        .iter()
        .find_map(|kind| phones.iter().find(|p| p.kind == *kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_every_service_repeats_is_dropped() {
        let mut names: Vec<Text> = ["CAMILLUS HOUSE - SHELTER", "CAMILLUS HOUSE - MEALS - HOT"]
            .iter()
            .map(|n| Text::new(n, None))
            .collect();
        strip_common_prefix(&mut names);
        assert_eq!(names.iter().map(|t| t.text.as_str()).collect::<Vec<_>>(), ["SHELTER", "MEALS - HOT"]);
        let mut different: Vec<Text> = ["A - x", "B - y"].iter().map(|n| Text::new(n, None)).collect();
        strip_common_prefix(&mut different);
        assert_eq!(different[0].text, "A - x");
    }

    #[test]
    fn long_text_is_clipped_at_a_word() {
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("two\n\nlines  here", 40), "two lines here");
        assert_eq!(clip("one two three four five", 12), "one two…");
        assert_eq!(clip("abcdefghijklmnopqrstuvwxyz", 10), "abcdefghi…");
        assert!(clip(&"palabra ".repeat(100), 420).chars().count() <= 420);
    }

    #[test]
    fn partner_text_is_escaped_and_carries_its_language() {
        let t = Text::new("<img src=x onerror=alert(1)>", LanguageCode::parse("ar").ok().as_ref());
        assert_eq!(t.to_string(), r#"<span lang="ar" dir="rtl">&#60;img src=x onerror=alert(1)&#62;</span>"#);
        assert_eq!(Text::new("x", None).to_string(), r#"<span dir="auto">x</span>"#);
    }
}
