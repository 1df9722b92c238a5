//! Notifications sent from steps (`notify[...]` on GET /v1/steps/:id): reading the
//! parameters, the default recipients, the page's subject and body templates, and the job
//! run that records each one. Pure: the server sends, the store records.

use crate::errors::{messages, Errors};
use crate::job_run::Status;
use crate::params::Params;
use chrono::{NaiveDateTime, SecondsFormat, TimeZone};
use chrono_tz::Tz;
use serde_json::{Map, Value};

/// `job_type` of the job run that records a notification.
pub const JOB_TYPE: &str = "notification";
/// `status` of a notification that went out.
pub const COMPLETE: Status = Status::Complete;
/// `status` of a notification that could not be sent.
pub const PROBLEM: Status = Status::Problem;

/// What the client asked for; `None` is "not given" (the default applies).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifyParams {
    pub recipients: Option<Vec<String>>,
    pub subject: Option<String>,
    pub body: Option<String>,
}

impl NotifyParams {
    /// Reads the `notify` object. `recipients` is a comma-separated string or a list of
    /// them; a blank one is not given. Every address must look like one.
    pub fn parse(notify: &Value) -> Result<NotifyParams, Errors> {
        let mut attrs: Map<String, Value> = match notify {
            Value::Object(attrs) => attrs.clone(),
            Value::Null => Map::new(),
            Value::String(s) if s.trim().is_empty() => Map::new(),
            _ => {
                let mut errors = Errors::new();
                errors.add("notify", messages::INVALID);
                return Err(errors);
            }
        };
        let raw_recipients = attrs.remove("recipients");
        let mut params = Params::from_map(attrs);
        let subject = params.opt_string("subject").flatten();
        let body = params.opt_string("body").flatten();
        let mut errors = match params.finish(&[]) {
            Ok(()) => Errors::new(),
            Err(errors) => errors,
        };
        let recipients = match raw_recipients.map(|v| split_recipients(&v)) {
            None => None,
            Some(Err(())) => {
                errors.add("recipients", messages::INVALID);
                None
            }
            Some(Ok(list)) => {
                for address in list.iter().filter(|a| !looks_like_address(a)) {
                    errors.add("recipients", format!("{address} {}", NOT_AN_ADDRESS));
                }
                Some(list).filter(|l| !l.is_empty())
            }
        };
        errors.into_result()?;
        Ok(NotifyParams {
            recipients,
            subject: subject.filter(|s| !s.trim().is_empty()),
            body,
        })
    }
}

/// Said of each recipient that is not an email address: `x is not a valid address`.
pub const NOT_AN_ADDRESS: &str = "is not a valid address";

/// `"a@x, b@y"`, `["a@x", "b@y, c@z"]` (XML and `recipients[]=` give lists): the addresses,
/// trimmed, blanks dropped, duplicates (case-insensitive) dropped.
fn split_recipients(value: &Value) -> Result<Vec<String>, ()> {
    let parts: Vec<&str> = match value {
        Value::Null => Vec::new(),
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.as_str()),
                Value::Null => Ok(""),
                _ => Err(()),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(()),
    };
    let mut addresses: Vec<String> = Vec::new();
    for address in parts.iter().flat_map(|p| p.split(',')).map(str::trim) {
        let seen = addresses.iter().any(|a| a.eq_ignore_ascii_case(address));
        if !address.is_empty() && !seen {
            addresses.push(address.to_string());
        }
    }
    Ok(addresses)
}

/// `local@domain` in plain ASCII: the local part of RFC 5322 atoms joined by dots, the
/// domain of DNS labels (`localhost` alone is one). Stricter than the RFC on purpose: what
/// passes here, every mail transport takes.
pub fn looks_like_address(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(atext));
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let domain_ok = !domain.is_empty() && domain.len() <= 253 && domain.split('.').all(label_ok);
    local_ok && domain_ok
}

/// Who owns a step, with the addresses a notification would go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    User {
        email: String,
    },
    Group {
        email: Option<String>,
        /// The emails of its active members.
        member_emails: Vec<String>,
    },
    /// No owner, or one that no longer exists.
    Nobody,
}

impl Owner {
    /// The step's default notification recipients: its user, or its group's own address
    /// when it has one, else the group's active members.
    pub fn recipients(&self) -> Vec<String> {
        let present = |s: &String| !s.trim().is_empty();
        match self {
            Owner::User { email } => vec![email.clone()].into_iter().filter(present).collect(),
            Owner::Group {
                email: Some(email), ..
            } if present(email) => vec![email.clone()],
            Owner::Group { member_emails, .. } => member_emails
                .iter()
                .filter(|e| present(e))
                .cloned()
                .collect(),
            Owner::Nobody => Vec::new(),
        }
    }
}

/// What the templates say of a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepMail {
    pub step_id: i64,
    pub step_name: Option<String>,
    pub step_position: i64,
    pub request: Option<RequestMail>,
    /// The name of the step's script, if it has one.
    pub script_name: Option<String>,
    pub work_started_at: Option<NaiveDateTime>,
    pub owner: Owner,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestMail {
    /// The request's number (id plus the configured base), as users know it.
    pub number: i64,
    pub name: Option<String>,
}

/// A notification ready to go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub recipients: Vec<String>,
    pub subject: String,
    pub body: String,
}

impl Notification {
    /// Fills in what was not given: recipients from the owner, the page's subject template,
    /// and the page's text around the body. `now` stands in for a step not started yet.
    pub fn compose(
        params: &NotifyParams,
        step: &StepMail,
        tz: Tz,
        now: NaiveDateTime,
    ) -> Result<Notification, Errors> {
        let recipients = match &params.recipients {
            Some(given) => given.clone(),
            None => step.owner.recipients(),
        };
        if recipients.is_empty() {
            let mut errors = Errors::new();
            errors.add("recipients", messages::BLANK);
            return Err(errors);
        }
        let subject = match &params.subject {
            Some(subject) => subject.clone(),
            None => default_subject(step),
        };
        Ok(Notification {
            recipients,
            subject: one_line(&subject),
            body: body_text(step, params.body.as_deref().unwrap_or(""), tz, now),
        })
    }

    /// The job run's stdout: one line, who it went to and what it said.
    pub fn summary(&self) -> String {
        format!(
            "To: {}; Subject: {}",
            self.recipients.join(", "),
            self.subject
        )
    }
}

/// `<request_ID>`: the request's number; a step outside a request (a procedure's) has none.
fn request_id(step: &StepMail) -> String {
    step.request
        .as_ref()
        .map_or_else(String::new, |r| r.number.to_string())
}

/// `Notification from <request_ID>, Step: <step_position>:<step_name>`
pub fn default_subject(step: &StepMail) -> String {
    format!(
        "Notification from {}, Step: {}:{}",
        request_id(step),
        step.step_position,
        step.step_name.as_deref().unwrap_or("")
    )
}

/// ```text
/// <request_ID>, <request_name>
///
/// Message from <script_name> : <time of start>
///
/// <body>
/// ```
/// The script name is the step's own when it runs no script; the time of start is when
/// work on the step started, else `now`, in ISO 8601 in `tz`.
pub fn body_text(step: &StepMail, body: &str, tz: Tz, now: NaiveDateTime) -> String {
    let request_name = step
        .request
        .as_ref()
        .and_then(|r| r.name.as_deref())
        .unwrap_or("");
    let script_name = step
        .script_name
        .as_deref()
        .or(step.step_name.as_deref())
        .unwrap_or("");
    let started = iso8601(step.work_started_at.unwrap_or(now), tz);
    format!(
        "{}, {request_name}\n\nMessage from {script_name} : {started}\n\n{body}",
        request_id(step)
    )
}

/// `2012-09-04T15:34:44-04:00`, `Z` in UTC, as the API shows times.
pub fn iso8601(utc: NaiveDateTime, tz: Tz) -> String {
    let use_z = matches!(tz, Tz::UTC | Tz::Etc__UTC);
    tz.from_utc_datetime(&utc)
        .to_rfc3339_opts(SecondsFormat::Secs, use_z)
}

/// A subject is one header line: line breaks become spaces.
fn one_line(text: &str) -> String {
    text.split(['\r', '\n'])
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A job run, as table `job_runs` holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRun {
    pub id: i64,
    pub job_type: String,
    pub status: String,
    pub run_key: Option<i64>,
    pub automation_id: Option<i64>,
    pub user_id: Option<i64>,
    pub step_id: Option<i64>,
    pub process_id: Option<i64>,
    pub results_path: Option<String>,
    pub stdout: Option<String>,
    pub stderr: Option<String>,
    pub started_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A job run with the step (and its request) it ran for, as the representation nests them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRunRecord {
    pub job_run: JobRun,
    pub step: Option<JobRunStep>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRunStep {
    pub id: i64,
    pub name: Option<String>,
    pub aasm_state: String,
    pub request: Option<JobRunRequest>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRunRequest {
    pub id: i64,
    pub name: Option<String>,
    pub aasm_state: String,
}

/// A notification's job run before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJobRun {
    pub status: Status,
    pub user_id: i64,
    pub step_id: i64,
    pub stdout: String,
    pub stderr: Option<String>,
    pub started_at: NaiveDateTime,
    pub finished_at: NaiveDateTime,
}

impl NewJobRun {
    /// The run key of the original: the start time in epoch seconds.
    pub fn run_key(&self) -> i64 {
        self.started_at.and_utc().timestamp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use serde_json::json;

    fn at(h: u32, mi: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2012, 9, 4)
            .and_then(|d| d.and_hms_opt(h, mi, s))
            .expect("valid literal time")
    }

    fn step() -> StepMail {
        StepMail {
            step_id: 35,
            step_name: Some("Deploy".into()),
            step_position: 3,
            request: Some(RequestMail {
                number: 1003,
                name: Some("Release 1".into()),
            }),
            script_name: Some("deploy.sh".into()),
            work_started_at: Some(at(19, 34, 44)),
            owner: Owner::User {
                email: "jo@example.com".into(),
            },
        }
    }

    fn errors(pairs: &[(&str, &str)]) -> Errors {
        let mut errors = Errors::new();
        for (attribute, message) in pairs {
            errors.add(*attribute, *message);
        }
        errors
    }

    // "Subject: Notification from <request_ID>, Step: <step_position>:<step_name>"
    #[test]
    fn the_subject_template() {
        assert_eq!(
            default_subject(&step()),
            "Notification from 1003, Step: 3:Deploy"
        );
    }

    // "<request_ID>, <request_name>\n\nMessage from <script_name> : <time of start>\n\n<body>"
    #[test]
    fn the_body_template_in_the_configured_zone() {
        let text = body_text(&step(), "Go ahead", Tz::America__New_York, at(23, 0, 0));
        assert_eq!(
            text,
            "1003, Release 1\n\nMessage from deploy.sh : 2012-09-04T15:34:44-04:00\n\nGo ahead"
        );
        let utc = body_text(&step(), "", Tz::UTC, at(23, 0, 0));
        assert_eq!(
            utc,
            "1003, Release 1\n\nMessage from deploy.sh : 2012-09-04T19:34:44Z\n\n"
        );
    }

    #[test]
    fn a_step_without_script_or_start_uses_its_name_and_now() {
        let mut step = step();
        step.script_name = None;
        step.work_started_at = None;
        let text = body_text(&step, "b", Tz::UTC, at(23, 0, 1));
        assert_eq!(
            text,
            "1003, Release 1\n\nMessage from Deploy : 2012-09-04T23:00:01Z\n\nb"
        );
    }

    #[test]
    fn missing_names_render_empty() {
        let mut step = step();
        step.step_name = None;
        step.script_name = None;
        step.request = None;
        assert_eq!(default_subject(&step), "Notification from , Step: 3:");
        assert_eq!(
            body_text(&step, "b", Tz::UTC, at(0, 0, 0)),
            ", \n\nMessage from  : 2012-09-04T19:34:44Z\n\nb"
        );
    }

    #[test]
    fn parse_reads_a_comma_separated_string_or_a_list() {
        let params = NotifyParams::parse(&json!({
            "recipients": " a@example.com,b@example.com , ,A@example.com",
            "subject": "Hi",
            "body": "There"
        }))
        .unwrap();
        assert_eq!(
            params,
            NotifyParams {
                recipients: Some(vec!["a@example.com".into(), "b@example.com".into()]),
                subject: Some("Hi".into()),
                body: Some("There".into()),
            }
        );
        let listed = NotifyParams::parse(&json!({"recipients": ["a@x.org", "b@y.org, c@z.org"]}))
            .unwrap()
            .recipients;
        assert_eq!(
            listed,
            Some(vec!["a@x.org".into(), "b@y.org".into(), "c@z.org".into()])
        );
    }

    #[test]
    fn blank_or_missing_parameters_are_not_given() {
        for notify in [
            json!({}),
            json!(null),
            json!(""),
            json!({"recipients": "", "subject": " "}),
            json!({"recipients": [""]}),
        ] {
            assert_eq!(
                NotifyParams::parse(&notify).unwrap(),
                NotifyParams::default(),
                "{notify}"
            );
        }
    }

    #[test]
    fn every_address_must_look_like_one() {
        let result = NotifyParams::parse(&json!({"recipients": "a@example.com, x, b@, @c.org"}));
        assert_eq!(
            result,
            Err(errors(&[
                ("recipients", "x is not a valid address"),
                ("recipients", "b@ is not a valid address"),
                ("recipients", "@c.org is not a valid address"),
            ]))
        );
    }

    #[test]
    fn wrong_shapes_and_unknown_parameters_are_422s() {
        assert_eq!(
            NotifyParams::parse(&json!(5)),
            Err(errors(&[("notify", "is invalid")]))
        );
        assert_eq!(
            NotifyParams::parse(&json!({"recipients": {"a": 1}, "cc": "x@y.z"})),
            Err(errors(&[
                ("cc", "is not a known attribute"),
                ("recipients", "is invalid")
            ]))
        );
        assert_eq!(
            NotifyParams::parse(&json!({"subject": ["a"]})),
            Err(errors(&[("subject", "is invalid")]))
        );
    }

    #[test]
    fn addresses() {
        for good in [
            "jo@example.com",
            "runsheet@localhost",
            "first.last+tag@mail.example.co.uk",
            "o'neil@x-y.org",
        ] {
            assert!(looks_like_address(good), "{good}");
        }
        for bad in [
            "",
            "jo",
            "jo@",
            "@example.com",
            "jo@@example.com",
            "jo@exa mple.com",
            "j o@example.com",
            ".jo@example.com",
            "jo..x@example.com",
            "jo@-example.com",
            "jo@example..com",
            "Jo <jo@example.com>",
            "jö@example.com",
            "jo@example.com\r\nBcc: x@y.z",
        ] {
            assert!(!looks_like_address(bad), "{bad}");
        }
    }

    #[test]
    fn default_recipients() {
        let user = Owner::User {
            email: "jo@example.com".into(),
        };
        assert_eq!(user.recipients(), vec!["jo@example.com"]);
        let members = vec!["a@example.com".to_string(), "b@example.com".to_string()];
        let with_email = Owner::Group {
            email: Some("team@example.com".into()),
            member_emails: members.clone(),
        };
        assert_eq!(with_email.recipients(), vec!["team@example.com"]);
        for email in [None, Some(String::new())] {
            let without = Owner::Group {
                email,
                member_emails: members.clone(),
            };
            assert_eq!(without.recipients(), members);
        }
        assert!(Owner::Nobody.recipients().is_empty());
    }

    #[test]
    fn compose_fills_in_the_defaults() {
        let n =
            Notification::compose(&NotifyParams::default(), &step(), Tz::UTC, at(0, 0, 0)).unwrap();
        assert_eq!(n.recipients, vec!["jo@example.com"]);
        assert_eq!(n.subject, "Notification from 1003, Step: 3:Deploy");
        assert_eq!(
            n.body,
            "1003, Release 1\n\nMessage from deploy.sh : 2012-09-04T19:34:44Z\n\n"
        );
        assert_eq!(
            n.summary(),
            "To: jo@example.com; Subject: Notification from 1003, Step: 3:Deploy"
        );
    }

    #[test]
    fn compose_keeps_what_was_given_and_a_subject_on_one_line() {
        let params = NotifyParams {
            recipients: Some(vec!["a@x.org".into(), "b@y.org".into()]),
            subject: Some("Line one\r\nBcc: evil@x.org".into()),
            body: Some("Text\nmore".into()),
        };
        let n = Notification::compose(&params, &step(), Tz::UTC, at(0, 0, 0)).unwrap();
        assert_eq!(n.recipients, vec!["a@x.org", "b@y.org"]);
        assert_eq!(n.subject, "Line one Bcc: evil@x.org");
        assert!(n.body.ends_with("\n\nText\nmore"), "{}", n.body);
        assert_eq!(
            n.summary(),
            "To: a@x.org, b@y.org; Subject: Line one Bcc: evil@x.org"
        );
    }

    #[test]
    fn no_recipient_at_all_is_blank() {
        let mut step = step();
        step.owner = Owner::Group {
            email: None,
            member_emails: Vec::new(),
        };
        assert_eq!(
            Notification::compose(&NotifyParams::default(), &step, Tz::UTC, at(0, 0, 0)),
            Err(errors(&[("recipients", "can't be blank")]))
        );
    }

    #[test]
    fn the_run_key_is_the_start_in_epoch_seconds() {
        let run = NewJobRun {
            status: COMPLETE,
            user_id: 1,
            step_id: 2,
            stdout: String::new(),
            stderr: None,
            started_at: at(19, 34, 43),
            finished_at: at(19, 34, 44),
        };
        assert_eq!(run.run_key(), 1_346_787_283);
    }
}
