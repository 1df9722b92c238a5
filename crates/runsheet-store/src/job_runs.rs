//! Job runs: recording a notification, listing and reading them back with their step and
//! request, and reading what a notification's templates say of a step.

use crate::error::StoreError;
use crate::schema::{group_memberships, groups, job_runs, requests, scripts, steps, users};
use crate::sql::{any_of, direct, fixed_sql, in_range, load_window, lower, one_of};
use crate::stamp::{OptStamp, Stamp};
use crate::{transaction, AnyConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use runsheet_core::job_run::JobRunFilter;
use runsheet_core::notification::{
    JobRun, JobRunRecord, JobRunRequest, JobRunStep, NewJobRun, Owner, RequestMail, StepMail,
    JOB_TYPE,
};
use runsheet_core::paging::Window;

#[derive(Queryable)]
struct JobRunRow {
    id: i64,
    job_type: String,
    status: String,
    run_key: Option<i64>,
    automation_id: Option<i64>,
    user_id: Option<i64>,
    step_id: Option<i64>,
    process_id: Option<i64>,
    results_path: Option<String>,
    stdout: Option<String>,
    stderr: Option<String>,
    #[diesel(deserialize_as = OptStamp)]
    started_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = OptStamp)]
    finished_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = Stamp)]
    created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    updated_at: NaiveDateTime,
    /// The queue's bookkeeping (which runner holds the run, and when it last said so): not
    /// part of a job run's representation.
    #[allow(dead_code)]
    runner_id: Option<String>,
    #[allow(dead_code)]
    #[diesel(deserialize_as = OptStamp)]
    heartbeat_at: Option<NaiveDateTime>,
}

impl From<JobRunRow> for JobRun {
    fn from(row: JobRunRow) -> JobRun {
        JobRun {
            id: row.id,
            job_type: row.job_type,
            status: row.status,
            run_key: row.run_key,
            automation_id: row.automation_id,
            user_id: row.user_id,
            step_id: row.step_id,
            process_id: row.process_id,
            results_path: row.results_path,
            stdout: row.stdout,
            stderr: row.stderr,
            started_at: row.started_at,
            finished_at: row.finished_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// Runs left-joined to their steps and the steps' requests: what a run shows of them comes
/// in the run's own row, one primary-key search each, rather than from a second statement
/// with the list's step ids (docs/benchmarks.md, 14).
///
/// The joins are flat (`job_runs LEFT JOIN steps ... LEFT JOIN requests ...`): nested as
/// `job_runs LEFT JOIN (steps LEFT JOIN requests)`, SQLite materialised the inner join, every
/// step of every request, for each list.
macro_rules! with_steps {
    () => {
        job_runs::table
            .left_join(steps::table)
            .left_join(requests::table.on(steps::request_id.eq(requests::id.nullable())))
    };
}

/// What [`with_steps!`] selects: the run, and its step with its request.
macro_rules! shown {
    () => {
        (
            job_runs::all_columns,
            (steps::id, steps::name, steps::aasm_state).nullable(),
            (requests::id, requests::name, requests::aasm_state).nullable(),
        )
    };
}

/// A row of [`shown!`]: the run, its step and the step's request.
type ShownRow = (
    JobRunRow,
    Option<(i64, Option<String>, String)>,
    Option<(i64, Option<String>, String)>,
);

fn record((row, step, request): ShownRow) -> JobRunRecord {
    let request = request.map(|(id, name, aasm_state)| JobRunRequest {
        id,
        name,
        aasm_state,
    });
    let step = step.map(|(id, name, aasm_state)| JobRunStep {
        id,
        name,
        aasm_state,
        request,
    });
    JobRunRecord {
        step,
        job_run: row.into(),
    }
}

/// Stores a notification's job run (automation_id and process_id are null: no script ran).
pub fn record_notification(
    conn: &mut AnyConnection,
    run: &NewJobRun,
) -> Result<JobRunRecord, StoreError> {
    transaction::write(conn, |conn| {
        let now = runsheet_core::time::now();
        let id: i64 = diesel::insert_into(job_runs::table)
            .values((
                job_runs::job_type.eq(JOB_TYPE),
                job_runs::status.eq(run.status.name()),
                job_runs::run_key.eq(Some(run.run_key())),
                job_runs::automation_id.eq(None::<i64>),
                job_runs::user_id.eq(Some(run.user_id)),
                job_runs::step_id.eq(Some(run.step_id)),
                job_runs::stdout.eq(Some(&run.stdout)),
                job_runs::stderr.eq(run.stderr.as_ref()),
                job_runs::started_at.eq(Some(run.started_at)),
                job_runs::finished_at.eq(Some(run.finished_at)),
                job_runs::created_at.eq(now),
                job_runs::updated_at.eq(now),
            ))
            .returning(job_runs::id)
            .get_result(conn)?;
        find(conn, id)
    })
}

/// The runs in flight, written as `job_runs_in_flight_idx`'s condition (the migration of
/// 2026-12-03): a query says it in these words for the database to read that small index,
/// and in this form (not a bare `IN`) so that SQLite reads it in id order, with no sort.
/// The statuses are [`JobRunFilter::unfinished_statuses`] (tested).
const IN_FLIGHT: &str = "(lower(\"job_runs\".\"status\") IN ('starting', 'running')) IS TRUE";

fixed_sql! {
    InFlight: Bool = IN_FLIGHT;
}

/// The runs `$filter` selects from `$from` (`job_runs`, or [`with_steps!`]), as a boxed
/// query for the backend it is run on (in [`direct!`]: a list of runs is read without
/// `MultiConnection`'s second pass).
macro_rules! filtered {
    ($from:expr, $filter:expr) => {{
        let filter: &JobRunFilter = $filter;
        let mut query = $from.into_boxed();
        if let Some(running) = filter.currently_running {
            query = if running {
                query.filter(InFlight)
            } else {
                // The same rule, kept prepared (`ne_all` with a list never is).
                query.filter(diesel::dsl::not(InFlight))
            };
        }
        if let Some(v) = &filter.status {
            query = query.filter(one_of(lower(job_runs::status), v.clone()));
        }
        any_of!(
            query,
            filter,
            job_runs,
            run_key,
            job_type,
            process_id,
            automation_id,
            user_id,
            step_id
        );
        query = in_range!(query, job_runs::created_at, filter.created);
        query = in_range!(query, job_runs::updated_at, filter.updated);
        query = in_range!(query, job_runs::finished_at, filter.finished);
        query
    }};
}

/// GET /v1/job_runs: the runs the filter selects, by id, with their steps: one query,
/// whatever the number of runs.
pub fn list(
    conn: &mut AnyConnection,
    filter: &JobRunFilter,
) -> Result<Vec<JobRunRecord>, StoreError> {
    page(conn, filter, &Window::ALL)
}

/// The part of the list `window` selects (the list is in id order either way).
pub fn page(
    conn: &mut AnyConnection,
    filter: &JobRunFilter,
    window: &Window,
) -> Result<Vec<JobRunRecord>, StoreError> {
    let rows: Vec<ShownRow> = direct!(conn, |c| load_window!(
        c,
        filtered!(with_steps!(), filter).select(shown!()),
        window,
        job_runs::id,
        job_runs::id
    ));
    Ok(rows.into_iter().map(record).collect())
}

/// How many runs the whole list has.
pub fn count_list(conn: &mut AnyConnection, filter: &JobRunFilter) -> Result<i64, StoreError> {
    Ok(direct!(conn, |c| filtered!(job_runs::table, filter)
        .count()
        .get_result(c))?)
}

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<JobRunRecord, StoreError> {
    direct!(conn, |c| with_steps!()
        .filter(job_runs::id.eq(id))
        .select(shown!())
        .first(c))
    .optional()?
    .map(record)
    .ok_or(StoreError::NotFound)
}

/// The run alone, without its step: what its output needs (status, results_path).
pub fn find_run(conn: &mut AnyConnection, id: i64) -> Result<JobRun, StoreError> {
    find_row(conn, id).map(JobRun::from)
}

fn find_row(conn: &mut AnyConnection, id: i64) -> Result<JobRunRow, StoreError> {
    direct!(conn, |c| job_runs::table.find(id).first(c))
        .optional()?
        .ok_or(StoreError::NotFound)
}

/// What a notification's templates and default recipients need of a step, in at most three
/// queries: the step with its request and script, then its owner's addresses (two for a
/// group: its own, its members').
/// `request_number` turns a request's id into the number users know.
pub fn step_mail(
    conn: &mut AnyConnection,
    step_id: i64,
    request_number: impl Fn(i64) -> i64,
) -> Result<StepMail, StoreError> {
    type Row = (
        i64,
        Option<String>,
        i64,
        Option<i64>,
        Option<String>,
        Option<NaiveDateTime>,
        Option<i64>,
        Option<String>,
        Option<String>,
    );
    let (
        id,
        name,
        position,
        owner_id,
        owner_type,
        work_started_at,
        request_id,
        request_name,
        script_name,
    ): Row = steps::table
        .left_join(requests::table)
        .left_join(scripts::table)
        .filter(steps::id.eq(step_id))
        .select((
            steps::id,
            steps::name,
            steps::position,
            steps::owner_id,
            steps::owner_type,
            steps::work_started_at,
            requests::id.nullable(),
            requests::name.nullable(),
            scripts::name.nullable(),
        ))
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    let owner = match (owner_type.as_deref(), owner_id) {
        (Some(kind), Some(owner_id)) => owner(conn, kind, owner_id)?,
        _ => Owner::Nobody,
    };
    Ok(StepMail {
        step_id: id,
        step_name: name,
        step_position: position,
        request: request_id.map(|id| RequestMail {
            number: request_number(id),
            name: request_name,
        }),
        script_name,
        work_started_at,
        owner,
    })
}

/// A `User` owner's email; a `Group` owner's email and its active members' emails.
fn owner(conn: &mut AnyConnection, kind: &str, id: i64) -> Result<Owner, StoreError> {
    if kind.eq_ignore_ascii_case("User") {
        let email: Option<String> = users::table
            .find(id)
            .select(users::email)
            .first(conn)
            .optional()?;
        return Ok(email.map_or(Owner::Nobody, |email| Owner::User { email }));
    }
    if !kind.eq_ignore_ascii_case("Group") {
        return Ok(Owner::Nobody);
    }
    let email: Option<Option<String>> = groups::table
        .find(id)
        .select(groups::email)
        .first(conn)
        .optional()?;
    let Some(email) = email else {
        return Ok(Owner::Nobody);
    };
    let member_emails: Vec<String> = group_memberships::table
        .inner_join(users::table)
        .filter(group_memberships::group_id.eq(id))
        .filter(users::active.eq(true))
        .order(users::login)
        .select(users::email)
        .load(conn)?;
    Ok(Owner::Group {
        email,
        member_emails,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{fixtures, TestDb};

    #[test]
    fn in_flight_names_the_unfinished_statuses() {
        let mut named: Vec<&str> = IN_FLIGHT.split('\'').skip(1).step_by(2).collect();
        named.sort_unstable();
        let mut unfinished = JobRunFilter::unfinished_statuses();
        unfinished.sort();
        assert_eq!(named, unfinished);
    }

    /// The list of runs in flight reads `job_runs_in_flight_idx` alone on SQLite, in id
    /// order: the condition the store writes must be the index's, word for word, or SQLite
    /// would fall back to the rows, or sort them.
    #[test]
    fn sqlite_reads_the_runs_in_flight_from_their_index_alone() {
        let db = TestDb::sqlite();
        let pool = db.pool();
        let mut conn = pool.get().unwrap();
        let filter = JobRunFilter {
            currently_running: Some(true),
            ..JobRunFilter::default()
        };
        let (listed, statements) = fixtures::statements(&mut conn, |conn| list(conn, &filter));
        assert!(listed.unwrap().is_empty());
        let plan = fixtures::sqlite_plan(&mut conn, &statements[0]).unwrap();
        assert!(
            plan.iter()
                .any(|step| step.contains("USING COVERING INDEX job_runs_in_flight_idx")),
            "{statements:?}\n{plan:?}"
        );
        // The runs' steps and requests are primary-key searches in the same statement;
        // nothing else is scanned, materialised or sorted.
        assert_eq!(statements.len(), 1, "{statements:?}");
        assert!(
            plan.iter().all(|step| step.starts_with("SEARCH ")
                || step == "SCAN job_runs USING COVERING INDEX job_runs_in_flight_idx"),
            "{plan:?}"
        );
    }

    /// The runs in flight, the others, and their steps are read with statements that stay
    /// prepared: the filters were a `sql()` literal and an `ne_all`, which made every such
    /// list parse and plan them again.
    #[test]
    fn the_runs_in_flight_are_listed_with_statements_kept_prepared() {
        for db in TestDb::all() {
            let pool = db.pool();
            let mut conn = pool.get().unwrap();
            let request = fixtures::request(&mut conn, "r", "started").unwrap();
            for (position, status) in [(1, "Running"), (2, "Starting"), (3, "Complete")] {
                let step = fixtures::NewStep {
                    request_id: Some(request),
                    aasm_state: "in_process",
                    position,
                    ..fixtures::NewStep::default()
                };
                let step_id = fixtures::insert_step(&mut conn, &step).unwrap();
                let run = fixtures::NewRun {
                    status,
                    step_id: Some(step_id),
                    ..fixtures::NewRun::default()
                };
                fixtures::insert_job_run(&mut conn, &run).unwrap();
            }
            let filter = JobRunFilter {
                currently_running: Some(true),
                ..JobRunFilter::default()
            };
            let finished = JobRunFilter {
                currently_running: Some(false),
                ..JobRunFilter::default()
            };
            let not_kept = fixtures::statements_not_kept(&mut conn, |c| {
                assert_eq!(list(c, &filter).unwrap().len(), 2);
                assert_eq!(list(c, &finished).unwrap().len(), 1);
            });
            assert_eq!(not_kept, Vec::<String>::new(), "{}", db.backend_name());
        }
    }
}
