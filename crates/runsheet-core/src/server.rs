//! Servers: machines a step's work runs on, grouped by level, possibly inside another server.

use crate::errors::Errors;
use crate::filters::{self, activity, FilterSpec, Filters};
use crate::params::Params;
pub use crate::server_level::NamedRef;
use crate::user::{set, validate_name};
use chrono::NaiveDateTime;
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub ip_address: Option<String>,
    pub os_platform: Option<String>,
    pub active: bool,
    pub server_level_id: Option<i64>,
    pub parent_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Server {
    /// The original's polymorphic parent: only servers stand inside servers here.
    pub fn parent_type(&self) -> Option<&'static str> {
        self.parent_id.map(|_| "Server")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServerRecord {
    pub server: Server,
    pub server_level: Option<NamedRef>,
    /// Its environments, by id.
    pub environments: Vec<NamedRef>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServerFields {
    pub name: String,
    pub description: Option<String>,
    pub ip_address: Option<String>,
    pub os_platform: Option<String>,
    pub active: bool,
    pub server_level_id: Option<i64>,
    pub parent_id: Option<i64>,
}

impl Default for ServerFields {
    fn default() -> Self {
        ServerFields {
            name: String::new(),
            description: None,
            ip_address: None,
            os_platform: None,
            active: true,
            server_level_id: None,
            parent_id: None,
        }
    }
}

impl From<&Server> for ServerFields {
    fn from(s: &Server) -> Self {
        ServerFields {
            name: s.name.clone(),
            description: s.description.clone(),
            ip_address: s.ip_address.clone(),
            os_platform: s.os_platform.clone(),
            active: s.active,
            server_level_id: s.server_level_id,
            parent_id: s.parent_id,
        }
    }
}

/// A server that would stand inside itself.
pub const OWN_PARENT: &str = "cannot be the server itself or one of the servers inside it";

impl ServerFields {
    /// The rules that need no database; `id` is the server's own (None when new).
    pub fn validate(&self, id: Option<i64>) -> Errors {
        let mut errors = Errors::new();
        validate_name(&mut errors, "name", &self.name);
        if id.is_some() && self.parent_id == id {
            errors.add("parent_id", OWN_PARENT);
        }
        errors
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServerChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub ip_address: Option<Option<String>>,
    pub os_platform: Option<Option<String>>,
    pub active: Option<bool>,
    pub server_level_id: Option<Option<i64>>,
    pub parent_id: Option<Option<i64>>,
    pub environment_ids: Option<Vec<i64>>,
}

const READ_ONLY: &[&str] = &[
    "id",
    "created_at",
    "updated_at",
    "parent_type",
    "server_level",
    "environments",
];

impl ServerChanges {
    pub fn parse(body: Option<&Value>) -> Result<ServerChanges, Errors> {
        let mut p = Params::from_body(body, "server")?;
        let changes = ServerChanges {
            name: p.string("name"),
            description: p.opt_string("description"),
            ip_address: p.opt_string("ip_address"),
            os_platform: p.opt_string("os_platform"),
            active: p.bool("active"),
            server_level_id: p.opt_int("server_level_id"),
            parent_id: p.opt_int("parent_id"),
            environment_ids: p.ids("environment_ids"),
        };
        p.finish(READ_ONLY)?;
        Ok(changes)
    }

    pub fn apply(&self, fields: &mut ServerFields) {
        set(&mut fields.name, &self.name);
        set(&mut fields.description, &self.description);
        set(&mut fields.ip_address, &self.ip_address);
        set(&mut fields.os_platform, &self.os_platform);
        set(&mut fields.active, &self.active);
        set(&mut fields.server_level_id, &self.server_level_id);
        set(&mut fields.parent_id, &self.parent_id);
    }
}

pub const FILTERS: &[FilterSpec] = &[
    filters::text("name"),
    filters::int("server_level_id"),
    filters::int("environment_id"),
    filters::boolean("active"),
    filters::boolean("inactive"),
];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServerFilter {
    pub name: Option<Vec<String>>,
    pub server_level_id: Option<Vec<i64>>,
    pub environment_id: Option<Vec<i64>>,
    /// The `active` values shown (active servers only unless asked).
    pub active: Vec<bool>,
}

impl ServerFilter {
    pub fn parse(raw: &Map<String, Value>) -> Result<ServerFilter, Errors> {
        let f = Filters::parse(raw, FILTERS)?;
        Ok(ServerFilter {
            name: f.strs("name"),
            server_level_id: f.ints("server_level_id"),
            environment_id: f.ints("environment_id"),
            active: activity(&f),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_server_may_not_stand_inside_itself() {
        let fields = ServerFields {
            name: "web1".into(),
            parent_id: Some(4),
            ..ServerFields::default()
        };
        assert!(fields.validate(None).is_empty());
        assert!(fields.validate(Some(5)).is_empty());
        assert_eq!(
            fields.validate(Some(4)).grouped(),
            vec![("parent_id", vec![OWN_PARENT])]
        );
    }

    #[test]
    fn changes_and_filters() {
        let changes = ServerChanges::parse(Some(&json!({"server": {
            "name": "web1", "server_level_id": "3", "parent_id": null, "environment_ids": [2, 1],
            "parent_type": "Server", "server_level": {"id": 3}
        }})))
        .unwrap();
        assert_eq!(changes.server_level_id, Some(Some(3)));
        assert_eq!(changes.parent_id, Some(None));
        assert_eq!(changes.environment_ids, Some(vec![1, 2]));
        let err = ServerChanges::parse(Some(&json!({"server": {"parent_id": "x"}}))).unwrap_err();
        assert_eq!(err.grouped(), vec![("parent_id", vec!["is not a number"])]);

        let f = ServerFilter::parse(json!({"environment_id": "2"}).as_object().unwrap()).unwrap();
        assert_eq!(f.environment_id, Some(vec![2]));
        assert_eq!(f.active, vec![true]);
    }
}
