//! Steps: queries, the rules that need the database (references, positions, state changes
//! and their effect on the request), and loading what a step shows for a whole list at once.

use crate::error::StoreError;
use crate::schema::{
    apps, categories, components, environments, groups, installed_component_servers,
    installed_components, phases, procedures, properties, requests, runtime_phases, scripts,
    server_levels, servers, step_property_values, step_servers, steps, users, work_tasks,
};
use crate::sql::{any_of, direct, for_ids, in_range, kept_update, load_window, one_of, IN_CHUNK};
use crate::stamp::{OptStamp, Stamp};
use crate::{execution, transaction, AnyConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use runsheet_core::errors::messages;
use runsheet_core::paging::Window;
use runsheet_core::request_state::{RequestEvent, RequestState};
use runsheet_core::step::{
    number, AppRef, ComponentRef, EnvironmentRef, InstalledComponentRef, ServerRef, Step,
    StepChanges, StepFields, StepFilter, StepRecord,
};
use runsheet_core::step_state::{StepEvent, StepState};
use runsheet_core::transition::{Machine, TransitionError};
use runsheet_core::{time, Errors};
use std::collections::HashMap;

mod catalog;
mod events;
mod names;
mod positions;
mod postgres_show;
mod records;
mod references;

use events::*;
use positions::*;
use records::*;
use references::*;

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
    #[diesel(deserialize_as = OptStamp)]
    start_by: Option<NaiveDateTime>,
    #[diesel(deserialize_as = OptStamp)]
    complete_by: Option<NaiveDateTime>,
    category_id: Option<i64>,
    work_task_id: Option<i64>,
    location_detail: Option<String>,
    estimate: Option<i64>,
    different_level_from_previous: bool,
    #[diesel(deserialize_as = OptStamp)]
    ready_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = OptStamp)]
    work_started_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = OptStamp)]
    work_finished_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = Stamp)]
    created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
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

/// The steps `$filter` selects from `$from` (the steps, or [`shown!`]'s), as a boxed query
/// for the backend it is run on (in [`direct!`]: a list's ids and rows are read without
/// `MultiConnection`'s second pass).
macro_rules! filtered {
    ($from:expr, $filter:expr) => {{
        let filter: &StepFilter = $filter;
        let mut q = $from.into_boxed();
        any_of!(
            q,
            filter,
            steps,
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
            q = q.filter(one_of(
                steps::aasm_state,
                StepFilter::running_states(running),
            ));
        }
        q = in_range!(q, steps::created_at, filter.created);
        q = in_range!(q, steps::updated_at, filter.updated);
        q
    }};
}

/// The steps `$load` reads (a `Vec`, errors returned with `?`) with the names they show,
/// on the connection's own backend, with `$from` the source of a shown step and `$shown`
/// what it reads, each backend's way: on SQLite a step's columns and its names left-joined
/// ([`names::joined_steps`]); on PostgreSQL a step's columns, and its names and records
/// after, for all the steps at once ([`names::look_up`]). A [`Read`] for
/// [`load_records`]. For a page and a list's chunk; a step's show reads its names as
/// [`find`] says.
macro_rules! shown {
    ($conn:expr, |$c:ident, $from:ident, $shown:ident| $load:expr) => {
        match $conn {
            AnyConnection::Sqlite($c) => {
                let $from = names::joined_steps!();
                let $shown = (steps::all_columns, names::joined_columns!());
                let rows: Vec<(StepRow, names::Names)> = $load;
                Read {
                    rows,
                    records: None,
                }
            }
            AnyConnection::Postgres($c) => {
                let $from = steps::table;
                let $shown = steps::all_columns;
                let rows: Vec<StepRow> = $load;
                names::look_up($c, rows)?
            }
        }
    };
}

pub fn list(conn: &mut AnyConnection, filter: &StepFilter) -> Result<Vec<StepRecord>, StoreError> {
    page(conn, filter, &Window::ALL)
}

/// The part of the list `window` selects.
pub fn page(
    conn: &mut AnyConnection,
    filter: &StepFilter,
    window: &Window,
) -> Result<Vec<StepRecord>, StoreError> {
    // One read, as a chunk read by ids is: a list's first chunk is read this way (`ByIds`).
    transaction::read(conn, |conn| {
        let rows = shown!(conn, |c, from, shown| load_window!(
            c,
            in_list_order!(filtered!(from, filter).select(shown), filter),
            window,
            steps::id
        ));
        load_records(conn, rows)
    })
}

/// How many steps the whole list has.
pub fn count_list(conn: &mut AnyConnection, filter: &StepFilter) -> Result<i64, StoreError> {
    Ok(direct!(conn, |c| filtered!(steps::table, filter)
        .count()
        .get_result(c))?)
}

/// The ids of the whole list, in its order: what a list too long to load at once is read
/// from, [`by_ids`] a chunk at a time. Eight bytes a step, where a loaded step takes
/// kilobytes.
pub fn ids(conn: &mut AnyConnection, filter: &StepFilter) -> Result<Vec<i64>, StoreError> {
    Ok(direct!(conn, |c| in_list_order!(
        filtered!(steps::table, filter).select(steps::id),
        filter
    )
    .load(c))?)
}

/// The steps of `ids`, in that order; ids of no step are left out.
pub fn by_ids(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<StepRecord>, StoreError> {
    transaction::read(conn, |conn| {
        let mut read: Read = for_ids!(ids, steps::id, |filter| {
            Ok::<_, StoreError>(shown!(conn, |c, from, shown| from
                .filter(filter)
                .select(shown)
                .load(c)?))
        })?;
        let mut rows: HashMap<i64, (StepRow, names::Names)> =
            read.rows.drain(..).map(|row| (row.0.id, row)).collect();
        read.rows = ids.iter().filter_map(|id| rows.remove(id)).collect();
        load_records(conn, read)
    })
}

/// `$query` (boxed) in the list's order: request by request, each in position order;
/// steps of no request last on both backends (NULLs sort differently on each). When the
/// filter names requests, all the steps have one, and the same order without its first term
/// lets SQLite read them in the order of `steps_request_id_position_idx` instead of sorting
/// them (docs/benchmarks.md, 15).
macro_rules! in_list_order {
    ($query:expr, $filter:expr) => {{
        let filter: &StepFilter = $filter;
        let query = $query;
        match filter.request_id {
            Some(_) => query.order((steps::request_id, steps::position, steps::id)),
            None => query.order((
                steps::request_id.is_null(),
                steps::request_id,
                steps::position,
                steps::id,
            )),
        }
    }};
}
use in_list_order;

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<StepRecord, StoreError> {
    transaction::read(conn, |conn| {
        let (row, records) = match conn {
            // One statement, a round trip, for the step and all it shows.
            AnyConnection::Postgres(c) => postgres_show::find(c, id)?,
            // The step with its names and the catalog's version, then its records as a
            // list's: statements cost no round trip on SQLite, and the read's snapshot keeps
            // them consistent.
            AnyConnection::Sqlite(c) => {
                let (row, version) = names::joined_steps!()
                    .filter(steps::id.eq(id))
                    .select((
                        (steps::all_columns, names::joined_columns!()),
                        catalog::Version,
                    ))
                    .first(c)
                    .optional()?
                    .ok_or(StoreError::NotFound)?;
                let records = read_records(conn, version, std::slice::from_ref(&row))?;
                (row, records)
            }
        };
        Ok(dress(conn, vec![row], records)?.remove(0))
    })
}

fn find_row(conn: &mut AnyConnection, id: i64) -> Result<StepRow, StoreError> {
    direct!(conn, |c| steps::table.find(id).first(c))
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
        let write = StepWrite::new(&fields, prepared.state, position, stamps, now);
        let row: StepRow = direct!(conn, |c| diesel::insert_into(steps::table)
            .values((write, steps::created_at.eq(now)))
            .returning(steps::all_columns)
            .get_result(c))?;
        prepared.write_related(conn, row.id, changes)?;
        find(conn, row.id)
    })
}

/// PUT: attributes and the event, together or not at all. `user_id` (the API user) is who
/// starts the scripts the event sets going.
pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    changes: &StepChanges,
    user_id: i64,
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
        let write = StepWrite::new(&fields, prepared.state, position, stamps, now);
        direct!(conn, |c| kept_update(
            steps::table,
            &write,
            steps::id.eq(id)
        )
        .execute(c))?;
        prepared.write_related(conn, id, changes)?;
        if let Some(event) = prepared.event {
            after_event(conn, id, &fields, event, user_id)?;
        }
        find(conn, id)
    })
}

/// What a step's event sets going: `start` (and a resolve) of an automated step runs its
/// script as a new job run; a step done (or a resolve, which may resume the request) moves
/// the request on: the next phase, or its end. Other events move nothing else, so a step
/// locked by hand stays locked until the request next moves on.
fn after_event(
    conn: &mut AnyConnection,
    id: i64,
    fields: &StepFields,
    event: StepEvent,
    user_id: i64,
) -> Result<(), StoreError> {
    let runs_script = matches!(
        event,
        StepEvent::Start | StepEvent::Resolve | StepEvent::ForceResolve
    );
    if runs_script && !fields.manual && !fields.procedure {
        execution::enqueue(conn, id, Some(user_id))?;
    }
    let moves_on = matches!(
        event,
        StepEvent::Done | StepEvent::Resolve | StepEvent::Start
    );
    if moves_on {
        if let Some(request_id) = execution::request_of_step(conn, id)? {
            execution::advance(conn, request_id, Some(user_id))?;
        }
    }
    Ok(())
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

/// The times the state change sets.
#[derive(Debug, Default, Clone, Copy)]
struct Stamps {
    ready_at: Option<NaiveDateTime>,
    work_started_at: Option<NaiveDateTime>,
    work_finished_at: Option<NaiveDateTime>,
}

/// Every column a step's create, update or copy writes (all but id and created_at), from
/// validated fields: the one list of a step's columns on the way in.
///
/// A `None` is written as NULL, never left out (none of these columns has a default), so
/// that the statement's SQL is always the same: diesel then keeps it prepared instead of
/// writing its SQL out on every insert (a third of a POST's instructions).
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = steps, treat_none_as_null = true, treat_none_as_default_value = false)]
struct StepWrite<'a> {
    name: Option<&'a str>,
    description: Option<&'a str>,
    aasm_state: &'static str,
    position: i64,
    request_id: Option<i64>,
    procedure_id: Option<i64>,
    parent_id: Option<i64>,
    owner_id: Option<i64>,
    owner_type: Option<&'a str>,
    manual: bool,
    procedure: bool,
    script_id: Option<i64>,
    script_type: Option<&'a str>,
    installed_component_id: Option<i64>,
    component_id: Option<i64>,
    component_version: Option<&'a str>,
    own_version: bool,
    version_tag_id: Option<i64>,
    custom_ticket_id: Option<i64>,
    release_content_item_id: Option<i64>,
    change_request_id: Option<i64>,
    completion_state: Option<&'a str>,
    on_plan: bool,
    package_template_id: Option<i64>,
    package_template_properties: Option<&'a str>,
    phase_id: Option<i64>,
    runtime_phase_id: Option<i64>,
    should_execute: bool,
    execute_anytime: bool,
    start_by: Option<NaiveDateTime>,
    complete_by: Option<NaiveDateTime>,
    category_id: Option<i64>,
    work_task_id: Option<i64>,
    location_detail: Option<&'a str>,
    estimate: Option<i64>,
    different_level_from_previous: bool,
    ready_at: Option<NaiveDateTime>,
    work_started_at: Option<NaiveDateTime>,
    work_finished_at: Option<NaiveDateTime>,
    updated_at: NaiveDateTime,
}

impl<'a> StepWrite<'a> {
    fn new(
        f: &'a StepFields,
        state: StepState,
        position: i64,
        stamps: Stamps,
        updated_at: NaiveDateTime,
    ) -> Self {
        StepWrite {
            name: f.name.as_deref(),
            description: f.description.as_deref(),
            aasm_state: state.name(),
            position,
            request_id: f.request_id,
            procedure_id: f.procedure_id,
            parent_id: f.parent_id,
            owner_id: f.owner_id,
            owner_type: f.owner_type.as_deref(),
            manual: f.manual,
            procedure: f.procedure,
            script_id: f.script_id,
            script_type: f.script_type.as_deref(),
            installed_component_id: f.installed_component_id,
            component_id: f.component_id,
            component_version: f.component_version.as_deref(),
            own_version: f.own_version,
            version_tag_id: f.version_tag_id,
            custom_ticket_id: f.custom_ticket_id,
            release_content_item_id: f.release_content_item_id,
            change_request_id: f.change_request_id,
            completion_state: f.completion_state.as_deref(),
            on_plan: f.on_plan,
            package_template_id: f.package_template_id,
            package_template_properties: f.package_template_properties.as_deref(),
            phase_id: f.phase_id,
            runtime_phase_id: f.runtime_phase_id,
            should_execute: f.should_execute,
            execute_anytime: f.execute_anytime,
            start_by: f.start_by,
            complete_by: f.complete_by,
            category_id: f.category_id,
            work_task_id: f.work_task_id,
            location_detail: f.location_detail.as_deref(),
            estimate: f.estimate,
            different_level_from_previous: f.different_level_from_previous,
            ready_at: stamps.ready_at,
            work_started_at: stamps.work_started_at,
            work_finished_at: stamps.work_finished_at,
            updated_at,
        }
    }
}

/// Inserts a new, locked step that has not run (a procedure's copy); returns its id.
pub(crate) fn insert_locked(
    conn: &mut AnyConnection,
    fields: &StepFields,
    position: i64,
    now: NaiveDateTime,
) -> Result<i64, StoreError> {
    let write = StepWrite::new(fields, StepState::Locked, position, Stamps::default(), now);
    Ok(diesel::insert_into(steps::table)
        .values((write, steps::created_at.eq(now)))
        .returning(steps::id)
        .get_result(conn)?)
}

/// The position a new top-level step of the request takes: after the last.
pub(crate) fn next_in_request(
    conn: &mut AnyConnection,
    request_id: i64,
) -> Result<i64, StoreError> {
    next_position(conn, Scope::Request(request_id), None)
}

/// A free-floating procedure's own steps (no request, no parent), in order, with their ids.
pub(crate) fn of_procedure(
    conn: &mut AnyConnection,
    procedure_id: i64,
) -> Result<Vec<Step>, StoreError> {
    let rows: Vec<StepRow> = steps::table
        .filter(steps::procedure_id.eq(procedure_id))
        .filter(steps::parent_id.is_null())
        .filter(steps::request_id.is_null())
        .order((steps::position, steps::id))
        .load(conn)?;
    Ok(rows.into_iter().map(Step::from).collect())
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

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::*;
    use crate::testing::{fixtures, TestDb};

    /// A filter of one value is `column = ?`: on PostgreSQL its prepared statement gets the
    /// plan it keeps after its first runs (with `= ANY($1)` PostgreSQL planned it anew at
    /// every run), and on SQLite the value is not read from a JSON array.
    #[test]
    fn a_one_value_filter_is_a_plain_comparison() {
        for db in TestDb::all() {
            let pool = db.pool();
            let mut conn = pool.get().expect("connection");
            let c: &mut AnyConnection = &mut conn;
            let request = fixtures::request(c, "r", "created").expect("request");
            let step = fixtures::named_step(c, Some(request), "a", "locked").expect("step");
            let filter = StepFilter {
                request_id: Some(vec![request]),
                ..Default::default()
            };
            let (listed, statements) = fixtures::statements(c, |c| ids(c, &filter));
            assert_eq!(listed.expect("ids"), [step]);
            // PostgreSQL weighs its generic plan against the custom ones after five runs.
            for _ in 0..8 {
                ids(c, &filter).expect("ids");
            }
            match c {
                AnyConnection::Sqlite(_) => assert!(
                    statements.iter().all(|s| !s.contains("json_each")),
                    "{statements:#?}"
                ),
                AnyConnection::Postgres(pg) => {
                    let plans: Vec<(i64, i64)> = diesel::sql_query(
                        "SELECT generic_plans, custom_plans FROM pg_prepared_statements \
                         WHERE statement LIKE '%\"request_id\" = $1%'",
                    )
                    .load::<Plans>(pg)
                    .expect("the prepared statements")
                    .into_iter()
                    .map(|p| (p.generic_plans, p.custom_plans))
                    .collect();
                    assert_eq!(plans, [(4, 5)], "the ids' statement: generic, custom plans");
                }
            }
        }
    }

    #[derive(diesel::QueryableByName)]
    struct Plans {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        generic_plans: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        custom_plans: i64,
    }

    /// A request's steps are listed in position order on both backends, and on SQLite
    /// with no sort: the list's order without the term that puts steps of no request last,
    /// which none of them is. Whole lists read their ids that way, pages their steps.
    #[test]
    fn a_requests_steps_are_listed_by_position_without_a_sort() {
        let dbs = [
            ("sqlite", Some(TestDb::sqlite())),
            ("postgres", TestDb::postgres()),
        ];
        for (backend, db) in dbs.into_iter().filter_map(|(b, db)| Some((b, db?))) {
            let pool = db.pool();
            let mut conn = pool.get().expect("connection");
            let c: &mut AnyConnection = &mut conn;
            let request = fixtures::request(c, "r", "created").expect("request");
            // Made out of position order: the later step comes first.
            let second = fixtures::named_step(c, Some(request), "b", "locked").expect("step");
            let first = fixtures::named_step(c, Some(request), "a", "locked").expect("step");
            fixtures::execute(
                c,
                &format!("UPDATE steps SET position = 2 WHERE id = {second}"),
            )
            .expect("position");
            let filter = StepFilter {
                request_id: Some(vec![request]),
                ..Default::default()
            };
            let window = Window {
                limit: Some(10),
                ..Window::ALL
            };
            let (listed, statements) = fixtures::statements(c, |c| {
                let ids = ids(c, &filter).expect("ids");
                let page = page(c, &filter, &window).expect("page");
                (ids, page.iter().map(|r| r.step.id).collect::<Vec<_>>())
            });
            assert_eq!(
                listed,
                (vec![first, second], vec![first, second]),
                "{backend}"
            );
            if backend != "sqlite" {
                continue;
            }
            let ordered: Vec<&String> = statements
                .iter()
                .filter(|s| s.contains("ORDER BY"))
                .collect();
            assert_eq!(ordered.len(), 2, "{statements:#?}");
            for read in ordered {
                let temporaries = fixtures::sqlite_temporaries(c, read).expect("plan");
                assert!(temporaries.is_empty(), "{read}\n{temporaries:#?}");
            }
        }
    }
}
