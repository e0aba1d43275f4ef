//! Configuration of the simulated network (TOML or builder) and the ground truth derived from it.
//!
//! A [`Config`] lists simulated hosts with per-protocol port tables. Port tables are given as
//! explicit lists/ranges for `open`, `closed` and `filtered`, an optional "random N open ports
//! with seed S" generator, and a default state for every port not mentioned. [`Config::truth`]
//! resolves all of that into a [`Truth`], which both the responder and tests use.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::Ipv4Addr;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::rng::SplitMix64;
use crate::Error;

/// Network the simulated target hosts live in (`198.19.0.0/24`).
pub const TARGET_NET: Ipv4Addr = Ipv4Addr::new(198, 19, 0, 0);
/// Prefix length of [`TARGET_NET`].
pub const TARGET_PREFIX: u8 = 24;
/// Address of the scanner side of the veth pair.
pub const SCANNER_IP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
/// Prefix length configured on the scanner's veth (`198.18.0.0/15`).
pub const SCANNER_PREFIX: u8 = 15;

/// State of one simulated port, as the responder plays it and as the ground truth reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PortState {
    /// TCP: SYN-ACK (and a full handshake, optional banner). UDP: a reply datagram.
    Open,
    /// TCP: RST-ACK. UDP: ICMP port unreachable (rate-limited).
    Closed,
    /// No answer at all.
    Filtered,
}

impl fmt::Display for PortState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PortState::Open => "open",
            PortState::Closed => "closed",
            PortState::Filtered => "filtered",
        })
    }
}

/// One entry of a port list: a single port (`80`) or an inclusive range (`"8000-8010"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PortItem {
    /// A single port.
    Port(u16),
    /// A range `"a-b"` (inclusive) or a single port written as a string.
    Range(String),
}

impl PortItem {
    fn expand(&self) -> Result<std::ops::RangeInclusive<u16>, Error> {
        match self {
            PortItem::Port(p) => Ok(*p..=*p),
            PortItem::Range(s) => parse_port_range(s),
        }
    }
}

fn parse_port_range(s: &str) -> Result<std::ops::RangeInclusive<u16>, Error> {
    let bad = || Error::Config(format!("bad port or range {s:?} (want N or \"A-B\")"));
    let s = s.trim();
    let (a, b) = match s.split_once('-') {
        Some((a, b)) => (a.trim(), b.trim()),
        None => (s, s),
    };
    let a: u16 = a.parse().map_err(|_| bad())?;
    let b: u16 = b.parse().map_err(|_| bad())?;
    if a > b {
        return Err(bad());
    }
    Ok(a..=b)
}

/// "Pick `count` random ports out of `range` and make them open", deterministic per seed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomOpen {
    /// How many ports to open.
    pub count: u32,
    /// Seed; when absent, derived from the global seed and the host address.
    #[serde(default)]
    pub seed: Option<u64>,
    /// Range to pick from (`"1-65535"` when absent).
    #[serde(default)]
    pub range: Option<String>,
}

/// Port table of one protocol on one host (configuration form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortsConfig {
    /// State of every port not listed (default: closed).
    #[serde(default = "default_closed")]
    pub default: PortState,
    /// Open ports.
    #[serde(default)]
    pub open: Vec<PortItem>,
    /// Closed ports.
    #[serde(default)]
    pub closed: Vec<PortItem>,
    /// Filtered (silent) ports.
    #[serde(default)]
    pub filtered: Vec<PortItem>,
    /// Additional randomly chosen open ports (never overrides an explicitly listed port).
    #[serde(default)]
    pub random_open: Option<RandomOpen>,
    /// TCP: banner sent in the first data segment after the handshake, keyed by port
    /// (`"22" = "SSH-2.0-..."`). UDP: reply payload for open ports, keyed by port.
    #[serde(default)]
    pub payloads: BTreeMap<String, String>,
}

fn default_closed() -> PortState {
    PortState::Closed
}

impl Default for PortsConfig {
    fn default() -> Self {
        PortsConfig {
            default: PortState::Closed,
            open: Vec::new(),
            closed: Vec::new(),
            filtered: Vec::new(),
            random_open: None,
            payloads: BTreeMap::new(),
        }
    }
}

impl PortsConfig {
    /// A table where every port is in `state` unless listed otherwise.
    pub fn all(state: PortState) -> Self {
        PortsConfig {
            default: state,
            ..Default::default()
        }
    }

    /// Builder: adds open ports.
    pub fn open(mut self, ports: impl IntoIterator<Item = u16>) -> Self {
        self.open.extend(ports.into_iter().map(PortItem::Port));
        self
    }

    /// Builder: adds closed ports.
    pub fn closed(mut self, ports: impl IntoIterator<Item = u16>) -> Self {
        self.closed.extend(ports.into_iter().map(PortItem::Port));
        self
    }

    /// Builder: adds filtered ports.
    pub fn filtered(mut self, ports: impl IntoIterator<Item = u16>) -> Self {
        self.filtered.extend(ports.into_iter().map(PortItem::Port));
        self
    }

    /// Builder: adds `count` random open ports picked with `seed`.
    pub fn random_open(mut self, count: u32, seed: u64) -> Self {
        self.random_open = Some(RandomOpen {
            count,
            seed: Some(seed),
            range: None,
        });
        self
    }

    /// Builder: sets the banner (TCP) or reply payload (UDP) of `port`.
    pub fn payload(mut self, port: u16, text: &str) -> Self {
        self.payloads.insert(port.to_string(), text.to_string());
        self
    }

    fn resolve(&self, seed: u64) -> Result<PortTable, Error> {
        let mut overrides = HashMap::new();
        for (items, state) in [
            (&self.open, PortState::Open),
            (&self.closed, PortState::Closed),
            (&self.filtered, PortState::Filtered),
        ] {
            for item in items {
                for p in item.expand()? {
                    if let Some(prev) = overrides.insert(p, state) {
                        if prev != state {
                            return Err(Error::Config(format!(
                                "port {p} listed both as {prev} and {state}"
                            )));
                        }
                    }
                }
            }
        }
        if let Some(r) = &self.random_open {
            let range = match &r.range {
                Some(s) => parse_port_range(s)?,
                None => 1..=65535,
            };
            let mut candidates: Vec<u16> = range.filter(|p| !overrides.contains_key(p)).collect();
            if r.count as usize > candidates.len() {
                return Err(Error::Config(format!(
                    "random_open count {} exceeds the {} free ports in range",
                    r.count,
                    candidates.len()
                )));
            }
            let mut rng = SplitMix64::new(r.seed.unwrap_or(seed));
            // Partial Fisher-Yates: the first `count` entries become a uniform sample.
            for i in 0..r.count as usize {
                let j = i + rng.below((candidates.len() - i) as u64) as usize;
                candidates.swap(i, j);
                overrides.insert(candidates[i], PortState::Open);
            }
        }
        let mut payloads = HashMap::new();
        for (k, v) in &self.payloads {
            let port: u16 = k
                .trim()
                .parse()
                .map_err(|_| Error::Config(format!("bad payload port {k:?}")))?;
            payloads.insert(port, v.clone().into_bytes());
        }
        // Drop overrides equal to the default so the table stays minimal.
        overrides.retain(|_, s| *s != self.default);
        Ok(PortTable {
            default: self.default,
            overrides,
            payloads,
        })
    }
}

/// ICMP error rate limiting, modelled on Linux (`icmp_msgs_per_sec`/`icmp_msgs_burst` global
/// token bucket, plus the per-peer `icmp_ratelimit` with a burst of 6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IcmpLimit {
    /// Global ICMP error messages per second (0 = unlimited). Linux default: 1000.
    pub msgs_per_sec: u32,
    /// Global bucket size. Linux default: 50.
    pub msgs_burst: u32,
    /// Per-destination minimum interval in milliseconds (0 = disabled). Linux default: 1000.
    pub ratelimit_ms: u64,
    /// Per-destination burst. Linux: 6.
    pub ratelimit_burst: u32,
}

impl Default for IcmpLimit {
    fn default() -> Self {
        IcmpLimit {
            msgs_per_sec: 1000,
            msgs_burst: 50,
            ratelimit_ms: 1000,
            ratelimit_burst: 6,
        }
    }
}

impl IcmpLimit {
    /// No rate limiting at all.
    pub fn unlimited() -> Self {
        IcmpLimit {
            msgs_per_sec: 0,
            msgs_burst: 0,
            ratelimit_ms: 0,
            ratelimit_burst: 0,
        }
    }
}

/// One simulated host, or a block of identical hosts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostConfig {
    /// `"198.19.0.10"`, a range `"198.19.0.10-198.19.0.20"` or a CIDR `"198.19.0.0/24"`
    /// (network and broadcast addresses of a CIDR are skipped). Must lie in 198.19.0.0/24.
    pub ip: String,
    /// Whether the host answers ICMP echo (default true).
    #[serde(default = "default_true")]
    pub ping: bool,
    /// TCP port table.
    #[serde(default)]
    pub tcp: PortsConfig,
    /// UDP port table.
    #[serde(default)]
    pub udp: PortsConfig,
    /// This host's round-trip time in milliseconds, instead of the network's `rtt_ms`
    /// (a slow host among fast ones).
    #[serde(default)]
    pub rtt_ms: Option<f64>,
    /// This host's jitter in milliseconds, instead of the network's `jitter_ms`.
    #[serde(default)]
    pub jitter_ms: Option<f64>,
    /// This host's loss probability, instead of the network's `loss`.
    #[serde(default)]
    pub loss: Option<f64>,
}

/// How packets to and from one host travel: round trip, jitter (seconds), loss.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    /// Round-trip time added to every reply, in seconds.
    pub rtt: f64,
    /// Uniform jitter (+/-) around it, in seconds.
    pub jitter: f64,
    /// Probability that an incoming packet is dropped.
    pub loss: f64,
}

fn default_true() -> bool {
    true
}

impl HostConfig {
    /// A host (or block) with all TCP and UDP ports closed and ping enabled.
    pub fn new(ip: &str) -> Self {
        HostConfig {
            ip: ip.to_string(),
            ping: true,
            tcp: PortsConfig::default(),
            udp: PortsConfig::default(),
            rtt_ms: None,
            jitter_ms: None,
            loss: None,
        }
    }

    /// Builder: this host's own round trip, jitter and loss (a slow or lossy host).
    pub fn link(mut self, rtt: Duration, jitter: Duration, loss: f64) -> Self {
        self.rtt_ms = Some(rtt.as_secs_f64() * 1000.0);
        self.jitter_ms = Some(jitter.as_secs_f64() * 1000.0);
        self.loss = Some(loss);
        self
    }

    /// Builder: sets the TCP table.
    pub fn tcp(mut self, t: PortsConfig) -> Self {
        self.tcp = t;
        self
    }

    /// Builder: sets the UDP table.
    pub fn udp(mut self, t: PortsConfig) -> Self {
        self.udp = t;
        self
    }

    fn addresses(&self) -> Result<Vec<Ipv4Addr>, Error> {
        let bad = |why: &str| Error::Config(format!("host ip {:?}: {why}", self.ip));
        let s = self.ip.trim();
        let parse = |a: &str| a.trim().parse::<Ipv4Addr>().map_err(|_| bad("bad address"));
        let (lo, hi) = if let Some((net, len)) = s.split_once('/') {
            let net = u32::from(parse(net)?);
            let len: u32 = len.trim().parse().map_err(|_| bad("bad prefix"))?;
            if !(TARGET_PREFIX as u32..=32).contains(&len) {
                return Err(bad("prefix must be /24../32"));
            }
            let size = 1u32 << (32 - len);
            let base = net & !(size - 1);
            if size >= 4 {
                (base + 1, base + size - 2)
            } else {
                (base, base + size - 1)
            }
        } else if let Some((a, b)) = s.split_once('-') {
            (u32::from(parse(a)?), u32::from(parse(b)?))
        } else {
            let a = u32::from(parse(s)?);
            (a, a)
        };
        if lo > hi {
            return Err(bad("empty range"));
        }
        let net = u32::from(TARGET_NET);
        let mask = !0u32 << (32 - TARGET_PREFIX);
        let mut out = Vec::new();
        for a in lo..=hi {
            if a & mask != net {
                return Err(bad("outside 198.19.0.0/24"));
            }
            out.push(Ipv4Addr::from(a));
        }
        Ok(out)
    }
}

/// Whole simulation configuration. Parse with [`Config::from_toml_str`] / [`Config::load`] or
/// build in code with [`Config::new`] and the builder methods.
///
/// ```toml
/// seed = 42
/// rtt_ms = 20.0
/// jitter_ms = 2.0
/// loss = 0.0
/// [icmp]
/// msgs_per_sec = 1000
/// [[hosts]]
/// ip = "198.19.0.10"
/// tcp = { open = [22, 80, "8000-8010"], filtered = [25], payloads = { "22" = "SSH-2.0-sim\r\n" } }
/// udp = { open = [53], payloads = { "53" = "dns" } }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Seed of every random decision (loss, jitter, generated ports, ISNs).
    #[serde(default)]
    pub seed: u64,
    /// Round-trip time added to every reply, in milliseconds.
    #[serde(default)]
    pub rtt_ms: f64,
    /// Uniform jitter (+/-) around the RTT, in milliseconds.
    #[serde(default)]
    pub jitter_ms: f64,
    /// Probability (0..1) that an incoming IPv4 packet is dropped before it is answered
    /// (ARP is never dropped).
    #[serde(default)]
    pub loss: f64,
    /// ICMP error rate limiting.
    #[serde(default)]
    pub icmp: IcmpLimit,
    /// UDP reply payload for open ports without their own payload.
    #[serde(default = "default_udp_reply")]
    pub udp_default_reply: String,
    /// Simulated hosts.
    #[serde(default)]
    pub hosts: Vec<HostConfig>,
}

fn default_udp_reply() -> String {
    "pwsim-reply".to_string()
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: 0,
            rtt_ms: 0.0,
            jitter_ms: 0.0,
            loss: 0.0,
            icmp: IcmpLimit::default(),
            udp_default_reply: default_udp_reply(),
            hosts: Vec::new(),
        }
    }
}

impl Config {
    /// Empty configuration (no hosts, no delay, no loss, Linux-like ICMP limits).
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses a TOML document.
    pub fn from_toml_str(s: &str) -> Result<Self, Error> {
        let c: Config = toml::from_str(s).map_err(|e| Error::Config(e.to_string()))?;
        c.validate()?;
        Ok(c)
    }

    /// Reads and parses a TOML file.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
        Self::from_toml_str(&text)
    }

    /// Builder: sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Builder: sets the RTT.
    pub fn rtt(mut self, rtt: Duration) -> Self {
        self.rtt_ms = rtt.as_secs_f64() * 1000.0;
        self
    }

    /// Builder: sets the jitter.
    pub fn jitter(mut self, jitter: Duration) -> Self {
        self.jitter_ms = jitter.as_secs_f64() * 1000.0;
        self
    }

    /// Builder: sets the loss probability (0..1).
    pub fn loss(mut self, loss: f64) -> Self {
        self.loss = loss;
        self
    }

    /// Builder: sets ICMP rate limiting.
    pub fn icmp_limit(mut self, limit: IcmpLimit) -> Self {
        self.icmp = limit;
        self
    }

    /// Builder: adds a host (or block of hosts).
    pub fn host(mut self, host: HostConfig) -> Self {
        self.hosts.push(host);
        self
    }

    /// Checks ranges and resolves the port tables once (errors surface here).
    pub fn validate(&self) -> Result<(), Error> {
        if !(0.0..=1.0).contains(&self.loss)
            || self
                .hosts
                .iter()
                .any(|h| h.loss.is_some_and(|l| !(0.0..=1.0).contains(&l)))
        {
            return Err(Error::Config(format!("loss {} not in 0..1", self.loss)));
        }
        for (name, v) in [("rtt_ms", self.rtt_ms), ("jitter_ms", self.jitter_ms)] {
            if !(0.0..=600_000.0).contains(&v) {
                return Err(Error::Config(format!("{name} {v} out of range")));
            }
        }
        self.truth().map(|_| ())
    }

    /// The hosts whose link differs from the network's, by address.
    pub fn links(&self) -> Result<HashMap<Ipv4Addr, Link>, Error> {
        let mut out = HashMap::new();
        for h in &self.hosts {
            if h.rtt_ms.is_none() && h.jitter_ms.is_none() && h.loss.is_none() {
                continue;
            }
            let link = Link {
                rtt: h.rtt_ms.unwrap_or(self.rtt_ms) / 1000.0,
                jitter: h.jitter_ms.unwrap_or(self.jitter_ms) / 1000.0,
                loss: h.loss.unwrap_or(self.loss),
            };
            for ip in h.addresses()? {
                out.insert(ip, link);
            }
        }
        Ok(out)
    }

    /// Resolves the configuration into the ground truth.
    pub fn truth(&self) -> Result<Truth, Error> {
        let mut hosts = BTreeMap::new();
        for h in &self.hosts {
            for ip in h.addresses()? {
                let s = self.seed ^ u64::from(u32::from(ip)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                let ht = HostTruth {
                    ping: h.ping,
                    tcp: h.tcp.resolve(s)?,
                    udp: h.udp.resolve(s.rotate_left(17) ^ 0x55)?,
                };
                if hosts.insert(ip, ht).is_some() {
                    return Err(Error::Config(format!("host {ip} configured twice")));
                }
            }
        }
        Ok(Truth { hosts })
    }
}

/// Resolved port table: default state plus the ports that differ from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortTable {
    default: PortState,
    overrides: HashMap<u16, PortState>,
    payloads: HashMap<u16, Vec<u8>>,
}

impl PortTable {
    /// State of `port`.
    pub fn state(&self, port: u16) -> PortState {
        self.overrides.get(&port).copied().unwrap_or(self.default)
    }

    /// State of every port not listed explicitly.
    pub fn default_state(&self) -> PortState {
        self.default
    }

    /// All ports (1..=65535) in `state`, sorted.
    pub fn ports(&self, state: PortState) -> Vec<u16> {
        if state == self.default {
            (1..=65535).filter(|p| self.state(*p) == state).collect()
        } else {
            let mut v: Vec<u16> = self
                .overrides
                .iter()
                .filter(|(_, s)| **s == state)
                .map(|(p, _)| *p)
                .collect();
            v.sort_unstable();
            v
        }
    }

    /// Open ports, sorted.
    pub fn open(&self) -> Vec<u16> {
        self.ports(PortState::Open)
    }

    /// Banner (TCP) or reply payload (UDP) configured for `port`.
    pub fn payload(&self, port: u16) -> Option<&[u8]> {
        self.payloads.get(&port).map(Vec::as_slice)
    }
}

/// JSON form of a [`PortTable`]: the default plus the sorted exceptions.
#[derive(Serialize)]
struct PortTableJson {
    default: PortState,
    open: Vec<u16>,
    closed: Vec<u16>,
    filtered: Vec<u16>,
}

impl Serialize for PortTable {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let pick = |st: PortState| {
            if st == self.default {
                Vec::new()
            } else {
                self.ports(st)
            }
        };
        PortTableJson {
            default: self.default,
            open: pick(PortState::Open),
            closed: pick(PortState::Closed),
            filtered: pick(PortState::Filtered),
        }
        .serialize(s)
    }
}

/// Ground truth of one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostTruth {
    /// Answers ICMP echo.
    pub ping: bool,
    /// TCP ports.
    pub tcp: PortTable,
    /// UDP ports.
    pub udp: PortTable,
}

/// Ground truth of the whole simulated network: what a perfect scanner would report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Truth {
    /// Every simulated host by address.
    pub hosts: BTreeMap<Ipv4Addr, HostTruth>,
}

impl Truth {
    /// State of a TCP port, `None` if `ip` is not simulated.
    pub fn tcp(&self, ip: Ipv4Addr, port: u16) -> Option<PortState> {
        self.hosts.get(&ip).map(|h| h.tcp.state(port))
    }

    /// State of a UDP port, `None` if `ip` is not simulated.
    pub fn udp(&self, ip: Ipv4Addr, port: u16) -> Option<PortState> {
        self.hosts.get(&ip).map(|h| h.udp.state(port))
    }

    /// Simulated addresses, sorted.
    pub fn ips(&self) -> Vec<Ipv4Addr> {
        self.hosts.keys().copied().collect()
    }

    /// JSON rendering (default plus exceptions per table).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_toml_and_resolves() {
        let c = Config::from_toml_str(
            r#"
            seed = 7
            rtt_ms = 20
            [[hosts]]
            ip = "198.19.0.10-198.19.0.11"
            tcp = { open = [22, "80-82"], filtered = [25], random_open = { count = 5, seed = 1 }, payloads = { "22" = "SSH-2.0-x\r\n" } }
            udp = { open = [53], default = "filtered" }
            "#,
        )
        .unwrap();
        let t = c.truth().unwrap();
        assert_eq!(t.hosts.len(), 2);
        let ip: Ipv4Addr = "198.19.0.11".parse().unwrap();
        assert_eq!(t.tcp(ip, 81), Some(PortState::Open));
        assert_eq!(t.tcp(ip, 25), Some(PortState::Filtered));
        assert_eq!(t.tcp(ip, 26), Some(PortState::Closed));
        assert_eq!(t.udp(ip, 53), Some(PortState::Open));
        assert_eq!(t.udp(ip, 54), Some(PortState::Filtered));
        assert_eq!(t.hosts[&ip].tcp.open().len(), 4 + 5);
        assert_eq!(t.hosts[&ip].tcp.payload(22), Some(&b"SSH-2.0-x\r\n"[..]));
        // Deterministic per seed.
        assert_eq!(t, c.truth().unwrap());
        assert!(t.to_json().contains("\"filtered\""));
    }

    #[test]
    fn rejects_bad_input() {
        assert!(Config::from_toml_str("[[hosts]]\nip = \"10.0.0.1\"").is_err());
        assert!(Config::from_toml_str("loss = 2.0").is_err());
        assert!(
            Config::from_toml_str("[[hosts]]\nip=\"198.19.0.1\"\ntcp={open=[\"9-1\"]}").is_err()
        );
        assert!(
            Config::from_toml_str("[[hosts]]\nip=\"198.19.0.1\"\ntcp={open=[1],closed=[1]}")
                .is_err()
        );
        let c = Config::from_toml_str("[[hosts]]\nip = \"198.19.0.0/24\"").unwrap();
        assert_eq!(c.truth().unwrap().hosts.len(), 254);
    }
}
