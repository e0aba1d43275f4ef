//! `portwarden watch` and `unblock` where they do not run (see [`crate::elsewhere`]).

use crate::ui::Failure;
use std::process::ExitCode;

/// `portwarden watch`'s flags.
pub type WatchArgs = crate::elsewhere::AnyArgs;
/// `portwarden unblock`'s flags.
pub type UnblockArgs = crate::elsewhere::AnyArgs;

/// Says `watch` is not available here.
pub fn watch(_a: &WatchArgs) -> Result<ExitCode, Failure> {
    crate::elsewhere::unavailable("watch")
}

/// Says `unblock` is not available here.
pub fn unblock(_a: &UnblockArgs) -> Result<ExitCode, Failure> {
    crate::elsewhere::unavailable("unblock")
}
