//! State changes by `aasm_event` (or `aasm_state`): guards, and the request state they lead to.

use super::*;

pub(super) type Transition = (Option<StepEvent>, Option<(i64, RequestState)>);

/// The event a PUT asks for (`aasm_event`, or the one event reaching `aasm_state`), its
/// guards, and the request's state it leads to.
pub(super) fn transition(
    conn: &mut AnyConnection,
    id: Option<i64>,
    request_id: Option<i64>,
    state: StepState,
    changes: &StepChanges,
) -> Result<Result<Transition, TransitionError>, StoreError> {
    let event = match (&changes.aasm_event, &changes.aasm_state) {
        (Some(name), _) => match StepState::parse_event(name.trim()) {
            Ok(event) => event,
            Err(e) => return Ok(Err(e)),
        },
        // The state it already has: a record sent back as it was read.
        (None, Some(target)) if target.trim() == state.name() => return Ok(Ok((None, None))),
        (None, Some(target)) => match state.event_to(target.trim()) {
            Ok(event) => event,
            Err(e) => return Ok(Err(e)),
        },
        (None, None) => return Ok(Ok((None, None))),
    };
    if let Err(e) = state.fire(event) {
        return Ok(Err(e));
    }
    let request = match request_id {
        Some(rid) => requests::table
            .find(rid)
            .select(requests::aasm_state)
            .first::<String>(conn)
            .optional()?
            .and_then(|s| RequestState::parse(&s))
            .map(|s| (rid, s)),
        None => None,
    };
    let refused = Err(TransitionError::NotAllowed {
        state: state.name(),
    });
    let request_state = match event {
        StepEvent::Start | StepEvent::Done
            if !matches!(request, Some((_, RequestState::Started))) =>
        {
            return Ok(refused)
        }
        StepEvent::Reset if !matches!(request, Some((_, RequestState::Planned))) => {
            return Ok(refused)
        }
        StepEvent::Problem => request.and_then(|(rid, s)| {
            s.fire(RequestEvent::ProblemEncountered)
                .ok()
                .map(|to| (rid, to))
        }),
        StepEvent::Resolve => match request {
            Some((rid, s)) => {
                let others_in_problem: i64 = steps::table
                    .filter(steps::request_id.eq(rid))
                    .filter(steps::aasm_state.eq(StepState::Problem.name()))
                    .filter(steps::id.ne(id.unwrap_or(0)))
                    .count()
                    .get_result(conn)?;
                (others_in_problem == 0)
                    .then(|| s.fire(RequestEvent::Resolve).ok())
                    .flatten()
                    .map(|to| (rid, to))
            }
            None => None,
        },
        _ => None,
    };
    Ok(Ok((Some(event), request_state)))
}
