//! The deployment's own basemap (`--basemap FILE`): its MapLibre style and its vector tiles.

use serde_json::json;

use super::build::{int, item, ok, query, schema, Op};
use super::paths::Paths;

/// `/basemap/style.json` and `/basemap/tiles/{z}/{x}/{y}`.
pub(crate) fn paths() -> Paths {
    let coord = |name: &str, max: usize, what: &str| json!({"name": name, "in": "path", "required": true, "schema": int(0, max, None), "description": what});
    vec![
        (
            "/basemap/style.json",
            item([(
                "get",
                Op::new("service", "basemapStyle", "The MapLibre style of the deployment's own basemap")
                    .describe(
                        "Served only when the server was started with `--basemap FILE` (404 otherwise). Every \
                         URL in it is root-relative to this server (tiles, the shipped Noto Sans font files): \
                         a client resolves them against the origin it fetched the style from. `Cache-Control: \
                         no-cache` with an `ETag` of the archive's version.",
                    )
                    .params([query("lang", schema("LanguageCode"), "Labels in this language where the tiles carry `name:<lang>`, else the local name")])
                    .answer(200, ok("A MapLibre style (v8)", &["application/json"], json!({"type": "object"})))
                    .header(200, "ETag", "The archive's version")
                    .header(200, "Cache-Control", "no-cache")
                    .answer(304, json!({"description": "The style is unchanged (If-None-Match)"}))
                    .problems(&[400, 404]),
            )]),
        ),
        (
            "/basemap/tiles/{z}/{x}/{y}",
            item([(
                "get",
                Op::new("service", "basemapTile", "One vector tile of the deployment's own basemap")
                    .describe(
                        "XYZ numbering (row 0 in the north). Gzip-compressed (`Content-Encoding: gzip`) when \
                         the client accepts it, as stored; 204 where the archive has no tile; 404 without \
                         `--basemap`; 400 for a column or row outside the zoom's grid. Tiles may be cached \
                         for a day (`Cache-Control: public, max-age=86400`) and revalidated with the `ETag`.",
                    )
                    .params([
                        coord("z", 30, "Zoom"),
                        coord("x", (1 << 30) - 1, "Column, below 2^z"),
                        coord("y", (1 << 30) - 1, "Row from the north, below 2^z"),
                    ])
                    .answer(200, ok("A Mapbox Vector Tile", &[crate::basemap::http::MVT], json!({"type": "string", "format": "binary"})))
                    .header(200, "ETag", "The archive's version")
                    .header(200, "Cache-Control", crate::basemap::http::TILE_CACHE)
                    .answer(204, json!({"description": "The archive has no tile here (an empty tile)"}))
                    .answer(304, json!({"description": "The tile is unchanged (If-None-Match)"}))
                    .problems(&[400, 404]),
            )]),
        ),
    ]
}
