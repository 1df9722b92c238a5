//! Installed components: an app's component in an environment, with its servers and
//! property values.

use crate::apps::{link_component, link_environment};
use crate::error::StoreError;
use crate::schema::{
    app_components, app_environments, apps, components, environments,
    installed_component_property_values as values, installed_component_servers as ic_servers,
    installed_components as ics, properties, servers, steps,
};
use crate::sql::all_exist;
use crate::sql::{load_window, lower, Backend, IN_CHUNK};
use crate::{transaction, AnyConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use runsheet_core::app::Named;
use runsheet_core::errors::messages;
use runsheet_core::installed_component::{
    InstalledComponent, InstalledComponentChanges, InstalledComponentFields,
    InstalledComponentFilter, InstalledComponentRecord,
};
use runsheet_core::paging::Window;
use runsheet_core::{time, Errors};
use std::collections::{BTreeSet, HashMap};

/// Why DELETE refuses an installed component that steps refer to.
pub const IN_USE: &str = "cannot be deleted while steps use it";

#[derive(Queryable)]
struct Row {
    id: i64,
    app_id: i64,
    component_id: i64,
    environment_id: i64,
    version: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl From<&Row> for InstalledComponent {
    fn from(row: &Row) -> InstalledComponent {
        InstalledComponent {
            id: row.id,
            app_id: row.app_id,
            component_id: row.component_id,
            environment_id: row.environment_id,
            version: row.version.clone(),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

pub fn list(
    conn: &mut AnyConnection,
    filter: &InstalledComponentFilter,
) -> Result<Vec<InstalledComponentRecord>, StoreError> {
    page(conn, filter, &Window::ALL)
}

/// The part of the list `window` selects.
pub fn page(
    conn: &mut AnyConnection,
    filter: &InstalledComponentFilter,
    window: &Window,
) -> Result<Vec<InstalledComponentRecord>, StoreError> {
    let rows: Vec<Row> = load_window!(conn, filtered(filter), window, ics::id, ics::id);
    with_details(conn, rows)
}

/// How many records the whole list has.
pub fn count_list(
    conn: &mut AnyConnection,
    filter: &InstalledComponentFilter,
) -> Result<i64, StoreError> {
    Ok(filtered(filter).count().get_result(conn)?)
}

fn filtered(filter: &InstalledComponentFilter) -> ics::BoxedQuery<'static, Backend> {
    let mut query = ics::table.into_boxed();
    if let Some(v) = &filter.app_id {
        query = query.filter(ics::app_id.eq_any(v.clone()));
    }
    if let Some(v) = &filter.component_id {
        query = query.filter(ics::component_id.eq_any(v.clone()));
    }
    if let Some(v) = &filter.environment_id {
        query = query.filter(ics::environment_id.eq_any(v.clone()));
    }
    if let Some(v) = &filter.app_name {
        query = query.filter(
            ics::app_id.eq_any(
                apps::table
                    .select(apps::id)
                    .filter(apps::name.eq_any(v.clone())),
            ),
        );
    }
    // `name` is the component's name too; both given, both must match.
    for v in [&filter.component_name, &filter.name].into_iter().flatten() {
        query = query.filter(
            ics::component_id.eq_any(
                components::table
                    .select(components::id)
                    .filter(components::name.eq_any(v.clone())),
            ),
        );
    }
    if let Some(v) = &filter.environment_name {
        query = query.filter(
            ics::environment_id.eq_any(
                environments::table
                    .select(environments::id)
                    .filter(environments::name.eq_any(v.clone())),
            ),
        );
    }
    if let Some(v) = &filter.version {
        query = query.filter(ics::version.eq_any(v.clone()));
    }
    query
}

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<InstalledComponentRecord, StoreError> {
    let row: Row = ics::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    Ok(with_details(conn, vec![row])?.remove(0))
}

/// The installed components of `ids` (in id order; unknown ids are left out), in a fixed
/// number of queries per chunk: for records that nest them, such as a list of steps.
pub fn by_ids(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<Vec<InstalledComponentRecord>, StoreError> {
    let mut rows: Vec<Row> = Vec::new();
    for chunk in ids.chunks(IN_CHUNK) {
        rows.extend(ics::table.filter(ics::id.eq_any(chunk)).load::<Row>(conn)?);
    }
    rows.sort_by_key(|r| r.id);
    rows.dedup_by_key(|r| r.id);
    with_details(conn, rows)
}

/// `(id, name)` of the rows of `$table` whose ids are in `$ids`, one query per chunk.
macro_rules! names {
    ($conn:expr, $table:ident, $ids:expr) => {{
        let mut found: HashMap<i64, String> = HashMap::new();
        for chunk in $ids.chunks(IN_CHUNK) {
            found.extend(
                $table::table
                    .filter($table::id.eq_any(chunk))
                    .select(($table::id, $table::name))
                    .load::<(i64, String)>($conn)?,
            );
        }
        found
    }};
}

fn distinct(ids: impl Iterator<Item = i64>) -> Vec<i64> {
    ids.collect::<BTreeSet<_>>().into_iter().collect()
}

/// Loads what many installed components show, in a fixed number of queries per chunk of
/// ids (names of apps, components and environments, the app's link rows, servers, values).
fn with_details(
    conn: &mut AnyConnection,
    rows: Vec<Row>,
) -> Result<Vec<InstalledComponentRecord>, StoreError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let app_ids = distinct(rows.iter().map(|r| r.app_id));
    let app_names = names!(conn, apps, app_ids);
    let component_names = names!(
        conn,
        components,
        distinct(rows.iter().map(|r| r.component_id))
    );
    let environment_names = names!(
        conn,
        environments,
        distinct(rows.iter().map(|r| r.environment_id))
    );
    let mut app_comps: HashMap<(i64, i64), i64> = HashMap::new();
    let mut app_envs: HashMap<(i64, i64), i64> = HashMap::new();
    for chunk in app_ids.chunks(IN_CHUNK) {
        for (id, app, component) in app_components::table
            .filter(app_components::app_id.eq_any(chunk))
            .select((
                app_components::id,
                app_components::app_id,
                app_components::component_id,
            ))
            .load::<(i64, i64, i64)>(conn)?
        {
            app_comps.insert((app, component), id);
        }
        for (id, app, environment) in app_environments::table
            .filter(app_environments::app_id.eq_any(chunk))
            .select((
                app_environments::id,
                app_environments::app_id,
                app_environments::environment_id,
            ))
            .load::<(i64, i64, i64)>(conn)?
        {
            app_envs.insert((app, environment), id);
        }
    }
    let mut server_links: Vec<(i64, i64, String)> = Vec::new();
    let mut property_values: Vec<(i64, String, Option<String>)> = Vec::new();
    for chunk in ids.chunks(IN_CHUNK) {
        server_links.extend(
            ic_servers::table
                .inner_join(servers::table)
                .filter(ic_servers::installed_component_id.eq_any(chunk))
                .order((ic_servers::installed_component_id, servers::name))
                .select((
                    ic_servers::installed_component_id,
                    servers::id,
                    servers::name,
                ))
                .load::<(i64, i64, String)>(conn)?,
        );
        property_values.extend(
            values::table
                .inner_join(properties::table)
                .filter(values::installed_component_id.eq_any(chunk))
                .order((values::installed_component_id, properties::name))
                .select((
                    values::installed_component_id,
                    properties::name,
                    values::value,
                ))
                .load::<(i64, String, Option<String>)>(conn)?,
        );
    }
    let named = |names: &HashMap<i64, String>, id: i64| Named {
        id,
        name: names.get(&id).cloned().unwrap_or_default(),
    };
    Ok(rows
        .iter()
        .map(|row| InstalledComponentRecord {
            installed_component: row.into(),
            application_component_id: app_comps.get(&(row.app_id, row.component_id)).copied(),
            application_environment_id: app_envs.get(&(row.app_id, row.environment_id)).copied(),
            app: named(&app_names, row.app_id),
            component: named(&component_names, row.component_id),
            environment: named(&environment_names, row.environment_id),
            servers: crate::apps::named_of(&server_links, row.id),
            property_values: property_values
                .iter()
                .filter(|(ic, _, _)| *ic == row.id)
                .map(|(_, name, value)| (name.clone(), value.clone()))
                .collect(),
        })
        .collect())
}

pub fn create(
    conn: &mut AnyConnection,
    changes: &InstalledComponentChanges,
) -> Result<InstalledComponentRecord, StoreError> {
    transaction::write(conn, |conn| {
        let mut fields = InstalledComponentFields::default();
        changes.apply(&mut fields);
        let (app_id, component_id, environment_id, properties) =
            check(conn, &mut fields, None, changes)?;
        let now = time::now();
        let id: i64 = diesel::insert_into(ics::table)
            .values((
                ics::app_id.eq(app_id),
                ics::component_id.eq(component_id),
                ics::environment_id.eq(environment_id),
                ics::version.eq(&fields.version),
                ics::created_at.eq(now),
                ics::updated_at.eq(now),
            ))
            .returning(ics::id)
            .get_result(conn)
            .map_err(taken_on_race)?;
        save_details(conn, id, &fields, changes, &properties)?;
        find(conn, id)
    })
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    changes: &InstalledComponentChanges,
) -> Result<InstalledComponentRecord, StoreError> {
    transaction::write(conn, |conn| {
        let current = find(conn, id)?;
        let mut fields = InstalledComponentFields::from(&current.installed_component);
        changes.apply(&mut fields);
        let (app_id, component_id, environment_id, properties) =
            check(conn, &mut fields, Some(id), changes)?;
        diesel::update(ics::table.find(id))
            .set((
                ics::app_id.eq(app_id),
                ics::component_id.eq(component_id),
                ics::environment_id.eq(environment_id),
                ics::version.eq(&fields.version),
                ics::updated_at.eq(time::now()),
            ))
            .execute(conn)
            .map_err(taken_on_race)?;
        save_details(conn, id, &fields, changes, &properties)?;
        find(conn, id)
    })
}

/// DELETE removes it, with its servers and values, unless steps refer to it.
pub fn destroy(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<InstalledComponentRecord>, StoreError> {
    transaction::write(conn, |conn| {
        find(conn, id)?;
        let used: i64 = steps::table
            .filter(steps::installed_component_id.eq(id))
            .count()
            .get_result(conn)?;
        if used > 0 {
            let mut errors = Errors::new();
            errors.add("base", IN_USE);
            return Err(StoreError::Invalid(errors));
        }
        diesel::delete(ics::table.find(id)).execute(conn)?;
        Ok(None)
    })
}

/// Property ids and the values to give them (`None` removes the value).
type PropertyValues = Vec<(i64, Option<String>)>;

/// Looks names up, validates, and checks the references; returns the three ids and the
/// property values to set.
fn check(
    conn: &mut AnyConnection,
    fields: &mut InstalledComponentFields,
    id: Option<i64>,
    changes: &InstalledComponentChanges,
) -> Result<(i64, i64, i64, PropertyValues), StoreError> {
    let mut errors = Errors::new();
    let mut unresolved: Vec<&str> = Vec::new();
    macro_rules! by_name {
        ($name:expr, $table:ident, $field:ident, $attr:literal, $id_attr:literal) => {
            if let Some(name) = $name {
                let found: Option<i64> = $table::table
                    .filter(lower($table::name).eq(name.to_lowercase()))
                    .select($table::id)
                    .first(conn)
                    .optional()?;
                match found {
                    Some(found) => fields.$field = Some(found),
                    None => {
                        errors.add($attr, messages::DOES_NOT_EXIST);
                        unresolved.push($id_attr);
                    }
                }
            }
        };
    }
    by_name!(&changes.app_name, apps, app_id, "app_name", "app_id");
    by_name!(
        &changes.component_name,
        components,
        component_id,
        "component_name",
        "component_id"
    );
    by_name!(
        &changes.environment_name,
        environments,
        environment_id,
        "environment_name",
        "environment_id"
    );
    // A name that found nothing already says what is wrong with the id it stands for.
    for (attribute, messages) in fields.validate().grouped() {
        if !unresolved.contains(&attribute) {
            for message in messages {
                errors.add(attribute, message);
            }
        }
    }
    macro_rules! exists {
        ($table:ident, $value:expr, $attr:literal) => {
            if let Some(value) = $value {
                let found: i64 = $table::table.find(value).count().get_result(conn)?;
                if found == 0 {
                    errors.add($attr, messages::DOES_NOT_EXIST);
                }
            }
        };
    }
    exists!(apps, fields.app_id, "app_id");
    exists!(components, fields.component_id, "component_id");
    exists!(environments, fields.environment_id, "environment_id");
    if let (Some(app), Some(component), Some(environment)) =
        (fields.app_id, fields.component_id, fields.environment_id)
    {
        if !errors.has("component_id") {
            let clash: Option<i64> = ics::table
                .filter(ics::app_id.eq(app))
                .filter(ics::component_id.eq(component))
                .filter(ics::environment_id.eq(environment))
                .filter(ics::id.ne(id.unwrap_or(0)))
                .select(ics::id)
                .first(conn)
                .optional()?;
            if clash.is_some() {
                errors.add("component_id", messages::TAKEN);
            }
        }
    }
    if let Some(ids) = &changes.server_ids {
        if !all_exist!(conn, servers, ids) {
            errors.add("server_ids", messages::DOES_NOT_EXIST);
        }
    }
    let properties = match &changes.properties_with_values {
        Some(wanted) => property_ids(conn, wanted, &mut errors)?,
        None => Vec::new(),
    };
    errors.into_result().map_err(StoreError::Invalid)?;
    match (fields.app_id, fields.component_id, fields.environment_id) {
        (Some(a), Some(c), Some(e)) => Ok((a, c, e, properties)),
        // validate() reported a missing one, so this is not reached.
        _ => Err(StoreError::Invalid(fields.validate())),
    }
}

/// The properties named in `properties_with_values`, found by name in any case, in one query.
fn property_ids(
    conn: &mut AnyConnection,
    wanted: &[(String, Option<String>)],
    errors: &mut Errors,
) -> Result<PropertyValues, StoreError> {
    let lowered: Vec<String> = wanted.iter().map(|(n, _)| n.to_lowercase()).collect();
    let mut found: HashMap<String, i64> = HashMap::new();
    for chunk in lowered.chunks(IN_CHUNK) {
        for (id, name) in properties::table
            .filter(lower(properties::name).eq_any(chunk))
            .select((properties::id, properties::name))
            .load::<(i64, String)>(conn)?
        {
            found.insert(name.to_lowercase(), id);
        }
    }
    let mut resolved = Vec::with_capacity(wanted.len());
    for (name, value) in wanted {
        match found.get(&name.to_lowercase()) {
            Some(id) => resolved.push((*id, value.clone())),
            None => errors.add(
                "properties_with_values",
                format!("names a property that does not exist: {name}"),
            ),
        }
    }
    Ok(resolved)
}

/// The app's link rows for the triple, the servers and the property values.
fn save_details(
    conn: &mut AnyConnection,
    id: i64,
    fields: &InstalledComponentFields,
    changes: &InstalledComponentChanges,
    properties: &PropertyValues,
) -> Result<(), StoreError> {
    if let (Some(app), Some(component), Some(environment)) =
        (fields.app_id, fields.component_id, fields.environment_id)
    {
        link_environment(conn, app, environment)?;
        link_component(conn, app, component)?;
    }
    if let Some(server_ids) = &changes.server_ids {
        diesel::delete(ic_servers::table.filter(ic_servers::installed_component_id.eq(id)))
            .execute(conn)?;
        for server_id in server_ids {
            diesel::insert_into(ic_servers::table)
                .values((
                    ic_servers::installed_component_id.eq(id),
                    ic_servers::server_id.eq(server_id),
                ))
                .execute(conn)?;
        }
    }
    for (property_id, value) in properties {
        diesel::delete(
            values::table
                .filter(values::installed_component_id.eq(id))
                .filter(values::property_id.eq(property_id)),
        )
        .execute(conn)?;
        if value.is_some() {
            diesel::insert_into(values::table)
                .values((
                    values::installed_component_id.eq(id),
                    values::property_id.eq(property_id),
                    values::value.eq(value),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// The unique index on the triple firing despite the check still reads as a 422.
fn taken_on_race(error: diesel::result::Error) -> StoreError {
    crate::users::taken_on_race(error, "component_id")
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::*;
    use crate::testing::{fixtures, TestDb};
    use diesel::connection::InstrumentationEvent;
    use runsheet_core::app::{AppChanges, AppFilter};
    use runsheet_core::component::ComponentChanges;
    use runsheet_core::environment::EnvironmentChanges;
    use runsheet_core::property::PropertyChanges;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// Counts the queries a connection runs.
    fn count_queries(conn: &mut AnyConnection) -> Arc<AtomicUsize> {
        let count = Arc::new(AtomicUsize::new(0));
        let counter = count.clone();
        let instrumentation = move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::StartQuery { .. } = event {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        };
        conn.set_instrumentation(instrumentation);
        count
    }

    /// Adds an app with a component installed in an environment, on a server, with a value.
    fn add(conn: &mut AnyConnection, n: usize) {
        let name = |kind: &str| Some(format!("{kind}{n}"));
        let env = crate::environments::create(
            conn,
            &EnvironmentChanges {
                name: name("env"),
                ..Default::default()
            },
        )
        .unwrap();
        let comp = crate::components::create(
            conn,
            &ComponentChanges {
                name: name("comp"),
                ..Default::default()
            },
        )
        .unwrap();
        let app = crate::apps::create(
            conn,
            &AppChanges {
                name: name("app"),
                ..Default::default()
            },
        )
        .unwrap();
        crate::properties::create(
            conn,
            &PropertyChanges {
                name: name("prop"),
                ..Default::default()
            },
        )
        .unwrap();
        let server = fixtures::server(conn, &format!("server{n}")).unwrap();
        create(
            conn,
            &InstalledComponentChanges {
                app_id: Some(Some(app.app.id)),
                component_id: Some(Some(comp.component.id)),
                environment_id: Some(Some(env.environment.id)),
                server_ids: Some(vec![server]),
                properties_with_values: Some(vec![(format!("prop{n}"), Some("v".into()))]),
                ..Default::default()
            },
        )
        .unwrap();
    }

    // "Every list: loading what records nest in one query per list (never one per row)."
    #[test]
    fn lists_take_the_same_number_of_queries_whatever_their_length() {
        for db in TestDb::all() {
            let pool = db.pool();
            let mut conn = pool.get().unwrap();
            let mut queries = Vec::new();
            for size in [1, 6] {
                while list(&mut conn, &Default::default())
                    .unwrap_or_default()
                    .len()
                    < size
                {
                    let n = list(&mut conn, &Default::default())
                        .unwrap_or_default()
                        .len();
                    add(&mut conn, n);
                }
                let count = count_queries(&mut conn);
                let installed = list(&mut conn, &Default::default()).unwrap();
                let ic_queries = count.swap(0, Ordering::SeqCst);
                let apps = crate::apps::list(
                    &mut conn,
                    &AppFilter {
                        active: vec![true],
                        ..Default::default()
                    },
                )
                .unwrap();
                let app_queries = count.swap(0, Ordering::SeqCst);
                assert_eq!((installed.len(), apps.len()), (size, size));
                assert!(installed
                    .iter()
                    .all(|r| r.servers.len() == 1 && r.property_values.len() == 1));
                queries.push((ic_queries, app_queries));
                let ids: Vec<i64> = installed.iter().map(|r| r.installed_component.id).collect();
                assert_eq!(by_ids(&mut conn, &ids).unwrap(), installed);
            }
            assert_eq!(queries[0], queries[1], "{}", db.backend_name());
            // The list, three kinds of names, two kinds of app links, servers, values; the
            // apps, their environments, their components.
            assert_eq!(queries[1], (8, 3), "{}", db.backend_name());
        }
    }
}
