//! Renderers for `close`, `open` and `actions`.

use crate::sanitize::terminal;
use crate::Style;
use portwarden_control::{Outcome, Plan, Reopened, Step};
use portwarden_i18n::msg;
use portwarden_store::{Action, State, Undo};

/// The plan, for a person to confirm.
pub fn plan(p: &Plan, st: &Style) -> String {
    plan_with(p, st, false)
}

/// The plan; with `force`, refusals that `--force` lifts are shown as overridden.
pub fn plan_with(p: &Plan, st: &Style, force: bool) -> String {
    let mut out = String::new();
    out.push_str(&st.bold(&format!(
        "{} {}/{} — {} {}{}\n",
        st.text("plan-plan-close"),
        p.port,
        p.transport,
        st.text("plan-by"),
        p.how.as_str(),
        if p.how_is_default {
            st.text("plan-default-the-least-destructive-step-that")
        } else {
            ""
        }
    )));
    if p.listeners.is_empty() {
        out.push_str(&format!(
            "  {}\n",
            st.text("plan-nothing-listens-on-it-now")
        ));
    }
    for l in &p.listeners {
        out.push_str(&format!("  {} {}\n", st.text("plan-listening-on"), l.local));
    }
    for o in &p.owners {
        out.push_str(&format!(
            "  {} {} ({}){}: {}\n",
            st.text("plan-owner"),
            o.pid,
            terminal(&o.name),
            o.unit
                .as_deref()
                .map(|u| format!(" [{}]", terminal(u)))
                .unwrap_or_default(),
            terminal(&o.cmdline)
        ));
    }
    if p.owners_hidden {
        out.push_str(&format!(
            "  {}\n",
            st.text("plan-some-owners-are-hidden-run-as")
        ));
    }
    out.push_str(&format!(
        "  {}: {}\n",
        st.text("plan-connected-clients-now"),
        p.clients.len()
    ));
    for c in p.clients.iter().take(10) {
        out.push_str(&format!("    {} -> {}\n", c.remote, c.local));
    }
    if p.clients.len() > 10 {
        out.push_str(&format!("    … {}\n", p.clients.len() - 10));
    }
    out.push_str(&format!("  {}:\n", st.text("plan-steps")));
    if p.steps.is_empty() {
        out.push_str(&format!("    {}\n", st.text("plan-nothing-to-do")));
    }
    for (i, s) in p.steps.iter().enumerate() {
        let line = match s {
            Step::Terminate { pid, name } => st.msg(&msg!(
                "plan-step-terminate",
                pid = pid.to_string(),
                name = terminal(name)
            )),
            Step::StopAndDisable { unit } => {
                let unit = terminal(unit);
                format!("systemctl stop {unit}; systemctl disable {unit}")
            }
            Step::AddRule { rule } => format!("nft add rule inet portwarden input {rule}"),
            Step::Persist { path } => st.msg(&msg!("plan-step-persist", path = terminal(path))),
            Step::Destroy { socket } => st.msg(&msg!(
                "plan-step-drop-connection",
                remote = socket.remote.to_string(),
                local = socket.local.to_string()
            )),
        };
        out.push_str(&format!("    {}. {}\n", i + 1, line));
    }
    for r in &p.refusals {
        let head = if force && r.overridable {
            st.paint("1;33", st.text("plan-overridden-by-force"))
        } else {
            st.paint("1;31", st.text("plan-refused"))
        };
        out.push_str(&format!(
            "  {} {}{}\n",
            head,
            terminal(&st.msg(&r.reason)),
            if r.overridable {
                ""
            } else {
                st.text("plan-cannot-be-overridden")
            }
        ));
    }
    out
}

/// What was done.
pub fn outcome(o: &Outcome, st: &Style) -> String {
    let mut out = String::new();
    for d in &o.done {
        out.push_str(&format!("  {}\n", terminal(&st.msg(d))));
    }
    if !o.already_closed {
        out.push_str(&format!(
            "{} #{} — {} `portwarden open`\n",
            st.text("plan-recorded-as-action"),
            o.action_id,
            st.text("plan-undo-with")
        ));
    }
    if !o.verified {
        out.push_str(st.text("plan-warning-the-port-still-answers"));
    }
    out
}

/// What `open` did.
pub fn reopened(r: &[Reopened], st: &Style) -> String {
    if r.is_empty() {
        return st
            .text("plan-portwarden-has-done-nothing-to-this")
            .to_string();
    }
    r.iter()
        .map(|x| format!("#{}: {}\n", x.action_id, terminal(&st.msg(&x.message))))
        .collect()
}

/// What `open --dry-run` would undo on one port: the journal's open actions, newest
/// first (what `open` undoes, in the order it does it).
pub fn undo_plan(port: u16, protocol: &str, list: &[Action], st: &Style) -> String {
    let mut out = st.bold(&format!(
        "{} {port}/{protocol}\n",
        st.text("plan-plan-open")
    ));
    if list.is_empty() {
        out.push_str(&format!(
            "  {}\n",
            st.text("plan-portwarden-has-done-nothing-to-this-2")
        ));
        return out;
    }
    for a in list {
        let what = match &a.undo {
            Undo::DeleteRule { comment, persisted } => {
                let rule = portwarden_control::nft::Tag::parse(comment).map_or_else(
                    || terminal(a.summary.trim_start_matches("firewall: ")),
                    |t| t.rule_text(),
                );
                match persisted.as_deref().map(terminal) {
                    None => st.msg(&msg!("plan-undo-delete-rule", rule = rule)),
                    Some(f) => st.msg(&msg!(
                        "plan-undo-delete-rule-and-rewrite",
                        rule = rule,
                        file = f
                    )),
                }
            }
            Undo::StartUnit { unit, was_enabled } => {
                let unit = terminal(unit);
                if *was_enabled {
                    format!("systemctl enable {unit}; systemctl start {unit}")
                } else {
                    format!("systemctl start {unit}")
                }
            }
            Undo::RemoveBlock { addr, .. } => format!("portwarden unblock {}", terminal(addr)),
            Undo::Irreversible { .. } => st.text("plan-undo-irreversible").to_string(),
        };
        out.push_str(&format!(
            "  #{} ({}, {}): {what}\n",
            a.id,
            terminal(&a.at),
            state(a.state, st)
        ));
    }
    out
}

/// A journal summary (written in English when the action was taken) in the reader's
/// language, for the shapes portwarden writes; anything else as it is.
fn summary(s: &str, lang: portwarden_kb::Lang) -> String {
    let m = if let Some(rule) = s.strip_prefix("firewall: ") {
        msg!("plan-summary-firewall", rule = rule)
    } else if let Some(unit) = s.strip_prefix("stopped and disabled ") {
        msg!("plan-summary-stopped-unit", unit = unit)
    } else if let Some((n, port)) = s
        .strip_prefix("stopped ")
        .and_then(|r| r.split_once(" process(es) owning "))
    {
        msg!("plan-summary-stopped-processes", count = n, port = port)
    } else if let Some((n, port)) = s
        .strip_prefix("dropped ")
        .and_then(|r| r.split_once(" connection(s) to "))
    {
        msg!("plan-summary-dropped", count = n, port = port)
    } else {
        return s.to_string();
    };
    portwarden_i18n::format(lang, &m)
}

/// An action's state, in the reader's language.
fn state(s: State, st: &Style) -> &'static str {
    match s {
        State::Pending => st.text("plan-pending"),
        State::Applied => st.text("plan-applied"),
        State::Failed => st.text("plan-failed"),
        State::Interrupted => st.text("plan-interrupted"),
    }
}

/// The journal as a table.
pub fn actions(list: &[Action], st: &Style) -> String {
    if list.is_empty() {
        return st.text("plan-the-journal-is-empty").to_string();
    }
    // Columns padded by display width, so Chinese headers and states stay aligned.
    let row = |cells: [&str; 7], what: &str| -> String {
        let widths = [4usize, 20, 8, 10, 11, 11, 20];
        let mut line = String::new();
        for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
            let pad = " ".repeat(w.saturating_sub(unicode_width::UnicodeWidthStr::width(*c)));
            if i == 0 {
                line.push_str(&pad);
                line.push_str(c);
            } else {
                line.push_str(c);
                line.push_str(&pad);
            }
            line.push_str("  ");
        }
        line.push_str(what);
        line.push('\n');
        line
    };
    let mut out = row(
        [
            "id",
            st.text("plan-when"),
            st.text("plan-user"),
            st.text("plan-port"),
            st.text("plan-how"),
            st.text("plan-state"),
            st.text("plan-undone"),
        ],
        st.text("plan-what"),
    );
    for a in list {
        let mut what = terminal(&summary(&a.summary, st.lang));
        if let Some(n) = &a.note {
            what.push_str(" — ");
            what.push_str(&terminal(n));
        }
        out.push_str(&row(
            [
                &a.id.to_string(),
                &terminal(&a.at),
                &terminal(&a.user),
                &format!("{}/{}", a.port, terminal(&a.protocol)),
                &terminal(&a.how),
                state(a.state, st),
                &terminal(a.undone_at.as_deref().unwrap_or("-")),
            ],
            &what,
        ));
    }
    out
}

#[cfg(test)]
mod zh_tests {
    use super::summary;

    fn summary_zh_(s: &str) -> String {
        summary(s, portwarden_kb::Lang::Zh)
    }

    #[test]
    fn journal_summaries_read_in_chinese() {
        assert_eq!(
            summary_zh_("firewall: meta l4proto tcp th dport 23 drop"),
            "防火墙：meta l4proto tcp th dport 23 drop"
        );
        assert_eq!(
            summary_zh_("stopped 2 process(es) owning 8080/tcp"),
            "已停止占用 8080/tcp 的 2 个进程"
        );
        assert_eq!(
            summary_zh_("dropped 3 connection(s) to 22/tcp"),
            "已断开到 22/tcp 的 3 个连接"
        );
        assert_eq!(
            summary_zh_("stopped and disabled x.service"),
            "已停止并禁用 x.service"
        );
        assert_eq!(summary_zh_("something else"), "something else");
        assert_eq!(
            summary("stopped and disabled x.service", portwarden_kb::Lang::En),
            "stopped and disabled x.service"
        );
    }
}

#[cfg(test)]
mod snapshots {
    use super::*;
    use portwarden_kb::Lang;
    use portwarden_sockets::{
        join, ProcTable, ProcessInfo, RawSocket, SockState, Source, Transport,
    };

    fn style(lang: Lang) -> Style {
        Style {
            lang,
            color: false,
            width: 100,
        }
    }

    fn listener(port: u16, inode: u64) -> RawSocket {
        RawSocket {
            transport: Transport::Tcp,
            local: format!("0.0.0.0:{port}")
                .parse()
                .unwrap_or_else(|_| unreachable!()),
            remote: "0.0.0.0:0".parse().unwrap_or_else(|_| unreachable!()),
            state: SockState::Listen,
            uid: 0,
            inode,
            recv_q: 0,
            send_q: 0,
            interface: 0,
        }
    }

    /// 2024 held by nobody visible (another PID namespace); 23 by inetd.
    fn plans() -> Vec<portwarden_control::Plan> {
        let mut p = ProcTable::default();
        p.by_inode.insert(23, vec![812]);
        p.processes.insert(
            812,
            ProcessInfo {
                pid: 812,
                name: "inetd".into(),
                cmdline: vec!["/usr/sbin/inetd".into()],
                ..Default::default()
            },
        );
        let inv = join(
            vec![listener(2024, 24), listener(23, 23)],
            Source::Fake,
            Some(p),
        );
        let ctx = portwarden_control::Context {
            nft: true,
            self_pid: 999,
            ..Default::default()
        };
        [2024, 23]
            .iter()
            .map(|&port| portwarden_control::plan(&inv, port, Transport::Tcp, None, &ctx))
            .collect()
    }

    fn journal() -> Vec<Action> {
        vec![Action {
            id: 7,
            at: "2026-12-03T09:00:00Z".into(),
            user: "root".into(),
            uid: 0,
            port: 23,
            protocol: "tcp".into(),
            how: "firewall".into(),
            summary: "firewall: meta l4proto tcp th dport 23 drop".into(),
            detail: serde_json::Value::Null,
            undo: Undo::DeleteRule {
                comment: "not-a-tag".into(),
                persisted: None,
            },
            undone_at: None,
            state: State::Applied,
            runner: None,
            note: None,
        }]
    }

    #[test]
    fn close_plans_and_open_dry_run_in_both_languages() {
        for (lang, name) in [(Lang::En, "en"), (Lang::Zh, "zh")] {
            let st = style(lang);
            let mut out: String = plans().iter().map(|p| plan(p, &st)).collect();
            out.push_str(&undo_plan(23, "tcp", &journal(), &st));
            out.push_str(&undo_plan(80, "tcp", &[], &st));
            out.push_str(&actions(&journal(), &st));
            insta::assert_snapshot!(format!("close_open_{name}"), out);
        }
    }
}
