//! The directory: partners and their sites as the API reads and writes them — listing, getting,
//! creating, editing (with versions), verifying and deleting ([`http`]), and how a record looks
//! to whom ([`view`]).

pub mod http;
pub mod view;

pub use self::http::router;
