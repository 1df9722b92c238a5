//! Phases: queries, uniqueness, positions, and the refusal to delete one steps still use.

use crate::error::StoreError;
use crate::schema::{phases, runtime_phases, steps};
use crate::sql::IN_CHUNK;
use crate::sql::{load_window, name_taken, Backend};
use crate::users::taken_on_race;
use crate::{transaction, AnyConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use runsheet_core::errors::messages;
use runsheet_core::paging::Window;
use runsheet_core::phase::{
    NameFilter, Phase, PhaseChanges, PhaseRecord, PositionedFields, RuntimePhaseRef,
};
use runsheet_core::{time, Errors};

/// A record steps refer to is kept: deleting it would leave them pointing at nothing.
pub const IN_USE: &str = "cannot be deleted while steps use it";

pub(crate) fn in_use() -> StoreError {
    let mut errors = Errors::new();
    errors.add("base", IN_USE);
    StoreError::Invalid(errors)
}

#[derive(Queryable)]
struct Row {
    id: i64,
    name: String,
    position: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl From<Row> for Phase {
    fn from(row: Row) -> Phase {
        Phase {
            id: row.id,
            name: row.name,
            position: row.position,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

pub fn list(conn: &mut AnyConnection, filter: &NameFilter) -> Result<Vec<PhaseRecord>, StoreError> {
    page(conn, filter, &Window::ALL)
}

/// The part of the list `window` selects.
pub fn page(
    conn: &mut AnyConnection,
    filter: &NameFilter,
    window: &Window,
) -> Result<Vec<PhaseRecord>, StoreError> {
    let rows: Vec<Row> = load_window!(
        conn,
        filtered(filter),
        window,
        phases::id,
        (phases::position, phases::id)
    );
    with_runtime_phases(conn, rows)
}

/// How many records the whole list has.
pub fn count_list(conn: &mut AnyConnection, filter: &NameFilter) -> Result<i64, StoreError> {
    Ok(filtered(filter).count().get_result(conn)?)
}

fn filtered(filter: &NameFilter) -> phases::BoxedQuery<'static, Backend> {
    let mut query = phases::table.into_boxed();
    if let Some(v) = &filter.name {
        query = query.filter(phases::name.eq_any(v.clone()));
    }
    query
}

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<PhaseRecord, StoreError> {
    let row: Row = phases::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    Ok(with_runtime_phases(conn, vec![row])?.remove(0))
}

/// The runtime phases of many phases in one query per chunk of ids.
fn with_runtime_phases(
    conn: &mut AnyConnection,
    rows: Vec<Row>,
) -> Result<Vec<PhaseRecord>, StoreError> {
    type Child = (i64, i64, String, i64);
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut children: Vec<Child> = Vec::new();
    for chunk in ids.chunks(IN_CHUNK) {
        children.extend(
            runtime_phases::table
                .filter(runtime_phases::phase_id.eq_any(chunk))
                .order((
                    runtime_phases::phase_id,
                    runtime_phases::position,
                    runtime_phases::id,
                ))
                .select((
                    runtime_phases::phase_id,
                    runtime_phases::id,
                    runtime_phases::name,
                    runtime_phases::position,
                ))
                .load::<Child>(conn)?,
        );
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let runtime_phases = children
                .iter()
                .filter(|c| c.0 == row.id)
                .map(|(_, id, name, position)| RuntimePhaseRef {
                    id: *id,
                    name: name.clone(),
                    position: *position,
                })
                .collect();
            PhaseRecord {
                phase: row.into(),
                runtime_phases,
            }
        })
        .collect())
}

pub fn create(conn: &mut AnyConnection, changes: &PhaseChanges) -> Result<PhaseRecord, StoreError> {
    transaction::write(conn, |conn| {
        let mut fields = PositionedFields::default();
        changes.0.apply(&mut fields);
        check(conn, &fields, None)?;
        let position = match fields.position {
            Some(position) => position,
            None => next_position(conn)?,
        };
        let now = time::now();
        let row: Row = diesel::insert_into(phases::table)
            .values((
                phases::name.eq(&fields.name),
                phases::position.eq(position),
                phases::created_at.eq(now),
                phases::updated_at.eq(now),
            ))
            .returning(phases::all_columns)
            .get_result(conn)
            .map_err(|e| taken_on_race(e, "name"))?;
        find(conn, row.id)
    })
}

fn next_position(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    let last: Option<i64> = phases::table
        .select(diesel::dsl::max(phases::position))
        .first(conn)?;
    Ok(last.unwrap_or(0) + 1)
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    changes: &PhaseChanges,
) -> Result<PhaseRecord, StoreError> {
    transaction::write(conn, |conn| {
        let current = find(conn, id)?;
        let mut fields = PositionedFields::from(&current.phase);
        changes.0.apply(&mut fields);
        check(conn, &fields, Some(id))?;
        diesel::update(phases::table.find(id))
            .set((
                phases::name.eq(&fields.name),
                phases::position.eq(fields.position.unwrap_or(current.phase.position)),
                phases::updated_at.eq(time::now()),
            ))
            .execute(conn)
            .map_err(|e| taken_on_race(e, "name"))?;
        find(conn, id)
    })
}

/// DELETE destroys the phase and its runtime phases, unless a step uses either.
pub fn destroy(conn: &mut AnyConnection, id: i64) -> Result<Option<PhaseRecord>, StoreError> {
    transaction::write(conn, |conn| {
        find(conn, id)?;
        let used: i64 = steps::table
            .filter(
                steps::phase_id.eq(id).or(steps::runtime_phase_id.eq_any(
                    runtime_phases::table
                        .filter(runtime_phases::phase_id.eq(id))
                        .select(runtime_phases::id.nullable()),
                )),
            )
            .count()
            .get_result(conn)?;
        if used > 0 {
            return Err(in_use());
        }
        diesel::delete(phases::table.find(id)).execute(conn)?;
        Ok(None)
    })
}

fn check(
    conn: &mut AnyConnection,
    fields: &PositionedFields,
    id: Option<i64>,
) -> Result<(), StoreError> {
    let mut errors = fields.validate();
    if !errors.has("name") && name_taken!(conn, phases, fields.name, id) {
        errors.add("name", messages::TAKEN);
    }
    errors.into_result().map_err(StoreError::Invalid)
}
