//! Servers: queries, uniqueness, references (level, parent, environments), deactivation.

use crate::error::StoreError;
use crate::schema::{environments, server_environments, server_levels, servers};
use crate::sql::IN_CHUNK;
use crate::sql::{load_window, name_taken, Backend};
use crate::users::taken_on_race;
use crate::{transaction, AnyConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use runsheet_core::errors::messages;
use runsheet_core::paging::Window;
use runsheet_core::server::{
    NamedRef, Server, ServerChanges, ServerFields, ServerFilter, ServerRecord, OWN_PARENT,
};
use runsheet_core::time;

#[derive(Queryable)]
struct Row {
    id: i64,
    name: String,
    description: Option<String>,
    ip_address: Option<String>,
    os_platform: Option<String>,
    active: bool,
    server_level_id: Option<i64>,
    parent_id: Option<i64>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl From<Row> for Server {
    fn from(row: Row) -> Server {
        Server {
            id: row.id,
            name: row.name,
            description: row.description,
            ip_address: row.ip_address,
            os_platform: row.os_platform,
            active: row.active,
            server_level_id: row.server_level_id,
            parent_id: row.parent_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

pub fn list(
    conn: &mut AnyConnection,
    filter: &ServerFilter,
) -> Result<Vec<ServerRecord>, StoreError> {
    page(conn, filter, &Window::ALL)
}

/// The part of the list `window` selects.
pub fn page(
    conn: &mut AnyConnection,
    filter: &ServerFilter,
    window: &Window,
) -> Result<Vec<ServerRecord>, StoreError> {
    let rows: Vec<Row> = load_window!(conn, filtered(filter), window, servers::id, servers::id);
    with_associations(conn, rows)
}

/// How many records the whole list has.
pub fn count_list(conn: &mut AnyConnection, filter: &ServerFilter) -> Result<i64, StoreError> {
    Ok(filtered(filter).count().get_result(conn)?)
}

fn filtered(filter: &ServerFilter) -> servers::BoxedQuery<'static, Backend> {
    let mut query = servers::table.into_boxed();
    if let Some(v) = &filter.name {
        query = query.filter(servers::name.eq_any(v.clone()));
    }
    if let Some(v) = &filter.server_level_id {
        query = query.filter(servers::server_level_id.eq_any(v.clone()));
    }
    if let Some(v) = &filter.environment_id {
        query = query.filter(
            servers::id.eq_any(
                server_environments::table
                    .filter(server_environments::environment_id.eq_any(v.clone()))
                    .select(server_environments::server_id),
            ),
        );
    }
    query = query.filter(servers::active.eq_any(filter.active.clone()));
    query
}

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<ServerRecord, StoreError> {
    let row: Row = servers::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    Ok(with_associations(conn, vec![row])?.remove(0))
}

/// Levels and environments of many servers: two queries per chunk of ids.
fn with_associations(
    conn: &mut AnyConnection,
    rows: Vec<Row>,
) -> Result<Vec<ServerRecord>, StoreError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut level_ids: Vec<i64> = rows.iter().filter_map(|r| r.server_level_id).collect();
    level_ids.sort_unstable();
    level_ids.dedup();
    let mut levels: Vec<(i64, String)> = Vec::new();
    for chunk in level_ids.chunks(IN_CHUNK) {
        levels.extend(
            server_levels::table
                .filter(server_levels::id.eq_any(chunk))
                .select((server_levels::id, server_levels::name))
                .load::<(i64, String)>(conn)?,
        );
    }
    let mut envs: Vec<(i64, i64, String)> = Vec::new();
    for chunk in ids.chunks(IN_CHUNK) {
        envs.extend(
            server_environments::table
                .inner_join(environments::table)
                .filter(server_environments::server_id.eq_any(chunk))
                .order((server_environments::server_id, environments::id))
                .select((
                    server_environments::server_id,
                    environments::id,
                    environments::name,
                ))
                .load::<(i64, i64, String)>(conn)?,
        );
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let server_level = row.server_level_id.and_then(|level_id| {
                levels
                    .iter()
                    .find(|(id, _)| *id == level_id)
                    .map(|(id, name)| NamedRef {
                        id: *id,
                        name: name.clone(),
                    })
            });
            let environments = envs
                .iter()
                .filter(|(server_id, _, _)| *server_id == row.id)
                .map(|(_, id, name)| NamedRef {
                    id: *id,
                    name: name.clone(),
                })
                .collect();
            ServerRecord {
                server: row.into(),
                server_level,
                environments,
            }
        })
        .collect())
}

pub fn create(
    conn: &mut AnyConnection,
    changes: &ServerChanges,
) -> Result<ServerRecord, StoreError> {
    transaction::write(conn, |conn| {
        let mut fields = ServerFields::default();
        changes.apply(&mut fields);
        check(conn, &fields, None, changes.environment_ids.as_deref())?;
        let now = time::now();
        let row: Row = diesel::insert_into(servers::table)
            .values((
                servers::name.eq(&fields.name),
                servers::description.eq(&fields.description),
                servers::ip_address.eq(&fields.ip_address),
                servers::os_platform.eq(&fields.os_platform),
                servers::active.eq(fields.active),
                servers::server_level_id.eq(fields.server_level_id),
                servers::parent_id.eq(fields.parent_id),
                servers::created_at.eq(now),
                servers::updated_at.eq(now),
            ))
            .returning(servers::all_columns)
            .get_result(conn)
            .map_err(|e| taken_on_race(e, "name"))?;
        if let Some(environment_ids) = &changes.environment_ids {
            set_environments(conn, row.id, environment_ids)?;
        }
        find(conn, row.id)
    })
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    changes: &ServerChanges,
) -> Result<ServerRecord, StoreError> {
    transaction::write(conn, |conn| {
        let current = find(conn, id)?;
        let mut fields = ServerFields::from(&current.server);
        changes.apply(&mut fields);
        check(conn, &fields, Some(id), changes.environment_ids.as_deref())?;
        diesel::update(servers::table.find(id))
            .set((
                servers::name.eq(&fields.name),
                servers::description.eq(&fields.description),
                servers::ip_address.eq(&fields.ip_address),
                servers::os_platform.eq(&fields.os_platform),
                servers::active.eq(fields.active),
                servers::server_level_id.eq(fields.server_level_id),
                servers::parent_id.eq(fields.parent_id),
                servers::updated_at.eq(time::now()),
            ))
            .execute(conn)
            .map_err(|e| taken_on_race(e, "name"))?;
        if let Some(environment_ids) = &changes.environment_ids {
            set_environments(conn, id, environment_ids)?;
        }
        find(conn, id)
    })
}

/// DELETE keeps the server (steps and installed components may name it) and turns it off.
pub fn deactivate(conn: &mut AnyConnection, id: i64) -> Result<ServerRecord, StoreError> {
    update(
        conn,
        id,
        &ServerChanges {
            active: Some(false),
            ..ServerChanges::default()
        },
    )
}

/// How far up a chain of parents is followed before it is taken for a loop.
const MAX_DEPTH: usize = 1000;

fn check(
    conn: &mut AnyConnection,
    fields: &ServerFields,
    id: Option<i64>,
    environment_ids: Option<&[i64]>,
) -> Result<(), StoreError> {
    let mut errors = fields.validate(id);
    if !errors.has("name") && name_taken!(conn, servers, fields.name, id) {
        errors.add("name", messages::TAKEN);
    }
    if let Some(level_id) = fields.server_level_id {
        let found: i64 = server_levels::table
            .filter(server_levels::id.eq(level_id))
            .count()
            .get_result(conn)?;
        if found == 0 {
            errors.add("server_level_id", messages::DOES_NOT_EXIST);
        }
    }
    if let Some(parent_id) = fields.parent_id.filter(|_| !errors.has("parent_id")) {
        // Walk up from the parent: it must exist, and must not be this server or inside it.
        let mut next = Some(parent_id);
        let mut depth = 0;
        while let Some(current) = next {
            if Some(current) == id || depth > MAX_DEPTH {
                errors.add("parent_id", OWN_PARENT);
                break;
            }
            let parent: Option<Option<i64>> = servers::table
                .find(current)
                .select(servers::parent_id)
                .first(conn)
                .optional()?;
            match parent {
                Some(up) => next = up,
                None => {
                    if current == parent_id {
                        errors.add("parent_id", messages::DOES_NOT_EXIST);
                    }
                    break;
                }
            }
            depth += 1;
        }
    }
    if let Some(environment_ids) = environment_ids {
        let found: i64 = environments::table
            .filter(environments::id.eq_any(environment_ids))
            .count()
            .get_result(conn)?;
        if found != environment_ids.len() as i64 {
            errors.add("environment_ids", messages::DOES_NOT_EXIST);
        }
    }
    errors.into_result().map_err(StoreError::Invalid)
}

fn set_environments(
    conn: &mut AnyConnection,
    server_id: i64,
    environment_ids: &[i64],
) -> Result<(), StoreError> {
    diesel::delete(server_environments::table.filter(server_environments::server_id.eq(server_id)))
        .execute(conn)?;
    for environment_id in environment_ids {
        diesel::insert_into(server_environments::table)
            .values((
                server_environments::server_id.eq(server_id),
                server_environments::environment_id.eq(environment_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}
