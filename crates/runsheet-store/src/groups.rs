//! Groups: queries, uniqueness of names, membership.

use crate::error::StoreError;
use crate::schema::{group_memberships, groups, users};
use crate::sql::{all_exist, load_window, name_taken, Backend, IN_CHUNK};
use crate::users::taken_on_race;
use crate::{transaction, AnyConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use runsheet_core::errors::messages;
use runsheet_core::group::{Group, GroupChanges, GroupFields, GroupFilter, GroupRecord, UserRef};
use runsheet_core::paging::Window;

#[derive(Queryable)]
struct GroupRow {
    id: i64,
    name: String,
    email: Option<String>,
    active: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl From<GroupRow> for Group {
    fn from(row: GroupRow) -> Group {
        Group {
            id: row.id,
            name: row.name,
            email: row.email,
            active: row.active,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The columns a create or an update writes, from validated fields.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = groups, treat_none_as_null = true)]
struct GroupWrite<'a> {
    name: &'a str,
    email: Option<&'a str>,
    active: bool,
    updated_at: NaiveDateTime,
}

impl<'a> GroupWrite<'a> {
    fn new(fields: &'a GroupFields, updated_at: NaiveDateTime) -> Self {
        GroupWrite {
            name: &fields.name,
            email: fields.email.as_deref(),
            active: fields.active,
            updated_at,
        }
    }
}

pub fn list(
    conn: &mut AnyConnection,
    filter: &GroupFilter,
) -> Result<Vec<GroupRecord>, StoreError> {
    page(conn, filter, &Window::ALL)
}

/// The part of the list `window` selects.
pub fn page(
    conn: &mut AnyConnection,
    filter: &GroupFilter,
    window: &Window,
) -> Result<Vec<GroupRecord>, StoreError> {
    let rows: Vec<GroupRow> = load_window!(conn, filtered(filter), window, groups::id, groups::id);
    with_users(conn, rows)
}

/// How many records the whole list has.
pub fn count_list(conn: &mut AnyConnection, filter: &GroupFilter) -> Result<i64, StoreError> {
    Ok(filtered(filter).count().get_result(conn)?)
}

fn filtered(filter: &GroupFilter) -> groups::BoxedQuery<'static, Backend> {
    let mut query = groups::table.into_boxed();
    if let Some(v) = &filter.name {
        query = query.filter(groups::name.eq_any(v.clone()));
    }
    if let Some(v) = &filter.email {
        query = query.filter(groups::email.eq_any(v.clone()));
    }
    query = query.filter(groups::active.eq_any(filter.active.clone()));
    query
}

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<GroupRecord, StoreError> {
    let row: GroupRow = groups::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    Ok(with_users(conn, vec![row])?.remove(0))
}

/// Loads the members of many groups in one query per chunk of ids.
fn with_users(
    conn: &mut AnyConnection,
    rows: Vec<GroupRow>,
) -> Result<Vec<GroupRecord>, StoreError> {
    type Member = (i64, i64, String, Option<String>, Option<String>, String);
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut members: Vec<Member> = Vec::new();
    for chunk in ids.chunks(IN_CHUNK) {
        members.extend(
            group_memberships::table
                .inner_join(users::table)
                .filter(group_memberships::group_id.eq_any(chunk))
                .order((group_memberships::group_id, users::login))
                .select((
                    group_memberships::group_id,
                    users::id,
                    users::login,
                    users::first_name,
                    users::last_name,
                    users::email,
                ))
                .load::<Member>(conn)?,
        );
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let users = members
                .iter()
                .filter(|m| m.0 == row.id)
                .map(|(_, id, login, first_name, last_name, email)| UserRef {
                    id: *id,
                    login: login.clone(),
                    first_name: first_name.clone(),
                    last_name: last_name.clone(),
                    email: email.clone(),
                })
                .collect();
            GroupRecord {
                group: row.into(),
                users,
            }
        })
        .collect())
}

pub fn create(conn: &mut AnyConnection, changes: &GroupChanges) -> Result<GroupRecord, StoreError> {
    transaction::write(conn, |conn| {
        let mut fields = GroupFields::default();
        changes.apply(&mut fields);
        check(conn, &fields, None, changes.user_ids.as_deref())?;
        let now = runsheet_core::time::now();
        let row: GroupRow = diesel::insert_into(groups::table)
            .values((GroupWrite::new(&fields, now), groups::created_at.eq(now)))
            .returning(groups::all_columns)
            .get_result(conn)
            .map_err(|e| taken_on_race(e, "name"))?;
        if let Some(user_ids) = &changes.user_ids {
            set_users(conn, row.id, user_ids)?;
        }
        find(conn, row.id)
    })
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    changes: &GroupChanges,
) -> Result<GroupRecord, StoreError> {
    transaction::write(conn, |conn| {
        let current = find(conn, id)?;
        let mut fields = GroupFields::from(&current.group);
        changes.apply(&mut fields);
        check(conn, &fields, Some(id), changes.user_ids.as_deref())?;
        diesel::update(groups::table.find(id))
            .set(GroupWrite::new(&fields, runsheet_core::time::now()))
            .execute(conn)
            .map_err(|e| taken_on_race(e, "name"))?;
        if let Some(user_ids) = &changes.user_ids {
            set_users(conn, id, user_ids)?;
        }
        find(conn, id)
    })
}

/// DELETE keeps the group (steps may still name it as owner) and turns it off.
pub fn deactivate(conn: &mut AnyConnection, id: i64) -> Result<GroupRecord, StoreError> {
    update(
        conn,
        id,
        &GroupChanges {
            active: Some(false),
            ..GroupChanges::default()
        },
    )
}

fn check(
    conn: &mut AnyConnection,
    fields: &GroupFields,
    id: Option<i64>,
    user_ids: Option<&[i64]>,
) -> Result<(), StoreError> {
    let mut errors = fields.validate();
    if !errors.has("name") && name_taken!(conn, groups, fields.name, id) {
        errors.add("name", messages::TAKEN);
    }
    if let Some(user_ids) = user_ids {
        if !all_exist!(conn, users, user_ids) {
            errors.add("user_ids", messages::DOES_NOT_EXIST);
        }
    }
    errors.into_result().map_err(StoreError::Invalid)
}

fn set_users(conn: &mut AnyConnection, group_id: i64, user_ids: &[i64]) -> Result<(), StoreError> {
    diesel::delete(group_memberships::table.filter(group_memberships::group_id.eq(group_id)))
        .execute(conn)?;
    for user_id in user_ids {
        diesel::insert_into(group_memberships::table)
            .values((
                group_memberships::group_id.eq(group_id),
                group_memberships::user_id.eq(user_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}
