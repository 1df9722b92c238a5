//! How an element's content becomes a param value, as `Hash.from_xml` typecast it.

use std::collections::BTreeMap;

use serde_json::{Number, Value};

/// Children by name; a name that occurs more than once gets the array of its values.
pub(crate) fn object_of(children: Vec<(String, Value)>) -> Value {
    let mut grouped: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (name, value) in children {
        grouped.entry(name).or_default().push(value);
    }
    let object = grouped
        .into_iter()
        .map(|(name, values)| match <[Value; 1]>::try_from(values) {
            Ok([only]) => (name, only),
            Err(values) => (name, Value::Array(values)),
        })
        .collect();
    Value::Object(object)
}

/// The value of a leaf element's text under its `type` attribute.
pub(crate) fn typecast(type_attribute: Option<&str>, text: String) -> Value {
    if type_attribute == Some("string") {
        return Value::String(text);
    }
    let trimmed = trim_xml_whitespace(&text);
    if trimmed.is_empty() {
        return Value::Null;
    }
    let converted = match type_attribute {
        Some("integer") => trimmed.parse::<i64>().ok().map(Value::from),
        Some("boolean") => match trimmed {
            "true" | "1" => Some(Value::Bool(true)),
            "false" | "0" => Some(Value::Bool(false)),
            _ => None,
        },
        Some("float" | "decimal") => trimmed
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number),
        // datetime, date and unknown types stay text for the core to read.
        _ => None,
    };
    converted.unwrap_or(Value::String(text))
}

/// Trims the whitespace XML itself knows (space, tab, newline, carriage return).
pub(crate) fn trim_xml_whitespace(text: &str) -> &str {
    text.trim_matches([' ', '\t', '\n', '\r'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cast(ty: &str, text: &str) -> Value {
        typecast(Some(ty), text.to_owned())
    }

    #[test]
    fn untyped_text() {
        assert_eq!(typecast(None, "x".into()), json!("x"));
        assert_eq!(typecast(None, " x ".into()), json!(" x "));
        assert_eq!(typecast(None, "".into()), Value::Null);
        assert_eq!(typecast(None, " \n\t\r".into()), Value::Null);
        // Only XML whitespace is blank: a no-break space is content.
        assert_eq!(typecast(None, "\u{a0}".into()), json!("\u{a0}"));
    }

    #[test]
    fn integers() {
        assert_eq!(cast("integer", "12"), json!(12));
        assert_eq!(cast("integer", " -12\n"), json!(-12));
        assert_eq!(cast("integer", "+5"), json!(5));
        assert_eq!(cast("integer", "9223372036854775807"), json!(i64::MAX));
        assert_eq!(
            cast("integer", "9223372036854775808"),
            json!("9223372036854775808")
        );
        assert_eq!(cast("integer", "twelve"), json!("twelve"));
        assert_eq!(cast("integer", " 1 2 "), json!(" 1 2 "));
        assert_eq!(cast("integer", ""), Value::Null);
    }

    #[test]
    fn booleans() {
        assert_eq!(cast("boolean", "true"), json!(true));
        assert_eq!(cast("boolean", "1"), json!(true));
        assert_eq!(cast("boolean", "false"), json!(false));
        assert_eq!(cast("boolean", " 0 "), json!(false));
        assert_eq!(cast("boolean", "t"), json!("t"));
        assert_eq!(cast("boolean", " "), Value::Null);
    }

    #[test]
    fn numbers() {
        assert_eq!(cast("float", "2.5"), json!(2.5));
        assert_eq!(cast("float", "-1e3"), json!(-1000.0));
        assert_eq!(cast("decimal", "0.1"), json!(0.1));
        assert_eq!(cast("decimal", "1,5"), json!("1,5"));
        assert_eq!(cast("float", "infinity"), json!("infinity"));
    }

    #[test]
    fn text_types() {
        assert_eq!(cast("string", ""), json!(""));
        assert_eq!(cast("string", " "), json!(" "));
        assert_eq!(cast("date", "2012-09-04"), json!("2012-09-04"));
        assert_eq!(cast("datetime", "bad"), json!("bad"));
        assert_eq!(cast("date", ""), Value::Null);
        assert_eq!(cast("unknown", "x"), json!("x"));
    }

    #[test]
    fn children_grouped_by_name() {
        let children = vec![
            ("b".to_owned(), json!("1")),
            ("a".to_owned(), json!("2")),
            ("b".to_owned(), json!(null)),
            ("b".to_owned(), json!(["x"])),
        ];
        assert_eq!(
            object_of(children),
            json!({"a": "2", "b": ["1", null, ["x"]]})
        );
        assert_eq!(object_of(Vec::new()), json!({}));
    }
}
