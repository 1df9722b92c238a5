//! The names a step shows of what it refers to (script, phase, owner, request, parent, ...).
//! On SQLite they are left-joined in the statement that reads the steps ([`joined_steps`]).
//! On PostgreSQL a step's show selects them as scalar subqueries beside the step
//! ([`COLUMNS`]); a list reads them after its steps, each distinct id once ([`look_up`]).
//!
//! They were ten statements, one per table, and each statement costs a step's show more
//! than the index lookup it makes (a prepared statement taken from the cache, bound, stepped
//! and reset; on PostgreSQL a round trip): docs/benchmarks.md, 9 under "What the profiles
//! showed". Each subquery is a fixed piece of SQL with a static query id, so the statement
//! stays prepared; a wide join of the same tables made PostgreSQL plan it anew on every run
//! (8 there), while SQLite runs each subquery as a subroutine that opens its table again
//! for every step (13 there).

use std::collections::HashMap;

use diesel::pg::{Pg, PgConnection};
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Nullable, SmallInt, Text};
use diesel::{QueryResult, Queryable, RunQueryDsl};
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

/// What a step names, as the kinds of [`NamesOf`]'s rows: one table each, but for the owner,
/// a user or a group by its `owner_type`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Script,
    WorkTask,
    Phase,
    RuntimePhase,
    Category,
    Component,
    User,
    Group,
    Request,
    Parent,
}

impl Kind {
    const ALL: [Kind; 10] = [
        Kind::Script,
        Kind::WorkTask,
        Kind::Phase,
        Kind::RuntimePhase,
        Kind::Category,
        Kind::Component,
        Kind::User,
        Kind::Group,
        Kind::Request,
        Kind::Parent,
    ];

    /// The id `step` names of this kind.
    fn id_in(self, step: &StepRow) -> Option<i64> {
        let owner = |of: &str| match step.owner_type.as_deref() == Some(of) {
            true => step.owner_id,
            false => None,
        };
        match self {
            Kind::Script => step.script_id,
            Kind::WorkTask => step.work_task_id,
            Kind::Phase => step.phase_id,
            Kind::RuntimePhase => step.runtime_phase_id,
            Kind::Category => step.category_id,
            Kind::Component => step.component_id,
            Kind::User => owner("User"),
            Kind::Group => owner("Group"),
            Kind::Request => step.request_id,
            Kind::Parent => step.parent_id,
        }
    }
}

/// The rows of one statement that names, for each kind, the distinct ids of [`Kind::ALL`]'s
/// order: `(kind, id, name, second text, number)`, the second text a user's or group's
/// email or a request's state, the number a parent's position.
struct NamesOf {
    ids: [Vec<i64>; 10],
}

/// The parts of [`NamesOf`]'s statement, in [`Kind::ALL`]'s order: each looks its ids up
/// by primary key (`= ANY`, one index search an id).
const NAMES_OF: [&str; 10] = [
    "SELECT 0::int2, id, name, NULL::text, NULL::int8 FROM scripts WHERE id = ANY(",
    "SELECT 1::int2, id, name, NULL, NULL FROM work_tasks WHERE id = ANY(",
    "SELECT 2::int2, id, name, NULL, NULL FROM phases WHERE id = ANY(",
    "SELECT 3::int2, id, name, NULL, NULL FROM runtime_phases WHERE id = ANY(",
    "SELECT 4::int2, id, name, NULL, NULL FROM categories WHERE id = ANY(",
    "SELECT 5::int2, id, name, NULL, NULL FROM components WHERE id = ANY(",
    "SELECT 6::int2, id, login, email, NULL FROM users WHERE id = ANY(",
    "SELECT 7::int2, id, name, email, NULL FROM \"groups\" WHERE id = ANY(",
    "SELECT 8::int2, id, name, aasm_state, NULL FROM requests WHERE id = ANY(",
    "SELECT 9::int2, id, name, NULL, position FROM steps WHERE id = ANY(",
];

impl QueryFragment<Pg> for NamesOf {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        for (i, (part, ids)) in NAMES_OF.iter().zip(&self.ids).enumerate() {
            if i > 0 {
                out.push_sql(" UNION ALL ");
            }
            out.push_sql(part);
            out.push_bind_param::<Array<BigInt>, _>(ids)?;
            out.push_sql(")");
        }
        Ok(())
    }
}

impl QueryId for NamesOf {
    type QueryId = NamesOf;
    // The SQL is the same whatever the ids: kept prepared.
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for NamesOf {
    type SqlType = (
        SmallInt,
        BigInt,
        Nullable<Text>,
        Nullable<Text>,
        Nullable<BigInt>,
    );
}

impl RunQueryDsl<PgConnection> for NamesOf {}

/// What one row of [`NamesOf`] says of its id.
type Named = (Option<String>, Option<String>, Option<i64>);

/// PostgreSQL: `rows` with their names, read in one statement for all of them, each
/// distinct id once. As scalar subqueries ([`COLUMNS`]) in the steps' statement, they
/// were an index search for each name of each step: 700 for a 50-step list, twice as many
/// as everything else it reads (docs/benchmarks.md, 17).
pub(super) fn look_up(
    conn: &mut PgConnection,
    rows: Vec<StepRow>,
) -> QueryResult<Vec<(StepRow, Names)>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids = Kind::ALL.map(|kind| {
        let mut ids: Vec<i64> = rows.iter().filter_map(|row| kind.id_in(row)).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    });
    let found: HashMap<(Kind, i64), Named> = NamesOf { ids }
        .load::<(i16, i64, Option<String>, Option<String>, Option<i64>)>(conn)?
        .into_iter()
        .filter_map(|(kind, id, name, text, number)| {
            let kind = *Kind::ALL.get(usize::try_from(kind).ok()?)?;
            Some(((kind, id), (name, text, number)))
        })
        .collect();
    let named = |kind: Kind, row: &StepRow| -> Named {
        kind.id_in(row)
            .and_then(|id| found.get(&(kind, id)).cloned())
            .unwrap_or_default()
    };
    Ok(rows
        .into_iter()
        .map(|row| {
            let (user_login, user_email, _) = named(Kind::User, &row);
            let (group_name, group_email, _) = named(Kind::Group, &row);
            let (request_name, request_state, _) = named(Kind::Request, &row);
            let (parent_name, _, parent_position) = named(Kind::Parent, &row);
            let names = Names {
                script: named(Kind::Script, &row).0,
                work_task: named(Kind::WorkTask, &row).0,
                phase: named(Kind::Phase, &row).0,
                runtime_phase: named(Kind::RuntimePhase, &row).0,
                category: named(Kind::Category, &row).0,
                component: named(Kind::Component, &row).0,
                user_login,
                user_email,
                group_name,
                group_email,
                request_name,
                request_state,
                parent_name,
                parent_position,
            };
            (row, names)
        })
        .collect())
}

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

    /// Every kind of name, on both backends: each step of a list gets those of its own ids,
    /// a name shared by two steps goes to both, a user and a group with the same id are told
    /// apart by the owner's type, each step's show says the same, and the list's statements
    /// stay prepared.
    #[test]
    fn each_step_gets_the_names_of_its_own_references() {
        use runsheet_core::step::{NamedRef, Owner, ParentRef, RequestRef};
        for db in TestDb::all() {
            let backend = db.backend_name();
            let pool = db.pool();
            let mut conn = pool.get().expect("connection");
            let at = "'2026-01-01 00:00:00', '2026-01-01 00:00:00'";
            for sql in [
                format!("INSERT INTO scripts (id, name, script_type, content, aasm_state, created_at, updated_at) VALUES (501, 'deploy', 'General', 'true', 'released', {at})"),
                format!("INSERT INTO work_tasks (id, name, position, created_at, updated_at) VALUES (502, 'install', 1, {at})"),
                format!("INSERT INTO phases (id, name, position, created_at, updated_at) VALUES (503, 'go live', 1, {at})"),
                format!("INSERT INTO runtime_phases (id, phase_id, name, position, created_at, updated_at) VALUES (504, 503, 'night', 1, {at})"),
                format!("INSERT INTO categories (id, name, categorized_type, created_at, updated_at) VALUES (505, 'db', 'step', {at})"),
                format!("INSERT INTO components (id, name, active, created_at, updated_at) VALUES (506, 'billing', TRUE, {at})"),
                format!("INSERT INTO users (id, login, email, admin, active, created_at, updated_at) VALUES (507, 'ann', 'ann@example.com', FALSE, TRUE, {at})"),
                format!("INSERT INTO \"groups\" (id, name, email, active, created_at, updated_at) VALUES (507, 'ops', 'ops@example.com', TRUE, {at})"),
            ] {
                fixtures::execute(&mut conn, &sql).expect(&sql);
            }
            let request = fixtures::request(&mut conn, "release 9", "started").expect("request");
            let parent =
                fixtures::named_step(&mut conn, Some(request), "parent", "locked").expect("parent");
            let by_user = fixtures::named_step(&mut conn, Some(request), "a", "locked").expect("a");
            let by_group =
                fixtures::named_step(&mut conn, Some(request), "b", "locked").expect("b");
            let bare = fixtures::named_step(&mut conn, None, "c", "locked").expect("c");
            for sql in [
                format!("UPDATE steps SET position = 4 WHERE id = {parent}"),
                format!("UPDATE steps SET parent_id = {parent}, script_id = 501, work_task_id = 502, phase_id = 503, runtime_phase_id = 504, category_id = 505, component_id = 506, owner_id = 507, owner_type = 'User' WHERE id = {by_user}"),
                format!("UPDATE steps SET script_id = 501, owner_id = 507, owner_type = 'Group' WHERE id = {by_group}"),
            ] {
                fixtures::execute(&mut conn, &sql).expect(&sql);
            }
            let records =
                super::super::by_ids(&mut conn, &[by_user, by_group, bare, parent]).expect("steps");
            let [a, b, c, p] = &records[..] else {
                panic!("{backend}: {} records", records.len());
            };
            let named = |id, name: &str| {
                Some(NamedRef {
                    id,
                    name: name.into(),
                })
            };
            let request_ref = Some(RequestRef {
                id: request,
                name: Some("release 9".into()),
                aasm_state: "started".into(),
            });
            assert_eq!(a.script, named(501, "deploy"), "{backend}");
            assert_eq!(a.work_task, named(502, "install"), "{backend}");
            assert_eq!(a.phase, named(503, "go live"), "{backend}");
            assert_eq!(a.runtime_phase, named(504, "night"), "{backend}");
            assert_eq!(a.category, named(505, "db"), "{backend}");
            assert_eq!(a.component, named(506, "billing"), "{backend}");
            let ann = Owner::User {
                id: 507,
                login: "ann".into(),
                email: "ann@example.com".into(),
            };
            assert_eq!(a.owner, Some(ann), "{backend}");
            assert_eq!(a.request, request_ref, "{backend}");
            let parent_ref = ParentRef {
                id: parent,
                name: Some("parent".into()),
                position: 4,
            };
            assert_eq!(a.parent, Some(parent_ref), "{backend}");
            assert_eq!(b.script, named(501, "deploy"), "{backend}");
            let ops = Owner::Group {
                id: 507,
                name: "ops".into(),
                email: Some("ops@example.com".into()),
            };
            assert_eq!(b.owner, Some(ops), "{backend}");
            assert_eq!(
                (b.work_task.clone(), b.parent.clone()),
                (None, None),
                "{backend}"
            );
            assert_eq!(b.request, request_ref, "{backend}");
            let nothing = (c.script.is_none(), c.owner.is_none(), c.request.is_none());
            assert_eq!(nothing, (true, true, true), "{backend}");
            assert_eq!(
                (p.parent.clone(), p.request.clone()),
                (None, request_ref),
                "{backend}"
            );
            // A step's show reads its names its own way (on PostgreSQL), to the same effect.
            for record in &records {
                let shown = super::super::find(&mut conn, record.step.id).expect("shown");
                assert_eq!(&shown, record, "{backend}");
            }
            // Every statement of the list, the names' included, stays prepared (a fresh
            // connection: the pool's has run them already).
            let mut fresh = db.connection();
            let not_kept = fixtures::statements_not_kept(&mut fresh, |c| {
                let ids = [by_user, by_group, bare, parent];
                assert_eq!(super::super::by_ids(c, &ids).expect("steps").len(), 4);
            });
            assert_eq!(not_kept, Vec::<String>::new(), "{backend}");
        }
    }

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
