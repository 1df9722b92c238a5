//! Why a request body could not be read; the message is shown to the client with a 400.

/// A request body that could not be turned into params.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("empty JSON body")]
    EmptyJson,
    /// serde_json's own message, which names the problem and where it is.
    #[error("malformed JSON body: {0}")]
    MalformedJson(String),
    /// The body is valid JSON but not an object, so it has no root to read params from.
    #[error("JSON body must be an object, not {0}")]
    JsonNotObject(&'static str),
    #[error("malformed XML body at byte {position}: {message}")]
    MalformedXml { position: u64, message: String },
    #[error("XML body has no root element")]
    XmlNoRoot,
    #[error("XML body ends before <{0}> is closed")]
    XmlUnclosed(String),
    #[error("XML body has content outside its root element")]
    XmlOutsideRoot,
    #[error("XML DOCTYPE declarations are not allowed")]
    XmlDoctype,
    #[error("unknown XML entity reference &{0};")]
    XmlUnknownEntity(String),
    #[error("XML nesting deeper than {0} levels is not allowed")]
    XmlTooDeep(usize),
    #[error("XML type \"{0}\" is not allowed")]
    XmlTypeNotAllowed(String),
}
