//! Scripts: the automations automated steps run.

use crate::error::StoreError;
use crate::schema::{job_runs, scripts, steps};
use crate::sql::{load_window, name_taken, Backend};
use crate::users::taken_on_race;
use crate::{transaction, AnyConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use runsheet_core::errors::messages;
use runsheet_core::paging::Window;
use runsheet_core::script::{Script, ScriptChanges, ScriptFields, ScriptFilter};
use runsheet_core::{time, Errors};

/// Why DELETE refuses a script that is in use.
pub const IN_USE: &str = "cannot be deleted while steps or job runs use it";

#[derive(Queryable)]
struct ScriptRow {
    id: i64,
    name: String,
    description: Option<String>,
    script_type: String,
    content: String,
    aasm_state: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl From<ScriptRow> for Script {
    fn from(row: ScriptRow) -> Script {
        Script {
            id: row.id,
            name: row.name,
            description: row.description,
            script_type: row.script_type,
            content: row.content,
            aasm_state: row.aasm_state,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

pub fn list(conn: &mut AnyConnection, filter: &ScriptFilter) -> Result<Vec<Script>, StoreError> {
    page(conn, filter, &Window::ALL)
}

/// The part of the list `window` selects.
pub fn page(
    conn: &mut AnyConnection,
    filter: &ScriptFilter,
    window: &Window,
) -> Result<Vec<Script>, StoreError> {
    let rows: Vec<ScriptRow> =
        load_window!(conn, filtered(filter), window, scripts::id, scripts::id);
    Ok(rows.into_iter().map(Script::from).collect())
}

/// How many records the whole list has.
pub fn count_list(conn: &mut AnyConnection, filter: &ScriptFilter) -> Result<i64, StoreError> {
    Ok(filtered(filter).count().get_result(conn)?)
}

fn filtered(filter: &ScriptFilter) -> scripts::BoxedQuery<'static, Backend> {
    let mut query = scripts::table.into_boxed();
    if let Some(v) = &filter.name {
        query = query.filter(scripts::name.eq_any(v.clone()));
    }
    if let Some(v) = &filter.script_type {
        query = query.filter(scripts::script_type.eq_any(v.clone()));
    }
    if let Some(v) = &filter.aasm_state {
        query = query.filter(scripts::aasm_state.eq_any(v.clone()));
    }
    query
}

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<Script, StoreError> {
    let row: ScriptRow = scripts::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    Ok(row.into())
}

pub fn create(conn: &mut AnyConnection, changes: &ScriptChanges) -> Result<Script, StoreError> {
    transaction::write(conn, |conn| {
        let mut fields = ScriptFields::default();
        changes.apply(&mut fields);
        check(conn, &fields, None)?;
        let now = time::now();
        let row: ScriptRow = diesel::insert_into(scripts::table)
            .values((
                scripts::name.eq(&fields.name),
                scripts::description.eq(&fields.description),
                scripts::script_type.eq(&fields.script_type),
                scripts::content.eq(&fields.content),
                scripts::aasm_state.eq(&fields.aasm_state),
                scripts::created_at.eq(now),
                scripts::updated_at.eq(now),
            ))
            .returning(scripts::all_columns)
            .get_result(conn)
            .map_err(|e| taken_on_race(e, "name"))?;
        Ok(row.into())
    })
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    changes: &ScriptChanges,
) -> Result<Script, StoreError> {
    transaction::write(conn, |conn| {
        let current = find(conn, id)?;
        let mut fields = ScriptFields::from(&current);
        changes.apply(&mut fields);
        check(conn, &fields, Some(id))?;
        let row: ScriptRow = diesel::update(scripts::table.find(id))
            .set((
                scripts::name.eq(&fields.name),
                scripts::description.eq(&fields.description),
                scripts::script_type.eq(&fields.script_type),
                scripts::content.eq(&fields.content),
                scripts::aasm_state.eq(&fields.aasm_state),
                scripts::updated_at.eq(time::now()),
            ))
            .returning(scripts::all_columns)
            .get_result(conn)
            .map_err(|e| taken_on_race(e, "name"))?;
        Ok(row.into())
    })
}

/// DELETE removes a script nothing uses; one that steps run or job runs record stays.
pub fn destroy(conn: &mut AnyConnection, id: i64) -> Result<Option<Script>, StoreError> {
    transaction::write(conn, |conn| {
        find(conn, id)?;
        let steps_using: i64 = steps::table
            .filter(steps::script_id.eq(id))
            .count()
            .get_result(conn)?;
        let runs_using: i64 = job_runs::table
            .filter(job_runs::automation_id.eq(id))
            .count()
            .get_result(conn)?;
        if steps_using + runs_using > 0 {
            let mut errors = Errors::new();
            errors.add("base", IN_USE);
            return Err(StoreError::Invalid(errors));
        }
        diesel::delete(scripts::table.find(id)).execute(conn)?;
        Ok(None)
    })
}

fn check(
    conn: &mut AnyConnection,
    fields: &ScriptFields,
    id: Option<i64>,
) -> Result<(), StoreError> {
    let mut errors = fields.validate();
    if !errors.has("name") && name_taken!(conn, scripts, fields.name, id) {
        errors.add("name", messages::TAKEN);
    }
    errors.into_result().map_err(StoreError::Invalid)
}
