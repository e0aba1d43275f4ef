//! Windows' four capabilities ([`crate::native`] on Windows):
//!
//! - firewall: rules in Windows Firewall's rule group `portwarden`, added and deleted with
//!   `netsh advfirewall firewall`, listed from the firewall's rule store (`reg query`,
//!   whose output is not translated); Windows Firewall keeps them across reboots;
//! - services: the SCM through `sc` (stop, startup type Disabled, the previous startup
//!   type recorded for undo) and `tasklist /svc` (which service a process runs);
//! - processes: a close request (`taskkill` without `/F`), then `TerminateProcess`;
//! - connections: `SetTcpEntry` with `MIB_TCP_STATE_DELETE_TCB` (IPv4 only).
//!
//! Every argument list and parser is a pure function in [`crate::windows_cmd`] (tested on
//! Linux and under Wine); this file only runs them and makes the few Win32 calls.
//! Those calls are the crate's only `unsafe`: each block is one call, with its SAFETY.
#![allow(unsafe_code)]

use crate::caps::{
    ConnectionDropper, DropResult, Firewall, Host, Os, Platform, ProcessControl, ServiceManager,
    Startup,
};
use crate::nft::{Listed, PersistPaths, Tag};
use crate::windows_cmd as cmd;
use portwarden_i18n::{msg, Lang, Msg};
use portwarden_sockets::{RawSocket, Transport};
use std::net::IpAddr;
use std::process::{Command, Stdio};
use std::time::Duration;
use windows_sys::Win32::Foundation::{CloseHandle, GetLastError, FILETIME, HANDLE};
use windows_sys::Win32::NetworkManagement::IpHelper::{
    GetExtendedTcpTable, GetExtendedUdpTable, SetTcpEntry, MIB_TCPROW_LH, MIB_TCPROW_LH_0,
    TCP_TABLE_OWNER_PID_LISTENER, UDP_TABLE_OWNER_PID,
};
use windows_sys::Win32::Networking::WinSock::{AF_INET, AF_INET6};
use windows_sys::Win32::System::Threading::{
    GetExitCodeProcess, GetProcessTimes, OpenProcess, TerminateProcess,
    PROCESS_QUERY_LIMITED_INFORMATION, PROCESS_TERMINATE,
};

/// Windows Firewall.
#[derive(Debug, Default, Clone, Copy)]
pub struct WindowsFirewall;
/// The Service Control Manager.
#[derive(Debug, Default, Clone, Copy)]
pub struct Scm;
/// Processes.
#[derive(Debug, Default, Clone, Copy)]
pub struct Processes;
/// `SetTcpEntry`.
#[derive(Debug, Default, Clone, Copy)]
pub struct TcpTable;
/// Time, identity, listening sockets, the RDP session.
#[derive(Debug, Default, Clone, Copy)]
pub struct WindowsHost;

/// Windows' four and its host.
pub fn platform() -> Platform<'static> {
    static FW: WindowsFirewall = WindowsFirewall;
    static SCM: Scm = Scm;
    static PROCS: Processes = Processes;
    static TCP: TcpTable = TcpTable;
    static HOST: WindowsHost = WindowsHost;
    Platform {
        os: Os::Windows,
        firewall: &FW,
        services: &SCM,
        processes: &PROCS,
        connections: &TCP,
        host: &HOST,
    }
}

/// STILL_ACTIVE: the exit code of a process that has not exited.
const STILL_ACTIVE: u32 = 259;

fn english(m: &Msg) -> String {
    m.to_string_in(Lang::En)
}

/// Whether we run elevated (an Administrator's full token).
fn elevated() -> bool {
    // SAFETY: IsUserAnAdmin takes no arguments and only reads our own token.
    unsafe { windows_sys::Win32::UI::Shell::IsUserAnAdmin() != 0 }
}

/// Runs `exe ARGS` (no shell: every argument is one element) and returns its stdout, or
/// one line saying what failed. `ok_codes` are exit codes that mean "nothing to do".
fn run(exe: &str, args: &[String], ok_codes: &[i32]) -> Result<String, String> {
    let what = format!("{exe} {}", args.first().map_or("", String::as_str));
    let out = Command::new(exe)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {exe}: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() || out.status.code().is_some_and(|c| ok_codes.contains(&c)) {
        return Ok(stdout);
    }
    Err(cmd::command_error(
        &what,
        out.status.code(),
        &stdout,
        &String::from_utf8_lossy(&out.stderr),
        elevated(),
    ))
}

impl Firewall for WindowsFirewall {
    fn available(&self) -> bool {
        true
    }
    fn list(&self) -> Result<Vec<Listed>, String> {
        cmd::parse_rules(&run("reg", &cmd::reg_query_rules(), &[])?)
    }
    fn add(&self, tag: &Tag) -> Result<(), String> {
        run("netsh", &cmd::netsh_add_rule(tag)?, &[]).map(|_| ())
    }
    fn remove(&self, rules: &[&Listed]) -> Result<(), String> {
        for r in rules {
            let name = r.comment.as_deref().unwrap_or_default();
            let args = cmd::netsh_delete_rule(name).ok_or_else(|| {
                format!(
                    "{:?} is not a portwarden rule name; not deleted",
                    name.escape_debug().to_string()
                )
            })?;
            run("netsh", &args, &[])?;
        }
        Ok(())
    }
    fn persist(&self, _: &PersistPaths, _: &[Tag]) -> Result<(), String> {
        // Windows Firewall keeps its rules across reboots by itself.
        Ok(())
    }
    fn blocked(&self) -> Result<(bool, Vec<crate::block::Blocked>), String> {
        Err(english(&msg!("control-windows-no-source-blocks")))
    }
    fn setup_blocks(&self) -> Result<(), String> {
        Err(english(&msg!("control-windows-no-source-blocks")))
    }
    fn block_source(&self, _: IpAddr, _: Duration) -> Result<(), String> {
        Err(english(&msg!("control-windows-no-source-blocks")))
    }
    fn unblock_source(&self, _: IpAddr) -> Result<(), String> {
        Err(english(&msg!("control-windows-no-source-blocks")))
    }
}

fn sc_args(action: &str, name: &str) -> Result<Vec<String>, String> {
    cmd::sc(action, name).ok_or_else(|| {
        format!(
            "{:?} is not a plain service name",
            name.escape_debug().to_string()
        )
    })
}

impl ServiceManager for Scm {
    fn available(&self) -> bool {
        true
    }
    fn service_of(&self, pid: u32) -> Option<String> {
        let out = run("tasklist", &cmd::tasklist_svc(pid), &[]).ok()?;
        cmd::parse_tasklist_svc(&out, pid)
    }
    fn startup(&self, name: &str) -> Startup {
        let kind = sc_args("qc", name)
            .and_then(|a| run("sc", &a, &[]))
            .ok()
            .and_then(|o| cmd::parse_sc_qc(&o));
        Startup {
            enabled: kind.is_some_and(cmd::starts_by_itself),
            kind: kind.map(str::to_string),
        }
    }
    fn stop(&self, name: &str) -> Result<(), String> {
        run(
            "sc",
            &sc_args("stop", name)?,
            &[cmd::ERROR_SERVICE_NOT_ACTIVE as i32],
        )?;
        // `sc stop` only asks: wait (up to 20 s) until the SCM says it stopped.
        let query = sc_args("query", name)?;
        for _ in 0..100 {
            let state = run("sc", &query, &[])
                .ok()
                .and_then(|o| cmd::parse_sc_state(&o));
            if state == Some(cmd::SERVICE_STOPPED) {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Ok(())
    }
    fn disable(&self, name: &str) -> Result<(), String> {
        let args = cmd::sc_set_start(name, "disabled").ok_or_else(|| {
            format!(
                "{:?} is not a plain service name",
                name.escape_debug().to_string()
            )
        })?;
        run("sc", &args, &[]).map(|_| ())
    }
    fn restore(&self, name: &str, previous: &Startup) -> Result<(), String> {
        let kind = cmd::restore_kind(previous.kind.as_deref(), previous.enabled);
        let args = cmd::sc_set_start(name, kind).ok_or_else(|| {
            format!(
                "{:?} is not a plain service name",
                name.escape_debug().to_string()
            )
        })?;
        run("sc", &args, &[]).map(|_| ())
    }
    fn start(&self, name: &str) -> Result<(), String> {
        run(
            "sc",
            &sc_args("start", name)?,
            &[cmd::ERROR_SERVICE_ALREADY_RUNNING as i32],
        )
        .map(|_| ())
    }
}

/// A process handle, closed when dropped.
struct Handle(HANDLE);

impl Handle {
    /// Opens `pid` with `access`; the Win32 error code when it cannot.
    fn open(pid: u32, access: u32) -> Result<Handle, u32> {
        // SAFETY: OpenProcess takes plain values; a null result is checked before use.
        let h = unsafe { OpenProcess(access, 0, pid) };
        if h.is_null() {
            // SAFETY: GetLastError reads this thread's last error code.
            Err(unsafe { GetLastError() })
        } else {
            Ok(Handle(h))
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the handle came from OpenProcess and is closed exactly once, here.
        unsafe { CloseHandle(self.0) };
    }
}

impl ProcessControl for Processes {
    fn terminate(&self, pid: u32, name: &str) -> Result<Msg, String> {
        // A close request reaches programs with a window; services and console programs
        // refuse it, and are terminated once the timeout has run out.
        Ok(match run("taskkill", &cmd::taskkill(pid), &[]) {
            Ok(_) => msg!(
                "control-windows-asked-to-close",
                pid = pid.to_string(),
                name = name.to_string()
            ),
            Err(_) => msg!(
                "control-windows-close-not-accepted",
                pid = pid.to_string(),
                name = name.to_string()
            ),
        })
    }
    fn force(&self, pid: u32, name: &str, waited: Duration) -> Result<Msg, String> {
        let what = format!("TerminateProcess {pid}");
        let h = Handle::open(pid, PROCESS_TERMINATE).map_err(|c| cmd::win_error(&what, c))?;
        // SAFETY: `h` is a live process handle opened with PROCESS_TERMINATE.
        if unsafe { TerminateProcess(h.0, 1) } == 0 {
            // SAFETY: GetLastError reads this thread's last error code.
            return Err(cmd::win_error(&what, unsafe { GetLastError() }));
        }
        Ok(msg!(
            "control-windows-terminated",
            pid = pid.to_string(),
            name = name.to_string(),
            timeout = format!("{waited:?}")
        ))
    }
    fn alive(&self, pid: u32) -> bool {
        match Handle::open(pid, PROCESS_QUERY_LIMITED_INFORMATION) {
            Ok(h) => {
                let mut code = 0u32;
                // SAFETY: `h` is live; `code` is a valid place for one u32.
                let ok = unsafe { GetExitCodeProcess(h.0, &mut code) } != 0;
                !ok || code == STILL_ACTIVE
            }
            // It exists but is not ours to look at.
            Err(c) => c == cmd::ERROR_ACCESS_DENIED,
        }
    }
    fn start_time(&self, pid: u32) -> Option<u64> {
        let h = Handle::open(pid, PROCESS_QUERY_LIMITED_INFORMATION).ok()?;
        let zero = FILETIME {
            dwLowDateTime: 0,
            dwHighDateTime: 0,
        };
        let (mut created, mut exited, mut kernel, mut user) = (zero, zero, zero, zero);
        // SAFETY: `h` is live; the four pointers are to local FILETIMEs.
        let ok = unsafe { GetProcessTimes(h.0, &mut created, &mut exited, &mut kernel, &mut user) };
        (ok != 0)
            .then(|| u64::from(created.dwHighDateTime) << 32 | u64::from(created.dwLowDateTime))
    }
}

impl ConnectionDropper for TcpTable {
    fn drop_connection(&self, s: &RawSocket) -> Result<DropResult, String> {
        let what = format!("SetTcpEntry {}", s.remote);
        let [state, la, lp, ra, rp] = cmd::delete_tcb_row(s)
            .ok_or_else(|| format!("{what}: {}", english(&msg!("control-windows-ipv4-only"))))?;
        let row = MIB_TCPROW_LH {
            Anonymous: MIB_TCPROW_LH_0 { dwState: state },
            dwLocalAddr: la,
            dwLocalPort: lp,
            dwRemoteAddr: ra,
            dwRemotePort: rp,
        };
        // SAFETY: `row` is a fully initialised MIB_TCPROW that outlives the call.
        match unsafe { SetTcpEntry(&row) } {
            0 => Ok(DropResult::Dropped),
            cmd::ERROR_NOT_FOUND => Ok(DropResult::Gone),
            c => Err(cmd::win_error(&what, c)),
        }
    }
}

/// One IP Helper table as bytes (kept in `u32`s for the API's alignment): `call` is asked
/// for the size first, then filled; a table that grew in between is asked for again.
fn ip_table(call: impl Fn(*mut core::ffi::c_void, *mut u32) -> u32) -> Option<Vec<u8>> {
    let mut size = 0u32;
    for _ in 0..4 {
        let mut buf = vec![0u32; (size as usize).div_ceil(4).max(1)];
        let mut have = u32::try_from(buf.len() * 4).ok()?;
        match call(buf.as_mut_ptr().cast(), &mut have) {
            0 => {
                let n = (have as usize).min(buf.len() * 4);
                return Some(buf.iter().flat_map(|w| w.to_ne_bytes()).take(n).collect());
            }
            122 => size = have, // ERROR_INSUFFICIENT_BUFFER: `have` holds the size
            _ => return None,
        }
    }
    None
}

impl Host for WindowsHost {
    fn listening(&self, port: u16, t: Transport) -> bool {
        // (address family, row size, where the port sits) of the *_OWNER_PID rows.
        let tables: [(u16, usize, usize); 2] = match t {
            Transport::Tcp => [(AF_INET, 24, 8), (AF_INET6, 56, 20)],
            Transport::Udp => [(AF_INET, 12, 4), (AF_INET6, 28, 20)],
        };
        tables.iter().any(|&(af, row, at)| {
            let buf = ip_table(|p, n| match t {
                // SAFETY: `p` points to `*n` writable bytes (ip_table's buffer), as the
                // API requires; it writes no more than `*n`.
                Transport::Tcp => unsafe {
                    GetExtendedTcpTable(p, n, 0, u32::from(af), TCP_TABLE_OWNER_PID_LISTENER, 0)
                },
                // SAFETY: as above.
                Transport::Udp => unsafe {
                    GetExtendedUdpTable(p, n, 0, u32::from(af), UDP_TABLE_OWNER_PID, 0)
                },
            });
            buf.is_some_and(|b| cmd::table_ports(&b, row, at).contains(&port))
        })
    }
    fn whoami(&self) -> (String, u32) {
        // Windows has SIDs, not uids: the journal keeps the name and 0.
        (std::env::var("USERNAME").unwrap_or_default(), 0)
    }
    fn pid(&self) -> u32 {
        std::process::id()
    }
    fn rdp_port(&self) -> Option<u16> {
        use windows_sys::Win32::UI::WindowsAndMessaging::{GetSystemMetrics, SM_REMOTESESSION};
        // SAFETY: GetSystemMetrics takes a plain index and reads a system value.
        let remote = unsafe { GetSystemMetrics(SM_REMOTESESSION) } != 0;
        remote.then(|| {
            run("reg", &cmd::reg_query_rdp_port(), &[])
                .ok()
                .and_then(|o| cmd::parse_reg_dword(&o, "PortNumber"))
                .and_then(|p| u16::try_from(p).ok())
                .unwrap_or(cmd::RDP_DEFAULT_PORT)
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// The real calls, on what the test itself opens on loopback (under Wine too: Wine's
    /// IP Helper tables are the machine's real sockets).
    #[test]
    fn the_host_sees_listeners_we_open_and_knows_our_process() {
        let p = platform();
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        assert!(p.host.listening(port, Transport::Tcp));
        drop(l);
        assert!(!p.host.listening(port, Transport::Tcp));
        let u = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        assert!(p
            .host
            .listening(u.local_addr().unwrap().port(), Transport::Udp));
        let me = p.host.pid();
        assert!(p.processes.alive(me));
        assert!(p.processes.start_time(me).is_some());
        assert!(!p.processes.alive(0xFFFF_FFF0));
        assert_eq!(p.os, Os::Windows);
        assert!(p.firewall.available() && p.services.available());
    }

    #[test]
    fn ipv6_connections_are_refused_before_any_call() {
        let s = RawSocket {
            transport: Transport::Tcp,
            local: "[::1]:8080".parse().unwrap(),
            remote: "[::1]:40000".parse().unwrap(),
            state: portwarden_sockets::SockState::Established,
            uid: 0,
            inode: 0,
            recv_q: 0,
            send_q: 0,
            interface: 0,
        };
        let e = TcpTable.drop_connection(&s).unwrap_err();
        assert!(e.contains("IPv4"), "{e}");
    }
}
