//! Error bodies: validation errors (422) and the one-message shape used for every other error.

use runsheet_core::Errors;

use crate::json_render::to_json;
use crate::node::{List, Record};
use crate::out::Out;
use crate::render_options::RenderOptions;
use crate::xml_out::XmlOut;
use crate::xml_render::to_xml;

/// `{"login":["can't be blank","has already been taken"]}`: messages grouped by attribute, in the
/// order the attributes were first seen, without the attribute name.
pub fn errors_to_json(errors: &Errors) -> Vec<u8> {
    let record: Record = errors
        .grouped()
        .into_iter()
        .map(|(attribute, messages)| (attribute.to_owned(), List::new("error", messages)))
        .collect();
    to_json(&record.into(), &RenderOptions::default())
}

/// `<errors><error>Login can't be blank</error></errors>`: full messages, as ActiveModel's
/// `Errors#to_xml` wrote them (an array rendered with `skip_types`, hence no `type="array"`).
pub fn errors_to_xml(errors: &Errors) -> Vec<u8> {
    let messages = errors.full_messages();
    let mut xml = XmlOut::document(chrono_tz::Tz::UTC);
    if messages.is_empty() {
        xml.empty_element("errors");
    } else {
        let out: &mut dyn Out = &mut xml;
        out.record("errors", |out| {
            for message in &messages {
                out.field("error", message);
            }
        });
    }
    xml.finish()
}

/// `{"error":{"response":"Invalid API Key"}}`, the original's 403 body, used for every error that
/// is not a validation failure.
pub fn message_to_json(message: &str) -> Vec<u8> {
    to_json(&message_record(message).into(), &RenderOptions::default())
}

/// `<xml><error><response>Invalid API Key</response></error></xml>`, the original's 403 body.
pub fn message_to_xml(message: &str) -> Vec<u8> {
    to_xml(
        "xml",
        &message_record(message).into(),
        &RenderOptions::default(),
    )
}

fn message_record(message: &str) -> Record {
    Record::new().field("error", Record::new().field("response", message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: Vec<u8>) -> String {
        String::from_utf8(bytes).expect("utf-8")
    }

    fn sample_errors() -> Errors {
        let mut errors = Errors::new();
        errors.add("login", "can't be blank");
        errors.add("email", "is invalid");
        errors.add("login", "has already been taken");
        errors
    }

    #[test]
    fn validation_errors_as_json() {
        assert_eq!(
            text(errors_to_json(&sample_errors())),
            r#"{"login":["can't be blank","has already been taken"],"email":["is invalid"]}"#
        );
        assert_eq!(text(errors_to_json(&Errors::new())), "{}");
    }

    #[test]
    fn validation_errors_as_xml() {
        assert_eq!(
            text(errors_to_xml(&sample_errors())),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <errors>\n\
             \x20 <error>Login can't be blank</error>\n\
             \x20 <error>Email is invalid</error>\n\
             \x20 <error>Login has already been taken</error>\n\
             </errors>\n"
        );
        assert_eq!(
            text(errors_to_xml(&Errors::new())),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<errors/>\n"
        );
    }

    #[test]
    fn error_text_is_escaped() {
        let mut errors = Errors::new();
        errors.add("name", "is <\"bad\"> & \u{1}");
        assert_eq!(
            text(errors_to_json(&errors)),
            r#"{"name":["is <\"bad\"> & \u0001"]}"#
        );
        assert!(text(errors_to_xml(&errors))
            .contains("<error>Name is &lt;\"bad\"&gt; &amp; \u{FFFD}</error>"));
    }

    #[test]
    fn message_as_json() {
        assert_eq!(
            text(message_to_json("Invalid API Key")),
            r#"{"error":{"response":"Invalid API Key"}}"#
        );
        assert_eq!(
            text(message_to_json("say \"hi\"")),
            r#"{"error":{"response":"say \"hi\""}}"#
        );
    }

    #[test]
    fn message_as_xml() {
        assert_eq!(
            text(message_to_xml("Invalid API Key")),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <xml>\n\
             \x20 <error>\n\
             \x20   <response>Invalid API Key</response>\n\
             \x20 </error>\n\
             </xml>\n"
        );
        assert!(text(message_to_xml("a < b")).contains("<response>a &lt; b</response>"));
    }
}
