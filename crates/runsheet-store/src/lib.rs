//! runsheet's persistence, on diesel: one code path for SQLite and PostgreSQL.
//!
//! - [`DatabaseUrl`]: the URL's scheme picks the backend (`sqlite://`, a file path,
//!   `postgres://`).
//! - [`AnyConnection`]: a `diesel::MultiConnection` over both; dialect-specific SQL goes in
//!   a `match` on it. Queries over it may use only types both backends share: `BigInt`
//!   ids, `Timestamp` with `chrono::NaiveDateTime`, `Text`, `Bool`.
//! - [`Pool`] / [`connect`]: an r2d2 pool of them; connection errors keep their real cause.
//! - [`migrations`]: the embedded migrations, one set per backend.
//! - [`schema`]: diesel's `table!` definitions, as `diesel print-schema` prints them for
//!   PostgreSQL (`scripts/check-schema` and the tests keep it honest).
//! - `testing` (feature `testing`): a fresh database per test.

pub mod apps;
pub mod categories;
pub mod components;
pub mod connection;
pub mod environments;
pub mod error;
pub mod execution;
pub mod groups;
pub mod installed_components;
pub mod job_runs;
pub mod kept_connection;
pub mod migrations;
mod one_of;
pub mod phases;
pub mod pool;
pub mod procedures;
pub mod properties;
pub mod requests;
pub mod runtime_phases;
pub mod schema;
pub mod scripts;
pub mod server_levels;
pub mod servers;
mod sql;
mod sqlite_writer;
mod stamp;
pub mod steps;
#[cfg(feature = "testing")]
pub mod testing;
pub mod transaction;
pub mod url;
pub mod users;
pub mod work_tasks;

pub use connection::{establish, AnyConnection};
pub use error::StoreError;
pub use pool::{
    connect, connect_with, ping, Checked, Manager, Pool, PooledConnection, TRUSTED_FOR,
};
pub use url::DatabaseUrl;
