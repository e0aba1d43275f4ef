//! The SYN prober of the one scheduler ([`crate::engine`]).
//!
//! The scheduler decides which probe goes when (host groups, the keyed order, discovery,
//! per-host and group windows, retries, identification); this prober only puts SYNs on
//! the wire and says what became of each. A probe's sequence number is its cookie
//! ([`super::cookie`]): a SYN-ACK (open) or RST-ACK (closed) is accepted only when it
//! acknowledges `cookie + 1`, so forged or stray segments, and the answers to another
//! shard's probes, are dropped by the receiver threads before they reach the scheduler.
//! An ICMP unreachable quoting one of our SYNs ends it filtered, with its reason. A probe
//! that nothing answers within the timeout the scheduler gave it times out here.
//!
//! Receiver threads (raw TCP and ICMP, per address family) decode and check answers and
//! hand them over a channel; two sender threads per family ([`super::pool`]) send with
//! `sendmmsg`, so on loopback (where the kernel answers each SYN inside the send call) both
//! cores work. A full queue (`ENOBUFS`) makes the senders wait and retry, and their bounded
//! queues hold the scheduler back meanwhile: the send rate follows what the path takes. The kernel answers our peers' SYN-ACKs with RST (no socket owns our source
//! ports), as with nmap.

use super::cookie::CookieKey;
use super::flights::Flights;
use super::packet::{
    build_syn, build_syn6, parse_tcp, parse_tcp6, parse_unreachable, parse_unreachable6, with_ipv4,
    TcpReply, Unreachable,
};
use super::pool::Pool;
use super::sender::RawSocket;
use super::*;
use crate::engine::{Done, Observer, Outcome, Probe, Prober, ScanConfig, ScanKind};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, RwLock};

/// An answer a receiver thread accepted: the target, its port, what it said.
#[derive(Debug, Clone, Copy)]
struct Answer {
    addr: IpAddr,
    port: u16,
    reason: Reason,
    rtt_ms: Option<u32>,
}

/// What the receiver threads need: the cookie key, the clock of the cookies' time bits,
/// our source address for each target, and the way to the scheduler.
struct Shared {
    key: CookieKey,
    t0: Instant,
    sources: RwLock<HashMap<IpAddr, IpAddr>>,
    tx: tokio::sync::mpsc::UnboundedSender<Answer>,
}

impl Shared {
    fn now_ms(&self) -> u32 {
        self.t0.elapsed().as_millis() as u32
    }

    fn in_range(sport: u16) -> bool {
        (SPORT_BASE..SPORT_BASE.saturating_add(SPORT_SPAN)).contains(&sport)
    }

    fn source(&self, target: IpAddr) -> Option<IpAddr> {
        self.sources.read().ok()?.get(&target).copied()
    }

    /// A packet from a TCP reader: a whole IPv4 packet, or a TCP segment from an IPv6
    /// socket (whose sender is `from`).
    fn on_tcp(&self, pkt: &[u8], from: Option<IpAddr>) {
        let r = match from {
            Some(IpAddr::V6(src)) => parse_tcp6(pkt, src),
            _ => parse_tcp(pkt),
        };
        if let Some(r) = r {
            self.on_reply(r);
        }
    }

    fn on_reply(&self, r: TcpReply) {
        if !(r.syn_ack || r.rst) || !Self::in_range(r.dport) {
            return;
        }
        let Some(src) = self.source(r.src) else {
            return;
        };
        let Some(t) = self.key.check_ack(src, r.src, r.dport, r.sport, r.ack) else {
            return;
        };
        let _ = self.tx.send(Answer {
            addr: r.src,
            port: r.sport,
            reason: if r.syn_ack {
                Reason::SynAck
            } else {
                Reason::Reset
            },
            rtt_ms: Some(CookieKey::elapsed_ms(t, self.now_ms())),
        });
    }

    fn on_icmp(&self, pkt: &[u8], from: Option<IpAddr>) {
        let u = match from {
            Some(IpAddr::V6(src)) => parse_unreachable6(pkt, src),
            _ => parse_unreachable(pkt),
        };
        if let Some(u) = u {
            self.on_unreachable(u);
        }
    }

    fn on_unreachable(&self, u: Unreachable) {
        if u.proto != 6 || !Self::in_range(u.sport) {
            return;
        }
        let Some(src) = self.source(u.dst) else {
            return;
        };
        if self
            .key
            .check_ack(src, u.dst, u.sport, u.dport, u.word.wrapping_add(1))
            .is_none()
        {
            return;
        }
        let reason = match u.code {
            0 => Reason::NetUnreach,
            1 => Reason::HostUnreach,
            2 => Reason::ProtoUnreach,
            3 => Reason::PortUnreach,
            _ => Reason::AdminProhibited,
        };
        let _ = self.tx.send(Answer {
            addr: u.dst,
            port: u.dport,
            reason,
            rtt_ms: None,
        });
    }
}

/// A probe on the wire.
struct Flight {
    probe: Probe,
    sent: Instant,
}

/// The SYN prober: raw sockets per address family (opened as targets need them), the
/// receiver threads, the probes in flight and their deadlines.
pub(crate) struct Syn {
    shared: Arc<Shared>,
    rx: tokio::sync::mpsc::UnboundedReceiver<Answer>,
    v4: bool,
    v6: bool,
    pool: Pool,
    receivers: Receivers,
    flights: Flights<Flight>,
    unroutable: HashMap<IpAddr, bool>,
}

impl Syn {
    /// A prober with the cookie key of `cfg` (seed and shard); no socket is open yet.
    pub(crate) fn new(cfg: &ScanConfig) -> Syn {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        Syn {
            shared: Arc::new(Shared {
                key: scan_key(cfg.seed, cfg.shard),
                t0: Instant::now(),
                sources: RwLock::new(HashMap::new()),
                tx,
            }),
            rx,
            v4: false,
            v6: false,
            pool: Pool::new(),
            receivers: Receivers::default(),
            flights: Flights::new(),
            unroutable: HashMap::new(),
        }
    }

    /// Opens the sockets of `v6`'s family (or IPv4's) and starts its receivers.
    fn open_family(&mut self, v6: bool) -> Result<(), ScanError> {
        let ports = SPORT_BASE..=SPORT_BASE + (SPORT_SPAN - 1);
        // Two senders per family: on loopback the kernel answers each SYN inside the
        // sending call, so two sending threads use both cores.
        let (tcp, icmp, senders) = if v6 {
            let tcp = open_raw6(nix::libc::IPPROTO_TCP)?;
            let _ = tcp.keep_tcp6_answers(ports);
            let mut senders = Vec::new();
            for _ in 0..2 {
                let tx = open_raw6(nix::libc::IPPROTO_TCP)?;
                tx.receive_nothing().map_err(ScanError::Io)?;
                senders.push(tx);
            }
            (tcp, open_raw6(nix::libc::IPPROTO_ICMPV6)?, senders)
        } else {
            let tcp = open_raw(nix::libc::IPPROTO_TCP)?;
            // Without the filter the scan still works, only with more wake-ups.
            let _ = tcp.keep_tcp_answers(ports);
            let mut senders = vec![open_raw(nix::libc::IPPROTO_RAW)?];
            senders.extend(RawSocket::open_send_only().ok());
            (tcp, open_raw(nix::libc::IPPROTO_ICMP)?, senders)
        };
        for s in senders {
            self.pool.add(v6, s).map_err(ScanError::Io)?;
        }
        for (sock, is_tcp) in [(tcp, true), (icmp, false)] {
            let shared = self.shared.clone();
            self.receivers.spawn("pw-syn-rx", move |stop| {
                if is_tcp {
                    receive(&sock, stop, |p, from| shared.on_tcp(p, from));
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
    /// probe instead: no route (as connect() would say), or, when the route lookup itself
    /// found no descriptor or buffer (identification of finished hosts may hold them all),
    /// a shortage to wait out; that is not remembered as "no route".
    fn source(&mut self, dst: IpAddr) -> Result<IpAddr, Outcome> {
        if let Some(s) = self.shared.source(dst) {
            return Ok(s);
        }
        if self.unroutable.contains_key(&dst) {
            return Err(Outcome::Answer(Reason::NetUnreach));
        }
        match route(dst)? {
            Some(s) => {
                if let Ok(mut m) = self.shared.sources.write() {
                    m.insert(dst, s);
                }
                Ok(s)
            }
            None => {
                self.unroutable.insert(dst, true);
                Err(Outcome::Answer(Reason::NetUnreach))
            }
        }
    }

    fn accept(&mut self, a: Answer) {
        let Some(f) = self.flights.take(&(a.addr, a.port)) else {
            return;
        };
        let rtt = a.rtt_ms.map_or_else(
            || f.sent.elapsed(),
            |ms| Duration::from_millis(u64::from(ms)),
        );
        self.flights
            .push_ready((f.probe, Outcome::Answer(a.reason), rtt, None));
    }

    fn expire(&mut self, now: Instant) {
        self.flights.expire(now, |_, f| {
            (f.probe, Outcome::Timeout, now.duration_since(f.sent), None)
        });
    }

    fn take_in(&mut self) {
        while let Ok(a) = self.rx.try_recv() {
            self.accept(a);
        }
        self.expire(Instant::now());
    }
}

impl Prober for Syn {
    const KIND: ScanKind = ScanKind::Syn;

    fn window_bounds(&self, _nofile: u64, cfg: &ScanConfig) -> (usize, usize) {
        window_bounds(cfg)
    }

    fn crossing_ports(&self) -> Option<std::ops::RangeInclusive<u16>> {
        // Our source ports are our own (no socket holds them): no crossing is possible.
        None
    }

    fn launch(
        &mut self,
        batch: &[(Probe, SocketAddr, Duration)],
        done: &mut Vec<Done>,
    ) -> Result<(), ScanError> {
        let mut pkts4 = (Vec::new(), Vec::new());
        let mut pkts6 = (Vec::new(), Vec::new());
        let now_ms = self.shared.now_ms();
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
            let sport = SPORT_BASE + (serial % u64::from(SPORT_SPAN)) as u16;
            let seq = self.shared.key.tcp_seq(src, dst, sport, port, now_ms);
            let pkt = match (src, dst) {
                (IpAddr::V4(s), IpAddr::V4(d)) => {
                    with_ipv4(6, s, d, &build_syn(s, d, sport, port, seq))
                }
                (IpAddr::V6(s), IpAddr::V6(d)) => build_syn6(s, d, sport, port, seq),
                _ => {
                    done.push((p, Outcome::Answer(Reason::NetUnreach), Duration::ZERO, None));
                    continue;
                }
            };
            // In flight from here on, so that a second probe of the same pair in this
            // batch waits (its answer could not be told from this one's).
            self.flights.insert(
                (dst, port),
                serial,
                Flight {
                    probe: p,
                    sent: now,
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
        Ok(())
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
            let Some(at) = self.flights.next_deadline() else {
                return std::future::pending().await;
            };
            tokio::select! {
                a = self.rx.recv() => {
                    if let Some(a) = a {
                        self.accept(a);
                    }
                }
                _ = tokio::time::sleep_until(at.into()) => {}
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

/// Runs a SYN scan of `ports` on every host of `targets`. `cancel` stops it (partial
/// results, `interrupted: true`).
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
        Syn::new(cfg),
        targets,
        ports,
        cfg,
        obs,
        cancel,
    ))
}
