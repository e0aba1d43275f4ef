//! The audit: which open doors are dangerous, why, and what to do about each.
//!
//! Input is a local [`Inventory`] (plain data, already annotated from the knowledge
//! base) and a [`Context`] of configuration the caller read; output is a list of
//! [`Finding`]s ranked by severity plus counts. Each listener is judged by the program
//! behind it first ([`products`]), by its port's curated entry when the program is
//! unknown, and as a finding of its own when its owner cannot be seen. No I/O: the
//! binary gathers the inventory and renders the report.

pub mod probe;
pub mod products;

use portwarden_i18n::{msg, Arg, Msg};
use portwarden_kb::{PortClass, Risk, SecurityEntry, Text};
use portwarden_sockets::{
    Exposure, Inventory, Ownership, ProcessInfo, Reach, SocketEntry, Transport,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// The kind of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A listener on a port known for trojans or backdoors.
    BackdoorPort,
    /// A risky service reachable from the network.
    ExposedService,
    /// A risky service bound to loopback only (kept for the record, low severity).
    LocalService,
    /// A listener on a network address whose owner cannot be seen from here.
    HiddenOwner,
    /// A listener no entry knows.
    UnknownListener,
    /// A weakness `audit --probe` proved by connecting to the listener (Redis without a
    /// password, anonymous FTP, a self-signed certificate…).
    Proven,
}

/// The program behind a finding, when the product table knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Owner {
    /// Its process id.
    pub pid: u32,
    /// Its process name (`redis-server`).
    pub program: String,
    /// The product it is (`Redis`).
    pub product: &'static str,
    /// The product's service key (`redis`), shown by `ls` in place of the port's name.
    pub service: &'static str,
}

/// One finding about one listening port.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// How serious it is.
    pub severity: Risk,
    /// What kind of finding.
    pub kind: Kind,
    /// TCP or UDP.
    pub transport: Transport,
    /// The port.
    pub port: u16,
    /// Local addresses it is bound to.
    pub addresses: Vec<String>,
    /// The widest exposure among them.
    pub exposure: Exposure,
    /// Owning processes (pid, name).
    pub processes: Vec<(u32, String)>,
    /// systemd units of the owners.
    pub units: Vec<String>,
    /// Service name: the product's, else curated or IANA.
    pub service: Option<String>,
    /// The product behind the door, when the program is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<Owner>,
    /// A remark on top of the judgement ("off its port", a trojan port held by a known
    /// program).
    /// (A catalog message; JSON carries its text in every language, as before.)
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "portwarden_i18n::every_lang_opt"
    )]
    pub note: Option<Msg>,
    /// Why this matters (JSON: `{"en": …, "zh": …}`).
    #[serde(serialize_with = "portwarden_i18n::every_lang")]
    pub why: Msg,
    /// What to do (JSON: `{"en": …, "zh": …}`).
    #[serde(serialize_with = "portwarden_i18n::every_lang")]
    pub action: Msg,
    /// Known malware on the port, if any.
    pub malware: Vec<String>,
    /// The portwarden command that closes the door; empty when the door is already shut.
    pub command: String,
    /// What the firewall lets in, when the ruleset was read: the most exposed answer
    /// among the door's sockets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reach: Option<Reach>,
    /// The containers its owners run in (runtime, id, image where readable).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub containers: Vec<portwarden_sockets::Container>,
    /// What a probe proved, for [`Kind::Proven`] findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proof: Option<probe::Proof>,
}

/// Counts of sockets by kind, for the summary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    /// Every socket.
    pub sockets: usize,
    /// Listening TCP sockets and unconnected UDP sockets.
    pub listening: usize,
    /// Listeners by exposure.
    pub by_exposure: BTreeMap<String, usize>,
    /// Listeners by port class.
    pub by_class: BTreeMap<String, usize>,
    /// Sockets by state.
    pub by_state: BTreeMap<String, usize>,
    /// Established connections.
    pub established: usize,
    /// Non-loopback listeners by what the firewall lets in (when the ruleset was read).
    pub by_reach: BTreeMap<String, usize>,
}

/// The whole audit.
#[derive(Debug, Clone, Serialize)]
pub struct Audit {
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// Socket counts.
    pub counts: Counts,
    /// Owners we could not see (non-root).
    pub hidden_owners: bool,
    /// Why the firewall rules were not read, when they were not (set by the caller that
    /// tried to read them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firewall_unread: Option<String>,
    /// What `--probe` did, when it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probe: Option<probe::ProbeSummary>,
    /// How many findings the baseline accepted and left out (`audit --baseline`, set by
    /// the caller that applied it): an empty list then means "nothing new", not
    /// "nothing risky".
    #[serde(skip_serializing_if = "is_zero")]
    pub accepted: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Audit {
    /// The most severe finding's level.
    pub fn worst(&self) -> Option<Risk> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// Facts the caller read for the audit besides the inventory: the service lines of the
/// super-servers' configuration files (inetd.conf), so that a port inetd holds is judged
/// by the service it starts.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Service lines of every inetd configuration file read.
    pub inetd: Vec<products::InetdService>,
}

fn close_cmd(t: Transport, port: u16) -> String {
    format!("portwarden close {port}/{t}")
}

/// The severity of a fact once its exposure is known: all interfaces keep the level, one
/// address lowers it by one, loopback keeps only a note for the dangerous ones.
pub fn by_exposure(risk: Risk, exposure: Exposure) -> Option<Risk> {
    match exposure {
        Exposure::All => Some(risk),
        Exposure::Specific => Some(lower(risk)),
        Exposure::Loopback => (risk >= Risk::High).then_some(Risk::Info),
    }
}

/// The severity of a curated port entry for a listener whose owner is unknown or not in
/// the product table: a trojan port is critical (high on loopback), others follow
/// [`by_exposure`]. `lookup` and `ls` show this same level, so one fact has one severity.
pub fn port_severity(e: &SecurityEntry, exposure: Exposure) -> Option<Risk> {
    if e.backdoor {
        Some(if exposure == Exposure::Loopback {
            Risk::High
        } else {
            Risk::Critical
        })
    } else {
        by_exposure(e.risk, exposure)
    }
}

/// Runs the audit over an inventory alone.
pub fn audit(inv: &Inventory) -> Audit {
    audit_with(inv, &Context::default())
}

/// Gives each listener the audit's severity for its door (none when the audit has no
/// finding there) and, when the program is known, its product's service name: `ls`
/// then says what `audit` says (sshd on 2222 is "ssh", not the port's IANA name).
pub fn annotate(inv: &mut Inventory, ctx: &Context) {
    // The findings alone: `ls` shows no counts.
    let findings = judge(inv, ctx);
    let by: BTreeMap<(Transport, u16), &Finding> = findings
        .iter()
        .rev()
        .map(|f| ((f.transport, f.port), f))
        .collect();
    for e in inv.sockets.iter_mut().filter(|e| e.socket.is_listening()) {
        let f = by.get(&(e.socket.transport, e.socket.local.port()));
        e.risk = f.map(|f| f.severity);
        if let Some(o) = f.and_then(|f| f.product.as_ref()) {
            if o.service != "inetd" && o.service != "xinetd" {
                e.service = Some(o.service);
            }
        }
    }
}

/// What is shared by every finding about one door.
struct Door<'a> {
    t: Transport,
    port: u16,
    exposure: Exposure,
    addresses: Vec<String>,
    processes: Vec<(u32, String)>,
    units: Vec<String>,
    containers: Vec<portwarden_sockets::Container>,
    socks: Vec<&'a SocketEntry>,
    /// The sockets came from Windows: advice names Windows' commands.
    windows: bool,
}

impl Door<'_> {
    fn finding(&self, severity: Risk, kind: Kind, why: Msg, action: Msg) -> Finding {
        Finding {
            severity,
            kind,
            transport: self.t,
            port: self.port,
            addresses: self.addresses.clone(),
            exposure: self.exposure,
            processes: self.processes.clone(),
            units: self.units.clone(),
            service: self.socks[0].annotation.name().map(str::to_string),
            product: None,
            note: None,
            why,
            action,
            malware: Vec::new(),
            command: close_cmd(self.t, self.port),
            reach: None,
            containers: self.containers.clone(),
            proof: None,
        }
    }

    fn where_(&self) -> Msg {
        Msg::new(match self.exposure {
            Exposure::All => "audit-where-all",
            Exposure::Specific => "audit-where-address",
            Exposure::Loopback => "audit-where-loopback",
        })
    }

    /// Whether a listener on a network address has an owner nobody can see from here.
    fn hidden(&self) -> bool {
        self.processes.is_empty()
            && self.exposure != Exposure::Loopback
            && !(self.t == Transport::Udp && self.port >= 32768)
            && self.socks.iter().any(|e| {
                e.ownership == Ownership::Hidden
                    || e.ownership == Ownership::Unknown
                    || (e.ownership == Ownership::None && e.socket.inode != 0)
            })
    }
}

/// Runs the audit over an inventory and what the caller read besides.
pub fn audit_with(inv: &Inventory, ctx: &Context) -> Audit {
    Audit {
        findings: judge(inv, ctx),
        counts: count(inv),
        hidden_owners: inv.unreadable_processes > 0,
        firewall_unread: None,
        probe: None,
        accepted: 0,
    }
}

/// The summary's counts: one pass, no allocation per socket (a host may hold 100k).
fn count(inv: &Inventory) -> Counts {
    let mut counts = Counts {
        sockets: inv.sockets.len(),
        ..Counts::default()
    };
    let mut by_state: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut by_exposure: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut by_class: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut by_reach: BTreeMap<&'static str, usize> = BTreeMap::new();
    for e in &inv.sockets {
        *by_state.entry(e.socket.state.ss_name()).or_default() += 1;
        if e.socket.state == portwarden_sockets::SockState::Established {
            counts.established += 1;
        }
        if !e.socket.is_listening() {
            continue;
        }
        counts.listening += 1;
        *by_exposure.entry(e.exposure.as_str()).or_default() += 1;
        let class = match PortClass::of(e.socket.local.port()) {
            PortClass::WellKnown => "well-known",
            PortClass::Registered => "registered",
            PortClass::Dynamic => "dynamic",
        };
        *by_class.entry(class).or_default() += 1;
        if let Some(r) = e.reach.as_ref().filter(|r| **r != Reach::Loopback) {
            *by_reach.entry(r.word()).or_default() += 1;
        }
    }
    let owned = |m: BTreeMap<&'static str, usize>| -> BTreeMap<String, usize> {
        m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    };
    counts.by_state = owned(by_state);
    counts.by_exposure = owned(by_exposure);
    counts.by_class = owned(by_class);
    counts.by_reach = owned(by_reach);
    counts
}

/// The findings: each door (transport, port) judged once, whatever the number of its
/// sockets and of the connections to it; no work per established connection.
fn judge(inv: &Inventory, ctx: &Context) -> Vec<Finding> {
    // Group listeners by (transport, port): one finding per door, whatever the addresses.
    let mut doors: BTreeMap<(Transport, u16), Vec<&SocketEntry>> = BTreeMap::new();
    for e in inv.sockets.iter().filter(|e| e.socket.is_listening()) {
        doors
            .entry((e.socket.transport, e.socket.local.port()))
            .or_default()
            .push(e);
    }
    let mut findings = Vec::new();
    let mut reach_of: BTreeMap<(Transport, u16), Reach> = BTreeMap::new();
    for ((t, port), socks) in doors {
        if let Some(r) = socks
            .iter()
            .filter_map(|e| e.reach.clone())
            .max_by_key(Reach::rank)
        {
            reach_of.insert((t, port), r);
        }
        let exposure = socks
            .iter()
            .map(|e| e.exposure)
            .max()
            .unwrap_or(Exposure::Loopback);
        let mut addresses: Vec<String> = socks
            .iter()
            .map(|e| e.socket.local.ip().to_string())
            .collect();
        addresses.sort();
        addresses.dedup();
        let mut processes: Vec<(u32, String)> = Vec::new();
        let mut units: Vec<String> = Vec::new();
        let mut owners: Vec<&ProcessInfo> = Vec::new();
        for e in &socks {
            for pid in &e.pids {
                if let Some(p) = inv.processes.get(pid) {
                    if !processes.iter().any(|(x, _)| x == pid) {
                        processes.push((*pid, p.name.clone()));
                        owners.push(p);
                    }
                    if let Some(u) = &p.unit {
                        if !units.contains(u) {
                            units.push(u.clone());
                        }
                    }
                }
            }
        }
        let mut containers: Vec<portwarden_sockets::Container> = Vec::new();
        for c in owners.iter().filter_map(|p| p.container.as_ref()) {
            if !containers.iter().any(|x| x.id == c.id) {
                containers.push(c.clone());
            }
        }
        let door = Door {
            t,
            port,
            exposure,
            addresses,
            processes,
            units,
            containers,
            socks,
            windows: inv.source == portwarden_sockets::Source::IpHelper,
        };
        let matched = owners
            .iter()
            .find_map(|p| products::identify(p).map(|m| (*p, m)));
        let finding = match matched {
            Some((p, m)) if m.trusted => judge_product(&door, p, m.product, ctx),
            _ if door.hidden() => Some(judge_hidden(&door, inv.unreadable_processes > 0)),
            other => judge_port(&door, other.map(|(p, _)| p), owners.first().copied()),
        };
        findings.extend(finding);
    }
    for f in &mut findings {
        if let Some(r) = reach_of.get(&(f.transport, f.port)) {
            firewall_says(f, r);
        }
    }
    rank_findings(&mut findings);
    findings
}

/// Most severe first, then most exposed, then by kind, port and transport.
fn rank_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.exposure.cmp(&a.exposure))
            .then(a.kind.cmp(&b.kind))
            .then(a.port.cmp(&b.port))
            .then(a.transport.cmp(&b.transport))
    });
}

/// A listener whose program is in the product table: judged as that program, whatever
/// the port; "off its port" is a note on top.
fn judge_product(
    door: &Door,
    p: &ProcessInfo,
    product: &'static products::Product,
    ctx: &Context,
) -> Option<Finding> {
    let where_ = door.where_();
    let owner = Owner {
        pid: p.pid,
        program: p.name.clone(),
        product: product.name,
        service: product.key,
    };
    if product.superserver {
        return judge_superserver(door, p, owner, product, ctx);
    }
    let risk = match door.t {
        Transport::Udp => product.udp_risk.unwrap_or(product.risk),
        Transport::Tcp => product.risk,
    };
    let off_port = !product.ports.is_empty() && !product.ports.contains(&door.port);
    let severity = match by_exposure(risk, door.exposure) {
        Some(s) if s >= Risk::Low || door.exposure == Exposure::Loopback || off_port => s,
        _ => return None,
    };
    let kind = if door.exposure == Exposure::Loopback {
        Kind::LocalService
    } else {
        Kind::ExposedService
    };
    let name = &owner.program;
    let mut f = door.finding(
        severity,
        kind,
        msg!(
            "audit-product-why",
            who = who(name, product.name),
            where = where_.clone(),
            why = Msg::new(product.why)
        ),
        Msg::new(product.advice),
    );
    f.service = Some(product.key.to_string());
    if let Some(conf) = products::config_from_cmdline(p) {
        f.action = msg!("audit-advice-config", advice = f.action, conf = conf);
    }
    let mut notes: Vec<Msg> = Vec::new();
    if off_port {
        let usual: Vec<String> = product.ports.iter().map(u16::to_string).collect();
        notes.push(msg!(
            "audit-note-off-port",
            product = product.name,
            usual = usual.join(", "),
            port = door.port.to_string(),
            transport = door.t.to_string()
        ));
    }
    if let Some(e) = door.socks[0].annotation.entry.filter(|e| e.backdoor) {
        notes.push(msg!(
            "audit-note-trojan-list",
            port = door.port.to_string(),
            names = e.malware.join(", "),
            program = name
        ));
    }
    f.note = join_notes(notes);
    f.product = Some(owner);
    Some(f)
}

/// "redis-server (Redis)", or just "memcached" when the program is named as its product.
fn who(program: &str, product: &str) -> Msg {
    if program.eq_ignore_ascii_case(product) {
        msg!("audit-who-same", program = program)
    } else {
        msg!("audit-who-named", program = program, product = product)
    }
}

fn join_notes(notes: Vec<Msg>) -> Option<Msg> {
    notes
        .into_iter()
        .reduce(|first, second| msg!("audit-notes-join", first = first, second = second))
}

/// A curated knowledge-base text (data in both languages) as a message.
fn curated(t: &Text) -> Msg {
    msg!("audit-text", text = Arg::from(*t))
}

/// A port an internet super-server (inetd, xinetd) holds: judged by the service it starts
/// there, with advice about the super-server's own configuration.
fn judge_superserver(
    door: &Door,
    p: &ProcessInfo,
    owner: Owner,
    product: &'static products::Product,
    ctx: &Context,
) -> Option<Finding> {
    let where_ = door.where_();
    // The lines of the file this very inetd reads (other inetds run other files).
    let file = products::inetd_conf_path(p);
    let line = ctx
        .inetd
        .iter()
        .filter(|s| s.file == file || product.key != "inetd")
        .find(|s| s.transport == door.t && s.port() == Some(door.port));
    let entry = door.socks[0].annotation.entry;
    let service = line
        .map(|l| l.service.clone())
        .or_else(|| door.socks[0].annotation.name().map(str::to_string))
        .unwrap_or_else(|| door.port.to_string());
    let risk = entry
        .filter(|e| !e.backdoor)
        .map_or(product.risk, |e| e.risk);
    let severity = by_exposure(risk, door.exposure)?;
    let kind = if door.exposure == Exposure::Loopback {
        Kind::LocalService
    } else {
        Kind::ExposedService
    };
    let program: Arg = line.map_or(Arg::from(""), |l| {
        if l.program == "internal" {
            Arg::from(Msg::new("audit-inetd-builtin"))
        } else {
            Arg::from(msg!("audit-inetd-program", program = l.program.as_str()))
        }
    });
    let from: Arg = line.map_or(Arg::from(""), |l| {
        Arg::from(msg!("audit-inetd-from", file = l.file.as_str()))
    });
    let reason: Arg = entry.map_or(Arg::from(""), |e| Arg::from(e.risk_reason));
    let why = msg!(
        "audit-inetd-why",
        who = who(&owner.program, product.name),
        where = where_,
        service = service.as_str(),
        program = program,
        from = from,
        reason = reason
    );
    let pid = p.pid.to_string();
    let action = if product.key == "xinetd" {
        msg!("audit-xinetd-advice", service = service.as_str(), pid = pid)
    } else {
        let file = line.map_or("/etc/inetd.conf", |l| l.file.as_str());
        msg!(
            "audit-inetd-advice",
            service = service.as_str(),
            file = file,
            pid = pid
        )
    };
    let mut f = door.finding(severity, kind, why, action);
    f.service = Some(service);
    f.product = Some(owner);
    Some(f)
}

/// How to stop a program's service for good: `systemctl disable --now` for a systemd
/// unit; on Windows, for the services the process hosts (`unit` holds their names),
/// `sc config … start= disabled` and `Set-Service`.
fn stop_advice(unit: &str, windows: bool) -> Msg {
    if !windows {
        return msg!("audit-stop-unit", unit = unit);
    }
    let names: Vec<&str> = unit.split(", ").filter(|n| !n.is_empty()).collect();
    match names.as_slice() {
        [one] => msg!("platform-audit-stop-service", service = *one),
        _ => msg!("platform-audit-stop-services", services = unit),
    }
}

/// A listener on a network address whose owner cannot be seen from here.
fn judge_hidden(door: &Door, not_root: bool) -> Finding {
    let port = door.port.to_string();
    let entry = door.socks[0].annotation.entry;
    let severity = entry
        .and_then(|e| port_severity(e, door.exposure))
        .map_or(Risk::Medium, |s| s.max(Risk::Medium));
    let (cause, see) = if door.windows {
        (
            Msg::new("platform-audit-hidden-cause-windows"),
            msg!("platform-audit-hidden-see-windows", port = port.as_str()),
        )
    } else if not_root {
        (
            Msg::new("audit-hidden-cause-not-root"),
            msg!("audit-hidden-see-not-root", port = port.as_str()),
        )
    } else {
        (
            Msg::new("audit-hidden-cause-namespace"),
            msg!("audit-hidden-see-namespace", port = port.as_str()),
        )
    };
    let known: Arg = entry.map_or(Arg::from(""), |e| {
        Arg::from(msg!(
            "audit-hidden-known",
            title = Arg::from(e.title),
            reason = Arg::from(e.risk_reason)
        ))
    });
    let mut f = door.finding(
        severity,
        Kind::HiddenOwner,
        msg!(
            "audit-hidden-why",
            port = port.as_str(),
            transport = door.t.to_string(),
            where = door.where_(),
            cause = cause,
            known = known
        ),
        see,
    );
    if let Some(e) = entry.filter(|e| e.backdoor) {
        f.malware = e.malware.iter().map(|s| s.to_string()).collect();
    }
    // Find out what it is before shutting it in: it may be what keeps this host running.
    f.command.clear();
    f
}

/// The fallback: the curated entry of the port when the owner is unknown, not in the
/// product table, or not to be trusted to be what it calls itself.
fn judge_port(
    door: &Door,
    untrusted: Option<&ProcessInfo>,
    owner: Option<&ProcessInfo>,
) -> Option<Finding> {
    let where_ = door.where_();
    let (t, port) = (door.t, door.port);
    let first = door.socks[0];
    let untrusted_note = untrusted.map(|p| {
        msg!(
            "audit-note-untrusted-exe",
            program = p.name.as_str(),
            exe = p.exe.clone().unwrap_or_default()
        )
    });
    let mut f = if let Some(en) = first.annotation.entry {
        let sev = port_severity(en, door.exposure)?;
        if en.backdoor {
            let mut f = door.finding(
                sev,
                Kind::BackdoorPort,
                msg!(
                    "audit-backdoor-why",
                    where = where_,
                    names = en.malware.join(", "),
                    attackers = Arg::from(en.attackers)
                ),
                curated(&en.advice),
            );
            f.malware = en.malware.iter().map(|s| s.to_string()).collect();
            f
        } else {
            if sev < Risk::Low && door.exposure != Exposure::Loopback {
                return None;
            }
            let kind = if door.exposure == Exposure::Loopback {
                Kind::LocalService
            } else {
                Kind::ExposedService
            };
            let mut f = door.finding(
                sev,
                kind,
                msg!(
                    "audit-port-why",
                    title = Arg::from(en.title),
                    where = where_,
                    reason = Arg::from(en.risk_reason)
                ),
                curated(&en.advice),
            );
            f.malware = en.malware.iter().map(|s| s.to_string()).collect();
            if let Some(p) = owner.filter(|_| untrusted.is_none()) {
                f.note = Some(msg!(
                    "audit-note-unknown-program",
                    program = p.name.as_str()
                ));
            }
            f
        }
    } else if first.annotation.service.is_none()
        && door.exposure != Exposure::Loopback
        && !(t == Transport::Udp && door.processes.is_empty() && port >= 32768)
    {
        match owner {
            Some(p) => {
                let name = p.name.as_str();
                let stop: Arg = p
                    .unit
                    .as_deref()
                    .map_or(Arg::from(""), |u| Arg::from(stop_advice(u, door.windows)));
                door.finding(
                    Risk::Low,
                    Kind::UnknownListener,
                    msg!(
                        "audit-unknown-program-why",
                        program = name,
                        pid = p.pid.to_string(),
                        port = port.to_string(),
                        transport = t.to_string(),
                        where = where_
                    ),
                    msg!("audit-unknown-program-advice", program = name, stop = stop),
                )
            }
            None => door.finding(
                Risk::Low,
                Kind::UnknownListener,
                msg!(
                    "audit-unknown-port-why",
                    port = port.to_string(),
                    transport = t.to_string(),
                    where = where_
                ),
                msg!("audit-unknown-port-advice", port = port.to_string()),
            ),
        }
    } else {
        return None;
    };
    if let Some(n) = untrusted_note {
        f.note = Some(n);
    }
    Some(f)
}

/// Weighs a finding by what the firewall lets in: a door the firewall shuts is a note,
/// one it opens to a few senders is one step less severe.
fn firewall_says(f: &mut Finding, r: &Reach) {
    let add = |f: &mut Finding, firewall: Msg| {
        let why = std::mem::replace(&mut f.why, Msg::new(""));
        f.why = msg!("audit-why-firewall", why = why, firewall = firewall);
    };
    match r {
        Reach::Blocked { by } if by.is_portwarden() => {
            f.severity = Risk::Info;
            f.command.clear();
            let what = match by.action {
                Some(id) => msg!("audit-fw-by-action", id = id.to_string()),
                None => msg!(
                    "audit-fw-by-rule",
                    comment = by.comment.clone().unwrap_or_default()
                ),
            };
            let (port, transport) = (f.port.to_string(), f.transport.to_string());
            add(
                f,
                msg!(
                    "audit-fw-closed-by-portwarden",
                    what = what,
                    port = port,
                    transport = transport
                ),
            );
        }
        Reach::Blocked { by } => {
            f.severity = Risk::Info;
            f.command.clear();
            add(f, msg!("audit-fw-blocked", rule = by.describe()));
        }
        Reach::Limited { from } => {
            f.severity = lower(f.severity);
            add(f, msg!("audit-fw-limited", from = from.join("; ")));
        }
        Reach::Forwarded { to } => add(f, msg!("audit-fw-forwarded", to = to.to_string())),
        Reach::Unknown { why } => add(f, msg!("audit-fw-unknown", why = why.to_string())),
        Reach::Open | Reach::Loopback => {}
    }
    f.reach = Some(r.clone());
}

fn lower(r: Risk) -> Risk {
    match r {
        Risk::Critical => Risk::High,
        Risk::High => Risk::Medium,
        Risk::Medium => Risk::Low,
        _ => Risk::Info,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portwarden_kb::Lang;
    use portwarden_sockets::{join, ProcTable, ProcessInfo, RawSocket, SockState, Source};

    fn listen(t: Transport, addr: &str, inode: u64) -> RawSocket {
        let local: std::net::SocketAddr = addr.parse().expect("addr");
        let remote = if local.is_ipv4() {
            "0.0.0.0:0"
        } else {
            "[::]:0"
        };
        RawSocket {
            transport: t,
            local,
            remote: remote.parse().expect("addr"),
            state: if t == Transport::Tcp {
                SockState::Listen
            } else {
                SockState::Unconn
            },
            uid: 0,
            inode,
            recv_q: 0,
            send_q: 0,
            interface: 0,
        }
    }

    fn inv() -> Inventory {
        let raw = vec![
            listen(Transport::Tcp, "0.0.0.0:23", 1),
            listen(Transport::Tcp, "127.0.0.1:3306", 2),
            listen(Transport::Tcp, "0.0.0.0:6379", 3),
            listen(Transport::Tcp, "0.0.0.0:2222", 4),
            listen(Transport::Tcp, "[::]:2222", 5),
            listen(Transport::Tcp, "0.0.0.0:31337", 6),
            listen(Transport::Tcp, "0.0.0.0:47999", 7),
        ];
        let mut p = ProcTable::default();
        p.by_inode.insert(4, vec![10]);
        p.by_inode.insert(5, vec![10]);
        // The other doors belong to a program the product table does not know.
        for inode in [1, 2, 3, 6, 7] {
            p.by_inode.insert(inode, vec![20]);
        }
        p.processes.insert(
            20,
            ProcessInfo {
                pid: 20,
                name: "svc".into(),
                ..Default::default()
            },
        );
        p.processes.insert(
            10,
            ProcessInfo {
                pid: 10,
                name: "sshd".into(),
                unit: Some("ssh.service".into()),
                ..Default::default()
            },
        );
        join(raw, Source::Fake, Some(p))
    }

    #[test]
    fn ranks_exposed_risky_services_above_local_ones() {
        let a = audit(&inv());
        let f = &a.findings;
        assert!(!f.is_empty());
        // Most severe first.
        for w in f.windows(2) {
            assert!(w[0].severity >= w[1].severity);
        }
        let telnet = f.iter().find(|x| x.port == 23).expect("telnet finding");
        assert_eq!(telnet.exposure, Exposure::All);
        assert_eq!(telnet.kind, Kind::ExposedService);
        let bo = f.iter().find(|x| x.port == 31337).expect("31337 finding");
        assert_eq!(bo.kind, Kind::BackdoorPort);
        assert_eq!(bo.severity, Risk::Critical);
        assert_eq!(f[0].port, 31337, "the backdoor ranks first");
        assert!(telnet.severity >= Risk::High, "{telnet:?}");
        assert_eq!(telnet.command, "portwarden close 23/tcp");
        let mysql = f.iter().find(|x| x.port == 3306);
        if let Some(m) = mysql {
            assert_eq!(m.kind, Kind::LocalService);
            assert!(m.severity < telnet.severity);
        }
        let ssh = f.iter().find(|x| x.port == 2222).expect("sshd on 2222");
        assert_eq!(ssh.processes, vec![(10, "sshd".to_string())]);
        assert_eq!(ssh.kind, Kind::ExposedService);
        assert_eq!(ssh.service.as_deref(), Some("ssh"), "not EtherNet-IP-1");
        assert_eq!(f.iter().filter(|x| x.port == 2222).count(), 1);
        assert_eq!(a.counts.listening, 7);
        assert_eq!(a.counts.by_exposure.get("all"), Some(&6));
    }

    #[test]
    fn the_firewall_weighs_each_door() {
        use portwarden_sockets::Blocker;
        let mut i = inv();
        let blocker = |table: &str, comment: Option<&str>| Blocker {
            family: "inet".into(),
            table: table.into(),
            chain: "input".into(),
            handle: Some(4),
            comment: comment.map(str::to_string),
            reject: false,
            action: Some(3),
        };
        for e in &mut i.sockets {
            e.reach = Some(match e.socket.local.port() {
                23 => Reach::Blocked {
                    by: Box::new(blocker("portwarden", Some("portwarden:23:tcp:drop:x"))),
                },
                6379 => Reach::Limited {
                    from: vec!["from 198.18.0.7".into()],
                },
                31337 => Reach::Blocked {
                    by: Box::new(blocker("filter", None)),
                },
                _ => Reach::Open,
            });
        }
        let a = audit(&i);
        let plain = audit(&inv());
        let get = |a: &Audit, port| {
            a.findings
                .iter()
                .find(|f| f.port == port)
                .cloned()
                .expect("finding")
        };
        let telnet = get(&a, 23);
        assert_eq!(telnet.severity, Risk::Info);
        assert!(
            telnet.command.is_empty(),
            "no second close of a closed door"
        );
        assert!(
            telnet
                .why
                .to_string_in(Lang::En)
                .contains("portwarden has closed it"),
            "{}",
            telnet.why.to_string_in(Lang::En)
        );
        let redis = get(&a, 6379);
        assert_eq!(redis.severity, lower(get(&plain, 6379).severity));
        assert!(redis.why.to_string_in(Lang::En).contains("198.18.0.7"));
        assert_eq!(get(&a, 31337).severity, Risk::Info);
        assert_eq!(get(&a, 2222).severity, get(&plain, 2222).severity);
        assert_eq!(a.counts.by_reach.get("blocked"), Some(&2));
        assert_eq!(a.findings[0].severity, a.worst().expect("worst"));
        assert!(a.worst() < plain.worst());
    }

    #[test]
    fn unknown_listener_is_reported() {
        let a = audit(&inv());
        assert!(a
            .findings
            .iter()
            .any(|x| x.port == 47999 && x.kind == Kind::UnknownListener));
    }

    /// A listener at `addr` over `t`, held by `owner` (name, exe, cmdline) or by nobody.
    struct Fixture {
        raw: Vec<RawSocket>,
        procs: ProcTable,
    }

    impl Fixture {
        fn new() -> Fixture {
            Fixture {
                raw: Vec::new(),
                procs: ProcTable::default(),
            }
        }

        fn add(
            mut self,
            t: Transport,
            addr: &str,
            owner: Option<(&str, &str, &[&str])>,
        ) -> Fixture {
            let inode = self.raw.len() as u64 + 100;
            self.raw.push(listen(t, addr, inode));
            if let Some((name, exe, cmd)) = owner {
                let pid = inode as u32;
                self.procs.by_inode.insert(inode, vec![pid]);
                self.procs.processes.insert(
                    pid,
                    ProcessInfo {
                        pid,
                        name: name.into(),
                        exe: Some(exe.into()),
                        cmdline: cmd.iter().map(|s| s.to_string()).collect(),
                        ..Default::default()
                    },
                );
            }
            self
        }

        fn audit(self, ctx: &Context) -> Audit {
            audit_with(&join(self.raw, Source::Fake, Some(self.procs)), ctx)
        }
    }

    fn only(a: &Audit, t: Transport, port: u16) -> Finding {
        let mut it = a
            .findings
            .iter()
            .filter(|f| f.transport == t && f.port == port);
        let f = it
            .next()
            .cloned()
            .unwrap_or_else(|| panic!("no finding for {port}/{t}: {a:#?}"));
        assert!(it.next().is_none(), "one finding per door: {a:#?}");
        f
    }

    const TCP: Transport = Transport::Tcp;
    const UDP: Transport = Transport::Udp;

    #[test]
    fn a_daemon_is_judged_as_itself_whatever_its_port() {
        let redis: (&str, &str, &[&str]) = (
            "redis-server",
            "/usr/bin/redis-server",
            &["redis-server *:7777"],
        );
        let a = Fixture::new()
            .add(TCP, "0.0.0.0:6379", Some(redis))
            .add(TCP, "0.0.0.0:7777", Some(redis))
            .add(
                TCP,
                "0.0.0.0:9999",
                Some(("memcached", "/usr/bin/memcached", &[])),
            )
            .add(
                UDP,
                "0.0.0.0:9999",
                Some(("memcached", "/usr/bin/memcached", &[])),
            )
            .add(
                TCP,
                "0.0.0.0:18830",
                Some(("mosquitto", "/usr/sbin/mosquitto", &[])),
            )
            .add(
                TCP,
                "0.0.0.0:8080",
                Some(("apache2", "/usr/sbin/apache2", &[])),
            )
            .add(TCP, "127.0.0.1:6380", Some(redis))
            .audit(&Context::default());
        let home = only(&a, TCP, 6379);
        let moved = only(&a, TCP, 7777);
        for f in [&home, &moved] {
            assert_eq!(f.severity, Risk::Critical, "{f:#?}");
            assert_eq!(f.kind, Kind::ExposedService);
            assert_eq!(f.product.as_ref().map(|o| o.product), Some("Redis"));
            assert_eq!(f.service.as_deref(), Some("redis"));
            assert!(
                f.action.to_string_in(Lang::En).contains("requirepass")
                    && f.action.to_string_in(Lang::En).contains("protected-mode")
            );
        }
        assert!(home.note.is_none());
        let note = moved.note.clone().expect("off-port note");
        assert!(
            note.to_string_in(Lang::En).contains("Off its port")
                && note.to_string_in(Lang::En).contains("6379"),
            "{note:?}"
        );
        assert!(note.to_string_in(Lang::Zh).contains("不在惯用端口"));

        let mc = only(&a, TCP, 9999);
        assert_eq!(mc.severity, Risk::High);
        assert!(mc.malware.is_empty());
        assert!(
            !mc.action
                .to_string_in(Lang::En)
                .to_lowercase()
                .contains("antivirus"),
            "{}",
            mc.action.to_string_in(Lang::En)
        );
        assert!(
            mc.action.to_string_in(Lang::En).contains("-l 127.0.0.1")
                && mc.action.to_string_in(Lang::En).contains("-U 0")
        );
        assert_eq!(
            only(&a, UDP, 9999).severity,
            Risk::Critical,
            "UDP amplification"
        );

        let mq = only(&a, TCP, 18830);
        assert_eq!(mq.kind, Kind::ExposedService);
        assert_eq!(mq.severity, Risk::High);
        assert!(mq
            .action
            .to_string_in(Lang::En)
            .contains("allow_anonymous false"));

        let web = only(&a, TCP, 8080);
        assert!(
            web.action.to_string_in(Lang::En).contains("ports.conf"),
            "{}",
            web.action.to_string_in(Lang::En)
        );
        assert!(
            !web.action.to_string_in(Lang::En).contains("Tomcat")
                && !web.action.to_string_in(Lang::En).contains("Jenkins")
        );

        let one = Fixture::new()
            .add(TCP, "198.18.0.1:6379", Some(redis))
            .audit(&Context::default());
        assert_eq!(
            only(&one, TCP, 6379).severity,
            Risk::High,
            "one address: a level less"
        );

        let local = only(&a, TCP, 6380);
        assert_eq!(
            (local.kind, local.severity),
            (Kind::LocalService, Risk::Info)
        );
        assert!(a.findings.iter().all(|f| f.kind != Kind::UnknownListener));
    }

    #[test]
    fn a_trojan_port_is_critical_unless_a_known_program_holds_it() {
        let a = Fixture::new()
            .add(
                TCP,
                "0.0.0.0:31337",
                Some(("nc", "/usr/bin/nc.openbsd", &["nc", "-l", "31337"])),
            )
            .add(TCP, "0.0.0.0:12345", None)
            .audit(&Context::default());
        let nc = only(&a, TCP, 31337);
        assert_eq!((nc.kind, nc.severity), (Kind::BackdoorPort, Risk::Critical));
        assert!(!nc.malware.is_empty());

        let legit = Fixture::new()
            .add(
                TCP,
                "0.0.0.0:31337",
                Some(("sshd", "/usr/sbin/sshd", &["sshd: /usr/sbin/sshd -D"])),
            )
            .audit(&Context::default());
        let ssh = only(&legit, TCP, 31337);
        assert_eq!(
            (ssh.kind, ssh.severity),
            (Kind::ExposedService, Risk::Medium)
        );
        assert!(ssh.malware.is_empty());
        assert!(ssh
            .note
            .as_ref()
            .is_some_and(|n| n.to_string_in(Lang::En).contains("trojan lists")));
        assert!(
            !ssh.action.to_string_in(Lang::En).contains("anti-malware"),
            "{}",
            ssh.action.to_string_in(Lang::En)
        );

        let fake = Fixture::new()
            .add(
                TCP,
                "0.0.0.0:31337",
                Some(("sshd", "/dev/shm/.s/sshd", &["sshd"])),
            )
            .audit(&Context::default());
        let f = only(&fake, TCP, 31337);
        assert_eq!((f.kind, f.severity), (Kind::BackdoorPort, Risk::Critical));
        assert!(f
            .note
            .as_ref()
            .is_some_and(|n| n.to_string_in(Lang::En).contains("/dev/shm/.s/sshd")));
    }

    #[test]
    fn inetd_is_judged_by_the_service_it_starts() {
        let inetd: (&str, &str, &[&str]) = (
            "inetutils-inetd",
            "/usr/sbin/inetutils-inetd",
            &["/usr/sbin/inetutils-inetd", "-d", "/tmp/t/inetd.conf"],
        );
        let ctx = Context {
            // Another inetd's file comes first: its lines must not be taken for this one's.
            inetd: products::parse_inetd_conf(
                "echo stream tcp nowait root /bin/cat\n",
                "/tmp/other/inetd.conf",
            )
            .into_iter()
            .chain(products::parse_inetd_conf(
                "echo stream tcp nowait root internal\ntelnet stream tcp nowait root /usr/sbin/tcpd /usr/sbin/telnetd\n",
                "/tmp/t/inetd.conf",
            ))
            .collect(),
        };
        let a = Fixture::new()
            .add(TCP, "0.0.0.0:7", Some(inetd))
            .add(TCP, "0.0.0.0:23", Some(inetd))
            .audit(&ctx);
        let echo = only(&a, TCP, 7);
        assert_eq!(echo.severity, Risk::Medium);
        assert_eq!(echo.service.as_deref(), Some("echo"));
        assert!(
            echo.why.to_string_in(Lang::En).contains("built into inetd"),
            "{}",
            echo.why.to_string_in(Lang::En)
        );
        let telnet = only(&a, TCP, 23);
        assert_eq!(telnet.severity, Risk::Critical);
        assert_eq!(telnet.product.as_ref().map(|o| o.product), Some("inetd"));
        for f in [&echo, &telnet] {
            let s = f.service.clone().unwrap_or_default();
            assert!(
                f.action
                    .to_string_in(Lang::En)
                    .contains("/tmp/t/inetd.conf"),
                "{}",
                f.action.to_string_in(Lang::En)
            );
            assert!(f
                .action
                .to_string_in(Lang::En)
                .contains(&format!("update-inetd --disable {s}")));
            assert!(
                !f.action.to_string_in(Lang::En).contains(".socket")
                    && !f.action.to_string_in(Lang::En).contains("xinetd"),
                "{}",
                f.action.to_string_in(Lang::En)
            );
            assert!(f.action.to_string_in(Lang::Zh).contains("update-inetd"));
        }
        assert!(telnet
            .why
            .to_string_in(Lang::En)
            .contains("/usr/sbin/telnetd"));

        // xinetd has its own switch; inetd's harmless services on loopback are no finding.
        let a = Fixture::new()
            .add(
                TCP,
                "0.0.0.0:13",
                Some(("xinetd", "/usr/sbin/xinetd", &["/usr/sbin/xinetd"])),
            )
            .add(TCP, "127.0.0.1:7", Some(inetd))
            .audit(&ctx);
        let daytime = only(&a, TCP, 13);
        assert!(
            daytime
                .action
                .to_string_in(Lang::En)
                .contains("disable = yes")
                && daytime
                    .action
                    .to_string_in(Lang::En)
                    .contains("/etc/xinetd.d/daytime")
        );
        assert!(!daytime
            .action
            .to_string_in(Lang::En)
            .contains("update-inetd"));
        assert_eq!(a.findings.len(), 1, "{a:#?}");
    }

    /// Sockets as the Windows backend gives them: owners by pid, services in `unit`,
    /// pid 0 (Wine, or a socket Windows names no owner for) unknown.
    fn windows_inv() -> Inventory {
        use portwarden_sockets::{annotate, Listing, OwnedSocket, Ownership};
        let own = |socket, pids: Vec<u32>, ownership| OwnedSocket {
            socket,
            pids,
            ownership,
        };
        let mut processes = std::collections::HashMap::new();
        for (pid, name, unit) in [
            (900, "svchost.exe", "RpcEptMapper, RpcSs"),
            (1200, "agent.exe", "AgentSvc"),
        ] {
            processes.insert(
                pid,
                ProcessInfo {
                    pid,
                    name: name.into(),
                    unit: Some(unit.into()),
                    ..Default::default()
                },
            );
        }
        annotate(Listing {
            sockets: vec![
                own(
                    listen(Transport::Tcp, "0.0.0.0:47003", 0),
                    vec![900],
                    Ownership::Known,
                ),
                own(
                    listen(Transport::Tcp, "0.0.0.0:47002", 0),
                    vec![1200],
                    Ownership::Known,
                ),
                own(
                    listen(Transport::Tcp, "0.0.0.0:23", 0),
                    vec![],
                    Ownership::Unknown,
                ),
            ],
            processes,
            source: Source::IpHelper,
            unreadable: 0,
        })
    }

    #[test]
    fn advice_on_windows_names_windows_commands() {
        let a = audit(&windows_inv());
        let text = |port: u16, lang| {
            let f = a.findings.iter().find(|f| f.port == port).expect("finding");
            (
                portwarden_i18n::format(lang, &f.why),
                portwarden_i18n::format(lang, &f.action),
            )
        };
        let (_, one) = text(47002, Lang::En);
        assert!(one.contains("sc config AgentSvc start= disabled"), "{one}");
        assert!(one.contains("Set-Service AgentSvc"), "{one}");
        assert!(!one.contains("systemctl"), "{one}");
        let (_, several) = text(47003, Lang::En);
        assert!(several.contains("RpcEptMapper, RpcSs"), "{several}");
        assert!(several.contains("sc config"), "{several}");
        // Pid 0 from Windows (always, under Wine): a hidden owner, found with Windows'
        // tools, in both languages.
        let f = a.findings.iter().find(|f| f.port == 23).expect("telnet");
        assert_eq!(f.kind, Kind::HiddenOwner);
        for lang in [Lang::En, Lang::Zh] {
            let (why, see) = text(23, lang);
            assert!(see.contains("netstat -ano"), "{see}");
            assert!(see.contains("Get-NetTCPConnection"), "{see}");
            assert!(
                !why.contains("root") && !see.contains("sudo"),
                "{why} {see}"
            );
        }
        // The same sockets from Linux keep Linux's advice.
        let mut linux = windows_inv();
        linux.source = Source::Netlink;
        let a = audit(&linux);
        let f = a
            .findings
            .iter()
            .find(|f| f.port == 47002)
            .expect("finding");
        let advice = portwarden_i18n::format(Lang::En, &f.action);
        assert!(
            advice.contains("systemctl disable --now AgentSvc"),
            "{advice}"
        );
    }

    #[test]
    fn advice_speaks_the_daemons_own_language() {
        let a = Fixture::new()
            .add(
                UDP,
                "0.0.0.0:53",
                Some(("dnsmasq", "/usr/sbin/dnsmasq", &[])),
            )
            .add(
                UDP,
                "0.0.0.0:123",
                Some(("chronyd", "/usr/sbin/chronyd", &[])),
            )
            .add(UDP, "0.0.0.0:161", Some(("snmpd", "/usr/sbin/snmpd", &[])))
            .add(TCP, "0.0.0.0:199", Some(("snmpd", "/usr/sbin/snmpd", &[])))
            .audit(&Context::default());
        let dns = only(&a, UDP, 53);
        assert_eq!(dns.severity, Risk::High);
        assert!(
            dns.action
                .to_string_in(Lang::En)
                .contains("--listen-address")
                && dns.action.to_string_in(Lang::En).contains("--interface")
        );
        assert!(
            !dns.action
                .to_string_in(Lang::En)
                .contains("allow-recursion {"),
            "no BIND syntax"
        );
        let ntp = only(&a, UDP, 123);
        assert!(
            ntp.action.to_string_in(Lang::En).contains("`allow`")
                && !ntp
                    .action
                    .to_string_in(Lang::En)
                    .contains("restrict default")
        );
        for port in [161, 199] {
            let t = if port == 161 { UDP } else { TCP };
            let f = only(&a, t, port);
            assert!(
                f.action.to_string_in(Lang::En).contains("agentaddress")
                    && f.action.to_string_in(Lang::En).contains("smux")
            );
            assert!(!f.action.to_string_in(Lang::En).contains("remove smuxpeer"));
        }
    }

    #[test]
    fn a_listener_with_an_invisible_owner_is_a_finding() {
        // This machine's PID 1 listens on 2024 from another PID namespace: root sees the
        // socket but no process holds it.
        let a = Fixture::new()
            .add(TCP, "0.0.0.0:2024", None)
            .add(TCP, "127.0.0.1:2025", None)
            .audit(&Context::default());
        assert_eq!(a.findings.len(), 1, "{a:#?}");
        let f = only(&a, TCP, 2024);
        assert_eq!((f.kind, f.severity), (Kind::HiddenOwner, Risk::Medium));
        assert!(
            f.why
                .to_string_in(Lang::En)
                .contains("another PID namespace"),
            "{}",
            f.why.to_string_in(Lang::En)
        );
        assert!(
            f.action.to_string_in(Lang::En).contains("nsenter")
                && f.action.to_string_in(Lang::En).contains("docker ps")
        );
        assert!(
            f.command.is_empty(),
            "no close for a program nobody has seen"
        );

        // Not root: some fd tables could not be read.
        let mut fx = Fixture::new()
            .add(TCP, "0.0.0.0:2024", None)
            .add(TCP, "0.0.0.0:23", None);
        fx.procs.unreadable = 3;
        let a = fx.audit(&Context::default());
        let f = only(&a, TCP, 2024);
        assert_eq!(f.kind, Kind::HiddenOwner);
        assert!(
            f.why.to_string_in(Lang::En).contains("root")
                && f.action
                    .to_string_in(Lang::En)
                    .contains("sudo portwarden audit")
        );
        let telnet = only(&a, TCP, 23);
        assert_eq!(
            (telnet.kind, telnet.severity),
            (Kind::HiddenOwner, Risk::Critical)
        );
    }

    #[test]
    fn ls_gets_the_audits_severity_and_the_programs_service() {
        let mut i = Fixture::new()
            .add(TCP, "0.0.0.0:2222", Some(("sshd", "/usr/sbin/sshd", &[])))
            .add(TCP, "0.0.0.0:31337", Some(("nc", "/usr/bin/nc", &[])))
            .add(
                TCP,
                "127.0.0.1:8080",
                Some(("python3", "/usr/bin/python3", &[])),
            );
        i.raw.push(RawSocket {
            remote: "198.18.0.9:23".parse().expect("addr"),
            state: SockState::Established,
            ..listen(TCP, "198.18.0.1:40000", 99)
        });
        let mut inv = join(i.raw, Source::Fake, Some(i.procs));
        annotate(&mut inv, &Context::default());
        let get = |port: u16| {
            inv.sockets
                .iter()
                .find(|e| e.socket.local.port() == port)
                .expect("socket")
        };
        assert_eq!(get(2222).service, Some("ssh"), "not EtherNet-IP-1");
        assert_eq!(get(2222).risk, Some(Risk::Medium));
        assert_eq!(get(31337).risk, Some(Risk::Critical));
        // A loopback http-alt port is no finding, so no risk either.
        assert_eq!(get(8080).risk, None);
        // An outbound connection to someone's telnet is not this host's risk.
        assert_eq!(get(40000).service, Some("telnet"));
        assert_eq!(get(40000).risk, None);
    }

    #[test]
    fn one_severity_per_fact() {
        // What `lookup` and `ls` show for a trojan port is what the audit says.
        for e in portwarden_kb::security_entries()
            .iter()
            .filter(|e| e.backdoor)
        {
            assert_eq!(port_severity(e, Exposure::All), Some(e.risk), "{}", e.start);
        }
        let subseven = portwarden_kb::security(portwarden_kb::Protocol::Tcp, 6711).expect("6711");
        assert!(subseven.backdoor);
        assert_eq!(
            subseven.risk,
            Risk::Critical,
            "the card says what the audit says"
        );
    }

    #[test]
    fn a_containers_image_names_the_product_and_the_owner() {
        let mut fx = Fixture::new()
            .add(
                TCP,
                "0.0.0.0:6379",
                Some(("entrypoint", "/usr/local/bin/entrypoint", &["entrypoint"])),
            )
            .add(
                TCP,
                "0.0.0.0:1883",
                Some(("run", "/usr/local/bin/run", &["run"])),
            )
            .add(TCP, "0.0.0.0:5000", Some(("app", "/app/app", &["app"])));
        let ctr = |image: Option<&str>| portwarden_sockets::Container {
            runtime: "docker".into(),
            id: "c".repeat(64),
            image: image.map(str::to_string),
            name: Some("cache".into()),
            ..Default::default()
        };
        for (pid, image) in [
            (100u32, Some("docker.io/library/redis:7")),
            (101, Some("eclipse-mosquitto:2")),
            (102, None),
        ] {
            if let Some(p) = fx.procs.processes.get_mut(&pid) {
                p.container = Some(ctr(image));
            }
        }
        let a = fx.audit(&Context::default());
        let redis = only(&a, TCP, 6379);
        assert_eq!(redis.product.as_ref().map(|o| o.product), Some("Redis"));
        assert_eq!(redis.severity, Risk::Critical);
        assert_eq!(redis.containers.len(), 1);
        assert_eq!(
            redis.containers[0].describe(),
            "docker docker.io/library/redis:7 (cache, cccccccccccc)"
        );
        let mq = only(&a, TCP, 1883);
        assert_eq!(mq.product.as_ref().map(|o| o.service), Some("mqtt"));
        // Without an image the program stays unknown, but the container is still shown.
        let app = a.findings.iter().find(|f| f.port == 5000);
        assert!(app.is_none_or(|f| f.product.is_none() && f.containers.len() == 1));
    }
}
