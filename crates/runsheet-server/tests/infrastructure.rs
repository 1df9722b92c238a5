//! /v1/server_levels, servers, phases, runtime_phases, work_tasks, categories, procedures and
//! POST /v1/procedures/:id/add_to_request (issue 3, "What a step refers to").
//! Quotes are from the issue or from ../shared/spec/behaviour.md.

mod common;

use actix_web::test::TestRequest;
use common::{Resp, TestApp};
use runsheet_store::schema::{environments, requests, step_property_values, step_servers, steps};
use serde_json::{json, Value};

use diesel::prelude::*;

// ---- fixtures of other areas, inserted directly ----

fn environment(app: &TestApp, name: &str) -> i64 {
    let now = runsheet_core::time::now();
    diesel::insert_into(environments::table)
        .values((
            environments::name.eq(name),
            environments::created_at.eq(now),
            environments::updated_at.eq(now),
        ))
        .returning(environments::id)
        .get_result(&mut **app.pool.get().unwrap())
        .unwrap()
}

fn request(app: &TestApp, state: &str) -> i64 {
    let now = runsheet_core::time::now();
    diesel::insert_into(requests::table)
        .values((
            requests::name.eq("Release"),
            requests::aasm_state.eq(state),
            requests::created_at.eq(now),
            requests::updated_at.eq(now),
        ))
        .returning(requests::id)
        .get_result(&mut **app.pool.get().unwrap())
        .unwrap()
}

/// A plain step of a request (`Some(request)`) or of a procedure (`procedure`).
fn step(
    app: &TestApp,
    name: &str,
    position: i64,
    request_id: Option<i64>,
    procedure_id: Option<i64>,
) -> i64 {
    let now = runsheet_core::time::now();
    diesel::insert_into(steps::table)
        .values((
            steps::name.eq(name),
            steps::position.eq(position),
            steps::request_id.eq(request_id),
            steps::procedure_id.eq(procedure_id),
            steps::created_at.eq(now),
            steps::updated_at.eq(now),
        ))
        .returning(steps::id)
        .get_result(&mut **app.pool.get().unwrap())
        .unwrap()
}

/// Makes step `id` use a record (`steps.<column> = value`).
fn use_in_step(app: &TestApp, id: i64, column: &str, value: i64) {
    let mut conn = app.pool.get().unwrap();
    let target = steps::table.find(id);
    let done = match column {
        "phase_id" => diesel::update(target)
            .set(steps::phase_id.eq(value))
            .execute(&mut **conn),
        "runtime_phase_id" => diesel::update(target)
            .set(steps::runtime_phase_id.eq(value))
            .execute(&mut **conn),
        "work_task_id" => diesel::update(target)
            .set(steps::work_task_id.eq(value))
            .execute(&mut **conn),
        "category_id" => diesel::update(target)
            .set(steps::category_id.eq(value))
            .execute(&mut **conn),
        other => panic!("no such column {other}"),
    };
    assert_eq!(done.unwrap(), 1);
}

fn step_count(app: &TestApp) -> i64 {
    steps::table
        .count()
        .get_result(&mut **app.pool.get().unwrap())
        .unwrap()
}

// ---- HTTP helpers ----

async fn create(app: &TestApp, plural: &str, root: &str, attrs: Value) -> Value {
    let res = app
        .post_json(&format!("/v1/{plural}"), json!({ root: attrs }))
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

async fn id_of(app: &TestApp, plural: &str, root: &str, attrs: Value) -> i64 {
    create(app, plural, root, attrs).await["id"]
        .as_i64()
        .unwrap()
}

async fn delete(app: &TestApp, path: &str) -> Resp {
    app.send(
        TestRequest::delete()
            .uri(&app.path(path))
            .insert_header(("Accept", "application/json")),
    )
    .await
}

async fn get_xml(app: &TestApp, path: &str) -> Resp {
    app.send(
        TestRequest::get()
            .uri(&app.path(path))
            .insert_header(("Accept", "application/xml")),
    )
    .await
}

fn names(res: &Resp) -> Vec<String> {
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect()
}

/// The keys of a JSON object in the order they were written.
fn keys_in_order(text: &str, keys: &[&str]) {
    let positions: Vec<usize> = keys
        .iter()
        .map(|k| {
            text.find(&format!("\"{k}\":"))
                .unwrap_or_else(|| panic!("{k} missing in {text}"))
        })
        .collect();
    let mut sorted = positions.clone();
    sorted.sort_unstable();
    assert_eq!(positions, sorted, "keys out of order in {text}");
}

fn sorted_keys(record: &Value) -> Vec<String> {
    let mut keys: Vec<String> = record.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

fn strs(list: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = list.iter().map(|s| s.to_string()).collect();
    out.sort();
    out
}

on_every_backend! {
    // server_levels: "name (required, unique any case), description; representation adds
    // `servers` [{id, name}]"
    async fn server_levels_are_named_and_list_their_servers(app: TestApp) {
        let res = app.post_json("/v1/server_levels", json!({"server_level": {"name": "Web", "description": "front"}})).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let level = res.json();
        assert_eq!(sorted_keys(&level), strs(&["created_at", "description", "id", "name", "servers", "updated_at"]));
        keys_in_order(&res.text(), &["created_at", "description", "id", "name", "updated_at", "servers"]);
        assert_eq!(level["servers"], json!([]));
        let lid = level["id"].as_i64().unwrap();

        let res = app.post_json("/v1/server_levels", json!({"server_level": {"name": "WEB"}})).await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"name": ["has already been taken"]}));
        let res = app.post_json("/v1/server_levels", json!({"server_level": {"description": "x"}})).await;
        assert_eq!(res.json(), json!({"name": ["can't be blank"]}));
        let res = app.post_json("/v1/server_levels", json!({"server_level": {"name": "Db", "colour": "red"}})).await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"colour": ["is not a known attribute"]}));

        let web1 = id_of(&app, "servers", "server", json!({"name": "web1", "server_level_id": lid})).await;
        let res = app.get_json(&format!("/v1/server_levels/{lid}")).await;
        assert_eq!(res.json()["servers"], json!([{"id": web1, "name": "web1"}]));

        // XML: created from an XML body, elements dasherized, servers as an array.
        let res = app.send_xml(TestRequest::post().uri(&app.path("/v1/server_levels")), "<server-level><name>Db</name><description nil=\"true\"/></server-level>").await;
        assert_eq!(res.status, 201, "{}", res.text());
        let xml = res.text();
        assert!(xml.contains("<server-level>") && xml.contains("<name>Db</name>"), "{xml}");
        assert!(xml.contains("<description nil=\"true\"></description>") || xml.contains("<description nil=\"true\"/>"), "{xml}");
        assert!(xml.contains("<servers type=\"array\"/>"), "{xml}");
        let xml = get_xml(&app, &format!("/v1/server_levels/{lid}")).await.text();
        assert!(xml.contains("<servers type=\"array\">") && xml.contains("<server>") && xml.contains("<name>web1</name>"), "{xml}");
        let xml = get_xml(&app, "/v1/server_levels").await.text();
        assert!(xml.contains("<server-levels type=\"array\">"), "{xml}");

        // "Filters: name."
        assert_eq!(names(&app.get_json("/v1/server_levels").await), ["Web", "Db"]);
        assert_eq!(names(&app.get_json("/v1/server_levels?filters[name]=Db").await), ["Db"]);
        assert_eq!(app.get_json("/v1/server_levels?filters[name]=None").await.status, 404, "an empty list is a 404");
        assert_eq!(app.get_json("/v1/server_levels?filters[colour]=red").await.status, 422);

        // Read-modify-write.
        let mut back = app.get_json(&format!("/v1/server_levels/{lid}")).await.json();
        back["description"] = json!("public");
        let res = app.put_json(&format!("/v1/server_levels/{lid}"), json!({"server_level": back})).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(res.json()["description"], "public");
        let res = app.put_json(&format!("/v1/server_levels/{lid}"), json!({"server_level": {"name": "db"}})).await;
        assert_eq!(res.json(), json!({"name": ["has already been taken"]}));

        // "DELETE destroys it (servers keep existing, their server_level_id becomes null)"
        let res = delete(&app, &format!("/v1/server_levels/{lid}")).await;
        assert_eq!(res.status, 202);
        assert_eq!(app.get_json(&format!("/v1/server_levels/{lid}")).await.status, 404);
        let server = app.get_json(&format!("/v1/servers/{web1}")).await.json();
        assert_eq!(server["server_level_id"], Value::Null);
        assert!(server.get("server_level").is_none(), "a missing belongs_to is left out");
        assert_eq!(delete(&app, &format!("/v1/server_levels/{lid}")).await.status, 404);
        assert_eq!(app.get_json("/v1/server_levels/abc").await.status, 404);
    }

    // servers: "Representation: active, created_at, description, id, ip_address, name,
    // os_platform, parent_id, parent_type, server_level_id, updated_at, then `server_level`
    // {id, name} (left out when none) and `environments` [{id, name}]"
    async fn a_server_shows_its_level_parent_and_environments(app: TestApp) {
        let lid = id_of(&app, "server_levels", "server_level", json!({"name": "Web"})).await;
        let prod = environment(&app, "production");
        let qa = environment(&app, "qa");
        let host = app.post_json("/v1/servers", json!({"server": {"name": "host1"}})).await;
        assert_eq!(host.status, 201, "{}", host.text());
        let host = host.json();
        assert_eq!(host["active"], true, "active by default");
        assert_eq!(host["parent_type"], Value::Null);
        assert!(host.get("server_level").is_none());
        let host_id = host["id"].as_i64().unwrap();

        let res = app.post_json("/v1/servers", json!({"server": {
            "name": "web1", "description": "front", "ip_address": "10.0.0.1", "os_platform": "Linux",
            "server_level_id": lid, "parent_id": host_id, "environment_ids": [qa, prod]
        }})).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let server = res.json();
        assert_eq!(sorted_keys(&server), strs(&["active", "created_at", "description", "environments", "id", "ip_address", "name", "os_platform", "parent_id", "parent_type", "server_level", "server_level_id", "updated_at"]));
        keys_in_order(&res.text(), &["active", "created_at", "description", "id", "ip_address", "name", "os_platform", "parent_id", "parent_type", "server_level_id", "updated_at", "server_level", "environments"]);
        assert_eq!(server["parent_id"], host_id);
        assert_eq!(server["parent_type"], "Server");
        assert_eq!(server["server_level"], json!({"id": lid, "name": "Web"}));
        assert_eq!(server["environments"], json!([{"id": prod, "name": "production"}, {"id": qa, "name": "qa"}]));
        let id = server["id"].as_i64().unwrap();

        let xml = get_xml(&app, &format!("/v1/servers/{id}")).await.text();
        for element in ["<server>", "<active type=\"boolean\">true</active>", "<ip-address>10.0.0.1</ip-address>", "<os-platform>Linux</os-platform>",
            &format!("<parent-id type=\"integer\">{host_id}</parent-id>"), "<parent-type>Server</parent-type>",
            &format!("<server-level-id type=\"integer\">{lid}</server-level-id>"), "<server-level>", "<environments type=\"array\">", "<environment>"] {
            assert!(xml.contains(element), "{element} in {xml}");
        }

        // Read-modify-write, then environment_ids replaces the list.
        let mut back = app.get_json(&format!("/v1/servers/{id}")).await.json();
        back["os_platform"] = json!("AIX");
        let res = app.put_json(&format!("/v1/servers/{id}"), json!({"server": back})).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(res.json()["os_platform"], "AIX");
        assert_eq!(res.json()["environments"].as_array().unwrap().len(), 2, "sent back unchanged");
        let res = app.put_json(&format!("/v1/servers/{id}"), json!({"server": {"environment_ids": [qa], "parent_id": null}})).await;
        assert_eq!(res.json()["environments"], json!([{"id": qa, "name": "qa"}]));
        assert_eq!(res.json()["parent_type"], Value::Null);

        // XML body with an array of ids.
        let xml = format!("<server><name>db1</name><server-level-id type=\"integer\">{lid}</server-level-id><environment-ids type=\"array\"><environment-id type=\"integer\">{prod}</environment-id></environment-ids></server>");
        let res = app.send_xml(TestRequest::post().uri(&app.path("/v1/servers")), &xml).await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert!(res.text().contains("<name>production</name>"), "{}", res.text());
    }

    // "name (required, unique), ... server_level_id (must exist), parent_id (another server
    // that must exist, not itself), `environment_ids` on write (... ids must exist)"
    async fn server_references_must_exist(app: TestApp) {
        let a = id_of(&app, "servers", "server", json!({"name": "a"})).await;
        let res = app.post_json("/v1/servers", json!({"server": {"name": "A"}})).await;
        assert_eq!(res.json(), json!({"name": ["has already been taken"]}));
        let res = app.post_json("/v1/servers", json!({"server": {"name": ""}})).await;
        assert_eq!(res.json(), json!({"name": ["can't be blank"]}));
        let res = app.post_json("/v1/servers", json!({"server": {"name": "b", "server_level_id": 9999, "parent_id": 9999, "environment_ids": [9999]}})).await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"server_level_id": ["does not exist"], "parent_id": ["does not exist"], "environment_ids": ["does not exist"]}));
        let res = app.post_json("/v1/servers", json!({"server": {"name": "b", "server_level_id": "one", "active": "maybe", "parent_id": [1]}})).await;
        assert_eq!(res.json(), json!({"server_level_id": ["is not a number"], "active": ["is not included in the list"], "parent_id": ["is not a number"]}));
        let res = app.post_json("/v1/servers", json!({"server": {"name": "b", "parent_type": "Server", "owner": 1}})).await;
        assert_eq!(res.json(), json!({"owner": ["is not a known attribute"]}), "parent_type is read-only, ignored");
        assert_eq!(app.get_json("/v1/servers?filters[name]=b").await.status, 404, "refused creates leave nothing");

        let own = "cannot be the server itself or one of the servers inside it";
        let res = app.put_json(&format!("/v1/servers/{a}"), json!({"server": {"parent_id": a}})).await;
        assert_eq!(res.json(), json!({"parent_id": [own]}));
        let b = id_of(&app, "servers", "server", json!({"name": "b", "parent_id": a})).await;
        let res = app.put_json(&format!("/v1/servers/{a}"), json!({"server": {"parent_id": b}})).await;
        assert_eq!(res.json(), json!({"parent_id": [own]}), "no loops");
        assert_eq!(app.get_json(&format!("/v1/servers/{a}")).await.json()["parent_id"], Value::Null);
        assert_eq!(app.put_json("/v1/servers/9999", json!({"server": {"name": "z"}})).await.status, 404);
    }

    // "Filters: name, server_level_id, environment_id, active/inactive (active only unless
    // asked). DELETE deactivates and answers 202 with the record."
    async fn server_filters_and_deactivation(app: TestApp) {
        let web = id_of(&app, "server_levels", "server_level", json!({"name": "Web"})).await;
        let db = id_of(&app, "server_levels", "server_level", json!({"name": "Db"})).await;
        let prod = environment(&app, "production");
        let qa = environment(&app, "qa");
        id_of(&app, "servers", "server", json!({"name": "web1", "server_level_id": web, "environment_ids": [prod]})).await;
        id_of(&app, "servers", "server", json!({"name": "web2", "server_level_id": web, "environment_ids": [qa, prod]})).await;
        let db1 = id_of(&app, "servers", "server", json!({"name": "db1", "server_level_id": db, "environment_ids": [qa]})).await;

        assert_eq!(names(&app.get_json("/v1/servers").await), ["web1", "web2", "db1"]);
        assert_eq!(names(&app.get_json("/v1/servers?filters[name]=web2").await), ["web2"]);
        assert_eq!(names(&app.get_json(&format!("/v1/servers?filters[server_level_id]={web}")).await), ["web1", "web2"]);
        assert_eq!(names(&app.get_json(&format!("/v1/servers?filters[environment_id]={qa}")).await), ["web2", "db1"]);
        assert_eq!(names(&app.get_json(&format!("/v1/servers?filters[environment_id][]={qa}&filters[server_level_id]={web}")).await), ["web2"]);
        assert_eq!(names(&app.get_json(&format!("/v1/servers?filters[server_level_id][]={web}&filters[server_level_id][]={db}")).await), ["web1", "web2", "db1"]);
        let res = app.send(TestRequest::get().uri(&app.path("/v1/servers")).insert_header(("Accept", "application/json")).set_json(json!({"filters": {"name": ["db1", "web1"]}}))).await;
        assert_eq!(names(&res), ["web1", "db1"], "filters in a body");
        assert_eq!(app.get_json("/v1/servers?filters[server_level_id]=abc").await.json(), json!({"server_level_id": ["is not a number"]}));

        let res = delete(&app, &format!("/v1/servers/{db1}")).await;
        assert_eq!(res.status, 202);
        assert_eq!(res.json()["active"], false);
        assert_eq!(res.json()["name"], "db1");
        assert_eq!(app.get_json(&format!("/v1/servers/{db1}")).await.json()["active"], false, "the record stays");
        assert_eq!(names(&app.get_json("/v1/servers").await), ["web1", "web2"]);
        assert_eq!(names(&app.get_json("/v1/servers?filters[inactive]=true").await), ["db1"]);
        assert_eq!(names(&app.get_json("/v1/servers?filters[active]=false").await), ["db1"]);
        assert_eq!(names(&app.get_json("/v1/servers?filters[active]=true&filters[inactive]=true").await), ["web1", "web2", "db1"]);
        let xml = app.send(TestRequest::delete().uri(&app.path(&format!("/v1/servers/{db1}.xml")))).await;
        assert_eq!(xml.status, 202);
        assert!(xml.text().contains("<active type=\"boolean\">false</active>"), "{}", xml.text());
        // 405 for what a resource does not take.
        let res = app.send(TestRequest::put().uri(&app.path("/v1/servers")).insert_header(("Accept", "application/json"))).await;
        assert_eq!(res.status, 405);
    }

    // phases: "name (required, unique), position (integer; default: next after the last);
    // representation adds `runtime_phases` [{id, name, position}]"
    async fn phases_are_ordered_and_hold_runtime_phases(app: TestApp) {
        let res = app.post_json("/v1/phases", json!({"phase": {"name": "Build"}})).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let build = res.json();
        assert_eq!(sorted_keys(&build), strs(&["created_at", "id", "name", "position", "runtime_phases", "updated_at"]));
        keys_in_order(&res.text(), &["created_at", "id", "name", "position", "updated_at", "runtime_phases"]);
        assert_eq!(build["position"], 1);
        let build = build["id"].as_i64().unwrap();
        let test = create(&app, "phases", "phase", json!({"name": "Test"})).await;
        assert_eq!(test["position"], 2, "next after the last");
        let first = create(&app, "phases", "phase", json!({"name": "Plan", "position": "1"})).await;
        assert_eq!(first["position"], 1);
        // "ordered by position then id"
        assert_eq!(names(&app.get_json("/v1/phases").await), ["Build", "Plan", "Test"]);
        assert_eq!(names(&app.get_json("/v1/phases?filters[name]=Test").await), ["Test"]);

        let res = app.post_json("/v1/phases", json!({"phase": {"name": "build", "position": 0}})).await;
        assert_eq!(res.json(), json!({"name": ["has already been taken"], "position": ["must be greater than 0"]}));
        let res = app.post_json("/v1/phases", json!({"phase": {"position": "last"}})).await;
        assert_eq!(res.json(), json!({"position": ["is not a number"]}));
        let res = app.post_json("/v1/phases", json!({"phase": {}})).await;
        assert_eq!(res.json(), json!({"name": ["can't be blank"]}));

        let res = app.post_json("/v1/runtime_phases", json!({"runtime_phase": {"phase_id": build, "name": "Compile"}})).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let compile = res.json();
        assert_eq!(sorted_keys(&compile), strs(&["created_at", "id", "name", "phase", "phase_id", "position", "updated_at"]));
        keys_in_order(&res.text(), &["created_at", "id", "name", "phase_id", "position", "updated_at", "phase"]);
        assert_eq!(compile["phase"], json!({"id": build, "name": "Build"}));
        assert_eq!(compile["position"], 1);
        let link = create(&app, "runtime_phases", "runtime_phase", json!({"phase_id": build, "name": "Link"})).await;
        assert_eq!(link["position"], 2, "next in its phase");
        let early = create(&app, "runtime_phases", "runtime_phase", json!({"phase_id": build, "name": "Fetch", "position": 1})).await;
        let other = create(&app, "runtime_phases", "runtime_phase", json!({"phase_id": test["id"], "name": "Compile"})).await;
        assert_eq!(other["position"], 1, "names and positions are per phase");

        let phase = app.get_json(&format!("/v1/phases/{build}")).await.json();
        assert_eq!(phase["runtime_phases"], json!([
            {"id": compile["id"], "name": "Compile", "position": 1},
            {"id": early["id"], "name": "Fetch", "position": 1},
            {"id": link["id"], "name": "Link", "position": 2},
        ]));
        let xml = get_xml(&app, &format!("/v1/phases/{build}")).await.text();
        assert!(xml.contains("<runtime-phases type=\"array\">") && xml.contains("<runtime-phase>") && xml.contains("<position type=\"integer\">2</position>"), "{xml}");
        let xml = get_xml(&app, &format!("/v1/runtime_phases/{}", link["id"])).await.text();
        assert!(xml.contains("<runtime-phase>") && xml.contains("<phase>") && xml.contains(&format!("<phase-id type=\"integer\">{build}</phase-id>")), "{xml}");

        // Read-modify-write keeps everything.
        let back = app.get_json(&format!("/v1/phases/{build}")).await.json();
        let res = app.put_json(&format!("/v1/phases/{build}"), json!({"phase": back})).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(res.json()["runtime_phases"].as_array().unwrap().len(), 3);
        let res = app.put_json(&format!("/v1/phases/{build}"), json!({"phase": {"position": 5, "name": "Building"}})).await;
        assert_eq!(res.json()["position"], 5);
        assert_eq!(names(&app.get_json("/v1/phases").await), ["Plan", "Test", "Building"]);
        let back = app.get_json(&format!("/v1/runtime_phases/{}", link["id"])).await.json();
        let res = app.put_json(&format!("/v1/runtime_phases/{}", link["id"]), json!({"runtime_phase": back})).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(res.json()["phase"]["name"], "Building");
    }

    // runtime_phases: "phase_id (required, must exist), name (required, unique within its
    // phase), position ... Filters: name, phase_id"
    async fn runtime_phase_rules_and_filters(app: TestApp) {
        let build = id_of(&app, "phases", "phase", json!({"name": "Build"})).await;
        let test = id_of(&app, "phases", "phase", json!({"name": "Test"})).await;
        let res = app.post_json("/v1/runtime_phases", json!({"runtime_phase": {}})).await;
        assert_eq!(res.json(), json!({"phase_id": ["can't be blank"], "name": ["can't be blank"]}));
        let res = app.post_json("/v1/runtime_phases", json!({"runtime_phase": {"phase_id": 9999, "name": "x"}})).await;
        assert_eq!(res.json(), json!({"phase_id": ["does not exist"]}));
        let res = app.post_json("/v1/runtime_phases", json!({"runtime_phase": {"phase_id": "b", "name": "x", "colour": 1}})).await;
        assert_eq!(res.json(), json!({"phase_id": ["is not a number"], "colour": ["is not a known attribute"]}));
        let compile = id_of(&app, "runtime_phases", "runtime_phase", json!({"phase_id": build, "name": "Compile"})).await;
        let res = app.post_json("/v1/runtime_phases", json!({"runtime_phase": {"phase_id": build, "name": "COMPILE"}})).await;
        assert_eq!(res.json(), json!({"name": ["has already been taken"]}));
        let res = app.send_xml(TestRequest::post().uri(&app.path("/v1/runtime_phases")), &format!("<runtime-phase><phase-id type=\"integer\">{test}</phase-id><name>Compile</name></runtime-phase>")).await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert!(res.text().contains("<runtime-phase>"), "{}", res.text());
        id_of(&app, "runtime_phases", "runtime_phase", json!({"phase_id": test, "name": "Smoke"})).await;

        let all = app.get_json("/v1/runtime_phases").await;
        assert_eq!(names(&all), ["Compile", "Compile", "Smoke"], "by position, then id");
        assert_eq!(names(&app.get_json(&format!("/v1/runtime_phases?filters[phase_id]={test}")).await), ["Compile", "Smoke"]);
        assert_eq!(names(&app.get_json("/v1/runtime_phases?filters[name]=Smoke").await), ["Smoke"]);
        assert_eq!(app.get_json(&format!("/v1/runtime_phases?filters[name]=Smoke&filters[phase_id]={build}")).await.status, 404);

        // Moving to another phase checks the name there.
        let res = app.put_json(&format!("/v1/runtime_phases/{compile}"), json!({"runtime_phase": {"phase_id": test}})).await;
        assert_eq!(res.json(), json!({"name": ["has already been taken"]}));
        let res = app.put_json(&format!("/v1/runtime_phases/{compile}"), json!({"runtime_phase": {"phase_id": null}})).await;
        assert_eq!(res.json(), json!({"phase_id": ["can't be blank"]}));
    }

    // "DELETE on phases, runtime_phases, work_tasks and categories destroys the record unless
    // steps refer to it: then 422 {"base": ["cannot be deleted while steps use it"]} and
    // nothing changes."
    async fn records_steps_use_are_not_deleted(app: TestApp) {
        let in_use = json!({"base": ["cannot be deleted while steps use it"]});
        let r = request(&app, "created");
        let s = step(&app, "deploy", 1, Some(r), None);
        let build = id_of(&app, "phases", "phase", json!({"name": "Build"})).await;
        let compile = id_of(&app, "runtime_phases", "runtime_phase", json!({"phase_id": build, "name": "Compile"})).await;
        let task = id_of(&app, "work_tasks", "work_task", json!({"name": "Deploy"})).await;
        let category = id_of(&app, "categories", "category", json!({"name": "Db"})).await;

        use_in_step(&app, s, "runtime_phase_id", compile);
        for path in [format!("/v1/runtime_phases/{compile}"), format!("/v1/phases/{build}")] {
            let res = delete(&app, &path).await;
            assert_eq!(res.status, 422, "{path}");
            assert_eq!(res.json(), in_use, "{path}: a phase whose runtime phase is used is used too");
        }
        let res = app.send(TestRequest::delete().uri(&app.path(&format!("/v1/phases/{build}.xml")))).await;
        assert_eq!(res.status, 422);
        assert!(res.text().contains("<error>cannot be deleted while steps use it</error>"), "{}", res.text());
        use_in_step(&app, s, "work_task_id", task);
        use_in_step(&app, s, "category_id", category);
        for path in [format!("/v1/work_tasks/{task}"), format!("/v1/categories/{category}")] {
            let res = delete(&app, &path).await;
            assert_eq!(res.json(), in_use, "{path}");
            assert_eq!(app.get_json(&path).await.status, 200, "{path}: nothing changes");
        }
        assert_eq!(app.get_json(&format!("/v1/runtime_phases/{compile}")).await.status, 200);

        // Once no step uses them, they go.
        diesel::delete(steps::table.find(s)).execute(&mut **app.pool.get().unwrap()).unwrap();
        let other = id_of(&app, "phases", "phase", json!({"name": "Test"})).await;
        let s2 = step(&app, "verify", 2, Some(r), None);
        use_in_step(&app, s2, "phase_id", other);
        assert_eq!(delete(&app, &format!("/v1/phases/{other}")).await.json(), in_use);
        for path in [format!("/v1/work_tasks/{task}"), format!("/v1/categories/{category}"), format!("/v1/phases/{build}")] {
            let res = delete(&app, &path).await;
            assert_eq!(res.status, 202, "{path}: {}", res.text());
            assert_eq!(app.get_json(&path).await.status, 404, "{path}");
        }
        assert_eq!(app.get_json(&format!("/v1/runtime_phases/{compile}")).await.status, 404, "a phase's runtime phases go with it");
        assert_eq!(delete(&app, "/v1/categories/9999").await.status, 404);
    }

    // work_tasks: "name (required, unique), position"
    async fn work_tasks(app: TestApp) {
        let res = app.post_json("/v1/work_tasks", json!({"work_task": {"name": "Deploy"}})).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let deploy = res.json();
        assert_eq!(sorted_keys(&deploy), strs(&["created_at", "id", "name", "position", "updated_at"]));
        keys_in_order(&res.text(), &["created_at", "id", "name", "position", "updated_at"]);
        assert_eq!(deploy["position"], 1);
        let res = app.send_xml(TestRequest::post().uri(&app.path("/v1/work_tasks")), "<work-task><name>Verify</name><position type=\"integer\">1</position></work-task>").await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert!(res.text().contains("<work-task>") && res.text().contains("<position type=\"integer\">1</position>"), "{}", res.text());
        let backup = create(&app, "work_tasks", "work_task", json!({"name": "Backup"})).await;
        assert_eq!(backup["position"], 2);
        assert_eq!(names(&app.get_json("/v1/work_tasks").await), ["Deploy", "Verify", "Backup"]);
        assert_eq!(names(&app.get_json("/v1/work_tasks?filters[name]=Backup").await), ["Backup"]);
        let xml = get_xml(&app, "/v1/work_tasks").await.text();
        assert!(xml.contains("<work-tasks type=\"array\">\n  <work-task>"), "{xml}");

        let res = app.post_json("/v1/work_tasks", json!({"work_task": {"name": "deploy"}})).await;
        assert_eq!(res.json(), json!({"name": ["has already been taken"]}));
        let res = app.post_json("/v1/work_tasks", json!({"work_task": {"name": " ", "position": -1, "steps": []}})).await;
        assert_eq!(res.json(), json!({"steps": ["is not a known attribute"]}), "a body that cannot be read is refused before validation");
        let res = app.post_json("/v1/work_tasks", json!({"work_task": {"name": " ", "position": -1}})).await;
        assert_eq!(res.json(), json!({"name": ["can't be blank"], "position": ["must be greater than 0"]}));
        let id = deploy["id"].as_i64().unwrap();
        let back = app.get_json(&format!("/v1/work_tasks/{id}")).await.json();
        let res = app.put_json(&format!("/v1/work_tasks/{id}"), json!({"work_task": back})).await;
        assert_eq!(res.status, 202, "{}", res.text());
        let res = app.put_json(&format!("/v1/work_tasks/{id}"), json!({"work_task": {"position": 9}})).await;
        assert_eq!(res.json()["position"], 9);
        assert_eq!(names(&app.get_json("/v1/work_tasks").await), ["Verify", "Backup", "Deploy"]);
    }

    // categories: "name (required, unique), categorized_type ("step" or "request", default
    // "step"; else "is not included in the list")"
    async fn categories(app: TestApp) {
        let res = app.post_json("/v1/categories", json!({"category": {"name": "Database"}})).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let db = res.json();
        assert_eq!(sorted_keys(&db), strs(&["categorized_type", "created_at", "id", "name", "updated_at"]));
        keys_in_order(&res.text(), &["categorized_type", "created_at", "id", "name", "updated_at"]);
        assert_eq!(db["categorized_type"], "step");
        let res = app.send_xml(TestRequest::post().uri(&app.path("/v1/categories")), "<category><name>Emergency</name><categorized-type>request</categorized-type></category>").await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert!(res.text().contains("<categorized-type>request</categorized-type>"), "{}", res.text());
        let res = app.post_json("/v1/categories", json!({"category": {"name": "x", "categorized_type": "app"}})).await;
        assert_eq!(res.json(), json!({"categorized_type": ["is not included in the list"]}));
        let res = app.post_json("/v1/categories", json!({"category": {"name": "DATABASE"}})).await;
        assert_eq!(res.json(), json!({"name": ["has already been taken"]}));
        let res = app.post_json("/v1/categories", json!({"category": {"name": {"a": 1}}})).await;
        assert_eq!(res.json(), json!({"name": ["is invalid"]}));

        assert_eq!(names(&app.get_json("/v1/categories").await), ["Database", "Emergency"]);
        assert_eq!(names(&app.get_json("/v1/categories?filters[categorized_type]=request").await), ["Emergency"]);
        assert_eq!(names(&app.get_json("/v1/categories?filters[name]=Database&filters[categorized_type]=step").await), ["Database"]);
        assert_eq!(app.get_json("/v1/categories?filters[name]=Database&filters[categorized_type]=request").await.status, 404);
        let xml = get_xml(&app, "/v1/categories").await.text();
        assert!(xml.contains("<categories type=\"array\">\n  <category>"), "{xml}");

        let id = db["id"].as_i64().unwrap();
        let mut back = app.get_json(&format!("/v1/categories/{id}")).await.json();
        back["categorized_type"] = json!("request");
        let res = app.put_json(&format!("/v1/categories/{id}"), json!({"category": back})).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(res.json()["categorized_type"], "request");
    }

    // procedures: "name (required, unique), description, aasm_state (draft, pending, released,
    // retired, archived; default draft; validated by inclusion). Representation adds `steps`
    // [{id, name, position, manual, aasm_state}] ordered by position"
    async fn procedures_show_their_own_steps(app: TestApp) {
        let res = app.post_json("/v1/procedures", json!({"procedure": {"name": "Deploy app", "description": "the usual"}})).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let p = res.json();
        assert_eq!(sorted_keys(&p), strs(&["aasm_state", "created_at", "description", "id", "name", "steps", "updated_at"]));
        keys_in_order(&res.text(), &["aasm_state", "created_at", "description", "id", "name", "updated_at", "steps"]);
        assert_eq!(p["aasm_state"], "draft");
        assert_eq!(p["steps"], json!([]));
        let pid = p["id"].as_i64().unwrap();

        let second = step(&app, "Restart", 2, None, Some(pid));
        let first = step(&app, "Stop", 1, None, Some(pid));
        // A child of a procedure step and a copy in a request are not the procedure's own.
        let child = step(&app, "inner", 1, None, Some(pid));
        diesel::update(steps::table.find(child)).set(steps::parent_id.eq(first)).execute(&mut **app.pool.get().unwrap()).unwrap();
        let r = request(&app, "created");
        step(&app, "Deploy app", 1, Some(r), Some(pid));

        let shown = app.get_json(&format!("/v1/procedures/{pid}")).await.json();
        assert_eq!(shown["steps"], json!([
            {"aasm_state": "locked", "id": first, "manual": true, "name": "Stop", "position": 1},
            {"aasm_state": "locked", "id": second, "manual": true, "name": "Restart", "position": 2},
        ]));
        let xml = get_xml(&app, &format!("/v1/procedures/{pid}")).await.text();
        assert!(xml.contains("<procedure>") && xml.contains("<steps type=\"array\">") && xml.contains("<aasm-state>locked</aasm-state>") && xml.contains("<manual type=\"boolean\">true</manual>"), "{xml}");

        let res = app.send_xml(TestRequest::post().uri(&app.path("/v1/procedures")), "<procedure><name>Rollback</name><aasm-state>released</aasm-state></procedure>").await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert!(res.text().contains("<aasm-state>released</aasm-state>") && res.text().contains("<steps type=\"array\"/>"), "{}", res.text());

        let res = app.post_json("/v1/procedures", json!({"procedure": {"name": "deploy APP", "aasm_state": "done"}})).await;
        assert_eq!(res.json(), json!({"name": ["has already been taken"], "aasm_state": ["is not included in the list"]}));
        let res = app.post_json("/v1/procedures", json!({"procedure": {"description": "x", "request_id": 1}})).await;
        assert_eq!(res.json(), json!({"request_id": ["is not a known attribute"]}));
        let res = app.post_json("/v1/procedures", json!({"procedure": {"description": "x"}})).await;
        assert_eq!(res.json(), json!({"name": ["can't be blank"]}));

        // "Filters: name, aasm_state."
        assert_eq!(names(&app.get_json("/v1/procedures").await), ["Deploy app", "Rollback"]);
        assert_eq!(names(&app.get_json("/v1/procedures?filters[aasm_state]=released").await), ["Rollback"]);
        assert_eq!(names(&app.get_json("/v1/procedures?filters[aasm_state][]=draft&filters[aasm_state][]=released").await), ["Deploy app", "Rollback"]);
        assert_eq!(names(&app.get_json("/v1/procedures?filters[name]=Deploy%20app").await), ["Deploy app"]);
        assert_eq!(app.get_json("/v1/procedures?filters[aasm_state]=retired").await.status, 404);

        let mut back = shown.clone();
        back["aasm_state"] = json!("pending");
        let res = app.put_json(&format!("/v1/procedures/{pid}"), json!({"procedure": back})).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(res.json()["aasm_state"], "pending");
        assert_eq!(res.json()["steps"].as_array().unwrap().len(), 2);

        // "DELETE destroys the procedure and its steps"; the copy in the request stays.
        let before = step_count(&app);
        let res = delete(&app, &format!("/v1/procedures/{pid}")).await;
        assert_eq!(res.status, 202);
        assert_eq!(app.get_json(&format!("/v1/procedures/{pid}")).await.status, 404);
        assert_eq!(step_count(&app), before - 3, "its two steps and the child of one");
        let kept: Option<i64> = steps::table.filter(steps::request_id.eq(r)).select(steps::procedure_id).first(&mut **app.pool.get().unwrap()).unwrap();
        assert_eq!(kept, None, "the request's copy is detached, not destroyed");
    }

    // "POST /v1/procedures/:id/add_to_request ... copies the procedure into request R as one
    // procedure step ... whose children are copies of the procedure's steps"
    async fn add_to_request_copies_the_procedure(app: TestApp) {
        let pid = id_of(&app, "procedures", "procedure", json!({"name": "Deploy app", "description": "the usual"})).await;
        let build = id_of(&app, "phases", "phase", json!({"name": "Build"})).await;
        let server = id_of(&app, "servers", "server", json!({"name": "web1"})).await;
        // Positions with a gap: the copies are numbered 1..n in the same order.
        let stop = step(&app, "Stop", 1, None, Some(pid));
        let start = step(&app, "Start", 3, None, Some(pid));
        {
            let mut conn = app.pool.get().unwrap();
            diesel::update(steps::table.find(start))
                .set((steps::description.eq("start it"), steps::phase_id.eq(build), steps::estimate.eq(30_i64),
                      steps::should_execute.eq(false), steps::owner_id.eq(1_i64), steps::owner_type.eq("User"),
                      steps::aasm_state.eq("complete"), steps::work_started_at.eq(runsheet_core::time::now())))
                .execute(&mut **conn).unwrap();
            diesel::insert_into(step_servers::table)
                .values((step_servers::step_id.eq(start), step_servers::server_id.eq(server), step_servers::role.eq("alternate")))
                .execute(&mut **conn).unwrap();
        }
        let r = request(&app, "planned");
        step(&app, "Prepare", 1, Some(r), None);
        step(&app, "Announce", 2, Some(r), None);

        let res = app.post_json(&format!("/v1/procedures/{pid}/add_to_request"), json!({"request_id": r})).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let added = res.json();
        keys_in_order(&res.text(), &["id", "name", "position", "procedure", "request_id", "steps"]);
        assert_eq!(sorted_keys(&added), strs(&["id", "name", "position", "procedure", "request_id", "steps"]));
        assert_eq!(added["name"], "Deploy app");
        assert_eq!(added["position"], 3, "next top-level position in the request");
        assert_eq!(added["procedure"], true);
        assert_eq!(added["request_id"], r);
        let children = added["steps"].as_array().unwrap();
        assert_eq!(children.iter().map(|c| (c["name"].as_str().unwrap(), c["position"].as_i64().unwrap())).collect::<Vec<_>>(), [("Stop", 1), ("Start", 2)]);
        for child in children {
            assert_eq!(sorted_keys(child), strs(&["id", "name", "position"]));
        }
        let parent_id = added["id"].as_i64().unwrap();
        let start_copy = children[1]["id"].as_i64().unwrap();
        assert!(![stop, start].contains(&start_copy));

        type Copied = (Option<String>, String, Option<i64>, Option<i64>, Option<i64>, bool, bool, Option<i64>, Option<i64>, Option<String>, Option<i64>);
        let mut conn = app.pool.get().unwrap();
        let parent: Copied = steps::table.find(parent_id)
            .select((steps::description, steps::aasm_state, steps::request_id, steps::procedure_id, steps::parent_id, steps::manual, steps::procedure, steps::phase_id, steps::owner_id, steps::owner_type, steps::estimate))
            .first(&mut **conn).unwrap();
        assert_eq!(parent, (Some("the usual".into()), "locked".into(), Some(r), Some(pid), None, true, true, None, None, None, None));
        let copy: Copied = steps::table.find(start_copy)
            .select((steps::description, steps::aasm_state, steps::request_id, steps::procedure_id, steps::parent_id, steps::should_execute, steps::procedure, steps::phase_id, steps::owner_id, steps::owner_type, steps::estimate))
            .first(&mut **conn).unwrap();
        assert_eq!(copy, (Some("start it".into()), "locked".into(), Some(r), None, Some(parent_id), false, false, Some(build), Some(1), Some("User".into()), Some(30)));
        let started: Option<chrono::NaiveDateTime> = steps::table.find(start_copy).select(steps::work_started_at).first(&mut **conn).unwrap();
        assert_eq!(started, None, "the copy has not run");
        let roles: Vec<(i64, String)> = step_servers::table.filter(step_servers::step_id.eq(start_copy)).select((step_servers::server_id, step_servers::role)).load(&mut **conn).unwrap();
        assert_eq!(roles, [(server, "alternate".to_string())]);
        let values: i64 = step_property_values::table.count().get_result(&mut **conn).unwrap();
        assert_eq!(values, 0);
        drop(conn);

        // The procedure itself is unchanged: still its two steps.
        let shown = app.get_json(&format!("/v1/procedures/{pid}")).await.json();
        assert_eq!(shown["steps"].as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap()).collect::<Vec<_>>(), [stop, start]);

        // XML body, and the query string; each adds one more, at the next position.
        let res = app.send_xml(TestRequest::post().uri(&app.path(&format!("/v1/procedures/{pid}/add_to_request"))), &format!("<procedure><request_id>{r}</request_id></procedure>")).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let xml = res.text();
        assert!(xml.contains("<step>") && xml.contains("<position type=\"integer\">4</position>") && xml.contains("<procedure type=\"boolean\">true</procedure>")
            && xml.contains(&format!("<request-id type=\"integer\">{r}</request-id>")) && xml.contains("<steps type=\"array\">"), "{xml}");
        let res = app.post_json(&format!("/v1/procedures/{pid}/add_to_request?request_id={r}"), json!({})).await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert_eq!(res.json()["position"], 5);
        let res = app.send(TestRequest::post().uri(&app.path(&format!("/v1/procedures/{pid}/add_to_request.json?request_id={r}")))).await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert_eq!(res.json()["position"], 6);
    }

    // "Unknown procedure: 404; request_id missing or unknown: 422 {"request_id": [...]}; a
    // request that is complete, cancelled or deleted: 422 {"request_id": ["is not editable
    // in state complete"]}"
    async fn add_to_request_errors_change_nothing(app: TestApp) {
        let pid = id_of(&app, "procedures", "procedure", json!({"name": "Deploy app"})).await;
        step(&app, "Stop", 1, None, Some(pid));
        let r = request(&app, "started");
        let path = format!("/v1/procedures/{pid}/add_to_request");
        let before = step_count(&app);

        assert_eq!(app.post_json("/v1/procedures/9999/add_to_request", json!({"request_id": r})).await.status, 404);
        assert_eq!(app.post_json("/v1/procedures/9999/add_to_request", json!({})).await.status, 404);
        let res = app.post_json(&path, json!({})).await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"request_id": ["can't be blank"]}));
        assert_eq!(app.post_json(&path, json!({"request_id": 9999})).await.json(), json!({"request_id": ["does not exist"]}));
        assert_eq!(app.post_json(&path, json!({"request_id": "one"})).await.json(), json!({"request_id": ["is not a number"]}));
        assert_eq!(app.post_json(&path, json!({"request_id": r, "position": 1})).await.json(), json!({"position": ["is not a known attribute"]}));
        for state in ["complete", "cancelled", "deleted"] {
            let closed = request(&app, state);
            let res = app.post_json(&path, json!({"request_id": closed})).await;
            assert_eq!(res.status, 422);
            assert_eq!(res.json(), json!({"request_id": [format!("is not editable in state {state}")]}));
        }
        let res = app.send_xml(TestRequest::post().uri(&app.path(&path)), "<procedure><request-id>9999</request-id></procedure>").await;
        assert_eq!(res.status, 422);
        assert!(res.text().contains("<error>Request does not exist</error>"), "{}", res.text());
        assert_eq!(step_count(&app), before, "nothing changed");
        let res = app.send(TestRequest::get().uri(&app.path(&path)).insert_header(("Accept", "application/json"))).await;
        assert_eq!(res.status, 405);

        // An empty procedure still adds its (empty) procedure step.
        let empty = id_of(&app, "procedures", "procedure", json!({"name": "Nothing"})).await;
        let res = app.post_json(&format!("/v1/procedures/{empty}/add_to_request"), json!({"procedure": {"request_id": r}})).await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert_eq!(res.json()["position"], 1);
        assert_eq!(res.json()["steps"], json!([]));
    }
}

/// Runs `work` on a connection of its own and counts the statements it sends.
fn queries<T>(app: &TestApp, work: impl FnOnce(&mut runsheet_store::AnyConnection) -> T) -> usize {
    use diesel::connection::{Instrumentation, InstrumentationEvent};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    struct Counter(Arc<AtomicUsize>);
    impl Instrumentation for Counter {
        fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
            if matches!(event, InstrumentationEvent::StartQuery { .. }) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    let count = Arc::new(AtomicUsize::new(0));
    let mut conn = app.db.connection();
    conn.set_instrumentation(Counter(count.clone()));
    work(&mut conn);
    count.load(Ordering::SeqCst)
}

on_every_backend! {
    // "nested records loaded in one query per list, never one per row"
    async fn lists_take_the_same_queries_whatever_their_length(app: TestApp) {
        use runsheet_core::{phase, procedure, runtime_phase, server, server_level};
        use runsheet_store as store;
        let prod = environment(&app, "production");
        let count_all = |app: &TestApp| {
            [
                queries(app, |c| store::server_levels::list(c, &server_level::ServerLevelFilter::default()).unwrap().len()),
                queries(app, |c| store::servers::list(c, &server::ServerFilter { active: vec![true], ..Default::default() }).unwrap().len()),
                queries(app, |c| store::phases::list(c, &phase::NameFilter::default()).unwrap().len()),
                queries(app, |c| store::runtime_phases::list(c, &runtime_phase::RuntimePhaseFilter::default()).unwrap().len()),
                queries(app, |c| store::procedures::list(c, &procedure::ProcedureFilter::default()).unwrap().len()),
            ]
        };
        let mut counts = Vec::new();
        for round in 0..2 {
            let many = if round == 0 { 1 } else { 5 };
            for i in 0..many {
                let name = format!("r{round}-{i}");
                let level = id_of(&app, "server_levels", "server_level", json!({"name": name})).await;
                for s in 0..2 {
                    id_of(&app, "servers", "server", json!({"name": format!("{name}-{s}"), "server_level_id": level, "environment_ids": [prod]})).await;
                }
                let phase = id_of(&app, "phases", "phase", json!({"name": name})).await;
                id_of(&app, "runtime_phases", "runtime_phase", json!({"phase_id": phase, "name": "a"})).await;
                let p = id_of(&app, "procedures", "procedure", json!({"name": name})).await;
                step(&app, "s1", 1, None, Some(p));
                step(&app, "s2", 2, None, Some(p));
            }
            counts.push(count_all(&app));
        }
        assert_eq!(counts[0], counts[1], "1 record vs 6 records of each");
        assert_eq!(counts[0], [2, 3, 2, 2, 2]);
    }
}

on_every_backend! {
    // "position = next top-level position in R", also when several clients add at once.
    async fn concurrent_additions_take_distinct_positions(app: TestApp) {
        let pid = id_of(&app, "procedures", "procedure", json!({"name": "Deploy app"})).await;
        step(&app, "Stop", 1, None, Some(pid));
        let r = request(&app, "planned");
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let pool = app.pool.clone();
                std::thread::spawn(move || {
                    let mut conn = pool.get().unwrap();
                    runsheet_store::procedures::add_to_request(&mut conn, pid, r).unwrap().step.position
                })
            })
            .collect();
        let mut positions: Vec<i64> = workers.into_iter().map(|w| w.join().unwrap()).collect();
        positions.sort_unstable();
        assert_eq!(positions, [1, 2, 3, 4]);
    }
}
