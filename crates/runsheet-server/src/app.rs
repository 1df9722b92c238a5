//! Building the application and serving it.

use crate::middleware;
use crate::routes;
use crate::settings::Settings;
use crate::state::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use runsheet_core::user::UserChanges;
use runsheet_store::{migrations, Pool};
use std::io::Write;

/// The whole application over a pool: what `serve` runs and what API tests call in-process.
pub fn build_app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(state)
        .configure(routes::configure)
        .wrap(from_fn(middleware::path_format))
        .wrap(from_fn(middleware::request_id_and_runtime))
}

/// Connects to the database and applies pending migrations.
pub fn open_database(settings: &Settings) -> anyhow::Result<Pool> {
    let pool = runsheet_store::connect(&settings.database_url, settings.pool_size)?;
    let mut conn = pool.get().context("no database connection")?;
    let applied = migrations::run_pending(&mut conn)?;
    for version in applied {
        tracing::info!(%version, "applied migration");
    }
    Ok(pool)
}

/// On an empty database, creates the first admin and prints its token once.
fn ensure_first_admin(pool: &Pool, out: &mut impl Write) -> anyhow::Result<()> {
    let mut conn = pool.get()?;
    if runsheet_store::users::count(&mut conn)? > 0 {
        return Ok(());
    }
    let changes = UserChanges {
        login: Some("admin".into()),
        email: Some("admin@localhost".into()),
        admin: Some(true),
        ..UserChanges::default()
    };
    let (_, token) = runsheet_store::users::create_with_token(&mut conn, &changes)?;
    writeln!(
        out,
        "Created the first user, `admin`, with this API token (shown only once):"
    )?;
    writeln!(out, "{token}")?;
    writeln!(out, "Use it as ?token=... or an `Authorization: Bearer ...` header, e.g. curl -H 'Authorization: Bearer {token}' http://HOST/v1/users")?;
    Ok(())
}

/// `runsheet serve`: migrate, make sure someone can log in, listen until SIGINT (Ctrl-C) or
/// SIGTERM, then let in-flight requests finish.
pub async fn serve(settings: Settings, with_runner: bool) -> anyhow::Result<()> {
    let pool = open_database(&settings)?;
    let mut stdout = std::io::stdout();
    ensure_first_admin(&pool, &mut stdout)?;
    let runner = match with_runner {
        true => Some(runsheet_runner::start(pool.clone(), settings.runner()?)),
        false => None,
    };
    let waker = runner.as_ref().map(|r| r.waker());
    let state = web::Data::new(AppState::new(pool, &settings)?.with_runner(waker));
    // actix stops at once on SIGINT; ours waits for in-flight requests on both signals.
    let bound = HttpServer::new(move || build_app(state.clone()))
        .disable_signals()
        // Database work runs on the state's own threads; actix's blocking pool is left the
        // rest (mail, job output files), so few threads: each keeps an allocator cache
        // (docs/benchmarks.md, 17).
        .worker_max_blocking_threads(settings.pool_size as usize)
        .shutdown_timeout(30)
        .bind(&settings.listen)
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    for addr in bound.addrs() {
        writeln!(stdout, "runsheet listening on http://{addr}")?;
    }
    stdout.flush()?;
    let server = bound.run();
    let handle = server.handle();
    actix_web::rt::spawn(async move {
        match shutdown_signal().await {
            Ok(signal) => tracing::info!(signal, "stopping: finishing in-flight requests"),
            Err(error) => tracing::error!(%error, "cannot listen for signals; stopping"),
        }
        handle.stop(true).await;
    });
    let served = server.await.context("server failed");
    if let Some(runner) = runner {
        // Blocking, and fine: the server has stopped; this waits for scripts to end.
        runner.stop();
    }
    served?;
    tracing::info!("stopped");
    Ok(())
}

/// `runsheet worker`: a runner alone, until SIGINT or SIGTERM.
pub async fn work(settings: Settings) -> anyhow::Result<()> {
    let pool = runsheet_store::connect(&settings.database_url, settings.pool_size)?;
    {
        let mut conn = pool.get().context("no database connection")?;
        let pending = migrations::pending(&mut conn)?;
        if !pending.is_empty() {
            anyhow::bail!(
                "the database has {} pending migration(s): run `runsheet migrate` (or start `runsheet serve`) first",
                pending.len()
            );
        }
    }
    let runner = runsheet_runner::start(pool, settings.runner()?);
    let mut stdout = std::io::stdout();
    writeln!(stdout, "runsheet worker {} running", runner.id())?;
    stdout.flush()?;
    match shutdown_signal().await {
        Ok(signal) => tracing::info!(signal, "stopping: letting running scripts finish"),
        Err(error) => tracing::error!(%error, "cannot listen for signals; stopping"),
    }
    runner.stop();
    tracing::info!("stopped");
    Ok(())
}

/// Waits for SIGINT or SIGTERM and names it.
async fn shutdown_signal() -> std::io::Result<&'static str> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(tokio::select! {
        _ = terminate.recv() => "SIGTERM",
        _ = interrupt.recv() => "SIGINT",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use runsheet_store::testing::TestDb;

    #[test]
    fn the_first_admin_is_made_once() {
        let db = TestDb::sqlite();
        let pool = db.pool();
        let mut out = Vec::new();
        ensure_first_admin(&pool, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let token = text.lines().nth(1).unwrap();
        let user = runsheet_store::users::authenticate(&mut pool.get().unwrap(), token)
            .unwrap()
            .unwrap();
        assert_eq!(user.login, "admin");
        assert!(user.admin && user.active);

        let mut again = Vec::new();
        ensure_first_admin(&pool, &mut again).unwrap();
        assert!(again.is_empty(), "no second admin, no second token");
    }
}
