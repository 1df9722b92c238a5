//! The `runsheet` command line.

use crate::app;
use crate::settings::Settings;
use anyhow::Context;
use clap::{Parser, Subcommand};
use runsheet_core::user::UserChanges;
use std::io::IsTerminal;
use std::path::PathBuf;

const SETTINGS_HELP: &str = "\
Settings, each from the defaults, then the --config TOML file, then the environment:
  database_url    RUNSHEET_DATABASE_URL    sqlite://runsheet.db   (sqlite://PATH, a file path, or postgres://USER@HOST:PORT/DB)
  listen          RUNSHEET_LISTEN          127.0.0.1:8080         (host:port; port 0 picks a free one)
  default_format  RUNSHEET_DEFAULT_FORMAT  json                   (json or xml: answers when neither path nor Accept names one)
  timezone        RUNSHEET_TIMEZONE        UTC                    (IANA name; times are shown in it)
  log             RUNSHEET_LOG             info                   (a tracing filter, e.g. debug or runsheet_server=debug)
  body_limit      RUNSHEET_BODY_LIMIT      1048576                (largest request body, in bytes)
  pool_size       RUNSHEET_POOL_SIZE       10                     (database connections)
  db_threads      RUNSHEET_DB_THREADS      (by backend)           (requests' database work at once: unset, a core each on SQLite, pool_size on PostgreSQL)
  request_number_base  RUNSHEET_REQUEST_NUMBER_BASE  1000     (a request's number is its id plus this)
  mail_url        RUNSHEET_MAIL_URL        file://mail            (smtp://HOST[:PORT], or file://DIR for one .eml per message)
  mail_from       RUNSHEET_MAIL_FROM       runsheet@localhost     (the sender of notifications)
Running scripts (serve and worker):
  results_dir     RUNSHEET_RESULTS_DIR     results                (output files and working directories)
  script_commands (TOML table only)        empty                  ([script_commands] HudsonScript = \"/opt/hudson/run\")
  script_path     RUNSHEET_SCRIPT_PATH     /usr/local/bin:/usr/bin:/bin  (PATH of scripts)
  script_timeout_seconds  RUNSHEET_SCRIPT_TIMEOUT_SECONDS  3600  (then the process group is killed)
  output_cap_bytes  RUNSHEET_OUTPUT_CAP_BYTES  65536            (stdout and stderr kept on a job run, each)
  max_concurrent_runs  RUNSHEET_MAX_CONCURRENT_RUNS  4          (scripts one runner runs at once)
  runner_heartbeat_seconds  RUNSHEET_RUNNER_HEARTBEAT_SECONDS  5
  runner_stale_after_seconds  RUNSHEET_RUNNER_STALE_AFTER_SECONDS  30  (a silent runner's runs end as interrupted)
  runner_poll_seconds  RUNSHEET_RUNNER_POLL_SECONDS  0.2        (how often an idle runner looks for work)
  runner_shutdown_grace_seconds  RUNSHEET_RUNNER_SHUTDOWN_GRACE_SECONDS  10  (on stop, before scripts are killed)
Unknown keys in the file are an error.";

/// runsheet: release process management, serving the REST API v1.
#[derive(Debug, Parser)]
#[command(name = "runsheet", version, about, after_long_help = SETTINGS_HELP, after_help = SETTINGS_HELP)]
pub struct Cli {
    /// A TOML file of settings (see below).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve the API, with a runner of automated steps
    /// inside. On an empty database, first creates the admin user `admin` and prints its
    /// API token once.
    #[command(after_help = SETTINGS_HELP)]
    Serve {
        /// Serve the API only; scripts are run by `runsheet worker` processes.
        #[arg(long)]
        no_runner: bool,
    },
    /// Run automated steps' scripts only (no API), beside servers and other workers on the
    /// same database. The database must be migrated already.
    #[command(after_help = SETTINGS_HELP)]
    Worker,
    /// Apply pending database migrations and exit.
    #[command(after_help = SETTINGS_HELP)]
    Migrate,
    /// Manage users and their API tokens.
    #[command(subcommand)]
    Users(UsersCommand),
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a user; prints its API token alone on the last line.
    #[command(after_help = SETTINGS_HELP)]
    Create {
        #[arg(long)]
        login: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        first_name: Option<String>,
        #[arg(long)]
        last_name: Option<String>,
        /// Make the user an admin (only active admins may use the API).
        #[arg(long)]
        admin: bool,
    },
    /// Issue a new API token for a user (the old one stops working); prints it alone on the last line.
    #[command(after_help = SETTINGS_HELP)]
    Token {
        #[arg(long)]
        login: String,
    },
}

pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref())?;
    init_logging(&settings.log)?;
    match cli.command {
        Command::Serve { no_runner } => {
            actix_web::rt::System::new().block_on(app::serve(settings, !no_runner))
        }
        Command::Worker => actix_web::rt::System::new().block_on(app::work(settings)),
        Command::Migrate => {
            app::open_database(&settings)?;
            println!("migrations are up to date");
            Ok(())
        }
        Command::Users(UsersCommand::Create {
            login,
            email,
            first_name,
            last_name,
            admin,
        }) => {
            let pool = app::open_database(&settings)?;
            let changes = UserChanges {
                login: Some(login),
                email: Some(email),
                first_name: first_name.map(Some),
                last_name: last_name.map(Some),
                admin: Some(admin),
                ..UserChanges::default()
            };
            let (record, token) =
                runsheet_store::users::create_with_token(&mut *pool.get()?, &changes)
                    .map_err(|e| anyhow::anyhow!("cannot create the user: {e}"))?;
            println!("created user {} (id {})", record.user.login, record.user.id);
            println!("{token}");
            Ok(())
        }
        Command::Users(UsersCommand::Token { login }) => {
            let pool = app::open_database(&settings)?;
            let token = runsheet_store::users::issue_token(&mut *pool.get()?, &login)
                .with_context(|| format!("cannot issue a token for `{login}`"))?;
            println!("{token}");
            Ok(())
        }
    }
}

/// Logs go to standard error, so standard output carries only what commands print.
fn init_logging(filter: &str) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .with_context(|| format!("log filter `{filter}` is not valid"))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    Ok(())
}
