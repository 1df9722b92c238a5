//! Environments: where apps are deployed. A closed one takes no deployments.

use crate::app::Named;
use crate::errors::{messages, Errors};
use crate::filters::{self, activity, FilterSpec, Filters};
use crate::params::Params;
use crate::user::{set, validate_name};
use chrono::NaiveDateTime;
use serde_json::{Map, Value};

/// The deployment policies an environment may have; the first is the default.
pub const DEPLOYMENT_POLICIES: &[&str] = &["opened", "closed"];

#[derive(Debug, Clone, PartialEq)]
pub struct Environment {
    pub id: i64,
    pub name: String,
    pub deployment_policy: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnvironmentRecord {
    pub environment: Environment,
    pub apps: Vec<Named>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnvironmentFields {
    pub name: String,
    pub deployment_policy: String,
    pub active: bool,
}

impl Default for EnvironmentFields {
    fn default() -> Self {
        EnvironmentFields {
            name: String::new(),
            deployment_policy: DEPLOYMENT_POLICIES[0].to_string(),
            active: true,
        }
    }
}

impl From<&Environment> for EnvironmentFields {
    fn from(e: &Environment) -> Self {
        EnvironmentFields {
            name: e.name.clone(),
            deployment_policy: e.deployment_policy.clone(),
            active: e.active,
        }
    }
}

impl EnvironmentFields {
    pub fn validate(&self) -> Errors {
        let mut errors = Errors::new();
        validate_name(&mut errors, "name", &self.name);
        if !DEPLOYMENT_POLICIES.contains(&self.deployment_policy.as_str()) {
            errors.add("deployment_policy", messages::NOT_INCLUDED);
        }
        errors
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnvironmentChanges {
    pub name: Option<String>,
    pub deployment_policy: Option<String>,
    pub active: Option<bool>,
}

const READ_ONLY: &[&str] = &["id", "created_at", "updated_at", "apps"];

impl EnvironmentChanges {
    pub fn parse(body: Option<&Value>) -> Result<EnvironmentChanges, Errors> {
        let mut p = Params::from_body(body, "environment")?;
        let changes = EnvironmentChanges {
            name: p.string("name"),
            deployment_policy: p.string("deployment_policy"),
            active: p.bool("active"),
        };
        p.finish(READ_ONLY)?;
        Ok(changes)
    }

    pub fn apply(&self, fields: &mut EnvironmentFields) {
        set(&mut fields.name, &self.name);
        set(&mut fields.deployment_policy, &self.deployment_policy);
        set(&mut fields.active, &self.active);
    }

    pub fn deactivate() -> EnvironmentChanges {
        EnvironmentChanges {
            active: Some(false),
            ..EnvironmentChanges::default()
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
pub struct EnvironmentFilter {
    pub name: Option<Vec<String>>,
    pub active: Vec<bool>,
    pub app_id: Option<Vec<i64>>,
}

impl EnvironmentFilter {
    pub fn parse(raw: &Map<String, Value>) -> Result<EnvironmentFilter, Errors> {
        let f = Filters::parse(raw, FILTERS)?;
        Ok(EnvironmentFilter {
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
    fn policy_defaults_to_opened_and_must_be_known() {
        let mut fields = EnvironmentFields {
            name: "prod".into(),
            ..EnvironmentFields::default()
        };
        assert_eq!(fields.deployment_policy, "opened");
        assert!(fields.validate().is_empty());
        let changes =
            EnvironmentChanges::parse(Some(&json!({"environment": {"deployment_policy": "ajar"}})))
                .unwrap();
        changes.apply(&mut fields);
        assert_eq!(
            fields.validate().grouped(),
            vec![("deployment_policy", vec!["is not included in the list"])]
        );
    }

    #[test]
    fn filters() {
        let f = EnvironmentFilter::parse(json!({"app_id": [1, "2"]}).as_object().unwrap()).unwrap();
        assert_eq!(f.app_id, Some(vec![1, 2]));
    }
}
