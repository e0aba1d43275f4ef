//! What the firewall lets in: reads the nftables ruleset (`nft -j list ruleset`, which also
//! shows what iptables-nft, ufw, firewalld and Docker put there) and decides, per
//! listener, whether a new connection from another host gets through.
//!
//! The shapes read are the common ones: base-chain policies on the input (and prerouting
//! and ingress) hooks, `iif lo accept`, `ct state` matches and verdict maps, port matches
//! with sets, ranges and named sets, source-address restrictions, jumps and gotos, and
//! DNAT in nat prerouting (Docker's published ports). A rule beyond that makes the answer
//! "unknown" — with the rule named — only when it could change the answer.
//!
//! [`Firewall::assess`] is pure; reading the ruleset is behind [`RulesetSource`], whose
//! [`native`] runs `nft`.

mod eval;
pub mod model;
mod os;

pub use eval::Probe;
pub use model::{ParseError, Ruleset};
pub use os::{native, RulesetSource, SourceError};
pub use portwarden_sockets::{Blocker, Reach};

use portwarden_sockets::{Inventory, Transport};
use std::net::{IpAddr, SocketAddr};

/// The firewall as read at one moment, or why it could not be read.
#[derive(Debug, Clone)]
pub enum Firewall {
    /// The ruleset (possibly empty: no rules at all).
    Rules(Ruleset),
    /// Could not be read: why (no nft, no privilege, bad output).
    Unreadable(String),
}

impl Firewall {
    /// Reads the ruleset through `src`; any failure becomes [`Firewall::Unreadable`].
    pub fn read(src: &dyn RulesetSource) -> Firewall {
        let fw = match src.ruleset_json() {
            Ok(json) => Firewall::from_json(&json),
            Err(e) => Firewall::Unreadable(e.to_string()),
        };
        match fw {
            Firewall::Rules(mut rs) if rs.has_xt_state() => {
                if let Some(text) = src.ruleset_text() {
                    rs.resolve_xt(&text);
                }
                Firewall::Rules(rs)
            }
            other => other,
        }
    }

    /// From `nft -j list ruleset` output.
    pub fn from_json(json: &str) -> Firewall {
        match Ruleset::parse(json) {
            Ok(rs) => Firewall::Rules(rs),
            Err(e) => Firewall::Unreadable(e.to_string()),
        }
    }

    /// Whether a new connection from another host reaches a listener on `local`.
    ///
    /// A wildcard IPv6 listener (`::`) usually takes IPv4 too, so both families are
    /// judged and the more exposed answer is kept.
    pub fn assess(&self, transport: Transport, local: SocketAddr) -> Reach {
        let ip = match local.ip() {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        if ip.is_loopback() {
            return Reach::Loopback;
        }
        let rs = match self {
            Firewall::Rules(rs) => rs,
            Firewall::Unreadable(why) => return Reach::Unknown { why: why.clone() },
        };
        let daddr = (!ip.is_unspecified()).then_some(ip);
        let probe = |v6| {
            eval::Eval {
                rs,
                probe: Probe {
                    v6,
                    transport,
                    port: local.port(),
                    daddr,
                },
            }
            .reach()
        };
        match ip {
            IpAddr::V6(v6) if v6.is_unspecified() => {
                let (a, b) = (probe(true), probe(false));
                if b.rank() > a.rank() {
                    b
                } else {
                    a
                }
            }
            IpAddr::V6(_) => probe(true),
            IpAddr::V4(_) => probe(false),
        }
    }
}

/// Fills in [`portwarden_sockets::SocketEntry::reach`] for every listener.
pub fn annotate(inv: &mut Inventory, fw: &Firewall) {
    for e in inv.sockets.iter_mut().filter(|e| e.socket.is_listening()) {
        e.reach = Some(fw.assess(e.socket.transport, e.socket.local));
    }
}

#[cfg(test)]
mod tests;
