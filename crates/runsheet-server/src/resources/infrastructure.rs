//! The routes of server levels, servers, phases, runtime phases, work tasks, categories and procedures.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
