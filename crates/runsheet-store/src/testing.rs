//! A fresh database for each test (feature `testing`).
//!
//! Other crates use it from their tests:
//!
//! ```toml
//! [dev-dependencies]
//! runsheet-store = { workspace = true, features = ["testing"] }
//! ```
//!
//! ```
//! use runsheet_store::testing::TestDb;
//!
//! // Every backend available: SQLite always, PostgreSQL when
//! // RUNSHEET_TEST_POSTGRES_URL is set.
//! for db in TestDb::all() {
//!     let pool = db.pool(); // migrated
//!     let mut conn = pool.get().unwrap();
//!     runsheet_store::ping(&mut conn).unwrap();
//!     println!("tested on {}", db.backend_name());
//! } // each database is deleted here
//! ```
//!
//! - [`TestDb::sqlite`]: a new file in a temporary directory, removed on drop.
//! - [`TestDb::postgres`]: `None` unless `RUNSHEET_TEST_POSTGRES_URL` names a server
//!   (e.g. `postgres://postgres@127.0.0.1:5432/postgres`); then a new database
//!   `runsheet_test_<pid>_<counter>_<random>` on it, dropped (`WITH (FORCE)`) on drop.
//!   If the variable is set but the database cannot be created, it panics: a test run
//!   that asked for PostgreSQL must not quietly skip it.
//!
//! Keep the `TestDb` alive as long as the pool is used: the database goes with it.

use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::connection::SimpleConnection;

use crate::connection::{establish_postgres, AnyConnection};
use crate::pool::{connect, Pool};
use crate::url::redact_password;

/// The environment variable naming the PostgreSQL server tests may create databases on.
pub const POSTGRES_URL_VAR: &str = "RUNSHEET_TEST_POSTGRES_URL";

/// Connections in the pool [`TestDb::pool`] returns.
pub const POOL_SIZE: u32 = 4;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A database that exists as long as this value does. See the [module docs](self).
#[derive(Debug)]
pub struct TestDb {
    /// The URL to connect to, as accepted by [`crate::connect`] and the runsheet config.
    pub url: String,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Sqlite {
        _dir: tempfile::TempDir,
    },
    Postgres {
        /// The server URL from the environment, used to create and drop the database.
        admin_url: String,
        name: String,
    },
}

impl TestDb {
    /// A new, empty SQLite database file in a temporary directory.
    pub fn sqlite() -> TestDb {
        let dir = tempfile::Builder::new()
            .prefix("runsheet-test-")
            .tempdir()
            .expect("creating a temporary directory for a SQLite test database");
        let path = dir.path().join("runsheet.db");
        TestDb {
            url: format!("sqlite://{}", path.display()),
            kind: Kind::Sqlite { _dir: dir },
        }
    }

    /// A new, empty PostgreSQL database, or `None` when `RUNSHEET_TEST_POSTGRES_URL` is
    /// unset or empty.
    ///
    /// # Panics
    ///
    /// When the variable is set but the server cannot be reached or the database cannot
    /// be created.
    pub fn postgres() -> Option<TestDb> {
        let admin_url = std::env::var(POSTGRES_URL_VAR)
            .ok()
            .filter(|u| !u.trim().is_empty())?;
        let name = format!(
            "runsheet_test_{}_{}_{:08x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        );
        let mut admin = establish_postgres(&admin_url).unwrap_or_else(|e| {
            panic!(
                "{POSTGRES_URL_VAR} is set to {}, but connecting failed: {e}",
                redact_password(&admin_url)
            )
        });
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap_or_else(|e| panic!("creating test database {name}: {e}"));
        Some(TestDb {
            url: with_database(&admin_url, &name),
            kind: Kind::Postgres { admin_url, name },
        })
    }

    /// A SQLite database, and a PostgreSQL one when `RUNSHEET_TEST_POSTGRES_URL` is set:
    /// loop over these to run a test on every backend available.
    pub fn all() -> Vec<TestDb> {
        std::iter::once(TestDb::sqlite())
            .chain(TestDb::postgres())
            .collect()
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend_name(&self) -> &'static str {
        match self.kind {
            Kind::Sqlite { .. } => "sqlite",
            Kind::Postgres { .. } => "postgres",
        }
    }

    /// The database's name on the PostgreSQL server (None for SQLite).
    pub fn postgres_database(&self) -> Option<&str> {
        match &self.kind {
            Kind::Sqlite { .. } => None,
            Kind::Postgres { name, .. } => Some(name),
        }
    }

    /// Runs all migrations and returns a pool of [`POOL_SIZE`] connections.
    ///
    /// # Panics
    ///
    /// When connecting or migrating fails.
    pub fn pool(&self) -> Pool {
        let pool = connect(&self.url, POOL_SIZE)
            .unwrap_or_else(|e| panic!("connecting to test database {}: {e}", self.url));
        let mut conn = pool
            .get()
            .unwrap_or_else(|e| panic!("checking out a connection to {}: {e}", self.url));
        crate::migrations::run_pending(&mut conn)
            .unwrap_or_else(|e| panic!("migrating test database {}: {e}", self.url));
        drop(conn);
        pool
    }

    /// A single connection, not migrated: for tests of migrations themselves.
    ///
    /// # Panics
    ///
    /// When connecting fails.
    pub fn connection(&self) -> AnyConnection {
        crate::connection::establish(&self.url)
            .unwrap_or_else(|e| panic!("connecting to test database {}: {e}", self.url))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // SQLite: the temporary directory removes itself.
        if let Kind::Postgres { admin_url, name } = &self.kind {
            // Errors are ignored: a leftover database is not worth a panic in drop.
            if let Ok(mut admin) = establish_postgres(admin_url) {
                let _ = admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
            }
        }
    }
}

/// `url` with its database (the path) replaced by `name`; user, host, port and query
/// parameters are kept.
fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let query = tail.find('?').map(|i| &tail[i..]).unwrap_or("");
    format!("{scheme}://{authority}/{name}{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_database_replaces_only_the_path() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgresql://u:p@h/db?sslmode=disable", "t2"),
            "postgresql://u:p@h/t2?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "t3"), "postgres://h/t3");
        assert_eq!(
            with_database("postgres://h?connect_timeout=5", "t4"),
            "postgres://h/t4?connect_timeout=5"
        );
    }

    #[test]
    fn sqlite_files_go_away_with_the_value() {
        let db = TestDb::sqlite();
        assert_eq!(db.backend_name(), "sqlite");
        let pool = db.pool();
        drop(pool);
        let path = db.url.strip_prefix("sqlite://").unwrap().to_owned();
        assert!(std::path::Path::new(&path).exists());
        drop(db);
        assert!(!std::path::Path::new(&path).exists());
    }
}

/// Fixtures for API tests of one area that need records of another: raw SQL both databases
/// read, a few typed inserts, and a statement counter (diesel's instrumentation).
pub mod fixtures {
    use crate::schema::{job_runs, requests, servers, steps};
    use crate::{AnyConnection, StoreError};
    use chrono::NaiveDateTime;
    use diesel::prelude::*;
    use runsheet_core::time;

    use diesel::connection::{Instrumentation, InstrumentationEvent};
    use diesel::sql_types::{BigInt, Text};
    use std::sync::{Arc, Mutex};

    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }

    /// Runs an `INSERT ...` and returns the new row's id.
    pub fn insert(conn: &mut AnyConnection, sql: &str) -> Result<i64, StoreError> {
        let row: Id = diesel::sql_query(format!("{sql} RETURNING id")).get_result(conn)?;
        Ok(row.id)
    }

    /// Runs one statement; returns the rows it touched.
    pub fn execute(conn: &mut AnyConnection, sql: &str) -> Result<usize, StoreError> {
        Ok(diesel::sql_query(sql).execute(conn)?)
    }

    /// Records the statements a connection runs and those diesel puts in its cache of
    /// prepared statements.
    #[derive(Clone, Default)]
    struct Recorder {
        started: Arc<Mutex<Vec<String>>>,
        cached: Arc<Mutex<Vec<String>>>,
    }

    impl Recorder {
        fn taken(list: &Mutex<Vec<String>>) -> Vec<String> {
            list.lock().map(|l| l.clone()).unwrap_or_default()
        }
    }

    impl Instrumentation for Recorder {
        fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
            let (list, text) = match event {
                InstrumentationEvent::StartQuery { query, .. } => {
                    (&self.started, query.to_string())
                }
                InstrumentationEvent::CacheQuery { sql, .. } => (&self.cached, sql.to_owned()),
                _ => return,
            };
            if let Ok(mut list) = list.lock() {
                list.push(text);
            }
        }
    }

    struct Silent;

    impl Instrumentation for Silent {
        fn on_connection_event(&mut self, _event: InstrumentationEvent<'_>) {}
    }

    /// `work`'s result and the SQL statements it ran on `conn`, each as diesel prints it
    /// (`SQL -- binds: [...]`).
    pub fn statements<T>(
        conn: &mut AnyConnection,
        work: impl FnOnce(&mut AnyConnection) -> T,
    ) -> (T, Vec<String>) {
        let recorder = Recorder::default();
        conn.set_instrumentation(recorder.clone());
        let result = work(conn);
        conn.set_instrumentation(Silent);
        (result, Recorder::taken(&recorder.started))
    }

    /// `work`'s result and the number of SQL statements it ran on `conn`.
    pub fn count_statements<T>(
        conn: &mut AnyConnection,
        work: impl FnOnce(&mut AnyConnection) -> T,
    ) -> (T, usize) {
        let (result, statements) = statements(conn, work);
        (result, statements.len())
    }

    /// The statements of `work` that diesel does not keep prepared, so that each of its runs
    /// parses and plans them again: `work` runs once to fill the cache, then once more, and
    /// the statements of that second run that were never cached are returned (as
    /// [`statements`] prints them). Transaction control (`BEGIN`, `COMMIT`) is left out.
    /// `conn` must not have run `work`'s statements before (they would be cached unseen).
    pub fn statements_not_kept<T>(
        conn: &mut AnyConnection,
        mut work: impl FnMut(&mut AnyConnection) -> T,
    ) -> Vec<String> {
        let recorder = Recorder::default();
        conn.set_instrumentation(recorder.clone());
        work(conn);
        let second_from = Recorder::taken(&recorder.started).len();
        work(conn);
        conn.set_instrumentation(Silent);
        let cached = Recorder::taken(&recorder.cached);
        Recorder::taken(&recorder.started)
            .split_off(second_from)
            .into_iter()
            .filter(|statement| {
                let sql = statement.split(" -- binds: ").next().unwrap_or(statement);
                let control = ["BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"]
                    .iter()
                    .any(|word| sql.starts_with(word));
                !control && !cached.iter().any(|kept| kept == sql)
            })
            .collect()
    }

    #[derive(QueryableByName)]
    struct PlanRow {
        #[diesel(sql_type = Text)]
        detail: String,
    }

    /// SQLite's plan for a statement as [`statements`] records it (its binds left out:
    /// the plan is made when the statement is prepared), one line per step.
    pub fn sqlite_plan(
        conn: &mut AnyConnection,
        statement: &str,
    ) -> Result<Vec<String>, StoreError> {
        let sql = statement.split(" -- binds: ").next().unwrap_or(statement);
        let rows: Vec<PlanRow> =
            diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}")).load(conn)?;
        Ok(rows.into_iter().map(|row| row.detail).collect())
    }

    /// The lines of SQLite's plan of `statement` that make a temporary table: a sort
    /// (`TEMP B-TREE`) or a subquery materialised (`MATERIALIZE`, `CO-ROUTINE`).
    pub fn sqlite_temporaries(
        conn: &mut AnyConnection,
        statement: &str,
    ) -> Result<Vec<String>, StoreError> {
        const TEMPORARY: [&str; 3] = ["TEMP B-TREE", "MATERIALIZE", "CO-ROUTINE"];
        Ok(sqlite_plan(conn, statement)?
            .into_iter()
            .filter(|line| TEMPORARY.iter().any(|t| line.contains(t)))
            .collect())
    }

    pub fn server(conn: &mut AnyConnection, name: &str) -> Result<i64, StoreError> {
        let now = time::now();
        Ok(diesel::insert_into(servers::table)
            .values((
                servers::name.eq(name),
                servers::active.eq(true),
                servers::created_at.eq(now),
                servers::updated_at.eq(now),
            ))
            .returning(servers::id)
            .get_result(conn)?)
    }

    /// A bare step that refers to an installed component or a script.
    pub fn step(
        conn: &mut AnyConnection,
        installed_component_id: Option<i64>,
        script_id: Option<i64>,
    ) -> Result<i64, StoreError> {
        let now = time::now();
        Ok(diesel::insert_into(steps::table)
            .values((
                steps::position.eq(1),
                steps::installed_component_id.eq(installed_component_id),
                steps::script_id.eq(script_id),
                steps::created_at.eq(now),
                steps::updated_at.eq(now),
            ))
            .returning(steps::id)
            .get_result(conn)?)
    }

    pub fn delete_step(conn: &mut AnyConnection, id: i64) -> Result<(), StoreError> {
        diesel::delete(steps::table.find(id)).execute(conn)?;
        Ok(())
    }

    /// A job run of the script.
    pub fn job_run(conn: &mut AnyConnection, script_id: i64) -> Result<i64, StoreError> {
        insert_job_run(
            conn,
            &NewRun {
                automation_id: Some(script_id),
                ..NewRun::default()
            },
        )
    }

    /// Every column of a job run a test may set; `Default` is a `Complete` automation run
    /// with nothing else, created and updated now.
    #[derive(Debug, Clone)]
    pub struct NewRun<'a> {
        pub job_type: &'a str,
        pub status: &'a str,
        pub run_key: Option<i64>,
        pub automation_id: Option<i64>,
        pub user_id: Option<i64>,
        pub step_id: Option<i64>,
        pub process_id: Option<i64>,
        pub results_path: Option<&'a str>,
        pub stdout: Option<&'a str>,
        pub stderr: Option<&'a str>,
        pub started_at: Option<NaiveDateTime>,
        pub finished_at: Option<NaiveDateTime>,
        /// `None`: now.
        pub created_at: Option<NaiveDateTime>,
        /// `None`: now.
        pub updated_at: Option<NaiveDateTime>,
    }

    impl Default for NewRun<'_> {
        fn default() -> Self {
            NewRun {
                job_type: "automation",
                status: "Complete",
                run_key: None,
                automation_id: None,
                user_id: None,
                step_id: None,
                process_id: None,
                results_path: None,
                stdout: None,
                stderr: None,
                started_at: None,
                finished_at: None,
                created_at: None,
                updated_at: None,
            }
        }
    }

    pub fn insert_job_run(conn: &mut AnyConnection, run: &NewRun) -> Result<i64, StoreError> {
        let now = time::now();
        Ok(diesel::insert_into(job_runs::table)
            .values((
                job_runs::job_type.eq(run.job_type),
                job_runs::status.eq(run.status),
                job_runs::run_key.eq(run.run_key),
                job_runs::automation_id.eq(run.automation_id),
                job_runs::user_id.eq(run.user_id),
                job_runs::step_id.eq(run.step_id),
                job_runs::process_id.eq(run.process_id),
                job_runs::results_path.eq(run.results_path),
                job_runs::stdout.eq(run.stdout),
                job_runs::stderr.eq(run.stderr),
                job_runs::started_at.eq(run.started_at),
                job_runs::finished_at.eq(run.finished_at),
                job_runs::created_at.eq(run.created_at.unwrap_or(now)),
                job_runs::updated_at.eq(run.updated_at.unwrap_or(now)),
            ))
            .returning(job_runs::id)
            .get_result(conn)?)
    }

    /// A named request in the given state.
    pub fn request(
        conn: &mut AnyConnection,
        name: &str,
        aasm_state: &str,
    ) -> Result<i64, StoreError> {
        let now = time::now();
        Ok(diesel::insert_into(requests::table)
            .values((
                requests::name.eq(name),
                requests::aasm_state.eq(aasm_state),
                requests::created_at.eq(now),
                requests::updated_at.eq(now),
            ))
            .returning(requests::id)
            .get_result(conn)?)
    }

    /// What sequencing reads of a step, for a test to set: `Default` is a locked manual
    /// step at position 1 of no request that starts a phase and is to be executed.
    #[derive(Debug, Clone)]
    pub struct NewStep<'a> {
        pub request_id: Option<i64>,
        pub parent_id: Option<i64>,
        pub aasm_state: &'a str,
        pub position: i64,
        pub should_execute: bool,
        pub different_level_from_previous: bool,
        pub manual: bool,
        pub procedure: bool,
    }

    impl Default for NewStep<'_> {
        fn default() -> Self {
            NewStep {
                request_id: None,
                parent_id: None,
                aasm_state: "locked",
                position: 1,
                should_execute: true,
                different_level_from_previous: true,
                manual: true,
                procedure: false,
            }
        }
    }

    pub fn insert_step(conn: &mut AnyConnection, step: &NewStep) -> Result<i64, StoreError> {
        let now = time::now();
        Ok(diesel::insert_into(steps::table)
            .values((
                steps::request_id.eq(step.request_id),
                steps::parent_id.eq(step.parent_id),
                steps::aasm_state.eq(step.aasm_state),
                steps::position.eq(step.position),
                steps::should_execute.eq(step.should_execute),
                steps::different_level_from_previous.eq(step.different_level_from_previous),
                steps::manual.eq(step.manual),
                steps::procedure.eq(step.procedure),
                steps::created_at.eq(now),
                steps::updated_at.eq(now),
            ))
            .returning(steps::id)
            .get_result(conn)?)
    }

    /// A named step in the given state, in a request or in none.
    pub fn named_step(
        conn: &mut AnyConnection,
        request_id: Option<i64>,
        name: &str,
        aasm_state: &str,
    ) -> Result<i64, StoreError> {
        let now = time::now();
        Ok(diesel::insert_into(steps::table)
            .values((
                steps::request_id.eq(request_id),
                steps::name.eq(name),
                steps::aasm_state.eq(aasm_state),
                steps::position.eq(1),
                steps::created_at.eq(now),
                steps::updated_at.eq(now),
            ))
            .returning(steps::id)
            .get_result(conn)?)
    }
}
