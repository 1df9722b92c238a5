//! The routes of apps, environments, components, installed components, properties and scripts.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
