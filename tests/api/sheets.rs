//! A counselor prints a referral sheet for a family, or texts it: in the family's language,
//! with nothing about the family on it, and nothing a partner typed able to run as code.

use std::collections::HashMap;

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::{json, Value};

use crate::helpers::{logs, spawn_app, spawn_configured, spawn_demo, Backend, TestApp};

/// The labels of one translation file (`web/i18n/<lang>.json`), as the test reads them.
pub fn labels(lang: &str) -> HashMap<String, String> {
    let path = crate::helpers::data_dir().join(format!("../web/i18n/{lang}.json"));
    let v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v["strings"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, e)| (k.clone(), e["text"].as_str().unwrap().to_owned()))
        .collect()
}

/// Every language with a translation file.
pub const LANGS: [&str; 8] = ["en", "es", "ar", "ht", "fr", "pt", "zh", "vi"];

fn site_body(name: &str) -> Value {
    json!({
        "name": name,
        "description": "Free legal clinic for immigration questions",
        "description_lang": "en",
        "description_translations": {"es": {"text": "Clínica legal gratuita para preguntas de inmigración", "reviewed": true}},
        "street": "1 NW 1st St", "city": "Miami", "state": "FL", "postal_code": "33128",
        "lon": -80.1950, "lat": 25.7743,
        "phones": [{"number": "305-555-0100", "type": "voice", "languages": ["es", "ht"]}, {"number": "305-555-0101", "type": "text"}],
        "hours": {"timezone": "America/New_York", "weekly": [
            {"day": "mon", "opens": "09:00", "closes": "17:00"}, {"day": "tue", "opens": "09:00", "closes": "17:00"},
            {"day": "wed", "opens": "09:00", "closes": "17:00"}, {"day": "thu", "opens": "09:00", "closes": "17:00"},
            {"day": "fri", "opens": "09:00", "closes": "17:00"}, {"day": "sat", "opens": "09:00", "closes": "13:00"}]},
        "languages": ["en", "es", "ht"],
        "categories": ["legal"],
        "services": [{"name": "Asylum consultations", "translations": {"es": {"name": "Consultas de asilo", "reviewed": true}}}],
        "cost": "free",
        "eligibility": "Anyone in Miami-Dade",
        "required_documents": ["Any letters from immigration court"],
        "accessibility": "Step-free entrance",
        "walk_in": true,
        "last_verified_at": "2026-10-01T00:00:00Z"
    })
}

/// A partner with one ordinary site; returns the site's id.
async fn clinic(app: &TestApp) -> String {
    let p = app.partner("Esperanza Legal").await;
    app.site(&p, site_body("Clínica Esperanza")).await["id"].as_str().unwrap().to_owned()
}

async fn page(app: &TestApp, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let res = app.get(path).await;
    let (status, headers) = (res.status().as_u16(), res.headers().clone());
    (status, headers, res.text().await.unwrap())
}

/// The sheet's map: the inline `<svg class="map-svg">` element.
pub fn map_svg(html: &str) -> &str {
    let start = html.find(r#"<svg class="map-svg""#).expect("the sheet has a map");
    let end = start + html[start..].find("</svg>").unwrap();
    &html[start..end]
}

/// The element names of every tag in `html`, in order (`<p class=..>` gives `p`).
fn tags(html: &str) -> Vec<String> {
    html.split('<')
        .skip(1)
        .filter_map(|rest| {
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
            (!name.is_empty()).then(|| name.to_ascii_lowercase())
        })
        .collect()
}

#[tokio::test]
async fn partner_text_is_shown_as_text_never_run_as_code() {
    let app = spawn_app(Backend::Sqlite).await;
    let p = app.partner("<b>Partner</b>").await;
    let mut body = site_body("<script>alert('name')</script> Clinic");
    body["description"] = json!("<img src=x onerror=alert(1)> We help");
    body["services"] =
        json!([{"name": "<script>alert('service')</script>"}, {"name": "\"><svg onload=alert(2)>"}]);
    body["eligibility"] = json!("<iframe src=//evil.example>");
    body["required_documents"] = json!(["<a href=javascript:alert(3)>ID</a>"]);
    body["phones"] = json!([{"number": "305-555-0100", "description": "<style>*{display:none}</style>"}]);
    body["hours"]["notes"] = json!("</textarea><script>alert(4)</script>");
    let id = app.site(&p, body).await["id"].as_str().unwrap().to_owned();

    for path in [format!("/referral?sites={id}&lang=en"), format!("/s/{id}?lang=ht")] {
        let (status, headers, html) = page(&app, &path).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(headers[CONTENT_TYPE], "text/html; charset=utf-8");
        // The partner's text is on the page, as text ...
        assert!(html.contains("&#60;script&#62;alert(&#39;name&#39;)&#60;/script&#62; Clinic"), "{path}");
        assert!(html.contains("&#60;img src=x onerror=alert(1)&#62; We help"), "{path}");
        assert!(html.contains("&#60;iframe src=//evil.example&#62;"), "{path}");
        // ... and none of it became markup: the page has only the elements its templates
        // write, the only script is the sheet's own file, every link goes somewhere harmless.
        let names = tags(&html);
        for bad in ["img", "iframe", "style", "object", "embed", "b"] {
            assert!(!names.contains(&bad.to_owned()), "{path} has a <{bad}> element");
        }
        assert_eq!(names.iter().filter(|t| *t == "script").count(), 1, "{path}");
        assert!(html.contains(r#"<script src="/referral/sheet.js?v="#));
        for link in html.split("<a ").skip(1) {
            let tag = &link[..link.find('>').unwrap()];
            let href = &tag[tag.find("href=\"").expect("links have an href") + 6..];
            assert!(
                ["tel:", "http://", "https://", "/referral?"].iter().any(|p| href.starts_with(p)),
                "{href}"
            );
        }
        assert!(!html.contains("</textarea><script>"));
    }
    // The text version is plain text, and says so.
    let res = app.get(&format!("/referral?sites={id}&format=txt")).await;
    assert_eq!(res.headers()[CONTENT_TYPE], "text/plain; charset=utf-8");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(res.text().await.unwrap().contains("<script>alert('name')</script> Clinic"));
}

#[tokio::test]
async fn the_sheet_carries_a_strict_content_security_policy() {
    let app = spawn_app(Backend::Sqlite).await;
    let id = clinic(&app).await;
    let (_, headers, html) = page(&app, &format!("/referral?sites={id}&lang=es&from=33128")).await;
    let csp = headers["content-security-policy"].to_str().unwrap();
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
        "require-trusted-types-for 'script'",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    assert!(!csp.contains("unsafe"), "{csp}");
    // The URL may carry a ZIP code: never cached, never sent on as a referrer.
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["content-language"], "es");
    // Nothing inline that the policy would block (the page must work under it).
    assert!(!html.contains(" style="), "inline style attribute");
    assert!(!html.contains("<script>"), "inline script");
    assert!(!html.contains(" onclick="));
    // The stylesheet and script are served from here.
    for (asset, kind) in [("/referral/sheet.css", "text/css"), ("/referral/sheet.js", "text/javascript")] {
        let res = app.get(asset).await;
        assert_eq!(res.status(), 200);
        assert!(res.headers()[CONTENT_TYPE].to_str().unwrap().starts_with(kind));
        let text = res.text().await.unwrap();
        assert!(!text.contains("innerHTML") && !text.contains("eval("), "{asset}");
    }
}

#[tokio::test]
async fn an_unknown_site_gets_a_readable_page_in_the_familys_language() {
    let app = spawn_app(Backend::Sqlite).await;
    let id = clinic(&app).await;
    let missing = uuid::Uuid::new_v4();
    let es = labels("es");

    let (status, headers, html) = page(&app, &format!("/referral?sites={id},{missing}&lang=es")).await;
    assert_eq!(status, 404);
    assert_eq!(headers[CONTENT_TYPE], "text/html; charset=utf-8");
    assert!(headers.contains_key("content-security-policy"));
    assert!(html.contains(r#"<html lang="es" dir="ltr">"#));
    assert!(html.contains(&es["sheet.error_title"]) && html.contains(&es["sheet.error_not_found"]));
    assert!(html.contains(&format!("place 2 on this sheet (site {missing})")), "says which one");

    let (status, _, html) = page(&app, &format!("/s/{missing}?lang=ar")).await;
    assert_eq!(status, 404);
    assert!(html.contains(r#"dir="rtl""#) && html.contains(&labels("ar")["sheet.error_not_found"]));

    // An API client asking for JSON gets the usual problem document.
    let res = app
        .client
        .get(format!("{}/referral?sites={missing}", app.base))
        .header(ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    crate::helpers::assert_problem(res, 404, None).await;
    // The text version answers in text.
    let res = app.get(&format!("/referral?sites={missing}&lang=es&format=txt")).await;
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains(&es["sheet.error_not_found"]));
}

#[tokio::test]
async fn bad_input_names_the_parameter() {
    let app = spawn_app(Backend::Sqlite).await;
    let id = clinic(&app).await;
    for (query, field, says) in [
        ("sites=not-a-uuid".to_owned(), "sites", "place 1 ('not-a-uuid') is not a site id"),
        ("lang=es".to_owned(), "sites", "is required"),
        (format!("sites={id}&from=91,10"), "from", "latitude 91 is outside [-90, 90]"),
        (format!("sites={id}&from=-157.8,21.3"), "from", "latitude first"),
        (format!("sites={id}&from=21.3,-157.8"), "from", "more than 1000 km"),
        (format!("sites={id}&lang=xx"), "lang", "not an ISO 639-1"),
        (format!("sites={id}&lang=de"), "lang", "there is no translation for 'de'"),
        (format!("sites={id}&format=pdf"), "format", "Save as PDF"),
        (format!("sites={id}&units=furlongs"), "units", "km, mi"),
        (format!("sites={id}&lng=1"), "lng", "is not a parameter"),
    ] {
        let res = app
            .client
            .get(format!("{}/referral?{query}", app.base))
            .header(ACCEPT, "application/problem+json")
            .send()
            .await
            .unwrap();
        let body = crate::helpers::assert_problem(res, 400, Some(field)).await;
        assert!(body["detail"].as_str().unwrap().contains(says), "{query}: {body}");
        // A person in a browser reads the same on a page.
        let (status, headers, html) = page(&app, &format!("/referral?{query}")).await;
        assert_eq!(
            (status, headers[CONTENT_TYPE].to_str().unwrap()),
            (400, "text/html; charset=utf-8"),
            "{query}"
        );
        let lang = if query.contains("lang=es") { "es" } else { "en" };
        assert!(html.contains(&labels(lang)["sheet.error_bad_request"]), "{query}");
        assert!(html.contains(field), "{query}");
    }
    // A well-formed ZIP code with no ZIP area is no such place: 404, naming `from`.
    let res = app
        .client
        .get(format!("{}/referral?sites={id}&from=00000", app.base))
        .header(ACCEPT, "application/problem+json")
        .send()
        .await
        .unwrap();
    let body = crate::helpers::assert_problem(res, 404, Some("from")).await;
    assert!(body["detail"].as_str().unwrap().contains("ZIP code 00000 is not known"), "{body}");
}

#[tokio::test]
async fn a_confidential_site_is_never_located_by_its_sheet() {
    let app = spawn_app(Backend::Sqlite).await;
    let p = app.partner("Safe Harbor").await;
    let open = app.site(&p, site_body("Open Clinic")).await["id"].as_str().unwrap().to_owned();
    let mut shelter = site_body("Safe Harbor Shelter");
    shelter["confidential"] = json!(true);
    shelter["street"] = json!("Hidden Palm Way");
    shelter["lon"] = json!(-80.2345678);
    shelter["lat"] = json!(25.8765432);
    let hidden = app.site(&p, shelter).await["id"].as_str().unwrap().to_owned();
    let en = labels("en");

    let (status, _, both) =
        page(&app, &format!("/referral?sites={open},{hidden}&lang=en&from=25.70,-80.30")).await;
    assert_eq!(status, 200);
    assert!(both.contains("Safe Harbor Shelter"), "the shelter is on the sheet");
    assert!(both.contains(&en["status.call_for_location"]));
    assert!(both.contains(&en["sheet.location_by_phone"]));
    for secret in ["Hidden Palm", "80.234", "25.876", "80.2345678", "25.8765432"] {
        assert!(!both.contains(secret), "sheet reveals {secret}");
    }
    // Its distance is the whole kilometre the public API shows, measured to its stand-in (the
    // internal point of its ZIP area), in miles.
    let stand_in = app.get_admin_json(&format!("/api/v1/sites/{hidden}")).await["stand_in"].clone();
    let (ilon, ilat) = (stand_in["lon"].as_f64().unwrap(), stand_in["lat"].as_f64().unwrap());
    assert!(crate::helpers::haversine(ilon, ilat, -80.2345678, 25.8765432) > 500.0, "{stand_in}");
    let d_km = (crate::helpers::haversine(-80.30, 25.70, ilon, ilat) / 1000.0).round();
    let miles = d_km * 1000.0 / 1609.344;
    let miles = if miles < 10.0 { format!("{miles:.1}") } else { format!("{miles:.0}") };
    let about = en["sheet.distance_about"].replace("{distance}", &format!("{miles} mi"));
    assert!(both.contains(&about), "{about}");
    // The map has one marker, and is exactly the map of the open clinic alone: the shelter
    // neither appears on it nor moves its frame.
    let (_, _, alone) = page(&app, &format!("/referral?sites={open}&lang=en")).await;
    assert_eq!(map_svg(&both).matches(r#"class="marker""#).count(), 1);
    assert_eq!(map_svg(&both), map_svg(&alone));
    // A sheet of only the shelter has no map at all.
    let (_, _, only) = page(&app, &format!("/referral?sites={hidden}&lang=en")).await;
    assert!(!only.contains("map-svg"));
    // Nor does its public page or the text version locate it.
    for path in [format!("/s/{hidden}?lang=es"), format!("/referral?sites={hidden}&format=txt")] {
        let (status, _, text) = page(&app, &path).await;
        assert_eq!(status, 200);
        for secret in ["Hidden Palm", "80.234", "25.876"] {
            assert!(!text.contains(secret), "{path} reveals {secret}");
        }
    }
}

#[tokio::test]
async fn nothing_about_the_family_is_on_the_sheet_or_in_the_log() {
    let app = spawn_demo(Backend::Sqlite).await;
    let near: Value = app.get_json("/api/v1/nearest?zip=33125&category=legal&k=3").await;
    let ids: Vec<&str> =
        near["results"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    let sites = ids.join(",");
    let (_, _, a) = page(&app, &format!("/referral?sites={sites}&lang=es&from=25.7712345,-80.2298765")).await;
    let (_, _, b) = page(&app, &format!("/referral?sites={sites}&lang=es&from=25.6543219,-80.4012345")).await;
    for secret in ["25.77123", "80.22987", "25.65432", "80.40123", "from="] {
        assert!(!a.contains(secret) && !b.contains(secret), "sheet contains {secret}");
    }
    // Two families, two origins: the sheets differ only in the distances printed.
    let strip = |html: &str| {
        html.split(r#"<p class="distance">"#)
            .enumerate()
            .map(
                |(i, part)| {
                    if i == 0 {
                        part.to_owned()
                    } else {
                        part[part.find("</p>").unwrap()..].to_owned()
                    }
                },
            )
            .collect::<String>()
    };
    assert_ne!(a, b);
    // The printed date is the same for both within a test run (they render the same minute).
    assert_eq!(strip(&a), strip(&b));
    let text = String::from_utf8(logs().lock().unwrap().clone()).unwrap();
    assert!(text.contains("route=\"/referral\""), "requests are logged");
    for secret in ["25.77123", "80.22987", "25.65432", "from="] {
        assert!(!text.contains(secret), "log contains {secret}");
    }
}

#[tokio::test]
async fn the_sheet_speaks_the_familys_language() {
    let app = spawn_app(Backend::Sqlite).await;
    let id = clinic(&app).await;
    let (es, ht, ar, en) = (labels("es"), labels("ht"), labels("ar"), labels("en"));

    // Spanish: the partner's Spanish description and service name, Spanish labels, days, times.
    let (_, _, html) = page(&app, &format!("/referral?sites={id}&lang=es&from=33128")).await;
    assert!(html.contains(r#"<html lang="es" dir="ltr">"#));
    assert!(html.contains(
        r#"<span lang="es" dir="ltr">Clínica legal gratuita para preguntas de inmigración</span>"#
    ));
    assert!(html.contains("Consultas de asilo"));
    // The eligibility and other details have no Spanish version: marked after the details.
    let note = es["sheet.original_language_note"].replace("{language}", &es["language.en"]);
    assert_eq!(html.matches(&note).count(), 1);
    assert!(html.find(&note).unwrap() > html.find(&es["field.eligibility"]).unwrap(), "after the details");
    for key in [
        "field.hours",
        "field.required_documents",
        "field.eligibility",
        "sheet.footer_211",
        "cost.free",
        "field.walk_in",
    ] {
        assert!(html.contains(&es[key]), "{key}");
    }
    assert!(html.contains(&format!("{} a {}", es["day.mon"], es["day.fri"])), "Lunes a Viernes");
    assert!(html.contains("9:00–17:00") && html.contains("9:00–13:00"));
    assert!(html.contains(&es["language.ht"]), "phone languages named in Spanish");
    assert!(html.contains(" km</p>"), "kilometres");
    // The distance as CLDR writes Spanish numbers: a decimal comma ("2,3 km").
    let before_km = &html[..html.find(" km</p>").unwrap()];
    let number: String =
        before_km.chars().rev().take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.').collect();
    assert!(number.contains(',') && !number.contains('.'), "Spanish distance: {number:?}");

    // Haitian Creole: no translation from the partner, so the English original, marked.
    let (_, _, html) = page(&app, &format!("/referral?sites={id}&lang=ht")).await;
    assert!(html.contains(r#"<span lang="en" dir="ltr">Free legal clinic for immigration questions</span>"#));
    assert!(html.contains(&ht["sheet.original_language_note"].replace("{language}", &ht["language.en"])));

    // English: 12-hour times as CLDR writes them ("9:00 AM", with a narrow no-break space),
    // miles, and the stale marker is absent for a fresh listing.
    let (_, _, html) = page(&app, &format!("/referral?sites={id}&lang=en&from=33128")).await;
    assert!(html.contains("9:00\u{202f}AM–5:00\u{202f}PM"), "9:00 AM");
    assert!(html.contains(&en["day.sun"]) && html.contains(&en["status.closed"]));
    assert!(html.contains(" mi</p>"));
    assert!(html.contains("October 1, 2026") && !html.contains(&en["status.stale"]));
    // French: 24-hour with two-digit hours, as CLDR says.
    let (_, _, html) = page(&app, &format!("/referral?sites={id}&lang=fr")).await;
    assert!(html.contains("09:00–17:00"), "French times");

    // Arabic: right to left, and phone numbers kept left to right inside it.
    let (_, _, html) = page(&app, &format!("/referral?sites={id}&lang=ar")).await;
    assert!(html.contains(r#"<html lang="ar" dir="rtl">"#));
    assert!(html.contains(r#"<bdi dir="ltr" class="number"><a href="tel:3055550100">305-555-0100</a></bdi>"#));
    assert!(html.contains(&ar["field.hours"]) && html.contains(&ar["sheet.title"]));
}

#[tokio::test]
async fn a_missing_label_falls_back_to_english_visibly() {
    // A Haitian Creole file that lacks two labels the sheet uses.
    let web = tempfile::tempdir().unwrap();
    let i18n = web.path().join("i18n");
    std::fs::create_dir(&i18n).unwrap();
    let shipped = crate::helpers::data_dir().join("../web/i18n");
    for entry in std::fs::read_dir(&shipped).unwrap() {
        let path = entry.unwrap().path();
        let mut text = std::fs::read_to_string(&path).unwrap();
        if path.file_name().unwrap() == "ht.json" {
            let mut v: Value = serde_json::from_str(&text).unwrap();
            let strings = v["strings"].as_object_mut().unwrap();
            strings.remove("field.hours").unwrap();
            strings.remove("sheet.qr_caption").unwrap();
            text = serde_json::to_string(&v).unwrap();
        }
        std::fs::write(i18n.join(path.file_name().unwrap()), text).unwrap();
    }
    let dir = web.path().to_owned();
    let app = spawn_configured(false, |s| s.web_dir = dir).await;
    let id = clinic(&app).await;
    let (_, _, html) = page(&app, &format!("/referral?sites={id}&lang=ht")).await;
    let en = labels("en");
    assert!(
        html.contains(&format!(r#"<span lang="en" dir="ltr" class="fallback">{}</span>"#, en["field.hours"]))
    );
    assert!(html.contains(r#"class="fallback">Scan to see this listing online</span>"#));
    // Everything else is still Haitian Creole, and nothing is left blank.
    assert!(html.contains(&labels("ht")["field.phones"]));
    assert!(!html.contains("<h3></h3>"));
    // A complete language has no fallback at all.
    let (_, _, html) = page(&app, &format!("/referral?sites={id}&lang=es")).await;
    assert!(!html.contains(r#"class="fallback""#));
}

#[tokio::test]
async fn the_qr_code_opens_the_sites_public_page() {
    let app = spawn_configured(false, |s| s.public_url = Some("https://map.example.org".to_owned())).await;
    let id = clinic(&app).await;
    let (_, _, html) = page(&app, &format!("/referral?sites={id}&lang=es")).await;
    assert!(html.contains(&format!(r#"<a class="qr" href="https://map.example.org/s/{id}?lang=es">"#)));
    assert!(html.contains(r#"<path class="qr-dark" d="M4 4h7v1h-7z"#), "a QR code with its finder pattern");
    // Without --public-url the request's host is used.
    let local = spawn_app(Backend::Sqlite).await;
    let id = clinic(&local).await;
    let (_, _, html) = page(&local, &format!("/referral?sites={id}")).await;
    assert!(html.contains(&format!(r#"href="{}/s/{id}?lang=en""#, local.base)));
    // The page it opens: the same entry, printable, translated.
    let (status, headers, html) = page(&local, &format!("/s/{id}?lang=es")).await;
    assert_eq!(status, 200);
    assert!(headers.contains_key("content-security-policy"));
    assert!(html.contains("Clínica Esperanza") && html.contains(&labels("es")["field.required_documents"]));
    assert!(html.contains("map-svg"));
}

/// SMS segments as a phone network counts them (3GPP TS 23.038), written independently of the
/// server's code: GSM 7-bit when every character is in the GSM alphabet (extension-table
/// characters count twice), else UCS-2 in UTF-16 units.
fn sms_segments(text: &str) -> (usize, bool) {
    const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    const EXT: &str = "^{}\\[~]|€";
    let gsm = text.chars().all(|c| BASIC.contains(c) || EXT.contains(c));
    let (units, single, multi) = if gsm {
        (text.chars().map(|c| if EXT.contains(c) { 2 } else { 1 }).sum::<usize>(), 160, 153)
    } else {
        (text.encode_utf16().count(), 70, 67)
    };
    (if units <= single { 1 } else { units.div_ceil(multi) }, !gsm)
}

#[tokio::test]
async fn the_text_version_fits_its_sms_budget_in_every_language() {
    let app = spawn_demo(Backend::Sqlite).await;
    // The demo's longest names: a hard case for the budget.
    let near: Value = app.get_json("/api/v1/nearest?zip=33125&category=legal&k=6").await;
    let ids: Vec<String> =
        near["results"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect();
    let results = near["results"].as_array().unwrap();
    let phones: Vec<&str> = results.iter().map(|r| r["phones"][0]["number"].as_str().unwrap()).collect();
    let streets: Vec<&str> =
        results.iter().map(|r| r["street"].as_str().unwrap().split(", ").next().unwrap()).collect();
    for lang in LANGS {
        let l = labels(lang);
        for n in [1, 3, 6] {
            let res = app
                .get(&format!("/referral?sites={}&lang={lang}&from=33125&format=txt", ids[..n].join(",")))
                .await;
            assert_eq!(res.status(), 200);
            assert_eq!(res.headers()["content-language"], lang);
            let marked = res.text().await.unwrap();
            if lang == "ar" {
                // Right to left: each line starts with RLM, the list number is isolated.
                assert!(marked.contains("\n\u{200F}\u{2068}1.\u{2069} \u{2068}"), "{marked:?}");
                assert!(marked.contains(&format!("\u{200F}\u{2068}{}\u{2069}", phones[0])), "{marked:?}");
            } else {
                assert!(!marked.contains('\u{2068}'), "{lang}: no marks");
            }
            let text: String =
                marked.chars().filter(|c| !matches!(c, '\u{200F}' | '\u{2068}' | '\u{2069}')).collect();
            // Budget: n sites in n + 1 GSM segments, or 2n + 1 UCS-2 segments (same text length).
            let (segments, ucs2) = sms_segments(&marked);
            let budget = if ucs2 { 2 * n + 1 } else { n + 1 };
            assert!(segments <= budget, "{lang}, {n} sites: {segments} segments\n{text}");
            assert!(text.starts_with(&l["sheet.sms_title"]), "{lang}");
            assert!(text.ends_with(&l["sheet.sms_footer"]), "{lang}");
            for (i, (phone, street)) in phones[..n].iter().zip(&streets).enumerate() {
                assert!(
                    text.contains(&format!("\n{}. ", i + 1)) && text.contains(phone),
                    "{lang}: {phone}\n{text}"
                );
                // Every street address survives the shortening, whole.
                assert!(text.contains(street), "{lang}: {street}\n{text}");
            }
            assert!(!text.contains("25.78") && !text.contains("33125"), "no origin in the text");
        }
    }
    // Hours are compacted in the family's language.
    let plain = spawn_app(Backend::Sqlite).await;
    let id = clinic(&plain).await;
    let text = plain.get(&format!("/referral?sites={id}&lang=en&format=txt")).await.text().await.unwrap();
    assert!(text.contains("Mon-Fri 9am-5pm; Sat 9am-1pm"), "{text}");
    let text = plain.get(&format!("/referral?sites={id}&lang=es&format=txt")).await.text().await.unwrap();
    assert!(text.contains("Lun-Vie 9-17; Sáb 9-13"), "{text}");
}
