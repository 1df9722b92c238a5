//! A step as the reference page's sample output shows it: scalar attributes in alphabetical
//! order, then number, property_values, all_servers, then the nested records it has.

use crate::{Key, Out, RenderOptions};
use runsheet_core::step::{InstalledComponentRef, NamedRef, Owner, ServerRef, StepRecord};

/// Writes the step as `name`, straight from its record (no `Node` tree: a list of 50 steps
/// spent a quarter of its time building one; docs/benchmarks.md).
pub fn write_step(out: &mut dyn Out, name: &str, record: &StepRecord, options: &RenderOptions) {
    out.record(Key::data(name), |out| fields(out, record, options));
}

/// 42 attributes, number, property_values, all_servers, then the nested records it has.
fn fields(out: &mut dyn Out, record: &StepRecord, options: &RenderOptions) {
    let s = &record.step;
    let f = &s.fields;
    out.field("aasm_state", s.aasm_state.as_str());
    out.field("category_id", f.category_id);
    out.field("change_request_id", f.change_request_id);
    out.field("complete_by", f.complete_by);
    out.field("completion_state", f.completion_state.as_deref());
    out.field("component_id", f.component_id);
    out.field("component_version", f.component_version.as_deref());
    out.field("created_at", s.created_at);
    out.field("custom_ticket_id", f.custom_ticket_id);
    out.field("description", f.description.as_deref());
    out.field(
        "different_level_from_previous",
        f.different_level_from_previous,
    );
    out.field("estimate", f.estimate);
    out.field("execute_anytime", f.execute_anytime);
    out.field("id", s.id);
    out.field("installed_component_id", f.installed_component_id);
    out.field("location_detail", f.location_detail.as_deref());
    out.field("manual", f.manual);
    out.field("name", f.name.as_deref());
    out.field("on_plan", f.on_plan);
    out.field("own_version", f.own_version);
    out.field("owner_id", f.owner_id);
    out.field("owner_type", f.owner_type.as_deref());
    out.field("package_template_id", f.package_template_id);
    out.field(
        "package_template_properties",
        f.package_template_properties.as_deref(),
    );
    out.field("parent_id", f.parent_id);
    out.field("phase_id", f.phase_id);
    out.field("position", s.position);
    out.field("procedure", f.procedure);
    out.field("procedure_id", f.procedure_id);
    out.field("ready_at", s.ready_at);
    out.field("release_content_item_id", f.release_content_item_id);
    out.field("request_id", f.request_id);
    out.field("runtime_phase_id", f.runtime_phase_id);
    out.field("script_id", f.script_id);
    out.field("script_type", f.script_type.as_deref());
    out.field("should_execute", f.should_execute);
    out.field("start_by", f.start_by);
    out.field("updated_at", s.updated_at);
    out.field("version_tag_id", f.version_tag_id);
    out.field("work_finished_at", s.work_finished_at);
    out.field("work_started_at", s.work_started_at);
    out.field("work_task_id", f.work_task_id);
    out.field("number", record.number.as_str());
    out.record("property_values", |out| property_values(out, record));
    out.record("all_servers", |out| all_servers(out, record));
    out.opt_record("owner", record.owner.as_ref(), owner);
    out.opt_record("script", record.script.as_ref(), named);
    out.opt_record("work_task", record.work_task.as_ref(), named);
    out.opt_record("phase", record.phase.as_ref(), named);
    out.opt_record("runtime_phase", record.runtime_phase.as_ref(), named);
    out.opt_record(
        "installed_component",
        record.installed_component.as_ref(),
        installed_component,
    );
    out.opt_record("component", record.component.as_ref(), named);
    out.opt_record("request", record.request.as_ref(), |out, r| {
        out.field("aasm_state", r.aasm_state.as_str());
        out.field("id", r.id);
        out.field("name", r.name.as_deref());
        out.field("number", options.request_number(r.id));
    });
    out.opt_record("category", record.category.as_ref(), named);
    out.opt_record("parent", record.parent.as_ref(), |out, p| {
        out.field("id", p.id);
        out.field("name", p.name.as_deref());
        out.field("position", p.position);
    });
}

/// Each property once, at its first place, with its last value: names come from data and
/// may repeat, and a JSON object must not carry a key twice.
fn property_values(out: &mut dyn Out, record: &StepRecord) {
    let values = &record.property_values;
    for (index, (name, _)) in values.iter().enumerate() {
        if values[..index].iter().any(|(earlier, _)| earlier == name) {
            continue;
        }
        let last = values.iter().rev().find(|(other, _)| other == name);
        out.field(name, last.and_then(|(_, value)| value.as_deref()));
    }
}

fn named(out: &mut dyn Out, r: &NamedRef) {
    out.field("id", r.id);
    out.field("name", r.name.as_str());
}

fn owner(out: &mut dyn Out, o: &Owner) {
    match o {
        Owner::User { id, login, email } => {
            out.field("email", email.as_str());
            out.field("id", *id);
            out.field("login", login.as_str());
        }
        Owner::Group { id, name, email } => {
            out.field("email", email.as_deref());
            out.field("id", *id);
            out.field("name", name.as_str());
        }
    }
}

fn installed_component(out: &mut dyn Out, ic: &InstalledComponentRef) {
    let (a, c, e) = (&ic.app, &ic.component, &ic.environment);
    out.field("application_component_id", ic.application_component_id);
    out.field("application_environment_id", ic.application_environment_id);
    out.field("id", ic.id);
    out.record("app", |out| {
        out.field("active", a.active);
        out.field("app_version", a.app_version.as_deref());
        out.field("created_at", a.created_at);
        out.field("id", a.id);
        out.field("name", a.name.as_str());
        out.field("updated_at", a.updated_at);
    });
    out.record("component", |out| {
        out.field("active", c.active);
        out.field("created_at", c.created_at);
        out.field("id", c.id);
        out.field("name", c.name.as_str());
        out.field("updated_at", c.updated_at);
    });
    out.record("environment", |out| {
        out.field("active", e.active);
        out.field("created_at", e.created_at);
        out.field("deployment_policy", e.deployment_policy.as_str());
        out.field("id", e.id);
        out.field("name", e.name.as_str());
        out.field("updated_at", e.updated_at);
    });
}

/// `{"selected_servers": {"target_servers": {group: [...]}, "alternate_servers": [...]},
/// "available_servers": {group: [...]}}`.
fn all_servers(out: &mut dyn Out, record: &StepRecord) {
    out.record("selected_servers", |out| {
        grouped(out, "target_servers", &record.target_servers);
        out.list(
            "alternate_servers",
            "alternate_server",
            &record.alternate_servers,
            server,
        );
    });
    grouped(out, "available_servers", &record.available_servers);
}

/// Servers by "Server Level Group: <level>", groups in name order; each item is named as
/// its group, as the sample's XML shows.
fn grouped(out: &mut dyn Out, name: &'static str, servers: &[ServerRef]) {
    let mut sorted: Vec<&ServerRef> = servers.iter().collect();
    // Stable: a group's servers keep their order. The keys share their prefix, so they sort
    // as the groups' names do; a key is made once a group, not once a server.
    sorted.sort_by(|a, b| a.group().cmp(b.group()));
    out.record(name, |out| {
        for group in sorted.chunk_by(|a, b| a.group() == b.group()) {
            let Some(first) = group.first() else {
                continue;
            };
            let key = first.group_key();
            out.list(&key, &key, group, |out, item_name, s| {
                server(out, item_name, s)
            });
        }
    });
}

fn server(out: &mut dyn Out, name: Key<'_>, s: &ServerRef) {
    out.record(name, |out| {
        out.field("created_at", s.created_at);
        out.field("description", s.description.as_deref());
        out.field("id", s.id);
        out.field("name", s.name.as_str());
        out.field("parent_id", s.parent_id);
        out.field("parent_type", s.parent_id.map(|_| "Server"));
        out.field("server_level_id", s.server_level_id);
        out.field("updated_at", s.updated_at);
    });
}
