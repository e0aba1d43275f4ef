//! What a test does when it cannot run here (no root, a tool missing): on a person's
//! machine it skips and prints why (`SKIPPED: …`); in CI (`CI=true`) it fails, so a
//! test that silently did nothing can never pass a CI run.
//!
//! ```no_run
//! fn test_that_needs_nft() {
//!     portwarden_testkit::require!(portwarden_testkit::needs_root_and(&["nft"]));
//!     // … the test …
//! }
//! ```

use std::process::{Command, Stdio};

#[cfg(unix)]
pub mod pg;

/// Whether this run is CI's: `CI` is `true` (or `1`), as GitHub, GitLab and `.ci/run`
/// set it.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// The test cannot run here because of `why`. In CI this panics (the test fails);
/// otherwise it prints `SKIPPED: why` and returns, and the caller returns.
///
/// # Panics
/// When [`in_ci`]: CI must run every test.
#[track_caller]
pub fn skip(why: &str) {
    if in_ci() {
        panic!(
            "CI=true and this test cannot run here: {why} (CI must run every test; see .ci/run)"
        );
    }
    eprintln!("SKIPPED: {why}");
}

/// Why the test cannot run, if it cannot: `Some(reason)` skips (or fails in CI) and
/// returns from the test; `None` goes on. A second argument is the value to return.
#[macro_export]
macro_rules! require {
    ($why:expr) => {
        if let Some(why) = $why {
            $crate::skip(&why);
            return;
        }
    };
    ($why:expr, $ret:expr) => {
        if let Some(why) = $why {
            $crate::skip(&why);
            return $ret;
        }
    };
}

/// `Some(reason)` when not running as root.
#[cfg(unix)]
pub fn needs_root() -> Option<String> {
    (!nix::unistd::geteuid().is_root())
        .then(|| "needs root (network namespaces, raw sockets, nftables)".to_string())
}

/// `Some(reason)` always: what needs root (namespaces, raw sockets, nftables) is Linux's.
#[cfg(not(unix))]
pub fn needs_root() -> Option<String> {
    Some("needs root on Linux (network namespaces, raw sockets, nftables)".to_string())
}

/// `Some(reason)` for the first of `tools` that cannot be run (looked up on `PATH`,
/// then in /usr/sbin and /sbin).
pub fn needs_tools(tools: &[&str]) -> Option<String> {
    tools
        .iter()
        .find(|t| !runnable(t))
        .map(|t| format!("{t} is not installed (.ci/run installs it)"))
}

/// [`needs_root`], then [`needs_tools`].
pub fn needs_root_and(tools: &[&str]) -> Option<String> {
    needs_root().or_else(|| needs_tools(tools))
}

#[cfg_attr(not(unix), allow(dead_code))]
pub(crate) fn runnable_tool(tool: &str) -> bool {
    runnable(tool)
}

fn runnable(tool: &str) -> bool {
    let found = |t: &str| {
        Command::new(t)
            .arg("--version")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    };
    found(tool)
        || (!tool.contains('/')
            && ["/usr/sbin", "/sbin"]
                .iter()
                .any(|d| found(&format!("{d}/{tool}"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_tool_is_named() {
        let why = needs_tools(&["sh", "portwarden-no-such-tool"]);
        assert!(why.is_some_and(|w| w.contains("portwarden-no-such-tool")));
        assert_eq!(needs_tools(&["sh"]), None);
    }

    #[test]
    fn require_returns_early_outside_ci_and_fails_in_it() {
        fn guarded(why: Option<String>) -> u8 {
            require!(why, 1);
            0
        }
        assert_eq!(guarded(None), 0);
        let run = std::panic::catch_unwind(|| guarded(Some("nothing".into())));
        // Whichever environment this runs in, the helper behaves as documented.
        if in_ci() {
            assert!(run.is_err());
        } else {
            assert_eq!(run.ok(), Some(1));
        }
    }
}
