//! Helpers shared by the loopback integration tests: listeners on random ports and the
//! set of ports something else already listens on.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::net::{IpAddr, TcpListener};

/// A small xorshift generator seeded from the std hasher's random keys.
pub struct Rng(u64);

impl Rng {
    pub fn new() -> Rng {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(std::process::id());
        Rng(h.finish() | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn port(&mut self) -> u16 {
        (self.next() % 65535) as u16 + 1
    }
}

/// Ports in LISTEN state that would answer on `addr`: bound to `addr` itself or to the
/// wildcard of its family (read from /proc/net/tcp and tcp6).
pub fn foreign_listeners(addr: IpAddr) -> BTreeSet<u16> {
    let mut out = BTreeSet::new();
    for (file, v6) in [("/proc/net/tcp", false), ("/proc/net/tcp6", true)] {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 4 || f[3] != "0A" {
                continue;
            }
            let Some((a, p)) = f[1].split_once(':') else {
                continue;
            };
            let Ok(port) = u16::from_str_radix(p, 16) else {
                continue;
            };
            let wildcard = a.bytes().all(|b| b == b'0');
            let same = match (addr, v6) {
                (IpAddr::V4(v), false) => {
                    u32::from_str_radix(a, 16).ok() == Some(u32::from_ne_bytes(v.octets()))
                }
                (IpAddr::V6(v), true) => {
                    let mut want = String::new();
                    for chunk in v.octets().chunks(4) {
                        for b in chunk.iter().rev() {
                            want.push_str(&format!("{b:02X}"));
                        }
                    }
                    want == a
                }
                _ => false,
            };
            // A wildcard v6 listener (::) also takes IPv4 unless it is v6-only; count it.
            if same || wildcard {
                out.insert(port);
            }
        }
    }
    out
}

/// Binds about `n` listeners on random ports of `addr`, skipping ports in `avoid` or
/// already taken. Each listener gets a thread that accepts and drops connections.
pub fn listeners(
    addr: IpAddr,
    n: usize,
    avoid: &BTreeSet<u16>,
) -> (BTreeSet<u16>, Vec<TcpListener>) {
    let mut rng = Rng::new();
    let mut ports = BTreeSet::new();
    let mut keep = Vec::new();
    let mut tries = 0;
    while ports.len() < n && tries < n * 20 {
        tries += 1;
        let p = rng.port();
        if avoid.contains(&p) || ports.contains(&p) {
            continue;
        }
        if let Ok(l) = TcpListener::bind((addr, p)) {
            if let Ok(c) = l.try_clone() {
                std::thread::spawn(move || {
                    for s in c.incoming() {
                        drop(s);
                    }
                });
            }
            ports.insert(p);
            keep.push(l);
        }
    }
    (ports, keep)
}
