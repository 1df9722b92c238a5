//! A step's representation: the page's "Sample output" of GET /v1/steps/19, element for
//! element, in JSON and XML; property values and servers on write.

mod common;
mod steps_world;

use common::TestApp;
use serde_json::json;
use steps_world::*;

/// The sample's step: every nested record, servers in a level and out of one.
async fn sample(app: &TestApp, w: &World) -> i64 {
    let container = create_id(app, json!({"request_id": w.request, "name": "container", "procedure": true, "procedure_id": w.procedure})).await;
    create_id(app, json!({
        "request_id": w.request, "parent_id": container, "name": "step 1", "owner_id": w.user, "owner_type": "User",
        "manual": false, "script_id": w.script, "script_type": "General", "description": "sample step",
        "installed_component_id": w.installed_component, "component_id": w.component, "component_version": "2.0",
        "own_version": true, "estimate": 15, "start_by": "2014-09-29T12:15:00-04:00", "complete_by": "2014-09-29T12:30:00-04:00",
        "phase_id": w.phase, "runtime_phase_id": w.runtime_phase, "work_task_id": w.work_task, "category_id": w.category,
        "property_values": {"PROP 2": "prop 2aa", "new": "prop 2 changed"},
        "target_server_ids": [w.server_a, w.server_b], "alternate_server_ids": [w.server_c]
    })).await
}

fn server(id: i64, name: &str, level: Option<i64>, parent: Option<i64>) -> serde_json::Value {
    json!({"created_at": "2014-07-07T13:01:41Z", "description": "", "id": id, "name": name,
           "parent_id": parent, "parent_type": parent.map(|_| "Server"), "server_level_id": level,
           "updated_at": "2014-07-07T13:01:41Z"})
}

on_every_backend! {
    // "The following JSON is a sample output from GET /v1/steps/19": scalars, number,
    // property_values, all_servers, owner, script, work_task, phase, runtime_phase,
    // installed_component, component, request (and category, parent).
    async fn the_json_of_the_sample(app: TestApp) {
        let w = World::new(&app);
        let id = sample(&app, &w).await;
        let res = app.get_json(&format!("/v1/steps/{id}")).await;
        assert_eq!(res.status, 200);
        let step = res.json();
        assert_eq!(step["aasm_state"], "locked");
        assert_eq!(step["complete_by"], "2014-09-29T16:30:00Z");
        assert_eq!(step["custom_ticket_id"], json!(null));
        assert_eq!(step["number"], "1.1");
        assert_eq!(step["property_values"], json!({"prop 2": "prop 2aa", "new": "prop 2 changed"}));
        let level_key = "Server Level Group: SL_LEVEL_GROUP sl_3";
        let a = server(w.server_a, "SL_S3", Some(w.level), None);
        let b = server(w.server_b, "SL_4_add", Some(w.level), Some(w.server_a));
        let c = server(w.server_c, "Another server", None, None);
        assert_eq!(step["all_servers"], json!({
            "selected_servers": {"target_servers": {level_key: [b, a]}, "alternate_servers": [c]},
            "available_servers": {"Server Level Group: none": [c], level_key: [b, a]}
        }));
        assert_eq!(step["owner"], json!({"email": "owner@example.com", "id": w.user, "login": "owner"}));
        assert_eq!(step["script"], json!({"id": w.script, "name": "Direct_execute"}));
        assert_eq!(step["work_task"], json!({"id": w.work_task, "name": "new WT"}));
        assert_eq!(step["phase"], json!({"id": w.phase, "name": "new phase"}));
        assert_eq!(step["runtime_phase"], json!({"id": w.runtime_phase, "name": "runtime phase 1"}));
        assert_eq!(step["component"], json!({"id": w.component, "name": "comp 1"}));
        assert_eq!(step["category"], json!({"id": w.category, "name": "cat"}));
        assert_eq!(step["request"], json!({"aasm_state": "created", "id": w.request, "name": "sample request", "number": w.request + 1000}));
        assert_eq!(step["parent"]["name"], "container");
        let ic = &step["installed_component"];
        assert_eq!(ic["id"], w.installed_component);
        assert_eq!(ic["application_component_id"], w.app_component);
        assert_eq!(ic["application_environment_id"], w.app_environment);
        assert_eq!(ic["app"]["name"], "app1");
        assert_eq!(ic["app"]["app_version"], "1.0");
        assert_eq!(ic["component"]["name"], "comp 1");
        assert_eq!(ic["environment"]["deployment_policy"], "opened");
        // Scalars in alphabetical order, then number, property_values, all_servers, nested.
        in_order(&res.text(), &[
            "\"aasm_state\"", "\"category_id\"", "\"change_request_id\"", "\"complete_by\"", "\"completion_state\"",
            "\"component_id\"", "\"component_version\"", "\"created_at\"", "\"custom_ticket_id\"", "\"description\"",
            "\"different_level_from_previous\"", "\"estimate\"", "\"execute_anytime\"", "\"id\"", "\"installed_component_id\"",
            "\"location_detail\"", "\"manual\"", "\"name\"", "\"on_plan\"", "\"own_version\"", "\"owner_id\"", "\"owner_type\"",
            "\"package_template_id\"", "\"package_template_properties\"", "\"parent_id\"", "\"phase_id\"", "\"position\"",
            "\"procedure\"", "\"procedure_id\"", "\"ready_at\"", "\"release_content_item_id\"", "\"request_id\"",
            "\"runtime_phase_id\"", "\"script_id\"", "\"script_type\"", "\"should_execute\"", "\"start_by\"", "\"updated_at\"",
            "\"version_tag_id\"", "\"work_finished_at\"", "\"work_started_at\"", "\"work_task_id\"", "\"number\"",
            "\"property_values\"", "\"all_servers\"", "\"owner\"", "\"script\"", "\"work_task\"", "\"phase\"",
            "\"runtime_phase\"", "\"installed_component\"", "\"component\"", "\"request\"", "\"category\"", "\"parent\"",
        ]);
    }

    // "The following XML is a sample output from GET /v1/steps/19", with typed nils and the
    // server group keys made well-formed names.
    async fn the_xml_of_the_sample(app: TestApp) {
        let w = World::new(&app);
        let id = sample(&app, &w).await;
        let res = get_xml(&app, &format!("/v1/steps/{id}")).await;
        assert_eq!(res.status, 200);
        let xml = res.text();
        let group = "Server-Level-Group--SL-LEVEL-GROUP-sl-3";
        in_order(&xml, &[
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<step>",
            "<aasm-state>locked</aasm-state>",
            "<complete-by type=\"datetime\">2014-09-29T16:30:00Z</complete-by>",
            "<component-version>2.0</component-version>",
            "<custom-ticket-id type=\"integer\" nil=\"true\"",
            "<description>sample step</description>",
            "<different-level-from-previous type=\"boolean\">true</different-level-from-previous>",
            "<estimate type=\"integer\">15</estimate>",
            "<location-detail nil=\"true\"",
            "<manual type=\"boolean\">false</manual>",
            "<name>step 1</name>",
            "<owner-type>User</owner-type>",
            "<position type=\"integer\">1</position>",
            "<ready-at type=\"datetime\" nil=\"true\"",
            "<release-content-item-id type=\"integer\" nil=\"true\"",
            "<script-type>General</script-type>",
            "<work-finished-at type=\"datetime\" nil=\"true\"",
            "<work-started-at type=\"datetime\" nil=\"true\"",
            "<number>1.1</number>",
            "<property-values>", "<prop-2>prop 2aa</prop-2>", "<new>prop 2 changed</new>", "</property-values>",
            "<all-servers>", "<selected-servers>", "<target-servers>",
            &format!("<{group} type=\"array\">"), &format!("<{group}>"), "<name>SL_4_add</name>",
            "<parent-type>Server</parent-type>", "<name>SL_S3</name>", "<parent-type nil=\"true\"",
            "</target-servers>", "<alternate-servers type=\"array\">", "<alternate-server>", "<name>Another server</name>",
            "</selected-servers>", "<available-servers>", "<Server-Level-Group--none type=\"array\">",
            "</available-servers>", "</all-servers>",
            "<owner>", "<email>owner@example.com</email>", "<login>owner</login>", "</owner>",
            "<script>", "<name>Direct_execute</name>", "</script>",
            "<work-task>", "<phase>", "<runtime-phase>",
            "<installed-component>", "<application-component-id type=\"integer\">", "<app>", "<component>", "<environment>", "</installed-component>",
            "<component>", "<name>comp 1</name>", "</component>",
            "<request>", "<aasm-state>created</aasm-state>", &format!("<number type=\"integer\">{}</number>", w.request + 1000), "</request>",
            "<category>", "<parent>", "</step>",
        ]);
    }

    // "each nested record left out when the step has none"; no servers: empty groups.
    async fn missing_nested_records_are_left_out(app: TestApp) {
        let w = World::new(&app);
        let id = create_id(&app, json!({"procedure_id": w.procedure, "procedure": true, "name": "bare"})).await;
        let step = app.get_json(&format!("/v1/steps/{id}")).await.json();
        for key in ["owner", "script", "work_task", "phase", "runtime_phase", "installed_component", "component", "request", "category", "parent"] {
            assert!(step.get(key).is_none(), "{key}");
        }
        assert_eq!(step["property_values"], json!({}));
        assert_eq!(step["all_servers"], json!({"selected_servers": {"target_servers": {}, "alternate_servers": []}, "available_servers": {}}));
        let xml = get_xml(&app, &format!("/v1/steps/{id}")).await.text();
        assert!(xml.contains("<alternate-servers type=\"array\"/>"), "{xml}");
        assert!(!xml.contains("<owner>") && !xml.contains("<request>"), "{xml}");
    }

    // property_values on write: {"property name": "value"}, names in any case, unknown
    // names refused with their name.
    async fn property_values_are_written_by_name(app: TestApp) {
        let w = World::new(&app);
        let mut step = w.step("props");
        step["property_values"] = json!({"Prop 2": "one"});
        let id = create_id(&app, step).await;
        let res = put_step(&app, id, json!({"property_values": {"NEW": "two", "prop 2": "uno"}})).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(res.json()["property_values"], json!({"prop 2": "uno", "new": "two"}));
        let res = put_step(&app, id, json!({"property_values": {"ghost": "x"}})).await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"property_values": ["names an unknown property: ghost"]}));
        let res = put_xml(&app, &format!("/v1/steps/{id}"), "<step><property-values><new>three</new></property-values></step>").await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert!(res.text().contains("<new>three</new>"), "{}", res.text());
        let res = put_xml(&app, &format!("/v1/steps/{id}"), "<step><property-values><ghost>x</ghost></property-values></step>").await;
        assert!(res.text().contains("<error>Property values names an unknown property: ghost</error>"), "{}", res.text());
    }

    // target_server_ids / alternate_server_ids on write.
    async fn selected_servers_are_written(app: TestApp) {
        let w = World::new(&app);
        let mut step = w.step("servers");
        step["target_server_ids"] = json!([w.server_a]);
        let id = create_id(&app, step).await;
        let res = put_step(&app, id, json!({"alternate_server_ids": [w.server_a, w.loose_server]})).await;
        assert_eq!(res.status, 202, "{}", res.text());
        let selected = &res.json()["all_servers"]["selected_servers"];
        assert_eq!(selected["target_servers"], json!({}), "a server chosen as alternate leaves the targets");
        let names: Vec<&str> = selected["alternate_servers"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
        assert_eq!(names, vec!["Loose", "SL_S3"]);
        let xml = format!("<step><target_server_ids type=\"array\"><target_server_id>{}</target_server_id></target_server_ids><alternate_server_ids type=\"array\"/></step>", w.server_c);
        let res = put_xml(&app, &format!("/v1/steps/{id}"), &xml).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert!(res.text().contains("<Server-Level-Group--none type=\"array\">") && res.text().contains("<alternate-servers type=\"array\"/>"), "{}", res.text());
        let res = put_step(&app, id, json!({"target_server_ids": [w.server_a], "alternate_server_ids": [w.server_a]})).await;
        assert_eq!(res.json(), json!({"alternate_server_ids": ["is invalid"]}));
    }

    // A list shows the same representation for each step.
    async fn a_list_shows_each_step_fully(app: TestApp) {
        let w = World::new(&app);
        let id = sample(&app, &w).await;
        let one = app.get_json(&format!("/v1/steps/{id}")).await.json();
        let list = app.get_json(&format!("/v1/steps?filters[request_id]={}", w.request)).await.json();
        let found = list.as_array().unwrap().iter().find(|s| s["id"] == id).cloned().unwrap();
        assert_eq!(found, one);
    }
}
