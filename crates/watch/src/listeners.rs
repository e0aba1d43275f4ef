//! Listener changes: which listeners are new or gone between two polls, and the row each
//! one becomes — owner, service, product, exposure, risk and the audit's verdict. Pure:
//! the caller polls (sock_diag with a listen-state filter) and walks /proc only when a
//! poll found new listeners.

use portwarden_sockets::{Inventory, RawSocket, Transport};
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;

/// What identifies one listener across polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// TCP or UDP.
    pub transport: Transport,
    /// Local address and port.
    pub local: SocketAddr,
    /// Socket inode (a listener closed and opened again is a new one).
    pub inode: u64,
}

impl Key {
    /// The key of a socket.
    pub fn of(s: &RawSocket) -> Key {
        Key {
            transport: s.transport,
            local: s.local,
            inode: s.inode,
        }
    }
}

/// The listeners known so far, each with the row it was reported with.
#[derive(Debug, Default)]
pub struct Tracker {
    known: HashMap<Key, Map<String, Value>>,
}

/// What one poll changed.
#[derive(Debug, Default)]
pub struct Change {
    /// Sockets that are new (to be annotated, then [`Tracker::insert`]ed).
    pub added: Vec<RawSocket>,
    /// Rows of listeners that went away.
    pub removed: Vec<Map<String, Value>>,
}

impl Tracker {
    /// Compares the current listeners with the known ones; forgets the gone ones.
    pub fn diff(&mut self, now: &[RawSocket]) -> Change {
        let keys: HashSet<Key> = now.iter().map(Key::of).collect();
        let mut gone: Vec<Key> = self
            .known
            .keys()
            .filter(|k| !keys.contains(k))
            .copied()
            .collect();
        gone.sort();
        let removed = gone.iter().filter_map(|k| self.known.remove(k)).collect();
        let mut seen = HashSet::new();
        let added = now
            .iter()
            .filter(|s| {
                let k = Key::of(s);
                !self.known.contains_key(&k) && seen.insert(k)
            })
            .cloned()
            .collect();
        Change { added, removed }
    }

    /// Remembers a listener with its row.
    pub fn insert(&mut self, key: Key, row: Map<String, Value>) {
        self.known.insert(key, row);
    }

    /// The (transport, port) pairs something listens on: a probe to one of them is a
    /// client, never a scan.
    pub fn ports(&self) -> HashSet<(Transport, u16)> {
        self.known
            .keys()
            .map(|k| (k.transport, k.local.port()))
            .collect()
    }

    /// Every known row, ordered by protocol, address and port.
    pub fn rows(&self) -> Vec<Map<String, Value>> {
        let mut keys: Vec<&Key> = self.known.keys().collect();
        keys.sort();
        keys.iter()
            .filter_map(|k| self.known.get(k))
            .cloned()
            .collect()
    }

    /// Ports of listeners whose program is `name` (sshd: its peers are never blocked).
    pub fn ports_of(&self, name: &str) -> Vec<u16> {
        self.known
            .iter()
            .filter(|(k, r)| k.transport == Transport::Tcp && r["process"] == name)
            .map(|(k, _)| k.local.port())
            .collect()
    }

    /// How many listeners are known.
    pub fn len(&self) -> usize {
        self.known.len()
    }

    /// Whether none are known.
    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }
}

/// The rows of the listeners in `inv` (already joined with their owners), judged by the
/// audit: product, risk and verdict come from the same place as `portwarden audit`'s.
pub fn rows(inv: &Inventory) -> Vec<(Key, Map<String, Value>)> {
    let audit = portwarden_audit::audit(inv);
    let by: HashMap<(Transport, u16), &portwarden_audit::Finding> = audit
        .findings
        .iter()
        .rev()
        .map(|f| ((f.transport, f.port), f))
        .collect();
    inv.sockets
        .iter()
        .filter(|e| e.socket.is_listening())
        .map(|e| {
            let s = &e.socket;
            let p = inv.process(e);
            let f = by.get(&(s.transport, s.local.port()));
            let backdoor = portwarden_kb::security(s.transport.protocol(), s.local.port())
                .is_some_and(|x| x.backdoor);
            let v = json!({
                "protocol": s.transport.as_str(),
                "family": if s.local.is_ipv4() { "ipv4" } else { "ipv6" },
                "address": s.local.ip().to_string(),
                "port": s.local.port(),
                "inode": s.inode,
                "uid": s.uid,
                "pid": e.pids.first(),
                "process": p.map(|p| p.name.clone()),
                "cmdline": p.map(|p| p.cmdline.join(" ")),
                "user": p.and_then(|p| p.user.clone()).or_else(|| inv.users.get(&s.uid).cloned()),
                "unit": p.and_then(|p| p.unit.clone()),
                "ownership": e.ownership,
                "service": f.and_then(|f| f.service.clone()).or(e.service.map(str::to_string)),
                "product": f.and_then(|f| f.product.as_ref()).map(|o| o.product),
                "exposure": e.exposure,
                "risk": f.map(|f| f.severity).or(e.risk),
                "verdict": f.map_or(json!("no-finding"), |f| json!(f.kind)),
                "malware": f.map(|f| f.malware.clone()).unwrap_or_default(),
                "backdoor_port": backdoor,
            });
            let row = match v {
                Value::Object(m) => m,
                _ => Map::new(),
            };
            (Key::of(s), row)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use portwarden_sockets::{ProcTable, ProcessInfo, SockState, Source};

    fn listen(t: Transport, local: &str, inode: u64) -> RawSocket {
        RawSocket {
            transport: t,
            local: local.parse().unwrap(),
            remote: "0.0.0.0:0".parse().unwrap(),
            state: if t == Transport::Tcp {
                SockState::Listen
            } else {
                SockState::Unconn
            },
            uid: 0,
            inode,
            recv_q: 0,
            send_q: 0,
            interface: 0,
        }
    }

    #[test]
    fn added_then_removed() {
        let mut t = Tracker::default();
        let a = listen(Transport::Tcp, "0.0.0.0:22", 1);
        let b = listen(Transport::Tcp, "0.0.0.0:31337", 2);
        let c = t.diff(std::slice::from_ref(&a));
        assert_eq!(c.added.len(), 1);
        t.insert(Key::of(&a), Map::new());
        let c = t.diff(&[a.clone(), b.clone(), b.clone()]);
        assert_eq!(c.added, vec![b.clone()]);
        assert!(c.removed.is_empty());
        t.insert(Key::of(&b), Map::new());
        assert!(t.ports().contains(&(Transport::Tcp, 31337)));
        let c = t.diff(std::slice::from_ref(&b));
        assert!(c.added.is_empty());
        assert_eq!(c.removed.len(), 1);
        assert!(!t.ports().contains(&(Transport::Tcp, 22)));
        // Closed and opened again: a new inode, a new listener.
        let b2 = listen(Transport::Tcp, "0.0.0.0:31337", 3);
        let c = t.diff(&[b2]);
        assert_eq!((c.added.len(), c.removed.len()), (1, 1));
    }

    #[test]
    fn rows_carry_owner_and_verdict() {
        let mut procs = ProcTable::default();
        procs.by_inode.insert(7, vec![42]);
        procs.processes.insert(
            42,
            ProcessInfo {
                pid: 42,
                name: "x\u{1b}[2J".into(),
                ..Default::default()
            },
        );
        let inv = portwarden_sockets::join(
            vec![listen(Transport::Tcp, "0.0.0.0:31337", 7)],
            Source::Fake,
            Some(procs),
        );
        let r = rows(&inv);
        assert_eq!(r.len(), 1);
        let row = &r[0].1;
        assert_eq!(row["port"], 31337);
        assert_eq!(row["pid"], 42);
        assert_eq!(row["exposure"], "all");
        assert_eq!(row["backdoor_port"], true);
        assert_eq!(row["verdict"], "backdoor-port");
        assert!(row["risk"].is_string());
    }
}
