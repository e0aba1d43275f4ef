//! Dropping one live TCP connection with SOCK_DESTROY over sock_diag, as `ss -K` does.

use netlink_packet_core::{
    NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_REQUEST,
};
use netlink_packet_sock_diag::{
    constants::{AF_INET, AF_INET6, IPPROTO_TCP, IPPROTO_UDP},
    inet::{ExtensionFlags, InetRequest, SocketId, StateFlags},
    SockDiagMessage,
};
use netlink_sys::{protocols::NETLINK_SOCK_DIAG, Socket, SocketAddr};
use portwarden_sockets::{RawSocket, Transport};

/// The netlink message type of SOCK_DESTROY (`linux/sock_diag.h`).
const SOCK_DESTROY: u16 = 21;

/// Asks the kernel to destroy `s` (matched by its 4-tuple; any cookie). Needs
/// CAP_NET_ADMIN and a kernel with CONFIG_INET_DIAG_DESTROY.
pub fn destroy(s: &RawSocket) -> std::io::Result<()> {
    let mut sock = Socket::new(NETLINK_SOCK_DIAG)?;
    sock.bind_auto()?;
    sock.connect(&SocketAddr::new(0, 0))?;
    let mut id = if s.local.is_ipv4() {
        SocketId::new_v4()
    } else {
        SocketId::new_v6()
    };
    id.source_address = s.local.ip();
    id.source_port = s.local.port();
    id.destination_address = s.remote.ip();
    id.destination_port = s.remote.port();
    id.interface_id = s.interface;
    id.cookie = [0xff; 8]; // INET_DIAG_NOCOOKIE: match by address alone
    let mut hdr = NetlinkHeader::default();
    hdr.flags = NLM_F_REQUEST | NLM_F_ACK;
    let mut msg = NetlinkMessage::new(
        hdr,
        SockDiagMessage::InetRequest(InetRequest {
            family: if s.local.is_ipv4() { AF_INET } else { AF_INET6 },
            protocol: match s.transport {
                Transport::Tcp => IPPROTO_TCP,
                Transport::Udp => IPPROTO_UDP,
            },
            extensions: ExtensionFlags::empty(),
            states: StateFlags::all(),
            socket_id: id,
        })
        .into(),
    );
    msg.finalize();
    msg.header.message_type = SOCK_DESTROY;
    let mut buf = vec![0u8; msg.buffer_len()];
    msg.serialize(&mut buf);
    sock.send(&buf, 0)?;
    let mut rx = vec![0u8; 8192];
    let n = sock.recv(&mut &mut rx[..], 0)?;
    let reply = <NetlinkMessage<SockDiagMessage>>::deserialize(&rx[..n])
        .map_err(|e| std::io::Error::other(format!("netlink decode: {e}")))?;
    match reply.payload {
        NetlinkPayload::Error(e) if e.code.is_some() => Err(e.to_io()),
        _ => Ok(()),
    }
}
