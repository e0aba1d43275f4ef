//! `portwarden watch` end to end, in two network namespaces this test creates, joined by
//! a veth pair (watched 198.18.0.1 ↔ scanner 198.18.0.2, and 198.18.0.3 for a second
//! scanner): listener events, an nmap SYN scan from the scanner namespace, blocks with
//! their expiry, `unblock` and `actions`, a client that is never flagged, and a flood of
//! one million spoofed SYNs written from the scanner namespace. Nothing leaves them.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::Ns;
use serde_json::Value;
use std::io::BufRead;
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
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

/// The watched namespace and the scanner's, joined by a veth pair.
fn pair() -> (Ns, Ns) {
    let ns = Ns::new();
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
    for extra in ["198.18.0.3/24", "198.18.0.4/24"] {
        assert!(peer
            .sh(&["ip", "addr", "add", extra, "dev", "vb"])
            .status
            .success());
    }
    (ns, peer)
}

/// A running `portwarden watch`, killed on drop; its events arrive on a channel.
struct Watch {
    child: Child,
    rx: Receiver<(Instant, Value)>,
    seen: Vec<(Instant, Value)>,
}

impl Watch {
    fn start(ns: &Ns, args: &[&str]) -> Watch {
        let bin = assert_cmd::cargo::cargo_bin("portwarden");
        let mut all = vec![bin.to_str().unwrap(), "watch"];
        all.extend_from_slice(args);
        let mut child = ns
            .cmd(&all)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                let v: Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
                if tx.send((Instant::now(), v)).is_err() {
                    break;
                }
            }
        });
        let mut w = Watch {
            child,
            rx,
            seen: Vec::new(),
        };
        w.wait(Duration::from_secs(20), |e| e["action"] == "snapshot")
            .expect("the first snapshot");
        w
    }

    /// The first event (seen before or arriving within `t`) that `pred` accepts.
    fn wait(&mut self, t: Duration, pred: impl Fn(&Value) -> bool) -> Option<(Instant, Value)> {
        if let Some(e) = self.seen.iter().find(|(_, e)| pred(e)) {
            return Some(e.clone());
        }
        let end = Instant::now() + t;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(e) => {
                    self.seen.push(e.clone());
                    if pred(&e.1) {
                        return Some(e);
                    }
                }
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {
                    return None
                }
            }
        }
    }

    /// Collects what arrives for `t`.
    fn drain(&mut self, t: Duration) {
        let _ = self.wait(t, |_| false);
    }

    fn count(&self, pred: impl Fn(&Value) -> bool) -> usize {
        self.seen.iter().filter(|(_, e)| pred(e)).count()
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn listen_code(addr: &str, port: u16) -> String {
    format!(
        "import socket,time\ns=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('{addr}', {port})); s.listen(512)\nprint('ready', flush=True)\nconns=[]\nwhile True:\n c,_=s.accept(); conns.append(c)\n"
    )
}

/// Whether `from` (the scanner namespace) connects to 198.18.0.1:port from `src`.
fn connects(from: &Ns, src: &str, port: u16) -> bool {
    let code = format!(
        "import socket,sys\ntry:\n s=socket.socket(); s.settimeout(1); s.bind(('{src}',0)); s.connect(('198.18.0.1',{port}))\nexcept Exception:\n sys.exit(1)"
    );
    from.sh(&["python3", "-c", &code]).status.success()
}

fn is_listener(e: &Value, action: &str, port: u16) -> bool {
    e["name"] == "listeners" && e["action"] == action && e["columns"]["port"] == port
}

fn is_scan_from(e: &Value, src: &str) -> bool {
    e["name"] == "scan" && e["columns"]["source"] == src
}

#[test]
fn listeners_come_and_go_within_a_second_and_a_busy_client_is_never_flagged() {
    if skip(&["ip", "python3"]) {
        return;
    }
    let (mut ns, peer) = pair();
    let mut w = Watch::start(&ns, &[]);
    let snap = w.seen[0].1.clone();
    assert_eq!(snap["name"], "listeners");
    assert!(snap["epoch"].as_u64().unwrap() > 0);
    assert!(snap["snapshot"].as_array().unwrap().is_empty(), "{snap}");

    let pid = ns.spawn_py(&listen_code("0.0.0.0", 31337));
    let started = Instant::now();
    let (at, e) = w
        .wait(Duration::from_secs(5), |e| is_listener(e, "added", 31337))
        .expect("an added event");
    let took = at.duration_since(started);
    assert!(took < Duration::from_secs(1), "added after {took:?}");
    let c = &e["columns"];
    assert_eq!(c["pid"], pid);
    assert_eq!(c["process"], "python3");
    assert_eq!(c["exposure"], "all");
    assert_eq!(c["backdoor_port"], true, "{c}");
    assert_eq!(c["verdict"], "backdoor-port", "{c}");
    assert!(c["risk"].is_string(), "{c}");
    assert!(e["counter"].as_u64().unwrap() > snap["counter"].as_u64().unwrap());

    // 200 connections to the open port: a client, never a scan.
    let code = "import socket\ncs=[]\nfor i in range(200):\n s=socket.socket(); s.connect(('198.18.0.1',31337)); cs.append(s)\nprint(len(cs))";
    let out = peer.sh(&["python3", "-c", code]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "200");
    w.drain(Duration::from_secs(2));
    assert_eq!(w.count(|e| e["name"] == "scan"), 0, "{:?}", w.seen);

    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(pid).unwrap()),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let gone = Instant::now();
    let (at, e) = w
        .wait(Duration::from_secs(5), |e| is_listener(e, "removed", 31337))
        .expect("a removed event");
    let took = at.duration_since(gone);
    assert!(took < Duration::from_secs(1), "removed after {took:?}");
    assert_eq!(e["columns"]["pid"], pid, "the row it was added with");
}

fn actions(ns: &Ns) -> Vec<Value> {
    let out = ns.pw(&["actions", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn an_nmap_scan_is_seen_blocked_expires_and_unblocks() {
    if skip(&["ip", "python3", "nft", "nmap"]) {
        return;
    }
    let (mut ns, peer) = pair();
    ns.spawn_py(&listen_code("0.0.0.0", 8080));
    let mut w = Watch::start(&ns, &["--block", "--block-for", "3s"]);
    assert!(connects(&peer, "198.18.0.2", 8080), "before any scan");

    let started = Instant::now();
    let scan = peer.sh(&[
        "nmap",
        "-sS",
        "-Pn",
        "-n",
        "-T4",
        "--max-retries",
        "0",
        "-p",
        "1-300",
        "198.18.0.1",
    ]);
    assert!(
        scan.status.success(),
        "{}",
        String::from_utf8_lossy(&scan.stderr)
    );
    let (at, e) = w
        .wait(Duration::from_secs(5), |e| is_scan_from(e, "198.18.0.2"))
        .expect("a scan event naming 198.18.0.2");
    assert!(at.duration_since(started) < Duration::from_secs(5));
    let c = &e["columns"];
    assert!(c["closed_ports"].as_u64().unwrap() >= 10, "{c}");
    assert!(!c["ports"].as_array().unwrap().contains(&Value::from(8080)));
    assert!(c["kinds"].as_array().unwrap().contains(&Value::from("syn")));
    assert_eq!(c["response"]["blocked"], true, "{c}");
    let (_, b) = w
        .wait(Duration::from_secs(2), |e| e["name"] == "block")
        .expect("a block event");
    assert_eq!(b["columns"]["source"], "198.18.0.2");

    // Blocked: the scanner's next connection fails; a journal record shows it.
    assert!(!connects(&peer, "198.18.0.2", 8080), "blocked");
    let list = actions(&ns);
    let a = list
        .iter()
        .find(|a| a["how"] == "block")
        .expect("a block action");
    assert_eq!(a["state"], "applied");
    assert_eq!(a["detail"]["addr"], "198.18.0.2");
    assert!(a["detail"]["expires"].as_str().unwrap().ends_with('Z'));
    let once = ns.pw(&["watch", "--once", "--json"]);
    let v: Value = serde_json::from_slice(&once.stdout).unwrap();
    assert_eq!(v["blocks"][0]["source"], "198.18.0.2", "{v}");
    let human = ns.pw(&["actions"]);
    assert!(String::from_utf8_lossy(&human.stdout).contains("blocked 198.18.0.2 until"));

    // After --block-for the kernel lets it in again.
    std::thread::sleep(Duration::from_millis(3500));
    assert!(connects(&peer, "198.18.0.2", 8080), "the block expired");
    w.drain(Duration::from_millis(200));
    assert_eq!(
        w.count(|e| is_scan_from(e, "198.18.0.2")),
        1,
        "one event per scan"
    );

    // A second scanner, lifted by `unblock` before it expires.
    let scan = peer.sh(&[
        "nmap",
        "-sS",
        "-Pn",
        "-n",
        "-T4",
        "--max-retries",
        "0",
        "-S",
        "198.18.0.3",
        "-e",
        "vb",
        "-p",
        "1-300",
        "198.18.0.1",
    ]);
    assert!(
        scan.status.success(),
        "{}",
        String::from_utf8_lossy(&scan.stderr)
    );
    w.wait(Duration::from_secs(5), |e| {
        e["name"] == "block" && e["columns"]["source"] == "198.18.0.3"
    })
    .expect("198.18.0.3 blocked");
    assert!(!connects(&peer, "198.18.0.3", 8080));
    let out = ns.pw(&["unblock", "198.18.0.3"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("unblocked 198.18.0.3"));
    assert!(connects(&peer, "198.18.0.3", 8080), "unblocked");
    let list = actions(&ns);
    let a = list
        .iter()
        .find(|a| a["how"] == "block" && a["detail"]["addr"] == "198.18.0.3")
        .unwrap();
    assert!(a["undone_at"].is_string(), "{a}");
    // FIN/NULL/Xmas scans pass the filter too.
    let scan = peer.sh(&[
        "nmap",
        "-sX",
        "-Pn",
        "-n",
        "-T4",
        "--max-retries",
        "0",
        "-S",
        "198.18.0.4",
        "-e",
        "vb",
        "-p",
        "1-300",
        "198.18.0.1",
    ]);
    assert!(
        scan.status.success(),
        "{}",
        String::from_utf8_lossy(&scan.stderr)
    );
    let (_, e) = w
        .wait(Duration::from_secs(5), |e| is_scan_from(e, "198.18.0.4"))
        .expect("an Xmas scan event");
    assert_eq!(e["columns"]["kinds"], serde_json::json!(["xmas"]), "{e}");
    let out = ns.pw(&["unblock", "not-an-ip"]);
    assert_eq!(out.status.code(), Some(2));
    drop(w);
    // Our table goes with the namespace; nothing was added outside it.
}

/// Writes `count` TCP SYNs from 65 536 sources in 198.19.0.0/16 (16 each, one source
/// after another) to 198.18.0.1, from inside the scanner namespace.
fn flood(scanner: &Ns, count: u32) {
    let path = format!("/run/netns/{}", scanner.name);
    std::thread::spawn(move || {
        let f = std::fs::File::open(&path).unwrap();
        // This thread only: the raw packets are written inside the scanner namespace.
        nix::sched::setns(f, nix::sched::CloneFlags::CLONE_NEWNET).unwrap();
        let s = socket2::Socket::new(
            socket2::Domain::IPV4,
            socket2::Type::RAW,
            Some(socket2::Protocol::from(255)), // IPPROTO_RAW: we write the IP header
        )
        .unwrap();
        let dst: std::net::SocketAddr = "198.18.0.1:0".parse().unwrap();
        let dst = socket2::SockAddr::from(dst);
        let mut p = [0u8; 40];
        p[0] = 0x45;
        p[2..4].copy_from_slice(&40u16.to_be_bytes());
        p[8] = 64;
        p[9] = 6;
        p[16..20].copy_from_slice(&[198, 18, 0, 1]);
        p[32] = 0x50;
        p[33] = 0x02;
        p[34..36].copy_from_slice(&1024u16.to_be_bytes());
        for i in 0..count {
            let src = 0xc613_0000u32 + (i / 16) % 65_536;
            p[12..16].copy_from_slice(&src.to_be_bytes());
            p[20..22].copy_from_slice(&(40_000 + (i % 1000) as u16).to_be_bytes());
            // Closed ports 1000..=60999, never 8080-ish listeners of the test.
            let port = 1000 + (i.wrapping_mul(7919) % 60_000) as u16;
            p[22..24].copy_from_slice(&port.to_be_bytes());
            let _ = s.send_to(&p, &dst);
        }
    })
    .join()
    .unwrap();
}

fn vm_hwm_kib(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap()
}

/// The memory bound stated in the README: 64 MiB of peak resident memory.
const HWM_BOUND_KIB: u64 = 64 * 1024;

#[test]
fn a_million_spoofed_syns_from_65536_sources_do_not_take_it_down() {
    if skip(&["ip", "python3"]) {
        return;
    }
    let (mut ns, peer) = pair();
    let mut w = Watch::start(&ns, &["--summary-every", "1s"]);
    let up = Instant::now();
    let before = vm_hwm_kib(w.pid());
    flood(&peer, 1_000_000);
    // Still responsive: a new listener is reported within a second.
    ns.spawn_py(&listen_code("0.0.0.0", 4444));
    let started = Instant::now();
    let (at, _) = w
        .wait(Duration::from_secs(5), |e| is_listener(e, "added", 4444))
        .expect("still reports listeners after the flood");
    assert!(at.duration_since(started) < Duration::from_secs(1));
    // And reports: a summary with what was suppressed.
    w.drain(Duration::from_millis(2500));
    let (_, s) = w
        .seen
        .iter()
        .rev()
        .find(|(_, e)| e["name"] == "summary")
        .cloned()
        .expect("a summary");
    let c = &s["columns"];
    eprintln!("summary after the flood: {c}; VmHWM before {before} KiB");
    assert!(c["packets"].as_u64().unwrap() > 10_000, "{c}");
    assert!(c["sources_evicted"].as_u64().unwrap() > 0, "{c}");
    assert!(c["scan_events_suppressed"].as_u64().unwrap() > 0, "{c}");
    assert!(c["sources_tracked"].as_u64().unwrap() <= 8192, "{c}");
    let hwm = vm_hwm_kib(w.pid());
    assert!(hwm < HWM_BOUND_KIB, "VmHWM {hwm} KiB");
    // The rate limit held (10 a second, bursts of 20): not one event per scanner.
    let scans = w.count(|e| e["name"] == "scan") as u64;
    let bound = 20 + 10 * (up.elapsed().as_secs() + 1);
    assert!(
        scans > 0 && scans <= bound,
        "{scans} scan events, bound {bound}"
    );
}

/// An nmap SYN scan of ports 1-300 of the watched namespace from `src` (one of the
/// scanner namespace's own addresses).
fn syn_scan_from(peer: &Ns, src: &str) {
    let scan = peer.sh(&[
        "nmap",
        "-sS",
        "-Pn",
        "-n",
        "-T4",
        "--max-retries",
        "0",
        "-S",
        src,
        "-e",
        "vb",
        "-p",
        "1-300",
        "198.18.0.1",
    ]);
    assert!(
        scan.status.success(),
        "{}",
        String::from_utf8_lossy(&scan.stderr)
    );
}

#[test]
fn watch_block_journals_into_postgres_and_outlives_a_database_restart() {
    use portwarden_testkit::pg::{needs_postgres, Server};
    if skip(&["ip", "python3", "nft", "nmap"]) {
        return;
    }
    portwarden_testkit::require!(needs_postgres());
    let pg = Server::start().unwrap();
    let url = pg.url();
    let (mut ns, peer) = pair();
    ns.spawn_py(&listen_code("0.0.0.0", 8080));
    let store = ["--store", url.as_str(), "--host-id", "ns-w"];
    let mut args = vec!["--block", "--block-for", "60s"];
    args.extend_from_slice(&store);
    let mut w = Watch::start(&ns, &args);
    let with = |a: &[&str]| {
        let mut all = a.to_vec();
        all.extend_from_slice(&store);
        ns.pw(&all)
    };
    let blocks = || -> Vec<Value> {
        let out = with(&["actions", "--json"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .filter(|a| a["how"] == "block")
            .cloned()
            .collect()
    };
    syn_scan_from(&peer, "198.18.0.2");
    w.wait(Duration::from_secs(5), |e| {
        e["name"] == "block" && e["columns"]["source"] == "198.18.0.2"
    })
    .expect("198.18.0.2 blocked");
    assert!(!connects(&peer, "198.18.0.2", 8080));
    let b = blocks();
    assert_eq!(b.len(), 1, "{b:?}");
    assert_eq!(
        (b[0]["state"].as_str(), b[0]["detail"]["addr"].as_str()),
        (Some("applied"), Some("198.18.0.2"))
    );
    assert!(
        !ns.db.exists(),
        "the journal is in PostgreSQL, not the local file"
    );
    // The database goes away: the next scanner is seen but not blocked (intent first).
    pg.stop().unwrap();
    syn_scan_from(&peer, "198.18.0.3");
    let (_, e) = w
        .wait(Duration::from_secs(5), |e| is_scan_from(e, "198.18.0.3"))
        .expect("a scan event naming 198.18.0.3");
    assert_ne!(e["columns"]["response"]["blocked"], true, "{e}");
    assert!(
        connects(&peer, "198.18.0.3", 8080),
        "no block without a record"
    );
    // Back again: watch opens the journal again and blocks the next one.
    pg.start_again().unwrap();
    syn_scan_from(&peer, "198.18.0.4");
    w.wait(Duration::from_secs(5), |e| {
        e["name"] == "block" && e["columns"]["source"] == "198.18.0.4"
    })
    .expect("198.18.0.4 blocked after the restart");
    assert!(!connects(&peer, "198.18.0.4", 8080));
    let addrs: Vec<String> = blocks()
        .iter()
        .filter(|a| a["state"] == "applied")
        .map(|a| a["detail"]["addr"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(addrs, vec!["198.18.0.2", "198.18.0.4"]);
    // unblock through the same journal.
    let out = with(&["unblock", "198.18.0.4"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(connects(&peer, "198.18.0.4", 8080), "unblocked");
    assert!(blocks()
        .iter()
        .any(|a| a["detail"]["addr"] == "198.18.0.4" && a["undone_at"].is_string()));
}
