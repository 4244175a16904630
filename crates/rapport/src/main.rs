//! `rapport`, the command line: parses arguments, opens the store, runs one use case and
//! prints what happened. Everything that decides anything lives in `rapport-app`.

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: an import allocates and frees small strings on
/// two threads (the reader's, freed by the writer), where glibc's allocator spent about 15 % of
/// a 10-million-line load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
