//! Raw IPv4 sockets: one per protocol, created in the calling thread's network namespace.
//! The kernel builds the IPv4 header and routes (so loopback works), probes go out in
//! batches through `sendmmsg(2)`, and the receiver thread reads whole IPv4 packets.

use nix::sys::socket::{sendmmsg, MsgFlags, MultiHeaders, SockaddrIn};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::io::{self, IoSlice, Read};
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::os::fd::AsRawFd;
use std::time::Duration;

/// A raw IPv4 socket for one transport protocol.
#[derive(Debug)]
pub struct RawSocket {
    sock: Socket,
}

/// Whether an error means "not allowed to open raw sockets".
pub fn is_permission(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(c) if c == nix::libc::EPERM || c == nix::libc::EACCES)
}

impl RawSocket {
    /// Opens a raw socket for `proto` (`IPPROTO_TCP`, `IPPROTO_UDP` or `IPPROTO_ICMP`).
    pub fn open(proto: i32) -> io::Result<RawSocket> {
        let sock = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::from(proto)))?;
        let big: usize = 32 << 20;
        if nix::sys::socket::setsockopt(&sock, nix::sys::socket::sockopt::RcvBufForce, &big)
            .is_err()
        {
            let _ = sock.set_recv_buffer_size(big);
        }
        if nix::sys::socket::setsockopt(
            &sock,
            nix::sys::socket::sockopt::SndBufForce,
            &(8usize << 20),
        )
        .is_err()
        {
            let _ = sock.set_send_buffer_size(8 << 20);
        }
        sock.set_read_timeout(Some(Duration::from_millis(20)))?;
        Ok(RawSocket { sock })
    }

    /// A second handle (for the receiver thread).
    pub fn try_clone(&self) -> io::Result<RawSocket> {
        Ok(RawSocket {
            sock: self.sock.try_clone()?,
        })
    }

    /// Sends `pkts[i]` to `dsts[i]` in one `sendmmsg` call per 64 packets; returns how many
    /// went out (stops early on an error such as `ENOBUFS`, which the caller retries).
    pub fn send_batch(&self, pkts: &[Vec<u8>], dsts: &[Ipv4Addr]) -> io::Result<usize> {
        let mut sent = 0;
        let n = pkts.len().min(dsts.len());
        while sent < n {
            let end = (sent + 64).min(n);
            let iovs: Vec<[IoSlice<'_>; 1]> =
                pkts[sent..end].iter().map(|p| [IoSlice::new(p)]).collect();
            let addrs: Vec<Option<SockaddrIn>> = dsts[sent..end]
                .iter()
                .map(|a| Some(SockaddrIn::from(SocketAddrV4::new(*a, 0))))
                .collect();
            let mut hdrs = MultiHeaders::<SockaddrIn>::preallocate(iovs.len(), None);
            match sendmmsg(
                self.sock.as_raw_fd(),
                &mut hdrs,
                &iovs,
                &addrs,
                [],
                MsgFlags::empty(),
            ) {
                Ok(res) => {
                    let k = res.count();
                    let want = end - sent;
                    sent += k;
                    if k < want {
                        return Ok(sent);
                    }
                }
                Err(_) if sent > 0 => return Ok(sent),
                Err(e) => return Err(io::Error::from(e)),
            }
        }
        Ok(sent)
    }

    /// Sends one packet.
    pub fn send_one(&self, pkt: &[u8], dst: Ipv4Addr) -> io::Result<usize> {
        self.sock
            .send_to(pkt, &SockAddr::from(SocketAddrV4::new(dst, 0)))
    }

    /// Receives one IPv4 packet; `Ok(None)` after the 20 ms read timeout.
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        match (&self.sock).read(buf) {
            Ok(n) => Ok(Some(n)),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}

/// The local address the kernel would use to reach `dst` (a routing lookup through a
/// connected UDP socket; nothing is sent).
pub fn source_for(dst: Ipv4Addr) -> io::Result<Ipv4Addr> {
    let s = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))?;
    s.connect((dst, 9))?;
    match s.local_addr()? {
        std::net::SocketAddr::V4(a) => Ok(*a.ip()),
        std::net::SocketAddr::V6(_) => Err(io::Error::other("no IPv4 route")),
    }
}
