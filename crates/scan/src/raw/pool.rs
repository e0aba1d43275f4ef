//! Sender threads for the SYN scan: each owns a send-only raw socket and sends the batches
//! handed to it with `sendmmsg`, retrying after `ENOBUFS`. On loopback the kernel answers
//! each probe inside the sending call, so two senders keep both cores busy; and since the
//! caller only hands batches over, building the next batch overlaps the sending of the last
//! one, with no barrier per batch.

use super::sender::RawSocket;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::time::Duration;

/// Packets (whole IPv4 datagrams) and where each goes.
pub(crate) type Batch = (Vec<Vec<u8>>, Vec<Ipv4Addr>);

/// What the senders report back, read by the scan loop.
#[derive(Default)]
pub(crate) struct Counters {
    /// Packets handed over and settled (sent, or dropped after an error).
    pub settled: AtomicU64,
    /// Times the kernel said `ENOBUFS` (the scan slows down when this grows).
    pub enobufs: AtomicU64,
}

/// The handing-over side of a pool of sender threads.
pub(crate) struct Pool {
    queues: Vec<SyncSender<Batch>>,
    next: usize,
    handed: u64,
}

impl Pool {
    /// Starts one sender thread per socket in `scope`.
    pub fn start<'s, 'e>(
        scope: &'s std::thread::Scope<'s, 'e>,
        socks: &'e [RawSocket],
        counters: &'e Counters,
    ) -> Pool {
        let mut queues = Vec::new();
        for sock in socks {
            let (tx, rx) = sync_channel::<Batch>(4);
            scope.spawn(move || run(sock, rx, counters));
            queues.push(tx);
        }
        Pool {
            queues,
            next: 0,
            handed: 0,
        }
    }

    /// Hands a batch to the next sender (round robin); false when every sender is gone.
    pub fn send(&mut self, batch: Batch) -> bool {
        let len = batch.0.len() as u64;
        let mut batch = batch;
        for _ in 0..self.queues.len() {
            let i = self.next % self.queues.len().max(1);
            self.next = self.next.wrapping_add(1);
            let Some(q) = self.queues.get(i) else { break };
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

    /// Waits until every packet handed over so far is settled.
    pub fn flush(&self, counters: &Counters) {
        while counters.settled.load(Ordering::Acquire) < self.handed {
            std::thread::sleep(Duration::from_micros(200));
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
