//! Queuing a step's script as a job run, and cancelling a request's runs.

use crate::error::StoreError;
use crate::schema::{job_runs, steps};
use crate::AnyConnection;
use diesel::prelude::*;
use runsheet_core::job_run::{Status, AUTOMATION};
use runsheet_core::time;

/// Queues a run of the step's script (`Starting`, no runner yet); returns its id. A step
/// without a script is queued too: its run fails with a message saying so, where people
/// look for it.
///
/// `run_key` is the original's epoch seconds, kept unique per step (a quick resolve within
/// the same second gets the next second) because it names the run's output file.
pub fn enqueue(
    conn: &mut AnyConnection,
    step_id: i64,
    user_id: Option<i64>,
) -> Result<i64, StoreError> {
    let script_id: Option<i64> = steps::table
        .find(step_id)
        .select(steps::script_id)
        .first(conn)?;
    let last_key: Option<i64> = job_runs::table
        .filter(job_runs::step_id.eq(step_id))
        .select(diesel::dsl::max(job_runs::run_key))
        .first(conn)?;
    let now = time::now();
    let run_key = match last_key {
        Some(last) => now.and_utc().timestamp().max(last + 1),
        None => now.and_utc().timestamp(),
    };
    Ok(diesel::insert_into(job_runs::table)
        .values((
            job_runs::job_type.eq(AUTOMATION),
            job_runs::status.eq(Status::Starting.name()),
            job_runs::run_key.eq(run_key),
            job_runs::automation_id.eq(script_id),
            job_runs::user_id.eq(user_id),
            job_runs::step_id.eq(step_id),
            job_runs::created_at.eq(now),
            job_runs::updated_at.eq(now),
        ))
        .returning(job_runs::id)
        .get_result(conn)?)
}

/// Marks the request's queued and running scripts `Cancelled`; the runners holding them
/// see it at their next heartbeat and kill their processes. Returns how many.
pub fn cancel_runs_of_request(
    conn: &mut AnyConnection,
    request_id: i64,
) -> Result<usize, StoreError> {
    let ids = [request_id];
    let of_request = steps::table
        .filter(crate::requests::steps_of_requests!(&ids[..]))
        .select(steps::id.nullable());
    let now = time::now();
    Ok(diesel::update(
        job_runs::table
            .filter(job_runs::job_type.eq(AUTOMATION))
            .filter(job_runs::status.eq_any(Status::running(true)))
            .filter(job_runs::step_id.eq_any(of_request)),
    )
    .set((
        job_runs::status.eq(Status::Cancelled.name()),
        job_runs::stderr.eq("runsheet: cancelled with its request"),
        job_runs::finished_at.eq(now),
        job_runs::updated_at.eq(now),
    ))
    .execute(conn)?)
}
