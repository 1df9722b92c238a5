//! The threads that run the handlers' database work ([`crate::state::AppState::db`]): a fixed
//! number of them, taking the work from one queue in the order it came. Each thread has a
//! value of its own that its work is given: the connection it keeps
//! ([`runsheet_store::kept_connection::KeptConnection`]).
//!
//! Why not actix's blocking pool: each HTTP worker has one of its own, so two workers ran up to
//! twice `pool_size` threads, and their work went in no particular order once it waited for a
//! connection. On SQLite a read is CPU work in this process, so threads beyond the cores only
//! took turns on them: with one thread a core, 50-step lists went 23-45% faster and their p99
//! halved (docs/benchmarks.md, 18).

use runsheet_store::AnyConnection;
use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;

type Job<S> = Box<dyn FnOnce(&mut S) + Send>;

/// The work ended without an answer: it panicked (the thread goes on to the next work).
#[derive(Debug, thiserror::Error)]
#[error("the database work ended without an answer")]
pub struct NoAnswer;

/// Dropping it waits for the work queued before and for the threads to end: no database
/// work outlives the state that queued it, and no thread is still ending when the process
/// exits, where it would race the libraries' clean-up at exit (OpenSSL's, for libpq).
pub struct DbThreads<S> {
    queue: Arc<Queue<S>>,
    threads: Vec<thread::JoinHandle<()>>,
}

struct Queue<S> {
    state: Mutex<State<S>>,
    /// Signalled when work comes while a thread waits for it, and on closing.
    ready: Condvar,
}

struct State<S> {
    jobs: VecDeque<Job<S>>,
    /// Threads waiting for work: a thread is woken only when one waits, so that busy
    /// threads take the next job without a system call.
    idle: usize,
    closed: bool,
}

impl<S> Queue<S> {
    fn new() -> Queue<S> {
        Queue {
            state: Mutex::new(State {
                jobs: VecDeque::new(),
                idle: 0,
                closed: false,
            }),
            ready: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<S>> {
        // Nothing runs while the lock is held but these few lines, which cannot panic.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn push(&self, job: Job<S>) {
        let mut state = self.lock();
        state.jobs.push_back(job);
        let wake = state.idle > 0;
        drop(state);
        if wake {
            self.ready.notify_one();
        }
    }

    /// The next job, or `None` once the queue is closed and empty.
    fn next(&self) -> Option<Job<S>> {
        let mut state = self.lock();
        loop {
            if let Some(job) = state.jobs.pop_front() {
                return Some(job);
            }
            if state.closed {
                return None;
            }
            state.idle += 1;
            state = self
                .ready
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            state.idle -= 1;
        }
    }

    fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_all();
    }
}

impl<S: 'static> DbThreads<S> {
    /// Starts `count` threads (at least one), each with its own value from `make`, made on
    /// the thread. They end when this is dropped and the work queued before has run.
    pub fn start<M>(count: usize, make: M) -> std::io::Result<DbThreads<S>>
    where
        M: Fn() -> S + Send + Sync + 'static,
    {
        let count = count.max(1);
        let make = Arc::new(make);
        // Built first, so that the threads started before one that cannot be are ended.
        let mut started = DbThreads {
            queue: Arc::new(Queue::new()),
            threads: Vec::with_capacity(count),
        };
        for n in 0..count {
            let (queue, make) = (Arc::clone(&started.queue), Arc::clone(&make));
            let thread = thread::Builder::new()
                .name(format!("runsheet-db-{n}"))
                .spawn(move || {
                    let mut own = make();
                    while let Some(job) = queue.next() {
                        // A panic ends this job, not the thread: its caller sees no answer
                        // (the answer's sender is dropped), and the thread's value, which
                        // the work may have left half changed, is made again.
                        if catch_unwind(AssertUnwindSafe(|| job(&mut own))).is_err() {
                            own = make();
                        }
                    }
                })?;
            started.threads.push(thread);
        }
        Ok(started)
    }

    /// How many threads there are.
    pub fn count(&self) -> usize {
        self.threads.len()
    }

    /// Runs `work` on one of the threads, with that thread's value, after the work queued
    /// before it.
    pub async fn run<T, F>(&self, work: F) -> Result<T, NoAnswer>
    where
        T: Send + 'static,
        F: FnOnce(&mut S) -> T + Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.queue.push(Box::new(move |own: &mut S| {
            // The caller may have gone (the client hung up); the work is done all the same.
            let _ = answer.send(work(own));
        }));
        answered.await.map_err(|_| NoAnswer)
    }
}

impl<S> Drop for DbThreads<S> {
    fn drop(&mut self) {
        self.queue.close();
        // Work may hold the last reference to what owns this: then it is dropped on one of
        // these threads, which cannot wait for itself (it ends once this work returns).
        let me = thread::current().id();
        for thread in self.threads.drain(..) {
            if thread.thread().id() != me {
                // Err only if the thread panicked, and a job's panic is caught: nothing to add.
                let _ = thread.join();
            }
        }
    }
}

/// How many threads run database work when `db_threads` is not set: one for each
/// connection of the pool, but when the database shares this machine's cores no more than
/// one a core on SQLite and two on PostgreSQL. More would only take turns on the cores with
/// each other and the database's own processes: with PostgreSQL on the same 2 cores, 4
/// threads ran 14-15% more shows than 10, their p99 from 8.2-8.7 ms down to 4.5-4.6 ms
/// (docs/benchmarks.md, 21). A server elsewhere may have more cores than this machine, and
/// the work waits for its answers: one thread a connection.
pub fn default_count(
    conn: &mut AnyConnection,
    pool_size: u32,
) -> Result<usize, runsheet_store::StoreError> {
    let per_core = match conn {
        // A read waits for nothing but the CPU.
        AnyConnection::Sqlite(_) => 1,
        // A thread also waits for the server's answer, while the server works.
        AnyConnection::Postgres(_) => 2,
    };
    let local = conn.database_is_local()?;
    let cores = thread::available_parallelism().map_or(1, |cores| cores.get());
    Ok(count(pool_size, local.then_some(per_core * cores)))
}

/// One thread a connection of the pool, at most `on_these_cores` when the database shares
/// the machine's cores.
fn count(pool_size: u32, on_these_cores: Option<usize>) -> usize {
    let pool_size = pool_size.max(1) as usize;
    on_these_cores.map_or(pool_size, |most| most.clamp(1, pool_size))
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;
    use std::time::Duration;

    #[actix_rt::test]
    async fn work_runs_and_answers() {
        let threads = DbThreads::start(2, || ()).expect("threads start");
        let name = threads
            .run(|_| thread::current().name().map(str::to_owned))
            .await
            .expect("an answer");
        assert!(
            name.as_deref()
                .is_some_and(|n| n.starts_with("runsheet-db-")),
            "{name:?}"
        );
    }

    #[actix_rt::test]
    async fn no_more_than_count_run_at_once_and_all_of_them_do() {
        let threads = DbThreads::start(3, || ()).expect("threads start");
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let jobs = (0..12).map(|_| {
            let (running, most) = (Arc::clone(&running), Arc::clone(&most));
            threads.run(move |_| {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                thread::sleep(Duration::from_millis(30));
                running.fetch_sub(1, Ordering::SeqCst);
            })
        });
        for answer in futures_util::future::join_all(jobs).await {
            answer.expect("an answer");
        }
        assert_eq!(most.load(Ordering::SeqCst), 3);
    }

    #[actix_rt::test]
    async fn one_thread_runs_the_work_in_the_order_it_came() {
        let threads = DbThreads::start(1, || ()).expect("threads start");
        let order = Arc::new(Mutex::new(Vec::new()));
        let jobs = (0..20).map(|n| {
            let order = Arc::clone(&order);
            threads.run(move |_| order.lock().expect("not poisoned").push(n))
        });
        futures_util::future::join_all(jobs).await;
        let order = order.lock().expect("not poisoned").clone();
        assert_eq!(order, (0..20).collect::<Vec<_>>());
    }

    #[actix_rt::test]
    async fn a_panic_gives_no_answer_and_the_thread_goes_on() {
        let threads = DbThreads::start(1, || ()).expect("threads start");
        let failed = threads
            .run(|_| -> u8 { panic!("a bug in some work") })
            .await;
        assert!(failed.is_err());
        assert_eq!(threads.run(|_| 7).await.expect("the next work runs"), 7);
    }

    /// Queues `work` and leaves at once (the answer is not awaited).
    fn queue(threads: &DbThreads<()>, work: impl FnOnce(&mut ()) + Send + 'static) {
        assert!(threads.run(work).now_or_never().is_none(), "not run yet");
    }

    #[test]
    fn dropping_waits_for_the_queued_work_and_the_threads_to_end() {
        let threads = DbThreads::start(2, || ()).expect("threads start");
        let done = Arc::new(AtomicUsize::new(0));
        for _ in 0..4 {
            let done = Arc::clone(&done);
            queue(&threads, move |_| {
                thread::sleep(Duration::from_millis(50));
                done.fetch_add(1, Ordering::SeqCst);
            });
        }
        // Each thread holds the queue until it ends.
        let queue_held = Arc::downgrade(&threads.queue);
        drop(threads);
        assert_eq!(done.load(Ordering::SeqCst), 4);
        assert_eq!(queue_held.strong_count(), 0, "every thread has ended");
    }

    #[test]
    fn work_may_drop_the_threads_it_runs_on() {
        let threads = DbThreads::start(2, || ()).expect("threads start");
        let (give, given) = mpsc::channel::<DbThreads<()>>();
        let (finished, has_finished) = mpsc::channel();
        queue(&threads, move |_| {
            drop(given.recv().expect("the threads"));
            finished.send(()).expect("the test waits");
        });
        give.send(threads).expect("the work waits");
        has_finished
            .recv_timeout(Duration::from_secs(10))
            .expect("dropped without waiting for its own thread");
    }

    #[actix_rt::test]
    async fn each_thread_keeps_its_value_and_makes_it_again_after_a_panic() {
        let made = Arc::new(AtomicUsize::new(0));
        let making = Arc::clone(&made);
        let threads = DbThreads::start(1, move || {
            making.fetch_add(1, Ordering::SeqCst);
            Vec::new()
        })
        .expect("threads start");
        for n in 0..3 {
            threads
                .run(move |seen: &mut Vec<u8>| seen.push(n))
                .await
                .expect("an answer");
        }
        let seen = threads.run(|seen: &mut Vec<u8>| seen.clone()).await;
        assert_eq!(seen.expect("an answer"), [0, 1, 2]);
        let failed = threads
            .run(|seen: &mut Vec<u8>| -> u8 {
                seen.push(9);
                panic!("a bug in some work")
            })
            .await;
        assert!(failed.is_err());
        let seen = threads.run(|seen: &mut Vec<u8>| seen.clone()).await;
        assert_eq!(seen.expect("an answer"), [] as [u8; 0], "made again");
        assert_eq!(made.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn threads_are_the_pools_connections_or_fewer_on_shared_cores() {
        assert_eq!(count(10, None), 10, "a database elsewhere");
        assert_eq!(count(10, Some(4)), 4);
        assert_eq!(
            count(3, Some(4)),
            3,
            "never more than the pool's connections"
        );
        assert_eq!(count(0, None), 1);
        assert_eq!(count(0, Some(4)), 1);
        assert_eq!(count(10, Some(0)), 1);
    }

    /// Both test databases are on this machine: SQLite, and PostgreSQL over loopback.
    #[test]
    fn databases_on_this_machine_get_threads_by_cores_within_the_pool() {
        let cores = thread::available_parallelism().map_or(1, |c| c.get());
        for db in runsheet_store::testing::TestDb::all() {
            let mut conn = runsheet_store::establish(&db.url).expect("a connection");
            let per_core = match db.backend_name() {
                "sqlite" => 1,
                _ => 2,
            };
            let count = |conn: &mut AnyConnection, pool| default_count(conn, pool).unwrap();
            assert_eq!(count(&mut conn, 64), per_core * cores);
            assert_eq!(count(&mut conn, 1), 1);
            assert_eq!(count(&mut conn, 0), 1);
        }
    }
}
