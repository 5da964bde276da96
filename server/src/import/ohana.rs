//! The Ohana API CSV layout (Code for America's `ohana-api`, `data/sample-csv/`): a folder of
//! CSVs, one per table, joined by integer ids.
//!
//! | file | used for |
//! |---|---|
//! | `organizations.csv` (required) | the partner: `id`, `name`, `description`, `email`, `website` |
//! | `locations.csv` (required) | one site per row: `name`, `description` (else `short_desc`), `latitude`, `longitude`, `languages`, `accessibility`, `website` |
//! | `addresses.csv` | the street address (`address_1`, `address_2`, `city`, `state_province`, `postal_code`) |
//! | `services.csv` | the site's services (`name`, `description`), categories (`taxonomy_ids`, `keywords`, through the category mapping), `languages`, `fees`, `eligibility`, `required_documents`; `status` other than `active` leaves a service out |
//! | `phones.csv` | phone lines of a location or of its services (`number`, `number_type`, `extension`, `department`); a contact's own line is left out |
//! | `regular_schedules.csv` | weekly hours (`weekday`, `opens_at`, `closes_at`; `9am`, `4:00 PM` and `17:00` all read) |
//! | `holiday_schedules.csv` | written into the hours' notes ("Closed January 1"; year 0001 means every year, as in Ohana) |
//! | `taxonomy.csv` | the names of the `taxonomy_ids`, for the mapping's `taxonomy_name` rules |
//!
//! `contacts.csv` (staff names), `mail_addresses.csv` (postal only) and `programs.csv` are not
//! imported. Ids become source ids `ohana:org:<id>` and `ohana:location:<id>`, so re-importing
//! updates. The time zone of the hours is the one of the address's state (a stated table,
//! [`state_zone`]); Ohana has none. A location none of whose active services maps to one of our
//! categories is left out and listed (`skipped`, with the reason); a language name that is not
//! recognised is left out and listed among the warnings.
//!
//! Errors (which stop `--commit`) are what would put a site in the wrong place or attach data to
//! the wrong record: missing files or columns, duplicate or unknown ids, coordinates that are not
//! numbers. A value that cannot be read in a detail table (a phone "n/a", a time "teatime", a
//! website "call us") is left out with a warning naming file, row and field, so one such cell
//! does not keep a whole 211 export out.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::NaiveDate;
use chrono_tz::Tz;

use super::mapping::Names;
use super::{file_err, ImportError, Options, Parsed, PartnerRef, Record, RowProblem, Rows, Skipped};
use crate::domain::{
    ClockTime, FieldError, Hours, LanguageCode, Phone, PhoneType, Service, SiteInput, Span, Weekday,
};

/// The category mapping a folder of Ohana CSVs is read with unless another is given (in the
/// data folder's `mappings/`).
pub const DEFAULT_MAPPING: &str = "ohana-open-eligibility-categories.csv";

/// Source-id prefixes of Ohana records.
const ORG_PREFIX: &str = "ohana:org:";
const LOCATION_PREFIX: &str = "ohana:location:";

/// One CSV table of the folder.
struct Table {
    file: String,
    index: HashMap<String, usize>,
    rows: Vec<(usize, csv::StringRecord)>,
}

impl Table {
    fn read(
        file: String,
        text: &str,
        required: &[&str],
        errors: &mut Vec<RowProblem>,
    ) -> Result<Self, ImportError> {
        let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
        let headers = rdr.headers().map_err(|e| file_err(&file, format!("header: {e}")))?.clone();
        let index: HashMap<String, usize> =
            headers.iter().enumerate().map(|(i, h)| (h.trim().to_ascii_lowercase(), i)).collect();
        let missing: Vec<&str> = required.iter().copied().filter(|c| !index.contains_key(*c)).collect();
        if !missing.is_empty() {
            return Err(file_err(&file, format!("is missing the column(s) {}", missing.join(", "))));
        }
        let mut rows = Vec::new();
        for (i, rec) in rdr.records().enumerate() {
            match rec {
                Ok(r) => rows.push((i + 2, r)),
                Err(e) => errors.push(RowProblem::new(&file, i + 2, FieldError::new("row", e.to_string()))),
            }
        }
        Ok(Self { file, index, rows })
    }

    fn get<'a>(&self, rec: &'a csv::StringRecord, col: &str) -> &'a str {
        self.index.get(col).and_then(|i| rec.get(*i)).map_or("", str::trim)
    }

    fn opt(&self, rec: &csv::StringRecord, col: &str) -> Option<String> {
        Some(self.get(rec, col).to_owned()).filter(|s| !s.is_empty())
    }
}

/// Reads a folder of Ohana CSVs.
pub fn parse_dir(dir: &Path, opts: &Options) -> Result<Parsed, ImportError> {
    let name = dir.display().to_string();
    let mut files = BTreeMap::new();
    let entries = std::fs::read_dir(dir).map_err(|e| file_err(&name, format!("cannot be read: {e}")))?;
    for entry in entries {
        let entry = entry.map_err(|e| file_err(&name, format!("cannot be read: {e}")))?;
        let path = entry.path();
        let file_name = entry.file_name().to_string_lossy().to_ascii_lowercase();
        if path.is_file() && file_name.ends_with(".csv") {
            let bytes = std::fs::read(&path)
                .map_err(|e| file_err(&path.display().to_string(), format!("cannot be read: {e}")))?;
            files.insert(file_name, bytes);
        }
    }
    parse_files(&name, &files, opts)
}

/// Parses the files of an Ohana folder (names lower-case, e.g. `locations.csv`) held in memory.
/// `root` names the folder in messages.
pub fn parse_files(
    root: &str,
    files: &BTreeMap<String, Vec<u8>>,
    opts: &Options,
) -> Result<Parsed, ImportError> {
    let path = |f: &str| format!("{}/{f}", root.trim_end_matches('/'));
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut table = |f: &str, required: &[&str], needed: bool| -> Result<Option<Table>, ImportError> {
        let Some(bytes) = files.get(f) else {
            if needed {
                return Err(file_err(
                    &path(f),
                    "is missing: an Ohana folder has at least organizations.csv and locations.csv",
                ));
            }
            return Ok(None);
        };
        let text = super::text(&path(f), bytes, opts.encoding)?;
        Table::read(path(f), &text, required, &mut errors).map(Some)
    };
    let orgs = table("organizations.csv", &["id", "name"], true)?.expect("required");
    let locations = table("locations.csv", &["id", "organization_id", "name"], true)?.expect("required");
    let addresses = table("addresses.csv", &["location_id"], false)?;
    let services = table("services.csv", &["id", "location_id", "name"], false)?;
    let phones = table("phones.csv", &["number"], false)?;
    let schedules = table("regular_schedules.csv", &["weekday", "opens_at", "closes_at"], false)?;
    let holidays = table("holiday_schedules.csv", &["start_date", "end_date", "closed"], false)?;
    let taxonomy = table("taxonomy.csv", &["taxonomy_id", "name"], false)?;

    let mapping = opts.mapping.as_ref();
    let term_names: HashMap<String, String> = taxonomy
        .iter()
        .flat_map(|t| {
            t.rows.iter().map(move |(_, r)| (t.get(r, "taxonomy_id").to_owned(), t.get(r, "name").to_owned()))
        })
        .collect();

    // Organizations by id.
    let mut org_by_id: HashMap<&str, PartnerRef> = HashMap::new();
    for (row, r) in &orgs.rows {
        let id = orgs.get(r, "id");
        if id.is_empty() {
            errors.push(RowProblem::new(&orgs.file, *row, FieldError::new("id", "is empty")));
            continue;
        }
        let partner = PartnerRef {
            id: None,
            source_id: Some(format!("{ORG_PREFIX}{id}")),
            name: orgs.opt(r, "name"),
            website: website(orgs.opt(r, "website"), &orgs.file, *row, &mut warnings),
            email: email(orgs.opt(r, "email"), &orgs.file, *row, &mut warnings),
            description: orgs.opt(r, "description"),
        };
        if org_by_id.insert(id, partner).is_some() {
            errors.push(RowProblem::new(
                &orgs.file,
                *row,
                FieldError::new("id", format!("'{id}' appears twice")),
            ));
        }
    }

    // Locations by id, and each one's pieces.
    let mut sites: BTreeMap<usize, Site> = BTreeMap::new();
    let mut loc_by_id: HashMap<String, usize> = HashMap::new();
    for (row, r) in &locations.rows {
        let id = locations.get(r, "id");
        if id.is_empty() {
            errors.push(RowProblem::new(&locations.file, *row, FieldError::new("id", "is empty")));
            continue;
        }
        if loc_by_id.insert(id.to_owned(), *row).is_some() {
            errors.push(RowProblem::new(
                &locations.file,
                *row,
                FieldError::new("id", format!("'{id}' appears twice")),
            ));
            continue;
        }
        let org_id = locations.get(r, "organization_id");
        let Some(partner) = org_by_id.get(org_id) else {
            errors.push(RowProblem::new(
                &locations.file,
                *row,
                FieldError::new("organization_id", format!("'{org_id}' is not an id in organizations.csv")),
            ));
            continue;
        };
        let mut site = Site { partner: partner.clone(), ..Site::default() };
        let input = &mut site.input;
        input.source_id = Some(format!("{LOCATION_PREFIX}{id}"));
        input.name = locations.opt(r, "name");
        input.description = locations.opt(r, "description").or_else(|| locations.opt(r, "short_desc"));
        let number = |col: &str| -> Result<Option<f64>, FieldError> {
            let v = locations.get(r, col);
            if v.is_empty() {
                return Ok(None);
            }
            v.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .map(Some)
                .ok_or_else(|| FieldError::new(col, format!("'{v}' is not a number")))
        };
        match (number("longitude"), number("latitude")) {
            (Ok(lon), Ok(lat)) => {
                input.lon = lon;
                input.lat = lat;
            }
            (Err(e), _) | (_, Err(e)) => {
                errors.push(RowProblem::new(&locations.file, *row, e));
                continue;
            }
        }
        site.languages_text.push((locations.file.clone(), *row, locations.get(r, "languages").to_owned()));
        input.accessibility = accessibility(locations.get(r, "accessibility"));
        site.org_name = partner.name.clone().unwrap_or_default();
        sites.insert(*row, site);
    }
    let site_of = |t: &Table, r: &csv::StringRecord, errors: &mut Vec<RowProblem>, row: usize| {
        lookup(&loc_by_id, t, r, row, "location_id", "locations.csv", errors)
    };

    if let Some(t) = &addresses {
        for (row, r) in &t.rows {
            let Some(loc) = site_of(t, r, &mut errors, *row) else { continue };
            let Some(site) = sites.get_mut(&loc) else { continue };
            if site.input.street.is_some() || site.input.city.is_some() {
                warnings.push(RowProblem::new(
                    &t.file,
                    *row,
                    FieldError::new(
                        "location_id",
                        "a second address of the same location: only the first is kept",
                    ),
                ));
                continue;
            }
            let street = [t.get(r, "address_1"), t.get(r, "address_2")]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            site.input.street = Some(street).filter(|s| !s.is_empty());
            site.input.city = t.opt(r, "city");
            site.input.state = t.opt(r, "state_province");
            site.input.postal_code = t.opt(r, "postal_code");
        }
    }

    // Services: which location each belongs to, and what they bring to the site.
    let mut service_site: HashMap<String, usize> = HashMap::new();
    if let Some(t) = &services {
        for (row, r) in &t.rows {
            let Some(loc) = site_of(t, r, &mut errors, *row) else {
                if t.get(r, "location_id").is_empty() {
                    errors.push(RowProblem::new(&t.file, *row, FieldError::new("location_id", "is empty")));
                }
                continue;
            };
            let status = t.get(r, "status").to_ascii_lowercase();
            service_site.insert(t.get(r, "id").to_owned(), loc);
            let Some(site) = sites.get_mut(&loc) else { continue };
            if !(status.is_empty() || status == "active") {
                continue;
            }
            let name = t.get(r, "name");
            site.input
                .services
                .push(Service { description: t.opt(r, "description"), ..Service::named(name) });
            site.service_names.insert(t.get(r, "id").to_owned(), name.to_owned());
            site.codes.extend(list(t.get(r, "taxonomy_ids")).map(str::to_owned));
            site.terms.extend(list(t.get(r, "keywords")).map(str::to_owned));
            site.languages_text.push((t.file.clone(), *row, t.get(r, "languages").to_owned()));
            push_text(&mut site.fees, t.get(r, "fees"));
            push_text(&mut site.eligibility, t.get(r, "eligibility"));
            for doc in list(t.get(r, "required_documents")) {
                if !site.input.required_documents.iter().any(|d| d == doc) {
                    site.input.required_documents.push(doc.to_owned());
                }
            }
            let process = t.get(r, "application_process").to_ascii_lowercase();
            if process.contains("walk in") || process.contains("walk-in") {
                site.input.walk_in = Some(!(process.contains("no walk") || process.contains("not walk")));
            }
        }
    }
    // The site a phone or schedule row belongs to: its location's, or its service's location's.
    let owner = |t: &Table,
                 r: &csv::StringRecord,
                 row: usize,
                 errors: &mut Vec<RowProblem>|
     -> Option<(usize, Option<String>)> {
        if !t.get(r, "location_id").is_empty() {
            return site_of(t, r, errors, row).map(|l| (l, None));
        }
        let sid = t.get(r, "service_id");
        if sid.is_empty() {
            return None;
        }
        lookup(&service_site, t, r, row, "service_id", "services.csv", errors)
            .map(|l| (l, Some(sid.to_owned())))
    };

    if let Some(t) = &phones {
        for (row, r) in &t.rows {
            if !t.get(r, "contact_id").is_empty() {
                continue; // a staff member's own line
            }
            let Some((loc, _)) = owner(t, r, *row, &mut errors) else { continue };
            let number = t.get(r, "number");
            if number.chars().filter(char::is_ascii_digit).count() < 3 || number.chars().count() > 40 {
                warnings.push(RowProblem::new(
                    &t.file,
                    *row,
                    FieldError::new("number", format!("'{number}' is not a phone number: line left out")),
                ));
                continue;
            }
            let kind = match t.get(r, "number_type").to_ascii_lowercase().as_str() {
                "" | "voice" => PhoneType::Voice,
                "fax" => PhoneType::Fax,
                "tty" => PhoneType::Tty,
                "sms" | "text" => PhoneType::Text,
                "hotline" => PhoneType::Hotline,
                other => {
                    warnings.push(RowProblem::new(
                        &t.file,
                        *row,
                        FieldError::new(
                            "number_type",
                            format!("'{other}' is not voice, fax, tty, sms or hotline: read as voice"),
                        ),
                    ));
                    PhoneType::Voice
                }
            };
            let Some(site) = sites.get_mut(&loc) else { continue };
            let phone = Phone {
                number: number.to_owned(),
                kind,
                extension: t.opt(r, "extension"),
                languages: Vec::new(),
                description: t.opt(r, "department"),
            };
            if !site.input.phones.contains(&phone) && site.input.phones.len() < 20 {
                site.input.phones.push(phone);
            }
        }
    }

    if let Some(t) = &schedules {
        for (row, r) in &t.rows {
            let Some((loc, service)) = owner(t, r, *row, &mut errors) else { continue };
            let day = t.get(r, "weekday");
            let Some(day) = weekday(day) else {
                warnings.push(RowProblem::new(
                    &t.file,
                    *row,
                    FieldError::new("weekday", format!("'{day}' is not a day of the week: span left out")),
                ));
                continue;
            };
            let mut span = |col: &str| -> Option<ClockTime> {
                let v = t.get(r, col);
                match clock(v) {
                    Some(c) => Some(c),
                    None => {
                        warnings.push(RowProblem::new(
                            &t.file,
                            *row,
                            FieldError::new(
                                col,
                                format!("'{v}' is not a time of day (17:00, 5pm, 5:00 PM): span left out"),
                            ),
                        ));
                        None
                    }
                }
            };
            let (Some(opens), Some(closes)) = (span("opens_at"), span("closes_at")) else { continue };
            let Some(site) = sites.get_mut(&loc) else { continue };
            match service {
                None => site.weekly.push(Span { day, opens, closes }),
                Some(sid) => site.service_hours.entry(sid).or_default().push(Span { day, opens, closes }),
            }
        }
    }

    if let Some(t) = &holidays {
        for (row, r) in &t.rows {
            let Some((loc, service)) = owner(t, r, *row, &mut errors) else { continue };
            let Some(site) = sites.get_mut(&loc) else { continue };
            let closed =
                matches!(t.get(r, "closed").to_ascii_lowercase().as_str(), "true" | "t" | "yes" | "1");
            let when = holiday_span(t.get(r, "start_date"), t.get(r, "end_date"));
            let what = if closed {
                format!("Closed {when}")
            } else {
                let hours = match (clock(t.get(r, "opens_at")), clock(t.get(r, "closes_at"))) {
                    (Some(o), Some(c)) => format!("{o}–{c}"),
                    _ => format!("{}–{}", t.get(r, "opens_at"), t.get(r, "closes_at")),
                };
                format!("{when}: open {hours}")
            };
            let prefix = service.and_then(|s| site.service_names.get(&s).cloned());
            site.notes.push(match prefix {
                Some(p) => format!("{p}: {what}"),
                None => what,
            });
        }
    }

    // Assemble the records.
    let mut rows: Rows = Vec::with_capacity(sites.len());
    let mut skipped = Vec::new();
    for (row, mut site) in sites {
        let name = site.input.name.clone().unwrap_or_default();
        let mut languages = Vec::new();
        for (file, lrow, text) in &site.languages_text {
            for raw in list(text) {
                match language(raw) {
                    Some(code) => {
                        if !languages.contains(&code) {
                            languages.push(code);
                        }
                    }
                    None => warnings.push(RowProblem::new(
                        file,
                        *lrow,
                        FieldError::new(
                            "languages",
                            format!("'{raw}' is not a language name assetmap knows: left out"),
                        ),
                    )),
                }
            }
        }
        site.input.languages = languages;
        let terms: Vec<&str> = site
            .terms
            .iter()
            .map(String::as_str)
            .chain(site.codes.iter().filter_map(|c| term_names.get(c).map(String::as_str)))
            .collect();
        let names = Names { name: &name, organization_name: &site.org_name, taxonomy_names: &terms };
        site.input.categories = mapping.map(|m| m.categories(&site.codes, &names)).unwrap_or_default();
        if site.input.categories.is_empty() {
            skipped.push(Skipped {
                row,
                name,
                reason: if mapping.is_none() {
                    "no category mapping was given (--mapping)".to_owned()
                } else {
                    "no active service maps to one of our categories".to_owned()
                },
            });
            continue;
        }
        if let Some(fees) = site.fees.take() {
            let lower = fees.to_ascii_lowercase();
            if lower.starts_with("none")
                || lower.starts_with("free")
                || lower.starts_with("no fee")
                || lower.starts_with("no charge")
            {
                site.input.cost = Some(crate::domain::Cost::Free);
            }
            site.input.cost_note = Some(fees);
        }
        site.input.eligibility = site.eligibility.take();
        let zone = site.input.state.as_deref().and_then(state_zone);
        let mut notes = Vec::new();
        for (sid, spans) in &site.service_hours {
            let label = site.service_names.get(sid).cloned().unwrap_or_else(|| format!("service {sid}"));
            let text: Vec<String> =
                spans.iter().map(|s| format!("{} {}–{}", s.day.as_str(), s.opens, s.closes)).collect();
            notes.push(format!("{label}: {}", text.join(", ")));
        }
        if site.weekly.is_empty() && site.service_hours.len() == 1 {
            // One service with hours and none for the place: the place keeps the service's.
            site.weekly = site.service_hours.values().next().cloned().unwrap_or_default();
            notes.clear();
        }
        notes.append(&mut site.notes);
        if !site.weekly.is_empty() || !notes.is_empty() {
            if zone.is_none() {
                warnings.push(RowProblem::new(
                    &locations.file,
                    row,
                    FieldError::new(
                        "hours",
                        "no US state in its address to take a time zone from: hours read as America/New_York",
                    ),
                ));
            }
            site.input.hours = Some(Hours {
                timezone: zone.unwrap_or(chrono_tz::America::New_York),
                weekly: std::mem::take(&mut site.weekly),
                notes: Some(notes.join("; ")).filter(|n| !n.is_empty()),
            });
        }
        rows.push((row, Ok(Record { row, partner: site.partner, site: site.input, terms: None })));
    }
    Ok(Parsed { file: locations.file.clone(), format: "ohana", rows, skipped, errors, warnings })
}

/// The record a reference column (`location_id`, `service_id`) names, by the ids of `of`; a
/// value that names nothing is a problem of its row, an empty one names nothing.
fn lookup<V: Copy>(
    ids: &HashMap<String, V>,
    t: &Table,
    r: &csv::StringRecord,
    row: usize,
    col: &str,
    of: &str,
    errors: &mut Vec<RowProblem>,
) -> Option<V> {
    let id = t.get(r, col);
    if id.is_empty() {
        return None;
    }
    let found = ids.get(id).copied();
    if found.is_none() {
        errors.push(RowProblem::new(
            &t.file,
            row,
            FieldError::new(col, format!("'{id}' is not an id in {of}")),
        ));
    }
    found
}

/// A location as it is assembled from the tables.
#[derive(Default)]
struct Site {
    partner: PartnerRef,
    org_name: String,
    input: SiteInput,
    /// (file, row, text) of every languages cell, to report names not recognised.
    languages_text: Vec<(String, usize, String)>,
    codes: Vec<String>,
    terms: Vec<String>,
    fees: Option<String>,
    eligibility: Option<String>,
    weekly: Vec<Span>,
    service_hours: BTreeMap<String, Vec<Span>>,
    service_names: HashMap<String, String>,
    notes: Vec<String>,
}

/// Appends a service's text to the site's, once.
fn push_text(into: &mut Option<String>, text: &str) {
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    match into {
        Some(t) if t.contains(text) => {}
        Some(t) => {
            t.push_str(" / ");
            t.push_str(text);
        }
        None => *into = Some(text.to_owned()),
    }
}

/// Ohana's weekday: a name (`Monday`, `Mon`) or ISO 8601's number (1 = Monday … 7 = Sunday).
fn weekday(raw: &str) -> Option<Weekday> {
    match raw.trim().parse::<usize>() {
        Ok(n @ 1..=7) => Some(Weekday::ALL[n - 1]),
        Ok(_) => None,
        Err(_) => Weekday::parse(raw).filter(|_| raw.trim().len() >= 2),
    }
}

/// An organization's website: `www.example.org` gets `http://`; what is still not an address
/// is left out with a warning (it is not worth refusing the whole import for).
fn website(raw: Option<String>, file: &str, row: usize, warnings: &mut Vec<RowProblem>) -> Option<String> {
    let w = raw?;
    let lower = w.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Some(w);
    }
    if w.contains('.') && !w.contains(char::is_whitespace) && !w.contains('@') {
        return Some(format!("http://{w}"));
    }
    warnings.push(RowProblem::new(
        file,
        row,
        FieldError::new("website", format!("'{w}' is not a web address: left out")),
    ));
    None
}

/// An organization's email, or a warning and nothing.
fn email(raw: Option<String>, file: &str, row: usize, warnings: &mut Vec<RowProblem>) -> Option<String> {
    let e = raw?;
    let ok = e.split_once('@').is_some_and(|(a, b)| !a.is_empty() && b.contains('.'))
        && !e.contains(char::is_whitespace);
    if ok {
        return Some(e);
    }
    warnings.push(RowProblem::new(
        file,
        row,
        FieldError::new("email", format!("'{e}' is not an email address: left out")),
    ));
    None
}

/// A comma-separated Ohana list.
fn list(text: &str) -> impl Iterator<Item = &str> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// Ohana's accessibility values in words.
fn accessibility(text: &str) -> Option<String> {
    let words: Vec<String> = list(text)
        .map(|v| match v {
            "cd" => "Information on CD".to_owned(),
            "deaf_interpreter" => "Interpreter for deaf people".to_owned(),
            "disabled_parking" => "Disabled parking".to_owned(),
            "elevator" => "Elevator".to_owned(),
            "ramp" => "Ramp".to_owned(),
            "restroom" => "Accessible restroom".to_owned(),
            "tape_braille" => "Information on tape or in Braille".to_owned(),
            "tty" => "TTY".to_owned(),
            "wheelchair" => "Wheelchair accessible".to_owned(),
            "wheelchair_van" => "Wheelchair van".to_owned(),
            other => other.replace('_', " "),
        })
        .collect();
    Some(words.join("; ")).filter(|s| !s.is_empty())
}

/// A language named in English ("Spanish", "Chinese (Cantonese)", "Farsi") → its code.
pub fn language(name: &str) -> Option<LanguageCode> {
    let lower = name.trim().to_ascii_lowercase();
    // Names that are not ISO 639's English names, or that name a variety in parentheses.
    let alias = match lower.as_str() {
        "chinese (mandarin)" | "mandarin" | "chinese" => Some("zh"),
        "chinese (cantonese)" | "cantonese" => Some("yue"),
        "taiwanese" | "chinese (taiwanese)" => Some("nan"),
        "farsi" | "persian" => Some("fa"),
        "tagalog" | "filipino" => Some("tl"),
        "haitian creole" | "creole" | "kreyol" => Some("ht"),
        "asl" | "american sign language" => Some("ase"),
        _ => None,
    };
    if let Some(code) = alias {
        return LanguageCode::parse(code).ok();
    }
    // ISO 639's English names are capitalised ("Spanish", "Haitian").
    let capitalised = |s: &str| -> String {
        let mut c = s.chars();
        c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
    };
    let base = lower.split('(').next().unwrap_or("").trim().to_owned();
    let lang = isolang::Language::from_name(&capitalised(&lower))
        .or_else(|| isolang::Language::from_name(&capitalised(&base)))?;
    LanguageCode::parse(lang.to_639_1().unwrap_or_else(|| lang.to_639_3())).ok()
}

/// A time of day as Ohana files write it: `08:00`, `8:00`, `17:00:00`, `9am`, `4:00 PM`, `3 p.m.`.
pub fn clock(raw: &str) -> Option<ClockTime> {
    let s = raw.trim().to_ascii_lowercase().replace('.', "");
    match s.as_str() {
        "noon" | "12 noon" | "12:00 noon" => return ClockTime::parse("12:00").ok(),
        "midnight" | "12 midnight" => return ClockTime::parse("00:00").ok(),
        _ => {}
    }
    let (body, pm) = if let Some(b) = s.strip_suffix("pm") {
        (b.trim(), Some(true))
    } else if let Some(b) = s.strip_suffix("am") {
        (b.trim(), Some(false))
    } else {
        (s.as_str(), None)
    };
    let (h, m) = match body.split_once(':') {
        Some((h, rest)) => (h.parse::<u16>().ok()?, rest.get(..2)?.parse::<u16>().ok()?),
        None => (body.parse::<u16>().ok()?, 0),
    };
    let h = match pm {
        Some(true) if (1..12).contains(&h) => h + 12,
        Some(false) if h == 12 => 0,
        Some(_) if !(1..=12).contains(&h) => return None,
        _ => h,
    };
    ClockTime::parse(&format!("{h:02}:{m:02}")).ok()
}

/// A holiday date: `(text, every year)`. Year 0001 is Ohana's "every year".
fn holiday_date(raw: &str) -> (String, bool) {
    let raw = raw.trim();
    let slash = if raw.rsplit('/').next().is_some_and(|y| y.len() == 2) { "%m/%d/%y" } else { "%m/%d/%Y" };
    for fmt in ["%B %d, %Y", slash, "%Y-%m-%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(raw, fmt) {
            return if chrono::Datelike::year(&d) <= 1 {
                (d.format("%B %-d").to_string(), true)
            } else {
                (d.format("%B %-d, %Y").to_string(), false)
            };
        }
    }
    (raw.to_owned(), false)
}

/// A holiday's dates in words ("January 1 (every year)", "June 1 to September 1 (every year)").
fn holiday_span(start: &str, end: &str) -> String {
    let ((from, yearly), (to, _)) = (holiday_date(start), holiday_date(end));
    let when = if from == to || to.is_empty() { from } else { format!("{from} to {to}") };
    if yearly {
        format!("{when} (every year)")
    } else {
        when
    }
}

/// The IANA zone of most of a US state's people (two-letter code or name); `None` if unknown.
/// States split between zones get the zone of their larger part (Florida: New York).
pub fn state_zone(state: &str) -> Option<Tz> {
    use chrono_tz::America as A;
    use chrono_tz::Pacific as P;
    let s = state.trim().to_ascii_uppercase();
    let zone = match s.as_str() {
        "CT" | "DE" | "DC" | "FL" | "GA" | "ME" | "MD" | "MA" | "NH" | "NJ" | "NY" | "NC" | "OH" | "PA"
        | "RI" | "SC" | "VT" | "VA" | "WV" | "MI" | "CONNECTICUT" | "DELAWARE" | "FLORIDA" | "GEORGIA"
        | "MAINE" | "MARYLAND" | "MASSACHUSETTS" | "NEW HAMPSHIRE" | "NEW JERSEY" | "NEW YORK"
        | "NORTH CAROLINA" | "OHIO" | "PENNSYLVANIA" | "RHODE ISLAND" | "SOUTH CAROLINA" | "VERMONT"
        | "VIRGINIA" | "WEST VIRGINIA" | "MICHIGAN" => A::New_York,
        "IN" | "INDIANA" => A::Indiana::Indianapolis,
        "KY" | "KENTUCKY" => A::Kentucky::Louisville,
        "AL" | "AR" | "IL" | "IA" | "KS" | "LA" | "MN" | "MS" | "MO" | "NE" | "ND" | "OK" | "SD" | "TN"
        | "TX" | "WI" | "ALABAMA" | "ARKANSAS" | "ILLINOIS" | "IOWA" | "KANSAS" | "LOUISIANA"
        | "MINNESOTA" | "MISSISSIPPI" | "MISSOURI" | "NEBRASKA" | "NORTH DAKOTA" | "OKLAHOMA"
        | "SOUTH DAKOTA" | "TENNESSEE" | "TEXAS" | "WISCONSIN" => A::Chicago,
        "CO" | "ID" | "MT" | "NM" | "UT" | "WY" | "COLORADO" | "IDAHO" | "MONTANA" | "NEW MEXICO"
        | "UTAH" | "WYOMING" => A::Denver,
        "AZ" | "ARIZONA" => A::Phoenix,
        "CA" | "NV" | "OR" | "WA" | "CALIFORNIA" | "NEVADA" | "OREGON" | "WASHINGTON" => A::Los_Angeles,
        "AK" | "ALASKA" => A::Anchorage,
        "HI" | "HAWAII" => P::Honolulu,
        "PR" | "PUERTO RICO" => A::Puerto_Rico,
        _ => return None,
    };
    Some(zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ohana_times_and_languages_read() {
        let t = |s: &str| clock(s).map(|c| c.to_string());
        assert_eq!(t("08:00").as_deref(), Some("08:00"));
        assert_eq!(t("9am").as_deref(), Some("09:00"));
        assert_eq!(t("4:00 PM").as_deref(), Some("16:00"));
        assert_eq!(t("3pm").as_deref(), Some("15:00"));
        assert_eq!(t("12 a.m.").as_deref(), Some("00:00"));
        assert_eq!(t("12:30pm").as_deref(), Some("12:30"));
        assert_eq!(t("17:00:00").as_deref(), Some("17:00"));
        assert_eq!(t("13pm"), None);
        assert_eq!(t("noon").as_deref(), Some("12:00"));
        assert_eq!(t("teatime"), None);
        assert_eq!(weekday("1"), Some(Weekday::Mon));
        assert_eq!(weekday("7"), Some(Weekday::Sun));
        assert_eq!(weekday("Tuesday"), Some(Weekday::Tue));
        assert_eq!(weekday("8"), None);
        let mut w = Vec::new();
        assert_eq!(
            website(Some("www.example.org".into()), "f", 2, &mut w).as_deref(),
            Some("http://www.example.org")
        );
        assert_eq!(website(Some("call us".into()), "f", 2, &mut w), None);
        assert_eq!(email(Some("info at example".into()), "f", 2, &mut w), None);
        assert_eq!(w.len(), 2);
        let l = |s: &str| language(s).map(|c| c.to_string());
        assert_eq!(l("Spanish").as_deref(), Some("es"));
        assert_eq!(l("Chinese (Cantonese)").as_deref(), Some("yue"));
        assert_eq!(l("Chinese (Mandarin)").as_deref(), Some("zh"));
        assert_eq!(l("Tagalog").as_deref(), Some("tl"));
        assert_eq!(l("Russian").as_deref(), Some("ru"));
        assert_eq!(l("Klingonese"), None);
        assert_eq!(holiday_span("January 01, 0001", "January 01, 0001"), "January 1 (every year)");
        assert_eq!(holiday_span("June 01, 0001", "September 01, 0001"), "June 1 to September 1 (every year)");
        assert_eq!(holiday_span("12/24/2015", "12/24/15"), "December 24, 2015");
        assert_eq!(state_zone("CA"), Some(chrono_tz::America::Los_Angeles));
    }
}
