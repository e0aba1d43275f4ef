//! Fuzzes every parser of bytes from the network: TCP/UDP/ICMP(v6) replies of the raw
//! scans, UDP payload recognition and the banner recogniser of service identification.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portwarden_scan::ident::{probes, recognize};
use portwarden_scan::raw::{packet, payloads};
use std::net::Ipv6Addr;

fuzz_target!(|data: &[u8]| {
    let _ = packet::parse_tcp(data);
    let _ = packet::parse_udp(data);
    let _ = packet::parse_unreachable(data);
    let from = Ipv6Addr::LOCALHOST;
    let _ = packet::parse_tcp6(data, from);
    let _ = packet::parse_udp6(data, from);
    let _ = packet::parse_unreachable6(data, from);
    let port = data
        .get(..2)
        .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]));
    let _ = payloads::recognize(port, data);
    // Identification: the greeting recogniser (with Recog's fingerprints), every probe's
    // answer parser, and the parser of the UDP scan's answers.
    for probe in ["null", "http", "tls"] {
        let _ = recognize::recognize(probe, port, data);
    }
    for p in probes::tcp_probes(port, "fuzz.invalid", b"0123456789abcdef") {
        let _ = probes::parse_tcp(&p, port, data);
    }
    let _ = probes::parse_udp(port, data);
});
