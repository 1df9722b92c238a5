//! State machine events of a step: `aasm_event` (and `aasm_state`) in a PUT body.
//! Quotes are from ../shared/spec/rest-steps.txt, "State Machine Events", unless said otherwise.

mod common;
mod steps_world;

use common::TestApp;
use serde_json::{json, Value};
use steps_world::*;

/// A step of the world's request, in `state`, with the request in `request_state`.
async fn step_in(app: &TestApp, w: &World, state: &str, request_state: &str) -> i64 {
    let id = create_id(app, w.step(state)).await;
    set_step_state(app, id, state);
    set_request_state(app, w.request, request_state);
    id
}

async fn fire(app: &TestApp, id: i64, event: &str) -> common::Resp {
    put_step(app, id, json!({ "aasm_event": event })).await
}

async fn fire_xml(app: &TestApp, id: i64, event: &str) -> common::Resp {
    put_xml(
        app,
        &format!("/v1/steps/{id}"),
        &format!("<step><aasm_event>{event}</aasm_event></step>"),
    )
    .await
}

fn state(res: &common::Resp) -> Value {
    assert_eq!(res.status, 202, "{}", res.text());
    res.json()["aasm_state"].clone()
}

on_every_backend! {
    // "start — starts the step that is in the Ready state"; start needs the request started
    // and sets work_started_at.
    async fn start(app: TestApp) {
        let w = World::new(&app);
        let id = step_in(&app, &w, "ready", "planned").await;
        let res = fire(&app, id, "start").await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"aasm_event": ["was not a valid transition for current state: ready."]}));
        set_request_state(&app, w.request, "started");
        let res = fire(&app, id, "start").await;
        assert_eq!(state(&res), "in_process");
        assert!(res.json()["work_started_at"].is_string());
        let id = step_in(&app, &w, "ready", "started").await;
        let res = fire_xml(&app, id, "start").await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert!(res.text().contains("<aasm-state>in_process</aasm-state>"));
    }

    // "block — moves a step from the Ready or In Process state to the Blocked state"
    async fn block(app: TestApp) {
        let w = World::new(&app);
        for from in ["ready", "in_process"] {
            let id = step_in(&app, &w, from, "started").await;
            assert_eq!(state(&fire(&app, id, "block").await), "blocked", "{from}");
        }
        let id = step_in(&app, &w, "complete", "started").await;
        let res = fire_xml(&app, id, "block").await;
        assert_eq!(res.status, 422);
        assert!(res.text().contains("<error>Aasm event was not a valid transition for current state: complete.</error>"), "{}", res.text());
    }

    // "done — moves a step from In Process state to the Completed state"; sets work_finished_at.
    async fn done(app: TestApp) {
        let w = World::new(&app);
        let id = step_in(&app, &w, "in_process", "started").await;
        let res = fire(&app, id, "done").await;
        assert_eq!(state(&res), "complete");
        assert!(res.json()["work_finished_at"].is_string());
        let id = step_in(&app, &w, "in_process", "hold").await;
        assert_eq!(fire(&app, id, "done").await.status, 422, "the request must be started");
        let id = step_in(&app, &w, "in_process", "started").await;
        assert!(fire_xml(&app, id, "done").await.text().contains("<aasm-state>complete</aasm-state>"));
    }

    // "reset — resets the step from the Completed state to the Locked state. Before using the
    // reset event, ensure that the request that the step is assigned to is in the planned state"
    async fn reset(app: TestApp) {
        let w = World::new(&app);
        let id = step_in(&app, &w, "complete", "started").await;
        let res = fire(&app, id, "reset").await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"aasm_event": ["was not a valid transition for current state: complete."]}));
        set_request_state(&app, w.request, "planned");
        assert_eq!(state(&fire(&app, id, "reset").await), "locked");
        set_step_state(&app, id, "complete");
        assert!(fire_xml(&app, id, "reset").await.text().contains("<aasm-state>locked</aasm-state>"));
    }

    // "problem — moves the step and the request that the step is assigned to the Problem state"
    async fn problem(app: TestApp) {
        let w = World::new(&app);
        let id = step_in(&app, &w, "in_process", "started").await;
        let res = fire(&app, id, "problem").await;
        assert_eq!(state(&res), "problem");
        assert_eq!(res.json()["request"]["aasm_state"], "problem");
        let id = step_in(&app, &w, "in_process", "started").await;
        let res = fire_xml(&app, id, "problem").await;
        assert!(res.text().contains("<aasm-state>problem</aasm-state>"), "{}", res.text());
        assert_eq!(request_state(&app, id).await, "problem");
    }

    // "resolve — resolves the step with the Problem state and restarts the step. Statuses of
    // the step and the request that the step is assigned to changes to In Process"; the
    // request resolves when no other step of it is in problem.
    async fn resolve(app: TestApp) {
        let w = World::new(&app);
        let first = step_in(&app, &w, "problem", "problem").await;
        let second = step_in(&app, &w, "problem", "problem").await;
        let res = fire(&app, first, "resolve").await;
        assert_eq!(state(&res), "in_process");
        assert_eq!(res.json()["request"]["aasm_state"], "problem", "another step is still in problem");
        let res = fire_xml(&app, second, "resolve").await;
        assert!(res.text().contains("<aasm-state>in_process</aasm-state>"));
        assert_eq!(request_state(&app, second).await, "started");
    }

    // "force_resolve — ... Only the status of the step changes to In Process"
    async fn force_resolve(app: TestApp) {
        let w = World::new(&app);
        let id = step_in(&app, &w, "problem", "problem").await;
        let res = fire(&app, id, "force_resolve").await;
        assert_eq!(state(&res), "in_process");
        assert_eq!(res.json()["request"]["aasm_state"], "problem");
        let id = step_in(&app, &w, "problem", "problem").await;
        assert!(fire_xml(&app, id, "force_resolve").await.text().contains("<aasm-state>in_process</aasm-state>"));
        assert_eq!(request_state(&app, id).await, "problem");
    }

    // "unblock_ready — moves a step from the Blocked to the Ready state";
    // "unblock_in_process — moves a step from the Blocked to the In Process state"
    async fn unblock(app: TestApp) {
        let w = World::new(&app);
        let id = step_in(&app, &w, "blocked", "started").await;
        assert_eq!(state(&fire(&app, id, "unblock_ready").await), "ready");
        let id = step_in(&app, &w, "blocked", "started").await;
        assert!(fire_xml(&app, id, "unblock_in_process").await.text().contains("<aasm-state>in_process</aasm-state>"));
        let res = fire(&app, id, "unblock_ready").await;
        assert_eq!(res.json(), json!({"aasm_event": ["was not a valid transition for current state: in_process."]}));
    }

    // behaviour.md's other events: ready_for_work (sets ready_at), lock, oops, finish_resolution.
    async fn the_other_events_of_the_table(app: TestApp) {
        let w = World::new(&app);
        let id = step_in(&app, &w, "locked", "started").await;
        let res = fire(&app, id, "ready_for_work").await;
        assert_eq!(state(&res), "ready");
        assert!(res.json()["ready_at"].is_string());
        assert_eq!(state(&fire(&app, id, "lock").await), "locked");
        set_step_state(&app, id, "complete");
        assert_eq!(state(&fire(&app, id, "oops").await), "in_process");
        set_step_state(&app, id, "being_resolved");
        assert_eq!(state(&fire(&app, id, "finish_resolution").await), "in_process");
    }

    // "The state of the step cannot be changed randomly. If an incorrect state is provided the
    // step status does not change." Unknown event: behaviour.md's message; nothing of the PUT
    // is kept.
    async fn unknown_events_and_wrong_states_change_nothing(app: TestApp) {
        let w = World::new(&app);
        let id = step_in(&app, &w, "ready", "started").await;
        let res = put_step(&app, id, json!({"aasm_event": "explode", "name": "renamed"})).await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"aasm_event": ["was not included in supported events: start, block, done, reset, problem, resolve, force_resolve, unblock_ready, unblock_in_process, ready_for_work, lock, oops, finish_resolution"]}));
        let res = put_xml(&app, &format!("/v1/steps/{id}"), "<step><aasm_event>explode</aasm_event></step>").await;
        assert!(res.text().contains("<error>Aasm event was not included in supported events: start, block,"), "{}", res.text());
        let res = put_step(&app, id, json!({"aasm_event": "done", "name": "renamed"})).await;
        assert_eq!(state(&res), "complete", "done is allowed from ready");
        let res = put_step(&app, id, json!({"aasm_event": "problem", "name": "renamed again"})).await;
        assert_eq!(res.status, 422);
        let step = app.get_json(&format!("/v1/steps/{id}")).await.json();
        assert_eq!((step["aasm_state"].clone(), step["name"].clone()), (json!("complete"), json!("renamed")));
        // "the request finishes when all steps are done": it was the request's only step.
        assert_eq!(request_state(&app, id).await, "complete");
    }

    // An `aasm_state` in a PUT body is applied as the one event that reaches it; the current
    // state is ignored; anything else is a 422.
    async fn aasm_state_is_reached_by_its_event(app: TestApp) {
        let w = World::new(&app);
        let id = step_in(&app, &w, "ready", "started").await;
        let res = put_step(&app, id, json!({"aasm_state": "ready", "name": "same"})).await;
        assert_eq!(state(&res), "ready");
        assert_eq!(state(&put_step(&app, id, json!({"aasm_state": "blocked"})).await), "blocked");
        let res = put_step(&app, id, json!({"aasm_state": "complete"})).await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"aasm_state": ["cannot become complete from blocked by a single event; send aasm_event instead"]}));
        let res = put_xml(&app, &format!("/v1/steps/{id}"), "<step><aasm-state>ready</aasm-state></step>").await;
        assert!(res.text().contains("<aasm-state>ready</aasm-state>"), "{}", res.text());
    }
}
