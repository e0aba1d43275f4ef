//! Keyed probe cookies, so that replies can be validated without a per-probe table.
//!
//! A SYN probe's sequence number is `H(key, 4-tuple)` in its upper 20 bits and the send time
//! (milliseconds since the scan began, modulo 4096) in its lower 12 bits. A SYN-ACK or RST
//! answering it acknowledges `seq + 1`, which gives back both the proof that we sent the
//! probe (the hash) and the moment we sent it (so a round trip can be measured statelessly).
//! `H` is SipHash-1-3 with a per-scan random 128-bit key.
//!
//! UDP has no sequence number: the source port is chosen from the scan's port range by the
//! same keyed hash of (target address, target port), and a reply or ICMP error must come
//! back to exactly that port.

use siphasher::sip::SipHasher13;
use std::hash::Hasher;
use std::net::{IpAddr, Ipv4Addr};

/// Bits of the sequence number that carry the send time.
pub const TIME_BITS: u32 = 12;
const TIME_MASK: u32 = (1 << TIME_BITS) - 1;

/// The per-scan secret.
#[derive(Clone)]
pub struct CookieKey {
    k0: u64,
    k1: u64,
}

impl std::fmt::Debug for CookieKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CookieKey(..)")
    }
}

impl CookieKey {
    /// A key derived from `seed` (tests and `--seed`).
    pub fn from_seed(seed: u64) -> CookieKey {
        let mix = |mut z: u64| {
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        CookieKey {
            k0: mix(seed ^ 0x5157_3ec0_0c1e_0001),
            k1: mix(seed.wrapping_add(0x9e37_79b9_7f4a_7c15)),
        }
    }

    /// A fresh random key.
    pub fn random() -> CookieKey {
        use std::hash::BuildHasher;
        let a =
            std::collections::hash_map::RandomState::new().hash_one(std::time::SystemTime::now());
        let b = std::collections::hash_map::RandomState::new().hash_one(std::process::id());
        CookieKey { k0: a, k1: b }
    }

    fn hash(&self, src: IpAddr, dst: IpAddr, sport: u16, dport: u16) -> u64 {
        let mut h = SipHasher13::new_with_keys(self.k0, self.k1);
        for a in [src, dst] {
            match a {
                IpAddr::V4(a) => h.write(&a.octets()),
                IpAddr::V6(a) => h.write(&a.octets()),
            }
        }
        h.write_u16(sport);
        h.write_u16(dport);
        h.finish()
    }

    /// The sequence number of a SYN from `src:sport` to `dst:dport` sent at `now_ms`.
    pub fn tcp_seq(&self, src: IpAddr, dst: IpAddr, sport: u16, dport: u16, now_ms: u32) -> u32 {
        let h = (self.hash(src, dst, sport, dport) >> 44) as u32;
        (h << TIME_BITS) | (now_ms & TIME_MASK)
    }

    /// Checks the acknowledgement number of a reply from `dst:dport` to `src:sport` (the
    /// probe's tuple, not the reply's). Returns the probe's send time modulo 4096 ms when
    /// the reply answers one of our probes.
    pub fn check_ack(
        &self,
        src: IpAddr,
        dst: IpAddr,
        sport: u16,
        dport: u16,
        ack: u32,
    ) -> Option<u32> {
        let seq = ack.wrapping_sub(1);
        let h = (self.hash(src, dst, sport, dport) >> 44) as u32;
        (seq >> TIME_BITS == h).then_some(seq & TIME_MASK)
    }

    /// Round trip in milliseconds from the time bits returned by [`CookieKey::check_ack`].
    pub fn elapsed_ms(sent_bits: u32, now_ms: u32) -> u32 {
        now_ms.wrapping_sub(sent_bits) & TIME_MASK
    }

    /// The source port (within `base..base+span`) for a UDP probe to `dst:dport`.
    pub fn udp_sport(&self, dst: IpAddr, dport: u16, base: u16, span: u16) -> u16 {
        let h = self.hash(Ipv4Addr::UNSPECIFIED.into(), dst, 0, dport);
        base.wrapping_add((h % u64::from(span.max(1))) as u16)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1));
    const B: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 19, 0, 10));

    #[test]
    fn ack_validates_and_carries_time() {
        let k = CookieKey::from_seed(7);
        let seq = k.tcp_seq(A, B, 61000, 80, 123_456);
        let t = k
            .check_ack(A, B, 61000, 80, seq.wrapping_add(1))
            .expect("valid");
        assert_eq!(CookieKey::elapsed_ms(t, 123_456 + 37), 37);
        // Wrong tuple, wrong ack, other key: rejected.
        assert!(k.check_ack(A, B, 61000, 81, seq.wrapping_add(1)).is_none());
        assert!(k.check_ack(A, B, 61001, 80, seq.wrapping_add(1)).is_none());
        assert!(k
            .check_ack(A, B, 61000, 80, (seq ^ 0x8000_0000).wrapping_add(1))
            .is_none());
        assert!(CookieKey::from_seed(8)
            .check_ack(A, B, 61000, 80, seq.wrapping_add(1))
            .is_none());
    }

    #[test]
    fn wraps_and_spreads() {
        let k = CookieKey::random();
        let seq = k.tcp_seq(A, B, 1, 2, 4095);
        let t = k.check_ack(A, B, 1, 2, seq.wrapping_add(1)).expect("valid");
        assert_eq!(CookieKey::elapsed_ms(t, 4096 + 5), 6);
        let mut seen = std::collections::HashSet::new();
        for p in 1..=1000u16 {
            let s = k.udp_sport(B, p, 61000, 256);
            assert!((61000..61256).contains(&s));
            seen.insert(s);
        }
        assert!(seen.len() > 200);
    }

    #[test]
    fn ipv6_tuples_have_their_own_cookies() {
        let k = CookieKey::from_seed(3);
        let (a6, b6): (IpAddr, IpAddr) = ("::1".parse().unwrap(), "2001:db8::1".parse().unwrap());
        let seq = k.tcp_seq(a6, b6, 61000, 22, 9);
        assert!(k
            .check_ack(a6, b6, 61000, 22, seq.wrapping_add(1))
            .is_some());
        assert!(k.check_ack(A, B, 61000, 22, seq.wrapping_add(1)).is_none());
    }
}
