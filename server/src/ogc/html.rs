//! The minimal HTML view of `/ogc` (`f=html`, or a browser's `Accept`): the JSON answers laid out
//! as links and tables, for a person checking what a GIS tool will see. Like the API's own
//! messages (problem details, link titles) it is in English; the map page and the sheets are
//! the translated surfaces.

use std::fmt::Write as _;

use serde_json::Value;

use super::Collection;

/// Escapes text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A JSON value as table-cell text.
fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

const STYLE: &str = "body{font:16px/1.45 system-ui,sans-serif;margin:1.5rem auto;max-width:72rem;padding:0 1rem;color:#1a1a1a}\
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}\
th{background:#eee}a{color:#0645ad}code{background:#f3f3f3;padding:0 .2rem}nav a{margin-right:1rem}";

/// The page frame around `main`.
fn page(title: &str, body: &Value, main: &str) -> String {
    let mut links = String::new();
    for l in body["links"].as_array().into_iter().flatten() {
        let href = text(&l["href"]);
        let _ = write!(
            links,
            "<li><code>{}</code> <a href=\"{}\">{}</a> <small>({})</small></li>",
            esc(&text(&l["rel"])),
            esc(&href),
            esc(l["title"].as_str().unwrap_or(&href)),
            esc(&text(&l["type"]))
        );
    }
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{t}</title>\
         <style>{STYLE}</style></head><body><nav><a href=\"/ogc?f=html\">OGC API – Features</a>\
         <a href=\"/ogc/collections?f=html\">Collections</a><a href=\"/api/docs\">API documentation</a>\
         <a href=\"/\">Map</a></nav><h1>{t}</h1>{main}<h2>Links</h2><ul>{links}</ul></body></html>",
        t = esc(title)
    )
}

pub(super) fn landing(body: &Value) -> String {
    page(&text(&body["title"]), body, &format!("<p>{}</p>", esc(&text(&body["description"]))))
}

pub(super) fn conformance(body: &Value) -> String {
    let items: String = body["conformsTo"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| format!("<li><code>{}</code></li>", esc(&text(c))))
        .collect();
    page("Conformance classes", body, &format!("<ul>{items}</ul>"))
}

fn extent(c: &Value) -> String {
    c["extent"]["spatial"]["bbox"][0]
        .as_array()
        .map(|b| b.iter().map(text).collect::<Vec<_>>().join(", "))
        .unwrap_or_default()
}

pub(super) fn collections(body: &Value) -> String {
    let mut rows = String::new();
    for c in body["collections"].as_array().into_iter().flatten() {
        let id = text(&c["id"]);
        let _ = write!(
            rows,
            "<tr><td><a href=\"/ogc/collections/{id}?f=html\">{title}</a></td><td><code>{id}</code></td>\
             <td>{desc}</td><td>{ext}</td></tr>",
            id = esc(&id),
            title = esc(&text(&c["title"])),
            desc = esc(&text(&c["description"])),
            ext = esc(&extent(c))
        );
    }
    page(
        "Collections",
        body,
        &format!("<table><tr><th>Title</th><th>Id</th><th>Description</th><th>Extent (CRS84)</th></tr>{rows}</table>"),
    )
}

pub(super) fn collection(body: &Value) -> String {
    let id = esc(&text(&body["id"]));
    page(
        &text(&body["title"]),
        body,
        &format!(
            "<p>{}</p><p>Extent (CRS84): {}</p><p><a href=\"/ogc/collections/{id}/items?f=html\">Browse the sites</a> · \
             <a href=\"/ogc/collections/{id}/queryables?f=html\">Queryables</a></p>",
            esc(&text(&body["description"])),
            esc(&extent(body))
        ),
    )
}

pub(super) fn queryables(body: &Value) -> String {
    let mut rows = String::new();
    for (name, p) in body["properties"].as_object().into_iter().flatten() {
        let kind = p["type"].as_str().or(p["format"].as_str()).unwrap_or("");
        let _ = write!(
            rows,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(name),
            esc(kind),
            esc(&text(&p["description"]))
        );
    }
    page(
        &format!("Queryables: {}", text(&body["title"])),
        body,
        &format!("<table><tr><th>Name</th><th>Type</th><th>Filter</th></tr>{rows}</table>"),
    )
}

/// The columns of the items table (every property is on the item's own page).
const COLUMNS: [&str; 6] = ["name", "categories", "city", "languages", "cost", "last_verified_at"];

pub(super) fn items(c: &Collection, body: &Value) -> String {
    let mut rows = String::new();
    for f in body["features"].as_array().into_iter().flatten() {
        let id = text(&f["id"]);
        let where_ = match f["geometry"]["coordinates"].as_array() {
            Some(xy) => xy.iter().map(text).collect::<Vec<_>>().join(", "),
            None => "—".to_owned(),
        };
        let _ = write!(rows, "<tr>");
        for (i, col) in COLUMNS.iter().enumerate() {
            let v = esc(&text(&f["properties"][*col]));
            if i == 0 {
                let _ = write!(
                    rows,
                    "<td><a href=\"/ogc/collections/{}/items/{}?f=html\">{v}</a></td>",
                    esc(&c.id),
                    esc(&id)
                );
            } else {
                let _ = write!(rows, "<td>{v}</td>");
            }
        }
        let _ = write!(rows, "<td>{}</td></tr>", esc(&where_));
    }
    let head: String = COLUMNS.iter().map(|c| format!("<th>{c}</th>")).collect();
    page(
        &c.title,
        body,
        &format!(
            "<p>{} of {} sites.</p><table><tr>{head}<th>lon, lat</th></tr>{rows}</table>",
            text(&body["numberReturned"]),
            text(&body["numberMatched"])
        ),
    )
}

pub(super) fn item(body: &Value) -> String {
    let mut rows = String::new();
    let where_ = match body["geometry"]["coordinates"].as_array() {
        Some(xy) => xy.iter().map(text).collect::<Vec<_>>().join(", "),
        None => "withheld or not mapped".to_owned(),
    };
    let _ = write!(rows, "<tr><th>lon, lat</th><td>{}</td></tr>", esc(&where_));
    for (k, v) in body["properties"].as_object().into_iter().flatten() {
        let _ = write!(rows, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(&text(v)));
    }
    page(&text(&body["properties"]["name"]), body, &format!("<table>{rows}</table>"))
}
