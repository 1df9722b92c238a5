//! runsheet's HTTP server: routes, authentication, format negotiation, errors, settings
//! and the command line of the `runsheet` binary.

pub mod app;
pub mod auth_cache;
pub mod cli;
pub mod db_threads;
pub mod error;
pub mod handlers;
pub mod lists;
pub mod middleware;
pub mod notify;
pub mod output;
pub mod request;
pub mod resources;
pub mod response;
pub mod routes;
pub mod settings;
pub mod state;

pub use app::build_app;
pub use settings::Settings;
pub use state::AppState;
