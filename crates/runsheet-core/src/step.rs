//! Steps: the work of a request (or of a free-floating procedure), manual or automated.
//!
//! This module holds what needs no database: the record, its writable fields with the
//! reference page's defaults, the rules between them, the body and filter parsers, and
//! the step's `number`. References and state changes are checked by the store.

use crate::errors::{messages, Errors};
use crate::filters::{self, FilterSpec, Filters, TimeRange};
use crate::params::Params;
use crate::step_state::StepState;
use crate::transition::Machine;
use crate::user::set;
use chrono::NaiveDateTime;
use chrono_tz::Tz;
use serde_json::{Map, Value};

/// A step as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub id: i64,
    pub aasm_state: String,
    pub position: i64,
    pub fields: StepFields,
    pub ready_at: Option<NaiveDateTime>,
    pub work_started_at: Option<NaiveDateTime>,
    pub work_finished_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Step {
    /// The stored state; a value no machine knows reads as the initial one.
    pub fn state(&self) -> StepState {
        StepState::parse(&self.aasm_state).unwrap_or(StepState::Locked)
    }
}

/// The owner types a step accepts.
pub const OWNER_TYPES: &[&str] = &["User", "Group"];

/// The script types the reference names, and the sample's "General".
pub const SCRIPT_TYPES: &[&str] = &[
    "BladelogicScript",
    "HudsonScript",
    "CapistranoScript",
    "General",
];

/// The writable attributes of a step, validated together.
#[derive(Debug, Clone, PartialEq)]
pub struct StepFields {
    pub name: Option<String>,
    pub description: Option<String>,
    pub request_id: Option<i64>,
    pub procedure_id: Option<i64>,
    pub parent_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub owner_type: Option<String>,
    pub manual: bool,
    pub procedure: bool,
    pub script_id: Option<i64>,
    pub script_type: Option<String>,
    pub installed_component_id: Option<i64>,
    pub component_id: Option<i64>,
    pub component_version: Option<String>,
    pub own_version: bool,
    pub version_tag_id: Option<i64>,
    pub custom_ticket_id: Option<i64>,
    pub release_content_item_id: Option<i64>,
    pub change_request_id: Option<i64>,
    pub completion_state: Option<String>,
    pub on_plan: bool,
    pub package_template_id: Option<i64>,
    pub package_template_properties: Option<String>,
    pub phase_id: Option<i64>,
    pub runtime_phase_id: Option<i64>,
    pub should_execute: bool,
    pub execute_anytime: bool,
    pub start_by: Option<NaiveDateTime>,
    pub complete_by: Option<NaiveDateTime>,
    pub category_id: Option<i64>,
    pub work_task_id: Option<i64>,
    pub location_detail: Option<String>,
    pub estimate: Option<i64>,
    pub different_level_from_previous: bool,
}

/// The page's defaults: manual, should_execute and different_level_from_previous true;
/// execute_anytime, own_version, procedure and on_plan false.
impl Default for StepFields {
    fn default() -> Self {
        StepFields {
            name: None,
            description: None,
            request_id: None,
            procedure_id: None,
            parent_id: None,
            owner_id: None,
            owner_type: None,
            manual: true,
            procedure: false,
            script_id: None,
            script_type: None,
            installed_component_id: None,
            component_id: None,
            component_version: None,
            own_version: false,
            version_tag_id: None,
            custom_ticket_id: None,
            release_content_item_id: None,
            change_request_id: None,
            completion_state: None,
            on_plan: false,
            package_template_id: None,
            package_template_properties: None,
            phase_id: None,
            runtime_phase_id: None,
            should_execute: true,
            execute_anytime: false,
            start_by: None,
            complete_by: None,
            category_id: None,
            work_task_id: None,
            location_detail: None,
            estimate: None,
            different_level_from_previous: true,
        }
    }
}

impl StepFields {
    /// The page's rules between attributes; that references exist is the store's part.
    pub fn validate(&self) -> Errors {
        let mut errors = Errors::new();
        // "owner_id (required unless a procedure)"
        if self.owner_id.is_none() && !self.procedure {
            errors.add("owner_id", messages::BLANK);
        }
        // "owner_type (User, Group)": needed as soon as there is an owner.
        let owner_type_needed = self.owner_id.is_some() || self.owner_type.is_some();
        if owner_type_needed
            && !self
                .owner_type
                .as_deref()
                .is_some_and(|t| OWNER_TYPES.contains(&t))
        {
            errors.add("owner_type", messages::NOT_INCLUDED);
        }
        // "script_id ... script_type (required if manual is false)"
        if !self.manual {
            if self.script_id.is_none() {
                errors.add("script_id", messages::BLANK);
            }
            if is_blank(&self.script_type) {
                errors.add("script_type", messages::BLANK);
            }
        }
        if let Some(t) = self.script_type.as_deref().filter(|t| !t.trim().is_empty()) {
            if !SCRIPT_TYPES.contains(&t) {
                errors.add("script_type", messages::NOT_INCLUDED);
            }
        }
        // "request_id (required if not a member of a procedure)"
        if self.request_id.is_none() && self.procedure_id.is_none() {
            errors.add("request_id", messages::BLANK);
        }
        // "procedure_id (required if a member of a procedure)": a step of no request;
        // "procedure ... (procedure_id required if this is true)".
        if self.procedure_id.is_none() && (self.procedure || self.request_id.is_none()) {
            errors.add("procedure_id", messages::BLANK);
        }
        // installed_component_id and component_id go together.
        match (self.installed_component_id, self.component_id) {
            (Some(_), None) => errors.add("component_id", messages::BLANK),
            (None, Some(_)) => errors.add("installed_component_id", messages::BLANK),
            _ => {}
        }
        for (name, value) in [
            ("name", &self.name),
            ("component_version", &self.component_version),
            ("completion_state", &self.completion_state),
            ("location_detail", &self.location_detail),
        ] {
            if value.as_ref().is_some_and(|v| v.chars().count() > 255) {
                errors.add(name, messages::TOO_LONG);
            }
        }
        if self.estimate.is_some_and(|e| e < 0) {
            errors.add("estimate", "must be greater than or equal to 0");
        }
        errors
    }
}

fn is_blank(value: &Option<String>) -> bool {
    value.as_deref().is_none_or(|v| v.trim().is_empty())
}

/// What a POST or PUT may change. `None`: not sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepChanges {
    pub name: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub request_id: Option<Option<i64>>,
    pub procedure_id: Option<Option<i64>>,
    pub parent_id: Option<Option<i64>>,
    pub owner_id: Option<Option<i64>>,
    pub owner_type: Option<Option<String>>,
    pub manual: Option<bool>,
    pub procedure: Option<bool>,
    pub script_id: Option<Option<i64>>,
    pub script_type: Option<Option<String>>,
    pub installed_component_id: Option<Option<i64>>,
    pub component_id: Option<Option<i64>>,
    pub component_version: Option<Option<String>>,
    pub own_version: Option<bool>,
    pub version_tag_id: Option<Option<i64>>,
    pub custom_ticket_id: Option<Option<i64>>,
    pub release_content_item_id: Option<Option<i64>>,
    pub change_request_id: Option<Option<i64>>,
    pub completion_state: Option<Option<String>>,
    pub on_plan: Option<bool>,
    pub package_template_id: Option<Option<i64>>,
    pub package_template_properties: Option<Option<String>>,
    pub phase_id: Option<Option<i64>>,
    pub runtime_phase_id: Option<Option<i64>>,
    pub should_execute: Option<bool>,
    pub execute_anytime: Option<bool>,
    pub start_by: Option<Option<NaiveDateTime>>,
    pub complete_by: Option<Option<NaiveDateTime>>,
    pub category_id: Option<Option<i64>>,
    pub work_task_id: Option<Option<i64>>,
    pub location_detail: Option<Option<String>>,
    pub estimate: Option<Option<i64>>,
    pub different_level_from_previous: Option<bool>,
    /// Given: the step goes there; not given: next in its request, procedure or parent.
    pub position: Option<i64>,
    pub target_server_ids: Option<Vec<i64>>,
    pub alternate_server_ids: Option<Vec<i64>>,
    /// `{"property name": "value"}`, names as sent (matched in any case by the store).
    pub property_values: Option<Vec<(String, Option<String>)>>,
    pub aasm_event: Option<String>,
    pub aasm_state: Option<String>,
}

/// What a step's representation shows that cannot be written: sent back, it is ignored.
const READ_ONLY: &[&str] = &[
    "id",
    "created_at",
    "updated_at",
    "ready_at",
    "work_started_at",
    "work_finished_at",
    "number",
    "all_servers",
    "owner",
    "script",
    "work_task",
    "phase",
    "runtime_phase",
    "installed_component",
    "component",
    "request",
    "category",
    "parent",
];

impl StepChanges {
    /// Reads `{"step": {...}}`; times without an offset are read in `tz`.
    pub fn parse(body: Option<&Value>, tz: Tz) -> Result<StepChanges, Errors> {
        let (body, property_values) = take_property_values(body);
        let mut errors = Errors::new();
        let property_values = match property_values {
            None => None,
            Some(raw) => match read_property_values(raw) {
                Ok(values) => Some(values),
                Err(e) => {
                    errors.extend(e);
                    None
                }
            },
        };
        let mut p = Params::from_body(body.as_ref(), "step")?;
        let position = match p.opt_int("position") {
            Some(Some(n)) if n < 1 => {
                errors.add("position", "must be greater than 0");
                None
            }
            other => other.flatten(),
        };
        let changes = StepChanges {
            name: p.opt_string("name"),
            description: p.opt_string("description"),
            request_id: p.opt_int("request_id"),
            procedure_id: p.opt_int("procedure_id"),
            parent_id: p.opt_int("parent_id"),
            owner_id: p.opt_int("owner_id"),
            owner_type: p.opt_string("owner_type"),
            manual: p.bool("manual"),
            procedure: p.bool("procedure"),
            script_id: p.opt_int("script_id"),
            script_type: p.opt_string("script_type"),
            installed_component_id: p.opt_int("installed_component_id"),
            component_id: p.opt_int("component_id"),
            component_version: p.opt_string("component_version"),
            own_version: p.bool("own_version"),
            version_tag_id: p.opt_int("version_tag_id"),
            custom_ticket_id: p.opt_int("custom_ticket_id"),
            release_content_item_id: p.opt_int("release_content_item_id"),
            change_request_id: p.opt_int("change_request_id"),
            completion_state: p.opt_string("completion_state"),
            on_plan: p.bool("on_plan"),
            package_template_id: p.opt_int("package_template_id"),
            package_template_properties: p.opt_string("package_template_properties"),
            phase_id: p.opt_int("phase_id"),
            runtime_phase_id: p.opt_int("runtime_phase_id"),
            should_execute: p.bool("should_execute"),
            execute_anytime: p.bool("execute_anytime"),
            start_by: p.opt_time("start_by", tz),
            complete_by: p.opt_time("complete_by", tz),
            category_id: p.opt_int("category_id"),
            work_task_id: p.opt_int("work_task_id"),
            location_detail: p.opt_string("location_detail"),
            estimate: p.opt_int("estimate"),
            different_level_from_previous: p.bool("different_level_from_previous"),
            position,
            target_server_ids: p.ids("target_server_ids"),
            alternate_server_ids: p.ids("alternate_server_ids"),
            property_values,
            aasm_event: p
                .opt_string("aasm_event")
                .flatten()
                .filter(|e| !e.trim().is_empty()),
            aasm_state: p
                .opt_string("aasm_state")
                .flatten()
                .filter(|s| !s.trim().is_empty()),
        };
        if let Err(e) = p.finish(READ_ONLY) {
            errors.extend(e);
        }
        errors.into_result().map(|()| changes)
    }

    pub fn apply(&self, f: &mut StepFields) {
        set(&mut f.name, &self.name);
        set(&mut f.description, &self.description);
        set(&mut f.request_id, &self.request_id);
        set(&mut f.procedure_id, &self.procedure_id);
        set(&mut f.parent_id, &self.parent_id);
        set(&mut f.owner_id, &self.owner_id);
        set(&mut f.owner_type, &self.owner_type);
        set(&mut f.manual, &self.manual);
        set(&mut f.procedure, &self.procedure);
        set(&mut f.script_id, &self.script_id);
        set(&mut f.script_type, &self.script_type);
        set(&mut f.installed_component_id, &self.installed_component_id);
        set(&mut f.component_id, &self.component_id);
        set(&mut f.component_version, &self.component_version);
        set(&mut f.own_version, &self.own_version);
        set(&mut f.version_tag_id, &self.version_tag_id);
        set(&mut f.custom_ticket_id, &self.custom_ticket_id);
        set(
            &mut f.release_content_item_id,
            &self.release_content_item_id,
        );
        set(&mut f.change_request_id, &self.change_request_id);
        set(&mut f.completion_state, &self.completion_state);
        set(&mut f.on_plan, &self.on_plan);
        set(&mut f.package_template_id, &self.package_template_id);
        set(
            &mut f.package_template_properties,
            &self.package_template_properties,
        );
        set(&mut f.phase_id, &self.phase_id);
        set(&mut f.runtime_phase_id, &self.runtime_phase_id);
        set(&mut f.should_execute, &self.should_execute);
        set(&mut f.execute_anytime, &self.execute_anytime);
        set(&mut f.start_by, &self.start_by);
        set(&mut f.complete_by, &self.complete_by);
        set(&mut f.category_id, &self.category_id);
        set(&mut f.work_task_id, &self.work_task_id);
        set(&mut f.location_detail, &self.location_detail);
        set(&mut f.estimate, &self.estimate);
        set(
            &mut f.different_level_from_previous,
            &self.different_level_from_previous,
        );
    }
}

/// Takes `property_values` out of the body (Params reads only scalars and id lists).
fn take_property_values(body: Option<&Value>) -> (Option<Value>, Option<Value>) {
    let Some(mut body) = body.cloned() else {
        return (None, None);
    };
    let taken = match body.as_object_mut() {
        Some(top) => match top.get_mut("step") {
            Some(Value::Object(inner)) => inner.remove("property_values"),
            _ => top.remove("property_values"),
        },
        None => None,
    };
    (Some(body), taken)
}

/// `{"name": "value", ...}`; null or "" means none.
fn read_property_values(raw: Value) -> Result<Vec<(String, Option<String>)>, Errors> {
    let invalid = || {
        let mut errors = Errors::new();
        errors.add("property_values", messages::INVALID);
        errors
    };
    match raw {
        Value::Null => Ok(Vec::new()),
        Value::String(s) if s.trim().is_empty() => Ok(Vec::new()),
        Value::Object(map) => map
            .into_iter()
            .map(|(name, value)| match value {
                Value::Null => Ok((name, None)),
                Value::String(s) => Ok((name, Some(s))),
                Value::Number(n) => Ok((name, Some(n.to_string()))),
                Value::Bool(b) => Ok((name, Some(b.to_string()))),
                _ => Err(invalid()),
            })
            .collect(),
        _ => Err(invalid()),
    }
}

/// A step's `number`: its position, or `parent_position.position` inside a procedure step.
pub fn number(position: i64, parent_position: Option<i64>) -> String {
    match parent_position {
        Some(parent) => format!("{parent}.{position}"),
        None => position.to_string(),
    }
}

pub const FILTERS: &[FilterSpec] = &[
    filters::text("aasm_state"),
    filters::text("name"),
    filters::int("request_id"),
    filters::boolean("running"),
    filters::int("owner_id"),
    filters::int("installed_component_id"),
    filters::text("component_version"),
    filters::int("version_tag_id"),
    filters::int("custom_ticket_id"),
    filters::int("package_template_id"),
    filters::int("script_id"),
    filters::int("runtime_phase_id"),
    filters::int("phase_id"),
    filters::int("procedure_id"),
    filters::int("parent_id"),
    filters::int("category_id"),
    filters::int("work_task_id"),
    filters::time("created_after"),
    filters::time("created_before"),
    filters::time("updated_after"),
    filters::time("updated_before"),
];

/// What GET /v1/steps may ask for; each list means "any of".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepFilter {
    pub aasm_state: Option<Vec<String>>,
    pub name: Option<Vec<String>>,
    pub request_id: Option<Vec<i64>>,
    /// true: ready or in_process; false: every other state.
    pub running: Option<bool>,
    pub owner_id: Option<Vec<i64>>,
    pub installed_component_id: Option<Vec<i64>>,
    pub component_version: Option<Vec<String>>,
    pub version_tag_id: Option<Vec<i64>>,
    pub custom_ticket_id: Option<Vec<i64>>,
    pub package_template_id: Option<Vec<i64>>,
    pub script_id: Option<Vec<i64>>,
    pub runtime_phase_id: Option<Vec<i64>>,
    pub phase_id: Option<Vec<i64>>,
    pub procedure_id: Option<Vec<i64>>,
    pub parent_id: Option<Vec<i64>>,
    pub category_id: Option<Vec<i64>>,
    pub work_task_id: Option<Vec<i64>>,
    pub created: TimeRange,
    pub updated: TimeRange,
}

impl StepFilter {
    /// Times without an offset are read in `tz`.
    pub fn parse(raw: &Map<String, Value>, tz: Tz) -> Result<StepFilter, Errors> {
        let f = Filters::parse_in(raw, FILTERS, tz)?;
        Ok(StepFilter {
            aasm_state: f.strs("aasm_state"),
            name: f.strs("name"),
            request_id: f.ints("request_id"),
            running: f.bool("running"),
            owner_id: f.ints("owner_id"),
            installed_component_id: f.ints("installed_component_id"),
            component_version: f.strs("component_version"),
            version_tag_id: f.ints("version_tag_id"),
            custom_ticket_id: f.ints("custom_ticket_id"),
            package_template_id: f.ints("package_template_id"),
            script_id: f.ints("script_id"),
            runtime_phase_id: f.ints("runtime_phase_id"),
            phase_id: f.ints("phase_id"),
            procedure_id: f.ints("procedure_id"),
            parent_id: f.ints("parent_id"),
            category_id: f.ints("category_id"),
            work_task_id: f.ints("work_task_id"),
            created: f.time_range("created"),
            updated: f.time_range("updated"),
        })
    }

    /// The state names `running` stands for.
    pub fn running_states(running: bool) -> Vec<String> {
        StepState::STATES
            .iter()
            .filter(|s| StepState::RUNNING.contains(s) == running)
            .map(|s| s.name().to_string())
            .collect()
    }
}

/// Nested records a step's representation shows, loaded by the store for a whole list.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedRef {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Owner {
    User {
        id: i64,
        login: String,
        email: String,
    },
    Group {
        id: i64,
        name: String,
        email: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct AppRef {
    pub id: i64,
    pub name: String,
    pub app_version: Option<String>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ComponentRef {
    pub id: i64,
    pub name: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnvironmentRef {
    pub id: i64,
    pub name: String,
    pub deployment_policy: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InstalledComponentRef {
    pub id: i64,
    pub application_component_id: Option<i64>,
    pub application_environment_id: Option<i64>,
    pub app: AppRef,
    pub component: ComponentRef,
    pub environment: EnvironmentRef,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RequestRef {
    pub id: i64,
    pub name: Option<String>,
    pub aasm_state: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParentRef {
    pub id: i64,
    pub name: Option<String>,
    pub position: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServerRef {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub parent_id: Option<i64>,
    pub server_level_id: Option<i64>,
    /// The level's name, for grouping; `None` when the server has no level.
    pub server_level_name: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl ServerRef {
    /// What names the group the server is listed under in `all_servers`: its level's name,
    /// or `none`. Servers sort into their groups by it.
    pub fn group(&self) -> &str {
        self.server_level_name.as_deref().unwrap_or("none")
    }

    /// The key of the group the server is listed under in `all_servers`.
    pub fn group_key(&self) -> String {
        format!("Server Level Group: {}", self.group())
    }
}

/// A step with everything its representation shows.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    pub step: Step,
    pub number: String,
    /// (property name, value), in property order.
    pub property_values: Vec<(String, Option<String>)>,
    pub target_servers: Vec<ServerRef>,
    pub alternate_servers: Vec<ServerRef>,
    pub available_servers: Vec<ServerRef>,
    pub owner: Option<Owner>,
    pub script: Option<NamedRef>,
    pub work_task: Option<NamedRef>,
    pub phase: Option<NamedRef>,
    pub runtime_phase: Option<NamedRef>,
    pub installed_component: Option<InstalledComponentRef>,
    pub component: Option<NamedRef>,
    pub request: Option<RequestRef>,
    pub category: Option<NamedRef>,
    pub parent: Option<ParentRef>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn valid() -> StepFields {
        StepFields {
            request_id: Some(1),
            owner_id: Some(1),
            owner_type: Some("User".into()),
            ..StepFields::default()
        }
    }

    #[test]
    fn defaults_are_the_pages() {
        let f = StepFields::default();
        assert!(f.manual && f.should_execute && f.different_level_from_previous);
        assert!(!f.execute_anytime && !f.own_version && !f.procedure && !f.on_plan);
        assert!(valid().validate().is_empty());
    }

    #[test]
    fn the_pages_rules() {
        assert_eq!(
            StepFields::default().validate().grouped(),
            vec![
                ("owner_id", vec![messages::BLANK]),
                ("request_id", vec![messages::BLANK]),
                ("procedure_id", vec![messages::BLANK]),
            ]
        );
        let f = StepFields {
            owner_type: Some("Robot".into()),
            manual: false,
            installed_component_id: Some(3),
            ..valid()
        };
        assert_eq!(
            f.validate().grouped(),
            vec![
                ("owner_type", vec![messages::NOT_INCLUDED]),
                ("script_id", vec![messages::BLANK]),
                ("script_type", vec![messages::BLANK]),
                ("component_id", vec![messages::BLANK]),
            ]
        );
        let container = StepFields {
            procedure: true,
            owner_id: None,
            owner_type: None,
            ..valid()
        };
        assert_eq!(
            container.validate().grouped(),
            vec![("procedure_id", vec![messages::BLANK])]
        );
        let member = StepFields {
            request_id: None,
            procedure_id: Some(2),
            ..valid()
        };
        assert!(member.validate().is_empty());
    }

    #[test]
    fn changes_parse_property_values_and_times() {
        let c = StepChanges::parse(
            Some(&json!({"step": {"name": "x", "property_values": {"Prop": "v", "n": 5}, "start_by": "2014-09-29T12:15:00-04:00", "number": "3"}})),
            Tz::UTC,
        )
        .unwrap();
        assert_eq!(c.name, Some(Some("x".into())));
        assert_eq!(
            c.property_values,
            Some(vec![
                ("Prop".into(), Some("v".into())),
                ("n".into(), Some("5".into()))
            ])
        );
        assert!(c.start_by.unwrap().is_some());
        let err = StepChanges::parse(
            Some(&json!({"step": {"manual": "maybe", "estimate": "x", "start_by": "soon", "colour": 1}})),
            Tz::UTC,
        )
        .unwrap_err();
        assert_eq!(
            err.grouped(),
            vec![
                ("manual", vec![messages::NOT_INCLUDED]),
                ("start_by", vec![messages::NOT_A_TIME]),
                ("estimate", vec![messages::NOT_A_NUMBER]),
                ("colour", vec![messages::UNKNOWN_ATTRIBUTE]),
            ]
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(number(2, None), "2");
        assert_eq!(number(3, Some(1)), "1.3");
    }

    #[test]
    fn running_states() {
        assert_eq!(
            StepFilter::running_states(true),
            vec!["ready", "in_process"]
        );
        assert_eq!(StepFilter::running_states(false).len(), 5);
    }
}
