//! The routes of requests: /v1/requests, the five actions, state changes by `aasm_event`.
//!
//! Not the generic CRUD handlers: a request's body is read in the configured time zone, and
//! a new request's owner and requestor default to the API user.

use crate::handlers::not_allowed;
use crate::request::{ApiRequest, ApiResult};
use crate::response::ApiResponse;
use crate::routes::get;
use actix_web::http::StatusCode;
use actix_web::web;
use runsheet_core::request::{RequestChanges, RequestFilter, RequestRecord};
use runsheet_format::resources::requests::request as represent;
use runsheet_store::requests as store;

const SINGULAR: &str = "request";
const PLURAL: &str = "requests";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/requests")
            .route(get().to(list))
            .route(web::post().to(create))
            .default_service(web::to(not_allowed)),
    );
    cfg.service(
        web::resource("/v1/requests/{id}")
            .route(get().to(show))
            .route(web::put().to(update))
            .route(web::patch().to(update))
            .route(web::delete().to(destroy))
            .default_service(web::to(not_allowed)),
    );
}

fn changes(api: &ApiRequest) -> Result<RequestChanges, crate::error::ApiFailure> {
    let tz = api.options().tz;
    api.changes(|body| RequestChanges::parse(body, tz))
}

fn one(api: &ApiRequest, status: StatusCode, record: &RequestRecord) -> ApiResult {
    api.record(status, SINGULAR, represent(record, api.options()))
}

async fn list(api: ApiRequest) -> ApiResult {
    let filter = api.filters(RequestFilter::parse)?;
    let records = api.db(move |conn| store::list(conn, &filter)).await?;
    let nodes = records
        .iter()
        .map(|r| represent(r, api.options()))
        .collect();
    api.list(PLURAL, SINGULAR, nodes)
}

async fn show(api: ApiRequest) -> ApiResult {
    let id = api.id()?;
    let record = api.db(move |conn| store::find(conn, id)).await?;
    one(&api, StatusCode::OK, &record)
}

async fn create(api: ApiRequest) -> ApiResult {
    let changes = changes(&api)?;
    let user_id = api.user.id;
    let record = api
        .db(move |conn| store::create(conn, &changes, user_id))
        .await?;
    one(&api, StatusCode::CREATED, &record)
}

async fn update(api: ApiRequest) -> ApiResult {
    let id = api.id()?;
    let changes = changes(&api)?;
    let record = api
        .db(move |conn| store::update(conn, id, &changes))
        .await?;
    one(&api, StatusCode::ACCEPTED, &record)
}

/// 202 with the soft-deleted record, or with no body when the request is gone.
async fn destroy(api: ApiRequest) -> ApiResult {
    let id = api.id()?;
    match api.db(move |conn| store::destroy(conn, id)).await? {
        Some(record) => one(&api, StatusCode::ACCEPTED, &record),
        None => Ok(ApiResponse::empty(StatusCode::ACCEPTED)),
    }
}
