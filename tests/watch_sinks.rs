//! `portwarden watch` sinks end to end, inside a network namespace this test creates:
//! syslog (a datagram socket the test owns), `--exec` (no shell; env and stdin), a
//! webhook on the namespace's loopback, and sinks that fail without stopping the watch.
//! Also `--install-unit` into a temporary root.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::Ns;
use serde_json::Value;
use std::io::BufRead;
use std::process::Stdio;
use std::time::{Duration, Instant};

fn skip(tools: &[&str]) -> bool {
    match common::why_skip(tools) {
        Some(why) => {
            portwarden_testkit::skip(&why);
            true
        }
        None => false,
    }
}

/// Runs watch in `ns` with `args` for `secs`, starting a listener on 31337 once it runs;
/// returns its stdout events.
fn run_watch(ns: &mut Ns, args: &[&str], secs: &str) -> Vec<Value> {
    let bin = assert_cmd::cargo::cargo_bin("portwarden");
    let mut all = vec![
        bin.to_str().unwrap(),
        "watch",
        "--no-capture",
        "--summary-every",
        "1s",
        "--run-for",
        secs,
    ];
    all.extend_from_slice(args);
    let mut child = ns
        .cmd(&all)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(first["action"], "snapshot");
    ns.spawn_py("import socket,time\ns=socket.socket(); s.bind(('0.0.0.0', 31337)); s.listen()\nprint('ready', flush=True)\ntime.sleep(60)");
    let mut out = vec![first];
    for l in lines {
        out.push(serde_json::from_str(&l.unwrap()).unwrap());
    }
    assert!(child.wait().unwrap().success());
    out
}

#[test]
fn events_reach_syslog_exec_and_a_webhook_and_failing_sinks_are_counted() {
    if skip(&["ip", "python3"]) {
        return;
    }
    let mut ns = Ns::new();
    let dir = ns.db.parent().unwrap().to_path_buf();
    let sock_path = dir.join("log.sock");
    let syslog = std::os::unix::net::UnixDatagram::bind(&sock_path).unwrap();
    syslog
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let exec_out = dir.join("exec.out");
    let hook_out = dir.join("hook.out");
    ns.spawn_py(&format!(
        "import http.server\nclass H(http.server.BaseHTTPRequestHandler):\n def do_POST(self):\n  n=int(self.headers['Content-Length']); b=self.rfile.read(n)\n  open('{}','ab').write(b+b'\\n')\n  self.send_response(204); self.end_headers()\n def log_message(self,*a): pass\ns=http.server.HTTPServer(('127.0.0.1', 18080), H)\nprint('ready', flush=True)\ns.serve_forever()",
        hook_out.display()
    ));
    let exec = format!(
        "sh -c 'cat >> \"$0\"; echo \"$PORTWARDEN_EVENT_NAME $PORTWARDEN_EVENT_ACTION\" >> \"$0\"' {}",
        exec_out.display()
    );
    let events = run_watch(
        &mut ns,
        &[
            "--syslog",
            "--syslog-socket",
            sock_path.to_str().unwrap(),
            "--exec",
            &exec,
            "--webhook",
            "http://127.0.0.1:18080/events",
        ],
        "3s",
    );
    assert!(events
        .iter()
        .any(|e| e["action"] == "added" && e["columns"]["port"] == 31337));
    let summary = events
        .iter()
        .rev()
        .find(|e| e["name"] == "summary")
        .unwrap();
    assert_eq!(
        summary["columns"]["sink_failures"],
        serde_json::json!({}),
        "{summary}"
    );

    let mut buf = vec![0u8; 65536];
    let mut lines = Vec::new();
    let end = Instant::now() + Duration::from_secs(5);
    while Instant::now() < end {
        match syslog.recv(&mut buf) {
            Ok(n) => {
                let l = String::from_utf8_lossy(&buf[..n]).to_string();
                let done = l.contains("\"added\"");
                lines.push(l);
                if done {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    let added = lines
        .iter()
        .find(|l| l.contains("\"added\""))
        .expect("syslog line");
    assert!(added.starts_with("<30>"), "{added}");
    assert!(added.contains(" portwarden["), "{added}");
    let json = &added[added.find("]: ").unwrap() + 3..];
    assert_eq!(
        serde_json::from_str::<Value>(json).unwrap()["columns"]["port"],
        31337
    );

    let exec_text = std::fs::read_to_string(&exec_out).unwrap();
    assert!(exec_text.contains("listeners added"), "{exec_text}");
    assert!(exec_text.contains("\"port\":31337"), "{exec_text}");
    let hook_text = std::fs::read_to_string(&hook_out).unwrap();
    let posted: Vec<Value> = hook_text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(posted
        .iter()
        .any(|e| e["action"] == "added" && e["columns"]["port"] == 31337));

    // Sinks that fail: the watch goes on and counts them.
    let mut ns2 = Ns::new();
    let events = run_watch(
        &mut ns2,
        &[
            "--exec",
            "/nonexistent/handler",
            "--webhook",
            "http://127.0.0.1:1/",
            "--webhook-timeout",
            "200ms",
        ],
        "4s",
    );
    assert!(events
        .iter()
        .any(|e| e["action"] == "added" && e["columns"]["port"] == 31337));
    let summary = events
        .iter()
        .rev()
        .find(|e| e["name"] == "summary")
        .unwrap();
    let f = &summary["columns"]["sink_failures"];
    assert!(f["exec"].as_u64().unwrap() >= 1, "{summary}");
    assert!(f["webhook"].as_u64().unwrap() >= 1, "{summary}");
}

#[test]
fn install_unit_writes_into_the_root_given() {
    let root = tempdir();
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("portwarden"))
        .args(["watch", "--install-unit", "--lang", "en"])
        .env("PORTWARDEN_ROOT", &root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let unit =
        std::fs::read_to_string(root.join("etc/systemd/system/portwarden-watch.service")).unwrap();
    assert!(unit.contains("ExecStart=/usr/local/bin/portwarden watch"));
    assert_eq!(unit, include_str!("../dist/portwarden-watch.service"));
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn bad_flags_get_one_line_and_exit_2() {
    for args in [
        vec!["watch", "--threshold", "0"],
        vec!["watch", "--window", "soon"],
        vec!["watch", "--allow", "10.0.0.0/40"],
        vec!["watch", "--exec", "'unclosed"],
        vec!["watch", "--webhook", "ftp://x"],
        vec!["watch", "--block", "--no-capture"],
        vec!["unblock", "300.1.1.1"],
    ] {
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("portwarden"))
            .args(&args)
            .env("LANG", "C")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
}

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("pw-unit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir(&d).unwrap();
    d
}
