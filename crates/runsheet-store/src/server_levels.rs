//! Server levels: queries, uniqueness of names; deleting one leaves its servers without a level.

use crate::error::StoreError;
use crate::schema::{server_levels, servers};
use crate::sql::IN_CHUNK;
use crate::sql::{load_window, name_taken, Backend};
use crate::users::taken_on_race;
use crate::{transaction, AnyConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use runsheet_core::errors::messages;
use runsheet_core::paging::Window;
use runsheet_core::server_level::{
    NamedRef, ServerLevel, ServerLevelChanges, ServerLevelFields, ServerLevelFilter,
    ServerLevelRecord,
};
use runsheet_core::time;

#[derive(Queryable)]
struct Row {
    id: i64,
    name: String,
    description: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl From<Row> for ServerLevel {
    fn from(row: Row) -> ServerLevel {
        ServerLevel {
            id: row.id,
            name: row.name,
            description: row.description,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

pub fn list(
    conn: &mut AnyConnection,
    filter: &ServerLevelFilter,
) -> Result<Vec<ServerLevelRecord>, StoreError> {
    page(conn, filter, &Window::ALL)
}

/// The part of the list `window` selects.
pub fn page(
    conn: &mut AnyConnection,
    filter: &ServerLevelFilter,
    window: &Window,
) -> Result<Vec<ServerLevelRecord>, StoreError> {
    let rows: Vec<Row> = load_window!(
        conn,
        filtered(filter),
        window,
        server_levels::id,
        server_levels::id
    );
    with_servers(conn, rows)
}

/// How many records the whole list has.
pub fn count_list(conn: &mut AnyConnection, filter: &ServerLevelFilter) -> Result<i64, StoreError> {
    Ok(filtered(filter).count().get_result(conn)?)
}

fn filtered(filter: &ServerLevelFilter) -> server_levels::BoxedQuery<'static, Backend> {
    let mut query = server_levels::table.into_boxed();
    if let Some(v) = &filter.name {
        query = query.filter(server_levels::name.eq_any(v.clone()));
    }
    query
}

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<ServerLevelRecord, StoreError> {
    let row: Row = server_levels::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    Ok(with_servers(conn, vec![row])?.remove(0))
}

/// The servers of many levels in one query per chunk of ids.
fn with_servers(
    conn: &mut AnyConnection,
    rows: Vec<Row>,
) -> Result<Vec<ServerLevelRecord>, StoreError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut members: Vec<(Option<i64>, i64, String)> = Vec::new();
    for chunk in ids.chunks(IN_CHUNK) {
        members.extend(
            servers::table
                .filter(servers::server_level_id.eq_any(chunk))
                .order((servers::server_level_id, servers::id))
                .select((servers::server_level_id, servers::id, servers::name))
                .load::<(Option<i64>, i64, String)>(conn)?,
        );
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let servers = members
                .iter()
                .filter(|(level, _, _)| *level == Some(row.id))
                .map(|(_, id, name)| NamedRef {
                    id: *id,
                    name: name.clone(),
                })
                .collect();
            ServerLevelRecord {
                server_level: row.into(),
                servers,
            }
        })
        .collect())
}

pub fn create(
    conn: &mut AnyConnection,
    changes: &ServerLevelChanges,
) -> Result<ServerLevelRecord, StoreError> {
    transaction::write(conn, |conn| {
        let mut fields = ServerLevelFields::default();
        changes.apply(&mut fields);
        check(conn, &fields, None)?;
        let now = time::now();
        let row: Row = diesel::insert_into(server_levels::table)
            .values((
                server_levels::name.eq(&fields.name),
                server_levels::description.eq(&fields.description),
                server_levels::created_at.eq(now),
                server_levels::updated_at.eq(now),
            ))
            .returning(server_levels::all_columns)
            .get_result(conn)
            .map_err(|e| taken_on_race(e, "name"))?;
        find(conn, row.id)
    })
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    changes: &ServerLevelChanges,
) -> Result<ServerLevelRecord, StoreError> {
    transaction::write(conn, |conn| {
        let current = find(conn, id)?;
        let mut fields = ServerLevelFields::from(&current.server_level);
        changes.apply(&mut fields);
        check(conn, &fields, Some(id))?;
        diesel::update(server_levels::table.find(id))
            .set((
                server_levels::name.eq(&fields.name),
                server_levels::description.eq(&fields.description),
                server_levels::updated_at.eq(time::now()),
            ))
            .execute(conn)
            .map_err(|e| taken_on_race(e, "name"))?;
        find(conn, id)
    })
}

/// DELETE destroys the level; its servers stay, without a level (the foreign key's SET NULL).
pub fn destroy(conn: &mut AnyConnection, id: i64) -> Result<Option<ServerLevelRecord>, StoreError> {
    transaction::write(conn, |conn| {
        match diesel::delete(server_levels::table.find(id)).execute(conn)? {
            0 => Err(StoreError::NotFound),
            _ => Ok(None),
        }
    })
}

fn check(
    conn: &mut AnyConnection,
    fields: &ServerLevelFields,
    id: Option<i64>,
) -> Result<(), StoreError> {
    let mut errors = fields.validate();
    if !errors.has("name") && name_taken!(conn, server_levels, fields.name, id) {
        errors.add("name", messages::TAKEN);
    }
    errors.into_result().map_err(StoreError::Invalid)
}
