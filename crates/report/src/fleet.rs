//! Renderers for `portwarden fleet`: the listeners of many hosts, the hosts by risk, and
//! what changed where. Text for people (every stored string — host names, programs,
//! products, ids — escaped for the terminal: they come from other machines) and JSON.
//! No I/O.

use crate::history::diff_text;
use crate::sanitize::terminal;
use crate::Style;
use portwarden_history::fleet::{FleetListener, HostChange, HostRisk};

fn host_label(host: &str, host_id: &str) -> String {
    let id: String = host_id.chars().take(12).collect();
    if id.is_empty() {
        terminal(host)
    } else {
        format!("{} [{}]", terminal(host), terminal(&id))
    }
}

/// The fleet's listeners, one line each.
pub fn listeners_text(rows: &[FleetListener], st: &Style) -> String {
    if rows.is_empty() {
        return format!("{}\n", st.text("fleet-no-listeners"));
    }
    let mut out = st.bold(&format!(
        "{:<34}  {:<10}  {:<9}  {:<18}  {:<16}  {}",
        st.text("fleet-col-host"),
        st.text("fleet-col-door"),
        st.text("fleet-col-exposure"),
        st.text("fleet-col-product"),
        st.text("fleet-col-program"),
        st.text("fleet-col-target"),
    ));
    out.push('\n');
    for r in rows {
        let l = &r.listener;
        out.push_str(&format!(
            "{:<34}  {:<10}  {:<9}  {:<18}  {:<16}  {}\n",
            host_label(&r.host, &r.host_id),
            format!("{}/{}", l.port, terminal(&l.proto)),
            terminal(&l.exposure),
            terminal(l.product.as_deref().unwrap_or("-")),
            terminal(l.program.as_deref().unwrap_or("-")),
            terminal(&r.target),
        ));
    }
    out.push_str(&st.msg(&portwarden_i18n::msg!(
        "fleet-listener-count",
        count = rows.len(),
        hosts = rows
            .iter()
            .map(|r| (&r.host_id, &r.host))
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    )));
    out.push('\n');
    out
}

/// JSON of any fleet answer.
pub fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| "[]".into())
}

/// The hosts, riskiest first.
pub fn hosts_text(rows: &[HostRisk], st: &Style) -> String {
    if rows.is_empty() {
        return format!("{}\n", st.text("fleet-no-hosts"));
    }
    let mut out = st.bold(&format!(
        "{:<34}  {:>6}  {:>9}  {:>7}  {:<24}  {}",
        st.text("fleet-col-host"),
        st.text("fleet-col-score"),
        st.text("fleet-col-listeners"),
        st.text("fleet-col-exposed"),
        st.text("fleet-col-findings"),
        st.text("fleet-col-when"),
    ));
    out.push('\n');
    for h in rows {
        let f = h.findings;
        out.push_str(&format!(
            "{:<34}  {:>6}  {:>9}  {:>7}  {:<24}  {}\n",
            host_label(&h.host, &h.host_id),
            h.score,
            h.listeners,
            h.exposed,
            format!("{}/{}/{}/{}/{}", f[0], f[1], f[2], f[3], f[4]),
            terminal(&h.at),
        ));
    }
    out.push_str(st.text("fleet-findings-legend"));
    out.push('\n');
    out
}

/// What changed where: one diff per host.
pub fn changes_text(rows: &[HostChange], st: &Style) -> String {
    if rows.is_empty() {
        return format!("{}\n", st.text("fleet-no-changes"));
    }
    let mut out = String::new();
    for c in rows {
        out.push_str(&st.bold(&format!("== {}", host_label(&c.host, &c.host_id))));
        out.push('\n');
        out.push_str(&diff_text(&c.diff, st));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use portwarden_history::Listener;

    #[test]
    fn hostile_names_are_escaped() {
        let st = Style::default();
        let rows = [FleetListener {
            host_id: "m\u{1b}[31m1".into(),
            host: "evil\u{1b}]0;pwned\u{7}".into(),
            target: "local".into(),
            snapshot: 1,
            at: "t".into(),
            listener: Listener {
                proto: "tcp".into(),
                port: 6379,
                exposure: "all".into(),
                product: Some("redis\u{202e}".into()),
                ..Listener::default()
            },
        }];
        let t = listeners_text(&rows, &st);
        assert!(
            !t.contains('\u{1b}') && !t.contains('\u{7}') && !t.contains('\u{202e}'),
            "{t:?}"
        );
        assert!(t.contains("6379/tcp"));
    }
}
