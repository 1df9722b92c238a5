//! The names a step shows of what it refers to (script, phase, owner, request, parent, ...).
//!
//! Those of the catalog (scripts, work tasks, phases, runtime phases, categories,
//! components, users and groups) come from what the server keeps of it ([`catalog`]), by
//! [`Kind`] and id. Its request's and its parent's, which change with the release, are read
//! with the step: on SQLite left-joined in the statement that reads the steps
//! ([`joined_steps`]); on PostgreSQL, for a step's show, as scalar subqueries beside the
//! step ([`COLUMNS`]), and for a list after its steps, each distinct id once, with the
//! steps' records ([`look_up`]).
//!
//! They were ten statements, one per table, and each statement costs a step's show more
//! than the index lookup it makes (a prepared statement taken from the cache, bound, stepped
//! and reset; on PostgreSQL a round trip): docs/benchmarks.md, 9 under "What the profiles
//! showed". Each subquery is a fixed piece of SQL with a static query id, so the statement
//! stays prepared; a wide join of the same tables made PostgreSQL plan it anew on every run
//! (8 there), while SQLite runs each subquery as a subroutine that opens its table again
//! for every step (13 there).
//!
//! [`catalog`]: super::catalog

use std::collections::HashMap;

use diesel::pg::{Pg, PgConnection};
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Nullable, SmallInt, Text};
use diesel::{QueryResult, Queryable, RunQueryDsl};
use runsheet_core::step::{NamedRef, Owner, ParentRef, RequestRef};

use super::catalog::Catalog;
use super::records::{Read, Records};
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

/// The subqueries, selected beside a step's columns: one statement reads a step and its
/// names (two were 8% of a show's instructions).
pub(super) const COLUMNS: (RequestName, RequestState, ParentName, ParentPosition) =
    (RequestName, RequestState, ParentName, ParentPosition);

/// The steps with their request and parent left-joined, one primary-key search each: the
/// source SQLite reads a shown step from, [`joined_columns`] its names. SQLite runs a scalar
/// subquery as a subroutine that opens its table anew for each step, which made the names a
/// sixth of a 50-step list's instructions (docs/benchmarks.md, 13).
macro_rules! joined_steps {
    () => {{
        use crate::requests::parent_steps;
        use crate::schema::{requests, steps};
        steps::table
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
        use crate::schema::{requests, steps};
        (
            requests::name.nullable(),
            requests::aasm_state.nullable(),
            parent_steps.field(steps::name).nullable(),
            parent_steps.field(steps::position).nullable(),
        )
    }};
}
pub(super) use joined_columns;

/// What a step names in the catalog: one table each, but for the owner, a user or a group
/// by its `owner_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Kind {
    Script,
    WorkTask,
    Phase,
    RuntimePhase,
    Category,
    Component,
    User,
    Group,
}

impl Kind {
    pub(super) const ALL: [Kind; 8] = [
        Kind::Script,
        Kind::WorkTask,
        Kind::Phase,
        Kind::RuntimePhase,
        Kind::Category,
        Kind::Component,
        Kind::User,
        Kind::Group,
    ];

    /// The id `step` names of this kind.
    pub(super) fn id_in(self, step: &StepRow) -> Option<i64> {
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
        }
    }
}

/// A name in the catalog: a user's login or another row's name, and a user's or group's
/// email.
pub(super) type Named = (String, Option<String>);

/// The rows of one statement that reads, for a list's steps, their requests' and parents'
/// names (each distinct id once) and their records ([`Records`]): `(kind, id, text, second
/// text, number)`. A request's row is `(REQUEST, id, name, state, NULL)`, a parent's
/// `(PARENT, id, name, NULL, position)`; a record's `(kind, step, text, NULL, id)`: a
/// property value's value and property ([`PROPERTY_VALUE`]), a selected server's role and
/// server ([`SELECTED`]); the catalog's version comes as `(VERSION, version, ...)`. Each
/// statement is a round trip, which cost the server and PostgreSQL more than the reads
/// themselves (docs/benchmarks.md, 22).
struct NamesOf {
    requests: Vec<i64>,
    parents: Vec<i64>,
    steps: Vec<i64>,
}

/// The kinds of [`NamesOf`]'s rows, as its SQL writes them.
const REQUEST: i16 = 0;
const PARENT: i16 = 1;
const PROPERTY_VALUE: i16 = 2;
const SELECTED: i16 = 3;
const VERSION: i16 = 4;

impl QueryFragment<Pg> for NamesOf {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        // Each part looks its ids up by an index (`= ANY`, one search an id).
        let parts = [
            (
                "SELECT 0::int2, id, name, aasm_state, NULL::int8 FROM requests WHERE id = ANY(",
                &self.requests,
            ),
            (
                "SELECT 1::int2, id, name, NULL, position FROM steps WHERE id = ANY(",
                &self.parents,
            ),
            (
                "SELECT 2::int2, step_id, value, NULL, property_id FROM step_property_values \
                 WHERE step_id = ANY(",
                &self.steps,
            ),
            (
                "SELECT 3::int2, step_id, role, NULL, server_id FROM step_servers \
                 WHERE step_id = ANY(",
                &self.steps,
            ),
        ];
        for (part, ids) in parts {
            out.push_sql(part);
            out.push_bind_param::<Array<BigInt>, _>(ids)?;
            out.push_sql(") UNION ALL ");
        }
        out.push_sql("SELECT 4::int2, version, NULL, NULL, NULL FROM catalog_version");
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

/// PostgreSQL: `rows` with their names and records, read in one statement for all of them,
/// each distinct id once. As scalar subqueries ([`COLUMNS`]) in the steps' statement, the
/// names were an index search for each name of each step: 700 for a 50-step list, twice as
/// many as everything else it reads (docs/benchmarks.md, 17).
pub(super) fn look_up(conn: &mut PgConnection, rows: Vec<StepRow>) -> QueryResult<Read> {
    if rows.is_empty() {
        return Ok(Read::default());
    }
    let distinct = |id_of: fn(&StepRow) -> Option<i64>| {
        crate::sql::distinct(&rows.iter().filter_map(id_of).collect::<Vec<_>>())
    };
    let query = NamesOf {
        requests: distinct(|row| row.request_id),
        parents: distinct(|row| row.parent_id),
        steps: rows.iter().map(|row| row.id).collect(),
    };
    let mut requests: HashMap<i64, (Option<String>, Option<String>)> = HashMap::new();
    let mut parents: HashMap<i64, (Option<String>, Option<i64>)> = HashMap::new();
    let mut records = Records {
        version: 0,
        property_values: Vec::new(),
        selected: Vec::new(),
    };
    let read = query.load::<(i16, i64, Option<String>, Option<String>, Option<i64>)>(conn)?;
    for (kind, id, text, second, number) in read {
        match (kind, text, number) {
            (REQUEST, name, _) => drop(requests.insert(id, (name, second))),
            (PARENT, name, position) => drop(parents.insert(id, (name, position))),
            (PROPERTY_VALUE, value, Some(property)) => {
                records.property_values.push((id, property, value))
            }
            (SELECTED, Some(role), Some(server)) => records.selected.push((id, role, server)),
            (VERSION, _, _) => records.version = id,
            _ => {}
        }
    }
    let rows = rows
        .into_iter()
        .map(|row| {
            let (request_name, request_state) = row
                .request_id
                .and_then(|id| requests.get(&id).cloned())
                .unwrap_or_default();
            let (parent_name, parent_position) = row
                .parent_id
                .and_then(|id| parents.get(&id).cloned())
                .unwrap_or_default();
            let names = Names {
                request_name,
                request_state,
                parent_name,
                parent_position,
            };
            (row, names)
        })
        .collect();
    Ok(Read {
        rows,
        records: Some(records),
    })
}

/// What a step shows of its request and parent, read with it ([`COLUMNS`]), in their order.
/// NULL for a step without one (or whose one is gone).
#[derive(Debug, Clone, Queryable)]
pub(super) struct Names {
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
    /// The references of `step` (its ids) with these names and the `catalog`'s.
    pub(super) fn refs(self, step: &StepRow, catalog: &Catalog) -> Refs {
        let named = |kind: Kind| {
            let id = kind.id_in(step)?;
            catalog.names.get(&(kind, id)).map(|named| (id, &**named))
        };
        let name = |kind: Kind| {
            named(kind).map(|(id, (name, _))| NamedRef {
                id,
                name: name.clone(),
            })
        };
        let user = named(Kind::User).and_then(|(id, (login, email))| {
            Some(Owner::User {
                id,
                login: login.clone(),
                email: email.clone()?,
            })
        });
        let group = named(Kind::Group).map(|(id, (name, email))| Owner::Group {
            id,
            name: name.clone(),
            email: email.clone(),
        });
        Refs {
            script: name(Kind::Script),
            work_task: name(Kind::WorkTask),
            phase: name(Kind::Phase),
            runtime_phase: name(Kind::RuntimePhase),
            category: name(Kind::Category),
            component: name(Kind::Component),
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

    /// On SQLite a shown step's request and parent come from one primary-key search each,
    /// in the statement that reads the step: no subquery, no scan.
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
            .find(|statement| statement.contains("FROM ((`steps`"))
            .expect("the step's statement");
        let mut plan = fixtures::sqlite_plan(&mut conn, step).expect("plan");
        // The catalog's version, selected beside them: its table has one row.
        let version = plan.split_off(3);
        assert_eq!(version, ["SCALAR SUBQUERY 1", "SCAN catalog_version"]);
        assert!(
            plan.iter()
                .all(|line| line.starts_with("SEARCH ") && line.contains("PRIMARY KEY")),
            "{plan:?}"
        );
    }
}
