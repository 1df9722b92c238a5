//! Job runs: the statuses a run goes through, and which of them mean it has finished.
//!
//! An automation run is queued `Starting`, is `Running` once its script's process exists,
//! and ends `Complete` (exit 0), `Problem` (any other end, with the reason in stderr) or
//! `Cancelled` (its request was cancelled). Notifications are recorded already finished.

/// `job_type` of a run of a step's script.
pub const AUTOMATION: &str = "automation";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Starting,
    Running,
    Complete,
    Problem,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Starting,
        Status::Running,
        Status::Complete,
        Status::Problem,
        Status::Cancelled,
    ];

    /// The name stored and shown, as the original spelled it (`"Complete"`).
    pub fn name(self) -> &'static str {
        match self {
            Status::Starting => "Starting",
            Status::Running => "Running",
            Status::Complete => "Complete",
            Status::Problem => "Problem",
            Status::Cancelled => "Cancelled",
        }
    }

    /// Case-insensitive, as the original's `status` filter matched.
    pub fn parse(name: &str) -> Option<Status> {
        Status::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name.trim()))
    }

    /// Whether a run in this status is over: `currently_running` is its opposite.
    pub fn is_finished(self) -> bool {
        !matches!(self, Status::Starting | Status::Running)
    }

    /// The statuses of runs not finished (`currently_running=true`) or finished (`false`).
    pub fn running(running: bool) -> Vec<&'static str> {
        Status::ALL
            .into_iter()
            .filter(|s| s.is_finished() != running)
            .map(Status::name)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_whatever_the_case() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.name()), Some(status));
            assert_eq!(Status::parse(&status.name().to_uppercase()), Some(status));
        }
        assert_eq!(Status::parse("complete"), Some(Status::Complete));
        assert_eq!(Status::parse("done"), None);
    }

    #[test]
    fn currently_running_means_not_finished() {
        assert_eq!(Status::running(true), vec!["Starting", "Running"]);
        assert_eq!(
            Status::running(false),
            vec!["Complete", "Problem", "Cancelled"]
        );
    }
}
