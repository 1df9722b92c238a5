//! List filters: `filters[name]=value` in the query string or a `{"filters": {...}}` body.
//!
//! Each resource declares the filters it takes and their kinds; anything else is refused
//! with a 422 naming it. An array value means "any of". A blank value is no filter (old
//! clients send `filters[x]=` for "don't care").

use crate::errors::{messages, Errors};
use crate::params::{read_bool, read_int};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterKind {
    Int,
    Str,
    Bool,
}

#[derive(Debug, Clone, Copy)]
pub struct FilterSpec {
    pub name: &'static str,
    pub kind: FilterKind,
}

pub const fn int(name: &'static str) -> FilterSpec {
    FilterSpec {
        name,
        kind: FilterKind::Int,
    }
}

pub const fn text(name: &'static str) -> FilterSpec {
    FilterSpec {
        name,
        kind: FilterKind::Str,
    }
}

pub const fn boolean(name: &'static str) -> FilterSpec {
    FilterSpec {
        name,
        kind: FilterKind::Bool,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum FilterValue {
    Ints(Vec<i64>),
    Strs(Vec<String>),
    Bools(Vec<bool>),
}

/// The filters of one list request, typed by the resource's specs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    values: Vec<(&'static str, FilterValue)>,
}

impl Filters {
    pub fn parse(raw: &Map<String, Value>, specs: &[FilterSpec]) -> Result<Filters, Errors> {
        let mut errors = Errors::new();
        let mut filters = Filters::default();
        let mut names: Vec<&String> = raw.keys().collect();
        names.sort();
        for name in names {
            let Some(spec) = specs.iter().find(|s| s.name == name) else {
                errors.add(name.as_str(), messages::UNKNOWN_FILTER);
                continue;
            };
            let items: Vec<&Value> = match &raw[name] {
                Value::Array(items) => items.iter().collect(),
                Value::Object(_) => {
                    errors.add(spec.name, messages::INVALID);
                    continue;
                }
                single => vec![single],
            };
            let items: Vec<&Value> = items.into_iter().filter(|v| !is_blank(v)).collect();
            if items.is_empty() {
                continue;
            }
            let value = match spec.kind {
                FilterKind::Int => items
                    .iter()
                    .map(|v| read_int(v))
                    .collect::<Option<Vec<_>>>()
                    .map(FilterValue::Ints)
                    .ok_or(messages::NOT_A_NUMBER),
                FilterKind::Bool => items
                    .iter()
                    .map(|v| read_bool(v))
                    .collect::<Option<Vec<_>>>()
                    .map(FilterValue::Bools)
                    .ok_or(messages::NOT_INCLUDED),
                FilterKind::Str => items
                    .iter()
                    .map(|v| scalar_text(v))
                    .collect::<Option<Vec<_>>>()
                    .map(FilterValue::Strs)
                    .ok_or(messages::INVALID),
            };
            match value {
                Ok(value) => filters.values.push((spec.name, value)),
                Err(message) => errors.add(spec.name, message),
            }
        }
        errors.into_result().map(|()| filters)
    }

    fn get(&self, name: &str) -> Option<&FilterValue> {
        self.values.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    pub fn ints(&self, name: &str) -> Option<Vec<i64>> {
        match self.get(name) {
            Some(FilterValue::Ints(v)) => Some(v.clone()),
            _ => None,
        }
    }

    pub fn strs(&self, name: &str) -> Option<Vec<String>> {
        match self.get(name) {
            Some(FilterValue::Strs(v)) => Some(v.clone()),
            _ => None,
        }
    }

    /// A boolean filter; "any of true and false" is no filter at all.
    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.get(name) {
            Some(FilterValue::Bools(v)) if v.iter().all(|b| *b == v[0]) => v.first().copied(),
            _ => None,
        }
    }
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Which `active` values a list shows, from its `active` and `inactive` filters: active
/// records only unless asked (`inactive=true` for the inactive ones, both for all).
pub fn activity(filters: &Filters) -> Vec<bool> {
    let active = filters.bool("active");
    let inactive = filters.bool("inactive");
    let mut shown = Vec::new();
    if active.unwrap_or(inactive != Some(true)) {
        shown.push(true);
    }
    if inactive.unwrap_or(active == Some(false)) {
        shown.push(false);
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SPECS: &[FilterSpec] = &[
        int("request_id"),
        text("name"),
        boolean("active"),
        boolean("inactive"),
    ];

    fn parse(raw: Value) -> Result<Filters, Errors> {
        Filters::parse(raw.as_object().unwrap(), SPECS)
    }

    #[test]
    fn typed_values_single_and_any_of() {
        let f = parse(json!({"request_id": ["3", 4], "name": "x", "active": "t"})).unwrap();
        assert_eq!(f.ints("request_id"), Some(vec![3, 4]));
        assert_eq!(f.strs("name"), Some(vec!["x".to_string()]));
        assert_eq!(f.bool("active"), Some(true));
        assert_eq!(f.bool("inactive"), None);
    }

    #[test]
    fn blank_values_are_no_filter() {
        let f = parse(json!({"request_id": "", "name": [""], "active": null})).unwrap();
        assert_eq!(f, Filters::default());
    }

    #[test]
    fn unknown_names_and_bad_values_are_named() {
        let err = parse(
            json!({"colour": "red", "request_id": "abc", "active": "maybe", "name": {"a": 1}}),
        )
        .unwrap_err();
        assert_eq!(
            err.grouped(),
            vec![
                ("active", vec!["is not included in the list"]),
                ("colour", vec!["is not a supported filter"]),
                ("name", vec!["is invalid"]),
                ("request_id", vec!["is not a number"]),
            ]
        );
    }

    #[test]
    fn mixed_booleans_are_no_filter() {
        let f = parse(json!({"active": ["true", "false"]})).unwrap();
        assert_eq!(f.bool("active"), None);
    }

    #[test]
    fn activity_defaults_to_active_only() {
        let shown = |raw: Value| activity(&parse(raw).unwrap());
        assert_eq!(shown(json!({})), vec![true]);
        assert_eq!(shown(json!({"active": "true"})), vec![true]);
        assert_eq!(shown(json!({"active": "false"})), vec![false]);
        assert_eq!(shown(json!({"inactive": "true"})), vec![false]);
        assert_eq!(shown(json!({"inactive": "false"})), vec![true]);
        assert_eq!(
            shown(json!({"active": "true", "inactive": "true"})),
            vec![true, false]
        );
        assert_eq!(
            shown(json!({"active": "false", "inactive": "false"})),
            Vec::<bool>::new()
        );
    }
}
