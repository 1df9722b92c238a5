//! How the pool checks a PostgreSQL connection before handing it out: asked (`SELECT 1`)
//! only when it has not answered for `TRUSTED_FOR`, so that a busy server does not pay a
//! round trip for every check-out, and a connection that died is still replaced.

use std::sync::{Arc, Mutex};
use std::thread::sleep;
use std::time::Duration;

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::sql_types::Integer;
use diesel::{Connection, QueryableByName, RunQueryDsl};
use runsheet_store::testing::TestDb;
use runsheet_store::{connect_with, establish, AnyConnection, Pool, TRUSTED_FOR};

/// The statements a connection sent, kept by the connection from one check-out to the next.
#[derive(Clone, Default)]
struct Sent(Arc<Mutex<Vec<String>>>);

impl Instrumentation for Sent {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            self.0.lock().unwrap().push(query.to_string());
        }
    }
}

impl Sent {
    fn pings(&self) -> usize {
        let sent = self.0.lock().unwrap();
        sent.iter().filter(|s| s.trim() == "SELECT 1").count()
    }
}

#[derive(QueryableByName)]
struct Pid {
    #[diesel(sql_type = Integer)]
    pid: i32,
}

fn backend_pid(conn: &mut AnyConnection) -> diesel::QueryResult<i32> {
    diesel::sql_query("SELECT pg_backend_pid() AS pid")
        .get_result::<Pid>(conn)
        .map(|p| p.pid)
}

/// A pool of one connection, so that every check-out hands out the same one while it lives.
fn pool_of_one(db: &TestDb) -> Pool {
    connect_with(&db.url, Pool::builder().max_size(1)).expect("pool")
}

fn past_the_window() {
    sleep(TRUSTED_FOR + Duration::from_millis(100));
}

#[test]
fn a_postgres_connection_is_asked_only_when_it_has_not_answered_for_a_while() {
    let Some(db) = TestDb::postgres() else { return };
    let pool = pool_of_one(&db);
    let sent = Sent::default();
    pool.get().unwrap().set_instrumentation(sent.clone());

    past_the_window();
    drop(pool.get().unwrap());
    assert_eq!(
        sent.pings(),
        1,
        "asked after {TRUSTED_FOR:?} without an answer"
    );

    for _ in 0..5 {
        let mut conn = pool.get().unwrap();
        backend_pid(&mut conn).unwrap();
    }
    assert_eq!(sent.pings(), 1, "not asked again within {TRUSTED_FOR:?}");

    past_the_window();
    drop(pool.get().unwrap());
    assert_eq!(sent.pings(), 2, "asked again once the window is over");
}

#[test]
fn a_postgres_connection_that_died_is_replaced_once_the_window_is_over() {
    let Some(db) = TestDb::postgres() else { return };
    let pool = pool_of_one(&db);
    let dead = backend_pid(&mut pool.get().unwrap()).unwrap();
    let mut admin = establish(&db.url).unwrap();
    diesel::sql_query(format!("SELECT pg_terminate_backend({dead})"))
        .execute(&mut admin)
        .unwrap();

    past_the_window();
    let mut conn = pool
        .get()
        .expect("a new connection in place of the dead one");
    let alive = backend_pid(&mut conn).expect("the new connection works");
    assert_ne!(alive, dead);
}

#[test]
fn sqlite_connections_are_never_asked() {
    let db = TestDb::sqlite();
    let pool = pool_of_one(&db);
    let sent = Sent::default();
    pool.get().unwrap().set_instrumentation(sent.clone());
    past_the_window();
    drop(pool.get().unwrap());
    assert_eq!(sent.pings(), 0);
}
