//! A database with a runner on it, and the few records these tests build: made through the
//! store's own create and update functions (the API's), with bodies as clients send them.

#![allow(dead_code)]

use chrono_tz::Tz;
use diesel::prelude::*;
use runsheet_core::job_run::Status;
use runsheet_core::request::RequestChanges;
use runsheet_core::script::ScriptChanges;
use runsheet_core::step::StepChanges;
use runsheet_core::user::UserChanges;
use runsheet_runner::{RunnerHandle, RunnerSettings};
use runsheet_store::schema::{job_runs, requests, steps};
use runsheet_store::testing::TestDb;
use runsheet_store::{Pool, PooledConnection};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

pub struct World {
    pub pool: Pool,
    pub results: tempfile::TempDir,
    pub user_id: i64,
    // Last: the database outlives the pool's connections.
    pub db: TestDb,
}

/// Settings fast enough for tests.
pub fn quick(results: &std::path::Path) -> RunnerSettings {
    RunnerSettings {
        results_dir: results.to_path_buf(),
        heartbeat: Duration::from_millis(200),
        stale_after: Duration::from_secs(1),
        poll: Duration::from_millis(50),
        shutdown_grace: Duration::from_secs(2),
        ..RunnerSettings::default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub id: i64,
    pub status: String,
    pub stdout: Option<String>,
    pub stderr: Option<String>,
    pub process_id: Option<i64>,
    pub results_path: Option<String>,
    pub user_id: Option<i64>,
    pub automation_id: Option<i64>,
    pub finished: bool,
}

impl World {
    pub fn new(db: TestDb) -> World {
        let pool = db.pool();
        let changes = UserChanges::parse(Some(&json!({"user": {
            "login": "runner-admin", "email": "admin@example.com", "admin": true
        }})))
        .expect("a valid user");
        let (user, _) =
            runsheet_store::users::create_with_token(&mut pool.get().unwrap(), &changes)
                .expect("the user is created");
        World {
            pool,
            results: tempfile::tempdir().expect("a temporary directory"),
            user_id: user.user.id,
            db,
        }
    }

    pub fn conn(&self) -> PooledConnection {
        self.pool.get().expect("a connection")
    }

    pub fn runner(&self, settings: RunnerSettings) -> RunnerHandle {
        runsheet_runner::start(self.pool.clone(), settings)
    }

    pub fn quick_runner(&self) -> RunnerHandle {
        self.runner(quick(self.results.path()))
    }

    pub fn script(&self, name: &str, content: &str) -> i64 {
        self.typed_script(name, "General", content)
    }

    pub fn typed_script(&self, name: &str, script_type: &str, content: &str) -> i64 {
        let changes = ScriptChanges::parse(Some(&json!({"script": {
            "name": name, "script_type": script_type, "content": content
        }})))
        .expect("a valid script");
        runsheet_store::scripts::create(&mut self.conn(), &changes)
            .expect("the script is created")
            .id
    }

    pub fn request(&self, name: &str) -> i64 {
        let changes = RequestChanges::parse(Some(&json!({"request": {"name": name}})), Tz::UTC)
            .expect("a valid request");
        runsheet_store::requests::create(&mut self.conn(), &changes, self.user_id)
            .expect("the request is created")
            .request
            .id
    }

    /// A step of `request` with these attributes (a step body's).
    pub fn step(&self, request: i64, attributes: Value) -> i64 {
        let mut body = json!({"owner_id": self.user_id, "owner_type": "User"});
        for (k, v) in attributes.as_object().expect("an object").clone() {
            body[k] = v;
        }
        body["request_id"] = json!(request);
        if body["manual"] == json!(false) && body.get("script_type").is_none() {
            body["script_type"] = json!("General");
        }
        let changes =
            StepChanges::parse(Some(&json!({ "step": body })), Tz::UTC).expect("a valid step");
        runsheet_store::steps::create(&mut self.conn(), &changes)
            .expect("the step is created")
            .step
            .id
    }

    pub fn automated(&self, request: i64, name: &str, script: i64) -> i64 {
        self.step(
            request,
            json!({"name": name, "manual": false, "script_id": script}),
        )
    }

    pub fn request_event(&self, request: i64, event: &str) {
        let changes =
            RequestChanges::parse(Some(&json!({"request": {"aasm_event": event}})), Tz::UTC)
                .expect("a valid event");
        runsheet_store::requests::update(&mut self.conn(), request, &changes, self.user_id)
            .unwrap_or_else(|e| panic!("request {request}: {event}: {e}"));
    }

    /// Plans and starts the request.
    pub fn start(&self, request: i64) {
        self.request_event(request, "plan_it");
        self.request_event(request, "start");
    }

    pub fn step_event(&self, step: i64, event: &str) {
        let changes = StepChanges::parse(Some(&json!({"step": {"aasm_event": event}})), Tz::UTC)
            .expect("a valid event");
        runsheet_store::steps::update(&mut self.conn(), step, &changes, self.user_id)
            .unwrap_or_else(|e| panic!("step {step}: {event}: {e}"));
    }

    pub fn step_state(&self, step: i64) -> String {
        steps::table
            .find(step)
            .select(steps::aasm_state)
            .first(&mut **self.conn())
            .expect("the step exists")
    }

    pub fn request_state(&self, request: i64) -> String {
        requests::table
            .find(request)
            .select(requests::aasm_state)
            .first(&mut **self.conn())
            .expect("the request exists")
    }

    pub fn runs(&self, step: i64) -> Vec<Run> {
        type Row = (
            i64,
            String,
            Option<String>,
            Option<String>,
            Option<i64>,
            Option<String>,
            Option<i64>,
            Option<i64>,
            Option<chrono::NaiveDateTime>,
        );
        let rows: Vec<Row> = job_runs::table
            .filter(job_runs::step_id.eq(step))
            .order(job_runs::id)
            .select((
                job_runs::id,
                job_runs::status,
                job_runs::stdout,
                job_runs::stderr,
                job_runs::process_id,
                job_runs::results_path,
                job_runs::user_id,
                job_runs::automation_id,
                job_runs::finished_at,
            ))
            .load(&mut **self.conn())
            .expect("job runs load");
        rows.into_iter()
            .map(|r| Run {
                id: r.0,
                status: r.1,
                stdout: r.2,
                stderr: r.3,
                process_id: r.4,
                results_path: r.5,
                user_id: r.6,
                automation_id: r.7,
                finished: r.8.is_some(),
            })
            .collect()
    }

    /// The step's only run, once it has finished.
    pub fn finished_run(&self, step: i64) -> Run {
        self.wait_for(&format!("step {step}'s run to finish"), || {
            let runs = self.runs(step);
            (runs.len() == 1 && runs[0].finished).then(|| runs[0].clone())
        })
    }

    pub fn count_runs(&self, status: Status) -> i64 {
        job_runs::table
            .filter(job_runs::status.eq(status.name()))
            .count()
            .get_result(&mut **self.conn())
            .expect("job runs count")
    }

    /// Polls `probe` until it answers, for up to 30 s.
    pub fn wait_for<T>(&self, what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(found) = probe() {
                return found;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

/// Whether a process (group) of this id is still alive (and not a zombie).
pub fn alive(pid: i64) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}
