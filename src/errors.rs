//! The libraries' error values as catalog messages, so that `--lang zh` reads them in
//! Chinese too. The libraries keep their English `Display` (logs, tests); the binary
//! shows people these.

use portwarden_i18n::{msg, Msg};
use portwarden_scan::targets::{ListError, TargetError};
use portwarden_scan::PortError;

/// A rejected port specification (`scan -p`).
pub fn port(e: &PortError) -> Msg {
    match e {
        PortError::Empty => Msg::new("err-port-empty"),
        PortError::OutOfRange(p) => msg!("err-port-out-of-range", port = p.as_str()),
        PortError::Backwards(p) => msg!("err-port-backwards", range = p.as_str()),
        PortError::Unknown(p) => msg!("err-port-unknown", value = p.as_str()),
        PortError::BadPrefix(p) => msg!("err-port-bad-prefix", value = p.as_str()),
        PortError::BadTop => Msg::new("err-port-bad-top"),
    }
}

/// A rejected scan target.
pub fn target(e: &TargetError) -> Msg {
    match e {
        TargetError::NotIpv6(t) => msg!("err-target-not-ipv6", target = t.as_str()),
        TargetError::BadIpv4(t) => msg!("err-target-bad-ipv4", target = t.as_str()),
        TargetError::BadPrefix(t) => msg!("err-target-bad-prefix", target = t.as_str()),
        TargetError::Resolve(t, why) => {
            msg!("err-target-resolve", target = t.as_str(), error = why.as_str())
        }
        TargetError::Invalid(t) => msg!("err-target-invalid", target = t.as_str()),
        TargetError::Huge(t) => msg!("err-target-huge", target = t.as_str()),
        TargetError::TooLarge(n) => msg!("err-target-too-large", hosts = n.to_string()),
        TargetError::NoTargets => Msg::new("err-target-none"),
        TargetError::EmptyList(f) => msg!("err-target-empty-list", file = f.as_str()),
        TargetError::AllExcluded => Msg::new("err-target-all-excluded"),
    }
}

/// A target list (`-iL`, `--exclude-file`) that could not be read; `file` names it.
pub fn list(file: &str, e: &ListError) -> Msg {
    let (line, what) = match e {
        ListError::LineTooLong { line } => (
            line,
            msg!(
                "err-list-line-too-long",
                max = portwarden_scan::targets::LIST_LINE_MAX.to_string()
            ),
        ),
        ListError::TooManyLines { line } => (
            line,
            msg!(
                "err-list-too-many-lines",
                max = portwarden_scan::targets::LIST_LINES_MAX.to_string()
            ),
        ),
        ListError::NotText { line } => (line, Msg::new("err-list-not-text")),
        ListError::Io { line, source } => {
            (line, msg!("err-list-io", error = source.to_string()))
        }
    };
    msg!(
        "err-list-at-line",
        file = file,
        line = line.to_string(),
        what = what
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use portwarden_i18n::{format, Lang};

    /// The English messages say what the libraries' own `Display` says.
    #[test]
    fn english_matches_the_libraries() {
        for e in [
            PortError::Empty,
            PortError::OutOfRange("70000".into()),
            PortError::Backwards("80-20".into()),
            PortError::Unknown("abc".into()),
            PortError::BadPrefix("X:1".into()),
            PortError::BadTop,
        ] {
            assert_eq!(format(Lang::En, &port(&e)), e.to_string());
            assert!(format(Lang::Zh, &port(&e)).chars().any(|c| c > '\u{2e80}'));
        }
        for e in [
            TargetError::NotIpv6("1.2.3.4".into()),
            TargetError::BadIpv4("300.1.1.1".into()),
            TargetError::BadPrefix("1.2.3.4/33".into()),
            TargetError::Resolve("x".into(), "no such host".into()),
            TargetError::Invalid("%%".into()),
            TargetError::Huge("::/8".into()),
            TargetError::TooLarge(100000),
            TargetError::NoTargets,
            TargetError::EmptyList("f".into()),
            TargetError::AllExcluded,
        ] {
            assert_eq!(format(Lang::En, &target(&e)), e.to_string());
            assert!(format(Lang::Zh, &target(&e)).chars().any(|c| c > '\u{2e80}'));
        }
        for e in [
            ListError::LineTooLong { line: 3 },
            ListError::TooManyLines { line: 9 },
            ListError::NotText { line: 2 },
        ] {
            assert_eq!(format(Lang::En, &list("f", &e)), format!("f: {e}"));
        }
    }
}
