DROP INDEX job_runs_in_flight_idx;
