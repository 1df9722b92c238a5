// @generated automatically by Diesel CLI.

diesel::table! {
    app_components (id) {
        id -> Int8,
        app_id -> Int8,
        component_id -> Int8,
    }
}

diesel::table! {
    app_environments (id) {
        id -> Int8,
        app_id -> Int8,
        environment_id -> Int8,
    }
}

diesel::table! {
    apps (id) {
        id -> Int8,
        name -> Text,
        app_version -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    catalog_version (id) {
        id -> Bool,
        version -> Int8,
    }
}

diesel::table! {
    categories (id) {
        id -> Int8,
        name -> Text,
        categorized_type -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    components (id) {
        id -> Int8,
        name -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    environments (id) {
        id -> Int8,
        name -> Text,
        deployment_policy -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    group_memberships (group_id, user_id) {
        group_id -> Int8,
        user_id -> Int8,
    }
}

diesel::table! {
    groups (id) {
        id -> Int8,
        name -> Text,
        email -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    installed_component_property_values (installed_component_id, property_id) {
        installed_component_id -> Int8,
        property_id -> Int8,
        value -> Nullable<Text>,
    }
}

diesel::table! {
    installed_component_servers (installed_component_id, server_id) {
        installed_component_id -> Int8,
        server_id -> Int8,
    }
}

diesel::table! {
    installed_components (id) {
        id -> Int8,
        app_id -> Int8,
        component_id -> Int8,
        environment_id -> Int8,
        version -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    job_runs (id) {
        id -> Int8,
        job_type -> Text,
        status -> Text,
        run_key -> Nullable<Int8>,
        automation_id -> Nullable<Int8>,
        user_id -> Nullable<Int8>,
        step_id -> Nullable<Int8>,
        process_id -> Nullable<Int8>,
        results_path -> Nullable<Text>,
        stdout -> Nullable<Text>,
        stderr -> Nullable<Text>,
        started_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        runner_id -> Nullable<Text>,
        heartbeat_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    phases (id) {
        id -> Int8,
        name -> Text,
        position -> Int8,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    procedures (id) {
        id -> Int8,
        name -> Text,
        description -> Nullable<Text>,
        aasm_state -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    properties (id) {
        id -> Int8,
        name -> Text,
        default_value -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    request_apps (request_id, app_id) {
        request_id -> Int8,
        app_id -> Int8,
    }
}

diesel::table! {
    requests (id) {
        id -> Int8,
        name -> Nullable<Text>,
        description -> Nullable<Text>,
        aasm_state -> Text,
        owner_id -> Nullable<Int8>,
        requestor_id -> Nullable<Int8>,
        environment_id -> Nullable<Int8>,
        estimate -> Nullable<Int8>,
        scheduled_at -> Nullable<Timestamp>,
        target_completion_at -> Nullable<Timestamp>,
        started_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        cancelled_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    runtime_phases (id) {
        id -> Int8,
        phase_id -> Int8,
        name -> Text,
        position -> Int8,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    scripts (id) {
        id -> Int8,
        name -> Text,
        description -> Nullable<Text>,
        script_type -> Text,
        content -> Text,
        aasm_state -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    server_environments (server_id, environment_id) {
        server_id -> Int8,
        environment_id -> Int8,
    }
}

diesel::table! {
    server_levels (id) {
        id -> Int8,
        name -> Text,
        description -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    servers (id) {
        id -> Int8,
        name -> Text,
        description -> Nullable<Text>,
        ip_address -> Nullable<Text>,
        os_platform -> Nullable<Text>,
        active -> Bool,
        server_level_id -> Nullable<Int8>,
        parent_id -> Nullable<Int8>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    step_property_values (step_id, property_id) {
        step_id -> Int8,
        property_id -> Int8,
        value -> Nullable<Text>,
    }
}

diesel::table! {
    step_servers (step_id, server_id) {
        step_id -> Int8,
        server_id -> Int8,
        role -> Text,
    }
}

diesel::table! {
    steps (id) {
        id -> Int8,
        name -> Nullable<Text>,
        description -> Nullable<Text>,
        aasm_state -> Text,
        position -> Int8,
        request_id -> Nullable<Int8>,
        procedure_id -> Nullable<Int8>,
        parent_id -> Nullable<Int8>,
        owner_id -> Nullable<Int8>,
        owner_type -> Nullable<Text>,
        manual -> Bool,
        procedure -> Bool,
        script_id -> Nullable<Int8>,
        script_type -> Nullable<Text>,
        installed_component_id -> Nullable<Int8>,
        component_id -> Nullable<Int8>,
        component_version -> Nullable<Text>,
        own_version -> Bool,
        version_tag_id -> Nullable<Int8>,
        custom_ticket_id -> Nullable<Int8>,
        release_content_item_id -> Nullable<Int8>,
        change_request_id -> Nullable<Int8>,
        completion_state -> Nullable<Text>,
        on_plan -> Bool,
        package_template_id -> Nullable<Int8>,
        package_template_properties -> Nullable<Text>,
        phase_id -> Nullable<Int8>,
        runtime_phase_id -> Nullable<Int8>,
        should_execute -> Bool,
        execute_anytime -> Bool,
        start_by -> Nullable<Timestamp>,
        complete_by -> Nullable<Timestamp>,
        category_id -> Nullable<Int8>,
        work_task_id -> Nullable<Int8>,
        location_detail -> Nullable<Text>,
        estimate -> Nullable<Int8>,
        different_level_from_previous -> Bool,
        ready_at -> Nullable<Timestamp>,
        work_started_at -> Nullable<Timestamp>,
        work_finished_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Int8,
        login -> Text,
        email -> Text,
        first_name -> Nullable<Text>,
        last_name -> Nullable<Text>,
        admin -> Bool,
        active -> Bool,
        api_key_prefix -> Nullable<Text>,
        api_key_hash -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    work_tasks (id) {
        id -> Int8,
        name -> Text,
        position -> Int8,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(app_components -> apps (app_id));
diesel::joinable!(app_components -> components (component_id));
diesel::joinable!(app_environments -> apps (app_id));
diesel::joinable!(app_environments -> environments (environment_id));
diesel::joinable!(group_memberships -> groups (group_id));
diesel::joinable!(group_memberships -> users (user_id));
diesel::joinable!(installed_component_property_values -> installed_components (installed_component_id));
diesel::joinable!(installed_component_property_values -> properties (property_id));
diesel::joinable!(installed_component_servers -> installed_components (installed_component_id));
diesel::joinable!(installed_component_servers -> servers (server_id));
diesel::joinable!(installed_components -> apps (app_id));
diesel::joinable!(installed_components -> components (component_id));
diesel::joinable!(installed_components -> environments (environment_id));
diesel::joinable!(job_runs -> scripts (automation_id));
diesel::joinable!(job_runs -> steps (step_id));
diesel::joinable!(job_runs -> users (user_id));
diesel::joinable!(request_apps -> apps (app_id));
diesel::joinable!(request_apps -> requests (request_id));
diesel::joinable!(requests -> environments (environment_id));
diesel::joinable!(runtime_phases -> phases (phase_id));
diesel::joinable!(server_environments -> environments (environment_id));
diesel::joinable!(server_environments -> servers (server_id));
diesel::joinable!(servers -> server_levels (server_level_id));
diesel::joinable!(step_property_values -> properties (property_id));
diesel::joinable!(step_property_values -> steps (step_id));
diesel::joinable!(step_servers -> servers (server_id));
diesel::joinable!(step_servers -> steps (step_id));
diesel::joinable!(steps -> categories (category_id));
diesel::joinable!(steps -> components (component_id));
diesel::joinable!(steps -> installed_components (installed_component_id));
diesel::joinable!(steps -> phases (phase_id));
diesel::joinable!(steps -> procedures (procedure_id));
diesel::joinable!(steps -> requests (request_id));
diesel::joinable!(steps -> runtime_phases (runtime_phase_id));
diesel::joinable!(steps -> scripts (script_id));
diesel::joinable!(steps -> work_tasks (work_task_id));

diesel::allow_tables_to_appear_in_same_query!(
    app_components,
    app_environments,
    apps,
    catalog_version,
    categories,
    components,
    environments,
    group_memberships,
    groups,
    installed_component_property_values,
    installed_component_servers,
    installed_components,
    job_runs,
    phases,
    procedures,
    properties,
    request_apps,
    requests,
    runtime_phases,
    scripts,
    server_environments,
    server_levels,
    servers,
    step_property_values,
    step_servers,
    steps,
    users,
    work_tasks,
);
