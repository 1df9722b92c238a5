//! Job runs: the statuses a run goes through, and which of them mean it has finished.
//!
//! An automation run is queued `Starting`, is `Running` once its script's process exists,
//! and ends `Complete` (exit 0), `Problem` (any other end, with the reason in stderr) or
//! `Cancelled` (its request was cancelled). Notifications are recorded already finished.
//!
//! Also what GET /v1/job_runs filters on, and what GET /v1/job_runs/:id/output asks for and
//! how it turns the bytes of a run's output file into text.

use crate::errors::Errors;
use crate::filters::{self, FilterSpec, Filters, TimeRange};
use crate::params::read_count;
use chrono_tz::Tz;
use serde_json::{Map, Value};

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

    /// Whether a run stored with status `name` (any case) is over. A status runsheet does
    /// not know is over too: nothing runs such a run, and nothing will append to its output.
    pub fn is_finished_name(name: &str) -> bool {
        Status::parse(name).is_none_or(Status::is_finished)
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

/// The filters of GET /v1/job_runs (rest-job-runs.txt, "Filters").
pub const FILTERS: &[FilterSpec] = &[
    filters::boolean("currently_running"),
    filters::int("run_key"),
    filters::text("status"),
    filters::text("job_type"),
    filters::int("process_id"),
    filters::int("automation_id"),
    filters::int("user_id"),
    filters::int("step_id"),
    filters::time("created_after"),
    filters::time("created_before"),
    filters::time("updated_after"),
    filters::time("updated_before"),
    filters::time("finished_after"),
    filters::time("finished_before"),
];

/// What GET /v1/job_runs may ask for; a list is "any of".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobRunFilter {
    /// true: runs not finished (Starting, Running); false: every other status.
    pub currently_running: Option<bool>,
    pub run_key: Option<Vec<i64>>,
    /// Lower-cased: the status is matched in any case, on both sides.
    pub status: Option<Vec<String>>,
    pub job_type: Option<Vec<String>>,
    pub process_id: Option<Vec<i64>>,
    pub automation_id: Option<Vec<i64>>,
    pub user_id: Option<Vec<i64>>,
    pub step_id: Option<Vec<i64>>,
    pub created: TimeRange,
    pub updated: TimeRange,
    /// A run not finished has no `finished_at`: a range on it lists finished runs only.
    pub finished: TimeRange,
}

impl JobRunFilter {
    /// Times without an offset are read in `tz`.
    pub fn parse(raw: &Map<String, Value>, tz: Tz) -> Result<JobRunFilter, Errors> {
        let f = Filters::parse_in(raw, FILTERS, tz)?;
        Ok(JobRunFilter {
            currently_running: f.bool("currently_running"),
            run_key: f.ints("run_key"),
            status: f
                .strs("status")
                .map(|v| v.iter().map(|s| s.trim().to_lowercase()).collect()),
            job_type: f.strs("job_type"),
            process_id: f.ints("process_id"),
            automation_id: f.ints("automation_id"),
            user_id: f.ints("user_id"),
            step_id: f.ints("step_id"),
            created: f.time_range("created"),
            updated: f.time_range("updated"),
            finished: f.time_range("finished"),
        })
    }

    /// The lower-cased statuses of unfinished runs: `currently_running=true` lists runs in
    /// one of them, `false` runs in none of them (so an unknown status counts as finished,
    /// as [`Status::is_finished_name`] says).
    pub fn unfinished_statuses() -> Vec<String> {
        Status::running(true)
            .into_iter()
            .map(str::to_lowercase)
            .collect()
    }
}

/// The most of a run's output file one answer of GET /v1/job_runs/:id/output carries.
pub const OUTPUT_LIMIT: u64 = 1024 * 1024;
/// The least `limit` that is honoured: the longest UTF-8 character, so that every answer of
/// a file with bytes left moves on.
pub const OUTPUT_MIN_LIMIT: u64 = 4;
pub use crate::errors::messages::{NOT_A_NON_NEGATIVE_INTEGER, NOT_A_POSITIVE_INTEGER};

/// The query of GET /v1/job_runs/:id/output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputRequest {
    /// The first byte of the file to answer with.
    pub offset: u64,
    /// At most this many bytes of the file, within [`OUTPUT_MIN_LIMIT`, `OUTPUT_LIMIT`].
    pub limit: u64,
}

impl OutputRequest {
    /// `offset` (default 0) and `limit` (default [`OUTPUT_LIMIT`]; more is taken as the
    /// maximum, less than [`OUTPUT_MIN_LIMIT`] as that minimum). Other names (the token) are
    /// not ours to judge. Values are plain decimal digits up to `i64::MAX`, as the answer
    /// shows offsets as integers.
    pub fn parse(query: &Map<String, Value>) -> Result<OutputRequest, Errors> {
        let mut errors = Errors::new();
        let offset = match query.get("offset").map(read_count) {
            None => 0,
            Some(Some(offset)) => offset,
            Some(None) => {
                errors.add("offset", NOT_A_NON_NEGATIVE_INTEGER);
                0
            }
        };
        let limit = match query.get("limit").map(read_count) {
            None => OUTPUT_LIMIT,
            Some(Some(limit)) if limit > 0 => limit.clamp(OUTPUT_MIN_LIMIT, OUTPUT_LIMIT),
            Some(_) => {
                errors.add("limit", NOT_A_POSITIVE_INTEGER);
                OUTPUT_LIMIT
            }
        };
        errors.into_result()?;
        Ok(OutputRequest { offset, limit })
    }
}

/// One answer of GET /v1/job_runs/:id/output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRunOutput {
    pub id: i64,
    pub offset: u64,
    /// Where the next call goes on from: `offset` plus the bytes `output` stands for.
    pub next_offset: u64,
    pub finished: bool,
    pub status: String,
    pub output: String,
}

/// The text of `bytes`, a piece of a run's output file, and how many of them it stands for.
///
/// Invalid bytes become U+FFFD. An incomplete character at the end is held back (not
/// counted), so the next piece, read from where this one stops, has it whole; unless
/// `at_end` says nothing can follow it (the file is complete and `bytes` reach its end),
/// when it becomes U+FFFD too and the piece stands for every byte.
pub fn decode_output(bytes: &[u8], at_end: bool) -> (String, usize) {
    let mut text = String::with_capacity(bytes.len());
    let mut rest = bytes;
    loop {
        let error = match std::str::from_utf8(rest) {
            Ok(valid) => {
                text.push_str(valid);
                return (text, bytes.len());
            }
            Err(error) => error,
        };
        let (valid, after) = rest.split_at(error.valid_up_to());
        text.push_str(&String::from_utf8_lossy(valid));
        match error.error_len() {
            Some(invalid) => {
                text.push('\u{FFFD}');
                rest = after.get(invalid..).unwrap_or_default();
            }
            None if at_end => {
                text.push('\u{FFFD}');
                return (text, bytes.len());
            }
            None => return (text, bytes.len() - after.len()),
        }
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
    #[test]
    fn unknown_statuses_count_as_finished() {
        assert!(!Status::is_finished_name("running"));
        assert!(!Status::is_finished_name(" STARTING "));
        assert!(Status::is_finished_name("Complete"));
        assert!(Status::is_finished_name("Cancelled"));
        assert!(Status::is_finished_name("Weird"));
    }

    fn raw(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn filters_of_the_page() {
        use serde_json::json;
        let f = JobRunFilter::parse(&raw(json!({
            "currently_running": "t", "run_key": "1346787283", "status": ["Complete", " PROBLEM "],
            "job_type": "automation", "process_id": 7408, "automation_id": ["6", 7],
            "user_id": "1", "step_id": "35"
        })), Tz::UTC)
        .unwrap();
        assert_eq!(
            f,
            JobRunFilter {
                currently_running: Some(true),
                run_key: Some(vec![1_346_787_283]),
                status: Some(vec!["complete".into(), "problem".into()]),
                job_type: Some(vec!["automation".into()]),
                process_id: Some(vec![7408]),
                automation_id: Some(vec![6, 7]),
                user_id: Some(vec![1]),
                step_id: Some(vec![35]),
                ..JobRunFilter::default()
            }
        );
        assert_eq!(
            JobRunFilter::parse(&Map::new(), Tz::UTC).unwrap(),
            JobRunFilter::default()
        );
        assert_eq!(
            JobRunFilter::unfinished_statuses(),
            vec!["starting", "running"]
        );
    }

    #[test]
    fn unknown_filters_and_bad_values_are_named() {
        use serde_json::json;
        let err = JobRunFilter::parse(
            &raw(json!({
                "colour": "red", "currently_running": "maybe", "step_id": "x",
                "finished_before": "yesterday"
            })),
            Tz::UTC,
        )
        .unwrap_err();
        assert_eq!(
            err.grouped(),
            vec![
                ("colour", vec!["is not a supported filter"]),
                ("currently_running", vec!["is not included in the list"]),
                ("finished_before", vec!["is not a valid time"]),
                ("step_id", vec!["is not a number"]),
            ]
        );
    }

    #[test]
    fn output_request_defaults_and_bounds() {
        use serde_json::json;
        let parse = |v: Value| OutputRequest::parse(&raw(v));
        let full = |offset, limit| Ok(OutputRequest { offset, limit });
        assert_eq!(parse(json!({"token": "x"})), full(0, OUTPUT_LIMIT));
        assert_eq!(
            parse(json!({"offset": "12", "limit": "100"})),
            full(12, 100)
        );
        assert_eq!(parse(json!({"offset": " 0 ", "limit": 1})), full(0, 4));
        assert_eq!(parse(json!({"limit": "99999999"})), full(0, OUTPUT_LIMIT));
        assert_eq!(
            parse(json!({"offset": "9223372036854775807"})),
            full(i64::MAX as u64, OUTPUT_LIMIT)
        );
    }

    #[test]
    fn output_request_refuses_what_is_not_a_count() {
        use serde_json::json;
        let offset_error = Err({
            let mut e = Errors::new();
            e.add("offset", NOT_A_NON_NEGATIVE_INTEGER);
            e
        });
        for bad in [
            json!("-1"),
            json!("+1"),
            json!("1.5"),
            json!("abc"),
            json!(""),
            json!("9223372036854775808"),
            json!(-1),
            json!(1.5),
            json!(["1"]),
            json!({"a": 1}),
            json!(null),
        ] {
            assert_eq!(
                OutputRequest::parse(&raw(json!({"offset": bad}))),
                offset_error,
                "{bad}"
            );
        }
        let err = OutputRequest::parse(&raw(json!({"offset": "x", "limit": "0"}))).unwrap_err();
        assert_eq!(
            err.grouped(),
            vec![
                ("offset", vec![NOT_A_NON_NEGATIVE_INTEGER]),
                ("limit", vec![NOT_A_POSITIVE_INTEGER]),
            ]
        );
    }

    #[test]
    fn decoding_keeps_whole_characters() {
        assert_eq!(decode_output(b"plain", false), ("plain".into(), 5));
        assert_eq!(decode_output(b"", true), (String::new(), 0));
        // "caf\u{e9}" cut inside the \u{e9}: held back, then whole in the next piece.
        let cafe = "café €😀".as_bytes();
        assert_eq!(decode_output(&cafe[..4], false), ("caf".into(), 3));
        assert_eq!(decode_output(&cafe[3..5], false), ("é".into(), 2));
        // Every cut of a 3- and a 4-byte character.
        for cut in 7..9 {
            assert_eq!(decode_output(&cafe[..cut], false), ("café ".into(), 6));
        }
        for cut in 10..13 {
            assert_eq!(decode_output(&cafe[..cut], false), ("café €".into(), 9));
        }
        assert_eq!(decode_output(cafe, false), ("café €😀".into(), cafe.len()));
    }

    #[test]
    fn invalid_bytes_become_replacement_characters() {
        assert_eq!(decode_output(b"a\xffb", false), ("a\u{FFFD}b".into(), 3));
        // A stray continuation byte (an offset inside a character) and a bad sequence.
        assert_eq!(decode_output(b"\xa9x", false), ("\u{FFFD}x".into(), 2));
        assert_eq!(decode_output(b"\xe2\x82A", false), ("\u{FFFD}A".into(), 3));
        // An incomplete character at the very end of a complete file is not held back.
        assert_eq!(decode_output(b"ok\xe2\x82", true), ("ok\u{FFFD}".into(), 4));
        assert_eq!(decode_output(b"ok\xe2\x82", false), ("ok".into(), 2));
    }
}
