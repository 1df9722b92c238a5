-- The catalog: what steps name and show that is neither a request nor a step (servers,
-- installed components, scripts, owners, ...). Servers keep it between requests and ask,
-- with each read, for its version: every statement that changes a catalog table sets a new
-- random one in its own transaction, so a version names one committed state of the catalog
-- (or one transaction's own, which no one else sees, and which a rollback takes away for
-- good). docs/benchmarks.md, 22; crates/runsheet-store/src/catalog.rs.
CREATE TABLE catalog_version (
    id BOOLEAN PRIMARY KEY NOT NULL DEFAULT TRUE CHECK (id),
    version BIGINT NOT NULL
);
INSERT INTO catalog_version (version) VALUES (floor(random() * 4611686018427387904)::BIGINT);

-- BEFORE each statement: the version's row is locked before the statement locks any row of
-- the catalog, so two transactions that change it queue at their first such statement
-- instead of each holding rows the other waits for.
CREATE FUNCTION catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_version SET version = floor(random() * 4611686018427387904)::BIGINT;
    RETURN NULL;
END
$$;

CREATE TRIGGER apps_catalog_changed BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "apps"
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();

CREATE TRIGGER app_components_catalog_changed BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "app_components"
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();

CREATE TRIGGER app_environments_catalog_changed BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "app_environments"
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();

CREATE TRIGGER categories_catalog_changed BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "categories"
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();

CREATE TRIGGER components_catalog_changed BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "components"
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();

CREATE TRIGGER environments_catalog_changed BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "environments"
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();

CREATE TRIGGER groups_catalog_changed BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "groups"
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();

CREATE TRIGGER installed_components_catalog_changed BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "installed_components"
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();

CREATE TRIGGER installed_component_servers_catalog_changed BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "installed_component_servers"
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();

CREATE TRIGGER phases_catalog_changed BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "phases"
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();

CREATE TRIGGER properties_catalog_changed BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "properties"
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();

CREATE TRIGGER runtime_phases_catalog_changed BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "runtime_phases"
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();

CREATE TRIGGER scripts_catalog_changed BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "scripts"
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();

CREATE TRIGGER server_environments_catalog_changed BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "server_environments"
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();

CREATE TRIGGER server_levels_catalog_changed BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "server_levels"
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();

CREATE TRIGGER servers_catalog_changed BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "servers"
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();

CREATE TRIGGER users_catalog_changed BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "users"
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();

CREATE TRIGGER work_tasks_catalog_changed BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "work_tasks"
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();
