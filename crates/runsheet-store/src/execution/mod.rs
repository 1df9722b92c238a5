//! Running requests: sequencing their steps, and the job runs table as the runners' queue.
//!
//! - [`advance`]: after anything that may move a started request on (it starts, resumes, a
//!   step finishes), readies and starts the steps whose turn it is, and finishes the request
//!   when nothing is left. It runs inside the caller's transaction.
//! - [`queue`]: an automated step that starts gets a `Starting` job run.
//! - [`claims`]: runners claim queued runs (`FOR UPDATE SKIP LOCKED` on PostgreSQL, an
//!   immediate transaction on SQLite), keep a heartbeat on them, and find runs whose runner
//!   died.
//! - [`outcome`]: a run's end moves its step and request.
//! - [`context`]: what a script is told of its step and request.

pub mod claims;
pub mod context;
pub mod outcome;
mod queue;
mod sequencing;

pub use queue::{cancel_runs_of_request, enqueue};
pub use sequencing::{advance, request_of_step};
