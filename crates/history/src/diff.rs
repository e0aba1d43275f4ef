//! The difference between two snapshots, as `ndiff` gives it for scans: `+` what appeared,
//! `-` what went, `~` what changed (owner, product/version, state, exposure, reach,
//! severity). Listeners are paired by protocol and port, findings by id, scanned hosts by
//! address (never by name) and their ports by protocol and port. Pure: no I/O.

use crate::model::{Body, FindingRec, Host, Listener, Meta, PortRec};
use serde::Serialize;
use std::collections::BTreeMap;

/// How an item changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sign {
    /// Only in the new snapshot.
    Added,
    /// Only in the old one.
    Removed,
    /// In both, different.
    Changed,
}

impl Sign {
    /// `+`, `-` or `~`.
    pub fn symbol(self) -> char {
        match self {
            Sign::Added => '+',
            Sign::Removed => '-',
            Sign::Changed => '~',
        }
    }
}

/// What an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Section {
    /// A listening door.
    Listener,
    /// An audit finding.
    Finding,
    /// A scanned host.
    Host,
    /// A scanned port.
    Port,
}

/// One field that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    /// Its name (`owner`, `product`, `state`…).
    pub name: &'static str,
    /// Before (empty: none).
    pub old: String,
    /// After.
    pub new: String,
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// What it is.
    pub section: Section,
    /// `+`, `-`, `~`.
    pub sign: Sign,
    /// The host, for scan results.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// `tcp/8080`, a finding id, or a host address.
    pub key: String,
    /// A short description of the item (program, service, severity…), from the side
    /// that has it (the new one when both do).
    pub label: String,
    /// For `~`: what changed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
}

/// The whole difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// The old side.
    pub old: Meta,
    /// The new side.
    pub new: Meta,
    /// The differences, in a stable order.
    pub items: Vec<Item>,
}

impl Diff {
    /// Whether the two sides are the same.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

fn field(out: &mut Vec<Field>, name: &'static str, old: String, new: String) {
    if old != new {
        out.push(Field { name, old, new });
    }
}

fn owner(l: &Listener) -> String {
    match (&l.program, &l.user) {
        (Some(p), Some(u)) => format!("{p} ({u})"),
        (Some(p), None) => p.clone(),
        (None, Some(u)) => format!("({u})"),
        (None, None) => String::new(),
    }
}

fn listener_label(l: &Listener) -> String {
    let mut parts = Vec::new();
    let o = owner(l);
    if !o.is_empty() {
        parts.push(o);
    }
    if let Some(p) = &l.product {
        parts.push(p.clone());
    }
    parts.push(l.exposure.clone());
    if let Some(r) = &l.risk {
        parts.push(r.clone());
    }
    parts.join(" · ")
}

fn finding_label(f: &FindingRec) -> String {
    let mut parts = vec![f.severity.clone(), f.kind.clone()];
    if let Some(p) = f.product.as_ref().or(f.service.as_ref()) {
        parts.push(p.clone());
    }
    parts.join(" · ")
}

fn port_label(p: &PortRec) -> String {
    let mut parts = vec![p.state.clone()];
    parts.extend(p.service.clone());
    let pv: Vec<String> = [p.product.clone(), p.version.clone()]
        .into_iter()
        .flatten()
        .collect();
    if !pv.is_empty() {
        parts.push(pv.join(" "));
    }
    parts.join(" · ")
}

/// Pairs `old` and `new` by key, calling `each` with the pair (either side may be absent).
fn pair<T, K: Ord>(
    old: &[T],
    new: &[T],
    key: impl Fn(&T) -> K,
    mut each: impl FnMut(Option<&T>, Option<&T>),
) {
    let mut m: BTreeMap<K, (Option<&T>, Option<&T>)> = BTreeMap::new();
    for o in old {
        m.entry(key(o)).or_default().0 = Some(o);
    }
    for n in new {
        m.entry(key(n)).or_default().1 = Some(n);
    }
    for (_, (o, n)) in m {
        each(o, n);
    }
}

fn listeners(old: &[Listener], new: &[Listener], items: &mut Vec<Item>) {
    pair(
        old,
        new,
        |l| (l.proto.clone(), l.port),
        |o, n| {
            let (sign, l, fields) = match (o, n) {
                (None, Some(n)) => (Sign::Added, n, Vec::new()),
                (Some(o), None) => (Sign::Removed, o, Vec::new()),
                (Some(o), Some(n)) => {
                    let mut f = Vec::new();
                    field(&mut f, "owner", owner(o), owner(n));
                    field(&mut f, "product", opt(&o.product), opt(&n.product));
                    field(&mut f, "exposure", o.exposure.clone(), n.exposure.clone());
                    field(&mut f, "addresses", o.addrs.join(","), n.addrs.join(","));
                    field(&mut f, "reach", opt(&o.reach), opt(&n.reach));
                    field(&mut f, "severity", opt(&o.risk), opt(&n.risk));
                    if f.is_empty() {
                        return;
                    }
                    (Sign::Changed, n, f)
                }
                (None, None) => return,
            };
            items.push(Item {
                section: Section::Listener,
                sign,
                host: None,
                key: l.key(),
                label: listener_label(l),
                fields,
            });
        },
    );
}

fn findings(old: &[FindingRec], new: &[FindingRec], items: &mut Vec<Item>) {
    pair(
        old,
        new,
        |f| f.id.clone(),
        |o, n| {
            let (sign, f, fields) = match (o, n) {
                (None, Some(n)) => (Sign::Added, n, Vec::new()),
                (Some(o), None) => (Sign::Removed, o, Vec::new()),
                (Some(o), Some(n)) => {
                    let mut f = Vec::new();
                    field(&mut f, "severity", o.severity.clone(), n.severity.clone());
                    field(&mut f, "exposure", o.exposure.clone(), n.exposure.clone());
                    field(&mut f, "product", opt(&o.product), opt(&n.product));
                    field(&mut f, "owner", opt(&o.program), opt(&n.program));
                    field(&mut f, "reach", opt(&o.reach), opt(&n.reach));
                    if f.is_empty() {
                        return;
                    }
                    (Sign::Changed, n, f)
                }
                (None, None) => return,
            };
            items.push(Item {
                section: Section::Finding,
                sign,
                host: None,
                key: f.id.clone(),
                label: finding_label(f),
                fields,
            });
        },
    );
}

fn hosts(old: &[Host], new: &[Host], items: &mut Vec<Item>) {
    let empty: Vec<PortRec> = Vec::new();
    pair(
        old,
        new,
        |h| h.addr.clone(),
        |o, n| {
            let Some(h) = n.or(o) else { return };
            let mut host_fields = Vec::new();
            let sign = match (o, n) {
                (None, Some(_)) => Some(Sign::Added),
                (Some(_), None) => Some(Sign::Removed),
                (Some(o), Some(n)) => {
                    field(
                        &mut host_fields,
                        "status",
                        o.status.clone(),
                        n.status.clone(),
                    );
                    field(
                        &mut host_fields,
                        "hostname",
                        opt(&o.hostname),
                        opt(&n.hostname),
                    );
                    (!host_fields.is_empty()).then_some(Sign::Changed)
                }
                (None, None) => None,
            };
            if let Some(sign) = sign {
                items.push(Item {
                    section: Section::Host,
                    sign,
                    host: None,
                    key: h.addr.clone(),
                    label: [Some(h.status.clone()), h.hostname.clone()]
                        .into_iter()
                        .flatten()
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(" · "),
                    fields: host_fields,
                });
            }
            let op = o.map_or(&empty, |h| &h.ports);
            let np = n.map_or(&empty, |h| &h.ports);
            pair(
                op,
                np,
                |p| (p.proto.clone(), p.port),
                |a, b| {
                    let (sign, p, fields) = match (a, b) {
                        (None, Some(b)) => (Sign::Added, b, Vec::new()),
                        (Some(a), None) => (Sign::Removed, a, Vec::new()),
                        (Some(a), Some(b)) => {
                            let mut f = Vec::new();
                            field(&mut f, "state", a.state.clone(), b.state.clone());
                            // A port table's guess is not news (nmap and portwarden guess
                            // differently); what a service said is.
                            if !a.guessed && !b.guessed {
                                field(&mut f, "service", opt(&a.service), opt(&b.service));
                            }
                            field(&mut f, "product", opt(&a.product), opt(&b.product));
                            field(&mut f, "version", opt(&a.version), opt(&b.version));
                            if f.is_empty() {
                                return;
                            }
                            (Sign::Changed, b, f)
                        }
                        (None, None) => return,
                    };
                    items.push(Item {
                        section: Section::Port,
                        sign,
                        host: Some(h.addr.clone()),
                        key: p.key(),
                        label: port_label(p),
                        fields,
                    });
                },
            );
        },
    );
}

/// The difference from `old` to `new`.
pub fn diff(old_meta: &Meta, old: &Body, new_meta: &Meta, new: &Body) -> Diff {
    let mut items = Vec::new();
    listeners(&old.listeners, &new.listeners, &mut items);
    findings(&old.findings, &new.findings, &mut items);
    hosts(&old.scanned_hosts(), &new.scanned_hosts(), &mut items);
    Diff {
        old: old_meta.clone(),
        new: new_meta.clone(),
        items,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Kind;

    fn meta(id: i64) -> Meta {
        Meta {
            id,
            at: "2026-12-01T00:00:00Z".into(),
            host: "h".into(),
            command: "portwarden audit".into(),
            kind: Kind::Audit,
            target: "local".into(),
        }
    }

    fn l(port: u16, program: &str) -> Listener {
        Listener {
            proto: "tcp".into(),
            port,
            addrs: vec!["0.0.0.0".into()],
            exposure: "all".into(),
            program: Some(program.into()),
            ..Listener::default()
        }
    }

    #[test]
    fn same_is_empty() {
        let b = Body {
            listeners: vec![l(22, "sshd")],
            ..Body::default()
        };
        assert!(diff(&meta(1), &b, &meta(2), &b).is_empty());
    }

    #[test]
    fn added_removed_changed() {
        let old = Body {
            listeners: vec![l(22, "sshd"), l(80, "nginx")],
            findings: vec![FindingRec {
                id: "exposed-service:tcp/6379".into(),
                severity: "medium".into(),
                ..FindingRec::default()
            }],
            ..Body::default()
        };
        let mut new = Body {
            listeners: vec![l(22, "dropbear"), l(8080, "python3")],
            findings: old.findings.clone(),
            ..Body::default()
        };
        new.findings[0].severity = "high".into();
        let d = diff(&meta(1), &old, &meta(2), &new);
        let got: Vec<(char, &str)> = d
            .items
            .iter()
            .map(|i| (i.sign.symbol(), i.key.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ('~', "tcp/22"),
                ('-', "tcp/80"),
                ('+', "tcp/8080"),
                ('~', "exposed-service:tcp/6379")
            ]
        );
        assert_eq!(d.items[0].fields[0].name, "owner");
        assert_eq!(d.items[3].fields[0].new, "high");
    }

    #[test]
    fn hosts_pair_by_address_not_name() {
        let h = |addr: &str, name: &str, state: &str| Host {
            addr: addr.into(),
            hostname: Some(name.into()),
            status: "up".into(),
            ports: vec![PortRec {
                proto: "tcp".into(),
                port: 22,
                state: state.into(),
                ..PortRec::default()
            }],
        };
        let old = Body {
            hosts: vec![h("198.18.0.1", "a", "open"), h("198.18.0.2", "b", "open")],
            ..Body::default()
        };
        // Names swapped: still the same hosts; one port closed.
        let new = Body {
            hosts: vec![h("198.18.0.1", "b", "open"), h("198.18.0.2", "a", "closed")],
            ..Body::default()
        };
        let d = diff(&meta(0), &old, &meta(0), &new);
        let ports: Vec<&Item> = d
            .items
            .iter()
            .filter(|i| i.section == Section::Port)
            .collect();
        assert_eq!(ports.len(), 1);
        assert_eq!(ports[0].host.as_deref(), Some("198.18.0.2"));
        assert_eq!(ports[0].fields[0].new, "closed");
        let new_host = Body {
            hosts: vec![h("198.18.0.3", "c", "open")],
            ..Body::default()
        };
        let d = diff(&meta(0), &Body::default(), &meta(0), &new_host);
        assert_eq!(d.items[0].section, Section::Host);
        assert_eq!(d.items[1].sign, Sign::Added);
    }

    #[test]
    fn a_guessed_service_name_is_not_a_change() {
        let port = |service: &str, guessed: bool| Body {
            hosts: vec![Host {
                addr: "127.0.0.1".into(),
                status: "up".into(),
                ports: vec![PortRec {
                    proto: "tcp".into(),
                    port: 8080,
                    state: "open".into(),
                    service: Some(service.into()),
                    guessed,
                    ..PortRec::default()
                }],
                ..Host::default()
            }],
            ..Body::default()
        };
        let m = meta(0);
        assert!(diff(&m, &port("http-proxy", true), &m, &port("http-alt", true)).is_empty());
        let d = diff(&m, &port("http", false), &m, &port("ssh", false));
        assert_eq!(d.items[0].fields[0].name, "service");
    }
}
