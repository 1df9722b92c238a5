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
    let installed = load_installed_components(conn, &installed_ids)?;

    let property_values: Vec<(i64, String, Option<String>)> =
        for_ids!(&step_ids, step_property_values::step_id, |filter| {
            direct!(conn, |c| step_property_values::table
                .inner_join(properties::table)
                .filter(filter)
                .order((step_property_values::step_id, properties::id))
                .select((
                    step_property_values::step_id,
                    properties::name,
                    step_property_values::value,
                ))
                .load(c))
        })?;

    let selected: Vec<(i64, String, ServerCols)> =
        for_ids!(&step_ids, step_servers::step_id, |filter| {
            direct!(conn, |c| step_servers::table
                .inner_join(servers::table.left_join(server_levels::table))
                .filter(filter)
                .order((step_servers::step_id, servers::name))
                .select((step_servers::step_id, step_servers::role, server_columns()))
                .load(c))
        })?;

    // A step may run on the servers of its installed component that are in that installed
    // component's environment: "servers list their environments, and steps' all_servers
    // follows from them" (issue 6). A server taken out of the environment is no longer
    // available (what a step already selected stays selected, as written).
    let available: Vec<(i64, ServerCols)> = for_ids!(
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
                .order((
                    installed_component_servers::installed_component_id,
                    servers::name,
                ))
                .select((
                    installed_component_servers::installed_component_id,
                    server_columns(),
                ))
                .load(c))
        }
    )?;

    // Grouped by step (and installed component) once, so that dressing each step is a lookup.
    let mut values_of: HashMap<i64, Vec<(String, Option<String>)>> = HashMap::new();
    for (step, name, value) in property_values {
        values_of.entry(step).or_default().push((name, value));
    }
    let mut selected_of: HashMap<(i64, String), Vec<ServerRef>> = HashMap::new();
    for (step, role, cols) in selected {
        selected_of
            .entry((step, role))
            .or_default()
            .push(server_ref(cols));
    }
    let mut available_of: HashMap<i64, Vec<ServerRef>> = HashMap::new();
    for (ic, cols) in available {
        available_of.entry(ic).or_default().push(server_ref(cols));
    }
    Ok(rows
        .into_iter()
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
        .collect())
}

pub(super) type AppCols = (i64, String, Option<String>, bool, Stamp, Stamp);
pub(super) type ComponentCols = (i64, String, bool, Stamp, Stamp);
pub(super) type EnvironmentCols = (i64, String, String, bool, Stamp, Stamp);

/// Installed components with their app, component and environment, and the ids of the app's
/// links to that component and environment, in one query.
pub(super) fn load_installed_components(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<HashMap<i64, InstalledComponentRef>, StoreError> {
    type Links = (Option<i64>, Option<i64>);
    let rows: Vec<(i64, AppCols, ComponentCols, EnvironmentCols, Links)> =
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
        })?;
    Ok(rows
        .into_iter()
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
        .collect())
}
