//! The commands this platform does not have yet, with the same flags as where they run
//! (any flags are accepted), each saying so in one line: `top` and `watch` read
//! Linux's sock_diag, /proc and AF_PACKET.

use crate::ui::{self, Failure};
use std::process::ExitCode;

/// One line: `what` is not available on this platform (exit 2).
pub fn unavailable(what: &str) -> Result<ExitCode, Failure> {
    Err(Failure::Usage(ui::say(&portwarden_i18n::msg!(
        "platform-command-unavailable",
        command = what,
        os = std::env::consts::OS
    ))))
}

/// Flags of a command that does not run here: anything, so the one line above is what
/// the user sees rather than a complaint about a flag.
#[derive(Debug, clap::Args)]
pub struct AnyArgs {
    /// The command's arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub rest: Vec<std::ffi::OsString>,
}
