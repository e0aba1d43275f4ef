//! `portwarden audit`: the project's main job.

use crate::cli::AuditArgs;
use crate::ui::{self, Failure};
use portwarden_audit::{products, Context};
use portwarden_sockets::{Inventory, Request};
use std::io::Read;
use std::process::ExitCode;

/// Runs the audit. Exit 1 when `--fail-on` is given and a finding reaches that level.
pub fn run(a: &AuditArgs) -> Result<ExitCode, Failure> {
    let style = ui::style(&a.style);
    let (inv, unread) = crate::inventory::read(&a.source, &Request::default())?;
    let mut report = portwarden_audit::audit_with(&inv, &context(&inv));
    report.firewall_unread = unread;
    if a.probe || (!a.no_probe && crate::platform::is_root()) {
        use portwarden_audit::probe::{self, Prober};
        let targets = probe::plan(&inv);
        let found = probe::native().probe(&targets, a.probe_timeout);
        probe::apply(&mut report, &inv, &found, a.probe_timeout);
    }
    a.history.to.store.apply();
    let to_save = crate::history::audit_to_save(&a.history, &a.source, &inv, &report)?;
    if a.history.baseline {
        crate::history::apply_baseline(&mut report, style.lang)?;
    }
    if a.json {
        println!("{}", portwarden_report::audit::json(&report));
    } else {
        print!("{}", portwarden_report::audit::text(&report, &style));
    }
    // Saved after the report is printed: a store that cannot be reached does not take
    // the local result with it.
    crate::history::save_audit(&a.history, to_save)?;
    let failed = match (a.fail_on, report.worst()) {
        (Some(limit), Some(worst)) => worst >= limit,
        _ => false,
    };
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Reads what the audit needs besides the sockets: the configuration file of every inetd
/// that holds a socket (the path on its command line, else /etc/inetd.conf), so that its
/// ports are judged by the services they start. Unreadable files are skipped: the audit
/// then names the service by its port.
pub fn context(inv: &Inventory) -> Context {
    let holders: std::collections::HashSet<u32> = inv
        .sockets
        .iter()
        .filter(|e| e.socket.is_listening())
        .flat_map(|e| e.pids.iter().copied())
        .collect();
    let mut files: Vec<String> = inv
        .processes
        .values()
        .filter(|p| holders.contains(&p.pid))
        .filter(|p| {
            products::identify(p).is_some_and(|m| m.product.superserver && m.product.key == "inetd")
        })
        .map(products::inetd_conf_path)
        .collect();
    files.sort();
    files.dedup();
    let mut ctx = Context::default();
    for f in files {
        if let Some(text) = read_small(&f) {
            ctx.inetd.extend(products::parse_inetd_conf(&text, &f));
        }
    }
    ctx
}

/// A text file of at most 1 MiB (a configuration file, not whatever a path names).
fn read_small(path: &str) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut buf = Vec::new();
    file.take(1 << 20).read_to_end(&mut buf).ok()?;
    Some(String::from_utf8_lossy(&buf).into_owned())
}
