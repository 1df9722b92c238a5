//! /v1/steps: create, read, update, delete, validation, positions and filters.
//! Quotes are from ../shared/spec/rest-steps.txt unless said otherwise.

mod common;
mod steps_world;

use common::TestApp;
use serde_json::json;
use steps_world::*;

on_every_backend! {
    // "POST /v1/steps Creates a new step from posted data." with the page's JSON example;
    // "manual ... (defaults to true)", "should_execute ... (defaults to true)",
    // "execute_anytime ... (defaults to false)", "own_version ... (defaults to false)",
    // "different_level_from_previous ... (defaults to true)".
    async fn a_step_is_created_with_the_pages_defaults(app: TestApp) {
        let w = World::new(&app);
        let step = create(&app, json!({"request_id": w.request, "name": "Step 2", "owner_id": w.user, "owner_type": "User", "installed_component_id": w.installed_component, "component_id": w.component})).await;
        assert_eq!(step["name"], "Step 2");
        assert_eq!(step["aasm_state"], "locked");
        for (key, value) in [("manual", true), ("should_execute", true), ("execute_anytime", false), ("own_version", false), ("different_level_from_previous", true), ("procedure", false), ("on_plan", false)] {
            assert_eq!(step[key], value, "{key}");
        }
        assert_eq!(step["position"], 1);
        assert_eq!(step["number"], "1");
        assert_eq!(step["request_id"], w.request);
        assert_eq!(step["installed_component_id"], w.installed_component);
    }

    // The page's XML example of POST, with the component the installed component needs.
    async fn a_step_is_created_from_xml(app: TestApp) {
        let w = World::new(&app);
        let xml = format!("<step><request_id>{}</request_id><name>Step 2</name><owner_id>{}</owner_id><owner_type>User</owner_type><installed_component_id>{}</installed_component_id><component_id>{}</component_id></step>", w.request, w.user, w.installed_component, w.component);
        let res = post_xml(&app, "/v1/steps", &xml).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let text = res.text();
        assert!(text.contains("<step>"), "{text}");
        assert!(text.contains("<name>Step 2</name>"), "{text}");
        assert!(text.contains("<manual type=\"boolean\">true</manual>"), "{text}");
        assert!(text.contains("<number>1</number>"), "{text}");
        assert!(text.contains("<custom-ticket-id type=\"integer\" nil=\"true\"/>") || text.contains("<custom-ticket-id type=\"integer\" nil=\"true\"></custom-ticket-id>"), "{text}");
    }

    // Every optional attribute of the page is stored and shown.
    async fn every_optional_attribute_is_kept(app: TestApp) {
        let w = World::new(&app);
        let step = create(&app, json!({
            "request_id": w.request, "name": "all", "owner_id": w.group, "owner_type": "Group",
            "manual": false, "script_id": w.script, "script_type": "BladelogicScript",
            "installed_component_id": w.installed_component, "component_id": w.component,
            "description": "sample step", "version_tag_id": 7, "own_version": true, "component_version": "2.0",
            "custom_ticket_id": 8, "release_content_item_id": 9, "change_request_id": 10, "completion_state": "closed",
            "on_plan": true, "package_template_id": 11, "package_template_properties": "a=b",
            "phase_id": w.phase, "runtime_phase_id": w.runtime_phase, "should_execute": false, "execute_anytime": true,
            "start_by": "2014-09-29T12:15:00-04:00", "complete_by": "2014-09-29 16:30:00", "category_id": w.category,
            "work_task_id": w.work_task, "location_detail": "rack 4", "estimate": 15, "different_level_from_previous": false
        })).await;
        for (key, value) in [
            ("manual", json!(false)), ("script_id", json!(w.script)), ("script_type", json!("BladelogicScript")),
            ("description", json!("sample step")), ("version_tag_id", json!(7)), ("own_version", json!(true)),
            ("component_version", json!("2.0")), ("custom_ticket_id", json!(8)), ("release_content_item_id", json!(9)),
            ("change_request_id", json!(10)), ("completion_state", json!("closed")), ("on_plan", json!(true)),
            ("package_template_id", json!(11)), ("package_template_properties", json!("a=b")),
            ("phase_id", json!(w.phase)), ("runtime_phase_id", json!(w.runtime_phase)), ("should_execute", json!(false)),
            ("execute_anytime", json!(true)), ("start_by", json!("2014-09-29T16:15:00Z")),
            ("complete_by", json!("2014-09-29T16:30:00Z")), ("category_id", json!(w.category)),
            ("work_task_id", json!(w.work_task)), ("location_detail", json!("rack 4")), ("estimate", json!(15)),
            ("different_level_from_previous", json!(false)), ("owner_type", json!("Group")), ("owner_id", json!(w.group)),
        ] {
            assert_eq!(step[key], value, "{key}");
        }
    }

    // "owner_id — Integer ID of the owner (User) (required unless a procedure)"
    async fn owner_id_is_required_unless_a_procedure(app: TestApp) {
        let w = World::new(&app);
        let res = app.post_json("/v1/steps", json!({"step": {"request_id": w.request, "name": "x"}})).await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"owner_id": ["can't be blank"]}));
        let res = post_xml(&app, "/v1/steps", &format!("<step><request_id>{}</request_id></step>", w.request)).await;
        assert_eq!(res.status, 422);
        assert!(res.text().contains("<error>Owner can't be blank</error>"), "{}", res.text());
        // A procedure container needs no owner (but its procedure).
        let step = create(&app, json!({"request_id": w.request, "name": "proc", "procedure": true, "procedure_id": w.procedure})).await;
        assert_eq!(step["procedure"], true);
        assert!(step.get("owner").is_none());
    }

    // "owner_type — String value of the owner type (User, Group)"; the owner must exist.
    async fn owner_type_is_user_or_group_and_the_owner_exists(app: TestApp) {
        let w = World::new(&app);
        let mut step = w.step("x");
        step["owner_type"] = json!("Robot");
        let res = app.post_json("/v1/steps", json!({"step": step})).await;
        assert_eq!(res.json(), json!({"owner_type": ["is not included in the list"]}));
        let res = post_xml(&app, "/v1/steps", &format!("<step><request_id>{}</request_id><owner_id>{}</owner_id><owner_type>Robot</owner_type></step>", w.request, w.user)).await;
        assert!(res.text().contains("<error>Owner type is not included in the list</error>"), "{}", res.text());
        // A group's id is no user's.
        let res = app.post_json("/v1/steps", json!({"step": {"request_id": w.request, "owner_id": 999, "owner_type": "User"}})).await;
        assert_eq!(res.json(), json!({"owner_id": ["does not exist"]}));
        let res = app.post_json("/v1/steps", json!({"step": {"request_id": w.request, "owner_id": 999, "owner_type": "Group"}})).await;
        assert_eq!(res.json(), json!({"owner_id": ["does not exist"]}));
        let step = create(&app, json!({"request_id": w.request, "owner_id": w.group, "owner_type": "Group"})).await;
        assert_eq!(step["owner"], json!({"email": "ops@example.com", "id": w.group, "name": "Ops"}));
    }

    // "script_id — Integer ID of the script (required if manual is false)",
    // "script_type — ... (required if manual is false)"
    async fn an_automated_step_needs_its_script(app: TestApp) {
        let w = World::new(&app);
        let mut step = w.step("auto");
        step["manual"] = json!(false);
        let res = app.post_json("/v1/steps", json!({"step": step})).await;
        assert_eq!(res.json(), json!({"script_id": ["can't be blank"], "script_type": ["can't be blank"]}));
        let res = post_xml(&app, "/v1/steps", &format!("<step><request_id>{}</request_id><owner_id>{}</owner_id><owner_type>User</owner_type><manual type=\"boolean\">false</manual></step>", w.request, w.user)).await;
        assert!(res.text().contains("<error>Script can't be blank</error>") && res.text().contains("<error>Script type can't be blank</error>"), "{}", res.text());
        step["script_id"] = json!(w.script);
        step["script_type"] = json!("HudsonScript");
        create(&app, step).await;
    }

    // "request_id — Integer ID of the request (required if not a member of a procedure)",
    // "procedure_id — Integer ID of the procedure (required if a member of a procedure)"
    async fn request_id_unless_a_member_of_a_procedure(app: TestApp) {
        let w = World::new(&app);
        let res = app.post_json("/v1/steps", json!({"step": {"owner_id": w.user, "owner_type": "User"}})).await;
        assert_eq!(res.json(), json!({"request_id": ["can't be blank"], "procedure_id": ["can't be blank"]}));
        let member = create(&app, json!({"procedure_id": w.procedure, "owner_id": w.user, "owner_type": "User", "name": "in procedure"})).await;
        assert_eq!(member["procedure_id"], w.procedure);
        assert!(member["request_id"].is_null());
        assert!(member.get("request").is_none());
        let res = post_xml(&app, "/v1/steps", &format!("<step><owner_id>{}</owner_id><owner_type>User</owner_type></step>", w.user)).await;
        assert!(res.text().contains("<error>Request can't be blank</error>") && res.text().contains("<error>Procedure can't be blank</error>"), "{}", res.text());
    }

    // "procedure — Boolean value if the step is a procedure container (procedure_id required if this is true)"
    async fn a_procedure_container_needs_its_procedure(app: TestApp) {
        let w = World::new(&app);
        let mut step = w.step("container");
        step["procedure"] = json!(true);
        let res = app.post_json("/v1/steps", json!({"step": step})).await;
        assert_eq!(res.json(), json!({"procedure_id": ["can't be blank"]}));
        let res = post_xml(&app, "/v1/steps", &format!("<step><request_id>{}</request_id><procedure type=\"boolean\">true</procedure></step>", w.request)).await;
        assert!(res.text().contains("<error>Procedure can't be blank</error>"), "{}", res.text());
    }

    // "installed_component_id — ... (required if component_id is set)",
    // "component_id — ... (required if installed_component_id is set)"
    async fn installed_component_and_component_go_together(app: TestApp) {
        let w = World::new(&app);
        let mut step = w.step("x");
        step["installed_component_id"] = json!(w.installed_component);
        let res = app.post_json("/v1/steps", json!({"step": step.clone()})).await;
        assert_eq!(res.json(), json!({"component_id": ["can't be blank"]}));
        let mut other = w.step("y");
        other["component_id"] = json!(w.component);
        let res = app.post_json("/v1/steps", json!({"step": other})).await;
        assert_eq!(res.json(), json!({"installed_component_id": ["can't be blank"]}));
        // The component must be the installed component's.
        step["component_id"] = json!(w.other_component);
        let res = app.post_json("/v1/steps", json!({"step": step})).await;
        assert_eq!(res.json(), json!({"component_id": ["is invalid"]}));
        let res = post_xml(&app, "/v1/steps", &format!("<step><request_id>{}</request_id><owner_id>{}</owner_id><owner_type>User</owner_type><component_id>{}</component_id></step>", w.request, w.user, w.component)).await;
        assert!(res.text().contains("<error>Installed component can't be blank</error>"), "{}", res.text());
    }

    // Every reference must exist.
    async fn references_must_exist(app: TestApp) {
        let w = World::new(&app);
        let mut step = w.step("x");
        for key in ["request_id", "script_id", "phase_id", "runtime_phase_id", "category_id", "work_task_id", "parent_id", "installed_component_id"] {
            step[key] = json!(9999);
        }
        step["component_id"] = json!(9999);
        step["procedure_id"] = json!(9999);
        step["target_server_ids"] = json!([9999]);
        let res = app.post_json("/v1/steps", json!({"step": step})).await;
        assert_eq!(res.status, 422);
        let body = res.json();
        for key in ["request_id", "procedure_id", "script_id", "phase_id", "runtime_phase_id", "category_id", "work_task_id", "installed_component_id", "parent_id", "target_server_ids"] {
            assert_eq!(body[key], json!(["does not exist"]), "{key}: {body}");
        }
        let res = post_xml(&app, "/v1/steps", &format!("<step><request_id>9999</request_id><owner_id>{}</owner_id><owner_type>User</owner_type></step>", w.user)).await;
        assert!(res.text().contains("<error>Request does not exist</error>"), "{}", res.text());
    }

    // Integers, booleans and times of the right type.
    async fn values_of_the_wrong_type_are_refused(app: TestApp) {
        let w = World::new(&app);
        let mut step = w.step("x");
        step["estimate"] = json!("soon");
        step["manual"] = json!("perhaps");
        step["start_by"] = json!("tomorrowish");
        step["custom_ticket_id"] = json!("abc");
        let res = app.post_json("/v1/steps", json!({"step": step})).await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"estimate": ["is not a number"], "manual": ["is not included in the list"], "start_by": ["is not a valid time"], "custom_ticket_id": ["is not a number"]}));
        let res = post_xml(&app, "/v1/steps", &format!("<step><request_id>{}</request_id><owner_id>{}</owner_id><owner_type>User</owner_type><estimate>lots</estimate><colour>red</colour></step>", w.request, w.user)).await;
        assert_eq!(res.status, 422);
        assert!(res.text().contains("<error>Estimate is not a number</error>") && res.text().contains("<error>Colour is not a known attribute</error>"), "{}", res.text());
    }

    // position: next in its request (or procedure, or parent procedure step) when not given;
    // behaviour.md: "A step's `number` is a string: its position, or `parent.position` for a
    // step inside a procedure."
    async fn positions_and_numbers(app: TestApp) {
        let w = World::new(&app);
        let first = create(&app, w.step("one")).await;
        let container = create(&app, json!({"request_id": w.request, "name": "proc", "procedure": true, "procedure_id": w.procedure})).await;
        assert_eq!((first["position"].clone(), container["position"].clone()), (json!(1), json!(2)));
        let mut child = w.step("child 1");
        child["parent_id"] = container["id"].clone();
        let child1 = create(&app, child.clone()).await;
        child["name"] = json!("child 2");
        let child2 = create(&app, child).await;
        assert_eq!(child1["number"], "2.1");
        assert_eq!(child2["number"], "2.2");
        assert_eq!(child2["parent"], json!({"id": container["id"], "name": "proc", "position": 2}));
        let third = create(&app, w.step("three")).await;
        assert_eq!(third["number"], "3", "children do not take the request's positions");
        // Another request and a procedure count on their own.
        let mut elsewhere = w.step("elsewhere");
        elsewhere["request_id"] = json!(w.other_request);
        assert_eq!(create(&app, elsewhere).await["position"], 1);
        let member = create(&app, json!({"procedure_id": w.procedure, "owner_id": w.user, "owner_type": "User"})).await;
        assert_eq!(member["number"], "1");
        // A given position is kept.
        let mut placed = w.step("placed");
        placed["position"] = json!(10);
        assert_eq!(create(&app, placed).await["number"], "10");
        let xml = get_xml(&app, &format!("/v1/steps/{}", child2["id"])).await.text();
        assert!(xml.contains("<number>2.2</number>") && xml.contains("<position type=\"integer\">2</position>"), "{xml}");
        // A parent must be a procedure step of the same request.
        let mut bad = w.step("bad");
        bad["parent_id"] = first["id"].clone();
        let res = app.post_json("/v1/steps", json!({"step": bad})).await;
        assert_eq!(res.json(), json!({"parent_id": ["is invalid"]}));
    }

    // "PUT /v1/steps/[id] Updates an existing step with values from a posted document." with
    // the page's examples.
    async fn a_step_is_renamed(app: TestApp) {
        let w = World::new(&app);
        let id = create_id(&app, w.step("Step")).await;
        let res = put_step(&app, id, json!({"name": "Renamed Step"})).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(res.json()["name"], "Renamed Step");
        let res = put_xml(&app, &format!("/v1/steps/{id}"), "<step><name>Renamed again</name></step>").await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert!(res.text().contains("<name>Renamed again</name>"), "{}", res.text());
        assert_eq!(app.get_json(&format!("/v1/steps/{id}")).await.json()["name"], "Renamed again");
    }

    // Editable attributes; validation on update; "ERROR 404 Not found — Occurs when record to
    // update is not found"; "ERROR 422 Unprocessable entity — Occurs when validation fails".
    async fn updates_validate_and_change_nothing_when_refused(app: TestApp) {
        let w = World::new(&app);
        let id = create_id(&app, w.step("Step")).await;
        let res = put_step(&app, id, json!({"name": "changed", "manual": false})).await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"script_id": ["can't be blank"], "script_type": ["can't be blank"]}));
        let step = app.get_json(&format!("/v1/steps/{id}")).await.json();
        assert_eq!((step["name"].clone(), step["manual"].clone()), (json!("Step"), json!(true)));
        let res = put_xml(&app, &format!("/v1/steps/{id}"), "<step><owner_type>Robot</owner_type></step>").await;
        assert_eq!(res.status, 422);
        assert!(res.text().contains("<error>Owner type is not included in the list</error>"));
        let res = put_step(&app, 9999, json!({"name": "x"})).await;
        assert_eq!(res.status, 404);
        let res = put_xml(&app, "/v1/steps/9999", "<step><name>x</name></step>").await;
        assert_eq!(res.status, 404);
        // Every editable attribute may change.
        let res = put_step(&app, id, json!({"owner_id": w.group, "owner_type": "Group", "estimate": 30, "should_execute": false, "installed_component_id": w.installed_component, "component_id": w.component, "start_by": null})).await;
        assert_eq!(res.status, 202, "{}", res.text());
        let step = res.json();
        assert_eq!(step["owner"]["name"], "Ops");
        assert_eq!(step["estimate"], 30);
        assert_eq!(step["should_execute"], false);
    }

    // Read-modify-write: what a GET returned may be PUT back.
    async fn a_step_can_be_sent_back(app: TestApp) {
        let w = World::new(&app);
        let mut step = w.step("Step");
        step["installed_component_id"] = json!(w.installed_component);
        step["component_id"] = json!(w.component);
        step["property_values"] = json!({"prop 2": "v"});
        let id = create_id(&app, step).await;
        let mut read = app.get_json(&format!("/v1/steps/{id}")).await.json();
        read["description"] = json!("now described");
        let res = put_step(&app, id, read).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(res.json()["description"], "now described");
        let xml = get_xml(&app, &format!("/v1/steps/{id}")).await.text();
        let res = put_xml(&app, &format!("/v1/steps/{id}"), xml.replace("<name>Step</name>", "<name>From XML</name>").as_str()).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert!(res.text().contains("<name>From XML</name>"));
    }

    // "DELETE /v1/steps/[id] Deletes a step." and the gap in positions closes.
    async fn delete_removes_the_step_and_closes_the_gap(app: TestApp) {
        let w = World::new(&app);
        let mut ids_made = Vec::new();
        for name in ["a", "b", "c", "d"] {
            ids_made.push(create_id(&app, w.step(name)).await);
        }
        let res = delete(&app, &format!("/v1/steps/{}", ids_made[1]), false).await;
        assert_eq!(res.status, 202);
        assert_eq!(app.get_json(&format!("/v1/steps/{}", ids_made[1])).await.status, 404);
        let list = app.get_json(&format!("/v1/steps?filters[request_id]={}", w.request)).await.json();
        let positions: Vec<(i64, i64)> = list.as_array().unwrap().iter().map(|s| (s["id"].as_i64().unwrap(), s["position"].as_i64().unwrap())).collect();
        assert_eq!(positions, vec![(ids_made[0], 1), (ids_made[2], 2), (ids_made[3], 3)]);
        let res = delete(&app, &format!("/v1/steps/{}.xml", ids_made[0]), true).await;
        assert_eq!(res.status, 202);
        let list = app.get_json(&format!("/v1/steps?filters[request_id]={}", w.request)).await.json();
        assert_eq!(list[0]["number"], "1");
        assert_eq!(list[1]["number"], "2");
        // "ERROR 404 Not found — Occurs when no records are found"
        assert_eq!(delete(&app, "/v1/steps/9999", false).await.status, 404);
        assert_eq!(delete(&app, "/v1/steps/9999", true).await.status, 404);
    }

    // DELETE of a procedure step takes its children with it; a child's siblings close up.
    async fn deleting_a_procedure_step_removes_its_children(app: TestApp) {
        let w = World::new(&app);
        let container = create_id(&app, json!({"request_id": w.request, "name": "proc", "procedure": true, "procedure_id": w.procedure})).await;
        let after = create_id(&app, w.step("after")).await;
        let mut child = w.step("child");
        child["parent_id"] = json!(container);
        let first = create_id(&app, child.clone()).await;
        let second = create_id(&app, child).await;
        assert_eq!(delete(&app, &format!("/v1/steps/{first}"), false).await.status, 202);
        let res = app.get_json(&format!("/v1/steps/{second}")).await;
        assert_eq!(res.json()["number"], "1.1");
        assert_eq!(delete(&app, &format!("/v1/steps/{container}"), true).await.status, 202);
        assert_eq!(app.get_json(&format!("/v1/steps/{second}")).await.status, 404);
        assert_eq!(app.get_json(&format!("/v1/steps/{after}")).await.json()["number"], "1");
    }

    // A step moved to another request goes last there; its old siblings close up.
    async fn a_step_moved_to_another_request_goes_last_there(app: TestApp) {
        let w = World::new(&app);
        let a = create_id(&app, w.step("a")).await;
        let b = create_id(&app, w.step("b")).await;
        let mut other = w.step("x");
        other["request_id"] = json!(w.other_request);
        create_id(&app, other).await;
        let res = put_step(&app, a, json!({"request_id": w.other_request})).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(res.json()["number"], "2");
        assert_eq!(res.json()["request"]["name"], "other request");
        assert_eq!(app.get_json(&format!("/v1/steps/{b}")).await.json()["position"], 1);
        let res = put_xml(&app, &format!("/v1/steps/{b}"), &format!("<step><request-id type=\"integer\">{}</request-id></step>", w.other_request)).await;
        assert!(res.text().contains("<number>3</number>"), "{}", res.text());
    }

    // A given position is taken: the siblings from there on make way, in JSON and XML.
    async fn a_given_position_makes_room(app: TestApp) {
        let w = World::new(&app);
        let a = create_id(&app, w.step("a")).await;
        let b = create_id(&app, w.step("b")).await;
        let c = create_id(&app, w.step("c")).await;
        let mut first = w.step("d");
        first["position"] = json!(1);
        let d = create_id(&app, first).await;
        assert_eq!(positions(&app, w.request).await, vec![(d, 1), (a, 2), (b, 3), (c, 4)]);
        assert_eq!(put_step(&app, c, json!({"position": 1})).await.status, 202);
        assert_eq!(positions(&app, w.request).await, vec![(c, 1), (d, 2), (a, 3), (b, 4)]);
        let res = put_xml(&app, &format!("/v1/steps/{c}"), "<step><position type=\"integer\">4</position></step>").await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(positions(&app, w.request).await, vec![(d, 1), (a, 2), (b, 3), (c, 4)]);
        let res = put_step(&app, c, json!({"position": 0})).await;
        assert_eq!(res.json(), json!({"position": ["must be greater than 0"]}));
    }

    // "GET /v1/steps/[id] Returns a step by ID."; "ERROR 404 Not found — Occurs when record to
    // show is not found"; "ERROR 403 Forbidden — Occurs when the token is invalid".
    async fn show_404_and_403(app: TestApp) {
        let w = World::new(&app);
        let id = create_id(&app, w.step("Step")).await;
        assert_eq!(app.get_json(&format!("/v1/steps/{id}")).await.json()["id"], id);
        assert_eq!(get_xml(&app, &format!("/v1/steps/{id}")).await.status, 200);
        // "format — Ensure to include an accept header or add .xml or .json to the last path element"
        let res = app.send(actix_web::test::TestRequest::get().uri(&app.path(&format!("/v1/steps/{id}.xml")))).await;
        assert!(res.text().contains("<step>"), "{}", res.text());
        let res = app.send(actix_web::test::TestRequest::get().uri(&app.path("/v1/steps.json")).insert_header(("Accept", "application/xml"))).await;
        assert_eq!(res.json()[0]["id"], id);
        assert_eq!(app.get_json("/v1/steps/9999").await.status, 404);
        assert_eq!(get_xml(&app, "/v1/steps/9999").await.status, 404);
        let res = app.send(actix_web::test::TestRequest::get().uri("/v1/steps?token=nope").insert_header(("Accept", "application/json"))).await;
        assert_eq!(res.status, 403);
        let res = app.send(actix_web::test::TestRequest::get().uri(&format!("/v1/steps/{id}?token=nope")).insert_header(("Accept", "application/xml"))).await;
        assert_eq!(res.status, 403);
        assert!(res.text().contains("Invalid API Key"));
        // Methods the resource does not take (behaviour.md "405").
        let res = app.send(actix_web::test::TestRequest::post().uri(&app.path(&format!("/v1/steps/{id}"))).insert_header(("Accept", "application/json"))).await;
        assert_eq!(res.status, 405);
        let res = app.send(actix_web::test::TestRequest::delete().uri(&app.path("/v1/steps")).insert_header(("Accept", "application/xml"))).await;
        assert_eq!(res.status, 405);
    }

    // "GET /v1/steps Returns all steps."; "ERROR 404 Not Found — Occurs when no records are
    // found"; ordered by request, then position.
    async fn the_list_is_ordered_by_request_then_position(app: TestApp) {
        let w = World::new(&app);
        assert_eq!(app.get_json("/v1/steps").await.status, 404);
        assert_eq!(get_xml(&app, "/v1/steps").await.status, 404);
        let mut other = w.step("other");
        other["request_id"] = json!(w.other_request);
        let b1 = create_id(&app, other).await;
        let a1 = create_id(&app, w.step("a1")).await;
        let a2 = create_id(&app, w.step("a2")).await;
        assert_eq!(ids(&app.get_json("/v1/steps").await), vec![a1, a2, b1]);
        let xml = get_xml(&app, "/v1/steps").await.text();
        assert!(xml.contains("<steps type=\"array\">") && xml.contains("  <step>"), "{xml}");
        in_order(&xml, &[&format!("<id type=\"integer\">{a1}</id>"), &format!("<id type=\"integer\">{a2}</id>"), &format!("<id type=\"integer\">{b1}</id>")]);
    }
}
