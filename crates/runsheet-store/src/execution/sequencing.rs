//! Moving a started request on: the database side of [`runsheet_core::sequence`].

use super::enqueue;
use crate::error::StoreError;
use crate::requests::{self, parent_steps};
use crate::schema::{requests as requests_table, steps};
use crate::sql::{direct, fixed_sql, kept_update};
use crate::AnyConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use runsheet_core::request_state::{RequestEvent, RequestState};
use runsheet_core::sequence::{self, Move, SeqStep};
use runsheet_core::step_state::StepState;
use runsheet_core::time;
use runsheet_core::transition::Machine;

/// Readies and starts the steps whose turn it is and finishes the request when nothing is
/// left; automated steps that start are queued with `user_id` as the one who started them.
/// Does nothing unless the request is started (on hold or in problem, nothing moves).
/// Call it inside the transaction of the change that may move the request on.
pub fn advance(
    conn: &mut AnyConnection,
    request_id: i64,
    user_id: Option<i64>,
) -> Result<(), StoreError> {
    // Steps of one request may finish at once in several transactions (runners on
    // PostgreSQL): each would read the others' steps as unfinished, and none would move the
    // request on. Taking the request's row first serialises them; the last one sees all.
    requests::lock(conn, request_id)?;
    // Each round applies one plan; a finished procedure can open the next phase, which the
    // next round sees. A round that moves nothing ends it, so this is bounded by the steps.
    loop {
        let state: Option<String> = requests_table::table
            .find(request_id)
            .select(requests_table::aasm_state)
            .first(conn)
            .optional()?;
        if state.as_deref() != Some(RequestState::Started.name()) {
            return Ok(());
        }
        let plan = sequence::plan(&steps_of(conn, request_id)?);
        if plan.moves.is_empty() {
            if plan.request_finished {
                requests::fire_if_allowed(conn, request_id, RequestEvent::Finish)?;
            }
            return Ok(());
        }
        let now = time::now();
        for step_move in plan.moves {
            match step_move {
                Move::Ready(id) => {
                    let ready = (
                        steps::aasm_state.eq(StepState::Ready.name()),
                        steps::ready_at.eq(now),
                        steps::updated_at.eq(now),
                    );
                    direct!(conn, |c| kept_update(steps::table, ready, locked(id))
                        .execute(c))?;
                }
                Move::Run(id) | Move::Open(id) => {
                    let in_process = (
                        steps::aasm_state.eq(StepState::InProcess.name()),
                        steps::ready_at.eq(now),
                        steps::work_started_at.eq(now),
                        steps::updated_at.eq(now),
                    );
                    let started =
                        direct!(conn, |c| kept_update(steps::table, in_process, locked(id))
                            .execute(c))?;
                    if started == 1 && matches!(step_move, Move::Run(_)) {
                        enqueue(conn, id, user_id)?;
                    }
                }
                Move::Complete(id) => {
                    complete(conn, id, now)?;
                }
            }
        }
    }
}

/// Step `id`, if it is in process, becomes complete (a procedure step whose children are
/// done, or a step whose script succeeded); returns how many steps changed.
pub(crate) fn complete(
    conn: &mut AnyConnection,
    id: i64,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    let complete = (
        steps::aasm_state.eq(StepState::Complete.name()),
        steps::work_finished_at.eq(now),
        steps::updated_at.eq(now),
    );
    Ok(direct!(conn, |c| kept_update(
        steps::table,
        complete,
        in_process(id)
    )
    .execute(c))?)
}

/// Step `id` while it is in process.
pub(crate) fn in_process(id: i64) -> diesel::dsl::And<diesel::dsl::Eq<steps::id, i64>, StateIs> {
    steps::id
        .eq(id)
        .and(steps::aasm_state.eq(StepState::InProcess.name()))
}

fixed_sql! {
    /// A top-level step. The `+` keeps SQLite off the index of parent ids, where "no parent"
    /// is a range of every top-level step of every request (it has no statistics to know
    /// better).
    TopLevel: diesel::sql_types::Bool = "+steps.parent_id IS NULL";
}

/// Whether the end of step `id`, marked complete in this transaction, leaves its request
/// as it is ([`sequence::phase_goes_on`]): read from its own phase, a range of its siblings'
/// index, where [`advance`] reads every step of the request. Call it after taking the
/// request's row, so that the last end of a phase sees the others' and moves the request on.
pub(crate) fn phase_goes_on(conn: &mut AnyConnection, id: i64) -> Result<bool, StoreError> {
    // On the connection's own backend: every run's end reads its phase, and
    // `MultiConnection` would write each statement out again to collect its binds.
    direct!(conn, |c| {
        let Some((parent_id, request_id, position)) = steps::table
            .find(id)
            .select((steps::parent_id, steps::request_id, steps::position))
            .first::<(Option<i64>, Option<i64>, i64)>(c)
            .optional()?
        else {
            return Ok(false);
        };
        let siblings = || {
            let all = steps::table.into_boxed();
            match parent_id {
                Some(parent_id) => all.filter(steps::parent_id.eq(parent_id)),
                None => all
                    .filter(steps::request_id.eq(request_id))
                    .filter(TopLevel),
            }
        };
        // The phase runs from the last step at or before this one that starts a phase (or the
        // first sibling) to the next one that starts a phase (or the last sibling). Siblings
        // are ordered by (position, id); each bound on the position is also written alone, so
        // that the siblings' index on position is searched as a range from this step.
        let starts = || siblings().filter(steps::different_level_from_previous.eq(true));
        let start: Option<(i64, i64)> = starts()
            .filter(steps::position.le(position))
            .filter(steps::position.lt(position).or(steps::id.le(id)))
            .order((steps::position.desc(), steps::id.desc()))
            .select((steps::position, steps::id))
            .first(c)
            .optional()?;
        let next: Option<(i64, i64)> = starts()
            .filter(steps::position.ge(position))
            .filter(steps::position.gt(position).or(steps::id.gt(id)))
            .order((steps::position, steps::id))
            .select((steps::position, steps::id))
            .first(c)
            .optional()?;
        let mut pending = siblings()
            .filter(steps::should_execute.eq(true))
            .filter(steps::aasm_state.ne(StepState::Complete.name()))
            .filter(steps::id.ne(id));
        if let Some((position, start)) = start {
            pending = pending
                .filter(steps::position.ge(position))
                .filter(steps::position.gt(position).or(steps::id.ge(start)));
        }
        if let Some((position, next)) = next {
            pending = pending
                .filter(steps::position.le(position))
                .filter(steps::position.lt(position).or(steps::id.lt(next)));
        }
        let states: Vec<String> = pending.select(steps::aasm_state).load(c)?;
        // A state this version does not know is left to the plan, which reports it.
        let known: Option<Vec<StepState>> = states.iter().map(|s| StepState::parse(s)).collect();
        Ok(known.is_some_and(sequence::phase_goes_on))
    })
}

/// Step `id` while it is locked.
fn locked(id: i64) -> diesel::dsl::And<diesel::dsl::Eq<steps::id, i64>, StateIs> {
    steps::id
        .eq(id)
        .and(steps::aasm_state.eq(StepState::Locked.name()))
}

type StateIs = diesel::dsl::Eq<steps::aasm_state, &'static str>;

/// The request a step belongs to: its own, or its procedure step's.
pub fn request_of_step(conn: &mut AnyConnection, step_id: i64) -> Result<Option<i64>, StoreError> {
    let found: Option<(Option<i64>, Option<i64>)> = steps::table
        .left_join(parent_steps.on(steps::parent_id.eq(parent_steps.field(steps::id).nullable())))
        .filter(steps::id.eq(step_id))
        .select((
            steps::request_id,
            parent_steps.field(steps::request_id).nullable(),
        ))
        .first(conn)
        .optional()?;
    Ok(found.and_then(|(own, parent)| own.or(parent)))
}

type Row = (i64, Option<i64>, i64, String, bool, bool, bool, bool);

/// The request's steps and their procedure steps' children, in one query.
fn steps_of(conn: &mut AnyConnection, request_id: i64) -> Result<Vec<SeqStep>, StoreError> {
    let ids = [request_id];
    let rows: Vec<Row> = steps::table
        .filter(requests::steps_of_requests!(&ids[..]))
        .select((
            steps::id,
            steps::parent_id,
            steps::position,
            steps::aasm_state,
            steps::should_execute,
            steps::different_level_from_previous,
            steps::manual,
            steps::procedure,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(
            |(id, parent_id, position, state, should_execute, level, manual, procedure)| {
                let state = StepState::parse(&state).ok_or_else(|| {
                    StoreError::Query(diesel::result::Error::DeserializationError(
                        format!("step {id} has an unknown state {state:?}").into(),
                    ))
                })?;
                Ok(SeqStep {
                    id,
                    // A child of a procedure step may also carry the request's id: its parent
                    // is what places it.
                    parent_id,
                    position,
                    state,
                    should_execute,
                    different_level_from_previous: level,
                    manual,
                    procedure,
                })
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{fixtures, TestDb};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// Random requests of top-level steps and a procedure step's children (some carrying the
    /// request's id too): for every step, what the store reads of its phase gives what the
    /// core's rule gives over all the steps. Both answers occur.
    #[test]
    fn a_phase_read_from_the_store_is_the_phase_of_the_plan() {
        let states = [
            "locked",
            "ready",
            "in_process",
            "complete",
            "problem",
            "blocked",
        ];
        for db in TestDb::all() {
            let pool = db.pool();
            let mut conn = pool.get().expect("connection");
            let mut rng = StdRng::seed_from_u64(7);
            let mut answers = [0, 0];
            for trial in 0..40 {
                let request =
                    fixtures::request(&mut conn, &format!("r{trial}"), "started").expect("request");
                let mut steps: Vec<SeqStep> = Vec::new();
                let mut procedure = None;
                for n in 0..rng.random_range(2..12) {
                    let is_procedure = n == 0 && rng.random_bool(0.5);
                    let parent_id = procedure.filter(|_| rng.random_bool(0.5));
                    let step = SeqStep {
                        id: 0,
                        parent_id,
                        position: rng.random_range(1..6),
                        state: if is_procedure {
                            StepState::InProcess
                        } else {
                            StepState::parse(states[rng.random_range(0..states.len())])
                                .expect("state")
                        },
                        should_execute: rng.random_bool(0.85),
                        different_level_from_previous: rng.random_bool(0.4),
                        manual: rng.random_bool(0.3),
                        procedure: is_procedure,
                    };
                    let new = fixtures::NewStep {
                        // A child of a procedure step may carry the request's id or not.
                        request_id: Some(request)
                            .filter(|_| parent_id.is_none() || rng.random_bool(0.5)),
                        parent_id,
                        aasm_state: step.state.name(),
                        position: step.position,
                        should_execute: step.should_execute,
                        different_level_from_previous: step.different_level_from_previous,
                        manual: step.manual,
                        procedure: step.procedure,
                    };
                    let id = fixtures::insert_step(&mut conn, &new).expect("step");
                    if is_procedure {
                        procedure = Some(id);
                    }
                    steps.push(SeqStep { id, ..step });
                }
                for step in &steps {
                    let pending = sequence::phase_of(&steps, step.id)
                        .into_iter()
                        .filter(|s| s.should_execute && s.id != step.id)
                        .map(|s| s.state);
                    let expected = sequence::phase_goes_on(pending);
                    let read = phase_goes_on(&mut conn, step.id).expect("phase");
                    assert_eq!(read, expected, "step {} of {steps:#?}", step.id);
                    answers[usize::from(read)] += 1;
                }
            }
            assert!(answers.iter().all(|&n| n > 20), "{answers:?}");
        }
    }

    /// Every statement of the phase's read searches a range of the siblings' index from the
    /// step (by request or by parent, then position), for a top-level step and for a child of
    /// a procedure step: no scan, no sort, however many steps there are. (The index of
    /// parent ids, taken for top-level steps, made automation four times slower.)
    #[test]
    fn a_phase_is_read_from_a_range_of_the_siblings_index_on_sqlite() {
        let db = TestDb::sqlite();
        let pool = db.pool();
        let mut conn = pool.get().expect("connection");
        let request = fixtures::request(&mut conn, "r", "started").expect("request");
        let mut step = |parent_id: Option<i64>, position: i64, procedure: bool| {
            let new = fixtures::NewStep {
                request_id: Some(request),
                parent_id,
                aasm_state: "in_process",
                position,
                procedure,
                ..fixtures::NewStep::default()
            };
            fixtures::insert_step(&mut conn, &new).expect("step")
        };
        let procedure = step(None, 1, true);
        let top = step(None, 2, false);
        step(None, 3, false);
        let child = step(Some(procedure), 1, false);
        step(Some(procedure), 2, false);
        let by_request =
            "SEARCH steps USING INDEX steps_request_id_position_idx (request_id=? AND position";
        let by_parent =
            "SEARCH steps USING INDEX steps_parent_id_position_idx (parent_id=? AND position";
        for (id, index) in [(top, by_request), (child, by_parent)] {
            let (goes_on, statements) = fixtures::statements(&mut conn, |c| phase_goes_on(c, id));
            assert!(!goes_on.unwrap());
            assert_eq!(statements.len(), 4);
            for statement in &statements[1..] {
                let plan = fixtures::sqlite_plan(&mut conn, statement).unwrap();
                assert!(
                    plan.iter().all(|line| line.starts_with(index)),
                    "{statement}: {plan:?}"
                );
            }
        }
    }

    /// A run's end reads its phase with statements that stay prepared: a `sql()` literal in
    /// one made SQLite parse and plan it again at every end.
    #[test]
    fn a_phase_is_read_with_statements_kept_prepared() {
        for db in TestDb::all() {
            let pool = db.pool();
            let mut conn = pool.get().expect("connection");
            let request = fixtures::request(&mut conn, "r", "started").expect("request");
            let new = fixtures::NewStep {
                request_id: Some(request),
                aasm_state: "in_process",
                position: 1,
                ..fixtures::NewStep::default()
            };
            let id = fixtures::insert_step(&mut conn, &new).expect("step");
            let not_kept = fixtures::statements_not_kept(&mut conn, |c| phase_goes_on(c, id));
            assert_eq!(not_kept, Vec::<String>::new(), "{}", db.backend_name());
        }
    }
}
