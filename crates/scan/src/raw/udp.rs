//! The UDP scan.
//!
//! Every (host, port) gets a probe with its protocol payload ([`super::payloads`]) at the
//! global rate; then, for a timeout taken from the measured round trips, the answers are
//! collected, and the ports still silent get the next round (`retries` rounds at most). A
//! reply means open (and, when it looks like the protocol's answer, names the service);
//! ICMP port unreachable from the target means closed; other ICMP unreachables mean
//! filtered; silence after every round means open|filtered. The rounds are there for lost
//! packets, so every open port is found in a few round trips.
//!
//! Targets rate-limit ICMP errors (Linux: a per-peer token bucket, about one per second
//! after a burst of six), so after the rounds most closed ports of such a host are still
//! silent. nmap waits for them with an exponential backoff (minutes for the top 100 ports).
//! Here they stay open|filtered unless [`ScanConfig::icmp_pace`](crate::ScanConfig::icmp_pace) asks for the paced phase:
//! the silent ports are probed host by host at an interval that follows the target's
//! observed limit: while no rate is known, the pace slows down when unreachables stop
//! coming although probes continue; once a few unreachables have arrived, the spacing
//! between them (its lower quartile: under a token bucket they cannot come faster than the
//! refill) gives the token interval, and the pace is set just above it so that every closed
//! port's probe finds a token. Replies are matched by source port
//! ([`super::cookie::CookieKey::udp_sport`]).

use super::cookie::CookieKey;
use super::packet::{
    build_udp, build_udp6, parse_udp, parse_udp6, parse_unreachable, parse_unreachable6, UdpReply,
    Unreachable,
};
use super::payloads;
use super::*;
use crate::engine::{Observer, ScanConfig, ScanKind};
use crate::model::{Banner, Identified};
use crate::rtt::RttEstimator;
use std::collections::VecDeque;
use std::sync::atomic::AtomicBool;

const MAX_INTERVAL: Duration = Duration::from_secs(2);
const FIRST_INTERVAL: Duration = Duration::from_millis(5);
const BANNER_MAX: usize = 512;

struct Ctx<'a> {
    g: &'a GroupCtx,
    key: &'a CookieKey,
    pidx: &'a [u32],
}

impl Ctx<'_> {
    fn lookup(&self, target: IpAddr, tport: u16, our: u16) -> Option<u64> {
        let &h = self.g.index.get(&target)?;
        let pi = *self.pidx.get(usize::from(tport))?;
        if pi == u32::MAX || self.key.udp_sport(target, tport, SPORT_BASE, SPORT_SPAN) != our {
            return None;
        }
        Some(u64::from(h) * self.g.nports + u64::from(pi))
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
        if self.key.udp_sport(u.src, u.dport, SPORT_BASE, SPORT_SPAN) == u.sport {
            return;
        }
        let Some(idx) = self.lookup(u.src, u.sport, u.dport) else {
            return;
        };
        let keep = u.payload.len().min(BANNER_MAX);
        self.g.answer(Event {
            idx,
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
        if u.proto != 17 {
            return;
        }
        let Some(idx) = self.lookup(u.dst, u.dport, u.sport) else {
            return;
        };
        let reason = match u.code {
            3 if u.from == u.dst => Reason::PortUnreach,
            0 => Reason::NetUnreach,
            1 => Reason::HostUnreach,
            2 => Reason::ProtoUnreach,
            _ => Reason::AdminProhibited,
        };
        self.g.answer(Event {
            idx,
            reason,
            payload: None,
            at: Instant::now(),
        });
    }
}

/// Per-host pacing of the paced phase.
struct Pace {
    queue: VecDeque<u32>,
    interval: Duration,
    next_at: Instant,
    last_icmp: Option<Instant>,
    gaps: VecDeque<Duration>,
    sent_since_icmp: u32,
}

impl Pace {
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
        if self.gaps.len() >= 3 {
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
        if self.gaps.len() < 3
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

/// Time since `t0` in 100 µs steps (a probe's send time, kept in four bytes).
fn stamp(t0: Instant) -> u32 {
    u32::try_from(t0.elapsed().as_micros() / 100).unwrap_or(u32::MAX)
}

/// The UDP prober: its raw sockets, the source-port key, the payloads' transaction id and
/// the scan-wide round-trip estimate.
struct Udp {
    socks: Families,
    key: CookieKey,
    txid: u16,
    pidx: Vec<u32>,
    rtt: RttEstimator,
}

impl RawProber for Udp {
    const KIND: ScanKind = ScanKind::Udp;

    fn group_size(&self, nports: usize) -> u64 {
        group_size(nports).min(1024)
    }

    fn initial_rate(&self, _targets: &TargetSet, cfg: &ScanConfig) -> f64 {
        cfg.rate.map_or(5_000.0, |r| r.min(5_000.0))
    }

    fn open(&mut self, v4: bool, v6: bool) -> Result<(), ScanError> {
        self.socks.open(v4, v6, nix::libc::IPPROTO_UDP)
    }

    fn scan_group(&mut self, run: &mut GroupRun<'_>) -> Result<(), ScanError> {
        let (g, ports, cfg, cancel) = (run.g, run.ports, run.cfg, run.cancel);
        let (done_before, total) = (run.done_before, run.total);
        let nh = g.hosts.len();
        let n = nh as u64 * g.nports;
        let perm = &g.order;
        let mut accs = std::mem::take(&mut run.accs);
        let pacer = &mut *run.pacer;
        let stats = &mut *run.stats;
        let obs = &mut *run.obs;
        let mut interrupted = false;
        let (socks, key, pidx, txid) = (&self.socks, &self.key, &self.pidx[..], self.txid);
        let (v4, v6) = g.families();
        let max_attempts = cfg.retries.saturating_add(1).min(255) as u8;
        let mut rtt = self.rtt;
        let probe = |src: IpAddr, dst: IpAddr, port: u16| {
            let sport = key.udp_sport(dst, port, SPORT_BASE, SPORT_SPAN);
            let data = payloads::payload(port, txid);
            match (src, dst) {
                (IpAddr::V4(s), IpAddr::V4(d)) => build_udp(s, d, sport, port, &data),
                (IpAddr::V6(s), IpAddr::V6(d)) => build_udp6(s, d, sport, port, &data),
                _ => Vec::new(),
            }
        };
        let ctx = Ctx { g, key, pidx };
        let stop = AtomicBool::new(false);
        let nh = g.hosts.len();
        let mut attempts = vec![0u8; n as usize];
        let mut paced_tries = vec![0u8; n as usize];
        // When each probe last went out, in 100 µs steps from `t_group`.
        let t_group = Instant::now();
        let mut sent_at = vec![0u32; n as usize];
        let mut answered = 0u64;
        let mut paces: Vec<Pace> = (0..nh)
            .map(|_| Pace {
                queue: VecDeque::new(),
                interval: FIRST_INTERVAL,
                next_at: Instant::now(),
                last_icmp: None,
                gaps: VecDeque::new(),
                sent_since_icmp: 0,
            })
            .collect();
        std::thread::scope(|sc| {
            let (ctx_ref, stop_ref) = (&ctx, &stop);
            for sock in socks.readers(v4, v6, true) {
                sc.spawn(move || {
                    receive_sized(sock, stop_ref, 16, 65_536, |p, from| {
                        ctx_ref.on_udp(p, from)
                    })
                });
            }
            for sock in socks.readers(v4, v6, false) {
                sc.spawn(move || receive(sock, stop_ref, |p, from| ctx_ref.on_icmp(p, from)));
            }
            // Answers to first probes give round-trip samples (Karn: not retransmissions).
            let drain = |accs: &mut Vec<HostAcc>,
                         paces: &mut Vec<Pace>,
                         rtt: &mut RttEstimator,
                         sent: &[u32],
                         attempts: &[u8]| {
                let events = g.take_events();
                let count = events.len() as u64;
                for ev in events {
                    let h = (ev.idx / g.nports) as usize;
                    let Some(&port) = ports.get((ev.idx % g.nports) as usize) else {
                        continue;
                    };
                    let mut d = None;
                    let i = ev.idx as usize;
                    if let (Some(&at), Some(1)) = (sent.get(i), attempts.get(i)) {
                        let at = t_group + Duration::from_micros(u64::from(at) * 100);
                        if ev.at >= at {
                            d = Some(ev.at - at);
                            rtt.sample(ev.at - at);
                        }
                    }
                    if let Some(pc) = paces.get_mut(h) {
                        if ev.reason == Reason::PortUnreach {
                            pc.on_unreach(ev.at);
                        }
                    }
                    let mut p = PortResult::with_protocol(Protocol::Udp, port, ev.reason, d);
                    if let Some(bytes) = ev.payload {
                        if let Some(name) = payloads::recognize(port, &bytes) {
                            let mut id = Identified::new(name, "udp");
                            id.usual_port = Some(port);
                            p.identified = Some(id);
                        }
                        // What the answer says (version, SNMP sysDescr, findings).
                        if cfg.banners != crate::engine::BannerMode::Off {
                            if let Some(f) = crate::ident::identify_udp(port, &bytes) {
                                crate::ident::apply(&mut p, f);
                            }
                        }
                        if !bytes.is_empty() && cfg.banners != crate::engine::BannerMode::Off {
                            p.banner = Some(Banner(bytes));
                        }
                    }
                    if let Some(a) = accs.get_mut(h) {
                        a.add(p, cfg.all_states, cfg.list_limit);
                    }
                }
                count
            };
            // Rounds: every silent (host, port) gets a probe at the global rate, then one
            // timeout (from the measured round trips) for the answers. Open ports answer
            // within a round unless a packet was lost; the rounds are there for the loss.
            let mut last_tick = Instant::now();
            for round in 0..max_attempts {
                let mut i = 0u64;
                let mut sent_round = 0u64;
                while i < perm.len() {
                    if cancel.load(Ordering::Relaxed) {
                        interrupted = true;
                        break;
                    }
                    if last_tick.elapsed() >= Duration::from_millis(20) {
                        answered += drain(&mut accs, &mut paces, &mut rtt, &sent_at, &attempts);
                        pacer.increase(1.25);
                        last_tick = Instant::now();
                        let step = (u64::from(round) * n + i) / u64::from(max_attempts);
                        obs.progress(done_before + step, total);
                    }
                    let mut grant = pacer.grant(64);
                    while grant > 0 && i < perm.len() {
                        let idx = perm.get(i);
                        i += 1;
                        if g.is_answered(idx) {
                            continue;
                        }
                        grant -= 1;
                        let Some((h, dst, src, port)) = g.target(idx, ports) else {
                            continue;
                        };
                        let pkt = probe(src, dst, port);
                        let mut tries = 0;
                        while let Err(e) = socks.send_one(&pkt, dst) {
                            tries += 1;
                            if e.raw_os_error() != Some(nix::libc::ENOBUFS) || tries > 100 {
                                break;
                            }
                            pacer.decrease(0.8);
                            std::thread::sleep(Duration::from_micros(500));
                        }
                        if let Some(a) = attempts.get_mut(idx as usize) {
                            *a = a.saturating_add(1);
                        }
                        if let Some(t) = sent_at.get_mut(idx as usize) {
                            *t = stamp(t_group);
                        }
                        if let Some(a) = accs.get_mut(h) {
                            a.probes += 1;
                            if round > 0 {
                                a.retries += 1;
                            }
                        }
                        sent_round += 1;
                    }
                }
                stats.probes += sent_round;
                if round > 0 {
                    stats.retries += sent_round;
                }
                if interrupted || sent_round == 0 {
                    break;
                }
                let deadline = Instant::now() + rtt.timeout();
                interrupted = wait_answers(deadline, Duration::from_millis(5), cancel, || {
                    answered += drain(&mut accs, &mut paces, &mut rtt, &sent_at, &attempts);
                    answered >= perm.len()
                });
                answered += drain(&mut accs, &mut paces, &mut rtt, &sent_at, &attempts);
                if interrupted {
                    break;
                }
            }
            // Paced phase (--icmp-pace): the ports still silent, probed host by host at
            // the target's observed ICMP rate, so that each closed port's probe finds a
            // token and a silent port is open|filtered for certain.
            if cfg.icmp_pace && !interrupted {
                for (h, pc) in paces.iter_mut().enumerate() {
                    for pi in 0..g.nports {
                        let idx = h as u64 * g.nports + pi;
                        if !g.is_answered(idx) {
                            pc.queue.push_back(pi as u32);
                        }
                    }
                    // The rounds spent the tokens; learn the refill from here on.
                    pc.interval = FIRST_INTERVAL;
                    pc.next_at = Instant::now();
                    pc.gaps.clear();
                    pc.last_icmp = None;
                }
            }
            loop {
                if cancel.load(Ordering::Relaxed) {
                    interrupted = true;
                    break;
                }
                answered += drain(&mut accs, &mut paces, &mut rtt, &sent_at, &attempts);
                let now = Instant::now();
                let mut next_wake = now + Duration::from_millis(5);
                let mut busy = false;
                for h in 0..nh {
                    let Some(pc) = paces.get_mut(h) else { continue };
                    // Drop ports answered meanwhile.
                    while pc
                        .queue
                        .front()
                        .is_some_and(|&pi| g.is_answered(h as u64 * g.nports + u64::from(pi)))
                    {
                        pc.queue.pop_front();
                    }
                    let Some(&pi) = pc.queue.front() else {
                        continue;
                    };
                    busy = true;
                    if now < pc.next_at {
                        next_wake = next_wake.min(pc.next_at);
                        continue;
                    }
                    if pacer.grant(1) == 0 {
                        continue;
                    }
                    pc.queue.pop_front();
                    let idx = h as u64 * g.nports + u64::from(pi);
                    let Some((_, dst, src, port)) = g.target(idx, ports) else {
                        continue;
                    };
                    let _ = socks.send_one(&probe(src, dst, port), dst);
                    stats.probes += 1;
                    stats.retries += 1;
                    if let Some(a) = accs.get_mut(h) {
                        a.probes += 1;
                        a.retries += 1;
                    }
                    // Once the refill is known, a probe sent at that pace that draws no
                    // unreachable settles the port; two such probes allow for one loss.
                    let paced = pc.gaps.len() >= 3;
                    let tried = paced_tries.get_mut(idx as usize).map_or(u8::MAX, |a| {
                        if paced {
                            *a = a.saturating_add(1);
                        }
                        *a
                    });
                    let all = attempts.get_mut(idx as usize).map_or(u8::MAX, |a| {
                        *a = a.saturating_add(1);
                        *a
                    });
                    if tried < 2 && all < max_attempts.saturating_mul(3) {
                        pc.queue.push_back(pi);
                    }
                    if let Some(t) = sent_at.get_mut(idx as usize) {
                        *t = stamp(t_group);
                    }
                    pc.on_send(now);
                    pc.next_at = now + pc.interval;
                    next_wake = next_wake.min(pc.next_at);
                }
                if !busy {
                    break;
                }
                let now = Instant::now();
                if next_wake > now {
                    std::thread::sleep((next_wake - now).min(Duration::from_millis(5)));
                }
            }
            // A last, bounded wait for the final probes' answers.
            let deadline = Instant::now() + rtt.timeout();
            while Instant::now() < deadline && !interrupted {
                std::thread::sleep(Duration::from_millis(5));
                answered += drain(&mut accs, &mut paces, &mut rtt, &sent_at, &attempts);
            }
            stop.store(true, Ordering::Relaxed);
            answered += drain(&mut accs, &mut paces, &mut rtt, &sent_at, &attempts);
        });
        self.rtt = rtt;
        run.accs = accs;
        run.interrupted = interrupted;
        Ok(())
    }
}

/// Runs a UDP scan of `ports` on every host of `targets`; `retries` bounds the extra
/// attempts per silent port. `cancel` stops it (partial results).
pub fn scan(
    targets: &TargetSet,
    ports: &[u16],
    cfg: &ScanConfig,
    obs: &mut dyn Observer,
    cancel: &AtomicBool,
) -> Result<ScanReport, ScanError> {
    let seed = cfg.seed.unwrap_or_else(crate::run::random_seed);
    let prober = Udp {
        socks: Families::default(),
        key: scan_key(cfg.seed, cfg.shard),
        txid: (seed >> 16) as u16,
        pidx: port_index(ports),
        rtt: RttEstimator::new(cfg.initial_timeout, cfg.min_timeout, cfg.max_timeout),
    };
    drive(prober, targets, ports, cfg, obs, cancel)
}
