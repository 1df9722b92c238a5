-- A runner claims the Starting automation runs no runner holds, oldest first. Runs another
-- runner holds but has not started yet are Starting too: with the index limited to runs
-- no runner holds, the claim reads the free ones alone, in id order. Without it, it read
-- every Starting row to skip the held ones, after every script's end. runner_id (always
-- null here) is the last column only so that SQLite need not read the table to check it;
-- as a leading column it would cost PostgreSQL the id order (its planner does not take
-- `IS NULL` for an equality) and a sort.
DROP INDEX job_runs_queue_idx;
CREATE INDEX job_runs_queue_idx ON job_runs (status, job_type, id, runner_id)
    WHERE runner_id IS NULL;
