use crate::{List, Node, Record, RenderOptions};
use runsheet_core::phase::PhaseRecord;

pub fn phase(record: &PhaseRecord, _options: &RenderOptions) -> Node {
    let p = &record.phase;
    let runtime_phases = record.runtime_phases.iter().map(|r| {
        Record::new()
            .field("id", r.id)
            .field("name", r.name.as_str())
            .field("position", r.position)
    });
    Record::new()
        .field("created_at", p.created_at)
        .field("id", p.id)
        .field("name", p.name.as_str())
        .field("position", p.position)
        .field("updated_at", p.updated_at)
        .field("runtime_phases", List::new("runtime_phase", runtime_phases))
        .into()
}
