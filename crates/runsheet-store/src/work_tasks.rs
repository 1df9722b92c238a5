//! Work tasks: queries, uniqueness, positions, and the refusal to delete one steps use.

use crate::error::StoreError;
use crate::phases::in_use;
use crate::schema::{steps, work_tasks};
use crate::sql::{load_window, name_taken, Backend};
use crate::users::taken_on_race;
use crate::{transaction, AnyConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use runsheet_core::errors::messages;
use runsheet_core::paging::Window;
use runsheet_core::time;
use runsheet_core::work_task::{PositionedFields, WorkTask, WorkTaskChanges, WorkTaskFilter};

#[derive(Queryable)]
struct Row {
    id: i64,
    name: String,
    position: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl From<Row> for WorkTask {
    fn from(row: Row) -> WorkTask {
        WorkTask {
            id: row.id,
            name: row.name,
            position: row.position,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

pub fn list(
    conn: &mut AnyConnection,
    filter: &WorkTaskFilter,
) -> Result<Vec<WorkTask>, StoreError> {
    page(conn, filter, &Window::ALL)
}

/// The part of the list `window` selects.
pub fn page(
    conn: &mut AnyConnection,
    filter: &WorkTaskFilter,
    window: &Window,
) -> Result<Vec<WorkTask>, StoreError> {
    let rows: Vec<Row> = load_window!(
        conn,
        filtered(filter),
        window,
        work_tasks::id,
        (work_tasks::position, work_tasks::id)
    );
    Ok(rows.into_iter().map(Into::into).collect())
}

/// How many records the whole list has.
pub fn count_list(conn: &mut AnyConnection, filter: &WorkTaskFilter) -> Result<i64, StoreError> {
    Ok(filtered(filter).count().get_result(conn)?)
}

fn filtered(filter: &WorkTaskFilter) -> work_tasks::BoxedQuery<'static, Backend> {
    let mut query = work_tasks::table.into_boxed();
    if let Some(v) = &filter.name {
        query = query.filter(work_tasks::name.eq_any(v.clone()));
    }
    query
}

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<WorkTask, StoreError> {
    let row: Row = work_tasks::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    Ok(row.into())
}

pub fn create(conn: &mut AnyConnection, changes: &WorkTaskChanges) -> Result<WorkTask, StoreError> {
    transaction::write(conn, |conn| {
        let mut fields = PositionedFields::default();
        changes.0.apply(&mut fields);
        check(conn, &fields, None)?;
        let position = match fields.position {
            Some(position) => position,
            None => {
                let last: Option<i64> = work_tasks::table
                    .select(diesel::dsl::max(work_tasks::position))
                    .first(conn)?;
                last.unwrap_or(0) + 1
            }
        };
        let now = time::now();
        let row: Row = diesel::insert_into(work_tasks::table)
            .values((
                work_tasks::name.eq(&fields.name),
                work_tasks::position.eq(position),
                work_tasks::created_at.eq(now),
                work_tasks::updated_at.eq(now),
            ))
            .returning(work_tasks::all_columns)
            .get_result(conn)
            .map_err(|e| taken_on_race(e, "name"))?;
        Ok(row.into())
    })
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    changes: &WorkTaskChanges,
) -> Result<WorkTask, StoreError> {
    transaction::write(conn, |conn| {
        let current = find(conn, id)?;
        let mut fields = PositionedFields::from(&current);
        changes.0.apply(&mut fields);
        check(conn, &fields, Some(id))?;
        diesel::update(work_tasks::table.find(id))
            .set((
                work_tasks::name.eq(&fields.name),
                work_tasks::position.eq(fields.position.unwrap_or(current.position)),
                work_tasks::updated_at.eq(time::now()),
            ))
            .execute(conn)
            .map_err(|e| taken_on_race(e, "name"))?;
        find(conn, id)
    })
}

/// DELETE destroys the work task, unless a step uses it.
pub fn destroy(conn: &mut AnyConnection, id: i64) -> Result<Option<WorkTask>, StoreError> {
    transaction::write(conn, |conn| {
        find(conn, id)?;
        let used: i64 = steps::table
            .filter(steps::work_task_id.eq(id))
            .count()
            .get_result(conn)?;
        if used > 0 {
            return Err(in_use());
        }
        diesel::delete(work_tasks::table.find(id)).execute(conn)?;
        Ok(None)
    })
}

fn check(
    conn: &mut AnyConnection,
    fields: &PositionedFields,
    id: Option<i64>,
) -> Result<(), StoreError> {
    let mut errors = fields.validate();
    if !errors.has("name") && name_taken!(conn, work_tasks, fields.name, id) {
        errors.add("name", messages::TAKEN);
    }
    errors.into_result().map_err(StoreError::Invalid)
}
