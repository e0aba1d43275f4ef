//! The action journal on both stores: the SQLite file and a real PostgreSQL server the
//! test starts (unix socket only, removed afterwards). The same suite on each; on
//! PostgreSQL, two hosts' rows stay apart; 8 concurrent writers record and transition
//! without loss or duplicates; an unreachable server is one line.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use portwarden_store::{
    open, open_journal, open_journal_read_only, HostIdentity, Journal, Location, NewAction, State,
    Undo,
};
use portwarden_testkit::pg::{needs_postgres, Server};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pw-journal-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir(&d).unwrap();
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700)).unwrap();
    d
}

fn host(id: &str) -> HostIdentity {
    HostIdentity {
        id: id.into(),
        name: format!("box-{id}"),
    }
}

fn new(port: u16, comment: &str, state: State) -> NewAction {
    NewAction {
        at: "2026-12-03T00:00:00Z".into(),
        user: "root".into(),
        uid: 0,
        port,
        protocol: "tcp".into(),
        how: "firewall".into(),
        summary: "drop".into(),
        detail: serde_json::json!({ "rule": format!("tcp dport {port} drop") }),
        undo: Undo::DeleteRule {
            comment: comment.into(),
            persisted: None,
        },
        state,
        runner: None,
        note: None,
    }
}

/// The journal's contract, the same on both stores.
fn suite(j: &dyn Journal) {
    let a = j.record(&new(80, "c-a", State::Pending)).unwrap();
    assert_eq!(j.pending().unwrap().len(), 1);
    assert!(
        j.open_actions(80, "tcp").unwrap().is_empty(),
        "pending changed nothing"
    );
    j.mark_applied(
        a,
        "done",
        &serde_json::json!({"x": 1}),
        &new(80, "c-a2", State::Applied).undo,
    )
    .unwrap();
    let got = j.action(a).unwrap().unwrap();
    assert_eq!((got.state, got.summary.as_str()), (State::Applied, "done"));
    assert_eq!(got.detail["x"], 1);
    assert_eq!(j.open_actions(80, "tcp").unwrap().len(), 1);
    // Adopted once per comment, again after undo.
    assert!(j
        .adopt("c-a2", &new(80, "c-a2", State::Applied))
        .unwrap()
        .is_none());
    let b = j
        .adopt("c-b", &new(80, "c-b", State::Applied))
        .unwrap()
        .unwrap();
    assert!(j
        .adopt("c-b", &new(80, "c-b", State::Applied))
        .unwrap()
        .is_none());
    j.mark_undone(b, "t").unwrap();
    assert!(j
        .adopt("c-b", &new(80, "c-b", State::Applied))
        .unwrap()
        .is_some());
    // A set_undo is what adoption sees afterwards.
    j.set_undo(a, &new(80, "c-a3", State::Applied).undo)
        .unwrap();
    assert!(j
        .adopt("c-a3", &new(80, "c-a3", State::Applied))
        .unwrap()
        .is_none());
    // Record unless in the way.
    let in_way = j
        .record_unless(&new(80, "c-x", State::Pending), &|x| x.id == a)
        .unwrap();
    assert_eq!(in_way.map_err(|x| x.id), Err(a));
    assert!(j
        .record_unless(&new(81, "c-y", State::Pending), &|_| true)
        .unwrap()
        .is_ok());
    // Transitions only from the state the record is in.
    let p = j.pending().unwrap()[0].id;
    assert!(j
        .transition(p, State::Pending, State::Failed, "gone")
        .unwrap());
    assert!(!j
        .transition(p, State::Pending, State::Applied, "x")
        .unwrap());
    assert_eq!(j.action(p).unwrap().unwrap().note.as_deref(), Some("gone"));
    assert!(j.action(99_999).unwrap().is_none());
    let all = j.actions().unwrap();
    assert_eq!(all.len(), 4);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id));
}

/// 8 writers × 20 actions each, every one recorded pending then moved on: none lost,
/// none twice, every transition kept.
fn concurrent(open: &(dyn Fn() -> Box<dyn Journal> + Sync)) {
    std::thread::scope(|sc| {
        for w in 0..8u16 {
            sc.spawn(move || {
                let j = open();
                for i in 0..20u16 {
                    let id = j
                        .record(&new(1000 + w, &format!("w{w}-{i}"), State::Pending))
                        .unwrap();
                    let to = if i % 2 == 0 {
                        State::Applied
                    } else {
                        State::Failed
                    };
                    assert!(j.transition(id, State::Pending, to, "ok").unwrap());
                }
            });
        }
    });
    let all = open().actions().unwrap();
    assert_eq!(all.len(), 160);
    let ids: std::collections::BTreeSet<i64> = all.iter().map(|a| a.id).collect();
    assert_eq!(ids.len(), 160);
    let comments: std::collections::BTreeSet<String> = all
        .iter()
        .map(|a| match &a.undo {
            Undo::DeleteRule { comment, .. } => comment.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(comments.len(), 160);
    assert_eq!(all.iter().filter(|a| a.state == State::Applied).count(), 80);
    assert_eq!(all.iter().filter(|a| a.state == State::Failed).count(), 80);
    // Eight adopters of one rule at once: one record.
    std::thread::scope(|sc| {
        for _ in 0..8 {
            sc.spawn(|| open().adopt("one", &new(7, "one", State::Applied)).unwrap());
        }
    });
    let n = open()
        .actions()
        .unwrap()
        .iter()
        .filter(|a| a.port == 7)
        .count();
    assert_eq!(n, 1);
}

#[test]
fn sqlite_journal() {
    let d = scratch("suite");
    let loc = Location::Sqlite(d.join("j.db"));
    assert!(open_journal_read_only(&loc, &host("a")).unwrap().is_none());
    suite(&*open_journal(&loc, &host("a")).unwrap());
    // A local journal is this host's: no host id, no other host.
    let all = open_journal(&loc, &host("a")).unwrap().all_hosts().unwrap();
    assert!(all.len() == 4 && all.iter().all(|h| h.host_id.is_empty()));
    let loc = Location::Sqlite(d.join("c.db"));
    concurrent(&|| open_journal(&loc, &host("a")).unwrap());
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn postgres_journal() {
    portwarden_testkit::require!(needs_postgres());
    let pg = Server::start().unwrap();
    let loc = Location::parse(&pg.create_db("suite").unwrap()).unwrap();
    assert!(open_journal_read_only(&loc, &host("a")).unwrap().is_none());
    suite(&*open_journal(&loc, &host("a")).unwrap());
    // Host B sees none of A's rows, and its own suite gives it the same result.
    let b = open_journal(&loc, &host("b")).unwrap();
    assert!(b.actions().unwrap().is_empty());
    suite(&*b);
    let a = open_journal_read_only(&loc, &host("a")).unwrap().unwrap();
    assert_eq!(a.actions().unwrap().len(), 4);
    let all = a.all_hosts().unwrap();
    assert_eq!(all.len(), 8);
    assert_eq!(all.iter().filter(|h| h.host_id == "b").count(), 4);
    assert!(all.iter().all(|h| h.host == format!("box-{}", h.host_id)));
    let json = serde_json::to_value(&all[0]).unwrap();
    assert_eq!(
        (json["host_id"].as_str(), json["port"].as_u64()),
        (Some("a"), Some(80))
    );
    // A's ids are not B's to change.
    let a_first = a.actions().unwrap()[0].id;
    assert!(b.action(a_first).unwrap().is_none());
    b.mark_undone(a_first, "t").unwrap();
    assert!(a.action(a_first).unwrap().unwrap().undone_at.is_none());
    // No host identity: refused, nothing written.
    let e = open_journal(&loc, &HostIdentity::default())
        .err()
        .expect("refused");
    assert!(e.to_string().contains("--host-id"), "{e}");
    let loc = Location::parse(&pg.create_db("conc").unwrap()).unwrap();
    concurrent(&|| open_journal(&loc, &host("c")).unwrap());
    // A database with the history only (schema version 1) gains the journal when
    // opened for writing; read-only it has none.
    let old = pg.create_db("old").unwrap();
    {
        let mut c = postgres::Client::connect(&old, postgres::NoTls).unwrap();
        c.batch_execute("CREATE TABLE portwarden_schema (version BIGINT NOT NULL); INSERT INTO portwarden_schema VALUES (1); CREATE TABLE snapshot_bodies (id BIGSERIAL PRIMARY KEY, hash BIGINT NOT NULL, body BYTEA NOT NULL); CREATE TABLE snapshots (id BIGSERIAL PRIMARY KEY); CREATE TABLE baseline (id BIGSERIAL PRIMARY KEY);").unwrap();
    }
    let loc = Location::parse(&old).unwrap();
    assert!(open_journal_read_only(&loc, &host("a")).unwrap().is_none());
    assert_eq!(open(&loc).unwrap().schema_version(), 2);
    let j = open_journal(&loc, &host("a")).unwrap();
    assert_eq!(j.journal_backend(), "postgres");
    assert!(j.record(&new(1, "x", State::Applied)).is_ok());
}

#[test]
fn an_unreachable_postgres_journal_is_one_line() {
    let loc = Location::parse("postgresql://pw@/x?host=/nonexistent-pw-dir").unwrap();
    for e in [
        open_journal(&loc, &host("a")).err().expect("no server"),
        open_journal_read_only(&loc, &host("a"))
            .err()
            .expect("no server"),
    ] {
        assert!(e.is_unreachable(), "{e}");
        assert!(!e.to_string().contains('\n'), "{e}");
    }
}
