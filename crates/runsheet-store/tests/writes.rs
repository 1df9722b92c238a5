//! Write transactions (`transaction::write`): on SQLite all of a process's writes to a file
//! run on one connection, one at a time; on every backend they land whole or not at all.

use std::sync::Barrier;

use diesel::connection::SimpleConnection;
use diesel::sql_types::BigInt;
use diesel::{QueryableByName, RunQueryDsl};
use runsheet_store::testing::{TestDb, POOL_SIZE};
use runsheet_store::{transaction, AnyConnection, StoreError};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(conn: &mut AnyConnection, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<Count>(conn).unwrap().n
}

fn exec(conn: &mut AnyConnection, sql: &str) -> Result<(), StoreError> {
    Ok(conn.batch_execute(sql)?)
}

/// Writers on as many pooled connections as there are at once, each waiting for the others
/// to start: every write lands, none fails with "database is locked".
#[test]
fn concurrent_writers_all_land() {
    for db in TestDb::all() {
        let pool = db.pool();
        exec(
            &mut pool.get().unwrap(),
            "CREATE TABLE marks (n BIGINT NOT NULL)",
        )
        .unwrap();
        let threads = POOL_SIZE as usize;
        let start = Barrier::new(threads);
        std::thread::scope(|scope| {
            for t in 0..threads {
                let (pool, start) = (&pool, &start);
                scope.spawn(move || {
                    let mut conn = pool.get().unwrap();
                    start.wait();
                    for i in 0..50 {
                        transaction::write(&mut conn, |c| {
                            // Read, then write: the pattern a deferred transaction fails.
                            let before = count(c, "SELECT count(*) AS n FROM marks");
                            exec(
                                c,
                                &format!("INSERT INTO marks (n) VALUES ({})", t * 100 + i),
                            )?;
                            Ok::<_, StoreError>(before)
                        })
                        .unwrap();
                    }
                });
            }
        });
        let mut conn = pool.get().unwrap();
        let sql = "SELECT count(DISTINCT n) AS n FROM marks";
        assert_eq!(count(&mut conn, sql), 200, "{}", db.backend_name());
    }
}

/// A connection's TEMP tables are its own: one made in a write is there in the next write,
/// whichever pooled connection asked, and not on the pooled connections themselves.
#[test]
fn sqlite_writes_run_on_one_connection() {
    let db = TestDb::sqlite();
    let pool = db.pool();
    let mut first = pool.get().unwrap();
    let mut second = pool.get().unwrap();
    transaction::write(&mut first, |c| {
        exec(c, "CREATE TEMP TABLE writer_only (n BIGINT)")
    })
    .unwrap();
    let seen = transaction::write(&mut second, |c| {
        Ok::<_, StoreError>(count(
            c,
            "SELECT count(*) AS n FROM temp.sqlite_master WHERE name = 'writer_only'",
        ))
    })
    .unwrap();
    assert_eq!(seen, 1);
    let pooled = "SELECT count(*) AS n FROM temp.sqlite_master WHERE name = 'writer_only'";
    assert_eq!(count(&mut first, pooled), 0);
    assert_eq!(count(&mut second, pooled), 0);
    // The writer has the connection pragmas like every other connection.
    let fk = transaction::write(&mut first, |c| {
        Ok::<_, StoreError>(count(
            c,
            "SELECT foreign_keys AS n FROM pragma_foreign_keys",
        ))
    })
    .unwrap();
    assert_eq!(fk, 1);
}

/// What a write did is there for the caller's own connection as soon as it returns; a write
/// that fails leaves nothing.
#[test]
fn writes_are_seen_at_once_and_failed_ones_not_at_all() {
    for db in TestDb::all() {
        let pool = db.pool();
        let mut conn = pool.get().unwrap();
        exec(&mut conn, "CREATE TABLE marks (n BIGINT NOT NULL)").unwrap();
        transaction::write(&mut conn, |c| exec(c, "INSERT INTO marks (n) VALUES (1)")).unwrap();
        assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM marks"), 1);
        let failed = transaction::write(&mut conn, |c| {
            exec(c, "INSERT INTO marks (n) VALUES (2)")?;
            exec(c, "INSERT INTO marks (n) VALUES (NULL)")
        });
        assert!(failed.is_err(), "{}", db.backend_name());
        assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM marks"), 1);
    }
}

/// A write that panics half-way leaves nothing behind, and the next write works: the
/// writer it held is dropped (rolling back) and opened again.
#[test]
fn sqlite_write_that_panics_leaves_nothing_and_the_next_works() {
    let db = TestDb::sqlite();
    let pool = db.pool();
    exec(
        &mut pool.get().unwrap(),
        "CREATE TABLE marks (n BIGINT NOT NULL)",
    )
    .unwrap();
    let panicked = std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let mut conn = pool.get().unwrap();
                transaction::write(&mut conn, |c| {
                    exec(c, "INSERT INTO marks (n) VALUES (1)")?;
                    panic!("a bug in the middle of a write");
                    #[allow(unreachable_code)]
                    Ok::<(), StoreError>(())
                })
            })
            .join()
    });
    assert!(panicked.is_err());
    let mut conn = pool.get().unwrap();
    transaction::write(&mut conn, |c| exec(c, "INSERT INTO marks (n) VALUES (2)")).unwrap();
    assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM marks"), 1);
    assert_eq!(
        count(&mut conn, "SELECT coalesce(sum(n), 0) AS n FROM marks"),
        2
    );
}

/// A database file made again at the same path is written to, not the file it replaced.
#[test]
fn sqlite_file_made_again_at_the_same_path_gets_the_writes() {
    let db = TestDb::sqlite();
    let path = db.url.trim_start_matches("sqlite://").to_string();
    {
        let pool = db.pool();
        let mut conn = pool.get().unwrap();
        exec(&mut conn, "CREATE TABLE marks (n BIGINT NOT NULL)").unwrap();
        transaction::write(&mut conn, |c| exec(c, "INSERT INTO marks (n) VALUES (1)")).unwrap();
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
    let pool = db.pool();
    let mut conn = pool.get().unwrap();
    exec(&mut conn, "CREATE TABLE marks (n BIGINT NOT NULL)").unwrap();
    transaction::write(&mut conn, |c| exec(c, "INSERT INTO marks (n) VALUES (7)")).unwrap();
    assert_eq!(
        count(&mut conn, "SELECT coalesce(sum(n), 0) AS n FROM marks"),
        7
    );
}
