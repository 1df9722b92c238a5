-- The runs in flight: a few among hundreds of thousands, and what
-- GET /v1/job_runs?filters[currently_running]=true lists. The index holds only their ids, in
-- order. Unlike SQLite's, it does not carry the other columns: a PostgreSQL index entry
-- must fit in a third of a page, and a run's output could not be promised to.
CREATE INDEX job_runs_in_flight_idx ON job_runs (id)
    WHERE lower(status) IN ('starting', 'running');
