//! `audit --probe`: connect to this host's own listeners and let the scanner's
//! identification (`portwarden_scan::ident`, shared, not copied) say what answers there;
//! what it proves (Redis without a password, anonymous FTP, memcached over UDP, SNMP
//! `public`, anonymous MQTT, expired or self-signed TLS, TLS 1.0/1.1, SMB without signing,
//! cleartext logins) becomes findings attached to the listener.
//!
//! Three steps, only the middle one does I/O:
//! * [`plan`] picks, from the inventory alone, one address per listener: loopback for
//!   loopback and wildcard listeners, the listener's own address otherwise — never an
//!   address that is not one of this host's sockets' own, never a listener without one;
//! * a [`Prober`] ([`native`]) runs every probe at once (bounded concurrency) within one
//!   total time budget; a probe that fails is a note, never an error;
//! * [`apply`] turns the answers into [`Finding`]s and notes (pure).
//!
//! A listener whose owner cannot be seen (another PID namespace: this machine's PID 1)
//! gets one read-only connection that only listens to its greeting; UDP gets one
//! datagram, and only on ports whose protocol the scanner reads.

use crate::{by_exposure, close_cmd, firewall_says, rank_findings, Audit, Finding, Kind, Owner};
use portwarden_i18n::{msg, Msg};
use portwarden_kb::Risk;
use portwarden_scan::ident;
use portwarden_scan::model::{Identified, ServiceFinding};
use portwarden_sockets::{Exposure, Inventory, Reach, SocketEntry, Transport};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

/// At most this many listeners are probed in one audit.
pub const MAX_TARGETS: usize = 512;

/// Probes running at once.
pub const PARALLELISM: usize = 8;

/// The longest one listener's identification may take (or half the total budget, when
/// that is more).
pub const PER_LISTENER: Duration = Duration::from_secs(2);

/// How a listener is probed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// The scanner's full identification: the greeting, then its small read-only probes.
    Identify,
    /// One connection that only reads the greeting (owner not visible from here).
    Greeting,
    /// One UDP datagram: the scanner's payload for `payload_port`'s protocol.
    Udp {
        /// The port whose payload is sent (the product's usual port).
        payload_port: u16,
    },
}

/// One listener to probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// TCP or UDP.
    pub transport: Transport,
    /// The listener's port.
    pub port: u16,
    /// Where to connect: one of this host's own addresses.
    pub addr: SocketAddr,
    /// How.
    pub method: Method,
}

/// What came back from one listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The scanner named the service; what its probes proved.
    Identified {
        /// The service, product, version.
        identified: Box<Identified>,
        /// What the probes proved.
        findings: Vec<ServiceFinding>,
    },
    /// It answered in a language the scanner does not know.
    Unrecognised,
    /// No connection, or no answer.
    NoAnswer,
    /// The time budget ran out before it answered (or before its turn).
    OutOfTime,
}

/// One listener and its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probed {
    /// The listener.
    pub target: Target,
    /// What it said.
    pub outcome: Outcome,
}

/// What a probe proved about a listener, carried by the finding it became.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proof {
    /// The scanner's stable id (`redis-no-auth`, `tls-cert-self-signed`, …).
    pub id: &'static str,
    /// The address that was probed.
    pub address: String,
    /// What answered ("Redis 7.0.15"). Untrusted text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identified: Option<String>,
    /// The scanner's own words (English). Untrusted text.
    pub detail: String,
}

/// A listener whose probe proved nothing: why (a note, never an error).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeNote {
    /// TCP or UDP.
    pub transport: Transport,
    /// The port.
    pub port: u16,
    /// The address probed.
    pub address: String,
    /// What happened.
    pub note: Msg,
}

/// The probing part of an audit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProbeSummary {
    /// Listeners probed.
    pub probed: usize,
    /// Listeners whose service was named.
    pub identified: usize,
    /// Findings the probes proved.
    pub proven: usize,
    /// Listeners that said nothing the scanner knows, or ran out of time.
    pub notes: Vec<ProbeNote>,
    /// One line for people.
    pub summary: Msg,
}

/// Runs the probes of a plan. Implemented by [`Native`] and by fakes in tests.
pub trait Prober {
    /// Probes every target within `budget` in all; one [`Probed`] per target, in any order.
    fn probe(&self, targets: &[Target], budget: Duration) -> Vec<Probed>;
}

/// The real prober: tokio on a thread of its own, the scanner's identification.
#[derive(Debug, Clone)]
pub struct Native {
    /// Probes at once.
    pub parallelism: usize,
}

/// The prober of this operating system.
pub fn native() -> Native {
    Native {
        parallelism: PARALLELISM,
    }
}

fn v4_mapped(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// Whether `ip` may be probed: loopback, or a unicast address one of this host's own
/// sockets is bound to.
pub fn is_own(ip: IpAddr, own: &HashSet<IpAddr>) -> bool {
    let ip = v4_mapped(ip);
    let unicast = match ip {
        IpAddr::V4(a) => !a.is_unspecified() && !a.is_multicast() && !a.is_broadcast(),
        IpAddr::V6(a) => {
            !a.is_unspecified() && !a.is_multicast() && (a.segments()[0] & 0xffc0) != 0xfe80
        }
    };
    unicast && (ip.is_loopback() || own.contains(&ip))
}

/// The UDP payload that fits a listener: its product's protocol, else its port's, when
/// the scanner reads the answer (DNS, NTP, SNMP, memcached).
fn udp_payload_port(product: Option<&str>, port: u16) -> Option<u16> {
    let by_product = match product {
        Some("memcache") => Some(11211),
        Some("snmp") => Some(161),
        Some("domain") => Some(53),
        Some("ntp") => Some(123),
        _ => None,
    };
    by_product.or_else(|| [53, 123, 161, 11211].contains(&port).then_some(port))
}

/// Where to reach one listener: loopback for wildcard and loopback listeners (IPv4
/// first), the listener's own address otherwise.
fn address_for(socks: &[&SocketEntry], own: &HashSet<IpAddr>) -> Option<SocketAddr> {
    let port = socks.first()?.socket.local.port();
    let mut best: Option<(u8, IpAddr)> = None;
    for e in socks {
        let ip = v4_mapped(e.socket.local.ip());
        let (rank, to) = match ip {
            IpAddr::V4(a) if a.is_unspecified() => (0, IpAddr::V4(Ipv4Addr::LOCALHOST)),
            IpAddr::V4(a) if a.is_loopback() => (1, ip),
            IpAddr::V6(a) if a.is_unspecified() => (2, IpAddr::V6(Ipv6Addr::LOCALHOST)),
            IpAddr::V6(a) if a.is_loopback() => (3, ip),
            IpAddr::V4(_) => (4, ip),
            IpAddr::V6(_) => (5, ip),
        };
        if is_own(to, own) && best.is_none_or(|(r, _)| rank < r) {
            best = Some((rank, to));
        }
    }
    best.map(|(_, ip)| SocketAddr::new(ip, port))
}

/// Picks the listeners to probe and how (pure): one target per (transport, port), at
/// most [`MAX_TARGETS`]. Only the inventory's own listeners, only this host's addresses.
pub fn plan(inv: &Inventory) -> Vec<Target> {
    let own: HashSet<IpAddr> = inv
        .sockets
        .iter()
        .map(|e| v4_mapped(e.socket.local.ip()))
        .filter(|ip| !ip.is_unspecified())
        .collect();
    let mut doors: BTreeMap<(Transport, u16), Vec<&SocketEntry>> = BTreeMap::new();
    for e in inv.sockets.iter().filter(|e| e.socket.is_listening()) {
        doors
            .entry((e.socket.transport, e.socket.local.port()))
            .or_default()
            .push(e);
    }
    let mut out = Vec::new();
    for ((t, port), socks) in doors {
        if port == 0 {
            continue;
        }
        let Some(addr) = address_for(&socks, &own) else {
            continue;
        };
        let owners: Vec<&portwarden_sockets::ProcessInfo> = socks
            .iter()
            .flat_map(|e| e.pids.iter())
            .filter_map(|p| inv.processes.get(p))
            .collect();
        let product = owners
            .iter()
            .find_map(|p| crate::products::identify(p).map(|m| m.product.key));
        let method = match t {
            Transport::Tcp if owners.is_empty() => Method::Greeting,
            Transport::Tcp => Method::Identify,
            // UDP: only to a visible owner, and one datagram the scanner can read back.
            Transport::Udp if owners.is_empty() => continue,
            Transport::Udp => match udp_payload_port(product, port) {
                Some(payload_port) => Method::Udp { payload_port },
                None => continue,
            },
        };
        out.push(Target {
            transport: t,
            port,
            addr,
            method,
        });
        if out.len() == MAX_TARGETS {
            break;
        }
    }
    out
}

impl Prober for Native {
    fn probe(&self, targets: &[Target], budget: Duration) -> Vec<Probed> {
        let targets = targets.to_vec();
        let par = self.parallelism.max(1);
        // A thread of its own (spawned here, so in this thread's network namespace) with a
        // runtime of its own: callable from anywhere.
        let done = std::thread::scope(|sc| {
            sc.spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                let out = rt.block_on(run_all(targets, budget, par));
                // Do not wait for blocking work left behind (the fingerprints' first
                // compilation): the budget is the budget.
                rt.shutdown_timeout(Duration::from_millis(50));
                Some(out)
            })
            .join()
            .ok()
            .flatten()
        });
        done.unwrap_or_default()
    }
}

async fn run_all(targets: Vec<Target>, budget: Duration, par: usize) -> Vec<Probed> {
    use futures::StreamExt;
    let deadline = tokio::time::Instant::now() + budget;
    futures::stream::iter(targets)
        .map(|target| async move {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let outcome = if left < Duration::from_millis(50) {
                Outcome::OutOfTime
            } else {
                // A loaded machine answers slowly: a generous budget buys each listener
                // more time.
                let wait = left.min(PER_LISTENER.max(budget / 2));
                tokio::time::timeout_at(deadline, one(&target, wait))
                    .await
                    .unwrap_or(Outcome::OutOfTime)
            };
            Probed { target, outcome }
        })
        .buffer_unordered(par)
        .collect()
        .await
}

fn outcome(f: Option<ident::Finding>) -> Outcome {
    match f {
        Some(ident::Finding {
            identified: Some(id),
            findings,
            ..
        }) => Outcome::Identified {
            identified: Box::new(id),
            findings,
        },
        Some(ident::Finding {
            banner: Some(_), ..
        }) => Outcome::Unrecognised,
        _ => Outcome::NoAnswer,
    }
}

async fn one(t: &Target, wait: Duration) -> Outcome {
    match t.method {
        Method::Identify => {
            let host = match t.addr.ip() {
                IpAddr::V4(a) => a.to_string(),
                IpAddr::V6(a) => format!("[{a}]"),
            };
            // The anonymous-FTP check (the only login-like probe) is one of the things
            // `--probe` exists to prove, on this host's own service.
            outcome(Some(ident::identify(t.addr, &host, wait, true).await))
        }
        Method::Greeting => match greeting(t.addr, wait).await {
            Some(data) => match ident::recognize::recognize("null", t.port, &data) {
                Some(a) => outcome(Some(ident::Finding {
                    identified: Some(a.identified),
                    findings: a.findings,
                    ..Default::default()
                })),
                None => Outcome::Unrecognised,
            },
            None => Outcome::NoAnswer,
        },
        Method::Udp { payload_port } => {
            let reply = datagram(t.addr, payload_port, wait).await;
            match reply {
                Some(r) => match ident::identify_udp(payload_port, &r) {
                    Some(f) => outcome(Some(f)),
                    None => Outcome::Unrecognised,
                },
                None => Outcome::NoAnswer,
            }
        }
    }
}

/// One connection that sends nothing and reads what the service says first (at most
/// [`ident::BANNER_MAX`] bytes, until a short quiet spell after the first bytes).
async fn greeting(addr: SocketAddr, wait: Duration) -> Option<Vec<u8>> {
    use tokio::io::AsyncReadExt;
    let deadline = tokio::time::Instant::now() + wait;
    let mut s = tokio::time::timeout_at(deadline, tokio::net::TcpStream::connect(addr))
        .await
        .ok()?
        .ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 512];
    loop {
        let until = if buf.is_empty() {
            deadline
        } else {
            deadline.min(tokio::time::Instant::now() + Duration::from_millis(150))
        };
        match tokio::time::timeout_at(until, s.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.len() >= ident::BANNER_MAX {
                    buf.truncate(ident::BANNER_MAX);
                    break;
                }
            }
            _ => break,
        }
    }
    (!buf.is_empty()).then_some(buf)
}

/// One datagram of the scanner's payload for `payload_port`; the first reply.
async fn datagram(addr: SocketAddr, payload_port: u16, wait: Duration) -> Option<Vec<u8>> {
    let bind: SocketAddr = if addr.is_ipv4() {
        (Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let s = tokio::net::UdpSocket::bind(bind).await.ok()?;
    s.connect(addr).await.ok()?;
    let id = u16::try_from(std::process::id() & 0xffff).unwrap_or(0x5057);
    let payload = portwarden_scan::raw::payloads::payload(payload_port, id);
    s.send(&payload).await.ok()?;
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(wait, s.recv(&mut buf))
        .await
        .ok()?
        .ok()?;
    buf.truncate(n);
    Some(buf)
}

/// How serious a proven fact is before exposure: an open door anyone can walk through is
/// as serious as the audit's worst, a weak certificate less so.
pub fn proof_risk(f: &ServiceFinding) -> Risk {
    use portwarden_scan::model::Severity;
    match f.id {
        "redis-no-auth" | "memcached-udp" => Risk::Critical,
        "ftp-anonymous" | "snmp-public" | "mqtt-anonymous" => Risk::High,
        "tls-cert-expired"
        | "tls-legacy-version"
        | "smb-signing-not-required"
        | "cleartext-login" => Risk::Medium,
        "tls-cert-self-signed" => Risk::Low,
        _ => match f.severity {
            Severity::High => Risk::High,
            Severity::Medium => Risk::Medium,
            Severity::Low => Risk::Low,
            Severity::Info => Risk::Info,
        },
    }
}

/// The catalog id of a proven fact's texts (`audit-probe-<id>-why`/`-do`), `other` for
/// ids this build does not know.
fn text_key(id: &str) -> &'static str {
    match id {
        "redis-no-auth" => "redis-no-auth",
        "memcached-udp" => "memcached-udp",
        "ftp-anonymous" => "ftp-anonymous",
        "snmp-public" => "snmp-public",
        "mqtt-anonymous" => "mqtt-anonymous",
        "tls-cert-expired" => "tls-cert-expired",
        "tls-cert-self-signed" => "tls-cert-self-signed",
        "tls-legacy-version" => "tls-legacy-version",
        "smb-signing-not-required" => "smb-signing-not-required",
        "cleartext-login" => "cleartext-login",
        _ => "other",
    }
}

/// "Redis 7.0.15", "nginx", or the service name.
fn what(id: &Identified) -> String {
    let mut s = id.product.clone().unwrap_or_else(|| id.name.to_string());
    if let Some(v) = &id.version {
        s.push(' ');
        s.push_str(v);
    }
    s
}

/// What is shared by the findings of one probed door, from the inventory.
struct DoorFacts {
    exposure: Exposure,
    addresses: Vec<String>,
    processes: Vec<(u32, String)>,
    units: Vec<String>,
    containers: Vec<portwarden_sockets::Container>,
    reach: Option<Reach>,
}

fn facts(inv: &Inventory, t: Transport, port: u16) -> Option<DoorFacts> {
    let socks: Vec<&SocketEntry> = inv
        .sockets
        .iter()
        .filter(|e| e.socket.is_listening())
        .filter(|e| e.socket.transport == t && e.socket.local.port() == port)
        .collect();
    let exposure = socks.iter().map(|e| e.exposure).max()?;
    let mut addresses: Vec<String> = socks
        .iter()
        .map(|e| e.socket.local.ip().to_string())
        .collect();
    addresses.sort();
    addresses.dedup();
    let mut processes = Vec::new();
    let mut units = Vec::new();
    let mut containers: Vec<portwarden_sockets::Container> = Vec::new();
    for pid in socks.iter().flat_map(|e| e.pids.iter()) {
        if let Some(p) = inv.processes.get(pid) {
            if let Some(c) = p
                .container
                .as_ref()
                .filter(|c| !containers.iter().any(|x| x.id == c.id))
            {
                containers.push(c.clone());
            }
            if !processes.iter().any(|(x, _)| x == pid) {
                processes.push((*pid, p.name.clone()));
            }
            if let Some(u) = &p.unit {
                if !units.contains(u) {
                    units.push(u.clone());
                }
            }
        }
    }
    let reach = socks
        .iter()
        .filter_map(|e| e.reach.clone())
        .max_by_key(Reach::rank);
    Some(DoorFacts {
        exposure,
        addresses,
        processes,
        units,
        containers,
        reach,
    })
}

/// Turns the probes' answers into findings attached to their listeners and a summary
/// with a note for each listener that proved nothing (pure). A door whose owner is hidden
/// learns what it is ("identified as nginx 1.22 by probing").
pub fn apply(a: &mut Audit, inv: &Inventory, probed: &[Probed], budget: Duration) {
    let mut sum = ProbeSummary {
        probed: probed.len(),
        ..ProbeSummary::default()
    };
    let mut silent = 0usize;
    let mut new = Vec::new();
    let mut sorted: Vec<&Probed> = probed.iter().collect();
    sorted.sort_by_key(|p| (p.target.transport, p.target.port));
    for p in sorted {
        let (t, port) = (p.target.transport, p.target.port);
        let address = p.target.addr.to_string();
        let (identified, findings) = match &p.outcome {
            Outcome::Identified {
                identified,
                findings,
            } => (identified, findings),
            other => {
                silent += 1;
                let key = match other {
                    Outcome::OutOfTime => "audit-probe-note-out-of-time",
                    Outcome::Unrecognised => "audit-probe-note-unrecognised",
                    _ => "audit-probe-note-no-answer",
                };
                sum.notes.push(ProbeNote {
                    transport: t,
                    port,
                    address: address.clone(),
                    note: msg!(key, addr = address.as_str()),
                });
                continue;
            }
        };
        sum.identified += 1;
        let shown = what(identified);
        // Where nobody can see the owner, what answered is the best name there is.
        for f in a
            .findings
            .iter_mut()
            .filter(|f| f.transport == t && f.port == port && f.kind == Kind::HiddenOwner)
        {
            let add = msg!(
                "audit-probe-identified",
                what = shown.as_str(),
                addr = address.as_str()
            );
            f.note = Some(match f.note.take() {
                Some(n) => msg!("audit-probe-note-joined", first = n, then = add),
                None => add,
            });
            if f.service.is_none() {
                f.service = Some(identified.name.to_string());
            }
        }
        let Some(door) = facts(inv, t, port) else {
            continue;
        };
        let owner: Option<Owner> = a
            .findings
            .iter()
            .find(|f| f.transport == t && f.port == port)
            .and_then(|f| f.product.clone());
        let hidden = door.processes.is_empty();
        for sf in findings {
            let Some(severity) = by_exposure(proof_risk(sf), door.exposure) else {
                continue;
            };
            let key = text_key(sf.id);
            let who = owner
                .as_ref()
                .map_or_else(|| shown.clone(), |o| format!("{} ({})", o.program, shown));
            let why = msg!(
                format!("audit-probe-{key}-why"),
                who = who.as_str(),
                addr = address.as_str(),
                port = port,
                proto = t.as_str(),
                detail = sf.detail.as_str()
            );
            let action = msg!(
                format!("audit-probe-{key}-do"),
                port = port,
                proto = t.as_str()
            );
            let mut f = Finding {
                severity,
                kind: Kind::Proven,
                transport: t,
                port,
                addresses: door.addresses.clone(),
                exposure: door.exposure,
                processes: door.processes.clone(),
                units: door.units.clone(),
                service: Some(identified.name.to_string()),
                product: owner.clone(),
                note: None,
                why,
                action,
                malware: Vec::new(),
                // Find out what it is before shutting it in (see the hidden-owner finding).
                command: if hidden {
                    String::new()
                } else {
                    close_cmd(t, port)
                },
                reach: None,
                containers: door.containers.clone(),
                proof: Some(Proof {
                    id: sf.id,
                    address: address.clone(),
                    identified: Some(shown.clone()),
                    detail: sf.detail.clone(),
                }),
            };
            if let Some(r) = &door.reach {
                firewall_says(&mut f, r);
            }
            new.push(f);
        }
    }
    sum.proven = new.len();
    a.findings.extend(new);
    rank_findings(&mut a.findings);
    let secs = format!("{:.1}", budget.as_secs_f64());
    sum.summary = msg!(
        "audit-probe-summary",
        probed = sum.probed,
        identified = sum.identified,
        silent = silent,
        proven = sum.proven,
        budget = secs.as_str()
    );
    a.probe = Some(sum);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{audit, Context};
    use portwarden_i18n::{tr, Lang};
    use portwarden_sockets::{join, ProcTable, ProcessInfo, RawSocket, SockState, Source};

    fn sock(t: Transport, addr: &str, inode: u64) -> RawSocket {
        let local: SocketAddr = addr.parse().expect("addr");
        RawSocket {
            transport: t,
            local,
            remote: if local.is_ipv4() {
                "0.0.0.0:0".parse().expect("addr")
            } else {
                "[::]:0".parse().expect("addr")
            },
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

    fn inventory(rows: &[(Transport, &str, Option<&str>)]) -> Inventory {
        let mut procs = ProcTable::default();
        let mut raw = Vec::new();
        for (i, (t, addr, owner)) in rows.iter().enumerate() {
            let inode = 100 + i as u64;
            raw.push(sock(*t, addr, inode));
            if let Some(name) = owner {
                let pid = inode as u32;
                procs.by_inode.insert(inode, vec![pid]);
                procs.processes.insert(
                    pid,
                    ProcessInfo {
                        pid,
                        name: (*name).into(),
                        exe: Some(format!("/usr/bin/{name}")),
                        ..Default::default()
                    },
                );
            }
        }
        // An outbound connection: its remote address is someone else's, never probed.
        raw.push(RawSocket {
            remote: "203.0.113.9:443".parse().expect("addr"),
            state: SockState::Established,
            ..sock(Transport::Tcp, "198.18.0.1:40000", 999)
        });
        join(raw, Source::Fake, Some(procs))
    }

    const TCP: Transport = Transport::Tcp;
    const UDP: Transport = Transport::Udp;

    #[test]
    fn plan_probes_only_this_hosts_own_addresses() {
        let inv = inventory(&[
            (TCP, "0.0.0.0:6379", Some("redis-server")),
            (TCP, "[::]:6379", Some("redis-server")),
            (TCP, "198.18.0.1:21", Some("vsftpd")),
            (TCP, "[::]:8443", Some("nginx")),
            (TCP, "127.0.0.2:25", Some("master")),
            (TCP, "0.0.0.0:2024", None),
            (UDP, "0.0.0.0:9999", Some("memcached")),
            (UDP, "0.0.0.0:68", Some("dhclient")),
            (UDP, "0.0.0.0:161", None),
            (TCP, "224.0.0.1:7", Some("x")),
        ]);
        let p = plan(&inv);
        let get = |t: Transport, port: u16| p.iter().find(|x| x.transport == t && x.port == port);
        let to = |t, port| get(t, port).map(|x| x.addr.to_string());
        assert_eq!(to(TCP, 6379).as_deref(), Some("127.0.0.1:6379"));
        assert_eq!(to(TCP, 21).as_deref(), Some("198.18.0.1:21"));
        assert_eq!(to(TCP, 8443).as_deref(), Some("[::1]:8443"));
        assert_eq!(to(TCP, 25).as_deref(), Some("127.0.0.2:25"));
        // This machine's PID 1: one read-only connection, nothing sent.
        assert_eq!(get(TCP, 2024).map(|x| x.method), Some(Method::Greeting));
        assert_eq!(get(TCP, 6379).map(|x| x.method), Some(Method::Identify));
        // memcached off its port gets memcached's datagram; a DHCP client nothing.
        assert_eq!(
            get(UDP, 9999).map(|x| x.method),
            Some(Method::Udp {
                payload_port: 11211
            })
        );
        assert!(get(UDP, 68).is_none());
        assert!(get(UDP, 161).is_none(), "no datagram to an unseen owner");
        assert!(get(TCP, 7).is_none(), "a multicast address is nobody's own");
        assert!(get(TCP, 40000).is_none() && get(TCP, 443).is_none());
        let own: HashSet<IpAddr> = ["198.18.0.1".parse().expect("ip")].into();
        for t in &p {
            assert!(is_own(t.addr.ip(), &own), "{t:?}");
        }
        assert!(!is_own("203.0.113.9".parse().expect("ip"), &own));
        assert!(!is_own("0.0.0.0".parse().expect("ip"), &own));
    }

    struct Fake(Vec<Probed>);

    impl Prober for Fake {
        fn probe(&self, _: &[Target], _: Duration) -> Vec<Probed> {
            self.0.clone()
        }
    }

    fn answered(t: Transport, port: u16, name: &'static str, ids: &[&'static str]) -> Probed {
        let mut id = Identified::new(name, "null");
        id.product = Some(format!("{name}d"));
        id.version = Some("1.0".into());
        Probed {
            target: Target {
                transport: t,
                port,
                addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port),
                method: Method::Identify,
            },
            outcome: Outcome::Identified {
                identified: Box::new(id),
                findings: ids
                    .iter()
                    .map(|i| ServiceFinding {
                        id: i,
                        severity: portwarden_scan::model::Severity::Medium,
                        detail: format!("{i} \u{1b}[31m"),
                    })
                    .collect(),
            },
        }
    }

    #[test]
    fn what_a_probe_proves_becomes_findings_on_the_listener() {
        let inv = inventory(&[
            (TCP, "0.0.0.0:7777", Some("redis-server")),
            (TCP, "127.0.0.1:6380", Some("redis-server")),
            (TCP, "0.0.0.0:8443", Some("nginx")),
            (TCP, "0.0.0.0:2024", None),
            (TCP, "0.0.0.0:5000", Some("python3")),
        ]);
        let mut a = audit(&inv);
        let before = a.findings.len();
        let probed = Fake(vec![
            answered(TCP, 7777, "redis", &["redis-no-auth"]),
            answered(TCP, 6380, "redis", &["redis-no-auth"]),
            answered(
                TCP,
                8443,
                "http",
                &["tls-cert-self-signed", "tls-legacy-version"],
            ),
            answered(TCP, 2024, "ssh", &[]),
            Probed {
                outcome: Outcome::OutOfTime,
                ..answered(TCP, 5000, "x", &[])
            },
        ])
        .probe(&[], Duration::from_secs(1));
        apply(&mut a, &inv, &probed, Duration::from_secs(3));
        let proven: Vec<&Finding> = a
            .findings
            .iter()
            .filter(|f| f.kind == Kind::Proven)
            .collect();
        let redis = proven.iter().find(|f| f.port == 7777).expect("redis proof");
        assert_eq!(redis.severity, Risk::Critical);
        assert_eq!(redis.proof.as_ref().map(|p| p.id), Some("redis-no-auth"));
        assert!(
            redis
                .why
                .to_string_in(Lang::En)
                .contains("without a password"),
            "{}",
            redis.why.to_string_in(Lang::En)
        );
        assert!(
            redis
                .why
                .to_string_in(Lang::En)
                .contains("redis-server (redisd 1.0)"),
            "{}",
            redis.why.to_string_in(Lang::En)
        );
        assert!(redis.action.to_string_in(Lang::En).contains("requirepass"));
        assert!(
            redis.why.to_string_in(Lang::Zh).contains("密码"),
            "{}",
            redis.why.to_string_in(Lang::Zh)
        );
        assert_eq!(redis.command, "portwarden close 7777/tcp");
        // On loopback: a note only, as the audit does for dangerous local services.
        let local = proven.iter().find(|f| f.port == 6380).expect("local");
        assert_eq!(local.severity, Risk::Info);
        let tls: Vec<_> = proven.iter().filter(|f| f.port == 8443).collect();
        assert_eq!(tls.len(), 2);
        assert!(tls
            .iter()
            .any(|f| f.severity == Risk::Low
                && f.action.to_string_in(Lang::En).contains("certificate")));
        // PID 1's socket: named by what answered.
        let hidden = a
            .findings
            .iter()
            .find(|f| f.port == 2024 && f.kind == Kind::HiddenOwner)
            .expect("hidden");
        let note = hidden.note.as_ref().expect("note");
        assert!(
            note.to_string_in(Lang::En)
                .contains("Identified as sshd 1.0 by probing 127.0.0.1:2024"),
            "{}",
            note.to_string_in(Lang::En)
        );
        assert!(note.to_string_in(Lang::Zh).contains("sshd 1.0"));
        let s = a.probe.as_ref().expect("summary");
        assert_eq!((s.probed, s.identified, s.proven), (5, 4, 4));
        assert_eq!(s.notes.len(), 1);
        assert!(
            s.notes[0]
                .note
                .to_string_in(Lang::En)
                .contains("out of time"),
            "{:?}",
            s.notes
        );
        assert_eq!(a.findings.len(), before + 4);
        // Still most severe first.
        assert_eq!(a.findings[0].severity, a.worst().expect("worst"));
    }

    #[test]
    fn a_blocked_listener_proof_is_a_note() {
        let mut inv = inventory(&[(TCP, "0.0.0.0:6379", Some("redis-server"))]);
        for e in &mut inv.sockets {
            e.reach = Some(Reach::Blocked {
                by: Box::new(portwarden_sockets::Blocker {
                    family: "inet".into(),
                    table: "filter".into(),
                    chain: "input".into(),
                    handle: None,
                    comment: None,
                    reject: false,
                    action: None,
                }),
            });
        }
        let mut a = crate::audit_with(&inv, &Context::default());
        apply(
            &mut a,
            &inv,
            &[answered(TCP, 6379, "redis", &["redis-no-auth"])],
            Duration::from_secs(1),
        );
        let f = a
            .findings
            .iter()
            .find(|f| f.kind == Kind::Proven)
            .expect("proof");
        assert_eq!(f.severity, Risk::Info);
    }

    #[test]
    fn every_known_proof_has_its_own_texts() {
        for id in [
            "redis-no-auth",
            "memcached-udp",
            "ftp-anonymous",
            "snmp-public",
            "mqtt-anonymous",
            "tls-cert-expired",
            "tls-cert-self-signed",
            "tls-legacy-version",
            "smb-signing-not-required",
            "cleartext-login",
            "something-new",
        ] {
            let key = text_key(id);
            for l in Lang::ALL {
                for part in ["why", "do"] {
                    let s = tr!(
                        l,
                        format!("audit-probe-{key}-{part}"),
                        who = "w",
                        addr = "a",
                        port = 1u16,
                        proto = "tcp",
                        detail = "d"
                    );
                    assert!(!s.starts_with('['), "{id} {part} {l:?}: {s}");
                }
            }
        }
    }
}
