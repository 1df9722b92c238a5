//! The `runsheet` binary; everything it does lives in `runsheet-server`.

fn main() -> std::process::ExitCode {
    match runsheet_server::cli::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("runsheet: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// jemalloc, for every allocation of the process (SQLite's and libpq's too, through its
/// unprefixed `malloc`): glibc's allocator was 12-17% of a list's or a show's time, jemalloc's
/// fast paths take a fraction of that (docs/benchmarks.md, 17). Its configuration is built
/// in (`.cargo/config.toml`).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
