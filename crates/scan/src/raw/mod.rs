//! Raw-socket scans: the SYN prober ([`syn::scan`]) and the UDP prober with protocol
//! payloads ([`udp::scan`]) of the one scheduler ([`crate::engine`]), which drives them like
//! the connect scan: the same targets ([`crate::TargetSet`]) and port lists in the same
//! keyed pseudo-random order ([`crate::perm`]), the same windows, retries and
//! [`ScanReport`](crate::ScanReport).
//!
//! Replies are matched to probes by a keyed cookie ([`cookie`]). Receiver threads per raw
//! socket read replies and hand them to the scheduler's thread over a channel, while sender
//! threads ([`pool`]) send.
//!
//! Needs CAP_NET_RAW: [`ScanError::Permission`] tells the caller to fall back to the connect
//! scan. Both scans take IPv4 and IPv6 targets, mixed in one run.

pub mod cookie;
pub(crate) mod flights;
pub mod packet;
pub mod payloads;
pub(crate) mod pool;
pub mod sender;
pub mod syn;
pub mod udp;

use crate::engine::ScanError;
use crate::model::*;
use crate::perm::Shard;
use crate::targets::TargetSet;
use std::io;
use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// First source port of raw probes (outside Linux's default ephemeral range 32768-60999).
pub const SPORT_BASE: u16 = 61_440;
/// Number of source ports raw probes use.
pub const SPORT_SPAN: u16 = 1024;

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
/// Our source address for `dst` (`None`: no route), by a routing lookup that holds a
/// descriptor for a moment. `Err(Outcome::Resource)` when the lookup itself found no
/// descriptor or buffer (identification of finished hosts may hold them all): a shortage
/// to wait out, never to be remembered as "no route".
pub(crate) fn route(dst: IpAddr) -> Result<Option<IpAddr>, crate::engine::Outcome> {
    match sender::source_for_ip(dst) {
        Ok(s) => Ok(Some(s)),
        Err(e)
            if matches!(
                e.raw_os_error(),
                Some(
                    nix::libc::EMFILE | nix::libc::ENFILE | nix::libc::ENOBUFS | nix::libc::ENOMEM
                )
            ) =>
        {
            Err(crate::engine::Outcome::Resource)
        }
        Err(_) => Ok(None),
    }
}

/// Initial and largest window of a raw prober: no descriptor per probe, but the queues
/// on the way are finite, so the connect scan's bounds without the descriptor limit.
pub(crate) fn window_bounds(cfg: &crate::engine::ScanConfig) -> (usize, usize) {
    let max = cfg.max_inflight.unwrap_or(8192).max(1);
    (max.min(1024), max)
}

/// A raw prober's receiver threads and the flag that stops them; dropping it stops and
/// joins them.
#[derive(Default)]
pub(crate) struct Receivers {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Receivers {
    /// Starts a thread named `name` that runs `f` with the stop flag.
    pub(crate) fn spawn(
        &mut self,
        name: &str,
        f: impl FnOnce(&std::sync::atomic::AtomicBool) + Send + 'static,
    ) -> Result<(), ScanError> {
        let stop = self.stop.clone();
        let t = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || f(&stop))
            .map_err(ScanError::Io)?;
        self.threads.push(t);
        Ok(())
    }
}

impl Drop for Receivers {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

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
