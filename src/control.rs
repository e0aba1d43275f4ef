//! `portwarden close`, `open` and `actions`.

use crate::cli::{ActionsArgs, CloseArgs, HowArg, OpenArgs};
use crate::ui::{self, Failure};
use portwarden_control::nft::PersistPaths;
use portwarden_control::{Context, How};
use portwarden_report::control as render;
use portwarden_report::sanitize::terminal;
use portwarden_store::{HostIdentity, Journal, Location, Store};
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

fn runtime(e: impl std::fmt::Display) -> Failure {
    Failure::Runtime(anyhow::anyhow!("{e}"))
}

/// Where the journal is.
pub fn store_path() -> Result<std::path::PathBuf, Failure> {
    crate::platform::store_path()
}

/// Where the journal is kept and who this host is in it: `--store` (or
/// `PORTWARDEN_STORE`; default: the local SQLite file) and `--host-id`.
#[derive(Debug, clap::Args, Clone, Default)]
pub struct JournalArgs {
    /// Where the journal is.
    #[command(flatten)]
    pub store: crate::history::StoreArgs,
    /// This machine's identity in a shared (PostgreSQL) journal (default:
    /// /etc/machine-id); its rows are the only ones this host reconciles and undoes.
    #[arg(long, value_name = "ID", env = "PORTWARDEN_HOST_ID", value_parser = crate::history::parse_host_id)]
    pub host_id: Option<String>,
}

impl JournalArgs {
    /// Where the journal is: `--store`, else the local SQLite file.
    pub fn location(&self) -> Result<Location, Failure> {
        match &self.store.store {
            Some(s) => Location::parse(s).map_err(|e| Failure::Usage(e.to_string())),
            None => Ok(Location::Sqlite(store_path()?)),
        }
    }

    /// This host, as a shared journal knows it.
    pub fn identity(&self) -> HostIdentity {
        HostIdentity {
            id: crate::history::host_id(self.host_id.as_deref()),
            name: crate::platform::hostname(),
        }
    }

    /// The location, checked: a shared journal needs this host's identity.
    fn checked(&self) -> Result<(Location, HostIdentity), Failure> {
        let loc = self.location()?;
        let me = self.identity();
        if matches!(loc, Location::Postgres(_)) && me.id.is_empty() {
            return Err(Failure::Usage(crate::ui::say(&portwarden_i18n::msg!(
                "journal-needs-host-id"
            ))));
        }
        Ok((loc, me))
    }

    /// The journal, opened for writing (created and migrated as needed). Not being able
    /// to open it is one line saying nothing was changed.
    pub fn open(&self) -> Result<Box<dyn Journal>, Failure> {
        let (loc, me) = self.checked()?;
        portwarden_store::open_journal(&loc, &me)
            .map_err(|e| runtime(format!("{e}; nothing was changed")))
    }

    /// The journal, read only: nothing is created or migrated; no journal is an empty
    /// one.
    pub fn open_read_only(&self) -> Result<Box<dyn Journal>, Failure> {
        let (loc, me) = self.checked()?;
        Ok(
            match portwarden_store::open_journal_read_only(&loc, &me).map_err(runtime)? {
                Some(j) => j,
                None => Box::new(Store::in_memory().map_err(runtime)?),
            },
        )
    }

    /// The journal opened for writing and reconciled with the firewall (the notes are
    /// handed back); what `close`, `open`, `watch --block`, `unblock` and `top` use.
    pub fn open_reconciled(
        &self,
        nft: bool,
    ) -> Result<(Box<dyn Journal>, Vec<portwarden_i18n::Msg>), Failure> {
        let j = self.open()?;
        let notes = portwarden_control::reconcile(&portwarden_control::native(), &*j, nft, true)
            .map_err(|e| runtime(format!("{e}; nothing was changed")))?;
        Ok((j, notes))
    }
}

/// The journal, opened for writing; its reconciliation with `inet portwarden` is printed.
fn store(
    j: &JournalArgs,
    nft: bool,
    style: &portwarden_report::Style,
) -> Result<Box<dyn Journal>, Failure> {
    let (store, notes) = j.open_reconciled(nft)?;
    print_notes(&notes, style);
    Ok(store)
}

fn print_notes(notes: &[portwarden_i18n::Msg], style: &portwarden_report::Style) {
    for n in notes {
        eprintln!("portwarden: {}", terminal(&style.msg(n)));
    }
}

/// Where `--persist` writes: `$PORTWARDEN_NFT_FILE` and `$PORTWARDEN_NFT_CONF` override
/// the defaults (packaging, tests).
pub fn persist_paths() -> PersistPaths {
    let mut p = PersistPaths::default();
    if let Some(f) = std::env::var("PORTWARDEN_NFT_FILE")
        .ok()
        .filter(|v| !v.is_empty())
    {
        p.file = f;
    }
    if let Some(f) = std::env::var("PORTWARDEN_NFT_CONF")
        .ok()
        .filter(|v| !v.is_empty())
    {
        p.main_conf = f;
    }
    p
}

fn context(a: &CloseArgs) -> Context {
    // Our pid, the SSH/RDP session, whether the firewall and the service manager can be
    // driven: the platform's; the rest is what the user asked.
    Context {
        named_pids: a.pid.clone(),
        force: a.force,
        persist: a.persist,
        reject: a.reject,
        persist_paths: persist_paths(),
        ..portwarden_control::native().context()
    }
}

/// Runs `close` over every port given. Every plan is shown first; when any is refused
/// nothing is done. Exit 0 when done (or a dry run), 1 when refused or not confirmed.
pub fn close(a: &CloseArgs) -> Result<ExitCode, Failure> {
    let style = ui::style(&a.style);
    in_reader_language(&style, "cli-close-failed", close_in(a, &style))
}

/// A runtime failure framed in the reader's language: in a language other than English
/// a line from the catalog says what did not happen (`what`, a message id) and whether
/// anything changed; the detail (from the OS, nft or the journal) follows as it came.
fn in_reader_language(
    style: &portwarden_report::Style,
    what: &'static str,
    r: Result<ExitCode, Failure>,
) -> Result<ExitCode, Failure> {
    match r {
        Err(Failure::Runtime(e)) if style.lang != portwarden_kb::Lang::En => {
            let detail = format!("{e:#}").replace("; nothing was changed", "");
            let unchanged = format!("{e:#}").contains("nothing was changed");
            Err(Failure::Runtime(anyhow::anyhow!(
                "{}",
                style.msg(&portwarden_i18n::msg!(
                    "cli-failed-framed",
                    what = portwarden_i18n::Msg::new(what),
                    unchanged = if unchanged {
                        portwarden_i18n::Arg::from(portwarden_i18n::Msg::new(
                            "cli-nothing-was-changed-aside",
                        ))
                    } else {
                        portwarden_i18n::Arg::from("")
                    },
                    detail = detail
                ))
            )))
        }
        other => other,
    }
}

fn close_in(a: &CloseArgs, style: &portwarden_report::Style) -> Result<ExitCode, Failure> {
    let style = *style;
    let how = a.how.map(|h| match h {
        HowArg::Kill => How::Kill,
        HowArg::Service => How::Service,
        HowArg::Firewall => How::Firewall,
        HowArg::Connections => How::Connections,
    });
    let ctx = context(a);
    let mut inv = portwarden_sockets::collect(
        &*portwarden_sockets::native(&portwarden_sockets::Options::default()),
        &portwarden_sockets::Request::default(),
    )
    .map_err(|e| Failure::Runtime(anyhow::anyhow!(e)))?;
    portwarden_control::attach_services(&mut inv, portwarden_control::native().services);
    let targets = crate::cli::flatten(&a.targets);
    let plans: Vec<portwarden_control::Plan> = targets
        .iter()
        .map(|t| portwarden_control::plan(&inv, t.port, t.transport, how, &ctx))
        .collect();
    let allowed = plans.iter().all(|p| p.allowed(ctx.force));
    if a.json && (a.dry_run || !allowed) {
        let each: Vec<serde_json::Value> = plans
            .iter()
            .map(|p| serde_json::json!({ "plan": p, "allowed": p.allowed(ctx.force), "dry_run": a.dry_run }))
            .collect();
        println!("{}", one_or_many(each));
    } else if !a.json {
        for p in &plans {
            print!("{}", render::plan_with(p, &style, ctx.force));
        }
    }
    if !allowed {
        let overridable = plans
            .iter()
            .flat_map(|p| &p.refusals)
            .all(|r| r.overridable);
        eprintln!(
            "portwarden: {}",
            if overridable && !ctx.force {
                style.text("cli-control-refused-nothing-was-changed-read-the")
            } else {
                style.text("cli-control-refused-nothing-was-changed")
            }
        );
        return Ok(ExitCode::from(1));
    }
    if a.dry_run {
        if !a.json {
            println!("{}", style.text("cli-control-dry-run-nothing-was-changed"));
        }
        return Ok(ExitCode::SUCCESS);
    }
    if !a.yes {
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            eprintln!(
                "portwarden: {}",
                style.text("cli-control-no-terminal-to-confirm-on-re")
            );
            return Ok(ExitCode::from(1));
        }
        print!("{} ", style.text("cli-control-proceed-y-n"));
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        let _ = stdin.lock().read_line(&mut line);
        if !matches!(line.trim().to_lowercase().as_str(), "y" | "yes" | "是") {
            println!("{}", style.text("cli-control-nothing-was-changed"));
            return Ok(ExitCode::from(1));
        }
    }
    let store = store(&a.journal, ctx.nft, &style)?;
    let mut outcomes = Vec::new();
    for plan in &plans {
        let done = portwarden_control::execute(
            plan,
            &ctx,
            &portwarden_control::native(),
            &*store,
            a.timeout,
        );
        let out = match done {
            Ok(out) => out,
            Err(e) => {
                // What was done before this port stays done and journalled; say so.
                let before = if outcomes.is_empty() {
                    String::new()
                } else {
                    format!(
                        " ({} {})",
                        style.text("cli-control-ports-done-before-it-stay-closed"),
                        plans[..outcomes.len()]
                            .iter()
                            .map(|p| format!("{}/{}", p.port, p.transport))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                return Err(match e {
                    portwarden_control::Error::Refused(m) => Failure::Usage(m),
                    e @ portwarden_control::Error::Store(_) => {
                        runtime(format!("{e}; nothing was changed{before}"))
                    }
                    other => runtime(format!("{other}{before}")),
                });
            }
        };
        if !a.json {
            print!("{}", render::outcome(&out, &style));
        }
        outcomes.push(serde_json::json!({ "plan": plan, "outcome": out }));
    }
    if a.json {
        println!("{}", one_or_many(outcomes));
    }
    Ok(ExitCode::SUCCESS)
}

/// One port's JSON object as it always was; several ports as an array of them.
fn one_or_many(mut v: Vec<serde_json::Value>) -> serde_json::Value {
    if v.len() == 1 {
        v.remove(0)
    } else {
        serde_json::Value::Array(v)
    }
}

/// Runs `open` over every port given; with `--dry-run`, shows what would be undone from
/// the journal (read only) and changes nothing.
pub fn open(a: &OpenArgs) -> Result<ExitCode, Failure> {
    let style = ui::style(&a.style);
    in_reader_language(&style, "cli-open-failed", open_in(a, &style))
}

fn open_in(a: &OpenArgs, style: &portwarden_report::Style) -> Result<ExitCode, Failure> {
    let style = *style;
    let targets = crate::cli::flatten(&a.targets);
    if a.dry_run {
        // Read-only, as `actions`: nothing is created, migrated or reconciled.
        let store = a.journal.open_read_only()?;
        let mut json = Vec::new();
        let mut any = false;
        for t in &targets {
            let list = store
                .open_actions(t.port, t.transport.as_str())
                .map_err(runtime)?;
            any |= !list.is_empty();
            if a.json {
                json.push(serde_json::json!({
                    "port": t.port,
                    "protocol": t.transport.as_str(),
                    "would_undo": list,
                    "dry_run": true,
                }));
            } else {
                print!(
                    "{}",
                    render::undo_plan(t.port, t.transport.as_str(), &list, &style)
                );
            }
        }
        if a.json {
            println!("{}", one_or_many(json));
        } else {
            println!("{}", style.text("cli-control-dry-run-nothing-was-changed"));
        }
        return Ok(if any {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    let nft = portwarden_control::native().firewall.available();
    let store = store(&a.journal, nft, &style)?;
    let mut all = Vec::new();
    for t in &targets {
        let done = portwarden_control::undo(
            t.port,
            t.transport,
            &portwarden_control::native(),
            &*store,
            &persist_paths(),
            nft,
        )
        .map_err(runtime)?;
        if !a.json {
            if targets.len() > 1 {
                print!("{}/{}: ", t.port, t.transport);
            }
            print!("{}", render::reopened(&done, &style));
        }
        all.extend(done);
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&all).unwrap_or_default());
    }
    Ok(if all.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Runs `actions`.
pub fn actions(a: &ActionsArgs) -> Result<ExitCode, Failure> {
    let style = ui::style(&a.style);
    in_reader_language(&style, "cli-actions-failed", actions_in(a, &style))
}

fn actions_in(a: &ActionsArgs, style: &portwarden_report::Style) -> Result<ExitCode, Failure> {
    let style = *style;
    // Read-only: nothing is created or migrated; no journal is an empty one.
    let store = a.journal.open_read_only()?;
    let nft = portwarden_control::native().firewall.available();
    let notes = portwarden_control::reconcile(&portwarden_control::native(), &*store, nft, false)
        .map_err(runtime)?;
    print_notes(&notes, &style);
    if a.all_hosts {
        return all_hosts(a, &*store, &style);
    }
    let list = store.actions().map_err(runtime)?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&list).unwrap_or_default()
        );
    } else {
        print!("{}", render::actions(&list, &style));
    }
    Ok(ExitCode::SUCCESS)
}

/// `actions --all-hosts`: every host's actions in a shared journal, by host (a local
/// journal holds this host's only).
fn all_hosts(
    a: &ActionsArgs,
    store: &dyn Journal,
    style: &portwarden_report::Style,
) -> Result<ExitCode, Failure> {
    let me = a.journal.identity();
    let mut list = store.all_hosts().map_err(runtime)?;
    for h in list.iter_mut().filter(|h| h.host_id.is_empty()) {
        h.host_id.clone_from(&me.id);
        h.host.clone_from(&me.name);
    }
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&list).unwrap_or_default()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut i = 0;
    while i < list.len() {
        let id = list[i].host_id.clone();
        let n = list[i..].iter().take_while(|h| h.host_id == id).count();
        let of: Vec<portwarden_store::Action> =
            list[i..i + n].iter().map(|h| h.action.clone()).collect();
        println!(
            "{}",
            terminal(&style.msg(&portwarden_i18n::msg!(
                "journal-host-header",
                host = list[i].host.clone(),
                id = id.clone(),
                count = n.to_string(),
                mine = if id == me.id { "yes" } else { "no" }
            )))
        );
        print!("{}", render::actions(&of, style));
        i += n;
    }
    if list.is_empty() {
        print!("{}", render::actions(&[], style));
    }
    Ok(ExitCode::SUCCESS)
}
