//! Installed components: an app's component in an environment, at a version.

use crate::app::Named;
use crate::errors::{messages, Errors};
use crate::filters::{self, FilterSpec, Filters};
use crate::params::Params;
use crate::user::set;
use chrono::NaiveDateTime;
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct InstalledComponent {
    pub id: i64,
    pub app_id: i64,
    pub component_id: i64,
    pub environment_id: i64,
    pub version: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InstalledComponentRecord {
    pub installed_component: InstalledComponent,
    /// The id of the app's app_components row for this component.
    pub application_component_id: Option<i64>,
    /// The id of the app's app_environments row for this environment.
    pub application_environment_id: Option<i64>,
    pub app: Named,
    pub component: Named,
    pub environment: Named,
    pub servers: Vec<Named>,
    /// Property name and value, by property name.
    pub property_values: Vec<(String, Option<String>)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct InstalledComponentFields {
    pub app_id: Option<i64>,
    pub component_id: Option<i64>,
    pub environment_id: Option<i64>,
    pub version: Option<String>,
}

impl From<&InstalledComponent> for InstalledComponentFields {
    fn from(ic: &InstalledComponent) -> Self {
        InstalledComponentFields {
            app_id: Some(ic.app_id),
            component_id: Some(ic.component_id),
            environment_id: Some(ic.environment_id),
            version: ic.version.clone(),
        }
    }
}

impl InstalledComponentFields {
    pub fn validate(&self) -> Errors {
        let mut errors = Errors::new();
        for (name, value) in [
            ("app_id", self.app_id),
            ("component_id", self.component_id),
            ("environment_id", self.environment_id),
        ] {
            if value.is_none() {
                errors.add(name, messages::BLANK);
            }
        }
        errors
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct InstalledComponentChanges {
    pub app_id: Option<Option<i64>>,
    pub component_id: Option<Option<i64>>,
    pub environment_id: Option<Option<i64>>,
    pub version: Option<Option<String>>,
    /// References by name, looked up (any case) in place of the ids.
    pub app_name: Option<String>,
    pub component_name: Option<String>,
    pub environment_name: Option<String>,
    /// Replaces the servers when sent.
    pub server_ids: Option<Vec<i64>>,
    /// Property values to set, by property name; a null value removes the value.
    pub properties_with_values: Option<Vec<(String, Option<String>)>>,
}

const READ_ONLY: &[&str] = &[
    "id",
    "created_at",
    "updated_at",
    "application_component_id",
    "application_environment_id",
    "app",
    "component",
    "environment",
    "servers",
    "property_values",
];

const ROOT: &str = "installed_component";
const PROPERTIES: &str = "properties_with_values";

impl InstalledComponentChanges {
    pub fn parse(body: Option<&Value>) -> Result<InstalledComponentChanges, Errors> {
        // `properties_with_values` is an object, which `Params` has no reader for: take it out
        // of the body first.
        let mut body = body.cloned();
        let properties = body.as_mut().and_then(take_properties);
        let mut p = Params::from_body(body.as_ref(), ROOT)?;
        let mut changes = InstalledComponentChanges {
            app_id: p.opt_int("app_id"),
            component_id: p.opt_int("component_id"),
            environment_id: p.opt_int("environment_id"),
            version: p.opt_string("version"),
            app_name: p.string("app_name"),
            component_name: p.string("component_name"),
            environment_name: p.string("environment_name"),
            server_ids: p.ids("server_ids"),
            properties_with_values: None,
        };
        let mut errors = match p.finish(READ_ONLY) {
            Ok(()) => Errors::new(),
            Err(errors) => errors,
        };
        match properties.map(read_properties) {
            Some(Ok(values)) => changes.properties_with_values = Some(values),
            Some(Err(())) => errors.add(PROPERTIES, messages::INVALID),
            None => {}
        }
        errors.into_result().map(|()| changes)
    }

    pub fn apply(&self, fields: &mut InstalledComponentFields) {
        set(&mut fields.app_id, &self.app_id);
        set(&mut fields.component_id, &self.component_id);
        set(&mut fields.environment_id, &self.environment_id);
        set(&mut fields.version, &self.version);
    }
}

/// Removes `properties_with_values` from the body's root object (or the rootless body).
fn take_properties(body: &mut Value) -> Option<Value> {
    let top = body.as_object_mut()?;
    if let Some(Value::Object(inner)) = top.get_mut(ROOT) {
        return inner.remove(PROPERTIES);
    }
    if top.contains_key(ROOT) {
        return None;
    }
    top.remove(PROPERTIES)
}

/// `{"name": "value", ...}`; null or "" is nothing to set.
fn read_properties(value: Value) -> Result<Vec<(String, Option<String>)>, ()> {
    let map = match value {
        Value::Null => return Ok(Vec::new()),
        Value::String(s) if s.trim().is_empty() => return Ok(Vec::new()),
        Value::Object(map) => map,
        _ => return Err(()),
    };
    map.into_iter()
        .map(|(name, value)| {
            let value = match value {
                Value::Null => None,
                Value::String(s) => Some(s),
                Value::Number(n) => Some(n.to_string()),
                Value::Bool(b) => Some(b.to_string()),
                Value::Array(_) | Value::Object(_) => return Err(()),
            };
            Ok((name, value))
        })
        .collect()
}

pub const FILTERS: &[FilterSpec] = &[
    filters::text("name"),
    filters::int("app_id"),
    filters::int("component_id"),
    filters::int("environment_id"),
    filters::text("app_name"),
    filters::text("component_name"),
    filters::text("environment_name"),
    filters::text("version"),
];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct InstalledComponentFilter {
    /// `name`, which every list takes (issue 6): an installed component has no name of its
    /// own and goes by its component's, so this is `component_name` under the common name.
    pub name: Option<Vec<String>>,
    pub app_id: Option<Vec<i64>>,
    pub component_id: Option<Vec<i64>>,
    pub environment_id: Option<Vec<i64>>,
    pub app_name: Option<Vec<String>>,
    pub component_name: Option<Vec<String>>,
    pub environment_name: Option<Vec<String>>,
    pub version: Option<Vec<String>>,
}

impl InstalledComponentFilter {
    pub fn parse(raw: &Map<String, Value>) -> Result<InstalledComponentFilter, Errors> {
        let f = Filters::parse(raw, FILTERS)?;
        Ok(InstalledComponentFilter {
            name: f.strs("name"),
            app_id: f.ints("app_id"),
            component_id: f.ints("component_id"),
            environment_id: f.ints("environment_id"),
            app_name: f.strs("app_name"),
            component_name: f.strs("component_name"),
            environment_name: f.strs("environment_name"),
            version: f.strs("version"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_three_references_are_required() {
        assert_eq!(
            InstalledComponentFields::default().validate().grouped(),
            vec![
                ("app_id", vec!["can't be blank"]),
                ("component_id", vec!["can't be blank"]),
                ("environment_id", vec!["can't be blank"])
            ]
        );
    }

    #[test]
    fn properties_with_values_under_the_root_or_rootless() {
        for body in [
            json!({"installed_component": {"app_id": "1", "properties_with_values": {"port": 80, "host": "a", "x": null}}}),
            json!({"app_id": 1, "properties_with_values": {"port": 80, "host": "a", "x": null}}),
        ] {
            let changes = InstalledComponentChanges::parse(Some(&body)).unwrap();
            assert_eq!(changes.app_id, Some(Some(1)));
            let mut values = changes.properties_with_values.unwrap();
            values.sort();
            assert_eq!(
                values,
                vec![
                    ("host".to_string(), Some("a".to_string())),
                    ("port".to_string(), Some("80".to_string())),
                    ("x".to_string(), None)
                ]
            );
        }
    }

    #[test]
    fn bad_values_are_named() {
        let err = InstalledComponentChanges::parse(Some(&json!({"installed_component": {
            "app_id": "x", "properties_with_values": [1], "colour": 1
        }})))
        .unwrap_err();
        assert_eq!(
            err.grouped(),
            vec![
                ("app_id", vec!["is not a number"]),
                ("colour", vec!["is not a known attribute"]),
                ("properties_with_values", vec!["is invalid"])
            ]
        );
    }
}
