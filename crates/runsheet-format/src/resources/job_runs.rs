use crate::{Key, Node, Out, Record};
use runsheet_core::job_run::JobRunOutput;
use runsheet_core::notification::{JobRunRecord, JobRunRequest, JobRunStep};

/// Writes a job run as `name`, as rest-job-runs.txt's sample shows it: its scalars, then its
/// step (with the step's request). A job run whose step is gone shows no step; a step
/// outside a request shows no request.
pub fn write_job_run(out: &mut dyn Out, name: &str, record: &JobRunRecord) {
    let j = &record.job_run;
    out.record(Key::data(name), |out| {
        out.field("automation_id", j.automation_id);
        out.field("created_at", j.created_at);
        out.field("finished_at", j.finished_at);
        out.field("id", j.id);
        out.field("job_type", j.job_type.as_str());
        out.field("process_id", j.process_id);
        out.field("results_path", j.results_path.as_deref());
        out.field("run_key", j.run_key);
        out.field("started_at", j.started_at);
        out.field("status", j.status.as_str());
        out.field("stderr", j.stderr.as_deref());
        out.field("stdout", j.stdout.as_deref());
        out.field("updated_at", j.updated_at);
        out.opt_record("step", record.step.as_ref(), step);
    });
}

/// A piece of a run's output (GET /v1/job_runs/:id/output): not a model, so its fields come
/// in the order they read best rather than alphabetically; the XML root is `output`.
pub fn output(output: &JobRunOutput) -> Node {
    Record::new()
        .field("id", output.id)
        .field("offset", offset(output.offset))
        .field("next_offset", offset(output.next_offset))
        .field("finished", output.finished)
        .field("status", output.status.as_str())
        .field("output", output.output.as_str())
        .into()
}

/// Offsets are bounded by a file's length and the query's parser, both below `i64::MAX`.
fn offset(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn step(out: &mut dyn Out, step: &JobRunStep) {
    out.field("aasm_state", step.aasm_state.as_str());
    out.field("id", step.id);
    out.field("name", step.name.as_deref());
    out.opt_record("request", step.request.as_ref(), request);
}

fn request(out: &mut dyn Out, request: &JobRunRequest) {
    out.field("aasm_state", request.aasm_state.as_str());
    out.field("id", request.id);
    out.field("name", request.name.as_deref());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{render, to_json, to_xml, Format, RenderOptions};
    use chrono::{NaiveDate, NaiveDateTime};
    use runsheet_core::notification::JobRun;
    use serde_json::json;

    fn utc(h: u32, mi: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2012, 9, 4)
            .and_then(|date| date.and_hms_opt(h, mi, s))
            .expect("valid literal time")
    }

    const RESULTS_PATH: &str = "[...]/Portal/public/automation_results/request/SmartRelease/1003/step_35/output_1346787283.txt";

    /// The record of rest-job-runs.txt's sample output.
    fn sample() -> JobRunRecord {
        JobRunRecord {
            job_run: JobRun {
                id: 1,
                job_type: "automation".into(),
                status: "Complete".into(),
                run_key: Some(1_346_787_283),
                automation_id: Some(6),
                user_id: Some(1),
                step_id: Some(35),
                process_id: Some(7408),
                results_path: Some(RESULTS_PATH.into()),
                stdout: None,
                stderr: None,
                started_at: Some(utc(19, 34, 44)),
                finished_at: Some(utc(19, 37, 18)),
                created_at: utc(19, 34, 44),
                updated_at: utc(19, 37, 18),
            },
            step: Some(JobRunStep {
                id: 35,
                name: Some("Test Automation".into()),
                aasm_state: "complete".into(),
                request: Some(JobRunRequest {
                    id: 3,
                    name: Some("Request Example".into()),
                    aasm_state: "complete".into(),
                }),
            }),
        }
    }

    fn new_york() -> RenderOptions {
        RenderOptions::new(chrono_tz::America::New_York)
    }

    fn rendered(format: Format, record: &JobRunRecord) -> Vec<u8> {
        render(format, "job_run", &new_york(), |out, name| {
            write_job_run(out, name, record)
        })
    }

    #[test]
    fn json_is_the_sample_in_its_key_order() {
        let rendered = rendered(Format::Json, &sample());
        let text = String::from_utf8(rendered).expect("utf-8");
        let expected = json!({
            "automation_id": 6,
            "created_at": "2012-09-04T15:34:44-04:00",
            "finished_at": "2012-09-04T15:37:18-04:00",
            "id": 1,
            "job_type": "automation",
            "process_id": 7408,
            "results_path": RESULTS_PATH,
            "run_key": 1_346_787_283,
            "started_at": "2012-09-04T15:34:44-04:00",
            "status": "Complete",
            "stderr": null,
            "stdout": null,
            "updated_at": "2012-09-04T15:37:18-04:00",
            "step": {
                "aasm_state": "complete",
                "id": 35,
                "name": "Test Automation",
                "request": {"aasm_state": "complete", "id": 3, "name": "Request Example"}
            }
        });
        let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(value, expected);
        let keys: Vec<&str> = text
            .match_indices("\":")
            .map(|(at, _)| {
                let start = text[..at].rfind('"').map_or(0, |q| q + 1);
                &text[start..at]
            })
            .collect();
        assert_eq!(
            keys,
            [
                "automation_id",
                "created_at",
                "finished_at",
                "id",
                "job_type",
                "process_id",
                "results_path",
                "run_key",
                "started_at",
                "status",
                "stderr",
                "stdout",
                "updated_at",
                "step",
                "aasm_state",
                "id",
                "name",
                "request",
                "aasm_state",
                "id",
                "name"
            ]
        );
    }

    #[test]
    fn xml_is_the_sample() {
        let rendered = rendered(Format::Xml, &sample());
        let text = String::from_utf8(rendered).expect("utf-8");
        assert!(
            text.contains("<job-run>\n  <automation-id type=\"integer\">6</automation-id>\n"),
            "{text}"
        );
        assert!(
            text.contains("  <stderr nil=\"true\"></stderr>\n  <stdout nil=\"true\"></stdout>\n"),
            "{text}"
        );
        assert!(text.contains("  <step>\n    <aasm-state>complete</aasm-state>\n    <id type=\"integer\">35</id>\n    <name>Test Automation</name>\n    <request>\n      <aasm-state>complete</aasm-state>\n"), "{text}");
    }

    #[test]
    fn a_missing_step_or_request_is_left_out() {
        let mut record = sample();
        if let Some(step) = record.step.as_mut() {
            step.request = None;
        }
        let value: serde_json::Value =
            serde_json::from_slice(&rendered(Format::Json, &record)).expect("valid JSON");
        assert_eq!(value["step"].get("request"), None);
        record.step = None;
        let value: serde_json::Value =
            serde_json::from_slice(&rendered(Format::Json, &record)).expect("valid JSON");
        assert_eq!(value.get("step"), None);
    }
    fn output_sample() -> JobRunOutput {
        JobRunOutput {
            id: 1,
            offset: 10,
            next_offset: 17,
            finished: false,
            status: "Running".into(),
            output: "a <b> & \u{e9}\r\n".into(),
        }
    }

    #[test]
    fn output_in_json() {
        let rendered = to_json(&output(&output_sample()), &new_york());
        assert_eq!(
            String::from_utf8(rendered).expect("utf-8"),
            r#"{"id":1,"offset":10,"next_offset":17,"finished":false,"status":"Running","output":"a <b> & é\r\n"}"#
        );
    }

    #[test]
    fn output_in_xml() {
        let rendered = to_xml("output", &output(&output_sample()), &new_york());
        assert_eq!(
            String::from_utf8(rendered).expect("utf-8"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<output>\n  <id type=\"integer\">1</id>\n  <offset type=\"integer\">10</offset>\n  <next-offset type=\"integer\">17</next-offset>\n  <finished type=\"boolean\">false</finished>\n  <status>Running</status>\n  <output>a &lt;b&gt; &amp; \u{e9}&#13;\n</output>\n</output>\n"
        );
    }
}
