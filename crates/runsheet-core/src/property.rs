//! Properties: named settings whose values installed components (and steps) carry.

use crate::errors::Errors;
use crate::filters::{self, activity, FilterSpec, Filters};
use crate::params::Params;
use crate::user::{set, validate_name};
use chrono::NaiveDateTime;
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    pub id: i64,
    pub name: String,
    pub default_value: Option<String>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PropertyFields {
    pub name: String,
    pub default_value: Option<String>,
    pub active: bool,
}

impl Default for PropertyFields {
    fn default() -> Self {
        PropertyFields {
            name: String::new(),
            default_value: None,
            active: true,
        }
    }
}

impl From<&Property> for PropertyFields {
    fn from(p: &Property) -> Self {
        PropertyFields {
            name: p.name.clone(),
            default_value: p.default_value.clone(),
            active: p.active,
        }
    }
}

impl PropertyFields {
    pub fn validate(&self) -> Errors {
        let mut errors = Errors::new();
        validate_name(&mut errors, "name", &self.name);
        errors
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PropertyChanges {
    pub name: Option<String>,
    pub default_value: Option<Option<String>>,
    pub active: Option<bool>,
}

const READ_ONLY: &[&str] = &["id", "created_at", "updated_at"];

impl PropertyChanges {
    pub fn parse(body: Option<&Value>) -> Result<PropertyChanges, Errors> {
        let mut p = Params::from_body(body, "property")?;
        let changes = PropertyChanges {
            name: p.string("name"),
            default_value: p.opt_string("default_value"),
            active: p.bool("active"),
        };
        p.finish(READ_ONLY)?;
        Ok(changes)
    }

    pub fn apply(&self, fields: &mut PropertyFields) {
        set(&mut fields.name, &self.name);
        set(&mut fields.default_value, &self.default_value);
        set(&mut fields.active, &self.active);
    }

    pub fn deactivate() -> PropertyChanges {
        PropertyChanges {
            active: Some(false),
            ..PropertyChanges::default()
        }
    }
}

pub const FILTERS: &[FilterSpec] = &[
    filters::text("name"),
    filters::boolean("active"),
    filters::boolean("inactive"),
];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PropertyFilter {
    pub name: Option<Vec<String>>,
    pub active: Vec<bool>,
}

impl PropertyFilter {
    pub fn parse(raw: &Map<String, Value>) -> Result<PropertyFilter, Errors> {
        let f = Filters::parse(raw, FILTERS)?;
        Ok(PropertyFilter {
            name: f.strs("name"),
            active: activity(&f),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn name_is_required_and_default_value_optional() {
        assert!(PropertyFields::default().validate().has("name"));
        let changes = PropertyChanges::parse(Some(
            &json!({"property": {"name": "port", "default_value": 8080}}),
        ))
        .unwrap();
        assert_eq!(changes.default_value, Some(Some("8080".into())));
    }
}
