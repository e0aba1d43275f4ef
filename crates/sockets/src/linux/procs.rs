//! One pass over /proc: which process holds which socket inode, and who those processes
//! are. Processes that vanish mid-walk are skipped; fd tables we may not read are counted
//! so the caller can say once that running as root shows everything.

use crate::types::ProcessInfo;
use crate::ProcTable;
use nix::dir::Dir;
use nix::fcntl::OFlag;
use nix::sys::stat::Mode;
use std::collections::HashMap;
use std::os::fd::AsRawFd;
use std::path::Path;

fn pids(root: &Path) -> Vec<u32> {
    let Ok(rd) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    rd.flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|s| s.parse().ok()))
        .collect()
}

/// Inodes of the sockets in one process's fd table; `Err(())` when not permitted.
fn socket_inodes(root: &Path, pid: u32, out: &mut Vec<u64>) -> Result<(), bool> {
    let path = root.join(pid.to_string()).join("fd");
    let mut dir = match Dir::open(
        &path,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    ) {
        Ok(d) => d,
        Err(nix::errno::Errno::EACCES) | Err(nix::errno::Errno::EPERM) => return Err(true),
        Err(_) => return Err(false), // gone, or a kernel thread
    };
    let fd = dir.as_raw_fd();
    let names: Vec<std::ffi::CString> = dir
        .iter()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_bytes()
                .first()
                .is_some_and(u8::is_ascii_digit)
        })
        .map(|e| e.file_name().to_owned())
        .collect();
    for name in names {
        let Ok(target) = nix::fcntl::readlinkat(Some(fd), name.as_c_str()) else {
            continue;
        };
        let b = target.as_encoded_bytes();
        if let Some(rest) = b.strip_prefix(b"socket:[") {
            if let Some(num) = rest.strip_suffix(b"]") {
                if let Some(n) = std::str::from_utf8(num).ok().and_then(|s| s.parse().ok()) {
                    out.push(n);
                }
            }
        }
    }
    Ok(())
}

/// Unit and container (runtime and id: [`crate::container::from_cgroup`]) from
/// `/proc/PID/cgroup` text.
pub fn parse_cgroup(text: &str) -> (Option<String>, Option<crate::types::Container>) {
    let mut unit = None;
    let container = crate::container::from_cgroup(text);
    for line in text.lines() {
        let path = line.splitn(3, ':').nth(2).unwrap_or("");
        // The unit: the last *.service component, else the last *.scope (session, app).
        let comps: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
        if let Some(svc) = comps.iter().rev().find(|c| c.ends_with(".service")) {
            unit = Some((*svc).to_string());
        } else if unit.is_none() {
            if let Some(sc) = comps.iter().rev().find(|c| c.ends_with(".scope")) {
                unit = Some((*sc).to_string());
            }
        }
    }
    (unit, container)
}

fn process_info(root: &Path, pid: u32, users: &mut HashMap<u32, Option<String>>) -> ProcessInfo {
    let base = root.join(pid.to_string());
    let comm = std::fs::read(base.join("comm")).unwrap_or_default();
    let cmdline: Vec<String> = std::fs::read(base.join("cmdline"))
        .map(|b| {
            b.split(|&c| c == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect()
        })
        .unwrap_or_default();
    let exe = std::fs::read_link(base.join("exe"))
        .ok()
        .map(|p| p.to_string_lossy().into_owned());
    let name = process_name(&comm, exe.as_deref(), &cmdline);
    let uid = std::fs::read_to_string(base.join("status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|l| l.split_whitespace().next().and_then(|u| u.parse().ok()))
        });
    let user = uid.and_then(|u| {
        users
            .entry(u)
            .or_insert_with(|| {
                nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(u))
                    .ok()
                    .flatten()
                    .map(|u| u.name)
            })
            .clone()
    });
    let (unit, container) = std::fs::read_to_string(base.join("cgroup"))
        .map(|t| parse_cgroup(&t))
        .unwrap_or((None, None));
    ProcessInfo {
        pid,
        name,
        exe,
        cmdline,
        uid,
        user,
        unit,
        container,
    }
}

/// A process's name that is never empty: `comm` with invalid bytes escaped (`\xNN`; a
/// 15-byte `comm` can end inside a UTF-8 character, and a process may set any bytes),
/// else the executable's file name, else argv\[0\]'s, else `?`.
pub fn process_name(comm: &[u8], exe: Option<&str>, cmdline: &[String]) -> String {
    let comm = comm.strip_suffix(b"\n").unwrap_or(comm);
    let mut name = String::new();
    for chunk in comm.utf8_chunks() {
        name.push_str(chunk.valid());
        for b in chunk.invalid() {
            name.push_str(&format!("\\x{b:02x}"));
        }
    }
    if !name.trim().is_empty() {
        return name;
    }
    let base = |p: &str| {
        let p = p.strip_suffix(" (deleted)").unwrap_or(p);
        p.rsplit('/').next().unwrap_or(p).to_string()
    };
    exe.map(base)
        .filter(|n| !n.trim().is_empty())
        .or_else(|| {
            cmdline
                .first()
                .map(|a| base(a))
                .filter(|n| !n.trim().is_empty())
        })
        .unwrap_or_else(|| "?".to_string())
}

/// Walks `root` (normally `/proc`) with up to `threads` threads.
pub fn walk(root: &Path, threads: usize) -> ProcTable {
    let all = pids(root);
    let threads = threads.clamp(1, 16);
    let chunk = all.len().div_ceil(threads).max(1);
    let parts: Vec<(Vec<(u64, u32)>, usize)> = std::thread::scope(|s| {
        let handles: Vec<_> = all
            .chunks(chunk)
            .map(|pids| {
                s.spawn(move || {
                    let mut pairs = Vec::new();
                    let mut unreadable = 0;
                    let mut buf = Vec::new();
                    for &pid in pids {
                        buf.clear();
                        match socket_inodes(root, pid, &mut buf) {
                            Ok(()) => pairs.extend(buf.iter().map(|&i| (i, pid))),
                            Err(true) => unreadable += 1,
                            Err(false) => {}
                        }
                    }
                    (pairs, unreadable)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut table = ProcTable::default();
    let mut users = HashMap::new();
    for (pairs, unreadable) in parts {
        table.unreadable += unreadable;
        for (inode, pid) in pairs {
            let v = table.by_inode.entry(inode).or_default();
            if !v.contains(&pid) {
                v.push(pid);
            }
            table
                .processes
                .entry(pid)
                .or_insert_with(|| process_info(root, pid, &mut users));
        }
    }
    table
}

/// What the cache remembers of one process.
#[derive(Debug, Clone)]
struct Known {
    /// The fd directory's (size, mtime): the size is the number of open fds on Linux
    /// 6.2 and later; either changing means the table must be read again.
    stamp: (i64, i64, i64),
    inodes: Vec<u64>,
    unreadable: bool,
    info: Option<ProcessInfo>,
}

/// What one [`OwnerCache::refresh`] did, for benchmarks and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Processes seen.
    pub processes: usize,
    /// Of which fd tables were read again (new or changed).
    pub rewalked: usize,
    /// Whether a socket nobody was known to hold made it read every table.
    pub full: bool,
}

/// The owners of sockets across refreshes (`top`): a process's fd table is read again
/// only when the process is new or its fd directory changed (size, mtime), or when a
/// socket appears that no known fd maps (a process closed one socket and opened another);
/// every other tick costs one `stat` per process instead of a `readlink` per fd.
#[derive(Debug)]
pub struct OwnerCache {
    root: std::path::PathBuf,
    known: HashMap<u32, Known>,
    users: HashMap<u32, Option<String>>,
    /// Inodes a full walk could not place (hidden owners, orphans): they do not trigger
    /// another full walk.
    unplaced: std::collections::HashSet<u64>,
    /// What the last refresh did.
    pub stats: CacheStats,
}

fn fd_stamp(root: &Path, pid: u32) -> Option<(i64, i64, i64)> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(root.join(pid.to_string()).join("fd")).ok()?;
    Some((m.size() as i64, m.mtime(), m.mtime_nsec()))
}

impl OwnerCache {
    /// An empty cache over `root` (normally `/proc`).
    pub fn new(root: &Path) -> OwnerCache {
        OwnerCache {
            root: root.to_path_buf(),
            known: HashMap::new(),
            users: HashMap::new(),
            unplaced: std::collections::HashSet::new(),
            stats: CacheStats::default(),
        }
    }

    fn read(&mut self, pid: u32, stamp: (i64, i64, i64)) {
        let mut inodes = Vec::new();
        let (unreadable, ok) = match socket_inodes(&self.root, pid, &mut inodes) {
            Ok(()) => (false, true),
            Err(denied) => (denied, false),
        };
        if !ok && !unreadable {
            self.known.remove(&pid);
            return;
        }
        let keep_info = self
            .known
            .get(&pid)
            .and_then(|k| k.info.clone())
            .filter(|_| !inodes.is_empty());
        let info = if inodes.is_empty() {
            None
        } else {
            keep_info.or_else(|| Some(process_info(&self.root, pid, &mut self.users)))
        };
        self.known.insert(
            pid,
            Known {
                stamp,
                inodes,
                unreadable,
                info,
            },
        );
    }

    /// The owner table for sockets with these inodes, reading again only what changed.
    pub fn refresh(&mut self, inodes: &[u64]) -> ProcTable {
        let all = pids(&self.root);
        let alive: std::collections::HashSet<u32> = all.iter().copied().collect();
        self.known.retain(|pid, _| alive.contains(pid));
        let mut stats = CacheStats {
            processes: all.len(),
            ..Default::default()
        };
        for &pid in &all {
            let Some(stamp) = fd_stamp(&self.root, pid) else {
                if let Some(k) = self.known.get_mut(&pid) {
                    // Not permitted to stat (or gone): keep what was known.
                    k.unreadable = true;
                }
                continue;
            };
            if self.known.get(&pid).is_some_and(|k| k.stamp == stamp) {
                continue;
            }
            // A process whose info we already have and whose table changed keeps it only
            // if it is the same process: a reused pid has a new stamp and new info.
            if self.known.get(&pid).is_some_and(|k| k.stamp.1 != stamp.1) {
                self.known.remove(&pid);
            }
            self.read(pid, stamp);
            stats.rewalked += 1;
        }
        let mut held: std::collections::HashSet<u64> = std::collections::HashSet::new();
        for k in self.known.values() {
            held.extend(k.inodes.iter().copied());
        }
        let missing: Vec<u64> = inodes
            .iter()
            .copied()
            .filter(|i| *i != 0 && !held.contains(i) && !self.unplaced.contains(i))
            .collect();
        if !missing.is_empty() {
            stats.full = true;
            for &pid in &all {
                if let Some(stamp) = fd_stamp(&self.root, pid) {
                    self.read(pid, stamp);
                    stats.rewalked += 1;
                }
            }
            let mut held = std::collections::HashSet::new();
            for k in self.known.values() {
                held.extend(k.inodes.iter().copied());
            }
            self.unplaced = missing.into_iter().filter(|i| !held.contains(i)).collect();
        }
        self.stats = stats;
        self.table()
    }

    fn table(&self) -> ProcTable {
        let mut t = ProcTable::default();
        let mut pids: Vec<&u32> = self.known.keys().collect();
        pids.sort();
        for pid in pids {
            let Some(k) = self.known.get(pid) else {
                continue;
            };
            if k.unreadable {
                t.unreadable += 1;
            }
            for &i in &k.inodes {
                let v = t.by_inode.entry(i).or_default();
                if !v.contains(pid) {
                    v.push(*pid);
                }
            }
            if let Some(info) = &k.info {
                t.processes.insert(*pid, info.clone());
            }
        }
        t
    }
}

#[cfg(test)]
mod cache_tests {
    use super::*;
    use std::os::unix::io::AsRawFd;

    fn inode_of(fd: i32) -> u64 {
        let target = std::fs::read_link(format!("/proc/self/fd/{fd}")).expect("link");
        let s = target.to_string_lossy().into_owned();
        s.trim_start_matches("socket:[")
            .trim_end_matches(']')
            .parse()
            .expect("socket inode")
    }

    #[test]
    fn finds_new_sockets_and_rereads_only_what_changed() {
        let me = std::process::id();
        let mut c = OwnerCache::new(Path::new("/proc"));
        let a = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let ia = inode_of(a.as_raw_fd());
        let t = c.refresh(&[ia]);
        assert_eq!(t.by_inode.get(&ia), Some(&vec![me]));
        assert!(t.processes.contains_key(&me));
        // Nothing changed here: our table is not read again, nor all of them.
        let _ = c.refresh(&[ia]);
        assert!(!c.stats.full);
        assert!(c.stats.rewalked < c.stats.processes);
        // A new socket changes our fd count: found without a full walk.
        let b = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let ib = inode_of(b.as_raw_fd());
        let t = c.refresh(&[ia, ib]);
        assert_eq!(t.by_inode.get(&ib), Some(&vec![me]));
        // Close one and open another: same count, a new inode; still found.
        drop(b);
        let d = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let id = inode_of(d.as_raw_fd());
        let t = c.refresh(&[ia, id]);
        assert_eq!(t.by_inode.get(&id), Some(&vec![me]));
        assert!(t.by_inode.get(&ib).is_none_or(|p| !p.contains(&me)));
        drop((a, d));
    }
}

#[cfg(test)]
mod name_tests {
    use super::process_name;

    #[test]
    fn names_are_never_empty_and_escape_bad_bytes() {
        // "xxxxxxxxxxxxx" + the first byte of "é": comm cut inside a character.
        let cut = b"xxxxxxxxxxxxx\xc3\n";
        assert_eq!(process_name(cut, None, &[]), "xxxxxxxxxxxxx\\xc3");
        assert_eq!(process_name(b"\n", Some("/usr/sbin/sshd"), &[]), "sshd");
        assert_eq!(process_name(b"  ", Some("/tmp/x (deleted)"), &[]), "x");
        assert_eq!(process_name(b"", None, &["/bin/nc".into()]), "nc");
        assert_eq!(process_name(b"", None, &[]), "?");
        assert_eq!(
            process_name("redis-server\n".as_bytes(), None, &[]),
            "redis-server"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cgroup_units_and_containers() {
        let (u, c) = parse_cgroup("0::/system.slice/ssh.service\n");
        assert_eq!(u.as_deref(), Some("ssh.service"));
        assert_eq!(c, None);
        let id = "a".repeat(64);
        let (u, c) = parse_cgroup(&format!("0::/system.slice/docker-{id}.scope\n"));
        assert_eq!(u.as_deref(), Some(format!("docker-{id}.scope").as_str()));
        assert_eq!(c.as_ref().map(|c| c.short_id()), Some("aaaaaaaaaaaa"));
        let (u, _) = parse_cgroup("0::/user.slice/user-1000.slice/session-3.scope\n");
        assert_eq!(u.as_deref(), Some("session-3.scope"));
        assert_eq!(parse_cgroup("garbage"), (None, None));
    }

    #[test]
    fn finds_our_own_socket() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let t = walk(Path::new("/proc"), 2);
        let me = std::process::id();
        assert!(t.processes.contains_key(&me));
        assert!(t.by_inode.values().any(|p| p.contains(&me)));
        drop(l);
    }
}
