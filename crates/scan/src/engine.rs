//! The one scheduler of every scan type, generic over a [`Prober`]: the connect prober
//! here ([`Connect`]), the SYN prober in [`crate::raw::syn`] and the UDP prober in
//! [`crate::raw::udp`]. It owns host groups, the keyed order and shards, host discovery,
//! pacing, per-host and group windows, retries, per-host accumulation, identification,
//! report assembly and cancellation; a prober only sends probes and says what became of
//! each (with the bytes of an answer, for UDP, which the prober reads into the port's
//! service).
//!
//! * Probes go out in a keyed pseudo-random order over (host, port), computed on the fly
//!   per host group ([`crate::perm`]); nothing proportional to hosts × ports is stored.
//! * Host discovery first (unless `-Pn`), as nmap's unprivileged scan does: a connect to
//!   ports 443 and 80 of every host of a group; a host that answers neither (not even
//!   with a refusal) is down and none of its ports are probed.
//! * The in-flight window behaves like a congestion window: it starts from a value
//!   derived from the open-file limit, grows while answers come back, and halves (at
//!   most once per RTO) when a *retransmitted* probe is answered — proof that the first
//!   was lost. A probe that times out proves nothing (a filtered port is silent by
//!   design), so silent ports and hosts never shrink the window of hosts that answer.
//!   It shrinks (then waits and retries) when the system runs out of descriptors or
//!   local ports.
//! * UDP: silence is the normal answer of an open|filtered port and proves nothing, and
//!   targets rate-limit ICMP port unreachables, so an unreachable answering a
//!   retransmission counts as loss only from a host whose unreachables do not show a
//!   limit (`IcmpLimit`); UDP replies to retransmissions do. A port silent after all its
//!   tries is open|filtered. There is no host discovery before a UDP scan. With
//!   `--icmp-pace` ([`ScanConfig::icmp_pace`]) a port silent after its retries gets paced
//!   tries, which the UDP prober spaces at its host's observed ICMP rate limit.
//! * Each host has an RFC 6298 RTT estimate that sets its probe timeout; the clock starts
//!   when `connect()` is called. A timed-out probe is retried before the port is called
//!   filtered.
//! * A connection whose local address equals its peer (Linux self-connect on loopback)
//!   is closed and reported as closed, reason `self-connect`.
//! * A connection reset after the handshake completed (ECONNRESET: the service accepted,
//!   then closed with RST) is open: only a refused SYN is closed.
//! * On loopback, two of our own probes can connect to each other (A from port P to
//!   port Q while B goes from Q to P: a TCP simultaneous open) when the kernel defers
//!   loopback packets under load; both would look open. A port of a loopback target
//!   inside the ephemeral range that answers is therefore probed once more before it is
//!   called open: a crossing does not repeat.
//! * Every probe ends. Permanent local errors (ENETUNREACH, EACCES, EPERM, and
//!   EADDRNOTAVAIL while we hold too few connections to have used up the local ports)
//!   count as attempts and end filtered with their reason; a probe re-queued for a
//!   shortage of descriptors or ports is given up, with its reason, after
//!   [`MAX_STALLS`] tries.

use crate::errno::Errno;
use crate::ident::{self, Finding};
use crate::limits;
use crate::model::*;
use crate::perm::Order;
use crate::rtt::RttEstimator;
use crate::targets::{HostEntry, TargetSet};
use futures::stream::{FuturesUnordered, StreamExt};
use futures::FutureExt;
use portwarden_kb::Protocol;
use socket2::{Domain, Socket, Type};
use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// Errors that stop a scan (of any type).
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// No port to scan.
    #[error("no ports to scan")]
    NoPorts,
    /// No host to scan.
    #[error("no hosts to scan")]
    NoHosts,
    /// The async runtime could not be created.
    #[error("cannot start the scanner runtime: {0}")]
    Runtime(#[source] io::Error),
    /// Raw sockets are not allowed (no CAP_NET_RAW): the SYN and UDP scans cannot run.
    #[error("raw sockets need CAP_NET_RAW (run as root, or grant it: setcap cap_net_raw+ep)")]
    Permission(#[source] io::Error),
    /// Some other socket or thread error of a raw scan.
    #[error("raw scan failed")]
    Io(#[source] io::Error),
}

/// The scan types, each a prober of the one scan entry point ([`run`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScanKind {
    /// TCP connect scan (nmap's -sT): no privileges needed.
    Connect,
    /// TCP SYN scan over raw sockets (nmap's -sS): needs CAP_NET_RAW.
    Syn,
    /// UDP scan with protocol payloads over raw sockets (nmap's -sU): needs CAP_NET_RAW.
    Udp,
}

impl ScanKind {
    /// The name reports carry (`scan_type`, nmap XML's `<scaninfo type=>`).
    pub fn name(self) -> &'static str {
        match self {
            ScanKind::Connect => "connect",
            ScanKind::Syn => "syn",
            ScanKind::Udp => "udp",
        }
    }

    /// Whether the scan needs raw sockets (CAP_NET_RAW).
    pub fn needs_raw(self) -> bool {
        !matches!(self, ScanKind::Connect)
    }

    /// The protocol whose ports the scan probes.
    pub fn protocol(self) -> portwarden_kb::Protocol {
        match self {
            ScanKind::Udp => portwarden_kb::Protocol::Udp,
            _ => portwarden_kb::Protocol::Tcp,
        }
    }

    /// Retries of a silent probe by default: every scan retries each timed-out probe
    /// (hosts that showed loss earn more, up to [`ScanConfig::max_retries`]; SYN starts
    /// higher, as nmap's does, since no kernel retransmits for it; UDP's silent ports are
    /// open|filtered after theirs).
    pub fn default_retries(self) -> u32 {
        match self {
            ScanKind::Connect => 2,
            ScanKind::Syn => 6,
            ScanKind::Udp => 4,
        }
    }
}

/// When to identify services on open ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BannerMode {
    /// When the scan finds at most [`AUTO_BANNER_LIMIT`] open ports in total.
    #[default]
    Auto,
    /// Always.
    On,
    /// Never.
    Off,
}

/// Open-port count up to which [`BannerMode::Auto`] identifies services.
pub const AUTO_BANNER_LIMIT: u64 = 64;

/// Tuning of a scan, one for every scan type ([`ScanConfig::for_kind`] gives each type's
/// defaults).
#[derive(Debug, Clone)]
pub struct ScanConfig {
    /// Retries of a timed-out probe before the port is called filtered (UDP:
    /// open|filtered).
    pub retries: u32,
    /// Ceiling of the retries of hosts that have shown loss: once a host answered the
    /// k-th retransmission of some probe, its silent ports get k + 2 (nmap, likewise,
    /// goes past its highest successful try), up to this.
    pub max_retries: u32,
    /// Longest probe timeout (the RTT estimate is clamped to it).
    pub max_timeout: Duration,
    /// Shortest probe timeout.
    pub min_timeout: Duration,
    /// Timeout before any RTT was measured.
    pub initial_timeout: Duration,
    /// Probes per second, at most.
    pub rate: Option<f64>,
    /// Cap on the in-flight window.
    pub max_inflight: Option<usize>,
    /// Service identification.
    pub banners: BannerMode,
    /// Bound on identifying one open port: its greeting and every probe together.
    pub banner_timeout: Duration,
    /// Concurrent identification connections.
    pub banner_parallelism: usize,
    /// The one login-like identification probe, FTP's anonymous login (nmap's `ftp-anon`
    /// does it too); `--no-login-probes` turns it off.
    pub login_probes: bool,
    /// List every closed and filtered port.
    pub all_states: bool,
    /// Closed or filtered ports of one host are listed when there are at most this many.
    pub list_limit: u32,
    /// Key of the probe order (random when `None`).
    pub seed: Option<u64>,
    /// This process's part of a scan split over several (`--shard I/N`; the whole by
    /// default). Shards must share `seed`.
    pub shard: crate::perm::Shard,
    /// Host discovery before the port scan (nmap's default; `-Pn` turns it off).
    pub discovery: bool,
    /// UDP: after its retries, probe a still-silent port again at its target's observed
    /// ICMP rate limit so that closed ports are told from open|filtered ones (slow: Linux
    /// sends about one port unreachable per second).
    pub icmp_pace: bool,
    /// The command line, for reports.
    pub args: String,
}

impl ScanConfig {
    /// The defaults of scan type `kind` (only the retries differ).
    pub fn for_kind(kind: ScanKind) -> ScanConfig {
        ScanConfig {
            retries: kind.default_retries(),
            ..ScanConfig::default()
        }
    }

    /// How identification runs after a scan that did not connect (SYN, UDP).
    pub fn ident_options(&self) -> ident::IdentOptions {
        ident::IdentOptions {
            mode: self.banners,
            wait: self.banner_timeout,
            parallelism: self.banner_parallelism,
            login_probes: self.login_probes,
        }
    }
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            retries: 2,
            max_retries: 6,
            max_timeout: Duration::from_millis(1500),
            min_timeout: Duration::from_millis(100),
            initial_timeout: Duration::from_millis(1000),
            rate: None,
            max_inflight: None,
            banners: BannerMode::Auto,
            banner_timeout: Duration::from_millis(1000),
            banner_parallelism: 32,
            login_probes: true,
            all_states: false,
            list_limit: 25,
            seed: None,
            shard: crate::perm::Shard::default(),
            discovery: true,
            icmp_pace: false,
            args: String::new(),
        }
    }
}

/// Receives results while a scan runs.
pub trait Observer {
    /// A host is finished (called in target order).
    fn host_done(&mut self, _host: &HostResult) {}
    /// Probes resolved so far out of the planned total (about every 100 ms).
    fn progress(&mut self, _done: u64, _total: u64) {}
    /// A port's state is known (told as its probe resolves).
    fn port_done(&mut self, _addr: IpAddr, _port: u16, _protocol: Protocol, _state: PortState) {}
}

/// An observer that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoObserver;

impl Observer for NoObserver {}

/// The result of one connect attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A final answer.
    Answer(Reason),
    /// No answer before the deadline.
    Timeout,
    /// Out of descriptors, buffers or local ports: try again later.
    Resource,
    /// Not sent now: a probe to the same target and port is still out (the target was
    /// listed twice). Sent again shortly; says nothing of the network.
    Busy,
    /// EADDRNOTAVAIL: no local address for the target — permanent, unless our own
    /// connections have used up the local ports (the engine tells which).
    AddrNotAvail,
}

/// A probe, what came of it, its round trip (or the time waited) and the bytes that came
/// with the answer (a UDP reply's payload; `None` for the TCP probers).
pub(crate) type Done = (Probe, Outcome, Duration, Option<Vec<u8>>);

/// A per-protocol prober of the one scheduler: it puts probes on the wire and reports
/// what became of each; the scheduler ([`scan`]) owns everything else — host groups, the
/// keyed order and shards, discovery, pacing, per-host and group windows, retries,
/// per-host accumulation, identification, report assembly and cancellation.
pub(crate) trait Prober {
    /// The scan type.
    const KIND: ScanKind;
    /// Initial and largest window (of the scan, and of each host).
    fn window_bounds(&self, nofile: u64, cfg: &ScanConfig) -> (usize, usize);
    /// Ports of a loopback target whose answers could be two of our own probes crossing
    /// (they are probed once more before they are called open); `None` when impossible.
    fn crossing_ports(&self) -> Option<std::ops::RangeInclusive<u16>>;
    /// Sends `batch` (probe, target, timeout); outcomes known at once go to `done`.
    fn launch(
        &mut self,
        batch: &[(Probe, SocketAddr, Duration)],
        done: &mut Vec<Done>,
    ) -> Result<(), ScanError>;
    /// Probes sent whose outcome was not taken yet.
    fn in_flight(&self) -> usize;
    /// The next outcome (never ready while nothing is in flight).
    fn next(&mut self) -> impl Future<Output = Done>;
    /// An outcome that is ready now.
    fn try_next(&mut self) -> Option<Done>;
    /// Whether host discovery (a TCP connect to ports 443 and 80) goes before the port
    /// scan when the configuration asks for it: not for UDP, whose hosts are all scanned.
    fn discovery(&self) -> bool {
        true
    }
    /// Whether a port still silent after its retries gets more tries, sent at the pace
    /// its host allows ([`Probe::paced`]; UDP `--icmp-pace`). The prober spaces paced
    /// probes and ends a port with `Outcome::Answer(Reason::NoResponse)` when its
    /// silence settles it.
    fn paces(&self, _cfg: &ScanConfig) -> bool {
        false
    }
    /// Applies what the bytes of an answer say (a UDP reply: the service, version,
    /// banner) to its open port.
    fn identify_reply(_port: &mut PortResult, _bytes: Vec<u8>, _cfg: &ScanConfig) {}
}

/// The connect prober: one non-blocking `connect()` per probe, resolved by the reactor.
pub(crate) struct Connect {
    inflight: FuturesUnordered<TaggedFuture>,
}

impl Connect {
    /// A prober with nothing in flight.
    pub(crate) fn new() -> Connect {
        Connect {
            inflight: FuturesUnordered::new(),
        }
    }
}

impl Prober for Connect {
    const KIND: ScanKind = ScanKind::Connect;

    fn window_bounds(&self, nofile: u64, cfg: &ScanConfig) -> (usize, usize) {
        limits::window_bounds(nofile, cfg.max_inflight)
    }

    fn crossing_ports(&self) -> Option<std::ops::RangeInclusive<u16>> {
        Some(limits::ephemeral_ports())
    }

    fn launch(
        &mut self,
        batch: &[(Probe, SocketAddr, Duration)],
        done: &mut Vec<Done>,
    ) -> Result<(), ScanError> {
        let addrs: Vec<(SocketAddr, Duration)> = batch.iter().map(|b| (b.1, b.2)).collect();
        for (&(p, _, _), raw) in batch.iter().zip(connect_batch(&addrs)) {
            match finish(raw) {
                Launch::Pending(f) => self
                    .inflight
                    .push(Box::pin(f.map(move |(o, d)| (p, o, d, None)))),
                Launch::Done(o, d) => done.push((p, o, d, None)),
            }
        }
        Ok(())
    }

    fn in_flight(&self) -> usize {
        self.inflight.len()
    }

    async fn next(&mut self) -> Done {
        match self.inflight.next().await {
            Some(d) => d,
            None => std::future::pending().await,
        }
    }

    fn try_next(&mut self) -> Option<Done> {
        self.inflight.next().now_or_never().flatten()
    }
}

/// Times one probe may be re-queued for a shortage of descriptors, buffers or local
/// ports before it is given up with reason `error` (each wait is at least 20 ms, so a
/// minute or more of shortage): a scan always ends, and a passing shortage (service
/// identification holding descriptors) costs no result.
pub const MAX_STALLS: u16 = 3000;

/// In-flight connections below which EADDRNOTAVAIL cannot mean that we used up the local
/// ports: it then means this machine has no address to reach the target from.
const PORT_PRESSURE: usize = 1024;

fn classify(e: &io::Error) -> Outcome {
    let Some(code) = e.raw_os_error() else {
        return Outcome::Answer(Reason::Error);
    };
    match Errno::from_raw(code) {
        Errno::ECONNREFUSED => Outcome::Answer(Reason::ConnRefused),
        // A reset only reaches a socket whose handshake completed: the port is open.
        Errno::ECONNRESET => Outcome::Answer(Reason::SynAck),
        Errno::EHOSTUNREACH | Errno::EHOSTDOWN => Outcome::Answer(Reason::HostUnreach),
        Errno::ENETUNREACH | Errno::ENETDOWN => Outcome::Answer(Reason::NetUnreach),
        Errno::EACCES | Errno::EPERM => Outcome::Answer(Reason::AdminProhibited),
        Errno::ETIMEDOUT => Outcome::Timeout,
        Errno::EADDRNOTAVAIL => Outcome::AddrNotAvail,
        Errno::EMFILE
        | Errno::ENFILE
        | Errno::ENOBUFS
        | Errno::ENOMEM
        | Errno::EAGAIN
        | Errno::ENOSPC => Outcome::Resource,
        _ => Outcome::Answer(Reason::Error),
    }
}

/// The outcome of a connect the poller called writable; `None` when it is in fact still
/// in progress (no error, no peer yet: a spurious wake-up).
fn connected(stream: &tokio::net::TcpStream) -> Option<Outcome> {
    Some(match stream.take_error() {
        Ok(Some(e)) | Err(e) => classify(&e),
        Ok(None) => match (stream.local_addr(), stream.peer_addr()) {
            (Ok(l), Ok(p)) if l == p => Outcome::Answer(Reason::SelfConnect),
            (_, Ok(_)) => Outcome::Answer(Reason::SynAck),
            (_, Err(e)) if e.raw_os_error() == Some(Errno::ENOTCONN as i32) => return None,
            (_, Err(e)) => classify(&e),
        },
    })
}

type ProbeFuture = Pin<Box<dyn Future<Output = (Outcome, Duration)>>>;
/// Probes launched together (their connect() calls are split over two threads).
const BATCH: usize = 256;

type TaggedFuture = Pin<Box<dyn Future<Output = Done>>>;

enum Launch {
    Pending(ProbeFuture),
    Done(Outcome, Duration),
}

/// The system-call half of a probe: socket created and `connect()` called. Runs on any
/// thread (the engine spreads a batch of these over two cores); no runtime needed.
enum RawLaunch {
    Pending(std::net::TcpStream, Instant, Instant),
    Done(Outcome, Duration),
}

/// Starts one connect attempt: the socket is created and `connect()` called right away,
/// so the deadline counts from the moment the SYN can leave. `bind` forces the local
/// address (tests use it to provoke a self-connect).
fn connect_phase(addr: SocketAddr, wait: Duration, bind: Option<SocketAddr>) -> RawLaunch {
    // Non-blocking from creation where the kernel offers it (SOCK_NONBLOCK); Windows
    // sets it after.
    #[cfg(target_os = "linux")]
    let stream = Type::STREAM.nonblocking();
    #[cfg(not(target_os = "linux"))]
    let stream = Type::STREAM;
    let sock = match Socket::new(
        Domain::for_address(addr),
        stream,
        Some(socket2::Protocol::TCP),
    ) {
        Ok(s) => s,
        Err(e) => return RawLaunch::Done(classify(&e), Duration::ZERO),
    };
    #[cfg(not(target_os = "linux"))]
    if let Err(e) = sock.set_nonblocking(true) {
        return RawLaunch::Done(classify(&e), Duration::ZERO);
    }
    if let Some(b) = bind {
        let _ = sock.set_reuse_address(true);
        if let Err(e) = sock.bind(&b.into()) {
            return RawLaunch::Done(classify(&e), Duration::ZERO);
        }
    }
    let sent = Instant::now();
    let deadline = sent + wait;
    match sock.connect(&addr.into()) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(Errno::EINPROGRESS as i32) => {
            // On loopback (and other fast paths) the refusal is often already in: skip
            // the poller entirely.
            if let Ok(Some(e)) = sock.take_error() {
                return RawLaunch::Done(classify(&e), sent.elapsed());
            }
        }
        Err(e) => return RawLaunch::Done(classify(&e), sent.elapsed()),
    }
    RawLaunch::Pending(sock.into(), sent, deadline)
}

/// The runtime half: registers a pending connect with the reactor (must run inside the
/// scan's runtime) and returns the future that resolves it.
fn finish(raw: RawLaunch) -> Launch {
    let (std_stream, sent, deadline) = match raw {
        RawLaunch::Done(o, d) => return Launch::Done(o, d),
        RawLaunch::Pending(s, sent, deadline) => (s, sent, deadline),
    };
    let stream = match tokio::net::TcpStream::from_std(std_stream) {
        Ok(s) => s,
        Err(e) => {
            return Launch::Done(
                match classify(&e) {
                    Outcome::Answer(_) => Outcome::Resource,
                    o => o,
                },
                Duration::ZERO,
            )
        }
    };
    Launch::Pending(Box::pin(async move {
        let out = loop {
            match tokio::time::timeout_at(deadline, stream.writable()).await {
                Err(_) => break Outcome::Timeout,
                Ok(Err(e)) => break classify(&e),
                Ok(Ok(())) => match connected(&stream) {
                    Some(o) => break o,
                    None => {
                        // Not connected yet: forget the readiness and wait again.
                        let _ = stream.try_io(tokio::io::Interest::WRITABLE, || {
                            Err::<(), _>(io::ErrorKind::WouldBlock.into())
                        });
                    }
                },
            }
        };
        if matches!(out, Outcome::Answer(Reason::SynAck | Reason::SelfConnect)) {
            // Close with RST: no TIME_WAIT left behind per open port.
            let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
        }
        (out, sent.elapsed())
    }))
}

/// Both halves at once, for single probes.
fn launch(addr: SocketAddr, wait: Duration, bind: Option<SocketAddr>) -> Launch {
    finish(connect_phase(addr, wait, bind))
}

/// Runs the connect phase of a batch, split over this thread and one more when the batch
/// is large enough to pay for the thread: on loopback nearly all the cost of a probe is
/// the kernel answering the SYN inside `connect()`, so two cores do it twice as fast.
fn connect_batch(batch: &[(SocketAddr, Duration)]) -> Vec<RawLaunch> {
    const PARALLEL_FROM: usize = 64;
    if batch.len() < PARALLEL_FROM {
        return batch
            .iter()
            .map(|(a, w)| connect_phase(*a, *w, None))
            .collect();
    }
    let (left, right) = batch.split_at(batch.len() / 2);
    std::thread::scope(|s| {
        let other = s.spawn(|| {
            right
                .iter()
                .map(|(a, w)| connect_phase(*a, *w, None))
                .collect::<Vec<_>>()
        });
        let mut out: Vec<RawLaunch> = left
            .iter()
            .map(|(a, w)| connect_phase(*a, *w, None))
            .collect();
        match other.join() {
            Ok(v) => out.extend(v),
            // The worker cannot panic (no unwraps); if it somehow did, redo its half here.
            Err(_) => out.extend(right.iter().map(|(a, w)| connect_phase(*a, *w, None))),
        }
        out
    })
}

/// Probes one port once, outside a scan (used by tests and by callers that want a
/// single answer). `bind` forces the local address.
pub async fn probe_once(
    addr: SocketAddr,
    wait: Duration,
    bind: Option<SocketAddr>,
) -> (Outcome, Duration) {
    match launch(addr, wait, bind) {
        Launch::Pending(f) => f.await,
        Launch::Done(o, d) => (o, d),
    }
}

/// Share of the probes sent at one time that must turn out lost before the window is
/// cut: some per cent of random loss is the network's noise, not congestion, and cutting
/// on it would starve every scan of a lossy link (queues are told by delay, below).
const LOSS_SHARE: f64 = 0.20;

/// Smoothed round trip this much above a host's fastest (and at least three times it)
/// means probes are waiting in queues: the window is too large for the path.
const QUEUE_DELAY: Duration = Duration::from_millis(50);

struct Window {
    cwnd: f64,
    ssthresh: f64,
    max: f64,
    min: f64,
    last_cut: Option<Instant>,
    peak: f64,
    /// Probes sent and, of those, found lost, by the time they were sent.
    sends: VecDeque<SendBucket>,
}

/// Probes sent within [`BUCKET`] of `start`, and how many of them were found lost later
/// (a retransmission of theirs was answered).
#[derive(Debug, Clone, Copy)]
struct SendBucket {
    start: Instant,
    sent: u32,
    lost: u32,
}

/// Width of a [`SendBucket`].
const BUCKET: Duration = Duration::from_millis(50);
/// Buckets kept (12.8 s): a loss found later than that is not counted.
const BUCKETS: usize = 256;

impl Window {
    fn new(initial: usize, max: usize) -> Window {
        let max = max.max(1) as f64;
        let initial = (initial as f64).clamp(1.0, max);
        Window {
            cwnd: initial,
            ssthresh: max,
            max,
            min: 8f64.min(max),
            last_cut: None,
            peak: initial,
            sends: VecDeque::new(),
        }
    }

    fn limit(&self) -> usize {
        self.cwnd.floor().max(1.0) as usize
    }

    fn on_answer(&mut self) {
        if self.cwnd < self.ssthresh {
            self.cwnd += 1.0;
        } else {
            self.cwnd += 2.0 / self.cwnd;
        }
        self.cwnd = self.cwnd.min(self.max);
        self.peak = self.peak.max(self.cwnd);
    }

    /// Answers come back much slower than the fastest seen: queues are filling somewhere
    /// (a router, the target, this machine). Halve, at most once per RTO.
    fn on_delay(&mut self, now: Instant, rto: Duration) {
        let due = match self.last_cut {
            None => true,
            Some(t) => now.duration_since(t) > rto,
        };
        if due {
            self.ssthresh = (self.cwnd / 2.0).max(self.min);
            self.cwnd = self.ssthresh;
            self.last_cut = Some(now);
        }
    }

    /// A probe went out at `now`.
    fn on_send(&mut self, now: Instant) {
        match self.sends.back_mut() {
            Some(b) if now < b.start + BUCKET => b.sent = b.sent.saturating_add(1),
            _ => {
                if self.sends.len() >= BUCKETS {
                    self.sends.pop_front();
                }
                self.sends.push_back(SendBucket {
                    start: now,
                    sent: 1,
                    lost: 0,
                });
            }
        }
    }

    /// A retransmission was answered at `now`: the attempt before it, sent at
    /// `lost_sent`, was lost (or its answer was). The loss is counted against the probes
    /// sent at the same time as the lost one, and the window is halved when more than
    /// [`LOSS_SHARE`] of those were lost — once per window of data, as TCP does: a loss of
    /// a probe sent before the last cut does not cut again.
    ///
    /// Counting a loss where its probe was *sent*, against everything sent then, keeps a
    /// steady lossy link steady: at the end of a scan nearly every answer is to a
    /// retransmission (the ports whose first probe was lost) while most probes go to
    /// silent ports, and judged by the answers of the moment alone such a link would
    /// look like 50 % loss and starve the tail.
    fn on_loss(&mut self, now: Instant, lost_sent: Instant) {
        let i = self.sends.partition_point(|b| b.start <= lost_sent);
        let Some(b) = i.checked_sub(1).and_then(|i| self.sends.get_mut(i)) else {
            return;
        };
        if lost_sent >= b.start + BUCKET {
            return;
        }
        b.lost = b.lost.saturating_add(1);
        let share = f64::from(b.lost) / f64::from(b.sent.max(1));
        let fresh = self.last_cut.is_none_or(|t| lost_sent > t);
        if b.lost >= 2 && share > LOSS_SHARE && fresh {
            self.ssthresh = (self.cwnd / 2.0).max(self.min);
            self.cwnd = self.ssthresh;
            self.last_cut = Some(now);
        }
    }

    fn on_resource(&mut self, inflight: usize) {
        self.max = (inflight as f64 * 0.9).max(self.min).min(self.max);
        self.cwnd = self.cwnd.min(self.max);
        self.ssthresh = self.ssthresh.min(self.max);
    }
}

/// A host's ICMP port unreachables: how many answered first probes and how many answered
/// retransmissions. Targets rate-limit them (Linux: one a second per peer after a burst of
/// six), so a closed port's unreachable often answers only a later try — silence that was
/// the target's limit, not loss on the path. A host's unreachables count as loss (and earn
/// retries) only once it has answered more first probes than a limit's burst
/// ([`ICMP_BURST`]) and while at most [`LOSS_SHARE`] of its unreachables answered
/// retransmissions; otherwise it is taken to rate-limit them and only UDP replies (and TCP
/// answers) count. A lossy path without a limit stays below that share.
#[derive(Debug, Default, Clone, Copy)]
struct IcmpLimit {
    first: u32,
    late: u32,
}

impl IcmpLimit {
    /// An unreachable answered try `attempt` (0: the first probe). Whether it is evidence
    /// that the try before was lost.
    fn on_unreach(&mut self, attempt: u32) -> bool {
        if attempt == 0 {
            self.first = self.first.saturating_add(1);
            return false;
        }
        self.late = self.late.saturating_add(1);
        !self.limited()
    }

    /// Whether the host shows (or may have: no more answers than a burst yet) a rate
    /// limit on its unreachables.
    fn limited(&self) -> bool {
        self.first <= ICMP_BURST
            || f64::from(self.late) > LOSS_SHARE * f64::from(self.first.saturating_add(self.late))
    }
}

/// Unreachables a rate-limiting host sends at once before its limit shows (Linux: six).
const ICMP_BURST: u32 = 6;

struct Rate {
    per_sec: f64,
    tokens: f64,
    burst: f64,
    last: Instant,
}

impl Rate {
    fn new(per_sec: f64) -> Rate {
        // -T0 asks for one probe in five minutes.
        let per_sec = per_sec.max(1.0 / 3600.0);
        let burst = (per_sec / 100.0).max(1.0);
        Rate {
            per_sec,
            tokens: 1.0,
            burst,
            last: Instant::now(),
        }
    }

    fn refill(&mut self, now: Instant) {
        let dt = now.duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + dt * self.per_sec).min(self.burst);
        self.last = now;
    }

    fn ready(&mut self, now: Instant) -> bool {
        self.refill(now);
        self.tokens >= 1.0
    }

    fn take(&mut self) {
        self.tokens -= 1.0;
    }

    fn next(&self, now: Instant) -> Instant {
        let need = (1.0 - self.tokens).max(0.0) / self.per_sec;
        now + Duration::from_secs_f64(need)
    }
}

/// One probe as the scheduler sees it; probers carry it and hand it back with its
/// outcome.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Probe {
    group: u64,
    host: u32,
    /// Index into the port list, or [`DISCOVERY`] + i for discovery port i.
    port_idx: u32,
    attempt: u32,
    /// Times re-queued for a shortage of descriptors or ports.
    stalls: u16,
    /// A second probe confirming an answer that could have come from a crossing of our
    /// own probes.
    verify: bool,
    /// When this attempt went out (set by the scheduler as it hands the probe over).
    sent: Option<Instant>,
    /// When the attempt before this one went out, for a retransmission: if this one is
    /// answered, that one was lost.
    lost_sent: Option<Instant>,
    /// A try past the retries, to go out at the pace its host allows (UDP
    /// `--icmp-pace`: the target's ICMP rate limit). Read by the UDP prober, which is
    /// Unix-only.
    #[cfg_attr(not(unix), allow(dead_code))]
    paced: bool,
}

/// Retries of a discovery probe, at most.
const DISCOVERY_RETRIES: u32 = 2;

/// Ports a host-discovery connect goes to (nmap's unprivileged default).
const DISCOVERY_PORTS: [u16; 2] = [443, 80];
/// `port_idx` of the first discovery probe.
const DISCOVERY: u32 = u32::MAX - DISCOVERY_PORTS.len() as u32;

impl Probe {
    fn discovery(&self) -> bool {
        self.port_idx >= DISCOVERY
    }

    /// Whether this is a try past the retries that must go at its host's pace.
    #[cfg_attr(not(unix), allow(dead_code))]
    pub(crate) fn paced(&self) -> bool {
        self.paced
    }
}

type Listed = Vec<(u16, Reason, Option<Duration>)>;

struct HostState {
    entry: HostEntry,
    rtt: RttEstimator,
    open: Vec<PortResult>,
    closed: Listed,
    filtered: Listed,
    /// UDP ports that never answered.
    open_filtered: Listed,
    n_closed: u32,
    n_filtered: u32,
    n_open_filtered: u32,
    /// Its ICMP port unreachables, to its first probes and to retransmissions: tells a
    /// host that rate-limits them from a lossy path ([`IcmpLimit`]).
    unreach: IcmpLimit,
    /// Filtered ports by reason.
    filtered_why: Vec<(Reason, u32)>,
    probes: u64,
    retries: u64,
    /// Discovery's verdict: `None` while it runs (or when it is off).
    up: Option<bool>,
    /// Highest retransmission of this host that was answered.
    max_try: u32,
    /// Discovery probes not yet answered or given up on.
    disc_left: u8,
    /// This host's own congestion window: only its own answers move it, so a slow or
    /// lossy host never shrinks the window of the hosts that answer well.
    win: Window,
    /// Its probes in flight.
    inflight: usize,
    /// Its probes waiting for room in its window (they count as unresolved).
    deferred: VecDeque<Probe>,
    /// Whether it is in the engine's queue of hosts with room for a deferred probe.
    queued: bool,
}

enum GroupPhase {
    Scanning,
    Identifying,
    Ready,
}

struct Group {
    seq: u64,
    hosts: Vec<HostState>,
    perm: Order,
    next: u64,
    unresolved: u64,
    phase: GroupPhase,
    /// Next discovery probe to send: host × discovery port.
    disc_next: u64,
    /// Discovery probes still out; the port scan of the group waits for them.
    disc_unresolved: u64,
}

impl Group {
    fn disc_total(&self, on: bool) -> u64 {
        if on {
            self.hosts.len() as u64 * DISCOVERY_PORTS.len() as u64
        } else {
            0
        }
    }
}

type IdentFuture = Pin<Box<dyn Future<Output = (u64, Vec<(usize, u16, Finding)>)>>>;

/// Host groups open at once when the older ones have every probe out or parked (their
/// slow hosts finishing): the scan goes on with new hosts meanwhile.
const MAX_GROUPS: usize = 16;

/// The smallest per-host cap the fair share gives.
const MIN_SHARE: usize = 8;

fn group_size(nports: u64) -> u64 {
    (262_144 / nports.max(1)).clamp(1, 4096)
}

struct Engine<'a> {
    targets: &'a TargetSet,
    ports: &'a [u16],
    cfg: &'a ScanConfig,
    seed: u64,
    next_slot: u64,
    next_seq: u64,
    groups: VecDeque<Group>,
    retry: VecDeque<Probe>,
    global_rtt: RttEstimator,
    win: Window,
    stats: ScanStats,
    done: u64,
    open_seen: u64,
    hosts: Vec<HostResult>,
    /// The soft open-file limit in force.
    nofile: u64,
    /// Ports whose answers may be our own probes crossing (connect on loopback: the
    /// source ports the kernel hands out).
    crossing: Option<std::ops::RangeInclusive<u16>>,
    /// Initial and largest window of each host.
    host_window: (usize, usize),
    /// Hosts (group, index) that have deferred probes and room for one.
    ready: VecDeque<(u64, u32)>,
    /// Probes deferred for want of room in their host's window, over all hosts.
    deferred: u64,
    /// Ports resolved since the observer last heard of them.
    resolved: Vec<(IpAddr, u16, PortState)>,
    /// Most probes one host may have out: twice its fair share of the group's window, so
    /// that a slow host (whose probes stay out long) never fills the window alone.
    share: usize,
    /// The protocol of the ports scanned.
    protocol: Protocol,
    /// The prober's reading of an answer's bytes ([`Prober::identify_reply`]).
    identify_reply: fn(&mut PortResult, Vec<u8>, &ScanConfig),
    /// Whether silent ports get paced tries past their retries ([`Prober::paces`]).
    paces: bool,
}

impl Engine<'_> {
    fn new_rtt(&self, initial: Duration) -> RttEstimator {
        RttEstimator::new(initial, self.cfg.min_timeout, self.cfg.max_timeout)
    }

    fn open_group(&mut self) -> bool {
        let want = group_size(self.ports.len() as u64);
        let mut hosts = Vec::new();
        while (hosts.len() as u64) < want && self.next_slot < self.targets.len() {
            if let Some(entry) = self.targets.get(self.next_slot) {
                hosts.push(HostState {
                    entry,
                    rtt: self.new_rtt(self.global_rtt.timeout()),
                    open: Vec::new(),
                    closed: Vec::new(),
                    filtered: Vec::new(),
                    open_filtered: Vec::new(),
                    n_closed: 0,
                    n_filtered: 0,
                    n_open_filtered: 0,
                    unreach: IcmpLimit::default(),
                    filtered_why: Vec::new(),
                    probes: 0,
                    retries: 0,
                    up: None,
                    max_try: 0,
                    disc_left: DISCOVERY_PORTS.len() as u8,
                    win: Window::new(self.host_window.0, self.host_window.1),
                    inflight: 0,
                    deferred: VecDeque::new(),
                    queued: false,
                });
            }
            self.next_slot += 1;
        }
        if hosts.is_empty() {
            return false;
        }
        let n = hosts.len() as u64 * self.ports.len() as u64;
        let seq = self.next_seq;
        self.next_seq += 1;
        self.stats.hosts += hosts.len() as u64;
        self.groups.push_back(Group {
            seq,
            hosts,
            perm: Order::new(
                n,
                self.seed ^ seq.wrapping_mul(0x9e37_79b9_7f4a_7c15),
                self.cfg.shard,
            ),
            next: 0,
            unresolved: 0,
            phase: GroupPhase::Scanning,
            disc_next: 0,
            disc_unresolved: 0,
        });
        self.update_share();
        true
    }

    fn group_mut(&mut self, seq: u64) -> Option<&mut Group> {
        let front = self.groups.front()?.seq;
        self.groups
            .get_mut(usize::try_from(seq.checked_sub(front)?).ok()?)
    }

    /// The host of `p`, if its group is still open.
    fn host_mut(&mut self, group: u64, host: u32) -> Option<&mut HostState> {
        self.group_mut(group)
            .and_then(|g| g.hosts.get_mut(host as usize))
    }

    /// Hands `p` out when its host's window has room, else parks it with its host (it is
    /// sent when one of the host's probes comes back).
    fn admit(&mut self, p: Probe) -> Option<Probe> {
        // Discovery is never parked: the host's parked ports wait for it.
        if p.discovery() {
            return Some(p);
        }
        let share = self.share;
        let Some(h) = self.host_mut(p.group, p.host) else {
            return Some(p);
        };
        if h.inflight < h.win.limit().min(share) {
            return Some(p);
        }
        h.deferred.push_back(p);
        self.deferred += 1;
        None
    }

    /// One of `p`'s host's probes came back: a deferred probe of that host may go.
    fn release(&mut self, group: u64, host: u32) {
        let share = self.share;
        let disc = self.cfg.discovery;
        let Some(h) = self.host_mut(group, host) else {
            return;
        };
        h.inflight = h.inflight.saturating_sub(1);
        let discovering = disc && h.up.is_none();
        if !h.queued
            && !discovering
            && !h.deferred.is_empty()
            && h.inflight < h.win.limit().min(share)
        {
            h.queued = true;
            self.ready.push_back((group, host));
        }
    }

    fn next_probe(&mut self) -> Option<Probe> {
        let share = self.share;
        let disc = self.cfg.discovery;
        // Deferred probes of hosts that have room again come first.
        while let Some((group, host)) = self.ready.pop_front() {
            let Some(h) = self.host_mut(group, host) else {
                continue;
            };
            h.queued = false;
            let cap = h.win.limit().min(share);
            if h.inflight >= cap || (disc && h.up.is_none()) {
                continue;
            }
            let Some(p) = h.deferred.pop_front() else {
                continue;
            };
            if !h.deferred.is_empty() && h.inflight + 1 < cap {
                h.queued = true;
                self.ready.push_back((group, host));
            }
            self.deferred = self.deferred.saturating_sub(1);
            return Some(p);
        }
        while let Some(p) = self.retry.pop_front() {
            if let Some(p) = self.admit(p) {
                return Some(p);
            }
        }
        let nports = self.ports.len() as u64;
        loop {
            let mut parked = 0u64;
            let mut found = None;
            'groups: for g in self.groups.iter_mut() {
                if g.disc_next < g.disc_total(disc) {
                    let i = g.disc_next;
                    g.disc_next += 1;
                    g.disc_unresolved += 1;
                    let k = DISCOVERY_PORTS.len() as u64;
                    found = Some(Probe {
                        group: g.seq,
                        host: (i / k) as u32,
                        port_idx: DISCOVERY + (i % k) as u32,
                        attempt: 0,
                        stalls: 0,
                        verify: false,
                        sent: None,
                        lost_sent: None,
                        paced: false,
                    });
                    break 'groups;
                }
                while g.next < g.perm.len() {
                    let idx = g.perm.get(g.next);
                    g.next += 1;
                    let host = (idx / nports) as u32;
                    let Some(h) = g.hosts.get_mut(host as usize) else {
                        continue;
                    };
                    // A host discovery found down: its ports are not probed.
                    if h.up == Some(false) {
                        self.done += 1;
                        continue;
                    }
                    g.unresolved += 1;
                    let p = Probe {
                        group: g.seq,
                        host,
                        port_idx: (idx % nports) as u32,
                        attempt: 0,
                        stalls: 0,
                        verify: false,
                        sent: None,
                        lost_sent: None,
                        paced: false,
                    };
                    // Each host's ports wait for its own discovery only (parked with
                    // it), not for the slowest host of the group.
                    let discovering = disc && h.up.is_none();
                    if !discovering && h.inflight < h.win.limit().min(share) {
                        found = Some(p);
                        break 'groups;
                    }
                    // A host whose window is full does not hold the others: its probe
                    // waits with it, the walk goes on.
                    h.deferred.push_back(p);
                    parked += 1;
                }
            }
            self.deferred += parked;
            if found.is_some() {
                return found;
            }
            if parked > 0 && self.groups.iter().any(|g| g.next < g.perm.len()) {
                continue;
            }
            // Every probe of the open groups is out or parked: open another group, so that
            // a slow host never holds the whole scan (its group stays open meanwhile).
            let all_walked = self.groups.iter().all(|g| g.next >= g.perm.len());
            let cap = if all_walked { MAX_GROUPS } else { 3 };
            if self.groups.len() >= cap || self.next_slot >= self.targets.len() {
                return None;
            }
            if !self.open_group() && self.next_slot >= self.targets.len() {
                return None;
            }
        }
    }

    /// Recomputes each host's share of the group window from the hosts with work left:
    /// those of groups still being walked (but not found down) and those with probes out
    /// or parked. A single host gets the whole window.
    fn update_share(&mut self) {
        let mut active = 0usize;
        for g in &self.groups {
            if !matches!(g.phase, GroupPhase::Scanning) {
                continue;
            }
            let walking = g.next < g.perm.len() || g.disc_next < g.disc_total(self.cfg.discovery);
            active += g
                .hosts
                .iter()
                .filter(|h| {
                    (walking && h.up != Some(false)) || h.inflight > 0 || !h.deferred.is_empty()
                })
                .count();
        }
        self.share = (self.win.limit() * 2 / active.max(1)).max(MIN_SHARE);
    }

    /// Whether a probe could be sent now (or a new group opened).
    fn has_work(&self) -> bool {
        let disc = self.cfg.discovery;
        let all_walked = self.groups.iter().all(|g| g.next >= g.perm.len());
        let cap = if all_walked { MAX_GROUPS } else { 3 };
        !self.ready.is_empty()
            || !self.retry.is_empty()
            || self
                .groups
                .iter()
                .any(|g| g.disc_next < g.disc_total(disc) || g.next < g.perm.len())
            || (self.next_slot < self.targets.len() && self.groups.len() < cap)
    }

    /// Whether anything is left to send, now or once discovery answers.
    fn pending(&self) -> bool {
        self.has_work()
            || self.deferred > 0
            || self.next_slot < self.targets.len()
            || self.groups.iter().any(|g| g.next < g.perm.len())
    }

    fn target_of(&self, p: &Probe) -> Option<(SocketAddr, Duration)> {
        let port = if p.discovery() {
            *DISCOVERY_PORTS.get((p.port_idx - DISCOVERY) as usize)?
        } else {
            *self.ports.get(p.port_idx as usize)?
        };
        let front = self.groups.front()?.seq;
        let g = self
            .groups
            .get(usize::try_from(p.group.checked_sub(front)?).ok()?)?;
        let h = g.hosts.get(p.host as usize)?;
        Some((SocketAddr::new(h.entry.addr, port), h.rtt.timeout()))
    }

    /// Whether an answer to `p` could come from another of our own probes: a loopback
    /// target, on a port the kernel may also have given one of our probes as its source.
    fn may_be_crossed(&self, p: &Probe) -> bool {
        self.target_of(p).is_some_and(|(a, _)| {
            a.ip().is_loopback()
                && self
                    .crossing
                    .as_ref()
                    .is_some_and(|r| r.contains(&a.port()))
        })
    }

    fn resolve(&mut self, p: Probe, reason: Reason, rtt: Option<Duration>, bytes: Option<Vec<u8>>) {
        let Some(&port) = self.ports.get(p.port_idx as usize) else {
            return;
        };
        let all = self.cfg.all_states;
        let limit = self.cfg.list_limit as usize;
        let (protocol, identify, cfg) = (self.protocol, self.identify_reply, self.cfg);
        self.done += 1;
        let Some(g) = self.group_mut(p.group) else {
            return;
        };
        g.unresolved = g.unresolved.saturating_sub(1);
        let Some(h) = g.hosts.get_mut(p.host as usize) else {
            return;
        };
        let addr = h.entry.addr;
        let state = reason.state_for(protocol);
        match state {
            PortState::Open => {
                let mut r = PortResult::with_protocol(protocol, port, reason, rtt);
                if let Some(b) = bytes {
                    identify(&mut r, b, cfg);
                }
                h.open.push(r);
            }
            PortState::Closed => {
                h.n_closed += 1;
                if all || h.closed.len() <= limit {
                    h.closed.push((port, reason, rtt));
                }
            }
            PortState::OpenFiltered => {
                h.n_open_filtered += 1;
                if all || h.open_filtered.len() <= limit {
                    h.open_filtered.push((port, reason, rtt));
                }
            }
            PortState::Filtered => {
                h.n_filtered += 1;
                match h.filtered_why.iter_mut().find(|(r, _)| *r == reason) {
                    Some((_, n)) => *n += 1,
                    None => h.filtered_why.push((reason, 1)),
                }
                if all || h.filtered.len() <= limit {
                    h.filtered.push((port, reason, rtt));
                }
            }
        }
        self.resolved.push((addr, port, state));
    }

    fn handle(&mut self, d: Done, now: Instant, inflight: usize) -> bool {
        let (p, outcome, rtt, bytes) = d;
        self.release(p.group, p.host);
        if p.discovery() {
            return self.handle_discovery(p, outcome, rtt, inflight);
        }
        match outcome {
            Outcome::Answer(reason) => {
                if matches!(
                    reason,
                    Reason::SynAck
                        | Reason::ConnRefused
                        | Reason::SelfConnect
                        | Reason::Reset
                        | Reason::UdpResponse
                        | Reason::PortUnreach
                ) {
                    self.win.on_answer();
                    // An ICMP port unreachable answering a retransmission is evidence of
                    // loss only from a host that does not rate-limit them.
                    let mut lossy = p.attempt > 0;
                    if let Some(h) = self.host_mut(p.group, p.host) {
                        h.win.on_answer();
                        if reason == Reason::PortUnreach {
                            lossy &= h.unreach.on_unreach(p.attempt);
                        }
                    }
                    if lossy {
                        // The group's window counts this loss against everything the
                        // group sent then (one lossy host among many is a small share);
                        // the host's against what it sent itself.
                        if let Some(lost) = p.lost_sent {
                            self.win.on_loss(now, lost);
                        }
                        if let Some(h) = self.host_mut(p.group, p.host) {
                            h.max_try = h.max_try.max(p.attempt);
                            if let Some(lost) = p.lost_sent {
                                h.win.on_loss(now, lost);
                            }
                        }
                    }
                    if p.attempt == 0 {
                        self.global_rtt.sample(rtt);
                        if let Some(h) = self.host_mut(p.group, p.host) {
                            h.rtt.sample(rtt);
                            if let (Some(srtt), Some(best)) = (h.rtt.srtt(), h.rtt.best()) {
                                // Queues on the way to this host: its own window shrinks,
                                // not the others'.
                                if srtt > (best * 3).max(best + QUEUE_DELAY) {
                                    let rto = h.rtt.timeout();
                                    h.win.on_delay(now, rto);
                                }
                            }
                        }
                    }
                }
                if reason == Reason::SynAck && !p.verify && self.may_be_crossed(&p) {
                    self.retry.push_back(Probe { verify: true, ..p });
                    return false;
                }
                let rtt = (reason != Reason::NoResponse).then_some(rtt);
                self.resolve(p, reason, rtt, bytes);
                false
            }
            Outcome::Timeout => {
                let shown = self
                    .group_mut(p.group)
                    .and_then(|g| g.hosts.get(p.host as usize))
                    .map_or(0, |h| h.max_try);
                // A host that has lost a probe gets two tries past its highest answered
                // one: at 2 % loss each way, three tries still miss 1 port in 15,000.
                let earned = if shown > 0 { shown + 2 } else { 0 };
                let allowed = self.cfg.retries.max(earned.min(self.cfg.max_retries));
                // Past its retries, a silent port may get paced tries (UDP --icmp-pace:
                // its host's ICMP rate limit spent the answers of the fast tries), up to
                // three times the tries it had; the prober settles it sooner.
                let budget = self.cfg.retries.saturating_add(1).saturating_mul(3);
                if self.paces && p.attempt >= allowed && p.attempt + 1 < budget {
                    let p = Probe { paced: true, ..p };
                    self.retry_or_resolve(p, p.attempt + 1, Reason::NoResponse);
                } else {
                    self.retry_or_resolve(p, allowed, Reason::NoResponse);
                }
                false
            }
            Outcome::AddrNotAvail if inflight < PORT_PRESSURE => {
                // Nothing of ours holds enough local ports to exhaust them: there is no
                // source address for this target. An attempt like any other.
                self.retry_or_resolve(p, self.cfg.retries, Reason::AddrNotAvail);
                false
            }
            Outcome::Resource | Outcome::AddrNotAvail | Outcome::Busy => {
                self.stats.resource_errors += 1;
                if outcome != Outcome::Busy {
                    self.win.on_resource(inflight);
                }
                if p.stalls >= MAX_STALLS {
                    let why = if outcome == Outcome::AddrNotAvail {
                        Reason::AddrNotAvail
                    } else {
                        Reason::Error
                    };
                    self.resolve(p, why, None, None);
                } else {
                    self.retry.push_front(Probe {
                        stalls: p.stalls + 1,
                        ..p
                    });
                }
                true
            }
        }
    }

    /// Sends `p` again while it has attempts left (`allowed` retries), else ends its port
    /// with `reason`.
    fn retry_or_resolve(&mut self, p: Probe, allowed: u32, reason: Reason) {
        if p.attempt >= allowed {
            self.resolve(p, reason, None, None);
            return;
        }
        self.stats.retries += 1;
        if let Some(h) = self
            .group_mut(p.group)
            .and_then(|g| g.hosts.get_mut(p.host as usize))
        {
            h.retries += 1;
        }
        self.retry.push_back(Probe {
            attempt: p.attempt + 1,
            lost_sent: p.sent,
            ..p
        });
    }

    /// A discovery probe came back: any answer, even a refusal, means the host is up;
    /// silence on every discovery port after the retries means it is down.
    fn handle_discovery(
        &mut self,
        p: Probe,
        outcome: Outcome,
        rtt: Duration,
        inflight: usize,
    ) -> bool {
        // Host discovery asks at most three times (a silent host costs that many timeouts
        // before it is called down), whatever the port probes may earn.
        let retries = self.cfg.retries.min(DISCOVERY_RETRIES);
        // No source address for the host (and not for want of our own local ports) is an
        // attempt without an answer, like silence.
        let silent = matches!(outcome, Outcome::Timeout)
            || (outcome == Outcome::AddrNotAvail && inflight < PORT_PRESSURE);
        let answered = match outcome {
            Outcome::Answer(reason) => Some(!matches!(reason.state(), PortState::Filtered)),
            _ if silent && p.attempt < retries => {
                self.stats.retries += 1;
                self.retry.push_back(Probe {
                    attempt: p.attempt + 1,
                    lost_sent: p.sent,
                    ..p
                });
                return false;
            }
            _ if silent => Some(false),
            // A shortage that outlasts the bound: the host is judged by what it did not say.
            _ if p.stalls >= MAX_STALLS => Some(false),
            _ => None,
        };
        let Some(answered) = answered else {
            self.stats.resource_errors += 1;
            if outcome != Outcome::Busy {
                self.win.on_resource(inflight);
            }
            self.retry.push_front(Probe {
                stalls: p.stalls + 1,
                ..p
            });
            return true;
        };
        if answered {
            self.win.on_answer();
            if p.attempt == 0 {
                self.global_rtt.sample(rtt);
            }
        }
        let Some(g) = self.group_mut(p.group) else {
            return false;
        };
        g.disc_unresolved = g.disc_unresolved.saturating_sub(1);
        let mut wake = false;
        let mut dropped = 0u64;
        if let Some(h) = g.hosts.get_mut(p.host as usize) {
            h.disc_left = h.disc_left.saturating_sub(1);
            if answered {
                // Its ports parked while discovery ran may go now.
                wake = h.up.is_none() && !h.deferred.is_empty() && !h.queued;
                h.up = Some(true);
                if p.attempt == 0 {
                    h.rtt.sample(rtt);
                }
                h.queued |= wake;
            } else if h.disc_left == 0 && h.up.is_none() {
                h.up = Some(false);
                // Down: its parked ports are never probed.
                dropped = h.deferred.len() as u64;
                h.deferred.clear();
            }
        }
        g.unresolved = g.unresolved.saturating_sub(dropped);
        self.deferred = self.deferred.saturating_sub(dropped);
        self.done += dropped;
        if wake {
            self.ready.push_back((p.group, p.host));
        }
        false
    }

    /// Moves groups whose probes are all answered into identification or ready.
    fn advance_groups(&mut self, idents: &mut FuturesUnordered<IdentFuture>, cancelled: bool) {
        let mode = self.cfg.banners;
        let wait = self.cfg.banner_timeout;
        let login = self.cfg.login_probes;
        // Each identification may hold three connections: keep them within the
        // descriptors the limit leaves (EMFILE still waits and retries).
        let fd_room = usize::try_from(self.nofile.saturating_sub(limits::RESERVED_FDS / 2) / 6)
            .unwrap_or(usize::MAX);
        let par = self.cfg.banner_parallelism.min(fd_room).max(1);
        for i in 0..self.groups.len() {
            let Some(g) = self.groups.get(i) else { break };
            if !matches!(g.phase, GroupPhase::Scanning)
                || g.next < g.perm.len()
                || g.unresolved > 0
                || g.disc_unresolved > 0
                || g.disc_next < g.disc_total(self.cfg.discovery)
            {
                continue;
            }
            if self.retry.iter().any(|p| p.group == g.seq) {
                continue;
            }
            let open: Vec<(usize, SocketAddr, String)> = g
                .hosts
                .iter()
                .enumerate()
                .flat_map(|(hi, h)| {
                    let host = h
                        .entry
                        .hostname
                        .clone()
                        .unwrap_or_else(|| match h.entry.addr {
                            IpAddr::V4(a) => a.to_string(),
                            IpAddr::V6(a) => format!("[{a}]"),
                        });
                    h.open
                        .iter()
                        .map(move |p| (hi, SocketAddr::new(h.entry.addr, p.port), host.clone()))
                })
                .collect();
            self.open_seen += open.len() as u64;
            // The TCP probes of identification; a UDP answer was read as it came.
            let want = !cancelled
                && self.protocol == Protocol::Tcp
                && !open.is_empty()
                && match mode {
                    BannerMode::On => true,
                    BannerMode::Off => false,
                    BannerMode::Auto => self.open_seen <= AUTO_BANNER_LIMIT,
                };
            let seq = g.seq;
            if let Some(g) = self.groups.get_mut(i) {
                if want {
                    g.phase = GroupPhase::Identifying;
                    idents.push(Box::pin(async move {
                        let found = futures::stream::iter(open)
                            .map(|(hi, addr, host)| async move {
                                (
                                    hi,
                                    addr.port(),
                                    ident::identify(addr, &host, wait, login).await,
                                )
                            })
                            .buffer_unordered(par)
                            .collect::<Vec<_>>()
                            .await;
                        (seq, found)
                    }));
                } else {
                    g.phase = GroupPhase::Ready;
                }
            }
        }
    }

    fn apply_findings(&mut self, seq: u64, found: Vec<(usize, u16, Finding)>) {
        self.stats.ident_lost += found.iter().filter(|(_, _, f)| f.lost).count() as u64;
        let Some(g) = self.group_mut(seq) else { return };
        for (hi, port, f) in found {
            let Some(h) = g.hosts.get_mut(hi) else {
                continue;
            };
            let Some(p) = h.open.iter_mut().find(|p| p.port == port) else {
                continue;
            };
            ident::apply(p, f);
        }
        g.phase = GroupPhase::Ready;
    }

    fn finish_host(&self, h: HostState) -> HostResult {
        let all = self.cfg.all_states;
        let limit = self.cfg.list_limit;
        let protocol = self.protocol;
        let mut ports = h.open;
        let show_closed = all || h.n_closed <= limit;
        let show_filtered = all || h.n_filtered <= limit;
        let show_open_filtered = all || h.n_open_filtered <= limit;
        for (show, listed) in [
            (show_closed, h.closed),
            (show_filtered, h.filtered),
            (show_open_filtered, h.open_filtered),
        ] {
            if show {
                ports.extend(
                    listed
                        .into_iter()
                        .map(|(p, r, t)| PortResult::with_protocol(protocol, p, r, t)),
                );
            }
        }
        ports.sort_by_key(|p| p.port);
        let open = ports.iter().filter(|p| p.state == PortState::Open).count() as u32;
        HostResult {
            target: h.entry.typed,
            addr: h.entry.addr,
            hostname: h.entry.hostname,
            resolved: h.entry.resolved,
            status: if h.up != Some(false) && open + h.n_closed > 0 || h.up == Some(true) {
                HostStatus::Up
            } else {
                HostStatus::Down
            },
            ports,
            stats: HostStats {
                open,
                closed: h.n_closed,
                filtered: h.n_filtered,
                closed_not_shown: if show_closed { 0 } else { h.n_closed },
                filtered_not_shown: if show_filtered { 0 } else { h.n_filtered },
                open_filtered: h.n_open_filtered,
                open_filtered_not_shown: if show_open_filtered {
                    0
                } else {
                    h.n_open_filtered
                },
                probes: h.probes,
                retries: h.retries,
                srtt_us: h.rtt.srtt().map(|d| d.as_micros() as u64),
                min_rtt_us: h.rtt.best().map(|d| d.as_micros() as u64),
                filtered_reason: h
                    .filtered_why
                    .iter()
                    .max_by_key(|(_, n)| *n)
                    .map(|(r, _)| *r)
                    .filter(|r| *r != Reason::NoResponse),
            },
            parts: Vec::new(),
        }
    }

    fn emit_ready(&mut self, obs: &mut dyn Observer, force: bool) {
        while let Some(g) = self.groups.front() {
            if !force && !matches!(g.phase, GroupPhase::Ready) {
                break;
            }
            let Some(g) = self.groups.pop_front() else {
                break;
            };
            for h in g.hosts {
                let r = self.finish_host(h);
                if r.status == HostStatus::Up {
                    self.stats.hosts_up += 1;
                }
                self.stats.open += u64::from(r.stats.open);
                obs.host_done(&r);
                self.hosts.push(r);
            }
        }
    }
}

/// The one scheduler: scans `ports` on every host of `targets` with `prober` (inputs
/// checked by [`crate::run`]).
///
/// `cancel` is polled at least every 100 ms; once set, no new probe is sent, probes in
/// flight are abandoned and the report holds what was found (`interrupted: true`).
pub(crate) async fn scan<P: Prober>(
    mut prober: P,
    targets: &TargetSet,
    ports: &[u16],
    cfg: &ScanConfig,
    obs: &mut dyn Observer,
    cancel: &AtomicBool,
) -> Result<ScanReport, ScanError> {
    let started = Timestamp::now();
    let t0 = Instant::now();
    // No TCP host discovery before a scan whose prober has none (UDP): every host is
    // scanned, as with -Pn.
    let no_discovery;
    let cfg = if cfg.discovery && !prober.discovery() {
        no_discovery = ScanConfig {
            discovery: false,
            ..cfg.clone()
        };
        &no_discovery
    } else {
        cfg
    };
    let nofile = limits::raise_nofile();
    let (initial, max) = prober.window_bounds(nofile, cfg);
    let protocol = P::KIND.protocol();
    let mut e = Engine {
        targets,
        ports,
        cfg,
        seed: cfg.seed.unwrap_or_else(crate::run::random_seed),
        next_slot: 0,
        next_seq: 0,
        groups: VecDeque::new(),
        retry: VecDeque::new(),
        global_rtt: RttEstimator::new(cfg.initial_timeout, cfg.min_timeout, cfg.max_timeout),
        win: Window::new(initial, max),
        stats: ScanStats {
            ports_per_host: ports.len() as u64,
            initial_window: initial as u64,
            ..ScanStats::default()
        },
        done: 0,
        open_seen: 0,
        hosts: Vec::new(),
        nofile,
        crossing: prober.crossing_ports(),
        host_window: (initial, max),
        ready: VecDeque::new(),
        deferred: 0,
        resolved: Vec::new(),
        share: usize::MAX,
        protocol,
        identify_reply: P::identify_reply,
        paces: prober.paces(cfg),
    };
    let total = crate::run::shard_total(targets, ports, cfg);
    let mut rate = cfg.rate.map(Rate::new);
    let mut idents: FuturesUnordered<IdentFuture> = FuturesUnordered::new();
    let mut backoff: Option<Instant> = None;
    let mut last_progress = Instant::now();
    let mut interrupted = false;
    let mut at_once: Vec<Done> = Vec::new();
    let mut batch: Vec<(Probe, SocketAddr, Duration)> = Vec::with_capacity(BATCH);
    loop {
        if cancel.load(Ordering::Relaxed) {
            interrupted = true;
            break;
        }
        let now = Instant::now();
        if backoff.is_some_and(|b| now >= b) {
            backoff = None;
        }
        e.update_share();
        // Issue as many probes as the window, the rate and the system allow, in batches.
        while backoff.is_none() && prober.in_flight() < e.win.limit() && e.has_work() {
            let room = (e.win.limit() - prober.in_flight()).min(BATCH);
            batch.clear();
            while batch.len() < room && e.has_work() {
                if let Some(r) = rate.as_mut() {
                    if !r.ready(Instant::now()) {
                        break;
                    }
                }
                let Some(mut p) = e.next_probe() else { break };
                let Some((addr, wait)) = e.target_of(&p) else {
                    continue;
                };
                let sent = Instant::now();
                p.sent = Some(sent);
                if let Some(r) = rate.as_mut() {
                    r.take();
                }
                e.stats.probes += 1;
                if !p.discovery() {
                    e.win.on_send(sent);
                }
                if let Some(h) = e.host_mut(p.group, p.host) {
                    h.probes += 1;
                    h.inflight += 1;
                    if !p.discovery() {
                        h.win.on_send(sent);
                    }
                }
                batch.push((p, addr, wait));
            }
            if batch.is_empty() {
                break;
            }
            prober.launch(&batch, &mut at_once)?;
            for d in at_once.drain(..) {
                let n = prober.in_flight();
                if e.handle(d, Instant::now(), n) {
                    backoff = Some(Instant::now() + Duration::from_millis(20));
                }
            }
        }
        e.stats.max_window = e.stats.max_window.max(e.win.peak as u64);
        for (addr, port, state) in e.resolved.drain(..) {
            obs.port_done(addr, port, protocol, state);
        }
        e.advance_groups(&mut idents, false);
        e.emit_ready(obs, false);
        if prober.in_flight() == 0 && idents.is_empty() && !e.pending() && e.groups.is_empty() {
            break;
        }
        let now = Instant::now();
        let mut wake = now + Duration::from_millis(100);
        if let Some(b) = backoff {
            wake = wake.min(b);
        }
        if let Some(r) = rate.as_ref() {
            if e.has_work() && prober.in_flight() < e.win.limit() {
                wake = wake.min(r.next(now));
            }
        }
        let busy = prober.in_flight() > 0;
        tokio::select! {
            biased;
            d = prober.next(), if busy => {
                let now = Instant::now();
                let n = prober.in_flight();
                if e.handle(d, now, n) {
                    backoff = Some(now + Duration::from_millis(20));
                }
                while let Some(d) = prober.try_next() {
                    let n = prober.in_flight();
                    if e.handle(d, now, n) {
                        backoff = Some(now + Duration::from_millis(20));
                    }
                }
            }
            Some((seq, found)) = idents.next(), if !idents.is_empty() => {
                e.apply_findings(seq, found);
            }
            _ = tokio::time::sleep_until(wake) => {}
        }
        if last_progress.elapsed() >= Duration::from_millis(100) {
            last_progress = Instant::now();
            obs.progress(e.done, total);
        }
    }
    drop(prober);
    drop(idents);
    if interrupted {
        e.emit_ready(obs, true);
    }
    obs.progress(e.done, total);
    Ok(crate::run::assemble(
        P::KIND,
        cfg,
        ports,
        started,
        t0.into_std(),
        e.hosts,
        e.stats,
        interrupted,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_grows_and_shrinks() {
        let mut w = Window::new(10, 100);
        for _ in 0..200 {
            w.on_answer();
        }
        assert_eq!(w.limit(), 100);
        let t0 = Instant::now();
        // 100 probes sent at t0, 2 found lost later: noise, no cut.
        for _ in 0..100 {
            w.on_send(t0);
        }
        w.on_loss(t0 + Duration::from_millis(300), t0);
        w.on_loss(t0 + Duration::from_millis(300), t0);
        assert_eq!(w.limit(), 100);
        // 30 of 100 sent at t1 lost: congestion, one cut.
        let t1 = t0 + Duration::from_millis(400);
        for _ in 0..100 {
            w.on_send(t1);
        }
        for _ in 0..30 {
            w.on_loss(t1 + Duration::from_millis(300), t1);
        }
        assert_eq!(w.limit(), 50);
        // A loss of a probe sent before that cut does not cut again (once per window).
        let t2 = t1 + Duration::from_millis(400);
        for _ in 0..10 {
            w.on_send(t2);
        }
        for _ in 0..5 {
            w.on_loss(t2 + Duration::from_millis(100), t1);
        }
        assert_eq!(w.limit(), 50, "at most one cut per window of data");
        // Losses of probes sent after the cut do.
        for _ in 0..5 {
            w.on_loss(t2 + Duration::from_millis(800), t2);
        }
        assert_eq!(w.limit(), 25);
        w.on_resource(20);
        assert_eq!(w.limit(), 18);
        for _ in 0..1000 {
            w.on_answer();
        }
        assert_eq!(w.limit(), 18);
    }

    #[test]
    fn a_lossy_tail_of_silent_ports_keeps_its_window() {
        // The end of a scan over a link losing ~10 %: each 50 ms, 100 probes go out, 90
        // to filtered ports (never answered) and 10 retransmissions to ports whose first
        // probe was lost, 9 of them answered. Every answer is a "loss", but of a probe
        // sent earlier, among many: no cut.
        let mut w = Window::new(1000, 1000);
        let t0 = Instant::now();
        for k in 0..40u32 {
            let t = t0 + BUCKET * k;
            for _ in 0..100 {
                w.on_send(t);
            }
            if k > 0 {
                for _ in 0..9 {
                    w.on_answer();
                    w.on_loss(t + Duration::from_millis(20), t - BUCKET);
                }
            }
        }
        assert_eq!(w.limit(), 1000);
    }

    #[test]
    fn losses_older_than_the_buckets_are_not_counted() {
        let mut w = Window::new(100, 100);
        let t0 = Instant::now();
        w.on_send(t0);
        for k in 1..=(BUCKETS as u32) {
            w.on_send(t0 + BUCKET * k);
        }
        for _ in 0..5 {
            w.on_loss(t0 + BUCKET * 300, t0);
        }
        assert_eq!(w.limit(), 100);
    }

    #[test]
    fn rate_limited_unreachables_do_not_collapse_the_window() {
        // A stock Linux host: 100 UDP probes at t0, 94 to closed ports; its ICMP limit
        // answers six at once, then the others one by one as their retransmissions (paced
        // or not) find a token. Those late unreachables are the limit, not loss: the
        // window must not be cut for them.
        let mut w = Window::new(100, 100);
        let mut lim = IcmpLimit::default();
        let t0 = Instant::now();
        for _ in 0..100 {
            w.on_send(t0);
        }
        for _ in 0..6 {
            w.on_answer();
            assert!(!lim.on_unreach(0));
        }
        let mut counted = 0;
        for k in 0..88u32 {
            let now = t0 + Duration::from_millis(200) + Duration::from_millis(25) * k;
            w.on_send(now);
            if lim.on_unreach(1) {
                counted += 1;
                w.on_loss(now, t0);
            }
        }
        assert_eq!(counted, 0, "late unreachables counted as loss");
        assert!(lim.limited());
        assert_eq!(w.limit(), 100, "closed ports collapsed the window");
    }

    #[test]
    fn unreachables_of_a_lossy_host_without_a_limit_count_as_loss() {
        // Every closed port answered its first probe but a few lost ones: no limit, and
        // an unreachable to a retransmission is evidence of loss.
        let mut lim = IcmpLimit::default();
        for _ in 0..90 {
            assert!(!lim.on_unreach(0));
        }
        for _ in 0..4 {
            assert!(lim.on_unreach(1));
        }
        assert!(!lim.limited());
    }

    #[test]
    fn errors_classify() {
        let e = |c: Errno| classify(&io::Error::from_raw_os_error(c as i32));
        assert_eq!(e(Errno::ECONNREFUSED), Outcome::Answer(Reason::ConnRefused));
        assert_eq!(e(Errno::EHOSTUNREACH), Outcome::Answer(Reason::HostUnreach));
        assert_eq!(e(Errno::ENETUNREACH), Outcome::Answer(Reason::NetUnreach));
        assert_eq!(e(Errno::EMFILE), Outcome::Resource);
        assert_eq!(e(Errno::EADDRNOTAVAIL), Outcome::AddrNotAvail);
        assert_eq!(e(Errno::ECONNRESET), Outcome::Answer(Reason::SynAck));
        assert_eq!(e(Errno::ENFILE), Outcome::Resource);
    }
}
