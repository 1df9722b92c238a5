use crate::{Node, Record, RenderOptions};
use runsheet_core::work_task::WorkTask;

pub fn work_task(w: &WorkTask, _options: &RenderOptions) -> Node {
    Record::new()
        .field("created_at", w.created_at)
        .field("id", w.id)
        .field("name", w.name.as_str())
        .field("position", w.position)
        .field("updated_at", w.updated_at)
        .into()
}
