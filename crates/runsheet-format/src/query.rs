//! Query strings read the way Rack's `parse_nested_query` read them: `a[b][]=1` nests.

use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

/// Nesting levels a key may have (`a[b][c]` has 3); deeper pieces are ignored, so that a hostile
/// query cannot build a tree whose recursive drop overflows the stack.
const MAX_KEY_DEPTH: usize = 32;

/// Parses a query string (without the `?`) into params.
///
/// Pieces are split on `&` (empty pieces skipped), `+` is a space, percent-escapes are decoded as
/// UTF-8 (invalid sequences lossily), and brackets may be raw or escaped (`%5B`). `a[b]=1` gives
/// `{"a":{"b":"1"}}`, `a[]=1&a[]=2` gives `{"a":["1","2"]}`, `a[][b]=1` builds an array of
/// objects. A key without `=` gets `""`. When pieces disagree about a key (`a=1&a[b]=2`) the last
/// one wins, as it does for a repeated plain key. Values are always strings.
pub fn parse_query(query: &str) -> Map<String, Value> {
    let mut params = Map::new();
    for piece in query.split('&').filter(|piece| !piece.is_empty()) {
        let (raw_key, raw_value) = piece.split_once('=').unwrap_or((piece, ""));
        let key = decode(raw_key);
        let Some((head, path)) = split_key(&key) else {
            continue;
        };
        if path.len() >= MAX_KEY_DEPTH {
            continue;
        }
        let slot = params.entry(head).or_insert(Value::Null);
        insert(slot, &path, Value::String(decode(raw_value)));
    }
    params
}

/// `+` as space, then percent-decoding; `%2B` therefore stays a plus.
fn decode(raw: &str) -> String {
    let spaced = raw.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

/// One bracketed part of a key after its head.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// `[name]`
    Key(String),
    /// `[]`: append to an array.
    Push,
}

/// Splits `a[b][]` into `a` and `[Key(b), Push]`, leniently as Rack does: leading brackets are
/// skipped, an unclosed `[b` reads as `[b]`, and text after a `]` outside brackets is a key. A key
/// with no name at all (`=x`, `[]=x`) gives `None` and the piece is skipped.
fn split_key(key: &str) -> Option<(String, Vec<Segment>)> {
    let (head, mut rest) = split_at_bracket(key.trim_start_matches(['[', ']']));
    if head.is_empty() {
        return None;
    }
    let mut path = Vec::new();
    // Stopping one past the limit is enough for the caller to see the key is too deep.
    while path.len() <= MAX_KEY_DEPTH {
        rest = rest.trim_start_matches(']');
        if rest.is_empty() {
            break;
        }
        let inside = rest.strip_prefix('[').unwrap_or(rest);
        let (segment, after) = match inside.strip_prefix(']') {
            Some(after) => (Segment::Push, after),
            None => {
                let (name, after) = split_at_bracket(inside);
                (Segment::Key(name.to_owned()), after)
            }
        };
        path.push(segment);
        rest = after;
    }
    Some((head.to_owned(), path))
}

/// `name` and what follows it from the next bracket on.
fn split_at_bracket(text: &str) -> (&str, &str) {
    text.split_at(text.find(['[', ']']).unwrap_or(text.len()))
}

/// Puts `value` at `path` under `slot`, replacing whatever has the wrong shape.
fn insert(slot: &mut Value, path: &[Segment], value: Value) {
    let Some((segment, rest)) = path.split_first() else {
        *slot = value;
        return;
    };
    match segment {
        Segment::Key(key) => {
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            if let Value::Object(object) = slot {
                insert(
                    object.entry(key.clone()).or_insert(Value::Null),
                    rest,
                    value,
                );
            }
        }
        Segment::Push => {
            if !slot.is_array() {
                *slot = Value::Array(Vec::new());
            }
            if let Value::Array(array) = slot {
                push(array, rest, value);
            }
        }
    }
}

/// The `[]` step of [`insert`]: appends `value`, or an item built from `rest` around it.
fn push(array: &mut Vec<Value>, rest: &[Segment], value: Value) {
    match rest.first() {
        None => array.push(value),
        // `a[][b]=1&a[][c]=2` fills one object; a key it already has starts the next one.
        Some(Segment::Key(_)) => {
            let merge_into_last = array
                .last()
                .is_some_and(|last| last.is_object() && !has_path(last, rest));
            if !merge_into_last {
                array.push(Value::Object(Map::new()));
            }
            if let Some(last) = array.last_mut() {
                insert(last, rest, value);
            }
        }
        Some(Segment::Push) => {
            let mut item = Value::Null;
            insert(&mut item, rest, value);
            array.push(item);
        }
    }
}

/// Whether the keys of `path` up to its next `[]` already lead to a value in `value`.
fn has_path(value: &Value, path: &[Segment]) -> bool {
    let mut current = value;
    for segment in path {
        match segment {
            Segment::Key(key) => match current.get(key) {
                Some(next) => current = next,
                None => return false,
            },
            Segment::Push => break,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(query: &str) -> Value {
        Value::Object(parse_query(query))
    }

    #[test]
    fn plain_pairs() {
        assert_eq!(parse("a=1&b=two"), json!({"a": "1", "b": "two"}));
        assert_eq!(parse(""), json!({}));
        assert_eq!(parse("token=abc123"), json!({"token": "abc123"}));
    }

    #[test]
    fn empty_pieces_are_harmless() {
        assert_eq!(parse("a=1&"), json!({"a": "1"}));
        assert_eq!(parse("a=1&&b=2"), json!({"a": "1", "b": "2"}));
        assert_eq!(parse("&&&"), json!({}));
        assert_eq!(parse("&a=1"), json!({"a": "1"}));
    }

    #[test]
    fn empty_and_missing_values() {
        assert_eq!(parse("a=&b"), json!({"a": "", "b": ""}));
        assert_eq!(parse("flag"), json!({"flag": ""}));
        assert_eq!(parse("a=b=c"), json!({"a": "b=c"}));
    }

    #[test]
    fn nameless_keys_are_skipped() {
        assert_eq!(parse("=x&a=1"), json!({"a": "1"}));
        assert_eq!(parse("[]=x"), json!({}));
        assert_eq!(parse("[b]=x"), json!({"b": "x"}));
    }

    #[test]
    fn decoding() {
        assert_eq!(parse("q=a+b"), json!({"q": "a b"}));
        assert_eq!(parse("q=a%20b"), json!({"q": "a b"}));
        assert_eq!(parse("q=a%2Bb"), json!({"q": "a+b"}));
        assert_eq!(parse("q=caf%C3%A9"), json!({"q": "café"}));
        assert_eq!(parse("caf%C3%A9=1"), json!({"café": "1"}));
        assert_eq!(parse("q=%26%3D"), json!({"q": "&="}));
        assert_eq!(parse("my+key=v"), json!({"my key": "v"}));
        assert_eq!(parse("q=%ff"), json!({"q": "\u{FFFD}"}));
        assert_eq!(parse("q=100%"), json!({"q": "100%"}));
        assert_eq!(parse("q=%zz"), json!({"q": "%zz"}));
    }

    #[test]
    fn repeated_plain_key_last_wins() {
        assert_eq!(parse("a=1&a=2"), json!({"a": "2"}));
    }

    #[test]
    fn nested_keys_raw_and_encoded() {
        let expected = json!({"filters": {"aasm_state": "locked", "request_id": "3"}});
        assert_eq!(
            parse("filters[aasm_state]=locked&filters[request_id]=3"),
            expected
        );
        assert_eq!(
            parse("filters%5Baasm_state%5D=locked&filters%5brequest_id%5d=3"),
            expected
        );
        assert_eq!(parse("a[b][c]=1"), json!({"a": {"b": {"c": "1"}}}));
        assert_eq!(parse("a[b]=1&a[c]=2"), json!({"a": {"b": "1", "c": "2"}}));
        assert_eq!(parse("a[my+key]=1"), json!({"a": {"my key": "1"}}));
    }

    #[test]
    fn arrays() {
        assert_eq!(parse("a[]=x"), json!({"a": ["x"]}));
        assert_eq!(parse("a[]=x&a[]=y"), json!({"a": ["x", "y"]}));
        assert_eq!(parse("a[b][]=1&a[b][]=2"), json!({"a": {"b": ["1", "2"]}}));
        assert_eq!(
            parse("filters%5Baasm_state%5D%5B%5D=created&filters%5Baasm_state%5D%5B%5D=planned"),
            json!({"filters": {"aasm_state": ["created", "planned"]}})
        );
        assert_eq!(parse("a[]="), json!({"a": [""]}));
    }

    #[test]
    fn arrays_of_objects() {
        assert_eq!(
            parse("a[][b]=1&a[][c]=2&a[][b]=3"),
            json!({"a": [{"b": "1", "c": "2"}, {"b": "3"}]})
        );
        assert_eq!(
            parse("a[][b][c]=1&a[][b][d]=2&a[][b][c]=3"),
            json!({"a": [{"b": {"c": "1", "d": "2"}}, {"b": {"c": "3"}}]})
        );
        assert_eq!(parse("a[][]=1&a[][]=2"), json!({"a": [["1"], ["2"]]}));
    }

    #[test]
    fn conflicting_shapes_last_wins() {
        assert_eq!(parse("a=1&a[b]=2"), json!({"a": {"b": "2"}}));
        assert_eq!(parse("a[b]=2&a=1"), json!({"a": "1"}));
        assert_eq!(parse("a[]=1&a[b]=2"), json!({"a": {"b": "2"}}));
        assert_eq!(parse("a[b]=2&a[]=1"), json!({"a": ["1"]}));
        assert_eq!(parse("a[b]=1&a[b][c]=2"), json!({"a": {"b": {"c": "2"}}}));
        assert_eq!(parse("a[]=1&a[][b]=2"), json!({"a": ["1", {"b": "2"}]}));
    }

    #[test]
    fn lenient_brackets() {
        assert_eq!(parse("a[b=1"), json!({"a": {"b": "1"}}));
        assert_eq!(parse("a]=1"), json!({"a": "1"}));
        assert_eq!(parse("a][b]=1"), json!({"a": {"b": "1"}}));
        assert_eq!(parse("a[b]c=1"), json!({"a": {"b": {"c": "1"}}}));
        assert_eq!(parse("a[[b]]=1"), json!({"a": {"": {"b": "1"}}}));
        assert_eq!(parse("a[]]=1"), json!({"a": ["1"]}));
    }

    #[test]
    fn key_segments() {
        assert_eq!(
            split_key("a[b][]"),
            Some((
                "a".to_owned(),
                vec![Segment::Key("b".into()), Segment::Push]
            ))
        );
        assert_eq!(split_key("a"), Some(("a".to_owned(), vec![])));
        assert_eq!(split_key(""), None);
        assert_eq!(split_key("[]"), None);
        assert_eq!(
            split_key("a[]"),
            Some(("a".to_owned(), vec![Segment::Push]))
        );
    }

    #[test]
    fn deep_keys_are_ignored() {
        let deep = format!("a{}=1&b=2", "[x]".repeat(100_000));
        assert_eq!(parse(&deep), json!({"b": "2"}));
        let limit = format!("a{}=1", "[x]".repeat(MAX_KEY_DEPTH - 1));
        assert!(parse_query(&limit).contains_key("a"));
        let over = format!("a{}=1", "[x]".repeat(MAX_KEY_DEPTH));
        assert!(parse_query(&over).is_empty());
    }
}
