//! End-to-end tests of `portwarden ls` and `portwarden audit`: the test opens its own
//! sockets (TCP and UDP, IPv4 and IPv6, loopback and wildcard), then checks that the
//! binary finds each with the right pid, state and exposure, and that the whole listing
//! matches `ss -tuanpH` taken at the same moment.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use assert_cmd::Command;
use std::collections::BTreeSet;
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};

fn pw() -> Command {
    let mut c = Command::cargo_bin("portwarden").unwrap();
    c.env("NO_COLOR", "1").env("LANG", "C");
    c
}

fn ls_json(args: &[&str]) -> Vec<serde_json::Value> {
    let out = pw().arg("ls").arg("--json").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout).unwrap()
}

fn ipv6_works() -> bool {
    TcpListener::bind("[::1]:0").is_ok()
}

fn find<'a>(
    rows: &'a [serde_json::Value],
    proto: &str,
    local: SocketAddr,
    state: &str,
) -> Option<&'a serde_json::Value> {
    rows.iter().find(|r| {
        r["proto"] == proto
            && r["local_port"] == local.port()
            && r["local_addr"]
                .as_str()
                .and_then(|a| a.parse::<std::net::IpAddr>().ok())
                == Some(local.ip())
            && r["state"] == state
    })
}

#[test]
fn finds_our_own_sockets_with_pid_state_and_exposure() {
    let me = std::process::id();
    let lo4 = TcpListener::bind("127.0.0.1:0").unwrap();
    let any4 = TcpListener::bind("0.0.0.0:0").unwrap();
    let udp4 = UdpSocket::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(lo4.local_addr().unwrap()).unwrap();
    let (server, _) = lo4.accept().unwrap();
    let v6 = ipv6_works().then(|| {
        (
            TcpListener::bind("[::1]:0").unwrap(),
            UdpSocket::bind("[::]:0").unwrap(),
        )
    });
    let rows = ls_json(&["--pid", &me.to_string()]);
    let check = |proto: &str, addr: SocketAddr, state: &str, exposure: &str| {
        let r = find(&rows, proto, addr, state)
            .unwrap_or_else(|| panic!("{proto} {addr} {state} not listed: {rows:#?}"));
        assert_eq!(r["pids"][0], me, "{r}");
        assert_eq!(r["exposure"], exposure, "{r}");
    };
    check("tcp", lo4.local_addr().unwrap(), "LISTEN", "loopback");
    check("tcp", any4.local_addr().unwrap(), "LISTEN", "all");
    check("udp", udp4.local_addr().unwrap(), "UNCONN", "loopback");
    check("tcp", client.local_addr().unwrap(), "ESTAB", "loopback");
    check("tcp", server.local_addr().unwrap(), "ESTAB", "loopback");
    if let Some((t6, u6)) = &v6 {
        check("tcp", t6.local_addr().unwrap(), "LISTEN", "loopback");
        check("udp", u6.local_addr().unwrap(), "UNCONN", "all");
    } else {
        portwarden_testkit::skip("IPv6 checks: ::1 is not available here");
    }
    // Filters.
    let only = ls_json(&["--pid", &me.to_string(), "-l", "-t", "-4"]);
    assert!(only
        .iter()
        .all(|r| r["proto"] == "tcp" && r["family"] == 4 && r["listening"] == true));
    assert!(find(&only, "tcp", any4.local_addr().unwrap(), "LISTEN").is_some());
    let port = lo4.local_addr().unwrap().port().to_string();
    let by_port = ls_json(&["--port", &port, "--state", "established"]);
    assert_eq!(by_port.len(), 2, "{by_port:#?}");
    // The /proc/net fallback gives the same sockets (only this test's: other tests in
    // this process open sockets concurrently).
    let mut ports = vec![
        lo4.local_addr().unwrap().port(),
        any4.local_addr().unwrap().port(),
        udp4.local_addr().unwrap().port(),
    ];
    if let Some((t6, u6)) = &v6 {
        ports.push(t6.local_addr().unwrap().port());
        ports.push(u6.local_addr().unwrap().port());
    }
    let list = ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let a: BTreeSet<String> = ls_json(&["--port", &list]).iter().map(key).collect();
    let b: BTreeSet<String> = ls_json(&["--port", &list, "--procfs"])
        .iter()
        .map(key)
        .collect();
    assert_eq!(a, b);
    assert!(a.len() >= 5, "{a:?}");
    drop((client, server, v6));
}

fn key(r: &serde_json::Value) -> String {
    let norm = |a: &str| {
        let ip: std::net::IpAddr = a.parse().unwrap();
        if ip.is_unspecified() {
            "*".to_string()
        } else {
            ip.to_string()
        }
    };
    format!(
        "{} {} {}:{} {}:{}",
        r["proto"].as_str().unwrap(),
        r["state"].as_str().unwrap(),
        norm(r["local_addr"].as_str().unwrap()),
        r["local_port"],
        norm(r["remote_addr"].as_str().unwrap()),
        r["remote_port"]
    )
}

/// Parses `ss -tuanpH` into the same keys, plus the pids per key.
fn ss_keys() -> Option<BTreeSet<(String, Vec<u32>)>> {
    let out = std::process::Command::new("ss")
        .args(["-tuanpH"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let addr = |s: &str| -> (String, String) {
        let (ip, port) = s.rsplit_once(':').unwrap();
        let ip = ip.trim_start_matches('[').trim_end_matches(']');
        let ip = ip.split('%').next().unwrap();
        let ip = if ip == "*" || ip == "0.0.0.0" || ip == "::" {
            "*".to_string()
        } else {
            ip.parse::<std::net::IpAddr>()
                .map(|i| i.to_string())
                .unwrap_or(ip.to_string())
        };
        let port = if port == "*" {
            "0".to_string()
        } else {
            port.to_string()
        };
        (ip, port)
    };
    let mut set = BTreeSet::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 6 {
            continue;
        }
        let (lip, lport) = addr(f[4]);
        let (rip, rport) = addr(f[5]);
        let mut pids: Vec<u32> = f[6..]
            .join(" ")
            .split("pid=")
            .skip(1)
            .filter_map(|p| p.split(',').next().and_then(|n| n.parse().ok()))
            .collect();
        pids.sort_unstable();
        pids.dedup();
        set.insert((
            format!("{} {} {lip}:{lport} {rip}:{rport}", f[0], f[1]),
            pids,
        ));
    }
    Some(set)
}

#[test]
fn whole_listing_matches_ss() {
    let Some(_) = ss_keys() else {
        portwarden_testkit::skip("ss (iproute2) is not installed");
        return;
    };
    let _l = TcpListener::bind("127.0.0.1:0").unwrap();
    let _u = UdpSocket::bind("127.0.0.1:0").unwrap();
    // Sockets come and go (other programs, TIME-WAIT expiry); take both listings back to
    // back and retry a few times until one pair matches exactly.
    let mut last = String::new();
    for _ in 0..8 {
        let before = ss_keys().unwrap();
        let ours: BTreeSet<(String, Vec<u32>)> = ls_json(&[])
            .iter()
            .map(|r| {
                let mut p: Vec<u32> = r["pids"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| u32::try_from(x.as_u64().unwrap()).unwrap())
                    .collect();
                p.sort_unstable();
                (key(r), p)
            })
            .collect();
        let after = ss_keys().unwrap();
        if before == after {
            // ss itself (and our own process) appear only in their own listing.
            let strip = |s: &BTreeSet<(String, Vec<u32>)>| -> BTreeSet<(String, Vec<u32>)> {
                s.iter()
                    .filter(|(k, _)| !k.contains("NEW-SYN"))
                    .cloned()
                    .collect()
            };
            if strip(&ours) == strip(&before) {
                return;
            }
            let only_ours: Vec<_> = ours.difference(&before).collect();
            let only_ss: Vec<_> = before.difference(&ours).collect();
            last = format!("only portwarden: {only_ours:#?}\nonly ss: {only_ss:#?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    panic!("listing never matched ss:\n{last}");
}

#[test]
fn bad_flags_are_one_line_and_exit_2() {
    let cases: &[&[&str]] = &[
        &["ls", "--port", "70000"],
        &["ls", "--port", "-1"],
        &["ls", "--port", "abc"],
        &["ls", "--pid", "x"],
        &["ls", "--state", "dancing"],
        &["ls", "--sort", "colour"],
        &["ls", "--watch", "0"],
        &["ls", "--watch", "nan"],
        &["ls", "--user", ""],
        &["ls", "--netns", "../etc"],
        &["ls", "--json", "--csv"],
        &["ls", "-4", "-6"],
        &["ls", "--bogus"],
        &["audit", "--fail-on", "severe"],
        &["audit", "--netns", ""],
    ];
    for args in cases {
        let out = pw().args(*args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    }
}

#[test]
fn csv_has_a_header_and_our_socket() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    let out = pw()
        .args(["ls", "--csv", "--port", &port])
        .output()
        .unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    let mut lines = s.lines();
    assert!(lines.next().unwrap().starts_with("proto,family,local_addr"));
    assert!(lines.next().unwrap().contains(&port));
}

#[test]
fn audit_reports_a_backdoor_port_we_opened() {
    // 31337 is Back Orifice's port. Bind it on loopback only; skip if something else has it.
    let Ok(l) = TcpListener::bind("127.0.0.1:31337") else {
        eprintln!("skipping: 127.0.0.1:31337 is in use");
        return;
    };
    let out = pw()
        .args(["audit", "--json", "--no-save", "--no-probe"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["port"] == 31337)
        .expect("finding for 31337");
    assert_eq!(f["kind"], "backdoor-port");
    assert_eq!(f["exposure"], "loopback");
    assert_eq!(f["processes"][0][0], std::process::id());
    assert_eq!(f["command"], "portwarden close 31337/tcp");
    let out = pw()
        .args(["audit", "--fail-on", "high", "--no-save", "--no-probe"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("31337/tcp"), "{text}");
    let out = pw()
        .args(["audit", "--lang", "zh", "--no-save", "--no-probe"])
        .output()
        .unwrap();
    assert!(String::from_utf8(out.stdout).unwrap().contains("木马"));
    drop(l);
}

#[test]
fn watch_marks_sockets_that_appear_and_go() {
    use std::io::Read;
    // Pick a free port, then watch it before anything listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("portwarden"))
        .args(["ls", "--watch", "0.2", "-t", "--port", &port.to_string()])
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    let l = TcpListener::bind(("127.0.0.1", port)).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    drop(l);
    std::thread::sleep(std::time::Duration::from_millis(700));
    let _ = child.kill();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let _ = child.wait();
    let appeared = out.lines().any(|l| {
        l.starts_with('+') && l.contains(&format!("127.0.0.1:{port}")) && l.contains("LISTEN")
    });
    assert!(appeared, "no '+' row for the new listener:\n{out}");
    let gone = out
        .lines()
        .any(|l| l.starts_with('-') && l.contains(&format!("127.0.0.1:{port}")));
    assert!(gone, "no '-' row for the closed listener:\n{out}");
    assert!(out.matches("portwarden ls --watch").count() >= 3);
}
