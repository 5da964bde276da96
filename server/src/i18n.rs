//! Translated labels for pages the server renders (referral sheets, public site pages), read
//! from the same `web/i18n/<lang>.json` files the map page uses, so a label such as "What to
//! bring" reads the same on the screen and on paper.
//!
//! Loaded once at start from [`crate::Settings::web_dir`]. A key missing from a language falls
//! back to English and is *marked* ([`Label::fallback`]), never left empty; assetmap never
//! translates anything automatically. Placeholders are written `{name}`.
//!
//! Over the files lie the strings a person reviewed through a PO upload (stored in the
//! database, the translations module): [`I18n::set_reviewed`] puts them in place, and every
//! lookup prefers a reviewed string whose English is still the current one.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::Path;

use serde::Deserialize;

use crate::domain::LanguageCode;

/// The source language every other file falls back to.
pub const SOURCE: &str = "en";

/// Writing direction of a language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dir {
    /// Left to right.
    Ltr,
    /// Right to left (Arabic, Hebrew, ...).
    Rtl,
}

impl Dir {
    /// `ltr` or `rtl`, as written in an HTML `dir` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ltr => "ltr",
            Self::Rtl => "rtl",
        }
    }

    /// The direction of text in `code` (ISO 639), for partner text in any language, not only
    /// the ones with a translation file.
    pub fn of_language(code: &str) -> Self {
        // Languages written right to left in their usual script.
        const RTL: [&str; 10] = ["ar", "arc", "ckb", "dv", "fa", "he", "ps", "sd", "ur", "yi"];
        if RTL.contains(&code) {
            Self::Rtl
        } else {
            Self::Ltr
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    text: String,
    reviewed: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    language: String,
    name: String,
    dir: Dir,
    #[serde(default)]
    note: Option<String>,
    strings: BTreeMap<String, Entry>,
}

/// One language's labels, as its file has them.
#[derive(Debug)]
pub struct Locale {
    code: String,
    name: String,
    dir: Dir,
    note: Option<String>,
    strings: HashMap<String, String>,
    /// Keys the file marks `reviewed`.
    reviewed: HashSet<String>,
    unreviewed: usize,
}

impl Locale {
    /// The language code (`es`).
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The language's name in itself (`Español`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its writing direction.
    pub fn dir(&self) -> Dir {
        self.dir
    }

    /// The file's note to readers, if any.
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// Number of strings of the file not yet checked by a fluent person.
    pub fn unreviewed(&self) -> usize {
        self.unreviewed
    }

    /// The file's text of `key`, and whether the file marks it reviewed.
    pub fn file_entry(&self, key: &str) -> Option<(&str, bool)> {
        self.strings.get(key).map(|t| (t.as_str(), self.reviewed.contains(key)))
    }

    /// The file's keys, sorted.
    pub fn keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self.strings.keys().map(String::as_str).collect();
        keys.sort_unstable();
        keys
    }

    /// Number of strings.
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    /// True when the file has no strings.
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }
}

/// Every translation file, keyed by language code, and the strings people reviewed over them.
#[derive(Debug)]
pub struct I18n {
    locales: BTreeMap<String, Locale>,
    /// Reviewed strings by language, then key (from the database).
    reviewed: parking_lot::RwLock<HashMap<String, HashMap<String, crate::domain::account::Reviewed>>>,
}

/// A translated label. `Display` writes it as **HTML**: escaped, and wrapped in
/// `<span lang="en" dir="ltr" class="fallback">` when the language lacked the key and English
/// stood in. Use [`Label::text`] where plain text is wanted (a text message, an attribute).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// The text, placeholders filled in.
    pub text: String,
    /// True when the requested language lacked the key and this is the English text.
    pub fallback: bool,
}

impl Label {
    /// A label that needs no translation (a number, a name).
    pub fn plain(text: impl Into<String>) -> Self {
        Self { text: text.into(), fallback: false }
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use askama::filters::Escaper;
        if self.fallback {
            f.write_str(r#"<span lang="en" dir="ltr" class="fallback">"#)?;
            askama::filters::Html.write_escaped_str(&mut *f, &self.text)?;
            f.write_str("</span>")
        } else {
            askama::filters::Html.write_escaped_str(f, &self.text)
        }
    }
}

// `Display` escapes the text itself, so templates must not escape it a second time.
impl askama::filters::HtmlSafe for Label {}

impl I18n {
    /// Reads every `*.json` in `dir`. Fails, naming the file, on a malformed file, a file whose
    /// `language` differs from its name, or a missing English file.
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let mut locales = BTreeMap::new();
        let entries = std::fs::read_dir(dir)
            .map_err(|e| anyhow::anyhow!("cannot read translations in {}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry?.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let bytes = std::fs::read(&path)?;
            let file: File =
                serde_json::from_slice(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
            if file.language != stem {
                anyhow::bail!("{}: \"language\" is '{}', expected '{stem}'", path.display(), file.language);
            }
            let unreviewed = file.strings.values().filter(|e| !e.reviewed).count();
            let reviewed = file.strings.iter().filter(|(_, e)| e.reviewed).map(|(k, _)| k.clone()).collect();
            let strings = file.strings.into_iter().map(|(k, e)| (k, e.text)).collect();
            locales.insert(
                file.language.clone(),
                Locale {
                    code: file.language,
                    name: file.name,
                    dir: file.dir,
                    note: file.note,
                    strings,
                    reviewed,
                    unreviewed,
                },
            );
        }
        if !locales.contains_key(SOURCE) {
            anyhow::bail!(
                "{}: no {SOURCE}.json (English is the source every language falls back to)",
                dir.display()
            );
        }
        Ok(Self { locales, reviewed: parking_lot::RwLock::default() })
    }

    /// Puts reviewed strings in place over the files (each replacing the one of its language
    /// and key); strings of languages without a file are ignored.
    pub fn set_reviewed(&self, all: impl IntoIterator<Item = crate::domain::account::Reviewed>) {
        let mut map = self.reviewed.write();
        for r in all {
            if self.locales.contains_key(&r.language) {
                map.entry(r.language.clone()).or_default().insert(r.key.clone(), r);
            }
        }
    }

    /// The reviewed string of `key` in `language`, whether or not its English is current.
    pub fn reviewed(&self, language: &str, key: &str) -> Option<crate::domain::account::Reviewed> {
        self.reviewed.read().get(language).and_then(|m| m.get(key)).cloned()
    }

    /// The reviewed text of `key` in `language` if the English it translates is still the
    /// current English (a review of an older English no longer counts).
    fn current_review(&self, language: &str, key: &str) -> Option<String> {
        let map = self.reviewed.read();
        let r = map.get(language)?.get(key)?;
        (self.english_of(key) == Some(r.source.as_str())).then(|| r.text.clone())
    }

    /// The English a key translates: its own, or for a plural form English lacks (Arabic's
    /// `.few`), English's `.other`.
    pub fn english_of(&self, key: &str) -> Option<&str> {
        let en = &self.source().strings;
        en.get(key)
            .or_else(|| plural_form(key).and_then(|(base, _)| en.get(&format!("{base}.other"))))
            .map(String::as_str)
    }

    /// The text of `key` in `language` (a current review, else the file's) and whether a person
    /// reviewed it; `None` when the language lacks it.
    pub fn entry(&self, language: &str, key: &str) -> Option<(String, bool)> {
        if let Some(text) = self.current_review(language, key) {
            return Some((text, true));
        }
        let locale = self.locales.get(language)?;
        locale.file_entry(key).map(|(t, r)| (t.to_owned(), r))
    }

    /// Every entry of `language`: each English key, with a plural message's forms as the language
    /// distinguishes them (CLDR categories: `.one`, `.other` in English; `.zero` … `.other` in
    /// Arabic; `.one`, `.few`, `.many`, `.other` in Russian), each with the English it
    /// translates (English's form of that category, else its `.other`). Sorted by key.
    pub fn entries(&self, language: &str) -> Vec<(String, String)> {
        let en = self.source();
        let categories = crate::cldr::LocaleFormat::new(language).categories();
        let mut out: Vec<(String, String)> = Vec::new();
        for key in en.keys() {
            let Some((english, _)) = en.file_entry(key) else { continue };
            match crate::i18n::plural_form(key) {
                None => out.push((key.to_owned(), english.to_owned())),
                // Each plural message once, from its `.other`.
                Some((base, "other")) => {
                    for cat in &categories {
                        let form = format!("{base}.{cat}");
                        let source = en.file_entry(&form).map_or(english, |(t, _)| t);
                        out.push((form, source.to_owned()));
                    }
                }
                Some(_) => {}
            }
        }
        out.sort();
        out
    }

    /// `(strings the language has, strings a person reviewed)`, files and reviews together, over
    /// the entries of its PO file (English's keys, plural messages in the language's forms).
    pub fn counts(&self, language: &str) -> (usize, usize) {
        let mut present = 0;
        let mut reviewed = 0;
        for (key, _) in self.entries(language) {
            if let Some((_, r)) = self.entry(language, &key) {
                present += 1;
                reviewed += usize::from(r);
            }
        }
        (present, reviewed)
    }

    /// The locale for `code`, if there is a translation file for it.
    pub fn locale(&self, code: &str) -> Option<&Locale> {
        self.locales.get(code)
    }

    /// Every language with a translation file, by code.
    pub fn locales(&self) -> impl Iterator<Item = &Locale> {
        self.locales.values()
    }

    /// The English locale (always present: [`I18n::load`] checks it).
    pub fn source(&self) -> &Locale {
        &self.locales[SOURCE]
    }

    /// The first language of an `Accept-Language` header (by quality, then order) that has a
    /// translation file; `es-US` matches `es`.
    pub fn negotiate(&self, accept_language: &str) -> Option<&Locale> {
        let mut tags: Vec<(f32, usize, &str)> = accept_language
            .split(',')
            .enumerate()
            .filter_map(|(i, part)| {
                let mut bits = part.split(';');
                let tag = bits.next()?.trim();
                let q = bits
                    .find_map(|b| b.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                (q > 0.0 && !tag.is_empty()).then_some((q, i, tag))
            })
            .collect();
        tags.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        tags.iter().find_map(|(_, _, tag)| {
            let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
            self.locales.get(&primary)
        })
    }

    /// Labels in `locale`'s language.
    pub fn tr<'a>(&'a self, locale: &'a Locale) -> Tr<'a> {
        Tr { locale, source: self.source(), i18n: Some(self) }
    }
}

/// Looks labels up in one language, falling back to English.
#[derive(Clone, Copy, Debug)]
pub struct Tr<'a> {
    locale: &'a Locale,
    source: &'a Locale,
    /// Where reviewed strings are looked up first (`None` in tests of bare files).
    i18n: Option<&'a I18n>,
}

impl<'a> Tr<'a> {
    /// The language labels are looked up in.
    pub fn locale(&self) -> &'a Locale {
        self.locale
    }

    /// The label for `key`. A key missing in this language gives the English text, marked as a
    /// fallback; a key missing in English too (a bug) gives the key itself, marked, and a
    /// warning in the log.
    pub fn t(&self, key: &str) -> Label {
        if let Some(text) = self.own(key) {
            return Label { text, fallback: false };
        }
        match self.source.strings.get(key) {
            Some(text) => Label { text: text.clone(), fallback: self.locale.code != SOURCE },
            None => {
                tracing::warn!(key, "translation key missing from en.json");
                Label { text: key.to_owned(), fallback: true }
            }
        }
    }

    /// The label for `key` with its `{name}` placeholders replaced by `args`.
    pub fn f(&self, key: &str, args: &[(&str, &str)]) -> Label {
        let mut label = self.t(key);
        label.text = fill(&label.text, args);
        label
    }

    /// The plural message `base` for the number `n` (its `{count}` filled with `n` as the
    /// language writes numbers, and `args`): the form of `n`'s CLDR category (ICU4X plural
    /// rules), else this language's `.other`, else English's form, marked as a fallback.
    pub fn plural(&self, base: &str, n: u64, args: &[(&str, &str)]) -> Label {
        let fmt = crate::cldr::LocaleFormat::new(&self.locale.code);
        let count = fmt.integer(i64::try_from(n).unwrap_or(i64::MAX));
        let mut all: Vec<(&str, &str)> = vec![("count", &count)];
        all.extend_from_slice(args);
        let cat = fmt.plural(n);
        for form in [cat, "other"] {
            if let Some(text) = self.own(&format!("{base}.{form}")) {
                return Label { text: fill(&text, &all), fallback: false };
            }
        }
        let en_cat = crate::cldr::LocaleFormat::new(SOURCE).plural(n);
        let mut label = self.t(&format!("{base}.{en_cat}"));
        label.text = fill(&label.text, &all);
        label
    }

    /// The label for `key` only if this language has it (no fallback): a string a person
    /// reviewed (for the current English), else the file's.
    pub fn own(&self, key: &str) -> Option<String> {
        if let Some(text) = self.i18n.and_then(|i| i.current_review(&self.locale.code, key)) {
            return Some(text);
        }
        self.locale.strings.get(key).cloned()
    }

    /// Number of strings of this language no person reviewed (files and reviews together).
    pub fn unreviewed(&self) -> usize {
        match self.i18n {
            Some(i) => {
                let (present, reviewed) = i.counts(&self.locale.code);
                present - reviewed
            }
            None => self.locale.unreviewed,
        }
    }

    /// What goes between the items of a list in this language (`sheet.list_separator`:
    /// `, `, `、` in Chinese, `، ` in Arabic); English's when the file has none.
    pub fn separator(&self) -> String {
        self.own("sheet.list_separator")
            .or_else(|| self.source.strings.get("sheet.list_separator").cloned())
            .unwrap_or_else(|| ", ".to_owned())
    }

    /// The name of a language for people reading this language: `language.<code>` from this
    /// language's file when it has one, else the language's own name (autonym), else English.
    /// A missing name is not marked as a fallback: an autonym is what a reader of that language
    /// recognises.
    pub fn language_name(&self, code: &LanguageCode) -> String {
        if let Some(name) = self.own(&format!("language.{code}")) {
            return name;
        }
        if let Some(own) = self.locales_name(code.as_str()) {
            return own.to_owned();
        }
        code.autonym().map_or_else(|| code.english_name().to_owned(), str::to_owned)
    }

    /// A language with a translation file names itself in that file (`Kreyòl ayisyen`).
    fn locales_name(&self, code: &str) -> Option<&'a str> {
        (self.locale.code == code).then_some(self.locale.name.as_str())
    }
}

/// A plural form's key split into its message and CLDR category: `sheet.and_more.few` gives
/// `("sheet.and_more", "few")`. A plural message is written as one key per category the
/// language distinguishes (`.one`, `.other` in English; `.zero` … `.other` in Arabic);
/// `.other` is always there.
pub fn plural_form(key: &str) -> Option<(&str, &str)> {
    let (base, cat) = key.rsplit_once('.')?;
    crate::cldr::CATEGORIES.contains(&cat).then_some((base, cat))
}

/// Replaces each `{name}` in `template` by its value in `args`; unknown placeholders stay.
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').map(|close| (&after[..close], close)) {
            Some((name, close)) if args.iter().any(|(k, _)| *k == name) => {
                let value = args.iter().find(|(k, _)| *k == name).map_or("", |(_, v)| v);
                out.push_str(value);
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `{name}` placeholders of a text, sorted (to compare a translation with English).
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut names: Vec<&str> = text
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(n, _)| n))
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .collect();
    names.sort_unstable();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> I18n {
        I18n::load(&crate::config::default_dir("web").join("i18n")).unwrap()
    }

    #[test]
    fn placeholders_are_filled_and_unknown_ones_kept() {
        assert_eq!(fill("{value} km", &[("value", "2.5")]), "2.5 km");
        assert_eq!(fill("{a} and {b}", &[("a", "x")]), "x and {b}");
        assert_eq!(fill("no { brace", &[("a", "x")]), "no { brace");
        assert_eq!(placeholders("{day} de {month} de {year}"), ["day", "month", "year"]);
    }

    #[test]
    fn a_missing_key_falls_back_to_english_visibly() {
        let i18n = shipped();
        let es = i18n.tr(i18n.locale("es").unwrap());
        let label = es.t("field.hours");
        assert!(!label.fallback);
        assert_eq!(label.to_string(), "Horario");
        let missing = es.t("no.such.key.in.any.file");
        assert!(missing.fallback);
        // A key English has and Spanish lacks: simulate with a locale without strings.
        let empty = Locale {
            code: "xx".into(),
            name: "X".into(),
            dir: Dir::Ltr,
            note: None,
            strings: HashMap::new(),
            reviewed: HashSet::new(),
            unreviewed: 0,
        };
        let label = i18n.tr(&empty).t("field.hours");
        assert_eq!(label.text, "Hours");
        assert_eq!(label.to_string(), r#"<span lang="en" dir="ltr" class="fallback">Hours</span>"#);
    }

    #[test]
    fn labels_are_escaped_as_html() {
        let l = Label::plain("<b>&\"");
        assert_eq!(l.to_string(), "&#60;b&#62;&#38;&#34;");
    }

    #[test]
    fn every_translation_keeps_the_english_placeholders_and_direction() {
        let i18n = shipped();
        let en = i18n.source();
        assert!(i18n.locales().count() >= 8);
        for locale in i18n.locales() {
            for (key, text) in &locale.strings {
                // A plural form English lacks (Arabic's `.few`) translates English's `.other`.
                let other = plural_form(key).map(|(base, _)| format!("{base}.other"));
                let Some(source) = en.strings.get(key).or_else(|| other.and_then(|o| en.strings.get(&o)))
                else {
                    panic!("{}.json has '{key}', which en.json lacks", locale.code);
                };
                assert_eq!(placeholders(text), placeholders(source), "{}: {key}", locale.code);
                assert!(!text.trim().is_empty(), "{}: {key} is empty", locale.code);
            }
            assert_eq!(locale.dir, Dir::of_language(&locale.code), "{}", locale.code);
        }
        assert_eq!(en.unreviewed(), 0, "English is the source: every string reviewed");
    }

    /// Every key the sheet's code and templates name, and every key it builds (days, months),
    /// exists in English: a typo would otherwise print as a marked key on a family's sheet.
    #[test]
    fn every_key_the_sheets_use_exists_in_english() {
        let en = shipped();
        let en = en.source();
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let mut sources = vec![root.join("src/sheets/mod.rs"), root.join("src/sheets/model.rs")];
        for entry in std::fs::read_dir(root.join("templates")).unwrap() {
            sources.push(entry.unwrap().path());
        }
        let namespaces = [
            "app.",
            "category.",
            "cost.",
            "day.",
            "field.",
            "language.",
            "phone.",
            "sheet.",
            "status.",
            "units.",
        ];
        let mut checked = 0;
        for path in sources {
            let text = std::fs::read_to_string(&path).unwrap();
            for quoted in text.split('"').skip(1).step_by(2) {
                let is_key = namespaces.iter().any(|n| quoted.starts_with(n))
                    && quoted
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_');
                let file_name = [".html", ".css", ".js"].iter().any(|x| quoted.ends_with(x));
                if is_key && !file_name && !quoted.ends_with('.') {
                    // A plural message is named by its base (`sheet.and_more` → `.one`, `.other`).
                    assert!(
                        en.strings.contains_key(quoted)
                            || en.strings.contains_key(&format!("{quoted}.other")),
                        "{}: '{quoted}' is not in en.json",
                        path.display()
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 40, "found {checked} keys");
        for day in crate::domain::Weekday::ALL {
            assert!(en.strings.contains_key(&format!("day.{}", day.as_str())));
            assert!(en.strings.contains_key(&format!("sheet.day_short.{}", day.as_str())));
        }
        for month in 1..=12 {
            assert!(en.strings.contains_key(&format!("sheet.month.{month:02}")));
        }
    }

    /// The files stay sorted, one key per line, so parallel additions merge cleanly.
    #[test]
    fn translation_files_are_sorted_one_key_per_line() {
        let dir = crate::config::default_dir("web").join("i18n");
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let keys: Vec<&str> = text
                .lines()
                .filter(|l| l.starts_with("    \"") && l.contains("\"text\""))
                .map(|l| l.trim_start().trim_start_matches('"').split('"').next().unwrap_or(""))
                .collect();
            let file: File = serde_json::from_str(&text).unwrap();
            assert_eq!(keys.len(), file.strings.len(), "{}: one key per line", path.display());
            assert!(keys.windows(2).all(|w| w[0] < w[1]), "{}: keys are not sorted", path.display());
        }
    }

    #[test]
    fn plural_messages_pick_the_form_of_the_languages_category() {
        let i18n = shipped();
        let en = i18n.tr(i18n.source());
        assert_eq!(en.plural("sheet.and_more", 1, &[]).text, "and 1 more");
        assert_eq!(en.plural("sheet.and_more", 1234, &[]).text, "and 1,234 more");
        // A language with only `.other` uses it for every number, unmarked.
        let es = i18n.tr(i18n.locale("es").unwrap());
        let l = es.plural("sheet.and_more", 1, &[]);
        assert_eq!((l.text.as_str(), l.fallback), ("y 1 más", false));
        // Arabic's six categories: a form of its own where the file has one.
        let ar = Locale {
            code: "ar".into(),
            name: "ar".into(),
            dir: Dir::Rtl,
            note: None,
            strings: [
                ("x.zero", "Z{count}"),
                ("x.two", "T{count}"),
                ("x.few", "F{count}"),
                ("x.other", "O{count}"),
            ]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
            reviewed: HashSet::new(),
            unreviewed: 0,
        };
        let tr = Tr { locale: &ar, source: i18n.source(), i18n: None };
        let forms: Vec<String> = [0, 1, 2, 3, 11].iter().map(|n| tr.plural("x", *n, &[]).text).collect();
        assert_eq!(forms, ["Z0", "O1", "T2", "F3", "O11"], "CLDR: Arabic in Latin digits by default");
        assert_eq!(plural_form("sheet.and_more.few"), Some(("sheet.and_more", "few")));
        assert_eq!(plural_form("sheet.and_more"), None);
    }

    #[test]
    fn accept_language_picks_the_best_available() {
        let i18n = shipped();
        assert_eq!(i18n.negotiate("es-US,es;q=0.9,en;q=0.8").unwrap().code(), "es");
        assert_eq!(i18n.negotiate("de, ht;q=0.5").unwrap().code(), "ht");
        assert_eq!(i18n.negotiate("en;q=0.1, ar;q=0.9").unwrap().code(), "ar");
        assert!(i18n.negotiate("de, ja").is_none());
    }
}
