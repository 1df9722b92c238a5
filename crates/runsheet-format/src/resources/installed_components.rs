//! Installed components, as the step sample's nested `installed_component` starts.

use super::apps::{named, named_list};
use crate::{Node, Record, RenderOptions};
use runsheet_core::installed_component::InstalledComponentRecord;

pub fn installed_component(record: &InstalledComponentRecord, _options: &RenderOptions) -> Node {
    let ic = &record.installed_component;
    // Keyed by property name: XML makes each name an element (`xml_name` repairs odd ones).
    let property_values: Record = record
        .property_values
        .iter()
        .map(|(name, value)| (name.clone(), Node::from(value.clone())))
        .collect();
    Record::new()
        .field("application_component_id", record.application_component_id)
        .field(
            "application_environment_id",
            record.application_environment_id,
        )
        .field("created_at", ic.created_at)
        .field("id", ic.id)
        .field("updated_at", ic.updated_at)
        .field("version", ic.version.clone())
        .field("app", named(&record.app))
        .field("component", named(&record.component))
        .field("environment", named(&record.environment))
        .field("servers", named_list("server", &record.servers))
        .field("property_values", property_values)
        .into()
}
