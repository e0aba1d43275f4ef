//! Fuzzes every parser of bytes from the network: TCP/UDP/ICMP(v6) replies of the raw
//! scans, UDP payload recognition and the banner recogniser of service identification.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portwarden_scan::ident::{self, Probe};
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
    for p in [Probe::Null, Probe::Http, Probe::Redis, Probe::Tls] {
        let _ = ident::recognize(p, data);
    }
});
