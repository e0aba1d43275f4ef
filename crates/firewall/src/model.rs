//! The ruleset as plain types: what `nft -j list ruleset` prints, kept to the parts the
//! evaluator reads (chains with their hooks and policies, rules as expression lists, named
//! sets). Expressions stay as JSON values: nft's JSON schema is wide and the evaluator
//! treats whatever it does not know as "unknown", with the expression named in the reason.

use serde_json::Value;
use std::collections::BTreeMap;

/// Why a ruleset could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The text is not JSON.
    #[error("the nft output is not JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// JSON, but not nft's (`{"nftables": [...]}`).
    #[error("the nft output has no \"nftables\" array")]
    Shape,
}

/// An address family of nftables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// `ip`: IPv4 only.
    Ip,
    /// `ip6`: IPv6 only.
    Ip6,
    /// `inet`: both.
    Inet,
    /// `netdev`: ingress of one device, before IP.
    Netdev,
    /// `arp`, `bridge` and anything newer: never sees local IP traffic on its way in.
    Other,
}

impl Family {
    fn parse(s: &str) -> Family {
        match s {
            "ip" => Family::Ip,
            "ip6" => Family::Ip6,
            "inet" => Family::Inet,
            "netdev" => Family::Netdev,
            _ => Family::Other,
        }
    }

    /// nft's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Ip => "ip",
            Family::Ip6 => "ip6",
            Family::Inet => "inet",
            Family::Netdev => "netdev",
            Family::Other => "other",
        }
    }
}

/// Where a chain is attached, for base chains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    /// `filter`, `nat` or `route`.
    pub kind: String,
    /// `prerouting`, `input`, `ingress`, …
    pub hook: String,
    /// Lower runs first.
    pub prio: i64,
    /// `true` when the policy is `drop`.
    pub policy_drop: bool,
}

/// A rule: its expressions in order, where it sits and its comment.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The rule's handle in its chain.
    pub handle: u64,
    /// Its comment, if any.
    pub comment: Option<String>,
    /// The expressions, as nft printed them.
    pub expr: Vec<Value>,
}

/// A chain with its rules.
#[derive(Debug, Clone)]
pub struct Chain {
    /// Family of its table.
    pub family: Family,
    /// Its table.
    pub table: String,
    /// Its name.
    pub name: String,
    /// The hook, for base chains.
    pub hook: Option<Hook>,
    /// Rules in order.
    pub rules: Vec<Rule>,
}

/// Key of a chain or set: family, table, name.
pub type Key = (Family, String, String);

/// A whole ruleset.
#[derive(Debug, Clone, Default)]
pub struct Ruleset {
    /// Chains by key.
    pub chains: BTreeMap<Key, Chain>,
    /// Named sets' elements by key.
    pub sets: BTreeMap<Key, Vec<Value>>,
}

impl Ruleset {
    /// Parses `nft -j list ruleset` output.
    pub fn parse(json: &str) -> Result<Ruleset, ParseError> {
        let v: Value = serde_json::from_str(json)?;
        let items = v
            .get("nftables")
            .and_then(Value::as_array)
            .ok_or(ParseError::Shape)?;
        let mut rs = Ruleset::default();
        let key = |o: &Value, name_field: &str| -> Option<Key> {
            Some((
                Family::parse(o.get("family")?.as_str()?),
                o.get("table")?.as_str()?.to_string(),
                o.get(name_field)?.as_str()?.to_string(),
            ))
        };
        for item in items {
            if let Some(c) = item.get("chain") {
                let Some(k) = key(c, "name") else { continue };
                let hook = c.get("hook").and_then(Value::as_str).map(|h| Hook {
                    kind: c
                        .get("type")
                        .and_then(Value::as_str)
                        .unwrap_or("filter")
                        .to_string(),
                    hook: h.to_string(),
                    prio: c.get("prio").and_then(Value::as_i64).unwrap_or(0),
                    policy_drop: c.get("policy").and_then(Value::as_str) == Some("drop"),
                });
                rs.chains.insert(
                    k.clone(),
                    Chain {
                        family: k.0,
                        table: k.1,
                        name: k.2,
                        hook,
                        rules: Vec::new(),
                    },
                );
            } else if let Some(s) = item.get("set").or_else(|| item.get("map")) {
                let Some(k) = key(s, "name") else { continue };
                let elems = s
                    .get("elem")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                rs.sets.insert(k, elems);
            } else if let Some(r) = item.get("rule") {
                let Some(k) = key(r, "chain") else { continue };
                let rule = Rule {
                    handle: r.get("handle").and_then(Value::as_u64).unwrap_or(0),
                    comment: r.get("comment").and_then(Value::as_str).map(str::to_string),
                    expr: r
                        .get("expr")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default(),
                };
                // nft lists a chain before its rules; a rule of an unlisted chain (partial
                // output) still gets a chain so a jump to it is not mistaken for a missing one.
                rs.chains
                    .entry(k.clone())
                    .or_insert_with(|| Chain {
                        family: k.0,
                        table: k.1.clone(),
                        name: k.2.clone(),
                        hook: None,
                        rules: Vec::new(),
                    })
                    .rules
                    .push(rule);
            }
        }
        Ok(rs)
    }

    /// Whether some rule holds an iptables-nft `xt` match that [`Ruleset::resolve_xt`]
    /// can translate (conntrack and state).
    pub fn has_xt_state(&self) -> bool {
        self.chains
            .values()
            .flat_map(|c| &c.rules)
            .flat_map(|r| &r.expr)
            .any(is_xt_state)
    }

    /// Replaces iptables-nft's `xt conntrack`/`xt state` matches, which the JSON output
    /// leaves opaque, with the `ct state` match that `nft -a list ruleset` (text, with
    /// handles) prints for the same rule. Returns how many were replaced.
    pub fn resolve_xt(&mut self, text: &str) -> usize {
        let mut states: BTreeMap<(Family, String, String, u64), Vec<String>> = BTreeMap::new();
        let (mut table, mut chain) = (None::<(Family, String)>, None::<String>);
        for line in text.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["table", fam, name, ..] => {
                    table = Some((Family::parse(fam), name.to_string()));
                    chain = None;
                }
                ["chain", name, ..] => chain = Some(name.to_string()),
                _ => {
                    let (Some((fam, t)), Some(c)) = (&table, &chain) else {
                        continue;
                    };
                    let handle = words
                        .windows(3)
                        .find(|w| w[0] == "#" && w[1] == "handle")
                        .and_then(|w| w[2].parse::<u64>().ok());
                    let ct = words
                        .windows(3)
                        .find(|w| w[0] == "ct" && w[1] == "state")
                        .map(|w| w[2].split(',').map(str::to_string).collect::<Vec<_>>());
                    if let (Some(h), Some(ct)) = (handle, ct) {
                        states.insert((*fam, t.clone(), c.clone(), h), ct);
                    }
                }
            }
        }
        let mut n = 0;
        for c in self.chains.values_mut() {
            for r in &mut c.rules {
                let key = (c.family, c.table.clone(), c.name.clone(), r.handle);
                let Some(st) = states.get(&key) else { continue };
                for e in r.expr.iter_mut().filter(|e| is_xt_state(e)) {
                    *e = serde_json::json!({"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": st}});
                    n += 1;
                }
            }
        }
        n
    }

    /// Whether the ruleset has no chain at all.
    pub fn is_empty(&self) -> bool {
        self.chains.is_empty()
    }
}

fn is_xt_state(e: &Value) -> bool {
    e.get("xt")
        .and_then(|x| x.get("name"))
        .and_then(Value::as_str)
        .is_some_and(|n| n == "conntrack" || n == "state")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_chains_rules_and_sets() {
        let rs = Ruleset::parse(include_str!("../tests/fixtures/mixed.json")).expect("parses");
        let input = &rs.chains[&(Family::Inet, "filter".into(), "input".into())];
        let hook = input.hook.as_ref().expect("base chain");
        assert_eq!(hook.hook, "input");
        assert!(hook.policy_drop);
        assert_eq!(input.rules.len(), 13);
        assert!(rs.chains[&(Family::Inet, "filter".into(), "extra".into())]
            .hook
            .is_none());
        assert_eq!(
            rs.sets[&(Family::Inet, "filter".into(), "allowed".into())].len(),
            2
        );
    }

    #[test]
    fn xt_state_matches_are_read_from_the_text_listing() {
        let mut rs =
            Ruleset::parse(include_str!("../tests/fixtures/iptables.json")).expect("parses");
        assert!(rs.has_xt_state());
        let text = "table ip filter { # handle 1\n\tchain INPUT { # handle 1\n\t\tct state related,established counter packets 0 bytes 0 accept # handle 3\n\t}\n}\n";
        assert_eq!(rs.resolve_xt(text), 1);
        assert!(!rs.has_xt_state());
    }

    #[test]
    fn rejects_what_is_not_nft_json() {
        assert!(matches!(Ruleset::parse("nope"), Err(ParseError::Json(_))));
        assert!(matches!(Ruleset::parse("{}"), Err(ParseError::Shape)));
        let empty = Ruleset::parse(r#"{"nftables": [{"metainfo": {}}]}"#).expect("parses");
        assert!(empty.is_empty());
    }
}
