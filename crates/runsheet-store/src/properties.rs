//! Properties.

use crate::error::StoreError;
use crate::schema::properties;
use crate::sql::{load_window, name_taken, Backend};
use crate::users::taken_on_race;
use crate::{transaction, AnyConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use runsheet_core::errors::messages;
use runsheet_core::paging::Window;
use runsheet_core::property::{Property, PropertyChanges, PropertyFields, PropertyFilter};
use runsheet_core::time;

#[derive(Queryable)]
struct PropertyRow {
    id: i64,
    name: String,
    default_value: Option<String>,
    active: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl From<PropertyRow> for Property {
    fn from(row: PropertyRow) -> Property {
        Property {
            id: row.id,
            name: row.name,
            default_value: row.default_value,
            active: row.active,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

pub fn list(
    conn: &mut AnyConnection,
    filter: &PropertyFilter,
) -> Result<Vec<Property>, StoreError> {
    page(conn, filter, &Window::ALL)
}

/// The part of the list `window` selects.
pub fn page(
    conn: &mut AnyConnection,
    filter: &PropertyFilter,
    window: &Window,
) -> Result<Vec<Property>, StoreError> {
    let rows: Vec<PropertyRow> = load_window!(
        conn,
        filtered(filter),
        window,
        properties::id,
        properties::id
    );
    Ok(rows.into_iter().map(Property::from).collect())
}

/// How many records the whole list has.
pub fn count_list(conn: &mut AnyConnection, filter: &PropertyFilter) -> Result<i64, StoreError> {
    Ok(filtered(filter).count().get_result(conn)?)
}

fn filtered(filter: &PropertyFilter) -> properties::BoxedQuery<'static, Backend> {
    let mut query = properties::table.into_boxed();
    if let Some(v) = &filter.name {
        query = query.filter(properties::name.eq_any(v.clone()));
    }
    query = query.filter(properties::active.eq_any(filter.active.clone()));
    query
}

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<Property, StoreError> {
    let row: PropertyRow = properties::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    Ok(row.into())
}

pub fn create(conn: &mut AnyConnection, changes: &PropertyChanges) -> Result<Property, StoreError> {
    transaction::write(conn, |conn| {
        let mut fields = PropertyFields::default();
        changes.apply(&mut fields);
        check(conn, &fields, None)?;
        let now = time::now();
        let row: PropertyRow = diesel::insert_into(properties::table)
            .values((
                properties::name.eq(&fields.name),
                properties::default_value.eq(&fields.default_value),
                properties::active.eq(fields.active),
                properties::created_at.eq(now),
                properties::updated_at.eq(now),
            ))
            .returning(properties::all_columns)
            .get_result(conn)
            .map_err(|e| taken_on_race(e, "name"))?;
        Ok(row.into())
    })
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    changes: &PropertyChanges,
) -> Result<Property, StoreError> {
    transaction::write(conn, |conn| {
        let current = find(conn, id)?;
        let mut fields = PropertyFields::from(&current);
        changes.apply(&mut fields);
        check(conn, &fields, Some(id))?;
        let row: PropertyRow = diesel::update(properties::table.find(id))
            .set((
                properties::name.eq(&fields.name),
                properties::default_value.eq(&fields.default_value),
                properties::active.eq(fields.active),
                properties::updated_at.eq(time::now()),
            ))
            .returning(properties::all_columns)
            .get_result(conn)
            .map_err(|e| taken_on_race(e, "name"))?;
        Ok(row.into())
    })
}

/// DELETE keeps the property (installed components and steps hold values of it) and turns
/// it off.
pub fn deactivate(conn: &mut AnyConnection, id: i64) -> Result<Property, StoreError> {
    update(conn, id, &PropertyChanges::deactivate())
}

fn check(
    conn: &mut AnyConnection,
    fields: &PropertyFields,
    id: Option<i64>,
) -> Result<(), StoreError> {
    let mut errors = fields.validate();
    if !errors.has("name") && name_taken!(conn, properties, fields.name, id) {
        errors.add("name", messages::TAKEN);
    }
    errors.into_result().map_err(StoreError::Invalid)
}
