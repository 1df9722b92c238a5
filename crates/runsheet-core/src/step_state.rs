//! The step state machine of the original (4.6), as behaviour.md gives it.

use crate::transition::Machine;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    Locked,
    Ready,
    InProcess,
    Blocked,
    Problem,
    BeingResolved,
    Complete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepEvent {
    Start,
    Block,
    Done,
    Reset,
    Problem,
    Resolve,
    ForceResolve,
    UnblockReady,
    UnblockInProcess,
    ReadyForWork,
    Lock,
    Oops,
    FinishResolution,
}

impl Machine for StepState {
    type Event = StepEvent;

    /// The reference page's events first, in its order, then the rest of the table.
    const EVENTS: &'static [StepEvent] = &[
        StepEvent::Start,
        StepEvent::Block,
        StepEvent::Done,
        StepEvent::Reset,
        StepEvent::Problem,
        StepEvent::Resolve,
        StepEvent::ForceResolve,
        StepEvent::UnblockReady,
        StepEvent::UnblockInProcess,
        StepEvent::ReadyForWork,
        StepEvent::Lock,
        StepEvent::Oops,
        StepEvent::FinishResolution,
    ];

    const STATES: &'static [StepState] = &[
        StepState::Locked,
        StepState::Ready,
        StepState::InProcess,
        StepState::Blocked,
        StepState::Problem,
        StepState::BeingResolved,
        StepState::Complete,
    ];

    fn name(self) -> &'static str {
        match self {
            StepState::Locked => "locked",
            StepState::Ready => "ready",
            StepState::InProcess => "in_process",
            StepState::Blocked => "blocked",
            StepState::Problem => "problem",
            StepState::BeingResolved => "being_resolved",
            StepState::Complete => "complete",
        }
    }

    fn event_name(event: StepEvent) -> &'static str {
        match event {
            StepEvent::Start => "start",
            StepEvent::Block => "block",
            StepEvent::Done => "done",
            StepEvent::Reset => "reset",
            StepEvent::Problem => "problem",
            StepEvent::Resolve => "resolve",
            StepEvent::ForceResolve => "force_resolve",
            StepEvent::UnblockReady => "unblock_ready",
            StepEvent::UnblockInProcess => "unblock_in_process",
            StepEvent::ReadyForWork => "ready_for_work",
            StepEvent::Lock => "lock",
            StepEvent::Oops => "oops",
            StepEvent::FinishResolution => "finish_resolution",
        }
    }

    fn next(self, event: StepEvent) -> Option<StepState> {
        use StepEvent as E;
        use StepState as S;
        let to = match (event, self) {
            (E::ReadyForWork, S::Locked) => S::Ready,
            (E::Start, S::Ready | S::Locked | S::Complete) => S::InProcess,
            (E::Lock, S::Ready | S::InProcess | S::Problem) => S::Locked,
            (E::Done, S::InProcess | S::Problem | S::Ready | S::Locked) => S::Complete,
            (E::Reset, S::Complete) => S::Locked,
            (E::Oops, S::Complete) => S::InProcess,
            (E::Problem, S::InProcess) => S::Problem,
            (E::Resolve | E::ForceResolve, S::Problem) => S::InProcess,
            (E::FinishResolution, S::BeingResolved | S::Problem) => S::InProcess,
            (E::Block, S::Locked | S::Ready | S::InProcess) => S::Blocked,
            (E::UnblockReady, S::Blocked) => S::Ready,
            (E::UnblockInProcess, S::Blocked) => S::InProcess,
            _ => return None,
        };
        Some(to)
    }
}

impl StepState {
    /// `running` in the steps filter: ready or in process.
    pub const RUNNING: &'static [StepState] = &[StepState::Ready, StepState::InProcess];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transition::assert_follows;
    use StepEvent as E;
    use StepState as S;

    /// behaviour.md's table, row by row: every (event, from) pair not listed is refused.
    const TABLE: &[(StepEvent, &[StepState], StepState)] = &[
        (E::ReadyForWork, &[S::Locked], S::Ready),
        (E::Start, &[S::Ready, S::Locked, S::Complete], S::InProcess),
        (E::Lock, &[S::Ready, S::InProcess, S::Problem], S::Locked),
        (
            E::Done,
            &[S::InProcess, S::Problem, S::Ready, S::Locked],
            S::Complete,
        ),
        (E::Reset, &[S::Complete], S::Locked),
        (E::Oops, &[S::Complete], S::InProcess),
        (E::Problem, &[S::InProcess], S::Problem),
        (E::Resolve, &[S::Problem], S::InProcess),
        (E::ForceResolve, &[S::Problem], S::InProcess),
        (
            E::FinishResolution,
            &[S::BeingResolved, S::Problem],
            S::InProcess,
        ),
        (E::Block, &[S::Locked, S::Ready, S::InProcess], S::Blocked),
        (E::UnblockReady, &[S::Blocked], S::Ready),
        (E::UnblockInProcess, &[S::Blocked], S::InProcess),
    ];

    #[test]
    fn every_event_from_every_state_follows_the_table() {
        assert_follows::<StepState>(TABLE);
    }

    #[test]
    fn names_round_trip() {
        for &state in StepState::STATES {
            assert_eq!(StepState::parse(state.name()), Some(state));
        }
        for &event in StepState::EVENTS {
            assert_eq!(
                StepState::parse_event(StepState::event_name(event)),
                Ok(event)
            );
        }
        assert_eq!(StepState::parse("paused"), None);
    }

    #[test]
    fn unknown_events_list_the_supported_ones() {
        let errors = StepState::parse_event("explode").unwrap_err().into_errors();
        let message = errors.grouped()[0].1[0].to_string();
        assert!(message.starts_with("was not included in supported events: start, block, done, reset, problem, resolve, force_resolve, unblock_ready, unblock_in_process"), "{message}");
    }

    #[test]
    fn wrong_state_message() {
        let errors = StepState::Ready.fire(E::Reset).unwrap_err().into_errors();
        assert_eq!(
            errors.grouped(),
            vec![(
                "aasm_event",
                vec!["was not a valid transition for current state: ready."]
            )]
        );
    }

    #[test]
    fn a_named_state_is_reached_by_its_one_event() {
        assert_eq!(S::Ready.event_to("in_process"), Ok(E::Start));
        assert_eq!(S::InProcess.event_to("complete"), Ok(E::Done));
        assert_eq!(S::Blocked.event_to("ready"), Ok(E::UnblockReady));
        assert_eq!(S::Complete.event_to("locked"), Ok(E::Reset));
        // resolve, force_resolve and finish_resolution all lead there: ambiguous.
        assert!(S::Problem.event_to("in_process").is_err());
        assert!(S::Locked.event_to("problem").is_err());
        assert!(S::Locked.event_to("nonsense").is_err());
        let errors = S::Locked.event_to("problem").unwrap_err().into_errors();
        assert_eq!(errors.grouped()[0].0, "aasm_state");
    }
}
