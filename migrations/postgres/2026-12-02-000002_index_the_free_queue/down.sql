DROP INDEX job_runs_queue_idx;
CREATE INDEX job_runs_queue_idx ON job_runs (status, job_type, id);
