//! Running one claimed job run, on a thread of its own: its script as a process group, its
//! output captured, its end recorded.

use crate::invocation::{self, CannotRun, Paths};
use crate::output::{capture, Tail};
use crate::settings::RunnerSettings;
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use runsheet_store::execution::claims;
use runsheet_store::execution::context::{self, RunContext};
use runsheet_store::execution::outcome::{self, Outcome};
use runsheet_store::{Pool, StoreError};
use std::fs::OpenOptions;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Why the runner stopped a script before it ended by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Ran past `script_timeout`.
    Timeout,
    /// No longer this runner's: cancelled with its request (or reaped after a stall).
    Cancelled,
    /// The runner is stopping and the grace period is over.
    Shutdown,
}

/// What the runner's loop and a run's thread share about a running script.
#[derive(Debug, Default)]
pub struct Control {
    /// The script's process group, once it exists.
    pub process_group: Option<i32>,
    pub stop: Option<Stop>,
}

pub type Shared = Arc<Mutex<Control>>;

/// Asks a run to stop: kills its process group now if it exists, else as soon as it does.
pub fn stop(control: &Shared, why: Stop) {
    let mut c = control.lock().unwrap_or_else(|e| e.into_inner());
    if c.stop.is_none() {
        c.stop = Some(why);
    }
    if let Some(group) = c.process_group {
        kill_group(group);
    }
}

/// SIGKILL to a whole process group (the script and whatever it started).
pub fn kill_group(group: i32) {
    let _ = killpg(Pid::from_raw(group), Signal::SIGKILL);
}

/// Runs job run `id` to its end and records it. Database errors are retried for a while:
/// a run that cannot be recorded stays with this runner until it is reaped.
pub fn run(pool: &Pool, settings: &RunnerSettings, runner_id: &str, id: i64, control: &Shared) {
    let outcome = match prepare(pool, settings, id) {
        Ok(Ok((ctx, paths, argv))) => {
            execute(pool, settings, runner_id, &ctx, &paths, &argv, control)
        }
        Ok(Err(CannotRun(reason))) => Some(Outcome::problem(String::new(), String::new(), &reason)),
        Err(e) => Some(Outcome::problem(
            String::new(),
            String::new(),
            &format!("runsheet: could not prepare the run: {e}"),
        )),
    };
    if let Some(outcome) = outcome {
        with_retries(|| {
            let mut conn = pool.get()?;
            outcome::record(&mut conn, id, runner_id, &outcome, None)
        });
    }
}

type Prepared = (RunContext, Paths, Vec<String>);

fn prepare(
    pool: &Pool,
    settings: &RunnerSettings,
    id: i64,
) -> Result<Result<Prepared, CannotRun>, String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let ctx = match context::load(&mut conn, id) {
        Ok(ctx) => ctx,
        Err(StoreError::NotFound) => {
            return Ok(Err(CannotRun("runsheet: the run's step is gone".into())))
        }
        Err(e) => return Err(e.to_string()),
    };
    drop(conn);
    let paths = Paths::of(settings, &ctx);
    let argv = match invocation::command_line(settings, &ctx, &paths) {
        Ok(argv) => argv,
        Err(cannot) => return Ok(Err(cannot)),
    };
    let input = invocation::input(settings, &ctx, &paths);
    invocation::prepare(&paths, &ctx, &input)
        .map_err(|e| format!("{}: {e}", paths.work_dir.display()))?;
    Ok(Ok((ctx, paths, argv)))
}

/// Starts the script, waits for it, and says how it ended; `None` when there is nothing
/// to record (it was cancelled: the record already says so).
fn execute(
    pool: &Pool,
    settings: &RunnerSettings,
    runner_id: &str,
    ctx: &RunContext,
    paths: &Paths,
    argv: &[String],
    control: &Shared,
) -> Option<Outcome> {
    let problem = |reason: String| Some(Outcome::problem(String::new(), String::new(), &reason));
    let file = match OpenOptions::new()
        .create(true)
        .append(true)
        .open(&paths.output)
    {
        Ok(file) => Arc::new(Mutex::new(file)),
        Err(e) => return problem(format!("runsheet: {}: {e}", paths.output.display())),
    };
    let mut child = match Command::new(&argv[0])
        .args(&argv[1..])
        .env_clear()
        .envs(invocation::environment(settings, ctx, paths))
        .current_dir(&paths.work_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
    {
        Ok(child) => child,
        Err(e) => return problem(format!("runsheet: could not start {:?}: {e}", argv[0])),
    };
    let pid = child.id() as i32;
    {
        let mut c = control.lock().unwrap_or_else(|e| e.into_inner());
        c.process_group = Some(pid);
        if c.stop.is_some() {
            kill_group(pid);
        }
    }
    let output = paths.output.to_string_lossy();
    let started = with_retries(|| {
        let mut conn = pool.get()?;
        claims::started(
            &mut conn,
            ctx.job_run_id,
            runner_id,
            i64::from(pid),
            &output,
        )
    });
    if started != Some(true) {
        stop(control, Stop::Cancelled);
    }
    let stdout = child
        .stdout
        .take()
        .map(|s| capture(s, file.clone(), settings.output_cap_bytes));
    let stderr = child
        .stderr
        .take()
        .map(|s| capture(s, file, settings.output_cap_bytes));
    let status = child.wait();
    // Whatever the script left running in its group goes with it; this also ends the
    // pipes a straggler held open, so the capture threads finish.
    kill_group(pid);
    control
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .process_group = None;
    let stdout = join(stdout, settings.output_cap_bytes);
    let stderr = join(stderr, settings.output_cap_bytes);
    let stopped = control.lock().unwrap_or_else(|e| e.into_inner()).stop;
    let reason = match (stopped, status) {
        (Some(Stop::Cancelled), _) => return None,
        (Some(Stop::Timeout), _) => format!(
            "runsheet: timed out after {} s; its process group was killed",
            settings.script_timeout.as_secs()
        ),
        (Some(Stop::Shutdown), _) => {
            "runsheet: interrupted: the runner stopped while it ran".to_string()
        }
        (None, Ok(status)) if status.success() => {
            return Some(Outcome::complete(stdout, stderr));
        }
        (None, Ok(status)) => describe(status),
        (None, Err(e)) => format!("runsheet: could not wait for the script: {e}"),
    };
    Some(Outcome::problem(stdout, stderr, &reason))
}

fn join(capture: Option<std::thread::JoinHandle<Tail>>, cap: usize) -> String {
    capture
        .and_then(|handle| handle.join().ok())
        .unwrap_or_else(|| Tail::new(cap))
        .into_text()
}

fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("runsheet: the script exited with status {code}"),
        (None, Some(signal)) => format!("runsheet: the script was killed by signal {signal}"),
        (None, None) => format!("runsheet: the script ended: {status}"),
    }
}

/// Retries a database write through short outages (a busy SQLite file, a PostgreSQL
/// restart) for about half a minute; `None` if it never went through.
fn with_retries<T>(mut write: impl FnMut() -> Result<T, StoreError>) -> Option<T> {
    let mut wait = Duration::from_millis(50);
    for attempt in 1..=10 {
        match write() {
            Ok(value) => return Some(value),
            Err(e) => {
                tracing::warn!(error = %e, attempt, "runner: a write failed; retrying");
                std::thread::sleep(wait);
                wait = (wait * 2).min(Duration::from_secs(5));
            }
        }
    }
    None
}
