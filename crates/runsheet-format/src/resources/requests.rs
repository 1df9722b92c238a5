//! A request: its attributes, its people, environment, apps, and every step it runs.

use crate::{List, Node, Record, RenderOptions};
use runsheet_core::request::{NamedRef, PersonRef, RequestRecord, RequestStep};
use runsheet_core::transition::Machine;

pub fn request(record: &RequestRecord, options: &RenderOptions) -> Node {
    let r = &record.request;
    Record::new()
        .field("aasm_state", r.aasm_state.name())
        .field("cancelled_at", r.cancelled_at)
        .field("completed_at", r.completed_at)
        .field("created_at", r.created_at)
        .field("description", r.description.clone())
        .field("environment_id", r.environment_id)
        .field("estimate", r.estimate)
        .field("id", r.id)
        .field("name", r.name.clone())
        .field("number", options.request_number(r.id))
        .field("owner_id", r.owner_id)
        .field("requestor_id", r.requestor_id)
        .field("scheduled_at", r.scheduled_at)
        .field("started_at", r.started_at)
        .field("target_completion_at", r.target_completion_at)
        .field("updated_at", r.updated_at)
        .opt("owner", record.owner.as_ref().map(person))
        .opt("requestor", record.requestor.as_ref().map(person))
        .opt("environment", record.environment.as_ref().map(named))
        .field("apps", List::new("app", record.apps.iter().map(named)))
        .field("steps", List::new("step", record.steps.iter().map(step)))
        .into()
}

fn person(p: &PersonRef) -> Record {
    Record::new()
        .field("email", p.email.as_str())
        .field("id", p.id)
        .field("login", p.login.as_str())
}

fn named(n: &NamedRef) -> Record {
    Record::new()
        .field("id", n.id)
        .field("name", n.name.as_str())
}

/// A step as its request lists it; `number` is a string ("2.1" inside a procedure).
fn step(s: &RequestStep) -> Record {
    Record::new()
        .field("aasm_state", s.aasm_state.as_str())
        .field("component_name", s.component_name.clone())
        .field("component_version", s.component_version.clone())
        .field("id", s.id)
        .field("manual", s.manual)
        .field("name", s.name.clone())
        .field("number", s.number.as_str())
        .field("position", s.position)
        .field("work_finished_at", s.work_finished_at)
        .field("work_started_at", s.work_started_at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{to_json, to_xml};
    use chrono::NaiveDate;
    use runsheet_core::request::Request;
    use runsheet_core::request_state::RequestState;

    fn record() -> RequestRecord {
        let t = NaiveDate::from_ymd_opt(2012, 9, 4)
            .and_then(|d| d.and_hms_opt(19, 34, 44))
            .expect("a valid time");
        RequestRecord {
            request: Request {
                id: 5,
                name: Some("Release".into()),
                description: None,
                aasm_state: RequestState::Created,
                owner_id: Some(1),
                requestor_id: Some(1),
                environment_id: None,
                estimate: Some(30),
                scheduled_at: None,
                target_completion_at: None,
                started_at: None,
                completed_at: None,
                cancelled_at: None,
                created_at: t,
                updated_at: t,
            },
            owner: Some(PersonRef {
                id: 1,
                login: "admin".into(),
                email: "a@b".into(),
            }),
            requestor: None,
            environment: None,
            apps: vec![],
            steps: vec![RequestStep {
                id: 9,
                parent_id: None,
                name: Some("Deploy".into()),
                aasm_state: "locked".into(),
                position: 1,
                number: "1".into(),
                manual: true,
                component_version: None,
                component_name: Some("web".into()),
                work_started_at: None,
                work_finished_at: None,
            }],
        }
    }

    #[test]
    fn number_is_the_id_plus_the_base_and_missing_belongs_to_are_left_out() {
        let options = RenderOptions {
            request_number_base: 5000,
            ..RenderOptions::default()
        };
        let json = to_json(&request(&record(), &options), &options);
        let value: serde_json::Value = serde_json::from_slice(&json).expect("JSON");
        assert_eq!(value["number"], 5005);
        assert_eq!(value["owner"]["login"], "admin");
        assert!(value.get("requestor").is_none() && value.get("environment").is_none());
        assert_eq!(value["steps"][0]["number"], "1");
        assert_eq!(value["steps"][0]["component_name"], "web");
    }

    #[test]
    fn xml_names() {
        let options = RenderOptions::default();
        let xml = String::from_utf8(to_xml("request", &request(&record(), &options), &options))
            .expect("UTF-8");
        assert!(
            xml.contains("<number type=\"integer\">1005</number>"),
            "{xml}"
        );
        assert!(xml.contains("<apps type=\"array\"/>"), "{xml}");
        assert!(xml.contains("<steps type=\"array\">"), "{xml}");
        assert!(
            xml.contains("<component-name>web</component-name>"),
            "{xml}"
        );
    }
}
