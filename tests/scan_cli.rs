//! End-to-end tests of `portwarden scan`, driving the built binary. Only loopback
//! addresses are probed, and only ports we opened (plus closed ones): ports where a
//! foreign service listens are always excluded.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use assert_cmd::Command;
use std::collections::BTreeSet;
use std::io::Write as _;
use std::net::{IpAddr, TcpListener};

fn pw() -> Command {
    Command::cargo_bin("portwarden").expect("binary")
}

/// Ports listening on `addr` or on a wildcard address, from /proc/net/tcp{,6}.
fn foreign(addr: IpAddr) -> BTreeSet<u16> {
    let mut out = BTreeSet::new();
    for (file, v6) in [("/proc/net/tcp", false), ("/proc/net/tcp6", true)] {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 4 || f[3] != "0A" {
                continue;
            }
            let Some((a, p)) = f[1].split_once(':') else {
                continue;
            };
            let Ok(port) = u16::from_str_radix(p, 16) else {
                continue;
            };
            let same = match addr {
                IpAddr::V4(v) if !v6 => {
                    u32::from_str_radix(a, 16).ok() == Some(u32::from_ne_bytes(v.octets()))
                }
                _ => false,
            };
            if same || a.bytes().all(|b| b == b'0') {
                out.insert(port);
            }
        }
    }
    out
}

/// Binds `n` listeners on pseudo-random ports of `addr` (accepting and dropping).
fn listeners(addr: IpAddr, n: usize, seed: u64) -> (BTreeSet<u16>, Vec<TcpListener>) {
    listeners_with(addr, n, seed, true)
}

/// Like [`listeners`]; without `accept`, nothing else holds the sockets, so dropping a
/// listener closes its port.
fn listeners_with(
    addr: IpAddr,
    n: usize,
    seed: u64,
    accept: bool,
) -> (BTreeSet<u16>, Vec<TcpListener>) {
    let avoid = foreign(addr);
    let mut x = seed | 1;
    let mut ports = BTreeSet::new();
    let mut keep = Vec::new();
    while ports.len() < n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let p = (x % 64000) as u16 + 1024;
        if avoid.contains(&p) || ports.contains(&p) {
            continue;
        }
        if let Ok(l) = TcpListener::bind((addr, p)) {
            if accept {
                let c = l.try_clone().unwrap();
                std::thread::spawn(move || c.incoming().for_each(drop));
            }
            ports.insert(p);
            keep.push(l);
        }
    }
    (ports, keep)
}

/// `--exclude-ports` value: every listener on `addr` that is not one of `mine`.
fn exclude_arg(addr: IpAddr, mine: &BTreeSet<u16>) -> String {
    let f: BTreeSet<u16> = foreign(addr).difference(mine).copied().collect();
    if f.is_empty() {
        // Something harmless to keep the flag syntax uniform.
        "1".to_string()
    } else {
        f.iter().map(u16::to_string).collect::<Vec<_>>().join(",")
    }
}

fn json_open(out: &[u8]) -> BTreeSet<u16> {
    let v: serde_json::Value = serde_json::from_slice(out).expect("json");
    v["hosts"][0]["ports"]
        .as_array()
        .expect("ports")
        .iter()
        .filter(|p| p["state"] == "open")
        .map(|p| p["port"].as_u64().unwrap() as u16)
        .collect()
}

fn one_line_usage_error(args: &[&str]) {
    let out = pw()
        .args(["scan", "--sT"])
        .args(args)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?}");
}

#[test]
fn bad_specs_are_one_line_exit_2() {
    for args in [
        &["-p", "0-70000", "127.0.0.1"][..],
        &["-p", "80-20", "127.0.0.1"],
        &["-p", "abc", "127.0.0.1"],
        &["-p", "", "127.0.0.1"],
        &["300.1.1.1"],
        &["10.0.0.0/33"],
        &["10.0.0.0/8"],
        &["-p", "U:53", "127.0.0.1"],
        &[],
    ] {
        one_line_usage_error(args);
    }
    let dir = std::env::temp_dir().join(format!("pw-scan-empty-{}", std::process::id()));
    std::fs::write(&dir, "# nothing here\n").unwrap();
    one_line_usage_error(&["--iL", dir.to_str().unwrap()]);
    let _ = std::fs::remove_file(&dir);
}

#[test]
fn full_range_json_exact() {
    let addr: IpAddr = "127.0.0.43".parse().unwrap();
    let (mine, _k) = listeners(addr, 20, 0x5eed_0043);
    let out = pw()
        .args(["scan", "--sT", "127.0.0.43", "-p-", "--exclude-ports"])
        .arg(exclude_arg(addr, &mine))
        .args(["--no-banners", "--json"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json_open(&out.stdout), mine);
}

#[test]
fn low_fd_limit_still_exact() {
    let addr: IpAddr = "127.0.0.44".parse().unwrap();
    let (mine, _k) = listeners(addr, 20, 0x5eed_0044);
    let bin = assert_cmd::cargo::cargo_bin("portwarden");
    let script = format!(
        "ulimit -n 256; exec '{}' scan --sT 127.0.0.44 -p- --exclude-ports {} --no-banners --json",
        bin.display(),
        exclude_arg(addr, &mine)
    );
    let out = std::process::Command::new("sh")
        .args(["-c", &script])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json_open(&out.stdout), mine);
}

#[test]
fn table_jsonl_xml_and_nmap_short_options() {
    let addr: IpAddr = "127.0.0.45".parse().unwrap();
    let (mine, _k) = listeners(addr, 3, 0x5eed_0045);
    let ports = mine
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let list = std::env::temp_dir().join(format!("pw-scan-list-{}", std::process::id()));
    std::fs::write(&list, "127.0.0.45 # one host\n").unwrap();

    let table = pw()
        .args([
            "scan",
            "--sT",
            "--iL",
            list.to_str().unwrap(),
            "-p",
            &ports,
            "--no-banners",
            "--lang",
            "en",
        ])
        .output()
        .expect("run");
    assert!(table.status.success());
    let text = String::from_utf8_lossy(&table.stdout);
    for p in &mine {
        assert!(text.contains(&format!("{p}/tcp")), "{text}");
    }

    let jsonl = pw()
        .args([
            "scan",
            "--sT",
            "127.0.0.45",
            "127.0.0.46",
            "-p",
            &ports,
            "--no-banners",
            "--jsonl",
        ])
        .output()
        .expect("run");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&jsonl.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("ndjson"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["addr"], "127.0.0.45");

    // nmap's spelling, as typed by nmap users.
    let xml = pw()
        .args([
            "scan",
            "--sT",
            "-iL",
            list.to_str().unwrap(),
            "-p",
            &ports,
            "--no-banners",
            "-oX",
            "-",
        ])
        .output()
        .expect("run");
    assert!(
        xml.status.success(),
        "{}",
        String::from_utf8_lossy(&xml.stderr)
    );
    let x = String::from_utf8_lossy(&xml.stdout);
    assert!(x.starts_with("<?xml"));
    assert!(x.contains("<nmaprun") && x.contains("</nmaprun>"));
    for p in &mine {
        assert!(
            x.contains(&format!("portid=\"{p}\"><state state=\"open\"")),
            "{x}"
        );
    }
    let _ = std::fs::remove_file(&list);
}

#[test]
fn malicious_banner_prints_safely() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            let _ = s.write_all(
                b"\x1b[2J\x1b]0;owned\x07\x00\xff\xfe\xc3 SSH-ish \x1b[31mred\x9b1m\r\n",
            );
        }
    });
    let out = pw()
        .args([
            "scan",
            "--sT",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "--banners",
            "--color",
            "never",
        ])
        .output()
        .expect("run");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("banner"), "{text}");
    for bad in ['\u{1b}', '\u{7}', '\u{0}', '\u{9b}'] {
        assert!(!text.contains(bad), "{bad:?} leaked: {text:?}");
    }
    assert!(!text.contains("owned"), "OSC title text leaked: {text}");
}

#[test]
fn ndiff_sees_a_port_difference() {
    if std::process::Command::new("ndiff")
        .arg("--help")
        .output()
        .is_err()
    {
        portwarden_testkit::skip("ndiff is not installed (apt-get install ndiff)");
        return;
    }
    let addr: IpAddr = "127.0.0.47".parse().unwrap();
    let (mine, mut keep) = listeners_with(addr, 3, 0x5eed_0047, false);
    let ports = mine
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let dir = std::env::temp_dir();
    let a = dir.join(format!("pw-ndiff-a-{}.xml", std::process::id()));
    let b = dir.join(format!("pw-ndiff-b-{}.xml", std::process::id()));
    let scan = |path: &std::path::Path| {
        let out = pw()
            .args([
                "scan",
                "--sT",
                "127.0.0.47",
                "-p",
                &ports,
                "--no-banners",
                "--oX",
            ])
            .arg(path)
            .output()
            .expect("run");
        assert!(out.status.success());
    };
    scan(&a);
    // Close one listener: its port goes from open to closed.
    let gone = keep.remove(0).local_addr().unwrap().port();
    scan(&b);
    let out = std::process::Command::new("ndiff")
        .arg(&a)
        .arg(&b)
        .output()
        .expect("ndiff");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "ndiff: {text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains(&format!("{gone}/tcp")), "{text}");
    assert!(text.contains("open") && text.contains("closed"), "{text}");
    let _ = std::fs::remove_file(&a);
    let _ = std::fs::remove_file(&b);
}

#[test]
fn nmap_spellings_fast_timing_all_outputs_open_and_verbose() {
    let addr: IpAddr = "127.0.0.48".parse().unwrap();
    let (mine, _k) = listeners(addr, 2, 0x5eed_0048);
    // A port nobody listens on: closed, and left out by --open.
    let closed = {
        let l = TcpListener::bind((addr, 0)).unwrap();
        l.local_addr().unwrap().port()
    };
    let ports = mine
        .iter()
        .chain([&closed])
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let dir = std::env::temp_dir().join(format!("pw-scan-oa-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let base = dir.join("run");
    let out = pw()
        .args([
            "scan",
            "-sT",
            "-T4",
            "-p",
            &ports,
            "--no-banners",
            "--open",
            "-v",
        ])
        .args(["-oA", base.to_str().unwrap(), "127.0.0.48"])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    for p in &mine {
        assert!(
            err.contains(&format!("Discovered open port {p}/tcp on 127.0.0.48")),
            "{err}"
        );
    }
    let read = |ext: &str| std::fs::read_to_string(dir.join(format!("run.{ext}"))).unwrap();
    let (normal, xml, gnmap) = (read("nmap"), read("xml"), read("gnmap"));
    for p in &mine {
        assert!(normal.contains(&format!("{p}/tcp")), "{normal}");
        assert!(xml.contains(&format!("portid=\"{p}\"")), "{xml}");
        assert!(gnmap.contains(&format!("{p}/open/tcp")), "{gnmap}");
    }
    // --open: the closed port is in no output.
    let c = closed.to_string();
    assert!(!xml.contains(&format!("portid=\"{c}\"")), "{xml}");
    assert!(!gnmap.contains(&format!("{c}/closed")), "{gnmap}");
    assert!(!normal.contains(&format!("{c}/tcp")), "{normal}");
    // The normal output is plain text: no colour codes.
    assert!(!normal.contains('\u{1b}'), "{normal}");
    let _ = std::fs::remove_dir_all(&dir);

    let json = pw()
        .args([
            "scan",
            "--sT",
            "-p",
            &ports,
            "--no-banners",
            "--open",
            "--json",
        ])
        .args(["--no-login-probes", "-T", "aggressive", "127.0.0.48"])
        .output()
        .expect("run");
    assert!(json.status.success());
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    let listed: Vec<&serde_json::Value> =
        v["hosts"][0]["ports"].as_array().unwrap().iter().collect();
    assert_eq!(listed.len(), mine.len(), "{v}");
    assert!(listed.iter().all(|p| p["state"] == "open"), "{v}");

    // -F: our top 100 (minus what a foreign service listens on).
    let fast = pw()
        .args(["scan", "-sT", "-F", "-T5", "--no-banners", "--json"])
        .args(["--exclude-ports", &exclude_arg(addr, &mine), "127.0.0.48"])
        .output()
        .expect("run");
    assert!(
        fast.status.success(),
        "{}",
        String::from_utf8_lossy(&fast.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&fast.stdout).expect("json");
    let n = v["stats"]["ports_per_host"].as_u64().unwrap_or(0);
    assert!((90..=100).contains(&n), "{n} ports");

    for bad in [
        &["-T9", "127.0.0.48"][..],
        &["--open", "--all-states", "127.0.0.48"],
        &["-oA", "x", "-oX", "y.xml", "127.0.0.48"],
        &["-F", "-p", "80", "127.0.0.48"],
    ] {
        one_line_usage_error(bad);
    }
}

/// ndiff pairs our XML with nmap's own XML of the same host typed by name: both carry the
/// name the user typed (`type="user"`; no PTR query anywhere, nmap runs with -n).
#[test]
fn ndiff_pairs_our_xml_with_nmaps_by_the_typed_name() {
    portwarden_testkit::require!(portwarden_testkit::needs_tools(&["nmap", "ndiff"]));
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    let dir = std::env::temp_dir();
    let ours = dir.join(format!("pw-pair-ours-{}.xml", std::process::id()));
    let theirs = dir.join(format!("pw-pair-nmap-{}.xml", std::process::id()));
    let out = pw()
        .args([
            "scan",
            "-sT",
            "localhost",
            "-p",
            &port,
            "--no-banners",
            "-oX",
        ])
        .arg(&ours)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let x = std::fs::read_to_string(&ours).unwrap();
    assert!(
        x.contains("<hostnames>\n<hostname name=\"localhost\" type=\"user\"/>"),
        "{x}"
    );
    // A connect scan of our own port on loopback only, and of port 1 (closed), so that
    // the host differs and ndiff prints its header: two identical hosts (our port without
    // a service name in either) print none.
    let nmap_ports = format!("1,{port}");
    let nmap = std::process::Command::new("nmap")
        .args(["-sT", "-n", "-Pn", "-p", &nmap_ports, "localhost", "-oX"])
        .arg(&theirs)
        .output()
        .expect("nmap");
    assert!(nmap.status.success());
    let diff = std::process::Command::new("ndiff")
        .arg(&ours)
        .arg(&theirs)
        .output()
        .expect("ndiff");
    let text = String::from_utf8_lossy(&diff.stdout);
    // Paired: one unchanged host header with the name, no host added or removed.
    assert!(
        text.lines().any(|l| l == " localhost (127.0.0.1):"),
        "{text}"
    );
    assert!(
        !text.lines().any(|l| l.starts_with("-localhost")
            || l.starts_with("+localhost")
            || l.starts_with("-127.")
            || l.starts_with("+127.")),
        "{text}"
    );
    drop(l);
    let _ = std::fs::remove_file(&ours);
    let _ = std::fs::remove_file(&theirs);
}
