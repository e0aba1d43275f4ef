//! `portwarden`: the command-line front end. A thin layer over the library crates:
//! it parses flags, reads the environment (language, colour, width), calls the probes and
//! the knowledge base, and hands plain data to the renderers.

/// Like `std::print!`, but a closed pipe (`portwarden lookup 1-65535 | head`) ends the
/// process quietly with status 141, as SIGPIPE does for C tools, instead of panicking.
/// Defined before the modules so it takes the place of the prelude macro in all of them.
macro_rules! print {
    ($($arg:tt)*) => {
        $crate::ui::out(&format!($($arg)*))
    };
}

/// `println!` with the same closed-pipe handling as [`print!`].
macro_rules! println {
    () => {
        $crate::ui::out("\n")
    };
    ($($arg:tt)*) => {
        $crate::ui::out(&(format!($($arg)*) + "\n"))
    };
}

mod audit;
mod cli;
mod control;
#[cfg(not(target_os = "linux"))]
mod elsewhere;
mod errors;
mod fleet;
mod history;
mod inventory;
mod lookup;
mod platform;
mod report_cmd;
mod scan;
#[cfg(target_os = "linux")]
mod top;
#[cfg(not(target_os = "linux"))]
#[path = "elsewhere/top.rs"]
mod top;
mod ui;
#[cfg(target_os = "linux")]
mod watch;
#[cfg(not(target_os = "linux"))]
#[path = "elsewhere/watch.rs"]
mod watch;

use clap::FromArgMatches;
use std::process::ExitCode;

fn main() -> ExitCode {
    ui::set_zh_errors(ui::argv_lang_is_zh(std::env::args_os()));
    let cmd = cli::command();
    let matches = match cmd.try_get_matches_from(scan::nmap_argv(std::env::args_os())) {
        Ok(m) => m,
        Err(e) => match e.kind() {
            clap::error::ErrorKind::DisplayHelp
            | clap::error::ErrorKind::DisplayVersion
            | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
            clap::error::ErrorKind::InvalidValue => {
                // The valid values on the same line.
                use clap::error::{ContextKind, ContextValue};
                let get = |k| match e.get(k) {
                    Some(ContextValue::String(s)) => s.clone(),
                    Some(ContextValue::Strings(v)) => v.join(", "),
                    _ => String::new(),
                };
                let value = ui::clip(&get(ContextKind::InvalidValue));
                let arg = get(ContextKind::InvalidArg);
                let valid = get(ContextKind::ValidValue);
                eprintln!(
                    "portwarden: {}",
                    ui::say(&portwarden_i18n::msg!(
                        "cli-invalid-value-valid",
                        value = value,
                        arg = arg,
                        valid = valid
                    ))
                );
                return ExitCode::from(2);
            }
            clap::error::ErrorKind::ValueValidation => {
                // One line, the value shortened (a 100 KB argument is not echoed whole),
                // the framing in the reader's language.
                use clap::error::{ContextKind, ContextValue};
                let get = |k| match e.get(k) {
                    Some(ContextValue::String(s)) => s.clone(),
                    _ => String::new(),
                };
                let value = ui::clip(&get(ContextKind::InvalidValue));
                let arg = get(ContextKind::InvalidArg);
                let why = std::error::Error::source(&e)
                    .map(|s| s.to_string())
                    .unwrap_or_default();
                eprintln!(
                    "portwarden: {}",
                    ui::say(&portwarden_i18n::msg!(
                        "cli-invalid-value-why",
                        value = value,
                        arg = arg,
                        why = why
                    ))
                );
                return ExitCode::from(2);
            }
            _ => {
                // One clear line, exit 2 (clap's own output spans several); clap speaks
                // English only, so other languages get the catalog's line.
                let line = ui::clap_error_in(&e, ui::error_lang())
                    .unwrap_or_else(|| ui::one_line_error(&e.to_string()));
                eprintln!("portwarden: {line}");
                return ExitCode::from(2);
            }
        },
    };
    let args = match cli::Cli::from_arg_matches(&matches) {
        Ok(a) => a,
        Err(e) => e.exit(),
    };
    let result = match args.command {
        cli::Command::Lookup(a) => lookup::run(&a),
        cli::Command::Ls(a) => inventory::run(&a),
        cli::Command::Audit(a) => audit::run(&a),
        cli::Command::Scan(a) => scan::run(&a),
        cli::Command::Close(a) => control::close(&a),
        cli::Command::Open(a) => control::open(&a),
        cli::Command::Actions(a) => control::actions(&a),
        cli::Command::Watch(a) => watch::watch(&a),
        cli::Command::Unblock(a) => watch::unblock(&a),
        cli::Command::History(a) => history::history(&a),
        cli::Command::Diff(a) => Ok(history::diff(&a)),
        cli::Command::Baseline(a) => history::baseline(&a),
        cli::Command::Report(a) => report_cmd::run(&a),
        cli::Command::Fleet(a) => fleet::run(&a),
        cli::Command::Store(a) => fleet::store(&a),
        cli::Command::Top(a) => top::run(&a),
        cli::Command::Completions { shell } => {
            // Generated into memory first: clap_complete panics when its writer fails, and
            // a closed pipe must end with status 141 instead.
            let mut cmd = cli::command();
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cmd, "portwarden", &mut out);
            ui::out_bytes(&out);
            Ok(ExitCode::SUCCESS)
        }
        cli::Command::Man => {
            let man = clap_mangen::Man::new(cli::command());
            let mut out = Vec::new();
            match man.render(&mut out) {
                Ok(()) => {
                    ui::out_bytes(&out);
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Err(ui::Failure::Runtime(e.into())),
            }
        }
    };
    match result {
        Ok(code) => code,
        Err(ui::Failure::Usage(msg)) => {
            eprintln!("portwarden: {}", errors::os_errors(ui::error_lang(), &msg));
            ExitCode::from(2)
        }
        Err(ui::Failure::Runtime(e)) => {
            eprintln!("portwarden: {}", errors::runtime(ui::error_lang(), &e));
            ExitCode::from(3)
        }
    }
}
