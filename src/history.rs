//! `portwarden history`, `diff` and `baseline`, and the `--save` of `audit`, `ls` and
//! `scan`: the binary's side of the history (flags, the clock, the store, files); the
//! model, the diff and the baseline judgement live in `portwarden-history`, the
//! rendering in `portwarden-report`.

use crate::cli::{SourceArgs, StyleArgs};
use crate::ui::{self, Failure};
use clap::{Args, Subcommand, ValueEnum};
use portwarden_history::{baseline, diff, model, nmap, when, Body, Kind, Meta};
use portwarden_report::history as render;
use portwarden_store::{History, Location, NewAcceptance, NewSnapshot, SnapshotRow};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::OnceLock;

/// Largest nmap XML file `diff` reads.
const MAX_XML: u64 = 64 << 20;

/// The store of the whole run, as the command's `--store` (or `PORTWARDEN_STORE`) chose.
/// (Checked when the store is opened, not by the flag parser, which would echo a
/// password in its error.)
static STORE: OnceLock<String> = OnceLock::new();

/// `--store`: where the history is kept.
#[derive(Debug, Args, Clone, Default)]
pub struct StoreArgs {
    /// The store of the history and the action journal: a SQLite file (default: the
    /// local journal's) or a PostgreSQL URL (`postgres://user@host/db`,
    /// `postgresql:///db?host=/run/postgresql`) that many hosts share.
    #[arg(
        long,
        value_name = "URL|FILE",
        env = "PORTWARDEN_STORE",
        global = true,
        hide_env_values = true
    )]
    pub store: Option<String>,
}

impl StoreArgs {
    /// Makes this the run's store.
    pub fn apply(&self) {
        if let Some(l) = &self.store {
            let _ = STORE.set(l.clone());
        }
    }
}

pub(crate) fn parse_host_id(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 128
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    if ok {
        Ok(s.to_string())
    } else {
        Err(crate::ui::say(&portwarden_i18n::msg!(
            "fleet-bad-host-id",
            value = format!("{:?}", ui::one_line_error(s))
        )))
    }
}

/// Where a snapshot goes: the store, and what to do when it cannot take it.
#[derive(Debug, Args, Clone, Default)]
pub struct SaveTo {
    /// Where the history is kept.
    #[command(flatten)]
    pub store: StoreArgs,
    /// This machine's identity in the store (default: /etc/machine-id). Tests and
    /// containers sharing a machine id give each their own.
    #[arg(long, value_name = "ID", env = "PORTWARDEN_HOST_ID", value_parser = parse_host_id)]
    pub host_id: Option<String>,
    /// When the store cannot be reached, keep the snapshot in DIR (one file each) and
    /// say so; `portwarden store flush --spool DIR` stores them later.
    #[arg(long, value_name = "DIR", env = "PORTWARDEN_SPOOL")]
    pub spool: Option<PathBuf>,
}

/// `--save` for `ls` and `scan`.
#[derive(Debug, Args, Clone, Default)]
pub struct SaveFlag {
    /// Record what was seen in the history (see `portwarden history`).
    #[arg(long)]
    pub save: bool,
    /// Where to.
    #[command(flatten)]
    pub to: Box<SaveTo>,
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
    /// Where to.
    #[command(flatten)]
    pub to: Box<SaveTo>,
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
    /// Delete all but the newest N snapshots of each host (`--keep 50`), or those older
    /// than an age (`--keep 30d`), of the kind, target and host given (all when none is).
    #[arg(long, value_name = "N|AGE", value_parser = parse_keep)]
    pub keep: Option<Keep>,
    /// Only snapshots of this host (its machine id or its name).
    #[arg(long, value_name = "H", value_parser = parse_text)]
    pub host: Option<String>,
    /// Where the history is kept.
    #[command(flatten)]
    pub store: StoreArgs,
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
    /// The host (machine id or name) of snapshots `@` references and the defaults pick.
    #[arg(long, value_name = "H", value_parser = parse_text)]
    pub host: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Where the history is kept.
    #[command(flatten)]
    pub store: StoreArgs,
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
    /// Where the history is kept.
    #[command(flatten)]
    pub store: StoreArgs,
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

/// The run's store: `--store`/`PORTWARDEN_STORE`, else the SQLite file beside the journal.
pub(crate) fn location() -> Result<Location, Failure> {
    match STORE.get() {
        Some(l) => Location::parse(l).map_err(|e| Failure::Usage(e.to_string())),
        None => Ok(Location::Sqlite(crate::control::store_path()?)),
    }
}

pub(crate) fn open_rw() -> Result<Box<dyn History>, Failure> {
    portwarden_store::open(&location()?).map_err(runtime)
}

pub(crate) fn open_ro() -> Result<Option<Box<dyn History>>, Failure> {
    portwarden_store::open_read_only(&location()?).map_err(runtime)
}

/// This machine's identity: `--host-id` (or `PORTWARDEN_HOST_ID`), else
/// `/etc/machine-id`; empty when neither is there.
pub(crate) fn host_id(flag: Option<&str>) -> String {
    if let Some(f) = flag {
        return f.to_string();
    }
    std::fs::read_to_string("/etc/machine-id")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| parse_host_id(s).is_ok())
        .unwrap_or_default()
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

/// A snapshot ready to be stored, or kept in a spool directory until it can be.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Pending {
    pub uid: String,
    pub at: String,
    pub at_unix: i64,
    pub host: String,
    pub host_id: String,
    pub command: String,
    pub kind: String,
    pub target: String,
    pub listeners: i64,
    pub findings: i64,
    #[serde(default)]
    pub scan_id: Option<String>,
    #[serde(default)]
    pub shard: Option<String>,
    pub body: String,
}

impl Pending {
    pub(crate) fn new_snapshot(&self) -> NewSnapshot<'_> {
        NewSnapshot {
            uid: Some(&self.uid),
            host_id: &self.host_id,
            scan_id: self.scan_id.as_deref(),
            shard: self.shard.as_deref(),
            at: &self.at,
            at_unix: self.at_unix,
            host: &self.host,
            command: &self.command,
            kind: &self.kind,
            target: &self.target,
            listeners: self.listeners,
            findings: self.findings,
            body: &self.body,
        }
    }
}

/// A scan's place in a sharded scan.
#[derive(Debug, Clone, Default)]
pub struct ShardTag {
    /// The scan's id (shared by its shards).
    pub scan_id: Option<String>,
    /// `I/N`.
    pub shard: Option<String>,
}

impl ShardTag {
    /// The tag of a sharded scan (`--shard I/N`); empty for a whole scan. The scan id is
    /// the same for every shard of one scan without anyone handing it out: 128 bits of a
    /// hash of the seed, the shard count, the targets and each step's kind and ports.
    pub fn of(p: &crate::scan::plan::ScanPlan) -> ShardTag {
        let Some(first) = p.steps.first() else {
            return ShardTag::default();
        };
        let shard = first.cfg.shard;
        if shard.is_whole() {
            return ShardTag::default();
        }
        let mut text = format!(
            "seed={:?};count={};targets={:?};list={:?};exclude={:?}",
            first.cfg.seed, shard.count, p.targets, p.input_list, p.exclude
        );
        for s in &p.steps {
            text.push_str(&format!(";{:?}:{:?}", s.kind, s.ports));
        }
        let h = |basis: u64| {
            text.bytes().fold(basis, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            })
        };
        ShardTag {
            scan_id: Some(format!(
                "{:016x}{:016x}",
                h(0xcbf2_9ce4_8422_2325),
                h(0x8422_2325_cbf2_9ce4)
            )),
            shard: Some(format!("{}/{}", shard.index, shard.count)),
        }
    }
}

fn pending(
    kind: Kind,
    target: &str,
    body: &Body,
    to: &SaveTo,
    tag: &ShardTag,
) -> Result<Pending, Failure> {
    let json = serde_json::to_string(body).map_err(runtime)?;
    let now = when::now();
    let len = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    Ok(Pending {
        uid: portwarden_store::new_uid(),
        at: when::rfc3339(now),
        at_unix: i64::try_from(now).unwrap_or(i64::MAX),
        host: hostname(),
        host_id: host_id(to.host_id.as_deref()),
        command: command_line(),
        kind: kind.as_str().to_string(),
        target: target.to_string(),
        listeners: len(body.listeners.len()),
        findings: len(body.findings.len()),
        scan_id: tag.scan_id.clone(),
        shard: tag.shard.clone(),
        body: json,
    })
}

/// Writes `p` into the spool directory (private, created as needed): a temporary file
/// renamed into place, so a flush never reads half a snapshot.
pub(crate) fn spool_write(dir: &Path, p: &Pending) -> Result<PathBuf, String> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let mut db = std::fs::DirBuilder::new();
    db.recursive(true);
    #[cfg(unix)]
    db.mode(0o700);
    db.create(dir).map_err(|e| e.to_string())?;
    let text = serde_json::to_string(p).map_err(|e| e.to_string())?;
    let tmp = dir.join(format!(".{}.tmp", p.uid));
    let path = dir.join(format!("{}.json", p.uid));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    opts.mode(0o600);
    let mut f = opts.open(&tmp).map_err(|e| e.to_string())?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| e.to_string())?;
    std::fs::rename(&tmp, &path).map_err(|e| e.to_string())?;
    Ok(path)
}

/// Stores a snapshot. When the store fails and `--spool` is given, the snapshot is kept
/// there and that is said (success); otherwise the failure says plainly that nothing
/// was stored.
fn save_pending(p: &Pending, to: &SaveTo) -> Result<(), Failure> {
    to.store.apply();
    let r = open_rw().and_then(|s| s.save_snapshot(&p.new_snapshot()).map_err(runtime));
    let e = match r {
        Ok(_) => return Ok(()),
        Err(Failure::Runtime(e)) => format!("{e:#}"),
        Err(Failure::Usage(m)) => m,
    };
    let Some(dir) = &to.spool else {
        return Err(runtime(crate::ui::say(&portwarden_i18n::msg!(
            "fleet-not-stored",
            why = e
        ))));
    };
    match spool_write(dir, p) {
        Ok(path) => {
            eprintln!(
                "portwarden: {}",
                crate::ui::say(&portwarden_i18n::msg!(
                    "fleet-spooled",
                    why = e,
                    path = path.display().to_string(),
                    dir = dir.display().to_string()
                ))
            );
            Ok(())
        }
        Err(w) => Err(runtime(crate::ui::say(&portwarden_i18n::msg!(
            "fleet-spool-failed",
            why = e,
            dir = dir.display().to_string(),
            error = w
        )))),
    }
}

/// The audit to save, when asked or by default as root: made before the baseline
/// filters the findings, stored after the report is printed ([`save_audit`]).
pub fn audit_to_save(
    h: &AuditHistory,
    src: &SourceArgs,
    inv: &portwarden_sockets::Inventory,
    report: &portwarden_audit::Audit,
) -> Result<Option<Pending>, Failure> {
    let by_default = crate::platform::is_root() && !h.no_save;
    if !(h.save || by_default) {
        return Ok(None);
    }
    pending(
        Kind::Audit,
        &source_target(src),
        &model::audit_body(inv, report),
        &h.to,
        &ShardTag::default(),
    )
    .map(Some)
}

/// Saves an audit. A default save that fails is a warning; one asked for with `--save`
/// fails the command (after its report was printed).
pub fn save_audit(h: &AuditHistory, p: Option<Pending>) -> Result<(), Failure> {
    let Some(p) = p else {
        return Ok(());
    };
    match save_pending(&p, &h.to) {
        Ok(()) => Ok(()),
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
    let p = pending(
        Kind::Ls,
        &source_target(src),
        &body,
        &f.to,
        &ShardTag::default(),
    )?;
    save_pending(&p, &f.to)
}

/// Saves a scan: the report's JSON as `scan --json` prints it, tagged with its sharded
/// scan's id and shard when it is one.
pub fn save_scan(
    f: &SaveFlag,
    targets: &[String],
    report_json: &str,
    tag: &ShardTag,
) -> Result<(), Failure> {
    if !f.save {
        return Ok(());
    }
    let scan: serde_json::Value = serde_json::from_str(report_json).map_err(runtime)?;
    let target: String = targets.join(" ").chars().take(200).collect();
    let p = pending(
        Kind::Scan,
        &target,
        &Body {
            scan: Some(scan),
            ..Body::default()
        },
        &f.to,
        tag,
    )?;
    save_pending(&p, &f.to)
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
    a.store.apply();
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
            .prune_snapshots(
                &portwarden_store::Filter {
                    kind,
                    target,
                    host: a.host.as_deref(),
                },
                count,
                before,
            )
            .map_err(runtime)?;
        eprintln!(
            "portwarden: {n} {}",
            style.text("cli-history-snapshot-s-deleted")
        );
    }
    let filter = portwarden_store::Filter {
        kind,
        target,
        host: a.host.as_deref(),
    };
    let rows = match open_ro()? {
        Some(s) => s.snapshots_where(&filter).map_err(runtime)?,
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

pub(crate) fn load_snapshot(store: &dyn History, id: i64) -> Result<(Meta, Body), Failure> {
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
    a.store.apply();
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
        Some(s) => s
            .snapshots_where(&portwarden_store::Filter {
                host: a.host.as_deref(),
                ..Default::default()
            })
            .map_err(runtime)?,
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
    // Many hosts may share the store: the defaults stay on one host's snapshots.
    let host = base.map(|r| portwarden_history::fleet::host_key(&r.host_id, &r.host));
    let group: Vec<&SnapshotRow> = rows
        .iter()
        .filter(|r| kind.as_ref().is_none_or(|k| &r.kind == k))
        .filter(|r| target.as_ref().is_none_or(|t| &r.target == t))
        .filter(|r| {
            host.as_ref()
                .is_none_or(|h| portwarden_history::fleet::host_key(&r.host_id, &r.host) == *h)
        })
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

fn store_ref(s: &Option<Box<dyn History>>) -> Result<&dyn History, Failure> {
    s.as_deref().ok_or_else(|| {
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
    a.store.apply();
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
                Some(r) => Some(load_snapshot(s.as_ref(), r.id)?.1),
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
