use crate::{List, Node, Record, RenderOptions};
use runsheet_core::procedure::{AddedProcedure, ProcedureRecord, StepRef};

pub fn procedure(record: &ProcedureRecord, _options: &RenderOptions) -> Node {
    let p = &record.procedure;
    let steps = record.steps.iter().map(|s| {
        Record::new()
            .field("aasm_state", s.aasm_state.as_str())
            .field("id", s.id)
            .field("manual", s.manual)
            .field("name", s.name.clone())
            .field("position", s.position)
    });
    Record::new()
        .field("aasm_state", p.aasm_state.as_str())
        .field("created_at", p.created_at)
        .field("description", p.description.clone())
        .field("id", p.id)
        .field("name", p.name.as_str())
        .field("updated_at", p.updated_at)
        .field("steps", List::new("step", steps))
        .into()
}

fn step_ref(s: &StepRef) -> Record {
    Record::new()
        .field("id", s.id)
        .field("name", s.name.clone())
        .field("position", s.position)
}

/// The procedure step `add_to_request` made (root element `step`), with its children.
pub fn added_procedure(added: &AddedProcedure, _options: &RenderOptions) -> Node {
    step_ref(&added.step)
        .field("procedure", added.procedure)
        .field("request_id", added.request_id)
        .field("steps", List::new("step", added.steps.iter().map(step_ref)))
        .into()
}
