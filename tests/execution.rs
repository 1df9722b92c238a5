//! End to end: the real binary runs releases, driven only through the HTTP API, on SQLite
//! and on PostgreSQL (when RUNSHEET_TEST_POSTGRES_URL names a server).
//!
//! Issue 4: "a request of manual and automated steps, serial and parallel, with a failing
//! script, a resolve, a hold and a cancel, driven only through the HTTP API, checking every
//! state and job run on the way".

mod support;

use runsheet_store::testing::TestDb;
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;
use support::{alive, serve, wait_for, worker, Api, Process};

const LIMIT: Duration = Duration::from_secs(60);

/// Quick runners: they look for work often, and a silent one is found within a second.
fn settings(results: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("RUNSHEET_RESULTS_DIR", results.display().to_string()),
        ("RUNSHEET_RUNNER_POLL_SECONDS", "0.05".into()),
        ("RUNSHEET_RUNNER_HEARTBEAT_SECONDS", "0.2".into()),
        ("RUNSHEET_RUNNER_STALE_AFTER_SECONDS", "1".into()),
        ("RUNSHEET_RUNNER_SHUTDOWN_GRACE_SECONDS", "1".into()),
    ]
}

fn as_refs<'a>(settings: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    settings.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// A client of a release: its requests, steps and job runs.
struct Release<'a> {
    api: &'a Api,
    admin: i64,
}

impl Release<'_> {
    fn script(&self, name: &str, content: &str) -> i64 {
        let body = json!({"script": {"name": name, "script_type": "General", "content": content}});
        self.api.post("/v1/scripts", body)["id"].as_i64().unwrap()
    }

    fn request(&self, name: &str) -> i64 {
        let body = json!({"request": {"name": name}});
        self.api.post("/v1/requests", body)["id"].as_i64().unwrap()
    }

    /// A step owned by the admin; `attributes` as a client sends them.
    fn step(&self, request: i64, name: &str, attributes: Value) -> i64 {
        let mut step = json!({"name": name, "request_id": request,
                              "owner_id": self.admin, "owner_type": "User"});
        for (k, v) in attributes.as_object().unwrap() {
            step[k] = v.clone();
        }
        self.api.post("/v1/steps", json!({ "step": step }))["id"]
            .as_i64()
            .unwrap()
    }

    fn automated(&self, request: i64, name: &str, script: i64, beside_previous: bool) -> i64 {
        self.step(
            request,
            name,
            json!({"manual": false, "script_id": script, "script_type": "General",
                   "different_level_from_previous": !beside_previous}),
        )
    }

    fn request_event(&self, id: i64, event: &str) -> Value {
        self.api.put(
            &format!("/v1/requests/{id}"),
            json!({"request": {"aasm_event": event}}),
        )
    }

    fn step_event(&self, id: i64, event: &str) -> Value {
        self.api.put(
            &format!("/v1/steps/{id}"),
            json!({"step": {"aasm_event": event}}),
        )
    }

    fn step_state(&self, id: i64) -> String {
        self.api.get(&format!("/v1/steps/{id}"))["aasm_state"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn request_state(&self, id: i64) -> String {
        self.api.get(&format!("/v1/requests/{id}"))["aasm_state"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The states of these steps, in order.
    fn states(&self, ids: &[i64]) -> Vec<String> {
        ids.iter().map(|id| self.step_state(*id)).collect()
    }

    /// The step's job runs, oldest first (none: the list is a 404).
    fn runs(&self, step: i64) -> Vec<Value> {
        let (status, body) = self.api.call(
            "GET",
            &format!("/v1/job_runs?filters[step_id]={step}"),
            None,
        );
        match status {
            404 => Vec::new(),
            200 => body.as_array().unwrap().clone(),
            other => panic!("job runs of step {step}: {other} {body}"),
        }
    }

    /// Waits until the step has `count` runs and the last has finished; returns it.
    fn finished_run(&self, step: i64, count: usize) -> Value {
        wait_for(&format!("run {count} of step {step}"), LIMIT, || {
            let runs = self.runs(step);
            (runs.len() == count && !runs[count - 1]["finished_at"].is_null())
                .then(|| runs[count - 1].clone())
        })
    }

    fn wait_state(&self, what: &str, want: &str, read: impl Fn() -> String) {
        wait_for(&format!("{what} to be {want}"), LIMIT, || {
            (read() == want).then_some(())
        });
    }
}

fn start_server(dir: &Path, db: &TestDb, args: &[&str]) -> Process {
    let settings = settings(&dir.join("results"));
    serve(dir, &db.url, &as_refs(&settings), args)
}

fn admin_id(api: &Api) -> i64 {
    api.get("/v1/users")[0]["id"].as_i64().unwrap()
}

#[test]
fn a_release_of_manual_and_automated_steps_runs_through_the_api() {
    for db in TestDb::all() {
        eprintln!("-- on {}", db.backend_name());
        let dir = tempfile::tempdir().unwrap();
        let server = start_server(dir.path(), &db, &[]);
        let api = Api::new(&server.ready, &server.token());
        let r = Release {
            api: &api,
            admin: admin_id(&api),
        };
        let flag = dir.path().join("fixed");
        let deploy = r.script("deploy", "echo \"deploying $RUNSHEET_REQUEST_NAME\"\n");
        let migrate = r.script(
            "migrate",
            &format!(
                "echo migrating\ntest -f '{}' || {{ echo 'no schema' >&2; exit 4; }}\necho migrated\n",
                flag.display()
            ),
        );

        // Phase 1: a manual step. Phase 2: two scripts side by side. Phase 3: manual.
        let request = r.request("Release 42");
        let prepare = r.step(request, "Prepare", json!({}));
        let deploy_step = r.automated(request, "Deploy", deploy, false);
        let migrate_step = r.automated(request, "Migrate", migrate, true);
        let verify = r.step(request, "Verify", json!({}));
        let skipped = r.step(request, "Optional", json!({"should_execute": false}));
        let all = [prepare, deploy_step, migrate_step, verify, skipped];

        // "Starting a request readies the executable steps of its first unfinished phase".
        r.request_event(request, "plan_it");
        let started = r.request_event(request, "start");
        assert_eq!(started["aasm_state"], "started");
        assert_eq!(
            r.states(&all),
            ["ready", "locked", "locked", "locked", "locked"]
        );
        let shown = api.get(&format!("/v1/steps/{prepare}"));
        assert!(shown["ready_at"].is_string(), "ready_at is set: {shown}");
        assert!(
            r.runs(deploy_step).is_empty(),
            "nothing runs before its turn"
        );

        // "Manual steps wait for start and done through the API".
        let s = r.step_event(prepare, "start");
        assert!(s["work_started_at"].is_string());
        let s = r.step_event(prepare, "done");
        assert_eq!(s["aasm_state"], "complete");
        assert!(s["work_finished_at"].is_string());

        // "Completing the last step of a phase readies the next": both scripts start.
        let deployed = r.finished_run(deploy_step, 1);
        assert_eq!(deployed["status"], "Complete", "{deployed}");
        assert_eq!(deployed["job_type"], "automation");
        assert_eq!(deployed["automation_id"], deploy);
        assert!(deployed["run_key"].is_i64() && deployed["process_id"].is_i64());
        assert!(deployed["started_at"].is_string());
        assert_eq!(deployed["stdout"], "deploying Release 42\n");
        assert_eq!(deployed["step"]["id"], deploy_step);
        assert_eq!(deployed["step"]["request"]["id"], request);
        let path = deployed["results_path"].as_str().unwrap();
        assert!(
            path.ends_with(&format!(
                "/request/{}/step_{deploy_step}/output_{}.txt",
                request + 1000,
                deployed["run_key"]
            )),
            "{path}"
        );
        // user_id = who started it: the admin, whose `done` opened the phase.
        let by_admin = api.get(&format!(
            "/v1/job_runs?filters[user_id]={}&filters[step_id]={deploy_step}",
            r.admin
        ));
        assert_eq!(by_admin.as_array().unwrap().len(), 1);

        // The failing script: run Problem with the reason, step and request in problem.
        let failed = r.finished_run(migrate_step, 1);
        assert_eq!(failed["status"], "Problem", "{failed}");
        let stderr = failed["stderr"].as_str().unwrap();
        assert!(stderr.starts_with("no schema\n"), "{stderr}");
        assert!(stderr.contains("exited with status 4"), "{stderr}");
        r.wait_state("the request", "problem", || r.request_state(request));
        assert_eq!(r.step_state(migrate_step), "problem");
        assert_eq!(r.step_state(deploy_step), "complete");
        assert_eq!(r.step_state(verify), "locked", "nothing moves in problem");
        // Its output, from the output route.
        // stdout and stderr are two pipes read as they come, so the order of
        // lines written back to back on different streams is not fixed.
        let output = api.get(&format!("/v1/job_runs/{}/output", failed["id"]));
        let whole = output["output"].as_str().unwrap();
        let mut lines: Vec<&str> = whole.lines().collect();
        lines.sort_unstable();
        assert_eq!(lines, ["migrating", "no schema"], "{whole}");
        assert_eq!(output["finished"], true);
        assert_eq!(output["next_offset"], whole.len());
        let rest = api.get(&format!("/v1/job_runs/{}/output?offset=10", failed["id"]));
        assert_eq!(rest["output"], whole[10..]);
        assert_eq!(rest["next_offset"], whole.len());

        // "resolve on the step runs the script again as a new job run".
        std::fs::write(&flag, "").unwrap();
        r.step_event(migrate_step, "resolve");
        assert_eq!(
            r.request_state(request),
            "started",
            "the last problem resolved"
        );
        let second = r.finished_run(migrate_step, 2);
        assert_eq!(second["status"], "Complete", "{second}");
        assert_ne!(second["results_path"], failed["results_path"]);
        r.wait_state("Verify", "ready", || r.step_state(verify));
        assert_eq!(
            r.step_state(skipped),
            "locked",
            "should_execute false is passed over"
        );

        // A hold locks what is ready; taking it off hold picks up where it stopped.
        let held = r.request_event(request, "put_on_hold");
        assert_eq!(held["aasm_state"], "hold");
        assert_eq!(r.step_state(verify), "locked");
        r.request_event(request, "start");
        assert_eq!(r.step_state(verify), "ready");

        // The last step done: "when none is left the request finishes".
        r.step_event(verify, "start");
        r.step_event(verify, "done");
        let finished = api.get(&format!("/v1/requests/{request}"));
        assert_eq!(finished["aasm_state"], "complete");
        assert!(finished["completed_at"].is_string());
        let states: Vec<&str> = finished["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["aasm_state"].as_str().unwrap())
            .collect();
        assert_eq!(
            states,
            ["complete", "complete", "complete", "complete", "locked"]
        );

        // Every run of the release, and none still running.
        let runs = api.get("/v1/job_runs?filters[job_type]=automation");
        let summary: Vec<(i64, &str)> = runs
            .as_array()
            .unwrap()
            .iter()
            .map(|j| {
                (
                    j["step"]["id"].as_i64().unwrap(),
                    j["status"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (deploy_step, "Complete"),
                (migrate_step, "Problem"),
                (migrate_step, "Complete")
            ]
        );
        let (status, _) = api.call("GET", "/v1/job_runs?filters[currently_running]=true", None);
        assert_eq!(status, 404, "nothing is running");

        cancelling_kills_running_scripts(&r, dir.path());
    }
}

/// "Cancelling the request ... kills running scripts of that request (status Cancelled)";
/// a hold "stops nothing that already runs".
fn cancelling_kills_running_scripts(r: &Release, dir: &Path) {
    let marker = dir.join("held-run-finished");
    let slow = r.script(
        "slow",
        &format!("sleep 1\ntouch '{}'\necho slept\n", marker.display()),
    );
    let endless = r.script("endless", "echo started\nsleep 60\n");
    let request = r.request("Release 43");
    let slow_step = r.automated(request, "Slow", slow, false);
    let endless_step = r.automated(request, "Endless", endless, true);
    r.request_event(request, "plan_it");
    r.request_event(request, "start");
    let running = |step: i64| {
        wait_for(&format!("step {step}'s script to run"), LIMIT, || {
            r.runs(step)
                .first()
                .filter(|j| j["status"] == "Running")
                .and_then(|j| j["process_id"].as_i64())
        })
    };
    running(slow_step);
    let pid = running(endless_step);
    let listed = r.api.get("/v1/job_runs?filters[currently_running]=true");
    assert_eq!(listed.as_array().unwrap().len(), 2);

    // On hold, the running scripts go on: the slow one finishes and its step completes.
    r.request_event(request, "put_on_hold");
    let slow_run = r.finished_run(slow_step, 1);
    assert_eq!(slow_run["status"], "Complete");
    assert!(marker.exists());
    assert_eq!(r.step_state(slow_step), "complete");
    assert!(alive(pid), "the hold stopped nothing");

    let cancelled = r.request_event(request, "cancel");
    assert_eq!(cancelled["aasm_state"], "cancelled");
    let run = r.finished_run(endless_step, 1);
    assert_eq!(run["status"], "Cancelled");
    wait_for("the script to be killed", LIMIT, || {
        (!alive(pid)).then_some(())
    });
    assert_eq!(
        r.runs(endless_step)[0]["status"],
        "Cancelled",
        "and it stays so"
    );
}

/// "Restart safety test: kill -9 the server while scripts run, start it again, and every run
/// ends in a finished state with its step consistent."
#[test]
fn a_server_killed_while_scripts_run_ends_them_as_interrupted_when_it_comes_back() {
    for db in TestDb::all() {
        eprintln!("-- on {}", db.backend_name());
        let dir = tempfile::tempdir().unwrap();
        let server = start_server(dir.path(), &db, &[]);
        let token = server.token();
        let api = Api::new(&server.ready, &token);
        let r = Release {
            api: &api,
            admin: admin_id(&api),
        };
        let long = r.script("long", "echo working\nsleep 60\n");
        let request = r.request("Interrupted release");
        let steps: Vec<i64> = (0..3)
            .map(|i| r.automated(request, &format!("long {i}"), long, i > 0))
            .collect();
        r.request_event(request, "plan_it");
        r.request_event(request, "start");
        let pids: Vec<i64> = steps
            .iter()
            .map(|step| {
                wait_for("the scripts to run", LIMIT, || {
                    r.runs(*step)
                        .first()
                        .filter(|j| j["status"] == "Running")
                        .and_then(|j| j["process_id"].as_i64())
                })
            })
            .collect();

        server.kill_9();
        let server = start_server(dir.path(), &db, &[]);
        let api = Api::new(&server.ready, &token);
        let r = Release {
            api: &api,
            admin: r.admin,
        };
        for (step, pid) in steps.iter().zip(&pids) {
            let run = r.finished_run(*step, 1);
            assert_eq!(run["status"], "Problem", "{run}");
            let stderr = run["stderr"].as_str().unwrap();
            assert!(stderr.contains("interrupted"), "{stderr}");
            assert_eq!(r.step_state(*step), "problem");
            wait_for("the orphaned script to be killed", LIMIT, || {
                (!alive(*pid)).then_some(())
            });
        }
        assert_eq!(r.request_state(request), "problem");
        let (status, _) = api.call("GET", "/v1/job_runs?filters[currently_running]=true", None);
        assert_eq!(status, 404, "nothing stays running");

        // Nothing ran twice; a resolve runs them again, now quickly, to the end.
        api.put(
            &format!("/v1/scripts/{long}"),
            json!({"script": {"content": "echo quick\n"}}),
        );
        r.request_event(request, "resolve");
        for step in &steps {
            assert_eq!(r.finished_run(*step, 2)["status"], "Complete");
        }
        r.wait_state("the request", "complete", || r.request_state(request));
    }
}

/// "Several servers and workers may share one PostgreSQL database. A test starts two worker
/// processes on one PostgreSQL database with 200 automated steps queued and shows each ran
/// exactly once."
#[test]
fn two_workers_share_a_postgres_database_and_run_each_script_once() {
    let Some(db) = TestDb::postgres() else {
        eprintln!("skipped: RUNSHEET_TEST_POSTGRES_URL is not set");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path(), &db, &["--no-runner"]);
    let api = Api::new(&server.ready, &server.token());
    let r = Release {
        api: &api,
        admin: admin_id(&api),
    };
    let log = dir.path().join("ran.log");
    let script = r.script(
        "count",
        &format!("echo \"$RUNSHEET_STEP_ID\" >> '{}'\n", log.display()),
    );
    let request = r.request("Wide release");
    let steps: Vec<i64> = (0..200)
        .map(|i| r.automated(request, &format!("step {i}"), script, i > 0))
        .collect();
    r.request_event(request, "plan_it");
    r.request_event(request, "start");
    // Queued, and with --no-runner nobody takes them.
    let queued = api.get("/v1/job_runs?filters[status]=Starting");
    assert_eq!(queued.as_array().unwrap().len(), 200);

    let settings = settings(&dir.path().join("results"));
    let workers: Vec<Process> = (0..2)
        .map(|_| worker(dir.path(), &db.url, &as_refs(&settings)))
        .collect();
    r.wait_state("the request", "complete", || r.request_state(request));

    let mut ran: Vec<i64> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    ran.sort_unstable();
    assert_eq!(ran, steps, "every script ran, and once");
    let complete = api.get("/v1/job_runs?filters[status]=Complete");
    assert_eq!(complete.as_array().unwrap().len(), 200);
    // Both workers took part: the runner ids they wrote on the runs they held.
    let mut conn = db.connection();
    let runners: Vec<String> = {
        use diesel::prelude::*;
        use runsheet_store::schema::job_runs;
        job_runs::table
            .select(job_runs::runner_id.assume_not_null())
            .distinct()
            .load(&mut conn)
            .unwrap()
    };
    let ids: Vec<String> = workers.iter().map(|w| w.ready.clone()).collect();
    assert_eq!(runners.len(), 2, "{runners:?}");
    for runner in &runners {
        assert!(
            ids.iter().any(|id| id.starts_with(runner.as_str())),
            "{runner} in {ids:?}"
        );
    }
}
