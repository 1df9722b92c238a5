//! XML request bodies, read as Rails' `Hash.from_xml` read them, with hostile XML refused.

use quick_xml::escape::{resolve_predefined_entity, EscapeError};
use quick_xml::events::attributes::AttrError;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::{Decoder, Reader};
use serde_json::{Map, Value};

use crate::parse_error::ParseError;
use crate::xml_value::{object_of, trim_xml_whitespace, typecast};

/// The deepest element nesting accepted; params never need more, and a bound keeps memory and
/// the recursive drop of the result in check.
pub const MAX_XML_DEPTH: usize = 64;

/// Types `Hash.from_xml` refused too: they made Ruby objects out of input.
const DISALLOWED_TYPES: [&str; 2] = ["yaml", "symbol"];

/// Parses an XML body into `{root_name: content}`.
///
/// Element names have dashes turned into underscores. An element with child elements becomes an
/// object (a repeated child name becomes an array of its values); `type="array"` makes an array
/// of its children's values; `type="integer"`, `"boolean"`, `"float"` and `"decimal"` become
/// JSON numbers and booleans when the text is one (otherwise the text stays a string, so that
/// validation can say "is not a number"); `type="string"` keeps its text as it is; `nil="true"`,
/// and any other element that is empty or only whitespace, become null. Other attributes are
/// ignored; CDATA is text.
///
/// Refused: any DOCTYPE (so no entity expansion of any kind), entities other than the five
/// predefined ones, nesting deeper than [`MAX_XML_DEPTH`], content outside the root element, and
/// the `yaml` and `symbol` types.
pub fn parse_xml(body: &[u8]) -> Result<Value, ParseError> {
    let mut reader = Reader::from_reader(body);
    let decoder = reader.decoder();
    let mut tree = Tree::default();
    loop {
        // Where the event starts, for the errors found while handling it.
        let position = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(error) => return Err(xml_error(error, reader.error_position())),
        };
        match event {
            Event::Start(start) => tree.enter(Element::start(&start, decoder, position)?)?,
            Event::Empty(start) => {
                tree.enter(Element::start(&start, decoder, position)?)?;
                tree.leave()?;
            }
            // quick-xml has checked that it closes the innermost open element.
            Event::End(_) => tree.leave()?,
            Event::Text(text) => {
                tree.text(&text.xml10_content().map_err(|e| malformed(position, e))?)?;
            }
            Event::CData(cdata) => {
                tree.text(&cdata.xml10_content().map_err(|e| malformed(position, e))?)?;
            }
            Event::GeneralRef(reference) => tree.text(&resolve_reference(&reference, position)?)?,
            Event::DocType(_) => return Err(ParseError::XmlDoctype),
            // Declarations, processing instructions and comments carry no params.
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => return tree.finish(),
        }
    }
}

/// The document read so far: the elements still open, and the root once it has closed.
#[derive(Default)]
struct Tree {
    open: Vec<Element>,
    root: Option<(String, Value)>,
}

impl Tree {
    fn enter(&mut self, element: Element) -> Result<(), ParseError> {
        if self.root.is_some() {
            return Err(ParseError::XmlOutsideRoot);
        }
        if self.open.len() >= MAX_XML_DEPTH {
            return Err(ParseError::XmlTooDeep(MAX_XML_DEPTH));
        }
        self.open.push(element);
        Ok(())
    }

    fn leave(&mut self) -> Result<(), ParseError> {
        let (name, value) = self.open.pop().ok_or(ParseError::XmlOutsideRoot)?.finish();
        match self.open.last_mut() {
            Some(parent) => parent.children.push((name, value)),
            None => self.root = Some((name, value)),
        }
        Ok(())
    }

    /// Text goes to the innermost open element; outside the root only whitespace is allowed.
    fn text(&mut self, text: &str) -> Result<(), ParseError> {
        match self.open.last_mut() {
            Some(element) => element.text.push_str(text),
            None if trim_xml_whitespace(text).is_empty() => {}
            None => return Err(ParseError::XmlOutsideRoot),
        }
        Ok(())
    }

    fn finish(self) -> Result<Value, ParseError> {
        if let Some(element) = self.open.last() {
            return Err(ParseError::XmlUnclosed(element.name.clone()));
        }
        let (name, value) = self.root.ok_or(ParseError::XmlNoRoot)?;
        let mut object = Map::new();
        object.insert(name, value);
        Ok(Value::Object(object))
    }
}

/// An element being read: what its attributes said, its text and its finished children.
struct Element {
    name: String,
    type_attribute: Option<String>,
    nil: bool,
    text: String,
    children: Vec<(String, Value)>,
}

impl Element {
    fn start(start: &BytesStart, decoder: Decoder, position: u64) -> Result<Element, ParseError> {
        let name = decoder
            .decode(start.name().as_ref())
            .map_err(|e| malformed(position, e))?
            .replace('-', "_");
        let mut element = Element {
            name,
            type_attribute: None,
            nil: false,
            text: String::new(),
            children: Vec::new(),
        };
        // Every attribute is read, so that a malformed one is an error even when it is ignored.
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|e| attribute_error(e, position))?;
            let key = attribute.key.as_ref();
            if key != b"type" && key != b"nil" {
                continue;
            }
            let value = attribute
                .decode_and_unescape_value(decoder)
                .map_err(|e| xml_error(e, position))?;
            if key == b"nil" {
                element.nil = value == "true";
            } else if DISALLOWED_TYPES.contains(&value.as_ref()) {
                return Err(ParseError::XmlTypeNotAllowed(value.into_owned()));
            } else {
                element.type_attribute = Some(value.into_owned());
            }
        }
        Ok(element)
    }

    fn finish(self) -> (String, Value) {
        let value = if self.nil {
            Value::Null
        } else if self.type_attribute.as_deref() == Some("array") {
            Value::Array(self.children.into_iter().map(|(_, value)| value).collect())
        } else if !self.children.is_empty() {
            object_of(self.children)
        } else {
            typecast(self.type_attribute.as_deref(), self.text)
        };
        (self.name, value)
    }
}

/// `&#233;`, `&#xE9;` and the five predefined entities; anything else is refused, as there is
/// no DTD that could define it.
fn resolve_reference(reference: &BytesRef, position: u64) -> Result<String, ParseError> {
    if let Some(c) = reference
        .resolve_char_ref()
        .map_err(|e| malformed(position, e))?
    {
        return Ok(c.to_string());
    }
    let name = reference.decode().map_err(|e| malformed(position, e))?;
    resolve_predefined_entity(&name)
        .map(str::to_owned)
        .ok_or_else(|| ParseError::XmlUnknownEntity(name.into_owned()))
}

fn xml_error(error: quick_xml::Error, position: u64) -> ParseError {
    match error {
        quick_xml::Error::Escape(EscapeError::UnrecognizedEntity(_, name)) => {
            ParseError::XmlUnknownEntity(name)
        }
        other => malformed(position, other),
    }
}

/// quick-xml counts attribute positions from the tag's name; the message counts from the start of
/// the body, as for every other error.
fn attribute_error(error: AttrError, tag_start: u64) -> ParseError {
    let name_start = tag_start.saturating_add(1);
    let at = |offset: usize| name_start.saturating_add(u64::try_from(offset).unwrap_or(u64::MAX));
    let (offset, message) = match error {
        AttrError::ExpectedEq(offset) => {
            (offset, "attribute name must be followed by `=`".to_owned())
        }
        AttrError::ExpectedValue(offset) => (
            offset,
            "`=` must be followed by an attribute value".to_owned(),
        ),
        AttrError::UnquotedValue(offset) => (
            offset,
            "attribute value must be enclosed in `\"` or `'`".to_owned(),
        ),
        AttrError::ExpectedQuote(offset, quote) => (
            offset,
            format!(
                "missing closing quote `{}` in attribute value",
                char::from(quote)
            ),
        ),
        AttrError::Duplicated(offset, first) => (
            offset,
            format!("duplicated attribute, first given at byte {}", at(first)),
        ),
    };
    ParseError::MalformedXml {
        position: at(offset),
        message,
    }
}

fn malformed(position: u64, error: impl std::fmt::Display) -> ParseError {
    ParseError::MalformedXml {
        position,
        message: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(xml: &str) -> Result<Value, ParseError> {
        parse_xml(xml.as_bytes())
    }

    fn ok(xml: &str) -> Value {
        match parse(xml) {
            Ok(value) => value,
            Err(e) => panic!("{xml}: {e}"),
        }
    }

    #[test]
    fn brief_examples() {
        assert_eq!(
            ok("<step><request_id>1</request_id><name>Step 2</name></step>"),
            json!({"step": {"request_id": "1", "name": "Step 2"}})
        );
        assert_eq!(
            ok(
                r#"<user><first-name>Jo</first-name><admin type="boolean">true</admin><group-ids type="array"><group-id type="integer">1</group-id><group-id type="integer">2</group-id></group-ids></user>"#
            ),
            json!({"user": {"first_name": "Jo", "admin": true, "group_ids": [1, 2]}})
        );
        assert_eq!(
            ok("<filters><aasm_state>created</aasm_state><aasm_state>planned</aasm_state></filters>"),
            json!({"filters": {"aasm_state": ["created", "planned"]}})
        );
    }

    #[test]
    fn declaration_comments_and_indentation() {
        let xml = "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- a comment -->\n<step>\n  <name>x</name>\n  <?pi ignored?>\n  <id type=\"integer\"> 7 </id>\n</step>\n<!-- trailing comment -->\n";
        assert_eq!(ok(xml), json!({"step": {"name": "x", "id": 7}}));
    }

    #[test]
    fn root_only() {
        assert_eq!(ok("<step/>"), json!({"step": null}));
        assert_eq!(ok("<step></step>"), json!({"step": null}));
        assert_eq!(ok("<name>x</name>"), json!({"name": "x"}));
        assert_eq!(ok(r#"<ids type="array"/>"#), json!({"ids": []}));
    }

    #[test]
    fn arrays() {
        assert_eq!(
            ok(r#"<s><ids type="array"><id>1</id></ids></s>"#),
            json!({"s": {"ids": ["1"]}})
        );
        assert_eq!(
            ok(r#"<s><ids type="array"></ids></s>"#),
            json!({"s": {"ids": []}})
        );
        assert_eq!(
            ok(r#"<s><ids type="array">  </ids></s>"#),
            json!({"s": {"ids": []}})
        );
        assert_eq!(
            ok(r#"<s><ids type="array"><id/><id type="integer">2</id></ids></s>"#),
            json!({"s": {"ids": [null, 2]}})
        );
        assert_eq!(
            ok(
                r#"<s><steps type="array"><step><name>a</name></step><step><name>b</name></step></steps></s>"#
            ),
            json!({"s": {"steps": [{"name": "a"}, {"name": "b"}]}})
        );
        assert_eq!(
            ok(r#"<s><m type="array"><a>1</a><b>2</b></m></s>"#),
            json!({"s": {"m": ["1", "2"]}})
        );
    }

    #[test]
    fn repeated_elements_become_arrays_even_when_interleaved() {
        assert_eq!(
            ok("<f><a>1</a><b>x</b><a>2</a><a>3</a></f>"),
            json!({"f": {"a": ["1", "2", "3"], "b": "x"}})
        );
        assert_eq!(
            ok(r#"<f><a type="array"><i>1</i></a><a>2</a></f>"#),
            json!({"f": {"a": [["1"], "2"]}})
        );
    }

    #[test]
    fn integers() {
        assert_eq!(ok(r#"<a type="integer">42</a>"#), json!({"a": 42}));
        assert_eq!(ok(r#"<a type="integer">-3</a>"#), json!({"a": -3}));
        assert_eq!(ok(r#"<a type="integer">abc</a>"#), json!({"a": "abc"}));
        assert_eq!(ok(r#"<a type="integer">1.5</a>"#), json!({"a": "1.5"}));
        assert_eq!(
            ok(r#"<a type="integer">99999999999999999999</a>"#),
            json!({"a": "99999999999999999999"})
        );
        assert_eq!(ok(r#"<a type="integer"></a>"#), json!({"a": null}));
        assert_eq!(ok(r#"<a type="integer">  </a>"#), json!({"a": null}));
    }

    #[test]
    fn booleans() {
        assert_eq!(ok(r#"<a type="boolean">true</a>"#), json!({"a": true}));
        assert_eq!(ok(r#"<a type="boolean">1</a>"#), json!({"a": true}));
        assert_eq!(ok(r#"<a type="boolean">false</a>"#), json!({"a": false}));
        assert_eq!(ok(r#"<a type="boolean">0</a>"#), json!({"a": false}));
        assert_eq!(
            ok(r#"<a type="boolean"> true
</a>"#),
            json!({"a": true})
        );
        assert_eq!(ok(r#"<a type="boolean">yes</a>"#), json!({"a": "yes"}));
        assert_eq!(ok(r#"<a type="boolean">TRUE</a>"#), json!({"a": "TRUE"}));
        assert_eq!(ok(r#"<a type="boolean"/>"#), json!({"a": null}));
    }

    #[test]
    fn floats_and_decimals() {
        assert_eq!(ok(r#"<a type="float">1.5</a>"#), json!({"a": 1.5}));
        assert_eq!(ok(r#"<a type="decimal">10.25</a>"#), json!({"a": 10.25}));
        assert_eq!(ok(r#"<a type="decimal">3</a>"#), json!({"a": 3.0}));
        assert_eq!(ok(r#"<a type="float">abc</a>"#), json!({"a": "abc"}));
        assert_eq!(ok(r#"<a type="float">NaN</a>"#), json!({"a": "NaN"}));
        assert_eq!(ok(r#"<a type="float">inf</a>"#), json!({"a": "inf"}));
        assert_eq!(ok(r#"<a type="decimal">1e400</a>"#), json!({"a": "1e400"}));
    }

    #[test]
    fn strings_dates_and_unknown_types_stay_text() {
        assert_eq!(
            ok(r#"<a type="datetime">2012-09-04T15:34:44-04:00</a>"#),
            json!({"a": "2012-09-04T15:34:44-04:00"})
        );
        assert_eq!(
            ok(r#"<a type="date">2012-09-04</a>"#),
            json!({"a": "2012-09-04"})
        );
        assert_eq!(ok(r#"<a type="string">x</a>"#), json!({"a": "x"}));
        assert_eq!(ok(r#"<a type="string"></a>"#), json!({"a": ""}));
        assert_eq!(ok(r#"<a type="string"/>"#), json!({"a": ""}));
        assert_eq!(ok(r#"<a type="string">  </a>"#), json!({"a": "  "}));
        assert_eq!(
            ok(r#"<a type="base64Binary">aGk=</a>"#),
            json!({"a": "aGk="})
        );
        assert_eq!(ok(r#"<a type="YAML">--- x</a>"#), json!({"a": "--- x"}));
    }

    #[test]
    fn nil_and_empty() {
        assert_eq!(ok(r#"<s><a nil="true"/></s>"#), json!({"s": {"a": null}}));
        assert_eq!(
            ok(r#"<s><a nil="true">text</a></s>"#),
            json!({"s": {"a": null}})
        );
        assert_eq!(
            ok(r#"<s><a type="datetime" nil="true"></a></s>"#),
            json!({"s": {"a": null}})
        );
        assert_eq!(
            ok(r#"<s><a type="string" nil="true"/></s>"#),
            json!({"s": {"a": null}})
        );
        assert_eq!(
            ok(r#"<s><a nil="false">x</a></s>"#),
            json!({"s": {"a": "x"}})
        );
        assert_eq!(
            ok("<s><a></a><b> \n\t</b></s>"),
            json!({"s": {"a": null, "b": null}})
        );
    }

    #[test]
    fn text_keeps_its_whitespace() {
        assert_eq!(ok("<a>  two  words </a>"), json!({"a": "  two  words "}));
        assert_eq!(ok("<a>line\r\nnext</a>"), json!({"a": "line\nnext"}));
    }

    #[test]
    fn other_attributes_are_ignored() {
        assert_eq!(
            ok(r#"<step id="5" xmlns="urn:x"><name lang="en">x</name></step>"#),
            json!({"step": {"name": "x"}})
        );
    }

    #[test]
    fn text_between_child_elements_is_ignored() {
        assert_eq!(ok("<s>stray<a>1</a>text</s>"), json!({"s": {"a": "1"}}));
    }

    #[test]
    fn entities_cdata_and_character_references() {
        assert_eq!(
            ok("<a>&lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;</a>"),
            json!({"a": "<b> & \"c\" 'd'"})
        );
        assert_eq!(ok("<a>caf&#233; &#x263A;</a>"), json!({"a": "café ☺"}));
        assert_eq!(
            ok("<a><![CDATA[<not> &amp; markup]]></a>"),
            json!({"a": "<not> &amp; markup"})
        );
        assert_eq!(ok("<a>x<![CDATA[y]]>z</a>"), json!({"a": "xyz"}));
        assert_eq!(ok("<a type=\"&#105;nteger\">5</a>"), json!({"a": 5}));
        assert_eq!(ok("<a>caf\u{e9}</a>"), json!({"a": "café"}));
    }

    #[test]
    fn dashes_become_underscores_at_every_level() {
        assert_eq!(
            ok("<job-run><run-key>1</run-key><step-info><step-id>2</step-id></step-info></job-run>"),
            json!({"job_run": {"run_key": "1", "step_info": {"step_id": "2"}}})
        );
    }

    #[test]
    fn refuses_disallowed_types() {
        assert_eq!(
            parse(r#"<a type="yaml">--- !ruby/object:Foo {}</a>"#),
            Err(ParseError::XmlTypeNotAllowed("yaml".into()))
        );
        assert_eq!(
            parse(r#"<s><a type="symbol">x</a></s>"#),
            Err(ParseError::XmlTypeNotAllowed("symbol".into()))
        );
        assert_eq!(
            parse(r#"<s><a type="yaml"/></s>"#).map_err(|e| e.to_string()),
            Err("XML type \"yaml\" is not allowed".to_owned())
        );
    }

    #[test]
    fn refuses_billion_laughs() {
        let xml = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<lolz>&lol3;</lolz>"#;
        assert_eq!(parse(xml), Err(ParseError::XmlDoctype));
        assert_eq!(
            ParseError::XmlDoctype.to_string(),
            "XML DOCTYPE declarations are not allowed"
        );
    }

    #[test]
    fn refuses_external_entities() {
        let xml = r#"<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>"#;
        assert_eq!(parse(xml), Err(ParseError::XmlDoctype));
        assert_eq!(
            parse(r#"<!DOCTYPE foo SYSTEM "http://example.com/x.dtd"><foo/>"#),
            Err(ParseError::XmlDoctype)
        );
    }

    #[test]
    fn refuses_unknown_entities() {
        assert_eq!(
            parse("<a>&xxe;</a>"),
            Err(ParseError::XmlUnknownEntity("xxe".into()))
        );
        assert_eq!(
            parse("<a>&nbsp;</a>").map_err(|e| e.to_string()),
            Err("unknown XML entity reference &nbsp;".to_owned())
        );
        assert_eq!(
            parse(r#"<a type="&foo;">1</a>"#),
            Err(ParseError::XmlUnknownEntity("foo".into()))
        );
    }

    #[test]
    fn refuses_deep_nesting() {
        let nested = |depth: usize| format!("{}x{}", "<a>".repeat(depth), "</a>".repeat(depth));
        assert!(parse(&nested(MAX_XML_DEPTH)).is_ok());
        assert_eq!(
            parse(&nested(MAX_XML_DEPTH + 1)),
            Err(ParseError::XmlTooDeep(MAX_XML_DEPTH))
        );
        assert_eq!(
            parse(&nested(100_000)).map_err(|e| e.to_string()),
            Err("XML nesting deeper than 64 levels is not allowed".to_owned())
        );
    }

    #[test]
    fn refuses_content_outside_the_root() {
        for xml in [
            "<a>1</a>garbage",
            "<a>1</a><b>2</b>",
            "<a>1</a><b/>",
            "text<a>1</a>",
            "<a>1</a>&amp;",
            "<a/><![CDATA[x]]>",
        ] {
            assert_eq!(parse(xml), Err(ParseError::XmlOutsideRoot), "{xml}");
        }
        assert_eq!(
            ParseError::XmlOutsideRoot.to_string(),
            "XML body has content outside its root element"
        );
        assert_eq!(ok("\n <a>1</a> \n\n"), json!({"a": "1"}));
    }

    #[test]
    fn refuses_empty_and_rootless_documents() {
        assert_eq!(parse(""), Err(ParseError::XmlNoRoot));
        assert_eq!(parse("  \n"), Err(ParseError::XmlNoRoot));
        assert_eq!(
            parse("<?xml version=\"1.0\"?><!-- c -->"),
            Err(ParseError::XmlNoRoot)
        );
    }

    #[test]
    fn malformed_documents() {
        for xml in [
            "<a>",
            "<a><b></a>",
            "<a></b>",
            "</a>",
            "<a x=1></a>",
            "<a x=\"1\" x=\"2\"></a>",
            "<a>&amp</a>",
            "<a>& b</a>",
            "<a>&#xZZ;</a>",
            "<a>&#0;</a>",
            "<a",
            "<a><!-- unterminated </a>",
            "<a><![CDATA[x</a>",
        ] {
            let result = parse(xml);
            assert!(
                matches!(
                    result,
                    Err(ParseError::MalformedXml { .. }) | Err(ParseError::XmlUnclosed(_))
                ),
                "{xml}: {result:?}"
            );
        }
        assert!(matches!(
            parse_xml(b"<a>\xff</a>"),
            Err(ParseError::MalformedXml { .. })
        ));
    }

    #[test]
    fn attribute_errors_count_from_the_start_of_the_body() {
        let message = |xml: &str| parse(xml).map_err(|e| e.to_string());
        assert_eq!(
            message("<a x=1></a>"),
            Err(
                "malformed XML body at byte 5: attribute value must be enclosed in `\"` or `'`"
                    .to_owned()
            )
        );
        assert_eq!(
            message("<r>\n<a x=\"1\" x=\"2\"></a></r>"),
            Err(
                "malformed XML body at byte 13: duplicated attribute, first given at byte 7"
                    .to_owned()
            )
        );
        assert!(matches!(
            parse("<a x></a>"),
            Err(ParseError::MalformedXml { .. })
        ));
        assert!(matches!(
            parse("<a x=></a>"),
            Err(ParseError::MalformedXml { .. })
        ));
    }

    #[test]
    fn malformed_messages_name_the_problem() {
        let message = parse("<a><b></a>").map_err(|e| e.to_string());
        assert_eq!(
            message,
            Err("malformed XML body at byte 6: ill-formed document: expected `</b>`, but `</a>` was found".to_owned())
        );
    }
}
