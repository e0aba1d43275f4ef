//! The audit: which open doors are dangerous, why, and what to do about each.
//!
//! Input is a local [`Inventory`] (plain data, already annotated from the knowledge
//! base); output is a list of [`Finding`]s ranked by severity plus counts. No I/O: the
//! binary gathers the inventory and renders the report.

use portwarden_kb::{Lang, PortClass, Risk, SecurityEntry, Text};
use portwarden_sockets::{Exposure, Inventory, Reach, SocketEntry, Transport};
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
    /// A listener no entry knows.
    UnknownListener,
    /// A known program listening on a port that is not its own.
    UnusualPort,
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
    /// Service name (curated or IANA).
    pub service: Option<String>,
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
}

/// An owned bilingual text (findings combine curated texts with our own templates).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
}

impl Audit {
    /// The most severe finding's level.
    pub fn worst(&self) -> Option<Risk> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// Program names and the ports they normally serve, to spot a service on a port that is
/// not its own (sshd on 2222, a web server on 31337…).
const HOME_PORTS: &[(&str, &[u16])] = &[
    ("sshd", &[22]),
    ("dropbear", &[22]),
    ("telnetd", &[23]),
    ("in.telnetd", &[23]),
    ("vsftpd", &[21]),
    ("proftpd", &[21]),
    ("pure-ftpd", &[21]),
    ("nginx", &[80, 443, 8080, 8443]),
    ("apache2", &[80, 443, 8080, 8443]),
    ("httpd", &[80, 443, 8080, 8443]),
    ("lighttpd", &[80, 443]),
    ("caddy", &[80, 443, 2019]),
    ("mysqld", &[3306, 33060]),
    ("mariadbd", &[3306]),
    ("postgres", &[5432]),
    ("redis-server", &[6379, 16379]),
    ("mongod", &[27017, 27018, 27019]),
    ("memcached", &[11211]),
    ("named", &[53, 953]),
    ("dnsmasq", &[53, 67, 69]),
    ("unbound", &[53, 853, 8953]),
    ("smbd", &[139, 445]),
    ("nmbd", &[137, 138]),
    ("xrdp", &[3389]),
    ("Xvnc", &[5900, 5901, 5902, 5903]),
    ("cupsd", &[631]),
    ("master", &[25, 465, 587]),
    ("exim4", &[25, 465, 587]),
    ("dovecot", &[110, 143, 993, 995]),
    ("rpcbind", &[111]),
    ("chronyd", &[123, 323]),
    ("ntpd", &[123]),
    ("snmpd", &[161, 199]),
    ("slapd", &[389, 636]),
    ("rsync", &[873]),
    ("avahi-daemon", &[5353]),
    ("systemd-resolve", &[53, 5355]),
];

fn entry_of(e: &SocketEntry) -> Option<&'static SecurityEntry> {
    e.annotation.entry
}

fn close_cmd(t: Transport, port: u16) -> String {
    format!("portwarden close {port}/{t}")
}

/// Runs the audit over an inventory.
pub fn audit(inv: &Inventory) -> Audit {
    let mut counts = Counts {
        sockets: inv.sockets.len(),
        ..Counts::default()
    };
    for e in &inv.sockets {
        *counts
            .by_state
            .entry(e.socket.state.ss_name().to_string())
            .or_default() += 1;
        if e.socket.state == portwarden_sockets::SockState::Established {
            counts.established += 1;
        }
    }
    // Group listeners by (transport, port): one finding per door, whatever the addresses.
    let mut doors: BTreeMap<(Transport, u16), Vec<&SocketEntry>> = BTreeMap::new();
    for e in inv.sockets.iter().filter(|e| e.socket.is_listening()) {
        // UDP sockets bound to an ephemeral port with no service are client sockets.
        counts.listening += 1;
        *counts
            .by_exposure
            .entry(e.exposure.as_str().to_string())
            .or_default() += 1;
        let class = match PortClass::of(e.socket.local.port()) {
            PortClass::WellKnown => "well-known",
            PortClass::Registered => "registered",
            PortClass::Dynamic => "dynamic",
        };
        *counts.by_class.entry(class.to_string()).or_default() += 1;
        if let Some(r) = e.reach.as_ref().filter(|r| **r != Reach::Loopback) {
            *counts.by_reach.entry(r.word().to_string()).or_default() += 1;
        }
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
        for e in &socks {
            for pid in &e.pids {
                if let Some(p) = inv.processes.get(pid) {
                    if !processes.iter().any(|(x, _)| x == pid) {
                        processes.push((*pid, p.name.clone()));
                    }
                    if let Some(u) = &p.unit {
                        if !units.contains(u) {
                            units.push(u.clone());
                        }
                    }
                }
            }
        }
        let first = socks[0];
        let entry = entry_of(first);
        let service = first.annotation.name().map(str::to_string);
        let base = |severity, kind, why: Text2, action: Text2, malware: Vec<String>| Finding {
            severity,
            kind,
            transport: t,
            port,
            addresses: addresses.clone(),
            exposure,
            processes: processes.clone(),
            units: units.clone(),
            service: service.clone(),
            why,
            action,
            malware,
            command: close_cmd(t, port),
            reach: None,
        };
        let where_en = match exposure {
            Exposure::All => "on all interfaces",
            Exposure::Specific => "on a network address",
            Exposure::Loopback => "on loopback only",
        };
        let where_zh = match exposure {
            Exposure::All => "监听在所有网络接口上",
            Exposure::Specific => "监听在某个网络地址上",
            Exposure::Loopback => "仅监听在本机回环地址上",
        };
        if let Some(en) = entry {
            let is_backdoor = en.backdoor;
            if is_backdoor {
                let sev = if exposure == Exposure::Loopback {
                    Risk::High
                } else {
                    Risk::Critical
                };
                let names = en.malware.join(", ");
                findings.push(base(
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
                    en.malware.iter().map(|s| s.to_string()).collect(),
                ));
                continue;
            }
            let sev = match exposure {
                Exposure::All => Some(en.risk),
                Exposure::Specific => Some(lower(en.risk)),
                Exposure::Loopback => (en.risk >= Risk::High).then_some(Risk::Info),
            };
            if let Some(sev) = sev.filter(|s| *s >= Risk::Low || exposure == Exposure::Loopback) {
                let kind = if exposure == Exposure::Loopback {
                    Kind::LocalService
                } else {
                    Kind::ExposedService
                };
                findings.push(base(
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
                    en.malware.iter().map(|s| s.to_string()).collect(),
                ));
            }
        } else if first.annotation.service.is_none()
            && exposure != Exposure::Loopback
            && !(t == Transport::Udp && processes.is_empty() && port >= 32768)
        {
            findings.push(base(
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
                Vec::new(),
            ));
        }
        // A known program on a port that is not its own.
        for (pid, name) in &processes {
            if let Some((_, homes)) = HOME_PORTS.iter().find(|(n, _)| n == name) {
                if !homes.contains(&port) && exposure != Exposure::Loopback {
                    findings.push(Finding {
                        processes: vec![(*pid, name.clone())],
                        ..base(
                            Risk::Low,
                            Kind::UnusualPort,
                            Text2 {
                                en: format!("{name} usually serves port {} but listens on {port}/{t}. That can be deliberate (hiding from scans) or a sign that someone else started it.", homes[0]),
                                zh: format!("{name} 通常使用 {} 端口，现在却监听在 {port}/{t}。这可能是有意为之（躲避扫描），也可能说明它是别人启动的。", homes[0]),
                            },
                            Text2 {
                                en: "Check who started it and why; document it if intended.".into(),
                                zh: "核实是谁、为什么启动它；如果是有意的，请记录在案。".into(),
                            },
                            Vec::new(),
                        )
                    });
                }
            }
        }
    }
    for f in &mut findings {
        if let Some(r) = reach_of.get(&(f.transport, f.port)) {
            firewall_says(f, r);
        }
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.exposure.cmp(&a.exposure))
            .then(a.kind.cmp(&b.kind))
            .then(a.port.cmp(&b.port))
            .then(a.transport.cmp(&b.transport))
    });
    Audit {
        findings,
        counts,
        hidden_owners: inv.unreadable_processes > 0,
        firewall_unread: None,
    }
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
        let ssh = f
            .iter()
            .find(|x| x.port == 2222 && x.kind == Kind::UnusualPort)
            .expect("sshd on 2222");
        assert_eq!(ssh.processes, vec![(10, "sshd".to_string())]);
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
                    by: blocker("portwarden", Some("portwarden:23:tcp:drop:x")),
                },
                6379 => Reach::Limited {
                    from: vec!["from 198.18.0.7".into()],
                },
                31337 => Reach::Blocked {
                    by: blocker("filter", None),
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
}
