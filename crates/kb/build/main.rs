//! Build script: turns the bundled data files into static tables (`$OUT_DIR/*.rs`, `*.bin`).
//!
//! Inputs, all under `data/`: the IANA registry XML, the curated security layer
//! (`security/*.toml`), the open-likelihood ranking (`ranking.toml`) and the MIT-licensed
//! suspicious-ports list. Nothing is read from the system or the network; the output
//! depends only on these files, so builds are reproducible.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod iana;
mod security;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const PROTOS: [&str; 4] = ["tcp", "udp", "sctp", "dccp"];

fn proto_expr(p: &str) -> &'static str {
    match p {
        "tcp" => "Some(Protocol::Tcp)",
        "udp" => "Some(Protocol::Udp)",
        "sctp" => "Some(Protocol::Sctp)",
        "dccp" => "Some(Protocol::Dccp)",
        _ => "None",
    }
}

fn text(t: &security::RawText) -> String {
    format!("Text {{ en: {:?}, zh: {:?} }}", t.en.trim(), t.zh.trim())
}

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("data");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    println!("cargo:rerun-if-changed=data");
    println!("cargo:rerun-if-changed=build");

    // ---------- IANA registry ----------
    let xml = std::fs::read_to_string(dir.join("iana-service-names-port-numbers.xml")).unwrap();
    let (updated, recs) = iana::parse(&xml).unwrap_or_else(|e| panic!("{e}"));
    let mut code = String::new();
    writeln!(code, "/// Date of the bundled IANA registry (`<updated>`).").unwrap();
    writeln!(code, "pub const IANA_UPDATED: &str = {updated:?};").unwrap();
    writeln!(code, "static RECORDS: &[IanaRecord] = &[").unwrap();
    // (proto index, port) -> record ids
    let mut slots: Vec<BTreeMap<u16, Vec<u16>>> = vec![BTreeMap::new(); PROTOS.len()];
    let mut names: BTreeMap<String, Vec<u16>> = BTreeMap::new();
    let mut assigned: Vec<BTreeSet<u16>> = vec![BTreeSet::new(); PROTOS.len()];
    for (id, r) in recs.iter().enumerate() {
        let id = u16::try_from(id).expect("fewer than 65536 records");
        let (start, end) = if r.number.is_empty() {
            (None, None)
        } else {
            let (a, b) = security::parse_ports(&r.number).unwrap_or_else(|e| panic!("IANA: {e}"));
            (Some(a), Some(b))
        };
        let status = if !r.name.is_empty() {
            "Status::Assigned"
        } else if r.description.eq_ignore_ascii_case("unassigned") {
            "Status::Unassigned"
        } else {
            "Status::Reserved"
        };
        writeln!(
            code,
            "    IanaRecord {{ service: {:?}, protocol: {}, start: {}, end: {}, status: {}, description: {:?}, note: {:?}, unauthorized: {:?}, references: &{:?}, registered: {:?}, updated: {:?} }},",
            r.name,
            proto_expr(&r.protocol),
            start.map_or("None".into(), |v| format!("Some({v})")),
            end.map_or("None".into(), |v| format!("Some({v})")),
            status,
            r.description,
            r.note,
            r.unauthorized,
            r.refs,
            r.date,
            r.updated
        )
        .unwrap();
        if !r.name.is_empty() {
            names
                .entry(r.name.to_ascii_lowercase())
                .or_default()
                .push(id);
        }
        if let (Some(pi), Some(a), Some(b)) =
            (PROTOS.iter().position(|p| *p == r.protocol), start, end)
        {
            if status != "Status::Unassigned" {
                for port in a..=b {
                    slots[pi].entry(port).or_default().push(id);
                    if status == "Status::Assigned" {
                        assigned[pi].insert(port);
                    }
                }
            }
        }
    }
    writeln!(code, "];").unwrap();
    writeln!(code, "static NAMES: &[(&str, &[u16])] = &[").unwrap();
    for (n, ids) in &names {
        writeln!(code, "    ({n:?}, &{ids:?}),").unwrap();
    }
    writeln!(code, "];").unwrap();
    // Dense index: per protocol, 65537 little-endian u32 offsets into a u16 id list.
    let mut blob: Vec<u8> = Vec::new();
    let mut ids_all: Vec<u16> = Vec::new();
    for slot in &slots {
        for port in 0..=65535u32 {
            blob.extend_from_slice(&u32::try_from(ids_all.len()).unwrap().to_le_bytes());
            if let Some(v) = slot.get(&(port as u16)) {
                ids_all.extend(v);
            }
        }
        blob.extend_from_slice(&u32::try_from(ids_all.len()).unwrap().to_le_bytes());
    }
    let mut ids_blob = Vec::new();
    for id in &ids_all {
        ids_blob.extend_from_slice(&id.to_le_bytes());
    }
    write_if_changed(&out.join("iana_index.bin"), &blob);
    write_if_changed(&out.join("iana_ids.bin"), &ids_blob);
    write_if_changed(&out.join("iana.rs"), code.as_bytes());

    // ---------- security layer ----------
    let mut files = Vec::new();
    let sec_dir = dir.join("security");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&sec_dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    for p in paths {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        files.push((name, std::fs::read_to_string(&p).unwrap()));
    }
    let entries = match security::load(&files) {
        Ok(e) => e,
        Err(errs) => panic!("security layer is invalid:\n{}", errs.join("\n")),
    };
    let mut code = String::new();
    writeln!(code, "static SECURITY: &[SecurityEntry] = &[").unwrap();
    for e in &entries {
        let r = &e.raw;
        let protos: Vec<&str> = r
            .protocols
            .iter()
            .map(|p| match p.as_str() {
                "tcp" => "Protocol::Tcp",
                "udp" => "Protocol::Udp",
                _ => "Protocol::Sctp",
            })
            .collect();
        // A listener on a trojan port with no known program behind it is a sign of
        // compromise: the card, `ls` and `audit` all call that critical.
        let risk = if r.backdoor {
            "Risk::Critical".to_string()
        } else {
            format!("Risk::{}", capital(&r.risk))
        };
        let action = format!("Action::{}", capital(&r.action));
        writeln!(
            code,
            "    SecurityEntry {{ start: {}, end: {}, protocols: &[{}], service: {:?}, title: {}, summary: {}, attackers: {}, risk: {}, risk_reason: {}, action: {}, advice: {}, malware: &{:?}, references: &{:?}, in_seeds: {}, backdoor: {} }},",
            e.start,
            e.end,
            protos.join(", "),
            r.service,
            text(&r.title),
            text(&r.summary),
            text(&r.attackers),
            risk,
            text(&r.risk_reason),
            action,
            text(&r.advice),
            r.malware,
            r.references,
            r.in_seeds,
            r.backdoor
        )
        .unwrap();
    }
    writeln!(code, "];").unwrap();
    // Most specific entry per (protocol, port): narrower ranges win. u16::MAX = none.
    let mut sec_blob = Vec::new();
    for proto in ["tcp", "udp", "sctp"] {
        let mut best: Vec<(u32, u16)> = vec![(u32::MAX, u16::MAX); 65536];
        for (i, e) in entries.iter().enumerate() {
            if !e.raw.protocols.iter().any(|p| p == proto) {
                continue;
            }
            let width = u32::from(e.end - e.start);
            for port in e.start..=e.end {
                let slot = &mut best[usize::from(port)];
                if width < slot.0 {
                    *slot = (width, u16::try_from(i).unwrap());
                }
            }
        }
        for (_, id) in best {
            sec_blob.extend_from_slice(&id.to_le_bytes());
        }
    }
    write_if_changed(&out.join("security_index.bin"), &sec_blob);
    write_if_changed(&out.join("security.rs"), code.as_bytes());

    // ---------- suspicious ports (mthcht, MIT) ----------
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(dir.join("mthcht-suspicious-ports-list.csv"))
        .unwrap();
    let mut threats: Vec<(u16, String, String, String, String)> = Vec::new();
    for row in rdr.records() {
        let row = row.unwrap();
        let port: u16 = match row.get(0).map(str::trim).and_then(|p| p.parse().ok()) {
            Some(p) => p,
            None => continue,
        };
        let clean = |i: usize| {
            row.get(i)
                .unwrap_or("")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        threats.push((port, clean(1), clean(2), clean(3), clean(5)));
    }
    threats.sort();
    let mut code = String::new();
    writeln!(code, "static THREATS: &[ThreatIntel] = &[").unwrap();
    for (port, comment, conf, cat, link) in &threats {
        writeln!(
            code,
            "    ThreatIntel {{ port: {port}, comment: {comment:?}, confidence: {conf:?}, category: {cat:?}, link: {link:?} }},"
        )
        .unwrap();
    }
    writeln!(code, "];").unwrap();
    write_if_changed(&out.join("threats.rs"), code.as_bytes());

    // ---------- ranking ----------
    #[derive(serde::Deserialize)]
    struct Tiers {
        tiers: Vec<Vec<u16>>,
    }
    #[derive(serde::Deserialize)]
    struct Ranking {
        tcp: Tiers,
        udp: Tiers,
    }
    let ranking: Ranking =
        toml::from_str(&std::fs::read_to_string(dir.join("ranking.toml")).unwrap())
            .unwrap_or_else(|e| panic!("ranking.toml: {e}"));
    let mut code = String::new();
    let mut rank_blob = Vec::new();
    for (proto, tiers, pi) in [("TCP", &ranking.tcp, 0usize), ("UDP", &ranking.udp, 1usize)] {
        let lower = proto.to_ascii_lowercase();
        let mut order: Vec<u16> = Vec::new();
        let mut seen = BTreeSet::new();
        let mut push = |p: u16, order: &mut Vec<u16>| {
            if p != 0 && seen.insert(p) {
                order.push(p);
            }
        };
        for tier in &tiers.tiers {
            for &p in tier {
                push(p, &mut order);
            }
        }
        let curated = order.len();
        // Then single-port curated security entries for this protocol, ascending.
        let mut sec: Vec<u16> = entries
            .iter()
            .filter(|e| e.start == e.end && e.raw.protocols.contains(&lower))
            .map(|e| e.start)
            .collect();
        sec.sort_unstable();
        for p in sec {
            push(p, &mut order);
        }
        for &p in assigned[pi].range(1..1024) {
            push(p, &mut order);
        }
        for &p in assigned[pi].range(1024..) {
            push(p, &mut order);
        }
        writeln!(
            code,
            "/// {proto} ports, most likely open first (see data/ranking.toml)."
        )
        .unwrap();
        writeln!(code, "pub static {proto}_RANKED: &[u16] = &{order:?};").unwrap();
        writeln!(
            code,
            "/// How many {proto} ranks come from the hand-made tiers."
        )
        .unwrap();
        writeln!(code, "pub const {proto}_CURATED: usize = {curated};").unwrap();
        let mut ranks = vec![0u16; 65536];
        for (i, &p) in order.iter().enumerate() {
            ranks[usize::from(p)] = u16::try_from(i + 1).unwrap();
        }
        for r in ranks {
            rank_blob.extend_from_slice(&r.to_le_bytes());
        }
    }
    write_if_changed(&out.join("ranking.rs"), code.as_bytes());
    write_if_changed(&out.join("rank_index.bin"), &rank_blob);
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

fn write_if_changed(path: &Path, data: &[u8]) {
    if std::fs::read(path).ok().as_deref() != Some(data) {
        std::fs::write(path, data).unwrap();
    }
}
