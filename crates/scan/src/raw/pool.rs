//! Sender threads for the SYN scan: each owns a send-only raw socket and sends the batches
//! handed to it with `sendmmsg`, retrying after `ENOBUFS` (counted, so that the scheduler
//! slows down). On loopback the kernel answers
//! each probe inside the sending call, so two senders keep both cores busy; and since the
//! caller only hands batches over, building the next batch overlaps the sending of the last
//! one, with no barrier per batch.

use super::sender::RawSocket;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::time::Duration;

/// Packets and where each goes: whole IPv4 datagrams for IPv4 senders, TCP segments for
/// IPv6 ones (the kernel adds the IPv6 header).
pub(crate) type Batch = (Vec<Vec<u8>>, Vec<IpAddr>);

/// What the senders report back, read by the scan loop.
#[derive(Default)]
pub(crate) struct Counters {
    /// Packets handed over and settled (sent, or dropped after an error).
    pub settled: AtomicU64,
    /// Times the kernel said `ENOBUFS` (the scan slows down when this grows).
    pub enobufs: AtomicU64,
}

/// The handing-over side of a pool of sender threads (per address family). Dropping it
/// closes the queues and waits for the threads.
pub(crate) struct Pool {
    queues: [Vec<SyncSender<Batch>>; 2],
    next: usize,
    handed: u64,
    threads: Vec<std::thread::JoinHandle<()>>,
    /// What the senders report.
    pub counters: Arc<Counters>,
}

impl Pool {
    /// A pool without senders yet.
    pub fn new() -> Pool {
        Pool {
            queues: [Vec::new(), Vec::new()],
            next: 0,
            handed: 0,
            threads: Vec::new(),
            counters: Arc::new(Counters::default()),
        }
    }

    /// Starts a sender thread for `sock`: IPv4 batches when `v6` is false, IPv6 ones
    /// otherwise.
    pub fn add(&mut self, v6: bool, sock: RawSocket) -> std::io::Result<()> {
        let (tx, rx) = sync_channel::<Batch>(4);
        let counters = self.counters.clone();
        let t = std::thread::Builder::new()
            .name("pw-syn-tx".into())
            .spawn(move || run(&sock, rx, &counters))?;
        self.threads.push(t);
        if let Some(q) = self.queues.get_mut(usize::from(v6)) {
            q.push(tx);
        }
        Ok(())
    }

    /// Hands the packets of a batch to the senders of their families; false when a family
    /// has no sender left.
    pub fn send(&mut self, batch: Batch) -> bool {
        let (pkts, dsts) = batch;
        if dsts.iter().all(IpAddr::is_ipv4) {
            return self.send_family(0, (pkts, dsts));
        }
        let mut parts: [Batch; 2] = Default::default();
        for (p, d) in pkts.into_iter().zip(dsts) {
            let part = &mut parts[usize::from(d.is_ipv6())];
            part.0.push(p);
            part.1.push(d);
        }
        let [b4, b6] = parts;
        (b4.0.is_empty() || self.send_family(0, b4)) && (b6.0.is_empty() || self.send_family(1, b6))
    }

    fn send_family(&mut self, fam: usize, batch: Batch) -> bool {
        let len = batch.0.len() as u64;
        let mut batch = batch;
        let Some(queues) = self.queues.get(fam) else {
            return false;
        };
        for _ in 0..queues.len() {
            let i = self.next % queues.len().max(1);
            self.next = self.next.wrapping_add(1);
            let Some(q) = queues.get(i) else { break };
            match q.send(batch) {
                Ok(()) => {
                    self.handed += len;
                    return true;
                }
                Err(e) => batch = e.0,
            }
        }
        false
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.queues = [Vec::new(), Vec::new()];
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn run(sock: &RawSocket, rx: Receiver<Batch>, counters: &Counters) {
    for (pkts, dsts) in rx {
        let n = pkts.len().min(dsts.len());
        let mut off = 0;
        let mut stalls = 0u32;
        while off < n {
            let (p, d) = (
                pkts.get(off..n).unwrap_or(&[]),
                dsts.get(off..n).unwrap_or(&[]),
            );
            match sock.send_batch(p, d) {
                Ok(k) if k > 0 => {
                    off += k;
                    stalls = 0;
                }
                Err(e) if e.raw_os_error() != Some(nix::libc::ENOBUFS) => {
                    // No route and the like: settle the first probe, keep the rest.
                    off += 1;
                }
                _ => {
                    counters.enobufs.fetch_add(1, Ordering::Relaxed);
                    stalls += 1;
                    if stalls > 2000 {
                        break;
                    }
                    std::thread::sleep(Duration::from_micros(500));
                }
            }
        }
        counters
            .settled
            .fetch_add(pkts.len() as u64, Ordering::Release);
    }
}
