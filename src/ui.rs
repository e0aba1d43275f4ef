//! The binary's edge: environment-derived presentation and the error type of commands.

use crate::cli::{ColorArg, LangArg, StyleArgs};
use portwarden_i18n::{msg, Arg, Msg};
use portwarden_kb::Lang;
use portwarden_report::Style;
use std::io::IsTerminal;
use std::time::Duration;

/// Parses a duration as every command takes it: `500ms`, `2s`, `1m`, or bare seconds
/// (`1.5`); more than zero, at most an hour. (Same syntax as `scan`'s timeouts.)
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    parse_duration_within(s, 0.0, 3600.0)
}

/// [`parse_duration`] with bounds in seconds (`min` exclusive when 0, else inclusive).
pub fn parse_duration_within(s: &str, min: f64, max: f64) -> Result<Duration, String> {
    let t = s.trim();
    let (num, mult) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else {
        (t, 1.0)
    };
    let ok = |v: f64| v.is_finite() && v > 0.0 && v >= min && v <= max;
    match num.trim().parse::<f64>() {
        Ok(v) if !num.trim().starts_with(['+', '-']) && ok(v * mult) => {
            Ok(Duration::from_secs_f64(v * mult))
        }
        _ => Err(say(&msg!(
            "cli-invalid-duration",
            value = format!("{:?}", clip(s)),
            min = human(min),
            max = human(max)
        ))),
    }
}

fn human(secs: f64) -> Arg {
    if secs <= 0.0 {
        Arg::from(Msg::new("cli-duration-zero-excluded"))
    } else if secs < 1.0 {
        Arg::from(format!("{}ms", (secs * 1000.0).round()))
    } else if secs >= 3600.0 && secs % 3600.0 == 0.0 {
        Arg::from(format!("{}h", secs / 3600.0))
    } else {
        Arg::from(format!("{secs}s"))
    }
}

static ZH_ERRORS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Sets the language of argument errors (before the flags are parsed).
pub fn set_zh_errors(zh: bool) {
    ZH_ERRORS.store(zh, std::sync::atomic::Ordering::Relaxed);
}

/// Whether argument errors are written in Chinese.
pub fn zh_errors() -> bool {
    ZH_ERRORS.load(std::sync::atomic::Ordering::Relaxed)
}

/// The language of messages printed before (or without) a command's `--lang`: the one
/// [`set_zh_errors`] chose from the command line or the locale.
pub fn error_lang() -> Lang {
    if zh_errors() {
        Lang::Zh
    } else {
        Lang::En
    }
}

/// A message in the language of errors ([`error_lang`]).
pub fn say(m: &Msg) -> String {
    portwarden_i18n::format(error_lang(), m)
}

/// Whether the command line (or, without `--lang`, the locale) asks for Chinese: for
/// the errors printed before the flags are parsed.
pub fn argv_lang_is_zh<I: IntoIterator<Item = std::ffi::OsString>>(args: I) -> bool {
    let args: Vec<String> = args
        .into_iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    for (i, a) in args.iter().enumerate() {
        if a == "--lang" {
            return args.get(i + 1).is_some_and(|v| v == "zh");
        }
        if let Some(v) = a.strip_prefix("--lang=") {
            return v == "zh";
        }
    }
    lang(None) == Lang::Zh
}

/// An argument shortened for an error line: at most 40 characters, then `…`.
pub fn clip(s: &str) -> String {
    // Control characters (a terminal escape in a typed value) are shown escaped.
    let shown = |s: &mut dyn Iterator<Item = char>| -> String {
        s.flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
    };
    if s.chars().count() > 40 {
        let mut c = shown(&mut s.chars().take(40));
        c.push('…');
        c
    } else {
        shown(&mut s.chars())
    }
}

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

/// The host's ephemeral port range, if the system says.
pub fn ephemeral() -> Option<portwarden_kb::EphemeralRange> {
    portwarden_sockets::ephemeral_range()
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
    eprintln!(
        "portwarden: {}",
        say(&msg!("cli-cannot-write-output", error = e.to_string()))
    );
    std::process::exit(3);
}

/// Whether standard output is a pipe whose reader has gone away (`… | head` finished),
/// found without writing: poll reports POLLERR on the write end of such a pipe. Long
/// writers (`scan --jsonl`, `ls --watch`) call it between writes to stop promptly.
pub fn stdout_gone() -> bool {
    crate::platform::stdout_gone()
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

/// clap's error in `lang` when that is not English (clap itself speaks only English;
/// English keeps clap's own words, see [`one_line_error`]). Names of flags, commands
/// and values stay as they were typed.
pub fn clap_error_in(e: &clap::Error, lang: Lang) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if lang == Lang::En {
        return None;
    }
    let get = |k| match e.get(k) {
        Some(ContextValue::String(s)) => clip(s),
        Some(ContextValue::Strings(v)) => clip(&v.join(", ")),
        _ => String::new(),
    };
    let arg = get(ContextKind::InvalidArg);
    let m = match e.kind() {
        ErrorKind::MissingRequiredArgument => msg!("cli-clap-missing-argument", args = arg),
        ErrorKind::UnknownArgument => msg!("cli-clap-unknown-argument", arg = arg),
        ErrorKind::InvalidSubcommand => msg!(
            "cli-clap-unknown-command",
            command = get(ContextKind::InvalidSubcommand)
        ),
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            Msg::new("cli-clap-missing-command")
        }
        ErrorKind::ArgumentConflict => msg!(
            "cli-clap-conflict",
            arg = arg,
            other = get(ContextKind::PriorArg)
        ),
        ErrorKind::NoEquals
        | ErrorKind::TooManyValues
        | ErrorKind::TooFewValues
        | ErrorKind::WrongNumberOfValues => msg!("cli-clap-wrong-values", arg = arg),
        ErrorKind::InvalidUtf8 => Msg::new("cli-clap-invalid-utf8"),
        _ if !arg.is_empty() => msg!("cli-clap-invalid-argument", arg = arg),
        _ => Msg::new("cli-clap-invalid-arguments"),
    };
    let mut line = portwarden_i18n::format(lang, &m);
    let tip = [ContextKind::SuggestedSubcommand, ContextKind::SuggestedArg]
        .into_iter()
        .map(get)
        .find(|s| !s.is_empty());
    if let Some(t) = tip {
        line.push_str(&portwarden_i18n::tr!(
            lang,
            "cli-clap-did-you-mean",
            what = t
        ));
    }
    Some(shorten_quoted(&line, 60))
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
mod error_tests {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_one_syntax() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration(" 1.5 "), Ok(Duration::from_millis(1500)));
        for bad in [
            "0", "-1", "abc", "", "2h", "1e400", "NaN", "inf", "61m", "+-1s",
        ] {
            let e = parse_duration(bad).unwrap_err();
            assert!(e.contains("500ms, 2s, 1m"), "{bad}: {e}");
        }
        let long = "9".repeat(1000);
        assert!(parse_duration(&long).unwrap_err().len() < 200);
        assert!(parse_duration_within("50ms", 0.1, 86400.0).is_err());
        assert_eq!(
            parse_duration_within("1m", 0.1, 86400.0),
            Ok(Duration::from_secs(60))
        );
    }
}
