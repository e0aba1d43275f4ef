//! Plan and execution tests against a fake system.

use super::*;
use portwarden_sockets::{join, ProcTable, ProcessInfo, Source};
use std::cell::RefCell;
use std::collections::HashSet;

fn sock(t: Transport, local: &str, remote: &str, state: SockState, inode: u64) -> RawSocket {
    RawSocket {
        transport: t,
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

fn inv(owners: &[(u64, u32, &str, Option<&str>)], extra: Vec<RawSocket>) -> Inventory {
    let mut raw = vec![
        sock(
            Transport::Tcp,
            "0.0.0.0:8080",
            "0.0.0.0:0",
            SockState::Listen,
            1,
        ),
        sock(
            Transport::Tcp,
            "10.0.0.1:8080",
            "10.0.0.9:40000",
            SockState::Established,
            2,
        ),
        sock(
            Transport::Tcp,
            "0.0.0.0:22",
            "0.0.0.0:0",
            SockState::Listen,
            3,
        ),
        sock(
            Transport::Tcp,
            "10.0.0.1:22",
            "10.0.0.7:50000",
            SockState::Established,
            4,
        ),
    ];
    raw.extend(extra);
    let mut p = ProcTable::default();
    for (inode, pid, name, unit) in owners {
        p.by_inode.entry(*inode).or_default().push(*pid);
        p.processes.insert(
            *pid,
            ProcessInfo {
                pid: *pid,
                name: name.to_string(),
                cmdline: vec![format!("/usr/bin/{name}"), "--serve".into()],
                unit: unit.map(str::to_string),
                ..Default::default()
            },
        );
    }
    join(raw, Source::Fake, Some(p))
}

fn ctx() -> Context {
    Context {
        self_pid: 999,
        nft: true,
        ..Context::default()
    }
}

#[derive(Default)]
struct Fake {
    log: RefCell<Vec<String>>,
    alive: RefCell<HashSet<u32>>,
    ignores_term: HashSet<u32>,
    rules: RefCell<Vec<(u64, String)>>,
    files: RefCell<std::collections::HashMap<String, String>>,
}

impl System for Fake {
    fn signal(&self, pid: u32, kill: bool) -> std::io::Result<()> {
        self.log
            .borrow_mut()
            .push(format!("{} {pid}", if kill { "KILL" } else { "TERM" }));
        if kill || !self.ignores_term.contains(&pid) {
            self.alive.borrow_mut().remove(&pid);
        }
        Ok(())
    }
    fn alive(&self, pid: u32) -> bool {
        self.alive.borrow().contains(&pid)
    }
    fn listening(&self, _: u16, _: Transport) -> bool {
        !self.alive.borrow().is_empty()
    }
    fn systemctl(&self, args: &[&str]) -> Result<String, String> {
        self.log
            .borrow_mut()
            .push(format!("systemctl {}", args.join(" ")));
        Ok(if args[0] == "is-enabled" {
            "enabled\n".into()
        } else {
            String::new()
        })
    }
    fn nft_script(&self, script: &str) -> Result<(), String> {
        self.log
            .borrow_mut()
            .push(format!("nft {}", script.lines().last().unwrap_or("")));
        if let Some(rest) = script
            .lines()
            .last()
            .and_then(|l| l.strip_prefix("add rule inet portwarden input "))
        {
            let c = rest
                .split("comment \"")
                .nth(1)
                .unwrap()
                .trim_end_matches('"')
                .to_string();
            let h = self.rules.borrow().len() as u64 + 10;
            self.rules.borrow_mut().push((h, c));
        }
        if let Some(h) = script
            .trim()
            .strip_prefix("delete rule inet portwarden input handle ")
        {
            let h: u64 = h.parse().unwrap();
            self.rules.borrow_mut().retain(|(x, _)| *x != h);
        }
        Ok(())
    }
    fn nft_json(&self, _: &[&str]) -> Result<String, String> {
        let rules: Vec<serde_json::Value> = self
            .rules
            .borrow()
            .iter()
            .map(|(h, c)| serde_json::json!({"rule": {"family": "inet", "table": "portwarden", "chain": "input", "handle": h, "comment": c}}))
            .collect();
        Ok(serde_json::json!({ "nftables": rules }).to_string())
    }
    fn destroy(&self, s: &RawSocket) -> std::io::Result<()> {
        self.log.borrow_mut().push(format!("destroy {}", s.remote));
        Ok(())
    }
    fn write_file(&self, path: &str, contents: &str) -> std::io::Result<()> {
        self.files.borrow_mut().insert(path.into(), contents.into());
        Ok(())
    }
    fn read_file(&self, path: &str) -> Option<String> {
        self.files.borrow().get(path).cloned()
    }
    fn sleep(&self, _: Duration) {}
    fn now(&self) -> String {
        "2026-11-23T00:00:00Z".into()
    }
    fn whoami(&self) -> (String, u32) {
        ("root".into(), 0)
    }
}

#[test]
fn default_is_the_firewall_and_plan_names_clients() {
    let i = inv(&[(1, 100, "web", None)], vec![]);
    let p = plan(&i, 8080, Transport::Tcp, None, &ctx());
    assert_eq!(p.how, How::Firewall);
    assert!(p.how_is_default);
    assert_eq!(p.owners.len(), 1);
    assert_eq!(p.clients.len(), 1);
    assert!(p.allowed(false));
    let no_nft = Context {
        nft: false,
        ..ctx()
    };
    assert_eq!(plan(&i, 8080, Transport::Tcp, None, &no_nft).how, How::Kill);
}

#[test]
fn refuses_pid_1_and_itself_even_with_force() {
    let i = inv(&[(1, 1, "init", None)], vec![]);
    let p = plan(&i, 8080, Transport::Tcp, Some(How::Kill), &ctx());
    assert!(!p.allowed(true));
    assert!(p.refusals[0].reason.contains("PID 1"));
    let i = inv(&[(1, 999, "portwarden", None)], vec![]);
    let p = plan(&i, 8080, Transport::Tcp, Some(How::Kill), &ctx());
    assert!(!p.allowed(true));
}

#[test]
fn refuses_the_ssh_port_unless_forced() {
    let i = inv(&[(3, 50, "sshd", Some("ssh.service"))], vec![]);
    let c = Context {
        ssh: parse_ssh_connection("10.0.0.7 50000 10.0.0.1 22"),
        ..ctx()
    };
    for how in [How::Firewall, How::Kill, How::Connections] {
        let p = plan(&i, 22, Transport::Tcp, Some(how), &c);
        assert!(!p.allowed(false), "{how:?}");
        assert!(p.allowed(true), "{how:?}");
        assert!(p.refusals[0].reason.contains("SSH"));
    }
    assert!(parse_ssh_connection("garbage").is_none());
}

#[test]
fn shared_ports_need_every_pid_named() {
    let i = inv(&[(1, 100, "web", None), (1, 101, "web", None)], vec![]);
    let p = plan(&i, 8080, Transport::Tcp, Some(How::Kill), &ctx());
    assert!(!p.allowed(true));
    assert!(p.refusals[0].reason.contains("100 (web), 101 (web)"));
    let named = Context {
        named_pids: vec![100, 101],
        ..ctx()
    };
    assert!(plan(&i, 8080, Transport::Tcp, Some(How::Kill), &named).allowed(false));
    let wrong = Context {
        named_pids: vec![7],
        ..ctx()
    };
    let i1 = inv(&[(1, 100, "web", None)], vec![]);
    assert!(!plan(&i1, 8080, Transport::Tcp, Some(How::Kill), &wrong).allowed(true));
}

#[test]
fn kill_escalates_and_journals_the_cmdline() {
    let i = inv(&[(1, 100, "web", None)], vec![]);
    let p = plan(&i, 8080, Transport::Tcp, Some(How::Kill), &ctx());
    let sys = Fake {
        ignores_term: [100].into_iter().collect(),
        ..Fake::default()
    };
    sys.alive.borrow_mut().insert(100);
    let store = Store::in_memory().unwrap();
    let out = execute(&p, &ctx(), &sys, &store, Duration::from_millis(200)).unwrap();
    assert_eq!(*sys.log.borrow(), vec!["TERM 100", "KILL 100"]);
    assert!(out.verified);
    let back = undo(8080, Transport::Tcp, &sys, &store).unwrap();
    assert!(!back[0].reversed);
    assert!(
        back[0].message.contains("/usr/bin/web --serve"),
        "{}",
        back[0].message
    );
}

#[test]
fn service_needs_systemd_and_a_unit_and_undoes() {
    let i = inv(&[(1, 100, "nginx", Some("nginx.service"))], vec![]);
    let p = plan(&i, 8080, Transport::Tcp, Some(How::Service), &ctx());
    assert!(p
        .refusals
        .iter()
        .any(|r| r.reason.contains("systemd is not PID 1")));
    let sd = Context {
        systemd: true,
        ..ctx()
    };
    let p = plan(&i, 8080, Transport::Tcp, Some(How::Service), &sd);
    assert!(p.allowed(false), "{:?}", p.refusals);
    assert_eq!(
        p.steps,
        vec![Step::StopAndDisable {
            unit: "nginx.service".into()
        }]
    );
    let sys = Fake::default();
    let store = Store::in_memory().unwrap();
    execute(&p, &sd, &sys, &store, Duration::ZERO).unwrap();
    undo(8080, Transport::Tcp, &sys, &store).unwrap();
    let log = sys.log.borrow().join("\n");
    assert!(log.contains("systemctl stop nginx.service"));
    assert!(log.contains("systemctl disable nginx.service"));
    assert!(log.contains("systemctl enable nginx.service"));
    assert!(log.contains("systemctl start nginx.service"));
    let no_unit = inv(&[(1, 100, "web", Some("session-3.scope"))], vec![]);
    let p = plan(&no_unit, 8080, Transport::Tcp, Some(How::Service), &sd);
    assert!(!p.allowed(true));
}

#[test]
fn firewall_rule_is_added_persisted_and_removed() {
    let i = inv(&[(1, 100, "web", None)], vec![]);
    let c = Context {
        persist: true,
        ..ctx()
    };
    let p = plan(&i, 8080, Transport::Tcp, Some(How::Firewall), &c);
    let sys = Fake::default();
    let store = Store::in_memory().unwrap();
    execute(&p, &c, &sys, &store, Duration::ZERO).unwrap();
    assert_eq!(sys.rules.borrow().len(), 1);
    let file = sys.files.borrow().get(nft::PERSIST_FILE).cloned().unwrap();
    assert!(file.contains("th dport 8080 drop"), "{file}");
    assert!(sys
        .files
        .borrow()
        .get(nft::MAIN_CONF)
        .unwrap()
        .contains("include \"/etc/portwarden/nftables.nft\""));
    let back = undo(8080, Transport::Tcp, &sys, &store).unwrap();
    assert!(back[0].reversed);
    assert!(sys.rules.borrow().is_empty());
    assert!(!sys
        .files
        .borrow()
        .get(nft::PERSIST_FILE)
        .unwrap()
        .contains("dport 8080"));
    // Nothing left to undo.
    assert!(undo(8080, Transport::Tcp, &sys, &store).unwrap().is_empty());
}

#[test]
fn connections_are_destroyed_listener_kept() {
    let i = inv(&[(1, 100, "web", None), (2, 100, "web", None)], vec![]);
    let p = plan(&i, 8080, Transport::Tcp, Some(How::Connections), &ctx());
    assert_eq!(p.steps.len(), 1);
    let sys = Fake::default();
    sys.alive.borrow_mut().insert(100);
    let store = Store::in_memory().unwrap();
    let out = execute(&p, &ctx(), &sys, &store, Duration::ZERO).unwrap();
    assert_eq!(*sys.log.borrow(), vec!["destroy 10.0.0.9:40000"]);
    assert!(out.verified);
    let udp = plan(&i, 8080, Transport::Udp, Some(How::Connections), &ctx());
    assert!(!udp.allowed(true));
}

#[test]
fn nothing_listening_is_refused_for_kill() {
    let i = inv(&[], vec![]);
    let p = plan(&i, 9, Transport::Tcp, Some(How::Kill), &ctx());
    assert!(!p.allowed(true));
}

#[test]
fn dates() {
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339(1795305600), "2026-11-22T00:00:00Z");
    assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
}
