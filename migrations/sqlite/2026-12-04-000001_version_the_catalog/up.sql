-- The catalog: what steps name and show that is neither a request nor a step (servers,
-- installed components, scripts, owners, ...). Servers keep it between requests and ask,
-- with each read, for its version: every change to a catalog table sets a new random one in
-- its own transaction, so a version names one committed state of the catalog (or one
-- transaction's own, which no one else sees, and which a rollback takes away for good).
-- docs/benchmarks.md, 22; crates/runsheet-store/src/catalog.rs.
CREATE TABLE catalog_version (
    id BOOLEAN PRIMARY KEY NOT NULL DEFAULT TRUE CHECK (id),
    version BIGINT NOT NULL
);
INSERT INTO catalog_version (version) VALUES (random());

CREATE TRIGGER apps_insert_catalog_changed AFTER INSERT ON "apps"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER apps_update_catalog_changed AFTER UPDATE ON "apps"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER apps_delete_catalog_changed AFTER DELETE ON "apps"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER app_components_insert_catalog_changed AFTER INSERT ON "app_components"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER app_components_update_catalog_changed AFTER UPDATE ON "app_components"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER app_components_delete_catalog_changed AFTER DELETE ON "app_components"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER app_environments_insert_catalog_changed AFTER INSERT ON "app_environments"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER app_environments_update_catalog_changed AFTER UPDATE ON "app_environments"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER app_environments_delete_catalog_changed AFTER DELETE ON "app_environments"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER categories_insert_catalog_changed AFTER INSERT ON "categories"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER categories_update_catalog_changed AFTER UPDATE ON "categories"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER categories_delete_catalog_changed AFTER DELETE ON "categories"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER components_insert_catalog_changed AFTER INSERT ON "components"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER components_update_catalog_changed AFTER UPDATE ON "components"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER components_delete_catalog_changed AFTER DELETE ON "components"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER environments_insert_catalog_changed AFTER INSERT ON "environments"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER environments_update_catalog_changed AFTER UPDATE ON "environments"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER environments_delete_catalog_changed AFTER DELETE ON "environments"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER groups_insert_catalog_changed AFTER INSERT ON "groups"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER groups_update_catalog_changed AFTER UPDATE ON "groups"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER groups_delete_catalog_changed AFTER DELETE ON "groups"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER installed_components_insert_catalog_changed AFTER INSERT ON "installed_components"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER installed_components_update_catalog_changed AFTER UPDATE ON "installed_components"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER installed_components_delete_catalog_changed AFTER DELETE ON "installed_components"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER installed_component_servers_insert_catalog_changed AFTER INSERT ON "installed_component_servers"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER installed_component_servers_update_catalog_changed AFTER UPDATE ON "installed_component_servers"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER installed_component_servers_delete_catalog_changed AFTER DELETE ON "installed_component_servers"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER phases_insert_catalog_changed AFTER INSERT ON "phases"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER phases_update_catalog_changed AFTER UPDATE ON "phases"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER phases_delete_catalog_changed AFTER DELETE ON "phases"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER properties_insert_catalog_changed AFTER INSERT ON "properties"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER properties_update_catalog_changed AFTER UPDATE ON "properties"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER properties_delete_catalog_changed AFTER DELETE ON "properties"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER runtime_phases_insert_catalog_changed AFTER INSERT ON "runtime_phases"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER runtime_phases_update_catalog_changed AFTER UPDATE ON "runtime_phases"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER runtime_phases_delete_catalog_changed AFTER DELETE ON "runtime_phases"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER scripts_insert_catalog_changed AFTER INSERT ON "scripts"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER scripts_update_catalog_changed AFTER UPDATE ON "scripts"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER scripts_delete_catalog_changed AFTER DELETE ON "scripts"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER server_environments_insert_catalog_changed AFTER INSERT ON "server_environments"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER server_environments_update_catalog_changed AFTER UPDATE ON "server_environments"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER server_environments_delete_catalog_changed AFTER DELETE ON "server_environments"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER server_levels_insert_catalog_changed AFTER INSERT ON "server_levels"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER server_levels_update_catalog_changed AFTER UPDATE ON "server_levels"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER server_levels_delete_catalog_changed AFTER DELETE ON "server_levels"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER servers_insert_catalog_changed AFTER INSERT ON "servers"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER servers_update_catalog_changed AFTER UPDATE ON "servers"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER servers_delete_catalog_changed AFTER DELETE ON "servers"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER users_insert_catalog_changed AFTER INSERT ON "users"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER users_update_catalog_changed AFTER UPDATE ON "users"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER users_delete_catalog_changed AFTER DELETE ON "users"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER work_tasks_insert_catalog_changed AFTER INSERT ON "work_tasks"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER work_tasks_update_catalog_changed AFTER UPDATE ON "work_tasks"
BEGIN UPDATE catalog_version SET version = random(); END;

CREATE TRIGGER work_tasks_delete_catalog_changed AFTER DELETE ON "work_tasks"
BEGIN UPDATE catalog_version SET version = random(); END;
