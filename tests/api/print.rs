//! Sheets as they come out of a printer: the real server renders them, Chromium prints them to
//! PDF (`--print-to-pdf`, as "Save as PDF" does), and poppler's `pdftotext` / `pdfinfo` read
//! the paper back. Needs the Debian packages `chromium` and `poppler-utils` (`.ci/run` installs
//! them); without them these tests fail, saying so.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;

use crate::helpers::{spawn_demo, Backend, TestApp};
use crate::sheets::labels;

/// The first of `names` found on `PATH`; fails the test with how to install it otherwise.
fn tool(names: &[&str], package: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in names {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "{} is needed to test printed sheets and is not installed: apt-get install {package} \
         (.ci/run installs it)",
        names[0]
    );
}

/// Prints `url` to `pdf` with headless Chromium, as a counselor's "Save as PDF" would (the
/// browser's own header and footer included: date, title, address, page numbers).
async fn print(url: &str, pdf: &Path) {
    let chromium = tool(&["chromium", "chromium-browser"], "chromium");
    let profile = tempfile::tempdir().unwrap();
    let run = tokio::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(url)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("chromium printed within 2 minutes")
        .unwrap();
    assert!(
        out.status.success() && pdf.is_file(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn poppler(tool_name: &str, args: &[&str]) -> String {
    let bin = tool(&[tool_name], "poppler-utils");
    let out = tokio::process::Command::new(bin).args(args).output().await.unwrap();
    assert!(out.status.success(), "{tool_name}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The printed text, normalised for comparison: bidi control marks removed, whitespace
/// collapsed (lines wrap differently on paper), lower case (labels are printed in capitals).
fn normalise(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

struct Printed {
    pages: u32,
    paper: String,
    text: String,
}

async fn print_sheet(app: &TestApp, query: &str, dir: &Path, name: &str) -> Printed {
    let pdf = dir.join(format!("{name}.pdf"));
    print(&format!("{}/referral?{query}", app.base), &pdf).await;
    let pdf = pdf.to_str().unwrap();
    let info = poppler("pdfinfo", &[pdf]).await;
    let field = |key: &str| info.lines().find_map(|l| l.strip_prefix(key)).unwrap_or("").trim().to_owned();
    Printed {
        pages: field("Pages:").parse().unwrap(),
        paper: field("Page size:"),
        text: normalise(&poppler("pdftotext", &[pdf, "-"]).await),
    }
}

/// The six places a counselor would give a family from ZIP 33125 looking for legal help.
async fn six_legal(app: &TestApp) -> Vec<Value> {
    app.get_json("/api/v1/nearest?zip=33125&category=legal&k=6").await["results"].as_array().unwrap().clone()
}

#[tokio::test]
async fn six_places_print_on_two_pages_in_the_familys_language() {
    let app = spawn_demo(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let sites = six_legal(&app).await;
    let ids: Vec<&str> = sites.iter().map(|s| s["id"].as_str().unwrap()).collect();
    for (lang, name) in [("en", "English"), ("es", "Español"), ("ar", "العربية"), ("ht", "Kreyòl ayisyen")]
    {
        let l = labels(lang);
        let query = format!("sites={}&lang={lang}&from=33125", ids.join(","));
        let paper = print_sheet(&app, &query, dir.path(), lang).await;
        assert!((1..=2).contains(&paper.pages), "{lang}: {} pages", paper.pages);
        assert!(paper.paper.contains("letter"), "{lang}: {}", paper.paper);
        let text = &paper.text;
        for site in &sites {
            let site_name = normalise(site["name"].as_str().unwrap());
            assert!(text.contains(&site_name), "{lang}: {site_name} missing");
            let phone = site["phones"][0]["number"].as_str().unwrap();
            assert!(text.contains(phone), "{lang}: {phone} missing");
        }
        // Labels in the family's language, from the shared translation files.
        for key in ["sheet.title", "field.address", "field.phones", "field.hours", "field.distance"] {
            assert!(text.contains(&normalise(&l[key])), "{lang}: {key} '{}' missing", l[key]);
        }
        if lang != "ar" {
            // (pdftotext returns Arabic ligatures such as lam-alef in another order; the Arabic
            // labels above are ones without them.)
            for key in ["sheet.footer_211", "sheet.map_caption", "status.hours_unknown"] {
                assert!(text.contains(&normalise(&l[key])), "{lang}: {key} '{}' missing", l[key]);
            }
            let language = l["sheet.language"].replace("{language}", name);
            assert!(text.contains(&normalise(&language)), "{lang}: {language}");
            let printed = l["sheet.printed_on"].replace("{date}", "");
            assert!(text.contains(&normalise(printed.trim())), "{lang}: {printed}");
        } else {
            assert!(text.contains(name), "the footer names the language");
        }
        // (pdftotext reads "2-1-1" inside Arabic text backwards; on paper it reads 2-1-1.)
        assert!(
            text.contains("2-1-1") || (lang == "ar" && text.contains("1-1-2")),
            "{lang}: 211 in the footer"
        );
        // The nearest place's distance: miles for English, kilometres for the others.
        let metres = sites[0]["distance_m"].as_f64().unwrap();
        // Written as CLDR writes a number in the language (ICU4X): `2,2` in Spanish.
        let cldr = assetmap::cldr::LocaleFormat::new(lang);
        let (value, unit) = if lang == "en" {
            (cldr.decimal(metres / 1609.344, 1), &l["units.mi"])
        } else {
            (cldr.decimal(metres / 1000.0, 1), &l["units.km"])
        };
        if lang == "es" {
            assert!(value.contains(',') && !value.contains('.'), "Spanish decimal comma: {value}");
        }
        if lang == "ar" {
            // (Arabic number and unit come back from the PDF without the space between them.)
            assert!(text.contains(&value) && text.contains("كم"), "{lang}: {value} km");
        } else {
            let distance = normalise(&unit.replace("{value}", &value));
            assert!(text.contains(&distance), "{lang}: {distance}");
        }
    }
}

#[tokio::test]
async fn the_sheet_prints_on_a4_as_well_as_letter() {
    let app = spawn_demo(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let ids: Vec<String> =
        six_legal(&app).await.iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect();
    let paper =
        print_sheet(&app, &format!("sites={}&lang=es&paper=a4", ids.join(",")), dir.path(), "a4").await;
    assert!(paper.paper.contains("A4"), "{}", paper.paper);
    assert!((1..=2).contains(&paper.pages), "{} pages", paper.pages);
    // Another part of the county, another kind of help: still two pages.
    let health: Value = app.get_json("/api/v1/nearest?zip=33010&category=health&k=6").await;
    let ids: Vec<&str> =
        health["results"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    let paper =
        print_sheet(&app, &format!("sites={}&lang=ht&from=33010", ids.join(",")), dir.path(), "health").await;
    assert!((1..=2).contains(&paper.pages), "{} pages", paper.pages);
}

#[tokio::test]
async fn the_printout_does_not_carry_the_familys_starting_point() {
    let app = spawn_demo(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let id = six_legal(&app).await[0]["id"].as_str().unwrap().to_owned();
    // One site: the whole address fits in the browser's printed header, where the origin
    // would show if the page did not remove it.
    let paper =
        print_sheet(&app, &format!("sites={id}&lang=es&from=25.7712345,-80.2298765"), dir.path(), "one")
            .await;
    assert!(
        paper.text.contains(&format!("/referral?sites={id}&lang=es")),
        "the printed header shows the address"
    );
    for secret in ["25.77123", "80.22987", "from="] {
        assert!(!paper.text.contains(secret), "printout contains {secret}");
    }
    assert!(paper.text.contains(" km"), "the distance is printed");
}
