//! `portwarden ls`: the socket table, CSV and JSON.

use crate::sanitize::terminal;
use crate::Style;
use portwarden_sockets::{Exposure, Inventory, Ownership, RawSocket, Reach, SocketEntry};
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

/// "1234/nginx" for the owners of a row (sanitized), or a marker when unknown. On
/// Windows the services a process hosts follow its name (`900/svchost.exe (RpcEptMapper,
/// RpcSs)`): which of svchost's services holds a port is what fport users asked.
pub fn owner(inv: &Inventory, e: &SocketEntry, st: &Style) -> String {
    let services = inv.source == portwarden_sockets::Source::IpHelper;
    match e.ownership {
        Ownership::Known => e
            .pids
            .iter()
            .map(|p| {
                let info = inv.processes.get(p);
                let name = info.map(|i| terminal(&i.name)).unwrap_or_default();
                match info.and_then(|i| i.unit.as_deref()).filter(|_| services) {
                    Some(s) => format!("{p}/{name} ({})", terminal(s)),
                    None => format!("{p}/{name}"),
                }
            })
            .collect::<Vec<_>>()
            .join(","),
        Ownership::Hidden => st.text("ls-root").to_string(),
        // The system named no owner (Windows' pid 0): unknown, not "System Idle".
        Ownership::Unknown => "?".into(),
        Ownership::None | Ownership::NotAsked => "-".into(),
    }
}

fn exposure_label(x: Exposure, st: &Style) -> String {
    match x {
        Exposure::All => st.paint("1;33", st.text("ls-all")),
        Exposure::Specific => st.text("ls-addr").to_string(),
        Exposure::Loopback => st.dim(st.text("ls-lo")),
    }
}

/// The name of a socket's uid, or the number when the system knows no name.
fn user_of(inv: &Inventory, uid: u32) -> String {
    if inv.source == portwarden_sockets::Source::IpHelper {
        // Windows' tables carry no socket owner uid: only a process's user says.
        return "-".into();
    }
    inv.users
        .get(&uid)
        .cloned()
        .unwrap_or_else(|| uid.to_string())
}

/// The firewall column: what the ruleset lets in, in a word.
pub fn reach_label(r: &Reach, st: &Style) -> (String, String) {
    let (text, colour) = match r {
        Reach::Loopback => (st.text("ls-dash"), ""),
        Reach::Open => (st.text("ls-open"), "1;33"),
        Reach::Limited { .. } => (st.text("ls-limited"), ""),
        Reach::Blocked { by } if by.is_portwarden() => (st.text("ls-closed-pw"), "32"),
        Reach::Blocked { .. } => (st.text("ls-blocked"), "32"),
        Reach::Forwarded { .. } => (st.text("ls-forwarded"), "1;33"),
        Reach::Unknown { .. } => (st.text("ls-question"), ""),
    };
    let shown = if colour.is_empty() {
        text.to_string()
    } else {
        st.paint(colour, text)
    };
    (text.to_string(), shown)
}

/// The firewall's answer for one listener, spelled out: who gets in, what stops it.
pub fn reach_detail(r: &Reach) -> String {
    match r {
        Reach::Limited { from } => terminal(&from.join("; ")),
        Reach::Blocked { by } => terminal(&by.describe()),
        Reach::Forwarded { to } => terminal(to),
        Reach::Unknown { why } => terminal(why),
        Reach::Loopback | Reach::Open => String::new(),
    }
}

/// Cells of one row: (plain text for measuring, text as shown with colour).
type Cells = Vec<(String, String)>;

/// Column widths: the widest cell per column, then shrunk to fit `width` (0 = no limit)
/// by taking from the widest shrinkable column above its minimum, so addresses and states
/// are cut last or not at all.
fn fit_widths(mut w: Vec<usize>, width: usize, shrink: &[(usize, usize)]) -> Vec<usize> {
    if width > 0 {
        let total = |w: &[usize]| w.iter().sum::<usize>() + 2 * w.len().saturating_sub(1);
        while total(&w) > width {
            let pick = shrink
                .iter()
                .filter(|(c, min)| w.get(*c).is_some_and(|v| v > min))
                .max_by_key(|(c, min)| w[*c] - min)
                .map(|(c, _)| *c);
            match pick {
                Some(c) => w[c] -= 1,
                None => break,
            }
        }
    }
    w
}

/// Appends one padded row to `out`, cutting cells wider than their column with "…".
fn write_row(out: &mut String, row: &Cells, w: &[usize]) {
    use unicode_width::UnicodeWidthStr;
    let start = out.len();
    for (c, (plain, shown)) in row.iter().enumerate() {
        let cw = plain.width();
        let col = w.get(c).copied().unwrap_or(cw);
        if c > 0 {
            out.push_str("  ");
        }
        if cw > col {
            let mut acc = 0;
            for ch in plain.chars() {
                let chw = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
                if acc + chw + 1 > col {
                    break;
                }
                acc += chw;
                out.push(ch);
            }
            out.push('…');
            out.extend(std::iter::repeat_n(' ', col.saturating_sub(acc + 1)));
        } else {
            out.push_str(shown);
            out.extend(std::iter::repeat_n(' ', col - cw));
        }
    }
    let trimmed = out[start..].trim_end().len();
    out.truncate(start + trimmed);
    out.push('\n');
}

/// Renders the table. With `watching` (`--watch`) every row starts with a mark column,
/// so refreshes with and without changes line up: `new` flags rows that appeared since the
/// last refresh (`+`); `gone` are rows that disappeared, shown dimmed at the end (`-`). Rows are formatted twice
/// (once to measure, once to write) instead of being held in memory: a listing of 100k
/// sockets stays small.
pub fn table(
    inv: &Inventory,
    rows: &[&SocketEntry],
    gone: &[RawSocket],
    new: &HashSet<(u64, std::net::SocketAddr, std::net::SocketAddr)>,
    watching: bool,
    st: &Style,
) -> String {
    use unicode_width::UnicodeWidthStr;
    let watching = watching || !new.is_empty() || !gone.is_empty();
    // The firewall column appears only when the ruleset was read.
    let fw_col = rows.iter().any(|e| e.reach.is_some());
    // The container column only when some owner runs in one.
    let container_of = |e: &SocketEntry| {
        e.pids
            .first()
            .and_then(|p| inv.processes.get(p))
            .and_then(|p| p.container.as_ref())
    };
    let ctr_col = rows.iter().any(|e| container_of(e).is_some());
    let plain = |s: String| (s.clone(), s);
    let header = || -> Cells {
        let mut h = vec![];
        if watching {
            h.push(plain(" ".into()));
        }
        for t in [
            st.text("ls-proto"),
            st.text("ls-local"),
            st.text("ls-remote"),
            st.text("ls-state"),
            st.text("ls-pid-program"),
            st.text("ls-user"),
            st.text("ls-service"),
            st.text("ls-risk"),
            st.text("ls-exposure"),
        ] {
            h.push((t.to_string(), st.bold(t)));
        }
        if fw_col {
            let t = st.text("ls-firewall");
            h.push((t.to_string(), st.bold(t)));
        }
        if ctr_col {
            let t = portwarden_i18n::text(st.lang, "ls-container-column");
            h.push((t.clone(), st.bold(&t)));
        }
        h
    };
    let entry_row = |e: &SocketEntry| -> Cells {
        let s = &e.socket;
        let mut row = Vec::with_capacity(10);
        if watching {
            let k = (s.inode, s.local, s.remote);
            row.push(if new.contains(&k) {
                ("+".to_string(), st.paint("32", "+"))
            } else {
                plain(" ".into())
            });
        }
        let user = e
            .pids
            .first()
            .and_then(|p| inv.processes.get(p))
            .and_then(|p| p.user.clone())
            .unwrap_or_else(|| user_of(inv, s.uid));
        let v6 = if s.local.is_ipv6() { "6" } else { "" };
        let risk = e.risk.map_or(plain("-".into()), |r| {
            (r.label(st.lang).to_string(), st.risk(r))
        });
        let exposure = if s.is_listening() {
            let label = match e.exposure {
                Exposure::All => st.text("ls-all"),
                Exposure::Specific => st.text("ls-addr"),
                Exposure::Loopback => st.text("ls-lo"),
            };
            (label.to_string(), exposure_label(e.exposure, st))
        } else {
            plain(String::new())
        };
        row.extend([
            plain(format!("{}{}", s.transport, v6)),
            plain(addr(&s.local)),
            plain(remote(s)),
            plain(s.state.ss_name().to_string()),
            plain(owner(inv, e, st)),
            plain(terminal(&user)),
            plain(e.service.unwrap_or("-").to_string()),
            risk,
            exposure,
        ]);
        if fw_col {
            row.push(
                e.reach
                    .as_ref()
                    .map_or(plain(String::new()), |r| reach_label(r, st)),
            );
        }
        if ctr_col {
            // Its image, else the runtime and the id `docker ps` shows.
            row.push(plain(container_of(e).map_or_else(String::new, |c| {
                terminal(
                    &c.image
                        .clone()
                        .unwrap_or_else(|| format!("{} {}", c.runtime, c.short_id())),
                )
            })));
        }
        row
    };
    let gone_row = |s: &RawSocket| -> Cells {
        let v6 = if s.local.is_ipv6() { "6" } else { "" };
        let dim = |x: String| (x.clone(), st.dim(&x));
        vec![
            ("-".to_string(), st.paint("31", "-")),
            dim(format!("{}{}", s.transport, v6)),
            dim(addr(&s.local)),
            dim(remote(s)),
            dim(st.text("ls-gone").to_string()),
        ]
    };
    // Pass 1: measure.
    let ncol = 9 + usize::from(watching) + usize::from(fw_col) + usize::from(ctr_col);
    let mut w = vec![0usize; ncol];
    let mut measure = |r: &Cells| {
        for (c, (p, _)) in r.iter().enumerate() {
            if let Some(x) = w.get_mut(c) {
                *x = (*x).max(p.width());
            }
        }
    };
    measure(&header());
    for e in rows {
        measure(&entry_row(e));
    }
    for g in gone {
        measure(&gone_row(g));
    }
    // Column indices: proto, local, remote, state, process, user, service, risk, exposure.
    let o = usize::from(watching);
    let mut shrink = vec![
        (4 + o, 12),
        (6 + o, 8),
        (5 + o, 5),
        (2 + o, 12),
        (1 + o, 14),
    ];
    if ctr_col {
        shrink.push((ncol - 1, 12));
    }
    let w = fit_widths(w, st.width, &shrink);
    // Pass 2: write.
    let mut out = String::with_capacity((rows.len() + 1) * (w.iter().sum::<usize>() + 20));
    write_row(&mut out, &header(), &w);
    for e in rows {
        write_row(&mut out, &entry_row(e), &w);
    }
    for g in gone {
        write_row(&mut out, &gone_row(g), &w);
    }
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
    /// Container id of the first owner (12 digits).
    pub container: String,
    /// Its container runtime (`docker`, `podman`, `containerd`, `cri-o`).
    pub runtime: String,
    /// Its container's image, when readable (sanitized).
    pub image: String,
    /// Service (IANA name).
    pub service: String,
    /// Curated risk.
    pub risk: String,
    /// loopback / address / all.
    pub exposure: &'a str,
    /// What the firewall lets in (listeners, when the ruleset was read): open, limited,
    /// blocked, forwarded, unknown, local.
    pub firewall: &'a str,
    /// Who gets in, what blocks it, or why it is unknown.
    pub firewall_detail: String,
    /// Whether the socket is a listener.
    pub listening: bool,
    /// Socket inode.
    pub inode: u64,
}

/// Converts entries to export rows.
pub fn rows<'a>(inv: &'a Inventory, entries: &'a [&'a SocketEntry]) -> Vec<Row<'a>> {
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
                cmdline: p
                    .map(|p| terminal(&p.cmdline.join(" ")))
                    .unwrap_or_default(),
                user: p
                    .and_then(|p| p.user.as_deref().map(terminal))
                    .unwrap_or_else(|| terminal(&user_of(inv, s.uid))),
                unit: p
                    .and_then(|p| p.unit.as_deref().map(terminal))
                    .unwrap_or_default(),
                container: p
                    .and_then(|p| p.container.as_ref().map(|c| terminal(c.short_id())))
                    .unwrap_or_default(),
                runtime: p
                    .and_then(|p| p.container.as_ref().map(|c| terminal(&c.runtime)))
                    .unwrap_or_default(),
                image: p
                    .and_then(|p| p.container.as_ref()?.image.as_deref().map(terminal))
                    .unwrap_or_default(),
                service: e.service.unwrap_or_default().to_string(),
                risk: e.risk.map(|r| r.as_str().to_string()).unwrap_or_default(),
                exposure: e.exposure.as_str(),
                firewall: e.reach.as_ref().map_or("", Reach::word),
                firewall_detail: e.reach.as_ref().map(reach_detail).unwrap_or_default(),
                listening: s.is_listening(),
                inode: s.inode,
            }
        })
        .collect()
}

/// JSON array of rows.
pub fn json(inv: &Inventory, entries: &[&SocketEntry]) -> String {
    serde_json::to_string_pretty(&rows(inv, entries)).unwrap_or_else(|_| "[]".into())
}

/// CSV with a header line. Cells are neutralised against formula injection
/// ([`crate::sanitize::csv_cell`]) unless `raw`.
pub fn csv(inv: &Inventory, entries: &[&SocketEntry], raw: bool) -> String {
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
        "runtime",
        "image",
        "service",
        "risk",
        "exposure",
        "firewall",
        "firewall_detail",
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
        let cells = [
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
            r.runtime,
            r.image,
            r.service,
            r.risk,
            r.exposure.to_string(),
            r.firewall.to_string(),
            r.firewall_detail,
            r.listening.to_string(),
            r.inode.to_string(),
        ];
        let _ = w.write_record(cells.iter().map(|c| crate::sanitize::csv_cell(c, raw)));
    }
    w.into_inner()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use portwarden_kb::Lang;
    use portwarden_sockets::{
        join, Blocker, ProcTable, ProcessInfo, SockState, SortKey, Source, Transport,
    };

    fn sock(t: Transport, local: &str, remote: &str, state: SockState, inode: u64) -> RawSocket {
        RawSocket {
            transport: t,
            local: local.parse().expect("addr"),
            remote: remote.parse().expect("addr"),
            state,
            uid: 0,
            inode,
            recv_q: 0,
            send_q: 0,
            interface: 0,
        }
    }

    /// Five sockets: an exposed telnet blocked by portwarden, redis on loopback, sshd off
    /// its port and open, an outbound connection, and a listener whose process gave
    /// itself a hostile name (escape sequence, bidi override, formula).
    fn fixture() -> Inventory {
        let raw = vec![
            sock(
                Transport::Tcp,
                "0.0.0.0:23",
                "0.0.0.0:0",
                SockState::Listen,
                1,
            ),
            sock(
                Transport::Tcp,
                "127.0.0.1:6379",
                "0.0.0.0:0",
                SockState::Listen,
                2,
            ),
            sock(Transport::Tcp, "[::]:2222", "[::]:0", SockState::Listen, 3),
            sock(
                Transport::Tcp,
                "198.18.0.5:40112",
                "198.18.0.9:443",
                SockState::Established,
                4,
            ),
            sock(
                Transport::Udp,
                "0.0.0.0:31337",
                "0.0.0.0:0",
                SockState::Unconn,
                5,
            ),
        ];
        let mut p = ProcTable::default();
        for (inode, pid, name, user) in [
            (1u64, 100u32, "inetd", "root"),
            (2, 200, "redis-server", "redis"),
            (3, 300, "sshd", "root"),
            (4, 400, "curl", "alice"),
            (
                5,
                500,
                "=cmd|' /C calc'!A0\u{1b}]0;pwned\u{7}\u{202e}",
                "mallory",
            ),
        ] {
            p.by_inode.insert(inode, vec![pid]);
            p.processes.insert(
                pid,
                ProcessInfo {
                    pid,
                    name: name.into(),
                    user: Some(user.into()),
                    cmdline: vec![name.into()],
                    ..Default::default()
                },
            );
        }
        // Owners in containers: redis from an image docker named (with an escape in it),
        // sshd in a podman container whose files were not readable.
        let ctr = |runtime: &str, id: char, image: Option<&str>| portwarden_sockets::Container {
            runtime: runtime.into(),
            id: id.to_string().repeat(64),
            image: image.map(str::to_string),
            ..Default::default()
        };
        if let Some(r) = p.processes.get_mut(&200) {
            r.container = Some(ctr("docker", 'a', Some("redis:7\u{1b}[2J")));
        }
        if let Some(r) = p.processes.get_mut(&300) {
            r.container = Some(ctr("podman", 'b', None));
        }
        let mut inv = join(raw, Source::Fake, Some(p));
        for e in &mut inv.sockets {
            e.reach = match e.socket.local.port() {
                23 => Some(Reach::Blocked {
                    by: Box::new(Blocker {
                        family: "inet".into(),
                        table: "portwarden".into(),
                        chain: "input".into(),
                        handle: Some(4),
                        comment: Some("portwarden:23:tcp:drop:x".into()),
                        reject: false,
                        action: Some(1),
                    }),
                }),
                6379 => Some(Reach::Loopback),
                2222 => Some(Reach::Limited {
                    from: vec!["from 198.18.0.0/15".into()],
                }),
                31337 => Some(Reach::Open),
                _ => None,
            };
        }
        // As the binary does: the firewall first, then the audit's judgement.
        portwarden_audit::annotate(&mut inv, &portwarden_audit::Context::default());
        inv
    }

    fn style(lang: Lang) -> Style {
        Style {
            lang,
            ..Style::default()
        }
    }

    #[test]
    fn table_snapshots_in_both_languages() {
        let inv = fixture();
        let rows = portwarden_sockets::Filter::default().apply(&inv, SortKey::Port);
        for (name, lang) in [("ls_table_en", Lang::En), ("ls_table_zh", Lang::Zh)] {
            let out = table(&inv, &rows, &[], &HashSet::new(), false, &style(lang));
            assert!(
                !out.contains('\u{1b}'),
                "no raw escape reaches the terminal"
            );
            insta::assert_snapshot!(name, out);
        }
    }

    #[test]
    fn windows_owners_name_their_services_and_pid_zero_is_unknown() {
        use portwarden_sockets::{annotate, Listing, OwnedSocket, Ownership};
        let mut processes = std::collections::HashMap::new();
        processes.insert(
            900,
            ProcessInfo {
                pid: 900,
                name: "svchost.exe".into(),
                unit: Some("RpcEptMapper, RpcSs\u{1b}[2J".into()),
                ..Default::default()
            },
        );
        let own = |s, pids: Vec<u32>, ownership| OwnedSocket {
            socket: s,
            pids,
            ownership,
        };
        let inv = annotate(Listing {
            sockets: vec![
                own(
                    sock(
                        Transport::Tcp,
                        "0.0.0.0:135",
                        "0.0.0.0:0",
                        SockState::Listen,
                        0,
                    ),
                    vec![900],
                    Ownership::Known,
                ),
                own(
                    sock(
                        Transport::Tcp,
                        "0.0.0.0:8080",
                        "0.0.0.0:0",
                        SockState::Listen,
                        0,
                    ),
                    vec![],
                    Ownership::Unknown,
                ),
            ],
            processes,
            source: Source::IpHelper,
            unreadable: 0,
        });
        let st = style(Lang::En);
        let svc = owner(&inv, &inv.sockets[0], &st);
        assert!(
            svc.starts_with("900/svchost.exe (RpcEptMapper, RpcSs"),
            "{svc}"
        );
        assert!(!svc.contains('\u{1b}'), "{svc}");
        assert_eq!(owner(&inv, &inv.sockets[1], &st), "?");
        // No uid on Windows: the user is the process's, else none (not "0").
        assert_eq!(user_of(&inv, 0), "-");
        // Linux's units stay out of the owner column.
        let mut linux = inv.clone();
        linux.source = Source::Netlink;
        assert_eq!(owner(&linux, &linux.sockets[0], &st), "900/svchost.exe");
    }

    #[test]
    fn watch_marks_keep_columns_in_place() {
        let inv = fixture();
        let rows = portwarden_sockets::Filter::default().apply(&inv, SortKey::Port);
        let quiet = table(&inv, &rows, &[], &HashSet::new(), true, &style(Lang::En));
        let s = &rows[0].socket;
        let new: HashSet<_> = [(s.inode, s.local, s.remote)].into_iter().collect();
        let marked = table(&inv, &rows, &[], &new, true, &style(Lang::En));
        // The header is the same with and without a change, and every row keeps its width.
        assert_eq!(quiet.lines().next(), marked.lines().next());
        assert!(marked.lines().nth(1).is_some_and(|l| l.starts_with('+')));
        insta::assert_snapshot!("ls_table_watch", marked);
        let marked_zh = table(&inv, &rows, &[], &new, true, &style(Lang::Zh));
        insta::assert_snapshot!("ls_table_watch_zh", marked_zh);
    }

    #[test]
    fn csv_and_json_snapshots() {
        let inv = fixture();
        let rows = portwarden_sockets::Filter::default().apply(&inv, SortKey::Port);
        insta::assert_snapshot!("ls_csv", csv(&inv, &rows, false));
        insta::assert_snapshot!("ls_json", json(&inv, &rows));
    }
}
