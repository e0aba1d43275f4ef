//! Port specifications in nmap's syntax: `22,80,1000-2000`, `-` (all), `http,ssh`
//! (service names through the knowledge base), `T:`/`U:` prefixes, `--top-ports N`.

use portwarden_kb::Protocol;
use std::fmt::Write as _;

/// Why a port specification was rejected. Each message is one line for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortError {
    /// Nothing was given (`-p ''`) or an item was empty (`22,,80`).
    #[error("empty port specification")]
    Empty,
    /// A number outside 1-65535 (`0`, `70000`).
    #[error("port '{0}' is out of range (ports are 1-65535)")]
    OutOfRange(String),
    /// A range whose start is after its end (`80-20`).
    #[error("port range '{0}' is backwards (start is greater than end)")]
    Backwards(String),
    /// Not a number and not a known service name (`abc`).
    #[error("'{0}' is neither a port number nor a known service name")]
    Unknown(String),
    /// A `X:` prefix that is not `T:`, `U:` or `S:`.
    #[error("unknown protocol prefix in '{0}' (use T:, U: or S:)")]
    BadPrefix(String),
    /// `--top-ports 0` or too many.
    #[error("--top-ports must be between 1 and 65535")]
    BadTop,
}

/// Ports to scan per protocol. Lists are sorted and free of duplicates.
///
/// Items without a `T:`/`U:` prefix apply to every protocol being scanned (as in nmap),
/// so they are put in both lists; a connect scan uses only [`PortList::tcp`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortList {
    /// TCP ports.
    pub tcp: Vec<u16>,
    /// UDP ports (kept for the UDP scan; the connect scan ignores them).
    pub udp: Vec<u16>,
    /// SCTP ports (parsed, not scanned).
    pub sctp: Vec<u16>,
    /// Whether any item had a protocol prefix.
    pub prefixed: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Any,
    One(Protocol),
}

fn parse_num(s: &str, item: &str) -> Result<u16, PortError> {
    let t = s.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PortError::Unknown(item.to_string()));
    }
    match t.parse::<u32>() {
        Ok(n) if (1..=65535).contains(&n) => Ok(n as u16),
        _ => Err(PortError::OutOfRange(item.to_string())),
    }
}

fn is_numeric_item(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'-')
}

impl PortList {
    /// Parses a `-p` specification.
    pub fn parse(spec: &str) -> Result<PortList, PortError> {
        let spec = spec.trim();
        if spec.is_empty() {
            return Err(PortError::Empty);
        }
        let mut out = PortList::default();
        let mut scope = Scope::Any;
        for raw in spec.split(',') {
            let mut item = raw.trim();
            if let Some((p, rest)) = item.split_once(':') {
                scope = match p.trim().to_ascii_uppercase().as_str() {
                    "T" => Scope::One(Protocol::Tcp),
                    "U" => Scope::One(Protocol::Udp),
                    "S" => Scope::One(Protocol::Sctp),
                    _ => return Err(PortError::BadPrefix(raw.trim().to_string())),
                };
                out.prefixed = true;
                item = rest.trim();
            }
            if item.is_empty() {
                return Err(PortError::Empty);
            }
            if is_numeric_item(item) {
                let (a, b) = match item.split_once('-') {
                    None => {
                        let n = parse_num(item, item)?;
                        (n, n)
                    }
                    Some((a, b)) => {
                        if b.contains('-') {
                            return Err(PortError::Unknown(item.to_string()));
                        }
                        let a = if a.is_empty() { 1 } else { parse_num(a, item)? };
                        let b = if b.is_empty() {
                            65535
                        } else {
                            parse_num(b, item)?
                        };
                        if a > b {
                            return Err(PortError::Backwards(item.to_string()));
                        }
                        (a, b)
                    }
                };
                out.add_range(scope, a, b);
            } else {
                out.add_name(scope, item)?;
            }
        }
        out.normalize();
        Ok(out)
    }

    /// The `n` TCP ports most likely open, by the knowledge base's ranking.
    pub fn top(n: usize) -> Result<PortList, PortError> {
        if n == 0 || n > 65535 {
            return Err(PortError::BadTop);
        }
        let mut tcp = portwarden_kb::top_ports(Protocol::Tcp, n).to_vec();
        if tcp.len() < n {
            // The ranking may not cover every port; fill up in numeric order.
            let mut have = vec![false; 65536];
            for &p in &tcp {
                have[usize::from(p)] = true;
            }
            for p in 1..=65535u16 {
                if tcp.len() >= n {
                    break;
                }
                if !have[usize::from(p)] {
                    tcp.push(p);
                }
            }
        }
        tcp.retain(|&p| p != 0);
        let mut out = PortList {
            tcp,
            ..PortList::default()
        };
        out.normalize();
        Ok(out)
    }

    /// The default port set: the top 1000 TCP ports.
    pub fn default_tcp() -> PortList {
        PortList::top(1000).unwrap_or_else(|_| PortList {
            tcp: (1..=1000).collect(),
            ..PortList::default()
        })
    }

    fn add_range(&mut self, scope: Scope, a: u16, b: u16) {
        let lists: Vec<&mut Vec<u16>> = match scope {
            Scope::Any => vec![&mut self.tcp, &mut self.udp],
            Scope::One(Protocol::Tcp) => vec![&mut self.tcp],
            Scope::One(Protocol::Udp) => vec![&mut self.udp],
            Scope::One(_) => vec![&mut self.sctp],
        };
        for l in lists {
            l.extend(a..=b);
        }
    }

    fn add_name(&mut self, scope: Scope, name: &str) -> Result<(), PortError> {
        let recs = portwarden_kb::by_service(name);
        let mut found = false;
        for r in recs {
            let (Some(proto), Some(start)) = (r.protocol, r.start) else {
                continue;
            };
            let end = r.end.unwrap_or(start);
            if start == 0 || end < start {
                continue;
            }
            let wanted = match scope {
                Scope::Any => matches!(proto, Protocol::Tcp | Protocol::Udp),
                Scope::One(p) => p == proto,
            };
            if !wanted {
                continue;
            }
            found = true;
            self.add_range(Scope::One(proto), start, end);
        }
        if found {
            Ok(())
        } else {
            Err(PortError::Unknown(name.to_string()))
        }
    }

    fn normalize(&mut self) {
        for l in [&mut self.tcp, &mut self.udp, &mut self.sctp] {
            l.sort_unstable();
            l.dedup();
        }
    }

    /// Removes every port of `other` (per protocol; unprefixed exclusions apply to all).
    pub fn exclude(&mut self, other: &PortList) {
        fn remove(l: &mut Vec<u16>, x: &[u16]) {
            l.retain(|p| x.binary_search(p).is_err());
        }
        remove(&mut self.tcp, &other.tcp);
        remove(&mut self.udp, &other.udp);
        remove(&mut self.sctp, &other.sctp);
    }

    /// Whether no port at all is left.
    pub fn is_empty(&self) -> bool {
        self.tcp.is_empty() && self.udp.is_empty() && self.sctp.is_empty()
    }
}

/// Compresses sorted ports into nmap's `services` form: `1-1000,2000,3000-3002`.
pub fn compress(ports: &[u16]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < ports.len() {
        let start = ports[i];
        let mut end = start;
        while i + 1 < ports.len() && u32::from(ports[i + 1]) == u32::from(end) + 1 {
            i += 1;
            end = ports[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            let _ = write!(out, "{start}");
        } else {
            let _ = write!(out, "{start}-{end}");
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_ranges() {
        let p = PortList::parse("22,80,1000-1002").expect("valid");
        assert_eq!(p.tcp, vec![22, 80, 1000, 1001, 1002]);
        assert_eq!(p.udp, p.tcp);
    }

    #[test]
    fn all_and_open_ranges() {
        assert_eq!(PortList::parse("-").expect("valid").tcp.len(), 65535);
        assert_eq!(
            PortList::parse("-10").expect("valid").tcp,
            (1..=10).collect::<Vec<_>>()
        );
        assert_eq!(PortList::parse("65530-").expect("valid").tcp.len(), 6);
    }

    #[test]
    fn prefixes_carry_over() {
        let p = PortList::parse("U:53,161,T:21-22,80").expect("valid");
        assert_eq!(p.udp, vec![53, 161]);
        assert_eq!(p.tcp, vec![21, 22, 80]);
        assert!(p.prefixed);
        let u = PortList::parse("U:53").expect("valid");
        assert!(u.tcp.is_empty());
    }

    #[test]
    fn names_through_kb() {
        let p = PortList::parse("http,ssh").expect("valid");
        assert!(p.tcp.contains(&80));
        assert!(p.tcp.contains(&22));
        let t = PortList::parse("T:ssh").expect("valid");
        assert_eq!(t.tcp, vec![22]);
        assert!(t.udp.is_empty());
    }

    #[test]
    fn bad_specs() {
        assert!(matches!(
            PortList::parse("0-70000"),
            Err(PortError::OutOfRange(_))
        ));
        assert!(matches!(
            PortList::parse("0"),
            Err(PortError::OutOfRange(_))
        ));
        assert!(matches!(
            PortList::parse("80-20"),
            Err(PortError::Backwards(_))
        ));
        assert!(matches!(PortList::parse("abc"), Err(PortError::Unknown(_))));
        assert_eq!(PortList::parse(""), Err(PortError::Empty));
        assert_eq!(PortList::parse("22,,80"), Err(PortError::Empty));
        assert!(matches!(
            PortList::parse("1-2-3"),
            Err(PortError::Unknown(_))
        ));
        assert!(matches!(
            PortList::parse("X:22"),
            Err(PortError::BadPrefix(_))
        ));
        for e in [PortList::parse("0-70000"), PortList::parse("abc")] {
            let msg = e.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(!msg.contains('\n') && !msg.is_empty());
        }
    }

    #[test]
    fn top_and_exclude() {
        let mut t = PortList::top(1000).expect("valid");
        assert_eq!(t.tcp.len(), 1000);
        assert!(t.tcp.contains(&80));
        t.exclude(&PortList::parse("80").expect("valid"));
        assert!(!t.tcp.contains(&80));
        assert_eq!(PortList::top(65535).expect("valid").tcp.len(), 65535);
        assert_eq!(PortList::top(0), Err(PortError::BadTop));
    }

    #[test]
    fn compress_ranges() {
        assert_eq!(compress(&[1, 2, 3, 5, 7, 8]), "1-3,5,7-8");
        assert_eq!(compress(&[]), "");
        assert_eq!(compress(&[65534, 65535]), "65534-65535");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = PortList::parse(&s);
        }

        #[test]
        fn never_panics_portish(s in "[TU:0-9,\\- a-z]{0,40}") {
            if let Ok(p) = PortList::parse(&s) {
                proptest::prop_assert!(p.tcp.iter().all(|&x| x >= 1));
            }
        }
    }
}
