//! The rows of the socket table, built from an inventory, and the diff between two
//! refreshes that colours them as TCPView does: new rows green, rows that went away red
//! for a few seconds, rows whose state changed yellow.

use portwarden_kb::Risk;
use portwarden_report::sanitize::terminal;
use portwarden_sockets::{Inventory, Ownership, SockState, SocketEntry, Transport};
use std::collections::HashMap;
use std::net::SocketAddr;

/// How long a new, changed or gone row keeps its colour (seconds).
pub const HOLD: f64 = 3.0;

/// What identifies one row from one refresh to the next: transport and both ends (a
/// socket that goes from ESTAB to TIME-WAIT is the same row, changed).
pub type Key = (Transport, SocketAddr, SocketAddr);

/// One socket, as the table shows it. Plain data; names are already made safe for a
/// terminal.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// TCP or UDP.
    pub proto: Transport,
    /// Local end.
    pub local: SocketAddr,
    /// Remote end.
    pub remote: SocketAddr,
    /// State.
    pub state: SockState,
    /// A listener (TCP LISTEN, unconnected UDP).
    pub listening: bool,
    /// First owning pid.
    pub pid: Option<u32>,
    /// Its program name (terminal-safe); empty when unknown.
    pub program: String,
    /// Whether the owner is known, none or hidden.
    pub ownership: Ownership,
    /// Owner user name (or uid).
    pub user: String,
    /// Service name (the product's when the audit knows the program).
    pub service: String,
    /// Risk of this host's port.
    pub risk: Option<Risk>,
    /// What the firewall lets in (`open`, `blocked`…) when known, else the binding
    /// (`loopback`, `address`, `all`).
    pub exposure: String,
    /// Bytes received (tcp_info), when known.
    pub bytes_in: Option<u64>,
    /// Bytes sent and acknowledged (tcp_info), when known.
    pub bytes_out: Option<u64>,
    /// Bytes per second received since the last refresh.
    pub rate_in: Option<f64>,
    /// Bytes per second sent since the last refresh.
    pub rate_out: Option<f64>,
}

impl Row {
    /// The row's identity.
    pub fn key(&self) -> Key {
        (self.proto, self.local, self.remote)
    }

    /// Whether either end is a loopback address.
    pub fn is_loopback(&self) -> bool {
        let lo = |a: &SocketAddr| match a.ip() {
            std::net::IpAddr::V6(v6) => v6
                .to_ipv4_mapped()
                .map_or(v6.is_loopback(), |v4| v4.is_loopback()),
            ip => ip.is_loopback(),
        };
        lo(&self.local)
    }

    /// `program/pid`, `-` when nobody holds it, `?` when the owner is hidden.
    pub fn owner_label(&self) -> String {
        match (self.pid, self.ownership) {
            (Some(pid), _) => format!("{pid}/{}", self.program),
            (None, Ownership::Hidden | Ownership::Unknown) => "?".into(),
            _ => "-".into(),
        }
    }
}

/// Builds one row per socket of the inventory.
pub fn rows(inv: &Inventory) -> Vec<Row> {
    inv.sockets.iter().map(|e| row(inv, e)).collect()
}

fn row(inv: &Inventory, e: &SocketEntry) -> Row {
    let p = inv.process(e);
    let user = p
        .and_then(|p| p.user.clone())
        .or_else(|| inv.users.get(&e.socket.uid).cloned())
        .unwrap_or_else(|| e.socket.uid.to_string());
    Row {
        proto: e.socket.transport,
        local: e.socket.local,
        remote: e.socket.remote,
        state: e.socket.state,
        listening: e.socket.is_listening(),
        pid: e.pids.first().copied(),
        program: p.map(|p| terminal(&p.name)).unwrap_or_default(),
        ownership: e.ownership,
        user: terminal(&user),
        service: e.service.unwrap_or_default().to_string(),
        risk: e.risk,
        exposure: e
            .reach
            .as_ref()
            .map_or(e.exposure.as_str(), |r| r.word())
            .to_string(),
        bytes_in: e.traffic.as_ref().map(|t| t.bytes_received),
        bytes_out: e.traffic.as_ref().map(|t| t.bytes_acked),
        rate_in: None,
        rate_out: None,
    }
}

/// How a row differs from the refresh before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// As before.
    Steady,
    /// Appeared (green).
    New,
    /// Its state changed (yellow).
    Changed,
    /// Went away (red, then removed).
    Gone,
}

/// A row with its mark and when the mark was set.
#[derive(Debug, Clone, PartialEq)]
pub struct Tracked {
    /// The row.
    pub row: Row,
    /// Its mark.
    pub mark: Mark,
    /// When the mark was set (seconds on the injected clock).
    pub since: f64,
}

/// The rows across refreshes, with their marks.
#[derive(Debug, Clone, Default)]
pub struct Tracker {
    rows: Vec<Tracked>,
    seen_once: bool,
    last: Option<f64>,
}

impl Tracker {
    /// The rows, in the order of the last refresh (gone rows where they were).
    pub fn rows(&self) -> &[Tracked] {
        &self.rows
    }

    /// Takes a fresh list of rows at time `now`. The first list marks nothing; later ones
    /// mark what appeared, changed state or went away, and compute byte rates.
    pub fn update(&mut self, fresh: Vec<Row>, now: f64) {
        let dt = self.last.map(|t| now - t).filter(|d| *d > 0.0);
        let mut old: HashMap<Key, Tracked> = HashMap::new();
        let mut order: Vec<Key> = Vec::new();
        for t in self.rows.drain(..) {
            let k = t.row.key();
            order.push(k);
            old.insert(k, t);
        }
        let mut out: Vec<Tracked> = Vec::with_capacity(fresh.len());
        let mut present = std::collections::HashSet::new();
        for mut row in fresh {
            let k = row.key();
            if !present.insert(k) {
                continue; // one row per key (SO_REUSEPORT twins look alike)
            }
            let (mark, since) = match old.get(&k) {
                None if self.seen_once => (Mark::New, now),
                None => (Mark::Steady, now),
                Some(prev) if prev.mark == Mark::Gone => (Mark::New, now),
                Some(prev) if prev.row.state != row.state => (Mark::Changed, now),
                Some(prev) => (prev.mark, prev.since),
            };
            if let (Some(prev), Some(dt)) = (old.get(&k), dt) {
                let rate = |a: Option<u64>, b: Option<u64>| match (a, b) {
                    (Some(a), Some(b)) if b >= a => Some((b - a) as f64 / dt),
                    _ => None,
                };
                row.rate_in = rate(prev.row.bytes_in, row.bytes_in);
                row.rate_out = rate(prev.row.bytes_out, row.bytes_out);
            }
            out.push(Tracked { row, mark, since });
        }
        for k in order {
            if present.contains(&k) {
                continue;
            }
            if let Some(mut t) = old.remove(&k) {
                if t.mark != Mark::Gone {
                    t.mark = Mark::Gone;
                    t.since = now;
                    t.row.rate_in = None;
                    t.row.rate_out = None;
                }
                out.push(t);
            }
        }
        self.rows = out;
        self.seen_once = true;
        self.last = Some(now);
        self.expire(now);
    }

    /// Ends marks older than [`HOLD`]: new and changed rows turn steady, gone rows leave.
    pub fn expire(&mut self, now: f64) {
        self.rows
            .retain(|t| !(t.mark == Mark::Gone && now - t.since >= HOLD));
        for t in &mut self.rows {
            if matches!(t.mark, Mark::New | Mark::Changed) && now - t.since >= HOLD {
                t.mark = Mark::Steady;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(local: &str, remote: &str, state: SockState) -> Row {
        Row {
            proto: Transport::Tcp,
            local: local.parse().expect("addr"),
            remote: remote.parse().expect("addr"),
            state,
            listening: state == SockState::Listen,
            pid: None,
            program: String::new(),
            ownership: Ownership::None,
            user: "0".into(),
            service: String::new(),
            risk: None,
            exposure: "all".into(),
            bytes_in: None,
            bytes_out: None,
            rate_in: None,
            rate_out: None,
        }
    }

    fn marks(t: &Tracker) -> Vec<(u16, Mark)> {
        t.rows()
            .iter()
            .map(|t| (t.row.local.port(), t.mark))
            .collect()
    }

    #[test]
    fn first_refresh_marks_nothing() {
        let mut t = Tracker::default();
        t.update(vec![r("0.0.0.0:22", "0.0.0.0:0", SockState::Listen)], 0.0);
        assert_eq!(marks(&t), vec![(22, Mark::Steady)]);
    }

    #[test]
    fn new_changed_and_gone_rows_are_marked() {
        let mut t = Tracker::default();
        let est = r("10.0.0.1:40000", "10.0.0.2:80", SockState::Established);
        t.update(
            vec![r("0.0.0.0:22", "0.0.0.0:0", SockState::Listen), est.clone()],
            0.0,
        );
        let tw = Row {
            state: SockState::TimeWait,
            ..est
        };
        t.update(
            vec![tw, r("0.0.0.0:80", "0.0.0.0:0", SockState::Listen)],
            1.0,
        );
        assert_eq!(
            marks(&t),
            vec![(40000, Mark::Changed), (80, Mark::New), (22, Mark::Gone)]
        );
    }

    #[test]
    fn gone_rows_expire_and_marks_fade() {
        let mut t = Tracker::default();
        t.update(vec![r("0.0.0.0:22", "0.0.0.0:0", SockState::Listen)], 0.0);
        t.update(vec![r("0.0.0.0:80", "0.0.0.0:0", SockState::Listen)], 1.0);
        t.expire(1.0 + HOLD - 0.5);
        assert_eq!(marks(&t), vec![(80, Mark::New), (22, Mark::Gone)]);
        t.expire(1.0 + HOLD);
        assert_eq!(marks(&t), vec![(80, Mark::Steady)]);
        // Still gone at the next refresh: it does not come back.
        t.update(vec![r("0.0.0.0:80", "0.0.0.0:0", SockState::Listen)], 5.0);
        assert_eq!(marks(&t), vec![(80, Mark::Steady)]);
    }

    #[test]
    fn a_gone_row_that_returns_is_new() {
        let mut t = Tracker::default();
        t.update(vec![r("0.0.0.0:22", "0.0.0.0:0", SockState::Listen)], 0.0);
        t.update(vec![], 1.0);
        t.update(vec![r("0.0.0.0:22", "0.0.0.0:0", SockState::Listen)], 2.0);
        assert_eq!(marks(&t), vec![(22, Mark::New)]);
    }

    #[test]
    fn rates_come_from_byte_counters() {
        let mut t = Tracker::default();
        let mut a = r("10.0.0.1:40000", "10.0.0.2:80", SockState::Established);
        a.bytes_in = Some(1000);
        a.bytes_out = Some(10);
        t.update(vec![a.clone()], 0.0);
        a.bytes_in = Some(3000);
        a.bytes_out = Some(10);
        t.update(vec![a], 2.0);
        let row = &t.rows()[0].row;
        assert_eq!(row.rate_in, Some(1000.0));
        assert_eq!(row.rate_out, Some(0.0));
    }
}
