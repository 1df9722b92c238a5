//! Properties.

use crate::{Node, Record, RenderOptions};
use runsheet_core::property::Property;

pub fn property(p: &Property, _options: &RenderOptions) -> Node {
    Record::new()
        .field("active", p.active)
        .field("created_at", p.created_at)
        .field("default_value", p.default_value.clone())
        .field("id", p.id)
        .field("name", p.name.as_str())
        .field("updated_at", p.updated_at)
        .into()
}
