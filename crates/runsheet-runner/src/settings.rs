//! How a runner runs scripts: limits, places and intervals.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunnerSettings {
    /// Where output files and working directories go:
    /// `<results_dir>/request/<number>/step_<id>/output_<run_key>.txt`.
    pub results_dir: PathBuf,
    /// The command that runs a script of each type other than `General`, e.g.
    /// `HudsonScript = "/opt/hudson/run"`: it gets the script's file as its last argument.
    pub script_commands: BTreeMap<String, String>,
    /// `PATH` in a script's otherwise empty environment.
    pub script_path: String,
    /// How much of stdout and of stderr the job run's record keeps (the last part).
    pub output_cap_bytes: usize,
    /// A script running longer is killed with its whole process group.
    pub script_timeout: Duration,
    /// Scripts this runner runs at once; more wait as `Starting`, oldest first.
    pub max_concurrent_runs: usize,
    /// How often the runner says it still holds its runs, and looks for dead runners' runs.
    pub heartbeat: Duration,
    /// A run whose heartbeat is older than this lost its runner.
    pub stale_after: Duration,
    /// How often the runner looks for queued runs when nothing wakes it.
    pub poll: Duration,
    /// On stop, how long running scripts may go on before they are killed.
    pub shutdown_grace: Duration,
    /// Request numbers are ids plus this.
    pub request_number_base: i64,
}

impl Default for RunnerSettings {
    fn default() -> Self {
        RunnerSettings {
            results_dir: PathBuf::from("results"),
            script_commands: BTreeMap::new(),
            script_path: "/usr/local/bin:/usr/bin:/bin".to_string(),
            output_cap_bytes: 64 * 1024,
            script_timeout: Duration::from_secs(3600),
            max_concurrent_runs: 4,
            heartbeat: Duration::from_secs(5),
            stale_after: Duration::from_secs(30),
            poll: Duration::from_millis(200),
            shutdown_grace: Duration::from_secs(10),
            request_number_base: 1000,
        }
    }
}
