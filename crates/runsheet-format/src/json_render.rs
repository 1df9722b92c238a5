//! Rails' `to_json`: no root, records as objects in field order, lists as bare arrays.
//!
//! Written by hand rather than through `serde_json::Value` because the workspace's serde_json
//! sorts object keys, and the original's field order is part of what we reproduce.

use std::io::Write;

use crate::node::Node;
use crate::render_options::RenderOptions;
use crate::timestamp::{format_date, format_time};

/// The JSON text of `node`, compact, as the original sent it.
pub fn to_json(node: &Node, options: &RenderOptions) -> Vec<u8> {
    let mut out = Vec::new();
    write_node(&mut out, node, options);
    out
}

pub(crate) fn write_node(out: &mut Vec<u8>, node: &Node, options: &RenderOptions) {
    match node {
        Node::Null | Node::TypedNull(_) => out.extend_from_slice(b"null"),
        Node::Str(text) | Node::Decimal(text) => write_string(out, text),
        Node::Int(number) => {
            // Writing into a Vec cannot fail.
            let _ = write!(out, "{number}");
        }
        Node::Bool(value) => out.extend_from_slice(if *value { b"true" } else { b"false" }),
        Node::Float(number) => write_float(out, *number),
        // Digits, signs, `-`, `:`, `T` and `Z`: nothing to escape.
        Node::Date(date) => write_plain_string(out, &format_date(*date)),
        Node::Time(time) => write_plain_string(out, &format_time(*time, options.tz)),
        Node::Record(record) => {
            out.push(b'{');
            for (index, (key, value)) in record.fields().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_string(out, key);
                out.push(b':');
                write_node(out, value, options);
            }
            out.push(b'}');
        }
        Node::List(list) => {
            out.push(b'[');
            for (index, item) in list.items().iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_node(out, item, options);
            }
            out.push(b']');
        }
    }
}

/// A JSON string literal, escaped by serde_json.
pub(crate) fn write_string(out: &mut Vec<u8>, text: &str) {
    // Serializing a str into a Vec cannot fail (serde_json only fails on I/O errors and non-string
    // map keys); the fallback keeps the output well-formed all the same.
    if serde_json::to_writer(&mut *out, text).is_err() {
        out.extend_from_slice(b"\"\"");
    }
}

/// A JSON string literal of a text that needs no escaping.
fn write_plain_string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
}

/// A float as serde_json writes it (`1.0`, `1e+20`); NaN and infinities, which JSON cannot carry,
/// become `null`.
fn write_float(out: &mut Vec<u8>, number: f64) {
    if !number.is_finite() || serde_json::to_writer(&mut *out, &number).is_err() {
        out.extend_from_slice(b"null");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::{List, Record, ScalarType};
    use chrono::{NaiveDate, NaiveDateTime};

    fn json(node: impl Into<Node>) -> String {
        String::from_utf8(to_json(&node.into(), &RenderOptions::default())).expect("utf-8")
    }

    fn json_in(node: impl Into<Node>, tz: chrono_tz::Tz) -> String {
        String::from_utf8(to_json(&node.into(), &RenderOptions::new(tz))).expect("utf-8")
    }

    fn time(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|date| date.and_hms_opt(h, mi, s))
            .expect("valid literal time")
    }

    #[test]
    fn scalars() {
        assert_eq!(json(Node::Null), "null");
        assert_eq!(json(Node::TypedNull(ScalarType::Time)), "null");
        assert_eq!(json("plain"), r#""plain""#);
        assert_eq!(json(42i64), "42");
        assert_eq!(json(i64::MIN), "-9223372036854775808");
        assert_eq!(json(true), "true");
        assert_eq!(json(false), "false");
        assert_eq!(json(1.5), "1.5");
        assert_eq!(json(1.0), "1.0");
        assert_eq!(json(1e20), "1e+20");
        assert_eq!(json(f64::NAN), "null");
        assert_eq!(json(f64::INFINITY), "null");
        assert_eq!(json(Node::decimal("12.50")), r#""12.50""#);
        assert_eq!(
            json(NaiveDate::from_ymd_opt(2012, 9, 4).expect("date")),
            r#""2012-09-04""#
        );
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(json("a\"b\\c\nd\u{1}"), r#""a\"b\\c\nd\u0001""#);
        assert_eq!(json("<&>'é"), "\"<&>'é\"");
    }

    #[test]
    fn times_in_the_configured_zone() {
        let at = time(2012, 9, 4, 19, 34, 44);
        assert_eq!(json(at), r#""2012-09-04T19:34:44Z""#);
        assert_eq!(
            json_in(at, chrono_tz::Tz::America__New_York),
            r#""2012-09-04T15:34:44-04:00""#
        );
        assert_eq!(
            json_in(
                time(2012, 12, 4, 19, 34, 44),
                chrono_tz::Tz::America__New_York
            ),
            r#""2012-12-04T14:34:44-05:00""#
        );
    }

    #[test]
    fn records_keep_field_order() {
        let record = Record::new()
            .field("zeta", 1i64)
            .field("alpha", None::<String>)
            .field("nested", Record::new().field("id", 2i64));
        assert_eq!(json(record), r#"{"zeta":1,"alpha":null,"nested":{"id":2}}"#);
        assert_eq!(json(Record::new()), "{}");
    }

    #[test]
    fn keys_are_not_dasherized_or_sanitized() {
        let record = Record::new()
            .field("run_key", 1i64)
            .field("my \"prop\"", "v");
        assert_eq!(json(record), r#"{"run_key":1,"my \"prop\"":"v"}"#);
    }

    #[test]
    fn lists_are_bare_arrays() {
        assert_eq!(json(List::new("step", Vec::<Node>::new())), "[]");
        assert_eq!(json(List::new("name", ["a", "b"])), r#"["a","b"]"#);
        let list = List::new(
            "job_run",
            [
                Record::new().field("id", 1i64),
                Record::new().field("id", 2i64),
            ],
        );
        assert_eq!(json(list), r#"[{"id":1},{"id":2}]"#);
        let nested = List::new(
            "row",
            [List::new("cell", [1i64]), List::new("cell", [2i64])],
        );
        assert_eq!(json(nested), "[[1],[2]]");
    }
}
