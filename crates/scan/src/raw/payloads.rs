//! UDP probe payloads, written for portwarden from the protocol specifications (RFC 1035
//! DNS, RFC 6762 mDNS, RFC 5905 NTP, RFC 3416 SNMPv2c, RFC 1002 NetBIOS, UPnP SSDP,
//! memcached's UDP protocol, RFC 3261 SIP, RFC 1350 TFTP, RFC 2408 ISAKMP, RFC 5531 ONC RPC,
//! RFC 864 chargen and RFC 862 echo), and a light check of what came back. A port without a
//! payload of its own gets an empty datagram. Replies are untrusted: recognition only looks
//! at a few bounded header bytes.

/// The payload to send to UDP `port`. `id` varies transaction identifiers per scan.
pub fn payload(port: u16, id: u16) -> Vec<u8> {
    let idb = id.to_be_bytes();
    match port {
        53 => dns(idb, &["version", "bind"], 16, 3),
        5353 => dns([0, 0], &["_services", "_dns-sd", "_udp", "local"], 12, 1),
        123 => {
            // NTPv4 client request: LI 0, VN 4, mode 3; everything else zero.
            let mut p = vec![0u8; 48];
            p[0] = 0x23;
            p
        }
        161 => snmp_get_sysdescr(id),
        137 => netbios_node_status(idb),
        1900 => b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n".to_vec(),
        11211 => {
            // Frame header: request id, sequence 0, 1 datagram, reserved.
            let mut p = vec![idb[0], idb[1], 0, 0, 0, 1, 0, 0];
            p.extend_from_slice(b"stats\r\n");
            p
        }
        5060 => format!(
            "OPTIONS sip:portwarden@invalid SIP/2.0\r\n\
             Via: SIP/2.0/UDP 0.0.0.0:5060;branch=z9hG4bK{id:04x}pw\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:portwarden@invalid>;tag={id:04x}\r\n\
             To: <sip:portwarden@invalid>\r\n\
             Call-ID: {id:04x}@portwarden\r\n\
             CSeq: 1 OPTIONS\r\n\
             Accept: application/sdp\r\n\
             Content-Length: 0\r\n\r\n"
        )
        .into_bytes(),
        69 => {
            // Read request for a file that should not exist, octet mode.
            let mut p = vec![0, 1];
            p.extend_from_slice(b"portwarden.probe\0octet\0");
            p
        }
        500 => {
            // ISAKMP header only: initiator cookie, zero responder cookie, no next payload,
            // version 1.0, identity protection exchange, length 28.
            let mut p = vec![b'p', b'w', b'a', b'r', b'd', b'e', idb[0], idb[1]];
            p.extend_from_slice(&[0; 8]);
            p.extend_from_slice(&[0, 0x10, 2, 0, 0, 0, 0, 0, 0, 0, 0, 28]);
            p
        }
        111 => {
            // ONC RPC call: portmapper (100000) v2, procedure NULL, AUTH_NULL.
            let mut p = Vec::with_capacity(40);
            for w in [u32::from(id) | 0x7077_0000, 0, 2, 100_000, 2, 0, 0, 0, 0, 0] {
                p.extend_from_slice(&w.to_be_bytes());
            }
            p
        }
        19 | 7 => b"portwarden\r\n".to_vec(),
        _ => Vec::new(),
    }
}

fn dns(id: [u8; 2], labels: &[&str], qtype: u16, qclass: u16) -> Vec<u8> {
    let mut p = vec![id[0], id[1], 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    for l in labels {
        p.push(l.len() as u8);
        p.extend_from_slice(l.as_bytes());
    }
    p.push(0);
    p.extend_from_slice(&qtype.to_be_bytes());
    p.extend_from_slice(&qclass.to_be_bytes());
    p
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    // Short-form lengths only: every element here is < 128 bytes.
    let mut v = vec![tag, content.len() as u8];
    v.extend_from_slice(content);
    v
}

fn snmp_get_sysdescr(id: u16) -> Vec<u8> {
    let oid = tlv(0x06, &[0x2b, 6, 1, 2, 1, 1, 1, 0]); // 1.3.6.1.2.1.1.1.0
    let varbind = tlv(0x30, &[oid, vec![0x05, 0x00]].concat());
    let list = tlv(0x30, &varbind);
    let idb = u32::from(id).to_be_bytes();
    let pdu = tlv(
        0xa0,
        &[tlv(0x02, &idb), tlv(0x02, &[0]), tlv(0x02, &[0]), list].concat(),
    );
    tlv(0x30, &[tlv(0x02, &[1]), tlv(0x04, b"public"), pdu].concat())
}

fn netbios_node_status(id: [u8; 2]) -> Vec<u8> {
    let mut p = vec![id[0], id[1], 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x20];
    // First-level encoding of "*" followed by fifteen NULs.
    let mut name = [0u8; 16];
    name[0] = b'*';
    for b in name {
        p.push(b'A' + (b >> 4));
        p.push(b'A' + (b & 0x0f));
    }
    p.push(0);
    p.extend_from_slice(&[0x00, 0x21, 0x00, 0x01]); // NBSTAT, IN
    p
}

/// Names the service behind a reply on `port` when the reply looks like that protocol's
/// answer; `None` when it does not (the port is still open).
pub fn recognize(port: u16, reply: &[u8]) -> Option<&'static str> {
    let b = |i: usize| reply.get(i).copied();
    match port {
        53 if reply.len() >= 12 && b(2).is_some_and(|f| f & 0x80 != 0) => Some("domain"),
        5353 if reply.len() >= 12 && b(2).is_some_and(|f| f & 0x80 != 0) => Some("mdns"),
        123 if reply.len() >= 48 && b(0).is_some_and(|f| f & 0x07 == 4) => Some("ntp"),
        161 if b(0) == Some(0x30) => Some("snmp"),
        137 if reply.len() >= 12 && b(2).is_some_and(|f| f & 0x80 != 0) => Some("netbios-ns"),
        1900 if reply.starts_with(b"HTTP/1.1 200") || reply.starts_with(b"NOTIFY") => Some("upnp"),
        11211 if reply.len() > 8 && reply[8..].starts_with(b"STAT") => Some("memcache"),
        5060 if reply.starts_with(b"SIP/2.0") => Some("sip"),
        69 if b(0) == Some(0) && matches!(b(1), Some(3 | 5)) => Some("tftp"),
        500 if reply.len() >= 28 && b(17) == Some(0x10) => Some("isakmp"),
        111 if reply.len() >= 24 && b(7) == Some(1) => Some("rpcbind"),
        7 if reply.starts_with(b"portwarden") => Some("echo"),
        19 if !reply.is_empty() => Some("chargen"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_version_bind() {
        let p = payload(53, 0x1234);
        assert_eq!(&p[..12], &[0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&p[12..], b"\x07version\x04bind\x00\x00\x10\x00\x03");
        assert_eq!(
            recognize(53, &[0x12, 0x34, 0x84, 0, 0, 1, 0, 1, 0, 0, 0, 0]),
            Some("domain")
        );
        assert_eq!(recognize(53, b"pwsim-reply"), None);
    }

    #[test]
    fn snmp_is_well_formed_ber() {
        let p = payload(161, 0x0102);
        assert_eq!(p[0], 0x30);
        assert_eq!(usize::from(p[1]), p.len() - 2);
        assert_eq!(&p[2..13], b"\x02\x01\x01\x04\x06public");
        assert_eq!(p[13], 0xa0);
        assert_eq!(usize::from(p[14]), p.len() - 15);
        assert!(p.ends_with(&[0x06, 0x08, 0x2b, 6, 1, 2, 1, 1, 1, 0, 0x05, 0x00]));
    }

    #[test]
    fn fixed_layouts() {
        let ntp = payload(123, 0);
        assert_eq!((ntp.len(), ntp[0]), (48, 0x23));
        let nb = payload(137, 7);
        assert_eq!(nb.len(), 12 + 34 + 4);
        assert_eq!(&nb[13..15], b"CK");
        assert!(nb[15..45].iter().all(|&c| c == b'A'));
        assert_eq!(&payload(11211, 9)[4..], b"\x00\x01\x00\x00stats\r\n");
        let rpc = payload(111, 1);
        assert_eq!(rpc.len(), 40);
        assert_eq!(&rpc[12..16], &100_000u32.to_be_bytes());
        assert_eq!(payload(500, 1).len(), 28);
        assert_eq!(&payload(69, 1)[..2], &[0, 1]);
        assert!(payload(1900, 1).starts_with(b"M-SEARCH * HTTP/1.1\r\n"));
        assert!(payload(5060, 1).starts_with(b"OPTIONS sip:"));
        assert!(payload(31337, 1).is_empty());
        // Recognition never panics on short or odd input.
        for port in [
            7, 19, 53, 69, 111, 123, 137, 161, 500, 1900, 5060, 5353, 11211,
        ] {
            for n in 0..40 {
                let _ = recognize(port, &vec![0xff; n]);
            }
        }
    }
}
