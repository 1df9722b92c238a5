//! The REST conventions every resource follows (issue: foundation), shown on /v1/users.
//! Quotes are from ../shared/spec/behaviour.md unless said otherwise.

mod common;

use actix_web::test::TestRequest;
use common::TestApp;
use serde_json::json;

on_every_backend! {
    // "`.json` / `.xml` on the last path element wins; else the Accept header"
    async fn the_path_suffix_wins_over_accept(app: TestApp) {
        let res = app.send(TestRequest::get().uri(&app.path("/v1/users.xml")).insert_header(("Accept", "application/json"))).await;
        assert_eq!(res.status, 200);
        assert!(res.content_type().starts_with("application/xml"), "{}", res.content_type());
        assert!(res.text().starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<users type=\"array\">"), "{}", res.text());

        let res = app.send(TestRequest::get().uri(&app.path("/v1/users.json")).insert_header(("Accept", "text/xml"))).await;
        assert!(res.content_type().starts_with("application/json"));
        assert_eq!(res.json()[0]["login"], "admin");

        let id = res.json()[0]["id"].as_i64().unwrap();
        let res = app.send(TestRequest::get().uri(&app.path(&format!("/v1/users/{id}.xml")))).await;
        assert!(res.text().contains("<login>admin</login>"), "{}", res.text());
    }

    async fn the_accept_header_picks_the_format(app: TestApp) {
        for (accept, xml) in [("application/json", false), ("application/xml", true), ("text/xml", true), ("text/html, application/xml;q=0.9", true)] {
            let res = app.send(TestRequest::get().uri(&app.path("/v1/users")).insert_header(("Accept", accept))).await;
            assert_eq!(res.status, 200, "{accept}");
            assert_eq!(res.content_type().starts_with("application/xml"), xml, "{accept}");
        }
    }

    // "**runsheet:** `*/*` or no Accept gives the configured default format (JSON unless configured)"
    async fn any_or_no_accept_gives_the_default(app: TestApp) {
        let res = app.send(TestRequest::get().uri(&app.path("/v1/users")).insert_header(("Accept", "*/*"))).await;
        assert!(res.content_type().starts_with("application/json"));
        let res = app.send(TestRequest::get().uri(&app.path("/v1/users"))).await;
        assert!(res.content_type().starts_with("application/json"));
    }

    // "an Accept naming only unsupported types gives 406"
    async fn unsupported_accept_is_406(app: TestApp) {
        let res = app.send(TestRequest::get().uri(&app.path("/v1/users")).insert_header(("Accept", "text/html"))).await;
        assert_eq!(res.status, 406);
        let res = app.send(TestRequest::get().uri(&app.path("/v1/users.json")).insert_header(("Accept", "text/html"))).await;
        assert_eq!(res.status, 200, "the suffix wins");
    }

    // "`token` in the query string, or inside the body's root object ... also accepts
    // `Authorization: Bearer <token>`"
    async fn the_token_may_come_three_ways(app: TestApp) {
        let res = app.send(TestRequest::get().uri("/v1/users").insert_header(("Authorization", format!("Bearer {}", app.token)))).await;
        assert_eq!(res.status, 200);

        let body = json!({"user": {"login": "jo", "email": "jo@example.com", "token": app.token}});
        let res = app.send(TestRequest::post().uri("/v1/users").set_json(body)).await;
        assert_eq!(res.status, 201, "{}", res.text());

        let xml = format!("<user><login>al</login><email>al@example.com</email><token>{}</token></user>", app.token);
        let res = app.send_xml(TestRequest::post().uri("/v1/users"), &xml).await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert!(res.text().contains("<login>al</login>"));
        assert!(!res.text().contains("token"), "the token is not an attribute");
    }

    // "Only an **active admin** user's key is accepted ... a missing token is a 403"
    async fn bad_tokens_are_403_in_the_negotiated_format(app: TestApp) {
        let plain = app.user("plain", false);
        let gone = app.user("gone", true);
        runsheet_store::users::issue_token(&mut app.pool.get().unwrap(), "gone").unwrap();
        for token in ["", "nope", "0123456789abcdef0123456789abcdef01234567", plain.as_str(), gone.as_str()] {
            let res = app.send(TestRequest::get().uri(&format!("/v1/users?token={token}")).insert_header(("Accept", "application/json"))).await;
            assert_eq!(res.status, 403, "{token}");
            assert_eq!(res.json(), json!({"error": {"response": "Invalid API Key"}}));
        }
        let res = app.send(TestRequest::get().uri("/v1/users.xml")).await;
        assert_eq!(res.status, 403);
        assert_eq!(
            res.text(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xml>\n  <error>\n    <response>Invalid API Key</response>\n  </error>\n</xml>\n"
        );
        let res = app.send(TestRequest::get().uri("/v1/users").insert_header(("Authorization", "Bearer wrong-token"))).await;
        assert_eq!(res.status, 403);
    }

    async fn an_inactive_admin_is_refused(app: TestApp) {
        let token = app.user("leaver", true);
        let res = app.send(TestRequest::get().uri(&format!("/v1/users?token={token}"))).await;
        assert_eq!(res.status, 200);
        let id = res.json().as_array().unwrap().iter().find(|u| u["login"] == "leaver").unwrap()["id"].as_i64().unwrap();
        let res = app.send(TestRequest::delete().uri(&app.path(&format!("/v1/users/{id}")))).await;
        assert_eq!(res.status, 202);
        let res = app.send(TestRequest::get().uri(&format!("/v1/users?token={token}"))).await;
        assert_eq!(res.status, 403);
    }

    // "404 | unknown id, **and a list with no records** (documented). Body empty"
    async fn unknown_ids_and_empty_lists_are_404(app: TestApp) {
        for path in ["/v1/users/999999", "/v1/users/abc", "/v1/users?filters[first_name]=Nobody", "/v1/groups"] {
            let res = app.get_json(path).await;
            assert_eq!(res.status, 404, "{path}");
            assert!(res.body.is_empty(), "{path}: {}", res.text());
        }
        let res = app.send(TestRequest::put().uri(&app.path("/v1/users/999999")).set_json(json!({"user": {"first_name": "x"}}))).await;
        assert_eq!(res.status, 404);
        let res = app.send(TestRequest::delete().uri(&app.path("/v1/users/999999"))).await;
        assert_eq!(res.status, 404);
    }

    // "405 | methods a resource does not support ... Checked after the token"
    async fn unsupported_methods_are_405_after_the_token(app: TestApp) {
        let res = app.send(TestRequest::put().uri("/v1/users")).await;
        assert_eq!(res.status, 403);
        let res = app.send(TestRequest::put().uri(&app.path("/v1/users"))).await;
        assert_eq!(res.status, 405);
        let res = app.send(TestRequest::post().uri(&app.path("/v1/users/1"))).await;
        assert_eq!(res.status, 405);
        let res = app.send(TestRequest::delete().uri(&app.path("/v1/users"))).await;
        assert_eq!(res.status, 405);
    }

    // "success codes | GET 200; POST 201 with the created record; PUT 202 with the updated
    // record; DELETE 202"
    async fn success_codes(app: TestApp) {
        let res = app.post_json("/v1/users", json!({"user": {"login": "jo", "email": "jo@example.com"}})).await;
        assert_eq!(res.status, 201);
        let id = res.json()["id"].as_i64().unwrap();
        let res = app.get_json(&format!("/v1/users/{id}")).await;
        assert_eq!(res.status, 200);
        let res = app.put_json(&format!("/v1/users/{id}"), json!({"user": {"first_name": "Jo"}})).await;
        assert_eq!(res.status, 202);
        assert_eq!(res.json()["first_name"], "Jo");
        let res = app.send(TestRequest::delete().uri(&app.path(&format!("/v1/users/{id}")))).await;
        assert_eq!(res.status, 202);
    }

    // "422 | validation failed. JSON: `{"attribute": ["message", ...]}` ... XML:
    // `<errors><error>Attribute message</error></errors>` (full messages)"
    async fn validation_errors_in_both_shapes(app: TestApp) {
        let res = app.post_json("/v1/users", json!({"user": {"login": "", "email": "admin@example.com"}})).await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"login": ["can't be blank"], "email": ["has already been taken"]}));

        let res = app.send_xml(TestRequest::post().uri(&app.path("/v1/users")), "<user><login>admin</login><email>bad</email></user>").await;
        assert_eq!(res.status, 422);
        assert_eq!(
            res.text(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<errors>\n  <error>Email is invalid</error>\n  <error>Login has already been taken</error>\n</errors>\n"
        );
    }

    // "malformed body | the original answered 500. **runsheet:** 400 with a message that names the problem"
    async fn malformed_bodies_are_400_and_change_nothing(app: TestApp) {
        let res = app.send(
            TestRequest::post().uri(&app.path("/v1/users")).insert_header(("Content-Type", "application/json")).insert_header(("Accept", "application/json")).set_payload("{\"user\": {\"login\": \"x\""),
        ).await;
        assert_eq!(res.status, 400);
        let message = res.json()["error"]["response"].as_str().unwrap().to_string();
        assert!(message.contains("JSON"), "{message}");

        let res = app.send_xml(TestRequest::post().uri(&app.path("/v1/users")), "<user><login>x</login>").await;
        assert_eq!(res.status, 400);
        assert!(res.text().contains("XML"), "{}", res.text());

        let bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><user><login>&lol2;</login></user>";
        let res = app.send_xml(TestRequest::post().uri(&app.path("/v1/users")), bomb).await;
        assert_eq!(res.status, 400);
        assert!(res.text().contains("DOCTYPE"), "{}", res.text());

        let res = app.get_json("/v1/users").await;
        assert_eq!(res.json().as_array().unwrap().len(), 1, "nothing was created");
    }

    async fn a_body_over_the_limit_is_400(app: TestApp) {
        let big = "x".repeat(1024 * 1024 + 1);
        let res = app.post_json("/v1/users", json!({"user": {"login": big, "email": "a@b.c"}})).await;
        assert_eq!(res.status, 400);
        assert!(res.json()["error"]["response"].as_str().unwrap().contains("larger than the limit of 1048576 bytes"));
    }

    // "unknown attribute in a body | the original answered 500. **runsheet:** 422 naming the attribute"
    async fn unknown_attributes_and_wrong_types_are_422(app: TestApp) {
        let res = app.post_json("/v1/users", json!({"user": {"login": "jo", "email": "jo@example.com", "shoe_size": 9, "admin": "perhaps"}})).await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"admin": ["is not included in the list"], "shoe_size": ["is not a known attribute"]}));
        let res = app.post_json("/v1/users", json!({"user": ["not", "an", "object"]})).await;
        assert_eq!(res.status, 422);
        let res = app.post_json("/v1/groups", json!({"group": {"name": "Ops", "user_ids": ["x"]}})).await;
        assert_eq!(res.json(), json!({"user_ids": ["is not a number"]}));
    }

    // "a rootless JSON body is wrapped under the resource's name"
    async fn a_rootless_body_is_wrapped(app: TestApp) {
        let res = app.post_json("/v1/users", json!({"login": "jo", "email": "jo@example.com"})).await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert_eq!(res.json()["login"], "jo");
    }

    // "XML bodies as Rails' `Hash.from_xml`: dashes become underscores ... `type=...` honoured"
    async fn xml_bodies_are_read_as_rails_did(app: TestApp) {
        let xml = "<user><login>jo</login><email>jo@example.com</email><first-name>Jo</first-name><last-name nil=\"true\"/><admin type=\"boolean\">true</admin></user>";
        let res = app.send_xml(TestRequest::post().uri(&app.path("/v1/users")), xml).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let text = res.text();
        assert!(text.contains("<first-name>Jo</first-name>"), "{text}");
        assert!(text.contains("<last-name nil=\"true\"></last-name>") || text.contains("<last-name nil=\"true\"/>"), "{text}");
        assert!(text.contains("<admin type=\"boolean\">true</admin>"), "{text}");
    }

    // "Filters ... in the query string or as the same as a body on the GET ... An array value means any of"
    async fn filters_from_the_query_or_the_body(app: TestApp) {
        for (login, first) in [("a1", "Ann"), ("b1", "Bob"), ("c1", "Cy")] {
            app.post_json("/v1/users", json!({"user": {"login": login, "email": format!("{login}@x.org"), "first_name": first}})).await;
        }
        let logins = |res: common::Resp| -> Vec<String> { res.json().as_array().unwrap().iter().map(|u| u["login"].as_str().unwrap().to_string()).collect() };

        assert_eq!(logins(app.get_json("/v1/users?filters[first_name]=Bob").await), ["b1"]);
        assert_eq!(logins(app.get_json("/v1/users?filters[first_name][]=Bob&filters[first_name][]=Cy").await), ["b1", "c1"]);
        assert_eq!(logins(app.get_json("/v1/users?filters%5Bfirst_name%5D=Ann").await), ["a1"]);

        let res = app.send(TestRequest::get().uri(&app.path("/v1/users")).insert_header(("Accept", "application/json")).set_json(json!({"filters": {"first_name": ["Ann", "Cy"]}}))).await;
        assert_eq!(logins(res), ["a1", "c1"]);

        let res = app.send_xml(TestRequest::get().uri(&app.path("/v1/users.json")), "<filters><first_name>Ann</first_name><first_name>Bob</first_name></filters>").await;
        assert_eq!(logins(res), ["a1", "b1"]);
    }

    // "An unknown filter name is a 422 naming it." (issue: foundation)
    async fn unknown_filters_are_422(app: TestApp) {
        let res = app.get_json("/v1/users?filters[shoe_size]=9").await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"shoe_size": ["is not a supported filter"]}));
        let res = app.get_json("/v1/users?filters=everything").await;
        assert_eq!(res.status, 422);
    }

    // "Every response carries `X-Request-Id`, `X-Runtime` (seconds) and, on GET 200, an `ETag`
    // with `Cache-Control: max-age=0, private, must-revalidate`; a GET with a matching
    // `If-None-Match` answers 304." (issue: foundation)
    async fn request_id_runtime_etag_and_304(app: TestApp) {
        let res = app.get_json("/v1/users").await;
        assert_eq!(res.header("x-request-id").unwrap().len(), 32);
        assert!(res.header("x-runtime").unwrap().parse::<f64>().unwrap() >= 0.0);
        assert_eq!(res.header("cache-control"), Some("max-age=0, private, must-revalidate"));
        let etag = res.header("etag").unwrap().to_string();

        let res = app.send(TestRequest::get().uri(&app.path("/v1/users")).insert_header(("Accept", "application/json")).insert_header(("If-None-Match", etag.clone()))).await;
        assert_eq!(res.status, 304);
        assert!(res.body.is_empty());

        let res = app.send(TestRequest::get().uri(&app.path("/v1/users.xml")).insert_header(("If-None-Match", etag.clone()))).await;
        assert_eq!(res.status, 200, "another representation, another tag");

        app.post_json("/v1/users", json!({"user": {"login": "new", "email": "new@x.org"}})).await;
        let res = app.send(TestRequest::get().uri(&app.path("/v1/users")).insert_header(("Accept", "application/json")).insert_header(("If-None-Match", etag))).await;
        assert_eq!(res.status, 200, "changed data, new tag");

        let res = app.send(TestRequest::get().uri("/v1/users").insert_header(("X-Request-Id", "client-chosen-42"))).await;
        assert_eq!(res.status, 403);
        assert_eq!(res.header("x-request-id"), Some("client-chosen-42"));
        assert!(res.header("x-runtime").is_some());
        assert!(res.header("etag").is_none());

        let res = app.post_json("/v1/users", json!({"user": {"login": "p", "email": "p@x.org"}})).await;
        assert!(res.header("etag").is_none(), "only GET 200 has one");
    }

    // "`GET /health` (no token) answers 200 when the database answers." (issue: foundation)
    async fn health_needs_no_token(app: TestApp) {
        let res = app.send(TestRequest::get().uri("/health")).await;
        assert_eq!(res.status, 200);
        assert_eq!(res.json(), json!({"status": "ok"}));
    }

    // "JSON has no root: a record is an object, a list is a bare array."
    // "Times: ISO 8601 with offset, no fraction"
    async fn representation_has_no_root_and_rails_times(app: TestApp) {
        let res = app.get_json("/v1/users").await;
        let list = res.json();
        let admin = &list.as_array().unwrap()[0];
        assert!(admin.get("user").is_none());
        let created = admin["created_at"].as_str().unwrap();
        assert_eq!(created.len(), "2012-09-04T15:34:44Z".len(), "{created}");
        assert!(created.ends_with('Z'));
        assert!(chrono::DateTime::parse_from_rfc3339(created).is_ok());
    }
}

#[actix_web::test]
async fn times_are_shown_in_the_configured_zone() {
    let settings = runsheet_server::Settings {
        timezone: "America/New_York".into(),
        ..Default::default()
    };
    let app = TestApp::with_settings(runsheet_store::testing::TestDb::sqlite(), settings);
    let res = app.get_json("/v1/users").await;
    let created = res.json()[0]["created_at"].as_str().unwrap().to_string();
    assert!(
        created.ends_with("-05:00") || created.ends_with("-04:00"),
        "{created}"
    );
}

#[actix_web::test]
async fn the_default_format_is_configurable() {
    let settings = runsheet_server::Settings {
        default_format: runsheet_server::settings::FormatSetting::Xml,
        ..Default::default()
    };
    let app = TestApp::with_settings(runsheet_store::testing::TestDb::sqlite(), settings);
    let res = app
        .send(TestRequest::get().uri(&app.path("/v1/users")))
        .await;
    assert!(res.content_type().starts_with("application/xml"));
    let res = app
        .send(
            TestRequest::get()
                .uri("/v1/users")
                .insert_header(("Accept", "image/png")),
        )
        .await;
    assert_eq!(res.status, 406);
    assert!(
        res.content_type().starts_with("application/xml"),
        "errors in the default format when none is acceptable"
    );
}

#[actix_web::test]
async fn the_body_limit_is_configurable() {
    let settings = runsheet_server::Settings {
        body_limit: 64,
        ..Default::default()
    };
    let app = TestApp::with_settings(runsheet_store::testing::TestDb::sqlite(), settings);
    let res = app.post_json("/v1/users", json!({"user": {"login": "jo", "email": "jo@example.com", "first_name": "a long enough name"}})).await;
    assert_eq!(res.status, 400);
    let res = app
        .post_json("/v1/users", json!({"login": "jo", "email": "j@x.io"}))
        .await;
    assert_eq!(res.status, 201);
}
