//! `/ogc/collections/{collectionId}/items` and `/items/{featureId}`: pages of features with
//! `bbox`, `datetime`, `limit`, `offset` and the declared queryables as `?name=value` filters.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::feature::{feature, Feature};
use super::{answer, html, Base, Collection, Format, Link};
use crate::catalog::SiteQuery;
use crate::domain::{BBox, Category, Cost, Site};
use crate::http::error::ApiError;
use crate::http::extract::Params;
use crate::state::AppState;

/// Features per page when `limit` is not given.
pub const DEFAULT_LIMIT: usize = 100;
/// The largest page; a larger `limit` is served as this (OGC: not an error).
pub const MAX_LIMIT: usize = 1000;

/// The queryables: each is a `?name=value` filter (see [`super::queryables_schema`]).
pub const QUERYABLES: [&str; 9] = [
    "category",
    "language",
    "cost",
    "walk_in",
    "appointment_required",
    "no_id_required",
    "city",
    "postal_code",
    "partner_id",
];

/// The other parameters of the items.
pub const ITEM_PARAMS: [&str; 5] = ["f", "bbox", "datetime", "limit", "offset"];

/// A `datetime` filter on `last_verified_at`: an instant (a date is the whole day) or an
/// interval `start/end` with `..` (or nothing) for an open end; ends are included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Interval {
    start: Option<DateTime<Utc>>,
    /// Exclusive when the end was a date (the day after it), inclusive otherwise.
    end: Option<(DateTime<Utc>, bool)>,
}

impl Interval {
    pub(crate) fn parse(raw: &str) -> Result<Self, String> {
        let bad = || {
            format!("'{raw}' is not an RFC 3339 date-time, a date, or an interval start/end (.. for open)")
        };
        let point = |s: &str| -> Result<Option<(DateTime<Utc>, bool)>, String> {
            let s = s.trim();
            if s.is_empty() || s == ".." {
                return Ok(None);
            }
            if let Ok(t) = DateTime::parse_from_rfc3339(s) {
                return Ok(Some((t.with_timezone(&Utc), false)));
            }
            let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad())?;
            Ok(Some((d.and_hms_opt(0, 0, 0).ok_or_else(bad)?.and_utc(), true)))
        };
        match raw.split_once('/') {
            None => {
                let (t, date) = point(raw)?.ok_or_else(bad)?;
                let end = if date { t + chrono::Duration::days(1) } else { t };
                Ok(Self { start: Some(t), end: Some((end, date)) })
            }
            Some((a, b)) => {
                let start = point(a)?.map(|(t, _)| t);
                let end =
                    point(b)?.map(
                        |(t, date)| if date { (t + chrono::Duration::days(1), true) } else { (t, false) },
                    );
                if start.is_none() && end.is_none() {
                    return Err(format!("'{raw}' is open at both ends"));
                }
                // One that ends before it starts holds no time: it matches nothing (as an empty
                // bbox does), rather than being an error no reading of it would fix.
                Ok(Self { start, end })
            }
        }
    }

    pub(crate) fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start.is_none_or(|s| t >= s)
            && self.end.is_none_or(|(e, exclusive)| if exclusive { t < e } else { t <= e })
    }
}

/// The items' filters, parsed.
struct Filters {
    /// A category collection filtered by another category: nothing matches.
    contradicts: bool,
    query: SiteQuery,
    cost: Option<Cost>,
    walk_in: Option<bool>,
    appointment_required: Option<bool>,
    no_id_required: Option<bool>,
    city: Option<String>,
    postal_code: Option<String>,
    datetime: Option<Interval>,
}

fn boolean(v: &str) -> Result<bool, String> {
    match v.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(format!("'{v}' is not true or false")),
    }
}

impl Filters {
    fn parse(
        params: &Params,
        collection: &Collection,
        known: impl Fn(&Category) -> bool,
    ) -> Result<Self, ApiError> {
        let category = params.parse("category", |v| {
            let c = Category::parse(v)?;
            if known(&c) {
                Ok(c)
            } else {
                Err(format!("'{c}' is not a known category (see the queryables)"))
            }
        })?;
        // A category collection filtered by another category is empty, not an error.
        let (category, contradicts) = match (&collection.category, category) {
            (Some(own), other) => (Some(own.clone()), other.is_some_and(|o| o != *own)),
            (None, c) => (c, false),
        };
        Ok(Self {
            contradicts,
            query: SiteQuery {
                category,
                language: params.language("language")?,
                partner: params.parse("partner_id", |v| {
                    Uuid::parse_str(v).map_err(|_| format!("'{v}' is not a UUID"))
                })?,
                bbox: params.parse("bbox", |v| BBox::parse(v, true))?,
                admin: false,
                own_partner: None,
            },
            cost: params.parse("cost", |v| {
                Cost::ALL
                    .into_iter()
                    .find(|c| c.as_str() == v)
                    .ok_or_else(|| format!("'{v}' is not free, sliding_scale or fee"))
            })?,
            walk_in: params.parse("walk_in", boolean)?,
            appointment_required: params.parse("appointment_required", boolean)?,
            no_id_required: params.parse("no_id_required", boolean)?,
            city: params.get("city").map(|c| c.trim().to_owned()),
            postal_code: params.get("postal_code").map(|c| c.trim().to_owned()),
            datetime: params.parse("datetime", Interval::parse)?,
        })
    }

    /// The filters beyond the catalog's own (category, language, partner, bbox).
    fn keeps(&self, s: &Site) -> bool {
        !self.contradicts
            && (self.cost.is_none() || s.cost == self.cost)
            && (self.walk_in.is_none() || s.walk_in == self.walk_in)
            && (self.appointment_required.is_none() || s.appointment_required == self.appointment_required)
            && (self.no_id_required.is_none() || s.no_id_required == self.no_id_required)
            && self.city.as_ref().is_none_or(|c| s.city.as_deref().map(str::trim) == Some(c))
            && self.postal_code.as_ref().is_none_or(|p| {
                crate::visibility::confidential::shown_postal_code(s, true).map(str::trim) == Some(p.as_str())
            })
            && self.datetime.is_none_or(|i| s.last_verified_at.is_some_and(|t| i.contains(t)))
    }
}

/// A page of features.
#[derive(Serialize)]
struct Page<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    features: Vec<Feature<'a>>,
    links: Vec<Link>,
    #[serde(rename = "numberMatched")]
    number_matched: usize,
    #[serde(rename = "numberReturned")]
    number_returned: usize,
    #[serde(rename = "timeStamp")]
    time_stamp: String,
}

/// The address of a page: the request's own parameters with `f`, `limit` and `offset` set.
fn page_url(base: &Base, path: &str, params: &Params, f: &str, limit: usize, offset: usize) -> String {
    let mut keys: Vec<&String> =
        params.0.keys().filter(|k| !["f", "limit", "offset"].contains(&k.as_str())).collect();
    keys.sort();
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for k in keys {
        q.append_pair(k, &params.0[k]);
    }
    q.append_pair("f", f).append_pair("limit", &limit.to_string()).append_pair("offset", &offset.to_string());
    base.url(&format!("{path}?{}", q.finish()))
}

pub(super) async fn items(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(collection_id): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let allowed: Vec<&str> = ITEM_PARAMS.iter().chain(QUERYABLES.iter()).copied().collect();
    params.allow(&allowed)?;
    let format = Format::of(&params, &headers)?;
    // Any page size of 1 or more: a larger one than MAX_LIMIT, however large, is served as
    // MAX_LIMIT (OGC API – Features, /req/core/fc-limit-response-1).
    let limit = params
        .parse("limit", |v| match v.trim() {
            d if !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()) && d.bytes().any(|b| b != b'0') => {
                Ok(d.parse::<usize>().map_or(MAX_LIMIT, |n| n.min(MAX_LIMIT)))
            }
            _ => Err(format!("'{v}' is not a whole number of 1 or more")),
        })?
        .unwrap_or(DEFAULT_LIMIT);
    let offset = params.integer("offset", 0..=crate::http::extract::MAX_OFFSET)?.unwrap_or(0);
    let base = Base::of(&state, &headers);
    let site_base = base.url("/s/");
    let now = Utc::now();
    let days = state.settings.stale_after_days;
    let catalog = state.directory.read();
    let collection = Collection::find(&catalog, &collection_id)?;
    let filters = Filters::parse(&params, &collection, |c| catalog.is_category(c))?;
    let (matched, page) = catalog.select_page(&filters.query, |s| filters.keeps(s), offset, limit);
    let features: Vec<Feature<'_>> =
        page.into_iter().map(|s| feature(&catalog, s, now, days, &site_base)).collect();
    let path = format!("/ogc/collections/{}/items", collection.id);
    let (f, media) = format.this("application/geo+json");
    let (other_f, other_media) = format.other("application/geo+json");
    let mut links = vec![
        Link::new(page_url(&base, &path, &params, f, limit, offset), "self", media).titled("This page"),
        Link::new(page_url(&base, &path, &params, other_f, limit, offset), "alternate", other_media)
            .titled("This page in another format"),
    ];
    if offset + features.len() < matched {
        links.push(
            Link::new(page_url(&base, &path, &params, f, limit, offset + limit), "next", media)
                .titled("Next page"),
        );
    }
    if offset > 0 {
        let prev = offset.saturating_sub(limit);
        links.push(
            Link::new(page_url(&base, &path, &params, f, limit, prev), "prev", media).titled("Previous page"),
        );
    }
    links.push(collection.link(&base));
    let page = Page {
        kind: "FeatureCollection",
        number_matched: matched,
        number_returned: features.len(),
        time_stamp: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        features,
        links,
    };
    match format {
        Format::Json => crate::http::geojson(&page),
        Format::Html => {
            let body = serde_json::to_value(&page).map_err(|e| ApiError::Internal(e.into()))?;
            Ok(answer(format, &body, "application/geo+json", || html::items(&collection, &body)))
        }
    }
}

pub(super) async fn item(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((collection_id, feature_id)): Path<(String, String)>,
    params: Params,
) -> Result<Response, ApiError> {
    let (format, base) = super::negotiate(&state, &headers, &params)?;
    let catalog = state.directory.read();
    let collection = Collection::find(&catalog, &collection_id)?;
    let not_found =
        || ApiError::NotFound(format!("feature '{feature_id}' in collection '{}'", collection.id));
    let id = Uuid::parse_str(&feature_id).map_err(|_| not_found())?;
    let site = catalog
        .site(id)
        .filter(|s| catalog.is_public(s))
        .filter(|s| collection.category.as_ref().is_none_or(|c| s.categories.contains(c)))
        .ok_or_else(not_found)?;
    let path = format!("/ogc/collections/{}/items/{id}", collection.id);
    let mut links = super::self_links(&base, &path, format, "application/geo+json");
    links.push(collection.link(&base));
    let f = feature(&catalog, site, Utc::now(), state.settings.stale_after_days, &base.url("/s/"))
        .with_links(links);
    match format {
        Format::Json => crate::http::geojson(&f),
        Format::Html => {
            let body = serde_json::to_value(&f).map_err(|e| ApiError::Internal(e.into()))?;
            Ok(answer(format, &body, "application/geo+json", || html::item(&body)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn datetime_instants_dates_and_intervals() {
        let day = Interval::parse("2026-10-01").unwrap();
        assert!(day.contains(t("2026-10-01T00:00:00Z")) && day.contains(t("2026-10-01T23:59:59Z")));
        assert!(!day.contains(t("2026-10-02T00:00:00Z")) && !day.contains(t("2026-09-30T23:59:59Z")));
        let instant = Interval::parse("2026-10-01T12:00:00Z").unwrap();
        assert!(instant.contains(t("2026-10-01T12:00:00Z")) && !instant.contains(t("2026-10-01T12:00:01Z")));
        let since = Interval::parse("2026-01-01/..").unwrap();
        assert!(since.contains(t("2030-01-01T00:00:00Z")) && !since.contains(t("2025-12-31T23:59:59Z")));
        let until = Interval::parse("../2026-01-01").unwrap();
        assert!(until.contains(t("2026-01-01T23:00:00Z")) && !until.contains(t("2026-01-02T00:00:00Z")));
        let closed = Interval::parse("2026-01-01T00:00:00Z/2026-02-01T00:00:00Z").unwrap();
        assert!(closed.contains(t("2026-02-01T00:00:00Z")) && !closed.contains(t("2026-02-01T00:00:01Z")));
        for bad in ["yesterday", "../..", "/", "2026-13-01"] {
            assert!(Interval::parse(bad).is_err(), "{bad}");
        }
        // One that ends before it starts is empty, not an error.
        let never = Interval::parse("2026-02-01/2026-01-01").unwrap();
        for at in ["2025-12-31T00:00:00Z", "2026-01-15T00:00:00Z", "2026-03-01T00:00:00Z"] {
            assert!(!never.contains(t(at)), "{at}");
        }
    }
}
