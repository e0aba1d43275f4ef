//! `audit --probe` against real Debian daemons started in a network namespace this test
//! creates: redis without a password, memcached with UDP on, vsftpd with anonymous login,
//! nginx with a self-signed certificate. The probe's findings must come from what the
//! daemons answered (kind `proven`, with the scanner's proof id), and `--no-probe` must
//! give none of them. Every process in the namespace is killed and the namespace deleted
//! when the test ends, also when it fails.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::Lab;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};

const TOOLS: &[&str] = &[
    "/usr/bin/redis-server",
    "/usr/bin/memcached",
    "/usr/sbin/vsftpd",
    "/usr/sbin/nginx",
    "/usr/bin/openssl",
    "/usr/bin/setsid",
];

fn skip() -> bool {
    let why = common::why_skip(&["ip"]).or_else(|| {
        TOOLS
            .iter()
            .find(|t| !Path::new(t).exists())
            .map(|t| format!("{t} is not installed (see .ci/run)"))
    });
    match why {
        Some(why) => {
            portwarden_testkit::skip(&why);
            true
        }
        None => false,
    }
}

/// The proven findings of one door: proof id → severity.
fn proofs(a: &Value, proto: &str, port: u64) -> Vec<(String, String)> {
    a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["transport"] == proto && f["port"] == port && f["kind"] == "proven")
        .map(|f| {
            (
                f["proof"]["id"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn probing_proves_what_the_daemons_let_anyone_do() {
    if skip() {
        return;
    }
    let mut lab = Lab::new();
    let dir = lab.dir.to_str().unwrap().to_string();
    let ok = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=pw-probe.invalid",
            "-keyout",
            &format!("{dir}/key.pem"),
            "-out",
            &format!("{dir}/cert.pem"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .success();
    assert!(ok, "openssl req");
    std::fs::create_dir_all(lab.dir.join("nginx")).unwrap();
    let nginx = lab.file(
        "nginx.conf",
        &format!(
            "pid {dir}/nginx.pid;\nerror_log stderr;\nworker_processes 1;\nevents {{}}\nhttp {{\n\
             access_log off;\nclient_body_temp_path {dir}/nginx;\nproxy_temp_path {dir}/nginx;\n\
             fastcgi_temp_path {dir}/nginx;\nuwsgi_temp_path {dir}/nginx;\nscgi_temp_path {dir}/nginx;\n\
             server {{ listen 0.0.0.0:8443 ssl; ssl_certificate {dir}/cert.pem; \
             ssl_certificate_key {dir}/key.pem; location / {{ return 200 \"hi\\n\"; }} }}\n}}\n"
        ),
    );
    for sub in ["empty", "ftp"] {
        std::fs::create_dir_all(lab.dir.join(sub)).unwrap();
    }
    let ftp = lab.file(
        "vsftpd.conf",
        &format!(
            "listen=YES\nlisten_address=0.0.0.0\nlisten_port=21\nanonymous_enable=YES\n\
             no_anon_password=YES\nftp_username=daemon\nanon_root={dir}/ftp\nlocal_enable=NO\n\
             write_enable=NO\nbackground=NO\nsecure_chroot_dir={dir}/empty\nseccomp_sandbox=NO\n"
        ),
    );
    lab.start(
        "redis.log",
        &[
            "redis-server",
            "--port",
            "6379",
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
    lab.start("vsftpd.log", &["/usr/sbin/vsftpd", &ftp]);
    lab.start(
        "nginx.log",
        &["/usr/sbin/nginx", "-c", &nginx, "-g", "daemon off;"],
    );
    lab.wait_for(&[
        ("tcp", 6379),
        ("tcp", 11211),
        ("udp", 11211),
        ("tcp", 21),
        ("tcp", 8443),
    ]);

    // Root probes by default; a generous budget for a loaded machine.
    let out = lab.ns.pw(&[
        "audit",
        "--json",
        "--no-firewall",
        "--no-save",
        "--probe-timeout",
        "20s",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let a: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ctx = format!("{a:#}");
    let has = |proto: &str, port: u64, id: &str, sev: &str| {
        assert!(
            proofs(&a, proto, port).contains(&(id.to_string(), sev.to_string())),
            "{port}/{proto}: no {sev} {id}: {ctx}"
        );
    };
    has("tcp", 6379, "redis-no-auth", "critical");
    has("udp", 11211, "memcached-udp", "critical");
    has("tcp", 21, "ftp-anonymous", "high");
    has("tcp", 8443, "tls-cert-self-signed", "low");
    let redis = a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "proven" && f["port"] == 6379)
        .unwrap();
    assert!(
        redis["why"]["en"]
            .as_str()
            .unwrap()
            .contains("without a password"),
        "{redis:#}"
    );
    assert_eq!(redis["product"]["product"], "Redis", "{redis:#}");
    assert_eq!(redis["proof"]["address"], "127.0.0.1:6379", "{redis:#}");
    assert!(redis["action"]["zh"]
        .as_str()
        .unwrap()
        .contains("requirepass"));
    let p = &a["probe"];
    assert!(p["probed"].as_u64().unwrap() >= 5, "{p:#}");
    assert!(p["identified"].as_u64().unwrap() >= 4, "{p:#}");
    // Nothing but the namespace's own addresses was probed.
    for f in a["findings"].as_array().unwrap() {
        if let Some(addr) = f["proof"]["address"].as_str() {
            assert!(
                addr.starts_with("127.0.0.1:") || addr.starts_with("[::1]:"),
                "{addr}"
            );
        }
    }
    // The text says it too, in both languages.
    let text = lab.ns.pw(&[
        "audit",
        "--no-firewall",
        "--no-save",
        "--probe-timeout",
        "20s",
    ]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("proven by probing"), "{text}");
    assert!(text.contains("Probed "), "{text}");
    let zh = lab.ns.pw(&[
        "audit",
        "--no-firewall",
        "--no-save",
        "--lang",
        "zh",
        "--probe-timeout",
        "20s",
    ]);
    let zh = String::from_utf8_lossy(&zh.stdout);
    assert!(zh.contains("探测证实") && zh.contains("不要密码"), "{zh}");

    // --no-probe: the judgement by program alone, no proof.
    let out = lab.ns.pw(&[
        "audit",
        "--json",
        "--no-firewall",
        "--no-save",
        "--no-probe",
    ]);
    assert!(out.status.success());
    let a: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        a["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["kind"] != "proven" && f.get("proof").is_none()),
        "{a:#}"
    );
    assert!(a.get("probe").is_none(), "{a:#}");
}

#[test]
fn probe_options_are_checked() {
    for bad in ["0", "-1s", "2h", "soon"] {
        let out = assert_cmd::Command::cargo_bin("portwarden")
            .unwrap()
            .args(["audit", "--no-save", &format!("--probe-timeout={bad}")])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("invalid duration"), "{err}");
    }
    let out = assert_cmd::Command::cargo_bin("portwarden")
        .unwrap()
        .args(["audit", "--no-save", "--probe", "--no-probe"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
