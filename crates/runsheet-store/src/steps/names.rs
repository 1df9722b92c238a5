//! The names a step shows of what it refers to (script, phase, owner, request, parent, ...),
//! read in the statement that reads the step: left-joined on SQLite ([`joined_steps`]),
//! scalar subqueries on PostgreSQL ([`COLUMNS`]).
//!
//! They were ten statements, one per table, and each statement costs a step's show more
//! than the index lookup it makes (a prepared statement taken from the cache, bound, stepped
//! and reset; on PostgreSQL a round trip): docs/benchmarks.md, 9 under "What the profiles
//! showed". Each subquery is a fixed piece of SQL with a static query id, so the statement
//! stays prepared; a wide join of the same tables made PostgreSQL plan it anew on every run
//! (8 there), while SQLite runs each subquery as a subroutine that opens its table again
//! for every step (13 there).

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

/// The steps with what they name left-joined, one primary-key search a row named: the
/// source SQLite reads a shown step from, [`joined_columns`] its names. SQLite runs a scalar
/// subquery as a subroutine that opens its table anew for each step, which made the names a
/// sixth of a 50-step list's instructions (docs/benchmarks.md, 13). PostgreSQL keeps the
/// subqueries: it planned a wide join anew on every run (8 there).
macro_rules! joined_steps {
    () => {{
        use crate::requests::parent_steps;
        use crate::schema::{
            categories, components, groups, phases, requests, runtime_phases, scripts, steps,
            users, work_tasks,
        };
        steps::table
            .left_join(scripts::table.on(steps::script_id.eq(scripts::id.nullable())))
            .left_join(work_tasks::table.on(steps::work_task_id.eq(work_tasks::id.nullable())))
            .left_join(phases::table.on(steps::phase_id.eq(phases::id.nullable())))
            .left_join(
                runtime_phases::table.on(steps::runtime_phase_id.eq(runtime_phases::id.nullable())),
            )
            .left_join(categories::table.on(steps::category_id.eq(categories::id.nullable())))
            .left_join(components::table.on(steps::component_id.eq(components::id.nullable())))
            .left_join(
                users::table.on(steps::owner_id
                    .eq(users::id.nullable())
                    .and(steps::owner_type.eq("User"))),
            )
            .left_join(
                groups::table.on(steps::owner_id
                    .eq(groups::id.nullable())
                    .and(steps::owner_type.eq("Group"))),
            )
            .left_join(requests::table.on(steps::request_id.eq(requests::id.nullable())))
            .left_join(
                parent_steps.on(steps::parent_id.eq(parent_steps.field(steps::id).nullable())),
            )
    }};
}
pub(super) use joined_steps;

/// [`COLUMNS`] as the columns of [`joined_steps`], in the same order.
macro_rules! joined_columns {
    () => {{
        use crate::requests::parent_steps;
        use crate::schema::{
            categories, components, groups, phases, requests, runtime_phases, scripts, steps,
            users, work_tasks,
        };
        (
            scripts::name.nullable(),
            work_tasks::name.nullable(),
            phases::name.nullable(),
            runtime_phases::name.nullable(),
            categories::name.nullable(),
            components::name.nullable(),
            users::login.nullable(),
            users::email.nullable(),
            groups::name.nullable(),
            groups::email.nullable(),
            requests::name.nullable(),
            requests::aasm_state.nullable(),
            parent_steps.field(steps::name).nullable(),
            parent_steps.field(steps::position).nullable(),
        )
    }};
}
pub(super) use joined_columns;

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

#[cfg(all(test, feature = "testing"))]
mod tests {
    use crate::testing::{fixtures, TestDb};

    /// On SQLite a shown step's names come from one primary-key search each, in the
    /// statement that reads the step: no subquery, no scan.
    #[test]
    fn sqlite_reads_the_names_by_primary_key_beside_the_step() {
        let db = TestDb::sqlite();
        let pool = db.pool();
        let mut conn = pool.get().expect("connection");
        let request = fixtures::request(&mut conn, "r", "started").expect("request");
        let new = fixtures::NewStep {
            request_id: Some(request),
            position: 1,
            ..fixtures::NewStep::default()
        };
        let id = fixtures::insert_step(&mut conn, &new).expect("step");
        let (found, statements) = fixtures::statements(&mut conn, |c| super::super::find(c, id));
        assert_eq!(found.expect("found").request.expect("request").id, request);
        let step = statements
            .iter()
            .find(|statement| statement.contains("FROM (((((((((("))
            .expect("the step's statement");
        let plan = fixtures::sqlite_plan(&mut conn, step).expect("plan");
        assert_eq!(plan.len(), 11, "{plan:?}");
        assert!(
            plan.iter()
                .all(|line| line.starts_with("SEARCH ") && line.contains("PRIMARY KEY")),
            "{plan:?}"
        );
    }
}
