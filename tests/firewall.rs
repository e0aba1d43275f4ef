//! `ls` and `audit` judge each listener by the nftables ruleset — checked against the
//! truth: a second namespace, joined by a veth pair (198.18.0.1 ↔ 198.18.0.2), tries to
//! connect to every port, and what gets through must be what portwarden said.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::Ns;
use serde_json::Value;

const RULES: &str = "table inet filter {
  chain input {
    type filter hook input priority 0; policy drop;
    iif lo accept
    ct state established,related accept
    tcp dport { 22, 23 } accept
    ip saddr 198.18.0.2 tcp dport 5432 accept
    ip saddr 198.18.0.99 tcp dport 5433 accept
    udp dport 53 accept
  }
}
";

fn skip() -> bool {
    match common::why_skip(&["ip", "nft", "python3"]) {
        Some(why) => {
            portwarden_testkit::skip(&why);
            true
        }
        None => false,
    }
}

fn listener(ns: &mut Ns, ports: &[u16]) {
    let code = format!(
        "import socket\nss=[]\nfor p in {ports:?}:\n s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', p)); s.listen(64); ss.append(s)\nl=socket.socket(); l.bind(('127.0.0.1', 6379)); l.listen(); ss.append(l)\nu=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('0.0.0.0', 53)); ss.append(u)\nprint('ready', flush=True)\nimport time\ntime.sleep(600)\n"
    );
    ns.spawn_py(&code);
}

/// Whether the peer namespace gets a TCP connection to 198.18.0.1:port.
fn peer_connects(peer: &Ns, port: u16) -> bool {
    let code = format!(
        "import socket,sys\ntry:\n socket.create_connection(('198.18.0.1',{port}),timeout=1)\nexcept Exception:\n sys.exit(1)"
    );
    peer.sh(&["python3", "-c", &code]).status.success()
}

fn by_port(rows: &Value, proto: &str, port: u64) -> Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["proto"] == proto && r["local_port"] == port)
        .cloned()
        .unwrap_or_else(|| panic!("no {proto} row for {port}: {rows}"))
}

#[test]
fn ls_and_audit_see_what_the_firewall_lets_in() {
    if skip() {
        return;
    }
    let mut ns = Ns::new();
    let peer = Ns::new();
    let link = format!("add va type veth peer name vb netns {}", peer.name);
    let args: Vec<&str> = ["ip", "link"].into_iter().chain(link.split(' ')).collect();
    assert!(ns.sh(&args).status.success());
    for (n, ip, dev) in [(&ns, "198.18.0.1/24", "va"), (&peer, "198.18.0.2/24", "vb")] {
        assert!(n
            .sh(&["ip", "addr", "add", ip, "dev", dev])
            .status
            .success());
        assert!(n.sh(&["ip", "link", "set", dev, "up"]).status.success());
    }
    let mut load = ns
        .cmd(&["nft", "-f", "-"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    load.stdin
        .take()
        .unwrap()
        .write_all(RULES.as_bytes())
        .unwrap();
    assert!(load.wait().unwrap().success());
    listener(&mut ns, &[22, 23, 5432, 5433, 8081]);

    // Before portwarden closes anything: 23 is let in by the rule above.
    let out = ns.pw(&["ls", "--json", "-l"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(by_port(&rows, "tcp", 23)["firewall"], "open");

    let close = ns.pw(&["close", "23", "--yes"]);
    assert!(
        close.status.success(),
        "{}",
        String::from_utf8_lossy(&close.stderr)
    );

    let out = ns.pw(&["ls", "--json", "-l"]);
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    let expect = [
        (22u16, "open", true),
        (23, "blocked", false),
        (5432, "limited", true),
        (5433, "limited", false),
        (8081, "blocked", false),
    ];
    for (port, word, peer_gets_in) in expect {
        let row = by_port(&rows, "tcp", u64::from(port));
        assert_eq!(row["firewall"], word, "{port}: {row}");
        assert_eq!(
            peer_connects(&peer, port),
            peer_gets_in,
            "port {port}: portwarden says {word}, the peer's connect disagrees"
        );
    }
    assert_eq!(
        by_port(&rows, "tcp", 23)["firewall_detail"],
        "portwarden action #1"
    );
    assert!(by_port(&rows, "tcp", 5432)["firewall_detail"]
        .as_str()
        .unwrap()
        .contains("from 198.18.0.2"));
    assert!(by_port(&rows, "tcp", 8081)["firewall_detail"]
        .as_str()
        .unwrap()
        .contains("policy drop"));
    assert_eq!(by_port(&rows, "tcp", 6379)["firewall"], "local");
    assert_eq!(by_port(&rows, "udp", 53)["firewall"], "open");

    // The table shows the column.
    let table = ns.pw(&["ls", "-l", "-t"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.lines().next().unwrap().contains("Firewall"), "{text}");
    assert!(text.contains("closed(pw)"), "{text}");

    // The audit: the closed port is a note with no second close; the rest as judged.
    let out = ns.pw(&["audit", "--json"]);
    let a: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = a["findings"].as_array().unwrap();
    let telnet = findings
        .iter()
        .find(|f| f["port"] == 23)
        .expect("a note for 23");
    assert_eq!(telnet["severity"], "info", "{telnet}");
    assert_eq!(telnet["command"], "");
    assert_eq!(telnet["reach"]["reach"], "blocked");
    assert_eq!(a["counts"]["by_reach"]["open"], 2, "22/tcp and 53/udp: {a}");
    let text = ns.pw(&["audit"]);
    // Words, not lines: where the text wraps is the renderer's business.
    let text = String::from_utf8_lossy(&text.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains("portwarden has closed it"), "{text}");
    assert!(
        telnet["why"]["en"]
            .as_str()
            .unwrap()
            .contains("portwarden has closed it in the firewall (action #1)"),
        "{telnet}"
    );
    assert!(!text.contains("portwarden close 23/tcp"), "{text}");

    // --no-firewall: no column, no judgement.
    let out = ns.pw(&["ls", "--json", "-l", "--no-firewall"]);
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(by_port(&rows, "tcp", 22)["firewall"], "");
}
