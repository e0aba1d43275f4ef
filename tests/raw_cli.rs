//! End-to-end tests of the raw scans through the real binary, inside a network namespace
//! the test creates (raw packets never leave it): the default scan of a root process is the
//! SYN scan and finds exactly the listeners the test started; `--sU` tells open from closed
//! ports on loopback (which Linux exempts from its ICMP limit); without CAP_NET_RAW
//! `--sS` falls back to the connect scan with a one-line note and `--sU` stops with a
//! one-line error. Needs root, `ip`, `python3` and `setpriv`; otherwise each test prints
//! why it skips.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;
use common::Ns;
use std::collections::BTreeSet;

fn why_skip() -> Option<String> {
    common::why_skip(&["ip", "python3"])
}

/// Listens on every TCP port of `tcp` and answers datagrams on every UDP port of `udp`
/// (127.0.0.1), inside the namespace.
const SERVE: &str = r#"
import socket, sys, threading
tcp = [int(p) for p in sys.argv[1].split(',') if p]
udp = [int(p) for p in sys.argv[2].split(',') if p]
keep = []
for p in tcp:
    s = socket.socket(); s.bind(('127.0.0.1', p)); s.listen(64); keep.append(s)
def echo(s):
    while True:
        _, a = s.recvfrom(2048); s.sendto(b'pong' * 1000, a)
for p in udp:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', p)); keep.append(s)
    threading.Thread(target=echo, args=(s,), daemon=True).start()
print('ready', flush=True)
threading.Event().wait()
"#;

fn serve(ns: &mut Ns, tcp: &[u16], udp: &[u16]) {
    let join = |v: &[u16]| {
        v.iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let code = format!(
        "import sys\nsys.argv=['x','{}','{}']\n{SERVE}",
        join(tcp),
        join(udp)
    );
    ns.spawn_py(&code);
}

fn open_ports(json: &[u8], proto: &str) -> (String, BTreeSet<u16>) {
    let v: serde_json::Value = serde_json::from_slice(json).unwrap();
    let kind = v["scan_type"].as_str().unwrap_or_default().to_string();
    let ports = v["hosts"][0]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["state"] == "open" && p["protocol"] == proto)
        .map(|p| p["port"].as_u64().unwrap() as u16)
        .collect();
    (kind, ports)
}

/// Runs the binary in `ns` and checks that it succeeded.
fn pw_ok(ns: &Ns, args: &[&str]) -> std::process::Output {
    let out = ns.pw(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs the binary in `ns` as `nobody`, with no capabilities at all.
fn pw_as_nobody(ns: &Ns, args: &[&str]) -> std::process::Output {
    let bin = assert_cmd::cargo::cargo_bin("portwarden");
    let mut all = vec![
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        bin.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    ns.cmd(&all).output().unwrap()
}

#[test]
fn default_scan_of_root_is_syn_and_exact() {
    portwarden_testkit::require!(why_skip());
    let mut ns = Ns::new();
    // 61500 lies in the raw scans' own source-port range: still found.
    let want = [22u16, 80, 443, 8080, 31337, 49999, 61500, 65535];
    serve(&mut ns, &want, &[]);
    let out = pw_ok(&ns, &["scan", "127.0.0.1", "-p-", "--json", "--no-banners"]);
    let (kind, open) = open_ports(&out.stdout, "tcp");
    assert_eq!(kind, "syn");
    assert_eq!(open, want.into_iter().collect::<BTreeSet<_>>());
    // A target without a route (the namespace has only loopback): no probe can leave, so
    // host discovery (its two probes end `net-unreach` at once) finds it down, none of its
    // ports is probed, and the scan of the others goes on.
    let out = pw_ok(
        &ns,
        &["scan", "127.0.0.1", "198.18.0.99", "-p", "22,80", "--json"],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["hosts"][0]["status"], "up", "{v}");
    assert_eq!(v["hosts"][1]["status"], "down", "{v}");
    assert_eq!(v["hosts"][1]["stats"]["probes"], 2, "{v}");
    assert_eq!(
        v["hosts"][1]["ports"].as_array().map(Vec::len),
        Some(0),
        "{v}"
    );
    // nmap's grepable form, as scripts read it.
    let out = pw_ok(
        &ns,
        &["scan", "--sS", "127.0.0.1", "-p", "1-1024", "--oG", "-"],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("22/open/tcp//ssh"), "{text}");
    assert!(text.contains("Ignored State: closed (1021)"), "{text}");
}

#[test]
fn udp_scan_on_loopback_tells_open_from_closed() {
    portwarden_testkit::require!(why_skip());
    let mut ns = Ns::new();
    serve(&mut ns, &[], &[5353, 40000]);
    let out = ns.pw(&[
        "scan",
        "--sU",
        "127.0.0.1",
        "-p",
        "U:53,123,161,5353,40000,40001",
        "--json",
        "--all-states",
    ]);
    let (kind, open) = open_ports(&out.stdout, "udp");
    assert_eq!(kind, "udp");
    assert_eq!(open, BTreeSet::from([5353, 40000]));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let closed: BTreeSet<u64> = v["hosts"][0]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["state"] == "closed")
        .map(|p| p["port"].as_u64().unwrap())
        .collect();
    assert_eq!(closed, BTreeSet::from([53, 123, 161, 40001]));
    // Replies of 4000 bytes were read whole (a cut datagram would not parse): the banner
    // keeps its first 512 bytes.
    let banner = v["hosts"][0]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["port"] == 40000)
        .and_then(|p| p["banner"].as_str().map(str::len));
    assert!(banner.is_some_and(|n| n >= 500), "{banner:?}");
    // On loopback the raw socket also reads our own probes: none of them may pass for an
    // answer, also in the scan's own source-port range (three cookie keys).
    for seed in ["1", "2", "3"] {
        let out = pw_ok(
            &ns,
            &[
                "scan",
                "--sU",
                "127.0.0.1",
                "-p",
                "U:61440-62463",
                "--json",
                "--seed",
                seed,
                "--retries",
                "1",
            ],
        );
        assert_eq!(
            open_ports(&out.stdout, "udp").1,
            BTreeSet::new(),
            "seed {seed}"
        );
    }
}

#[test]
fn without_cap_net_raw_syn_falls_back_to_connect() {
    portwarden_testkit::require!(why_skip().or_else(|| common::why_skip(&["setpriv"])));
    let mut ns = Ns::new();
    serve(&mut ns, &[8080], &[]);
    let out = pw_as_nobody(
        &ns,
        &["scan", "--sS", "127.0.0.1", "-p", "8080,8081", "--json"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    if err.contains("Permission denied") && err.contains("portwarden") && !out.status.success() {
        portwarden_testkit::skip(&format!("the binary cannot be run as nobody here: {err}"));
        return;
    }
    assert!(out.status.success(), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("running a connect scan"), "{err}");
    let (kind, open) = open_ports(&out.stdout, "tcp");
    assert_eq!(kind, "connect");
    assert_eq!(open, BTreeSet::from([8080]));
    // The UDP scan has no fallback: one line before anything is scanned, also with -sS.
    for extra in [&[][..], &["--sS"][..]] {
        let mut args = vec!["scan", "--sU", "127.0.0.1", "-p", "53,8080"];
        args.extend_from_slice(extra);
        let out = pw_as_nobody(&ns, &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("CAP_NET_RAW"), "{err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn syn_and_udp_together_make_one_report() {
    portwarden_testkit::require!(why_skip());
    let mut ns = Ns::new();
    serve(&mut ns, &[22, 8080], &[53, 40000]);
    let args = [
        "scan",
        "--sS",
        "--sU",
        "127.0.0.1",
        "-p",
        "22,53,8080,40000,40001",
    ];
    let out = pw_ok(&ns, &[&args[..], &["--json"]].concat());
    assert_eq!(open_ports(&out.stdout, "tcp").1, BTreeSet::from([22, 8080]));
    assert_eq!(
        open_ports(&out.stdout, "udp").1,
        BTreeSet::from([53, 40000])
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let scans: Vec<&str> = v["scans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["scan_type"].as_str().unwrap())
        .collect();
    assert_eq!(scans, ["syn", "udp"]);
    assert_eq!(v["hosts"][0]["parts"].as_array().unwrap().len(), 2);
    // nmap XML: one scaninfo per scan, extraports per protocol; ndiff-style readers see
    // both protocols' ports.
    let out = pw_ok(&ns, &[&args[..], &["--oX", "-", "--all-states"]].concat());
    let xml = String::from_utf8_lossy(&out.stdout);
    assert!(
        xml.contains("<scaninfo type=\"syn\" protocol=\"tcp\" numservices=\"5\""),
        "{xml}"
    );
    assert!(
        xml.contains("<scaninfo type=\"udp\" protocol=\"udp\" numservices=\"5\""),
        "{xml}"
    );
    assert!(
        xml.contains("<port protocol=\"udp\" portid=\"40001\"><state state=\"closed\""),
        "{xml}"
    );
    // Streamed JSON lines: each host once, with both protocols.
    let out = ns.pw(&[&args[..], &["--jsonl"]].concat());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.contains("\"udp\"") && text.contains("\"tcp\""),
        "{text}"
    );
}

#[test]
fn syn_scan_of_ipv6_loopback_is_exact() {
    portwarden_testkit::require!(why_skip());
    let mut ns = Ns::new();
    let v6 = ns.sh(&[
        "python3",
        "-c",
        "import socket; socket.socket(socket.AF_INET6).bind(('::1', 0))",
    ]);
    if !v6.status.success() {
        portwarden_testkit::skip("no IPv6 loopback in a new namespace here");
        return;
    }
    let want = [22u16, 443, 8443, 50000, 61999];
    let code = format!(
        "import socket, threading\nkeep=[]\nfor p in {want:?}:\n s=socket.socket(socket.AF_INET6); s.bind(('::1', p)); s.listen(8); keep.append(s)\nprint('ready', flush=True)\nthreading.Event().wait()\n"
    );
    ns.spawn_py(&code);
    for _ in 0..3 {
        let out = ns.pw(&["scan", "--sS", "::1", "-p-", "--json", "--no-banners"]);
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (kind, open) = open_ports(&out.stdout, "tcp");
        assert_eq!(kind, "syn");
        assert_eq!(open, want.into_iter().collect::<BTreeSet<_>>());
    }
    // Both families in one scan.
    let out = pw_ok(
        &ns,
        &["scan", "--sS", "::1", "127.0.0.1", "-p", "22,443", "--json"],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hosts = v["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), 2);
    assert_eq!(hosts[0]["stats"]["open"], 2, "{v}");
    assert_eq!(hosts[1]["stats"]["open"], 0, "{v}");
}

#[test]
fn icmp_prohibited_means_filtered_on_both_families() {
    portwarden_testkit::require!(why_skip().or_else(|| common::why_skip(&["nft"])));
    let ns = Ns::new();
    let v6 = ns.sh(&[
        "python3",
        "-c",
        "import socket; socket.socket(socket.AF_INET6).bind(('::1', 0))",
    ]);
    if !v6.status.success() {
        portwarden_testkit::skip("no IPv6 loopback in a new namespace here");
        return;
    }
    // The namespace's own table: the kernel answers these ports with "administratively
    // prohibited" (ICMP type 3 code 13, ICMPv6 type 1 code 1).
    for cmd in [
        "add table inet pwtest",
        "add chain inet pwtest in { type filter hook input priority 0 ; }",
        "add rule inet pwtest in tcp dport 9999 reject with icmpx type admin-prohibited",
        "add rule inet pwtest in udp dport 9998 reject with icmpx type admin-prohibited",
    ] {
        let args: Vec<&str> = std::iter::once("nft").chain(cmd.split(' ')).collect();
        let out = ns.sh(&args);
        assert!(
            out.status.success(),
            "nft {cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = ns.pw(&[
        "scan",
        "--sS",
        "--sU",
        "::1",
        "127.0.0.1",
        "-p",
        "T:9999,U:9998,U:9997",
        "--all-states",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut seen = Vec::new();
    for h in v["hosts"].as_array().unwrap() {
        for p in h["ports"].as_array().unwrap() {
            seen.push(format!(
                "{} {}/{} {} {}",
                h["addr"].as_str().unwrap(),
                p["port"],
                p["protocol"].as_str().unwrap(),
                p["state"].as_str().unwrap(),
                p["reason"].as_str().unwrap()
            ));
        }
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            "127.0.0.1 9997/udp closed port-unreach",
            "127.0.0.1 9998/udp filtered admin-prohibited",
            "127.0.0.1 9999/tcp filtered admin-prohibited",
            "::1 9997/udp closed port-unreach",
            "::1 9998/udp filtered admin-prohibited",
            "::1 9999/tcp filtered admin-prohibited",
        ]
    );
}

/// Greets every connection the way sshd and vsftpd do.
const GREET: &str = r#"
import socket, threading
def serve(port, text):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('127.0.0.1', port)); s.listen(16)
    def run():
        while True:
            c, _ = s.accept(); c.sendall(text); c.close()
    threading.Thread(target=run, daemon=True).start()
serve(22, b'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n')
serve(21, b'220 (vsFTPd 3.0.3)\r\n')
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('127.0.0.1', 7777))
def udp():
    while True:
        _, a = u.recvfrom(2048); u.sendto(b'\x00\xffbinary', a)
threading.Thread(target=udp, daemon=True).start()
print('ready', flush=True)
threading.Event().wait()
"#;

#[test]
fn identification_runs_after_the_syn_scan_and_no_banners_holds_for_udp() {
    if let Some(why) = why_skip() {
        eprintln!("SKIPPED: {why}");
        return;
    }
    let mut ns = Ns::new();
    ns.spawn_py(GREET);
    let out = pw_ok(&ns, &["scan", "127.0.0.1", "-p", "21,22", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["scan_type"], "syn", "{v}");
    let port = |v: &serde_json::Value, n: u64| {
        v["hosts"][0]["ports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["port"] == n)
            .cloned()
            .unwrap()
    };
    let ssh = port(&v, 22);
    assert_eq!(ssh["identified"]["name"], "ssh", "{ssh}");
    assert_eq!(ssh["identified"]["product"], "OpenSSH", "{ssh}");
    assert_eq!(ssh["identified"]["version"], "9.2p1", "{ssh}");
    let ftp = port(&v, 21);
    assert_eq!(ftp["identified"]["product"], "vsFTPd", "{ftp}");
    assert!(
        ftp["findings"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["id"] == "cleartext-login")),
        "{ftp}"
    );
    // The same names and versions in nmap's XML and grepable forms.
    let out = pw_ok(&ns, &["scan", "127.0.0.1", "-p", "22", "--oX", "-"]);
    let xml = String::from_utf8_lossy(&out.stdout);
    assert!(
        xml.contains(r#"<service name="ssh" product="OpenSSH" version="9.2p1""#),
        "{xml}"
    );
    assert!(
        xml.contains("<cpe>cpe:/a:openbsd:openssh:9.2p1</cpe>"),
        "{xml}"
    );
    let out = pw_ok(&ns, &["scan", "127.0.0.1", "-p", "22", "--oG", "-"]);
    let g = String::from_utf8_lossy(&out.stdout);
    assert!(g.contains("22/open/tcp//ssh//OpenSSH 9.2p1"), "{g}");
    // --no-banners: nothing identified after -sS, no banner kept by -sU.
    let out = pw_ok(
        &ns,
        &["scan", "127.0.0.1", "-p", "22", "--json", "--no-banners"],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(port(&v, 22)["identified"].is_null(), "{v}");
    let args = ["scan", "--sU", "127.0.0.1", "-p", "7777", "--json"];
    let v: serde_json::Value = serde_json::from_slice(&pw_ok(&ns, &args).stdout).unwrap();
    let udp = port(&v, 7777);
    // A binary answer: an escaped preview plus the exact bytes in base64.
    assert_eq!(udp["banner"], "\\x00\\xffbinary", "{udp}");
    assert_eq!(udp["banner_base64"], "AP9iaW5hcnk=", "{udp}");
    let mut no = args.to_vec();
    no.push("--no-banners");
    let v: serde_json::Value = serde_json::from_slice(&pw_ok(&ns, &no).stdout).unwrap();
    assert!(port(&v, 7777)["banner"].is_null(), "{v}");
}

/// Every (host, port, state) a scan's JSON lists.
fn listed(json: &[u8]) -> Vec<(String, u16, String)> {
    let v: serde_json::Value = serde_json::from_slice(json).unwrap();
    let mut out = Vec::new();
    for h in v["hosts"].as_array().unwrap() {
        for p in h["ports"].as_array().unwrap() {
            out.push((
                h["addr"].as_str().unwrap().to_string(),
                p["port"].as_u64().unwrap() as u16,
                p["state"].as_str().unwrap().to_string(),
            ));
        }
    }
    out
}

#[test]
fn shards_run_side_by_side_split_the_scan_exactly() {
    portwarden_testkit::require!(why_skip());
    let mut ns = Ns::new();
    let want = [22u16, 80, 443, 1500, 1999];
    serve(&mut ns, &want, &[]);
    let bin = assert_cmd::cargo::cargo_bin("portwarden");
    for kind in ["--sS", "--sT"] {
        // Four shards at once, on the same host, with one seed: their raw answers share
        // the sockets, and each must keep only its own.
        let kids: Vec<_> = (0..4)
            .map(|i| {
                let shard = format!("{i}/4");
                ns.cmd(&[
                    bin.to_str().unwrap(),
                    "scan",
                    kind,
                    "127.0.0.1-3",
                    "-p",
                    "1-2000",
                    "--all-states",
                    "--no-banners",
                    "--json",
                    "--seed",
                    "77",
                    "--shard",
                    &shard,
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
            })
            .collect();
        let mut all = Vec::new();
        let mut sizes = Vec::new();
        for k in kids {
            let out = k.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let l = listed(&out.stdout);
            sizes.push(l.len());
            all.extend(l);
        }
        let pairs: BTreeSet<(String, u16)> = all.iter().map(|(a, p, _)| (a.clone(), *p)).collect();
        assert_eq!(
            pairs.len(),
            all.len(),
            "{kind}: a pair was probed by two shards"
        );
        assert_eq!(pairs.len(), 3 * 2000, "{kind}: shards {sizes:?} miss pairs");
        assert!(sizes.iter().all(|&n| n > 1000), "{kind}: uneven {sizes:?}");
        let open: BTreeSet<(String, u16)> = all
            .iter()
            .filter(|(_, _, s)| s == "open")
            .map(|(a, p, _)| (a.clone(), *p))
            .collect();
        let truth: BTreeSet<(String, u16)> =
            want.iter().map(|&p| ("127.0.0.1".to_string(), p)).collect();
        assert_eq!(open, truth, "{kind}");
        assert!(all
            .iter()
            .filter(|(a, _, _)| a != "127.0.0.1")
            .all(|(_, _, s)| s == "closed"));
    }
    // Usage: a shard without a seed is one line, exit 2.
    let out = ns.pw(&["scan", "127.0.0.1", "--shard", "0/2"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Forty greeters, each sending an SSH identification to whoever connects.
const MANY_GREETERS: &str = r#"
import socket, threading
def serve(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('127.0.0.1', port)); s.listen(64)
    def run():
        while True:
            c, _ = s.accept(); c.sendall(b'SSH-2.0-pwtest\r\n'); c.close()
    threading.Thread(target=run, daemon=True).start()
for p in range(41001, 41041):
    serve(p)
print('ready', flush=True)
threading.Event().wait()
"#;

#[test]
fn identification_after_a_syn_scan_under_a_low_fd_limit_is_never_lost_silently() {
    portwarden_testkit::require!(common::why_skip(&["ip", "python3", "prlimit"]));
    let mut ns = Ns::new();
    ns.spawn_py(MANY_GREETERS);
    let bin = assert_cmd::cargo::cargo_bin("portwarden");
    // 18 descriptors: the scan's raw sockets, reactor and threads leave none for the
    // identification connects (the route lookup of a target must wait for one too, and
    // not be taken for "no route"); 24 leave a few.
    for limit in ["--nofile=18:18", "--nofile=24:24"] {
        let out = ns
            .cmd(&[
                "prlimit",
                limit,
                bin.to_str().unwrap(),
                "scan",
                "127.0.0.1",
                "--banners",
                "--json",
                "-p",
                "41001-41040",
            ])
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{limit}: {err}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["scan_type"], "syn", "{limit}: {v}");
        let listed = v["hosts"][0]["ports"].as_array().unwrap();
        let open: Vec<_> = listed.iter().filter(|p| p["state"] == "open").collect();
        assert_eq!(open.len(), 40, "{limit}: {v}");
        let missing = open.iter().filter(|p| p["banner"].is_null()).count() as u64;
        let lost = v["stats"]["ident_lost"].as_u64().unwrap();
        // Each port has its banner, or is counted as lost and the user is told.
        assert_eq!(missing, lost, "{limit}: {v}");
        if lost > 0 {
            assert!(err.contains("left unidentified"), "{limit}: {err}");
        }
        eprintln!("{limit}: {lost} of 40 left unidentified");
    }
}
