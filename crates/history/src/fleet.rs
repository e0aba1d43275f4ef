//! Questions about many hosts sharing one store: which listeners the fleet has (by
//! product, exposure, host), what changed where since a time, and the hosts ordered by
//! risk. Pure: the binary picks and loads the snapshots ([`newest_per_host`],
//! [`change_pairs`] say which), these functions answer from them.

use crate::diff::{self, Diff};
use crate::model::{Body, Kind, Listener, Meta};
use serde::Serialize;
use std::collections::BTreeMap;

/// What the selection needs to know of a stored snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowRef {
    /// Its id.
    pub id: i64,
    /// The host: its machine id, else its host name.
    pub host_key: String,
    /// audit, ls or scan.
    pub kind: String,
    /// What it looked at.
    pub target: String,
    /// When.
    pub at_unix: i64,
}

/// The key a host is known by: its machine id, or its name for snapshots saved before
/// host identity was kept.
pub fn host_key(host_id: &str, host: &str) -> String {
    if host_id.is_empty() {
        host.to_string()
    } else {
        host_id.to_string()
    }
}

/// The newest audit of every host and target (an `ls` snapshot where a host has no
/// audit of that target), by id, oldest first.
pub fn newest_per_host(rows: &[RowRef]) -> Vec<i64> {
    let mut best: BTreeMap<(&str, &str), &RowRef> = BTreeMap::new();
    let rank = |r: &RowRef| (r.kind == "audit", r.at_unix, r.id);
    for r in rows.iter().filter(|r| r.kind == "audit" || r.kind == "ls") {
        let k = (r.host_key.as_str(), r.target.as_str());
        if best.get(&k).is_none_or(|b| rank(r) > rank(b)) {
            best.insert(k, r);
        }
    }
    let mut ids: Vec<i64> = best.values().map(|r| r.id).collect();
    ids.sort_unstable();
    ids
}

/// For every host, kind and target with a snapshot after `since`: the snapshot to
/// compare from (the newest taken at or before `since`, else the first one after it) and
/// the newest one. Pairs whose ends are the same snapshot are left out.
pub fn change_pairs(rows: &[RowRef], since: i64) -> Vec<(i64, i64)> {
    let mut groups: BTreeMap<(&str, &str, &str), Vec<&RowRef>> = BTreeMap::new();
    for r in rows {
        groups
            .entry((r.host_key.as_str(), r.kind.as_str(), r.target.as_str()))
            .or_default()
            .push(r);
    }
    let mut out = Vec::new();
    for mut g in groups.into_values() {
        g.sort_by_key(|r| (r.at_unix, r.id));
        let Some(newest) = g.last() else { continue };
        if newest.at_unix <= since {
            continue;
        }
        let from = g
            .iter()
            .rev()
            .find(|r| r.at_unix <= since)
            .or_else(|| g.iter().find(|r| r.at_unix > since));
        if let Some(from) = from {
            if from.id != newest.id {
                out.push((from.id, newest.id));
            }
        }
    }
    out.sort_unstable_by_key(|p| p.1);
    out
}

/// A loaded snapshot of one host.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The machine id (empty when not kept).
    pub host_id: String,
    /// Its name.
    pub host: String,
    /// Where and when.
    pub meta: Meta,
    /// What it saw.
    pub body: Body,
}

/// Which listeners `fleet listeners` shows.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// A product or program name (case-insensitive, part of the name matches).
    pub product: Option<String>,
    /// `all`, `specific`, `loopback`, or `public` (anything but loopback).
    pub exposure: Option<String>,
    /// A host id or name.
    pub host: Option<String>,
}

/// One listener of one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FleetListener {
    /// The machine id.
    pub host_id: String,
    /// The host name.
    pub host: String,
    /// What the snapshot looked at.
    pub target: String,
    /// The snapshot.
    pub snapshot: i64,
    /// When it was taken.
    pub at: String,
    /// The listener.
    #[serde(flatten)]
    pub listener: Listener,
}

fn matches_exposure(want: &str, have: &str) -> bool {
    match want {
        "public" => have != "loopback",
        "any" => true,
        w => w == have || (w == "specific" && have == "address"),
    }
}

/// The listeners of `entries` that `q` asks for, by host then port.
pub fn listeners(entries: &[Entry], q: &Query) -> Vec<FleetListener> {
    let product = q.product.as_ref().map(|p| p.to_lowercase());
    let mut out: Vec<FleetListener> = entries
        .iter()
        .filter(|e| {
            q.host
                .as_ref()
                .is_none_or(|h| *h == e.host_id || *h == e.host)
        })
        .flat_map(|e| {
            e.body.listeners.iter().map(move |l| FleetListener {
                host_id: e.host_id.clone(),
                host: e.host.clone(),
                target: e.meta.target.clone(),
                snapshot: e.meta.id,
                at: e.meta.at.clone(),
                listener: l.clone(),
            })
        })
        .filter(|f| {
            product.as_ref().is_none_or(|p| {
                [&f.listener.product, &f.listener.program]
                    .iter()
                    .any(|n| n.as_ref().is_some_and(|n| n.to_lowercase().contains(p)))
            })
        })
        .filter(|f| {
            q.exposure
                .as_ref()
                .is_none_or(|x| matches_exposure(x, &f.listener.exposure))
        })
        .collect();
    out.sort_by(|a, b| {
        (
            &a.host,
            &a.host_id,
            &a.target,
            &a.listener.proto,
            a.listener.port,
        )
            .cmp(&(
                &b.host,
                &b.host_id,
                &b.target,
                &b.listener.proto,
                b.listener.port,
            ))
    });
    out
}

/// A host's standing, from its newest audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostRisk {
    /// The machine id.
    pub host_id: String,
    /// Its name.
    pub host: String,
    /// When its newest snapshot was taken.
    pub at: String,
    /// What the snapshot looked at.
    pub target: String,
    /// Its listeners.
    pub listeners: usize,
    /// Listeners reachable from other hosts (not loopback).
    pub exposed: usize,
    /// Findings per severity: critical, high, medium, low, info.
    pub findings: [usize; 5],
    /// critical × 1000 + high × 100 + medium × 10 + low: orders hosts by their worst.
    pub score: u64,
}

/// Severity words, most severe first.
pub const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

/// The hosts, riskiest first (then by name).
pub fn hosts_by_risk(entries: &[Entry]) -> Vec<HostRisk> {
    let mut out: Vec<HostRisk> = entries
        .iter()
        .map(|e| {
            let mut findings = [0usize; 5];
            for f in &e.body.findings {
                if let Some(i) = SEVERITIES.iter().position(|s| *s == f.severity) {
                    findings[i] += 1;
                }
            }
            let w = [1000u64, 100, 10, 1, 0];
            let score = findings
                .iter()
                .zip(w)
                .map(|(n, w)| (*n as u64).saturating_mul(w))
                .sum();
            HostRisk {
                host_id: e.host_id.clone(),
                host: e.host.clone(),
                at: e.meta.at.clone(),
                target: e.meta.target.clone(),
                listeners: e.body.listeners.len(),
                exposed: e
                    .body
                    .listeners
                    .iter()
                    .filter(|l| l.exposure != "loopback")
                    .count(),
                findings,
                score,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| (&a.host, &a.host_id, &a.target).cmp(&(&b.host, &b.host_id, &b.target)))
    });
    out
}

/// What changed on one host.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostChange {
    /// The machine id.
    pub host_id: String,
    /// Its name.
    pub host: String,
    /// The difference.
    pub diff: Diff,
}

/// The changes of loaded pairs (old, new), leaving out pairs without a difference.
pub fn changes(pairs: &[(Entry, Entry)]) -> Vec<HostChange> {
    pairs
        .iter()
        .map(|(o, n)| HostChange {
            host_id: n.host_id.clone(),
            host: n.host.clone(),
            diff: diff::diff(&o.meta, &o.body, &n.meta, &n.body),
        })
        .filter(|c| !c.diff.is_empty())
        .collect()
}

/// Whether a kind is one whose listeners a fleet question reads.
pub fn is_listing(k: Kind) -> bool {
    matches!(k, Kind::Audit | Kind::Ls)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FindingRec;

    fn r(id: i64, host: &str, kind: &str, at: i64) -> RowRef {
        RowRef {
            id,
            host_key: host.into(),
            kind: kind.into(),
            target: "local".into(),
            at_unix: at,
        }
    }

    fn entry(id: i64, host_id: &str, host: &str, ls: &[(u16, &str, &str)], sev: &[&str]) -> Entry {
        Entry {
            host_id: host_id.into(),
            host: host.into(),
            meta: Meta {
                id,
                at: format!("t{id}"),
                host: host.into(),
                command: String::new(),
                kind: Kind::Audit,
                target: "local".into(),
            },
            body: Body {
                listeners: ls
                    .iter()
                    .map(|(port, exp, product)| Listener {
                        proto: "tcp".into(),
                        port: *port,
                        exposure: (*exp).into(),
                        product: (!product.is_empty()).then(|| (*product).into()),
                        ..Listener::default()
                    })
                    .collect(),
                findings: sev
                    .iter()
                    .map(|s| FindingRec {
                        severity: (*s).into(),
                        ..FindingRec::default()
                    })
                    .collect(),
                ..Body::default()
            },
        }
    }

    #[test]
    fn newest_audit_of_each_host_then_ls() {
        let rows = [
            r(1, "a", "audit", 10),
            r(2, "a", "audit", 20),
            r(3, "a", "ls", 30),
            r(4, "b", "ls", 5),
            r(5, "c", "scan", 50),
        ];
        assert_eq!(newest_per_host(&rows), [2, 4]);
    }

    #[test]
    fn pairs_since() {
        let rows = [
            r(1, "a", "audit", 10),
            r(2, "a", "audit", 20),
            r(3, "a", "audit", 30),
            r(4, "b", "audit", 25),
            r(5, "b", "audit", 26),
            r(6, "c", "audit", 5),
        ];
        // a: from the newest at or before 15 (1) to 3; b: from its first after 15 to 5;
        // c: nothing after 15.
        assert_eq!(change_pairs(&rows, 15), [(1, 3), (4, 5)]);
        assert!(change_pairs(&rows, 40).is_empty());
    }

    #[test]
    fn listeners_by_product_exposure_host_and_risk_order() {
        let es = [
            entry(
                1,
                "m1",
                "one",
                &[(6379, "all", "redis"), (22, "all", "openssh")],
                &["high"],
            ),
            entry(2, "m2", "two", &[(6379, "loopback", "Redis")], &[]),
            entry(
                3,
                "m3",
                "three",
                &[(80, "specific", "nginx")],
                &["critical", "low"],
            ),
        ];
        let q = |p: Option<&str>, x: Option<&str>, h: Option<&str>| Query {
            product: p.map(Into::into),
            exposure: x.map(Into::into),
            host: h.map(Into::into),
        };
        let hosts = |v: Vec<FleetListener>| v.into_iter().map(|f| f.host_id).collect::<Vec<_>>();
        assert_eq!(
            hosts(listeners(&es, &q(Some("redis"), None, None))),
            ["m1", "m2"]
        );
        assert_eq!(
            hosts(listeners(&es, &q(Some("redis"), Some("all"), None))),
            ["m1"]
        );
        assert_eq!(
            hosts(listeners(&es, &q(None, Some("public"), None))).len(),
            3
        );
        assert_eq!(hosts(listeners(&es, &q(None, None, Some("two")))), ["m2"]);
        let order: Vec<String> = hosts_by_risk(&es).into_iter().map(|h| h.host).collect();
        assert_eq!(order, ["three", "one", "two"]);
    }

    #[test]
    fn changes_leave_out_same() {
        let a = entry(1, "m1", "one", &[(22, "all", "")], &[]);
        let b = entry(
            2,
            "m1",
            "one",
            &[(22, "all", ""), (6379, "all", "redis")],
            &[],
        );
        let c = entry(3, "m2", "two", &[(22, "all", "")], &[]);
        let d = entry(4, "m2", "two", &[(22, "all", "")], &[]);
        let ch = changes(&[(a, b), (c, d)]);
        assert_eq!(ch.len(), 1);
        assert_eq!(ch[0].host_id, "m1");
        assert_eq!(ch[0].diff.items.len(), 1);
    }
}
