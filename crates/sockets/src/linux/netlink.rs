//! Socket dump over NETLINK_SOCK_DIAG (inet_diag), as `ss` does it.

use super::Error;
use crate::types::{RawSocket, SockState, Traffic, Transport};
use netlink_packet_core::{
    NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_DUMP, NLM_F_REQUEST,
};
use netlink_packet_sock_diag::{
    constants::{AF_INET, AF_INET6, IPPROTO_TCP, IPPROTO_UDP},
    inet::{nlas::Nla, ExtensionFlags, InetRequest, SocketId, StateFlags},
    SockDiagMessage,
};
use netlink_sys::{protocols::NETLINK_SOCK_DIAG, Socket, SocketAddr};
use std::collections::HashMap;
use std::net::SocketAddr as InetAddr;

/// Dumps every socket of the requested transports and families.
pub fn dump(transports: &[Transport], v4: bool, v6: bool) -> Result<Vec<RawSocket>, Error> {
    dump_states(transports, v4, v6, false)
}

/// Dumps only listeners (TCP LISTEN, unconnected UDP): the state filter goes to the
/// kernel, so established connections are never dumped (what `portwarden watch` polls).
pub fn dump_listening(v4: bool, v6: bool) -> Result<Vec<RawSocket>, Error> {
    dump_states(&[Transport::Tcp, Transport::Udp], v4, v6, true)
}

/// A sock_diag socket bound and connected to the kernel.
fn open() -> Result<Socket, Error> {
    let mut socket =
        Socket::new(NETLINK_SOCK_DIAG).map_err(|e| Error::Netlink(format!("socket: {e}")))?;
    socket
        .bind_auto()
        .map_err(|e| Error::Netlink(format!("bind: {e}")))?;
    socket
        .connect(&SocketAddr::new(0, 0))
        .map_err(|e| Error::Netlink(format!("connect: {e}")))?;
    Ok(socket)
}

fn dump_states(
    transports: &[Transport],
    v4: bool,
    v6: bool,
    listening: bool,
) -> Result<Vec<RawSocket>, Error> {
    let mut socket = open()?;
    let mut out = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    for &t in transports {
        for (family, on) in [(AF_INET, v4), (AF_INET6, v6)] {
            if !on {
                continue;
            }
            let states = match (listening, t) {
                (false, _) => StateFlags::all(),
                (true, Transport::Tcp) => StateFlags::LISTEN,
                // An unbound-remote UDP socket is in TCP_CLOSE (7) for the kernel.
                (true, Transport::Udp) => StateFlags::CLOSE,
            };
            one_dump(&mut socket, &mut buf, t, family, states, &mut out)?;
        }
    }
    Ok(out)
}

fn one_dump(
    socket: &mut Socket,
    buf: &mut [u8],
    transport: Transport,
    family: u8,
    states: StateFlags,
    out: &mut Vec<RawSocket>,
) -> Result<(), Error> {
    one_dump_with(
        socket,
        buf,
        transport,
        family,
        states,
        ExtensionFlags::empty(),
        &mut |s, _| out.push(s),
    )
}

/// The byte counters of every TCP connection (`tcp_info` over `INET_DIAG_INFO`), keyed by
/// (local, remote). A dump of its own, asked for only by those who show traffic (`top`),
/// so `ls` stays as fast as it was. Needs no privilege.
pub fn dump_traffic(v4: bool, v6: bool) -> Result<HashMap<(InetAddr, InetAddr), Traffic>, Error> {
    let mut socket = open()?;
    let mut out = HashMap::new();
    let mut buf = vec![0u8; 1 << 16];
    for (family, on) in [(AF_INET, v4), (AF_INET6, v6)] {
        if !on {
            continue;
        }
        one_dump_with(
            &mut socket,
            &mut buf,
            Transport::Tcp,
            family,
            StateFlags::all(),
            ExtensionFlags::INFO,
            &mut |s, t| {
                if let Some(t) = t {
                    out.insert((s.local, s.remote), t);
                }
            },
        )?;
    }
    Ok(out)
}

fn one_dump_with(
    socket: &mut Socket,
    buf: &mut [u8],
    transport: Transport,
    family: u8,
    states: StateFlags,
    extensions: ExtensionFlags,
    out: &mut dyn FnMut(RawSocket, Option<Traffic>),
) -> Result<(), Error> {
    let mut hdr = NetlinkHeader::default();
    hdr.flags = NLM_F_REQUEST | NLM_F_DUMP;
    let mut packet = NetlinkMessage::new(
        hdr,
        SockDiagMessage::InetRequest(InetRequest {
            family,
            protocol: match transport {
                Transport::Tcp => IPPROTO_TCP,
                Transport::Udp => IPPROTO_UDP,
            },
            extensions,
            states,
            socket_id: if family == AF_INET {
                SocketId::new_v4()
            } else {
                SocketId::new_v6()
            },
        })
        .into(),
    );
    packet.finalize();
    let mut req = vec![0u8; packet.buffer_len()];
    packet.serialize(&mut req[..]);
    socket
        .send(&req, 0)
        .map_err(|e| Error::Netlink(format!("send: {e}")))?;
    loop {
        let size = socket
            .recv(&mut &mut *buf, 0)
            .map_err(|e| Error::Netlink(format!("recv: {e}")))?;
        let mut offset = 0;
        while offset < size {
            let bytes = &buf[offset..size];
            let msg = <NetlinkMessage<SockDiagMessage>>::deserialize(bytes)
                .map_err(|e| Error::Netlink(format!("decode: {e}")))?;
            let len = msg.header.length as usize;
            match msg.payload {
                NetlinkPayload::InnerMessage(SockDiagMessage::InetResponse(r)) => {
                    let h = &r.header;
                    let id = &h.socket_id;
                    let traffic = r.nlas.iter().find_map(|n| match n {
                        Nla::TcpInfo(raw) => Traffic::from_tcp_info(raw),
                        _ => None,
                    });
                    out(
                        RawSocket {
                            transport,
                            local: InetAddr::new(id.source_address, id.source_port),
                            remote: InetAddr::new(id.destination_address, id.destination_port),
                            state: SockState::from_kernel(h.state),
                            uid: h.uid,
                            inode: u64::from(h.inode),
                            recv_q: h.recv_queue,
                            send_q: h.send_queue,
                            interface: id.interface_id,
                        },
                        traffic,
                    );
                }
                NetlinkPayload::Done(_) => return Ok(()),
                NetlinkPayload::Error(e) => {
                    return Err(Error::Netlink(format!("kernel: {e}")));
                }
                _ => {}
            }
            if len == 0 {
                break;
            }
            offset += len;
        }
    }
}
