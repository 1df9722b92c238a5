//! The runners' side of the queue: claiming runs, saying they still hold them, and finding
//! runs whose runner died.
//!
//! A run belongs to the runner whose id is in `runner_id`. Every claim and every change a
//! runner makes is conditional on that and on the run's status, so a run cancelled or
//! reaped in the meantime is never overwritten, and no run is claimed twice.

use super::outcome::{self, Outcome};
use crate::error::StoreError;
use crate::schema::job_runs;
use crate::sql::{direct, kept_update};
use crate::{transaction, AnyConnection};
use chrono::NaiveDateTime;
use diesel::dsl::{Eq, Filter, IsNull};
use diesel::prelude::*;
use runsheet_core::job_run::{Status, AUTOMATION};
use runsheet_core::time;

/// Claims up to `limit` queued runs, oldest first, for `runner_id`; returns their ids.
/// On PostgreSQL `FOR UPDATE SKIP LOCKED` lets runners on other machines claim others at
/// the same time; on SQLite the immediate transaction lets one claim at a time.
pub fn claim(
    conn: &mut AnyConnection,
    runner_id: &str,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    if limit <= 0 {
        return Ok(Vec::new());
    }
    // Idle runners ask often: a plain read first, so that they take no write lock (all of
    // SQLite's) when nothing waits.
    let waiting: Option<i64> = queued().select(job_runs::id).first(conn).optional()?;
    if waiting.is_none() {
        return Ok(Vec::new());
    }
    transaction::write(conn, |conn| {
        let ids: Vec<i64> = match conn {
            AnyConnection::Postgres(pg) => {
                oldest_queued(limit).for_update().skip_locked().load(pg)?
            }
            AnyConnection::Sqlite(_) => oldest_queued(limit).load(conn)?,
        };
        if ids.is_empty() {
            return Ok(ids);
        }
        let now = time::now();
        diesel::update(job_runs::table.filter(job_runs::id.eq_any(&ids)))
            .set((
                job_runs::runner_id.eq(runner_id),
                job_runs::heartbeat_at.eq(now),
                job_runs::updated_at.eq(now),
            ))
            .execute(conn)?;
        Ok(ids)
    })
}

type Queued = Filter<
    Filter<Filter<job_runs::table, Eq<job_runs::status, &'static str>>, JobTypeIs>,
    IsNull<job_runs::runner_id>,
>;
type JobTypeIs = Eq<job_runs::job_type, &'static str>;

type OldestQueued =
    diesel::dsl::Select<diesel::dsl::Limit<diesel::dsl::Order<Queued, job_runs::id>>, job_runs::id>;

/// The ids of the `limit` oldest queued runs: what [`claim`] takes.
fn oldest_queued(limit: i64) -> OldestQueued {
    queued()
        .order(job_runs::id)
        .limit(limit)
        .select(job_runs::id)
}

/// The claim's statement as `conn`'s backend gets it, with its binds (`SQL -- binds: [..]`):
/// for the query plans in docs/benchmarks.md.
pub fn claim_statement(conn: &AnyConnection, limit: i64) -> String {
    match conn {
        AnyConnection::Postgres(_) => diesel::debug_query::<diesel::pg::Pg, _>(
            &oldest_queued(limit).for_update().skip_locked(),
        )
        .to_string(),
        AnyConnection::Sqlite(_) => {
            diesel::debug_query::<diesel::sqlite::Sqlite, _>(&oldest_queued(limit)).to_string()
        }
    }
}

/// Automation runs no runner holds yet.
fn queued() -> Queued {
    job_runs::table
        .filter(job_runs::status.eq(Status::Starting.name()))
        .filter(job_runs::job_type.eq(AUTOMATION))
        .filter(job_runs::runner_id.is_null())
}

/// The script's process exists: the run is `Running`. False when the run is no longer this
/// runner's to start (cancelled meanwhile): the caller kills the process.
pub fn started(
    conn: &mut AnyConnection,
    id: i64,
    runner_id: &str,
    process_id: i64,
    results_path: &str,
) -> Result<bool, StoreError> {
    let now = time::now();
    let running = (
        job_runs::status.eq(Status::Running.name()),
        job_runs::process_id.eq(process_id),
        job_runs::results_path.eq(results_path),
        job_runs::started_at.eq(now),
        job_runs::heartbeat_at.eq(now),
        job_runs::updated_at.eq(now),
    );
    let held = job_runs::id
        .eq(id)
        .and(job_runs::runner_id.eq(runner_id))
        .and(job_runs::status.eq(Status::Starting.name()));
    let changed = direct!(conn, |c| kept_update(job_runs::table, running, held)
        .execute(c))?;
    Ok(changed == 1)
}

/// Says this runner still holds `ids`; returns those of them that are no longer its to run
/// (cancelled, or reaped after a stall), whose processes must stop.
pub fn heartbeat(
    conn: &mut AnyConnection,
    runner_id: &str,
    ids: &[i64],
) -> Result<Vec<i64>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(
        job_runs::table
            .filter(job_runs::id.eq_any(ids))
            .filter(job_runs::runner_id.eq(runner_id))
            .filter(job_runs::status.eq_any(Status::running(true))),
    )
    .set(job_runs::heartbeat_at.eq(time::now()))
    .execute(conn)?;
    let still_held: Vec<i64> = job_runs::table
        .filter(job_runs::id.eq_any(ids))
        .filter(job_runs::runner_id.eq(runner_id))
        .filter(job_runs::status.eq_any(Status::running(true)))
        .select(job_runs::id)
        .load(conn)?;
    Ok(ids
        .iter()
        .copied()
        .filter(|id| !still_held.contains(id))
        .collect())
}

/// A run whose runner stopped answering, as the reaper found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interrupted {
    pub id: i64,
    pub runner_id: String,
    pub process_id: Option<i64>,
}

/// Ends every claimed run whose heartbeat is older than `stale_before`: `Problem`
/// "interrupted", its step and request in problem. Such a run is never started again by
/// itself (its script may have done part of its work): people resolve it.
pub fn reap(
    conn: &mut AnyConnection,
    stale_before: NaiveDateTime,
) -> Result<Vec<Interrupted>, StoreError> {
    type Held = (i64, Option<String>, Option<i64>, Option<NaiveDateTime>);
    let stale: Vec<Held> = job_runs::table
        .filter(job_runs::status.eq_any(Status::running(true)))
        .filter(job_runs::runner_id.is_not_null())
        .filter(job_runs::heartbeat_at.lt(stale_before))
        .order(job_runs::id)
        .select((
            job_runs::id,
            job_runs::runner_id,
            job_runs::process_id,
            job_runs::heartbeat_at,
        ))
        .load(conn)?;
    let mut reaped = Vec::new();
    for (id, runner_id, process_id, heartbeat_at) in stale {
        let Some(runner_id) = runner_id else { continue };
        let reason = format!(
            "runsheet: interrupted: runner {runner_id} stopped answering (last heartbeat {} UTC)",
            heartbeat_at.map_or_else(|| "never".to_string(), |t| t.to_string())
        );
        let outcome = Outcome::problem(String::new(), String::new(), &reason);
        // Another reaper may get there first: only the one whose update matched goes on.
        if outcome::record(conn, id, &runner_id, &outcome, Some(stale_before))? {
            reaped.push(Interrupted {
                id,
                runner_id,
                process_id,
            });
        }
    }
    Ok(reaped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{fixtures, TestDb};

    /// The claim's read and its statement use the queue's index on SQLite (status and job
    /// type, in id order), not the index of one column that once made it read every
    /// automation run (docs/benchmarks.md, 1).
    #[test]
    fn sqlite_claims_through_the_queue_index() {
        let db = TestDb::sqlite();
        let pool = db.pool();
        let mut conn = pool.get().unwrap();
        let (claimed, mut statements) =
            fixtures::statements(&mut conn, |conn| claim(conn, "runner", 4));
        assert!(claimed.unwrap().is_empty());
        statements.push(claim_statement(&conn, 4));
        for statement in &statements {
            let plan = fixtures::sqlite_plan(&mut conn, statement).unwrap();
            assert_eq!(
                plan,
                ["SEARCH job_runs USING INDEX job_runs_queue_idx (status=? AND job_type=?)"],
                "{statement}"
            );
        }
    }
}
