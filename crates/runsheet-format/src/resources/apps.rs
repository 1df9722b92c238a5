//! Apps, with their environments and components.

use crate::{List, Node, Record, RenderOptions};
use runsheet_core::app::{AppRecord, Named};

/// `{"id": 1, "name": "..."}`, as records show the records they link to.
pub fn named(named: &Named) -> Record {
    Record::new()
        .field("id", named.id)
        .field("name", named.name.as_str())
}

/// A list of linked records, each element named `item` in XML.
pub fn named_list(item: &'static str, records: &[Named]) -> List {
    List::new(item, records.iter().map(named))
}

pub fn app(record: &AppRecord, _options: &RenderOptions) -> Node {
    let a = &record.app;
    Record::new()
        .field("active", a.active)
        .field("app_version", a.app_version.clone())
        .field("created_at", a.created_at)
        .field("id", a.id)
        .field("name", a.name.as_str())
        .field("updated_at", a.updated_at)
        .field(
            "environments",
            named_list("environment", &record.environments),
        )
        .field("components", named_list("component", &record.components))
        .into()
}
