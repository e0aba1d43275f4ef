//! The user-space responder: plays every simulated host on the target end of the veth.
//!
//! A receiver thread reads frames from an AF_PACKET socket, decides what each simulated host
//! would answer ([`Engine`]), and pushes the answers into a delay queue (a binary heap ordered by
//! due time). A sender thread drains the heap, sleeping on a condition variable until the
//! earliest due time. Without RTT/jitter the receiver sends inline.

use std::cmp::Ordering as CmpOrdering;
use std::collections::{BinaryHeap, HashMap};
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use etherparse::icmpv4::DestUnreachableHeader;
use etherparse::{
    Icmpv4Type, NetSlice, PacketBuilder, SlicedPacket, TcpOptionElement, TransportSlice,
};
use serde::Serialize;

use crate::config::{Config, IcmpLimit, PortState, Truth};
use crate::rawsock::PacketSocket;
use crate::rng::{mix64, SplitMix64};

const ETH_ARP: u16 = 0x0806;
const ETH_IPV4: u16 = 0x0800;
const TCP_WINDOW: u16 = 64240;
const MAX_CONNS: usize = 200_000;

/// Counters kept by the responder (monotonic since start).
#[derive(Debug, Default)]
struct Counters {
    rx_frames: AtomicU64,
    tx_frames: AtomicU64,
    dropped_loss: AtomicU64,
    icmp_rate_limited: AtomicU64,
    send_errors: AtomicU64,
}

/// Snapshot of the responder's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Frames received on the target veth (including ones not for simulated hosts).
    pub rx_frames: u64,
    /// Frames sent (answers).
    pub tx_frames: u64,
    /// Incoming packets dropped by the configured loss.
    pub dropped_loss: u64,
    /// ICMP errors suppressed by the rate limiter.
    pub icmp_rate_limited: u64,
    /// Failed sends (e.g. socket buffer full).
    pub send_errors: u64,
}

struct Item {
    due: Instant,
    seq: u64,
    frame: Vec<u8>,
}

impl PartialEq for Item {
    fn eq(&self, o: &Self) -> bool {
        self.due == o.due && self.seq == o.seq
    }
}
impl Eq for Item {}
impl PartialOrd for Item {
    fn partial_cmp(&self, o: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(o))
    }
}
impl Ord for Item {
    // Reversed so that BinaryHeap (a max-heap) pops the earliest due time first.
    fn cmp(&self, o: &Self) -> CmpOrdering {
        o.due.cmp(&self.due).then(o.seq.cmp(&self.seq))
    }
}

#[derive(Default)]
struct DelayQueue {
    heap: Mutex<BinaryHeap<Item>>,
    cv: Condvar,
}

/// Running responder; stopping joins both threads.
pub(crate) struct Responder {
    stop: Arc<AtomicBool>,
    queue: Arc<DelayQueue>,
    counters: Arc<Counters>,
    threads: Vec<JoinHandle<()>>,
}

impl Responder {
    /// Starts receiver and sender threads on `sock` (already bound in the target namespace).
    pub(crate) fn start(
        sock: PacketSocket,
        cfg: &Config,
        truth: Arc<Truth>,
        our_mac: [u8; 6],
    ) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let queue = Arc::new(DelayQueue::default());
        let counters = Arc::new(Counters::default());
        sock.set_read_timeout(Duration::from_millis(50))?;
        let tx_sock = sock.try_clone()?;
        let delayed = cfg.rtt_ms > 0.0
            || cfg.jitter_ms > 0.0
            || cfg
                .hosts
                .iter()
                .any(|h| h.rtt_ms.is_some_and(|r| r > 0.0) || h.jitter_ms.is_some_and(|j| j > 0.0));
        let mut engine = Engine::new(cfg, truth, our_mac, counters.clone());

        let (st, q, c) = (stop.clone(), queue.clone(), counters.clone());
        let sender = std::thread::Builder::new()
            .name("netsim-tx".into())
            .spawn(move || sender_loop(&tx_sock, &q, &st, &c))?;
        let (st, q, c) = (stop.clone(), queue.clone(), counters.clone());
        let receiver = std::thread::Builder::new()
            .name("netsim-rx".into())
            .spawn(move || {
                let mut buf = vec![0u8; 65536];
                let mut out: Vec<(Duration, Vec<u8>)> = Vec::new();
                let mut seq = 0u64;
                while !st.load(Ordering::Relaxed) {
                    let n = match sock.recv(&mut buf) {
                        Ok(Some(n)) => n,
                        Ok(None) => continue,
                        Err(_) => {
                            std::thread::sleep(Duration::from_millis(1));
                            continue;
                        }
                    };
                    c.rx_frames.fetch_add(1, Ordering::Relaxed);
                    engine.handle(&buf[..n], &mut out);
                    if out.is_empty() {
                        continue;
                    }
                    if !delayed {
                        for (_, f) in out.drain(..) {
                            send_counted(&sock, &f, &c);
                        }
                        continue;
                    }
                    let now = Instant::now();
                    let mut heap = q.heap.lock().unwrap_or_else(|e| e.into_inner());
                    let mut wake = false;
                    for (delay, frame) in out.drain(..) {
                        let due = now + delay;
                        wake |= heap.peek().is_none_or(|top| due < top.due);
                        seq += 1;
                        heap.push(Item { due, seq, frame });
                    }
                    drop(heap);
                    if wake {
                        q.cv.notify_one();
                    }
                }
            })?;
        Ok(Responder {
            stop,
            queue,
            counters,
            threads: vec![receiver, sender],
        })
    }

    /// Current counters.
    pub(crate) fn stats(&self) -> Stats {
        let c = &self.counters;
        Stats {
            rx_frames: c.rx_frames.load(Ordering::Relaxed),
            tx_frames: c.tx_frames.load(Ordering::Relaxed),
            dropped_loss: c.dropped_loss.load(Ordering::Relaxed),
            icmp_rate_limited: c.icmp_rate_limited.load(Ordering::Relaxed),
            send_errors: c.send_errors.load(Ordering::Relaxed),
        }
    }

    /// Stops and joins the threads (idempotent).
    pub(crate) fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.queue.cv.notify_all();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        self.stop();
    }
}

fn send_counted(sock: &PacketSocket, frame: &[u8], c: &Counters) {
    match sock.send(frame) {
        Ok(_) => c.tx_frames.fetch_add(1, Ordering::Relaxed),
        Err(_) => c.send_errors.fetch_add(1, Ordering::Relaxed),
    };
}

fn sender_loop(sock: &PacketSocket, q: &DelayQueue, stop: &AtomicBool, c: &Counters) {
    let mut batch: Vec<Vec<u8>> = Vec::new();
    let mut heap = q.heap.lock().unwrap_or_else(|e| e.into_inner());
    while !stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        let wait = match heap.peek() {
            None => Duration::from_millis(100),
            Some(top) if top.due <= now => {
                while heap.peek().is_some_and(|t| t.due <= now) {
                    if let Some(it) = heap.pop() {
                        batch.push(it.frame);
                    }
                }
                drop(heap);
                for f in batch.drain(..) {
                    send_counted(sock, &f, c);
                }
                heap = q.heap.lock().unwrap_or_else(|e| e.into_inner());
                continue;
            }
            Some(top) => top.due - now,
        };
        heap =
            q.cv.wait_timeout(heap, wait)
                .unwrap_or_else(|e| e.into_inner())
                .0;
    }
}

/// Token bucket (capacity `cap`, refilled at `rate` tokens/s); `rate == 0` means unlimited.
struct TokenBucket {
    cap: f64,
    rate: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    fn new(cap: f64, rate: f64) -> Self {
        TokenBucket {
            cap,
            rate,
            tokens: cap,
            last: Instant::now(),
        }
    }

    fn allow(&mut self, now: Instant) -> bool {
        if self.rate <= 0.0 {
            return true;
        }
        let dt = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + dt * self.rate).min(self.cap);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Established TCP connection on an open port (created when the handshake completes).
struct Conn {
    our_next: u32,
    client_next: u32,
    fin_sent: bool,
}

type ConnKey = (Ipv4Addr, u16, Ipv4Addr, u16);

/// Parsed view of the fields of an incoming TCP segment the engine needs.
struct TcpIn<'a> {
    sport: u16,
    dport: u16,
    seq: u32,
    ack_no: u32,
    syn: bool,
    ack: bool,
    fin: bool,
    rst: bool,
    payload: &'a [u8],
}

/// Addressing of a reply: our (simulated) side and the client's side.
#[derive(Clone, Copy)]
struct Peer {
    client_mac: [u8; 6],
    client_ip: Ipv4Addr,
    host_ip: Ipv4Addr,
}

/// Per-packet decision logic; owned by the receiver thread.
struct Engine {
    truth: Arc<Truth>,
    our_mac: [u8; 6],
    rng: SplitMix64,
    loss: f64,
    rtt: f64,
    jitter: f64,
    /// Hosts with a link of their own (rtt, jitter, loss).
    links: HashMap<Ipv4Addr, crate::config::Link>,
    /// The link of the packet being answered.
    cur: crate::config::Link,
    isn_key: u64,
    udp_default: Vec<u8>,
    conns: HashMap<ConnKey, Conn>,
    icmp_cfg: IcmpLimit,
    icmp_global: TokenBucket,
    icmp_peer: HashMap<Ipv4Addr, TokenBucket>,
    counters: Arc<Counters>,
}

impl Engine {
    fn new(cfg: &Config, truth: Arc<Truth>, our_mac: [u8; 6], counters: Arc<Counters>) -> Self {
        Engine {
            truth,
            our_mac,
            rng: SplitMix64::new(cfg.seed ^ 0x6e65_7473_696d),
            loss: cfg.loss,
            rtt: cfg.rtt_ms / 1000.0,
            jitter: cfg.jitter_ms / 1000.0,
            links: cfg.links().unwrap_or_default(),
            cur: crate::config::Link {
                rtt: cfg.rtt_ms / 1000.0,
                jitter: cfg.jitter_ms / 1000.0,
                loss: cfg.loss,
            },
            isn_key: mix64(cfg.seed ^ 0x1517),
            udp_default: cfg.udp_default_reply.clone().into_bytes(),
            conns: HashMap::new(),
            icmp_cfg: cfg.icmp.clone(),
            icmp_global: TokenBucket::new(
                f64::from(cfg.icmp.msgs_burst.max(1)),
                f64::from(cfg.icmp.msgs_per_sec),
            ),
            icmp_peer: HashMap::new(),
            counters,
        }
    }

    fn delay(&mut self) -> Duration {
        let mut d = self.cur.rtt;
        if self.cur.jitter > 0.0 {
            d += (self.rng.next_f64() * 2.0 - 1.0) * self.cur.jitter;
        }
        Duration::from_secs_f64(d.max(0.0))
    }

    fn emit(&mut self, out: &mut Vec<(Duration, Vec<u8>)>, frame: Vec<u8>) {
        let d = self.delay();
        out.push((d, frame));
    }

    /// Handles one received frame, appending answers (with their delay) to `out`.
    fn handle(&mut self, frame: &[u8], out: &mut Vec<(Duration, Vec<u8>)>) {
        if frame.len() < 14 || frame[6..12] == self.our_mac {
            return;
        }
        let ethertype = u16::from_be_bytes([frame[12], frame[13]]);
        let mut client_mac = [0u8; 6];
        client_mac.copy_from_slice(&frame[6..12]);
        // The network's link, unless the IPv4 handler finds a host with its own.
        self.cur = crate::config::Link {
            rtt: self.rtt,
            jitter: self.jitter,
            loss: self.loss,
        };
        match ethertype {
            ETH_ARP => self.handle_arp(&frame[14..], client_mac, out),
            ETH_IPV4 => self.handle_ipv4(frame, client_mac, out),
            _ => {}
        }
    }

    fn handle_arp(&mut self, arp: &[u8], client_mac: [u8; 6], out: &mut Vec<(Duration, Vec<u8>)>) {
        // htype=1, ptype=IPv4, hlen=6, plen=4, oper=1 (request)
        if arp.len() < 28 || arp[0..8] != [0, 1, 8, 0, 6, 4, 0, 1] {
            return;
        }
        let tpa = Ipv4Addr::new(arp[24], arp[25], arp[26], arp[27]);
        if !self.truth.hosts.contains_key(&tpa) {
            return;
        }
        let mut f = Vec::with_capacity(42);
        f.extend_from_slice(&client_mac);
        f.extend_from_slice(&self.our_mac);
        f.extend_from_slice(&ETH_ARP.to_be_bytes());
        f.extend_from_slice(&[0, 1, 8, 0, 6, 4, 0, 2]);
        f.extend_from_slice(&self.our_mac); // sha
        f.extend_from_slice(&arp[24..28]); // spa = requested address
        f.extend_from_slice(&arp[8..14]); // tha = requester's hardware address
        f.extend_from_slice(&arp[14..18]); // tpa = requester's address
        self.emit(out, f);
    }

    fn handle_ipv4(
        &mut self,
        frame: &[u8],
        client_mac: [u8; 6],
        out: &mut Vec<(Duration, Vec<u8>)>,
    ) {
        let Ok(pkt) = SlicedPacket::from_ethernet(frame) else {
            return;
        };
        let Some(NetSlice::Ipv4(ip)) = &pkt.net else {
            return;
        };
        let hdr = ip.header();
        let host_ip = hdr.destination_addr();
        let truth = self.truth.clone();
        let Some(host) = truth.hosts.get(&host_ip) else {
            return;
        };
        if ip.is_payload_fragmented() {
            return;
        }
        if let Some(l) = self.links.get(&host_ip) {
            self.cur = *l;
        }
        if self.cur.loss > 0.0 && self.rng.next_f64() < self.cur.loss {
            self.counters.dropped_loss.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let peer = Peer {
            client_mac,
            client_ip: hdr.source_addr(),
            host_ip,
        };
        let ip_len = usize::from(hdr.total_len()).min(frame.len() - 14);
        let ip_bytes = &frame[14..14 + ip_len];
        match &pkt.transport {
            Some(TransportSlice::Tcp(t)) => {
                let seg = TcpIn {
                    sport: t.source_port(),
                    dport: t.destination_port(),
                    seq: t.sequence_number(),
                    ack_no: t.acknowledgment_number(),
                    syn: t.syn(),
                    ack: t.ack(),
                    fin: t.fin(),
                    rst: t.rst(),
                    payload: t.payload(),
                };
                let state = host.tcp.state(seg.dport);
                let banner = host.tcp.payload(seg.dport).map(<[u8]>::to_vec);
                self.handle_tcp(peer, state, banner, &seg, out);
            }
            Some(TransportSlice::Udp(u)) => {
                let (sport, dport) = (u.source_port(), u.destination_port());
                match host.udp.state(dport) {
                    PortState::Open => {
                        let payload = host
                            .udp
                            .payload(dport)
                            .map(<[u8]>::to_vec)
                            .unwrap_or_else(|| self.udp_default.clone());
                        let b = self.ip_builder(peer).udp(dport, sport);
                        let mut f = Vec::with_capacity(b.size(payload.len()));
                        if b.write(&mut f, &payload).is_ok() {
                            self.emit(out, f);
                        }
                    }
                    PortState::Closed => {
                        if self.icmp_allowed(peer.client_ip) {
                            let quote = &ip_bytes[..ip_bytes.len().min(548)];
                            let b =
                                self.ip_builder(peer)
                                    .icmpv4(Icmpv4Type::DestinationUnreachable(
                                        DestUnreachableHeader::Port,
                                    ));
                            let mut f = Vec::with_capacity(b.size(quote.len()));
                            if b.write(&mut f, quote).is_ok() {
                                self.emit(out, f);
                            }
                        } else {
                            self.counters
                                .icmp_rate_limited
                                .fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    PortState::Filtered => {}
                }
            }
            Some(TransportSlice::Icmpv4(i)) => {
                if let Icmpv4Type::EchoRequest(echo) = i.icmp_type() {
                    if host.ping {
                        let payload = i.payload().to_vec();
                        let b = self.ip_builder(peer).icmpv4_echo_reply(echo.id, echo.seq);
                        let mut f = Vec::with_capacity(b.size(payload.len()));
                        if b.write(&mut f, &payload).is_ok() {
                            self.emit(out, f);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn ip_builder(&self, p: Peer) -> etherparse::PacketBuilderStep<etherparse::IpHeaders> {
        PacketBuilder::ethernet2(self.our_mac, p.client_mac).ipv4(
            p.host_ip.octets(),
            p.client_ip.octets(),
            64,
        )
    }

    fn icmp_allowed(&mut self, dst: Ipv4Addr) -> bool {
        let now = Instant::now();
        if self.icmp_cfg.ratelimit_ms > 0 {
            let cap = f64::from(self.icmp_cfg.ratelimit_burst.max(1));
            let rate = 1000.0 / self.icmp_cfg.ratelimit_ms as f64;
            let b = self
                .icmp_peer
                .entry(dst)
                .or_insert_with(|| TokenBucket::new(cap, rate));
            if !b.allow(now) {
                return false;
            }
        }
        self.icmp_global.allow(now)
    }

    /// Builds one TCP segment from the simulated host to the client.
    #[allow(clippy::too_many_arguments)]
    fn tcp_out(
        &mut self,
        out: &mut Vec<(Duration, Vec<u8>)>,
        p: Peer,
        sport: u16,
        dport: u16,
        seq: u32,
        ack: Option<u32>,
        flags: &str,
        payload: &[u8],
    ) {
        let mut b = self.ip_builder(p).tcp(
            sport,
            dport,
            seq,
            if flags.contains('R') { 0 } else { TCP_WINDOW },
        );
        if let Some(a) = ack {
            b = b.ack(a);
        }
        for c in flags.chars() {
            b = match c {
                'S' => b.syn(),
                'F' => b.fin(),
                'R' => b.rst(),
                'P' => b.psh(),
                _ => b,
            };
        }
        if flags.contains('S') {
            b = match b.options(&[TcpOptionElement::MaximumSegmentSize(1460)]) {
                Ok(b) => b,
                Err(_) => return,
            };
        }
        let mut f = Vec::with_capacity(b.size(payload.len()));
        if b.write(&mut f, payload).is_ok() {
            self.emit(out, f);
        }
    }

    fn isn(&self, p: &Peer, sport: u16, dport: u16) -> u32 {
        let k = (u64::from(u32::from(p.client_ip)) << 32)
            ^ (u64::from(sport) << 16)
            ^ u64::from(dport)
            ^ (u64::from(u32::from(p.host_ip)) << 7);
        mix64(self.isn_key ^ k) as u32
    }

    fn handle_tcp(
        &mut self,
        p: Peer,
        state: PortState,
        banner: Option<Vec<u8>>,
        s: &TcpIn<'_>,
        out: &mut Vec<(Duration, Vec<u8>)>,
    ) {
        let (ours, theirs) = (s.dport, s.sport);
        let seg_len = s.payload.len() as u32 + u32::from(s.syn) + u32::from(s.fin);
        match state {
            PortState::Filtered => {}
            PortState::Closed => {
                if s.rst {
                    return;
                }
                if s.ack {
                    self.tcp_out(out, p, ours, theirs, s.ack_no, None, "R", &[]);
                } else {
                    let a = s.seq.wrapping_add(seg_len);
                    self.tcp_out(out, p, ours, theirs, 0, Some(a), "R", &[]);
                }
            }
            PortState::Open => {
                let key = (p.client_ip, theirs, p.host_ip, ours);
                if s.rst {
                    self.conns.remove(&key);
                    return;
                }
                let isn = self.isn(&p, theirs, ours);
                if s.syn {
                    // Stateless SYN-ACK (SYN-cookie style): state is created on the final ACK.
                    self.conns.remove(&key);
                    let a = s.seq.wrapping_add(1);
                    self.tcp_out(out, p, ours, theirs, isn, Some(a), "S", &[]);
                    return;
                }
                if !s.ack {
                    return;
                }
                if !self.conns.contains_key(&key) {
                    if s.ack_no != isn.wrapping_add(1) {
                        self.tcp_out(out, p, ours, theirs, s.ack_no, None, "R", &[]);
                        return;
                    }
                    if self.conns.len() >= MAX_CONNS {
                        self.conns.clear();
                    }
                    let mut c = Conn {
                        our_next: isn.wrapping_add(1),
                        client_next: s.seq,
                        fin_sent: false,
                    };
                    if let Some(b) = banner.filter(|b| !b.is_empty()) {
                        let seq = c.our_next;
                        c.our_next = c.our_next.wrapping_add(b.len() as u32);
                        let a = c.client_next;
                        self.tcp_out(out, p, ours, theirs, seq, Some(a), "P", &b);
                    }
                    self.conns.insert(key, c);
                }
                let Some(c) = self.conns.get_mut(&key) else {
                    return;
                };
                if s.payload.is_empty() && !s.fin {
                    if c.fin_sent && s.ack_no == c.our_next {
                        self.conns.remove(&key);
                    }
                    return;
                }
                if s.seq == c.client_next {
                    c.client_next = c.client_next.wrapping_add(seg_len);
                }
                let (seq, a) = (c.our_next, c.client_next);
                if s.fin && !c.fin_sent {
                    c.fin_sent = true;
                    c.our_next = c.our_next.wrapping_add(1);
                    self.tcp_out(out, p, ours, theirs, seq, Some(a), "F", &[]);
                } else if s.fin {
                    // Retransmitted FIN: repeat our FIN-ACK.
                    let seq = seq.wrapping_sub(1);
                    self.tcp_out(out, p, ours, theirs, seq, Some(a), "F", &[]);
                } else {
                    self.tcp_out(out, p, ours, theirs, seq, Some(a), "", &[]);
                }
            }
        }
    }
}
