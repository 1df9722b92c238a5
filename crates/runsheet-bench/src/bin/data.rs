//! `runsheet-bench-data`: migrates a database and fills it with the benchmark's data.
//!
//! ```text
//! runsheet-bench-data --database-url URL --out DIR [--scale N] [--automation-requests K]
//!                     [--automation-steps S] [--automation-phase-size P] [--seed N]
//! ```
//!
//! Writes into DIR what the scenarios use: `bench.env` (shell variables), and one id per
//! line in `step_ids.txt`, `request_ids.txt`, `ready_owner_ids.txt`, `ready_step_ids.txt`,
//! `job_run_ids.txt`.
//!
//! With `--explain --request R --owner U` it generates nothing: it prints (Markdown) the
//! statements the store sends for the benchmark's filtered lists, each with its plan.

use anyhow::{bail, Context};
use runsheet_bench::{generate, Options};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

const USAGE: &str = "usage: runsheet-bench-data --database-url URL --out DIR [--scale N] \
    [--automation-requests K] [--automation-steps S] [--automation-phase-size P] [--seed N]\n\
       runsheet-bench-data --explain --database-url URL --request R --owner U";

fn main() -> anyhow::Result<()> {
    let mut options = Options::default();
    let mut url = None;
    let mut out = None;
    let mut explain = false;
    let mut request = 0;
    let mut owner = 0;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .with_context(|| format!("{arg} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--database-url" => url = Some(value()?),
            "--out" => out = Some(PathBuf::from(value()?)),
            "--scale" => options.scale = value()?.parse().context("--scale")?,
            "--automation-requests" => {
                options.automation_requests = value()?.parse().context("--automation-requests")?
            }
            "--automation-steps" => {
                options.automation_steps = value()?.parse().context("--automation-steps")?
            }
            "--automation-phase-size" => {
                options.automation_phase_size =
                    value()?.parse().context("--automation-phase-size")?
            }
            "--request-number-base" => {
                options.request_number_base = value()?.parse().context("--request-number-base")?
            }
            "--explain" => explain = true,
            "--request" => request = value()?.parse().context("--request")?,
            "--owner" => owner = value()?.parse().context("--owner")?,
            "--seed" => options.seed = value()?.parse().context("--seed")?,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => bail!("unknown argument {other}\n{USAGE}"),
        }
    }
    if explain {
        let url = url.context(USAGE)?;
        let mut conn = runsheet_store::establish(&url)?;
        print!(
            "{}",
            runsheet_bench::explain::explain(&mut conn, request, owner)?
        );
        return Ok(());
    }
    let (Some(url), Some(out)) = (url, out) else {
        bail!("{USAGE}");
    };
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;

    let started = Instant::now();
    let mut conn = runsheet_store::establish(&url)?;
    runsheet_store::migrations::run_pending(&mut conn)?;
    let generated = generate(&mut conn, &options)?;
    let seconds = started.elapsed().as_secs_f64();

    let mut env = String::new();
    writeln!(env, "GEN_SECONDS={seconds:.1}")?;
    writeln!(env, "GEN_SCALE={}", options.scale)?;
    for (table, rows) in &generated.rows {
        writeln!(env, "ROWS_{}={rows}", table.to_uppercase())?;
    }
    writeln!(env, "RUNNING_JOB_RUNS={}", generated.running_job_runs)?;
    writeln!(env, "POST_REQUEST_ID={}", generated.post_request_id)?;
    writeln!(env, "POST_OWNER_ID={}", generated.post_owner_id)?;
    let automation: Vec<String> = generated
        .automation_request_ids
        .iter()
        .map(i64::to_string)
        .collect();
    writeln!(env, "AUTOMATION_REQUEST_IDS=\"{}\"", automation.join(" "))?;
    writeln!(env, "AUTOMATION_STEPS={}", options.automation_steps)?;
    writeln!(
        env,
        "AUTOMATION_PHASE_SIZE={}",
        options.automation_phase_size
    )?;
    std::fs::write(out.join("bench.env"), env)?;
    for (file, ids) in [
        ("step_ids.txt", &generated.step_ids),
        ("request_ids.txt", &generated.request_ids),
        ("ready_owner_ids.txt", &generated.ready_owner_ids),
        ("ready_step_ids.txt", &generated.ready_step_ids),
        ("job_run_ids.txt", &generated.job_run_ids),
    ] {
        let text: String = ids.iter().map(|id| format!("{id}\n")).collect();
        std::fs::write(out.join(file), text)?;
    }
    let rows: Vec<String> = generated
        .rows
        .iter()
        .map(|(table, rows)| format!("{table} {rows}"))
        .collect();
    eprintln!(
        "runsheet-bench-data: {} in {seconds:.1} s ({})",
        conn.backend_name(),
        rows.join(", ")
    );
    Ok(())
}
