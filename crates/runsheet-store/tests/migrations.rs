//! Every migration goes up, down and up again, on SQLite and on PostgreSQL, and `down`
//! leaves the database exactly as it found it.
//!
//! PostgreSQL runs when RUNSHEET_TEST_POSTGRES_URL names a server
//! (e.g. postgres://postgres@127.0.0.1:5432/postgres); otherwise it is skipped.

use diesel::backend::Backend;
use diesel::connection::LoadConnection;
use diesel::deserialize::FromSql;
use diesel::query_builder::QueryFragment;
use diesel::sql_types::Text;
use diesel::{Connection, QueryableByName, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};
use runsheet_store::migrations::{self, pending, revert_all, run_pending};
use runsheet_store::testing::TestDb;
use runsheet_store::AnyConnection;

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// Everything the migrations create, one line per object, sorted; the migrations'
/// own bookkeeping table is left out.
fn dump(conn: &mut AnyConnection) -> Vec<String> {
    match conn {
        AnyConnection::Sqlite(c) => lines(
            c,
            "SELECT type || ' ' || name || ': ' || coalesce(sql, '') AS line
             FROM sqlite_master
             WHERE name NOT LIKE 'sqlite_%' AND tbl_name <> '__diesel_schema_migrations'
             ORDER BY 1",
        ),
        AnyConnection::Postgres(c) => lines(
            c,
            "SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type
                    || ' null=' || is_nullable || ' default=' || coalesce(column_default, '') AS line
             FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'
             UNION ALL
             SELECT 'index ' || indexdef FROM pg_indexes
             WHERE schemaname = 'public' AND tablename <> '__diesel_schema_migrations'
             UNION ALL
             SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' '
                    || pg_get_constraintdef(oid)
             FROM pg_constraint
             WHERE connamespace = 'public'::regnamespace
               AND conrelid::regclass::text <> '__diesel_schema_migrations'
             UNION ALL
             SELECT 'sequence ' || sequence_name FROM information_schema.sequences
             WHERE sequence_schema = 'public'
             UNION ALL
             SELECT 'type ' || typname FROM pg_type
             WHERE typnamespace = 'public'::regnamespace AND typtype IN ('e', 'd')
             ORDER BY 1",
        ),
    }
}

fn lines<C>(conn: &mut C, sql: &str) -> Vec<String>
where
    C: LoadConnection,
    C::Backend: Backend + 'static,
    String: FromSql<Text, C::Backend>,
    diesel::query_builder::SqlQuery: QueryFragment<C::Backend>,
{
    diesel::sql_query(sql)
        .load::<Line>(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|l| l.line)
        .collect()
}

/// Steps through the migrations one at a time: up, down (which must restore the schema
/// as it was before), up again (which must give the same schema as the first time).
fn step_through<DB, C>(
    conn: &mut AnyConnection,
    inner: fn(&mut AnyConnection) -> &mut C,
    source: fn() -> EmbeddedMigrations,
) -> Vec<String>
where
    DB: Backend,
    C: MigrationHarness<DB> + Connection<Backend = DB>,
{
    let total = MigrationHarness::<DB>::pending_migrations(inner(conn), source())
        .expect("listing migrations")
        .len();
    assert!(total > 0, "no migrations found");
    let mut applied = Vec::new();
    for _ in 0..total {
        let before = dump(conn);
        let version = inner(conn)
            .run_next_migration(source())
            .expect("migrating up")
            .to_string();
        let after = dump(conn);
        assert_ne!(before, after, "{version}: up changed nothing");

        let reverted = inner(conn)
            .revert_last_migration(source())
            .unwrap_or_else(|e| panic!("{version}: down failed: {e}"));
        assert_eq!(reverted.to_string(), version);
        assert_eq!(
            dump(conn),
            before,
            "{version}: down did not restore the schema"
        );

        inner(conn)
            .run_next_migration(source())
            .unwrap_or_else(|e| panic!("{version}: up after down failed: {e}"));
        assert_eq!(
            dump(conn),
            after,
            "{version}: up after down gave a different schema"
        );
        applied.push(version);
    }
    applied
}

fn sqlite_of(conn: &mut AnyConnection) -> &mut diesel::SqliteConnection {
    match conn {
        AnyConnection::Sqlite(c) => c,
        AnyConnection::Postgres(_) => unreachable!(),
    }
}

fn postgres_of(conn: &mut AnyConnection) -> &mut diesel::PgConnection {
    match conn {
        AnyConnection::Postgres(c) => c,
        AnyConnection::Sqlite(_) => unreachable!(),
    }
}

fn round_trip(db: &TestDb) {
    let mut conn = db.connection();
    let empty = dump(&mut conn);
    assert!(empty.is_empty(), "a new database has objects: {empty:?}");

    let applied = match conn {
        AnyConnection::Sqlite(_) => step_through(&mut conn, sqlite_of, || migrations::SQLITE),
        AnyConnection::Postgres(_) => step_through(&mut conn, postgres_of, || migrations::POSTGRES),
    };
    assert!(pending(&mut conn).unwrap().is_empty());
    assert!(
        run_pending(&mut conn).unwrap().is_empty(),
        "nothing left to run"
    );
    let migrated = dump(&mut conn);

    // All down at once, then all up at once, through the crate's API.
    let reverted = revert_all(&mut conn).unwrap();
    let mut newest_first = applied.clone();
    newest_first.reverse();
    assert_eq!(reverted, newest_first);
    assert_eq!(dump(&mut conn), empty, "revert_all left objects behind");
    assert_eq!(pending(&mut conn).unwrap(), applied);

    assert_eq!(run_pending(&mut conn).unwrap(), applied);
    assert_eq!(dump(&mut conn), migrated);
}

#[test]
fn sqlite_migrations_go_up_down_and_up_again() {
    round_trip(&TestDb::sqlite());
}

#[test]
fn postgres_migrations_go_up_down_and_up_again() {
    let Some(db) = TestDb::postgres() else {
        eprintln!("skipped: set RUNSHEET_TEST_POSTGRES_URL to test PostgreSQL");
        return;
    };
    round_trip(&db);
}

/// Both directories hold the same migrations, so both backends end up at the same version.
#[test]
fn both_backends_have_the_same_migrations() {
    use diesel::migration::MigrationSource;
    fn versions<DB: Backend>(source: EmbeddedMigrations) -> Vec<String> {
        let mut names: Vec<String> = MigrationSource::<DB>::migrations(&source)
            .unwrap()
            .iter()
            .map(|m| m.name().to_string())
            .collect();
        names.sort();
        names
    }
    let sqlite = versions::<diesel::sqlite::Sqlite>(migrations::SQLITE);
    let postgres = versions::<diesel::pg::Pg>(migrations::POSTGRES);
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
}
