//! Network-namespace plumbing: `ip` invocations, running code inside a namespace (setns on a
//! fresh thread), the per-process registry of live namespaces, signal-time cleanup and removal
//! of stale `pwsim-*` namespaces left behind by dead processes.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, Once, OnceLock};

use nix::sched::CloneFlags;

use crate::Error;

/// Prefix of every namespace this crate creates: `pwsim-<pid>-<n>-scan` / `pwsim-<pid>-<n>-tgt`.
pub const NS_PREFIX: &str = "pwsim-";

/// Directory where `ip netns` keeps its named namespaces.
const NETNS_DIR: &str = "/run/netns";

static LIVE: Mutex<Vec<String>> = Mutex::new(Vec::new());
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Runs `ip ARGS...`, returning its stdout or an error carrying its stderr.
pub(crate) fn ip(args: &[&str]) -> Result<String, Error> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| Error::io("running `ip`", e))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(Error::Ip {
            args: args.join(" "),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }
}

/// A fresh pair of namespace names unique within this process and across processes.
pub(crate) fn fresh_names() -> (String, String) {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let pid = std::process::id();
    (
        format!("{NS_PREFIX}{pid}-{n}-scan"),
        format!("{NS_PREFIX}{pid}-{n}-tgt"),
    )
}

fn lock_live() -> std::sync::MutexGuard<'static, Vec<String>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Creates a named namespace and records it for signal-time cleanup.
pub(crate) fn add(name: &str) -> Result<(), Error> {
    lock_live().push(name.to_string());
    if let Err(e) = ip(&["netns", "add", name]) {
        lock_live().retain(|n| n != name);
        return Err(e);
    }
    Ok(())
}

/// Deletes a named namespace (idempotent) and forgets it.
pub(crate) fn del(name: &str) -> Result<(), Error> {
    let r = if netns_path(name).exists() {
        ip(&["netns", "del", name]).map(|_| ())
    } else {
        Ok(())
    };
    lock_live().retain(|n| n != name);
    r
}

/// Path of a named namespace's handle.
pub(crate) fn netns_path(name: &str) -> PathBuf {
    Path::new(NETNS_DIR).join(name)
}

/// Runs `f` on a fresh thread that has joined the network namespace `name`. Sockets created
/// inside `f` stay in that namespace and can be returned and used from any thread.
pub(crate) fn in_netns<T: Send>(name: &str, f: impl FnOnce() -> T + Send) -> Result<T, Error> {
    let path = netns_path(name);
    let file = File::open(&path).map_err(|e| Error::io(format!("open {}", path.display()), e))?;
    std::thread::scope(|s| {
        s.spawn(move || {
            nix::sched::setns(&file, CloneFlags::CLONE_NEWNET)
                .map_err(|e| Error::io(format!("setns {name}"), e.into()))?;
            Ok(f())
        })
        .join()
        .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

/// Writes a sysctl inside namespace `ns` (net sysctls resolve against the writing thread's
/// namespace).
pub(crate) fn sysctl(ns: &str, key: &str, value: &str) -> Result<(), Error> {
    let path = format!("/proc/sys/{}", key.replace('.', "/"));
    in_netns(ns, || std::fs::write(&path, value))?
        .map_err(|e| Error::io(format!("sysctl {key}={value} in {ns}"), e))
}

/// Installs (once per process) a SIGINT/SIGTERM/SIGHUP handler thread that deletes every
/// namespace this process still owns and then exits with `128 + signal`.
pub(crate) fn install_signal_cleanup() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        let _ = std::thread::Builder::new()
            .name("netsim-signals".into())
            .spawn(move || {
                if let Some(sig) = signals.forever().next() {
                    let names: Vec<String> = lock_live().clone();
                    for n in &names {
                        let _ = ip(&["netns", "del", n]);
                    }
                    eprintln!(
                        "netsim: caught signal {sig}, removed {} namespace(s)",
                        names.len()
                    );
                    std::process::exit(128 + sig);
                }
            });
    });
}

/// Names of all `pwsim-*` namespaces on this machine.
pub fn list_pwsim() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(NETNS_DIR)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.starts_with(NS_PREFIX))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn owner_pid(name: &str) -> Option<u32> {
    name.strip_prefix(NS_PREFIX)?
        .split('-')
        .next()?
        .parse()
        .ok()
}

/// Removes `pwsim-*` namespaces whose owning process is gone (or all of them with `all`).
/// Returns the names removed; failures are reported per name.
pub fn cleanup(all: bool) -> Vec<Result<String, Error>> {
    let me = std::process::id();
    list_pwsim()
        .into_iter()
        .filter(|n| {
            all || match owner_pid(n) {
                Some(pid) => pid != me && !Path::new(&format!("/proc/{pid}")).exists(),
                None => true,
            }
        })
        .map(|n| ip(&["netns", "del", &n]).map(|_| n))
        .collect()
}

/// Checks (once per process) that namespaces and veth pairs can be created here.
pub(crate) fn available() -> Result<(), String> {
    static RESULT: OnceLock<Result<(), String>> = OnceLock::new();
    RESULT.get_or_init(probe).clone()
}

fn probe() -> Result<(), String> {
    if !nix::unistd::geteuid().is_root() {
        return Err("not root (creating network namespaces needs root)".into());
    }
    match Command::new("ip").arg("-V").output() {
        Ok(o) if o.status.success() => {}
        _ => return Err("`ip` (iproute2) not found or not working".into()),
    }
    if !Path::new("/proc/self/ns/net").exists() {
        return Err("kernel has no network namespace support".into());
    }
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = format!("{NS_PREFIX}{}-{n}-probe", std::process::id());
    add(&name).map_err(|e| format!("cannot create a network namespace: {e}"))?;
    let r = ip(&[
        "-n", &name, "link", "add", "pwp0", "type", "veth", "peer", "name", "pwp1",
    ])
    .map(|_| ())
    .map_err(|e| format!("cannot create a veth pair: {e}"));
    let d = del(&name).map_err(|e| format!("cannot delete a network namespace: {e}"));
    r.and(d)
}
