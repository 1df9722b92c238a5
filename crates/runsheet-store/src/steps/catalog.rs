//! What steps show of the catalog (servers, installed components, property names, the names
//! of scripts, owners, phases, ...), kept between requests.
//!
//! Why: on PostgreSQL, joining them to every step read was most of its work: 608 of a
//! 50-step list's 940 µs, and half of a show's statement (docs/benchmarks.md, 21 and 22).
//! They change rarely, through the API's catalog resources or by hand.
//!
//! How it stays true: the database keeps the catalog's version (`catalog_version`), which
//! every change to a catalog table sets to a new random number, by trigger, in the change's
//! own transaction. A version therefore names one committed state of the catalog, whoever
//! made it (another server, the CLI, `psql`), or one transaction's own state, which no one
//! else sees and which a rollback takes away for good. Every read of steps reads the
//! version after its request began; what is kept is used only when it was read at that same
//! version, and anything missing is read again and kept under the version read before it.
//! Rows read after the version are as new as it or newer, never older, so what is kept under
//! a version is never older than that version's catalog.
//!
//! What is kept is shared by the whole process and found by version: a version names one
//! state of one database's catalog (two databases' versions are two random numbers), so a
//! process that serves several, as the tests do, needs nothing more to tell them apart.

use std::collections::VecDeque;
use std::sync::{Arc, LazyLock, PoisonError, RwLock};

use super::names::{Kind, Named};
use super::*;
use crate::schema::{catalog_version, server_environments};
use crate::sql::distinct;

/// How many entries are kept at most, over all versions: bounds the memory they take (a
/// server is about 300 bytes with its strings) whatever the catalog's size.
const MOST_KEPT: usize = 50_000;

/// Catalog entries by id, as steps show them.
#[derive(Default, Clone)]
pub(super) struct Catalog {
    pub servers: HashMap<i64, Arc<ServerRef>>,
    pub installed: HashMap<i64, Arc<InstalledComponentRef>>,
    /// The servers of each installed component in its environment, in the order steps list
    /// them (by name, then id): the `available_servers` of its steps.
    pub available: HashMap<i64, Arc<[ServerRef]>>,
    pub properties: HashMap<i64, Arc<str>>,
    pub names: HashMap<(Kind, i64), Arc<Named>>,
}

impl Catalog {
    /// How many entries, each server of an available list counted as one.
    fn len(&self) -> usize {
        let available: usize = self.available.values().map(|s| s.len().max(1)).sum();
        self.servers.len()
            + self.installed.len()
            + available
            + self.properties.len()
            + self.names.len()
    }

    /// Adds `other`'s entries (shared, not copied).
    fn add(&mut self, other: &Catalog) {
        self.servers
            .extend(other.servers.iter().map(|(&id, e)| (id, Arc::clone(e))));
        self.installed
            .extend(other.installed.iter().map(|(&id, e)| (id, Arc::clone(e))));
        self.available
            .extend(other.available.iter().map(|(&id, e)| (id, Arc::clone(e))));
        self.properties
            .extend(other.properties.iter().map(|(&id, e)| (id, Arc::clone(e))));
        self.names
            .extend(other.names.iter().map(|(&key, e)| (key, Arc::clone(e))));
    }
}

/// The ids of the entries some steps show.
#[derive(Default)]
pub(super) struct Wanted {
    pub servers: Vec<i64>,
    /// Installed components, each with its available servers.
    pub installed: Vec<i64>,
    pub properties: Vec<i64>,
    pub names: Vec<(Kind, i64)>,
}

impl Wanted {
    fn is_empty(&self) -> bool {
        self.servers.is_empty()
            && self.installed.is_empty()
            && self.properties.is_empty()
            && self.names.is_empty()
    }
}

/// The process's kept entries, by the version they were read at. Versions are random, so
/// each names one database's catalog at one time; the last one read is the one in use, the
/// others are kept only until they would be too many (a reader that began before a change
/// may still read its version; a process may serve several databases, as the tests do).
#[derive(Default)]
struct Kept {
    catalogs: HashMap<i64, Catalog>,
    /// The versions of `catalogs`, the one kept first first.
    order: VecDeque<i64>,
    /// The entries of all of `catalogs`.
    entries: usize,
}

/// How many versions are kept at most.
const MOST_VERSIONS: usize = 64;

static KEPT: LazyLock<RwLock<Kept>> = LazyLock::new(Default::default);

crate::sql::fixed_sql! {
    /// The catalog's version, as a column: selected beside a step's show on PostgreSQL, where
    /// a statement of its own would be a round trip.
    pub(super) Version: diesel::sql_types::BigInt = "(SELECT version FROM catalog_version)";
}

/// The catalog's version now.
pub(super) fn version(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(direct!(conn, |c| catalog_version::table
        .select(catalog_version::version)
        .first(c))?)
}

/// The `wanted` entries of the catalog at `version` (read since the request began): those
/// kept at that version, and the others read and kept. Ids of no entry (removed meanwhile)
/// are left out.
pub(super) fn find(
    conn: &mut AnyConnection,
    version: i64,
    wanted: Wanted,
) -> Result<Catalog, StoreError> {
    let mut found = Catalog::default();
    let mut missing = Wanted::default();
    {
        let kept = KEPT.read().unwrap_or_else(PoisonError::into_inner);
        let current = kept.catalogs.get(&version);
        look_up(
            wanted.servers,
            current.map(|c| &c.servers),
            &mut found.servers,
            &mut missing.servers,
        );
        // An installed component is kept with its available servers, and dropped with them.
        for id in distinct(&wanted.installed) {
            let installed =
                current.and_then(|c| Some((c.installed.get(&id)?, c.available.get(&id)?)));
            match installed {
                Some((installed, available)) => {
                    found.installed.insert(id, Arc::clone(installed));
                    found.available.insert(id, Arc::clone(available));
                }
                None => missing.installed.push(id),
            }
        }
        look_up(
            wanted.properties,
            current.map(|c| &c.properties),
            &mut found.properties,
            &mut missing.properties,
        );
        look_up(
            wanted.names,
            current.map(|c| &c.names),
            &mut found.names,
            &mut missing.names,
        );
    }
    if missing.is_empty() {
        return Ok(found);
    }
    let (read_at, read) = read(conn, &missing)?;
    keep(read_at, &read);
    found.add(&read);
    Ok(found)
}

/// Each distinct one of `keys` found in `kept` put in `found`, or else in `missing`.
fn look_up<K: Copy + Ord + std::hash::Hash, V: ?Sized>(
    mut keys: Vec<K>,
    kept: Option<&HashMap<K, Arc<V>>>,
    found: &mut HashMap<K, Arc<V>>,
    missing: &mut Vec<K>,
) {
    keys.sort_unstable();
    keys.dedup();
    for key in keys {
        match kept.and_then(|kept| kept.get(&key)) {
            Some(entry) => drop(found.insert(key, Arc::clone(entry))),
            None => missing.push(key),
        }
    }
}

/// Keeps `read`, read at `version`, in what the process keeps.
fn keep(version: i64, read: &Catalog) {
    KEPT.write()
        .unwrap_or_else(PoisonError::into_inner)
        .keep(version, read);
}

impl Kept {
    /// Keeps `read`, read at `version`, dropping the versions kept first while there are too
    /// many of them or of their entries.
    fn keep(&mut self, version: i64, read: &Catalog) {
        let catalog = self.catalogs.entry(version).or_insert_with(|| {
            self.order.push_back(version);
            Catalog::default()
        });
        self.entries -= catalog.len();
        catalog.add(read);
        self.entries += catalog.len();
        while self.order.len() > MOST_VERSIONS || self.entries > MOST_KEPT {
            let Some(first) = self.order.pop_front() else {
                break;
            };
            if let Some(dropped) = self.catalogs.remove(&first) {
                self.entries -= dropped.len();
            }
        }
    }
}

/// The `wanted` entries as the database has them, and the version read before them.
fn read(conn: &mut AnyConnection, wanted: &Wanted) -> Result<(i64, Catalog), StoreError> {
    // First: the rows read after it are at least as new (module doc).
    let version = version(conn)?;
    let mut read = Catalog::default();

    let servers: Vec<ServerCols> = for_ids!(&wanted.servers, servers::id, |filter| {
        direct!(conn, |c| servers::table
            .left_join(server_levels::table)
            .filter(filter)
            .select(server_columns())
            .load(c))
    })?;
    for cols in servers {
        read.servers.insert(cols.0, Arc::new(server_ref(cols)));
    }

    read.installed = installed_refs(load_installed_components(conn, &wanted.installed)?);
    // A step may run on the servers of its installed component that are in that installed
    // component's environment: "servers list their environments, and steps' all_servers
    // follows from them" (issue 6). A server taken out of the environment is no longer
    // available (what a step already selected stays selected, as written).
    let available: Vec<(i64, ServerCols)> = for_ids!(
        &wanted.installed,
        installed_component_servers::installed_component_id,
        |filter| {
            direct!(conn, |c| installed_component_servers::table
                .inner_join(installed_components::table)
                .inner_join(servers::table.left_join(server_levels::table))
                .inner_join(
                    server_environments::table.on(server_environments::server_id
                        .eq(servers::id)
                        .and(
                            server_environments::environment_id
                                .eq(installed_components::environment_id),
                        )),
                )
                .filter(filter)
                .select((
                    installed_component_servers::installed_component_id,
                    server_columns(),
                ))
                .load(c))
        }
    )?;
    let mut available_of: HashMap<i64, Vec<ServerRef>> = HashMap::new();
    for (installed, cols) in available {
        available_of
            .entry(installed)
            .or_default()
            .push(server_ref(cols));
    }
    // Every installed component read has its list, empty or not, so that one with none is
    // not read again. Sorted here, not by SQL: SQLite sorted in a temporary b-tree
    // (docs/benchmarks.md, 14).
    for &id in read.installed.keys() {
        let mut servers = available_of.remove(&id).unwrap_or_default();
        servers.sort_unstable_by(by_name);
        read.available.insert(id, servers.into());
    }

    let properties: Vec<(i64, String)> = for_ids!(&wanted.properties, properties::id, |filter| {
        direct!(conn, |c| properties::table
            .filter(filter)
            .select((properties::id, properties::name))
            .load(c))
    })?;
    read.properties = properties
        .into_iter()
        .map(|(id, name)| (id, name.into()))
        .collect();

    for kind in Kind::ALL {
        let ids: Vec<i64> = wanted
            .names
            .iter()
            .filter(|&&(k, _)| k == kind)
            .map(|&(_, id)| id)
            .collect();
        for (id, named) in read_names(conn, kind, &ids)? {
            read.names.insert((kind, id), Arc::new(named));
        }
    }
    Ok((version, read))
}

/// The names of the rows `ids` of `kind`'s table.
fn read_names(
    conn: &mut AnyConnection,
    kind: Kind,
    ids: &[i64],
) -> Result<Vec<(i64, Named)>, StoreError> {
    /// `(id, name)` of `$table`'s rows `ids`.
    macro_rules! names_in {
        ($table:ident) => {
            for_ids!(ids, $table::id, |filter| {
                direct!(conn, |c| $table::table
                    .filter(filter)
                    .select(($table::id, $table::name))
                    .load::<(i64, String)>(c))
            })?
            .into_iter()
            .map(|(id, name)| (id, (name, None)))
            .collect()
        };
    }
    Ok(match kind {
        Kind::Script => names_in!(scripts),
        Kind::WorkTask => names_in!(work_tasks),
        Kind::Phase => names_in!(phases),
        Kind::RuntimePhase => names_in!(runtime_phases),
        Kind::Category => names_in!(categories),
        Kind::Component => names_in!(components),
        Kind::User => for_ids!(ids, users::id, |filter| {
            direct!(conn, |c| users::table
                .filter(filter)
                .select((users::id, (users::login, users::email.nullable())))
                .load(c))
        })?,
        Kind::Group => for_ids!(ids, groups::id, |filter| {
            direct!(conn, |c| groups::table
                .filter(filter)
                .select((groups::id, (groups::name, groups::email)))
                .load(c))
        })?,
    })
}

pub(super) type ServerCols = (
    i64,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Stamp,
    Stamp,
    Option<String>,
);

/// The columns of [`ServerCols`], from `servers` left-joined to `server_levels`.
fn server_columns() -> (
    servers::id,
    servers::name,
    servers::description,
    servers::parent_id,
    servers::server_level_id,
    servers::created_at,
    servers::updated_at,
    diesel::dsl::Nullable<server_levels::name>,
) {
    (
        servers::id,
        servers::name,
        servers::description,
        servers::parent_id,
        servers::server_level_id,
        servers::created_at,
        servers::updated_at,
        server_levels::name.nullable(),
    )
}

/// A step's servers are listed by name, then id: in byte order on every backend (which is
/// PostgreSQL's own only under the C collation).
pub(super) fn by_name(a: &ServerRef, b: &ServerRef) -> std::cmp::Ordering {
    a.name.cmp(&b.name).then(a.id.cmp(&b.id))
}

fn server_ref(c: ServerCols) -> ServerRef {
    ServerRef {
        id: c.0,
        name: c.1,
        description: c.2,
        parent_id: c.3,
        server_level_id: c.4,
        created_at: c.5.into(),
        updated_at: c.6.into(),
        server_level_name: c.7,
    }
}

type AppCols = (i64, String, Option<String>, bool, Stamp, Stamp);
type ComponentCols = (i64, String, bool, Stamp, Stamp);
type EnvironmentCols = (i64, String, String, bool, Stamp, Stamp);

/// An installed component, its app, component and environment, and the ids of the app's
/// links to that component and environment.
type InstalledCols = (
    i64,
    AppCols,
    ComponentCols,
    EnvironmentCols,
    (Option<i64>, Option<i64>),
);

/// Installed components with their app, component and environment, and the ids of the app's
/// links to that component and environment, in one query.
fn load_installed_components(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<Vec<InstalledCols>, StoreError> {
    for_ids!(ids, installed_components::id, |filter| {
        direct!(conn, |c| installed_components::table
            .inner_join(apps::table)
            .inner_join(components::table)
            .inner_join(environments::table)
            .filter(filter)
            .select((
                installed_components::id,
                (
                    apps::id,
                    apps::name,
                    apps::app_version,
                    apps::active,
                    apps::created_at,
                    apps::updated_at,
                ),
                (
                    components::id,
                    components::name,
                    components::active,
                    components::created_at,
                    components::updated_at,
                ),
                (
                    environments::id,
                    environments::name,
                    environments::deployment_policy,
                    environments::active,
                    environments::created_at,
                    environments::updated_at,
                ),
                (names::AppComponentLink, names::AppEnvironmentLink),
            ))
            .load(c))
    })
}

/// Installed components as steps show them, by id.
fn installed_refs(rows: Vec<InstalledCols>) -> HashMap<i64, Arc<InstalledComponentRef>> {
    rows.into_iter()
        .map(|(id, a, c, e, (component_link, environment_link))| {
            let r = InstalledComponentRef {
                id,
                application_component_id: component_link,
                application_environment_id: environment_link,
                app: AppRef {
                    id: a.0,
                    name: a.1,
                    app_version: a.2,
                    active: a.3,
                    created_at: a.4.into(),
                    updated_at: a.5.into(),
                },
                component: ComponentRef {
                    id: c.0,
                    name: c.1,
                    active: c.2,
                    created_at: c.3.into(),
                    updated_at: c.4.into(),
                },
                environment: EnvironmentRef {
                    id: e.0,
                    name: e.1,
                    deployment_policy: e.2,
                    active: e.3,
                    created_at: e.4.into(),
                    updated_at: e.5.into(),
                },
            };
            (id, Arc::new(r))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A catalog of `count` property names.
    fn properties(count: usize) -> Catalog {
        let properties = (0..count as i64).map(|id| (id, Arc::from("p"))).collect();
        Catalog {
            properties,
            ..Catalog::default()
        }
    }

    /// What is kept stays within its bounds, the versions kept first dropped first: kept
    /// here, not in the process's, which the other tests use.
    #[test]
    fn the_versions_kept_first_are_dropped_past_the_bounds() {
        let mut kept = Kept::default();
        for version in 0..MOST_VERSIONS as i64 {
            kept.keep(version, &properties(1));
        }
        assert_eq!(kept.catalogs.len(), MOST_VERSIONS);
        kept.keep(-1, &properties(1));
        assert_eq!(kept.catalogs.len(), MOST_VERSIONS);
        assert!(!kept.catalogs.contains_key(&0) && kept.catalogs.contains_key(&-1));
        assert_eq!(kept.entries, MOST_VERSIONS);

        // More to a version already kept adds to it; past the entries' bound, the versions
        // kept first go until it holds.
        // 63 versions of one entry, and -1's 1 becoming this many: one too many.
        let more = MOST_KEPT - (MOST_VERSIONS - 1) + 1;
        kept.keep(-1, &properties(more));
        assert_eq!(kept.catalogs[&-1].properties.len(), more);
        assert_eq!(kept.entries, MOST_KEPT);
        assert!(!kept.catalogs.contains_key(&1) && kept.catalogs.contains_key(&2));
        let counted: usize = kept.catalogs.values().map(Catalog::len).sum();
        assert_eq!(kept.entries, counted);
    }
}
