//! The routes of server levels, servers, phases, runtime phases, work tasks, categories and
//! procedures, and `POST /v1/procedures/:id/add_to_request`.

use super::{resource, Resource};
use crate::handlers::not_allowed;
use crate::request::{ApiRequest, ApiResult};
use crate::routes::crud;
use actix_web::http::StatusCode;
use actix_web::web;
use runsheet_core::Errors;
use runsheet_core::{category, phase, procedure, runtime_phase, server, server_level, work_task};
use runsheet_format::resources as format;
use runsheet_format::RenderOptions;
use runsheet_store::{AnyConnection, StoreError};
use serde_json::{Map, Value};

resource!(ServerLevels, "server_level", "server_levels",
    record: server_level::ServerLevelRecord => server_level, changes: server_level::ServerLevelChanges, filter: server_level::ServerLevelFilter,
    store: runsheet_store::server_levels, represent: format::server_levels::server_level, destroy: destroy);

resource!(Servers, "server", "servers",
    record: server::ServerRecord => server, changes: server::ServerChanges, filter: server::ServerFilter,
    store: runsheet_store::servers, represent: format::servers::server, destroy: deactivate);

resource!(Phases, "phase", "phases",
    record: phase::PhaseRecord => phase, changes: phase::PhaseChanges, filter: phase::NameFilter,
    store: runsheet_store::phases, represent: format::phases::phase, destroy: destroy);

resource!(RuntimePhases, "runtime_phase", "runtime_phases",
    record: runtime_phase::RuntimePhaseRecord => runtime_phase, changes: runtime_phase::RuntimePhaseChanges, filter: runtime_phase::RuntimePhaseFilter,
    store: runsheet_store::runtime_phases, represent: format::runtime_phases::runtime_phase, destroy: destroy);

resource!(WorkTasks, "work_task", "work_tasks",
    record: work_task::WorkTask, changes: work_task::WorkTaskChanges, filter: work_task::WorkTaskFilter,
    store: runsheet_store::work_tasks, represent: format::work_tasks::work_task, destroy: destroy);

resource!(Categories, "category", "categories",
    record: category::Category, changes: category::CategoryChanges, filter: category::CategoryFilter,
    store: runsheet_store::categories, represent: format::categories::category, destroy: destroy);

resource!(Procedures, "procedure", "procedures",
    record: procedure::ProcedureRecord => procedure, changes: procedure::ProcedureChanges, filter: procedure::ProcedureFilter,
    store: runsheet_store::procedures, represent: format::procedures::procedure, destroy: destroy);

pub fn configure(cfg: &mut web::ServiceConfig) {
    crud::<ServerLevels>(cfg, "/v1/server_levels");
    crud::<Servers>(cfg, "/v1/servers");
    crud::<Phases>(cfg, "/v1/phases");
    crud::<RuntimePhases>(cfg, "/v1/runtime_phases");
    crud::<WorkTasks>(cfg, "/v1/work_tasks");
    crud::<Categories>(cfg, "/v1/categories");
    crud::<Procedures>(cfg, "/v1/procedures");
    cfg.service(
        web::resource("/v1/procedures/{id}/add_to_request")
            .route(web::post().to(add_to_request))
            .default_service(web::to(not_allowed)),
    );
}

/// Copies a procedure into a request: 201 with the new procedure step and its children.
async fn add_to_request(api: ApiRequest) -> ApiResult {
    let id = api.id()?;
    let request_id = match procedure::parse_request_id(api.body(), api.query()) {
        Ok(request_id) => request_id,
        Err(errors) => {
            // An unknown procedure is a 404 whatever the body says.
            api.db(move |conn| runsheet_store::procedures::find(conn, id))
                .await?;
            return Err(api.fail(errors));
        }
    };
    let added = api
        .db(move |conn| runsheet_store::procedures::add_to_request(conn, id, request_id))
        .await?;
    api.record(
        StatusCode::CREATED,
        "step",
        format::procedures::added_procedure(&added, api.options()),
    )
}
