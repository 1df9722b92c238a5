//! Escaping character data for the XML we write.

/// [`push_escaped_text`] into a new string.
#[cfg(test)]
pub(crate) fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_escaped_text(&mut out, text);
    out
}

/// `text` as XML character data, written at the end of `out`: `&`, `<` and `>` escaped as
/// Rails' Builder escaped them (quotes need no escaping outside attributes), and a carriage
/// return written as `&#13;` so that a parser's line-end normalisation does not turn it into
/// a newline.
///
/// Characters XML 1.0 does not allow at all (control characters other than tab, newline and
/// carriage return, and U+FFFE/U+FFFF) are replaced with U+FFFD REPLACEMENT CHARACTER rather than
/// dropped, so a reader can see that something was there; they cannot even be written as
/// character references, and letting them through would make the whole document ill-formed.
pub(crate) fn push_escaped_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
}

/// XML 1.0's Char production; surrogates cannot occur in a Rust string.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_characters() {
        assert_eq!(escape_text(r#"<&>"'"#), r#"&lt;&amp;&gt;"'"#);
        assert_eq!(escape_text("a &amp; b"), "a &amp;amp; b");
        assert_eq!(escape_text("plain text"), "plain text");
        assert_eq!(escape_text(""), "");
    }

    #[test]
    fn keeps_whitespace_and_unicode() {
        assert_eq!(escape_text("a\tb\nc é 名 😀"), "a\tb\nc é 名 😀");
        assert_eq!(escape_text("line\r\nnext"), "line&#13;\nnext");
    }

    #[test]
    fn replaces_characters_xml_forbids() {
        assert_eq!(
            escape_text("a\u{0}b\u{1}c\u{8}d\u{B}e\u{C}f\u{1F}g"),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}e\u{FFFD}f\u{FFFD}g"
        );
        assert_eq!(escape_text("\u{FFFE}\u{FFFF}"), "\u{FFFD}\u{FFFD}");
        assert_eq!(
            escape_text("\u{7F}\u{85}\u{D7FF}\u{E000}"),
            "\u{7F}\u{85}\u{D7FF}\u{E000}"
        );
    }
}
