//! Open Referral HSDS tabular data packages: a folder with `datapackage.json` and one CSV per
//! table.
//!
//! * **HSDS 3.0** (what `assetmap export --format hsds-csv` writes: `services.csv`,
//!   `service_at_location.csv`, `addresses.csv`, …): the tables are nested back into HSDS 3.0
//!   service objects and read as [`super::hsds_json`] reads them.
//! * **HSDS 1.x** (`services_at_location.csv`, `physical_addresses.csv`, `regular_schedules.csv`,
//!   as in the 2019 211 Miami export): one site per `locations.csv` row (the row numbers of the
//!   report are its lines), with the service joined by `services_at_location.csv` and the
//!   organization found by walking `services.organization_id` up to a row of
//!   `organizations.csv` (that export nests programmes under providers). Text is repaired as
//!   `data/build.py` does: the export went UTF-8 → CP437, so `’` reads `GÇÖ` and `ñ` reads
//!   `+¦`; literal `\n` escapes and `###MON###` markers are cleaned. Categories come from the
//!   taxonomy codes and names through a mapping file (`--mapping`); a row to which no category
//!   maps is left out and listed. Languages are read from the free-text names ("Spanish",
//!   "Creole", …), phones normalised to `305-555-0100`, hours from the weekly
//!   `regular_schedules.csv` rows (in `America/New_York`: HSDS 1.x has no time zone). Rows
//!   carrying the AIRS codes of domestic-violence and human-trafficking shelters, or an address
//!   reading "Confidential", are imported as confidential. Source ids are
//!   `<folder>:location:<id>` and `<folder>:organization:<id>`.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::{json, Map, Value};

use super::mapping::{CategoryMapping, Names};
use super::{file_err, hsds_json, record_from_map, text, ImportError, Options, Parsed, Rows, Skipped};
use crate::domain::FieldError;

/// One table: its rows as column → value.
type Table = Vec<HashMap<String, String>>;

fn read_table(dir: &Path, file: &str, required: bool) -> Result<Table, ImportError> {
    let path = dir.join(file);
    let name = path.display().to_string();
    if !path.exists() {
        return if required {
            Err(file_err(&name, "is missing from the data package"))
        } else {
            Ok(Vec::new())
        };
    }
    let bytes = std::fs::read(&path).map_err(|e| file_err(&name, format!("cannot be read: {e}")))?;
    let body = text(&name, &bytes, super::Encoding::Utf8)?;
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(body.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| file_err(&name, format!("header: {e}")))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| file_err(&name, format!("line {}: {e}", i + 2)))?;
        out.push(headers.iter().cloned().zip(rec.iter().map(str::to_owned)).collect());
    }
    Ok(out)
}

/// Parses a data package folder (HSDS 3.0 or 1.x, told apart by its table files).
///
/// The descriptor is optional: the specification's own example package ships its
/// `datapackage.json` as a symbolic link to the repository's root descriptor, which a copy or a
/// download turns into a short text file; the tables are then found by their file names.
pub fn parse_dir(dir: &Path, opts: &Options) -> Result<Parsed, ImportError> {
    let mapping = opts.mapping.as_ref();
    let name = dir.display().to_string();
    let dp = dir.join("datapackage.json");
    let meta: Value = match std::fs::read(&dp) {
        Ok(bytes) => match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            // A symbolic link stored as text (`../../datapackage.json`): no descriptor.
            Err(_) if bytes.len() < 1024 && !bytes.contains(&b'{') => Value::Null,
            Err(e) => return Err(file_err(&dp.display().to_string(), format!("is not JSON: {e}"))),
        },
        Err(_) if dir.join("service_at_location.csv").is_file() => Value::Null,
        Err(_) => {
            return Err(file_err(
                &name,
                "is a folder without datapackage.json (expected an HSDS tabular data package)",
            ))
        }
    };
    let paths: Vec<&str> = meta
        .get("resources")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(|x| x.get("path").and_then(Value::as_str)).collect())
        .unwrap_or_default();
    let has = |f: &str| paths.contains(&f) || dir.join(f).exists();
    if has("services_at_location.csv") || has("physical_addresses.csv") {
        parse_v1(dir, mapping)
    } else if has("services.csv") {
        parse_v3(dir, opts)
    } else {
        Err(file_err(&name, "has no services.csv: not an HSDS data package"))
    }
}

// ------------------------------------------------------------------------------------------
// HSDS 3.0 tabular
// ------------------------------------------------------------------------------------------

/// The HSDS 3.0 tables we read and write, with the nested array each becomes and its link.
pub const V3_TABLES: &[(&str, &str)] = &[
    ("organization", "organizations.csv"),
    ("service", "services.csv"),
    ("location", "locations.csv"),
    ("service_at_location", "service_at_location.csv"),
    ("address", "addresses.csv"),
    ("phone", "phones.csv"),
    ("schedule", "schedules.csv"),
    ("language", "languages.csv"),
    ("accessibility", "accessibility.csv"),
    ("cost_option", "cost_options.csv"),
    ("required_document", "required_documents.csv"),
    ("attribute", "attributes.csv"),
    ("taxonomy_term", "taxonomy_terms.csv"),
];

/// A CSV cell as JSON: numbers for the numeric HSDS fields, the `assetmap` extension parsed.
pub(super) fn cell(column: &str, v: &str) -> Value {
    if v.is_empty() {
        return Value::Null;
    }
    match column {
        "latitude" | "longitude" | "extension" | "minimum_age" | "maximum_age" | "amount" | "interval" => v
            .parse::<i64>()
            .map(|x| json!(x))
            .or_else(|_| v.parse::<f64>().map(|x| json!(x)))
            .unwrap_or_else(|_| json!(v)),
        "assetmap" => serde_json::from_str(v).unwrap_or(Value::Null),
        _ => json!(v),
    }
}

fn v3_rows(dir: &Path, file: &str) -> Result<Vec<Value>, ImportError> {
    Ok(read_table(dir, file, file == "services.csv")?
        .into_iter()
        .map(|r| {
            Value::Object(
                r.iter().map(|(k, v)| (k.clone(), cell(k, v))).filter(|(_, v)| !v.is_null()).collect(),
            )
        })
        .collect())
}

fn by(rows: &[Value], key: &str) -> HashMap<String, Vec<Value>> {
    let mut m: HashMap<String, Vec<Value>> = HashMap::new();
    for r in rows {
        if let Some(k) = r.get(key).and_then(Value::as_str) {
            m.entry(k.to_owned()).or_default().push(r.clone());
        }
    }
    m
}

fn nest(obj: &mut Value, key: &str, children: Option<&Vec<Value>>) {
    if let (Value::Object(m), Some(c)) = (obj, children) {
        m.insert(key.to_owned(), Value::Array(c.clone()));
    }
}

fn parse_v3(dir: &Path, opts: &Options) -> Result<Parsed, ImportError> {
    tables_v3(&dir.display().to_string(), |f| v3_rows(dir, f), opts)
}

/// Nests HSDS 3.0 tables (each read by `t` from its file name) into services and reads them.
pub(super) fn tables_v3(
    file: &str,
    t: impl Fn(&str) -> Result<Vec<Value>, ImportError>,
    opts: &Options,
) -> Result<Parsed, ImportError> {
    let orgs: HashMap<String, Value> = t("organizations.csv")?
        .into_iter()
        .filter_map(|o| Some((o.get("id")?.as_str()?.to_owned(), o)))
        .collect();
    let addresses = by(&t("addresses.csv")?, "location_id");
    let phone_langs = by(
        &t("languages.csv")?.into_iter().filter(|l| l.get("phone_id").is_some()).collect::<Vec<_>>(),
        "phone_id",
    );
    let languages = t("languages.csv")?;
    let loc_langs = by(&languages, "location_id");
    let svc_langs = by(
        &languages
            .into_iter()
            .filter(|l| l.get("location_id").is_none() && l.get("phone_id").is_none())
            .collect::<Vec<_>>(),
        "service_id",
    );
    let mut phones = t("phones.csv")?;
    for p in &mut phones {
        let id = p.get("id").and_then(Value::as_str).unwrap_or("").to_owned();
        nest(p, "languages", phone_langs.get(&id));
    }
    let phones = by(&phones, "location_id");
    let schedules = by(&t("schedules.csv")?, "location_id");
    let access = by(&t("accessibility.csv")?, "location_id");
    let mut locations: HashMap<String, Value> = HashMap::new();
    for mut l in t("locations.csv")? {
        let id = l.get("id").and_then(Value::as_str).unwrap_or("").to_owned();
        nest(&mut l, "addresses", addresses.get(&id));
        nest(&mut l, "phones", phones.get(&id));
        nest(&mut l, "schedules", schedules.get(&id));
        nest(&mut l, "languages", loc_langs.get(&id));
        nest(&mut l, "accessibility", access.get(&id));
        locations.insert(id, l);
    }
    let terms: HashMap<String, Value> = t("taxonomy_terms.csv")?
        .into_iter()
        .filter_map(|x| Some((x.get("id")?.as_str()?.to_owned(), x)))
        .collect();
    let mut attributes = t("attributes.csv")?;
    for a in &mut attributes {
        if let (Some(tid), Value::Object(m)) =
            (a.get("taxonomy_term_id").and_then(Value::as_str).map(str::to_owned), &mut *a)
        {
            if let Some(term) = terms.get(&tid) {
                m.insert("taxonomy_term".into(), term.clone());
            }
        }
    }
    let attributes = by(&attributes, "link_id");
    let costs = by(&t("cost_options.csv")?, "service_id");
    let docs = by(&t("required_documents.csv")?, "service_id");
    let mut sals = t("service_at_location.csv")?;
    for s in &mut sals {
        if let (Some(lid), Value::Object(m)) =
            (s.get("location_id").and_then(Value::as_str).map(str::to_owned), &mut *s)
        {
            if let Some(l) = locations.get(&lid) {
                m.insert("location".into(), l.clone());
            }
        }
    }
    let sals = by(&sals, "service_id");
    let mut services = t("services.csv")?;
    for s in &mut services {
        let id = s.get("id").and_then(Value::as_str).unwrap_or("").to_owned();
        nest(s, "attributes", attributes.get(&id));
        nest(s, "cost_options", costs.get(&id));
        nest(s, "required_documents", docs.get(&id));
        nest(s, "languages", svc_langs.get(&id));
        nest(s, "service_at_locations", sals.get(&id));
    }
    let (rows, skipped, warnings) = hsds_json::rows_from_services(&services, &orgs, opts);
    let warnings = warnings.into_iter().map(|(row, e)| super::RowProblem::new(file, row, e)).collect();
    Ok(Parsed { rows, format: "hsds-datapackage", skipped, warnings, ..Parsed::default() })
}

/// The tabular package as one JSON object, one array of rows per file (the specification's
/// `examples/tabular.json`): read as the CSV package is.
pub fn parse_json(file: &str, bytes: &[u8], opts: &Options) -> Result<Parsed, ImportError> {
    let doc: Value = serde_json::from_str(&text(file, bytes, super::Encoding::Utf8)?)
        .map_err(|e| file_err(file, format!("is not JSON: {e}")))?;
    let Value::Object(m) = doc else { return Err(file_err(file, "is not a JSON object of tables")) };
    tables_v3(
        file,
        |table| {
            let rows = match m.get(table) {
                Some(Value::Array(a)) => a,
                Some(_) => return Err(file_err(file, format!("{table} is not an array of rows"))),
                None => return Ok(Vec::new()),
            };
            Ok(rows
                .iter()
                .map(|r| match r {
                    // Cells as the CSV has them: empty and null cells left out.
                    Value::Object(o) => Value::Object(
                        o.iter()
                            .filter(|(_, v)| !v.is_null() && v.as_str() != Some(""))
                            .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.clone(), |s| cell(k, s))))
                            .collect(),
                    ),
                    other => other.clone(),
                })
                .collect())
        },
        opts,
    )
    .map(|mut p| {
        p.format = "hsds-json";
        p
    })
}

// ------------------------------------------------------------------------------------------
// HSDS 1.x tabular (the 2019 211 Miami export)
// ------------------------------------------------------------------------------------------

/// Mojibake of the export (UTF-8 read as CP437), repaired as `data/build.py` does.
const MOJIBAKE: &[(&str, &str)] = &[
    ("GÇÖ", "\u{2019}"),
    ("GÇ£", "\u{201c}"),
    ("GÇ¥", "\u{201d}"),
    ("GÇô", "\u{2013}"),
    ("GÇö", "\u{2014}"),
    ("GÇæ", "-"),
    ("GÇï", ""),
    ("GÇª", "\u{2026}"),
    ("GÇÿ", "\u{2018}"),
    ("GÇó", "\u{2022}"),
    ("-Ç-£", "\u{201c}"),
    ("-Ç-¥", "\u{201d}"),
    ("-Ç-Ö", "\u{2019}"),
    ("-á", " "),
    ("-«", "\u{00ae}"),
    ("-¬", "\u{00a9}"),
    ("-Æ", "\u{2019}"),
    ("-ô", "\u{201c}"),
    ("-ö", "\u{201d}"),
    ("-û", "\u{2013}"),
    ("+í", "á"),
    ("+¡", "í"),
    ("+¬", "é"),
    ("+º", "ç"),
    ("+Æ", "Ò"),
];
/// `+¦` stands for ó, ñ or ú alike, so it is repaired per word (the words of the 2019 export).
const MOJIBAKE_WORDS: &[(&str, &str)] = &[
    ("+¦tiles", "útiles"),
    ("Aar+¦n", "Aarón"),
    ("C+¦nsul", "Cónsul"),
    ("Espa+¦ol", "Español"),
    ("espa+¦ol", "español"),
    ("Mu+¦oz", "Muñoz"),
    ("Nu+¦ez", "Nuñez"),
    ("c+¦mo", "cómo"),
    ("ni+¦os", "niños"),
    ("p+¦blico", "público"),
    ("pr+¦xima", "próxima"),
    ("re+¦ne", "reúne"),
];
const MOJIBAKE_WORD_SUFFIX: &[(&str, &str)] = &[("ci+¦n", "ción"), ("si+¦n", "sión")];

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("a valid built-in pattern"))
}

/// Repairs the export's mojibake (the order of `data/build.py`'s `fix_mojibake`).
pub fn fix_mojibake(raw: &str) -> String {
    static WORD: OnceLock<Regex> = OnceLock::new();
    let mut t = raw.to_owned();
    for (bad, good) in MOJIBAKE {
        if t.contains(bad) {
            t = t.replace(bad, good);
        }
    }
    if t.contains("+¦") {
        for (bad, good) in MOJIBAKE_WORD_SUFFIX {
            t = t.replace(bad, good);
        }
        t = re(&WORD, r"[\w+¦]*\+¦[\w+¦]*")
            .replace_all(&t, |c: &regex::Captures<'_>| {
                let w = &c[0];
                MOJIBAKE_WORDS.iter().find(|(b, _)| *b == w).map_or(w, |(_, g)| g).to_owned()
            })
            .into_owned();
    }
    t
}

/// Free text for display (`clean_text` of `data/build.py`): escapes to whitespace, service-area
/// markers removed, mojibake repaired, spaces and blank lines collapsed; empty → `None`.
pub fn clean_text(raw: &str) -> Option<String> {
    static MARKER: OnceLock<Regex> = OnceLock::new();
    static SPACES: OnceLock<Regex> = OnceLock::new();
    static BLANKS: OnceLock<Regex> = OnceLock::new();
    let t = raw.replace("\\r", "").replace("\\n", "\n").replace("\\t", " ");
    let t = t.replace("\r\n", "\n").replace('\r', "\n");
    let t = re(&MARKER, r"#{2,}\s*[A-Z]{2,4}\s*#{2,}").replace_all(&t, "");
    let t = fix_mojibake(&t).replace('\u{a0}', " ");
    let spaces = re(&SPACES, r"[ \t]+");
    let lines: Vec<String> = t.split('\n').map(|l| spaces.replace_all(l, " ").trim().to_owned()).collect();
    let t = re(&BLANKS, r"\n{3,}").replace_all(&lines.join("\n"), "\n\n").trim().to_owned();
    (!t.is_empty()).then_some(t)
}

/// One line of text (`one_line`): mojibake repaired, all whitespace runs one space.
pub fn one_line(raw: &str) -> String {
    fix_mojibake(raw).split_whitespace().collect::<Vec<_>>().join(" ")
}

fn nonempty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// A phone number as `305-555-0100` (extension apart), as `data/build.py` normalises them.
fn phone(raw: &str) -> Option<Value> {
    static PHONE: OnceLock<Regex> = OnceLock::new();
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    let rx = re(&PHONE, r"(?i)^(\d{3})[-. ]?(\d{3})[-. ]?(\d{4})(?:\s*(?:x|ext\.?)\s*(\w+))?$");
    Some(match rx.captures(s) {
        Some(c) => {
            let ext = c.get(4).map(|e| {
                let e = e.as_str();
                e.strip_prefix("opt")
                    .or_else(|| e.strip_prefix("OPT"))
                    .map_or(e.to_owned(), |n| format!("option {n}"))
            });
            json!({"number": format!("{}-{}-{}", &c[1], &c[2], &c[3]), "extension": ext})
        }
        None => json!({"number": s}),
    })
}

/// Names the 2019 export uses that are not (or not only) ISO 639 English names.
const LANGUAGE_ALIASES: &[(&str, &str)] = &[
    ("american sign language", "ase"),
    ("sign language", "ase"),
    ("asl", "ase"),
    ("haitian creole", "ht"),
    ("haitian-creole", "ht"),
    ("creole", "ht"), // 211 Miami's "Creole" is Haitian Creole
    ("kreyol", "ht"),
    ("kreyòl", "ht"),
    ("español", "es"),
    ("espanol", "es"),
    ("ingles", "en"),
    ("inglés", "en"),
    ("mandarin", "zh"),
    ("chinese", "zh"),
    ("cantonese", "yue"),
    ("taiwanese", "nan"),
    ("farsi", "fa"),
    ("tagalog", "tl"),
];

/// The languages named in a free-text `languages.language` value: aliases first (longest
/// first), then English names of languages that have a two-letter code.
fn languages(raw: &str) -> Vec<String> {
    let text = clean_text(raw).unwrap_or_default().to_lowercase();
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_alphabetic() || c == '-' || c == '\''))
        .filter(|w| !w.is_empty())
        .collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let mut matched = 0;
        for n in (1..=3).rev() {
            if i + n > words.len() {
                continue;
            }
            let phrase = words[i..i + n].join(" ");
            let code =
                LANGUAGE_ALIASES.iter().find(|(a, _)| *a == phrase).map(|(_, c)| (*c).to_owned()).or_else(
                    || {
                        crate::hsds::language_named(&phrase)
                            .filter(|c| c.as_str().len() == 2)
                            .map(|c| c.as_str().to_owned())
                    },
                );
            if let Some(c) = code {
                if !out.contains(&c) {
                    out.push(c);
                }
                matched = n;
                break;
            }
        }
        i += matched.max(1);
    }
    out
}

/// `9:00am` → `09:00`; `12:00am` closing → `24:00`.
fn clock(raw: &str, closing: bool) -> Option<String> {
    let t = raw.trim().to_ascii_lowercase().replace([' ', '.'], "");
    let (num, pm) = if let Some(n) = t.strip_suffix("am") {
        (n, false)
    } else if let Some(n) = t.strip_suffix("pm") {
        (n, true)
    } else {
        return crate::hsds::hhmm(&t);
    };
    let (h, m) = num.split_once(':').unwrap_or((num, "00"));
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    if !(1..=12).contains(&h) || m >= 60 {
        return None;
    }
    let h = match (h, pm) {
        (12, false) if closing && m == 0 => 24,
        (12, false) => 0,
        (12, true) => 12,
        (h, true) => h + 12,
        (h, false) => h,
    };
    Some(format!("{h:02}:{m:02}"))
}

/// AIRS terms whose locations are confidential: domestic-violence and human-trafficking shelters.
const CONFIDENTIAL_CODES: &[&str] = &["BH-1800.1500-100", "BH-1800.1500-308"];

fn col<'a>(r: &'a HashMap<String, String>, k: &str) -> &'a str {
    r.get(k).map_or("", String::as_str)
}

fn group<'a>(t: &'a Table, key: &str) -> HashMap<&'a str, Vec<&'a HashMap<String, String>>> {
    let mut m: HashMap<&str, Vec<&HashMap<String, String>>> = HashMap::new();
    for r in t {
        m.entry(col(r, key)).or_default().push(r);
    }
    m
}

type Rec = HashMap<String, String>;

/// Walks service → provider → … → organization (cycles and dead ends give `None`).
fn root_org<'a>(
    orgs: &HashMap<&str, &Rec>,
    services: &HashMap<&'a str, &'a Rec>,
    own: &'a str,
    sid: &'a str,
) -> Option<&'a str> {
    if orgs.contains_key(own) {
        return Some(own);
    }
    let mut cur = sid;
    let mut seen = BTreeSet::new();
    while !orgs.contains_key(cur) {
        if !seen.insert(cur) {
            return None;
        }
        cur = col(services.get(cur)?, "organization_id");
    }
    Some(cur)
}

fn website(raw: &str) -> Option<String> {
    let url = one_line(raw);
    if url.is_empty() {
        return None;
    }
    let lower = url.to_ascii_lowercase();
    Some(if lower.starts_with("http://") || lower.starts_with("https://") {
        url
    } else {
        format!("http://{url}")
    })
}

#[allow(clippy::too_many_lines)]
fn parse_v1(dir: &Path, mapping: Option<&CategoryMapping>) -> Result<Parsed, ImportError> {
    let t = |f: &str, required: bool| read_table(dir, f, required);
    let locations = t("locations.csv", true)?;
    let orgs_t = t("organizations.csv", true)?;
    let orgs: HashMap<&str, &HashMap<String, String>> = orgs_t.iter().map(|r| (col(r, "id"), r)).collect();
    let services_t = t("services.csv", true)?;
    let services: HashMap<&str, &HashMap<String, String>> =
        services_t.iter().map(|r| (col(r, "id"), r)).collect();
    let sal_t = t("services_at_location.csv", false)?;
    let svc_of_loc: HashMap<&str, &str> =
        sal_t.iter().map(|r| (col(r, "location_id"), col(r, "service_id"))).collect();
    let addr_t = t("physical_addresses.csv", false)?;
    let addrs: HashMap<&str, &HashMap<String, String>> =
        addr_t.iter().map(|r| (col(r, "location_id"), r)).collect();
    let phones_t = t("phones.csv", false)?;
    let phones = group(&phones_t, "location_id");
    let access_t = t("accessibility_for_disabilities.csv", false)?;
    let access: HashMap<&str, &HashMap<String, String>> =
        access_t.iter().map(|r| (col(r, "location_id"), r)).collect();
    let langs_t = t("languages.csv", false)?;
    let langs = group(&langs_t, "location_id");
    let sched_t = t("regular_schedules.csv", false)?;
    let schedules = group(&sched_t, "service_id");
    let tax_t = t("taxonomy.csv", false)?;
    let taxonomy: HashMap<&str, &str> = tax_t.iter().map(|r| (col(r, "id"), col(r, "name"))).collect();
    let st_t = t("services_taxonomy.csv", false)?;
    let mut codes_of: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for r in &st_t {
        codes_of.entry(col(r, "service_id")).or_default().insert(col(r, "taxonomy_id"));
    }
    let prefix = dir.file_name().and_then(|n| n.to_str()).unwrap_or("hsds").to_owned();
    let mut rows = Rows::new();
    let mut skipped = Vec::new();
    for (i, loc) in locations.iter().enumerate() {
        let row = i + 2;
        let lid = col(loc, "id");
        let sid = svc_of_loc.get(lid).copied().unwrap_or(lid);
        let svc = services.get(sid).copied();
        let name = one_line(col(loc, "name"));
        let Some(org_id) = root_org(&orgs, &services, col(loc, "organization_id"), sid) else {
            rows.push((
                row,
                Err(vec![FieldError::new(
                    "organization_id",
                    format!("location {lid}: no organization found for its service {sid}"),
                )]),
            ));
            continue;
        };
        let org = orgs[org_id];
        let codes: Vec<&str> = codes_of.get(sid).map(|c| c.iter().copied().collect()).unwrap_or_default();
        let term_names: Vec<&str> = codes.iter().filter_map(|c| taxonomy.get(c).copied()).collect();
        let org_name = one_line(col(org, "name"));
        let categories = match mapping {
            Some(m) => m.categories(
                &codes,
                &Names { name: &name, organization_name: &org_name, taxonomy_names: &term_names },
            ),
            None => {
                rows.push((
                    row,
                    Err(vec![FieldError::new(
                        "categories",
                        "an HSDS 1.x package carries its source's taxonomy: give a --mapping file",
                    )]),
                ));
                continue;
            }
        };
        if categories.is_empty() {
            skipped.push(Skipped { row, name, reason: "no category maps (mapping file)".to_owned() });
            continue;
        }
        let addr = addrs.get(lid).copied();
        let a = |k: &str| addr.map(|r| one_line(col(r, k))).and_then(nonempty);
        let street = match (a("address_1"), a("address_2")) {
            (Some(a1), Some(a2)) => Some(format!("{a1}, {a2}")),
            (a1, _) => a1,
        };
        let confidential = codes.iter().any(|c| CONFIDENTIAL_CODES.contains(c))
            || street.as_deref().is_some_and(|s| s.to_lowercase().contains("confidential"));
        let mut languages_out: Vec<String> = Vec::new();
        for l in langs.get(lid).into_iter().flatten() {
            for c in languages(col(l, "language")) {
                if !languages_out.contains(&c) {
                    languages_out.push(c);
                }
            }
        }
        let phones_out: Vec<Value> =
            phones.get(lid).into_iter().flatten().filter_map(|p| phone(col(p, "number"))).collect();
        let spans: Vec<Value> = schedules
            .get(sid)
            .into_iter()
            .flatten()
            .filter_map(|r| {
                let day = crate::domain::Weekday::parse(col(r, "weekday"))?;
                Some(json!({"day": day.as_str(), "opens": clock(col(r, "opens_at"), false)?, "closes": clock(col(r, "closes_at"), true)?}))
            })
            .collect();
        let notes: Vec<String> = schedules
            .get(sid)
            .into_iter()
            .flatten()
            .map(|r| one_line(col(r, "original_text")))
            .filter(|s| !s.is_empty())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut m = Map::new();
        let mut put = |k: &str, v: Value| {
            if !v.is_null() {
                m.insert(k.to_owned(), v);
            }
        };
        put("source_id", json!(format!("{prefix}:location:{lid}")));
        put("partner_source_id", json!(format!("{prefix}:organization:{org_id}")));
        put("partner_name", json!(nonempty(org_name)));
        put("partner_description", json!(clean_text(col(org, "description"))));
        put("partner_website", json!(website(col(org, "url"))));
        put("partner_email", json!(nonempty(one_line(col(org, "email")))));
        put("name", json!(name));
        put("description", json!(clean_text(col(loc, "description"))));
        put("street", json!(street));
        put("city", json!(a("city")));
        put("state", json!(a("state_province").map(|s| s.to_uppercase())));
        put("postal_code", json!(a("postal_code")));
        if let (Ok(lat), Ok(lon)) =
            (col(loc, "latitude").trim().parse::<f64>(), col(loc, "longitude").trim().parse::<f64>())
        {
            put("lat", json!(lat));
            put("lon", json!(lon));
        }
        put("phones", json!(phones_out));
        if !spans.is_empty() || !notes.is_empty() {
            let notes = (!notes.is_empty()).then(|| notes.join("; "));
            put("hours", json!({"timezone": "America/New_York", "weekly": spans, "notes": notes}));
        }
        put("languages", json!(languages_out));
        put("categories", json!(categories));
        if let Some(s) = svc {
            let sname = one_line(col(s, "name"));
            let sdesc = clean_text(col(s, "description"));
            if !sname.is_empty() && (sname != name_of(&m) || sdesc.is_some()) {
                m.insert("services".into(), json!([{"name": sname, "description": sdesc}]));
            }
            if let Some(fees) = clean_text(col(s, "fees")) {
                m.insert("cost_note".into(), json!(fees));
            }
        }
        if let Some(acc) = access.get(lid).map(|r| one_line(col(r, "accessibility"))).and_then(nonempty) {
            m.insert("accessibility".into(), json!(acc));
        }
        m.insert("confidential".into(), json!(confidential));
        rows.push((row, record_from_map(row, m, None)));
    }
    Ok(Parsed { rows, format: "hsds-datapackage", skipped, ..Parsed::default() })
}

fn name_of(m: &Map<String, Value>) -> String {
    m.get("name").and_then(Value::as_str).unwrap_or("").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mojibake_is_repaired_as_build_py_does() {
        assert_eq!(fix_mojibake("ChildrenGÇÖs Trust"), "Children\u{2019}s Trust");
        assert_eq!(fix_mojibake("Se habla Espa+¦ol, informaci+¦n"), "Se habla Español, información");
        assert_eq!(fix_mojibake("x+¦y"), "x+¦y", "unknown words are left alone");
        assert_eq!(
            clean_text("Line one\\n\\n\\n\\nLine  two ###MON###").as_deref(),
            Some("Line one\n\nLine two")
        );
        assert_eq!(clean_text(" \\n "), None);
        assert_eq!(one_line("  a \n b\tc "), "a b c");
    }

    #[test]
    fn languages_from_free_text() {
        assert_eq!(languages("English"), ["en"]);
        assert_eq!(languages("English and Spanish"), ["en", "es"]);
        assert_eq!(languages("Creole (limited)"), ["ht"]);
        assert_eq!(languages("Haitian Creole"), ["ht"]);
        assert_eq!(languages("American Sign Language"), ["ase"]);
        assert!(languages("other languages available upon request").is_empty());
    }

    #[test]
    fn clocks_and_phones() {
        assert_eq!(clock("9:00am", false).as_deref(), Some("09:00"));
        assert_eq!(clock("5:30pm", true).as_deref(), Some("17:30"));
        assert_eq!(clock("12:00pm", false).as_deref(), Some("12:00"));
        assert_eq!(clock("12:00am", true).as_deref(), Some("24:00"));
        assert_eq!(clock("12:00am", false).as_deref(), Some("00:00"));
        assert_eq!(clock("noon", false), None);
        assert_eq!(phone("305.555.0100 x12").unwrap(), json!({"number": "305-555-0100", "extension": "12"}));
        assert_eq!(phone("3055550100 ext opt3").unwrap()["extension"], json!("option 3"));
        assert_eq!(phone("211").unwrap(), json!({"number": "211"}));
        assert!(phone(" ").is_none());
    }
}
