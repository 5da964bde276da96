//! Keyword search over services (`q=` on nearest): an in-memory inverted index from words to
//! the services whose name, description, translations or categories use them.
//!
//! The database stays the durable truth; like the spatial index, this is the query engine, kept
//! in step with the catalog on every write. Words are folded (lower case, accents and other
//! marks removed after Unicode NFKD decomposition, so "inmigración" and "inmigracion" are one
//! word) and stemmed with the Snowball stemmer of the text's language (`rust-stemmers`), so
//! "applications" finds "application" and "inmigraciones" finds "inmigración". A text is indexed
//! under its folded words and their stems in its own language; a query word is looked up under
//! its folded form and its stems in the family's language, English and Spanish, so a query
//! finds a service whatever language its text is written in. Every query word must occur in one
//! and the same service (AND), as every other filter must.
//!
//! Why not a database full-text index (SQLite FTS5, PostgreSQL `tsvector`): answers are ranked
//! by exact distance in memory, per service, combined with the other filters; asking the
//! database for the matches first would put a round trip and a second engine (with two
//! dialects) on every search. Why not `tantivy`: a few hundred thousand short texts need a hash
//! map of postings, not a segment store, a query parser and a second copy of every text on
//! disk, and its build would double the server's.

use std::collections::HashMap;
use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

use crate::domain::{CategoryDef, LanguageCode, Site};

/// Services of one site a word occurs in: bit `i` for the site's service `i` (the implicit
/// service of a site without services is bit 0). A site has at most 100 services.
pub type ServiceMask = u128;

/// Words too common to narrow a search, in the languages families here use most.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "at", "de", "del", "des", "du", "el", "en", "et", "for", "in", "la", "las", "le",
    "les", "los", "of", "on", "or", "para", "por", "the", "to", "un", "una", "with", "y", "ak", "pou", "nan",
];

/// The Snowball stemmer for a language, if there is one (none for Haitian Creole).
fn stemmer(lang: &str) -> Option<&'static Stemmer> {
    macro_rules! cached {
        ($alg:expr) => {{
            static S: OnceLock<Stemmer> = OnceLock::new();
            Some(S.get_or_init(|| Stemmer::create($alg)))
        }};
    }
    match lang {
        "en" => cached!(Algorithm::English),
        "es" => cached!(Algorithm::Spanish),
        "fr" => cached!(Algorithm::French),
        "pt" => cached!(Algorithm::Portuguese),
        "it" => cached!(Algorithm::Italian),
        "de" => cached!(Algorithm::German),
        "ru" => cached!(Algorithm::Russian),
        "ar" => cached!(Algorithm::Arabic),
        _ => None,
    }
}

/// Lower case, with accents and other combining marks removed (NFKD, then marks dropped).
pub fn fold(word: &str) -> String {
    word.nfkd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
}

/// The words of a text, lower-cased but not folded (stemmers expect accents).
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
}

/// The forms a word is indexed or looked up under, for the stemmer of `lang`: its folded form,
/// the folded stem of the word, and the stem of the folded word.
fn forms(word: &str, lang: &str, out: &mut Vec<String>) {
    let folded = fold(word);
    if let Some(s) = stemmer(lang) {
        out.push(fold(&s.stem(word)));
        out.push(s.stem(&folded).into_owned());
    }
    out.push(folded);
}

/// A parsed keyword query: for each word, the terms any one of which matches it.
#[derive(Clone, Debug, Default)]
pub struct Keywords {
    words: Vec<(String, Vec<String>)>,
}

impl Keywords {
    /// Parses `q`, stemming for the family's language `lang` as well as English and Spanish.
    /// `None` when `q` has no word to search for.
    pub fn parse(q: &str, lang: Option<&LanguageCode>) -> Option<Self> {
        let mut langs = vec!["en", "es"];
        if let Some(l) = lang {
            if !langs.contains(&l.as_str()) {
                langs.push(l.as_str());
            }
        }
        let mut found: Vec<(String, Vec<String>)> = Vec::new();
        for w in words(q) {
            let mut terms = Vec::new();
            for l in &langs {
                forms(&w, l, &mut terms);
            }
            terms.sort_unstable();
            terms.dedup();
            if !found.iter().any(|(x, _)| *x == w) {
                found.push((w, terms));
            }
        }
        (!found.is_empty()).then_some(Self { words: found })
    }

    /// The words searched for, as given (lower-cased).
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.words.iter().map(|(w, _)| w.as_str())
    }
}

/// The inverted index: term → the sites (and which of their services) using it.
#[derive(Debug, Default)]
pub struct TextIndex {
    postings: HashMap<Box<str>, Vec<(Uuid, ServiceMask)>>,
    /// The terms each site is filed under, to take it out again.
    site_terms: HashMap<Uuid, Box<[Box<str>]>>,
}

/// The terms of each service of `site`: (term, mask) pairs.
fn terms_of(site: &Site, taxonomy: &[CategoryDef]) -> HashMap<String, ServiceMask> {
    let mut terms: HashMap<String, ServiceMask> = HashMap::new();
    let site_lang = site.description_lang.map_or_else(|| "en".to_owned(), |l| l.as_str().to_owned());
    let mut buf = Vec::new();
    for svc in site.resolved_services() {
        let bit: ServiceMask = 1 << svc.index.min(127);
        let mut add = |text: &str, lang: &str| {
            for w in words(text) {
                buf.clear();
                forms(&w, lang, &mut buf);
                for t in buf.drain(..) {
                    *terms.entry(t).or_default() |= bit;
                }
            }
        };
        add(svc.name(), &site_lang);
        if let Some(d) = svc.description() {
            add(d, &site_lang);
        }
        match svc.service {
            Some(s) => {
                for (lang, t) in &s.translations {
                    add(&t.name, lang.as_str());
                    if let Some(d) = &t.description {
                        add(d, lang.as_str());
                    }
                }
            }
            None => {
                for (lang, t) in &site.description_translations {
                    add(&t.text, lang.as_str());
                }
            }
        }
        for c in svc.categories() {
            add(c.as_str(), "en");
            if let Some(def) = taxonomy.iter().find(|d| d.slug == *c) {
                add(&def.name, "en");
            }
        }
    }
    terms
}

impl TextIndex {
    /// Files (or re-files) a site's services.
    pub fn put(&mut self, site: &Site, taxonomy: &[CategoryDef]) {
        self.remove(site.id);
        let terms = terms_of(site, taxonomy);
        let mut names = Vec::with_capacity(terms.len());
        for (term, mask) in terms {
            let term: Box<str> = term.into();
            self.postings.entry(term.clone()).or_default().push((site.id, mask));
            names.push(term);
        }
        self.site_terms.insert(site.id, names.into());
    }

    /// Takes a site out.
    pub fn remove(&mut self, id: Uuid) {
        let Some(terms) = self.site_terms.remove(&id) else { return };
        for t in terms.iter() {
            if let Some(list) = self.postings.get_mut(t) {
                if let Some(i) = list.iter().position(|(s, _)| *s == id) {
                    list.swap_remove(i);
                }
                if list.is_empty() {
                    self.postings.remove(t);
                }
            }
        }
    }

    /// The sites with a service that uses every word of `q`, and which services do.
    pub fn search(&self, q: &Keywords) -> HashMap<Uuid, ServiceMask> {
        let mut result: Option<HashMap<Uuid, ServiceMask>> = None;
        for (_, terms) in &q.words {
            let mut this: HashMap<Uuid, ServiceMask> = HashMap::new();
            for t in terms {
                if let Some(list) = self.postings.get(t.as_str()) {
                    for (id, mask) in list {
                        if result.as_ref().is_none_or(|r| r.contains_key(id)) {
                            *this.entry(*id).or_default() |= mask;
                        }
                    }
                }
            }
            result = Some(match result {
                None => this,
                Some(prev) => this
                    .into_iter()
                    .filter_map(|(id, m)| {
                        let both = m & prev.get(&id).copied().unwrap_or(0);
                        (both != 0).then_some((id, both))
                    })
                    .collect(),
            });
        }
        result.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_fold_and_words_stem() {
        assert_eq!(fold("Inmigración"), "inmigracion");
        assert_eq!(fold("Kreyòl"), "kreyol");
        let terms = |w: &str| Keywords::parse(w, None).unwrap().words[0].1.clone();
        let shared = |a: &str, b: &str| terms(a).iter().any(|t| terms(b).contains(t));
        assert!(shared("inmigración", "inmigracion"));
        assert!(shared("inmigraciones", "inmigración"));
        assert!(shared("applications", "application"));
        assert!(!shared("asylum", "housing"));
        assert!(Keywords::parse("the and of", None).is_none());
    }
}
