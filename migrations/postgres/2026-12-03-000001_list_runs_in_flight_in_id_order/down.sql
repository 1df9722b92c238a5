DROP INDEX job_runs_in_flight_idx;
CREATE INDEX job_runs_in_flight_idx ON job_runs (id)
    WHERE lower(status) IN ('starting', 'running');
