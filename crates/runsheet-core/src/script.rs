//! Scripts: the automations automated steps run.

use crate::errors::{messages, Errors};
use crate::filters::{self, FilterSpec, Filters};
use crate::params::Params;
use crate::user::{set, validate_name};
use chrono::NaiveDateTime;
use serde_json::{Map, Value};

/// The script types the docs name; the first is the default.
pub const SCRIPT_TYPES: &[&str] = &[
    "General",
    "BladelogicScript",
    "HudsonScript",
    "CapistranoScript",
    "RemoteScript",
];

/// A script's life cycle; the first is the initial state.
pub const STATES: &[&str] = &["draft", "pending", "released", "retired", "archived"];

#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub script_type: String,
    pub content: String,
    pub aasm_state: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScriptFields {
    pub name: String,
    pub description: Option<String>,
    pub script_type: String,
    pub content: String,
    pub aasm_state: String,
}

impl Default for ScriptFields {
    fn default() -> Self {
        ScriptFields {
            name: String::new(),
            description: None,
            script_type: SCRIPT_TYPES[0].to_string(),
            content: String::new(),
            aasm_state: STATES[0].to_string(),
        }
    }
}

impl From<&Script> for ScriptFields {
    fn from(s: &Script) -> Self {
        ScriptFields {
            name: s.name.clone(),
            description: s.description.clone(),
            script_type: s.script_type.clone(),
            content: s.content.clone(),
            aasm_state: s.aasm_state.clone(),
        }
    }
}

impl ScriptFields {
    pub fn validate(&self) -> Errors {
        let mut errors = Errors::new();
        validate_name(&mut errors, "name", &self.name);
        if !SCRIPT_TYPES.contains(&self.script_type.as_str()) {
            errors.add("script_type", messages::NOT_INCLUDED);
        }
        if !STATES.contains(&self.aasm_state.as_str()) {
            errors.add("aasm_state", messages::NOT_INCLUDED);
        }
        errors
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScriptChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub script_type: Option<String>,
    pub content: Option<String>,
    pub aasm_state: Option<String>,
}

const READ_ONLY: &[&str] = &["id", "created_at", "updated_at"];

impl ScriptChanges {
    pub fn parse(body: Option<&Value>) -> Result<ScriptChanges, Errors> {
        let mut p = Params::from_body(body, "script")?;
        let changes = ScriptChanges {
            name: p.string("name"),
            description: p.opt_string("description"),
            script_type: p.string("script_type"),
            // No script is a script with no text.
            content: p.string("content"),
            aasm_state: p.string("aasm_state"),
        };
        p.finish(READ_ONLY)?;
        Ok(changes)
    }

    pub fn apply(&self, fields: &mut ScriptFields) {
        set(&mut fields.name, &self.name);
        set(&mut fields.description, &self.description);
        set(&mut fields.script_type, &self.script_type);
        set(&mut fields.content, &self.content);
        set(&mut fields.aasm_state, &self.aasm_state);
    }
}

pub const FILTERS: &[FilterSpec] = &[
    filters::text("name"),
    filters::text("script_type"),
    filters::text("aasm_state"),
];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScriptFilter {
    pub name: Option<Vec<String>>,
    pub script_type: Option<Vec<String>>,
    pub aasm_state: Option<Vec<String>>,
}

impl ScriptFilter {
    pub fn parse(raw: &Map<String, Value>) -> Result<ScriptFilter, Errors> {
        let f = Filters::parse(raw, FILTERS)?;
        Ok(ScriptFilter {
            name: f.strs("name"),
            script_type: f.strs("script_type"),
            aasm_state: f.strs("aasm_state"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_and_inclusion() {
        let mut fields = ScriptFields {
            name: "deploy".into(),
            ..ScriptFields::default()
        };
        assert_eq!(
            (fields.script_type.as_str(), fields.aasm_state.as_str()),
            ("General", "draft")
        );
        assert!(fields.validate().is_empty());
        ScriptChanges::parse(Some(
            &json!({"script": {"script_type": "Perl", "aasm_state": "gone", "content": null}}),
        ))
        .unwrap()
        .apply(&mut fields);
        assert_eq!(fields.content, "");
        assert_eq!(
            fields.validate().grouped(),
            vec![
                ("script_type", vec!["is not included in the list"]),
                ("aasm_state", vec!["is not included in the list"])
            ]
        );
    }
}
