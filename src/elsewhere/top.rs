//! `portwarden top` where it does not run yet (see [`crate::elsewhere`]).

use crate::ui::Failure;
use std::process::ExitCode;

/// `portwarden top`'s flags.
pub type TopArgs = crate::elsewhere::AnyArgs;

/// Says `top` is not available here.
pub fn run(_a: &TopArgs) -> Result<ExitCode, Failure> {
    crate::elsewhere::unavailable("top")
}
