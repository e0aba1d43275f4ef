//! Raw IPv4 sockets: one per protocol, created in the calling thread's network namespace.
//! The kernel builds the IPv4 header and routes (so loopback works), probes go out in
//! batches through `sendmmsg(2)`, and the receiver thread reads whole IPv4 packets.

use nix::sys::socket::{sendmmsg, MsgFlags, MultiHeaders, SockaddrStorage};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::io::{self, IoSlice, Read};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
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
    /// Opens a raw IPv4 socket for `proto` (`IPPROTO_TCP`, `IPPROTO_UDP` or `IPPROTO_ICMP`).
    pub fn open(proto: i32) -> io::Result<RawSocket> {
        RawSocket::open_in(Domain::IPV4, proto)
    }

    /// Opens a raw IPv6 socket for `proto`. It reads transport headers without the IPv6
    /// header; the sender's address comes with each packet ([`RawSocket::recv_many`]).
    pub fn open6(proto: i32) -> io::Result<RawSocket> {
        RawSocket::open_in(Domain::IPV6, proto)
    }

    fn open_in(domain: Domain, proto: i32) -> io::Result<RawSocket> {
        let sock = Socket::new(domain, Type::RAW, Some(Protocol::from(proto)))?;
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
        sock.set_read_timeout(Some(Duration::from_millis(5)))?;
        Ok(RawSocket { sock })
    }

    /// Opens a send-only raw socket (`IPPROTO_RAW`: the caller builds the IPv4 header,
    /// see [`super::packet::with_ipv4`]). The kernel delivers no packet to it, so sending
    /// from it costs no copies of the traffic it causes.
    pub fn open_send_only() -> io::Result<RawSocket> {
        RawSocket::open(nix::libc::IPPROTO_RAW)
    }

    /// Keeps only TCP segments addressed to a port in `ports` whose flags carry ACK or RST
    /// (SYN-ACKs and resets: the answers to SYN probes), filtered in the kernel so that the
    /// rest (on loopback, our own SYNs among them) never wakes the receiver. For an IPv4
    /// raw socket, which reads whole IPv4 packets.
    pub fn keep_tcp_answers(&self, ports: std::ops::RangeInclusive<u16>) -> io::Result<()> {
        self.sock.attach_filter(&tcp_answer_filter(true, ports))
    }

    /// The IPv6 form of [`RawSocket::keep_tcp_answers`]: an IPv6 raw socket reads the TCP
    /// header at offset 0.
    pub fn keep_tcp6_answers(&self, ports: std::ops::RangeInclusive<u16>) -> io::Result<()> {
        self.sock.attach_filter(&tcp_answer_filter(false, ports))
    }

    /// Makes the socket receive nothing (for sockets that only send, where the protocol
    /// gives no send-only kind, as IPv6 raw TCP sockets).
    pub fn receive_nothing(&self) -> io::Result<()> {
        use nix::libc::{BPF_K, BPF_RET};
        self.sock.attach_filter(&[bpf(BPF_RET | BPF_K, 0, 0, 0)])
    }

    /// A second handle (for the receiver thread).
    pub fn try_clone(&self) -> io::Result<RawSocket> {
        Ok(RawSocket {
            sock: self.sock.try_clone()?,
        })
    }

    /// Sends `pkts[i]` to `dsts[i]` in one `sendmmsg` call per 64 packets; returns how many
    /// went out (stops early on an error such as `ENOBUFS`, which the caller retries).
    pub fn send_batch(&self, pkts: &[Vec<u8>], dsts: &[IpAddr]) -> io::Result<usize> {
        let mut sent = 0;
        let n = pkts.len().min(dsts.len());
        while sent < n {
            let end = (sent + 64).min(n);
            let iovs: Vec<[IoSlice<'_>; 1]> =
                pkts[sent..end].iter().map(|p| [IoSlice::new(p)]).collect();
            let addrs: Vec<Option<SockaddrStorage>> = dsts[sent..end]
                .iter()
                .map(|a| Some(SockaddrStorage::from(SocketAddr::new(*a, 0))))
                .collect();
            let mut hdrs = MultiHeaders::<SockaddrStorage>::preallocate(iovs.len(), None);
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
    pub fn send_one(&self, pkt: &[u8], dst: IpAddr) -> io::Result<usize> {
        self.sock
            .send_to(pkt, &SockAddr::from(SocketAddr::new(dst, 0)))
    }

    /// Receives up to `bufs.len()` packets in one `recvmmsg(2)` call and hands each to `f`
    /// with its sender's address; returns how many. With `wait`, waits for the first one (at most the 5 ms read
    /// timeout); otherwise takes only what is queued.
    pub fn recv_many(
        &self,
        bufs: &mut [Vec<u8>],
        wait: bool,
        mut f: impl FnMut(&[u8], Option<IpAddr>),
    ) -> io::Result<usize> {
        use nix::sys::socket::recvmmsg;
        use std::io::IoSliceMut;
        let got: Vec<(usize, Option<IpAddr>)> = {
            let mut hdrs = MultiHeaders::<SockaddrStorage>::preallocate(bufs.len(), None);
            let mut iovs: Vec<[IoSliceMut<'_>; 1]> =
                bufs.iter_mut().map(|b| [IoSliceMut::new(b)]).collect();
            match recvmmsg(
                self.sock.as_raw_fd(),
                &mut hdrs,
                iovs.iter_mut(),
                if wait {
                    MsgFlags::MSG_WAITFORONE
                } else {
                    MsgFlags::MSG_DONTWAIT
                },
                None,
            ) {
                Ok(res) => res
                    .map(|m| {
                        let from = m.address.and_then(|a: SockaddrStorage| {
                            a.as_sockaddr_in()
                                .map(|s| IpAddr::V4(s.ip()))
                                .or_else(|| a.as_sockaddr_in6().map(|s| IpAddr::V6(s.ip())))
                        });
                        (m.bytes, from)
                    })
                    .collect(),
                Err(nix::errno::Errno::EAGAIN | nix::errno::Errno::EINTR) => Vec::new(),
                Err(e) => return Err(io::Error::from(e)),
            }
        };
        for (b, &(n, from)) in bufs.iter().zip(&got) {
            f(b.get(..n).unwrap_or(b), from);
        }
        Ok(got.len())
    }

    /// Receives one IPv4 packet; `Ok(None)` after the 5 ms read timeout.
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

/// One classic BPF instruction.
fn bpf(code: u32, jt: u8, jf: u8, k: u32) -> nix::libc::sock_filter {
    nix::libc::sock_filter {
        code: code as u16,
        jt,
        jf,
        k,
    }
}

/// The filter of [`RawSocket::keep_tcp_answers`]: with `ip_header` the packet starts with
/// an IPv4 header (its length is read; later fragments are dropped), else with the TCP
/// header.
fn tcp_answer_filter(
    ip_header: bool,
    ports: std::ops::RangeInclusive<u16>,
) -> Vec<nix::libc::sock_filter> {
    use nix::libc::{
        BPF_ABS, BPF_B, BPF_H, BPF_IND, BPF_JGE, BPF_JGT, BPF_JMP, BPF_JSET, BPF_K, BPF_LD,
        BPF_LDX, BPF_MSH, BPF_RET,
    };
    // Loads relative to the TCP header: X holds the IPv4 header length, or 0.
    let mode = if ip_header { BPF_IND } else { BPF_ABS };
    let mut prog = Vec::new();
    if ip_header {
        // A fragment other than the first has no TCP header here: drop it.
        prog.push(bpf(BPF_LD | BPF_H | BPF_ABS, 0, 0, 6));
        prog.push(bpf(BPF_JMP | BPF_JSET | BPF_K, 6, 0, 0x1fff));
        prog.push(bpf(BPF_LDX | BPF_B | BPF_MSH, 0, 0, 0));
    }
    prog.extend([
        // A = destination port, within ours.
        bpf(BPF_LD | BPF_H | mode, 0, 0, 2),
        bpf(BPF_JMP | BPF_JGE | BPF_K, 0, 3, u32::from(*ports.start())),
        bpf(BPF_JMP | BPF_JGT | BPF_K, 2, 0, u32::from(*ports.end())),
        // A = flags; keep ACK (0x10) or RST (0x04).
        bpf(BPF_LD | BPF_B | mode, 0, 0, 13),
        bpf(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 0x14),
        bpf(BPF_RET | BPF_K, 0, 0, 0),
        bpf(BPF_RET | BPF_K, 0, 0, 0x0004_0000),
    ]);
    prog
}

/// The local address the kernel would use to reach `dst`, either family (a routing lookup
/// through a connected UDP socket; nothing is sent).
pub fn source_for_ip(dst: IpAddr) -> io::Result<IpAddr> {
    match dst {
        IpAddr::V4(a) => source_for(a).map(IpAddr::V4),
        IpAddr::V6(a) => {
            let s = UdpSocket::bind((Ipv6Addr::UNSPECIFIED, 0))?;
            s.connect((a, 9))?;
            Ok(s.local_addr()?.ip())
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
