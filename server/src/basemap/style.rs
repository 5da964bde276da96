//! The MapLibre style (v8) for the deployment's basemap archive.
//!
//! Three schemas are recognised by their layer names: the Protomaps basemap (`earth`, `roads`,
//! `places`…), OpenMapTiles (`transportation`, `place`…), and anything else, whose layers are
//! drawn plainly (areas, lines, and the `name` of points). Labels read `name:<lang>` first and
//! `name` otherwise. Text is drawn from the Noto Sans files the page ships (npm
//! `@fontsource/noto-sans` and `@fontsource/noto-sans-arabic`, SIL OFL 1.1) through the
//! style's `font-faces`: no glyph server. The style uses no icons, so it has no sprite.
//!
//! URLs in the style are root-relative (`/basemap/tiles/…`, `/node_modules/…`): the page makes
//! them absolute against its own origin before handing the style to MapLibre.

use serde_json::{json, Value};

use super::ArchiveInfo;

/// The font stack every label uses.
pub const FONT: &str = "Noto Sans Regular";

/// Where the tiles are served.
pub const TILES_URL: &str = "/basemap/tiles/{z}/{x}/{y}";

const LAND: &str = "#f6f4ee";
const WATER: &str = "#b9d3ea";
const PARK: &str = "#dcebd0";
const ROAD_CASING: &str = "#cfc8ba";
const MAJOR: &str = "#ffffff";
const MINOR: &str = "#ffffff";
const LABEL: &str = "#3b3833";
const HALO: &str = "rgba(255,255,255,0.9)";

/// The style for `info`, labels in `lang` (a language code) where the tiles carry it.
pub fn style(info: &ArchiveInfo, lang: Option<&str>) -> Value {
    let has = |l: &str| info.layers.iter().any(|x| x == l);
    let layers = if has("roads") && (has("earth") || has("places")) {
        protomaps(info, lang)
    } else if has("transportation") || has("place") {
        openmaptiles(info, lang)
    } else {
        generic(info, lang)
    };
    let mut source = json!({
        "type": "vector",
        "tiles": [TILES_URL],
        "minzoom": info.min_zoom,
        "maxzoom": info.max_zoom,
        "bounds": info.bounds,
    });
    if let Some(a) = &info.attribution {
        source["attribution"] = json!(a);
    }
    json!({
        "version": 8,
        "name": "assetmap basemap",
        "sources": {"basemap": source},
        "font-faces": font_faces(),
        "layers": layers,
    })
}

/// The shipped Noto Sans files, by the ranges they cover (from the packages' own CSS).
fn font_faces() -> Value {
    json!({
        FONT: [
            {
                "url": "/node_modules/@fontsource/noto-sans/files/noto-sans-latin-400-normal.woff2",
                "unicode-range": ["U+0000-00FF", "U+0131", "U+0152-0153", "U+02BB-02BC", "U+02C6", "U+02DA", "U+02DC",
                    "U+0304", "U+0308", "U+0329", "U+2000-206F", "U+20AC", "U+2122", "U+2191", "U+2193", "U+2212",
                    "U+2215", "U+FEFF", "U+FFFD"]
            },
            {
                "url": "/node_modules/@fontsource/noto-sans/files/noto-sans-latin-ext-400-normal.woff2",
                "unicode-range": ["U+0100-02BA", "U+02BD-02C5", "U+02C7-02CC", "U+02CE-02D7", "U+02DD-02FF",
                    "U+0304", "U+0308", "U+0329", "U+1D00-1DBF", "U+1E00-1E9F", "U+1EF2-1EFF", "U+2020",
                    "U+20A0-20AB", "U+20AD-20C0", "U+2113", "U+2C60-2C7F", "U+A720-A7FF"]
            },
            {
                "url": "/node_modules/@fontsource/noto-sans/files/noto-sans-vietnamese-400-normal.woff2",
                "unicode-range": ["U+0102-0103", "U+0110-0111", "U+0128-0129", "U+0168-0169", "U+01A0-01A1",
                    "U+01AF-01B0", "U+0300-0301", "U+0303-0304", "U+0308-0309", "U+0323", "U+0329", "U+1EA0-1EF9",
                    "U+20AB"]
            },
            {
                "url": "/node_modules/@fontsource/noto-sans-arabic/files/noto-sans-arabic-arabic-400-normal.woff2",
                "unicode-range": ["U+0600-06FF", "U+0750-077F", "U+0870-088E", "U+0890-0891", "U+0897-08E1",
                    "U+08E3-08FF", "U+200C-200E", "U+2010-2011", "U+204F", "U+2E41", "U+FB50-FDFF", "U+FE70-FE74",
                    "U+FE76-FEFC"]
            }
        ]
    })
}

/// `name:<lang>` where the tiles have it, else `name`.
pub fn name_expr(lang: Option<&str>) -> Value {
    match lang {
        Some(l) if l != "en" => json!(["coalesce", ["get", format!("name:{l}")], ["get", "name"]]),
        Some(_) => json!(["coalesce", ["get", "name:en"], ["get", "name"]]),
        None => json!(["get", "name"]),
    }
}

fn background() -> Value {
    json!({"id": "basemap-background", "type": "background", "paint": {"background-color": LAND}})
}

fn line(id: &str, layer: &str, filter: Value, color: &str, widths: [f64; 3], min: u8) -> Value {
    json!({
        "id": id, "type": "line", "source": "basemap", "source-layer": layer, "filter": filter, "minzoom": min,
        "layout": {"line-cap": "round", "line-join": "round"},
        "paint": {"line-color": color, "line-width": ["interpolate", ["exponential", 1.6], ["zoom"],
            8, widths[0], 13, widths[1], 18, widths[2]]},
    })
}

fn fill(id: &str, layer: &str, filter: Value, color: &str) -> Value {
    json!({"id": id, "type": "fill", "source": "basemap", "source-layer": layer, "filter": filter,
        "paint": {"fill-color": color}})
}

fn road_label(id: &str, layer: &str, filter: Value, lang: Option<&str>, min: u8) -> Value {
    json!({
        "id": id, "type": "symbol", "source": "basemap", "source-layer": layer, "filter": filter, "minzoom": min,
        "layout": {"symbol-placement": "line", "text-field": name_expr(lang), "text-font": [FONT],
            "text-size": ["interpolate", ["linear"], ["zoom"], 12, 10, 17, 14], "text-max-angle": 30},
        "paint": {"text-color": LABEL, "text-halo-color": HALO, "text-halo-width": 1.5},
    })
}

fn place_label(id: &str, layer: &str, filter: Value, lang: Option<&str>, size: [f64; 2]) -> Value {
    json!({
        "id": id, "type": "symbol", "source": "basemap", "source-layer": layer, "filter": filter,
        "layout": {"text-field": name_expr(lang), "text-font": [FONT],
            "text-size": ["interpolate", ["linear"], ["zoom"], 8, size[0], 14, size[1]], "text-max-width": 8},
        "paint": {"text-color": LABEL, "text-halo-color": HALO, "text-halo-width": 2},
    })
}

fn kinds(key: &str, values: &[&str]) -> Value {
    json!(["in", ["get", key], ["literal", values]])
}

const LINES: &str = "LineString";

fn protomaps(info: &ArchiveInfo, lang: Option<&str>) -> Vec<Value> {
    let has = |l: &str| info.layers.iter().any(|x| x == l);
    let mut out = vec![background()];
    if has("earth") {
        // The Protomaps basemap draws the sea as the background and land as `earth`.
        out[0]["paint"]["background-color"] = json!(WATER);
        out.push(fill("basemap-earth", "earth", json!(true), LAND));
    }
    if has("landuse") {
        out.push(fill(
            "basemap-parks",
            "landuse",
            kinds("kind", &["park", "nature_reserve", "grass", "wood", "forest"]),
            PARK,
        ));
    }
    if has("water") {
        out.push(fill("basemap-water", "water", json!(["==", ["geometry-type"], "Polygon"]), WATER));
    }
    if has("boundaries") {
        out.push(json!({"id": "basemap-boundaries", "type": "line", "source": "basemap", "source-layer": "boundaries",
            "paint": {"line-color": "#a9a49a", "line-dasharray": [3, 2], "line-width": 1}}));
    }
    let minor = kinds("kind", &["minor_road", "other", "path"]);
    let major = kinds("kind", &["highway", "major_road", "medium_road"]);
    out.push(line("basemap-roads-minor-casing", "roads", minor.clone(), ROAD_CASING, [0.6, 3.5, 16.0], 12));
    out.push(line("basemap-roads-minor", "roads", minor.clone(), MINOR, [0.3, 2.5, 14.0], 12));
    out.push(line("basemap-roads-major-casing", "roads", major.clone(), ROAD_CASING, [1.5, 6.0, 24.0], 0));
    out.push(line("basemap-roads-major", "roads", major.clone(), MAJOR, [1.0, 4.5, 21.0], 0));
    out.push(road_label("basemap-roads-label", "roads", json!(["has", "name"]), lang, 13));
    if has("places") {
        out.push(place_label(
            "basemap-places-minor",
            "places",
            kinds("kind", &["neighbourhood", "macrohood"]),
            lang,
            [10.0, 13.0],
        ));
        out.push(place_label(
            "basemap-places",
            "places",
            kinds("kind", &["locality", "region", "country"]),
            lang,
            [12.0, 18.0],
        ));
    }
    out
}

fn openmaptiles(info: &ArchiveInfo, lang: Option<&str>) -> Vec<Value> {
    let has = |l: &str| info.layers.iter().any(|x| x == l);
    let mut out = vec![background()];
    if has("park") {
        out.push(fill("basemap-parks", "park", json!(true), PARK));
    }
    if has("water") {
        out.push(fill("basemap-water", "water", json!(true), WATER));
    }
    if has("boundary") {
        out.push(json!({"id": "basemap-boundaries", "type": "line", "source": "basemap", "source-layer": "boundary",
            "filter": ["<=", ["get", "admin_level"], 6],
            "paint": {"line-color": "#a9a49a", "line-dasharray": [3, 2], "line-width": 1}}));
    }
    if has("transportation") {
        let minor = kinds("class", &["minor", "service", "track", "path"]);
        let major = kinds("class", &["motorway", "trunk", "primary", "secondary", "tertiary"]);
        out.push(line(
            "basemap-roads-minor-casing",
            "transportation",
            minor.clone(),
            ROAD_CASING,
            [0.6, 3.5, 16.0],
            12,
        ));
        out.push(line("basemap-roads-minor", "transportation", minor, MINOR, [0.3, 2.5, 14.0], 12));
        out.push(line(
            "basemap-roads-major-casing",
            "transportation",
            major.clone(),
            ROAD_CASING,
            [1.5, 6.0, 24.0],
            0,
        ));
        out.push(line("basemap-roads-major", "transportation", major, MAJOR, [1.0, 4.5, 21.0], 0));
    }
    if has("transportation_name") {
        out.push(road_label("basemap-roads-label", "transportation_name", json!(["has", "name"]), lang, 13));
    }
    if has("place") {
        out.push(place_label(
            "basemap-places-minor",
            "place",
            kinds("class", &["suburb", "neighbourhood", "quarter"]),
            lang,
            [10.0, 13.0],
        ));
        out.push(place_label(
            "basemap-places",
            "place",
            kinds("class", &["city", "town", "village", "state"]),
            lang,
            [12.0, 18.0],
        ));
    }
    out
}

fn generic(info: &ArchiveInfo, lang: Option<&str>) -> Vec<Value> {
    let mut out = vec![background()];
    for (i, layer) in info.layers.iter().enumerate() {
        out.push(fill(
            &format!("basemap-{i}-area"),
            layer,
            json!(["==", ["geometry-type"], "Polygon"]),
            "#ebe7dd",
        ));
        out.push(line(
            &format!("basemap-{i}-line"),
            layer,
            json!(["==", ["geometry-type"], LINES]),
            "#b5ada0",
            [0.5, 2.0, 8.0],
            0,
        ));
    }
    for (i, layer) in info.layers.iter().enumerate() {
        out.push(place_label(
            &format!("basemap-{i}-label"),
            layer,
            json!(["all", ["==", ["geometry-type"], "Point"], ["has", "name"]]),
            lang,
            [11.0, 15.0],
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(layers: &[&str]) -> ArchiveInfo {
        ArchiveInfo {
            format: "pmtiles",
            min_zoom: 0,
            max_zoom: 14,
            bounds: [-80.5, 25.5, -80.0, 26.0],
            layers: layers.iter().map(|s| (*s).to_owned()).collect(),
            attribution: Some("© OpenStreetMap".to_owned()),
        }
    }

    #[test]
    fn protomaps_schema_gets_roads_and_labels_in_the_language() {
        let s = style(&info(&["earth", "water", "roads", "places"]), Some("es"));
        let layers = s["layers"].as_array().unwrap();
        assert!(layers.iter().any(|l| l["source-layer"] == "roads" && l["type"] == "line"));
        let label = layers.iter().find(|l| l["id"] == "basemap-places").unwrap();
        assert_eq!(label["layout"]["text-field"], json!(["coalesce", ["get", "name:es"], ["get", "name"]]));
        assert_eq!(s["sources"]["basemap"]["attribution"], "© OpenStreetMap");
        assert_eq!(s["sources"]["basemap"]["tiles"][0], TILES_URL);
        // Nothing outside the origin: every URL in the style is root-relative.
        let absolute: Vec<String> =
            s.to_string().split('"').filter(|t| t.contains("://")).map(str::to_owned).collect();
        assert!(absolute.is_empty(), "absolute URLs in the style: {absolute:?}");
    }

    #[test]
    fn unknown_schema_is_drawn_plainly() {
        let s = style(&info(&["streets"]), None);
        assert!(s["layers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["source-layer"] == "streets" && l["type"] == "line"));
    }
}
