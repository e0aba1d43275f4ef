//! `portwarden ls`: the socket table, CSV and JSON.

use crate::sanitize::terminal;
use crate::Style;
use portwarden_sockets::{Exposure, Inventory, Ownership, RawSocket, SocketEntry};
use serde::Serialize;
use std::collections::HashSet;

/// A mark for `--watch`: a socket that appeared or disappeared since the last refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// New since the last refresh.
    New,
    /// Gone since the last refresh.
    Gone,
}

fn addr(a: &std::net::SocketAddr) -> String {
    match a {
        std::net::SocketAddr::V4(v) => {
            if v.ip().is_unspecified() {
                format!("*:{}", v.port())
            } else {
                v.to_string()
            }
        }
        std::net::SocketAddr::V6(v) => {
            if v.ip().is_unspecified() {
                format!("[::]:{}", v.port())
            } else {
                format!("[{}]:{}", v.ip(), v.port())
            }
        }
    }
}

fn remote(s: &RawSocket) -> String {
    if s.remote.port() == 0 && s.remote.ip().is_unspecified() {
        "*".into()
    } else {
        addr(&s.remote)
    }
}

/// "1234/nginx" for the owners of a row (sanitized), or a marker when unknown.
pub fn owner(inv: &Inventory, e: &SocketEntry, st: &Style) -> String {
    match e.ownership {
        Ownership::Known => e
            .pids
            .iter()
            .map(|p| {
                let name = inv
                    .processes
                    .get(p)
                    .map(|i| terminal(&i.name))
                    .unwrap_or_default();
                format!("{p}/{name}")
            })
            .collect::<Vec<_>>()
            .join(","),
        Ownership::Hidden => st.t("? (root)", "?（需 root）").to_string(),
        Ownership::None | Ownership::NotAsked => "-".into(),
    }
}

fn exposure_label(x: Exposure, st: &Style) -> String {
    match x {
        Exposure::All => st.paint("1;33", st.t("ALL", "全部")),
        Exposure::Specific => st.t("addr", "地址").to_string(),
        Exposure::Loopback => st.dim(st.t("lo", "本机")),
    }
}

/// Renders the table. `marks` flags rows for `--watch`; `gone` are rows to show struck
/// out because they disappeared.
pub fn table(
    inv: &Inventory,
    rows: &[SocketEntry],
    gone: &[RawSocket],
    new: &HashSet<(u64, std::net::SocketAddr, std::net::SocketAddr)>,
    st: &Style,
) -> String {
    use comfy_table::{presets, ContentArrangement, Table};
    let mut t = Table::new();
    t.load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(u16::try_from(st.width).unwrap_or(u16::MAX));
    let watching = !new.is_empty() || !gone.is_empty();
    let mut header = vec![];
    if watching {
        header.push(" ".to_string());
    }
    header.extend(
        [
            st.t("Proto", "协议"),
            st.t("Local", "本地地址"),
            st.t("Remote", "远端地址"),
            st.t("State", "状态"),
            st.t("PID/Program", "进程"),
            st.t("User", "用户"),
            st.t("Service", "服务"),
            st.t("Risk", "风险"),
            st.t("Exposure", "暴露"),
        ]
        .iter()
        .map(|h| st.bold(h)),
    );
    t.set_header(header);
    for e in rows {
        let s = &e.socket;
        let mut row = vec![];
        if watching {
            let k = (s.inode, s.local, s.remote);
            row.push(if new.contains(&k) {
                st.paint("32", "+")
            } else {
                " ".into()
            });
        }
        let user = e
            .pids
            .first()
            .and_then(|p| inv.processes.get(p))
            .and_then(|p| p.user.clone())
            .unwrap_or_else(|| s.uid.to_string());
        let v6 = if s.local.is_ipv6() { "6" } else { "" };
        row.extend([
            format!("{}{}", s.transport, v6),
            addr(&s.local),
            remote(s),
            s.state.ss_name().to_string(),
            owner(inv, e, st),
            terminal(&user),
            e.service.unwrap_or("-").to_string(),
            e.risk.map_or("-".into(), |r| st.risk(r)),
            if s.is_listening() {
                exposure_label(e.exposure, st)
            } else {
                String::new()
            },
        ]);
        t.add_row(row);
    }
    for s in gone {
        let v6 = if s.local.is_ipv6() { "6" } else { "" };
        t.add_row(vec![
            st.paint("31", "-"),
            st.dim(&format!("{}{}", s.transport, v6)),
            st.dim(&addr(&s.local)),
            st.dim(&remote(s)),
            st.dim(st.t("gone", "已消失")),
        ]);
    }
    let mut out = t.to_string();
    // comfy-table pads every line; trailing spaces only cost width on a terminal.
    out = out
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n");
    out.push('\n');
    out
}

/// One row as exported to JSON and CSV.
#[derive(Debug, Serialize)]
pub struct Row<'a> {
    /// tcp or udp.
    pub proto: &'a str,
    /// 4 or 6.
    pub family: u8,
    /// Local address.
    pub local_addr: String,
    /// Local port.
    pub local_port: u16,
    /// Remote address.
    pub remote_addr: String,
    /// Remote port.
    pub remote_port: u16,
    /// ss state name.
    pub state: &'a str,
    /// Owning pids, space-separated in CSV.
    pub pids: Vec<u32>,
    /// Owning process name (first owner), sanitized.
    pub process: String,
    /// Command line of the first owner, sanitized.
    pub cmdline: String,
    /// User of the first owner, or the socket uid.
    pub user: String,
    /// systemd unit of the first owner.
    pub unit: String,
    /// Container id of the first owner.
    pub container: String,
    /// Service (IANA name).
    pub service: String,
    /// Curated risk.
    pub risk: String,
    /// loopback / address / all.
    pub exposure: &'a str,
    /// Whether the socket is a listener.
    pub listening: bool,
    /// Socket inode.
    pub inode: u64,
}

/// Converts entries to export rows.
pub fn rows<'a>(inv: &'a Inventory, entries: &'a [SocketEntry]) -> Vec<Row<'a>> {
    entries
        .iter()
        .map(|e| {
            let s = &e.socket;
            let p = inv.process(e);
            Row {
                proto: s.transport.as_str(),
                family: if s.local.is_ipv4() { 4 } else { 6 },
                local_addr: s.local.ip().to_string(),
                local_port: s.local.port(),
                remote_addr: s.remote.ip().to_string(),
                remote_port: s.remote.port(),
                state: s.state.ss_name(),
                pids: e.pids.clone(),
                process: p.map(|p| terminal(&p.name)).unwrap_or_default(),
                cmdline: p.map(|p| terminal(&p.cmdline.join(" "))).unwrap_or_default(),
                user: p
                    .and_then(|p| p.user.clone())
                    .unwrap_or_else(|| s.uid.to_string()),
                unit: p.and_then(|p| p.unit.clone()).unwrap_or_default(),
                container: p.and_then(|p| p.container.clone()).unwrap_or_default(),
                service: e.service.unwrap_or_default().to_string(),
                risk: e.risk.map(|r| r.as_str().to_string()).unwrap_or_default(),
                exposure: e.exposure.as_str(),
                listening: s.is_listening(),
                inode: s.inode,
            }
        })
        .collect()
}

/// JSON array of rows.
pub fn json(inv: &Inventory, entries: &[SocketEntry]) -> String {
    serde_json::to_string_pretty(&rows(inv, entries)).unwrap_or_else(|_| "[]".into())
}

/// CSV with a header line.
pub fn csv(inv: &Inventory, entries: &[SocketEntry]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "proto",
        "family",
        "local_addr",
        "local_port",
        "remote_addr",
        "remote_port",
        "state",
        "pids",
        "process",
        "cmdline",
        "user",
        "unit",
        "container",
        "service",
        "risk",
        "exposure",
        "listening",
        "inode",
    ]);
    for r in rows(inv, entries) {
        let pids = r
            .pids
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(" ");
        let _ = w.write_record([
            r.proto.to_string(),
            r.family.to_string(),
            r.local_addr,
            r.local_port.to_string(),
            r.remote_addr,
            r.remote_port.to_string(),
            r.state.to_string(),
            pids,
            r.process,
            r.cmdline,
            r.user,
            r.unit,
            r.container,
            r.service,
            r.risk,
            r.exposure.to_string(),
            r.listening.to_string(),
            r.inode.to_string(),
        ]);
    }
    w.into_inner()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}
