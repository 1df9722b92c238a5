//! The `runsheet` binary; everything it does lives in `runsheet-server`.

/// mimalloc instead of the system's allocator: a list's rows, strings and body are many
/// small allocations, and glibc's malloc and free were a tenth of a list's or a show's
/// instructions (docs/benchmarks.md, 14).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    match runsheet_server::cli::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("runsheet: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
