//! End to end: the real `runsheet` binary, started on a free port, driven over HTTP.
//! Each scenario runs on SQLite, and on PostgreSQL when `RUNSHEET_TEST_POSTGRES_URL` is set.

mod support;

use runsheet_store::testing::TestDb;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output};
use std::time::Duration;
use support::{Process, BIN};

/// `runsheet` in `dir` with only the database and a free port set.
fn runsheet(dir: &Path, database_url: &str) -> Command {
    support::runsheet(dir, database_url, &[])
}

/// `runsheet serve`, once it listens; `ready` is its base URL.
fn start(dir: &Path, database_url: &str) -> Process {
    support::serve(dir, database_url, &[], &[])
}

fn run(dir: &Path, database_url: &str, args: &[&str]) -> Output {
    runsheet(dir, database_url)
        .args(args)
        .output()
        .expect("runsheet runs")
}

fn last_line(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .last()
        .unwrap_or("")
        .to_string()
}

/// Status, body and content type of a call, whatever the status.
fn call(
    method: &str,
    url: &str,
    accept: &str,
    body: Option<&str>,
) -> (u16, String, Option<String>) {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .build();
    let typed = |body: &str| match body.starts_with('<') {
        true => "application/xml",
        false => "application/json",
    };
    support::send(
        &agent,
        method,
        url,
        &[("Accept", accept)],
        body.map(|b| (typed(b), b)),
    )
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

fn backends() -> Vec<TestDb> {
    TestDb::all()
}

#[test]
fn serve_prints_the_first_token_and_answers_the_api() {
    for db in backends() {
        let dir = tempfile::tempdir().unwrap();
        let server = start(dir.path(), &db.url);
        let token = server
            .banner
            .iter()
            .find(|l| l.len() == 40 && l.chars().all(|c| c.is_ascii_hexdigit()))
            .expect("the admin token is printed")
            .clone();
        assert!(
            server.banner.iter().any(|l| l.contains("Bearer")),
            "a line says how to use it: {:?}",
            server.banner
        );
        let base = &server.ready;

        let (status, body, _) = call("GET", &format!("{base}/health"), "*/*", None);
        assert_eq!((status, json(&body)), (200, json!({"status": "ok"})));

        let (status, body, content_type) = call(
            "GET",
            &format!("{base}/v1/users?token={token}"),
            "application/json",
            None,
        );
        assert_eq!(status, 200, "{}", db.backend_name());
        assert!(content_type.unwrap().starts_with("application/json"));
        assert_eq!(json(&body)[0]["login"], "admin");

        let (status, body, _) = call(
            "GET",
            &format!("{base}/v1/users.xml?token={token}"),
            "*/*",
            None,
        );
        assert_eq!(status, 200);
        assert!(
            body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<users type=\"array\">"),
            "{body}"
        );

        let (status, body, _) = call(
            "POST",
            &format!("{base}/v1/users?token={token}"),
            "application/json",
            Some(r#"{"user": {"login": "jo", "email": "jo@example.com", "first_name": "Jo"}}"#),
        );
        assert_eq!(status, 201, "{body}");
        let id = json(&body)["id"].as_i64().unwrap();

        let (status, body, _) = call(
            "PUT",
            &format!("{base}/v1/users/{id}?token={token}"),
            "application/xml",
            Some("<user><last-name>Lee</last-name></user>"),
        );
        assert_eq!(status, 202);
        assert!(body.contains("<last-name>Lee</last-name>"), "{body}");

        let (status, body, _) = call(
            "POST",
            &format!("{base}/v1/users?token={token}"),
            "application/json",
            Some(r#"{"user": {"login": "jo"}}"#),
        );
        assert_eq!(
            (status, json(&body)),
            (
                422,
                json!({"login": ["has already been taken"], "email": ["can't be blank"]})
            )
        );

        let (status, body, _) = call(
            "GET",
            &format!("{base}/v1/users?token=wrong"),
            "application/json",
            None,
        );
        assert_eq!(
            (status, json(&body)),
            (403, json!({"error": {"response": "Invalid API Key"}}))
        );

        let (status, _, _) = call(
            "PUT",
            &format!("{base}/v1/users?token={token}"),
            "application/json",
            Some("{}"),
        );
        assert_eq!(status, 405);

        let (status, _, _) = call(
            "GET",
            &format!("{base}/v1/users/{id}?token={token}"),
            "text/html",
            None,
        );
        assert_eq!(status, 406);

        drop(server);
        // A second start finds users and prints no new token.
        let again = start(dir.path(), &db.url);
        assert!(again.banner.is_empty(), "{:?}", again.banner);
    }
}

#[test]
fn users_commands_issue_and_replace_tokens() {
    for db in backends() {
        let dir = tempfile::tempdir().unwrap();
        let migrate = run(dir.path(), &db.url, &["migrate"]);
        assert!(
            migrate.status.success(),
            "{}",
            String::from_utf8_lossy(&migrate.stderr)
        );

        let created = run(
            dir.path(),
            &db.url,
            &[
                "users",
                "create",
                "--login",
                "ops",
                "--email",
                "ops@example.com",
                "--first-name",
                "Op",
                "--admin",
            ],
        );
        assert!(
            created.status.success(),
            "{}",
            String::from_utf8_lossy(&created.stderr)
        );
        let first = last_line(&created);
        let plain = run(
            dir.path(),
            &db.url,
            &[
                "users",
                "create",
                "--login",
                "viewer",
                "--email",
                "viewer@example.com",
            ],
        );
        let viewer = last_line(&plain);

        let duplicate = run(
            dir.path(),
            &db.url,
            &[
                "users",
                "create",
                "--login",
                "ops",
                "--email",
                "other@example.com",
            ],
        );
        assert!(!duplicate.status.success());
        assert!(
            String::from_utf8_lossy(&duplicate.stderr).contains("Login has already been taken"),
            "{}",
            String::from_utf8_lossy(&duplicate.stderr)
        );

        let server = start(dir.path(), &db.url);
        assert!(server.banner.is_empty(), "users exist: no first admin");
        let users = |token: &str| {
            call(
                "GET",
                &format!("{}/v1/users?token={token}", server.ready),
                "application/json",
                None,
            )
            .0
        };
        assert_eq!(users(&first), 200);
        assert_eq!(users(&viewer), 403, "not an admin");

        let reissued = run(dir.path(), &db.url, &["users", "token", "--login", "ops"]);
        assert!(reissued.status.success());
        let second = last_line(&reissued);
        assert_ne!(first, second);
        assert_eq!(users(&second), 200, "the new token works at once");
        // The server remembers a token that opened the API for a second (docs/api.md,
        // "Authentication"); the command line is another process, so the old token stops
        // working within that second, not at once.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while users(&first) != 403 {
            assert!(
                std::time::Instant::now() < deadline,
                "the old token still works"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }

        let missing = run(
            dir.path(),
            &db.url,
            &["users", "token", "--login", "nobody"],
        );
        assert!(!missing.status.success());
    }
}

#[test]
fn bad_settings_and_urls_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), "mysql://localhost/db", &["migrate"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mysql"), "{err}");

    let out = run(
        dir.path(),
        "postgres://postgres@127.0.0.1:1/none",
        &["migrate"],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("refused") || err.contains("127.0.0.1"),
        "{err}"
    );

    let config = dir.path().join("runsheet.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:0\"\nlisten_port = 9\n").unwrap();
    let out = runsheet(dir.path(), "sqlite://x.db")
        .args(["--config", config.to_str().unwrap(), "migrate"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("listen_port"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dir.path().join("x.db").exists(), "nothing was created");
}

#[test]
fn help_names_every_setting() {
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["users", "create", "--help"],
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        for name in [
            "RUNSHEET_DATABASE_URL",
            "RUNSHEET_LISTEN",
            "RUNSHEET_DEFAULT_FORMAT",
            "RUNSHEET_TIMEZONE",
            "RUNSHEET_LOG",
            "--config",
        ] {
            assert!(
                text.contains(name),
                "{args:?} does not mention {name}:\n{text}"
            );
        }
    }
}

/// SIGTERM (or Ctrl-C's SIGINT) while a request is in flight: the request finishes, then
/// the server exits.
#[test]
fn sigterm_lets_in_flight_requests_finish() {
    stop_with_a_request_in_flight("TERM");
}

#[test]
fn ctrl_c_lets_in_flight_requests_finish() {
    stop_with_a_request_in_flight("INT");
}

fn stop_with_a_request_in_flight(signal_name: &str) {
    let db = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path(), &db.url);
    let token = server.banner[1].clone();
    let addr = server.ready.trim_start_matches("http://").to_string();

    let body = r#"{"user": {"login": "late", "email": "late@example.com"}}"#;
    let mut stream = TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "POST /v1/users?token={token} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    let (head, tail) = body.split_at(10);
    stream.write_all(head.as_bytes()).unwrap();
    stream.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));

    signal(server.child.id(), signal_name);
    std::thread::sleep(Duration::from_millis(300));
    stream.write_all(tail.as_bytes()).unwrap();

    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");

    let status = wait_with_timeout(&mut server.child, Duration::from_secs(30))
        .expect("the server exits after SIGTERM");
    assert!(status.success(), "{status:?}");
}

/// kill(1), as the code forbids `unsafe` and so libc's kill(2).
fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .status()
        .expect("kill runs");
    assert!(status.success());
}

fn wait_with_timeout(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = std::time::Instant::now() + limit;
    while std::time::Instant::now() < deadline {
        if let Some(status) = child.try_wait().ok().flatten() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}
