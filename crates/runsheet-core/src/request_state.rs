//! The request state machine of the original (4.6), as behaviour.md gives it.

use crate::transition::Machine;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestState {
    Created,
    Planned,
    Started,
    Problem,
    Hold,
    Cancelled,
    Complete,
    Deleted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestEvent {
    PlanIt,
    Start,
    ProblemEncountered,
    Resolve,
    PutOnHold,
    Cancel,
    Finish,
    Reopen,
    SoftDelete,
}

impl Machine for RequestState {
    type Event = RequestEvent;

    const EVENTS: &'static [RequestEvent] = &[
        RequestEvent::PlanIt,
        RequestEvent::Start,
        RequestEvent::ProblemEncountered,
        RequestEvent::Resolve,
        RequestEvent::PutOnHold,
        RequestEvent::Cancel,
        RequestEvent::Finish,
        RequestEvent::Reopen,
        RequestEvent::SoftDelete,
    ];

    const STATES: &'static [RequestState] = &[
        RequestState::Created,
        RequestState::Planned,
        RequestState::Started,
        RequestState::Problem,
        RequestState::Hold,
        RequestState::Cancelled,
        RequestState::Complete,
        RequestState::Deleted,
    ];

    fn name(self) -> &'static str {
        match self {
            RequestState::Created => "created",
            RequestState::Planned => "planned",
            RequestState::Started => "started",
            RequestState::Problem => "problem",
            RequestState::Hold => "hold",
            RequestState::Cancelled => "cancelled",
            RequestState::Complete => "complete",
            RequestState::Deleted => "deleted",
        }
    }

    fn event_name(event: RequestEvent) -> &'static str {
        match event {
            RequestEvent::PlanIt => "plan_it",
            RequestEvent::Start => "start",
            RequestEvent::ProblemEncountered => "problem_encountered",
            RequestEvent::Resolve => "resolve",
            RequestEvent::PutOnHold => "put_on_hold",
            RequestEvent::Cancel => "cancel",
            RequestEvent::Finish => "finish",
            RequestEvent::Reopen => "reopen",
            RequestEvent::SoftDelete => "soft_delete",
        }
    }

    fn next(self, event: RequestEvent) -> Option<RequestState> {
        use RequestEvent as E;
        use RequestState as S;
        let to = match (event, self) {
            (E::PlanIt, S::Created | S::Cancelled) => S::Planned,
            (E::Start, S::Planned | S::Hold) => S::Started,
            (E::ProblemEncountered, S::Started) => S::Problem,
            (E::Resolve, S::Problem) => S::Started,
            (E::PutOnHold, S::Started | S::Problem) => S::Hold,
            (E::Cancel, S::Created | S::Planned | S::Started | S::Problem | S::Hold) => {
                S::Cancelled
            }
            (E::Finish, S::Started) => S::Complete,
            (E::Reopen, S::Complete) => S::Planned,
            (E::SoftDelete, S::Cancelled | S::Complete) => S::Deleted,
            _ => return None,
        };
        Some(to)
    }
}

impl RequestState {
    /// DELETE on a request in this state soft-deletes it; in any other, destroys it.
    pub fn is_soft_deleted_on_delete(self) -> bool {
        matches!(self, RequestState::Cancelled | RequestState::Complete)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transition::assert_follows;
    use RequestEvent as E;
    use RequestState as S;

    const TABLE: &[(RequestEvent, &[RequestState], RequestState)] = &[
        (E::PlanIt, &[S::Created, S::Cancelled], S::Planned),
        (E::Start, &[S::Planned, S::Hold], S::Started),
        (E::ProblemEncountered, &[S::Started], S::Problem),
        (E::Resolve, &[S::Problem], S::Started),
        (E::PutOnHold, &[S::Started, S::Problem], S::Hold),
        (
            E::Cancel,
            &[S::Created, S::Planned, S::Started, S::Problem, S::Hold],
            S::Cancelled,
        ),
        (E::Finish, &[S::Started], S::Complete),
        (E::Reopen, &[S::Complete], S::Planned),
        (E::SoftDelete, &[S::Cancelled, S::Complete], S::Deleted),
    ];

    #[test]
    fn every_event_from_every_state_follows_the_table() {
        assert_follows::<RequestState>(TABLE);
    }

    #[test]
    fn names_round_trip_and_unknown_events_are_listed() {
        for &state in RequestState::STATES {
            assert_eq!(RequestState::parse(state.name()), Some(state));
        }
        let errors = RequestState::parse_event("launch")
            .unwrap_err()
            .into_errors();
        assert_eq!(
            errors.grouped(),
            vec![("aasm_event", vec!["was not included in supported events: plan_it, start, problem_encountered, resolve, put_on_hold, cancel, finish, reopen, soft_delete"])]
        );
    }

    #[test]
    fn soft_delete_only_when_finished() {
        for &state in RequestState::STATES {
            assert_eq!(
                state.is_soft_deleted_on_delete(),
                matches!(state, S::Cancelled | S::Complete)
            );
        }
    }

    #[test]
    fn a_named_state_is_reached_by_its_one_event() {
        assert_eq!(S::Created.event_to("planned"), Ok(E::PlanIt));
        assert_eq!(S::Started.event_to("complete"), Ok(E::Finish));
        assert!(S::Created.event_to("complete").is_err());
    }
}
