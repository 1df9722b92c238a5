//! Components: the parts of apps that are installed in environments.

use crate::app::Named;
use crate::errors::Errors;
use crate::filters::{self, activity, FilterSpec, Filters};
use crate::params::Params;
use crate::user::{set, validate_name};
use chrono::NaiveDateTime;
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    pub id: i64,
    pub name: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ComponentRecord {
    pub component: Component,
    pub apps: Vec<Named>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ComponentFields {
    pub name: String,
    pub active: bool,
}

impl Default for ComponentFields {
    fn default() -> Self {
        ComponentFields {
            name: String::new(),
            active: true,
        }
    }
}

impl From<&Component> for ComponentFields {
    fn from(c: &Component) -> Self {
        ComponentFields {
            name: c.name.clone(),
            active: c.active,
        }
    }
}

impl ComponentFields {
    pub fn validate(&self) -> Errors {
        let mut errors = Errors::new();
        validate_name(&mut errors, "name", &self.name);
        errors
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ComponentChanges {
    pub name: Option<String>,
    pub active: Option<bool>,
}

const READ_ONLY: &[&str] = &["id", "created_at", "updated_at", "apps"];

impl ComponentChanges {
    pub fn parse(body: Option<&Value>) -> Result<ComponentChanges, Errors> {
        let mut p = Params::from_body(body, "component")?;
        let changes = ComponentChanges {
            name: p.string("name"),
            active: p.bool("active"),
        };
        p.finish(READ_ONLY)?;
        Ok(changes)
    }

    pub fn apply(&self, fields: &mut ComponentFields) {
        set(&mut fields.name, &self.name);
        set(&mut fields.active, &self.active);
    }

    pub fn deactivate() -> ComponentChanges {
        ComponentChanges {
            active: Some(false),
            ..ComponentChanges::default()
        }
    }
}

pub const FILTERS: &[FilterSpec] = &[
    filters::text("name"),
    filters::boolean("active"),
    filters::boolean("inactive"),
    filters::int("app_id"),
];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ComponentFilter {
    pub name: Option<Vec<String>>,
    pub active: Vec<bool>,
    pub app_id: Option<Vec<i64>>,
}

impl ComponentFilter {
    pub fn parse(raw: &Map<String, Value>) -> Result<ComponentFilter, Errors> {
        let f = Filters::parse(raw, FILTERS)?;
        Ok(ComponentFilter {
            name: f.strs("name"),
            active: activity(&f),
            app_id: f.ints("app_id"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn name_is_required() {
        assert!(ComponentFields::default().validate().has("name"));
        let changes =
            ComponentChanges::parse(Some(&json!({"component": {"name": "db", "apps": []}})))
                .unwrap();
        assert_eq!(changes.name.as_deref(), Some("db"));
    }
}
