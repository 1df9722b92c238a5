//! Environments, with the apps that run in them.

use super::apps::named_list;
use crate::{Node, Record, RenderOptions};
use runsheet_core::environment::EnvironmentRecord;

pub fn environment(record: &EnvironmentRecord, _options: &RenderOptions) -> Node {
    let e = &record.environment;
    Record::new()
        .field("active", e.active)
        .field("created_at", e.created_at)
        .field("deployment_policy", e.deployment_policy.as_str())
        .field("id", e.id)
        .field("name", e.name.as_str())
        .field("updated_at", e.updated_at)
        .field("apps", named_list("app", &record.apps))
        .into()
}
