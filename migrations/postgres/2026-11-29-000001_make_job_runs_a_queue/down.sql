DROP INDEX job_runs_queue_idx;
ALTER TABLE job_runs DROP COLUMN heartbeat_at;
ALTER TABLE job_runs DROP COLUMN runner_id;
