//! Apps: what is released. An app runs in environments and is made of components.

use crate::errors::Errors;
use crate::filters::{self, activity, FilterSpec, Filters};
use crate::params::Params;
use crate::user::{set, validate_name};
use chrono::NaiveDateTime;
use serde_json::{Map, Value};

/// A record as another one shows it: `{"id": 1, "name": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct App {
    pub id: i64,
    pub name: String,
    pub app_version: Option<String>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AppRecord {
    pub app: App,
    pub environments: Vec<Named>,
    pub components: Vec<Named>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AppFields {
    pub name: String,
    pub app_version: Option<String>,
    pub active: bool,
}

impl Default for AppFields {
    fn default() -> Self {
        AppFields {
            name: String::new(),
            app_version: None,
            active: true,
        }
    }
}

impl From<&App> for AppFields {
    fn from(app: &App) -> Self {
        AppFields {
            name: app.name.clone(),
            app_version: app.app_version.clone(),
            active: app.active,
        }
    }
}

impl AppFields {
    pub fn validate(&self) -> Errors {
        let mut errors = Errors::new();
        validate_name(&mut errors, "name", &self.name);
        errors
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppChanges {
    pub name: Option<String>,
    pub app_version: Option<Option<String>>,
    pub active: Option<bool>,
    /// Replaces the app's environments when sent.
    pub environment_ids: Option<Vec<i64>>,
    /// Replaces the app's components when sent.
    pub component_ids: Option<Vec<i64>>,
}

const READ_ONLY: &[&str] = &[
    "id",
    "created_at",
    "updated_at",
    "environments",
    "components",
];

impl AppChanges {
    pub fn parse(body: Option<&Value>) -> Result<AppChanges, Errors> {
        let mut p = Params::from_body(body, "app")?;
        let changes = AppChanges {
            name: p.string("name"),
            app_version: p.opt_string("app_version"),
            active: p.bool("active"),
            environment_ids: p.ids("environment_ids"),
            component_ids: p.ids("component_ids"),
        };
        p.finish(READ_ONLY)?;
        Ok(changes)
    }

    pub fn apply(&self, fields: &mut AppFields) {
        set(&mut fields.name, &self.name);
        set(&mut fields.app_version, &self.app_version);
        set(&mut fields.active, &self.active);
    }

    /// The change DELETE makes.
    pub fn deactivate() -> AppChanges {
        AppChanges {
            active: Some(false),
            ..AppChanges::default()
        }
    }
}

pub const FILTERS: &[FilterSpec] = &[
    filters::text("name"),
    filters::boolean("active"),
    filters::boolean("inactive"),
    filters::int("environment_id"),
    filters::int("component_id"),
];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppFilter {
    pub name: Option<Vec<String>>,
    /// The `active` values shown (active apps only unless asked).
    pub active: Vec<bool>,
    pub environment_id: Option<Vec<i64>>,
    pub component_id: Option<Vec<i64>>,
}

impl AppFilter {
    pub fn parse(raw: &Map<String, Value>) -> Result<AppFilter, Errors> {
        let f = Filters::parse(raw, FILTERS)?;
        Ok(AppFilter {
            name: f.strs("name"),
            active: activity(&f),
            environment_id: f.ints("environment_id"),
            component_id: f.ints("component_id"),
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
            AppFields::default().validate().grouped(),
            vec![("name", vec!["can't be blank"])]
        );
    }

    #[test]
    fn changes_read_ids_and_ignore_the_representation() {
        let changes = AppChanges::parse(Some(&json!({"app": {
            "name": "Shop", "environment_ids": ["2", 1], "component_ids": null,
            "id": 4, "environments": [{"id": 1, "name": "dev"}]
        }})))
        .unwrap();
        assert_eq!(changes.environment_ids, Some(vec![1, 2]));
        assert_eq!(changes.component_ids, Some(vec![]));
        let err = AppChanges::parse(Some(&json!({"app": {"colour": "red"}}))).unwrap_err();
        assert_eq!(
            err.grouped(),
            vec![("colour", vec!["is not a known attribute"])]
        );
    }

    #[test]
    fn filters() {
        let f = AppFilter::parse(json!({"environment_id": "3"}).as_object().unwrap()).unwrap();
        assert_eq!(f.environment_id, Some(vec![3]));
        assert_eq!(f.active, vec![true]);
        assert!(AppFilter::parse(json!({"version": 1}).as_object().unwrap()).is_err());
    }
}
