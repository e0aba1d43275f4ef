//! The state of `top`: the rows and their marks, the tab, selection, sort, filter,
//! toggles, the detail pane, dialogs and the help. It takes snapshots and keys and says
//! what the OS should do ([`Request`]); it does no I/O itself.

use crate::keys::Input;
use crate::rows::{self, Mark, Row, Tracked, Tracker};
use crate::Snapshot;
use portwarden_audit::{Audit, Finding};
use portwarden_control::{Context, How, Outcome, Plan, Reopened, Step};
use portwarden_i18n::{Lang, Msg};
use portwarden_kb::Risk;
use portwarden_sockets::{Inventory, SockState, Transport};
use std::collections::{BTreeMap, HashMap};

/// The three views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// Every socket.
    Sockets,
    /// Sockets and rates summed per program.
    Processes,
    /// Listeners with their audit findings.
    Listeners,
}

impl Tab {
    /// All tabs, in order.
    pub const ALL: [Tab; 3] = [Tab::Sockets, Tab::Processes, Tab::Listeners];

    fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}

/// A column of the sockets table (the sort keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// tcp/udp.
    Proto,
    /// Local address.
    Local,
    /// Remote address.
    Remote,
    /// State.
    State,
    /// pid/program.
    Owner,
    /// User.
    User,
    /// Service.
    Service,
    /// Risk.
    Risk,
    /// Exposure (firewall reach).
    Exposure,
    /// Receive rate.
    RateIn,
    /// Send rate.
    RateOut,
    /// Bytes received.
    BytesIn,
    /// Bytes sent.
    BytesOut,
}

impl Column {
    /// Every column, in display order.
    pub const ALL: [Column; 13] = [
        Column::Proto,
        Column::Local,
        Column::Remote,
        Column::State,
        Column::Owner,
        Column::User,
        Column::Service,
        Column::Risk,
        Column::Exposure,
        Column::RateIn,
        Column::RateOut,
        Column::BytesIn,
        Column::BytesOut,
    ];

    /// The catalog id of its header.
    pub fn msg_id(self) -> &'static str {
        match self {
            Column::Proto => "top-col-proto",
            Column::Local => "top-col-local",
            Column::Remote => "top-col-remote",
            Column::State => "top-col-state",
            Column::Owner => "top-col-owner",
            Column::User => "top-col-user",
            Column::Service => "top-col-service",
            Column::Risk => "top-col-risk",
            Column::Exposure => "top-col-exposure",
            Column::RateIn => "top-col-rate-in",
            Column::RateOut => "top-col-rate-out",
            Column::BytesIn => "top-col-bytes-in",
            Column::BytesOut => "top-col-bytes-out",
        }
    }
}

/// The row toggles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Toggles {
    /// Show TCP.
    pub tcp: bool,
    /// Show UDP.
    pub udp: bool,
    /// Only listeners.
    pub listening: bool,
    /// Hide TIME-WAIT.
    pub hide_time_wait: bool,
    /// Hide sockets bound to loopback.
    pub hide_loopback: bool,
}

impl Default for Toggles {
    fn default() -> Self {
        Toggles {
            tcp: true,
            udp: true,
            listening: false,
            hide_time_wait: false,
            hide_loopback: false,
        }
    }
}

/// What an action on the selected row does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Close the port (firewall by default; kill or service on request).
    ClosePort(Option<How>),
    /// Drop this one connection (SOCK_DESTROY).
    DropConnection,
    /// Kill the owning process.
    KillProcess,
}

/// A dialog over the table.
#[derive(Debug, Clone)]
pub enum Dialog {
    /// The plan of an action, to confirm (or its refusals, to read).
    Plan {
        /// What was asked.
        action: Action,
        /// The plan, from the control crate.
        plan: Box<Plan>,
        /// Refusals of our own on top of the plan's (the row's owner is hidden…).
        refusals: Vec<Msg>,
    },
    /// What an action or an undo did, or why it failed.
    Result {
        /// Title.
        title: Msg,
        /// Lines, already in the user's language.
        lines: Vec<String>,
    },
}

impl Dialog {
    /// Whether the plan may be carried out.
    pub fn allowed(&self) -> bool {
        match self {
            Dialog::Plan { plan, refusals, .. } => refusals.is_empty() && plan.allowed(false),
            Dialog::Result { .. } => false,
        }
    }
}

/// What the model asks of the OS.
#[derive(Debug, Clone)]
pub enum Request {
    /// Read a fresh snapshot now.
    Refresh,
    /// Carry out a plan (journalled, through the control crate).
    Execute(Box<Plan>),
    /// Undo what portwarden did to a port.
    Undo(u16, Transport),
    /// Leave.
    Quit,
}

/// One program in the Processes tab.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcRow {
    /// Pid (None: sockets nobody visible holds).
    pub pid: Option<u32>,
    /// Program (terminal-safe).
    pub program: String,
    /// User.
    pub user: String,
    /// Sockets held.
    pub sockets: usize,
    /// Of which listeners.
    pub listeners: usize,
    /// Summed receive rate.
    pub rate_in: f64,
    /// Summed send rate.
    pub rate_out: f64,
    /// Summed bytes received.
    pub bytes_in: u64,
    /// Summed bytes sent.
    pub bytes_out: u64,
}

/// The whole state of `top`.
#[derive(Debug, Clone)]
pub struct Model {
    /// Language of every text.
    pub lang: Lang,
    /// Whether to colour (off under NO_COLOR).
    pub color: bool,
    /// What the caller is (for plans: self pid, SSH session, systemd, nft).
    pub ctx: Context,
    /// The active tab.
    pub tab: Tab,
    /// Selected line of the active tab.
    pub selected: usize,
    /// First line shown (scrolling), kept by the view.
    pub offset: usize,
    /// Sort column and whether reversed.
    pub sort: (Column, bool),
    /// The filter text.
    pub filter: String,
    /// Whether keys go to the filter.
    pub editing_filter: bool,
    /// Row toggles.
    pub toggles: Toggles,
    /// Refreshing paused (space).
    pub paused: bool,
    /// Detail pane shown.
    pub detail: bool,
    /// Help overlay shown.
    pub help: bool,
    /// Open dialog.
    pub dialog: Option<Dialog>,
    /// One line at the bottom (the last thing that happened).
    pub status: Option<Msg>,
    /// The once-only note about what root would add.
    pub note: Option<Msg>,
    /// Refresh interval, seconds (shown).
    pub interval: f64,
    /// Time of the last refresh.
    pub now: f64,
    tracker: Tracker,
    inv: Option<Inventory>,
    audit: Option<Audit>,
    started: HashMap<u32, String>,
}

impl Model {
    /// An empty model.
    pub fn new(lang: Lang, color: bool, ctx: Context, interval: f64) -> Model {
        Model {
            lang,
            color,
            ctx,
            tab: Tab::Sockets,
            selected: 0,
            offset: 0,
            sort: (Column::Local, false),
            filter: String::new(),
            editing_filter: false,
            toggles: Toggles::default(),
            paused: false,
            detail: false,
            help: false,
            dialog: None,
            status: None,
            note: None,
            interval,
            now: 0.0,
            tracker: Tracker::default(),
            inv: None,
            audit: None,
            started: HashMap::new(),
        }
    }

    /// Takes a fresh snapshot read at `now` (seconds).
    pub fn update(&mut self, snap: Snapshot, now: f64) {
        self.now = now;
        if self.note.is_none() && snap.inv.unreadable_processes > 0 {
            self.note = Some(portwarden_i18n::msg!(
                "top-note-not-root",
                count = snap.inv.unreadable_processes
            ));
        }
        self.tracker.update(rows::rows(&snap.inv), now);
        self.inv = Some(snap.inv);
        self.audit = snap.audit;
        self.started = snap.started;
        self.clamp();
    }

    /// Lets colours fade and gone rows leave, without new data (paused or between
    /// refreshes).
    pub fn tick(&mut self, now: f64) {
        self.now = now;
        self.tracker.expire(now);
        self.clamp();
    }

    /// The last inventory.
    pub fn inventory(&self) -> Option<&Inventory> {
        self.inv.as_ref()
    }

    /// When a process started (RFC 3339), if known.
    pub fn started(&self, pid: u32) -> Option<&str> {
        self.started.get(&pid).map(String::as_str)
    }

    fn matches_filter(&self, r: &Row) -> bool {
        if self.filter.is_empty() {
            return true;
        }
        let f = self.filter.to_lowercase();
        let hay = [
            r.local.port().to_string(),
            r.remote.port().to_string(),
            r.local.ip().to_string(),
            r.remote.ip().to_string(),
            r.program.to_lowercase(),
            r.pid.map(|p| p.to_string()).unwrap_or_default(),
            r.service.to_lowercase(),
            r.state.ss_name().to_lowercase(),
            r.proto.as_str().to_string(),
        ];
        // A bare number is a port (or pid): whole match, so 80 does not find 8080.
        if f.chars().all(|c| c.is_ascii_digit()) {
            return hay[0] == f || hay[1] == f || hay[5] == f;
        }
        hay.iter().any(|h| h.contains(&f))
    }

    fn passes(&self, r: &Row) -> bool {
        let t = &self.toggles;
        (match r.proto {
            Transport::Tcp => t.tcp,
            Transport::Udp => t.udp,
        }) && (!t.listening || r.listening)
            && !(t.hide_time_wait && r.state == SockState::TimeWait)
            && !(t.hide_loopback && r.is_loopback())
            && self.matches_filter(r)
    }

    /// The Sockets tab's rows: toggled, filtered and sorted.
    pub fn socket_rows(&self) -> Vec<&Tracked> {
        let mut v: Vec<&Tracked> = self
            .tracker
            .rows()
            .iter()
            .filter(|t| self.passes(&t.row))
            .collect();
        let (col, rev) = self.sort;
        let base = |r: &Row| (r.proto, r.local.ip(), r.local.port(), r.remote);
        let f = |x: Option<f64>| x.map_or(-1.0, |v| v);
        match col {
            Column::Proto | Column::Local => v.sort_by_key(|t| base(&t.row)),
            Column::Remote => v.sort_by_key(|t| (t.row.remote, base(&t.row))),
            Column::State => v.sort_by_key(|t| (t.row.state, base(&t.row))),
            Column::Owner => {
                v.sort_by_key(|t| (t.row.program.to_lowercase(), t.row.pid, base(&t.row)))
            }
            Column::User => v.sort_by_key(|t| (t.row.user.clone(), base(&t.row))),
            Column::Service => v.sort_by_key(|t| (t.row.service.clone(), base(&t.row))),
            Column::Risk => v.sort_by_key(|t| (std::cmp::Reverse(t.row.risk), base(&t.row))),
            Column::Exposure => v.sort_by_key(|t| (t.row.exposure.clone(), base(&t.row))),
            Column::RateIn => v.sort_by(|a, b| f(b.row.rate_in).total_cmp(&f(a.row.rate_in))),
            Column::RateOut => v.sort_by(|a, b| f(b.row.rate_out).total_cmp(&f(a.row.rate_out))),
            Column::BytesIn => v.sort_by_key(|t| std::cmp::Reverse(t.row.bytes_in)),
            Column::BytesOut => v.sort_by_key(|t| std::cmp::Reverse(t.row.bytes_out)),
        }
        if rev {
            v.reverse();
        }
        v
    }

    /// The Processes tab: sockets and rates summed per program, busiest first.
    pub fn process_rows(&self) -> Vec<ProcRow> {
        let mut by: BTreeMap<(Option<u32>, String), ProcRow> = BTreeMap::new();
        for t in self.tracker.rows() {
            let r = &t.row;
            if t.mark == Mark::Gone || !self.passes(r) {
                continue;
            }
            let p = by
                .entry((r.pid, r.program.clone()))
                .or_insert_with(|| ProcRow {
                    pid: r.pid,
                    program: if r.pid.is_some() {
                        r.program.clone()
                    } else {
                        "-".into()
                    },
                    user: r.user.clone(),
                    sockets: 0,
                    listeners: 0,
                    rate_in: 0.0,
                    rate_out: 0.0,
                    bytes_in: 0,
                    bytes_out: 0,
                });
            p.sockets += 1;
            p.listeners += usize::from(r.listening);
            p.rate_in += r.rate_in.unwrap_or(0.0);
            p.rate_out += r.rate_out.unwrap_or(0.0);
            p.bytes_in += r.bytes_in.unwrap_or(0);
            p.bytes_out += r.bytes_out.unwrap_or(0);
        }
        let mut v: Vec<ProcRow> = by.into_values().collect();
        v.sort_by(|a, b| {
            (b.rate_in + b.rate_out)
                .total_cmp(&(a.rate_in + a.rate_out))
                .then(b.sockets.cmp(&a.sockets))
                .then(a.program.cmp(&b.program))
        });
        v
    }

    /// The Listeners tab: the audit's findings that pass the filter, most severe first.
    pub fn listener_rows(&self) -> Vec<&Finding> {
        let Some(a) = &self.audit else {
            return Vec::new();
        };
        let f = self.filter.to_lowercase();
        a.findings
            .iter()
            .filter(|x| match x.transport {
                Transport::Tcp => self.toggles.tcp,
                Transport::Udp => self.toggles.udp,
            })
            .filter(|x| {
                f.is_empty()
                    || x.port.to_string() == f
                    || x.service
                        .as_deref()
                        .unwrap_or("")
                        .to_lowercase()
                        .contains(&f)
                    || x.processes
                        .iter()
                        .any(|(pid, n)| pid.to_string() == f || n.to_lowercase().contains(&f))
                    || x.addresses.iter().any(|a| a.contains(&f))
            })
            .collect()
    }

    /// How many lines the active tab has.
    pub fn len(&self) -> usize {
        match self.tab {
            Tab::Sockets => self.socket_rows().len(),
            Tab::Processes => self.process_rows().len(),
            Tab::Listeners => self.listener_rows().len(),
        }
    }

    /// Whether the active tab has no lines.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn clamp(&mut self) {
        let n = self.len();
        if self.selected >= n {
            self.selected = n.saturating_sub(1);
        }
    }

    /// The selected socket row (Sockets tab).
    pub fn selected_row(&self) -> Option<&Row> {
        match self.tab {
            Tab::Sockets => self.socket_rows().get(self.selected).map(|t| &t.row),
            _ => None,
        }
    }

    /// The selected finding (Listeners tab).
    pub fn selected_finding(&self) -> Option<&Finding> {
        match self.tab {
            Tab::Listeners => self.listener_rows().get(self.selected).copied(),
            _ => None,
        }
    }

    /// The selected program (Processes tab).
    pub fn selected_process(&self) -> Option<ProcRow> {
        match self.tab {
            Tab::Processes => self.process_rows().get(self.selected).cloned(),
            _ => None,
        }
    }

    /// The port, transport and pid the selection is about.
    fn target(&self) -> Option<(u16, Transport, Option<u32>, Option<Row>)> {
        match self.tab {
            Tab::Sockets => self
                .selected_row()
                .map(|r| (r.local.port(), r.proto, r.pid, Some(r.clone()))),
            Tab::Listeners => self
                .selected_finding()
                .map(|f| (f.port, f.transport, f.processes.first().map(|p| p.0), None)),
            Tab::Processes => None,
        }
    }

    /// Handles one key; returns what the OS should do, if anything.
    pub fn key(&mut self, input: Input) -> Option<Request> {
        if input == Input::CtrlC {
            return Some(Request::Quit);
        }
        if self.help {
            self.help = false;
            return None;
        }
        if self.dialog.is_some() {
            return self.dialog_key(input);
        }
        if self.editing_filter {
            match input {
                Input::Char(c) if !c.is_control() && self.filter.chars().count() < 64 => {
                    self.filter.push(c);
                    self.selected = 0;
                }
                Input::Backspace => {
                    self.filter.pop();
                }
                Input::Enter => self.editing_filter = false,
                Input::Esc => {
                    self.filter.clear();
                    self.editing_filter = false;
                }
                _ => {}
            }
            self.clamp();
            return None;
        }
        let page = 10;
        match input {
            Input::Char('q') => return Some(Request::Quit),
            Input::Esc if !self.filter.is_empty() => self.filter.clear(),
            Input::Esc => self.detail = false,
            Input::Char('?') => self.help = true,
            Input::Char('/') => self.editing_filter = true,
            Input::Char(' ') => {
                self.paused = !self.paused;
                self.status = Some(Msg::new(if self.paused {
                    "top-status-paused"
                } else {
                    "top-status-resumed"
                }));
            }
            Input::Tab => self.switch(Tab::ALL[(self.tab.index() + 1) % 3]),
            Input::BackTab => self.switch(Tab::ALL[(self.tab.index() + 2) % 3]),
            Input::Char('1') => self.switch(Tab::Sockets),
            Input::Char('2') => self.switch(Tab::Processes),
            Input::Char('3') => self.switch(Tab::Listeners),
            Input::Up | Input::Char('k') => self.selected = self.selected.saturating_sub(1),
            Input::Down | Input::Char('j') => self.selected += 1,
            Input::PageUp => self.selected = self.selected.saturating_sub(page),
            Input::PageDown => self.selected += page,
            Input::Home | Input::Char('g') => self.selected = 0,
            Input::End | Input::Char('G') => self.selected = usize::MAX,
            Input::Enter | Input::Char('d') => self.detail = !self.detail,
            Input::Char('t') => self.toggles.tcp = !self.toggles.tcp,
            Input::Char('u') => self.toggles.udp = !self.toggles.udp,
            Input::Char('l') => self.toggles.listening = !self.toggles.listening,
            Input::Char('w') => self.toggles.hide_time_wait = !self.toggles.hide_time_wait,
            Input::Char('o') => self.toggles.hide_loopback = !self.toggles.hide_loopback,
            Input::Char('>') | Input::Char('s') => self.next_sort(1),
            Input::Char('<') => self.next_sort(Column::ALL.len() - 1),
            Input::Char('r') => self.sort.1 = !self.sort.1,
            Input::Char('R') => return Some(Request::Refresh),
            Input::Char('c') => self.propose(Action::ClosePort(None)),
            Input::Char('x') => self.propose(Action::DropConnection),
            Input::Char('K') => self.propose(Action::KillProcess),
            Input::Char('O') => {
                if let Some((port, t, _, _)) = self.target() {
                    return Some(Request::Undo(port, t));
                }
            }
            _ => {}
        }
        self.clamp();
        None
    }

    fn switch(&mut self, tab: Tab) {
        self.tab = tab;
        self.selected = 0;
        self.offset = 0;
    }

    fn next_sort(&mut self, step: usize) {
        let i = Column::ALL
            .iter()
            .position(|c| *c == self.sort.0)
            .unwrap_or(0);
        self.sort = (Column::ALL[(i + step) % Column::ALL.len()], false);
        self.status = Some(portwarden_i18n::msg!(
            "top-status-sorted",
            column = portwarden_i18n::text(self.lang, self.sort.0.msg_id())
        ));
    }

    fn dialog_key(&mut self, input: Input) -> Option<Request> {
        let dialog = self.dialog.take()?;
        match (&dialog, input) {
            (Dialog::Plan { .. }, Input::Char('y' | 'Y')) if dialog.allowed() => {
                if let Dialog::Plan { plan, .. } = dialog {
                    return Some(Request::Execute(plan));
                }
                None
            }
            (
                Dialog::Plan {
                    action: Action::ClosePort(_),
                    ..
                },
                Input::Char(c @ ('f' | 'k' | 's')),
            ) => {
                let how = match c {
                    'k' => How::Kill,
                    's' => How::Service,
                    _ => How::Firewall,
                };
                self.propose(Action::ClosePort(Some(how)));
                None
            }
            (_, Input::Esc | Input::Char('n' | 'N' | 'q') | Input::Enter) => {
                if matches!(dialog, Dialog::Plan { .. }) {
                    self.status = Some(Msg::new("top-status-nothing-changed"));
                }
                None
            }
            _ => {
                self.dialog = Some(dialog);
                None
            }
        }
    }

    /// Works out the plan of `action` on the selection and opens its dialog.
    pub fn propose(&mut self, action: Action) {
        let Some(inv) = &self.inv else { return };
        let Some((port, transport, pid, row)) = self.target() else {
            self.status = Some(Msg::new("top-status-no-target"));
            return;
        };
        let mut refusals = Vec::new();
        let plan = match action {
            Action::ClosePort(how) => {
                if row.as_ref().is_some_and(|r| !r.listening) {
                    // A connection's row: the door is the listener on its local port, if any.
                    let any = inv.sockets.iter().any(|e| {
                        e.socket.is_listening()
                            && e.socket.transport == transport
                            && e.socket.local.port() == port
                    });
                    if !any {
                        refusals.push(portwarden_i18n::msg!(
                            "top-refuse-not-a-door",
                            port = port,
                            proto = transport.as_str()
                        ));
                    }
                }
                portwarden_control::plan(inv, port, transport, how, &self.ctx)
            }
            Action::DropConnection => {
                let mut plan = portwarden_control::plan(
                    inv,
                    port,
                    transport,
                    Some(How::Connections),
                    &self.ctx,
                );
                match row.filter(|r| r.proto == Transport::Tcp && r.state == SockState::Established)
                {
                    Some(r) => {
                        let sock = inv
                            .sockets
                            .iter()
                            .find(|e| {
                                e.socket.transport == r.proto
                                    && e.socket.local == r.local
                                    && e.socket.remote == r.remote
                            })
                            .map(|e| e.socket.clone());
                        if let Some(s) = sock {
                            plan.clients = vec![s.clone()];
                            plan.steps = vec![Step::Destroy { socket: s }];
                        }
                        if let Some((cip, cport, _, sport)) = &self.ctx.ssh {
                            if r.local.port() == *sport
                                && r.remote.port() == *cport
                                && r.remote.ip().to_string() == *cip
                            {
                                refusals.push(Msg::new("top-refuse-ssh-session"));
                            }
                        }
                    }
                    None => refusals.push(Msg::new("top-refuse-not-a-connection")),
                }
                plan
            }
            Action::KillProcess => {
                let listening = row.as_ref().is_none_or(|r| r.listening);
                if listening {
                    portwarden_control::plan(inv, port, transport, Some(How::Kill), &self.ctx)
                } else {
                    // A connection's owner: the same refusals as `close --how kill`.
                    let mut plan =
                        portwarden_control::plan(inv, port, transport, Some(How::Kill), &self.ctx);
                    plan.refusals.clear();
                    plan.listeners.clear();
                    plan.clients.clear();
                    plan.owners.clear();
                    plan.steps.clear();
                    match pid.and_then(|p| inv.processes.get(&p)) {
                        Some(p) => {
                            if p.pid == 1 {
                                refusals.push(portwarden_i18n::msg!(
                                    "top-refuse-pid1",
                                    name = portwarden_report::sanitize::terminal(&p.name)
                                ));
                            }
                            if p.pid == self.ctx.self_pid {
                                refusals.push(Msg::new("top-refuse-self"));
                            }
                            plan.owners.push(portwarden_control::Owner {
                                pid: p.pid,
                                name: p.name.clone(),
                                cmdline: p.cmdline.join(" "),
                                unit: p.unit.clone(),
                            });
                            plan.steps.push(Step::Terminate {
                                pid: p.pid,
                                name: p.name.clone(),
                            });
                        }
                        None => refusals.push(Msg::new("top-refuse-hidden-owner")),
                    }
                    plan
                }
            }
        };
        self.dialog = Some(Dialog::Plan {
            action,
            plan: Box::new(plan),
            refusals,
        });
    }

    /// Shows what an action did.
    pub fn executed(&mut self, r: Result<Outcome, String>) {
        self.dialog = Some(match r {
            Ok(o) => Dialog::Result {
                title: portwarden_i18n::msg!("top-done", id = o.action_id),
                lines: o.done.iter().map(|t| t.to_string_in(self.lang)).collect(),
            },
            Err(e) => Dialog::Result {
                title: Msg::new("top-failed"),
                lines: vec![e],
            },
        });
    }

    /// Shows what an undo did.
    pub fn undone(&mut self, port: u16, t: Transport, r: Result<Vec<Reopened>, String>) {
        self.dialog = Some(match r {
            Ok(v) if v.is_empty() => Dialog::Result {
                title: portwarden_i18n::msg!("top-undo-title", port = port, proto = t.as_str()),
                lines: vec![portwarden_i18n::tr!(self.lang, "top-undo-nothing")],
            },
            Ok(v) => Dialog::Result {
                title: portwarden_i18n::msg!("top-undo-title", port = port, proto = t.as_str()),
                lines: v
                    .iter()
                    .map(|r| format!("#{} {}", r.action_id, r.message.to_string_in(self.lang)))
                    .collect(),
            },
            Err(e) => Dialog::Result {
                title: Msg::new("top-failed"),
                lines: vec![e],
            },
        });
    }

    /// Counts for the title line: (rows shown, all rows, listeners).
    pub fn counts(&self) -> (usize, usize, usize) {
        let all = self.tracker.rows();
        (
            self.socket_rows().len(),
            all.len(),
            all.iter().filter(|t| t.row.listening).count(),
        )
    }

    /// The severity of the worst finding, if the audit ran.
    pub fn worst(&self) -> Option<Risk> {
        self.audit.as_ref().and_then(Audit::worst)
    }
}
