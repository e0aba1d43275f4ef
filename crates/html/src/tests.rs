//! The renderer on its own: hostile strings in every field come out inert (escaped,
//! control and bidi characters neutralised), the page forbids scripts, and a small
//! report in each language is kept as a snapshot.

use crate::{build, render, Inputs};
use portwarden_history::diff;
use portwarden_history::{Body, FindingRec, Host, Kind, Listener, Meta, PortRec};
use portwarden_i18n::Lang;
use portwarden_store::{Action, State, Undo};

/// Every kind of hostile string the report must keep inert.
pub const HOSTILE: &[&str] = &[
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(2)>",
    "javascript:alert(3)",
    "evil\u{202e}txt.exe",
    "\u{1b}]0;pwned\u{7}\u{1b}[31mred",
];

fn meta(id: i64, kind: Kind, at: &str) -> Meta {
    Meta {
        id,
        at: at.into(),
        host: "web-1".into(),
        command: "portwarden audit".into(),
        kind,
        target: "local".into(),
    }
}

fn listener(port: u16, exposure: &str, program: &str) -> Listener {
    Listener {
        proto: "tcp".into(),
        port,
        addrs: vec![if exposure == "loopback" {
            "127.0.0.1".into()
        } else {
            "0.0.0.0".into()
        }],
        exposure: exposure.into(),
        program: Some(program.into()),
        user: Some("redis".into()),
        ..Listener::default()
    }
}

fn audit_body(program: &str) -> Body {
    Body {
        listeners: vec![
            listener(22, "all", "sshd"),
            Listener {
                risk: Some("high".into()),
                product: Some("Redis".into()),
                ..listener(6379, "all", program)
            },
            listener(631, "loopback", "cupsd"),
        ],
        findings: vec![FindingRec {
            id: "exposed-service:tcp/6379".into(),
            severity: "high".into(),
            kind: "exposed-service".into(),
            proto: "tcp".into(),
            port: 6379,
            exposure: "all".into(),
            service: Some("redis".into()),
            product: Some("Redis".into()),
            program: Some(program.into()),
            reach: Some("open".into()),
        }],
        ..Body::default()
    }
}

fn scan_body(name: &str) -> Body {
    Body {
        hosts: vec![Host {
            addr: "198.18.0.2".into(),
            hostname: Some(name.into()),
            status: "up".into(),
            ports: vec![
                PortRec {
                    proto: "tcp".into(),
                    port: 22,
                    state: "open".into(),
                    service: Some("ssh".into()),
                    product: Some(name.into()),
                    version: Some("9.2".into()),
                    guessed: false,
                },
                PortRec {
                    proto: "tcp".into(),
                    port: 23,
                    state: "closed".into(),
                    ..PortRec::default()
                },
            ],
        }],
        ..Body::default()
    }
}

fn action(summary: &str) -> Action {
    Action {
        id: 1,
        at: "2026-12-02T10:00:00Z".into(),
        user: "root".into(),
        uid: 0,
        port: 6379,
        protocol: "tcp".into(),
        how: "block".into(),
        summary: summary.into(),
        detail: serde_json::Value::Null,
        undo: Undo::Irreversible {
            reason: String::new(),
            cmdlines: vec![],
        },
        undone_at: None,
        state: State::Applied,
        runner: None,
        note: None,
    }
}

fn page(lang: Lang, s: &str) -> String {
    let old_meta = meta(1, Kind::Audit, "2026-12-01T10:00:00Z");
    let new_meta = meta(2, Kind::Audit, "2026-12-02T10:00:00Z");
    let old = Body {
        listeners: vec![listener(22, "all", "sshd")],
        ..Body::default()
    };
    let new = audit_body(s);
    let d = diff::diff(&old_meta, &old, &new_meta, &new);
    let scans = vec![(meta(3, Kind::Scan, "2026-12-02T11:00:00Z"), scan_body(s))];
    let actions = vec![action(s)];
    let r = build(&Inputs {
        lang,
        generated: "2026-12-02T12:00:00Z",
        host: s,
        audit: Some((&new_meta, &new)),
        live: None,
        scans: &scans,
        diffs: &[d],
        actions: &actions,
    });
    render(&r).unwrap_or_default()
}

/// Every tag of the page (from `<` to `>`; text never holds a raw `<`).
fn tags(html: &str) -> Vec<&str> {
    html.split('<')
        .skip(1)
        .filter_map(|t| t.split('>').next())
        .collect()
}

/// Whether a tag has an `on…=` attribute.
fn has_event_handler(tag: &str) -> bool {
    tag.split(|c: char| c.is_whitespace())
        .skip(1)
        .any(|a| a.to_ascii_lowercase().starts_with("on") && a.contains('='))
}

#[test]
fn hostile_strings_are_inert() {
    for s in HOSTILE {
        let html = page(Lang::En, s);
        assert!(html.contains("</html>"), "rendered");
        // One <script only: none. No attribute made from data.
        assert!(!html.contains("<script"), "{s}: {html}");
        assert!(!html.contains("<img"), "{s}");
        assert!(tags(&html).iter().all(|t| !has_event_handler(t)), "{s}");
        assert!(!html.contains("href=\"javascript"), "{s}");
        assert!(!html.contains('\u{202e}') && !html.contains('\u{1b}') && !html.contains('\u{7}'));
    }
    let html = page(Lang::En, HOSTILE[0]);
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
            || html.contains("&lt;script&gt;")
    );
    let html = page(Lang::En, HOSTILE[4]);
    // The escape sequences are gone, the text stays.
    assert!(html.contains("red"));
}

#[test]
fn every_href_is_an_anchor_of_ours() {
    let html = page(Lang::En, "javascript:alert(3)");
    for (i, _) in html.match_indices("href=") {
        let rest = &html[i + 6..];
        assert!(rest.starts_with('#'), "{}", &html[i..i + 40]);
    }
}

#[test]
fn the_page_forbids_scripts_and_outside_resources() {
    let html = page(Lang::En, "x");
    let head = html.split("</head>").next().unwrap_or_default();
    assert!(head.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    ));
    // The policy comes before anything that could load.
    let csp = head.find("Content-Security-Policy").unwrap_or(usize::MAX);
    assert!(csp < head.find("<style").unwrap_or(0));
    // The only URL is the SVG namespace, which is a name, never fetched.
    assert!(!html
        .replace("http://www.w3.org/2000/svg", "")
        .contains("http://"));
    assert!(!html.contains("https://"));
}

#[test]
fn sections_are_filled() {
    let html = page(Lang::En, "redis-server");
    for want in [
        "6379/tcp",
        "redis-server (Redis)",
        "portwarden close 6379/tcp",
        "198.18.0.2",
        "1 closed port not shown.",
        "#1 → #2",
        "block",
        "Findings by severity",
    ] {
        assert!(html.contains(want), "missing {want}");
    }
    let zh = page(Lang::Zh, "redis-server");
    assert!(zh.contains("问题按严重程度") && zh.contains("lang=\"zh-CN\""));
}

#[test]
fn long_strings_are_cut() {
    let long = "A".repeat(5000);
    let html = page(Lang::En, &long);
    assert!(!html.contains(&"A".repeat(400)));
    assert!(html.contains('…'));
}

#[test]
fn snapshot_en() {
    insta::assert_snapshot!("report_en", page(Lang::En, "redis-server"));
}

#[test]
fn snapshot_zh() {
    insta::assert_snapshot!("report_zh", page(Lang::Zh, "redis-server"));
}

#[test]
fn alike_findings_share_one_card_and_one_command() {
    let m = meta(1, Kind::Audit, "2026-12-02T10:00:00Z");
    let mut body = Body::default();
    for port in [41000u16, 41001, 41002] {
        body.listeners.push(listener(port, "all", "python3"));
        body.findings.push(FindingRec {
            id: format!("unknown-listener:tcp/{port}"),
            severity: "medium".into(),
            kind: "unknown-listener".into(),
            proto: "tcp".into(),
            port,
            exposure: "all".into(),
            program: Some("python3".into()),
            ..FindingRec::default()
        });
    }
    body.findings[2].severity = "high".into();
    let r = build(&Inputs {
        lang: Lang::En,
        generated: "",
        host: "h",
        audit: Some((&m, &body)),
        live: None,
        scans: &[],
        diffs: &[],
        actions: &[],
    });
    assert_eq!(r.findings.len(), 2);
    assert_eq!(r.findings[0].count, 1);
    assert_eq!(r.findings[0].door, "41002/tcp");
    assert_eq!(r.findings[1].count, 2);
    assert_eq!(r.findings[1].door, "41000/tcp, 41001/tcp");
    assert_eq!(
        r.findings[1].command,
        "portwarden close 41000/tcp,41001/tcp"
    );
    // The chart counts findings, not cards.
    let medium = r.by_severity.iter().find(|b| b.class == "sev-medium");
    assert_eq!(medium.map(|b| b.count), Some(2));
    let html = render(&r).unwrap_or_default();
    assert!(html.contains("2 ports") && html.contains("<b>3</b><span>Findings"));
}

#[test]
fn loopback_listeners_are_capped_but_never_risky_or_network_ones() {
    let m = meta(1, Kind::Audit, "2026-12-02T10:00:00Z");
    let mut body = Body::default();
    for port in 10000..10300u16 {
        body.listeners.push(listener(port, "loopback", "p"));
    }
    body.listeners.push(Listener {
        risk: Some("high".into()),
        ..listener(10300, "loopback", "risky")
    });
    for port in 20000..20400u16 {
        body.listeners.push(listener(port, "all", "p"));
    }
    let r = build(&Inputs {
        lang: Lang::En,
        generated: "",
        host: "h",
        audit: Some((&m, &body)),
        live: None,
        scans: &[],
        diffs: &[],
        actions: &[],
    });
    assert_eq!(r.listeners_total, 701);
    assert_eq!(r.listeners_omitted, 100);
    assert_eq!(r.listeners.len(), 601);
    assert!(r.listeners.iter().any(|l| l.door == "10300/tcp"));
    assert_eq!(
        r.listeners
            .iter()
            .filter(|l| l.exposure_class == "exp-all")
            .count(),
        400
    );
    let html = render(&r).unwrap_or_default();
    assert!(html.contains(
        "100 more loopback listeners without risk are not listed (701 listeners in all)"
    ));
}

#[test]
fn live_findings_whose_texts_name_their_port_are_grouped_too() {
    use portwarden_audit::{Finding, Kind as FKind};
    use portwarden_i18n::msg;
    use portwarden_sockets::{Exposure, Transport};
    let live: Vec<Finding> = [41000u16, 41001]
        .iter()
        .map(|&port| Finding {
            severity: portwarden_kb::Risk::Medium,
            kind: FKind::UnknownListener,
            transport: Transport::Tcp,
            port,
            addresses: vec!["0.0.0.0".into()],
            exposure: Exposure::All,
            processes: vec![(42, "python3".into())],
            units: vec![],
            service: None,
            product: None,
            note: None,
            why: msg!(
                "audit-unknown-program-why",
                program = "python3",
                pid = 42,
                port = port,
                transport = "tcp",
                where = "on all interfaces"
            ),
            action: msg!("audit-unknown-port-advice", port = port),
            malware: vec![],
            command: format!("portwarden close {port}/tcp"),
            reach: None,
            containers: vec![],
            proof: None,
        })
        .collect();
    let m = meta(0, Kind::Audit, "now");
    let body = Body::default();
    let r = build(&Inputs {
        lang: Lang::En,
        generated: "",
        host: "h",
        audit: Some((&m, &body)),
        live: Some(&live),
        scans: &[],
        diffs: &[],
        actions: &[],
    });
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0].count, 2);
    assert_eq!(r.findings[0].texts_for, "41000/tcp");
    assert_eq!(
        r.findings[0].command,
        "portwarden close 41000/tcp,41001/tcp"
    );
    let html = render(&r).unwrap_or_default();
    assert!(html.contains("written for 41000/tcp; they read the same for each port above"));
}

/// The fleet section: hosts and their changes, every string from a host hostile.
fn fleet_page(lang: Lang, s: &str) -> String {
    use portwarden_history::fleet::{HostChange, HostRisk};
    let old_meta = meta(1, Kind::Audit, "2026-12-01T10:00:00Z");
    let new_meta = meta(2, Kind::Audit, "2026-12-02T10:00:00Z");
    let d = diff::diff(&old_meta, &Body::default(), &new_meta, &audit_body(s));
    let hosts = [
        HostRisk {
            host_id: format!("id-{s}"),
            host: s.to_string(),
            at: s.to_string(),
            target: s.to_string(),
            listeners: 3,
            exposed: 2,
            findings: [0, 1, 0, 0, 0],
            score: 100,
        },
        HostRisk {
            host_id: "quiet-id".into(),
            host: "quiet".into(),
            at: "t".into(),
            target: "local".into(),
            listeners: 1,
            exposed: 0,
            findings: [0; 5],
            score: 0,
        },
    ];
    let changes = [HostChange {
        host_id: s.to_string(),
        host: s.to_string(),
        diff: d,
    }];
    let mut r = build(&Inputs {
        lang,
        generated: "2026-12-02T12:00:00Z",
        host: "fleet",
        audit: None,
        live: None,
        scans: &[],
        diffs: &[],
        actions: &[],
    });
    r.fleet = Some(crate::view::fleet(lang, &hosts, &changes, s));
    render(&r).unwrap_or_default()
}

#[test]
fn the_fleet_section_lists_hosts_by_risk_and_is_inert() {
    for s in HOSTILE {
        let html = fleet_page(Lang::En, s);
        assert!(html.contains("id=\"fleet\"") && html.contains("id=\"fleet-changes\""));
        assert!(!html.contains("<script"), "{s}: {html}");
        assert!(!html.contains("<img"), "{s}");
        assert!(tags(&html).iter().all(|t| !has_event_handler(t)), "{s}");
        assert!(!html.contains('\u{202e}') && !html.contains('\u{1b}') && !html.contains('\u{7}'));
    }
    let html = fleet_page(Lang::En, "web-1");
    assert!(
        html.find("web-1").unwrap() < html.find("quiet").unwrap(),
        "riskiest first"
    );
    assert!(html.contains("tcp/6379"), "the change is listed");
    assert!(fleet_page(Lang::Zh, "web-1").contains("按风险排列的主机"));
    // Without --fleet there is no fleet section.
    assert!(!page(Lang::En, "x").contains("id=\"fleet\""));
}
