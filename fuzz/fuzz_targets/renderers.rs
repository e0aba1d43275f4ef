//! Fuzzes the scan renderers with hostile text where a peer or a user chooses it (banner,
//! announced product, host name, typed target): table, XML, grepable, CSV and JSON must
//! not panic and must stay inert for their readers — no escape or invisible character in
//! the table, XML that parses, JSON whose strings are clean, CSV cells that are no
//! formulas.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portwarden_kb::{Lang, Protocol};
use portwarden_report::sanitize::is_invisible;
use portwarden_report::scan as render;
use portwarden_report::Style;
use portwarden_scan::{
    Banner, HostResult, HostStats, HostStatus, Identified, PortResult, Reason, ScanReport,
    ScanStats, Timestamp,
};
use std::time::Duration;

const NAMES: [&str; 5] = ["ssh", "http", "tls", "redis", "ftp"];
const REASONS: [Reason; 4] = [
    Reason::SynAck,
    Reason::ConnRefused,
    Reason::NoResponse,
    Reason::AddrNotAvail,
];

fn report(data: &[u8]) -> ScanReport {
    let mut parts = data.split(|&b| b == 0xfe);
    let head = parts.next().unwrap_or_default();
    let byte = |i: usize| head.get(i).copied().unwrap_or(0);
    let text = |p: Option<&[u8]>| p.map(|b| String::from_utf8_lossy(b).into_owned());
    let banner = parts.next().map(|b| Banner(b.to_vec()));
    let product = text(parts.next());
    let hostname = text(parts.next());
    let target = text(parts.next()).unwrap_or_else(|| "127.0.0.1".into());
    let args = text(parts.next()).unwrap_or_default();
    let port = u16::from_be_bytes([byte(0), byte(1)]);
    let mut p = PortResult::new(
        port,
        REASONS[usize::from(byte(2)) % REASONS.len()],
        Some(Duration::from_micros(u64::from(byte(3)))),
    );
    p.banner = banner;
    p.identified = (byte(4) & 1 == 1).then(|| {
        let mut id = Identified::new(NAMES[usize::from(byte(5)) % NAMES.len()], "null");
        // Every text field of an identification carries the hostile text.
        id.version = product.clone();
        id.vendor = product.clone();
        id.extrainfo = product.clone();
        id.cpe = product.iter().cloned().collect();
        id.product = product;
        id.tunnel = (byte(4) & 4 == 4).then_some("ssl");
        id.off_port = byte(4) & 2 == 2;
        id.usual_port = Some(22);
        id
    });
    let host = HostResult {
        target,
        addr: std::net::Ipv4Addr::LOCALHOST.into(),
        hostname,
        resolved: Vec::new(),
        status: HostStatus::Up,
        ports: vec![p],
        stats: HostStats {
            open: 1,
            closed: u32::from(byte(6)),
            closed_not_shown: u32::from(byte(6)),
            ..HostStats::default()
        },
        parts: Vec::new(),
    };
    ScanReport {
        scanner: "portwarden fuzz".into(),
        args,
        scan_type: "connect",
        protocol: Protocol::Tcp,
        ports: port.to_string(),
        started: Timestamp(0),
        finished: Timestamp(1000),
        elapsed: Duration::from_secs(1),
        interrupted: false,
        hosts: vec![host],
        stats: ScanStats::default(),
        scans: Vec::new(),
    }
}

fn clean(s: &str) -> bool {
    !s.chars()
        .any(|c| (c.is_control() && c != '\n') || is_invisible(c))
}

fn json_clean(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => !s.chars().any(|c| c.is_control() || is_invisible(c)),
        serde_json::Value::Array(a) => a.iter().all(json_clean),
        serde_json::Value::Object(o) => o.values().all(json_clean),
        _ => true,
    }
}

fuzz_target!(|data: &[u8]| {
    let r = report(data);
    for lang in [Lang::En, Lang::Zh] {
        let style = Style {
            lang,
            color: false,
            width: 100,
        };
        let t = render::table::render(&r, &style);
        assert!(clean(&t), "table: {t:?}");
    }
    let x = render::xml::render(&r);
    assert!(!x.contains('\u{1b}'), "xml: {x:?}");
    let mut reader = quick_xml::Reader::from_str(&x);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("xml does not parse: {e}: {x}"),
        }
    }
    let g = render::grepable::render(&r);
    assert!(!g.contains('\u{1b}'), "grepable: {g:?}");
    let j = render::json::render(&r);
    let v: serde_json::Value = serde_json::from_str(&j).expect("json parses");
    assert!(json_clean(&v), "json: {j}");
    let line = render::json::host_line(&r.hosts[0]);
    let v: serde_json::Value = serde_json::from_str(&line).expect("jsonl parses");
    assert!(json_clean(&v), "jsonl: {line}");
    let c = render::csv::render(&r, Lang::En, false);
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(c.as_bytes());
    for rec in rd.records() {
        let rec = rec.expect("csv parses");
        for cell in rec.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "csv formula cell {cell:?}"
            );
        }
    }
    let _ = render::csv::render(&r, Lang::En, true);
});
