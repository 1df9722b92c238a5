//! The end of a run, and what it does to its step and request: `Complete` finishes the
//! step and moves the request on; `Problem` puts both in problem.

use super::sequencing::{complete, in_process, phase_goes_on};
use super::{advance, request_of_step};
use crate::error::StoreError;
use crate::requests;
use crate::schema::{job_runs, steps};
use crate::sql::{direct, kept_update, one_of};
use crate::{transaction, AnyConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use runsheet_core::job_run::Status;
use runsheet_core::request_state::RequestEvent;
use runsheet_core::step_state::StepState;
use runsheet_core::time;
use runsheet_core::transition::Machine;

/// How a run ended, with what the record keeps of its output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    pub stdout: String,
    /// For a problem, ends with the reason.
    pub stderr: String,
}

impl Outcome {
    pub fn complete(stdout: String, stderr: String) -> Outcome {
        Outcome {
            status: Status::Complete,
            stdout,
            stderr,
        }
    }

    /// A problem: the reason goes on its own line after what the script wrote to stderr.
    pub fn problem(stdout: String, mut stderr: String, reason: &str) -> Outcome {
        if !stderr.is_empty() && !stderr.ends_with('\n') {
            stderr.push('\n');
        }
        stderr.push_str(reason);
        Outcome {
            status: Status::Problem,
            stdout,
            stderr,
        }
    }
}

/// Records the end of run `id` held by `runner_id` and moves its step and request, in one
/// transaction. With `stale_before`, only if its heartbeat is still older than that (the
/// reaper's condition). False, and nothing changed, when the run is no longer this
/// runner's (cancelled or reaped meanwhile).
pub fn record(
    conn: &mut AnyConnection,
    id: i64,
    runner_id: &str,
    outcome: &Outcome,
    stale_before: Option<NaiveDateTime>,
) -> Result<bool, StoreError> {
    transaction::write(conn, |conn| {
        let now = time::now();
        let (step_id, user_id): (Option<i64>, Option<i64>) = job_runs::table
            .find(id)
            .select((job_runs::step_id, job_runs::user_id))
            .first(conn)?;
        let request_id = match step_id {
            Some(step_id) => request_of_step(conn, step_id)?,
            None => None,
        };
        // The request before the run: every change that moves a request takes its row
        // first (see `advance`), so that they serialise and never deadlock.
        if let Some(request_id) = request_id {
            requests::lock(conn, request_id)?;
        }
        // Conditional in itself: a run without a request has no row to serialise on.
        let held = job_runs::id
            .eq(id)
            .and(job_runs::runner_id.eq(runner_id))
            .and(one_of(job_runs::status, Status::running(true)));
        let ended = (
            job_runs::status.eq(outcome.status.name()),
            job_runs::stdout.eq(&outcome.stdout),
            job_runs::stderr.eq(&outcome.stderr),
            job_runs::finished_at.eq(now),
            job_runs::updated_at.eq(now),
        );
        let changed = match stale_before {
            Some(before) => {
                let stale = held.and(job_runs::heartbeat_at.lt(before));
                direct!(conn, |c| kept_update(job_runs::table, ended, stale)
                    .execute(c))?
            }
            None => direct!(conn, |c| kept_update(job_runs::table, ended, held)
                .execute(c))?,
        };
        if changed == 0 {
            return Ok(false);
        }
        if let Some(step_id) = step_id {
            move_step(conn, step_id, request_id, user_id, outcome.status, now)?;
        }
        Ok(true)
    })
}

/// The step of a finished run, if it still waits for it (in process: people may have
/// moved it by hand meanwhile, and then it is left alone).
fn move_step(
    conn: &mut AnyConnection,
    step_id: i64,
    request_id: Option<i64>,
    user_id: Option<i64>,
    status: Status,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let moved = match status {
        Status::Complete => complete(conn, step_id, now)?,
        Status::Problem => direct!(conn, |c| kept_update(
            steps::table,
            (
                steps::aasm_state.eq(StepState::Problem.name()),
                steps::updated_at.eq(now),
            ),
            in_process(step_id),
        )
        .execute(c))?,
        _ => 0,
    };
    let Some(request_id) = request_id.filter(|_| moved == 1) else {
        return Ok(());
    };
    match status {
        // Most ends leave other steps of their phase running: only the last one moves the
        // request on, without reading all of its steps at every end.
        Status::Complete if phase_goes_on(conn, step_id)? => Ok(()),
        Status::Complete => advance(conn, request_id, user_id),
        _ => requests::fire_if_allowed(conn, request_id, RequestEvent::ProblemEncountered)
            .map(|_| ()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fixtures::{self, NewRun, NewStep};
    use crate::testing::TestDb;

    /// A started request's step: `(position, starts a phase, manual, state)`.
    fn step(conn: &mut AnyConnection, request: i64, s: (i64, bool, bool, &str)) -> i64 {
        let (position, starts, manual, aasm_state) = s;
        let step = NewStep {
            request_id: Some(request),
            aasm_state,
            position,
            different_level_from_previous: starts,
            manual,
            ..NewStep::default()
        };
        fixtures::insert_step(conn, &step).expect("step")
    }

    /// A run of `step` held by runner `r`.
    fn running(conn: &mut AnyConnection, step: i64) -> i64 {
        let run = fixtures::insert_job_run(
            conn,
            &NewRun {
                status: Status::Running.name(),
                step_id: Some(step),
                ..NewRun::default()
            },
        )
        .expect("run");
        fixtures::execute(
            conn,
            &format!("UPDATE job_runs SET runner_id = 'r' WHERE id = {run}"),
        )
        .expect("runner");
        run
    }

    fn states(conn: &mut AnyConnection, ids: &[i64]) -> Vec<String> {
        ids.iter()
            .map(|&id| {
                steps::table
                    .find(id)
                    .select(steps::aasm_state)
                    .first(conn)
                    .expect("state")
            })
            .collect()
    }

    /// Runs `test` with a started request of no steps, on each backend.
    fn with_a_started_request(test: impl Fn(&mut AnyConnection, i64)) {
        for db in TestDb::all() {
            let pool = db.pool();
            let conn = &mut pool.get().expect("connection");
            let request = fixtures::request(conn, "r", "started").expect("request");
            test(conn, request);
        }
    }

    fn end(conn: &mut AnyConnection, run: i64) {
        let outcome = Outcome::complete(String::new(), String::new());
        assert!(record(conn, run, "r", &outcome, None).expect("record"));
    }

    /// An end that leaves another step of its phase running moves nothing else, not even a
    /// step of an earlier phase that a whole plan would ready (one added while the request
    /// ran, say); the phase's last end plans the whole request and readies it
    /// (docs/execution.md, "Moving on").
    #[test]
    fn only_the_last_end_of_a_phase_plans_the_request() {
        with_a_started_request(|conn, request| {
            let late = step(conn, request, (1, true, true, "locked"));
            let first = step(conn, request, (2, true, false, "in_process"));
            let second = step(conn, request, (3, false, false, "in_process"));
            let next = step(conn, request, (4, true, true, "locked"));
            let runs = [running(conn, first), running(conn, second)];
            let all = [late, first, second, next];
            end(conn, runs[0]);
            assert_eq!(
                states(conn, &all),
                ["locked", "complete", "in_process", "locked"]
            );
            end(conn, runs[1]);
            assert_eq!(
                states(conn, &all),
                ["ready", "complete", "complete", "locked"]
            );
        });
    }

    /// A step of the phase locked by hand is readied at the next end in that phase.
    #[test]
    fn an_end_readies_a_step_of_its_phase_locked_by_hand() {
        with_a_started_request(|conn, request| {
            let first = step(conn, request, (1, true, false, "in_process"));
            let second = step(conn, request, (2, false, false, "in_process"));
            let locked = step(conn, request, (3, false, true, "locked"));
            let next = step(conn, request, (4, true, true, "locked"));
            let run = running(conn, first);
            running(conn, second);
            end(conn, run);
            assert_eq!(
                states(conn, &[first, second, locked, next]),
                ["complete", "in_process", "ready", "locked"]
            );
        });
    }

    /// A run's end runs only statements that stay prepared, the request's lock among them
    /// (it was a `sql_query`, parsed and planned at every end). Seen on PostgreSQL: SQLite's
    /// writes run on the writer's own connection, which the test cannot watch.
    #[test]
    fn an_end_runs_statements_kept_prepared() {
        let Some(db) = TestDb::postgres() else {
            return;
        };
        let pool = db.pool();
        let conn = &mut pool.get().expect("connection");
        let request = fixtures::request(conn, "r", "started").expect("request");
        let steps: Vec<i64> = (1..=3)
            .map(|position| {
                step(
                    conn,
                    request,
                    (position, position == 1, false, "in_process"),
                )
            })
            .collect();
        let mut runs: Vec<i64> = steps.iter().map(|&step| running(conn, step)).collect();
        runs.pop();
        let mut runs = runs.into_iter();
        let not_kept = fixtures::statements_not_kept(conn, |conn| {
            end(conn, runs.next().expect("a run to end"));
        });
        assert_eq!(not_kept, Vec::<String>::new());
    }
}
