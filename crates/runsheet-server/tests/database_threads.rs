//! Where a request's database work runs (`AppState::db`): on SQLite on the connection its
//! database thread keeps, with the larger page cache (runsheet-store's kept_connection.rs);
//! on PostgreSQL on one of the pool's.

mod common;

use common::TestApp;
use diesel::sql_types::BigInt;
use diesel::{QueryableByName, RunQueryDsl};
use runsheet_store::kept_connection::PAGE_CACHE_MIB;
use runsheet_store::AnyConnection;

#[derive(QueryableByName)]
struct CacheSize {
    #[diesel(sql_type = BigInt)]
    cache_size: i64,
}

on_every_backend! {
    async fn work_runs_on_the_kept_connection_on_sqlite_and_a_pooled_one_on_postgres(app: TestApp) {
        let pool = app.pool.clone();
        let (cache, pooled_in_use) = app
            .state
            .db(move |conn| {
                let cache = match conn {
                    AnyConnection::Sqlite(sqlite) => Some(
                        diesel::sql_query("SELECT cache_size FROM pragma_cache_size()")
                            .get_result::<CacheSize>(sqlite)?
                            .cache_size,
                    ),
                    AnyConnection::Postgres(_) => None,
                };
                let state = pool.state();
                Ok((cache, state.connections - state.idle_connections))
            })
            .await
            .expect("the work answers");
        if app.db.backend_name() == "sqlite" {
            // Negative: KiB.
            assert_eq!(cache, Some(-i64::from(PAGE_CACHE_MIB) * 1024));
            assert_eq!(pooled_in_use, 0, "none of the pool's connections");
        } else {
            assert_eq!(pooled_in_use, 1, "one of the pool's connections");
        }
    }
}
