//! Parsing and validation of the curated security layer (`data/security/*.toml`).
//!
//! Shared by the build script (which turns the files into static tables) and by the
//! crate's data tests (which report every problem at once, by file and entry).

use serde::Deserialize;
use std::collections::BTreeMap;

/// A text in both languages of the product.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawText {
    /// English.
    pub en: String,
    /// Simplified Chinese.
    pub zh: String,
}

/// One `[[entry]]` of a security file, as written by hand.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEntry {
    /// `"N"` or `"A-B"`.
    pub ports: String,
    /// Transport protocols the entry applies to.
    pub protocols: Vec<String>,
    /// Short service key.
    pub service: String,
    /// Display title.
    pub title: RawText,
    /// What the port is for.
    pub summary: RawText,
    /// What attackers look for.
    pub attackers: RawText,
    /// info | low | medium | high | critical.
    pub risk: String,
    /// Why that risk level.
    pub risk_reason: RawText,
    /// keep | restrict | close.
    pub action: String,
    /// What to do.
    pub advice: RawText,
    /// Known malware names.
    #[serde(default)]
    pub malware: Vec<String>,
    /// RFCs, CVEs, advisories.
    #[serde(default)]
    pub references: Vec<String>,
    /// Named in the founding articles.
    #[serde(default)]
    pub in_seeds: bool,
    /// The port is known for trojans, backdoors or attack tools rather than for a service
    /// people run on purpose: a listener here is a sign of compromise.
    #[serde(default)]
    pub backdoor: bool,
}

/// The top level of a security file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFile {
    /// The entries.
    #[serde(default)]
    pub entry: Vec<RawEntry>,
}

/// An entry that passed validation, with its parsed port range and origin.
#[derive(Debug, Clone)]
pub struct CheckedEntry {
    /// First port.
    pub start: u16,
    /// Last port (inclusive).
    pub end: u16,
    /// File the entry came from.
    pub file: String,
    /// The entry.
    pub raw: RawEntry,
}

/// The risk levels, lowest first.
pub const RISKS: [&str; 5] = ["info", "low", "medium", "high", "critical"];
/// The advice actions.
pub const ACTIONS: [&str; 3] = ["keep", "restrict", "close"];
/// The protocols an entry may name.
pub const PROTOCOLS: [&str; 3] = ["tcp", "udp", "sctp"];

/// Parses `"N"` or `"A-B"` into an inclusive range.
pub fn parse_ports(s: &str) -> Result<(u16, u16), String> {
    let s = s.trim();
    let (a, b) = match s.split_once('-') {
        Some((a, b)) => (a.trim(), b.trim()),
        None => (s, s),
    };
    let a: u16 = a.parse().map_err(|_| format!("bad port {a:?} in {s:?}"))?;
    let b: u16 = b.parse().map_err(|_| format!("bad port {b:?} in {s:?}"))?;
    if a > b {
        return Err(format!("range {s:?} ends before it starts"));
    }
    Ok((a, b))
}

fn check_text(errs: &mut Vec<String>, at: &str, field: &str, t: &RawText) {
    if t.en.trim().is_empty() {
        errs.push(format!("{at}: {field}.en is empty"));
    }
    if t.zh.trim().is_empty() {
        errs.push(format!("{at}: {field}.zh is empty"));
    }
    if field != "title" && !t.zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
        errs.push(format!("{at}: {field}.zh has no Chinese text"));
    }
}

/// Parses and validates every file; returns the entries sorted by (start, end) or every
/// problem found.
pub fn load(files: &[(String, String)]) -> Result<Vec<CheckedEntry>, Vec<String>> {
    let mut errs = Vec::new();
    let mut out = Vec::new();
    for (name, text) in files {
        let parsed: RawFile = match toml::from_str(text) {
            Ok(p) => p,
            Err(e) => {
                errs.push(format!("{name}: {e}"));
                continue;
            }
        };
        for (i, raw) in parsed.entry.into_iter().enumerate() {
            let at = format!("{name} entry {} (ports {})", i + 1, raw.ports);
            let range = parse_ports(&raw.ports);
            if let Err(e) = &range {
                errs.push(format!("{at}: {e}"));
            }
            if raw.protocols.is_empty() {
                errs.push(format!("{at}: no protocols"));
            }
            for p in &raw.protocols {
                if !PROTOCOLS.contains(&p.as_str()) {
                    errs.push(format!("{at}: unknown protocol {p:?}"));
                }
            }
            if raw.service.trim().is_empty() {
                errs.push(format!("{at}: empty service"));
            }
            if !RISKS.contains(&raw.risk.as_str()) {
                errs.push(format!("{at}: unknown risk {:?}", raw.risk));
            }
            if !ACTIONS.contains(&raw.action.as_str()) {
                errs.push(format!("{at}: unknown action {:?}", raw.action));
            }
            for (field, t) in [
                ("title", &raw.title),
                ("summary", &raw.summary),
                ("attackers", &raw.attackers),
                ("risk_reason", &raw.risk_reason),
                ("advice", &raw.advice),
            ] {
                check_text(&mut errs, &at, field, t);
            }
            let Ok((start, end)) = range else {
                continue;
            };
            out.push(CheckedEntry {
                start,
                end,
                file: name.clone(),
                raw,
            });
        }
    }
    out.sort_by_key(|e| (e.start, e.end));
    // Same ports + shared protocol = duplicate; two ranges partly overlapping = conflict.
    let mut seen: BTreeMap<(u16, u16, String), String> = BTreeMap::new();
    for e in &out {
        for p in &e.raw.protocols {
            if let Some(prev) = seen.insert((e.start, e.end, p.clone()), e.file.clone()) {
                errs.push(format!(
                    "ports {}/{} defined twice ({} and {})",
                    e.raw.ports, p, prev, e.file
                ));
            }
        }
    }
    let ranges: Vec<&CheckedEntry> = out.iter().filter(|e| e.start != e.end).collect();
    for (i, a) in ranges.iter().enumerate() {
        for b in &ranges[i + 1..] {
            let overlap = a.start <= b.end && b.start <= a.end;
            let nested =
                (a.start <= b.start && b.end <= a.end) || (b.start <= a.start && a.end <= b.end);
            let common = a.raw.protocols.iter().any(|p| b.raw.protocols.contains(p));
            if overlap && !nested && common {
                errs.push(format!(
                    "ranges {} ({}) and {} ({}) partly overlap",
                    a.raw.ports, a.file, b.raw.ports, b.file
                ));
            }
        }
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}
