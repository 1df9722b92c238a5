//! Reading a request body's attributes into typed values.
//!
//! Bodies arrive as a generic tree (JSON as sent, XML as Rails' `Hash.from_xml` reads it).
//! `Params` takes each attribute a resource knows, coerces it the way Rails would, and
//! collects one message per attribute that cannot be read. What is left over at the end is
//! either part of the representation (read-only: ignored, so that read-modify-write clients
//! can send a record back) or unknown (a 422 naming it).

use crate::errors::{messages, Errors};
use crate::time::parse_time;
use chrono::NaiveDateTime;
use chrono_tz::Tz;
use serde_json::{Map, Value};

/// The attributes of one record in a request body.
#[derive(Debug)]
pub struct Params {
    attrs: Map<String, Value>,
    errors: Errors,
}

/// The name of the authentication parameter, which may stand inside a body's root object.
pub const TOKEN: &str = "token";

impl Params {
    /// The attributes under `root` (`{"user": {...}}`), or the whole body when it has no such
    /// root (a rootless JSON body is wrapped under the resource's name). `token` is never an
    /// attribute.
    pub fn from_body(body: Option<&Value>, root: &str) -> Result<Params, Errors> {
        let mut attrs = match body {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(top)) => match top.get(root) {
                Some(Value::Object(inner)) => inner.clone(),
                Some(Value::Null) => Map::new(),
                Some(_) => return Err(single(root, "must be an object of attributes")),
                None => top.clone(),
            },
            Some(_) => return Err(single(root, "must be an object of attributes")),
        };
        attrs.remove(TOKEN);
        Ok(Params {
            attrs,
            errors: Errors::new(),
        })
    }

    pub fn from_map(attrs: Map<String, Value>) -> Params {
        Params {
            attrs,
            errors: Errors::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.attrs.is_empty()
    }

    /// Takes an attribute out of the body: `None` when it was not sent.
    fn take(&mut self, name: &str) -> Option<Value> {
        self.attrs.remove(name)
    }

    /// A string that must not be null: null reads as "" so that presence validation reports it.
    pub fn string(&mut self, name: &str) -> Option<String> {
        self.opt_string(name).map(Option::unwrap_or_default)
    }

    /// A nullable string; numbers and booleans are taken as their text, as Rails casts them.
    pub fn opt_string(&mut self, name: &str) -> Option<Option<String>> {
        let value = self.take(name)?;
        match value {
            Value::Null => Some(None),
            Value::String(s) => Some(Some(s)),
            Value::Number(n) => Some(Some(n.to_string())),
            Value::Bool(b) => Some(Some(b.to_string())),
            Value::Array(_) | Value::Object(_) => {
                self.errors.add(name, messages::INVALID);
                None
            }
        }
    }

    /// A nullable integer: a number, or a string of one ("5", " 5 ").
    pub fn opt_int(&mut self, name: &str) -> Option<Option<i64>> {
        let value = self.take(name)?;
        match value {
            Value::Null => Some(None),
            Value::String(s) if s.trim().is_empty() => Some(None),
            other => match read_int(&other) {
                Some(n) => Some(Some(n)),
                None => {
                    self.errors.add(name, messages::NOT_A_NUMBER);
                    None
                }
            },
        }
    }

    /// A boolean that must not be null.
    pub fn bool(&mut self, name: &str) -> Option<bool> {
        let value = self.take(name)?;
        match read_bool(&value) {
            Some(b) => Some(b),
            None => {
                let message = if value.is_null() {
                    messages::BLANK
                } else {
                    messages::NOT_INCLUDED
                };
                self.errors.add(name, message);
                None
            }
        }
    }

    /// A nullable time (in UTC), read in `tz` when it carries no offset of its own.
    pub fn opt_time(&mut self, name: &str, tz: Tz) -> Option<Option<NaiveDateTime>> {
        let value = self.take(name)?;
        match value {
            Value::Null => Some(None),
            Value::String(s) if s.trim().is_empty() => Some(None),
            Value::String(s) => match parse_time(&s, tz) {
                Some(t) => Some(Some(t)),
                None => {
                    self.errors.add(name, messages::NOT_A_TIME);
                    None
                }
            },
            _ => {
                self.errors.add(name, messages::NOT_A_TIME);
                None
            }
        }
    }

    /// A list of ids (`"user_ids": [1, "2"]`); null or "" means the empty list.
    pub fn ids(&mut self, name: &str) -> Option<Vec<i64>> {
        let value = self.take(name)?;
        let items = match value {
            Value::Null => return Some(Vec::new()),
            Value::String(s) if s.trim().is_empty() => return Some(Vec::new()),
            Value::Array(items) => items,
            // XML sends a single repeated element as one value, not an array.
            single @ (Value::Number(_) | Value::String(_)) => vec![single],
            _ => {
                self.errors.add(name, messages::NOT_A_LIST);
                return None;
            }
        };
        let mut ids = Vec::with_capacity(items.len());
        for item in &items {
            if matches!(item, Value::String(s) if s.trim().is_empty()) {
                continue; // Rails forms send a blank first element.
            }
            match read_int(item) {
                Some(id) => ids.push(id),
                None => {
                    self.errors.add(name, messages::NOT_A_NUMBER);
                    return None;
                }
            }
        }
        ids.sort_unstable();
        ids.dedup();
        Some(ids)
    }

    /// Ends reading: attributes in `representation` (read-only fields a client may send back)
    /// are ignored; any other attribute left over is unknown.
    pub fn finish(mut self, representation: &[&str]) -> Result<(), Errors> {
        let mut unknown: Vec<String> = self
            .attrs
            .keys()
            .filter(|k| !representation.contains(&k.as_str()))
            .cloned()
            .collect();
        unknown.sort();
        for name in unknown {
            self.errors.add(name, messages::UNKNOWN_ATTRIBUTE);
        }
        self.errors.into_result()
    }
}

fn single(attribute: &str, message: &str) -> Errors {
    let mut errors = Errors::new();
    errors.add(attribute, message);
    errors
}

/// Integers as Rails reads them from JSON or from XML/query text.
pub fn read_int(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A non-negative integer no larger than `i64::MAX`: digits only (no sign, no fraction), or
/// a JSON number. What query parameters that count things (offsets, pages) accept.
pub fn read_count(value: &Value) -> Option<u64> {
    let n = match value {
        Value::String(s) => {
            let s = s.trim();
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            s.parse::<u64>().ok()?
        }
        Value::Number(n) => n.as_u64()?,
        _ => return None,
    };
    i64::try_from(n).is_ok().then_some(n)
}

/// Booleans: true/false, 1/0, "true"/"false", "1"/"0", "t"/"f" (any case).
pub fn read_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_i64() {
            Some(1) => Some(true),
            Some(0) => Some(false),
            _ => None,
        },
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "t" | "1" => Some(true),
            "false" | "f" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// The token a body carries at its top level or inside its root object.
pub fn body_token(body: &Value) -> Option<&str> {
    let top = body.as_object()?;
    if let Some(Value::String(token)) = top.get(TOKEN) {
        return Some(token);
    }
    top.values()
        .filter_map(Value::as_object)
        .find_map(|inner| inner.get(TOKEN).and_then(Value::as_str))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const UTC: Tz = Tz::UTC;

    fn params(body: Value) -> Params {
        Params::from_body(Some(&body), "user").unwrap()
    }

    #[test]
    fn reads_under_the_root_or_wraps_a_rootless_body() {
        let mut p = params(json!({"user": {"login": "jo"}, "token": "t"}));
        assert_eq!(p.string("login"), Some("jo".into()));
        assert!(p.finish(&[]).is_ok());

        let mut p = params(json!({"login": "jo", "token": "t"}));
        assert_eq!(p.string("login"), Some("jo".into()));
        assert!(p.finish(&[]).is_ok(), "token is not an attribute");

        let mut p = params(json!({"user": {"login": "jo", "token": "t"}}));
        assert_eq!(p.string("login"), Some("jo".into()));
        assert!(p.finish(&[]).is_ok());
    }

    #[test]
    fn a_root_that_is_not_an_object_is_refused() {
        let err = Params::from_body(Some(&json!({"user": 5})), "user").unwrap_err();
        assert_eq!(
            err.grouped(),
            vec![("user", vec!["must be an object of attributes"])]
        );
        assert!(Params::from_body(Some(&json!([1])), "user").is_err());
        assert!(Params::from_body(None, "user").unwrap().is_empty());
    }

    #[test]
    fn strings_take_scalars_and_refuse_structures() {
        let mut p = params(json!({"a": 5, "b": true, "c": null, "d": [1], "e": null}));
        assert_eq!(p.string("a"), Some("5".into()));
        assert_eq!(p.string("b"), Some("true".into()));
        assert_eq!(p.string("c"), Some(String::new()));
        assert_eq!(p.string("d"), None);
        assert_eq!(p.opt_string("e"), Some(None));
        assert_eq!(p.opt_string("missing"), None);
        assert_eq!(
            p.finish(&[]).unwrap_err().grouped(),
            vec![("d", vec!["is invalid"])]
        );
    }

    #[test]
    fn integers_from_numbers_and_text() {
        let mut p =
            params(json!({"a": 5, "b": "12", "c": " 7 ", "d": "x", "e": 1.5, "f": "", "g": 3.0}));
        assert_eq!(p.opt_int("a"), Some(Some(5)));
        assert_eq!(p.opt_int("b"), Some(Some(12)));
        assert_eq!(p.opt_int("c"), Some(Some(7)));
        assert_eq!(p.opt_int("d"), None);
        assert_eq!(p.opt_int("e"), None);
        assert_eq!(p.opt_int("f"), Some(None));
        assert_eq!(p.opt_int("g"), Some(Some(3)));
        let errors = p.finish(&[]).unwrap_err();
        assert_eq!(
            errors.grouped(),
            vec![
                ("d", vec!["is not a number"]),
                ("e", vec!["is not a number"])
            ]
        );
    }

    #[test]
    fn booleans_in_every_spelling() {
        for (v, expected) in [
            (json!(true), true),
            (json!(false), false),
            (json!(1), true),
            (json!(0), false),
            (json!("true"), true),
            (json!("FALSE"), false),
            (json!("t"), true),
            (json!("f"), false),
            (json!("1"), true),
            (json!("0"), false),
        ] {
            let mut p = params(json!({ "admin": v }));
            assert_eq!(p.bool("admin"), Some(expected), "{v}");
        }
        let mut p = params(json!({"a": "yes", "b": null, "c": 2}));
        assert_eq!(p.bool("a"), None);
        assert_eq!(p.bool("b"), None);
        assert_eq!(p.bool("c"), None);
        assert_eq!(
            p.finish(&[]).unwrap_err().grouped(),
            vec![
                ("a", vec!["is not included in the list"]),
                ("b", vec!["can't be blank"]),
                ("c", vec!["is not included in the list"]),
            ]
        );
    }

    #[test]
    fn id_lists() {
        let mut p =
            params(json!({"a": [3, "1", "", 3], "b": null, "c": "4", "d": ["x"], "e": {"k": 1}}));
        assert_eq!(p.ids("a"), Some(vec![1, 3]));
        assert_eq!(p.ids("b"), Some(vec![]));
        assert_eq!(p.ids("c"), Some(vec![4]));
        assert_eq!(p.ids("d"), None);
        assert_eq!(p.ids("e"), None);
        assert_eq!(
            p.finish(&[]).unwrap_err().grouped(),
            vec![("d", vec!["is not a number"]), ("e", vec!["is not a list"])]
        );
    }

    #[test]
    fn times() {
        let mut p =
            params(json!({"a": "2012-09-04T15:34:44-04:00", "b": "soon", "c": null, "d": 5}));
        assert_eq!(
            p.opt_time("a", UTC),
            Some(Some(
                chrono::NaiveDate::from_ymd_opt(2012, 9, 4)
                    .unwrap()
                    .and_hms_opt(19, 34, 44)
                    .unwrap()
            ))
        );
        assert_eq!(p.opt_time("b", UTC), None);
        assert_eq!(p.opt_time("c", UTC), Some(None));
        assert_eq!(p.opt_time("d", UTC), None);
        assert_eq!(
            p.finish(&[]).unwrap_err().grouped(),
            vec![
                ("b", vec!["is not a valid time"]),
                ("d", vec!["is not a valid time"])
            ]
        );
    }

    #[test]
    fn leftovers_are_ignored_when_part_of_the_representation_else_unknown() {
        let mut p =
            params(json!({"login": "jo", "id": "3", "created_at": "x", "zebra": 1, "apple": 2}));
        p.string("login");
        let errors = p.finish(&["id", "created_at"]).unwrap_err();
        assert_eq!(
            errors.grouped(),
            vec![
                ("apple", vec!["is not a known attribute"]),
                ("zebra", vec!["is not a known attribute"])
            ]
        );
    }

    #[test]
    fn finds_the_token_at_the_top_or_in_the_root() {
        assert_eq!(body_token(&json!({"token": "a"})), Some("a"));
        assert_eq!(body_token(&json!({"step": {"token": "b"}})), Some("b"));
        assert_eq!(body_token(&json!({"step": {"name": "x"}})), None);
        assert_eq!(body_token(&json!([1])), None);
    }
}
