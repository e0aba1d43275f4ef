//! `portwarden ls`: the local socket inventory.

use crate::cli::{LsArgs, SourceArgs};
use crate::ui::{self, Failure};
use portwarden_report::ls;
use portwarden_sockets::{Filter, Inventory, Request, Transport};
use std::collections::HashSet;
use std::io::IsTerminal;
use std::process::ExitCode;

/// Reads the inventory (entering `--netns` first) and, unless `--no-firewall`, judges each
/// listener by the nftables ruleset of that namespace. The ruleset is read by `nft` on a
/// thread of its own while the sockets are collected, so it costs no wall time. Returns
/// the inventory and why the rules could not be read, if they could not (only root can
/// read them, so others are not made to wait for `nft` to say no).
pub fn read(src: &SourceArgs, req: &Request) -> Result<(Inventory, Option<String>), Failure> {
    let backend = portwarden_sockets::native(&portwarden_sockets::Options { procfs: src.procfs });
    if let Some(ns) = &src.netns {
        enter_netns(ns)?;
    }
    // Spawned after setns: the thread, and the nft it runs, live in the same namespace.
    // Only nftables is read (Linux): elsewhere no firewall verdict is given.
    let nftables = cfg!(target_os = "linux");
    let rules = (nftables && !src.no_firewall && crate::platform::is_root()).then(|| {
        std::thread::spawn(|| {
            portwarden_firewall::Firewall::read(portwarden_firewall::native().as_ref())
        })
    });
    let mut inv = portwarden_sockets::collect(backend.as_ref(), req)
        .map_err(|e| Failure::Runtime(anyhow::anyhow!(e)))?;
    let unread = match rules.map(|t| t.join()) {
        None if src.no_firewall || !nftables => None,
        None => Some(ui::say(&portwarden_i18n::Msg::new(
            "cli-firewall-needs-root",
        ))),
        Some(Err(_)) => Some(ui::say(&portwarden_i18n::Msg::new(
            "cli-firewall-reader-failed",
        ))),
        Some(Ok(portwarden_firewall::Firewall::Unreadable(why))) => Some(why),
        Some(Ok(fw)) => {
            portwarden_firewall::annotate(&mut inv, &fw);
            name_our_actions(&mut inv);
            None
        }
    };
    Ok((inv, unread))
}

/// Moves this process into another network namespace (Linux).
#[cfg(target_os = "linux")]
pub fn enter_netns(ns: &str) -> Result<(), Failure> {
    portwarden_sockets::linux::Linux::default()
        .enter_netns(ns)
        .map_err(|e| Failure::Runtime(anyhow::anyhow!(e)))
}

/// Network namespaces are Linux's: `--netns` elsewhere is one clear line (exit 2).
#[cfg(not(target_os = "linux"))]
pub fn enter_netns(_ns: &str) -> Result<(), Failure> {
    Err(Failure::Usage(ui::say(&portwarden_i18n::Msg::new(
        "platform-netns-linux-only",
    ))))
}

/// Names the journal's action behind each rule of portwarden's own table that blocks a
/// listener (read-only; a journal that cannot be read leaves the rules unnamed).
fn name_our_actions(inv: &mut Inventory) {
    let ours = |e: &portwarden_sockets::SocketEntry| matches!(&e.reach, Some(portwarden_sockets::Reach::Blocked { by }) if by.is_portwarden());
    if !inv.sockets.iter().any(ours) {
        return;
    }
    let Ok(path) = crate::control::store_path() else {
        return;
    };
    let Ok(Some(store)) = portwarden_store::Store::open_read_only(&path) else {
        return;
    };
    let Ok(actions) = store.actions() else { return };
    for e in &mut inv.sockets {
        if let Some(portwarden_sockets::Reach::Blocked { by }) = &mut e.reach {
            by.action = actions
                .iter()
                .filter(|a| a.undone_at.is_none())
                .find(|a| {
                    matches!(&a.undo, portwarden_store::Undo::DeleteRule { comment, .. }
                        if Some(comment) == by.comment.as_ref())
                })
                .map(|a| a.id);
        }
    }
}

/// Gives each listener the audit's severity and the known program's service name, so
/// that `ls` and `audit` say the same of one door.
fn judge(inv: &mut Inventory) {
    let ctx = crate::audit::context(inv);
    portwarden_audit::annotate(inv, &ctx);
}

/// The once-only hint about hidden owners.
pub fn hint_hidden(inv: &Inventory, lang: portwarden_kb::Lang) {
    if inv.unreadable_processes > 0 {
        let id = if inv.source == portwarden_sockets::Source::IpHelper {
            "platform-ls-note-unopened"
        } else {
            "cli-ls-note-unreadable"
        };
        let msg = portwarden_i18n::tr!(lang, id, count = inv.unreadable_processes);
        eprintln!("{msg}");
    }
}

/// Runs `ls`.
pub fn run(a: &LsArgs) -> Result<ExitCode, Failure> {
    let style = ui::style(&a.style);
    let transports = match (a.tcp, a.udp) {
        (true, false) => vec![Transport::Tcp],
        (false, true) => vec![Transport::Udp],
        _ => vec![Transport::Tcp, Transport::Udp],
    };
    let req = Request {
        transports,
        v4: !a.ipv6,
        v6: !a.ipv4,
        processes: !a.no_processes,
    };
    let filter = Filter {
        listening: a.listening,
        ports: a.port.clone(),
        pids: a.pid.clone(),
        process: a.process.clone(),
        user: a.user.clone(),
        states: a.state.clone(),
    };
    let render = |inv: &Inventory, gone: &[portwarden_sockets::RawSocket], new: &HashSet<_>| {
        let rows = filter.apply(inv, a.sort);
        if a.json {
            ls::json(inv, &rows) + "\n"
        } else if a.csv {
            ls::csv(inv, &rows, a.csv_raw)
        } else {
            ls::table(inv, &rows, gone, new, a.watch.is_some(), &style)
        }
    };
    let (mut inv, _) = read(&a.source, &req)?;
    judge(&mut inv);
    let Some(every) = a.watch else {
        let out = render(&inv, &[], &HashSet::new());
        ui::out(&out);
        hint_hidden(&inv, style.lang);
        // Saved after the listing is printed: a store that cannot be reached does not
        // take it with it.
        crate::history::save_ls(&a.history, &a.source, &inv)?;
        return Ok(ExitCode::SUCCESS);
    };
    crate::history::save_ls(&a.history, &a.source, &inv)?;
    hint_hidden(&inv, style.lang);
    let tty = std::io::stdout().is_terminal();
    let mut prev_inv: Option<Inventory> = None;
    let mut current = inv;
    loop {
        let empty = Vec::new();
        let prev = prev_inv.as_ref().map_or(empty, |p| filter.apply(p, a.sort));
        let now = filter.apply(&current, a.sort);
        let (appeared, gone) = if prev_inv.is_some() {
            portwarden_sockets::diff(&prev, &now)
        } else {
            (Vec::new(), Vec::new())
        };
        let new: HashSet<_> = appeared
            .iter()
            .map(|s| (s.inode, s.local, s.remote))
            .collect();
        let body = render(&current, &gone, &new);
        let mut frame = String::with_capacity(body.len() + 100);
        frame.push_str(if tty { "\u{1b}[H\u{1b}[2J" } else { "\n" });
        frame.push_str(&format!(
            "portwarden ls --watch · {} {} · +{} -{}\n",
            now.len(),
            style.text("cli-ls-sockets"),
            appeared.len(),
            gone.len()
        ));
        frame.push_str(&body);
        // A closed pipe (`ls --watch | head`) ends the loop with status 141, at the
        // latest one poll (100 ms) after the reader left.
        ui::out(&frame);
        ui::sleep_watching_stdout(std::time::Duration::from_secs_f64(every));
        let again = SourceArgs {
            netns: None,
            ..a.source.clone()
        };
        let (mut next, _) = read(&again, &req)?;
        judge(&mut next);
        prev_inv = Some(std::mem::replace(&mut current, next));
    }
}
