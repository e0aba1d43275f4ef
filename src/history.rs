//! `portwarden history`, `diff` and `baseline`, and the `--save` of `audit`, `ls` and
//! `scan`: the binary's side of the history (flags, the clock, the store, files); the
//! model, the diff and the baseline judgement live in `portwarden-history`, the
//! rendering in `portwarden-report`.

use crate::cli::{SourceArgs, StyleArgs};
use crate::ui::{self, Failure};
use clap::{Args, Subcommand, ValueEnum};
use portwarden_history::{baseline, diff, model, nmap, when, Body, Kind, Meta};
use portwarden_report::history as render;
use portwarden_store::{NewAcceptance, NewSnapshot, SnapshotRow, Store};
use std::process::ExitCode;

/// Largest nmap XML file `diff` reads.
const MAX_XML: u64 = 64 << 20;

/// `--save` for `ls` and `scan`.
#[derive(Debug, Args, Clone, Default)]
pub struct SaveFlag {
    /// Record what was seen in the history (see `portwarden history`).
    #[arg(long)]
    pub save: bool,
}

/// History flags of `audit`.
#[derive(Debug, Args, Clone, Default)]
pub struct AuditHistory {
    /// Record the audit in the history (the default when run as root).
    #[arg(long, conflicts_with = "no_save")]
    pub save: bool,
    /// Do not record the audit in the history.
    #[arg(long)]
    pub no_save: bool,
    /// Report only findings the baseline does not accept (new, changed, or whose
    /// acceptance expired); `--fail-on` counts only those.
    #[arg(long)]
    pub baseline: bool,
}

/// Snapshot kinds on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    /// `portwarden audit`.
    Audit,
    /// `portwarden ls`.
    Ls,
    /// `portwarden scan`.
    Scan,
}

impl KindArg {
    fn kind(self) -> Kind {
        match self {
            KindArg::Audit => Kind::Audit,
            KindArg::Ls => Kind::Ls,
            KindArg::Scan => Kind::Scan,
        }
    }
}

/// How many snapshots to keep: a count (`50`) or an age (`30d`).
#[derive(Debug, Clone, Copy)]
pub enum Keep {
    /// The newest N.
    Count(usize),
    /// Those younger than this many seconds.
    Age(u64),
}

fn parse_keep(s: &str) -> Result<Keep, String> {
    let t = s.trim();
    if let Ok(n) = t.parse::<usize>() {
        return Ok(Keep::Count(n));
    }
    when::parse_duration(t).map(Keep::Age).map_err(|_| {
        crate::ui::say(&portwarden_i18n::msg!(
            "cli-history-not-count-or-age",
            value = format!("{s:?}")
        ))
    })
}

/// An age such as `30d` (`when::parse_duration`), its error in the reader's language.
fn parse_age(s: &str) -> Result<u64, String> {
    when::parse_duration(s).map_err(|_| {
        crate::ui::say(&portwarden_i18n::msg!(
            "cli-history-not-a-duration",
            value = format!("{s:?}")
        ))
    })
}

fn parse_text(s: &str) -> Result<String, String> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > 200 {
        return Err(crate::ui::say(&portwarden_i18n::msg!(
            "cli-history-text-length",
            value = format!("{:?}", ui::one_line_error(s))
        )));
    }
    Ok(t.to_string())
}

/// `portwarden history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only snapshots of this kind.
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// Only snapshots of this target (`local`, `netns:NAME`, or scan targets).
    #[arg(long, value_name = "T", value_parser = parse_text)]
    pub target: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Delete all but the newest N snapshots (`--keep 50`), or those older than an age
    /// (`--keep 30d`), of the kind and target given (all when none is).
    #[arg(long, value_name = "N|AGE", value_parser = parse_keep)]
    pub keep: Option<Keep>,
    /// Presentation.
    #[command(flatten)]
    pub style: StyleArgs,
}

/// `portwarden diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old side: a snapshot id, `@yesterday`, `@2026-12-01`, `@2d`, or an nmap XML
    /// file (nmap's own or `scan -oX`). Default: the snapshot before the newest one.
    #[arg(value_name = "OLD", allow_hyphen_values = true)]
    pub old: Option<String>,
    /// The new side (default: the newest snapshot of the same kind and target).
    #[arg(value_name = "NEW", allow_hyphen_values = true)]
    pub new: Option<String>,
    /// The kind of snapshots `@` references and the defaults pick.
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// The target of snapshots `@` references and the defaults pick.
    #[arg(long, value_name = "T", value_parser = parse_text)]
    pub target: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Presentation.
    #[command(flatten)]
    pub style: StyleArgs,
}

/// `portwarden baseline`.
#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: BaselineCommand,
}

/// The baseline's subcommands.
#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Accept ports (`8080`, `53/udp`) or findings (`exposed-service:tcp/6379`) as known
    /// and wanted; `--all` accepts every finding of the newest saved audit.
    Accept(AcceptArgs),
    /// The acceptances (expired ones marked).
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Presentation.
        #[command(flatten)]
        style: StyleArgs,
    },
    /// Withdraw acceptances by id.
    Revoke {
        /// Ids, as `baseline list` shows them.
        #[arg(required = true, value_name = "ID")]
        ids: Vec<i64>,
    },
}

/// `portwarden baseline accept`.
#[derive(Debug, Args)]
pub struct AcceptArgs {
    /// Ports or finding ids.
    #[arg(
        value_name = "PORT[/proto]|FINDING-ID",
        required_unless_present = "all"
    )]
    pub what: Vec<String>,
    /// Every finding of the newest saved audit (of `--target`, when given).
    #[arg(long, conflicts_with = "what")]
    pub all: bool,
    /// Why this is known and wanted (kept with the acceptance).
    #[arg(long, required = true, value_name = "TEXT")]
    pub reason: String,
    /// Stop accepting after this long (`30d`, `12h`); the finding then comes back.
    #[arg(long, value_name = "AGE", value_parser = parse_age)]
    pub expires: Option<u64>,
    /// With `--all`: the audit target (`local`, `netns:NAME`).
    #[arg(long, value_name = "T", value_parser = parse_text)]
    pub target: Option<String>,
}

pub(crate) fn runtime(e: impl std::fmt::Display) -> Failure {
    Failure::Runtime(anyhow::anyhow!("{e}"))
}

fn open_rw() -> Result<Store, Failure> {
    Store::open(&crate::control::store_path()?).map_err(runtime)
}

pub(crate) fn open_ro() -> Result<Option<Store>, Failure> {
    Store::open_read_only(&crate::control::store_path()?).map_err(runtime)
}

pub(crate) fn hostname() -> String {
    crate::platform::hostname()
}

fn command_line() -> String {
    let s: String = std::env::args().collect::<Vec<_>>().join(" ");
    s.chars().take(1000).collect()
}

/// What `audit` and `ls` looked at.
pub fn source_target(src: &SourceArgs) -> String {
    match &src.netns {
        Some(ns) => format!("netns:{ns}"),
        None => "local".into(),
    }
}

fn save(kind: Kind, target: &str, body: &Body) -> Result<i64, Failure> {
    let json = serde_json::to_string(body).map_err(runtime)?;
    let now = when::now();
    let at = when::rfc3339(now);
    let store = open_rw()?;
    let len = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    store
        .save_snapshot(&NewSnapshot {
            at: &at,
            at_unix: i64::try_from(now).unwrap_or(i64::MAX),
            host: &hostname(),
            command: &command_line(),
            kind: kind.as_str(),
            target,
            listeners: len(body.listeners.len()),
            findings: len(body.findings.len()),
            body: &json,
        })
        .map_err(runtime)
}

/// Saves an audit when asked, or by default as root. A default save that fails is a
/// warning; one asked for with `--save` fails the command.
pub fn save_audit(
    h: &AuditHistory,
    src: &SourceArgs,
    inv: &portwarden_sockets::Inventory,
    report: &portwarden_audit::Audit,
) -> Result<(), Failure> {
    let by_default = crate::platform::is_root() && !h.no_save;
    if !(h.save || by_default) {
        return Ok(());
    }
    match save(
        Kind::Audit,
        &source_target(src),
        &model::audit_body(inv, report),
    ) {
        Ok(_) => Ok(()),
        Err(e) if !h.save => {
            let why = match e {
                Failure::Runtime(e) => format!("{e:#}"),
                Failure::Usage(m) => m,
            };
            eprintln!(
                "portwarden: {}",
                crate::ui::say(&portwarden_i18n::msg!(
                    "cli-history-note-not-saved",
                    why = why
                ))
            );
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Saves what `ls` saw (every listener, whatever the filters showed).
pub fn save_ls(
    f: &SaveFlag,
    src: &SourceArgs,
    inv: &portwarden_sockets::Inventory,
) -> Result<(), Failure> {
    if !f.save {
        return Ok(());
    }
    let body = Body {
        listeners: model::listeners(inv),
        ..Body::default()
    };
    save(Kind::Ls, &source_target(src), &body).map(|_| ())
}

/// Saves a scan: the report's JSON as `scan --json` prints it.
pub fn save_scan(f: &SaveFlag, targets: &[String], report_json: &str) -> Result<(), Failure> {
    if !f.save {
        return Ok(());
    }
    let scan: serde_json::Value = serde_json::from_str(report_json).map_err(runtime)?;
    let target: String = targets.join(" ").chars().take(200).collect();
    save(
        Kind::Scan,
        &target,
        &Body {
            scan: Some(scan),
            ..Body::default()
        },
    )
    .map(|_| ())
}

/// `audit --baseline`: drops the findings the baseline accepts, marks the ones that
/// changed or whose acceptance expired, and says on stderr how many were left out.
pub fn apply_baseline(
    report: &mut portwarden_audit::Audit,
    lang: portwarden_kb::Lang,
) -> Result<(), Failure> {
    let rows = match open_ro()? {
        Some(s) => s.baseline().map_err(runtime)?,
        None => Vec::new(),
    };
    let accepted: Vec<baseline::Acceptance> = rows
        .iter()
        .map(|r| baseline::Acceptance {
            id: r.id,
            key: r.key.clone(),
            expires: r.expires_unix.map(|e| u64::try_from(e).unwrap_or(0)),
            seen: r.seen.as_deref().and_then(|s| serde_json::from_str(s).ok()),
        })
        .collect();
    let now = when::now();
    let recs = model::findings(report);
    let mut hidden = 0usize;
    let mut keep = Vec::new();
    for (mut f, rec) in std::mem::take(&mut report.findings).into_iter().zip(recs) {
        let v = baseline::judge(&rec, &accepted, now);
        let remark = match v {
            baseline::Verdict::Accepted(_) => {
                hidden += 1;
                continue;
            }
            baseline::Verdict::New => None,
            baseline::Verdict::Changed(id) => Some(portwarden_i18n::msg!(
                "audit-baseline-changed",
                id = id.to_string()
            )),
            baseline::Verdict::Expired(id) => Some(portwarden_i18n::msg!(
                "audit-baseline-expired",
                id = id.to_string()
            )),
        };
        if let Some(remark) = remark {
            f.note = Some(match f.note.take() {
                Some(note) => {
                    portwarden_i18n::msg!("audit-baseline-note", remark = remark, note = note)
                }
                None => remark,
            });
        }
        keep.push(f);
    }
    report.findings = keep;
    report.accepted = hidden;
    if hidden > 0 {
        eprintln!(
            "portwarden: {}",
            portwarden_i18n::tr!(lang, "cli-history-baseline-hidden", count = hidden)
        );
    }
    Ok(())
}

/// `portwarden history`.
pub fn history(a: &HistoryArgs) -> Result<ExitCode, Failure> {
    let style = ui::style(&a.style);
    let kind = a.kind.map(|k| k.kind().as_str());
    let target = a.target.as_deref();
    if let Some(keep) = a.keep {
        let store = open_rw()?;
        let (count, before) = match keep {
            Keep::Count(n) => (Some(n), None),
            Keep::Age(secs) => (
                None,
                Some(i64::try_from(when::now().saturating_sub(secs)).unwrap_or(0)),
            ),
        };
        let n = store
            .prune_snapshots(kind, target, count, before)
            .map_err(runtime)?;
        eprintln!(
            "portwarden: {n} {}",
            style.text("cli-history-snapshot-s-deleted")
        );
    }
    let rows = match open_ro()? {
        Some(s) => s.snapshots(kind, target).map_err(runtime)?,
        None => Vec::new(),
    };
    if a.json {
        println!("{}", render::list_json(&rows));
    } else {
        print!("{}", render::list_text(&rows, &style));
    }
    Ok(ExitCode::SUCCESS)
}

/// One side of a diff.
pub(crate) enum Side {
    Snapshot(i64),
    At(u64),
    File(std::path::PathBuf),
}

pub(crate) fn parse_side(s: &str) -> Result<Side, Failure> {
    let t = s.trim();
    if let Some(r) = t.strip_prefix('@') {
        return when::parse_at(r, when::now()).map(Side::At).map_err(|_| {
            Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
                "cli-history-not-a-time",
                at = r
            )))
        });
    }
    if let Ok(id) = t.trim_start_matches('#').parse::<i64>() {
        if id > 0 && !std::path::Path::new(t).exists() {
            return Ok(Side::Snapshot(id));
        }
    }
    let p = std::path::Path::new(s);
    if p.exists() {
        return Ok(Side::File(p.to_path_buf()));
    }
    Err(Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
        "cli-history-bad-side",
        value = format!("{:?}", ui::one_line_error(s))
    ))))
}

pub(crate) fn load_file(p: &std::path::Path) -> Result<(Meta, Body), Failure> {
    use std::io::Read;
    let shown = p.display().to_string();
    // A FIFO would block the open, a device never end: only regular files (looked at
    // before opening; the open is non-blocking in case it was swapped meanwhile).
    if !std::fs::metadata(p).is_ok_and(|m| m.is_file()) {
        return Err(Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
            "cli-history-not-a-regular-file",
            shown = shown.to_string()
        ))));
    }
    let f = crate::platform::open_for_reading(p)
        .map_err(|e| Failure::Usage(format!("{shown}: {e}")))?;
    if !f.metadata().is_ok_and(|m| m.is_file()) {
        return Err(Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
            "cli-history-not-a-regular-file",
            shown = shown.to_string()
        ))));
    }
    let mut bytes = Vec::new();
    f.take(MAX_XML + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::Usage(format!("{shown}: {e}")))?;
    if bytes.len() as u64 > MAX_XML {
        return Err(Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
            "cli-history-file-too-large",
            shown = shown.to_string(),
            mib = (MAX_XML >> 20).to_string()
        ))));
    }
    let text = String::from_utf8_lossy(&bytes);
    let run = nmap::parse(&text).map_err(|e| Failure::Usage(format!("{shown}: {e}")))?;
    let meta = Meta {
        id: 0,
        at: run.start,
        host: String::new(),
        command: shown,
        kind: Kind::Scan,
        target: run.args,
    };
    Ok((
        meta,
        Body {
            hosts: run.hosts,
            ..Body::default()
        },
    ))
}

pub(crate) fn load_snapshot(store: &Store, id: i64) -> Result<(Meta, Body), Failure> {
    let (row, body) = store.snapshot(id).map_err(runtime)?.ok_or_else(|| {
        Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
            "cli-history-no-such-snapshot",
            id = id.to_string()
        )))
    })?;
    let body: Body = serde_json::from_str(&body).map_err(|e| {
        runtime(crate::ui::say(&portwarden_i18n::msg!(
            "cli-history-snapshot-cannot-be-read",
            id = id.to_string(),
            error = e.to_string()
        )))
    })?;
    Ok((meta_of(&row)?, body))
}

fn meta_of(row: &SnapshotRow) -> Result<Meta, Failure> {
    Ok(Meta {
        id: row.id,
        at: row.at.clone(),
        host: row.host.clone(),
        command: row.command.clone(),
        kind: Kind::parse(&row.kind).ok_or_else(|| {
            runtime(crate::ui::say(&portwarden_i18n::msg!(
                "cli-history-snapshot-has-unknown-kind",
                id = row.id.to_string()
            )))
        })?,
        target: row.target.clone(),
    })
}

/// `portwarden diff`: exit 0 when the sides are the same, 1 when they differ, 2 on any
/// error (as ndiff).
pub fn diff(a: &DiffArgs) -> ExitCode {
    match diff_inner(a) {
        Ok(code) => code,
        Err(Failure::Usage(m)) => {
            eprintln!(
                "portwarden: {}",
                crate::errors::os_errors(crate::ui::error_lang(), &m)
            );
            ExitCode::from(2)
        }
        Err(Failure::Runtime(e)) => {
            eprintln!(
                "portwarden: {}",
                crate::errors::runtime(crate::ui::error_lang(), &e)
            );
            ExitCode::from(2)
        }
    }
}

fn diff_inner(a: &DiffArgs) -> Result<ExitCode, Failure> {
    let style = ui::style(&a.style);
    let old = a.old.as_deref().map(parse_side).transpose()?;
    let new = a.new.as_deref().map(parse_side).transpose()?;
    let needs_store = [&old, &new]
        .iter()
        .any(|s| !matches!(s, Some(Side::File(_))));
    let store = if needs_store {
        Some(open_ro()?.ok_or_else(|| {
            Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
                "cli-history-no-snapshots-see-history"
            )))
        })?)
    } else {
        None
    };
    let rows = match &store {
        Some(s) => s.snapshots(None, None).map_err(runtime)?,
        None => Vec::new(),
    };
    // Which kind and target `@` references and defaults pick: the flags, else those of a
    // snapshot named by id, else the newest snapshot's.
    let named = [&old, &new].into_iter().find_map(|s| match s {
        Some(Side::Snapshot(id)) => rows.iter().find(|r| r.id == *id),
        _ => None,
    });
    let base = named.or(rows.last());
    let kind = a
        .kind
        .map(|k| k.kind().as_str().to_string())
        .or_else(|| base.map(|r| r.kind.clone()));
    let target = a.target.clone().or_else(|| base.map(|r| r.target.clone()));
    let group: Vec<&SnapshotRow> = rows
        .iter()
        .filter(|r| kind.as_ref().is_none_or(|k| &r.kind == k))
        .filter(|r| target.as_ref().is_none_or(|t| &r.target == t))
        .collect();
    let what = || {
        format!(
            "{} {}",
            kind.clone()
                .unwrap_or_else(|| crate::ui::say(&portwarden_i18n::Msg::new(
                    "cli-history-any-kind"
                ))),
            target.as_deref().unwrap_or("")
        )
    };
    let resolve = |s: &Side| -> Result<(Meta, Body), Failure> {
        match s {
            Side::File(p) => load_file(p),
            Side::Snapshot(id) => load_snapshot(store_ref(&store)?, *id),
            Side::At(t) => {
                let t = i64::try_from(*t).unwrap_or(i64::MAX);
                let r = group.iter().rev().find(|r| r.at_unix <= t).ok_or_else(|| {
                    Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
                        "cli-history-no-snapshot-by",
                        what = what().trim().to_string(),
                        time = when::rfc3339(u64::try_from(t).unwrap_or(0)).to_string()
                    )))
                })?;
                load_snapshot(store_ref(&store)?, r.id)
            }
        }
    };
    let ((om, ob), (nm, nb)) = match (&old, &new) {
        (Some(o), Some(n)) => (resolve(o)?, resolve(n)?),
        (Some(o), None) => {
            if matches!(o, Side::File(_)) {
                return Err(Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
                    "cli-history-diff-of-a-file-needs-a"
                ))));
            }
            let newest = group.last().ok_or_else(|| {
                Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
                    "cli-history-no-snapshot-to-compare-with",
                    what = what().trim().to_string()
                )))
            })?;
            (resolve(o)?, load_snapshot(store_ref(&store)?, newest.id)?)
        }
        _ => {
            let n = group.len();
            if n < 2 {
                return Err(Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
                    "cli-history-need-two",
                    what = what().trim().to_string(),
                    n = n
                ))));
            }
            let s = store_ref(&store)?;
            (
                load_snapshot(s, group[n - 2].id)?,
                load_snapshot(s, group[n - 1].id)?,
            )
        }
    };
    let d = diff::diff(&om, &ob, &nm, &nb);
    if a.json {
        println!("{}", render::diff_json(&d));
    } else {
        print!("{}", render::diff_text(&d, &style));
    }
    Ok(if d.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn store_ref(s: &Option<Store>) -> Result<&Store, Failure> {
    s.as_ref().ok_or_else(|| {
        Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
            "cli-history-there-are-no-snapshots-yet"
        )))
    })
}

fn user() -> String {
    crate::platform::user_name()
}

/// `portwarden baseline`.
pub fn baseline(a: &BaselineArgs) -> Result<ExitCode, Failure> {
    match &a.command {
        BaselineCommand::Accept(acc) => accept(acc),
        BaselineCommand::List { json, style } => {
            let style = ui::style(style);
            let rows = match open_ro()? {
                Some(s) => s.baseline().map_err(runtime)?,
                None => Vec::new(),
            };
            if *json {
                println!("{}", render::baseline_json(&rows));
            } else {
                let now = i64::try_from(when::now()).unwrap_or(i64::MAX);
                print!("{}", render::baseline_text(&rows, now, &style));
            }
            Ok(ExitCode::SUCCESS)
        }
        BaselineCommand::Revoke { ids } => {
            let store = open_rw()?;
            let at = when::rfc3339(when::now());
            let mut missing = Vec::new();
            for id in ids {
                if !store.baseline_revoke(*id, &at).map_err(runtime)? {
                    missing.push(id.to_string());
                }
            }
            if missing.is_empty() {
                Ok(ExitCode::SUCCESS)
            } else {
                Err(Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
                    "cli-history-no-live-acceptance",
                    join = missing.join(", ").to_string()
                ))))
            }
        }
    }
}

fn accept(a: &AcceptArgs) -> Result<ExitCode, Failure> {
    let reason = a.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
            "cli-history-reason-must-say-why-in-1"
        ))));
    }
    let keys = a
        .what
        .iter()
        .map(|w| {
            baseline::parse_key(w).map_err(|_| {
                // The value escaped and cut as the library does in its own message.
                let shown: String = w.chars().take(60).flat_map(char::escape_default).collect();
                Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
                    "cli-history-not-a-key",
                    value = shown
                )))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    // The newest saved audit tells what each accepted finding looked like (so a change
    // shows again), and is what --all accepts.
    let latest: Option<Body> = match open_ro()? {
        Some(s) => {
            let rows = s
                .snapshots(Some("audit"), a.target.as_deref())
                .map_err(runtime)?;
            match rows.last() {
                Some(r) => Some(load_snapshot(&s, r.id)?.1),
                None => None,
            }
        }
        None => None,
    };
    let findings = latest.map(|b| b.findings).unwrap_or_default();
    let now = when::now();
    let at = when::rfc3339(now);
    let expires = a
        .expires
        .map(|e| i64::try_from(now.saturating_add(e)).unwrap_or(i64::MAX));
    let mut rows = Vec::new();
    let mut push = |key: String, seen: Option<&model::FindingRec>| {
        rows.push(NewAcceptance {
            at: at.clone(),
            user: user(),
            key,
            reason: reason.to_string(),
            expires_unix: expires,
            seen: seen.and_then(|f| serde_json::to_string(f).ok()),
        });
    };
    if a.all {
        if findings.is_empty() {
            return Err(Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
                "cli-history-no-saved-audit"
            ))));
        }
        for f in &findings {
            push(f.id.clone(), Some(f));
        }
    } else {
        for k in keys {
            let seen = findings.iter().find(|f| f.id == k || f.port_key() == k);
            push(k, seen);
        }
    }
    let ids = open_rw()?.baseline_accept(&rows).map_err(runtime)?;
    for (id, r) in ids.iter().zip(&rows) {
        println!(
            "accepted #{id} {}",
            portwarden_report::sanitize::terminal(&r.key)
        );
    }
    Ok(ExitCode::SUCCESS)
}
