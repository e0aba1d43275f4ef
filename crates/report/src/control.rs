//! Renderers for `close`, `open` and `actions`.

use crate::sanitize::terminal;
use crate::Style;
use portwarden_control::{Outcome, Plan, Reopened, Step};
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
        st.t("Plan: close", "计划：关闭"),
        p.port,
        p.transport,
        st.t("by", "方式"),
        p.how.as_str(),
        if p.how_is_default {
            st.t(
                " (default: the least destructive step that closes it from outside)",
                "（默认：从外部关闭它的最温和的方式）",
            )
        } else {
            ""
        }
    )));
    if p.listeners.is_empty() {
        out.push_str(&format!(
            "  {}\n",
            st.t("nothing listens on it now", "目前没有程序在监听它")
        ));
    }
    for l in &p.listeners {
        out.push_str(&format!(
            "  {} {}\n",
            st.t("listening on", "监听于"),
            l.local
        ));
    }
    for o in &p.owners {
        out.push_str(&format!(
            "  {} {} ({}){}: {}\n",
            st.t("owner", "所属进程"),
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
            st.t(
                "some owners are hidden: run as root to see them",
                "部分所属进程不可见：以 root 运行可看到"
            )
        ));
    }
    out.push_str(&format!(
        "  {}: {}\n",
        st.t("connected clients now", "当前已连接的客户端"),
        p.clients.len()
    ));
    for c in p.clients.iter().take(10) {
        out.push_str(&format!("    {} -> {}\n", c.remote, c.local));
    }
    if p.clients.len() > 10 {
        out.push_str(&format!("    … {}\n", p.clients.len() - 10));
    }
    out.push_str(&format!("  {}:\n", st.t("steps", "步骤")));
    if p.steps.is_empty() {
        out.push_str(&format!(
            "    {}\n",
            st.t("(nothing to do)", "（无需操作）")
        ));
    }
    let zh = st.lang == portwarden_kb::Lang::Zh;
    for (i, s) in p.steps.iter().enumerate() {
        let line = match (s, zh) {
            (Step::Terminate { pid, name }, false) => format!(
                "SIGTERM {pid} ({}), SIGKILL if it is still there after the timeout",
                terminal(name)
            ),
            (Step::Terminate { pid, name }, true) => format!(
                "向 {pid}（{}）发送 SIGTERM，超时后仍在则发送 SIGKILL",
                terminal(name)
            ),
            (Step::StopAndDisable { unit }, _) => {
                let unit = terminal(unit);
                format!("systemctl stop {unit}; systemctl disable {unit}")
            }
            (Step::AddRule { rule }, _) => format!("nft add rule inet portwarden input {rule}"),
            (Step::Persist { path }, false) => format!(
                "write {} and include it from /etc/nftables.conf",
                terminal(path)
            ),
            (Step::Persist { path }, true) => {
                format!("写入 {} 并在 /etc/nftables.conf 中引用它", terminal(path))
            }
            (Step::Destroy { socket }, false) => {
                format!("drop connection {} -> {}", socket.remote, socket.local)
            }
            (Step::Destroy { socket }, true) => {
                format!("断开连接 {} -> {}", socket.remote, socket.local)
            }
        };
        out.push_str(&format!("    {}. {}\n", i + 1, line));
    }
    for r in &p.refusals {
        let head = if force && r.overridable {
            st.paint(
                "1;33",
                st.t("overridden by --force:", "已用 --force 强制："),
            )
        } else {
            st.paint("1;31", st.t("refused:", "拒绝："))
        };
        out.push_str(&format!(
            "  {} {}{}\n",
            head,
            terminal(r.reason.get(zh)),
            if r.overridable {
                ""
            } else {
                st.t(" (cannot be overridden)", "（不可强制）")
            }
        ));
    }
    out
}

/// What was done.
pub fn outcome(o: &Outcome, st: &Style) -> String {
    let mut out = String::new();
    let zh = st.lang == portwarden_kb::Lang::Zh;
    for d in &o.done {
        out.push_str(&format!("  {}\n", terminal(d.get(zh))));
    }
    if !o.already_closed {
        out.push_str(&format!(
            "{} #{} — {} `portwarden open`\n",
            st.t("recorded as action", "已记录为操作"),
            o.action_id,
            st.t("undo with", "撤销请用")
        ));
    }
    if !o.verified {
        out.push_str(st.t("warning: the port still answers\n", "警告：端口仍有响应\n"));
    }
    out
}

/// What `open` did.
pub fn reopened(r: &[Reopened], st: &Style) -> String {
    if r.is_empty() {
        return st
            .t(
                "portwarden has done nothing to this port that could be undone\n",
                "portwarden 没有对这个端口做过可以撤销的操作\n",
            )
            .to_string();
    }
    let zh = st.lang == portwarden_kb::Lang::Zh;
    r.iter()
        .map(|x| format!("#{}: {}\n", x.action_id, terminal(x.message.get(zh))))
        .collect()
}

/// What `open --dry-run` would undo on one port: the journal's open actions, newest
/// first (what `open` undoes, in the order it does it).
pub fn undo_plan(port: u16, protocol: &str, list: &[Action], st: &Style) -> String {
    let mut out = st.bold(&format!(
        "{} {port}/{protocol}\n",
        st.t("Plan: open", "计划：重新打开")
    ));
    if list.is_empty() {
        out.push_str(&format!(
            "  {}\n",
            st.t(
                "portwarden has done nothing to this port that could be undone",
                "portwarden 没有对这个端口做过可以撤销的操作"
            )
        ));
        return out;
    }
    for a in list {
        let what = match (&a.undo, st.lang == portwarden_kb::Lang::Zh) {
            (Undo::DeleteRule { comment, persisted }, zh) => {
                let rule = portwarden_control::nft::Tag::parse(comment).map_or_else(
                    || terminal(a.summary.trim_start_matches("firewall: ")),
                    |t| t.rule_text(),
                );
                let boot = persisted.as_deref().map(terminal);
                match (zh, boot) {
                    (false, None) => format!("delete the firewall rule ({rule})"),
                    (false, Some(f)) => {
                        format!("delete the firewall rule ({rule}) and rewrite {f}")
                    }
                    (true, None) => format!("删除防火墙规则（{rule}）"),
                    (true, Some(f)) => format!("删除防火墙规则（{rule}）并重写 {f}"),
                }
            }
            (Undo::StartUnit { unit, was_enabled }, zh) => {
                let unit = terminal(unit);
                match (zh, was_enabled) {
                    (_, true) => format!("systemctl enable {unit}; systemctl start {unit}"),
                    (_, false) => format!("systemctl start {unit}"),
                }
            }
            (Undo::RemoveBlock { addr, .. }, _) => format!("portwarden unblock {}", terminal(addr)),
            (Undo::Irreversible { .. }, false) => {
                "nothing can be undone (a stopped process is not started again); the action is marked undone".to_string()
            }
            (Undo::Irreversible { .. }, true) => {
                "无法撤销（被停止的进程不会被重新启动）；该操作会被标记为已撤销".to_string()
            }
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

/// A journal summary (written in English when the action was taken) in Chinese, for the
/// shapes portwarden writes; anything else as it is.
fn summary_zh(s: &str) -> String {
    if let Some(rule) = s.strip_prefix("firewall: ") {
        return format!("防火墙：{rule}");
    }
    if let Some(unit) = s.strip_prefix("stopped and disabled ") {
        return format!("已停止并禁用 {unit}");
    }
    if let Some((n, port)) = s
        .strip_prefix("stopped ")
        .and_then(|r| r.split_once(" process(es) owning "))
    {
        return format!("已停止占用 {port} 的 {n} 个进程");
    }
    if let Some((n, port)) = s
        .strip_prefix("dropped ")
        .and_then(|r| r.split_once(" connection(s) to "))
    {
        return format!("已断开到 {port} 的 {n} 个连接");
    }
    s.to_string()
}

/// An action's state, in the reader's language.
fn state(s: State, st: &Style) -> &'static str {
    match s {
        State::Pending => st.t("pending", "进行中"),
        State::Applied => st.t("applied", "已生效"),
        State::Failed => st.t("failed", "失败"),
        State::Interrupted => st.t("interrupted", "已中断"),
    }
}

/// The journal as a table.
pub fn actions(list: &[Action], st: &Style) -> String {
    if list.is_empty() {
        return st.t("the journal is empty\n", "操作记录为空\n").to_string();
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
            st.t("when", "时间"),
            st.t("user", "用户"),
            st.t("port", "端口"),
            st.t("how", "方式"),
            st.t("state", "状态"),
            st.t("undone", "已撤销"),
        ],
        st.t("what", "内容"),
    );
    for a in list {
        let mut what = terminal(&if st.lang == portwarden_kb::Lang::Zh {
            summary_zh(&a.summary)
        } else {
            a.summary.clone()
        });
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
    use super::summary_zh;

    #[test]
    fn journal_summaries_read_in_chinese() {
        assert_eq!(
            summary_zh("firewall: meta l4proto tcp th dport 23 drop"),
            "防火墙：meta l4proto tcp th dport 23 drop"
        );
        assert_eq!(
            summary_zh("stopped 2 process(es) owning 8080/tcp"),
            "已停止占用 8080/tcp 的 2 个进程"
        );
        assert_eq!(
            summary_zh("dropped 3 connection(s) to 22/tcp"),
            "已断开到 22/tcp 的 3 个连接"
        );
        assert_eq!(
            summary_zh("stopped and disabled x.service"),
            "已停止并禁用 x.service"
        );
        assert_eq!(summary_zh("something else"), "something else");
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
