//! Planning, execution and undo over fake *Windows* capabilities: the same plan, execute
//! and undo code as Linux, with Windows' refusals, service names, startup types and rule
//! names. Runs on Linux and, for the Windows target, under Wine.

use super::*;
use portwarden_sockets::{join, ProcTable, ProcessInfo, Source};
use portwarden_store::Store;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

fn sock(local: &str, remote: &str, state: SockState, inode: u64) -> RawSocket {
    RawSocket {
        transport: Transport::Tcp,
        local: local.parse().unwrap(),
        remote: remote.parse().unwrap(),
        state,
        uid: 0,
        inode,
        recv_q: 0,
        send_q: 0,
        interface: 0,
    }
}

/// A listener on `port` (inode 1) owned by `pid`, and one client connection (inode 2).
fn inv(port: u16, pid: u32, name: &str, service: Option<&str>) -> Inventory {
    let raw = vec![
        sock(
            &format!("0.0.0.0:{port}"),
            "0.0.0.0:0",
            SockState::Listen,
            1,
        ),
        sock(
            &format!("198.18.0.1:{port}"),
            "198.18.0.9:40000",
            SockState::Established,
            2,
        ),
        sock(
            &format!("[2001:db8::1]:{port}"),
            "[2001:db8::9]:40001",
            SockState::Established,
            3,
        ),
    ];
    let mut p = ProcTable::default();
    p.by_inode.entry(1).or_default().push(pid);
    p.processes.insert(
        pid,
        ProcessInfo {
            pid,
            name: name.into(),
            cmdline: vec![format!("C:\\Program Files\\{name}.exe")],
            unit: service.map(str::to_string),
            ..Default::default()
        },
    );
    join(raw, Source::Fake, Some(p))
}

fn ctx() -> Context {
    Context {
        self_pid: 999,
        nft: true,
        systemd: true,
        os: Os::Windows,
        ..Context::default()
    }
}

/// Windows, faked: every call is logged.
#[derive(Default)]
struct Win {
    log: RefCell<Vec<String>>,
    /// Rule names in the group `portwarden`.
    rules: RefCell<Vec<String>>,
    alive: RefCell<HashSet<u32>>,
    /// Pids without a window: the close request does not stop them.
    console: HashSet<u32>,
    /// Startup type of each service.
    startup: RefCell<HashMap<String, String>>,
    /// Connections that have closed already.
    gone: HashSet<u16>,
    /// Not elevated: every change is denied.
    not_admin: bool,
}

impl Win {
    fn log(&self, s: String) {
        self.log.borrow_mut().push(s);
    }
    fn denied(&self, what: &str) -> Result<(), String> {
        if self.not_admin {
            Err(windows_cmd::win_error(
                what,
                windows_cmd::ERROR_ACCESS_DENIED,
            ))
        } else {
            Ok(())
        }
    }
    fn platform(&self) -> Platform<'_> {
        Platform {
            os: Os::Windows,
            firewall: self,
            services: self,
            processes: self,
            connections: self,
            host: self,
        }
    }
}

impl Firewall for Win {
    fn available(&self) -> bool {
        true
    }
    fn list(&self) -> Result<Vec<nft::Listed>, String> {
        Ok(self
            .rules
            .borrow()
            .iter()
            .enumerate()
            .map(|(i, n)| nft::Listed {
                handle: i as u64,
                comment: Some(n.clone()),
                tag: nft::Tag::parse(n),
            })
            .collect())
    }
    fn add(&self, tag: &nft::Tag) -> Result<(), String> {
        self.denied("netsh add")?;
        let args = windows_cmd::netsh_add_rule(tag)?;
        self.log(format!("netsh {}", args.join(" ")));
        self.rules.borrow_mut().push(tag.comment());
        Ok(())
    }
    fn remove(&self, rules: &[&nft::Listed]) -> Result<(), String> {
        for r in rules {
            let name = r.comment.clone().unwrap_or_default();
            let args = windows_cmd::netsh_delete_rule(&name).ok_or("not ours")?;
            self.log(format!("netsh {}", args.join(" ")));
            self.rules.borrow_mut().retain(|n| *n != name);
        }
        Ok(())
    }
    fn persist(&self, _: &nft::PersistPaths, _: &[nft::Tag]) -> Result<(), String> {
        self.log("persist".into());
        Ok(())
    }
    fn blocked(&self) -> Result<(bool, Vec<block::Blocked>), String> {
        Err("no source blocks on Windows".into())
    }
    fn setup_blocks(&self) -> Result<(), String> {
        Err("no source blocks on Windows".into())
    }
    fn block_source(&self, _: std::net::IpAddr, _: Duration) -> Result<(), String> {
        Err("no source blocks on Windows".into())
    }
    fn unblock_source(&self, _: std::net::IpAddr) -> Result<(), String> {
        Err("no source blocks on Windows".into())
    }
}

impl ServiceManager for Win {
    fn available(&self) -> bool {
        true
    }
    fn service_of(&self, pid: u32) -> Option<String> {
        (pid == 2044).then(|| "Spooler".to_string())
    }
    fn startup(&self, name: &str) -> Startup {
        let kind = self.startup.borrow().get(name).cloned();
        Startup {
            enabled: kind.as_deref().is_some_and(windows_cmd::starts_by_itself),
            kind,
        }
    }
    fn stop(&self, name: &str) -> Result<(), String> {
        self.denied(&format!("sc stop {name}"))?;
        self.log(format!(
            "sc {}",
            windows_cmd::sc("stop", name).ok_or("bad")?.join(" ")
        ));
        self.alive.borrow_mut().clear();
        Ok(())
    }
    fn disable(&self, name: &str) -> Result<(), String> {
        let a = windows_cmd::sc_set_start(name, "disabled").ok_or("bad")?;
        self.log(format!("sc {}", a.join(" ")));
        self.startup
            .borrow_mut()
            .insert(name.into(), "disabled".into());
        Ok(())
    }
    fn restore(&self, name: &str, previous: &Startup) -> Result<(), String> {
        let kind = windows_cmd::restore_kind(previous.kind.as_deref(), previous.enabled);
        let a = windows_cmd::sc_set_start(name, kind).ok_or("bad")?;
        self.log(format!("sc {}", a.join(" ")));
        self.startup.borrow_mut().insert(name.into(), kind.into());
        Ok(())
    }
    fn start(&self, name: &str) -> Result<(), String> {
        self.log(format!(
            "sc {}",
            windows_cmd::sc("start", name).ok_or("bad")?.join(" ")
        ));
        Ok(())
    }
}

impl ProcessControl for Win {
    fn terminate(&self, pid: u32, name: &str) -> Result<Msg, String> {
        self.log(format!("taskkill {}", windows_cmd::taskkill(pid).join(" ")));
        if self.console.contains(&pid) {
            return Ok(msg!(
                "control-windows-close-not-accepted",
                pid = pid.to_string(),
                name = name.to_string()
            ));
        }
        self.alive.borrow_mut().remove(&pid);
        Ok(msg!(
            "control-windows-asked-to-close",
            pid = pid.to_string(),
            name = name.to_string()
        ))
    }
    fn force(&self, pid: u32, name: &str, waited: Duration) -> Result<Msg, String> {
        self.denied(&format!("TerminateProcess {pid}"))?;
        self.log(format!("TerminateProcess {pid}"));
        self.alive.borrow_mut().remove(&pid);
        Ok(msg!(
            "control-windows-terminated",
            pid = pid.to_string(),
            name = name.to_string(),
            timeout = format!("{waited:?}")
        ))
    }
    fn alive(&self, pid: u32) -> bool {
        self.alive.borrow().contains(&pid)
    }
    fn start_time(&self, pid: u32) -> Option<u64> {
        (pid == 999 || self.alive.borrow().contains(&pid)).then_some(133_000_000_000_000_000)
    }
}

impl ConnectionDropper for Win {
    fn drop_connection(&self, s: &RawSocket) -> Result<DropResult, String> {
        let what = format!("SetTcpEntry {}", s.remote);
        windows_cmd::delete_tcb_row(s).ok_or_else(|| format!("{what}: IPv4 only"))?;
        self.denied(&what)?;
        self.log(what);
        Ok(if self.gone.contains(&s.remote.port()) {
            DropResult::Gone
        } else {
            DropResult::Dropped
        })
    }
}

impl Host for Win {
    fn listening(&self, _: u16, _: Transport) -> bool {
        !self.alive.borrow().is_empty()
    }
    fn sleep(&self, _: Duration) {}
    fn now(&self) -> String {
        "2026-12-03T00:00:00Z".into()
    }
    fn whoami(&self) -> (String, u32) {
        ("Administrator".into(), 0)
    }
    fn pid(&self) -> u32 {
        999
    }
    fn rdp_port(&self) -> Option<u16> {
        Some(3389)
    }
}

fn en(m: &Msg) -> String {
    m.to_string_in(portwarden_i18n::Lang::En)
}

fn ids(p: &Plan) -> Vec<String> {
    p.refusals.iter().map(|r| r.reason.id.to_string()).collect()
}

#[test]
fn windows_refuses_the_system_pids_itself_and_the_rdp_session() {
    for pid in [0, 4] {
        let p = plan(
            &inv(445, pid, "System", None),
            445,
            Transport::Tcp,
            Some(How::Kill),
            &ctx(),
        );
        assert!(!p.allowed(true), "pid {pid}");
        assert!(ids(&p).contains(&"control-port-belongs-to-windows-system".into()));
    }
    // PID 1 is nobody special on Windows; on Linux it is init.
    let p = plan(
        &inv(80, 1, "app", None),
        80,
        Transport::Tcp,
        Some(How::Kill),
        &ctx(),
    );
    assert!(p.allowed(false), "{:?}", ids(&p));
    let p = plan(
        &inv(80, 999, "portwarden", None),
        80,
        Transport::Tcp,
        Some(How::Kill),
        &ctx(),
    );
    assert!(ids(&p).contains(&"control-the-port-belongs-to-portwarden-itself".into()));
    // The RDP session's port: refused unless forced, whatever the way.
    let w = Win::default();
    let c = w.platform().context();
    assert_eq!((c.os, c.rdp), (Os::Windows, Some(3389)));
    let c = Context { self_pid: 999, ..c };
    for how in [How::Firewall, How::Connections, How::Kill] {
        let p = plan(
            &inv(3389, 1200, "svchost", None),
            3389,
            Transport::Tcp,
            Some(how),
            &c,
        );
        assert!(
            ids(&p).contains(&"control-port-carries-the-rdp-session".into()),
            "{how:?}"
        );
        assert!(!p.allowed(false), "{how:?}");
    }
    let p = plan(
        &inv(3389, 1200, "svchost", None),
        3389,
        Transport::Tcp,
        None,
        &c,
    );
    assert!(p.allowed(true));
    // The same session's port on Linux (no rdp) is not refused for it.
    let linux = Context {
        os: Os::Linux,
        rdp: None,
        ..ctx()
    };
    let p = plan(
        &inv(3389, 1200, "xrdp", None),
        3389,
        Transport::Tcp,
        None,
        &linux,
    );
    assert!(p.allowed(false));
}

#[test]
fn windows_firewall_cannot_reject_and_needs_no_boot_file() {
    let c = Context {
        reject: true,
        ..ctx()
    };
    let p = plan(
        &inv(8080, 1200, "web", None),
        8080,
        Transport::Tcp,
        None,
        &c,
    );
    assert_eq!(ids(&p), vec!["control-windows-cannot-reject"]);
    assert!(!p.allowed(true));
    let c = Context {
        persist: true,
        ..ctx()
    };
    let p = plan(
        &inv(8080, 1200, "web", None),
        8080,
        Transport::Tcp,
        None,
        &c,
    );
    assert!(p.allowed(false));
    assert_eq!(
        p.steps,
        vec![Step::AddRule {
            rule: "block inbound TCP port 8080".into()
        }],
        "Windows Firewall keeps its rules: no boot file step"
    );
}

#[test]
fn windows_firewall_rules_are_named_grouped_and_removed_by_open() {
    let w = Win::default();
    let store = Store::in_memory().unwrap();
    let c = Context {
        persist: true,
        ..ctx()
    };
    let p = plan(
        &inv(8080, 1200, "web", None),
        8080,
        Transport::Tcp,
        None,
        &c,
    );
    let out = execute(&p, &c, &w.platform(), &store, Duration::ZERO).unwrap();
    assert_eq!(out.done.len(), 1);
    assert_eq!(out.done[0].id, "control-windows-added-rule");
    let name = w.rules.borrow()[0].clone();
    assert!(name.starts_with("portwarden:8080:tcp:drop:"), "{name}");
    let log = w.log.borrow().join("\n");
    assert!(
        log.contains("group=portwarden") && log.contains("localport=8080"),
        "{log}"
    );
    assert!(!log.contains("persist"), "no boot file on Windows: {log}");
    let a = store.action(out.action_id).unwrap().unwrap();
    assert_eq!(a.summary, "firewall: block inbound TCP port 8080");
    assert!(matches!(&a.undo, Undo::DeleteRule { comment, .. } if *comment == name));
    // Closing again adds nothing.
    let again = execute(&p, &c, &w.platform(), &store, Duration::ZERO).unwrap();
    assert!(again.already_closed);
    assert_eq!(w.rules.borrow().len(), 1);
    // A rule of ours the journal lost is adopted by reconcile; a hand-made one in our
    // group is reported, never deleted.
    w.rules
        .borrow_mut()
        .push("portwarden:9090:udp:drop:1.2.3".into());
    w.rules.borrow_mut().push("made by hand".into());
    let notes = reconcile(&w.platform(), &store, true, true).unwrap();
    let ids: Vec<&str> = notes.iter().map(|m| &*m.id).collect();
    assert!(ids.contains(&"control-windows-rule-adopted"), "{ids:?}");
    assert!(ids.contains(&"control-windows-foreign-rule"), "{ids:?}");
    assert!(notes.iter().all(|m| !en(m).contains("inet portwarden")));
    // open: our rule goes (by its name), the other ones stay.
    let back = undo(
        8080,
        Transport::Tcp,
        &w.platform(),
        &store,
        &c.persist_paths,
        true,
    )
    .unwrap();
    assert_eq!(back.len(), 1);
    assert!(back[0].reversed);
    assert!(en(&back[0].message).contains("block inbound TCP port 8080"));
    assert!(!w.rules.borrow().contains(&name));
    assert!(w.rules.borrow().contains(&"made by hand".to_string()));
    assert!(w
        .log
        .borrow()
        .iter()
        .any(|l| l.contains("delete rule name=portwarden:8080")));
}

#[test]
fn windows_service_is_stopped_disabled_and_given_back_its_startup_type() {
    let w = Win::default();
    w.startup
        .borrow_mut()
        .insert("Spooler".into(), "delayed-auto".into());
    w.alive.borrow_mut().insert(2044);
    let store = Store::in_memory().unwrap();
    // The inventory does not know the service; the SCM does.
    let mut i = inv(8080, 2044, "spoolsv", None);
    attach_services(&mut i, w.platform().services);
    let p = plan(&i, 8080, Transport::Tcp, Some(How::Service), &ctx());
    assert!(p.allowed(false), "{:?}", ids(&p));
    assert_eq!(
        p.steps,
        vec![Step::StopAndDisable {
            unit: "Spooler".into()
        }]
    );
    let out = execute(&p, &ctx(), &w.platform(), &store, Duration::ZERO).unwrap();
    assert!(out.verified);
    assert_eq!(
        *w.log.borrow(),
        vec!["sc stop Spooler", "sc config Spooler start= disabled"]
    );
    let a = store.action(out.action_id).unwrap().unwrap();
    assert_eq!(a.detail[STARTUP_KEY], "delayed-auto");
    assert!(matches!(&a.undo, Undo::StartUnit { unit, was_enabled: true } if unit == "Spooler"));
    w.log.borrow_mut().clear();
    let back = undo(
        8080,
        Transport::Tcp,
        &w.platform(),
        &store,
        &ctx().persist_paths,
        true,
    )
    .unwrap();
    assert_eq!(
        *w.log.borrow(),
        vec!["sc config Spooler start= delayed-auto", "sc start Spooler"]
    );
    assert_eq!(back[0].message.id, "control-started-and-enabled");
    assert_eq!(w.startup.borrow()["Spooler"], "delayed-auto");
    // A manual (demand) service comes back manual.
    w.startup
        .borrow_mut()
        .insert("Spooler".into(), "demand".into());
    w.alive.borrow_mut().insert(2044);
    let out = execute(&p, &ctx(), &w.platform(), &store, Duration::ZERO).unwrap();
    undo(
        8080,
        Transport::Tcp,
        &w.platform(),
        &store,
        &ctx().persist_paths,
        true,
    )
    .unwrap();
    assert_eq!(w.startup.borrow()["Spooler"], "demand");
    assert!(store
        .action(out.action_id)
        .unwrap()
        .unwrap()
        .undone_at
        .is_some());
    // A process that runs no single service (svchost with several) is refused.
    let p = plan(
        &inv(8080, 812, "svchost", None),
        8080,
        Transport::Tcp,
        Some(How::Service),
        &ctx(),
    );
    assert_eq!(ids(&p), vec!["control-windows-not-one-service"]);
    // Linux service names are not Windows ones and the other way round.
    let p = plan(
        &inv(8080, 2044, "spoolsv", Some("Spooler")),
        8080,
        Transport::Tcp,
        Some(How::Service),
        &Context {
            os: Os::Linux,
            ..ctx()
        },
    );
    assert!(!p.allowed(false));
}

#[test]
fn windows_undo_hands_the_scm_only_plain_service_names() {
    let store = Store::in_memory().unwrap();
    for bad in ["-h", "a b", "x/y", "Spooler\r\nnet user"] {
        store
            .record(&NewAction {
                at: "t".into(),
                user: "u".into(),
                uid: 0,
                port: 80,
                protocol: "tcp".into(),
                how: "service".into(),
                summary: "s".into(),
                detail: serde_json::json!({ STARTUP_KEY: "auto" }),
                undo: Undo::StartUnit {
                    unit: bad.into(),
                    was_enabled: true,
                },
                state: State::Applied,
                runner: None,
                note: None,
            })
            .unwrap();
        let w = Win::default();
        assert!(
            undo(
                80,
                Transport::Tcp,
                &w.platform(),
                &store,
                &ctx().persist_paths,
                false
            )
            .is_err(),
            "{bad:?}"
        );
        assert!(w.log.borrow().is_empty(), "{bad:?}");
        let id = store.actions().unwrap().last().unwrap().id;
        store.mark_undone(id, "t").unwrap();
    }
}

#[test]
fn windows_kill_asks_then_terminates_and_errors_say_run_as_administrator() {
    let w = Win {
        console: [1200].into(),
        ..Win::default()
    };
    w.alive.borrow_mut().insert(1200);
    let store = Store::in_memory().unwrap();
    let p = plan(
        &inv(8080, 1200, "node", None),
        8080,
        Transport::Tcp,
        Some(How::Kill),
        &ctx(),
    );
    let out = execute(
        &p,
        &ctx(),
        &w.platform(),
        &store,
        Duration::from_millis(100),
    )
    .unwrap();
    assert_eq!(
        *w.log.borrow(),
        vec!["taskkill /PID 1200", "TerminateProcess 1200"]
    );
    let said: Vec<&str> = out.done.iter().map(|m| &*m.id).collect();
    assert_eq!(
        said,
        vec![
            "control-windows-close-not-accepted",
            "control-windows-terminated"
        ]
    );
    // Not elevated: the step fails with the hint, and the journal says failed/interrupted.
    let w = Win {
        console: [1200].into(),
        not_admin: true,
        ..Win::default()
    };
    w.alive.borrow_mut().insert(1200);
    let e = execute(
        &p,
        &ctx(),
        &w.platform(),
        &store,
        Duration::from_millis(100),
    )
    .unwrap_err();
    assert!(e.to_string().contains("run as Administrator"), "{e}");
    let last = store.actions().unwrap().pop().unwrap();
    assert_eq!(last.state, State::Interrupted);
}

#[test]
fn windows_drops_ipv4_connections_and_says_ipv6_cannot_be() {
    let w = Win {
        gone: [40000].into(),
        ..Win::default()
    };
    let store = Store::in_memory().unwrap();
    let mut i = inv(8080, 1200, "web", None);
    // Only the IPv4 client first.
    i.sockets.retain(|e| !e.socket.remote.is_ipv6());
    let p = plan(&i, 8080, Transport::Tcp, Some(How::Connections), &ctx());
    let out = execute(&p, &ctx(), &w.platform(), &store, Duration::ZERO).unwrap();
    assert_eq!(out.done[0].id, "control-had-already-closed");
    assert_eq!(*w.log.borrow(), vec!["SetTcpEntry 198.18.0.9:40000"]);
    let p = plan(
        &inv(8080, 1200, "web", None),
        8080,
        Transport::Tcp,
        Some(How::Connections),
        &ctx(),
    );
    let e = execute(&p, &ctx(), &w.platform(), &store, Duration::ZERO).unwrap_err();
    assert!(e.to_string().contains("IPv4 only"), "{e}");
}
