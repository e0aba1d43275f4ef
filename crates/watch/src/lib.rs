//! `portwarden watch`: a guard that notices new doors opening and someone trying them.
//!
//! Data flows one way: the OS ([`os::Os`], [`os::Capture`]) gives listeners and packets;
//! [`listeners`] diffs and annotates listeners (kb and audit), [`detect`] turns packets
//! into scans; [`run`] makes [`event::Event`]s of both, optionally blocks scanners through
//! a [`Blocker`] (the binary's, which journals), and hands events to [`sink::Sink`]s.
//! Memory stays bounded under a flood (a capped source table, bounded queues) and events
//! are rate-limited with counts of what was suppressed, reported in a periodic summary.
//!
//! Linux only (AF_PACKET, sock_diag): the crate is empty on other systems.
#![cfg(target_os = "linux")]

pub mod detect;
pub mod event;
pub mod listeners;
pub mod os;
pub mod sink;

use event::{Action, Event, Events};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

pub use portwarden_sockets::Transport;

/// An address block, `198.18.0.0/15` or a single address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `ADDR` or `ADDR/PREFIX`.
    pub fn parse(s: &str) -> Option<Cidr> {
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let net: IpAddr = a.trim().parse().ok()?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().ok().filter(|n| *n <= max)?
            }
            Some(_) => return None,
            None => max,
        };
        Some(Cidr { net, prefix })
    }

    /// Whether `ip` is inside.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let bits = |ip: IpAddr| -> (u128, u32) {
            match ip {
                IpAddr::V4(v) => (u128::from(u32::from(v)), 32),
                IpAddr::V6(v) => (u128::from(v), 128),
            }
        };
        let ip = match (self.net, ip) {
            (IpAddr::V4(_), IpAddr::V6(v)) => match v.to_ipv4_mapped() {
                Some(m) => IpAddr::V4(m),
                None => return false,
            },
            _ => ip,
        };
        let ((n, w), (a, w2)) = (bits(self.net), bits(ip));
        if w != w2 {
            return false;
        }
        let shift = w - u32::from(self.prefix);
        if shift >= 128 {
            return true;
        }
        (n >> shift) == (a >> shift)
    }
}

/// A token bucket: `rate` per second, bursts of `burst`.
#[derive(Debug)]
pub struct Limiter {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
    /// What it refused since the start.
    pub suppressed: u64,
}

impl Limiter {
    /// A bucket that starts full.
    pub fn new(rate: u32, burst: u32) -> Limiter {
        Limiter {
            rate: f64::from(rate),
            burst: f64::from(burst.max(1)),
            tokens: f64::from(burst.max(1)),
            last: Instant::now(),
            suppressed: 0,
        }
    }

    /// Whether one more may pass at `now`.
    pub fn allow(&mut self, now: Instant) -> bool {
        let dt = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + dt * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            self.suppressed += 1;
            false
        }
    }
}

/// Blocks a source: implemented by the binary (journal first, then nft).
pub trait Blocker {
    /// Blocks `ip` for `d`; returns the journal's action id.
    fn block(&self, ip: IpAddr, d: Duration, reason: &str) -> Result<i64, String>;
    /// Addresses blocked now, with seconds left.
    fn active(&self) -> Result<Vec<(IpAddr, Option<u64>)>, String>;
}

/// How to respond to scans.
#[derive(Debug, Clone)]
pub struct BlockOptions {
    /// How long a block lasts.
    pub duration: Duration,
    /// Never block these.
    pub allow: Vec<Cidr>,
    /// Never block these either (`SSH_CONNECTION`/`SSH_CLIENT` peers).
    pub ssh_peers: Vec<IpAddr>,
    /// Blocks per second at most (a flood of spoofed sources must not become a flood of
    /// nft runs).
    pub per_sec: u32,
}

/// Everything `watch` is told.
#[derive(Debug, Clone)]
pub struct Options {
    /// Listener poll interval.
    pub interval: Duration,
    /// Detection thresholds and bounds.
    pub detect: detect::Config,
    /// Whether to capture packets (scan detection).
    pub capture: bool,
    /// Block scanners.
    pub block: Option<BlockOptions>,
    /// Scan events per second at most (bursts of twice that); the rest are counted.
    pub events_per_sec: u32,
    /// Every how long the summary event comes.
    pub summary_every: Duration,
    /// Stop after this long (tests, benchmarks).
    pub run_for: Option<Duration>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            interval: Duration::from_millis(250),
            detect: detect::Config::default(),
            capture: true,
            block: None,
            events_per_sec: 10,
            summary_every: Duration::from_secs(60),
            run_for: None,
        }
    }
}

/// Why the watch could not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The listeners could not be read.
    #[error("cannot read the listening sockets: {0}")]
    Listeners(String),
}

/// What the capture thread needs to know: the open (tcp?, port) pairs and this host's
/// addresses.
type Known = (HashSet<(bool, u16)>, HashSet<IpAddr>);

/// What the capture thread and the loop share.
#[derive(Debug, Default)]
struct Shared {
    open: RwLock<Known>,
    packets: AtomicU64,
    probes: AtomicU64,
    ignored: AtomicU64,
    evicted: AtomicU64,
    tracked: AtomicU64,
    queue_dropped: AtomicU64,
    capture_errors: AtomicU64,
}

/// Sends events to the sinks: the first (stdout) inline, the others from a worker
/// thread behind a bounded queue, so a slow webhook never holds up the watch. Failures
/// and drops are counted per sink.
pub struct Dispatch {
    inline: Vec<Box<dyn sink::Sink>>,
    queue: Option<SyncSender<Event>>,
    failures: Arc<Mutex<BTreeMap<&'static str, u64>>>,
    dropped: Arc<AtomicU64>,
    worker: Option<std::thread::JoinHandle<()>>,
}

impl Dispatch {
    /// `inline` sinks run in the caller's thread; `background` ones in a worker.
    pub fn new(inline: Vec<Box<dyn sink::Sink>>, background: Vec<Box<dyn sink::Sink>>) -> Dispatch {
        let failures: Arc<Mutex<BTreeMap<&'static str, u64>>> = Arc::default();
        let (queue, worker) = if background.is_empty() {
            (None, None)
        } else {
            let (tx, rx) = mpsc::sync_channel::<Event>(256);
            let f = failures.clone();
            let mut sinks = background;
            let h = std::thread::spawn(move || {
                for ev in rx {
                    let j = ev.to_json();
                    for s in &mut sinks {
                        if s.send(&ev, &j).is_err() {
                            if let Ok(mut m) = f.lock() {
                                *m.entry(s.name()).or_default() += 1;
                            }
                        }
                    }
                }
            });
            (Some(tx), Some(h))
        };
        Dispatch {
            inline,
            queue,
            failures,
            dropped: Arc::default(),
            worker,
        }
    }

    /// Hands `ev` to every sink.
    pub fn send(&mut self, ev: &Event) {
        let j = ev.to_json();
        for s in &mut self.inline {
            if s.send(ev, &j).is_err() {
                if let Ok(mut m) = self.failures.lock() {
                    *m.entry(s.name()).or_default() += 1;
                }
            }
        }
        if let Some(q) = &self.queue {
            if let Err(TrySendError::Full(_)) = q.try_send(ev.clone()) {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Failures so far, per sink, and events dropped because the queue was full.
    pub fn failures(&self) -> (BTreeMap<&'static str, u64>, u64) {
        (
            self.failures.lock().map(|m| m.clone()).unwrap_or_default(),
            self.dropped.load(Ordering::Relaxed),
        )
    }

    /// Waits for the queued events to be delivered.
    pub fn finish(mut self) {
        self.queue = None;
        if let Some(h) = self.worker.take() {
            let _ = h.join();
        }
    }
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// The current state, for `watch --once --json`: every listener's row and the blocks.
pub fn state(os: &dyn os::Os, blocker: Option<&dyn Blocker>) -> Result<Value, Error> {
    let l = os.listeners().map_err(Error::Listeners)?;
    let inv = os.inventory(l);
    let mut rows: Vec<_> = listeners::rows(&inv);
    rows.sort_by_key(|(k, _)| *k);
    let blocks = match blocker.map(Blocker::active) {
        Some(Ok(b)) => b
            .into_iter()
            .map(|(ip, left)| json!({ "source": ip.to_string(), "expires_in_s": left }))
            .collect(),
        Some(Err(e)) => vec![json!({ "error": e })],
        None => Vec::new(),
    };
    Ok(json!({
        "unixTime": event::now_unix(),
        "hostIdentifier": os.hostname(),
        "listeners": rows.into_iter().map(|(_, r)| Value::Object(r)).collect::<Vec<_>>(),
        "blocks": blocks,
    }))
}

struct Loop<'a> {
    os: &'a dyn os::Os,
    blocker: Option<&'a dyn Blocker>,
    opts: &'a Options,
    events: Events,
    out: &'a mut Dispatch,
    tracker: listeners::Tracker,
    shared: Arc<Shared>,
    round: u64,
    own: HashSet<IpAddr>,
    scans: u64,
    limiter: Limiter,
    block_limiter: Limiter,
    blocked_until: HashMap<IpAddr, Instant>,
    blocks: u64,
    block_errors: u64,
    last_error: Option<String>,
}

impl Loop<'_> {
    fn publish(&self) {
        let ports = self
            .tracker
            .ports()
            .into_iter()
            .map(|(t, p)| (t == Transport::Tcp, p))
            .collect();
        if let Ok(mut g) = self.shared.open.write() {
            *g = (ports, self.own.clone());
        }
    }

    fn poll(&mut self, first: bool) -> Result<(), Error> {
        self.round += 1;
        let now = self.os.listeners().map_err(Error::Listeners)?;
        let change = self.tracker.diff(&now);
        if !change.added.is_empty() {
            // Owners are looked up only for what is new.
            let inv = self.os.inventory(change.added);
            for (k, row) in listeners::rows(&inv) {
                if !first {
                    let ev = self
                        .events
                        .at("listeners", Action::Added, self.round, row.clone());
                    self.out.send(&ev);
                }
                self.tracker.insert(k, row);
            }
        }
        for row in change.removed {
            let ev = self
                .events
                .at("listeners", Action::Removed, self.round, row);
            self.out.send(&ev);
        }
        if first {
            let mut ev = self
                .events
                .at("listeners", Action::Snapshot, self.round, Map::new());
            ev.snapshot = Some(self.tracker.rows());
            self.out.send(&ev);
        }
        Ok(())
    }

    /// Why `ip` may not be blocked, if it may not.
    fn protected(&self, ip: IpAddr, b: &BlockOptions) -> Option<&'static str> {
        if ip.is_loopback() || ip.is_unspecified() || ip.is_multicast() {
            return Some("loopback");
        }
        if self.own.contains(&ip) {
            return Some("own-address");
        }
        if b.allow.iter().any(|c| c.contains(ip)) {
            return Some("allowed");
        }
        if b.ssh_peers.contains(&ip) {
            return Some("ssh-peer");
        }
        None
    }

    /// Whether `ip` has an established connection to sshd (a dump of every TCP socket:
    /// asked only for a block that passed the rate limit).
    fn ssh_peer(&self, ip: IpAddr) -> bool {
        let mut ports = self.tracker.ports_of("sshd");
        ports.push(22);
        self.os.peers_on(&ports).contains(&ip)
    }

    fn scan(&mut self, s: detect::Scan) {
        self.scans += 1;
        let now = Instant::now();
        let mut cols = obj(json!({
            "source": s.src.to_string(),
            "score": s.score,
            "threshold": self.opts.detect.threshold,
            "window_s": self.opts.detect.window_ms / 1000,
            "closed_ports": s.ports.len(),
            "ports": s.ports.iter().take(32).collect::<Vec<_>>(),
            "trojan_ports": s.trojan_ports,
            "kinds": s.kinds,
            "probes": s.probes,
            "targets": s.targets.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }));
        let mut block_event = None;
        if let (Some(b), Some(blocker)) = (&self.opts.block, self.blocker) {
            self.blocked_until.retain(|_, t| *t > now);
            let outcome = if self.blocked_until.contains_key(&s.src) {
                json!({ "blocked": true, "already": true })
            } else if let Some(why) = self.protected(s.src, b) {
                json!({ "blocked": false, "why": why })
            } else if !self.block_limiter.allow(now) {
                json!({ "blocked": false, "why": "rate-limited" })
            } else if self.ssh_peer(s.src) {
                json!({ "blocked": false, "why": "ssh-peer" })
            } else {
                let reason = format!("scan: {} closed ports, score {}", s.ports.len(), s.score);
                match blocker.block(s.src, b.duration, &reason) {
                    Ok(id) => {
                        self.blocks += 1;
                        if self.blocked_until.len() < 65_536 {
                            self.blocked_until.insert(s.src, now + b.duration);
                        }
                        let until = event::now_unix() + b.duration.as_secs().max(1);
                        block_event = Some(obj(json!({
                            "source": s.src.to_string(),
                            "action_id": id,
                            "duration_s": b.duration.as_secs().max(1),
                            "expires_unix": until,
                            "reason": reason,
                        })));
                        json!({ "blocked": true, "action_id": id })
                    }
                    Err(e) => {
                        self.block_errors += 1;
                        self.last_error = Some(e.clone());
                        json!({ "blocked": false, "why": "error", "error": e })
                    }
                }
            };
            cols.insert("response".into(), outcome);
        }
        // Blocks always produce their event; scan reports are rate-limited.
        if self.limiter.allow(now) {
            let ev = self.events.make("scan", Action::Detected, cols);
            self.out.send(&ev);
        }
        if let Some(c) = block_event {
            let ev = self.events.make("block", Action::Added, c);
            self.out.send(&ev);
        }
    }

    fn summary(&mut self, started: Instant) {
        let (rss, hwm) = self.os.memory_kib();
        let (failures, dropped) = self.out.failures();
        let sh = &self.shared;
        let c = obj(json!({
            "uptime_s": started.elapsed().as_secs(),
            "listeners": self.tracker.len(),
            "packets": sh.packets.load(Ordering::Relaxed),
            "probes": sh.probes.load(Ordering::Relaxed),
            "ignored": sh.ignored.load(Ordering::Relaxed),
            "sources_tracked": sh.tracked.load(Ordering::Relaxed),
            "sources_evicted": sh.evicted.load(Ordering::Relaxed),
            "scans_detected": self.scans,
            "scan_events_suppressed": self.limiter.suppressed,
            "detections_dropped": sh.queue_dropped.load(Ordering::Relaxed),
            "blocks": self.blocks,
            "blocks_suppressed": self.block_limiter.suppressed,
            "block_errors": self.block_errors,
            "capture_errors": sh.capture_errors.load(Ordering::Relaxed),
            "sink_failures": failures,
            "sink_dropped": dropped,
            "rss_kib": rss,
            "rss_hwm_kib": hwm,
        }));
        let ev = self.events.make("summary", Action::Report, c);
        self.out.send(&ev);
    }
}

fn capture_thread(
    mut cap: Box<dyn os::Capture>,
    cfg: detect::Config,
    shared: Arc<Shared>,
    tx: SyncSender<detect::Scan>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut det = detect::Detector::new(cfg);
        let start = Instant::now();
        let mut buf = [0u8; 256];
        let mut n: u64 = 0;
        let mut local = shared.open.read().map(|g| g.clone()).unwrap_or_default();
        let mut fresh = Instant::now();
        while !stop.load(Ordering::Relaxed) {
            let got = match cap.next(&mut buf) {
                Ok(Some(len)) => Some(len),
                Ok(None) => None,
                Err(_) => {
                    shared.capture_errors.fetch_add(1, Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(50));
                    None
                }
            };
            // The listener set, refreshed at most every 50 ms (not a lock per packet).
            if fresh.elapsed() >= Duration::from_millis(50) {
                if let Ok(g) = shared.open.read() {
                    local.clone_from(&g);
                }
                fresh = Instant::now();
            }
            if let Some(len) = got {
                n += 1;
                if let Some(p) = buf.get(..len).and_then(detect::parse) {
                    if p.src.is_loopback() || local.1.contains(&p.src) {
                        det.stats.ignored += 1;
                    } else {
                        let open = local.0.contains(&(p.kind.tcp(), p.port));
                        let now_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
                        if let Some(s) = det.observe(&p, open, now_ms) {
                            if let Err(TrySendError::Full(_)) = tx.try_send(s) {
                                shared.queue_dropped.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                }
            }
            if got.is_none() || n % 1024 == 0 {
                shared.packets.store(n, Ordering::Relaxed);
                shared.probes.store(det.stats.probes, Ordering::Relaxed);
                shared.ignored.store(det.stats.ignored, Ordering::Relaxed);
                shared.evicted.store(det.stats.evicted, Ordering::Relaxed);
                shared
                    .tracked
                    .store(det.tracked() as u64, Ordering::Relaxed);
            }
        }
    })
}

/// Runs the watch until `stop` is set (or `opts.run_for` passed): the first listener
/// set as a snapshot, then added/removed events within one poll interval, scan events
/// from `capture` (when given), blocks through `blocker`, a summary every
/// `opts.summary_every` and one at the end.
pub fn run(
    os: &dyn os::Os,
    capture: Option<Box<dyn os::Capture>>,
    blocker: Option<&dyn Blocker>,
    out: &mut Dispatch,
    opts: &Options,
    stop: Arc<AtomicBool>,
) -> Result<(), Error> {
    let started = Instant::now();
    let shared = Arc::new(Shared::default());
    let (tx, rx) = mpsc::sync_channel::<detect::Scan>(1024);
    let mut lp = Loop {
        os,
        blocker,
        opts,
        events: Events::new(event::now_unix(), os.hostname()),
        out,
        tracker: listeners::Tracker::default(),
        shared: shared.clone(),
        round: 0,
        own: os.own_addresses().into_iter().collect(),
        scans: 0,
        limiter: Limiter::new(opts.events_per_sec, opts.events_per_sec.saturating_mul(2)),
        block_limiter: Limiter::new(
            opts.block.as_ref().map_or(1, |b| b.per_sec),
            opts.block
                .as_ref()
                .map_or(1, |b| b.per_sec.saturating_mul(2)),
        ),
        blocked_until: HashMap::new(),
        blocks: 0,
        block_errors: 0,
        last_error: None,
    };
    lp.poll(true)?;
    lp.publish();
    let worker = capture.map(|c| capture_thread(c, opts.detect.clone(), shared, tx, stop.clone()));
    let mut next_poll = Instant::now() + opts.interval;
    let mut next_summary = Instant::now() + opts.summary_every;
    let mut next_addrs = Instant::now() + Duration::from_secs(5);
    let mut result = Ok(());
    loop {
        if stop.load(Ordering::Relaxed) || opts.run_for.is_some_and(|d| started.elapsed() >= d) {
            break;
        }
        let now = Instant::now();
        let wait = next_poll.min(next_summary).saturating_duration_since(now);
        match rx.recv_timeout(wait.min(Duration::from_millis(500))) {
            Ok(s) => lp.scan(s),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                std::thread::sleep(wait.min(Duration::from_millis(100)))
            }
        }
        let now = Instant::now();
        if now >= next_poll {
            if let Err(e) = lp.poll(false) {
                result = Err(e);
                break;
            }
            if now >= next_addrs {
                lp.own = os.own_addresses().into_iter().collect();
                next_addrs = now + Duration::from_secs(5);
            }
            lp.publish();
            next_poll = now + opts.interval;
        }
        if now >= next_summary {
            lp.summary(started);
            next_summary = now + opts.summary_every;
        }
    }
    stop.store(true, Ordering::Relaxed);
    if let Some(w) = worker {
        let _ = w.join();
    }
    lp.summary(started);
    result
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn cidrs() {
        let c = Cidr::parse("198.18.0.0/15").unwrap();
        assert!(c.contains("198.19.255.1".parse().unwrap()));
        assert!(!c.contains("198.20.0.1".parse().unwrap()));
        assert!(c.contains("::ffff:198.18.0.9".parse().unwrap()));
        assert!(Cidr::parse("0.0.0.0/0")
            .unwrap()
            .contains("8.8.8.8".parse().unwrap()));
        assert!(Cidr::parse("2001:db8::/32")
            .unwrap()
            .contains("2001:db8::1".parse().unwrap()));
        assert!(!Cidr::parse("2001:db8::/32")
            .unwrap()
            .contains("198.18.0.1".parse().unwrap()));
        assert!(Cidr::parse("198.18.0.1")
            .unwrap()
            .contains("198.18.0.1".parse().unwrap()));
        for bad in [
            "",
            "x",
            "1.2.3.4/33",
            "1.2.3.4/",
            "1.2.3.4/+1",
            "::/129",
            "1.2.3.4/8/8",
        ] {
            assert!(Cidr::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn limiter_counts_what_it_refuses() {
        let mut l = Limiter::new(0, 3);
        let t = Instant::now();
        let passed = (0..10).filter(|_| l.allow(t)).count();
        assert_eq!(passed, 3);
        assert_eq!(l.suppressed, 7);
    }

    struct FakeOs {
        listeners: Mutex<Vec<portwarden_sockets::RawSocket>>,
    }
    impl os::Os for FakeOs {
        fn listeners(&self) -> Result<Vec<portwarden_sockets::RawSocket>, String> {
            Ok(self.listeners.lock().unwrap().clone())
        }
        fn inventory(
            &self,
            l: Vec<portwarden_sockets::RawSocket>,
        ) -> portwarden_sockets::Inventory {
            portwarden_sockets::join(l, portwarden_sockets::Source::Fake, None)
        }
        fn own_addresses(&self) -> Vec<IpAddr> {
            vec!["198.18.0.1".parse().unwrap()]
        }
        fn peers_on(&self, _: &[u16]) -> Vec<IpAddr> {
            vec!["198.18.0.77".parse().unwrap()]
        }
        fn memory_kib(&self) -> (u64, u64) {
            (1, 2)
        }
        fn hostname(&self) -> String {
            "fake".into()
        }
    }

    struct Collect(Arc<Mutex<Vec<Event>>>);
    impl sink::Sink for Collect {
        fn name(&self) -> &'static str {
            "collect"
        }
        fn send(&mut self, ev: &Event, _: &str) -> Result<(), String> {
            self.0.lock().unwrap().push(ev.clone());
            Ok(())
        }
    }
    struct Broken;
    impl sink::Sink for Broken {
        fn name(&self) -> &'static str {
            "broken"
        }
        fn send(&mut self, _: &Event, _: &str) -> Result<(), String> {
            Err("down".into())
        }
    }

    /// Packets from a list, then nothing.
    struct FakeCapture(Vec<Vec<u8>>);
    impl os::Capture for FakeCapture {
        fn next(&mut self, buf: &mut [u8]) -> std::io::Result<Option<usize>> {
            match self.0.pop() {
                Some(p) => {
                    buf[..p.len()].copy_from_slice(&p);
                    Ok(Some(p.len()))
                }
                None => {
                    std::thread::sleep(Duration::from_millis(5));
                    Ok(None)
                }
            }
        }
    }

    fn syn(src: [u8; 4], dport: u16) -> Vec<u8> {
        let mut p = vec![0u8; 40];
        p[0] = 0x45;
        p[9] = 6;
        p[12..16].copy_from_slice(&src);
        p[16..20].copy_from_slice(&[198, 18, 0, 1]);
        p[22..24].copy_from_slice(&dport.to_be_bytes());
        p[33] = 2;
        p
    }

    struct FakeBlocker(Mutex<Vec<IpAddr>>);
    impl Blocker for FakeBlocker {
        fn block(&self, ip: IpAddr, _: Duration, _: &str) -> Result<i64, String> {
            self.0.lock().unwrap().push(ip);
            Ok(7)
        }
        fn active(&self) -> Result<Vec<(IpAddr, Option<u64>)>, String> {
            Ok(Vec::new())
        }
    }

    #[test]
    fn the_loop_reports_scans_blocks_and_a_summary_and_survives_a_broken_sink() {
        let os = FakeOs {
            listeners: Mutex::new(Vec::new()),
        };
        let got = Arc::new(Mutex::new(Vec::new()));
        let mut out = Dispatch::new(
            vec![Box::new(Collect(got.clone())), Box::new(Broken)],
            vec![],
        );
        let mut pkts = Vec::new();
        // A scanner, a protected SSH peer scanning too, and our own address.
        for p in 1..=20 {
            pkts.push(syn([198, 18, 0, 2], p));
            pkts.push(syn([198, 18, 0, 77], p));
            pkts.push(syn([198, 18, 0, 1], p));
        }
        let blocker = FakeBlocker(Mutex::new(Vec::new()));
        let opts = Options {
            run_for: Some(Duration::from_millis(600)),
            block: Some(BlockOptions {
                duration: Duration::from_secs(3),
                allow: Vec::new(),
                ssh_peers: Vec::new(),
                per_sec: 10,
            }),
            ..Options::default()
        };
        run(
            &os,
            Some(Box::new(FakeCapture(pkts))),
            Some(&blocker),
            &mut out,
            &opts,
            Arc::new(AtomicBool::new(false)),
        )
        .unwrap();
        let evs = got.lock().unwrap();
        assert_eq!(evs[0].action, Action::Snapshot);
        let scans: Vec<&Event> = evs.iter().filter(|e| e.name == "scan").collect();
        assert_eq!(scans.len(), 2, "{evs:?}");
        assert_eq!(
            *blocker.0.lock().unwrap(),
            vec!["198.18.0.2".parse::<IpAddr>().unwrap()]
        );
        let peer = scans
            .iter()
            .find(|e| e.columns["source"] == "198.18.0.77")
            .unwrap();
        assert_eq!(peer.columns["response"]["why"], "ssh-peer");
        assert_eq!(evs.iter().filter(|e| e.name == "block").count(), 1);
        let summary = evs.iter().rev().find(|e| e.name == "summary").unwrap();
        assert_eq!(
            summary.columns["sink_failures"]["broken"].as_u64().unwrap() as usize,
            evs.len() - 1
        );
        assert_eq!(summary.columns["scans_detected"], 2);
    }
}
