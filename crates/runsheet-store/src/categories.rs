//! Categories: queries, uniqueness, and the refusal to delete one steps use.

use crate::error::StoreError;
use crate::phases::in_use;
use crate::schema::{categories, steps};
use crate::sql::{load_window, name_taken, Backend};
use crate::users::taken_on_race;
use crate::{transaction, AnyConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use runsheet_core::category::{Category, CategoryChanges, CategoryFields, CategoryFilter};
use runsheet_core::errors::messages;
use runsheet_core::paging::Window;
use runsheet_core::time;

#[derive(Queryable)]
struct Row {
    id: i64,
    name: String,
    categorized_type: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl From<Row> for Category {
    fn from(row: Row) -> Category {
        Category {
            id: row.id,
            name: row.name,
            categorized_type: row.categorized_type,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

pub fn list(
    conn: &mut AnyConnection,
    filter: &CategoryFilter,
) -> Result<Vec<Category>, StoreError> {
    page(conn, filter, &Window::ALL)
}

/// The part of the list `window` selects.
pub fn page(
    conn: &mut AnyConnection,
    filter: &CategoryFilter,
    window: &Window,
) -> Result<Vec<Category>, StoreError> {
    let rows: Vec<Row> = load_window!(
        conn,
        filtered(filter),
        window,
        categories::id,
        categories::id
    );
    Ok(rows.into_iter().map(Into::into).collect())
}

/// How many records the whole list has.
pub fn count_list(conn: &mut AnyConnection, filter: &CategoryFilter) -> Result<i64, StoreError> {
    Ok(filtered(filter).count().get_result(conn)?)
}

fn filtered(filter: &CategoryFilter) -> categories::BoxedQuery<'static, Backend> {
    let mut query = categories::table.into_boxed();
    if let Some(v) = &filter.name {
        query = query.filter(categories::name.eq_any(v.clone()));
    }
    if let Some(v) = &filter.categorized_type {
        query = query.filter(categories::categorized_type.eq_any(v.clone()));
    }
    query
}

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<Category, StoreError> {
    let row: Row = categories::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    Ok(row.into())
}

pub fn create(conn: &mut AnyConnection, changes: &CategoryChanges) -> Result<Category, StoreError> {
    transaction::write(conn, |conn| {
        let mut fields = CategoryFields::default();
        changes.apply(&mut fields);
        check(conn, &fields, None)?;
        let now = time::now();
        let row: Row = diesel::insert_into(categories::table)
            .values((
                categories::name.eq(&fields.name),
                categories::categorized_type.eq(&fields.categorized_type),
                categories::created_at.eq(now),
                categories::updated_at.eq(now),
            ))
            .returning(categories::all_columns)
            .get_result(conn)
            .map_err(|e| taken_on_race(e, "name"))?;
        Ok(row.into())
    })
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    changes: &CategoryChanges,
) -> Result<Category, StoreError> {
    transaction::write(conn, |conn| {
        let current = find(conn, id)?;
        let mut fields = CategoryFields::from(&current);
        changes.apply(&mut fields);
        check(conn, &fields, Some(id))?;
        diesel::update(categories::table.find(id))
            .set((
                categories::name.eq(&fields.name),
                categories::categorized_type.eq(&fields.categorized_type),
                categories::updated_at.eq(time::now()),
            ))
            .execute(conn)
            .map_err(|e| taken_on_race(e, "name"))?;
        find(conn, id)
    })
}

/// DELETE destroys the category, unless a step uses it.
pub fn destroy(conn: &mut AnyConnection, id: i64) -> Result<Option<Category>, StoreError> {
    transaction::write(conn, |conn| {
        find(conn, id)?;
        let used: i64 = steps::table
            .filter(steps::category_id.eq(id))
            .count()
            .get_result(conn)?;
        if used > 0 {
            return Err(in_use());
        }
        diesel::delete(categories::table.find(id)).execute(conn)?;
        Ok(None)
    })
}

fn check(
    conn: &mut AnyConnection,
    fields: &CategoryFields,
    id: Option<i64>,
) -> Result<(), StoreError> {
    let mut errors = fields.validate();
    if !errors.has("name") && name_taken!(conn, categories, fields.name, id) {
        errors.add("name", messages::TAKEN);
    }
    errors.into_result().map_err(StoreError::Invalid)
}
