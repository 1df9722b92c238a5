//! The names a step shows of what it refers to (script, phase, owner, request, parent, ...),
//! read with the step's id in one statement of scalar subqueries.
//!
//! They were ten statements, one per table, and each statement costs a step's show more
//! than the index lookup it makes (a prepared statement taken from the cache, bound, stepped
//! and reset; on PostgreSQL a round trip): docs/benchmarks.md, 9 under "What the profiles
//! showed". Each column is a fixed piece of SQL with a static query id, so the statement
//! stays prepared; a wide join of the same tables made PostgreSQL plan it anew on every run
//! (8 there).

use diesel::backend::Backend;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{QueryResult, Queryable};
use runsheet_core::step::{NamedRef, Owner, ParentRef, RequestRef};

use crate::schema::steps;

/// A column that is a fixed scalar subquery, correlated with the tables of the statement it
/// is selected in (its SQL names them; the types do not check that).
macro_rules! scalar {
    ($($name:ident: $sql_type:ty = $sql:literal;)*) => {$(
        #[derive(Debug, Clone, Copy, QueryId)]
        pub(super) struct $name;

        impl Expression for $name {
            type SqlType = $sql_type;
        }

        impl<DB: Backend> QueryFragment<DB> for $name {
            fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
                out.push_sql(concat!("(", $sql, ")"));
                Ok(())
            }
        }

        impl<QS> AppearsOnTable<QS> for $name {}

        impl<QS> SelectableExpression<QS> for $name {}

        impl<GB> ValidGrouping<GB> for $name {
            type IsAggregate = diesel::expression::is_aggregate::Never;
        }
    )*};
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

/// The columns [`Names`] is read from.
type Columns = (
    steps::id,
    steps::script_id,
    steps::work_task_id,
    steps::phase_id,
    steps::runtime_phase_id,
    steps::category_id,
    steps::component_id,
    steps::owner_id,
    steps::request_id,
    steps::parent_id,
    (Script, WorkTask, Phase, RuntimePhase, Category, Component),
    (UserLogin, UserEmail, GroupName, GroupEmail),
    (RequestName, RequestState, ParentName, ParentPosition),
);

/// What [`Names`] is read from: the step's id and references, then the subqueries.
pub(super) fn columns() -> Columns {
    (
        steps::id,
        steps::script_id,
        steps::work_task_id,
        steps::phase_id,
        steps::runtime_phase_id,
        steps::category_id,
        steps::component_id,
        steps::owner_id,
        steps::request_id,
        steps::parent_id,
        (Script, WorkTask, Phase, RuntimePhase, Category, Component),
        (UserLogin, UserEmail, GroupName, GroupEmail),
        (RequestName, RequestState, ParentName, ParentPosition),
    )
}

type Catalog = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);
type Owners = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);
type Family = (Option<String>, Option<String>, Option<String>, Option<i64>);

/// A step's references, each with what it shows; `None` when the step has none, or names
/// a record that is gone.
#[derive(Debug, Clone, Default)]
pub(super) struct Names {
    pub step_id: i64,
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

type Row = (
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Catalog,
    Owners,
    Family,
);

impl<ST, DB> Queryable<ST, DB> for Names
where
    DB: Backend,
    Row: diesel::deserialize::FromStaticSqlRow<ST, DB>,
{
    type Row = Row;

    fn build(row: Row) -> diesel::deserialize::Result<Names> {
        let (
            step_id,
            script,
            work_task,
            phase,
            runtime_phase,
            category,
            component,
            owner,
            request,
            parent,
            catalog,
            owners,
            family,
        ) = row;
        let (
            script_name,
            work_task_name,
            phase_name,
            runtime_phase_name,
            category_name,
            component_name,
        ) = catalog;
        let (user_login, user_email, group_name, group_email) = owners;
        let (request_name, request_state, parent_name, parent_position) = family;
        let named = |id: Option<i64>, name: Option<String>| {
            id.zip(name).map(|(id, name)| NamedRef { id, name })
        };
        // The subqueries of the kind the step does not name are NULL.
        let user = owner
            .zip(user_login)
            .zip(user_email)
            .map(|((id, login), email)| Owner::User { id, login, email });
        let group = owner.zip(group_name).map(|(id, name)| Owner::Group {
            id,
            name,
            email: group_email,
        });
        Ok(Names {
            step_id,
            script: named(script, script_name),
            work_task: named(work_task, work_task_name),
            phase: named(phase, phase_name),
            runtime_phase: named(runtime_phase, runtime_phase_name),
            category: named(category, category_name),
            component: named(component, component_name),
            owner: user.or(group),
            request: request
                .zip(request_state)
                .map(|(id, aasm_state)| RequestRef {
                    id,
                    name: request_name,
                    aasm_state,
                }),
            parent: parent.zip(parent_position).map(|(id, position)| ParentRef {
                id,
                name: parent_name,
                position,
            }),
        })
    }
}
