//! The routes of notifications sent from steps (`GET /v1/steps/:id/notify`).

use crate::handlers::not_allowed;
use crate::notify;
use crate::request::{ApiRequest, ApiResult};
use actix_web::http::StatusCode;
use actix_web::web;
use runsheet_core::notification::NotifyParams;
use serde_json::Value;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // GET only: a HEAD must not send mail.
    cfg.service(
        web::resource("/v1/steps/{id}/notify")
            .route(web::get().to(send))
            .default_service(web::to(not_allowed)),
    );
}

/// Sends the step's notification with the parameters of `notify` (all of them may be left
/// out) and answers 200 with the job run that records it.
async fn send(api: ApiRequest) -> ApiResult {
    let step_id = api.id()?;
    let params = NotifyParams::parse(notify::asked(&api).unwrap_or(&Value::Null))
        .map_err(|e| api.fail(e))?;
    let record = notify::send(&api, step_id, &params).await?;
    api.render(StatusCode::OK, "job_run", |out, name| {
        runsheet_format::resources::job_runs::write_job_run(out, name, &record)
    })
}
