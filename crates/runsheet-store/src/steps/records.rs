//! Loading what steps show (owners, scripts, servers, ...) for a whole list at once.

use std::sync::Arc;

use super::catalog::{self, Catalog, Wanted};
use super::names::{Kind, Names};
use super::*;

/// A step's property value: step, property, value.
pub(super) type PropertyValueCols = (i64, i64, Option<String>);
/// A server a step selected: step, role, server.
pub(super) type SelectedCols = (i64, String, i64);

/// What steps show beyond their own row and names, as read: their property values and the
/// servers they selected, by id, and the catalog's version when they were read. The rest
/// (what the ids name, the installed components' servers) comes from the [`catalog`].
pub(super) struct Records {
    pub version: i64,
    pub property_values: Vec<PropertyValueCols>,
    pub selected: Vec<SelectedCols>,
}

/// Steps read with their names (`shown!`), and their records when the same statement
/// read them (PostgreSQL's [`look_up`](super::names::look_up)).
#[derive(Default)]
pub(super) struct Read {
    pub rows: Vec<(StepRow, Names)>,
    pub records: Option<Records>,
}

/// Everything the steps show, for all of them at once: one query per kind of record
/// (with all the ids bound as one list), never one per step, unless they came with the
/// steps' names.
pub(super) fn load_records(
    conn: &mut AnyConnection,
    read: Read,
) -> Result<Vec<StepRecord>, StoreError> {
    let Read { rows, records } = read;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let records = match records {
        Some(records) => records,
        None => {
            let version = catalog::version(conn)?;
            read_records(conn, version, &rows)?
        }
    };
    dress(conn, rows, records)
}

/// The records of `rows`, read after the catalog's `version`.
pub(super) fn read_records(
    conn: &mut AnyConnection,
    version: i64,
    rows: &[(StepRow, Names)],
) -> Result<Records, StoreError> {
    let step_ids: Vec<i64> = rows.iter().map(|(r, _)| r.id).collect();
    // Neither is ordered by SQL: SQLite sorted each in a temporary b-tree, a quarter to a
    // third of its work on them (docs/benchmarks.md, 14). Each step's few rows are sorted
    // here instead, by the same keys.
    let property_values = for_ids!(&step_ids, step_property_values::step_id, |filter| {
        direct!(conn, |c| step_property_values::table
            .filter(filter)
            .select((
                step_property_values::step_id,
                step_property_values::property_id,
                step_property_values::value,
            ))
            .load(c))
    })?;
    let selected = for_ids!(&step_ids, step_servers::step_id, |filter| {
        direct!(conn, |c| step_servers::table
            .filter(filter)
            .select((
                step_servers::step_id,
                step_servers::role,
                step_servers::server_id,
            ))
            .load(c))
    })?;
    Ok(Records {
        version,
        property_values,
        selected,
    })
}

/// `rows` with their records and what those name in the catalog: the same for a list and
/// for a show, on every backend.
pub(super) fn dress(
    conn: &mut AnyConnection,
    rows: Vec<(StepRow, Names)>,
    records: Records,
) -> Result<Vec<StepRecord>, StoreError> {
    let Records {
        version,
        mut property_values,
        selected,
    } = records;
    let wanted = Wanted {
        servers: selected.iter().map(|&(_, _, server)| server).collect(),
        installed: rows
            .iter()
            .filter_map(|(r, _)| r.installed_component_id)
            .collect(),
        properties: property_values.iter().map(|&(_, p, _)| p).collect(),
        names: rows
            .iter()
            .flat_map(|(r, _)| Kind::ALL.into_iter().filter_map(|k| Some((k, k.id_in(r)?))))
            .collect(),
    };
    let catalog = catalog::find(conn, version, wanted)?;
    Ok(dress_with(rows, &mut property_values, selected, &catalog))
}

/// [`dress`], with the catalog's entries found. What names an entry no longer there (removed
/// between two statements) is left out, as a join would leave it.
fn dress_with(
    rows: Vec<(StepRow, Names)>,
    property_values: &mut [PropertyValueCols],
    selected: Vec<SelectedCols>,
    catalog: &Catalog,
) -> Vec<StepRecord> {
    // Sorted, then grouped by step once, so that dressing each step is a lookup.
    property_values.sort_unstable_by_key(|&(step, property, _)| (step, property));
    let mut values_of: HashMap<i64, Vec<(String, Option<String>)>> = HashMap::new();
    for (step, property, value) in property_values.iter_mut() {
        if let Some(name) = catalog.properties.get(property) {
            values_of
                .entry(*step)
                .or_default()
                .push((name.to_string(), value.take()));
        }
    }
    let mut selected: Vec<(i64, String, &Arc<ServerRef>)> = selected
        .into_iter()
        .filter_map(|(step, role, id)| Some((step, role, catalog.servers.get(&id)?)))
        .collect();
    selected.sort_unstable_by(|(a, _, a_server), (b, _, b_server)| {
        a.cmp(b).then_with(|| catalog::by_name(a_server, b_server))
    });
    let mut selected_of: HashMap<(i64, String), Vec<ServerRef>> = HashMap::new();
    for (step, role, server) in selected {
        selected_of
            .entry((step, role))
            .or_default()
            .push(ServerRef::clone(server));
    }
    rows.into_iter()
        .map(|(r, names)| {
            let refs = names.refs(&r, catalog);
            let mut servers_in = |role: &str| {
                selected_of
                    .remove(&(r.id, role.to_string()))
                    .unwrap_or_default()
            };
            StepRecord {
                number: number(r.position, refs.parent.as_ref().map(|p| p.position)),
                property_values: values_of.remove(&r.id).unwrap_or_default(),
                target_servers: servers_in("target"),
                alternate_servers: servers_in("alternate"),
                available_servers: r
                    .installed_component_id
                    .and_then(|ic| catalog.available.get(&ic))
                    .map(|servers| servers.to_vec())
                    .unwrap_or_default(),
                owner: refs.owner,
                script: refs.script,
                work_task: refs.work_task,
                phase: refs.phase,
                runtime_phase: refs.runtime_phase,
                installed_component: r
                    .installed_component_id
                    .and_then(|ic| catalog.installed.get(&ic))
                    .map(|installed| InstalledComponentRef::clone(installed)),
                component: refs.component,
                request: refs.request,
                category: refs.category,
                parent: refs.parent,
                step: r.into(),
            }
        })
        .collect()
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use crate::testing::{fixtures, TestDb};
    use crate::AnyConnection;

    /// A step with an installed component, selected and available servers and property
    /// values: one record of each kind.
    fn rich_step(c: &mut AnyConnection) -> i64 {
        const T: &str = "'2014-07-07 13:01:41'";
        let id = |c: &mut AnyConnection, sql: String| fixtures::insert(c, &sql).expect(&sql);
        let link = |c: &mut AnyConnection, sql: String| fixtures::execute(c, &sql).expect(&sql);
        let app = id(c, format!("INSERT INTO apps (name, active, created_at, updated_at) VALUES ('a', TRUE, {T}, {T})"));
        let component = id(c, format!("INSERT INTO components (name, active, created_at, updated_at) VALUES ('c', TRUE, {T}, {T})"));
        let environment = id(c, format!("INSERT INTO environments (name, deployment_policy, active, created_at, updated_at) VALUES ('e', 'opened', TRUE, {T}, {T})"));
        let installed = id(c, format!("INSERT INTO installed_components (app_id, component_id, environment_id, created_at, updated_at) VALUES ({app}, {component}, {environment}, {T}, {T})"));
        let property = id(c, format!("INSERT INTO properties (name, active, created_at, updated_at) VALUES ('p', TRUE, {T}, {T})"));
        let server = id(c, format!("INSERT INTO servers (name, active, created_at, updated_at) VALUES ('s', TRUE, {T}, {T})"));
        link(c, format!("INSERT INTO server_environments (server_id, environment_id) VALUES ({server}, {environment})"));
        link(c, format!("INSERT INTO installed_component_servers (installed_component_id, server_id) VALUES ({installed}, {server})"));
        let step = fixtures::step(c, Some(installed), None).expect("step");
        link(c, format!("INSERT INTO step_servers (step_id, server_id, role) VALUES ({step}, {server}, 'target')"));
        link(c, format!("INSERT INTO step_property_values (step_id, property_id, value) VALUES ({step}, {property}, 'v')"));
        step
    }

    fn assert_all_shown(shown: &runsheet_core::step::StepRecord) {
        assert_eq!(shown.property_values.len(), 1);
        assert_eq!(shown.target_servers.len(), 1);
        assert_eq!(shown.available_servers.len(), 1);
        assert!(shown.installed_component.is_some());
    }

    /// The rich step is shown without a sort or other temporary table in SQLite: the rows
    /// come unordered and are sorted here, by the same keys (the API tests check the order).
    /// The first show reads the catalog's entries too; the next finds them kept.
    #[test]
    fn sqlite_sorts_nothing_for_a_show() {
        let db = TestDb::sqlite();
        let pool = db.pool();
        let mut conn = pool.get().expect("connection");
        let c: &mut AnyConnection = &mut conn;
        let step = rich_step(c);

        let reads_of = |c: &mut AnyConnection| {
            let (shown, statements) = fixtures::statements(c, |c| super::super::find(c, step));
            assert_all_shown(&shown.expect("shown"));
            let reads: Vec<String> = statements
                .into_iter()
                .filter(|s| s.starts_with("SELECT"))
                .collect();
            reads
        };
        // The step, its property values and servers; the catalog's version, then its
        // servers, installed component, available servers and properties.
        let first = reads_of(c);
        assert_eq!(first.len(), 8, "{first:#?}");
        for read in &first {
            let temporaries = fixtures::sqlite_temporaries(c, read).expect("plan");
            assert!(temporaries.is_empty(), "{read}\n{temporaries:#?}");
        }
        let next = reads_of(c);
        assert_eq!(next, first[..3], "{next:#?}");
    }

    /// A page of the list (a list's first chunk) is read in one snapshot on SQLite, as a
    /// chunk read by ids is: its steps, the catalog's version and its records.
    #[test]
    fn sqlite_reads_a_page_in_one_read() {
        let db = TestDb::sqlite();
        let pool = db.pool();
        let mut conn = pool.get().expect("connection");
        let c: &mut AnyConnection = &mut conn;
        rich_step(c);
        let filter = runsheet_core::step::StepFilter::default();
        let window = runsheet_core::paging::Window::ALL;
        let (page, statements) =
            fixtures::statements(c, |c| super::super::page(c, &filter, &window));
        assert_all_shown(&page.expect("page")[0]);
        assert_eq!(
            statements.first().map(String::as_str),
            Some("BEGIN"),
            "{statements:#?}"
        );
        assert_eq!(
            statements.last().map(String::as_str),
            Some("COMMIT"),
            "{statements:#?}"
        );
        assert!(statements.len() > 4, "{statements:#?}");
    }

    /// On PostgreSQL a page of the list is two statements once the catalog is kept: its
    /// steps, then their requests, parents, records and the catalog's version (22).
    #[test]
    fn postgres_reads_a_page_in_two_statements() {
        let Some(db) = TestDb::postgres() else { return };
        let pool = db.pool();
        let mut conn = pool.get().expect("connection");
        let c: &mut AnyConnection = &mut conn;
        rich_step(c);
        let filter = runsheet_core::step::StepFilter::default();
        let window = runsheet_core::paging::Window::ALL;
        let page = |c: &mut AnyConnection| super::super::page(c, &filter, &window);
        assert_all_shown(&page(c).expect("page")[0]);
        let (again, statements) = fixtures::statements(c, page);
        assert_all_shown(&again.expect("page")[0]);
        assert_eq!(statements.len(), 2, "{statements:#?}");
    }

    /// A change to the catalog, by any connection, is shown by the next read; until then
    /// what was kept is.
    #[test]
    fn a_change_to_the_catalog_is_shown_at_once() {
        for db in TestDb::all() {
            let backend = db.backend_name();
            let pool = db.pool();
            let mut conn = pool.get().expect("connection");
            let c: &mut AnyConnection = &mut conn;
            let step = rich_step(c);
            let owner = fixtures::insert(c, "INSERT INTO users (login, email, admin, active, created_at, updated_at) VALUES ('ann', 'a@example.com', FALSE, TRUE, '2014-07-07 13:01:41', '2014-07-07 13:01:41')").expect("user");
            let owned = format!("UPDATE steps SET owner_id = {owner}, owner_type = 'User'");
            fixtures::execute(c, &owned).expect("owned");
            let login = |shown: &runsheet_core::step::StepRecord| match &shown.owner {
                Some(runsheet_core::step::Owner::User { login, .. }) => login.clone(),
                other => panic!("{other:?}"),
            };
            let shown = super::super::find(c, step).expect("shown");
            assert_eq!(shown.target_servers[0].name, "s", "{backend}");
            assert_eq!(login(&shown), "ann", "{backend}");

            // Another connection renames the server and the owner, as another server or psql
            // would.
            let mut other = db.connection();
            fixtures::execute(&mut other, "UPDATE servers SET name = 't'").expect("renamed");
            fixtures::execute(&mut other, "UPDATE users SET login = 'bea'").expect("renamed");
            let shown = super::super::find(c, step).expect("shown");
            assert_eq!(shown.target_servers[0].name, "t", "{backend}");
            assert_eq!(shown.available_servers[0].name, "t", "{backend}");
            assert_eq!(login(&shown), "bea", "{backend}");
            let listed = super::super::by_ids(c, &[step]).expect("listed");
            assert_eq!(listed, [shown], "{backend}");

            // And a rolled back change leaves nothing behind: its version is never seen again.
            let rolled_back = crate::transaction::write(c, |c| {
                fixtures::execute(c, "UPDATE properties SET name = 'q'")?;
                let inside = super::super::find(c, step)?;
                assert_eq!(inside.property_values[0].0, "q", "{backend}");
                Err::<(), _>(crate::StoreError::NotFound)
            });
            assert!(rolled_back.is_err());
            let shown = super::super::find(c, step).expect("shown");
            assert_eq!(shown.property_values[0].0, "p", "{backend}");
        }
    }

    /// On PostgreSQL the rich step and all it shows come in one statement, one round trip,
    /// kept prepared (docs/benchmarks.md, 20).
    #[test]
    fn postgres_shows_a_step_in_one_statement() {
        let Some(db) = TestDb::postgres() else { return };
        let pool = db.pool();
        let mut conn = pool.get().expect("connection");
        let c: &mut AnyConnection = &mut conn;
        let step = rich_step(c);

        // Before any other show: a statement already cached would not be seen kept.
        let not_kept = fixtures::statements_not_kept(c, |c| super::super::find(c, step));
        assert!(not_kept.is_empty(), "{not_kept:#?}");
        let (shown, statements) = fixtures::statements(c, |c| super::super::find(c, step));
        assert_all_shown(&shown.expect("shown"));
        assert_eq!(statements.len(), 1, "{statements:#?}");
    }
}
