//! `portwarden close`, `open` and `actions` until the control crate's Windows system is
//! merged (see [`crate::elsewhere`]); the journal's place is the platform's.

use crate::cli::{ActionsArgs, CloseArgs, OpenArgs};
use crate::ui::Failure;
use std::process::ExitCode;

pub use crate::platform::store_path;

/// Says `close` is not available here yet.
pub fn close(_a: &CloseArgs) -> Result<ExitCode, Failure> {
    crate::elsewhere::unavailable("close")
}

/// Says `open` is not available here yet.
pub fn open(_a: &OpenArgs) -> Result<ExitCode, Failure> {
    crate::elsewhere::unavailable("open")
}

/// Says `actions` is not available here yet.
pub fn actions(_a: &ActionsArgs) -> Result<ExitCode, Failure> {
    crate::elsewhere::unavailable("actions")
}
