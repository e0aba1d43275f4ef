//! End-to-end tests of `close`, `open` and `actions` inside a network namespace the test
//! creates, with listener processes the test starts and real `nft`. Nothing outside the
//! namespace is touched: rules go into the namespace's own `inet portwarden` table, the
//! journal into a temporary database. Needs root, `ip` and `nft`; otherwise each test
//! prints why it skips.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;
use common::Ns;
use std::process::Stdio;
use std::time::Duration;

fn why_skip() -> Option<String> {
    must_run()
}

const LISTEN: &str = "import socket,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(('0.0.0.0',8080))\ns.listen()\nprint('ready')\nwhile True:\n c,_=s.accept()\n globals().setdefault('keep',[]).append(c)\n";

#[test]
fn close_by_firewall_then_open() {
    portwarden_testkit::require!(why_skip());
    let mut ns = Ns::new();
    ns.spawn_py(LISTEN);
    assert!(ns.connects(8080));
    let out = ns.pw(&["close", "8080", "--how", "firewall", "--yes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!ns.connects(8080), "connect must fail once the rule is in");
    assert!(ns.listening(8080), "the firewall leaves the listener alone");
    // Only our own table exists in the namespace.
    let tables = String::from_utf8(ns.sh(&["nft", "list", "tables"]).stdout).unwrap();
    assert_eq!(tables.trim(), "table inet portwarden");
    let out = ns.pw(&["open", "8080"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("deleted the firewall rule"));
    assert!(ns.connects(8080));
    let out = ns.pw(&["actions", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["how"], "firewall");
    assert!(v[0]["undone_at"].is_string());
    // Nothing left to undo: exit 1.
    assert_eq!(ns.pw(&["open", "8080"]).status.code(), Some(1));
}

#[test]
fn close_by_kill() {
    portwarden_testkit::require!(why_skip());
    let mut ns = Ns::new();
    let pid = ns.spawn_py(LISTEN);
    let out = ns.pw(&["close", "8080", "--how", "kill", "--yes", "--timeout", "2"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("SIGTERM to {pid}")));
    assert!(!ns.listening(8080));
    let out = ns.pw(&["open", "8080"]);
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        s.contains("cannot be resurrected") && s.contains("python3"),
        "{s}"
    );
}

#[test]
fn close_connections_keeps_the_listener() {
    portwarden_testkit::require!(why_skip());
    let mut ns = Ns::new();
    ns.spawn_py(LISTEN);
    // A client that holds its connection and reports when it is cut.
    let client = "import socket,sys\nc=socket.create_connection(('127.0.0.1',8080))\nprint('ready')\ntry:\n d=c.recv(1)\n print('closed' if not d else 'data')\nexcept Exception as e:\n print('reset', e)\n";
    use std::io::BufRead;
    let mut c = ns
        .cmd(&["python3", "-u", "-c", client])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut r = std::io::BufReader::new(c.stdout.take().unwrap());
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    assert!(line.starts_with("ready"));
    std::thread::sleep(Duration::from_millis(200));
    let out = ns.pw(&["close", "8080", "--how", "connections", "--yes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    line.clear();
    r.read_line(&mut line).unwrap();
    assert!(
        line.starts_with("reset") || line.starts_with("closed"),
        "{line}"
    );
    let _ = c.wait();
    assert!(ns.listening(8080), "the listener stays");
    assert!(ns.connects(8080));
}

#[test]
fn dry_run_and_no_terminal_change_nothing() {
    portwarden_testkit::require!(why_skip());
    let mut ns = Ns::new();
    ns.spawn_py(LISTEN);
    for how in ["firewall", "kill"] {
        let out = ns.pw(&["close", "8080", "--how", how, "--dry-run"]);
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stdout).contains("dry run"));
        // Without --yes and without a terminal: the plan is printed and refused.
        let out = ns.pw(&["close", "8080", "--how", how]);
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stdout).contains("Plan: close 8080/tcp"));
    }
    assert!(ns.connects(8080));
    let tables = String::from_utf8(ns.sh(&["nft", "list", "tables"]).stdout).unwrap();
    assert!(tables.trim().is_empty(), "{tables}");
    let out = ns.pw(&["actions", "--json"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
}

#[test]
fn refuses_the_ssh_session_port_and_shared_ports() {
    portwarden_testkit::require!(why_skip());
    let mut ns = Ns::new();
    ns.spawn_py(LISTEN);
    let bin = assert_cmd::cargo::cargo_bin("portwarden");
    let out = ns
        .cmd(&[bin.to_str().unwrap(), "close", "8080", "--yes"])
        .env("SSH_CONNECTION", "198.18.0.9 50000 198.18.0.1 8080")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("SSH session"));
    assert!(ns.connects(8080));
    // Two processes share one listener (fork after listen): both must be named.
    let shared = "import socket,os,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(('0.0.0.0',9090))\ns.listen()\npid=os.fork()\nif pid==0:\n time.sleep(60)\n os._exit(0)\nprint('ready',pid)\ntime.sleep(60)\n";
    let parent = ns.spawn_py(shared);
    let out = ns.pw(&["close", "9090", "--how", "kill", "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("2 processes share port 9090/tcp"), "{s}");
    assert!(ns.listening(9090));
    // Naming both lets it through.
    let v: serde_json::Value =
        serde_json::from_slice(&ns.pw(&["ls", "--json", "-l", "--port", "9090"]).stdout).unwrap();
    let pids: Vec<String> = v[0]["pids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.to_string())
        .collect();
    assert_eq!(pids.len(), 2);
    assert!(pids.contains(&parent.to_string()));
    let out = ns.pw(&[
        "close",
        "9090",
        "--how",
        "kill",
        "--yes",
        "--pid",
        &pids.join(","),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!ns.listening(9090));
}

#[test]
fn bad_targets_are_one_line() {
    for args in [
        &["close", "70000"][..],
        &["close", "0"],
        &["close", "80/sctp"],
        &["close", "no-such-service"],
        &["close", "1-100"],
        &["close", "80", "--how", "nuke"],
        &["close", "80", "--timeout", "-3"],
        &["open", "1-2"],
    ] {
        let out = assert_cmd::Command::cargo_bin("portwarden")
            .unwrap()
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr)
                .trim_end()
                .lines()
                .count(),
            1,
            "{args:?}"
        );
    }
}

#[test]
fn ls_and_audit_look_into_another_namespace() {
    portwarden_testkit::require!(why_skip());
    let mut ns = Ns::new();
    let pid = ns.spawn_py(LISTEN);
    // From the host's namespace, by name and by pid.
    for target in [ns.name.clone(), pid.to_string()] {
        let out = assert_cmd::Command::cargo_bin("portwarden")
            .unwrap()
            .args(["ls", "--json", "-l", "--netns", &target])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let rows = v.as_array().unwrap();
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0]["local_port"], 8080);
        assert_eq!(rows[0]["pids"][0], pid);
    }
    let out = assert_cmd::Command::cargo_bin("portwarden")
        .unwrap()
        .args(["audit", "--json", "--no-save", "--netns", &ns.name])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["counts"]["listening"], 1);
    let out = assert_cmd::Command::cargo_bin("portwarden")
        .unwrap()
        .args(["ls", "--netns", "no-such-ns-here"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr)
            .trim_end()
            .lines()
            .count(),
        1
    );
}

// ---- Journal and firewall agree (issue #10) ----

/// What the journal tests need besides [`why_skip`]'s.
fn must_run() -> Option<String> {
    common::why_skip(&["ip", "nft", "python3", "unshare", "mount"])
}

/// The rules now in the namespace's `inet portwarden`: (handle, comment).
fn rules(ns: &Ns) -> Vec<(u64, String)> {
    let out = ns.sh(&["nft", "-j", "list", "table", "inet", "portwarden"]);
    if !out.status.success() {
        return Vec::new();
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["nftables"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i.get("rule"))
        .map(|r| {
            (
                r["handle"].as_u64().unwrap(),
                r["comment"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn journal(ns: &Ns) -> Vec<serde_json::Value> {
    let out = ns.pw(&["actions", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn kill_9_during_close_never_leaves_an_unknown_rule() {
    portwarden_testkit::require!(must_run());
    let ns = Ns::new();
    let bin = assert_cmd::cargo::cargo_bin("portwarden");
    let close = |port: u16| {
        ns.cmd(&[
            bin.to_str().unwrap(),
            "close",
            &port.to_string(),
            "--how",
            "firewall",
            "--yes",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
    };
    // How long one close takes here, to spread the kills over all of it.
    let t0 = std::time::Instant::now();
    assert!(close(20000).wait().unwrap().success());
    let full = t0.elapsed().as_micros() as u64 + 1;
    let mut seed = u64::from(std::process::id()) ^ full;
    let mut rnd = move |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let runs = 40u16;
    let mut finished = 0;
    for i in 1..=runs {
        let mut c = close(20000 + i);
        std::thread::sleep(Duration::from_micros(rnd(full * 5 / 4)));
        let _ = c.kill(); // SIGKILL
        if c.wait().unwrap().success() {
            finished += 1;
        }
    }
    let in_table = rules(&ns);
    let actions = journal(&ns);
    let comments: Vec<&str> = actions
        .iter()
        .filter_map(|a| a["undo"]["comment"].as_str())
        .collect();
    eprintln!(
        "{runs} kills over {full} µs: {finished} runs finished first, {} rules in the table, {} records",
        in_table.len(),
        actions.len()
    );
    for (h, c) in &in_table {
        assert!(
            comments.contains(&c.as_str()),
            "rule {h} ({c}) is not in the journal: {actions:#?}"
        );
    }
    // `open` removes every one of them, and the journal ends with nothing pending.
    for p in 20000..=20000 + runs {
        let out = ns.pw(&["open", &p.to_string()]);
        assert!(out.status.code() != Some(3), "{}", text(&out.stderr));
    }
    assert!(rules(&ns).is_empty(), "{:?}", rules(&ns));
    let after = journal(&ns);
    assert!(after.iter().all(|a| a["state"] != "pending"), "{after:#?}");
    assert!(after
        .iter()
        .filter(|a| a["state"] == "applied")
        .all(|a| a["undone_at"].is_string()));
}

#[test]
fn a_read_only_journal_adds_no_rule() {
    portwarden_testkit::require!(must_run());
    let ns = Ns::new();
    // Create the journal, then run close with its directory mounted read-only (in a
    // private mount namespace, so nothing outside sees the mount).
    assert_eq!(ns.pw(&["open", "9"]).status.code(), Some(1));
    assert!(ns.db.exists());
    let dir = ns.db.parent().unwrap().to_str().unwrap().to_string();
    let bin = assert_cmd::cargo::cargo_bin("portwarden");
    let out = ns
        .cmd(&[
            "unshare",
            "-m",
            "--propagation",
            "private",
            "sh",
            "-c",
            "mount --bind \"$0\" \"$0\" && mount -o remount,bind,ro \"$0\" && exec \"$@\"",
            &dir,
            bin.to_str().unwrap(),
            "close",
            "8080",
            "--how",
            "firewall",
            "--yes",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(rules(&ns).is_empty());
    assert!(journal(&ns).is_empty());
}

#[test]
fn without_nft_open_fails_and_close_asks_for_a_method() {
    portwarden_testkit::require!(must_run());
    let mut ns = Ns::new();
    ns.spawn_py(LISTEN);
    assert!(ns
        .pw(&["close", "8080", "--how", "firewall", "--yes"])
        .status
        .success());
    assert_eq!(rules(&ns).len(), 1);
    // cron's PATH: nft (in /usr/sbin) cannot be found.
    let bin = assert_cmd::cargo::cargo_bin("portwarden");
    let cron = |args: &[&str]| {
        let mut all = vec!["env", "PATH=/usr/bin:/bin", bin.to_str().unwrap()];
        all.extend_from_slice(args);
        ns.cmd(&all).stdin(Stdio::null()).output().unwrap()
    };
    let out = cron(&["open", "8080"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(err.contains("nft") && err.contains("unchanged"), "{err}");
    assert!(!text(&out.stdout).contains("already gone"));
    assert_eq!(rules(&ns).len(), 1, "the rule stays");
    let a = journal(&ns);
    assert!(a[0]["undone_at"].is_null(), "{a:#?}");
    assert_eq!(a[0]["state"], "applied");
    // close without --how: refused, asks for a method, kills nothing.
    assert!(ns.pw(&["open", "8080"]).status.success());
    let out = cron(&["close", "8080", "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    let all = text(&out.stdout) + &text(&out.stderr);
    assert!(all.contains("--how kill"), "{all}");
    assert!(ns.listening(8080), "the owner was not killed");
    assert!(ns.connects(8080));
}

#[test]
fn closing_twice_says_so_and_adds_nothing() {
    portwarden_testkit::require!(must_run());
    let ns = Ns::new();
    let first = ns.pw(&["close", "8080", "--how", "firewall", "--yes"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let again = ns.pw(&["close", "8080", "--how", "firewall", "--yes"]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    let s = text(&again.stdout);
    assert!(s.contains("already closed by portwarden (action #1"), "{s}");
    assert_eq!(rules(&ns).len(), 1);
    assert_eq!(journal(&ns).len(), 1);
    // Ten runs closing another port at the same moment: one rule.
    let bin = assert_cmd::cargo::cargo_bin("portwarden");
    let kids: Vec<_> = (0..10)
        .map(|_| {
            ns.cmd(&[
                bin.to_str().unwrap(),
                "close",
                "9090",
                "--how",
                "firewall",
                "--yes",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    for k in kids {
        let out = k.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let on_9090 = rules(&ns)
        .into_iter()
        .filter(|(_, c)| c.starts_with("portwarden:9090:"))
        .count();
    assert_eq!(on_9090, 1);
}

#[test]
fn a_hundred_concurrent_first_opens_all_succeed() {
    portwarden_testkit::require!(must_run());
    let ns = Ns::new();
    let bin = assert_cmd::cargo::cargo_bin("portwarden");
    let kids: Vec<_> = (0..100)
        .map(|_| {
            ns.cmd(&[bin.to_str().unwrap(), "open", "9"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for k in kids {
        let out = k.wait_with_output().unwrap();
        // 1: nothing to undo. Anything else (3) is a failure to open the journal.
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    }
    assert!(journal(&ns).is_empty());
}

#[test]
fn a_planted_comment_never_reaches_the_boot_file() {
    portwarden_testkit::require!(must_run());
    let ns = Ns::new();
    let dir = ns.db.parent().unwrap();
    let file = dir.join("nftables.nft");
    let conf = dir.join("nftables.conf");
    // Anyone with CAP_NET_ADMIN in the namespace puts a rule with a hostile comment
    // into our table.
    let plant = serde_json::json!({ "nftables": [
        { "add": { "table": { "family": "inet", "name": "portwarden" } } },
        { "add": { "chain": { "family": "inet", "table": "portwarden", "name": "input",
            "type": "filter", "hook": "input", "prio": -10, "policy": "accept" } } },
        { "add": { "rule": { "family": "inet", "table": "portwarden", "chain": "input",
            "comment": "portwarden:22:tcp:drop:x\"\nflush ruleset\n#",
            "expr": [ { "accept": null } ] } } }
    ] });
    let mut p = ns
        .cmd(&["nft", "-j", "-f", "-"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    p.stdin
        .take()
        .unwrap()
        .write_all(plant.to_string().as_bytes())
        .unwrap();
    assert!(p.wait().unwrap().success());
    let bin = assert_cmd::cargo::cargo_bin("portwarden");
    let pw = |args: &[&str]| {
        let mut all = vec![bin.to_str().unwrap()];
        all.extend_from_slice(args);
        ns.cmd(&all)
            .env("PORTWARDEN_NFT_FILE", &file)
            .env("PORTWARDEN_NFT_CONF", &conf)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    // The main config is a link to the real file (as some systems keep it): the link
    // must stay a link, and the file it names gets the include.
    let real = conf.with_extension("real");
    std::fs::write(&real, "#!/usr/sbin/nft -f\nflush ruleset\n").unwrap();
    std::fs::set_permissions(&real, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink(&real, &conf).unwrap();
    let out = pw(&["close", "8080", "--how", "firewall", "--persist", "--yes"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("not written by portwarden"), "{err}");
    let boot = std::fs::read_to_string(&file).unwrap();
    assert!(!boot.contains("flush"), "{boot}");
    assert!(!boot.contains("dport 22"), "{boot}");
    assert!(boot.contains("th dport 8080 drop"), "{boot}");
    let main = std::fs::read_to_string(&conf).unwrap();
    assert!(
        main.starts_with("#!/usr/sbin/nft -f\nflush ruleset\n"),
        "{main}"
    );
    use std::os::unix::fs::MetadataExt;
    assert!(std::fs::symlink_metadata(&conf)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::metadata(&conf).unwrap().mode() & 0o777, 0o755);
    assert_eq!(std::fs::metadata(&file).unwrap().mode() & 0o777, 0o644);
    assert!(
        main.contains(&format!("include \"{}\"", file.display())),
        "{main}"
    );
    for f in [&file, &conf] {
        let c = ns.sh(&["nft", "-c", "-f", f.to_str().unwrap()]);
        assert!(c.status.success(), "{f:?}: {}", text(&c.stderr));
    }
    // The planted rule is left in place; ours goes, and leaves the boot file.
    let out = pw(&["open", "8080"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let boot = std::fs::read_to_string(&file).unwrap();
    assert!(!boot.contains("dport 8080"), "{boot}");
    assert!(ns
        .sh(&["nft", "-c", "-f", file.to_str().unwrap()])
        .status
        .success());
    assert_eq!(rules(&ns).len(), 1);
    assert!(std::fs::read_dir(dir).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .contains("portwarden-new")));
}

#[test]
fn hostile_journals_are_refused_with_the_reason() {
    portwarden_testkit::require!(must_run());
    let ns = Ns::new();
    let dir = ns.db.parent().unwrap().to_path_buf();
    assert_eq!(ns.pw(&["open", "9"]).status.code(), Some(1));
    let run = |db: &std::path::Path, args: &[&str]| {
        let bin = assert_cmd::cargo::cargo_bin("portwarden");
        let mut all = vec![bin.to_str().unwrap()];
        all.extend_from_slice(args);
        ns.cmd(&all)
            .env("PORTWARDEN_DB", db)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let check = |db: &std::path::Path, why: &str| {
        for args in [&["actions"][..], &["open", "9"]] {
            let out = run(db, args);
            assert_eq!(out.status.code(), Some(3), "{args:?} {db:?}");
            let err = text(&out.stderr);
            assert!(err.contains(why), "{args:?}: {err}");
            assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        }
    };
    // A symbolic link to another program's database.
    let link = dir.join("link.db");
    std::os::unix::fs::symlink(&ns.db, &link).unwrap();
    check(&link, "symbolic link");
    // A directory every user may write to.
    let open = dir.join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::os::unix::fs::PermissionsExt::from_mode(0o1777)).unwrap();
    std::fs::copy(&ns.db, open.join("j.db")).unwrap();
    check(&open.join("j.db"), "writable by every user");
    // A journal another user owns.
    let theirs = dir.join("theirs.db");
    std::fs::copy(&ns.db, &theirs).unwrap();
    nix::unistd::chown(&theirs, Some(nix::unistd::Uid::from_raw(65534)), None).unwrap();
    check(&theirs, "owned by uid 65534");
    // A read-only command creates nothing.
    let none = dir.join("none/j.db");
    let out = run(&none, &["actions"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("empty"));
    assert!(!dir.join("none").exists());
    // Our own journal: private.
    use std::os::unix::fs::MetadataExt;
    assert_eq!(std::fs::metadata(&ns.db).unwrap().mode() & 0o777, 0o600);
}

#[test]
fn without_home_there_is_no_journal_and_no_tmp_fallback() {
    portwarden_testkit::require!(must_run());
    // As an ordinary user (nobody) without HOME: a clear error, nothing under /tmp. The
    // error comes before anything else is looked at.
    use std::os::unix::process::CommandExt;
    let before = std::path::Path::new("/tmp/.local/share/portwarden").exists();
    for args in [&["actions"][..], &["open", "9"]] {
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("portwarden"))
            .args(args)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .uid(65534)
            .gid(65534)
            .current_dir("/")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains("HOME is not set"), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
    if !before {
        assert!(!std::path::Path::new("/tmp/.local/share/portwarden").exists());
    }
}
