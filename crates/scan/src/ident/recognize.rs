//! From bytes a service sent to what it is: the protocol (by its shape), then product,
//! version, vendor and CPE from Rapid7 Recog's fingerprints ([`portwarden_fingerprint`]),
//! and what the answer proves ([`ServiceFinding`]s). Pure functions over untrusted bytes:
//! every length is checked, nothing panics.

use crate::model::{Identified, ServiceFinding, Severity};
use portwarden_fingerprint::{lookup, Match};

/// A recognised answer: the service and what it proves.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Answer {
    /// The service.
    pub identified: Identified,
    /// What the answer proves.
    pub findings: Vec<ServiceFinding>,
}

impl Answer {
    /// An answer naming `name`, found by `probe`, nothing more known yet.
    pub fn new(name: &'static str, probe: &'static str) -> Answer {
        Answer {
            identified: Identified::new(name, probe),
            findings: Vec::new(),
        }
    }

    /// Adds a finding.
    pub fn finding(mut self, id: &'static str, severity: Severity, detail: String) -> Answer {
        self.findings.push(ServiceFinding {
            id,
            severity,
            detail,
        });
        self
    }
}

/// The first line of `data` (without its line end), at most 300 bytes, lossily decoded.
pub fn first_line(data: &[u8]) -> String {
    let end = data
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(data.len())
        .min(300);
    String::from_utf8_lossy(&data[..end]).trim().to_string()
}

fn contains_ci(hay: &str, needle: &str) -> bool {
    hay.to_ascii_lowercase().contains(needle)
}

/// Copies what a Recog match says into `id`: product, version, vendor, CPEs, and the
/// operating system (or else the hardware) as `extrainfo` when nothing else fills it.
pub fn apply(id: &mut Identified, m: &Match) {
    if let Some(p) = m.product().or_else(|| m.get("service.family")) {
        id.product = Some(p.to_string());
    }
    if let Some(v) = m.version() {
        id.version = Some(v.to_string());
    }
    if let Some(v) = m.vendor() {
        id.vendor = Some(v.to_string());
    }
    for c in [m.cpe(), m.os_cpe()].into_iter().flatten() {
        if !id.cpe.iter().any(|x| x == c) {
            id.cpe.push(c.to_string());
        }
    }
    if id.extrainfo.is_none() {
        id.extrainfo = m.os().or_else(|| m.hw());
    }
}

/// Matches `text` against Recog database `db` and applies the result; true when it matched.
pub fn fingerprint(id: &mut Identified, db: &str, text: &str) -> bool {
    match lookup(db, text) {
        Some(m) => {
            apply(id, &m);
            true
        }
        None => false,
    }
}

/// `name/1.2.3 (extra)` → product `name`, version `1.2.3`: the generic shape of `Server`
/// headers and SSH software strings that no fingerprint knows.
fn generic_product(id: &mut Identified, text: &str) {
    let token = text.split_whitespace().next().unwrap_or("");
    let (p, v) = match token.split_once(['/', '_']) {
        Some((p, v)) if !p.is_empty() => (p, Some(v)),
        _ => (token, None),
    };
    if !p.is_empty() {
        id.product = Some(p.chars().take(60).collect());
        id.version = v
            .filter(|v| v.chars().next().is_some_and(|c| c.is_ascii_digit()))
            .map(|v| v.chars().take(40).collect());
    }
}

/// Recognises a service from the bytes it sent in answer to `probe` (`null`: its greeting)
/// on `port`.
pub fn recognize(probe: &'static str, port: u16, data: &[u8]) -> Option<Answer> {
    if data.is_empty() {
        return None;
    }
    if data.starts_with(b"SSH-") {
        return Some(ssh(probe, data));
    }
    if data.starts_with(b"HTTP/1.") || data.starts_with(b"HTTP/2") {
        return Some(http(probe, data));
    }
    if data.first() == Some(&0xff) && data.get(1).is_some_and(|&b| (0xfb..=0xfe).contains(&b)) {
        return Some(telnet(probe, data));
    }
    if data.starts_with(b"220") {
        return Some(ftp_or_smtp(probe, port, data));
    }
    if data.starts_with(b"+OK") {
        let line = first_line(data);
        let mut a = Answer::new("pop3", probe);
        fingerprint(
            &mut a.identified,
            "pop3.banner",
            line.get(3..).unwrap_or("").trim(),
        );
        return Some(a);
    }
    if data.starts_with(b"* OK") || data.starts_with(b"* PREAUTH") || data.starts_with(b"* BYE") {
        let line = first_line(data);
        let rest = line
            .strip_prefix("* OK")
            .or_else(|| line.strip_prefix("* PREAUTH"))
            .unwrap_or(&line)
            .trim();
        // `[CAPABILITY …]` comes before the greeting text that fingerprints describe.
        let text = match rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
            Some((_, after)) => after.trim(),
            None => rest,
        };
        let mut a = Answer::new("imap", probe);
        if !fingerprint(&mut a.identified, "imap4.banner", text) && contains_ci(text, "dovecot") {
            a.identified.product = Some("Dovecot".into());
        }
        if a.identified.product.is_none() && contains_ci(text, "dovecot") {
            a.identified.product = Some("Dovecot".into());
        }
        return Some(a);
    }
    if data.starts_with(b"RFB 0") {
        let mut a = Answer::new("vnc", probe);
        a.identified.extrainfo = Some(format!("protocol {}", first_line(&data[4..])));
        return Some(a);
    }
    if let Some(a) = redis(probe, data) {
        return Some(a);
    }
    if let Some(a) = mysql(probe, data) {
        return Some(a);
    }
    if let Some(a) = chargen(probe, data) {
        return Some(a);
    }
    if let Some(a) = daytime(probe, data) {
        return Some(a);
    }
    None
}

fn ssh(probe: &'static str, data: &[u8]) -> Answer {
    let line = first_line(data);
    let mut a = Answer::new("ssh", probe);
    // SSH-protoversion-softwareversion SP comments
    let mut parts = line.splitn(3, '-');
    let _ = parts.next();
    let proto = parts.next().unwrap_or("");
    let software = parts.next().unwrap_or("");
    if !fingerprint(&mut a.identified, "ssh.banner", software) {
        generic_product(&mut a.identified, software);
    }
    let comment = software.split_once(' ').map(|(_, c)| c.trim());
    let mut extra = Vec::new();
    if let Some(c) = comment.filter(|c| !c.is_empty()) {
        extra.push(c.to_string());
    }
    if !proto.is_empty() {
        extra.push(format!("protocol {proto}"));
    }
    if !extra.is_empty() {
        a.identified.extrainfo = Some(extra.join("; "));
    }
    a
}

/// The headers of an HTTP answer, lower-cased names, at most 64 of them.
pub fn http_headers(data: &[u8]) -> Vec<(String, String)> {
    let head_end = data
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(data.len());
    String::from_utf8_lossy(&data[..head_end])
        .lines()
        .skip(1)
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            Some((k.trim().to_ascii_lowercase(), v.trim().to_string()))
        })
        .take(64)
        .collect()
}

/// The text of the first `<title>` in an HTML body, whitespace collapsed.
pub fn html_title(data: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(data);
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<title")?;
    let open_end = start + lower[start..].find('>')? + 1;
    let close = open_end + lower[open_end..].find("</title")?;
    let t: String = text
        .get(open_end..close)?
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (!t.is_empty()).then(|| t.chars().take(200).collect())
}

fn http(probe: &'static str, data: &[u8]) -> Answer {
    let mut a = Answer::new("http", probe);
    let headers = http_headers(data);
    let get = |k: &str| {
        headers
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    };
    let id = &mut a.identified;
    let mut known = false;
    if let Some(server) = get("server") {
        known = fingerprint(id, "http_header.server", server);
        if !known {
            generic_product(id, server);
        }
    }
    if let Some(xp) = get("x-powered-by") {
        let mut other = Identified::default();
        if fingerprint(&mut other, "http_header.x-powered-by", xp) || !known {
            id.cpe.extend(other.cpe);
        }
        if id.extrainfo.is_none() {
            id.extrainfo = Some(format!(
                "powered by {}",
                xp.chars().take(60).collect::<String>()
            ));
        }
    }
    if id.product.is_none() {
        if let Some(auth) = get("www-authenticate") {
            fingerprint(id, "http_header.wwwauth", auth);
        }
    }
    if id.product.is_none() {
        if let Some(t) = html_title(data) {
            fingerprint(id, "html_title", &t);
        }
    }
    a
}

fn telnet(probe: &'static str, data: &[u8]) -> Answer {
    // Strip IAC option negotiation (IAC cmd opt, and sub-negotiations) to reach any text.
    let mut text = Vec::new();
    let mut i = 0;
    while i < data.len() {
        match data[i] {
            0xff if data.get(i + 1) == Some(&0xfa) => {
                // SB … IAC SE
                let end = data[i..]
                    .windows(2)
                    .position(|w| w == [0xff, 0xf0])
                    .map_or(data.len(), |p| i + p + 2);
                i = end;
            }
            0xff if data.get(i + 1).is_some_and(|&c| c >= 0xfb) => i += 3,
            0xff => i += 2,
            b => {
                text.push(b);
                i += 1;
            }
        }
    }
    let mut a = Answer::new("telnet", probe);
    let line = String::from_utf8_lossy(&text).trim().to_string();
    if !line.is_empty() {
        fingerprint(&mut a.identified, "telnet_banners", &line);
    }
    a.finding(
        "cleartext-login",
        Severity::Medium,
        "telnet offers a login whose password crosses the network unencrypted".into(),
    )
}

fn ftp_or_smtp(probe: &'static str, port: u16, data: &[u8]) -> Answer {
    // A greeting may take several lines (`220-…`, then `220 …`): each is tried.
    let text = String::from_utf8_lossy(&data[..data.len().min(super::BANNER_MAX)]);
    let lines: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("220"))
        .map(|l| l.trim_start_matches(['-', ' ']).trim())
        .filter(|l| !l.is_empty())
        .take(16)
        .collect();
    let all = lines.join(" ");
    let smtp_words = ["smtp", "esmtp", "mail", "postfix", "exim", "sendmail"];
    let smtp = smtp_words.iter().any(|w| contains_ci(&all, w))
        || (matches!(port, 25 | 465 | 587 | 2525) && !contains_ci(&all, "ftp"));
    if smtp {
        let mut a = Answer::new("smtp", probe);
        let known = lines
            .iter()
            .any(|l| fingerprint(&mut a.identified, "smtp.banner", l));
        if !known && contains_ci(&all, "postfix") {
            a.identified.product = Some("Postfix smtpd".into());
        }
        return a;
    }
    let mut a = Answer::new("ftp", probe);
    let _ = lines
        .iter()
        .any(|l| fingerprint(&mut a.identified, "ftp.banner", l));
    if probe == "null" {
        a = a.finding(
            "cleartext-login",
            Severity::Medium,
            "FTP offers a login whose password crosses the network unencrypted".into(),
        );
    }
    a
}

fn redis(probe: &'static str, data: &[u8]) -> Option<Answer> {
    if data.starts_with(b"+PONG") {
        return Some(Answer::new("redis", probe));
    }
    if data.starts_with(b"-NOAUTH") || data.starts_with(b"-WRONGPASS") {
        let mut a = Answer::new("redis", probe);
        a.identified.product = Some("Redis key-value store".into());
        a.identified.extrainfo = Some("password required".into());
        return Some(a);
    }
    if probe == "redis" && data.starts_with(b"-DENIED") {
        let mut a = Answer::new("redis", probe);
        a.identified.product = Some("Redis key-value store".into());
        a.identified.extrainfo = Some("protected mode".into());
        return Some(a);
    }
    // INFO server: a bulk string with `redis_version:`.
    if data.starts_with(b"$") {
        let text = String::from_utf8_lossy(data);
        let version = text
            .lines()
            .find_map(|l| l.strip_prefix("redis_version:"))?
            .trim()
            .to_string();
        let mut a = Answer::new("redis", probe);
        a.identified.product = Some("Redis key-value store".into());
        a.identified.vendor = Some("Redis".into());
        a.identified
            .cpe
            .push(format!("cpe:/a:redis:redis:{version}"));
        a.identified.version = Some(version);
        return Some(a.finding(
            "redis-no-auth",
            Severity::High,
            "Redis answers commands without a password".into(),
        ));
    }
    None
}

fn mysql(probe: &'static str, data: &[u8]) -> Option<Answer> {
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
            let v = String::from_utf8_lossy(v).to_string();
            let mut a = Answer::new("mysql", probe);
            if !fingerprint(&mut a.identified, "mysql.banners", &v) {
                a.identified.product = Some("MySQL".into());
                a.identified.version = Some(v);
            }
            Some(a)
        }
        0xff if data.len() >= 7 => {
            let mut a = Answer::new("mysql", probe);
            let msg = String::from_utf8_lossy(&data[7..]).to_string();
            fingerprint(&mut a.identified, "mysql.error", &msg);
            a.identified.extrainfo = Some("unauthorized".into());
            Some(a)
        }
        _ => None,
    }
}

/// RFC 864 chargen: lines of 72 printable characters, each the previous one rotated by one.
fn chargen(probe: &'static str, data: &[u8]) -> Option<Answer> {
    let mut lines = data
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let a = lines.next()?;
    let b = lines.next()?;
    let printable = |l: &[u8]| l.len() >= 32 && l.iter().all(|c| (0x20..0x7f).contains(c));
    if !(printable(a) && printable(b) && a.len() == b.len()) {
        return None;
    }
    let rotated = a.iter().skip(1).zip(b).all(|(x, y)| x == y);
    rotated.then(|| Answer::new("chargen", probe))
}

/// RFC 867 daytime: one short line with a time of day and a year.
fn daytime(probe: &'static str, data: &[u8]) -> Option<Answer> {
    if data.len() > 100 {
        return None;
    }
    let line = first_line(data);
    let has_time = line.as_bytes().windows(8).any(|w| {
        w[2] == b':' && w[5] == b':' && [0, 1, 3, 4, 6, 7].iter().all(|&i| w[i].is_ascii_digit())
    });
    let has_year = line
        .split(|c: char| !c.is_ascii_digit())
        .any(|n| n.len() == 4 && n.starts_with(['1', '2']));
    (has_time && has_year).then(|| {
        let mut a = Answer::new("daytime", probe);
        a.identified.extrainfo = Some(line.chars().take(60).collect());
        a
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(data: &[u8]) -> Identified {
        recognize("null", 0, data).expect("recognised").identified
    }

    #[test]
    fn greetings_get_product_version_cpe() {
        let s = id(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n");
        assert_eq!(s.name, "ssh");
        assert_eq!(s.product.as_deref(), Some("OpenSSH"));
        assert_eq!(s.version.as_deref(), Some("9.2p1"));
        assert!(
            s.cpe.iter().any(|c| c == "cpe:/a:openbsd:openssh:9.2p1"),
            "{s:?}"
        );
        assert!(s
            .extrainfo
            .as_deref()
            .unwrap_or("")
            .contains("protocol 2.0"));
        let f = id(b"220-Welcome to our server\r\n220 (vsFTPd 3.0.3)\r\n");
        assert_eq!((f.name, f.product.as_deref()), ("ftp", Some("vsFTPd")));
        assert_eq!(f.version.as_deref(), Some("3.0.3"));
        let m = id(b"220 mail.example ESMTP Postfix (Debian/GNU)\r\n");
        assert_eq!(m.name, "smtp");
        assert_eq!(m.product.as_deref(), Some("Postfix"));
        let i = id(b"* OK [CAPABILITY IMAP4rev1 SASL-IR] Dovecot (Debian) ready.\r\n");
        assert_eq!((i.name, i.product.as_deref()), ("imap", Some("Dovecot")));
        let p = id(b"+OK Dovecot (Debian) ready.\r\n");
        assert_eq!(p.name, "pop3");
        assert_eq!(p.product.as_deref(), Some("Dovecot"));
    }

    #[test]
    fn product_is_never_the_raw_banner() {
        let s = id(b"SSH-2.0-FooSSH_1.2 hi\r\n");
        assert_eq!(s.product.as_deref(), Some("FooSSH"));
        assert_eq!(s.version.as_deref(), Some("1.2"));
    }

    #[test]
    fn http_server_header_and_title() {
        let h = recognize(
            "http",
            80,
            b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n\r\n<html><title>x</title>",
        )
        .expect("http")
        .identified;
        assert_eq!(h.product.as_deref(), Some("nginx"));
        assert_eq!(h.version.as_deref(), Some("1.22.1"));
        assert!(h.cpe.iter().any(|c| c.starts_with("cpe:/a:")), "{h:?}");
        let a = recognize(
            "http",
            80,
            b"HTTP/1.1 200 OK\r\nServer: Apache/2.4.62 (Debian)\r\n\r\n",
        )
        .expect("http")
        .identified;
        assert_eq!(a.product.as_deref(), Some("HTTPD"));
        assert_eq!(a.version.as_deref(), Some("2.4.62"));
        let t = recognize("http", 80, b"HTTP/1.0 200 OK\r\nServer: toy/1.0\r\n\r\n")
            .expect("http")
            .identified;
        assert_eq!(
            (t.product.as_deref(), t.version.as_deref()),
            (Some("toy"), Some("1.0"))
        );
        assert_eq!(
            html_title(b"<HTML><TITLE>\n Hello   there </TITLE>").as_deref(),
            Some("Hello there")
        );
        assert_eq!(html_title(b"<title>unclosed"), None);
    }

    #[test]
    fn mysql_redis_telnet_small_protocols() {
        let mut my = vec![0x4a, 0, 0, 0, 0x0a];
        my.extend_from_slice(b"5.5.5-10.11.6-MariaDB-0+deb12u1\0");
        my.extend_from_slice(&[1, 2, 3, 4]);
        let m = id(&my);
        assert_eq!(m.name, "mysql");
        assert!(m.product.is_some(), "{m:?}");
        let r = recognize(
            "redis",
            6379,
            b"$300\r\n# Server\r\nredis_version:7.0.15\r\n",
        )
        .expect("redis");
        assert_eq!(r.identified.version.as_deref(), Some("7.0.15"));
        assert_eq!(r.findings[0].id, "redis-no-auth");
        let r = recognize("redis", 6379, b"-NOAUTH Authentication required.\r\n").expect("r");
        assert!(r.findings.is_empty());
        let t = recognize("null", 23, &[0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20]).expect("telnet");
        assert_eq!(t.identified.name, "telnet");
        assert_eq!(t.findings[0].id, "cleartext-login");
        let cg: Vec<u8> = (0..3)
            .flat_map(|i| {
                let mut l: Vec<u8> = (0..72).map(|j| b'!' + ((i + j) % 94) as u8).collect();
                l.extend_from_slice(b"\r\n");
                l
            })
            .collect();
        assert_eq!(id(&cg).name, "chargen");
        assert_eq!(id(b"Thu Dec  3 08:10:45 2026\r\n").name, "daytime");
        assert_eq!(id(b"03 DEC 2026 08:10:45 UTC\n").name, "daytime");
        assert!(recognize("null", 0, b"hello").is_none());
        assert!(recognize("null", 0, b"").is_none());
        assert!(recognize("null", 0, &[0x16, 0x03, 0x01, 0, 5]).is_none());
    }
}
