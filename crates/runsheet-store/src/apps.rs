//! Apps, with the environments and components they are linked to.

use crate::error::StoreError;
use crate::schema::installed_components;
use crate::schema::{app_components, app_environments, apps, components, environments};
use crate::sql::{all_exist, load_window, name_taken, Backend, IN_CHUNK};
use crate::users::taken_on_race;
use crate::{transaction, AnyConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use runsheet_core::app::{App, AppChanges, AppFields, AppFilter, AppRecord, Named};
use runsheet_core::errors::messages;
use runsheet_core::paging::Window;
use runsheet_core::{time, Errors};

#[derive(Queryable)]
struct AppRow {
    id: i64,
    name: String,
    app_version: Option<String>,
    active: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl From<AppRow> for App {
    fn from(row: AppRow) -> App {
        App {
            id: row.id,
            name: row.name,
            app_version: row.app_version,
            active: row.active,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The `Named` records of `links` (owner id, id, name) that belong to `owner`.
pub(crate) fn named_of(links: &[(i64, i64, String)], owner: i64) -> Vec<Named> {
    links
        .iter()
        .filter(|(o, _, _)| *o == owner)
        .map(|(_, id, name)| Named {
            id: *id,
            name: name.clone(),
        })
        .collect()
}

pub fn list(conn: &mut AnyConnection, filter: &AppFilter) -> Result<Vec<AppRecord>, StoreError> {
    page(conn, filter, &Window::ALL)
}

/// The part of the list `window` selects.
pub fn page(
    conn: &mut AnyConnection,
    filter: &AppFilter,
    window: &Window,
) -> Result<Vec<AppRecord>, StoreError> {
    let rows: Vec<AppRow> = load_window!(conn, filtered(filter), window, apps::id, apps::id);
    with_links(conn, rows)
}

/// How many records the whole list has.
pub fn count_list(conn: &mut AnyConnection, filter: &AppFilter) -> Result<i64, StoreError> {
    Ok(filtered(filter).count().get_result(conn)?)
}

fn filtered(filter: &AppFilter) -> apps::BoxedQuery<'static, Backend> {
    let mut query = apps::table.into_boxed();
    if let Some(v) = &filter.name {
        query = query.filter(apps::name.eq_any(v.clone()));
    }
    query = query.filter(apps::active.eq_any(filter.active.clone()));
    if let Some(v) = &filter.environment_id {
        query = query.filter(
            apps::id.eq_any(
                app_environments::table
                    .select(app_environments::app_id)
                    .filter(app_environments::environment_id.eq_any(v.clone())),
            ),
        );
    }
    if let Some(v) = &filter.component_id {
        query = query.filter(
            apps::id.eq_any(
                app_components::table
                    .select(app_components::app_id)
                    .filter(app_components::component_id.eq_any(v.clone())),
            ),
        );
    }
    query
}

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<AppRecord, StoreError> {
    let row: AppRow = apps::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    Ok(with_links(conn, vec![row])?.remove(0))
}

/// Loads the environments and components of many apps: two queries per chunk of ids.
fn with_links(conn: &mut AnyConnection, rows: Vec<AppRow>) -> Result<Vec<AppRecord>, StoreError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut envs: Vec<(i64, i64, String)> = Vec::new();
    let mut comps: Vec<(i64, i64, String)> = Vec::new();
    for chunk in ids.chunks(IN_CHUNK) {
        envs.extend(
            app_environments::table
                .inner_join(environments::table)
                .filter(app_environments::app_id.eq_any(chunk))
                .order((app_environments::app_id, environments::name))
                .select((
                    app_environments::app_id,
                    environments::id,
                    environments::name,
                ))
                .load::<(i64, i64, String)>(conn)?,
        );
        comps.extend(
            app_components::table
                .inner_join(components::table)
                .filter(app_components::app_id.eq_any(chunk))
                .order((app_components::app_id, components::name))
                .select((app_components::app_id, components::id, components::name))
                .load::<(i64, i64, String)>(conn)?,
        );
    }
    Ok(rows
        .into_iter()
        .map(|row| AppRecord {
            environments: named_of(&envs, row.id),
            components: named_of(&comps, row.id),
            app: row.into(),
        })
        .collect())
}

pub fn create(conn: &mut AnyConnection, changes: &AppChanges) -> Result<AppRecord, StoreError> {
    transaction::write(conn, |conn| {
        let mut fields = AppFields::default();
        changes.apply(&mut fields);
        check(conn, &fields, None, changes)?;
        let now = time::now();
        let row: AppRow = diesel::insert_into(apps::table)
            .values((
                apps::name.eq(&fields.name),
                apps::app_version.eq(&fields.app_version),
                apps::active.eq(fields.active),
                apps::created_at.eq(now),
                apps::updated_at.eq(now),
            ))
            .returning(apps::all_columns)
            .get_result(conn)
            .map_err(|e| taken_on_race(e, "name"))?;
        set_links(conn, row.id, changes)?;
        find(conn, row.id)
    })
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    changes: &AppChanges,
) -> Result<AppRecord, StoreError> {
    transaction::write(conn, |conn| {
        let current = find(conn, id)?;
        let mut fields = AppFields::from(&current.app);
        changes.apply(&mut fields);
        check(conn, &fields, Some(id), changes)?;
        diesel::update(apps::table.find(id))
            .set((
                apps::name.eq(&fields.name),
                apps::app_version.eq(&fields.app_version),
                apps::active.eq(fields.active),
                apps::updated_at.eq(time::now()),
            ))
            .execute(conn)
            .map_err(|e| taken_on_race(e, "name"))?;
        set_links(conn, id, changes)?;
        find(conn, id)
    })
}

/// DELETE keeps the app (installed components and requests refer to it) and turns it off.
pub fn deactivate(conn: &mut AnyConnection, id: i64) -> Result<AppRecord, StoreError> {
    update(conn, id, &AppChanges::deactivate())
}

const KEEP_INSTALLED_ENVIRONMENTS: &str =
    "must include the environments of the app's installed components";
const KEEP_INSTALLED_COMPONENTS: &str =
    "must include the components of the app's installed components";

fn check(
    conn: &mut AnyConnection,
    fields: &AppFields,
    id: Option<i64>,
    changes: &AppChanges,
) -> Result<(), StoreError> {
    let mut errors: Errors = fields.validate();
    if !errors.has("name") && name_taken!(conn, apps, fields.name, id) {
        errors.add("name", messages::TAKEN);
    }
    if let Some(ids) = &changes.environment_ids {
        if !all_exist!(conn, environments, ids) {
            errors.add("environment_ids", messages::DOES_NOT_EXIST);
        } else if let Some(id) = id {
            // Installed components stand on these rows: dropping one would orphan them.
            let used: Vec<i64> = installed_components::table
                .filter(installed_components::app_id.eq(id))
                .select(installed_components::environment_id)
                .load(conn)?;
            if used.iter().any(|e| !ids.contains(e)) {
                errors.add("environment_ids", KEEP_INSTALLED_ENVIRONMENTS);
            }
        }
    }
    if let Some(ids) = &changes.component_ids {
        if !all_exist!(conn, components, ids) {
            errors.add("component_ids", messages::DOES_NOT_EXIST);
        } else if let Some(id) = id {
            let used: Vec<i64> = installed_components::table
                .filter(installed_components::app_id.eq(id))
                .select(installed_components::component_id)
                .load(conn)?;
            if used.iter().any(|c| !ids.contains(c)) {
                errors.add("component_ids", KEEP_INSTALLED_COMPONENTS);
            }
        }
    }
    errors.into_result().map_err(StoreError::Invalid)
}

/// Replaces the app's environment and component rows with those sent, keeping the rows
/// that stay (installed components show their ids).
fn set_links(
    conn: &mut AnyConnection,
    app_id: i64,
    changes: &AppChanges,
) -> Result<(), StoreError> {
    if let Some(ids) = &changes.environment_ids {
        diesel::delete(
            app_environments::table
                .filter(app_environments::app_id.eq(app_id))
                .filter(app_environments::environment_id.ne_all(ids.clone())),
        )
        .execute(conn)?;
        for environment_id in ids {
            link_environment(conn, app_id, *environment_id)?;
        }
    }
    if let Some(ids) = &changes.component_ids {
        diesel::delete(
            app_components::table
                .filter(app_components::app_id.eq(app_id))
                .filter(app_components::component_id.ne_all(ids.clone())),
        )
        .execute(conn)?;
        for component_id in ids {
            link_component(conn, app_id, *component_id)?;
        }
    }
    Ok(())
}

/// The app_environments row of the pair, made when missing; returns its id.
pub(crate) fn link_environment(
    conn: &mut AnyConnection,
    app_id: i64,
    environment_id: i64,
) -> Result<i64, StoreError> {
    insert_link(
        conn,
        "app_environments",
        "environment_id",
        app_id,
        environment_id,
    )?;
    Ok(app_environments::table
        .filter(app_environments::app_id.eq(app_id))
        .filter(app_environments::environment_id.eq(environment_id))
        .select(app_environments::id)
        .first(conn)?)
}

/// The app_components row of the pair, made when missing; returns its id.
pub(crate) fn link_component(
    conn: &mut AnyConnection,
    app_id: i64,
    component_id: i64,
) -> Result<i64, StoreError> {
    insert_link(conn, "app_components", "component_id", app_id, component_id)?;
    Ok(app_components::table
        .filter(app_components::app_id.eq(app_id))
        .filter(app_components::component_id.eq(component_id))
        .select(app_components::id)
        .first(conn)?)
}

/// Inserts a link row unless the pair is there already. `ON CONFLICT DO NOTHING` (which both
/// backends speak, but diesel's MultiConnection does not) rather than look-then-insert: two
/// writers linking the same pair at once must not make one of them fail.
fn insert_link(
    conn: &mut AnyConnection,
    table: &str,
    column: &str,
    app_id: i64,
    other_id: i64,
) -> Result<(), StoreError> {
    use diesel::sql_types::BigInt;
    diesel::sql_query(format!(
        "INSERT INTO {table} (app_id, {column}) VALUES ($1, $2) \
         ON CONFLICT (app_id, {column}) DO NOTHING"
    ))
    .bind::<BigInt, _>(app_id)
    .bind::<BigInt, _>(other_id)
    .execute(conn)?;
    Ok(())
}
