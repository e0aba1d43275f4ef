//! nmap-compatible XML (`-oX`): `nmaprun`, `scaninfo`, `host` with `status`, `address`,
//! `hostnames`, `ports` (`extraports`, `port`/`state`/`service`), `times`, and
//! `runstats`. Readable by tools that read nmap XML (ndiff among them).

use portwarden_scan::{HostResult, HostStatus, PortState, ScanReport};
use std::fmt::Write as _;

/// Escapes an attribute value; characters XML 1.0 cannot carry become `\xNN`.
fn attr(s: &str) -> String {
    let mut clean = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' | '\n' | '\r' => clean.push(' '),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {
                let _ = write!(clean, "\\x{:02x}", c as u32);
            }
            c => clean.push(c),
        }
    }
    quick_xml::escape::escape(clean.as_str()).into_owned()
}

fn host(out: &mut String, h: &HostResult, r: &ScanReport) {
    let start = r.started.unix_secs();
    let end = r.finished.unix_secs();
    let _ = writeln!(out, "<host starttime=\"{start}\" endtime=\"{end}\">");
    let (state, reason) = match h.status {
        HostStatus::Up => (
            "up",
            if h.stats.open > 0 && r.scan_type == "udp" {
                "udp-response"
            } else if h.stats.open > 0 {
                "syn-ack"
            } else if r.scan_type == "udp" {
                "port-unreach"
            } else if r.scan_type == "syn" {
                "reset"
            } else {
                "conn-refused"
            },
        ),
        HostStatus::Down => ("down", "no-response"),
    };
    let _ = writeln!(
        out,
        "<status state=\"{state}\" reason=\"{reason}\" reason_ttl=\"0\"/>"
    );
    let kind = if h.addr.is_ipv4() { "ipv4" } else { "ipv6" };
    let _ = writeln!(out, "<address addr=\"{}\" addrtype=\"{kind}\"/>", h.addr);
    out.push_str("<hostnames>\n");
    if let Some(n) = &h.hostname {
        let _ = writeln!(out, "<hostname name=\"{}\" type=\"user\"/>", attr(n));
    }
    out.push_str("</hostnames>\n<ports>");
    for x in r.hidden(h) {
        let (st, n, why) = (x.state.as_str(), x.count, x.reason);
        let _ = write!(
            out,
            "<extraports state=\"{st}\" count=\"{n}\">\n<extrareasons reason=\"{why}\" count=\"{n}\" proto=\"{}\"/>\n</extraports>\n",
            x.protocol
        );
    }
    for p in &h.ports {
        let _ = write!(
            out,
            "<port protocol=\"{}\" portid=\"{}\"><state state=\"{}\" reason=\"{}\" reason_ttl=\"0\"/>",
            p.protocol,
            p.port,
            p.state.as_str(),
            p.reason.as_str()
        );
        let (name, method, conf) = match &p.identified {
            Some(id) => (id.name, "probed", 10),
            None => (p.service.unwrap_or("unknown"), "table", 3),
        };
        let name = if name == "tls" { "ssl" } else { name };
        let _ = write!(out, "<service name=\"{}\"", attr(name));
        if let Some(prod) = p.identified.as_ref().and_then(|i| i.product.as_deref()) {
            let _ = write!(
                out,
                " product=\"{}\"",
                attr(&crate::sanitize::terminal(prod))
            );
        }
        if p.identified.as_ref().is_some_and(|i| i.name == "tls") {
            out.push_str(" tunnel=\"ssl\"");
        }
        let _ = write!(out, " method=\"{method}\" conf=\"{conf}\"/>");
        if let Some(b) = &p.banner {
            let _ = write!(
                out,
                "<script id=\"banner\" output=\"{}\"/>",
                attr(&crate::sanitize::terminal_bytes(&b.0))
            );
        }
        if p.state == PortState::Open {
            if let Some(id) = p.identified.as_ref().filter(|i| i.off_port) {
                let _ = write!(
                    out,
                    "<script id=\"portwarden-off-port\" output=\"{}\"/>",
                    attr(&format!(
                        "{} on a port that is not its own (usually {})",
                        id.name,
                        id.usual_port.map(|u| u.to_string()).unwrap_or_default()
                    ))
                );
            }
        }
        out.push_str("</port>\n");
    }
    out.push_str("</ports>\n");
    if let Some(srtt) = h.stats.srtt_us {
        let _ = writeln!(
            out,
            "<times srtt=\"{srtt}\" rttvar=\"{}\" to=\"{}\"/>",
            srtt / 2,
            (srtt * 3).max(100_000)
        );
    }
    out.push_str("</host>\n");
}

/// The whole report as nmap XML.
pub fn render(r: &ScanReport) -> String {
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>\n");
    let version = r.scanner.rsplit(' ').next().unwrap_or("");
    let _ = writeln!(
        out,
        "<nmaprun scanner=\"portwarden\" args=\"{}\" start=\"{}\" startstr=\"{}\" version=\"{}\" xmloutputversion=\"1.05\">",
        attr(&r.args),
        r.started.unix_secs(),
        r.started.ctime(),
        attr(version)
    );
    for info in r.scan_infos() {
        let _ = writeln!(
            out,
            "<scaninfo type=\"{}\" protocol=\"{}\" numservices=\"{}\" services=\"{}\"/>",
            info.scan_type,
            info.protocol,
            info.count,
            attr(&info.ports)
        );
    }
    out.push_str("<verbose level=\"0\"/>\n<debugging level=\"0\"/>\n");
    for h in &r.hosts {
        host(&mut out, h, r);
    }
    let up = r.stats.hosts_up;
    let total = r.hosts.len() as u64;
    let _ = writeln!(
        out,
        "<runstats><finished time=\"{}\" timestr=\"{}\" summary=\"portwarden done; {total} IP address{} ({up} host{} up) scanned in {:.2} seconds\" elapsed=\"{:.2}\" exit=\"{}\"/><hosts up=\"{up}\" down=\"{}\" total=\"{total}\"/>\n</runstats>",
        r.finished.unix_secs(),
        r.finished.ctime(),
        if total == 1 { "" } else { "es" },
        if up == 1 { "" } else { "s" },
        r.elapsed.as_secs_f64(),
        r.elapsed.as_secs_f64(),
        if r.interrupted { "error" } else { "success" },
        total.saturating_sub(up)
    );
    out.push_str("</nmaprun>\n");
    out
}
