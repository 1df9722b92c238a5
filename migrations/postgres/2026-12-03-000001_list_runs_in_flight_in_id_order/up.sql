-- The store writes the runs in flight as `(lower(status) IN (...)) IS TRUE`, which SQLite
-- needs to read them in id order from its index (see the SQLite migration of the same name);
-- the index's condition is the same words, so that PostgreSQL still matches it.
DROP INDEX job_runs_in_flight_idx;
CREATE INDEX job_runs_in_flight_idx ON job_runs (id)
    WHERE (lower(status) IN ('starting', 'running')) IS TRUE;
