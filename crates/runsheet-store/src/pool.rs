//! The connection pool: r2d2 over [`AnyConnection`], with the backend chosen by the URL.

use std::ops::{Deref, DerefMut};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::r2d2::R2D2Connection;

use crate::connection::AnyConnection;
use crate::error::StoreError;
use crate::url::DatabaseUrl;

/// A pool of connections to one database.
pub type Pool = r2d2::Pool<Manager>;

/// A connection checked out of a [`Pool`]; derefs to [`AnyConnection`].
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// How long a PostgreSQL connection that answered is handed out again without asking it
/// whether it is still there. Asking is a round trip (`SELECT 1`): at every check-out it
/// was one of a step's show's six, and shows ran 19-26% faster without it
/// (docs/benchmarks.md, 20). Within
/// this window a connection that died with its server fails the work it is given instead;
/// after it, the next check-out finds it dead and the pool makes another. The same bargain
/// as HikariCP's `aliveBypassWindowMs`, which is 500 ms too.
pub const TRUSTED_FOR: Duration = Duration::from_millis(500);

/// A pooled connection and when it was last known to be alive; derefs to
/// [`AnyConnection`].
pub struct Checked {
    conn: AnyConnection,
    alive_at: Instant,
}

impl Deref for Checked {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl DerefMut for Checked {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

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
    type Connection = Checked;
    type Error = StoreError;

    fn connect(&self) -> Result<Checked, StoreError> {
        Ok(Checked {
            conn: AnyConnection::open(&self.url)?,
            alive_at: Instant::now(),
        })
    }

    /// Run at every check-out. A PostgreSQL connection can die with its server or the
    /// network: one that has not answered for [`TRUSTED_FOR`] is asked. A SQLite connection
    /// is a file handle that cannot, and the `SELECT 1` was 3% of a step's show
    /// (docs/benchmarks.md).
    fn is_valid(&self, checked: &mut Checked) -> Result<(), StoreError> {
        match checked.conn {
            AnyConnection::Postgres(_) if checked.alive_at.elapsed() >= TRUSTED_FOR => {
                ping(&mut checked.conn)?;
                checked.alive_at = Instant::now();
                Ok(())
            }
            AnyConnection::Postgres(_) | AnyConnection::Sqlite(_) => Ok(()),
        }
    }

    fn has_broken(&self, conn: &mut Checked) -> bool {
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
