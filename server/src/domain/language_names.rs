//! Languages as a student information system's report prints them: ISO 639-1 or 639-3 codes
//! (`ht`, `hat`, `spa`) and English names ("Haitian Creole", "Spanish", "Portuguese").
//!
//! The names come from ISO 639-3's reference names (isolang, `english_names`), its autonyms
//! ("Español", "Kreyòl ayisyen"), and a short list of the names US home-language surveys print
//! that ISO names differently ("Haitian Creole" is ISO's "Haitian"). Nothing is guessed: a name
//! that is not one of these is refused, and the message says to use a code.

use super::LanguageCode;

/// Names printed on US home-language surveys that ISO 639 spells differently, lower-case.
const SURVEY_NAMES: &[(&str, &str)] = &[
    ("arabic", "ar"),
    ("cantonese", "yue"),
    ("cape verdean creole", "kea"),
    ("cape verdean", "kea"),
    ("chinese", "zh"),
    ("chinese (cantonese)", "yue"),
    ("chinese (mandarin)", "cmn"),
    ("creole (haitian)", "ht"),
    ("farsi", "fa"),
    ("haitian creole", "ht"),
    ("haitian-creole", "ht"),
    ("kreyol", "ht"),
    ("kreyòl", "ht"),
    ("kreyòl ayisyen", "ht"),
    ("kreyol ayisyen", "ht"),
    ("mandarin", "cmn"),
    ("pashto", "ps"),
    ("persian (farsi)", "fa"),
    ("portuguese (brazil)", "pt"),
    ("portuguese (brazilian)", "pt"),
    ("quiche", "quc"),
    ("k'iche", "quc"),
    ("spanish; castilian", "es"),
    ("filipino (tagalog)", "tl"),
];

impl LanguageCode {
    /// The code packed by [`Self::packed`], back.
    pub fn from_packed(packed: u32) -> Option<Self> {
        let [_, a, b, c] = packed.to_be_bytes();
        let n = if c == 0 { 2 } else { 3 };
        let text = std::str::from_utf8(&[a, b, c][..n]).ok()?.to_owned();
        Self::parse(&text).ok()
    }

    /// Parses a code (ISO 639-1, or ISO 639-3 — a three-letter code of a language that has a
    /// two-letter one becomes that: `spa` is `es`) or an English name or autonym, any case.
    pub fn parse_code_or_name(raw: &str) -> Result<Self, String> {
        let t = raw.trim();
        if t.is_empty() {
            return Err(
                "is empty (give an ISO 639 code such as 'ht', or a name such as 'Haitian Creole')".into()
            );
        }
        let lower = t.to_lowercase();
        if lower.len() == 3 && lower.bytes().all(|b| b.is_ascii_lowercase()) {
            if let Some(two) = isolang::Language::from_639_3(&lower).and_then(|l| l.to_639_1()) {
                return Self::parse(two);
            }
        }
        if (2..=3).contains(&lower.len()) && lower.bytes().all(|b| b.is_ascii_lowercase()) {
            if let Ok(code) = Self::parse(&lower) {
                return Ok(code);
            }
        }
        let by_survey = SURVEY_NAMES.iter().find(|(name, _)| *name == lower).map(|(_, code)| *code);
        let by_iso = || {
            isolang::languages().find(|l| l.to_name().to_lowercase() == lower).or_else(|| {
                // Autonyms of the ~180 languages with a two-letter code only: among the rest, some
                // autonyms are shared ("Creole" is several languages' own name).
                isolang::languages()
                    .filter(|l| l.to_639_1().is_some())
                    .find(|l| l.to_autonym().is_some_and(|a| a.to_lowercase() == lower))
            })
        };
        let code = match by_survey {
            Some(code) => Some(code.to_owned()),
            None => by_iso().map(|l| l.to_639_1().unwrap_or_else(|| l.to_639_3()).to_owned()),
        };
        code.and_then(|c| Self::parse(&c).ok()).ok_or_else(|| {
            format!("'{t}' is not a language code (ISO 639-1 or 639-3, e.g. 'ht') or a language name this server knows")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_report_names_become_one_code() {
        for (raw, want) in [
            ("ht", "ht"),
            ("HAT", "ht"),
            ("spa", "es"),
            ("Spanish", "es"),
            ("Haitian Creole", "ht"),
            ("haitian", "ht"),
            ("Portuguese", "pt"),
            ("Kreyòl ayisyen", "ht"),
            ("Español", "es"),
            ("Cape Verdean Creole", "kea"),
            ("quc", "quc"),
            ("Vietnamese", "vi"),
        ] {
            assert_eq!(LanguageCode::parse_code_or_name(raw).unwrap().as_str(), want, "{raw}");
        }
        for bad in ["", "xx", "Elvish", "creole", "1"] {
            assert!(LanguageCode::parse_code_or_name(bad).is_err(), "{bad}");
        }
    }
}
