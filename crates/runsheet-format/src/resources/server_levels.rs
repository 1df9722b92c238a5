use crate::{List, Node, Record, RenderOptions};
use runsheet_core::server_level::{NamedRef, ServerLevelRecord};

/// `{id, name}` of a record another one names.
pub fn named(r: &NamedRef) -> Record {
    Record::new()
        .field("id", r.id)
        .field("name", r.name.as_str())
}

pub fn server_level(record: &ServerLevelRecord, _options: &RenderOptions) -> Node {
    let l = &record.server_level;
    Record::new()
        .field("created_at", l.created_at)
        .field("description", l.description.clone())
        .field("id", l.id)
        .field("name", l.name.as_str())
        .field("updated_at", l.updated_at)
        .field(
            "servers",
            List::new("server", record.servers.iter().map(named)),
        )
        .into()
}
