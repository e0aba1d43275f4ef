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

use portwarden_kb::{Lang, PortClass, Risk, SecurityEntry, Text};
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<Text2>,
    /// Why this matters, in both languages.
    pub why: Text2,
    /// What to do, in both languages.
    pub action: Text2,
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

/// An owned bilingual text (findings combine curated texts with our own templates).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Text2 {
    /// English.
    pub en: String,
    /// Simplified Chinese.
    pub zh: String,
}

impl Text2 {
    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Zh => &self.zh,
        }
    }

    fn from(t: &Text) -> Text2 {
        Text2 {
            en: t.en.to_string(),
            zh: t.zh.to_string(),
        }
    }
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
}

impl Door<'_> {
    fn finding(&self, severity: Risk, kind: Kind, why: Text2, action: Text2) -> Finding {
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

    fn where_(&self) -> (&'static str, &'static str) {
        match self.exposure {
            Exposure::All => ("on all interfaces", "监听在所有网络接口上"),
            Exposure::Specific => ("on a network address", "监听在某个网络地址上"),
            Exposure::Loopback => ("on loopback only", "仅监听在本机回环地址上"),
        }
    }

    /// Whether a listener on a network address has an owner nobody can see from here.
    fn hidden(&self) -> bool {
        self.processes.is_empty()
            && self.exposure != Exposure::Loopback
            && !(self.t == Transport::Udp && self.port >= 32768)
            && self.socks.iter().any(|e| {
                e.ownership == Ownership::Hidden
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
    let (where_en, where_zh) = door.where_();
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
    let (who_en, who_zh) = who(name, product.name);
    let mut f = door.finding(
        severity,
        kind,
        Text2 {
            en: format!("{who_en} is listening {where_en}. {}", product.why.en),
            zh: format!("{who_zh}{where_zh}。{}", product.why.zh),
        },
        Text2::from(&product.advice),
    );
    f.service = Some(product.key.to_string());
    if let Some(conf) = products::config_from_cmdline(p) {
        f.action.en.push_str(&format!(
            " This instance reads {conf} (from its command line): make the change there."
        ));
        f.action.zh.push_str(&format!(
            "这个实例读取的配置文件是 {conf}（见其命令行），请在该文件中修改。"
        ));
    }
    let mut notes: Vec<Text2> = Vec::new();
    if off_port {
        let usual: Vec<String> = product.ports.iter().map(u16::to_string).collect();
        let usual = usual.join(", ");
        let port = door.port;
        notes.push(Text2 {
            en: format!("Off its port: {} usually serves {usual}, here {port}/{}. A moved port only hides from quick scans; it is judged as {} all the same.", product.name, door.t, product.name),
            zh: format!("不在惯用端口：{} 通常使用 {usual}，这里是 {port}/{}。换端口只能躲过粗略扫描，仍按 {} 来评估。", product.name, door.t, product.name),
        });
    }
    if let Some(e) = door.socks[0].annotation.entry.filter(|e| e.backdoor) {
        let names = e.malware.join(", ");
        notes.push(Text2 {
            en: format!("Port {} is also on trojan lists ({names}); here it is held by {name}, a known program, so that does not apply.", door.port),
            zh: format!("{} 端口也出现在木马端口列表中（{names}）；这里占用它的是已知程序 {name}，因此不适用。", door.port),
        });
    }
    f.note = join_notes(notes);
    f.product = Some(owner);
    Some(f)
}

/// "redis-server (Redis)", or just "memcached" when the program is named as its product.
fn who(program: &str, product: &str) -> (String, String) {
    if program.eq_ignore_ascii_case(product) {
        (program.to_string(), format!("{program} "))
    } else {
        (
            format!("{program} ({product})"),
            format!("{program}（{product}）"),
        )
    }
}

fn join_notes(notes: Vec<Text2>) -> Option<Text2> {
    (!notes.is_empty()).then(|| Text2 {
        en: notes
            .iter()
            .map(|n| n.en.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        zh: notes
            .iter()
            .map(|n| n.zh.as_str())
            .collect::<Vec<_>>()
            .join(""),
    })
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
    let (where_en, where_zh) = door.where_();
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
    let program = line.map_or(String::new(), |l| {
        if l.program == "internal" {
            " (built into inetd)".to_string()
        } else {
            format!(" ({})", l.program)
        }
    });
    let program_zh = line.map_or(String::new(), |l| {
        if l.program == "internal" {
            "（inetd 内置）".to_string()
        } else {
            format!("（{}）", l.program)
        }
    });
    let from = line.map_or(String::new(), |l| format!(", as {} says", l.file));
    let from_zh = line.map_or(String::new(), |l| format!("，见 {}", l.file));
    let (reason_en, reason_zh) = entry.map_or(("", ""), |e| (e.risk_reason.en, e.risk_reason.zh));
    let (who_en, who_zh) = who(&owner.program, product.name);
    let why = Text2 {
        en: format!(
            "{who_en} is listening {where_en} and starts {service}{program} for each connection{from}. {reason_en}"
        ),
        zh: format!(
            "{who_zh}{where_zh}，每来一个连接就启动 {service}{program_zh}{from_zh}。{reason_zh}"
        ),
    };
    let pid = p.pid;
    let action = if product.key == "xinetd" {
        Text2 {
            en: format!("Set `disable = yes` in the `service {service}` block (/etc/xinetd.d/{service} or /etc/xinetd.conf) and `systemctl reload xinetd` (or `kill -HUP {pid}`); stop xinetd when no service is left. Windows: the simple services come from 'Simple TCPIP services' (`dism /online /disable-feature /featurename:SimpleTCP`)."),
            zh: format!("在 `service {service}` 块（/etc/xinetd.d/{service} 或 /etc/xinetd.conf）中设置 `disable = yes`，然后 `systemctl reload xinetd`（或 `kill -HUP {pid}`）；没有剩余服务时停掉 xinetd。Windows：这些简单服务来自“简单 TCP/IP 服务”（`dism /online /disable-feature /featurename:SimpleTCP`）。"),
        }
    } else {
        let file = line.map_or("/etc/inetd.conf", |l| l.file.as_str());
        Text2 {
            en: format!("Comment out the `{service}` line in {file} (Debian: `update-inetd --disable {service}`) and make inetd reread it (`kill -HUP {pid}`, or `systemctl reload inetutils-inetd`/`openbsd-inetd`); stop inetd when no line is left. Windows: the simple services come from 'Simple TCPIP services' (`dism /online /disable-feature /featurename:SimpleTCP`)."),
            zh: format!("注释掉 {file} 中的 `{service}` 行（Debian：`update-inetd --disable {service}`），再让 inetd 重新读取（`kill -HUP {pid}`，或 `systemctl reload inetutils-inetd`/`openbsd-inetd`）；没有剩余的行时停掉 inetd。Windows：这些简单服务来自“简单 TCP/IP 服务”（`dism /online /disable-feature /featurename:SimpleTCP`）。"),
        }
    };
    let mut f = door.finding(severity, kind, why, action);
    f.service = Some(service);
    f.product = Some(owner);
    Some(f)
}

/// A listener on a network address whose owner cannot be seen from here.
fn judge_hidden(door: &Door, not_root: bool) -> Finding {
    let (where_en, where_zh) = door.where_();
    let port = door.port;
    let t = door.t;
    let entry = door.socks[0].annotation.entry;
    let severity = entry
        .and_then(|e| port_severity(e, door.exposure))
        .map_or(Risk::Medium, |s| s.max(Risk::Medium));
    let (cause_en, cause_zh, see_en, see_zh) = if not_root {
        (
            "portwarden could not read every process's open files (it does not run as root), so the program holding it is hidden.".to_string(),
            "portwarden 没有以 root 运行，读不到所有进程打开的文件，因此看不到占用它的程序。".to_string(),
            format!("Run `sudo portwarden audit` (or `sudo portwarden ls --port {port}`) to see the owner."),
            format!("用 `sudo portwarden audit`（或 `sudo portwarden ls --port {port}`）查看所属程序。"),
        )
    } else {
        (
            "No process visible from here holds it: it belongs to a process in another PID namespace (a container, or the host when portwarden itself runs in one), or to the kernel (NFS, WireGuard).".to_string(),
            "从这里看不到任何持有它的进程：它属于另一个 PID 命名空间里的进程（某个容器；或者 portwarden 本身运行在容器里，而它属于宿主机），或者属于内核（NFS、WireGuard）。".to_string(),
            format!("Find the owner where it runs: on the host `sudo ss -ltnup 'sport = :{port}'` or `sudo lsof -i :{port}`; for containers `docker ps --format '{{{{.Names}}}} {{{{.Ports}}}}'`, then `nsenter -t PID -n ss -ltnp` with a container's PID. Stop it or bind it to 127.0.0.1 if nobody needs it."),
            format!("到它实际运行的地方查找所属程序：在宿主机上执行 `sudo ss -ltnup 'sport = :{port}'` 或 `sudo lsof -i :{port}`；容器则用 `docker ps --format '{{{{.Names}}}} {{{{.Ports}}}}'`，再用容器的 PID 执行 `nsenter -t PID -n ss -ltnp`。如果没人需要它，停掉它或让它只监听 127.0.0.1。"),
        )
    };
    let (known_en, known_zh) = entry.map_or((String::new(), String::new()), |e| {
        (
            format!(" The port is {}'s: {}", e.title.en, e.risk_reason.en),
            format!("该端口通常属于{}：{}", e.title.zh, e.risk_reason.zh),
        )
    });
    let mut f = door.finding(
        severity,
        Kind::HiddenOwner,
        Text2 {
            en: format!("Port {port}/{t} is listening {where_en}, and its owner is unknown. {cause_en}{known_en}"),
            zh: format!("端口 {port}/{t} {where_zh}，所属程序未知。{cause_zh}{known_zh}"),
        },
        Text2 {
            en: see_en,
            zh: see_zh,
        },
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
    let (where_en, where_zh) = door.where_();
    let (t, port) = (door.t, door.port);
    let first = door.socks[0];
    let untrusted_note = untrusted.map(|p| {
        let exe = p.exe.clone().unwrap_or_default();
        Text2 {
            en: format!("{} calls itself a known program but runs from {exe}, which anyone may write to or which was deleted after start: judged by its port, not by its name.", p.name),
            zh: format!("{} 自称是已知程序，却运行自 {exe}（任何人可写的目录，或启动后已被删除）：按端口而不是按名字评估。", p.name),
        }
    });
    let mut f = if let Some(en) = first.annotation.entry {
        let sev = port_severity(en, door.exposure)?;
        if en.backdoor {
            let names = en.malware.join(", ");
            let mut f = door.finding(
                sev,
                Kind::BackdoorPort,
                Text2 {
                    en: format!(
                        "Listening {where_en} on a port known for {names}. {}",
                        en.attackers.en
                    ),
                    zh: format!(
                        "{where_zh}，该端口是已知木马/后门端口（{names}）。{}",
                        en.attackers.zh
                    ),
                },
                Text2::from(&en.advice),
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
                Text2 {
                    en: format!(
                        "{} is listening {where_en}. {}",
                        en.title.en, en.risk_reason.en
                    ),
                    zh: format!("{}{}。{}", en.title.zh, where_zh, en.risk_reason.zh),
                },
                Text2::from(&en.advice),
            );
            f.malware = en.malware.iter().map(|s| s.to_string()).collect();
            if let Some(p) = owner.filter(|_| untrusted.is_none()) {
                f.note = Some(Text2 {
                    en: format!("It is held by {}, which portwarden's product table does not know; the advice is for the port's usual service.", p.name),
                    zh: format!("占用它的是 {}，portwarden 的产品表不认识这个程序；以下建议针对该端口通常的服务。", p.name),
                });
            }
            f
        }
    } else if first.annotation.service.is_none()
        && door.exposure != Exposure::Loopback
        && !(t == Transport::Udp && door.processes.is_empty() && port >= 32768)
    {
        match owner {
            Some(p) => {
                let name = &p.name;
                let pid = p.pid;
                let stop_en = p.unit.as_deref().map_or(String::new(), |u| format!(" (`systemctl disable --now {u}`)"));
                let stop_zh = stop_en.clone();
                door.finding(
                    Risk::Low,
                    Kind::UnknownListener,
                    Text2 {
                        en: format!("{name} (pid {pid}) listens on {port}/{t} {where_en}; it is not in portwarden's product table and the port is not registered for anything."),
                        zh: format!("{name}（pid {pid}）在 {port}/{t} {where_zh}；它不在 portwarden 的产品表中，该端口也没有登记任何用途。"),
                    },
                    Text2 {
                        en: format!("Check whether {name} has to accept connections from other hosts; if not, configure it to listen on 127.0.0.1 only, or stop it{stop_en}."),
                        zh: format!("确认 {name} 是否必须接受其他主机的连接；如果不必，把它配置为只监听 127.0.0.1，或者停掉它{stop_zh}。"),
                    },
                )
            }
            None => door.finding(
                Risk::Low,
                Kind::UnknownListener,
                Text2 {
                    en: format!("Port {port}/{t} is listening {where_en} and neither IANA nor our notes know what it is for."),
                    zh: format!("端口 {port}/{t} {where_zh}，IANA 登记和我们的资料都不知道它的用途。"),
                },
                Text2 {
                    en: format!("Find out which program this is (portwarden ls --port {port}); if nobody needs it, stop it or block the port."),
                    zh: format!("先确认是哪个程序（portwarden ls --port {port}）；如果没人需要它，就停掉程序或封锁这个端口。"),
                },
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
    let add = |f: &mut Finding, en: String, zh: String| {
        f.why.en = format!("{} {en}", f.why.en);
        f.why.zh = format!("{}{zh}", f.why.zh);
    };
    match r {
        Reach::Blocked { by } if by.is_portwarden() => {
            f.severity = Risk::Info;
            f.command.clear();
            let what = match by.action {
                Some(id) => format!("action #{id}"),
                None => format!("rule {}", by.comment.clone().unwrap_or_default()),
            };
            add(
                f,
                format!("portwarden has closed it in the firewall ({what}); `portwarden open {}/{}` undoes that.", f.port, f.transport),
                format!("portwarden 已在防火墙中关闭它（{what}）；`portwarden open {}/{}` 可撤销。", f.port, f.transport),
            );
        }
        Reach::Blocked { by } => {
            f.severity = Risk::Info;
            f.command.clear();
            let d = by.describe();
            add(
                f,
                format!("The firewall stops new connections to it from other hosts ({d}); it matters again if that rule goes."),
                format!("防火墙拦截了其他主机对它的新连接（{d}）；一旦该规则被删除，风险就会重新出现。"),
            );
        }
        Reach::Limited { from } => {
            f.severity = lower(f.severity);
            let who = from.join("; ");
            add(
                f,
                format!("The firewall lets in only some senders: {who}."),
                format!("防火墙只放行部分来源：{who}。"),
            );
        }
        Reach::Forwarded { to } => add(
            f,
            format!("A DNAT rule (Docker's published ports) forwards it to {to}, so input rules do not protect it; filter it in DOCKER-USER or publish it on 127.0.0.1."),
            format!("一条 DNAT 规则（Docker 发布的端口）把它转发到 {to}，入站（input）规则管不到它；请在 DOCKER-USER 链中过滤，或只发布到 127.0.0.1。"),
        ),
        Reach::Unknown { why } => add(
            f,
            format!("Whether the firewall lets it in could not be worked out: {why}."),
            format!("无法判断防火墙是否放行它：{why}。"),
        ),
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
            telnet.why.en.contains("portwarden has closed it"),
            "{}",
            telnet.why.en
        );
        let redis = get(&a, 6379);
        assert_eq!(redis.severity, lower(get(&plain, 6379).severity));
        assert!(redis.why.en.contains("198.18.0.7"));
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
            assert!(f.action.en.contains("requirepass") && f.action.en.contains("protected-mode"));
        }
        assert!(home.note.is_none());
        let note = moved.note.clone().expect("off-port note");
        assert!(
            note.en.contains("Off its port") && note.en.contains("6379"),
            "{note:?}"
        );
        assert!(note.zh.contains("不在惯用端口"));

        let mc = only(&a, TCP, 9999);
        assert_eq!(mc.severity, Risk::High);
        assert!(mc.malware.is_empty());
        assert!(
            !mc.action.en.to_lowercase().contains("antivirus"),
            "{}",
            mc.action.en
        );
        assert!(mc.action.en.contains("-l 127.0.0.1") && mc.action.en.contains("-U 0"));
        assert_eq!(
            only(&a, UDP, 9999).severity,
            Risk::Critical,
            "UDP amplification"
        );

        let mq = only(&a, TCP, 18830);
        assert_eq!(mq.kind, Kind::ExposedService);
        assert_eq!(mq.severity, Risk::High);
        assert!(mq.action.en.contains("allow_anonymous false"));

        let web = only(&a, TCP, 8080);
        assert!(web.action.en.contains("ports.conf"), "{}", web.action.en);
        assert!(!web.action.en.contains("Tomcat") && !web.action.en.contains("Jenkins"));

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
            .is_some_and(|n| n.en.contains("trojan lists")));
        assert!(!ssh.action.en.contains("anti-malware"), "{}", ssh.action.en);

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
            .is_some_and(|n| n.en.contains("/dev/shm/.s/sshd")));
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
        assert!(echo.why.en.contains("built into inetd"), "{}", echo.why.en);
        let telnet = only(&a, TCP, 23);
        assert_eq!(telnet.severity, Risk::Critical);
        assert_eq!(telnet.product.as_ref().map(|o| o.product), Some("inetd"));
        for f in [&echo, &telnet] {
            let s = f.service.clone().unwrap_or_default();
            assert!(f.action.en.contains("/tmp/t/inetd.conf"), "{}", f.action.en);
            assert!(f.action.en.contains(&format!("update-inetd --disable {s}")));
            assert!(
                !f.action.en.contains(".socket") && !f.action.en.contains("xinetd"),
                "{}",
                f.action.en
            );
            assert!(f.action.zh.contains("update-inetd"));
        }
        assert!(telnet.why.en.contains("/usr/sbin/telnetd"));

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
            daytime.action.en.contains("disable = yes")
                && daytime.action.en.contains("/etc/xinetd.d/daytime")
        );
        assert!(!daytime.action.en.contains("update-inetd"));
        assert_eq!(a.findings.len(), 1, "{a:#?}");
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
            dns.action.en.contains("--listen-address") && dns.action.en.contains("--interface")
        );
        assert!(
            !dns.action.en.contains("allow-recursion {"),
            "no BIND syntax"
        );
        let ntp = only(&a, UDP, 123);
        assert!(ntp.action.en.contains("`allow`") && !ntp.action.en.contains("restrict default"));
        for port in [161, 199] {
            let t = if port == 161 { UDP } else { TCP };
            let f = only(&a, t, port);
            assert!(f.action.en.contains("agentaddress") && f.action.en.contains("smux"));
            assert!(!f.action.en.contains("remove smuxpeer"));
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
        assert!(f.why.en.contains("another PID namespace"), "{}", f.why.en);
        assert!(f.action.en.contains("nsenter") && f.action.en.contains("docker ps"));
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
        assert!(f.why.en.contains("root") && f.action.en.contains("sudo portwarden audit"));
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
