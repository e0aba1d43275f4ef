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
}

impl HostResult {
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
}
