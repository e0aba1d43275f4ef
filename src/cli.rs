//! The flag table. One definition feeds `--help`, the man page (`portwarden man`) and
//! shell completions (`portwarden completions SHELL`).

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

/// The full command, with the version line that names the bundled IANA registry date.
pub fn command() -> clap::Command {
    Cli::command().version(format!(
        "{} (IANA registry {})",
        env!("CARGO_PKG_VERSION"),
        portwarden_kb::IANA_UPDATED
    ))
}

/// portwarden guards the doors of a machine: its network ports.
#[derive(Debug, Parser)]
#[command(name = "portwarden", about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// What a port is for, who attacks it and what to do: by number, range, service,
    /// malware name or words.
    Lookup(LookupArgs),
    /// Every TCP/UDP socket with its owning process, user and service, like netstat -anp
    /// or ss -tuanp, annotated with what each port is and how risky it is.
    Ls(LsArgs),
    /// What is open on this machine, what is risky and what to do about it.
    Audit(AuditArgs),
    /// What an attacker sees: scan hosts for open ports, with nmap's target and port
    /// syntax and outputs (-oX, -oG), JSON and banners.
    Scan(crate::scan::ScanArgs),
    /// Close a port: block it in the firewall, stop its owner or its service, or drop
    /// its live connections. Shows the plan first; asks before acting.
    Close(CloseArgs),
    /// Undo what portwarden did to a port (delete its rule, start its service again).
    Open(OpenArgs),
    /// The journal of everything close and open did.
    Actions(ActionsArgs),
    /// Saved snapshots of audit, ls and scan; --keep prunes them.
    History(crate::history::HistoryArgs),
    /// What changed between two snapshots or two nmap XML files: + new, - gone,
    /// ~ changed. Exit 0 same, 1 different, 2 error (as ndiff).
    Diff(crate::history::DiffArgs),
    /// Accept known and wanted ports or findings, so `audit --baseline` reports only
    /// what is new.
    Baseline(crate::history::BaselineArgs),
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
}

/// Output language.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LangArg {
    /// English.
    En,
    /// 简体中文.
    Zh,
}

/// When to colour output.
#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum ColorArg {
    /// On a terminal, unless NO_COLOR is set.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Presentation flags shared by the commands.
#[derive(Debug, Args, Clone)]
pub struct StyleArgs {
    /// Language of the output (default: from LC_ALL / LC_MESSAGES / LANG).
    #[arg(long, value_enum, global = true)]
    pub lang: Option<LangArg>,
    /// When to use colour.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto, global = true)]
    pub color: ColorArg,
}

/// `portwarden lookup`.
#[derive(Debug, Args)]
pub struct LookupArgs {
    /// Ports (`3389`), port/protocol (`53/udp`), ranges (`6660-6670`), service names
    /// (`ssh`), malware names (`subseven`, `冰河`) or free text.
    #[arg(required = true, allow_negative_numbers = true, value_name = "QUERY")]
    pub queries: Vec<String>,
    /// Print JSON instead of cards.
    #[arg(long)]
    pub json: bool,
    /// Presentation.
    #[command(flatten)]
    pub style: StyleArgs,
}

fn parse_port(s: &str) -> Result<u16, String> {
    match portwarden_kb::parse_query(s) {
        Ok(portwarden_kb::Query::Port {
            port,
            protocol: None,
        }) => Ok(port),
        Ok(_) => Err(format!("{s:?} is not a port number")),
        Err(e) => Err(e.to_string()),
    }
}

fn parse_state(s: &str) -> Result<portwarden_sockets::SockState, String> {
    portwarden_sockets::SockState::parse(s).ok_or_else(|| {
        format!("unknown state {s:?} (listen, established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait, close-wait, last-ack, closing, unconn)")
    })
}

fn parse_sort(s: &str) -> Result<portwarden_sockets::SortKey, String> {
    portwarden_sockets::SortKey::parse(s).ok_or_else(|| {
        format!("unknown sort key {s:?} (local, port, remote, state, pid, process, risk)")
    })
}

fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && (0.1..=86400.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "{s:?} is not a number of seconds between 0.1 and 86400"
        )),
    }
}

fn parse_risk(s: &str) -> Result<portwarden_kb::Risk, String> {
    portwarden_kb::Risk::parse(s)
        .ok_or_else(|| format!("unknown level {s:?} (info, low, medium, high, critical)"))
}

fn parse_user(s: &str) -> Result<String, String> {
    let t = s.trim();
    if t.is_empty() || t.len() > 64 || t.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!("{s:?} is not a user name or uid"));
    }
    Ok(t.to_string())
}

fn parse_netns(s: &str) -> Result<String, String> {
    let t = s.trim();
    let ok = !t.is_empty()
        && t.len() <= 255
        && !t.starts_with('.')
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if ok {
        Ok(t.to_string())
    } else {
        Err(format!(
            "{s:?} is not a namespace name (as in /run/netns) or a pid"
        ))
    }
}

/// Which sockets to read (shared by `ls` and `audit`).
#[derive(Debug, Args, Clone)]
pub struct SourceArgs {
    /// Inspect another network namespace: a name from /run/netns or a pid whose namespace
    /// to enter (needs root).
    #[arg(long, value_name = "NAME|PID", value_parser = parse_netns)]
    pub netns: Option<String>,
    /// Read /proc/net instead of netlink sock_diag (slower; same result).
    #[arg(long, hide = true)]
    pub procfs: bool,
    /// Do not read the nftables ruleset (by default, as root, each listener is judged by
    /// what the firewall lets in from other hosts).
    #[arg(long)]
    pub no_firewall: bool,
}

/// `portwarden ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// Only listening sockets (TCP LISTEN and unconnected UDP).
    #[arg(short = 'l', long)]
    pub listening: bool,
    /// TCP sockets (default: TCP and UDP).
    #[arg(short = 't', long)]
    pub tcp: bool,
    /// UDP sockets (default: TCP and UDP).
    #[arg(short = 'u', long)]
    pub udp: bool,
    /// IPv4 only.
    #[arg(short = '4', long = "ipv4", conflicts_with = "ipv6")]
    pub ipv4: bool,
    /// IPv6 only.
    #[arg(short = '6', long = "ipv6")]
    pub ipv6: bool,
    /// Only sockets whose local or remote port is one of these (repeat or comma-separate).
    #[arg(long, value_delimiter = ',', value_parser = parse_port, value_name = "PORT")]
    pub port: Vec<u16>,
    /// Only sockets held by these pids.
    #[arg(long, value_delimiter = ',', value_name = "PID")]
    pub pid: Vec<u32>,
    /// Only sockets whose process name contains this text.
    #[arg(long, value_name = "NAME")]
    pub process: Option<String>,
    /// Only sockets of this user (name or uid).
    #[arg(long, value_name = "USER", value_parser = parse_user)]
    pub user: Option<String>,
    /// Only sockets in these states (listen, established, time-wait…).
    #[arg(long, value_delimiter = ',', value_parser = parse_state, value_name = "STATE")]
    pub state: Vec<portwarden_sockets::SockState>,
    /// Sort by: local, port, remote, state, pid, process, risk.
    #[arg(long, value_parser = parse_sort, default_value = "local")]
    pub sort: portwarden_sockets::SortKey,
    /// Do not look up owning processes (faster; no /proc walk).
    #[arg(long)]
    pub no_processes: bool,
    /// Print JSON.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV.
    #[arg(long)]
    pub csv: bool,
    /// Refresh every SECONDS (default 2), marking sockets that appeared (+) or went (-).
    #[arg(long, value_name = "SECONDS", num_args = 0..=1, default_missing_value = "2", value_parser = parse_seconds)]
    pub watch: Option<f64>,
    /// Where to read sockets from.
    #[command(flatten)]
    pub source: SourceArgs,
    /// History.
    #[command(flatten)]
    pub history: crate::history::SaveFlag,
    /// Presentation.
    #[command(flatten)]
    pub style: StyleArgs,
}

/// `portwarden audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Exit with status 1 when a finding is at least this severe (info, low, medium,
    /// high, critical): for cron and CI.
    #[arg(long, value_name = "LEVEL", value_parser = parse_risk)]
    pub fail_on: Option<portwarden_kb::Risk>,
    /// Where to read sockets from.
    #[command(flatten)]
    pub source: SourceArgs,
    /// History and baseline.
    #[command(flatten)]
    pub history: crate::history::AuditHistory,
    /// Presentation.
    #[command(flatten)]
    pub style: StyleArgs,
}

/// A port with an optional protocol, as `close` and `open` take it.
#[derive(Debug, Clone, Copy)]
pub struct PortTarget {
    /// The port.
    pub port: u16,
    /// tcp (default) or udp.
    pub transport: portwarden_sockets::Transport,
}

fn parse_target(s: &str) -> Result<PortTarget, String> {
    match portwarden_kb::parse_query(s) {
        Ok(portwarden_kb::Query::Port { port, protocol }) => {
            let transport = match protocol {
                None | Some(portwarden_kb::Protocol::Tcp) => portwarden_sockets::Transport::Tcp,
                Some(portwarden_kb::Protocol::Udp) => portwarden_sockets::Transport::Udp,
                Some(p) => {
                    return Err(format!(
                        "{s:?}: portwarden can close tcp and udp ports, not {p}"
                    ))
                }
            };
            if port == 0 {
                return Err("port 0 cannot be listened on or closed".into());
            }
            Ok(PortTarget { port, transport })
        }
        Ok(_) => Err(format!("{s:?} is not a port (write 8080 or 53/udp)")),
        Err(e) => Err(e.to_string()),
    }
}

/// How `close` closes.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum HowArg {
    /// SIGTERM the owning processes, SIGKILL after --timeout.
    Kill,
    /// Stop and disable the owning systemd service.
    Service,
    /// Drop inbound traffic in portwarden's own nftables table (inet portwarden).
    Firewall,
    /// Destroy live connections (SOCK_DESTROY), keep the listener.
    Connections,
}

/// `portwarden close`.
#[derive(Debug, Args)]
pub struct CloseArgs {
    /// The port: 8080 or 53/udp.
    #[arg(value_parser = parse_target, allow_negative_numbers = true)]
    pub target: PortTarget,
    /// How to close it (default: firewall; without nft, close refuses and asks for this).
    #[arg(long, value_enum)]
    pub how: Option<HowArg>,
    /// Show the plan and change nothing.
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Do it without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Override refusals that may be overridden (the SSH port you are connected through).
    #[arg(long)]
    pub force: bool,
    /// The owning pids, named explicitly (required when several processes share the port).
    #[arg(long, value_delimiter = ',', value_name = "PID")]
    pub pid: Vec<u32>,
    /// With --how firewall: also write the rule where nftables loads it at boot.
    #[arg(long)]
    pub persist: bool,
    /// With --how firewall: reject (RST / ICMP unreachable) instead of silently dropping.
    #[arg(long)]
    pub reject: bool,
    /// With --how kill: seconds to wait after SIGTERM before SIGKILL.
    #[arg(long, default_value = "5", value_parser = parse_seconds)]
    pub timeout: f64,
    /// Print the plan and outcome as JSON.
    #[arg(long)]
    pub json: bool,
    /// Presentation.
    #[command(flatten)]
    pub style: StyleArgs,
}

/// `portwarden open`.
#[derive(Debug, Args)]
pub struct OpenArgs {
    /// The port: 8080 or 53/udp.
    #[arg(value_parser = parse_target, allow_negative_numbers = true)]
    pub target: PortTarget,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Presentation.
    #[command(flatten)]
    pub style: StyleArgs,
}

/// `portwarden actions`.
#[derive(Debug, Args)]
pub struct ActionsArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Presentation.
    #[command(flatten)]
    pub style: StyleArgs,
}
