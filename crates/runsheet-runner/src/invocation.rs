//! How a run's script is invoked: its files, its command line and its environment.
//!
//! A run gets its own working directory next to its output file:
//! `<results>/request/<number>/step_<id>/output_<run_key>.txt` and `.../work_<run_key>/`,
//! where the script (`script`) and what it is told (`runsheet.json`) are written. The
//! environment is empty but for `PATH`, `HOME` (the working directory), `LANG` and the
//! `RUNSHEET_*` variables below.

use crate::settings::RunnerSettings;
use runsheet_store::execution::context::RunContext;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The general-purpose script type: a shell script (or any executable with a `#!` line).
pub const GENERAL: &str = "General";

/// Where a run's files go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub output: PathBuf,
    pub work_dir: PathBuf,
    pub script: PathBuf,
    pub input: PathBuf,
}

impl Paths {
    pub fn of(settings: &RunnerSettings, ctx: &RunContext) -> Paths {
        let request = match ctx.request_id {
            Some(id) => (id + settings.request_number_base).to_string(),
            None => "none".to_string(),
        };
        let step_dir = settings
            .results_dir
            .join("request")
            .join(request)
            .join(format!("step_{}", ctx.step_id));
        let work_dir = step_dir.join(format!("work_{}", ctx.run_key));
        Paths {
            output: step_dir.join(format!("output_{}.txt", ctx.run_key)),
            script: work_dir.join("script"),
            input: work_dir.join("runsheet.json"),
            work_dir,
        }
    }
}

/// A run that cannot start, with the message its job run records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CannotRun(pub String);

/// The program and arguments that run the script at `paths.script`.
pub fn command_line(
    settings: &RunnerSettings,
    ctx: &RunContext,
    paths: &Paths,
) -> Result<Vec<String>, CannotRun> {
    let script = ctx.script.as_ref().ok_or_else(|| {
        CannotRun("runsheet: the step has no script to run (script_id is empty)".into())
    })?;
    let file = paths.script.to_string_lossy().into_owned();
    if script.script_type == GENERAL {
        return Ok(if script.content.starts_with("#!") {
            vec![file]
        } else {
            vec!["/bin/sh".into(), file]
        });
    }
    let configured = settings
        .script_commands
        .get(&script.script_type)
        .map(|c| c.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .filter(|words| !words.is_empty());
    match configured {
        Some(mut words) => {
            words.push(file);
            Ok(words)
        }
        None => Err(CannotRun(format!(
            "runsheet: no command is configured for script type {:?} \
             (settings: script_commands.{})",
            script.script_type, script.script_type
        ))),
    }
}

/// The script's whole environment.
pub fn environment(
    settings: &RunnerSettings,
    ctx: &RunContext,
    paths: &Paths,
) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    let mut set = |k: &str, v: String| {
        env.insert(k.to_string(), v);
    };
    set("PATH", settings.script_path.clone());
    set("HOME", paths.work_dir.to_string_lossy().into_owned());
    set("LANG", "C.UTF-8".into());
    set("RUNSHEET_INPUT", paths.input.to_string_lossy().into_owned());
    set(
        "RUNSHEET_OUTPUT",
        paths.output.to_string_lossy().into_owned(),
    );
    set("RUNSHEET_JOB_RUN_ID", ctx.job_run_id.to_string());
    set("RUNSHEET_RUN_KEY", ctx.run_key.to_string());
    set("RUNSHEET_STEP_ID", ctx.step_id.to_string());
    set(
        "RUNSHEET_STEP_NAME",
        ctx.step_name.clone().unwrap_or_default(),
    );
    if let Some(id) = ctx.request_id {
        set("RUNSHEET_REQUEST_ID", id.to_string());
        set(
            "RUNSHEET_REQUEST_NUMBER",
            (id + settings.request_number_base).to_string(),
        );
        set(
            "RUNSHEET_REQUEST_NAME",
            ctx.request_name.clone().unwrap_or_default(),
        );
    }
    for (name, value) in &ctx.properties {
        set(
            &format!("RUNSHEET_PROPERTY_{}", variable_name(name)),
            value.clone().unwrap_or_default(),
        );
    }
    env
}

/// A property's name as the end of an environment variable's: upper case, anything but
/// ASCII letters and digits as `_` (`db host` -> `DB_HOST`).
pub fn variable_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// What `runsheet.json` holds: the same as the environment, with property names as they are.
pub fn input(settings: &RunnerSettings, ctx: &RunContext, paths: &Paths) -> Value {
    json!({
        "job_run": {"id": ctx.job_run_id, "run_key": ctx.run_key, "user_id": ctx.user_id},
        "step": {"id": ctx.step_id, "name": ctx.step_name},
        "request": ctx.request_id.map(|id| json!({
            "id": id,
            "number": id + settings.request_number_base,
            "name": ctx.request_name,
        })),
        "script": ctx.script.as_ref().map(|s| json!({
            "id": s.id, "name": s.name, "script_type": s.script_type,
        })),
        "properties": ctx.properties,
        "output_path": paths.output,
    })
}

/// Writes the script and its input into a fresh working directory.
pub fn prepare(paths: &Paths, ctx: &RunContext, input: &Value) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(&paths.work_dir)?;
    let content = ctx.script.as_ref().map_or("", |s| s.content.as_str());
    std::fs::write(&paths.script, content)?;
    std::fs::set_permissions(&paths.script, std::fs::Permissions::from_mode(0o700))?;
    std::fs::write(&paths.input, input.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use runsheet_store::execution::context::Script;

    fn ctx(script_type: &str, content: &str) -> RunContext {
        RunContext {
            job_run_id: 7,
            run_key: 1346787283,
            user_id: Some(1),
            step_id: 35,
            step_name: Some("Deploy".into()),
            request_id: Some(3),
            request_name: Some("Release".into()),
            script: Some(Script {
                id: 6,
                name: "deploy".into(),
                script_type: script_type.into(),
                content: content.into(),
            }),
            properties: [("db host".to_string(), Some("db1".to_string()))].into(),
        }
    }

    fn settings() -> RunnerSettings {
        RunnerSettings {
            results_dir: "/r".into(),
            ..RunnerSettings::default()
        }
    }

    #[test]
    fn files_go_under_the_request_number_and_step() {
        let paths = Paths::of(&settings(), &ctx(GENERAL, ""));
        assert_eq!(
            paths.output,
            PathBuf::from("/r/request/1003/step_35/output_1346787283.txt")
        );
        assert_eq!(
            paths.script,
            PathBuf::from("/r/request/1003/step_35/work_1346787283/script")
        );
    }

    #[test]
    fn general_scripts_run_with_sh_unless_they_name_their_interpreter() {
        let s = settings();
        let plain = ctx(GENERAL, "echo hi");
        let paths = Paths::of(&s, &plain);
        let script = paths.script.to_string_lossy().into_owned();
        assert_eq!(
            command_line(&s, &plain, &paths),
            Ok(vec!["/bin/sh".to_string(), script.clone()])
        );
        let shebang = ctx(GENERAL, "#!/usr/bin/env python3\nprint(1)");
        assert_eq!(command_line(&s, &shebang, &paths), Ok(vec![script]));
    }

    #[test]
    fn other_types_run_through_their_configured_command() {
        let mut s = settings();
        s.script_commands
            .insert("HudsonScript".into(), "/opt/hudson/run --quiet".into());
        let c = ctx("HudsonScript", "job");
        let paths = Paths::of(&s, &c);
        assert_eq!(
            command_line(&s, &c, &paths).map(|words| words[..2].to_vec()),
            Ok(vec!["/opt/hudson/run".to_string(), "--quiet".to_string()])
        );
        let unconfigured = ctx("CapistranoScript", "x");
        let err = command_line(&s, &unconfigured, &paths).unwrap_err();
        assert!(err.0.contains("CapistranoScript"), "{err:?}");
    }

    #[test]
    fn a_step_without_a_script_cannot_run() {
        let mut c = ctx(GENERAL, "");
        c.script = None;
        let s = settings();
        let err = command_line(&s, &c, &Paths::of(&s, &c)).unwrap_err();
        assert!(err.0.contains("no script"), "{err:?}");
    }

    #[test]
    fn the_environment_names_the_step_request_and_properties() {
        let s = settings();
        let c = ctx(GENERAL, "");
        let env = environment(&s, &c, &Paths::of(&s, &c));
        assert_eq!(env["RUNSHEET_STEP_ID"], "35");
        assert_eq!(env["RUNSHEET_REQUEST_NUMBER"], "1003");
        assert_eq!(env["RUNSHEET_REQUEST_NAME"], "Release");
        assert_eq!(env["RUNSHEET_PROPERTY_DB_HOST"], "db1");
        assert_eq!(env["PATH"], s.script_path);
        let input = input(&s, &c, &Paths::of(&s, &c));
        assert_eq!(input["properties"]["db host"], "db1");
        assert_eq!(input["request"]["number"], 1003);
    }
}
