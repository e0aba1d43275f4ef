//! Light service identification: read what an open port says first; if it is silent,
//! try a few harmless probes (HTTP `GET /`, Redis `PING`, a TLS ClientHello) and
//! recognise the answer. The probes and patterns are our own.
//!
//! Out of file descriptors (EMFILE/ENFILE), a connection waits and tries again (up to
//! [`FD_WAIT`]); a port that still could not be asked is marked [`Finding::lost`], so
//! the caller can count it instead of losing it silently.

use crate::model::{Banner, Identified};
use portwarden_kb::Protocol;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout, Instant};

/// Largest banner kept, in bytes.
pub const BANNER_MAX: usize = 1024;

/// A probe sent to a silent service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// Nothing sent: the service's greeting.
    Null,
    /// `GET / HTTP/1.0` with a Host header.
    Http,
    /// Redis inline `PING`.
    Redis,
    /// A TLS ClientHello.
    Tls,
}

impl Probe {
    /// Short name, as stored in [`Identified::probe`].
    pub fn as_str(self) -> &'static str {
        match self {
            Probe::Null => "null",
            Probe::Http => "http",
            Probe::Redis => "redis",
            Probe::Tls => "tls",
        }
    }
}

/// What identification found for one port.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Finding {
    /// The greeting, or the answer that identified the service.
    pub banner: Option<Banner>,
    /// The identified service.
    pub identified: Option<Identified>,
    /// No connection could be made for want of file descriptors: the port was not
    /// identified, through no fault of its own.
    pub lost: bool,
}

/// How long one connection waits, in all, for a free file descriptor.
pub const FD_WAIT: Duration = Duration::from_secs(10);

/// Out of descriptors: the process's or the system's.
fn fd_shortage(e: &std::io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(c) if c == nix::errno::Errno::EMFILE as i32 || c == nix::errno::Errno::ENFILE as i32
    )
}

/// Connects within `wait`, waiting (up to [`FD_WAIT`]) for a descriptor when there is
/// none. `Err(())` when none came free; `Ok(None)` when the connection failed. The
/// exchange's deadline starts when the socket exists.
async fn connect(addr: SocketAddr, wait: Duration) -> Result<Option<(TcpStream, Instant)>, ()> {
    let give_up = Instant::now() + FD_WAIT;
    let mut pause = Duration::from_millis(5);
    loop {
        let deadline = Instant::now() + wait;
        match tokio::time::timeout_at(deadline, TcpStream::connect(addr)).await {
            Err(_) => return Ok(None),
            Ok(Ok(s)) => return Ok(Some((s, deadline))),
            Ok(Err(e)) if fd_shortage(&e) => {
                if Instant::now() + pause > give_up {
                    return Err(());
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(200));
            }
            Ok(Err(_)) => return Ok(None),
        }
    }
}

fn first_line(data: &[u8]) -> String {
    let end = data
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(data.len())
        .min(200);
    String::from_utf8_lossy(&data[..end]).trim().to_string()
}

fn contains_ci(hay: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    hay.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

fn http_server(data: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(&data[..data.len().min(BANNER_MAX)]);
    text.lines()
        .take_while(|l| !l.trim().is_empty())
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("server")
                .then(|| v.trim().chars().take(120).collect::<String>())
        })
        .filter(|s| !s.is_empty())
}

/// Recognises a service from the bytes it sent in answer to `probe`.
/// Returns the service name and the product text it announced, if any.
pub fn recognize(probe: Probe, data: &[u8]) -> Option<(&'static str, Option<String>)> {
    if data.is_empty() {
        return None;
    }
    if data.starts_with(b"SSH-") {
        return Some(("ssh", Some(first_line(data))));
    }
    if data.starts_with(b"HTTP/1.") || data.starts_with(b"HTTP/2") {
        return Some(("http", http_server(data)));
    }
    if data.len() >= 3 && (data[0] == 0x16 || data[0] == 0x15) && data[1] == 0x03 && data[2] <= 0x04
    {
        return Some(("tls", None));
    }
    if data.starts_with(b"220") {
        let line = first_line(data);
        let head = line.as_bytes();
        if contains_ci(head, "smtp") || contains_ci(head, "esmtp") || contains_ci(head, "mail") {
            return Some(("smtp", Some(line)));
        }
        return Some(("ftp", Some(line)));
    }
    if data.starts_with(b"+OK") {
        return Some(("pop3", Some(first_line(data))));
    }
    if data.starts_with(b"* OK") || data.starts_with(b"* PREAUTH") || data.starts_with(b"* BYE") {
        return Some(("imap", Some(first_line(data))));
    }
    if data.starts_with(b"RFB 0") {
        return Some(("vnc", Some(first_line(data))));
    }
    if data.starts_with(b"+PONG") {
        return Some(("redis", None));
    }
    if probe == Probe::Redis
        && (data.starts_with(b"-NOAUTH")
            || data.starts_with(b"-ERR")
            || data.starts_with(b"-DENIED")
            || data.starts_with(b"-WRONGPASS"))
    {
        return Some(("redis", Some(first_line(&data[1..]))));
    }
    if let Some(m) = mysql(data) {
        return Some(("mysql", m));
    }
    None
}

fn mysql(data: &[u8]) -> Option<Option<String>> {
    if data.len() < 6 {
        return None;
    }
    let len = usize::from(data[0]) | usize::from(data[1]) << 8 | usize::from(data[2]) << 16;
    if data[3] != 0 || !(2..=4096).contains(&len) {
        return None;
    }
    match data[4] {
        0x0a => {
            let rest = &data[5..];
            let end = rest.iter().position(|&b| b == 0)?;
            let v = &rest[..end];
            if v.is_empty() || end > 60 || !v.iter().all(|b| b.is_ascii_graphic()) {
                return None;
            }
            Some(Some(format!("MySQL {}", String::from_utf8_lossy(v))))
        }
        0xff if data.len() >= 7 => Some(None),
        _ => None,
    }
}

/// The port a recognised service normally uses.
pub fn usual_port(name: &str) -> Option<u16> {
    Some(match name {
        "ssh" => 22,
        "http" => 80,
        "tls" => 443,
        "smtp" => 25,
        "ftp" => 21,
        "pop3" => 110,
        "imap" => 143,
        "redis" => 6379,
        "mysql" => 3306,
        "vnc" => 5900,
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
        "tls" => any(&|n| {
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
        other => any(&|n| n == other || n.starts_with(other)),
    }
}

/// A TLS 1.2/1.3-compatible ClientHello (no SNI), enough to make a TLS server answer
/// with a ServerHello or an alert.
pub fn client_hello() -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&[0x03, 0x03]);
    body.extend((0u8..32).map(|i| i.wrapping_mul(37).wrapping_add(11)));
    body.push(0); // session id
    let suites: [u16; 11] = [
        0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0x009c, 0x002f,
    ];
    body.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for s in suites {
        body.extend_from_slice(&s.to_be_bytes());
    }
    body.extend_from_slice(&[0x01, 0x00]); // compression: null
    let mut ext = Vec::new();
    let mut push_ext = |ty: u16, data: &[u8]| {
        ext.extend_from_slice(&ty.to_be_bytes());
        ext.extend_from_slice(&(data.len() as u16).to_be_bytes());
        ext.extend_from_slice(data);
    };
    push_ext(0x000a, &[0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18]); // groups
    push_ext(0x000b, &[0x01, 0x00]); // ec point formats
    push_ext(
        0x000d,
        &[0x00, 0x08, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x01],
    ); // signature algorithms
    push_ext(0x002b, &[0x04, 0x03, 0x04, 0x03, 0x03]); // supported versions 1.3, 1.2
    let mut ks = vec![0x00, 0x24, 0x00, 0x1d, 0x00, 0x20];
    ks.extend((0u8..32).map(|i| i.wrapping_mul(13).wrapping_add(9)));
    push_ext(0x0033, &ks); // key share (x25519)
    body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    body.extend_from_slice(&ext);
    let mut hs = vec![0x01];
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![0x16, 0x03, 0x01];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

/// One exchange: `Err(())` when no descriptor came free, else what the service said.
async fn exchange(addr: SocketAddr, send: &[u8], wait: Duration) -> Result<Option<Vec<u8>>, ()> {
    let Some((s, deadline)) = connect(addr, wait).await? else {
        return Ok(None);
    };
    Ok(talk(s, deadline, send).await)
}

async fn talk(mut s: TcpStream, deadline: Instant, send: &[u8]) -> Option<Vec<u8>> {
    if !send.is_empty() {
        tokio::time::timeout_at(deadline, s.write_all(send))
            .await
            .ok()?
            .ok()?;
    }
    let mut buf = vec![0u8; BANNER_MAX];
    let mut got = 0;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        // After the first bytes, wait only briefly for the rest of the greeting.
        let step = if got == 0 {
            left
        } else {
            left.min(Duration::from_millis(60))
        };
        match timeout(step, s.read(&mut buf[got..])).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => {
                got += n;
                if got >= buf.len() {
                    break;
                }
            }
        }
    }
    buf.truncate(got);
    (got > 0).then_some(buf)
}

fn finding(addr: SocketAddr, probe: Probe, data: Vec<u8>) -> Option<Finding> {
    let (name, product) = recognize(probe, &data)?;
    Some(Finding {
        banner: Some(Banner(data)),
        identified: Some(Identified {
            name,
            product,
            probe: probe.as_str(),
            off_port: !fits_port(name, addr.port()),
            usual_port: usual_port(name),
        }),
        lost: false,
    })
}

/// Identifies the service at `addr`: its greeting first; if it stays silent, the HTTP,
/// Redis and TLS probes go out together (one connection each) and the first recognised
/// answer, in that order of preference, wins. `wait` bounds each exchange, so a silent
/// port costs at most about twice `wait` (plus up to [`FD_WAIT`] per exchange when out
/// of descriptors; [`Finding::lost`] if none came free). `host` is sent in the HTTP
/// Host header.
pub async fn identify(addr: SocketAddr, host: &str, wait: Duration) -> Finding {
    let greeting = match exchange(addr, b"", wait).await {
        Ok(g) => g,
        Err(()) => {
            return Finding {
                lost: true,
                ..Finding::default()
            }
        }
    };
    if let Some(data) = greeting {
        return finding(addr, Probe::Null, data.clone()).unwrap_or(Finding {
            // The service spoke but we do not know the language: keep its words.
            banner: Some(Banner(data)),
            identified: None,
            lost: false,
        });
    }
    let http =
        format!("GET / HTTP/1.0\r\nHost: {host}\r\nUser-Agent: portwarden\r\nAccept: */*\r\n\r\n");
    let hello = client_hello();
    let (h, r, t) = tokio::join!(
        exchange(addr, http.as_bytes(), wait),
        exchange(addr, b"PING\r\n", wait),
        exchange(addr, &hello, wait)
    );
    let lost = h.is_err() || r.is_err() || t.is_err();
    [(Probe::Http, h), (Probe::Redis, r), (Probe::Tls, t)]
        .into_iter()
        .find_map(|(p, d)| d.ok().flatten().and_then(|d| finding(addr, p, d)))
        .unwrap_or(Finding {
            lost,
            ..Finding::default()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognizes_greetings() {
        let r = |d: &[u8]| recognize(Probe::Null, d).map(|x| x.0);
        assert_eq!(r(b"SSH-2.0-OpenSSH_9.6\r\n"), Some("ssh"));
        assert_eq!(r(b"220 mail.example ESMTP Postfix\r\n"), Some("smtp"));
        assert_eq!(r(b"220 (vsFTPd 3.0.5)\r\n"), Some("ftp"));
        assert_eq!(r(b"+OK Dovecot ready.\r\n"), Some("pop3"));
        assert_eq!(r(b"* OK [CAPABILITY IMAP4rev1] ready\r\n"), Some("imap"));
        assert_eq!(r(b"-ERR x"), None);
        assert_eq!(
            recognize(Probe::Redis, b"-NOAUTH Authentication required.\r\n").map(|x| x.0),
            Some("redis")
        );
        assert_eq!(
            recognize(Probe::Redis, b"+PONG\r\n").map(|x| x.0),
            Some("redis")
        );
        assert_eq!(r(&[0x16, 0x03, 0x03, 0x00, 0x5a, 0x02]), Some("tls"));
        assert_eq!(r(&[0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28]), Some("tls"));
        let h = recognize(
            Probe::Http,
            b"HTTP/1.1 200 OK\r\nServer: nginx/1.24\r\n\r\nbody",
        );
        assert_eq!(h, Some(("http", Some("nginx/1.24".to_string()))));
        let mut my = vec![0x4a, 0, 0, 0, 0x0a];
        my.extend_from_slice(b"8.0.36\0");
        my.extend_from_slice(&[1, 2, 3, 4]);
        assert_eq!(r(&my), Some("mysql"));
        assert_eq!(r(b""), None);
        assert_eq!(r(b"hello"), None);
    }

    #[test]
    fn off_port_detection() {
        assert!(fits_port("ssh", 22));
        assert!(fits_port("http", 80));
        assert!(!fits_port("ssh", 80));
        assert!(!fits_port("redis", 22));
    }

    #[test]
    fn hello_is_well_formed() {
        let h = client_hello();
        assert_eq!(&h[..3], &[0x16, 0x03, 0x01]);
        assert_eq!(usize::from(u16::from_be_bytes([h[3], h[4]])), h.len() - 5);
    }
}
