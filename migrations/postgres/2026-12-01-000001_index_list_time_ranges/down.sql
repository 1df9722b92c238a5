DROP INDEX steps_updated_at_idx;
DROP INDEX steps_created_at_idx;
DROP INDEX job_runs_finished_at_idx;
DROP INDEX job_runs_updated_at_idx;
DROP INDEX job_runs_created_at_idx;
