//! `portwarden close`, `open` and `actions`.

use crate::cli::{ActionsArgs, CloseArgs, HowArg, OpenArgs};
use crate::ui::{self, Failure};
use portwarden_control::nft::PersistPaths;
use portwarden_control::{Context, How};
use portwarden_report::control as render;
use portwarden_report::sanitize::terminal;
use portwarden_store::Store;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

fn runtime(e: impl std::fmt::Display) -> Failure {
    Failure::Runtime(anyhow::anyhow!("{e}"))
}

/// Where the journal is.
pub fn store_path() -> Result<std::path::PathBuf, Failure> {
    let is_root = nix::unistd::geteuid().is_root();
    portwarden_store::default_path(&|k| std::env::var(k).ok(), is_root).map_err(runtime)
}

/// The journal, opened for writing; its reconciliation with `inet portwarden` is printed.
fn store(nft: bool) -> Result<Store, Failure> {
    let store =
        Store::open(&store_path()?).map_err(|e| runtime(format!("{e}; nothing was changed")))?;
    let notes = portwarden_control::reconcile(&portwarden_control::linux::Linux, &store, nft, true)
        .map_err(|e| runtime(format!("{e}; nothing was changed")))?;
    print_notes(&notes);
    Ok(store)
}

fn print_notes(notes: &[String]) {
    for n in notes {
        eprintln!("portwarden: {}", terminal(n));
    }
}

/// Where `--persist` writes: `$PORTWARDEN_NFT_FILE` and `$PORTWARDEN_NFT_CONF` override
/// the defaults (packaging, tests).
fn persist_paths() -> PersistPaths {
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
    Context {
        self_pid: std::process::id(),
        ssh: std::env::var("SSH_CONNECTION")
            .ok()
            .and_then(|s| portwarden_control::parse_ssh_connection(&s)),
        systemd: portwarden_control::linux::systemd_is_init(),
        nft: portwarden_control::linux::nft_available(),
        named_pids: a.pid.clone(),
        force: a.force,
        persist: a.persist,
        reject: a.reject,
        persist_paths: persist_paths(),
    }
}

/// Runs `close`. Exit 0 when done (or a dry run), 1 when refused or not confirmed.
pub fn close(a: &CloseArgs) -> Result<ExitCode, Failure> {
    let style = ui::style(&a.style);
    let how = a.how.map(|h| match h {
        HowArg::Kill => How::Kill,
        HowArg::Service => How::Service,
        HowArg::Firewall => How::Firewall,
        HowArg::Connections => How::Connections,
    });
    let ctx = context(a);
    let inv = portwarden_sockets::collect(
        &portwarden_sockets::linux::Linux::default(),
        &portwarden_sockets::Request::default(),
    )
    .map_err(|e| Failure::Runtime(anyhow::anyhow!(e)))?;
    let plan = portwarden_control::plan(&inv, a.target.port, a.target.transport, how, &ctx);
    if a.json && (a.dry_run || !plan.allowed(ctx.force)) {
        println!(
            "{}",
            serde_json::json!({ "plan": plan, "allowed": plan.allowed(ctx.force), "dry_run": a.dry_run })
        );
    } else if !a.json {
        print!("{}", render::plan(&plan, &style));
    }
    if !plan.allowed(ctx.force) {
        eprintln!(
            "portwarden: {}",
            style.t("refused; nothing was changed", "已拒绝；没有做任何更改")
        );
        return Ok(ExitCode::from(1));
    }
    if a.dry_run {
        if !a.json {
            println!(
                "{}",
                style.t("dry run: nothing was changed", "演练：没有做任何更改")
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    if !a.yes {
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            eprintln!(
                "portwarden: {}",
                style.t(
                    "no terminal to confirm on; re-run with --yes to carry out this plan",
                    "没有终端可以确认；如要执行此计划请加 --yes 重新运行"
                )
            );
            return Ok(ExitCode::from(1));
        }
        print!("{} ", style.t("Proceed? [y/N]", "确定执行吗？[y/N]"));
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        let _ = stdin.lock().read_line(&mut line);
        if !matches!(line.trim().to_lowercase().as_str(), "y" | "yes" | "是") {
            println!("{}", style.t("nothing was changed", "没有做任何更改"));
            return Ok(ExitCode::from(1));
        }
    }
    let store = store(ctx.nft)?;
    let out = portwarden_control::execute(
        &plan,
        &ctx,
        &portwarden_control::linux::Linux,
        &store,
        Duration::from_secs_f64(a.timeout),
    )
    .map_err(|e| match e {
        portwarden_control::Error::Refused(m) => Failure::Usage(m),
        e @ portwarden_control::Error::Store(_) => runtime(format!("{e}; nothing was changed")),
        other => runtime(other),
    })?;
    if a.json {
        println!("{}", serde_json::json!({ "plan": plan, "outcome": out }));
    } else {
        print!("{}", render::outcome(&out, &style));
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `open`.
pub fn open(a: &OpenArgs) -> Result<ExitCode, Failure> {
    let style = ui::style(&a.style);
    let nft = portwarden_control::linux::nft_available();
    let store = store(nft)?;
    let done = portwarden_control::undo(
        a.target.port,
        a.target.transport,
        &portwarden_control::linux::Linux,
        &store,
        &persist_paths(),
        nft,
    )
    .map_err(runtime)?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&done).unwrap_or_default()
        );
    } else {
        print!("{}", render::reopened(&done, &style));
    }
    Ok(if done.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Runs `actions`.
pub fn actions(a: &ActionsArgs) -> Result<ExitCode, Failure> {
    let style = ui::style(&a.style);
    // Read-only: nothing is created or migrated; no journal is an empty one.
    let store = match Store::open_read_only(&store_path()?).map_err(runtime)? {
        Some(s) => s,
        None => Store::in_memory().map_err(runtime)?,
    };
    let nft = portwarden_control::linux::nft_available();
    let notes =
        portwarden_control::reconcile(&portwarden_control::linux::Linux, &store, nft, false)
            .map_err(runtime)?;
    print_notes(&notes);
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
