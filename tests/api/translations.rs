//! Translators' workflow over real HTTP (issue #18): the PO download reads as gettext PO, a
//! reviewed upload changes the sheet and marks the string reviewed (in the database, with who
//! and when), a placeholder mismatch is refused by entry, and a translator reviews its own
//! languages and nothing else.

use assetmap::accounts::secret::{hash_password, random_token, sha256_hex};
use assetmap::domain::account::{ApiToken, Record, Role, User};
use assetmap::store::Change;
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{assert_problem, spawn_app, Backend, TestApp, TOKEN};

/// An account of `role` (a translator of `languages`) and an API token acting as it.
async fn account(
    app: &TestApp,
    email: &str,
    role: Role,
    partner: Option<Uuid>,
    languages: &[&str],
) -> String {
    let user = User {
        id: Uuid::new_v4(),
        email: email.to_owned(),
        role,
        partner_id: partner,
        created_at: Utc::now(),
        deactivated_at: None,
        deactivated_by: None,
        password_hash: hash_password("a long enough password").unwrap(),
    };
    let secret = random_token();
    let token = ApiToken {
        id: Uuid::new_v4(),
        user_id: user.id,
        name: "test".into(),
        created_at: Utc::now(),
        revoked_at: None,
    };
    let mut batch = vec![Change::Record(Record::CreateUser(user.clone()))];
    if role == Role::Translator {
        batch.push(Change::Record(Record::TranslatorLanguages {
            user_id: user.id,
            languages: languages.iter().map(|l| (*l).to_owned()).collect(),
        }));
    }
    batch.push(Change::Record(Record::CreateToken { token, token_hash: sha256_hex(&secret) }));
    app.state.directory.store().apply(&batch).await.unwrap();
    secret
}

async fn get_as(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.client.get(format!("{}{path}", app.base)).bearer_auth(token).send().await.unwrap()
}

async fn put_po(app: &TestApp, path: &str, token: Option<&str>, body: String) -> reqwest::Response {
    let mut req = app
        .client
        .put(format!("{}{path}", app.base))
        .header("content-type", "text/x-gettext-translation")
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

/// A site the sheet can show.
async fn a_site(app: &TestApp) -> String {
    let p = app.partner("Esperanza Legal").await;
    let body = json!({
        "name": "Clínica Esperanza", "street": "1 NW 1st St", "city": "Miami", "state": "FL",
        "postal_code": "33128", "lon": -80.1950, "lat": 25.7743,
        "phones": [{"number": "305-555-0100", "type": "voice"}],
        "categories": ["legal"], "last_verified_at": "2026-10-01T00:00:00Z"
    });
    app.site(&p, body).await["id"].as_str().unwrap().to_owned()
}

/// The PO's entry for `key`, parsed with `polib` (a gettext PO library, not the server's writer).
fn entry(po: &str, key: &str) -> (String, String, bool, String) {
    let catalog = polib::po_file::parse_from_reader(po.as_bytes()).expect("the download is a PO file");
    let m =
        catalog.messages().find(|m| m.msgctxt() == Some(key)).unwrap_or_else(|| panic!("{key} in the PO"));
    (m.msgid().to_owned(), m.msgstr().unwrap().to_owned(), m.is_fuzzy(), m.extracted_comments().to_owned())
}

/// The PO with the entry of `key` given `text` and, if `review`, without its fuzzy flag.
fn edit(po: &str, key: &str, text: &str, review: bool) -> String {
    let ctx = format!("msgctxt \"{key}\"\n");
    let at = po.find(&ctx).unwrap_or_else(|| panic!("{key} in the PO"));
    let (before, after) = po.split_at(at);
    let mut before = before.to_owned();
    if review {
        before = before.strip_suffix("#, fuzzy\n").map(str::to_owned).unwrap_or(before);
    }
    let msgstr = after.find("msgstr \"").unwrap();
    let end = msgstr + after[msgstr..].find("\n\n").unwrap_or(after.len() - msgstr);
    format!("{before}{}msgstr {}{}", &after[..msgstr], serde_json::to_string(text).unwrap(), &after[end..])
}

both_stores!(a_reviewed_upload_changes_the_sheet_and_marks_it_reviewed);
async fn a_reviewed_upload_changes_the_sheet_and_marks_it_reviewed(backend: Backend) {
    let app = spawn_app(backend).await;
    let site = a_site(&app).await;
    let translator = account(&app, "traductora@example.org", Role::Translator, None, &["es"]).await;
    let sheet = format!("/referral?sites={site}&lang=es&format=txt");
    let before = app.get(&sheet).await.text().await.unwrap();
    assert!(before.starts_with("Lugares que pueden ayudar:"), "{before}");

    let res = get_as(&app, "/api/v1/translations/es.po", &translator).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/x-gettext-translation"));
    let po = res.text().await.unwrap();
    let (msgid, msgstr, fuzzy, notes) = entry(&po, "sheet.sms_title");
    assert_eq!(msgid, "Places that can help:");
    assert_eq!(msgstr, "Lugares que pueden ayudar:");
    assert!(fuzzy, "a draft nobody reviewed is fuzzy");
    assert!(notes.contains("text message"), "{notes}");
    let (_, _, _, notes) = entry(&po, "sheet.sms_segments");
    assert!(notes.contains("Placeholders: {count}"), "{notes}");

    // Sent back unchanged, nothing is reviewed.
    let res = put_po(&app, "/api/v1/translations/es.po", Some(&translator), po.clone()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["newly_reviewed"], 0);

    // The translator corrects one entry and takes its fuzzy flag off.
    let reviewed = edit(&po, "sheet.sms_title", "Lugares donde le ayudan:", true);
    let res = put_po(&app, "/api/v1/translations/es.po", Some(&translator), reviewed).await;
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["newly_reviewed"], 1);
    assert_eq!(body["keys"], json!(["sheet.sms_title"]));

    let after = app.get(&sheet).await.text().await.unwrap();
    assert!(after.starts_with("Lugares donde le ayudan:"), "{after}");
    let po = get_as(&app, "/api/v1/translations/es.po", &translator).await.text().await.unwrap();
    let (_, msgstr, fuzzy, notes) = entry(&po, "sheet.sms_title");
    assert_eq!(msgstr, "Lugares donde le ayudan:");
    assert!(!fuzzy, "reviewed: no longer fuzzy");
    assert!(notes.contains("Reviewed by traductora@example.org on"), "{notes}");
    // The page reads the same file, reviewed.
    let file = app.get_json("/i18n/es.json").await;
    assert_eq!(
        file["strings"]["sheet.sms_title"],
        json!({"text": "Lugares donde le ayudan:", "reviewed": true})
    );
    assert_eq!(file["strings"]["field.hours"]["reviewed"], false);
    // Kept in the database, with who and when.
    let stored = app.state.directory.store().reviewed_translations().await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].key, "sheet.sms_title");
    assert_eq!(stored[0].by.label, "traductora@example.org");
    assert_eq!(stored[0].source, "Places that can help:");
    let state = app.get_admin_json("/api/v1/translations").await;
    let es = state["languages"].as_array().unwrap().iter().find(|l| l["code"] == "es").unwrap().clone();
    assert_eq!(es["reviewed"], 1, "{es}");
}

both_stores!(a_placeholder_mismatch_is_refused_naming_the_entry);
async fn a_placeholder_mismatch_is_refused_naming_the_entry(backend: Backend) {
    let app = spawn_app(backend).await;
    let translator = account(&app, "tradutor@example.org", Role::Translator, None, &["pt", "es"]).await;
    let po = get_as(&app, "/api/v1/translations/es.po", &translator).await.text().await.unwrap();
    // A missing {count} in one entry, and a good review in another: nothing is stored.
    let bad = edit(&po, "sheet.sms_segments", "Número de mensajes de texto", true);
    let bad = edit(&bad, "field.hours", "Horario", true);
    let res = put_po(&app, "/api/v1/translations/es.po", Some(&translator), bad).await;
    let body = assert_problem(res, 422, Some("sheet.sms_segments")).await;
    assert!(body["detail"].as_str().unwrap().contains("lacks {count}"), "{body}");
    // An extra placeholder is refused too.
    let extra = edit(&po, "field.hours", "Horario {dias}", true);
    let res = put_po(&app, "/api/v1/translations/es.po", Some(&translator), extra).await;
    let body = assert_problem(res, 422, Some("field.hours")).await;
    assert!(body["detail"].as_str().unwrap().contains("{dias}"), "{body}");
    // A malformed line is named, and never reaches the parser.
    let res = put_po(&app, "/api/v1/translations/es.po", Some(&translator), format!("{po}msgstr \"\n")).await;
    assert_problem(res, 422, None).await;
    assert!(app.state.directory.store().reviewed_translations().await.unwrap().is_empty());
}

both_stores!(a_translator_reviews_its_languages_and_nothing_else);
async fn a_translator_reviews_its_languages_and_nothing_else(backend: Backend) {
    let app = spawn_app(backend).await;
    let site = a_site(&app).await;
    let partner: Value = app.get_admin_json(&format!("/api/v1/sites/{site}")).await;
    let partner_id = partner["partner_id"].as_str().unwrap().to_owned();
    let translator = account(&app, "t@example.org", Role::Translator, None, &["es"]).await;
    let editor =
        account(&app, "e@example.org", Role::Editor, Some(Uuid::parse_str(&partner_id).unwrap()), &[]).await;

    // Listings: refused.
    let tag = app.etag(&format!("/api/v1/sites/{site}")).await;
    let res = app
        .client
        .patch(format!("{}/api/v1/sites/{site}", app.base))
        .bearer_auth(&translator)
        .header("if-match", tag)
        .json(&json!({"name": "Renamed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .client
        .post(format!("{}/api/v1/sites", app.base))
        .bearer_auth(&translator)
        .json(&json!({"partner_id": partner_id, "name": "New", "lon": -80.2, "lat": 25.8, "categories": ["legal"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = get_as(&app, "/api/v1/admin/users", &translator).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Another language: refused; its own: taken.
    let po = get_as(&app, "/api/v1/translations/ht.po", &translator).await.text().await.unwrap();
    let res = put_po(&app, "/api/v1/translations/ht.po", Some(&translator), po).await;
    assert_problem(res, 403, None).await;
    // An editor and the public may not review.
    let po = get_as(&app, "/api/v1/translations/es.po", &translator).await.text().await.unwrap();
    let res = put_po(&app, "/api/v1/translations/es.po", Some(&editor), po.clone()).await;
    assert_problem(res, 403, None).await;
    let res = put_po(&app, "/api/v1/translations/es.po", None, po.clone()).await;
    assert_problem(res, 401, None).await;
    assert_eq!(get_as(&app, "/api/v1/translations/es.po", &editor).await.status(), StatusCode::FORBIDDEN);
    // English is the source, and an unknown language has no file.
    let res = put_po(&app, "/api/v1/translations/en.po", Some(TOKEN), po.clone()).await;
    assert_problem(res, 422, None).await;
    assert_eq!(get_as(&app, "/api/v1/translations/xx.po", TOKEN).await.status(), StatusCode::NOT_FOUND);
    // The list says what each may review.
    let list: Value = get_as(&app, "/api/v1/translations", &translator).await.json().await.unwrap();
    assert_eq!(list["reviews"], json!(["es"]));
    let may: Vec<&str> = list["languages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["may_review"] == true)
        .map(|l| l["code"].as_str().unwrap())
        .collect();
    assert_eq!(may, ["es"]);

    // An admin makes a translator account: it gets a link to set its password.
    let res = app
        .post("/api/v1/admin/translators", &json!({"email": "Nuevo@Example.org", "languages": ["ht", "es"]}))
        .await;
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["user"]["role"], "translator");
    assert_eq!(body["languages"], json!(["es", "ht"]));
    assert!(body["url"].as_str().unwrap().contains("#invite="));
    let res =
        app.post("/api/v1/admin/translators", &json!({"email": "x@example.org", "languages": ["en"]})).await;
    assert_problem(res, 422, Some("languages")).await;
}
