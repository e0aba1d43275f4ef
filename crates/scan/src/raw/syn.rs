//! The stateless SYN scan.
//!
//! Each host group is swept in keyed pseudo-random (host, port) order; a probe's sequence
//! number is its cookie ([`super::cookie`]), so a SYN-ACK (open) or RST-ACK (closed) is
//! accepted only when it acknowledges `cookie + 1`, and its round trip is read back from the
//! cookie's time bits. Only a bitmap of answered (host, port) indices is kept. Unanswered
//! ports are probed again in retransmission rounds until two rounds in a row bring nothing
//! new (or `retries` rounds); a round ends a fixed timeout (from the measured round trips)
//! after its last probe, so the scan always ends by itself. The kernel answers our peers'
//! SYN-ACKs with RST (no socket owns our source ports), as with nmap.
//!
//! The send rate adapts like a congestion window: it grows while the socket takes probes,
//! is cut on `ENOBUFS` and when a retransmission round finds many answers (losses), and never
//! exceeds `--rate`.

use super::cookie::CookieKey;
use super::packet::{
    build_syn, build_syn6, parse_tcp, parse_tcp6, parse_unreachable, parse_unreachable6, with_ipv4,
    TcpReply,
};
use super::pool::{Counters, Pool};
use super::sender::RawSocket;
use super::*;
use crate::engine::{Observer, ScanConfig, ScanKind};
use crate::rtt::RttEstimator;
use std::sync::atomic::AtomicBool;

const BATCH: usize = 256;

struct Ctx<'a> {
    g: &'a GroupCtx,
    key: &'a CookieKey,
    pidx: &'a [u32],
    t0: Instant,
}

impl Ctx<'_> {
    fn now_ms(&self) -> u32 {
        self.t0.elapsed().as_millis() as u32
    }

    fn in_range(sport: u16) -> bool {
        (SPORT_BASE..SPORT_BASE.saturating_add(SPORT_SPAN)).contains(&sport)
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
        let Some(&h) = self.g.index.get(&r.src) else {
            return;
        };
        let pi = self
            .pidx
            .get(usize::from(r.sport))
            .copied()
            .unwrap_or(u32::MAX);
        if pi == u32::MAX {
            return;
        }
        let Some(&src) = self.g.srcs.get(h as usize) else {
            return;
        };
        let Some(t) = self.key.check_ack(src, r.src, r.dport, r.sport, r.ack) else {
            return;
        };
        self.g.answer(Event {
            idx: u64::from(h) * self.g.nports + u64::from(pi),
            reason: if r.syn_ack {
                Reason::SynAck
            } else {
                Reason::Reset
            },
            rtt_ms: Some(CookieKey::elapsed_ms(t, self.now_ms())),
            payload: None,
            at: Instant::now(),
        });
    }

    fn on_icmp(&self, pkt: &[u8], from: Option<IpAddr>) {
        let u = match from {
            Some(IpAddr::V6(src)) => parse_unreachable6(pkt, src),
            _ => parse_unreachable(pkt),
        };
        let Some(u) = u else {
            return;
        };
        if u.proto != 6 || !Self::in_range(u.sport) {
            return;
        }
        let Some(&h) = self.g.index.get(&u.dst) else {
            return;
        };
        let pi = self
            .pidx
            .get(usize::from(u.dport))
            .copied()
            .unwrap_or(u32::MAX);
        let Some(&src) = self.g.srcs.get(h as usize) else {
            return;
        };
        if pi == u32::MAX
            || self
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
        self.g.answer(Event {
            idx: u64::from(h) * self.g.nports + u64::from(pi),
            reason,
            rtt_ms: None,
            payload: None,
            at: Instant::now(),
        });
    }
}

/// The raw sockets of a SYN scan, for the address families its targets need.
#[derive(Default)]
struct Sockets {
    /// Readers: per family, raw TCP (the kernel keeps only ACK/RST segments to our ports)
    /// and ICMP.
    recv: Families,
    /// Send-only IPv4 sockets (`IPPROTO_RAW`), one per sender thread.
    send4: Vec<RawSocket>,
    /// IPv6 sending sockets (raw TCP that receive nothing), one per sender thread.
    send6: Vec<RawSocket>,
}

impl Sockets {
    /// Opens the sockets of the families asked for that are not open yet; `Permission`
    /// without CAP_NET_RAW. Two senders per family: on loopback the kernel answers each SYN
    /// inside the sending call, so two sending threads use both cores.
    fn open(&mut self, v4: bool, v6: bool) -> Result<(), ScanError> {
        let ports = SPORT_BASE..=SPORT_BASE + (SPORT_SPAN - 1);
        let (new4, new6) = (v4 && self.recv.v4.is_none(), v6 && self.recv.v6.is_none());
        self.recv.open(new4, new6, nix::libc::IPPROTO_TCP)?;
        // Without the filters the scan still works, only with more wake-ups.
        if let Some((tcp, _)) = self.recv.v4.as_ref().filter(|_| new4) {
            let _ = tcp.keep_tcp_answers(ports.clone());
            self.send4.push(open_raw(nix::libc::IPPROTO_RAW)?);
            self.send4.extend(RawSocket::open_send_only().ok());
        }
        if let Some((tcp, _)) = self.recv.v6.as_ref().filter(|_| new6) {
            let _ = tcp.keep_tcp6_answers(ports);
            for _ in 0..2 {
                let tx = open_raw6(nix::libc::IPPROTO_TCP)?;
                tx.receive_nothing().map_err(ScanError::Io)?;
                self.send6.push(tx);
            }
        }
        Ok(())
    }
}

/// The SYN prober: its raw sockets, the cookie key and the scan-wide round-trip estimate.
struct Syn {
    socks: Sockets,
    key: CookieKey,
    pidx: Vec<u32>,
    t0: Instant,
    rtt: RttEstimator,
}

impl RawProber for Syn {
    const KIND: ScanKind = ScanKind::Syn;

    fn group_size(&self, nports: usize) -> u64 {
        group_size(nports)
    }

    fn initial_rate(&self, targets: &TargetSet, cfg: &ScanConfig) -> f64 {
        let cap = cfg.rate.unwrap_or(1e7).max(1.0 / 3600.0);
        // Loopback has no link to overload: start at the cap and let ENOBUFS pace us.
        let all_loopback = !targets.is_empty()
            && targets.len() <= 256
            && (0..targets.len()).all(|i| targets.get(i).is_some_and(|e| e.addr.is_loopback()));
        if all_loopback {
            cap.min(2_000_000.0)
        } else {
            cfg.rate.map_or(20_000.0, |r| r.min(20_000.0))
        }
    }

    fn open(&mut self, v4: bool, v6: bool) -> Result<(), ScanError> {
        self.socks.open(v4, v6)
    }

    fn scan_group(&mut self, run: &mut GroupRun<'_>) -> Result<(), ScanError> {
        let (g, ports, cfg, cancel) = (run.g, run.ports, run.cfg, run.cancel);
        let (done_before, total) = (run.done_before, run.total);
        let perm = &g.order;
        let mut accs = std::mem::take(&mut run.accs);
        let pacer = &mut *run.pacer;
        let stats = &mut *run.stats;
        let obs = &mut *run.obs;
        let mut interrupted = false;
        let (socks, key, pidx, t0) = (&self.socks, &self.key, &self.pidx[..], self.t0);
        let (v4, v6) = g.families();
        let mut rtt = self.rtt;
        let ctx = Ctx { g, key, pidx, t0 };
        let stop = AtomicBool::new(false);
        let mut resolved = 0u64;
        let counters = Counters::default();
        let res: Result<(), ScanError> = std::thread::scope(|sc| {
            let mut pool = Pool::start(sc, &socks.send4, &socks.send6, &counters);
            let mut enobufs_seen = 0u64;
            let (ctx_ref, stop_ref) = (&ctx, &stop);
            for tcp in socks.recv.readers(v4, v6, true) {
                sc.spawn(move || receive(tcp, stop_ref, |p, from| ctx_ref.on_tcp(p, from)));
            }
            for icmp in socks.recv.readers(v4, v6, false) {
                sc.spawn(move || receive(icmp, stop_ref, |p, from| ctx_ref.on_icmp(p, from)));
            }
            let drain = |accs: &mut Vec<HostAcc>, rtt: &mut RttEstimator| -> u64 {
                let evs = g.take_events();
                let k = evs.len() as u64;
                for ev in evs {
                    let h = (ev.idx / g.nports) as usize;
                    let Some(&port) = ports.get((ev.idx % g.nports) as usize) else {
                        continue;
                    };
                    let d = ev.rtt_ms.map(|ms| Duration::from_millis(u64::from(ms)));
                    if let Some(d) = d {
                        rtt.sample(d);
                    }
                    let mut p = PortResult::new(port, ev.reason, d);
                    if ev.reason == Reason::PortUnreach {
                        p.state = PortState::Filtered;
                    }
                    if let Some(a) = accs.get_mut(h) {
                        a.add(p, cfg.all_states, cfg.list_limit);
                    }
                }
                k
            };
            let mut quiet = 0;
            let mut pkts: Vec<Vec<u8>> = Vec::with_capacity(BATCH);
            let mut dsts: Vec<IpAddr> = Vec::with_capacity(BATCH);
            let mut last_tick = Instant::now();
            let mut errors_in_tick = false;
            for round in 0..=cfg.retries {
                let before = resolved;
                let mut sent_round = 0u64;
                let mut i = 0u64;
                while i < perm.len() {
                    if cancel.load(Ordering::Relaxed) {
                        interrupted = true;
                        break;
                    }
                    let enobufs = counters.enobufs.load(Ordering::Relaxed);
                    if enobufs != enobufs_seen {
                        enobufs_seen = enobufs;
                        errors_in_tick = true;
                        pacer.decrease(0.8);
                    }
                    if last_tick.elapsed() >= Duration::from_millis(20) {
                        resolved += drain(&mut accs, &mut rtt);
                        if !errors_in_tick && round == 0 {
                            pacer.increase(1.25);
                        }
                        errors_in_tick = false;
                        last_tick = Instant::now();
                        obs.progress(done_before + resolved, total);
                    }
                    {
                        let grant = pacer.grant(BATCH);
                        let now_ms = ctx.now_ms();
                        while pkts.len() < grant && i < perm.len() {
                            let idx = perm.get(i);
                            i += 1;
                            if g.is_answered(idx) {
                                continue;
                            }
                            let Some((h, dst, src, port)) = g.target(idx, ports) else {
                                continue;
                            };
                            let sport = SPORT_BASE
                                + ((idx + u64::from(round) * 7919) % u64::from(SPORT_SPAN)) as u16;
                            let seq = key.tcp_seq(src, dst, sport, port, now_ms);
                            pkts.push(match (src, dst) {
                                (IpAddr::V4(s), IpAddr::V4(d)) => {
                                    with_ipv4(6, s, d, &build_syn(s, d, sport, port, seq))
                                }
                                (IpAddr::V6(s), IpAddr::V6(d)) => {
                                    build_syn6(s, d, sport, port, seq)
                                }
                                _ => continue,
                            });
                            dsts.push(dst);
                            if let Some(a) = accs.get_mut(h) {
                                a.probes += 1;
                                if round > 0 {
                                    a.retries += 1;
                                }
                            }
                        }
                    }
                    if pkts.is_empty() {
                        continue;
                    }
                    sent_round += pkts.len() as u64;
                    let batch = (
                        std::mem::replace(&mut pkts, Vec::with_capacity(BATCH)),
                        std::mem::replace(&mut dsts, Vec::with_capacity(BATCH)),
                    );
                    if !pool.send(batch) {
                        stop.store(true, Ordering::Relaxed);
                        return Err(ScanError::Io(io::Error::other(
                            "the sender threads stopped",
                        )));
                    }
                }
                pool.flush(&counters);
                stats.probes += sent_round;
                if round > 0 {
                    stats.retries += sent_round;
                }
                if interrupted {
                    break;
                }
                // Wait for the stragglers of this round: a bounded, fixed deadline.
                let deadline = Instant::now() + rtt.timeout();
                interrupted = wait_answers(deadline, Duration::from_millis(1), cancel, || {
                    resolved += drain(&mut accs, &mut rtt);
                    resolved >= perm.len()
                });
                resolved += drain(&mut accs, &mut rtt);
                let new = resolved - before;
                if resolved >= perm.len() || interrupted {
                    break;
                }
                if round > 0 {
                    quiet = if new == 0 { quiet + 1 } else { 0 };
                    if quiet >= 2 {
                        break;
                    }
                    if new * 20 > sent_round {
                        // Many earlier probes were lost: slow down.
                        pacer.decrease(0.5);
                    }
                }
            }
            drop(pool);
            stop.store(true, Ordering::Relaxed);
            resolved += drain(&mut accs, &mut rtt);
            Ok(())
        });
        res?;
        self.rtt = rtt;
        run.accs = accs;
        run.interrupted = interrupted;
        Ok(())
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
    let prober = Syn {
        socks: Sockets::default(),
        key: scan_key(cfg.seed, cfg.shard),
        pidx: port_index(ports),
        t0: Instant::now(),
        rtt: RttEstimator::new(cfg.initial_timeout, cfg.min_timeout, cfg.max_timeout),
    };
    drive(prober, targets, ports, cfg, obs, cancel)
}
