//! `audit` judges the program behind each port — checked on real Debian daemons started in
//! a network namespace this test creates (redis on its own port and on 7777, memcached
//! over TCP and UDP, mosquitto on 18830, inetd serving echo and telnet from a temporary
//! inetd.conf, dnsmasq with its own configuration, sshd on 2222 with a temporary host key).
//! Nothing is installed here (`.ci/run` installs the packages); every daemon gets its own
//! files in a temporary directory, and every process in the namespace is killed and the
//! namespace deleted when the test ends, also when it fails.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::Lab;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// The programs the test starts, where Debian puts them.
const TOOLS: &[&str] = &[
    "/usr/bin/redis-server",
    "/usr/bin/memcached",
    "/usr/sbin/mosquitto",
    "/usr/sbin/dnsmasq",
    "/usr/sbin/sshd",
    "/usr/bin/ssh-keygen",
    "/usr/bin/setsid",
];

/// openbsd-inetd or inetutils-inetd, whichever is installed (`-d`: stay in the
/// foreground for both).
fn inetd() -> Option<&'static str> {
    ["/usr/sbin/inetd", "/usr/sbin/inetutils-inetd"]
        .into_iter()
        .find(|p| Path::new(p).exists())
}

fn skip() -> bool {
    let why = common::why_skip(&["ip"]).or_else(|| {
        TOOLS
            .iter()
            .find(|t| !Path::new(t).exists())
            .map(|t| format!("{t} is not installed (see .ci/run)"))
            .or_else(|| {
                inetd()
                    .is_none()
                    .then(|| "no inetd is installed (see .ci/run)".into())
            })
    });
    match why {
        Some(why) => {
            portwarden_testkit::skip(&why);
            true
        }
        None => false,
    }
}

fn finding(a: &Value, proto: &str, port: u64) -> Value {
    let all: Vec<&Value> = a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["transport"] == proto && f["port"] == port)
        .collect();
    assert_eq!(all.len(), 1, "one finding for {port}/{proto}: {a:#}");
    all[0].clone()
}

/// Checks one finding: severity, the product behind it, the note, and words its advice
/// must (and must not) contain.
fn check(
    a: &Value,
    (proto, port): (&str, u64),
    severity: &str,
    product: &str,
    off_port: bool,
    advice: &[&str],
    not: &[&str],
) {
    let f = finding(a, proto, port);
    let ctx = format!("{port}/{proto}: {f:#}");
    assert_eq!(f["severity"], severity, "{ctx}");
    assert_eq!(f["kind"], "exposed-service", "{ctx}");
    assert_eq!(f["product"]["product"], product, "{ctx}");
    assert!(f["malware"].as_array().unwrap().is_empty(), "{ctx}");
    let note = f["note"]["en"].as_str().unwrap_or("");
    assert_eq!(note.contains("Off its port"), off_port, "{ctx}");
    for lang in ["en", "zh"] {
        let text = f["action"][lang].as_str().unwrap();
        for w in advice {
            assert!(text.contains(w), "{lang} advice lacks {w:?}: {ctx}");
        }
        for w in not {
            assert!(!text.contains(w), "{lang} advice has {w:?}: {ctx}");
        }
    }
}

#[test]
fn real_daemons_are_judged_as_what_they_are() {
    if skip() {
        return;
    }
    let mut lab = Lab::new();
    let dir = lab.dir.to_str().unwrap().to_string();
    let inetd_conf = lab.file(
        "inetd.conf",
        "echo stream tcp nowait root internal\ntelnet stream tcp nowait root /usr/sbin/tcpd /usr/sbin/in.telnetd\n",
    );
    let mosq = lab.file(
        "mosquitto.conf",
        "listener 18830 0.0.0.0\nallow_anonymous true\n",
    );
    // Its own configuration, so that nothing of the host's (/etc/dnsmasq.conf, resolv.conf,
    // /etc/hosts, a pid file) is read or written.
    let dnsmasq = lab.file(
        "dnsmasq.conf",
        "no-resolv\nno-hosts\nport=53\nlisten-address=0.0.0.0\nbind-interfaces\n",
    );
    let key = format!("{dir}/host_ed25519");
    assert!(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f", &key])
        .status()
        .unwrap()
        .success());
    let sshd = lab.file(
        "sshd_config",
        &format!("Port 2222\nHostKey {key}\nPidFile none\nUsePAM no\n"),
    );
    for (log, port) in [("redis.log", "6379"), ("redis-7777.log", "7777")] {
        lab.start(
            log,
            &[
                "redis-server",
                "--port",
                port,
                "--bind",
                "0.0.0.0",
                "--protected-mode",
                "no",
                "--save",
                "",
                "--dir",
                &dir,
            ],
        );
    }
    lab.start(
        "memcached.log",
        &[
            "memcached",
            "-u",
            "nobody",
            "-l",
            "0.0.0.0",
            "-p",
            "11211",
            "-U",
            "11211",
        ],
    );
    lab.start("mosquitto.log", &["mosquitto", "-c", &mosq]);
    lab.start("inetd.log", &[inetd().unwrap(), "-d", &inetd_conf]);
    lab.start(
        "dnsmasq.log",
        &[
            "dnsmasq",
            "--keep-in-foreground",
            &format!("--conf-file={dnsmasq}"),
            "--pid-file=",
        ],
    );
    // sshd wants its privilege-separation directory /run/sshd, which only a started ssh
    // service creates. `ip netns exec` runs the command in a mount namespace of its own, so
    // a tmpfs on /run there gives sshd one without touching the host's /run.
    lab.start(
        "sshd.log",
        &[
            "sh",
            "-c",
            "mount -t tmpfs pw-test-run /run && mkdir -m 0755 /run/sshd && exec /usr/sbin/sshd -D -f \"$0\"",
            &sshd,
        ],
    );
    lab.wait_for(&[
        ("tcp", 6379),
        ("tcp", 7777),
        ("tcp", 11211),
        ("udp", 11211),
        ("tcp", 18830),
        ("tcp", 7),
        ("tcp", 23),
        ("udp", 53),
        ("tcp", 53),
        ("tcp", 2222),
    ]);

    // The judgement by program alone (tests/audit_probe.rs checks what probing adds).
    let out = lab
        .ns
        .pw(&["audit", "--json", "--no-firewall", "--no-probe"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let a: Value = serde_json::from_slice(&out.stdout).unwrap();

    let redis = &["bind 127.0.0.1", "protected-mode", "requirepass"];
    check(&a, ("tcp", 6379), "critical", "Redis", false, redis, &[]);
    // The issue: redis on 7777 was only "[low] service off its port".
    check(&a, ("tcp", 7777), "critical", "Redis", true, redis, &[]);
    // memcached off its port got malware-hunting advice.
    let mc = &["-l 127.0.0.1", "-U 0", "/etc/memcached.conf"];
    check(
        &a,
        ("tcp", 11211),
        "high",
        "memcached",
        false,
        mc,
        &["anti"],
    );
    check(
        &a,
        ("udp", 11211),
        "critical",
        "memcached",
        false,
        mc,
        &["anti"],
    );
    // mosquitto on 18830 was an "unknown listener, find out which program this is".
    check(
        &a,
        ("tcp", 18830),
        "high",
        "Mosquitto MQTT broker",
        true,
        &["allow_anonymous false", "listener 1883 127.0.0.1", &mosq],
        &["portwarden ls --port"],
    );
    // inetd's services were told `systemctl … telnet.socket` and xinetd.
    let inetd_advice = [inetd_conf.as_str(), "update-inetd --disable", "kill -HUP"];
    check(
        &a,
        ("tcp", 23),
        "critical",
        "inetd",
        false,
        &inetd_advice,
        &[".socket", "xinetd"],
    );
    check(
        &a,
        ("tcp", 7),
        "medium",
        "inetd",
        false,
        &inetd_advice,
        &[".socket", "xinetd"],
    );
    assert_eq!(finding(&a, "tcp", 23)["service"], "telnet");
    assert_eq!(finding(&a, "tcp", 7)["service"], "echo");
    // dnsmasq got BIND syntax.
    let dns = &[
        "--listen-address",
        "--interface",
        "bind-interfaces",
        &dnsmasq,
    ];
    check(
        &a,
        ("udp", 53),
        "high",
        "dnsmasq",
        false,
        dns,
        &["allow-recursion {", "named.conf"],
    );
    check(
        &a,
        ("tcp", 53),
        "medium",
        "dnsmasq",
        false,
        dns,
        &["named.conf"],
    );
    // sshd on 2222 showed as "EtherNet-IP-1".
    check(
        &a,
        ("tcp", 2222),
        "medium",
        "OpenSSH server",
        true,
        &["PasswordAuthentication no", &sshd],
        &["EtherNet"],
    );
    assert_eq!(finding(&a, "tcp", 2222)["service"], "ssh");
    assert_eq!(
        a["findings"].as_array().unwrap().len(),
        10,
        "one finding per door, none for 'off its port' alone: {a:#}"
    );

    // `ls` says what `audit` says: the same severity, the program's service name.
    let out = lab.ns.pw(&["ls", "--json", "-l", "--no-firewall"]);
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = |proto: &str, port: u64| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["proto"] == proto && r["local_port"] == port)
            .cloned()
            .unwrap()
    };
    for (proto, port, risk, service) in [
        ("tcp", 2222, "medium", "ssh"),
        ("tcp", 7777, "critical", "redis"),
        ("udp", 11211, "critical", "memcache"),
        ("tcp", 18830, "high", "mqtt"),
        ("tcp", 23, "critical", "telnet"),
    ] {
        let r = row(proto, port);
        assert_eq!(
            (r["risk"].as_str(), r["service"].as_str()),
            (Some(risk), Some(service)),
            "{r:#}"
        );
        assert_eq!(finding(&a, proto, port)["severity"], risk);
    }

    // `--fail-on critical` catches an unauthenticated Redis wherever it listens.
    let out = lab
        .ns
        .pw(&["audit", "--fail-on", "critical", "--no-firewall"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("/redis-server (Redis)"), "{text}");
    assert!(text.contains("note: Off its port"), "{text}");
}
