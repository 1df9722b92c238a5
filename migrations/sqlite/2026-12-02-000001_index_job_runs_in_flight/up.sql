-- The runs in flight: a few among hundreds of thousands, and what
-- GET /v1/job_runs?filters[currently_running]=true lists. The index holds only them, with
-- every column the list shows, so the list reads this handful of pages instead of one page
-- of the table per run (docs/benchmarks.md). A run leaves it when it ends. The store's
-- filter writes the same condition, which is how SQLite knows it may use the index.
CREATE INDEX job_runs_in_flight_idx ON job_runs (
    lower(status), id, job_type, status, run_key, automation_id, user_id, step_id, process_id,
    results_path, stdout, stderr, started_at, finished_at, created_at, updated_at, runner_id,
    heartbeat_at
) WHERE lower(status) IN ('starting', 'running');
