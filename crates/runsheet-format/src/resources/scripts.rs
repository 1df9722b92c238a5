//! Scripts.

use crate::{Node, Record, RenderOptions};
use runsheet_core::script::Script;

pub fn script(s: &Script, _options: &RenderOptions) -> Node {
    Record::new()
        .field("aasm_state", s.aasm_state.as_str())
        .field("content", s.content.as_str())
        .field("created_at", s.created_at)
        .field("description", s.description.clone())
        .field("id", s.id)
        .field("name", s.name.as_str())
        .field("script_type", s.script_type.as_str())
        .field("updated_at", s.updated_at)
        .into()
}
