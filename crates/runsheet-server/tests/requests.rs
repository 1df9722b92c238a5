//! /v1/requests (issue 3, "requests"; issue 6 for old clients' habits). Quotes are from
//! ../shared/spec/behaviour.md unless said otherwise.

mod common;

use actix_web::test::TestRequest;
use common::{ids, Resp, TestApp};
use diesel::connection::InstrumentationEvent;
use diesel::prelude::*;
use runsheet_server::Settings;
use runsheet_store::schema::{apps, components, environments, requests, steps, users};
use runsheet_store::testing::{TestDb, POOL_SIZE};
use serde_json::{json, Value};
use std::sync::{Arc, Barrier, Mutex};

// ---- fixtures, inserted directly: other areas' APIs are written at the same time ----

fn now() -> chrono::NaiveDateTime {
    runsheet_core::time::now()
}

fn user_id(app: &TestApp, login: &str) -> i64 {
    let mut conn = app.pool.get().unwrap();
    users::table
        .filter(users::login.eq(login))
        .select(users::id)
        .first(&mut **conn)
        .unwrap()
}

fn environment(app: &TestApp, name: &str) -> i64 {
    let mut conn = app.pool.get().unwrap();
    diesel::insert_into(environments::table)
        .values((
            environments::name.eq(name),
            environments::created_at.eq(now()),
            environments::updated_at.eq(now()),
        ))
        .returning(environments::id)
        .get_result(&mut **conn)
        .unwrap()
}

fn an_app(app: &TestApp, name: &str) -> i64 {
    let mut conn = app.pool.get().unwrap();
    diesel::insert_into(apps::table)
        .values((
            apps::name.eq(name),
            apps::created_at.eq(now()),
            apps::updated_at.eq(now()),
        ))
        .returning(apps::id)
        .get_result(&mut **conn)
        .unwrap()
}

fn component(app: &TestApp, name: &str) -> i64 {
    let mut conn = app.pool.get().unwrap();
    diesel::insert_into(components::table)
        .values((
            components::name.eq(name),
            components::created_at.eq(now()),
            components::updated_at.eq(now()),
        ))
        .returning(components::id)
        .get_result(&mut **conn)
        .unwrap()
}

/// A step of `request_id` (or only of its parent, when `request_id` is None).
struct StepFixture<'a> {
    request_id: Option<i64>,
    parent_id: Option<i64>,
    position: i64,
    state: &'a str,
    procedure: bool,
    component_id: Option<i64>,
}

fn step(app: &TestApp, s: StepFixture<'_>) -> i64 {
    let mut conn = app.pool.get().unwrap();
    diesel::insert_into(steps::table)
        .values((
            steps::name.eq(format!("step {}", s.position)),
            steps::request_id.eq(s.request_id),
            steps::parent_id.eq(s.parent_id),
            steps::position.eq(s.position),
            steps::aasm_state.eq(s.state),
            steps::procedure.eq(s.procedure),
            steps::component_id.eq(s.component_id),
            steps::component_version.eq(s.component_id.map(|_| "1.2")),
            steps::created_at.eq(now()),
            steps::updated_at.eq(now()),
        ))
        .returning(steps::id)
        .get_result(&mut **conn)
        .unwrap()
}

fn plain_step(app: &TestApp, request_id: i64, position: i64, state: &str) -> i64 {
    step(
        app,
        StepFixture {
            request_id: Some(request_id),
            parent_id: None,
            position,
            state,
            procedure: false,
            component_id: None,
        },
    )
}

fn step_state(app: &TestApp, id: i64) -> String {
    let mut conn = app.pool.get().unwrap();
    steps::table
        .find(id)
        .select(steps::aasm_state)
        .first(&mut **conn)
        .unwrap()
}

fn set_state(app: &TestApp, request_id: i64, state: &str) {
    let mut conn = app.pool.get().unwrap();
    diesel::update(requests::table.find(request_id))
        .set(requests::aasm_state.eq(state))
        .execute(&mut **conn)
        .unwrap();
}

// ---- API helpers ----

async fn make_request(app: &TestApp, body: Value) -> i64 {
    let res = app
        .post_json("/v1/requests", json!({ "request": body }))
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["id"].as_i64().unwrap()
}

/// GET as old clients poll it: "Every call carries `Accept: application/json` and
/// `Content-Type: application/json`, also GET and DELETE with no body at all" (issue 6).
async fn show(app: &TestApp, id: i64) -> Value {
    let res = app
        .send(
            TestRequest::get()
                .uri(&app.path(&format!("/v1/requests/{id}")))
                .insert_header(("Accept", "application/json"))
                .insert_header(("Content-Type", "application/json")),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

async fn put(app: &TestApp, id: i64, body: Value) -> Resp {
    app.put_json(&format!("/v1/requests/{id}"), json!({ "request": body }))
        .await
}

/// DELETE as old clients send it: JSON headers, no body.
async fn delete(app: &TestApp, path: &str) -> Resp {
    app.send(
        TestRequest::delete()
            .uri(&app.path(path))
            .insert_header(("Accept", "application/json"))
            .insert_header(("Content-Type", "application/json")),
    )
    .await
}

/// The keys of a JSON object, sorted (serde_json's map does not keep the order; the XML
/// tests check it).
fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

fn sorted(names: &[&'static str]) -> Vec<&'static str> {
    let mut names = names.to_vec();
    names.sort_unstable();
    names
}

fn instant(value: &Value) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(value.as_str().unwrap()).unwrap()
}

const REQUEST_KEYS: &[&str] = &[
    "aasm_state",
    "cancelled_at",
    "completed_at",
    "created_at",
    "description",
    "environment_id",
    "estimate",
    "id",
    "name",
    "number",
    "owner_id",
    "requestor_id",
    "scheduled_at",
    "started_at",
    "target_completion_at",
    "updated_at",
    "owner",
    "requestor",
    "environment",
    "apps",
    "steps",
];

/// behaviour.md's request table: event, the states it leaves from, where it goes.
const EVENTS: &[(&str, &[&str], &str)] = &[
    ("plan_it", &["created", "cancelled"], "planned"),
    ("start", &["planned", "hold"], "started"),
    ("problem_encountered", &["started"], "problem"),
    ("resolve", &["problem"], "started"),
    ("put_on_hold", &["started", "problem"], "hold"),
    (
        "cancel",
        &["created", "planned", "started", "problem", "hold"],
        "cancelled",
    ),
    ("finish", &["started"], "complete"),
    ("reopen", &["complete"], "planned"),
    ("soft_delete", &["cancelled", "complete"], "deleted"),
];

const STATES: &[&str] = &[
    "created",
    "planned",
    "started",
    "problem",
    "hold",
    "cancelled",
    "complete",
    "deleted",
];

/// Counts the statements every connection a request may use runs from now on: the pool's
/// and, on SQLite, those the database threads keep.
async fn count_statements(app: &TestApp) -> Arc<Mutex<Vec<String>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = |seen: Arc<Mutex<Vec<String>>>| {
        move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::StartQuery { query, .. } = event {
                seen.lock().unwrap().push(query.to_string());
            }
        }
    };
    let conns: Vec<_> = (0..POOL_SIZE).map(|_| app.pool.get().unwrap()).collect();
    for mut conn in conns {
        conn.set_instrumentation(record(seen.clone()));
    }
    if app.db.backend_name() == "sqlite" {
        // As many jobs as threads, each waiting for all: every thread takes one.
        let threads = app.state.db_threads.count();
        let all_there = Arc::new(Barrier::new(threads));
        let jobs = (0..threads).map(|_| {
            let (all_there, record) = (all_there.clone(), record(seen.clone()));
            app.state.db(move |conn| {
                all_there.wait();
                conn.set_instrumentation(record);
                Ok(())
            })
        });
        for done in futures_util::future::join_all(jobs).await {
            done.expect("instrumented");
        }
    }
    seen
}

async fn statements_of(app: &TestApp, seen: &Arc<Mutex<Vec<String>>>, path: &str) -> Vec<String> {
    seen.lock().unwrap().clear();
    let res = app.get_json(path).await;
    assert_eq!(res.status, 200, "{}", res.text());
    std::mem::take(&mut *seen.lock().unwrap())
}

on_every_backend! {
    // Attributes: name, description, owner_id, requestor_id, environment_id, app_ids,
    // estimate, scheduled_at, target_completion_at; owner and requestor default to the API user.
    async fn a_request_takes_every_attribute(app: TestApp) {
        let admin = user_id(&app, "admin");
        let env = environment(&app, "production");
        let (a1, a2) = (an_app(&app, "Billing"), an_app(&app, "Shop"));
        let res = app.post_json("/v1/requests", json!({"request": {
            "name": "Release 1", "description": "The first", "environment_id": env,
            "app_ids": [a2, a1], "estimate": 90,
            "scheduled_at": "2012-09-04T15:34:44-04:00",
            "target_completion_at": "2012-09-05 10:00:00"
        }})).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let r = res.json();
        assert_eq!(keys(&r), sorted(REQUEST_KEYS));
        let id = r["id"].as_i64().unwrap();
        assert_eq!(r["aasm_state"], "created");
        assert_eq!(r["name"], "Release 1");
        assert_eq!(r["description"], "The first");
        assert_eq!(r["estimate"], 90);
        assert_eq!(r["environment_id"], env);
        assert_eq!(r["environment"], json!({"id": env, "name": "production"}));
        assert_eq!(r["apps"], json!([{"id": a1, "name": "Billing"}, {"id": a2, "name": "Shop"}]));
        assert_eq!((r["owner_id"].as_i64(), r["requestor_id"].as_i64()), (Some(admin), Some(admin)));
        assert_eq!(r["owner"], json!({"email": "admin@example.com", "id": admin, "login": "admin"}));
        assert_eq!(r["requestor"], r["owner"]);
        assert_eq!(instant(&r["scheduled_at"]), instant(&json!("2012-09-04T19:34:44Z")));
        assert_eq!(instant(&r["target_completion_at"]), instant(&json!("2012-09-05T10:00:00Z")));
        for unset in ["started_at", "completed_at", "cancelled_at"] {
            assert_eq!(r[unset], Value::Null, "{unset}");
        }
        assert_eq!(r["steps"], json!([]));
        // "Request number = id + 1000 (configurable base)"
        assert_eq!(r["number"], id + 1000);

        // Owner and requestor given; apps replaced; attributes cleared.
        app.user("bob", false);
        app.user("carol", false);
        let (bob, carol) = (user_id(&app, "bob"), user_id(&app, "carol"));
        let res = put(&app, id, json!({"owner_id": bob, "requestor_id": carol, "app_ids": [a2], "estimate": null, "environment_id": null, "description": null})).await;
        assert_eq!(res.status, 202, "{}", res.text());
        let r = res.json();
        assert_eq!(r["owner"]["login"], "bob");
        assert_eq!(r["requestor"]["login"], "carol");
        assert_eq!(r["apps"], json!([{"id": a2, "name": "Shop"}]));
        assert_eq!(r["estimate"], Value::Null);
        assert_eq!(r["description"], Value::Null);
        assert!(r.get("environment").is_none(), "a missing environment is left out: {r}");
        assert_eq!(r["name"], "Release 1", "what was not sent stays");

        let res = put(&app, id, json!({"app_ids": []})).await;
        assert_eq!(res.json()["apps"], json!([]));
    }

    // "A request needs no name."
    async fn a_request_needs_nothing(app: TestApp) {
        let res = app.post_json("/v1/requests", json!({})).await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert_eq!(res.json()["name"], Value::Null);
        // A rootless body is wrapped under the resource's name.
        let res = app.post_json("/v1/requests", json!({"name": "Rootless"})).await;
        assert_eq!(res.json()["name"], "Rootless");
    }

    // Validation: estimate integer >= 0, times, references that exist, name <= 255.
    async fn invalid_attributes_are_422_and_change_nothing(app: TestApp) {
        let res = app.post_json("/v1/requests", json!({"request": {"estimate": "soon", "scheduled_at": "tomorrow-ish", "target_completion_at": 5}})).await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"estimate": ["is not a number"], "scheduled_at": ["is not a valid time"], "target_completion_at": ["is not a valid time"]}));

        let res = app.post_json("/v1/requests", json!({"request": {"name": "x".repeat(256), "estimate": -1, "owner_id": 999, "requestor_id": 998, "environment_id": 997, "app_ids": [996]}})).await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({
            "name": ["is too long (maximum is 255 characters)"],
            "estimate": ["must be greater than or equal to 0"],
            "owner_id": ["does not exist"], "requestor_id": ["does not exist"],
            "environment_id": ["does not exist"], "app_ids": ["does not exist"]
        }));

        let res = app.post_json("/v1/requests", json!({"request": {"colour": "red", "aasm_status": "x"}})).await;
        assert_eq!(res.json(), json!({"aasm_status": ["is not a known attribute"], "colour": ["is not a known attribute"]}));
        assert_eq!(app.get_json("/v1/requests").await.status, 404, "nothing was made");

        let id = make_request(&app, json!({"name": "Kept", "estimate": 5})).await;
        let res = put(&app, id, json!({"name": "Changed", "estimate": -5})).await;
        assert_eq!(res.status, 422);
        let r = show(&app, id).await;
        assert_eq!((r["name"].as_str(), r["estimate"].as_i64()), (Some("Kept"), Some(5)));

        let res = put(&app, id, json!({"name": "y".repeat(255), "estimate": "0"})).await;
        assert_eq!(res.status, 202, "255 characters and 0 are fine");
    }

    // "Requests: ... an `app_id` filter" (issue 6); filters aasm_state, name, app_id,
    // environment_id, owner_id, requestor_id, each alone, combined, arrays as any-of.
    async fn filters_alone_combined_and_any_of(app: TestApp) {
        app.user("bob", false);
        let bob = user_id(&app, "bob");
        let admin = user_id(&app, "admin");
        let (e1, e2) = (environment(&app, "dev"), environment(&app, "prod"));
        let (a1, a2) = (an_app(&app, "A1"), an_app(&app, "A2"));
        let r1 = make_request(&app, json!({"name": "one", "environment_id": e1, "app_ids": [a1]})).await;
        let r2 = make_request(&app, json!({"name": "two", "environment_id": e2, "app_ids": [a1, a2], "owner_id": bob})).await;
        let r3 = make_request(&app, json!({"name": "three", "requestor_id": bob, "aasm_event": "plan_it"})).await;

        let cases: Vec<(String, Vec<i64>)> = vec![
            ("".into(), vec![r1, r2, r3]),
            ("filters[aasm_state]=planned".into(), vec![r3]),
            ("filters[aasm_state][]=planned&filters[aasm_state][]=created".into(), vec![r1, r2, r3]),
            ("filters[name]=two".into(), vec![r2]),
            ("filters[name][]=one&filters[name][]=three".into(), vec![r1, r3]),
            (format!("filters[app_id]={a1}"), vec![r1, r2]),
            (format!("filters[app_id]={a2}"), vec![r2]),
            (format!("filters[environment_id]={e1}"), vec![r1]),
            (format!("filters[environment_id][]={e1}&filters[environment_id][]={e2}"), vec![r1, r2]),
            (format!("filters[owner_id]={bob}"), vec![r2]),
            (format!("filters[owner_id]={admin}"), vec![r1, r3]),
            (format!("filters[requestor_id]={bob}"), vec![r3]),
            (format!("filters[app_id]={a1}&filters[owner_id]={admin}"), vec![r1]),
            (format!("filters[app_id]={a1}&filters[aasm_state]=created&filters[name]=two"), vec![r2]),
        ];
        for (query, expected) in cases {
            let res = app.get_json(&format!("/v1/requests?{query}")).await;
            assert_eq!(res.status, 200, "{query}: {}", res.text());
            assert_eq!(ids(&res), expected, "{query}");
        }
        // The same as a body on the GET.
        let res = app.send(TestRequest::get().uri(&app.path("/v1/requests")).insert_header(("Accept", "application/json"))
            .set_json(json!({"filters": {"aasm_state": ["created"], "app_id": a2}}))).await;
        assert_eq!(ids(&res), vec![r2]);
        // The filter picks requests; each one listed still shows all its apps.
        let res = app.get_json(&format!("/v1/requests?filters[app_id]={a2}")).await;
        assert_eq!(res.json()[0]["apps"], json!([{"id": a1, "name": "A1"}, {"id": a2, "name": "A2"}]));

        // "A list with nothing in it is a 404."
        let res = app.get_json(&format!("/v1/requests?filters[app_id]={a2}&filters[environment_id]={e1}")).await;
        assert_eq!(res.status, 404);
        let res = app.get_json("/v1/requests?filters[number]=1001").await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"number": ["is not a supported filter"]}));
        let res = app.get_json("/v1/requests?filters[owner_id]=bob").await;
        assert_eq!(res.json(), json!({"owner_id": ["is not a number"]}));
    }

    // Soft-deleted requests are left out of lists unless aasm_state asks for them.
    async fn deleted_requests_are_listed_only_when_asked(app: TestApp) {
        let kept = make_request(&app, json!({"name": "kept"})).await;
        let gone = make_request(&app, json!({"name": "gone", "aasm_event": "cancel"})).await;
        let res = delete(&app, &format!("/v1/requests/{gone}")).await;
        assert_eq!(res.status, 202);
        assert_eq!(ids(&app.get_json("/v1/requests").await), vec![kept]);
        assert_eq!(app.get_json("/v1/requests?filters[name]=gone").await.status, 404);
        assert_eq!(ids(&app.get_json("/v1/requests?filters[aasm_state]=deleted").await), vec![gone]);
        assert_eq!(ids(&app.get_json("/v1/requests?filters[aasm_state][]=deleted&filters[aasm_state][]=created").await), vec![kept, gone]);
        assert_eq!(show(&app, gone).await["aasm_state"], "deleted", "still shown by id");
    }

    // "| event | from -> to |" (Request state machine): every event from every state,
    // through the API. "Event not allowed from the current state: 422 ... The state does not
    // change".
    async fn every_event_from_every_state(app: TestApp) {
        let id = make_request(&app, json!({"name": "machine"})).await;
        // A manual step keeps a started request started: with nothing left to do, starting
        // would finish it at once.
        plain_step(&app, id, 1, "locked");
        for (event, from, to) in EVENTS {
            for state in STATES {
                set_state(&app, id, state);
                let res = put(&app, id, json!({"aasm_event": event})).await;
                if from.contains(state) {
                    assert_eq!(res.status, 202, "{event} from {state}: {}", res.text());
                    assert_eq!(res.json()["aasm_state"], *to, "{event} from {state}");
                } else {
                    assert_eq!(res.status, 422, "{event} from {state}");
                    assert_eq!(res.json(), json!({"aasm_event": [format!("was not a valid transition for current state: {state}.")]}));
                    assert_eq!(show(&app, id).await["aasm_state"], *state);
                }
            }
        }
    }

    // "Unknown event: 422 {"aasm_event": ["was not included in supported events: ..."]}" and
    // nothing changes, also not the other attributes of that PUT.
    async fn an_unknown_or_refused_event_changes_nothing(app: TestApp) {
        let id = make_request(&app, json!({"name": "before"})).await;
        let res = put(&app, id, json!({"name": "after", "aasm_event": "launch"})).await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"aasm_event": ["was not included in supported events: plan_it, start, problem_encountered, resolve, put_on_hold, cancel, finish, reopen, soft_delete"]}));
        let res = put(&app, id, json!({"name": "after", "aasm_event": "finish"})).await;
        assert_eq!(res.json(), json!({"aasm_event": ["was not a valid transition for current state: created."]}));
        let r = show(&app, id).await;
        assert_eq!((r["name"].as_str(), r["aasm_state"].as_str()), (Some("before"), Some("created")));

        // An event with other attributes: both applied.
        let res = put(&app, id, json!({"name": "planned now", "aasm_event": "plan_it"})).await;
        assert_eq!(res.status, 202);
        assert_eq!((res.json()["name"].as_str(), res.json()["aasm_state"].as_str()), (Some("planned now"), Some("planned")));
        // A valid event with an invalid attribute: neither.
        let res = put(&app, id, json!({"estimate": -1, "aasm_event": "start"})).await;
        assert_eq!(res.status, 422);
        assert_eq!(show(&app, id).await["aasm_state"], "planned");
    }

    // "An `aasm_state` in a PUT body is applied only as the one event that reaches it from
    // the current state, else 422"; the current state sent back is ignored.
    async fn aasm_state_in_a_body(app: TestApp) {
        let id = make_request(&app, json!({"name": "r"})).await;
        plain_step(&app, id, 1, "locked");
        let res = put(&app, id, json!({"aasm_state": "planned"})).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(res.json()["aasm_state"], "planned");
        let res = put(&app, id, json!({"aasm_state": "planned", "name": "same state"})).await;
        assert_eq!(res.status, 202, "the current state is ignored");
        assert_eq!(res.json()["name"], "same state");
        let res = put(&app, id, json!({"aasm_state": "complete"})).await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"aasm_state": ["cannot become complete from planned by a single event; send aasm_event instead"]}));
        let res = put(&app, id, json!({"aasm_state": "sideways"})).await;
        assert_eq!(res.status, 422);
        assert_eq!(show(&app, id).await["aasm_state"], "planned");
        // The state reached, through its event's side effects.
        let res = put(&app, id, json!({"aasm_state": "started"})).await;
        assert_eq!(res.json()["aasm_state"], "started");
        assert!(res.json()["started_at"].is_string());
        // Beside an event: the current state or the event's target go with it.
        let res = put(&app, id, json!({"aasm_state": "started", "aasm_event": "finish"})).await;
        assert_eq!(res.json()["aasm_state"], "complete");
        let res = put(&app, id, json!({"aasm_state": "hold", "aasm_event": "reopen"})).await;
        assert_eq!(res.status, 422);
        assert_eq!(show(&app, id).await["aasm_state"], "complete");
    }

    // "Updates are read-modify-write: the client GETs a record, changes a field and PUTs
    // the whole record back" (issue 6).
    async fn read_modify_write(app: TestApp) {
        let env = environment(&app, "qa");
        let a = an_app(&app, "Shop");
        let c = component(&app, "web");
        let id = make_request(&app, json!({"name": "rmw", "environment_id": env, "app_ids": [a], "estimate": 10})).await;
        plain_step(&app, id, 1, "locked");
        step(&app, StepFixture { request_id: Some(id), parent_id: None, position: 2, state: "locked", procedure: false, component_id: Some(c) });
        let mut r = show(&app, id).await;
        r["name"] = json!("rmw 2");
        r["id"] = json!(id.to_string());
        let res = put(&app, id, r.clone()).await;
        assert_eq!(res.status, 202, "{}", res.text());
        let after = res.json();
        assert_eq!(after["name"], "rmw 2");
        assert_eq!(after["apps"], json!([{"id": a, "name": "Shop"}]));
        assert_eq!(after["steps"].as_array().unwrap().len(), 2);
        // With an event, the state sent back beside it is the current one.
        r["aasm_event"] = json!("plan_it");
        let res = put(&app, id, r.clone()).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(res.json()["aasm_state"], "planned");
        // A nested object sent back does not change the reference; the *_id field does.
        let other = environment(&app, "other");
        let mut r = show(&app, id).await;
        r["environment"] = json!({"id": other, "name": "other"});
        let res = put(&app, id, r.clone()).await;
        assert_eq!(res.json()["environment_id"], env);
        r["environment_id"] = json!(other);
        let res = put(&app, id, r).await;
        assert_eq!(res.json()["environment"]["name"], "other");
    }

    // Side effects in the same write: started_at (first time), completed_at, cancelled_at,
    // "put_on_hold ... (ready and problem steps are locked)", "resolve ... (problem steps are
    // force-resolved ...)", reopen clears completed_at.
    async fn events_stamp_times_and_move_steps(app: TestApp) {
        let id = make_request(&app, json!({"name": "effects", "aasm_event": "plan_it"})).await;
        let ready = plain_step(&app, id, 1, "ready");
        let problem = plain_step(&app, id, 2, "problem");
        let in_process = plain_step(&app, id, 3, "in_process");
        let complete = plain_step(&app, id, 4, "complete");
        let procedure = step(&app, StepFixture { request_id: Some(id), parent_id: None, position: 5, state: "in_process", procedure: true, component_id: None });
        let child_ready = step(&app, StepFixture { request_id: None, parent_id: Some(procedure), position: 1, state: "ready", procedure: false, component_id: None });
        let other_request = make_request(&app, json!({"name": "bystander"})).await;
        let bystander = plain_step(&app, other_request, 1, "ready");

        let r = put(&app, id, json!({"aasm_event": "start"})).await.json();
        assert_eq!(r["aasm_state"], "started");
        let started_at = r["started_at"].clone();
        assert!(started_at.is_string());
        {
            let mut conn = app.pool.get().unwrap();
            let earlier = now() - chrono::TimeDelta::hours(1);
            diesel::update(requests::table.find(id)).set(requests::started_at.eq(earlier)).execute(&mut **conn).unwrap();
        }
        let started_at = show(&app, id).await["started_at"].clone();

        let r = put(&app, id, json!({"aasm_event": "put_on_hold"})).await.json();
        assert_eq!(r["aasm_state"], "hold");
        assert_eq!(step_state(&app, ready), "locked");
        assert_eq!(step_state(&app, problem), "locked");
        assert_eq!(step_state(&app, child_ready), "locked", "a procedure's children too");
        assert_eq!(step_state(&app, in_process), "in_process");
        assert_eq!(step_state(&app, complete), "complete");
        assert_eq!(step_state(&app, bystander), "ready", "another request's steps are left alone");
        let states: Vec<&str> = r["steps"].as_array().unwrap().iter().map(|s| s["aasm_state"].as_str().unwrap()).collect();
        assert_eq!(states, ["locked", "locked", "in_process", "complete", "in_process", "locked"]);

        let r = put(&app, id, json!({"aasm_event": "start"})).await.json();
        assert_eq!(r["started_at"], started_at, "started_at is set the first time only");

        let p1 = plain_step(&app, id, 6, "problem");
        let child_problem = step(&app, StepFixture { request_id: None, parent_id: Some(procedure), position: 2, state: "problem", procedure: false, component_id: None });
        put(&app, id, json!({"aasm_event": "problem_encountered"})).await;
        let r = put(&app, id, json!({"aasm_event": "resolve"})).await.json();
        assert_eq!(r["aasm_state"], "started");
        assert_eq!(step_state(&app, p1), "in_process");
        assert_eq!(step_state(&app, child_problem), "in_process");

        let r = put(&app, id, json!({"aasm_event": "finish"})).await.json();
        assert_eq!(r["aasm_state"], "complete");
        assert!(r["completed_at"].is_string());
        let r = put(&app, id, json!({"aasm_event": "reopen"})).await.json();
        assert_eq!(r["aasm_state"], "planned");
        assert_eq!(r["completed_at"], Value::Null);
        assert_eq!(r["cancelled_at"], Value::Null);
        let r = put(&app, id, json!({"aasm_event": "cancel"})).await.json();
        assert_eq!(r["aasm_state"], "cancelled");
        assert!(r["cancelled_at"].is_string());
    }

    // "a step's `number` is a string: its position, or `parent.position` for a step inside a
    // procedure"; each step carries `component_name` (issue 6).
    async fn steps_in_position_order_with_numbers_and_component_names(app: TestApp) {
        let c = component(&app, "database");
        let id = make_request(&app, json!({"name": "steps"})).await;
        let s3 = plain_step(&app, id, 3, "locked");
        let proc2 = step(&app, StepFixture { request_id: Some(id), parent_id: None, position: 2, state: "locked", procedure: true, component_id: None });
        let child2 = step(&app, StepFixture { request_id: Some(id), parent_id: Some(proc2), position: 2, state: "locked", procedure: false, component_id: Some(c) });
        let child1 = step(&app, StepFixture { request_id: None, parent_id: Some(proc2), position: 1, state: "ready", procedure: false, component_id: None });
        let s1 = step(&app, StepFixture { request_id: Some(id), parent_id: None, position: 1, state: "locked", procedure: false, component_id: Some(c) });
        let r = show(&app, id).await;
        let steps = r["steps"].as_array().unwrap();
        let seen: Vec<(i64, &str)> = steps.iter().map(|s| (s["id"].as_i64().unwrap(), s["number"].as_str().unwrap())).collect();
        assert_eq!(seen, vec![(s1, "1"), (proc2, "2"), (child1, "2.1"), (child2, "2.2"), (s3, "3")]);
        assert_eq!(keys(&steps[0]), ["aasm_state", "component_name", "component_version", "id", "manual", "name", "number", "position", "work_finished_at", "work_started_at"]);
        assert_eq!(steps[0]["component_name"], "database");
        assert_eq!(steps[0]["component_version"], "1.2");
        assert_eq!(steps[0]["manual"], true);
        assert_eq!(steps[0]["position"], 1);
        assert_eq!(steps[0]["name"], "step 1");
        assert_eq!(steps[1]["component_name"], Value::Null);
        assert_eq!(steps[2]["aasm_state"], "ready");
        // The list shows the same.
        let list = app.get_json("/v1/requests").await.json();
        assert_eq!(list[0]["steps"], r["steps"]);
    }

    // XML: `<request>`, `<requests type="array">`, `<steps type="array">`, number typed integer.
    async fn xml_names_and_types(app: TestApp) {
        let a = an_app(&app, "Shop");
        let id = make_request(&app, json!({"name": "xml", "app_ids": [a]})).await;
        plain_step(&app, id, 1, "locked");
        let xml = app.send(TestRequest::get().uri(&app.path(&format!("/v1/requests/{id}.xml")))).await.text();
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<request>"), "{xml}");
        for expected in [
            format!("<number type=\"integer\">{}</number>", id + 1000),
            format!("<id type=\"integer\">{id}</id>"),
            "<aasm-state>created</aasm-state>".to_string(),
            "<started-at type=\"datetime\" nil=\"true\"></started-at>".to_string(),
            "<owner>".to_string(),
            "<apps type=\"array\">".to_string(),
            "<app>".to_string(),
            "<steps type=\"array\">".to_string(),
            "<step>".to_string(),
            "<number>1</number>".to_string(),
            "<component-name nil=\"true\"></component-name>".to_string(),
        ] {
            assert!(xml.contains(&expected), "{expected} in {xml}");
        }
        assert!(!xml.contains("<environment>"), "a missing environment is left out");
        // Scalar attributes alphabetically, then owner, requestor, environment, apps, steps.
        app.user("bob", false);
        let env = environment(&app, "prod");
        put(&app, id, json!({"requestor_id": user_id(&app, "bob"), "environment_id": env})).await;
        let xml = app.send(TestRequest::get().uri(&app.path(&format!("/v1/requests/{id}.xml")))).await.text();
        let at = |element: &str| {
            [">", " "]
                .iter()
                .filter_map(|end| xml.find(&format!("\n  <{element}{end}")))
                .min()
                .unwrap_or_else(|| panic!("{element} in {xml}"))
        };
        let order: Vec<&str> = REQUEST_KEYS.to_vec();
        for pair in order.windows(2) {
            let (a, b) = (pair[0].replace('_', "-"), pair[1].replace('_', "-"));
            assert!(at(&a) < at(&b), "{a} before {b} in {xml}");
        }
        let xml = app.send(TestRequest::get().uri(&app.path("/v1/requests.xml"))).await.text();
        assert!(xml.contains("<requests type=\"array\">\n  <request>"), "{xml}");

        // An XML body, as Hash.from_xml reads it.
        let res = app.send_xml(TestRequest::post().uri(&app.path("/v1/requests")), &format!(
            "<request><name>From XML</name><estimate type=\"integer\">15</estimate><app-ids type=\"array\"><app-id type=\"integer\">{a}</app-id></app-ids><scheduled-at type=\"datetime\">2012-09-04T15:34:44-04:00</scheduled-at></request>"
        )).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let xml = res.text();
        assert!(xml.contains("<name>From XML</name>") && xml.contains("<estimate type=\"integer\">15</estimate>"), "{xml}");
        assert!(xml.contains("<scheduled-at type=\"datetime\">2012-09-04T19:34:44Z</scheduled-at>"), "{xml}");

        let res = app.send_xml(TestRequest::post().uri(&app.path("/v1/requests")), "<request><estimate>-3</estimate></request>").await;
        assert_eq!(res.status, 422);
        assert!(res.text().contains("<error>Estimate must be greater than or equal to 0</error>"), "{}", res.text());
    }

    // "DELETE on a cancelled or complete request soft-deletes it; otherwise it destroys it."
    async fn delete_soft_deletes_or_destroys(app: TestApp) {
        for (event, state) in [("cancel", "cancelled"), ("finish", "complete")] {
            let id = make_request(&app, json!({"name": state})).await;
            if event == "finish" {
                set_state(&app, id, "started");
            }
            put(&app, id, json!({"aasm_event": event})).await;
            let s = plain_step(&app, id, 1, "complete");
            let res = delete(&app, &format!("/v1/requests/{id}")).await;
            assert_eq!(res.status, 202);
            assert_eq!(res.json()["aasm_state"], "deleted", "{state}");
            assert_eq!(show(&app, id).await["steps"][0]["id"], s, "its steps stay");
        }
        for state in ["created", "planned", "started", "problem", "hold", "deleted"] {
            let id = make_request(&app, json!({"name": state})).await;
            let procedure = step(&app, StepFixture { request_id: Some(id), parent_id: None, position: 1, state: "locked", procedure: true, component_id: None });
            let child = step(&app, StepFixture { request_id: None, parent_id: Some(procedure), position: 1, state: "locked", procedure: false, component_id: None });
            set_state(&app, id, state);
            let res = delete(&app, &format!("/v1/requests/{id}")).await;
            assert_eq!(res.status, 202, "{state}");
            assert!(res.body.is_empty(), "{state}: {}", res.text());
            assert_eq!(app.get_json(&format!("/v1/requests/{id}")).await.status, 404);
            let mut conn = app.pool.get().unwrap();
            let left: i64 = steps::table.filter(steps::id.eq_any([procedure, child])).count().get_result(&mut **conn).unwrap();
            assert_eq!(left, 0, "{state}: its steps are destroyed with it");
        }
    }

    // "404: unknown id, and a list with no records"
    async fn unknown_requests_are_404(app: TestApp) {
        assert_eq!(app.get_json("/v1/requests").await.status, 404);
        for path in ["/v1/requests/999", "/v1/requests/abc"] {
            assert_eq!(app.get_json(path).await.status, 404, "{path}");
            assert_eq!(app.put_json(path, json!({"request": {"name": "x"}})).await.status, 404, "{path}");
            assert_eq!(delete(&app, path).await.status, 404, "{path}");
        }
        let res = app.send(TestRequest::post().uri(&app.path("/v1/requests/1"))).await;
        assert_eq!(res.status, 405);
    }

    // "A client polls a request (GET /v1/requests/:id) every few seconds ... This must stay
    // cheap (one or two queries)" (issue 6): the statements of a GET do not grow with steps.
    async fn showing_a_request_is_a_fixed_number_of_queries(app: TestApp) {
        let c = component(&app, "web");
        let small = make_request(&app, json!({"name": "small", "app_ids": [an_app(&app, "A")]})).await;
        // Three apps: the first query gives one row per app.
        let large_apps = [an_app(&app, "B"), an_app(&app, "C"), an_app(&app, "D")];
        let large = make_request(&app, json!({"name": "large", "app_ids": large_apps, "environment_id": environment(&app, "prod")})).await;
        for position in 1..=3 {
            plain_step(&app, small, position, "locked");
        }
        let mut procedure = None;
        for position in 1..=60 {
            let id = step(&app, StepFixture { request_id: Some(large), parent_id: None, position, state: "locked", procedure: position % 10 == 0, component_id: Some(c) });
            if position % 10 == 0 {
                procedure = Some(id);
            } else if let Some(parent) = procedure.filter(|_| position % 10 == 5) {
                step(&app, StepFixture { request_id: None, parent_id: Some(parent), position: 1, state: "locked", procedure: false, component_id: None });
            }
        }
        let seen = count_statements(&app).await;
        let few = statements_of(&app, &seen, &format!("/v1/requests/{small}")).await;
        let many = statements_of(&app, &seen, &format!("/v1/requests/{large}")).await;
        assert!(!few.is_empty(), "statements are counted");
        assert_eq!(few.len(), many.len(), "3 steps: {few:#?}\n60 steps: {many:#?}");
        // Besides the connection checks (SELECT 1) and the token's user: the request with
        // its references and apps, then its steps.
        let own = |all: &[String]| all.iter().filter(|q| q.as_str() != "SELECT 1" && !q.contains("api_key_prefix")).count();
        assert_eq!(own(&few), 2, "{few:#?}");
        assert_eq!(own(&many), 2, "{many:#?}");
        assert!(many.len() <= 6, "{many:#?}");
        let shown = show(&app, large).await;
        assert_eq!(shown["steps"].as_array().unwrap().len(), 65);
        let app_ids: Vec<i64> = shown["apps"].as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()).collect();
        assert_eq!(app_ids, large_apps, "each app once, in id order");

        // A list: one query per kind of nested record, whatever the number of requests.
        let two = statements_of(&app, &seen, "/v1/requests").await;
        for n in 0..20 {
            let id = make_request(&app, json!({"name": format!("more {n}"), "app_ids": [an_app(&app, &format!("app {n}"))]})).await;
            plain_step(&app, id, 1, "locked");
        }
        let twenty_two = statements_of(&app, &seen, "/v1/requests").await;
        // The token's lookup comes and goes with the token cache's second: not counted.
        assert_eq!(own(&two), 2, "{two:#?}");
        assert_eq!(own(&twenty_two), own(&two), "{twenty_two:#?}");
    }
}

/// "Request number = id + 1000 (configurable base)"; "keep 1000 the default base" (issue 6).
async fn number_with_base(db: TestDb) {
    let settings = Settings {
        request_number_base: 5000,
        ..Settings::default()
    };
    assert_eq!(Settings::default().request_number_base, 1000);
    let app = TestApp::with_settings(db, settings);
    let id = make_request(&app, json!({"name": "based"})).await;
    assert_eq!(show(&app, id).await["number"], id + 5000);
    let xml = app
        .send(TestRequest::get().uri(&app.path("/v1/requests.xml")))
        .await
        .text();
    assert!(
        xml.contains(&format!("<number type=\"integer\">{}</number>", id + 5000)),
        "{xml}"
    );
}

#[actix_web::test]
async fn number_with_another_base_sqlite() {
    number_with_base(TestDb::sqlite()).await;
}

#[actix_web::test]
async fn number_with_another_base_postgres() {
    match TestDb::postgres() {
        Some(db) => number_with_base(db).await,
        None => eprintln!("RUNSHEET_TEST_POSTGRES_URL is not set: PostgreSQL case skipped"),
    }
}
