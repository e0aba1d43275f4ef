//! The Linux backend: sock_diag netlink (falling back to /proc/net) and a /proc walk,
//! joined by socket inode (the join is this backend's business: the portable
//! [`Backend`] hands out sockets with their owners).

pub mod netlink;
pub mod procnet;
pub mod procs;

use crate::types::{RawSocket, Source, Transport};
use crate::{Backend, Listing, ProcTable, Request};
use std::path::PathBuf;

/// What the Linux-only parts can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The netlink socket dump failed.
    #[error("netlink sock_diag: {0}")]
    Netlink(String),
    /// Entering another network namespace failed.
    #[error("network namespace: {0}")]
    Netns(String),
}

/// `/proc/sys/net/ipv4/ip_local_port_range`, if readable.
pub fn ephemeral_range() -> Option<portwarden_kb::EphemeralRange> {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| portwarden_kb::EphemeralRange::parse(&s))
}

/// Reads sockets and processes from this Linux kernel.
#[derive(Debug, Clone)]
pub struct Linux {
    /// Where procfs is mounted (normally `/proc`).
    pub proc_root: PathBuf,
    /// Threads for the /proc walk.
    pub threads: usize,
    /// Skip netlink and read /proc/net (for tests and locked-down sandboxes).
    pub force_procfs: bool,
    /// Where the container runtimes' files are read (normally `/`).
    pub files_root: PathBuf,
}

impl Default for Linux {
    fn default() -> Self {
        Linux {
            proc_root: PathBuf::from("/proc"),
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            force_procfs: false,
            files_root: PathBuf::from("/"),
        }
    }
}

impl Backend for Linux {
    fn user_name(&self, uid: u32) -> Option<String> {
        nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
            .ok()
            .flatten()
            .map(|u| u.name)
    }

    fn list(&self, req: &Request) -> Result<Listing, crate::Error> {
        let (raw, source) = self.sockets(req);
        let procs = req.processes.then(|| self.processes());
        Ok(crate::join_inodes(raw, source, procs))
    }
}

impl Linux {
    /// The sockets alone (no owners), and where they came from.
    pub fn sockets(&self, req: &Request) -> (Vec<RawSocket>, Source) {
        let transports: Vec<Transport> = req.transports.clone();
        if !self.force_procfs {
            // When netlink is refused (a sandbox, an old kernel), /proc/net below gives
            // the same sockets.
            if let Ok(s) = netlink::dump(&transports, req.v4, req.v6) {
                return (s, Source::Netlink);
            }
        }
        let s = procnet::read(&self.proc_root.join("net"), &transports, req.v4, req.v6);
        (s, Source::ProcNet)
    }

    /// The owners of socket inodes (one `/proc` walk), with their containers described.
    pub fn processes(&self) -> ProcTable {
        let mut t = procs::walk(&self.proc_root, self.threads);
        // Image and name of each container, once per container.
        let files = crate::container::Root(self.files_root.clone());
        crate::container::describe_all(&files, t.processes.values_mut());
        t
    }

    /// Switches this process into another network namespace (a name in `/run/netns` or
    /// a pid).
    pub fn enter_netns(&self, target: &str) -> Result<(), Error> {
        let path = if target.bytes().all(|b| b.is_ascii_digit()) && !target.is_empty() {
            self.proc_root.join(target).join("ns/net")
        } else {
            if target.contains('/') || target.is_empty() || target.starts_with('.') {
                return Err(Error::Netns(format!(
                    "{target:?} is not a namespace name or pid"
                )));
            }
            PathBuf::from("/run/netns").join(target)
        };
        let f = std::fs::File::open(&path)
            .map_err(|e| Error::Netns(format!("{}: {e}", path.display())))?;
        nix::sched::setns(f, nix::sched::CloneFlags::CLONE_NEWNET).map_err(|e| {
            Error::Netns(format!(
                "cannot enter {}: {e} (needs CAP_SYS_ADMIN: run as root)",
                path.display()
            ))
        })
    }
}
