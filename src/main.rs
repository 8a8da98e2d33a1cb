//! The `aadsts-wizard` binary: parse arguments, then hand over to the CLI or the TUI.

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod sources;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
