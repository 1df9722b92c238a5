//! Categories: labels for steps or for requests.

use crate::errors::{messages, Errors};
use crate::filters::{self, FilterSpec, Filters};
use crate::params::Params;
use crate::user::{set, validate_name};
use chrono::NaiveDateTime;
use serde_json::{Map, Value};

/// What a category may label.
pub const CATEGORIZED_TYPES: &[&str] = &["step", "request"];

#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub id: i64,
    pub name: String,
    pub categorized_type: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CategoryFields {
    pub name: String,
    pub categorized_type: String,
}

impl Default for CategoryFields {
    fn default() -> Self {
        CategoryFields {
            name: String::new(),
            categorized_type: "step".into(),
        }
    }
}

impl From<&Category> for CategoryFields {
    fn from(c: &Category) -> Self {
        CategoryFields {
            name: c.name.clone(),
            categorized_type: c.categorized_type.clone(),
        }
    }
}

impl CategoryFields {
    pub fn validate(&self) -> Errors {
        let mut errors = Errors::new();
        validate_name(&mut errors, "name", &self.name);
        if !CATEGORIZED_TYPES.contains(&self.categorized_type.as_str()) {
            errors.add("categorized_type", messages::NOT_INCLUDED);
        }
        errors
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CategoryChanges {
    pub name: Option<String>,
    pub categorized_type: Option<String>,
}

const READ_ONLY: &[&str] = &["id", "created_at", "updated_at"];

impl CategoryChanges {
    pub fn parse(body: Option<&Value>) -> Result<CategoryChanges, Errors> {
        let mut p = Params::from_body(body, "category")?;
        let changes = CategoryChanges {
            name: p.string("name"),
            categorized_type: p.string("categorized_type"),
        };
        p.finish(READ_ONLY)?;
        Ok(changes)
    }

    pub fn apply(&self, fields: &mut CategoryFields) {
        set(&mut fields.name, &self.name);
        set(&mut fields.categorized_type, &self.categorized_type);
    }
}

pub const FILTERS: &[FilterSpec] = &[filters::text("name"), filters::text("categorized_type")];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CategoryFilter {
    pub name: Option<Vec<String>>,
    pub categorized_type: Option<Vec<String>>,
}

impl CategoryFilter {
    pub fn parse(raw: &Map<String, Value>) -> Result<CategoryFilter, Errors> {
        let f = Filters::parse(raw, FILTERS)?;
        Ok(CategoryFilter {
            name: f.strs("name"),
            categorized_type: f.strs("categorized_type"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categorized_type_is_step_or_request() {
        let mut fields = CategoryFields {
            name: "Db".into(),
            ..CategoryFields::default()
        };
        assert!(fields.validate().is_empty());
        fields.categorized_type = "request".into();
        assert!(fields.validate().is_empty());
        fields.categorized_type = "Step".into();
        assert_eq!(
            fields.validate().grouped(),
            vec![("categorized_type", vec!["is not included in the list"])]
        );
    }
}
