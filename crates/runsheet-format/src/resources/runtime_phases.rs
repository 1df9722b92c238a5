use super::server_levels::named;
use crate::{Node, Record, RenderOptions};
use runsheet_core::runtime_phase::RuntimePhaseRecord;

pub fn runtime_phase(record: &RuntimePhaseRecord, _options: &RenderOptions) -> Node {
    let r = &record.runtime_phase;
    Record::new()
        .field("created_at", r.created_at)
        .field("id", r.id)
        .field("name", r.name.as_str())
        .field("phase_id", r.phase_id)
        .field("position", r.position)
        .field("updated_at", r.updated_at)
        .field("phase", named(&record.phase))
        .into()
}
