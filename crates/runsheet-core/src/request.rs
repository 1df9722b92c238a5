//! Requests: a release's plan of steps, moved through the request state machine.
//!
//! What needs no database lives here: the record and what its representation nests, reading
//! bodies and filters, validation, which event a PUT fires and what that event does besides
//! changing the state, and the order and numbering of a request's steps.

use crate::errors::{messages, Errors};
use crate::filters::{self, FilterSpec, Filters};
use crate::params::Params;
use crate::request_state::{RequestEvent, RequestState};
use crate::step_state::StepState;
use crate::transition::{Machine, TransitionError};
use crate::user::set;
use chrono::NaiveDateTime;
use chrono_tz::Tz;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Rails' numericality message for `greater_than_or_equal_to: 0`.
pub const NOT_NEGATIVE: &str = "must be greater than or equal to 0";

#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub id: i64,
    pub name: Option<String>,
    pub description: Option<String>,
    pub aasm_state: RequestState,
    pub owner_id: Option<i64>,
    pub requestor_id: Option<i64>,
    pub environment_id: Option<i64>,
    pub estimate: Option<i64>,
    pub scheduled_at: Option<NaiveDateTime>,
    pub target_completion_at: Option<NaiveDateTime>,
    pub started_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub cancelled_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A user as shown inside a request (`owner`, `requestor`).
#[derive(Debug, Clone, PartialEq)]
pub struct PersonRef {
    pub id: i64,
    pub login: String,
    pub email: String,
}

/// An environment or an app as shown inside a request.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedRef {
    pub id: i64,
    pub name: String,
}

/// A step as a request lists it: what a client polling the request needs.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestStep {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: Option<String>,
    pub aasm_state: String,
    pub position: i64,
    /// "3", or "2.1" for the first step inside the procedure step at position 2.
    pub number: String,
    pub manual: bool,
    pub component_version: Option<String>,
    pub component_name: Option<String>,
    pub work_started_at: Option<NaiveDateTime>,
    pub work_finished_at: Option<NaiveDateTime>,
}

/// A request with everything its representation nests.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestRecord {
    pub request: Request,
    pub owner: Option<PersonRef>,
    pub requestor: Option<PersonRef>,
    pub environment: Option<NamedRef>,
    pub apps: Vec<NamedRef>,
    /// In position order, each procedure step followed by its children.
    pub steps: Vec<RequestStep>,
}

/// Puts a request's steps in the order the request shows them: top-level steps by position,
/// each followed by its children (by position), numbered "position" or
/// "parent_position.position". Steps whose parent is not among them come last.
pub fn order_steps(mut steps: Vec<RequestStep>) -> Vec<RequestStep> {
    steps.sort_by_key(|s| (s.position, s.id));
    let ids: Vec<i64> = steps.iter().map(|s| s.id).collect();
    let mut children: HashMap<i64, Vec<RequestStep>> = HashMap::new();
    let mut top = Vec::new();
    let mut orphans = Vec::new();
    for step in steps {
        match step.parent_id {
            None => top.push(step),
            Some(parent) if ids.contains(&parent) && parent != step.id => {
                children.entry(parent).or_default().push(step)
            }
            Some(_) => orphans.push(step),
        }
    }
    let mut ordered = Vec::with_capacity(ids.len());
    for mut step in top {
        step.number = step.position.to_string();
        let position = step.position;
        let id = step.id;
        ordered.push(step);
        for mut child in children.remove(&id).unwrap_or_default() {
            child.number = format!("{position}.{}", child.position);
            ordered.push(child);
        }
    }
    // Children of children, or of steps outside the request: shown, numbered by position.
    let mut rest: Vec<RequestStep> = children.into_values().flatten().chain(orphans).collect();
    rest.sort_by_key(|s| (s.position, s.id));
    for mut step in rest {
        step.number = step.position.to_string();
        ordered.push(step);
    }
    ordered
}

/// The writable attributes of a request, validated together before they are saved.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestFields {
    pub name: Option<String>,
    pub description: Option<String>,
    pub owner_id: Option<i64>,
    pub requestor_id: Option<i64>,
    pub environment_id: Option<i64>,
    pub estimate: Option<i64>,
    pub scheduled_at: Option<NaiveDateTime>,
    pub target_completion_at: Option<NaiveDateTime>,
}

impl From<&Request> for RequestFields {
    fn from(r: &Request) -> Self {
        RequestFields {
            name: r.name.clone(),
            description: r.description.clone(),
            owner_id: r.owner_id,
            requestor_id: r.requestor_id,
            environment_id: r.environment_id,
            estimate: r.estimate,
            scheduled_at: r.scheduled_at,
            target_completion_at: r.target_completion_at,
        }
    }
}

impl RequestFields {
    /// The rules that need no database; references are checked where the records are.
    /// A request needs no name.
    pub fn validate(&self) -> Errors {
        let mut errors = Errors::new();
        if self.name.as_ref().is_some_and(|n| n.chars().count() > 255) {
            errors.add("name", messages::TOO_LONG);
        }
        if self.estimate.is_some_and(|e| e < 0) {
            errors.add("estimate", NOT_NEGATIVE);
        }
        errors
    }
}

/// The attributes a POST or PUT may change, and the state change it asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestChanges {
    pub name: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub owner_id: Option<Option<i64>>,
    pub requestor_id: Option<Option<i64>>,
    pub environment_id: Option<Option<i64>>,
    pub app_ids: Option<Vec<i64>>,
    pub estimate: Option<Option<i64>>,
    pub scheduled_at: Option<Option<NaiveDateTime>>,
    pub target_completion_at: Option<Option<NaiveDateTime>>,
    pub aasm_event: Option<String>,
    pub aasm_state: Option<String>,
}

/// What a request's representation shows that cannot be written: sent back, it is ignored.
const READ_ONLY: &[&str] = &[
    "id",
    "number",
    "started_at",
    "completed_at",
    "cancelled_at",
    "created_at",
    "updated_at",
    "owner",
    "requestor",
    "environment",
    "apps",
    "steps",
];

impl RequestChanges {
    /// Reads a body; times without an offset are read in `tz`.
    pub fn parse(body: Option<&Value>, tz: Tz) -> Result<RequestChanges, Errors> {
        let mut p = Params::from_body(body, "request")?;
        let changes = RequestChanges {
            name: p.opt_string("name"),
            description: p.opt_string("description"),
            owner_id: p.opt_int("owner_id"),
            requestor_id: p.opt_int("requestor_id"),
            environment_id: p.opt_int("environment_id"),
            app_ids: p.ids("app_ids"),
            estimate: p.opt_int("estimate"),
            scheduled_at: p.opt_time("scheduled_at", tz),
            target_completion_at: p.opt_time("target_completion_at", tz),
            aasm_event: p
                .opt_string("aasm_event")
                .flatten()
                .filter(|e| !e.is_empty()),
            aasm_state: p
                .opt_string("aasm_state")
                .flatten()
                .filter(|s| !s.is_empty()),
        };
        p.finish(READ_ONLY)?;
        Ok(changes)
    }

    /// The fields of a new request: owner and requestor are `user_id` unless given.
    pub fn new_fields(&self, user_id: i64) -> RequestFields {
        let mut fields = RequestFields::default();
        self.apply(&mut fields);
        fields.owner_id = fields.owner_id.or(Some(user_id));
        fields.requestor_id = fields.requestor_id.or(Some(user_id));
        fields
    }

    pub fn apply(&self, fields: &mut RequestFields) {
        set(&mut fields.name, &self.name);
        set(&mut fields.description, &self.description);
        set(&mut fields.owner_id, &self.owner_id);
        set(&mut fields.requestor_id, &self.requestor_id);
        set(&mut fields.environment_id, &self.environment_id);
        set(&mut fields.estimate, &self.estimate);
        set(&mut fields.scheduled_at, &self.scheduled_at);
        set(&mut fields.target_completion_at, &self.target_completion_at);
    }

    /// The event this PUT fires from `current`, if any.
    ///
    /// `aasm_event` names it; else an `aasm_state` other than the current one is reached by
    /// the one event that leads there. An `aasm_state` equal to the current state is what a
    /// read-modify-write client sends back, and is ignored (also beside an event, as is one
    /// equal to where the event leads).
    pub fn event(&self, current: RequestState) -> Result<Option<RequestEvent>, TransitionError> {
        let wanted_state = self.aasm_state.as_deref().filter(|s| *s != current.name());
        match (&self.aasm_event, wanted_state) {
            (Some(name), wanted) => {
                let event = RequestState::parse_event(name)?;
                let to = current.fire(event)?;
                match wanted {
                    Some(state) if state != to.name() => Err(TransitionError::Unreachable {
                        from: current.name(),
                        to: state.to_string(),
                    }),
                    _ => Ok(Some(event)),
                }
            }
            (None, Some(state)) => current.event_to(state).map(Some),
            (None, None) => Ok(None),
        }
    }
}

/// What an event does to a request and its steps besides changing the state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SideEffects {
    /// `started_at` is set, the first time only.
    pub stamp_started: bool,
    pub stamp_completed: bool,
    pub stamp_cancelled: bool,
    pub clear_completed: bool,
    /// Steps in these states are locked.
    pub lock_steps_in: &'static [StepState],
    /// Problem steps are force-resolved (problem -> in_process).
    pub force_resolve_problem_steps: bool,
    /// The request starts or resumes: its steps are sequenced (see [`crate::sequence`]).
    pub runs: bool,
    /// Scripts of its steps that are queued or running are cancelled (and killed).
    pub cancel_runs: bool,
}

impl SideEffects {
    pub fn of(event: RequestEvent) -> SideEffects {
        let none = SideEffects::default();
        match event {
            RequestEvent::Start => SideEffects {
                stamp_started: true,
                runs: true,
                ..none
            },
            RequestEvent::Resolve => SideEffects {
                force_resolve_problem_steps: true,
                runs: true,
                ..none
            },
            RequestEvent::PutOnHold => SideEffects {
                lock_steps_in: &[StepState::Ready, StepState::Problem],
                ..none
            },
            RequestEvent::Finish => SideEffects {
                stamp_completed: true,
                ..none
            },
            RequestEvent::Cancel => SideEffects {
                stamp_cancelled: true,
                cancel_runs: true,
                ..none
            },
            RequestEvent::Reopen => SideEffects {
                clear_completed: true,
                ..none
            },
            RequestEvent::PlanIt | RequestEvent::ProblemEncountered | RequestEvent::SoftDelete => {
                none
            }
        }
    }
}

pub const FILTERS: &[FilterSpec] = &[
    filters::text("aasm_state"),
    filters::text("name"),
    filters::int("app_id"),
    filters::int("environment_id"),
    filters::int("owner_id"),
    filters::int("requestor_id"),
];

/// What GET /v1/requests may ask for; every filter given must match, an array is any-of.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestFilter {
    /// `None`: every state but deleted (soft-deleted requests are shown only when asked).
    pub aasm_state: Option<Vec<String>>,
    pub name: Option<Vec<String>>,
    pub app_id: Option<Vec<i64>>,
    pub environment_id: Option<Vec<i64>>,
    pub owner_id: Option<Vec<i64>>,
    pub requestor_id: Option<Vec<i64>>,
}

impl RequestFilter {
    pub fn parse(raw: &Map<String, Value>) -> Result<RequestFilter, Errors> {
        let f = Filters::parse(raw, FILTERS)?;
        Ok(RequestFilter {
            aasm_state: f.strs("aasm_state"),
            name: f.strs("name"),
            app_id: f.ints("app_id"),
            environment_id: f.ints("environment_id"),
            owner_id: f.ints("owner_id"),
            requestor_id: f.ints("requestor_id"),
        })
    }

    /// The state a list leaves out unless `aasm_state` asks for it.
    pub fn hidden_state() -> &'static str {
        RequestState::Deleted.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn step(id: i64, parent_id: Option<i64>, position: i64) -> RequestStep {
        RequestStep {
            id,
            parent_id,
            name: None,
            aasm_state: "locked".into(),
            position,
            number: String::new(),
            manual: true,
            component_version: None,
            component_name: None,
            work_started_at: None,
            work_finished_at: None,
        }
    }

    #[test]
    fn steps_in_position_order_with_children_after_their_procedure() {
        let ordered = order_steps(vec![
            step(10, None, 3),
            step(11, Some(12), 2),
            step(12, None, 2),
            step(13, None, 1),
            step(14, Some(12), 1),
            step(15, Some(99), 4),
        ]);
        let seen: Vec<(i64, &str)> = ordered.iter().map(|s| (s.id, s.number.as_str())).collect();
        assert_eq!(
            seen,
            vec![
                (13, "1"),
                (12, "2"),
                (14, "2.1"),
                (11, "2.2"),
                (10, "3"),
                (15, "4")
            ]
        );
    }

    #[test]
    fn a_request_needs_no_name_but_a_short_one_and_no_negative_estimate() {
        assert!(RequestFields::default().validate().is_empty());
        let bad = RequestFields {
            name: Some("x".repeat(256)),
            estimate: Some(-1),
            ..RequestFields::default()
        };
        assert_eq!(
            bad.validate().grouped(),
            vec![
                ("name", vec![messages::TOO_LONG]),
                ("estimate", vec![NOT_NEGATIVE])
            ]
        );
    }

    #[test]
    fn parses_attributes_and_ignores_the_representation() {
        let body = json!({"request": {
            "name": "R1", "estimate": "30", "app_ids": [2, "1"], "owner_id": 3,
            "scheduled_at": "2012-09-04T15:34:44-04:00", "aasm_event": "plan_it",
            "id": "5", "number": 1005, "steps": [], "owner": {"id": 9}, "started_at": null
        }});
        let c = RequestChanges::parse(Some(&body), Tz::UTC).unwrap();
        assert_eq!(c.name, Some(Some("R1".into())));
        assert_eq!(c.estimate, Some(Some(30)));
        assert_eq!(c.app_ids, Some(vec![1, 2]));
        assert_eq!(c.aasm_event.as_deref(), Some("plan_it"));
        assert!(c.scheduled_at.is_some_and(|t| t.is_some()));
        let fields = c.new_fields(7);
        assert_eq!((fields.owner_id, fields.requestor_id), (Some(3), Some(7)));
    }

    #[test]
    fn bad_values_and_unknown_names_are_named() {
        let body = json!({"estimate": "x", "scheduled_at": "soon", "colour": "red"});
        let err = RequestChanges::parse(Some(&body), Tz::UTC).unwrap_err();
        assert_eq!(
            err.grouped(),
            vec![
                ("estimate", vec![messages::NOT_A_NUMBER]),
                ("scheduled_at", vec![messages::NOT_A_TIME]),
                ("colour", vec![messages::UNKNOWN_ATTRIBUTE])
            ]
        );
    }

    fn changes(event: Option<&str>, state: Option<&str>) -> RequestChanges {
        RequestChanges {
            aasm_event: event.map(Into::into),
            aasm_state: state.map(Into::into),
            ..RequestChanges::default()
        }
    }

    #[test]
    fn the_event_of_a_put() {
        use RequestState as S;
        assert_eq!(changes(None, None).event(S::Created), Ok(None));
        assert_eq!(
            changes(Some("plan_it"), None).event(S::Created),
            Ok(Some(RequestEvent::PlanIt))
        );
        assert_eq!(
            changes(None, Some("planned")).event(S::Created),
            Ok(Some(RequestEvent::PlanIt))
        );
        assert_eq!(changes(None, Some("created")).event(S::Created), Ok(None));
        // Sent back beside an event: the current state, or where the event leads.
        assert_eq!(
            changes(Some("plan_it"), Some("created")).event(S::Created),
            Ok(Some(RequestEvent::PlanIt))
        );
        assert_eq!(
            changes(Some("plan_it"), Some("planned")).event(S::Created),
            Ok(Some(RequestEvent::PlanIt))
        );
        assert!(matches!(
            changes(Some("plan_it"), Some("complete")).event(S::Created),
            Err(TransitionError::Unreachable { .. })
        ));
        assert!(matches!(
            changes(Some("launch"), None).event(S::Created),
            Err(TransitionError::UnknownEvent { .. })
        ));
        assert_eq!(
            changes(Some("finish"), None).event(S::Created),
            Err(TransitionError::NotAllowed { state: "created" })
        );
        assert!(changes(None, Some("complete")).event(S::Created).is_err());
        assert!(changes(None, Some("nonsense")).event(S::Created).is_err());
    }

    #[test]
    fn side_effects() {
        use RequestEvent as E;
        assert!(SideEffects::of(E::Start).stamp_started);
        assert!(SideEffects::of(E::Start).runs);
        assert!(SideEffects::of(E::Finish).stamp_completed);
        assert!(SideEffects::of(E::Cancel).stamp_cancelled);
        assert!(SideEffects::of(E::Reopen).clear_completed);
        assert_eq!(
            SideEffects::of(E::PutOnHold).lock_steps_in,
            &[StepState::Ready, StepState::Problem]
        );
        assert!(SideEffects::of(E::Resolve).force_resolve_problem_steps);
        assert_eq!(SideEffects::of(E::PlanIt), SideEffects::default());
    }

    #[test]
    fn filters() {
        let f = RequestFilter::parse(
            json!({"aasm_state": ["created", "planned"], "app_id": "3", "owner_id": [1, 2]})
                .as_object()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            f.aasm_state,
            Some(vec!["created".to_string(), "planned".to_string()])
        );
        assert_eq!(f.app_id, Some(vec![3]));
        assert_eq!(f.owner_id, Some(vec![1, 2]));
        assert!(RequestFilter::parse(json!({"number": 1}).as_object().unwrap()).is_err());
    }
}
