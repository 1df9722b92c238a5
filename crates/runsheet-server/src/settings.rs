//! Settings: defaults, then a TOML file, then `RUNSHEET_*` environment variables.

use anyhow::{bail, Context};
use chrono_tz::Tz;
use config::{Config, Environment, File, FileFormat};
use runsheet_format::Format;
use runsheet_runner::RunnerSettings;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;

/// Everything runsheet can be told. Every key may stand in the TOML file and as
/// `RUNSHEET_<KEY>` in the environment (upper case), which wins over the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// `sqlite://PATH`, a file path, or `postgres://USER@HOST:PORT/DB`.
    pub database_url: String,
    /// `host:port` to listen on; port 0 picks a free one (printed at start).
    pub listen: String,
    /// The format of answers when neither the path nor the Accept header names one.
    pub default_format: FormatSetting,
    /// An IANA time zone name; times are shown in it.
    pub timezone: String,
    /// A tracing filter, e.g. `info` or `runsheet_server=debug,info`.
    pub log: String,
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Connections kept to the database.
    pub pool_size: u32,
    /// How many requests' database work runs at once. Unset: `pool_size`, but at most one a
    /// core on SQLite and two on PostgreSQL on this machine (`db_threads::default_count`).
    pub db_threads: Option<u32>,
    /// A request's number is its id plus this; clients derive ids from numbers with it.
    pub request_number_base: i64,
    /// Where notification mail goes: `smtp://HOST[:PORT]` sends it, `file://DIR` writes one
    /// `.eml` file per message into DIR (relative to the working directory).
    pub mail_url: String,
    /// The sender of notification mail.
    pub mail_from: String,
    /// Where scripts' output files and working directories go.
    pub results_dir: String,
    /// The command that runs each script type other than `General` (a TOML table, e.g.
    /// `[script_commands]` `HudsonScript = "/opt/hudson/run"`); it gets the script's file
    /// as its last argument. A type with no command fails its runs with a message.
    pub script_commands: BTreeMap<String, String>,
    /// `PATH` in a script's otherwise empty environment.
    pub script_path: String,
    /// A script running longer is killed with its whole process group.
    pub script_timeout_seconds: f64,
    /// How much of stdout and of stderr a job run's record keeps (the last part).
    pub output_cap_bytes: usize,
    /// Scripts one runner runs at once; the rest wait as `Starting`, oldest first.
    pub max_concurrent_runs: usize,
    /// How often a runner renews its claim on what it runs.
    pub runner_heartbeat_seconds: f64,
    /// A run whose runner has not renewed it for this long is ended as interrupted.
    pub runner_stale_after_seconds: f64,
    /// How often an idle runner looks for queued runs.
    pub runner_poll_seconds: f64,
    /// On stop, how long running scripts may go on before they are killed.
    pub runner_shutdown_grace_seconds: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FormatSetting {
    Json,
    Xml,
}

impl From<FormatSetting> for Format {
    fn from(setting: FormatSetting) -> Format {
        match setting {
            FormatSetting::Json => Format::Json,
            FormatSetting::Xml => Format::Xml,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: "sqlite://runsheet.db".into(),
            listen: "127.0.0.1:8080".into(),
            default_format: FormatSetting::Json,
            timezone: "UTC".into(),
            log: "info".into(),
            body_limit: 1024 * 1024,
            pool_size: 10,
            db_threads: None,
            request_number_base: 1000,
            mail_url: "file://mail".into(),
            mail_from: "runsheet@localhost".into(),
            results_dir: "results".into(),
            script_commands: BTreeMap::new(),
            script_path: "/usr/local/bin:/usr/bin:/bin".into(),
            script_timeout_seconds: 3600.0,
            output_cap_bytes: 64 * 1024,
            max_concurrent_runs: 4,
            runner_heartbeat_seconds: 5.0,
            runner_stale_after_seconds: 30.0,
            runner_poll_seconds: 0.2,
            runner_shutdown_grace_seconds: 10.0,
        }
    }
}

pub const ENV_PREFIX: &str = "RUNSHEET_";

impl Settings {
    /// Layers the defaults, the TOML file (if given) and the process environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Settings> {
        Self::load_from(file, std::env::vars())
    }

    /// As [`Settings::load`], with the environment given (for tests).
    pub fn load_from(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> anyhow::Result<Settings> {
        let mut builder = Config::builder().add_source(Config::try_from(&Settings::default())?);
        if let Some(path) = file {
            if !path.is_file() {
                bail!("config file {} does not exist", path.display());
            }
            builder = builder.add_source(File::from(path).format(FileFormat::Toml));
        }
        builder = builder.add_source(
            Environment::default()
                .source(Some(known_env(env)))
                .try_parsing(true),
        );
        let settings: Settings = builder
            .build()
            .and_then(Config::try_deserialize)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| match file {
                Some(path) => format!(
                    "invalid settings (from {} and RUNSHEET_* variables)",
                    path.display()
                ),
                None => "invalid settings (from RUNSHEET_* variables)".to_string(),
            })?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> anyhow::Result<()> {
        self.tz()?;
        if self.pool_size == 0 {
            bail!("pool_size must be at least 1");
        }
        if self.db_threads == Some(0) {
            bail!("db_threads must be at least 1");
        }
        if self.max_concurrent_runs == 0 {
            bail!("max_concurrent_runs must be at least 1");
        }
        for (name, seconds) in [
            ("script_timeout_seconds", self.script_timeout_seconds),
            ("runner_heartbeat_seconds", self.runner_heartbeat_seconds),
            (
                "runner_stale_after_seconds",
                self.runner_stale_after_seconds,
            ),
            ("runner_poll_seconds", self.runner_poll_seconds),
        ] {
            duration(name, seconds)?;
        }
        if self.runner_shutdown_grace_seconds < 0.0
            || !self.runner_shutdown_grace_seconds.is_finite()
        {
            bail!("runner_shutdown_grace_seconds must be 0 or more");
        }
        // A live runner must never look dead: it renews well within the limit.
        if self.runner_stale_after_seconds < 2.0 * self.runner_heartbeat_seconds {
            bail!("runner_stale_after_seconds must be at least twice runner_heartbeat_seconds");
        }
        Ok(())
    }

    /// How this process's runner runs scripts.
    pub fn runner(&self) -> anyhow::Result<RunnerSettings> {
        Ok(RunnerSettings {
            // Absolute: the path is stored on job runs, and read by servers whose working
            // directory may differ.
            results_dir: std::path::absolute(&self.results_dir)?,
            script_commands: self.script_commands.clone(),
            script_path: self.script_path.clone(),
            output_cap_bytes: self.output_cap_bytes,
            script_timeout: duration("script_timeout_seconds", self.script_timeout_seconds)?,
            max_concurrent_runs: self.max_concurrent_runs,
            heartbeat: duration("runner_heartbeat_seconds", self.runner_heartbeat_seconds)?,
            stale_after: duration(
                "runner_stale_after_seconds",
                self.runner_stale_after_seconds,
            )?,
            poll: duration("runner_poll_seconds", self.runner_poll_seconds)?,
            shutdown_grace: Duration::try_from_secs_f64(self.runner_shutdown_grace_seconds)?,
            request_number_base: self.request_number_base,
        })
    }

    pub fn tz(&self) -> anyhow::Result<Tz> {
        self.timezone.parse().map_err(|_| {
            anyhow::anyhow!(
                "timezone `{}` is not an IANA time zone name (e.g. UTC, Europe/Paris)",
                self.timezone
            )
        })
    }

    /// The setting names, as the defaults serialize them.
    pub fn keys() -> Vec<String> {
        match serde_json::to_value(Settings::default()) {
            Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }
}

/// A positive number of seconds.
fn duration(name: &str, seconds: f64) -> anyhow::Result<Duration> {
    match Duration::try_from_secs_f64(seconds) {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => bail!("{name} must be a positive number of seconds, not {seconds}"),
    }
}

/// Only `RUNSHEET_<KEY>` variables for keys that exist: other tools' variables with our
/// prefix (`RUNSHEET_TEST_POSTGRES_URL`) must not be taken for unknown settings.
fn known_env(env: impl IntoIterator<Item = (String, String)>) -> HashMap<String, String> {
    let keys = Settings::keys();
    env.into_iter()
        .filter_map(|(name, value)| {
            let key = name.strip_prefix(ENV_PREFIX)?.to_ascii_lowercase();
            keys.contains(&key).then_some((key, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    #[test]
    fn defaults() {
        let s = Settings::load_from(None, env(&[])).unwrap();
        assert_eq!(s, Settings::default());
        assert_eq!(s.database_url, "sqlite://runsheet.db");
        assert_eq!(s.listen, "127.0.0.1:8080");
        assert_eq!(s.tz().unwrap(), Tz::UTC);
    }

    #[test]
    fn file_then_environment() {
        let f =
            file("listen = \"0.0.0.0:9000\"\ntimezone = \"America/New_York\"\nbody_limit = 2048\n");
        let s = Settings::load_from(
            Some(f.path()),
            env(&[
                ("RUNSHEET_LISTEN", "127.0.0.1:0"),
                ("RUNSHEET_DEFAULT_FORMAT", "xml"),
                ("RUNSHEET_TEST_POSTGRES_URL", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(s.listen, "127.0.0.1:0");
        assert_eq!(s.timezone, "America/New_York");
        assert_eq!(s.body_limit, 2048);
        assert_eq!(s.default_format, FormatSetting::Xml);
    }

    #[test]
    fn every_documented_variable_is_read() {
        let s = Settings::load_from(
            None,
            env(&[
                ("RUNSHEET_DATABASE_URL", "postgres://x@h/db"),
                ("RUNSHEET_LISTEN", "1.2.3.4:5"),
                ("RUNSHEET_DEFAULT_FORMAT", "xml"),
                ("RUNSHEET_TIMEZONE", "Europe/Paris"),
                ("RUNSHEET_LOG", "debug"),
            ]),
        )
        .unwrap();
        assert_eq!(s.database_url, "postgres://x@h/db");
        assert_eq!(s.listen, "1.2.3.4:5");
        assert_eq!(s.default_format, FormatSetting::Xml);
        assert_eq!(s.timezone, "Europe/Paris");
        assert_eq!(s.log, "debug");
    }

    #[test]
    fn unknown_keys_in_the_file_are_named() {
        let f = file("listen = \"127.0.0.1:1\"\ncolour = \"blue\"\n");
        let err = format!(
            "{:#}",
            Settings::load_from(Some(f.path()), env(&[])).unwrap_err()
        );
        assert!(err.contains("colour"), "{err}");
    }

    #[test]
    fn bad_values_are_named() {
        let err = format!(
            "{:#}",
            Settings::load_from(None, env(&[("RUNSHEET_TIMEZONE", "Mars/Base")])).unwrap_err()
        );
        assert!(err.contains("Mars/Base"), "{err}");
        let err = format!(
            "{:#}",
            Settings::load_from(None, env(&[("RUNSHEET_DEFAULT_FORMAT", "yaml")])).unwrap_err()
        );
        assert!(err.contains("yaml"), "{err}");
        let err = format!(
            "{:#}",
            Settings::load_from(Some(Path::new("/nonexistent/runsheet.toml")), env(&[]))
                .unwrap_err()
        );
        assert!(err.contains("/nonexistent/runsheet.toml"), "{err}");
        let err = format!(
            "{:#}",
            Settings::load_from(None, env(&[("RUNSHEET_SCRIPT_TIMEOUT_SECONDS", "-1")]))
                .unwrap_err()
        );
        assert!(err.contains("script_timeout_seconds"), "{err}");
        let err = format!(
            "{:#}",
            Settings::load_from(
                None,
                env(&[
                    ("RUNSHEET_RUNNER_HEARTBEAT_SECONDS", "10"),
                    ("RUNSHEET_RUNNER_STALE_AFTER_SECONDS", "15")
                ])
            )
            .unwrap_err()
        );
        assert!(err.contains("twice"), "{err}");
        let err = format!(
            "{:#}",
            Settings::load_from(None, env(&[("RUNSHEET_DB_THREADS", "0")])).unwrap_err()
        );
        assert!(err.contains("db_threads"), "{err}");
    }

    #[test]
    fn db_threads_are_left_to_the_backend_unless_set() {
        assert_eq!(
            Settings::load_from(None, env(&[])).unwrap().db_threads,
            None
        );
        let s = Settings::load_from(None, env(&[("RUNSHEET_DB_THREADS", "3")])).unwrap();
        assert_eq!(s.db_threads, Some(3));
        let f = file("db_threads = 5\n");
        let s = Settings::load_from(Some(f.path()), env(&[])).unwrap();
        assert_eq!(s.db_threads, Some(5));
    }

    #[test]
    fn the_runner_settings_come_from_the_file() {
        let f = file(
            "results_dir = \"/var/runsheet\"\nscript_timeout_seconds = 1.5\n\
             max_concurrent_runs = 2\n[script_commands]\nHudsonScript = \"/opt/hudson/run\"\n",
        );
        let runner = Settings::load_from(Some(f.path()), env(&[]))
            .unwrap()
            .runner()
            .unwrap();
        assert_eq!(
            runner.results_dir,
            std::path::PathBuf::from("/var/runsheet")
        );
        assert_eq!(runner.script_timeout, Duration::from_millis(1500));
        assert_eq!(runner.max_concurrent_runs, 2);
        assert_eq!(runner.script_commands["HudsonScript"], "/opt/hudson/run");
        let defaults = Settings::default().runner().unwrap();
        assert_eq!(
            defaults,
            RunnerSettings {
                results_dir: std::env::current_dir().unwrap().join("results"),
                ..RunnerSettings::default()
            }
        );
    }
}
