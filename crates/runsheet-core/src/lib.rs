//! The domain of runsheet: records, validation, filters and state machines.
//!
//! No I/O, no database and no web framework: this crate can be embedded anywhere.

pub mod api_key;
pub mod app;
pub mod category;
pub mod component;
pub mod environment;
pub mod errors;
pub mod filters;
pub mod group;
pub mod installed_component;
pub mod job_run;
pub mod notification;
pub mod paging;
pub mod params;
pub mod phase;
pub mod procedure;
pub mod property;
pub mod request;
pub mod request_state;
pub mod runtime_phase;
pub mod script;
pub mod sequence;
pub mod server;
pub mod server_level;
pub mod step;
pub mod step_state;
pub mod time;
pub mod transition;
pub mod user;
pub mod work_task;

pub use errors::Errors;
