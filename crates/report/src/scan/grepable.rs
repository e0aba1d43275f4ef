//! nmap's grepable format (`-oG`): one `Host:` line for status and one for ports.

use portwarden_scan::{HostStatus, ScanReport};
use std::fmt::Write as _;

/// Makes a field safe for the `/`- and `,`-separated port list.
fn field(s: &str) -> String {
    crate::sanitize::terminal(s)
        .chars()
        .map(|c| match c {
            '/' | ',' | '\t' => '|',
            c => c,
        })
        .collect()
}

/// The whole report in grepable form.
pub fn render(r: &ScanReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {} scan initiated {} as: {}",
        r.scanner,
        r.started.ctime(),
        crate::sanitize::terminal(&r.args)
    );
    for h in &r.hosts {
        let name = h.hostname.as_deref().map(field).unwrap_or_default();
        let head = format!("Host: {} ({name})", h.addr);
        let status = match h.status {
            HostStatus::Up => "Up",
            HostStatus::Down => "Down",
        };
        let _ = writeln!(out, "{head}\tStatus: {status}");
        if h.ports.is_empty()
            && h.stats.closed_not_shown == 0
            && h.stats.filtered_not_shown == 0
            && h.stats.open_filtered_not_shown == 0
        {
            continue;
        }
        let ports: Vec<String> = h
            .ports
            .iter()
            .map(|p| {
                let svc = super::service_with_tunnel(p, '|');
                let version = p
                    .identified
                    .as_ref()
                    .and_then(|i| i.version_line())
                    .map(|v| field(&v))
                    .unwrap_or_default();
                format!(
                    "{}/{}/{}//{}//{}/",
                    p.port,
                    p.state.as_str(),
                    p.protocol,
                    field(&svc),
                    version
                )
            })
            .collect();
        let mut line = format!("{head}\tPorts: {}", ports.join(", "));
        if h.stats.closed_not_shown > 0 {
            let _ = write!(
                line,
                "\tIgnored State: closed ({})",
                h.stats.closed_not_shown
            );
        } else if h.stats.filtered_not_shown > 0 {
            let _ = write!(
                line,
                "\tIgnored State: filtered ({})",
                h.stats.filtered_not_shown
            );
        } else if h.stats.open_filtered_not_shown > 0 {
            let _ = write!(
                line,
                "\tIgnored State: open|filtered ({})",
                h.stats.open_filtered_not_shown
            );
        }
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(
        out,
        "# {} done at {} -- {} IP address{} ({} host{} up) scanned in {:.2} seconds",
        r.scanner,
        r.finished.ctime(),
        r.hosts.len(),
        if r.hosts.len() == 1 { "" } else { "es" },
        r.stats.hosts_up,
        if r.stats.hosts_up == 1 { "" } else { "s" },
        r.elapsed.as_secs_f64()
    );
    out
}
