//! `portwarden top`: the terminal loop around `portwarden-tui`, and the native OS it
//! reads and acts through (the inventory with firewall reach, byte counters and the audit;
//! close and open through the control crate, journalled as `close` journals them).

use crate::cli::{SourceArgs, StyleArgs};
use crate::ui::{self, Failure};
use clap::Args;
use portwarden_control::{Context, Outcome, Plan, Reopened};
use portwarden_sockets::{Backend, Transport};
use portwarden_tui::{keys, model::Model, view, Os, Snapshot};
use ratatui::crossterm::{cursor, event, execute, terminal};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// `portwarden top`.
#[derive(Debug, Args)]
pub struct TopArgs {
    /// How often to refresh (1s, 500ms, 2s…).
    #[arg(long, value_name = "TIME", default_value = "1s", value_parser = parse_interval)]
    pub interval: Duration,
    /// Which sockets to read.
    #[command(flatten)]
    pub source: SourceArgs,
    /// Where the journal is (`--store`, `--host-id`).
    #[command(flatten)]
    pub journal: crate::control::JournalArgs,
    /// Presentation.
    #[command(flatten)]
    pub style: StyleArgs,
}

fn parse_interval(s: &str) -> Result<Duration, String> {
    ui::parse_duration_within(s, 0.1, 3600.0)
}

/// How often the firewall ruleset is read again (it costs an `nft` run); every action
/// reads it at once.
const FIREWALL_EVERY: Duration = Duration::from_secs(5);

/// The real OS.
struct NativeOs {
    backend: portwarden_sockets::linux::Linux,
    /// Owners, re-read only for processes that changed.
    owners: portwarden_sockets::linux::procs::OwnerCache,
    users: HashMap<u32, Option<String>>,
    firewall: bool,
    rules: Option<(Instant, portwarden_firewall::Firewall)>,
    ctx: Context,
    nft: bool,
    start: Instant,
    boot: Option<u64>,
    ticks: u64,
    timeout: Duration,
    /// Where the journal is.
    journal: crate::control::JournalArgs,
}

impl NativeOs {
    /// The native OS for these flags (the namespace is entered before).
    fn native(src: &SourceArgs, ctx: Context, journal: crate::control::JournalArgs) -> NativeOs {
        let boot = std::fs::read_to_string("/proc/stat").ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("btime "))
                .and_then(|v| v.trim().parse().ok())
        });
        let ticks = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
            .ok()
            .flatten()
            .and_then(|v| u64::try_from(v).ok())
            .filter(|v| *v > 0)
            .unwrap_or(100);
        NativeOs {
            backend: portwarden_sockets::linux::Linux {
                force_procfs: src.procfs,
                ..Default::default()
            },
            owners: portwarden_sockets::linux::procs::OwnerCache::new(std::path::Path::new(
                "/proc",
            )),
            users: HashMap::new(),
            firewall: !src.no_firewall && nix::unistd::geteuid().is_root(),
            rules: None,
            nft: ctx.nft,
            ctx,
            start: Instant::now(),
            boot,
            ticks,
            timeout: Duration::from_secs(5),
            journal,
        }
    }

    /// When a process started (RFC 3339), from field 22 of /proc/PID/stat.
    fn started(&self, pid: u32) -> Option<String> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The name (field 2) may hold spaces and parentheses: count from the last ')'.
        let rest = &stat[stat.rfind(')')? + 1..];
        let ticks: u64 = rest.split_whitespace().nth(19)?.parse().ok()?;
        Some(portwarden_control::rfc3339(self.boot? + ticks / self.ticks))
    }

    fn store(&self) -> Result<Box<dyn portwarden_store::Journal>, String> {
        self.journal
            .open_reconciled(self.nft)
            .map(|(j, _)| j)
            .map_err(|e| match e {
                Failure::Usage(m) => m,
                Failure::Runtime(e) => format!("{e:#}"),
            })
    }
}

impl Os for NativeOs {
    fn snapshot(&mut self) -> Result<Snapshot, String> {
        let (raw, source) = self
            .backend
            .sockets(&portwarden_sockets::Request::default());
        let inodes: Vec<u64> = raw.iter().map(|s| s.inode).collect();
        let owners = self.owners.refresh(&inodes);
        let mut inv = portwarden_sockets::join(raw, source, Some(owners));
        let uids: std::collections::BTreeSet<u32> =
            inv.sockets.iter().map(|e| e.socket.uid).collect();
        for uid in uids {
            let name = self
                .users
                .entry(uid)
                .or_insert_with(|| self.backend.user_name(uid))
                .clone();
            if let Some(n) = name {
                inv.users.insert(uid, n);
            }
        }
        if let Ok(counters) = portwarden_sockets::linux::netlink::dump_traffic(true, true) {
            portwarden_sockets::attach_traffic(&mut inv, &counters);
        }
        if self.firewall {
            let stale = self
                .rules
                .as_ref()
                .is_none_or(|(at, _)| at.elapsed() >= FIREWALL_EVERY);
            if stale {
                let fw =
                    portwarden_firewall::Firewall::read(portwarden_firewall::native().as_ref());
                self.rules = Some((Instant::now(), fw));
            }
            if let Some((_, fw)) = &self.rules {
                portwarden_firewall::annotate(&mut inv, fw);
            }
        }
        let ctx = crate::audit::context(&inv);
        portwarden_audit::annotate(&mut inv, &ctx);
        let audit = portwarden_audit::audit_with(&inv, &ctx);
        let started: HashMap<u32, String> = inv
            .processes
            .keys()
            .filter_map(|p| self.started(*p).map(|s| (*p, s)))
            .collect();
        Ok(Snapshot {
            inv,
            audit: Some(audit),
            started,
        })
    }

    fn execute(&mut self, plan: &Plan) -> Result<Outcome, String> {
        let store = self.store()?;
        self.rules = None;
        portwarden_control::execute(
            plan,
            &self.ctx,
            &portwarden_control::native(),
            &*store,
            self.timeout,
        )
        .map_err(|e| e.to_string())
    }

    fn undo(&mut self, port: u16, transport: Transport) -> Result<Vec<Reopened>, String> {
        let store = self.store()?;
        self.rules = None;
        portwarden_control::undo(
            port,
            transport,
            &portwarden_control::native(),
            &*store,
            &crate::control::persist_paths(),
            self.nft,
        )
        .map_err(|e| e.to_string())
    }

    fn now(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }
}

/// Leaves the alternate screen, ends raw mode and shows the cursor again.
fn restore() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(
        std::io::stdout(),
        terminal::LeaveAlternateScreen,
        cursor::Show
    );
}

/// Runs `top` until q or Ctrl-C.
pub fn run(a: &TopArgs) -> Result<ExitCode, Failure> {
    let style = ui::style(&a.style);
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Failure::Usage(portwarden_i18n::tr!(
            style.lang,
            "top-needs-terminal"
        )));
    }
    if let Some(ns) = &a.source.netns {
        crate::inventory::enter_netns(ns)?;
    }
    let ctx = portwarden_control::native().context();
    let mut os = NativeOs::native(&a.source, ctx.clone(), a.journal.clone());
    let mut m = Model::new(style.lang, style.color, ctx, a.interval.as_secs_f64());
    // The terminal is given back on every way out: return, error, panic.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        hook(info);
    }));
    terminal::enable_raw_mode().map_err(|e| Failure::Runtime(e.into()))?;
    if let Err(e) = execute!(std::io::stdout(), terminal::EnterAlternateScreen) {
        restore();
        return Err(Failure::Runtime(e.into()));
    }
    let result = event_loop(&mut m, &mut os, a.interval);
    restore();
    result.map(|()| ExitCode::SUCCESS)
}

fn event_loop(m: &mut Model, os: &mut NativeOs, interval: Duration) -> Result<(), Failure> {
    let backend = ratatui::backend::CrosstermBackend::new(std::io::stdout());
    let mut term = ratatui::Terminal::new(backend).map_err(|e| Failure::Runtime(e.into()))?;
    term.clear().map_err(|e| Failure::Runtime(e.into()))?;
    portwarden_tui::refresh(m, os);
    let mut next = Instant::now() + interval;
    loop {
        term.draw(|f| view::draw(m, f))
            .map_err(|e| Failure::Runtime(e.into()))?;
        let wait = next.saturating_duration_since(Instant::now());
        if event::poll(wait).map_err(|e| Failure::Runtime(e.into()))? {
            match event::read().map_err(|e| Failure::Runtime(e.into()))? {
                event::Event::Key(k) => {
                    if let Some(i) = keys::from_crossterm(k) {
                        if !portwarden_tui::step(m, os, i) {
                            return Ok(());
                        }
                    }
                }
                event::Event::Resize(..) => {
                    term.autoresize().map_err(|e| Failure::Runtime(e.into()))?;
                }
                _ => {}
            }
        }
        if Instant::now() >= next {
            if !m.paused {
                portwarden_tui::refresh(m, os);
            }
            next = Instant::now() + interval;
        }
    }
}
