//! The server runs requests' database work on its own threads, as many as `db_threads` says
//! or, unset, as the backend calls for (`runsheet_server::db_threads::default_count`;
//! docs/operations.md): counted by their names in `/proc`, on the real binary.

mod support;

use runsheet_store::testing::TestDb;
use std::thread;
use std::time::Duration;
use support::{serve, wait_for, Api};

/// The server's threads named `runsheet-db-N`.
fn named_db_threads(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .expect("the server's threads are listed")
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.starts_with("runsheet-db-"))
        .count()
}

/// Asserts that the server has `expected` database threads. A thread takes its name once it
/// runs, which on a busy machine may be a moment after the server listens.
fn assert_db_threads(pid: u32, expected: usize, backend: &str) {
    let mut seen = 0;
    let named = wait_for("the database threads", Duration::from_secs(10), || {
        seen = named_db_threads(pid);
        (seen >= expected).then_some(seen)
    });
    assert_eq!(named, expected, "{backend}: {seen} threads");
}

#[test]
fn the_database_threads_are_as_many_as_set_or_as_the_backend_calls_for() {
    let cores = thread::available_parallelism().map_or(1, |c| c.get());
    for db in TestDb::all() {
        let dir = tempfile::tempdir().unwrap();
        let default = match db.backend_name() {
            "sqlite" => cores.min(10),
            // The test server is on this machine: two a core.
            _ => (2 * cores).min(10),
        };
        let server = serve(dir.path(), &db.url, &[("RUNSHEET_POOL_SIZE", "10")], &[]);
        assert_db_threads(server.child.id(), default, db.backend_name());
        drop(server);

        let server = serve(dir.path(), &db.url, &[("RUNSHEET_DB_THREADS", "3")], &[]);
        assert_db_threads(server.child.id(), 3, db.backend_name());
    }
}

/// One thread still answers many requests at once: they wait their turn.
#[test]
fn one_database_thread_answers_requests_made_together() {
    for db in TestDb::all() {
        let dir = tempfile::tempdir().unwrap();
        let server = serve(dir.path(), &db.url, &[("RUNSHEET_DB_THREADS", "1")], &[]);
        assert_db_threads(server.child.id(), 1, db.backend_name());
        let api = Api::new(&server.ready, &server.token());
        thread::scope(|scope| {
            let calls: Vec<_> = (0..16)
                .map(|_| scope.spawn(|| api.get("/v1/users")))
                .collect();
            for call in calls {
                let users = call.join().expect("the call returns");
                assert_eq!(users.as_array().map(Vec::len), Some(1), "{users}");
            }
        });
    }
}
