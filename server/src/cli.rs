//! The command line: subcommands and what they print. `main.rs` only parses and calls [`run`],
//! so tests drive the same code with their own writers.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::domain::{Category, LanguageCode, LonLat, OpenAt};
use crate::import::{ImportError, Mode, Report};
use crate::search::index::Filter;
use crate::{config, App, Settings};
use clap::{Args, Parser, Subcommand};
use secrecy::{ExposeSecret, SecretString};
use std::io::Write;

/// assetmap: a community-partner asset map for schools serving immigrant and refugee families.
#[derive(Parser, Debug)]
#[command(
    version,
    about,
    after_help = "Logging: RUST_LOG (e.g. RUST_LOG=assetmap=debug); ASSETMAP_LOG_FORMAT=json for JSON lines."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug, Clone)]
struct Db {
    /// Database: a SQLite path or sqlite://path (default data/assetmap.db), or
    /// postgres://user@host:port/db for PostgreSQL (several instances on one database).
    #[arg(long = "database", env = "DATABASE_URL", hide_env_values = true, value_parser = secret)]
    database: Option<SecretString>,
    /// Name of this process in the database's session list (PostgreSQL application_name
    /// assetmap:NAME) and in the logs. Default: the command and the process id.
    #[arg(long, env = "ASSETMAP_INSTANCE")]
    instance: Option<String>,
}

impl Db {
    fn url(&self) -> String {
        self.database.as_ref().map_or_else(config::default_database_url, |u| u.expose_secret().to_owned())
    }

    fn instance(&self, command: &str) -> String {
        self.instance.clone().filter(|i| !i.is_empty()).unwrap_or_else(|| config::default_instance(command))
    }

    async fn connect(&self, command: &str) -> anyhow::Result<std::sync::Arc<dyn crate::store::Store>> {
        Ok(crate::store::connect(&self.url(), &self.instance(command)).await?)
    }
}

/// `assetmap admin ...`
#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Create an admin account (or, with `--role translator`, a translator's). The password is
    /// asked for (not echoed) on a terminal, or read as the first line of standard input; never
    /// from a flag, where `ps` and shell history would show it.
    Create {
        /// The account's email (the sign-in name).
        #[arg(long)]
        email: String,
        /// `admin` (everything) or `translator` (reviews the `--languages` and nothing else).
        #[arg(long, default_value = "admin", value_parser = ["admin", "translator"])]
        role: String,
        /// The languages a translator reviews: codes of web/i18n files, comma-separated
        /// (`es,ht`). Required with `--role translator`, refused otherwise.
        #[arg(long, value_delimiter = ',')]
        languages: Vec<String>,
        #[command(flatten)]
        db: Db,
    },
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the web service.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080", env = "ASSETMAP_ADDR")]
        addr: std::net::SocketAddr,
        #[command(flatten)]
        db: Db,
        /// Seed an empty database with the shipped Miami-Dade demo data.
        #[arg(long)]
        demo: bool,
        /// Token that authorises writes (Authorization: Bearer ...). Without one, writes are refused.
        #[arg(long, env = "ASSETMAP_ADMIN_TOKEN", hide_env_values = true, value_parser = secret)]
        admin_token: Option<SecretString>,
        /// Folder with the shipped data.
        #[arg(long, env = "ASSETMAP_DATA_DIR")]
        data_dir: Option<PathBuf>,
        /// Days after which a listing not verified is flagged stale.
        #[arg(long, env = "ASSETMAP_STALE_AFTER_DAYS", default_value_t = 180)]
        stale_after_days: i64,
        /// Days after which a listing not verified is hidden from public results, or 'never'.
        /// Default 365 — but with --demo nothing is hidden unless this is given (the demo data is
        /// a 2019 snapshot).
        #[arg(long, env = "ASSETMAP_HIDE_AFTER_DAYS", value_parser = crate::config::HideAfter::parse)]
        hide_after_days: Option<crate::config::HideAfter>,
        /// A MapLibre style URL for the map page (e.g. a tile server's style.json). Without it the
        /// page draws its built-in offline basemap of state and county lines.
        #[arg(long, env = "ASSETMAP_MAP_STYLE_URL")]
        map_style_url: Option<String>,
        /// The deployment's own street map: a PMTiles archive (or an MBTiles file) of vector
        /// tiles, e.g. a Protomaps extract of the district's region. The server serves its
        /// tiles and a style from its own origin, so the map page asks no outside server, and
        /// printed sheets draw its streets. A missing or unreadable file stops the start.
        #[arg(long, env = "ASSETMAP_BASEMAP", conflicts_with = "map_style_url")]
        basemap: Option<PathBuf>,
        /// Address the public reaches this server at (https://map.example.org), printed in the
        /// QR codes of referral sheets. Default: each request's Host, over http.
        #[arg(long, env = "ASSETMAP_PUBLIC_URL", value_parser = parse_public_url)]
        public_url: Option<String>,
        /// Counties served by gap analyses: 5-digit FIPS codes (12086,12011) or 'all'.
        #[arg(long, env = "ASSETMAP_SERVICE_AREA", default_value = "12086", value_parser = crate::places::demand::ServiceArea::parse)]
        service_area: crate::places::demand::ServiceArea,
        /// Demand CSV (id,lon,lat,weight[,languages][,county]) to use instead of the census tracts.
        #[arg(long, env = "ASSETMAP_DEMAND")]
        demand: Option<PathBuf>,
        /// Threads answering HTTP, each a runtime of its own pinned to a core (default: one per
        /// core). 0 serves every connection on one shared work-stealing runtime instead.
        #[arg(long, env = "ASSETMAP_HTTP_THREADS")]
        http_threads: Option<usize>,
        /// Most demand points an anonymous gap or coverage request may upload (signed-in
        /// accounts and the admin token are not limited). Bounds the cost of one request.
        #[arg(long, env = "ASSETMAP_ANONYMOUS_DEMAND_POINTS", default_value_t = crate::config::ANONYMOUS_DEMAND_POINTS)]
        anonymous_demand_points: usize,
        /// The reverse proxies in front of this server, by address or network
        /// (10.0.0.7,10.0.0.0/8,::1): from them, and only them, X-Forwarded-For names the client
        /// whose requests are counted by the sign-in and sign-up limits. Default: none — the
        /// TCP peer is the client.
        #[arg(long, env = "ASSETMAP_TRUSTED_PROXIES", value_delimiter = ',', value_parser = crate::http::client::parse_proxy)]
        trusted_proxies: Vec<ipnet::IpNet>,
    },
    /// Import sites from the project's CSV or GeoJSON, HSDS 3.0 JSON, an HSDS data package (a
    /// folder with datapackage.json) or a folder of Ohana API CSVs. Dry run unless --commit.
    Import {
        /// The file (.csv, .geojson, .json), a data package folder or an Ohana folder, or either zipped.
        #[arg(required_unless_present = "template")]
        file: Option<PathBuf>,
        /// Write the changes (in one transaction, only if no row is bad).
        #[arg(long)]
        commit: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Print the spreadsheet template (our CSV's columns and one example row) and exit.
        #[arg(long, conflicts_with_all = ["file", "commit"])]
        template: bool,
        /// The file's encoding: utf-8 (UTF-16 with a byte-order mark is read too) or
        /// windows-1252 (also for Latin-1).
        #[arg(long, default_value = "utf-8", value_parser = crate::import::Encoding::parse)]
        encoding: crate::import::Encoding,
        /// For GeoJSON with its own property names: the property map that says which property
        /// is which column (see data/mappings/geojson/).
        #[arg(long, value_name = "FILE")]
        property_map: Option<PathBuf>,
        /// Counties the deployment serves (5-digit FIPS codes, or 'all'): coordinates outside
        /// are reported as warnings, swapped ones refused.
        #[arg(long, env = "ASSETMAP_SERVICE_AREA", default_value = "12086", value_parser = crate::places::demand::ServiceArea::parse)]
        service_area: crate::places::demand::ServiceArea,
        /// Folder with the shipped data (census tracts for the service-area check).
        #[arg(long, env = "ASSETMAP_DATA_DIR")]
        data_dir: Option<PathBuf>,
        /// Category mapping file (match,field,pattern,category,note; see
        /// data/mappings/open211-miami-categories.csv): maps the source's taxonomy to ours.
        /// A folder of Ohana CSVs uses data/mappings/ohana-open-eligibility-categories.csv unless
        /// another is given.
        #[arg(long, value_name = "FILE")]
        mapping: Option<PathBuf>,
        #[command(flatten)]
        db: Db,
    },
    /// Export the directory: HSDS 3.0 JSON, the HSDS data package (a folder), our CSV or GeoJSON.
    Export {
        /// Where to write: a file, or a folder for hsds-csv.
        out: PathBuf,
        /// hsds-json, hsds-csv, csv or geojson.
        #[arg(long, value_parser = crate::export::Format::parse)]
        format: crate::export::Format,
        /// Only what the public sees (active partners; confidential sites without coordinates
        /// or street), as `GET /api/v1/export` without the admin token. Default: everything.
        #[arg(long)]
        public: bool,
        #[command(flatten)]
        db: Db,
    },
    /// Nearest sites to a ZIP code or a point; or, with --sites and --queries, a batch from files.
    Nearest(NearestArgs),
    /// Coverage gaps of a category: who is far from help, where, and where to recruit.
    Gaps(crate::gaps::cli::GapsArgs),
    /// Share of the population near each category; with --sites and --demand, from files.
    Coverage(crate::gaps::cli::CoverageArgs),
    /// Apply migrations and exit.
    Migrate {
        #[command(flatten)]
        db: Db,
    },
    /// Accounts: `admin create --email ...` makes an admin (the first one, or another).
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Write a consistent copy of the database while the service keeps running: a SQLite file
    /// (VACUUM INTO), or for PostgreSQL a pg_dump custom-format archive (restore with pg_restore).
    Backup {
        /// Where to write the copy (must not exist).
        to: PathBuf,
        #[command(flatten)]
        db: Db,
    },
}

#[derive(Args, Debug)]
struct NearestArgs {
    /// ZIP code of the origin.
    #[arg(long, conflicts_with_all = ["lon", "lat"])]
    zip: Option<String>,
    /// Longitude of the origin (WGS84 degrees).
    #[arg(long, allow_negative_numbers = true, requires = "lat")]
    lon: Option<f64>,
    /// Latitude of the origin (WGS84 degrees).
    #[arg(long, allow_negative_numbers = true, requires = "lon")]
    lat: Option<f64>,
    /// Category slug (legal, health, housing, library, faith, advocacy, ...).
    #[arg(long)]
    category: Option<String>,
    /// Number of results.
    #[arg(long, default_value_t = 5)]
    k: usize,
    /// Must speak this language (ISO 639-1, e.g. ht).
    #[arg(long)]
    lang: Option<String>,
    /// Only free services.
    #[arg(long)]
    free: bool,
    /// Only sites open at this local time (2026-11-28T10:00).
    #[arg(long)]
    open_at: Option<String>,
    /// Only sites that take walk-ins.
    #[arg(long)]
    walk_in: bool,
    /// Only sites that serve people without ID.
    #[arg(long)]
    no_id: bool,
    /// Batch mode: sites file (id,category,lon,lat). No database is used.
    #[arg(long, requires = "queries")]
    sites: Option<PathBuf>,
    /// Batch mode: queries file (id,category,lon,lat).
    #[arg(long, requires = "sites")]
    queries: Option<PathBuf>,
    #[command(flatten)]
    db: Db,
}

/// A secret argument (`--admin-token`, `--database` with its password): never in `Debug` output.
#[expect(clippy::unnecessary_wraps, reason = "clap's value_parser takes a fallible function")]
fn secret(raw: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(raw))
}

/// `--public-url`: an absolute http(s) address with a host and no query, trailing `/` removed.
fn parse_public_url(raw: &str) -> Result<String, String> {
    let url = raw.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("'{raw}' must start with https:// or http://"))?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() || rest.contains(['?', '#', ' ', '"', '<', '>']) {
        return Err(format!("'{raw}' is not an address like https://map.example.org"));
    }
    Ok(url.to_owned())
}

/// Runs a parsed command line, printing results to `out` and progress and errors to `err`.
pub async fn run(cli: Cli, out: &mut (dyn Write + Send), err: &mut (dyn Write + Send)) -> ExitCode {
    match dispatch(cli, out, err).await {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(err, "error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Parses `args` (the first is the program name) and runs them; a usage error is printed to
/// `err` with exit code 2, as clap does.
pub async fn run_args<I, T>(args: I, out: &mut (dyn Write + Send), err: &mut (dyn Write + Send)) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    match Cli::try_parse_from(args) {
        Ok(cli) => run(cli, out, err).await,
        Err(e) => {
            let _ = write!(err, "{}", e.render());
            ExitCode::from(if e.use_stderr() { 2 } else { 0 })
        }
    }
}

async fn dispatch(
    cli: Cli,
    out: &mut (dyn Write + Send),
    err: &mut (dyn Write + Send),
) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve {
            addr,
            db,
            demo,
            admin_token,
            data_dir,
            stale_after_days,
            hide_after_days,
            map_style_url,
            basemap,
            public_url,
            service_area,
            demand,
            http_threads,
            anonymous_demand_points,
            trusted_proxies,
        } => {
            let mut settings = Settings::new(db.url());
            settings.instance = db.instance("serve");
            settings.addr = addr;
            settings.demo = demo;
            settings.admin_token = admin_token.filter(|t| !t.expose_secret().is_empty());
            settings.stale_after_days = stale_after_days;
            settings.hide_after_days = hide_after_days.unwrap_or_default();
            settings.map_style_url = map_style_url.filter(|u| !u.is_empty());
            settings.basemap = basemap.filter(|p| !p.as_os_str().is_empty());
            settings.public_url = public_url;
            settings.service_area = service_area;
            settings.demand_file = demand;
            settings.http_threads = http_threads;
            settings.anonymous_demand_points = anonymous_demand_points;
            settings.trusted_proxies = trusted_proxies;
            if let Some(d) = data_dir {
                settings.data_dir = d;
            }
            let app = App::build(settings).await?;
            writeln!(err, "assetmap is listening on http://{}:{}/", addr.ip(), app.port())?;
            app.run_until_stopped().await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            file,
            commit,
            json,
            template,
            encoding,
            property_map,
            service_area,
            data_dir,
            mapping,
            db,
        } => {
            let Some(file) = file.filter(|_| !template) else {
                write!(out, "{}", crate::import::template::template_csv())?;
                return Ok(ExitCode::SUCCESS);
            };
            let mut settings = Settings::new(db.url());
            settings.service_area = service_area.clone();
            if let Some(d) = data_dir {
                settings.data_dir = d;
            }
            let gaps = std::sync::Arc::new(crate::places::Population::load(&settings)?);
            // A folder of Ohana CSVs gets the shipped Open Eligibility mapping unless told otherwise.
            let mapping = mapping.or_else(|| {
                (file.is_dir()
                    && !file.join("datapackage.json").exists()
                    && !file.join("service_at_location.csv").exists())
                .then(|| settings.data_dir.join("mappings").join(crate::import::ohana::DEFAULT_MAPPING))
            });
            let options = crate::import::Options {
                encoding,
                area: Some(std::sync::Arc::new(crate::import::area::AreaCheck::new(service_area, gaps))),
                properties: property_map
                    .as_deref()
                    .map(crate::import::geojson_map::PropertyMap::load)
                    .transpose()?
                    .map(std::sync::Arc::new),
                mapping: mapping.as_deref().map(crate::import::mapping::CategoryMapping::load).transpose()?,
                terms: std::sync::Arc::default(),
            };
            let store = db.connect("import").await?;
            let mode = if commit { Mode::Commit } else { Mode::DryRun };
            match crate::import::import_path_with(&store, &file, mode, &options).await {
                Ok(report) => {
                    print_report(out, &report, json)?;
                    Ok(ExitCode::SUCCESS)
                }
                Err(ImportError::Invalid(report)) => {
                    print_report(out, &report, json)?;
                    writeln!(err, "error: {} bad row(s); nothing was written", report.errors.len())?;
                    Ok(ExitCode::FAILURE)
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Export { out: path, format, public, db } => {
            let store = db.connect("export").await?;
            // An export measures no distance: no stand-ins are needed (nor ZIP points loaded).
            let catalog = crate::catalog::Catalog::from_snapshot(store.load().await?, Default::default());
            let viewer = if public {
                crate::directory::view::Viewer::Public
            } else {
                crate::directory::view::Viewer::Admin
            };
            let summary = crate::export::write(&catalog, format, viewer, &path)?;
            writeln!(err, "{summary}")?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Nearest(args) => nearest(args, out, err).await,
        Command::Gaps(args) => crate::gaps::cli::gaps(args, out).await,
        Command::Coverage(args) => crate::gaps::cli::coverage(args, out, err).await,
        Command::Migrate { db } => {
            let store = db.connect("migrate").await?;
            writeln!(err, "migrations applied ({})", store.backend())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin { command: AdminCommand::Create { email, role, languages, db } } => {
            let languages = if role == "translator" {
                let i18n = crate::i18n::I18n::load(&crate::config::default_dir("web").join("i18n"))?;
                crate::translations::http::check_languages(&i18n, &languages)
                    .map_err(|m| anyhow::anyhow!("--languages: {m}"))?
            } else {
                anyhow::ensure!(
                    languages.is_empty(),
                    "--languages: only a translator (--role translator) has languages"
                );
                Vec::new()
            };
            let password = read_password()?;
            let store = db.connect("admin").await?;
            let user = if role == "translator" {
                crate::accounts::create_account(
                    &store,
                    &email,
                    &password,
                    crate::domain::account::Role::Translator,
                    &languages,
                )
                .await?
            } else {
                crate::accounts::create_admin(&store, &email, &password).await?
            };
            if languages.is_empty() {
                writeln!(out, "created admin {} ({})", user.email, user.id)?;
            } else {
                writeln!(out, "created translator {} ({}) of {}", user.email, user.id, languages.join(", "))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { to, db } => {
            if to.exists() {
                anyhow::bail!("{} already exists; choose a new file", to.display());
            }
            let store = db.connect("backup").await?;
            store.backup(&to.display().to_string()).await?;
            writeln!(err, "backup written to {}", to.display())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The new admin's password: asked twice, not echoed, on a terminal; otherwise the first line
/// of standard input (scripts: `printf '%s\n' "$PW" | assetmap admin create --email ...`).
fn read_password() -> anyhow::Result<String> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password (at least 12 characters): ")?;
        let again = rpassword::prompt_password("Again: ")?;
        anyhow::ensure!(first == again, "the two passwords differ; nothing was created");
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

fn print_report(out: &mut (dyn Write + Send), r: &Report, json: bool) -> std::io::Result<()> {
    if json {
        return writeln!(out, "{}", serde_json::to_string_pretty(r).unwrap_or_default());
    }
    writeln!(out, "{} ({}): {} rows", r.file, r.format, r.rows)?;
    writeln!(out, "  partners: {} new, {} updated", r.partners_created, r.partners_updated)?;
    writeln!(
        out,
        "  sites:    {} new, {} updated, {} unchanged",
        r.sites_created, r.sites_updated, r.sites_unchanged
    )?;
    if !r.without_coordinates.is_empty() {
        writeln!(
            out,
            "  {} site(s) without coordinates (kept, listed, not mapped):",
            r.without_coordinates.len()
        )?;
        for u in r.without_coordinates.iter().take(20) {
            writeln!(out, "    row {}: {}", u.row, u.name)?;
        }
    }
    if !r.needs_category.is_empty() {
        writeln!(
            out,
            "  {} record(s) need a category (held, not public; an admin categorises their terms on the import page):",
            r.needs_category.len()
        )?;
        for u in r.needs_category.iter().take(20) {
            let terms: Vec<String> = u
                .terms
                .iter()
                .map(|t| if t.code.is_empty() { t.name.clone() } else { t.code.clone() })
                .collect();
            writeln!(out, "    row {}: {} [{}]", u.row, u.name, terms.join(", "))?;
        }
    }
    if !r.skipped.is_empty() {
        writeln!(out, "  {} record(s) left out:", r.skipped.len())?;
        for u in r.skipped.iter().take(20) {
            writeln!(out, "    row {}: {}: {}", u.row, u.name, u.reason)?;
        }
    }
    for e in &r.errors {
        writeln!(out, "  {}: row {}: {}: {}", e.file, e.row, e.field, e.message)?;
    }
    for w in &r.warnings {
        writeln!(out, "  warning: {}: row {}: {}: {}", w.file, w.row, w.field, w.message)?;
    }
    writeln!(
        out,
        "  {}",
        if r.committed { "committed" } else { "dry run: nothing written (add --commit to write)" }
    )
}

async fn nearest(
    a: NearestArgs,
    out: &mut (dyn Write + Send),
    err: &mut (dyn Write + Send),
) -> anyhow::Result<ExitCode> {
    if let (Some(sites), Some(queries)) = (&a.sites, &a.queries) {
        let open = |p: &PathBuf| std::fs::File::open(p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()));
        let sites = crate::search::batch::read_points(&sites.display().to_string(), open(sites)?)?;
        let queries = crate::search::batch::read_points(&queries.display().to_string(), open(queries)?)?;
        let mut buf = std::io::BufWriter::new(&mut *out);
        let spent = crate::search::batch::nearest_csv(sites, &queries, a.k, &mut buf)?;
        buf.flush()?;
        drop(buf);
        writeln!(
            err,
            "answered {} queries (k={}) in {:.3} ms: {:.0} queries/s (loading and index building excluded)",
            queries.len(),
            a.k,
            spent.as_secs_f64() * 1000.0,
            queries.len() as f64 / spent.as_secs_f64()
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut settings = Settings::new(a.db.url());
    settings.instance = a.db.instance("nearest");
    let state = crate::AppState::load(settings).await?;
    let origin = match (&a.zip, a.lon, a.lat) {
        (Some(z), _, _) => {
            state.zips.lookup(z).ok_or_else(|| anyhow::anyhow!("--zip: ZIP code {z} is not known"))?
        }
        (None, Some(lon), Some(lat)) => LonLat::new(lon, lat).map_err(|e| anyhow::anyhow!("--{e}"))?,
        _ => anyhow::bail!("give --zip, or --lon and --lat (or --sites and --queries for batch mode)"),
    };
    let category = a
        .category
        .as_deref()
        .map(Category::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--category: {e}"))?;
    let lang =
        a.lang.as_deref().map(LanguageCode::parse).transpose().map_err(|e| anyhow::anyhow!("--lang: {e}"))?;
    let open_at =
        a.open_at.as_deref().map(OpenAt::parse).transpose().map_err(|e| anyhow::anyhow!("--open-at: {e}"))?;
    let catalog = state.directory.read();
    if let Some(c) = &category {
        if !catalog.is_category(c) {
            let known: Vec<&str> = catalog.categories().iter().map(|d| d.slug.as_str()).collect();
            anyhow::bail!("--category: '{c}' is not a known category ({})", known.join(", "));
        }
    }
    let filter = Filter {
        language: lang.as_ref().map(LanguageCode::packed),
        free: a.free,
        walk_in: a.walk_in,
        no_id: a.no_id,
        open_at,
        ..Filter::default()
    };
    let query = crate::search::NearestQuery { at: origin, category, k: a.k, max_m: None, filter };
    let hits = catalog.nearest(&query);
    if hits.is_empty() {
        writeln!(out, "no matching site")?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "rank        km  {:<48}  {:<40}  phone", "name", "address")?;
    for (i, (s, d)) in hits.iter().enumerate() {
        let address = if s.confidential {
            "(confidential: call for the location)".to_owned()
        } else {
            [s.street.as_deref(), s.city.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(", ")
        };
        let km = if s.confidential { (d / 1000.0).round() } else { d / 1000.0 };
        let phone = s.phones.first().map_or("", |p| p.number.as_str());
        writeln!(out, "{:>4}  {:>8.2}  {:<48.48}  {:<40.40}  {}", i + 1, km, s.name, address, phone)?;
    }
    Ok(ExitCode::SUCCESS)
}
