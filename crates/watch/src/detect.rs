//! Scan detection: from inbound packets (parsed by [`parse`] from what the BPF filter of
//! [`filter`] lets through) to scan reports per source address.
//!
//! A probe counts only when it goes to a *closed* port (nothing listens on it): traffic
//! to open ports never counts, so real clients are never flagged. Per source, the
//! distinct closed ports probed in a sliding window are weighed (a known trojan or
//! backdoor port from the knowledge base weighs [`Config::trojan_weight`], any other
//! port 1); a source whose weight reaches the threshold is reported, once per window.
//! Memory is bounded whatever arrives: at most [`Config::max_sources`] sources (the
//! oldest evicted first) and at most [`Config::max_ports`] ports per source.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The kind of a probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// TCP SYN without ACK (connect and half-open scans).
    Syn,
    /// TCP FIN alone.
    Fin,
    /// TCP without any flag.
    Null,
    /// TCP FIN+PSH+URG.
    Xmas,
    /// Another TCP flag mix without ACK or RST.
    Other,
    /// A UDP datagram.
    Udp,
}

impl Kind {
    fn bit(self) -> u8 {
        match self {
            Kind::Syn => 1,
            Kind::Fin => 2,
            Kind::Null => 4,
            Kind::Xmas => 8,
            Kind::Other => 16,
            Kind::Udp => 32,
        }
    }

    const ALL: [Kind; 6] = [
        Kind::Syn,
        Kind::Fin,
        Kind::Null,
        Kind::Xmas,
        Kind::Other,
        Kind::Udp,
    ];

    /// Whether it is TCP.
    pub fn tcp(self) -> bool {
        self != Kind::Udp
    }
}

/// One inbound packet that may be a probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// Destination port.
    pub port: u16,
    /// What kind.
    pub kind: Kind,
}

/// UDP source ports whose datagrams are replies to this host's own requests (DNS, NTP,
/// DHCP, NetBIOS, IKE, QUIC, mDNS, SSDP), never probes: a resolver answering on the
/// ephemeral port of a query must not look like a scanner.
const UDP_REPLY_PORTS: [u16; 11] = [53, 67, 68, 123, 137, 443, 500, 4500, 5353, 1900, 3478];

/// Parses a packet as the cooked AF_PACKET socket gives it (starting at the IP header).
/// `None` for anything that is not a possible probe: truncated, a fragment, TCP with ACK
/// or RST (an answer or an established flow), UDP from a reply port.
pub fn parse(p: &[u8]) -> Option<Probe> {
    let version = p.first()? >> 4;
    let (src, dst, proto, l4): (IpAddr, IpAddr, u8, &[u8]) = match version {
        4 => {
            let ihl = usize::from(p[0] & 0x0f) * 4;
            if ihl < 20 || p.len() < ihl {
                return None;
            }
            let frag = u16::from_be_bytes([p[6], p[7]]) & 0x1fff;
            if frag != 0 {
                return None;
            }
            let s: [u8; 4] = p[12..16].try_into().ok()?;
            let d: [u8; 4] = p[16..20].try_into().ok()?;
            (
                IpAddr::V4(Ipv4Addr::from(s)),
                IpAddr::V4(Ipv4Addr::from(d)),
                p[9],
                &p[ihl..],
            )
        }
        6 => {
            if p.len() < 40 {
                return None;
            }
            let s: [u8; 16] = p[8..24].try_into().ok()?;
            let d: [u8; 16] = p[24..40].try_into().ok()?;
            (
                IpAddr::V6(Ipv6Addr::from(s)),
                IpAddr::V6(Ipv6Addr::from(d)),
                p[6],
                &p[40..],
            )
        }
        _ => return None,
    };
    let sport = u16::from_be_bytes([*l4.first()?, *l4.get(1)?]);
    let port = u16::from_be_bytes([*l4.get(2)?, *l4.get(3)?]);
    let kind = match proto {
        6 => {
            let flags = l4.get(13)? & 0x3f;
            if flags & 0x14 != 0 {
                return None; // ACK or RST
            }
            match flags {
                0x02 => Kind::Syn,
                0x01 => Kind::Fin,
                0x00 => Kind::Null,
                0x29 => Kind::Xmas,
                _ => Kind::Other,
            }
        }
        17 => {
            if UDP_REPLY_PORTS.contains(&sport) {
                return None;
            }
            Kind::Udp
        }
        _ => return None,
    };
    Some(Probe {
        src,
        dst,
        port,
        kind,
    })
}

/// One instruction of a classic BPF program (`struct sock_filter`).
pub type Insn = libc::sock_filter;

fn insn(code: u16, jt: u8, jf: u8, k: u32) -> Insn {
    Insn { code, jt, jf, k }
}

/// The classic BPF filter of the capture socket (cooked, so offsets start at the IP
/// header): keeps inbound (not `PACKET_OUTGOING`) IPv4 and IPv6 TCP segments without ACK
/// or RST — SYN, FIN, NULL, Xmas — and UDP datagrams, the first 128 bytes of each.
/// Everything else (every segment of an established flow) is dropped in the kernel and
/// never copied to us. IPv4 fragments past the first are dropped; IPv6 extension
/// headers are not followed.
pub fn filter() -> Vec<Insn> {
    const LD_W_ABS: u16 = 0x20;
    const LD_H_ABS: u16 = 0x28;
    const LD_B_ABS: u16 = 0x30;
    const LDX_B_MSH: u16 = 0xb1;
    const LD_B_IND: u16 = 0x50;
    const JEQ: u16 = 0x15;
    const JSET: u16 = 0x45;
    const JA: u16 = 0x05;
    const RSH: u16 = 0x74;
    const RET: u16 = 0x06;
    const PKTTYPE: u32 = 0xffff_f000 + 4; // SKF_AD_OFF + SKF_AD_PKTTYPE
    const ACCEPT: usize = 19;
    const DROP: usize = 20;
    // Relative jump from `pc` to `to`.
    let j = |pc: usize, to: usize| u8::try_from(to - pc - 1).unwrap_or(0);
    vec![
        insn(LD_W_ABS, 0, 0, PKTTYPE),                // 0
        insn(JEQ, j(1, DROP), 0, 4),                  // 1: PACKET_OUTGOING
        insn(LD_B_ABS, 0, 0, 0),                      // 2
        insn(RSH, 0, 0, 4),                           // 3: version
        insn(JEQ, j(4, 6), 0, 4),                     // 4
        insn(JEQ, j(5, 14), j(5, DROP), 6),           // 5
        insn(LD_B_ABS, 0, 0, 9),                      // 6: IPv4 protocol
        insn(JEQ, j(7, ACCEPT), 0, 17),               // 7
        insn(JEQ, 0, j(8, DROP), 6),                  // 8
        insn(LD_H_ABS, 0, 0, 6),                      // 9
        insn(JSET, j(10, DROP), 0, 0x1fff),           // 10: a later fragment
        insn(LDX_B_MSH, 0, 0, 0),                     // 11: X = header length
        insn(LD_B_IND, 0, 0, 13),                     // 12: TCP flags
        insn(JA, 0, 0, 18 - 13 - 1),                  // 13
        insn(LD_B_ABS, 0, 0, 6),                      // 14: IPv6 next header
        insn(JEQ, j(15, ACCEPT), 0, 17),              // 15
        insn(JEQ, 0, j(16, DROP), 6),                 // 16
        insn(LD_B_ABS, 0, 0, 40 + 13),                // 17: TCP flags
        insn(JSET, j(18, DROP), j(18, ACCEPT), 0x14), // 18: ACK or RST
        insn(RET, 0, 0, 128),                         // 19
        insn(RET, 0, 0, 0),                           // 20
    ]
}

/// Thresholds and bounds.
#[derive(Debug, Clone)]
pub struct Config {
    /// Weight of distinct closed ports in the window that makes a scan.
    pub threshold: u32,
    /// The sliding window, in milliseconds.
    pub window_ms: u64,
    /// Weight of a known trojan or backdoor port.
    pub trojan_weight: u32,
    /// Sources tracked at once (the oldest is evicted first).
    pub max_sources: usize,
    /// Distinct ports remembered per source.
    pub max_ports: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            threshold: 10,
            window_ms: 60_000,
            trojan_weight: 3,
            max_sources: 8192,
            max_ports: 64,
        }
    }
}

/// A source reported as scanning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    /// The source.
    pub src: IpAddr,
    /// Its weight in the window.
    pub score: u32,
    /// Distinct closed ports probed in the window (up to the per-source bound).
    pub ports: Vec<u16>,
    /// Known trojan or backdoor ports among them.
    pub trojan_ports: Vec<u16>,
    /// Kinds of probe seen.
    pub kinds: Vec<Kind>,
    /// Probes counted from it in the window.
    pub probes: u64,
    /// Addresses of this host it probed.
    pub targets: Vec<IpAddr>,
}

#[derive(Debug)]
struct Source {
    /// (port, tcp?, weight, last seen ms).
    ports: Vec<(u16, bool, u8, u64)>,
    kinds: u8,
    probes: u64,
    targets: Vec<IpAddr>,
    reported_at: Option<u64>,
    seq: u64,
}

/// Counts of what the detector saw and dropped.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Probes to closed ports counted.
    pub probes: u64,
    /// Packets to open ports or from ignored sources.
    pub ignored: u64,
    /// Sources evicted to keep the table bounded.
    pub evicted: u64,
}

/// The per-source sliding windows.
#[derive(Debug)]
pub struct Detector {
    cfg: Config,
    trojans: Vec<u64>,
    sources: HashMap<IpAddr, Source>,
    order: VecDeque<(IpAddr, u64)>,
    seq: u64,
    /// What was counted.
    pub stats: Stats,
}

/// Ports the knowledge base knows for trojans and backdoors (curated entries marked
/// backdoor, and the suspicious-ports list's malware and C2 rows), as a bitmap.
pub fn trojan_ports() -> Vec<u64> {
    let mut bits = vec![0u64; 1024];
    let mut set = |p: u16| bits[usize::from(p) / 64] |= 1 << (p % 64);
    for e in portwarden_kb::security_entries()
        .iter()
        .filter(|e| e.backdoor)
    {
        for p in e.start..=e.end {
            set(p);
        }
    }
    for t in portwarden_kb::all_threats() {
        let c = t.category.to_ascii_lowercase();
        if c.contains("malware")
            || c.contains("c2")
            || c.contains("backdoor")
            || c.contains("trojan")
        {
            set(t.port);
        }
    }
    bits
}

impl Detector {
    /// A detector with `cfg` and the knowledge base's trojan ports.
    pub fn new(cfg: Config) -> Detector {
        Detector::with_trojans(cfg, trojan_ports())
    }

    /// A detector with a given trojan-port bitmap (tests).
    pub fn with_trojans(cfg: Config, trojans: Vec<u64>) -> Detector {
        Detector {
            cfg,
            trojans,
            sources: HashMap::new(),
            order: VecDeque::new(),
            seq: 0,
            stats: Stats::default(),
        }
    }

    fn is_trojan(&self, port: u16) -> bool {
        self.trojans
            .get(usize::from(port) / 64)
            .is_some_and(|w| w & (1 << (port % 64)) != 0)
    }

    /// Sources tracked now.
    pub fn tracked(&self) -> usize {
        self.sources.len()
    }

    /// Counts one probe at `now_ms` to a port that `open` says is closed; returns the scan
    /// when this probe makes the source reach the threshold (once per window).
    pub fn observe(&mut self, p: &Probe, open: bool, now_ms: u64) -> Option<Scan> {
        if open {
            self.stats.ignored += 1;
            return None;
        }
        self.stats.probes += 1;
        let window = self.cfg.window_ms;
        if !self.sources.contains_key(&p.src) {
            while self.sources.len() >= self.cfg.max_sources.max(1) {
                let Some((ip, seq)) = self.order.pop_front() else {
                    break;
                };
                if self.sources.get(&ip).is_some_and(|s| s.seq == seq) {
                    self.sources.remove(&ip);
                    self.stats.evicted += 1;
                }
            }
            self.seq += 1;
            self.order.push_back((p.src, self.seq));
            self.sources.insert(
                p.src,
                Source {
                    ports: Vec::new(),
                    kinds: 0,
                    probes: 0,
                    targets: Vec::new(),
                    reported_at: None,
                    seq: self.seq,
                },
            );
        }
        // Keep the eviction queue from growing past the table under churn.
        if self.order.len() > self.cfg.max_sources.saturating_mul(2).max(16) {
            let live = &self.sources;
            self.order
                .retain(|(ip, seq)| live.get(ip).is_some_and(|s| s.seq == *seq));
        }
        let weight = if self.is_trojan(p.port) {
            u8::try_from(self.cfg.trojan_weight.min(255)).unwrap_or(255)
        } else {
            1
        };
        let max_ports = self.cfg.max_ports.max(1);
        let s = self.sources.get_mut(&p.src)?;
        s.ports.retain(|x| now_ms.saturating_sub(x.3) <= window);
        s.kinds |= p.kind.bit();
        s.probes += 1;
        if s.targets.len() < 4 && !s.targets.contains(&p.dst) {
            s.targets.push(p.dst);
        }
        match s
            .ports
            .iter_mut()
            .find(|x| x.0 == p.port && x.1 == p.kind.tcp())
        {
            Some(x) => x.3 = now_ms,
            None => {
                if s.ports.len() >= max_ports {
                    // Forget the port seen longest ago.
                    if let Some(i) = s
                        .ports
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, x)| x.3)
                        .map(|(i, _)| i)
                    {
                        s.ports.swap_remove(i);
                    }
                }
                s.ports.push((p.port, p.kind.tcp(), weight, now_ms));
            }
        }
        let score: u32 = s.ports.iter().map(|x| u32::from(x.2)).sum();
        let due = s
            .reported_at
            .is_none_or(|t| now_ms.saturating_sub(t) >= window);
        if score < self.cfg.threshold || !due {
            return None;
        }
        s.reported_at = Some(now_ms);
        let mut ports: Vec<u16> = s.ports.iter().map(|x| x.0).collect();
        ports.sort_unstable();
        ports.dedup();
        let trojans: HashSet<u16> = s.ports.iter().filter(|x| x.2 > 1).map(|x| x.0).collect();
        let mut trojan_ports: Vec<u16> = trojans.into_iter().collect();
        trojan_ports.sort_unstable();
        Some(Scan {
            src: p.src,
            score,
            ports,
            trojan_ports,
            kinds: Kind::ALL
                .into_iter()
                .filter(|k| s.kinds & k.bit() != 0)
                .collect(),
            probes: s.probes,
            targets: s.targets.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn v4(src: [u8; 4], dport: u16, proto: u8, flags: u8) -> Vec<u8> {
        let mut p = vec![0u8; 40];
        p[0] = 0x45;
        p[9] = proto;
        p[12..16].copy_from_slice(&src);
        p[16..20].copy_from_slice(&[198, 18, 0, 1]);
        p[20..22].copy_from_slice(&40000u16.to_be_bytes());
        p[22..24].copy_from_slice(&dport.to_be_bytes());
        p[33] = flags;
        p
    }

    #[test]
    fn parses_probe_kinds_and_drops_answers() {
        let k = |f| parse(&v4([198, 18, 0, 2], 80, 6, f)).map(|p| p.kind);
        assert_eq!(k(0x02), Some(Kind::Syn));
        assert_eq!(k(0x01), Some(Kind::Fin));
        assert_eq!(k(0x00), Some(Kind::Null));
        assert_eq!(k(0x29), Some(Kind::Xmas));
        assert_eq!(k(0x12), None, "SYN-ACK is an answer");
        assert_eq!(k(0x10), None, "ACK is a flow");
        assert_eq!(k(0x04), None);
        let p = parse(&v4([198, 18, 0, 2], 9, 17, 0)).unwrap();
        assert_eq!((p.kind, p.port), (Kind::Udp, 9));
        let mut dns = v4([198, 18, 0, 2], 40000, 17, 0);
        dns[20..22].copy_from_slice(&53u16.to_be_bytes());
        assert_eq!(parse(&dns), None, "a DNS answer");
        let mut frag = v4([1, 2, 3, 4], 80, 6, 2);
        frag[7] = 8;
        assert_eq!(parse(&frag), None);
        let mut six = vec![0u8; 60];
        six[0] = 0x60;
        six[6] = 6;
        six[8] = 0x20;
        six[42..44].copy_from_slice(&22u16.to_be_bytes());
        six[53] = 0x02;
        let p = parse(&six).unwrap();
        assert!(p.src.is_ipv6());
        assert_eq!((p.port, p.kind), (22, Kind::Syn));
        for n in 0..40 {
            let _ = parse(&v4([1, 1, 1, 1], 1, 6, 2)[..n]);
        }
        assert_eq!(parse(&[0x45, 0, 0]), None);
        assert_eq!(parse(&[]), None);
    }

    #[test]
    fn filter_jumps_stay_inside() {
        let f = filter();
        for (pc, i) in f.iter().enumerate() {
            if i.code & 0x07 == 0x05 {
                let far = if i.code == 0x05 {
                    i.k as usize
                } else {
                    usize::from(i.jt.max(i.jf))
                };
                assert!(pc + 1 + far < f.len(), "{pc}");
            }
        }
        assert_eq!(f[13].k as usize + 14, 18);
    }

    fn probe(src: &str, port: u16) -> Probe {
        Probe {
            src: src.parse().unwrap(),
            dst: "198.18.0.1".parse().unwrap(),
            port,
            kind: Kind::Syn,
        }
    }

    #[test]
    fn distinct_closed_ports_in_the_window_make_a_scan() {
        let mut d = Detector::with_trojans(Config::default(), vec![0; 1024]);
        for i in 0..9 {
            assert!(d
                .observe(&probe("198.18.0.2", 1000 + i), false, 0)
                .is_none());
        }
        // The same port again is not a new one.
        assert!(d.observe(&probe("198.18.0.2", 1000), false, 1).is_none());
        let s = d
            .observe(&probe("198.18.0.2", 2000), false, 2)
            .expect("scan");
        assert_eq!(s.score, 10);
        assert_eq!(s.ports.len(), 10);
        // Once per window.
        assert!(d.observe(&probe("198.18.0.2", 2001), false, 3).is_none());
        // Open ports never count: a client with 200 connections is not a scanner.
        let mut d = Detector::with_trojans(Config::default(), vec![0; 1024]);
        for _ in 0..200 {
            assert!(d.observe(&probe("198.18.0.3", 80), true, 5).is_none());
        }
        assert_eq!(d.stats.ignored, 200);
    }

    #[test]
    fn the_window_slides() {
        let mut d = Detector::with_trojans(Config::default(), vec![0; 1024]);
        for i in 0..9 {
            d.observe(&probe("198.18.0.2", 1000 + i), false, u64::from(i) * 10_000);
        }
        // 90 s later the first ports are out of the 60 s window.
        assert!(d
            .observe(&probe("198.18.0.2", 3000), false, 90_000)
            .is_none());
    }

    #[test]
    fn trojan_ports_weigh_more() {
        let mut bits = vec![0u64; 1024];
        for p in [31337u16, 12345, 27374, 6667] {
            bits[usize::from(p) / 64] |= 1 << (p % 64);
        }
        let mut d = Detector::with_trojans(Config::default(), bits);
        for p in [31337, 12345, 27374] {
            assert!(d.observe(&probe("198.18.0.9", p), false, 0).is_none());
        }
        let s = d
            .observe(&probe("198.18.0.9", 6667), false, 0)
            .expect("scan");
        assert_eq!(s.trojan_ports, vec![6667, 12345, 27374, 31337]);
        assert!(trojan_ports().iter().any(|w| *w != 0), "the kb knows some");
    }

    #[test]
    fn memory_is_bounded_under_a_flood() {
        let cfg = Config {
            max_sources: 100,
            max_ports: 8,
            ..Config::default()
        };
        let mut d = Detector::with_trojans(cfg, vec![0; 1024]);
        for i in 0..50_000u32 {
            let src = IpAddr::V4(Ipv4Addr::from(0xc612_0000 + (i % 5000)));
            let p = Probe {
                src,
                dst: src,
                port: u16::try_from(i % 60_000).unwrap(),
                kind: Kind::Syn,
            };
            d.observe(&p, false, u64::from(i));
            assert!(d.tracked() <= 100);
            assert!(d.order.len() <= 216);
        }
        assert!(d.stats.evicted >= 4900);
        assert!(d.sources.values().all(|s| s.ports.len() <= 8));
    }
}
