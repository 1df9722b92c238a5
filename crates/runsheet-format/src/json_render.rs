//! Rails' `to_json`: no root, records as objects in field order, lists as bare arrays.
//!
//! Written by hand rather than through `serde_json::Value` because the workspace's serde_json
//! sorts object keys, and the original's field order is part of what we reproduce.

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;

use crate::negotiation::Format;
use crate::node::{Node, ScalarType};
use crate::out::{push_int, Key, Out};
use crate::render::render;
use crate::render_options::RenderOptions;
use crate::special_bytes::{next_special, Specials};
use crate::timestamp::{push_date, push_time};

/// The JSON text of `node`, compact, as the original sent it.
pub fn to_json(node: &Node, options: &RenderOptions) -> Vec<u8> {
    render(Format::Json, "", options, |out, name| node.write(out, name))
}

/// JSON being written: keys, commas and brackets follow the calls.
pub(crate) struct JsonOut {
    buf: String,
    tz: Tz,
    /// Whether the next value is the first of its record or list: no comma before it.
    first: bool,
    /// For each record or list open, whether it is a list: a list's items have no keys.
    lists: Vec<bool>,
}

impl JsonOut {
    /// A document: one value, at the top without a key.
    pub(crate) fn new(tz: Tz) -> JsonOut {
        JsonOut {
            buf: String::with_capacity(crate::out::FIRST_CAPACITY),
            tz,
            first: true,
            lists: Vec::new(),
        }
    }

    /// Items of a list whose start is written elsewhere (a streamed chunk): `opening` is
    /// the list's `[`, or the `,` after the chunk before.
    pub(crate) fn list_items(tz: Tz, opening: char) -> JsonOut {
        JsonOut {
            buf: String::from(opening),
            tz,
            first: true,
            lists: vec![true],
        }
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        self.buf.into_bytes()
    }

    /// What comes before a value: a comma after the one before, and its key in a record.
    fn start(&mut self, name: Key<'_>) {
        if !self.first {
            self.buf.push(',');
        }
        self.first = false;
        if self.lists.last() == Some(&false) {
            let key = name.as_str();
            if name.is_from_data() {
                push_string(&mut self.buf, key);
            } else {
                self.buf.reserve(key.len() + 3);
                self.buf.push('"');
                self.buf.push_str(key);
                self.buf.push('"');
            }
            self.buf.push(':');
        }
    }

    fn raw(&mut self, name: Key<'_>, text: &str) {
        self.start(name);
        self.buf.push_str(text);
    }

    fn open(&mut self, name: Key<'_>, bracket: char, list: bool) {
        self.start(name);
        self.buf.push(bracket);
        self.lists.push(list);
        self.first = true;
    }

    fn close(&mut self, bracket: char) {
        self.buf.push(bracket);
        self.lists.pop();
        self.first = false;
    }
}

impl crate::out::Buffered for JsonOut {
    fn buffer(&mut self) -> &mut String {
        &mut self.buf
    }
}

impl Out for JsonOut {
    fn null(&mut self, name: Key<'_>, _: Option<ScalarType>) {
        self.raw(name, "null");
    }

    fn str(&mut self, name: Key<'_>, value: &str) {
        self.start(name);
        push_string(&mut self.buf, value);
    }

    fn int(&mut self, name: Key<'_>, value: i64) {
        self.start(name);
        push_int(&mut self.buf, value);
    }

    fn bool(&mut self, name: Key<'_>, value: bool) {
        self.raw(name, if value { "true" } else { "false" });
    }

    /// As serde_json writes it (`1.0`, `1e+20`); NaN and infinities, which JSON cannot
    /// carry, become `null`.
    fn float(&mut self, name: Key<'_>, value: f64) {
        match serde_json::to_string(&value) {
            Ok(text) if value.is_finite() => self.raw(name, &text),
            _ => self.raw(name, "null"),
        }
    }

    fn decimal(&mut self, name: Key<'_>, value: &str) {
        self.str(name, value);
    }

    // Digits, signs, `-`, `:`, `T` and `Z`: nothing to escape.
    fn date(&mut self, name: Key<'_>, value: NaiveDate) {
        self.start(name);
        self.buf.push('"');
        push_date(&mut self.buf, value);
        self.buf.push('"');
    }

    fn time(&mut self, name: Key<'_>, value: NaiveDateTime) {
        self.start(name);
        self.buf.push('"');
        push_time(&mut self.buf, value, self.tz);
        self.buf.push('"');
    }

    fn open_record(&mut self, name: Key<'_>) {
        self.open(name, '{', false);
    }

    fn close_record(&mut self, _: Key<'_>) {
        self.close('}');
    }

    fn open_list(&mut self, name: Key<'_>) {
        self.open(name, '[', true);
    }

    fn close_list(&mut self, _: Key<'_>) {
        self.close(']');
    }

    fn empty_list(&mut self, name: Key<'_>) {
        self.raw(name, "[]");
    }
}

/// A JSON string literal, escaped as serde_json escapes it: `"`, `\` and control
/// characters; everything else as it is. Runs of plain bytes are copied whole: every string
/// of every record comes through here, and every key from data ([`Key::data`]).
pub(crate) fn push_string(buf: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    const SPECIALS: Specials = Specials::new(b"\"\\");
    let bytes = text.as_bytes();
    buf.reserve(bytes.len() + 2);
    buf.push('"');
    let mut plain = 0;
    loop {
        let index = plain + next_special(&bytes[plain..], &SPECIALS);
        // An ASCII byte is always a character boundary.
        buf.push_str(&text[plain..index]);
        let Some(&byte) = bytes.get(index) else { break };
        plain = index + 1;
        match byte {
            b'"' => buf.push_str("\\\""),
            b'\\' => buf.push_str("\\\\"),
            b'\n' => buf.push_str("\\n"),
            b'\r' => buf.push_str("\\r"),
            b'\t' => buf.push_str("\\t"),
            0x08 => buf.push_str("\\b"),
            0x0c => buf.push_str("\\f"),
            _ => {
                buf.push_str("\\u00");
                buf.push(char::from(HEX[usize::from(byte >> 4)]));
                buf.push(char::from(HEX[usize::from(byte & 0xf)]));
            }
        }
    }
    buf.push('"');
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
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut every: String = (0u8..0x80).map(char::from).collect();
        every.push_str("é\u{2028}\u{FFFF}😀 end");
        for text in [every.as_str(), "", "plain", "\\", "\"\"", "a\u{1f}"] {
            let mut ours = String::new();
            push_string(&mut ours, text);
            assert_eq!(
                ours,
                serde_json::to_string(text).expect("a string"),
                "{text:?}"
            );
        }
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

    /// Written straight from a record (as steps are): a key of the code is copied, one from
    /// data escaped like any string.
    #[test]
    fn keys_from_data_are_escaped_and_keys_of_the_code_copied() {
        let mut json = JsonOut::new(Tz::UTC);
        let out: &mut dyn Out = &mut json;
        let name = String::from("my \"prop\"\n");
        out.record("root", |out| {
            out.field("run_key", 1i64);
            out.field(&name, "v");
            out.list(Key::data(&name), "item", [1i64], |out, item, n| {
                out.field(item, n)
            });
        });
        let text = String::from_utf8(json.finish()).expect("utf-8");
        assert_eq!(
            text,
            r#"{"run_key":1,"my \"prop\"\n":"v","my \"prop\"\n":[1]}"#
        );
    }

    /// A key of the code that would need escaping is a mistake the tests catch.
    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "a name written in the code")]
    fn a_key_of_the_code_needing_escaping_is_caught() {
        let mut json = JsonOut::new(Tz::UTC);
        let out: &mut dyn Out = &mut json;
        out.record("root", |out| out.field("a\"b", 1i64));
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
