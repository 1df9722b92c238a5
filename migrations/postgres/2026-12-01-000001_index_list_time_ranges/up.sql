-- The time ranges of GET /v1/job_runs and GET /v1/steps (created_after, finished_before, ...)
-- read an index range instead of scanning the table.
CREATE INDEX job_runs_created_at_idx ON job_runs (created_at);
CREATE INDEX job_runs_updated_at_idx ON job_runs (updated_at);
CREATE INDEX job_runs_finished_at_idx ON job_runs (finished_at);
CREATE INDEX steps_created_at_idx ON steps (created_at);
CREATE INDEX steps_updated_at_idx ON steps (updated_at);
