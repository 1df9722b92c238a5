//! The routes of requests: /v1/requests, the five actions, state changes by `aasm_event`.
//! A request's body is read in the configured time zone, and a new request's owner and
//! requestor default to the API user.

use super::{Context, Listed, Resource};
use crate::routes::crud;
use actix_web::web;
use runsheet_core::paging::Window;
use runsheet_core::request::{RequestChanges, RequestFilter, RequestRecord};
use runsheet_core::Errors;
use runsheet_format::{Out, RenderOptions};
use runsheet_store::{requests as store, AnyConnection, StoreError};
use serde_json::{Map, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    crud::<Requests>(cfg, "/v1/requests");
}

pub struct Requests;

impl Listed for Requests {
    const SINGULAR: &'static str = "request";
    const PLURAL: &'static str = "requests";
    type Record = RequestRecord;
    type Filter = RequestFilter;

    fn parse_filter(raw: &Map<String, Value>, _: &Context) -> Result<RequestFilter, Errors> {
        RequestFilter::parse(raw)
    }
    fn write(out: &mut dyn Out, name: &str, record: &RequestRecord, options: &RenderOptions) {
        runsheet_format::resources::requests::request(record, options).write(out, name)
    }
    fn id(record: &RequestRecord) -> i64 {
        record.request.id
    }
    fn page(
        conn: &mut AnyConnection,
        filter: &RequestFilter,
        window: &Window,
    ) -> Result<Vec<RequestRecord>, StoreError> {
        store::page(conn, filter, window)
    }
    fn count(conn: &mut AnyConnection, filter: &RequestFilter) -> Result<i64, StoreError> {
        store::count_list(conn, filter)
    }
}

impl Resource for Requests {
    type Changes = RequestChanges;

    fn parse_changes(body: Option<&Value>, context: &Context) -> Result<RequestChanges, Errors> {
        RequestChanges::parse(body, context.tz)
    }
    fn find(conn: &mut AnyConnection, id: i64) -> Result<RequestRecord, StoreError> {
        store::find(conn, id)
    }
    fn create(
        conn: &mut AnyConnection,
        changes: &RequestChanges,
        context: &Context,
    ) -> Result<RequestRecord, StoreError> {
        store::create(conn, changes, context.user_id)
    }
    fn update(
        conn: &mut AnyConnection,
        id: i64,
        changes: &RequestChanges,
        context: &Context,
    ) -> Result<RequestRecord, StoreError> {
        store::update(conn, id, changes, context.user_id)
    }
    /// A cancelled or complete request is soft-deleted (and shown); any other is destroyed.
    fn destroy(conn: &mut AnyConnection, id: i64) -> Result<Option<RequestRecord>, StoreError> {
        store::destroy(conn, id)
    }
}
