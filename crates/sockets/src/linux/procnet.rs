//! Fallback socket list from /proc/net/{tcp,tcp6,udp,udp6}, for kernels or sandboxes that
//! refuse NETLINK_SOCK_DIAG. Same results as the netlink path, more slowly.

use crate::types::{RawSocket, SockState, Transport};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

fn parse_addr(s: &str) -> Option<SocketAddr> {
    let (ip, port) = s.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let ip = match ip.len() {
        8 => {
            let n = u32::from_str_radix(ip, 16).ok()?;
            IpAddr::V4(Ipv4Addr::from(n.to_ne_bytes()))
        }
        32 => {
            let mut b = [0u8; 16];
            for (i, chunk) in b.chunks_mut(4).enumerate() {
                let n = u32::from_str_radix(ip.get(i * 8..i * 8 + 8)?, 16).ok()?;
                chunk.copy_from_slice(&n.to_ne_bytes());
            }
            IpAddr::V6(Ipv6Addr::from(b))
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

/// Parses one /proc/net/{tcp,udp}[6] table. Malformed lines are skipped.
pub fn parse_table(text: &str, transport: Transport) -> Vec<RawSocket> {
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 10 {
            continue;
        }
        let (Some(local), Some(remote)) = (parse_addr(f[1]), parse_addr(f[2])) else {
            continue;
        };
        let Ok(state) = u8::from_str_radix(f[3], 16) else {
            continue;
        };
        let (tx, rx) = f[4].split_once(':').unwrap_or(("0", "0"));
        out.push(RawSocket {
            transport,
            local,
            remote,
            state: SockState::from_kernel(state),
            uid: f[7].parse().unwrap_or(0),
            inode: f[9].parse().unwrap_or(0),
            recv_q: u32::from_str_radix(rx, 16).unwrap_or(0),
            send_q: u32::from_str_radix(tx, 16).unwrap_or(0),
            interface: 0,
        });
    }
    out
}

/// Reads the tables under `root` (normally `/proc/net`).
pub fn read(
    root: &std::path::Path,
    transports: &[Transport],
    v4: bool,
    v6: bool,
) -> Vec<RawSocket> {
    let mut out = Vec::new();
    for &t in transports {
        for (suffix, on) in [("", v4), ("6", v6)] {
            if !on {
                continue;
            }
            let path = root.join(format!("{}{}", t.as_str(), suffix));
            if let Ok(text) = std::fs::read_to_string(&path) {
                out.extend(parse_table(&text, t));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_v4_and_v6_lines() {
        let v4 = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:1F90 00000000:0000 0A 00000000:00000002 00:00000000 00000000  1000        0 12345 1 0000000000000000 100 0 0 10 0\n";
        let s = parse_table(v4, Transport::Tcp);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].local.to_string(), "127.0.0.1:8080");
        assert_eq!(s[0].state, SockState::Listen);
        assert_eq!(s[0].uid, 1000);
        assert_eq!(s[0].inode, 12345);
        assert_eq!(s[0].recv_q, 2);
        let v6 = "header\n   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 999 1\n";
        let s = parse_table(v6, Transport::Tcp);
        assert_eq!(s[0].local.to_string(), "[::1]:22");
        assert!(parse_table("h\ngarbage line\n", Transport::Udp).is_empty());
    }
}
