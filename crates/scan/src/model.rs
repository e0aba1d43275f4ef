//! Plain result data of a scan. Renderers (`portwarden_report::scan`) draw these; nothing
//! here does I/O. Banners are kept as the raw bytes the service sent.

use portwarden_kb::{Protocol, Risk, SecurityEntry};
use serde::{Serialize, Serializer};
use std::net::IpAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A wall-clock instant, stored as milliseconds since the Unix epoch.
/// Serialises as an RFC 3339 UTC string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// The current time.
    pub fn now() -> Timestamp {
        Timestamp::from(SystemTime::now())
    }

    /// Whole seconds since the epoch.
    pub fn unix_secs(&self) -> u64 {
        self.0 / 1000
    }

    fn civil(&self) -> (i64, u32, u32, u64, u64, u64, u64) {
        // Howard Hinnant's days-to-civil.
        let secs = self.unix_secs();
        let days = (secs / 86400) as i64;
        let rem = secs % 86400;
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = yoe + era * 400 + i64::from(m <= 2);
        let weekday = ((days % 7 + 7 + 4) % 7) as u64; // 1970-01-01 was a Thursday
        (y, m, d, rem / 3600, rem % 3600 / 60, rem % 60, weekday)
    }

    /// `2025-11-23T08:15:02Z`.
    pub fn rfc3339(&self) -> String {
        let (y, m, d, hh, mm, ss, _) = self.civil();
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
    }

    /// `Sun Nov 23 08:15:02 2025` (UTC), the form of nmap's `startstr`.
    pub fn ctime(&self) -> String {
        const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let (y, m, d, hh, mm, ss, wd) = self.civil();
        let mon = MONTHS
            .get((m as usize).wrapping_sub(1))
            .copied()
            .unwrap_or("???");
        let day = DAYS.get(wd as usize).copied().unwrap_or("???");
        format!("{day} {mon} {d:2} {hh:02}:{mm:02}:{ss:02} {y}")
    }
}

impl From<SystemTime> for Timestamp {
    fn from(t: SystemTime) -> Self {
        Timestamp(
            t.duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0),
        )
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.rfc3339())
    }
}

fn ser_duration_secs<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

fn ser_opt_duration_us<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_u64(d.as_micros() as u64),
        None => s.serialize_none(),
    }
}

/// State of a scanned port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PortState {
    /// The connection was accepted (TCP) or the service answered (UDP).
    Open,
    /// The connection was refused (RST), or ICMP port unreachable (UDP).
    Closed,
    /// No answer, or an ICMP error: something in between drops or rejects probes.
    Filtered,
    /// UDP without any answer: an open service that ignored the probe, or a filter.
    #[serde(rename = "open|filtered")]
    OpenFiltered,
}

impl PortState {
    /// Lower-case name, as nmap prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            PortState::Open => "open",
            PortState::Closed => "closed",
            PortState::Filtered => "filtered",
            PortState::OpenFiltered => "open|filtered",
        }
    }
}

/// Why a port got its state (nmap's `reason` vocabulary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// The handshake completed.
    SynAck,
    /// ECONNREFUSED.
    ConnRefused,
    /// The connection turned out to be to ourselves (Linux self-connect).
    SelfConnect,
    /// No answer before the timeout, after every retry.
    NoResponse,
    /// EHOSTUNREACH.
    HostUnreach,
    /// ENETUNREACH.
    NetUnreach,
    /// EACCES/EPERM (a local or remote filter said no).
    AdminProhibited,
    /// Some other error.
    Error,
    /// A RST answered a SYN probe.
    Reset,
    /// ICMP port unreachable answered a UDP probe.
    PortUnreach,
    /// ICMP protocol unreachable.
    ProtoUnreach,
    /// A UDP reply came back.
    UdpResponse,
    /// EADDRNOTAVAIL while nothing of ours held local ports: this machine has no usable
    /// source address for the target (IPv6 disabled, an address family it lacks).
    AddrNotAvail,
}

impl Reason {
    /// Kebab-case name, as nmap prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::SynAck => "syn-ack",
            Reason::ConnRefused => "conn-refused",
            Reason::SelfConnect => "self-connect",
            Reason::NoResponse => "no-response",
            Reason::HostUnreach => "host-unreach",
            Reason::NetUnreach => "net-unreach",
            Reason::AdminProhibited => "admin-prohibited",
            Reason::Error => "error",
            Reason::Reset => "reset",
            Reason::PortUnreach => "port-unreach",
            Reason::ProtoUnreach => "proto-unreach",
            Reason::UdpResponse => "udp-response",
            Reason::AddrNotAvail => "addr-not-avail",
        }
    }

    /// The state a reason implies.
    pub fn state(self) -> PortState {
        match self {
            Reason::SynAck | Reason::UdpResponse => PortState::Open,
            Reason::ConnRefused | Reason::SelfConnect | Reason::Reset | Reason::PortUnreach => {
                PortState::Closed
            }
            _ => PortState::Filtered,
        }
    }

    /// The state a reason implies for `protocol`: silence means open|filtered for UDP.
    pub fn state_for(self, protocol: Protocol) -> PortState {
        match (self, protocol) {
            (Reason::NoResponse, Protocol::Udp) => PortState::OpenFiltered,
            _ => self.state(),
        }
    }
}

/// Raw bytes a service sent. Untrusted: renderers must sanitise. Serialises as a
/// (lossily decoded) UTF-8 string.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Banner(pub Vec<u8>);

impl Serialize for Banner {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&String::from_utf8_lossy(&self.0))
    }
}

/// What service identification concluded about an open port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identified {
    /// Service name (`ssh`, `http`, `tls`, `smtp`, `ftp`, `pop3`, `imap`, `redis`,
    /// `mysql`, `vnc`).
    pub name: &'static str,
    /// Product/version text the service announced (untrusted; sanitise before display).
    pub product: Option<String>,
    /// Which probe got the answer (`null`, `http`, `redis`, `tls`).
    pub probe: &'static str,
    /// True when the knowledge base says the port is for something else: a service on a
    /// port that is not its own.
    pub off_port: bool,
    /// The port the identified service normally uses, if it has one.
    pub usual_port: Option<u16>,
}

/// One port's result.
#[derive(Debug, Clone, Serialize)]
pub struct PortResult {
    /// Port number.
    pub port: u16,
    /// Transport protocol.
    pub protocol: Protocol,
    /// State.
    pub state: PortState,
    /// Why.
    pub reason: Reason,
    /// Round trip of the deciding probe.
    #[serde(serialize_with = "ser_opt_duration_us", rename = "rtt_us")]
    pub rtt: Option<Duration>,
    /// What the knowledge base says the port is for.
    pub service: Option<&'static str>,
    /// The curated knowledge-base entry (advice, title) for the port.
    #[serde(skip)]
    pub entry: Option<&'static SecurityEntry>,
    /// Whether the suspicious-ports list names the port.
    pub suspicious: bool,
    /// What the service said first (or in answer to a probe).
    pub banner: Option<Banner>,
    /// What identification concluded.
    pub identified: Option<Identified>,
    /// Risk: the curated risk of the port, raised to that of the identified service.
    pub risk: Option<Risk>,
}

impl PortResult {
    /// A result annotated from the knowledge base.
    pub fn new(port: u16, reason: Reason, rtt: Option<Duration>) -> PortResult {
        PortResult::with_protocol(Protocol::Tcp, port, reason, rtt)
    }

    /// A result for `protocol` annotated from the knowledge base.
    pub fn with_protocol(
        protocol: Protocol,
        port: u16,
        reason: Reason,
        rtt: Option<Duration>,
    ) -> PortResult {
        let a = portwarden_kb::annotate(protocol, port);
        PortResult {
            port,
            protocol,
            state: reason.state_for(protocol),
            reason,
            rtt,
            service: a.name(),
            entry: a.entry,
            suspicious: a.suspicious,
            banner: None,
            identified: None,
            risk: a.risk(),
        }
    }
}

/// Whether a host answered at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HostStatus {
    /// Some port answered (open or closed).
    Up,
    /// Nothing answered.
    Down,
}

/// Per-host counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct HostStats {
    /// Open ports.
    pub open: u32,
    /// Closed ports.
    pub closed: u32,
    /// Filtered ports.
    pub filtered: u32,
    /// Closed ports not listed in `ports` ("Not shown").
    pub closed_not_shown: u32,
    /// Filtered ports not listed in `ports`.
    pub filtered_not_shown: u32,
    /// Open|filtered ports (UDP).
    pub open_filtered: u32,
    /// Open|filtered ports not listed in `ports`.
    pub open_filtered_not_shown: u32,
    /// Probes sent, retries included.
    pub probes: u64,
    /// Retries among them.
    pub retries: u64,
    /// Smoothed round trip at the end, in microseconds.
    pub srtt_us: Option<u64>,
    /// Fastest round trip seen, in microseconds (the latency shown to people).
    #[serde(default)]
    pub min_rtt_us: Option<u64>,
    /// Why most filtered ports are filtered, when it is not silence (`no-response`):
    /// a local error such as `addr-not-avail` or `net-unreach`. Names the reason of the
    /// ports "not shown".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filtered_reason: Option<Reason>,
}

/// One host's result.
#[derive(Debug, Clone, Serialize)]
pub struct HostResult {
    /// The target as typed.
    pub target: String,
    /// The address scanned.
    pub addr: IpAddr,
    /// Host name, when the target was a name.
    pub hostname: Option<String>,
    /// Every address the name resolved to (the first IPv4, or IPv6 with `-6`, is scanned).
    pub resolved: Vec<IpAddr>,
    /// Up or down.
    pub status: HostStatus,
    /// Listed ports: every open port, plus closed/filtered ones when few or asked for.
    pub ports: Vec<PortResult>,
    /// Counters.
    pub stats: HostStats,
    /// In a combined run (`-sS -sU`), each scan's own counters, in scan order; empty
    /// otherwise (then `stats` belongs to the report's one protocol).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<ProtocolStats>,
}

/// One scan's counters for one host of a combined run.
#[derive(Debug, Clone, Serialize)]
pub struct ProtocolStats {
    /// Scan type (`syn`, `udp`, `connect`).
    pub scan_type: &'static str,
    /// Protocol it scanned.
    pub protocol: Protocol,
    /// Its counters.
    pub stats: HostStats,
}

/// Ports of one state and protocol left out of a host's listing ("Not shown").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hidden {
    /// Their state (closed, filtered or open|filtered).
    pub state: PortState,
    /// Their protocol.
    pub protocol: Protocol,
    /// How many.
    pub count: u32,
    /// Why they are in that state (nmap's reason word).
    pub reason: &'static str,
}

/// One scan of a report: what nmap's `scaninfo` element says.
#[derive(Debug, Clone, Serialize)]
pub struct ScanInfo {
    /// Scan type (`syn`, `udp`, `connect`).
    pub scan_type: &'static str,
    /// Protocol scanned.
    pub protocol: Protocol,
    /// Ports scanned, compressed.
    pub ports: String,
    /// How many ports per host.
    pub count: u64,
}

impl HostResult {
    /// The ports left out of the listing, by state and protocol; `scan_type` and
    /// `protocol` are the report's, for a host of a single scan.
    pub fn hidden(&self, scan_type: &'static str, protocol: Protocol) -> Vec<Hidden> {
        let parts = if self.parts.is_empty() {
            vec![ProtocolStats {
                scan_type,
                protocol,
                stats: self.stats,
            }]
        } else {
            self.parts.clone()
        };
        let mut out = Vec::new();
        for part in parts {
            let closed_why = match part.scan_type {
                "syn" => "reset",
                "udp" => "port-unreach",
                _ => "conn-refused",
            };
            for (count, state, reason) in [
                (part.stats.closed_not_shown, PortState::Closed, closed_why),
                (
                    part.stats.filtered_not_shown,
                    PortState::Filtered,
                    part.stats
                        .filtered_reason
                        .map_or("no-response", Reason::as_str),
                ),
                (
                    part.stats.open_filtered_not_shown,
                    PortState::OpenFiltered,
                    "no-response",
                ),
            ] {
                if count > 0 {
                    out.push(Hidden {
                        state,
                        protocol: part.protocol,
                        count,
                        reason,
                    });
                }
            }
        }
        out
    }

    /// Open ports only.
    pub fn open(&self) -> impl Iterator<Item = &PortResult> {
        self.ports.iter().filter(|p| p.state == PortState::Open)
    }
}

/// Whole-scan counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ScanStats {
    /// Hosts scanned.
    pub hosts: u64,
    /// Hosts up.
    pub hosts_up: u64,
    /// Ports per host.
    pub ports_per_host: u64,
    /// Probes sent, retries included.
    pub probes: u64,
    /// Retries.
    pub retries: u64,
    /// Open ports found.
    pub open: u64,
    /// Times the system ran out of sockets or local ports (probe re-queued).
    pub resource_errors: u64,
    /// Largest in-flight window reached.
    pub max_window: u64,
    /// Window the scan started with.
    pub initial_window: u64,
    /// Open ports left unidentified because no file descriptor came free for the
    /// identification connections (raise `ulimit -n`).
    pub ident_lost: u64,
}

/// The whole scan.
#[derive(Debug, Clone, Serialize)]
pub struct ScanReport {
    /// Name and version of the scanner.
    pub scanner: String,
    /// The command line (for `nmaprun args`).
    pub args: String,
    /// Scan type (`connect`, `syn`, `udp`).
    pub scan_type: &'static str,
    /// Transport protocol scanned.
    pub protocol: Protocol,
    /// Ports scanned, compressed (`1-1000,8080`).
    pub ports: String,
    /// When the scan began.
    pub started: Timestamp,
    /// When it ended.
    pub finished: Timestamp,
    /// How long it took, in seconds.
    #[serde(serialize_with = "ser_duration_secs")]
    pub elapsed: Duration,
    /// Whether the user interrupted it (results are partial).
    pub interrupted: bool,
    /// Hosts, in target order.
    pub hosts: Vec<HostResult>,
    /// Counters.
    pub stats: ScanStats,
    /// In a combined run (`-sS -sU`), every scan in order; empty for a single scan (whose
    /// type, protocol and ports are the fields above).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scans: Vec<ScanInfo>,
}

impl ScanReport {
    /// The scans of this report, also for a single scan.
    pub fn scan_infos(&self) -> Vec<ScanInfo> {
        if !self.scans.is_empty() {
            return self.scans.clone();
        }
        vec![ScanInfo {
            scan_type: self.scan_type,
            protocol: self.protocol,
            ports: self.ports.clone(),
            count: self.stats.ports_per_host,
        }]
    }

    /// The ports of host `h` left out of its listing, by state and protocol.
    pub fn hidden(&self, h: &HostResult) -> Vec<Hidden> {
        h.hidden(self.scan_type, self.protocol)
    }

    /// Joins the report of a second scan of the same targets (`-sS` then `-sU`) into one,
    /// as nmap reports a combined run: each host lists the ports of both, its counters are
    /// the sums, and `parts`/`scans` keep each scan's own.
    pub fn merge(mut self, other: ScanReport) -> ScanReport {
        let mut scans = self.scan_infos();
        scans.extend(other.scan_infos());
        let first = (self.scan_type, self.protocol);
        // Both scans walked the same targets in the same order: pair hosts by position
        // (a target may be listed twice), checking that they are the same.
        for (i, mut b) in other.hosts.into_iter().enumerate() {
            let found = self
                .hosts
                .get_mut(i)
                .filter(|a| a.addr == b.addr && a.target == b.target);
            match found {
                Some(a) => {
                    if a.parts.is_empty() {
                        a.parts.push(ProtocolStats {
                            scan_type: first.0,
                            protocol: first.1,
                            stats: a.stats,
                        });
                    }
                    a.parts.push(ProtocolStats {
                        scan_type: other.scan_type,
                        protocol: other.protocol,
                        stats: b.stats,
                    });
                    a.stats = a.stats.plus(&b.stats);
                    a.ports.append(&mut b.ports);
                    a.ports.sort_by_key(|p| (p.port, p.protocol));
                    if b.status == HostStatus::Up {
                        a.status = HostStatus::Up;
                    }
                }
                None => {
                    b.parts = vec![ProtocolStats {
                        scan_type: other.scan_type,
                        protocol: other.protocol,
                        stats: b.stats,
                    }];
                    self.hosts.push(b);
                }
            }
        }
        self.scans = scans;
        self.finished = other.finished;
        self.elapsed += other.elapsed;
        self.interrupted |= other.interrupted;
        let s = &mut self.stats;
        s.ports_per_host += other.stats.ports_per_host;
        s.probes += other.stats.probes;
        s.retries += other.stats.retries;
        s.resource_errors += other.stats.resource_errors;
        s.ident_lost += other.stats.ident_lost;
        s.max_window = s.max_window.max(other.stats.max_window);
        s.hosts = self.hosts.len() as u64;
        s.hosts_up = self
            .hosts
            .iter()
            .filter(|h| h.status == HostStatus::Up)
            .count() as u64;
        s.open = self.hosts.iter().map(|h| u64::from(h.stats.open)).sum();
        self
    }
}

impl HostStats {
    /// The counters of two scans of one host, added up.
    pub fn plus(&self, o: &HostStats) -> HostStats {
        HostStats {
            open: self.open + o.open,
            closed: self.closed + o.closed,
            filtered: self.filtered + o.filtered,
            closed_not_shown: self.closed_not_shown + o.closed_not_shown,
            filtered_not_shown: self.filtered_not_shown + o.filtered_not_shown,
            open_filtered: self.open_filtered + o.open_filtered,
            open_filtered_not_shown: self.open_filtered_not_shown + o.open_filtered_not_shown,
            probes: self.probes + o.probes,
            retries: self.retries + o.retries,
            srtt_us: self.srtt_us.or(o.srtt_us),
            min_rtt_us: match (self.min_rtt_us, o.min_rtt_us) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
            filtered_reason: self.filtered_reason.or(o.filtered_reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        let t = Timestamp(1_700_000_000_000);
        assert_eq!(t.rfc3339(), "2023-11-14T22:13:20Z");
        assert_eq!(t.ctime(), "Tue Nov 14 22:13:20 2023");
        assert_eq!(Timestamp(0).rfc3339(), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn reasons_map_to_states() {
        assert_eq!(Reason::SelfConnect.state(), PortState::Closed);
        assert_eq!(Reason::ConnRefused.state(), PortState::Closed);
        assert_eq!(Reason::SynAck.state(), PortState::Open);
        assert_eq!(Reason::HostUnreach.state(), PortState::Filtered);
    }

    fn one(scan_type: &'static str, protocol: Protocol, closed: u32, open: &[u16]) -> ScanReport {
        let ports = open
            .iter()
            .map(|&p| PortResult::with_protocol(protocol, p, Reason::SynAck, None))
            .collect();
        let stats = HostStats {
            open: open.len() as u32,
            closed,
            closed_not_shown: closed,
            probes: u64::from(closed) + open.len() as u64,
            ..HostStats::default()
        };
        ScanReport {
            scanner: "portwarden test".into(),
            args: String::new(),
            scan_type,
            protocol,
            ports: "1-10".into(),
            started: Timestamp(0),
            finished: Timestamp(1000),
            elapsed: Duration::from_secs(1),
            interrupted: false,
            hosts: vec![HostResult {
                target: "127.0.0.1".into(),
                addr: "127.0.0.1".parse().unwrap_or(IpAddr::from([127, 0, 0, 1])),
                hostname: None,
                resolved: Vec::new(),
                status: HostStatus::Up,
                ports,
                stats,
                parts: Vec::new(),
            }],
            stats: ScanStats {
                hosts: 1,
                hosts_up: 1,
                ports_per_host: 10,
                open: open.len() as u64,
                ..ScanStats::default()
            },
            scans: Vec::new(),
        }
    }

    #[test]
    fn merged_reports_keep_each_scans_counts() {
        let tcp = one("syn", Protocol::Tcp, 8, &[22, 80]);
        assert_eq!(tcp.hidden(&tcp.hosts[0]).len(), 1);
        let m = tcp.merge(one("udp", Protocol::Udp, 9, &[53]));
        let h = &m.hosts[0];
        let ports: Vec<(u16, Protocol)> = h.ports.iter().map(|p| (p.port, p.protocol)).collect();
        assert_eq!(
            ports,
            [
                (22, Protocol::Tcp),
                (53, Protocol::Udp),
                (80, Protocol::Tcp)
            ]
        );
        assert_eq!((h.stats.open, h.stats.closed), (3, 17));
        let hidden = m.hidden(h);
        assert_eq!(
            hidden
                .iter()
                .map(|x| (x.protocol, x.count, x.reason))
                .collect::<Vec<_>>(),
            [
                (Protocol::Tcp, 8, "reset"),
                (Protocol::Udp, 9, "port-unreach")
            ]
        );
        let infos: Vec<&str> = m.scan_infos().iter().map(|i| i.scan_type).collect();
        assert_eq!(infos, ["syn", "udp"]);
        assert_eq!((m.stats.open, m.stats.ports_per_host), (3, 20));
        assert_eq!(m.elapsed, Duration::from_secs(2));
        // A target listed twice: each UDP result joins its own TCP host.
        let mut tcp = one("syn", Protocol::Tcp, 8, &[22]);
        tcp.hosts.push(tcp.hosts[0].clone());
        let mut udp = one("udp", Protocol::Udp, 9, &[53]);
        udp.hosts.push(udp.hosts[0].clone());
        let m = tcp.merge(udp);
        assert_eq!(m.hosts.len(), 2);
        assert!(m
            .hosts
            .iter()
            .all(|h| h.parts.len() == 2 && h.ports.len() == 2));
    }
}
