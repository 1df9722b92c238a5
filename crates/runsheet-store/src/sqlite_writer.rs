//! One connection per SQLite database file that all of a process's write transactions run
//! on, one at a time ([`crate::transaction::write`]).
//!
//! Why not the caller's pooled connection, as on PostgreSQL:
//! - Writers queue on a mutex here instead of in SQLite's busy handler, which waits by
//!   sleeping, longer each time (1, 2, 5, 10 ... 100 ms): writers that all waited there left
//!   the database idle while they slept, so POST and PUT ran no faster at 32 connections
//!   than at one, with a p99 of 200 ms (docs/benchmarks.md).
//! - A connection's page cache is dropped whenever another connection has written. Pooled
//!   writers each found theirs stale and read every page they touched again (some 90 reads
//!   from the file for a PUT); the one writer's cache stays warm from one write to the next.
//!
//! Other processes (a worker, the CLI) are still kept apart by SQLite's own lock.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;
use diesel::sqlite::SqliteConnection;

use crate::connection::AnyConnection;
use crate::error::StoreError;
use crate::url::DatabaseUrl;

diesel::table! {
    /// SQLite's list of the databases a connection has open (`PRAGMA database_list`).
    pragma_database_list (seq) {
        seq -> Integer,
        name -> Text,
        file -> Text,
    }
}

/// A file's writer connection, opened at its first write (and again after it broke).
pub(crate) struct Writer {
    file: PathBuf,
    conn: Mutex<Option<Open>>,
}

struct Open {
    conn: AnyConnection,
    /// The file it has open (device and inode): a file replaced at the same path (a test's
    /// database made again) gets a connection of its own, not the old file's.
    identity: (u64, u64),
}

fn identity(file: &Path) -> Result<(u64, u64), StoreError> {
    let meta = std::fs::metadata(file)
        .map_err(|e| StoreError::Connection(format!("SQLite database {}: {e}", file.display())))?;
    Ok((meta.dev(), meta.ino()))
}

/// How many files' writers a process keeps when it opens more (tests make a database
/// each); a server has one.
const KEPT: usize = 8;

static WRITERS: LazyLock<Mutex<HashMap<String, Arc<Writer>>>> = LazyLock::new(Default::default);

/// The writer of the file `sqlite` has open; `None` when the database is in memory (no
/// other connection can open it).
pub(crate) fn writer_of(sqlite: &mut SqliteConnection) -> Result<Option<Arc<Writer>>, StoreError> {
    let Some(file) = file_of(sqlite)? else {
        return Ok(None);
    };
    let mut writers = WRITERS.lock().unwrap_or_else(PoisonError::into_inner);
    if !writers.contains_key(&file) && writers.len() >= KEPT {
        // Those no write is using now; a writer in use closes when its write ends.
        writers.retain(|_, writer| Arc::strong_count(writer) > 1);
    }
    let writer = writers.entry(file).or_insert_with_key(|file| {
        Arc::new(Writer {
            file: PathBuf::from(file),
            conn: Mutex::new(None),
        })
    });
    Ok(Some(Arc::clone(writer)))
}

/// The file `sqlite` has open; `None` when the database is in memory.
pub(crate) fn file_of(sqlite: &mut SqliteConnection) -> Result<Option<String>, StoreError> {
    let file: String = pragma_database_list::table
        .filter(pragma_database_list::name.eq("main"))
        .select(pragma_database_list::file)
        .first(sqlite)?;
    Ok(Some(file).filter(|f| !f.is_empty()))
}

impl Writer {
    /// Runs `work` on the connection once the writes before it are done.
    pub(crate) fn with<T, E>(
        &self,
        work: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        // Nothing is left half done in a poisoned slot: a write that panicked dropped its
        // connection (below).
        let mut slot = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let identity = identity(&self.file)?;
        let stale = slot
            .as_mut()
            .is_none_or(|open| open.identity != identity || open.conn.is_broken());
        let open = match slot.take() {
            Some(open) if !stale => slot.insert(open),
            _ => slot.insert(Open {
                conn: AnyConnection::open(&DatabaseUrl::Sqlite(self.file.clone()))?,
                identity,
            }),
        };
        match panic::catch_unwind(AssertUnwindSafe(|| work(&mut open.conn))) {
            Ok(result) => result,
            Err(panicked) => {
                // Closing the connection rolls its transaction back and frees SQLite's lock
                // for other processes now, not at the next write.
                *slot = None;
                drop(slot);
                panic::resume_unwind(panicked)
            }
        }
    }
}
