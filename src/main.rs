//! The `aadsts-wizard` binary: parse arguments, then hand over to the CLI or the TUI.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

mod cli;
mod sources;

fn main() -> ExitCode {
    // Like other Unix tools, end quietly when the reader of our output goes away
    // (`aadsts-wizard completions bash | head`) instead of panicking in `println!`.
    #[cfg(unix)]
    // SAFETY: sets the default disposition of one signal, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let args = cli::Args::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            // Through the sanitiser: the message may quote a file or an argument.
            let mut err = aadsts_wizard::text::SafeWriter::new(
                std::io::stderr().lock(),
                aadsts_wizard::text::Mode::Text,
            );
            let _ = writeln!(err, "error: {e:#}");
            ExitCode::from(1)
        }
    }
}
