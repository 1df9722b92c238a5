//! The domain of runsheet: records, validation, filters and state machines.
//!
//! No I/O, no database and no web framework: this crate can be embedded anywhere.

pub mod api_key;
pub mod errors;
pub mod filters;
pub mod group;
pub mod params;
pub mod request_state;
pub mod step_state;
pub mod time;
pub mod transition;
pub mod user;

pub use errors::Errors;
