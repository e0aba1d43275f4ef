//! AF_PACKET raw socket bound to one interface (the only place this crate needs `unsafe`:
//! filling in a `sockaddr_ll`, which neither socket2 nor nix can construct safely).

use std::io::{self, Read};
use std::time::Duration;

use nix::sys::socket::{setsockopt, sockopt};
use socket2::{Domain, Protocol, SockAddr, SockAddrStorage, Socket, Type};

/// A raw Ethernet socket bound to one interface of the calling thread's network namespace.
#[derive(Debug)]
pub struct PacketSocket {
    sock: Socket,
}

impl PacketSocket {
    /// Opens an `AF_PACKET`/`SOCK_RAW` socket for all protocols, bound to `ifname`.
    pub fn bind(ifname: &str) -> io::Result<Self> {
        let ifindex = nix::net::if_::if_nametoindex(ifname).map_err(io::Error::from)?;
        let proto = i32::from((libc::ETH_P_ALL as u16).to_be());
        let sock = Socket::new(Domain::PACKET, Type::RAW, Some(Protocol::from(proto)))?;
        let mut storage = SockAddrStorage::zeroed();
        let len = std::mem::size_of::<libc::sockaddr_ll>() as socket2::socklen_t;
        #[allow(unsafe_code)]
        // SAFETY: `sockaddr_ll` is a platform `sockaddr_*` type that fits in the (zeroed)
        // storage, and exactly `len` bytes of it are initialised before `SockAddr::new`.
        let addr = unsafe {
            let ll = storage.view_as::<libc::sockaddr_ll>();
            ll.sll_family = libc::AF_PACKET as u16;
            ll.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
            ll.sll_ifindex = ifindex as i32;
            SockAddr::new(storage, len)
        };
        sock.bind(&addr)?;
        // Big buffers: a fast SYN scan arrives in bursts. As root, the *FORCE variants bypass
        // net.core.rmem_max/wmem_max; fall back to the capped ones otherwise.
        let size: usize = 64 << 20;
        if setsockopt(&sock, sockopt::RcvBufForce, &size).is_err() {
            let _ = sock.set_recv_buffer_size(size);
        }
        if setsockopt(&sock, sockopt::SndBufForce, &size).is_err() {
            let _ = sock.set_send_buffer_size(size);
        }
        Ok(PacketSocket { sock })
    }

    /// A second handle to the same socket (for a separate sender thread).
    pub fn try_clone(&self) -> io::Result<Self> {
        Ok(PacketSocket {
            sock: self.sock.try_clone()?,
        })
    }

    /// Sets the receive timeout (so a receive loop can notice shutdown).
    pub fn set_read_timeout(&self, t: Duration) -> io::Result<()> {
        self.sock.set_read_timeout(Some(t))
    }

    /// Receives one frame; `Ok(None)` on timeout.
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

    /// Sends one complete Ethernet frame on the bound interface.
    pub fn send(&self, frame: &[u8]) -> io::Result<usize> {
        self.sock.send(frame)
    }
}
