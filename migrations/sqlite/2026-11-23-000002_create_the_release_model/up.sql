-- The release model: what requests and steps refer to, requests, steps and job runs.
-- Ids: INTEGER PRIMARY KEY AUTOINCREMENT, as in the first migration.
-- Keep in step with migrations/postgres/2026-11-23-000002_create_the_release_model.

-- Scripts: the automations an automated step runs.
CREATE TABLE scripts (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NULL,
    script_type TEXT NOT NULL DEFAULT 'General',
    content TEXT NOT NULL DEFAULT '',
    aasm_state TEXT NOT NULL DEFAULT 'draft',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX scripts_lower_name_key ON scripts (lower(name));
CREATE INDEX scripts_aasm_state_idx ON scripts (aasm_state);

CREATE TABLE apps (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    app_version TEXT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX apps_lower_name_key ON apps (lower(name));

CREATE TABLE environments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    deployment_policy TEXT NOT NULL DEFAULT 'opened',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX environments_lower_name_key ON environments (lower(name));

CREATE TABLE components (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX components_lower_name_key ON components (lower(name));

-- An app's environments and components (the original's application_environments and
-- application_components; their ids show in an installed component).
CREATE TABLE app_environments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    app_id BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    environment_id BIGINT NOT NULL REFERENCES environments (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX app_environments_app_environment_key ON app_environments (app_id, environment_id);
CREATE INDEX app_environments_environment_id_idx ON app_environments (environment_id);

CREATE TABLE app_components (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    app_id BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    component_id BIGINT NOT NULL REFERENCES components (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX app_components_app_component_key ON app_components (app_id, component_id);
CREATE INDEX app_components_component_id_idx ON app_components (component_id);

-- An app's component in an environment, with its version.
CREATE TABLE installed_components (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    app_id BIGINT NOT NULL REFERENCES apps (id),
    component_id BIGINT NOT NULL REFERENCES components (id),
    environment_id BIGINT NOT NULL REFERENCES environments (id),
    version TEXT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX installed_components_app_component_environment_key
    ON installed_components (app_id, component_id, environment_id);
CREATE INDEX installed_components_component_id_idx ON installed_components (component_id);
CREATE INDEX installed_components_environment_id_idx ON installed_components (environment_id);

CREATE TABLE server_levels (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX server_levels_lower_name_key ON server_levels (lower(name));

-- Servers, grouped by level; a server may stand inside another (parent_type "Server").
CREATE TABLE servers (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NULL,
    ip_address TEXT NULL,
    os_platform TEXT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    server_level_id BIGINT NULL REFERENCES server_levels (id) ON DELETE SET NULL,
    parent_id BIGINT NULL REFERENCES servers (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX servers_lower_name_key ON servers (lower(name));
CREATE INDEX servers_server_level_id_idx ON servers (server_level_id);
CREATE INDEX servers_parent_id_idx ON servers (parent_id);

CREATE TABLE server_environments (
    server_id BIGINT NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    environment_id BIGINT NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    PRIMARY KEY (server_id, environment_id)
);
CREATE INDEX server_environments_environment_id_idx ON server_environments (environment_id);

-- The servers an installed component is deployed on.
CREATE TABLE installed_component_servers (
    installed_component_id BIGINT NOT NULL REFERENCES installed_components (id) ON DELETE CASCADE,
    server_id BIGINT NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    PRIMARY KEY (installed_component_id, server_id)
);
CREATE INDEX installed_component_servers_server_id_idx ON installed_component_servers (server_id);

CREATE TABLE phases (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    position BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX phases_lower_name_key ON phases (lower(name));

CREATE TABLE runtime_phases (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    phase_id BIGINT NOT NULL REFERENCES phases (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    position BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX runtime_phases_phase_lower_name_key ON runtime_phases (phase_id, lower(name));

CREATE TABLE work_tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    position BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX work_tasks_lower_name_key ON work_tasks (lower(name));

CREATE TABLE categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    categorized_type TEXT NOT NULL DEFAULT 'step',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX categories_lower_name_key ON categories (lower(name));

CREATE TABLE properties (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    default_value TEXT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX properties_lower_name_key ON properties (lower(name));

CREATE TABLE installed_component_property_values (
    installed_component_id BIGINT NOT NULL REFERENCES installed_components (id) ON DELETE CASCADE,
    property_id BIGINT NOT NULL REFERENCES properties (id) ON DELETE CASCADE,
    value TEXT NULL,
    PRIMARY KEY (installed_component_id, property_id)
);
CREATE INDEX installed_component_property_values_property_id_idx ON installed_component_property_values (property_id);

-- Free-floating procedures: steps kept for copying into requests.
CREATE TABLE procedures (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NULL,
    aasm_state TEXT NOT NULL DEFAULT 'draft',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX procedures_lower_name_key ON procedures (lower(name));

CREATE TABLE requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NULL,
    description TEXT NULL,
    aasm_state TEXT NOT NULL DEFAULT 'created',
    owner_id BIGINT NULL REFERENCES users (id),
    requestor_id BIGINT NULL REFERENCES users (id),
    environment_id BIGINT NULL REFERENCES environments (id),
    estimate BIGINT NULL,
    scheduled_at TIMESTAMP NULL,
    target_completion_at TIMESTAMP NULL,
    started_at TIMESTAMP NULL,
    completed_at TIMESTAMP NULL,
    cancelled_at TIMESTAMP NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX requests_aasm_state_idx ON requests (aasm_state);
CREATE INDEX requests_owner_id_idx ON requests (owner_id);
CREATE INDEX requests_requestor_id_idx ON requests (requestor_id);
CREATE INDEX requests_environment_id_idx ON requests (environment_id);
CREATE INDEX requests_name_idx ON requests (name);

CREATE TABLE request_apps (
    request_id BIGINT NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    app_id BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    PRIMARY KEY (request_id, app_id)
);
CREATE INDEX request_apps_app_id_idx ON request_apps (app_id);

-- Steps of a request, or of a free-floating procedure; a procedure step (procedure = true)
-- holds child steps (parent_id). owner_type is User or Group: owner_id has no foreign key.
CREATE TABLE steps (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NULL,
    description TEXT NULL,
    aasm_state TEXT NOT NULL DEFAULT 'locked',
    position BIGINT NOT NULL,
    request_id BIGINT NULL REFERENCES requests (id) ON DELETE CASCADE,
    procedure_id BIGINT NULL REFERENCES procedures (id) ON DELETE CASCADE,
    parent_id BIGINT NULL REFERENCES steps (id) ON DELETE CASCADE,
    owner_id BIGINT NULL,
    owner_type TEXT NULL,
    manual BOOLEAN NOT NULL DEFAULT TRUE,
    procedure BOOLEAN NOT NULL DEFAULT FALSE,
    script_id BIGINT NULL REFERENCES scripts (id),
    script_type TEXT NULL,
    installed_component_id BIGINT NULL REFERENCES installed_components (id),
    component_id BIGINT NULL REFERENCES components (id),
    component_version TEXT NULL,
    own_version BOOLEAN NOT NULL DEFAULT FALSE,
    version_tag_id BIGINT NULL,
    custom_ticket_id BIGINT NULL,
    release_content_item_id BIGINT NULL,
    change_request_id BIGINT NULL,
    completion_state TEXT NULL,
    on_plan BOOLEAN NOT NULL DEFAULT FALSE,
    package_template_id BIGINT NULL,
    package_template_properties TEXT NULL,
    phase_id BIGINT NULL REFERENCES phases (id),
    runtime_phase_id BIGINT NULL REFERENCES runtime_phases (id),
    should_execute BOOLEAN NOT NULL DEFAULT TRUE,
    execute_anytime BOOLEAN NOT NULL DEFAULT FALSE,
    start_by TIMESTAMP NULL,
    complete_by TIMESTAMP NULL,
    category_id BIGINT NULL REFERENCES categories (id),
    work_task_id BIGINT NULL REFERENCES work_tasks (id),
    location_detail TEXT NULL,
    estimate BIGINT NULL,
    different_level_from_previous BOOLEAN NOT NULL DEFAULT TRUE,
    ready_at TIMESTAMP NULL,
    work_started_at TIMESTAMP NULL,
    work_finished_at TIMESTAMP NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX steps_request_id_position_idx ON steps (request_id, position);
CREATE INDEX steps_procedure_id_position_idx ON steps (procedure_id, position);
CREATE INDEX steps_parent_id_position_idx ON steps (parent_id, position);
CREATE INDEX steps_aasm_state_idx ON steps (aasm_state);
CREATE INDEX steps_owner_idx ON steps (owner_id, owner_type);
CREATE INDEX steps_name_idx ON steps (name);
CREATE INDEX steps_script_id_idx ON steps (script_id);
CREATE INDEX steps_installed_component_id_idx ON steps (installed_component_id);
CREATE INDEX steps_component_id_idx ON steps (component_id);
CREATE INDEX steps_component_version_idx ON steps (component_version);
CREATE INDEX steps_version_tag_id_idx ON steps (version_tag_id);
CREATE INDEX steps_custom_ticket_id_idx ON steps (custom_ticket_id);
CREATE INDEX steps_package_template_id_idx ON steps (package_template_id);
CREATE INDEX steps_phase_id_idx ON steps (phase_id);
CREATE INDEX steps_runtime_phase_id_idx ON steps (runtime_phase_id);
CREATE INDEX steps_category_id_idx ON steps (category_id);
CREATE INDEX steps_work_task_id_idx ON steps (work_task_id);

-- A step's selected servers: role 'target' or 'alternate'.
CREATE TABLE step_servers (
    step_id BIGINT NOT NULL REFERENCES steps (id) ON DELETE CASCADE,
    server_id BIGINT NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    role TEXT NOT NULL DEFAULT 'target',
    PRIMARY KEY (step_id, server_id)
);
CREATE INDEX step_servers_server_id_idx ON step_servers (server_id);

CREATE TABLE step_property_values (
    step_id BIGINT NOT NULL REFERENCES steps (id) ON DELETE CASCADE,
    property_id BIGINT NOT NULL REFERENCES properties (id) ON DELETE CASCADE,
    value TEXT NULL,
    PRIMARY KEY (step_id, property_id)
);
CREATE INDEX step_property_values_property_id_idx ON step_property_values (property_id);

-- Job runs: automations and notifications, and (later) the runners' queue.
CREATE TABLE job_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    job_type TEXT NOT NULL,
    status TEXT NOT NULL,
    run_key BIGINT NULL,
    automation_id BIGINT NULL REFERENCES scripts (id) ON DELETE SET NULL,
    user_id BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
    step_id BIGINT NULL REFERENCES steps (id) ON DELETE SET NULL,
    process_id BIGINT NULL,
    results_path TEXT NULL,
    stdout TEXT NULL,
    stderr TEXT NULL,
    started_at TIMESTAMP NULL,
    finished_at TIMESTAMP NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX job_runs_status_idx ON job_runs (status);
CREATE INDEX job_runs_job_type_idx ON job_runs (job_type);
CREATE INDEX job_runs_run_key_idx ON job_runs (run_key);
CREATE INDEX job_runs_automation_id_idx ON job_runs (automation_id);
CREATE INDEX job_runs_user_id_idx ON job_runs (user_id);
CREATE INDEX job_runs_step_id_idx ON job_runs (step_id);
CREATE INDEX job_runs_process_id_idx ON job_runs (process_id);
