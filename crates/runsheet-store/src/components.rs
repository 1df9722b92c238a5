//! Components, with the apps made of them.

use crate::apps::named_of;
use crate::error::StoreError;
use crate::schema::{app_components, apps, components};
use crate::sql::IN_CHUNK;
use crate::sql::{load_window, name_taken, Backend};
use crate::users::taken_on_race;
use crate::{transaction, AnyConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use runsheet_core::component::{
    Component, ComponentChanges, ComponentFields, ComponentFilter, ComponentRecord,
};
use runsheet_core::errors::messages;
use runsheet_core::paging::Window;
use runsheet_core::time;

#[derive(Queryable)]
struct ComponentRow {
    id: i64,
    name: String,
    active: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl From<ComponentRow> for Component {
    fn from(row: ComponentRow) -> Component {
        Component {
            id: row.id,
            name: row.name,
            active: row.active,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

pub fn list(
    conn: &mut AnyConnection,
    filter: &ComponentFilter,
) -> Result<Vec<ComponentRecord>, StoreError> {
    page(conn, filter, &Window::ALL)
}

/// The part of the list `window` selects.
pub fn page(
    conn: &mut AnyConnection,
    filter: &ComponentFilter,
    window: &Window,
) -> Result<Vec<ComponentRecord>, StoreError> {
    let rows: Vec<ComponentRow> = load_window!(
        conn,
        filtered(filter),
        window,
        components::id,
        components::id
    );
    with_apps(conn, rows)
}

/// How many records the whole list has.
pub fn count_list(conn: &mut AnyConnection, filter: &ComponentFilter) -> Result<i64, StoreError> {
    Ok(filtered(filter).count().get_result(conn)?)
}

fn filtered(filter: &ComponentFilter) -> components::BoxedQuery<'static, Backend> {
    let mut query = components::table.into_boxed();
    if let Some(v) = &filter.name {
        query = query.filter(components::name.eq_any(v.clone()));
    }
    query = query.filter(components::active.eq_any(filter.active.clone()));
    if let Some(v) = &filter.app_id {
        query = query.filter(
            components::id.eq_any(
                app_components::table
                    .select(app_components::component_id)
                    .filter(app_components::app_id.eq_any(v.clone())),
            ),
        );
    }
    query
}

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<ComponentRecord, StoreError> {
    let row: ComponentRow = components::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    Ok(with_apps(conn, vec![row])?.remove(0))
}

/// Loads the apps of many components in one query per chunk of ids.
fn with_apps(
    conn: &mut AnyConnection,
    rows: Vec<ComponentRow>,
) -> Result<Vec<ComponentRecord>, StoreError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut links: Vec<(i64, i64, String)> = Vec::new();
    for chunk in ids.chunks(IN_CHUNK) {
        links.extend(
            app_components::table
                .inner_join(apps::table)
                .filter(app_components::component_id.eq_any(chunk))
                .order((app_components::component_id, apps::name))
                .select((app_components::component_id, apps::id, apps::name))
                .load::<(i64, i64, String)>(conn)?,
        );
    }
    Ok(rows
        .into_iter()
        .map(|row| ComponentRecord {
            apps: named_of(&links, row.id),
            component: row.into(),
        })
        .collect())
}

pub fn create(
    conn: &mut AnyConnection,
    changes: &ComponentChanges,
) -> Result<ComponentRecord, StoreError> {
    transaction::write(conn, |conn| {
        let mut fields = ComponentFields::default();
        changes.apply(&mut fields);
        check(conn, &fields, None)?;
        let now = time::now();
        let row: ComponentRow = diesel::insert_into(components::table)
            .values((
                components::name.eq(&fields.name),
                components::active.eq(fields.active),
                components::created_at.eq(now),
                components::updated_at.eq(now),
            ))
            .returning(components::all_columns)
            .get_result(conn)
            .map_err(|e| taken_on_race(e, "name"))?;
        find(conn, row.id)
    })
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    changes: &ComponentChanges,
) -> Result<ComponentRecord, StoreError> {
    transaction::write(conn, |conn| {
        let current = find(conn, id)?;
        let mut fields = ComponentFields::from(&current.component);
        changes.apply(&mut fields);
        check(conn, &fields, Some(id))?;
        diesel::update(components::table.find(id))
            .set((
                components::name.eq(&fields.name),
                components::active.eq(fields.active),
                components::updated_at.eq(time::now()),
            ))
            .execute(conn)
            .map_err(|e| taken_on_race(e, "name"))?;
        find(conn, id)
    })
}

/// DELETE keeps the component (installed components and steps refer to it) and turns it
/// off.
pub fn deactivate(conn: &mut AnyConnection, id: i64) -> Result<ComponentRecord, StoreError> {
    update(conn, id, &ComponentChanges::deactivate())
}

fn check(
    conn: &mut AnyConnection,
    fields: &ComponentFields,
    id: Option<i64>,
) -> Result<(), StoreError> {
    let mut errors = fields.validate();
    if !errors.has("name") && name_taken!(conn, components, fields.name, id) {
        errors.add("name", messages::TAKEN);
    }
    errors.into_result().map_err(StoreError::Invalid)
}
