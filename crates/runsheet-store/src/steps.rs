//! Steps: queries, the rules that need the database (references, positions, state changes
//! and their effect on the request), and loading what a step shows for a whole list at once.

use crate::error::StoreError;
use crate::schema::{
    app_components, app_environments, apps, categories, components, environments, groups,
    installed_component_servers, installed_components, phases, procedures, properties, requests,
    runtime_phases, scripts, server_levels, servers, step_property_values, step_servers, steps,
    users, work_tasks,
};
use crate::sql::IN_CHUNK;
use crate::{transaction, AnyConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use runsheet_core::errors::messages;
use runsheet_core::request_state::{RequestEvent, RequestState};
use runsheet_core::step::{
    number, AppRef, ComponentRef, EnvironmentRef, InstalledComponentRef, NamedRef, Owner,
    ParentRef, RequestRef, ServerRef, Step, StepChanges, StepFields, StepFilter, StepRecord,
};
use runsheet_core::step_state::{StepEvent, StepState};
use runsheet_core::transition::{Machine, TransitionError};
use runsheet_core::{time, Errors};
use std::collections::HashMap;

type Backend = <AnyConnection as diesel::Connection>::Backend;

#[derive(Queryable)]
struct StepRow {
    id: i64,
    name: Option<String>,
    description: Option<String>,
    aasm_state: String,
    position: i64,
    request_id: Option<i64>,
    procedure_id: Option<i64>,
    parent_id: Option<i64>,
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
    ready_at: Option<NaiveDateTime>,
    work_started_at: Option<NaiveDateTime>,
    work_finished_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl From<StepRow> for Step {
    fn from(r: StepRow) -> Step {
        Step {
            id: r.id,
            aasm_state: r.aasm_state,
            position: r.position,
            fields: StepFields {
                name: r.name,
                description: r.description,
                request_id: r.request_id,
                procedure_id: r.procedure_id,
                parent_id: r.parent_id,
                owner_id: r.owner_id,
                owner_type: r.owner_type,
                manual: r.manual,
                procedure: r.procedure,
                script_id: r.script_id,
                script_type: r.script_type,
                installed_component_id: r.installed_component_id,
                component_id: r.component_id,
                component_version: r.component_version,
                own_version: r.own_version,
                version_tag_id: r.version_tag_id,
                custom_ticket_id: r.custom_ticket_id,
                release_content_item_id: r.release_content_item_id,
                change_request_id: r.change_request_id,
                completion_state: r.completion_state,
                on_plan: r.on_plan,
                package_template_id: r.package_template_id,
                package_template_properties: r.package_template_properties,
                phase_id: r.phase_id,
                runtime_phase_id: r.runtime_phase_id,
                should_execute: r.should_execute,
                execute_anytime: r.execute_anytime,
                start_by: r.start_by,
                complete_by: r.complete_by,
                category_id: r.category_id,
                work_task_id: r.work_task_id,
                location_detail: r.location_detail,
                estimate: r.estimate,
                different_level_from_previous: r.different_level_from_previous,
            },
            ready_at: r.ready_at,
            work_started_at: r.work_started_at,
            work_finished_at: r.work_finished_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

pub fn list(conn: &mut AnyConnection, filter: &StepFilter) -> Result<Vec<StepRecord>, StoreError> {
    let mut q = steps::table.into_boxed::<Backend>();
    macro_rules! any_of {
        ($($field:ident),*) => {$(
            if let Some(v) = &filter.$field {
                q = q.filter(steps::$field.eq_any(v.clone()));
            }
        )*};
    }
    any_of!(
        aasm_state,
        name,
        request_id,
        owner_id,
        installed_component_id,
        component_version,
        version_tag_id,
        custom_ticket_id,
        package_template_id,
        script_id,
        runtime_phase_id,
        phase_id,
        procedure_id,
        parent_id,
        category_id,
        work_task_id
    );
    if let Some(running) = filter.running {
        q = q.filter(steps::aasm_state.eq_any(StepFilter::running_states(running)));
    }
    // Steps of no request last on both backends (NULLs sort differently on each).
    let rows: Vec<StepRow> = q
        .order((
            steps::request_id.is_null(),
            steps::request_id,
            steps::position,
            steps::id,
        ))
        .load(conn)?;
    load_records(conn, rows)
}

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<StepRecord, StoreError> {
    let row = find_row(conn, id)?;
    Ok(load_records(conn, vec![row])?.remove(0))
}

fn find_row(conn: &mut AnyConnection, id: i64) -> Result<StepRow, StoreError> {
    steps::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)
}

pub fn create(conn: &mut AnyConnection, changes: &StepChanges) -> Result<StepRecord, StoreError> {
    transaction::write(conn, |conn| {
        let mut fields = StepFields::default();
        changes.apply(&mut fields);
        lock_requests(conn, [fields.request_id])?;
        let prepared = prepare(conn, None, &fields, changes, StepState::Locked)?;
        let position = match changes.position {
            Some(position) => {
                make_room(conn, Scope::of(&fields), position, 0)?;
                position
            }
            None => next_position(conn, Scope::of(&fields), None)?,
        };
        let now = time::now();
        let stamps = prepared.stamps(Stamps::default(), now);
        let f = &fields;
        let row: StepRow = diesel::insert_into(steps::table)
            .values((
                (
                    steps::name.eq(&f.name),
                    steps::description.eq(&f.description),
                    steps::aasm_state.eq(prepared.state.name()),
                    steps::position.eq(position),
                    steps::request_id.eq(f.request_id),
                    steps::procedure_id.eq(f.procedure_id),
                    steps::parent_id.eq(f.parent_id),
                    steps::owner_id.eq(f.owner_id),
                    steps::owner_type.eq(&f.owner_type),
                    steps::manual.eq(f.manual),
                    steps::procedure.eq(f.procedure),
                    steps::script_id.eq(f.script_id),
                    steps::script_type.eq(&f.script_type),
                    steps::installed_component_id.eq(f.installed_component_id),
                    steps::component_id.eq(f.component_id),
                    steps::component_version.eq(&f.component_version),
                    steps::own_version.eq(f.own_version),
                    steps::version_tag_id.eq(f.version_tag_id),
                    steps::custom_ticket_id.eq(f.custom_ticket_id),
                    steps::release_content_item_id.eq(f.release_content_item_id),
                ),
                (
                    steps::change_request_id.eq(f.change_request_id),
                    steps::completion_state.eq(&f.completion_state),
                    steps::on_plan.eq(f.on_plan),
                    steps::package_template_id.eq(f.package_template_id),
                    steps::package_template_properties.eq(&f.package_template_properties),
                    steps::phase_id.eq(f.phase_id),
                    steps::runtime_phase_id.eq(f.runtime_phase_id),
                    steps::should_execute.eq(f.should_execute),
                    steps::execute_anytime.eq(f.execute_anytime),
                    steps::start_by.eq(f.start_by),
                    steps::complete_by.eq(f.complete_by),
                    steps::category_id.eq(f.category_id),
                    steps::work_task_id.eq(f.work_task_id),
                    steps::location_detail.eq(&f.location_detail),
                    steps::estimate.eq(f.estimate),
                    steps::different_level_from_previous.eq(f.different_level_from_previous),
                    steps::ready_at.eq(stamps.ready_at),
                    steps::work_started_at.eq(stamps.work_started_at),
                    steps::work_finished_at.eq(stamps.work_finished_at),
                    steps::created_at.eq(now),
                    steps::updated_at.eq(now),
                ),
            ))
            .returning(steps::all_columns)
            .get_result(conn)?;
        prepared.write_related(conn, row.id, changes)?;
        find(conn, row.id)
    })
}

pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    changes: &StepChanges,
) -> Result<StepRecord, StoreError> {
    transaction::write(conn, |conn| {
        let current: Step = find_row(conn, id)?.into();
        let mut fields = current.fields.clone();
        changes.apply(&mut fields);
        lock_requests(conn, [current.fields.request_id, fields.request_id])?;
        let prepared = prepare(conn, Some(id), &fields, changes, current.state())?;
        let (old_scope, new_scope) = (Scope::of(&current.fields), Scope::of(&fields));
        // Moved to other siblings: the old ones close up, and it goes last unless placed.
        if new_scope != old_scope {
            close_gap(conn, old_scope, current.position, id)?;
        }
        let position = match changes.position {
            Some(position) if new_scope != old_scope => {
                make_room(conn, new_scope, position, id)?;
                position
            }
            Some(position) => {
                move_within(conn, new_scope, id, current.position, position)?;
                position
            }
            None if new_scope != old_scope => next_position(conn, new_scope, Some(id))?,
            None => current.position,
        };
        let now = time::now();
        let stamps = prepared.stamps(
            Stamps {
                ready_at: current.ready_at,
                work_started_at: current.work_started_at,
                work_finished_at: current.work_finished_at,
            },
            now,
        );
        let f = &fields;
        diesel::update(steps::table.find(id))
            .set((
                (
                    steps::name.eq(&f.name),
                    steps::description.eq(&f.description),
                    steps::aasm_state.eq(prepared.state.name()),
                    steps::position.eq(position),
                    steps::request_id.eq(f.request_id),
                    steps::procedure_id.eq(f.procedure_id),
                    steps::parent_id.eq(f.parent_id),
                    steps::owner_id.eq(f.owner_id),
                    steps::owner_type.eq(&f.owner_type),
                    steps::manual.eq(f.manual),
                    steps::procedure.eq(f.procedure),
                    steps::script_id.eq(f.script_id),
                    steps::script_type.eq(&f.script_type),
                    steps::installed_component_id.eq(f.installed_component_id),
                    steps::component_id.eq(f.component_id),
                    steps::component_version.eq(&f.component_version),
                    steps::own_version.eq(f.own_version),
                    steps::version_tag_id.eq(f.version_tag_id),
                    steps::custom_ticket_id.eq(f.custom_ticket_id),
                    steps::release_content_item_id.eq(f.release_content_item_id),
                ),
                (
                    steps::change_request_id.eq(f.change_request_id),
                    steps::completion_state.eq(&f.completion_state),
                    steps::on_plan.eq(f.on_plan),
                    steps::package_template_id.eq(f.package_template_id),
                    steps::package_template_properties.eq(&f.package_template_properties),
                    steps::phase_id.eq(f.phase_id),
                    steps::runtime_phase_id.eq(f.runtime_phase_id),
                    steps::should_execute.eq(f.should_execute),
                    steps::execute_anytime.eq(f.execute_anytime),
                    steps::start_by.eq(f.start_by),
                    steps::complete_by.eq(f.complete_by),
                    steps::category_id.eq(f.category_id),
                    steps::work_task_id.eq(f.work_task_id),
                    steps::location_detail.eq(&f.location_detail),
                    steps::estimate.eq(f.estimate),
                    steps::different_level_from_previous.eq(f.different_level_from_previous),
                    steps::ready_at.eq(stamps.ready_at),
                    steps::work_started_at.eq(stamps.work_started_at),
                    steps::work_finished_at.eq(stamps.work_finished_at),
                    steps::updated_at.eq(now),
                ),
            ))
            .execute(conn)?;
        prepared.write_related(conn, id, changes)?;
        find(conn, id)
    })
}

/// DELETE removes the step (its children, servers and property values go with it by the
/// foreign keys) and moves its later siblings up one.
pub fn destroy(conn: &mut AnyConnection, id: i64) -> Result<Option<StepRecord>, StoreError> {
    transaction::write(conn, |conn| {
        let step: Step = find_row(conn, id)?.into();
        lock_requests(conn, [step.fields.request_id])?;
        diesel::delete(steps::table.find(id)).execute(conn)?;
        close_gap(conn, Scope::of(&step.fields), step.position, id)?;
        Ok(None)
    })
}

/// Renumbering siblings reads then writes positions: the requests involved are locked first
/// (in id order, so that two writers never wait on each other crosswise).
fn lock_requests<const N: usize>(
    conn: &mut AnyConnection,
    ids: [Option<i64>; N],
) -> Result<(), StoreError> {
    let mut ids: Vec<i64> = ids.into_iter().flatten().collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        crate::requests::lock(conn, id)?;
    }
    Ok(())
}

/// The siblings a step is numbered among.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Parent(i64),
    Request(i64),
    Procedure(i64),
    Nowhere,
}

impl Scope {
    fn of(f: &StepFields) -> Scope {
        match (f.parent_id, f.request_id, f.procedure_id) {
            (Some(parent), _, _) => Scope::Parent(parent),
            (None, Some(request), _) => Scope::Request(request),
            (None, None, Some(procedure)) => Scope::Procedure(procedure),
            _ => Scope::Nowhere,
        }
    }

    fn siblings(self) -> steps::BoxedQuery<'static, Backend> {
        let q = steps::table.into_boxed::<Backend>();
        match self {
            Scope::Parent(parent) => q.filter(steps::parent_id.eq(parent)),
            Scope::Request(request) => q
                .filter(steps::request_id.eq(request))
                .filter(steps::parent_id.is_null()),
            Scope::Procedure(procedure) => q
                .filter(steps::procedure_id.eq(procedure))
                .filter(steps::request_id.is_null())
                .filter(steps::parent_id.is_null()),
            Scope::Nowhere => q.filter(steps::id.eq(0)),
        }
    }
}

fn next_position(
    conn: &mut AnyConnection,
    scope: Scope,
    except: Option<i64>,
) -> Result<i64, StoreError> {
    let last: Option<i64> = scope
        .siblings()
        .filter(steps::id.ne(except.unwrap_or(0)))
        .select(steps::position)
        .order(steps::position.desc())
        .first(conn)
        .optional()?;
    Ok(last.unwrap_or(0).saturating_add(1))
}

/// The siblings after `position` move up one.
fn close_gap(
    conn: &mut AnyConnection,
    scope: Scope,
    position: i64,
    except: i64,
) -> Result<(), StoreError> {
    shift(
        conn,
        scope,
        except,
        position.saturating_add(1),
        i64::MAX,
        -1,
    )
}

/// A step placed at `position` among new siblings: those from there on move down one.
fn make_room(
    conn: &mut AnyConnection,
    scope: Scope,
    position: i64,
    except: i64,
) -> Result<(), StoreError> {
    shift(conn, scope, except, position, i64::MAX, 1)
}

/// A step moved from `from` to `to` among the same siblings: those in between make way.
fn move_within(
    conn: &mut AnyConnection,
    scope: Scope,
    id: i64,
    from: i64,
    to: i64,
) -> Result<(), StoreError> {
    match to.cmp(&from) {
        std::cmp::Ordering::Less => shift(conn, scope, id, to, from.saturating_sub(1), 1),
        std::cmp::Ordering::Greater => shift(conn, scope, id, from.saturating_add(1), to, -1),
        std::cmp::Ordering::Equal => Ok(()),
    }
}

/// Adds `delta` to the position of the siblings (but `except`) whose position is in
/// `low..=high`.
fn shift(
    conn: &mut AnyConnection,
    scope: Scope,
    except: i64,
    low: i64,
    high: i64,
    delta: i64,
) -> Result<(), StoreError> {
    let moving: Vec<i64> = scope
        .siblings()
        .filter(steps::position.ge(low))
        .filter(steps::position.le(high))
        .filter(steps::id.ne(except))
        .select(steps::id)
        .load(conn)?;
    for chunk in moving.chunks(IN_CHUNK) {
        diesel::update(steps::table.filter(steps::id.eq_any(chunk)))
            .set(steps::position.eq(steps::position + delta))
            .execute(conn)?;
    }
    Ok(())
}

/// The times the state change sets.
#[derive(Debug, Default, Clone, Copy)]
struct Stamps {
    ready_at: Option<NaiveDateTime>,
    work_started_at: Option<NaiveDateTime>,
    work_finished_at: Option<NaiveDateTime>,
}

/// A write that passed every check: the state it leads to and what else it changes.
struct Prepared {
    state: StepState,
    event: Option<StepEvent>,
    /// The request's new state, when the event moves it.
    request_state: Option<(i64, RequestState)>,
    property_ids: Vec<(i64, Option<String>)>,
}

impl Prepared {
    fn stamps(&self, mut s: Stamps, now: NaiveDateTime) -> Stamps {
        match self.event {
            Some(StepEvent::Start) => s.work_started_at = Some(now),
            Some(StepEvent::Done) => s.work_finished_at = Some(now),
            Some(StepEvent::ReadyForWork) => s.ready_at = Some(now),
            _ => {}
        }
        s
    }

    /// Servers, property values and the request's state, in the write's transaction.
    fn write_related(
        &self,
        conn: &mut AnyConnection,
        step_id: i64,
        changes: &StepChanges,
    ) -> Result<(), StoreError> {
        if let Some(ids) = &changes.target_server_ids {
            set_servers(conn, step_id, "target", ids)?;
        }
        if let Some(ids) = &changes.alternate_server_ids {
            set_servers(conn, step_id, "alternate", ids)?;
        }
        for (property_id, value) in &self.property_ids {
            diesel::delete(
                step_property_values::table
                    .filter(step_property_values::step_id.eq(step_id))
                    .filter(step_property_values::property_id.eq(property_id)),
            )
            .execute(conn)?;
            diesel::insert_into(step_property_values::table)
                .values((
                    step_property_values::step_id.eq(step_id),
                    step_property_values::property_id.eq(property_id),
                    step_property_values::value.eq(value),
                ))
                .execute(conn)?;
        }
        if let Some((request_id, state)) = self.request_state {
            // Only the state: the rest of a request is the requests resource's.
            diesel::update(requests::table.find(request_id))
                .set((
                    requests::aasm_state.eq(state.name()),
                    requests::updated_at.eq(time::now()),
                ))
                .execute(conn)?;
        }
        Ok(())
    }
}

/// A server chosen in one role leaves the other.
fn set_servers(
    conn: &mut AnyConnection,
    step_id: i64,
    role: &str,
    ids: &[i64],
) -> Result<(), StoreError> {
    diesel::delete(
        step_servers::table
            .filter(step_servers::step_id.eq(step_id))
            .filter(
                step_servers::role
                    .eq(role)
                    .or(step_servers::server_id.eq_any(ids)),
            ),
    )
    .execute(conn)?;
    for server_id in ids {
        diesel::insert_into(step_servers::table)
            .values((
                step_servers::step_id.eq(step_id),
                step_servers::server_id.eq(server_id),
                step_servers::role.eq(role),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Validation, references, property names and the state change, all reported together.
fn prepare(
    conn: &mut AnyConnection,
    id: Option<i64>,
    fields: &StepFields,
    changes: &StepChanges,
    state: StepState,
) -> Result<Prepared, StoreError> {
    let mut errors = fields.validate();
    check_references(conn, id, fields, &mut errors)?;
    check_servers(conn, changes, &mut errors)?;
    let property_ids = match &changes.property_values {
        Some(values) => resolve_properties(conn, values, &mut errors)?,
        None => Vec::new(),
    };
    let (event, request_state) = match transition(conn, id, fields.request_id, state, changes)? {
        Ok(found) => found,
        Err(e) => {
            errors.extend(e.into_errors());
            (None, None)
        }
    };
    errors.into_result()?;
    Ok(Prepared {
        state: event.and_then(|e| state.next(e)).unwrap_or(state),
        event,
        request_state,
        property_ids,
    })
}

type Transition = (Option<StepEvent>, Option<(i64, RequestState)>);

/// The event a PUT asks for (`aasm_event`, or the one event reaching `aasm_state`), its
/// guards, and the request's state it leads to.
fn transition(
    conn: &mut AnyConnection,
    id: Option<i64>,
    request_id: Option<i64>,
    state: StepState,
    changes: &StepChanges,
) -> Result<Result<Transition, TransitionError>, StoreError> {
    let event = match (&changes.aasm_event, &changes.aasm_state) {
        (Some(name), _) => match StepState::parse_event(name.trim()) {
            Ok(event) => event,
            Err(e) => return Ok(Err(e)),
        },
        // The state it already has: a record sent back as it was read.
        (None, Some(target)) if target.trim() == state.name() => return Ok(Ok((None, None))),
        (None, Some(target)) => match state.event_to(target.trim()) {
            Ok(event) => event,
            Err(e) => return Ok(Err(e)),
        },
        (None, None) => return Ok(Ok((None, None))),
    };
    if let Err(e) = state.fire(event) {
        return Ok(Err(e));
    }
    let request = match request_id {
        Some(rid) => requests::table
            .find(rid)
            .select(requests::aasm_state)
            .first::<String>(conn)
            .optional()?
            .and_then(|s| RequestState::parse(&s))
            .map(|s| (rid, s)),
        None => None,
    };
    let refused = Err(TransitionError::NotAllowed {
        state: state.name(),
    });
    let request_state = match event {
        StepEvent::Start | StepEvent::Done
            if !matches!(request, Some((_, RequestState::Started))) =>
        {
            return Ok(refused)
        }
        StepEvent::Reset if !matches!(request, Some((_, RequestState::Planned))) => {
            return Ok(refused)
        }
        StepEvent::Problem => request.and_then(|(rid, s)| {
            s.fire(RequestEvent::ProblemEncountered)
                .ok()
                .map(|to| (rid, to))
        }),
        StepEvent::Resolve => match request {
            Some((rid, s)) => {
                let others_in_problem: i64 = steps::table
                    .filter(steps::request_id.eq(rid))
                    .filter(steps::aasm_state.eq(StepState::Problem.name()))
                    .filter(steps::id.ne(id.unwrap_or(0)))
                    .count()
                    .get_result(conn)?;
                (others_in_problem == 0)
                    .then(|| s.fire(RequestEvent::Resolve).ok())
                    .flatten()
                    .map(|to| (rid, to))
            }
            None => None,
        },
        _ => None,
    };
    Ok(Ok((Some(event), request_state)))
}

/// Whether a row with this id exists in `table`.
macro_rules! exists {
    ($conn:expr, $table:ident, $id:expr) => {
        $table::table
            .filter($table::id.eq($id))
            .count()
            .get_result::<i64>($conn)?
            > 0
    };
}

fn check_references(
    conn: &mut AnyConnection,
    id: Option<i64>,
    f: &StepFields,
    errors: &mut Errors,
) -> Result<(), StoreError> {
    macro_rules! must_exist {
        ($($field:ident => $table:ident),*) => {$(
            if let Some(ref_id) = f.$field {
                if !exists!(conn, $table, ref_id) {
                    errors.add(stringify!($field), messages::DOES_NOT_EXIST);
                }
            }
        )*};
    }
    must_exist!(
        request_id => requests,
        procedure_id => procedures,
        script_id => scripts,
        phase_id => phases,
        runtime_phase_id => runtime_phases,
        category_id => categories,
        work_task_id => work_tasks
    );
    if let Some(owner_id) = f.owner_id {
        let found = match f.owner_type.as_deref() {
            Some("User") => Some(exists!(conn, users, owner_id)),
            Some("Group") => Some(exists!(conn, groups, owner_id)),
            _ => None, // owner_type is already refused
        };
        if found == Some(false) {
            errors.add("owner_id", messages::DOES_NOT_EXIST);
        }
    }
    if let Some(ic) = f.installed_component_id {
        let component: Option<i64> = installed_components::table
            .find(ic)
            .select(installed_components::component_id)
            .first(conn)
            .optional()?;
        match (component, f.component_id) {
            (None, _) => errors.add("installed_component_id", messages::DOES_NOT_EXIST),
            // The component must be the installed component's.
            (Some(expected), Some(given)) if expected != given => {
                errors.add("component_id", messages::INVALID)
            }
            _ => {}
        }
    } else if let Some(component) = f.component_id {
        if !exists!(conn, components, component) {
            errors.add("component_id", messages::DOES_NOT_EXIST);
        }
    }
    if let Some(parent) = f.parent_id {
        // A procedure step of the same request (or procedure), and not the step itself.
        let found: Option<(Option<i64>, Option<i64>, bool)> = steps::table
            .find(parent)
            .select((steps::request_id, steps::procedure_id, steps::procedure))
            .first(conn)
            .optional()?;
        match found {
            None => errors.add("parent_id", messages::DOES_NOT_EXIST),
            Some((request, procedure, is_procedure)) => {
                let same_home = match f.request_id {
                    Some(_) => request == f.request_id,
                    None => request.is_none() && procedure == f.procedure_id,
                };
                if !is_procedure || !same_home || Some(parent) == id {
                    errors.add("parent_id", messages::INVALID);
                }
            }
        }
    }
    Ok(())
}

fn check_servers(
    conn: &mut AnyConnection,
    changes: &StepChanges,
    errors: &mut Errors,
) -> Result<(), StoreError> {
    for (name, ids) in [
        ("target_server_ids", &changes.target_server_ids),
        ("alternate_server_ids", &changes.alternate_server_ids),
    ] {
        if let Some(ids) = ids {
            let found: i64 = servers::table
                .filter(servers::id.eq_any(ids))
                .count()
                .get_result(conn)?;
            if found != ids.len() as i64 {
                errors.add(name, messages::DOES_NOT_EXIST);
            }
        }
    }
    if let (Some(target), Some(alternate)) =
        (&changes.target_server_ids, &changes.alternate_server_ids)
    {
        if alternate.iter().any(|id| target.contains(id)) {
            errors.add("alternate_server_ids", messages::INVALID);
        }
    }
    Ok(())
}

/// Property names, in any case, to ids; an unknown name is named in the error. A name
/// that matches no property exactly may match one as XML spells it back: "prop 2" is
/// rendered `<prop-2>`, which an XML body reads as "prop_2".
fn resolve_properties(
    conn: &mut AnyConnection,
    values: &[(String, Option<String>)],
    errors: &mut Errors,
) -> Result<Vec<(i64, Option<String>)>, StoreError> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let all: Vec<(i64, String)> = properties::table
        .select((properties::id, properties::name))
        .load(conn)?;
    let xml_spelling = |name: &str| -> String {
        name.to_lowercase()
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '_' })
            .collect()
    };
    let mut resolved = Vec::new();
    for (name, value) in values {
        let exact = all
            .iter()
            .find(|(_, n)| n.to_lowercase() == name.to_lowercase());
        let spelled: Vec<&(i64, String)> = all
            .iter()
            .filter(|(_, n)| xml_spelling(n) == xml_spelling(name))
            .collect();
        let found = exact.or(match spelled.as_slice() {
            [one] => Some(*one),
            _ => None,
        });
        match found {
            Some((id, _)) => resolved.push((*id, value.clone())),
            None => errors.add(
                "property_values",
                format!("names an unknown property: {name}"),
            ),
        }
    }
    Ok(resolved)
}

/// Runs one query per chunk of `ids` and gathers the rows.
fn chunked<T>(
    ids: &[i64],
    mut query: impl FnMut(&[i64]) -> QueryResult<Vec<T>>,
) -> Result<Vec<T>, StoreError> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut out = Vec::new();
    for chunk in ids.chunks(IN_CHUNK) {
        out.extend(query(chunk)?);
    }
    Ok(out)
}

fn ids_of(rows: &[StepRow], pick: impl Fn(&StepRow) -> Option<i64>) -> Vec<i64> {
    rows.iter().filter_map(pick).collect()
}

/// `{id, name}` records of one table for the ids the steps name.
macro_rules! named {
    ($conn:expr, $rows:expr, $field:ident, $table:ident) => {{
        let ids = ids_of($rows, |r| r.$field);
        chunked(&ids, |chunk| {
            $table::table
                .filter($table::id.eq_any(chunk))
                .select(($table::id, $table::name))
                .load::<(i64, String)>($conn)
        })?
        .into_iter()
        .map(|(id, name)| (id, NamedRef { id, name }))
        .collect::<HashMap<i64, NamedRef>>()
    }};
}

type ServerCols = (
    i64,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
    NaiveDateTime,
    NaiveDateTime,
    Option<String>,
);

fn server_ref(c: ServerCols) -> ServerRef {
    ServerRef {
        id: c.0,
        name: c.1,
        description: c.2,
        parent_id: c.3,
        server_level_id: c.4,
        created_at: c.5,
        updated_at: c.6,
        server_level_name: c.7,
    }
}

/// Everything the steps show, for all of them at once: one query per kind of record
/// (per chunk of ids), never one per step.
fn load_records(
    conn: &mut AnyConnection,
    rows: Vec<StepRow>,
) -> Result<Vec<StepRecord>, StoreError> {
    let scripts = named!(conn, &rows, script_id, scripts);
    let work_tasks = named!(conn, &rows, work_task_id, work_tasks);
    let phases = named!(conn, &rows, phase_id, phases);
    let runtime_phases = named!(conn, &rows, runtime_phase_id, runtime_phases);
    let categories = named!(conn, &rows, category_id, categories);
    let components = named!(conn, &rows, component_id, components);

    let owner_of = |kind: &str| {
        ids_of(&rows, |r| {
            r.owner_id.filter(|_| r.owner_type.as_deref() == Some(kind))
        })
    };
    let (user_ids, group_ids) = (owner_of("User"), owner_of("Group"));
    let users: HashMap<i64, Owner> = chunked(&user_ids, |chunk| {
        users::table
            .filter(users::id.eq_any(chunk))
            .select((users::id, users::login, users::email))
            .load::<(i64, String, String)>(conn)
    })?
    .into_iter()
    .map(|(id, login, email)| (id, Owner::User { id, login, email }))
    .collect();
    let groups: HashMap<i64, Owner> = chunked(&group_ids, |chunk| {
        groups::table
            .filter(groups::id.eq_any(chunk))
            .select((groups::id, groups::name, groups::email))
            .load::<(i64, String, Option<String>)>(conn)
    })?
    .into_iter()
    .map(|(id, name, email)| (id, Owner::Group { id, name, email }))
    .collect();

    let requests: HashMap<i64, RequestRef> = chunked(&ids_of(&rows, |r| r.request_id), |chunk| {
        requests::table
            .filter(requests::id.eq_any(chunk))
            .select((requests::id, requests::name, requests::aasm_state))
            .load::<(i64, Option<String>, String)>(conn)
    })?
    .into_iter()
    .map(|(id, name, aasm_state)| {
        (
            id,
            RequestRef {
                id,
                name,
                aasm_state,
            },
        )
    })
    .collect();

    let parents: HashMap<i64, ParentRef> = chunked(&ids_of(&rows, |r| r.parent_id), |chunk| {
        steps::table
            .filter(steps::id.eq_any(chunk))
            .select((steps::id, steps::name, steps::position))
            .load::<(i64, Option<String>, i64)>(conn)
    })?
    .into_iter()
    .map(|(id, name, position)| (id, ParentRef { id, name, position }))
    .collect();

    let installed = load_installed_components(conn, &ids_of(&rows, |r| r.installed_component_id))?;

    let step_ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let property_values: Vec<(i64, String, Option<String>)> = chunked(&step_ids, |chunk| {
        step_property_values::table
            .inner_join(properties::table)
            .filter(step_property_values::step_id.eq_any(chunk))
            .order((step_property_values::step_id, properties::id))
            .select((
                step_property_values::step_id,
                properties::name,
                step_property_values::value,
            ))
            .load(conn)
    })?;

    let selected: Vec<(i64, String, ServerCols)> = chunked(&step_ids, |chunk| {
        step_servers::table
            .inner_join(servers::table.left_join(server_levels::table))
            .filter(step_servers::step_id.eq_any(chunk))
            .order((step_servers::step_id, servers::name))
            .select((
                step_servers::step_id,
                step_servers::role,
                (
                    servers::id,
                    servers::name,
                    servers::description,
                    servers::parent_id,
                    servers::server_level_id,
                    servers::created_at,
                    servers::updated_at,
                    server_levels::name.nullable(),
                ),
            ))
            .load(conn)
    })?;

    let available: Vec<(i64, ServerCols)> =
        chunked(&ids_of(&rows, |r| r.installed_component_id), |chunk| {
            installed_component_servers::table
                .inner_join(servers::table.left_join(server_levels::table))
                .filter(installed_component_servers::installed_component_id.eq_any(chunk))
                .order((
                    installed_component_servers::installed_component_id,
                    servers::name,
                ))
                .select((
                    installed_component_servers::installed_component_id,
                    (
                        servers::id,
                        servers::name,
                        servers::description,
                        servers::parent_id,
                        servers::server_level_id,
                        servers::created_at,
                        servers::updated_at,
                        server_levels::name.nullable(),
                    ),
                ))
                .load(conn)
        })?;

    // Grouped by step (and installed component) once, so that dressing each step is a lookup.
    let mut values_of: HashMap<i64, Vec<(String, Option<String>)>> = HashMap::new();
    for (step, name, value) in property_values {
        values_of.entry(step).or_default().push((name, value));
    }
    let mut selected_of: HashMap<(i64, String), Vec<ServerRef>> = HashMap::new();
    for (step, role, cols) in selected {
        selected_of
            .entry((step, role))
            .or_default()
            .push(server_ref(cols));
    }
    let mut available_of: HashMap<i64, Vec<ServerRef>> = HashMap::new();
    for (ic, cols) in available {
        available_of.entry(ic).or_default().push(server_ref(cols));
    }
    let pick =
        |map: &HashMap<i64, NamedRef>, id: Option<i64>| id.and_then(|i| map.get(&i).cloned());
    Ok(rows
        .into_iter()
        .map(|r| {
            let parent = r.parent_id.and_then(|p| parents.get(&p).cloned());
            let owner = match r.owner_type.as_deref() {
                Some("User") => r.owner_id.and_then(|i| users.get(&i).cloned()),
                Some("Group") => r.owner_id.and_then(|i| groups.get(&i).cloned()),
                _ => None,
            };
            let mut servers_in = |role: &str| {
                selected_of
                    .remove(&(r.id, role.to_string()))
                    .unwrap_or_default()
            };
            StepRecord {
                number: number(r.position, parent.as_ref().map(|p| p.position)),
                property_values: values_of.remove(&r.id).unwrap_or_default(),
                target_servers: servers_in("target"),
                alternate_servers: servers_in("alternate"),
                available_servers: r
                    .installed_component_id
                    .and_then(|ic| available_of.get(&ic).cloned())
                    .unwrap_or_default(),
                owner,
                script: pick(&scripts, r.script_id),
                work_task: pick(&work_tasks, r.work_task_id),
                phase: pick(&phases, r.phase_id),
                runtime_phase: pick(&runtime_phases, r.runtime_phase_id),
                installed_component: r
                    .installed_component_id
                    .and_then(|i| installed.get(&i).cloned()),
                component: pick(&components, r.component_id),
                request: r.request_id.and_then(|i| requests.get(&i).cloned()),
                category: pick(&categories, r.category_id),
                parent,
                step: r.into(),
            }
        })
        .collect())
}

type AppCols = (
    i64,
    String,
    Option<String>,
    bool,
    NaiveDateTime,
    NaiveDateTime,
);
type ComponentCols = (i64, String, bool, NaiveDateTime, NaiveDateTime);
type EnvironmentCols = (i64, String, String, bool, NaiveDateTime, NaiveDateTime);

/// Installed components with their app, component and environment (one query), and the
/// ids of the app's component and environment links (one query each).
fn load_installed_components(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<HashMap<i64, InstalledComponentRef>, StoreError> {
    let rows: Vec<(i64, AppCols, ComponentCols, EnvironmentCols)> = chunked(ids, |chunk| {
        installed_components::table
            .inner_join(apps::table)
            .inner_join(components::table)
            .inner_join(environments::table)
            .filter(installed_components::id.eq_any(chunk))
            .select((
                installed_components::id,
                (
                    apps::id,
                    apps::name,
                    apps::app_version,
                    apps::active,
                    apps::created_at,
                    apps::updated_at,
                ),
                (
                    components::id,
                    components::name,
                    components::active,
                    components::created_at,
                    components::updated_at,
                ),
                (
                    environments::id,
                    environments::name,
                    environments::deployment_policy,
                    environments::active,
                    environments::created_at,
                    environments::updated_at,
                ),
            ))
            .load(conn)
    })?;
    let app_ids: Vec<i64> = rows.iter().map(|(_, a, _, _)| a.0).collect();
    let app_components: Vec<(i64, i64, i64)> = chunked(&app_ids, |chunk| {
        app_components::table
            .filter(app_components::app_id.eq_any(chunk))
            .select((
                app_components::id,
                app_components::app_id,
                app_components::component_id,
            ))
            .load(conn)
    })?;
    let app_environments: Vec<(i64, i64, i64)> = chunked(&app_ids, |chunk| {
        app_environments::table
            .filter(app_environments::app_id.eq_any(chunk))
            .select((
                app_environments::id,
                app_environments::app_id,
                app_environments::environment_id,
            ))
            .load(conn)
    })?;
    let link = |links: &[(i64, i64, i64)], app: i64, other: i64| {
        links
            .iter()
            .find(|(_, a, o)| *a == app && *o == other)
            .map(|(id, _, _)| *id)
    };
    Ok(rows
        .into_iter()
        .map(|(id, a, c, e)| {
            let r = InstalledComponentRef {
                id,
                application_component_id: link(&app_components, a.0, c.0),
                application_environment_id: link(&app_environments, a.0, e.0),
                app: AppRef {
                    id: a.0,
                    name: a.1,
                    app_version: a.2,
                    active: a.3,
                    created_at: a.4,
                    updated_at: a.5,
                },
                component: ComponentRef {
                    id: c.0,
                    name: c.1,
                    active: c.2,
                    created_at: c.3,
                    updated_at: c.4,
                },
                environment: EnvironmentRef {
                    id: e.0,
                    name: e.1,
                    deployment_policy: e.2,
                    active: e.3,
                    created_at: e.4,
                    updated_at: e.5,
                },
            };
            (id, r)
        })
        .collect())
}
