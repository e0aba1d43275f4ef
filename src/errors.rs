//! The libraries' error values as catalog messages, so that `--lang zh` reads them in
//! Chinese too. The libraries keep their English `Display` (logs, tests); the binary
//! shows people these.

use portwarden_i18n::{format, msg, Lang, Msg};
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
            msg!(
                "err-target-resolve",
                target = t.as_str(),
                error = why.as_str()
            )
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
        ListError::Io { line, source } => (line, msg!("err-list-io", error = source.to_string())),
    };
    msg!(
        "err-list-at-line",
        file = file,
        line = line.to_string(),
        what = what
    )
}

/// A runtime failure's line in `lang`: the libraries' errors portwarden knows are said
/// from the catalogs, the operating system's common errors (`No such file or directory
/// (os error 2)`) too; anything else as it came.
pub fn runtime(lang: Lang, e: &anyhow::Error) -> String {
    let known = e
        .downcast_ref::<portwarden_sockets::Error>()
        .map(|s| match s {
            portwarden_sockets::Error::Table(d) => {
                msg!("platform-socket-table", detail = d.as_str())
            }
        });
    #[cfg(target_os = "linux")]
    let known = known.or_else(|| {
        e.downcast_ref::<portwarden_sockets::linux::Error>()
            .map(|s| match s {
                portwarden_sockets::linux::Error::Netns(d) => {
                    msg!("err-netns", detail = d.as_str())
                }
                portwarden_sockets::linux::Error::Netlink(d) => {
                    msg!("err-netlink", detail = d.as_str())
                }
            })
    });
    let line = match known {
        Some(m) => format(lang, &m),
        None => std::format!("{e:#}"),
    };
    os_errors(lang, &line)
}

/// The errno numbers whose system text is replaced by the catalog's (`os-error-N`).
const OS_ERRORS: [i32; 9] = [1, 2, 13, 17, 20, 21, 28, 30, 111];

/// Replaces the system's English text of common errors in `line` by the catalog's.
pub fn os_errors(lang: Lang, line: &str) -> String {
    if lang == Lang::En {
        return line.to_string();
    }
    let mut out = line.to_string();
    for n in OS_ERRORS {
        let en = std::io::Error::from_raw_os_error(n).to_string();
        if out.contains(&en) {
            let id = std::format!("os-error-{n}");
            out = out.replace(&en, &format(lang, &Msg::new(id)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_os = "linux")]
    fn runtime_errors_read_in_the_language() {
        let e = anyhow::Error::from(portwarden_sockets::linux::Error::Netns(std::format!(
            "/run/netns/x: {}",
            std::io::Error::from_raw_os_error(2)
        )));
        let zh = runtime(Lang::Zh, &e);
        assert!(
            zh.contains("网络命名空间") && zh.contains("os error 2"),
            "{zh}"
        );
        assert!(!zh.contains("No such file"), "{zh}");
        assert_eq!(runtime(Lang::En, &e), std::format!("{e:#}"));
        // Every errno replaced has its message.
        for n in OS_ERRORS {
            assert!(
                portwarden_i18n::exists(&std::format!("os-error-{n}")),
                "{n}"
            );
        }
    }

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
            assert!(format(Lang::Zh, &target(&e))
                .chars()
                .any(|c| c > '\u{2e80}'));
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
