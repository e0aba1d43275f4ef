//! Target specifications in nmap's syntax: IPv4/IPv6 addresses, host names (resolved
//! once, up front), CIDR blocks (`10.0.0.0/24`, `fd00::/120`), octet ranges
//! (`127.0.0.1-20`, `10.0-1.0.1`, `192.168.1.*`), plus exclusions.
//!
//! Nothing is expanded into a list: a [`TargetSet`] maps a host index to an address on
//! demand, so a /16 costs a few bytes until it is scanned.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, ToSocketAddrs};

/// The most hosts a target list may expand to without `--allow-large`.
pub const LARGE_LIMIT: u64 = 65536;

/// The most hosts one item may expand to at all (IPv6 prefixes shorter than /96).
pub const HARD_LIMIT: u64 = 1 << 32;

/// Why a target specification was rejected. Each message is one line for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// An IPv4 target in an IPv6-only scan (`-6`).
    #[error("'{0}' is IPv4, and -6 scans IPv6 only (as `ls -6` lists IPv6 only)")]
    NotIpv6(String),
    /// Looks like an IPv4 address or range but is not one (`300.1.1.1`, `1.2.3`).
    #[error("invalid IPv4 address or range '{0}'")]
    BadIpv4(String),
    /// A CIDR suffix that is not a valid prefix length (`/33`).
    #[error("invalid CIDR prefix in '{0}' (IPv4 allows /0-/32, IPv6 /0-/128)")]
    BadPrefix(String),
    /// A name that does not resolve.
    #[error("cannot resolve host name '{0}': {1}")]
    Resolve(String, String),
    /// Not an address, range, block or plausible host name.
    #[error("invalid target '{0}'")]
    Invalid(String),
    /// One item expands to more than [`HARD_LIMIT`] addresses.
    #[error("'{0}' expands to more than 2^32 addresses; use a longer prefix")]
    Huge(String),
    /// The list expands to more than [`LARGE_LIMIT`] hosts without `--allow-large`.
    #[error(
        "the targets expand to {0} hosts, more than 65536; pass --allow-large to scan them anyway"
    )]
    TooLarge(u64),
    /// No target was given.
    #[error("no targets given")]
    NoTargets,
    /// A target list (file) held no target.
    #[error("no targets in {0}")]
    EmptyList(String),
    /// Every target was excluded.
    #[error("every target is excluded")]
    AllExcluded,
}

/// Options that change how targets are expanded.
#[derive(Debug, Clone, Copy, Default)]
pub struct TargetOptions {
    /// Allow more than [`LARGE_LIMIT`] hosts.
    pub allow_large: bool,
    /// IPv6 only (`-6`): names resolve to their IPv6 addresses, IPv4 targets are refused.
    pub prefer_ipv6: bool,
    /// Never resolve names: a host name is an error (fuzzing, offline checks).
    pub no_resolve: bool,
}

/// One host to scan, as produced by [`TargetSet::get`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostEntry {
    /// The target as the user typed it (`10.0.0.0/30`, `localhost`).
    pub typed: String,
    /// The address to scan.
    pub addr: IpAddr,
    /// The host name, when the target was one.
    pub hostname: Option<String>,
    /// Every address the name resolved to (empty for literal addresses).
    pub resolved: Vec<IpAddr>,
}

#[derive(Debug, Clone)]
enum Block {
    V4 {
        start: u32,
    },
    V6 {
        start: u128,
    },
    Octets([Vec<u8>; 4]),
    Named {
        addr: IpAddr,
        hostname: String,
        resolved: Vec<IpAddr>,
    },
}

#[derive(Debug, Clone)]
struct Item {
    typed: String,
    block: Block,
    count: u64,
}

#[derive(Debug, Clone)]
enum Matcher {
    V4(u32, u32),
    V6(u128, u128),
    Octets([Vec<u8>; 4]),
}

impl Matcher {
    fn matches(&self, a: IpAddr) -> bool {
        match (self, a) {
            (Matcher::V4(lo, hi), IpAddr::V4(v)) => (*lo..=*hi).contains(&u32::from(v)),
            (Matcher::V6(lo, hi), IpAddr::V6(v)) => (*lo..=*hi).contains(&u128::from(v)),
            (Matcher::Octets(o), IpAddr::V4(v)) => v
                .octets()
                .iter()
                .zip(o.iter())
                .all(|(b, set)| set.binary_search(b).is_ok()),
            _ => false,
        }
    }
}

/// The hosts to scan: target items plus exclusions, expanded lazily.
#[derive(Debug, Clone, Default)]
pub struct TargetSet {
    items: Vec<Item>,
    ends: Vec<u64>,
    excludes: Vec<Matcher>,
}

/// Splits a target list (file contents) into specifications: whitespace-separated,
/// `#` starts a comment that runs to the end of the line.
pub fn parse_list(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(str::split_whitespace)
        .map(str::to_string)
        .collect()
}

/// Longest line a target list may have, in bytes.
pub const LIST_LINE_MAX: usize = 4096;

/// Most lines a target list may have.
pub const LIST_LINES_MAX: u64 = 1_000_000;

/// Why a target list (`-iL`, `--exclude-file`) could not be read. `line` counts from 1.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// A line longer than [`LIST_LINE_MAX`] bytes (`/dev/zero`, a binary file).
    #[error("line {line}: longer than {LIST_LINE_MAX} bytes; is this a list of targets?")]
    LineTooLong {
        /// The line.
        line: u64,
    },
    /// More than [`LIST_LINES_MAX`] lines.
    #[error("line {line}: more than {LIST_LINES_MAX} lines")]
    TooManyLines {
        /// The line.
        line: u64,
    },
    /// A line that is not UTF-8 text.
    #[error("line {line}: not text (invalid UTF-8)")]
    NotText {
        /// The line.
        line: u64,
    },
    /// Reading failed.
    #[error("line {line}: {source}")]
    Io {
        /// The line.
        line: u64,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// Reads a target list line by line, as [`parse_list`] splits it, with bounds on the
/// length of a line ([`LIST_LINE_MAX`]) and on their number ([`LIST_LINES_MAX`]): an
/// endless or binary input ends with an error after at most one line's worth of memory.
pub fn read_list<R: std::io::BufRead>(mut r: R) -> Result<Vec<String>, ListError> {
    use std::io::{BufRead as _, Read as _};
    let mut out = Vec::new();
    let mut buf = Vec::with_capacity(256);
    let mut line = 0u64;
    loop {
        line += 1;
        buf.clear();
        let n = (&mut r)
            .take(LIST_LINE_MAX as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|source| ListError::Io { line, source })?;
        if n == 0 {
            return Ok(out);
        }
        if line > LIST_LINES_MAX {
            return Err(ListError::TooManyLines { line });
        }
        if buf.last() == Some(&b'\n') {
            buf.pop();
        }
        if buf.len() > LIST_LINE_MAX {
            return Err(ListError::LineTooLong { line });
        }
        let text = std::str::from_utf8(&buf).map_err(|_| ListError::NotText { line })?;
        out.extend(parse_list(text));
    }
}

fn octet_part(p: &str, spec: &str) -> Result<Vec<u8>, TargetError> {
    let bad = || TargetError::BadIpv4(spec.to_string());
    if p.is_empty() {
        return Err(bad());
    }
    let mut v = Vec::new();
    for piece in p.split(',') {
        if piece == "*" {
            v.extend(0..=255u8);
            continue;
        }
        let num = |s: &str, dflt: u8| -> Result<u8, TargetError> {
            if s.is_empty() {
                return Ok(dflt);
            }
            if s.len() > 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            s.parse::<u8>().map_err(|_| bad())
        };
        let (a, b) = match piece.split_once('-') {
            None => {
                if piece.is_empty() {
                    return Err(bad());
                }
                let n = num(piece, 0)?;
                (n, n)
            }
            Some((a, b)) => (num(a, 0)?, num(b, 255)?),
        };
        if a > b {
            return Err(bad());
        }
        v.extend(a..=b);
    }
    v.sort_unstable();
    v.dedup();
    Ok(v)
}

fn looks_ipv4ish(s: &str) -> bool {
    !s.is_empty()
        && s.contains('.')
        && s.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b',' | b'*'))
}

fn octets(spec: &str) -> Result<[Vec<u8>; 4], TargetError> {
    let parts: Vec<&str> = spec.split('.').collect();
    if parts.len() != 4 {
        return Err(TargetError::BadIpv4(spec.to_string()));
    }
    Ok([
        octet_part(parts[0], spec)?,
        octet_part(parts[1], spec)?,
        octet_part(parts[2], spec)?,
        octet_part(parts[3], spec)?,
    ])
}

fn valid_hostname(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        && !s.starts_with('-')
        && s.bytes().any(|b| b.is_ascii_alphabetic())
}

fn resolve(name: &str, opts: &TargetOptions) -> Result<(IpAddr, Vec<IpAddr>), TargetError> {
    if opts.no_resolve {
        return Err(TargetError::Resolve(
            name.to_string(),
            "name resolution is off".to_string(),
        ));
    }
    let prefer_v6 = opts.prefer_ipv6;
    let addrs: Vec<IpAddr> = (name, 0u16)
        .to_socket_addrs()
        .map_err(|e| TargetError::Resolve(name.to_string(), e.to_string()))?
        .map(|sa| sa.ip())
        .fold(Vec::new(), |mut v, a| {
            if !v.contains(&a) {
                v.push(a);
            }
            v
        });
    let pick = addrs
        .iter()
        .find(|a| a.is_ipv6() == prefer_v6)
        .or_else(|| addrs.first().filter(|_| !prefer_v6))
        .copied()
        .ok_or_else(|| {
            let why = if prefer_v6 {
                "no IPv6 address"
            } else {
                "no addresses"
            };
            TargetError::Resolve(name.to_string(), why.to_string())
        })?;
    Ok((pick, addrs))
}

fn cidr(typed: &str, base: IpAddr, bits: u8) -> Result<Item, TargetError> {
    match base {
        IpAddr::V4(v) => {
            if bits > 32 {
                return Err(TargetError::BadPrefix(typed.to_string()));
            }
            let host_bits = 32 - u32::from(bits);
            let mask = if host_bits == 32 {
                0
            } else {
                u32::MAX << host_bits
            };
            Ok(Item {
                typed: typed.to_string(),
                block: Block::V4 {
                    start: u32::from(v) & mask,
                },
                count: 1u64 << host_bits,
            })
        }
        IpAddr::V6(v) => {
            if bits > 128 {
                return Err(TargetError::BadPrefix(typed.to_string()));
            }
            let host_bits = 128 - u32::from(bits);
            if host_bits > 32 {
                return Err(TargetError::Huge(typed.to_string()));
            }
            let mask = if host_bits == 128 {
                0
            } else {
                u128::MAX << host_bits
            };
            Ok(Item {
                typed: typed.to_string(),
                block: Block::V6 {
                    start: u128::from(v) & mask,
                },
                count: 1u64 << host_bits,
            })
        }
    }
}

fn parse_item(spec: &str, opts: &TargetOptions) -> Result<Item, TargetError> {
    let item = parse_any_item(spec, opts)?;
    let v4 = match &item.block {
        Block::V4 { .. } | Block::Octets(_) => true,
        Block::V6 { .. } => false,
        Block::Named { addr, .. } => addr.is_ipv4(),
    };
    if opts.prefer_ipv6 && v4 {
        return Err(TargetError::NotIpv6(spec.trim().to_string()));
    }
    Ok(item)
}

fn parse_any_item(spec: &str, opts: &TargetOptions) -> Result<Item, TargetError> {
    let s = spec.trim();
    if s.is_empty() {
        return Err(TargetError::Invalid(spec.to_string()));
    }
    if let Some((base, bits)) = s.rsplit_once('/') {
        if bits.is_empty() || bits.len() > 3 || !bits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TargetError::BadPrefix(s.to_string()));
        }
        let bits: u8 = bits
            .parse()
            .map_err(|_| TargetError::BadPrefix(s.to_string()))?;
        let base_ip = if let Ok(ip) = base.parse::<IpAddr>() {
            ip
        } else if looks_ipv4ish(base) {
            return Err(TargetError::BadIpv4(s.to_string()));
        } else if valid_hostname(base) {
            resolve(base, opts)?.0
        } else {
            return Err(TargetError::Invalid(s.to_string()));
        };
        return cidr(s, base_ip, bits);
    }
    let bare = s.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(match ip {
            IpAddr::V4(v) => Item {
                typed: s.to_string(),
                block: Block::V4 {
                    start: u32::from(v),
                },
                count: 1,
            },
            IpAddr::V6(v) => Item {
                typed: s.to_string(),
                block: Block::V6 {
                    start: u128::from(v),
                },
                count: 1,
            },
        });
    }
    if looks_ipv4ish(s) {
        let o = octets(s)?;
        let count = o.iter().map(|p| p.len() as u64).product();
        return Ok(Item {
            typed: s.to_string(),
            block: Block::Octets(o),
            count,
        });
    }
    if s.contains(':') {
        return Err(TargetError::Invalid(s.to_string()));
    }
    if !valid_hostname(s) {
        return Err(TargetError::Invalid(s.to_string()));
    }
    let (addr, resolved) = resolve(s, opts)?;
    Ok(Item {
        typed: s.to_string(),
        block: Block::Named {
            addr,
            hostname: s.to_string(),
            resolved,
        },
        count: 1,
    })
}

fn parse_exclude(spec: &str, opts: &TargetOptions) -> Result<Vec<Matcher>, TargetError> {
    let item = parse_item(spec, opts)?;
    Ok(match item.block {
        Block::V4 { start } => {
            let end = u64::from(start) + item.count - 1;
            vec![Matcher::V4(start, u32::try_from(end).unwrap_or(u32::MAX))]
        }
        Block::V6 { start } => {
            vec![Matcher::V6(
                start,
                start.saturating_add(u128::from(item.count) - 1),
            )]
        }
        Block::Octets(o) => vec![Matcher::Octets(o)],
        Block::Named { resolved, .. } => resolved
            .into_iter()
            .map(|a| match a {
                IpAddr::V4(v) => Matcher::V4(u32::from(v), u32::from(v)),
                IpAddr::V6(v) => Matcher::V6(u128::from(v), u128::from(v)),
            })
            .collect(),
    })
}

impl TargetSet {
    /// Parses target and exclusion specifications. Names are resolved here.
    pub fn build(
        specs: &[String],
        excludes: &[String],
        opts: TargetOptions,
    ) -> Result<TargetSet, TargetError> {
        if specs.iter().all(|s| s.trim().is_empty()) {
            return Err(TargetError::NoTargets);
        }
        let mut set = TargetSet::default();
        let mut total: u64 = 0;
        for s in specs.iter().filter(|s| !s.trim().is_empty()) {
            let it = parse_item(s, &opts)?;
            total = total.saturating_add(it.count);
            set.ends.push(total);
            set.items.push(it);
        }
        for e in excludes.iter().filter(|s| !s.trim().is_empty()) {
            set.excludes.extend(parse_exclude(e, &opts)?);
        }
        if total > LARGE_LIMIT && !opts.allow_large {
            return Err(TargetError::TooLarge(total));
        }
        if total <= LARGE_LIMIT && set.count() == 0 {
            return Err(TargetError::AllExcluded);
        }
        Ok(set)
    }

    /// Number of host slots before exclusions (the index space of [`TargetSet::get`]).
    pub fn len(&self) -> u64 {
        self.ends.last().copied().unwrap_or(0)
    }

    /// Whether there are no host slots.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of hosts after exclusions (walks the set when there are exclusions).
    pub fn count(&self) -> u64 {
        if self.excludes.is_empty() {
            return self.len();
        }
        (0..self.len()).filter(|&i| self.get(i).is_some()).count() as u64
    }

    /// The host at `index` (0-based, in the order typed), or `None` when out of range or
    /// excluded.
    pub fn get(&self, index: u64) -> Option<HostEntry> {
        let k = self.ends.partition_point(|&e| e <= index);
        let item = self.items.get(k)?;
        let base = if k == 0 { 0 } else { self.ends[k - 1] };
        let off = index - base;
        let (addr, hostname, resolved) = match &item.block {
            Block::V4 { start } => {
                let a = u32::try_from(u64::from(*start) + off).ok()?;
                (IpAddr::V4(Ipv4Addr::from(a)), None, Vec::new())
            }
            Block::V6 { start } => (
                IpAddr::V6(Ipv6Addr::from(start.checked_add(u128::from(off))?)),
                None,
                Vec::new(),
            ),
            Block::Octets(o) => {
                let mut rem = off;
                let mut b = [0u8; 4];
                for i in (0..4).rev() {
                    let n = o[i].len() as u64;
                    if n == 0 {
                        return None;
                    }
                    b[i] = *o[i].get(usize::try_from(rem % n).ok()?)?;
                    rem /= n;
                }
                (IpAddr::V4(Ipv4Addr::from(b)), None, Vec::new())
            }
            Block::Named {
                addr,
                hostname,
                resolved,
            } => (*addr, Some(hostname.clone()), resolved.clone()),
        };
        if self.excludes.iter().any(|m| m.matches(addr)) {
            return None;
        }
        Some(HostEntry {
            typed: item.typed.clone(),
            addr,
            hostname,
            resolved,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_bounded() {
        use std::io::Read as _;
        let ok = read_list(&b"127.0.0.1 ::1 # c\n\n10.0.0.0/30\r\n"[..]);
        assert_eq!(
            ok.ok(),
            Some(vec!["127.0.0.1".into(), "::1".into(), "10.0.0.0/30".into()])
        );
        let zeros = std::io::repeat(0).take(1 << 30);
        assert!(matches!(
            read_list(std::io::BufReader::new(zeros)),
            Err(ListError::LineTooLong { line: 1 })
        ));
        let long = format!("a\n{}\n", "b".repeat(LIST_LINE_MAX + 1));
        assert!(matches!(
            read_list(long.as_bytes()),
            Err(ListError::LineTooLong { line: 2 })
        ));
        let exact = "b".repeat(LIST_LINE_MAX);
        assert!(read_list(exact.as_bytes()).is_ok());
        let lines = std::io::repeat(b'\n').take(LIST_LINES_MAX + 10);
        assert!(matches!(
            read_list(std::io::BufReader::new(lines)),
            Err(ListError::TooManyLines { .. })
        ));
        assert!(matches!(
            read_list(&b"ok\n\xff\n"[..]),
            Err(ListError::NotText { line: 2 })
        ));
    }

    fn set(specs: &[&str]) -> Result<TargetSet, TargetError> {
        let v: Vec<String> = specs.iter().map(|s| s.to_string()).collect();
        TargetSet::build(&v, &[], TargetOptions::default())
    }

    fn addrs(t: &TargetSet) -> Vec<String> {
        (0..t.len())
            .filter_map(|i| t.get(i))
            .map(|h| h.addr.to_string())
            .collect()
    }

    #[test]
    fn literal_addresses() {
        let t = set(&["127.0.0.1", "::1", "[::1]"]).expect("valid");
        assert_eq!(addrs(&t), vec!["127.0.0.1", "::1", "::1"]);
    }

    #[test]
    fn cidr_blocks() {
        let t = set(&["10.0.0.5/30"]).expect("valid");
        assert_eq!(
            addrs(&t),
            vec!["10.0.0.4", "10.0.0.5", "10.0.0.6", "10.0.0.7"]
        );
        let t = set(&["fd00::1/126"]).expect("valid");
        assert_eq!(addrs(&t).len(), 4);
        assert_eq!(addrs(&t)[0], "fd00::");
        assert_eq!(set(&["10.0.0.0/32"]).expect("valid").len(), 1);
    }

    #[test]
    fn octet_ranges() {
        let t = set(&["127.0.0.1-3"]).expect("valid");
        assert_eq!(addrs(&t), vec!["127.0.0.1", "127.0.0.2", "127.0.0.3"]);
        let t = set(&["10.0-1.0.1"]).expect("valid");
        assert_eq!(addrs(&t), vec!["10.0.0.1", "10.1.0.1"]);
        let t = set(&["10.0.0.1,5,7-8"]).expect("valid");
        assert_eq!(
            addrs(&t),
            vec!["10.0.0.1", "10.0.0.5", "10.0.0.7", "10.0.0.8"]
        );
        assert_eq!(set(&["10.0.0.*"]).expect("valid").len(), 256);
    }

    #[test]
    fn bad_specs() {
        assert!(matches!(set(&["300.1.1.1"]), Err(TargetError::BadIpv4(_))));
        assert!(matches!(set(&["1.2.3"]), Err(TargetError::BadIpv4(_))));
        assert!(matches!(
            set(&["10.0.0.0/33"]),
            Err(TargetError::BadPrefix(_))
        ));
        assert!(matches!(
            set(&["10.0.0.0/"]),
            Err(TargetError::BadPrefix(_))
        ));
        assert!(matches!(set(&["::/129"]), Err(TargetError::BadPrefix(_))));
        assert!(matches!(set(&["fd00::/64"]), Err(TargetError::Huge(_))));
        assert!(matches!(set(&["10.0.0.9-3"]), Err(TargetError::BadIpv4(_))));
        assert!(matches!(set(&["a b"]), Err(TargetError::Invalid(_))));
        assert!(matches!(set(&[]), Err(TargetError::NoTargets)));
        assert!(matches!(
            set(&["10.0.0.0/15"]),
            Err(TargetError::TooLarge(131072))
        ));
        let ok = TargetSet::build(
            &["10.0.0.0/15".to_string()],
            &[],
            TargetOptions {
                allow_large: true,
                ..TargetOptions::default()
            },
        );
        assert!(ok.is_ok());
        assert!(set(&["10.0.0.0/16"]).is_ok());
    }

    #[test]
    fn exclusions() {
        let t = TargetSet::build(
            &["127.0.0.1-6".to_string()],
            &["127.0.0.2".to_string(), "127.0.0.4-5".to_string()],
            TargetOptions::default(),
        )
        .expect("valid");
        assert_eq!(addrs(&t), vec!["127.0.0.1", "127.0.0.3", "127.0.0.6"]);
        assert_eq!(t.count(), 3);
        let all = TargetSet::build(
            &["127.0.0.1".to_string()],
            &["127.0.0.0/8".to_string()],
            TargetOptions::default(),
        );
        assert!(matches!(all, Err(TargetError::AllExcluded)));
    }

    #[test]
    fn no_resolve_refuses_names() {
        let o = TargetOptions {
            no_resolve: true,
            ..TargetOptions::default()
        };
        let v = vec!["localhost".to_string()];
        assert!(matches!(
            TargetSet::build(&v, &[], o),
            Err(TargetError::Resolve(..))
        ));
        assert!(TargetSet::build(&["127.0.0.1".to_string()], &[], o).is_ok());
    }

    #[test]
    fn dash_six_means_ipv6_only() {
        let o = TargetOptions {
            prefer_ipv6: true,
            ..TargetOptions::default()
        };
        for t in ["127.0.0.1", "198.18.0.0/24", "198.18.0.1-3"] {
            assert!(
                matches!(
                    TargetSet::build(&[t.to_string()], &[], o),
                    Err(TargetError::NotIpv6(_))
                ),
                "{t}"
            );
        }
        assert!(TargetSet::build(&["::1".to_string(), "fd00::/126".to_string()], &[], o).is_ok());
    }

    #[test]
    fn names_resolve() {
        let t = set(&["localhost"]).expect("localhost resolves");
        let h = t.get(0).expect("one host");
        assert!(h.addr.is_loopback());
        assert_eq!(h.hostname.as_deref(), Some("localhost"));
        assert!(!h.resolved.is_empty());
    }

    #[test]
    fn list_files() {
        assert_eq!(
            parse_list("127.0.0.1 ::1\n# comment\n10.0.0.1 # trailing\n\n"),
            vec!["127.0.0.1", "::1", "10.0.0.1"]
        );
        assert!(parse_list("# nothing\n\n").is_empty());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "[0-9./,*:\\-\\[\\]]{0,30}") {
            // No letters: nothing here may reach the resolver (names need a letter).
            if let Ok(t) = TargetSet::build(&[s], &[], TargetOptions { allow_large: true, ..TargetOptions::default() }) {
                let n = t.len().min(5);
                for i in 0..n { let _ = t.get(i); }
                let _ = t.get(t.len());
            }
        }
    }
}
