//! Snapshots of every scan renderer (table in both languages, nmap XML `-oX`, grepable
//! `-oG`, CSV, JSON) from fixed fixture reports: a combined TCP (`-sS`) and UDP (`-sU`)
//! scan of one host with an SSH server, a TLS service with product, version, CPE and a
//! self-signed certificate, a service whose banner is hostile (terminal escapes, markup,
//! a CSV formula, a bidi override, invalid UTF-8), a closed port, an open UDP DNS server
//! and an open|filtered UDP port; plus a host that is down.

use crate::scan::{csv, grepable, json, table, xml};
use crate::Style;
use portwarden_kb::{Lang, Protocol};
use portwarden_scan::model::{
    Banner, HostResult, HostStats, HostStatus, Identified, PortResult, PortState, Reason,
    ScanReport, ScanStats, ServiceFinding, Severity, Timestamp, TlsInfo,
};
use std::time::Duration;

fn port(
    protocol: Protocol,
    n: u16,
    state: PortState,
    reason: Reason,
    rtt_us: Option<u64>,
) -> PortResult {
    let mut p = PortResult::with_protocol(protocol, n, reason, rtt_us.map(Duration::from_micros));
    p.state = state;
    p
}

fn ssh() -> PortResult {
    let mut p = port(
        Protocol::Tcp,
        22,
        PortState::Open,
        Reason::SynAck,
        Some(180),
    );
    p.banner = Some(Banner(
        b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n".to_vec(),
    ));
    p.identified = Some(Identified {
        product: Some("OpenSSH".into()),
        version: Some("9.2p1".into()),
        vendor: Some("OpenBSD".into()),
        extrainfo: Some("Debian 2+deb12u3; protocol 2.0".into()),
        cpe: vec![
            "cpe:/a:openbsd:openssh:9.2p1".into(),
            "cpe:/o:debian:debian_linux:12".into(),
        ],
        usual_port: Some(22),
        ..Identified::new("ssh", "null")
    });
    p
}

fn https() -> PortResult {
    let mut p = port(
        Protocol::Tcp,
        443,
        PortState::Open,
        Reason::SynAck,
        Some(210),
    );
    p.identified = Some(Identified {
        product: Some("nginx".into()),
        version: Some("1.22.1".into()),
        cpe: vec!["cpe:/a:f5:nginx:1.22.1".into()],
        tunnel: Some("ssl"),
        tls: Some(TlsInfo {
            version: Some("TLSv1.3".into()),
            cipher: Some("TLS13_AES_256_GCM_SHA384".into()),
            alpn: Some("http/1.1".into()),
            subject: Some("CN=pw-test.invalid".into()),
            issuer: Some("CN=pw-test.invalid".into()),
            san: vec!["pw-test.invalid".into()],
            not_before: Some("2026-11-03T00:00:00Z".into()),
            not_after: Some("2026-12-03T00:00:00Z".into()),
            expired: false,
            self_signed: true,
            legacy_version: Some("TLSv1.0".into()),
        }),
        usual_port: Some(443),
        ..Identified::new("http", "tls")
    });
    p.findings = vec![
        ServiceFinding {
            id: "tls-cert-self-signed",
            severity: Severity::Low,
            detail: "the TLS certificate is self-signed: clients cannot verify the server".into(),
        },
        ServiceFinding {
            id: "tls-legacy-version",
            severity: Severity::Medium,
            detail: "the server still accepts TLSv1.0".into(),
        },
    ];
    p
}

/// A service that says hostile things: every renderer must neutralise them.
fn hostile() -> PortResult {
    let mut p = port(
        Protocol::Tcp,
        2121,
        PortState::Open,
        Reason::SynAck,
        Some(150),
    );
    p.banner = Some(Banner(
        b"220 =cmd|' /C calc'!A0 <x y=\"&\"> \x1b]0;pwned\x07\x1b[31mred\xe2\x80\xae, \xff\xfe\r\nline2\r\n"
            .to_vec(),
    ));
    p.identified = Some(Identified {
        product: Some("Evil<FTP> \"d\" &\u{1b}[2J".into()),
        version: Some("1.0\n-->".into()),
        extrainfo: Some("a,b;c\tx".into()),
        cpe: vec!["cpe:/a:evil:ftp:1.0<script>".into()],
        off_port: true,
        usual_port: Some(21),
        ..Identified::new("ftp", "null")
    });
    p.findings = vec![ServiceFinding {
        id: "cleartext-login",
        severity: Severity::Medium,
        detail: "FTP offers a login whose password crosses the network unencrypted".into(),
    }];
    p
}

fn fixture() -> ScanReport {
    let tcp_ports = vec![
        ssh(),
        port(
            Protocol::Tcp,
            25,
            PortState::Closed,
            Reason::Reset,
            Some(90),
        ),
        https(),
        hostile(),
    ];
    let mut dns = port(
        Protocol::Udp,
        53,
        PortState::Open,
        Reason::UdpResponse,
        Some(300),
    );
    dns.identified = Some(Identified {
        product: Some("dnsmasq".into()),
        version: Some("2.89".into()),
        cpe: vec!["cpe:/a:thekelleys:dnsmasq:2.89".into()],
        ..Identified::new("domain", "udp")
    });
    let udp_ports = vec![
        dns,
        port(
            Protocol::Udp,
            161,
            PortState::OpenFiltered,
            Reason::NoResponse,
            None,
        ),
    ];
    let host = |ports: Vec<PortResult>, stats: HostStats| HostResult {
        target: "lab.invalid".into(),
        addr: "198.18.0.2".parse().expect("addr"),
        hostname: Some("lab.invalid".into()),
        resolved: vec!["198.18.0.2".parse().expect("addr")],
        status: HostStatus::Up,
        ports,
        stats,
        parts: Vec::new(),
    };
    let down = HostResult {
        target: "198.18.0.3".into(),
        addr: "198.18.0.3".parse().expect("addr"),
        hostname: None,
        resolved: Vec::new(),
        status: HostStatus::Down,
        ports: Vec::new(),
        stats: HostStats::default(),
        parts: Vec::new(),
    };
    let report = |scan_type, protocol, ports: &str, count: u64, hosts, open| ScanReport {
        scanner: "portwarden 0.1.0".into(),
        args: "portwarden scan -sS -sU -p T:22,25,443,2121,U:53,161 lab.invalid 198.18.0.3".into(),
        scan_type,
        protocol,
        ports: ports.into(),
        started: Timestamp(1_764_763_200_000),
        finished: Timestamp(1_764_763_203_500),
        elapsed: Duration::from_millis(3500),
        interrupted: false,
        hosts,
        stats: ScanStats {
            hosts: 2,
            hosts_up: 1,
            ports_per_host: count,
            probes: 8,
            open,
            ..ScanStats::default()
        },
        scans: Vec::new(),
        shard: None,
    };
    let tcp = report(
        "syn",
        Protocol::Tcp,
        "22,25,443,2121",
        4,
        vec![
            host(
                tcp_ports,
                HostStats {
                    open: 3,
                    closed: 1,
                    probes: 4,
                    srtt_us: Some(200),
                    min_rtt_us: Some(90),
                    ..HostStats::default()
                },
            ),
            down.clone(),
        ],
        3,
    );
    let udp = report(
        "udp",
        Protocol::Udp,
        "53,161",
        2,
        vec![
            host(
                udp_ports,
                HostStats {
                    open: 1,
                    open_filtered: 1,
                    probes: 3,
                    retries: 1,
                    srtt_us: Some(300),
                    min_rtt_us: Some(300),
                    ..HostStats::default()
                },
            ),
            down,
        ],
        1,
    );
    tcp.merge(udp)
}

fn style(lang: Lang) -> Style {
    Style {
        lang,
        color: false,
        width: 100,
    }
}

#[test]
fn table_in_both_languages() {
    let r = fixture();
    for (name, lang) in [("scan_table_en", Lang::En), ("scan_table_zh", Lang::Zh)] {
        let out = table::render(&r, &style(lang));
        assert!(
            !out.contains('\u{1b}'),
            "no raw escape reaches the terminal"
        );
        assert!(!out.contains('\u{202e}'), "no bidi override");
        insta::assert_snapshot!(name, out);
    }
}

#[test]
fn nmap_xml() {
    let out = xml::render(&fixture());
    assert!(!out.contains("<script>") && !out.contains("<FTP>"), "{out}");
    // The XML parses (what ndiff and Metasploit read).
    let mut reader = quick_xml::Reader::from_str(&out);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("bad XML: {e}\n{out}"),
        }
    }
    insta::assert_snapshot!("scan_xml", out);
}

#[test]
fn grepable() {
    let out = grepable::render(&fixture());
    // One line per host (and comments): a banner's newline must not split a record.
    assert!(
        out.lines()
            .all(|l| l.starts_with('#') || l.starts_with("Host: ")),
        "{out}"
    );
    insta::assert_snapshot!("scan_grepable", out);
}

#[test]
fn csv_and_json() {
    let r = fixture();
    let out = csv::render(&r, Lang::En, false);
    assert!(!out.contains(",=cmd") && !out.contains("\"=cmd"), "{out}");
    // CSV has no labels of its own: the same in every language.
    assert_eq!(out, csv::render(&r, Lang::Zh, false));
    insta::assert_snapshot!("scan_csv", out);
    let out = json::render(&r);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert!(v.is_object() || v.is_array());
    insta::assert_snapshot!("scan_json", out);
}
