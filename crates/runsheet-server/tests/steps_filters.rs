//! GET /v1/steps filters: each alone and combined, arrays as "any of", in the query string
//! and in a JSON or XML body. Quotes are from ../shared/spec/rest-steps.txt.

mod common;
mod steps_world;

use actix_web::test::TestRequest;
use common::TestApp;
use serde_json::json;
use steps_world::*;

/// The ids `filters` (a query string) select, or none on a 404.
async fn filtered(app: &TestApp, query: &str) -> Vec<i64> {
    let res = app.get_json(&format!("/v1/steps?{query}")).await;
    if res.status == 404 {
        return Vec::new();
    }
    ids(&res)
}

on_every_backend! {
    // Every filter of the page, alone: "aasm_state", "name", "request_id", "owner_id",
    // "installed_component_id", "component_version", "version_tag_id", "custom_ticket_id",
    // "package_template_id", "script_id", "runtime_phase_id", "phase_id", "procedure_id",
    // "parent_id", "category_id", "work_task_id".
    async fn each_filter_alone(app: TestApp) {
        let w = World::new(&app);
        let plain = create_id(&app, w.step("plain")).await;
        let rich = create_id(&app, json!({
            "request_id": w.other_request, "name": "rich", "owner_id": w.group, "owner_type": "Group",
            "manual": false, "script_id": w.script, "script_type": "General",
            "installed_component_id": w.installed_component, "component_id": w.component,
            "component_version": "2.0", "version_tag_id": 7, "custom_ticket_id": 8, "package_template_id": 11,
            "phase_id": w.phase, "runtime_phase_id": w.runtime_phase, "category_id": w.category, "work_task_id": w.work_task,
            "procedure": true, "procedure_id": w.procedure
        })).await;
        let mut child = w.step("child");
        child["request_id"] = json!(w.other_request);
        child["parent_id"] = json!(rich);
        let child = create_id(&app, child).await;
        set_step_state(&app, rich, "blocked");
        let cases: Vec<(String, Vec<i64>)> = vec![
            ("aasm_state=blocked".into(), vec![rich]),
            ("aasm_state=locked".into(), vec![plain, child]),
            ("name=rich".into(), vec![rich]),
            (format!("request_id={}", w.request), vec![plain]),
            (format!("owner_id={}", w.user), vec![plain, child]),
            (format!("installed_component_id={}", w.installed_component), vec![rich]),
            ("component_version=2.0".into(), vec![rich]),
            ("version_tag_id=7".into(), vec![rich]),
            ("custom_ticket_id=8".into(), vec![rich]),
            ("package_template_id=11".into(), vec![rich]),
            (format!("script_id={}", w.script), vec![rich]),
            (format!("runtime_phase_id={}", w.runtime_phase), vec![rich]),
            (format!("phase_id={}", w.phase), vec![rich]),
            (format!("procedure_id={}", w.procedure), vec![rich]),
            (format!("parent_id={rich}"), vec![child]),
            (format!("category_id={}", w.category), vec![rich]),
            (format!("work_task_id={}", w.work_task), vec![rich]),
        ];
        for (filter, expected) in cases {
            let (name, value) = filter.split_once('=').unwrap();
            assert_eq!(filtered(&app, &format!("filters[{name}]={value}")).await, expected, "{filter}");
            // The same as a JSON body on the GET.
            let res = app.send(TestRequest::get().uri(&app.path("/v1/steps")).insert_header(("Accept", "application/json")).set_json(json!({"filters": {name: value}}))).await;
            assert_eq!(ids(&res), expected, "{filter} in a body");
        }
        // Nothing matches: 404.
        assert!(filtered(&app, "filters[name]=nobody").await.is_empty());
        assert_eq!(app.get_json("/v1/steps?filters[name]=nobody").await.status, 404);
    }

    // "running — If set to true, returns all steps in process, ready, or running aasm_states."
    async fn running_means_ready_or_in_process(app: TestApp) {
        let w = World::new(&app);
        let mut made = Vec::new();
        for state in ["locked", "ready", "in_process", "blocked", "problem", "complete"] {
            let id = create_id(&app, w.step(state)).await;
            set_step_state(&app, id, state);
            made.push(id);
        }
        assert_eq!(filtered(&app, "filters[running]=true").await, vec![made[1], made[2]]);
        assert_eq!(filtered(&app, "filters[running]=false").await, vec![made[0], made[3], made[4], made[5]]);
        assert_eq!(filtered(&app, "filters[running]=1&filters[name]=ready").await, vec![made[1]]);
        let res = app.get_json("/v1/steps?filters[running]=maybe").await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"running": ["is not included in the list"]}));
    }

    // Filters combined, and arrays as "any of" (behaviour.md "Filters").
    async fn filters_combine_and_take_arrays(app: TestApp) {
        let w = World::new(&app);
        let a = create_id(&app, w.step("a")).await;
        let b = create_id(&app, w.step("b")).await;
        let mut other = w.step("a");
        other["request_id"] = json!(w.other_request);
        let c = create_id(&app, other).await;
        set_step_state(&app, b, "ready");
        assert_eq!(filtered(&app, &format!("filters[name]=a&filters[request_id]={}", w.request)).await, vec![a]);
        assert_eq!(filtered(&app, "filters[name][]=a&filters[name][]=b").await, vec![a, b, c]);
        assert_eq!(filtered(&app, "filters[aasm_state][]=ready&filters[aasm_state][]=locked&filters[name]=b").await, vec![b]);
        let res = app.send(TestRequest::get().uri(&app.path("/v1/steps")).insert_header(("Accept", "application/json")).set_json(json!({"filters": {"request_id": [w.request, w.other_request], "name": "a"}}))).await;
        assert_eq!(ids(&res), vec![a, c]);
        // XML filters body.
        let xml = format!("<filters><request_id>{}</request_id><request_id>{}</request_id><aasm_state>locked</aasm_state></filters>", w.request, w.other_request);
        let res = app.send_xml(TestRequest::get().uri(&app.path("/v1/steps")), &xml).await;
        assert_eq!(res.status, 200, "{}", res.text());
        in_order(&res.text(), &[&format!("<id type=\"integer\">{a}</id>"), &format!("<id type=\"integer\">{c}</id>")]);
        assert!(!res.text().contains("<name>b</name>"), "{}", res.text());
        // Unknown filters and bad values are named.
        let res = app.get_json("/v1/steps?filters[colour]=red&filters[request_id]=x").await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"colour": ["is not a supported filter"], "request_id": ["is not a number"]}));
    }
}
