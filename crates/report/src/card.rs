//! The `lookup` card: everything known about one port, for a person to read.

use crate::sanitize::terminal;
use crate::Style;
use portwarden_i18n::msg;
use portwarden_kb::{PortCard, Protocol, Status};
use unicode_width::UnicodeWidthStr;

fn pad(label: &str, width: usize) -> String {
    let w = UnicodeWidthStr::width(label);
    format!("{label}{}", " ".repeat(width.saturating_sub(w)))
}

/// Adds one labelled, wrapped field to `out`.
fn field(out: &mut String, st: &Style, label: &str, value: &str) {
    const LABEL: usize = 14;
    let value = terminal(value);
    if value.trim().is_empty() {
        return;
    }
    let width = if st.width == 0 { 100 } else { st.width };
    let avail = width.saturating_sub(LABEL + 2).max(30);
    let lines = textwrap::wrap(&value, avail);
    for (i, line) in lines.iter().enumerate() {
        let l = if i == 0 {
            pad(label, LABEL)
        } else {
            " ".repeat(LABEL)
        };
        out.push_str(&format!("  {}{}\n", st.dim(&l), line));
    }
}

/// `name` followed by `detail` between `open` and `close`, or `name` alone when the
/// registry gives no detail (or repeats the name).
fn with_detail(name: &str, detail: &str, open: &str, close: &str) -> String {
    let d = detail.trim();
    if d.is_empty() || d.eq_ignore_ascii_case(name) {
        name.to_string()
    } else {
        format!("{name}{open}{d}{close}")
    }
}

/// Renders one card.
pub fn render(c: &PortCard, st: &Style) -> String {
    let lang = st.lang;
    let mut out = String::new();
    let proto = c.protocol.map(|p| format!("/{p}")).unwrap_or_default();
    let head_name = c
        .security
        .first()
        .map(|e| e.title.get(lang).to_string())
        .or_else(|| {
            c.registry
                .iter()
                .find(|r| r.status == Status::Assigned)
                .map(|r| with_detail(r.service, r.description, " — ", ""))
        })
        .unwrap_or_else(|| st.text("card-unassigned").to_string());
    let risk = c
        .risk()
        .map(|r| format!("  [{}]", st.risk(r)))
        .unwrap_or_default();
    out.push_str(&format!(
        "{}  {}{}\n",
        st.bold(&format!("{}{}", c.port, proto)),
        st.bold(&terminal(&head_name)),
        risk
    ));
    let mut class = c.class.label(lang).to_string();
    if let (Some(inside), Some(r)) = (c.in_ephemeral_range, c.ephemeral_range) {
        let dynamic = c.class == portwarden_kb::PortClass::Dynamic;
        if inside {
            class.push_str(&st.msg(&msg!(
                "card-inside-ephemeral-range",
                start = r.start.to_string(),
                end = r.end.to_string()
            )));
        } else if dynamic && r.differs_from_iana() {
            class.push_str(&st.msg(&msg!(
                "card-ephemeral-range-differs",
                start = r.start.to_string(),
                end = r.end.to_string()
            )));
        }
    }
    field(&mut out, st, st.text("card-class"), &class);
    // IANA names per protocol.
    let mut iana = Vec::new();
    for p in Protocol::ALL {
        let names: Vec<String> = c
            .registry
            .iter()
            .filter(|r| r.protocol == Some(p))
            .map(|r| match r.status {
                Status::Assigned => {
                    let range = match (r.start, r.end) {
                        (Some(a), Some(b)) if a != b => format!(" [{a}-{b}]"),
                        _ => String::new(),
                    };
                    format!(
                        "{}{range}",
                        with_detail(r.service, r.description, " (", ")")
                    )
                }
                _ => r.description.to_string(),
            })
            .collect();
        if !names.is_empty() {
            iana.push(format!("{p}: {}", names.join("; ")));
        }
    }
    if iana.is_empty() {
        iana.push(st.text("card-not-registered").to_string());
    }
    for (i, line) in iana.iter().enumerate() {
        let label = if i == 0 { st.text("card-iana") } else { "" };
        field(&mut out, st, label, line);
    }
    let mut ranks = Vec::new();
    if let Some(r) = c.rank_tcp {
        ranks.push(format!("tcp #{r}"));
    }
    if let Some(r) = c.rank_udp {
        ranks.push(format!("udp #{r}"));
    }
    if !ranks.is_empty() {
        field(&mut out, st, st.text("card-open-rank"), &ranks.join("  "));
    }
    for e in &c.security {
        if c.security.len() > 1 {
            let protos: Vec<&str> = e.protocols.iter().map(|p| p.as_str()).collect();
            field(
                &mut out,
                st,
                st.text("card-entry"),
                &format!(
                    "{} {} ({})",
                    e.ports_label(),
                    e.title.get(lang),
                    protos.join("/")
                ),
            );
        } else if e.start != e.end {
            field(
                &mut out,
                st,
                st.text("card-range"),
                &format!("{} — {}", e.ports_label(), e.title.get(lang)),
            );
        }
        field(&mut out, st, st.text("card-summary"), e.summary.get(lang));
        field(
            &mut out,
            st,
            st.text("card-attackers"),
            e.attackers.get(lang),
        );
        if !e.malware.is_empty() {
            field(&mut out, st, st.text("card-malware"), &e.malware.join(", "));
        }
        field(
            &mut out,
            st,
            st.text("card-risk"),
            &format!("{} — {}", e.risk.label(lang), e.risk_reason.get(lang)),
        );
        field(
            &mut out,
            st,
            st.text("card-advice"),
            &format!("{} — {}", e.action.label(lang), e.advice.get(lang)),
        );
        if !e.references.is_empty() {
            field(
                &mut out,
                st,
                st.text("card-references"),
                &e.references.join(", "),
            );
        }
    }
    if !c.threats.is_empty() {
        let rows: Vec<String> = c
            .threats
            .iter()
            .map(|t| format!("{} [{}, {}]", t.comment, t.category, t.confidence))
            .collect();
        field(&mut out, st, st.text("card-threat-intel"), &rows.join("; "));
    }
    let unauthorized: Vec<&str> = c
        .registry
        .iter()
        .map(|r| r.unauthorized)
        .filter(|u| !u.is_empty())
        .collect();
    if let Some(u) = unauthorized.first() {
        field(&mut out, st, st.text("card-iana-notes"), u);
    }
    out
}

/// Renders several cards separated by blank lines.
pub fn render_all(cards: &[PortCard], st: &Style) -> String {
    cards
        .iter()
        .map(|c| render(c, st))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use portwarden_kb::Lang;

    #[test]
    fn card_for_telnet_has_both_languages() {
        let c = portwarden_kb::card(23, Some(Protocol::Tcp), None);
        let en = render(&c, &Style::default());
        assert!(en.starts_with("23/tcp"), "{en}");
        assert!(en.contains("IANA"));
        let zh = render(
            &c,
            &Style {
                lang: Lang::Zh,
                ..Style::default()
            },
        );
        assert!(zh.contains("类别"), "{zh}");
        assert!(!zh.contains('\u{1b}'));
    }

    #[test]
    fn cards_snapshot_in_both_languages() {
        let eph = portwarden_kb::EphemeralRange::parse("32768\t60999\n");
        let cards: Vec<_> = [
            (23, Some(Protocol::Tcp)),
            (2024, None),
            (7626, None),
            (40000, None),
        ]
        .into_iter()
        .map(|(p, proto)| portwarden_kb::card(p, proto, eph))
        .collect();
        for (name, lang) in [("cards_en", Lang::En), ("cards_zh", Lang::Zh)] {
            let st = Style {
                lang,
                ..Style::default()
            };
            insta::assert_snapshot!(name, render_all(&cards, &st));
        }
    }
}
