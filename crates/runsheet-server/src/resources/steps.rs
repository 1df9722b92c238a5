//! The routes of steps: the five REST actions on /v1/steps. Bodies are read in the
//! configured time zone, so these are not the generic CRUD handlers. GET /v1/steps/:id
//! sends the notification a `notify` asks for (crate::notify) before showing the step.

use crate::handlers::not_allowed;
use crate::request::{ApiRequest, ApiResult};
use crate::response::ApiResponse;
use crate::routes::get;
use actix_web::http::StatusCode;
use actix_web::web;
use runsheet_core::step::{StepChanges, StepFilter};
use runsheet_format::resources::steps::step;
use runsheet_store::steps as store;

const SINGULAR: &str = "step";
const PLURAL: &str = "steps";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/steps")
            .route(get().to(list))
            .route(web::post().to(create))
            .default_service(web::to(not_allowed)),
    );
    cfg.service(
        web::resource("/v1/steps/{id}")
            .route(get().to(show))
            .route(web::put().to(update))
            .route(web::patch().to(update))
            .route(web::delete().to(destroy))
            .default_service(web::to(not_allowed)),
    );
}

async fn list(api: ApiRequest) -> ApiResult {
    let filter = api.filters(StepFilter::parse)?;
    let records = api.db(move |conn| store::list(conn, &filter)).await?;
    let nodes = records.iter().map(|r| step(r, api.options())).collect();
    api.list(PLURAL, SINGULAR, nodes)
}

async fn show(api: ApiRequest) -> ApiResult {
    let id = api.id()?;
    crate::notify::send_if_asked(&api, id).await?;
    let record = api.db(move |conn| store::find(conn, id)).await?;
    api.record(StatusCode::OK, SINGULAR, step(&record, api.options()))
}

async fn create(api: ApiRequest) -> ApiResult {
    let tz = api.options().tz;
    let changes = api.changes(|body| StepChanges::parse(body, tz))?;
    let record = api.db(move |conn| store::create(conn, &changes)).await?;
    api.record(StatusCode::CREATED, SINGULAR, step(&record, api.options()))
}

async fn update(api: ApiRequest) -> ApiResult {
    let id = api.id()?;
    let tz = api.options().tz;
    let changes = api.changes(|body| StepChanges::parse(body, tz))?;
    let record = api
        .db(move |conn| store::update(conn, id, &changes))
        .await?;
    api.record(StatusCode::ACCEPTED, SINGULAR, step(&record, api.options()))
}

async fn destroy(api: ApiRequest) -> ApiResult {
    let id = api.id()?;
    api.db(move |conn| store::destroy(conn, id)).await?;
    Ok(ApiResponse::empty(StatusCode::ACCEPTED))
}
