//! Starting the real `runsheet` binary for end-to-end tests, and calling it over HTTP.

#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_runsheet");

/// A running `runsheet` process, killed when dropped.
pub struct Process {
    pub child: Child,
    /// The first line that matched what [`launch`] waited for, without its prefix.
    pub ready: String,
    /// Lines printed before it, e.g. the first admin's token.
    pub banner: Vec<String>,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Process {
    /// SIGKILL, as a crash or a lost machine: nothing is cleaned up.
    pub fn kill_9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The first 40-hex line of the banner: the first admin's token.
    pub fn token(&self) -> String {
        self.banner
            .iter()
            .find(|l| l.len() == 40 && l.chars().all(|c| c.is_ascii_hexdigit()))
            .cloned()
            .expect("the admin token is printed on first start")
    }
}

/// `runsheet` in `dir` with a clean environment and these settings.
pub fn runsheet(dir: &Path, database_url: &str, settings: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env_clear()
        .env("RUNSHEET_DATABASE_URL", database_url)
        .env("RUNSHEET_LISTEN", "127.0.0.1:0")
        .env("RUNSHEET_LOG", "warn");
    for (key, value) in settings {
        cmd.env(key, value);
    }
    cmd
}

/// Starts `cmd` and waits for the line starting with `ready_prefix`.
pub fn launch(mut cmd: Command, ready_prefix: &str) -> Process {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("runsheet starts");
    // Owned at once, so that it is killed and waited for whatever happens next.
    let mut process = Process {
        child,
        ready: String::new(),
        banner: Vec::new(),
    };
    let stdout = process.child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("runsheet prints {ready_prefix:?}"));
        if let Some(rest) = line.strip_prefix(ready_prefix) {
            process.ready = rest.to_string();
            return process;
        }
        process.banner.push(line);
    }
}

/// `runsheet serve ARGS`, once it listens; `ready` is its base URL.
pub fn serve(dir: &Path, database_url: &str, settings: &[(&str, &str)], args: &[&str]) -> Process {
    let mut cmd = runsheet(dir, database_url, settings);
    cmd.arg("serve").args(args);
    launch(cmd, "runsheet listening on ")
}

/// `runsheet worker`, once its runner runs.
pub fn worker(dir: &Path, database_url: &str, settings: &[(&str, &str)]) -> Process {
    let mut cmd = runsheet(dir, database_url, settings);
    cmd.arg("worker");
    launch(cmd, "runsheet worker ")
}

/// A client of one server with one token, speaking JSON.
pub struct Api {
    pub base: String,
    pub token: String,
    agent: ureq::Agent,
}

impl Api {
    pub fn new(base: &str, token: &str) -> Api {
        Api {
            base: base.to_string(),
            token: token.to_string(),
            agent: ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(30))
                .build(),
        }
    }

    /// Status and JSON body (null when empty) of a call, whatever the status.
    pub fn call(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let bearer = format!("Bearer {}", self.token);
        let body = body.map(Value::to_string);
        let (status, text, _) = send(
            &self.agent,
            method,
            &url,
            &[("Accept", "application/json"), ("Authorization", &bearer)],
            body.as_deref().map(|b| ("application/json", b)),
        );
        let json = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
        };
        (status, json)
    }

    /// A call that must answer `status`; its body.
    pub fn expect(&self, status: u16, method: &str, path: &str, body: Option<&Value>) -> Value {
        let (got, json) = self.call(method, path, body);
        assert_eq!(got, status, "{method} {path}: {json}");
        json
    }

    pub fn get(&self, path: &str) -> Value {
        self.expect(200, "GET", path, None)
    }

    pub fn post(&self, path: &str, body: Value) -> Value {
        self.expect(201, "POST", path, Some(&body))
    }

    pub fn put(&self, path: &str, body: Value) -> Value {
        self.expect(202, "PUT", path, Some(&body))
    }
}

/// Sends one request (`body` with its content type) and returns its status, body and
/// content type, whatever the status.
pub fn send(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<(&str, &str)>,
) -> (u16, String, Option<String>) {
    let mut req = agent.request(method, url);
    for (name, value) in headers {
        req = req.set(name, value);
    }
    let result = match body {
        Some((content_type, body)) => req.set("Content-Type", content_type).send_string(body),
        None => req.call(),
    };
    let res = match result {
        Ok(res) => res,
        Err(ureq::Error::Status(_, res)) => res,
        Err(e) => panic!("{method} {url}: {e}"),
    };
    let status = res.status();
    let content_type = res.header("content-type").map(str::to_string);
    (status, res.into_string().unwrap_or_default(), content_type)
}

/// Polls `probe` until it answers, for up to `limit`.
pub fn wait_for<T>(what: &str, limit: Duration, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(found) = probe() {
            return found;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether a process of this id is alive (not gone, not a zombie).
pub fn alive(pid: i64) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}
