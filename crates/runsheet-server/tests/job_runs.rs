//! GET /v1/job_runs and /v1/job_runs/:id, their filters, and the methods job runs do not take.
//! Quotes are from ../shared/spec/rest-job-runs.txt unless they say otherwise.

mod common;

use actix_web::http::Method;
use actix_web::test::TestRequest;
use actix_web::web;
use chrono::{NaiveDate, NaiveDateTime};
use common::{ids, TestApp};
use diesel::prelude::*;
use runsheet_core::job_run::JobRunFilter;
use runsheet_server::{AppState, Settings};
use runsheet_store::schema::{job_runs, users};
use runsheet_store::testing::fixtures::{self, NewRun};
use serde_json::{json, Value};

const RESULTS_PATH: &str = "[...]/Portal/public/automation_results/request/SmartRelease/1003/step_35/output_1346787283.txt";

fn utc(h: u32, mi: u32, s: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2012, 9, 4)
        .and_then(|d| d.and_hms_opt(h, mi, s))
        .expect("valid literal time")
}

/// The same app and database, showing times in the sample's zone (-04:00 in September).
fn in_new_york(app: TestApp) -> TestApp {
    let settings = Settings {
        timezone: "America/New_York".into(),
        ..Settings::default()
    };
    let state = web::Data::new(AppState::new(app.pool.clone(), &settings).expect("valid settings"));
    TestApp { state, ..app }
}

fn run(app: &TestApp, new: NewRun) -> i64 {
    let mut conn = app.pool.get().expect("a connection");
    fixtures::insert_job_run(&mut conn, &new).expect("job run inserted")
}

fn user_id(app: &TestApp, login: &str) -> i64 {
    let mut conn = app.pool.get().expect("a connection");
    users::table
        .filter(users::login.eq(login))
        .select(users::id)
        .first(&mut **conn)
        .expect("the user")
}

fn run_count(app: &TestApp) -> i64 {
    let mut conn = app.pool.get().expect("a connection");
    job_runs::table
        .count()
        .get_result(&mut **conn)
        .expect("counted")
}

async fn script(app: &TestApp, name: &str) -> i64 {
    let res = app
        .post_json("/v1/scripts", json!({"script": {"name": name}}))
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["id"].as_i64().expect("an id")
}

/// The sample's world: request "Request Example" with step "Test Automation", both complete,
/// and the sample's run of a script on that step. Returns (run, script, step, request).
async fn sample_run(app: &TestApp) -> (i64, i64, i64, i64) {
    let script = script(app, "Test Automation script").await;
    let mut conn = app.pool.get().expect("a connection");
    let request = fixtures::request(&mut conn, "Request Example", "complete").expect("request");
    let step = fixtures::named_step(&mut conn, Some(request), "Test Automation", "complete")
        .expect("step");
    drop(conn);
    let id = run(
        app,
        NewRun {
            job_type: "automation",
            status: "Complete",
            run_key: Some(1_346_787_283),
            automation_id: Some(script),
            user_id: Some(user_id(app, "admin")),
            step_id: Some(step),
            process_id: Some(7408),
            results_path: Some(RESULTS_PATH),
            started_at: Some(utc(19, 34, 44)),
            finished_at: Some(utc(19, 37, 18)),
            created_at: Some(utc(19, 34, 44)),
            updated_at: Some(utc(19, 37, 18)),
            ..NewRun::default()
        },
    );
    (id, script, step, request)
}

/// The sample's JSON record with this database's ids.
fn sample_json(id: i64, script: i64, step: i64, request: i64) -> Value {
    json!({
        "automation_id": script,
        "created_at": "2012-09-04T15:34:44-04:00",
        "finished_at": "2012-09-04T15:37:18-04:00",
        "id": id,
        "job_type": "automation",
        "process_id": 7408,
        "results_path": RESULTS_PATH,
        "run_key": 1346787283,
        "started_at": "2012-09-04T15:34:44-04:00",
        "status": "Complete",
        "stderr": null,
        "stdout": null,
        "updated_at": "2012-09-04T15:37:18-04:00",
        "step": {
            "aasm_state": "complete",
            "id": step,
            "name": "Test Automation",
            "request": {
                "aasm_state": "complete",
                "id": request,
                "name": "Request Example"
            }
        }
    })
}

/// The names of an object's keys as the body spells them, nested ones included, in order.
fn keys_in_order(text: &str) -> Vec<String> {
    text.match_indices("\":")
        .map(|(at, _)| {
            let start = text[..at].rfind('"').map_or(0, |q| q + 1);
            text[start..at].to_string()
        })
        .collect()
}

/// The ids a query string selects, or none on a 404.
async fn filtered(app: &TestApp, query: &str) -> Vec<i64> {
    let res = app.get_json(&format!("/v1/job_runs?{query}")).await;
    if res.status == 404 {
        assert!(res.body.is_empty(), "{}", res.text());
        return Vec::new();
    }
    ids(&res)
}

fn bad_token(path: &str) -> String {
    let separator = if path.contains('?') { '&' } else { '?' };
    format!("{path}{separator}token=0123456789abcdef0123456789abcdef01234567")
}

/// The runs the filter tests choose from. `legacy` is stored as `complete`, in lower case,
/// as data carried over from the original may be.
struct Runs {
    done: i64,
    running: i64,
    notification: i64,
    queued: i64,
    cancelled: i64,
    legacy: i64,
    script_a: i64,
    script_b: i64,
    jo: i64,
    admin: i64,
    step_1: i64,
    step_2: i64,
}

async fn runs(app: &TestApp) -> Runs {
    let script_a = script(app, "a").await;
    let script_b = script(app, "b").await;
    app.user("jo", false);
    let (jo, admin) = (user_id(app, "jo"), user_id(app, "admin"));
    let mut conn = app.pool.get().expect("a connection");
    let request = fixtures::request(&mut conn, "R", "started").expect("request");
    let step_1 = fixtures::named_step(&mut conn, Some(request), "one", "in_process").unwrap();
    let step_2 = fixtures::named_step(&mut conn, None, "two", "ready").unwrap();
    drop(conn);
    let automation = |status, run_key, script, user, step, process| NewRun {
        status,
        run_key: Some(run_key),
        automation_id: script,
        user_id: user,
        step_id: step,
        process_id: process,
        ..NewRun::default()
    };
    Runs {
        done: run(
            app,
            automation(
                "Complete",
                100,
                Some(script_a),
                Some(admin),
                Some(step_1),
                Some(11),
            ),
        ),
        running: run(
            app,
            automation(
                "Running",
                200,
                Some(script_b),
                Some(jo),
                Some(step_2),
                Some(22),
            ),
        ),
        notification: run(
            app,
            NewRun {
                job_type: "notification",
                ..automation("Problem", 300, None, Some(jo), Some(step_1), None)
            },
        ),
        queued: run(
            app,
            automation("Starting", 400, Some(script_a), None, None, None),
        ),
        cancelled: run(
            app,
            automation(
                "Cancelled",
                500,
                Some(script_b),
                Some(admin),
                Some(step_2),
                Some(55),
            ),
        ),
        legacy: run(app, automation("complete", 600, None, None, None, None)),
        script_a,
        script_b,
        jo,
        admin,
        step_1,
        step_2,
    }
}

on_every_backend! {
    // "The following JSON is a sample output from GET /v1/job_runs": its fields in its order,
    // "step" with its "request" nested.
    async fn the_list_is_the_json_sample(app: TestApp) {
        let app = in_new_york(app);
        let (id, script, step, request) = sample_run(&app).await;
        let res = app.get_json("/v1/job_runs").await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert!(res.content_type().starts_with("application/json"), "{}", res.content_type());
        assert_eq!(res.json(), json!([sample_json(id, script, step, request)]));
        assert_eq!(
            keys_in_order(&res.text()),
            [
                "automation_id", "created_at", "finished_at", "id", "job_type", "process_id",
                "results_path", "run_key", "started_at", "status", "stderr", "stdout",
                "updated_at", "step", "aasm_state", "id", "name", "request", "aasm_state", "id",
                "name",
            ]
        );
        // "GET /v1/job_runs/[id] Returns a job run by ID."
        let res = app.get_json(&format!("/v1/job_runs/{id}")).await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json(), sample_json(id, script, step, request));
        // ".json ... to the last path element"
        let res = app
            .send(TestRequest::get().uri(&app.path(&format!("/v1/job_runs/{id}.json"))))
            .await;
        assert_eq!(res.json(), sample_json(id, script, step, request));
    }

    // "The following XML is a sample output from GET /v1/job_runs/1", element by element.
    async fn show_is_the_xml_sample(app: TestApp) {
        let app = in_new_york(app);
        let (id, script, step, request) = sample_run(&app).await;
        let expected = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<job-run>
  <automation-id type="integer">{script}</automation-id>
  <created-at type="datetime">2012-09-04T15:34:44-04:00</created-at>
  <finished-at type="datetime">2012-09-04T15:37:18-04:00</finished-at>
  <id type="integer">{id}</id>
  <job-type>automation</job-type>
  <process-id type="integer">7408</process-id>
  <results-path>{RESULTS_PATH}</results-path>
  <run-key type="integer">1346787283</run-key>
  <started-at type="datetime">2012-09-04T15:34:44-04:00</started-at>
  <status>Complete</status>
  <stderr nil="true"></stderr>
  <stdout nil="true"></stdout>
  <updated-at type="datetime">2012-09-04T15:37:18-04:00</updated-at>
  <step>
    <aasm-state>complete</aasm-state>
    <id type="integer">{step}</id>
    <name>Test Automation</name>
    <request>
      <aasm-state>complete</aasm-state>
      <id type="integer">{request}</id>
      <name>Request Example</name>
    </request>
  </step>
</job-run>
"#
        );
        // "Be sure to include an accept header or add .xml or .json to the last path element"
        let by_suffix = app
            .send(TestRequest::get().uri(&app.path(&format!("/v1/job_runs/{id}.xml"))))
            .await;
        let by_accept = app
            .send(
                TestRequest::get()
                    .uri(&app.path(&format!("/v1/job_runs/{id}")))
                    .insert_header(("Accept", "application/xml")),
            )
            .await;
        for res in [by_suffix, by_accept] {
            assert_eq!(res.status, 200, "{}", res.text());
            assert!(res.content_type().starts_with("application/xml"), "{}", res.content_type());
            assert_eq!(res.text(), expected);
        }
    }

    // behaviour.md: "lists as `<job-runs type="array"><job-run>...`"; a step outside a request
    // shows no request, a run without a step no step.
    async fn the_list_in_xml(app: TestApp) {
        let (id, _, _, _) = sample_run(&app).await;
        let mut conn = app.pool.get().unwrap();
        let loose_step = fixtures::named_step(&mut conn, None, "loose", "ready").unwrap();
        drop(conn);
        let loose = run(&app, NewRun { step_id: Some(loose_step), ..NewRun::default() });
        let bare = run(&app, NewRun { status: "Starting", ..NewRun::default() });
        let res = app.send(TestRequest::get().uri(&app.path("/v1/job_runs.xml"))).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let text = res.text();
        assert!(
            text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<job-runs type=\"array\">\n  <job-run>\n"),
            "{text}"
        );
        assert!(text.ends_with("  </job-run>\n</job-runs>\n"), "{text}");
        assert_eq!(text.matches("<job-run>").count(), 3, "{text}");
        // In id order, each with what it has.
        let at = |needle: &str| text.find(needle).unwrap_or_else(|| panic!("{needle} in {text}"));
        assert!(at(&format!("<id type=\"integer\">{id}</id>")) < at(&format!("<id type=\"integer\">{loose}</id>")));
        assert!(at(&format!("<id type=\"integer\">{loose}</id>")) < at(&format!("<id type=\"integer\">{bare}</id>")));
        assert_eq!(text.matches("<step>").count(), 2, "{text}");
        assert_eq!(text.matches("<request>").count(), 1, "{text}");
        assert!(text.contains("    <step>\n      <aasm-state>ready</aasm-state>\n"), "{text}");
        let json = app.get_json("/v1/job_runs").await.json();
        assert_eq!(json[1]["step"], json!({"aasm_state": "ready", "id": loose_step, "name": "loose"}));
        assert_eq!(json[2].get("step"), None);
        assert_eq!(json[2]["automation_id"], Value::Null);
    }

    // "ERROR 404 Not Found — Occurs when no records are found"; "ERROR 404 Not found — Occurs
    // when record to show is not found". behaviour.md: "Body empty".
    async fn not_found(app: TestApp) {
        let res = app.get_json("/v1/job_runs").await;
        assert_eq!(res.status, 404);
        assert!(res.body.is_empty(), "{}", res.text());
        let id = run(&app, NewRun::default());
        assert_eq!(app.get_json("/v1/job_runs").await.status, 200);
        for path in [format!("/v1/job_runs/{}", id + 1), "/v1/job_runs/abc".into(), "/v1/job_runs/1.5".into()] {
            let res = app.get_json(&path).await;
            assert_eq!(res.status, 404, "{path}");
            assert!(res.body.is_empty(), "{path}: {}", res.text());
        }
        let res = app.send(TestRequest::get().uri(&app.path(&format!("/v1/job_runs/{}.xml", id + 1)))).await;
        assert_eq!(res.status, 404);
    }

    // "ERROR 403 Forbidden — Occurs when the token is invalid", on both GETs, whether or not
    // there is anything to show.
    async fn a_bad_token_is_forbidden(app: TestApp) {
        let id = run(&app, NewRun::default());
        for path in ["/v1/job_runs".to_string(), format!("/v1/job_runs/{id}"), format!("/v1/job_runs/{}", id + 1)] {
            let res = app.send(TestRequest::get().uri(&bad_token(&path)).insert_header(("Accept", "application/json"))).await;
            assert_eq!(res.status, 403, "{path}");
            assert_eq!(res.json(), json!({"error": {"response": "Invalid API Key"}}), "{path}");
            let res = app.send(TestRequest::get().uri(&format!("{path}.xml"))).await;
            assert_eq!(res.status, 403, "{path} without a token");
            assert!(res.text().contains("<response>Invalid API Key</response>"), "{}", res.text());
        }
    }

    // "POST /v1/job_runs This method is not allowed for job runs." "PUT /v1/job_runs/[id] ..."
    // "DELETE /v1/job_runs/[id] ...": "ERROR 403 Forbidden — Occurs when the token is invalid",
    // "ERROR 405 Method not allowed — This method is not allowed". behaviour.md: "Checked after
    // the token".
    async fn writes_are_not_allowed(app: TestApp) {
        let id = run(&app, NewRun::default());
        let body = json!({"job_run": {"status": "Running"}});
        let attempts = [
            (Method::POST, "/v1/job_runs".to_string()),
            (Method::PUT, format!("/v1/job_runs/{id}")),
            (Method::PATCH, format!("/v1/job_runs/{id}")),
            (Method::DELETE, format!("/v1/job_runs/{id}")),
            (Method::PUT, format!("/v1/job_runs/{}", id + 1)),
            (Method::POST, format!("/v1/job_runs/{id}/output")),
        ];
        for (method, path) in attempts {
            let with = |token: &str| {
                TestRequest::default()
                    .method(method.clone())
                    .uri(&format!("{path}?token={token}"))
                    .insert_header(("Accept", "application/json"))
                    .set_json(body.clone())
            };
            let res = app.send(with(&app.token)).await;
            assert_eq!(res.status, 405, "{method} {path}: {}", res.text());
            assert_eq!(res.json(), json!({"error": {"response": "Method not allowed"}}));
            let res = app.send(with("0123456789abcdef0123456789abcdef01234567")).await;
            assert_eq!(res.status, 403, "{method} {path}");
            assert_eq!(res.json(), json!({"error": {"response": "Invalid API Key"}}));
            // In XML too, by suffix.
            let res = app
                .send(TestRequest::default().method(method.clone()).uri(&format!("{path}.xml?token={}", app.token)))
                .await;
            assert_eq!(res.status, 405, "{method} {path}.xml");
            assert!(res.text().contains("<response>Method not allowed</response>"), "{}", res.text());
        }
        // Nothing was made, changed or removed.
        assert_eq!(run_count(&app), 1);
        let res = app.get_json(&format!("/v1/job_runs/{id}")).await;
        assert_eq!(res.json()["status"], "Complete");
    }

    // "currently_running — Boolean value, true returns if the job list is currently running".
    // behaviour.md: "`currently_running` means the run has not finished"; "runsheet compares
    // on the real finished states".
    async fn currently_running(app: TestApp) {
        let r = runs(&app).await;
        let unfinished = vec![r.running, r.queued];
        let finished = vec![r.done, r.notification, r.cancelled, r.legacy];
        for value in ["true", "t", "1", "TRUE"] {
            assert_eq!(filtered(&app, &format!("filters[currently_running]={value}")).await, unfinished, "{value}");
        }
        for value in ["false", "f", "0"] {
            assert_eq!(filtered(&app, &format!("filters[currently_running]={value}")).await, finished, "{value}");
        }
        // Both values, or a blank one, is no filter.
        let all = vec![r.done, r.running, r.notification, r.queued, r.cancelled, r.legacy];
        assert_eq!(filtered(&app, "filters[currently_running][]=true&filters[currently_running][]=false").await, all);
        assert_eq!(filtered(&app, "filters[currently_running]=").await, all);
        let res = app.get_json("/v1/job_runs?filters[currently_running]=maybe").await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"currently_running": ["is not included in the list"]}));
        // A run that finishes leaves the running list.
        let mut conn = app.pool.get().unwrap();
        fixtures::execute(&mut conn, &format!("UPDATE job_runs SET status = 'Complete' WHERE id = {}", r.running)).unwrap();
        drop(conn);
        assert_eq!(filtered(&app, "filters[currently_running]=true").await, vec![r.queued]);
    }

    // "status — String value for status"; behaviour.md: "Job-run `status` matched
    // case-insensitively" (the value asked for and the value stored).
    async fn status_in_any_case(app: TestApp) {
        let r = runs(&app).await;
        for value in ["Complete", "complete", "COMPLETE", "cOmPlEtE"] {
            assert_eq!(filtered(&app, &format!("filters[status]={value}")).await, vec![r.done, r.legacy], "{value}");
        }
        assert_eq!(filtered(&app, "filters[status]=running").await, vec![r.running]);
        assert_eq!(filtered(&app, "filters[status][]=PROBLEM&filters[status][]=Cancelled").await, vec![r.notification, r.cancelled]);
        assert!(filtered(&app, "filters[status]=done").await.is_empty());
        // With currently_running: both must hold.
        assert_eq!(filtered(&app, "filters[status][]=running&filters[status][]=complete&filters[currently_running]=true").await, vec![r.running]);
        assert!(filtered(&app, "filters[status]=Running&filters[currently_running]=false").await.is_empty());
    }

    // "run_key — Integer value for the run_key", "job_type — String value for job type
    // (automation, notification)", "process_id — Integer for process ID", "automation_id —
    // Integer for the automation ID", "user_id — Integer value for the user ID", "step_id —
    // Integer value for step ID". behaviour.md: "An array value means "any of"".
    async fn every_other_filter(app: TestApp) {
        let r = runs(&app).await;
        let cases: Vec<(String, Vec<i64>)> = vec![
            ("filters[run_key]=200".into(), vec![r.running]),
            ("filters[run_key][]=100&filters[run_key][]=300".into(), vec![r.done, r.notification]),
            ("filters[job_type]=notification".into(), vec![r.notification]),
            ("filters[job_type]=automation".into(), vec![r.done, r.running, r.queued, r.cancelled, r.legacy]),
            ("filters[process_id]=22".into(), vec![r.running]),
            ("filters[process_id][]=11&filters[process_id][]=55".into(), vec![r.done, r.cancelled]),
            (format!("filters[automation_id]={}", r.script_a), vec![r.done, r.queued]),
            (format!("filters[automation_id][]={}&filters[automation_id][]={}", r.script_a, r.script_b), vec![r.done, r.running, r.queued, r.cancelled]),
            (format!("filters[user_id]={}", r.jo), vec![r.running, r.notification]),
            (format!("filters[user_id]={}", r.admin), vec![r.done, r.cancelled]),
            (format!("filters[step_id]={}", r.step_1), vec![r.done, r.notification]),
            (format!("filters[step_id][]={}&filters[step_id][]={}", r.step_1, r.step_2), vec![r.done, r.running, r.notification, r.cancelled]),
            // Combined: every filter must hold.
            (format!("filters[job_type]=automation&filters[currently_running]=false&filters[user_id]={}", r.admin), vec![r.done, r.cancelled]),
            (format!("filters[step_id]={}&filters[job_type]=automation", r.step_1), vec![r.done]),
            ("filters[run_key]=999".into(), vec![]),
        ];
        for (query, expected) in cases {
            assert_eq!(filtered(&app, &query).await, expected, "{query}");
        }
        // The same filters as a JSON or an XML body on the GET.
        let res = app
            .send(
                TestRequest::get()
                    .uri(&app.path("/v1/job_runs"))
                    .insert_header(("Accept", "application/json"))
                    .set_json(json!({"filters": {"user_id": [r.jo, r.admin], "status": "COMPLETE"}})),
            )
            .await;
        assert_eq!(ids(&res), vec![r.done]);
        let xml = format!("<filters><step_id>{}</step_id><step_id>{}</step_id><currently_running>true</currently_running></filters>", r.step_1, r.step_2);
        let res = app.send_xml(TestRequest::get().uri(&app.path("/v1/job_runs")), &xml).await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.text().matches("<job-run>").count(), 1, "{}", res.text());
        assert!(res.text().contains(&format!("<id type=\"integer\">{}</id>", r.running)), "{}", res.text());
    }

    // behaviour.md "Filters" and docs/api.md: "An unknown filter is a 422".
    async fn unknown_filters_and_bad_values(app: TestApp) {
        run(&app, NewRun::default());
        let res = app.get_json("/v1/job_runs?filters[colour]=red&filters[step_id]=x&filters[run_key]=1.5").await;
        assert_eq!(res.status, 422);
        assert_eq!(
            res.json(),
            json!({"colour": ["is not a supported filter"], "run_key": ["is not a number"], "step_id": ["is not a number"]})
        );
        let res = app.send(TestRequest::get().uri(&app.path("/v1/job_runs.xml?filters[name]=x"))).await;
        assert_eq!(res.status, 422);
        assert!(res.text().contains("<error>Name is not a supported filter</error>"), "{}", res.text());
    }

    // No query per row (DESIGN.md "Thin handlers"; store::job_runs::list): listing 3 runs and
    // 60 runs, each on its own step in its own request, takes the same number of statements.
    async fn a_fixed_number_of_statements(app: TestApp) {
        let statements = |n: usize| {
            let mut conn = app.pool.get().expect("a connection");
            for i in 0..n {
                let request = fixtures::request(&mut conn, &format!("r{i}"), "started").unwrap();
                let step = fixtures::named_step(&mut conn, Some(request), &format!("s{i}"), "in_process").unwrap();
                fixtures::insert_job_run(&mut conn, &NewRun { step_id: Some(step), ..NewRun::default() }).unwrap();
            }
            let (listed, count) = fixtures::count_statements(&mut conn, |c| {
                runsheet_store::job_runs::list(c, &JobRunFilter::default())
            });
            let listed = listed.expect("listed");
            assert!(listed.iter().all(|r| r.step.as_ref().is_some_and(|s| s.request.is_some())));
            (listed.len(), count)
        };
        let (small_len, small) = statements(3);
        let (big_len, big) = statements(60);
        assert_eq!((small_len, big_len), (3, 63));
        assert_eq!(small, big, "statements for 3 runs and for 63");
        assert!(big <= 2, "{big} statements");
        assert_eq!(app.get_json("/v1/job_runs").await.json().as_array().map(Vec::len), Some(63));
    }
}
