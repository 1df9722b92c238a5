//! The connection pool: r2d2 over [`AnyConnection`], with the backend chosen by the URL.

use diesel::connection::SimpleConnection;
use diesel::r2d2::R2D2Connection;

use crate::connection::AnyConnection;
use crate::error::StoreError;
use crate::url::DatabaseUrl;

/// A pool of connections to one database.
pub type Pool = r2d2::Pool<Manager>;

/// A connection checked out of a [`Pool`]; derefs to [`AnyConnection`].
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// Makes pooled connections with [`AnyConnection::open`], so they get the same
/// treatment (SQLite pragmas, real error messages) as any other connection.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
}

impl Manager {
    pub fn new(url: DatabaseUrl) -> Self {
        Manager { url }
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = StoreError;

    fn connect(&self) -> Result<AnyConnection, StoreError> {
        AnyConnection::open(&self.url)
    }

    /// Checked at every checkout. A PostgreSQL connection can die with its server or the
    /// network; a SQLite connection is a file handle that cannot, and the `SELECT 1` was 3%
    /// of a step's show (docs/benchmarks.md).
    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        match conn {
            AnyConnection::Postgres(_) => ping(conn),
            AnyConnection::Sqlite(_) => Ok(()),
        }
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        // A connection left in a broken transaction (or dropped while panicking) must
        // not go back into the pool.
        std::thread::panicking() || conn.is_broken()
    }
}

/// Connects to `url` with a pool of at most `max_size` connections.
///
/// One connection is made directly first, so that a bad URL or a refused connection is
/// reported with its real cause instead of r2d2's "timed out waiting for connection".
pub fn connect(url: &str, max_size: u32) -> Result<Pool, StoreError> {
    connect_with(url, Pool::builder().max_size(max_size))
}

/// [`connect`] with a caller-configured builder (timeouts, `min_idle`, ...).
pub fn connect_with(url: &str, builder: r2d2::Builder<Manager>) -> Result<Pool, StoreError> {
    let url = DatabaseUrl::parse(url)?;
    let mut first = AnyConnection::open(&url)?;
    ping(&mut first)?;
    drop(first);
    Ok(builder.build(Manager::new(url))?)
}

/// Runs `SELECT 1`: for health checks.
pub fn ping(conn: &mut AnyConnection) -> Result<(), StoreError> {
    conn.batch_execute("SELECT 1")?;
    Ok(())
}
