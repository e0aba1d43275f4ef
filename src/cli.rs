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
    /// Watch this host: listeners that appear or go, and scans against it (JSON lines;
    /// --block to block scanners for a while).
    Watch(crate::watch::WatchArgs),
    /// Lift a block that `watch --block` put on an address.
    Unblock(crate::watch::UnblockArgs),
    /// Saved snapshots of audit, ls and scan; --keep prunes them.
    History(crate::history::HistoryArgs),
    /// What changed between two snapshots or two nmap XML files: + new, - gone,
    /// ~ changed. Exit 0 same, 1 different, 2 error (as ndiff).
    Diff(crate::history::DiffArgs),
    /// Accept known and wanted ports or findings, so `audit --baseline` reports only
    /// what is new.
    Baseline(crate::history::BaselineArgs),
    /// A self-contained HTML report (findings, listeners, scans, changes, actions) to
    /// hand to someone or keep: `report --html FILE`.
    Report(crate::report_cmd::ReportArgs),
    /// Questions about every host saving into one store: `fleet listeners --product
    /// redis`, `fleet changes --since 7d`, `fleet hosts` (by risk).
    Fleet(crate::fleet::FleetArgs),
    /// The history store: `store info`, `store flush --spool DIR`.
    Store(crate::fleet::StoreCmdArgs),
    /// A live, full-screen table of sockets (like TCPView) that knows what each port
    /// means and can close it: new rows green, gone rows red, changed yellow.
    Top(crate::top::TopArgs),
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
        Ok(_) => Err(crate::ui::say(&portwarden_i18n::msg!(
            "cli-arg-is-not-a-port-number",
            value = format!("{s:?}")
        ))),
        Err(e) => Err(crate::ui::say(&e.0)),
    }
}

fn parse_state(s: &str) -> Result<portwarden_sockets::SockState, String> {
    portwarden_sockets::SockState::parse(s).ok_or_else(|| {
        crate::ui::say(&portwarden_i18n::msg!(
            "cli-arg-unknown-state",
            value = format!("{s:?}"),
            valid = "listen, established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait, close-wait, last-ack, closing, unconn"
        ))
    })
}

fn parse_sort(s: &str) -> Result<portwarden_sockets::SortKey, String> {
    portwarden_sockets::SortKey::parse(s).ok_or_else(|| {
        crate::ui::say(&portwarden_i18n::msg!(
            "cli-arg-unknown-sort-key",
            value = format!("{s:?}"),
            valid = "local, port, remote, state, pid, process, risk"
        ))
    })
}

/// A duration in seconds, written as every command takes durations (`2s`, `500ms`, `1m`,
/// bare seconds), between 0.1 s and a day.
fn parse_seconds(s: &str) -> Result<f64, String> {
    crate::ui::parse_duration_within(s, 0.1, 86400.0).map(|d| d.as_secs_f64())
}

fn parse_risk(s: &str) -> Result<portwarden_kb::Risk, String> {
    portwarden_kb::Risk::parse(s).ok_or_else(|| {
        crate::ui::say(&portwarden_i18n::msg!(
            "cli-arg-unknown-level",
            value = format!("{s:?}"),
            valid = "info, low, medium, high, critical"
        ))
    })
}

fn parse_user(s: &str) -> Result<String, String> {
    let t = s.trim();
    if t.is_empty() || t.len() > 64 || t.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(crate::ui::say(&portwarden_i18n::msg!(
            "cli-arg-is-not-a-user-name-or",
            value = format!("{s:?}")
        )));
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
        Err(crate::ui::say(&portwarden_i18n::msg!(
            "cli-arg-is-not-a-namespace-name-as",
            value = format!("{s:?}")
        )))
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
    /// Print CSV. Cells a spreadsheet would run as formulas (starting with = + - @, tab or
    /// CR) get a leading ' (see --csv-raw).
    #[arg(long)]
    pub csv: bool,
    /// With --csv: leave cells exactly as they are (no ' before = + - @, tab or CR).
    #[arg(long, requires = "csv")]
    pub csv_raw: bool,
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
    /// Connect to this host's own listeners (over loopback or their own address) and let
    /// the scanner's identification prove what it can: Redis without a password,
    /// anonymous FTP, memcached over UDP, SNMP `public`, self-signed TLS… On by default
    /// when run as root.
    #[arg(long, conflicts_with = "no_probe")]
    pub probe: bool,
    /// Do not probe the listeners (the default when not root).
    #[arg(long)]
    pub no_probe: bool,
    /// Time for all probes together (500ms, 2s…; at most 60s).
    #[arg(long, value_name = "DURATION", default_value = "4s", value_parser = parse_probe_timeout)]
    pub probe_timeout: std::time::Duration,
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

fn parse_probe_timeout(s: &str) -> Result<std::time::Duration, String> {
    crate::ui::parse_duration_within(s, 0.0, 60.0)
}

/// A port with an optional protocol, as `close` and `open` take it.
#[derive(Debug, Clone, Copy)]
pub struct PortTarget {
    /// The port.
    pub port: u16,
    /// tcp (default) or udp.
    pub transport: portwarden_sockets::Transport,
}

/// Ports as `close` and `open` take them: one or more of `8080`, `53/udp`, `telnet`,
/// `snmp/udp`, separated by commas. Ranges are refused: closing a range is rarely meant.
#[derive(Debug, Clone)]
pub struct PortList(pub Vec<PortTarget>);

fn parse_targets(s: &str) -> Result<PortList, String> {
    if s.chars().count() > 1000 {
        return Err(crate::ui::say(&portwarden_i18n::msg!(
            "cli-port-the-port-list-is-longer-than",
            value = format!("{:?}", crate::ui::clip(s))
        )));
    }
    let mut out: Vec<PortTarget> = Vec::new();
    for item in s.split(',') {
        if item.trim().is_empty() {
            return Err(crate::ui::say(&portwarden_i18n::msg!(
                "cli-port-empty-item-in-the-port-list",
                value = format!("{:?}", crate::ui::clip(s))
            )));
        }
        let t = parse_target(item.trim())?;
        if !out
            .iter()
            .any(|o| o.port == t.port && o.transport == t.transport)
        {
            out.push(t);
        }
    }
    Ok(PortList(out))
}

/// A service name (`telnet`, `snmp/udp`) as the port the knowledge base gives it.
fn service_target(s: &str) -> Result<PortTarget, String> {
    let (name, proto) = match s.rsplit_once('/') {
        Some((n, "tcp")) => (n, Some(portwarden_sockets::Transport::Tcp)),
        Some((n, "udp")) => (n, Some(portwarden_sockets::Transport::Udp)),
        Some((_, p)) => {
            return Err(crate::ui::say(&portwarden_i18n::msg!(
                "cli-port-unknown-protocol-tcp-udp",
                value = format!("{:?}", crate::ui::clip(s)),
                protocol = format!("{:?}", crate::ui::clip(p))
            )))
        }
        None => (s, None),
    };
    let records = portwarden_kb::by_service(name);
    if records.is_empty() {
        return Err(crate::ui::say(&portwarden_i18n::msg!(
            "cli-port-is-neither-a-port-nor-a",
            value = format!("{:?}", crate::ui::clip(s))
        )));
    }
    let of = |t: portwarden_sockets::Transport| -> Vec<u16> {
        let mut v: Vec<u16> = records
            .iter()
            .filter(|r| r.protocol == Some(t.protocol()) && r.start.is_some() && r.start == r.end)
            .filter_map(|r| r.start)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let transport = match proto {
        Some(t) => t,
        None if !of(portwarden_sockets::Transport::Tcp).is_empty() => {
            portwarden_sockets::Transport::Tcp
        }
        None => portwarden_sockets::Transport::Udp,
    };
    match of(transport).as_slice() {
        [port] if *port != 0 => Ok(PortTarget {
            port: *port,
            transport,
        }),
        [] | [_] => Err(crate::ui::say(&portwarden_i18n::msg!(
            "cli-port-service-has-no-single-port-to",
            value = format!("{:?}", crate::ui::clip(name)),
            transport = transport.to_string()
        ))),
        many => {
            let list = many
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            Err(crate::ui::say(&portwarden_i18n::msg!(
                "cli-port-service-is-registered-on-several-ports",
                value = format!("{:?}", crate::ui::clip(name)),
                transport = transport.to_string(),
                list = list.to_string()
            )))
        }
    }
}

fn parse_target(s: &str) -> Result<PortTarget, String> {
    if s.starts_with(|c: char| c.is_ascii_alphabetic()) && !s.contains(|c: char| c.is_whitespace())
    {
        return service_target(s);
    }
    match portwarden_kb::parse_query(s) {
        Ok(portwarden_kb::Query::Port { port, protocol }) => {
            let transport = match protocol {
                None | Some(portwarden_kb::Protocol::Tcp) => portwarden_sockets::Transport::Tcp,
                Some(portwarden_kb::Protocol::Udp) => portwarden_sockets::Transport::Udp,
                Some(p) => {
                    return Err(crate::ui::say(&portwarden_i18n::msg!(
                        "cli-port-portwarden-can-close-tcp-and-udp",
                        value = format!("{s:?}"),
                        protocol = p.to_string()
                    )))
                }
            };
            if port == 0 {
                return Err(crate::ui::say(&portwarden_i18n::msg!(
                    "cli-port-port-0-cannot-be-listened-on"
                )));
            }
            Ok(PortTarget { port, transport })
        }
        Ok(portwarden_kb::Query::Range { .. }) => Err(crate::ui::say(&portwarden_i18n::msg!(
            "cli-port-ranges-cannot-be-closed-or-opened",
            value = format!("{:?}", crate::ui::clip(s))
        ))),
        Ok(_) => Err(crate::ui::say(&portwarden_i18n::msg!(
            "cli-port-is-not-a-port-write-8080",
            value = format!("{:?}", crate::ui::clip(s))
        ))),
        Err(e) => Err(crate::ui::say(&e.0)),
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
    /// The ports: 8080, 53/udp, a service name (telnet), or a list (80,443 or 22/tcp,53/udp).
    #[arg(value_parser = parse_targets, allow_negative_numbers = true, required = true, value_name = "PORTS")]
    pub targets: Vec<PortList>,
    /// How to close it (default: firewall; without nft, close refuses and asks for this).
    #[arg(long, value_enum)]
    pub how: Option<HowArg>,
    /// Show the plan and change nothing.
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Do it without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Override refusals that may be overridden: the SSH port you are connected through, a
    /// listener whose owner cannot be seen, a port held by a PID 1 that is not systemd.
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
    /// With --how kill: how long to wait after SIGTERM before SIGKILL (2s, 500ms, 1m, or
    /// seconds).
    #[arg(long, value_name = "TIME", default_value = "5s", value_parser = crate::ui::parse_duration)]
    pub timeout: std::time::Duration,
    /// Print the plan and outcome as JSON.
    #[arg(long)]
    pub json: bool,
    /// Where the journal is (`--store`, `--host-id`).
    #[command(flatten)]
    pub journal: crate::control::JournalArgs,
    /// Presentation.
    #[command(flatten)]
    pub style: StyleArgs,
}

/// `portwarden open`.
#[derive(Debug, Args)]
pub struct OpenArgs {
    /// The ports, as `close` takes them: 8080, 53/udp, telnet, 80,443.
    #[arg(value_parser = parse_targets, allow_negative_numbers = true, required = true, value_name = "PORTS")]
    pub targets: Vec<PortList>,
    /// Show what would be undone and change nothing.
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Where the journal is (`--store`, `--host-id`).
    #[command(flatten)]
    pub journal: crate::control::JournalArgs,
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
    /// Every host's actions in a shared (PostgreSQL) journal, with a host column;
    /// by default only this host's.
    #[arg(long)]
    pub all_hosts: bool,
    /// Where the journal is (`--store`, `--host-id`).
    #[command(flatten)]
    pub journal: crate::control::JournalArgs,
    /// Presentation.
    #[command(flatten)]
    pub style: StyleArgs,
}

/// Every target of a list of port lists, each once, in the order given.
pub fn flatten(lists: &[PortList]) -> Vec<PortTarget> {
    let mut out: Vec<PortTarget> = Vec::new();
    for t in lists.iter().flat_map(|l| l.0.iter()) {
        if !out
            .iter()
            .any(|o| o.port == t.port && o.transport == t.transport)
        {
            out.push(*t);
        }
    }
    out
}

#[cfg(test)]
mod port_tests {
    use super::*;
    use portwarden_sockets::Transport;

    fn ports(s: &str) -> Vec<(u16, Transport)> {
        parse_targets(s)
            .unwrap()
            .0
            .iter()
            .map(|t| (t.port, t.transport))
            .collect()
    }

    #[test]
    fn port_lists_names_and_protocols() {
        assert_eq!(
            ports("80,443"),
            [(80, Transport::Tcp), (443, Transport::Tcp)]
        );
        assert_eq!(
            ports("22/tcp,53/udp"),
            [(22, Transport::Tcp), (53, Transport::Udp)]
        );
        assert_eq!(ports("telnet"), [(23, Transport::Tcp)]);
        assert_eq!(ports("snmp/udp"), [(161, Transport::Udp)]);
        assert_eq!(ports("80,80,http"), [(80, Transport::Tcp)]);
    }

    #[test]
    fn bad_port_lists_get_one_line_each() {
        for (bad, says) in [
            ("1-100", "ranges cannot"),
            ("80,,443", "empty item"),
            ("0", "port 0"),
            ("70000", ""),
            ("telnte", "neither a port nor a known service"),
            ("telnet/sctp", "tcp, udp"),
            ("80/sctp", "tcp and udp"),
            (",", "empty item"),
        ] {
            let e = parse_targets(bad).unwrap_err();
            assert!(e.contains(says) && !e.contains('\n'), "{bad}: {e}");
        }
        let long = "x".repeat(5000);
        assert!(parse_targets(&long).unwrap_err().len() < 200);
    }
}
