//! Closing a port safely, and opening it again.
//!
//! [`plan`] is pure: from the local inventory, the port and the caller's context it works
//! out who owns the port, what each step would do, which clients are connected, and what
//! must be refused. [`execute`] carries a plan out through a [`Platform`] — four
//! capabilities: a [`Firewall`], a [`ServiceManager`], [`ProcessControl`] and a
//! [`ConnectionDropper`] — journalling it first as pending and then as applied or failed;
//! [`reconcile`] brings the journal and our firewall rules into agreement at the start of
//! every command; [`undo`] reverses what can be reversed. The four functions are the same
//! code on every platform; [`native`] gives this platform's four: on Linux a [`System`]
//! (signals, systemctl, nft table `inet portwarden`, SOCK_DESTROY), on Windows
//! `windows` (TerminateProcess, the SCM, Windows Firewall group `portwarden`,
//! SetTcpEntry). Tests fake either. [`nft::boot_file`], [`nft::add_rule_json`] and
//! [`windows_cmd`] are the pure builders of everything portwarden hands to the system.

pub mod block;
mod caps;
#[cfg(target_os = "linux")]
mod destroy;
#[cfg(target_os = "linux")]
pub mod linux;
pub mod nft;
pub mod unsupported;
#[cfg(windows)]
pub mod windows;
pub mod windows_cmd;

pub use caps::{
    windows_service_name, ConnectionDropper, DropResult, Firewall, Host, Os, Platform,
    ProcessControl, ServiceManager, Startup,
};

use portwarden_i18n::{msg, Arg, Msg};
use portwarden_sockets::{Inventory, RawSocket, SockState, Transport};
use portwarden_store::{Action, Journal, NewAction, Runner, State, Undo};
use serde::Serialize;
use std::time::Duration;

/// How to close a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum How {
    /// SIGTERM the owning processes, SIGKILL after a timeout.
    Kill,
    /// Stop and disable the owning systemd unit.
    Service,
    /// Drop inbound traffic to the port in portwarden's own nftables table.
    Firewall,
    /// Destroy the live connections, leave the listener.
    Connections,
}

impl How {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            How::Kill => "kill",
            How::Service => "service",
            How::Firewall => "firewall",
            How::Connections => "connections",
        }
    }
}

/// What the caller is and may do.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// portwarden's own pid.
    pub self_pid: u32,
    /// `$SSH_CONNECTION` parsed: (client ip, client port, server ip, server port).
    pub ssh: Option<(String, u16, String, u16)>,
    /// Whether systemd is PID 1.
    pub systemd: bool,
    /// Whether `nft` can be run.
    pub nft: bool,
    /// Pids the user named with `--pid` (needed when several processes share the port).
    pub named_pids: Vec<u32>,
    /// `--force`: override the refusals that may be overridden.
    pub force: bool,
    /// `--persist`: also write firewall rules where nftables loads them at boot.
    pub persist: bool,
    /// `--reject`: reject instead of silently dropping.
    pub reject: bool,
    /// Where `--persist` writes.
    pub persist_paths: nft::PersistPaths,
    /// Whose rules apply (the system pids, service names, what the firewall can do).
    pub os: Os,
    /// The local port of the remote-desktop session this command runs through (Windows).
    pub rdp: Option<u16>,
}

/// Parses `$SSH_CONNECTION` ("client_ip client_port server_ip server_port").
pub fn parse_ssh_connection(s: &str) -> Option<(String, u16, String, u16)> {
    let f: Vec<&str> = s.split_whitespace().collect();
    if f.len() != 4 {
        return None;
    }
    Some((
        f[0].to_string(),
        f[1].parse().ok()?,
        f[2].to_string(),
        f[3].parse().ok()?,
    ))
}

/// A process that holds the port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Owner {
    /// Pid.
    pub pid: u32,
    /// Name.
    pub name: String,
    /// Command line.
    pub cmdline: String,
    /// systemd unit, if any.
    pub unit: Option<String>,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "kebab-case")]
pub enum Step {
    /// SIGTERM, then SIGKILL after the timeout.
    Terminate {
        /// Pid.
        pid: u32,
        /// Name.
        name: String,
    },
    /// `systemctl stop` then `systemctl disable`.
    StopAndDisable {
        /// Unit.
        unit: String,
    },
    /// Add an nftables rule.
    AddRule {
        /// The rule as nft prints it.
        rule: String,
    },
    /// Write the rules where nftables loads them at boot.
    Persist {
        /// The file.
        path: String,
    },
    /// SOCK_DESTROY one connection.
    Destroy {
        /// The connection.
        socket: RawSocket,
    },
}

/// Why a plan may not run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// One line for people (JSON: its English text).
    #[serde(serialize_with = "portwarden_i18n::english")]
    pub reason: Msg,
    /// Whether `--force` (or naming pids) lifts it.
    pub overridable: bool,
}

/// The plan for closing one port.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// Port.
    pub port: u16,
    /// Transport.
    pub transport: Transport,
    /// How.
    pub how: How,
    /// Whether `how` was chosen by portwarden (the least destructive step available).
    pub how_is_default: bool,
    /// Listening sockets on the port.
    pub listeners: Vec<RawSocket>,
    /// Processes that hold them.
    pub owners: Vec<Owner>,
    /// Connections to the port now.
    pub clients: Vec<RawSocket>,
    /// What will be done, in order.
    pub steps: Vec<Step>,
    /// What stands in the way.
    pub refusals: Vec<Refusal>,
    /// Whether some owners may be hidden (not root).
    pub owners_hidden: bool,
}

impl Plan {
    /// Whether the plan may run given `force`.
    pub fn allowed(&self, force: bool) -> bool {
        self.refusals.iter().all(|r| force && r.overridable)
    }
}

/// The rule text for a port (what `nft` prints).
pub fn rule_text(port: u16, t: Transport, reject: bool) -> String {
    let verdict = match (reject, t) {
        (false, _) => "drop",
        (true, Transport::Tcp) => "reject with tcp reset",
        (true, Transport::Udp) => "reject",
    };
    format!("meta l4proto {t} th dport {port} {verdict}")
}

/// Works out what closing `port`/`transport` with `how` would do. `how = None` picks
/// the least destructive step that closes the door from outside: the firewall. Without
/// nft that plan is refused (the user chooses another `how`); it never silently becomes
/// stopping the owner.
pub fn plan(
    inv: &Inventory,
    port: u16,
    transport: Transport,
    how: Option<How>,
    ctx: &Context,
) -> Plan {
    let listeners: Vec<RawSocket> = inv
        .sockets
        .iter()
        .filter(|e| {
            e.socket.transport == transport
                && e.socket.local.port() == port
                && e.socket.is_listening()
        })
        .map(|e| e.socket.clone())
        .collect();
    let clients: Vec<RawSocket> = inv
        .sockets
        .iter()
        .filter(|e| {
            e.socket.transport == Transport::Tcp
                && transport == Transport::Tcp
                && e.socket.local.port() == port
                && e.socket.state == SockState::Established
        })
        .map(|e| e.socket.clone())
        .collect();
    let mut owners: Vec<Owner> = Vec::new();
    for e in inv.sockets.iter().filter(|e| {
        e.socket.transport == transport && e.socket.local.port() == port && e.socket.is_listening()
    }) {
        for pid in &e.pids {
            if owners.iter().any(|o| o.pid == *pid) {
                continue;
            }
            let p = inv.processes.get(pid);
            owners.push(Owner {
                pid: *pid,
                name: p.map(|p| p.name.clone()).unwrap_or_default(),
                cmdline: p.map(|p| p.cmdline.join(" ")).unwrap_or_default(),
                unit: p.and_then(|p| p.unit.clone()),
            });
        }
    }
    owners.sort_by_key(|o| o.pid);
    let owners_hidden = inv.unreadable_processes > 0
        && listeners.iter().any(|l| {
            inv.sockets
                .iter()
                .any(|e| &e.socket == l && e.pids.is_empty())
        });
    // A listener whose owner nobody can see from here (as the audit judges it): not
    // root, or a process in another PID namespace (a container; the host when we run in
    // one) or the kernel. Closing it blindly may cut off what keeps this machine running.
    let unseen = owners.is_empty()
        && inv.sockets.iter().any(|e| {
            e.socket.transport == transport
                && e.socket.local.port() == port
                && e.socket.is_listening()
                && (matches!(
                    e.ownership,
                    portwarden_sockets::Ownership::Hidden | portwarden_sockets::Ownership::Unknown
                ) || (e.ownership == portwarden_sockets::Ownership::None
                    && e.socket.inode != 0))
        });
    let how_is_default = how.is_none();
    // The default is always the firewall: without nft the plan is refused and the user
    // chooses, never a silent switch to stopping the owner.
    let how = how.unwrap_or(How::Firewall);
    let mut refusals = Vec::new();
    let mut refuse = |reason: Msg, overridable: bool| {
        refusals.push(Refusal {
            reason,
            overridable,
        })
    };
    let mut steps = Vec::new();

    // The SSH session this command runs through.
    if let Some((_, _, _, sport)) = &ctx.ssh {
        if *sport == port && transport == Transport::Tcp {
            refuse(
                msg!(
                    "control-port-tcp-carries-the-ssh-session",
                    port = port.to_string()
                ),
                true,
            );
        }
    }
    // The remote-desktop session this command runs through (Windows).
    if ctx.rdp == Some(port) && transport == Transport::Tcp {
        refuse(
            msg!(
                "control-port-carries-the-rdp-session",
                port = port.to_string()
            ),
            true,
        );
    }
    match how {
        How::Kill | How::Service => {
            if listeners.is_empty() {
                refuse(
                    msg!(
                        "control-nothing-listens-on-port",
                        port = port.to_string(),
                        transport = transport.to_string()
                    ),
                    false,
                );
            } else if owners.is_empty() {
                refuse(
                    msg!(
                        "control-no-visible-process-owns-port-run",
                        port = port.to_string(),
                        transport = transport.to_string()
                    ),
                    false,
                );
            }
            for o in &owners {
                if ctx.os == Os::Windows && ctx.os.system_pids().contains(&o.pid) {
                    refuse(
                        msg!(
                            "control-port-belongs-to-windows-system",
                            port = port.to_string(),
                            transport = transport.to_string(),
                            pid = o.pid.to_string()
                        ),
                        false,
                    );
                }
                if ctx.os == Os::Linux && o.pid == 1 {
                    refuse(
                        msg!(
                            "control-port-belongs-to-pid-1-portwarden",
                            port = port.to_string(),
                            transport = transport.to_string(),
                            name = o.name.to_string()
                        ),
                        false,
                    );
                }
                if o.pid == ctx.self_pid {
                    refuse(msg!("control-the-port-belongs-to-portwarden-itself"), false);
                }
            }
            let distinct = owners.len();
            if distinct > 1 {
                let named_all = owners.iter().all(|o| ctx.named_pids.contains(&o.pid));
                if !named_all {
                    let list: Vec<String> = owners
                        .iter()
                        .map(|o| format!("{} ({})", o.pid, o.name))
                        .collect();
                    refuse(
                        msg!(
                            "control-processes-share-port",
                            count = distinct.to_string(),
                            port = port.to_string(),
                            transport = transport.to_string(),
                            list = Arg::List(list)
                        ),
                        false,
                    );
                }
            } else if let (Some(o), false) = (owners.first(), ctx.named_pids.is_empty()) {
                if !ctx.named_pids.contains(&o.pid) {
                    refuse(
                        msg!(
                            "control-pid-names-named-pids-but-port",
                            named_pids = format!("{:?}", ctx.named_pids),
                            port = port.to_string(),
                            transport = transport.to_string(),
                            pid = o.pid.to_string(),
                            name = o.name.to_string()
                        ),
                        false,
                    );
                }
            }
            if how == How::Kill {
                for o in &owners {
                    steps.push(Step::Terminate {
                        pid: o.pid,
                        name: o.name.clone(),
                    });
                }
            } else {
                if !ctx.systemd {
                    refuse(msg!("control-systemd-is-not-pid-1-on"), false);
                }
                let mut units: Vec<String> = Vec::new();
                for o in &owners {
                    match &o.unit {
                        Some(u) if ctx.os.is_service(u) => {
                            if !units.contains(u) {
                                units.push(u.clone());
                            }
                        }
                        _ => refuse(
                            msg!(
                                if ctx.os == Os::Windows {
                                    "control-windows-not-one-service"
                                } else {
                                    "control-process-does-not-belong-to-a"
                                },
                                pid = o.pid.to_string(),
                                name = o.name.to_string()
                            ),
                            false,
                        ),
                    }
                }
                for u in units {
                    steps.push(Step::StopAndDisable { unit: u });
                }
            }
        }
        How::Firewall => {
            if !ctx.nft && how_is_default {
                refuse(msg!("control-nft-cannot-be-run-here-install"), false);
            } else if !ctx.nft {
                refuse(msg!("control-nft-cannot-be-run-here-install-2"), false);
            }
            if ctx.reject && ctx.os == Os::Windows {
                refuse(msg!("control-windows-cannot-reject"), false);
            }
            steps.push(Step::AddRule {
                rule: match ctx.os {
                    Os::Linux => rule_text(port, transport, ctx.reject),
                    Os::Windows => windows_cmd::block_text(port, transport),
                },
            });
            if ctx.persist && ctx.os.has_boot_file() {
                steps.push(Step::Persist {
                    path: ctx.persist_paths.file.clone(),
                });
            }
        }
        How::Connections => {
            if transport == Transport::Udp {
                refuse(msg!("control-udp-has-no-connections-to-drop"), false);
            }
            for c in &clients {
                steps.push(Step::Destroy { socket: c.clone() });
            }
        }
    }
    // Closing from outside (firewall, dropping connections) something we cannot see, or
    // what runs this machine, needs the person to have read the warning: --force.
    if matches!(how, How::Firewall | How::Connections) {
        if unseen {
            let cause = Msg::new(if inv.unreadable_processes > 0 {
                "control-unseen-not-root"
            } else {
                "control-unseen-namespace"
            });
            refuse(
                msg!(
                    "control-warning-unseen-owner",
                    port = port.to_string(),
                    transport = transport.to_string(),
                    cause = cause
                ),
                true,
            );
        }
        for o in owners.iter().filter(|o| o.pid == 1 && !ctx.systemd) {
            refuse(
                msg!(
                    "control-warning-port-belongs-to-pid-1",
                    port = port.to_string(),
                    transport = transport.to_string(),
                    name = o.name.to_string()
                ),
                true,
            );
        }
    }
    Plan {
        port,
        transport,
        how,
        how_is_default,
        listeners,
        owners,
        clients,
        steps,
        refusals,
        owners_hidden,
    }
}

/// Linux's OS touchpoints (signals, systemctl, nft, SOCK_DESTROY), from which the four
/// capabilities of a [`Platform`] are built ([`Platform::over`]); [`linux::Linux`] is
/// the real one, the tests fake it.
pub trait System {
    /// Sends a signal (`SIGTERM`/`SIGKILL`).
    fn signal(&self, pid: u32, kill: bool) -> std::io::Result<()>;
    /// Whether the process still exists (and is not a zombie).
    fn alive(&self, pid: u32) -> bool;
    /// Whether anything still listens on the port.
    fn listening(&self, port: u16, t: Transport) -> bool;
    /// Runs `systemctl ARGS`; stdout on success, stderr on failure.
    fn systemctl(&self, args: &[&str]) -> Result<String, String>;
    /// Feeds JSON commands (built by [`nft`]) to `nft -j -f -`.
    fn nft_apply(&self, json: &str) -> Result<(), String>;
    /// `nft -j list table inet portwarden`: `None` when the table does not exist. An
    /// `nft` that cannot run is an error.
    fn nft_list(&self) -> Result<Option<String>, String>;
    /// `nft -c -f PATH`: checks a file without changing anything.
    fn nft_check(&self, path: &str) -> Result<(), String>;
    /// SOCK_DESTROY one socket.
    fn destroy(&self, s: &RawSocket) -> std::io::Result<()>;
    /// Writes a file (creating its directory), not through a symbolic link, and syncs it.
    fn write_file(&self, path: &str, contents: &str) -> std::io::Result<()>;
    /// Renames a file over another (atomic on one file system), keeping the mode of the
    /// file it replaces.
    fn rename(&self, from: &str, to: &str) -> std::io::Result<()>;
    /// Removes a file, if it is there.
    fn remove_file(&self, path: &str);
    /// The file a path names after following symbolic links (the path itself when it
    /// cannot be resolved), so that replacing a configuration file that is a link writes
    /// the file it points to instead of turning the link into a file.
    fn resolve(&self, path: &str) -> String {
        path.to_string()
    }
    /// Reads a file, if it exists.
    fn read_file(&self, path: &str) -> Option<String>;
    /// Waits (faked in tests).
    fn sleep(&self, d: Duration);
    /// The current time, RFC 3339 UTC.
    fn now(&self) -> String;
    /// Who runs us: (user name, uid).
    fn whoami(&self) -> (String, u32);
    /// When the process `pid` started (clock ticks after boot), if it runs.
    fn process_start(&self, pid: u32) -> Option<u64>;
    /// Our own pid.
    fn pid(&self) -> u32;
    /// Whether `nft` can be run.
    fn nft_available(&self) -> bool {
        true
    }
    /// Whether systemd is PID 1.
    fn systemd(&self) -> bool {
        true
    }
}

/// The platform this program runs on: Linux's signals, systemd, nftables and
/// SOCK_DESTROY; or Windows' `TerminateProcess`, SCM, Windows Firewall and
/// `SetTcpEntry`.
#[cfg(target_os = "linux")]
pub fn native() -> Platform<'static> {
    static LINUX: linux::Linux = linux::Linux;
    Platform::over(&LINUX)
}

/// The platform this program runs on: Linux's signals, systemd, nftables and
/// SOCK_DESTROY; or Windows' `TerminateProcess`, SCM, Windows Firewall and
/// `SetTcpEntry`.
#[cfg(windows)]
pub fn native() -> Platform<'static> {
    windows::platform()
}

/// The platform this program runs on: here, one portwarden cannot act on yet; every
/// change fails with one line saying so.
#[cfg(not(any(target_os = "linux", windows)))]
pub fn native() -> Platform<'static> {
    unsupported::platform()
}

/// Fills in the service of every process the inventory left without one, as the
/// platform's service manager tells it (on Linux the inventory reads it already from
/// cgroups; on Windows the SCM knows which process runs which service).
pub fn attach_services(inv: &mut Inventory, services: &dyn ServiceManager) {
    let pids: Vec<u32> = inv
        .sockets
        .iter()
        .filter(|e| e.socket.is_listening())
        .flat_map(|e| e.pids.iter().copied())
        .collect();
    for pid in pids {
        let known = inv.processes.get(&pid).is_some_and(|p| p.unit.is_some());
        if known {
            continue;
        }
        if let Some(s) = services.service_of(pid) {
            inv.processes
                .entry(pid)
                .or_insert_with(|| portwarden_sockets::ProcessInfo {
                    pid,
                    ..Default::default()
                })
                .unit = Some(s);
        }
    }
}

/// The key of a service action's journal detail that holds the service's previous
/// startup type, where the platform has several (Windows).
pub const STARTUP_KEY: &str = "previous_startup";

/// Why carrying out a plan failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The plan has refusals.
    #[error("{0}")]
    Refused(String),
    /// A step failed.
    #[error("{0}")]
    Step(String),
    /// `nft` could not be run, or failed.
    #[error("nft: {0}")]
    Nft(String),
    /// The journal failed.
    #[error(transparent)]
    Store(#[from] portwarden_store::Error),
}

/// What [`execute`] did.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// Journal id of the action.
    pub action_id: i64,
    /// One line per thing done (JSON: their English texts).
    #[serde(serialize_with = "portwarden_i18n::english_all")]
    pub done: Vec<Msg>,
    /// Whether the port is closed from the point of view of the step taken.
    pub verified: bool,
    /// Whether portwarden had closed the port already (nothing was added).
    pub already_closed: bool,
}

fn me_runner(p: &Platform) -> Option<Runner> {
    p.runner()
}

/// Journals the action as pending, before anything is changed.
fn begin(
    plan: &Plan,
    p: &Platform,
    store: &dyn Journal,
    summary: &str,
    detail: &serde_json::Value,
    undo: &Undo,
) -> Result<i64, Error> {
    Ok(store.record(&pending_action(plan, p, summary, detail, undo))?)
}

/// The journal record of an action about to be taken: pending, run by this process.
fn pending_action(
    plan: &Plan,
    p: &Platform,
    summary: &str,
    detail: &serde_json::Value,
    undo: &Undo,
) -> NewAction {
    let (user, uid) = p.host.whoami();
    NewAction {
        at: p.host.now(),
        user,
        uid,
        port: plan.port,
        protocol: plan.transport.as_str().into(),
        how: plan.how.as_str().into(),
        summary: summary.into(),
        detail: detail.clone(),
        undo: undo.clone(),
        state: State::Pending,
        runner: me_runner(p),
        note: None,
    }
}

/// Marks a carried-out action applied; when the journal fails now, the change is made
/// and the error says so (the next command's reconciliation settles the record).
fn applied(
    store: &dyn Journal,
    id: i64,
    summary: &str,
    detail: &serde_json::Value,
    undo: &Undo,
) -> Result<(), Error> {
    store.mark_applied(id, summary, detail, undo).map_err(|e| {
        Error::Step(format!(
            "done ({summary}), but the journal could not mark action #{id} applied: {e}"
        ))
    })
}

/// The Linux message id, or its Windows counterpart (same variables) on Windows.
fn windows_or(p: &Platform, linux: &'static str, windows: &'static str) -> &'static str {
    match p.os {
        Os::Linux => linux,
        Os::Windows => windows,
    }
}

/// A firewall error: `nft: …` on Linux; Windows' errors name their own command.
fn fw_err(p: &Platform, e: String) -> Error {
    match p.os {
        Os::Linux => Error::Nft(e),
        Os::Windows => Error::Step(e),
    }
}

/// Records that a step failed (`Failed` when nothing had been changed yet, else
/// `Interrupted`) and hands the error back.
fn failed(store: &dyn Journal, id: i64, changed: bool, e: Error) -> Error {
    let to = if changed {
        State::Interrupted
    } else {
        State::Failed
    };
    match store.transition(id, State::Pending, to, &e.to_string()) {
        Ok(_) => e,
        Err(j) => Error::Step(format!(
            "{e}; and the journal could not record it (action #{id} stays pending): {j}"
        )),
    }
}

fn run_kill(
    plan: &Plan,
    p: &Platform,
    timeout: Duration,
    done: &mut Vec<Msg>,
) -> Result<bool, Error> {
    for o in &plan.owners {
        done.push(p.processes.terminate(o.pid, &o.name).map_err(Error::Step)?);
    }
    let step = Duration::from_millis(50);
    let mut waited = Duration::ZERO;
    while waited < timeout && plan.owners.iter().any(|o| p.processes.alive(o.pid)) {
        p.host.sleep(step);
        waited += step;
    }
    for o in plan.owners.iter().filter(|o| p.processes.alive(o.pid)) {
        done.push(
            p.processes
                .force(o.pid, &o.name, timeout)
                .map_err(Error::Step)?,
        );
    }
    let mut waited = Duration::ZERO;
    while waited < Duration::from_secs(2) && p.host.listening(plan.port, plan.transport) {
        p.host.sleep(step);
        waited += step;
    }
    let verified = !p.host.listening(plan.port, plan.transport);
    if !verified {
        done.push(msg!(
            "control-port-still-listens-another-process-took",
            port = plan.port.to_string(),
            transport = plan.transport.to_string()
        ));
    }
    Ok(verified)
}

fn run_service(plan: &Plan, p: &Platform, done: &mut Vec<Msg>) -> Result<bool, Error> {
    for s in &plan.steps {
        if let Step::StopAndDisable { unit } = s {
            p.services.stop(unit).map_err(Error::Step)?;
            p.services.disable(unit).map_err(Error::Step)?;
            done.push(msg!(
                "control-stopped-and-disabled",
                unit = unit.to_string()
            ));
        }
    }
    Ok(!p.host.listening(plan.port, plan.transport))
}

fn run_connections(plan: &Plan, p: &Platform, done: &mut Vec<Msg>) -> Result<usize, Error> {
    let mut n = 0;
    for s in &plan.steps {
        if let Step::Destroy { socket } = s {
            match p.connections.drop_connection(socket) {
                Ok(DropResult::Dropped) => {
                    n += 1;
                    done.push(msg!(
                        "control-dropped",
                        remote = socket.remote.to_string(),
                        local = socket.local.to_string()
                    ));
                }
                Ok(DropResult::Gone) => {
                    done.push(msg!(
                        "control-had-already-closed",
                        remote = socket.remote.to_string()
                    ));
                }
                Err(e) => return Err(Error::Step(e)),
            }
        }
    }
    Ok(n)
}

/// The comment of a firewall action's rule.
fn rule_comment(a: &Action) -> Option<&str> {
    match &a.undo {
        Undo::DeleteRule { comment, .. } if a.how == How::Firewall.as_str() => Some(comment),
        _ => None,
    }
}

/// Rewrites the boot file from the journal: every applied, not undone firewall action
/// that was persisted (except `exclude`), each rebuilt from its strictly parsed tag.
fn persist_from_journal(
    p: &Platform,
    store: &dyn Journal,
    paths: &nft::PersistPaths,
    exclude: Option<i64>,
) -> Result<(), Error> {
    let tags: Vec<nft::Tag> = store
        .actions()?
        .iter()
        .filter(|a| a.undone_at.is_none() && a.state == State::Applied && Some(a.id) != exclude)
        .filter_map(|a| match &a.undo {
            Undo::DeleteRule {
                comment,
                persisted: Some(_),
            } if a.how == How::Firewall.as_str() => nft::Tag::parse(comment),
            _ => None,
        })
        .collect();
    p.firewall.persist(paths, &tags).map_err(Error::Step)
}

/// Carries out `plan`. Intent first: the action is journalled as pending (for the
/// firewall, with the exact comment of the rule it will add) before anything changes —
/// a journal that cannot be written stops it there — then carried out, then marked
/// applied (or failed). Closing by firewall a port portwarden already closed adds
/// nothing and names the action that did.
pub fn execute(
    plan: &Plan,
    ctx: &Context,
    p: &Platform,
    store: &dyn Journal,
    timeout: Duration,
) -> Result<Outcome, Error> {
    if !plan.allowed(ctx.force) {
        let reasons: Vec<String> = plan
            .refusals
            .iter()
            .map(|r| r.reason.to_string_in(portwarden_i18n::Lang::En))
            .collect();
        return Err(Error::Refused(reasons.join("; ")));
    }
    let mut done = Vec::new();
    let outcome = |id: i64, done: Vec<Msg>, verified: bool| Outcome {
        action_id: id,
        done,
        verified,
        already_closed: false,
    };
    match plan.how {
        How::Kill => {
            let summary = format!(
                "stopped {} process(es) owning {}/{}",
                plan.owners.len(),
                plan.port,
                plan.transport
            );
            let detail = serde_json::json!({ "owners": plan.owners });
            let undo = Undo::Irreversible {
                reason: "a killed process cannot be resurrected; start it again by hand".into(),
                cmdlines: plan.owners.iter().map(|o| o.cmdline.clone()).collect(),
            };
            let id = begin(plan, p, store, &summary, &detail, &undo)?;
            match run_kill(plan, p, timeout, &mut done) {
                Ok(verified) => {
                    applied(store, id, &summary, &detail, &undo)?;
                    Ok(outcome(id, done, verified))
                }
                Err(e) => Err(failed(store, id, !done.is_empty(), e)),
            }
        }
        How::Service => {
            let unit = plan
                .steps
                .iter()
                .find_map(|s| match s {
                    Step::StopAndDisable { unit } => Some(unit.clone()),
                    _ => None,
                })
                .unwrap_or_default();
            let before = p.services.startup(&unit);
            let summary = format!("stopped and disabled {unit}");
            let mut detail = serde_json::json!({ "units": plan.steps, "owners": plan.owners });
            // The exact startup type (Windows) goes into the journal for undo; the record
            // of the store keeps only whether it was enabled.
            if let (Some(kind), Some(d)) = (&before.kind, detail.as_object_mut()) {
                d.insert(STARTUP_KEY.into(), kind.as_str().into());
            }
            let undo = Undo::StartUnit {
                unit,
                was_enabled: before.enabled,
            };
            let id = begin(plan, p, store, &summary, &detail, &undo)?;
            match run_service(plan, p, &mut done) {
                Ok(verified) => {
                    applied(store, id, &summary, &detail, &undo)?;
                    Ok(outcome(id, done, verified))
                }
                Err(e) => Err(failed(store, id, !done.is_empty(), e)),
            }
        }
        How::Connections => {
            let detail = serde_json::json!({ "connections": plan.clients });
            let undo = Undo::Irreversible {
                reason: "dropped connections cannot be restored; clients may reconnect".into(),
                cmdlines: Vec::new(),
            };
            let pending = format!(
                "dropping {} connection(s) to {}/{}",
                plan.clients.len(),
                plan.port,
                plan.transport
            );
            let id = begin(plan, p, store, &pending, &detail, &undo)?;
            match run_connections(plan, p, &mut done) {
                Ok(n) => {
                    let summary = format!(
                        "dropped {n} connection(s) to {}/{}",
                        plan.port, plan.transport
                    );
                    applied(store, id, &summary, &detail, &undo)?;
                    let verified =
                        p.host.listening(plan.port, plan.transport) || plan.listeners.is_empty();
                    Ok(outcome(id, done, verified))
                }
                Err(e) => Err(failed(store, id, !done.is_empty(), e)),
            }
        }
        How::Firewall => execute_firewall(plan, ctx, p, store),
    }
}

fn execute_firewall(
    plan: &Plan,
    ctx: &Context,
    p: &Platform,
    store: &dyn Journal,
) -> Result<Outcome, Error> {
    let listed = p.firewall.list().map_err(|e| fw_err(p, e))?;
    let tag = nft::Tag {
        port: plan.port,
        transport: plan.transport,
        verdict: if ctx.reject {
            nft::Verdict::Reject
        } else {
            nft::Verdict::Drop
        },
        stamp: nft::Stamp::generate(p.host.pid()),
    };
    let rule = p.os.rule_text(&tag);
    let comment = tag.comment();
    let summary = format!("firewall: {rule}");
    let detail = serde_json::json!({ "rule": rule, "comment": comment });
    let undo = Undo::DeleteRule {
        comment: comment.clone(),
        persisted: ctx.persist.then(|| ctx.persist_paths.file.clone()),
    };
    // Already closed by portwarden (its rule is in place), or being closed right now by
    // another run: say so and add nothing. Decided in the same transaction that
    // journals this action as pending.
    // The listing above may predate a rule that another run added and journalled since:
    // an applied record whose rule is missing from it is checked once more against a
    // fresh listing (inside the journal's transaction, so no run can slip in between).
    let fresh: std::cell::OnceCell<Vec<nft::Listed>> = std::cell::OnceCell::new();
    let present = |c: &str| {
        let has = |l: &[nft::Listed]| l.iter().any(|r| r.comment.as_deref() == Some(c));
        has(&listed) || has(fresh.get_or_init(|| p.firewall.list().unwrap_or_default()))
    };
    let me = p.host.pid();
    let in_the_way = |a: &Action| {
        rule_comment(a).is_some_and(|c| match a.state {
            State::Applied => present(c),
            State::Pending => a
                .runner
                .is_some_and(|r| r.pid != me && p.processes.start_time(r.pid) == Some(r.start)),
            _ => false,
        })
    };
    let new = pending_action(plan, p, &summary, &detail, &undo);
    let id = match store.record_unless(&new, &in_the_way)? {
        Ok(id) => id,
        Err(a) => {
            let c = rule_comment(&a).unwrap_or_default();
            let rule = nft::Tag::parse(c).map_or_else(|| c.to_string(), |t| p.os.rule_text(&t));
            let how = if a.state == State::Pending {
                "control-port-being-closed"
            } else {
                "control-port-already-closed"
            };
            return Ok(Outcome {
                action_id: a.id,
                done: vec![msg!(
                    how,
                    port = plan.port.to_string(),
                    transport = plan.transport.to_string(),
                    id = a.id.to_string(),
                    rule = rule
                )],
                verified: true,
                already_closed: true,
            });
        }
    };
    if let Err(e) = p.firewall.add(&tag) {
        return Err(failed(store, id, false, fw_err(p, e)));
    }
    let mut done = vec![match p.os {
        Os::Linux => msg!(
            "control-added-to-table-inet-portwarden",
            rule = rule.to_string()
        ),
        Os::Windows => msg!(
            "control-windows-added-rule",
            rule = rule.to_string(),
            name = comment.as_str()
        ),
    }];
    applied(store, id, &summary, &detail, &undo)?;
    if ctx.persist && p.os.has_boot_file() {
        if let Err(e) = persist_from_journal(p, store, &ctx.persist_paths, None) {
            let fix = store.set_undo(
                id,
                &Undo::DeleteRule {
                    comment,
                    persisted: None,
                },
            );
            return Err(Error::Step(format!(
                "the rule is in place (action #{id}) but was not made persistent: {e}{}",
                fix.err()
                    .map(|j| format!("; and the journal could not record that: {j}"))
                    .unwrap_or_default()
            )));
        }
        done.push(msg!(
            "control-wrote-loaded-at-boot",
            file = ctx.persist_paths.file.to_string()
        ));
    }
    Ok(Outcome {
        action_id: id,
        done,
        verified: true,
        already_closed: false,
    })
}

/// Whether `unit` is a plain `NAME.service` (what [`plan`] records), so a journal record
/// can never hand `systemctl` an option or another kind of unit.
fn plain_service_name(unit: &str) -> bool {
    unit.strip_suffix(".service").is_some_and(|n| {
        !n.is_empty()
            && !n.starts_with('-')
            && n.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'.' | b'@' | b'-' | b'\\')
            })
    })
}

/// A printable, escaped form of text read from the system (a rule comment).
fn shown(s: &str) -> String {
    s.escape_debug().to_string()
}

/// Journals a tagged rule found in our table without a record, unless a record holding
/// its comment exists by now. Returns the new action's id.
fn adopt(p: &Platform, store: &dyn Journal, tag: &nft::Tag) -> Result<Option<i64>, Error> {
    let (user, uid) = p.host.whoami();
    let rule = p.os.rule_text(tag);
    let comment = tag.comment();
    Ok(store.adopt(
        &comment,
        &NewAction {
            at: p.host.now(),
            user,
            uid,
            port: tag.port,
            protocol: tag.transport.as_str().into(),
            how: How::Firewall.as_str().into(),
            summary: format!("firewall: {rule}"),
            detail: serde_json::json!({ "rule": rule, "comment": comment, "adopted": true }),
            undo: Undo::DeleteRule {
                comment: comment.clone(),
                persisted: None,
            },
            state: State::Applied,
            runner: None,
            note: Some("adopted: found in inet portwarden without a journal record".into()),
        },
    )?)
}

/// Brings the journal and `inet portwarden` into agreement; run at the start of every
/// command that uses the journal. Pending actions whose run is over become applied
/// (their rule is in place), failed (it is not) or interrupted (not a firewall action);
/// failed actions whose rule is in place become applied; tagged rules without a record
/// are adopted; rules in our table that portwarden did not write are reported and left
/// alone. With `write = false` (read-only commands) nothing is changed, only reported.
/// Returns one line per finding. Not being able to read the table is a finding, not an
/// error (the steps that need it fail on their own).
pub fn reconcile(
    p: &Platform,
    store: &dyn Journal,
    nft_available: bool,
    write: bool,
) -> Result<Vec<Msg>, Error> {
    let mut notes: Vec<Msg> = Vec::new();
    // The table first, then the journal: a rule added meanwhile had its pending record
    // written before it, so it is never mistaken for an orphan.
    let listed = if nft_available {
        p.firewall.list()
    } else {
        Err("nft cannot be run".to_string())
    };
    let all = store.actions()?;
    let me = p.host.pid();
    let in_progress = |a: &Action| {
        a.runner
            .is_some_and(|r| r.pid != me && p.processes.start_time(r.pid) == Some(r.start))
    };
    let present = |c: &str| {
        listed
            .as_ref()
            .is_ok_and(|l| l.iter().any(|r| r.comment.as_deref() == Some(c)))
    };
    let mut unreadable = false;
    for a in all.iter().filter(|a| a.state == State::Pending) {
        if in_progress(a) {
            continue;
        }
        let (to, note, note_id) = match (rule_comment(a), &listed) {
            (Some(c), Ok(_)) if present(c) => (
                State::Applied,
                "the run stopped after its rule was added; the rule is in place",
                "control-pending-rule-in-place",
            ),
            (Some(_), Ok(_)) => (
                State::Failed,
                "the run stopped before its rule was added; nothing was changed",
                "control-pending-nothing-changed",
            ),
            (Some(_), Err(_)) => {
                unreadable = true;
                continue;
            }
            (None, _) => (
                State::Interrupted,
                "the run stopped part way; what it changed is unknown",
                "control-pending-unknown",
            ),
        };
        if !write || store.transition(a.id, State::Pending, to, note)? {
            // The journal keeps the English note; people read it in their language.
            notes.push(msg!(
                "control-pending-resolved",
                id = a.id.to_string(),
                port = a.port.to_string(),
                protocol = a.protocol.to_string(),
                note = Msg::new(note_id),
                unrecorded = if write {
                    Arg::from("")
                } else {
                    Arg::from(Msg::new("control-not-yet-recorded"))
                }
            ));
        }
    }
    match &listed {
        Ok(l) => {
            for a in all
                .iter()
                .filter(|a| a.state == State::Failed && a.undone_at.is_none())
            {
                if rule_comment(a).is_some_and(present)
                    && (!write
                        || store.transition(
                            a.id,
                            State::Failed,
                            State::Applied,
                            "its rule was found in place",
                        )?)
                {
                    notes.push(msg!(
                        "control-action-was-recorded-as-failed-but",
                        id = a.id.to_string(),
                        port = a.port.to_string(),
                        protocol = a.protocol.to_string()
                    ));
                }
            }
            for r in l {
                match &r.tag {
                    Some(tag) => {
                        let known = all.iter().any(|a| {
                            a.undone_at.is_none() && rule_comment(a) == Some(&tag.comment())
                        });
                        if known {
                            continue;
                        }
                        if write {
                            if let Some(id) = adopt(p, store, tag)? {
                                notes.push(msg!(
                                    windows_or(
                                        p,
                                        "control-a-portwarden-rule-was-in-inet",
                                        "control-windows-rule-adopted"
                                    ),
                                    rule_text = p.os.rule_text(tag),
                                    id = id.to_string()
                                ));
                            }
                        } else {
                            notes.push(msg!(
                                windows_or(
                                    p,
                                    "control-a-portwarden-rule-is-in-inet",
                                    "control-windows-rule-unrecorded"
                                ),
                                rule_text = p.os.rule_text(tag),
                                handle = r.handle.to_string(),
                                port = tag.port.to_string(),
                                transport = tag.transport.to_string()
                            ));
                        }
                    }
                    None => {
                        let comment = r.comment.as_deref().map(|c| format!("\"{}\"", shown(c)));
                        notes.push(msg!(
                            windows_or(p, "control-foreign-rule", "control-windows-foreign-rule"),
                            handle = r.handle.to_string(),
                            comment = comment.map_or_else(
                                || Arg::from(Msg::new("control-no-comment")),
                                Arg::from
                            )
                        ))
                    }
                }
            }
        }
        Err(e) => {
            let open_rules = all.iter().any(|a| {
                a.undone_at.is_none() && a.state == State::Applied && rule_comment(a).is_some()
            });
            if unreadable || open_rules {
                notes.push(msg!(
                    windows_or(
                        p,
                        "control-cannot-read-table-inet-portwarden-to",
                        "control-windows-cannot-read-rules"
                    ),
                    error = e.to_string()
                ));
            }
        }
    }
    Ok(notes)
}

/// What undoing one action did.
#[derive(Debug, Clone, Serialize)]
pub struct Reopened {
    /// The action.
    pub action_id: i64,
    /// What was done, or why nothing could be (JSON: its English text).
    #[serde(serialize_with = "portwarden_i18n::english")]
    pub message: Msg,
    /// Whether the action was reversed.
    pub reversed: bool,
}

/// Undoes every open action on `port`/`transport`, newest first. Tagged rules for the
/// port that the journal does not hold are adopted first, so they are removed too. When
/// `nft` cannot be run (or fails) and there may be a rule to delete, that is an error and
/// no record is changed.
pub fn undo(
    port: u16,
    transport: Transport,
    p: &Platform,
    store: &dyn Journal,
    paths: &nft::PersistPaths,
    nft_available: bool,
) -> Result<Vec<Reopened>, Error> {
    let mut actions = store.open_actions(port, transport.as_str())?;
    let wants_nft = actions.iter().any(|a| rule_comment(a).is_some());
    let listed = if nft_available || wants_nft {
        let l = p.firewall.list().map_err(|e| {
            fw_err(
                p,
                format!("{e}; nothing was undone, the journal is unchanged"),
            )
        })?;
        let mut adopted = false;
        for tag in l
            .iter()
            .filter_map(|r| r.tag.as_ref())
            .filter(|t| t.port == port && t.transport == transport)
        {
            if !actions
                .iter()
                .any(|a| rule_comment(a) == Some(&tag.comment()))
            {
                adopted |= adopt(p, store, tag)?.is_some();
            }
        }
        if adopted {
            actions = store.open_actions(port, transport.as_str())?;
        }
        l
    } else {
        Vec::new()
    };
    let mut out: Vec<Reopened> = Vec::new();
    for a in actions {
        match undo_one(&a, p, store, paths, &listed) {
            Ok(r) => out.push(r),
            Err(e) => {
                let before: Vec<String> = out
                    .iter()
                    .map(|r| {
                        format!(
                            "#{}: {}",
                            r.action_id,
                            r.message.to_string_in(portwarden_i18n::Lang::En)
                        )
                    })
                    .collect();
                return Err(Error::Step(format!(
                    "action #{}: {e}; it stays open in the journal{}",
                    a.id,
                    if before.is_empty() {
                        String::new()
                    } else {
                        format!(" (done before: {})", before.join("; "))
                    }
                )));
            }
        }
    }
    Ok(out)
}

fn undo_one(
    a: &Action,
    p: &Platform,
    store: &dyn Journal,
    paths: &nft::PersistPaths,
    listed: &[nft::Listed],
) -> Result<Reopened, Error> {
    let (message, reversed) = match &a.undo {
        Undo::DeleteRule { comment, persisted } => {
            let handles: Vec<&nft::Listed> = listed
                .iter()
                .filter(|r| r.comment.as_deref() == Some(comment.as_str()))
                .collect();
            if !handles.is_empty() {
                p.firewall.remove(&handles).map_err(|e| fw_err(p, e))?;
            }
            if persisted.is_some() {
                persist_from_journal(p, store, paths, Some(a.id))?;
            }
            if handles.is_empty() {
                (msg!("control-the-rule-was-already-gone"), true)
            } else {
                let rule = nft::Tag::parse(comment).map_or_else(
                    || a.summary.trim_start_matches("firewall: ").to_string(),
                    |t| p.os.rule_text(&t),
                );
                (
                    msg!("control-deleted-the-firewall-rule", rule = rule.to_string()),
                    true,
                )
            }
        }
        Undo::StartUnit { unit, was_enabled } => {
            if !p.os.plain_service_name(unit) {
                return Err(Error::Step(format!(
                    "action #{}: the journal names {:?}, which is not a plain service unit; not started",
                    a.id,
                    shown(unit)
                )));
            }
            let previous = Startup {
                enabled: *was_enabled,
                kind: a.detail[STARTUP_KEY].as_str().map(str::to_string),
            };
            p.services.restore(unit, &previous).map_err(Error::Step)?;
            p.services.start(unit).map_err(Error::Step)?;
            (
                msg!(
                    if *was_enabled {
                        "control-started-and-enabled"
                    } else {
                        "control-started"
                    },
                    unit = unit.as_str()
                ),
                true,
            )
        }
        Undo::RemoveBlock { addr, .. } => {
            let ip: std::net::IpAddr = addr.parse().map_err(|_| {
                Error::Step(format!(
                    "action #{}: the journal names {:?}, which is not an address",
                    a.id,
                    shown(addr)
                ))
            })?;
            let r = block::unblock(p, store, ip).map_err(|e| Error::Step(e.to_string()))?;
            let m = msg!(
                if r.was_blocked {
                    "control-unblocked"
                } else {
                    "control-no-longer-blocked"
                },
                ip = ip.to_string()
            );
            return Ok(Reopened {
                action_id: a.id,
                message: m,
                reversed: true,
            });
        }
        Undo::Irreversible { reason, cmdlines } => {
            // The journal keeps the English reason; the known ones have their message.
            let why = if reason.starts_with("a killed process cannot be resurrected") {
                Msg::new("control-undo-killed")
            } else if reason.starts_with("dropped connections cannot be restored") {
                Msg::new("control-undo-dropped")
            } else {
                msg!("control-undo-impossible", reason = reason.as_str())
            };
            let mut m = why;
            if !cmdlines.is_empty() {
                m = msg!(
                    "control-undo-it-ran",
                    why = m,
                    cmdlines = cmdlines.join(" | ")
                );
            }
            (m, false)
        }
    };
    store.mark_undone(a.id, &p.host.now())?;
    Ok(Reopened {
        action_id: a.id,
        message,
        reversed,
    })
}

/// The system clock now, RFC 3339 UTC (every real platform's `now`).
pub(crate) fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(secs)
}

/// RFC 3339 UTC, to the second, for a UNIX time.
pub fn rfc3339(secs: u64) -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
    humantime::format_rfc3339_seconds(t).to_string()
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_windows;
