//! End to end: the journal of `close`, `actions` and `open` on a real PostgreSQL server
//! the test starts (unix socket only, removed afterwards), driving the binary as root
//! inside a network namespace the test creates, with real `nft`. Nothing outside the
//! namespace is touched. Then, with the database stopped, `close` refuses in one line
//! and the namespace's firewall is unchanged.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;
use common::Ns;
use portwarden_testkit::pg::{needs_postgres, Server};

const LISTEN: &str = "import socket,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(('0.0.0.0',8080))\ns.listen()\nprint('ready')\nwhile True:\n c,_=s.accept()\n globals().setdefault('keep',[]).append(c)\n";

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ruleset(ns: &Ns) -> String {
    text(&ns.sh(&["nft", "list", "ruleset"]).stdout)
}

#[test]
fn close_actions_open_on_postgres_then_refuse_when_it_is_gone() {
    portwarden_testkit::require!(common::why_skip(&["ip", "nft", "python3"]));
    portwarden_testkit::require!(needs_postgres());
    let pg = Server::start().unwrap();
    let url = pg.url();
    let mut ns = Ns::new();
    ns.spawn_py(LISTEN);
    assert!(ns.connects(8080));
    let with = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--store", &url, "--host-id", "ns-a"]);
        ns.pw(&all)
    };
    let out = with(&["close", "8080", "--how", "firewall", "--yes"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!ns.connects(8080), "connect must fail once the rule is in");
    assert!(ruleset(&ns).contains("tcp dport 8080 drop") || ruleset(&ns).contains("dport 8080"));
    assert!(
        !ns.db.exists(),
        "the journal went to PostgreSQL, not the local file"
    );
    // The row is in the database, as this host's.
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let rows = c
        .query("SELECT host_id, port, state FROM actions", &[])
        .unwrap();
    assert_eq!(rows.len(), 1);
    let (h, p, s): (String, i32, String) = (rows[0].get(0), rows[0].get(1), rows[0].get(2));
    assert_eq!((h.as_str(), p, s.as_str()), ("ns-a", 8080, "applied"));
    // Another host's record of the same port: not ours to list, reconcile or undo.
    c.execute(
        "INSERT INTO actions (host_id, host, at, \"user\", uid, port, protocol, how, summary,
         detail, undo, state, runner_pid, runner_start, rule_comment)
         VALUES ('ns-b', 'b', 't', 'root', 0, 8080, 'tcp', 'firewall', 'host-b-action', '{}',
         '{\"kind\":\"delete-rule\",\"comment\":\"portwarden:8080:tcp:drop:b\",\"persisted\":null}',
         'pending', 1, 1, 'portwarden:8080:tcp:drop:b')",
        &[],
    )
    .unwrap();
    let out = with(&["actions", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v[0]["how"], "firewall");
    // The store may come from PORTWARDEN_STORE too; --all-hosts shows both hosts.
    let bin = assert_cmd::cargo::cargo_bin("portwarden");
    let out = ns
        .cmd(&[
            bin.to_str().unwrap(),
            "actions",
            "--all-hosts",
            "--json",
            "--host-id",
            "ns-a",
        ])
        .env("PORTWARDEN_STORE", &url)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hosts: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["host_id"].as_str().unwrap())
        .collect();
    assert_eq!(hosts, vec!["ns-a", "ns-b"], "{v}");
    let out = with(&["actions", "--all-hosts"]);
    let t = text(&out.stdout);
    assert!(
        t.contains("(ns-a, this host)") && t.contains("(ns-b)"),
        "{t}"
    );
    // The report shows this host's actions from the same store.
    let html = ns.db.parent().unwrap().join("r.html");
    let out = ns
        .cmd(&[
            bin.to_str().unwrap(),
            "report",
            "--now",
            "--html",
            html.to_str().unwrap(),
            "--store",
            &url,
        ])
        .env("PORTWARDEN_HOST_ID", "ns-a")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("dport 8080"), "the report lists the action");
    assert!(!page.contains("host-b-action"), "not host B's");
    // open undoes it.
    let out = with(&["open", "8080"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("deleted the firewall rule"));
    assert!(ns.connects(8080));
    let mine: Option<String> = c
        .query_one("SELECT undone_at FROM actions WHERE host_id = 'ns-a'", &[])
        .unwrap()
        .get(0);
    assert!(mine.is_some());
    let theirs: (String, Option<String>) = c
        .query_one(
            "SELECT state, undone_at FROM actions WHERE host_id = 'ns-b'",
            &[],
        )
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!(
        theirs,
        ("pending".to_string(), None),
        "host B's row untouched"
    );
    drop(c);
    // The database goes away: close refuses in one line, the firewall is unchanged.
    let before = ruleset(&ns);
    drop(pg);
    let out = with(&["close", "8080", "--how", "firewall", "--yes"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("nothing was changed") && err.contains("PostgreSQL"),
        "{err}"
    );
    assert_eq!(ruleset(&ns), before);
    assert!(ns.connects(8080));
}

#[test]
fn a_bad_host_id_is_one_line_before_anything_is_opened() {
    // Usage, before anything is opened or changed: no namespace needed, nothing runs.
    // (A host without /etc/machine-id is refused likewise: see the store tests.)
    let bin = assert_cmd::cargo::cargo_bin("portwarden");
    let out = std::process::Command::new(bin)
        .args([
            "actions",
            "--store",
            "postgresql://pw@/x?host=/nonexistent-pw-dir",
            "--host-id",
            "bad id!",
        ])
        .env_remove("PORTWARDEN_HOST_ID")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr).trim_end().lines().count(),
        1,
        "{}",
        text(&out.stderr)
    );
}
