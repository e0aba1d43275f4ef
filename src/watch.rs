//! `portwarden watch` and `portwarden unblock`: flags, the journalled blocker, the sinks,
//! `--once`, `--install-unit`. The work is in `portwarden-watch`; blocks go through
//! `portwarden_control::block` (journal first, then nft).

use crate::cli::StyleArgs;
use crate::ui::{self, Failure};
use clap::Args;
use portwarden_i18n::tr;
use portwarden_kb::Lang;
use portwarden_watch::{sink, BlockOptions, Cidr, Dispatch, Options};
use std::net::IpAddr;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

/// The unit file `--install-unit` writes.
const UNIT: &str = include_str!("../dist/portwarden-watch.service");

fn duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s.trim()).map_err(|e| format!("{e} (say 250ms, 60s, 1h)"))?;
    if d.is_zero() {
        return Err("must be more than zero".into());
    }
    Ok(d)
}

fn positive(s: &str) -> Result<u32, String> {
    match s.trim().parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("must be a whole number above zero".into()),
    }
}

/// `portwarden watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Print the current state (listeners and active blocks) and exit.
    #[arg(long)]
    pub once: bool,
    /// With --once: JSON. (Events are always JSON lines.)
    #[arg(long)]
    pub json: bool,
    /// How often to poll the listening sockets.
    #[arg(long, value_parser = duration, default_value = "250ms")]
    pub interval: Duration,
    /// Weight of distinct closed ports in the window that makes a scan (a trojan or
    /// backdoor port weighs 3, any other 1).
    #[arg(long, value_parser = positive, default_value_t = 10)]
    pub threshold: u32,
    /// The sliding window for --threshold.
    #[arg(long, value_parser = duration, default_value = "60s")]
    pub window: Duration,
    /// Sources tracked at once (the oldest are evicted first).
    #[arg(long, value_parser = positive, default_value_t = 8192)]
    pub max_sources: u32,
    /// Block scanners in nftables (table inet portwarden) for --block-for.
    #[arg(long)]
    pub block: bool,
    /// How long a block lasts.
    #[arg(long, value_parser = duration, default_value = "1h")]
    pub block_for: Duration,
    /// Never block these (address or CIDR; repeatable). Loopback, this host's addresses
    /// and the SSH peers are never blocked anyway.
    #[arg(long, value_name = "CIDR")]
    pub allow: Vec<String>,
    /// Blocks per second at most.
    #[arg(long, value_parser = positive, default_value_t = 5)]
    pub max_blocks_per_sec: u32,
    /// Scan events per second at most (suppressed ones are counted in the summary).
    #[arg(long, value_parser = positive, default_value_t = 10)]
    pub max_events_per_sec: u32,
    /// Every how long a summary event comes.
    #[arg(long, value_parser = duration, default_value = "60s")]
    pub summary_every: Duration,
    /// Also send events to syslog (/dev/log; journald reads it).
    #[arg(long)]
    pub syslog: bool,
    /// The syslog socket.
    #[arg(long, default_value = "/dev/log", hide = true)]
    pub syslog_socket: String,
    /// Run CMD for every event (no shell): the event in PORTWARDEN_EVENT_* variables and
    /// as JSON on stdin.
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,
    /// How long --exec may run.
    #[arg(long, value_parser = duration, default_value = "5s")]
    pub exec_timeout: Duration,
    /// POST every event as JSON to URL.
    #[arg(long, value_name = "URL")]
    pub webhook: Option<String>,
    /// Timeout of one webhook try (3 tries at most).
    #[arg(long, value_parser = duration, default_value = "5s")]
    pub webhook_timeout: Duration,
    /// Only listener changes: no packet capture, no scan detection.
    #[arg(long)]
    pub no_capture: bool,
    /// Stop after this long (tests and benchmarks).
    #[arg(long, value_parser = duration, hide = true)]
    pub run_for: Option<Duration>,
    /// Write the systemd unit to ROOT/etc/systemd/system/ and exit.
    #[arg(long)]
    pub install_unit: bool,
    /// The root for --install-unit.
    #[arg(long, env = "PORTWARDEN_ROOT", default_value = "/")]
    pub root: std::path::PathBuf,
    /// Where the journal is (`--store`, `--host-id`).
    #[command(flatten)]
    pub journal: crate::control::JournalArgs,
    /// Presentation.
    #[command(flatten)]
    pub style: StyleArgs,
}

/// `portwarden unblock`.
#[derive(Debug, Args)]
pub struct UnblockArgs {
    /// The blocked address.
    #[arg(value_name = "IP")]
    pub addr: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Where the journal is (`--store`, `--host-id`).
    #[command(flatten)]
    pub journal: crate::control::JournalArgs,
    /// Presentation.
    #[command(flatten)]
    pub style: StyleArgs,
}

fn runtime(e: impl std::fmt::Display) -> Failure {
    Failure::Runtime(anyhow::anyhow!("{e}"))
}

/// Blocks through the journal, then nft. A shared journal whose server went away is
/// opened (and reconciled) again before the next block, so a long-running `watch
/// --block` outlives a database restart; the block that met the outage is not made
/// (intent first) and its error is reported.
struct Journalled {
    store: std::cell::RefCell<Box<dyn portwarden_store::Journal>>,
    journal: crate::control::JournalArgs,
    lost: std::cell::Cell<bool>,
}

impl portwarden_watch::Blocker for Journalled {
    fn block(&self, ip: IpAddr, d: Duration, reason: &str) -> Result<i64, String> {
        if self.lost.get() {
            if let Ok((j, _)) = self.journal.open_reconciled(true) {
                *self.store.borrow_mut() = j;
                self.lost.set(false);
            }
        }
        let r = portwarden_control::block::block(
            &portwarden_control::native(),
            &**self.store.borrow(),
            ip,
            d,
            reason,
            portwarden_watch::event::now_unix(),
        );
        if let Err(portwarden_control::block::Error::Store(e)) = &r {
            self.lost.set(e.is_unreachable());
        }
        r.map_err(|e| e.to_string())
    }

    fn active(&self) -> Result<Vec<(IpAddr, Option<u64>)>, String> {
        active()
    }
}

fn active() -> Result<Vec<(IpAddr, Option<u64>)>, String> {
    portwarden_control::block::active(&portwarden_control::native())
        .map(|v| v.into_iter().map(|b| (b.addr, b.expires_in)).collect())
}

/// Reads only.
struct ReadOnly;

impl portwarden_watch::Blocker for ReadOnly {
    fn block(&self, _: IpAddr, _: Duration, _: &str) -> Result<i64, String> {
        Err("read-only".into())
    }
    fn active(&self) -> Result<Vec<(IpAddr, Option<u64>)>, String> {
        active()
    }
}

fn ssh_peers() -> Vec<IpAddr> {
    ["SSH_CONNECTION", "SSH_CLIENT"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .filter_map(|v| v.split_whitespace().next().and_then(|a| a.parse().ok()))
        .collect()
}

fn install_unit(a: &WatchArgs, lang: Lang) -> Result<ExitCode, Failure> {
    let dir = a.root.join("etc/systemd/system");
    let path = dir.join("portwarden-watch.service");
    let r = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, UNIT));
    match r {
        Ok(()) => {
            eprintln!(
                "portwarden: {}",
                tr!(
                    lang,
                    "watch-unit-written",
                    path = path.display().to_string()
                )
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Err(runtime(tr!(
            lang,
            "watch-unit-failed",
            path = path.display().to_string(),
            error = e.to_string()
        ))),
    }
}

fn once(a: &WatchArgs, lang: Lang) -> Result<ExitCode, Failure> {
    let os = portwarden_watch::os::native();
    let nft = portwarden_control::native().firewall.available();
    let blocker: Option<&dyn portwarden_watch::Blocker> = if nft { Some(&ReadOnly) } else { None };
    let v = portwarden_watch::state(&os, blocker).map_err(runtime)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    let rows = v["listeners"].as_array().cloned().unwrap_or_default();
    println!("{}", tr!(lang, "watch-once-listeners", count = rows.len()));
    for r in &rows {
        let text = |k: &str| match &r[k] {
            serde_json::Value::String(s) => portwarden_report::sanitize::terminal(s),
            serde_json::Value::Null => "-".into(),
            other => other.to_string(),
        };
        println!(
            "  {}/{:<5} {:<39} {:<16} {:<10} {}",
            text("port"),
            text("protocol"),
            text("address"),
            text("process"),
            text("risk"),
            text("verdict")
        );
    }
    let blocks = v["blocks"].as_array().cloned().unwrap_or_default();
    println!("{}", tr!(lang, "watch-once-blocks", count = blocks.len()));
    for b in &blocks {
        if let Some(addr) = b["source"].as_str() {
            println!(
                "  {}",
                tr!(
                    lang,
                    "watch-once-blocked",
                    addr = addr.to_string(),
                    left = b["expires_in_s"]
                        .as_u64()
                        .map_or("?".to_string(), |n| n.to_string())
                )
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `portwarden watch`.
pub fn watch(a: &WatchArgs) -> Result<ExitCode, Failure> {
    let lang = ui::style(&a.style).lang;
    if a.install_unit {
        return install_unit(a, lang);
    }
    if a.once {
        return once(a, lang);
    }
    let mut allow = Vec::new();
    for v in &a.allow {
        allow
            .push(Cidr::parse(v).ok_or_else(|| {
                Failure::Usage(tr!(lang, "watch-bad-allow", value = ui::clip(v)))
            })?);
    }
    if a.block && a.no_capture {
        return Err(Failure::Usage(tr!(lang, "watch-block-needs-capture")));
    }
    let mut background: Vec<Box<dyn sink::Sink>> = Vec::new();
    if let Some(cmd) = &a.exec {
        let e = sink::Exec::new(cmd, a.exec_timeout)
            .ok_or_else(|| Failure::Usage(tr!(lang, "watch-bad-exec", cmd = ui::clip(cmd))))?;
        background.push(Box::new(e));
    }
    if let Some(url) = &a.webhook {
        let w = sink::Webhook::new(url, a.webhook_timeout, 3)
            .map_err(|e| Failure::Usage(tr!(lang, "watch-bad-webhook", error = ui::clip(&e))))?;
        background.push(Box::new(w));
    }
    if a.syslog {
        let s = sink::Syslog::new(&a.syslog_socket)
            .map_err(|e| runtime(tr!(lang, "watch-bad-syslog", error = e.to_string())))?;
        background.push(Box::new(s));
    }
    let blocker = if a.block {
        if !portwarden_control::native().firewall.available() {
            return Err(runtime(tr!(lang, "watch-block-needs-nft")));
        }
        let (store, notes) = a.journal.open_reconciled(true)?;
        for n in notes {
            eprintln!(
                "portwarden: {}",
                portwarden_report::sanitize::terminal(&portwarden_i18n::format(lang, &n))
            );
        }
        Some(Journalled {
            store: std::cell::RefCell::new(store),
            journal: a.journal.clone(),
            lost: std::cell::Cell::new(false),
        })
    } else {
        None
    };
    let capture: Option<Box<dyn portwarden_watch::os::Capture>> = if a.no_capture {
        None
    } else {
        match portwarden_watch::os::Packet::open(Duration::from_millis(200)) {
            Ok(p) => Some(Box::new(p)),
            Err(e) => {
                if a.block {
                    return Err(runtime(tr!(
                        lang,
                        "watch-no-capture",
                        error = e.to_string()
                    )));
                }
                eprintln!(
                    "portwarden: {}",
                    tr!(lang, "watch-no-capture", error = e.to_string())
                );
                None
            }
        }
    };
    let on = |b: bool| tr!(lang, if b { "watch-on" } else { "watch-off" });
    let os = portwarden_watch::os::native();
    eprintln!(
        "{}",
        tr!(
            lang,
            "watch-started",
            listeners = portwarden_watch::os::Os::listeners(&os).map_or(0, |l| l.len()),
            scan = on(capture.is_some()),
            block = on(blocker.is_some())
        )
    );
    let opts = Options {
        interval: a.interval,
        detect: portwarden_watch::detect::Config {
            threshold: a.threshold,
            window_ms: u64::try_from(a.window.as_millis()).unwrap_or(u64::MAX),
            max_sources: a.max_sources as usize,
            ..Default::default()
        },
        capture: capture.is_some(),
        block: a.block.then(|| BlockOptions {
            duration: a.block_for,
            allow,
            ssh_peers: ssh_peers(),
            per_sec: a.max_blocks_per_sec,
        }),
        events_per_sec: a.max_events_per_sec,
        summary_every: a.summary_every,
        run_for: a.run_for,
    };
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let _ = signal_hook::flag::register(sig, stop.clone());
    }
    let mut out = Dispatch::new(vec![Box::new(sink::Stdout)], background);
    let r = portwarden_watch::run(
        &os,
        capture,
        blocker
            .as_ref()
            .map(|b| b as &dyn portwarden_watch::Blocker),
        &mut out,
        &opts,
        stop,
    );
    out.finish();
    r.map_err(runtime)?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `portwarden unblock IP`.
pub fn unblock(a: &UnblockArgs) -> Result<ExitCode, Failure> {
    let lang = ui::style(&a.style).lang;
    let ip: IpAddr = a
        .addr
        .trim()
        .parse()
        .map_err(|_| Failure::Usage(tr!(lang, "unblock-bad-addr", addr = ui::clip(&a.addr))))?;
    let store = a.journal.open()?;
    let r = portwarden_control::block::unblock(&portwarden_control::native(), &*store, ip)
        .map_err(runtime)?;
    if a.json {
        println!(
            "{}",
            serde_json::json!({ "addr": ip.to_string(), "was_blocked": r.was_blocked, "actions": r.actions })
        );
    } else {
        let ids = if r.actions.is_empty() {
            tr!(lang, "unblock-none")
        } else {
            r.actions
                .iter()
                .map(|i| format!("#{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let id = if r.was_blocked {
            "unblock-done"
        } else {
            "unblock-not-blocked"
        };
        println!("{}", tr!(lang, id, addr = ip.to_string(), actions = ids));
    }
    Ok(ExitCode::SUCCESS)
}
