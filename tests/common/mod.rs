//! Helpers shared by the end-to-end tests that run inside a network namespace they create
//! (`control.rs`, `raw_cli.rs`): the namespace, removed with every process started in it
//! when dropped (also when a test panics), and the reason a test skips.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static N: AtomicUsize = AtomicUsize::new(0);

/// Why a namespace test cannot run here (not root, or one of `tools` missing), if so.
/// Hand it to `portwarden_testkit::require!`, which skips with the reason, or fails
/// under `CI=true`.
pub fn why_skip(tools: &[&str]) -> Option<String> {
    portwarden_testkit::needs_root_and(tools)
}

/// A network namespace that is deleted, with every process started in it, on drop
/// (also when the test panics).
pub struct Ns {
    pub name: String,
    kids: Vec<Child>,
    /// The journal the binary uses (`PORTWARDEN_DB`), in a private directory removed on
    /// drop.
    pub db: std::path::PathBuf,
}

impl Ns {
    pub fn new() -> Ns {
        let name = format!(
            "pwt-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let ok = Command::new("ip")
            .args(["netns", "add", &name])
            .status()
            .unwrap()
            .success();
        assert!(ok, "ip netns add {name}");
        // The journal in a private directory of its own: portwarden refuses one in a
        // directory every user may write to, such as /tmp itself.
        let dir = std::env::temp_dir().join(format!("{name}.d"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .unwrap();
        let ns = Ns {
            db: dir.join("portwarden.db"),
            name,
            kids: Vec::new(),
        };
        assert!(ns.sh(&["ip", "link", "set", "lo", "up"]).status.success());
        ns
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name]).args(args);
        c.env("PORTWARDEN_DB", &self.db)
            .env("NO_COLOR", "1")
            .env("LANG", "C")
            .env_remove("SSH_CONNECTION");
        c
    }

    pub fn sh(&self, args: &[&str]) -> std::process::Output {
        self.cmd(args).output().unwrap()
    }

    pub fn pw(&self, args: &[&str]) -> std::process::Output {
        let bin = assert_cmd::cargo::cargo_bin("portwarden");
        let mut all = vec![bin.to_str().unwrap()];
        all.extend_from_slice(args);
        self.cmd(&all).stdin(Stdio::null()).output().unwrap()
    }

    /// Starts a python3 program in the namespace; returns once it printed "ready".
    pub fn spawn_py(&mut self, code: &str) -> u32 {
        use std::io::BufRead;
        let mut c = self
            .cmd(&["python3", "-u", "-c", code])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let out = c.stdout.take().unwrap();
        let mut line = String::new();
        std::io::BufReader::new(out).read_line(&mut line).unwrap();
        assert!(line.starts_with("ready"), "{line}");
        let pid = c.id();
        self.kids.push(c);
        pid
    }

    pub fn connects(&self, port: u16) -> bool {
        let code = format!(
            "import socket,sys\ntry:\n socket.create_connection(('127.0.0.1',{port}),timeout=1)\nexcept Exception:\n sys.exit(1)"
        );
        self.sh(&["python3", "-c", &code]).status.success()
    }

    pub fn listening(&self, port: u16) -> bool {
        let out = self.pw(&["ls", "--json", "-l", "--port", &port.to_string()]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        !v.as_array().unwrap().is_empty()
    }
}

impl Drop for Ns {
    fn drop(&mut self) {
        for k in &mut self.kids {
            let _ = k.kill();
            let _ = k.wait();
        }
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
        if let Some(dir) = self.db.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The namespace with its daemons: on drop every process in the namespace is killed
/// (the daemons and anything they forked), then the namespace is deleted.
pub struct Lab {
    kids: Vec<Child>,
    /// Where config files and logs go (removed on drop).
    pub dir: PathBuf,
    /// The namespace.
    pub ns: Ns,
}

impl Lab {
    pub fn new() -> Lab {
        let ns = Ns::new();
        let dir = std::env::temp_dir().join(format!("{}-lab", ns.name));
        std::fs::create_dir_all(&dir).unwrap();
        // Daemons that drop privileges (vsftpd's anonymous session as nobody) must reach it.
        std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        Lab {
            kids: Vec::new(),
            dir,
            ns,
        }
    }

    pub fn file(&self, name: &str, text: &str) -> String {
        let p = self.dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    }

    /// Starts `args` in its own session inside the namespace, output to a log file.
    pub fn start(&mut self, log: &str, args: &[&str]) {
        let out = std::fs::File::create(self.dir.join(log)).unwrap();
        let mut all = vec!["setsid"];
        all.extend_from_slice(args);
        let child = self
            .ns
            .cmd(&all)
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap();
        self.kids.push(child);
    }

    /// Waits until every (transport, port) listens in the namespace.
    pub fn wait_for(&self, doors: &[(&str, u64)]) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let out = self.ns.pw(&["ls", "--json", "-l", "--no-firewall"]);
            let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
            let missing: Vec<_> = doors
                .iter()
                .filter(|(proto, port)| {
                    !rows
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|r| r["proto"] == *proto && r["local_port"] == *port)
                })
                .collect();
            if missing.is_empty() {
                return;
            }
            if Instant::now() > deadline {
                let logs: Vec<String> = std::fs::read_dir(&self.dir)
                    .unwrap()
                    .filter_map(|e| {
                        let p = e.ok()?.path();
                        p.extension().is_some_and(|x| x == "log").then(|| {
                            format!(
                                "{}: {}",
                                p.display(),
                                std::fs::read_to_string(&p).unwrap_or_default()
                            )
                        })
                    })
                    .collect();
                panic!("not listening: {missing:?}\n{}", logs.join("\n"));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for k in &mut self.kids {
            let _ = k.kill();
            let _ = k.wait();
        }
        // Whatever is still in the namespace was started by this test (daemons' children).
        if let Ok(out) = Command::new("ip")
            .args(["netns", "pids", &self.ns.name])
            .output()
        {
            let pids = String::from_utf8_lossy(&out.stdout);
            let pids: Vec<&str> = pids
                .split_whitespace()
                .filter(|p| p.parse::<u32>().is_ok())
                .collect();
            if !pids.is_empty() {
                let _ = Command::new("kill").arg("-9").args(&pids).status();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
