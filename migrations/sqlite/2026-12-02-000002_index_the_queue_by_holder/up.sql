-- A runner claims the Starting automation runs no runner holds, oldest first. Runs another
-- runner holds but has not started yet are Starting too: with runner_id in the index, the
-- claim reads the free ones alone, in id order, and no row of the table; without it, it
-- read every Starting row to skip the held ones, after every script's end.
DROP INDEX job_runs_queue_idx;
CREATE INDEX job_runs_queue_idx ON job_runs (status, job_type, runner_id, id);
