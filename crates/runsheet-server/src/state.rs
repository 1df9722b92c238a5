//! What handlers share: the pool and the settings they need.

use crate::auth_cache::AuthCache;
use crate::db_threads::{self, DbThreads};
use crate::error::ApiError;
use crate::settings::Settings;
use runsheet_format::{Format, RenderOptions};
use runsheet_runner::Waker;
use runsheet_store::kept_connection::{self, KeptConnection};
use runsheet_store::{AnyConnection, Pool, StoreError};

pub struct AppState {
    pub pool: Pool,
    /// Where the database work runs, each thread with its connection.
    pub db_threads: DbThreads<KeptConnection>,
    pub default_format: Format,
    pub render: RenderOptions,
    pub body_limit: usize,
    pub mail_url: String,
    pub mail_from: String,
    /// This process's runner, if it has one: woken after changes that may queue scripts.
    pub runner: Option<Waker>,
    /// How many records a streamed list loads and renders at a time.
    pub list_chunk: usize,
    /// Tokens that opened the API a moment ago.
    pub auth: AuthCache,
}

impl AppState {
    pub fn new(pool: Pool, settings: &Settings) -> anyhow::Result<AppState> {
        let mut conn = pool.get()?;
        let threads = match settings.db_threads {
            Some(count) => count as usize,
            None => db_threads::default_count(&mut conn, settings.pool_size)?,
        };
        let kept = kept_connection::kept_database(&mut conn)?;
        drop(conn);
        let threads_pool = pool.clone();
        let db_threads = DbThreads::start(threads, move || {
            KeptConnection::new(threads_pool.clone(), kept.clone())
        })?;
        Ok(AppState {
            db_threads,
            pool,
            default_format: settings.default_format.into(),
            render: RenderOptions {
                tz: settings.tz()?,
                request_number_base: settings.request_number_base,
            },
            body_limit: settings.body_limit,
            mail_url: settings.mail_url.clone(),
            mail_from: settings.mail_from.clone(),
            runner: None,
            list_chunk: crate::lists::CHUNK,
            auth: AuthCache::default(),
        })
    }

    pub fn with_runner(self, runner: Option<Waker>) -> AppState {
        AppState { runner, ..self }
    }

    /// Tells the runner in this process, if any, to look for queued runs now.
    pub fn wake_runner(&self) {
        if let Some(runner) = &self.runner {
            runner.wake();
        }
    }

    /// Runs blocking database work on the database threads, never on a worker's event loop.
    pub async fn db<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, StoreError> + Send + 'static,
    {
        self.db_threads
            .run(move |conn: &mut KeptConnection| conn.with(work))
            .await
            .map_err(|e| ApiError::Internal(format!("database task failed: {e}")))?
            .map_err(ApiError::from)
    }
}
