//! Groups of users: a step may be owned by a group.

use crate::errors::{messages, Errors};
use crate::filters::{self, activity, FilterSpec, Filters};
use crate::params::Params;
use crate::user::{looks_like_email, set, validate_name};
use chrono::NaiveDateTime;
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A user as listed inside a group.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRef {
    pub id: i64,
    pub login: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GroupRecord {
    pub group: Group,
    pub users: Vec<UserRef>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GroupFields {
    pub name: String,
    pub email: Option<String>,
    pub active: bool,
}

impl Default for GroupFields {
    fn default() -> Self {
        GroupFields {
            name: String::new(),
            email: None,
            active: true,
        }
    }
}

impl From<&Group> for GroupFields {
    fn from(group: &Group) -> Self {
        GroupFields {
            name: group.name.clone(),
            email: group.email.clone(),
            active: group.active,
        }
    }
}

impl GroupFields {
    pub fn validate(&self) -> Errors {
        let mut errors = Errors::new();
        validate_name(&mut errors, "name", &self.name);
        if let Some(email) = self.email.as_deref().filter(|e| !e.trim().is_empty()) {
            if !looks_like_email(email) {
                errors.add("email", messages::INVALID);
            }
        }
        errors
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupChanges {
    pub name: Option<String>,
    pub email: Option<Option<String>>,
    pub active: Option<bool>,
    pub user_ids: Option<Vec<i64>>,
}

const READ_ONLY: &[&str] = &["id", "created_at", "updated_at", "users"];

impl GroupChanges {
    pub fn parse(body: Option<&Value>) -> Result<GroupChanges, Errors> {
        let mut p = Params::from_body(body, "group")?;
        let changes = GroupChanges {
            name: p.string("name"),
            email: p.opt_string("email"),
            active: p.bool("active"),
            user_ids: p.ids("user_ids"),
        };
        p.finish(READ_ONLY)?;
        Ok(changes)
    }

    pub fn apply(&self, fields: &mut GroupFields) {
        set(&mut fields.name, &self.name);
        set(&mut fields.email, &self.email);
        set(&mut fields.active, &self.active);
    }
}

pub const FILTERS: &[FilterSpec] = &[
    filters::text("name"),
    filters::text("email"),
    filters::boolean("active"),
    filters::boolean("inactive"),
];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupFilter {
    pub name: Option<Vec<String>>,
    pub email: Option<Vec<String>>,
    /// The `active` values shown (active groups only unless asked).
    pub active: Vec<bool>,
}

impl GroupFilter {
    pub fn parse(raw: &Map<String, Value>) -> Result<GroupFilter, Errors> {
        let f = Filters::parse(raw, FILTERS)?;
        Ok(GroupFilter {
            name: f.strs("name"),
            email: f.strs("email"),
            active: activity(&f),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn name_is_required_and_email_optional_but_well_formed() {
        assert_eq!(
            GroupFields::default().validate().grouped(),
            vec![("name", vec!["can't be blank"])]
        );
        let ok = GroupFields {
            name: "Ops".into(),
            ..GroupFields::default()
        };
        assert!(ok.validate().is_empty());
        let bad = GroupFields {
            email: Some("nope".into()),
            ..ok
        };
        assert_eq!(
            bad.validate().grouped(),
            vec![("email", vec!["is invalid"])]
        );
    }

    #[test]
    fn changes_read_user_ids() {
        let changes = GroupChanges::parse(Some(
            &json!({"group": {"name": "Ops", "user_ids": [2, "1"]}}),
        ))
        .unwrap();
        assert_eq!(changes.user_ids, Some(vec![1, 2]));
        let mut fields = GroupFields::default();
        changes.apply(&mut fields);
        assert_eq!(fields.name, "Ops");
    }

    #[test]
    fn filters() {
        let f = GroupFilter::parse(json!({"name": ["a", "b"]}).as_object().unwrap()).unwrap();
        assert_eq!(f.name, Some(vec!["a".into(), "b".into()]));
        assert_eq!(f.active, vec![true]);
        assert!(GroupFilter::parse(json!({"owner": 1}).as_object().unwrap()).is_err());
    }
}
