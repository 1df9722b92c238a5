//! Loading what steps show (owners, scripts, servers, ...) for a whole list at once.

use super::names::{self, Names};
use super::*;
use crate::schema::server_environments;
use crate::stamp::Stamp;

pub(super) type ServerCols = (
    i64,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Stamp,
    Stamp,
    Option<String>,
);

/// A step's property value: step, property id and name, value.
pub(super) type PropertyValueCols = (i64, i64, String, Option<String>);
/// A server a step selected: step, role, server.
pub(super) type SelectedCols = (i64, String, ServerCols);
/// A server an installed component makes available: installed component, server.
pub(super) type AvailableCols = (i64, ServerCols);

/// The columns of [`ServerCols`], from `servers` left-joined to `server_levels`.
fn server_columns() -> (
    servers::id,
    servers::name,
    servers::description,
    servers::parent_id,
    servers::server_level_id,
    servers::created_at,
    servers::updated_at,
    diesel::dsl::Nullable<server_levels::name>,
) {
    (
        servers::id,
        servers::name,
        servers::description,
        servers::parent_id,
        servers::server_level_id,
        servers::created_at,
        servers::updated_at,
        server_levels::name.nullable(),
    )
}

/// A step's servers are listed by name, then id: in byte order on every backend (which is
/// PostgreSQL's own only under the C collation).
fn by_name(a: &ServerCols, b: &ServerCols) -> std::cmp::Ordering {
    a.1.cmp(&b.1).then(a.0.cmp(&b.0))
}

pub(super) fn server_ref(c: ServerCols) -> ServerRef {
    ServerRef {
        id: c.0,
        name: c.1,
        description: c.2,
        parent_id: c.3,
        server_level_id: c.4,
        created_at: c.5.into(),
        updated_at: c.6.into(),
        server_level_name: c.7,
    }
}

/// Everything the steps show, for all of them at once: one query per kind of record
/// (with all the ids bound as one list), never one per step; the names of what they refer
/// to came with the rows (`shown!`).
pub(super) fn load_records(
    conn: &mut AnyConnection,
    rows: Vec<(StepRow, Names)>,
) -> Result<Vec<StepRecord>, StoreError> {
    let step_ids: Vec<i64> = rows.iter().map(|(r, _)| r.id).collect();
    let installed_ids: Vec<i64> = rows
        .iter()
        .filter_map(|(r, _)| r.installed_component_id)
        .collect();
    let installed = installed_refs(load_installed_components(conn, &installed_ids)?);

    // None of these three is ordered by SQL: SQLite sorted each in a temporary b-tree, a
    // quarter to a third of its work on them (docs/benchmarks.md, 14). Each step's few
    // rows are sorted here instead, by the same keys.
    let property_values: Vec<PropertyValueCols> =
        for_ids!(&step_ids, step_property_values::step_id, |filter| {
            direct!(conn, |c| step_property_values::table
                .inner_join(properties::table)
                .filter(filter)
                .select((
                    step_property_values::step_id,
                    properties::id,
                    properties::name,
                    step_property_values::value,
                ))
                .load(c))
        })?;

    let selected: Vec<SelectedCols> = for_ids!(&step_ids, step_servers::step_id, |filter| {
        direct!(conn, |c| step_servers::table
            .inner_join(servers::table.left_join(server_levels::table))
            .filter(filter)
            .select((step_servers::step_id, step_servers::role, server_columns()))
            .load(c))
    })?;

    // A step may run on the servers of its installed component that are in that installed
    // component's environment: "servers list their environments, and steps' all_servers
    // follows from them" (issue 6). A server taken out of the environment is no longer
    // available (what a step already selected stays selected, as written).
    let available: Vec<AvailableCols> = for_ids!(
        &installed_ids,
        installed_component_servers::installed_component_id,
        |filter| {
            direct!(conn, |c| installed_component_servers::table
                .inner_join(installed_components::table)
                .inner_join(servers::table.left_join(server_levels::table))
                .inner_join(
                    server_environments::table.on(server_environments::server_id
                        .eq(servers::id)
                        .and(
                            server_environments::environment_id
                                .eq(installed_components::environment_id),
                        )),
                )
                .filter(filter)
                .select((
                    installed_component_servers::installed_component_id,
                    server_columns(),
                ))
                .load(c))
        }
    )?;
    Ok(dress(
        rows,
        installed,
        Records {
            property_values,
            selected,
            available,
        },
    ))
}

/// What steps show beyond their own row and names, as read: property values, selected
/// servers (with their role) and the servers their installed components make available.
pub(super) struct Records {
    pub property_values: Vec<PropertyValueCols>,
    pub selected: Vec<SelectedCols>,
    pub available: Vec<AvailableCols>,
}

/// `rows` with their records: the same for a list and for a show, on every backend.
pub(super) fn dress(
    rows: Vec<(StepRow, Names)>,
    installed: HashMap<i64, InstalledComponentRef>,
    records: Records,
) -> Vec<StepRecord> {
    let Records {
        mut property_values,
        mut selected,
        mut available,
    } = records;
    // Sorted, then grouped by step (and installed component) once, so that dressing each
    // step is a lookup.
    property_values.sort_unstable_by_key(|&(step, property, _, _)| (step, property));
    let mut values_of: HashMap<i64, Vec<(String, Option<String>)>> = HashMap::new();
    for (step, _, name, value) in property_values {
        values_of.entry(step).or_default().push((name, value));
    }
    selected.sort_unstable_by(|(a, _, a_cols), (b, _, b_cols)| {
        a.cmp(b).then_with(|| by_name(a_cols, b_cols))
    });
    let mut selected_of: HashMap<(i64, String), Vec<ServerRef>> = HashMap::new();
    for (step, role, cols) in selected {
        selected_of
            .entry((step, role))
            .or_default()
            .push(server_ref(cols));
    }
    available.sort_unstable_by(|(a, a_cols), (b, b_cols)| {
        a.cmp(b).then_with(|| by_name(a_cols, b_cols))
    });
    let mut available_of: HashMap<i64, Vec<ServerRef>> = HashMap::new();
    for (ic, cols) in available {
        available_of.entry(ic).or_default().push(server_ref(cols));
    }
    rows.into_iter()
        .map(|(r, names)| {
            let refs = names.refs(&r);
            let mut servers_in = |role: &str| {
                selected_of
                    .remove(&(r.id, role.to_string()))
                    .unwrap_or_default()
            };
            StepRecord {
                number: number(r.position, refs.parent.as_ref().map(|p| p.position)),
                property_values: values_of.remove(&r.id).unwrap_or_default(),
                target_servers: servers_in("target"),
                alternate_servers: servers_in("alternate"),
                available_servers: r
                    .installed_component_id
                    .and_then(|ic| available_of.get(&ic).cloned())
                    .unwrap_or_default(),
                owner: refs.owner,
                script: refs.script,
                work_task: refs.work_task,
                phase: refs.phase,
                runtime_phase: refs.runtime_phase,
                installed_component: r
                    .installed_component_id
                    .and_then(|i| installed.get(&i).cloned()),
                component: refs.component,
                request: refs.request,
                category: refs.category,
                parent: refs.parent,
                step: r.into(),
            }
        })
        .collect()
}

pub(super) type AppCols = (i64, String, Option<String>, bool, Stamp, Stamp);
pub(super) type ComponentCols = (i64, String, bool, Stamp, Stamp);
pub(super) type EnvironmentCols = (i64, String, String, bool, Stamp, Stamp);

/// An installed component, its app, component and environment, and the ids of the app's
/// links to that component and environment.
pub(super) type InstalledCols = (
    i64,
    AppCols,
    ComponentCols,
    EnvironmentCols,
    (Option<i64>, Option<i64>),
);

/// Installed components with their app, component and environment, and the ids of the app's
/// links to that component and environment, in one query.
fn load_installed_components(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<Vec<InstalledCols>, StoreError> {
    for_ids!(ids, installed_components::id, |filter| {
        direct!(conn, |c| installed_components::table
            .inner_join(apps::table)
            .inner_join(components::table)
            .inner_join(environments::table)
            .filter(filter)
            .select((
                installed_components::id,
                (
                    apps::id,
                    apps::name,
                    apps::app_version,
                    apps::active,
                    apps::created_at,
                    apps::updated_at,
                ),
                (
                    components::id,
                    components::name,
                    components::active,
                    components::created_at,
                    components::updated_at,
                ),
                (
                    environments::id,
                    environments::name,
                    environments::deployment_policy,
                    environments::active,
                    environments::created_at,
                    environments::updated_at,
                ),
                (names::AppComponentLink, names::AppEnvironmentLink),
            ))
            .load(c))
    })
}

/// Installed components as steps show them, by id.
pub(super) fn installed_refs(rows: Vec<InstalledCols>) -> HashMap<i64, InstalledComponentRef> {
    rows.into_iter()
        .map(|(id, a, c, e, (component_link, environment_link))| {
            let r = InstalledComponentRef {
                id,
                application_component_id: component_link,
                application_environment_id: environment_link,
                app: AppRef {
                    id: a.0,
                    name: a.1,
                    app_version: a.2,
                    active: a.3,
                    created_at: a.4.into(),
                    updated_at: a.5.into(),
                },
                component: ComponentRef {
                    id: c.0,
                    name: c.1,
                    active: c.2,
                    created_at: c.3.into(),
                    updated_at: c.4.into(),
                },
                environment: EnvironmentRef {
                    id: e.0,
                    name: e.1,
                    deployment_policy: e.2,
                    active: e.3,
                    created_at: e.4.into(),
                    updated_at: e.5.into(),
                },
            };
            (id, r)
        })
        .collect()
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use crate::testing::{fixtures, TestDb};
    use crate::AnyConnection;

    /// A step with an installed component, selected and available servers and property
    /// values: one record of each kind.
    fn rich_step(c: &mut AnyConnection) -> i64 {
        const T: &str = "'2014-07-07 13:01:41'";
        let id = |c: &mut AnyConnection, sql: String| fixtures::insert(c, &sql).expect(&sql);
        let link = |c: &mut AnyConnection, sql: String| fixtures::execute(c, &sql).expect(&sql);
        let app = id(c, format!("INSERT INTO apps (name, active, created_at, updated_at) VALUES ('a', TRUE, {T}, {T})"));
        let component = id(c, format!("INSERT INTO components (name, active, created_at, updated_at) VALUES ('c', TRUE, {T}, {T})"));
        let environment = id(c, format!("INSERT INTO environments (name, deployment_policy, active, created_at, updated_at) VALUES ('e', 'opened', TRUE, {T}, {T})"));
        let installed = id(c, format!("INSERT INTO installed_components (app_id, component_id, environment_id, created_at, updated_at) VALUES ({app}, {component}, {environment}, {T}, {T})"));
        let property = id(c, format!("INSERT INTO properties (name, active, created_at, updated_at) VALUES ('p', TRUE, {T}, {T})"));
        let server = id(c, format!("INSERT INTO servers (name, active, created_at, updated_at) VALUES ('s', TRUE, {T}, {T})"));
        link(c, format!("INSERT INTO server_environments (server_id, environment_id) VALUES ({server}, {environment})"));
        link(c, format!("INSERT INTO installed_component_servers (installed_component_id, server_id) VALUES ({installed}, {server})"));
        let step = fixtures::step(c, Some(installed), None).expect("step");
        link(c, format!("INSERT INTO step_servers (step_id, server_id, role) VALUES ({step}, {server}, 'target')"));
        link(c, format!("INSERT INTO step_property_values (step_id, property_id, value) VALUES ({step}, {property}, 'v')"));
        step
    }

    fn assert_all_shown(shown: &runsheet_core::step::StepRecord) {
        assert_eq!(shown.property_values.len(), 1);
        assert_eq!(shown.target_servers.len(), 1);
        assert_eq!(shown.available_servers.len(), 1);
        assert!(shown.installed_component.is_some());
    }

    /// The rich step is shown without a sort or other temporary table in SQLite: the rows
    /// come unordered and are sorted here, by the same keys (the API tests check the order).
    #[test]
    fn sqlite_sorts_nothing_for_a_show() {
        let db = TestDb::sqlite();
        let pool = db.pool();
        let mut conn = pool.get().expect("connection");
        let c: &mut AnyConnection = &mut conn;
        let step = rich_step(c);

        let (shown, statements) = fixtures::statements(c, |c| super::super::find(c, step));
        assert_all_shown(&shown.expect("shown"));
        let reads: Vec<&String> = statements
            .iter()
            .filter(|s| s.starts_with("SELECT"))
            .collect();
        assert_eq!(reads.len(), 5, "{statements:#?}");
        for read in reads {
            let temporaries = fixtures::sqlite_temporaries(c, read).expect("plan");
            assert!(temporaries.is_empty(), "{read}\n{temporaries:#?}");
        }
    }

    /// On PostgreSQL the rich step and all it shows come in one statement, one round trip,
    /// kept prepared (docs/benchmarks.md, 20).
    #[test]
    fn postgres_shows_a_step_in_one_statement() {
        let Some(db) = TestDb::postgres() else { return };
        let pool = db.pool();
        let mut conn = pool.get().expect("connection");
        let c: &mut AnyConnection = &mut conn;
        let step = rich_step(c);

        // Before any other show: a statement already cached would not be seen kept.
        let not_kept = fixtures::statements_not_kept(c, |c| super::super::find(c, step));
        assert!(not_kept.is_empty(), "{not_kept:#?}");
        let (shown, statements) = fixtures::statements(c, |c| super::super::find(c, step));
        assert_all_shown(&shown.expect("shown"));
        assert_eq!(statements.len(), 1, "{statements:#?}");
    }
}
