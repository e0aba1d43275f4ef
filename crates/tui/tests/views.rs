//! Snapshot tests of every view of `top`, drawn into a ratatui `TestBackend` from fixed
//! fixture inventories, in both languages, at 80×24 and 140×36; and a fake OS that
//! drives the model through an action and its undo.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use portwarden_control::{Context, Outcome, Plan, Reopened};
use portwarden_i18n::msg;
use portwarden_i18n::Lang;
use portwarden_sockets::{
    Inventory, ProcTable, ProcessInfo, RawSocket, SockState, Source, Traffic, Transport,
};
use portwarden_tui::keys::Input;
use portwarden_tui::model::Model;
use portwarden_tui::{Os, Snapshot};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::collections::HashMap;

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

fn proc_info(pid: u32, name: &str, cmd: &str, unit: Option<&str>) -> ProcessInfo {
    ProcessInfo {
        pid,
        name: name.into(),
        exe: Some(format!("/usr/sbin/{name}")),
        cmdline: cmd.split(' ').map(String::from).collect(),
        uid: Some(0),
        user: Some("root".into()),
        unit: unit.map(String::from),
        container: None,
    }
}

/// A small machine: sshd, redis on all interfaces, a DNS resolver on loopback, PID 1
/// holding a port, a telnet connection in, an https connection out, a TIME-WAIT.
fn inventory(extra: bool) -> Inventory {
    use SockState::*;
    use Transport::*;
    let mut raw = vec![
        sock(Tcp, "0.0.0.0:22", "0.0.0.0:0", Listen, 10),
        sock(Tcp, "0.0.0.0:6379", "0.0.0.0:0", Listen, 11),
        sock(Udp, "127.0.0.53:53", "0.0.0.0:0", Unconn, 12),
        sock(Tcp, "0.0.0.0:2024", "0.0.0.0:0", Listen, 13),
        sock(Tcp, "198.18.0.1:22", "198.18.0.9:50122", Established, 14),
        sock(Tcp, "198.18.0.1:41000", "198.18.7.7:443", Established, 15),
        sock(Tcp, "198.18.0.1:41002", "198.18.7.7:443", TimeWait, 0),
    ];
    if extra {
        raw.push(sock(Tcp, "0.0.0.0:9999", "0.0.0.0:0", Listen, 16));
        raw[5].state = CloseWait;
        raw.remove(6);
    }
    let mut p = ProcTable::default();
    for (inode, pid) in [
        (10, 700),
        (11, 800),
        (12, 900),
        (13, 1),
        (14, 701),
        (15, 1000),
        (16, 1100),
    ] {
        p.by_inode.insert(inode, vec![pid]);
    }
    p.processes.insert(
        700,
        proc_info(700, "sshd", "sshd: /usr/sbin/sshd -D", Some("ssh.service")),
    );
    p.processes.insert(
        701,
        proc_info(701, "sshd", "sshd: alice [priv]", Some("ssh.service")),
    );
    p.processes.insert(
        800,
        proc_info(
            800,
            "redis-server",
            "/usr/bin/redis-server *:6379",
            Some("redis-server.service"),
        ),
    );
    p.processes.insert(
        900,
        proc_info(
            900,
            "systemd-resolve",
            "/lib/systemd/systemd-resolved",
            Some("systemd-resolved.service"),
        ),
    );
    p.processes
        .insert(1, proc_info(1, "init\x1b[31m", "/sbin/init", None));
    p.processes.insert(
        1000,
        proc_info(1000, "curl", "curl https://198.18.7.7/", None),
    );
    p.processes.insert(
        1100,
        proc_info(1100, "python3", "python3 -m http.server 9999", None),
    );
    let mut inv = portwarden_sockets::join(raw, Source::Fake, Some(p));
    let counters: HashMap<_, _> = inv
        .sockets
        .iter()
        .filter(|e| e.socket.state == Established)
        .map(|e| {
            let k = (e.socket.local, e.socket.remote);
            let n = u64::from(e.socket.local.port());
            (
                k,
                Traffic {
                    bytes_received: n * if extra { 2000 } else { 1000 },
                    bytes_acked: n * 10,
                },
            )
        })
        .collect();
    portwarden_sockets::attach_traffic(&mut inv, &counters);
    inv
}

fn snapshot(extra: bool) -> Snapshot {
    let mut inv = inventory(extra);
    let ctx = portwarden_audit::Context::default();
    portwarden_audit::annotate(&mut inv, &ctx);
    let audit = portwarden_audit::audit_with(&inv, &ctx);
    let mut started = HashMap::new();
    started.insert(800, "2026-12-01T08:00:00Z".to_string());
    Snapshot {
        inv,
        audit: Some(audit),
        started,
    }
}

fn ctx() -> Context {
    Context {
        self_pid: 4242,
        systemd: true,
        nft: true,
        ..Default::default()
    }
}

/// A model after two refreshes: 9999 appeared, the TIME-WAIT went away, the https
/// connection changed state.
fn model(lang: Lang) -> Model {
    let mut m = Model::new(lang, true, ctx(), 1.0);
    m.update(snapshot(false), 10.0);
    m.update(snapshot(true), 11.0);
    m
}

fn render(m: &Model, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| portwarden_tui::view::draw(m, f)).unwrap();
    format!("{}", t.backend())
}

fn keys(m: &mut Model, s: &[Input]) {
    for k in s {
        m.key(*k);
    }
}

fn chars(s: &str) -> Vec<Input> {
    s.chars().map(Input::Char).collect()
}

/// Selects the Sockets row whose local port is `port`.
fn select_port(m: &mut Model, port: u16) {
    let i = m
        .socket_rows()
        .iter()
        .position(|t| t.row.local.port() == port)
        .unwrap();
    m.selected = i;
}

type Setup = Box<dyn Fn(&mut Model)>;

fn views() -> Vec<(&'static str, Setup)> {
    vec![
        ("sockets", Box::new(|_m: &mut Model| {})),
        (
            "processes",
            Box::new(|m: &mut Model| keys(m, &[Input::Char('2')])),
        ),
        (
            "listeners",
            Box::new(|m: &mut Model| keys(m, &[Input::Char('3')])),
        ),
        (
            "detail",
            Box::new(|m: &mut Model| {
                select_port(m, 6379);
                keys(m, &[Input::Enter]);
            }),
        ),
        (
            "listeners-detail",
            Box::new(|m: &mut Model| keys(m, &[Input::Char('3'), Input::Enter])),
        ),
        (
            "filter",
            Box::new(|m: &mut Model| {
                keys(m, &[Input::Char('/')]);
                keys(m, &chars("redis"));
            }),
        ),
        (
            "close-dialog",
            Box::new(|m: &mut Model| {
                select_port(m, 6379);
                keys(m, &[Input::Char('c')]);
            }),
        ),
        (
            "drop-dialog",
            Box::new(|m: &mut Model| {
                select_port(m, 41000);
                keys(m, &[Input::Char('x')]);
            }),
        ),
        (
            "kill-dialog",
            Box::new(|m: &mut Model| {
                select_port(m, 9999);
                keys(m, &[Input::Char('K')]);
            }),
        ),
        (
            "refusal",
            Box::new(|m: &mut Model| {
                select_port(m, 2024);
                keys(m, &[Input::Char('K')]);
            }),
        ),
        (
            "help",
            Box::new(|m: &mut Model| keys(m, &[Input::Char('?')])),
        ),
    ]
}

#[test]
fn every_view_in_both_languages_at_two_sizes() {
    for lang in Lang::ALL {
        for (w, h) in [(80u16, 24u16), (140, 36)] {
            for (name, setup) in views() {
                let mut m = model(lang);
                setup(&mut m);
                let out = render(&m, w, h);
                insta::assert_snapshot!(format!("{name}-{}-{w}x{h}", lang.code()), out);
            }
        }
    }
}

#[test]
fn colours_mark_new_gone_and_changed_rows_unless_no_color() {
    use ratatui::style::Color;
    let fg_of = |m: &Model, port: u16| {
        let mut t = Terminal::new(TestBackend::new(140, 36)).unwrap();
        t.draw(|f| portwarden_tui::view::draw(m, f)).unwrap();
        let buf = t.backend().buffer().clone();
        let y = (0..buf.area.height)
            .find(|y| {
                let line: String = (0..buf.area.width)
                    .map(|x| buf[(x, *y)].symbol().to_string())
                    .collect();
                line.contains(&format!(":{port} "))
            })
            .unwrap();
        buf[(5, y)].fg
    };
    let mut m = model(Lang::En);
    select_port(&mut m, 22);
    assert_eq!(fg_of(&m, 9999), Color::Green);
    assert_eq!(fg_of(&m, 41002), Color::Red);
    assert_eq!(fg_of(&m, 41000), Color::Yellow);
    assert_eq!(fg_of(&m, 22), Color::Reset);
    m.color = false;
    assert_eq!(fg_of(&m, 9999), Color::Reset);
    // The marks fade.
    m.tick(11.0 + portwarden_tui::rows::HOLD);
    m.color = true;
    assert_eq!(fg_of(&m, 9999), Color::Reset);
    assert!(m.socket_rows().iter().all(|t| t.row.local.port() != 41002));
}

#[test]
fn a_hostile_process_name_reaches_the_screen_without_its_escape() {
    let mut m = model(Lang::En);
    select_port(&mut m, 2024);
    m.key(Input::Enter);
    let out = render(&m, 140, 36);
    assert!(!out.contains('\x1b'));
    assert!(out.contains("1/init "), "{out}");
}

#[derive(Default)]
struct FakeOs {
    executed: Vec<Plan>,
    undone: Vec<(u16, Transport)>,
}

impl Os for FakeOs {
    fn snapshot(&mut self) -> Result<Snapshot, String> {
        Ok(snapshot(true))
    }
    fn execute(&mut self, plan: &Plan) -> Result<Outcome, String> {
        self.executed.push(plan.clone());
        Ok(Outcome {
            action_id: 7,
            done: vec![msg!(
                "control-added-to-table-inet-portwarden",
                rule = "tcp dport 7777 drop"
            )],
            verified: true,
            already_closed: false,
        })
    }
    fn undo(&mut self, port: u16, t: Transport) -> Result<Vec<Reopened>, String> {
        self.undone.push((port, t));
        Ok(vec![Reopened {
            action_id: 7,
            message: msg!(
                "control-deleted-the-firewall-rule",
                rule = "tcp dport 7777 drop"
            ),
            reversed: true,
        }])
    }
    fn now(&self) -> f64 {
        12.0
    }
}

#[test]
fn close_confirm_and_undo_go_through_the_os() {
    let mut os = FakeOs::default();
    let mut m = model(Lang::En);
    select_port(&mut m, 6379);
    assert!(portwarden_tui::step(&mut m, &mut os, Input::Char('c')));
    // n cancels: nothing done.
    portwarden_tui::step(&mut m, &mut os, Input::Char('n'));
    assert!(os.executed.is_empty() && m.dialog.is_none());
    select_port(&mut m, 6379);
    portwarden_tui::step(&mut m, &mut os, Input::Char('c'));
    portwarden_tui::step(&mut m, &mut os, Input::Char('y'));
    assert_eq!(os.executed.len(), 1);
    assert_eq!(os.executed[0].port, 6379);
    assert_eq!(os.executed[0].how, portwarden_control::How::Firewall);
    insta::assert_snapshot!("result-en-80x24", render(&m, 80, 24));
    portwarden_tui::step(&mut m, &mut os, Input::Esc);
    select_port(&mut m, 6379);
    portwarden_tui::step(&mut m, &mut os, Input::Char('O'));
    assert_eq!(os.undone, vec![(6379, Transport::Tcp)]);
    // A refused plan cannot be confirmed.
    portwarden_tui::step(&mut m, &mut os, Input::Esc);
    select_port(&mut m, 2024);
    portwarden_tui::step(&mut m, &mut os, Input::Char('K'));
    portwarden_tui::step(&mut m, &mut os, Input::Char('y'));
    assert_eq!(os.executed.len(), 1);
    assert!(!portwarden_tui::step(&mut m, &mut os, Input::Char('q')) || m.dialog.is_none());
}

#[test]
fn q_and_ctrl_c_quit() {
    let mut os = FakeOs::default();
    let mut m = model(Lang::En);
    assert!(!portwarden_tui::step(&mut m, &mut os, Input::Char('q')));
    assert!(!portwarden_tui::step(&mut m, &mut os, Input::CtrlC));
}

#[test]
fn filter_matches_ports_whole_and_names_in_part() {
    let mut m = model(Lang::En);
    keys(&mut m, &[Input::Char('/')]);
    keys(&mut m, &chars("22"));
    let ports: Vec<u16> = m.socket_rows().iter().map(|t| t.row.local.port()).collect();
    assert_eq!(ports, vec![22, 22]);
    keys(&mut m, &[Input::Esc]);
    keys(&mut m, &[Input::Char('/')]);
    keys(&mut m, &chars("CLOSE-W"));
    assert_eq!(m.socket_rows().len(), 1);
    keys(&mut m, &[Input::Enter, Input::Char('l')]);
    assert_eq!(m.socket_rows().len(), 0);
}
