//! A step as the reference page's sample output shows it: scalar attributes in alphabetical
//! order, then number, property_values, all_servers, then the nested records it has.

use crate::{List, Node, Record, RenderOptions};
use runsheet_core::step::{InstalledComponentRef, NamedRef, Owner, ServerRef, StepRecord};

pub fn step(record: &StepRecord, options: &RenderOptions) -> Node {
    let s = &record.step;
    let f = &s.fields;
    // 42 attributes, number, property_values, all_servers and up to 10 nested records.
    let mut out = Record::with_capacity(56)
        .field("aasm_state", s.aasm_state.as_str())
        .field("category_id", f.category_id)
        .field("change_request_id", f.change_request_id)
        .field("complete_by", f.complete_by)
        .field("completion_state", f.completion_state.clone())
        .field("component_id", f.component_id)
        .field("component_version", f.component_version.clone())
        .field("created_at", s.created_at)
        .field("custom_ticket_id", f.custom_ticket_id)
        .field("description", f.description.clone())
        .field(
            "different_level_from_previous",
            f.different_level_from_previous,
        )
        .field("estimate", f.estimate)
        .field("execute_anytime", f.execute_anytime)
        .field("id", s.id)
        .field("installed_component_id", f.installed_component_id)
        .field("location_detail", f.location_detail.clone())
        .field("manual", f.manual)
        .field("name", f.name.clone())
        .field("on_plan", f.on_plan)
        .field("own_version", f.own_version)
        .field("owner_id", f.owner_id)
        .field("owner_type", f.owner_type.clone())
        .field("package_template_id", f.package_template_id)
        .field(
            "package_template_properties",
            f.package_template_properties.clone(),
        )
        .field("parent_id", f.parent_id)
        .field("phase_id", f.phase_id)
        .field("position", s.position)
        .field("procedure", f.procedure)
        .field("procedure_id", f.procedure_id)
        .field("ready_at", s.ready_at)
        .field("release_content_item_id", f.release_content_item_id)
        .field("request_id", f.request_id)
        .field("runtime_phase_id", f.runtime_phase_id)
        .field("script_id", f.script_id)
        .field("script_type", f.script_type.clone())
        .field("should_execute", f.should_execute)
        .field("start_by", f.start_by)
        .field("updated_at", s.updated_at)
        .field("version_tag_id", f.version_tag_id)
        .field("work_finished_at", s.work_finished_at)
        .field("work_started_at", s.work_started_at)
        .field("work_task_id", f.work_task_id)
        .field("number", record.number.as_str())
        .field(
            "property_values",
            record
                .property_values
                .iter()
                .map(|(name, value)| (name.clone(), Node::from(value.clone())))
                .collect::<Record>(),
        )
        .field("all_servers", all_servers(record));
    out = out
        .opt("owner", record.owner.as_ref().map(owner))
        .opt("script", record.script.as_ref().map(named))
        .opt("work_task", record.work_task.as_ref().map(named))
        .opt("phase", record.phase.as_ref().map(named))
        .opt("runtime_phase", record.runtime_phase.as_ref().map(named))
        .opt(
            "installed_component",
            record.installed_component.as_ref().map(installed_component),
        )
        .opt("component", record.component.as_ref().map(named))
        .opt(
            "request",
            record.request.as_ref().map(|r| {
                Record::new()
                    .field("aasm_state", r.aasm_state.as_str())
                    .field("id", r.id)
                    .field("name", r.name.clone())
                    .field("number", options.request_number(r.id))
            }),
        )
        .opt("category", record.category.as_ref().map(named))
        .opt(
            "parent",
            record.parent.as_ref().map(|p| {
                Record::new()
                    .field("id", p.id)
                    .field("name", p.name.clone())
                    .field("position", p.position)
            }),
        );
    out.into()
}

fn named(r: &NamedRef) -> Record {
    Record::new()
        .field("id", r.id)
        .field("name", r.name.as_str())
}

fn owner(o: &Owner) -> Record {
    match o {
        Owner::User { id, login, email } => Record::new()
            .field("email", email.as_str())
            .field("id", *id)
            .field("login", login.as_str()),
        Owner::Group { id, name, email } => Record::new()
            .field("email", email.clone())
            .field("id", *id)
            .field("name", name.as_str()),
    }
}

fn installed_component(ic: &InstalledComponentRef) -> Record {
    let (a, c, e) = (&ic.app, &ic.component, &ic.environment);
    Record::new()
        .field("application_component_id", ic.application_component_id)
        .field("application_environment_id", ic.application_environment_id)
        .field("id", ic.id)
        .field(
            "app",
            Record::new()
                .field("active", a.active)
                .field("app_version", a.app_version.clone())
                .field("created_at", a.created_at)
                .field("id", a.id)
                .field("name", a.name.as_str())
                .field("updated_at", a.updated_at),
        )
        .field(
            "component",
            Record::new()
                .field("active", c.active)
                .field("created_at", c.created_at)
                .field("id", c.id)
                .field("name", c.name.as_str())
                .field("updated_at", c.updated_at),
        )
        .field(
            "environment",
            Record::new()
                .field("active", e.active)
                .field("created_at", e.created_at)
                .field("deployment_policy", e.deployment_policy.as_str())
                .field("id", e.id)
                .field("name", e.name.as_str())
                .field("updated_at", e.updated_at),
        )
}

/// `{"selected_servers": {"target_servers": {group: [...]}, "alternate_servers": [...]},
/// "available_servers": {group: [...]}}`.
fn all_servers(record: &StepRecord) -> Record {
    Record::new()
        .field(
            "selected_servers",
            Record::new()
                .field("target_servers", grouped(&record.target_servers))
                .field(
                    "alternate_servers",
                    List::new(
                        "alternate_server",
                        record.alternate_servers.iter().map(server),
                    ),
                ),
        )
        .field("available_servers", grouped(&record.available_servers))
}

/// Servers by "Server Level Group: <level>", groups in name order; each item is named as
/// its group, as the sample's XML shows.
fn grouped(servers: &[ServerRef]) -> Record {
    let mut keys: Vec<String> = servers.iter().map(ServerRef::group_key).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .map(|key| {
            let items = servers.iter().filter(|s| s.group_key() == key).map(server);
            let list = List::new(key.clone(), items);
            (key, list)
        })
        .collect()
}

fn server(s: &ServerRef) -> Record {
    Record::new()
        .field("created_at", s.created_at)
        .field("description", s.description.clone())
        .field("id", s.id)
        .field("name", s.name.as_str())
        .field("parent_id", s.parent_id)
        .field("parent_type", s.parent_id.map(|_| "Server"))
        .field("server_level_id", s.server_level_id)
        .field("updated_at", s.updated_at)
}
