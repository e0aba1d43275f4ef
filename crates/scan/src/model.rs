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

/// Raw bytes a service sent. Untrusted: renderers must sanitise. Serialises as a string
/// that is always valid text: the bytes themselves when they are UTF-8, otherwise a
/// printable preview with every byte outside printable ASCII written `\xNN` (see
/// [`Banner::preview`]); [`PortResult`] then adds `banner_base64` with the exact bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Banner(pub Vec<u8>);

impl Banner {
    /// Whether the bytes are valid UTF-8 text.
    pub fn is_text(&self) -> bool {
        std::str::from_utf8(&self.0).is_ok()
    }

    /// The bytes as text when UTF-8; otherwise printable ASCII kept, `\` doubled, and every
    /// other byte as `\xNN`.
    pub fn preview(&self) -> String {
        if let Ok(s) = std::str::from_utf8(&self.0) {
            return s.to_string();
        }
        let mut out = String::with_capacity(self.0.len() * 2);
        for &b in &self.0 {
            match b {
                b'\\' => out.push_str("\\\\"),
                0x20..=0x7e | b'\n' | b'\r' | b'\t' => out.push(char::from(b)),
                _ => out.push_str(&format!("\\x{b:02x}")),
            }
        }
        out
    }

    /// The exact bytes in standard base64, for banners that are not UTF-8.
    pub fn base64(&self) -> Option<String> {
        (!self.is_text()).then(|| base64_encode(&self.0))
    }
}

fn base64_encode(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

impl Serialize for Banner {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.preview())
    }
}

fn ser_banner<S: Serializer>(b: &Option<Banner>, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let b64 = b.as_ref().and_then(Banner::base64);
    let mut m = s.serialize_map(Some(1 + usize::from(b64.is_some())))?;
    m.serialize_entry("banner", b)?;
    if let Some(v) = b64 {
        m.serialize_entry("banner_base64", &v)?;
    }
    m.end()
}

/// What a TLS handshake showed: the certificate and the session.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct TlsInfo {
    /// Negotiated protocol version (`TLSv1.3`, `TLSv1.2`, …).
    pub version: Option<String>,
    /// Negotiated cipher suite.
    pub cipher: Option<String>,
    /// ALPN protocol the server chose.
    pub alpn: Option<String>,
    /// Certificate subject (RFC 4514 form). Untrusted text.
    pub subject: Option<String>,
    /// Certificate issuer. Untrusted text.
    pub issuer: Option<String>,
    /// Subject alternative names (DNS names and addresses).
    pub san: Vec<String>,
    /// Start of validity (RFC 3339).
    pub not_before: Option<String>,
    /// End of validity (RFC 3339).
    pub not_after: Option<String>,
    /// The certificate's end of validity has passed.
    pub expired: bool,
    /// Issuer equals subject: nobody vouches for the key.
    pub self_signed: bool,
    /// Oldest protocol version the server also accepted, when older than TLS 1.2
    /// (`TLSv1.0`, `TLSv1.1`).
    pub legacy_version: Option<String>,
}

/// What identification concluded about an open port.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Identified {
    /// Service name, as nmap names it (`ssh`, `http`, `smtp`, `domain`, `snmp`, …); with
    /// [`Identified::tunnel`] `ssl`, the protocol inside TLS.
    pub name: &'static str,
    /// Product name (`OpenSSH`, `nginx`), from a fingerprint or a probe. Untrusted text.
    pub product: Option<String>,
    /// Product version. Untrusted text.
    pub version: Option<String>,
    /// Vendor. Untrusted text.
    pub vendor: Option<String>,
    /// Further details (nmap's `extrainfo`: protocol version, OS, …). Untrusted text.
    pub extrainfo: Option<String>,
    /// CPE names (`cpe:/a:openbsd:openssh:9.2p1`), service first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cpe: Vec<String>,
    /// `ssl` when the service speaks inside TLS.
    pub tunnel: Option<&'static str>,
    /// What the TLS handshake showed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsInfo>,
    /// Confidence, 0-10 as nmap's `conf`: 10 when a protocol answer proves the service.
    pub conf: u8,
    /// Which probe got the answer (`null`, `http`, `tls`, `dns`, …).
    pub probe: &'static str,
    /// True when the knowledge base says the port is for something else: a service on a
    /// port that is not its own.
    pub off_port: bool,
    /// The port the identified service normally uses, if it has one.
    pub usual_port: Option<u16>,
}

impl Identified {
    /// A service recognised by `probe` with full confidence and nothing else known yet.
    pub fn new(name: &'static str, probe: &'static str) -> Identified {
        Identified {
            name,
            probe,
            conf: 10,
            ..Identified::default()
        }
    }

    /// `product version (extrainfo)`, as nmap's version column, when anything is known.
    pub fn version_line(&self) -> Option<String> {
        let mut parts: Vec<String> = [self.product.as_deref(), self.version.as_deref()]
            .into_iter()
            .flatten()
            .map(str::to_string)
            .collect();
        if let Some(x) = &self.extrainfo {
            parts.push(format!("({x})"));
        }
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// How serious a [`ServiceFinding`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Weakens security.
    Low,
    /// Exposes data or allows abuse.
    Medium,
    /// Lets anyone in.
    High,
}

/// Something a probe proved about a service: an open door rather than a guess from the
/// port number. `id` is stable (for `audit` and scripts); `detail` is for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceFinding {
    /// Stable identifier: `ftp-anonymous`, `redis-no-auth`, `memcached-udp`,
    /// `snmp-public`, `mqtt-anonymous`, `ftp-anonymous`, `tls-cert-expired`, `tls-cert-self-signed`,
    /// `tls-legacy-version`, `smb-signing-not-required`, `cleartext-login`.
    pub id: &'static str,
    /// How serious.
    pub severity: Severity,
    /// One line for people (may hold service text: sanitise before display).
    pub detail: String,
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
    /// What the service said first (or in answer to a probe). Serialised as `banner` (text
    /// or escaped preview) plus `banner_base64` when the bytes are not UTF-8.
    #[serde(flatten, serialize_with = "ser_banner")]
    pub banner: Option<Banner>,
    /// What identification concluded.
    pub identified: Option<Identified>,
    /// What probes proved about the service (anonymous access, weak TLS, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<ServiceFinding>,
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
            findings: Vec::new(),
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
    /// Keeps only this host's open ports (`--open`).
    pub fn retain_open(&mut self) {
        self.ports.retain(|p| p.state == PortState::Open);
        self.stats = self.stats.open_only();
        for part in &mut self.parts {
            part.stats = part.stats.open_only();
        }
    }

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
    /// The part of a split scan this report holds (`--shard I/N`); `None` for a whole scan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::perm::Shard>,
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

    /// Keeps only open ports, and only the hosts that have one (nmap's `--open`); the
    /// other ports stay counted as not shown.
    pub fn retain_open(&mut self) {
        self.hosts.retain(|h| h.stats.open > 0);
        for h in &mut self.hosts {
            h.retain_open();
        }
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
    /// The counters once only open ports are listed (`--open`): every other port is
    /// counted as not shown.
    pub fn open_only(mut self) -> HostStats {
        self.closed_not_shown = self.closed;
        self.filtered_not_shown = self.filtered;
        self.open_filtered_not_shown = self.open_filtered;
        self
    }

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
    fn binary_banners_serialise_as_valid_text_plus_base64() {
        let mut p = PortResult::new(443, Reason::SynAck, None);
        p.banner = Some(Banner(vec![0x16, 0x03, 0x01, b'\\', b'a', 0xff]));
        let v = serde_json::to_value(&p).unwrap_or_default();
        assert_eq!(v["banner"], "\\x16\\x03\\x01\\\\a\\xff");
        assert_eq!(v["banner_base64"], "FgMBXGH/");
        p.banner = Some(Banner(b"SSH-2.0-x\r\n".to_vec()));
        let v = serde_json::to_value(&p).unwrap_or_default();
        assert_eq!(v["banner"], "SSH-2.0-x\r\n");
        assert!(v.get("banner_base64").is_none());
        p.banner = None;
        let v = serde_json::to_value(&p).unwrap_or_default();
        assert!(v["banner"].is_null() && v.get("banner_base64").is_none());
        for (data, b64) in [
            (&b""[..], ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
        ] {
            assert_eq!(base64_encode(data), b64);
        }
    }

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
            shard: None,
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
