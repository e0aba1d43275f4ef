//! The Windows backend: what `netstat -ano`, fport and mport showed, in one call each.
//!
//! `GetExtendedTcpTable`/`GetExtendedUdpTable` (IPv4 and IPv6, `*_OWNER_PID`) give every
//! socket with the pid that owns it, so there is no join to make; the bytes are read by
//! [`crate::iphelper`] (safe, tested everywhere). Each owning pid gets its name from one
//! Toolhelp snapshot, its image path (`QueryFullProcessImageNameW`) and user
//! (`DOMAIN\user` from its token) when Windows lets us open it, and the **services it
//! hosts** from the Service Control Manager (`EnumServicesStatusExW` with process ids):
//! the `svchost.exe -k netsvcs` that holds port 135 is named `RpcEptMapper, RpcSs`,
//! kept in [`ProcessInfo::unit`]. Pid 0 is the System Idle Process, which Windows names
//! for TIME-WAIT sockets (no owner) and Wine for every socket (owner unknown): it is never
//! shown as an owner. A process Windows will not open (another user's, without
//! administrator rights) keeps its name and is counted as not inspected.
//!
//! Every `unsafe` block is one FFI call (or a handle's close) with its SAFETY comment;
//! buffers are byte vectors read with safe code.

#![allow(unsafe_code)]

use crate::iphelper::{self, join_pids, Processes, Table};
use crate::types::{ProcessInfo, Transport};
use crate::{Backend, Error, Listing, Request};
use std::collections::HashMap;
use windows_sys::Win32::Foundation::{
    CloseHandle, ERROR_INSUFFICIENT_BUFFER, ERROR_MORE_DATA, HANDLE, INVALID_HANDLE_VALUE, NO_ERROR,
};
use windows_sys::Win32::NetworkManagement::IpHelper::{
    GetExtendedTcpTable, GetExtendedUdpTable, TCP_TABLE_OWNER_PID_ALL, UDP_TABLE_OWNER_PID,
};
use windows_sys::Win32::Networking::WinSock::{AF_INET, AF_INET6};

/// Reads sockets and owners from this Windows system.
#[derive(Debug, Default, Clone, Copy)]
pub struct Windows;

impl Backend for Windows {
    fn list(&self, req: &Request) -> Result<Listing, Error> {
        let mut rows = Vec::new();
        for t in &req.transports {
            for (on, family) in [(req.v4, AF_INET), (req.v6, AF_INET6)] {
                if !on {
                    continue;
                }
                let table = match (t, family) {
                    (Transport::Tcp, AF_INET) => Table::Tcp4,
                    (Transport::Tcp, _) => Table::Tcp6,
                    (Transport::Udp, AF_INET) => Table::Udp4,
                    (Transport::Udp, _) => Table::Udp6,
                };
                let buf = read_table(table, u32::from(family))?;
                iphelper::parse(table, &buf, &mut rows);
            }
        }
        let procs = req.processes.then(|| {
            let owners: std::collections::HashSet<u32> = rows.iter().map(|r| r.1).collect();
            processes(&owners)
        });
        Ok(join_pids(rows, procs))
    }
}

/// One IP Helper table into a byte buffer, grown while Windows says it is too small (a
/// table grows between the calls on a busy host).
fn read_table(table: Table, family: u32) -> Result<Vec<u8>, Error> {
    let mut size: u32 = 0;
    let mut buf: Vec<u8> = Vec::new();
    for _ in 0..8 {
        let ptr = if buf.is_empty() {
            std::ptr::null_mut()
        } else {
            buf.as_mut_ptr().cast()
        };
        let rc = match table {
            // SAFETY: `ptr` is null (size query, `size` 0) or points to `buf`, which holds
            // `size` writable bytes; `size` is a valid u32 we own. No pointer is kept.
            Table::Tcp4 | Table::Tcp6 => unsafe {
                GetExtendedTcpTable(ptr, &mut size, 0, family, TCP_TABLE_OWNER_PID_ALL, 0)
            },
            // SAFETY: as above.
            Table::Udp4 | Table::Udp6 => unsafe {
                GetExtendedUdpTable(ptr, &mut size, 0, family, UDP_TABLE_OWNER_PID, 0)
            },
        };
        match rc {
            NO_ERROR if !buf.is_empty() => {
                buf.truncate(size as usize);
                return Ok(buf);
            }
            NO_ERROR | ERROR_INSUFFICIENT_BUFFER => {
                // Room for rows that appear before the next call.
                let want = (size as usize).max(4) + 64 * table.row_len();
                buf = vec![0; want];
                size = u32::try_from(want).unwrap_or(u32::MAX);
            }
            // A family the system does not run (no IPv6 stack): no sockets.
            windows_sys::Win32::Foundation::ERROR_NOT_SUPPORTED => return Ok(Vec::new()),
            rc => {
                return Err(Error::Table(format!(
                    "{}: {}",
                    match table {
                        Table::Tcp4 | Table::Tcp6 => "GetExtendedTcpTable",
                        Table::Udp4 | Table::Udp6 => "GetExtendedUdpTable",
                    },
                    std::io::Error::from_raw_os_error(rc as i32)
                )))
            }
        }
    }
    Err(Error::Table("the socket table kept growing".into()))
}

/// A handle closed when dropped.
struct Owned(HANDLE);

impl Drop for Owned {
    fn drop(&mut self) {
        if !self.0.is_null() && self.0 != INVALID_HANDLE_VALUE {
            // SAFETY: the handle came from a successful open and is closed once, here.
            unsafe { CloseHandle(self.0) };
        }
    }
}

fn from_wide(w: &[u16]) -> String {
    let end = w.iter().position(|&c| c == 0).unwrap_or(w.len());
    String::from_utf16_lossy(&w[..end])
}

/// Every process's name from a Toolhelp snapshot; for the `owners` (the pids that hold
/// sockets), image path and user where the process may be opened, and the services it
/// hosts (SCM).
pub fn processes(owners: &std::collections::HashSet<u32>) -> Processes {
    use windows_sys::Win32::System::Diagnostics::ToolHelp::{
        CreateToolhelp32Snapshot, Process32FirstW, Process32NextW, PROCESSENTRY32W,
        TH32CS_SNAPPROCESS,
    };
    let mut out = Processes::default();
    // SAFETY: no pointers; the returned handle is owned by `snap` and closed on drop.
    let snap = Owned(unsafe { CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0) });
    if snap.0 != INVALID_HANDLE_VALUE {
        let mut e = PROCESSENTRY32W {
            dwSize: std::mem::size_of::<PROCESSENTRY32W>() as u32,
            ..Default::default()
        };
        // SAFETY: `e` is a PROCESSENTRY32W with dwSize set, as the call requires.
        let mut ok = unsafe { Process32FirstW(snap.0, &mut e) } != 0;
        while ok {
            let pid = e.th32ProcessID;
            let name = from_wide(&e.szExeFile);
            out.by_pid.insert(
                pid,
                ProcessInfo {
                    pid,
                    name: if name.trim().is_empty() {
                        "?".into()
                    } else {
                        name
                    },
                    ..Default::default()
                },
            );
            // SAFETY: as for Process32FirstW.
            ok = unsafe { Process32NextW(snap.0, &mut e) } != 0;
        }
    }
    let mut accounts: HashMap<Vec<u8>, Option<String>> = HashMap::new();
    for (pid, info) in out.by_pid.iter_mut().filter(|(p, _)| owners.contains(p)) {
        if *pid == 0 || *pid == 4 {
            // The System Idle Process and the kernel: no image, SYSTEM's.
            continue;
        }
        match open_process(*pid) {
            Some(h) => {
                info.exe = image_path(&h);
                info.user = token_user(&h, &mut accounts);
            }
            None => {
                out.unopened.insert(*pid);
            }
        }
        if let Some(exe) = &info.exe {
            info.cmdline = vec![exe.clone()];
        }
    }
    for (pid, names) in services() {
        if let Some(info) = out.by_pid.get_mut(&pid) {
            info.unit = Some(names.join(", "));
        }
    }
    out
}

fn open_process(pid: u32) -> Option<Owned> {
    use windows_sys::Win32::System::Threading::{OpenProcess, PROCESS_QUERY_LIMITED_INFORMATION};
    // SAFETY: no pointers; a null handle means failure and is not kept.
    let h = unsafe { OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid) };
    (!h.is_null()).then_some(Owned(h))
}

fn image_path(h: &Owned) -> Option<String> {
    use windows_sys::Win32::System::Threading::{QueryFullProcessImageNameW, PROCESS_NAME_WIN32};
    let mut buf = vec![0u16; 1024];
    let mut len = buf.len() as u32;
    // SAFETY: `buf` holds `len` u16s; the call writes at most that many and sets `len`.
    let ok =
        unsafe { QueryFullProcessImageNameW(h.0, PROCESS_NAME_WIN32, buf.as_mut_ptr(), &mut len) };
    (ok != 0).then(|| from_wide(buf.get(..len as usize).unwrap_or_default()))
}

/// `DOMAIN\user` of a process's token; `accounts` remembers each SID's name, so one
/// lookup serves every process of a user.
fn token_user(h: &Owned, accounts: &mut HashMap<Vec<u8>, Option<String>>) -> Option<String> {
    use windows_sys::Win32::Security::{
        GetTokenInformation, LookupAccountSidW, TokenUser, TOKEN_QUERY,
    };
    use windows_sys::Win32::System::Threading::OpenProcessToken;
    let mut token: HANDLE = std::ptr::null_mut();
    // SAFETY: `token` is a valid out-pointer; the handle is owned below.
    if unsafe { OpenProcessToken(h.0, TOKEN_QUERY, &mut token) } == 0 {
        return None;
    }
    let token = Owned(token);
    let mut buf = vec![0u8; 256];
    let mut len = 0u32;
    // SAFETY: `buf` holds `buf.len()` writable bytes; `len` is a valid out-pointer.
    let ok = unsafe {
        GetTokenInformation(
            token.0,
            TokenUser,
            buf.as_mut_ptr().cast(),
            buf.len() as u32,
            &mut len,
        )
    };
    if ok == 0 {
        return None;
    }
    // TOKEN_USER starts with the SID's pointer (into `buf`), read as bytes; the SID's
    // bytes (after the TOKEN_USER) key the cache.
    let sid = usize::from_ne_bytes(buf.get(..std::mem::size_of::<usize>())?.try_into().ok()?);
    let key = buf
        .get(sid.checked_sub(buf.as_ptr() as usize)?..len as usize)?
        .to_vec();
    if let Some(known) = accounts.get(&key) {
        return known.clone();
    }
    let (mut name, mut domain) = (vec![0u16; 256], vec![0u16; 256]);
    let (mut nl, mut dl) = (name.len() as u32, domain.len() as u32);
    let mut kind = 0;
    // SAFETY: `sid` points into `buf`, alive for the call; the name buffers hold `nl` and
    // `dl` u16s, which the call updates.
    let ok = unsafe {
        LookupAccountSidW(
            std::ptr::null(),
            sid as *mut core::ffi::c_void,
            name.as_mut_ptr(),
            &mut nl,
            domain.as_mut_ptr(),
            &mut dl,
            &mut kind,
        )
    };
    let found = (ok != 0).then(|| {
        let (n, d) = (from_wide(&name), from_wide(&domain));
        if d.is_empty() {
            n
        } else {
            format!("{d}\\{n}")
        }
    });
    accounts.insert(key, found.clone());
    found
}

/// Pid → names of the running Win32 services it hosts (`EnumServicesStatusExW`).
fn services() -> HashMap<u32, Vec<String>> {
    use windows_sys::Win32::System::Services::{
        CloseServiceHandle, EnumServicesStatusExW, OpenSCManagerW, ENUM_SERVICE_STATUS_PROCESSW,
        SC_ENUM_PROCESS_INFO, SC_MANAGER_ENUMERATE_SERVICE, SERVICE_ACTIVE, SERVICE_WIN32,
    };
    let mut out: HashMap<u32, Vec<String>> = HashMap::new();
    // SAFETY: null machine and database names mean this machine's active database.
    let scm = unsafe {
        OpenSCManagerW(
            std::ptr::null(),
            std::ptr::null(),
            SC_MANAGER_ENUMERATE_SERVICE,
        )
    };
    if scm.is_null() {
        return out;
    }
    let mut resume = 0u32;
    let mut buf = vec![0u8; 64 * 1024];
    for _ in 0..64 {
        let (mut needed, mut count) = (0u32, 0u32);
        // SAFETY: `buf` holds `buf.len()` writable bytes; the out-pointers are ours.
        let ok = unsafe {
            EnumServicesStatusExW(
                scm,
                SC_ENUM_PROCESS_INFO,
                SERVICE_WIN32,
                SERVICE_ACTIVE,
                buf.as_mut_ptr(),
                buf.len() as u32,
                &mut needed,
                &mut count,
                &mut resume,
                std::ptr::null(),
            )
        };
        let more = ok == 0
            && std::io::Error::last_os_error().raw_os_error() == Some(ERROR_MORE_DATA as i32);
        if ok == 0 && !more {
            break;
        }
        let stride = std::mem::size_of::<ENUM_SERVICE_STATUS_PROCESSW>();
        let pid_at = std::mem::offset_of!(ENUM_SERVICE_STATUS_PROCESSW, ServiceStatusProcess)
            + std::mem::offset_of!(
                windows_sys::Win32::System::Services::SERVICE_STATUS_PROCESS,
                dwProcessId
            );
        for i in 0..count as usize {
            let Some(entry) = buf.get(i * stride..(i + 1) * stride) else {
                break;
            };
            let Some(pid) = entry
                .get(pid_at..pid_at + 4)
                .and_then(|b| b.try_into().ok())
                .map(u32::from_ne_bytes)
            else {
                continue;
            };
            if let Some(name) = wide_in(&buf, entry) {
                out.entry(pid).or_default().push(name);
            }
        }
        if !more {
            break;
        }
        if count == 0 {
            // Not even one entry fit: grow to what Windows asked for.
            buf = vec![0u8; (needed as usize).max(buf.len() * 2)];
        }
    }
    // SAFETY: `scm` came from a successful OpenSCManagerW and is closed once.
    unsafe { CloseServiceHandle(scm) };
    for v in out.values_mut() {
        v.sort();
    }
    out
}

/// The service name an entry points to: the pointer (the entry's first word) is turned
/// into an offset inside `buf`, where Windows wrote the strings, and read from there.
fn wide_in(buf: &[u8], entry: &[u8]) -> Option<String> {
    let w = std::mem::size_of::<usize>();
    let ptr = usize::from_ne_bytes(entry.get(..w)?.try_into().ok()?);
    let start = ptr.checked_sub(buf.as_ptr() as usize)?;
    let bytes = buf.get(start..)?;
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_ne_bytes([c[0], c[1]]))
        .take_while(|&c| c != 0)
        .collect();
    Some(String::from_utf16_lossy(&units))
}

/// Windows' dynamic port range, as `netsh int ipv4 show dynamicport tcp` reports it.
pub fn ephemeral_range() -> Option<portwarden_kb::EphemeralRange> {
    let out = std::process::Command::new("netsh")
        .args(["int", "ipv4", "show", "dynamicport", "tcp"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    iphelper::parse_dynamic_ports(&String::from_utf8_lossy(&out.stdout))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Exposure, SockState, Source};
    use crate::Ownership;

    #[test]
    fn finds_a_listener_we_opened_with_port_and_state() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        let inv = crate::collect(&Windows, &Request::default()).expect("tables");
        assert_eq!(inv.source, Source::IpHelper);
        let e = inv
            .sockets
            .iter()
            .find(|e| e.socket.transport == Transport::Tcp && e.socket.local.port() == port)
            .expect("our listener is in the table");
        assert_eq!(e.socket.state, SockState::Listen);
        assert_eq!(e.exposure, Exposure::Loopback);
        // Windows names our pid; Wine names pid 0 for every socket: then the owner is
        // unknown, never pid 0 ("System Idle Process").
        if e.pids.is_empty() {
            assert_eq!(e.ownership, Ownership::Unknown);
        } else {
            assert_eq!(e.pids, vec![std::process::id()]);
            assert_eq!(e.ownership, Ownership::Known);
        }
        assert!(!e.pids.contains(&0));
        assert!(!inv.processes.contains_key(&0));
        drop(l);
    }

    #[test]
    fn finds_a_udp_socket_and_v6() {
        let u = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        let port = u.local_addr().expect("addr").port();
        let inv = crate::collect(&Windows, &Request::default()).expect("tables");
        assert!(inv
            .sockets
            .iter()
            .any(|e| e.socket.transport == Transport::Udp && e.socket.local.port() == port));
        if let Ok(l6) = std::net::TcpListener::bind("[::1]:0") {
            let p6 = l6.local_addr().expect("addr").port();
            let inv = crate::collect(&Windows, &Request::default()).expect("tables");
            assert!(inv
                .sockets
                .iter()
                .any(|e| e.socket.local.is_ipv6() && e.socket.local.port() == p6));
        }
    }

    #[test]
    fn no_owners_when_not_asked() {
        let inv = crate::collect(
            &Windows,
            &Request {
                processes: false,
                ..Request::default()
            },
        )
        .expect("tables");
        assert!(inv
            .sockets
            .iter()
            .all(|e| e.ownership == Ownership::NotAsked && e.pids.is_empty()));
    }

    #[test]
    fn the_scm_names_services_by_pid() {
        // Wine runs a few services too; whatever the SCM returns is read whole.
        let s = services();
        for (pid, names) in &s {
            assert!(*pid != 0 || names.is_empty(), "{s:?}");
            assert!(
                names.iter().all(|n| !n.is_empty() && !n.contains('\0')),
                "{s:?}"
            );
        }
        eprintln!("services by pid: {s:?}");
    }

    #[test]
    fn the_process_snapshot_names_us() {
        let me = std::process::id();
        let p = processes(&[me].into_iter().collect());
        let info = p.by_pid.get(&me).expect("we are in the snapshot");
        assert!(
            info.name.to_ascii_lowercase().ends_with(".exe"),
            "{}",
            info.name
        );
        // Our own process can be opened: its image path is known.
        assert!(
            info.exe
                .as_deref()
                .is_some_and(|e| e.to_ascii_lowercase().ends_with(".exe")),
            "{info:?}"
        );
        assert!(!p.unopened.contains(&me));
    }
}
