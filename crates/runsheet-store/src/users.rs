//! Users: queries, and the rules that need the database (uniqueness, references).

use crate::error::StoreError;
use crate::schema::{group_memberships, groups, users};
use crate::sql::{
    all_exist, contains_pattern, direct, load_window, lower, lower_opt, Backend, IN_CHUNK,
};
use crate::{transaction, AnyConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use runsheet_core::errors::messages;
use runsheet_core::paging::Window;
use runsheet_core::user::{GroupRef, User, UserChanges, UserFields, UserFilter, UserRecord};
use runsheet_core::{api_key, time, Errors};

#[derive(Queryable)]
struct UserRow {
    id: i64,
    login: String,
    email: String,
    first_name: Option<String>,
    last_name: Option<String>,
    admin: bool,
    active: bool,
    _api_key_prefix: Option<String>,
    api_key_hash: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> User {
        User {
            id: row.id,
            login: row.login,
            email: row.email,
            first_name: row.first_name,
            last_name: row.last_name,
            admin: row.admin,
            active: row.active,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The columns a create or an update writes, from validated fields.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true)]
struct UserWrite<'a> {
    login: &'a str,
    email: &'a str,
    first_name: Option<&'a str>,
    last_name: Option<&'a str>,
    admin: bool,
    active: bool,
    updated_at: NaiveDateTime,
}

impl<'a> UserWrite<'a> {
    fn new(fields: &'a UserFields, updated_at: NaiveDateTime) -> Self {
        UserWrite {
            login: &fields.login,
            email: &fields.email,
            first_name: fields.first_name.as_deref(),
            last_name: fields.last_name.as_deref(),
            admin: fields.admin,
            active: fields.active,
            updated_at,
        }
    }
}

pub fn count(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(users::table.count().get_result(conn)?)
}

pub fn list(conn: &mut AnyConnection, filter: &UserFilter) -> Result<Vec<UserRecord>, StoreError> {
    page(conn, filter, &Window::ALL)
}

/// The part of the list `window` selects.
pub fn page(
    conn: &mut AnyConnection,
    filter: &UserFilter,
    window: &Window,
) -> Result<Vec<UserRecord>, StoreError> {
    let rows: Vec<UserRow> = load_window!(conn, filtered(filter), window, users::id, users::id);
    with_groups(conn, rows)
}

/// How many records the whole list has.
pub fn count_list(conn: &mut AnyConnection, filter: &UserFilter) -> Result<i64, StoreError> {
    Ok(filtered(filter).count().get_result(conn)?)
}

fn filtered(filter: &UserFilter) -> users::BoxedQuery<'static, Backend> {
    let mut query = users::table.into_boxed();
    if let Some(v) = &filter.name {
        query = query.filter(users::login.eq_any(v.clone()));
    }
    if let Some(v) = &filter.first_name {
        query = query.filter(users::first_name.eq_any(v.clone()));
    }
    if let Some(v) = &filter.last_name {
        query = query.filter(users::last_name.eq_any(v.clone()));
    }
    if let Some(v) = &filter.email {
        let v: Vec<String> = v.iter().map(|e| e.to_lowercase()).collect();
        query = query.filter(lower(users::email).eq_any(v));
    }
    if let Some(keyword) = &filter.keyword {
        let pattern = contains_pattern(keyword);
        query = query.filter(
            lower(users::login)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(users::email).like(pattern.clone()).escape('\\'))
                .or(lower_opt(users::first_name)
                    .like(pattern.clone())
                    .escape('\\'))
                .or(lower_opt(users::last_name).like(pattern).escape('\\')),
        );
    }
    if let Some(admin) = filter.admin {
        query = query.filter(users::admin.eq(admin));
    }
    query = query.filter(users::active.eq_any(filter.active.clone()));
    query
}

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<UserRecord, StoreError> {
    let row: UserRow = users::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    Ok(with_groups(conn, vec![row])?.remove(0))
}

/// Loads the groups of many users in one query per chunk of ids, never one per user.
fn with_groups(
    conn: &mut AnyConnection,
    rows: Vec<UserRow>,
) -> Result<Vec<UserRecord>, StoreError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut memberships: Vec<(i64, i64, String)> = Vec::new();
    for chunk in ids.chunks(IN_CHUNK) {
        memberships.extend(
            group_memberships::table
                .inner_join(groups::table)
                .filter(group_memberships::user_id.eq_any(chunk))
                .order((group_memberships::user_id, groups::name))
                .select((group_memberships::user_id, groups::id, groups::name))
                .load::<(i64, i64, String)>(conn)?,
        );
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let groups = memberships
                .iter()
                .filter(|(user_id, _, _)| *user_id == row.id)
                .map(|(_, id, name)| GroupRef {
                    id: *id,
                    name: name.clone(),
                })
                .collect();
            UserRecord {
                user: row.into(),
                groups,
            }
        })
        .collect())
}

pub fn create(conn: &mut AnyConnection, changes: &UserChanges) -> Result<UserRecord, StoreError> {
    transaction::write(conn, |conn| {
        let id = insert(conn, changes, None)?;
        find(conn, id)
    })
}

/// Creates a user with a fresh API token; returns the user and the token (shown once).
pub fn create_with_token(
    conn: &mut AnyConnection,
    changes: &UserChanges,
) -> Result<(UserRecord, String), StoreError> {
    transaction::write(conn, |conn| {
        let key = api_key::issue();
        let id = insert(conn, changes, Some(&key))?;
        Ok((find(conn, id)?, key.token))
    })
}

fn insert(
    conn: &mut AnyConnection,
    changes: &UserChanges,
    key: Option<&api_key::IssuedKey>,
) -> Result<i64, StoreError> {
    let mut fields = UserFields::default();
    changes.apply(&mut fields);
    check(conn, &fields, None, changes.group_ids.as_deref())?;
    let now = time::now();
    let row: UserRow = diesel::insert_into(users::table)
        .values((
            UserWrite::new(&fields, now),
            users::api_key_prefix.eq(key.map(|k| k.prefix.clone())),
            users::api_key_hash.eq(key.map(|k| k.hash.clone())),
            users::created_at.eq(now),
        ))
        .returning(users::all_columns)
        .get_result(conn)
        .map_err(|e| taken_on_race(e, "login"))?;
    if let Some(group_ids) = &changes.group_ids {
        set_groups(conn, row.id, group_ids)?;
    }
    Ok(row.id)
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    changes: &UserChanges,
) -> Result<UserRecord, StoreError> {
    transaction::write(conn, |conn| {
        let current = find(conn, id)?;
        let mut fields = UserFields::from(&current.user);
        changes.apply(&mut fields);
        check(conn, &fields, Some(id), changes.group_ids.as_deref())?;
        diesel::update(users::table.find(id))
            .set(UserWrite::new(&fields, time::now()))
            .execute(conn)
            .map_err(|e| taken_on_race(e, "login"))?;
        if let Some(group_ids) = &changes.group_ids {
            set_groups(conn, id, group_ids)?;
        }
        find(conn, id)
    })
}

/// DELETE keeps the record and turns the user off; an inactive user's token opens nothing.
pub fn deactivate(conn: &mut AnyConnection, id: i64) -> Result<UserRecord, StoreError> {
    update(
        conn,
        id,
        &UserChanges {
            active: Some(false),
            ..UserChanges::default()
        },
    )
}

/// Validation, then the rules that need the database.
fn check(
    conn: &mut AnyConnection,
    fields: &UserFields,
    id: Option<i64>,
    group_ids: Option<&[i64]>,
) -> Result<(), StoreError> {
    let mut errors = fields.validate();
    let (login, email) = (fields.login.to_lowercase(), fields.email.to_lowercase());
    // One query finds both clashes; ids start at 1, so 0 excludes nobody on create.
    let clashes: Vec<(String, String)> = users::table
        .select((users::login, users::email))
        .filter(
            lower(users::login)
                .eq(&login)
                .or(lower(users::email).eq(&email)),
        )
        .filter(users::id.ne(id.unwrap_or(0)))
        .load(conn)?;
    if !errors.has("login") && clashes.iter().any(|(l, _)| l.to_lowercase() == login) {
        errors.add("login", messages::TAKEN);
    }
    if !errors.has("email") && clashes.iter().any(|(_, e)| e.to_lowercase() == email) {
        errors.add("email", messages::TAKEN);
    }
    if let Some(group_ids) = group_ids {
        if !all_exist!(conn, groups, group_ids) {
            errors.add("group_ids", messages::DOES_NOT_EXIST);
        }
    }
    errors.into_result().map_err(StoreError::Invalid)
}

/// A unique index that fires despite the check (two writers at once) still reads as a 422.
pub(crate) fn taken_on_race(error: diesel::result::Error, attribute: &str) -> StoreError {
    use diesel::result::{DatabaseErrorKind, Error};
    match error {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            let mut errors = Errors::new();
            errors.add(attribute, messages::TAKEN);
            StoreError::Invalid(errors)
        }
        other => other.into(),
    }
}

fn set_groups(conn: &mut AnyConnection, user_id: i64, group_ids: &[i64]) -> Result<(), StoreError> {
    diesel::delete(group_memberships::table.filter(group_memberships::user_id.eq(user_id)))
        .execute(conn)?;
    for group_id in group_ids {
        diesel::insert_into(group_memberships::table)
            .values((
                group_memberships::group_id.eq(group_id),
                group_memberships::user_id.eq(user_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Issues a new token for `login`; the old one stops working.
pub fn issue_token(conn: &mut AnyConnection, login: &str) -> Result<String, StoreError> {
    transaction::write(conn, |conn| {
        let key = api_key::issue();
        let changed =
            diesel::update(users::table.filter(lower(users::login).eq(login.to_lowercase())))
                .set((
                    users::api_key_prefix.eq(&key.prefix),
                    users::api_key_hash.eq(&key.hash),
                    users::updated_at.eq(time::now()),
                ))
                .execute(conn)?;
        match changed {
            0 => Err(StoreError::NotFound),
            _ => Ok(key.token),
        }
    })
}

/// The user a token belongs to, if it opens the API: found by its clear prefix, then
/// its hash compared in constant time.
pub fn authenticate(conn: &mut AnyConnection, token: &str) -> Result<Option<User>, StoreError> {
    let Some(prefix) = api_key::prefix(token) else {
        return Ok(None);
    };
    let candidates: Vec<UserRow> = direct!(conn, |c| users::table
        .filter(users::api_key_prefix.eq(prefix))
        .load(c))?;
    Ok(candidates
        .into_iter()
        .find(|row| {
            row.api_key_hash
                .as_deref()
                .is_some_and(|hash| api_key::verify(token, hash))
        })
        .map(User::from)
        .filter(User::may_use_api))
}
