//! Walks the ruleset with one imagined packet: a new connection (TCP SYN or first UDP
//! datagram) from some host elsewhere, arriving on some interface other than `lo`, for one
//! local address and port.
//!
//! Each match is judged for that packet as *always*, *never*, *for some senders only*
//! (a source address, an interface, a rate limit) or *unknown* (an expression this
//! evaluator does not read). Verdicts are followed through jumps, gotos and returns; a
//! rule that matches only some senders is remembered and the walk goes on, as the kernel
//! would for the others. An unknown rule only matters when its verdict is not the one the
//! walk ends with: then the answer is "unknown", with that rule named.

use crate::model::{Chain, Family, Key, Rule, Ruleset};
use portwarden_sockets::{Blocker, Reach, Transport};
use serde_json::Value;
use std::net::IpAddr;

/// Chains deeper than this are not followed (nft itself allows 16 jump levels).
const MAX_DEPTH: usize = 16;

/// The imagined packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    /// IPv6 rather than IPv4.
    pub v6: bool,
    /// TCP or UDP.
    pub transport: Transport,
    /// Destination port.
    pub port: u16,
    /// Destination address; `None` for a wildcard listener (any local address).
    pub daddr: Option<IpAddr>,
}

/// Whether a match holds for the imagined packet.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cond {
    Always,
    Never,
    /// For some senders: why.
    Some(Vec<String>),
    /// Cannot tell: why.
    Unknown(String),
}

impl Cond {
    fn and(self, other: Cond) -> Cond {
        use Cond::*;
        match (self, other) {
            (Never, _) | (_, Never) => Never,
            (Unknown(a), _) | (_, Unknown(a)) => Unknown(a),
            (Always, x) | (x, Always) => x,
            (Some(mut a), Some(b)) => {
                a.extend(b);
                Some(a)
            }
        }
    }

    fn from_bool(b: bool) -> Cond {
        if b {
            Cond::Always
        } else {
            Cond::Never
        }
    }
}

/// What a chain does with the packet when every condition on the way held.
#[derive(Debug, Clone)]
enum Term {
    Accept,
    Drop(Blocker),
    Dnat(String),
    /// Reached the end of a regular chain or a `return`: back to the caller.
    Return,
}

/// What the walk of one base chain saw besides its end.
#[derive(Debug, Default)]
struct Seen {
    some_accepts: Vec<String>,
    unknown_accepts: Vec<String>,
    unknown_drops: Vec<String>,
    some_dnats: Vec<String>,
}

/// The evaluator over one ruleset.
pub(crate) struct Eval<'a> {
    pub rs: &'a Ruleset,
    pub probe: Probe,
}

impl Eval<'_> {
    /// Reach of the probe.
    pub fn reach(&self) -> Reach {
        let applies = |c: &Chain| match c.family {
            Family::Inet | Family::Netdev => true,
            Family::Ip => !self.probe.v6,
            Family::Ip6 => self.probe.v6,
            Family::Other => false,
        };
        // nat prerouting first: a DNAT sends the packet elsewhere and input never sees it.
        let mut nat: Vec<&Chain> = self
            .rs
            .chains
            .values()
            .filter(|c| applies(c))
            .filter(|c| {
                c.hook
                    .as_ref()
                    .is_some_and(|h| h.kind == "nat" && h.hook == "prerouting")
            })
            .collect();
        nat.sort_by_key(|c| c.hook.as_ref().map_or(0, |h| h.prio));
        for c in nat {
            let mut seen = Seen::default();
            if let Term::Dnat(to) = self.chain(c, Cond::Always, &mut seen, 0) {
                return Reach::Forwarded { to };
            }
            if let Some(to) = seen.some_dnats.into_iter().next() {
                return Reach::Forwarded { to };
            }
        }

        let stage = |h: &str| match h {
            "ingress" => Some(0),
            "prerouting" => Some(1),
            "input" => Some(2),
            _ => None,
        };
        let mut filters: Vec<(u8, i64, &Chain)> = self
            .rs
            .chains
            .values()
            .filter(|c| applies(c))
            .filter_map(|c| {
                let h = c.hook.as_ref()?;
                if h.kind != "filter" {
                    return None;
                }
                Some((stage(&h.hook)?, h.prio, c))
            })
            .collect();
        filters.sort_by_key(|(s, p, _)| (*s, *p));
        let mut unknown_drops: Vec<String> = Vec::new();
        for (_, _, c) in filters {
            let mut seen = Seen::default();
            let end = match self.chain(c, Cond::Always, &mut seen, 0) {
                Term::Return => {
                    if c.hook.as_ref().is_some_and(|h| h.policy_drop) {
                        Term::Drop(blocker(c, None))
                    } else {
                        Term::Accept
                    }
                }
                t => t,
            };
            match end {
                Term::Accept | Term::Dnat(_) | Term::Return => {
                    unknown_drops.extend(seen.unknown_drops);
                }
                Term::Drop(by) => {
                    if let Some(why) = seen.unknown_accepts.into_iter().next() {
                        return Reach::Unknown { why };
                    }
                    if !seen.some_accepts.is_empty() {
                        let mut from = seen.some_accepts;
                        from.dedup();
                        return Reach::Limited { from };
                    }
                    return Reach::Blocked { by: Box::new(by) };
                }
            }
        }
        if let Some(why) = unknown_drops.into_iter().next() {
            return Reach::Unknown { why };
        }
        Reach::Open
    }

    fn chain(&self, c: &Chain, guard: Cond, seen: &mut Seen, depth: usize) -> Term {
        let mut guard = guard;
        for r in &c.rules {
            match self.rule(c, r, guard.clone(), seen, depth) {
                Step::Next => {}
                Step::End(t) => return t,
                Step::Narrow(g) => guard = g,
            }
        }
        Term::Return
    }

    fn rule(&self, c: &Chain, r: &Rule, guard: Cond, seen: &mut Seen, depth: usize) -> Step {
        let mut cond = guard;
        for e in &r.expr {
            if cond == Cond::Never {
                return Step::Next;
            }
            let Some((k, v)) = e.as_object().and_then(|o| o.iter().next()) else {
                continue;
            };
            match k.as_str() {
                "match" => cond = cond.and(self.matches(c, v)),
                "counter" | "log" | "mangle" | "set" | "notrack" => {}
                "limit" => cond = cond.and(Cond::Some(vec!["at a limited rate".into()])),
                "quota" => cond = cond.and(Cond::Some(vec!["within a quota".into()])),
                "xt" => {
                    let name = v.get("name").and_then(Value::as_str).unwrap_or("?");
                    if name != "comment" {
                        cond = cond.and(Cond::Unknown(format!(
                            "{} uses the iptables extension \"{name}\"",
                            where_(c, r)
                        )));
                    }
                }
                "vmap" => return self.vmap(c, r, v, cond, seen, depth),
                verdict => {
                    if let Some(step) = self.verdict(c, r, verdict, v, cond.clone(), seen, depth) {
                        return step;
                    }
                    cond = cond.and(Cond::Unknown(format!(
                        "{} uses \"{verdict}\", which is not read here",
                        where_(c, r)
                    )));
                }
            }
        }
        Step::Next
    }

    /// A verdict map: `ct state vmap { established : accept, … }`.
    fn vmap(
        &self,
        c: &Chain,
        r: &Rule,
        v: &Value,
        cond: Cond,
        seen: &mut Seen,
        depth: usize,
    ) -> Step {
        let Some(key) = v.get("key") else {
            return Step::Next;
        };
        let entries = match v.get("data") {
            Some(Value::String(s)) if s.starts_with('@') => self
                .rs
                .sets
                .get(&(c.family, c.table.clone(), s[1..].to_string()))
                .cloned()
                .unwrap_or_default(),
            Some(d) => d
                .get("set")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            None => Vec::new(),
        };
        for entry in &entries {
            let pair = entry.as_array().filter(|p| p.len() == 2);
            let Some(pair) = pair else { continue };
            let m = serde_json::json!({"op": "==", "left": key, "right": pair[0]});
            let here = cond.clone().and(self.matches(c, &m));
            if here == Cond::Never {
                continue;
            }
            let Some((k, val)) = pair[1].as_object().and_then(|o| o.iter().next()) else {
                continue;
            };
            if let Some(step) = self.verdict(c, r, k, val, here, seen, depth) {
                if !matches!(step, Step::Next) {
                    return step;
                }
            }
        }
        Step::Next
    }

    /// Applies a verdict under `cond`; `None` when `name` is not a verdict.
    #[allow(clippy::too_many_arguments)]
    fn verdict(
        &self,
        c: &Chain,
        r: &Rule,
        name: &str,
        v: &Value,
        cond: Cond,
        seen: &mut Seen,
        depth: usize,
    ) -> Option<Step> {
        let term = match name {
            "accept" => Term::Accept,
            "drop" => Term::Drop(blocker(c, Some(r))),
            "reject" => {
                let mut b = blocker(c, Some(r));
                b.reject = true;
                Term::Drop(b)
            }
            "dnat" => Term::Dnat(dnat_target(v)),
            "redirect" | "snat" | "masquerade" => return Some(Step::Next),
            "return" => Term::Return,
            "continue" => return Some(Step::Next),
            "jump" | "goto" => {
                let target = v.get("target").and_then(Value::as_str).unwrap_or("");
                let key: Key = (c.family, c.table.clone(), target.to_string());
                let Some(sub) = self.rs.chains.get(&key) else {
                    return Some(Step::Next);
                };
                if depth >= MAX_DEPTH {
                    let why = format!("{} jumps deeper than {MAX_DEPTH} chains", where_(c, r));
                    return Some(verdict_under(Term::Accept, Cond::Unknown(why), seen));
                }
                let t = self.chain(sub, cond.clone(), seen, depth + 1);
                return Some(match (name, t) {
                    ("jump", Term::Return) => Step::Next,
                    // A goto's chain returns to our caller.
                    ("goto", Term::Return) if cond == Cond::Always => Step::End(Term::Return),
                    ("goto", Term::Return) => Step::Narrow(narrow(cond)),
                    (_, t) => Step::End(t),
                });
            }
            _ => return None,
        };
        Some(verdict_under(term, cond, seen))
    }
}

/// A verdict reached under `cond`: the end of the chain when it always holds, a note for
/// the final answer otherwise.
fn verdict_under(term: Term, cond: Cond, seen: &mut Seen) -> Step {
    {
        match cond {
            Cond::Never => Step::Next,
            Cond::Always => Step::End(term),
            Cond::Some(why) => {
                match term {
                    Term::Accept => seen.some_accepts.push(why.join(", ")),
                    Term::Dnat(to) => seen.some_dnats.push(format!("{} → {to}", why.join(", "))),
                    Term::Drop(_) => {}
                    Term::Return => return Step::Narrow(narrow(Cond::Some(why))),
                }
                Step::Next
            }
            Cond::Unknown(why) => {
                match term {
                    Term::Accept | Term::Dnat(_) => seen.unknown_accepts.push(why),
                    Term::Drop(_) => seen.unknown_drops.push(why),
                    Term::Return => return Step::Narrow(Cond::Unknown(why)),
                }
                Step::Next
            }
        }
    }
}

impl Eval<'_> {
    /// One `match` expression.
    fn matches(&self, c: &Chain, m: &Value) -> Cond {
        let op = m.get("op").and_then(Value::as_str).unwrap_or("==");
        let (Some(left), Some(right)) = (m.get("left"), m.get("right")) else {
            return Cond::Unknown("a match without operands".into());
        };
        let p = &self.probe;
        let vals = || self.values(c, right);
        let negate = op == "!=";
        let set_test = |hit: Option<bool>| -> Cond {
            match hit {
                None => Cond::Unknown(format!("a match on {} is not read here", describe(left))),
                Some(h) => Cond::from_bool(h != negate),
            }
        };
        if let Some(meta) = left.get("meta") {
            let key = meta.get("key").and_then(Value::as_str).unwrap_or("");
            return match key {
                "iif" | "iifname" => {
                    let names: Vec<String> = vals().iter().map(Elem::text).collect();
                    let only_lo = !names.is_empty() && names.iter().all(|n| n == "lo");
                    if negate {
                        Cond::Always
                    } else if only_lo {
                        Cond::Never
                    } else {
                        let names: Vec<&String> = names.iter().filter(|n| *n != "lo").collect();
                        Cond::Some(vec![format!(
                            "arriving on {}",
                            names
                                .iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )])
                    }
                }
                "l4proto" => set_test(proto_hit(&vals(), p.transport)),
                "nfproto" => set_test(Some(
                    vals()
                        .iter()
                        .any(|e| e.text() == if p.v6 { "ipv6" } else { "ipv4" }),
                )),
                "protocol" => set_test(Some(
                    vals()
                        .iter()
                        .any(|e| e.text() == if p.v6 { "ip6" } else { "ip" }),
                )),
                "pkttype" => set_test(Some(vals().iter().any(|e| e.text() == "host"))),
                _ => Cond::Unknown(format!("a match on meta {key} is not read here")),
            };
        }
        if let Some(pl) = left.get("payload") {
            let proto = pl.get("protocol").and_then(Value::as_str).unwrap_or("");
            let field = pl.get("field").and_then(Value::as_str).unwrap_or("");
            return match (proto, field) {
                ("tcp" | "udp", _) if proto != p.transport.as_str() => Cond::Never,
                ("tcp" | "udp" | "th", "dport") => set_test(port_hit(&vals(), op, p.port)),
                ("ip", _) if p.v6 => Cond::Never,
                ("ip6", _) if !p.v6 => Cond::Never,
                ("ip", "protocol") | ("ip6", "nexthdr") => {
                    set_test(proto_hit(&vals(), p.transport))
                }
                ("ip" | "ip6", "saddr") => {
                    let vs = vals();
                    let text: Vec<String> = vs.iter().map(Elem::text).collect();
                    if !vs.is_empty() && vs.iter().all(Elem::is_loopback) {
                        Cond::from_bool(negate)
                    } else if vs.iter().any(Elem::is_everything) {
                        Cond::from_bool(!negate)
                    } else {
                        let named = right.as_str().filter(|s| s.starts_with('@'));
                        let list = match named {
                            Some(n) if text.len() > 3 => n.to_string(),
                            Some(n) => format!("{n} ({})", text.join(", ")),
                            None => text.join(", "),
                        };
                        Cond::Some(vec![if negate {
                            format!("from anywhere but {list}")
                        } else {
                            format!("from {list}")
                        }])
                    }
                }
                ("ip" | "ip6", "daddr") => match p.daddr {
                    Some(d) => set_test(Some(vals().iter().any(|e| e.contains_ip(d)))),
                    None => {
                        let text: Vec<String> = vals().iter().map(Elem::text).collect();
                        Cond::Some(vec![format!("sent to {}", text.join(", "))])
                    }
                },
                ("tcp" | "udp" | "th", "sport") => {
                    Cond::Some(vec!["from some source ports".to_string()])
                }
                ("icmp" | "icmpv6" | "sctp" | "dccp" | "esp" | "ah" | "igmp", _) => Cond::Never,
                _ => Cond::Unknown(format!("a match on {proto} {field} is not read here")),
            };
        }
        if let Some(ct) = left.get("ct") {
            let key = ct.get("key").and_then(Value::as_str).unwrap_or("");
            return match key {
                "state" => set_test(Some(vals().iter().any(|e| e.text() == "new"))),
                _ => Cond::Unknown(format!("a match on ct {key} is not read here")),
            };
        }
        if let Some(fib) = left.get("fib") {
            let result = fib.get("result").and_then(Value::as_str).unwrap_or("");
            let flags: Vec<&str> = fib
                .get("flags")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if result == "type" && flags == ["daddr"] {
                return set_test(Some(vals().iter().any(|e| e.text() == "local")));
            }
        }
        Cond::Unknown(format!("a match on {} is not read here", describe(left)))
    }

    /// The right-hand side as a list of elements (named sets looked up).
    fn values(&self, c: &Chain, right: &Value) -> Vec<Elem> {
        let mut out = Vec::new();
        let mut push = |v: &Value| collect(v, &mut out);
        match right {
            Value::String(s) if s.starts_with('@') => {
                let key = (c.family, c.table.clone(), s[1..].to_string());
                for e in self.rs.sets.get(&key).into_iter().flatten() {
                    push(e);
                }
            }
            Value::Object(o) if o.contains_key("set") => {
                for e in o["set"].as_array().into_iter().flatten() {
                    push(e);
                }
            }
            Value::Array(a) => a.iter().for_each(push),
            v => push(v),
        }
        out
    }
}

/// What one rule does to the walk of its chain.
enum Step {
    /// Carry on with the next rule.
    Next,
    /// The chain ends here.
    End(Term),
    /// Some packets left the chain (a conditional `return`): the rest continue under this
    /// guard.
    Narrow(Cond),
}

/// After a conditional return, the packets that stay are the ones the condition missed.
fn narrow(c: Cond) -> Cond {
    match c {
        Cond::Some(why) => Cond::Some(why.into_iter().map(|w| format!("unless {w}")).collect()),
        other => other,
    }
}

/// One element of a set or a right-hand side.
#[derive(Debug, Clone)]
enum Elem {
    Num(u64),
    Text(String),
    Range(u64, u64),
    Prefix(IpAddr, u8),
    Other(String),
}

impl Elem {
    fn text(&self) -> String {
        match self {
            Elem::Num(n) => n.to_string(),
            Elem::Text(s) | Elem::Other(s) => s.clone(),
            Elem::Range(a, b) => format!("{a}-{b}"),
            Elem::Prefix(a, l) => format!("{a}/{l}"),
        }
    }

    fn ip(&self) -> Option<(IpAddr, u8)> {
        match self {
            Elem::Text(s) => s.parse::<IpAddr>().ok().map(|a| {
                let l = if a.is_ipv4() { 32 } else { 128 };
                (a, l)
            }),
            Elem::Prefix(a, l) => Some((*a, *l)),
            _ => None,
        }
    }

    fn is_loopback(&self) -> bool {
        self.ip()
            .is_some_and(|(a, l)| a.is_loopback() && (if a.is_ipv4() { l >= 8 } else { l == 128 }))
    }

    fn is_everything(&self) -> bool {
        self.ip().is_some_and(|(_, l)| l == 0)
    }

    fn contains_ip(&self, ip: IpAddr) -> bool {
        let Some((net, len)) = self.ip() else {
            return false;
        };
        match (net, ip) {
            (IpAddr::V4(n), IpAddr::V4(i)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(len.min(32)))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(i) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(i)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(len.min(128)))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(i) & mask
            }
            _ => false,
        }
    }
}

fn collect(v: &Value, out: &mut Vec<Elem>) {
    match v {
        Value::Number(n) => out.push(n.as_u64().map_or(Elem::Other(n.to_string()), Elem::Num)),
        Value::String(s) => out.push(Elem::Text(s.clone())),
        Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
        Value::Object(o) => {
            if let Some(r) = o.get("range").and_then(Value::as_array) {
                if let (Some(a), Some(b)) = (
                    r.first().and_then(Value::as_u64),
                    r.get(1).and_then(Value::as_u64),
                ) {
                    out.push(Elem::Range(a, b));
                    return;
                }
            }
            if let Some(p) = o.get("prefix") {
                let addr = p
                    .get("addr")
                    .and_then(Value::as_str)
                    .and_then(|a| a.parse().ok());
                let len = p.get("len").and_then(Value::as_u64);
                if let (Some(a), Some(l)) = (addr, len) {
                    out.push(Elem::Prefix(a, l.min(128) as u8));
                    return;
                }
            }
            if let Some(e) = o.get("elem") {
                collect(e.get("val").unwrap_or(e), out);
                return;
            }
            out.push(Elem::Other(v.to_string()));
        }
        other => out.push(Elem::Other(other.to_string())),
    }
}

/// Whether the port matches; `None` when an element cannot be read.
fn port_hit(vals: &[Elem], op: &str, port: u16) -> Option<bool> {
    let port = u64::from(port);
    let first = || match vals.first() {
        Some(Elem::Num(n)) => Some(*n),
        _ => None,
    };
    match op {
        "<" => return first().map(|n| port < n),
        ">" => return first().map(|n| port > n),
        "<=" => return first().map(|n| port <= n),
        ">=" => return first().map(|n| port >= n),
        _ => {}
    }
    let mut hit = false;
    for v in vals {
        match v {
            Elem::Num(n) => hit |= *n == port,
            Elem::Range(a, b) => hit |= (*a..=*b).contains(&port),
            Elem::Text(s) => hit |= s.parse::<u64>().ok()? == port,
            _ => return None,
        }
    }
    Some(hit)
}

fn proto_hit(vals: &[Elem], t: Transport) -> Option<bool> {
    let (name, num) = match t {
        Transport::Tcp => ("tcp", 6),
        Transport::Udp => ("udp", 17),
    };
    Some(vals.iter().any(|v| match v {
        Elem::Num(n) => *n == num,
        other => other.text() == name,
    }))
}

fn blocker(c: &Chain, r: Option<&Rule>) -> Blocker {
    Blocker {
        family: c.family.as_str().to_string(),
        table: c.table.clone(),
        chain: c.name.clone(),
        handle: r.map(|r| r.handle),
        comment: r.and_then(|r| r.comment.clone()),
        reject: false,
        action: None,
    }
}

fn where_(c: &Chain, r: &Rule) -> String {
    format!(
        "rule #{} of {} {} {}",
        r.handle,
        c.family.as_str(),
        c.table,
        c.name
    )
}

fn describe(left: &Value) -> String {
    left.as_object()
        .and_then(|o| o.iter().next())
        .map(|(k, v)| {
            let inner = v
                .as_object()
                .map(|o| {
                    o.values()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default();
            format!("{k} {inner}").trim().to_string()
        })
        .unwrap_or_else(|| "an expression".into())
}

fn dnat_target(v: &Value) -> String {
    let addr = v.get("addr").map(|a| match a {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    let port = v.get("port").map(|p| p.to_string());
    match (addr, port) {
        (Some(a), Some(p)) if a.contains(':') => format!("[{a}]:{p}"),
        (Some(a), Some(p)) => format!("{a}:{p}"),
        (Some(a), None) => a,
        (None, Some(p)) => format!("port {p}"),
        (None, None) => "another address".into(),
    }
}
