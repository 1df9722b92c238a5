-- The job runs table is the runners' queue: a runner claims a Starting run by writing its
-- id, and keeps heartbeat_at fresh while the run is its own; a stale heartbeat means the
-- runner died.
ALTER TABLE job_runs ADD COLUMN runner_id TEXT NULL;
ALTER TABLE job_runs ADD COLUMN heartbeat_at TIMESTAMP NULL;
CREATE INDEX job_runs_status_id_idx ON job_runs (status, id);
