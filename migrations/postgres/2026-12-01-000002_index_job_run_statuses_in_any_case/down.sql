DROP INDEX job_runs_lower_status_idx;
