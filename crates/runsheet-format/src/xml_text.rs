//! Escaping character data for the XML we write.

use crate::special_bytes::{next_special, Specials};

/// What XML text escapes or replaces (U+FFFE and U+FFFF start with 0xEF).
const SPECIALS: Specials = Specials::new(b"&<>\xef");

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
///
/// Runs of plain bytes are found a word at a time and copied whole: every text of every
/// record comes through here.
pub(crate) fn push_escaped_text(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let mut plain = 0;
    let mut index = 0;
    loop {
        index += next_special(&bytes[index..], &SPECIALS);
        let Some(&byte) = bytes.get(index) else { break };
        let (replacement, width) = match byte {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'\r' => ("&#13;", 1),
            0..=0x1f if byte != b'\t' && byte != b'\n' => ("\u{FFFD}", 1),
            // U+FFFE and U+FFFF, the only other characters XML forbids (UTF-8 EF BF BE/BF).
            0xef if matches!(bytes.get(index + 1..index + 3), Some([0xbf, 0xbe | 0xbf])) => {
                ("\u{FFFD}", 3)
            }
            // Tab, newline, or another character that starts with EF: as it is.
            _ => {
                index += 1;
                continue;
            }
        };
        // Each replaced character starts at an ASCII byte or a lead byte: a boundary.
        out.push_str(&text[plain..index]);
        out.push_str(replacement);
        index += width;
        plain = index;
    }
    out.push_str(&text[plain..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule character by character, as XML 1.0's Char production says it.
    fn reference(text: &str) -> String {
        let mut out = String::new();
        for c in text.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '\r' => out.push_str("&#13;"),
                '\t' | '\n' | '\u{20}'..='\u{FFFD}' | '\u{10000}'.. => out.push(c),
                _ => out.push('\u{FFFD}'),
            }
        }
        out
    }

    #[test]
    fn byte_runs_follow_the_character_rule() {
        let mut every: String = (0u32..0x800).filter_map(char::from_u32).collect();
        every.extend([
            '\u{FFFC}',
            '\u{FFFD}',
            '\u{FFFE}',
            '\u{FFFF}',
            '\u{10000}',
            '😀',
        ]);
        every.push_str("\u{EFBF}\u{FEFF}\u{FFBE}x");
        for text in [every.as_str(), "", "\u{FFFF}", "a\u{FFFE}", "\u{FFFD}\r"] {
            assert_eq!(escape_text(text), reference(text), "{text:?}");
        }
    }

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
