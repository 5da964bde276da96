//! `GET /api/v1/config`: what the map page needs to start — the basemap choice, the area the
//! directory covers, the freshness rule and the languages it has translation files for.
//!
//! The page reads this once; nothing in it depends on who asks or from where.

use std::path::Path;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::state::AppState;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/config", get(config))
}

async fn config(State(state): State<AppState>) -> Json<Value> {
    let bbox = state.directory.read().public_extent(None);
    let languages = translation_languages(&state.settings.web_dir.join("i18n"));
    Json(json!({
        "map": {"style_url": style_url(&state), "basemap": state.tiles.is_some(), "bbox": bbox},
        "stale_after_days": state.settings.stale_after_days,
        "languages": languages,
    }))
}

/// The style the page draws: the deployment's own basemap (root-relative: the page resolves it
/// against its origin), else `--map-style-url`, else none (the offline outline).
fn style_url(state: &AppState) -> Option<String> {
    if state.tiles.is_some() {
        return Some("/basemap/style.json".to_owned());
    }
    state.settings.map_style_url.clone()
}

/// The translation files beside the page (`web/i18n/<code>.json`): code, own name, writing
/// direction, and how many strings a person has reviewed. English first, then by code.
fn translation_languages(dir: &Path) -> Vec<Value> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out: Vec<(String, Value)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let path = e.path();
            let code = path.file_stem()?.to_str()?.to_owned();
            if path.extension()? != "json" {
                return None;
            }
            let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).ok()?).ok()?;
            let strings = file.get("strings")?.as_object()?;
            let reviewed = strings.values().filter(|s| s["reviewed"] == json!(true)).count();
            let entry = json!({
                "code": code,
                "name": file.get("name").cloned().unwrap_or(Value::Null),
                "dir": file.get("dir").and_then(Value::as_str).unwrap_or("ltr"),
                "strings": strings.len(),
                "reviewed": reviewed,
            });
            Some((code, entry))
        })
        .collect();
    out.sort_by(|(a, _), (b, _)| (a != "en", a).cmp(&(b != "en", b)));
    out.into_iter().map(|(_, v)| v).collect()
}
