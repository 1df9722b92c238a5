//! The routing table. Every /v1 route also answers with `.json` or `.xml` on its last
//! path element (see `middleware::path_format`).

use crate::handlers::{crud, health, not_allowed};
use crate::resources::{
    catalog, infrastructure, job_runs, notifications, requests, steps, Groups, Resource, Users,
};
use actix_web::{guard, web, Route};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/health").route(get().to(health::show)));
    // actix tries routes in this order, a regex for each with an `{id}`: the busiest go
    // first (a step's show matched its route at the 19th regex, 6% of its instructions).
    // No two patterns here match the same path, so the order changes nothing else.
    steps::configure(cfg);
    job_runs::configure(cfg);
    crud::<Users>(cfg, "/v1/users");
    crud::<Groups>(cfg, "/v1/groups");
    catalog::configure(cfg);
    infrastructure::configure(cfg);
    requests::configure(cfg);
    notifications::configure(cfg);
}

/// GET, POST on the collection; GET, PUT, DELETE on a member; 405 for the rest.
pub fn crud<R: Resource>(cfg: &mut web::ServiceConfig, path: &str) {
    cfg.service(
        web::resource(path)
            .route(get().to(crud::list::<R>))
            .route(web::post().to(crud::create::<R>))
            .default_service(web::to(not_allowed)),
    );
    cfg.service(
        web::resource(format!("{path}/{{id}}"))
            .route(get().to(crud::show::<R>))
            .route(web::put().to(crud::update::<R>))
            .route(web::patch().to(crud::update::<R>))
            .route(web::delete().to(crud::destroy::<R>))
            .default_service(web::to(not_allowed)),
    );
}

/// GET, and HEAD with it (actix sends no body for HEAD).
pub fn get() -> Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}
