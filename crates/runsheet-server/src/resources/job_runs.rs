//! The routes of job runs (rest-job-runs.txt): read only. Runs are made and changed by the
//! server itself, so POST, PUT and DELETE are 405 (after the token). Also
//! GET /v1/job_runs/:id/output, a run's output file piece by piece.

use super::{Context, Listed};
use crate::handlers::{crud, not_allowed};
use crate::lists::{ById, Chunks};
use crate::output;
use crate::request::{ApiRequest, ApiResult};
use crate::routes::get;
use actix_web::http::StatusCode;
use actix_web::web;
use runsheet_core::job_run::{JobRunFilter, OutputRequest};
use runsheet_core::notification::JobRunRecord;
use runsheet_core::paging::Window;
use runsheet_core::Errors;
use runsheet_format::resources::job_runs as format;
use runsheet_format::{Out, RenderOptions};
use runsheet_store::job_runs as store;
use runsheet_store::{AnyConnection, StoreError};
use serde_json::{Map, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/job_runs")
            .route(get().to(crud::list::<JobRuns>))
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

/// The list of job runs, by id: the one that grows without bound (a run per script run and
/// per notification), so the whole of it is streamed by keyset.
pub struct JobRuns;

impl Listed for JobRuns {
    const SINGULAR: &'static str = "job_run";
    const PLURAL: &'static str = "job_runs";
    type Record = JobRunRecord;
    type Filter = JobRunFilter;

    fn parse_filter(raw: &Map<String, Value>, context: &Context) -> Result<JobRunFilter, Errors> {
        JobRunFilter::parse(raw, context.tz)
    }
    fn write(out: &mut dyn Out, name: &str, record: &JobRunRecord, _: &RenderOptions) {
        format::write_job_run(out, name, record)
    }
    fn id(record: &JobRunRecord) -> i64 {
        record.job_run.id
    }
    fn page(
        conn: &mut AnyConnection,
        filter: &JobRunFilter,
        window: &Window,
    ) -> Result<Vec<JobRunRecord>, StoreError> {
        store::page(conn, filter, window)
    }
    fn count(conn: &mut AnyConnection, filter: &JobRunFilter) -> Result<i64, StoreError> {
        store::count_list(conn, filter)
    }
    fn chunks(filter: JobRunFilter, size: usize) -> Box<dyn Chunks<JobRunRecord>> {
        Box::new(ById::new(filter, size, store::page, |r| r.job_run.id))
    }
}

async fn show(api: ApiRequest) -> ApiResult {
    let id = api.id()?;
    let record = api.db(move |conn| store::find(conn, id)).await?;
    api.render(StatusCode::OK, "job_run", |out, name| {
        format::write_job_run(out, name, &record)
    })
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
