//! A keyed pseudo-random permutation of `0..n`, computed on the fly: a balanced Feistel
//! network over the smallest even-bit power of two ≥ n, with cycle walking to stay inside
//! `0..n`. No table is built; each index costs a few multiplications.

/// A bijection on `0..n` chosen by a 64-bit key.
#[derive(Debug, Clone)]
pub struct Permutation {
    n: u64,
    half: u32,
    mask: u64,
    keys: [u64; 4],
}

fn mix(mut z: u64) -> u64 {
    // splitmix64 finaliser.
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Permutation {
    /// A permutation of `0..n` keyed by `seed`.
    pub fn new(n: u64, seed: u64) -> Permutation {
        let bits = 64 - n.saturating_sub(1).leading_zeros();
        let half = bits.div_ceil(2).max(1);
        let mask = if half >= 32 {
            u64::from(u32::MAX)
        } else {
            (1u64 << half) - 1
        };
        let mut k = seed;
        let mut keys = [0u64; 4];
        for key in &mut keys {
            k = mix(k.wrapping_add(0x9e37_79b9_7f4a_7c15));
            *key = k;
        }
        Permutation {
            n,
            half,
            mask,
            keys,
        }
    }

    /// Size of the domain.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// Whether the domain is empty.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    fn round(&self, x: u64) -> u64 {
        let mut l = x >> self.half;
        let mut r = x & self.mask;
        for k in self.keys {
            let f = mix(r ^ k) & self.mask;
            (l, r) = (r, l ^ f);
        }
        (l << self.half) | r
    }

    fn unround(&self, y: u64) -> u64 {
        let mut l = y >> self.half;
        let mut r = y & self.mask;
        for k in self.keys.iter().rev() {
            let f = mix(l ^ k) & self.mask;
            (l, r) = (r ^ f, l);
        }
        (l << self.half) | r
    }

    /// The position whose image is `x` (the inverse of [`Permutation::get`]); `x` itself
    /// when out of range.
    pub fn position(&self, x: u64) -> u64 {
        if x >= self.n {
            return x;
        }
        let mut i = self.unround(x);
        while i >= self.n {
            i = self.unround(i);
        }
        i
    }

    /// The image of `i` (`i < n`); `i` itself when out of range.
    pub fn get(&self, i: u64) -> u64 {
        if i >= self.n {
            return i;
        }
        let mut x = self.round(i);
        while x >= self.n {
            x = self.round(x);
        }
        x
    }
}

/// One shard's part of a scan's probe order: positions `index`, `index + count`, … of a
/// [`Permutation`] (zmap's split). Every shard of the same seed walks the same permutation,
/// so `count` shards probe disjoint parts whose union is the whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Shard {
    /// This shard, from 0.
    pub index: u64,
    /// How many shards the scan is split into (at least 1).
    pub count: u64,
}

impl Default for Shard {
    fn default() -> Self {
        Shard { index: 0, count: 1 }
    }
}

impl Shard {
    /// Whether this is the whole scan.
    pub fn is_whole(&self) -> bool {
        self.count <= 1
    }
}

/// The probe order of one host group as one shard sees it.
#[derive(Debug, Clone)]
pub struct Order {
    perm: Permutation,
    shard: Shard,
    len: u64,
}

impl Order {
    /// Shard `shard`'s part of the permutation of `0..n` keyed by `seed`.
    pub fn new(n: u64, seed: u64, shard: Shard) -> Order {
        let count = shard.count.max(1);
        let index = shard.index.min(count - 1);
        let len = if index < n {
            (n - index).div_ceil(count)
        } else {
            0
        };
        Order {
            perm: Permutation::new(n, seed),
            shard: Shard { index, count },
            len,
        }
    }

    /// Positions of this shard.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether this shard has no position in the group.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether element `x` of `0..n` belongs to this shard.
    pub fn contains(&self, x: u64) -> bool {
        self.shard.count <= 1 || self.perm.position(x) % self.shard.count == self.shard.index
    }

    /// The `i`-th element of this shard's part (`i < len`).
    pub fn get(&self, i: u64) -> u64 {
        self.perm.get(
            self.shard
                .index
                .saturating_add(i.saturating_mul(self.shard.count)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_disjoint_and_cover_the_whole() {
        for n in [0u64, 1, 5, 97, 1000, 65_536] {
            for count in [1u64, 2, 3, 4, 7] {
                let mut seen = vec![0u8; n as usize];
                for index in 0..count {
                    let o = Order::new(n, 9, Shard { index, count });
                    for i in 0..o.len() {
                        let x = o.get(i);
                        assert!(o.contains(x));
                        seen[x as usize] += 1;
                    }
                }
                assert!(seen.iter().all(|&c| c == 1), "n={n} count={count}");
            }
        }
    }

    #[test]
    fn is_a_bijection() {
        for n in [0u64, 1, 2, 3, 7, 100, 1000, 65535, 65536 * 3] {
            let p = Permutation::new(n, n ^ 42);
            let mut seen = vec![false; n as usize];
            for i in 0..n {
                let x = p.get(i) as usize;
                assert!(!seen[x], "duplicate for n={n}");
                seen[x] = true;
            }
        }
    }

    #[test]
    fn position_inverts_get() {
        for n in [1u64, 2, 3, 100, 4097, 65_536 * 3] {
            let p = Permutation::new(n, 7);
            for i in (0..n).step_by((n as usize / 500).max(1)) {
                assert_eq!(p.position(p.get(i)), i, "n={n}");
            }
        }
    }

    #[test]
    fn keys_differ() {
        let a: Vec<u64> = (0..100).map(|i| Permutation::new(100, 1).get(i)).collect();
        let b: Vec<u64> = (0..100).map(|i| Permutation::new(100, 2).get(i)).collect();
        assert_ne!(a, b);
        assert_ne!(a, (0..100).collect::<Vec<_>>());
    }
}
