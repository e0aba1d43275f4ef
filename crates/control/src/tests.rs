//! Plan and execution tests against a fake system.

use super::*;
use portwarden_sockets::{join, ProcTable, ProcessInfo, Source};
use portwarden_store::Store;
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

/// Linux's four capabilities over a fake system.
fn on(s: &Fake) -> Platform<'_> {
    Platform::over(s)
}

fn paths() -> nft::PersistPaths {
    nft::PersistPaths::default()
}

fn ctx() -> Context {
    Context {
        self_pid: 999,
        nft: true,
        ..Context::default()
    }
}

/// (handle, comment) of a rule in the fake table.
type FakeRule = (u64, Option<String>);

#[derive(Default)]
struct Fake {
    log: RefCell<Vec<String>>,
    alive: RefCell<HashSet<u32>>,
    ignores_term: HashSet<u32>,
    /// `Some` once the table exists: (handle, comment) of each rule.
    table: RefCell<Option<Vec<FakeRule>>>,
    next_handle: std::cell::Cell<u64>,
    files: RefCell<std::collections::HashMap<String, String>>,
    /// nft cannot be run.
    no_nft: bool,
    /// `nft -c` rejects every file.
    check_fails: bool,
}

impl Fake {
    fn comments(&self) -> Vec<String> {
        self.table
            .borrow()
            .iter()
            .flatten()
            .filter_map(|(_, c)| c.clone())
            .collect()
    }
    /// Puts a rule into the table as someone else (or a crashed portwarden) would.
    fn plant(&self, comment: &str) {
        let h = self.next_handle.get() + 10;
        self.next_handle.set(h);
        self.table
            .borrow_mut()
            .get_or_insert_with(Vec::new)
            .push((h, Some(comment.to_string())));
    }
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
    fn nft_apply(&self, json: &str) -> Result<(), String> {
        if self.no_nft {
            return Err("cannot run nft: No such file or directory".into());
        }
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        for cmd in v["nftables"].as_array().unwrap() {
            if cmd["add"].get("table").is_some() {
                self.table.borrow_mut().get_or_insert_with(Vec::new);
            }
            if let Some(r) = cmd["add"].get("rule") {
                self.plant(r["comment"].as_str().unwrap());
                self.log.borrow_mut().push("nft add rule".into());
            }
            if let Some(r) = cmd["delete"].get("rule") {
                let h = r["handle"].as_u64().unwrap();
                self.table
                    .borrow_mut()
                    .as_mut()
                    .unwrap()
                    .retain(|(x, _)| *x != h);
                self.log.borrow_mut().push(format!("nft delete {h}"));
            }
        }
        Ok(())
    }
    fn nft_list(&self) -> Result<Option<String>, String> {
        if self.no_nft {
            return Err("cannot run nft: No such file or directory".into());
        }
        Ok(self.table.borrow().as_ref().map(|rules| {
            let rules: Vec<serde_json::Value> = rules
                .iter()
                .map(|(h, c)| serde_json::json!({"rule": {"family": "inet", "table": "portwarden", "chain": "input", "handle": h, "comment": c}}))
                .collect();
            serde_json::json!({ "nftables": rules }).to_string()
        }))
    }
    fn nft_check(&self, path: &str) -> Result<(), String> {
        self.log.borrow_mut().push(format!("nft -c {path}"));
        if self.check_fails {
            Err("syntax error".into())
        } else {
            Ok(())
        }
    }
    fn destroy(&self, s: &RawSocket) -> std::io::Result<()> {
        self.log.borrow_mut().push(format!("destroy {}", s.remote));
        Ok(())
    }
    fn write_file(&self, path: &str, contents: &str) -> std::io::Result<()> {
        self.files.borrow_mut().insert(path.into(), contents.into());
        Ok(())
    }
    fn rename(&self, from: &str, to: &str) -> std::io::Result<()> {
        let f = self.files.borrow_mut().remove(from).unwrap();
        self.files.borrow_mut().insert(to.into(), f);
        Ok(())
    }
    fn remove_file(&self, path: &str) {
        self.files.borrow_mut().remove(path);
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
    fn process_start(&self, pid: u32) -> Option<u64> {
        (pid == 999 || self.alive.borrow().contains(&pid)).then_some(5)
    }
    fn pid(&self) -> u32 {
        999
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
    // Without nft the default is refused and the user asked to choose: never a silent
    // switch to killing the owner.
    let p = plan(&i, 8080, Transport::Tcp, None, &no_nft);
    assert_eq!(p.how, How::Firewall);
    assert!(p.steps.iter().all(|s| !matches!(s, Step::Terminate { .. })));
    assert!(!p.allowed(true));
    assert!(
        p.refusals[0]
            .reason
            .to_string_in(portwarden_i18n::Lang::En)
            .contains("--how"),
        "{:?}",
        p.refusals
    );
}

#[test]
fn refuses_pid_1_and_itself_even_with_force() {
    let i = inv(&[(1, 1, "init", None)], vec![]);
    let p = plan(&i, 8080, Transport::Tcp, Some(How::Kill), &ctx());
    assert!(!p.allowed(true));
    assert!(p.refusals[0]
        .reason
        .to_string_in(portwarden_i18n::Lang::En)
        .contains("PID 1"));
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
        assert!(p.refusals[0]
            .reason
            .to_string_in(portwarden_i18n::Lang::En)
            .contains("SSH"));
    }
    assert!(parse_ssh_connection("garbage").is_none());
}

#[test]
fn shared_ports_need_every_pid_named() {
    let i = inv(&[(1, 100, "web", None), (1, 101, "web", None)], vec![]);
    let p = plan(&i, 8080, Transport::Tcp, Some(How::Kill), &ctx());
    assert!(!p.allowed(true));
    assert!(p.refusals[0]
        .reason
        .to_string_in(portwarden_i18n::Lang::En)
        .contains("100 (web), 101 (web)"));
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
    kill_escalates_and_journals_the_cmdline_on(&Store::in_memory().unwrap());
}

fn kill_escalates_and_journals_the_cmdline_on(store: &dyn Journal) {
    let i = inv(&[(1, 100, "web", None)], vec![]);
    let p = plan(&i, 8080, Transport::Tcp, Some(How::Kill), &ctx());
    let sys = Fake {
        ignores_term: [100].into_iter().collect(),
        ..Fake::default()
    };
    sys.alive.borrow_mut().insert(100);
    let out = execute(&p, &ctx(), &on(&sys), store, Duration::from_millis(200)).unwrap();
    assert_eq!(*sys.log.borrow(), vec!["TERM 100", "KILL 100"]);
    assert!(out.verified);
    let back = undo(8080, Transport::Tcp, &on(&sys), store, &paths(), true).unwrap();
    assert!(!back[0].reversed);
    assert!(
        back[0]
            .message
            .to_string_in(portwarden_i18n::Lang::En)
            .contains("/usr/bin/web --serve"),
        "{}",
        back[0].message
    );
}

#[test]
fn service_needs_systemd_and_a_unit_and_undoes() {
    service_needs_systemd_and_a_unit_and_undoes_on(&Store::in_memory().unwrap());
}

fn service_needs_systemd_and_a_unit_and_undoes_on(store: &dyn Journal) {
    let i = inv(&[(1, 100, "nginx", Some("nginx.service"))], vec![]);
    let p = plan(&i, 8080, Transport::Tcp, Some(How::Service), &ctx());
    assert!(p.refusals.iter().any(|r| r
        .reason
        .to_string_in(portwarden_i18n::Lang::En)
        .contains("systemd is not PID 1")));
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
    execute(&p, &sd, &on(&sys), store, Duration::ZERO).unwrap();
    undo(8080, Transport::Tcp, &on(&sys), store, &paths(), true).unwrap();
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
    firewall_rule_is_added_persisted_and_removed_on(&Store::in_memory().unwrap());
}

fn firewall_rule_is_added_persisted_and_removed_on(store: &dyn Journal) {
    let i = inv(&[(1, 100, "web", None)], vec![]);
    let c = Context {
        persist: true,
        ..ctx()
    };
    let p = plan(&i, 8080, Transport::Tcp, Some(How::Firewall), &c);
    let sys = Fake::default();
    execute(&p, &c, &on(&sys), store, Duration::ZERO).unwrap();
    assert_eq!(sys.comments().len(), 1);
    let file = sys.files.borrow().get(nft::PERSIST_FILE).cloned().unwrap();
    assert!(file.contains("th dport 8080 drop"), "{file}");
    assert!(sys
        .files
        .borrow()
        .get(nft::MAIN_CONF)
        .unwrap()
        .contains("include \"/etc/portwarden/nftables.nft\""));
    let back = undo(8080, Transport::Tcp, &on(&sys), store, &paths(), true).unwrap();
    assert!(back[0].reversed);
    assert!(sys.comments().is_empty());
    assert!(!sys
        .files
        .borrow()
        .get(nft::PERSIST_FILE)
        .unwrap()
        .contains("dport 8080"));
    // Nothing left to undo.
    assert!(undo(8080, Transport::Tcp, &on(&sys), store, &paths(), true)
        .unwrap()
        .is_empty());
}

#[test]
fn connections_are_destroyed_listener_kept() {
    connections_are_destroyed_listener_kept_on(&Store::in_memory().unwrap());
}

fn connections_are_destroyed_listener_kept_on(store: &dyn Journal) {
    let i = inv(&[(1, 100, "web", None), (2, 100, "web", None)], vec![]);
    let p = plan(&i, 8080, Transport::Tcp, Some(How::Connections), &ctx());
    assert_eq!(p.steps.len(), 1);
    let sys = Fake::default();
    sys.alive.borrow_mut().insert(100);
    let out = execute(&p, &ctx(), &on(&sys), store, Duration::ZERO).unwrap();
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

fn fw_plan(port: u16, c: &Context) -> Plan {
    let i = inv(&[(1, 100, "web", None)], vec![]);
    plan(&i, port, Transport::Tcp, Some(How::Firewall), c)
}

#[test]
fn firewall_is_journalled_before_the_rule_is_added() {
    // A journal that cannot be written: nothing is changed.
    let dir = std::env::temp_dir().join(format!("pw-control-ro-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).unwrap();
    let db = dir.join("j.db");
    drop(Store::open(&db).unwrap());
    let ro = Store::open_read_only(&db).unwrap().unwrap();
    let sys = Fake::default();
    let e = execute(
        &fw_plan(8080, &ctx()),
        &ctx(),
        &on(&sys),
        &ro,
        Duration::ZERO,
    )
    .unwrap_err();
    assert!(matches!(e, Error::Store(_)), "{e}");
    assert!(sys.comments().is_empty(), "no rule without a record");
    assert!(!sys.log.borrow().iter().any(|l| l.starts_with("nft add")));
    let _ = std::fs::remove_dir_all(&dir);
    // nft failing: the record says failed, nothing to undo.
    let store = Store::in_memory().unwrap();
    let broken = Fake {
        no_nft: true,
        ..Fake::default()
    };
    assert!(matches!(
        execute(
            &fw_plan(8080, &ctx()),
            &ctx(),
            &on(&broken),
            &store,
            Duration::ZERO
        ),
        Err(Error::Nft(_))
    ));
    // (nft could not even list: nothing was journalled.)
    assert!(store.actions().unwrap().is_empty());
}

#[test]
fn a_failed_rule_is_journalled_as_failed() {
    a_failed_rule_is_journalled_as_failed_on(&Store::in_memory().unwrap());
}

fn a_failed_rule_is_journalled_as_failed_on(store: &dyn Journal) {
    let sys = Fake::default();
    let p = fw_plan(8080, &ctx());
    // The rule goes in, the record is pending with its comment before that.
    let out = execute(&p, &ctx(), &on(&sys), store, Duration::ZERO).unwrap();
    let a = store.action(out.action_id).unwrap().unwrap();
    assert_eq!(a.state, State::Applied);
    let Undo::DeleteRule { comment, .. } = &a.undo else {
        panic!("{a:?}")
    };
    assert_eq!(sys.comments(), vec![comment.clone()]);
    assert!(nft::Tag::parse(comment).is_some());
    // Pending then nft fails: failed, never offered for undo.
    let id = begin(&p, &on(&sys), store, "s", &serde_json::json!({}), &a.undo).unwrap();
    let e = failed(store, id, false, Error::Nft("boom".into()));
    assert!(e.to_string().contains("boom"));
    let f = store.action(id).unwrap().unwrap();
    assert_eq!(f.state, State::Failed);
    assert_eq!(f.note.as_deref(), Some("nft: boom"));
}

#[test]
fn closing_a_closed_port_adds_nothing() {
    closing_a_closed_port_adds_nothing_on(&Store::in_memory().unwrap());
}

fn closing_a_closed_port_adds_nothing_on(store: &dyn Journal) {
    let sys = Fake::default();
    let first = execute(
        &fw_plan(8080, &ctx()),
        &ctx(),
        &on(&sys),
        store,
        Duration::ZERO,
    )
    .unwrap();
    let again = execute(
        &fw_plan(8080, &ctx()),
        &ctx(),
        &on(&sys),
        store,
        Duration::ZERO,
    )
    .unwrap();
    assert!(again.already_closed);
    assert_eq!(again.action_id, first.action_id);
    assert!(again.done[0]
        .to_string()
        .contains(&format!("action #{}", first.action_id)));
    assert_eq!(sys.comments().len(), 1);
    assert_eq!(store.actions().unwrap().len(), 1);
    // Once the rule is gone (deleted by hand), closing adds it again.
    sys.table.borrow_mut().as_mut().unwrap().clear();
    let third = execute(
        &fw_plan(8080, &ctx()),
        &ctx(),
        &on(&sys),
        store,
        Duration::ZERO,
    )
    .unwrap();
    assert!(!third.already_closed);
    assert_eq!(sys.comments().len(), 1);
    // Another run closing 9090 right now (pending, its process alive): nothing added.
    let busy = store
        .record(&NewAction {
            at: "t".into(),
            user: "root".into(),
            uid: 0,
            port: 9090,
            protocol: "tcp".into(),
            how: "firewall".into(),
            summary: "s".into(),
            detail: serde_json::json!({}),
            undo: Undo::DeleteRule {
                comment: "portwarden:9090:tcp:drop:busy".into(),
                persisted: None,
            },
            state: State::Pending,
            runner: Some(Runner {
                pid: 4242,
                start: 5,
            }),
            note: None,
        })
        .unwrap();
    sys.alive.borrow_mut().insert(4242);
    let out = execute(
        &fw_plan(9090, &ctx()),
        &ctx(),
        &on(&sys),
        store,
        Duration::ZERO,
    )
    .unwrap();
    assert!(out.already_closed);
    assert_eq!(out.action_id, busy);
    assert!(
        out.done[0]
            .to_string_in(portwarden_i18n::Lang::En)
            .contains("right now"),
        "{:?}",
        out.done
    );
    assert_eq!(sys.comments().len(), 1);
    // Once that process is gone, its record no longer stands in the way.
    sys.alive.borrow_mut().clear();
    let out = execute(
        &fw_plan(9090, &ctx()),
        &ctx(),
        &on(&sys),
        store,
        Duration::ZERO,
    )
    .unwrap();
    assert!(!out.already_closed);
    assert_eq!(sys.comments().len(), 2);
}

#[test]
fn reconcile_settles_pending_adopts_orphans_and_reports_foreign_rules() {
    reconcile_settles_pending_adopts_orphans_and_reports_foreign_rules_on(
        &Store::in_memory().unwrap(),
    );
}

fn reconcile_settles_pending_adopts_orphans_and_reports_foreign_rules_on(store: &dyn Journal) {
    let sys = Fake::default();
    let p = fw_plan(8080, &ctx());
    let tag = |s: &str| nft::Tag {
        port: 8080,
        transport: Transport::Tcp,
        verdict: nft::Verdict::Drop,
        stamp: nft::Stamp::parse(s).unwrap(),
    };
    let undo_for = |t: &nft::Tag| Undo::DeleteRule {
        comment: t.comment(),
        persisted: None,
    };
    let j = serde_json::json!({});
    // Killed after the rule went in / before it did / still running (alive runner).
    let after = begin(&p, &on(&sys), store, "s", &j, &undo_for(&tag("a"))).unwrap();
    sys.plant(&tag("a").comment());
    let before = begin(&p, &on(&sys), store, "s", &j, &undo_for(&tag("b"))).unwrap();
    let running = store
        .record(&NewAction {
            at: "t".into(),
            user: "root".into(),
            uid: 0,
            port: 8080,
            protocol: "tcp".into(),
            how: "firewall".into(),
            summary: "s".into(),
            detail: j.clone(),
            undo: undo_for(&tag("c")),
            state: State::Pending,
            runner: Some(Runner {
                pid: 4242,
                start: 5,
            }),
            note: None,
        })
        .unwrap();
    sys.alive.borrow_mut().insert(4242);
    // A kill that was interrupted.
    let kp = plan(
        &inv(&[(1, 100, "web", None)], vec![]),
        8080,
        Transport::Tcp,
        Some(How::Kill),
        &ctx(),
    );
    let kill = begin(
        &kp,
        &on(&sys),
        store,
        "s",
        &j,
        &Undo::Irreversible {
            reason: "r".into(),
            cmdlines: vec![],
        },
    )
    .unwrap();
    // Our rule whose record was lost, and a rule someone planted in our table.
    sys.plant(&tag("lost").comment());
    sys.plant("portwarden:8080:tcp:drop:x\nflush ruleset");
    // Read-only: reported, nothing written.
    let notes = reconcile(&on(&sys), store, true, false).unwrap();
    assert_eq!(store.pending().unwrap().len(), 4, "{notes:?}");
    assert!(
        notes.iter().any(|n| n
            .to_string_in(portwarden_i18n::Lang::En)
            .contains("without a journal record")),
        "{notes:?}"
    );
    let notes = reconcile(&on(&sys), store, true, true).unwrap();
    let state = |id| store.action(id).unwrap().unwrap().state;
    assert_eq!(state(after), State::Applied);
    assert_eq!(state(before), State::Failed);
    assert_eq!(state(running), State::Pending);
    assert_eq!(state(kill), State::Interrupted);
    let all = store.actions().unwrap();
    let adopted = all.last().unwrap();
    assert_eq!(adopted.undo, undo_for(&tag("lost")));
    assert_eq!(adopted.state, State::Applied);
    let foreign = notes
        .iter()
        .find(|n| {
            n.to_string_in(portwarden_i18n::Lang::En)
                .contains("not written by portwarden")
        })
        .unwrap();
    assert!(
        foreign
            .to_string_in(portwarden_i18n::Lang::En)
            .contains("\\n"),
        "the comment is shown escaped: {foreign}"
    );
    assert!(!foreign
        .to_string_in(portwarden_i18n::Lang::En)
        .contains('\n'));
    assert!(
        foreign
            .to_string_in(portwarden_i18n::Lang::Zh)
            .contains("不是 portwarden 写入的")
            && foreign
                .to_string_in(portwarden_i18n::Lang::Zh)
                .contains("\\n")
    );
    // A second run finds nothing new; the foreign rule is still reported.
    let notes = reconcile(&on(&sys), store, true, true).unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(store.actions().unwrap().len(), all.len());
    // The planted rule is left alone.
    assert_eq!(sys.comments().len(), 3);
    // Without nft: nothing is decided about firewall records, and that is said.
    let blind = Fake {
        no_nft: true,
        ..Fake::default()
    };
    let notes = reconcile(&on(&blind), store, true, true).unwrap();
    assert!(
        notes.iter().any(|n| n
            .to_string_in(portwarden_i18n::Lang::En)
            .contains("cannot read")),
        "{notes:?}"
    );
}

#[test]
fn open_removes_rules_the_journal_lost_and_fails_without_nft() {
    open_removes_rules_the_journal_lost_and_fails_without_nft_on(&Store::in_memory().unwrap());
}

fn open_removes_rules_the_journal_lost_and_fails_without_nft_on(store: &dyn Journal) {
    let sys = Fake::default();
    execute(
        &fw_plan(8080, &ctx()),
        &ctx(),
        &on(&sys),
        store,
        Duration::ZERO,
    )
    .unwrap();
    // nft cannot run: an error, the record stays open, the rule stays.
    let blind = Fake {
        no_nft: true,
        ..Fake::default()
    };
    assert!(matches!(
        undo(8080, Transport::Tcp, &on(&blind), store, &paths(), false),
        Err(Error::Nft(_))
    ));
    assert_eq!(store.open_actions(8080, "tcp").unwrap().len(), 1);
    // A rule for the port that no record holds is removed too.
    sys.plant("portwarden:8080:tcp:reject:lost-1");
    sys.plant("portwarden:9090:tcp:drop:other");
    let back = undo(8080, Transport::Tcp, &on(&sys), store, &paths(), true).unwrap();
    assert_eq!(back.len(), 2);
    assert!(back.iter().all(|r| r.reversed));
    assert_eq!(
        sys.comments(),
        vec!["portwarden:9090:tcp:drop:other".to_string()]
    );
    assert!(store.open_actions(8080, "tcp").unwrap().is_empty());
    // Nothing open and no nft: cannot tell, so an error rather than "nothing to do".
    assert!(undo(8080, Transport::Tcp, &on(&blind), store, &paths(), true).is_err());
}

#[test]
fn persisted_file_is_rebuilt_from_the_journal_and_checked() {
    persisted_file_is_rebuilt_from_the_journal_and_checked_on(&Store::in_memory().unwrap());
}

fn persisted_file_is_rebuilt_from_the_journal_and_checked_on(store: &dyn Journal) {
    let c = Context {
        persist: true,
        ..ctx()
    };
    let sys = Fake::default();
    sys.plant("portwarden:22:tcp:drop:x\"\nflush ruleset");
    sys.plant("portwarden:23:tcp:drop:not-persisted");
    execute(&fw_plan(8080, &c), &c, &on(&sys), store, Duration::ZERO).unwrap();
    let file = sys.files.borrow().get(nft::PERSIST_FILE).cloned().unwrap();
    assert!(file.contains("th dport 8080 drop"), "{file}");
    assert!(!file.contains("flush"), "{file}");
    assert!(
        !file.contains("dport 22") && !file.contains("dport 23"),
        "{file}"
    );
    let log = sys.log.borrow().join("\n");
    assert!(
        log.contains(&format!("nft -c {}.portwarden-new", nft::PERSIST_FILE)),
        "{log}"
    );
    assert!(
        log.contains(&format!("nft -c {}.portwarden-new", nft::MAIN_CONF)),
        "{log}"
    );
    assert_eq!(sys.files.borrow().len(), 2, "no temporary file left");
    // A file nft would not accept never replaces the old one.
    let strict = Fake {
        check_fails: true,
        ..Fake::default()
    };
    strict.write_file(nft::PERSIST_FILE, "old").unwrap();
    let e = execute(&fw_plan(9090, &c), &c, &on(&strict), store, Duration::ZERO).unwrap_err();
    assert!(e.to_string().contains("not made persistent"), "{e}");
    assert_eq!(strict.read_file(nft::PERSIST_FILE).as_deref(), Some("old"));
    assert_eq!(strict.files.borrow().len(), 1);
}

#[test]
fn undo_starts_only_plain_service_units() {
    assert!(plain_service_name("nginx.service"));
    assert!(plain_service_name("getty@tty1.service"));
    for bad in [
        "--now.service",
        "x.socket",
        ".service",
        "a b.service",
        "evil\n.service",
    ] {
        assert!(!plain_service_name(bad), "{bad:?}");
    }
    let store = Store::in_memory().unwrap();
    store
        .record(&NewAction {
            at: "t".into(),
            user: "root".into(),
            uid: 0,
            port: 80,
            protocol: "tcp".into(),
            how: "service".into(),
            summary: "s".into(),
            detail: serde_json::json!({}),
            undo: Undo::StartUnit {
                unit: "--system.service".into(),
                was_enabled: true,
            },
            state: State::Applied,
            runner: None,
            note: None,
        })
        .unwrap();
    let sys = Fake::default();
    assert!(undo(80, Transport::Tcp, &on(&sys), &store, &paths(), false).is_err());
    assert!(sys.log.borrow().is_empty());
}

#[test]
fn dates() {
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339(1795305600), "2026-11-22T00:00:00Z");
    assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
}

#[test]
fn firewall_refuses_a_listener_whose_owner_nobody_sees_unless_forced() {
    // Root, but no visible process holds 8080 (another PID namespace, or the kernel).
    let i = inv(&[(3, 50, "sshd", None)], vec![]);
    let p = plan(&i, 8080, Transport::Tcp, None, &ctx());
    assert!(!p.allowed(false), "{:?}", p.refusals);
    assert!(p.allowed(true));
    let r = &p.refusals[0].reason;
    assert!(
        r.to_string_in(portwarden_i18n::Lang::En)
            .contains("WARNING")
            && r.to_string_in(portwarden_i18n::Lang::En)
                .contains("another PID namespace"),
        "{r}"
    );
    assert!(
        r.to_string_in(portwarden_i18n::Lang::En)
            .contains("portwarden ls --port 8080"),
        "{r}"
    );
    assert!(
        r.to_string_in(portwarden_i18n::Lang::Zh).contains("警告"),
        "{}",
        r.to_string_in(portwarden_i18n::Lang::Zh)
    );
    // Dropping its connections is closing it from outside too.
    let c = plan(&i, 8080, Transport::Tcp, Some(How::Connections), &ctx());
    assert!(!c.allowed(false) && c.allowed(true), "{:?}", c.refusals);
    // Not root: the reason says so.
    let mut i = i;
    i.unreadable_processes = 3;
    for e in &mut i.sockets {
        if e.pids.is_empty() && e.socket.inode != 0 {
            e.ownership = portwarden_sockets::Ownership::Hidden;
        }
    }
    let p = plan(&i, 8080, Transport::Tcp, None, &ctx());
    assert!(!p.allowed(false));
    assert!(
        p.refusals[0]
            .reason
            .to_string_in(portwarden_i18n::Lang::En)
            .contains("root"),
        "{:?}",
        p.refusals
    );
    // Windows names no owner (pid 0) for a socket that has one: refused the same way.
    let mut w = i.clone();
    for e in &mut w.sockets {
        if e.ownership == portwarden_sockets::Ownership::Hidden {
            e.ownership = portwarden_sockets::Ownership::Unknown;
            e.socket.inode = 0;
        }
    }
    assert!(!plan(&w, 8080, Transport::Tcp, None, &ctx()).allowed(false));
    // A port nobody listens on, and a listener whose owner is known, are not refused.
    let p = plan(&i, 9999, Transport::Tcp, None, &ctx());
    assert!(p.allowed(false), "{:?}", p.refusals);
    let i = inv(&[(1, 77, "web", None)], vec![]);
    assert!(plan(&i, 8080, Transport::Tcp, None, &ctx()).allowed(false));
}

#[test]
fn firewall_warns_about_pid_1_that_is_not_systemd() {
    let i = inv(&[(1, 1, "agent", None)], vec![]);
    let p = plan(&i, 8080, Transport::Tcp, None, &ctx());
    assert!(!p.allowed(false));
    assert!(p.allowed(true));
    assert!(
        p.refusals[0]
            .reason
            .to_string_in(portwarden_i18n::Lang::En)
            .contains("PID 1 (agent)"),
        "{:?}",
        p.refusals
    );
    let systemd = Context {
        systemd: true,
        ..ctx()
    };
    assert!(plan(&i, 8080, Transport::Tcp, None, &systemd).allowed(false));
}

#[test]
fn a_block_is_journalled_first_and_unblock_marks_it_undone() {
    a_block_is_journalled_first_and_unblock_marks_it_undone_on(&Store::in_memory().unwrap());
}

fn a_block_is_journalled_first_and_unblock_marks_it_undone_on(store: &dyn Journal) {
    let sys = Fake::default();
    let ip: std::net::IpAddr = "198.18.0.2".parse().unwrap();
    let id = block::block(
        &on(&sys),
        store,
        ip,
        Duration::from_secs(3),
        "scan",
        1_800_000_000,
    )
    .unwrap();
    let a = store.action(id).unwrap().unwrap();
    assert_eq!(
        (a.state, a.how.as_str(), a.port),
        (State::Applied, "block", 0)
    );
    assert_eq!(
        a.summary,
        "blocked 198.18.0.2 until 2027-01-15T08:00:03Z (scan)"
    );
    assert!(matches!(&a.undo, Undo::RemoveBlock { addr, .. } if addr == "198.18.0.2"));
    assert!(sys.comments().contains(&block::RULE_COMMENT.to_string()));
    // nft failing: the record says failed.
    let broken = Fake {
        no_nft: true,
        ..Fake::default()
    };
    assert!(block::block(&on(&broken), store, ip, Duration::from_secs(3), "scan", 0).is_err());
    let last = store.actions().unwrap().pop().unwrap();
    assert_eq!(last.state, State::Failed);
    // Unblock marks the applied one undone, not the failed one.
    let r = block::unblock(&on(&sys), store, ip).unwrap();
    assert_eq!(r.actions, vec![id]);
    assert!(store.action(id).unwrap().unwrap().undone_at.is_some());
    assert!(block::unblock(&on(&sys), store, ip)
        .unwrap()
        .actions
        .is_empty());
}

/// A fake system several threads share, each with its own pid: one nft table, every
/// pid of the test alive (so a pending record of another thread is "in progress").
struct SharedFake {
    table: std::sync::Arc<std::sync::Mutex<Vec<FakeRule>>>,
    next: std::sync::Arc<std::sync::atomic::AtomicU64>,
    pid: u32,
}

impl SharedFake {
    fn rules(&self) -> Vec<String> {
        self.table
            .lock()
            .unwrap()
            .iter()
            .filter_map(|(_, c)| c.clone())
            .collect()
    }
}

impl System for SharedFake {
    fn signal(&self, _: u32, _: bool) -> std::io::Result<()> {
        Ok(())
    }
    fn alive(&self, _: u32) -> bool {
        true
    }
    fn listening(&self, _: u16, _: Transport) -> bool {
        true
    }
    fn systemctl(&self, _: &[&str]) -> Result<String, String> {
        Ok(String::new())
    }
    fn nft_apply(&self, json: &str) -> Result<(), String> {
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        let mut t = self.table.lock().unwrap();
        for cmd in v["nftables"].as_array().unwrap() {
            if let Some(r) = cmd["add"].get("rule") {
                let h = self.next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                t.push((h, Some(r["comment"].as_str().unwrap().to_string())));
            }
            if let Some(r) = cmd["delete"].get("rule") {
                let h = r["handle"].as_u64().unwrap();
                t.retain(|(x, _)| *x != h);
            }
        }
        Ok(())
    }
    fn nft_list(&self) -> Result<Option<String>, String> {
        let rules: Vec<serde_json::Value> = self
            .table
            .lock()
            .unwrap()
            .iter()
            .map(|(h, c)| serde_json::json!({"rule": {"family": "inet", "table": "portwarden", "chain": "input", "handle": h, "comment": c}}))
            .collect();
        Ok(Some(serde_json::json!({ "nftables": rules }).to_string()))
    }
    fn nft_check(&self, _: &str) -> Result<(), String> {
        Ok(())
    }
    fn destroy(&self, _: &RawSocket) -> std::io::Result<()> {
        Ok(())
    }
    fn write_file(&self, _: &str, _: &str) -> std::io::Result<()> {
        Ok(())
    }
    fn rename(&self, _: &str, _: &str) -> std::io::Result<()> {
        Ok(())
    }
    fn remove_file(&self, _: &str) {}
    fn read_file(&self, _: &str) -> Option<String> {
        None
    }
    fn sleep(&self, _: Duration) {}
    fn now(&self) -> String {
        "2026-12-03T00:00:00Z".into()
    }
    fn whoami(&self) -> (String, u32) {
        ("root".into(), 0)
    }
    fn process_start(&self, pid: u32) -> Option<u64> {
        (1000..1100).contains(&pid).then_some(5)
    }
    fn pid(&self) -> u32 {
        self.pid
    }
}

/// Eight processes close the same port at once, each with its own journal connection:
/// one rule is added, one record applied; the others name it.
fn concurrent_closes_add_one_rule(open: &(dyn Fn() -> Box<dyn Journal> + Sync)) {
    let table = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let next = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(1));
    let gate = std::sync::Barrier::new(8);
    let ids: Vec<(i64, bool)> = std::thread::scope(|sc| {
        let t: Vec<_> = (0..8u32)
            .map(|n| {
                let (table, next, gate) = (table.clone(), next.clone(), &gate);
                sc.spawn(move || {
                    let sys = SharedFake {
                        table,
                        next,
                        pid: 1000 + n,
                    };
                    let j = open();
                    gate.wait();
                    let out = execute(
                        &fw_plan(8080, &ctx()),
                        &ctx(),
                        &Platform::over(&sys),
                        &*j,
                        Duration::ZERO,
                    )
                    .unwrap();
                    (out.action_id, out.already_closed)
                })
            })
            .collect();
        t.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let sys = SharedFake {
        table,
        next,
        pid: 1099,
    };
    assert_eq!(sys.rules().len(), 1, "{:?}", sys.rules());
    let added: Vec<i64> = ids.iter().filter(|(_, a)| !a).map(|(i, _)| *i).collect();
    assert_eq!(added.len(), 1, "{ids:?}");
    assert!(ids.iter().all(|(i, _)| *i == added[0]), "{ids:?}");
    let j = open();
    let all = j.actions().unwrap();
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0].state, State::Applied);
    // Undo: the rule goes, the record is marked undone.
    let back = undo(
        8080,
        Transport::Tcp,
        &Platform::over(&sys),
        &*j,
        &paths(),
        true,
    )
    .unwrap();
    assert!(
        back.iter().all(|r| r.reversed) && back.len() == 1,
        "{back:?}"
    );
    assert!(sys.rules().is_empty());
    assert!(j.open_actions(8080, "tcp").unwrap().is_empty());
}

#[test]
fn concurrent_closes_add_one_rule_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("pw-control-conc-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).unwrap();
    let db = dir.join("j.db");
    concurrent_closes_add_one_rule(&|| Box::new(Store::open(&db).unwrap()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
mod on_postgres {
    //! The journal tests above, on a real PostgreSQL server the test starts (unix
    //! socket only, removed afterwards), each check as its own host of one database.

    use super::*;
    use portwarden_store::{open_journal, HostIdentity, Location};
    use portwarden_testkit::pg::{needs_postgres, Server};

    fn host(id: &str) -> HostIdentity {
        HostIdentity {
            id: id.into(),
            name: format!("box-{id}"),
        }
    }

    /// One of the journal checks above.
    type Check = fn(&dyn Journal);

    #[test]
    fn journal_behaviour_on_postgres() {
        portwarden_testkit::require!(needs_postgres());
        let pg = Server::start().unwrap();
        let loc = Location::parse(&pg.url()).unwrap();
        let checks: &[(&str, Check)] = &[
            ("kill", kill_escalates_and_journals_the_cmdline_on),
            ("service", service_needs_systemd_and_a_unit_and_undoes_on),
            ("undo", firewall_rule_is_added_persisted_and_removed_on),
            ("conns", connections_are_destroyed_listener_kept_on),
            ("failed", a_failed_rule_is_journalled_as_failed_on),
            ("closed", closing_a_closed_port_adds_nothing_on),
            (
                "reconcile",
                reconcile_settles_pending_adopts_orphans_and_reports_foreign_rules_on,
            ),
            (
                "lost",
                open_removes_rules_the_journal_lost_and_fails_without_nft_on,
            ),
            (
                "persist",
                persisted_file_is_rebuilt_from_the_journal_and_checked_on,
            ),
            (
                "block",
                a_block_is_journalled_first_and_unblock_marks_it_undone_on,
            ),
        ];
        for (id, check) in checks {
            let j = open_journal(&loc, &host(id)).unwrap();
            check(&*j);
        }
        // Every check saw only its own host's rows; all of them are in one database.
        let j = open_journal(&loc, &host("kill")).unwrap();
        let all = j.all_hosts().unwrap();
        let hosts: std::collections::BTreeSet<&str> =
            all.iter().map(|h| h.host_id.as_str()).collect();
        assert_eq!(hosts.len(), checks.len(), "{hosts:?}");
        assert!(j.actions().unwrap().len() < all.len());
        // Concurrent closes on one host: one rule.
        concurrent_closes_add_one_rule(&|| open_journal(&loc, &host("conc")).unwrap());
    }

    /// Reconcile on host A settles A's dead pending record and adopts A's lost rule, and
    /// never touches host B's records (whose firewall A cannot see).
    #[test]
    fn reconcile_touches_only_this_hosts_rows() {
        portwarden_testkit::require!(needs_postgres());
        let pg = Server::start().unwrap();
        let loc = Location::parse(&pg.url()).unwrap();
        let a = open_journal(&loc, &host("a")).unwrap();
        let b = open_journal(&loc, &host("b")).unwrap();
        let sys = Fake::default();
        let p = fw_plan(8080, &ctx());
        let undo_of = |c: &str| Undo::DeleteRule {
            comment: c.into(),
            persisted: None,
        };
        let j = serde_json::json!({});
        // B: a pending record of a run that died, and an applied rule A's table lacks.
        let b_pending = begin(
            &p,
            &on(&sys),
            &*b,
            "s",
            &j,
            &undo_of("portwarden:8080:tcp:drop:bp"),
        )
        .unwrap();
        let b_applied = b
            .record(&pending_action(
                &p,
                &on(&sys),
                "s",
                &j,
                &undo_of("portwarden:8080:tcp:drop:ba"),
            ))
            .unwrap();
        b.mark_applied(b_applied, "s", &j, &undo_of("portwarden:8080:tcp:drop:ba"))
            .unwrap();
        // A: its own dead pending record, and a rule of its own without a record.
        let a_pending = begin(
            &p,
            &on(&sys),
            &*a,
            "s",
            &j,
            &undo_of("portwarden:8080:tcp:drop:ap"),
        )
        .unwrap();
        sys.plant("portwarden:8080:tcp:drop:lost");
        // The pid of the fake is "alive" only as itself: the runners are dead.
        let runner_dead = Fake { ..Fake::default() };
        *runner_dead.table.borrow_mut() = sys.table.borrow().clone();
        reconcile(&on(&runner_dead), &*a, true, true).unwrap();
        let st = |j: &dyn Journal, id| j.action(id).unwrap().unwrap().state;
        assert_eq!(st(&*a, a_pending), State::Failed);
        assert_eq!(
            st(&*b, b_pending),
            State::Pending,
            "B's record is not A's to settle"
        );
        assert_eq!(st(&*b, b_applied), State::Applied);
        assert_eq!(a.actions().unwrap().len(), 2, "A adopted its lost rule");
        assert_eq!(b.actions().unwrap().len(), 2);
        // A cannot see, undo or change B's records, even by id.
        assert!(a.action(b_applied).unwrap().is_none());
        assert!(!a
            .transition(b_pending, State::Pending, State::Failed, "x")
            .unwrap());
        a.mark_undone(b_applied, "t").unwrap();
        assert!(b.action(b_applied).unwrap().unwrap().undone_at.is_none());
        assert!(
            undo(8080, Transport::Tcp, &on(&runner_dead), &*a, &paths(), true)
                .unwrap()
                .iter()
                .all(|r| r.action_id != b_applied)
        );
        assert_eq!(b.open_actions(8080, "tcp").unwrap().len(), 1);
    }

    /// Intent first: when the database goes away, `close` changes nothing.
    #[test]
    fn a_journal_that_went_away_changes_nothing() {
        portwarden_testkit::require!(needs_postgres());
        let pg = Server::start().unwrap();
        let loc = Location::parse(&pg.url()).unwrap();
        let j = open_journal(&loc, &host("a")).unwrap();
        drop(pg);
        let sys = Fake::default();
        let e = execute(
            &fw_plan(8080, &ctx()),
            &ctx(),
            &on(&sys),
            &*j,
            Duration::ZERO,
        )
        .unwrap_err();
        match &e {
            Error::Store(s) => assert!(s.is_unreachable(), "{s}"),
            other => panic!("{other}"),
        }
        assert!(!e.to_string().contains('\n'), "{e}");
        assert!(sys.comments().is_empty(), "no rule without a record");
        // Opening it again: one line, unreachable.
        let e = open_journal(&loc, &host("a")).err().expect("gone");
        assert!(e.is_unreachable() && !e.to_string().contains('\n'), "{e}");
    }
}
