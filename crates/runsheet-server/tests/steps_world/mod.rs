//! Fixtures for the steps tests: the records a step refers to, inserted straight into the
//! database (the other areas' APIs are written at the same time as this one).
#![allow(dead_code)]

#[allow(unused_imports)] // Not every file of steps_world uses it.
pub use crate::common::ids;
use crate::common::{Resp, TestApp};
use actix_web::test::TestRequest;
use runsheet_store::testing::fixtures;
use serde_json::{json, Value};

pub const T: &str = "'2014-07-07 13:01:41'";

pub fn sql(app: &TestApp, statement: &str) -> usize {
    let mut conn = app.pool.get().expect("a connection");
    fixtures::execute(&mut conn, statement).unwrap_or_else(|e| panic!("{statement}: {e}"))
}

pub fn insert(app: &TestApp, statement: &str) -> i64 {
    let mut conn = app.pool.get().expect("a connection");
    fixtures::insert(&mut conn, statement).unwrap_or_else(|e| panic!("{statement}: {e}"))
}

/// Everything a step may name, once.
pub struct World {
    pub user: i64,
    pub group: i64,
    pub request: i64,
    pub other_request: i64,
    pub procedure: i64,
    pub script: i64,
    pub app_id: i64,
    pub component: i64,
    pub other_component: i64,
    pub environment: i64,
    pub app_component: i64,
    pub app_environment: i64,
    pub installed_component: i64,
    pub level: i64,
    pub server_a: i64,
    pub server_b: i64,
    pub server_c: i64,
    pub loose_server: i64,
    pub property: i64,
    pub other_property: i64,
    pub phase: i64,
    pub runtime_phase: i64,
    pub work_task: i64,
    pub category: i64,
}

impl World {
    pub fn new(app: &TestApp) -> World {
        let user = insert(app, &format!("INSERT INTO users (login, email, admin, active, created_at, updated_at) VALUES ('owner', 'owner@example.com', FALSE, TRUE, {T}, {T})"));
        let group = insert(app, &format!("INSERT INTO groups (name, email, active, created_at, updated_at) VALUES ('Ops', 'ops@example.com', TRUE, {T}, {T})"));
        let request = request(app, "sample request", "created");
        let other_request = request_in(app, "other request", "created");
        let procedure = insert(app, &format!("INSERT INTO procedures (name, aasm_state, created_at, updated_at) VALUES ('Deploy', 'released', {T}, {T})"));
        let script = insert(app, &format!("INSERT INTO scripts (name, script_type, content, aasm_state, created_at, updated_at) VALUES ('Direct_execute', 'General', 'echo hi', 'released', {T}, {T})"));
        let app_id = insert(app, &format!("INSERT INTO apps (name, app_version, active, created_at, updated_at) VALUES ('app1', '1.0', TRUE, {T}, {T})"));
        let component = insert(app, &format!("INSERT INTO components (name, active, created_at, updated_at) VALUES ('comp 1', TRUE, {T}, {T})"));
        let other_component = insert(app, &format!("INSERT INTO components (name, active, created_at, updated_at) VALUES ('comp 2', TRUE, {T}, {T})"));
        let environment = insert(app, &format!("INSERT INTO environments (name, deployment_policy, active, created_at, updated_at) VALUES ('production', 'opened', TRUE, {T}, {T})"));
        let app_component = insert(
            app,
            &format!(
                "INSERT INTO app_components (app_id, component_id) VALUES ({app_id}, {component})"
            ),
        );
        let app_environment = insert(app, &format!("INSERT INTO app_environments (app_id, environment_id) VALUES ({app_id}, {environment})"));
        let installed_component = insert(app, &format!("INSERT INTO installed_components (app_id, component_id, environment_id, version, created_at, updated_at) VALUES ({app_id}, {component}, {environment}, '2.0', {T}, {T})"));
        let level = insert(app, &format!("INSERT INTO server_levels (name, created_at, updated_at) VALUES ('SL_LEVEL_GROUP sl_3', {T}, {T})"));
        let server = |name: &str, level: Option<i64>, parent: Option<i64>| {
            let level = level.map_or("NULL".to_string(), |l| l.to_string());
            let parent = parent.map_or("NULL".to_string(), |p| p.to_string());
            insert(app, &format!("INSERT INTO servers (name, description, active, server_level_id, parent_id, created_at, updated_at) VALUES ('{name}', '', TRUE, {level}, {parent}, {T}, {T})"))
        };
        let server_a = server("SL_S3", Some(level), None);
        let server_b = server("SL_4_add", Some(level), Some(server_a));
        let server_c = server("Another server", None, None);
        let loose_server = server("Loose", None, None);
        // On the installed component and in its environment: available to its steps.
        for s in [server_a, server_b, server_c] {
            sql(app, &format!("INSERT INTO installed_component_servers (installed_component_id, server_id) VALUES ({installed_component}, {s})"));
            sql(app, &format!("INSERT INTO server_environments (server_id, environment_id) VALUES ({s}, {environment})"));
        }
        let property = insert(app, &format!("INSERT INTO properties (name, active, created_at, updated_at) VALUES ('prop 2', TRUE, {T}, {T})"));
        let other_property = insert(app, &format!("INSERT INTO properties (name, active, created_at, updated_at) VALUES ('new', TRUE, {T}, {T})"));
        let phase = insert(app, &format!("INSERT INTO phases (name, position, created_at, updated_at) VALUES ('new phase', 1, {T}, {T})"));
        let runtime_phase = insert(app, &format!("INSERT INTO runtime_phases (phase_id, name, position, created_at, updated_at) VALUES ({phase}, 'runtime phase 1', 1, {T}, {T})"));
        let work_task = insert(app, &format!("INSERT INTO work_tasks (name, position, created_at, updated_at) VALUES ('new WT', 1, {T}, {T})"));
        let category = insert(app, &format!("INSERT INTO categories (name, categorized_type, created_at, updated_at) VALUES ('cat', 'step', {T}, {T})"));
        World {
            user,
            group,
            request,
            other_request,
            procedure,
            script,
            app_id,
            component,
            other_component,
            environment,
            app_component,
            app_environment,
            installed_component,
            level,
            server_a,
            server_b,
            server_c,
            loose_server,
            property,
            other_property,
            phase,
            runtime_phase,
            work_task,
            category,
        }
    }

    /// The least a request's step needs.
    pub fn step(&self, name: &str) -> Value {
        json!({"request_id": self.request, "name": name, "owner_id": self.user, "owner_type": "User"})
    }
}

pub fn request(app: &TestApp, name: &str, state: &str) -> i64 {
    request_in(app, name, state)
}

fn request_in(app: &TestApp, name: &str, state: &str) -> i64 {
    insert(app, &format!("INSERT INTO requests (name, aasm_state, created_at, updated_at) VALUES ('{name}', '{state}', {T}, {T})"))
}

pub fn set_request_state(app: &TestApp, request: i64, state: &str) {
    sql(
        app,
        &format!("UPDATE requests SET aasm_state = '{state}' WHERE id = {request}"),
    );
}

/// The request's state, as a step of it shows it.
pub async fn request_state(app: &TestApp, step: i64) -> String {
    let res = app.get_json(&format!("/v1/steps/{step}")).await;
    res.json()["request"]["aasm_state"]
        .as_str()
        .expect("a request")
        .to_string()
}

pub fn set_step_state(app: &TestApp, step: i64, state: &str) {
    sql(
        app,
        &format!("UPDATE steps SET aasm_state = '{state}' WHERE id = {step}"),
    );
}

/// POSTs a step in JSON; asserts it was created and returns it.
pub async fn create(app: &TestApp, step: Value) -> Value {
    let res = app.post_json("/v1/steps", json!({ "step": step })).await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

pub async fn create_id(app: &TestApp, step: Value) -> i64 {
    create(app, step).await["id"].as_i64().expect("an id")
}

pub async fn get_xml(app: &TestApp, path: &str) -> Resp {
    app.send(
        TestRequest::get()
            .uri(&app.path(path))
            .insert_header(("Accept", "application/xml")),
    )
    .await
}

pub async fn post_xml(app: &TestApp, path: &str, xml: &str) -> Resp {
    app.send_xml(TestRequest::post().uri(&app.path(path)), xml)
        .await
}

pub async fn put_xml(app: &TestApp, path: &str, xml: &str) -> Resp {
    app.send_xml(TestRequest::put().uri(&app.path(path)), xml)
        .await
}

pub async fn put_step(app: &TestApp, id: i64, step: Value) -> Resp {
    app.put_json(&format!("/v1/steps/{id}"), json!({ "step": step }))
        .await
}

pub async fn delete(app: &TestApp, path: &str, xml: bool) -> Resp {
    let accept = if xml {
        "application/xml"
    } else {
        "application/json"
    };
    app.send(
        TestRequest::delete()
            .uri(&app.path(path))
            .insert_header(("Accept", accept)),
    )
    .await
}

/// (id, position) of a request's steps, in list order.
pub async fn positions(app: &TestApp, request: i64) -> Vec<(i64, i64)> {
    let res = app
        .get_json(&format!("/v1/steps?filters[request_id]={request}"))
        .await;
    res.json()
        .as_array()
        .expect("a list")
        .iter()
        .map(|s| {
            (
                s["id"].as_i64().expect("an id"),
                s["position"].as_i64().expect("a position"),
            )
        })
        .collect()
}

/// The ids of a JSON list, in order.
/// Asserts `needles` appear in `haystack` in this order.
pub fn in_order(haystack: &str, needles: &[&str]) {
    let mut from = 0;
    for needle in needles {
        match haystack[from..].find(needle) {
            Some(at) => from += at + needle.len(),
            None => panic!("{needle:?} missing or out of order after byte {from} in:\n{haystack}"),
        }
    }
}
