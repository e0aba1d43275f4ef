//! `portwarden scan`: TCP SYN, TCP connect and UDP scans with nmap's target and port syntax.
//!
//! As with nmap, the SYN scan (`-sS`) is the default when raw sockets are allowed
//! (CAP_NET_RAW); otherwise the connect scan (`-sT`) runs. An explicit `-sS` without the
//! capability falls back to the connect scan with a note on stderr.
//!
//! Exit 0 when the scan completed, 2 on bad input (an output file that cannot be
//! written is found before the first probe), 3 on a runtime failure (a late write
//! failure still prints the report to standard output first), 130 when interrupted
//! with Ctrl-C (partial results are still printed), 141 when standard output is a pipe
//! whose reader went away (`--jsonl … | head -1` stops scanning then).

use crate::ui::{self, Failure};
use clap::Args;
use portwarden_report::scan as render;
use portwarden_scan::progress::TtyProgress;
use portwarden_scan::{HostResult, Observer, PortState, ScanError, ScanKind, TargetSet};
use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

pub mod plan;
use plan::{ScanPlan, StdoutFormat};

/// `portwarden scan`.
#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Targets: addresses, host names, CIDR blocks (10.0.0.0/24, fd00::/120) and octet
    /// ranges (127.0.0.1-20, 10.0-1.0.1).
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,
    /// Record the results in the history (see `portwarden history`, `portwarden diff`).
    #[command(flatten)]
    pub history: crate::history::SaveFlag,
    /// Ports: 22,80,1000-2000, `-` for all, service names (http,ssh), T:/U: prefixes.
    /// Default: the 1000 most common TCP ports.
    #[arg(
        short = 'p',
        long = "ports",
        allow_hyphen_values = true,
        value_name = "PORTS"
    )]
    pub ports: Option<String>,
    /// Scan the N most common TCP ports (knowledge-base ranking).
    #[arg(long, value_name = "N", conflicts_with = "ports")]
    pub top_ports: Option<usize>,
    /// Fast: the 100 most common ports (as --top-ports 100); nmap's -F.
    #[arg(short = 'F', long = "fast", conflicts_with_all = ["ports", "top_ports"])]
    pub fast: bool,
    /// Ports to leave out (same syntax as -p).
    #[arg(long, value_name = "PORTS", allow_hyphen_values = true)]
    pub exclude_ports: Option<String>,
    /// Read targets from FILE (`-` for standard input); nmap's -iL.
    #[arg(long = "iL", visible_alias = "input-list", value_name = "FILE")]
    pub input_list: Option<PathBuf>,
    /// Hosts to leave out, comma-separated (same syntax as targets).
    #[arg(long, value_name = "HOSTS", value_delimiter = ',')]
    pub exclude: Vec<String>,
    /// Read hosts to leave out from FILE.
    #[arg(long, value_name = "FILE")]
    pub exclude_file: Option<PathBuf>,
    /// Allow target lists of more than 65536 hosts.
    #[arg(long)]
    pub allow_large: bool,
    /// IPv6 only, as in `ls -6` and nmap's -6: host names resolve to their IPv6
    /// addresses and IPv4 targets are refused.
    #[arg(short = '6', long = "ipv6")]
    pub ipv6: bool,
    /// TCP connect scan (the default without CAP_NET_RAW); nmap's -sT.
    #[arg(long = "sT", conflicts_with = "syn_scan")]
    pub connect_scan: bool,
    /// TCP SYN scan with raw sockets (the default with CAP_NET_RAW); nmap's -sS. With
    /// -sU, both run and one report lists TCP and UDP ports.
    #[arg(long = "sS")]
    pub syn_scan: bool,
    /// UDP scan with protocol payloads (needs CAP_NET_RAW); nmap's -sU.
    #[arg(long = "sU")]
    pub udp_scan: bool,
    /// Skip host discovery: scan every host, even those that answer nothing (by default a
    /// connect scan first tries ports 443 and 80 of each host and leaves out the hosts
    /// that do not answer at all, as nmap does; the UDP scan has no discovery and always
    /// scans every host); nmap's -Pn.
    #[arg(long = "Pn", visible_alias = "no-ping")]
    pub no_ping: bool,
    /// Timing template, nmap's -T0…-T5 (paranoid, sneaky, polite: one probe at a time
    /// 300 s / 15 s / 0.4 s apart; normal: the defaults; aggressive: timeouts 500 ms
    /// initial, 1250 ms at most; insane: 250 ms / 300 ms and two retries). --rate,
    /// --max-inflight, --timeout and --retries override it.
    #[arg(short = 'T', value_name = "0-5|NAME", value_parser = plan::parse_timing)]
    pub timing: Option<plan::Timing>,
    /// At most N probes per second.
    #[arg(long, value_name = "N")]
    pub rate: Option<f64>,
    /// At most N probes in flight (the adaptive window never grows past it).
    #[arg(long, value_name = "N")]
    pub max_inflight: Option<usize>,
    /// Longest probe timeout (`500ms`, `2s`; a bare number is seconds; default 1500ms).
    #[arg(long, value_name = "TIME", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// Retries of an unanswered probe before the port is called filtered (default: 2 for
    /// -sT; up to 10 retransmission rounds for -sS; 4 for -sU).
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,
    /// UDP: after its retries, probe each still-silent port again at the target's
    /// ICMP rate limit, so closed ports are told from open|filtered (slow: Linux answers
    /// about one closed port per second).
    #[arg(long)]
    pub icmp_pace: bool,
    /// Identify services on open ports (default: when at most 64 ports are open).
    #[arg(long, conflicts_with = "no_banners")]
    pub banners: bool,
    /// Do not connect again to open ports to identify services.
    #[arg(long)]
    pub no_banners: bool,
    /// No login-like identification probe: the only one is FTP's anonymous login (USER
    /// anonymous, a placeholder password, QUIT; what nmap's ftp-anon does).
    #[arg(long)]
    pub no_login_probes: bool,
    /// Bound on identifying one open port: its greeting and every probe together.
    #[arg(long, value_name = "TIME", value_parser = parse_duration, default_value = "1s")]
    pub banner_timeout: Duration,
    /// List every closed and filtered port, not only counts.
    #[arg(long)]
    pub all_states: bool,
    /// Print the report as one JSON object (a `hosts` array, one object per host).
    #[arg(long, conflicts_with_all = ["jsonl", "csv"])]
    pub json: bool,
    /// Stream one JSON object per host as hosts finish (NDJSON).
    #[arg(long, conflicts_with = "csv")]
    pub jsonl: bool,
    /// Print one CSV row per listed port. Cells a spreadsheet would run as formulas
    /// (starting with = + - @, tab or CR) get a leading ' (see --csv-raw).
    #[arg(long)]
    pub csv: bool,
    /// With --csv: leave cells exactly as they are (no ' before = + - @, tab or CR).
    #[arg(long, requires = "csv")]
    pub csv_raw: bool,
    /// Write nmap-compatible XML to FILE (`-` for standard output); nmap's -oX.
    #[arg(long = "oX", value_name = "FILE", allow_hyphen_values = true)]
    pub xml_out: Option<PathBuf>,
    /// Write nmap's grepable format to FILE (`-` for standard output); nmap's -oG.
    #[arg(long = "oG", value_name = "FILE", allow_hyphen_values = true)]
    pub grepable_out: Option<PathBuf>,
    /// Write nmap's normal output (our table) to FILE (`-` for standard output); nmap's -oN.
    #[arg(long = "oN", value_name = "FILE", allow_hyphen_values = true)]
    pub normal_out: Option<PathBuf>,
    /// Write BASE.nmap, BASE.xml and BASE.gnmap; nmap's -oA.
    #[arg(long = "oA", value_name = "BASE")]
    pub all_outputs: Option<PathBuf>,
    /// Only open ports (and the hosts that have one), in every output; nmap's --open.
    #[arg(long)]
    pub open: bool,
    /// Verbose: -v prints each open port found on standard error as hosts finish, -vv
    /// also a progress line every second or so.
    #[arg(short = 'v', action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// No progress bar (it is only ever shown on a terminal, for long scans).
    #[arg(long)]
    pub no_progress: bool,
    /// Key of the pseudo-random probe order: the same seed gives the same order (for
    /// reproducing a run, and required with --shard so that every shard walks one order).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Probe only shard I of N (counted from 0, as zmap and Kubernetes'
    /// JOB_COMPLETION_INDEX count): N processes with the same --seed and targets probe
    /// disjoint parts of the (host, port) pairs whose union is the whole scan.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Presentation.
    #[command(flatten)]
    pub style: crate::cli::StyleArgs,
}

/// Durations as every command takes them (one parser, in `ui`).
pub use crate::ui::parse_duration;

/// Rewrites nmap's two-letter options after `scan` (`-iL`, `-oX`, `-oG`, `-oN`, `-oA`,
/// `-sT`, `-sS`, `-sU`, `-Pn`)
/// into the long forms clap understands. Call on `std::env::args_os()` before parsing.
pub fn nmap_argv<I: IntoIterator<Item = OsString>>(args: I) -> Vec<OsString> {
    let mut seen_scan = false;
    args.into_iter()
        .map(|a| {
            if !seen_scan {
                seen_scan = a == "scan";
                return a;
            }
            match a.to_str() {
                Some(
                    s @ ("-iL" | "-oX" | "-oG" | "-oN" | "-oA" | "-sT" | "-sS" | "-sU" | "-Pn"),
                ) => OsString::from(format!("-{s}")),
                _ => a,
            }
        })
        .collect()
}

/// Reads a target list (`-` for standard input) line by line, with the bounds of
/// [`portwarden_scan::targets::read_list`]; errors name the file and the line.
fn read_list(path: &PathBuf) -> Result<Vec<String>, Failure> {
    let stdin = path.as_os_str() == "-";
    let name = if stdin {
        ui::say(&portwarden_i18n::Msg::new("cli-scan-standard-input"))
    } else {
        path.display().to_string()
    };
    let listed = if stdin {
        portwarden_scan::targets::read_list(std::io::stdin().lock())
    } else {
        let f = std::fs::File::open(path).map_err(|e| {
            Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
                "cli-scan-cannot-read",
                name = name.to_string(),
                error = e.to_string()
            )))
        })?;
        portwarden_scan::targets::read_list(std::io::BufReader::new(f))
    };
    listed.map_err(|e| Failure::Usage(ui::say(&crate::errors::list(&name, &e))))
}

fn command_line() -> String {
    std::env::args()
        .map(|a| {
            if a.is_empty() || a.contains(|c: char| c.is_whitespace() || c == '\'' || c == '"') {
                format!("'{}'", a.replace('\'', "'\\''"))
            } else {
                a
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The plan's targets, resolved (lists read, names looked up by the system resolver).
fn target_set(p: &ScanPlan) -> Result<TargetSet, Failure> {
    let mut specs = p.targets.clone();
    if let Some(f) = &p.input_list {
        let listed = read_list(f)?;
        if listed.is_empty() {
            return Err(Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
                "cli-scan-no-targets-in",
                display = f.display().to_string()
            ))));
        }
        specs.extend(listed);
    }
    if specs.is_empty() {
        return Err(Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
            "cli-scan-no-targets-given-name-hosts-or"
        ))));
    }
    let mut excludes = p.exclude.clone();
    if let Some(f) = &p.exclude_file {
        excludes.extend(read_list(f)?);
    }
    TargetSet::build(&specs, &excludes, p.target_options)
        .map_err(|e| Failure::Usage(ui::say(&crate::errors::target(&e))))
}

struct Cli {
    /// Hosts streamed as JSON lines as they finish.
    jsonl: bool,
    /// `--open`: only open ports.
    only_open: bool,
    /// `-v` count.
    verbosity: u8,
    last_line: Option<std::time::Instant>,
    progress: TtyProgress,
    /// Everything the scan produces goes to standard output: when its reader goes away
    /// there is no one left to scan for, so the scan stops (status 141).
    stdout_only: bool,
}

impl Observer for Cli {
    fn host_done(&mut self, host: &HostResult) {
        if self.jsonl && (!self.only_open || host.stats.open > 0) {
            let mut h = host.clone();
            if self.only_open {
                h.retain_open();
            }
            let line = render::json::host_line(&h);
            // A closed pipe ends the process with status 141 (ui::out).
            self.progress.suspend(|| ui::out(&line));
        }
    }

    fn port_done(
        &mut self,
        addr: std::net::IpAddr,
        port: u16,
        protocol: portwarden_kb::Protocol,
        state: PortState,
    ) {
        // nmap's -v line for each open port, as it is found.
        if self.verbosity > 0 && state == PortState::Open {
            self.progress.suspend(|| {
                eprintln!(
                    "Discovered open port {port}/{} on {addr}",
                    protocol.as_str()
                )
            });
        }
    }

    fn progress(&mut self, done: u64, total: u64) {
        if self.stdout_only && ui::stdout_gone() {
            std::process::exit(141);
        }
        if self.verbosity > 1
            && self
                .last_line
                .is_none_or(|t| t.elapsed() >= Duration::from_secs(1))
        {
            self.last_line = Some(std::time::Instant::now());
            let pct = if total == 0 {
                100.0
            } else {
                done as f64 * 100.0 / total as f64
            };
            self.progress
                .suspend(|| eprintln!("Stats: {done} of {total} probes resolved ({pct:.1}% done)"));
        }
        self.progress.update(done, total);
    }
}

/// An output file (`-oX`, `-oG`, `-oN`): opened, and so checked writable, before the
/// first probe, as nmap does; `None` for standard output (`-`).
struct OutFile {
    path: PathBuf,
    file: Option<std::fs::File>,
}

impl OutFile {
    fn open(path: &PathBuf) -> Result<OutFile, Failure> {
        let file = if path.as_os_str() == "-" {
            None
        } else {
            Some(std::fs::File::create(path).map_err(|e| {
                Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
                    "cli-scan-cannot-write",
                    display = path.display().to_string(),
                    error = e.to_string()
                )))
            })?)
        };
        Ok(OutFile {
            path: path.clone(),
            file,
        })
    }

    /// Writes `text` to the file, or appends it to `to_stdout` for `-`.
    fn emit(self, text: &str, to_stdout: &mut String) -> Result<(), String> {
        let Some(mut f) = self.file else {
            to_stdout.push_str(text);
            return Ok(());
        };
        // A regular file is synced, so that a full disk is reported here; a pipe or a
        // device (`-oX /dev/stdout`) cannot be.
        let regular = f.metadata().is_ok_and(|m| m.is_file());
        f.write_all(text.as_bytes())
            .and_then(|()| if regular { f.sync_data() } else { Ok(()) })
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))
    }
}

/// Runs one step of the plan; a SYN scan that cannot open its raw sockets after all (a
/// family this machine lacks, a capability lost) is replaced by the plan's connect scan.
fn run_step(
    p: &ScanPlan,
    step: &plan::Step,
    targets: &TargetSet,
    obs: &mut Cli,
) -> Result<portwarden_scan::ScanReport, Failure> {
    let fail = |e: ScanError| match e {
        ScanError::Runtime(_) | ScanError::Io(_) | ScanError::Permission(_) => {
            Failure::Runtime(e.into())
        }
        other => Failure::Usage(other.to_string()),
    };
    match portwarden_scan::run_blocking(step.kind, targets, &step.ports, &step.cfg, obs, true) {
        Ok(r) => Ok(r),
        Err(e @ (ScanError::Permission(_) | ScanError::Io(_))) if step.kind == ScanKind::Syn => {
            if p.syn_asked || matches!(e, ScanError::Io(_)) {
                let why =
                    std::error::Error::source(&e).map_or_else(|| e.to_string(), |s| s.to_string());
                eprintln!(
                    "portwarden: {}",
                    crate::ui::say(&portwarden_i18n::msg!("cli-scan-note-no-syn", why = why))
                );
            }
            let cfg = portwarden_scan::ScanConfig {
                retries: step.fallback_retries,
                ..step.cfg.clone()
            };
            portwarden_scan::run_blocking(ScanKind::Connect, targets, &step.ports, &cfg, obs, true)
                .map_err(fail)
        }
        Err(e) => Err(fail(e)),
    }
}

/// Whether raw sockets (SYN and UDP scans) can be opened here.
#[cfg(unix)]
fn raw_access() -> Result<(), Failure> {
    portwarden_scan::raw::check_access().map_err(|e| Failure::Runtime(e.into()))
}

/// Raw sockets need a packet driver on Windows, which portwarden does not use: `-sS`
/// falls back to `-sT` (the plan's note), `-sU` is unavailable (one line, exit 3).
#[cfg(not(unix))]
fn raw_access() -> Result<(), Failure> {
    Err(Failure::Runtime(anyhow::anyhow!(
        "{}",
        ui::say(&portwarden_i18n::msg!(
            "platform-scan-udp-unavailable",
            os = std::env::consts::OS
        ))
    )))
}

/// Runs the command: flags → plan (every decision), targets, then the plan's scans.
pub fn run(a: &ScanArgs) -> Result<ExitCode, Failure> {
    let style = ui::style(&a.style);
    let env = plan::Env {
        raw_allowed: raw_access().is_ok(),
        command_line: command_line(),
    };
    #[cfg_attr(unix, allow(unused_mut))]
    let mut p = plan::plan(a, &env).map_err(|m| Failure::Usage(ui::say(&m)))?;
    let targets = target_set(&p)?;
    // Windows: with a TCP scan beside it, the UDP scan is left out with one line (as nmap
    // without Npcap); alone, it fails below.
    #[cfg(not(unix))]
    if p.needs_raw && p.steps.iter().any(|s| s.kind != ScanKind::Udp) {
        p.steps.retain(|s| s.kind != ScanKind::Udp);
        p.needs_raw = false;
        p.notes.push(portwarden_i18n::msg!(
            "platform-scan-note-no-udp",
            why = portwarden_i18n::Msg::new("platform-scan-raw-needs-packet-driver")
        ));
    }
    if p.needs_raw {
        // The UDP scan has no fallback: say so (one line) before any scan runs.
        raw_access()?;
    }
    for n in &p.notes {
        eprintln!("portwarden: {}", ui::say(n));
    }
    // Output files are opened (created, truncated) now, before the first probe: a path
    // that cannot be written stops here instead of discarding the finished scan.
    let xml_file = p.files.xml.as_ref().map(OutFile::open).transpose()?;
    let grepable_file = p.files.grepable.as_ref().map(OutFile::open).transpose()?;
    let normal_file = p.files.normal.as_ref().map(OutFile::open).transpose()?;
    let mut obs = Cli {
        // A combined run prints each host once, after both scans.
        jsonl: p.stdout == StdoutFormat::Jsonl && !p.combined(),
        only_open: p.only_open,
        verbosity: p.verbosity,
        last_line: None,
        progress: TtyProgress::new(!a.no_progress).with_words(
            style.text("scan-progress-probes"),
            style.text("scan-progress-eta"),
        ),
        stdout_only: [&xml_file, &grepable_file, &normal_file]
            .iter()
            .all(|f| f.as_ref().is_none_or(|f| f.file.is_none())),
    };
    let mut reports: Vec<portwarden_scan::ScanReport> = Vec::new();
    for step in &p.steps {
        if reports.last().is_some_and(|r| r.interrupted) {
            break;
        }
        reports.push(run_step(&p, step, &targets, &mut obs)?);
    }
    obs.progress.finish();
    let udp_icmp_pace = p
        .steps
        .iter()
        .any(|s| s.kind == ScanKind::Udp && s.cfg.icmp_pace);
    if let Some(u) = reports
        .iter()
        .find(|r| r.protocol == portwarden_kb::Protocol::Udp)
        .filter(|u| !udp_icmp_pace && !u.interrupted)
    {
        let limited = u
            .hosts
            .iter()
            .filter(|h| h.stats.closed > 0 && h.stats.open_filtered > 0)
            .count();
        if limited > 0 {
            let msg = style.msg(&portwarden_i18n::msg!(
                "cli-scan-note-icmp-limited",
                hosts = limited
            ));
            eprintln!("portwarden: {msg}");
        }
    }
    let lost: u64 = reports.iter().map(|r| r.stats.ident_lost).sum();
    if lost > 0 {
        let n = lost;
        let msg = style.msg(&portwarden_i18n::msg!(
            "cli-scan-note-ident-lost",
            ports = n
        ));
        eprintln!("portwarden: {msg}");
    }
    let mut reports = reports.into_iter();
    let Some(first) = reports.next() else {
        return Err(Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
            "cli-scan-nothing-to-scan"
        ))));
    };
    let mut report = reports.fold(first, |acc, r| acc.merge(r));
    if p.only_open {
        report.retain_open();
    }
    if p.stdout == StdoutFormat::Jsonl && p.combined() {
        let mut out = String::new();
        for h in &report.hosts {
            out.push_str(&render::json::host_line(h));
        }
        crate::ui::out(&out);
    }
    let mut stdout = String::new();
    match p.stdout {
        // Already streamed.
        StdoutFormat::Jsonl | StdoutFormat::None => {}
        StdoutFormat::Json => stdout.push_str(&render::json::render(&report)),
        StdoutFormat::Csv { raw } => {
            stdout.push_str(&render::csv::render(&report, style.lang, raw))
        }
        StdoutFormat::Table => stdout.push_str(&render::table::render(&report, &style)),
    }
    // A file that fails now (disk full…) does not take the report on standard output
    // with it: that is printed first, the failure after it (exit 3).
    let mut failed = Vec::new();
    if let Some(f) = normal_file {
        // nmap's normal output is for reading later: no colour, no terminal width.
        let plain = portwarden_report::Style {
            color: false,
            width: 0,
            ..style
        };
        failed.extend(
            f.emit(&render::table::render(&report, &plain), &mut stdout)
                .err(),
        );
    }
    if let Some(f) = xml_file {
        failed.extend(f.emit(&render::xml::render(&report), &mut stdout).err());
    }
    if let Some(f) = grepable_file {
        failed.extend(
            f.emit(&render::grepable::render(&report), &mut stdout)
                .err(),
        );
    }
    crate::ui::out(&stdout);
    // Saved after the results are printed: a store that cannot be reached does not take
    // them with it.
    if !report.interrupted {
        if let Err(e) = crate::history::save_scan(
            &a.history,
            &a.targets,
            &render::json::render(&report),
            &crate::history::ShardTag::of(&p),
        ) {
            failed.push(match e {
                Failure::Runtime(e) => format!("{e:#}"),
                Failure::Usage(m) => m,
            });
        }
    }
    if !failed.is_empty() {
        return Err(Failure::Runtime(anyhow::anyhow!("{}", failed.join("; "))));
    }
    if report.interrupted {
        if p.stdout != StdoutFormat::Table {
            eprintln!(
                "portwarden: {}",
                style.text("cli-scan-interrupted-results-are-partial")
            );
        }
        return Ok(ExitCode::from(130));
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("abc").is_err());
    }

    #[test]
    fn nmap_short_options() {
        let v: Vec<OsString> = ["portwarden", "-oX", "scan", "-iL", "f", "-oX", "-", "-p-"]
            .iter()
            .map(OsString::from)
            .collect();
        let out = nmap_argv(v);
        let s: Vec<&str> = out.iter().filter_map(|o| o.to_str()).collect();
        assert_eq!(
            s,
            ["portwarden", "-oX", "scan", "--iL", "f", "--oX", "-", "-p-"]
        );
    }
}
