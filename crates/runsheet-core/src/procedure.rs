//! Free-floating procedures: steps kept outside any request, to be copied into requests.

use crate::errors::{messages, Errors};
use crate::filters::{self, FilterSpec, Filters};
use crate::params::Params;
use crate::user::{set, validate_name};
use chrono::NaiveDateTime;
use serde_json::{Map, Value};

/// The states of a procedure, as of a script.
pub const STATES: &[&str] = &["draft", "pending", "released", "retired", "archived"];

/// Request states a procedure can no longer be added to.
pub const CLOSED_REQUEST_STATES: &[&str] = &["complete", "cancelled", "deleted"];

#[derive(Debug, Clone, PartialEq)]
pub struct Procedure {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub aasm_state: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A step as listed inside its procedure.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcedureStepRef {
    pub id: i64,
    pub name: Option<String>,
    pub position: i64,
    pub manual: bool,
    pub aasm_state: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProcedureRecord {
    pub procedure: Procedure,
    /// Its own top-level steps, by position.
    pub steps: Vec<ProcedureStepRef>,
}

/// A step of a request as `add_to_request` shows what it made.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRef {
    pub id: i64,
    pub name: Option<String>,
    pub position: i64,
}

/// The procedure step `add_to_request` made in a request, with its children.
#[derive(Debug, Clone, PartialEq)]
pub struct AddedProcedure {
    pub step: StepRef,
    pub procedure: bool,
    pub request_id: i64,
    pub steps: Vec<StepRef>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProcedureFields {
    pub name: String,
    pub description: Option<String>,
    pub aasm_state: String,
}

impl Default for ProcedureFields {
    fn default() -> Self {
        ProcedureFields {
            name: String::new(),
            description: None,
            aasm_state: "draft".into(),
        }
    }
}

impl From<&Procedure> for ProcedureFields {
    fn from(p: &Procedure) -> Self {
        ProcedureFields {
            name: p.name.clone(),
            description: p.description.clone(),
            aasm_state: p.aasm_state.clone(),
        }
    }
}

impl ProcedureFields {
    pub fn validate(&self) -> Errors {
        let mut errors = Errors::new();
        validate_name(&mut errors, "name", &self.name);
        if !STATES.contains(&self.aasm_state.as_str()) {
            errors.add("aasm_state", messages::NOT_INCLUDED);
        }
        errors
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProcedureChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub aasm_state: Option<String>,
}

const READ_ONLY: &[&str] = &["id", "created_at", "updated_at", "steps"];

impl ProcedureChanges {
    pub fn parse(body: Option<&Value>) -> Result<ProcedureChanges, Errors> {
        let mut p = Params::from_body(body, "procedure")?;
        let changes = ProcedureChanges {
            name: p.string("name"),
            description: p.opt_string("description"),
            aasm_state: p.string("aasm_state"),
        };
        p.finish(READ_ONLY)?;
        Ok(changes)
    }

    pub fn apply(&self, fields: &mut ProcedureFields) {
        set(&mut fields.name, &self.name);
        set(&mut fields.description, &self.description);
        set(&mut fields.aasm_state, &self.aasm_state);
    }
}

/// Reads the request a procedure is to be added to: `request_id` in the body (under a
/// `procedure` root or not), else in the query string.
pub fn parse_request_id(body: Option<&Value>, query: &Map<String, Value>) -> Result<i64, Errors> {
    let mut p = Params::from_body(body, "procedure")?;
    let from_body = p.opt_int("request_id");
    p.finish(&[])?;
    let id = match from_body {
        Some(id) => id,
        None => {
            let mut q = Params::from_map(
                query
                    .get("request_id")
                    .map(|v| Map::from_iter([("request_id".to_string(), v.clone())]))
                    .unwrap_or_default(),
            );
            let id = q.opt_int("request_id").flatten();
            q.finish(&[])?;
            id
        }
    };
    id.ok_or_else(|| {
        let mut errors = Errors::new();
        errors.add("request_id", messages::BLANK);
        errors
    })
}

/// Why a request in `state` cannot take a procedure, if it cannot.
pub fn request_not_editable(state: &str) -> Option<Errors> {
    CLOSED_REQUEST_STATES.contains(&state).then(|| {
        let mut errors = Errors::new();
        errors.add("request_id", format!("is not editable in state {state}"));
        errors
    })
}

pub const FILTERS: &[FilterSpec] = &[filters::text("name"), filters::text("aasm_state")];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProcedureFilter {
    pub name: Option<Vec<String>>,
    pub aasm_state: Option<Vec<String>>,
}

impl ProcedureFilter {
    pub fn parse(raw: &Map<String, Value>) -> Result<ProcedureFilter, Errors> {
        let f = Filters::parse(raw, FILTERS)?;
        Ok(ProcedureFilter {
            name: f.strs("name"),
            aasm_state: f.strs("aasm_state"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn state_is_one_of_the_five() {
        let mut fields = ProcedureFields {
            name: "Deploy".into(),
            ..ProcedureFields::default()
        };
        assert!(fields.validate().is_empty());
        fields.aasm_state = "done".into();
        assert_eq!(
            fields.validate().grouped(),
            vec![("aasm_state", vec!["is not included in the list"])]
        );
    }

    #[test]
    fn the_request_id_comes_from_the_body_or_the_query() {
        let none = Map::new();
        let query = json!({"request_id": "7"});
        let query = query.as_object().unwrap();
        assert_eq!(
            parse_request_id(Some(&json!({"request_id": 3})), &none),
            Ok(3)
        );
        assert_eq!(
            parse_request_id(Some(&json!({"procedure": {"request_id": "4"}})), query),
            Ok(4)
        );
        assert_eq!(parse_request_id(None, query), Ok(7));
        let missing = parse_request_id(None, &none).unwrap_err();
        assert_eq!(
            missing.grouped(),
            vec![("request_id", vec!["can't be blank"])]
        );
        let bad = parse_request_id(Some(&json!({"request_id": "x"})), &none).unwrap_err();
        assert_eq!(bad.grouped(), vec![("request_id", vec!["is not a number"])]);
        let other = parse_request_id(Some(&json!({"request_id": 1, "step": 2})), &none);
        assert!(other.is_err());
    }

    #[test]
    fn closed_requests_are_named() {
        assert!(request_not_editable("planned").is_none());
        let errors = request_not_editable("complete").unwrap();
        assert_eq!(
            errors.grouped(),
            vec![("request_id", vec!["is not editable in state complete"])]
        );
    }
}
