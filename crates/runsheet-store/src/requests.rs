//! Requests: queries, references, the state machine's events and their side effects.
//!
//! Showing a request is two queries whatever its steps (clients poll it, issue 6: "one or
//! two queries"): the request joined with its environment, owner, requestor and apps (one
//! row per app); its steps (with their components' names). A list makes the first once and
//! the second once per chunk of requests, never one per row.

use crate::error::StoreError;
use crate::schema::{apps, components, environments, request_apps, requests, steps, users};
use crate::sql::{load_window, IN_CHUNK};
use crate::{execution, transaction, AnyConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use runsheet_core::errors::messages;
use runsheet_core::paging::Window;
use runsheet_core::request::{
    order_steps, NamedRef, PersonRef, Request, RequestChanges, RequestFields, RequestFilter,
    RequestRecord, RequestStep, SideEffects,
};
use runsheet_core::request_state::{RequestEvent, RequestState};
use runsheet_core::step_state::StepState;
use runsheet_core::transition::{Machine, TransitionError};
use runsheet_core::{time, Errors};
use std::collections::HashMap;

#[derive(Queryable)]
struct RequestRow {
    id: i64,
    name: Option<String>,
    description: Option<String>,
    aasm_state: String,
    owner_id: Option<i64>,
    requestor_id: Option<i64>,
    environment_id: Option<i64>,
    estimate: Option<i64>,
    scheduled_at: Option<NaiveDateTime>,
    target_completion_at: Option<NaiveDateTime>,
    started_at: Option<NaiveDateTime>,
    completed_at: Option<NaiveDateTime>,
    cancelled_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<RequestRow> for Request {
    type Error = StoreError;

    fn try_from(row: RequestRow) -> Result<Request, StoreError> {
        let aasm_state = RequestState::parse(&row.aasm_state).ok_or_else(|| {
            StoreError::Query(diesel::result::Error::DeserializationError(
                format!(
                    "request {} has an unknown state {:?}",
                    row.id, row.aasm_state
                )
                .into(),
            ))
        })?;
        Ok(Request {
            id: row.id,
            name: row.name,
            description: row.description,
            aasm_state,
            owner_id: row.owner_id,
            requestor_id: row.requestor_id,
            environment_id: row.environment_id,
            estimate: row.estimate,
            scheduled_at: row.scheduled_at,
            target_completion_at: row.target_completion_at,
            started_at: row.started_at,
            completed_at: row.completed_at,
            cancelled_at: row.cancelled_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

type Person = (i64, String, String);

/// A request's row with its environment, owner and requestor, when it has them, and one of
/// its apps: a request with three apps comes as three rows, one with none as one row.
type JoinedRow = (
    RequestRow,
    Option<(i64, String)>,
    Option<Person>,
    Option<Person>,
    Option<(i64, String)>,
);

/// A request with what the first query found: everything but its steps.
struct WithReferences {
    row: RequestRow,
    environment: Option<(i64, String)>,
    owner: Option<Person>,
    requestor: Option<Person>,
    apps: Vec<NamedRef>,
}

diesel::alias!(
    users as owners: Owners,
    users as requestors: Requestors,
    request_apps as apps_of_requests: AppsOfRequests
);

/// Requests with what they refer to and their apps, in one query: what a request shows
/// besides its steps. Rows come in request order, each request's apps in id order.
macro_rules! with_references {
    () => {
        requests::table
            .left_join(environments::table)
            .left_join(owners.on(requests::owner_id.eq(owners.field(users::id).nullable())))
            .left_join(
                requestors.on(requests::requestor_id.eq(requestors.field(users::id).nullable())),
            )
            .left_join(request_apps::table)
            .left_join(apps::table.on(apps::id.eq(request_apps::app_id)))
            .select((
                requests::all_columns,
                (environments::id, environments::name).nullable(),
                (
                    owners.field(users::id),
                    owners.field(users::login),
                    owners.field(users::email),
                )
                    .nullable(),
                (
                    requestors.field(users::id),
                    requestors.field(users::login),
                    requestors.field(users::email),
                )
                    .nullable(),
                (apps::id, apps::name).nullable(),
            ))
            .order((requests::id, apps::id.nullable()))
    };
}

/// Folds the rows of the joined query into one request each, with its apps. Rows of one
/// request are adjacent: the query orders them by request.
fn by_request(rows: Vec<JoinedRow>) -> Vec<WithReferences> {
    let mut requests: Vec<WithReferences> = Vec::new();
    for (row, environment, owner, requestor, app) in rows {
        let app = app.map(|(id, name)| NamedRef { id, name });
        match requests.last_mut() {
            Some(last) if last.row.id == row.id => last.apps.extend(app),
            _ => requests.push(WithReferences {
                row,
                environment,
                owner,
                requestor,
                apps: app.into_iter().collect(),
            }),
        }
    }
    requests
}

pub fn list(
    conn: &mut AnyConnection,
    filter: &RequestFilter,
) -> Result<Vec<RequestRecord>, StoreError> {
    page(conn, filter, &Window::ALL)
}

/// The part of the list `window` selects (by id either way). The whole list is one query
/// with what the requests refer to; a window is one more, of its ids.
pub fn page(
    conn: &mut AnyConnection,
    filter: &RequestFilter,
    window: &Window,
) -> Result<Vec<RequestRecord>, StoreError> {
    let mut query = with_references!().into_boxed();
    if *window == Window::ALL {
        query = filtered!(query, filter);
    } else {
        let ids: Vec<i64> = load_window!(
            conn,
            filtered!(requests::table.into_boxed(), filter).select(requests::id),
            window,
            requests::id,
            requests::id
        );
        query = query.filter(requests::id.eq_any(ids));
    }
    let rows: Vec<JoinedRow> = query.load(conn)?;
    with_nested(conn, by_request(rows))
}

/// How many requests the whole list has.
pub fn count_list(conn: &mut AnyConnection, filter: &RequestFilter) -> Result<i64, StoreError> {
    Ok(filtered!(requests::table.into_boxed(), filter)
        .count()
        .get_result(conn)?)
}

/// `$query` (boxed, over `requests` alone or joined) keeping the requests the filter selects.
macro_rules! filtered {
    ($query:expr, $filter:expr) => {{
        let filter: &RequestFilter = $filter;
        let mut query = $query;
        match &filter.aasm_state {
            Some(v) => query = query.filter(requests::aasm_state.eq_any(v.clone())),
            None => query = query.filter(requests::aasm_state.ne(RequestFilter::hidden_state())),
        }
        if let Some(v) = &filter.name {
            query = query.filter(requests::name.eq_any(v.clone()));
        }
        if let Some(v) = &filter.app_id {
            // A subquery, not the joined apps: a request that has the app shows all its apps.
            let with_app = apps_of_requests
                .filter(
                    apps_of_requests
                        .field(request_apps::app_id)
                        .eq_any(v.clone()),
                )
                .select(apps_of_requests.field(request_apps::request_id));
            query = query.filter(requests::id.eq_any(with_app));
        }
        if let Some(v) = &filter.environment_id {
            query = query.filter(requests::environment_id.eq_any(v.clone()));
        }
        if let Some(v) = &filter.owner_id {
            query = query.filter(requests::owner_id.eq_any(v.clone()));
        }
        if let Some(v) = &filter.requestor_id {
            query = query.filter(requests::requestor_id.eq_any(v.clone()));
        }
        query
    }};
}
use filtered;

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<RequestRecord, StoreError> {
    let rows: Vec<JoinedRow> = with_references!().filter(requests::id.eq(id)).load(conn)?;
    let found = by_request(rows);
    if found.is_empty() {
        return Err(StoreError::NotFound);
    }
    with_nested(conn, found)?.pop().ok_or(StoreError::NotFound)
}

/// Loads the steps of many requests: one query per chunk of ids.
fn with_nested(
    conn: &mut AnyConnection,
    requests: Vec<WithReferences>,
) -> Result<Vec<RequestRecord>, StoreError> {
    let mut records = Vec::with_capacity(requests.len());
    let mut requests = requests.into_iter().peekable();
    while requests.peek().is_some() {
        let chunk: Vec<WithReferences> = requests.by_ref().take(IN_CHUNK).collect();
        records.extend(nested_chunk(conn, chunk)?);
    }
    Ok(records)
}

fn nested_chunk(
    conn: &mut AnyConnection,
    requests: Vec<WithReferences>,
) -> Result<Vec<RequestRecord>, StoreError> {
    let ids: Vec<i64> = requests.iter().map(|r| r.row.id).collect();
    let mut steps_by_request = load_steps(conn, &ids)?;
    requests
        .into_iter()
        .map(|loaded| {
            let request = Request::try_from(loaded.row)?;
            let steps = order_steps(steps_by_request.remove(&request.id).unwrap_or_default());
            Ok(RequestRecord {
                owner: loaded.owner.map(person),
                requestor: loaded.requestor.map(person),
                environment: loaded.environment.map(|(id, name)| NamedRef { id, name }),
                apps: loaded.apps,
                steps,
                request,
            })
        })
        .collect()
}

fn person((id, login, email): Person) -> PersonRef {
    PersonRef { id, login, email }
}

diesel::alias!(steps as parent_steps: ParentSteps);

/// Ids of the steps of these requests and of the steps inside them (children of a procedure
/// step may carry only their `parent_id`), as a subquery.
/// The one place that says which steps a request has (sequencing and cancelling use it too).
macro_rules! steps_of_requests {
    ($ids:expr) => {{
        use $crate::requests::parent_steps;
        use $crate::schema::steps;
        let ids: &[i64] = $ids;
        let parents_in_requests = parent_steps
            .filter($crate::sql::one_of(
                parent_steps.field(steps::request_id),
                ids.iter().copied(),
            ))
            .select(parent_steps.field(steps::id).nullable());
        $crate::sql::one_of(steps::request_id, ids.iter().copied()).or($crate::sql::one_of_query(
            steps::parent_id,
            parents_in_requests,
        ))
    }};
}
pub(crate) use steps_of_requests;

type StepRow = (
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    String,
    i64,
    bool,
    Option<String>,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<String>,
);

/// Every step of these requests, with its component's name, in one query.
fn load_steps(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<RequestStep>>, StoreError> {
    let rows: Vec<StepRow> = steps::table
        .left_join(components::table)
        .filter(steps_of_requests!(ids))
        .select((
            steps::id,
            steps::request_id,
            steps::parent_id,
            steps::name,
            steps::aasm_state,
            steps::position,
            steps::manual,
            steps::component_version,
            steps::work_started_at,
            steps::work_finished_at,
            components::name.nullable(),
        ))
        .load(conn)?;
    let request_of: HashMap<i64, i64> = rows
        .iter()
        .filter_map(|r| r.1.map(|request_id| (r.0, request_id)))
        .collect();
    let mut by_request: HashMap<i64, Vec<RequestStep>> = HashMap::new();
    for row in rows {
        let request_id = row
            .1
            .or_else(|| row.2.and_then(|parent| request_of.get(&parent).copied()));
        let Some(request_id) = request_id else {
            continue;
        };
        by_request.entry(request_id).or_default().push(RequestStep {
            id: row.0,
            parent_id: row.2,
            name: row.3,
            aasm_state: row.4,
            position: row.5,
            number: String::new(),
            manual: row.6,
            component_version: row.7,
            work_started_at: row.8,
            work_finished_at: row.9,
            component_name: row.10,
        });
    }
    Ok(by_request)
}

/// POST: owner and requestor are `user_id` (the API user) unless given.
pub fn create(
    conn: &mut AnyConnection,
    changes: &RequestChanges,
    user_id: i64,
) -> Result<RequestRecord, StoreError> {
    transaction::write(conn, |conn| {
        let fields = changes.new_fields(user_id);
        check(conn, &fields, changes.app_ids.as_deref())?;
        let now = time::now();
        let id: i64 = diesel::insert_into(requests::table)
            .values((
                values(&fields),
                requests::aasm_state.eq(RequestState::Created.name()),
                requests::created_at.eq(now),
                requests::updated_at.eq(now),
            ))
            .returning(requests::id)
            .get_result(conn)?;
        if let Some(app_ids) = &changes.app_ids {
            set_apps(conn, id, app_ids)?;
        }
        if changes.aasm_event.is_some() || changes.aasm_state.is_some() {
            transition(conn, id, RequestState::Created, changes, user_id)?;
        }
        find(conn, id)
    })
}

/// PUT: attributes and the event, together or not at all. `user_id` (the API user) is who
/// starts the automated steps the event sets going.
pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    changes: &RequestChanges,
    user_id: i64,
) -> Result<RequestRecord, StoreError> {
    transaction::write(conn, |conn| {
        let current = find(conn, id)?.request;
        // The event first: a refused one answers with its own message only.
        let event = changes
            .event(current.aasm_state)
            .map_err(|e| StoreError::Invalid(e.into_errors()))?;
        let mut fields = RequestFields::from(&current);
        changes.apply(&mut fields);
        check(conn, &fields, changes.app_ids.as_deref())?;
        diesel::update(requests::table.find(id))
            .set((values(&fields), requests::updated_at.eq(time::now())))
            .execute(conn)?;
        if let Some(app_ids) = &changes.app_ids {
            set_apps(conn, id, app_ids)?;
        }
        if let Some(event) = event {
            fire(conn, &current, event, Some(user_id))?;
        }
        find(conn, id)
    })
}

/// DELETE: a cancelled or complete request is soft-deleted and returned; any other is
/// destroyed with its steps.
pub fn destroy(conn: &mut AnyConnection, id: i64) -> Result<Option<RequestRecord>, StoreError> {
    transaction::write(conn, |conn| {
        let current = find(conn, id)?.request;
        if current.aasm_state.is_soft_deleted_on_delete() {
            fire(conn, &current, RequestEvent::SoftDelete, None)?;
            return find(conn, id).map(Some);
        }
        // Children of procedure steps go with their parent (ON DELETE CASCADE).
        diesel::delete(steps::table.filter(steps::request_id.eq(id))).execute(conn)?;
        diesel::delete(request_apps::table.filter(request_apps::request_id.eq(id)))
            .execute(conn)?;
        diesel::delete(requests::table.find(id)).execute(conn)?;
        Ok(None)
    })
}

/// The event of a body sent with a POST, from the initial state.
fn transition(
    conn: &mut AnyConnection,
    id: i64,
    from: RequestState,
    changes: &RequestChanges,
    user_id: i64,
) -> Result<(), StoreError> {
    let event = changes
        .event(from)
        .map_err(|e| StoreError::Invalid(e.into_errors()))?;
    if let Some(event) = event {
        let current = find(conn, id)?.request;
        fire(conn, &current, event, Some(user_id))?;
    }
    Ok(())
}

/// Fires `event` when the request's state allows it (the engine's moves: a run's problem,
/// the last step done); returns whether it did.
pub(crate) fn fire_if_allowed(
    conn: &mut AnyConnection,
    id: i64,
    event: RequestEvent,
) -> Result<bool, StoreError> {
    let row: Option<RequestRow> = requests::table.find(id).first(conn).optional()?;
    let Some(row) = row else { return Ok(false) };
    let current = Request::try_from(row)?;
    if current.aasm_state.fire(event).is_err() {
        return Ok(false);
    }
    fire(conn, &current, event, None)?;
    Ok(true)
}

/// Changes the state by `event` and applies what the event does besides; `user_id` starts
/// the automated steps it sets going.
fn fire(
    conn: &mut AnyConnection,
    current: &Request,
    event: RequestEvent,
    user_id: Option<i64>,
) -> Result<(), StoreError> {
    let to = current
        .aasm_state
        .fire(event)
        .map_err(|e| StoreError::Invalid(e.into_errors()))?;
    let effects = SideEffects::of(event);
    let now = time::now();
    let id = current.id;
    let started_at = match current.started_at {
        None if effects.stamp_started => Some(now),
        kept => kept,
    };
    let completed_at = if effects.stamp_completed {
        Some(now)
    } else if effects.clear_completed {
        None
    } else {
        current.completed_at
    };
    let cancelled_at = if effects.stamp_cancelled {
        Some(now)
    } else {
        current.cancelled_at
    };
    // Only from the state the event was checked against: on PostgreSQL another write may
    // have moved the request since it was read, and then this one is refused (and rolled
    // back) as from the state it is in now.
    let changed = diesel::update(
        requests::table
            .find(id)
            .filter(requests::aasm_state.eq(current.aasm_state.name())),
    )
    .set((
        requests::aasm_state.eq(to.name()),
        requests::started_at.eq(started_at),
        requests::completed_at.eq(completed_at),
        requests::cancelled_at.eq(cancelled_at),
        requests::updated_at.eq(now),
    ))
    .execute(conn)?;
    if changed == 0 {
        let now_in = find(conn, id)?.request.aasm_state;
        let refused = TransitionError::NotAllowed {
            state: now_in.name(),
        };
        return Err(StoreError::Invalid(refused.into_errors()));
    }
    if !effects.lock_steps_in.is_empty() {
        let from: Vec<&str> = effects.lock_steps_in.iter().map(|s| s.name()).collect();
        set_step_states(conn, id, &from, StepState::Locked, now)?;
    }
    if effects.force_resolve_problem_steps {
        // Automated steps in problem run their scripts again, as new job runs.
        let rerun = automated_steps_in_problem(conn, id)?;
        set_step_states(
            conn,
            id,
            &[StepState::Problem.name()],
            StepState::InProcess,
            now,
        )?;
        for step_id in rerun {
            execution::enqueue(conn, step_id, user_id)?;
        }
    }
    if effects.cancel_runs {
        execution::cancel_runs_of_request(conn, id)?;
    }
    if effects.runs {
        execution::advance(conn, id, user_id)?;
    }
    Ok(())
}

fn automated_steps_in_problem(
    conn: &mut AnyConnection,
    request_id: i64,
) -> Result<Vec<i64>, StoreError> {
    let ids = [request_id];
    Ok(steps::table
        .filter(steps_of_requests!(&ids[..]))
        .filter(steps::aasm_state.eq(StepState::Problem.name()))
        .filter(steps::manual.eq(false))
        .filter(steps::procedure.eq(false))
        .select(steps::id)
        .load(conn)?)
}

/// Moves the request's steps (and their children) in any of `from` to `to`.
fn set_step_states(
    conn: &mut AnyConnection,
    request_id: i64,
    from: &[&str],
    to: StepState,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let ids = [request_id];
    diesel::update(
        steps::table
            .filter(steps_of_requests!(&ids[..]))
            .filter(steps::aasm_state.eq_any(from)),
    )
    .set((steps::aasm_state.eq(to.name()), steps::updated_at.eq(now)))
    .execute(conn)?;
    Ok(())
}

#[allow(clippy::type_complexity)]
fn values(
    fields: &RequestFields,
) -> (
    diesel::dsl::Eq<requests::name, Option<String>>,
    diesel::dsl::Eq<requests::description, Option<String>>,
    diesel::dsl::Eq<requests::owner_id, Option<i64>>,
    diesel::dsl::Eq<requests::requestor_id, Option<i64>>,
    diesel::dsl::Eq<requests::environment_id, Option<i64>>,
    diesel::dsl::Eq<requests::estimate, Option<i64>>,
    diesel::dsl::Eq<requests::scheduled_at, Option<NaiveDateTime>>,
    diesel::dsl::Eq<requests::target_completion_at, Option<NaiveDateTime>>,
) {
    (
        requests::name.eq(fields.name.clone()),
        requests::description.eq(fields.description.clone()),
        requests::owner_id.eq(fields.owner_id),
        requests::requestor_id.eq(fields.requestor_id),
        requests::environment_id.eq(fields.environment_id),
        requests::estimate.eq(fields.estimate),
        requests::scheduled_at.eq(fields.scheduled_at),
        requests::target_completion_at.eq(fields.target_completion_at),
    )
}

/// Validation, and references that must exist.
fn check(
    conn: &mut AnyConnection,
    fields: &RequestFields,
    app_ids: Option<&[i64]>,
) -> Result<(), StoreError> {
    let mut errors: Errors = fields.validate();
    for (attribute, id) in [
        ("owner_id", fields.owner_id),
        ("requestor_id", fields.requestor_id),
    ] {
        if let Some(id) = id {
            let found: i64 = users::table.find(id).count().get_result(conn)?;
            if found == 0 {
                errors.add(attribute, messages::DOES_NOT_EXIST);
            }
        }
    }
    if let Some(id) = fields.environment_id {
        let found: i64 = environments::table.find(id).count().get_result(conn)?;
        if found == 0 {
            errors.add("environment_id", messages::DOES_NOT_EXIST);
        }
    }
    if let Some(app_ids) = app_ids {
        let found: i64 = apps::table
            .filter(apps::id.eq_any(app_ids))
            .count()
            .get_result(conn)?;
        if found != app_ids.len() as i64 {
            errors.add("app_ids", messages::DOES_NOT_EXIST);
        }
    }
    errors.into_result().map_err(StoreError::Invalid)
}

/// Replaces the request's apps.
fn set_apps(conn: &mut AnyConnection, request_id: i64, app_ids: &[i64]) -> Result<(), StoreError> {
    diesel::delete(request_apps::table.filter(request_apps::request_id.eq(request_id)))
        .execute(conn)?;
    for app_id in app_ids {
        diesel::insert_into(request_apps::table)
            .values((
                request_apps::request_id.eq(request_id),
                request_apps::app_id.eq(app_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Serialises writes that number a request's steps: two additions to one request must not
/// both take the same next position. PostgreSQL locks the request's row until the
/// transaction ends; SQLite's `BEGIN IMMEDIATE` already lets one writer in at a time.
/// Every run's end takes it: written with diesel's DSL, the statement stays prepared (a
/// `sql_query` was parsed and planned again each time).
pub(crate) fn lock(conn: &mut AnyConnection, request_id: i64) -> Result<(), StoreError> {
    if let AnyConnection::Postgres(pg) = conn {
        requests::table
            .find(request_id)
            .select(requests::id)
            .for_update()
            .execute(pg)?;
    }
    Ok(())
}
