//! The JSON API under `/api/v1`, one module per area, each with its own `router()`.

pub mod auth;
pub mod client_config;
pub mod directory;
pub mod nearest;
pub mod view;
