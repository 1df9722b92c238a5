use super::server_levels::named;
use crate::{List, Node, Record, RenderOptions};
use runsheet_core::server::ServerRecord;

/// A server as the original showed it (the sample's `all_servers` entries), then its level
/// (left out when none) and its environments.
pub fn server(record: &ServerRecord, _options: &RenderOptions) -> Node {
    let s = &record.server;
    Record::new()
        .field("active", s.active)
        .field("created_at", s.created_at)
        .field("description", s.description.clone())
        .field("id", s.id)
        .field("ip_address", s.ip_address.clone())
        .field("name", s.name.as_str())
        .field("os_platform", s.os_platform.clone())
        .field("parent_id", s.parent_id)
        .field("parent_type", s.parent_type())
        .field("server_level_id", s.server_level_id)
        .field("updated_at", s.updated_at)
        .opt("server_level", record.server_level.as_ref().map(named))
        .field(
            "environments",
            List::new("environment", record.environments.iter().map(named)),
        )
        .into()
}
