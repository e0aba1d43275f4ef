//! The local inventory: every TCP and UDP socket on this machine (IPv4 and IPv6), the
//! process that holds it, and what the knowledge base says about its port.
//!
//! OS access goes through the [`Backend`] trait, and the binary gets the backend of the
//! system it runs on from [`native`], never by naming a platform module. Each backend
//! returns sockets already joined to their owners ([`Listing`]): `linux` reads the kernel
//! over NETLINK_SOCK_DIAG (falling back to `/proc/net`) and joins socket inodes to the
//! fd tables of one `/proc` walk — its own business; `windows` reads the IP Helper tables,
//! which name the owning pid of every socket, and the Service Control Manager for the
//! services each pid hosts. [`collect`] annotates a listing from `portwarden-kb` into
//! plain [`SocketEntry`] values; [`Filter`] selects and sorts. Everything past the
//! backend is pure and tested with fakes. macOS: see `MACOS.md` beside this file.

pub mod container;
pub mod iphelper;
#[cfg(target_os = "linux")]
pub mod linux;
mod types;
#[cfg(windows)]
pub mod windows;

pub use types::*;

use portwarden_kb::{Annotation, Risk};
use serde::Serialize;
use std::collections::HashMap;

/// Socket inode → owners, and the owners: the Linux backend's join table (one `/proc`
/// walk), also what test fixtures build to give their sockets owners through [`join`].
#[derive(Debug, Default, Clone)]
pub struct ProcTable {
    /// Socket inode → pids that hold it (several after fork or fd passing).
    pub by_inode: HashMap<u64, Vec<u32>>,
    /// Processes that hold at least one socket.
    pub processes: HashMap<u32, ProcessInfo>,
    /// Processes whose fd table we were not allowed to read.
    pub unreadable: usize,
}

/// Why the inventory could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The system's socket tables could not be read.
    #[error("socket table: {0}")]
    Table(String),
}

/// What to ask the backend for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Transports to dump.
    pub transports: Vec<Transport>,
    /// IPv4 sockets.
    pub v4: bool,
    /// IPv6 sockets.
    pub v6: bool,
    /// Whether to map sockets to processes (the /proc walk).
    pub processes: bool,
}

impl Default for Request {
    fn default() -> Self {
        Request {
            transports: vec![Transport::Tcp, Transport::Udp],
            v4: true,
            v6: true,
            processes: true,
        }
    }
}

/// One socket and the processes that hold it, as a backend returns it.
#[derive(Debug, Clone)]
pub struct OwnedSocket {
    /// The kernel's view.
    pub socket: RawSocket,
    /// Pids that hold the socket (empty when none is known).
    pub pids: Vec<u32>,
    /// Whether the owner is known, and if not, why.
    pub ownership: Ownership,
}

/// Everything a backend read: sockets joined to their owners.
#[derive(Debug, Clone)]
pub struct Listing {
    /// The sockets with their owners.
    pub sockets: Vec<OwnedSocket>,
    /// The processes named in `sockets`, by pid.
    pub processes: HashMap<u32, ProcessInfo>,
    /// Where the sockets came from.
    pub source: Source,
    /// Processes that could not be inspected (non-root, non-administrator).
    pub unreadable: usize,
}

/// Every touchpoint with the operating system: a platform's sockets with their owners.
/// Implemented by each platform's backend (see [`native`]) and by fakes in tests.
pub trait Backend {
    /// The sockets asked for, each joined to the processes that hold it.
    fn list(&self, req: &Request) -> Result<Listing, Error>;
    /// The name of a user id, when the system knows one.
    fn user_name(&self, _uid: u32) -> Option<String> {
        None
    }
}

/// How the native backend reads (knobs a platform does not have are ignored).
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Linux: read `/proc/net` instead of sock_diag netlink.
    pub procfs: bool,
}

/// The backend of the system this runs on.
#[cfg(target_os = "linux")]
pub fn native(opts: &Options) -> Box<dyn Backend + Send + Sync> {
    Box::new(linux::Linux {
        force_procfs: opts.procfs,
        ..Default::default()
    })
}

/// The backend of the system this runs on.
#[cfg(windows)]
pub fn native(_opts: &Options) -> Box<dyn Backend + Send + Sync> {
    Box::new(windows::Windows)
}

/// The backend of the system this runs on: none yet here (macOS: see `MACOS.md`).
#[cfg(not(any(target_os = "linux", windows)))]
pub fn native(_opts: &Options) -> Box<dyn Backend + Send + Sync> {
    Box::new(Unsupported)
}

/// A platform without a socket backend: every read fails with one clear line.
#[cfg(not(any(target_os = "linux", windows)))]
#[derive(Debug, Clone, Copy)]
pub struct Unsupported;

#[cfg(not(any(target_os = "linux", windows)))]
impl Backend for Unsupported {
    fn list(&self, _: &Request) -> Result<Listing, Error> {
        Err(Error::Table(format!(
            "no socket backend for {} yet",
            std::env::consts::OS
        )))
    }
}

/// The ephemeral (dynamic) port range this system gives outgoing connections: Linux's
/// `ip_local_port_range`, Windows' dynamic port range (`netsh int ipv4 show dynamicport
/// tcp`); `None` when it cannot be read.
pub fn ephemeral_range() -> Option<portwarden_kb::EphemeralRange> {
    #[cfg(target_os = "linux")]
    return linux::ephemeral_range();
    #[cfg(windows)]
    return windows::ephemeral_range();
    #[cfg(not(any(target_os = "linux", windows)))]
    None
}

/// Whether the owner of a socket is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ownership {
    /// Found in some process's fd table.
    Known,
    /// No process holds it (TIME-WAIT, request sockets, orphans).
    None,
    /// Not found, but some fd tables were unreadable: run as root to see it.
    Hidden,
    /// Processes were not looked up.
    NotAsked,
    /// The system's table names no owner for a socket that should have one (Windows
    /// reports pid 0, the System Idle Process, when it does not say: under Wine always).
    Unknown,
}

/// One socket with its owners and annotation: a row of `portwarden ls`.
#[derive(Debug, Clone, Serialize)]
pub struct SocketEntry {
    /// The kernel's view.
    #[serde(flatten)]
    pub socket: RawSocket,
    /// Who can reach the local address.
    pub exposure: Exposure,
    /// Pids that hold the socket.
    pub pids: Vec<u32>,
    /// Whether the owner is known.
    pub ownership: Ownership,
    /// IANA service name of the local port (listening) or remote port (connected).
    pub service: Option<&'static str>,
    /// Risk of this host's port (listeners and connections to them; none for outbound
    /// connections): the curated one, replaced by the audit's judgement when `ls` runs.
    pub risk: Option<Risk>,
    /// The annotation behind `service`/`risk`.
    #[serde(skip)]
    pub annotation: Annotation,
    /// What the firewall lets through to a listener (filled in by the firewall reader).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reach: Option<Reach>,
    /// Bytes the connection carried (TCP `tcp_info`), filled in only when asked for
    /// ([`attach_traffic`]), so `ls` does not pay for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traffic: Option<Box<Traffic>>,
}

/// The whole inventory.
#[derive(Debug, Clone, Serialize)]
pub struct Inventory {
    /// Sockets.
    pub sockets: Vec<SocketEntry>,
    /// Processes that hold them, by pid.
    pub processes: HashMap<u32, ProcessInfo>,
    /// Where the sockets came from.
    pub source: Source,
    /// Fd tables we could not read (non-root): owners of some sockets are hidden.
    pub unreadable_processes: usize,
    /// Names of the users that own sockets, by uid (a row without a visible process
    /// still shows a name, and `--user root` finds uid 0).
    #[serde(skip)]
    pub users: HashMap<u32, String>,
}

impl Inventory {
    /// The first owning process of an entry, if known.
    pub fn process(&self, e: &SocketEntry) -> Option<&ProcessInfo> {
        e.pids.first().and_then(|p| self.processes.get(p))
    }
}

/// Reads the sockets with their owners and annotates each from the knowledge base.
pub fn collect(backend: &dyn Backend, req: &Request) -> Result<Inventory, Error> {
    let mut inv = annotate(backend.list(req)?);
    let uids: std::collections::BTreeSet<u32> = inv.sockets.iter().map(|e| e.socket.uid).collect();
    for uid in uids {
        if let Some(n) = backend.user_name(uid) {
            inv.users.insert(uid, n);
        }
    }
    Ok(inv)
}

/// Joins sockets to the owners of their inodes (`procs`; `None`: owners not asked).
/// Pure: the Linux backend's join, and the way test fixtures give sockets owners.
pub fn join_inodes(raw: Vec<RawSocket>, source: Source, procs: Option<ProcTable>) -> Listing {
    let unreadable = procs.as_ref().map_or(0, |p| p.unreadable);
    let mut sockets = Vec::with_capacity(raw.len());
    for s in raw {
        let pids = procs
            .as_ref()
            .and_then(|p| p.by_inode.get(&s.inode))
            .cloned()
            .unwrap_or_default();
        let ownership = match (&procs, pids.is_empty()) {
            (None, _) => Ownership::NotAsked,
            (Some(_), false) => Ownership::Known,
            (Some(_), true) if s.inode == 0 => Ownership::None,
            (Some(p), true) if p.unreadable > 0 => Ownership::Hidden,
            (Some(_), true) => Ownership::None,
        };
        sockets.push(OwnedSocket {
            socket: s,
            pids,
            ownership,
        });
    }
    Listing {
        sockets,
        processes: procs.map(|p| p.processes).unwrap_or_default(),
        source,
        unreadable,
    }
}

/// [`join_inodes`], then [`annotate`] (pure; used by the Linux callers and tests).
pub fn join(raw: Vec<RawSocket>, source: Source, procs: Option<ProcTable>) -> Inventory {
    annotate(join_inodes(raw, source, procs))
}

/// Annotates a backend's listing from the knowledge base (pure).
pub fn annotate(listing: Listing) -> Inventory {
    // Listening ports of this host, to tell "connected to my port N" from "I connected
    // to their port N" when annotating connections.
    let listening: std::collections::HashSet<(Transport, u16)> = listing
        .sockets
        .iter()
        .filter(|o| o.socket.is_listening())
        .map(|o| (o.socket.transport, o.socket.local.port()))
        .collect();
    let mut sockets = Vec::with_capacity(listing.sockets.len());
    for OwnedSocket {
        socket: s,
        pids,
        ownership,
    } in listing.sockets
    {
        let ours = s.is_listening() || listening.contains(&(s.transport, s.local.port()));
        let port = if ours {
            s.local.port()
        } else {
            s.remote.port()
        };
        let annotation = portwarden_kb::annotate(s.transport.protocol(), port);
        sockets.push(SocketEntry {
            exposure: Exposure::of(s.local.ip()),
            pids,
            ownership,
            service: annotation.service,
            // The risk of a door is this host's; a connection out to someone else's
            // port 23 does not make this host risky.
            risk: if ours { annotation.risk() } else { None },
            annotation,
            socket: s,
            reach: None,
            traffic: None,
        });
    }
    Inventory {
        sockets,
        processes: listing.processes,
        source: listing.source,
        unreadable_processes: listing.unreadable,
        users: HashMap::new(),
    }
}

/// Gives each TCP socket its byte counters from `counters` (keyed by local and remote
/// address, as the Linux backend's `netlink::dump_traffic` returns them).
pub fn attach_traffic(
    inv: &mut Inventory,
    counters: &HashMap<(std::net::SocketAddr, std::net::SocketAddr), Traffic>,
) {
    for e in &mut inv.sockets {
        if e.socket.transport == Transport::Tcp {
            e.traffic = counters
                .get(&(e.socket.local, e.socket.remote))
                .map(|t| Box::new(*t));
        }
    }
}

/// How to order rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Protocol, local address, local port (like `ss`).
    #[default]
    Local,
    /// Local port.
    Port,
    /// Remote address.
    Remote,
    /// State.
    State,
    /// Pid.
    Pid,
    /// Process name.
    Process,
    /// Risk, highest first.
    Risk,
}

impl SortKey {
    /// Parses a key name.
    pub fn parse(s: &str) -> Option<SortKey> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "local" | "addr" | "address" => SortKey::Local,
            "port" => SortKey::Port,
            "remote" | "peer" => SortKey::Remote,
            "state" => SortKey::State,
            "pid" => SortKey::Pid,
            "process" | "name" | "proc" => SortKey::Process,
            "risk" => SortKey::Risk,
            _ => return None,
        })
    }
}

/// Row selection, as `ss`/`netstat` users expect it. Empty fields select everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only listeners (TCP LISTEN, unconnected UDP).
    pub listening: bool,
    /// Only these local-or-remote ports.
    pub ports: Vec<u16>,
    /// Only these pids.
    pub pids: Vec<u32>,
    /// Process name contains (case-insensitive).
    pub process: Option<String>,
    /// Owner user name or uid.
    pub user: Option<String>,
    /// Only these states.
    pub states: Vec<SockState>,
}

impl Filter {
    /// Whether `e` passes.
    pub fn matches(&self, inv: &Inventory, e: &SocketEntry) -> bool {
        if self.listening && !e.socket.is_listening() {
            return false;
        }
        if !self.ports.is_empty()
            && !self.ports.contains(&e.socket.local.port())
            && !self.ports.contains(&e.socket.remote.port())
        {
            return false;
        }
        if !self.pids.is_empty() && !e.pids.iter().any(|p| self.pids.contains(p)) {
            return false;
        }
        if let Some(name) = &self.process {
            let n = name.to_lowercase();
            let hit = e.pids.iter().filter_map(|p| inv.processes.get(p)).any(|p| {
                p.name.to_lowercase().contains(&n)
                    || p.cmdline
                        .first()
                        .is_some_and(|c| c.to_lowercase().contains(&n))
            });
            if !hit {
                return false;
            }
        }
        if let Some(u) = &self.user {
            let by_uid = u.parse::<u32>().ok() == Some(e.socket.uid)
                || inv.users.get(&e.socket.uid).map(String::as_str) == Some(u.as_str());
            let by_name = e
                .pids
                .iter()
                .filter_map(|p| inv.processes.get(p))
                .any(|p| p.user.as_deref() == Some(u.as_str()));
            if !by_uid && !by_name {
                return false;
            }
        }
        if !self.states.is_empty() && !self.states.contains(&e.socket.state) {
            return false;
        }
        true
    }

    /// Applies the filter and sorts.
    pub fn apply<'a>(&self, inv: &'a Inventory, sort: SortKey) -> Vec<&'a SocketEntry> {
        let mut rows: Vec<&'a SocketEntry> = inv
            .sockets
            .iter()
            .filter(|e| self.matches(inv, e))
            .collect();
        let name = |e: &SocketEntry| {
            inv.process(e)
                .map(|p| p.name.to_lowercase())
                .unwrap_or_default()
        };
        let base = |e: &SocketEntry| {
            (
                e.socket.transport,
                e.socket.local.ip(),
                e.socket.local.port(),
                e.socket.remote.ip(),
                e.socket.remote.port(),
            )
        };
        match sort {
            SortKey::Local => rows.sort_by_key(|e| base(e)),
            SortKey::Port => rows.sort_by_key(|e| (e.socket.local.port(), base(e))),
            SortKey::Remote => rows.sort_by_key(|e| (e.socket.remote, base(e))),
            SortKey::State => rows.sort_by_key(|e| (e.socket.state, base(e))),
            SortKey::Pid => rows.sort_by_key(|e| (e.pids.first().copied(), base(e))),
            SortKey::Process => rows.sort_by_cached_key(|e| (name(e), base(e))),
            SortKey::Risk => rows.sort_by_key(|e| {
                (
                    std::cmp::Reverse(e.risk),
                    e.exposure != Exposure::All,
                    base(e),
                )
            }),
        }
        rows
    }
}

/// What changed between two listings (for `--watch`): keys of sockets that appeared and
/// disappeared.
pub fn diff(before: &[&SocketEntry], after: &[&SocketEntry]) -> (Vec<RawSocket>, Vec<RawSocket>) {
    let key = |e: &SocketEntry| {
        (
            e.socket.transport,
            e.socket.local,
            e.socket.remote,
            e.socket.inode,
        )
    };
    let old: std::collections::HashSet<_> = before.iter().map(|e| key(e)).collect();
    let new: std::collections::HashSet<_> = after.iter().map(|e| key(e)).collect();
    let appeared = after
        .iter()
        .filter(|e| !old.contains(&key(e)))
        .map(|e| e.socket.clone())
        .collect();
    let gone = before
        .iter()
        .filter(|e| !new.contains(&key(e)))
        .map(|e| e.socket.clone())
        .collect();
    (appeared, gone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;

    fn sock(t: Transport, local: &str, remote: &str, state: SockState, inode: u64) -> RawSocket {
        RawSocket {
            transport: t,
            local: local.parse::<SocketAddr>().expect("addr"),
            remote: remote.parse::<SocketAddr>().expect("addr"),
            state,
            uid: 0,
            inode,
            recv_q: 0,
            send_q: 0,
            interface: 0,
        }
    }

    struct Fake;
    impl Fake {
        fn sockets(&self) -> (Vec<RawSocket>, Source) {
            (
                vec![
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
                    sock(
                        Transport::Tcp,
                        "10.0.0.5:23",
                        "10.0.0.9:50000",
                        SockState::Established,
                        3,
                    ),
                    sock(
                        Transport::Tcp,
                        "10.0.0.5:40000",
                        "1.2.3.4:443",
                        SockState::Established,
                        4,
                    ),
                    sock(Transport::Udp, "[::]:53", "[::]:0", SockState::Unconn, 5),
                    sock(
                        Transport::Tcp,
                        "10.0.0.5:40001",
                        "1.2.3.4:443",
                        SockState::TimeWait,
                        0,
                    ),
                ],
                Source::Fake,
            )
        }
        fn processes(&self) -> ProcTable {
            let mut t = ProcTable::default();
            t.by_inode.insert(1, vec![100]);
            t.by_inode.insert(3, vec![100]);
            t.by_inode.insert(5, vec![200]);
            t.processes.insert(
                100,
                ProcessInfo {
                    pid: 100,
                    name: "telnetd".into(),
                    user: Some("root".into()),
                    ..Default::default()
                },
            );
            t.processes.insert(
                200,
                ProcessInfo {
                    pid: 200,
                    name: "named".into(),
                    ..Default::default()
                },
            );
            t.unreadable = 1;
            t
        }
    }
    impl Backend for Fake {
        fn list(&self, req: &Request) -> Result<Listing, Error> {
            let (raw, source) = self.sockets();
            Ok(join_inodes(
                raw,
                source,
                req.processes.then(|| self.processes()),
            ))
        }
    }

    #[test]
    fn joins_exposure_owners_and_annotation() {
        let inv = collect(&Fake, &Request::default()).expect("collect");
        let s = &inv.sockets;
        assert_eq!(s[0].exposure, Exposure::All);
        assert_eq!(s[0].pids, vec![100]);
        assert_eq!(s[0].service, Some("telnet"));
        assert_eq!(s[1].exposure, Exposure::Loopback);
        assert_eq!(s[1].ownership, Ownership::Hidden);
        // Accepted connection to our telnet: annotated by the local port.
        assert_eq!(s[2].service, Some("telnet"));
        assert!(s[2].risk.is_some());
        // Our outbound https connection: named by the remote port, but that port's risk
        // is not this host's.
        assert_eq!(s[3].service, Some("https"));
        assert_eq!(s[3].risk, None);
        assert_eq!(s[4].exposure, Exposure::All);
        assert_eq!(s[5].ownership, Ownership::None);
    }

    #[test]
    fn filters_and_sorts() {
        let inv = collect(&Fake, &Request::default()).expect("collect");
        let f = Filter {
            listening: true,
            ..Default::default()
        };
        assert_eq!(f.apply(&inv, SortKey::Local).len(), 3);
        let f = Filter {
            process: Some("TELNET".into()),
            ..Default::default()
        };
        assert_eq!(f.apply(&inv, SortKey::Local).len(), 2);
        let f = Filter {
            ports: vec![443],
            states: vec![SockState::Established],
            ..Default::default()
        };
        assert_eq!(f.apply(&inv, SortKey::Local).len(), 1);
        let f = Filter {
            user: Some("root".into()),
            ..Default::default()
        };
        // By name: the owning process's user.
        assert_eq!(f.apply(&inv, SortKey::Pid).len(), 2);
        let f = Filter {
            user: Some("0".into()),
            ..Default::default()
        };
        // By uid: the socket's owner; uid 0 owns every fake socket.
        assert_eq!(f.apply(&inv, SortKey::Pid).len(), 6);
    }

    #[test]
    fn diff_marks_new_and_gone() {
        let inv = collect(&Fake, &Request::default()).expect("collect");
        let all: Vec<&SocketEntry> = inv.sockets.iter().collect();
        let (before, after) = (&all[..4], &all[2..]);
        let (new, gone) = diff(before, after);
        assert_eq!(new.len(), 2);
        assert_eq!(gone.len(), 2);
    }

    #[test]
    fn a_row_stays_small() {
        // `ls` holds one entry per socket (100k on a busy host): what the firewall says of
        // a listener must not make every connection's row larger (a blocking rule's
        // strings are boxed).
        assert!(
            std::mem::size_of::<Reach>() <= 32,
            "{}",
            std::mem::size_of::<Reach>()
        );
        assert!(
            std::mem::size_of::<SocketEntry>() <= 216,
            "{}",
            std::mem::size_of::<SocketEntry>()
        );
    }
}
