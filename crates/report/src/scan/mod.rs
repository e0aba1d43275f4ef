//! Renderers for scan results (`portwarden_scan::ScanReport`): a table for people,
//! JSON / NDJSON, nmap-compatible XML (`-oX`), grepable (`-oG`) and CSV. Pure functions;
//! every byte a remote service sent is sanitised before it is written.

pub mod csv;
pub mod grepable;
pub mod json;
pub mod table;
pub mod xml;

#[cfg(test)]
mod snapshots;

use portwarden_kb::Lang;
use portwarden_scan::PortResult;

/// The service name, the same in every output: the identified service (nmap's names:
/// `ssh`, `http`, `domain`, `microsoft-ds`, …; for a TLS tunnel the protocol inside), else
/// the knowledge base's name for the port, else `unknown`.
pub fn service_name(p: &PortResult) -> &'static str {
    p.identified
        .as_ref()
        .map(|i| i.name)
        .or(p.service)
        .unwrap_or("unknown")
}

/// The service name with its tunnel, as nmap's normal output writes it (`ssl/http`) when
/// `sep` is `/`, or its grepable output (`ssl|http`) when `|`.
pub fn service_with_tunnel(p: &PortResult, sep: char) -> String {
    match p.identified.as_ref().and_then(|i| i.tunnel) {
        Some(t) => format!("{t}{sep}{}", service_name(p)),
        None => service_name(p).to_string(),
    }
}

/// The service column: what the knowledge base calls the port, with the identified
/// service when it differs (`ssh→http!`, `https (ssl/http)`). Sanitised.
pub fn service_label(p: &PortResult) -> String {
    let kb = p.service.unwrap_or("unknown");
    let shown = service_with_tunnel(p, '/');
    match &p.identified {
        Some(id) if id.off_port => crate::sanitize::terminal(&format!("{kb}→{shown}!")),
        Some(_) if shown != kb => crate::sanitize::terminal(&format!("{kb} ({shown})")),
        _ => crate::sanitize::terminal(kb),
    }
}

/// The curated advice for a port in `lang`, if any.
pub fn advice(p: &PortResult, lang: Lang) -> Option<&'static str> {
    p.entry.map(|e| e.advice.get(lang))
}

/// A banner as one safe line: escapes removed, controls made visible, at most `max`
/// characters.
pub fn banner_line(bytes: &[u8], max: usize) -> String {
    // Line ends are not content: drop trailing CR/LF/whitespace before escaping.
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    let s = crate::sanitize::terminal_bytes(&bytes[..end]);
    truncate(s.trim(), max)
}

/// Cuts `s` to `max` characters (by char), adding `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}
