//! End-to-end tests of issue #10 part B: scans always end, output files are checked
//! before the first probe, target lists are bounded, every writer stops on a closed pipe
//! with status 141, and hostile text stays inert in the table, CSV, JSON and XML.
//!
//! Only loopback is probed, and only ports these tests opened (plus closed ports, with
//! every port another program listens on left out); the IPv6 test runs in a network
//! namespace it creates.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use assert_cmd::Command;
use base64::Engine as _;
use std::collections::BTreeSet;
use std::io::Write as _;
use std::net::{SocketAddr, TcpListener};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn pw() -> Command {
    Command::cargo_bin("portwarden").expect("binary")
}

fn bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("portwarden")
}

/// Skips (with the reason) unless the test can run; under `CI=true` it fails instead.
fn skip(why: Option<String>) -> bool {
    let Some(why) = why else { return false };
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("cannot run under CI: {why}");
    }
    eprintln!("skipped: {why}");
    true
}

/// Every TCP port something listens on (on any address), from /proc/net/tcp{,6}.
fn listening_ports() -> BTreeSet<u16> {
    let mut out = BTreeSet::new();
    for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() > 3 && f[3] == "0A" {
                if let Some(p) = f[1]
                    .rsplit_once(':')
                    .and_then(|(_, p)| u16::from_str_radix(p, 16).ok())
                {
                    out.insert(p);
                }
            }
        }
    }
    out
}

/// A loopback listener on a port the kernel picks.
fn listener() -> (TcpListener, u16) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    (l, port)
}

/// Listeners that accept every connection, then say `greeting` and close.
fn greeters(n: usize, greeting: &'static [u8]) -> (Vec<u16>, Arc<AtomicUsize>) {
    let accepted = Arc::new(AtomicUsize::new(0));
    let ports = (0..n)
        .map(|_| {
            let (l, port) = listener();
            let count = accepted.clone();
            std::thread::spawn(move || {
                for mut s in l.incoming().flatten() {
                    count.fetch_add(1, Ordering::SeqCst);
                    let _ = s.write_all(greeting);
                }
            });
            port
        })
        .collect();
    (ports, accepted)
}

fn port_arg(ports: &[u16]) -> String {
    ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
}

#[test]
fn connect_scan_of_ipv6_ends_without_ipv6() {
    if skip(common::why_skip(&["ip", "timeout"])) {
        return;
    }
    let ns = common::Ns::new();
    // /proc/sys/net is the namespace's own: this disables IPv6 in the test's namespace
    // only (what `sysctl net.ipv6.conf.all.disable_ipv6=1` does, without procps).
    for k in ["all", "default", "lo"] {
        let f = format!("/proc/sys/net/ipv6/conf/{k}/disable_ipv6");
        let st = ns.sh(&["sh", "-c", &format!("echo 1 > {f}")]).status;
        assert!(st.success(), "{f}");
    }
    let b = bin();
    // With host discovery, the host has no source address for 443 and 80 either: down,
    // and nothing else is probed.
    let out = ns
        .cmd(&[
            "timeout",
            "60",
            b.to_str().unwrap(),
            "scan",
            "--sT",
            "::1",
            "-p",
            "1-10",
            "--json",
            "--timeout",
            "300ms",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out.stdout);
    assert_eq!(v["hosts"][0]["status"], "down");
    assert_eq!(v["hosts"][0]["ports"].as_array().unwrap().len(), 0);
    // With -Pn every port is tried, and each ends with the reason.
    let out = ns
        .cmd(&[
            "timeout",
            "60",
            b.to_str().unwrap(),
            "scan",
            "--sT",
            "-Pn",
            "::1",
            "-p",
            "1-10",
            "--json",
            "--timeout",
            "300ms",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "the scan must end (124: killed by timeout): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out.stdout);
    let host = &v["hosts"][0];
    assert_eq!(host["status"], "down");
    let ports = host["ports"].as_array().unwrap();
    assert_eq!(ports.len(), 10, "{host}");
    for p in ports {
        assert_eq!(p["state"], "filtered", "{p}");
        assert_eq!(p["reason"], "addr-not-avail", "{p}");
    }
    // More ports than are listed: the table names the reason of those not shown.
    let out = ns
        .cmd(&[
            "timeout",
            "60",
            b.to_str().unwrap(),
            "scan",
            "--sT",
            "-Pn",
            "::1",
            "-p",
            "1-100",
            "--timeout",
            "300ms",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("Not shown: 100 filtered ports (addr-not-avail)"),
        "{table}"
    );
}

#[test]
fn accept_then_reset_is_open() {
    // Each listener accepts, then closes with SO_LINGER 0: the scanner's connection is
    // reset right after its handshake completed.
    let mut ports = Vec::new();
    for _ in 0..24 {
        let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
        s.bind(&addr.into()).unwrap();
        s.listen(128).unwrap();
        ports.push(s.local_addr().unwrap().as_socket().unwrap().port());
        std::thread::spawn(move || {
            while let Ok((c, _)) = s.accept() {
                let _ = c.set_linger(Some(Duration::ZERO));
                drop(c);
            }
        });
    }
    for _ in 0..3 {
        let out = pw()
            .args(["scan", "--sT", "127.0.0.1", "--no-banners", "--json", "-p"])
            .arg(port_arg(&ports))
            .output()
            .unwrap();
        assert!(out.status.success());
        let v = json(&out.stdout);
        let open: Vec<u64> = v["hosts"][0]["ports"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["state"] == "open")
            .map(|p| p["port"].as_u64().unwrap())
            .collect();
        assert_eq!(open.len(), ports.len(), "{v}");
    }
}

#[test]
fn banners_under_a_low_fd_limit_are_never_lost_silently() {
    if skip(
        std::process::Command::new("prlimit")
            .arg("-V")
            .output()
            .err()
            .map(|e| format!("prlimit: {e}")),
    ) {
        return;
    }
    let (ports, _) = greeters(40, b"SSH-2.0-pwtest\r\n");
    let out = std::process::Command::new("prlimit")
        .arg("--nofile=24:24")
        .arg(bin())
        .args(["scan", "--sT", "127.0.0.1", "--banners", "--json", "-p"])
        .arg(port_arg(&ports))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let v = json(&out.stdout);
    let listed = v["hosts"][0]["ports"].as_array().unwrap();
    assert_eq!(listed.len(), ports.len(), "{v}");
    let missing = listed.iter().filter(|p| p["banner"].is_null()).count() as u64;
    let lost = v["stats"]["ident_lost"].as_u64().unwrap();
    // Each port has its banner, or is counted as lost and the user is told.
    assert_eq!(missing, lost, "{v}");
    if lost > 0 {
        assert!(err.contains("left unidentified"), "{err}");
    }
    // The waits are long enough that on an idle loopback nothing is lost at all.
    assert_eq!(missing, 0, "{err}");
}

#[test]
fn unwritable_output_file_stops_before_the_first_probe() {
    let (ports, accepted) = greeters(1, b"");
    for bad in ["/nonexistent-pw-dir/out.xml", "/"] {
        for flag in ["--oX", "--oG"] {
            let out = pw()
                .args(["scan", "--sT", "127.0.0.1", "--no-banners", flag, bad, "-p"])
                .arg(port_arg(&ports))
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2), "{flag} {bad}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains(&format!("cannot write {bad}")), "{err}");
            assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        }
    }
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        0,
        "no probe may have gone out"
    );
}

#[test]
fn late_write_failure_still_prints_the_report() {
    let (ports, _) = greeters(1, b"");
    let out = pw()
        .args([
            "scan",
            "--sT",
            "127.0.0.1",
            "--no-banners",
            "--oX",
            "/dev/full",
            "-p",
        ])
        .arg(port_arg(&ports))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Scan report for 127.0.0.1"), "{text}");
    assert!(text.contains(&format!("{}/tcp", ports[0])), "{text}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot write /dev/full"), "{err}");
}

#[test]
fn endless_target_lists_end_with_one_line() {
    for flag in ["--iL", "--exclude-file"] {
        let mut cmd = pw();
        cmd.args(["scan", "--sT", "-p", "1", flag, "/dev/zero"]);
        if flag == "--exclude-file" {
            cmd.arg("127.0.0.1");
        }
        let out = cmd.timeout(Duration::from_secs(60)).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains("/dev/zero: line 1: longer than"), "{err}");
    }
}

/// A standard output whose reader has already gone away.
fn closed_stdout() -> Stdio {
    let (r, w) = nix::unistd::pipe().unwrap();
    drop(r);
    Stdio::from(w)
}

/// Runs `args` with a closed standard output; returns the exit code, failing if the
/// command has not ended within `limit` (it is then killed).
fn run_into_closed_pipe(args: &[&str], limit: Duration) -> Option<i32> {
    let mut child = std::process::Command::new(bin())
        .args(args)
        .stdin(Stdio::null())
        .stdout(closed_stdout())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            let mut err = String::new();
            let _ = std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err);
            assert!(!err.contains("panicked"), "{args:?}: {err}");
            return st.code();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{args:?} kept running with its reader gone");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn every_writer_exits_141_on_a_closed_pipe() {
    let minute = Duration::from_secs(60);
    for args in [
        &["completions", "zsh"][..],
        &["completions", "bash"],
        &["man"],
        &["lookup", "22"],
        &["ls", "--no-processes"],
        &["ls", "--no-processes", "--csv"],
        &["ls", "--no-processes", "--watch", "1"],
    ] {
        assert_eq!(run_into_closed_pipe(args, minute), Some(141), "{args:?}");
    }
}

#[test]
fn watch_stops_when_head_has_read_enough() {
    // As people run it: the reader leaves while portwarden waits for the next refresh.
    let script = format!(
        "{} ls --no-processes --watch 5 | head -n 1 >/dev/null; echo ${{PIPESTATUS[0]}}",
        bin().display()
    );
    let start = Instant::now();
    let out = std::process::Command::new("bash")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "141");
    // It stopped during the first wait, not at the next refresh.
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn jsonl_scan_stops_when_its_reader_goes() {
    // 200 ports at 5 probes per second would take 40 s: the scan must stop long before.
    let foreign = listening_ports();
    let ports: Vec<u16> = (40000..40200).filter(|p| !foreign.contains(p)).collect();
    let list = port_arg(&ports);
    let args = [
        "scan",
        "--sT",
        "127.0.0.1",
        "--jsonl",
        "--no-banners",
        "--rate",
        "5",
        "-p",
        &list,
    ];
    assert_eq!(
        run_into_closed_pipe(&args, Duration::from_secs(30)),
        Some(141)
    );
    // The table output too.
    let args = [
        "scan",
        "--sT",
        "127.0.0.1",
        "--no-banners",
        "-p",
        &list[..5],
    ];
    assert_eq!(
        run_into_closed_pipe(&args, Duration::from_secs(30)),
        Some(141)
    );
}

const HOSTILE: &[u8] =
    b"=cmd|' /C calc'!A0 \x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\xe2\x80\xae\xe2\x80\x8b\xe2\x80\xa8\xf3\xa0\x80\x81x\r\n";
const HOSTILE_SSH: &[u8] =
    b"SSH-2.0-=HYPERLINK(\"x\")\x1b]52;c;cm0=\x07\xe2\x80\x8f\xd8\x9c\xe2\x81\xa6evil\r\n";

/// Characters that must never reach a reader from a peer.
fn inert(s: &str) -> bool {
    !s.chars().any(|c| {
        matches!(
            c,
            '\u{1b}'
                | '\u{7}'
                | '\u{202e}'
                | '\u{200b}'
                | '\u{200f}'
                | '\u{061c}'
                | '\u{2066}'
                | '\u{2028}'
                | '\u{e0001}'
        )
    })
}

#[test]
fn hostile_banners_are_inert_in_every_output() {
    let (mut ports, _) = greeters(1, HOSTILE);
    let (ssh, _) = greeters(1, HOSTILE_SSH);
    ports.extend(ssh);
    let list = port_arg(&ports);
    let scan = |extra: &[&str]| {
        let out = pw()
            .args(["scan", "--sT", "127.0.0.1", "--banners", "-p", &list])
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "{extra:?}");
        String::from_utf8(out.stdout).unwrap()
    };

    let table = scan(&[]);
    assert!(inert(&table), "{table:?}");
    assert!(table.contains("=cmd|"), "{table}");

    let xml = scan(&["--oX", "-"]);
    assert!(inert(&xml), "{xml:?}");

    let grepable = scan(&["--oG", "-"]);
    assert!(inert(&grepable), "{grepable:?}");

    let whole = json(scan(&["--json"]).as_bytes())["hosts"][0].clone();
    let lines = scan(&["--jsonl"]);
    let streamed = json(lines.lines().next().unwrap().as_bytes());
    for host in [whole, streamed] {
        let mut raws = BTreeSet::new();
        for p in host["ports"].as_array().unwrap() {
            let banner = p["banner"].as_str().unwrap();
            assert!(inert(banner), "{banner:?}");
            assert!(!banner.chars().any(char::is_control), "{banner:?}");
            if let Some(prod) = p["identified"]["product"].as_str() {
                assert!(
                    inert(prod) && !prod.chars().any(char::is_control),
                    "{prod:?}"
                );
            }
            let raw = base64::engine::general_purpose::STANDARD
                .decode(p["banner_base64"].as_str().unwrap())
                .unwrap();
            raws.insert(raw);
        }
        // The exact bytes are kept, out of harm's way.
        assert!(
            raws.contains(HOSTILE) && raws.contains(HOSTILE_SSH),
            "{raws:?}"
        );
    }

    let cells = |csv_text: &str| -> Vec<String> {
        let mut r = csv::Reader::from_reader(csv_text.as_bytes());
        r.records()
            .flat_map(|rec| rec.unwrap().iter().map(str::to_string).collect::<Vec<_>>())
            .collect()
    };
    let safe = cells(&scan(&["--csv"]));
    for c in &safe {
        assert!(!c.starts_with(['=', '+', '-', '@', '\t', '\r']), "{c:?}");
        assert!(inert(c), "{c:?}");
    }
    assert!(safe.iter().any(|c| c.starts_with("'=cmd|")), "{safe:?}");
    let raw = cells(&scan(&["--csv", "--csv-raw"]));
    assert!(raw.iter().any(|c| c.starts_with("=cmd|")), "{raw:?}");
}

#[test]
fn hostile_process_name_is_inert_in_ls_csv() {
    let Ok(py) = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
    else {
        skip(Some("python3 is not installed".into()));
        return;
    };
    let exe = String::from_utf8(py.stdout).unwrap().trim().to_string();
    let dir = std::env::temp_dir().join(format!("pw-scanio-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // comm (the process name) comes from the file name that was executed.
    let link = dir.join("=cmd|'calc'!A0");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&exe, &link).unwrap();
    let mut child = std::process::Command::new(&link)
        .args([
            "-c",
            "import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen()\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let port = line.trim().to_string();
    let out = pw()
        .args(["ls", "-l", "--csv", "--port", &port])
        .output()
        .unwrap();
    let raw = pw()
        .args(["ls", "-l", "--csv", "--csv-raw", "--port", &port])
        .output()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    let text = String::from_utf8(out.stdout).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "{text}");
    assert!(
        rows[0].iter().all(|c| !c.starts_with(['=', '+', '-', '@'])),
        "{text}"
    );
    assert!(rows[0].iter().any(|c| c == "'=cmd|'calc'!A0"), "{text}");
    let raw = String::from_utf8(raw.stdout).unwrap();
    assert!(
        raw.contains("\n") && raw.contains(",=cmd|'calc'!A0,"),
        "{raw}"
    );
}
