//! Phases: the ordered stages of a release a step may belong to; each has runtime phases.

use crate::errors::Errors;
use crate::filters::{self, FilterSpec, Filters};
use crate::params::Params;
use crate::user::{set, validate_name};
use chrono::NaiveDateTime;
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    pub id: i64,
    pub name: String,
    pub position: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A runtime phase as listed inside its phase.
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimePhaseRef {
    pub id: i64,
    pub name: String,
    pub position: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PhaseRecord {
    pub phase: Phase,
    /// By position, then id.
    pub runtime_phases: Vec<RuntimePhaseRef>,
}

/// Positions count from 1.
pub const POSITION_TOO_SMALL: &str = "must be greater than 0";

/// A position, when given, is at least 1 (a missing one is the next after the last).
pub fn validate_position(errors: &mut Errors, position: Option<i64>) {
    if position.is_some_and(|p| p < 1) {
        errors.add("position", POSITION_TOO_SMALL);
    }
}

/// A name and a position: what phases and work tasks are made of.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PositionedFields {
    pub name: String,
    /// `None` on create: the next after the last.
    pub position: Option<i64>,
}

impl PositionedFields {
    pub fn validate(&self) -> Errors {
        let mut errors = Errors::new();
        validate_name(&mut errors, "name", &self.name);
        validate_position(&mut errors, self.position);
        errors
    }
}

impl From<&Phase> for PositionedFields {
    fn from(phase: &Phase) -> Self {
        PositionedFields {
            name: phase.name.clone(),
            position: Some(phase.position),
        }
    }
}

/// The writable attributes of a phase or a work task. A null or blank position is the same
/// as none sent: it keeps the current one (on create: the next after the last).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PositionedChanges {
    pub name: Option<String>,
    pub position: Option<i64>,
}

impl PositionedChanges {
    /// Reads `{root: {name, position}}`; `read_only` names what else a representation shows.
    pub fn parse_under(
        body: Option<&Value>,
        root: &str,
        read_only: &[&str],
    ) -> Result<PositionedChanges, Errors> {
        let mut p = Params::from_body(body, root)?;
        let changes = PositionedChanges {
            name: p.string("name"),
            position: p.opt_int("position").flatten(),
        };
        p.finish(read_only)?;
        Ok(changes)
    }

    pub fn apply(&self, fields: &mut PositionedFields) {
        set(&mut fields.name, &self.name);
        if self.position.is_some() {
            fields.position = self.position;
        }
    }
}

/// A phase's changes: a name and a position.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PhaseChanges(pub PositionedChanges);

const READ_ONLY: &[&str] = &["id", "created_at", "updated_at", "runtime_phases"];

impl PhaseChanges {
    pub fn parse(body: Option<&Value>) -> Result<PhaseChanges, Errors> {
        PositionedChanges::parse_under(body, "phase", READ_ONLY).map(PhaseChanges)
    }
}

pub const FILTERS: &[FilterSpec] = &[filters::text("name")];

/// Phases and work tasks are filtered by name only.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NameFilter {
    pub name: Option<Vec<String>>,
}

impl NameFilter {
    pub fn parse(raw: &Map<String, Value>) -> Result<NameFilter, Errors> {
        let f = Filters::parse(raw, FILTERS)?;
        Ok(NameFilter {
            name: f.strs("name"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn name_required_position_positive() {
        let fields = PositionedFields {
            name: " ".into(),
            position: Some(0),
        };
        assert_eq!(
            fields.validate().grouped(),
            vec![
                ("name", vec!["can't be blank"]),
                ("position", vec![POSITION_TOO_SMALL])
            ]
        );
    }

    #[test]
    fn a_null_position_keeps_the_current_one() {
        let changes = PhaseChanges::parse(Some(
            &json!({"phase": {"position": null, "runtime_phases": []}}),
        ))
        .unwrap();
        let mut fields = PositionedFields {
            name: "Build".into(),
            position: Some(3),
        };
        changes.0.apply(&mut fields);
        assert_eq!(fields.position, Some(3));
        let err = PhaseChanges::parse(Some(&json!({"phase": {"position": "first"}}))).unwrap_err();
        assert_eq!(err.grouped(), vec![("position", vec!["is not a number"])]);
    }
}
