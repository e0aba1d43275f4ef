//! Flags → [`ScanPlan`]: the one step where `portwarden scan` decides what to do.
//!
//! As ripgrep turns its `LowArgs` into `HiArgs`, the parsed flags ([`ScanArgs`], clap's
//! output) become a validated plan here, with every decision made: which scans run
//! (`-sS` by default when raw sockets are allowed, `-sT` otherwise), on which ports (`-p`,
//! `--top-ports`, `-F`), with which timing (`-T0`…`-T5` and the explicit flags that
//! override a template), which outputs (`-oX`, `-oG`, `-oN`, `-oA`, `--open`) and whether
//! identification runs. The step is pure: what it needs from the system (may we open raw
//! sockets? the command line for reports) comes in as [`Env`]; resolving the targets
//! (files, the resolver) is the caller's next step. After it, the binary only executes the
//! plan.

use super::ScanArgs;
use portwarden_i18n::{msg, Msg};
use portwarden_scan::perm::Shard;
use portwarden_scan::{BannerMode, PortError, PortList, ScanConfig, ScanKind, TargetOptions};
use std::path::PathBuf;
use std::time::Duration;

/// What the plan needs to know about the system.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// Whether this process may open raw sockets (CAP_NET_RAW).
    pub raw_allowed: bool,
    /// The command line, for reports.
    pub command_line: String,
}

/// nmap's timing templates (`-T0`…`-T5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Timing {
    /// `-T0`: one probe at a time, 5 minutes apart.
    Paranoid,
    /// `-T1`: one probe at a time, 15 seconds apart.
    Sneaky,
    /// `-T2`: one probe at a time, 0.4 seconds apart.
    Polite,
    /// `-T3`: our defaults.
    Normal,
    /// `-T4`: shorter timeouts (nmap's: initial 500 ms, at most 1250 ms).
    Aggressive,
    /// `-T5`: short timeouts (initial 250 ms, at most 300 ms) and at most two retries.
    Insane,
}

/// Parses `-T`'s value: a digit 0-5 or a template name, as nmap takes them.
pub fn parse_timing(s: &str) -> Result<Timing, String> {
    Ok(match s.trim().to_ascii_lowercase().as_str() {
        "0" | "paranoid" => Timing::Paranoid,
        "1" | "sneaky" => Timing::Sneaky,
        "2" | "polite" => Timing::Polite,
        "3" | "normal" => Timing::Normal,
        "4" | "aggressive" => Timing::Aggressive,
        "5" | "insane" => Timing::Insane,
        _ => {
            return Err(
                "expected 0-5 or paranoid, sneaky, polite, normal, aggressive, insane".into(),
            )
        }
    })
}

/// What a template sets; explicit flags override each field.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Template {
    rate: Option<f64>,
    max_inflight: Option<usize>,
    max_timeout: Duration,
    initial_timeout: Duration,
    min_timeout: Duration,
    /// Ceiling of the connect scan's retries (`None`: the scan type's own).
    max_retries: Option<u32>,
}

impl Timing {
    fn template(self) -> Template {
        let normal = Template {
            rate: None,
            max_inflight: None,
            max_timeout: Duration::from_millis(1500),
            initial_timeout: Duration::from_millis(1000),
            min_timeout: Duration::from_millis(100),
            max_retries: None,
        };
        let serial = |gap_s: f64| Template {
            rate: Some(1.0 / gap_s),
            max_inflight: Some(1),
            max_timeout: Duration::from_secs(10),
            ..normal
        };
        match self {
            Timing::Paranoid => serial(300.0),
            Timing::Sneaky => serial(15.0),
            Timing::Polite => serial(0.4),
            Timing::Normal => normal,
            Timing::Aggressive => Template {
                max_timeout: Duration::from_millis(1250),
                initial_timeout: Duration::from_millis(500),
                max_retries: Some(6),
                ..normal
            },
            Timing::Insane => Template {
                max_timeout: Duration::from_millis(300),
                initial_timeout: Duration::from_millis(250),
                min_timeout: Duration::from_millis(50),
                max_retries: Some(2),
                ..normal
            },
        }
    }
}

/// How the report goes to standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StdoutFormat {
    /// The table.
    Table,
    /// One JSON object.
    Json,
    /// One JSON object per host, streamed.
    Jsonl,
    /// CSV (`raw`: no formula guard).
    Csv {
        /// `--csv-raw`.
        raw: bool,
    },
    /// Nothing but what a file output sent to `-`.
    None,
}

/// The file outputs (`-` is standard output).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Files {
    /// nmap XML (`-oX`, `-oA`'s BASE.xml).
    pub xml: Option<PathBuf>,
    /// nmap's grepable format (`-oG`, `-oA`'s BASE.gnmap).
    pub grepable: Option<PathBuf>,
    /// nmap's normal output: our table (`-oN`, `-oA`'s BASE.nmap).
    pub normal: Option<PathBuf>,
}

impl Files {
    /// Whether some file output goes to standard output.
    pub fn to_stdout(&self) -> bool {
        [&self.xml, &self.grepable, &self.normal]
            .iter()
            .any(|p| p.as_ref().is_some_and(|p| p.as_os_str() == "-"))
    }
}

/// One scan of the plan.
#[derive(Debug, Clone)]
pub struct Step {
    /// The scan type.
    pub kind: ScanKind,
    /// Its ports.
    pub ports: Vec<u16>,
    /// Its configuration.
    pub cfg: ScanConfig,
    /// Retries of the connect scan that replaces a SYN scan whose raw sockets fail after
    /// all (a family this machine lacks).
    pub fallback_retries: u32,
}

/// A validated `portwarden scan`.
#[derive(Debug, Clone)]
pub struct ScanPlan {
    /// The scans, TCP first; their reports merge into one.
    pub steps: Vec<Step>,
    /// The user asked for `-sS` by name: a fallback to the connect scan is said aloud.
    pub syn_asked: bool,
    /// Lines for standard error before the scan (`note: …`).
    pub notes: Vec<Msg>,
    /// Target specifications (the command line's) and the lists to read.
    pub targets: Vec<String>,
    /// `-iL`.
    pub input_list: Option<PathBuf>,
    /// `--exclude`.
    pub exclude: Vec<String>,
    /// `--exclude-file`.
    pub exclude_file: Option<PathBuf>,
    /// `--allow-large`, `-6`.
    pub target_options: TargetOptions,
    /// Standard output's format.
    pub stdout: StdoutFormat,
    /// File outputs.
    pub files: Files,
    /// `--open`: only open ports (and hosts with one) in every output.
    pub only_open: bool,
    /// `-v` count: 1 = discoveries, 2 = also progress lines, on standard error.
    pub verbosity: u8,
    /// Whether a raw scan (SYN or UDP) is part of the plan without a fallback (UDP).
    pub needs_raw: bool,
}

impl ScanPlan {
    /// Whether more than one scan runs (their hosts are printed once, after both).
    pub fn combined(&self) -> bool {
        self.steps.len() > 1
    }
}

fn usage(e: PortError) -> Msg {
    crate::errors::port(&e)
}

fn udp_top(n: usize) -> Result<Vec<u16>, Msg> {
    if n == 0 || n > 65535 {
        return Err(usage(PortError::BadTop));
    }
    let mut udp = portwarden_kb::top_ports(portwarden_kb::Protocol::Udp, n).to_vec();
    udp.retain(|&p| p != 0);
    udp.sort_unstable();
    udp.dedup();
    Ok(udp)
}

/// The TCP and UDP ports to scan (each list empty when its scan does not run).
/// Unprefixed ports, the top-N, `-F` and the default apply to every scan that runs.
fn port_lists(a: &ScanArgs, tcp: bool) -> Result<(Vec<u16>, Vec<u16>), Msg> {
    let top = if a.fast { Some(100) } else { a.top_ports };
    let mut ports = match (&a.ports, top) {
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
            return Err(Msg::new("cli-scan-no-udp-ports-left-to-scan"));
        }
        if only_udp_given {
            return Err(Msg::new("cli-scan-only-udp-ports-u-were-given"));
        }
        return Err(Msg::new("cli-scan-no-tcp-ports-left-to-scan"));
    }
    Ok((tcp_ports, udp_ports))
}

/// `I/N`: shard I (from 0) of N.
fn parse_shard(spec: &str) -> Result<Shard, Msg> {
    let clipped = || format!("{:?}", crate::ui::clip(spec));
    let (i, n) = spec
        .split_once('/')
        .and_then(|(i, n)| Some((i.trim().parse::<u64>().ok()?, n.trim().parse::<u64>().ok()?)))
        .ok_or_else(|| msg!("cli-scan-shard-bad", value = clipped()))?;
    if n == 0 || n > 1 << 32 {
        return Err(msg!("cli-scan-shard-bad", value = clipped()));
    }
    if i >= n {
        return Err(msg!("cli-scan-shard-out-of-range", value = clipped()));
    }
    Ok(Shard { index: i, count: n })
}

/// Turns parsed flags into a plan; `Err` is the one usage line (exit 2).
pub fn plan(a: &ScanArgs, env: &Env) -> Result<ScanPlan, Msg> {
    if let Some(r) = a.rate {
        if !(r.is_finite() && r > 0.0) {
            return Err(Msg::new("cli-scan-rate-must-be-a-positive-number"));
        }
    }
    if a.max_inflight == Some(0) {
        return Err(Msg::new("cli-scan-max-inflight-must-be-at-least"));
    }
    let shard = match a.shard.as_deref() {
        Some(spec) => parse_shard(spec)?,
        None => Shard::default(),
    };
    if !shard.is_whole() && a.seed.is_none() {
        return Err(Msg::new("cli-scan-shard-needs-seed"));
    }
    if a.open && a.all_states {
        return Err(Msg::new("cli-scan-open-with-all-states"));
    }
    if a.all_outputs.is_some()
        && (a.xml_out.is_some() || a.grepable_out.is_some() || a.normal_out.is_some())
    {
        return Err(Msg::new("cli-scan-oa-with-other-outputs"));
    }
    if a.all_outputs
        .as_ref()
        .is_some_and(|b| b.as_os_str() == "-" || b.as_os_str().is_empty())
    {
        return Err(Msg::new("cli-scan-oa-needs-a-base"));
    }
    // The TCP scan: named, or nmap's default when no scan type is named: SYN when raw
    // sockets are allowed, connect otherwise. `-sS` without them falls back (with a note).
    let tcp_kind = if a.connect_scan {
        Some(ScanKind::Connect)
    } else if a.syn_scan || !a.udp_scan {
        Some(if env.raw_allowed {
            ScanKind::Syn
        } else {
            ScanKind::Connect
        })
    } else {
        None
    };
    let mut notes = Vec::new();
    if a.syn_scan && !env.raw_allowed {
        notes.push(msg!(
            "cli-scan-note-no-syn",
            why = Msg::new(if cfg!(windows) {
                "platform-scan-raw-needs-packet-driver"
            } else {
                "cli-scan-raw-needs-cap-net-raw"
            })
        ));
    }
    let (tcp_ports, udp_ports) = port_lists(a, tcp_kind.is_some())?;
    if a.udp_scan && tcp_kind.is_some() {
        if tcp_ports.is_empty() {
            notes.push(Msg::new("cli-scan-note-no-tcp-ports"));
        } else if udp_ports.is_empty() {
            notes.push(Msg::new("cli-scan-note-no-udp-ports"));
        }
    }
    let t = a.timing.unwrap_or(Timing::Normal).template();
    let max_timeout = a.timeout.unwrap_or(t.max_timeout);
    let base = |kind: ScanKind| -> ScanConfig {
        let retries = a.retries.unwrap_or_else(|| {
            let own = kind.default_retries();
            t.max_retries.map_or(own, |m| own.min(m))
        });
        ScanConfig {
            retries,
            // An explicit --retries is the exact count; by default lossy hosts earn more.
            max_retries: a.retries.unwrap_or(t.max_retries.unwrap_or(6)),
            max_timeout,
            min_timeout: t.min_timeout.min(max_timeout),
            initial_timeout: t.initial_timeout.min(max_timeout),
            rate: a.rate.or(t.rate),
            max_inflight: a.max_inflight.or(t.max_inflight),
            banners: if a.no_banners {
                BannerMode::Off
            } else if a.banners {
                BannerMode::On
            } else {
                BannerMode::Auto
            },
            banner_timeout: a.banner_timeout,
            all_states: a.all_states,
            seed: a.seed,
            shard,
            discovery: !a.no_ping,
            icmp_pace: a.icmp_pace,
            login_probes: !a.no_login_probes,
            args: env.command_line.clone(),
            ..ScanConfig::for_kind(kind)
        }
    };
    let mut steps = Vec::new();
    if let Some(kind) = tcp_kind.filter(|_| !tcp_ports.is_empty()) {
        steps.push(Step {
            kind,
            cfg: base(kind),
            ports: tcp_ports,
            fallback_retries: base(ScanKind::Connect).retries,
        });
    }
    if !udp_ports.is_empty() {
        steps.push(Step {
            kind: ScanKind::Udp,
            cfg: base(ScanKind::Udp),
            ports: udp_ports,
            fallback_retries: 0,
        });
    }
    let mut files = Files {
        xml: a.xml_out.clone(),
        grepable: a.grepable_out.clone(),
        normal: a.normal_out.clone(),
    };
    if let Some(b) = &a.all_outputs {
        let with = |ext: &str| {
            let mut s = b.clone().into_os_string();
            s.push(ext);
            Some(PathBuf::from(s))
        };
        files = Files {
            xml: with(".xml"),
            grepable: with(".gnmap"),
            normal: with(".nmap"),
        };
    }
    let stdout = if a.jsonl {
        StdoutFormat::Jsonl
    } else if a.json {
        StdoutFormat::Json
    } else if a.csv {
        StdoutFormat::Csv { raw: a.csv_raw }
    } else if files.to_stdout() {
        StdoutFormat::None
    } else {
        StdoutFormat::Table
    };
    // The UDP scan has no fallback: without raw sockets the run fails (exit 3).
    let needs_raw = steps.iter().any(|s| s.kind == ScanKind::Udp);
    if a.input_list.is_none() && a.targets.is_empty() {
        return Err(Msg::new("cli-scan-no-targets-given-name-hosts-or"));
    }
    Ok(ScanPlan {
        steps,
        syn_asked: a.syn_scan,
        notes,
        targets: a.targets.clone(),
        input_list: a.input_list.clone(),
        exclude: a.exclude.clone(),
        exclude_file: a.exclude_file.clone(),
        target_options: TargetOptions {
            allow_large: a.allow_large,
            prefer_ipv6: a.ipv6,
            ..TargetOptions::default()
        },
        stdout,
        files,
        only_open: a.open,
        verbosity: a.verbose,
        needs_raw,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrap {
        #[command(flatten)]
        a: ScanArgs,
    }

    fn args(v: &[&str]) -> ScanArgs {
        let argv = std::iter::once("scan")
            .chain(v.iter().copied())
            .map(std::ffi::OsString::from);
        let argv = super::super::nmap_argv(std::iter::once("portwarden".into()).chain(argv));
        // nmap_argv keeps "portwarden scan …"; the wrapper parses what follows "scan".
        Wrap::try_parse_from(argv.into_iter().skip(1))
            .map(|w| w.a)
            .unwrap_or_else(|e| panic!("{v:?}: {e}"))
    }

    fn root() -> Env {
        Env {
            raw_allowed: true,
            command_line: "portwarden scan".into(),
        }
    }

    fn user() -> Env {
        Env {
            raw_allowed: false,
            ..root()
        }
    }

    fn kinds(p: &ScanPlan) -> Vec<ScanKind> {
        p.steps.iter().map(|s| s.kind).collect()
    }

    #[test]
    fn default_is_syn_as_root_and_connect_otherwise() {
        let a = args(&["127.0.0.1"]);
        assert_eq!(kinds(&plan(&a, &root()).unwrap()), [ScanKind::Syn]);
        let p = plan(&a, &user()).unwrap();
        assert_eq!(kinds(&p), [ScanKind::Connect]);
        assert!(p.notes.is_empty(), "the default falls back silently");
        let p = plan(&args(&["-sS", "127.0.0.1"]), &user()).unwrap();
        assert_eq!(kinds(&p), [ScanKind::Connect]);
        assert_eq!(p.notes.len(), 1, "an explicit -sS says it fell back");
        let p = plan(&args(&["-sT", "127.0.0.1"]), &root()).unwrap();
        assert_eq!(kinds(&p), [ScanKind::Connect]);
        assert_eq!(p.steps[0].cfg.retries, 2);
        assert_eq!(p.steps[0].ports.len(), 1000);
    }

    #[test]
    fn syn_and_udp_make_two_steps_with_their_retries() {
        let p = plan(&args(&["-sS", "-sU", "-p", "53,U:53", "h"]), &root()).unwrap();
        assert_eq!(kinds(&p), [ScanKind::Syn, ScanKind::Udp]);
        assert!(p.combined() && p.needs_raw);
        assert_eq!(p.steps[0].cfg.retries, 6);
        assert_eq!(p.steps[1].cfg.retries, 4);
        let p = plan(&args(&["-sU", "h"]), &root()).unwrap();
        assert_eq!(kinds(&p), [ScanKind::Udp]);
        let p = plan(&args(&["-sS", "-sU", "-p", "U:53", "h"]), &root()).unwrap();
        assert_eq!(kinds(&p), [ScanKind::Udp]);
        assert_eq!(p.notes.len(), 1);
    }

    #[test]
    fn fast_is_the_top_100() {
        let p = plan(&args(&["-F", "h"]), &root()).unwrap();
        assert_eq!(p.steps[0].ports.len(), 100);
        let p = plan(&args(&["-F", "-sU", "-sS", "h"]), &root()).unwrap();
        assert_eq!(p.steps[1].ports.len(), 100);
        assert!(Wrap::try_parse_from(["scan", "-F", "-p", "80", "h"]).is_err());
    }

    #[test]
    fn timing_templates_map_and_flags_override_them() {
        assert_eq!(parse_timing("4"), Ok(Timing::Aggressive));
        assert_eq!(parse_timing("Insane"), Ok(Timing::Insane));
        assert!(parse_timing("6").is_err());
        let p = plan(&args(&["-T4", "-sT", "h"]), &root()).unwrap();
        let c = &p.steps[0].cfg;
        assert_eq!(c.max_timeout, Duration::from_millis(1250));
        assert_eq!(c.initial_timeout, Duration::from_millis(500));
        let p = plan(&args(&["-T5", "h"]), &root()).unwrap();
        let c = &p.steps[0].cfg;
        assert_eq!((c.retries, c.max_retries), (2, 2));
        assert_eq!(c.max_timeout, Duration::from_millis(300));
        let p = plan(&args(&["-T", "polite", "h"]), &root()).unwrap();
        let c = &p.steps[0].cfg;
        assert_eq!(c.max_inflight, Some(1));
        assert_eq!(c.rate, Some(2.5));
        let p = plan(
            &args(&["-T0", "--rate", "100", "--timeout", "2s", "h"]),
            &root(),
        )
        .unwrap();
        let c = &p.steps[0].cfg;
        assert_eq!(c.rate, Some(100.0));
        assert_eq!(c.max_timeout, Duration::from_secs(2));
        let p = plan(&args(&["h"]), &root()).unwrap();
        let c = &p.steps[0].cfg;
        assert_eq!(c.max_timeout, Duration::from_millis(1500));
        assert_eq!((c.rate, c.max_inflight), (None, None));
    }

    #[test]
    fn outputs() {
        let p = plan(&args(&["-oA", "out/base", "h"]), &root()).unwrap();
        assert_eq!(p.files.xml, Some(PathBuf::from("out/base.xml")));
        assert_eq!(p.files.grepable, Some(PathBuf::from("out/base.gnmap")));
        assert_eq!(p.files.normal, Some(PathBuf::from("out/base.nmap")));
        assert_eq!(p.stdout, StdoutFormat::Table);
        let p = plan(&args(&["-oN", "-", "h"]), &root()).unwrap();
        assert_eq!(p.stdout, StdoutFormat::None);
        let p = plan(&args(&["--json", "--open", "-vv", "h"]), &root()).unwrap();
        assert_eq!(p.stdout, StdoutFormat::Json);
        assert!(p.only_open);
        assert_eq!(p.verbosity, 2);
    }

    #[test]
    fn conflicts_are_one_usage_line() {
        for bad in [
            &["--open", "--all-states", "h"][..],
            &["-oA", "b", "-oX", "x.xml", "h"],
            &["-oA", "-", "h"],
            &["--rate", "0", "h"],
            &["--max-inflight", "0", "h"],
            &["--shard", "1/4", "h"],
            &["--shard", "4/4", "--seed", "1", "h"],
            &["--shard", "0/0", "--seed", "1", "h"],
            &["--shard", "x", "--seed", "1", "h"],
            &["--shard", "\u{1b}[31m1/2", "--seed", "1", "h"],
            &["-p", "U:53", "h"],
            &[],
        ] {
            let e = plan(&args(bad), &root()).expect_err(&format!("{bad:?}"));
            let e = portwarden_i18n::format(portwarden_i18n::Lang::En, &e);
            assert!(!e.contains('\n') && !e.starts_with('['), "{e}");
        }
    }

    #[test]
    fn shards() {
        let c = &plan(&args(&["--shard", "2/4", "--seed", "7", "h"]), &root())
            .unwrap()
            .steps[0]
            .cfg;
        assert_eq!(c.shard, Shard { index: 2, count: 4 });
        assert_eq!(c.seed, Some(7));
        let c = &plan(&args(&["h"]), &root()).unwrap().steps[0].cfg;
        assert!(c.shard.is_whole());
    }

    #[test]
    fn identification_and_discovery_switches() {
        let p = plan(
            &args(&["--no-banners", "-Pn", "--no-login-probes", "h"]),
            &root(),
        )
        .unwrap();
        let c = &p.steps[0].cfg;
        assert_eq!(c.banners, BannerMode::Off);
        assert!(!c.discovery && !c.login_probes);
        let c = &plan(&args(&["--banners", "h"]), &root()).unwrap().steps[0].cfg;
        assert_eq!(c.banners, BannerMode::On);
        assert!(c.discovery && c.login_probes);
    }
}
