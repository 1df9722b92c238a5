//! Server levels: servers are grouped by level (a step's servers are shown per level).

use crate::errors::Errors;
use crate::filters::{self, FilterSpec, Filters};
use crate::params::Params;
use crate::user::{set, validate_name};
use chrono::NaiveDateTime;
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct ServerLevel {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Another record as a representation names it: `{id, name}`.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedRef {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServerLevelRecord {
    pub server_level: ServerLevel,
    /// Its servers, by id.
    pub servers: Vec<NamedRef>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServerLevelFields {
    pub name: String,
    pub description: Option<String>,
}

impl From<&ServerLevel> for ServerLevelFields {
    fn from(level: &ServerLevel) -> Self {
        ServerLevelFields {
            name: level.name.clone(),
            description: level.description.clone(),
        }
    }
}

impl ServerLevelFields {
    pub fn validate(&self) -> Errors {
        let mut errors = Errors::new();
        validate_name(&mut errors, "name", &self.name);
        errors
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServerLevelChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
}

const READ_ONLY: &[&str] = &["id", "created_at", "updated_at", "servers"];

impl ServerLevelChanges {
    pub fn parse(body: Option<&Value>) -> Result<ServerLevelChanges, Errors> {
        let mut p = Params::from_body(body, "server_level")?;
        let changes = ServerLevelChanges {
            name: p.string("name"),
            description: p.opt_string("description"),
        };
        p.finish(READ_ONLY)?;
        Ok(changes)
    }

    pub fn apply(&self, fields: &mut ServerLevelFields) {
        set(&mut fields.name, &self.name);
        set(&mut fields.description, &self.description);
    }
}

pub const FILTERS: &[FilterSpec] = &[filters::text("name")];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServerLevelFilter {
    pub name: Option<Vec<String>>,
}

impl ServerLevelFilter {
    pub fn parse(raw: &Map<String, Value>) -> Result<ServerLevelFilter, Errors> {
        let f = Filters::parse(raw, FILTERS)?;
        Ok(ServerLevelFilter {
            name: f.strs("name"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn name_is_required() {
        assert_eq!(
            ServerLevelFields::default().validate().grouped(),
            vec![("name", vec!["can't be blank"])]
        );
    }

    #[test]
    fn a_representation_sent_back_is_accepted() {
        let body = json!({"server_level": {"id": 1, "name": "Web", "servers": [{"id": 2}]}});
        let changes = ServerLevelChanges::parse(Some(&body)).unwrap();
        assert_eq!(changes.name.as_deref(), Some("Web"));
        let err = ServerLevelChanges::parse(Some(&json!({"colour": "red"}))).unwrap_err();
        assert_eq!(
            err.grouped(),
            vec![("colour", vec!["is not a known attribute"])]
        );
    }
}
