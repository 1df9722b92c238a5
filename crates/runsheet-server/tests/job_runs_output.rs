//! GET /v1/job_runs/:id/output: a run's output file (its `results_path`), piece by piece
//! from `offset`, as docs/api/job_runs.md describes it (rest-job-runs.txt has no such route:
//! "This REST interface enables you to query the currently running job pool", and this is
//! how a client follows a running job's output).

mod common;

use actix_web::test::TestRequest;
use common::{Resp, TestApp};
use runsheet_store::testing::fixtures::{self, NewRun};
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};

/// "line 1\n" is 7 bytes, "naïve " 7 (ï is 2), "€" 3 (bytes 14..17), "uro\n" 4: 21 in all.
const TEXT: &str = "line 1\nnaïve €uro\n";

fn run(app: &TestApp, status: &str, path: Option<&Path>) -> i64 {
    let mut conn = app.pool.get().expect("a connection");
    let path = path.map(|p| p.to_str().expect("a UTF-8 path").to_string());
    fixtures::insert_job_run(
        &mut conn,
        &NewRun {
            status,
            results_path: path.as_deref(),
            ..NewRun::default()
        },
    )
    .expect("job run inserted")
}

fn set_status(app: &TestApp, id: i64, status: &str) {
    let mut conn = app.pool.get().expect("a connection");
    fixtures::execute(
        &mut conn,
        &format!("UPDATE job_runs SET status = '{status}' WHERE id = {id}"),
    )
    .expect("updated");
}

fn output_file(content: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("output_1346787283.txt");
    std::fs::write(&path, content).expect("written");
    (dir, path)
}

fn append(path: &Path, content: &[u8]) {
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .expect("opened");
    file.write_all(content).expect("appended");
}

async fn output(app: &TestApp, id: i64, query: &str) -> Resp {
    app.get_json(&format!("/v1/job_runs/{id}/output?{query}"))
        .await
}

async fn piece(app: &TestApp, id: i64, query: &str) -> Value {
    let res = output(app, id, query).await;
    assert_eq!(res.status, 200, "{query}: {}", res.text());
    res.json()
}

fn expected(id: i64, offset: u64, next: u64, finished: bool, status: &str, text: &str) -> Value {
    json!({"id": id, "offset": offset, "next_offset": next, "finished": finished, "status": status, "output": text})
}

on_every_backend! {
    // From offset 0 (or none) the whole file; from a middle offset the rest of it.
    async fn from_the_start_and_from_the_middle(app: TestApp) {
        let (_dir, path) = output_file(TEXT.as_bytes());
        let id = run(&app, "Running", Some(&path));
        assert_eq!(piece(&app, id, "").await, expected(id, 0, 21, false, "Running", TEXT));
        assert_eq!(piece(&app, id, "offset=0").await, expected(id, 0, 21, false, "Running", TEXT));
        assert_eq!(piece(&app, id, "offset=7").await, expected(id, 7, 21, false, "Running", "naïve €uro\n"));
        // The answer's keys in the documented order.
        let res = output(&app, id, "offset=17").await;
        assert_eq!(
            res.text(),
            r#"{"id":ID,"offset":17,"next_offset":21,"finished":false,"status":"Running","output":"uro\n"}"#
                .replace("ID", &id.to_string())
        );
    }

    // "never cut a UTF-8 character in two": a limit that ends inside "€" stops before it, and
    // the next call, from next_offset, has it whole.
    async fn a_character_split_at_the_limit(app: TestApp) {
        let (_dir, path) = output_file(TEXT.as_bytes());
        let id = run(&app, "Complete", Some(&path));
        assert_eq!(piece(&app, id, "offset=7&limit=8").await, expected(id, 7, 14, true, "Complete", "naïve "));
        assert_eq!(piece(&app, id, "offset=14&limit=4").await, expected(id, 14, 18, true, "Complete", "€u"));
        // Following next_offset with a small limit gives the text back exactly.
        let mut offset = 0;
        let mut text = String::new();
        for _ in 0..21 {
            let p = piece(&app, id, &format!("offset={offset}&limit=5")).await;
            text.push_str(p["output"].as_str().unwrap());
            let next = p["next_offset"].as_u64().unwrap();
            if next == offset {
                break;
            }
            offset = next;
        }
        assert_eq!((text.as_str(), offset), (TEXT, 21));
    }

    // A runner appends while the script runs: an unfinished character at the end waits for
    // its last bytes, and the next call goes on from next_offset.
    async fn following_a_growing_file(app: TestApp) {
        let (_dir, path) = output_file(b"step 1 \xe2\x82");
        let id = run(&app, "Running", Some(&path));
        assert_eq!(piece(&app, id, "").await, expected(id, 0, 7, false, "Running", "step 1 "));
        assert_eq!(piece(&app, id, "offset=7").await, expected(id, 7, 7, false, "Running", ""));
        append(&path, b"\xac done\n");
        set_status(&app, id, "Complete");
        assert_eq!(piece(&app, id, "offset=7").await, expected(id, 7, 16, true, "Complete", "€ done\n"));
    }

    // "invalid bytes elsewhere become U+FFFD"; a finished run's file ending inside a character
    // ends with one too, so that next_offset reaches the end.
    async fn invalid_bytes(app: TestApp) {
        let (_dir, path) = output_file(b"a\xffb\xe2\x82");
        let id = run(&app, "Problem", Some(&path));
        assert_eq!(piece(&app, id, "").await, expected(id, 0, 5, true, "Problem", "a\u{FFFD}b\u{FFFD}"));
        set_status(&app, id, "Running");
        assert_eq!(piece(&app, id, "").await, expected(id, 0, 3, false, "Running", "a\u{FFFD}b"));
    }

    // Past the end: nothing, and next_offset at the end of the file (where it goes on).
    async fn past_the_end(app: TestApp) {
        let (_dir, path) = output_file(TEXT.as_bytes());
        let id = run(&app, "Running", Some(&path));
        assert_eq!(piece(&app, id, "offset=21").await, expected(id, 21, 21, false, "Running", ""));
        assert_eq!(piece(&app, id, "offset=5000").await, expected(id, 5000, 21, false, "Running", ""));
    }

    // A queued run has no results_path yet, a starting one may have no file yet: nothing, at
    // the same offset; finished as its status says.
    async fn no_path_or_no_file_yet(app: TestApp) {
        let queued = run(&app, "Starting", None);
        assert_eq!(piece(&app, queued, "offset=3").await, expected(queued, 3, 3, false, "Starting", ""));
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("not_yet.txt");
        let starting = run(&app, "Running", Some(&missing));
        assert_eq!(piece(&app, starting, "").await, expected(starting, 0, 0, false, "Running", ""));
        let cancelled = run(&app, "Cancelled", Some(&missing));
        assert_eq!(piece(&app, cancelled, "").await, expected(cancelled, 0, 0, true, "Cancelled", ""));
    }

    // "finished": whether the run's status is a finished one, in any case.
    async fn the_finished_flag(app: TestApp) {
        let (_dir, path) = output_file(b"x");
        let id = run(&app, "Starting", Some(&path));
        for (status, finished) in [("Starting", false), ("Running", false), ("running", false), ("Complete", true), ("Problem", true), ("Cancelled", true)] {
            set_status(&app, id, status);
            let p = piece(&app, id, "").await;
            assert_eq!((p["finished"].clone(), p["status"].clone()), (json!(finished), json!(status)), "{status}");
        }
    }

    // "offset not a non-negative integer -> 422 {"offset": ["must be a non-negative integer"]}";
    // a limit that is not a positive integer likewise.
    async fn bad_offsets_and_limits(app: TestApp) {
        let (_dir, path) = output_file(TEXT.as_bytes());
        let id = run(&app, "Running", Some(&path));
        for offset in ["-1", "abc", "1.5", "", "%2B3", "99999999999999999999"] {
            let res = output(&app, id, &format!("offset={offset}")).await;
            assert_eq!(res.status, 422, "{offset}");
            assert_eq!(res.json(), json!({"offset": ["must be a non-negative integer"]}), "{offset}");
        }
        let res = output(&app, id, "offset=x&limit=0").await;
        assert_eq!(res.status, 422);
        assert_eq!(res.json(), json!({"offset": ["must be a non-negative integer"], "limit": ["must be a positive integer"]}));
        let res = app.send(TestRequest::get().uri(&app.path(&format!("/v1/job_runs/{id}/output.xml?offset=-1")))).await;
        assert_eq!(res.status, 422);
        assert_eq!(
            res.text(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<errors>\n  <error>Offset must be a non-negative integer</error>\n</errors>\n"
        );
    }

    // The answer in XML, by suffix or by Accept: the same fields under an <output> root.
    async fn in_xml(app: TestApp) {
        let (_dir, path) = output_file(b"<ok> & \xc3\xa9\r\n");
        let id = run(&app, "Complete", Some(&path));
        let expected = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<output>\n  <id type=\"integer\">{id}</id>\n  <offset type=\"integer\">0</offset>\n  <next-offset type=\"integer\">11</next-offset>\n  <finished type=\"boolean\">true</finished>\n  <status>Complete</status>\n  <output>&lt;ok&gt; &amp; é&#13;\n</output>\n</output>\n"
        );
        let by_suffix = app.send(TestRequest::get().uri(&app.path(&format!("/v1/job_runs/{id}/output.xml")))).await;
        let by_accept = app
            .send(TestRequest::get().uri(&app.path(&format!("/v1/job_runs/{id}/output"))).insert_header(("Accept", "application/xml")))
            .await;
        for res in [by_suffix, by_accept] {
            assert_eq!(res.status, 200, "{}", res.text());
            assert!(res.content_type().starts_with("application/xml"), "{}", res.content_type());
            assert_eq!(res.text(), expected);
        }
        let res = app.send(TestRequest::get().uri(&app.path(&format!("/v1/job_runs/{id}/output.json?offset=7")))).await;
        assert_eq!(res.json(), json!({"id": id, "offset": 7, "next_offset": 11, "finished": true, "status": "Complete", "output": "é\r\n"}));
    }

    // The token as everywhere (403 first), an unknown run 404, other methods 405.
    async fn token_unknown_run_and_methods(app: TestApp) {
        let (_dir, path) = output_file(b"secret");
        let id = run(&app, "Running", Some(&path));
        let bad = format!("/v1/job_runs/{id}/output?token=0123456789abcdef0123456789abcdef01234567");
        let res = app.send(TestRequest::get().uri(&bad).insert_header(("Accept", "application/json"))).await;
        assert_eq!(res.status, 403);
        assert_eq!(res.json(), json!({"error": {"response": "Invalid API Key"}}));
        let res = app.send(TestRequest::get().uri(&format!("/v1/job_runs/{id}/output"))).await;
        assert_eq!(res.status, 403);
        assert!(!res.text().contains("secret"));
        // 403 before a bad offset, and before an unknown run.
        let res = app.send(TestRequest::get().uri(&format!("/v1/job_runs/{}/output?offset=-1&token=bad", id + 1))).await;
        assert_eq!(res.status, 403);
        let res = output(&app, id + 1, "").await;
        assert_eq!(res.status, 404);
        assert!(res.body.is_empty());
        assert_eq!(output(&app, id, "").await.json()["output"], "secret");
        // Bearer tokens work here as everywhere.
        let res = app
            .send(
                TestRequest::get()
                    .uri(&format!("/v1/job_runs/{id}/output"))
                    .insert_header(("Authorization", format!("Bearer {}", app.token)))
                    .insert_header(("Accept", "application/json")),
            )
            .await;
        assert_eq!(res.status, 200);
        for req in [TestRequest::put(), TestRequest::delete(), TestRequest::post()] {
            let res = app.send(req.uri(&app.path(&format!("/v1/job_runs/{id}/output"))).insert_header(("Accept", "application/json"))).await;
            assert_eq!(res.status, 405);
        }
    }
}
