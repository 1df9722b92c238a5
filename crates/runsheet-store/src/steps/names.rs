//! The names a step shows of what it refers to (script, phase, owner, request, parent, ...),
//! read as scalar subqueries in the statement that reads the step.
//!
//! They were ten statements, one per table, and each statement costs a step's show more
//! than the index lookup it makes (a prepared statement taken from the cache, bound, stepped
//! and reset; on PostgreSQL a round trip): docs/benchmarks.md, 9 under "What the profiles
//! showed". Each column is a fixed piece of SQL with a static query id, so the statement
//! stays prepared; a wide join of the same tables made PostgreSQL plan it anew on every run
//! (8 there).

use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::Queryable;
use runsheet_core::step::{NamedRef, Owner, ParentRef, RequestRef};

use super::StepRow;

/// Columns that are fixed scalar subqueries, correlated with the tables of the statement
/// they are selected in (their SQL names them; the types do not check that).
macro_rules! scalar {
    ($($name:ident: $sql_type:ty = $sql:literal;)*) => {
        crate::sql::fixed_sql! {
            $(pub(super) $name: $sql_type = concat!("(", $sql, ")");)*
        }
    };
}

scalar! {
    Script: Nullable<Text> = "SELECT name FROM scripts WHERE scripts.id = steps.script_id";
    WorkTask: Nullable<Text> = "SELECT name FROM work_tasks WHERE work_tasks.id = steps.work_task_id";
    Phase: Nullable<Text> = "SELECT name FROM phases WHERE phases.id = steps.phase_id";
    RuntimePhase: Nullable<Text> =
        "SELECT name FROM runtime_phases WHERE runtime_phases.id = steps.runtime_phase_id";
    Category: Nullable<Text> = "SELECT name FROM categories WHERE categories.id = steps.category_id";
    Component: Nullable<Text> = "SELECT name FROM components WHERE components.id = steps.component_id";
    UserLogin: Nullable<Text> =
        "SELECT login FROM users WHERE users.id = steps.owner_id AND steps.owner_type = 'User'";
    UserEmail: Nullable<Text> =
        "SELECT email FROM users WHERE users.id = steps.owner_id AND steps.owner_type = 'User'";
    GroupName: Nullable<Text> =
        "SELECT name FROM \"groups\" g WHERE g.id = steps.owner_id AND steps.owner_type = 'Group'";
    GroupEmail: Nullable<Text> =
        "SELECT email FROM \"groups\" g WHERE g.id = steps.owner_id AND steps.owner_type = 'Group'";
    RequestName: Nullable<Text> = "SELECT name FROM requests WHERE requests.id = steps.request_id";
    RequestState: Nullable<Text> =
        "SELECT aasm_state FROM requests WHERE requests.id = steps.request_id";
    ParentName: Nullable<Text> = "SELECT p.name FROM steps p WHERE p.id = steps.parent_id";
    ParentPosition: Nullable<BigInt> = "SELECT p.position FROM steps p WHERE p.id = steps.parent_id";
}

// The links of an installed component's app to its component and environment (unique pairs),
// selected with `installed_components` joined to `apps`, `components` and `environments`.
scalar! {
    AppComponentLink: Nullable<BigInt> = "SELECT l.id FROM app_components l \
        WHERE l.app_id = apps.id AND l.component_id = components.id";
    AppEnvironmentLink: Nullable<BigInt> = "SELECT l.id FROM app_environments l \
        WHERE l.app_id = apps.id AND l.environment_id = environments.id";
}

/// The subqueries as one selection, `$name`s in order.
macro_rules! columns {
    ($($name:ident),*) => {
        pub(super) type Columns = ($($name,)*);

        /// The subqueries, selected beside a step's columns: one statement reads a step and
        /// its names (two were 8% of a show's instructions).
        pub(super) const COLUMNS: Columns = ($($name,)*);
    };
}

columns!(
    Script,
    WorkTask,
    Phase,
    RuntimePhase,
    Category,
    Component,
    UserLogin,
    UserEmail,
    GroupName,
    GroupEmail,
    RequestName,
    RequestState,
    ParentName,
    ParentPosition
);

/// What [`COLUMNS`] read for one step, in their order. A subquery of a kind the step does
/// not name (or of a row that is gone) is NULL.
#[derive(Debug, Clone, Queryable)]
pub(super) struct Names {
    script: Option<String>,
    work_task: Option<String>,
    phase: Option<String>,
    runtime_phase: Option<String>,
    category: Option<String>,
    component: Option<String>,
    user_login: Option<String>,
    user_email: Option<String>,
    group_name: Option<String>,
    group_email: Option<String>,
    request_name: Option<String>,
    request_state: Option<String>,
    parent_name: Option<String>,
    parent_position: Option<i64>,
}

/// A step's references with what it shows of each; `None` when it has none.
pub(super) struct Refs {
    pub script: Option<NamedRef>,
    pub work_task: Option<NamedRef>,
    pub phase: Option<NamedRef>,
    pub runtime_phase: Option<NamedRef>,
    pub category: Option<NamedRef>,
    pub component: Option<NamedRef>,
    pub owner: Option<Owner>,
    pub request: Option<RequestRef>,
    pub parent: Option<ParentRef>,
}

impl Names {
    /// The references of `step` (its ids) with these names.
    pub(super) fn refs(self, step: &StepRow) -> Refs {
        let named = |id: Option<i64>, name: Option<String>| {
            id.zip(name).map(|(id, name)| NamedRef { id, name })
        };
        let user = step
            .owner_id
            .zip(self.user_login)
            .zip(self.user_email)
            .map(|((id, login), email)| Owner::User { id, login, email });
        let group = step
            .owner_id
            .zip(self.group_name)
            .map(|(id, name)| Owner::Group {
                id,
                name,
                email: self.group_email,
            });
        Refs {
            script: named(step.script_id, self.script),
            work_task: named(step.work_task_id, self.work_task),
            phase: named(step.phase_id, self.phase),
            runtime_phase: named(step.runtime_phase_id, self.runtime_phase),
            category: named(step.category_id, self.category),
            component: named(step.component_id, self.component),
            owner: user.or(group),
            request: step
                .request_id
                .zip(self.request_state)
                .map(|(id, aasm_state)| RequestRef {
                    id,
                    name: self.request_name,
                    aasm_state,
                }),
            parent: step
                .parent_id
                .zip(self.parent_position)
                .map(|(id, position)| ParentRef {
                    id,
                    name: self.parent_name,
                    position,
                }),
        }
    }
}
