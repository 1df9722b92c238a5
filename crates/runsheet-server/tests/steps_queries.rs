//! "showing a step and listing a request's steps are a fixed small number of queries,
//! whatever the number of steps (no query per row)" (issue 3, "Tests and docs").

mod common;
mod steps_world;

use common::TestApp;
use runsheet_core::step::StepFilter;
use runsheet_store::steps;
use runsheet_store::testing::fixtures::count_statements;
use serde_json::json;
use steps_world::*;

/// Statements run to list the request's steps and to show its last one, after `n` fully
/// dressed steps (every nested record, property values, servers) and a procedure step with
/// a child.
async fn statements_for(app: &TestApp, w: &World, n: usize) -> (usize, usize, usize) {
    let container = create_id(app, json!({"request_id": w.request, "name": "container", "procedure": true, "procedure_id": w.procedure})).await;
    let mut last = 0;
    for i in 0..n {
        last = create_id(app, json!({
            "request_id": w.request, "name": format!("step {i}"), "owner_id": if i % 2 == 0 { w.user } else { w.group },
            "owner_type": if i % 2 == 0 { "User" } else { "Group" }, "parent_id": if i % 3 == 0 { json!(container) } else { json!(null) },
            "manual": false, "script_id": w.script, "script_type": "General",
            "installed_component_id": w.installed_component, "component_id": w.component,
            "phase_id": w.phase, "runtime_phase_id": w.runtime_phase, "work_task_id": w.work_task, "category_id": w.category,
            "property_values": {"prop 2": format!("v{i}"), "new": "n"},
            "target_server_ids": [w.server_a, w.server_b], "alternate_server_ids": [w.server_c]
        })).await;
    }
    let mut conn = app.pool.get().expect("a connection");
    let filter = StepFilter {
        request_id: Some(vec![w.request]),
        ..StepFilter::default()
    };
    let (listed, list_count) = count_statements(&mut conn, |c| steps::list(c, &filter));
    assert_eq!(listed.expect("listed").len(), n + 1);
    let (shown, show_count) = count_statements(&mut conn, |c| steps::find(c, last));
    let shown = shown.expect("shown");
    assert_eq!(shown.target_servers.len(), 2);
    assert!(shown.owner.is_some() && shown.installed_component.is_some());
    let (all, all_count) = count_statements(&mut conn, |c| steps::list(c, &StepFilter::default()));
    assert!(all.expect("listed").len() > n);
    (list_count, show_count, all_count)
}

on_every_backend! {
    async fn a_fixed_number_of_statements_for_3_and_for_60_steps(app: TestApp) {
        let w = World::new(&app);
        let small = statements_for(&app, &w, 3).await;
        // A second request's worth of steps, 60 of them, in the same database.
        let w60 = World { request: request(&app, "big request", "created"), ..w };
        let big = statements_for(&app, &w60, 60).await;
        assert_eq!(small.0, big.0, "listing a request's steps: {small:?} vs {big:?}");
        assert_eq!(small.1, big.1, "showing a step: {small:?} vs {big:?}");
        assert_eq!(small.2, big.2, "listing every step: {small:?} vs {big:?}");
        assert!(big.0 <= 20 && big.1 <= 20, "a small number: {big:?}");
        // Through the API too: 63 steps in one answer.
        let res = app.get_json(&format!("/v1/steps?filters[request_id]={}", w60.request)).await;
        assert_eq!(res.json().as_array().map(Vec::len), Some(61));
    }
}
