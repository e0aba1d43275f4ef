//! Every touchpoint with the operating system, behind traits: [`Os`] (listeners, owners,
//! addresses, memory) and [`Capture`] (packets). [`native`] and [`Packet::open`] are the
//! Linux implementations; tests of the loop use fakes.

use portwarden_sockets::{Inventory, RawSocket, SockState, Transport};
use std::io::Read;
use std::net::IpAddr;
use std::time::Duration;

/// What the watch asks of the system.
pub trait Os: Send + Sync {
    /// The listening sockets now (TCP LISTEN, unconnected UDP).
    fn listeners(&self) -> Result<Vec<RawSocket>, String>;
    /// The listeners joined with their owners (a /proc walk: only when some are new).
    fn inventory(&self, listeners: Vec<RawSocket>) -> Inventory;
    /// This host's addresses.
    fn own_addresses(&self) -> Vec<IpAddr>;
    /// Remote addresses of established TCP connections to these local ports (the SSH
    /// peers, when the ports are sshd's).
    fn peers_on(&self, ports: &[u16]) -> Vec<IpAddr>;
    /// (VmRSS, VmHWM) of this process in KiB.
    fn memory_kib(&self) -> (u64, u64);
    /// The host name.
    fn hostname(&self) -> String;
}

/// A source of inbound packets (IP header first).
pub trait Capture: Send {
    /// The next packet into `buf`; `Ok(None)` when none came within the read timeout.
    fn next(&mut self, buf: &mut [u8]) -> std::io::Result<Option<usize>>;
}

/// The Linux system.
#[derive(Debug, Default, Clone)]
pub struct Native {
    linux: portwarden_sockets::linux::Linux,
}

/// The system this runs on.
pub fn native() -> Native {
    Native::default()
}

impl Os for Native {
    fn listeners(&self) -> Result<Vec<RawSocket>, String> {
        match portwarden_sockets::linux::netlink::dump_listening(true, true) {
            Ok(v) => Ok(v),
            Err(_) => Ok(portwarden_sockets::linux::procnet::read(
                &self.linux.proc_root.join("net"),
                &[Transport::Tcp, Transport::Udp],
                true,
                true,
            )
            .into_iter()
            .filter(RawSocket::is_listening)
            .collect()),
        }
    }

    fn inventory(&self, listeners: Vec<RawSocket>) -> Inventory {
        use portwarden_sockets::Backend;
        let mut inv = portwarden_sockets::join(
            listeners,
            portwarden_sockets::Source::Netlink,
            Some(self.linux.processes()),
        );
        let uids: std::collections::BTreeSet<u32> =
            inv.sockets.iter().map(|e| e.socket.uid).collect();
        for uid in uids {
            if let Some(n) = self.linux.user_name(uid) {
                inv.users.insert(uid, n);
            }
        }
        inv
    }

    fn own_addresses(&self) -> Vec<IpAddr> {
        let Ok(addrs) = nix::ifaddrs::getifaddrs() else {
            return Vec::new();
        };
        addrs
            .filter_map(|a| a.address)
            .filter_map(|s| {
                s.as_sockaddr_in()
                    .map(|v| IpAddr::V4(v.ip()))
                    .or_else(|| s.as_sockaddr_in6().map(|v| IpAddr::V6(v.ip())))
            })
            .collect()
    }

    fn peers_on(&self, ports: &[u16]) -> Vec<IpAddr> {
        portwarden_sockets::linux::netlink::dump(&[Transport::Tcp], true, true)
            .unwrap_or_default()
            .into_iter()
            .filter(|s| s.state == SockState::Established && ports.contains(&s.local.port()))
            .map(|s| s.remote.ip())
            .collect()
    }

    fn memory_kib(&self) -> (u64, u64) {
        let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let field = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|r| r.split_whitespace().next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    fn hostname(&self) -> String {
        nix::unistd::gethostname()
            .ok()
            .and_then(|h| h.into_string().ok())
            .unwrap_or_default()
    }
}

/// An AF_PACKET socket (cooked, every protocol, every interface of this network
/// namespace) with the classic BPF filter of [`crate::detect::filter`] attached, so only
/// possible probes are copied to us.
///
/// The socket is non-blocking: once packets flow, the reader drains what is queued, then
/// naps 2 ms so the next packets arrive as a batch (one wakeup per batch instead of one
/// per packet); when idle it waits in `poll` up to the timeout.
#[derive(Debug)]
pub struct Packet {
    sock: socket2::Socket,
    timeout: Duration,
    busy: bool,
}

impl Packet {
    /// Opens the socket (needs CAP_NET_RAW) with a read timeout.
    pub fn open(timeout: Duration) -> std::io::Result<Packet> {
        use socket2::{Domain, Protocol, Socket, Type};
        let all = i32::from((libc::ETH_P_ALL as u16).to_be());
        let sock = Socket::new(Domain::PACKET, Type::DGRAM, Some(Protocol::from(all)))?;
        sock.attach_filter(&crate::detect::filter())?;
        sock.set_read_timeout(Some(timeout))?;
        // Room for bursts; the kernel caps it at net.core.rmem_max.
        let _ = sock.set_recv_buffer_size(4 << 20);
        // Packets queued before the filter was attached are let go.
        sock.set_nonblocking(true)?;
        let mut junk = [0u8; 256];
        while (&sock).read(&mut junk).is_ok() {}
        Ok(Packet {
            sock,
            timeout,
            busy: false,
        })
    }
}

impl Capture for Packet {
    fn next(&mut self, buf: &mut [u8]) -> std::io::Result<Option<usize>> {
        match (&self.sock).read(buf) {
            Ok(n) => {
                self.busy = true;
                Ok(Some(n))
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if self.busy {
                    self.busy = false;
                    std::thread::sleep(Duration::from_millis(2));
                } else {
                    use std::os::fd::AsFd;
                    let mut fds = [nix::poll::PollFd::new(
                        self.sock.as_fd(),
                        nix::poll::PollFlags::POLLIN,
                    )];
                    let ms = u16::try_from(self.timeout.as_millis()).unwrap_or(u16::MAX);
                    // Interrupted or timed out: the caller comes back.
                    let _ = nix::poll::poll(&mut fds, ms);
                }
                Ok(None)
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}
