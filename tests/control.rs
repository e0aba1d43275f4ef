//! End-to-end tests of `close`, `open` and `actions` inside a network namespace the test
//! creates, with listener processes the test starts and real `nft`. Nothing outside the
//! namespace is touched: rules go into the namespace's own `inet portwarden` table, the
//! journal into a temporary database. Needs root, `ip` and `nft`; otherwise each test
//! prints why it skips.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;
use common::Ns;
use std::process::Stdio;
use std::time::Duration;

fn why_skip() -> Option<String> {
    common::why_skip(&["ip", "nft", "python3"])
}

const LISTEN: &str = "import socket,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(('0.0.0.0',8080))\ns.listen()\nprint('ready')\nwhile True:\n c,_=s.accept()\n globals().setdefault('keep',[]).append(c)\n";

#[test]
fn close_by_firewall_then_open() {
    if let Some(why) = why_skip() {
        eprintln!("skipping: {why}");
        return;
    }
    let mut ns = Ns::new();
    ns.spawn_py(LISTEN);
    assert!(ns.connects(8080));
    let out = ns.pw(&["close", "8080", "--how", "firewall", "--yes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!ns.connects(8080), "connect must fail once the rule is in");
    assert!(ns.listening(8080), "the firewall leaves the listener alone");
    // Only our own table exists in the namespace.
    let tables = String::from_utf8(ns.sh(&["nft", "list", "tables"]).stdout).unwrap();
    assert_eq!(tables.trim(), "table inet portwarden");
    let out = ns.pw(&["open", "8080"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("deleted the firewall rule"));
    assert!(ns.connects(8080));
    let out = ns.pw(&["actions", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["how"], "firewall");
    assert!(v[0]["undone_at"].is_string());
    // Nothing left to undo: exit 1.
    assert_eq!(ns.pw(&["open", "8080"]).status.code(), Some(1));
}

#[test]
fn close_by_kill() {
    if let Some(why) = why_skip() {
        eprintln!("skipping: {why}");
        return;
    }
    let mut ns = Ns::new();
    let pid = ns.spawn_py(LISTEN);
    let out = ns.pw(&["close", "8080", "--how", "kill", "--yes", "--timeout", "2"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("SIGTERM to {pid}")));
    assert!(!ns.listening(8080));
    let out = ns.pw(&["open", "8080"]);
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        s.contains("cannot be resurrected") && s.contains("python3"),
        "{s}"
    );
}

#[test]
fn close_connections_keeps_the_listener() {
    if let Some(why) = why_skip() {
        eprintln!("skipping: {why}");
        return;
    }
    let mut ns = Ns::new();
    ns.spawn_py(LISTEN);
    // A client that holds its connection and reports when it is cut.
    let client = "import socket,sys\nc=socket.create_connection(('127.0.0.1',8080))\nprint('ready')\ntry:\n d=c.recv(1)\n print('closed' if not d else 'data')\nexcept Exception as e:\n print('reset', e)\n";
    use std::io::BufRead;
    let mut c = ns
        .cmd(&["python3", "-u", "-c", client])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut r = std::io::BufReader::new(c.stdout.take().unwrap());
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    assert!(line.starts_with("ready"));
    std::thread::sleep(Duration::from_millis(200));
    let out = ns.pw(&["close", "8080", "--how", "connections", "--yes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    line.clear();
    r.read_line(&mut line).unwrap();
    assert!(
        line.starts_with("reset") || line.starts_with("closed"),
        "{line}"
    );
    let _ = c.wait();
    assert!(ns.listening(8080), "the listener stays");
    assert!(ns.connects(8080));
}

#[test]
fn dry_run_and_no_terminal_change_nothing() {
    if let Some(why) = why_skip() {
        eprintln!("skipping: {why}");
        return;
    }
    let mut ns = Ns::new();
    ns.spawn_py(LISTEN);
    for how in ["firewall", "kill"] {
        let out = ns.pw(&["close", "8080", "--how", how, "--dry-run"]);
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stdout).contains("dry run"));
        // Without --yes and without a terminal: the plan is printed and refused.
        let out = ns.pw(&["close", "8080", "--how", how]);
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stdout).contains("Plan: close 8080/tcp"));
    }
    assert!(ns.connects(8080));
    let tables = String::from_utf8(ns.sh(&["nft", "list", "tables"]).stdout).unwrap();
    assert!(tables.trim().is_empty(), "{tables}");
    let out = ns.pw(&["actions", "--json"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
}

#[test]
fn refuses_the_ssh_session_port_and_shared_ports() {
    if let Some(why) = why_skip() {
        eprintln!("skipping: {why}");
        return;
    }
    let mut ns = Ns::new();
    ns.spawn_py(LISTEN);
    let bin = assert_cmd::cargo::cargo_bin("portwarden");
    let out = ns
        .cmd(&[bin.to_str().unwrap(), "close", "8080", "--yes"])
        .env("SSH_CONNECTION", "198.18.0.9 50000 198.18.0.1 8080")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("SSH session"));
    assert!(ns.connects(8080));
    // Two processes share one listener (fork after listen): both must be named.
    let shared = "import socket,os,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(('0.0.0.0',9090))\ns.listen()\npid=os.fork()\nif pid==0:\n time.sleep(60)\n os._exit(0)\nprint('ready',pid)\ntime.sleep(60)\n";
    let parent = ns.spawn_py(shared);
    let out = ns.pw(&["close", "9090", "--how", "kill", "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("2 processes share port 9090/tcp"), "{s}");
    assert!(ns.listening(9090));
    // Naming both lets it through.
    let v: serde_json::Value =
        serde_json::from_slice(&ns.pw(&["ls", "--json", "-l", "--port", "9090"]).stdout).unwrap();
    let pids: Vec<String> = v[0]["pids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.to_string())
        .collect();
    assert_eq!(pids.len(), 2);
    assert!(pids.contains(&parent.to_string()));
    let out = ns.pw(&[
        "close",
        "9090",
        "--how",
        "kill",
        "--yes",
        "--pid",
        &pids.join(","),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!ns.listening(9090));
}

#[test]
fn bad_targets_are_one_line() {
    for args in [
        &["close", "70000"][..],
        &["close", "0"],
        &["close", "80/sctp"],
        &["close", "http"],
        &["close", "80", "--how", "nuke"],
        &["close", "80", "--timeout", "-3"],
        &["open", "1-2"],
    ] {
        let out = assert_cmd::Command::cargo_bin("portwarden")
            .unwrap()
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr)
                .trim_end()
                .lines()
                .count(),
            1,
            "{args:?}"
        );
    }
}

#[test]
fn ls_and_audit_look_into_another_namespace() {
    if let Some(why) = why_skip() {
        eprintln!("skipping: {why}");
        return;
    }
    let mut ns = Ns::new();
    let pid = ns.spawn_py(LISTEN);
    // From the host's namespace, by name and by pid.
    for target in [ns.name.clone(), pid.to_string()] {
        let out = assert_cmd::Command::cargo_bin("portwarden")
            .unwrap()
            .args(["ls", "--json", "-l", "--netns", &target])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let rows = v.as_array().unwrap();
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0]["local_port"], 8080);
        assert_eq!(rows[0]["pids"][0], pid);
    }
    let out = assert_cmd::Command::cargo_bin("portwarden")
        .unwrap()
        .args(["audit", "--json", "--netns", &ns.name])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["counts"]["listening"], 1);
    let out = assert_cmd::Command::cargo_bin("portwarden")
        .unwrap()
        .args(["ls", "--netns", "no-such-ns-here"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr)
            .trim_end()
            .lines()
            .count(),
        1
    );
}
