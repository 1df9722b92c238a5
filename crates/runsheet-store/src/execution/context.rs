//! What a runner needs to run a claimed job run: its script, and what the script is told of
//! its step and request.

use super::request_of_step;
use crate::error::StoreError;
use crate::schema::{
    installed_component_property_values as component_values, job_runs, properties, requests,
    scripts, step_property_values as step_values, steps,
};
use crate::AnyConnection;
use diesel::prelude::*;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunContext {
    pub job_run_id: i64,
    pub run_key: i64,
    pub user_id: Option<i64>,
    pub step_id: i64,
    pub step_name: Option<String>,
    pub request_id: Option<i64>,
    pub request_name: Option<String>,
    pub script: Option<Script>,
    /// The step's property values over its installed component's, by property name.
    pub properties: BTreeMap<String, Option<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    pub id: i64,
    pub name: String,
    pub script_type: String,
    pub content: String,
}

type RunRow = (
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
);

/// The context of run `id`; `NotFound` when the run or its step is gone.
pub fn load(conn: &mut AnyConnection, id: i64) -> Result<RunContext, StoreError> {
    let (job_run_id, run_key, user_id, automation_id, step_id, step_name, component): RunRow =
        job_runs::table
            .inner_join(steps::table)
            .filter(job_runs::id.eq(id))
            .select((
                job_runs::id,
                job_runs::run_key,
                job_runs::user_id,
                job_runs::automation_id,
                steps::id.nullable(),
                steps::name,
                steps::installed_component_id,
            ))
            .first(conn)
            .optional()?
            .ok_or(StoreError::NotFound)?;
    let step_id = step_id.ok_or(StoreError::NotFound)?;
    let script = match automation_id {
        Some(script_id) => scripts::table
            .find(script_id)
            .select((
                scripts::id,
                scripts::name,
                scripts::script_type,
                scripts::content,
            ))
            .first::<(i64, String, String, String)>(conn)
            .optional()?
            .map(|(id, name, script_type, content)| Script {
                id,
                name,
                script_type,
                content,
            }),
        None => None,
    };
    let request_id = request_of_step(conn, step_id)?;
    let request_name = match request_id {
        Some(rid) => requests::table
            .find(rid)
            .select(requests::name)
            .first::<Option<String>>(conn)
            .optional()?
            .flatten(),
        None => None,
    };
    let mut values: BTreeMap<String, Option<String>> = BTreeMap::new();
    if let Some(component) = component {
        let from_component: Vec<(String, Option<String>)> = component_values::table
            .inner_join(properties::table)
            .filter(component_values::installed_component_id.eq(component))
            .select((properties::name, component_values::value))
            .load(conn)?;
        values.extend(from_component);
    }
    let from_step: Vec<(String, Option<String>)> = step_values::table
        .inner_join(properties::table)
        .filter(step_values::step_id.eq(step_id))
        .select((properties::name, step_values::value))
        .load(conn)?;
    values.extend(from_step);
    Ok(RunContext {
        job_run_id,
        run_key: run_key.unwrap_or_default(),
        user_id,
        step_id,
        step_name,
        request_id,
        request_name,
        script,
        properties: values,
    })
}
