//! What every handler shares: one [`AppState`], loaded once at start (the store connected and
//! migrated, the directory mirrored into memory, the reference places read from `data/`).
//! Features reach it through axum's `State`; it knows no feature's routes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::catalog::Directory;
use crate::config::Settings;
use crate::http::throttle::{HashGate, Throttle};
use crate::places::zip::ZipIndex;

/// Shared state of every handler: one `Arc`, so a request's clone of it is one atomic
/// increment on one cache line rather than one per part (every request clones it, on every
/// core). Its parts are reached through `Deref` (`state.directory`).
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] shares.
#[derive(Debug)]
pub struct Shared {
    /// Store + in-memory catalog.
    pub directory: Arc<Directory>,
    /// ZIP → point.
    pub zips: Arc<ZipIndex>,
    /// Settings.
    pub settings: Arc<Settings>,
    /// Translated labels for server-rendered pages (`web/i18n/*.json`).
    pub i18n: Arc<crate::i18n::I18n>,
    /// Outlines drawn under referral-sheet maps (`data/boundaries/*.geojson`).
    pub basemap: Arc<crate::places::outlines::Basemap>,
    /// The deployment's own street map (`--basemap FILE`), served under `/basemap/` and drawn
    /// on printed sheets; `None` keeps the offline outline.
    pub tiles: Option<Arc<crate::basemap::TileArchive>>,
    /// Census tracts, county names and the demand set of gap analyses.
    pub population: Arc<crate::places::Population>,
    /// Per-address limits of sign-in, sign-up, resets, invitations and tokens.
    pub throttle: Arc<Throttle>,
    /// The bound on password hashes at once.
    pub hashing: HashGate,
}

impl AppState {
    /// Connects the store (applying migrations), seeds the demo data if asked and the database
    /// is empty, loads everything into memory.
    pub async fn load(settings: Settings) -> anyhow::Result<Self> {
        let started = Instant::now();
        let url = secrecy::ExposeSecret::expose_secret(&settings.database_url);
        let store = crate::store::connect(url, &settings.instance).await?;
        if settings.demo && store.is_empty().await? {
            let path = settings.data_dir.join("demo").join("miami-dade.geojson");
            match crate::import::import_path(&store, &path, crate::import::Mode::Commit).await {
                Ok(report) => tracing::info!(
                    sites = report.sites_created,
                    partners = report.partners_created,
                    "seeded the demo data"
                ),
                // Several instances started together on one empty PostgreSQL database: one
                // seeds, the others' identical import is refused as a whole.
                Err(_) if !store.is_empty().await? => {
                    tracing::info!("the demo data was seeded by another instance");
                }
                Err(e) => return Err(e.into()),
            }
        }
        let zips = Arc::new(ZipIndex::load(&settings.data_dir.join("zcta_centroids.csv"))?);
        let directory = Arc::new(Directory::open(store, Arc::clone(&zips)).await?);
        let hide = settings.effective_hide_after_days();
        directory.set_hide_after_days(hide);
        match hide {
            Some(days) => tracing::info!(
                stale_after_days = settings.stale_after_days,
                hide_after_days = days,
                "listings not verified for {days} days are hidden from public results"
            ),
            None => tracing::info!(
                stale_after_days = settings.stale_after_days,
                demo = settings.demo,
                "no listing is hidden for want of verification (--hide-after-days not given{})",
                if settings.demo { " and --demo: the demo data is a 2019 snapshot" } else { ", or 'never'" }
            ),
        }
        let i18n = Arc::new(crate::i18n::I18n::load(&settings.web_dir.join("i18n"))?);
        i18n.set_reviewed(directory.store().reviewed_translations().await?);
        let basemap =
            Arc::new(crate::places::outlines::Basemap::load(&settings.data_dir.join("boundaries"))?);
        let gaps = Arc::new(crate::places::Population::load(&settings)?);
        let tiles = match &settings.basemap {
            Some(path) => {
                let archive = crate::basemap::TileArchive::open(path).await?;
                tracing::info!(
                    file = %path.display(),
                    format = archive.info.format,
                    zooms = format!("{}-{}", archive.info.min_zoom, archive.info.max_zoom),
                    layers = archive.info.layers.join(","),
                    "serving the basemap"
                );
                Some(Arc::new(archive))
            }
            None => None,
        };
        {
            let c = directory.read();
            tracing::info!(
                backend = directory.store().backend(),
                sites = c.site_count(),
                mapped = c.indexed(),
                zips = zips.len(),
                ms = started.elapsed().as_millis() as u64,
                "directory loaded"
            );
        }
        let throttle = Arc::new(Throttle::new());
        forget_idle_clients(Arc::downgrade(&throttle));
        Ok(Self(Arc::new(Shared {
            directory,
            zips,
            settings: Arc::new(settings),
            i18n,
            basemap,
            tiles,
            population: gaps,
            throttle,
            hashing: HashGate::for_this_machine(),
        })))
    }
}

/// Every minute, forgets the clients whose request buckets are full again, so that a flood from
/// many addresses does not stay in memory; ends with the state.
fn forget_idle_clients(throttle: std::sync::Weak<Throttle>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let Some(t) = throttle.upgrade() else { return };
            t.forget_idle();
        }
    });
}
