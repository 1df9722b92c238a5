//! Free-floating procedures: queries, uniqueness, and copying one into a request.
//!
//! A procedure's own steps are those with its `procedure_id`, no parent and no request: the
//! procedure step `add_to_request` leaves in a request also names the procedure it came
//! from, but belongs to the request.

use crate::error::StoreError;
use crate::schema::{procedures, requests, step_property_values, step_servers, steps};
use crate::sql::IN_CHUNK;
use crate::sql::{load_window, name_taken, Backend};
use crate::steps as step_store;
use crate::users::taken_on_race;
use crate::{transaction, AnyConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use runsheet_core::errors::messages;
use runsheet_core::paging::Window;
use runsheet_core::procedure::{
    request_not_editable, AddedProcedure, Procedure, ProcedureChanges, ProcedureFields,
    ProcedureFilter, ProcedureRecord, ProcedureStepRef, StepRef,
};
use runsheet_core::step::StepFields;
use runsheet_core::{time, Errors};

#[derive(Queryable)]
struct Row {
    id: i64,
    name: String,
    description: Option<String>,
    aasm_state: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl From<Row> for Procedure {
    fn from(row: Row) -> Procedure {
        Procedure {
            id: row.id,
            name: row.name,
            description: row.description,
            aasm_state: row.aasm_state,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

pub fn list(
    conn: &mut AnyConnection,
    filter: &ProcedureFilter,
) -> Result<Vec<ProcedureRecord>, StoreError> {
    page(conn, filter, &Window::ALL)
}

/// The part of the list `window` selects.
pub fn page(
    conn: &mut AnyConnection,
    filter: &ProcedureFilter,
    window: &Window,
) -> Result<Vec<ProcedureRecord>, StoreError> {
    let rows: Vec<Row> = load_window!(
        conn,
        filtered(filter),
        window,
        procedures::id,
        procedures::id
    );
    with_steps(conn, rows)
}

/// How many records the whole list has.
pub fn count_list(conn: &mut AnyConnection, filter: &ProcedureFilter) -> Result<i64, StoreError> {
    Ok(filtered(filter).count().get_result(conn)?)
}

fn filtered(filter: &ProcedureFilter) -> procedures::BoxedQuery<'static, Backend> {
    let mut query = procedures::table.into_boxed();
    if let Some(v) = &filter.name {
        query = query.filter(procedures::name.eq_any(v.clone()));
    }
    if let Some(v) = &filter.aasm_state {
        query = query.filter(procedures::aasm_state.eq_any(v.clone()));
    }
    query
}

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<ProcedureRecord, StoreError> {
    let row: Row = procedures::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    Ok(with_steps(conn, vec![row])?.remove(0))
}

/// The steps of many procedures in one query per chunk of ids.
fn with_steps(
    conn: &mut AnyConnection,
    rows: Vec<Row>,
) -> Result<Vec<ProcedureRecord>, StoreError> {
    type Member = (Option<i64>, i64, Option<String>, i64, bool, String);
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut members: Vec<Member> = Vec::new();
    for chunk in ids.chunks(IN_CHUNK) {
        members.extend(
            steps::table
                .filter(steps::procedure_id.eq_any(chunk))
                .filter(steps::parent_id.is_null())
                .filter(steps::request_id.is_null())
                .order((steps::procedure_id, steps::position, steps::id))
                .select((
                    steps::procedure_id,
                    steps::id,
                    steps::name,
                    steps::position,
                    steps::manual,
                    steps::aasm_state,
                ))
                .load::<Member>(conn)?,
        );
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let steps = members
                .iter()
                .filter(|m| m.0 == Some(row.id))
                .map(
                    |(_, id, name, position, manual, aasm_state)| ProcedureStepRef {
                        id: *id,
                        name: name.clone(),
                        position: *position,
                        manual: *manual,
                        aasm_state: aasm_state.clone(),
                    },
                )
                .collect();
            ProcedureRecord {
                procedure: row.into(),
                steps,
            }
        })
        .collect())
}

pub fn create(
    conn: &mut AnyConnection,
    changes: &ProcedureChanges,
) -> Result<ProcedureRecord, StoreError> {
    transaction::write(conn, |conn| {
        let mut fields = ProcedureFields::default();
        changes.apply(&mut fields);
        check(conn, &fields, None)?;
        let now = time::now();
        let row: Row = diesel::insert_into(procedures::table)
            .values((
                procedures::name.eq(&fields.name),
                procedures::description.eq(&fields.description),
                procedures::aasm_state.eq(&fields.aasm_state),
                procedures::created_at.eq(now),
                procedures::updated_at.eq(now),
            ))
            .returning(procedures::all_columns)
            .get_result(conn)
            .map_err(|e| taken_on_race(e, "name"))?;
        find(conn, row.id)
    })
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    changes: &ProcedureChanges,
) -> Result<ProcedureRecord, StoreError> {
    transaction::write(conn, |conn| {
        let current = find(conn, id)?;
        let mut fields = ProcedureFields::from(&current.procedure);
        changes.apply(&mut fields);
        check(conn, &fields, Some(id))?;
        diesel::update(procedures::table.find(id))
            .set((
                procedures::name.eq(&fields.name),
                procedures::description.eq(&fields.description),
                procedures::aasm_state.eq(&fields.aasm_state),
                procedures::updated_at.eq(time::now()),
            ))
            .execute(conn)
            .map_err(|e| taken_on_race(e, "name"))?;
        find(conn, id)
    })
}

/// DELETE destroys the procedure and its own steps (the foreign key cascades). Copies
/// already added to requests belong to those requests: they are detached first, so that
/// the cascade does not take them too.
pub fn destroy(conn: &mut AnyConnection, id: i64) -> Result<Option<ProcedureRecord>, StoreError> {
    transaction::write(conn, |conn| {
        find(conn, id)?;
        diesel::update(
            steps::table
                .filter(steps::procedure_id.eq(id))
                .filter(steps::request_id.is_not_null()),
        )
        .set(steps::procedure_id.eq(None::<i64>))
        .execute(conn)?;
        diesel::delete(procedures::table.find(id)).execute(conn)?;
        Ok(None)
    })
}

fn check(
    conn: &mut AnyConnection,
    fields: &ProcedureFields,
    id: Option<i64>,
) -> Result<(), StoreError> {
    let mut errors = fields.validate();
    if !errors.has("name") && name_taken!(conn, procedures, fields.name, id) {
        errors.add("name", messages::TAKEN);
    }
    errors.into_result().map_err(StoreError::Invalid)
}

fn single(attribute: &str, message: &str) -> StoreError {
    let mut errors = Errors::new();
    errors.add(attribute, message);
    StoreError::Invalid(errors)
}

/// Copies procedure `id` into request `request_id` as one procedure step (next top-level
/// position, locked) holding copies of the procedure's steps, in one transaction.
pub fn add_to_request(
    conn: &mut AnyConnection,
    id: i64,
    request_id: i64,
) -> Result<AddedProcedure, StoreError> {
    transaction::write(conn, |conn| {
        let procedure = find(conn, id)?.procedure;
        crate::requests::lock(conn, request_id)?;
        let state: Option<String> = requests::table
            .find(request_id)
            .select(requests::aasm_state)
            .first(conn)
            .optional()?;
        let state = state.ok_or_else(|| single("request_id", messages::DOES_NOT_EXIST))?;
        if let Some(errors) = request_not_editable(&state) {
            return Err(StoreError::Invalid(errors));
        }
        let position = step_store::next_in_request(conn, request_id)?;
        let now = time::now();
        let container = StepFields {
            name: Some(procedure.name.clone()),
            description: procedure.description.clone(),
            request_id: Some(request_id),
            procedure_id: Some(id),
            procedure: true,
            ..StepFields::default()
        };
        let parent_id = step_store::insert_locked(conn, &container, position, now)?;
        let mut children = Vec::new();
        let mut copies = Vec::new();
        for (index, original) in step_store::of_procedure(conn, id)?.into_iter().enumerate() {
            // Every attribute of the original, as a child of the new step, locked, with
            // fresh times: the copy has not run.
            let fields = StepFields {
                request_id: Some(request_id),
                procedure_id: None,
                parent_id: Some(parent_id),
                ..original.fields
            };
            let position = index as i64 + 1;
            let copy = step_store::insert_locked(conn, &fields, position, now)?;
            copies.push((original.id, copy));
            children.push(StepRef {
                id: copy,
                name: fields.name,
                position,
            });
        }
        copy_step_links(conn, &copies)?;
        Ok(AddedProcedure {
            step: StepRef {
                id: parent_id,
                name: container.name,
                position,
            },
            procedure: true,
            request_id,
            steps: children,
        })
    })
}

/// The selected servers and property values of the originals go with their copies; read
/// in one query per chunk, written one row at a time (the only insert both backends take).
fn copy_step_links(conn: &mut AnyConnection, copies: &[(i64, i64)]) -> Result<(), StoreError> {
    let copy_of = |original: i64| {
        copies
            .iter()
            .find(|(o, _)| *o == original)
            .map(|(_, copy)| *copy)
    };
    let originals: Vec<i64> = copies.iter().map(|(o, _)| *o).collect();
    for chunk in originals.chunks(IN_CHUNK) {
        let servers: Vec<(i64, i64, String)> = step_servers::table
            .filter(step_servers::step_id.eq_any(chunk))
            .select((
                step_servers::step_id,
                step_servers::server_id,
                step_servers::role,
            ))
            .load(conn)?;
        for (step_id, server_id, role) in servers {
            if let Some(copy) = copy_of(step_id) {
                diesel::insert_into(step_servers::table)
                    .values((
                        step_servers::step_id.eq(copy),
                        step_servers::server_id.eq(server_id),
                        step_servers::role.eq(role),
                    ))
                    .execute(conn)?;
            }
        }
        let values: Vec<(i64, i64, Option<String>)> = step_property_values::table
            .filter(step_property_values::step_id.eq_any(chunk))
            .select((
                step_property_values::step_id,
                step_property_values::property_id,
                step_property_values::value,
            ))
            .load(conn)?;
        for (step_id, property_id, value) in values {
            if let Some(copy) = copy_of(step_id) {
                diesel::insert_into(step_property_values::table)
                    .values((
                        step_property_values::step_id.eq(copy),
                        step_property_values::property_id.eq(property_id),
                        step_property_values::value.eq(value),
                    ))
                    .execute(conn)?;
            }
        }
    }
    Ok(())
}
