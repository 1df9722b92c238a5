//! The connection a server's database thread keeps (kept_connection.rs): on SQLite one of
//! its own, from one piece of work to the next, with a larger page cache than the pool's;
//! on PostgreSQL one from the pool each time.

use diesel::connection::{Connection, SimpleConnection, TransactionManager};
use diesel::sql_types::BigInt;
use diesel::{QueryableByName, RunQueryDsl};
use runsheet_store::kept_connection::{kept_database, KeptConnection, PAGE_CACHE_MIB};
use runsheet_store::testing::TestDb;
use runsheet_store::{AnyConnection, DatabaseUrl, StoreError};

#[derive(QueryableByName)]
struct Value {
    #[diesel(sql_type = BigInt)]
    value: i64,
}

fn sqlite_value(conn: &mut AnyConnection, sql: &str) -> Result<i64, StoreError> {
    let AnyConnection::Sqlite(c) = conn else {
        panic!("not SQLite")
    };
    Ok(diesel::sql_query(sql).get_result::<Value>(c)?.value)
}

/// Whether this connection made the temporary table `mark` (temporary tables are the
/// connection's own).
fn marked(conn: &mut AnyConnection) -> Result<bool, StoreError> {
    let count = sqlite_value(
        conn,
        "SELECT count(*) AS value FROM sqlite_temp_master WHERE name = 'mark'",
    )?;
    Ok(count == 1)
}

fn mark(conn: &mut AnyConnection) -> Result<(), StoreError> {
    conn.batch_execute("CREATE TEMPORARY TABLE mark (x INTEGER)")?;
    Ok(())
}

#[test]
fn sqlite_work_runs_on_one_kept_connection_with_the_larger_cache() {
    let db = TestDb::sqlite();
    let pool = db.pool();
    let database = kept_database(&mut pool.get().unwrap()).unwrap();
    let Some(DatabaseUrl::Sqlite(file)) = &database else {
        panic!("SQLite's file: {database:?}")
    };
    assert_eq!(format!("sqlite://{}", file.display()), db.url);
    let mut kept = KeptConnection::new(pool.clone(), database);
    kept.with(mark).unwrap();
    assert!(kept.with(marked).unwrap(), "the same connection");
    let cache = kept
        .with(|c| sqlite_value(c, "SELECT cache_size AS value FROM pragma_cache_size()"))
        .unwrap();
    // Negative: KiB.
    assert_eq!(cache, -i64::from(PAGE_CACHE_MIB) * 1024);
    // The pool's connections keep SQLite's default.
    let pooled = sqlite_value(
        &mut pool.get().unwrap(),
        "SELECT cache_size AS value FROM pragma_cache_size()",
    );
    assert_eq!(pooled.unwrap(), -2000);
    assert!(
        !marked(&mut pool.get().unwrap()).unwrap(),
        "not one of the pool's"
    );
}

#[test]
fn a_connection_left_in_a_transaction_is_not_kept() {
    let db = TestDb::sqlite();
    let pool = db.pool();
    let mut kept = KeptConnection::new(
        pool.clone(),
        kept_database(&mut pool.get().unwrap()).unwrap(),
    );
    kept.with(|c| {
        mark(c)?;
        // Begun and never ended, as work that lost track of it would leave it.
        <AnyConnection as Connection>::TransactionManager::begin_transaction(c)?;
        Ok(())
    })
    .unwrap();
    assert!(!kept.with(marked).unwrap(), "a new connection");
    // An error alone does not drop it.
    kept.with(mark).unwrap();
    let failed = kept.with(|c| sqlite_value(c, "SELECT no_such_column AS value"));
    assert!(failed.is_err());
    assert!(kept.with(marked).unwrap(), "kept after an error");
}

#[test]
fn postgresql_work_takes_a_pooled_connection() {
    let Some(db) = TestDb::postgres() else {
        eprintln!("RUNSHEET_TEST_POSTGRES_URL is not set: PostgreSQL case skipped");
        return;
    };
    let pool = db.pool();
    assert!(kept_database(&mut pool.get().unwrap()).unwrap().is_none());
    let mut kept = KeptConnection::new(pool.clone(), None);
    let in_use = kept
        .with(|_| Ok(pool.state().connections - pool.state().idle_connections))
        .unwrap();
    assert_eq!(in_use, 1, "the work's connection is the pool's");
}
