//! The human table: one block per host, one line per listed port (port, state,
//! service, risk, advice), banners and identification underneath, in the chosen
//! language.

use super::{advice, banner_line, service_label};
use crate::sanitize::terminal;
use crate::Style;
use portwarden_i18n::{msg, Arg, Msg};
use portwarden_scan::{HostResult, HostStatus, PortState, ScanReport};
use std::fmt::Write as _;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `s` padded to `w` columns, and always followed by at least one space: a long value
/// (`open|filtered`, `memcache (memcached)`) never runs into the next column.
fn pad(s: &str, w: usize) -> String {
    format!(
        "{s}{}",
        " ".repeat(w.saturating_sub(UnicodeWidthStr::width(s)).max(1))
    )
}

fn fit(s: &str, cols: usize) -> String {
    if UnicodeWidthStr::width(s) <= cols {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = UnicodeWidthChar::width(c).unwrap_or(0);
        if w + cw + 1 > cols {
            break;
        }
        w += cw;
        out.push(c);
    }
    out.push('…');
    out
}

fn state_label(s: PortState, st: &Style) -> String {
    let text = match s {
        PortState::Open => st.text("scan-table-open"),
        PortState::Closed => st.text("scan-table-closed"),
        PortState::Filtered => st.text("scan-table-filtered"),
        PortState::OpenFiltered => st.text("scan-table-open-filtered"),
    };
    let code = match s {
        PortState::Open => "32",
        PortState::Closed => "31",
        PortState::Filtered | PortState::OpenFiltered => "33",
    };
    st.paint(code, &pad(text, 9))
}

fn host_title(h: &HostResult) -> String {
    match &h.hostname {
        Some(n) => terminal(&format!("{n} ({})", h.addr)),
        None => h.addr.to_string(),
    }
}

/// Renders one host.
pub fn host(h: &HostResult, st: &Style) -> String {
    let mut out = String::new();
    let width = if st.width == 0 { 100 } else { st.width };
    let _ = writeln!(
        out,
        "{} {}",
        st.text("scan-table-scan-report-for"),
        st.bold(&host_title(h))
    );
    match h.status {
        HostStatus::Up => {
            let lat = h
                .stats
                .min_rtt_us
                .or(h.stats.srtt_us)
                // Raw scans time replies in whole milliseconds (the cookie's time bits):
                // zero means under one.
                .map(|u| {
                    if u == 0 {
                        "<0.001".to_string()
                    } else {
                        format!("{:.5}", u as f64 / 1e6)
                    }
                })
                .unwrap_or_else(|| "?".into());
            let _ = writeln!(
                out,
                "{}",
                st.msg(&msg!("scan-table-host-up", latency = lat))
            );
        }
        HostStatus::Down => {
            let _ = writeln!(out, "{}", st.text("scan-table-host-did-not-answer-on-any"));
        }
    }
    let others: Vec<String> = h
        .resolved
        .iter()
        .filter(|a| **a != h.addr)
        .map(|a| a.to_string())
        .collect();
    if !others.is_empty() {
        let _ = writeln!(
            out,
            "{} {}",
            st.text("scan-table-other-addresses-not-scanned"),
            others.join(" ")
        );
    }
    if !h.parts.is_empty() {
        // A combined run (-sS -sU): one line per state and protocol, as nmap prints.
        for x in h.hidden("", portwarden_kb::Protocol::Tcp) {
            let (n, proto) = (x.count, x.protocol);
            let state = Msg::new(match x.state {
                PortState::Closed => "scan-table-hidden-closed",
                PortState::Filtered => "scan-table-hidden-filtered",
                _ => "scan-table-hidden-open-filtered",
            });
            let line = msg!(
                "scan-table-not-shown-proto",
                count = n.to_string(),
                state = state,
                protocol = proto.to_string(),
                reason = x.reason
            );
            let _ = writeln!(out, "{}", st.msg(&line));
        }
    } else {
        for (n, what) in [
            (h.stats.closed_not_shown, "scan-table-hidden-closed-ports"),
            (
                h.stats.filtered_not_shown,
                "scan-table-hidden-filtered-ports",
            ),
            (
                h.stats.open_filtered_not_shown,
                "scan-table-hidden-open-filtered-ports",
            ),
        ] {
            if n > 0 {
                // Filtered by a local error (no source address, no route): say which,
                // as nmap names the reason of the ports it does not show.
                let why = match h.stats.filtered_reason {
                    Some(r) if what == "scan-table-hidden-filtered-ports" => {
                        Arg::from(msg!("scan-table-hidden-reason", reason = r.as_str()))
                    }
                    _ => Arg::from(""),
                };
                let line = msg!(
                    "scan-table-not-shown",
                    count = n.to_string(),
                    what = Msg::new(what),
                    why = why
                );
                let _ = writeln!(out, "{}", st.msg(&line));
            }
        }
    }
    if h.ports.is_empty() {
        let _ = writeln!(out, "{}", st.text("scan-table-no-open-ports-found"));
        return out;
    }
    let head = format!(
        "{}{}{}{}{}",
        pad(st.text("scan-table-port"), 10),
        pad(st.text("scan-table-state"), 9),
        pad(st.text("scan-table-service"), 18),
        pad(st.text("scan-table-risk"), 9),
        st.text("scan-table-advice")
    );
    let _ = writeln!(out, "{}", st.bold(&head));
    for p in &h.ports {
        let svc = service_label(p);
        let risk = match p.risk {
            Some(r) => {
                let label = r.label(st.lang);
                let gap = " ".repeat(9usize.saturating_sub(UnicodeWidthStr::width(label)));
                format!("{}{gap}", st.risk(r))
            }
            None => pad("-", 9),
        };
        let adv = if p.state == PortState::Open {
            advice(p, st.lang).map(terminal).unwrap_or_default()
        } else {
            String::new()
        };
        let adv = fit(&adv, width.saturating_sub(46).max(20));
        let _ = writeln!(
            out,
            "{}{}{}{}{}",
            pad(&format!("{}/{}", p.port, p.protocol), 10),
            state_label(p.state, st),
            pad(&svc, 18),
            risk,
            adv
        );
        if let Some(id) = &p.identified {
            let product = id
                .version_line()
                .map(|s| format!(" ({})", super::truncate(&terminal(&s), 80)))
                .unwrap_or_default();
            let mut line = format!(
                "  ↳ {}: {}{}",
                st.text("scan-table-identified"),
                super::service_with_tunnel(p, '/'),
                product
            );
            if id.off_port {
                let usual = id.usual_port.map(|u| u.to_string()).unwrap_or_default();
                line.push_str(&st.msg(&msg!("scan-table-off-port", usual = usual)));
            }
            let _ = writeln!(out, "{}", fit(&line, width));
        }
        if let Some(tls) = p.identified.as_ref().and_then(|i| i.tls.as_ref()) {
            let tls = msg!(
                "scan-table-tls",
                version = tls.version.as_deref().unwrap_or("?"),
                alpn = tls.alpn.as_deref().unwrap_or(""),
                subject = terminal(tls.subject.as_deref().unwrap_or("?")),
                issuer = terminal(tls.issuer.as_deref().unwrap_or("?")),
                until = tls.not_after.as_deref().unwrap_or("?")
            );
            let line = format!("  ↳ {}", st.msg(&tls));
            let _ = writeln!(out, "{}", fit(&line, width));
        }
        for f in &p.findings {
            let label = st.text("scan-table-finding");
            // The detail is the scanner's own (English) sentence; the catalog says the
            // same in the reader's language, with the detail as the fallback.
            let what = st.msg(&portwarden_i18n::msg!(
                "scan-finding-summary",
                id = f.id,
                detail = f.detail.as_str()
            ));
            let line = format!("  ↳ {label}: {} — {}", f.id, terminal(&what));
            let _ = writeln!(out, "{}", fit(&line, width));
        }
        if let Some(b) = &p.banner {
            let label = st.text("scan-table-banner");
            let line = banner_line(&b.0, width.saturating_sub(14).max(20));
            let _ = writeln!(out, "  {} {}", st.dim(&format!("↳ {label}:")), line);
        }
    }
    out
}

/// Renders the whole report: every host, then a summary line.
pub fn render(r: &ScanReport, st: &Style) -> String {
    let mut out = String::new();
    for h in &r.hosts {
        if h.status == HostStatus::Down && r.hosts.len() > 1 && h.ports.is_empty() {
            continue;
        }
        out.push_str(&host(h, st));
        out.push('\n');
    }
    out.push_str(&summary(r, st));
    out
}

/// The closing line: hosts, ports, time; and a warning when results are partial.
pub fn summary(r: &ScanReport, st: &Style) -> String {
    let mut out = String::new();
    if r.interrupted {
        let _ = writeln!(
            out,
            "{}",
            st.paint("33", st.text("scan-table-interrupted-results-are-partial"))
        );
    }
    let secs = r.elapsed.as_secs_f64();
    let line = msg!(
        "scan-table-summary",
        hosts = r.stats.hosts,
        up = r.stats.hosts_up,
        ports = r.stats.ports_per_host,
        open = r.stats.open,
        seconds = format!("{secs:.2}")
    );
    let _ = writeln!(out, "{}", st.msg(&line));
    out
}

#[cfg(test)]
mod tests {
    use super::{pad, render};
    use crate::Style;
    use portwarden_kb::{Lang, Protocol};
    use portwarden_scan::{
        HostResult, HostStats, HostStatus, Identified, PortResult, Reason, ScanReport, ScanStats,
        Timestamp, TlsInfo,
    };
    use std::time::Duration;

    /// Two hosts: one up with an identified off-port service behind TLS and hidden closed
    /// and filtered ports, one down.
    fn fixture(interrupted: bool) -> ScanReport {
        let mut web = PortResult::with_protocol(Protocol::Tcp, 8443, Reason::SynAck, None);
        web.identified = Some(Identified {
            name: "http",
            product: Some("nginx".into()),
            version: Some("1.22.1".into()),
            tunnel: Some("ssl"),
            tls: Some(TlsInfo {
                version: Some("TLSv1.3".into()),
                alpn: Some("h2".into()),
                subject: Some("CN=example.test".into()),
                issuer: Some("CN=example.test".into()),
                not_after: Some("2027-01-01".into()),
                ..TlsInfo::default()
            }),
            off_port: true,
            usual_port: Some(443),
            ..Identified::default()
        });
        let ssh = PortResult::with_protocol(Protocol::Tcp, 22, Reason::SynAck, None);
        let up = HostResult {
            target: "198.18.0.2".into(),
            addr: "198.18.0.2"
                .parse()
                .unwrap_or(std::net::IpAddr::from([198, 18, 0, 2])),
            hostname: None,
            resolved: Vec::new(),
            status: HostStatus::Up,
            ports: vec![ssh, web],
            stats: HostStats {
                open: 2,
                closed: 990,
                closed_not_shown: 990,
                filtered: 8,
                filtered_not_shown: 8,
                min_rtt_us: Some(120),
                ..HostStats::default()
            },
            parts: Vec::new(),
        };
        let mut down = up.clone();
        down.target = "198.18.0.3".into();
        down.addr = "198.18.0.3"
            .parse()
            .unwrap_or(std::net::IpAddr::from([198, 18, 0, 3]));
        down.status = HostStatus::Down;
        down.ports.clear();
        down.stats = HostStats::default();
        ScanReport {
            scanner: "portwarden test".into(),
            args: String::new(),
            scan_type: "connect",
            protocol: Protocol::Tcp,
            ports: "1-1000".into(),
            started: Timestamp(0),
            finished: Timestamp(1500),
            elapsed: Duration::from_millis(1500),
            interrupted,
            hosts: vec![up, down],
            stats: ScanStats {
                hosts: 2,
                hosts_up: 1,
                ports_per_host: 1000,
                open: 2,
                ..ScanStats::default()
            },
            scans: Vec::new(),
            shard: None,
        }
    }

    #[test]
    fn scan_table_snapshots_in_both_languages() {
        for (lang, name) in [(Lang::En, "scan_table_en"), (Lang::Zh, "scan_table_zh")] {
            let st = Style {
                lang,
                color: false,
                width: 100,
            };
            let mut out = render(&fixture(false), &st);
            out.push_str(&render(&fixture(true), &st));
            insta::assert_snapshot!(name, out);
        }
    }

    #[test]
    fn columns_never_run_together() {
        assert_eq!(pad("open", 9), "open     ");
        assert_eq!(pad("open|filtered", 9), "open|filtered ");
        assert_eq!(pad("memcache (memcached)", 18), "memcache (memcached) ");
    }
}
