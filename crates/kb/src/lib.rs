//! The portwarden knowledge base: what every port is for and who breaks in through it.
//!
//! Three layers, all compiled into the binary by the build script (no I/O at run time):
//! 1. the IANA Service Name and Transport Protocol Port Number Registry ([`registry`]);
//! 2. an open-likelihood ranking for `--top-ports` ([`top_ports`], [`rank`]);
//! 3. a hand-curated, bilingual security layer ([`security`]) plus the MIT-licensed
//!    suspicious-ports list ([`threats`]).
//!
//! Everything else in portwarden annotates its findings through [`card`] and
//! [`annotate`]; lookups by port are O(1) (dense tables indexed by port number).

mod query;
mod search;
mod types;

pub use query::{parse_query, Query, QueryError};
pub use search::{search, similar_names, SearchHit};
pub use types::*;

use serde::Serialize;

mod generated {
    //! Tables produced by `build/main.rs` from `data/`.
    #![allow(missing_docs, clippy::all)]
    use crate::types::*;
    include!(concat!(env!("OUT_DIR"), "/iana.rs"));
    include!(concat!(env!("OUT_DIR"), "/security.rs"));
    include!(concat!(env!("OUT_DIR"), "/threats.rs"));
    include!(concat!(env!("OUT_DIR"), "/ranking.rs"));
    pub static IANA_INDEX: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/iana_index.bin"));
    pub static IANA_IDS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/iana_ids.bin"));
    pub static SECURITY_INDEX: &[u8] =
        include_bytes!(concat!(env!("OUT_DIR"), "/security_index.bin"));
    pub static RANK_INDEX: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/rank_index.bin"));
    pub fn records() -> &'static [IanaRecord] {
        RECORDS
    }
    pub fn names() -> &'static [(&'static str, &'static [u16])] {
        NAMES
    }
    pub fn security() -> &'static [SecurityEntry] {
        SECURITY
    }
    pub fn threats() -> &'static [ThreatIntel] {
        THREATS
    }
}

pub use generated::{IANA_UPDATED, TCP_CURATED, TCP_RANKED, UDP_CURATED, UDP_RANKED};

fn read_u32(blob: &[u8], i: usize) -> usize {
    blob.get(i * 4..i * 4 + 4)
        .and_then(|b| b.try_into().ok())
        .map_or(0, |b| u32::from_le_bytes(b) as usize)
}

fn read_u16(blob: &[u8], i: usize) -> u16 {
    blob.get(i * 2..i * 2 + 2)
        .and_then(|b| b.try_into().ok())
        .map_or(u16::MAX, u16::from_le_bytes)
}

/// Every IANA record, in registry order.
pub fn registry_records() -> &'static [IanaRecord] {
    generated::records()
}

/// The IANA records for `port` over `protocol` (assigned and reserved; ranges included).
/// O(1): one index read.
pub fn registry(protocol: Protocol, port: u16) -> impl Iterator<Item = &'static IanaRecord> {
    let base = protocol.index() * 65537 + usize::from(port);
    let (a, b) = (
        read_u32(generated::IANA_INDEX, base),
        read_u32(generated::IANA_INDEX, base + 1),
    );
    (a..b.max(a)).filter_map(|i| {
        let id = read_u16(generated::IANA_IDS, i);
        generated::records().get(usize::from(id))
    })
}

/// The primary IANA service name of `port`/`protocol` (the first assigned record).
pub fn service_name(protocol: Protocol, port: u16) -> Option<&'static str> {
    registry(protocol, port)
        .find(|r| r.status == Status::Assigned)
        .map(|r| r.service)
}

/// The IANA records whose service name is `name` (case-insensitive), every protocol.
pub fn by_service(name: &str) -> Vec<&'static IanaRecord> {
    let key = name.trim().to_ascii_lowercase();
    let names = generated::names();
    match names.binary_search_by(|(n, _)| (*n).cmp(key.as_str())) {
        Ok(i) => names[i]
            .1
            .iter()
            .filter_map(|&id| generated::records().get(usize::from(id)))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Every curated security entry, sorted by port.
pub fn security_entries() -> &'static [SecurityEntry] {
    generated::security()
}

/// The most specific curated entry for `port` over `protocol`. O(1).
pub fn security(protocol: Protocol, port: u16) -> Option<&'static SecurityEntry> {
    let slot = match protocol {
        Protocol::Tcp => 0,
        Protocol::Udp => 1,
        Protocol::Sctp => 2,
        Protocol::Dccp => return None,
    };
    let id = read_u16(generated::SECURITY_INDEX, slot * 65536 + usize::from(port));
    generated::security().get(usize::from(id))
}

/// Rows of the suspicious-ports list for `port` (any protocol).
pub fn threats(port: u16) -> &'static [ThreatIntel] {
    let all = generated::threats();
    let a = all.partition_point(|t| t.port < port);
    let b = all.partition_point(|t| t.port <= port);
    &all[a..b]
}

/// Every row of the suspicious-ports list.
pub fn all_threats() -> &'static [ThreatIntel] {
    generated::threats()
}

/// Curated entries and list rows whose malware names match `name` (case-insensitive
/// substring, so `subseven` finds "SubSeven 2.1" and `冰河` finds "Glacier (冰河)").
pub fn by_malware(name: &str) -> (Vec<&'static SecurityEntry>, Vec<&'static ThreatIntel>) {
    let key = name.trim().to_lowercase();
    if key.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let entries = security_entries()
        .iter()
        .filter(|e| e.malware.iter().any(|m| m.to_lowercase().contains(&key)))
        .collect();
    let rows = all_threats()
        .iter()
        .filter(|t| t.comment.to_lowercase().contains(&key))
        .collect();
    (entries, rows)
}

/// The `n` ports most likely to be found open over `protocol` (TCP and UDP are ranked;
/// other protocols fall back to the TCP order).
pub fn top_ports(protocol: Protocol, n: usize) -> &'static [u16] {
    let list = match protocol {
        Protocol::Udp => UDP_RANKED,
        _ => TCP_RANKED,
    };
    &list[..n.min(list.len())]
}

/// The 1-based open-likelihood rank of `port` over `protocol`, if ranked. O(1).
pub fn rank(protocol: Protocol, port: u16) -> Option<u16> {
    let slot = match protocol {
        Protocol::Tcp => 0,
        Protocol::Udp => 1,
        _ => return None,
    };
    match read_u16(generated::RANK_INDEX, slot * 65536 + usize::from(port)) {
        0 | u16::MAX => None,
        r => Some(r),
    }
}

/// Where the operating system hands out ephemeral (client) ports. IANA's dynamic range is
/// 49152–65535, but Linux defaults to 32768–60999 and Windows before Vista used
/// 1024–5000; the caller reads the real one (on Linux from
/// `/proc/sys/net/ipv4/ip_local_port_range`) and passes it in, since this crate does no I/O.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EphemeralRange {
    /// First ephemeral port.
    pub start: u16,
    /// Last ephemeral port (inclusive).
    pub end: u16,
}

impl EphemeralRange {
    /// Parses the two numbers of `ip_local_port_range` ("32768\t60999").
    pub fn parse(s: &str) -> Option<EphemeralRange> {
        let mut it = s.split_whitespace().map(str::parse::<u16>);
        let start = it.next()?.ok()?;
        let end = it.next()?.ok()?;
        (start <= end).then_some(EphemeralRange { start, end })
    }

    /// Whether `port` is inside the range.
    pub fn contains(&self, port: u16) -> bool {
        self.start <= port && port <= self.end
    }

    /// Whether this range differs from IANA's dynamic range.
    pub fn differs_from_iana(&self) -> bool {
        (self.start, self.end) != (49152, 65535)
    }
}

/// Everything known about one port: the unit that renderers draw as a card.
#[derive(Debug, Clone, Serialize)]
pub struct PortCard {
    /// The port number.
    pub port: u16,
    /// The protocol asked for, or `None` for all.
    pub protocol: Option<Protocol>,
    /// IANA's class of the number.
    pub class: PortClass,
    /// Whether the port lies in the host's ephemeral range, when the caller knows it.
    pub in_ephemeral_range: Option<bool>,
    /// The host's ephemeral range, when the caller knows it.
    pub ephemeral_range: Option<EphemeralRange>,
    /// IANA records for the port (only the asked protocol, if any).
    pub registry: Vec<&'static IanaRecord>,
    /// Curated entries (distinct, most specific first per protocol).
    pub security: Vec<&'static SecurityEntry>,
    /// Suspicious-ports list rows.
    pub threats: &'static [ThreatIntel],
    /// Open-likelihood rank over TCP.
    pub rank_tcp: Option<u16>,
    /// Open-likelihood rank over UDP.
    pub rank_udp: Option<u16>,
}

impl PortCard {
    /// The highest curated risk on the card.
    pub fn risk(&self) -> Option<Risk> {
        self.security.iter().map(|e| e.risk).max()
    }

    /// Whether anything at all is known about the port.
    pub fn is_known(&self) -> bool {
        !self.registry.is_empty() || !self.security.is_empty() || !self.threats.is_empty()
    }
}

/// Builds the card for `port`, limited to `protocol` when given.
pub fn card(port: u16, protocol: Option<Protocol>, eph: Option<EphemeralRange>) -> PortCard {
    let protos: Vec<Protocol> = match protocol {
        Some(p) => vec![p],
        None => Protocol::ALL.to_vec(),
    };
    let mut reg = Vec::new();
    let mut sec: Vec<&'static SecurityEntry> = Vec::new();
    for &p in &protos {
        reg.extend(registry(p, port));
        if let Some(e) = security(p, port) {
            if !sec.iter().any(|s| std::ptr::eq(*s, e)) {
                sec.push(e);
            }
        }
    }
    PortCard {
        port,
        protocol,
        class: PortClass::of(port),
        in_ephemeral_range: eph.map(|r| r.contains(port)),
        ephemeral_range: eph,
        registry: reg,
        security: sec,
        threats: threats(port),
        rank_tcp: rank(Protocol::Tcp, port),
        rank_udp: rank(Protocol::Udp, port),
    }
}

/// Cards for every port in `start..=end` (inclusive) that anything is known about, in
/// order, limited to `protocol` when given. Lazy: nothing is built for unknown ports.
pub fn range(
    start: u16,
    end: u16,
    protocol: Option<Protocol>,
    eph: Option<EphemeralRange>,
) -> impl Iterator<Item = PortCard> {
    (start..=end)
        .map(move |p| card(p, protocol, eph))
        .filter(PortCard::is_known)
}

/// What inventory, scanner and audit attach to a socket or open port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Annotation {
    /// IANA service name, if the port has one for the protocol.
    pub service: Option<&'static str>,
    /// The curated entry, if any.
    pub entry: Option<&'static SecurityEntry>,
    /// Whether the suspicious-ports list names the port.
    pub suspicious: bool,
}

impl Annotation {
    /// The curated risk, if any.
    pub fn risk(&self) -> Option<Risk> {
        self.entry.map(|e| e.risk)
    }

    /// The best short name: the curated service key, else IANA's.
    pub fn name(&self) -> Option<&'static str> {
        self.entry.map(|e| e.service).or(self.service)
    }
}

/// Annotates one (protocol, port). O(1).
pub fn annotate(protocol: Protocol, port: u16) -> Annotation {
    Annotation {
        service: service_name(protocol, port),
        entry: security(protocol, port),
        suspicious: !threats(port).is_empty(),
    }
}

/// Answers one parsed query with the cards it names, in order, deduplicated.
pub fn resolve(q: &Query, eph: Option<EphemeralRange>) -> Vec<PortCard> {
    let mut ports: Vec<(u16, Option<Protocol>)> = Vec::new();
    match q {
        Query::Port { port, protocol } => ports.push((*port, *protocol)),
        Query::Range {
            start,
            end,
            protocol,
        } => {
            // In a range, show only ports that something is known about.
            ports.extend(range(*start, *end, *protocol, eph).map(|c| (c.port, *protocol)));
        }
        Query::Text(t) => {
            let names = by_service(t);
            let mut named: Vec<(u16, Option<Protocol>)> = Vec::new();
            for r in &names {
                if let (Some(a), Some(b)) = (r.start, r.end) {
                    for p in a..=b.min(a.saturating_add(64)) {
                        if !named.iter().any(|(x, _)| *x == p) {
                            named.push((p, None));
                        }
                    }
                }
            }
            for e in security_entries()
                .iter()
                .filter(|e| e.service.eq_ignore_ascii_case(t))
            {
                if !named.iter().any(|(x, _)| *x == e.start) {
                    named.push((e.start, None));
                }
            }
            // Several words are what a person means ("remote desktop"): the ranked search
            // decides the order; malware names that merely contain them come after.
            if t.contains(char::is_whitespace) {
                for hit in search(t, 20) {
                    named.push((hit.port, None));
                }
            }
            // Malware names too: "netbus" is both a curated service key and a trojan.
            let (entries, rows) = by_malware(t);
            for e in entries {
                named.push((e.start, None));
            }
            for r in rows {
                named.push((r.port, None));
            }
            if named.is_empty() {
                for hit in search(t, 20) {
                    named.push((hit.port, None));
                }
            }
            ports = named;
        }
    }
    let mut seen = std::collections::HashSet::new();
    ports
        .into_iter()
        .filter(|k| seen.insert(*k))
        .map(|(p, proto)| card(p, proto, eph))
        .collect()
}
