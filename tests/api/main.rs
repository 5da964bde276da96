//! API tests: each starts the real server on a random port over its own database — a SQLite
//! file, and (with `TEST_POSTGRES_URL`) a PostgreSQL database of its own.
#![allow(unreachable_pub)] // test helpers are shared between test modules

#[macro_use]
mod helpers;

mod abuse;
mod accounts;
mod bad_input;
mod basemap;
mod cli;
mod confidential;
mod directory;
mod family_counts;
mod gaps;
mod hsds;
mod hsds_schema;
mod import_held;
mod import_sources;
mod instances;
mod map_page;
mod nearest;
mod ogc;
mod openapi;
mod print;
mod privacy;
mod services;
mod serving;
mod sheets;
mod store;
mod translations;
