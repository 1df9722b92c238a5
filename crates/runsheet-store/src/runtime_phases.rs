//! Runtime phases: queries, names unique within a phase, positions, refusal while steps use one.

use crate::error::StoreError;
use crate::phases::in_use;
use crate::schema::{phases, runtime_phases, steps};
use crate::sql::{load_window, lower, Backend, IN_CHUNK};
use crate::users::taken_on_race;
use crate::{transaction, AnyConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use runsheet_core::errors::messages;
use runsheet_core::paging::Window;
use runsheet_core::runtime_phase::{
    NamedRef, RuntimePhase, RuntimePhaseChanges, RuntimePhaseFields, RuntimePhaseFilter,
    RuntimePhaseRecord,
};
use runsheet_core::time;

#[derive(Queryable)]
struct Row {
    id: i64,
    phase_id: i64,
    name: String,
    position: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl From<Row> for RuntimePhase {
    fn from(row: Row) -> RuntimePhase {
        RuntimePhase {
            id: row.id,
            phase_id: row.phase_id,
            name: row.name,
            position: row.position,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

pub fn list(
    conn: &mut AnyConnection,
    filter: &RuntimePhaseFilter,
) -> Result<Vec<RuntimePhaseRecord>, StoreError> {
    page(conn, filter, &Window::ALL)
}

/// The part of the list `window` selects.
pub fn page(
    conn: &mut AnyConnection,
    filter: &RuntimePhaseFilter,
    window: &Window,
) -> Result<Vec<RuntimePhaseRecord>, StoreError> {
    let rows: Vec<Row> = load_window!(
        conn,
        filtered(filter),
        window,
        runtime_phases::id,
        (runtime_phases::position, runtime_phases::id)
    );
    with_phases(conn, rows)
}

/// How many records the whole list has.
pub fn count_list(
    conn: &mut AnyConnection,
    filter: &RuntimePhaseFilter,
) -> Result<i64, StoreError> {
    Ok(filtered(filter).count().get_result(conn)?)
}

fn filtered(filter: &RuntimePhaseFilter) -> runtime_phases::BoxedQuery<'static, Backend> {
    let mut query = runtime_phases::table.into_boxed();
    if let Some(v) = &filter.name {
        query = query.filter(runtime_phases::name.eq_any(v.clone()));
    }
    if let Some(v) = &filter.phase_id {
        query = query.filter(runtime_phases::phase_id.eq_any(v.clone()));
    }
    query
}

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<RuntimePhaseRecord, StoreError> {
    let row: Row = runtime_phases::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    Ok(with_phases(conn, vec![row])?.remove(0))
}

/// The phases of many runtime phases in one query per chunk of ids.
fn with_phases(
    conn: &mut AnyConnection,
    rows: Vec<Row>,
) -> Result<Vec<RuntimePhaseRecord>, StoreError> {
    let mut ids: Vec<i64> = rows.iter().map(|r| r.phase_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut names: Vec<(i64, String)> = Vec::new();
    for chunk in ids.chunks(IN_CHUNK) {
        names.extend(
            phases::table
                .filter(phases::id.eq_any(chunk))
                .select((phases::id, phases::name))
                .load::<(i64, String)>(conn)?,
        );
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            // The foreign key guarantees the phase; the fallback only keeps this total.
            let name = names
                .iter()
                .find(|(id, _)| *id == row.phase_id)
                .map(|(_, name)| name.clone())
                .unwrap_or_default();
            RuntimePhaseRecord {
                phase: NamedRef {
                    id: row.phase_id,
                    name,
                },
                runtime_phase: row.into(),
            }
        })
        .collect())
}

pub fn create(
    conn: &mut AnyConnection,
    changes: &RuntimePhaseChanges,
) -> Result<RuntimePhaseRecord, StoreError> {
    transaction::write(conn, |conn| {
        let mut fields = RuntimePhaseFields::default();
        changes.apply(&mut fields);
        let phase_id = check(conn, &fields, None)?;
        let position = match fields.position {
            Some(position) => position,
            None => {
                let last: Option<i64> = runtime_phases::table
                    .filter(runtime_phases::phase_id.eq(phase_id))
                    .select(diesel::dsl::max(runtime_phases::position))
                    .first(conn)?;
                last.unwrap_or(0) + 1
            }
        };
        let now = time::now();
        let row: Row = diesel::insert_into(runtime_phases::table)
            .values((
                runtime_phases::phase_id.eq(phase_id),
                runtime_phases::name.eq(&fields.name),
                runtime_phases::position.eq(position),
                runtime_phases::created_at.eq(now),
                runtime_phases::updated_at.eq(now),
            ))
            .returning(runtime_phases::all_columns)
            .get_result(conn)
            .map_err(|e| taken_on_race(e, "name"))?;
        find(conn, row.id)
    })
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    changes: &RuntimePhaseChanges,
) -> Result<RuntimePhaseRecord, StoreError> {
    transaction::write(conn, |conn| {
        let current = find(conn, id)?;
        let mut fields = RuntimePhaseFields::from(&current.runtime_phase);
        changes.apply(&mut fields);
        let phase_id = check(conn, &fields, Some(id))?;
        diesel::update(runtime_phases::table.find(id))
            .set((
                runtime_phases::phase_id.eq(phase_id),
                runtime_phases::name.eq(&fields.name),
                runtime_phases::position
                    .eq(fields.position.unwrap_or(current.runtime_phase.position)),
                runtime_phases::updated_at.eq(time::now()),
            ))
            .execute(conn)
            .map_err(|e| taken_on_race(e, "name"))?;
        find(conn, id)
    })
}

/// DELETE destroys the runtime phase, unless a step uses it.
pub fn destroy(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<RuntimePhaseRecord>, StoreError> {
    transaction::write(conn, |conn| {
        find(conn, id)?;
        let used: i64 = steps::table
            .filter(steps::runtime_phase_id.eq(id))
            .count()
            .get_result(conn)?;
        if used > 0 {
            return Err(in_use());
        }
        diesel::delete(runtime_phases::table.find(id)).execute(conn)?;
        Ok(None)
    })
}

/// Validation and references; the phase id when all is well.
fn check(
    conn: &mut AnyConnection,
    fields: &RuntimePhaseFields,
    id: Option<i64>,
) -> Result<i64, StoreError> {
    let mut errors = fields.validate();
    let mut phase_exists = false;
    if let Some(phase_id) = fields.phase_id {
        let found: i64 = phases::table
            .filter(phases::id.eq(phase_id))
            .count()
            .get_result(conn)?;
        phase_exists = found > 0;
        if !phase_exists {
            errors.add("phase_id", messages::DOES_NOT_EXIST);
        }
    }
    if let (Some(phase_id), true, false) = (fields.phase_id, phase_exists, errors.has("name")) {
        let clash: Option<i64> = runtime_phases::table
            .select(runtime_phases::id)
            .filter(runtime_phases::phase_id.eq(phase_id))
            .filter(lower(runtime_phases::name).eq(fields.name.to_lowercase()))
            .filter(runtime_phases::id.ne(id.unwrap_or(0)))
            .first(conn)
            .optional()?;
        if clash.is_some() {
            errors.add("name", messages::TAKEN);
        }
    }
    errors.into_result().map_err(StoreError::Invalid)?;
    fields.phase_id.ok_or(StoreError::NotFound)
}
