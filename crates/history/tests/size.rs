//! The store stays small: 1 000 audit snapshots of a host with 200 listeners. Two cases:
//! every snapshot different (one listener changes owner each time, so no body is shared)
//! and a quiet host (identical bodies, stored once). Prints the sizes (recorded in
//! docs/BENCHMARKS.md) and asserts a generous bound; size, not time, is the goal.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use portwarden_history::{Body, FindingRec, Listener};
use portwarden_store::{NewSnapshot, Store};

fn body(n: usize) -> Body {
    let listeners = (0..200u16)
        .map(|i| Listener {
            proto: if i % 5 == 0 { "udp" } else { "tcp" }.into(),
            port: 1000 + i,
            addrs: vec!["0.0.0.0".into(), "::".into()],
            exposure: if i % 3 == 0 { "loopback" } else { "all" }.into(),
            reach: Some("open".into()),
            program: Some(if i == 7 {
                format!("worker-{n}")
            } else {
                format!("daemon{}", i % 40)
            }),
            user: Some(if i % 2 == 0 { "root" } else { "www-data" }.into()),
            product: (i % 4 == 0).then(|| "Redis".to_string()),
            unit: Some(format!("daemon{}.service", i % 40)),
            risk: Some("medium".into()),
        })
        .collect();
    let findings = (0..20u16)
        .map(|i| FindingRec {
            id: format!("exposed-service:tcp/{}", 1000 + i),
            severity: "high".into(),
            kind: "exposed-service".into(),
            proto: "tcp".into(),
            port: 1000 + i,
            exposure: "all".into(),
            service: Some("redis".into()),
            product: Some("Redis".into()),
            program: Some("redis-server".into()),
            reach: Some("open".into()),
        })
        .collect();
    Body {
        listeners,
        findings,
        ..Body::default()
    }
}

fn measure(name: &str, distinct: bool) -> u64 {
    // On tmpfs when there is one: the size is the point, not 2 000 fsyncs on a shared disk.
    let shm = std::path::Path::new("/dev/shm");
    let base = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    let dir = base.join(format!("pw-size-{}-{}", std::process::id(), name.len()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let path = dir.join("portwarden.db");
    let store = Store::open(&path).unwrap();
    let quiet = serde_json::to_string(&body(0)).unwrap();
    let raw = quiet.len();
    for n in 0..1000 {
        let json = if distinct {
            serde_json::to_string(&body(n)).unwrap()
        } else {
            quiet.clone()
        };
        store
            .save_snapshot(&NewSnapshot {
                at: "2026-12-03T00:00:00Z",
                at_unix: 1_796_256_000 + n as i64 * 3600,
                host: "host",
                command: "portwarden audit",
                kind: "audit",
                target: "local",
                listeners: 200,
                findings: 20,
                body: &json,
                ..NewSnapshot::default()
            })
            .unwrap();
    }
    drop(store);
    let size = std::fs::metadata(&path).unwrap().len();
    println!(
        "history size ({name}): 1000 snapshots x 200 listeners = {:.1} MB ({} bytes; one body is {raw} bytes of JSON)",
        size as f64 / 1e6,
        size
    );
    let _ = std::fs::remove_dir_all(&dir);
    size
}

#[test]
fn a_thousand_snapshots_of_200_listeners_stay_small() {
    let distinct = measure("every snapshot different", true);
    let quiet = measure("quiet host", false);
    assert!(distinct < 16_000_000, "{distinct} bytes");
    assert!(quiet < 1_000_000, "{quiet} bytes");
}
