//! The routes of notifications sent from steps (`GET /v1/steps/:id/notify`).

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
