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
use portwarden_scan::{
    BannerMode, HostResult, Observer, PortList, RawConfig, RawError, ScanConfig, ScanError,
    TargetOptions, TargetSet,
};
use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

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
    /// that do not answer at all, as nmap does); nmap's -Pn.
    #[arg(long = "Pn", visible_alias = "no-ping")]
    pub no_ping: bool,
    /// At most N probes per second.
    #[arg(long, value_name = "N")]
    pub rate: Option<f64>,
    /// At most N probes in flight (the adaptive window never grows past it).
    #[arg(long, value_name = "N")]
    pub max_inflight: Option<usize>,
    /// Longest probe timeout (`500ms`, `2s`; a bare number is seconds).
    #[arg(long, value_name = "TIME", value_parser = parse_duration, default_value = "1500ms")]
    pub timeout: Duration,
    /// Retries of an unanswered probe before the port is called filtered (default: 2 for
    /// -sT; up to 10 retransmission rounds for -sS; 4 for -sU).
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,
    /// UDP: after the retransmission rounds, probe the still-silent ports at the target's
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
    /// No progress bar (it is only ever shown on a terminal, for long scans).
    #[arg(long)]
    pub no_progress: bool,
    /// Key of the pseudo-random probe order (for reproducing a run).
    #[arg(long, hide = true)]
    pub seed: Option<u64>,
    /// Presentation.
    #[command(flatten)]
    pub style: crate::cli::StyleArgs,
}

/// Durations as every command takes them (one parser, in `ui`).
pub use crate::ui::parse_duration;

/// Rewrites nmap's two-letter options after `scan` (`-iL`, `-oX`, `-oG`, `-sT`, `-sS`, `-sU`,
/// `-Pn`)
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
                Some(s @ ("-iL" | "-oX" | "-oG" | "-sT" | "-sS" | "-sU" | "-Pn")) => {
                    OsString::from(format!("-{s}"))
                }
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

/// The TCP and UDP ports to scan: each list is empty when its scan does not run (`tcp`:
/// a TCP scan was asked for or is the default; `a.udp_scan`). Unprefixed ports, the top-N
/// and the default apply to every scan that runs, as in nmap.
fn port_list(a: &ScanArgs, tcp: bool) -> Result<(Vec<u16>, Vec<u16>), Failure> {
    let usage = |e: portwarden_scan::PortError| Failure::Usage(ui::say(&crate::errors::port(&e)));
    let udp_top = |n: usize| -> Result<Vec<u16>, Failure> {
        if n == 0 || n > 65535 {
            return Err(usage(portwarden_scan::PortError::BadTop));
        }
        let mut udp = portwarden_kb::top_ports(portwarden_kb::Protocol::Udp, n).to_vec();
        udp.retain(|&p| p != 0);
        udp.sort_unstable();
        udp.dedup();
        Ok(udp)
    };
    let mut ports = match (&a.ports, a.top_ports) {
        (Some(p), _) => PortList::parse(p).map_err(usage)?,
        (None, Some(n)) => PortList {
            udp: if a.udp_scan { udp_top(n)? } else { Vec::new() },
            ..PortList::top(n).map_err(usage)?
        },
        (None, None) => PortList {
            udp: if a.udp_scan {
                udp_top(1000)?
            } else {
                Vec::new()
            },
            ..PortList::default_tcp()
        },
    };
    if let Some(x) = &a.exclude_ports {
        ports.exclude(&PortList::parse(x).map_err(usage)?);
    }
    let only_udp_given = ports.tcp.is_empty() && !ports.udp.is_empty();
    let tcp_ports = if tcp { ports.tcp } else { Vec::new() };
    let udp_ports = if a.udp_scan { ports.udp } else { Vec::new() };
    if tcp_ports.is_empty() && udp_ports.is_empty() {
        if a.udp_scan {
            return Err(Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
                "cli-scan-no-udp-ports-left-to-scan"
            ))));
        }
        if only_udp_given {
            return Err(Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
                "cli-scan-only-udp-ports-u-were-given"
            ))));
        }
        return Err(Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
            "cli-scan-no-tcp-ports-left-to-scan"
        ))));
    }
    Ok((tcp_ports, udp_ports))
}

/// Which TCP scan runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Connect,
    Syn,
}

/// `--banners` / `--no-banners` / neither (identify when few ports are open), for every
/// scan type.
fn banner_mode(a: &ScanArgs) -> BannerMode {
    if a.no_banners {
        BannerMode::Off
    } else if a.banners {
        BannerMode::On
    } else {
        BannerMode::Auto
    }
}

fn raw_config(a: &ScanArgs, retries: u32) -> RawConfig {
    RawConfig {
        retries,
        rate: a.rate,
        max_timeout: a.timeout,
        min_timeout: Duration::from_millis(100).min(a.timeout),
        initial_timeout: Duration::from_millis(1000).min(a.timeout),
        all_states: a.all_states,
        seed: a.seed,
        icmp_pace: a.icmp_pace,
        args: command_line(),
        ident: portwarden_scan::ident::IdentOptions {
            mode: banner_mode(a),
            wait: a.banner_timeout,
            ..Default::default()
        },
        ..RawConfig::default()
    }
}

fn target_set(a: &ScanArgs) -> Result<TargetSet, Failure> {
    let mut specs = a.targets.clone();
    if let Some(f) = &a.input_list {
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
    let mut excludes = a.exclude.clone();
    if let Some(f) = &a.exclude_file {
        excludes.extend(read_list(f)?);
    }
    TargetSet::build(
        &specs,
        &excludes,
        TargetOptions {
            allow_large: a.allow_large,
            prefer_ipv6: a.ipv6,
            ..TargetOptions::default()
        },
    )
    .map_err(|e| Failure::Usage(ui::say(&crate::errors::target(&e))))
}

struct Cli {
    jsonl: bool,
    progress: TtyProgress,
    /// Everything the scan produces goes to standard output: when its reader goes away
    /// there is no one left to scan for, so the scan stops (status 141).
    stdout_only: bool,
}

impl Observer for Cli {
    fn host_done(&mut self, host: &HostResult) {
        if self.jsonl {
            let line = render::json::host_line(host);
            // A closed pipe ends the process with status 141 (ui::out).
            self.progress.suspend(|| ui::out(&line));
        }
    }

    fn progress(&mut self, done: u64, total: u64) {
        if self.stdout_only && ui::stdout_gone() {
            std::process::exit(141);
        }
        self.progress.update(done, total);
    }
}

/// An output file (`-oX`, `-oG`): opened, and so checked writable, before the first
/// probe, as nmap does; `None` for standard output (`-`).
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

fn connect(
    targets: &TargetSet,
    ports: &[u16],
    cfg: &ScanConfig,
    obs: &mut Cli,
) -> Result<portwarden_scan::ScanReport, Failure> {
    portwarden_scan::scan_blocking(targets, ports, cfg, obs, true).map_err(|e| match e {
        ScanError::Runtime(_) => Failure::Runtime(e.into()),
        other => Failure::Usage(other.to_string()),
    })
}

/// Runs the command.
pub fn run(a: &ScanArgs) -> Result<ExitCode, Failure> {
    let style = ui::style(&a.style);
    let targets = target_set(a)?;
    if let Some(r) = a.rate {
        if !(r.is_finite() && r > 0.0) {
            return Err(Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
                "cli-scan-rate-must-be-a-positive-number"
            ))));
        }
    }
    if a.max_inflight == Some(0) {
        return Err(Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
            "cli-scan-max-inflight-must-be-at-least"
        ))));
    }
    // The TCP scan: asked for, or nmap's default when no scan type is named (SYN when raw
    // sockets are allowed; the scan itself finds out and the connect scan takes over).
    let mut tcp_kind = if a.connect_scan {
        Some(Kind::Connect)
    } else if a.syn_scan || !a.udp_scan {
        Some(Kind::Syn)
    } else {
        None
    };
    let (tcp_ports, udp_ports) = port_list(a, tcp_kind.is_some())?;
    if a.udp_scan && tcp_kind.is_some() {
        // Both scans asked for, one of them left without ports (-p T:... or U:...).
        if tcp_ports.is_empty() {
            eprintln!("portwarden: {}", style.text("cli-scan-note-no-tcp-ports"));
        } else if udp_ports.is_empty() {
            eprintln!("portwarden: {}", style.text("cli-scan-note-no-udp-ports"));
        }
    }
    if tcp_ports.is_empty() {
        tcp_kind = None;
    }
    let cfg = ScanConfig {
        retries: a.retries.unwrap_or(2),
        // An explicit --retries is the exact count; by default lossy hosts earn more.
        max_retries: a.retries.unwrap_or(6),
        max_timeout: a.timeout,
        min_timeout: Duration::from_millis(100).min(a.timeout),
        initial_timeout: Duration::from_millis(1000).min(a.timeout),
        rate: a.rate,
        max_inflight: a.max_inflight,
        banners: banner_mode(a),
        banner_timeout: a.banner_timeout,
        all_states: a.all_states,
        seed: a.seed,
        discovery: !a.no_ping,
        args: command_line(),
        ..ScanConfig::default()
    };
    let both = tcp_kind.is_some() && !udp_ports.is_empty();
    if both {
        // The UDP scan has no fallback: say so before the TCP scan runs.
        portwarden_scan::raw::check_access().map_err(|e| Failure::Runtime(e.into()))?;
    }
    // Output files are opened (created, truncated) now, before the first probe: a path
    // that cannot be written stops here instead of discarding the finished scan.
    let xml_file = a.xml_out.as_ref().map(OutFile::open).transpose()?;
    let grepable_file = a.grepable_out.as_ref().map(OutFile::open).transpose()?;
    let mut obs = Cli {
        // A combined run prints each host once, after both scans.
        jsonl: a.jsonl && !both,
        progress: TtyProgress::new(!a.no_progress),
        stdout_only: [&xml_file, &grepable_file]
            .iter()
            .all(|f| f.as_ref().is_none_or(|f| f.file.is_none())),
    };
    let raw_err = |e: RawError| match e {
        RawError::Io(_) | RawError::Permission(_) => Failure::Runtime(e.into()),
        other => Failure::Usage(other.to_string()),
    };
    let tcp_report = match tcp_kind {
        None => None,
        Some(Kind::Connect) => Some(connect(&targets, &tcp_ports, &cfg, &mut obs)?),
        Some(_) => {
            let raw = portwarden_scan::raw::with_sigint(|c| {
                portwarden_scan::raw::syn::scan(
                    &targets,
                    &tcp_ports,
                    &raw_config(a, a.retries.unwrap_or(10)),
                    &mut obs,
                    c,
                )
            });
            Some(match raw {
                Ok(r) => r,
                Err(e @ (RawError::Permission(_) | RawError::Io(_))) => {
                    // No raw sockets, or none of a family this machine lacks (IPv6): the
                    // connect scan still works. Without CAP_NET_RAW the fallback is said
                    // only when the user asked for -sS (nmap's default is silent too).
                    if a.syn_scan || matches!(e, RawError::Io(_)) {
                        let why = std::error::Error::source(&e)
                            .map_or_else(|| e.to_string(), |s| s.to_string());
                        eprintln!(
                            "portwarden: {}",
                            style.msg(&portwarden_i18n::msg!("cli-scan-note-no-syn", why = why))
                        );
                    }
                    connect(&targets, &tcp_ports, &cfg, &mut obs)?
                }
                Err(e) => return Err(raw_err(e)),
            })
        }
    };
    let udp_report = if udp_ports.is_empty() || tcp_report.as_ref().is_some_and(|r| r.interrupted) {
        None
    } else {
        let r = portwarden_scan::raw::with_sigint(|c| {
            portwarden_scan::raw::udp::scan(
                &targets,
                &udp_ports,
                &raw_config(a, a.retries.unwrap_or(4)),
                &mut obs,
                c,
            )
        })
        .map_err(raw_err)?;
        Some(r)
    };
    obs.progress.finish();
    if let Some(u) = udp_report
        .as_ref()
        .filter(|u| !a.icmp_pace && !u.interrupted)
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
    if let Some(t) = tcp_report.as_ref().filter(|t| t.stats.ident_lost > 0) {
        let n = t.stats.ident_lost;
        let msg = style.msg(&portwarden_i18n::msg!(
            "cli-scan-note-ident-lost",
            ports = n
        ));
        eprintln!("portwarden: {msg}");
    }
    let report = match (tcp_report, udp_report) {
        (Some(t), Some(u)) => t.merge(u),
        (Some(r), None) | (None, Some(r)) => r,
        (None, None) => {
            return Err(Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
                "cli-scan-nothing-to-scan"
            ))))
        }
    };
    if a.jsonl && both {
        let mut out = String::new();
        for h in &report.hosts {
            out.push_str(&render::json::host_line(h));
        }
        crate::ui::out(&out);
    }
    if !report.interrupted {
        crate::history::save_scan(&a.history, &a.targets, &render::json::render(&report))?;
    }
    let mut stdout = String::new();
    let file_to_stdout = [&a.xml_out, &a.grepable_out]
        .iter()
        .any(|p| p.as_ref().is_some_and(|p| p.as_os_str() == "-"));
    if a.jsonl {
        // Already streamed.
    } else if a.json {
        stdout.push_str(&render::json::render(&report));
    } else if a.csv {
        stdout.push_str(&render::csv::render(&report, style.lang, a.csv_raw));
    } else if !file_to_stdout {
        stdout.push_str(&render::table::render(&report, &style));
    }
    // A file that fails now (disk full…) does not take the report on standard output
    // with it: that is printed first, the failure after it (exit 3).
    let mut failed = Vec::new();
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
    if !failed.is_empty() {
        return Err(Failure::Runtime(anyhow::anyhow!("{}", failed.join("; "))));
    }
    if report.interrupted {
        if a.jsonl || a.json || a.csv || file_to_stdout {
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
