//! API tests: each starts the real server on a random port over its own SQLite file.
#![allow(unreachable_pub)] // test helpers are shared between test modules

mod helpers;

mod bad_input;
mod cli;
mod directory;
mod gaps;
mod map_page;
mod nearest;
mod print;
mod privacy;
mod sheets;
