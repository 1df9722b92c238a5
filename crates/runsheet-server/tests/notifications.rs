//! Notifications from steps: GET /v1/steps/:id/notify and `send_if_asked` (rest-steps.txt,
//! GET /v1/steps/[id], "Filters: notify"; issue 3, the `notify` bullet).

mod common;

use actix_web::test::TestRequest;
use actix_web::{web, App};
use chrono::{NaiveDate, NaiveDateTime};
use common::{Resp, TestApp};
use diesel::prelude::*;
use runsheet_server::error::ApiFailure;
use runsheet_server::request::ApiRequest;
use runsheet_server::{AppState, Settings};
use runsheet_store::schema::{
    group_memberships, groups, job_runs, requests, scripts, steps, users,
};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// The same app and database, with mail going to `mail_url`.
fn with_mail(app: TestApp, mail_url: &str) -> TestApp {
    let settings = Settings {
        mail_url: mail_url.into(),
        ..Settings::default()
    };
    let state = web::Data::new(AppState::new(app.pool.clone(), &settings).expect("valid settings"));
    TestApp { state, ..app }
}

/// The app with mail written as .eml files into a new temporary directory.
fn mailing(app: TestApp) -> (TestApp, tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    // A directory that does not exist yet: the transport makes it.
    let mail_dir = dir.path().join("mail");
    let app = with_mail(app, &format!("file://{}", mail_dir.display()));
    (app, dir, mail_dir)
}

fn started() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2012, 9, 4)
        .and_then(|d| d.and_hms_opt(19, 34, 44))
        .expect("valid literal time")
}

fn user_id(app: &TestApp, login: &str) -> i64 {
    let mut conn = app.pool.get().unwrap();
    users::table
        .filter(users::login.eq(login))
        .select(users::id)
        .first(&mut **conn)
        .unwrap()
}

fn deactivate(app: &TestApp, login: &str) {
    let mut conn = app.pool.get().unwrap();
    diesel::update(users::table.filter(users::login.eq(login)))
        .set(users::active.eq(false))
        .execute(&mut **conn)
        .unwrap();
}

fn group(app: &TestApp, name: &str, email: Option<&str>, members: &[&str]) -> i64 {
    let now = runsheet_core::time::now();
    let member_ids: Vec<i64> = members.iter().map(|login| user_id(app, login)).collect();
    let mut conn = app.pool.get().unwrap();
    let id: i64 = diesel::insert_into(groups::table)
        .values((
            groups::name.eq(name),
            groups::email.eq(email),
            groups::active.eq(true),
            groups::created_at.eq(now),
            groups::updated_at.eq(now),
        ))
        .returning(groups::id)
        .get_result(&mut **conn)
        .unwrap();
    for user_id in member_ids {
        diesel::insert_into(group_memberships::table)
            .values((
                group_memberships::group_id.eq(id),
                group_memberships::user_id.eq(user_id),
            ))
            .execute(&mut **conn)
            .unwrap();
    }
    id
}

fn request(app: &TestApp, name: &str) -> i64 {
    let now = runsheet_core::time::now();
    let mut conn = app.pool.get().unwrap();
    diesel::insert_into(requests::table)
        .values((
            requests::name.eq(name),
            requests::aasm_state.eq("started"),
            requests::created_at.eq(now),
            requests::updated_at.eq(now),
        ))
        .returning(requests::id)
        .get_result(&mut **conn)
        .unwrap()
}

fn script(app: &TestApp, name: &str) -> i64 {
    let now = runsheet_core::time::now();
    let mut conn = app.pool.get().unwrap();
    diesel::insert_into(scripts::table)
        .values((
            scripts::name.eq(name),
            scripts::created_at.eq(now),
            scripts::updated_at.eq(now),
        ))
        .returning(scripts::id)
        .get_result(&mut **conn)
        .unwrap()
}

struct NewStep<'a> {
    name: &'a str,
    position: i64,
    request_id: Option<i64>,
    owner: Option<(&'a str, i64)>,
    script_id: Option<i64>,
    work_started_at: Option<NaiveDateTime>,
}

fn step(app: &TestApp, s: NewStep) -> i64 {
    let now = runsheet_core::time::now();
    let mut conn = app.pool.get().unwrap();
    diesel::insert_into(steps::table)
        .values((
            steps::name.eq(s.name),
            steps::aasm_state.eq("in_process"),
            steps::position.eq(s.position),
            steps::request_id.eq(s.request_id),
            steps::owner_type.eq(s.owner.map(|o| o.0)),
            steps::owner_id.eq(s.owner.map(|o| o.1)),
            steps::script_id.eq(s.script_id),
            steps::script_type.eq(s.script_id.map(|_| "General")),
            steps::manual.eq(s.script_id.is_none()),
            steps::work_started_at.eq(s.work_started_at),
            steps::created_at.eq(now),
            steps::updated_at.eq(now),
        ))
        .returning(steps::id)
        .get_result(&mut **conn)
        .unwrap()
}

/// A step "Deploy" at position 2 of request "Release 1", run by script "deploy.sh", started
/// at `started()`, owned by user `jo`.
fn deploy_step(app: &TestApp) -> (i64, i64) {
    app.user("jo", false);
    let owner = user_id(app, "jo");
    let request_id = request(app, "Release 1");
    let script_id = script(app, "deploy.sh");
    let step_id = step(
        app,
        NewStep {
            name: "Deploy",
            position: 2,
            request_id: Some(request_id),
            owner: Some(("User", owner)),
            script_id: Some(script_id),
            work_started_at: Some(started()),
        },
    );
    (step_id, request_id)
}

/// A manual step "Check" at position 1 of a new request, with the given owner.
fn owned_step(app: &TestApp, owner: Option<(&str, i64)>) -> i64 {
    let request_id = request(app, "Release 2");
    step(
        app,
        NewStep {
            name: "Check",
            position: 1,
            request_id: Some(request_id),
            owner,
            script_id: None,
            work_started_at: None,
        },
    )
}

/// One message as written: unfolded headers, and the body with plain line ends.
struct Mail {
    headers: Vec<(String, String)>,
    body: String,
}

impl Mail {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
    }
}

fn mails(dir: &Path) -> Vec<Mail> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let (head, body) = text
                .split_once("\r\n\r\n")
                .expect("headers, blank line, body");
            let headers = head
                .replace("\r\n ", " ")
                .replace("\r\n\t", " ")
                .split("\r\n")
                .map(|line| {
                    let (name, value) = line.split_once(':').expect("a header line");
                    (name.to_string(), value.trim().to_string())
                })
                .collect();
            Mail {
                headers,
                body: body.replace("\r\n", "\n"),
            }
        })
        .collect()
}

fn only_mail(dir: &Path) -> Mail {
    let mut all = mails(dir);
    assert_eq!(all.len(), 1, "one message expected");
    all.remove(0)
}

type JobRunRow = (
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

fn job_run_rows(app: &TestApp) -> Vec<JobRunRow> {
    let mut conn = app.pool.get().unwrap();
    job_runs::table
        .order(job_runs::id)
        .select((
            job_runs::job_type,
            job_runs::status,
            job_runs::run_key,
            job_runs::automation_id,
            job_runs::user_id,
            job_runs::step_id,
            job_runs::stdout,
            job_runs::stderr,
            job_runs::started_at,
            job_runs::finished_at,
        ))
        .load(&mut **conn)
        .unwrap()
}

/// A one-message SMTP server on loopback: accepts one connection, answers every command,
/// and hands back the commands and the message (DATA) it received.
fn smtp_server() -> (u16, std::thread::JoinHandle<(Vec<String>, String)>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("a connection");
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .unwrap();
        let mut out = stream.try_clone().unwrap();
        let mut lines = BufReader::new(stream).lines();
        let mut commands = Vec::new();
        let mut data = String::new();
        out.write_all(b"220 test ESMTP\r\n").unwrap();
        while let Some(Ok(line)) = lines.next() {
            let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
            commands.push(line.clone());
            match verb.as_str() {
                "EHLO" | "HELO" => out.write_all(b"250 test\r\n").unwrap(),
                "DATA" => {
                    out.write_all(b"354 go ahead\r\n").unwrap();
                    for line in lines.by_ref() {
                        let line = line.unwrap();
                        if line == "." {
                            break;
                        }
                        data.push_str(&line);
                        data.push('\n');
                    }
                    out.write_all(b"250 queued\r\n").unwrap();
                }
                "QUIT" => {
                    out.write_all(b"221 bye\r\n").unwrap();
                    break;
                }
                _ => out.write_all(b"250 ok\r\n").unwrap(),
            }
        }
        (commands, data)
    });
    (port, handle)
}

fn notify_path(step_id: i64, query: &str) -> String {
    format!("/v1/steps/{step_id}/notify{query}")
}

/// GET with the token and a JSON body, asking for JSON.
async fn get_with_json_body(app: &TestApp, path: &str, body: Value) -> Resp {
    app.send(
        TestRequest::get()
            .uri(&app.path(path))
            .insert_header(("Accept", "application/json"))
            .set_json(body),
    )
    .await
}

on_every_backend! {
    // "recipients — String for the email addresses of the notification recipients, separated
    // by commas"; "subject — String for the notification subject"; "body — ... This body value
    // is attached to the following notification text: <request_ID>, <request_name> / Message
    // from <script_name> : <time of start> / <body>"
    async fn given_recipients_subject_and_body_in_the_query_string(app: TestApp) {
        let (app, _tmp, dir) = mailing(app);
        let (step_id, request_id) = deploy_step(&app);
        let query = "?notify[recipients]=ann@example.com,%20bob@example.org&notify[subject]=Go%20live&notify[body]=All%20done.";
        let res = app.get_json(&notify_path(step_id, query)).await;
        assert_eq!(res.status, 200, "{}", res.text());

        let mail = only_mail(&dir);
        assert_eq!(mail.header("From"), "runsheet@localhost");
        assert_eq!(mail.header("To"), "ann@example.com, bob@example.org");
        assert_eq!(mail.header("Subject"), "Go live");
        assert_eq!(mail.header("Content-Type"), "text/plain; charset=utf-8");
        let number = request_id + 1000;
        assert_eq!(mail.body, format!("{number}, Release 1\n\nMessage from deploy.sh : 2012-09-04T19:34:44Z\n\nAll done."));

        // "It is recorded as a job run of job_type notification." (issue 3)
        let rows = job_run_rows(&app);
        assert_eq!(rows.len(), 1);
        let (job_type, status, run_key, automation_id, user, step, stdout, stderr, started_at, finished_at) = rows[0].clone();
        assert_eq!((job_type.as_str(), status.as_str()), ("notification", "Complete"));
        assert_eq!((automation_id, user, step, stderr), (None, Some(user_id(&app, "admin")), Some(step_id), None));
        assert_eq!(stdout.as_deref(), Some("To: ann@example.com, bob@example.org; Subject: Go live"));
        let started_at = started_at.expect("started_at");
        assert_eq!(run_key, Some(started_at.and_utc().timestamp()));
        assert!(finished_at.expect("finished_at") >= started_at);

        // The answer is that job run, shaped as rest-job-runs.txt's sample.
        let run = res.json();
        assert_eq!(run["job_type"], "notification");
        assert_eq!(run["status"], "Complete");
        assert_eq!(run["automation_id"], Value::Null);
        assert_eq!(run["process_id"], Value::Null);
        assert_eq!(run["stdout"], "To: ann@example.com, bob@example.org; Subject: Go live");
        assert_eq!(run["run_key"], json!(run_key));
        assert_eq!(run["step"], json!({"aasm_state": "in_process", "id": step_id, "name": "Deploy", "request": {"aasm_state": "started", "id": request_id, "name": "Release 1"}}));
        let keys: Vec<&str> = run.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 14, "{keys:?}");
        // The store reads it back as recorded.
        let id = run["id"].as_i64().unwrap();
        let stored = runsheet_store::job_runs::find(&mut app.pool.get().unwrap(), id).unwrap();
        assert_eq!(stored.job_run.stdout.as_deref(), Some("To: ann@example.com, bob@example.org; Subject: Go live"));
        assert_eq!(stored.step.map(|s| (s.id, s.request.map(|r| r.id))), Some((step_id, Some(request_id))));
    }

    // "If you do not specify this parameter, the notification is sent to the default step
    // notification recipients"; "If you do not specify this parameter, the following subject
    // template is used: Subject: Notification from <request_ID>, Step: <step_position>:<step_name>"
    async fn defaults_go_to_the_owner_with_the_page_templates(app: TestApp) {
        let (app, _tmp, dir) = mailing(app);
        let (step_id, request_id) = deploy_step(&app);
        let res = app.get_json(&notify_path(step_id, "")).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let mail = only_mail(&dir);
        let number = request_id + 1000;
        assert_eq!(mail.header("To"), "jo@example.com");
        assert_eq!(mail.header("Subject"), format!("Notification from {number}, Step: 2:Deploy"));
        assert_eq!(mail.body, format!("{number}, Release 1\n\nMessage from deploy.sh : 2012-09-04T19:34:44Z\n\n"));
        assert_eq!(res.json()["stdout"], format!("To: jo@example.com; Subject: Notification from {number}, Step: 2:Deploy"));
    }

    // "the default step notification recipients": a group that has an address gets it there.
    async fn a_group_owner_with_an_email_gets_it_there(app: TestApp) {
        let (app, _tmp, dir) = mailing(app);
        app.user("ann", false);
        let group_id = group(&app, "Ops", Some("ops@example.com"), &["ann"]);
        let step_id = owned_step(&app, Some(("Group", group_id)));
        let res = app.get_json(&notify_path(step_id, "?notify[body]=hi")).await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(only_mail(&dir).header("To"), "ops@example.com");
    }

    // "default: the step's owner, or the group's members" (issue 3): active members only.
    async fn a_group_owner_without_an_email_reaches_its_active_members(app: TestApp) {
        let (app, _tmp, dir) = mailing(app);
        for login in ["ann", "bob", "cy"] {
            app.user(login, false);
        }
        deactivate(&app, "bob");
        let group_id = group(&app, "Ops", None, &["ann", "bob", "cy"]);
        let step_id = owned_step(&app, Some(("Group", group_id)));
        let res = app.get_json(&notify_path(step_id, "")).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let mail = only_mail(&dir);
        assert_eq!(mail.header("To"), "ann@example.com, cy@example.com");
        // A manual step that has not started: its own name, and the time it was sent.
        assert!(mail.body.contains("\n\nMessage from Check : 20"), "{}", mail.body);
    }

    // `{"filters": {"notify": {...}}}` in the body (issue 3).
    async fn parameters_in_a_json_body(app: TestApp) {
        let (app, _tmp, dir) = mailing(app);
        let (step_id, _) = deploy_step(&app);
        let body = json!({"filters": {"notify": {"recipients": ["ann@example.com", "bob@example.org"], "subject": "From JSON", "body": "Line 1\nLine 2"}}});
        let res = get_with_json_body(&app, &notify_path(step_id, ""), body).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let mail = only_mail(&dir);
        assert_eq!(mail.header("To"), "ann@example.com, bob@example.org");
        assert_eq!(mail.header("Subject"), "From JSON");
        assert!(mail.body.ends_with("\n\nLine 1\nLine 2"), "{}", mail.body);
    }

    // The same in XML, answered in XML with the job run of the sample.
    async fn parameters_in_an_xml_body(app: TestApp) {
        let (app, _tmp, dir) = mailing(app);
        let (step_id, _) = deploy_step(&app);
        let xml = "<filters><notify><recipients>ann@example.com,bob@example.org</recipients><subject>From XML</subject><body>Ready &amp; waiting</body></notify></filters>";
        let res = app.send_xml(TestRequest::get().uri(&app.path(&notify_path(step_id, ""))), xml).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let text = res.text();
        assert!(text.contains("<job-run>"), "{text}");
        assert!(text.contains("<job-type>notification</job-type>"), "{text}");
        assert!(text.contains("<status>Complete</status>"), "{text}");
        assert!(text.contains("<automation-id type=\"integer\" nil=\"true\"></automation-id>"), "{text}");
        assert!(text.contains("<step>\n    <aasm-state>in_process</aasm-state>"), "{text}");
        let mail = only_mail(&dir);
        assert_eq!(mail.header("To"), "ann@example.com, bob@example.org");
        assert_eq!(mail.header("Subject"), "From XML");
        assert!(mail.body.ends_with("\n\nReady & waiting"), "{}", mail.body);
    }

    // An address that is not one: 422, nothing sent, nothing recorded.
    async fn recipients_must_be_addresses(app: TestApp) {
        let (app, _tmp, dir) = mailing(app);
        let (step_id, _) = deploy_step(&app);
        let res = app.get_json(&notify_path(step_id, "?notify[recipients]=ann@example.com,x")).await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"recipients": ["x is not a valid address"]}));
        let res = app.send_xml(TestRequest::get().uri(&app.path(&notify_path(step_id, ""))), "<filters><notify><recipients>nobody</recipients></notify></filters>").await;
        assert_eq!(res.status, 422);
        assert!(res.text().contains("<error>Recipients nobody is not a valid address</error>"), "{}", res.text());
        let res = app.get_json(&notify_path(step_id, "?notify[cc]=ann@example.com")).await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"cc": ["is not a known attribute"]}));
        assert!(mails(&dir).is_empty());
        assert!(job_run_rows(&app).is_empty());
    }

    // No recipient given and none by default: 422, nothing sent, nothing recorded.
    async fn no_recipient_at_all_is_blank(app: TestApp) {
        let (app, _tmp, dir) = mailing(app);
        let nobody = owned_step(&app, None);
        let empty_group = group(&app, "Empty", None, &[]);
        let unmanned = owned_step(&app, Some(("Group", empty_group)));
        for step_id in [nobody, unmanned] {
            let res = app.get_json(&notify_path(step_id, "?notify[subject]=x")).await;
            assert_eq!(res.status, 422, "{}", res.text());
            assert_eq!(res.json(), json!({"recipients": ["can't be blank"]}));
        }
        assert!(mails(&dir).is_empty());
        assert!(job_run_rows(&app).is_empty());
    }

    // "ERROR 404 Not found — Occurs when record to show is not found"
    async fn an_unknown_step_is_404(app: TestApp) {
        let (app, _tmp, dir) = mailing(app);
        for path in [notify_path(999_999, ""), "/v1/steps/abc/notify".to_string()] {
            let res = app.get_json(&path).await;
            assert_eq!(res.status, 404, "{path}");
        }
        assert!(mails(&dir).is_empty());
        assert!(job_run_rows(&app).is_empty());
    }

    // "ERROR 403 Forbidden — Occurs when the token is invalid"; and no other method.
    async fn the_route_needs_a_token_and_takes_only_get(app: TestApp) {
        let (app, _tmp, dir) = mailing(app);
        let (step_id, _) = deploy_step(&app);
        let res = app.send(TestRequest::get().uri(&notify_path(step_id, "")).insert_header(("Accept", "application/json"))).await;
        assert_eq!(res.status, 403);
        let res = app.post_json(&notify_path(step_id, ""), json!({})).await;
        assert_eq!(res.status, 405);
        let res = app.send(TestRequest::default().method(actix_web::http::Method::HEAD).uri(&app.path(&notify_path(step_id, "")))).await;
        assert_eq!(res.status, 405, "a HEAD sends nothing");
        let res = app.get_json(&notify_path(step_id, ".json")).await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(mails(&dir).len(), 1);
    }

    // "smtp://HOST[:PORT]" sends it by SMTP: envelope and message as for a file.
    async fn smtp_sends_the_message(app: TestApp) {
        let (port, server) = smtp_server();
        let app = with_mail(app, &format!("smtp://127.0.0.1:{port}"));
        let (step_id, _) = deploy_step(&app);
        let res = app.get_json(&notify_path(step_id, "?notify[recipients]=ann@example.com,bob@example.org&notify[subject]=By%20SMTP")).await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["status"], "Complete");
        let (commands, data) = server.join().expect("the SMTP server");
        assert!(commands.contains(&"MAIL FROM:<runsheet@localhost>".to_string()), "{commands:?}");
        assert!(commands.contains(&"RCPT TO:<ann@example.com>".to_string()), "{commands:?}");
        assert!(commands.contains(&"RCPT TO:<bob@example.org>".to_string()), "{commands:?}");
        assert!(data.contains("Subject: By SMTP\n"), "{data}");
        assert!(data.contains("To: ann@example.com, bob@example.org\n"), "{data}");
        assert!(data.contains("\n\nMessage from deploy.sh : 2012-09-04T19:34:44Z\n"), "{data}");
    }

    // A send that fails is recorded as a Problem with its error, and answered as an error.
    async fn a_refused_smtp_send_is_a_problem(app: TestApp) {
        let app = with_mail(app, "smtp://127.0.0.1:1");
        let (step_id, _) = deploy_step(&app);
        let res = app.get_json(&notify_path(step_id, "?notify[recipients]=ann@example.com")).await;
        assert_eq!(res.status, 502);
        let message = res.json()["error"]["response"].as_str().unwrap_or_default().to_string();
        assert!(message.contains("not sent") && message.contains("127.0.0.1:1"), "{message}");
        let rows = job_run_rows(&app);
        assert_eq!(rows.len(), 1);
        let (job_type, status, .., stdout, stderr, started_at, finished_at) = rows[0].clone();
        assert_eq!((job_type.as_str(), status.as_str()), ("notification", "Problem"));
        let stderr = stderr.expect("the error");
        assert!(stderr.contains("SMTP server 127.0.0.1:1"), "{stderr}");
        assert!(stdout.expect("stdout").starts_with("To: ann@example.com; Subject: Notification from "));
        assert!(started_at.is_some() && finished_at.is_some());
    }

    // A mail_url that names no transport is a Problem too.
    async fn an_unusable_mail_url_is_a_problem(app: TestApp) {
        let app = with_mail(app, "carrier-pigeon://coop");
        let (step_id, _) = deploy_step(&app);
        let res = app.get_json(&notify_path(step_id, "")).await;
        assert_eq!(res.status, 502);
        let rows = job_run_rows(&app);
        assert_eq!(rows[0].1, "Problem");
        assert!(rows[0].7.as_deref().unwrap_or("").contains("is not smtp://HOST[:PORT] or file://DIR"));
    }

    // `send_if_asked` (called by GET /v1/steps/:id): false and nothing done without notify;
    // true with one sent and recorded when asked, by the query string or the body.
    async fn send_if_asked_sends_only_when_asked(app: TestApp) {
        let (app, _tmp, dir) = mailing(app);
        let (step_id, _) = deploy_step(&app);
        let service = actix_web::test::init_service(App::new().app_data(app.state.clone()).route("/probe/{id}", web::get().to(probe))).await;
        let call = |req: TestRequest| {
            let service = &service;
            async move {
                let res = actix_web::test::call_service(service, req.to_request()).await;
                let status = res.status();
                (status, String::from_utf8_lossy(&actix_web::test::read_body(res).await).into_owned())
            }
        };
        let uri = |query: &str| app.path(&format!("/probe/{step_id}{query}"));
        assert_eq!(call(TestRequest::get().uri(&uri(""))).await, (200.try_into().unwrap(), "false".to_string()));
        assert_eq!(call(TestRequest::get().uri(&uri("?filters[name]=Deploy"))).await.1, "false");
        assert_eq!(call(TestRequest::get().uri(&uri("")).set_json(json!({"filters": {"aasm_state": "locked"}}))).await.1, "false");
        assert!(mails(&dir).is_empty());
        assert!(job_run_rows(&app).is_empty());

        assert_eq!(call(TestRequest::get().uri(&uri("?notify[subject]=Hi"))).await.1, "true");
        assert_eq!(call(TestRequest::get().uri(&uri("")).set_json(json!({"filters": {"notify": {"body": "x"}}}))).await.1, "true");
        assert_eq!(mails(&dir).len(), 2);
        assert_eq!(job_run_rows(&app).len(), 2);

        let (status, _) = call(TestRequest::get().uri(&uri("?notify[recipients]=bad"))).await;
        assert_eq!(status, 422);
        let (status, _) = call(TestRequest::get().uri(&app.path("/probe/999999?notify[subject]=x"))).await;
        assert_eq!(status, 404);
    }
}

/// What GET /v1/steps/:id does first: `send_if_asked`, answered as "true" or "false".
async fn probe(api: ApiRequest, id: web::Path<i64>) -> Result<String, ApiFailure> {
    runsheet_server::notify::send_if_asked(&api, id.into_inner())
        .await
        .map(|sent| sent.to_string())
}

on_every_backend! {
    // "GET /v1/steps/[id] ... Filters: notify — Object that allows you to send email
    // notifications from the step REST API call." The answer is still the step.
    async fn get_step_with_notify_sends_and_shows_the_step(app: TestApp) {
        let (app, _tmp, dir) = mailing(app);
        let (step_id, _) = deploy_step(&app);
        let res = app.get_json(&format!("/v1/steps/{step_id}?notify[recipients]=ann@example.com&notify[subject]=Go")).await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["id"], step_id, "the step itself is shown");
        assert_eq!(only_mail(&dir).header("Subject"), "Go");
        assert_eq!(job_run_rows(&app).len(), 1);

        // The same as a `{"filters": {"notify": {...}}}` body on the GET.
        let body = json!({"filters": {"notify": {"recipients": "bob@example.org", "subject": "Again"}}});
        let res = app
            .send(TestRequest::get().uri(&app.path(&format!("/v1/steps/{step_id}"))).insert_header(("Accept", "application/json")).set_json(body))
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(job_run_rows(&app).len(), 2);

        // Without notify nothing is sent.
        assert_eq!(app.get_json(&format!("/v1/steps/{step_id}")).await.status, 200);
        assert_eq!(job_run_rows(&app).len(), 2);
    }
}
