//! `portwarden`: the command-line front end. A thin layer over the library crates:
//! it parses flags, reads the environment (language, colour, width), calls the probes and
//! the knowledge base, and hands plain data to the renderers.

mod cli;
mod lookup;
mod ui;

use clap::{CommandFactory, FromArgMatches};
use std::process::ExitCode;

fn main() -> ExitCode {
    let version = format!(
        "{} (IANA registry {})",
        env!("CARGO_PKG_VERSION"),
        portwarden_kb::IANA_UPDATED
    );
    let cmd = cli::Cli::command().version(version);
    let matches = cmd.get_matches();
    let args = match cli::Cli::from_arg_matches(&matches) {
        Ok(a) => a,
        Err(e) => e.exit(),
    };
    let result = match args.command {
        cli::Command::Lookup(a) => lookup::run(&a),
        cli::Command::Completions { shell } => {
            let mut cmd = cli::Cli::command();
            clap_complete::generate(shell, &mut cmd, "portwarden", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        cli::Command::Man => {
            let man = clap_mangen::Man::new(cli::Cli::command());
            let mut out = Vec::new();
            match man.render(&mut out) {
                Ok(()) => {
                    use std::io::Write;
                    let _ = std::io::stdout().write_all(&out);
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Err(ui::Failure::Runtime(e.into())),
            }
        }
    };
    match result {
        Ok(code) => code,
        Err(ui::Failure::Usage(msg)) => {
            eprintln!("portwarden: {msg}");
            ExitCode::from(2)
        }
        Err(ui::Failure::Runtime(e)) => {
            eprintln!("portwarden: {e:#}");
            ExitCode::from(3)
        }
    }
}
