//! Write transactions that behave the same on both backends.

use crate::connection::AnyConnection;
use crate::error::StoreError;
use crate::sqlite_writer::writer_of;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::result::Error;
use diesel::Connection;

/// Runs `work` in a transaction that may write.
///
/// On SQLite it begins with `BEGIN IMMEDIATE`: a deferred transaction that reads and then
/// writes fails at once with "database is locked" when another writer got in between,
/// which `busy_timeout` cannot help with; taking the write lock up front makes writers
/// queue instead. PostgreSQL needs nothing special.
///
/// All of a process's write transactions on one SQLite file run on one connection, one at
/// a time ([`crate::sqlite_writer`]): `conn` only says which file.
pub fn write<T, E, F>(conn: &mut AnyConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E>,
    E: From<Error> + From<StoreError>,
{
    match conn {
        AnyConnection::Postgres(_) => conn.transaction(work),
        AnyConnection::Sqlite(sqlite) => match writer_of(sqlite)? {
            Some(writer) => writer.with(|writer| immediate(writer, work)),
            // An in-memory database: `conn` is the only connection that has it.
            None => immediate(conn, work),
        },
    }
}

/// `work` in a transaction begun with `BEGIN IMMEDIATE`, on a SQLite connection.
fn immediate<T, E, F>(conn: &mut AnyConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E>,
    E: From<Error>,
{
    let AnyConnection::Sqlite(sqlite) = conn else {
        return conn.transaction(work);
    };
    AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
    type Manager = <AnyConnection as Connection>::TransactionManager;
    match work(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => match Manager::rollback_transaction(conn) {
            Ok(()) | Err(Error::BrokenTransactionManager) => Err(error),
            Err(rollback_error) => Err(rollback_error.into()),
        },
    }
}

/// Runs `work`, which only reads, as one read of the database.
///
/// On SQLite that is a deferred transaction: every statement sees the same snapshot, and the
/// WAL's shared lock is taken once instead of once per statement (a step's show runs six
/// between them). On PostgreSQL each statement runs on its own: a snapshot there would cost two more
/// round trips (`BEGIN`, `COMMIT`) for every read.
pub fn read<T, E, F>(conn: &mut AnyConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E>,
    E: From<Error>,
{
    match conn {
        AnyConnection::Postgres(_) => work(conn),
        AnyConnection::Sqlite(_) => conn.transaction(work),
    }
}
