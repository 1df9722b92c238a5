//! Sequencing a running request: which steps become ready, start by themselves or finish,
//! and whether the request is done (behaviour.md, "Running a request").
//!
//! Steps of one parent (the request, or a procedure step) form phases in position order: a
//! step with `different_level_from_previous` starts a new phase, one without joins the
//! previous phase and runs beside it. The current phase is the first whose executable
//! steps (`should_execute`) are not all complete. Its locked steps move: manual ones become
//! ready and wait for people; automated ones and procedure steps start at once (a procedure
//! step is a container: it runs its children the same way and completes when they are done).
//! When no phase is left, the parent is done.

use crate::step_state::StepState;

/// What sequencing needs to know of a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeqStep {
    pub id: i64,
    /// The procedure step it belongs to; `None` for a request's top-level steps.
    pub parent_id: Option<i64>,
    pub position: i64,
    pub state: StepState,
    pub should_execute: bool,
    pub different_level_from_previous: bool,
    pub manual: bool,
    pub procedure: bool,
}

impl SeqStep {
    /// An automated step: its script runs when it starts.
    pub fn is_automated(&self) -> bool {
        !self.manual && !self.procedure
    }
}

/// One change to a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// locked -> ready: a manual step waits for someone to start it.
    Ready(i64),
    /// locked -> in_process at once, and its script is queued: an automated step.
    Run(i64),
    /// locked -> in_process at once: a procedure step, whose children are sequenced next.
    Open(i64),
    /// in_process -> complete: a procedure step whose children are all done.
    Complete(i64),
}

/// The moves to make now, and whether the request has nothing left to do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub moves: Vec<Move>,
    pub request_finished: bool,
}

/// What to do next for a started request with these steps (any order). Applying the moves
/// can make more possible (a finished procedure completes its phase): plan again until a
/// plan has no moves.
pub fn plan(steps: &[SeqStep]) -> Plan {
    let mut moves = Vec::new();
    let done = walk(steps, None, &mut moves);
    Plan {
        request_finished: done && moves.is_empty(),
        moves,
    }
}

/// Sequences the children of `parent`; true when all of them are done.
fn walk(steps: &[SeqStep], parent: Option<i64>, moves: &mut Vec<Move>) -> bool {
    let mut children: Vec<&SeqStep> = steps.iter().filter(|s| s.parent_id == parent).collect();
    children.sort_by_key(|s| (s.position, s.id));
    for phase in phases(&children) {
        let pending: Vec<&SeqStep> = phase
            .iter()
            .copied()
            .filter(|s| s.should_execute && s.state != StepState::Complete)
            .collect();
        if pending.is_empty() {
            continue;
        }
        for step in pending {
            match step.state {
                StepState::Locked if step.procedure => moves.push(Move::Open(step.id)),
                StepState::Locked if step.manual => moves.push(Move::Ready(step.id)),
                StepState::Locked => moves.push(Move::Run(step.id)),
                StepState::InProcess if step.procedure && walk(steps, Some(step.id), moves) => {
                    moves.push(Move::Complete(step.id));
                }
                // Ready, running, blocked or in problem: people or the runner move it.
                _ => {}
            }
        }
        return false;
    }
    true
}

/// Whether a step's end can leave the rest of its request as it is: judged from the other
/// unfinished executable steps of its phase (`pending`, their states). When one of them is
/// still running, waiting for people or held (in problem, blocked), the phase goes on and its
/// end will come later, where the request is planned again; when none is locked, nothing in
/// the phase has to move now. Then [`plan`] would find nothing to do, provided it had nothing
/// to do before this step ended (the request was moved on at every change since). What the
/// request holds outside this phase waits for the next plan: a step locked by hand in
/// another procedure's phase, or one added to a running request. Planning reads all of the
/// request's steps; this reads one phase, so a step's end costs the same in a request of
/// 10 steps as of 10,000.
pub fn phase_goes_on(pending: impl IntoIterator<Item = StepState>) -> bool {
    let mut goes_on = false;
    for state in pending {
        match state {
            StepState::Complete => {}
            StepState::Locked => return false,
            _ => goes_on = true,
        }
    }
    goes_on
}

/// The steps of `id`'s phase among its siblings (itself included), in order; none when `id`
/// is not among `steps`.
pub fn phase_of(steps: &[SeqStep], id: i64) -> Vec<&SeqStep> {
    let Some(step) = steps.iter().find(|s| s.id == id) else {
        return Vec::new();
    };
    let mut siblings: Vec<&SeqStep> = steps
        .iter()
        .filter(|s| s.parent_id == step.parent_id)
        .collect();
    siblings.sort_by_key(|s| (s.position, s.id));
    phases(&siblings)
        .into_iter()
        .find(|phase| phase.iter().any(|s| s.id == id))
        .unwrap_or_default()
}

/// Splits siblings (in order) into phases.
fn phases<'a>(children: &[&'a SeqStep]) -> Vec<Vec<&'a SeqStep>> {
    let mut phases: Vec<Vec<&SeqStep>> = Vec::new();
    for &step in children {
        match phases.last_mut() {
            Some(phase) if !step.different_level_from_previous => phase.push(step),
            _ => phases.push(vec![step]),
        }
    }
    phases
}

#[cfg(test)]
mod tests {
    use super::*;
    use StepState::*;

    fn step(id: i64, state: StepState) -> SeqStep {
        SeqStep {
            id,
            parent_id: None,
            position: id,
            state,
            should_execute: true,
            different_level_from_previous: true,
            manual: true,
            procedure: false,
        }
    }

    fn parallel(mut s: SeqStep) -> SeqStep {
        s.different_level_from_previous = false;
        s
    }

    fn automated(mut s: SeqStep) -> SeqStep {
        s.manual = false;
        s
    }

    fn skipped(mut s: SeqStep) -> SeqStep {
        s.should_execute = false;
        s
    }

    fn child_of(parent: i64, mut s: SeqStep) -> SeqStep {
        s.parent_id = Some(parent);
        s
    }

    fn procedure(mut s: SeqStep) -> SeqStep {
        s.procedure = true;
        s
    }

    #[test]
    fn starting_readies_the_first_phase_only() {
        let steps = [step(1, Locked), step(2, Locked)];
        assert_eq!(plan(&steps).moves, vec![Move::Ready(1)]);
    }

    #[test]
    fn steps_that_join_the_previous_phase_run_beside_it() {
        let steps = [
            step(1, Locked),
            parallel(automated(step(2, Locked))),
            step(3, Locked),
        ];
        assert_eq!(plan(&steps).moves, vec![Move::Ready(1), Move::Run(2)]);
    }

    #[test]
    fn a_phase_waits_for_all_its_steps() {
        let steps = [
            step(1, Complete),
            parallel(step(2, InProcess)),
            step(3, Locked),
        ];
        assert_eq!(plan(&steps), Plan::default());
    }

    #[test]
    fn completing_a_phase_readies_the_next() {
        let steps = [
            step(1, Complete),
            parallel(step(2, Complete)),
            step(3, Locked),
        ];
        assert_eq!(plan(&steps).moves, vec![Move::Ready(3)]);
    }

    #[test]
    fn steps_not_to_execute_are_passed_over() {
        let steps = [skipped(step(1, Locked)), step(2, Locked)];
        assert_eq!(plan(&steps).moves, vec![Move::Ready(2)]);
        let only_skipped = [step(1, Complete), skipped(step(2, Locked))];
        assert!(plan(&only_skipped).request_finished);
    }

    #[test]
    fn the_request_finishes_when_nothing_is_left() {
        assert!(plan(&[step(1, Complete), step(2, Complete)]).request_finished);
        assert!(plan(&[]).request_finished);
        assert!(!plan(&[step(1, Complete), step(2, Ready)]).request_finished);
    }

    #[test]
    fn steps_in_problem_or_blocked_hold_their_phase() {
        for state in [Problem, Blocked, Ready, BeingResolved] {
            let steps = [step(1, state), step(2, Locked)];
            assert_eq!(plan(&steps), Plan::default(), "{state:?}");
        }
    }

    #[test]
    fn positions_not_ids_give_the_order() {
        let mut first = step(9, Locked);
        first.position = 1;
        let mut second = step(1, Locked);
        second.position = 2;
        assert_eq!(plan(&[second, first]).moves, vec![Move::Ready(9)]);
    }

    #[test]
    fn a_procedure_step_starts_then_runs_its_children_in_phases() {
        let locked = [
            procedure(step(1, Locked)),
            child_of(1, step(2, Locked)),
            child_of(1, step(3, Locked)),
            step(4, Locked),
        ];
        assert_eq!(plan(&locked).moves, vec![Move::Open(1)]);
        let mut automated_procedure = locked.clone();
        automated_procedure[0].manual = false;
        assert_eq!(plan(&automated_procedure).moves, vec![Move::Open(1)]);
        let started = [
            procedure(step(1, InProcess)),
            child_of(1, automated(step(2, Locked))),
            child_of(1, parallel(step(3, Locked))),
            step(4, Locked),
        ];
        assert_eq!(plan(&started).moves, vec![Move::Run(2), Move::Ready(3)]);
    }

    /// Random requests (top-level phases and a procedure's), half of them planned until
    /// nothing moves, half in any states at all (steps locked by hand, added late); then each
    /// running automated step ends in turn. Whenever its phase goes on, the end changes
    /// nothing of what a plan of the whole request does: when nothing was to move before,
    /// nothing is after. And the rule is not vacuous: it holds for many of these ends.
    #[test]
    fn an_end_whose_phase_goes_on_changes_no_plan() {
        use rand::rngs::StdRng;
        use rand::{Rng, SeedableRng};
        let mut rng = StdRng::seed_from_u64(5);
        let states = [Locked, Ready, InProcess, Complete, Problem, Blocked];
        let (mut ends, mut quiet) = (0, 0);
        for _ in 0..4000 {
            let mut steps: Vec<SeqStep> = (1..=rng.random_range(2..12))
                .map(|id| SeqStep {
                    id,
                    parent_id: None,
                    position: rng.random_range(1..8),
                    state: states[rng.random_range(0..states.len())],
                    should_execute: rng.random_bool(0.85),
                    different_level_from_previous: rng.random_bool(0.4),
                    manual: rng.random_bool(0.3),
                    procedure: false,
                })
                .collect();
            if rng.random_bool(0.5) {
                steps[0].procedure = true;
                steps[0].state = InProcess;
                for s in steps.iter_mut().skip(1).filter(|_| rng.random_bool(0.5)) {
                    s.parent_id = Some(1);
                }
            }
            if rng.random_bool(0.5) {
                settle(&mut steps);
            }
            let before = plan(&steps);
            let running: Vec<i64> = steps
                .iter()
                .filter(|s| s.state == InProcess && s.is_automated())
                .map(|s| s.id)
                .collect();
            for id in running {
                let mut after = steps.clone();
                let ended = after.iter_mut().find(|s| s.id == id).expect("the step");
                ended.state = Complete;
                let pending = phase_of(&after, id)
                    .into_iter()
                    .filter(|s| s.should_execute && s.id != id)
                    .map(|s| s.state);
                ends += 1;
                if phase_goes_on(pending) {
                    quiet += 1;
                    assert_eq!(plan(&after), before, "{id} in {after:#?}");
                }
            }
        }
        assert!(ends > 1000 && quiet * 4 > ends, "{quiet} of {ends}");
    }

    /// Applies plans until one moves nothing, as `advance` does.
    fn settle(steps: &mut [SeqStep]) {
        loop {
            let plan = plan(steps);
            if plan.moves.is_empty() {
                return;
            }
            for m in plan.moves {
                let (id, state) = match m {
                    Move::Ready(id) => (id, Ready),
                    Move::Run(id) | Move::Open(id) => (id, InProcess),
                    Move::Complete(id) => (id, Complete),
                };
                if let Some(s) = steps.iter_mut().find(|s| s.id == id) {
                    s.state = state;
                }
            }
        }
    }

    #[test]
    fn a_phase_goes_on_while_a_step_of_it_is_unfinished_and_none_is_locked() {
        assert!(phase_goes_on([InProcess, Complete]));
        assert!(phase_goes_on([Ready, Problem, Blocked]));
        assert!(!phase_goes_on([InProcess, Locked]));
        assert!(!phase_goes_on([Complete]));
        assert!(!phase_goes_on([]));
    }

    #[test]
    fn a_phase_is_found_among_siblings_in_order() {
        let steps = [
            parallel(step(1, Complete)),
            step(2, Complete),
            parallel(step(3, InProcess)),
            step(4, Locked),
            child_of(4, step(5, Locked)),
        ];
        let ids = |id| {
            phase_of(&steps, id)
                .iter()
                .map(|s| s.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(1), [1]);
        assert_eq!(ids(3), [2, 3]);
        assert_eq!(ids(4), [4]);
        assert_eq!(ids(5), [5]);
        assert!(ids(9).is_empty());
    }

    #[test]
    fn a_procedure_completes_when_its_children_are_done() {
        let steps = [
            procedure(step(1, InProcess)),
            child_of(1, step(2, Complete)),
            child_of(1, skipped(step(3, Locked))),
            step(4, Locked),
        ];
        let plan = plan(&steps);
        assert_eq!(plan.moves, vec![Move::Complete(1)]);
        assert!(!plan.request_finished);
    }
}
