//! Small read-only probes of our own, for services that greet nobody: what to send
//! (`*_request`) and what the answer says (`parse_*`). Written from the protocol
//! specifications: RFC 1035 (DNS over TCP, `version.bind` CHAOS TXT), RFC 5531/1833 (ONC
//! RPC portmapper DUMP), MS-SMB2 (NEGOTIATE), MQTT 3.1.1 (CONNECT/CONNACK), PostgreSQL's
//! SSLRequest, memcached's text protocol, Redis `INFO server`, RFC 862 echo, RFC 3416 SNMP,
//! RFC 5905 NTP. No login is attempted; parsers bound every length and never panic.

use super::recognize::{fingerprint, recognize, Answer};
use crate::model::Severity;

/// A probe for a silent TCP service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpProbe {
    /// Short name, stored in `Identified::probe`.
    pub name: &'static str,
    /// Bytes to send.
    pub send: Vec<u8>,
}

/// The probes for a silent TCP port: those the port's usual service needs, then the generic
/// ones (HTTP, Redis `INFO`, an echo token). TLS is tried separately. `host` goes into the
/// HTTP `Host` header; `token` is the random echo token.
pub fn tcp_probes(port: u16, host: &str, token: &[u8]) -> Vec<TcpProbe> {
    let mut v = Vec::new();
    let mut add = |name, send: Vec<u8>| v.push(TcpProbe { name, send });
    match port {
        53 => add("dns", dns_version_bind_tcp(token)),
        111 => add("rpc", rpc_dump_request(token)),
        139 | 445 => add("smb", smb2_negotiate_request()),
        1883 => add("mqtt", mqtt_connect_request(token)),
        5432 => add("postgresql", postgres_ssl_request()),
        11211 => add("memcached", b"version\r\n".to_vec()),
        _ => {}
    }
    add(
        "http",
        format!("GET / HTTP/1.0\r\nHost: {host}\r\nUser-Agent: portwarden\r\nAccept: */*\r\n\r\n")
            .into_bytes(),
    );
    add("redis", b"INFO server\r\n".to_vec());
    let mut echo = b"portwarden-".to_vec();
    echo.extend_from_slice(token);
    echo.extend_from_slice(b"\r\n");
    add("echo", echo);
    v
}

/// What an answer to `probe` (sent to `port`) says. `sent` is what we sent: an answer that
/// repeats it is an echo service, never the protocol we spoke.
pub fn parse_tcp(probe: &TcpProbe, port: u16, data: &[u8]) -> Option<Answer> {
    if data.is_empty() {
        return None;
    }
    if data.starts_with(&probe.send) || (data.len() >= 8 && probe.send.starts_with(data)) {
        return Some(Answer::new("echo", "echo"));
    }
    match probe.name {
        "dns" => parse_dns(data.get(2..)?, "dns"),
        "rpc" => parse_rpc_dump(data),
        "smb" => parse_smb2(port, data),
        "mqtt" => parse_connack(data),
        "postgresql" => parse_postgres(data),
        "memcached" => parse_memcached_version(data),
        "echo" => None,
        name => recognize(name, port, data),
    }
}

fn dns_query(id: [u8; 2]) -> Vec<u8> {
    let mut q = id.to_vec();
    q.extend_from_slice(&[0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]); // no recursion, 1 question
    for l in ["version", "bind"] {
        q.push(l.len() as u8);
        q.extend_from_slice(l.as_bytes());
    }
    q.push(0);
    q.extend_from_slice(&[0x00, 0x10, 0x00, 0x03]); // TXT, CHAOS
    q
}

/// DNS over TCP: `version.bind` CHAOS TXT with its two-byte length prefix.
pub fn dns_version_bind_tcp(token: &[u8]) -> Vec<u8> {
    let q = dns_query([
        token.first().copied().unwrap_or(1),
        token.get(1).copied().unwrap_or(2),
    ]);
    let mut v = (q.len() as u16).to_be_bytes().to_vec();
    v.extend_from_slice(&q);
    v
}

fn skip_name(m: &[u8], mut i: usize) -> Option<usize> {
    for _ in 0..128 {
        let l = *m.get(i)?;
        if l == 0 {
            return Some(i + 1);
        }
        if l & 0xc0 == 0xc0 {
            return Some(i + 2);
        }
        i += 1 + usize::from(l);
    }
    None
}

/// A DNS answer (without TCP length prefix): `domain`, with the first TXT answer as the
/// version (matched against Recog's `dns.versionbind`).
pub fn parse_dns(m: &[u8], probe: &'static str) -> Option<Answer> {
    if m.len() < 12 || m[2] & 0x80 == 0 {
        return None;
    }
    let mut a = Answer::new("domain", probe);
    let qd = u16::from_be_bytes([m[4], m[5]]);
    let an = u16::from_be_bytes([m[6], m[7]]);
    let mut i = 12;
    for _ in 0..qd {
        i = skip_name(m, i)? + 4;
    }
    for _ in 0..an.min(8) {
        i = skip_name(m, i)?;
        let ty = u16::from_be_bytes([*m.get(i)?, *m.get(i + 1)?]);
        let rdlen = usize::from(u16::from_be_bytes([*m.get(i + 8)?, *m.get(i + 9)?]));
        let rd = m.get(i + 10..i + 10 + rdlen)?;
        i += 10 + rdlen;
        if ty == 16 {
            let n = usize::from(*rd.first()?);
            let txt = String::from_utf8_lossy(rd.get(1..1 + n)?).to_string();
            if !fingerprint(&mut a.identified, "dns.versionbind", &txt) {
                a.identified.extrainfo = Some(txt.chars().take(80).collect());
            }
            break;
        }
    }
    Some(a)
}

/// ONC RPC call (record-marked for TCP): portmapper v2 DUMP, AUTH_NULL.
pub fn rpc_dump_request(token: &[u8]) -> Vec<u8> {
    let mut call = Vec::new();
    let xid = [
        token.first().copied().unwrap_or(7),
        token.get(1).copied().unwrap_or(7),
        token.get(2).copied().unwrap_or(7),
        token.get(3).copied().unwrap_or(7),
    ];
    call.extend_from_slice(&xid);
    for w in [0u32, 2, 100_000, 2, 4, 0, 0, 0, 0] {
        // CALL, RPC v2, portmapper, v2, DUMP, cred AUTH_NULL (flavor, len), verf AUTH_NULL
        call.extend_from_slice(&w.to_be_bytes());
    }
    let mut v = (0x8000_0000u32 | call.len() as u32).to_be_bytes().to_vec();
    v.extend_from_slice(&call);
    v
}

fn rpc_program(n: u32) -> Option<&'static str> {
    Some(match n {
        100_000 => "rpcbind",
        100_003 => "nfs",
        100_005 => "mountd",
        100_021 => "nlockmgr",
        100_024 => "status",
        100_227 => "nfs_acl",
        100_011 => "rquotad",
        _ => return None,
    })
}

/// A portmapper DUMP reply: `rpcbind`, with the registered programs as `extrainfo`.
pub fn parse_rpc_dump(data: &[u8]) -> Option<Answer> {
    let w = |i: usize| -> Option<u32> {
        Some(u32::from_be_bytes(data.get(i..i + 4)?.try_into().ok()?))
    };
    // Record mark, xid, REPLY(1), MSG_ACCEPTED(0), verf flavor, verf len, SUCCESS(0).
    if w(8)? != 1 || w(12)? != 0 {
        return None;
    }
    let verf_len = w(20)? as usize;
    let mut i = 24 + verf_len.min(400);
    if w(i)? != 0 {
        return Some(Answer::new("rpcbind", "rpc"));
    }
    i += 4;
    let mut progs: Vec<(u32, u32, u32)> = Vec::new();
    for _ in 0..256 {
        if w(i)? != 1 {
            break;
        }
        let (prog, vers, prot) = (w(i + 4)?, w(i + 8)?, w(i + 12)?);
        progs.push((prog, vers, prot));
        i += 20;
    }
    let mut a = Answer::new("rpcbind", "rpc");
    let mut names: Vec<String> = Vec::new();
    for (prog, _, _) in &progs {
        let vers: Vec<u32> = {
            let mut v: Vec<u32> = progs.iter().filter(|p| p.0 == *prog).map(|p| p.1).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let label = match rpc_program(*prog) {
            Some(n) => n.to_string(),
            None => prog.to_string(),
        };
        let (lo, hi) = (vers.first().copied(), vers.last().copied());
        let item = match (lo, hi) {
            (Some(l), Some(h)) if l != h => format!("{label} {l}-{h}"),
            (Some(l), _) => format!("{label} {l}"),
            _ => label,
        };
        if !names.contains(&item) {
            names.push(item);
        }
    }
    if let Some(v) = progs.iter().filter(|p| p.0 == 100_000).map(|p| p.1).max() {
        a.identified.version = Some(format!("2-{v}"));
    }
    if !names.is_empty() {
        a.identified.extrainfo = Some(format!("RPC #100000; {}", names.join(", ")));
    }
    Some(a)
}

/// An SMB2 NEGOTIATE request (NetBIOS session framing) offering dialects 2.0.2 to 3.1.1,
/// signing enabled but not required, no security blob.
pub fn smb2_negotiate_request() -> Vec<u8> {
    let mut h = vec![0xfe, b'S', b'M', b'B'];
    h.extend_from_slice(&64u16.to_le_bytes()); // structure size
    h.extend_from_slice(&[0; 2]); // credit charge
    h.extend_from_slice(&[0; 4]); // status
    h.extend_from_slice(&0u16.to_le_bytes()); // NEGOTIATE
    h.extend_from_slice(&1u16.to_le_bytes()); // credits
    h.extend_from_slice(&[0; 4]); // flags
    h.extend_from_slice(&[0; 4]); // next command
    h.extend_from_slice(&[0; 8]); // message id
    h.extend_from_slice(&[0; 4]); // reserved
    h.extend_from_slice(&[0; 4]); // tree id
    h.extend_from_slice(&[0; 8]); // session id
    h.extend_from_slice(&[0; 16]); // signature
    let dialects: [u16; 4] = [0x0202, 0x0210, 0x0300, 0x0302];
    let mut b = Vec::new();
    b.extend_from_slice(&36u16.to_le_bytes());
    b.extend_from_slice(&(dialects.len() as u16).to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes()); // security mode: signing enabled
    b.extend_from_slice(&[0; 2]);
    b.extend_from_slice(&0u32.to_le_bytes()); // capabilities
    b.extend_from_slice(b"portwarden-smb2!"); // client guid
    b.extend_from_slice(&[0; 8]); // client start time
    for d in dialects {
        b.extend_from_slice(&d.to_le_bytes());
    }
    h.extend_from_slice(&b);
    let mut v = vec![0];
    v.extend_from_slice(&(h.len() as u32).to_be_bytes()[1..]);
    v.extend_from_slice(&h);
    v
}

/// Whether an SMB2 NEGOTIATE response's ServerGuid is Samba's: Samba (4.17, measured
/// against Debian's smbd in `tests/daemons.rs`) fills it with its NetBIOS name and zero
/// padding (`vm\0\0…` on a host named vm), where Windows sends a random GUID. A name of
/// 1-15 NetBIOS characters followed only by zero bytes; a random GUID ends in ten zero
/// bytes with a chance of 2^-80.
fn samba_guid(guid: &[u8]) -> bool {
    let name_len = guid.iter().position(|&b| b == 0).unwrap_or(guid.len());
    (1..=15).contains(&name_len)
        && guid.len() == 16
        && guid.iter().skip(name_len).all(|&b| b == 0)
        && guid
            .iter()
            .take(name_len)
            .all(|b| b.is_ascii_alphanumeric() || b"-_.$".contains(b))
}

/// An SMB2 NEGOTIATE response: dialect, whether signing is required (a finding when
/// not), and Samba when its ServerGuid says so.
pub fn parse_smb2(port: u16, data: &[u8]) -> Option<Answer> {
    let smb = data.get(4..)?;
    let name = if port == 139 {
        "netbios-ssn"
    } else {
        "microsoft-ds"
    };
    if smb.starts_with(&[0xff, b'S', b'M', b'B']) {
        let mut a = Answer::new(name, "smb");
        a.identified.extrainfo = Some("SMB1 only".into());
        return Some(a);
    }
    if !smb.starts_with(&[0xfe, b'S', b'M', b'B']) {
        return None;
    }
    let body = smb.get(64..)?;
    let mode = u16::from_le_bytes([*body.get(2)?, *body.get(3)?]);
    let dialect = u16::from_le_bytes([*body.get(4)?, *body.get(5)?]);
    let d = match dialect {
        0x0202 => "2.0.2",
        0x0210 => "2.1",
        0x0300 => "3.0",
        0x0302 => "3.0.2",
        0x0311 => "3.1.1",
        _ => "2.x",
    };
    let mut a = Answer::new(name, "smb");
    a.identified.extrainfo = Some(format!("SMB {d}"));
    if body.get(8..24).is_some_and(samba_guid) {
        a.identified.product = Some("Samba smbd".into());
        a.identified.vendor = Some("Samba".into());
        a.identified.cpe = vec!["cpe:/a:samba:samba".into()];
    }
    if mode & 0x02 == 0 {
        a = a.finding(
            "smb-signing-not-required",
            Severity::Medium,
            format!("SMB {d} accepts unsigned sessions (relay attacks)"),
        );
    }
    Some(a)
}

/// The topic where Mosquitto (and others) publish their version, retained.
const MQTT_VERSION_TOPIC: &[u8] = b"$SYS/broker/version";

/// MQTT 3.1.1 CONNECT, clean session, no user name or password, a 60 s keep-alive; then a
/// SUBSCRIBE to `$SYS/broker/version` (read-only: a broker that let us in answers with its
/// version, retained).
pub fn mqtt_connect_request(token: &[u8]) -> Vec<u8> {
    let mut id = b"portwarden-".to_vec();
    id.extend(token.iter().take(8));
    let mut var = vec![0, 4, b'M', b'Q', b'T', b'T', 4, 0x02, 0, 60];
    var.extend_from_slice(&(id.len() as u16).to_be_bytes());
    var.extend_from_slice(&id);
    let mut v = vec![0x10, var.len() as u8];
    v.extend_from_slice(&var);
    let mut sub = vec![0, 1]; // packet id
    sub.extend_from_slice(&(MQTT_VERSION_TOPIC.len() as u16).to_be_bytes());
    sub.extend_from_slice(MQTT_VERSION_TOPIC);
    sub.push(0); // QoS 0
    v.extend_from_slice(&[0x82, sub.len() as u8]);
    v.extend_from_slice(&sub);
    v
}

/// The payload of a PUBLISH to `$SYS/broker/version` among the MQTT packets in `data`.
fn mqtt_version(data: &[u8]) -> Option<String> {
    let mut i = 0;
    for _ in 0..16 {
        let kind = *data.get(i)?;
        // Remaining length: a variable-length integer of up to four bytes.
        let (mut len, mut mult, mut j) = (0usize, 1usize, i + 1);
        loop {
            let b = *data.get(j)?;
            len += usize::from(b & 0x7f) * mult;
            mult *= 128;
            j += 1;
            if b & 0x80 == 0 || mult > 128 * 128 * 128 {
                break;
            }
        }
        let body = data.get(j..j + len)?;
        if kind >> 4 == 3 {
            let tl = usize::from(u16::from_be_bytes([*body.first()?, *body.get(1)?]));
            let topic = body.get(2..2 + tl)?;
            // QoS > 0 carries a packet id before the payload.
            let skip = if kind & 0x06 != 0 { 2 } else { 0 };
            if topic == MQTT_VERSION_TOPIC {
                let payload = body.get(2 + tl + skip..)?;
                return Some(String::from_utf8_lossy(payload).chars().take(60).collect());
            }
        }
        i = j + len;
    }
    None
}

/// MQTT CONNACK: return code 0 means anonymous clients are accepted (a finding); a retained
/// `$SYS/broker/version` that follows names the broker.
pub fn parse_connack(data: &[u8]) -> Option<Answer> {
    if data.len() < 4 || data[0] != 0x20 || data[1] != 2 {
        return None;
    }
    let mut a = Answer::new("mqtt", "mqtt");
    if let Some(v) = mqtt_version(data) {
        // "mosquitto version 2.0.11"
        match v.split_once(" version ") {
            Some((p, ver)) => {
                a.identified.product = Some(p.trim().to_string());
                a.identified.version = Some(ver.trim().to_string());
                if p.trim().eq_ignore_ascii_case("mosquitto") {
                    a.identified.vendor = Some("Eclipse".into());
                    a.identified.product = Some("Mosquitto".into());
                    a.identified
                        .cpe
                        .push(format!("cpe:/a:eclipse:mosquitto:{}", ver.trim()));
                }
            }
            None => a.identified.product = Some(v),
        }
    }
    match data[3] {
        0 => {
            a.identified.extrainfo = Some("anonymous access".into());
            a = a.finding(
                "mqtt-anonymous",
                Severity::High,
                "the MQTT broker accepts clients without a user name or password".into(),
            );
        }
        4 | 5 => a.identified.extrainfo = Some("authentication required".into()),
        _ => {}
    }
    Some(a)
}

/// PostgreSQL SSLRequest (length 8, code 80877103).
pub fn postgres_ssl_request() -> Vec<u8> {
    let mut v = 8u32.to_be_bytes().to_vec();
    v.extend_from_slice(&80_877_103u32.to_be_bytes());
    v
}

/// The one-byte answer to SSLRequest: `S` (TLS offered) or `N`.
pub fn parse_postgres(data: &[u8]) -> Option<Answer> {
    if data.len() != 1 || !matches!(data[0], b'S' | b'N') {
        return None;
    }
    let mut a = Answer::new("postgresql", "postgresql");
    a.identified.product = Some("PostgreSQL DB".into());
    a.identified.vendor = Some("PostgreSQL".into());
    a.identified.cpe.push("cpe:/a:postgresql:postgresql".into());
    a.identified.extrainfo = Some(if data[0] == b'S' {
        "TLS available".into()
    } else {
        "no TLS".into()
    });
    Some(a)
}

/// memcached `VERSION x.y.z`.
pub fn parse_memcached_version(data: &[u8]) -> Option<Answer> {
    let line = super::recognize::first_line(data);
    let v = line.strip_prefix("VERSION ")?.trim();
    let mut a = Answer::new("memcached", "memcached");
    a.identified.product = Some("Memcached".into());
    a.identified.vendor = Some("Memcached".into());
    a.identified.version = Some(v.chars().take(40).collect());
    a.identified
        .cpe
        .push(format!("cpe:/a:memcached:memcached:{v}"));
    Some(a)
}

/// The first OCTET STRING value bound in an SNMP response (sysDescr for our GET).
fn snmp_first_string(m: &[u8]) -> Option<&[u8]> {
    // Walk the BER tree depth-first, entering constructed types, and return the first
    // OCTET STRING after the community (the second one met).
    fn len_at(m: &[u8], i: usize) -> Option<(usize, usize)> {
        let b = *m.get(i)?;
        if b < 0x80 {
            return Some((usize::from(b), i + 1));
        }
        let n = usize::from(b & 0x7f);
        if n == 0 || n > 3 {
            return None;
        }
        let mut l = 0usize;
        for k in 0..n {
            l = l << 8 | usize::from(*m.get(i + 1 + k)?);
        }
        Some((l, i + 1 + n))
    }
    let mut i = 0;
    let mut strings = 0;
    for _ in 0..64 {
        let tag = *m.get(i)?;
        let (len, start) = len_at(m, i + 1)?;
        if tag & 0x20 != 0 {
            i = start; // constructed: enter
            continue;
        }
        let value = m.get(start..start + len)?;
        if tag == 0x04 {
            strings += 1;
            if strings == 2 {
                return Some(value);
            }
        }
        i = start + len;
    }
    None
}

/// An SNMP answer to our `public` GET of sysDescr: `snmp`, the description matched against
/// Recog's `snmp.sys_description`, and the `snmp-public` finding.
pub fn parse_snmp(data: &[u8]) -> Option<Answer> {
    if data.first() != Some(&0x30) {
        return None;
    }
    let mut a = Answer::new("snmp", "snmp");
    if let Some(d) = snmp_first_string(data) {
        let text = String::from_utf8_lossy(d).to_string();
        let mut os = crate::model::Identified::default();
        if fingerprint(&mut os, "snmp.sys_description", &text) {
            a.identified.cpe = os.cpe;
            a.identified.extrainfo = os.extrainfo;
        }
        if a.identified.extrainfo.is_none() {
            a.identified.extrainfo = Some(text.chars().take(80).collect());
        }
        a.identified.product = Some("SNMP agent".into());
        a = a.finding(
            "snmp-public",
            Severity::Medium,
            "SNMP answers the default community \"public\"".into(),
        );
    }
    Some(a)
}

/// Names and describes a UDP reply to the scan's own payload on `port` (the raw UDP scan
/// sends DNS `version.bind`, SNMP `public` sysDescr, NTP, memcached `stats` and more).
pub fn parse_udp(port: u16, data: &[u8]) -> Option<Answer> {
    match port {
        53 => parse_dns(data, "udp"),
        161 => parse_snmp(data),
        123 if data.len() >= 48 => {
            let mut a = Answer::new("ntp", "udp");
            let vn = (data[0] >> 3) & 7;
            let stratum = data[1];
            a.identified.extrainfo = Some(format!("NTPv{vn}, stratum {stratum}"));
            Some(a)
        }
        11211 if data.len() > 8 => {
            let text = String::from_utf8_lossy(&data[8..]);
            if !text.starts_with("STAT") {
                return None;
            }
            let mut a = Answer::new("memcached", "udp");
            a.identified.product = Some("Memcached".into());
            if let Some(v) = text
                .lines()
                .find_map(|l| l.strip_prefix("STAT version "))
                .map(str::trim)
            {
                a.identified.version = Some(v.chars().take(40).collect());
                a.identified
                    .cpe
                    .push(format!("cpe:/a:memcached:memcached:{v}"));
            }
            Some(a.finding(
                "memcached-udp",
                Severity::High,
                "memcached answers over UDP: a traffic amplifier for spoofed requests".into(),
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_is_echo_never_the_protocol() {
        for p in tcp_probes(443, "h", b"abc123") {
            let a = parse_tcp(&p, 443, &p.send).expect("echo");
            assert_eq!(a.identified.name, "echo", "{}", p.name);
        }
    }

    #[test]
    fn dns_txt_answer() {
        let q = dns_query([1, 2]);
        let mut r = q.clone();
        r[2] = 0x84;
        r[7] = 1; // one answer
        r.extend_from_slice(&[0xc0, 0x0c, 0, 16, 0, 3, 0, 0, 0, 0]);
        let txt = b"dnsmasq-2.89";
        r.extend_from_slice(&((txt.len() + 1) as u16).to_be_bytes());
        r.push(txt.len() as u8);
        r.extend_from_slice(txt);
        let a = parse_dns(&r, "dns").expect("dns");
        assert_eq!(a.identified.name, "domain");
        assert_eq!(a.identified.product.as_deref(), Some("Dnsmasq"));
        assert_eq!(a.identified.version.as_deref(), Some("2.89"));
        // Truncated anywhere: no panic.
        for n in 0..r.len() {
            let _ = parse_dns(&r[..n], "dns");
        }
        assert_eq!(dns_version_bind_tcp(b"xy").len(), 2 + q.len());
    }

    #[test]
    fn rpc_dump_reply() {
        let mut r = Vec::new();
        for w in [0x8000_0000u32, 7, 1, 0, 0, 0, 0, 1] {
            r.extend_from_slice(&w.to_be_bytes());
        }
        for (p, v) in [(100_000u32, 4u32), (100_000, 2), (100_024, 1)] {
            for w in [p, v, 6, 111] {
                r.extend_from_slice(&w.to_be_bytes());
            }
            r.extend_from_slice(&1u32.to_be_bytes());
        }
        // The last "value follows" above is replaced by the end marker.
        r.truncate(r.len() - 4);
        r.extend_from_slice(&0u32.to_be_bytes());
        let a = parse_rpc_dump(&r).expect("rpc");
        assert_eq!(a.identified.name, "rpcbind");
        assert_eq!(a.identified.version.as_deref(), Some("2-4"));
        let x = a.identified.extrainfo.expect("programs");
        assert!(x.contains("rpcbind 2-4") && x.contains("status 1"), "{x}");
        for n in 0..r.len() {
            let _ = parse_rpc_dump(&r[..n]);
        }
        assert_eq!(rpc_dump_request(b"abcd").len(), 4 + 40);
    }

    #[test]
    fn smb2_signing() {
        let req = smb2_negotiate_request();
        assert_eq!(usize::from(req[3]) + 4, req.len());
        let mut r = vec![0, 0, 0, 0];
        r.extend_from_slice(&[0xfe, b'S', b'M', b'B']);
        r.extend_from_slice(&[0; 60]);
        r.extend_from_slice(&[65, 0, 0x01, 0, 0x11, 0x03]);
        let a = parse_smb2(445, &r).expect("smb");
        assert_eq!(a.identified.name, "microsoft-ds");
        assert_eq!(a.findings[0].id, "smb-signing-not-required");
        r[4 + 64 + 2] = 0x03;
        assert!(parse_smb2(445, &r).expect("smb").findings.is_empty());
        assert!(parse_smb2(445, b"junk").is_none());
    }

    #[test]
    fn samba_is_told_by_its_server_guid() {
        // Debian's smbd 4.17 on a host named "vm" (captured from tests/daemons.rs's setup).
        let samba = "000000cafe534d4240000000000000000000010001000000000000000000000000000000\
                     00000000000000000000000000000000000000000000000000000000000000004100010002\
                     030000766d00000000000000000000000000000700000000008000000080000000800002\
                     6300e42b83dd01000000000000000080004a0000000000604806062b0601050502a03e30\
                     3ca00e300c060a2b06010401823702020aa32a3028a0261b246e6f745f646566696e6564\
                     5f696e5f5246433431373840706c656173655f69676e6f7265";
        let bytes: Vec<u8> = (0..samba.len() / 2)
            .filter_map(|i| u8::from_str_radix(samba.get(2 * i..2 * i + 2)?, 16).ok())
            .collect();
        let a = parse_smb2(445, &bytes).expect("smb");
        assert_eq!(a.identified.product.as_deref(), Some("Samba smbd"));
        assert_eq!(a.identified.extrainfo.as_deref(), Some("SMB 3.0.2"));
        // The same answer with a random GUID (as Windows sends) names no product.
        let mut windows = bytes.clone();
        let guid = 4 + 64 + 8;
        windows[guid..guid + 16].copy_from_slice(&[
            0x3f, 0x2a, 0x91, 0x0c, 0x5e, 0x77, 0x4b, 0x41, 0x9a, 0x12, 0xc4, 0x0e, 0x6d, 0x88,
            0x21, 0xf3,
        ]);
        assert_eq!(
            parse_smb2(445, &windows).expect("smb").identified.product,
            None
        );
        assert!(!samba_guid(&[0; 16]));
        assert!(samba_guid(b"FILESRV01\0\0\0\0\0\0\0"));
    }

    #[test]
    fn mqtt_postgres_memcached() {
        let c = mqtt_connect_request(b"12345678");
        let connect_len = usize::from(c[1]) + 2;
        assert_eq!(c[connect_len], 0x82);
        assert_eq!(usize::from(c[connect_len + 1]) + connect_len + 2, c.len());
        // CONNACK, SUBACK, then the retained PUBLISH of the version.
        let mut r = vec![0x20, 2, 0, 0, 0x90, 3, 0, 1, 0];
        let mut publish = (MQTT_VERSION_TOPIC.len() as u16).to_be_bytes().to_vec();
        publish.extend_from_slice(MQTT_VERSION_TOPIC);
        publish.extend_from_slice(b"mosquitto version 2.0.11");
        r.extend_from_slice(&[0x31, publish.len() as u8]);
        r.extend_from_slice(&publish);
        let a = parse_connack(&r).expect("mqtt");
        assert_eq!(a.identified.product.as_deref(), Some("Mosquitto"));
        assert_eq!(a.identified.version.as_deref(), Some("2.0.11"));
        for n in 4..r.len() {
            let _ = parse_connack(&r[..n]);
        }
        let a = parse_connack(&[0x20, 2, 0, 0]).expect("mqtt");
        assert_eq!(a.findings[0].id, "mqtt-anonymous");
        assert!(parse_connack(&[0x20, 2, 0, 5])
            .expect("m")
            .findings
            .is_empty());
        assert!(parse_connack(b"HTTP").is_none());
        assert_eq!(
            parse_postgres(b"N").expect("pg").identified.name,
            "postgresql"
        );
        assert!(parse_postgres(b"NO").is_none());
        let m = parse_memcached_version(b"VERSION 1.6.18\r\n").expect("mc");
        assert_eq!(m.identified.version.as_deref(), Some("1.6.18"));
    }

    #[test]
    fn udp_answers() {
        let mut mc = vec![0u8; 8];
        mc.extend_from_slice(b"STAT pid 1\r\nSTAT version 1.6.18\r\nEND\r\n");
        let a = parse_udp(11211, &mc).expect("memcached");
        assert_eq!(a.findings[0].id, "memcached-udp");
        assert_eq!(a.identified.version.as_deref(), Some("1.6.18"));
        // SNMP response: SEQ { INT 1, OCTET "public", GetResponse { INT id, INT 0, INT 0,
        // SEQ { SEQ { OID, OCTET "Linux h 6.1.0-18-amd64 #1 SMP x86_64" } } } }
        let descr = b"Linux h 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian x86_64";
        let oid = [0x06, 8, 0x2b, 6, 1, 2, 1, 1, 1, 0];
        let mut vb = oid.to_vec();
        vb.push(0x04);
        vb.push(descr.len() as u8);
        vb.extend_from_slice(descr);
        let wrap = |tag: u8, c: &[u8]| {
            let mut v = vec![tag];
            if c.len() < 128 {
                v.push(c.len() as u8);
            } else {
                v.extend_from_slice(&[0x81, c.len() as u8]);
            }
            v.extend_from_slice(c);
            v
        };
        let vbl = wrap(0x30, &wrap(0x30, &vb));
        let mut pdu = vec![0x02, 1, 5, 0x02, 1, 0, 0x02, 1, 0];
        pdu.extend_from_slice(&vbl);
        let mut msg = vec![0x02, 1, 1, 0x04, 6];
        msg.extend_from_slice(b"public");
        msg.extend_from_slice(&wrap(0xa2, &pdu));
        let snmp = wrap(0x30, &msg);
        let a = parse_udp(161, &snmp).expect("snmp");
        assert_eq!(a.findings[0].id, "snmp-public");
        assert!(a.identified.extrainfo.is_some());
        for n in 0..snmp.len() {
            let _ = parse_udp(161, &snmp[..n]);
        }
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever a service sends, recognition and every parser return without panicking.
        #[test]
        fn answers_never_panic(
            prefix in proptest::sample::select(vec![
                &b""[..], b"SSH-2.0-", b"HTTP/1.1 200 OK\r\nServer: ", b"220-", b"220 ", b"+OK ",
                b"* OK [", b"\xff\xfb\x01\xff\xfa", b"$12\r\n", b"\x4a\0\0\0\x0a", b"\x20\x02\0\0\x30",
                b"\0\0\0\x40\xfeSMB", b"\x30\x82", b"\x80\0\0\x20\0\0\0\x07\0\0\0\x01",
            ]),
            tail in proptest::collection::vec(any::<u8>(), 0..700),
            port in any::<u16>(),
        ) {
            let mut data = prefix.to_vec();
            data.extend_from_slice(&tail);
            let _ = recognize("null", port, &data);
            for p in tcp_probes(port, "h", b"0123456789abcdef") {
                let _ = parse_tcp(&p, port, &data);
            }
            for port in [53, 123, 161, 11211, port] {
                let _ = parse_udp(port, &data);
            }
            let _ = parse_smb2(445, &data);
            let _ = parse_rpc_dump(&data);
            let _ = parse_connack(&data);
        }
    }
}
