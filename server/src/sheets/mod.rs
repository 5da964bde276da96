//! Printable referral sheets in the family's language, their text-message version, and a
//! public page per site (what a sheet's QR code opens).
//!
//! - `GET /referral?sites=ID,ID,...&lang=es[&from=ZIP | &from=lat,lon][&format=txt][&units=km|mi][&paper=a4|letter]`
//! - `GET /s/{id}?lang=es` — one site, same layout as a sheet entry.
//!
//! Pages are rendered with askama: templates are compiled into the binary and every value is
//! HTML-escaped unless its type says it already is ([`crate::i18n::Label`] escapes itself), so
//! partner-entered text can never become markup. The pages carry a strict
//! Content-Security-Policy (no inline script or style; CSS and the one small script are files
//! served from here), `Referrer-Policy: no-referrer` and `Cache-Control: no-store`, because a
//! sheet's address can carry the family's ZIP code.
//!
//! Privacy: the origin (`from`) is used to compute distances and then dropped. It is not
//! logged (the request log holds the route template only), not stored, not echoed anywhere on
//! the sheet, and does not move the map. The page's script also removes it from the address
//! bar, so a printout's header and the browser history do not show it.
//! Confidential sites show "call for the location", a distance to their stand-in rounded to the kilometre, no
//! street and no coordinates, and are left off the map.
//!
//! `format=pdf` is not offered: a PDF that handles Arabic shaping, right-to-left text and CJK
//! fonts as well as the browser does would need a full layout engine; the HTML is laid out for
//! print (Letter and A4) and "Print → Save as PDF" gives the PDF.

pub mod map;
pub mod model;
pub mod qr;
pub mod sms;

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use chrono_tz::Tz;
use uuid::Uuid;

use crate::domain::{LanguageCode, LonLat, Site};
use crate::http::error::ApiError;
use crate::http::extract::Params;
use crate::i18n::{Label, Locale, Tr};
use crate::state::AppState;
use map::MapView;
use model::{Context, Entry};

/// Most sites on one sheet. Six fit on two printed pages; ten may take three.
pub const MAX_SITES: usize = 10;

/// Content-Security-Policy of every page rendered here: nothing inline, nothing from elsewhere,
/// and no way to turn a string into script (`require-trusted-types-for`).
pub const CSP: &str = "default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; \
                       base-uri 'none'; form-action 'none'; frame-ancestors 'none'; \
                       require-trusted-types-for 'script'";

const SHEET_CSS: &str = include_str!("../../assets/sheet.css");
const SHEET_JS: &str = include_str!("../../assets/sheet.js");
/// A fingerprint of the stylesheet and script, appended to their URLs (`?v=`), so a browser
/// never combines a new page with an old cached stylesheet after an upgrade.
fn asset_version() -> &'static str {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| {
        // FNV-1a, 64 bits: stable across builds and platforms, unlike std's hasher.
        let hash = SHEET_CSS
            .bytes()
            .chain(SHEET_JS.bytes())
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        format!("{:08x}", hash >> 32)
    })
}

const PAPER_A4_CSS: &str = "@page { size: A4; }\n";
const PAPER_LETTER_CSS: &str = "@page { size: letter; }\n";

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/referral", get(referral).layer(crate::http::no_store()))
        .route("/s/{id}", get(site_page))
        .route("/referral/sheet.css", get(|| asset("text/css; charset=utf-8", SHEET_CSS)))
        .route("/referral/sheet.js", get(|| asset("text/javascript; charset=utf-8", SHEET_JS)))
        .route("/referral/paper-a4.css", get(|| asset("text/css; charset=utf-8", PAPER_A4_CSS)))
        .route("/referral/paper-letter.css", get(|| asset("text/css; charset=utf-8", PAPER_LETTER_CSS)))
}

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    res
}

/// How the answer is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Html,
    Text,
}

/// The frame every page shares: language, direction, title, print options, footer.
struct Frame<'a> {
    tr: Tr<'a>,
    /// Between items of a list (`, `; `、` in Chinese, `، ` in Arabic).
    separator: String,
    version: &'static str,
    lang: &'a str,
    dir: &'static str,
    title: Label,
    paper: Option<&'static str>,
    printed_on: Label,
    language: Label,
    unreviewed: bool,
}

/// The map with its labels.
struct MapBlock {
    view: MapView,
    scale: Label,
}

#[derive(Template)]
#[template(path = "sheet.html")]
struct SheetPage<'a> {
    frame: Frame<'a>,
    entries: Vec<Entry>,
    map: Option<MapBlock>,
    sms: String,
    sms_segments: Label,
    txt_href: String,
}

#[derive(Template)]
#[template(path = "site.html")]
struct SitePage<'a> {
    frame: Frame<'a>,
    entries: Vec<Entry>,
    map: Option<MapBlock>,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    frame: Frame<'a>,
    message: Label,
    detail: String,
}

/// Security headers of every rendered page.
fn secure(mut res: Response, lang: &str) -> Response {
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    if let Ok(v) = HeaderValue::from_str(lang) {
        h.insert(header::CONTENT_LANGUAGE, v);
    }
    res
}

fn html(status: StatusCode, page: &impl Template, lang: &str) -> Response {
    match page.render() {
        Ok(body) => {
            secure((status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response(), lang)
        }
        Err(e) => ApiError::Internal(anyhow::anyhow!("rendering a page: {e}")).into_response(),
    }
}

fn text(status: StatusCode, body: String, lang: &str) -> Response {
    secure((status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response(), lang)
}

/// The language asked for: `lang` if given (it must have a translation file), else the best
/// of `Accept-Language`, else English.
fn locale<'a>(
    state: &'a AppState,
    params: Option<&Params>,
    headers: &HeaderMap,
) -> Result<&'a Locale, ApiError> {
    let i18n = &state.i18n;
    if let Some(raw) = params.and_then(|p| p.get("lang")) {
        let code = LanguageCode::parse(raw).map_err(|m| ApiError::param("lang", m))?;
        return i18n.locale(code.as_str()).ok_or_else(|| {
            let known: Vec<&str> = i18n.locales().map(Locale::code).collect();
            ApiError::param(
                "lang",
                format!("there is no translation for '{code}' (available: {})", known.join(", ")),
            )
        });
    }
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    Ok(i18n.negotiate(accept).unwrap_or_else(|| i18n.source()))
}

/// Where distances are measured from: a five-digit ZIP code, or `lat,lon` in decimal degrees
/// (latitude first, as people say it and as map apps copy it).
pub fn parse_from(raw: &str, zips: &crate::places::zip::ZipIndex) -> Result<LonLat, ApiError> {
    let raw = raw.trim();
    if let Some((lat, lon)) = raw.split_once(',') {
        let number = |s: &str, what: &str| {
            s.trim().parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(|| {
                ApiError::param("from", format!("'{}' is not a {what} in decimal degrees", s.trim()))
            })
        };
        let (lat, lon) = (number(lat, "latitude")?, number(lon, "longitude")?);
        return LonLat::new(lon, lat).map_err(|e| {
            let hint = if lat.abs() > 90.0 && lon.abs() <= 90.0 {
                " (from= is lat,lon: latitude first)"
            } else {
                ""
            };
            let which = if e.field == "lat" { "latitude" } else { "longitude" };
            let value = if e.field == "lat" { lat } else { lon };
            let range = if e.field == "lat" { "[-90, 90]" } else { "[-180, 180]" };
            ApiError::param("from", format!("{which} {value} is outside {range}{hint}"))
        });
    }
    if crate::places::zip::parse_zip(raw).is_none() {
        return Err(ApiError::param("from", "give a five-digit ZIP code (33125) or lat,lon (25.78,-80.23)"));
    }
    zips.lookup(raw).ok_or_else(|| ApiError::UnknownPlace {
        field: "from",
        detail: format!("ZIP code {raw} is not known (it has no ZIP code area)"),
    })
}

/// Farthest a family can plausibly be from every place on its sheet, in metres.
const MAX_PLAUSIBLE_M: f64 = 1_000_000.0;

/// Refuses an origin over 1000 km from every place on the sheet: almost always latitude and
/// longitude given the wrong way round, which would print wrong distances for a family.
/// Confidential sites take no part, and the message names no distance, so the check can never
/// help locate one.
fn check_plausible(origin: LonLat, sites: &[Arc<Site>]) -> Result<(), ApiError> {
    let nearest = sites
        .iter()
        .filter(|s| !s.confidential)
        .filter_map(|s| s.location())
        .map(|at| origin.distance_m(at))
        .reduce(f64::min);
    match nearest {
        Some(d) if d > MAX_PLAUSIBLE_M => Err(ApiError::param(
            "from",
            "is more than 1000 km from every place on this sheet; check it is lat,lon (latitude first)",
        )),
        _ => Ok(()),
    }
}

/// The site ids of a sheet, in the counselor's order, repeats removed.
fn parse_sites(raw: Option<&str>) -> Result<Vec<Uuid>, ApiError> {
    let raw = raw.ok_or_else(|| ApiError::param("sites", "is required: site ids separated by commas"))?;
    let mut ids: Vec<Uuid> = Vec::new();
    for (i, part) in raw.split(',').map(str::trim).filter(|p| !p.is_empty()).enumerate() {
        let id = Uuid::parse_str(part)
            .map_err(|_| ApiError::param("sites", format!("place {} ('{part}') is not a site id", i + 1)))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        return Err(ApiError::param("sites", "is required: site ids separated by commas"));
    }
    if ids.len() > MAX_SITES {
        return Err(ApiError::param(
            "sites",
            format!("has {} sites; a sheet holds at most {MAX_SITES}", ids.len()),
        ));
    }
    Ok(ids)
}

fn choice(params: &Params, name: &str, allowed: &[&'static str]) -> Result<Option<&'static str>, ApiError> {
    params.parse(name, |v| {
        let v = v.trim().to_ascii_lowercase();
        allowed
            .iter()
            .copied()
            .find(|a| *a == v)
            .ok_or_else(|| format!("'{v}' is not one of {}", allowed.join(", ")))
    })
}

/// Absolute address of the public site pages (`https://host/s/`); see [`crate::http::public_base`].
fn site_url_base(state: &AppState, headers: &HeaderMap) -> Option<String> {
    crate::http::public_base(&state.settings, headers).map(|base| format!("{base}/s/"))
}

/// The zone dates are printed in: the first site's own zone (that is where the family is),
/// else UTC.
fn zone(sites: &[Arc<Site>]) -> Tz {
    sites.iter().find_map(|s| s.hours.as_ref().map(|h| h.timezone)).unwrap_or(Tz::UTC)
}

fn frame<'a>(
    state: &'a AppState,
    locale: &'a Locale,
    title_key: &str,
    paper: Option<&'static str>,
    tz: Tz,
) -> Frame<'a> {
    let tr = state.i18n.tr(locale);
    let ctx = context(state, tr, false, None);
    let today = Utc::now().with_timezone(&tz).date_naive();
    let date = ctx.date(today);
    let mut printed_on = tr.f("sheet.printed_on", &[("date", &date.text)]);
    printed_on.fallback |= date.fallback;
    Frame {
        tr,
        separator: tr.separator(),
        version: asset_version(),
        lang: locale.code(),
        dir: locale.dir().as_str(),
        title: tr.t(title_key),
        paper,
        printed_on,
        language: tr.f("sheet.language", &[("language", locale.name())]),
        unreviewed: tr.unreviewed() > 0,
    }
}

fn context<'a>(state: &AppState, tr: Tr<'a>, miles: bool, site_url_base: Option<String>) -> Context<'a> {
    Context {
        clip: true,
        fmt: std::rc::Rc::new(crate::cldr::LocaleFormat::new(tr.locale().code())),
        tr,
        lang: tr.locale().code(),
        now: Utc::now(),
        stale_after_days: state.settings.stale_after_days,
        miles,
        site_url_base,
    }
}

/// Miles for English (a US deployment's families read road signs in miles), kilometres for
/// every other language; `units=` overrides.
fn miles(params: &Params, locale: &Locale) -> Result<bool, ApiError> {
    Ok(match choice(params, "units", &["km", "mi"])? {
        Some(u) => u == "mi",
        None => locale.code() == "en",
    })
}

/// The public points of `sites` a map draws: confidential sites are neither drawn nor used to
/// frame the map (nor to choose which basemap tiles are read).
fn map_points(sites: &[(usize, &Site)]) -> Vec<(usize, LonLat)> {
    sites.iter().filter(|(_, s)| !s.confidential).filter_map(|(n, s)| Some((*n, s.location()?))).collect()
}

/// Roads and place names for the map of `points`, from the deployment's basemap if it has one.
async fn streets(
    state: &AppState,
    points: &[(usize, LonLat)],
    lang: &str,
) -> Option<crate::basemap::streets::Streets> {
    let archive = state.tiles.as_deref()?;
    let bounds = map::frame(points)?;
    Some(crate::basemap::streets::for_frame(archive, bounds, map::WIDTH, lang).await)
}

fn map_block(
    state: &AppState,
    tr: Tr<'_>,
    points: &[(usize, LonLat)],
    streets: Option<&crate::basemap::streets::Streets>,
    miles: bool,
) -> Option<MapBlock> {
    let view = map::draw_with_streets(points, &state.basemap, &state.zips, streets, miles)?;
    let per = if miles { 1_609.344 } else { 1_000.0 };
    let value = view.scale_m / per;
    let value = if value < 1.0 { format!("{value}") } else { format!("{value:.0}") };
    let scale = tr.f(if miles { "units.mi" } else { "units.km" }, &[("value", &value)]);
    Some(MapBlock { view, scale })
}

/// What went wrong, answered in the format and language asked for: a readable page, plain
/// text, or problem+json for API clients that ask for JSON.
fn refuse(state: &AppState, locale: &Locale, err: ApiError, format: Format, headers: &HeaderMap) -> Response {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let wants_json = accept.contains("json") && !accept.contains("text/html");
    if wants_json || matches!(err, ApiError::Internal(_)) {
        return err.into_response();
    }
    let status = err.status();
    let problem = err.problem();
    let tr = state.i18n.tr(locale);
    let message = match status {
        StatusCode::NOT_FOUND => tr.t("sheet.error_not_found"),
        _ => tr.t("sheet.error_bad_request"),
    };
    if format == Format::Text {
        let body = format!("{}\n{}\n\n{}\n", tr.t("sheet.error_title").text, message.text, problem.detail);
        return text(status, body, locale.code());
    }
    let page = ErrorPage {
        frame: frame(state, locale, "sheet.error_title", None, Tz::UTC),
        message,
        detail: problem.detail,
    };
    html(status, &page, locale.code())
}

/// The query, the format and the language of a page request — or the readable page refusing
/// them.
fn start<'a>(
    state: &'a AppState,
    headers: &HeaderMap,
    params: Result<Params, ApiError>,
) -> Result<(Params, Format, &'a Locale), Box<Response>> {
    let source = state.i18n.source();
    let params = params.map_err(|e| Box::new(refuse(state, source, e, Format::Html, headers)))?;
    let format = match params.get("format").map(|f| f.trim().to_ascii_lowercase()).as_deref() {
        Some("txt" | "text") => Format::Text,
        _ => Format::Html,
    };
    let locale = locale(state, Some(&params), headers)
        .map_err(|e| Box::new(refuse(state, source, e, format, headers)))?;
    Ok((params, format, locale))
}

async fn referral(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Params, ApiError>,
) -> Response {
    let (params, format, locale) = match start(&state, &headers, params) {
        Ok(started) => started,
        Err(refused) => return *refused,
    };
    sheet(&state, locale, &params, format, &headers)
        .await
        .unwrap_or_else(|e| refuse(&state, locale, e, format, &headers))
}

async fn sheet(
    state: &AppState,
    locale: &Locale,
    params: &Params,
    format: Format,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    params.allow(&["sites", "lang", "from", "format", "units", "paper"])?;
    if let Some(f) = params.get("format") {
        match f.trim().to_ascii_lowercase().as_str() {
            "html" | "txt" | "text" => {}
            "pdf" => {
                return Err(ApiError::param(
                    "format",
                    "pdf is not offered: open the sheet and print it (Print, then Save as PDF); it is laid out for Letter and A4",
                ))
            }
            other => return Err(ApiError::param("format", format!("'{other}' is not one of html, txt"))),
        }
    }
    let ids = parse_sites(params.get("sites"))?;
    let origin = params.get("from").map(|raw| parse_from(raw, &state.zips)).transpose()?;
    let miles = miles(params, locale)?;
    let paper = choice(params, "paper", &["a4", "letter"])?;

    // Each place with where its distance is measured from: a confidential site's stand-in.
    let (sites, measured_at): (Vec<Arc<Site>>, Vec<Option<LonLat>>) = {
        let catalog = state.directory.read();
        ids.iter()
            .enumerate()
            .map(|(i, id)| {
                let s = catalog.site(*id).filter(|s| catalog.is_public(s)).cloned().ok_or_else(|| {
                    ApiError::NotFound(format!("place {} on this sheet (site {id})", i + 1))
                })?;
                let at = catalog.public_location(&s);
                Ok((s, at))
            })
            .collect::<Result<Vec<_>, ApiError>>()?
            .into_iter()
            .unzip()
    };
    if let Some(o) = origin {
        check_plausible(o, &sites)?;
    }
    let tz = zone(&sites);
    // The streets are read first: the translations in use below are not held across an await.
    let numbered: Vec<(usize, &Site)> = sites.iter().enumerate().map(|(i, s)| (i + 1, s.as_ref())).collect();
    let points = map_points(&numbered);
    let streets = if format == Format::Text { None } else { streets(state, &points, locale.code()).await };
    let tr = state.i18n.tr(locale);
    // The text version carries no QR codes: skip encoding them.
    let urls = if format == Format::Html { site_url_base(state, headers) } else { None };
    let ctx = context(state, tr, miles, urls);
    let entries: Vec<Entry> = sites
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let distance = origin.zip(measured_at[i]).map(|(o, at)| o.distance_m(at));
            ctx.entry(i + 1, s, distance)
        })
        .collect();
    let sms = sms::compose_in(
        &tr.t("sheet.sms_title").text,
        &entries.iter().map(|e| e.sms.clone()).collect::<Vec<_>>(),
        &tr.t("sheet.sms_footer").text,
        locale.dir() == crate::i18n::Dir::Rtl,
    );
    if format == Format::Text {
        return Ok(text(StatusCode::OK, sms, locale.code()));
    }
    // The text version's link carries neither the origin nor anything else about the family.
    let txt_href = format!(
        "/referral?sites={}&lang={}&format=txt",
        ids.iter().map(Uuid::to_string).collect::<Vec<_>>().join(","),
        locale.code()
    );
    let page = SheetPage {
        frame: frame(state, locale, "sheet.title", paper, tz),
        map: map_block(state, tr, &points, streets.as_ref(), miles),
        entries,
        sms_segments: tr.f("sheet.sms_segments", &[("count", &sms::segments(&sms).to_string())]),
        sms,
        txt_href,
    };
    Ok(html(StatusCode::OK, &page, locale.code()))
}

async fn site_page(
    State(state): State<AppState>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
    params: Result<Params, ApiError>,
) -> Response {
    let (params, _, locale) = match start(&state, &headers, params) {
        Ok(started) => started,
        Err(refused) => return *refused,
    };
    let result = async {
        params.allow(&["lang", "units", "paper"])?;
        let miles = miles(&params, locale)?;
        let paper = choice(&params, "paper", &["a4", "letter"])?;
        let not_found = || ApiError::NotFound("this place".to_owned());
        let id = Uuid::parse_str(raw_id.trim()).map_err(|_| not_found())?;
        let site = {
            let catalog = state.directory.read();
            catalog.site(id).filter(|s| catalog.is_public(s)).cloned().ok_or_else(not_found)?
        };
        let tz = zone(std::slice::from_ref(&site));
        let points = map_points(&[(1, &site)]);
        let streets = streets(&state, &points, locale.code()).await;
        let tr = state.i18n.tr(locale);
        let ctx = Context { clip: false, ..context(&state, tr, miles, site_url_base(&state, &headers)) };
        let entry = ctx.entry(1, &site, None);
        let mut frame = frame(&state, locale, "sheet.title", paper, tz);
        frame.title = Label::plain(site.name.clone());
        let page = SitePage {
            frame,
            map: map_block(&state, tr, &points, streets.as_ref(), miles),
            entries: vec![entry],
        };
        Ok::<_, ApiError>(html(StatusCode::OK, &page, locale.code()))
    }
    .await;
    result.unwrap_or_else(|e| refuse(&state, locale, e, Format::Html, &headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zips() -> crate::places::zip::ZipIndex {
        crate::places::zip::ZipIndex::load(&crate::config::default_dir("data").join("zcta_centroids.csv"))
            .unwrap()
    }

    fn field_message(e: ApiError) -> String {
        match e {
            ApiError::BadRequest(f) => format!("{}: {}", f.field, f.message),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn from_is_a_zip_or_lat_lon() {
        let z = zips();
        let at = parse_from("25.78,-80.23", &z).unwrap();
        assert_eq!((at.lat(), at.lon()), (25.78, -80.23));
        assert!(parse_from("33125", &z).is_ok());
        assert!(field_message(parse_from("-157.8,21.3", &z).unwrap_err()).contains("latitude first"));
        assert!(field_message(parse_from("91,0", &z).unwrap_err()).starts_with("from: latitude 91"));
        // A well-formed ZIP code with no ZIP area is no such place (404, naming `from`).
        assert!(matches!(parse_from("00000", &z), Err(ApiError::UnknownPlace { field: "from", .. })));
        assert!(field_message(parse_from("Miami", &z).unwrap_err()).contains("ZIP code"));
        assert!(field_message(parse_from("NaN,1", &z).unwrap_err()).contains("latitude"));
    }

    #[test]
    fn sites_are_ids_in_order_without_repeats() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        assert_eq!(parse_sites(Some(&format!("{a}, {b},{a}"))).unwrap(), [a, b]);
        assert!(field_message(parse_sites(Some("x")).unwrap_err()).contains("place 1"));
        assert!(parse_sites(Some(",")).is_err());
        let many = (0..=MAX_SITES).map(|_| Uuid::new_v4().to_string()).collect::<Vec<_>>().join(",");
        assert!(field_message(parse_sites(Some(&many)).unwrap_err()).contains("at most"));
    }
}
