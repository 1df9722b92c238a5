//! Environments, with the apps that run in them.

use crate::apps::named_of;
use crate::error::StoreError;
use crate::schema::{app_environments, apps, environments};
use crate::sql::IN_CHUNK;
use crate::sql::{load_window, name_taken, Backend};
use crate::users::taken_on_race;
use crate::{transaction, AnyConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use runsheet_core::environment::{
    Environment, EnvironmentChanges, EnvironmentFields, EnvironmentFilter, EnvironmentRecord,
};
use runsheet_core::errors::messages;
use runsheet_core::paging::Window;
use runsheet_core::time;

#[derive(Queryable)]
struct EnvironmentRow {
    id: i64,
    name: String,
    deployment_policy: String,
    active: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl From<EnvironmentRow> for Environment {
    fn from(row: EnvironmentRow) -> Environment {
        Environment {
            id: row.id,
            name: row.name,
            deployment_policy: row.deployment_policy,
            active: row.active,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

pub fn list(
    conn: &mut AnyConnection,
    filter: &EnvironmentFilter,
) -> Result<Vec<EnvironmentRecord>, StoreError> {
    page(conn, filter, &Window::ALL)
}

/// The part of the list `window` selects.
pub fn page(
    conn: &mut AnyConnection,
    filter: &EnvironmentFilter,
    window: &Window,
) -> Result<Vec<EnvironmentRecord>, StoreError> {
    let rows: Vec<EnvironmentRow> = load_window!(
        conn,
        filtered(filter),
        window,
        environments::id,
        environments::id
    );
    with_apps(conn, rows)
}

/// How many records the whole list has.
pub fn count_list(conn: &mut AnyConnection, filter: &EnvironmentFilter) -> Result<i64, StoreError> {
    Ok(filtered(filter).count().get_result(conn)?)
}

fn filtered(filter: &EnvironmentFilter) -> environments::BoxedQuery<'static, Backend> {
    let mut query = environments::table.into_boxed();
    if let Some(v) = &filter.name {
        query = query.filter(environments::name.eq_any(v.clone()));
    }
    query = query.filter(environments::active.eq_any(filter.active.clone()));
    if let Some(v) = &filter.app_id {
        query = query.filter(
            environments::id.eq_any(
                app_environments::table
                    .select(app_environments::environment_id)
                    .filter(app_environments::app_id.eq_any(v.clone())),
            ),
        );
    }
    query
}

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<EnvironmentRecord, StoreError> {
    let row: EnvironmentRow = environments::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    Ok(with_apps(conn, vec![row])?.remove(0))
}

/// Loads the apps of many environments in one query per chunk of ids.
fn with_apps(
    conn: &mut AnyConnection,
    rows: Vec<EnvironmentRow>,
) -> Result<Vec<EnvironmentRecord>, StoreError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut links: Vec<(i64, i64, String)> = Vec::new();
    for chunk in ids.chunks(IN_CHUNK) {
        links.extend(
            app_environments::table
                .inner_join(apps::table)
                .filter(app_environments::environment_id.eq_any(chunk))
                .order((app_environments::environment_id, apps::name))
                .select((app_environments::environment_id, apps::id, apps::name))
                .load::<(i64, i64, String)>(conn)?,
        );
    }
    Ok(rows
        .into_iter()
        .map(|row| EnvironmentRecord {
            apps: named_of(&links, row.id),
            environment: row.into(),
        })
        .collect())
}

pub fn create(
    conn: &mut AnyConnection,
    changes: &EnvironmentChanges,
) -> Result<EnvironmentRecord, StoreError> {
    transaction::write(conn, |conn| {
        let mut fields = EnvironmentFields::default();
        changes.apply(&mut fields);
        check(conn, &fields, None)?;
        let now = time::now();
        let row: EnvironmentRow = diesel::insert_into(environments::table)
            .values((
                environments::name.eq(&fields.name),
                environments::deployment_policy.eq(&fields.deployment_policy),
                environments::active.eq(fields.active),
                environments::created_at.eq(now),
                environments::updated_at.eq(now),
            ))
            .returning(environments::all_columns)
            .get_result(conn)
            .map_err(|e| taken_on_race(e, "name"))?;
        find(conn, row.id)
    })
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    changes: &EnvironmentChanges,
) -> Result<EnvironmentRecord, StoreError> {
    transaction::write(conn, |conn| {
        let current = find(conn, id)?;
        let mut fields = EnvironmentFields::from(&current.environment);
        changes.apply(&mut fields);
        check(conn, &fields, Some(id))?;
        diesel::update(environments::table.find(id))
            .set((
                environments::name.eq(&fields.name),
                environments::deployment_policy.eq(&fields.deployment_policy),
                environments::active.eq(fields.active),
                environments::updated_at.eq(time::now()),
            ))
            .execute(conn)
            .map_err(|e| taken_on_race(e, "name"))?;
        find(conn, id)
    })
}

/// DELETE keeps the environment (installed components and requests refer to it) and turns
/// it off.
pub fn deactivate(conn: &mut AnyConnection, id: i64) -> Result<EnvironmentRecord, StoreError> {
    update(conn, id, &EnvironmentChanges::deactivate())
}

fn check(
    conn: &mut AnyConnection,
    fields: &EnvironmentFields,
    id: Option<i64>,
) -> Result<(), StoreError> {
    let mut errors = fields.validate();
    if !errors.has("name") && name_taken!(conn, environments, fields.name, id) {
        errors.add("name", messages::TAKEN);
    }
    errors.into_result().map_err(StoreError::Invalid)
}
