//! `portwarden audit`: the findings, for a person.

use crate::sanitize::terminal;
use crate::Style;
use portwarden_audit::{Audit, Kind};
use portwarden_kb::Risk;

fn kind_label(k: Kind, st: &Style) -> &'static str {
    match k {
        Kind::BackdoorPort => st.t("backdoor port", "木马/后门端口"),
        Kind::ExposedService => st.t("exposed service", "对外暴露的服务"),
        Kind::LocalService => st.t("local-only service", "仅本机可访问的服务"),
        Kind::UnknownListener => st.t("unknown listener", "未知的监听端口"),
        Kind::UnusualPort => st.t("service off its port", "服务不在其惯用端口"),
    }
}

/// Renders the audit as text.
pub fn text(a: &Audit, st: &Style) -> String {
    let mut out = String::new();
    let c = &a.counts;
    out.push_str(&st.bold(st.t("portwarden audit", "portwarden 安全检查")));
    out.push('\n');
    out.push_str(&format!(
        "{} {} · {} {} ({}: {}, {}: {}, {}: {}) · {} {}\n",
        c.sockets,
        st.t("sockets", "个套接字"),
        c.listening,
        st.t("listening", "个在监听"),
        st.t("all interfaces", "所有接口"),
        c.by_exposure.get("all").copied().unwrap_or(0),
        st.t("one address", "指定地址"),
        c.by_exposure.get("address").copied().unwrap_or(0),
        st.t("loopback", "本机回环"),
        c.by_exposure.get("loopback").copied().unwrap_or(0),
        c.established,
        st.t("established connections", "个已建立的连接"),
    ));
    out.push_str(&format!(
        "{}: {} {}, {} {}, {} {}\n",
        st.t("listeners by port class", "监听端口分类"),
        c.by_class.get("well-known").copied().unwrap_or(0),
        st.t("well-known", "公认"),
        c.by_class.get("registered").copied().unwrap_or(0),
        st.t("registered", "注册"),
        c.by_class.get("dynamic").copied().unwrap_or(0),
        st.t("dynamic", "动态"),
    ));
    let mut by_sev = [0usize; 5];
    for f in &a.findings {
        by_sev[f.severity as usize] += 1;
    }
    let summary: Vec<String> = Risk::ALL
        .iter()
        .rev()
        .filter(|r| by_sev[**r as usize] > 0)
        .map(|r| format!("{} {}", by_sev[*r as usize], st.risk(*r)))
        .collect();
    if a.findings.is_empty() {
        out.push_str(st.t(
            "\nNo findings: nothing risky is listening.\n",
            "\n没有发现问题：没有危险的端口在监听。\n",
        ));
    } else {
        out.push_str(&format!(
            "\n{} {}: {}\n",
            a.findings.len(),
            st.t("findings", "项发现"),
            summary.join(", ")
        ));
    }
    let width = if st.width == 0 { 100 } else { st.width };
    let width = width.saturating_sub(6).max(30);
    for (i, f) in a.findings.iter().enumerate() {
        let procs: Vec<String> = f
            .processes
            .iter()
            .map(|(pid, n)| format!("{pid}/{}", terminal(n)))
            .collect();
        let svc = f.service.clone().unwrap_or_else(|| "?".into());
        out.push_str(&format!(
            "\n{:>2}. [{}] {}/{} {} — {} ({})\n",
            i + 1,
            st.risk(f.severity),
            f.port,
            f.transport,
            st.bold(&svc),
            kind_label(f.kind, st),
            f.addresses.join(", ")
        ));
        let mut who = if procs.is_empty() {
            st.t("owner unknown", "所属进程未知").to_string()
        } else {
            procs.join(", ")
        };
        if !f.units.is_empty() {
            who.push_str(&format!(" [{}]", f.units.join(", ")));
        }
        out.push_str(&format!(
            "    {}: {}\n",
            st.dim(st.t("who", "进程")),
            terminal(&who)
        ));
        for (label, body) in [
            (st.t("why", "原因"), f.why.get(st.lang)),
            (st.t("do", "建议"), f.action.get(st.lang)),
        ] {
            for (j, line) in textwrap::wrap(body, width).iter().enumerate() {
                let l = if j == 0 {
                    format!("{label}: ")
                } else {
                    "     ".into()
                };
                out.push_str(&format!("    {}{}\n", st.dim(&l), line));
            }
        }
        out.push_str(&format!(
            "    {}: {}\n",
            st.dim(st.t("run", "命令")),
            f.command
        ));
    }
    if a.hidden_owners {
        out.push_str(st.t(
            "\nSome sockets belong to processes we may not inspect; run as root to see every owner.\n",
            "\n部分套接字属于无权查看的进程；以 root 运行可看到全部所属进程。\n",
        ));
    }
    out
}

/// Renders the audit as JSON.
pub fn json(a: &Audit) -> String {
    // Process names and command lines come from other programs: sanitised text only.
    let mut v = serde_json::to_value(a).unwrap_or_else(|_| serde_json::json!({}));
    crate::sanitize::json_strings(&mut v);
    serde_json::to_string_pretty(&v).unwrap_or_else(|_| "{}".into())
}
