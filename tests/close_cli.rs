//! End-to-end tests of issue #11's rough edges of `close`/`open`/`actions`, each inside a
//! network namespace the test creates, with listeners the test starts and real `nft`
//! (the namespace's own `inet portwarden` table; the journal in a temporary database):
//! a listener whose owner nobody can see is not closed without `--force`; port lists,
//! service names and durations in one syntax; `open --dry-run`; Chinese output.
//! Needs root, `ip`, `nft`, `python3`, `unshare` and `setpriv`: otherwise each test skips
//! with the reason, or fails under `CI=true`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;
use common::Ns;

fn why_skip() -> Option<String> {
    common::why_skip(&["ip", "nft", "python3", "unshare", "setpriv"])
}

/// A TCP listener on 0.0.0.0:`port` and a UDP socket on 0.0.0.0:`udp`, held by python.
fn listen(ns: &mut Ns, tcp: &[u16], udp: &[u16]) {
    let code = format!(
        "import socket,threading\nkeep=[]\nfor p in {tcp:?}:\n s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1); s.bind(('0.0.0.0',p)); s.listen(); keep.append(s)\nfor p in {udp:?}:\n s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(('0.0.0.0',p)); keep.append(s)\nprint('ready',flush=True)\nthreading.Event().wait()\n"
    );
    ns.spawn_py(&code);
}

/// portwarden run inside the namespace but in a PID namespace of its own (with its own
/// /proc): every process the test started is invisible to it, as a container's
/// listener is from the host, or the host's from a container.
fn pw_blind(ns: &Ns, args: &[&str]) -> std::process::Output {
    let bin = assert_cmd::cargo::cargo_bin("portwarden");
    let mut all = vec![
        "unshare",
        "--pid",
        "--fork",
        "--mount-proc",
        bin.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    ns.cmd(&all)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

/// The rules in the namespace's `inet portwarden` table, as nft prints them.
fn rules(ns: &Ns) -> Vec<String> {
    let out = ns.sh(&["nft", "list", "table", "inet", "portwarden"]);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("dport"))
        .map(|l| l.trim().to_string())
        .collect()
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn close_refuses_a_listener_whose_owner_nobody_can_see_without_force() {
    portwarden_testkit::require!(why_skip());
    let mut ns = Ns::new();
    listen(&mut ns, &[7070], &[]);

    // Seen from another PID namespace, as root: the owner is nowhere to be seen.
    let out = pw_blind(&ns, &["close", "7070", "--dry-run"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("WARNING"), "{t}");
    assert!(t.contains("another PID namespace"), "{t}");
    assert!(t.contains("portwarden ls --port 7070"), "{t}");
    assert!(t.contains("--force"), "{t}");
    // Without --dry-run and with --yes: refused all the same, nothing added.
    let out = pw_blind(&ns, &["close", "7070", "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(rules(&ns).is_empty(), "{:?}", rules(&ns));
    // In Chinese.
    let out = pw_blind(&ns, &["close", "7070", "--dry-run", "--lang", "zh"]);
    let t = text(&out);
    assert!(
        t.contains("警告") && t.contains("PID 命名空间") && t.contains("已拒绝"),
        "{t}"
    );
    assert!(!t.contains("WARNING") && !t.contains("refused"), "{t}");

    // --force: the person has read the warning; the rule goes in, and out again.
    let out = pw_blind(&ns, &["close", "7070", "--force", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(rules(&ns).len(), 1, "{:?}", rules(&ns));
    assert!(!ns.connects(7070));
    let out = ns.pw(&["open", "7070"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(rules(&ns).is_empty());

    // The same listener seen by root in our PID namespace: its owner is known, no refusal.
    let out = ns.pw(&["close", "7070", "--dry-run"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("WARNING"));
}

#[test]
fn close_as_an_ordinary_user_says_the_owner_is_hidden_and_refuses() {
    portwarden_testkit::require!(why_skip());
    let mut ns = Ns::new();
    listen(&mut ns, &[7073], &[]);
    // A copy of the binary every user may run (the target directory may not be).
    let dir = std::env::temp_dir().join(format!("pwt-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bin = dir.join("portwarden");
    std::fs::copy(assert_cmd::cargo::cargo_bin("portwarden"), &bin).unwrap();
    for p in [&dir, &bin] {
        std::fs::set_permissions(p, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    }
    let out = ns
        .cmd(&[
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            bin.to_str().unwrap(),
            "close",
            "7073",
            "--dry-run",
        ])
        .env("HOME", &dir)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("WARNING") && t.contains("does not run as root"),
        "{t}"
    );
    assert!(rules(&ns).is_empty());
}

#[test]
fn port_lists_names_and_open_dry_run() {
    portwarden_testkit::require!(why_skip());
    let mut ns = Ns::new();
    listen(&mut ns, &[7071, 23], &[7072]);

    // One syntax: a list with protocols, a service name, a duration.
    let out = ns.pw(&["close", "7071,7072/udp", "telnet", "--yes", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().map(Vec::len), Some(3), "{v}");
    let r = rules(&ns);
    assert_eq!(r.len(), 3, "{r:?}");
    assert!(r.iter().any(|l| l.contains("udp") && l.contains("7072")));
    assert!(r
        .iter()
        .any(|l| l.contains("tcp") && l.contains("dport 23")));
    assert!(!ns.connects(7071));

    // open --dry-run: what would be undone, nothing changed.
    let out = ns.pw(&["open", "7071,7072/udp", "--dry-run"]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(
        t.contains("Plan: open 7071/tcp") && t.contains("Plan: open 7072/udp"),
        "{t}"
    );
    assert!(t.contains("delete the firewall rule"), "{t}");
    assert!(t.contains("dry run: nothing was changed"), "{t}");
    assert_eq!(rules(&ns).len(), 3);
    let out = ns.pw(&["open", "telnet", "--dry-run", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["port"], 23, "{v}");
    assert_eq!(v["would_undo"].as_array().map(Vec::len), Some(1), "{v}");
    // In Chinese: the plan, the journal's states.
    let out = ns.pw(&["open", "7071", "--dry-run", "--lang", "zh"]);
    let t = text(&out);
    assert!(
        t.contains("计划：重新打开") && t.contains("删除防火墙规则") && t.contains("演练"),
        "{t}"
    );
    let out = ns.pw(&["actions", "--lang", "zh"]);
    assert!(
        text(&out).contains("已生效") && text(&out).contains("防火墙："),
        "{}",
        text(&out)
    );
    // A port portwarden never touched: nothing to undo, exit 1, nothing changed.
    let out = ns.pw(&["open", "7099", "--dry-run"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("nothing to this port"),
        "{}",
        text(&out)
    );

    // The same lists undo for real.
    let out = ns.pw(&["open", "7071", "7072/udp,telnet"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(rules(&ns).is_empty(), "{:?}", rules(&ns));
    assert!(ns.connects(7071));

    // zh outcome lines.
    let out = ns.pw(&["close", "7071", "--yes", "--lang", "zh"]);
    let t = text(&out);
    assert!(t.contains("已加入 inet portwarden 表"), "{t}");
    let out = ns.pw(&["open", "7071", "--lang", "zh"]);
    assert!(text(&out).contains("已删除防火墙规则"), "{}", text(&out));
}

#[test]
fn bad_values_get_one_line_and_exit_2() {
    portwarden_testkit::require!(why_skip());
    let ns = Ns::new();
    let long = "9".repeat(100_000);
    for (args, says) in [
        (vec!["close", "1-100"], "ranges cannot be closed"),
        (
            vec!["open", "1-100", "--dry-run"],
            "ranges cannot be closed",
        ),
        (vec!["close", "80,,443"], "empty item"),
        (
            vec!["close", "telnte"],
            "neither a port nor a known service",
        ),
        (vec!["close", "80", "--timeout", "2x"], "500ms, 2s, 1m"),
        (
            vec!["close", "80", "--how", "frob"],
            "kill, service, firewall, connections",
        ),
        (vec!["close", &long], "longer than 1000"),
        (
            vec!["close", "80", "--timeout", "forever", "--lang", "zh"],
            "无效的时长",
        ),
    ] {
        let out = ns.pw(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(err.len() < 400, "{args:?}: {} bytes", err.len());
        assert!(out.stdout.is_empty());
    }
    // A runtime failure in Chinese says what did not happen (the journal in a directory
    // every user may write to is refused).
    let bin = assert_cmd::cargo::cargo_bin("portwarden");
    let out = ns
        .cmd(&[bin.to_str().unwrap(), "open", "7071", "--lang", "zh"])
        .env("PORTWARDEN_DB", "/tmp/pwt-refused.db")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.starts_with("portwarden: 重新打开未完成（没有做任何更改）："),
        "{err}"
    );
    assert!(!std::path::Path::new("/tmp/pwt-refused.db").exists());
    // Durations as everywhere: 2s, 500ms, 1m, bare seconds.
    for t in ["2s", "500ms", "1m", "3"] {
        let out = ns.pw(&[
            "close",
            "7999",
            "--how",
            "kill",
            "--timeout",
            t,
            "--dry-run",
        ]);
        assert_ne!(out.status.code(), Some(2), "{t}: {}", text(&out));
    }
    assert!(rules(&ns).is_empty());
}

#[test]
fn close_warns_when_the_port_is_held_by_a_pid_1_that_is_not_systemd() {
    portwarden_testkit::require!(why_skip());
    let ns = Ns::new();
    // python3 is PID 1 of a PID namespace of its own (as a container's init, or this
    // machine's agent on 2024), listens, and runs portwarden there.
    let bin = assert_cmd::cargo::cargo_bin("portwarden");
    let code = format!(
        "import socket,subprocess,sys\ns=socket.socket(); s.bind(('0.0.0.0',7075)); s.listen()\nfor extra in ([], ['--force']):\n r=subprocess.run([{bin:?},'close','7075','--dry-run']+extra,capture_output=True,text=True)\n print('rc',r.returncode); print(r.stdout); print(r.stderr)\n",
        bin = bin.to_str().unwrap()
    );
    let out = ns.sh(&[
        "unshare",
        "--pid",
        "--fork",
        "--mount-proc",
        "python3",
        "-c",
        &code,
    ]);
    let t = text(&out);
    let (first, forced) = t.split_once("rc 0").unwrap_or((&t, ""));
    assert!(first.starts_with("rc 1"), "{t}");
    assert!(
        first.contains("belongs to PID 1 (python3), which is not systemd"),
        "{t}"
    );
    assert!(
        !forced.contains("refused") && forced.contains("overridden by --force: WARNING"),
        "{t}"
    );
    assert!(rules(&ns).is_empty());
}
