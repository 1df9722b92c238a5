//! List filters: `filters[name]=value` in the query string or a `{"filters": {...}}` body.
//!
//! Each resource declares the filters it takes and their kinds; anything else is refused
//! with a 422 naming it. An array value means "any of". A blank value is no filter (old
//! clients send `filters[x]=` for "don't care").
//!
//! Time ranges are pairs of filters, `created_after` and `created_before`: `_after` takes
//! the records at or after its time, `_before` those strictly before, so that consecutive
//! ranges (`a..b`, `b..c`) tile without gaps or records counted twice.

use crate::errors::{messages, Errors};
use crate::params::{read_bool, read_int};
use crate::time::parse_time;
use chrono::NaiveDateTime;
use chrono_tz::Tz;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterKind {
    Int,
    Str,
    Bool,
    /// One time: ISO 8601 with an offset, or in the configured zone without one.
    Time,
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

pub const fn time(name: &'static str) -> FilterSpec {
    FilterSpec {
        name,
        kind: FilterKind::Time,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum FilterValue {
    Ints(Vec<i64>),
    Strs(Vec<String>),
    Bools(Vec<bool>),
    Time(NaiveDateTime),
}

/// Which times of a column a list keeps: `after` inclusive, `before` exclusive (UTC).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeRange {
    pub after: Option<NaiveDateTime>,
    pub before: Option<NaiveDateTime>,
}

impl TimeRange {
    pub fn is_open(&self) -> bool {
        self.after.is_none() && self.before.is_none()
    }
}

/// The filters of one list request, typed by the resource's specs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    values: Vec<(&'static str, FilterValue)>,
}

impl Filters {
    /// The filters of `raw` that `specs` allow; times without an offset are read in UTC.
    pub fn parse(raw: &Map<String, Value>, specs: &[FilterSpec]) -> Result<Filters, Errors> {
        Filters::parse_in(raw, specs, Tz::UTC)
    }

    /// [`Filters::parse`], reading times without an offset in `tz`.
    pub fn parse_in(
        raw: &Map<String, Value>,
        specs: &[FilterSpec],
        tz: Tz,
    ) -> Result<Filters, Errors> {
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
                // A range has one end: several values are no time.
                FilterKind::Time => match items.as_slice() {
                    [Value::String(text)] => parse_time(text, tz)
                        .map(FilterValue::Time)
                        .ok_or(messages::NOT_A_TIME),
                    [_] => Err(messages::NOT_A_TIME),
                    _ => Err(messages::INVALID),
                },
            };
            match value {
                Ok(value) => filters.values.push((spec.name, value)),
                Err(message) => errors.add(spec.name, message),
            }
        }
        errors.into_result().map(|()| filters)
    }

    /// The `<column>_after` and `<column>_before` filters of a time column.
    pub fn time_range(&self, column: &str) -> TimeRange {
        let time = |suffix: &str| match self.get(&format!("{column}_{suffix}")) {
            Some(FilterValue::Time(t)) => Some(*t),
            _ => None,
        };
        TimeRange {
            after: time("after"),
            before: time("before"),
        }
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
        time("created_after"),
        time("created_before"),
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
    fn time_ranges_are_read_in_the_zone() {
        let ny: Tz = "America/New_York".parse().unwrap();
        let raw = json!({"created_after": "2012-09-04 15:34:44", "created_before": "2012-09-05T00:00:00Z"});
        let f = Filters::parse_in(raw.as_object().unwrap(), SPECS, ny).unwrap();
        let at = |text: &str| parse_time(text, Tz::UTC);
        assert_eq!(
            f.time_range("created"),
            TimeRange {
                after: at("2012-09-04T19:34:44Z"),
                before: at("2012-09-05T00:00:00Z"),
            }
        );
        assert!(f.time_range("updated").is_open());
        assert!(parse(json!({"created_before": ""}))
            .unwrap()
            .time_range("created")
            .is_open());
    }

    #[test]
    fn bad_times_are_named() {
        let err =
            parse(json!({"created_after": "soon", "created_before": ["2012-01-01", "2013-01-01"]}))
                .unwrap_err();
        assert_eq!(
            err.grouped(),
            vec![
                ("created_after", vec!["is not a valid time"]),
                ("created_before", vec!["is invalid"]),
            ]
        );
        let err = parse(json!({"created_after": 5})).unwrap_err();
        assert_eq!(
            err.grouped(),
            vec![("created_after", vec!["is not a valid time"])]
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
