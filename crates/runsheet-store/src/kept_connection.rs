//! The connection a server's database thread keeps from one piece of work to the next, on
//! SQLite, with a larger page cache than the pool's connections have.
//!
//! Why: a SQLite connection keeps 2 MiB of pages by default and reads the others again
//! from the file (a system call and a copy each), while the steps a server is asked for,
//! spread over the database, need more. A connection that stays with its thread keeps its
//! cache warm, and only the database threads' connections get the larger one, so the memory
//! it takes is bounded: `db_threads` times [`PAGE_CACHE_MIB`]. With 8 MiB shows went 6-11%
//! faster; 16 MiB gave 8-16%, but a cache is emptied whenever another connection writes,
//! and under the runner's writes the allocator held on to what was freed: the automation
//! scenario's peak went from 36 to 83-108 MiB, against 56-58 MiB with 8 (docs/benchmarks.md,
//! 19).
//!
//! On PostgreSQL the server keeps the pages, and a connection kept by each of the
//! `pool_size` threads would leave none in the pool for the runner: work takes one from
//! the pool there, as before.

use diesel::r2d2::R2D2Connection;

use crate::connection::AnyConnection;
use crate::error::StoreError;
use crate::pool::Pool;
use crate::url::DatabaseUrl;

/// The page cache of a database thread's own SQLite connection, in MiB.
pub const PAGE_CACHE_MIB: u32 = 8;

pub struct KeptConnection {
    /// Where work goes without a kept connection.
    pool: Pool,
    /// The database file, when the thread keeps a connection of its own (SQLite).
    sqlite: Option<DatabaseUrl>,
    kept: Option<AnyConnection>,
}

/// The database a thread's kept connection opens, found on one of the pool's connections
/// (`conn`): SQLite's file; `None` on PostgreSQL, or for a database in memory, which no
/// other connection could open.
pub fn kept_database(conn: &mut AnyConnection) -> Result<Option<DatabaseUrl>, StoreError> {
    match conn {
        AnyConnection::Sqlite(sqlite) => {
            Ok(crate::sqlite_writer::file_of(sqlite)?.map(|f| DatabaseUrl::Sqlite(f.into())))
        }
        AnyConnection::Postgres(_) => Ok(None),
    }
}

impl KeptConnection {
    /// A connection to `sqlite` (from [`kept_database`]), opened at its first use; with
    /// `None`, work takes a connection from `pool` each time.
    pub fn new(pool: Pool, sqlite: Option<DatabaseUrl>) -> KeptConnection {
        KeptConnection {
            pool,
            sqlite,
            kept: None,
        }
    }

    /// Runs `work` on the kept connection, or on one of the pool's.
    pub fn with<T>(
        &mut self,
        work: impl FnOnce(&mut AnyConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let Some(url) = &self.sqlite else {
            let mut pooled = self.pool.get()?;
            return work(&mut pooled);
        };
        let conn = match &mut self.kept {
            Some(conn) => conn,
            None => {
                let mut opened = AnyConnection::open(url)?;
                opened.set_page_cache(PAGE_CACHE_MIB)?;
                self.kept.insert(opened)
            }
        };
        let result = work(conn);
        // As the pool does with its connections: one left in a broken transaction is not
        // used again. (A panic drops it too: the thread makes its value again.)
        if conn.is_broken() {
            self.kept = None;
        }
        result
    }
}
