//! Runtime phases: the stages inside a phase.

use crate::errors::{messages, Errors};
use crate::filters::{self, FilterSpec, Filters};
use crate::params::Params;
use crate::phase::validate_position;
pub use crate::server_level::NamedRef;
use crate::user::{set, validate_name};
use chrono::NaiveDateTime;
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct RuntimePhase {
    pub id: i64,
    pub phase_id: i64,
    pub name: String,
    pub position: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RuntimePhaseRecord {
    pub runtime_phase: RuntimePhase,
    pub phase: NamedRef,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuntimePhaseFields {
    pub phase_id: Option<i64>,
    pub name: String,
    /// `None` on create: the next after the last of its phase.
    pub position: Option<i64>,
}

impl From<&RuntimePhase> for RuntimePhaseFields {
    fn from(rp: &RuntimePhase) -> Self {
        RuntimePhaseFields {
            phase_id: Some(rp.phase_id),
            name: rp.name.clone(),
            position: Some(rp.position),
        }
    }
}

impl RuntimePhaseFields {
    pub fn validate(&self) -> Errors {
        let mut errors = Errors::new();
        if self.phase_id.is_none() {
            errors.add("phase_id", messages::BLANK);
        }
        validate_name(&mut errors, "name", &self.name);
        validate_position(&mut errors, self.position);
        errors
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuntimePhaseChanges {
    pub phase_id: Option<Option<i64>>,
    pub name: Option<String>,
    pub position: Option<i64>,
}

const READ_ONLY: &[&str] = &["id", "created_at", "updated_at", "phase"];

impl RuntimePhaseChanges {
    pub fn parse(body: Option<&Value>) -> Result<RuntimePhaseChanges, Errors> {
        let mut p = Params::from_body(body, "runtime_phase")?;
        let changes = RuntimePhaseChanges {
            phase_id: p.opt_int("phase_id"),
            name: p.string("name"),
            position: p.opt_int("position").flatten(),
        };
        p.finish(READ_ONLY)?;
        Ok(changes)
    }

    pub fn apply(&self, fields: &mut RuntimePhaseFields) {
        set(&mut fields.phase_id, &self.phase_id);
        set(&mut fields.name, &self.name);
        if self.position.is_some() {
            fields.position = self.position;
        }
    }
}

pub const FILTERS: &[FilterSpec] = &[filters::text("name"), filters::int("phase_id")];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuntimePhaseFilter {
    pub name: Option<Vec<String>>,
    pub phase_id: Option<Vec<i64>>,
}

impl RuntimePhaseFilter {
    pub fn parse(raw: &Map<String, Value>) -> Result<RuntimePhaseFilter, Errors> {
        let f = Filters::parse(raw, FILTERS)?;
        Ok(RuntimePhaseFilter {
            name: f.strs("name"),
            phase_id: f.ints("phase_id"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn phase_and_name_are_required() {
        assert_eq!(
            RuntimePhaseFields::default().validate().grouped(),
            vec![
                ("phase_id", vec!["can't be blank"]),
                ("name", vec!["can't be blank"])
            ]
        );
        let changes = RuntimePhaseChanges::parse(Some(
            &json!({"runtime_phase": {"phase_id": null, "name": "a"}}),
        ))
        .unwrap();
        let mut fields = RuntimePhaseFields {
            phase_id: Some(1),
            ..RuntimePhaseFields::default()
        };
        changes.apply(&mut fields);
        assert!(fields.validate().has("phase_id"), "null clears it");
    }
}
