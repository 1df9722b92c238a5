//! The migrations, compiled into the binary: one set per backend, same versions in both.
//!
//! They live in `migrations/sqlite` and `migrations/postgres` at the workspace root and
//! also run with the diesel CLI, e.g.
//! `diesel migration run --migration-dir migrations/sqlite --database-url runsheet.db`.

use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::connection::AnyConnection;
use crate::error::StoreError;

/// The SQLite migrations (`migrations/sqlite`).
pub const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// The PostgreSQL migrations (`migrations/postgres`).
pub const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// Applies every migration not yet applied; returns the versions applied, oldest first.
pub fn run_pending(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    let versions = match conn {
        AnyConnection::Postgres(c) => c
            .run_pending_migrations(POSTGRES)
            .map(|v| v.iter().map(ToString::to_string).collect()),
        AnyConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE)
            .map(|v| v.iter().map(ToString::to_string).collect()),
    };
    versions.map_err(|e| StoreError::Migration(e.to_string()))
}

/// Reverts every applied migration; returns the versions reverted, newest first.
/// Used by tests: this drops all data.
pub fn revert_all(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    let versions = match conn {
        AnyConnection::Postgres(c) => c
            .revert_all_migrations(POSTGRES)
            .map(|v| v.iter().map(ToString::to_string).collect()),
        AnyConnection::Sqlite(c) => c
            .revert_all_migrations(SQLITE)
            .map(|v| v.iter().map(ToString::to_string).collect()),
    };
    versions.map_err(|e| StoreError::Migration(e.to_string()))
}

/// Versions of the migrations not yet applied, oldest first.
pub fn pending(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    let versions = match conn {
        AnyConnection::Postgres(c) => c
            .pending_migrations(POSTGRES)
            .map(|v| v.iter().map(|m| m.name().version().to_string()).collect()),
        AnyConnection::Sqlite(c) => c
            .pending_migrations(SQLITE)
            .map(|v| v.iter().map(|m| m.name().version().to_string()).collect()),
    };
    versions.map_err(|e| StoreError::Migration(e.to_string()))
}
