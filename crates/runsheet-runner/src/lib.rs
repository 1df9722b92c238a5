//! runsheet's automation engine.
//!
//! The job runs table is the queue (see `runsheet_store::execution`). A runner claims
//! queued runs up to its limit, runs each script as a process group of its own with a clean
//! environment, appends its output to the run's output file as it comes, and records how it
//! ended, which moves the step and its request. It keeps a heartbeat on what it runs; a run
//! whose runner stopped answering is ended as interrupted by any other runner, so nothing
//! stays running forever and nothing runs twice. Runners in several processes, on several
//! machines, may share one PostgreSQL database.

mod execute;
pub mod invocation;
mod output;
mod runner;
mod settings;

pub use runner::{start, RunnerHandle, Waker};
pub use settings::RunnerSettings;
