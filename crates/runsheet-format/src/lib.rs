//! runsheet's wire formats, reproducing what the original Rails API put on and took off the wire.
//!
//! - [`negotiate`] picks JSON or XML from an Accept header;
//! - a representation is written field by field into an [`Out`], whose JSON and XML
//!   implementations produce Rails' `to_json` / `to_xml` output: [`render`] for a whole body,
//!   [`ListWriter`] for a list a piece at a time (streamed answers). Steps and job runs write
//!   themselves from their records; the other resources build a [`Node`] tree, which
//!   [`to_json`] and [`to_xml`] render through the same calls;
//! - [`errors_to_json`], [`errors_to_xml`], [`message_to_json`], [`message_to_xml`] render the
//!   error bodies;
//! - [`parse_json`], [`parse_xml`] and [`parse_query`] turn request bodies and query strings into
//!   the generic params tree (`serde_json::Value`) the core reads.

mod error_bodies;
mod json_body;
mod json_render;
mod list_writer;
mod negotiation;
mod node;
mod out;
mod parse_error;
mod query;
mod render;
mod render_options;
pub mod resources;
mod special_bytes;
mod timestamp;
mod xml_body;
mod xml_name;
mod xml_out;
mod xml_render;
mod xml_text;
mod xml_value;

pub use error_bodies::{errors_to_json, errors_to_xml, message_to_json, message_to_xml};
pub use json_body::parse_json;
pub use json_render::to_json;
pub use list_writer::ListWriter;
pub use negotiation::{negotiate, Format, NotAcceptable};
pub use node::{List, Node, NullAs, Record, ScalarType};
pub use out::{Key, Out, Scalar};
pub use parse_error::ParseError;
pub use query::parse_query;
pub use render::render;
pub use render_options::RenderOptions;
pub use xml_body::{parse_xml, MAX_XML_DEPTH};
pub use xml_name::xml_name;
pub use xml_render::to_xml;
