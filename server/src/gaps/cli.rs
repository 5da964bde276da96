//! `assetmap gaps` and `assetmap coverage`: the same answers as the HTTP API, from the
//! database; and `assetmap coverage --sites --demand`, from two files with no database.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, ValueEnum};
use serde_json::json;

use super::{CandidateSpec, CsvTable, GapRequest};
use crate::domain::{Category, LanguageCode, OpenAt};
use crate::places::demand::ServiceArea;
use crate::search::index::Filter;
use crate::{config, AppState, Settings};

/// Output of `assetmap gaps`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GapsFormat {
    /// Readable summary, worst places, suggestions and counties.
    Table,
    /// The HTTP answer.
    Json,
    /// The cells as a GeoJSON FeatureCollection.
    Geojson,
    /// Rows (see --table).
    Csv,
}

/// Output of `assetmap coverage`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CoverageFormat {
    /// Readable table.
    Table,
    /// The HTTP answer (database mode).
    Json,
    /// One row per category and threshold.
    Csv,
}

/// Where the data comes from (database mode).
#[derive(Args, Debug, Clone)]
pub struct Source {
    /// Database: a SQLite path or sqlite://path (default data/assetmap.db).
    #[arg(long = "database", env = "DATABASE_URL")]
    database: Option<String>,
    /// Folder with the shipped data.
    #[arg(long, env = "ASSETMAP_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Counties served: 5-digit FIPS codes (12086,12011) or 'all'.
    #[arg(long, env = "ASSETMAP_SERVICE_AREA", value_parser = ServiceArea::parse)]
    service_area: Option<ServiceArea>,
    /// Leave out listings not verified for this many days, as a server started with the same
    /// value hides them from the public. Default: count every listing of an active partner —
    /// a staff tool reading its own database, which may be the 2019 demo snapshot.
    #[arg(long, env = "ASSETMAP_HIDE_AFTER_DAYS", value_parser = config::HideAfter::parse)]
    hide_after_days: Option<config::HideAfter>,
}

impl Source {
    fn settings(&self, demand: Option<PathBuf>) -> Settings {
        let mut s = Settings::new(self.database.clone().unwrap_or_else(config::default_database_url));
        if let Some(d) = &self.data_dir {
            s.data_dir = d.clone();
        }
        if let Some(a) = &self.service_area {
            s.service_area = a.clone();
        }
        s.demand_file = demand;
        s.hide_after_days = self.hide_after_days.unwrap_or(config::HideAfter::Never);
        s
    }
}

/// The post-filters, as in `assetmap nearest`.
#[derive(Args, Debug, Clone)]
pub struct FilterArgs {
    /// Must speak this language (ISO 639-1, e.g. es).
    #[arg(long)]
    lang: Option<String>,
    /// Only free services.
    #[arg(long)]
    free: bool,
    /// Only sites that take walk-ins.
    #[arg(long)]
    walk_in: bool,
    /// Only sites that serve people without ID.
    #[arg(long)]
    no_id: bool,
    /// Only sites open at this local time (2026-11-28T10:00).
    #[arg(long)]
    open_at: Option<String>,
}

impl FilterArgs {
    fn parse(&self) -> anyhow::Result<(Filter, Option<LanguageCode>)> {
        let lang = option("lang", self.lang.as_deref(), LanguageCode::parse)?;
        let f = Filter {
            language: lang.as_ref().map(LanguageCode::packed),
            free: self.free,
            walk_in: self.walk_in,
            no_id: self.no_id,
            open_at: option("open-at", self.open_at.as_deref(), OpenAt::parse)?,
            verified_since: None,
        };
        Ok((f, lang))
    }
}

/// Parses an optional flag's value; the error names the flag.
fn option<T>(
    flag: &str,
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> anyhow::Result<Option<T>> {
    raw.map(parse).transpose().map_err(|e| anyhow::anyhow!("--{flag}: {e}"))
}

/// Parses a flag's value; the error names the flag.
fn value<T>(flag: &str, raw: &str, parse: impl FnOnce(&str) -> Result<T, String>) -> anyhow::Result<T> {
    parse(raw).map_err(|e| anyhow::anyhow!("--{flag}: {e}"))
}

/// `assetmap gaps`.
#[derive(Args, Debug)]
pub struct GapsArgs {
    /// Category slug (legal, health, housing, library, faith, advocacy, ...).
    #[arg(long)]
    category: String,
    /// Distance beyond which people count as far from help: 5km, 800m or 5000 (metres).
    #[arg(long)]
    threshold: String,
    /// More thresholds for the summary, comma-separated (1km,2km,5km,10km).
    #[arg(long)]
    thresholds: Option<String>,
    #[command(flatten)]
    filter: FilterArgs,
    /// H3 resolution of the cells (3 to 8).
    #[arg(long, default_value_t = 7)]
    resolution: usize,
    /// How many places to suggest for one more partner.
    #[arg(long, default_value_t = 3)]
    suggest: usize,
    /// Where suggestions may go: 'tracts', or categories of existing sites (library,faith).
    #[arg(long, default_value = "tracts")]
    candidates: String,
    /// How many worst places to list.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GapsFormat::Table)]
    format: GapsFormat,
    /// Rows of --format csv: tracts, cells or counties.
    #[arg(long, default_value = "tracts")]
    table: String,
    /// Demand CSV to use instead of the census tracts (id,lon,lat,weight[,languages][,county]).
    #[arg(long, env = "ASSETMAP_DEMAND")]
    demand: Option<PathBuf>,
    #[command(flatten)]
    source: Source,
}

/// `assetmap coverage`.
#[derive(Args, Debug)]
pub struct CoverageArgs {
    /// Thresholds, comma-separated: 1km,2km,5km,10km or metres (5000).
    #[arg(long, default_value = "1km,2km,5km,10km")]
    thresholds: String,
    /// File mode: sites (id,category,lon,lat); needs --demand. No database is used.
    #[arg(long, requires = "demand")]
    sites: Option<PathBuf>,
    /// Demand CSV: id,population,lon,lat (or id,lon,lat,weight). With --sites, file mode;
    /// without, it replaces the census tracts.
    #[arg(long, env = "ASSETMAP_DEMAND")]
    demand: Option<PathBuf>,
    /// Threads for the searches (file mode; default: up to 2).
    #[arg(long)]
    threads: Option<usize>,
    #[command(flatten)]
    filter: FilterArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CoverageFormat::Table)]
    format: CoverageFormat,
    #[command(flatten)]
    source: Source,
}

fn limit(name: &str, v: usize, max: usize) -> anyhow::Result<usize> {
    anyhow::ensure!(v <= max, "--{name}: at most {max}");
    Ok(v)
}

/// Runs `assetmap gaps`.
pub async fn gaps(a: GapsArgs, out: &mut (dyn Write + Send)) -> anyhow::Result<ExitCode> {
    let threshold_m = value("threshold", &a.threshold, super::parse_distance)?;
    let thresholds =
        option("thresholds", a.thresholds.as_deref(), super::parse_distances)?.unwrap_or_default();
    let resolution = value("resolution", &a.resolution.to_string(), |r| {
        super::check_resolution(r.parse().map_err(|_| format!("'{r}' is not a number"))?)
    })?;
    let candidates = value("candidates", &a.candidates, CandidateSpec::parse)?;
    let table = value("table", &a.table, CsvTable::parse)?;
    let category = value("category", &a.category, Category::parse)?;
    let (filter, lang) = a.filter.parse()?;
    let state = AppState::load(a.source.settings(a.demand.clone())).await?;
    {
        let catalog = state.directory.read();
        let mut asked = vec![&category];
        if let CandidateSpec::Categories(c) = &candidates {
            asked.extend(c);
        }
        if let Some(c) = asked.into_iter().find(|c| !catalog.is_category(c)) {
            let known: Vec<&str> = catalog.categories().iter().map(|d| d.slug.as_str()).collect();
            anyhow::bail!("--category: '{c}' is not a known category ({})", known.join(", "));
        }
    }
    let req = GapRequest {
        category,
        filter,
        lang,
        open_at: a.filter.open_at.clone(),
        threshold_m,
        thresholds,
        resolution,
        suggest: limit("suggest", a.suggest, super::MAX_SUGGEST)?,
        top: limit("top", a.top, super::MAX_TOP)?,
        candidates,
    };
    let prepared = super::prepare(&state.directory.read(), &req);
    let (report, demand_json) = super::compute(&state.population.demand, prepared, &req);
    let counties = &state.population.counties;
    match a.format {
        GapsFormat::Json => {
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(
                    &super::gaps_json(&req, &report, demand_json, counties, &state.population.demand)
                )?)?
            )?
        }
        GapsFormat::Geojson => writeln!(out, "{}", report.cells_geojson(&state.population.demand))?,
        GapsFormat::Csv => write!(out, "{}", super::gaps_csv(&report, table, counties)?)?,
        GapsFormat::Table => {
            let km = |m: f64| format!("{:.1} km", m / 1000.0);
            let area = match &state.population.demand.source {
                crate::places::demand::DemandSource::Census { service_area } => {
                    format!("service area {service_area}")
                }
                crate::places::demand::DemandSource::Upload { name } => format!("demand file {name}"),
            };
            writeln!(
                out,
                "{} — {} sites match; {}: {} points, {} people",
                req.echo()["category"].as_str().unwrap_or(""),
                report.sites,
                area,
                demand_json["points"],
                report.population_total
            )?;
            writeln!(
                out,
                "beyond {}: {} people ({:.1}%)",
                km(report.threshold_m),
                report.population_beyond,
                100.0 * report.share_beyond()
            )?;
            for t in &report.by_threshold {
                writeln!(
                    out,
                    "beyond {}: {} people ({:.1}%)",
                    km(t.threshold_m),
                    t.population_beyond,
                    100.0 * t.share_beyond
                )?;
            }
            if !report.worst().is_empty() {
                writeln!(out, "\nworst places (beyond {}, most people first):", km(report.threshold_m))?;
                writeln!(
                    out,
                    "{:>4}  {:<12}  {:>10}  {:>10}  {:>10}  {:>11}",
                    "rank", "id", "people", "lon", "lat", "nearest"
                )?;
                for (i, p) in report.worst().iter().enumerate() {
                    let nearest = p.nearest_m.map_or_else(|| "none".to_owned(), km);
                    writeln!(
                        out,
                        "{:>4}  {:<12}  {:>10}  {:>10.5}  {:>10.5}  {:>11}",
                        i + 1,
                        p.id,
                        p.population,
                        p.lon,
                        p.lat,
                        nearest
                    )?;
                }
            }
            if !report.suggestions.is_empty() {
                writeln!(
                    out,
                    "\nwhere one more partner would close the most (greedy, each given the ones before):"
                )?;
                for (i, s) in report.suggestions.iter().enumerate() {
                    let what = s
                        .name
                        .as_ref()
                        .map_or_else(|| format!("{} {}", s.kind, s.id), |n| format!("site {n}"));
                    writeln!(
                        out,
                        "{:>4}  {:>10.5}, {:>9.5}  +{} people  ({} still beyond)  {}",
                        i + 1,
                        s.lon,
                        s.lat,
                        s.population_covered,
                        s.population_beyond_after,
                        what
                    )?;
                }
            }
            writeln!(out, "\ncounties:")?;
            for c in report.county_rows(counties) {
                writeln!(
                    out,
                    "  {:<5}  {:<24}  {:>10} people  {:>10} beyond  mean {}  max {}",
                    c["fips"].as_str().unwrap_or("?"),
                    format!("{}, {}", c["name"].as_str().unwrap_or("?"), c["state"].as_str().unwrap_or("?")),
                    c["population"],
                    c["population_beyond"],
                    c["mean_distance_m"].as_f64().map_or_else(|| "none".to_owned(), km),
                    c["max_distance_m"].as_f64().map_or_else(|| "none".to_owned(), km),
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `assetmap coverage` (database or file mode).
pub async fn coverage(
    a: CoverageArgs,
    out: &mut (dyn Write + Send),
    err: &mut (dyn Write + Send),
) -> anyhow::Result<ExitCode> {
    let thresholds =
        super::parse_distances(&a.thresholds).map_err(|e| anyhow::anyhow!("--thresholds: {e}"))?;
    if let (Some(sites), Some(demand)) = (&a.sites, &a.demand) {
        return coverage_files(sites, demand, &thresholds, &a, out, err);
    }
    let (filter, lang) = a.filter.parse()?;
    let state = AppState::load(a.source.settings(a.demand.clone())).await?;
    let sets = super::category_sets(&state.directory.read(), &filter);
    let narrowed = lang.as_ref().and_then(|l| state.population.demand.for_language(l.packed()));
    let demand = narrowed.as_ref().unwrap_or(&state.population.demand);
    let rows = super::coverage(demand, sets, &thresholds);
    match a.format {
        CoverageFormat::Csv => write!(out, "{}", super::coverage_csv(&rows)?)?,
        CoverageFormat::Json => {
            let echo = json!({"lang": lang, "free": filter.free, "walk_in": filter.walk_in, "no_id": filter.no_id,
                              "open_at": a.filter.open_at, "thresholds_m": thresholds});
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&super::coverage_json(echo, demand, &thresholds, &rows))?
            )?
        }
        CoverageFormat::Table => {
            write!(out, "{:<12} {:>6}  {:>12}", "category", "sites", "population")?;
            for t in &thresholds {
                write!(out, "  {:>16}", format!("within {} km", t / 1000.0))?;
            }
            writeln!(out)?;
            for (_, r) in &rows {
                write!(out, "{:<12} {:>6}  {:>12}", r.category, r.sites, r.population_total)?;
                for t in &r.thresholds {
                    write!(out, "  {:>16}", format!("{:.1}%", 100.0 * t.share_within))?;
                }
                writeln!(out)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn coverage_files(
    sites: &std::path::Path,
    demand: &std::path::Path,
    thresholds: &[f64],
    a: &CoverageArgs,
    out: &mut (dyn Write + Send),
    err: &mut (dyn Write + Send),
) -> anyhow::Result<ExitCode> {
    let loading = Instant::now();
    let open =
        |p: &std::path::Path| std::fs::File::open(p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()));
    let site_rows = crate::search::batch::read_points(&sites.display().to_string(), open(sites)?)?;
    let bytes = std::fs::read(demand).map_err(|e| anyhow::anyhow!("{}: {e}", demand.display()))?;
    let (points, left_out) =
        crate::places::demand::parse_demand_csv(&bytes, &|_| None).map_err(|problems| {
            let lines: Vec<String> = problems.iter().map(|p| format!("{}: {p}", demand.display())).collect();
            anyhow::anyhow!("{}", lines.join("\n"))
        })?;
    let loaded = loading.elapsed();
    let threads = a.threads.unwrap_or_else(super::engine::default_threads).max(1);
    let (rows, total, timing) = super::files::coverage(&site_rows, &points, thresholds, threads);
    match a.format {
        CoverageFormat::Json => {
            let categories: Vec<_> = rows
                .iter()
                .map(|r| json!({"category": r.category, "sites": r.sites, "population_beyond": r.beyond}))
                .collect();
            let v = json!({"population_total": total, "thresholds_m": thresholds, "categories": categories});
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        }
        CoverageFormat::Csv => {
            writeln!(out, "category,sites,population_total,threshold_m,population_beyond")?;
            for r in &rows {
                for (t, b) in thresholds.iter().zip(&r.beyond) {
                    writeln!(out, "{},{},{},{},{}", r.category, r.sites, total, t, b)?;
                }
            }
        }
        CoverageFormat::Table => {
            write!(out, "{:<12} {:>7}  {:>12}", "category", "sites", "population")?;
            for t in thresholds {
                write!(out, "  {:>14}", format!("beyond {t} m"))?;
            }
            writeln!(out)?;
            for r in &rows {
                write!(out, "{:<12} {:>7}  {:>12}", r.category, r.sites, total)?;
                for b in &r.beyond {
                    write!(out, "  {b:>14}")?;
                }
                writeln!(out)?;
            }
        }
    }
    let searches = rows.len() * points.len();
    writeln!(
        err,
        "computed {} categories x {} demand points ({} nearest searches) in {:.1} ms on {} thread(s): \
         trees {:.1} ms, Hilbert order {:.1} ms, searches and sums {:.1} ms (loading the files, {:.0} ms, excluded){}",
        rows.len(),
        points.len(),
        searches,
        timing.total().as_secs_f64() * 1e3,
        threads,
        timing.index.as_secs_f64() * 1e3,
        timing.order.as_secs_f64() * 1e3,
        timing.search.as_secs_f64() * 1e3,
        loaded.as_secs_f64() * 1e3,
        if left_out > 0 { format!("; {left_out} demand row(s) of weight 0 left out") } else { String::new() },
    )?;
    Ok(ExitCode::SUCCESS)
}
