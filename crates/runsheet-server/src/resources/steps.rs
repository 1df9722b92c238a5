//! The routes of steps, and notifications sent from them.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
