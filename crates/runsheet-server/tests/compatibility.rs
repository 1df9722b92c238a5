//! The habits of existing clients of the original API (issue 6), each sent exactly as such a
//! client sends it: both JSON headers on every call, the token in a query string built by an
//! old HTTP client, whole records read, changed and PUT back. The records are made through
//! the API too, as a client setting up a release would. Quotes are from issue 6 unless said
//! otherwise.

mod common;

use actix_web::http::Method;
use actix_web::test::TestRequest;
use common::{ids, Resp, TestApp};
use serde_json::{json, Value};

// ---- calls as an old client makes them ----

/// "Every call carries `Accept: application/json` and `Content-Type: application/json`, also
/// GET and DELETE with no body at all."
fn request(app: &TestApp, method: Method, path: &str) -> TestRequest {
    TestRequest::default()
        .method(method)
        .uri(&with_token(app, path))
        .insert_header(("Accept", "application/json"))
        .insert_header(("Content-Type", "application/json"))
}

/// The token goes last, after a `&&` when there is a query already: "empty parameters from
/// a trailing `&` (`...=Jo&&token=T`)".
fn with_token(app: &TestApp, path: &str) -> String {
    match path.contains('?') {
        true => format!("{path}&&token={}", app.token),
        false => format!("{path}?token={}", app.token),
    }
}

async fn get(app: &TestApp, path: &str) -> Resp {
    app.send(request(app, Method::GET, path)).await
}

async fn delete(app: &TestApp, path: &str) -> Resp {
    app.send(request(app, Method::DELETE, path)).await
}

async fn post(app: &TestApp, path: &str, body: Value) -> Resp {
    app.send(request(app, Method::POST, path).set_payload(body.to_string()))
        .await
}

async fn put(app: &TestApp, path: &str, body: Value) -> Resp {
    app.send(request(app, Method::PUT, path).set_payload(body.to_string()))
        .await
}

/// POSTs `{root: attrs}` to /v1/`plural`; asserts it was created and returns the record.
async fn create(app: &TestApp, plural: &str, root: &str, attrs: Value) -> Value {
    let res = post(app, &format!("/v1/{plural}"), json!({ root: attrs })).await;
    assert_eq!(res.status, 201, "{plural}: {}", res.text());
    res.json()
}

async fn create_id(app: &TestApp, plural: &str, root: &str, attrs: Value) -> i64 {
    id(&create(app, plural, root, attrs).await)
}

fn id(record: &Value) -> i64 {
    record["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no id: {record}"))
}

/// The ids of a list, which must be a 200.
async fn record(app: &TestApp, path: &str) -> Value {
    let res = get(app, path).await;
    assert_eq!(res.status, 200, "{path}: {}", res.text());
    res.json()
}

/// A record without what every write changes.
fn unstamped(mut record: Value) -> Value {
    record
        .as_object_mut()
        .expect("an object")
        .remove("updated_at");
    record
}

/// "A 422 body in JSON is always an object of arrays of strings".
fn assert_errors_shape(res: &Resp) -> Value {
    assert_eq!(res.status, 422, "{}", res.text());
    let body = res.json();
    let object = body
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {body}"));
    assert!(!object.is_empty(), "no errors named");
    for (attribute, messages) in object {
        let messages = messages
            .as_array()
            .unwrap_or_else(|| panic!("{attribute}: not an array: {body}"));
        assert!(!messages.is_empty(), "{attribute}: no message");
        assert!(
            messages.iter().all(Value::is_string),
            "{attribute}: not strings: {body}"
        );
    }
    body
}

/// A refused write: its 422 in the expected shape, naming `attribute` with `message`.
fn assert_refused(res: &Resp, attribute: &str, message: &str) {
    let body = assert_errors_shape(res);
    assert_eq!(body[attribute][0], message, "{body}");
}

// ---- a release, set up through the API ----

/// What a client sets up before it asks for a release.
struct World {
    admin: i64,
    prod: i64,
    staging: i64,
    billing: i64,
    web: i64,
    /// On the installed component, in production.
    web01: i64,
    /// On the installed component, in staging only.
    web02: i64,
    installed: i64,
    request: i64,
    step: i64,
}

impl World {
    async fn new(app: &TestApp) -> World {
        let admin = ids(&get(app, "/v1/users?filters[name]=admin").await)[0];
        let prod = create_id(
            app,
            "environments",
            "environment",
            json!({"name": "production"}),
        )
        .await;
        let staging = create_id(
            app,
            "environments",
            "environment",
            json!({"name": "staging"}),
        )
        .await;
        let billing = create_id(
            app,
            "apps",
            "app",
            json!({"name": "Billing", "environment_ids": [prod, staging]}),
        )
        .await;
        let web = create_id(app, "components", "component", json!({"name": "web"})).await;
        create(app, "properties", "property", json!({"name": "port"})).await;
        let web01 = create_id(
            app,
            "servers",
            "server",
            json!({"name": "web-01", "environment_ids": [prod]}),
        )
        .await;
        let web02 = create_id(
            app,
            "servers",
            "server",
            json!({"name": "web-02", "environment_ids": [staging]}),
        )
        .await;
        // "name lookups `app_name`, `component_name`, `environment_name` ... on write;
        // `properties_with_values` (`{"name": "value"}`) on write sets its property values"
        let ic = create(app, "installed_components", "installed_component", json!({
            "app_name": "Billing", "component_name": "web", "environment_name": "production",
            "version": "1.0", "server_ids": [web01, web02], "properties_with_values": {"port": "8080"}
        })).await;
        assert_eq!(ic["property_values"], json!({"port": "8080"}));
        let installed = id(&ic);
        let request = create_id(
            app,
            "requests",
            "request",
            json!({"name": "Release 1", "environment_id": prod, "app_ids": [billing]}),
        )
        .await;
        let step = create_id(app, "steps", "step", json!({
            "request_id": request, "name": "Deploy web", "owner_id": admin, "owner_type": "User",
            "installed_component_id": installed, "component_id": web
        })).await;
        World {
            admin,
            prod,
            staging,
            billing,
            web,
            web01,
            web02,
            installed,
            request,
            step,
        }
    }
}

/// Every resource with a list, one record each named `name` (users by login; an installed
/// component by its component), made through the API: (list path, id).
async fn one_of_each(app: &TestApp, w: &World, name: &str) -> Vec<(&'static str, i64)> {
    let email = format!("{}@example.com", name.replace(' ', "."));
    let named = json!({ "name": name });
    let component = create_id(app, "components", "component", named.clone()).await;
    let phase = create_id(app, "phases", "phase", named.clone()).await;
    let request = create_id(app, "requests", "request", named.clone()).await;
    vec![
        ("/v1/users", create_id(app, "users", "user", json!({"login": name, "email": email})).await),
        ("/v1/groups", create_id(app, "groups", "group", named.clone()).await),
        ("/v1/apps", create_id(app, "apps", "app", named.clone()).await),
        ("/v1/environments", create_id(app, "environments", "environment", named.clone()).await),
        ("/v1/components", component),
        (
            "/v1/installed_components",
            create_id(app, "installed_components", "installed_component", json!({"app_id": w.billing, "component_id": component, "environment_id": w.prod})).await,
        ),
        ("/v1/properties", create_id(app, "properties", "property", named.clone()).await),
        ("/v1/scripts", create_id(app, "scripts", "script", named.clone()).await),
        ("/v1/server_levels", create_id(app, "server_levels", "server_level", named.clone()).await),
        ("/v1/servers", create_id(app, "servers", "server", named.clone()).await),
        ("/v1/phases", phase),
        ("/v1/runtime_phases", create_id(app, "runtime_phases", "runtime_phase", json!({"name": name, "phase_id": phase})).await),
        ("/v1/work_tasks", create_id(app, "work_tasks", "work_task", named.clone()).await),
        ("/v1/categories", create_id(app, "categories", "category", named.clone()).await),
        ("/v1/procedures", create_id(app, "procedures", "procedure", named.clone()).await),
        ("/v1/requests", request),
        (
            "/v1/steps",
            create_id(app, "steps", "step", json!({"name": name, "request_id": request, "owner_id": w.admin, "owner_type": "User"})).await,
        ),
    ]
}

on_every_backend! {
    // "Every call carries `Accept: application/json` and `Content-Type: application/json`,
    // also GET and DELETE with no body at all. An empty body is no body: never a 400 because
    // a declared JSON body is empty."
    async fn json_headers_on_calls_without_a_body(app: TestApp) {
        let w = World::new(&app).await;
        for (list, id) in one_of_each(&app, &w, "plain").await {
            let res = get(&app, list).await;
            assert_eq!(res.status, 200, "{list}: {}", res.text());
            let res = get(&app, &format!("{list}/{id}")).await;
            assert_eq!(res.status, 200, "{list}/{id}: {}", res.text());
            assert_eq!(res.json()["id"], id);
        }
        let path = format!("/v1/requests/{}", w.request);
        // Declared empty (Content-Length: 0), and blank: no body either.
        for payload in ["", " \r\n"] {
            let res = app.send(request(&app, Method::GET, &path).set_payload(payload)).await;
            assert_eq!(res.status, 200, "{payload:?}: {}", res.text());
            let res = app.send(request(&app, Method::PUT, &path).set_payload(payload)).await;
            assert_eq!(res.status, 202, "a PUT without a body changes nothing: {}", res.text());
            assert_eq!(res.json()["name"], "Release 1");
        }
        let res = app.send(request(&app, Method::GET, &path).insert_header(("Content-Length", "0"))).await;
        assert_eq!(res.status, 200, "{}", res.text());
        // The type with its charset, as many client libraries send it.
        let res = app.send(request(&app, Method::PUT, &path).insert_header(("Content-Type", "application/json; charset=utf-8")).set_payload(r#"{"request": {"description": "caf\u00e9"}}"#)).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(res.json()["description"], "café");
        // A body that is there is read: the headers are not ignored.
        let res = app.send(request(&app, Method::PUT, &path).set_payload("{\"request\": ")).await;
        assert_eq!(res.status, 400, "{}", res.text());

        // DELETE with both headers and no body: a step, a request, a user.
        let res = delete(&app, &format!("/v1/steps/{}", w.step)).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(get(&app, &format!("/v1/steps/{}", w.step)).await.status, 404);
        let res = delete(&app, &path).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(get(&app, &path).await.status, 404);
        let jo = create_id(&app, "users", "user", json!({"login": "jo", "email": "jo@example.com"})).await;
        let res = delete(&app, &format!("/v1/users/{jo}")).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(res.json()["active"], false);
    }

    // "Query strings as an old HTTP client builds them: brackets unescaped
    // (`filters[first_name]=Jo`), empty parameters from a trailing `&`
    // (`...=Jo&&token=T`), spaces as `%20`, UTF-8 percent-encoded, `+` meaning a space."
    async fn query_strings_as_old_clients_build_them(app: TestApp) {
        let w = World::new(&app).await;
        let zoe = create_id(&app, "users", "user", json!({"login": "zoe", "email": "zoe@example.com", "first_name": "Zoë", "last_name": "van Dijk"})).await;
        create(&app, "users", "user", json!({"login": "zo", "email": "zo@example.com", "first_name": "Zo", "last_name": "van"})).await;
        for query in [
            "filters[first_name]=Zo%C3%AB",
            "filters[first_name]=Zo%C3%AB&",
            "&&filters[first_name]=Zo%C3%AB&&",
            "filters[last_name]=van%20Dijk",
            "filters[last_name]=van+Dijk",
            "filters%5Blast_name%5D=van+Dijk",
            "filters[first_name]=Zo%C3%AB&filters[last_name]=van+Dijk&filters[email]=",
            "filters[keyword]=dijk",
        ] {
            assert_eq!(ids(&get(&app, &format!("/v1/users?{query}")).await), [zoe], "{query}");
        }
        // The token first, then the rest; and `%2B` is a plus, not a space.
        let rel = create_id(&app, "requests", "request", json!({"name": "Release 1+2 café"})).await;
        for query in ["filters[name]=Release+1%2B2+caf%C3%A9", "filters[name]=Release%201%2B2%20caf%C3%A9"] {
            let uri = format!("/v1/requests?token={}&&{query}&", app.token);
            let res = app.send(TestRequest::get().uri(&uri).insert_header(("Accept", "application/json")).insert_header(("Content-Type", "application/json"))).await;
            assert_eq!(ids(&res), [rel], "{query}");
        }
        assert_eq!(get(&app, "/v1/requests?filters[name]=Release+1+2+caf%C3%A9").await.status, 404);
        // Installed components by the names of what they are made of.
        let query = "filters[app_name]=Billing&&filters[component_name]=web&filters[environment_name]=production&";
        assert_eq!(ids(&get(&app, &format!("/v1/installed_components?{query}")).await), [w.installed]);
        assert_eq!(get(&app, "/v1/installed_components?filters[environment_name]=staging").await.status, 404);
    }

    // "Every resource's list takes a `name` filter (exact)". A user's name is its login; an
    // installed component's is its component's (docs/compatibility.md).
    async fn every_list_takes_an_exact_name_filter(app: TestApp) {
        let w = World::new(&app).await;
        let alpha = one_of_each(&app, &w, "alpha").await;
        let longer = one_of_each(&app, &w, "alpha two").await;
        for ((list, a), (_, b)) in alpha.iter().zip(&longer) {
            assert_eq!(ids(&get(&app, &format!("{list}?filters[name]=alpha")).await), [*a], "{list}");
            assert_eq!(ids(&get(&app, &format!("{list}?filters[name]=alpha+two")).await), [*b], "{list}");
            assert_eq!(ids(&get(&app, &format!("{list}?filters[name][]=alpha&filters[name][]=alpha%20two")).await), [*a, *b], "{list}");
            // Exact: not another case, not a part. A list with nothing is a 404.
            for other in ["ALPHA", "alph", "two"] {
                let res = get(&app, &format!("{list}?filters[name]={other}")).await;
                assert_eq!(res.status, 404, "{list} {other}: {}", res.text());
            }
        }
    }

    // "the list filters of the original for users and requests (users: first_name,
    // last_name, email, keyword, active, inactive, root; requests: aasm_state, name, app_id,
    // environment_id, owner_id, requestor_id)", each sent as an old client sends it.
    async fn the_original_list_filters_of_users_and_requests(app: TestApp) {
        let w = World::new(&app).await;
        let ann = create_id(&app, "users", "user", json!({"login": "ann", "email": "ann@x.org", "first_name": "Ann", "last_name": "Lee"})).await;
        let bob = create_id(&app, "users", "user", json!({"login": "bob", "email": "bob@y.org", "first_name": "Bob", "last_name": "Lee", "admin": true})).await;
        let cy = create_id(&app, "users", "user", json!({"login": "cy", "email": "cy@x.org", "first_name": "Cy", "last_name": "Ng"})).await;
        assert_eq!(delete(&app, &format!("/v1/users/{cy}")).await.status, 202);
        let admin = w.admin;
        for (query, expected) in [
            ("filters[first_name]=Ann", vec![ann]),
            ("filters[last_name]=Lee", vec![ann, bob]),
            ("filters[email]=BOB%40y.org", vec![bob]),
            ("filters[keyword]=x.org", vec![ann]),
            ("filters[active]=true", vec![admin, ann, bob]),
            ("filters[active]=false", vec![cy]),
            ("filters[inactive]=true", vec![cy]),
            ("filters[inactive]=1&filters[active]=1", vec![admin, ann, bob, cy]),
            ("filters[root]=true", vec![admin, bob]),
            ("filters[root]=f&filters[last_name]=Lee", vec![ann]),
            ("filters[name]=bob", vec![bob]),
        ] {
            assert_eq!(ids(&get(&app, &format!("/v1/users?{query}")).await), expected, "{query}");
        }

        let bob_owns = create_id(&app, "requests", "request", json!({"name": "Release 2", "owner_id": bob, "environment_id": w.staging})).await;
        let ann_asked = create_id(&app, "requests", "request", json!({"name": "Release 3", "requestor_id": ann, "app_ids": [w.billing], "aasm_event": "plan_it"})).await;
        let r1 = w.request;
        for (query, expected) in [
            ("filters[aasm_state]=planned".to_string(), vec![ann_asked]),
            ("filters[aasm_state][]=created&filters[aasm_state][]=planned".to_string(), vec![r1, bob_owns, ann_asked]),
            ("filters[name]=Release+2".to_string(), vec![bob_owns]),
            (format!("filters[app_id]={}", w.billing), vec![r1, ann_asked]),
            (format!("filters[environment_id]={}", w.staging), vec![bob_owns]),
            (format!("filters[owner_id]={bob}"), vec![bob_owns]),
            (format!("filters[requestor_id]={ann}"), vec![ann_asked]),
            (format!("filters[owner_id]={admin}&filters[app_id]={}&filters[aasm_state]=created", w.billing), vec![r1]),
        ] {
            assert_eq!(ids(&get(&app, &format!("/v1/requests?{query}")).await), expected, "{query}");
        }
    }

    // "Requests: `app_ids` on write (the apps of the request) ... each step in the request's
    // representation carries `component_name`"; "A client polls a request (`GET
    // /v1/requests/:id`) ... with steps' states inside"; "Request ids are derived from
    // numbers as number - 1000: keep 1000 the default base."
    async fn a_request_as_clients_poll_it_and_find_it_by_number(app: TestApp) {
        let w = World::new(&app).await;
        let polled = record(&app, &format!("/v1/requests/{}", w.request)).await;
        assert_eq!(polled["aasm_state"], "created");
        assert_eq!(polled["apps"], json!([{"id": w.billing, "name": "Billing"}]));
        assert_eq!(polled["steps"][0]["id"], w.step);
        assert_eq!(polled["steps"][0]["aasm_state"], "locked");
        assert_eq!(polled["steps"][0]["component_name"], "web");
        // The number a step shows of its request leads back to the request.
        let step = record(&app, &format!("/v1/steps/{}", w.step)).await;
        assert_eq!(step["component"]["id"], w.web);
        let number = step["request"]["number"].as_i64().expect("a number");
        assert_eq!(number, polled["number"].as_i64().unwrap());
        let found = record(&app, &format!("/v1/requests/{}", number - 1000)).await;
        assert_eq!(found["id"], w.request);
        assert_eq!(found["name"], "Release 1");
    }

    // "Updates are read-modify-write: the client GETs a record, changes a field and PUTs the
    // whole record back, so the body holds `id` (sometimes as a string), `created_at`,
    // `updated_at`, `number`, and nested objects (`owner`, `request`, `app`, ...). Attributes
    // that are read-only or part of the representation are accepted and ignored on PUT and
    // POST; only names that are neither writable nor part of the representation get the 422.
    // A nested object that was sent back does not change the reference; the `*_id` field
    // does." Requests: owner, environment, apps and steps sent back.
    async fn read_modify_write_a_request(app: TestApp) {
        let w = World::new(&app).await;
        let bob = create_id(&app, "users", "user", json!({"login": "bob", "email": "bob@example.com"})).await;
        let path = format!("/v1/requests/{}", w.request);
        let before = record(&app, &path).await;
        let mut back = before.clone();
        back["id"] = json!(w.request.to_string());
        back["description"] = json!("changed");
        back["number"] = json!(9999);
        back["created_at"] = json!("2001-01-01T00:00:00Z");
        back["owner"] = json!({"id": bob, "login": "bob", "email": "bob@example.com"});
        back["environment"] = json!({"id": w.staging, "name": "staging"});
        back["apps"] = json!([]);
        back["steps"] = json!([]);
        let res = put(&app, &path, json!({ "request": back })).await;
        assert_eq!(res.status, 202, "{}", res.text());
        let mut expected = before.clone();
        expected["description"] = json!("changed");
        assert_eq!(unstamped(res.json()), unstamped(expected), "only the changed field changed");
        // The *_id fields do change the references.
        let mut back = res.json();
        back["owner_id"] = json!(bob);
        back["environment_id"] = json!(w.staging);
        back["app_ids"] = json!([]);
        let after = put(&app, &path, json!({ "request": back })).await.json();
        assert_eq!((after["owner"]["login"].as_str(), after["environment"]["name"].as_str()), (Some("bob"), Some("staging")));
        assert_eq!(after["apps"], json!([]));
        // An unknown name is the only 422, and changes nothing.
        let mut back = after.clone();
        back["name"] = json!("not saved");
        back["colour"] = json!("red");
        assert_refused(&put(&app, &path, json!({ "request": back.clone() })).await, "colour", "is not a known attribute");
        assert_eq!(unstamped(record(&app, &path).await), unstamped(after.clone()));
        // POST of a record read back: a new request, its id and number its own.
        back.as_object_mut().unwrap().remove("colour");
        let copy = create(&app, "requests", "request", back).await;
        assert_ne!(copy["id"], after["id"]);
        assert_eq!(copy["number"], id(&copy) + 1000);
        assert_eq!(copy["steps"], json!([]), "steps sent back make no steps");
    }

    // Steps: owner, installed_component, component and request objects sent back.
    async fn read_modify_write_a_step(app: TestApp) {
        let w = World::new(&app).await;
        let bob = create_id(&app, "users", "user", json!({"login": "bob", "email": "bob@example.com"})).await;
        let other_request = create_id(&app, "requests", "request", json!({"name": "Other"})).await;
        let path = format!("/v1/steps/{}", w.step);
        let before = record(&app, &path).await;
        let mut back = before.clone();
        back["id"] = json!(w.step.to_string());
        back["description"] = json!("changed");
        back["number"] = json!("7");
        back["owner"] = json!({"id": bob, "login": "bob", "email": "bob@example.com"});
        back["request"] = json!({"id": other_request, "name": "Other", "aasm_state": "created", "number": other_request + 1000});
        back["component"] = json!({"id": 999_999, "name": "ghost"});
        back["installed_component"]["id"] = json!(999_999);
        let res = put(&app, &path, json!({ "step": back })).await;
        assert_eq!(res.status, 202, "{}", res.text());
        let mut expected = before.clone();
        expected["description"] = json!("changed");
        assert_eq!(unstamped(res.json()), unstamped(expected), "only the changed field changed");
        let mut back = res.json();
        back["owner_id"] = json!(bob);
        back["request_id"] = json!(other_request.to_string());
        let after = put(&app, &path, json!({ "step": back })).await;
        assert_eq!(after.status, 202, "{}", after.text());
        let after = after.json();
        assert_eq!((after["owner"]["login"].as_str(), after["request"]["id"].as_i64()), (Some("bob"), Some(other_request)));
        let mut back = after.clone();
        back["name"] = json!("not saved");
        back["colour"] = json!("red");
        assert_refused(&put(&app, &path, json!({ "step": back })).await, "colour", "is not a known attribute");
        assert_eq!(unstamped(record(&app, &path).await), unstamped(after.clone()));
        let mut copy = after.clone();
        copy["name"] = json!("Copy");
        let copy = create(&app, "steps", "step", copy).await;
        assert_ne!(copy["id"], after["id"]);
        assert_eq!(copy["installed_component"]["id"], w.installed);
    }

    // Installed components: app, component and environment objects, servers and
    // property_values sent back.
    async fn read_modify_write_an_installed_component(app: TestApp) {
        let w = World::new(&app).await;
        let path = format!("/v1/installed_components/{}", w.installed);
        let before = record(&app, &path).await;
        let mut back = before.clone();
        back["id"] = json!(w.installed.to_string());
        back["version"] = json!("2.0");
        back["environment"] = json!({"id": w.staging, "name": "staging"});
        back["app"] = json!({"id": 999_999, "name": "ghost"});
        back["servers"] = json!([]);
        back["property_values"] = json!({"port": "1"});
        back["application_environment_id"] = json!(999_999);
        let res = put(&app, &path, json!({ "installed_component": back })).await;
        assert_eq!(res.status, 202, "{}", res.text());
        let mut expected = before.clone();
        expected["version"] = json!("2.0");
        assert_eq!(unstamped(res.json()), unstamped(expected), "only the changed field changed");
        let mut back = res.json();
        back["environment_id"] = json!(w.staging);
        let after = put(&app, &path, json!({ "installed_component": back })).await.json();
        assert_eq!(after["environment"], json!({"id": w.staging, "name": "staging"}));
        let mut back = after.clone();
        back["version"] = json!("not saved");
        back["colour"] = json!("red");
        assert_refused(&put(&app, &path, json!({ "installed_component": back })).await, "colour", "is not a known attribute");
        assert_eq!(unstamped(record(&app, &path).await), unstamped(after.clone()));
        // POSTed back, the representation is ignored: what it lacks are the three ids (it
        // shows app, component and environment as objects only).
        let res = post(&app, "/v1/installed_components", json!({ "installed_component": after.clone() })).await;
        let blank = json!(["can't be blank"]);
        assert_eq!(assert_errors_shape(&res), json!({"app_id": blank, "component_id": blank, "environment_id": blank}));
        // With them, the same triple is taken, with the message clients know.
        let mut copy = after;
        copy["app_id"] = json!(w.billing);
        copy["component_id"] = json!(w.web);
        copy["environment_id"] = json!(w.staging);
        let res = post(&app, "/v1/installed_components", json!({ "installed_component": copy })).await;
        assert_refused(&res, "component_id", "has already been taken");
    }

    // Apps: environments and components lists sent back; `environment_ids` writes.
    async fn read_modify_write_an_app(app: TestApp) {
        let w = World::new(&app).await;
        let qa = create_id(&app, "environments", "environment", json!({"name": "qa"})).await;
        let path = format!("/v1/apps/{}", w.billing);
        let before = record(&app, &path).await;
        let mut back = before.clone();
        back["id"] = json!(w.billing.to_string());
        back["app_version"] = json!("3.1");
        back["environments"] = json!([{"id": qa, "name": "qa"}]);
        back["components"] = json!([]);
        let res = put(&app, &path, json!({ "app": back })).await;
        assert_eq!(res.status, 202, "{}", res.text());
        let mut expected = before.clone();
        expected["app_version"] = json!("3.1");
        assert_eq!(unstamped(res.json()), unstamped(expected), "only the changed field changed");
        let mut back = res.json();
        back["environment_ids"] = json!([w.prod, w.staging, qa]);
        let after = put(&app, &path, json!({ "app": back })).await.json();
        assert_eq!(after["environments"].as_array().map(Vec::len), Some(3), "{after}");
        let mut back = after.clone();
        back["colour"] = json!("red");
        assert_refused(&put(&app, &path, json!({ "app": back })).await, "colour", "is not a known attribute");
        let mut copy = after.clone();
        copy["name"] = json!("Billing 2");
        let copy = create(&app, "apps", "app", copy).await;
        assert_ne!(copy["id"], after["id"]);
        assert_eq!(copy["environments"], json!([]), "a list sent back links nothing");
    }

    // Servers: server_level and environments sent back, parent_type read-only.
    async fn read_modify_write_a_server(app: TestApp) {
        let w = World::new(&app).await;
        let level = create_id(&app, "server_levels", "server_level", json!({"name": "Web"})).await;
        let path = format!("/v1/servers/{}", w.web01);
        let before = record(&app, &path).await;
        let mut back = before.clone();
        back["id"] = json!(w.web01.to_string());
        back["os_platform"] = json!("Linux");
        back["server_level"] = json!({"id": level, "name": "Web"});
        back["environments"] = json!([{"id": w.staging, "name": "staging"}]);
        back["parent_type"] = json!("Server");
        let res = put(&app, &path, json!({ "server": back })).await;
        assert_eq!(res.status, 202, "{}", res.text());
        let mut expected = before.clone();
        expected["os_platform"] = json!("Linux");
        assert_eq!(unstamped(res.json()), unstamped(expected), "only the changed field changed");
        let mut back = res.json();
        back["server_level_id"] = json!(level);
        back["environment_ids"] = json!([w.staging]);
        let after = put(&app, &path, json!({ "server": back })).await.json();
        assert_eq!(after["server_level"], json!({"id": level, "name": "Web"}));
        assert_eq!(after["environments"], json!([{"id": w.staging, "name": "staging"}]));
        let mut back = after.clone();
        back["colour"] = json!("red");
        assert_refused(&put(&app, &path, json!({ "server": back })).await, "colour", "is not a known attribute");
        assert_refused(&post(&app, "/v1/servers", json!({ "server": after })).await, "name", "has already been taken");
    }

    // Users: groups sent back; `group_ids` writes; the key is neither shown nor writable.
    async fn read_modify_write_a_user(app: TestApp) {
        let ops = create_id(&app, "groups", "group", json!({"name": "Ops"})).await;
        let jo = create_id(&app, "users", "user", json!({"login": "jo", "email": "jo@example.com"})).await;
        let path = format!("/v1/users/{jo}");
        let before = record(&app, &path).await;
        let mut back = before.clone();
        back["id"] = json!(jo.to_string());
        back["first_name"] = json!("Jo");
        back["groups"] = json!([{"id": ops, "name": "Ops"}]);
        let res = put(&app, &path, json!({ "user": back })).await;
        assert_eq!(res.status, 202, "{}", res.text());
        let mut expected = before.clone();
        expected["first_name"] = json!("Jo");
        assert_eq!(unstamped(res.json()), unstamped(expected), "only the changed field changed");
        let mut back = res.json();
        back["group_ids"] = json!([ops.to_string()]);
        let after = put(&app, &path, json!({ "user": back })).await.json();
        assert_eq!(after["groups"], json!([{"id": ops, "name": "Ops"}]));
        let mut back = after.clone();
        back["api_key"] = json!("guessed");
        assert_refused(&put(&app, &path, json!({ "user": back })).await, "api_key", "is not a known attribute");
        let res = post(&app, "/v1/users", json!({ "user": after })).await;
        let body = assert_errors_shape(&res);
        assert_eq!((body["login"][0].as_str(), body["email"][0].as_str()), (Some("has already been taken"), Some("has already been taken")));
    }

    // "Names that identify a record are unique, with the 422 above: users' login and email,
    // groups, apps, components, environments, servers, scripts, categories, phases, work
    // tasks"; "'already exists' is recognised by the first message being exactly 'has already
    // been taken'".
    async fn a_taken_name_is_has_already_been_taken(app: TestApp) {
        let cases = [
            ("users", "user", json!({"login": "jo", "email": "jo@example.com"})),
            ("groups", "group", json!({"name": "Ops"})),
            ("apps", "app", json!({"name": "Billing"})),
            ("components", "component", json!({"name": "web"})),
            ("environments", "environment", json!({"name": "production"})),
            ("servers", "server", json!({"name": "web-01"})),
            ("scripts", "script", json!({"name": "deploy"})),
            ("categories", "category", json!({"name": "Hotfix"})),
            ("phases", "phase", json!({"name": "Build"})),
            ("work_tasks", "work_task", json!({"name": "Review"})),
        ];
        for (plural, root, attrs) in cases {
            create(&app, plural, root, attrs.clone()).await;
            let res = post(&app, &format!("/v1/{plural}"), json!({ root: attrs.clone() })).await;
            let body = assert_errors_shape(&res);
            let attribute = if plural == "users" { "login" } else { "name" };
            assert_eq!(body[attribute][0], "has already been taken", "{plural}: {body}");
            if plural == "users" {
                assert_eq!(body["email"][0], "has already been taken", "{body}");
            }
            let res = get(&app, &format!("/v1/{plural}")).await;
            assert_eq!(ids(&res).len(), if plural == "users" { 2 } else { 1 }, "{plural}: nothing more was made");
        }
        // The other 422s have the same shape: unknown filters, values and events, references.
        let request = create_id(&app, "requests", "request", json!({"name": "R"})).await;
        assert_errors_shape(&get(&app, "/v1/users?filters[colour]=red").await);
        assert_errors_shape(&get(&app, "/v1/requests?filters[owner_id]=bob").await);
        assert_errors_shape(&put(&app, &format!("/v1/requests/{request}"), json!({"request": {"aasm_event": "launch"}})).await);
        assert_errors_shape(&put(&app, &format!("/v1/requests/{request}"), json!({"request": {"aasm_event": "finish"}})).await);
        assert_errors_shape(&post(&app, "/v1/steps", json!({"step": {"request_id": 999_999, "estimate": "soon"}})).await);
        assert_errors_shape(&post(&app, "/v1/installed_components", json!({"installed_component": {"app_name": "nope", "properties_with_values": {"ghost": "x"}}})).await);
    }

    // "servers list their environments (`environment_ids`), and steps' `all_servers` follows
    // from them": a step may run on the servers of its installed component that are in the
    // installed component's environment (docs/compatibility.md).
    async fn all_servers_follow_the_servers_environments(app: TestApp) {
        let w = World::new(&app).await;
        let path = format!("/v1/steps/{}", w.step);
        let available = |step: &Value| -> Vec<String> {
            let mut names: Vec<String> = step["all_servers"]["available_servers"]
                .as_object()
                .expect("groups")
                .values()
                .flat_map(|group| group.as_array().expect("a group").iter())
                .map(|s| s["name"].as_str().expect("a name").to_string())
                .collect();
            names.sort();
            names
        };
        // web-02 is on the installed component but only in staging.
        assert_eq!(available(&record(&app, &path).await), ["web-01"]);
        let res = put(&app, &format!("/v1/servers/{}", w.web02), json!({"server": {"environment_ids": [w.staging, w.prod]}})).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(available(&record(&app, &path).await), ["web-01", "web-02"]);
        let res = put(&app, &format!("/v1/servers/{}", w.web01), json!({"server": {"environment_ids": []}})).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(available(&record(&app, &path).await), ["web-02"]);
        // In the environment but not on the installed component: not available.
        create(&app, "servers", "server", json!({"name": "db-01", "environment_ids": [w.prod]})).await;
        assert_eq!(available(&record(&app, &path).await), ["web-02"]);
        // The installed component moved to staging takes its staging servers.
        let res = put(&app, &format!("/v1/installed_components/{}", w.installed), json!({"installed_component": {"environment_id": w.staging}})).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(available(&record(&app, &path).await), ["web-02"]);
        let res = put(&app, &format!("/v1/servers/{}", w.web02), json!({"server": {"environment_ids": [w.prod]}})).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(available(&record(&app, &path).await), Vec::<String>::new());
        // A list of steps shows the same.
        let list = get(&app, &format!("/v1/steps?filters[request_id]={}", w.request)).await.json();
        assert_eq!(list[0]["all_servers"], record(&app, &path).await["all_servers"]);
    }
}
