//! Building probes and parsing replies. Probes are transport headers (the kernel adds the
//! IPv4 header on a raw `IPPROTO_TCP`/`IPPROTO_UDP` socket), or whole IPv4 packets
//! ([`with_ipv4`]) for the send-only `IPPROTO_RAW` sockets; replies arrive as whole IPv4
//! packets. Everything parsed here is untrusted input: every length is checked and nothing
//! panics on malformed packets.

use etherparse::{Ipv4Slice, TcpHeader, TcpOptionElement, UdpHeader};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A SYN probe (TCP header with an MSS option, checksummed for `src` → `dst`).
pub fn build_syn(src: Ipv4Addr, dst: Ipv4Addr, sport: u16, dport: u16, seq: u32) -> Vec<u8> {
    let mut h = TcpHeader::new(sport, dport, seq, 1024);
    h.syn = true;
    let _ = h.set_options(&[TcpOptionElement::MaximumSegmentSize(1460)]);
    h.checksum = h
        .calc_checksum_ipv4_raw(src.octets(), dst.octets(), &[])
        .unwrap_or(0);
    h.to_bytes().to_vec()
}

/// `l4` (a transport header and payload of protocol `proto`) behind an IPv4 header from
/// `src` to `dst`, TTL 64, for a send-only `IPPROTO_RAW` socket (the kernel fills in the
/// identification and checks the header checksum).
pub fn with_ipv4(proto: u8, src: Ipv4Addr, dst: Ipv4Addr, l4: &[u8]) -> Vec<u8> {
    let len = u16::try_from(l4.len()).unwrap_or(u16::MAX).min(65_515);
    let Ok(mut h) = etherparse::Ipv4Header::new(
        len,
        64,
        etherparse::IpNumber(proto),
        src.octets(),
        dst.octets(),
    ) else {
        return Vec::new();
    };
    h.header_checksum = h.calc_header_checksum();
    let mut v = Vec::with_capacity(20 + l4.len());
    v.extend_from_slice(&h.to_bytes());
    v.extend_from_slice(l4);
    v
}

/// A UDP probe (header + payload, checksummed for `src` → `dst`).
pub fn build_udp(src: Ipv4Addr, dst: Ipv4Addr, sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + payload.len());
    if let Ok(mut h) = UdpHeader::without_ipv4_checksum(sport, dport, payload.len()) {
        h.checksum = h
            .calc_checksum_ipv4_raw(src.octets(), dst.octets(), payload)
            .unwrap_or(0);
        out.extend_from_slice(&h.to_bytes());
        out.extend_from_slice(payload);
    }
    out
}

/// A TCP segment that may answer a SYN probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpReply {
    /// Sender (the target).
    pub src: IpAddr,
    /// Receiver (us; unspecified when read from an IPv6 raw socket, which drops the header).
    pub dst: IpAddr,
    /// Target port.
    pub sport: u16,
    /// Our port.
    pub dport: u16,
    /// SYN and ACK set.
    pub syn_ack: bool,
    /// RST and ACK set (the answer of a closed port; a bare RST acknowledges nothing).
    pub rst: bool,
    /// Acknowledgement number.
    pub ack: u32,
}

/// Parses an IPv4 packet carrying TCP; `None` for anything else or anything malformed.
pub fn parse_tcp(pkt: &[u8]) -> Option<TcpReply> {
    let ip = Ipv4Slice::from_slice(pkt).ok()?;
    let h = ip.header();
    if h.protocol() != etherparse::IpNumber::TCP || ip.is_payload_fragmented() {
        return None;
    }
    tcp_reply(
        h.source_addr().into(),
        h.destination_addr().into(),
        ip.payload().payload,
    )
}

/// Parses a TCP segment read from an IPv6 raw socket (no IP header; the kernel gives the
/// sender's address separately).
pub fn parse_tcp6(seg: &[u8], src: Ipv6Addr) -> Option<TcpReply> {
    tcp_reply(src.into(), Ipv6Addr::UNSPECIFIED.into(), seg)
}

fn tcp_reply(src: IpAddr, dst: IpAddr, t: &[u8]) -> Option<TcpReply> {
    if t.len() < 20 {
        return None;
    }
    let flags = t[13];
    Some(TcpReply {
        src,
        dst,
        sport: u16::from_be_bytes([t[0], t[1]]),
        dport: u16::from_be_bytes([t[2], t[3]]),
        syn_ack: flags & 0x12 == 0x12,
        rst: flags & 0x14 == 0x14,
        ack: u32::from_be_bytes([t[8], t[9], t[10], t[11]]),
    })
}

/// A SYN probe over IPv6 (TCP header with an MSS option, checksummed for `src` → `dst`;
/// the kernel adds the IPv6 header).
pub fn build_syn6(src: Ipv6Addr, dst: Ipv6Addr, sport: u16, dport: u16, seq: u32) -> Vec<u8> {
    let mut h = TcpHeader::new(sport, dport, seq, 1024);
    h.syn = true;
    let _ = h.set_options(&[TcpOptionElement::MaximumSegmentSize(1440)]);
    h.checksum = h
        .calc_checksum_ipv6_raw(src.octets(), dst.octets(), &[])
        .unwrap_or(0);
    h.to_bytes().to_vec()
}

/// A UDP datagram that may answer a UDP probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpReply<'a> {
    /// Sender (the target).
    pub src: IpAddr,
    /// Target port.
    pub sport: u16,
    /// Our port.
    pub dport: u16,
    /// Payload (untrusted).
    pub payload: &'a [u8],
}

/// Parses an IPv4 packet carrying UDP.
pub fn parse_udp(pkt: &[u8]) -> Option<UdpReply<'_>> {
    let ip = Ipv4Slice::from_slice(pkt).ok()?;
    let h = ip.header();
    if h.protocol() != etherparse::IpNumber::UDP || ip.is_payload_fragmented() {
        return None;
    }
    udp_reply(h.source_addr().into(), ip.payload().payload)
}

/// Parses a UDP datagram read from an IPv6 raw socket (no IP header; `src` from the kernel).
pub fn parse_udp6(seg: &[u8], src: Ipv6Addr) -> Option<UdpReply<'_>> {
    udp_reply(src.into(), seg)
}

fn udp_reply(src: IpAddr, u: &[u8]) -> Option<UdpReply<'_>> {
    if u.len() < 8 {
        return None;
    }
    let len = usize::from(u16::from_be_bytes([u[4], u[5]])).clamp(8, u.len());
    Some(UdpReply {
        src,
        sport: u16::from_be_bytes([u[0], u[1]]),
        dport: u16::from_be_bytes([u[2], u[3]]),
        payload: u.get(8..len).unwrap_or(&[]),
    })
}

/// A UDP probe over IPv6 (header + payload, checksummed for `src` → `dst`; the kernel adds
/// the IPv6 header).
pub fn build_udp6(src: Ipv6Addr, dst: Ipv6Addr, sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + payload.len());
    if let Ok(mut h) = UdpHeader::without_ipv4_checksum(sport, dport, payload.len()) {
        h.checksum = h
            .calc_checksum_ipv6_raw(src.octets(), dst.octets(), payload)
            .unwrap_or(0);
        out.extend_from_slice(&h.to_bytes());
        out.extend_from_slice(payload);
    }
    out
}

/// An ICMP destination-unreachable error about one of our packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unreachable {
    /// Who sent the error (the target or a router).
    pub from: IpAddr,
    /// ICMP code (3 = port, 1 = host, 0 = net, 2 = protocol, 9/10/13 = prohibited); ICMPv6
    /// codes are given as their ICMP counterparts.
    pub code: u8,
    /// Protocol of the packet that caused it.
    pub proto: u8,
    /// Its destination (the target).
    pub dst: IpAddr,
    /// Its source port (ours).
    pub sport: u16,
    /// Its destination port (the target port).
    pub dport: u16,
    /// Bytes 4..8 of the quoted transport header (a TCP probe's sequence number).
    pub word: u32,
}

/// Parses an IPv4 packet carrying an ICMP destination unreachable that quotes a TCP or UDP
/// packet.
pub fn parse_unreachable(pkt: &[u8]) -> Option<Unreachable> {
    let ip = Ipv4Slice::from_slice(pkt).ok()?;
    let h = ip.header();
    if h.protocol() != etherparse::IpNumber::ICMP {
        return None;
    }
    let icmp = ip.payload().payload;
    if icmp.len() < 8 + 20 + 4 || icmp[0] != 3 {
        return None;
    }
    let code = icmp[1];
    let inner = &icmp[8..];
    if inner[0] >> 4 != 4 {
        return None;
    }
    let ihl = usize::from(inner[0] & 0x0f) * 4;
    if ihl < 20 || inner.len() < ihl + 4 {
        return None;
    }
    let proto = inner[9];
    let dst = Ipv4Addr::new(inner[16], inner[17], inner[18], inner[19]);
    unreachable(
        h.source_addr().into(),
        code,
        proto,
        dst.into(),
        &inner[ihl..],
    )
}

/// Parses an ICMPv6 message read from an IPv6 raw socket (no IP header; `from` from the
/// kernel): a destination unreachable that quotes a TCP or UDP packet of ours.
pub fn parse_unreachable6(msg: &[u8], from: Ipv6Addr) -> Option<Unreachable> {
    if msg.len() < 8 + 40 + 4 || msg[0] != 1 {
        return None;
    }
    // As ICMP codes: no route → net, address unreachable → host, port → port, the
    // policy and prohibited codes → prohibited.
    let code = match msg[1] {
        0 => 0,
        3 => 1,
        4 => 3,
        _ => 13,
    };
    let inner = &msg[8..];
    if inner[0] >> 4 != 6 {
        return None;
    }
    let mut dst = [0u8; 16];
    dst.copy_from_slice(&inner[24..40]);
    unreachable(
        from.into(),
        code,
        inner[6],
        Ipv6Addr::from(dst).into(),
        &inner[40..],
    )
}

fn unreachable(from: IpAddr, code: u8, proto: u8, dst: IpAddr, t: &[u8]) -> Option<Unreachable> {
    if t.len() < 4 {
        return None;
    }
    Some(Unreachable {
        from,
        code,
        proto,
        dst,
        sport: u16::from_be_bytes([t[0], t[1]]),
        dport: u16::from_be_bytes([t[2], t[3]]),
        word: t
            .get(4..8)
            .map_or(0, |w| u32::from_be_bytes([w[0], w[1], w[2], w[3]])),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::PacketBuilder;

    const US: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
    const THEM: Ipv4Addr = Ipv4Addr::new(198, 19, 0, 10);

    fn wrap(proto: u8, src: Ipv4Addr, dst: Ipv4Addr, l4: &[u8]) -> Vec<u8> {
        with_ipv4(proto, src, dst, l4)
    }

    #[test]
    fn syn_is_valid_tcp() {
        let seg = build_syn(US, THEM, 61000, 443, 0xdead_beef);
        assert_eq!(seg.len(), 24);
        let (h, rest) = TcpHeader::from_slice(&seg).expect("parse");
        assert!(h.syn && !h.ack && rest.is_empty());
        assert_eq!(
            (h.source_port, h.destination_port, h.sequence_number),
            (61000, 443, 0xdead_beef)
        );
        assert_eq!(
            h.calc_checksum_ipv4_raw(US.octets(), THEM.octets(), &[])
                .ok(),
            Some(h.checksum)
        );
    }

    #[test]
    fn parses_syn_ack_and_rst() {
        let mut buf = Vec::new();
        PacketBuilder::ipv4(THEM.octets(), US.octets(), 64)
            .tcp(443, 61000, 5, 1000)
            .syn()
            .ack(0xdead_bef0)
            .write(&mut buf, &[])
            .expect("write");
        let r = parse_tcp(&buf).expect("tcp");
        assert!(r.syn_ack && !r.rst);
        assert_eq!(
            (r.src, r.sport, r.dport, r.ack),
            (IpAddr::V4(THEM), 443, 61000, 0xdead_bef0)
        );
        let mut buf = Vec::new();
        PacketBuilder::ipv4(THEM.octets(), US.octets(), 64)
            .tcp(444, 61000, 0, 0)
            .rst()
            .ack(7)
            .write(&mut buf, &[])
            .expect("write");
        let r = parse_tcp(&buf).expect("tcp");
        assert!(r.rst && !r.syn_ack);
        // Garbage and truncation never panic.
        for n in 0..buf.len() {
            let _ = parse_tcp(&buf[..n]);
            let _ = parse_udp(&buf[..n]);
            let _ = parse_unreachable(&buf[..n]);
        }
        assert!(parse_tcp(&[0x45; 60]).is_none());
    }

    #[test]
    fn ipv6_syn_checksums_and_replies_parse() {
        let (a, b): (Ipv6Addr, Ipv6Addr) = ("::1".parse().unwrap(), "2001:db8::7".parse().unwrap());
        let seg = build_syn6(a, b, 61000, 443, 77);
        let h = TcpHeader::from_slice(&seg).expect("tcp").0;
        assert!(h.syn && !h.ack);
        assert_eq!(
            h.checksum,
            h.calc_checksum_ipv6_raw(a.octets(), b.octets(), &[])
                .unwrap()
        );
        let mut reply = seg.clone();
        reply[13] = 0x14; // RST+ACK
        let r = parse_tcp6(&reply, b).expect("reply");
        assert!(r.rst && !r.syn_ack);
        assert_eq!(r.src, IpAddr::V6(b));
        assert!(parse_tcp6(&reply[..19], b).is_none());
    }

    #[test]
    fn icmpv6_unreachable_quotes_our_probe() {
        let (us, them): (Ipv6Addr, Ipv6Addr) =
            ("::1".parse().unwrap(), "2001:db8::9".parse().unwrap());
        let udp = build_udp6(us, them, 61002, 161, b"x");
        let mut inner = vec![0x60, 0, 0, 0, 0, udp.len() as u8, 17, 64];
        inner.extend_from_slice(&us.octets());
        inner.extend_from_slice(&them.octets());
        inner.extend_from_slice(&udp);
        for (code, as_icmp) in [(4u8, 3u8), (1, 13), (3, 1), (0, 0)] {
            let mut msg = vec![1u8, code, 0, 0, 0, 0, 0, 0];
            msg.extend_from_slice(&inner);
            let e = parse_unreachable6(&msg, them).expect("icmpv6");
            assert_eq!(
                (e.from, e.code, e.proto, e.dst, e.sport, e.dport),
                (them.into(), as_icmp, 17, them.into(), 61002, 161)
            );
            assert!(parse_unreachable6(&msg[..50], them).is_none());
        }
        let u = parse_udp6(&udp, them).expect("udp6");
        assert_eq!((u.sport, u.dport, u.payload), (61002, 161, &b"x"[..]));
    }

    #[test]
    fn udp_roundtrip_and_unreachable() {
        let probe = build_udp(US, THEM, 61001, 53, b"hello");
        assert_eq!(probe.len(), 13);
        let pkt = wrap(17, US, THEM, &probe);
        let u = parse_udp(&pkt).expect("udp");
        assert_eq!((u.sport, u.dport, u.payload), (61001, 53, &b"hello"[..]));
        // ICMP port unreachable quoting the probe.
        let mut icmp = vec![3u8, 3, 0, 0, 0, 0, 0, 0];
        icmp.extend_from_slice(&pkt[..28]);
        let e = parse_unreachable(&wrap(1, THEM, US, &icmp)).expect("icmp");
        assert_eq!(
            (e.from, e.code, e.proto, e.dst, e.sport, e.dport),
            (THEM.into(), 3, 17, THEM.into(), 61001, 53)
        );
        for n in 0..icmp.len() {
            assert!(parse_unreachable(&wrap(1, THEM, US, &icmp[..n])).is_none() || n >= 32);
        }
    }

    proptest::proptest! {
        /// Replies are untrusted: no byte string makes a parser panic.
        #[test]
        fn parsers_take_any_bytes(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let from: Ipv6Addr = "2001:db8::1".parse().unwrap();
            let _ = parse_tcp(&bytes);
            let _ = parse_udp(&bytes);
            let _ = parse_unreachable(&bytes);
            let _ = parse_tcp6(&bytes, from);
            let _ = parse_udp6(&bytes, from);
            let _ = parse_unreachable6(&bytes, from);
            // The same bytes behind a valid-looking IPv4 header and ICMP prefixes.
            let _ = parse_unreachable(&wrap(1, THEM, US, &bytes));
            let _ = parse_tcp(&wrap(6, THEM, US, &bytes));
            let mut v6 = vec![1u8, 4, 0, 0, 0, 0, 0, 0, 0x60];
            v6.extend_from_slice(&bytes);
            let _ = parse_unreachable6(&v6, from);
        }
    }
}
