//! `portwarden fleet` (questions about every host sharing one store), `report --html
//! --fleet`, and `portwarden store` (the store itself: which one, its schema version,
//! flushing a spool of snapshots that could not be stored). The answers are computed by
//! `portwarden_history::fleet` and rendered by `portwarden_report::fleet` and
//! `portwarden_html`; this module reads the store.

use crate::cli::StyleArgs;
use crate::history::{self as hist, StoreArgs};
use crate::ui::{self, Failure};
use clap::{Args, Subcommand, ValueEnum};
use portwarden_history::fleet::{self, Entry, RowRef};
use portwarden_history::when;
use portwarden_store::{History, SnapshotRow};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Largest spool file `store flush` reads (a snapshot of a big scan fits).
const MAX_SPOOLED: u64 = 256 << 20;

/// An age such as `7d` for `--since`.
pub fn parse_since(s: &str) -> Result<u64, String> {
    when::parse_duration(s.trim()).map_err(|_| {
        ui::say(&portwarden_i18n::msg!(
            "cli-history-not-a-duration",
            value = format!("{:?}", ui::one_line_error(s))
        ))
    })
}

/// `portwarden fleet`.
#[derive(Debug, Args)]
pub struct FleetArgs {
    /// What to ask.
    #[command(subcommand)]
    pub command: FleetCommand,
    /// Where the history is kept (the store many hosts save into).
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Which exposure `fleet listeners` shows.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExposureArg {
    /// Bound to every address.
    All,
    /// Bound to specific addresses.
    Specific,
    /// Loopback only.
    Loopback,
    /// Anything but loopback.
    Public,
    /// Every listener.
    Any,
}

impl ExposureArg {
    fn word(self) -> &'static str {
        match self {
            ExposureArg::All => "all",
            ExposureArg::Specific => "specific",
            ExposureArg::Loopback => "loopback",
            ExposureArg::Public => "public",
            ExposureArg::Any => "any",
        }
    }
}

fn parse_name(s: &str) -> Result<String, String> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > 200 {
        return Err(ui::say(&portwarden_i18n::msg!(
            "cli-history-text-length",
            value = format!("{:?}", ui::one_line_error(s))
        )));
    }
    Ok(t.to_string())
}

/// The fleet's questions.
#[derive(Debug, Subcommand)]
pub enum FleetCommand {
    /// The listeners of every host (from its newest audit): which hosts run redis, which
    /// listen on every address.
    Listeners {
        /// A product or program (part of the name, any case).
        #[arg(long, value_name = "P", value_parser = parse_name)]
        product: Option<String>,
        /// Which exposure.
        #[arg(long, value_enum)]
        exposure: Option<ExposureArg>,
        /// One host (machine id or name).
        #[arg(long, value_name = "H", value_parser = parse_name)]
        host: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Presentation.
        #[command(flatten)]
        style: StyleArgs,
    },
    /// What changed on which host since a time (`--since 7d`).
    Changes {
        /// How long ago (`7d`, `24h`).
        #[arg(long, value_name = "AGE", default_value = "7d", value_parser = parse_since)]
        since: u64,
        /// One host (machine id or name).
        #[arg(long, value_name = "H", value_parser = parse_name)]
        host: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Presentation.
        #[command(flatten)]
        style: StyleArgs,
    },
    /// The hosts, riskiest first (from each one's newest audit).
    Hosts {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Presentation.
        #[command(flatten)]
        style: StyleArgs,
    },
}

fn refs(rows: &[SnapshotRow]) -> Vec<RowRef> {
    rows.iter()
        .map(|r| RowRef {
            id: r.id,
            host_key: fleet::host_key(&r.host_id, &r.host),
            kind: r.kind.clone(),
            target: r.target.clone(),
            at_unix: r.at_unix,
        })
        .collect()
}

fn entry(store: &dyn History, row: &SnapshotRow) -> Result<Entry, Failure> {
    let (meta, body) = hist::load_snapshot(store, row.id)?;
    Ok(Entry {
        host_id: row.host_id.clone(),
        host: row.host.clone(),
        meta,
        body,
    })
}

fn by_id(rows: &[SnapshotRow], id: i64) -> Result<&SnapshotRow, Failure> {
    rows.iter().find(|r| r.id == id).ok_or_else(|| {
        Failure::Usage(ui::say(&portwarden_i18n::msg!(
            "cli-history-no-such-snapshot",
            id = id.to_string()
        )))
    })
}

/// The newest audit of every host.
fn newest(store: &dyn History, rows: &[SnapshotRow]) -> Result<Vec<Entry>, Failure> {
    fleet::newest_per_host(&refs(rows))
        .into_iter()
        .map(|id| entry(store, by_id(rows, id)?))
        .collect()
}

/// What changed on each host since `since` seconds ago.
fn changes(
    store: &dyn History,
    rows: &[SnapshotRow],
    since: u64,
) -> Result<Vec<fleet::HostChange>, Failure> {
    let t = i64::try_from(when::now().saturating_sub(since)).unwrap_or(0);
    let mut pairs = Vec::new();
    for (old, new) in fleet::change_pairs(&refs(rows), t) {
        pairs.push((
            entry(store, by_id(rows, old)?)?,
            entry(store, by_id(rows, new)?)?,
        ));
    }
    Ok(fleet::changes(&pairs))
}

fn rows_of(store: Option<&dyn History>, host: Option<&str>) -> Result<Vec<SnapshotRow>, Failure> {
    match store {
        Some(s) => s
            .snapshots_where(&portwarden_store::Filter {
                host,
                ..Default::default()
            })
            .map_err(hist::runtime),
        None => Ok(Vec::new()),
    }
}

/// `portwarden fleet`.
pub fn run(a: &FleetArgs) -> Result<ExitCode, Failure> {
    a.store.apply();
    let store = hist::open_ro()?;
    let store = store.as_deref();
    match &a.command {
        FleetCommand::Listeners {
            product,
            exposure,
            host,
            json,
            style,
        } => {
            let style = ui::style(style);
            let rows = rows_of(store, host.as_deref())?;
            let entries = match store {
                Some(s) => newest(s, &rows)?,
                None => Vec::new(),
            };
            let q = fleet::Query {
                product: product.clone(),
                exposure: exposure.map(|e| e.word().to_string()),
                host: host.clone(),
            };
            let found = fleet::listeners(&entries, &q);
            if *json {
                println!("{}", portwarden_report::fleet::json(&found));
            } else {
                print!(
                    "{}",
                    portwarden_report::fleet::listeners_text(&found, &style)
                );
            }
        }
        FleetCommand::Changes {
            since,
            host,
            json,
            style,
        } => {
            let style = ui::style(style);
            let rows = rows_of(store, host.as_deref())?;
            let found = match store {
                Some(s) => changes(s, &rows, *since)?,
                None => Vec::new(),
            };
            if *json {
                println!("{}", portwarden_report::fleet::json(&found));
            } else {
                print!("{}", portwarden_report::fleet::changes_text(&found, &style));
            }
        }
        FleetCommand::Hosts { json, style } => {
            let style = ui::style(style);
            let rows = rows_of(store, None)?;
            let entries = match store {
                Some(s) => newest(s, &rows)?,
                None => Vec::new(),
            };
            let found = fleet::hosts_by_risk(&entries);
            if *json {
                println!("{}", portwarden_report::fleet::json(&found));
            } else {
                print!("{}", portwarden_report::fleet::hosts_text(&found, &style));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `report --html FILE --fleet`.
pub fn report(
    a: &crate::report_cmd::ReportArgs,
    store: Option<&dyn History>,
    style: &portwarden_report::Style,
) -> Result<ExitCode, Failure> {
    let Some(s) = store else {
        return Err(Failure::Usage(ui::say(&portwarden_i18n::msg!(
            "fleet-no-snapshots"
        ))));
    };
    let rows = rows_of(store, None)?;
    let entries = newest(s, &rows)?;
    let hosts = fleet::hosts_by_risk(&entries);
    let changed = changes(s, &rows, a.since)?;
    // The newest scan of each target, whichever host ran it.
    let mut seen = std::collections::BTreeSet::new();
    let mut scans = Vec::new();
    for r in rows.iter().rev().filter(|r| r.kind == "scan") {
        if scans.len() >= 5 {
            break;
        }
        if seen.insert(r.target.clone()) {
            scans.push(hist::load_snapshot(s, r.id)?);
        }
    }
    let generated = when::rfc3339(when::now());
    let title = portwarden_i18n::format(
        style.lang,
        &portwarden_i18n::msg!("fleet-report-title", hosts = hosts.len()),
    );
    let since = when::rfc3339(when::now().saturating_sub(a.since));
    let inputs = portwarden_html::Inputs {
        lang: style.lang,
        generated: &generated,
        host: &title,
        audit: None,
        live: None,
        scans: &scans,
        diffs: &[],
        actions: &[],
    };
    let mut view = portwarden_html::build(&inputs);
    view.fleet = Some(portwarden_html::view::fleet(
        style.lang, &hosts, &changed, &since,
    ));
    let html = portwarden_html::render(&view).map_err(|e| Failure::Runtime(e.into()))?;
    crate::report_cmd::write_html(&a.html, &html)
}

/// `portwarden store`.
#[derive(Debug, Args)]
pub struct StoreCmdArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: StoreCommand,
    /// The store.
    #[command(flatten)]
    pub store: StoreArgs,
}

/// The store's subcommands.
#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Which store is used, its backend and schema version.
    Info,
    /// Stores the snapshots kept in a spool directory (by `--spool` when the store could
    /// not be reached), removing each once it is stored; a snapshot is never stored
    /// twice, even when a flush is repeated or runs twice at once.
    Flush {
        /// The spool directory.
        #[arg(long, value_name = "DIR", required = true)]
        spool: PathBuf,
    },
}

/// `portwarden store`.
pub fn store(a: &StoreCmdArgs) -> Result<ExitCode, Failure> {
    a.store.apply();
    match &a.command {
        StoreCommand::Info => {
            let loc = hist::location()?;
            let s = hist::open_rw()?;
            println!(
                "{}",
                ui::say(&portwarden_i18n::msg!(
                    "fleet-store-info",
                    location = portwarden_report::sanitize::terminal(&loc.shown()),
                    backend = s.backend(),
                    version = s.schema_version().to_string()
                ))
            );
            Ok(ExitCode::SUCCESS)
        }
        StoreCommand::Flush { spool } => flush(spool),
    }
}

fn read_spooled(p: &Path) -> Result<hist::Pending, String> {
    use std::io::Read;
    let meta = std::fs::symlink_metadata(p).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err(ui::say(&portwarden_i18n::Msg::new(
            "fleet-spool-not-a-file",
        )));
    }
    let mut text = String::new();
    std::fs::File::open(p)
        .and_then(|f| f.take(MAX_SPOOLED).read_to_string(&mut text))
        .map_err(|e| e.to_string())?;
    let v: hist::Pending = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    if v.uid.len() != 32 || !v.uid.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(ui::say(&portwarden_i18n::Msg::new("fleet-spool-bad-uid")));
    }
    Ok(v)
}

fn flush(dir: &Path) -> Result<ExitCode, Failure> {
    let shown = dir.display().to_string();
    let rd = std::fs::read_dir(dir)
        .map_err(|e| Failure::Usage(format!("{}: {e}", ui::one_line_error(&shown))))?;
    let mut files: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        println!(
            "{}",
            ui::say(&portwarden_i18n::msg!(
                "fleet-spool-empty",
                dir = shown.clone()
            ))
        );
        return Ok(ExitCode::SUCCESS);
    }
    let store = hist::open_rw()?;
    let (mut stored, mut left) = (0usize, 0usize);
    for f in &files {
        let name = ui::one_line_error(&f.display().to_string());
        match read_spooled(f) {
            Ok(p) => match store.save_snapshot(&p.new_snapshot()) {
                Ok(_) => {
                    // Stored (or already there): the file goes. A file that cannot be
                    // removed is stored again harmlessly by the next flush.
                    let _ = std::fs::remove_file(f);
                    stored += 1;
                }
                Err(e) => {
                    // The store went away mid-way: what is left stays for next time.
                    eprintln!(
                        "portwarden: {}",
                        ui::say(&portwarden_i18n::msg!(
                            "fleet-not-stored",
                            why = e.to_string()
                        ))
                    );
                    left += 1;
                }
            },
            Err(why) => {
                eprintln!(
                    "portwarden: {}",
                    ui::say(&portwarden_i18n::msg!(
                        "fleet-spool-bad-file",
                        path = name,
                        why = ui::one_line_error(&why)
                    ))
                );
                left += 1;
            }
        }
    }
    println!(
        "{}",
        ui::say(&portwarden_i18n::msg!(
            "fleet-flushed",
            stored = stored,
            left = left,
            dir = shown
        ))
    );
    Ok(if left == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
