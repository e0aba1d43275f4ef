//! Service identification: read what an open port says first; if it is silent, send a few
//! small read-only probes at once (a TLS handshake, HTTP, Redis `INFO`, an echo token, and
//! the probe of the port's usual protocol: DNS, ONC RPC, SMB2, MQTT, PostgreSQL, memcached)
//! and recognise the answers. Product, version and CPE come from Rapid7 Recog's fingerprints
//! ([`recognize`]); what a probe proves becomes a [`ServiceFinding`]. Each port costs at most
//! the banner timeout in total, whatever it answers.

pub mod probes;
pub mod recognize;
pub mod tls;

use crate::engine::{BannerMode, AUTO_BANNER_LIMIT};
use crate::model::{Banner, HostResult, Identified, PortResult, PortState, ServiceFinding};
use portwarden_kb::Protocol;
use recognize::Answer;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::OnceLock;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};

/// Largest banner kept, in bytes.
pub const BANNER_MAX: usize = 1024;

/// What identification found for one port.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Finding {
    /// The greeting, or the answer that identified the service.
    pub banner: Option<Banner>,
    /// The identified service.
    pub identified: Option<Identified>,
    /// What the probes proved.
    pub findings: Vec<ServiceFinding>,
    /// No connection could be made for want of file descriptors: the port was not
    /// identified, through no fault of its own (the caller counts it).
    pub lost: bool,
}

/// How long one connection waits, in all, for a free file descriptor.
pub const FD_WAIT: Duration = Duration::from_secs(10);

/// No descriptor came free within [`FD_WAIT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Lost;

/// Out of descriptors: the process's or the system's.
fn fd_shortage(e: &std::io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(c) if c == crate::errno::Errno::EMFILE as i32 || c == crate::errno::Errno::ENFILE as i32
    )
}

/// When a connection last gave up for want of a descriptor (milliseconds since
/// [`clock`]'s start, plus one), or 0 once a connection has got one since. While it is
/// set, other connections that find no descriptor give up at once instead of waiting
/// [`FD_WAIT`] each: forty open ports under a limit that leaves none free would otherwise
/// cost forty waits in turn.
static STARVED: AtomicU64 = AtomicU64::new(0);

fn clock() -> u64 {
    static START: OnceLock<std::time::Instant> = OnceLock::new();
    let start = *START.get_or_init(std::time::Instant::now);
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1
}

/// Whether a connection gave up for want of a descriptor within the last [`FD_WAIT`],
/// and none has got one since.
fn starved() -> bool {
    let at = STARVED.load(AtomicOrdering::Relaxed);
    at != 0 && clock().saturating_sub(at) < FD_WAIT.as_millis() as u64
}

/// Connects before `deadline`, waiting (up to [`FD_WAIT`]) for a descriptor when there is
/// none (not at all while another connection has just waited that long in vain). Returns the stream and how long it waited for a descriptor (the caller's
/// deadline moves by that much: a port is not judged by our own shortage); `Ok(None)`
/// when the connection failed; `Err(Lost)` when no descriptor came free.
async fn connect(
    addr: SocketAddr,
    deadline: Instant,
) -> Result<Option<(TcpStream, Duration)>, Lost> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(5);
    loop {
        let waited = start.elapsed();
        match timeout_at(deadline + waited, TcpStream::connect(addr)).await {
            Err(_) => return Ok(None),
            Ok(Ok(s)) => {
                STARVED.store(0, AtomicOrdering::Relaxed);
                return Ok(Some((s, waited)));
            }
            Ok(Err(e)) if fd_shortage(&e) => {
                if waited + pause > FD_WAIT || starved() {
                    STARVED.store(clock(), AtomicOrdering::Relaxed);
                    return Err(Lost);
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(200));
            }
            Ok(Err(_)) => return Ok(None),
        }
    }
}

/// The port a recognised service normally uses.
pub fn usual_port(name: &str) -> Option<u16> {
    Some(match name {
        "ssh" => 22,
        "http" => 80,
        "ssl" => 443,
        "smtp" => 25,
        "ftp" => 21,
        "pop3" => 110,
        "imap" => 143,
        "redis" => 6379,
        "mysql" => 3306,
        "vnc" => 5900,
        "telnet" => 23,
        "domain" => 53,
        "rpcbind" => 111,
        "microsoft-ds" => 445,
        "netbios-ssn" => 139,
        "mqtt" => 1883,
        "postgresql" => 5432,
        "memcached" => 11211,
        "echo" => 7,
        "daytime" => 13,
        "chargen" => 19,
        _ => return None,
    })
}

/// Whether the knowledge base's names for `port` fit an identified service `name`.
pub fn fits_port(name: &str, port: u16) -> bool {
    let a = portwarden_kb::annotate(Protocol::Tcp, port);
    let names: Vec<String> = [a.service, a.entry.map(|e| e.service)]
        .into_iter()
        .flatten()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    if names.is_empty() {
        return false;
    }
    let any = |f: &dyn Fn(&str) -> bool| names.iter().any(|n| f(n));
    match name {
        "http" => any(&|n| n.contains("http") || n.contains("www") || n == "https"),
        "ssl" => any(&|n| {
            n == "https"
                || n.ends_with('s')
                    && [
                        "imaps",
                        "pop3s",
                        "ldaps",
                        "ftps",
                        "smtps",
                        "submissions",
                        "ircs",
                        "nntps",
                    ]
                    .contains(&n)
                || n.contains("tls")
                || n.contains("ssl")
        }),
        "smtp" => any(&|n| n.starts_with("smtp") || n == "submission" || n == "urd"),
        "ftp" => any(&|n| n == "ftp" || n == "ftps"),
        "pop3" => any(&|n| n.starts_with("pop3") || n == "pop"),
        "imap" => any(&|n| n.starts_with("imap")),
        "vnc" => any(&|n| n.contains("vnc") || n.starts_with("rfb")),
        // `memcache` (IANA) and `memcached` (nmap) are one service.
        other => any(&|n| n == other || n.starts_with(other) || other.starts_with(n)),
    }
}

/// Sends `send` (nothing: just listen) and reads the answer until `deadline`, or a short
/// quiet spell after the first bytes; at most [`BANNER_MAX`] bytes.
async fn exchange(
    addr: SocketAddr,
    send: &[u8],
    deadline: Instant,
) -> Result<Option<Vec<u8>>, Lost> {
    let Some((s, waited)) = connect(addr, deadline).await? else {
        return Ok(None);
    };
    Ok(talk(s, send, deadline + waited).await)
}

/// Sends `send` on a connected stream and reads the answer (see [`exchange`]).
async fn talk(mut s: TcpStream, send: &[u8], deadline: Instant) -> Option<Vec<u8>> {
    if !send.is_empty() {
        timeout_at(deadline, s.write_all(send)).await.ok()?.ok()?;
    }
    let buf = tls::read_some(&mut s, deadline, BANNER_MAX).await;
    (!buf.is_empty()).then_some(buf)
}

/// Compiles the fingerprints once, on a blocking thread: compiling thousands of regexes
/// on the runtime's thread would stall every other exchange past its deadline.
async fn warm_up() {
    use std::sync::atomic::{AtomicBool, Ordering};
    static DONE: AtomicBool = AtomicBool::new(false);
    if DONE.load(Ordering::Acquire) {
        return;
    }
    let _ = tokio::task::spawn_blocking(portwarden_fingerprint::compile_all).await;
    DONE.store(true, Ordering::Release);
}

/// A random token (hex), so that an echo service is told from one that answers.
fn token(addr: SocketAddr) -> Vec<u8> {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write(addr.to_string().as_bytes());
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    format!("{:016x}", h.finish()).into_bytes()
}

fn finish(addr: SocketAddr, a: Answer, banner: Option<Vec<u8>>) -> Finding {
    let mut id = a.identified;
    id.off_port = !fits_port(id.name, addr.port());
    id.usual_port = usual_port(id.name);
    Finding {
        banner: banner.map(Banner),
        identified: Some(id),
        findings: a.findings,
        lost: false,
    }
}

/// Which answer wins when several probes were answered: the port's own protocol first,
/// then TLS, HTTP, Redis.
fn rank(probe: &str) -> u8 {
    match probe {
        "echo" => 0,
        "dns" | "rpc" | "smb" | "mqtt" | "postgresql" | "memcached" => 1,
        "tls" => 2,
        "http" => 3,
        _ => 4,
    }
}

/// Identifies the TCP service at `addr`: its greeting first (for at most 40 % of `wait`);
/// if it stays silent, every probe goes out at once and the best recognised answer wins.
/// The whole costs at most about `wait`. `host` is sent in the HTTP Host header and as the
/// TLS server name when it is a name.
pub async fn identify(addr: SocketAddr, host: &str, wait: Duration, login: bool) -> Finding {
    warm_up().await;
    let start = Instant::now();
    let deadline = start + wait;
    let greet_until = start + (wait * 2 / 5).max(wait.min(Duration::from_millis(150)));
    let port = addr.port();
    let greeting = match exchange(addr, b"", greet_until).await {
        Ok(g) => g,
        Err(Lost) => {
            return Finding {
                lost: true,
                ..Finding::default()
            }
        }
    };
    if let Some(data) = greeting {
        return match recognize::recognize("null", port, &data) {
            Some(mut a) => {
                if login && a.identified.name == "ftp" && ftp_anonymous(addr, deadline).await {
                    a = a.finding(
                        "ftp-anonymous",
                        crate::model::Severity::High,
                        "FTP lets anyone log in as \"anonymous\"".into(),
                    );
                }
                finish(addr, a, Some(data))
            }
            // The service spoke but we do not know the language: keep its words.
            None => Finding {
                banner: Some(Banner(data)),
                ..Finding::default()
            },
        };
    }
    let token = token(addr);
    let probes = probes::tcp_probes(port, host, &token);
    let lost = std::cell::Cell::new(false);
    let lost_ref = &lost;
    let tcp = futures::future::join_all(probes.iter().map(|p| async move {
        let data = match exchange(addr, &p.send, deadline).await {
            Ok(d) => d?,
            Err(Lost) => {
                lost_ref.set(true);
                return None;
            }
        };
        let a = probes::parse_tcp(p, port, &data)?;
        Some((a, data))
    }));
    let (answers, tls) = tokio::join!(tcp, tls::probe(addr, host, deadline));
    let mut best: Option<(Answer, Option<Vec<u8>>)> = None;
    let mut consider = |a: Answer, data: Option<Vec<u8>>| {
        let better = best
            .as_ref()
            .is_none_or(|(b, _)| rank(a.identified.probe) < rank(b.identified.probe));
        if better {
            best = Some((a, data));
        }
    };
    for (a, data) in answers.into_iter().flatten() {
        consider(a, Some(data));
    }
    if let Some(a) = tls {
        consider(a, None);
    }
    let Some((mut a, data)) = best else {
        return Finding {
            lost: lost.get(),
            ..Finding::default()
        };
    };
    if a.identified.probe == "tls" {
        let legacy = tls::legacy_versions(addr, deadline).await;
        if let (Some(info), Some(oldest)) = (a.identified.tls.as_mut(), legacy.first()) {
            info.legacy_version = Some((*oldest).to_string());
        }
        if !legacy.is_empty() {
            a = a.finding(
                "tls-legacy-version",
                crate::model::Severity::Medium,
                format!("the server still accepts {}", legacy.join(" and ")),
            );
        }
    }
    finish(addr, a, data)
}

/// Reads one FTP reply (all its lines) and returns its code.
async fn ftp_reply(s: &mut TcpStream, deadline: Instant) -> Option<u16> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 512];
    loop {
        let n = timeout_at(deadline, s.read(&mut chunk)).await.ok()?.ok()?;
        if n == 0 || buf.len() > 8192 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        // A reply ends with a line `ddd ` (a hyphen marks continuation lines).
        let text = String::from_utf8_lossy(&buf);
        if let Some(last) = text.split("\r\n").filter(|l| !l.is_empty()).last() {
            let b = last.as_bytes();
            if text.ends_with('\n') && b.len() >= 4 && b[3] == b' ' {
                return last.get(..3)?.parse().ok();
            }
        }
    }
}

/// Whether the FTP server at `addr` accepts the anonymous login it may offer to everyone
/// (`USER anonymous`, an e-mail-shaped password as RFC 1635 asks); nothing else is sent but
/// `QUIT`.
async fn ftp_anonymous(addr: SocketAddr, deadline: Instant) -> bool {
    let run = async {
        let mut s = TcpStream::connect(addr).await.ok()?;
        if ftp_reply(&mut s, deadline).await? != 220 {
            return None;
        }
        s.write_all(b"USER anonymous\r\n").await.ok()?;
        let mut code = ftp_reply(&mut s, deadline).await?;
        if code == 331 {
            s.write_all(b"PASS portwarden@example.invalid\r\n")
                .await
                .ok()?;
            code = ftp_reply(&mut s, deadline).await?;
        }
        let _ = s.write_all(b"QUIT\r\n").await;
        Some(code == 230)
    };
    timeout_at(deadline, run)
        .await
        .ok()
        .flatten()
        .unwrap_or(false)
}

/// What the raw UDP scan's own payload brought back on `port`, identified; `None` when the
/// answer says nothing we know.
pub fn identify_udp(port: u16, reply: &[u8]) -> Option<Finding> {
    let a = probes::parse_udp(port, reply)?;
    let mut id = a.identified;
    id.usual_port = Some(port);
    Some(Finding {
        banner: None,
        identified: Some(id),
        findings: a.findings,
        lost: false,
    })
}

/// Puts what identification found into a port's result; a service found off its usual port
/// raises the port's risk to that service's.
pub fn apply(p: &mut PortResult, f: Finding) {
    if f.banner.is_some() {
        p.banner = f.banner;
    }
    if let Some(id) = &f.identified {
        if id.off_port {
            if let Some(e) = id
                .usual_port
                .and_then(|u| portwarden_kb::security(p.protocol, u))
            {
                p.risk = p.risk.max(Some(e.risk));
            }
        }
    }
    if f.identified.is_some() {
        p.identified = f.identified;
    }
    p.findings.extend(f.findings);
}

/// How identification runs after a scan that did not connect (SYN, UDP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdentOptions {
    /// When to identify.
    pub mode: BannerMode,
    /// Bound on each port's identification.
    pub wait: Duration,
    /// Ports identified at once.
    pub parallelism: usize,
    /// The one login-like probe: FTP's anonymous login (`--no-login-probes` turns it off).
    pub login_probes: bool,
}

impl Default for IdentOptions {
    fn default() -> Self {
        IdentOptions {
            mode: BannerMode::Off,
            wait: Duration::from_millis(1000),
            parallelism: 32,
            login_probes: true,
        }
    }
}

/// Identifies the open TCP ports of finished `hosts` (all of them at once, `parallelism`
/// at a time), as the connect scan does for its own. `open_seen` counts open ports over the
/// whole scan, for [`BannerMode::Auto`]. Blocks; runs its own runtime on a thread of its
/// own, so it may be called from anywhere. Returns how many open ports were left
/// unidentified for want of a file descriptor (`ScanStats::ident_lost`).
pub fn identify_hosts(hosts: &mut [HostResult], opts: IdentOptions, open_seen: &mut u64) -> u64 {
    let todo: Vec<(usize, usize, SocketAddr, String)> = hosts
        .iter()
        .enumerate()
        .flat_map(|(hi, h)| {
            let name = h.hostname.clone().unwrap_or_else(|| match h.addr {
                IpAddr::V4(a) => a.to_string(),
                IpAddr::V6(a) => format!("[{a}]"),
            });
            h.ports
                .iter()
                .enumerate()
                .filter(|(_, p)| p.state == PortState::Open && p.protocol == Protocol::Tcp)
                .map(move |(pi, p)| (hi, pi, SocketAddr::new(h.addr, p.port), name.clone()))
        })
        .collect();
    *open_seen += todo.len() as u64;
    let want = !todo.is_empty()
        && match opts.mode {
            BannerMode::On => true,
            BannerMode::Off => false,
            BannerMode::Auto => *open_seen <= AUTO_BANNER_LIMIT,
        };
    if !want {
        return 0;
    }
    let par = opts.parallelism.max(1);
    let wait = opts.wait;
    let login = opts.login_probes;
    let found = std::thread::scope(|sc| {
        sc.spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            Some(rt.block_on(async move {
                use futures::StreamExt;
                futures::stream::iter(todo)
                    .map(|(hi, pi, addr, host)| async move {
                        (hi, pi, identify(addr, &host, wait, login).await)
                    })
                    .buffer_unordered(par)
                    .collect::<Vec<_>>()
                    .await
            }))
        })
        .join()
        .ok()
        .flatten()
    });
    let mut lost = 0;
    for (hi, pi, f) in found.unwrap_or_default() {
        lost += u64::from(f.lost);
        if let Some(p) = hosts.get_mut(hi).and_then(|h| h.ports.get_mut(pi)) {
            apply(p, f);
        }
    }
    lost
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_port_detection() {
        assert!(fits_port("ssh", 22));
        assert!(fits_port("http", 80));
        assert!(!fits_port("ssh", 80));
        assert!(!fits_port("redis", 22));
        assert!(fits_port("ssl", 443));
        assert!(fits_port("memcached", 11211));
    }

    #[test]
    fn echo_outranks_everything() {
        assert!(rank("echo") < rank("tls"));
        assert!(rank("dns") < rank("http"));
    }
}
