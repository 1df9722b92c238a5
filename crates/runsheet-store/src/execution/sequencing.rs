//! Moving a started request on: the database side of [`runsheet_core::sequence`].

use super::enqueue;
use crate::error::StoreError;
use crate::requests::{self, parent_steps};
use crate::schema::{requests as requests_table, steps};
use crate::sql::{direct, kept_update};
use crate::AnyConnection;
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
                    let complete = (
                        steps::aasm_state.eq(StepState::Complete.name()),
                        steps::work_finished_at.eq(now),
                        steps::updated_at.eq(now),
                    );
                    let in_process = steps::id
                        .eq(id)
                        .and(steps::aasm_state.eq(StepState::InProcess.name()));
                    direct!(conn, |c| kept_update(steps::table, complete, in_process)
                        .execute(c))?;
                }
            }
        }
    }
}

/// Step `id` while it is locked.
fn locked(id: i64) -> diesel::dsl::And<diesel::dsl::Eq<steps::id, i64>, LockedState> {
    steps::id
        .eq(id)
        .and(steps::aasm_state.eq(StepState::Locked.name()))
}

type LockedState = diesel::dsl::Eq<steps::aasm_state, &'static str>;

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
