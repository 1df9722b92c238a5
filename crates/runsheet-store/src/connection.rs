//! One connection type for both databases, and the only place connections are made.

use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sql_types::Bool;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};

use crate::error::StoreError;
use crate::url::{redact_password, DatabaseUrl};

/// How long a SQLite connection waits for another writer before giving up, in milliseconds.
pub const SQLITE_BUSY_TIMEOUT_MS: u32 = 5000;

/// Run on every SQLite connection as soon as it is opened. `busy_timeout` comes first so
/// that switching to WAL waits for other connections instead of failing. `temp_store =
/// MEMORY`: an `INSERT ... RETURNING` collects its rows in a temporary table, which SQLite
/// otherwise made a file for (created, unlinked and written) on every POST of a step.
fn sqlite_pragmas() -> String {
    format!(
        "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};\
         PRAGMA foreign_keys = ON;\
         PRAGMA journal_mode = WAL;\
         PRAGMA synchronous = NORMAL;\
         PRAGMA temp_store = MEMORY;"
    )
}

/// Run on every PostgreSQL connection as soon as it is opened: `random_page_cost` goes from
/// PostgreSQL's default, 4, to 1.1 for the session, unless the server's or the database's
/// configuration sets it (then that value stays). With 4, the planner prefers to scan the
/// small tables a step names (users, scripts, components: 200 rows in a few pages) whole,
/// filtering every row, over one index lookup, for each step: a fifth of the machine's time
/// in a 50-step list went to such scans. 1.1 is the usual value for data held in memory or
/// on SSD, as a release server's is (docs/benchmarks.md, 16).
const POSTGRES_SESSION: &str = "SELECT set_config('random_page_cost', '1.1', false) \
     FROM pg_settings WHERE name = 'random_page_cost' AND source = 'default'";

/// A connection to SQLite or PostgreSQL. Queries written once against the schema run on
/// both; dialect-specific SQL goes in a `match` on the variants.
///
/// Make one with [`AnyConnection::open`] (or [`establish`]), not with
/// `Connection::establish`: that one guesses the backend from the string, turns any stray
/// string into a SQLite file and hides the real cause of a failure.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

impl AnyConnection {
    /// Connects to the database `url` names.
    ///
    /// PostgreSQL errors keep libpq's message; SQLite errors name the file. SQLite
    /// connections get `foreign_keys = ON`, `journal_mode = WAL`, `busy_timeout = 5000`
    /// and `synchronous = NORMAL` here, so every SQLite connection has them; PostgreSQL
    /// connections get [`POSTGRES_SESSION`].
    pub fn open(url: &DatabaseUrl) -> Result<Self, StoreError> {
        match url {
            DatabaseUrl::Postgres(raw) => {
                let fail = |cause: String| {
                    StoreError::Connection(format!(
                        "PostgreSQL at {}: {}",
                        redact_password(raw),
                        one_line(&cause)
                    ))
                };
                let mut conn = establish_postgres(raw).map_err(|e| fail(e.to_string()))?;
                conn.batch_execute(POSTGRES_SESSION).map_err(|e| {
                    fail(format!("setting the session's planner costs failed: {e}"))
                })?;
                Ok(AnyConnection::Postgres(conn))
            }
            DatabaseUrl::Sqlite(path) => open_sqlite(path).map(AnyConnection::Sqlite),
        }
    }

    /// Lets a SQLite connection keep up to `mib` MiB of the database's pages between its
    /// statements (SQLite's default is 2 MiB); nothing on PostgreSQL, whose server keeps
    /// the pages.
    pub fn set_page_cache(&mut self, mib: u32) -> Result<(), StoreError> {
        if let AnyConnection::Sqlite(conn) = self {
            // Negative: a size in KiB, not in pages.
            conn.batch_execute(&format!("PRAGMA cache_size = -{}", u64::from(mib) * 1024))?;
        }
        Ok(())
    }

    /// Whether the database runs on this machine, sharing its cores: always on SQLite; on
    /// PostgreSQL when the connection came over a Unix socket (no server address) or from
    /// the server's own address (loopback, or the machine's own). Asked of the connection
    /// rather than read from the URL, which libpq may complete from `PGHOST` or a service
    /// file.
    pub fn database_is_local(&mut self) -> Result<bool, StoreError> {
        match self {
            AnyConnection::Sqlite(_) => Ok(true),
            AnyConnection::Postgres(pg) => Ok(diesel::select(diesel::dsl::sql::<Bool>(
                "inet_server_addr() IS NULL OR inet_client_addr() = inet_server_addr()",
            ))
            .get_result(pg)?),
        }
    }

    /// `"postgres"` or `"sqlite"`.
    pub fn backend_name(&self) -> &'static str {
        match self {
            AnyConnection::Postgres(_) => "postgres",
            AnyConnection::Sqlite(_) => "sqlite",
        }
    }
}

/// A libpq connection, made only after OpenSSL, which libpq speaks TLS with, has been told
/// not to clean up when the process exits: that clean-up runs while other threads (a pool's,
/// the server's database threads) may still be ending, and freed what they were using
/// (a segfault at exit; diesel-rs/diesel#3441, openssl/openssl#6214). The process ends
/// anyway; there is nothing to free. Whatever initializes OpenSSL first decides, so every
/// PostgreSQL connection goes through here.
pub(crate) fn establish_postgres(url: &str) -> diesel::ConnectionResult<PgConnection> {
    openssl_sys::init();
    PgConnection::establish(url)
}

/// Parses `url` (see [`DatabaseUrl`]) and connects to it.
pub fn establish(url: &str) -> Result<AnyConnection, StoreError> {
    AnyConnection::open(&DatabaseUrl::parse(url)?)
}

/// libpq's messages span lines ("...failed: Connection refused\n\tIs the server
/// running...?"); keep every word but on one line, for logs.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

fn open_sqlite(path: &Path) -> Result<SqliteConnection, StoreError> {
    let fail = |cause: String| {
        StoreError::Connection(format!("SQLite database {}: {cause}", path.display()))
    };
    let Some(path_str) = path.to_str() else {
        return Err(fail("the path is not valid UTF-8".into()));
    };
    let mut conn = SqliteConnection::establish(path_str).map_err(|e| {
        let mut cause = e.to_string();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.is_dir() {
                cause.push_str(&format!(" (directory {} does not exist)", dir.display()));
            }
        }
        fail(cause)
    })?;
    conn.batch_execute(&sqlite_pragmas())
        .map_err(|e| fail(format!("setting connection pragmas failed: {e}")))?;
    Ok(conn)
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::*;
    use crate::testing::TestDb;
    use diesel::dsl::sql;
    use diesel::sql_types::{Nullable, Text};

    fn random_page_cost(conn: &mut AnyConnection) -> String {
        let AnyConnection::Postgres(pg) = conn else {
            panic!("a PostgreSQL connection")
        };
        diesel::select(sql::<Text>("current_setting('random_page_cost')"))
            .get_result(pg)
            .expect("the setting")
    }

    /// The test databases are on this machine: SQLite's file, and PostgreSQL over loopback
    /// (the client's address is the server's) and over its Unix socket (no address).
    #[test]
    fn databases_on_this_machine_are_local() {
        for db in TestDb::all() {
            let mut conn = establish(&db.url).expect("connecting");
            assert!(conn.database_is_local().expect("asked"), "{}", db.url);
        }
        let Some(db) = TestDb::postgres() else { return };
        let mut tcp = establish_postgres(&db.url).expect("connecting");
        let (user, sockets): (String, String) = diesel::select(sql::<(Text, Text)>(
            "current_user::text, current_setting('unix_socket_directories')",
        ))
        .get_result(&mut tcp)
        .expect("the user and the server's socket directories");
        let socket = sockets.split(',').next().unwrap_or_default().trim();
        assert!(
            !socket.is_empty(),
            "the test server listens on a Unix socket"
        );
        let name = db.postgres_database().expect("a PostgreSQL database");
        let url = format!("postgres://{user}@/{name}?host={socket}");
        let mut over_socket = establish_postgres(&url).expect("connecting over the socket");
        let address: Option<String> =
            diesel::select(sql::<Nullable<Text>>("host(inet_server_addr())"))
                .get_result(&mut over_socket)
                .expect("the server's address");
        assert_eq!(address, None, "{url} is a Unix socket");
        let mut conn = AnyConnection::Postgres(over_socket);
        assert!(conn.database_is_local().expect("asked"), "{url}");
    }

    /// PostgreSQL's default cost of a random page is lowered for runsheet's sessions; a
    /// value the database's configuration sets is kept. The test server must leave the
    /// value at its default (this machine kind's does), or the first half could not fail.
    #[test]
    fn postgres_sessions_lower_the_default_random_page_cost_only() {
        let Some(db) = TestDb::postgres() else { return };
        let name = db
            .postgres_database()
            .expect("a PostgreSQL database")
            .to_owned();
        let mut plain = establish_postgres(&db.url).expect("connecting");
        let source: String = diesel::select(sql::<Text>(
            "(SELECT source FROM pg_settings WHERE name = 'random_page_cost')",
        ))
        .get_result(&mut plain)
        .expect("the setting's source");
        assert_eq!(
            source, "default",
            "the test server sets random_page_cost itself"
        );
        let mut conn = establish(&db.url).expect("connecting");
        assert_eq!(random_page_cost(&mut conn), "1.1");

        plain
            .batch_execute(&format!(
                "ALTER DATABASE \"{name}\" SET random_page_cost = 2.5"
            ))
            .expect("setting the database's value");
        let mut conn = establish(&db.url).expect("connecting");
        assert_eq!(random_page_cost(&mut conn), "2.5");
    }
}
