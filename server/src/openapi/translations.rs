//! Translations reviewed by people (`server/src/translations/`): the PO download and upload,
//! each language's state, the translation files as the page reads them, translator accounts.

use serde_json::{json, Value};

use super::build::{item, members, ok, ok_json, Access, Op};
use super::paths::Paths;

fn file(suffix: &str, example: &str) -> Value {
    json!({"name": "file", "in": "path", "required": true,
           "schema": {"type": "string", "pattern": format!("^[a-z]{{2,3}}\\.{suffix}$"), "example": example},
           "description": format!("A language code of a web/i18n file, then .{suffix} (404 for a language without one)")})
}

fn count() -> Value {
    json!({"type": "integer", "minimum": 0})
}

/// The paths of this area.
pub(crate) fn paths() -> Paths {
    let language = members(
        &[
            "code",
            "name",
            "dir",
            "strings",
            "translated",
            "reviewed",
            "unreviewed",
            "untranslated",
            "source",
            "may_review",
        ],
        json!({
            "code": {"type": "string"}, "name": {"type": "string"}, "dir": {"type": "string", "enum": ["ltr", "rtl"]},
            "strings": count(), "translated": count(), "reviewed": count(), "unreviewed": count(),
            "untranslated": count(), "source": {"type": "boolean"}, "may_review": {"type": "boolean"},
        }),
    );
    let upload = members(
        &[
            "language",
            "newly_reviewed",
            "unchanged",
            "fuzzy",
            "untranslated",
            "keys",
            "translated",
            "reviewed",
        ],
        json!({
            "language": {"type": "string"}, "newly_reviewed": count(), "unchanged": count(), "fuzzy": count(),
            "untranslated": count(), "keys": {"type": "array", "items": {"type": "string"}},
            "translated": count(), "reviewed": count(),
        }),
    );
    let po = json!({"type": "string"});
    let po_bodies: Vec<(&str, Value)> =
        crate::translations::http::PO_MEDIA.iter().map(|m| (*m, po.clone())).collect();
    vec![
        ("/api/v1/translations", item([("get", Op::new("translations", "listTranslations", "Each language's completeness and review state")
            .describe("For admins and translators (401 for nobody, 403 for anyone else). strings: the English strings; translated: those this language has (its web/i18n file and reviewed uploads); reviewed: those a person reviewed; may_review: whether the one asking may upload this language. reviews: the languages a translator reviews (null for an admin: all).")
            .access(Access::Read)
            .answer(200, ok_json("The languages", members(&["languages", "reviews"], json!({
                "languages": {"type": "array", "items": language},
                "reviews": {"type": "array", "nullable": true, "items": {"type": "string"}},
            }))))
            .problems(&[401, 403]))])),
        ("/api/v1/translations/{file}", item([
            ("get", Op::new("translations", "downloadTranslation", "A language's strings as a gettext PO file")
                .describe("For admins and translators. msgctxt is the key, msgid the English, msgstr the translation (empty: untranslated); a translation no person reviewed is flagged fuzzy; extracted comments (#.) say where the string appears, its placeholders, and who reviewed it when. Poedit, Weblate and Crowdin read it; with the reviews in it, it is also what goes back to the repository.")
                .access(Access::Read)
                .params([file("po", "es.po")])
                .answer(200, ok("The PO file", &["text/x-gettext-translation"], po.clone()))
                .problems(&[401, 403, 404])),
            ("put", Op::new("translations", "uploadTranslation", "Review a language's strings by sending its PO file back")
                .describe("For a translator of this language or an admin. Each entry without the fuzzy flag and with a translation becomes reviewed (who and when are kept) and is used at once on the page, the account pages, the referral sheet and its text message; fuzzy and empty entries are left as they were. Any problem refuses the whole file (422), each named by its msgctxt: a placeholder missing or added (`{count}`), a key this program lacks, an msgid that is not the current English, plural forms, a malformed line. English (en.po) is the source and is refused.")
                .access(Access::Write)
                .params([file("po", "es.po")])
                .bodies(&po_bodies, true)
                .answer(200, ok_json("What changed", upload))
                .problems(&[401, 403, 404, 413, 415, 422])),
        ])),
        ("/api/v1/admin/translators", item([("post", Op::new("admin", "createTranslator", "Make a translator account")
            .describe("Admins only. A translator reviews the languages named and nothing else (no listing, no account). The answer holds a link (shown once) with which the translator sets a password.")
            .access(Access::Write)
            .body("application/json", members(&["email", "languages"], json!({
                "email": {"type": "string", "format": "email"},
                "languages": {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": "^[a-z]{2,3}$"}},
            })), true)
            .answer(201, ok_json("The account and its link", json!({"type": "object"})))
            .problems(&[400, 401, 403, 413, 415, 422]))])),
        ("/i18n/{file}", item([("get", Op::new("pages", "translationFile", "A translation file as the page reads it")
            .describe("web/i18n/<lang>.json with the strings people reviewed applied (reviewed: true), sorted, one key per line as the repository keeps it.")
            .params([file("json", "es.json")])
            .answer(200, ok_json("The translation file", json!({"type": "object"})))
            .problems(&[404]))])),
    ]
}
