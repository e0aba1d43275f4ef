//! One store for many hosts, end to end, on both backends: a real PostgreSQL server the
//! test starts (unix socket only, removed afterwards) and a SQLite file. Three network
//! namespaces play three hosts (distinct `--host-id`s) with their own listeners (a real
//! redis on every address in one), audit and save concurrently, and `fleet listeners`,
//! `fleet hosts`, `fleet changes`, `history --host`, `diff --host` and `report --fleet`
//! answer about them. An unreachable store: the result is still printed and either said
//! plainly not stored or kept in the spool, which `store flush` stores exactly once.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::{why_skip, Lab};
use portwarden_testkit::pg::{needs_postgres, Server};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Output;

fn bin() -> String {
    assert_cmd::cargo::cargo_bin("portwarden")
        .to_str()
        .unwrap()
        .to_string()
}

/// Runs portwarden in the machine's own namespace (only commands that read the store).
fn pw(args: &[&str]) -> Output {
    std::process::Command::new(bin())
        .args(args)
        .env("NO_COLOR", "1")
        .env("LANG", "C")
        .env_remove("PORTWARDEN_STORE")
        .env_remove("PORTWARDEN_HOST_ID")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_str(&ok(o)).unwrap()
}

/// A private scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let d = std::env::temp_dir().join(format!("pw-fleet-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir(&d).unwrap();
        std::fs::set_permissions(&d, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
        Scratch(d)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const LISTEN: &str = "import socket,sys,time\nfor a in sys.argv[1:]:\n h,p=a.rsplit(':',1)\n s=socket.socket()\n s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n s.bind((h,int(p)))\n s.listen()\n globals()['k'+p]=s\ntime.sleep(600)\n";

fn three_hosts(store: &str) {
    let mut labs: Vec<Lab> = (0..3).map(|_| Lab::new()).collect();
    labs[0].start(
        "redis.log",
        &[
            "/usr/bin/redis-server",
            "--port",
            "6379",
            "--bind",
            "0.0.0.0",
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "no",
        ],
    );
    labs[1].start("py.log", &["python3", "-c", LISTEN, "127.0.0.1:8080"]);
    labs[2].start("py.log", &["python3", "-c", LISTEN, "0.0.0.0:9000"]);
    labs[0].wait_for(&[("tcp", 6379)]);
    labs[1].wait_for(&[("tcp", 8080)]);
    labs[2].wait_for(&[("tcp", 9000)]);
    // Three hosts audit and save at once.
    let outs: Vec<Output> = std::thread::scope(|s| {
        let t: Vec<_> = labs
            .iter()
            .enumerate()
            .map(|(i, lab)| {
                let id = format!("host-{i}");
                s.spawn(move || {
                    lab.ns.pw(&[
                        "audit",
                        "--no-probe",
                        "--save",
                        "--host-id",
                        &id,
                        "--store",
                        store,
                    ])
                })
            })
            .collect();
        t.into_iter().map(|t| t.join().unwrap()).collect()
    });
    for o in &outs {
        assert!(
            o.status.code().is_some_and(|c| c <= 1),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!o.stdout.is_empty(), "the audit is printed");
    }
    let hosts = json(&pw(&["fleet", "hosts", "--json", "--store", store]));
    let ids: Vec<&str> = hosts
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["host_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3, "{hosts}");
    // The one with redis on every address is the riskiest.
    assert_eq!(ids[0], "host-0", "{hosts}");
    let redis = json(&pw(&[
        "fleet",
        "listeners",
        "--product",
        "redis",
        "--exposure",
        "all",
        "--json",
        "--store",
        store,
    ]));
    let r = redis.as_array().unwrap();
    assert_eq!(r.len(), 1, "{redis}");
    assert_eq!(
        (r[0]["host_id"].as_str(), r[0]["port"].as_u64()),
        (Some("host-0"), Some(6379))
    );
    let lo = json(&pw(&[
        "fleet",
        "listeners",
        "--exposure",
        "loopback",
        "--json",
        "--store",
        store,
    ]));
    assert!(
        lo.as_array()
            .unwrap()
            .iter()
            .any(|l| l["host_id"] == "host-1" && l["port"] == 8080),
        "{lo}"
    );
    assert!(
        !lo.as_array().unwrap().iter().any(|l| l["port"] == 9000),
        "{lo}"
    );
    let text = ok(&pw(&["fleet", "listeners", "--store", store]));
    for want in [
        "host-0", "host-1", "host-2", "6379/tcp", "8080/tcp", "9000/tcp",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    // host-2 opens another door and audits again: only host-2 changed.
    labs[2].start("py2.log", &["python3", "-c", LISTEN, "0.0.0.0:9001"]);
    labs[2].wait_for(&[("tcp", 9001)]);
    ok(&labs[2].ns.pw(&[
        "audit",
        "--no-probe",
        "--save",
        "--host-id",
        "host-2",
        "--store",
        store,
    ]));
    let ch = json(&pw(&[
        "fleet", "changes", "--since", "1h", "--json", "--store", store,
    ]));
    let ch = ch.as_array().unwrap();
    assert_eq!(ch.len(), 1, "{ch:?}");
    assert_eq!(ch[0]["host_id"], "host-2");
    assert!(
        ch[0]["diff"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["key"] == "tcp/9001" && i["sign"] == "added"),
        "{ch:?}"
    );
    let text = ok(&pw(&[
        "fleet", "changes", "--since", "1h", "--store", store,
    ]));
    assert!(
        text.contains("host-2") && text.contains("9001") && !text.contains("host-0"),
        "{text}"
    );
    // history --host, diff --host.
    let h = json(&pw(&[
        "history", "--host", "host-2", "--json", "--store", store,
    ]));
    assert_eq!(h.as_array().unwrap().len(), 2);
    assert_eq!(
        json(&pw(&["history", "--json", "--store", store]))
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let d = pw(&["diff", "--host", "host-2", "--store", store]);
    assert_eq!(
        d.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&d.stderr)
    );
    assert!(String::from_utf8_lossy(&d.stdout).contains("9001"));
    // Nobody else's snapshots: host-0 has one, so there is nothing to diff.
    assert_eq!(
        pw(&["diff", "--host", "host-0", "--store", store])
            .status
            .code(),
        Some(2)
    );
    // The fleet report lists the hosts by risk and the change.
    let html = ok(&pw(&[
        "report", "--html", "-", "--fleet", "--since", "1h", "--store", store,
    ]));
    assert!(html.contains("id=\"fleet\""), "fleet section");
    let (p0, p1) = (html.find("host-0").unwrap(), html.find("host-1").unwrap());
    assert!(p0 < p1, "riskiest first");
    assert!(html.contains("host-2") && html.contains("9001"));
    let zh = ok(&pw(&[
        "report", "--html", "-", "--fleet", "--lang", "zh", "--store", store,
    ]));
    assert!(zh.contains("按风险排列的主机"), "zh labels");
}

#[test]
fn three_hosts_into_postgres() {
    portwarden_testkit::require!(why_skip(&["ip", "python3", "/usr/bin/redis-server"]));
    portwarden_testkit::require!(needs_postgres());
    let pg = Server::start().unwrap();
    three_hosts(&pg.url());
}

#[test]
fn three_hosts_into_sqlite() {
    portwarden_testkit::require!(why_skip(&["ip", "python3", "/usr/bin/redis-server"]));
    let d = Scratch::new("sqlite");
    three_hosts(d.0.join("fleet.db").to_str().unwrap());
}

#[test]
fn an_unreachable_store_still_prints_and_spools() {
    let d = Scratch::new("spool");
    let spool = d.0.join("spool");
    let gone = "postgresql://pw@/x?host=/nonexistent-pw-fleet&connect_timeout=2";
    let audit = |extra: &[&str]| {
        let mut a = vec![
            "audit",
            "--no-probe",
            "--save",
            "--host-id",
            "me",
            "--store",
            gone,
        ];
        a.extend_from_slice(extra);
        pw(&a)
    };
    // No spool: the audit is printed, then one plain line that it was not stored.
    let o = audit(&[]);
    assert_eq!(o.status.code(), Some(3));
    assert!(!o.stdout.is_empty(), "the local result is printed");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("NOT stored") && err.contains("nonexistent-pw-fleet"),
        "{err}"
    );
    // With a spool: printed, kept, said so, success.
    let o = audit(&["--spool", spool.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!o.stdout.is_empty());
    assert!(String::from_utf8_lossy(&o.stderr).contains("store flush --spool"));
    let files: Vec<PathBuf> = std::fs::read_dir(&spool)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    // A copy of the same snapshot (a flush that ran twice) and a stray file.
    let copy = spool.join("copy.json");
    std::fs::copy(&files[0], &copy).unwrap();
    std::fs::write(spool.join("junk.json"), "{\"uid\": \"\u{1b}[31m\"").unwrap();
    let pg = if needs_postgres().is_none() {
        Some(Server::start().unwrap())
    } else {
        None
    };
    let live = match &pg {
        Some(s) => s.url(),
        None => d.0.join("live.db").to_str().unwrap().to_string(),
    };
    let o = pw(&[
        "store",
        "flush",
        "--spool",
        spool.to_str().unwrap(),
        "--store",
        &live,
    ]);
    assert_eq!(o.status.code(), Some(1), "the junk file is left");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("junk.json") && !err.contains('\u{1b}'),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("stored 2"));
    let rows = json(&pw(&["history", "--json", "--store", &live]));
    assert_eq!(rows.as_array().unwrap().len(), 1, "stored once: {rows}");
    assert_eq!(rows[0]["host_id"], "me");
    assert!(spool.join("junk.json").exists() && !copy.exists() && !files[0].exists());
}

#[test]
fn bad_store_values_are_one_line() {
    for (args, code) in [
        (vec!["history", "--store", "mysql://x/y"], 2),
        (
            vec![
                "history",
                "--store",
                "postgres://u:pw@127.0.0.1:1/x?sslmode=require",
            ],
            2,
        ),
        (
            vec![
                "audit",
                "--no-probe",
                "--save",
                "--host-id",
                "a b\u{1b}[31m",
            ],
            2,
        ),
        (vec!["fleet", "changes", "--since", "soon"], 2),
    ] {
        let o = pw(&args);
        assert_eq!(o.status.code(), Some(code), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(!err.contains('\u{1b}') && !err.contains(":pw@"), "{err}");
    }
}

/// netsim: a /24 of hosts answering like Linux, a few ports open on each.
const SWEEP: &str = r#"
seed = 16
rtt_ms = 2.0
[[hosts]]
ip = "198.19.0.1-198.19.0.254"
ping = true
tcp = { default = "closed", open = [22, 80, 443], filtered = [25, 445] }
"#;

#[test]
fn four_shards_of_a_netsim_sweep_save_into_postgres() {
    use portwarden_netsim::{Config, Netsim};
    portwarden_testkit::require!(Netsim::available()
        .err()
        .map(|why| format!("netsim unavailable: {why}")));
    portwarden_testkit::require!(needs_postgres());
    let pg = Server::start().unwrap();
    let url = pg.url();
    let net = Netsim::start(Config::from_toml_str(SWEEP).unwrap()).unwrap();
    let kids: Vec<_> = (0..4)
        .map(|i| {
            let shard = format!("{i}/4");
            let mut c = std::process::Command::new(bin());
            c.args([
                "scan",
                "--sS",
                "198.19.0.1-254",
                "--top-ports",
                "100",
                "--Pn",
                "--all-states",
                "--no-banners",
                "--no-progress",
                "--json",
                "--seed",
                "7",
                "--shard",
                &shard,
                "--save",
                "--store",
                &url,
                "--host-id",
                "scanner",
            ])
            .env("NO_COLOR", "1")
            .env_remove("PORTWARDEN_STORE");
            net.scanner_command(&c)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut all: Vec<(String, u16, String)> = Vec::new();
    for k in kids {
        let out = k.wait_with_output().unwrap();
        let v: Value = serde_json::from_str(&ok(&out)).unwrap();
        for h in v["hosts"].as_array().unwrap() {
            for p in h["ports"].as_array().unwrap() {
                all.push((
                    h["addr"].as_str().unwrap().to_string(),
                    p["port"].as_u64().unwrap() as u16,
                    p["state"].as_str().unwrap().to_string(),
                ));
            }
        }
    }
    let pairs: std::collections::BTreeSet<(String, u16)> =
        all.iter().map(|(a, p, _)| (a.clone(), *p)).collect();
    assert_eq!(
        pairs.len(),
        all.len(),
        "a (host, port) was probed by two shards"
    );
    assert_eq!(
        pairs.len(),
        254 * 100,
        "the shards together cover the whole scan"
    );
    // The union is the truth: every open port found, every state as netsim has it.
    let truth = net.truth();
    for (addr, port, state) in &all {
        let ip: std::net::Ipv4Addr = addr.parse().unwrap();
        let want = match truth.hosts[&ip].tcp.state(*port) {
            portwarden_netsim::PortState::Open => "open",
            portwarden_netsim::PortState::Closed => "closed",
            portwarden_netsim::PortState::Filtered => "filtered",
        };
        assert_eq!(state, want, "{addr}:{port}");
    }
    assert_eq!(all.iter().filter(|x| x.2 == "open").count(), 254 * 3);
    // Four snapshots in the store, one per shard, all of one scan.
    let rows = json(&pw(&[
        "history", "--kind", "scan", "--json", "--store", &url,
    ]));
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 4, "{rows:?}");
    let ids: std::collections::BTreeSet<&str> = rows
        .iter()
        .map(|r| r["scan_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 1, "one scan id: {rows:?}");
    let shards: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r["shard"].as_str().unwrap()).collect();
    assert_eq!(shards, ["0/4", "1/4", "2/4", "3/4"].into_iter().collect());
    net.shutdown().unwrap();
}
