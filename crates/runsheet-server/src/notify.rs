//! Notifications from steps: `notify[...]` on GET /v1/steps/:id, and GET /v1/steps/:id/notify.
//!
//! The parameters and templates are core's (`runsheet_core::notification`); this module
//! finds the `notify` object in the request, sends the mail through the transport of the
//! `mail_url` setting, off the event loop, and records the job run whatever the outcome.

use crate::error::{ApiError, ApiFailure};
use crate::request::ApiRequest;
use actix_web::web;
use runsheet_core::notification::{
    JobRunRecord, NewJobRun, Notification, NotifyParams, COMPLETE, PROBLEM,
};
use runsheet_core::time::now;
use serde_json::Value;

/// Sends the notification the request asks for, if it asks for one (`notify[...]` in the
/// query string, or `{"filters": {"notify": {...}}}` in the body), and records it as a job
/// run of job_type notification. `Ok(true)` when one was sent.
pub async fn send_if_asked(api: &ApiRequest, step_id: i64) -> Result<bool, ApiFailure> {
    let Some(notify) = asked(api) else {
        return Ok(false);
    };
    let params = NotifyParams::parse(notify).map_err(|e| api.fail(e))?;
    send(api, step_id, &params).await?;
    Ok(true)
}

/// The `notify` object of a request: `notify[...]` or `filters[notify][...]` in the query
/// string (which wins), else `filters.notify` or `notify` in the body (JSON or XML).
pub fn asked(api: &ApiRequest) -> Option<&Value> {
    let query = api.query();
    let body = api.body();
    [
        query.get("notify"),
        query.get("filters").and_then(|f| f.get("notify")),
        body.and_then(|b| b.get("filters"))
            .and_then(|f| f.get("notify")),
        body.and_then(|b| b.get("notify")),
    ]
    .into_iter()
    .flatten()
    .next()
}

/// Sends the notification of step `step_id` and records its job run. A step that does not
/// exist is a 404 and bad parameters a 422, both before anything is sent or recorded; a
/// send that fails is recorded as a Problem and answered as an error.
pub async fn send(
    api: &ApiRequest,
    step_id: i64,
    params: &NotifyParams,
) -> Result<JobRunRecord, ApiFailure> {
    let options = *api.options();
    let step = api
        .db(move |conn| {
            runsheet_store::job_runs::step_mail(conn, step_id, |id| options.request_number(id))
        })
        .await?;
    let started_at = now();
    let notification =
        Notification::compose(params, &step, options.tz, started_at).map_err(|e| api.fail(e))?;
    let summary = notification.summary();
    let url = api.state().mail_url.clone();
    let from = api.state().mail_from.clone();
    let sent = web::block(move || mail::deliver(&url, &from, &notification))
        .await
        .unwrap_or_else(|e| Err(format!("the mail task failed: {e}")));
    let run = NewJobRun {
        status: if sent.is_ok() { COMPLETE } else { PROBLEM },
        user_id: api.user.id,
        step_id,
        stdout: summary,
        stderr: sent.as_ref().err().cloned(),
        started_at,
        finished_at: now(),
    };
    let record = api
        .db(move |conn| runsheet_store::job_runs::record_notification(conn, &run))
        .await?;
    match sent {
        Ok(()) => Ok(record),
        // The mail server failed us, not the client: 502 with what it said.
        Err(cause) => Err(api.fail(ApiError::BadGateway(format!(
            "notification of step {step_id} not sent (job run {}): {cause}",
            record.job_run.id
        )))),
    }
}

/// Building and sending the message: blocking I/O, run inside `web::block`.
mod mail {
    use lettre::message::header::ContentType;
    use lettre::message::Mailbox;
    use lettre::{FileTransport, Message, SmtpTransport, Transport as _};
    use runsheet_core::notification::Notification;
    use std::path::PathBuf;
    use std::time::Duration;

    /// How long an SMTP server may take to answer before the send counts as failed.
    const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

    #[derive(Debug, PartialEq, Eq)]
    pub enum Transport {
        /// `file://DIR`: one `<unique>.eml` per message in DIR (made if missing).
        Files(PathBuf),
        /// `smtp://HOST[:PORT]` (port 25 by default), plain SMTP.
        Smtp { host: String, port: u16 },
    }

    impl Transport {
        pub fn from_url(url: &str) -> Result<Transport, String> {
            let invalid = || format!("mail_url {url:?} is not smtp://HOST[:PORT] or file://DIR");
            if let Some(dir) = url.strip_prefix("file://") {
                if dir.is_empty() {
                    return Err(invalid());
                }
                return Ok(Transport::Files(PathBuf::from(dir)));
            }
            let rest = url
                .strip_prefix("smtp://")
                .ok_or_else(invalid)?
                .trim_end_matches('/');
            let (host, port) = match rest.rsplit_once(':') {
                Some((host, port)) if !port.contains(']') => {
                    (host, port.parse::<u16>().map_err(|_| invalid())?)
                }
                _ => (rest, 25),
            };
            let host = host.trim_start_matches('[').trim_end_matches(']');
            if host.is_empty() || host.contains(['/', '@']) {
                return Err(invalid());
            }
            Ok(Transport::Smtp {
                host: host.to_string(),
                port,
            })
        }
    }

    /// Sends `notification` from `from` through the transport `url` names; the error is
    /// what the job run's stderr and the answer say.
    pub fn deliver(url: &str, from: &str, notification: &Notification) -> Result<(), String> {
        let transport = Transport::from_url(url)?;
        let message = message(from, notification)?;
        match transport {
            Transport::Files(dir) => {
                std::fs::create_dir_all(&dir).map_err(|e| {
                    format!("cannot create the mail directory {}: {e}", dir.display())
                })?;
                FileTransport::new(&dir)
                    .send(&message)
                    .map(drop)
                    .map_err(|e| format!("cannot write the message in {}: {e}", dir.display()))
            }
            Transport::Smtp { host, port } => SmtpTransport::builder_dangerous(host.as_str())
                .port(port)
                .timeout(Some(SMTP_TIMEOUT))
                .build()
                .send(&message)
                .map(drop)
                .map_err(|e| format!("SMTP server {host}:{port}: {e}")),
        }
    }

    fn message(from: &str, notification: &Notification) -> Result<Message, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("mail_from {from:?} is not an address: {e}"))?;
        let message_id = format!("<{:032x}@{}>", rand::random::<u128>(), from.email.domain());
        let mut builder = Message::builder()
            .from(from)
            .message_id(Some(message_id))
            .subject(notification.subject.as_str())
            .header(ContentType::TEXT_PLAIN);
        for recipient in &notification.recipients {
            let to: Mailbox = recipient
                .parse()
                .map_err(|e| format!("{recipient} is not an address: {e}"))?;
            builder = builder.to(to);
        }
        builder
            .body(notification.body.clone())
            .map_err(|e| format!("cannot build the message: {e}"))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn mail_urls() {
            let files = |dir: &str| Ok(Transport::Files(PathBuf::from(dir)));
            let smtp = |host: &str, port| {
                Ok(Transport::Smtp {
                    host: host.into(),
                    port,
                })
            };
            assert_eq!(Transport::from_url("file://mail"), files("mail"));
            assert_eq!(
                Transport::from_url("file:///var/mail/x"),
                files("/var/mail/x")
            );
            assert_eq!(
                Transport::from_url("smtp://mail.example.com"),
                smtp("mail.example.com", 25)
            );
            assert_eq!(
                Transport::from_url("smtp://127.0.0.1:2525/"),
                smtp("127.0.0.1", 2525)
            );
            assert_eq!(Transport::from_url("smtp://[::1]:2525"), smtp("::1", 2525));
            assert_eq!(Transport::from_url("smtp://[::1]"), smtp("::1", 25));
            for bad in [
                "",
                "file://",
                "smtp://",
                "smtp://:25",
                "smtp://h:port",
                "smtp://h:99999",
                "smtp://u@h",
                "http://h",
                "mail",
            ] {
                let error = Transport::from_url(bad).expect_err(bad);
                assert!(
                    error.contains("is not smtp://HOST[:PORT] or file://DIR"),
                    "{error}"
                );
            }
        }

        #[test]
        fn a_bad_sender_is_a_send_error() {
            let notification = Notification {
                recipients: vec!["jo@example.com".into()],
                subject: "s".into(),
                body: "b".into(),
            };
            let error = deliver("file:///nonexistent/never", "not an address", &notification)
                .expect_err("bad sender");
            assert!(error.starts_with("mail_from \"not an address\""), "{error}");
        }
    }
}
