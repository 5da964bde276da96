//! # assetmap
//!
//! A community-partner asset map for schools and the people around them who serve immigrant
//! and refugee families: partners (legal aid, clinics, housing help, libraries, houses of
//! worship, advocacy groups) kept as geospatial records, searched by exact great-circle
//! distance.
//!
//! Units and reference system, everywhere: coordinates are `[lon, lat]` in WGS84 decimal
//! degrees; distances are metres on a sphere of radius [`domain::EARTH_RADIUS_M`].
//!
//! Layout: [`domain`] (validated types) → [`store`] (all SQL; SQLite or PostgreSQL) →
//! [`catalog`] (the in-memory mirror and its [`spatial`] index) → [`api`] (HTTP, one router per
//! area) assembled in [`app`]; [`accounts`] says who may write what and keeps the history of
//! every change. The binary in `main.rs` only parses the command line.

pub mod accounts;
pub mod app;
pub mod basemap;
pub mod catalog;
pub mod cldr;
pub mod cli;
pub mod config;
pub mod directory;
pub mod domain;
pub mod export;
pub mod gaps;
pub mod hsds;
pub mod http;
pub mod i18n;
pub mod import;
pub mod ogc;
pub mod openapi;
pub mod page;
pub mod places;
pub mod search;
pub mod sheets;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod translations;
pub mod visibility;

pub use app::App;
pub use config::Settings;
pub use state::AppState;
