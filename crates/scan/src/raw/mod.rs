//! Raw-socket scans: the SYN prober of the TCP scheduler ([`syn::scan`], driven by
//! [`crate::engine`] like the connect scan) and a UDP scan with protocol payloads
//! ([`udp::scan`], still on its own round driver, [`drive`]). Both walk the same targets
//! ([`crate::TargetSet`]) and port lists in the same keyed pseudo-random order
//! ([`crate::perm`]) and produce the same [`ScanReport`].
//!
//! Replies are matched to probes by a keyed cookie ([`cookie`]); the UDP driver keeps only
//! one bit per (host, port) while a group is scanned. Receiver threads per raw socket read
//! replies while other threads send.
//!
//! Needs CAP_NET_RAW: [`ScanError::Permission`] tells the caller to fall back to the connect
//! scan. Both scans take IPv4 and IPv6 targets, mixed in one run.

pub mod cookie;
pub mod packet;
pub mod payloads;
pub(crate) mod pool;
pub mod sender;
pub mod syn;
pub mod udp;

use crate::engine::{Observer, ScanConfig, ScanError, ScanKind};
use crate::model::*;
use crate::perm::{Order, Shard};
use crate::targets::{HostEntry, TargetSet};
use portwarden_kb::Protocol;
use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// First source port of raw probes (outside Linux's default ephemeral range 32768-60999).
pub const SPORT_BASE: u16 = 61_440;
/// Number of source ports raw probes use.
pub const SPORT_SPAN: u16 = 1024;

/// One answer, as found by a receiver thread.
#[derive(Debug)]
pub(crate) struct Event {
    pub idx: u64,
    pub reason: Reason,
    pub payload: Option<Vec<u8>>,
    pub at: Instant,
}

/// What the sender and the receivers share for one host group.
pub(crate) struct GroupCtx {
    pub hosts: Vec<HostEntry>,
    pub addrs: Vec<IpAddr>,
    pub srcs: Vec<IpAddr>,
    pub index: HashMap<IpAddr, u32>,
    pub nports: u64,
    /// This shard's probe order over the group's (host, port) pairs.
    pub order: Order,
    answered: Vec<AtomicU64>,
    pub events: Mutex<Vec<Event>>,
}

impl GroupCtx {
    /// A group of `hosts` (either address family), with our source address for each.
    pub fn new(
        hosts: Vec<HostEntry>,
        nports: usize,
        seed: u64,
        shard: Shard,
    ) -> Result<GroupCtx, ScanError> {
        let mut addrs = Vec::with_capacity(hosts.len());
        let mut srcs = Vec::with_capacity(hosts.len());
        let mut index = HashMap::new();
        for (i, h) in hosts.iter().enumerate() {
            let a = h.addr;
            // No route to it: an unspecified source, and no probe is ever sent (the host
            // ends down, as its ports stay silent).
            let unspecified = match a {
                IpAddr::V4(_) => IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
                IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED),
            };
            srcs.push(sender::source_for_ip(a).unwrap_or(unspecified));
            index.entry(a).or_insert(i as u32);
            addrs.push(a);
        }
        let n = hosts.len() as u64 * nports as u64;
        Ok(GroupCtx {
            hosts,
            addrs,
            srcs,
            index,
            nports: nports as u64,
            order: Order::new(n, seed, shard),
            answered: (0..n.div_ceil(64)).map(|_| AtomicU64::new(0)).collect(),
            events: Mutex::new(Vec::new()),
        })
    }

    /// What probe `idx` is: its host's index, the host's address, our source address for
    /// it and the port. `None` for a host without a route (it gets no probes).
    pub fn target(&self, idx: u64, ports: &[u16]) -> Option<(usize, IpAddr, IpAddr, u16)> {
        let h = (idx / self.nports) as usize;
        let src = *self.srcs.get(h)?;
        if src.is_unspecified() {
            return None;
        }
        Some((
            h,
            *self.addrs.get(h)?,
            src,
            *ports.get((idx % self.nports) as usize)?,
        ))
    }

    /// Whether any host of the group is IPv4 / IPv6.
    pub fn families(&self) -> (bool, bool) {
        (
            self.addrs.iter().any(IpAddr::is_ipv4),
            self.addrs.iter().any(IpAddr::is_ipv6),
        )
    }

    pub fn is_answered(&self, idx: u64) -> bool {
        self.answered
            .get((idx / 64) as usize)
            .is_some_and(|w| w.load(Ordering::Relaxed) & (1 << (idx % 64)) != 0)
    }

    /// Marks `idx` answered and queues the event; false when it already was.
    pub fn answer(&self, ev: Event) -> bool {
        // An answer to another shard's probe (shards may share a host and its packets).
        if !self.order.contains(ev.idx) {
            return false;
        }
        let Some(w) = self.answered.get((ev.idx / 64) as usize) else {
            return false;
        };
        let bit = 1u64 << (ev.idx % 64);
        if w.fetch_or(bit, Ordering::Relaxed) & bit != 0 {
            return false;
        }
        if let Ok(mut q) = self.events.lock() {
            q.push(ev);
        }
        true
    }

    pub fn take_events(&self) -> Vec<Event> {
        self.events
            .lock()
            .map(|mut q| std::mem::take(&mut *q))
            .unwrap_or_default()
    }
}

/// What the driver hands a raw prober for one host group: the group, its probe order, the
/// per-host accumulators to fill, and the scan-wide pacing, counters and observer.
pub(crate) struct GroupRun<'a> {
    pub g: &'a GroupCtx,
    pub ports: &'a [u16],
    pub cfg: &'a ScanConfig,
    pub accs: Vec<HostAcc>,
    pub pacer: &'a mut Pacer,
    pub stats: &'a mut ScanStats,
    pub obs: &'a mut dyn Observer,
    pub cancel: &'a AtomicBool,
    /// Probes of the groups before this one, and of the whole scan (progress).
    pub done_before: u64,
    pub total: u64,
    /// Set by the prober when `cancel` stopped it.
    pub interrupted: bool,
}

/// A round-based raw prober (UDP): it opens its sockets, sends its probes of one host
/// group in retransmission rounds and turns what comes back into port results. The driver
/// ([`drive`]) owns everything else: host groups, the probe order, pacing, per-host
/// accumulation, identification afterwards, report assembly and cancellation.
pub(crate) trait RawProber {
    /// The scan type.
    const KIND: ScanKind;
    /// Hosts per group.
    fn group_size(&self, nports: usize) -> u64;
    /// Probes per second to start at (the pacer adapts from there, up to `--rate`).
    fn initial_rate(&self, targets: &TargetSet, cfg: &ScanConfig) -> f64;
    /// Opens the sockets of the address families a group needs (`Permission` without
    /// CAP_NET_RAW).
    fn open(&mut self, v4: bool, v6: bool) -> Result<(), ScanError>;
    /// Probes one group, filling `run.accs`.
    fn scan_group(&mut self, run: &mut GroupRun<'_>) -> Result<(), ScanError>;
}

/// Runs a raw scan with `prober`, group by group.
pub(crate) fn drive<P: RawProber>(
    mut prober: P,
    targets: &TargetSet,
    ports: &[u16],
    cfg: &ScanConfig,
    obs: &mut dyn Observer,
    cancel: &AtomicBool,
) -> Result<ScanReport, ScanError> {
    let started = Timestamp::now();
    let t0 = Instant::now();
    let seed = cfg.seed.unwrap_or_else(crate::run::random_seed);
    let cap = cfg.rate.unwrap_or(1e7).max(1.0 / 3600.0);
    let mut pacer = Pacer::new(prober.initial_rate(targets, cfg), cap);
    let mut stats = ScanStats::default();
    let mut hosts_out = Vec::new();
    let mut open_seen = 0u64;
    let total = crate::run::shard_total(targets, ports, cfg);
    let mut done_before = 0u64;
    let mut interrupted = false;
    let per = prober.group_size(ports.len());
    let mut slot = 0u64;
    let mut gseq = 0u64;
    while slot < targets.len() && !interrupted {
        let mut entries = Vec::new();
        while (entries.len() as u64) < per && slot < targets.len() {
            if let Some(e) = targets.get(slot) {
                entries.push(e);
            }
            slot += 1;
        }
        let g = GroupCtx::new(
            entries,
            ports.len(),
            seed ^ gseq.wrapping_mul(0x9e37_79b9_7f4a_7c15),
            cfg.shard,
        )?;
        let (v4, v6) = g.families();
        prober.open(v4, v6)?;
        let n = g.order.len();
        let mut run = GroupRun {
            g: &g,
            ports,
            cfg,
            accs: (0..g.hosts.len()).map(|_| HostAcc::default()).collect(),
            pacer: &mut pacer,
            stats: &mut stats,
            obs: &mut *obs,
            cancel,
            done_before,
            total,
            interrupted: false,
        };
        gseq += 1;
        prober.scan_group(&mut run)?;
        let accs = std::mem::take(&mut run.accs);
        interrupted = run.interrupted;
        drop(run);
        stats.max_window = stats.max_window.max(pacer.rate as u64);
        // Unanswered ports: open|filtered (UDP).
        finish_group(
            &g,
            accs,
            ports,
            P::KIND.protocol(),
            cfg,
            interrupted,
            obs,
            &mut hosts_out,
            &mut open_seen,
            &mut stats,
        );
        done_before += n;
    }
    obs.progress(done_before, total);
    Ok(crate::run::assemble(
        P::KIND,
        cfg,
        ports,
        started,
        t0,
        hosts_out,
        stats,
        interrupted,
    ))
}

/// Maps a port number to its index in the scanned list.
pub(crate) fn port_index(ports: &[u16]) -> Vec<u32> {
    let mut v = vec![u32::MAX; 65536];
    for (i, &p) in ports.iter().enumerate() {
        v[usize::from(p)] = i as u32;
    }
    v
}

/// Hosts per group so that a group's bitmap stays small.
pub(crate) fn group_size(nports: usize) -> u64 {
    (4_194_304 / nports.max(1) as u64).clamp(1, 4096)
}

/// Per-host accumulation of results.
#[derive(Default)]
pub(crate) struct HostAcc {
    pub open: Vec<PortResult>,
    pub listed: Vec<PortResult>,
    pub closed: u32,
    pub filtered: u32,
    pub open_filtered: u32,
    pub probes: u64,
    pub retries: u64,
    pub rtt: Option<(Duration, u32)>,
}

impl HostAcc {
    pub fn add(&mut self, p: PortResult, all: bool, limit: u32) {
        if let Some(r) = p.rtt {
            let (sum, n) = self.rtt.unwrap_or((Duration::ZERO, 0));
            self.rtt = Some((sum + r, n + 1));
        }
        let count = match p.state {
            PortState::Open => {
                self.open.push(p);
                return;
            }
            PortState::Closed => &mut self.closed,
            PortState::Filtered => &mut self.filtered,
            PortState::OpenFiltered => &mut self.open_filtered,
        };
        *count += 1;
        if all || *count <= limit + 1 {
            self.listed.push(p);
        }
    }

    pub fn finish(self, entry: HostEntry, all: bool, limit: u32) -> HostResult {
        let show = |n: u32| all || n <= limit;
        let (sc, sf, so) = (
            show(self.closed),
            show(self.filtered),
            show(self.open_filtered),
        );
        let mut ports = self.open;
        ports.extend(self.listed.into_iter().filter(|p| match p.state {
            PortState::Closed => sc,
            PortState::Filtered => sf,
            PortState::OpenFiltered => so,
            PortState::Open => true,
        }));
        ports.sort_by_key(|p| p.port);
        let open = ports.iter().filter(|p| p.state == PortState::Open).count() as u32;
        HostResult {
            target: entry.typed,
            addr: entry.addr,
            hostname: entry.hostname,
            resolved: entry.resolved,
            status: if open + self.closed > 0 {
                HostStatus::Up
            } else {
                HostStatus::Down
            },
            ports,
            stats: HostStats {
                open,
                closed: self.closed,
                filtered: self.filtered,
                closed_not_shown: if sc { 0 } else { self.closed },
                filtered_not_shown: if sf { 0 } else { self.filtered },
                open_filtered: self.open_filtered,
                open_filtered_not_shown: if so { 0 } else { self.open_filtered },
                probes: self.probes,
                retries: self.retries,
                srtt_us: self.rtt.map(|(s, n)| (s / n.max(1)).as_micros() as u64),
                min_rtt_us: None,
                filtered_reason: None,
            },
            parts: Vec::new(),
        }
    }
}

/// A transport protocol's raw sockets and the ICMP sockets that report its errors, per
/// address family, opened as the groups of a scan need them.
#[derive(Default)]
pub(crate) struct Families {
    /// IPv4: the protocol's socket (sends and reads) and ICMP.
    pub v4: Option<(sender::RawSocket, sender::RawSocket)>,
    /// IPv6: the protocol's socket (sends and reads) and ICMPv6.
    pub v6: Option<(sender::RawSocket, sender::RawSocket)>,
}

impl Families {
    /// Opens the sockets of the families asked for that are not open yet.
    pub fn open(&mut self, v4: bool, v6: bool, proto: i32) -> Result<(), ScanError> {
        if v4 && self.v4.is_none() {
            self.v4 = Some((open_raw(proto)?, open_raw(nix::libc::IPPROTO_ICMP)?));
        }
        if v6 && self.v6.is_none() {
            self.v6 = Some((open_raw6(proto)?, open_raw6(nix::libc::IPPROTO_ICMPV6)?));
        }
        Ok(())
    }

    /// The protocol's sockets (`proto`) or the ICMP ones of the families asked for.
    pub fn readers(&self, v4: bool, v6: bool, proto: bool) -> Vec<&sender::RawSocket> {
        [(v4, &self.v4), (v6, &self.v6)]
            .into_iter()
            .filter(|(on, _)| *on)
            .filter_map(|(_, s)| s.as_ref())
            .map(|(p, i)| if proto { p } else { i })
            .collect()
    }

    /// Sends one packet of the protocol to `dst` from the socket of its family.
    pub fn send_one(&self, pkt: &[u8], dst: IpAddr) -> io::Result<usize> {
        let sock = if dst.is_ipv4() { &self.v4 } else { &self.v6 };
        match sock {
            Some((s, _)) => s.send_one(pkt, dst),
            None => Err(io::Error::other("no socket for this address family")),
        }
    }
}

/// Whether this process may open raw sockets (`Permission` if not), checked before a
/// run that cannot do without them.
pub fn check_access() -> Result<(), ScanError> {
    open_raw(nix::libc::IPPROTO_UDP).map(drop)
}

/// Opens one raw socket for `proto`, telling a missing CAP_NET_RAW (`Permission`) apart
/// from other failures.
pub(crate) fn open_raw(proto: i32) -> Result<sender::RawSocket, ScanError> {
    sender::RawSocket::open(proto).map_err(raw_error)
}

/// [`open_raw`] for IPv6.
pub(crate) fn open_raw6(proto: i32) -> Result<sender::RawSocket, ScanError> {
    sender::RawSocket::open6(proto).map_err(raw_error)
}

fn raw_error(e: io::Error) -> ScanError {
    if sender::is_permission(&e) {
        ScanError::Permission(e)
    } else {
        ScanError::Io(e)
    }
}

/// The cookie key of a scan: fixed by `--seed` (reproducible runs), random otherwise.
/// Each shard of a split scan has its own key, so that shards running side by side on one
/// host never take each other's answers.
pub(crate) fn scan_key(seed: Option<u64>, shard: Shard) -> cookie::CookieKey {
    seed.map_or_else(cookie::CookieKey::random, |s| {
        cookie::CookieKey::from_seed(if shard.is_whole() {
            s
        } else {
            s ^ shard
                .index
                .wrapping_add(1)
                .wrapping_mul(0xd6e8_feb8_6659_fd93)
        })
    })
}

/// Feeds every packet read from `sock` to `f` until `stop` is set (a receiver thread).
///
/// Reads up to 64 packets per system call. While packets keep coming it does not sleep in
/// the socket: after a partial batch it naps 200 µs and reads what gathered meanwhile. A
/// receiver asleep in the socket is woken once per arriving packet, and on loopback those
/// wake-ups were an eighth of a full-range scan's CPU time (the 32 MiB socket buffer holds
/// what arrives during a nap). Only when the queue is empty does it wait in the kernel, so
/// an idle scan costs no CPU.
pub(crate) fn receive(
    sock: &sender::RawSocket,
    stop: &std::sync::atomic::AtomicBool,
    f: impl Fn(&[u8], Option<IpAddr>),
) {
    receive_sized(sock, stop, 64, 2048, f);
}

/// [`receive`] with `count` buffers of `size` bytes: UDP replies can be as large as a
/// datagram gets (64 KiB), and a cut one would not parse.
pub(crate) fn receive_sized(
    sock: &sender::RawSocket,
    stop: &std::sync::atomic::AtomicBool,
    count: usize,
    size: usize,
    f: impl Fn(&[u8], Option<IpAddr>),
) {
    let mut bufs: Vec<Vec<u8>> = (0..count.max(1)).map(|_| vec![0u8; size]).collect();
    let mut wait = true;
    while !stop.load(Ordering::Relaxed) {
        match sock.recv_many(&mut bufs, wait, &f) {
            Ok(n) if n == bufs.len() => wait = false,
            Ok(0) => wait = true,
            Ok(_) => {
                wait = false;
                std::thread::sleep(Duration::from_micros(200));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(1)),
        }
    }
}

/// Waits for the answers of a round until `deadline`: every `step`, `poll` takes in what
/// arrived and says whether every probe is answered (then the wait ends early). Returns
/// true when `cancel` was set.
pub(crate) fn wait_answers(
    deadline: Instant,
    step: Duration,
    cancel: &std::sync::atomic::AtomicBool,
    mut poll: impl FnMut() -> bool,
) -> bool {
    while Instant::now() < deadline {
        if cancel.load(Ordering::Relaxed) {
            return true;
        }
        std::thread::sleep(step);
        if poll() {
            break;
        }
    }
    false
}

/// Ends one group of hosts: unless the scan was interrupted, every (host, port) that never
/// answered becomes `no-response`; then each host's result goes to the observer and to
/// `out`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn finish_group(
    g: &GroupCtx,
    mut accs: Vec<HostAcc>,
    ports: &[u16],
    protocol: Protocol,
    cfg: &ScanConfig,
    interrupted: bool,
    obs: &mut dyn Observer,
    out: &mut Vec<HostResult>,
    open_seen: &mut u64,
    stats: &mut ScanStats,
) {
    if !interrupted {
        for h in 0..g.hosts.len() as u64 {
            for pi in 0..g.nports {
                let idx = h * g.nports + pi;
                if g.is_answered(idx) || !g.order.contains(idx) {
                    continue;
                }
                if let (Some(a), Some(&port)) = (accs.get_mut(h as usize), ports.get(pi as usize)) {
                    a.add(
                        PortResult::with_protocol(protocol, port, Reason::NoResponse, None),
                        cfg.all_states,
                        cfg.list_limit,
                    );
                }
            }
        }
    }
    let mut done: Vec<HostResult> = accs
        .into_iter()
        .zip(g.hosts.iter().cloned())
        .map(|(acc, entry)| acc.finish(entry, cfg.all_states, cfg.list_limit))
        .collect();
    if !interrupted && protocol == Protocol::Tcp {
        // Identification after the SYN scan too, before the hosts are reported.
        stats.ident_lost += crate::ident::identify_hosts(&mut done, cfg.ident_options(), open_seen);
    }
    for r in done {
        for p in r.ports.iter().filter(|p| p.state == PortState::Open) {
            obs.port_done(r.addr, p.port, p.protocol, p.state);
        }
        obs.host_done(&r);
        out.push(r);
    }
}

/// A token bucket for `--rate` and the adaptive rate.
pub(crate) struct Pacer {
    pub rate: f64,
    pub cap: f64,
    tokens: f64,
    last: Instant,
}

impl Pacer {
    pub fn new(initial: f64, cap: f64) -> Pacer {
        Pacer {
            rate: initial.min(cap),
            cap,
            tokens: 0.0,
            last: Instant::now(),
        }
    }

    /// Probes that may go now (at most `max`); sleeps briefly when none may.
    pub fn grant(&mut self, max: usize) -> usize {
        let now = Instant::now();
        let dt = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        let burst = (self.rate / 200.0).clamp(1.0, 4096.0);
        self.tokens = (self.tokens + dt * self.rate).min(burst);
        if self.tokens < 1.0 {
            let need = (1.0 - self.tokens) / self.rate;
            std::thread::sleep(Duration::from_secs_f64(need.min(0.005)));
            return 0;
        }
        let n = (self.tokens.floor() as usize).min(max);
        self.tokens -= n as f64;
        n
    }

    pub fn increase(&mut self, factor: f64) {
        self.rate = (self.rate * factor).min(self.cap);
    }

    pub fn decrease(&mut self, factor: f64) {
        self.rate = (self.rate * factor).max(100.0_f64.min(self.cap));
    }
}
