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
        let name = super::service_name(p);
        let _ = write!(out, "<service name=\"{}\"", attr(name));
        match &p.identified {
            Some(id) => {
                for (k, v) in [
                    ("product", &id.product),
                    ("version", &id.version),
                    ("extrainfo", &id.extrainfo),
                ] {
                    if let Some(v) = v {
                        let _ = write!(out, " {k}=\"{}\"", attr(&crate::sanitize::terminal(v)));
                    }
                }
                if let Some(t) = id.tunnel {
                    let _ = write!(out, " tunnel=\"{t}\"");
                }
                let _ = write!(out, " method=\"probed\" conf=\"{}\"", id.conf.min(10));
                if id.cpe.is_empty() {
                    out.push_str("/>");
                } else {
                    out.push('>');
                    for c in &id.cpe {
                        let _ = write!(
                            out,
                            "<cpe>{}</cpe>",
                            quick_xml::escape::escape(crate::sanitize::terminal(c).as_str())
                        );
                    }
                    out.push_str("</service>");
                }
            }
            None => out.push_str(" method=\"table\" conf=\"3\"/>"),
        }
        // At most one script per port: the banner, the off-port note and the findings.
        let mut notes: Vec<String> = Vec::new();
        if let Some(b) = &p.banner {
            notes.push(crate::sanitize::terminal_bytes(&b.0));
        }
        if p.state == PortState::Open {
            if let Some(id) = p.identified.as_ref().filter(|i| i.off_port) {
                notes.push(format!(
                    "{} on a port that is not its own (usually {})",
                    id.name,
                    id.usual_port.map(|u| u.to_string()).unwrap_or_default()
                ));
            }
        }
        for f in &p.findings {
            notes.push(format!(
                "finding {}: {}",
                f.id,
                crate::sanitize::terminal(&f.detail)
            ));
        }
        if !notes.is_empty() {
            let _ = write!(
                out,
                "<script id=\"portwarden\" output=\"{}\"/>",
                attr(&notes.join(" | "))
            );
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
