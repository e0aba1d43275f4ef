//! Renderers for `close`, `open` and `actions`.

use crate::sanitize::terminal;
use crate::Style;
use portwarden_control::{Outcome, Plan, Reopened, Step};
use portwarden_store::Action;

/// The plan, for a person to confirm.
pub fn plan(p: &Plan, st: &Style) -> String {
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
    for (i, s) in p.steps.iter().enumerate() {
        let line = match s {
            Step::Terminate { pid, name } => format!(
                "SIGTERM {pid} ({}), SIGKILL if it is still there after the timeout",
                terminal(name)
            ),
            Step::StopAndDisable { unit } => {
                format!("systemctl stop {unit}; systemctl disable {unit}")
            }
            Step::AddRule { rule } => format!("nft add rule inet portwarden input {rule}"),
            Step::Persist { path } => {
                format!("write {path} and include it from /etc/nftables.conf")
            }
            Step::Destroy { socket } => {
                format!("drop connection {} -> {}", socket.remote, socket.local)
            }
        };
        out.push_str(&format!("    {}. {}\n", i + 1, line));
    }
    for r in &p.refusals {
        out.push_str(&format!(
            "  {} {}{}\n",
            st.paint("1;31", st.t("refused:", "拒绝：")),
            r.reason,
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
    for d in &o.done {
        out.push_str(&format!("  {d}\n"));
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
    r.iter()
        .map(|x| format!("#{}: {}\n", x.action_id, terminal(&x.message)))
        .collect()
}

/// The journal as a table.
pub fn actions(list: &[Action], st: &Style) -> String {
    if list.is_empty() {
        return st.t("the journal is empty\n", "操作记录为空\n").to_string();
    }
    let mut out = format!(
        "{:>4}  {:<20}  {:<8}  {:<10}  {:<11}  {:<11}  {:<20}  {}\n",
        "id",
        st.t("when", "时间"),
        st.t("user", "用户"),
        st.t("port", "端口"),
        st.t("how", "方式"),
        st.t("state", "状态"),
        st.t("undone", "已撤销"),
        st.t("what", "内容")
    );
    for a in list {
        let mut what = terminal(&a.summary);
        if let Some(n) = &a.note {
            what.push_str(" — ");
            what.push_str(&terminal(n));
        }
        out.push_str(&format!(
            "{:>4}  {:<20}  {:<8}  {:<10}  {:<11}  {:<11}  {:<20}  {}\n",
            a.id,
            terminal(&a.at),
            terminal(&a.user),
            format!("{}/{}", a.port, terminal(&a.protocol)),
            terminal(&a.how),
            a.state.as_str(),
            terminal(a.undone_at.as_deref().unwrap_or("-")),
            what
        ));
    }
    out
}
