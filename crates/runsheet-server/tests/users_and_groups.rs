//! /v1/users and /v1/groups (issue: foundation, "Users and groups"; behaviour.md "Users").

mod common;

use actix_web::test::TestRequest;
use common::{Resp, TestApp};
use serde_json::{json, Value};

fn logins(res: &Resp) -> Vec<String> {
    res.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["login"].as_str().unwrap().to_string())
        .collect()
}

async fn make_user(app: &TestApp, user: Value) -> i64 {
    let res = app.post_json("/v1/users", json!({ "user": user })).await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["id"].as_i64().unwrap()
}

/// The id of the user made with `login` (and `login@example.com`).
async fn user_id(app: &TestApp, login: &str) -> i64 {
    let res = app
        .get_json(&format!("/v1/users?filters[email]={login}@example.com"))
        .await;
    res.json()[0]["id"].as_i64().unwrap()
}

on_every_backend! {
    async fn a_user_shows_every_attribute_and_never_its_key(app: TestApp) {
        let res = app.post_json("/v1/users", json!({"user": {"login": "jo", "email": "jo@example.com", "first_name": "Jo", "last_name": "Lee", "admin": true}})).await;
        assert_eq!(res.status, 201);
        let user = res.json();
        let keys: Vec<&str> = user.as_object().unwrap().keys().map(String::as_str).collect();
        let mut expected = vec!["active", "admin", "created_at", "email", "first_name", "groups", "id", "last_name", "login", "updated_at"];
        expected.sort();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(sorted, expected);
        assert_eq!(user["active"], true);
        assert_eq!(user["groups"], json!([]));
        let text = res.text();
        assert!(!text.contains("api_key") && !text.contains(&app.token));

        let id = user["id"].as_i64().unwrap();
        let xml = app.send(TestRequest::get().uri(&app.path(&format!("/v1/users/{id}.xml")))).await.text();
        assert!(xml.contains("<user>") && xml.contains(&format!("<id type=\"integer\">{id}</id>")), "{xml}");
        assert!(xml.contains("<groups type=\"array\"/>"), "{xml}");
        assert!(xml.contains("<created-at type=\"datetime\">"), "{xml}");
        assert!(!xml.contains("api-key"));
    }

    // "login and email required and unique" (issue: foundation)
    async fn login_and_email_are_required_and_unique(app: TestApp) {
        let res = app.post_json("/v1/users", json!({"user": {}})).await;
        assert_eq!(res.json(), json!({"login": ["can't be blank"], "email": ["can't be blank"]}));
        make_user(&app, json!({"login": "jo", "email": "jo@example.com"})).await;
        let res = app.post_json("/v1/users", json!({"user": {"login": "JO", "email": "Jo@Example.com"}})).await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"login": ["has already been taken"], "email": ["has already been taken"]}));
    }

    async fn a_user_may_keep_its_own_login_on_update(app: TestApp) {
        let id = make_user(&app, json!({"login": "jo", "email": "jo@example.com"})).await;
        let res = app.put_json(&format!("/v1/users/{id}"), json!({"user": {"login": "jo", "last_name": "Lee"}})).await;
        assert_eq!(res.status, 202, "{}", res.text());
        let res = app.put_json(&format!("/v1/users/{id}"), json!({"user": {"login": "admin"}})).await;
        assert_eq!(res.json(), json!({"login": ["has already been taken"]}));
        let res = app.get_json(&format!("/v1/users/{id}")).await;
        assert_eq!(res.json()["login"], "jo", "a refused update changes nothing");
    }

    // Read-modify-write: what a GET returned may be PUT back as it is.
    async fn a_record_can_be_sent_back(app: TestApp) {
        let id = make_user(&app, json!({"login": "jo", "email": "jo@example.com"})).await;
        let mut user = app.get_json(&format!("/v1/users/{id}")).await.json();
        user["first_name"] = json!("Joanna");
        let res = app.put_json(&format!("/v1/users/{id}"), json!({ "user": user })).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(res.json()["first_name"], "Joanna");
    }

    // "DELETE deactivates (the record stays; its token stops working)"
    async fn delete_deactivates(app: TestApp) {
        let token = app.user("leaver", true);
        let id = app.get_json("/v1/users?filters[email]=leaver@example.com").await.json()[0]["id"].as_i64().unwrap();
        let res = app.send(TestRequest::delete().uri(&app.path(&format!("/v1/users/{id}"))).insert_header(("Accept", "application/json"))).await;
        assert_eq!(res.status, 202);
        assert_eq!(res.json()["active"], false);
        assert_eq!(app.get_json(&format!("/v1/users/{id}")).await.json()["active"], false, "the record stays");
        let res = app.send(TestRequest::get().uri(&format!("/v1/users?token={token}"))).await;
        assert_eq!(res.status, 403);
    }

    // The server remembers a token that opened the API for a second (docs/api.md,
    // "Authentication"); a change to its user through this server refuses it at once.
    async fn a_remembered_token_is_refused_as_soon_as_its_user_changes(app: TestApp) {
        let as_user = |token: &str| TestRequest::get().uri(&format!("/v1/users?token={token}"));
        let leaver = app.user("leaver", true);
        let demoted = app.user("demoted", true);
        for token in [&leaver, &demoted] {
            assert_eq!(app.send(as_user(token)).await.status, 200, "remembered from now on");
        }
        let leaver_id = user_id(&app, "leaver").await;
        let res = app.send(TestRequest::delete().uri(&app.path(&format!("/v1/users/{leaver_id}")))).await;
        assert_eq!(res.status, 202);
        assert_eq!(app.send(as_user(&leaver)).await.status, 403, "deactivated");
        let demoted_id = user_id(&app, "demoted").await;
        let res = app.put_json(&format!("/v1/users/{demoted_id}"), json!({"user": {"admin": false}})).await;
        assert_eq!(res.status, 202, "{}", res.text());
        assert_eq!(app.send(as_user(&demoted)).await.status, 403, "no longer an admin");
        assert_eq!(app.get_json("/v1/users").await.status, 200, "other tokens still work");
    }

    // A change made elsewhere (another server, the command line) reaches this server's
    // remembered tokens within a second.
    async fn a_token_deactivated_elsewhere_is_refused_within_a_second(app: TestApp) {
        let as_user = |token: &str| TestRequest::get().uri(&format!("/v1/users?token={token}"));
        let leaver = app.user("leaver", true);
        assert_eq!(app.send(as_user(&leaver)).await.status, 200);
        let id = user_id(&app, "leaver").await;
        let mut conn = app.pool.get().unwrap();
        runsheet_store::users::deactivate(&mut conn, id).unwrap();
        drop(conn);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let status = app.send(as_user(&leaver)).await.status;
            if status == 403 {
                break;
            }
            assert_eq!(status, 200);
            assert!(std::time::Instant::now() < deadline, "the token still works");
            actix_rt::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    // "Filters: first_name, last_name, email, keyword, active/inactive (active by default), root."
    async fn user_filters(app: TestApp) {
        make_user(&app, json!({"login": "ann", "email": "ann@x.org", "first_name": "Ann", "last_name": "Smith"})).await;
        make_user(&app, json!({"login": "bob", "email": "bob@y.org", "first_name": "Bob", "last_name": "Smith", "admin": true})).await;
        let gone = make_user(&app, json!({"login": "cy", "email": "cy@x.org", "first_name": "Cy", "last_name": "Jones"})).await;
        app.send(TestRequest::delete().uri(&app.path(&format!("/v1/users/{gone}")))).await;

        assert_eq!(logins(&app.get_json("/v1/users").await), ["admin", "ann", "bob"], "active by default");
        assert_eq!(logins(&app.get_json("/v1/users?filters[inactive]=true").await), ["cy"]);
        assert_eq!(logins(&app.get_json("/v1/users?filters[active]=false").await), ["cy"]);
        assert_eq!(logins(&app.get_json("/v1/users?filters[active]=true&filters[inactive]=true").await), ["admin", "ann", "bob", "cy"]);
        assert_eq!(logins(&app.get_json("/v1/users?filters[last_name]=Smith").await), ["ann", "bob"]);
        assert_eq!(logins(&app.get_json("/v1/users?filters[first_name]=Ann&filters[last_name]=Smith").await), ["ann"]);
        assert_eq!(logins(&app.get_json("/v1/users?filters[email]=BOB@y.org").await), ["bob"]);
        assert_eq!(logins(&app.get_json("/v1/users?filters[root]=true").await), ["admin", "bob"]);
        assert_eq!(logins(&app.get_json("/v1/users?filters[root]=f").await), ["ann"]);
        assert_eq!(logins(&app.get_json("/v1/users?filters[keyword]=x.org").await), ["ann"]);
        assert_eq!(logins(&app.get_json("/v1/users?filters[keyword]=SMI").await), ["ann", "bob"]);
        assert_eq!(logins(&app.get_json("/v1/users?filters[keyword]=bO").await), ["bob"]);
        assert_eq!(logins(&app.get_json("/v1/users?filters[keyword]=jones&filters[inactive]=true").await), ["cy"]);
    }

    async fn keyword_wildcards_are_literal(app: TestApp) {
        make_user(&app, json!({"login": "per_cent", "email": "pc@x.org"})).await;
        make_user(&app, json!({"login": "percent", "email": "p@x.org"})).await;
        assert_eq!(logins(&app.get_json("/v1/users?filters[keyword]=r_c").await), ["per_cent"]);
        assert_eq!(app.get_json("/v1/users?filters[keyword]=%25%25").await.status, 404);
    }

    // Groups: "name (unique), email, active, and its users (`user_ids` on write)"
    async fn groups_with_members(app: TestApp) {
        let ann = make_user(&app, json!({"login": "ann", "email": "ann@x.org"})).await;
        let bob = make_user(&app, json!({"login": "bob", "email": "bob@x.org"})).await;
        let res = app.post_json("/v1/groups", json!({"group": {"name": "Ops", "email": "ops@x.org", "user_ids": [bob, ann]}})).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let group = res.json();
        let gid = group["id"].as_i64().unwrap();
        assert_eq!(group["name"], "Ops");
        assert_eq!(group["active"], true);
        let members: Vec<&str> = group["users"].as_array().unwrap().iter().map(|u| u["login"].as_str().unwrap()).collect();
        assert_eq!(members, ["ann", "bob"]);

        let user = app.get_json(&format!("/v1/users/{ann}")).await.json();
        assert_eq!(user["groups"], json!([{"id": gid, "name": "Ops"}]));

        let res = app.post_json("/v1/groups", json!({"group": {"name": "ops"}})).await;
        assert_eq!(res.json(), json!({"name": ["has already been taken"]}));
        let res = app.post_json("/v1/groups", json!({"group": {"name": "Dev", "user_ids": [999999]}})).await;
        assert_eq!(res.json(), json!({"user_ids": ["does not exist"]}));
        assert_eq!(app.get_json("/v1/groups?filters[name]=Dev").await.status, 404, "a refused create leaves nothing");

        let res = app.put_json(&format!("/v1/groups/{gid}"), json!({"group": {"user_ids": [bob]}})).await;
        assert_eq!(res.status, 202);
        assert_eq!(res.json()["users"].as_array().unwrap().len(), 1);
        assert_eq!(app.get_json(&format!("/v1/users/{ann}")).await.json()["groups"], json!([]));

        let xml = app.send(TestRequest::get().uri(&app.path(&format!("/v1/groups/{gid}.xml")))).await.text();
        assert!(xml.contains("<users type=\"array\">\n    <user>"), "{xml}");

        let res = app.put_json(&format!("/v1/users/{ann}"), json!({"user": {"group_ids": [gid]}})).await;
        assert_eq!(res.json()["groups"][0]["name"], "Ops");

        assert_eq!(app.get_json("/v1/groups?filters[name]=Ops").await.json().as_array().unwrap().len(), 1);
        let res = app.send(TestRequest::delete().uri(&app.path(&format!("/v1/groups/{gid}"))).insert_header(("Accept", "application/json"))).await;
        assert_eq!(res.status, 202);
        assert_eq!(res.json()["active"], false);
        assert_eq!(app.get_json("/v1/groups").await.status, 404, "inactive groups are not listed by default");
        assert_eq!(app.get_json("/v1/groups?filters[inactive]=true").await.status, 200);
    }

    async fn group_xml_bodies_with_arrays(app: TestApp) {
        let ann = make_user(&app, json!({"login": "ann", "email": "ann@x.org"})).await;
        let xml = format!("<group><name>Ops</name><user-ids type=\"array\"><user-id type=\"integer\">{ann}</user-id></user-ids></group>");
        let res = app.send_xml(TestRequest::post().uri(&app.path("/v1/groups")), &xml).await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert!(res.text().contains("<login>ann</login>"));
    }
}
