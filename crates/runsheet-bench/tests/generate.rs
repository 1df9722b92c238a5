//! The generator at a tiny scale, on every backend available: the rows are there, their
//! references hold, and the in-flight runs are held by the remote runner.

use diesel::prelude::*;
use diesel::sql_types::BigInt;
use runsheet_bench::{generate, Options, REMOTE_RUNNER, STEPS_PER_REQUEST};
use runsheet_store::testing::TestDb;
use runsheet_store::AnyConnection;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

fn count(conn: &mut AnyConnection, sql: &str) -> i64 {
    diesel::sql_query(format!("SELECT COUNT(*) AS count FROM {sql}"))
        .get_result::<Count>(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .count
}

#[test]
fn a_tiny_scale_fills_every_table() {
    for db in TestDb::all() {
        let pool = db.pool();
        let mut conn = pool.get().unwrap();
        let options = Options {
            scale: 0.01,
            automation_requests: 1,
            automation_steps: 30,
            automation_phase_size: 10,
            ..Options::default()
        };
        let generated = generate(&mut conn, &options).unwrap();
        let backend = db.backend_name();

        assert_eq!(count(&mut conn, "requests"), 21, "{backend}");
        assert_eq!(
            count(&mut conn, "steps"),
            20 * STEPS_PER_REQUEST as i64 + 30,
            "{backend}"
        );
        assert_eq!(count(&mut conn, "job_runs"), 5000, "{backend}");
        assert_eq!(count(&mut conn, "users"), 2, "{backend}");
        for (table, rows) in &generated.rows {
            assert_eq!(count(&mut conn, table), *rows as i64, "{backend} {table}");
        }
        assert!(count(&mut conn, "step_servers") > 0, "{backend}");
        assert!(count(&mut conn, "step_property_values") > 0, "{backend}");
        assert!(count(&mut conn, "installed_component_property_values") > 0);
        // Every step's installed component is of its component.
        assert_eq!(
            count(
                &mut conn,
                "steps JOIN installed_components ic ON ic.id = steps.installed_component_id \
                 WHERE ic.component_id <> steps.component_id"
            ),
            0
        );
        // Runs in flight belong to the remote runner, never to nobody.
        assert_eq!(
            count(
                &mut conn,
                &format!(
                    "job_runs WHERE status IN ('Starting', 'Running') \
                     AND (runner_id IS NULL OR runner_id <> '{REMOTE_RUNNER}')"
                )
            ),
            0,
            "{backend}"
        );
        assert_eq!(
            count(
                &mut conn,
                "job_runs WHERE status IN ('Starting', 'Running')"
            ),
            generated.running_job_runs as i64
        );
        // The automation request: created, its steps locked and automated, in phases.
        let request = generated.automation_request_ids[0];
        assert_eq!(
            count(
                &mut conn,
                &format!(
                    "steps WHERE request_id = {request} AND aasm_state = 'locked' \
                     AND manual = FALSE AND script_type = 'General'"
                )
            ),
            30
        );
        assert_eq!(
            count(
                &mut conn,
                &format!(
                    "steps WHERE request_id = {request} AND different_level_from_previous = TRUE"
                )
            ),
            3
        );
        assert!(!generated.step_ids.is_empty());
        assert!(generated.request_ids.len() == 20);
        assert!(generated.post_request_id > 0);

        // New rows get ids after the generated ones (sequences were moved on).
        let id = runsheet_store::testing::fixtures::request(&mut conn, "new", "created").unwrap();
        assert_eq!(id, 22, "{backend}");
        // A second run refuses to mix its data with what is there.
        assert!(generate(&mut conn, &options).is_err());
    }
}
