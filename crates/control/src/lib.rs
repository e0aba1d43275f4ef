//! Closing a port safely, and opening it again.
//!
//! [`plan`] is pure: from the local inventory, the port and the caller's context it works
//! out who owns the port, what each step would do, which clients are connected, and what
//! must be refused. [`execute`] carries a plan out through a [`System`] (the OS
//! touchpoints: signals, systemctl, nft, SOCK_DESTROY), records it in the journal, and
//! [`undo`] reverses what can be reversed. [`linux::Linux`] is the real system; tests use
//! fakes.

mod destroy;
pub mod linux;
pub mod nft;

use portwarden_sockets::{Inventory, RawSocket, SockState, Transport};
use portwarden_store::{Action, NewAction, Store, Undo};
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
    /// One line for people.
    pub reason: String,
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
/// the least destructive step that closes the door from outside: the firewall when nft
/// is available, else stopping the owner.
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
    let how_is_default = how.is_none();
    let how = how.unwrap_or(if ctx.nft { How::Firewall } else { How::Kill });
    let mut refusals = Vec::new();
    let mut refuse = |reason: String, overridable: bool| {
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
                format!("port {port}/tcp carries the SSH session this command runs through; closing it could lock you out (--force to do it anyway)"),
                true,
            );
        }
    }
    match how {
        How::Kill | How::Service => {
            if listeners.is_empty() {
                refuse(format!("nothing listens on port {port}/{transport}"), false);
            } else if owners.is_empty() {
                refuse(
                    format!("no visible process owns port {port}/{transport}; run as root to see every owner"),
                    false,
                );
            }
            for o in &owners {
                if o.pid == 1 {
                    refuse(format!("port {port}/{transport} belongs to PID 1 ({}); portwarden never stops the init process", o.name), false);
                }
                if o.pid == ctx.self_pid {
                    refuse("the port belongs to portwarden itself".into(), false);
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
                        format!(
                            "{distinct} processes share port {port}/{transport}: {}; name them all with --pid to proceed",
                            list.join(", ")
                        ),
                        false,
                    );
                }
            } else if let (Some(o), false) = (owners.first(), ctx.named_pids.is_empty()) {
                if !ctx.named_pids.contains(&o.pid) {
                    refuse(
                        format!(
                            "--pid names {:?} but port {port}/{transport} is held by {} ({})",
                            ctx.named_pids, o.pid, o.name
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
                    refuse("systemd is not PID 1 on this machine, so there is no unit to stop; use --how kill or --how firewall".into(), false);
                }
                let mut units: Vec<String> = Vec::new();
                for o in &owners {
                    match &o.unit {
                        Some(u) if u.ends_with(".service") => {
                            if !units.contains(u) {
                                units.push(u.clone());
                            }
                        }
                        _ => refuse(
                            format!(
                                "process {} ({}) does not belong to a systemd service",
                                o.pid, o.name
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
            if !ctx.nft {
                refuse("nft is not installed (apt-get install nftables), so no firewall rule can be added".into(), false);
            }
            steps.push(Step::AddRule {
                rule: rule_text(port, transport, ctx.reject),
            });
            if ctx.persist {
                steps.push(Step::Persist {
                    path: nft::PERSIST_FILE.into(),
                });
            }
        }
        How::Connections => {
            if transport == Transport::Udp {
                refuse(
                    "UDP has no connections to drop; use --how firewall".into(),
                    false,
                );
            }
            for c in &clients {
                steps.push(Step::Destroy { socket: c.clone() });
            }
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

/// Every OS touchpoint that closing and opening need.
pub trait System {
    /// Sends a signal (`SIGTERM`/`SIGKILL`).
    fn signal(&self, pid: u32, kill: bool) -> std::io::Result<()>;
    /// Whether the process still exists (and is not a zombie).
    fn alive(&self, pid: u32) -> bool;
    /// Whether anything still listens on the port.
    fn listening(&self, port: u16, t: Transport) -> bool;
    /// Runs `systemctl ARGS`; stdout on success, stderr on failure.
    fn systemctl(&self, args: &[&str]) -> Result<String, String>;
    /// Feeds a script to `nft -f -`.
    fn nft_script(&self, script: &str) -> Result<(), String>;
    /// Runs `nft -j ARGS` and returns its JSON.
    fn nft_json(&self, args: &[&str]) -> Result<String, String>;
    /// SOCK_DESTROY one socket.
    fn destroy(&self, s: &RawSocket) -> std::io::Result<()>;
    /// Writes a file (for `--persist`).
    fn write_file(&self, path: &str, contents: &str) -> std::io::Result<()>;
    /// Reads a file, if it exists.
    fn read_file(&self, path: &str) -> Option<String>;
    /// Waits (faked in tests).
    fn sleep(&self, d: Duration);
    /// The current time, RFC 3339 UTC.
    fn now(&self) -> String;
    /// Who runs us: (user name, uid).
    fn whoami(&self) -> (String, u32);
}

/// Why carrying out a plan failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The plan has refusals.
    #[error("{0}")]
    Refused(String),
    /// A step failed.
    #[error("{0}")]
    Step(String),
    /// The journal failed.
    #[error(transparent)]
    Store(#[from] portwarden_store::Error),
}

fn perm_hint(e: &std::io::Error, cap: &str) -> String {
    if e.kind() == std::io::ErrorKind::PermissionDenied {
        format!("{e} (needs {cap}: run as root)")
    } else {
        e.to_string()
    }
}

/// What [`execute`] did.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// Journal id of the action.
    pub action_id: i64,
    /// One line per thing done.
    pub done: Vec<String>,
    /// Whether the port is closed from the point of view of the step taken.
    pub verified: bool,
}

/// Carries out `plan`, journalling it in `store`.
pub fn execute(
    plan: &Plan,
    ctx: &Context,
    sys: &dyn System,
    store: &Store,
    timeout: Duration,
) -> Result<Outcome, Error> {
    if !plan.allowed(ctx.force) {
        let reasons: Vec<&str> = plan.refusals.iter().map(|r| r.reason.as_str()).collect();
        return Err(Error::Refused(reasons.join("; ")));
    }
    let (user, uid) = sys.whoami();
    let mut done = Vec::new();
    let mut verified = true;
    let (summary, detail, undo) = match plan.how {
        How::Kill => {
            for o in &plan.owners {
                sys.signal(o.pid, false).map_err(|e| {
                    Error::Step(format!("SIGTERM {}: {}", o.pid, perm_hint(&e, "CAP_KILL")))
                })?;
                done.push(format!("sent SIGTERM to {} ({})", o.pid, o.name));
            }
            let step = Duration::from_millis(50);
            let mut waited = Duration::ZERO;
            while waited < timeout && plan.owners.iter().any(|o| sys.alive(o.pid)) {
                sys.sleep(step);
                waited += step;
            }
            for o in plan.owners.iter().filter(|o| sys.alive(o.pid)) {
                sys.signal(o.pid, true).map_err(|e| {
                    Error::Step(format!("SIGKILL {}: {}", o.pid, perm_hint(&e, "CAP_KILL")))
                })?;
                done.push(format!(
                    "{} ({}) ignored SIGTERM for {:?}; sent SIGKILL",
                    o.pid, o.name, timeout
                ));
            }
            let mut waited = Duration::ZERO;
            while waited < Duration::from_secs(2) && sys.listening(plan.port, plan.transport) {
                sys.sleep(step);
                waited += step;
            }
            verified = !sys.listening(plan.port, plan.transport);
            if !verified {
                done.push(format!(
                    "port {}/{} still listens (another process took it over?)",
                    plan.port, plan.transport
                ));
            }
            (
                format!(
                    "stopped {} process(es) owning {}/{}",
                    plan.owners.len(),
                    plan.port,
                    plan.transport
                ),
                serde_json::json!({ "owners": plan.owners }),
                Undo::Irreversible {
                    reason: "a killed process cannot be resurrected; start it again by hand".into(),
                    cmdlines: plan.owners.iter().map(|o| o.cmdline.clone()).collect(),
                },
            )
        }
        How::Service => {
            let mut first_unit = None;
            let mut was_enabled = false;
            for s in &plan.steps {
                if let Step::StopAndDisable { unit } = s {
                    was_enabled = sys
                        .systemctl(&["is-enabled", unit])
                        .is_ok_and(|o| o.trim() == "enabled");
                    sys.systemctl(&["stop", unit])
                        .map_err(|e| Error::Step(format!("systemctl stop {unit}: {e}")))?;
                    sys.systemctl(&["disable", unit])
                        .map_err(|e| Error::Step(format!("systemctl disable {unit}: {e}")))?;
                    done.push(format!("stopped and disabled {unit}"));
                    first_unit.get_or_insert(unit.clone());
                }
            }
            let unit = first_unit.unwrap_or_default();
            verified = !sys.listening(plan.port, plan.transport);
            (
                format!("stopped and disabled {unit}"),
                serde_json::json!({ "units": plan.steps, "owners": plan.owners }),
                Undo::StartUnit { unit, was_enabled },
            )
        }
        How::Firewall => {
            let stamp = format!("{}-{}", sys.now(), std::process::id());
            let id_hint = nft::comment(plan.port, plan.transport, ctx.reject, &stamp);
            let rule = rule_text(plan.port, plan.transport, ctx.reject);
            sys.nft_script(&nft::add_rule_script(&rule, &id_hint))
                .map_err(|e| Error::Step(format!("nft: {e}")))?;
            done.push(format!("added to table inet portwarden: {rule}"));
            let mut persisted = None;
            if ctx.persist {
                let json = sys
                    .nft_json(&["list", "table", "inet", "portwarden"])
                    .map_err(Error::Step)?;
                nft::persist(sys, &json).map_err(Error::Step)?;
                done.push(format!("wrote {} (loaded at boot)", nft::PERSIST_FILE));
                persisted = Some(nft::PERSIST_FILE.to_string());
            }
            (
                format!("firewall: {rule}"),
                serde_json::json!({ "rule": rule, "comment": id_hint }),
                Undo::DeleteRule {
                    comment: id_hint,
                    persisted,
                },
            )
        }
        How::Connections => {
            let mut n = 0;
            for s in &plan.steps {
                if let Step::Destroy { socket } = s {
                    match sys.destroy(socket) {
                        Ok(()) => {
                            n += 1;
                            done.push(format!("dropped {} -> {}", socket.remote, socket.local));
                        }
                        Err(e) if e.raw_os_error() == Some(nix::libc::ENOENT) => {
                            done.push(format!("{} had already closed", socket.remote));
                        }
                        Err(e) => {
                            return Err(Error::Step(format!(
                                "SOCK_DESTROY {}: {}",
                                socket.remote,
                                perm_hint(&e, "CAP_NET_ADMIN")
                            )))
                        }
                    }
                }
            }
            verified = sys.listening(plan.port, plan.transport) || plan.listeners.is_empty();
            (
                format!(
                    "dropped {n} connection(s) to {}/{}",
                    plan.port, plan.transport
                ),
                serde_json::json!({ "connections": plan.clients }),
                Undo::Irreversible {
                    reason: "dropped connections cannot be restored; clients may reconnect".into(),
                    cmdlines: Vec::new(),
                },
            )
        }
    };
    let id = store.record(&NewAction {
        state: portwarden_store::State::Applied,
        runner: None,
        note: None,
        at: sys.now(),
        user,
        uid,
        port: plan.port,
        protocol: plan.transport.as_str().into(),
        how: plan.how.as_str().into(),
        summary,
        detail,
        undo,
    })?;
    Ok(Outcome {
        action_id: id,
        done,
        verified,
    })
}

/// What undoing one action did.
#[derive(Debug, Clone, Serialize)]
pub struct Reopened {
    /// The action.
    pub action_id: i64,
    /// What was done, or why nothing could be.
    pub message: String,
    /// Whether the action was reversed.
    pub reversed: bool,
}

/// Undoes every open action on `port`/`transport`, newest first.
pub fn undo(
    port: u16,
    transport: Transport,
    sys: &dyn System,
    store: &Store,
) -> Result<Vec<Reopened>, Error> {
    let mut out = Vec::new();
    for a in store.open_actions(port, transport.as_str())? {
        out.push(undo_one(&a, sys, store)?);
    }
    Ok(out)
}

fn undo_one(a: &Action, sys: &dyn System, store: &Store) -> Result<Reopened, Error> {
    let (message, reversed) = match &a.undo {
        Undo::DeleteRule { comment, persisted } => {
            let json = sys
                .nft_json(&["list", "table", "inet", "portwarden"])
                .unwrap_or_default();
            let handles = nft::handles_with_comment(&json, comment);
            for h in &handles {
                sys.nft_script(&format!("delete rule inet portwarden input handle {h}\n"))
                    .map_err(|e| Error::Step(format!("nft: {e}")))?;
            }
            if persisted.is_some() {
                let json = sys
                    .nft_json(&["list", "table", "inet", "portwarden"])
                    .unwrap_or_default();
                nft::persist(sys, &json).map_err(Error::Step)?;
            }
            if handles.is_empty() {
                ("the rule was already gone".to_string(), true)
            } else {
                (
                    format!(
                        "deleted the firewall rule ({})",
                        a.summary.trim_start_matches("firewall: ")
                    ),
                    true,
                )
            }
        }
        Undo::StartUnit { unit, was_enabled } => {
            if *was_enabled {
                sys.systemctl(&["enable", unit])
                    .map_err(|e| Error::Step(format!("systemctl enable {unit}: {e}")))?;
            }
            sys.systemctl(&["start", unit])
                .map_err(|e| Error::Step(format!("systemctl start {unit}: {e}")))?;
            (
                format!(
                    "started {unit}{}",
                    if *was_enabled {
                        " and enabled it again"
                    } else {
                        ""
                    }
                ),
                true,
            )
        }
        Undo::Irreversible { reason, cmdlines } => {
            let mut m = reason.clone();
            if !cmdlines.is_empty() {
                m.push_str(&format!("; it ran: {}", cmdlines.join(" | ")));
            }
            (m, false)
        }
    };
    store.mark_undone(a.id, &sys.now())?;
    Ok(Reopened {
        action_id: a.id,
        message,
        reversed,
    })
}

/// RFC 3339 UTC, to the second, for a UNIX time.
pub fn rfc3339(secs: u64) -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
    humantime::format_rfc3339_seconds(t).to_string()
}

#[cfg(test)]
mod tests;
