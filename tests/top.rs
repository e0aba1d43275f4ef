//! End to end: the real `portwarden top` in a tmux pane, inside a network namespace the
//! test creates, with a second namespace as the outside client (a veth pair on
//! 198.18.0.0/24). A new listener appears marked new (green) within two seconds; `/`
//! filters to it; `c` and `y` close it through the dialog (the rule is in that namespace's
//! `inet portwarden`, and the client cannot connect); `O` undoes it (the client can);
//! `q` leaves with the alternate screen left and the cursor shown.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

/// A second namespace, joined to the first by a veth pair; deleted on drop.
struct Peer {
    name: String,
}

impl Peer {
    fn new(ns: &common::Ns) -> Peer {
        let name = format!("{}-b", ns.name);
        let run = |args: &[&str]| {
            let ok = Command::new("ip").args(args).status().unwrap().success();
            assert!(ok, "ip {args:?}");
        };
        run(&["netns", "add", &name]);
        let peer = Peer { name };
        run(&[
            "-n", &ns.name, "link", "add", "pwv0", "type", "veth", "peer", "name", "pwv1", "netns",
            &peer.name,
        ]);
        run(&[
            "-n",
            &ns.name,
            "addr",
            "add",
            "198.18.0.1/24",
            "dev",
            "pwv0",
        ]);
        run(&["-n", &ns.name, "link", "set", "pwv0", "up"]);
        run(&[
            "-n",
            &peer.name,
            "addr",
            "add",
            "198.18.0.2/24",
            "dev",
            "pwv1",
        ]);
        run(&["-n", &peer.name, "link", "set", "pwv1", "up"]);
        run(&["-n", &peer.name, "link", "set", "lo", "up"]);
        peer
    }

    /// Whether a TCP connection from here to 198.18.0.1:`port` succeeds.
    fn connects(&self, port: u16) -> bool {
        let code = format!(
            "import socket,sys\ntry:\n socket.create_connection(('198.18.0.1',{port}),timeout=1)\nexcept Exception:\n sys.exit(1)"
        );
        Command::new("ip")
            .args(["netns", "exec", &self.name, "python3", "-c", &code])
            .status()
            .unwrap()
            .success()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

/// A tmux server of our own (its own socket), killed on drop.
struct Tmux {
    sock: String,
}

impl Tmux {
    fn new(ns: &common::Ns) -> Tmux {
        let t = Tmux {
            sock: format!("{}-tmux", ns.name),
        };
        assert!(t
            .cmd(&[
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "top",
                "-x",
                "120",
                "-y",
                "30"
            ])
            .status()
            .unwrap()
            .success());
        t.run(&["set-option", "-t", "top", "remain-on-exit", "on"]);
        let bin = assert_cmd::cargo::cargo_bin("portwarden");
        // After top ends the shell stays a while, so the pane is alive to be asked whether
        // the terminal was given back (a dead pane reports no cursor).
        let line = format!(
            "env -u NO_COLOR -u SSH_CONNECTION PORTWARDEN_DB={} LANG=C TERM=xterm-256color ip netns exec {} {} top --lang en; echo EXITED $?; sleep 60",
            ns.db.display(),
            ns.name,
            bin.display()
        );
        t.run(&["respawn-pane", "-k", "-t", "top", &line]);
        t
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.sock]).args(args);
        c
    }

    fn run(&self, args: &[&str]) -> String {
        let out = self.cmd(args).output().unwrap();
        assert!(out.status.success(), "tmux {args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.run(&["send-keys", "-t", "top", k]);
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// The pane with its colours (SGR sequences).
    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-e", "-t", "top"])
    }

    /// Waits up to `secs` for the screen to satisfy `ok`; returns it.
    fn wait(&self, secs: f64, ok: impl Fn(&str) -> bool) -> Option<String> {
        let end = Instant::now() + Duration::from_secs_f64(secs);
        loop {
            let s = self.screen();
            if ok(&s) {
                return Some(s);
            }
            if Instant::now() > end {
                return None;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]).status();
    }
}

/// Whether a line of the coloured screen that shows `needle` is green and marked new.
fn green_new(screen: &str, needle: &str) -> bool {
    screen.lines().any(|l| {
        l.contains(needle)
            && (l.contains("\x1b[32m") || l.contains("38;5;2m") || l.contains(";32m"))
            && strip(l).starts_with('+')
    })
}

/// The text of a line without its SGR sequences.
fn strip(s: &str) -> String {
    let mut out = String::new();
    let mut esc = false;
    for c in s.chars() {
        match (esc, c) {
            (false, '\x1b') => esc = true,
            (true, 'm') => esc = false,
            (true, _) => {}
            (false, c) => out.push(c),
        }
    }
    out
}

fn listener(port: u16) -> String {
    format!(
        "import socket,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(('0.0.0.0',{port}))\ns.listen()\nprint('ready',flush=True)\nwhile True:\n c,_=s.accept()\n c.close()"
    )
}

fn nft_has_rule(ns: &common::Ns, port: u16) -> bool {
    let out = ns.sh(&["nft", "list", "table", "inet", "portwarden"]);
    String::from_utf8_lossy(&out.stdout).contains(&format!("dport {port} "))
}

#[test]
fn top_shows_filters_closes_and_reopens_a_listener() {
    portwarden_testkit::require!(common::why_skip(&["ip", "nft", "tmux", "python3"]));
    let mut ns = common::Ns::new();
    let peer = Peer::new(&ns);
    // A neighbour that must stay open, and be filtered out.
    ns.spawn_py(&listener(7778));
    let tmux = Tmux::new(&ns);
    tmux.wait(10.0, |s| s.contains("7778"))
        .unwrap_or_else(|| panic!("top did not start:\n{}", tmux.screen()));

    // A new listener appears, green and marked new, within two seconds.
    ns.spawn_py(&listener(7777));
    let started = Instant::now();
    let s = tmux.wait(2.0, |s| green_new(s, ":7777"));
    assert!(
        s.is_some(),
        "7777 not shown as new within 2 s ({:?}):\n{}",
        started.elapsed(),
        tmux.screen()
    );

    // Filter to it.
    tmux.keys(&["/", "7777", "Enter"]);
    let s = tmux
        .wait(3.0, |s| s.contains("/7777") && !strip(s).contains(":7778"))
        .unwrap_or_else(|| panic!("filter did not apply:\n{}", tmux.screen()));
    assert!(strip(&s).contains("0.0.0.0:7777"), "{s}");

    // Close it through the dialog.
    assert!(
        peer.connects(7777),
        "the client cannot connect before the close"
    );
    tmux.keys(&["c"]);
    tmux.wait(3.0, |s| {
        s.contains("Close this port") && s.contains("y: do it")
    })
    .unwrap_or_else(|| panic!("no close dialog:\n{}", tmux.screen()));
    tmux.keys(&["y"]);
    tmux.wait(10.0, |s| s.contains("Done (journal action #"))
        .unwrap_or_else(|| panic!("no outcome:\n{}", tmux.screen()));
    assert!(nft_has_rule(&ns, 7777), "no rule in inet portwarden");
    assert!(
        !peer.connects(7777),
        "the client still connects after the close"
    );
    assert!(peer.connects(7778), "the neighbour was closed too");

    // Undo from the same screen.
    tmux.keys(&["Escape", "O"]);
    tmux.wait(10.0, |s| s.contains("Undo on 7777/tcp"))
        .unwrap_or_else(|| panic!("no undo outcome:\n{}", tmux.screen()));
    assert!(!nft_has_rule(&ns, 7777), "the rule is still there");
    assert!(
        peer.connects(7777),
        "the client cannot connect after the undo"
    );

    // q leaves, and the terminal is restored.
    tmux.keys(&["Escape", "q"]);
    let s = tmux
        .wait(5.0, |s| s.contains("EXITED"))
        .unwrap_or_else(|| panic!("top did not end:\n{}", tmux.screen()));
    assert!(s.contains("EXITED 0"), "{s}");
    let state = tmux.run(&[
        "display-message",
        "-p",
        "-t",
        "top",
        "#{alternate_on} #{cursor_flag}",
    ]);
    assert_eq!(state.trim(), "0 1", "alternate screen left, cursor shown");
    drop(tmux);
    drop(peer);
}

#[test]
fn top_drops_one_connection_through_the_dialog() {
    portwarden_testkit::require!(common::why_skip(&["ip", "ss", "tmux", "python3"]));
    let mut ns = common::Ns::new();
    let peer = Peer::new(&ns);
    // A server that keeps every connection it accepts.
    ns.spawn_py(
        "import socket,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(('0.0.0.0',7780))\ns.listen()\nprint('ready',flush=True)\nkeep=[]\nwhile True:\n c,_=s.accept()\n keep.append(c)",
    );
    // A client in the other namespace that holds its connection open.
    let mut client = Command::new("ip")
        .args([
            "netns",
            "exec",
            &peer.name,
            "python3",
            "-c",
            "import socket,time\nc=socket.create_connection(('198.18.0.1',7780))\ntime.sleep(60)",
        ])
        .spawn()
        .unwrap();
    let established = || {
        let out = ns.sh(&["ss", "-tnH", "state", "established", "( sport = :7780 )"]);
        String::from_utf8_lossy(&out.stdout).lines().count()
    };
    let end = Instant::now() + Duration::from_secs(5);
    while established() == 0 && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(established(), 1);
    let tmux = Tmux::new(&ns);
    tmux.wait(10.0, |s| s.contains("198.18.0.2"))
        .unwrap_or_else(|| panic!("no connection shown:\n{}", tmux.screen()));
    tmux.keys(&["/", "198.18.0.2", "Enter"]);
    tmux.wait(3.0, |s| {
        s.contains("/198.18.0.2") && !strip(s).contains("0.0.0.0:7780")
    })
    .unwrap_or_else(|| panic!("filter did not apply:\n{}", tmux.screen()));
    tmux.keys(&["x"]);
    tmux.wait(3.0, |s| {
        s.contains("Drop this connection") && s.contains("y: do it")
    })
    .unwrap_or_else(|| panic!("no drop dialog:\n{}", tmux.screen()));
    tmux.keys(&["y"]);
    tmux.wait(10.0, |s| s.contains("Done (journal action #"))
        .unwrap_or_else(|| panic!("no outcome:\n{}", tmux.screen()));
    assert_eq!(established(), 0, "the connection is still there");
    // The listener stays.
    assert!(peer.connects(7780));
    tmux.keys(&["Escape", "q"]);
    tmux.wait(5.0, |s| s.contains("EXITED 0"))
        .unwrap_or_else(|| panic!("top did not end:\n{}", tmux.screen()));
    let _ = client.kill();
    let _ = client.wait();
}

#[test]
fn top_without_a_terminal_says_so_in_one_line() {
    let out = assert_cmd::Command::cargo_bin("portwarden")
        .unwrap()
        .args(["top", "--lang", "en"])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("top needs a terminal"), "{err}");
}

#[test]
fn top_rejects_a_bad_interval() {
    let out = assert_cmd::Command::cargo_bin("portwarden")
        .unwrap()
        .args(["top", "--interval", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
}
