//! JSON request bodies.

use serde_json::Value;

use crate::parse_error::ParseError;

/// Parses a JSON body, which must be an object (`{"step": {...}}`).
///
/// serde_json's recursion limit stays on, so deeply nested input is an error, not a stack
/// overflow. Duplicate keys keep the last value.
pub fn parse_json(body: &[u8]) -> Result<Value, ParseError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::EmptyJson);
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|e| ParseError::MalformedJson(e.to_string()))?;
    match value {
        Value::Object(_) => Ok(value),
        Value::Array(_) => Err(ParseError::JsonNotObject("an array")),
        Value::String(_) => Err(ParseError::JsonNotObject("a string")),
        Value::Number(_) => Err(ParseError::JsonNotObject("a number")),
        Value::Bool(_) => Err(ParseError::JsonNotObject("a boolean")),
        Value::Null => Err(ParseError::JsonNotObject("null")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(body: &str) -> String {
        match parse_json(body.as_bytes()) {
            Ok(value) => panic!("expected an error, got {value}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn objects_parse() {
        assert_eq!(
            parse_json(br#"{"step": {"name": "x", "ids": [1, 2], "on": true, "none": null}}"#),
            Ok(json!({"step": {"name": "x", "ids": [1, 2], "on": true, "none": null}}))
        );
        assert_eq!(parse_json(b" {} \n"), Ok(json!({})));
        assert_eq!(parse_json(br#"{"a": 1, "a": 2}"#), Ok(json!({"a": 2})));
        assert_eq!(
            parse_json("{\"name\": \"caf\u{e9}\"}".as_bytes()),
            Ok(json!({"name": "café"}))
        );
    }

    #[test]
    fn empty_bodies() {
        assert_eq!(parse_json(b""), Err(ParseError::EmptyJson));
        assert_eq!(parse_json(b" \r\n\t"), Err(ParseError::EmptyJson));
        assert_eq!(message(""), "empty JSON body");
    }

    #[test]
    fn malformed_json_names_the_problem() {
        assert_eq!(
            message(r#"{"a": 1 "b": 2}"#),
            "malformed JSON body: expected `,` or `}` at line 1 column 9"
        );
        assert_eq!(
            message(r#"{"a": "#),
            "malformed JSON body: EOF while parsing a value at line 1 column 6"
        );
        assert_eq!(
            message(r#"{"a": 1} x"#),
            "malformed JSON body: trailing characters at line 1 column 10"
        );
        assert_eq!(
            message("{'a': 1}"),
            "malformed JSON body: key must be a string at line 1 column 2"
        );
        assert!(matches!(
            parse_json(b"{\"a\": \"\xff\"}"),
            Err(ParseError::MalformedJson(_))
        ));
    }

    #[test]
    fn recursion_limit_stays_on() {
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(10_000), "]".repeat(10_000));
        let error = message(&deep);
        assert!(
            error.starts_with("malformed JSON body: recursion limit exceeded"),
            "{error}"
        );
    }

    #[test]
    fn non_objects_are_named() {
        assert_eq!(
            message("[1, 2]"),
            "JSON body must be an object, not an array"
        );
        assert_eq!(
            message(r#""step""#),
            "JSON body must be an object, not a string"
        );
        assert_eq!(message("12"), "JSON body must be an object, not a number");
        assert_eq!(
            message("true"),
            "JSON body must be an object, not a boolean"
        );
        assert_eq!(message("null"), "JSON body must be an object, not null");
    }
}
