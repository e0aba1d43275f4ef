//! `portwarden report --html FILE`: the binary's side of the HTML report. It picks the
//! snapshots (or runs the audit now), diffs consecutive audits for the timeline, reads
//! the actions journal, and hands the plain data to `portwarden-html`, which renders it
//! without any I/O.

use crate::cli::{SourceArgs, StyleArgs};
use crate::history::{self as hist, Side};
use crate::ui::{self, Failure};
use clap::Args;
use portwarden_history::{diff, model, when, Body, Kind, Meta};
use portwarden_sockets::Request;
use portwarden_store::{History, SnapshotRow};
use std::process::ExitCode;

/// How many steps of changes the timeline shows at most.
const TIMELINE_STEPS: usize = 5;

/// How many scan snapshots (the newest of each target) the default report includes.
const DEFAULT_SCANS: usize = 5;

/// `portwarden report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Write a self-contained HTML report (inline CSS and SVG, no script, nothing
    /// fetched) to FILE; `-` writes it to standard output.
    #[arg(long, value_name = "FILE", required = true, allow_hyphen_values = true)]
    pub html: String,
    /// Report the live state: run the audit now (nothing is saved); the changes are
    /// those since the newest saved audit.
    #[arg(long, conflicts_with = "snapshots")]
    pub now: bool,
    /// Snapshots to report: ids, `@yesterday`, `@2026-12-01`, or nmap XML files (as
    /// `diff` takes them). Default: the newest audit, the newest scan of each target,
    /// and the changes since the audits before it.
    #[arg(value_name = "SNAPSHOT", allow_hyphen_values = true)]
    pub snapshots: Vec<String>,
    /// Report the fleet: every host sharing the store, by risk, and what changed where
    /// (since `--since`).
    #[arg(long, conflicts_with_all = ["now", "snapshots"])]
    pub fleet: bool,
    /// With `--fleet`: the changes since this long ago (`7d`, `24h`).
    #[arg(long, value_name = "AGE", default_value = "7d", value_parser = crate::fleet::parse_since)]
    pub since: u64,
    /// Where the history is kept.
    #[command(flatten)]
    pub store: crate::history::StoreArgs,
    /// Which sockets `--now` reads.
    #[command(flatten)]
    pub source: SourceArgs,
    /// Presentation.
    #[command(flatten)]
    pub style: StyleArgs,
}

/// What goes into the report, gathered from the store, files and the machine.
struct Gathered {
    audit: Option<(Meta, Body)>,
    live: Option<Vec<portwarden_audit::Finding>>,
    scans: Vec<(Meta, Body)>,
    diffs: Vec<diff::Diff>,
}

fn is_listing(kind: Kind) -> bool {
    matches!(kind, Kind::Audit | Kind::Ls)
}

/// The diffs between consecutive snapshots of `main`'s kind and target, up to `main`
/// (newest first); with `live`, the last step goes from the newest saved one to it.
fn timeline(
    store: &dyn History,
    rows: &[SnapshotRow],
    main: &(Meta, Body),
    live: bool,
) -> Result<Vec<diff::Diff>, Failure> {
    let (m, _) = main;
    let group: Vec<&SnapshotRow> = rows
        .iter()
        .filter(|r| r.kind == m.kind.as_str() && r.target == m.target)
        .filter(|r| live || r.id <= m.id)
        .collect();
    let want = if live {
        TIMELINE_STEPS
    } else {
        TIMELINE_STEPS + 1
    };
    let start = group.len().saturating_sub(want);
    let mut chain: Vec<(Meta, Body)> = Vec::new();
    for r in &group[start..] {
        if !live && r.id == m.id {
            continue;
        }
        chain.push(hist::load_snapshot(store, r.id)?);
    }
    let mut out = Vec::new();
    let mut prev: Option<&(Meta, Body)> = None;
    for s in chain.iter().chain(std::iter::once(main)) {
        if let Some(p) = prev {
            out.push(diff::diff(&p.0, &p.1, &s.0, &s.1));
        }
        prev = Some(s);
    }
    out.reverse();
    Ok(out)
}

/// The newest scan snapshot of each target, newest first.
fn newest_scans(store: &dyn History, rows: &[SnapshotRow]) -> Result<Vec<(Meta, Body)>, Failure> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for r in rows.iter().rev().filter(|r| r.kind == Kind::Scan.as_str()) {
        if out.len() >= DEFAULT_SCANS {
            break;
        }
        if seen.insert(r.target.clone()) {
            out.push(hist::load_snapshot(store, r.id)?);
        }
    }
    Ok(out)
}

fn live_audit(a: &ReportArgs) -> Result<(Meta, Body, Vec<portwarden_audit::Finding>), Failure> {
    let (inv, unread) = crate::inventory::read(&a.source, &Request::default())?;
    let mut report = portwarden_audit::audit_with(&inv, &crate::audit::context(&inv));
    report.firewall_unread = unread;
    let meta = Meta {
        id: 0,
        at: when::rfc3339(when::now()),
        host: hist::hostname(),
        command: String::new(),
        kind: Kind::Audit,
        target: hist::source_target(&a.source),
    };
    Ok((meta, model::audit_body(&inv, &report), report.findings))
}

fn gather(a: &ReportArgs, store: Option<&dyn History>) -> Result<Gathered, Failure> {
    // Many hosts may share the store: this report is about this one (and snapshots
    // saved before host identity was kept).
    let me = hist::host_id(None);
    let rows: Vec<SnapshotRow> = match store {
        Some(s) => s
            .snapshots(None, None)
            .map_err(hist::runtime)?
            .into_iter()
            .filter(|r| r.host_id.is_empty() || me.is_empty() || r.host_id == me)
            .collect(),
        None => Vec::new(),
    };
    if a.now {
        let (meta, body, findings) = live_audit(a)?;
        let main = (meta, body);
        let (diffs, scans) = match store {
            Some(s) => (timeline(s, &rows, &main, true)?, newest_scans(s, &rows)?),
            None => (Vec::new(), Vec::new()),
        };
        return Ok(Gathered {
            audit: Some(main),
            live: Some(findings),
            scans,
            diffs,
        });
    }
    let no_store = || {
        Failure::Usage(
            "there are no snapshots yet: run portwarden audit as root (or with --save), or use report --now".into(),
        )
    };
    let mut audit: Option<(Meta, Body)> = None;
    let mut scans = Vec::new();
    if a.snapshots.is_empty() {
        let s = store.ok_or_else(no_store)?;
        let newest = rows
            .iter()
            .rev()
            .find(|r| r.kind == Kind::Audit.as_str())
            .or_else(|| rows.iter().rev().find(|r| r.kind == Kind::Ls.as_str()));
        if let Some(r) = newest {
            audit = Some(hist::load_snapshot(s, r.id)?);
        }
        scans = newest_scans(s, &rows)?;
        if audit.is_none() && scans.is_empty() {
            return Err(no_store());
        }
    } else {
        for reference in &a.snapshots {
            let loaded = match hist::parse_side(reference)? {
                Side::File(p) => hist::load_file(&p)?,
                Side::Snapshot(id) => hist::load_snapshot(store.ok_or_else(no_store)?, id)?,
                Side::At(t) => {
                    let s = store.ok_or_else(no_store)?;
                    let t = i64::try_from(t).unwrap_or(i64::MAX);
                    let by = |kind: Kind| {
                        rows.iter()
                            .rev()
                            .find(|r| r.kind == kind.as_str() && r.at_unix <= t)
                    };
                    let r = by(Kind::Audit)
                        .or_else(|| rows.iter().rev().find(|r| r.at_unix <= t))
                        .ok_or_else(|| {
                            Failure::Usage(format!(
                                "no snapshot taken by {}",
                                when::rfc3339(u64::try_from(t).unwrap_or(0))
                            ))
                        })?;
                    hist::load_snapshot(s, r.id)?
                }
            };
            if is_listing(loaded.0.kind) {
                if audit.is_some() {
                    return Err(Failure::Usage(
                        "a report shows one audit (or ls) snapshot; give the others to diff".into(),
                    ));
                }
                audit = Some(loaded);
            } else {
                scans.push(loaded);
            }
        }
    }
    let diffs = match (&audit, store) {
        (Some(main), Some(s)) if main.0.id > 0 => timeline(s, &rows, main, false)?,
        _ => Vec::new(),
    };
    Ok(Gathered {
        audit,
        live: None,
        scans,
        diffs,
    })
}

/// `portwarden report`.
pub fn run(a: &ReportArgs) -> Result<ExitCode, Failure> {
    a.store.apply();
    let style = ui::style(&a.style);
    let store = hist::open_ro()?;
    if a.fleet {
        return crate::fleet::report(a, store.as_deref(), &style);
    }
    let g = gather(a, store.as_deref())?;
    // The journal of close/open: this machine's rows of the run's store (the local
    // SQLite file unless `--store` says otherwise).
    let me = portwarden_store::HostIdentity {
        id: hist::host_id(
            std::env::var("PORTWARDEN_HOST_ID")
                .ok()
                .filter(|v| hist::parse_host_id(v).is_ok())
                .as_deref(),
        ),
        name: hist::hostname(),
    };
    let loc = hist::location()?;
    let actions = if matches!(loc, portwarden_store::Location::Postgres(_)) && me.id.is_empty() {
        Vec::new()
    } else {
        match portwarden_store::open_journal_read_only(&loc, &me).map_err(hist::runtime)? {
            Some(j) => j.actions().map_err(hist::runtime)?,
            None => Vec::new(),
        }
    };
    let generated = when::rfc3339(when::now());
    let host = g
        .audit
        .as_ref()
        .map(|(m, _)| m.host.clone())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(hist::hostname);
    let inputs = portwarden_html::Inputs {
        lang: style.lang,
        generated: &generated,
        host: &host,
        audit: g.audit.as_ref().map(|(m, b)| (m, b)),
        live: g.live.as_deref(),
        scans: &g.scans,
        diffs: &g.diffs,
        actions: &actions,
    };
    let html = portwarden_html::render(&portwarden_html::build(&inputs))
        .map_err(|e| Failure::Runtime(e.into()))?;
    write_html(&a.html, &html)
}

/// Writes the page to FILE, or standard output for `-`.
pub(crate) fn write_html(to: &str, html: &str) -> Result<ExitCode, Failure> {
    if to == "-" {
        print!("{html}");
    } else {
        std::fs::write(to, html.as_bytes())
            .map_err(|e| Failure::Usage(format!("{}: {e}", ui::one_line_error(to))))?;
    }
    Ok(ExitCode::SUCCESS)
}
