use crate::{Node, Record, RenderOptions};
use runsheet_core::category::Category;

pub fn category(c: &Category, _options: &RenderOptions) -> Node {
    Record::new()
        .field("categorized_type", c.categorized_type.as_str())
        .field("created_at", c.created_at)
        .field("id", c.id)
        .field("name", c.name.as_str())
        .field("updated_at", c.updated_at)
        .into()
}
