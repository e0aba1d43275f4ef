//! The binary's edge: environment-derived presentation and the error type of commands.

use crate::cli::{ColorArg, LangArg, StyleArgs};
use portwarden_kb::Lang;
use portwarden_report::Style;
use std::io::IsTerminal;

/// How a command failed: bad input (exit 2) or a runtime failure (exit 3).
#[derive(Debug)]
pub enum Failure {
    /// The user gave something we cannot accept; one line, exit 2.
    Usage(String),
    /// Something went wrong while working; exit 3.
    Runtime(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Runtime(e)
    }
}

/// The language: `--lang`, else the locale variables (zh when they say Chinese).
pub fn lang(arg: Option<LangArg>) -> Lang {
    match arg {
        Some(LangArg::En) => Lang::En,
        Some(LangArg::Zh) => Lang::Zh,
        None => ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .find(|v| !v.is_empty())
            .map_or(Lang::En, |v| Lang::from_locale(&v)),
    }
}

/// Colour only on a TTY, never with NO_COLOR (unless forced with `--color always`).
pub fn color(arg: ColorArg) -> bool {
    match arg {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// Terminal width: $COLUMNS, else the terminal's own, else 0 (no limit) when stdout is
/// not a terminal.
pub fn width() -> usize {
    if let Some(w) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .filter(|&w| w >= 40)
    {
        return w;
    }
    if !std::io::stdout().is_terminal() {
        return 0;
    }
    terminal_size().unwrap_or(100)
}

/// The terminal's width (TIOCGWINSZ on stdout).
fn terminal_size() -> Option<usize> {
    terminal_size::terminal_size().map(|(w, _)| usize::from(w.0))
}

/// The full presentation from the shared flags.
pub fn style(a: &StyleArgs) -> Style {
    Style {
        lang: lang(a.lang),
        color: color(a.color),
        width: width(),
    }
}

/// The host's ephemeral port range (Linux), if readable.
pub fn ephemeral() -> Option<portwarden_kb::EphemeralRange> {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| portwarden_kb::EphemeralRange::parse(&s))
}

/// Writes to standard output; when the reader has gone away (a closed pipe) the process
/// exits quietly with status 141, as a C tool killed by SIGPIPE would.
pub fn out(s: &str) {
    out_bytes(s.as_bytes());
}

/// [`out`] for bytes.
pub fn out_bytes(b: &[u8]) {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    if let Err(e) = o.write_all(b).and_then(|()| o.flush()) {
        out_failed(&e);
    }
}

/// Ends the process after a failed write to standard output: status 141 (quietly) when
/// the reader has gone away, 3 with one line otherwise.
pub fn out_failed(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(141);
    }
    eprintln!("portwarden: cannot write output: {e}");
    std::process::exit(3);
}

/// Whether standard output is a pipe whose reader has gone away (`… | head` finished),
/// found without writing: poll reports POLLERR on the write end of such a pipe. Long
/// writers (`scan --jsonl`, `ls --watch`) call it between writes to stop promptly.
pub fn stdout_gone() -> bool {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    use std::os::fd::AsFd;
    let out = std::io::stdout();
    let mut fds = [PollFd::new(out.as_fd(), PollFlags::empty())];
    matches!(poll(&mut fds, PollTimeout::ZERO), Ok(n) if n > 0)
        && fds[0]
            .revents()
            .is_some_and(|r| r.intersects(PollFlags::POLLERR | PollFlags::POLLHUP))
}

/// Sleeps `d`, ending the process with status 141 as soon as standard output's reader
/// goes away.
pub fn sleep_watching_stdout(d: std::time::Duration) {
    let end = std::time::Instant::now() + d;
    loop {
        if stdout_gone() {
            std::process::exit(141);
        }
        let left = end.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return;
        }
        std::thread::sleep(left.min(std::time::Duration::from_millis(100)));
    }
}

/// clap's several-line error as one line: the message, what it lists (the missing
/// arguments, the possible values, a "similar argument exists" tip), and no usage block.
/// Long quoted values are cut, so a 100 KB argument is not echoed back whole.
pub fn one_line_error(text: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    for l in text.lines() {
        let t = l.trim();
        if t.starts_with("Usage:") || t.starts_with("For more information") {
            break;
        }
        if t.is_empty() {
            continue;
        }
        parts.push(t.trim_start_matches("error: ").to_string());
    }
    let mut line = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            line.push_str(if line.ends_with(':') { " " } else { "; " });
        }
        line.push_str(p);
    }
    if line.is_empty() {
        line.push_str("invalid arguments");
    }
    shorten_quoted(&line, 60)
}

/// Cuts every '…'-quoted run longer than `max` characters.
fn shorten_quoted(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut inside = false;
    let mut run = 0usize;
    for c in s.chars() {
        if c == '\'' {
            inside = !inside;
            run = 0;
            out.push(c);
            continue;
        }
        if inside {
            run += 1;
            if run == max + 1 {
                out.push('…');
            }
            if run > max {
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::one_line_error;

    #[test]
    fn clap_errors_become_one_complete_line() {
        let missing = "error: the following required arguments were not provided:\n  <QUERY>...\n\nUsage: portwarden lookup <QUERY>...\n\nFor more information, try '--help'.\n";
        assert_eq!(
            one_line_error(missing),
            "the following required arguments were not provided: <QUERY>..."
        );
        let tip = "error: unrecognized subcommand 'lookpu'\n\n  tip: a similar subcommand exists: 'lookup'\n\nUsage: portwarden <COMMAND>\n";
        assert_eq!(
            one_line_error(tip),
            "unrecognized subcommand 'lookpu'; tip: a similar subcommand exists: 'lookup'"
        );
        let long = format!(
            "error: unexpected argument '{}' found\n",
            "A".repeat(100_000)
        );
        let line = one_line_error(&long);
        assert!(line.len() < 200, "{}", line.len());
        assert!(line.contains('…'));
    }
}
