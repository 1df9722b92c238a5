DROP INDEX job_runs_in_flight_idx;
CREATE INDEX job_runs_in_flight_idx ON job_runs (
    lower(status), id, job_type, status, run_key, automation_id, user_id, step_id, process_id,
    results_path, stdout, stderr, started_at, finished_at, created_at, updated_at, runner_id,
    heartbeat_at
) WHERE lower(status) IN ('starting', 'running');
