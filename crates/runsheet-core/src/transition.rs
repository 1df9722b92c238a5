//! What the state machines of steps and requests share: refusing events with the
//! original's messages, and reaching a state named in a body.

use crate::errors::Errors;

/// Why an event was refused. The state does not change in either case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionError {
    /// The event is not one the machine knows; carries the supported events, in order.
    UnknownEvent { supported: Vec<&'static str> },
    /// The event is known but not allowed from the current state (or its guard failed).
    NotAllowed { state: &'static str },
    /// `aasm_state` names a state that no single event reaches from the current one.
    Unreachable { from: &'static str, to: String },
}

impl TransitionError {
    /// The 422 body: `{"aasm_event": ["was not included in supported events: start, ..."]}`
    /// or `{"aasm_event": ["was not a valid transition for current state: ready."]}`.
    pub fn into_errors(self) -> Errors {
        let mut errors = Errors::new();
        match self {
            TransitionError::UnknownEvent { supported } => errors.add(
                "aasm_event",
                format!(
                    "was not included in supported events: {}",
                    supported.join(", ")
                ),
            ),
            TransitionError::NotAllowed { state } => errors.add(
                "aasm_event",
                format!("was not a valid transition for current state: {state}."),
            ),
            TransitionError::Unreachable { from, to } => errors.add(
                "aasm_state",
                format!(
                    "cannot become {to} from {from} by a single event; send aasm_event instead"
                ),
            ),
        }
        errors
    }
}

impl From<TransitionError> for Errors {
    fn from(error: TransitionError) -> Errors {
        error.into_errors()
    }
}

/// A state machine given as a table: events, the states each leaves from, where it goes.
pub trait Machine: Copy + Eq + Sized + 'static {
    type Event: Copy + Eq + 'static;

    /// Every event, in the order the unknown-event message lists them.
    const EVENTS: &'static [Self::Event];
    const STATES: &'static [Self];

    fn name(self) -> &'static str;
    fn event_name(event: Self::Event) -> &'static str;
    /// Where `event` leads from `self`, by the table alone (guards are the caller's).
    fn next(self, event: Self::Event) -> Option<Self>;

    fn parse(name: &str) -> Option<Self> {
        Self::STATES.iter().copied().find(|s| s.name() == name)
    }

    fn parse_event(name: &str) -> Result<Self::Event, TransitionError> {
        Self::EVENTS
            .iter()
            .copied()
            .find(|e| Self::event_name(*e) == name)
            .ok_or_else(|| TransitionError::UnknownEvent {
                supported: Self::EVENTS.iter().map(|e| Self::event_name(*e)).collect(),
            })
    }

    /// The state `event` leads to, or why not.
    fn fire(self, event: Self::Event) -> Result<Self, TransitionError> {
        self.next(event)
            .ok_or(TransitionError::NotAllowed { state: self.name() })
    }

    /// The one event that leads from `self` to the state named `target` (an `aasm_state`
    /// sent in a body); none, or more than one, is refused.
    fn event_to(self, target: &str) -> Result<Self::Event, TransitionError> {
        let unreachable = || TransitionError::Unreachable {
            from: self.name(),
            to: target.to_string(),
        };
        let to = Self::parse(target).ok_or_else(unreachable)?;
        let mut leading = Self::EVENTS
            .iter()
            .copied()
            .filter(|e| self.next(*e) == Some(to));
        match (leading.next(), leading.next()) {
            (Some(event), None) => Ok(event),
            _ => Err(unreachable()),
        }
    }
}

/// Checks a machine against its table, written out as the spec gives it: every event from
/// every state goes where a row says, and is refused where no row says so.
#[cfg(test)]
pub(crate) fn assert_follows<M>(table: &[(M::Event, &[M], M)])
where
    M: Machine + std::fmt::Debug,
    M::Event: std::fmt::Debug,
{
    assert_eq!(table.len(), M::EVENTS.len(), "one row per event");
    for &event in M::EVENTS {
        let (_, from, to) = table
            .iter()
            .find(|(e, _, _)| *e == event)
            .expect("a row for every event");
        for &state in M::STATES {
            let expected = if from.contains(&state) {
                Ok(*to)
            } else {
                Err(TransitionError::NotAllowed {
                    state: state.name(),
                })
            };
            assert_eq!(state.fire(event), expected, "{event:?} from {state:?}");
        }
    }
}
