//! History, diff and baseline end to end, in network namespaces these tests create: two
//! audits with a listener started between them differ by a `+` (exit 1) and two audits
//! of an unchanged namespace do not (exit 0); a baseline quiets `audit --fail-on` until a
//! new risky listener appears; `diff` reads nmap's own XML files (from `nmap -sT` run
//! inside the namespace) and ours, and `scan --save` snapshots diff too. The journal is
//! a private temporary directory (`PORTWARDEN_DB`); every process started in a namespace
//! is killed and the namespace deleted when the test ends, also when it fails.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::Ns;
use std::process::{Command, Output, Stdio};

/// Skips (or, when CI=true, fails) when root or a tool is missing.
fn skip(tools: &[&str]) -> bool {
    match common::why_skip(tools) {
        Some(why) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI must run this test: {why}")
        }
        Some(why) => {
            eprintln!("skipping: {why}");
            true
        }
        None => false,
    }
}

/// The binary run from the machine's own namespace, with the test's journal: only for
/// commands that read the journal or enter the test's namespace with `--netns`.
fn pw(ns: &Ns, args: &[&str]) -> Output {
    Command::new(assert_cmd::cargo::cargo_bin("portwarden"))
        .args(args)
        .env("PORTWARDEN_DB", &ns.db)
        .env("NO_COLOR", "1")
        .env("LANG", "C")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A python listener on 0.0.0.0:`port` in the namespace.
fn listen(ns: &mut Ns, port: u16) {
    ns.spawn_py(&format!(
        "import socket,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(('0.0.0.0',{port}))\ns.listen()\nprint('ready')\ntime.sleep(600)"
    ));
}

#[test]
fn audits_diff_and_baseline() {
    if skip(&["ip", "python3"]) {
        return;
    }
    let mut ns = Ns::new();
    let name = ns.name.clone();
    let audit = |ns: &Ns, extra: &[&str]| {
        let mut args = vec!["audit", "--netns", &name];
        args.extend_from_slice(extra);
        pw(ns, &args)
    };
    // As root, audit saves by default.
    let o = audit(&ns, &[]);
    assert!(o.status.success(), "{}", text(&o));
    listen(&mut ns, 6379);
    let o = audit(&ns, &[]);
    assert!(o.status.success(), "{}", text(&o));

    let o = pw(&ns, &["diff"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("+ listener tcp/6379"), "{t}");
    assert!(t.contains("+ finding  exposed-service:tcp/6379"), "{t}");
    let o = pw(&ns, &["diff", "--json", "1", "2"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["sign"] == "added" && i["key"] == "tcp/6379"));

    // Nothing changed: exit 0.
    let o = audit(&ns, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let o = pw(&ns, &["diff"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("No changes."));

    // --no-save saves nothing.
    audit(&ns, &["--no-save"]);
    let o = pw(&ns, &["history", "--json", "--kind", "audit"]);
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 3, "{rows}");
    assert_eq!(rows[0]["target"], format!("netns:{name}"));

    // Without a baseline the risky listener fails the check; accepted, it does not.
    let o = audit(&ns, &["--no-save", "--baseline", "--fail-on", "high"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let o = pw(
        &ns,
        &["baseline", "accept", "--all", "--reason", "the lab's redis"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = audit(&ns, &["--baseline", "--fail-on", "high"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("1 accepted finding(s) not shown"));

    // A new risky listener: reported, and the check fails again.
    listen(&mut ns, 23);
    let o = audit(&ns, &["--baseline", "--fail-on", "high", "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ports: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["port"])
        .collect();
    assert_eq!(ports, [23], "{v}");

    // Revoked, the accepted finding counts again; an acceptance that has expired too.
    let o = pw(&ns, &["baseline", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let id = list[0]["id"].to_string();
    assert!(pw(&ns, &["baseline", "revoke", &id]).status.success());
    let o = pw(
        &ns,
        &[
            "baseline",
            "accept",
            "6379",
            "23",
            "--reason",
            "x",
            "--expires",
            "1s",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let o = audit(&ns, &["--no-save", "--baseline", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 2, "{v}");
    assert!(v.to_string().contains("expired"), "{v}");

    // Bad references: one line, exit 2.
    for bad in [
        &["diff", "99"][..],
        &["diff", "@nonsense"],
        &["diff", "1", "/nonexistent"],
    ] {
        let o = pw(&ns, bad);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", text(&o));
        assert_eq!(String::from_utf8_lossy(&o.stderr).lines().count(), 1);
    }
    let o = pw(&ns, &["baseline", "accept", "70000", "--reason", "x"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));

    // Retention: keep the newest two.
    let o = pw(&ns, &["history", "--keep", "2", "--json"]);
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2, "{rows}");

    // ls --save keeps every listener, whatever the filters show.
    let o = pw(&ns, &["ls", "--save", "--netns", &name, "--port", "23"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = pw(&ns, &["history", "--json", "--kind", "ls"]);
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rows[0]["listeners"], 2, "{rows}");
    // A FIFO is not read (it would block): exit 2.
    let fifo = ns.db.parent().unwrap().join("fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let o = pw(
        &ns,
        &["diff", fifo.to_str().unwrap(), fifo.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn diff_reads_nmaps_own_xml_and_ours() {
    if skip(&["ip", "python3", "nmap"]) {
        return;
    }
    let mut ns = Ns::new();
    let dir = ns.db.parent().unwrap().to_path_buf();
    let file = |n: &str| dir.join(n).to_str().unwrap().to_string();
    listen(&mut ns, 8080);
    let ports = "22,8080,8081";
    let nmap = |ns: &Ns, out: &str| {
        // A connect scan of the namespace's own loopback, run inside the namespace.
        let o = ns.sh(&[
            "nmap",
            "-sT",
            "-Pn",
            "-n",
            "-p",
            ports,
            "-oX",
            out,
            "127.0.0.1",
        ]);
        assert!(o.status.success(), "{}", text(&o));
    };
    nmap(&ns, &file("a.xml"));
    // Our own scan of the same, as nmap XML, with --save.
    let o = ns.pw(&[
        "scan",
        "-sT",
        "-Pn",
        "-p",
        ports,
        "--save",
        "-oX",
        &file("ours.xml"),
        "127.0.0.1",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    listen(&mut ns, 8081);
    nmap(&ns, &file("b.xml"));
    let o = ns.pw(&["scan", "-sT", "-Pn", "-p", ports, "--save", "127.0.0.1"]);
    assert!(o.status.success(), "{}", text(&o));

    let o = pw(&ns, &["diff", &file("a.xml"), &file("b.xml")]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("127.0.0.1 tcp/8081"), "{t}");
    assert!(t.contains("state: closed → open"), "{t}");
    assert!(!t.contains("tcp/8080"), "{t}");
    let o = pw(&ns, &["diff", &file("a.xml"), &file("a.xml")]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // Ours and nmap's agree on the open ports.
    let o = pw(&ns, &["diff", "--json", &file("a.xml"), &file("ours.xml")]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        !v["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["key"] == "tcp/8080"),
        "{v}"
    );
    // The two saved scans diff like the files.
    let o = pw(&ns, &["diff", "--kind", "scan"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("127.0.0.1 tcp/8081"), "{t}");
    // A file that is not nmap XML: exit 2, one line.
    std::fs::write(file("bad.xml"), "<html><script>x</script>").unwrap();
    let o = pw(&ns, &["diff", &file("a.xml"), &file("bad.xml")]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}
