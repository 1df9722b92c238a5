-- The job runs table is the runners' queue: a runner claims a Starting run by writing its
-- id, and keeps heartbeat_at fresh while the run is its own; a stale heartbeat means the
-- runner died. The index serves the claim: queued automation runs, oldest first.
ALTER TABLE job_runs ADD COLUMN runner_id TEXT NULL;
ALTER TABLE job_runs ADD COLUMN heartbeat_at TIMESTAMP NULL;
CREATE INDEX job_runs_queue_idx ON job_runs (status, job_type, id);
