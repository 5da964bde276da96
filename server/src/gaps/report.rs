//! The printable one-page report of a gap answer (`f=html`): a map of the cells shaded by the
//! people beyond reach (suppressed cells hatched), the summary, the worst places and the
//! suggestions, the date, where the data came from and the suppression rule — for a school
//! board packet.
//!
//! It is drawn from the JSON answer itself ([`super::gaps_json`]), after suppression, so the
//! report cannot show a figure the JSON does not.

use std::fmt::Write as _;

use serde_json::Value;

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A figure as printed: numbers with thousands separators, text (suppressed) as it is.
fn figure(v: &Value) -> String {
    match v {
        Value::Number(n) => n.as_u64().map_or_else(|| n.to_string(), group),
        Value::String(s) => s.clone(),
        Value::Null => "—".into(),
        v => v.to_string(),
    }
}

fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn pct(v: &Value) -> String {
    v.as_f64().map_or_else(|| "—".into(), |s| format!("{:.1}%", 100.0 * s))
}

fn km(v: &Value) -> String {
    v.as_f64().map_or_else(|| "none".into(), |m| format!("{:.1} km", m / 1000.0))
}

/// The map: every cell's outline, projected onto a 600×400 frame (equirectangular, scaled by
/// the cosine of the middle latitude), filled by its share beyond; suppressed cells hatched.
fn map_svg(cells: &Value) -> String {
    let features = cells["features"].as_array().cloned().unwrap_or_default();
    let rings: Vec<(Vec<[f64; 2]>, &Value)> = features
        .iter()
        .filter_map(|f| {
            let ring = f["geometry"]["coordinates"][0].as_array()?;
            let pts = ring.iter().filter_map(|p| Some([p[0].as_f64()?, p[1].as_f64()?])).collect();
            Some((pts, &f["properties"]))
        })
        .collect();
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (r, _) in &rings {
        for p in r {
            x0 = x0.min(p[0]);
            x1 = x1.max(p[0]);
            y0 = y0.min(p[1]);
            y1 = y1.max(p[1]);
        }
    }
    let (w, h) = (600.0, 400.0);
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="Map of people beyond reach">
<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#666" stroke-width="2"/></pattern></defs>
<rect width="{w}" height="{h}" fill="#f6f6f6"/>"##
    );
    if rings.is_empty() {
        svg.push_str("</svg>");
        return svg;
    }
    let k = ((y0 + y1) / 2.0).to_radians().cos().max(0.1);
    let sx = (x1 - x0) * k;
    let sy = y1 - y0;
    let scale = 0.95 * (w / sx.max(1e-9)).min(h / sy.max(1e-9));
    let (ox, oy) = ((w - sx * scale) / 2.0, (h - sy * scale) / 2.0);
    for (ring, props) in &rings {
        let d: Vec<String> = ring
            .iter()
            .map(|p| format!("{:.1},{:.1}", ox + (p[0] - x0) * k * scale, oy + (y1 - p[1]) * scale))
            .collect();
        let fill = if props["suppressed"].as_bool() == Some(true) {
            "url(#hatch)".to_owned()
        } else {
            let s = props["share_beyond"].as_f64().unwrap_or(0.0).clamp(0.0, 1.0);
            // White to dark red by the share beyond.
            let c = |a: f64, b: f64| (a + (b - a) * s).round() as u8;
            format!("#{:02x}{:02x}{:02x}", c(255.0, 165.0), c(245.0, 15.0), c(240.0, 21.0))
        };
        let _ = write!(
            svg,
            r##"<polygon points="{}" fill="{fill}" stroke="#999" stroke-width="0.5"><title>{}: {} people, {} beyond</title></polygon>"##,
            d.join(" "),
            esc(props["h3"].as_str().unwrap_or("")),
            esc(&figure(&props["population"])),
            esc(&figure(&props["population_beyond"])),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The report as a self-contained HTML page, from a gap answer `v` (as shown) dated `today`.
pub fn html(v: &Value, today: &str) -> String {
    let demand = &v["demand"];
    let filter = &v["filter"];
    let source = match demand["source"].as_str() {
        Some("counts") => format!(
            "Our families: {}{} — counts by ZIP code and home language, each ZIP code at its Census ZIP area (ZCTA) internal point",
            esc(demand["name"].as_str().unwrap_or("")),
            demand["label"].as_str().map(|l| format!(" ({})", esc(l))).unwrap_or_default()
        ),
        Some("census") => "All residents: 2020 Census tract centres of population".to_owned(),
        _ => format!("Uploaded points: {}", esc(demand["name"].as_str().unwrap_or(""))),
    };
    let lang = filter["lang"].as_str().map(|l| format!(", speaking {}", esc(l))).unwrap_or_default();
    let title = format!(
        "Who is more than {} from {}{}",
        km(&v["threshold_m"]),
        esc(filter["category"].as_str().unwrap_or("help")),
        lang
    );
    let mut rows = String::new();
    for (i, p) in v["worst"].as_array().into_iter().flatten().enumerate() {
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
            i + 1,
            esc(p["id"].as_str().unwrap_or("")),
            esc(&figure(&p["population"])),
            km(&p["nearest_m"])
        );
    }
    let mut sugg = String::new();
    for s in v["suggestions"].as_array().into_iter().flatten() {
        let what = s["name"].as_str().map_or_else(
            || format!("{} {}", s["kind"].as_str().unwrap_or(""), s["id"].as_str().unwrap_or("")),
            str::to_owned,
        );
        let _ = write!(
            sugg,
            "<li>{} — brings {} within reach ({} still beyond)</li>",
            esc(&what),
            esc(&figure(&s["population_covered"])),
            esc(&figure(&s["population_beyond_after"]))
        );
    }
    let rule = v["suppression"]["rule"].as_str().map_or_else(
        || "Figures are the Census Bureau's published counts; no suppression applies.".to_owned(),
        esc,
    );
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
@page {{ size: letter; margin: 12mm; }}
body {{ font: 11pt/1.35 system-ui, sans-serif; margin: 0 auto; max-width: 190mm; color: #111; }}
h1 {{ font-size: 16pt; margin: 0 0 4pt; }}
.meta {{ color: #444; font-size: 9pt; margin: 0 0 6pt; }}
.summary {{ font-size: 12pt; margin: 6pt 0; }}
table {{ border-collapse: collapse; width: 100%; font-size: 9.5pt; }}
th, td {{ border-bottom: 1px solid #ccc; padding: 2pt 4pt; text-align: left; }}
td.n {{ text-align: right; }}
.cols {{ display: flex; gap: 12pt; }} .cols > div {{ flex: 1; }}
footer {{ font-size: 8.5pt; color: #333; margin-top: 6pt; border-top: 1px solid #999; padding-top: 4pt; }}
</style></head>
<body>
<h1>{title}</h1>
<p class="meta">Prepared {today} · Source: {source}</p>
<p class="summary" data-testid="report-summary"><strong>{beyond}</strong> of <strong>{total}</strong> people ({share}) are beyond {threshold} from the nearest of {sites} matching sites.</p>
{map}
<div class="cols">
<div><h2>Farthest places</h2><table><thead><tr><th>#</th><th>Place</th><th>People</th><th>Nearest</th></tr></thead><tbody>{rows}</tbody></table></div>
<div><h2>Where one more partner would help most</h2><ol>{sugg}</ol></div>
</div>
<footer><p><strong>Privacy:</strong> {rule} Hatched areas on the map hold a suppressed figure.</p>
<p>Distances are great-circle (straight-line) distances. Generated by assetmap.</p></footer>
</body></html>
"#,
        beyond = esc(&figure(&v["population_beyond"])),
        total = esc(&figure(&v["population_total"])),
        share = pct(&v["share_beyond"]),
        threshold = km(&v["threshold_m"]),
        sites = v["sites"],
        map = map_svg(&v["cells"]),
    )
}
