//! The UDP prober of the one scheduler ([`crate::engine`]), on the model of the SYN one
//! ([`super::syn`]).
//!
//! The scheduler decides which probe goes when (host groups, the keyed order, per-host and
//! group windows, retries, report assembly); this prober puts UDP datagrams with their
//! protocol payloads ([`super::payloads`]) on the wire and says what became of each. A reply
//! means open (and, when it looks like the protocol's answer, names the service: its bytes
//! go back with the outcome and `Udp::identify_reply` reads them); ICMP port
//! unreachable from the target means closed; other ICMP unreachables mean filtered;
//! silence after every try means open|filtered. Replies are matched by source port
//! ([`super::cookie::CookieKey::udp_sport`]). There is no host discovery: every host is
//! scanned (as with `-Pn`).
//!
//! Targets rate-limit ICMP errors (Linux: a per-peer token bucket, about one per second
//! after a burst of six), so after the fast tries most closed ports of such a host are
//! still silent. nmap waits for them with an exponential backoff (minutes for the top 100
//! ports). Here they stay open|filtered unless
//! [`ScanConfig::icmp_pace`](crate::ScanConfig::icmp_pace) asks for paced tries: the
//! scheduler gives every port still silent after its retries more tries
//! (`Prober::paces`), and this prober sends them host by host at an
//! interval that follows the target's observed limit (`Pace`): while no rate is known,
//! the pace slows down when unreachables stop coming although probes continue; once a few
//! unreachables have arrived, the spacing between them (its lower quartile: under a token
//! bucket they cannot come faster than the refill) gives the token interval, and the pace
//! is set just above it so that every closed port's probe finds a token. Two paced probes
//! sent at a known pace that draw nothing settle a port as open|filtered.
//!
//! Unreachables that answer retransmissions are mostly the target's rate limit, not loss:
//! the scheduler counts them as loss only from hosts that show no limit (see its
//! `IcmpLimit`), so closed ports never collapse the window.

use super::cookie::CookieKey;
use super::flights::Flights;
use super::packet::{
    build_udp, build_udp6, parse_udp, parse_udp6, parse_unreachable, parse_unreachable6, with_ipv4,
    UdpReply, Unreachable,
};
use super::payloads;
use super::pool::Pool;
use super::*;
use crate::engine::{BannerMode, Done, Observer, Outcome, Probe, Prober, ScanConfig, ScanKind};
use crate::model::{Banner, Identified};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

const MAX_INTERVAL: Duration = Duration::from_secs(2);
const FIRST_INTERVAL: Duration = Duration::from_millis(5);
const BANNER_MAX: usize = 512;

/// An answer a receiver thread accepted: the target, its port, what it said, the reply's
/// bytes, and when it came.
#[derive(Debug)]
struct Answer {
    addr: IpAddr,
    port: u16,
    reason: Reason,
    payload: Option<Vec<u8>>,
    at: Instant,
}

/// What the receiver threads need: the source-port key and the way to the scheduler.
struct Shared {
    key: CookieKey,
    tx: tokio::sync::mpsc::UnboundedSender<Answer>,
}

impl Shared {
    /// Whether `our` is the source port we use for probes to `target:tport`.
    fn ours(&self, target: IpAddr, tport: u16, our: u16) -> bool {
        self.key.udp_sport(target, tport, SPORT_BASE, SPORT_SPAN) == our
    }

    fn on_udp(&self, pkt: &[u8], from: Option<IpAddr>) {
        let u = match from {
            Some(IpAddr::V6(src)) => parse_udp6(pkt, src),
            _ => parse_udp(pkt),
        };
        if let Some(u) = u {
            self.on_reply(u);
        }
    }

    fn on_reply(&self, u: UdpReply<'_>) {
        // On loopback the socket also reads our own probes (us:s → target:p); one is
        // recognised by its source port being the one we pick for (its sender, its port).
        if self.ours(u.src, u.dport, u.sport) || !self.ours(u.src, u.sport, u.dport) {
            return;
        }
        let keep = u.payload.len().min(BANNER_MAX);
        let _ = self.tx.send(Answer {
            addr: u.src,
            port: u.sport,
            reason: Reason::UdpResponse,
            payload: Some(u.payload.get(..keep).unwrap_or(&[]).to_vec()),
            at: Instant::now(),
        });
    }

    fn on_icmp(&self, pkt: &[u8], from: Option<IpAddr>) {
        let u = match from {
            Some(IpAddr::V6(src)) => parse_unreachable6(pkt, src),
            _ => parse_unreachable(pkt),
        };
        if let Some(u) = u {
            self.on_unreach(u);
        }
    }

    fn on_unreach(&self, u: Unreachable) {
        if u.proto != 17 || !self.ours(u.dst, u.dport, u.sport) {
            return;
        }
        let reason = match u.code {
            3 if u.from == u.dst => Reason::PortUnreach,
            0 => Reason::NetUnreach,
            1 => Reason::HostUnreach,
            2 => Reason::ProtoUnreach,
            _ => Reason::AdminProhibited,
        };
        let _ = self.tx.send(Answer {
            addr: u.dst,
            port: u.dport,
            reason,
            payload: None,
            at: Instant::now(),
        });
    }
}

/// Per-host pacing of the paced tries (`--icmp-pace`): the probes waiting for their turn
/// and what the host's unreachables say of its ICMP rate limit.
struct Pace {
    /// Paced probes waiting: (port, serial of their flight).
    queue: VecDeque<(u16, u64)>,
    interval: Duration,
    next_at: Instant,
    last_icmp: Option<Instant>,
    gaps: VecDeque<Duration>,
    sent_since_icmp: u32,
}

impl Pace {
    fn new(now: Instant) -> Pace {
        Pace {
            queue: VecDeque::new(),
            interval: FIRST_INTERVAL,
            next_at: now,
            last_icmp: None,
            gaps: VecDeque::new(),
            sent_since_icmp: 0,
        }
    }

    /// Whether the host's refill interval is known (a probe sent at it that draws no
    /// unreachable says something).
    fn known(&self) -> bool {
        self.gaps.len() >= 3
    }

    fn on_unreach(&mut self, at: Instant) {
        if let Some(l) = self.last_icmp {
            if at > l {
                self.gaps.push_back(at - l);
                if self.gaps.len() > 8 {
                    self.gaps.pop_front();
                }
            }
        }
        self.last_icmp = Some(at);
        self.sent_since_icmp = 0;
        if self.known() {
            let mut g: Vec<Duration> = self.gaps.iter().copied().collect();
            g.sort();
            let q = g.get(g.len() / 4).copied().unwrap_or_default();
            if q > self.interval.mul_f64(1.3) {
                self.interval = q.mul_f64(1.05).min(MAX_INTERVAL);
            }
        }
    }

    fn on_send(&mut self, now: Instant) {
        self.sent_since_icmp += 1;
        // No rate known yet and unreachables stopped while probes continue: slow down.
        if !self.known()
            && self.sent_since_icmp >= 6
            && self
                .last_icmp
                .is_some_and(|l| now.duration_since(l) > self.interval * 6)
        {
            self.interval = (self.interval.mul_f64(1.5)).min(MAX_INTERVAL);
            self.sent_since_icmp = 0;
        }
    }
}

/// A probe handed over by the scheduler: on the wire since `sent`, or (a paced try)
/// waiting for its host's turn.
struct Flight {
    probe: Probe,
    sent: Option<Instant>,
    wait: Duration,
    /// Sent at a known pace (its silence settles the port sooner).
    at_known_pace: bool,
}

/// The UDP prober: raw sockets per address family (opened as targets need them), the
/// receiver threads, the probes in flight and their deadlines, and the per-host pacing of
/// paced tries.
pub(crate) struct Udp {
    shared: Arc<Shared>,
    rx: tokio::sync::mpsc::UnboundedReceiver<Answer>,
    v4: bool,
    v6: bool,
    pool: Pool,
    receivers: Receivers,
    flights: Flights<Flight>,
    /// Our source address per target (`None`: no route).
    sources: HashMap<IpAddr, Option<IpAddr>>,
    /// The payloads' transaction id.
    txid: u16,
    paces: HashMap<IpAddr, Pace>,
    /// Paced probes per (target, port) sent at a known pace that drew nothing.
    settled: HashMap<(IpAddr, u16), u8>,
    icmp_pace: bool,
}

impl Udp {
    /// A prober with the source-port key of `cfg` (seed and shard); no socket is open yet.
    pub(crate) fn new(cfg: &ScanConfig) -> Udp {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let seed = cfg.seed.unwrap_or_else(crate::run::random_seed);
        Udp {
            shared: Arc::new(Shared {
                key: scan_key(cfg.seed, cfg.shard),
                tx,
            }),
            rx,
            v4: false,
            v6: false,
            pool: Pool::new(),
            receivers: Receivers::default(),
            flights: Flights::new(),
            sources: HashMap::new(),
            txid: (seed >> 16) as u16,
            paces: HashMap::new(),
            settled: HashMap::new(),
            icmp_pace: cfg.icmp_pace,
        }
    }

    /// Opens the sockets of `v6`'s family (or IPv4's) and starts its receivers.
    fn open_family(&mut self, v6: bool) -> Result<(), ScanError> {
        let (udp, icmp, sender) = if v6 {
            let tx = open_raw6(nix::libc::IPPROTO_UDP)?;
            tx.receive_nothing().map_err(ScanError::Io)?;
            (
                open_raw6(nix::libc::IPPROTO_UDP)?,
                open_raw6(nix::libc::IPPROTO_ICMPV6)?,
                tx,
            )
        } else {
            (
                open_raw(nix::libc::IPPROTO_UDP)?,
                open_raw(nix::libc::IPPROTO_ICMP)?,
                open_raw(nix::libc::IPPROTO_RAW)?,
            )
        };
        self.pool.add(v6, sender).map_err(ScanError::Io)?;
        for (sock, is_udp) in [(udp, true), (icmp, false)] {
            let shared = self.shared.clone();
            self.receivers.spawn("pw-udp-rx", move |stop| {
                if is_udp {
                    // Replies can be as large as a datagram gets.
                    receive_sized(&sock, stop, 16, 65_536, |p, from| shared.on_udp(p, from));
                } else {
                    receive(&sock, stop, |p, from| shared.on_icmp(p, from));
                }
            })?;
        }
        if v6 {
            self.v6 = true;
        } else {
            self.v4 = true;
        }
        Ok(())
    }

    /// Our source address for `dst`, learnt once per target. `Err` is what to say of the
    /// probe instead: no route, or a descriptor shortage to wait out ([`route`]).
    fn source(&mut self, dst: IpAddr) -> Result<IpAddr, Outcome> {
        let no_route = Outcome::Answer(Reason::NetUnreach);
        if let Some(s) = self.sources.get(&dst) {
            return s.ok_or(no_route);
        }
        let s = route(dst)?;
        self.sources.insert(dst, s);
        s.ok_or(no_route)
    }

    /// The datagram of a probe to `dst:port` from `src` (IPv4 with its header, for the
    /// send-only socket; IPv6 without).
    fn datagram(&self, src: IpAddr, dst: IpAddr, port: u16) -> Option<Vec<u8>> {
        let sport = self.shared.key.udp_sport(dst, port, SPORT_BASE, SPORT_SPAN);
        let data = payloads::payload(port, self.txid);
        match (src, dst) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                Some(with_ipv4(17, s, d, &build_udp(s, d, sport, port, &data)))
            }
            (IpAddr::V6(s), IpAddr::V6(d)) => Some(build_udp6(s, d, sport, port, &data)),
            _ => None,
        }
    }

    fn accept(&mut self, a: Answer) {
        if a.reason == Reason::PortUnreach {
            if let Some(pc) = self.paces.get_mut(&a.addr) {
                pc.on_unreach(a.at);
            }
        }
        let Some(f) = self.flights.take(&(a.addr, a.port)) else {
            return;
        };
        let rtt = f
            .sent
            .map_or(Duration::ZERO, |s| a.at.saturating_duration_since(s));
        self.flights
            .push_ready((f.probe, Outcome::Answer(a.reason), rtt, a.payload));
    }

    fn expire(&mut self, now: Instant) {
        let settled = &mut self.settled;
        self.flights.expire(now, |key, f| {
            let waited = f.sent.map_or(Duration::ZERO, |s| now.duration_since(s));
            let mut outcome = Outcome::Timeout;
            if f.at_known_pace {
                // Sent at the pace of the host's ICMP limit, so a closed port would have
                // found a token: the second such silence settles the port.
                let n = settled.entry(key).or_insert(0);
                *n = n.saturating_add(1);
                if *n >= 2 {
                    outcome = Outcome::Answer(Reason::NoResponse);
                }
            }
            (f.probe, outcome, waited, None)
        });
    }

    /// Sends the paced probes whose host's turn has come (one per host per interval).
    fn pump(&mut self, now: Instant) -> Result<(), ScanError> {
        let mut pkts = (Vec::new(), Vec::new());
        let hosts: Vec<IpAddr> = self
            .paces
            .iter()
            .filter(|(_, pc)| !pc.queue.is_empty() && pc.next_at <= now)
            .map(|(a, _)| *a)
            .collect();
        for dst in hosts {
            let Ok(src) = self.source(dst) else {
                continue;
            };
            // The first probe still waiting goes (the others were answered meanwhile).
            while let Some(pc) = self.paces.get_mut(&dst) {
                let Some((port, serial)) = pc.queue.pop_front() else {
                    break;
                };
                let known = pc.known();
                // Answered (or abandoned) while it waited.
                let Some(f) = self
                    .flights
                    .get_mut(&(dst, port), serial)
                    .filter(|f| f.sent.is_none())
                else {
                    continue;
                };
                f.sent = Some(now);
                f.at_known_pace = known;
                let wait = f.wait;
                pc.on_send(now);
                pc.next_at = now + pc.interval;
                self.flights.arm((dst, port), serial, now + wait);
                if let Some(pkt) = self.datagram(src, dst, port) {
                    pkts.0.push(pkt);
                    pkts.1.push(dst);
                }
                break;
            }
        }
        if !pkts.0.is_empty() && !self.pool.send(pkts) {
            return Err(ScanError::Io(io::Error::other(
                "the sender threads stopped",
            )));
        }
        Ok(())
    }

    /// When the next paced probe may go.
    fn next_turn(&self) -> Option<Instant> {
        self.paces
            .values()
            .filter(|pc| !pc.queue.is_empty())
            .map(|pc| pc.next_at)
            .min()
    }

    fn take_in(&mut self) {
        while let Ok(a) = self.rx.try_recv() {
            self.accept(a);
        }
        let now = Instant::now();
        self.expire(now);
        // A stopped sender shows at the next launch.
        let _ = self.pump(now);
    }
}

impl Prober for Udp {
    const KIND: ScanKind = ScanKind::Udp;

    fn window_bounds(&self, _nofile: u64, cfg: &ScanConfig) -> (usize, usize) {
        window_bounds(cfg)
    }

    fn crossing_ports(&self) -> Option<std::ops::RangeInclusive<u16>> {
        // Our source ports are our own (no socket holds them): no crossing is possible.
        None
    }

    fn discovery(&self) -> bool {
        false
    }

    fn paces(&self, cfg: &ScanConfig) -> bool {
        cfg.icmp_pace
    }

    fn identify_reply(p: &mut PortResult, bytes: Vec<u8>, cfg: &ScanConfig) {
        if let Some(name) = payloads::recognize(p.port, &bytes) {
            let mut id = Identified::new(name, "udp");
            id.usual_port = Some(p.port);
            p.identified = Some(id);
        }
        if cfg.banners == BannerMode::Off {
            return;
        }
        // What the answer says (version, SNMP sysDescr, findings).
        if let Some(f) = crate::ident::identify_udp(p.port, &bytes) {
            crate::ident::apply(p, f);
        }
        if !bytes.is_empty() {
            p.banner = Some(Banner(bytes));
        }
    }

    fn launch(
        &mut self,
        batch: &[(Probe, SocketAddr, Duration)],
        done: &mut Vec<Done>,
    ) -> Result<(), ScanError> {
        let mut pkts4 = (Vec::new(), Vec::new());
        let mut pkts6 = (Vec::new(), Vec::new());
        let now = Instant::now();
        for &(p, addr, wait) in batch {
            let (dst, port) = (addr.ip(), addr.port());
            // The route first: its lookup needs a descriptor for a moment, which the
            // family's sockets would otherwise take under a tight limit.
            let src = match self.source(dst) {
                Ok(src) => src,
                Err(o) => {
                    done.push((p, o, Duration::ZERO, None));
                    continue;
                }
            };
            if dst.is_ipv4() && !self.v4 {
                self.open_family(false)?;
            }
            if dst.is_ipv6() && !self.v6 {
                self.open_family(true)?;
            }
            if self.flights.contains(&(dst, port)) {
                // The same target twice in the list: one probe at a time per pair.
                done.push((p, Outcome::Busy, Duration::ZERO, None));
                continue;
            }
            let serial = self.flights.next_serial();
            if p.paced() && self.icmp_pace {
                // Waits for its host's turn (`pump`); its deadline counts from then.
                self.flights.insert(
                    (dst, port),
                    serial,
                    Flight {
                        probe: p,
                        sent: None,
                        wait,
                        at_known_pace: false,
                    },
                );
                self.paces
                    .entry(dst)
                    .or_insert_with(|| Pace::new(now))
                    .queue
                    .push_back((port, serial));
                continue;
            }
            let Some(pkt) = self.datagram(src, dst, port) else {
                done.push((p, Outcome::Answer(Reason::NetUnreach), Duration::ZERO, None));
                continue;
            };
            self.flights.insert(
                (dst, port),
                serial,
                Flight {
                    probe: p,
                    sent: Some(now),
                    wait,
                    at_known_pace: false,
                },
            );
            self.flights.arm((dst, port), serial, now + wait);
            let q = if dst.is_ipv4() {
                &mut pkts4
            } else {
                &mut pkts6
            };
            q.0.push(pkt);
            q.1.push(dst);
        }
        for (pkts, dsts) in [pkts4, pkts6] {
            if !pkts.is_empty() && !self.pool.send((pkts, dsts)) {
                return Err(ScanError::Io(io::Error::other(
                    "the sender threads stopped",
                )));
            }
        }
        self.pump(Instant::now())
    }

    fn in_flight(&self) -> usize {
        self.flights.len()
    }

    async fn next(&mut self) -> Done {
        loop {
            self.take_in();
            if let Some(d) = self.flights.pop_ready() {
                return d;
            }
            let deadline = self.flights.next_deadline();
            let wake = match (deadline, self.next_turn()) {
                (Some(a), Some(b)) => a.min(b),
                (Some(a), None) | (None, Some(a)) => a,
                (None, None) => return std::future::pending().await,
            };
            tokio::select! {
                a = self.rx.recv() => {
                    if let Some(a) = a {
                        self.accept(a);
                    }
                }
                _ = tokio::time::sleep_until(wake.into()) => {}
            }
        }
    }

    fn try_next(&mut self) -> Option<Done> {
        if !self.flights.has_ready() {
            self.take_in();
        }
        self.flights.pop_ready()
    }
}

/// Runs a UDP scan of `ports` on every host of `targets` on the one scheduler. `cancel`
/// stops it (partial results, `interrupted: true`).
pub fn scan(
    targets: &TargetSet,
    ports: &[u16],
    cfg: &ScanConfig,
    obs: &mut dyn Observer,
    cancel: &AtomicBool,
) -> Result<ScanReport, ScanError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ScanError::Runtime)?;
    rt.block_on(crate::engine::scan(
        Udp::new(cfg),
        targets,
        ports,
        cfg,
        obs,
        cancel,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pace_follows_the_refill_of_the_icmp_limit() {
        let t0 = Instant::now();
        let mut pc = Pace::new(t0);
        assert!(!pc.known());
        // One unreachable every 100 ms: the interval settles just above it.
        for k in 0..6u32 {
            pc.on_unreach(t0 + Duration::from_millis(100) * k);
        }
        assert!(pc.known());
        assert!(
            pc.interval >= Duration::from_millis(100) && pc.interval < Duration::from_millis(120),
            "{:?}",
            pc.interval
        );
    }

    #[test]
    fn the_pace_slows_down_when_unreachables_stop() {
        let t0 = Instant::now();
        let mut pc = Pace::new(t0);
        pc.on_unreach(t0);
        for k in 1..=6u32 {
            pc.on_send(t0 + Duration::from_millis(50) * k);
        }
        assert!(pc.interval > FIRST_INTERVAL, "{:?}", pc.interval);
    }
}
