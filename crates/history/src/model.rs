//! What a snapshot keeps: the listeners (one per protocol and port, with owner, product,
//! exposure and firewall reach), the findings, and the scan results per host. Compact
//! JSON: empty and absent fields are left out, and every field is optional on reading,
//! so a snapshot written by another version still loads.

use portwarden_audit::{Audit, Finding};
use portwarden_sockets::Inventory;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// What command took a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `portwarden audit`.
    Audit,
    /// `portwarden ls`.
    Ls,
    /// `portwarden scan`.
    Scan,
}

impl Kind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Audit => "audit",
            Kind::Ls => "ls",
            Kind::Scan => "scan",
        }
    }

    /// Parses a stored or typed name.
    pub fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "audit" => Kind::Audit,
            "ls" => Kind::Ls,
            "scan" => Kind::Scan,
            _ => return None,
        })
    }
}

/// Where and when a snapshot was taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// Its id in the store (0 for a file).
    pub id: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// The host it was taken on.
    pub host: String,
    /// The command line.
    pub command: String,
    /// What took it.
    pub kind: Kind,
    /// What it looked at: `local`, `netns:NAME`, or the scan targets.
    pub target: String,
}

/// One listening door: a protocol and port, whatever addresses it is bound to.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Listener {
    /// tcp or udp.
    pub proto: String,
    /// The port.
    pub port: u16,
    /// Local addresses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addrs: Vec<String>,
    /// The widest exposure (loopback, specific, all).
    pub exposure: String,
    /// What the firewall lets in from other hosts, when the rules were read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reach: Option<String>,
    /// The owning program.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    /// Its user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The product the program is, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// Its systemd unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The audit's judgement of the door.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk: Option<String>,
}

impl Listener {
    /// `tcp/8080`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.proto, self.port)
    }
}

/// One finding, as much as a diff and a baseline need (the texts are the knowledge
/// base's and are rebuilt when a report is made).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FindingRec {
    /// Stable id: `KIND:PROTO/PORT` (`exposed-service:tcp/6379`).
    pub id: String,
    /// info … critical.
    pub severity: String,
    /// The finding's kind.
    pub kind: String,
    /// tcp or udp.
    pub proto: String,
    /// The port.
    pub port: u16,
    /// The widest exposure.
    pub exposure: String,
    /// The service name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The product behind it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// The owning program.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    /// What the firewall lets in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reach: Option<String>,
}

impl FindingRec {
    /// `tcp/6379`.
    pub fn port_key(&self) -> String {
        format!("{}/{}", self.proto, self.port)
    }
}

/// One scanned port.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PortRec {
    /// tcp or udp.
    pub proto: String,
    /// The port.
    pub port: u16,
    /// open, closed, filtered, open|filtered…
    pub state: String,
    /// Service name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Product.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// Version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The service name is only the port table's guess (nmap's `method="table"`), not
    /// what the service said: scanners guess differently, so a diff ignores it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub guessed: bool,
}

impl PortRec {
    /// `tcp/22`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.proto, self.port)
    }
}

/// One scanned host.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Host {
    /// Its address (hosts are paired by address, never by name).
    pub addr: String,
    /// Its name, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// up or down.
    pub status: String,
    /// Listed ports.
    pub ports: Vec<PortRec>,
}

/// What a snapshot saw.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Body {
    /// Listening doors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub listeners: Vec<Listener>,
    /// Findings (audit).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<FindingRec>,
    /// Hosts read from an XML file.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<Host>,
    /// The scan report's JSON as `scan --json` prints it (scan).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan: Option<Value>,
}

/// A snapshot: where, when, what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Where and when.
    pub meta: Meta,
    /// What.
    pub body: Body,
}

/// The stable id of a finding.
pub fn finding_id(f: &Finding) -> String {
    format!("{}:{}/{}", json_word(&f.kind), f.transport.as_str(), f.port)
}

/// A unit-like enum's serde name (`exposed-service`).
fn json_word<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// The findings of an audit, as kept.
pub fn findings(a: &Audit) -> Vec<FindingRec> {
    a.findings
        .iter()
        .map(|f| FindingRec {
            id: finding_id(f),
            severity: f.severity.as_str().to_string(),
            kind: json_word(&f.kind),
            proto: f.transport.as_str().to_string(),
            port: f.port,
            exposure: f.exposure.as_str().to_string(),
            service: f.service.clone(),
            product: f.product.as_ref().map(|p| p.product.to_string()),
            program: f
                .product
                .as_ref()
                .map(|p| p.program.clone())
                .or_else(|| f.processes.first().map(|(_, n)| n.clone())),
            reach: f.reach.as_ref().map(|r| r.word().to_string()),
        })
        .collect()
}

/// The listening doors of an inventory: one per protocol and port, with every address,
/// the widest exposure and reach, and the first owner that can be seen.
pub fn listeners(inv: &Inventory) -> Vec<Listener> {
    let mut doors: BTreeMap<(String, u16), Listener> = BTreeMap::new();
    for e in inv.sockets.iter().filter(|e| e.socket.is_listening()) {
        let proto = e.socket.transport.as_str().to_string();
        let port = e.socket.local.port();
        let d = doors
            .entry((proto.clone(), port))
            .or_insert_with(|| Listener {
                proto,
                port,
                exposure: e.exposure.as_str().to_string(),
                ..Listener::default()
            });
        let addr = e.socket.local.ip().to_string();
        if !d.addrs.contains(&addr) {
            d.addrs.push(addr);
        }
        if rank_exposure(e.exposure.as_str()) > rank_exposure(&d.exposure) {
            d.exposure = e.exposure.as_str().to_string();
        }
        if let Some(r) = &e.reach {
            let wider = d
                .reach
                .as_deref()
                .is_none_or(|old| rank_reach(r.word()) > rank_reach(old));
            if wider {
                d.reach = Some(r.word().to_string());
            }
        }
        if let Some(risk) = e.risk {
            if d.risk.as_deref().and_then(portwarden_kb::Risk::parse) < Some(risk) {
                d.risk = Some(risk.as_str().to_string());
            }
        }
        if d.program.is_none() {
            if let Some(p) = inv.process(e) {
                d.program = Some(p.name.clone());
                d.user = p.user.clone();
                d.unit = p.unit.clone();
                d.product =
                    portwarden_audit::products::identify(p).map(|m| m.product.name.to_string());
            }
        }
    }
    let mut out: Vec<Listener> = doors.into_values().collect();
    for d in &mut out {
        d.addrs.sort();
    }
    out
}

fn rank_exposure(s: &str) -> u8 {
    match s {
        "all" => 2,
        "specific" | "address" => 1,
        _ => 0,
    }
}

fn rank_reach(s: &str) -> u8 {
    match s {
        "open" => 5,
        "forwarded" => 4,
        "unknown" => 3,
        "limited" => 2,
        "blocked" => 1,
        _ => 0,
    }
}

/// The snapshot body of an audit.
pub fn audit_body(inv: &Inventory, a: &Audit) -> Body {
    Body {
        listeners: listeners(inv),
        findings: findings(a),
        ..Body::default()
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// The hosts of a scan report's JSON, read defensively: any field may be missing or of
/// another shape (the report model grows), and what cannot be read is left out.
pub fn hosts_from_scan_json(v: &Value) -> Vec<Host> {
    let Some(hosts) = v.get("hosts").and_then(Value::as_array) else {
        return Vec::new();
    };
    hosts
        .iter()
        .filter_map(|h| {
            let addr = text(h, "addr")?;
            let ports = h
                .get("ports")
                .and_then(Value::as_array)
                .map(|ps| {
                    ps.iter()
                        .filter_map(|p| {
                            let port = p.get("port").and_then(Value::as_u64)?;
                            let ident = p.get("identified").filter(|i| i.is_object());
                            let probed = ident.and_then(|i| text(i, "name"));
                            Some(PortRec {
                                guessed: probed.is_none(),
                                proto: text(p, "protocol").unwrap_or_else(|| "tcp".into()),
                                port: u16::try_from(port).ok()?,
                                state: text(p, "state").unwrap_or_default(),
                                service: probed.or_else(|| text(p, "service")),
                                product: text(p, "product")
                                    .or_else(|| ident.and_then(|i| text(i, "product"))),
                                version: text(p, "version")
                                    .or_else(|| ident.and_then(|i| text(i, "version"))),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            Some(Host {
                addr,
                hostname: text(h, "hostname"),
                status: text(h, "status").unwrap_or_default(),
                ports,
            })
        })
        .collect()
}

impl Body {
    /// The scanned hosts: read from an XML file, or from the saved scan report.
    pub fn scanned_hosts(&self) -> Vec<Host> {
        if !self.hosts.is_empty() {
            return self.hosts.clone();
        }
        self.scan
            .as_ref()
            .map(hosts_from_scan_json)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scan_json_is_read_defensively() {
        let v = json!({"hosts": [
            {"addr": "198.18.0.2", "status": "up", "ports": [
                {"port": 22, "protocol": "tcp", "state": "open",
                 "identified": {"name": "ssh", "product": "OpenSSH 9.2"}},
                {"port": 99999, "protocol": "tcp", "state": "open"},
                {"port": "x"},
                {"port": 80, "state": "open", "product": "nginx", "version": "1.22", "cpe": ["x"]}
            ]},
            {"status": "up"},
            "junk"
        ]});
        let h = hosts_from_scan_json(&v);
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].ports.len(), 2);
        assert_eq!(h[0].ports[0].product.as_deref(), Some("OpenSSH 9.2"));
        assert_eq!(h[0].ports[1].version.as_deref(), Some("1.22"));
        assert!(hosts_from_scan_json(&json!([1, 2])).is_empty());
    }

    #[test]
    fn bodies_round_trip_and_tolerate_unknown_fields() {
        let b: Body = serde_json::from_value(json!({
            "listeners": [{"proto": "tcp", "port": 22, "exposure": "all", "future": 1}],
            "extra": true
        }))
        .expect("body");
        assert_eq!(b.listeners[0].key(), "tcp/22");
        let again: Body =
            serde_json::from_str(&serde_json::to_string(&b).expect("json")).expect("body");
        assert_eq!(again, b);
    }
}
