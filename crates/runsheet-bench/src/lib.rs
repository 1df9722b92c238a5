//! The benchmark's data: a realistic runsheet database at scale, written straight into a
//! freshly migrated SQLite or PostgreSQL database with multi-row `INSERT`s in big
//! transactions (raw SQL both backends read).
//!
//! At scale 1: 200 users in 10 groups, 100 scripts, 20 apps with 200 components in 5
//! environments (1,000 installed components, each on servers of its environment and with
//! property values), 500 servers, 50 properties, phases, work tasks, categories; 2,000
//! requests of 50 steps each (100,000 steps: owners, scripts, components, servers, property
//! values), and 500,000 job runs over those steps. `scale` multiplies every count but the
//! environments and the few lookup tables.
//!
//! Requests are mostly complete (all their steps complete); some are started (steps before
//! the current phase complete, the current phase's manual steps ready or in process, its
//! automated steps in process with a `Running` or `Starting` run, the rest locked), some in
//! problem, planned, created or cancelled. Runs in flight are held by a runner that is not
//! this server's (`runner_id` [`REMOTE_RUNNER`], a heartbeat in the future), so that the
//! server's own runner neither claims nor reaps them while the benchmark runs.
//!
//! Besides, `automation_requests` requests in state `created`, each of
//! `automation_steps` automated steps whose script is `true`, in phases of
//! `automation_phase_size` parallel steps: the automation scenario starts them.
//!
//! Ids are given explicitly (1, 2, ... per table) and PostgreSQL's sequences are set after;
//! SQLite's `AUTOINCREMENT` follows explicit ids by itself. Random choices come from a
//! seeded generator: the same options give the same data.

use anyhow::{bail, Context};
use chrono::{Duration, NaiveDateTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use runsheet_store::AnyConnection;
use std::collections::BTreeMap;

/// The runner id that holds the generated runs in flight.
pub const REMOTE_RUNNER: &str = "bench-remote-runner";

/// How much to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// Multiplies the counts (1.0: 2,000 requests, 100,000 steps, 500,000 job runs).
    pub scale: f64,
    /// Requests of automated steps left `created` for the automation scenario.
    pub automation_requests: usize,
    /// Steps in each of them.
    pub automation_steps: usize,
    /// Parallel steps per phase in them.
    pub automation_phase_size: usize,
    /// `request_number_base` of the server (results paths name the request's number).
    pub request_number_base: i64,
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            scale: 1.0,
            automation_requests: 2,
            automation_steps: 1000,
            automation_phase_size: 100,
            request_number_base: 1000,
            seed: 5,
        }
    }
}

/// Steps per generated request.
pub const STEPS_PER_REQUEST: usize = 50;

/// What was generated: row counts per table and ids the scenarios use.
#[derive(Debug, Clone, Default)]
pub struct Generated {
    /// Rows inserted, per table.
    pub rows: BTreeMap<&'static str, usize>,
    /// Up to 1,000 random step ids (of the generated requests).
    pub step_ids: Vec<i64>,
    /// Up to 1,000 random ids of generated requests (each has [`STEPS_PER_REQUEST`] steps).
    pub request_ids: Vec<i64>,
    /// Users that own at least one ready step.
    pub ready_owner_ids: Vec<i64>,
    /// Ready steps (owned by users).
    pub ready_step_ids: Vec<i64>,
    /// Up to 1,000 random job run ids.
    pub job_run_ids: Vec<i64>,
    /// Runs in flight (`Starting` or `Running`).
    pub running_job_runs: usize,
    /// A planned request that new steps may be added to, and a user to own them.
    pub post_request_id: i64,
    pub post_owner_id: i64,
    /// The requests of the automation scenario (state `created`).
    pub automation_request_ids: Vec<i64>,
}

impl Generated {
    fn count(&mut self, table: &'static str, n: usize) {
        *self.rows.entry(table).or_default() += n;
    }
}

/// Multi-row `INSERT`s into one table: rows are collected as SQL literals and sent a few
/// hundred at a time.
struct Inserter<'a> {
    conn: &'a mut AnyConnection,
    table: &'static str,
    columns: &'static str,
    rows: Vec<String>,
    bytes: usize,
    total: usize,
}

const ROWS_PER_STATEMENT: usize = 500;
const BYTES_PER_STATEMENT: usize = 512 * 1024;

impl<'a> Inserter<'a> {
    fn new(conn: &'a mut AnyConnection, table: &'static str, columns: &'static str) -> Self {
        Inserter {
            conn,
            table,
            columns,
            rows: Vec::with_capacity(ROWS_PER_STATEMENT),
            bytes: 0,
            total: 0,
        }
    }

    fn row(&mut self, values: &[String]) -> anyhow::Result<()> {
        let row = format!("({})", values.join(", "));
        self.bytes += row.len();
        self.rows.push(row);
        if self.rows.len() >= ROWS_PER_STATEMENT || self.bytes >= BYTES_PER_STATEMENT {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> anyhow::Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO {} ({}) VALUES {}",
            self.table,
            self.columns,
            self.rows.join(",\n")
        );
        self.conn
            .batch_execute(&sql)
            .with_context(|| format!("inserting into {}", self.table))?;
        self.total += self.rows.len();
        self.rows.clear();
        self.bytes = 0;
        Ok(())
    }

    /// Sends what is left; returns the rows inserted.
    fn finish(mut self) -> anyhow::Result<usize> {
        self.flush()?;
        Ok(self.total)
    }
}

/// A SQL string literal.
fn s(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn opt_s(text: Option<&str>) -> String {
    text.map_or_else(|| "NULL".to_string(), s)
}

fn n(value: i64) -> String {
    value.to_string()
}

fn opt_n(value: Option<i64>) -> String {
    value.map_or_else(|| "NULL".to_string(), |v| v.to_string())
}

fn b(value: bool) -> String {
    if value { "TRUE" } else { "FALSE" }.to_string()
}

fn t(time: NaiveDateTime) -> String {
    format!("'{}'", time.format("%Y-%m-%d %H:%M:%S"))
}

fn opt_t(time: Option<NaiveDateTime>) -> String {
    time.map_or_else(|| "NULL".to_string(), t)
}

fn scaled(base: usize, scale: f64, min: usize) -> usize {
    ((base as f64 * scale).round() as usize).max(min)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// Fills a migrated, empty database. Fails when it already has users or steps.
pub fn generate(conn: &mut AnyConnection, options: &Options) -> anyhow::Result<Generated> {
    if options.scale.is_nan() || options.scale <= 0.0 {
        bail!("the scale must be a positive number");
    }
    let existing: Count = diesel::sql_query(
        "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM steps) AS count",
    )
    .get_result(conn)
    .context("counting existing rows (is the database migrated?)")?;
    if existing.count > 0 {
        bail!("the database is not empty: generate into a freshly migrated database");
    }
    let mut g = Generator {
        rng: StdRng::seed_from_u64(options.seed),
        now: runsheet_now(),
        options: options.clone(),
        out: Generated::default(),
        catalog: Catalog::default(),
    };
    let postgres = matches!(conn, AnyConnection::Postgres(_));
    conn.transaction::<_, anyhow::Error, _>(|c| g.catalog(c))?;
    conn.transaction::<_, anyhow::Error, _>(|c| g.requests_and_steps(c))?;
    conn.transaction::<_, anyhow::Error, _>(|c| g.automation_requests(c))?;
    if postgres {
        for table in TABLES_WITH_IDS {
            conn.batch_execute(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            ))?;
        }
        // What autovacuum would soon do on a database that grew this way.
        conn.batch_execute("ANALYZE")?;
    }
    Ok(g.out)
}

fn runsheet_now() -> NaiveDateTime {
    let now = Utc::now().naive_utc();
    now - Duration::nanoseconds(i64::from(chrono::Timelike::nanosecond(&now)))
}

const TABLES_WITH_IDS: &[&str] = &[
    "users",
    "groups",
    "scripts",
    "apps",
    "environments",
    "components",
    "app_environments",
    "app_components",
    "installed_components",
    "server_levels",
    "servers",
    "phases",
    "runtime_phases",
    "work_tasks",
    "categories",
    "properties",
    "procedures",
    "requests",
    "steps",
    "job_runs",
];

#[derive(Default)]
struct Catalog {
    users: Vec<i64>,
    groups: Vec<i64>,
    scripts: Vec<i64>,
    true_script: i64,
    apps: usize,
    environments: usize,
    /// Per installed component: (id, component id, its servers, its properties).
    installed: Vec<(i64, i64, Vec<i64>, Vec<i64>)>,
    phases: Vec<(i64, Vec<i64>)>,
    work_tasks: usize,
    categories: usize,
}

struct Generator {
    rng: StdRng,
    now: NaiveDateTime,
    options: Options,
    out: Generated,
    catalog: Catalog,
}

const FIRST_NAMES: &[&str] = &[
    "Ada", "Ben", "Chloé", "Dev", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jo", "Kai", "Lena",
    "Mo", "Nia", "Omar", "Pia", "Quinn", "Rui", "Sam", "Tess",
];
const LAST_NAMES: &[&str] = &[
    "Okafor", "Smith", "Müller", "García", "Chen", "Kowalski", "O'Brien", "Nakamura", "Silva",
    "Dubois",
];
const ENVIRONMENTS: &[&str] = &["development", "qa", "staging", "production", "dr"];
const VERBS: &[&str] = &[
    "Deploy",
    "Verify",
    "Back up",
    "Restart",
    "Migrate",
    "Smoke test",
    "Notify",
    "Drain",
    "Enable",
    "Roll back plan for",
];

impl Generator {
    fn scale(&self, base: usize, min: usize) -> usize {
        scaled(base, self.options.scale, min)
    }

    /// A time within the last `days` days.
    fn past(&mut self, days: i64) -> NaiveDateTime {
        self.now - Duration::seconds(self.rng.random_range(3600..days.max(1) * 86_400))
    }

    fn catalog(&mut self, conn: &mut AnyConnection) -> anyhow::Result<()> {
        let now = self.now;
        // Users and groups.
        let users = self.scale(200, 2);
        let mut ins = Inserter::new(
            conn,
            "users",
            "id, login, email, first_name, last_name, admin, active, created_at, updated_at",
        );
        for id in 1..=users as i64 {
            let created = self.past(700);
            let first = FIRST_NAMES[id as usize % FIRST_NAMES.len()];
            let last = LAST_NAMES[(id as usize / FIRST_NAMES.len()) % LAST_NAMES.len()];
            ins.row(&[
                n(id),
                s(&format!("user{id:04}")),
                s(&format!("user{id:04}@example.com")),
                s(first),
                s(last),
                b(false),
                b(id % 50 != 0),
                t(created),
                t(created),
            ])?;
            self.catalog.users.push(id);
        }
        let count = ins.finish()?;
        self.out.count("users", count);

        let groups = self.scale(10, 1);
        let mut ins = Inserter::new(
            conn,
            "groups",
            "id, name, email, active, created_at, updated_at",
        );
        for id in 1..=groups as i64 {
            ins.row(&[
                n(id),
                s(&format!("Team {id:02}")),
                s(&format!("team{id:02}@example.com")),
                b(true),
                t(now),
                t(now),
            ])?;
            self.catalog.groups.push(id);
        }
        let count = ins.finish()?;
        self.out.count("groups", count);
        let mut ins = Inserter::new(conn, "group_memberships", "group_id, user_id");
        for &user in &self.catalog.users {
            let first = (user as usize % groups) as i64 + 1;
            ins.row(&[n(first), n(user)])?;
            let second = ((user as usize * 7 + 3) % groups) as i64 + 1;
            if second != first && user % 3 == 0 {
                ins.row(&[n(second), n(user)])?;
            }
        }
        let count = ins.finish()?;
        self.out.count("group_memberships", count);

        // Scripts, and the one the automation scenario runs.
        let scripts = self.scale(100, 2);
        let mut ins = Inserter::new(
            conn,
            "scripts",
            "id, name, description, script_type, content, aasm_state, created_at, updated_at",
        );
        for id in 1..=scripts as i64 {
            let content = format!(
                "#!/bin/sh\n# deploy helper {id}\nset -e\necho \"deploying $RUNSHEET_STEP_NAME\"\n\
                 sleep 0\necho done\n"
            );
            ins.row(&[
                n(id),
                s(&format!("Deploy helper {id:03}")),
                s("Deploys a component to the servers of its step"),
                s("General"),
                s(&content),
                s("released"),
                t(now),
                t(now),
            ])?;
            self.catalog.scripts.push(id);
        }
        let true_script = scripts as i64 + 1;
        ins.row(&[
            n(true_script),
            s("bench: true"),
            s("Does nothing, successfully: the automation scenario's script"),
            s("General"),
            s("true"),
            s("released"),
            t(now),
            t(now),
        ])?;
        self.catalog.true_script = true_script;
        let count = ins.finish()?;
        self.out.count("scripts", count);

        // Apps, environments, components, and installed components with servers and
        // property values.
        let apps = self.scale(20, 1);
        let components = self.scale(200, 2);
        self.catalog.apps = apps;
        self.catalog.environments = ENVIRONMENTS.len();
        let mut ins = Inserter::new(
            conn,
            "apps",
            "id, name, app_version, active, created_at, updated_at",
        );
        for id in 1..=apps as i64 {
            ins.row(&[
                n(id),
                s(&format!("App {id:02}")),
                s(&format!("{}.{}", id % 4 + 1, id % 10)),
                b(true),
                t(now),
                t(now),
            ])?;
        }
        let count = ins.finish()?;
        self.out.count("apps", count);
        let mut ins = Inserter::new(
            conn,
            "environments",
            "id, name, deployment_policy, active, created_at, updated_at",
        );
        for (i, name) in ENVIRONMENTS.iter().enumerate() {
            ins.row(&[
                n(i as i64 + 1),
                s(name),
                s(if *name == "production" {
                    "closed"
                } else {
                    "opened"
                }),
                b(true),
                t(now),
                t(now),
            ])?;
        }
        let count = ins.finish()?;
        self.out.count("environments", count);
        let mut ins = Inserter::new(
            conn,
            "components",
            "id, name, active, created_at, updated_at",
        );
        for id in 1..=components as i64 {
            ins.row(&[
                n(id),
                s(&format!("component-{id:03}")),
                b(true),
                t(now),
                t(now),
            ])?;
        }
        let count = ins.finish()?;
        self.out.count("components", count);
        let envs = ENVIRONMENTS.len() as i64;
        let mut ins = Inserter::new(conn, "app_environments", "id, app_id, environment_id");
        let mut id = 0;
        for app in 1..=apps as i64 {
            for env in 1..=envs {
                id += 1;
                ins.row(&[n(id), n(app), n(env)])?;
            }
        }
        let count = ins.finish()?;
        self.out.count("app_environments", count);
        let app_of = |component: i64| (component - 1) % apps as i64 + 1;
        let mut ins = Inserter::new(conn, "app_components", "id, app_id, component_id");
        for component in 1..=components as i64 {
            ins.row(&[n(component), n(app_of(component)), n(component)])?;
        }
        let count = ins.finish()?;
        self.out.count("app_components", count);

        let levels = ["web", "app", "database", "batch"];
        let mut ins = Inserter::new(
            conn,
            "server_levels",
            "id, name, description, created_at, updated_at",
        );
        for (i, level) in levels.iter().enumerate() {
            ins.row(&[
                n(i as i64 + 1),
                s(level),
                s(&format!("The {level} tier")),
                t(now),
                t(now),
            ])?;
        }
        let count = ins.finish()?;
        self.out.count("server_levels", count);
        let servers = self.scale(500, envs as usize);
        let mut servers_of_env: Vec<Vec<i64>> = vec![Vec::new(); envs as usize];
        let mut ins = Inserter::new(
            conn,
            "servers",
            "id, name, description, ip_address, os_platform, active, server_level_id, \
             parent_id, created_at, updated_at",
        );
        for id in 1..=servers as i64 {
            let env = (id - 1) % envs;
            servers_of_env[env as usize].push(id);
            ins.row(&[
                n(id),
                s(&format!("{}-srv-{id:04}", ENVIRONMENTS[env as usize])),
                s("A rack server"),
                s(&format!("10.{}.{}.{}", env, id / 250, id % 250 + 1)),
                s(if id % 5 == 0 { "windows" } else { "linux" }),
                b(true),
                opt_n((id % 5 != 4).then_some(id % 4 + 1)),
                "NULL".into(),
                t(now),
                t(now),
            ])?;
        }
        let count = ins.finish()?;
        self.out.count("servers", count);
        let mut ins = Inserter::new(conn, "server_environments", "server_id, environment_id");
        for (env, ids) in servers_of_env.iter().enumerate() {
            for &server in ids {
                ins.row(&[n(server), n(env as i64 + 1)])?;
            }
        }
        let count = ins.finish()?;
        self.out.count("server_environments", count);

        let properties = self.scale(50, 3);
        let mut ins = Inserter::new(
            conn,
            "properties",
            "id, name, default_value, active, created_at, updated_at",
        );
        for id in 1..=properties as i64 {
            ins.row(&[
                n(id),
                s(&format!("property_{id:02}")),
                opt_s((id % 3 == 0).then_some("default")),
                b(true),
                t(now),
                t(now),
            ])?;
        }
        let count = ins.finish()?;
        self.out.count("properties", count);

        let mut installed = Vec::new();
        let mut ins = Inserter::new(
            conn,
            "installed_components",
            "id, app_id, component_id, environment_id, version, created_at, updated_at",
        );
        let mut id = 0;
        for component in 1..=components as i64 {
            for env in 1..=envs {
                id += 1;
                ins.row(&[
                    n(id),
                    n(app_of(component)),
                    n(component),
                    n(env),
                    s(&format!("{}.{}.{}", component % 3 + 1, env, id % 20)),
                    t(now),
                    t(now),
                ])?;
                let pool = &servers_of_env[env as usize - 1];
                let take = self.rng.random_range(2..=4);
                let mut chosen: Vec<i64> =
                    pool.choose_multiple(&mut self.rng, take).copied().collect();
                chosen.sort_unstable();
                chosen.dedup();
                let mut props: Vec<i64> = (0..self.rng.random_range(3..=5))
                    .map(|_| self.rng.random_range(1..=properties as i64))
                    .collect();
                props.sort_unstable();
                props.dedup();
                installed.push((id, component, chosen, props));
            }
        }
        let count = ins.finish()?;
        self.out.count("installed_components", count);
        let mut ins = Inserter::new(
            conn,
            "installed_component_servers",
            "installed_component_id, server_id",
        );
        for (id, _, servers, _) in &installed {
            for server in servers {
                ins.row(&[n(*id), n(*server)])?;
            }
        }
        let count = ins.finish()?;
        self.out.count("installed_component_servers", count);
        let mut ins = Inserter::new(
            conn,
            "installed_component_property_values",
            "installed_component_id, property_id, value",
        );
        for (id, _, _, props) in &installed {
            for prop in props {
                ins.row(&[n(*id), n(*prop), s(&format!("value {id}/{prop}"))])?;
            }
        }
        let count = ins.finish()?;
        self.out.count("installed_component_property_values", count);
        self.catalog.installed = installed;

        // Phases, runtime phases, work tasks, categories.
        let phase_names = [
            "Preparation",
            "Deployment",
            "Verification",
            "Release",
            "Cleanup",
            "Rollback",
        ];
        let mut ins = Inserter::new(conn, "phases", "id, name, position, created_at, updated_at");
        for (i, name) in phase_names.iter().enumerate() {
            ins.row(&[n(i as i64 + 1), s(name), n(i as i64 + 1), t(now), t(now)])?;
        }
        let count = ins.finish()?;
        self.out.count("phases", count);
        let mut ins = Inserter::new(
            conn,
            "runtime_phases",
            "id, phase_id, name, position, created_at, updated_at",
        );
        let mut id = 0;
        for phase in 1..=phase_names.len() as i64 {
            let mut runtime = Vec::new();
            for part in ["early", "late"] {
                id += 1;
                ins.row(&[
                    n(id),
                    n(phase),
                    s(part),
                    n(runtime.len() as i64 + 1),
                    t(now),
                    t(now),
                ])?;
                runtime.push(id);
            }
            self.catalog.phases.push((phase, runtime));
        }
        let count = ins.finish()?;
        self.out.count("runtime_phases", count);
        let tasks = [
            "Build",
            "Package",
            "Install",
            "Configure",
            "Test",
            "Approve",
            "Announce",
            "Monitor",
            "Document",
            "Archive",
        ];
        self.catalog.work_tasks = tasks.len();
        let mut ins = Inserter::new(
            conn,
            "work_tasks",
            "id, name, position, created_at, updated_at",
        );
        for (i, name) in tasks.iter().enumerate() {
            ins.row(&[n(i as i64 + 1), s(name), n(i as i64 + 1), t(now), t(now)])?;
        }
        let count = ins.finish()?;
        self.out.count("work_tasks", count);
        let categories = [
            "database",
            "network",
            "security",
            "application",
            "storage",
            "monitoring",
            "compliance",
            "other",
        ];
        self.catalog.categories = categories.len();
        let mut ins = Inserter::new(
            conn,
            "categories",
            "id, name, categorized_type, created_at, updated_at",
        );
        for (i, name) in categories.iter().enumerate() {
            ins.row(&[n(i as i64 + 1), s(name), s("step"), t(now), t(now)])?;
        }
        let count = ins.finish()?;
        self.out.count("categories", count);
        Ok(())
    }

    fn requests_and_steps(&mut self, conn: &mut AnyConnection) -> anyhow::Result<()> {
        let requests = self.scale(2000, 1);
        let mut plans = Vec::with_capacity(requests);
        for id in 1..=requests as i64 {
            plans.push(self.plan_request(id));
        }

        // Requests and their apps.
        let mut ins = Inserter::new(
            conn,
            "requests",
            "id, name, description, aasm_state, owner_id, requestor_id, environment_id, \
             estimate, scheduled_at, target_completion_at, started_at, completed_at, \
             cancelled_at, created_at, updated_at",
        );
        for r in &plans {
            ins.row(&[
                n(r.id),
                s(&format!("Release {}: App {:02} {}", r.id, r.app, r.version)),
                s("Quarterly release of the app and its components, with the usual checks."),
                s(r.state),
                n(r.owner),
                n(r.requestor),
                n(r.environment),
                n(60 * (r.id % 8 + 1)),
                t(r.created + Duration::days(2)),
                t(r.created + Duration::days(3)),
                opt_t(r.started),
                opt_t(r.completed),
                opt_t(r.cancelled),
                t(r.created),
                t(r.updated),
            ])?;
        }
        let count = ins.finish()?;
        self.out.count("requests", count);
        let mut ins = Inserter::new(conn, "request_apps", "request_id, app_id");
        for r in &plans {
            ins.row(&[n(r.id), n(r.app)])?;
            let second = r.app % self.catalog.apps as i64 + 1;
            if r.id % 4 == 0 && second != r.app {
                ins.row(&[n(r.id), n(second)])?;
            }
        }
        let count = ins.finish()?;
        self.out.count("request_apps", count);

        // Steps, their servers and property values.
        let mut steps = Vec::with_capacity(requests * STEPS_PER_REQUEST);
        let mut next_step = 1i64;
        for r in &plans {
            for step in self.plan_steps(r, &mut next_step) {
                steps.push(step);
            }
        }
        let mut ins = Inserter::new(conn, "steps", STEP_COLUMNS);
        for step in &steps {
            ins.row(&step.values())?;
        }
        let count = ins.finish()?;
        self.out.count("steps", count);
        let mut ins = Inserter::new(conn, "step_servers", "step_id, server_id, role");
        for step in &steps {
            for (i, server) in step.servers.iter().enumerate() {
                let role = if i == 2 { "alternate" } else { "target" };
                ins.row(&[n(step.id), n(*server), s(role)])?;
            }
        }
        let count = ins.finish()?;
        self.out.count("step_servers", count);
        let mut ins = Inserter::new(conn, "step_property_values", "step_id, property_id, value");
        for step in &steps {
            for prop in &step.properties {
                ins.row(&[n(step.id), n(*prop), s(&format!("step {} value", step.id))])?;
            }
        }
        let count = ins.finish()?;
        self.out.count("step_property_values", count);

        self.job_runs(conn, &plans, &steps)?;

        // What the scenarios use.
        let mut ids: Vec<i64> = steps.iter().map(|s| s.id).collect();
        ids.shuffle(&mut self.rng);
        ids.truncate(1000);
        self.out.step_ids = ids;
        let mut ids: Vec<i64> = plans.iter().map(|r| r.id).collect();
        ids.shuffle(&mut self.rng);
        ids.truncate(1000);
        self.out.request_ids = ids;
        let ready: Vec<&StepRow> = steps
            .iter()
            .filter(|s| s.state == "ready" && s.owner_type == "User")
            .collect();
        let mut owners: Vec<i64> = ready.iter().map(|s| s.owner).collect();
        owners.sort_unstable();
        owners.dedup();
        self.out.ready_owner_ids = owners;
        self.out.ready_step_ids = ready.iter().map(|s| s.id).collect();
        let planned = plans
            .iter()
            .find(|r| r.state == "planned")
            .or_else(|| plans.first());
        if let Some(r) = planned {
            self.out.post_request_id = r.id;
            self.out.post_owner_id = r.owner;
        }
        Ok(())
    }

    fn plan_request(&mut self, id: i64) -> RequestPlan {
        let roll: f64 = self.rng.random();
        let state = match roll {
            x if x < 0.75 => "complete",
            x if x < 0.86 => "started",
            x if x < 0.88 => "problem",
            x if x < 0.93 => "planned",
            x if x < 0.97 => "created",
            _ => "cancelled",
        };
        let created = self.past(720);
        let started = matches!(state, "complete" | "started" | "problem")
            .then(|| created + Duration::hours(self.rng.random_range(24..96)));
        let completed = (state == "complete")
            .then(|| started.unwrap_or(created) + Duration::hours(self.rng.random_range(2..48)));
        let cancelled = (state == "cancelled").then(|| created + Duration::days(5));
        let updated = completed
            .or(cancelled)
            .or(started)
            .unwrap_or(created)
            .min(self.now);
        let users = &self.catalog.users;
        RequestPlan {
            id,
            state,
            owner: *users.choose(&mut self.rng).unwrap_or(&1),
            requestor: *users.choose(&mut self.rng).unwrap_or(&1),
            environment: self.rng.random_range(1..=self.catalog.environments as i64),
            app: self.rng.random_range(1..=self.catalog.apps as i64),
            version: format!("{}.{}", id / 100 + 1, id % 100),
            created,
            started: started.map(|t| t.min(self.now)),
            completed: completed.map(|t| t.min(self.now)),
            cancelled: cancelled.map(|t| t.min(self.now)),
            updated,
        }
    }

    fn plan_steps(&mut self, r: &RequestPlan, next_id: &mut i64) -> Vec<StepRow> {
        // Phases: a step starts a new one (serial) or joins the previous one (parallel).
        let mut levels = Vec::with_capacity(STEPS_PER_REQUEST);
        let mut phase_of = Vec::with_capacity(STEPS_PER_REQUEST);
        let mut phase = 0usize;
        for position in 0..STEPS_PER_REQUEST {
            let new_phase = position == 0 || self.rng.random_bool(0.6);
            if new_phase && position > 0 {
                phase += 1;
            }
            levels.push(new_phase);
            phase_of.push(phase);
        }
        let phases = phase + 1;
        let current = self.rng.random_range(0..phases);
        let mut problem_placed = false;
        let mut rows = Vec::with_capacity(STEPS_PER_REQUEST);
        for position in 0..STEPS_PER_REQUEST {
            let id = *next_id;
            *next_id += 1;
            let manual = self.rng.random_bool(0.5);
            let p = phase_of[position];
            let state = match r.state {
                "complete" => "complete",
                "started" | "problem" if p < current => "complete",
                "started" | "problem" if p == current => {
                    if !manual && r.state == "problem" && !problem_placed {
                        problem_placed = true;
                        "problem"
                    } else if !manual {
                        "in_process"
                    } else if self.rng.random_bool(0.7) {
                        "ready"
                    } else {
                        "in_process"
                    }
                }
                _ => "locked",
            };
            let group_owner = self.rng.random_bool(0.05);
            let owner = if group_owner {
                *self.catalog.groups.choose(&mut self.rng).unwrap_or(&1)
            } else {
                *self.catalog.users.choose(&mut self.rng).unwrap_or(&1)
            };
            let with_component = self.rng.random_bool(0.7);
            let (installed, component, servers, properties) = if with_component {
                let (ic, component, servers, props) = self
                    .catalog
                    .installed
                    .choose(&mut self.rng)
                    .cloned()
                    .unwrap_or_default();
                let take = self.rng.random_range(1..=servers.len().max(1));
                let servers: Vec<i64> = servers.into_iter().take(take).collect();
                let properties: Vec<i64> = props.into_iter().take(2).collect();
                (Some(ic), Some(component), servers, properties)
            } else {
                (None, None, Vec::new(), Vec::new())
            };
            let (phase_id, runtime) = self
                .catalog
                .phases
                .choose(&mut self.rng)
                .cloned()
                .unwrap_or_default();
            let verb = VERBS[(id as usize) % VERBS.len()];
            let name = match component {
                Some(c) => format!("{verb} component-{c:03}"),
                None => format!("{verb} step {}", position + 1),
            };
            let started = r.started.unwrap_or(r.created);
            let work_started = matches!(state, "in_process" | "complete" | "problem")
                .then(|| started + Duration::minutes(10 * p as i64));
            let work_finished =
                (state == "complete").then(|| started + Duration::minutes(10 * p as i64 + 7));
            let ready_at = matches!(state, "ready" | "in_process" | "complete" | "problem")
                .then(|| started + Duration::minutes(10 * p as i64));
            rows.push(StepRow {
                id,
                request_id: r.id,
                request_number: r.id + self.options.request_number_base,
                name,
                state,
                position: position as i64 + 1,
                owner,
                owner_type: if group_owner { "Group" } else { "User" },
                manual,
                script: (!manual)
                    .then(|| *self.catalog.scripts.choose(&mut self.rng).unwrap_or(&1)),
                installed,
                component,
                version: component.map(|c| format!("{}.{}.{}", c % 3 + 1, r.id % 10, position)),
                phase_id: self.rng.random_bool(0.6).then_some(phase_id),
                runtime_phase_id: None,
                category_id: self
                    .rng
                    .random_bool(0.3)
                    .then(|| self.rng.random_range(1..=self.catalog.categories as i64)),
                work_task_id: self
                    .rng
                    .random_bool(0.5)
                    .then(|| self.rng.random_range(1..=self.catalog.work_tasks as i64)),
                level: levels[position],
                estimate: Some(5 * (position as i64 % 6 + 1)),
                ready_at: ready_at.map(|t| t.min(self.now)),
                work_started: work_started.map(|t| t.min(self.now)),
                work_finished: work_finished.map(|t| t.min(self.now)),
                created: r.created,
                updated: r.updated,
                servers,
                properties,
            });
            if let Some(row) = rows.last_mut() {
                if row.phase_id.is_some() && self.rng.random_bool(0.5) {
                    row.runtime_phase_id = runtime.first().copied();
                }
            }
        }
        rows
    }

    fn job_runs(
        &mut self,
        conn: &mut AnyConnection,
        plans: &[RequestPlan],
        steps: &[StepRow],
    ) -> anyhow::Result<()> {
        let total = self.scale(500_000, 1);
        // Automation runs over the automated steps that ran; notifications over the manual
        // steps that people worked on.
        let automated: Vec<&StepRow> = steps
            .iter()
            .filter(|s| !s.manual && matches!(s.state, "complete" | "in_process" | "problem"))
            .collect();
        let notified: Vec<&StepRow> = steps
            .iter()
            .filter(|s| s.manual && matches!(s.state, "complete" | "in_process"))
            .collect();
        let automation_total = if notified.is_empty() {
            total
        } else {
            total * 85 / 100
        };
        let notification_total = total - automation_total;
        let requested_by: BTreeMap<i64, i64> = plans.iter().map(|r| (r.id, r.owner)).collect();
        let mut ins = Inserter::new(
            conn,
            "job_runs",
            "id, job_type, status, run_key, automation_id, user_id, step_id, process_id, \
             results_path, stdout, stderr, started_at, finished_at, created_at, updated_at, \
             runner_id, heartbeat_at",
        );
        let mut id = 0i64;
        let mut sample = Vec::new();
        let mut running = 0;
        let held_until = self.now + Duration::days(30);
        for (i, step) in automated.iter().enumerate() {
            let runs = share(automation_total, automated.len(), i);
            let base = step.work_started.unwrap_or(step.created);
            for k in 0..runs {
                id += 1;
                let last = k + 1 == runs;
                let status = if last {
                    match step.state {
                        "complete" => "Complete",
                        "problem" => "Problem",
                        _ if self.rng.random_bool(0.6) => "Running",
                        _ => "Starting",
                    }
                } else {
                    match self.rng.random_range(0..100) {
                        0..=89 => "Complete",
                        90..=97 => "Problem",
                        _ => "Cancelled",
                    }
                };
                let started = base - Duration::minutes(((runs - k) * 3) as i64);
                let started = started.min(self.now);
                let run_key = started.and_utc().timestamp();
                let in_flight = matches!(status, "Running" | "Starting");
                if in_flight {
                    running += 1;
                }
                let ran = status != "Starting";
                let finished =
                    (!in_flight).then(|| (started + Duration::seconds(95)).min(self.now));
                let results_path = ran.then(|| {
                    format!(
                        "/var/lib/runsheet/automation_results/request/{}/step_{}/output_{run_key}.txt",
                        step.request_number, step.id
                    )
                });
                let (stdout, stderr) = match status {
                    "Complete" => (Some(format!("deploying {}\ndone\n", step.name)), None),
                    "Problem" => (
                        Some(format!("deploying {}\n", step.name)),
                        Some("error: connection refused by 10.0.3.7:22\n".to_string()),
                    ),
                    "Cancelled" => (
                        None,
                        Some("runsheet: cancelled with its request".to_string()),
                    ),
                    _ => (None, None),
                };
                ins.row(&[
                    n(id),
                    s("automation"),
                    s(status),
                    n(run_key),
                    opt_n(step.script),
                    opt_n(requested_by.get(&step.request_id).copied()),
                    n(step.id),
                    opt_n(ran.then(|| 1000 + (id * 7919) % 60000)),
                    opt_s(results_path.as_deref()),
                    opt_s(stdout.as_deref()),
                    opt_s(stderr.as_deref()),
                    opt_t(ran.then_some(started)),
                    opt_t(finished),
                    t(started),
                    t(finished.unwrap_or(started)),
                    opt_s(in_flight.then_some(REMOTE_RUNNER)),
                    opt_t(in_flight.then_some(held_until)),
                ])?;
                reservoir(&mut sample, &mut self.rng, id, 1000);
            }
        }
        for (i, step) in notified.iter().enumerate() {
            let runs = share(notification_total, notified.len(), i);
            let at = step.ready_at.unwrap_or(step.created);
            for k in 0..runs {
                id += 1;
                let when = (at + Duration::minutes(k as i64)).min(self.now);
                ins.row(&[
                    n(id),
                    s("notification"),
                    s("Complete"),
                    n(when.and_utc().timestamp()),
                    "NULL".into(),
                    opt_n(requested_by.get(&step.request_id).copied()),
                    n(step.id),
                    "NULL".into(),
                    "NULL".into(),
                    s(&format!("sent to user{:04}@example.com", step.owner)),
                    "NULL".into(),
                    t(when),
                    t(when),
                    t(when),
                    t(when),
                    "NULL".into(),
                    "NULL".into(),
                ])?;
                reservoir(&mut sample, &mut self.rng, id, 1000);
            }
        }
        let count = ins.finish()?;
        self.out.count("job_runs", count);
        self.out.job_run_ids = sample;
        self.out.running_job_runs = running;
        Ok(())
    }

    fn automation_requests(&mut self, conn: &mut AnyConnection) -> anyhow::Result<()> {
        let o = self.options.clone();
        if o.automation_requests == 0 || o.automation_steps == 0 {
            return Ok(());
        }
        let first_request = self.out.rows.get("requests").copied().unwrap_or(0) as i64 + 1;
        let first_step = self.out.rows.get("steps").copied().unwrap_or(0) as i64 + 1;
        let owner = self.catalog.users.first().copied().unwrap_or(1);
        let now = self.now;
        let mut ins = Inserter::new(
            conn,
            "requests",
            "id, name, description, aasm_state, owner_id, requestor_id, environment_id, \
             created_at, updated_at",
        );
        for k in 0..o.automation_requests as i64 {
            let id = first_request + k;
            ins.row(&[
                n(id),
                s(&format!("bench: automation {}", k + 1)),
                s(&format!(
                    "{} automated steps whose script is `true`, in phases of {} parallel steps",
                    o.automation_steps, o.automation_phase_size
                )),
                s("created"),
                n(owner),
                n(owner),
                n(1),
                t(now),
                t(now),
            ])?;
            self.out.automation_request_ids.push(id);
        }
        let count = ins.finish()?;
        self.out.count("requests", count);
        let mut ins = Inserter::new(conn, "steps", STEP_COLUMNS);
        let mut id = first_step;
        for &request in &self.out.automation_request_ids {
            for position in 0..o.automation_steps {
                let step = StepRow {
                    id,
                    request_id: request,
                    request_number: request + o.request_number_base,
                    name: format!("true {}", position + 1),
                    state: "locked",
                    position: position as i64 + 1,
                    owner,
                    owner_type: "User",
                    manual: false,
                    script: Some(self.catalog.true_script),
                    level: position % o.automation_phase_size.max(1) == 0,
                    created: now,
                    updated: now,
                    ..StepRow::default()
                };
                ins.row(&step.values())?;
                id += 1;
            }
        }
        let count = ins.finish()?;
        self.out.count("steps", count);
        Ok(())
    }
}

/// The `i`-th of `parts` shares of `total`, as even as can be.
fn share(total: usize, parts: usize, i: usize) -> usize {
    total / parts + usize::from(i < total % parts)
}

/// Keeps a uniform sample of `size` of the ids seen so far (`seen` is the count).
fn reservoir(sample: &mut Vec<i64>, rng: &mut StdRng, id: i64, size: usize) {
    if sample.len() < size {
        sample.push(id);
    } else {
        let j = rng.random_range(0..id) as usize;
        if j < size {
            sample[j] = id;
        }
    }
}

struct RequestPlan {
    id: i64,
    state: &'static str,
    owner: i64,
    requestor: i64,
    environment: i64,
    app: i64,
    version: String,
    created: NaiveDateTime,
    started: Option<NaiveDateTime>,
    completed: Option<NaiveDateTime>,
    cancelled: Option<NaiveDateTime>,
    updated: NaiveDateTime,
}

const STEP_COLUMNS: &str = "id, name, description, aasm_state, position, request_id, owner_id, \
    owner_type, manual, script_id, script_type, installed_component_id, component_id, \
    component_version, phase_id, runtime_phase_id, category_id, work_task_id, \
    different_level_from_previous, estimate, ready_at, work_started_at, work_finished_at, \
    created_at, updated_at";

#[derive(Default)]
struct StepRow {
    id: i64,
    request_id: i64,
    request_number: i64,
    name: String,
    state: &'static str,
    position: i64,
    owner: i64,
    owner_type: &'static str,
    manual: bool,
    script: Option<i64>,
    installed: Option<i64>,
    component: Option<i64>,
    version: Option<String>,
    phase_id: Option<i64>,
    runtime_phase_id: Option<i64>,
    category_id: Option<i64>,
    work_task_id: Option<i64>,
    level: bool,
    estimate: Option<i64>,
    ready_at: Option<NaiveDateTime>,
    work_started: Option<NaiveDateTime>,
    work_finished: Option<NaiveDateTime>,
    created: NaiveDateTime,
    updated: NaiveDateTime,
    servers: Vec<i64>,
    properties: Vec<i64>,
}

impl StepRow {
    fn values(&self) -> Vec<String> {
        vec![
            n(self.id),
            s(&self.name),
            s(&format!(
                "{}. Follow the runbook for this component; check the dashboards before and \
                 after, and tell the release channel when done.",
                self.name
            )),
            s(self.state),
            n(self.position),
            n(self.request_id),
            n(self.owner),
            s(self.owner_type),
            b(self.manual),
            opt_n(self.script),
            opt_s(self.script.map(|_| "General")),
            opt_n(self.installed),
            opt_n(self.component),
            opt_s(self.version.as_deref()),
            opt_n(self.phase_id),
            opt_n(self.runtime_phase_id),
            opt_n(self.category_id),
            opt_n(self.work_task_id),
            b(self.level),
            opt_n(self.estimate),
            opt_t(self.ready_at),
            opt_t(self.work_started),
            opt_t(self.work_finished),
            t(self.created),
            t(self.updated),
        ]
    }
}

pub mod explain;
