//! The job-run sample output of rest-job-runs.txt, reproduced from a `Node`.

use chrono::{NaiveDate, NaiveDateTime};
use quick_xml::events::Event;
use runsheet_format::{to_json, to_xml, List, Node, Record, RenderOptions};

const RESULTS_PATH: &str =
    "[...]/Portal/public/automation_results/request/SmartRelease/1003/step_35/output_1346787283.txt";

fn utc(h: u32, mi: u32, s: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2012, 9, 4)
        .and_then(|date| date.and_hms_opt(h, mi, s))
        .expect("valid literal time")
}

fn job_run() -> Record {
    Record::new()
        .field("automation_id", 6)
        .field("created_at", utc(19, 34, 44))
        .field("finished_at", utc(19, 37, 18))
        .field("id", 1)
        .field("job_type", "automation")
        .field("process_id", 7408)
        .field("results_path", RESULTS_PATH)
        .field("run_key", 1_346_787_283i64)
        .field("started_at", utc(19, 34, 44))
        .field("status", "Complete")
        .field("stderr", None::<String>)
        .field("stdout", None::<String>)
        .field("updated_at", utc(19, 37, 18))
        .field(
            "step",
            Record::new()
                .field("aasm_state", "complete")
                .field("id", 35)
                .field("name", "Test Automation")
                .field(
                    "request",
                    Record::new()
                        .field("aasm_state", "complete")
                        .field("id", 3)
                        .field("name", "Request Example"),
                ),
        )
}

fn new_york() -> RenderOptions {
    RenderOptions::new(chrono_tz::America::New_York)
}

/// Verbatim from the sample (GET /v1/job_runs, JSON).
const SAMPLE_JSON: &str = r#"[{
"automation_id": 6,
"created_at": "2012-09-04T15:34:44-04:00",
"finished_at": "2012-09-04T15:37:18-04:00",
"id": 1,
"job_type": "automation",
"process_id": 7408,
"results_path": "[...]/Portal/public/automation_results/request/SmartRelease/1003/step_35/output_1346787283.txt",
"run_key": 1346787283,
"started_at": "2012-09-04T15:34:44-04:00",
"status": "Complete",
"stderr": null,
"stdout": null,
"updated_at": "2012-09-04T15:37:18-04:00",
"step": {
"aasm_state": "complete",
"id": 35,
"name": "Test Automation",
"request": {
"aasm_state": "complete",
"id": 3,
"name": "Request Example"
}
}
}]"#;

/// The sample (GET /v1/job_runs/1, XML), indented by 2 spaces as we write it.
const SAMPLE_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<job-run>
  <automation-id type="integer">6</automation-id>
  <created-at type="datetime">2012-09-04T15:34:44-04:00</created-at>
  <finished-at type="datetime">2012-09-04T15:37:18-04:00</finished-at>
  <id type="integer">1</id>
  <job-type>automation</job-type>
  <process-id type="integer">7408</process-id>
  <results-path>[...]/Portal/public/automation_results/request/SmartRelease/1003/step_35/output_1346787283.txt</results-path>
  <run-key type="integer">1346787283</run-key>
  <started-at type="datetime">2012-09-04T15:34:44-04:00</started-at>
  <status>Complete</status>
  <stderr nil="true"></stderr>
  <stdout nil="true"></stdout>
  <updated-at type="datetime">2012-09-04T15:37:18-04:00</updated-at>
  <step>
    <aasm-state>complete</aasm-state>
    <id type="integer">35</id>
    <name>Test Automation</name>
    <request>
      <aasm-state>complete</aasm-state>
      <id type="integer">3</id>
      <name>Request Example</name>
    </request>
  </step>
</job-run>
"#;

#[test]
fn json_list_matches_the_sample_as_a_value() {
    let list = List::new("job_run", [job_run()]);
    let rendered = to_json(&Node::List(list), &new_york());
    let actual: serde_json::Value = serde_json::from_slice(&rendered).expect("valid JSON");
    let expected: serde_json::Value = serde_json::from_str(SAMPLE_JSON).expect("valid sample");
    assert_eq!(actual, expected);
}

#[test]
fn json_keeps_the_sample_key_order() {
    let rendered = to_json(&Node::Record(job_run()), &new_york());
    let compact_sample: String = SAMPLE_JSON
        .lines()
        .map(|line| line.replacen("\": ", "\":", 1))
        .collect::<Vec<_>>()
        .join("");
    let expected = compact_sample
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .expect("sample is a one-item list");
    assert_eq!(String::from_utf8(rendered).expect("utf-8"), expected);
}

#[test]
fn xml_matches_the_sample_exactly() {
    let rendered = to_xml("job-run", &Node::Record(job_run()), &new_york());
    assert_eq!(String::from_utf8(rendered).expect("utf-8"), SAMPLE_XML);
}

/// Elements, attributes and non-blank text in document order.
fn xml_events(xml: &[u8]) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut events = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(start) | Event::Empty(start) => {
                let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                let attributes: Vec<String> = start
                    .attributes()
                    .map(|a| {
                        let a = a.expect("attribute");
                        format!(
                            "{}={}",
                            String::from_utf8_lossy(a.key.as_ref()),
                            a.unescape_value().expect("value")
                        )
                    })
                    .collect();
                events.push(format!("<{name} {}>", attributes.join(" ")));
            }
            Event::End(end) => {
                events.push(format!(
                    "</{}>",
                    String::from_utf8_lossy(end.name().as_ref())
                ));
            }
            Event::Text(text) => {
                let text = text.decode().expect("utf-8");
                if !text.trim().is_empty() {
                    events.push(text.into_owned());
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    events
}

#[test]
fn xml_matches_the_sample_element_by_element() {
    let rendered = to_xml("job_run", &Node::Record(job_run()), &new_york());
    assert_eq!(xml_events(&rendered), xml_events(SAMPLE_XML.as_bytes()));
}

#[test]
fn json_times_in_utc_use_z() {
    let rendered = to_json(&Node::Record(job_run()), &RenderOptions::default());
    let value: serde_json::Value = serde_json::from_slice(&rendered).expect("valid JSON");
    assert_eq!(value["created_at"], "2012-09-04T19:34:44Z");
    assert_eq!(value["finished_at"], "2012-09-04T19:37:18Z");
}
