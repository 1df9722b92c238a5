//! The runner on a real database (a SQLite file, and PostgreSQL when
//! RUNSHEET_TEST_POSTGRES_URL names a server) running real scripts as real processes.
//!
//! Issue 4: "An automated step that starts creates a job run (job_type automation, status
//! Starting, run_key, automation_id = the script, step_id, user_id = who started it) and the
//! runner executes the script".

mod world;

use runsheet_core::job_run::Status;
use runsheet_store::testing::TestDb;
use serde_json::json;
use std::time::Duration;
use world::{alive, quick, World};

fn each_backend(test: impl Fn(World)) {
    for db in TestDb::all() {
        eprintln!("-- on {}", db.backend_name());
        test(World::new(db));
    }
}

#[test]
fn a_script_runs_with_its_context_and_its_success_moves_the_request_on() {
    each_backend(|w| {
        let script = w.script(
            "greet",
            "echo \"step $RUNSHEET_STEP_ID of request $RUNSHEET_REQUEST_NUMBER\"\n\
             echo \"env has HOME=$HOME and $(env | wc -l) variables\"\n\
             echo \"db=$RUNSHEET_PROPERTY_DB_HOST\"\n\
             grep -q '\"name\":\"Release 1\"' \"$RUNSHEET_INPUT\" && echo input-ok\n\
             echo warning >&2\n",
        );
        let request = w.request("Release 1");
        let step = w.automated(request, "Greet", script);
        let manual = w.step(request, json!({"name": "Check"}));
        let runner = w.quick_runner();
        w.start(request);

        let run = w.finished_run(step);
        assert_eq!(run.status, "Complete", "{run:?}");
        assert_eq!(run.automation_id, Some(script));
        assert_eq!(run.user_id, Some(w.user_id));
        let stdout = run.stdout.clone().unwrap_or_default();
        assert!(
            stdout.contains(&format!("step {step} of request {}", request + 1000)),
            "{stdout}"
        );
        assert!(stdout.contains("input-ok"), "{stdout}");
        // A clean environment: PATH, HOME, LANG and our own variables only.
        assert!(!stdout.contains("USER="), "{stdout}");
        assert_eq!(run.stderr.as_deref(), Some("warning\n"));
        // All output, in the file the record names, under the request's number.
        let path = run.results_path.clone().expect("a results path");
        assert!(
            path.contains(&format!("/request/{}/step_{step}/output_", request + 1000)),
            "{path}"
        );
        let file = std::fs::read_to_string(&path).expect("the output file");
        assert!(
            file.contains("input-ok") && file.contains("warning"),
            "{file}"
        );

        // The step is done and the next one, manual, is ready: the request goes on.
        assert_eq!(w.step_state(step), "complete");
        w.wait_for("the manual step to be ready", || {
            (w.step_state(manual) == "ready").then_some(())
        });
        assert_eq!(w.request_state(request), "started");
        runner.stop();
    });
}

#[test]
fn a_failing_script_puts_step_and_request_in_problem_and_resolve_runs_it_again() {
    each_backend(|w| {
        // Fails until the flag exists in the results directory.
        let flag = w.results.path().join("fixed");
        let script = w.script(
            "flaky",
            &format!(
                "echo trying\necho broken >&2\ntest -f '{}' || exit 3\necho fixed\n",
                flag.display()
            ),
        );
        let request = w.request("Flaky release");
        let step = w.automated(request, "Flaky", script);
        let runner = w.quick_runner();
        w.start(request);

        let run = w.finished_run(step);
        assert_eq!(run.status, "Problem");
        let stderr = run.stderr.unwrap_or_default();
        assert!(stderr.starts_with("broken\n"), "{stderr}");
        assert!(stderr.contains("exited with status 3"), "{stderr}");
        assert_eq!(w.step_state(step), "problem");
        assert_eq!(w.request_state(request), "problem");

        std::fs::write(&flag, "").unwrap();
        w.step_event(step, "resolve");
        let second = w.wait_for("a second run to finish", || {
            let runs = w.runs(step);
            (runs.len() == 2 && runs[1].finished).then(|| runs[1].clone())
        });
        assert_eq!(second.status, "Complete", "{second:?}");
        assert_ne!(second.results_path, run.results_path, "a new output file");
        assert_eq!(w.step_state(step), "complete");
        // The only step is done: the request is complete.
        w.wait_for("the request to complete", || {
            (w.request_state(request) == "complete").then_some(())
        });
        runner.stop();
    });
}

#[test]
fn a_script_past_its_timeout_is_killed_with_its_process_group() {
    each_backend(|w| {
        let pids = w.results.path().join("pids");
        // A child in the background, as scripts that start services do.
        let script = w.script(
            "slow",
            &format!("sleep 60 &\necho $! > '{}'\nsleep 60\n", pids.display()),
        );
        let request = w.request("Slow release");
        let step = w.automated(request, "Slow", script);
        let mut settings = quick(w.results.path());
        settings.script_timeout = Duration::from_secs(1);
        let runner = w.runner(settings);
        w.start(request);

        let run = w.finished_run(step);
        assert_eq!(run.status, "Problem");
        assert!(
            run.stderr
                .unwrap_or_default()
                .contains("timed out after 1 s"),
            "the reason is in stderr"
        );
        let script_pid = run.process_id.expect("the process id");
        let background: i64 = std::fs::read_to_string(&pids)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(!alive(script_pid), "the script is gone");
        assert!(!alive(background), "its background child is gone too");
        assert_eq!(w.step_state(step), "problem");
        runner.stop();
    });
}

#[test]
fn cancelling_the_request_kills_its_running_scripts() {
    each_backend(|w| {
        let script = w.script("long", "echo started\nsleep 60\n");
        let request = w.request("Cancelled release");
        let step = w.automated(request, "Long", script);
        let runner = w.quick_runner();
        w.start(request);
        let pid = w.wait_for("the script to run", || {
            let runs = w.runs(step);
            runs.first()
                .filter(|r| r.status == "Running")
                .and_then(|r| r.process_id)
        });
        w.request_event(request, "cancel");
        let run = w.finished_run(step);
        assert_eq!(run.status, "Cancelled");
        w.wait_for("the script to be killed", || (!alive(pid)).then_some(()));
        assert_eq!(w.request_state(request), "cancelled");
        // The record stays as cancel left it: the runner does not overwrite it.
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(w.runs(step)[0].status, "Cancelled");
        runner.stop();
    });
}

#[test]
fn no_more_than_the_limit_run_at_once_and_the_rest_wait_oldest_first() {
    each_backend(|w| {
        let script = w.script("nap", "sleep 0.4\n");
        let request = w.request("Wide release");
        let first = w.automated(request, "first", script);
        let mut steps = vec![first];
        for i in 0..4 {
            steps.push(w.step(
                request,
                json!({"name": format!("beside {i}"), "manual": false, "script_id": script,
                       "different_level_from_previous": false}),
            ));
        }
        let mut settings = quick(w.results.path());
        settings.max_concurrent_runs = 2;
        let runner = w.runner(settings);
        w.start(request);
        let mut most = 0;
        w.wait_for("all five to finish", || {
            most = most.max(w.count_runs(Status::Running));
            (w.count_runs(Status::Complete) == 5).then_some(())
        });
        assert!(most <= 2, "{most} ran at once");
        assert!(most >= 1);
        // Oldest first: the first queued started first.
        let started: Vec<i64> = steps.iter().map(|s| w.runs(*s)[0].id).collect();
        let mut sorted = started.clone();
        sorted.sort_unstable();
        assert_eq!(started, sorted);
        w.wait_for("the request to complete", || {
            (w.request_state(request) == "complete").then_some(())
        });
        runner.stop();
    });
}

#[test]
fn a_type_with_no_command_fails_with_a_message_and_a_configured_one_runs() {
    each_backend(|w| {
        let unconfigured = w.typed_script("hudson job", "HudsonScript", "build all");
        let capistrano = w.typed_script("cap deploy", "CapistranoScript", "deploy prod");
        let request = w.request("Typed release");
        let hudson_step = w.step(
            request,
            json!({"name": "Hudson", "manual": false, "script_id": unconfigured,
                   "script_type": "HudsonScript"}),
        );
        let cap_step = w.step(
            request,
            json!({"name": "Cap", "manual": false, "script_id": capistrano,
                   "script_type": "CapistranoScript", "different_level_from_previous": false}),
        );
        let mut settings = quick(w.results.path());
        // The configured command gets the script's file last: `cat` prints it.
        settings
            .script_commands
            .insert("CapistranoScript".into(), "/bin/cat".into());
        let runner = w.runner(settings);
        w.start(request);
        let failed = w.finished_run(hudson_step);
        assert_eq!(failed.status, "Problem");
        let stderr = failed.stderr.unwrap_or_default();
        assert!(stderr.contains("HudsonScript"), "{stderr}");
        let ran = w.finished_run(cap_step);
        assert_eq!(ran.status, "Complete", "{ran:?}");
        assert_eq!(ran.stdout.as_deref(), Some("deploy prod"));
        runner.stop();
    });
}

#[test]
fn output_over_the_cap_keeps_its_last_part_on_the_record_and_all_of_it_in_the_file() {
    each_backend(|w| {
        let script = w.script("chatty", "seq 1 20000\n");
        let request = w.request("Chatty release");
        let step = w.automated(request, "Chatty", script);
        let mut settings = quick(w.results.path());
        settings.output_cap_bytes = 1000;
        let runner = w.runner(settings);
        w.start(request);
        let run = w.finished_run(step);
        let stdout = run.stdout.unwrap_or_default();
        assert_eq!(stdout.len(), 1000);
        assert!(stdout.ends_with("19999\n20000\n"), "{stdout}");
        let file = std::fs::read_to_string(run.results_path.unwrap()).unwrap();
        assert!(file.starts_with("1\n2\n3\n") && file.ends_with("20000\n"));
        runner.stop();
    });
}

#[test]
fn a_run_whose_runner_died_ends_as_interrupted_and_is_not_run_again() {
    each_backend(|w| {
        let marker = w.results.path().join("ran");
        let script = w.script("once", &format!("echo x >> '{}'\n", marker.display()));
        let request = w.request("Orphaned release");
        let step = w.automated(request, "Once", script);
        w.start(request);
        // A runner on another machine claimed it, then went silent.
        let mut conn = w.conn();
        let run_id = w.runs(step)[0].id;
        runsheet_store::testing::fixtures::execute(
            &mut conn,
            &format!(
                "UPDATE job_runs SET runner_id = 'elsewhere/1/dead', status = 'Running', \
                 heartbeat_at = '2020-01-01 00:00:00', process_id = 999999999 WHERE id = {run_id}"
            ),
        )
        .unwrap();
        drop(conn);
        let runner = w.quick_runner();
        let run = w.finished_run(step);
        assert_eq!(run.status, "Problem");
        let stderr = run.stderr.unwrap_or_default();
        assert!(stderr.contains("interrupted"), "{stderr}");
        assert!(stderr.contains("elsewhere/1/dead"), "{stderr}");
        assert_eq!(w.step_state(step), "problem");
        assert_eq!(w.request_state(request), "problem");
        std::thread::sleep(Duration::from_millis(500));
        assert!(
            !marker.exists(),
            "the interrupted run was not started again"
        );
        assert_eq!(w.runs(step).len(), 1);
        runner.stop();
    });
}

#[test]
fn stopping_a_runner_past_its_grace_records_its_scripts_as_interrupted() {
    each_backend(|w| {
        let script = w.script("endless", "sleep 60\n");
        let request = w.request("Stopped release");
        let step = w.automated(request, "Endless", script);
        let mut settings = quick(w.results.path());
        settings.shutdown_grace = Duration::from_millis(200);
        let runner = w.runner(settings);
        w.start(request);
        let pid = w.wait_for("the script to run", || {
            w.runs(step)
                .first()
                .filter(|r| r.status == "Running")
                .and_then(|r| r.process_id)
        });
        runner.stop();
        let run = &w.runs(step)[0];
        assert_eq!(run.status, "Problem");
        assert!(run
            .stderr
            .as_deref()
            .unwrap_or("")
            .contains("runner stopped"));
        assert!(!alive(pid));
        assert_eq!(w.step_state(step), "problem");
    });
}

#[test]
fn two_runners_on_one_database_run_each_script_exactly_once() {
    each_backend(|w| {
        let log = w.results.path().join("log");
        let script = w.script(
            "count",
            &format!("echo $RUNSHEET_STEP_ID >> '{}'\n", log.display()),
        );
        let request = w.request("Shared release");
        let mut steps = Vec::new();
        for i in 0..30 {
            steps.push(w.step(
                request,
                json!({"name": format!("s{i}"), "manual": false, "script_id": script,
                       "different_level_from_previous": i == 0}),
            ));
        }
        let (a, b) = (w.quick_runner(), w.quick_runner());
        w.start(request);
        w.wait_for("the request to complete", || {
            (w.request_state(request) == "complete").then_some(())
        });
        a.stop();
        b.stop();
        let mut ran: Vec<i64> = std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .map(|l| l.parse().unwrap())
            .collect();
        ran.sort_unstable();
        assert_eq!(ran, steps, "each step's script ran once");
        for step in steps {
            assert_eq!(w.runs(step).len(), 1);
        }
    });
}

/// "Procedure steps run their children the same way": a procedure step starts when its turn
/// comes, its children run in their own phases, and it completes when they are done.
#[test]
fn a_procedure_step_runs_its_children_then_completes() {
    each_backend(|w| {
        let log = w.results.path().join("order");
        let script = w.script(
            "record",
            &format!("echo \"$RUNSHEET_STEP_NAME\" >> '{}'\n", log.display()),
        );
        let request = w.request("Procedure release");
        let changes = runsheet_core::procedure::ProcedureChanges::parse(Some(
            &json!({"procedure": {"name": "Deploy everything"}}),
        ))
        .unwrap();
        let template = runsheet_store::procedures::create(&mut w.conn(), &changes)
            .unwrap()
            .procedure
            .id;
        let procedure = w.step(
            request,
            json!({"name": "Deploy all", "procedure": true, "procedure_id": template}),
        );
        let child = |name: &str, beside: bool| {
            w.step(
                request,
                json!({"name": name, "parent_id": procedure, "manual": false,
                       "script_id": script, "different_level_from_previous": !beside}),
            )
        };
        let first = child("first", false);
        let second = child("second", false);
        let last = w.step(request, json!({"name": "Check"}));
        let runner = w.quick_runner();
        w.start(request);
        w.wait_for("the check after the procedure to be ready", || {
            (w.step_state(last) == "ready").then_some(())
        });
        assert_eq!(w.step_state(first), "complete");
        assert_eq!(w.step_state(second), "complete");
        assert_eq!(w.step_state(procedure), "complete");
        assert!(
            w.runs(procedure).is_empty(),
            "a procedure step runs no script"
        );
        // Its children ran one phase after the other.
        assert_eq!(std::fs::read_to_string(&log).unwrap(), "first\nsecond\n");
        runner.stop();
    });
}
