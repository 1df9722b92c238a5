//! The runner's loop: claim queued runs up to the limit, run each on a thread of its own,
//! keep a heartbeat on them, stop those cancelled or timed out, and end the runs of runners
//! that died.

use crate::execute::{self, Control, Shared, Stop};
use crate::settings::RunnerSettings;
use rand::Rng;
use runsheet_store::execution::claims;
use runsheet_store::{Pool, StoreError};
use std::collections::HashMap;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

enum Signal {
    /// Look for queued runs now (a run ended, or the API queued one).
    Wake,
    Finished(i64),
    Stop,
}

/// A runner going on in the background; stop it with [`RunnerHandle::stop`].
pub struct RunnerHandle {
    id: String,
    signals: Sender<Signal>,
    thread: Option<JoinHandle<()>>,
}

impl RunnerHandle {
    /// The id this runner writes into the runs it holds.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// A handle that makes it look for queued runs now rather than at its next poll.
    pub fn waker(&self) -> Waker {
        Waker(self.signals.clone())
    }

    /// Stops claiming; running scripts get `shutdown_grace` to end, then are killed and
    /// recorded as interrupted. Returns when all is recorded.
    pub fn stop(mut self) {
        let _ = self.signals.send(Signal::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Wakes a runner: the API calls it after a change that may have queued a run.
#[derive(Clone)]
pub struct Waker(Sender<Signal>);

impl Waker {
    pub fn wake(&self) {
        let _ = self.0.send(Signal::Wake);
    }
}

/// Starts a runner on `pool`'s database.
pub fn start(pool: Pool, settings: RunnerSettings) -> RunnerHandle {
    let id = runner_id();
    let (signals, inbox) = mpsc::channel();
    let runner = Runner {
        id: id.clone(),
        pool,
        settings: Arc::new(settings),
        signals: signals.clone(),
        active: HashMap::new(),
    };
    let thread = std::thread::Builder::new()
        .name("runsheet-runner".into())
        .spawn(move || runner.run(inbox))
        .expect("the runner's thread starts");
    RunnerHandle {
        id,
        signals,
        thread: Some(thread),
    }
}

/// `<host>/<pid>/<random>`: unique per runner, and says where its scripts ran.
fn runner_id() -> String {
    let host = nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "unknown-host".into());
    let tag: u32 = rand::rng().random();
    format!("{host}/{}/{tag:08x}", std::process::id())
}

struct Active {
    control: Shared,
    deadline: Instant,
    thread: JoinHandle<()>,
}

struct Runner {
    id: String,
    pool: Pool,
    settings: Arc<RunnerSettings>,
    signals: Sender<Signal>,
    active: HashMap<i64, Active>,
}

impl Runner {
    fn run(mut self, inbox: Receiver<Signal>) {
        tracing::info!(runner = %self.id, "runner started");
        let mut next_beat = Instant::now();
        let mut stopping: Option<Instant> = None;
        loop {
            if Instant::now() >= next_beat {
                self.beat();
                next_beat = Instant::now() + self.settings.heartbeat;
            }
            self.enforce_timeouts();
            match stopping {
                None => self.claim(),
                Some(deadline) if Instant::now() >= deadline => {
                    for active in self.active.values() {
                        execute::stop(&active.control, Stop::Shutdown);
                    }
                }
                Some(_) => {}
            }
            if stopping.is_some() && self.active.is_empty() {
                break;
            }
            let wait = self
                .settings
                .poll
                .min(next_beat.saturating_duration_since(Instant::now()));
            match inbox.recv_timeout(wait) {
                Ok(Signal::Wake) | Err(RecvTimeoutError::Timeout) => {}
                Ok(Signal::Finished(id)) => self.finished(id),
                Ok(Signal::Stop) | Err(RecvTimeoutError::Disconnected) => {
                    if stopping.is_none() {
                        tracing::info!(runner = %self.id, running = self.active.len(), "runner stopping");
                        stopping = Some(Instant::now() + self.settings.shutdown_grace);
                    }
                }
            }
        }
        tracing::info!(runner = %self.id, "runner stopped");
    }

    /// Claims what the limit allows and starts each on a thread.
    fn claim(&mut self) {
        let free = self
            .settings
            .max_concurrent_runs
            .saturating_sub(self.active.len());
        if free == 0 {
            return;
        }
        let claimed = self
            .db(|conn, id| claims::claim(conn, id, free as i64))
            .unwrap_or_default();
        for run_id in claimed {
            let control: Shared = Arc::new(Mutex::new(Control::default()));
            let (pool, settings, runner_id, signals) = (
                self.pool.clone(),
                self.settings.clone(),
                self.id.clone(),
                self.signals.clone(),
            );
            let shared = control.clone();
            let thread = std::thread::Builder::new()
                .name(format!("runsheet-run-{run_id}"))
                .spawn(move || {
                    execute::run(&pool, &settings, &runner_id, run_id, &shared);
                    let _ = signals.send(Signal::Finished(run_id));
                });
            match thread {
                Ok(thread) => {
                    self.active.insert(
                        run_id,
                        Active {
                            control,
                            deadline: Instant::now() + self.settings.script_timeout,
                            thread,
                        },
                    );
                }
                // The run stays claimed with no heartbeat: it is reaped as interrupted.
                Err(e) => tracing::error!(error = %e, run_id, "could not start a run's thread"),
            }
        }
    }

    fn finished(&mut self, run_id: i64) {
        if let Some(active) = self.active.remove(&run_id) {
            let _ = active.thread.join();
        }
        // Its end may have queued the next step's script.
        let _ = self.signals.send(Signal::Wake);
    }

    /// Heartbeat on what it runs, stop what is no longer its own, end dead runners' runs.
    fn beat(&mut self) {
        let ids: Vec<i64> = self.active.keys().copied().collect();
        if let Some(lost) = self.db(|conn, id| claims::heartbeat(conn, id, &ids)) {
            for run_id in lost {
                if let Some(active) = self.active.get(&run_id) {
                    tracing::info!(run_id, "run cancelled; killing its script");
                    execute::stop(&active.control, Stop::Cancelled);
                }
            }
        }
        let stale = self.settings.stale_after;
        let cutoff = runsheet_core::time::now()
            - chrono::Duration::from_std(stale).unwrap_or(chrono::Duration::MAX);
        if let Some(reaped) = self.db(|conn, _| claims::reap(conn, cutoff)) {
            for run in reaped {
                tracing::warn!(run_id = run.id, runner = %run.runner_id, "run interrupted: its runner stopped answering");
                kill_orphan(&self.id, &run);
            }
        }
    }

    fn enforce_timeouts(&mut self) {
        let now = Instant::now();
        for (run_id, active) in &self.active {
            if now >= active.deadline {
                let already = active
                    .control
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .stop
                    .is_some();
                if !already {
                    tracing::warn!(run_id, "script timed out; killing its process group");
                    execute::stop(&active.control, Stop::Timeout);
                }
            }
        }
    }

    fn db<T>(
        &self,
        work: impl FnOnce(&mut runsheet_store::AnyConnection, &str) -> Result<T, StoreError>,
    ) -> Option<T> {
        let result = self
            .pool
            .get()
            .map_err(StoreError::from)
            .and_then(|mut conn| work(&mut conn, &self.id));
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                tracing::warn!(error = %e, "runner: database call failed; will retry");
                None
            }
        }
    }
}

/// A dead runner of this machine may have left its script running (the server was killed):
/// its process group is killed so that it does not go on beside a resolve's new run.
fn kill_orphan(own_id: &str, run: &claims::Interrupted) {
    let host = |id: &str| id.split('/').next().map(str::to_owned);
    if host(own_id) != host(&run.runner_id) {
        return;
    }
    if let Some(group) = run.process_id.and_then(|p| i32::try_from(p).ok()) {
        if group > 1 {
            execute::kill_group(group);
        }
    }
}
