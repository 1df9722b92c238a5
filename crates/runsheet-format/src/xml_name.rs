//! Element names: Rails' dasherizing, plus a repair for keys that are no XML name at all.

/// The element name for `key`: underscores become dashes (`run_key` -> `run-key`) as Rails'
/// `to_xml` does, and the result is made a namespace-well-formed name (an XML 1.0 NCName) so that
/// arbitrary hash keys such as property names cannot break the document: every character that
/// may not appear in a name (spaces, colons, punctuation) becomes `-`, and a name that would not
/// start with a letter or `_` (a digit, a dash, nothing at all) gets a `_` in front.
///
/// Names starting with "xml" are reserved by the spec but still well-formed; they are left alone.
pub fn xml_name(key: &str) -> String {
    let mut name = String::with_capacity(key.len() + 1);
    push_xml_name(&mut name, key);
    name
}

/// [`xml_name`], written at the end of `out`: every element named from data
/// ([`crate::Key::data`]: property names, server groups, and every name of a `Node` tree)
/// goes through here, so nothing is allocated.
pub(crate) fn push_xml_name(out: &mut String, key: &str) {
    let mut buf = [0u8; 64];
    match quick_name(key, &mut buf) {
        Some(name) => out.push_str(name),
        None => push_any_name(out, key),
    }
}

/// [`push_xml_name`] for a name written in the code ([`crate::Key::code`]: a letter, then
/// letters, digits and `_`), which only needs its underscores made dashes: no other check,
/// no buffer (names took 378 instructions each on the quick path below, an eighth of a
/// step's XML show; docs/benchmarks.md, 16).
pub(crate) fn push_code_name(out: &mut String, key: &str) {
    out.reserve(key.len());
    for byte in key.bytes() {
        out.push(if byte == b'_' { '-' } else { char::from(byte) });
    }
}

/// `key` dasherized into `buf` when it is like a field name (ASCII letters, digits and `_`,
/// from a letter, at most 64 bytes), as the names of `Node` trees are: one pass, one copy.
/// A push a character, then a `split` on `_`, made names a quarter of a step's XML.
fn quick_name<'b>(key: &str, buf: &'b mut [u8; 64]) -> Option<&'b str> {
    let bytes = key.as_bytes();
    if bytes.len() > buf.len() || !bytes.first()?.is_ascii_alphabetic() {
        return None;
    }
    for (slot, &byte) in buf.iter_mut().zip(bytes) {
        *slot = match byte {
            b'_' => b'-',
            _ if byte.is_ascii_alphanumeric() => byte,
            _ => return None,
        };
    }
    std::str::from_utf8(&buf[..bytes.len()]).ok()
}

/// [`push_xml_name`] for any key, a character at a time.
fn push_any_name(out: &mut String, key: &str) {
    let dasherized = key
        .chars()
        .map(|c| if c != '_' && is_name_char(c) { c } else { '-' });
    if !dasherized.clone().next().is_some_and(is_name_start_char) {
        out.push('_');
    }
    out.extend(dasherized);
}

/// XML 1.0 (fifth edition) NameStartChar, without the colon that namespaces reserve.
fn is_name_start_char(c: char) -> bool {
    matches!(c,
        'A'..='Z' | '_' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

/// XML 1.0 (fifth edition) NameChar, without the colon.
fn is_name_char(c: char) -> bool {
    is_name_start_char(c)
        || matches!(c,
            '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dasherizes_like_rails() {
        assert_eq!(xml_name("run_key"), "run-key");
        assert_eq!(xml_name("job_run"), "job-run");
        assert_eq!(xml_name("id"), "id");
        assert_eq!(xml_name("already-dashed"), "already-dashed");
    }

    /// The quick paths (a data name like a field name, and a name of the code) write what
    /// the general one does, for every key of letters, digits and underscores up to four
    /// long (and longer ones).
    #[test]
    fn the_quick_path_for_field_names_is_the_general_one() {
        let alphabet = ['a', 'Z', '0', '9', '_'];
        let mut keys = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = keys
                .iter()
                .flat_map(|key| alphabet.iter().map(move |c| format!("{key}{c}")))
                .collect();
            keys.extend(longer);
        }
        keys.extend(["run_key", "package_template_properties", "_x_", "a__b"].map(String::from));
        keys.push("a".repeat(64));
        keys.push("b".repeat(65));
        for key in keys {
            let mut general = String::new();
            push_any_name(&mut general, &key);
            assert_eq!(xml_name(&key), general, "{key:?}");
            if key.starts_with(|c: char| c.is_ascii_alphabetic()) {
                let mut code = String::new();
                push_code_name(&mut code, &key);
                assert_eq!(code, general, "{key:?}");
            }
        }
    }

    #[test]
    fn keeps_valid_names() {
        assert_eq!(xml_name("Server.Name"), "Server.Name");
        assert_eq!(xml_name("héllo"), "héllo");
        assert_eq!(xml_name("名前"), "名前");
        assert_eq!(xml_name("v2"), "v2");
        assert_eq!(xml_name("xmlish"), "xmlish");
    }

    #[test]
    fn invalid_characters_become_dashes() {
        assert_eq!(xml_name("my property"), "my-property");
        assert_eq!(xml_name("ns:key"), "ns-key");
        assert_eq!(xml_name("a<b>&\"c'"), "a-b---c-");
        assert_eq!(xml_name("tab\there"), "tab-here");
        assert_eq!(xml_name("a/b=c"), "a-b-c");
    }

    #[test]
    fn names_that_cannot_start_an_element_get_an_underscore() {
        assert_eq!(xml_name("2fa"), "_2fa");
        assert_eq!(xml_name("_private"), "_-private");
        assert_eq!(xml_name("-x"), "_-x");
        assert_eq!(xml_name(".hidden"), "_.hidden");
        assert_eq!(xml_name(" lead"), "_-lead");
        assert_eq!(xml_name(""), "_");
        assert_eq!(xml_name("\u{300}accent"), "_\u{300}accent");
    }

    #[test]
    fn results_always_parse_as_element_names() {
        for key in [
            "", "1", "a b", ":", "x:y:z", "\u{0}", "\u{FFFE}", "é", "-", "··",
        ] {
            let name = xml_name(key);
            let doc = format!("<{name}></{name}>");
            let mut reader = quick_xml::Reader::from_str(&doc);
            loop {
                match reader.read_event() {
                    Ok(quick_xml::events::Event::Eof) => break,
                    Ok(_) => {}
                    Err(e) => panic!("{key:?} -> {name:?}: {e}"),
                }
            }
            assert!(
                name.chars().next().is_some_and(is_name_start_char),
                "{name}"
            );
            assert!(name.chars().all(is_name_char), "{name}");
        }
    }
}
