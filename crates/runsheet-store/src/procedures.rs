//! Free-floating procedures: queries, uniqueness, and copying one into a request.
//!
//! A procedure's own steps are those with its `procedure_id`, no parent and no request: the
//! procedure step `add_to_request` leaves in a request also names the procedure it came
//! from, but belongs to the request.

use crate::error::StoreError;
use crate::schema::{procedures, requests, step_property_values, step_servers, steps};
use crate::sql::name_taken;
use crate::sql::IN_CHUNK;
use crate::users::taken_on_race;
use crate::{transaction, AnyConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use runsheet_core::errors::messages;
use runsheet_core::procedure::{
    request_not_editable, AddedProcedure, Procedure, ProcedureChanges, ProcedureFields,
    ProcedureFilter, ProcedureRecord, ProcedureStepRef, StepRef,
};
use runsheet_core::{time, Errors};

/// The state every copied step starts in.
const LOCKED: &str = "locked";

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
    let mut query = procedures::table.into_boxed();
    if let Some(v) = &filter.name {
        query = query.filter(procedures::name.eq_any(v.clone()));
    }
    if let Some(v) = &filter.aasm_state {
        query = query.filter(procedures::aasm_state.eq_any(v.clone()));
    }
    let rows: Vec<Row> = query.order(procedures::id).load(conn)?;
    with_steps(conn, rows)
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

/// Every column of a step, in the order of schema.rs.
#[derive(Queryable)]
struct StepRow {
    id: i64,
    name: Option<String>,
    description: Option<String>,
    _aasm_state: String,
    _position: i64,
    _request_id: Option<i64>,
    _procedure_id: Option<i64>,
    _parent_id: Option<i64>,
    owner_id: Option<i64>,
    owner_type: Option<String>,
    manual: bool,
    procedure: bool,
    script_id: Option<i64>,
    script_type: Option<String>,
    installed_component_id: Option<i64>,
    component_id: Option<i64>,
    component_version: Option<String>,
    own_version: bool,
    version_tag_id: Option<i64>,
    custom_ticket_id: Option<i64>,
    release_content_item_id: Option<i64>,
    change_request_id: Option<i64>,
    completion_state: Option<String>,
    on_plan: bool,
    package_template_id: Option<i64>,
    package_template_properties: Option<String>,
    phase_id: Option<i64>,
    runtime_phase_id: Option<i64>,
    should_execute: bool,
    execute_anytime: bool,
    start_by: Option<NaiveDateTime>,
    complete_by: Option<NaiveDateTime>,
    category_id: Option<i64>,
    work_task_id: Option<i64>,
    location_detail: Option<String>,
    estimate: Option<i64>,
    different_level_from_previous: bool,
    _ready_at: Option<NaiveDateTime>,
    _work_started_at: Option<NaiveDateTime>,
    _work_finished_at: Option<NaiveDateTime>,
    _created_at: NaiveDateTime,
    _updated_at: NaiveDateTime,
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
        let last: Option<i64> = steps::table
            .filter(steps::request_id.eq(request_id))
            .filter(steps::parent_id.is_null())
            .select(diesel::dsl::max(steps::position))
            .first(conn)?;
        let position = last.unwrap_or(0) + 1;
        let now = time::now();
        let parent: (i64, Option<String>, i64) = diesel::insert_into(steps::table)
            .values((
                steps::name.eq(Some(&procedure.name)),
                steps::description.eq(&procedure.description),
                steps::aasm_state.eq(LOCKED),
                steps::position.eq(position),
                steps::request_id.eq(Some(request_id)),
                steps::procedure_id.eq(Some(id)),
                steps::owner_id.eq(None::<i64>),
                steps::owner_type.eq(None::<String>),
                steps::manual.eq(true),
                steps::procedure.eq(true),
                steps::created_at.eq(now),
                steps::updated_at.eq(now),
            ))
            .returning((steps::id, steps::name, steps::position))
            .get_result(conn)?;
        let originals: Vec<StepRow> = steps::table
            .filter(steps::procedure_id.eq(id))
            .filter(steps::parent_id.is_null())
            .filter(steps::request_id.is_null())
            .order((steps::position, steps::id))
            .load(conn)?;
        let mut children = Vec::with_capacity(originals.len());
        let mut copies = Vec::with_capacity(originals.len());
        for (index, original) in originals.iter().enumerate() {
            let position = index as i64 + 1;
            let copy = copy_step(conn, original, position, parent.0, request_id, now)?;
            copies.push((original.id, copy.id));
            children.push(copy);
        }
        copy_step_links(conn, &copies)?;
        Ok(AddedProcedure {
            step: StepRef {
                id: parent.0,
                name: parent.1,
                position: parent.2,
            },
            procedure: true,
            request_id,
            steps: children,
        })
    })
}

/// One child of the new procedure step, at `position` (1..n in the procedure's order):
/// every attribute of the original `s`, locked, with fresh times (the run times of the
/// original are not carried over: the copy has not run).
fn copy_step(
    conn: &mut AnyConnection,
    s: &StepRow,
    position: i64,
    parent_id: i64,
    request_id: i64,
    now: NaiveDateTime,
) -> Result<StepRef, StoreError> {
    let (id, name, position): (i64, Option<String>, i64) = diesel::insert_into(steps::table)
        .values((
            (
                steps::name.eq(&s.name),
                steps::description.eq(&s.description),
                steps::aasm_state.eq(LOCKED),
                steps::position.eq(position),
                steps::request_id.eq(Some(request_id)),
                steps::procedure_id.eq(None::<i64>),
                steps::parent_id.eq(Some(parent_id)),
                steps::owner_id.eq(s.owner_id),
                steps::owner_type.eq(&s.owner_type),
                steps::manual.eq(s.manual),
                steps::procedure.eq(s.procedure),
                steps::script_id.eq(s.script_id),
                steps::script_type.eq(&s.script_type),
                steps::installed_component_id.eq(s.installed_component_id),
                steps::component_id.eq(s.component_id),
                steps::component_version.eq(&s.component_version),
                steps::own_version.eq(s.own_version),
                steps::version_tag_id.eq(s.version_tag_id),
                steps::custom_ticket_id.eq(s.custom_ticket_id),
                steps::release_content_item_id.eq(s.release_content_item_id),
            ),
            (
                steps::change_request_id.eq(s.change_request_id),
                steps::completion_state.eq(&s.completion_state),
                steps::on_plan.eq(s.on_plan),
                steps::package_template_id.eq(s.package_template_id),
                steps::package_template_properties.eq(&s.package_template_properties),
                steps::phase_id.eq(s.phase_id),
                steps::runtime_phase_id.eq(s.runtime_phase_id),
                steps::should_execute.eq(s.should_execute),
                steps::execute_anytime.eq(s.execute_anytime),
                steps::start_by.eq(s.start_by),
                steps::complete_by.eq(s.complete_by),
                steps::category_id.eq(s.category_id),
                steps::work_task_id.eq(s.work_task_id),
                steps::location_detail.eq(&s.location_detail),
                steps::estimate.eq(s.estimate),
                steps::different_level_from_previous.eq(s.different_level_from_previous),
                steps::created_at.eq(now),
                steps::updated_at.eq(now),
            ),
        ))
        .returning((steps::id, steps::name, steps::position))
        .get_result(conn)?;
    Ok(StepRef { id, name, position })
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
