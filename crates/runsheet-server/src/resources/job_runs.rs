//! The routes of job runs (rest-job-runs.txt): read only. Runs are made and changed by the
//! server itself, so POST, PUT and DELETE are 405 (after the token). Also
//! GET /v1/job_runs/:id/output, a run's output file piece by piece.

use crate::handlers::not_allowed;
use crate::output;
use crate::request::{ApiRequest, ApiResult};
use crate::routes::get;
use actix_web::http::StatusCode;
use actix_web::web;
use runsheet_core::job_run::{JobRunFilter, OutputRequest};
use runsheet_format::resources::job_runs as format;
use runsheet_store::job_runs as store;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/job_runs")
            .route(get().to(list))
            .default_service(web::to(not_allowed)),
    );
    cfg.service(
        web::resource("/v1/job_runs/{id}")
            .route(get().to(show))
            .default_service(web::to(not_allowed)),
    );
    cfg.service(
        web::resource("/v1/job_runs/{id}/output")
            .route(get().to(show_output))
            .default_service(web::to(not_allowed)),
    );
}

async fn list(api: ApiRequest) -> ApiResult {
    let filter = api.filters(JobRunFilter::parse)?;
    let records = api.db(move |conn| store::list(conn, &filter)).await?;
    api.list(
        "job_runs",
        "job_run",
        records
            .iter()
            .map(|r| format::job_run(r, api.options()))
            .collect(),
    )
}

async fn show(api: ApiRequest) -> ApiResult {
    let id = api.id()?;
    let record = api.db(move |conn| store::find(conn, id)).await?;
    api.record(
        StatusCode::OK,
        "job_run",
        format::job_run(&record, api.options()),
    )
}

async fn show_output(api: ApiRequest) -> ApiResult {
    let id = api.id()?;
    let request = OutputRequest::parse(api.query()).map_err(|e| api.fail(e))?;
    let run = api.db(move |conn| store::find_run(conn, id)).await?;
    let piece = output::read_blocking(run, request)
        .await
        .map_err(|e| api.fail(e))?;
    api.record(StatusCode::OK, "output", format::output(&piece))
}
