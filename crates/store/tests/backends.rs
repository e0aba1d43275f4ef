//! The same suite on both stores: the SQLite file and a real PostgreSQL server that the
//! test starts (Debian's `postgresql`, unix socket only, removed afterwards). Round trip,
//! host filters, a save retried with the same uid stored once, pruning, the baseline,
//! and 8 concurrent writers × 25 snapshots: none lost, none twice.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use portwarden_store::{
    new_uid, open, open_read_only, Filter, Location, NewAcceptance, NewSnapshot,
};
use portwarden_testkit::pg::{needs_postgres, Server};
use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pw-backends-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir(&d).unwrap();
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700)).unwrap();
    d
}

fn snap<'a>(
    uid: &'a str,
    host_id: &'a str,
    at_unix: i64,
    kind: &'a str,
    body: &'a str,
) -> NewSnapshot<'a> {
    NewSnapshot {
        uid: Some(uid),
        host_id,
        at: "2026-12-03T00:00:00Z",
        at_unix,
        host: "box",
        command: "portwarden audit",
        kind,
        target: "local",
        listeners: 1,
        findings: 0,
        body,
        ..NewSnapshot::default()
    }
}

fn suite(loc: &Location) {
    assert!(open_read_only(loc).unwrap().is_none(), "nothing there yet");
    let s = open(loc).unwrap();
    let (u1, u2, u3) = (new_uid(), new_uid(), new_uid());
    assert_eq!(u1.len(), 32);
    let a = s
        .save_snapshot(&snap(&u1, "m-a", 10, "audit", "{\"x\":1}"))
        .unwrap();
    let b = s
        .save_snapshot(&snap(&u2, "m-b", 20, "audit", "{\"x\":1}"))
        .unwrap();
    let c = s
        .save_snapshot(&snap(&u3, "m-a", 30, "ls", "{\"x\":2}"))
        .unwrap();
    // A retried save (same uid) is stored once and answers the same id.
    assert_eq!(
        s.save_snapshot(&snap(&u2, "m-b", 20, "audit", "{\"x\":1}"))
            .unwrap(),
        b
    );
    assert_eq!(s.snapshots(None, None).unwrap().len(), 3);
    let (row, body) = s.snapshot(b).unwrap().unwrap();
    assert_eq!(
        (row.host_id.as_str(), row.uid.as_str(), body.as_str()),
        ("m-b", u2.as_str(), "{\"x\":1}")
    );
    assert!(s.snapshot(9999).unwrap().is_none());
    let by_host = |h: &str| {
        s.snapshots_where(&Filter {
            host: Some(h),
            ..Filter::default()
        })
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect::<Vec<_>>()
    };
    assert_eq!(by_host("m-a"), [a, c]);
    assert_eq!(by_host("m-b"), [b]);
    assert_eq!(by_host("box").len(), 3, "the host name matches too");
    assert!(by_host("nobody").is_empty());
    assert_eq!(s.snapshots(Some("audit"), Some("local")).unwrap().len(), 2);
    // Prune: keep the newest audit of each host (m-a's only audit and m-b's stay)...
    let audits = Filter {
        kind: Some("audit"),
        ..Filter::default()
    };
    assert_eq!(s.prune_snapshots(&audits, Some(1), None).unwrap(), 0);
    // ... of the host named; then of every host; then everything before 25.
    let (u4, u5) = (new_uid(), new_uid());
    s.save_snapshot(&snap(&u4, "m-b", 22, "audit", "{\"x\":3}"))
        .unwrap();
    s.save_snapshot(&snap(&u5, "m-a", 23, "audit", "{\"x\":4}"))
        .unwrap();
    let only_b = Filter {
        host: Some("m-b"),
        ..audits
    };
    assert_eq!(s.prune_snapshots(&only_b, Some(1), None).unwrap(), 1);
    assert!(s.snapshot(b).unwrap().is_none() && s.snapshot(a).unwrap().is_some());
    assert_eq!(s.prune_snapshots(&audits, Some(1), None).unwrap(), 1);
    assert!(s.snapshot(a).unwrap().is_none());
    assert_eq!(
        s.prune_snapshots(&Filter::default(), None, Some(25))
            .unwrap(),
        2
    );
    assert_eq!(
        s.snapshots(None, None)
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect::<Vec<_>>(),
        [c]
    );
    // Baseline.
    let acc = |key: &str| NewAcceptance {
        at: "2026-12-03T00:00:00Z".into(),
        user: "root".into(),
        key: key.into(),
        reason: "known \u{1b}[31m".into(),
        expires_unix: Some(5),
        seen: None,
    };
    let ids = s.baseline_accept(&[acc("tcp/22"), acc("udp/53")]).unwrap();
    assert_eq!(s.baseline().unwrap().len(), 2);
    assert!(s.baseline_revoke(ids[0], "now").unwrap());
    assert!(!s.baseline_revoke(ids[0], "now").unwrap());
    assert_eq!(s.baseline().unwrap()[0].key, "udp/53");
    assert_eq!(s.baseline().unwrap()[0].reason, "known \u{1b}[31m");
    drop(s);
    let ro = open_read_only(loc).unwrap().unwrap();
    assert_eq!(ro.snapshots(None, None).unwrap().len(), 1);
}

/// 8 writers × 25 snapshots at once (each its own connection), every 5th saved twice
/// (a retry): exactly 200 snapshots, 200 distinct uids, every one readable.
fn concurrent(loc: &Location) {
    const WRITERS: usize = 8;
    const EACH: usize = 25;
    let gate = std::sync::Arc::new(std::sync::Barrier::new(WRITERS));
    let threads: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (loc, gate) = (loc.clone(), gate.clone());
            std::thread::spawn(move || {
                let s = open(&loc).expect("open");
                gate.wait();
                let mut uids = Vec::new();
                for i in 0..EACH {
                    let uid = new_uid();
                    let host = format!("m-{w}");
                    let body = format!("{{\"w\":{w},\"i\":{i}}}");
                    let n = if i % 5 == 0 { 2 } else { 1 };
                    for _ in 0..n {
                        s.save_snapshot(&snap(&uid, &host, i as i64, "audit", &body))
                            .expect("save");
                    }
                    uids.push(uid);
                }
                uids
            })
        })
        .collect();
    let mut want = BTreeSet::new();
    for t in threads {
        want.extend(t.join().expect("writer"));
    }
    assert_eq!(want.len(), WRITERS * EACH);
    let s = open_read_only(loc).unwrap().unwrap();
    let rows = s.snapshots(None, None).unwrap();
    assert_eq!(rows.len(), WRITERS * EACH, "no snapshot lost, none twice");
    let got: BTreeSet<String> = rows.iter().map(|r| r.uid.clone()).collect();
    assert_eq!(got, want);
    for r in rows.iter().step_by(17) {
        let (_, body) = s.snapshot(r.id).unwrap().unwrap();
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(format!("m-{}", v["w"]), r.host_id);
    }
}

#[test]
fn sqlite_suite() {
    let d = scratch("suite");
    suite(&Location::Sqlite(d.join("a.db")));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn sqlite_concurrent_writers() {
    let d = scratch("conc");
    concurrent(&Location::Sqlite(d.join("a.db")));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn postgres_suite_and_concurrent_writers() {
    portwarden_testkit::require!(needs_postgres());
    let pg = Server::start().unwrap();
    suite(&Location::parse(&pg.create_db("suite").unwrap()).unwrap());
    concurrent(&Location::parse(&pg.create_db("conc").unwrap()).unwrap());
    // A database written by a newer portwarden is refused, in one line, on both opens.
    let newer = pg.create_db("newer").unwrap();
    drop(open(&Location::parse(&newer).unwrap()).unwrap());
    let mut c = postgres::Client::connect(&newer, postgres::NoTls).unwrap();
    c.execute("INSERT INTO portwarden_schema (version) VALUES (99)", &[])
        .unwrap();
    let loc = Location::parse(&newer).unwrap();
    for e in [open(&loc).err(), open_read_only(&loc).err()] {
        let e = e.expect("refused").to_string();
        assert!(e.contains("schema version 99") && !e.contains('\n'), "{e}");
    }
    // Two processes opening a new database at once both migrate it safely.
    let loc = Location::parse(&pg.create_db("race").unwrap()).unwrap();
    let t: Vec<_> = (0..6)
        .map(|_| {
            let l = loc.clone();
            std::thread::spawn(move || open(&l).map(|s| s.schema_version()))
        })
        .collect();
    for t in t {
        assert_eq!(
            t.join().unwrap().unwrap(),
            portwarden_store::PG_SCHEMA_VERSION
        );
    }
}

#[test]
fn postgres_unreachable_and_tls_are_one_clear_line() {
    let e = open(&Location::parse("postgresql://pw@/x?host=/nonexistent-pw-dir").unwrap())
        .err()
        .expect("no server");
    assert!(e.is_unreachable(), "{e}");
    assert!(!e.to_string().contains('\n'));
    let e = Location::parse("postgres://pw:hunter2@127.0.0.1/x?sslmode=require").unwrap_err();
    let s = e.to_string();
    assert!(s.contains("TLS") && !s.contains("hunter2"), "{s}");
}
