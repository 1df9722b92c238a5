-- The runs in flight in id order, so that GET /v1/job_runs?filters[currently_running]=true
-- needs no sort. Led by lower(status), the index gave them by status first: SQLite sorted
-- every listed run, with its step and request, in a temporary b-tree (a tenth of the list's
-- instructions, docs/benchmarks.md, 14). Led by id, SQLite's planner preferred
-- job_runs_lower_status_idx for a condition written as `lower(status) IN (...)`, and sorted
-- anyway; written as `(lower(status) IN (...)) IS TRUE`, only this index serves it. The
-- store's filter writes the same condition, word for word.
DROP INDEX job_runs_in_flight_idx;
CREATE INDEX job_runs_in_flight_idx ON job_runs (
    id, job_type, status, run_key, automation_id, user_id, step_id, process_id, results_path,
    stdout, stderr, started_at, finished_at, created_at, updated_at, runner_id, heartbeat_at
) WHERE (lower(status) IN ('starting', 'running')) IS TRUE;
