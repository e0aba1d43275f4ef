//! The real [`System`] on Linux: through it, Linux's four capabilities ([`crate::native`]).

use crate::System;
use portwarden_sockets::{RawSocket, Request, Transport};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Linux: signals via kill(2), `systemctl`, `nft`, sock_diag.
#[derive(Debug, Default, Clone)]
pub struct Linux;

/// Whether systemd runs as PID 1 (`/proc/1/comm`).
pub fn systemd_is_init() -> bool {
    std::fs::read_to_string("/proc/1/comm").is_ok_and(|c| c.trim() == "systemd")
}

/// Whether `nft` can be run.
pub fn nft_available() -> bool {
    Command::new("nft")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn run(cmd: &str, args: &[&str], stdin: Option<&str>) -> Result<String, String> {
    let mut c = Command::new(cmd);
    c.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().map_err(|e| format!("cannot run {cmd}: {e}"))?;
    if let (Some(text), Some(mut w)) = (stdin, child.stdin.take()) {
        w.write_all(text.as_bytes())
            .map_err(|e| format!("{cmd}: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("{cmd}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        let line = err
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("failed")
            .trim();
        let hint = if line.contains("Operation not permitted") {
            " (needs CAP_NET_ADMIN: run as root)"
        } else {
            ""
        };
        Err(format!("{line}{hint}"))
    }
}

impl System for Linux {
    fn signal(&self, pid: u32, kill: bool) -> std::io::Result<()> {
        let pid = i32::try_from(pid).map_err(|_| std::io::Error::other("pid out of range"))?;
        let sig = if kill {
            nix::sys::signal::Signal::SIGKILL
        } else {
            nix::sys::signal::Signal::SIGTERM
        };
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), sig).map_err(std::io::Error::from)
    }

    fn alive(&self, pid: u32) -> bool {
        // A zombie (state Z) has let go of its sockets already.
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(s) => s
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .is_some_and(|st| st != "Z" && st != "X"),
            Err(_) => false,
        }
    }

    fn listening(&self, port: u16, t: Transport) -> bool {
        let req = Request {
            transports: vec![t],
            processes: false,
            ..Request::default()
        };
        let backend = portwarden_sockets::linux::Linux::default();
        portwarden_sockets::collect(&backend, &req)
            .map(|inv| {
                inv.sockets
                    .iter()
                    .any(|e| e.socket.is_listening() && e.socket.local.port() == port)
            })
            .unwrap_or(false)
    }

    fn systemctl(&self, args: &[&str]) -> Result<String, String> {
        run("systemctl", args, None)
    }

    fn nft_apply(&self, json: &str) -> Result<(), String> {
        run("nft", &["-j", "-f", "-"], Some(json)).map(|_| ())
    }

    fn nft_list(&self) -> Result<Option<String>, String> {
        // Whether the table exists is asked first, so that "no such table" is never
        // confused with an nft that failed.
        let tables = run("nft", &["-j", "list", "tables", "inet"], None)?;
        let v: serde_json::Value = serde_json::from_str(&tables)
            .map_err(|e| format!("nft printed something unexpected: {e}"))?;
        let exists = v["nftables"]
            .as_array()
            .ok_or("nft printed something unexpected: no \"nftables\" list")?
            .iter()
            .filter_map(|i| i.get("table"))
            .any(|t| t["family"] == "inet" && t["name"] == "portwarden");
        if !exists {
            return Ok(None);
        }
        run("nft", &["-j", "list", "table", "inet", "portwarden"], None).map(Some)
    }

    fn nft_check(&self, path: &str) -> Result<(), String> {
        run("nft", &["-c", "-f", path], None).map(|_| ())
    }

    fn destroy(&self, s: &RawSocket) -> std::io::Result<()> {
        crate::destroy::destroy(s)
    }

    fn write_file(&self, path: &str, contents: &str) -> std::io::Result<()> {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
        if let Some(dir) = std::path::Path::new(path).parent() {
            if !dir.as_os_str().is_empty() && !dir.exists() {
                // 0755 whatever the umask: a boot-time rules directory others could
                // write to would let them swap the rules.
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o755)
                    .create(dir)?;
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))?;
            }
        }
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o644)
            .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_CLOEXEC)
            .open(path)?;
        f.set_permissions(std::fs::Permissions::from_mode(0o644))?;
        f.write_all(contents.as_bytes())?;
        f.sync_all()
    }

    fn rename(&self, from: &str, to: &str) -> std::io::Result<()> {
        // The replacement keeps the mode of the file it replaces (Debian's
        // /etc/nftables.conf is executable).
        if let Ok(md) = std::fs::metadata(to) {
            std::fs::set_permissions(from, md.permissions())?;
        }
        std::fs::rename(from, to)
    }

    fn remove_file(&self, path: &str) {
        let _ = std::fs::remove_file(path);
    }

    fn resolve(&self, path: &str) -> String {
        std::fs::canonicalize(path)
            .ok()
            .and_then(|p| p.to_str().map(str::to_string))
            .unwrap_or_else(|| path.to_string())
    }

    fn read_file(&self, path: &str) -> Option<String> {
        std::fs::read_to_string(path).ok()
    }

    fn sleep(&self, d: Duration) {
        std::thread::sleep(d);
    }

    fn now(&self) -> String {
        crate::utc_now()
    }

    fn process_start(&self, pid: u32) -> Option<u64> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // Field 22 (starttime); the fields after the command name start at field 3.
        stat.rsplit_once(')')?
            .1
            .split_whitespace()
            .nth(19)?
            .parse()
            .ok()
    }

    fn pid(&self) -> u32 {
        std::process::id()
    }

    fn nft_available(&self) -> bool {
        nft_available()
    }

    fn systemd(&self) -> bool {
        systemd_is_init()
    }

    fn whoami(&self) -> (String, u32) {
        let uid = nix::unistd::getuid();
        let name = nix::unistd::User::from_uid(uid)
            .ok()
            .flatten()
            .map_or_else(|| uid.to_string(), |u| u.name);
        (name, uid.as_raw())
    }
}
