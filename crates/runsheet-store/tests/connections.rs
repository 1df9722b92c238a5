//! Connections: SQLite pragmas on every pooled connection, real causes in connection
//! errors, no stray files, and the constraints the migrations promise.

use std::collections::BTreeSet;
use std::path::Path;

use diesel::sql_types::{BigInt, Integer, Text};
use diesel::{QueryableByName, RunQueryDsl};
use runsheet_store::testing::TestDb;
use runsheet_store::{connect, establish, ping, AnyConnection, StoreError};

#[derive(QueryableByName)]
struct IntValue {
    #[diesel(sql_type = Integer)]
    value: i32,
}

#[derive(QueryableByName)]
struct TextValue {
    #[diesel(sql_type = Text)]
    value: String,
}

fn sqlite_int(conn: &mut AnyConnection, sql: &str) -> i32 {
    let AnyConnection::Sqlite(c) = conn else {
        panic!("not SQLite")
    };
    diesel::sql_query(sql)
        .get_result::<IntValue>(c)
        .unwrap()
        .value
}

fn sqlite_text(conn: &mut AnyConnection, sql: &str) -> String {
    let AnyConnection::Sqlite(c) = conn else {
        panic!("not SQLite")
    };
    diesel::sql_query(sql)
        .get_result::<TextValue>(c)
        .unwrap()
        .value
}

#[test]
fn every_pooled_sqlite_connection_has_the_pragmas() {
    let db = TestDb::sqlite();
    let pool = connect(&db.url, 3).unwrap();
    // Hold all of them at once, so each is a different connection.
    let mut conns: Vec<_> = (0..3).map(|_| pool.get().unwrap()).collect();
    for conn in &mut conns {
        assert_eq!(conn.backend_name(), "sqlite");
        ping(conn).unwrap();
        assert_eq!(
            sqlite_int(
                conn,
                "SELECT foreign_keys AS value FROM pragma_foreign_keys"
            ),
            1
        );
        assert_eq!(
            sqlite_text(
                conn,
                "SELECT journal_mode AS value FROM pragma_journal_mode"
            ),
            "wal"
        );
        assert_eq!(
            sqlite_int(conn, "SELECT timeout AS value FROM pragma_busy_timeout"),
            5000
        );
        assert_eq!(runsheet_store::connection::SQLITE_BUSY_TIMEOUT_MS, 5000);
        // NORMAL is 1.
        assert_eq!(
            sqlite_int(conn, "SELECT synchronous AS value FROM pragma_synchronous"),
            1
        );
        // MEMORY is 2.
        assert_eq!(
            sqlite_int(conn, "SELECT temp_store AS value FROM pragma_temp_store"),
            2
        );
    }
}

/// `.cargo/config.toml` sets how the bundled SQLite is compiled; the benchmark's profile
/// showed what each option costs when it is missing.
#[test]
fn the_bundled_sqlite_is_compiled_as_the_cargo_config_says() {
    let db = TestDb::sqlite();
    let mut conn = establish(&db.url).unwrap();
    let AnyConnection::Sqlite(c) = &mut conn else {
        panic!("not SQLite")
    };
    let options: BTreeSet<String> =
        diesel::sql_query("SELECT compile_options AS value FROM pragma_compile_options")
            .load::<TextValue>(c)
            .unwrap()
            .into_iter()
            .map(|o| o.value)
            .collect();
    assert!(options.contains("ENABLE_QPSG"), "{options:?}");
    assert!(options.contains("DEFAULT_MEMSTATUS=0"), "{options:?}");
    assert!(!options.contains("ENABLE_MEMORY_MANAGEMENT"), "{options:?}");
    assert!(options.contains("THREADSAFE=2"), "{options:?}");
}

/// Lists `dir`, to prove a failed connection created nothing there.
fn listing(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

fn connect_error(url: &str) -> String {
    let error = connect(url, 2).expect_err(url);
    // The same cause comes back from a single connection.
    let single = establish(url).err().expect(url).to_string();
    assert_eq!(error.to_string(), single);
    assert!(
        matches!(error, StoreError::Connection(_) | StoreError::InvalidUrl(_)),
        "{error:?}"
    );
    error.to_string()
}

#[test]
fn unknown_scheme_is_refused_by_name() {
    let cwd = std::env::current_dir().unwrap();
    let before = listing(&cwd);
    let message = connect_error("mysql://root@localhost/runsheet");
    assert!(
        message.contains("unsupported scheme `mysql://`"),
        "{message}"
    );
    assert!(message.contains("sqlite://PATH"), "{message}");
    assert!(message.contains("postgres://"), "{message}");
    assert_eq!(
        listing(&cwd),
        before,
        "a file appeared in {}",
        cwd.display()
    );
    assert!(!Path::new("mysql:").exists());
}

#[test]
fn refused_postgres_connection_keeps_libpq_message() {
    let cwd = std::env::current_dir().unwrap();
    let before = listing(&cwd);
    let message = connect_error("postgres://postgres@127.0.0.1:1/runsheet");
    assert!(
        message.starts_with("could not connect to the database"),
        "{message}"
    );
    assert!(message.contains("127.0.0.1"), "{message}");
    assert!(message.contains("port 1 failed"), "{message}");
    assert!(message.contains("Connection refused"), "{message}");
    assert_eq!(
        listing(&cwd),
        before,
        "a file appeared in {}",
        cwd.display()
    );
}

#[test]
fn password_is_not_in_connection_errors() {
    let message = connect_error("postgres://runsheet:hunter2@127.0.0.1:1/runsheet");
    assert!(!message.contains("hunter2"), "{message}");
}

#[test]
fn sqlite_file_in_missing_directory_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let missing_dir = tmp.path().join("no-such-dir");
    let file = missing_dir.join("runsheet.db");
    for url in [
        file.display().to_string(),
        format!("sqlite://{}", file.display()),
    ] {
        let message = connect_error(&url);
        assert!(message.contains(&file.display().to_string()), "{message}");
        assert!(message.contains("does not exist"), "{message}");
        assert!(
            !missing_dir.exists(),
            "{url} created {}",
            missing_dir.display()
        );
    }
    assert!(listing(tmp.path()).is_empty());
}

// ---------------------------------------------------------------------------------------
// The constraints of the first migration, on each backend

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(conn: &mut AnyConnection, table: &str) -> i64 {
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result::<Count>(conn)
        .unwrap()
        .n
}

fn exec(conn: &mut AnyConnection, sql: &str) -> Result<usize, StoreError> {
    Ok(diesel::sql_query(sql).execute(conn)?)
}

fn constraints_hold(db: &TestDb) {
    let pool = db.pool();
    let mut conn = pool.get().unwrap();
    let conn: &mut AnyConnection = &mut conn;
    let now = "'2026-11-23 12:00:00'";
    exec(conn, &format!(
        "INSERT INTO users (login, email, created_at, updated_at) VALUES ('Ada', 'ada@example.com', {now}, {now})"
    ))
    .unwrap();
    exec(
        conn,
        &format!(
            "INSERT INTO groups (name, created_at, updated_at) VALUES ('Release', {now}, {now})"
        ),
    )
    .unwrap();

    // Logins, emails and group names are unique whatever their case.
    for sql in [
        format!("INSERT INTO users (login, email, created_at, updated_at) VALUES ('ADA', 'other@example.com', {now}, {now})"),
        format!("INSERT INTO users (login, email, created_at, updated_at) VALUES ('other', 'ADA@example.COM', {now}, {now})"),
        format!("INSERT INTO groups (name, created_at, updated_at) VALUES ('release', {now}, {now})"),
    ] {
        let error = exec(conn, &sql).expect_err(&sql);
        assert!(error.is_unique_violation(), "{}: {sql}: {error}", db.backend_name());
    }

    // Defaults.
    #[derive(QueryableByName)]
    struct Flags {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        admin: bool,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        active: bool,
    }
    let flags: Flags = diesel::sql_query("SELECT admin, active FROM users")
        .get_result(conn)
        .unwrap();
    assert!(!flags.admin && flags.active);

    // Memberships need both ends, and go when either end goes.
    exec(
        conn,
        "INSERT INTO group_memberships (group_id, user_id)
         SELECT groups.id, users.id FROM groups, users",
    )
    .unwrap();
    let error = exec(
        conn,
        "INSERT INTO group_memberships (group_id, user_id) VALUES (999999, 999999)",
    )
    .unwrap_err();
    assert!(
        error.is_foreign_key_violation(),
        "{}: {error}",
        db.backend_name()
    );
    exec(conn, "DELETE FROM users").unwrap();
    assert_eq!(count(conn, "group_memberships"), 0);
    assert_eq!(count(conn, "groups"), 1);
}

#[test]
fn sqlite_constraints_hold() {
    constraints_hold(&TestDb::sqlite());
}

#[test]
fn postgres_constraints_hold() {
    let Some(db) = TestDb::postgres() else {
        eprintln!("skipped: set RUNSHEET_TEST_POSTGRES_URL to test PostgreSQL");
        return;
    };
    assert_eq!(db.pool().get().unwrap().backend_name(), "postgres");
    constraints_hold(&db);
}

// ---------------------------------------------------------------------------------------
// schema.rs through the query builder, over AnyConnection, on every backend available

#[test]
fn schema_works_over_any_connection() {
    use chrono::NaiveDate;
    use diesel::prelude::*;
    use runsheet_store::schema::{group_memberships, groups, users};

    for db in TestDb::all() {
        let pool = db.pool();
        let mut conn = pool.get().unwrap();
        let at = NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_micro_opt(12, 34, 56, 789_000)
            .unwrap();
        let group_id: i64 = diesel::insert_into(groups::table)
            .values((
                groups::name.eq("Release"),
                groups::created_at.eq(at),
                groups::updated_at.eq(at),
            ))
            .returning(groups::id)
            .get_result(&mut **conn)
            .unwrap();
        let user_id: i64 = diesel::insert_into(users::table)
            .values((
                users::login.eq("ada"),
                users::email.eq("ada@example.com"),
                users::created_at.eq(at),
                users::updated_at.eq(at),
            ))
            .returning(users::id)
            .get_result(&mut **conn)
            .unwrap();
        diesel::insert_into(group_memberships::table)
            .values((
                group_memberships::group_id.eq(group_id),
                group_memberships::user_id.eq(user_id),
            ))
            .execute(&mut **conn)
            .unwrap();

        let row: (String, Option<String>, bool, chrono::NaiveDateTime) = group_memberships::table
            .inner_join(users::table)
            .inner_join(groups::table)
            .filter(groups::id.eq(group_id))
            .select((
                users::login,
                users::first_name,
                users::active,
                users::created_at,
            ))
            .first(&mut **conn)
            .unwrap();
        assert_eq!(row, ("ada".into(), None, true, at), "{}", db.backend_name());

        let missing = users::table
            .find(user_id + 1000)
            .select(users::id)
            .first::<i64>(&mut **conn)
            .map_err(StoreError::from)
            .unwrap_err();
        assert!(matches!(missing, StoreError::NotFound), "{missing:?}");
    }
}
