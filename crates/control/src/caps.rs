//! The four capabilities that closing and opening a port need — a [`Firewall`], a
//! [`ServiceManager`], [`ProcessControl`] and a [`ConnectionDropper`] — plus the few
//! [`Host`] facts (time, who we are, whether a port still listens), gathered in one
//! [`Platform`] (bandwhich's `OsInputOutput` is the model). [`crate::plan`],
//! [`crate::execute`], [`crate::undo`] and [`crate::reconcile`] are the same code on every
//! platform; each platform supplies the four ([`crate::native`]).
//!
//! Linux's four are one [`System`] (signals, systemctl, nft, SOCK_DESTROY): every
//! `System` is all four through the blanket implementations below, which is how the
//! tests' fake systems drive the real planning and journalling code.

use crate::nft::{self, Listed, PersistPaths, Tag};
use crate::{block::Blocked, Context, System};
use portwarden_i18n::{msg, Msg};
use portwarden_sockets::{RawSocket, Transport};
use std::net::IpAddr;
use std::time::Duration;

/// Which operating system's rules apply: the refusals, service names and what a firewall
/// rule can do differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Os {
    /// Linux: PID 1 is init, services are systemd units, nftables.
    #[default]
    Linux,
    /// Windows: PID 0 and 4 are the system, services live in the SCM, Windows Firewall.
    Windows,
}

impl Os {
    /// Whether the owner's service name is one [`crate::plan`] may stop (Linux: a
    /// `.service` unit; Windows: a plain SCM service name).
    pub fn is_service(self, name: &str) -> bool {
        match self {
            Os::Linux => name.ends_with(".service"),
            Os::Windows => windows_service_name(name),
        }
    }

    /// Whether a service name read back from the journal may be handed to the service
    /// manager (never an option, never another kind of unit).
    pub fn plain_service_name(self, name: &str) -> bool {
        match self {
            Os::Linux => crate::plain_service_name(name),
            Os::Windows => windows_service_name(name),
        }
    }

    /// Pids that are the system itself: closing them is refused outright.
    pub fn system_pids(self) -> &'static [u32] {
        match self {
            Os::Linux => &[1],
            Os::Windows => &[0, 4],
        }
    }

    /// A firewall rule as people read it: nft's own syntax on Linux, words on Windows.
    pub fn rule_text(self, tag: &crate::nft::Tag) -> String {
        match self {
            Os::Linux => tag.rule_text(),
            Os::Windows => crate::windows_cmd::rule_text(tag),
        }
    }

    /// Whether firewall rules need a boot-time file to survive a reboot (`--persist`).
    /// Windows Firewall keeps its rules by itself.
    pub fn has_boot_file(self) -> bool {
        self == Os::Linux
    }
}

/// A Windows service's key name as the SCM knows it: 1 to 256 characters, no slashes
/// (the SCM forbids them), no control characters or spaces, not an option.
pub fn windows_service_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= 256
        && !name.starts_with('-')
        && !name.starts_with('/')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '$' | '@' | '~'))
}

/// The firewall: portwarden's own rules (nftables table `inet portwarden`; a Windows
/// Firewall rule group `portwarden`).
pub trait Firewall {
    /// Whether the firewall can be driven here (`nft` installed; always on Windows).
    fn available(&self) -> bool;
    /// Our rules now (tagged ones and anything else in our table or group). A firewall
    /// that cannot be read is an error, never "no rules".
    fn list(&self) -> Result<Vec<Listed>, String>;
    /// Adds the rule that `tag` describes; the tag's comment names it.
    fn add(&self, tag: &Tag) -> Result<(), String>;
    /// Removes these rules (as [`Firewall::list`] returned them).
    fn remove(&self, rules: &[&Listed]) -> Result<(), String>;
    /// Makes exactly `tags` come back at boot (the boot-time reconcile of `--persist`).
    fn persist(&self, paths: &PersistPaths, tags: &[Tag]) -> Result<(), String>;
    /// Source addresses blocked now by `watch --block`, and whether the block sets exist.
    fn blocked(&self) -> Result<(bool, Vec<Blocked>), String>;
    /// Creates the block sets and their rules (when [`Firewall::blocked`] found none).
    fn setup_blocks(&self) -> Result<(), String>;
    /// Blocks a source address for `timeout`.
    fn block_source(&self, ip: IpAddr, timeout: Duration) -> Result<(), String>;
    /// Lifts the block of a source address.
    fn unblock_source(&self, ip: IpAddr) -> Result<(), String>;
}

/// How a service started before portwarden disabled it (what undo restores).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Startup {
    /// Whether it started by itself (enabled, automatic).
    pub enabled: bool,
    /// The exact startup type where the platform has several (Windows: `auto`,
    /// `delayed-auto`, `demand`, `disabled`, `boot`, `system`); recorded in the journal.
    pub kind: Option<String>,
}

/// The service manager (systemd; the Windows SCM).
pub trait ServiceManager {
    /// Whether services can be managed here (systemd is PID 1; always on Windows).
    fn available(&self) -> bool;
    /// The service a process runs as, when the socket inventory did not say.
    fn service_of(&self, _pid: u32) -> Option<String> {
        None
    }
    /// How the service starts now.
    fn startup(&self, name: &str) -> Startup;
    /// Stops it. The error is one line naming what failed.
    fn stop(&self, name: &str) -> Result<(), String>;
    /// Keeps it from starting again (systemd: disable; Windows: startup type Disabled).
    fn disable(&self, name: &str) -> Result<(), String>;
    /// Gives it back the startup it had (`previous` as recorded in the journal).
    fn restore(&self, name: &str, previous: &Startup) -> Result<(), String>;
    /// Starts it.
    fn start(&self, name: &str) -> Result<(), String>;
}

/// Processes: stopping them and knowing them again.
pub trait ProcessControl {
    /// Asks the process to stop (SIGTERM; on Windows a close request). Returns the line
    /// that says what was done.
    fn terminate(&self, pid: u32, name: &str) -> Result<Msg, String>;
    /// Stops it for good after it ignored [`ProcessControl::terminate`] for `waited`
    /// (SIGKILL; `TerminateProcess`).
    fn force(&self, pid: u32, name: &str, waited: Duration) -> Result<Msg, String>;
    /// Whether the process still exists (and is not a zombie).
    fn alive(&self, pid: u32) -> bool;
    /// When it started (an opaque number), so a pid reused by another process is never
    /// taken for the one the journal names.
    fn start_time(&self, pid: u32) -> Option<u64>;
}

/// What dropping one connection came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropResult {
    /// It was dropped.
    Dropped,
    /// It had closed already.
    Gone,
}

/// Dropping live connections.
pub trait ConnectionDropper {
    /// Drops one established connection (SOCK_DESTROY; `SetTcpEntry` DELETE_TCB).
    fn drop_connection(&self, s: &RawSocket) -> Result<DropResult, String>;
}

/// What is neither of the four: time, identity, and whether a port still listens.
pub trait Host {
    /// Whether anything still listens on the port.
    fn listening(&self, port: u16, t: Transport) -> bool;
    /// Waits (faked in tests).
    fn sleep(&self, d: Duration) {
        std::thread::sleep(d);
    }
    /// The current time, RFC 3339 UTC (the system clock; faked in tests).
    fn now(&self) -> String {
        crate::utc_now()
    }
    /// Who runs us: (user name, uid; 0 where there are no uids).
    fn whoami(&self) -> (String, u32);
    /// Our own pid.
    fn pid(&self) -> u32;
    /// The local port of the remote-desktop session this command runs through (Windows:
    /// 3389 or the configured RDP port, when the session is remote).
    fn rdp_port(&self) -> Option<u16> {
        None
    }
}

/// One platform's four capabilities and its host, borrowed for one command.
#[derive(Clone, Copy)]
pub struct Platform<'a> {
    /// Whose rules apply.
    pub os: Os,
    /// The firewall.
    pub firewall: &'a dyn Firewall,
    /// The service manager.
    pub services: &'a dyn ServiceManager,
    /// Process control.
    pub processes: &'a dyn ProcessControl,
    /// The connection dropper.
    pub connections: &'a dyn ConnectionDropper,
    /// Time, identity, listening.
    pub host: &'a dyn Host,
}

impl std::fmt::Debug for Platform<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Platform").field("os", &self.os).finish()
    }
}

impl<'a> Platform<'a> {
    /// Linux's four, all from one [`System`] (the real one, or a test's fake).
    pub fn over<S: System>(sys: &'a S) -> Platform<'a> {
        Platform {
            os: Os::Linux,
            firewall: sys,
            services: sys,
            processes: sys,
            connections: sys,
            host: sys,
        }
    }

    /// What the platform knows of the caller: our pid, the SSH or RDP session we run
    /// through, whether the firewall and the service manager can be driven. The command
    /// adds what the user asked (`--pid`, `--force`, ...).
    pub fn context(&self) -> Context {
        Context {
            self_pid: self.host.pid(),
            ssh: std::env::var("SSH_CONNECTION")
                .ok()
                .and_then(|s| crate::parse_ssh_connection(&s)),
            rdp: self.host.rdp_port(),
            systemd: self.services.available(),
            nft: self.firewall.available(),
            os: self.os,
            ..Context::default()
        }
    }

    /// The journal's runner stamp for this process.
    pub(crate) fn runner(&self) -> Option<portwarden_store::Runner> {
        let pid = self.host.pid();
        self.processes
            .start_time(pid)
            .map(|start| portwarden_store::Runner { pid, start })
    }
}

fn perm_hint(e: &std::io::Error, cap: &str) -> String {
    if e.kind() == std::io::ErrorKind::PermissionDenied {
        format!("{e} (needs {cap}: run as root)")
    } else {
        e.to_string()
    }
}

impl<S: System> Firewall for S {
    fn available(&self) -> bool {
        self.nft_available()
    }
    fn list(&self) -> Result<Vec<Listed>, String> {
        nft::list(self)
    }
    fn add(&self, tag: &Tag) -> Result<(), String> {
        self.nft_apply(&nft::add_rule_json(tag))
    }
    fn remove(&self, rules: &[&Listed]) -> Result<(), String> {
        let handles: Vec<u64> = rules.iter().map(|r| r.handle).collect();
        self.nft_apply(&nft::delete_rules_json(&handles))
    }
    fn persist(&self, paths: &PersistPaths, tags: &[Tag]) -> Result<(), String> {
        nft::persist(self, paths, tags)
    }
    fn blocked(&self) -> Result<(bool, Vec<Blocked>), String> {
        crate::block::parse_blocks(self.nft_list()?.as_deref())
    }
    fn setup_blocks(&self) -> Result<(), String> {
        self.nft_apply(&crate::block::setup_json())
    }
    fn block_source(&self, ip: IpAddr, timeout: Duration) -> Result<(), String> {
        self.nft_apply(&crate::block::add_json(ip, timeout))
    }
    fn unblock_source(&self, ip: IpAddr) -> Result<(), String> {
        self.nft_apply(&crate::block::delete_json(ip))
    }
}

impl<S: System> ServiceManager for S {
    fn available(&self) -> bool {
        self.systemd()
    }
    fn startup(&self, name: &str) -> Startup {
        Startup {
            enabled: self
                .systemctl(&["is-enabled", name])
                .is_ok_and(|o| o.trim() == "enabled"),
            kind: None,
        }
    }
    fn stop(&self, name: &str) -> Result<(), String> {
        self.systemctl(&["stop", name])
            .map(|_| ())
            .map_err(|e| format!("systemctl stop {name}: {e}"))
    }
    fn disable(&self, name: &str) -> Result<(), String> {
        self.systemctl(&["disable", name])
            .map(|_| ())
            .map_err(|e| format!("systemctl disable {name}: {e}"))
    }
    fn restore(&self, name: &str, previous: &Startup) -> Result<(), String> {
        if previous.enabled {
            self.systemctl(&["enable", name])
                .map_err(|e| format!("systemctl enable {name}: {e}"))?;
        }
        Ok(())
    }
    fn start(&self, name: &str) -> Result<(), String> {
        self.systemctl(&["start", name])
            .map(|_| ())
            .map_err(|e| format!("systemctl start {name}: {e}"))
    }
}

impl<S: System> ProcessControl for S {
    fn terminate(&self, pid: u32, name: &str) -> Result<Msg, String> {
        self.signal(pid, false)
            .map_err(|e| format!("SIGTERM {pid}: {}", perm_hint(&e, "CAP_KILL")))?;
        Ok(msg!(
            "control-sent-sigterm-to",
            pid = pid.to_string(),
            name = name.to_string()
        ))
    }
    fn force(&self, pid: u32, name: &str, waited: Duration) -> Result<Msg, String> {
        self.signal(pid, true)
            .map_err(|e| format!("SIGKILL {pid}: {}", perm_hint(&e, "CAP_KILL")))?;
        Ok(msg!(
            "control-ignored-sigterm-for-sent-sigkill",
            pid = pid.to_string(),
            name = name.to_string(),
            timeout = format!("{:?}", waited)
        ))
    }
    fn alive(&self, pid: u32) -> bool {
        System::alive(self, pid)
    }
    fn start_time(&self, pid: u32) -> Option<u64> {
        self.process_start(pid)
    }
}

impl<S: System> ConnectionDropper for S {
    fn drop_connection(&self, s: &RawSocket) -> Result<DropResult, String> {
        match self.destroy(s) {
            Ok(()) => Ok(DropResult::Dropped),
            // ENOENT: the kernel no longer has it.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(DropResult::Gone),
            Err(e) => Err(format!(
                "SOCK_DESTROY {}: {}",
                s.remote,
                perm_hint(&e, "CAP_NET_ADMIN")
            )),
        }
    }
}

impl<S: System> Host for S {
    fn listening(&self, port: u16, t: Transport) -> bool {
        System::listening(self, port, t)
    }
    fn sleep(&self, d: Duration) {
        System::sleep(self, d)
    }
    fn now(&self) -> String {
        System::now(self)
    }
    fn whoami(&self) -> (String, u32) {
        System::whoami(self)
    }
    fn pid(&self) -> u32 {
        System::pid(self)
    }
}
