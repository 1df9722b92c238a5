-- GET /v1/job_runs matches `status` (and `currently_running`) in any case, as the original
-- did: `lower(status) IN (...)` reads this index instead of scanning every run.
CREATE INDEX job_runs_lower_status_idx ON job_runs (lower(status));
