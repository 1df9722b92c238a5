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
