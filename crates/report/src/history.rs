//! Renderers for `history`, `diff` and `baseline list`: text for people (every stored
//! string escaped for the terminal: program names, hostnames and products come from
//! the machine or from a scanned host) and JSON. No I/O.

use crate::sanitize::terminal;
use crate::Style;
use portwarden_history::diff::{Diff, Section, Sign};
use portwarden_store::{Acceptance, SnapshotRow};

/// The list of snapshots.
pub fn list_text(rows: &[SnapshotRow], st: &Style) -> String {
    if rows.is_empty() {
        return format!("{}\n", st.text("history-no-snapshots-yet-audit-saves-one"));
    }
    let mut out = st.bold(&format!(
        "{:>5}  {:<20}  {:<5}  {:<20}  {:>9}  {:>8}  {}",
        "id",
        st.text("history-time"),
        st.text("history-kind"),
        st.text("history-target"),
        st.text("history-listeners"),
        st.text("history-findings"),
        st.text("history-host"),
    ));
    out.push('\n');
    for r in rows {
        out.push_str(&format!(
            "{:>5}  {:<20}  {:<5}  {:<20}  {:>9}  {:>8}  {}\n",
            r.id,
            terminal(&r.at),
            terminal(&r.kind),
            terminal(&r.target),
            r.listeners,
            r.findings,
            terminal(&r.host),
        ));
    }
    out
}

/// The list of snapshots as JSON.
pub fn list_json(rows: &[SnapshotRow]) -> String {
    serde_json::to_string_pretty(rows).unwrap_or_else(|_| "[]".into())
}

fn side(st: &Style, m: &portwarden_history::Meta) -> String {
    let what = if m.id > 0 {
        format!("#{}", m.id)
    } else {
        terminal(&m.command)
    };
    format!(
        "{what} {} {} {} {}",
        m.kind.as_str(),
        terminal(&m.target),
        st.text("history-at"),
        terminal(&m.at)
    )
}

fn section_word(s: Section, st: &Style) -> &'static str {
    match s {
        Section::Listener => st.text("history-listener"),
        Section::Finding => st.text("history-finding"),
        Section::Host => st.text("history-host"),
        Section::Port => st.text("history-port"),
    }
}

/// The diff, ndiff-style: a header, then one line per item with `+`, `-` or `~`.
pub fn diff_text(d: &Diff, st: &Style) -> String {
    let mut out = String::new();
    out.push_str(&format!("- {}\n", side(st, &d.old)));
    out.push_str(&format!("+ {}\n", side(st, &d.new)));
    if d.is_empty() {
        out.push_str(st.text("history-no-changes"));
        return out;
    }
    out.push('\n');
    for i in &d.items {
        let key = match &i.host {
            Some(h) => format!("{} {}", terminal(h), terminal(&i.key)),
            None => terminal(&i.key),
        };
        let line = format!(
            "{} {:<8} {}  {}",
            i.sign.symbol(),
            section_word(i.section, st),
            key,
            terminal(&i.label)
        );
        let code = match i.sign {
            Sign::Added => "32",
            Sign::Removed => "31",
            Sign::Changed => "33",
        };
        out.push_str(&st.paint(code, &line));
        out.push('\n');
        for f in &i.fields {
            let blank = st.text("history-none");
            // Values that are our own words (exposure, severity, state) read in the
            // user's language; names and versions stay as they are.
            let value = |v: &str| {
                if v.is_empty() {
                    blank.to_string()
                } else {
                    terminal(&st.msg(&portwarden_i18n::msg!("history-value", value = v)))
                }
            };
            let (old, new) = (value(&f.old), value(&f.new));
            let name = st.msg(&portwarden_i18n::msg!("history-field", name = f.name));
            out.push_str(&format!("    {name}: {old} → {new}\n"));
        }
    }
    let count = |s: Sign| d.items.iter().filter(|i| i.sign == s).count();
    out.push_str(&format!(
        "\n{} {}, {} {}, {} {}\n",
        count(Sign::Added),
        st.text("history-new"),
        count(Sign::Removed),
        st.text("history-gone"),
        count(Sign::Changed),
        st.text("history-changed"),
    ));
    out
}

/// The diff as JSON.
pub fn diff_json(d: &Diff) -> String {
    serde_json::to_string_pretty(d).unwrap_or_else(|_| "{}".into())
}

/// The baseline, for `baseline list`. `now` decides which acceptances expired.
pub fn baseline_text(rows: &[Acceptance], now: i64, st: &Style) -> String {
    if rows.is_empty() {
        return format!("{}\n", st.text("history-the-baseline-is-empty-accept-a"));
    }
    let mut out = String::new();
    for r in rows {
        let expiry = match r.expires_unix {
            None => st.text("history-never-expires").to_string(),
            Some(e) if e <= now => st.paint(
                "1;31",
                &format!(
                    "{} {}",
                    st.text("history-expired"),
                    portwarden_history::when::rfc3339(u64::try_from(e).unwrap_or(0))
                ),
            ),
            Some(e) => format!(
                "{} {}",
                st.text("history-expires"),
                portwarden_history::when::rfc3339(u64::try_from(e).unwrap_or(0))
            ),
        };
        out.push_str(&format!(
            "#{:<4} {:<32} {}  {} {} {}\n      {}\n",
            r.id,
            terminal(&r.key),
            expiry,
            st.text("history-by"),
            terminal(&r.user),
            terminal(&r.at),
            terminal(&r.reason)
        ));
    }
    out
}

/// The baseline as JSON.
pub fn baseline_json(rows: &[Acceptance]) -> String {
    serde_json::to_string_pretty(rows).unwrap_or_else(|_| "[]".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use portwarden_history::{Body, Kind, Listener, Meta};

    fn meta(id: i64) -> Meta {
        Meta {
            id,
            at: "2026-12-03T09:00:00Z".into(),
            host: "h".into(),
            command: "portwarden audit".into(),
            kind: Kind::Audit,
            target: "local".into(),
        }
    }

    fn row(id: i64, kind: &str) -> SnapshotRow {
        SnapshotRow {
            id,
            at: format!("2026-12-0{id}T09:00:00Z"),
            at_unix: 1_796_000_000 + id,
            host: "h".into(),
            command: format!("portwarden {kind}"),
            kind: kind.into(),
            target: "local".into(),
            listeners: 3,
            findings: id,
            ..SnapshotRow::default()
        }
    }

    fn acceptance(id: i64, expires: Option<i64>) -> Acceptance {
        Acceptance {
            id,
            at: "2026-12-01T09:00:00Z".into(),
            user: "root".into(),
            key: format!("exposed-service:tcp/{}", 6379 + id),
            reason: "cache for the app servers".into(),
            expires_unix: expires,
            seen: None,
            revoked_at: None,
        }
    }

    #[test]
    fn history_snapshots_in_both_languages() {
        let old = Body {
            listeners: vec![Listener {
                proto: "tcp".into(),
                port: 22,
                exposure: "all".into(),
                program: Some("sshd".into()),
                ..Listener::default()
            }],
            ..Body::default()
        };
        let new = Body {
            listeners: vec![
                Listener {
                    proto: "tcp".into(),
                    port: 22,
                    exposure: "loopback".into(),
                    program: Some("sshd".into()),
                    ..Listener::default()
                },
                Listener {
                    proto: "udp".into(),
                    port: 161,
                    exposure: "all".into(),
                    program: Some("snmpd".into()),
                    ..Listener::default()
                },
            ],
            ..Body::default()
        };
        let d = portwarden_history::diff::diff(&meta(1), &old, &meta(2), &new);
        let same = portwarden_history::diff::diff(&meta(1), &old, &meta(2), &old);
        let rows = [row(1, "audit"), row(2, "ls")];
        let accepted = [
            acceptance(1, None),
            acceptance(2, Some(1_700_000_000)),
            acceptance(3, Some(1_900_000_000)),
        ];
        for (lang, name) in [
            (portwarden_kb::Lang::En, "history_en"),
            (portwarden_kb::Lang::Zh, "history_zh"),
        ] {
            let st = Style {
                lang,
                ..Style::default()
            };
            let mut out = list_text(&rows, &st);
            out.push_str(&list_text(&[], &st));
            out.push_str(&diff_text(&d, &st));
            out.push_str(&diff_text(&same, &st));
            out.push_str(&baseline_text(&accepted, 1_800_000_000, &st));
            out.push_str(&baseline_text(&[], 1_800_000_000, &st));
            insta::assert_snapshot!(name, out);
        }
    }

    #[test]
    fn diff_lines_escape_hostile_names() {
        let new = Body {
            listeners: vec![Listener {
                proto: "tcp".into(),
                port: 8080,
                exposure: "all".into(),
                program: Some("evil\u{1b}[2J\u{202e}".into()),
                ..Listener::default()
            }],
            ..Body::default()
        };
        let d = portwarden_history::diff::diff(&meta(1), &Body::default(), &meta(2), &new);
        let t = diff_text(&d, &Style::default());
        assert!(t.contains("+ listener tcp/8080"), "{t}");
        assert!(!t.contains('\u{1b}') && !t.contains('\u{202e}'), "{t}");
        assert!(t.contains("1 new, 0 gone, 0 changed"));
        let j: serde_json::Value = serde_json::from_str(&diff_json(&d)).expect("json");
        assert_eq!(j["items"][0]["sign"], "added");
        let same = portwarden_history::diff::diff(&meta(1), &new, &meta(2), &new);
        assert!(diff_text(&same, &Style::default()).contains("No changes."));
    }
}
