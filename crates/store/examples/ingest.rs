//! Ingest benchmark (run by `scripts/bench-fleet`): W writers, each with its own
//! connection, save N snapshots of a host with 200 listeners (every body different, as
//! after a change) into the store given, and print the rate as one JSON line.
//!
//! Usage: ingest STORE N WRITERS

#![allow(clippy::unwrap_used, clippy::expect_used)]

use portwarden_store::{new_uid, open, Location, NewSnapshot};
use std::time::Instant;

fn body(w: usize, n: usize) -> String {
    let listeners: Vec<serde_json::Value> = (0..200u16)
        .map(|i| {
            serde_json::json!({
                "proto": if i % 5 == 0 { "udp" } else { "tcp" },
                "port": 1000 + i,
                "addrs": ["0.0.0.0", "::"],
                "exposure": if i % 3 == 0 { "loopback" } else { "all" },
                "reach": "open",
                "program": if i == 7 { format!("worker-{w}-{n}") } else { format!("daemon{}", i % 40) },
                "user": if i % 2 == 0 { "root" } else { "www-data" },
                "unit": format!("daemon{}.service", i % 40),
                "risk": "medium",
            })
        })
        .collect();
    serde_json::json!({ "listeners": listeners }).to_string()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: ingest STORE N WRITERS");
        std::process::exit(2);
    }
    let loc = Location::parse(&args[1]).expect("store");
    let n: usize = args[2].parse().expect("N");
    let writers: usize = args[3].parse().expect("WRITERS");
    // Create and migrate first, so the timing is of saves only.
    drop(open(&loc).expect("open"));
    let each = n / writers;
    let bodies: Vec<Vec<String>> = (0..writers)
        .map(|w| (0..each).map(|i| body(w, i)).collect())
        .collect();
    let gate = std::sync::Arc::new(std::sync::Barrier::new(writers + 1));
    let threads: Vec<_> = bodies
        .into_iter()
        .enumerate()
        .map(|(w, bodies)| {
            let (loc, gate) = (loc.clone(), gate.clone());
            std::thread::spawn(move || {
                let s = open(&loc).expect("open");
                let host = format!("bench-{w}");
                gate.wait();
                for (i, b) in bodies.iter().enumerate() {
                    let uid = new_uid();
                    s.save_snapshot(&NewSnapshot {
                        uid: Some(&uid),
                        host_id: &host,
                        at: "2026-12-03T00:00:00Z",
                        at_unix: i as i64,
                        host: &host,
                        command: "portwarden audit",
                        kind: "audit",
                        target: "local",
                        listeners: 200,
                        findings: 0,
                        body: b,
                        ..NewSnapshot::default()
                    })
                    .expect("save");
                }
            })
        })
        .collect();
    gate.wait();
    let t = Instant::now();
    for t in threads {
        t.join().expect("writer");
    }
    let secs = t.elapsed().as_secs_f64();
    let total = each * writers;
    let stored = open(&loc)
        .expect("open")
        .snapshots(None, None)
        .expect("list")
        .len();
    println!(
        "{{\"snapshots\":{total},\"writers\":{writers},\"seconds\":{secs:.3},\"per_second\":{:.0},\"stored\":{stored}}}",
        total as f64 / secs
    );
}
