//! The routes of apps, environments, components, installed components, properties and scripts.

use super::{resource, Resource};
use crate::routes::crud;
use actix_web::web;
use runsheet_core::Errors;
use runsheet_format::resources as format;
use runsheet_format::RenderOptions;
use runsheet_store::{AnyConnection, StoreError};
use serde_json::{Map, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    crud::<Apps>(cfg, "/v1/apps");
    crud::<Environments>(cfg, "/v1/environments");
    crud::<Components>(cfg, "/v1/components");
    crud::<InstalledComponents>(cfg, "/v1/installed_components");
    crud::<Properties>(cfg, "/v1/properties");
    crud::<Scripts>(cfg, "/v1/scripts");
}

resource!(Apps, "app", "apps",
    record: runsheet_core::app::AppRecord => app, changes: runsheet_core::app::AppChanges, filter: runsheet_core::app::AppFilter,
    store: runsheet_store::apps, represent: format::apps::app, destroy: deactivate);

resource!(Environments, "environment", "environments",
    record: runsheet_core::environment::EnvironmentRecord => environment, changes: runsheet_core::environment::EnvironmentChanges, filter: runsheet_core::environment::EnvironmentFilter,
    store: runsheet_store::environments, represent: format::environments::environment, destroy: deactivate);

resource!(Components, "component", "components",
    record: runsheet_core::component::ComponentRecord => component, changes: runsheet_core::component::ComponentChanges, filter: runsheet_core::component::ComponentFilter,
    store: runsheet_store::components, represent: format::components::component, destroy: deactivate);

resource!(InstalledComponents, "installed_component", "installed_components",
    record: runsheet_core::installed_component::InstalledComponentRecord => installed_component, changes: runsheet_core::installed_component::InstalledComponentChanges, filter: runsheet_core::installed_component::InstalledComponentFilter,
    store: runsheet_store::installed_components, represent: format::installed_components::installed_component, destroy: destroy);

resource!(Properties, "property", "properties",
    record: runsheet_core::property::Property, changes: runsheet_core::property::PropertyChanges, filter: runsheet_core::property::PropertyFilter,
    store: runsheet_store::properties, represent: format::properties::property, destroy: deactivate);

resource!(Scripts, "script", "scripts",
    record: runsheet_core::script::Script, changes: runsheet_core::script::ScriptChanges, filter: runsheet_core::script::ScriptFilter,
    store: runsheet_store::scripts, represent: format::scripts::script, destroy: destroy);
