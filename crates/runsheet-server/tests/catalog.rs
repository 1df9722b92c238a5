//! /v1/apps, /v1/environments, /v1/components, /v1/installed_components, /v1/properties and
//! /v1/scripts (issue 3, "What a step refers to"; docs/api/catalog.md).

mod common;

use actix_web::test::TestRequest;
use common::{Resp, TestApp};
use runsheet_store::testing::fixtures;
use serde_json::{json, Value};

/// POST as JSON; the created record's id.
async fn create(app: &TestApp, plural: &str, root: &str, attrs: Value) -> i64 {
    let res = app
        .post_json(&format!("/v1/{plural}"), json!({ root: attrs }))
        .await;
    assert_eq!(res.status, 201, "{plural}: {}", res.text());
    res.json()["id"].as_i64().unwrap()
}

async fn delete(app: &TestApp, path: &str) -> Resp {
    app.send(
        TestRequest::delete()
            .uri(&app.path(path))
            .insert_header(("Accept", "application/json")),
    )
    .await
}

async fn get_xml(app: &TestApp, path: &str) -> String {
    let res = app
        .send(TestRequest::get().uri(&app.path(&format!("{path}.xml"))))
        .await;
    assert_eq!(res.status, 200, "{path}: {}", res.text());
    res.text()
}

/// The `name`s of a JSON list, in order; empty for a 404.
async fn names(app: &TestApp, path: &str) -> Vec<String> {
    let res = app.get_json(path).await;
    if res.status == 404 {
        return Vec::new();
    }
    assert_eq!(res.status, 200, "{path}: {}", res.text());
    res.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect()
}

fn sorted_keys(record: &Value) -> Vec<String> {
    let mut keys: Vec<String> = record.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

fn sorted(keys: &[&str]) -> Vec<String> {
    let mut keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    keys.sort();
    keys
}

/// The element names directly inside the root element of one XML record, in order.
fn xml_children(xml: &str) -> Vec<String> {
    xml.lines()
        .filter(|l| l.starts_with("  <") && !l.starts_with("   ") && !l.starts_with("  </"))
        .map(|l| l[3..].split([' ', '>', '/']).next().unwrap().to_string())
        .collect()
}

fn conn(app: &TestApp) -> runsheet_store::PooledConnection {
    app.pool.get().expect("a connection")
}

on_every_backend! {
    // apps: "name (required, unique any case), app_version, active (default true);
    // environment_ids and component_ids on write; representation: active, app_version,
    // created_at, id, name, updated_at, then environments [{id, name}] and components"
    async fn an_app_with_its_environments_and_components(app: TestApp) {
        let dev = create(&app, "environments", "environment", json!({"name": "dev"})).await;
        let prod = create(&app, "environments", "environment", json!({"name": "prod"})).await;
        let web = create(&app, "components", "component", json!({"name": "web"})).await;
        let res = app.post_json("/v1/apps", json!({"app": {"name": "Shop", "app_version": "1.0", "environment_ids": [prod, dev], "component_ids": [web]}})).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let shop = res.json();
        assert_eq!(sorted_keys(&shop), sorted(&["active", "app_version", "components", "created_at", "environments", "id", "name", "updated_at"]));
        assert_eq!(shop["active"], true);
        assert_eq!(shop["app_version"], "1.0");
        assert_eq!(shop["environments"], json!([{"id": dev, "name": "dev"}, {"id": prod, "name": "prod"}]));
        assert_eq!(shop["components"], json!([{"id": web, "name": "web"}]));
        let id = shop["id"].as_i64().unwrap();

        let xml = get_xml(&app, &format!("/v1/apps/{id}")).await;
        assert_eq!(xml_children(&xml), ["active", "app-version", "created-at", "id", "name", "updated-at", "environments", "components"], "{xml}");
        assert!(xml.contains("<environments type=\"array\">\n    <environment>\n      <id type=\"integer\">"), "{xml}");
        assert!(xml.contains("<component>\n      <id type=\"integer\">"), "{xml}");

        // The other side shows the link too.
        let env = app.get_json(&format!("/v1/environments/{dev}")).await.json();
        assert_eq!(env["apps"], json!([{"id": id, "name": "Shop"}]));
        let comp = app.get_json(&format!("/v1/components/{web}")).await.json();
        assert_eq!(comp["apps"], json!([{"id": id, "name": "Shop"}]));

        // environment_ids replaces the app's environments.
        let res = app.put_json(&format!("/v1/apps/{id}"), json!({"app": {"environment_ids": [dev]}})).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(res.json()["environments"], json!([{"id": dev, "name": "dev"}]));
        assert_eq!(res.json()["components"], json!([{"id": web, "name": "web"}]), "component_ids not sent: unchanged");
        let res = app.put_json(&format!("/v1/apps/{id}"), json!({"app": {"component_ids": []}})).await;
        assert_eq!(res.json()["components"], json!([]));
    }

    async fn an_app_in_xml(app: TestApp) {
        let dev = create(&app, "environments", "environment", json!({"name": "dev"})).await;
        let xml = format!("<app><name>Shop</name><app-version>2</app-version><active type=\"boolean\">false</active><environment-ids type=\"array\"><environment-id type=\"integer\">{dev}</environment-id></environment-ids></app>");
        let res = app.send_xml(TestRequest::post().uri(&app.path("/v1/apps")), &xml).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let text = res.text();
        assert!(text.contains("<app>") && text.contains("<name>Shop</name>") && text.contains("<app-version>2</app-version>") && text.contains("<active type=\"boolean\">false</active>"), "{text}");
        assert!(text.contains("<name>dev</name>") && text.contains("<components type=\"array\"/>"), "{text}");
        let res = app.send_xml(TestRequest::post().uri(&app.path("/v1/apps")), "<app><name>shop</name></app>").await;
        assert_eq!(res.status, 422);
        assert!(res.text().contains("<error>Name has already been taken</error>"), "{}", res.text());
    }

    async fn app_rules(app: TestApp) {
        let res = app.post_json("/v1/apps", json!({"app": {}})).await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"name": ["can't be blank"]}));
        create(&app, "apps", "app", json!({"name": "Shop"})).await;
        let res = app.post_json("/v1/apps", json!({"app": {"name": "SHOP"}})).await;
        assert_eq!(res.json(), json!({"name": ["has already been taken"]}));
        // "ids must exist: does not exist"
        let res = app.post_json("/v1/apps", json!({"app": {"name": "Other", "environment_ids": [999999], "component_ids": [999998]}})).await;
        assert_eq!(res.json(), json!({"environment_ids": ["does not exist"], "component_ids": ["does not exist"]}));
        assert!(names(&app, "/v1/apps?filters[name]=Other").await.is_empty(), "a refused create leaves nothing");
        // Wrong types and unknown attributes.
        let res = app.post_json("/v1/apps", json!({"app": {"name": "X", "active": "maybe", "environment_ids": ["a"], "colour": "red"}})).await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"active": ["is not included in the list"], "environment_ids": ["is not a number"], "colour": ["is not a known attribute"]}));
        let res = app.post_json("/v1/apps", json!({"app": {"name": ["X"]}})).await;
        assert_eq!(res.json(), json!({"name": ["is invalid"]}));
    }

    // Read-modify-write: what a GET returned may be PUT back as it is.
    async fn an_app_can_be_sent_back(app: TestApp) {
        let dev = create(&app, "environments", "environment", json!({"name": "dev"})).await;
        let id = create(&app, "apps", "app", json!({"name": "Shop", "environment_ids": [dev]})).await;
        let mut shop = app.get_json(&format!("/v1/apps/{id}")).await.json();
        shop["app_version"] = json!("3.1");
        let res = app.put_json(&format!("/v1/apps/{id}"), json!({ "app": shop })).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(res.json()["app_version"], "3.1");
        assert_eq!(res.json()["environments"], json!([{"id": dev, "name": "dev"}]));
        let res = app.put_json(&format!("/v1/apps/{id}"), json!({"app": {"name": "Shop"}})).await;
        assert_eq!(res.status, 202, "an app keeps its own name");
        assert_eq!(app.put_json("/v1/apps/999999", json!({"app": {"name": "x"}})).await.status, 404);
    }

    // "Filters: name, active/inactive (active only unless asked), environment_id, component_id"
    async fn app_filters(app: TestApp) {
        let dev = create(&app, "environments", "environment", json!({"name": "dev"})).await;
        let web = create(&app, "components", "component", json!({"name": "web"})).await;
        create(&app, "apps", "app", json!({"name": "A", "environment_ids": [dev]})).await;
        create(&app, "apps", "app", json!({"name": "B", "component_ids": [web]})).await;
        let c = create(&app, "apps", "app", json!({"name": "C", "environment_ids": [dev], "component_ids": [web]})).await;
        assert_eq!(delete(&app, &format!("/v1/apps/{c}")).await.status, 202);
        assert_eq!(names(&app, "/v1/apps").await, ["A", "B"]);
        assert_eq!(names(&app, "/v1/apps?filters[inactive]=true").await, ["C"]);
        assert_eq!(names(&app, "/v1/apps?filters[active]=false").await, ["C"]);
        assert_eq!(names(&app, "/v1/apps?filters[active]=true&filters[inactive]=true").await, ["A", "B", "C"]);
        assert_eq!(names(&app, "/v1/apps?filters[name]=B").await, ["B"]);
        assert_eq!(names(&app, "/v1/apps?filters[name][]=A&filters[name][]=B").await, ["A", "B"]);
        assert_eq!(names(&app, &format!("/v1/apps?filters[environment_id]={dev}")).await, ["A"]);
        assert_eq!(names(&app, &format!("/v1/apps?filters[component_id]={web}&filters[inactive]=1&filters[active]=1")).await, ["B", "C"]);
        assert_eq!(names(&app, &format!("/v1/apps?filters[component_id]={web}&filters[environment_id]={dev}&filters[inactive]=t")).await, ["C"]);
        let res = app.get_json("/v1/apps?filters[name]=Nobody").await;
        assert_eq!(res.status, 404, "a list with nothing is 404");
        let res = app.get_json("/v1/apps?filters[environment_id]=x&filters[owner]=1").await;
        assert_eq!(res.json(), json!({"environment_id": ["is not a number"], "owner": ["is not a supported filter"]}));
    }

    // "DELETE on apps, environments, components and properties deactivates (active = false)
    // and answers 202 with the record"
    async fn delete_deactivates(app: TestApp) {
        for (plural, root) in [("apps", "app"), ("environments", "environment"), ("components", "component"), ("properties", "property")] {
            let id = create(&app, plural, root, json!({"name": "gone"})).await;
            let res = delete(&app, &format!("/v1/{plural}/{id}")).await;
            assert_eq!(res.status, 202, "{plural}");
            assert_eq!(res.json()["active"], false, "{plural}");
            assert_eq!(res.json()["id"], id, "{plural}");
            let res = app.get_json(&format!("/v1/{plural}/{id}")).await;
            assert_eq!(res.json()["active"], false, "{plural}: the record stays");
            assert_eq!(app.get_json(&format!("/v1/{plural}")).await.status, 404, "{plural}: inactive ones are not listed");
            assert_eq!(names(&app, &format!("/v1/{plural}?filters[inactive]=true")).await, ["gone"], "{plural}");
            assert_eq!(delete(&app, &format!("/v1/{plural}/999999")).await.status, 404, "{plural}");
        }
    }

    // environments: "deployment_policy ("opened" or "closed", default opened; else "is not
    // included in the list")"
    async fn environments(app: TestApp) {
        let res = app.post_json("/v1/environments", json!({"environment": {"name": "dev"}})).await;
        assert_eq!(res.status, 201);
        let dev = res.json();
        assert_eq!(sorted_keys(&dev), sorted(&["active", "apps", "created_at", "deployment_policy", "id", "name", "updated_at"]));
        assert_eq!(dev["deployment_policy"], "opened");
        assert_eq!(dev["apps"], json!([]));
        let id = dev["id"].as_i64().unwrap();
        let res = app.post_json("/v1/environments", json!({"environment": {"name": "DEV", "deployment_policy": "ajar"}})).await;
        assert_eq!(res.json(), json!({"name": ["has already been taken"], "deployment_policy": ["is not included in the list"]}));
        let res = app.post_json("/v1/environments", json!({"environment": {"deployment_policy": "closed"}})).await;
        assert_eq!(res.json(), json!({"name": ["can't be blank"]}));
        let res = app.send_xml(TestRequest::post().uri(&app.path("/v1/environments")), "<environment><name>prod</name><deployment-policy>closed</deployment-policy></environment>").await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert!(res.text().contains("<deployment-policy>closed</deployment-policy>"), "{}", res.text());
        let xml = get_xml(&app, &format!("/v1/environments/{id}")).await;
        assert_eq!(xml_children(&xml), ["active", "created-at", "deployment-policy", "id", "name", "updated-at", "apps"], "{xml}");
        assert!(xml.contains("<apps type=\"array\"/>"), "{xml}");

        let mut record = app.get_json(&format!("/v1/environments/{id}")).await.json();
        record["deployment_policy"] = json!("closed");
        let res = app.put_json(&format!("/v1/environments/{id}"), json!({ "environment": record })).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(res.json()["deployment_policy"], "closed");
        let res = app.put_json(&format!("/v1/environments/{id}"), json!({"environment": {"name": "prod", "active": null, "apps_ids": [1]}})).await;
        assert_eq!(res.json(), json!({"active": ["can't be blank"], "apps_ids": ["is not a known attribute"]}));

        // "Filters: name, active/inactive, app_id"
        let shop = create(&app, "apps", "app", json!({"name": "Shop", "environment_ids": [id]})).await;
        create(&app, "environments", "environment", json!({"name": "qa"})).await;
        assert_eq!(names(&app, "/v1/environments").await, ["dev", "prod", "qa"]);
        assert_eq!(names(&app, "/v1/environments?filters[name]=qa").await, ["qa"]);
        assert_eq!(names(&app, &format!("/v1/environments?filters[app_id]={shop}")).await, ["dev"]);
        delete(&app, &format!("/v1/environments/{id}")).await;
        assert_eq!(names(&app, &format!("/v1/environments?filters[app_id]={shop}")).await, Vec::<String>::new());
        assert_eq!(names(&app, &format!("/v1/environments?filters[app_id]={shop}&filters[inactive]=true")).await, ["dev"]);
        assert_eq!(names(&app, "/v1/environments?filters[inactive]=true&filters[active]=true").await, ["dev", "prod", "qa"]);
    }

    // components: "name (required, unique), active. Filters: name, active/inactive, app_id"
    async fn components(app: TestApp) {
        let res = app.send_xml(TestRequest::post().uri(&app.path("/v1/components")), "<component><name>web</name></component>").await;
        assert_eq!(res.status, 201, "{}", res.text());
        let xml = res.text();
        assert!(xml.contains("<component>"), "{xml}");
        assert_eq!(xml_children(&xml), ["active", "created-at", "id", "name", "updated-at", "apps"], "{xml}");
        let web = app.get_json("/v1/components?filters[name]=web").await.json()[0].clone();
        assert_eq!(sorted_keys(&web), sorted(&["active", "apps", "created_at", "id", "name", "updated_at"]));
        let id = web["id"].as_i64().unwrap();
        let res = app.post_json("/v1/components", json!({"component": {"name": "WEB"}})).await;
        assert_eq!(res.json(), json!({"name": ["has already been taken"]}));
        let res = app.post_json("/v1/components", json!({"component": {"name": " "}})).await;
        assert_eq!(res.json(), json!({"name": ["can't be blank"]}));
        let res = app.post_json("/v1/components", json!({"component": {"name": "db", "version": "1"}})).await;
        assert_eq!(res.json(), json!({"version": ["is not a known attribute"]}));

        let res = app.put_json(&format!("/v1/components/{id}"), json!({ "component": web })).await;
        assert_eq!(res.status, 202, "{}", res.text());
        let res = app.put_json(&format!("/v1/components/{id}"), json!({"component": {"name": "api"}})).await;
        assert_eq!(res.json()["name"], "api");

        create(&app, "components", "component", json!({"name": "db"})).await;
        let shop = create(&app, "apps", "app", json!({"name": "Shop", "component_ids": [id]})).await;
        assert_eq!(names(&app, "/v1/components").await, ["api", "db"]);
        assert_eq!(names(&app, &format!("/v1/components?filters[app_id]={shop}")).await, ["api"]);
        assert_eq!(names(&app, "/v1/components?filters[name]=db").await, ["db"]);
        delete(&app, &format!("/v1/components/{id}")).await;
        assert_eq!(names(&app, "/v1/components").await, ["db"]);
        assert_eq!(names(&app, "/v1/components?filters[inactive]=true").await, ["api"]);
    }

    // properties: "name (required, unique), default_value, active"
    async fn properties(app: TestApp) {
        let res = app.post_json("/v1/properties", json!({"property": {"name": "port", "default_value": 8080}})).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let port = res.json();
        assert_eq!(sorted_keys(&port), sorted(&["active", "created_at", "default_value", "id", "name", "updated_at"]));
        assert_eq!(port["default_value"], "8080");
        assert_eq!(port["active"], true);
        let id = port["id"].as_i64().unwrap();
        let res = app.send_xml(TestRequest::post().uri(&app.path("/v1/properties")), "<property><name>host</name><default-value nil=\"true\"/></property>").await;
        assert_eq!(res.status, 201, "{}", res.text());
        let xml = res.text();
        assert_eq!(xml_children(&xml), ["active", "created-at", "default-value", "id", "name", "updated-at"], "{xml}");
        assert!(xml.contains("<default-value nil=\"true\"/>") || xml.contains("<default-value nil=\"true\"></default-value>"), "{xml}");
        let res = app.post_json("/v1/properties", json!({"property": {"name": "PORT"}})).await;
        assert_eq!(res.json(), json!({"name": ["has already been taken"]}));
        let res = app.post_json("/v1/properties", json!({"property": {"default_value": {"a": 1}}})).await;
        assert_eq!(res.json(), json!({"default_value": ["is invalid"]}));
        let res = app.post_json("/v1/properties", json!({"property": {"default_value": "1"}})).await;
        assert_eq!(res.json(), json!({"name": ["can't be blank"]}));
        let mut record = app.get_json(&format!("/v1/properties/{id}")).await.json();
        record["default_value"] = Value::Null;
        let res = app.put_json(&format!("/v1/properties/{id}"), json!({ "property": record })).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(res.json()["default_value"], Value::Null);
        assert_eq!(names(&app, "/v1/properties").await, ["port", "host"]);
        assert_eq!(names(&app, "/v1/properties?filters[name]=host").await, ["host"]);
    }

    // scripts: "name (required, unique), description, script_type (one of General,
    // BladelogicScript, HudsonScript, CapistranoScript, RemoteScript; default General),
    // content, aasm_state (draft, pending, released, retired, archived; default draft)"
    async fn scripts(app: TestApp) {
        let res = app.post_json("/v1/scripts", json!({"script": {"name": "deploy", "content": "echo hi"}})).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let deploy = res.json();
        assert_eq!(sorted_keys(&deploy), sorted(&["aasm_state", "content", "created_at", "description", "id", "name", "script_type", "updated_at"]));
        assert_eq!((deploy["script_type"].as_str(), deploy["aasm_state"].as_str(), deploy["content"].as_str()), (Some("General"), Some("draft"), Some("echo hi")));
        assert_eq!(deploy["description"], Value::Null);
        let id = deploy["id"].as_i64().unwrap();
        let xml = "<script><name>build</name><description>Builds</description><script-type>HudsonScript</script-type><aasm-state>released</aasm-state><content>make</content></script>";
        let res = app.send_xml(TestRequest::post().uri(&app.path("/v1/scripts")), xml).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let text = res.text();
        assert_eq!(xml_children(&text), ["aasm-state", "content", "created-at", "description", "id", "name", "script-type", "updated-at"], "{text}");
        assert!(text.contains("<script-type>HudsonScript</script-type>") && text.contains("<aasm-state>released</aasm-state>"), "{text}");

        let res = app.post_json("/v1/scripts", json!({"script": {"name": "DEPLOY", "script_type": "Perl", "aasm_state": "gone"}})).await;
        assert_eq!(res.json(), json!({"name": ["has already been taken"], "script_type": ["is not included in the list"], "aasm_state": ["is not included in the list"]}));
        let res = app.post_json("/v1/scripts", json!({"script": {"content": "x", "language": "sh"}})).await;
        assert_eq!(res.json(), json!({"language": ["is not a known attribute"]}));
        let res = app.post_json("/v1/scripts", json!({"script": {"content": "x"}})).await;
        assert_eq!(res.json(), json!({"name": ["can't be blank"]}));

        // aasm_state is writable directly.
        let mut record = app.get_json(&format!("/v1/scripts/{id}")).await.json();
        record["aasm_state"] = json!("pending");
        record["script_type"] = json!("RemoteScript");
        let res = app.put_json(&format!("/v1/scripts/{id}"), json!({ "script": record })).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(res.json()["aasm_state"], "pending");
        assert_eq!(res.json()["script_type"], "RemoteScript");

        // "Filters: name, script_type, aasm_state"
        assert_eq!(names(&app, "/v1/scripts").await, ["deploy", "build"]);
        assert_eq!(names(&app, "/v1/scripts?filters[name]=build").await, ["build"]);
        assert_eq!(names(&app, "/v1/scripts?filters[script_type]=HudsonScript").await, ["build"]);
        assert_eq!(names(&app, "/v1/scripts?filters[aasm_state]=pending").await, ["deploy"]);
        assert_eq!(names(&app, "/v1/scripts?filters[aasm_state][]=pending&filters[aasm_state][]=released").await, ["deploy", "build"]);
        assert_eq!(app.get_json("/v1/scripts?filters[aasm_state]=retired").await.status, 404);
        assert_eq!(app.get_json("/v1/scripts?filters[active]=true").await.status, 422);
    }

    // "DELETE destroys it unless steps or job runs refer to it (then 422 with a base message,
    // nothing changes)"
    async fn deleting_scripts(app: TestApp) {
        let free = create(&app, "scripts", "script", json!({"name": "free"})).await;
        let run = create(&app, "scripts", "script", json!({"name": "run"})).await;
        let stepped = create(&app, "scripts", "script", json!({"name": "stepped"})).await;
        fixtures::job_run(&mut conn(&app), run).unwrap();
        let step = fixtures::step(&mut conn(&app), None, Some(stepped)).unwrap();
        let res = delete(&app, &format!("/v1/scripts/{free}")).await;
        assert_eq!(res.status, 202);
        assert_eq!(app.get_json(&format!("/v1/scripts/{free}")).await.status, 404);
        for id in [run, stepped] {
            let res = delete(&app, &format!("/v1/scripts/{id}")).await;
            assert_eq!(res.status, 422);
            assert_eq!(res.json(), json!({"base": ["cannot be deleted while steps or job runs use it"]}));
            assert_eq!(app.get_json(&format!("/v1/scripts/{id}")).await.status, 200);
        }
        fixtures::delete_step(&mut conn(&app), step).unwrap();
        assert_eq!(delete(&app, &format!("/v1/scripts/{stepped}")).await.status, 202);
        assert_eq!(delete(&app, &format!("/v1/scripts/{stepped}")).await.status, 404);
    }

    // installed_components: "app_id, component_id, environment_id (all required, must
    // exist), version; ... Representation: application_component_id,
    // application_environment_id, created_at, id, updated_at, version, then app, component,
    // environment, servers, property_values"
    async fn an_installed_component(app: TestApp) {
        let shop = create(&app, "apps", "app", json!({"name": "Shop"})).await;
        let web = create(&app, "components", "component", json!({"name": "web"})).await;
        let dev = create(&app, "environments", "environment", json!({"name": "dev"})).await;
        let s1 = fixtures::server(&mut conn(&app), "s1").unwrap();
        let res = app.post_json("/v1/installed_components", json!({"installed_component": {"app_id": shop, "component_id": web, "environment_id": dev, "version": "1.2", "server_ids": [s1]}})).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let ic = res.json();
        assert_eq!(sorted_keys(&ic), sorted(&["application_component_id", "application_environment_id", "created_at", "id", "updated_at", "version", "app", "component", "environment", "servers", "property_values"]));
        assert_eq!(ic["app"], json!({"id": shop, "name": "Shop"}));
        assert_eq!(ic["component"], json!({"id": web, "name": "web"}));
        assert_eq!(ic["environment"], json!({"id": dev, "name": "dev"}));
        assert_eq!(ic["servers"], json!([{"id": s1, "name": "s1"}]));
        assert_eq!(ic["property_values"], json!({}));
        assert_eq!(ic["version"], "1.2");
        let id = ic["id"].as_i64().unwrap();

        // "Creating or moving one ensures the app_environments and app_components rows exist"
        let shop_record = app.get_json(&format!("/v1/apps/{shop}")).await.json();
        assert_eq!(shop_record["environments"], json!([{"id": dev, "name": "dev"}]));
        assert_eq!(shop_record["components"], json!([{"id": web, "name": "web"}]));
        assert!(ic["application_component_id"].as_i64().is_some() && ic["application_environment_id"].as_i64().is_some(), "{ic}");

        let xml = get_xml(&app, &format!("/v1/installed_components/{id}")).await;
        assert!(xml.contains("<installed-component>"), "{xml}");
        assert_eq!(xml_children(&xml), ["application-component-id", "application-environment-id", "created-at", "id", "updated-at", "version", "app", "component", "environment", "servers", "property-values"], "{xml}");
        assert!(xml.contains("<app>\n    <id type=\"integer\">"), "{xml}");
        assert!(xml.contains("<servers type=\"array\">\n    <server>"), "{xml}");

        // Moving it to another environment links the app to that one as well.
        let prod = create(&app, "environments", "environment", json!({"name": "prod"})).await;
        let mut record = app.get_json(&format!("/v1/installed_components/{id}")).await.json();
        record["environment_id"] = json!(prod);
        let res = app.put_json(&format!("/v1/installed_components/{id}"), json!({ "installed_component": record })).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(res.json()["environment"], json!({"id": prod, "name": "prod"}));
        assert_eq!(res.json()["servers"], json!([{"id": s1, "name": "s1"}]), "servers unchanged when not sent");
        let envs = app.get_json(&format!("/v1/apps/{shop}")).await.json()["environments"].clone();
        assert_eq!(envs, json!([{"id": dev, "name": "dev"}, {"id": prod, "name": "prod"}]));
        // An app may not drop what its installed components stand on.
        let res = app.put_json(&format!("/v1/apps/{shop}"), json!({"app": {"environment_ids": [dev]}})).await;
        assert_eq!(res.json(), json!({"environment_ids": ["must include the environments of the app's installed components"]}));
        let res = app.put_json(&format!("/v1/installed_components/{id}"), json!({"installed_component": {"server_ids": []}})).await;
        assert_eq!(res.json()["servers"], json!([]));
    }

    async fn an_installed_component_in_xml(app: TestApp) {
        let shop = create(&app, "apps", "app", json!({"name": "Shop"})).await;
        let web = create(&app, "components", "component", json!({"name": "web"})).await;
        let dev = create(&app, "environments", "environment", json!({"name": "dev"})).await;
        create(&app, "properties", "property", json!({"name": "port"})).await;
        let xml = format!("<installed-component><app-id type=\"integer\">{shop}</app-id><component-id>{web}</component-id><environment-id>{dev}</environment-id><version>2</version><properties-with-values><port>80</port></properties-with-values></installed-component>");
        let res = app.send_xml(TestRequest::post().uri(&app.path("/v1/installed_components")), &xml).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let text = res.text();
        assert!(text.contains("<version>2</version>") && text.contains("<property-values>\n    <port>80</port>\n  </property-values>"), "{text}");
        let res = app.send_xml(TestRequest::post().uri(&app.path("/v1/installed_components")), &xml).await;
        assert_eq!(res.status, 422);
        assert!(res.text().contains("<error>Component has already been taken</error>"), "{}", res.text());
    }

    async fn installed_component_rules(app: TestApp) {
        let shop = create(&app, "apps", "app", json!({"name": "Shop"})).await;
        let web = create(&app, "components", "component", json!({"name": "web"})).await;
        let dev = create(&app, "environments", "environment", json!({"name": "dev"})).await;
        let res = app.post_json("/v1/installed_components", json!({"installed_component": {}})).await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"app_id": ["can't be blank"], "component_id": ["can't be blank"], "environment_id": ["can't be blank"]}));
        let res = app.post_json("/v1/installed_components", json!({"installed_component": {"app_id": 999999, "component_id": 999998, "environment_id": 999997, "server_ids": [999996]}})).await;
        assert_eq!(res.json(), json!({"app_id": ["does not exist"], "component_id": ["does not exist"], "environment_id": ["does not exist"], "server_ids": ["does not exist"]}));
        let res = app.post_json("/v1/installed_components", json!({"installed_component": {"app_id": "one", "component_id": 1.5, "environment_id": dev, "colour": 1}})).await;
        assert_eq!(res.json(), json!({"app_id": ["is not a number"], "colour": ["is not a known attribute"], "component_id": ["is not a number"]}));
        assert_eq!(app.get_json("/v1/installed_components").await.status, 404, "refused creates leave nothing");
        assert_eq!(app.get_json(&format!("/v1/apps/{shop}")).await.json()["environments"], json!([]));

        // "the triple is unique ("has already been taken" on component_id)"
        let first = json!({"installed_component": {"app_id": shop, "component_id": web, "environment_id": dev}});
        assert_eq!(app.post_json("/v1/installed_components", first.clone()).await.status, 201);
        let res = app.post_json("/v1/installed_components", first).await;
        assert_eq!(res.json(), json!({"component_id": ["has already been taken"]}));
        let prod = create(&app, "environments", "environment", json!({"name": "prod"})).await;
        let id = create(&app, "installed_components", "installed_component", json!({"app_id": shop, "component_id": web, "environment_id": prod})).await;
        let res = app.put_json(&format!("/v1/installed_components/{id}"), json!({"installed_component": {"environment_id": dev}})).await;
        assert_eq!(res.json(), json!({"component_id": ["has already been taken"]}));
        let res = app.put_json(&format!("/v1/installed_components/{id}"), json!({"installed_component": {"app_id": null}})).await;
        assert_eq!(res.json(), json!({"app_id": ["can't be blank"]}));
        let res = app.get_json(&format!("/v1/installed_components/{id}")).await.json();
        assert_eq!(res["environment"]["id"], prod, "a refused update changes nothing");
    }

    // "Also accept on write, by name instead of id: app_name, component_name,
    // environment_name (a name that matches nothing: {"app_name": ["does not exist"]});
    // properties_with_values as an object {"property name": "value", ...}"
    async fn installed_components_by_name_with_property_values(app: TestApp) {
        let shop = create(&app, "apps", "app", json!({"name": "Shop"})).await;
        let web = create(&app, "components", "component", json!({"name": "web"})).await;
        let dev = create(&app, "environments", "environment", json!({"name": "dev"})).await;
        create(&app, "properties", "property", json!({"name": "Port"})).await;
        create(&app, "properties", "property", json!({"name": "log dir"})).await;
        let res = app.post_json("/v1/installed_components", json!({"installed_component": {
            "app_name": "shop", "component_name": "web", "environment_name": "DEV", "version": "1",
            "properties_with_values": {"port": 80, "log dir": "/var/log"}
        }})).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let ic = res.json();
        assert_eq!((ic["app"]["id"].as_i64(), ic["component"]["id"].as_i64(), ic["environment"]["id"].as_i64()), (Some(shop), Some(web), Some(dev)));
        assert_eq!(ic["property_values"], json!({"Port": "80", "log dir": "/var/log"}));
        let id = ic["id"].as_i64().unwrap();
        let xml = get_xml(&app, &format!("/v1/installed_components/{id}")).await;
        assert!(xml.contains("<log-dir>/var/log</log-dir>") && xml.contains("<Port>80</Port>"), "{xml}");

        // Values merge: those named change, a null removes one, the others stay.
        let res = app.put_json(&format!("/v1/installed_components/{id}"), json!({"installed_component": {"properties_with_values": {"PORT": "443", "log dir": null}}})).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(res.json()["property_values"], json!({"Port": "443"}));

        let res = app.post_json("/v1/installed_components", json!({"installed_component": {"app_name": "Nope", "component_name": "web", "environment_id": dev}})).await;
        assert_eq!(res.json(), json!({"app_name": ["does not exist"]}));
        let res = app.post_json("/v1/installed_components", json!({"installed_component": {"app_id": shop, "component_name": "x", "environment_name": "y"}})).await;
        assert_eq!(res.json(), json!({"component_name": ["does not exist"], "environment_name": ["does not exist"]}));
        let res = app.put_json(&format!("/v1/installed_components/{id}"), json!({"installed_component": {"properties_with_values": {"colour": "red"}}})).await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"properties_with_values": ["names a property that does not exist: colour"]}));
        let res = app.put_json(&format!("/v1/installed_components/{id}"), json!({"installed_component": {"properties_with_values": ["port", 1]}})).await;
        assert_eq!(res.json(), json!({"properties_with_values": ["is invalid"]}));
        assert_eq!(app.get_json(&format!("/v1/installed_components/{id}")).await.json()["property_values"], json!({"Port": "443"}));
    }

    // "Filters: app_id, component_id, environment_id, app_name, component_name,
    // environment_name, version"
    async fn installed_component_filters(app: TestApp) {
        let shop = create(&app, "apps", "app", json!({"name": "Shop"})).await;
        let blog = create(&app, "apps", "app", json!({"name": "Blog"})).await;
        let web = create(&app, "components", "component", json!({"name": "web"})).await;
        let db = create(&app, "components", "component", json!({"name": "db"})).await;
        let dev = create(&app, "environments", "environment", json!({"name": "dev"})).await;
        let prod = create(&app, "environments", "environment", json!({"name": "prod"})).await;
        let mut ids = Vec::new();
        for (a, c, e, v) in [(shop, web, dev, "1"), (shop, db, prod, "2"), (blog, web, prod, "1")] {
            ids.push(create(&app, "installed_components", "installed_component", json!({"app_id": a, "component_id": c, "environment_id": e, "version": v})).await);
        }
        let listed = |res: Resp| -> Vec<i64> {
            if res.status == 404 { return Vec::new(); }
            res.json().as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect()
        };
        let q = |f: String| format!("/v1/installed_components?{f}");
        assert_eq!(listed(app.get_json("/v1/installed_components").await), ids);
        assert_eq!(listed(app.get_json(&q(format!("filters[app_id]={shop}"))).await), [ids[0], ids[1]]);
        assert_eq!(listed(app.get_json(&q(format!("filters[component_id]={web}"))).await), [ids[0], ids[2]]);
        assert_eq!(listed(app.get_json(&q(format!("filters[environment_id]={prod}"))).await), [ids[1], ids[2]]);
        assert_eq!(listed(app.get_json(&q("filters[app_name]=Blog".into())).await), [ids[2]]);
        assert_eq!(listed(app.get_json(&q("filters[component_name]=db".into())).await), [ids[1]]);
        assert_eq!(listed(app.get_json(&q("filters[environment_name]=dev".into())).await), [ids[0]]);
        assert_eq!(listed(app.get_json(&q("filters[version]=1".into())).await), [ids[0], ids[2]]);
        assert_eq!(listed(app.get_json(&q(format!("filters[version]=1&filters[environment_id]={prod}"))).await), [ids[2]]);
        assert_eq!(listed(app.get_json(&q("filters[app_name][]=Blog&filters[app_name][]=Shop&filters[component_name]=web".into())).await), [ids[0], ids[2]]);
        assert_eq!(app.get_json(&q("filters[version]=9".into())).await.status, 404);
        // "Every resource's list takes a `name` filter (exact)" (issue 6): the component's.
        assert_eq!(listed(app.get_json(&q("filters[name]=db".into())).await), [ids[1]]);
        assert_eq!(app.get_json(&q("filters[name]=x".into())).await.status, 404);
        assert_eq!(app.get_json(&q("filters[colour]=x".into())).await.json(), json!({"colour": ["is not a supported filter"]}));
        let xml = app.send(TestRequest::get().uri(&app.path("/v1/installed_components.xml"))).await.text();
        assert!(xml.contains("<installed-components type=\"array\">\n  <installed-component>"), "{xml}");
    }

    // "DELETE destroys it, unless steps refer to it: then 422 {"base": ["cannot be deleted
    // while steps use it"]} and nothing changes"
    async fn deleting_installed_components(app: TestApp) {
        let shop = create(&app, "apps", "app", json!({"name": "Shop"})).await;
        let web = create(&app, "components", "component", json!({"name": "web"})).await;
        let dev = create(&app, "environments", "environment", json!({"name": "dev"})).await;
        let s1 = fixtures::server(&mut conn(&app), "s1").unwrap();
        create(&app, "properties", "property", json!({"name": "port"})).await;
        let id = create(&app, "installed_components", "installed_component", json!({"app_id": shop, "component_id": web, "environment_id": dev, "server_ids": [s1], "properties_with_values": {"port": "1"}})).await;
        let step = fixtures::step(&mut conn(&app), Some(id), None).unwrap();
        let res = delete(&app, &format!("/v1/installed_components/{id}")).await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"base": ["cannot be deleted while steps use it"]}));
        let kept = app.get_json(&format!("/v1/installed_components/{id}")).await.json();
        assert_eq!(kept["servers"], json!([{"id": s1, "name": "s1"}]), "nothing changes");
        fixtures::delete_step(&mut conn(&app), step).unwrap();
        let res = delete(&app, &format!("/v1/installed_components/{id}")).await;
        assert_eq!(res.status, 202);
        assert_eq!(app.get_json(&format!("/v1/installed_components/{id}")).await.status, 404);
        assert_eq!(delete(&app, &format!("/v1/installed_components/{id}")).await.status, 404);
        // The app keeps its links; they were made for the installed component but belong to the app.
        assert_eq!(app.get_json(&format!("/v1/apps/{shop}")).await.json()["environments"], json!([{"id": dev, "name": "dev"}]));
    }

    // "Bad input: a clear 4xx, nothing changed": wrong types and unknown attributes on every
    // resource, on create and on update.
    async fn wrong_types_and_unknown_attributes_everywhere(app: TestApp) {
        let cases = [
            ("apps", "app", json!({"name": "a"}), json!({"active": "sometimes", "component_ids": {"a": 1}, "owner": 1}),
                json!({"active": ["is not included in the list"], "component_ids": ["is not a list"], "owner": ["is not a known attribute"]})),
            ("environments", "environment", json!({"name": "e"}), json!({"name": {"x": 1}, "active": 2, "servers": []}),
                json!({"name": ["is invalid"], "active": ["is not included in the list"], "servers": ["is not a known attribute"]})),
            ("components", "component", json!({"name": "c"}), json!({"name": [1], "active": "yes"}),
                json!({"name": ["is invalid"], "active": ["is not included in the list"]})),
            ("properties", "property", json!({"name": "p"}), json!({"default_value": [1], "value": "x"}),
                json!({"default_value": ["is invalid"], "value": ["is not a known attribute"]})),
            ("scripts", "script", json!({"name": "s"}), json!({"content": {"a": 1}, "script_type": ["General"], "state": "x"}),
                json!({"content": ["is invalid"], "script_type": ["is invalid"], "state": ["is not a known attribute"]})),
        ];
        for (plural, root, good, bad, errors) in cases {
            let res = app.post_json(&format!("/v1/{plural}"), json!({ root: bad.clone() })).await;
            assert_eq!(res.status, 422, "{plural}");
            assert_eq!(res.json(), errors, "{plural}");
            let id = create(&app, plural, root, good.clone()).await;
            let res = app.put_json(&format!("/v1/{plural}/{id}"), json!({ root: bad })).await;
            assert_eq!(res.json(), errors, "{plural}");
            let res = app.get_json(&format!("/v1/{plural}/{id}")).await.json();
            assert_eq!(res["name"], good["name"], "{plural}: nothing changed");
            // PATCH is taken as PUT.
            let res = app.send(TestRequest::patch().uri(&app.path(&format!("/v1/{plural}/{id}"))).insert_header(("Accept", "application/json")).set_json(json!({ root: {"name": format!("{plural} renamed")} }))).await;
            assert_eq!(res.status, 202, "{plural}");
            assert_eq!(res.json()["name"], format!("{plural} renamed"));
            // A root that is not an object.
            let res = app.post_json(&format!("/v1/{plural}"), json!({ root: 5 })).await;
            assert_eq!(res.json(), json!({ root: ["must be an object of attributes"] }), "{plural}");
        }
    }

    // Read-modify-write in XML: what GET .xml returned may be PUT back as it is.
    async fn xml_records_can_be_sent_back(app: TestApp) {
        let dev = create(&app, "environments", "environment", json!({"name": "dev"})).await;
        let web = create(&app, "components", "component", json!({"name": "web"})).await;
        let shop = create(&app, "apps", "app", json!({"name": "Shop", "environment_ids": [dev]})).await;
        create(&app, "properties", "property", json!({"name": "port"})).await;
        let s1 = fixtures::server(&mut conn(&app), "s1").unwrap();
        let ic = create(&app, "installed_components", "installed_component", json!({"app_id": shop, "component_id": web, "environment_id": dev, "server_ids": [s1], "properties_with_values": {"port": "80"}})).await;
        let script = create(&app, "scripts", "script", json!({"name": "deploy"})).await;
        for path in [format!("/v1/apps/{shop}"), format!("/v1/environments/{dev}"), format!("/v1/components/{web}"), format!("/v1/installed_components/{ic}"), format!("/v1/scripts/{script}"), "/v1/properties/1".to_string()] {
            let before = app.get_json(&path).await.json();
            let xml = get_xml(&app, &path).await;
            let res = app.send_xml(TestRequest::put().uri(&app.path(&path)), &xml).await;
            assert_eq!(res.status, 202, "{path}: {}", res.text());
            let after = app.get_json(&path).await.json();
            let strip = |mut v: Value| { v.as_object_mut().unwrap().remove("updated_at"); v };
            assert_eq!(strip(after), strip(before), "{path}");
        }
    }

    async fn unsupported_methods_are_405(app: TestApp) {
        for plural in ["apps", "environments", "components", "installed_components", "properties", "scripts"] {
            let res = app.send(TestRequest::delete().uri(&app.path(&format!("/v1/{plural}")))).await;
            assert_eq!(res.status, 405, "{plural}");
            let res = app.send(TestRequest::post().uri(&app.path(&format!("/v1/{plural}/1")))).await;
            assert_eq!(res.status, 405, "{plural}");
            assert_eq!(app.get_json(&format!("/v1/{plural}/999999")).await.status, 404, "{plural}");
            assert_eq!(app.get_json(&format!("/v1/{plural}")).await.status, 404, "{plural}: empty list");
        }
    }
}
