//! Components, with the apps made of them.

use super::apps::named_list;
use crate::{Node, Record, RenderOptions};
use runsheet_core::component::ComponentRecord;

pub fn component(record: &ComponentRecord, _options: &RenderOptions) -> Node {
    let c = &record.component;
    Record::new()
        .field("active", c.active)
        .field("created_at", c.created_at)
        .field("id", c.id)
        .field("name", c.name.as_str())
        .field("updated_at", c.updated_at)
        .field("apps", named_list("app", &record.apps))
        .into()
}
