//! `portwarden audit`: the project's main job.

use crate::cli::AuditArgs;
use crate::ui::{self, Failure};
use portwarden_sockets::Request;
use std::process::ExitCode;

/// Runs the audit. Exit 1 when `--fail-on` is given and a finding reaches that level.
pub fn run(a: &AuditArgs) -> Result<ExitCode, Failure> {
    let style = ui::style(&a.style);
    let mut inv = crate::inventory::read(&a.source, &Request::default())?;
    let unread = crate::inventory::firewall(&a.source, &mut inv);
    let mut report = portwarden_audit::audit(&inv);
    report.firewall_unread = unread;
    if a.json {
        println!("{}", portwarden_report::audit::json(&report));
    } else {
        print!("{}", portwarden_report::audit::text(&report, &style));
    }
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
