//! The routes of steps: the five REST actions on /v1/steps. Bodies are read in the
//! configured time zone; GET /v1/steps/:id first sends the notification a `notify` asks for.

use super::{Context, Listed, Resource};
use crate::lists::{ByIds, Chunks};
use crate::routes::crud;
use actix_web::web;
use runsheet_core::paging::Window;
use runsheet_core::step::{StepChanges, StepFilter, StepRecord};
use runsheet_core::Errors;
use runsheet_format::{Out, RenderOptions};
use runsheet_store::{steps as store, AnyConnection, StoreError};
use serde_json::{Map, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    crud::<Steps>(cfg, "/v1/steps");
}

pub struct Steps;

impl Listed for Steps {
    const SINGULAR: &'static str = "step";
    const PLURAL: &'static str = "steps";
    type Record = StepRecord;
    type Filter = StepFilter;

    fn parse_filter(raw: &Map<String, Value>, context: &Context) -> Result<StepFilter, Errors> {
        StepFilter::parse(raw, context.tz)
    }
    fn write(out: &mut dyn Out, name: &str, record: &StepRecord, options: &RenderOptions) {
        runsheet_format::resources::steps::write_step(out, name, record, options)
    }
    fn id(record: &StepRecord) -> i64 {
        record.step.id
    }
    fn page(
        conn: &mut AnyConnection,
        filter: &StepFilter,
        window: &Window,
    ) -> Result<Vec<StepRecord>, StoreError> {
        store::page(conn, filter, window)
    }
    fn count(conn: &mut AnyConnection, filter: &StepFilter) -> Result<i64, StoreError> {
        store::count_list(conn, filter)
    }
    /// Steps come by request and position, not by id: read on from the list's ids.
    fn chunks(filter: StepFilter, size: usize) -> Box<dyn Chunks<StepRecord>> {
        let id = |r: &StepRecord| r.step.id;
        Box::new(ByIds::new(
            filter,
            size,
            store::page,
            id,
            store::ids,
            store::by_ids,
        ))
    }
}

impl Resource for Steps {
    const NOTIFIES_ON_SHOW: bool = true;
    type Changes = StepChanges;

    fn parse_changes(body: Option<&Value>, context: &Context) -> Result<StepChanges, Errors> {
        StepChanges::parse(body, context.tz)
    }
    fn find(conn: &mut AnyConnection, id: i64) -> Result<StepRecord, StoreError> {
        store::find(conn, id)
    }
    fn create(
        conn: &mut AnyConnection,
        changes: &StepChanges,
        _: &Context,
    ) -> Result<StepRecord, StoreError> {
        store::create(conn, changes)
    }
    fn update(
        conn: &mut AnyConnection,
        id: i64,
        changes: &StepChanges,
        context: &Context,
    ) -> Result<StepRecord, StoreError> {
        store::update(conn, id, changes, context.user_id)
    }
    /// The step is gone (202, no body); its later siblings move up one.
    fn destroy(conn: &mut AnyConnection, id: i64) -> Result<Option<StepRecord>, StoreError> {
        store::destroy(conn, id)
    }
}
