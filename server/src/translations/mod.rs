//! Translations reviewed by people, in the tools translators know (issue #18).
//!
//! Every string of the map page, the account pages and the referral sheet is offered per
//! language as a gettext PO file (`GET /api/v1/translations/{lang}.po`): `msgctxt` is the key,
//! `msgid` the English, `msgstr` the translation; a translation no person reviewed yet is
//! flagged `fuzzy`; an extracted comment (`#.`) says where the string appears and which
//! placeholders it has. Poedit, Weblate and Crowdin read and write this.
//!
//! A translator of that language (or an admin) sends the file back (`PUT` the same path): each
//! entry without `fuzzy` becomes *reviewed*, with who and when, stored in the database
//! ([`Reviewed`]) and applied over the repository's `web/i18n` files on the page, the account
//! pages, the sheet and its text message. An entry whose placeholders differ from the English
//! (a missing or extra `{count}`) is refused, by its `msgctxt`, and then nothing is stored.
//! The repository's files stay the source of the strings shipped; the same download, with the
//! reviews in it, is what goes back into the repository in a pull request (and
//! `GET /i18n/{lang}.json` gives the file itself, reviews applied, in the repository's form).
//!
//! Nothing here translates anything: an entry a person did not write stays as it was.
//!
//! PO files are read and written with the `polib` crate. Its parser slices lines without
//! checking them (a line `msgstr "` would panic), so [`check_lines`] refuses malformed lines
//! first, naming the line.

pub mod http;

use std::collections::BTreeSet;
use std::io::BufWriter;

use chrono::{DateTime, Utc};
use polib::catalog::Catalog;
use polib::message::{Message, MessageFlags};
use polib::metadata::CatalogMetadata;
use serde::Serialize;

pub use crate::domain::account::Reviewed;
use crate::domain::FieldError;
use crate::i18n::{placeholders, I18n, SOURCE};

/// Every entry of a language's PO file: see [`I18n::entries`].
pub fn entries(i18n: &I18n, language: &str) -> Vec<(String, String)> {
    i18n.entries(language)
}

/// Where the string of `key` appears, for the translator.
pub fn where_used(key: &str) -> &'static str {
    let ns = key.split('.').next().unwrap_or("");
    match ns {
        "acct" => "the account pages (partners' editors, translators and admins)",
        "ui" => "the map page",
        "review" => "the translators' page (this one)",
        "sheet" if key.starts_with("sheet.sms_") || key.starts_with("sheet.day_short.") => {
            "the text message (SMS) of a referral sheet; a letter outside the GSM alphabet doubles its length"
        }
        "sheet" => "the printed referral sheet and the public site page",
        "language" => "language names, on the map page and the referral sheet",
        _ => "the map page, the referral sheet and the account pages",
    }
}

/// The extracted comment of an entry: where it appears and its placeholders.
fn comment(key: &str, english: &str) -> String {
    let mut lines = vec![format!("Where: {}.", where_used(key))];
    if let Some((_, cat)) = crate::i18n::plural_form(key) {
        lines.push(format!(
            "Plural form '{cat}': used for the numbers CLDR puts in this category in this language (see https://www.unicode.org/cldr/charts/latest/supplemental/language_plural_rules.html)."
        ));
    }
    let names = placeholders(english);
    if !names.is_empty() {
        let list: Vec<String> = names.iter().map(|n| format!("{{{n}}}")).collect();
        lines.push(format!(
            "Placeholders: {} (keep each exactly as written, braces included; the program puts a number, name or date there).",
            list.join(", ")
        ));
    }
    lines.join("\n")
}

/// The PO file of `language`: every English string, with this language's translation where it
/// has one (`fuzzy` unless a person reviewed it). `None` when the language has no file.
pub fn export(i18n: &I18n, language: &str, now: DateTime<Utc>) -> Option<String> {
    let locale = i18n.locale(language)?;
    let meta = CatalogMetadata {
        project_id_version: "assetmap".to_owned(),
        po_revision_date: now.format("%Y-%m-%d %H:%M+0000").to_string(),
        language_team: format!("{} <{}>", locale.name(), language),
        mime_version: "1.0".to_owned(),
        content_type: "text/plain; charset=UTF-8".to_owned(),
        content_transfer_encoding: "8bit".to_owned(),
        language: language.to_owned(),
        ..CatalogMetadata::default()
    };
    let mut catalog = Catalog::new(meta);
    for (key, english) in entries(i18n, language) {
        let (key, english) = (key.as_str(), english.as_str());
        let mut notes = comment(key, english);
        let (msgstr, reviewed) = if language == SOURCE {
            (english.to_owned(), true)
        } else {
            match i18n.entry(language, key) {
                Some((text, reviewed)) => (text, reviewed),
                None => (String::new(), false),
            }
        };
        let mut flags = MessageFlags::new();
        if let Some(r) = i18n.reviewed(language, key) {
            if r.source == english {
                notes.push_str(&format!("\nReviewed by {} on {}.", r.by.label, r.at.format("%Y-%m-%d")));
            } else {
                notes.push_str(&format!(
                    "\nThe English changed since {} reviewed this on {} (it read: {}).",
                    r.by.label,
                    r.at.format("%Y-%m-%d"),
                    r.source
                ));
            }
        }
        // An empty msgstr is untranslated (gettext's convention); fuzzy marks a translation
        // that is there but no person has reviewed.
        let msgstr = if msgstr.is_empty() { String::new() } else { msgstr };
        if !msgstr.is_empty() && !reviewed {
            flags.add_flag("fuzzy");
        }
        catalog.append_or_update(
            Message::build_singular()
                .with_extracted_comments(notes)
                .with_flags(flags)
                .with_msgctxt(key.to_owned())
                .with_msgid(english.to_owned())
                .with_msgstr(msgstr)
                .done(),
        );
    }
    let mut out = Vec::new();
    {
        let mut w = BufWriter::new(&mut out);
        polib::po_file::write(&catalog, &mut w).ok()?;
    }
    String::from_utf8(out).ok()
}

/// What an upload changes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Upload {
    /// Entries without `fuzzy` whose text differs from what was there, or that no person had
    /// reviewed: they become reviewed.
    #[serde(skip)]
    pub reviewed: Vec<(String, String)>,
    /// How many entries become reviewed.
    pub newly_reviewed: usize,
    /// Entries reviewed already, with the same text.
    pub unchanged: usize,
    /// Entries flagged `fuzzy`: left as they were.
    pub fuzzy: usize,
    /// Entries with an empty `msgstr`: left as they were.
    pub untranslated: usize,
}

/// A complete quoted string: `"..."` whose closing quote is not escaped.
fn quoted(s: &str) -> bool {
    if s.len() < 2 || !s.starts_with('"') || !s.ends_with('"') {
        return false;
    }
    let inner = &s[1..s.len() - 1];
    inner.bytes().rev().take_while(|b| *b == b'\\').count() % 2 == 0
}

/// Checks every line is one the PO format knows, so the parser never meets a malformed one:
/// a comment (`#`), a keyword followed by a quoted string (`msgid "..."`), a quoted
/// continuation line, or an empty line.
pub fn check_lines(body: &str) -> Result<(), FieldError> {
    let mut in_field = false;
    for (n, raw) in body.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        let at = |m: &str| FieldError::new(format!("line {}", n + 1), m.to_owned());
        if line.is_empty() {
            in_field = false;
        } else if line.starts_with('#') {
            // Comments, flags, references, obsolete entries.
        } else if line.starts_with('"') {
            if !in_field {
                return Err(at("a quoted line must continue a msgctxt, msgid or msgstr"));
            }
            if !quoted(line) {
                return Err(at("is not a complete quoted string"));
            }
        } else if let Some((keyword, rest)) = line.split_once(' ') {
            let known = matches!(keyword, "msgctxt" | "msgid" | "msgid_plural" | "msgstr")
                || keyword
                    .strip_prefix("msgstr[")
                    .and_then(|r| r.strip_suffix(']'))
                    .is_some_and(|i| i.len() == 1 && i.as_bytes()[0].is_ascii_digit());
            if !known {
                return Err(at("is not a PO keyword line (msgctxt, msgid, msgstr)"));
            }
            if !quoted(rest) {
                return Err(at("the keyword must be followed by a quoted string"));
            }
            in_field = true;
        } else {
            return Err(at("is not a PO line"));
        }
    }
    Ok(())
}

/// Reads an uploaded PO file of `language` and says what it changes. Every problem is named
/// by its entry (`msgctxt`) or line; with any problem nothing is to be stored.
pub fn read_upload(i18n: &I18n, language: &str, body: &str) -> Result<Upload, Vec<FieldError>> {
    if language == SOURCE {
        return Err(vec![FieldError::new(
            "body",
            "English is the source language: change it in the repository's web/i18n/en.json",
        )]);
    }
    check_lines(body).map_err(|e| vec![e])?;
    // An empty comment line (`#` alone, as Python's polib writes above the header) makes the
    // `polib` crate panic; as `# ` it is the same empty comment.
    let body: String = body
        .lines()
        .map(|l| if l.trim_end_matches('\r') == "#" { "# " } else { l })
        .collect::<Vec<_>>()
        .join("\n");
    let catalog = polib::po_file::parse_from_reader(body.as_bytes())
        .map_err(|e| vec![FieldError::new("body", format!("not a PO file: {e}"))])?;
    let declared = catalog.metadata.language.trim();
    if !declared.is_empty() && declared.split(['_', '-']).next() != Some(language) {
        return Err(vec![FieldError::new(
            "Language",
            format!("the file is for '{declared}', but was sent to the {language} translations"),
        )]);
    }
    let expected: std::collections::HashMap<String, String> = entries(i18n, language).into_iter().collect();
    let mut errors = Vec::new();
    let mut upload = Upload::default();
    let mut seen = BTreeSet::new();
    let contexts = body.lines().filter(|l| l.starts_with("msgctxt ")).count();
    for m in catalog.messages() {
        let Some(key) = m.msgctxt() else {
            if !m.msgid().is_empty() {
                errors.push(FieldError::new(
                    format!("msgid \"{}\"", m.msgid()),
                    "has no msgctxt (the key); download the PO again",
                ));
            }
            continue;
        };
        seen.insert(key.to_owned());
        let Some(english) = expected.get(key).map(String::as_str) else {
            errors.push(FieldError::new(
                key,
                "is not a key of this program (en.json lacks it), nor a plural form this language has",
            ));
            continue;
        };
        if m.is_plural() {
            errors.push(FieldError::new(key, "has plural forms; each form is a key of its own here"));
            continue;
        }
        if m.msgid() != english {
            errors.push(FieldError::new(
                key,
                format!("msgid is not the current English (\"{english}\"); download the PO again"),
            ));
            continue;
        }
        let text = m.msgstr().unwrap_or("");
        if text.is_empty() {
            upload.untranslated += 1;
            continue;
        }
        if m.is_fuzzy() {
            upload.fuzzy += 1;
            continue;
        }
        if text.trim().is_empty() {
            errors.push(FieldError::new(key, "msgstr is only white space"));
            continue;
        }
        let (want, got) = (placeholders(english), placeholders(text));
        if want != got {
            let missing: Vec<String> =
                want.iter().filter(|p| !got.contains(p)).map(|p| format!("{{{p}}}")).collect();
            let extra: Vec<String> =
                got.iter().filter(|p| !want.contains(p)).map(|p| format!("{{{p}}}")).collect();
            let mut what = Vec::new();
            if !missing.is_empty() {
                what.push(format!("lacks {}", missing.join(", ")));
            }
            if !extra.is_empty() {
                what.push(format!("has {} which the English has not", extra.join(", ")));
            }
            if what.is_empty() {
                what.push("repeats a placeholder a different number of times than the English".to_owned());
            }
            errors.push(FieldError::new(key, format!("msgstr {}", what.join(" and "))));
            continue;
        }
        if i18n.entry(language, key) == Some((text.to_owned(), true)) {
            upload.unchanged += 1;
        } else {
            upload.reviewed.push((key.to_owned(), text.to_owned()));
        }
    }
    if contexts != seen.len() {
        errors.push(FieldError::new("body", "the file has the same msgctxt more than once"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    upload.newly_reviewed = upload.reviewed.len();
    Ok(upload)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> I18n {
        I18n::load(&crate::config::default_dir("web").join("i18n")).unwrap()
    }

    #[test]
    fn the_export_reads_back_with_every_key_and_fuzzy_where_unreviewed() {
        let i18n = shipped();
        let po = export(&i18n, "es", Utc::now()).unwrap();
        let catalog = polib::po_file::parse_from_reader(po.as_bytes()).unwrap();
        // Every English key, with the plural forms Spanish distinguishes (CLDR: one, many,
        // other) in place of English's (one, other).
        assert_eq!(catalog.count(), entries(&i18n, "es").len());
        assert!(po.contains("msgctxt \"sheet.and_more.many\""));
        // Arabic gets its six forms, each translating English's form or its `.other`.
        let ar: Vec<(String, String)> =
            entries(&i18n, "ar").into_iter().filter(|(k, _)| k.starts_with("sheet.and_more.")).collect();
        let keys: Vec<&str> = ar.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys.len(), 6, "{keys:?}");
        assert!(ar.iter().all(|(_, en)| en == "and {count} more"));
        let call =
            catalog.messages().find(|m| m.msgctxt() == Some("field.hours")).expect("field.hours exported");
        assert_eq!(call.msgid(), "Hours");
        assert_eq!(call.msgstr().unwrap(), "Horario");
        assert!(call.is_fuzzy(), "es strings are drafts: fuzzy");
        assert!(po.contains("#. Where: the map page, the referral sheet and the account pages."));
        // Sent back as it is: nothing is reviewed (every translation is fuzzy).
        let up = read_upload(&i18n, "es", &po).unwrap();
        assert_eq!(up.newly_reviewed, 0);
        assert!(up.fuzzy > 100);
    }

    #[test]
    fn an_unfuzzied_entry_is_reviewed_and_a_placeholder_mismatch_is_named() {
        let i18n = shipped();
        let po = export(&i18n, "es", Utc::now()).unwrap();
        let approve = po.replacen("#, fuzzy\nmsgctxt \"field.hours\"", "msgctxt \"field.hours\"", 1);
        assert_ne!(approve, po);
        let up = read_upload(&i18n, "es", &approve).unwrap();
        assert_eq!(up.reviewed, vec![("field.hours".to_owned(), "Horario".to_owned())]);

        let key = "acct.deactivate_label";
        let english = i18n.source().file_entry(key).unwrap().0;
        assert!(english.contains("{email}"));
        let bad = format!(
            "msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\nmsgctxt \"{key}\"\nmsgid \"{english}\"\nmsgstr \"Desactivar {{correo}}\"\n"
        );
        let errs = read_upload(&i18n, "es", &bad).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field, key);
        assert!(errs[0].message.contains("lacks {email}"), "{}", errs[0].message);
        assert!(errs[0].message.contains("{correo}"), "{}", errs[0].message);
    }

    #[test]
    fn malformed_lines_are_refused_before_the_parser_sees_them() {
        for bad in ["msgstr \"", "\n\"abc\"", "msgid x", "garbage", "msgstr \"a\\\""] {
            let body =
                format!("msgid \"\"\nmsgstr \"\"\n\nmsgctxt \"field.hours\"\nmsgid \"Hours\"\n{bad}\n");
            assert!(check_lines(&body).is_err(), "{bad}");
        }
        // Python's polib writes an empty comment line first: read, not a panic.
        let i18n = shipped();
        let po = format!("#\n{}", export(&i18n, "ht", Utc::now()).unwrap());
        assert!(read_upload(&i18n, "ht", &po).is_ok());
        assert!(check_lines("msgid \"\"\nmsgstr \"\"\n\"Language: es\\n\"\n\n#, fuzzy\nmsgctxt \"a\"\nmsgid \"b\\\\\"\nmsgstr \"c\"\n")
            .is_ok());
    }
}
