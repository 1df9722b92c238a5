//! Work tasks: the kinds of work a step does, in a chosen order.

use crate::errors::Errors;
pub use crate::phase::{NameFilter as WorkTaskFilter, PositionedChanges, PositionedFields};
use chrono::NaiveDateTime;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct WorkTask {
    pub id: i64,
    pub name: String,
    pub position: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl From<&WorkTask> for PositionedFields {
    fn from(task: &WorkTask) -> Self {
        PositionedFields {
            name: task.name.clone(),
            position: Some(task.position),
        }
    }
}

/// A work task's changes: a name and a position.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkTaskChanges(pub PositionedChanges);

const READ_ONLY: &[&str] = &["id", "created_at", "updated_at"];

impl WorkTaskChanges {
    pub fn parse(body: Option<&Value>) -> Result<WorkTaskChanges, Errors> {
        PositionedChanges::parse_under(body, "work_task", READ_ONLY).map(WorkTaskChanges)
    }
}
