//! The Linux backend: sock_diag netlink (falling back to /proc/net) and a /proc walk.

pub mod netlink;
pub mod procnet;
pub mod procs;

use crate::types::{RawSocket, Source, Transport};
use crate::{Backend, Error, ProcTable, Request};
use std::path::PathBuf;

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

    fn sockets(&self, req: &Request) -> Result<(Vec<RawSocket>, Source), Error> {
        let transports: Vec<Transport> = req.transports.clone();
        if !self.force_procfs {
            // When netlink is refused (a sandbox, an old kernel), /proc/net below gives
            // the same sockets.
            if let Ok(s) = netlink::dump(&transports, req.v4, req.v6) {
                return Ok((s, Source::Netlink));
            }
        }
        let s = procnet::read(&self.proc_root.join("net"), &transports, req.v4, req.v6);
        Ok((s, Source::ProcNet))
    }

    fn processes(&self) -> ProcTable {
        let mut t = procs::walk(&self.proc_root, self.threads);
        // Image and name of each container, once per container.
        let files = crate::container::Root(self.files_root.clone());
        crate::container::describe_all(&files, t.processes.values_mut());
        t
    }

    fn enter_netns(&self, target: &str) -> Result<(), Error> {
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
