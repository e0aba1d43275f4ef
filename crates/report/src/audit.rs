//! `portwarden audit`: the findings, for a person.

use crate::sanitize::terminal;
use crate::Style;
use portwarden_audit::{Audit, Kind};
use portwarden_kb::Risk;

fn kind_label(k: Kind, st: &Style) -> &'static str {
    match k {
        Kind::BackdoorPort => st.text("audit-text-backdoor-port"),
        Kind::ExposedService => st.text("audit-text-exposed-service"),
        Kind::LocalService => st.text("audit-text-local-only-service"),
        Kind::HiddenOwner => st.text("audit-text-owner-not-visible"),
        Kind::UnknownListener => st.text("audit-text-unknown-listener"),
        Kind::Proven => st.text("audit-probe-kind"),
    }
}

/// Renders the audit as text.
pub fn text(a: &Audit, st: &Style) -> String {
    let mut out = String::new();
    let c = &a.counts;
    out.push_str(&st.bold(st.text("audit-text-portwarden-audit")));
    out.push('\n');
    out.push_str(&format!(
        "{} {} · {} {} ({}: {}, {}: {}, {}: {}) · {} {}\n",
        c.sockets,
        st.text("audit-text-sockets"),
        c.listening,
        st.text("audit-text-listening"),
        st.text("audit-text-all-interfaces"),
        c.by_exposure.get("all").copied().unwrap_or(0),
        st.text("audit-text-one-address"),
        c.by_exposure.get("address").copied().unwrap_or(0),
        st.text("audit-text-loopback"),
        c.by_exposure.get("loopback").copied().unwrap_or(0),
        c.established,
        st.text("audit-text-established-connections"),
    ));
    out.push_str(&format!(
        "{}: {} {}, {} {}, {} {}\n",
        st.text("audit-text-listeners-by-port-class"),
        c.by_class.get("well-known").copied().unwrap_or(0),
        st.text("audit-text-well-known"),
        c.by_class.get("registered").copied().unwrap_or(0),
        st.text("audit-text-registered"),
        c.by_class.get("dynamic").copied().unwrap_or(0),
        st.text("audit-text-dynamic"),
    ));
    if !c.by_reach.is_empty() {
        let words: Vec<String> = [
            ("open", st.text("audit-text-open-to-all")),
            ("forwarded", st.text("audit-text-forwarded-dnat")),
            ("limited", st.text("audit-text-open-to-some")),
            ("blocked", st.text("audit-text-blocked")),
            ("unknown", st.text("audit-text-unknown")),
        ]
        .iter()
        .filter_map(|(k, label)| c.by_reach.get(*k).map(|n| format!("{n} {label}")))
        .collect();
        out.push_str(&format!(
            "{}: {}\n",
            st.text("audit-text-firewall-for-other-hosts"),
            words.join(", ")
        ));
    }
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
    if a.findings.is_empty() && a.accepted > 0 {
        // Findings exist, the baseline accepts them all: nothing new, not nothing risky.
        out.push('\n');
        out.push_str(&portwarden_i18n::tr!(
            st.lang,
            "audit-baseline-all-accepted",
            count = a.accepted
        ));
        out.push('\n');
    } else if a.findings.is_empty() {
        out.push_str(st.text("audit-text-no-findings-nothing-risky-is-listening"));
    } else {
        out.push_str(&format!(
            "\n{} {}: {}\n",
            a.findings.len(),
            st.text("audit-text-findings"),
            summary.join(", ")
        ));
    }
    let width = if st.width == 0 { 100 } else { st.width };
    let width = width.saturating_sub(6).max(30);
    for (i, f) in a.findings.iter().enumerate() {
        // The program the judgement is about reads "pid/redis-server (Redis)".
        let procs: Vec<String> = f
            .processes
            .iter()
            .map(|(pid, n)| match &f.product {
                Some(o) if o.pid == *pid && !n.eq_ignore_ascii_case(o.product) => {
                    format!("{pid}/{} ({})", terminal(n), o.product)
                }
                _ => format!("{pid}/{}", terminal(n)),
            })
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
            st.text("audit-text-owner-unknown").to_string()
        } else {
            procs.join(", ")
        };
        if !f.units.is_empty() {
            who.push_str(&format!(" [{}]", f.units.join(", ")));
        }
        for c in &f.containers {
            who.push(' ');
            who.push_str(&portwarden_i18n::tr!(
                st.lang,
                "audit-who-container",
                container = c.describe()
            ));
        }
        out.push_str(&format!(
            "    {}: {}\n",
            st.dim(st.text("audit-text-who")),
            terminal(&who)
        ));
        let mut parts = vec![(st.text("audit-text-why"), st.msg(&f.why))];
        if let Some(n) = &f.note {
            parts.push((st.text("audit-text-note"), st.msg(n)));
        }
        parts.push((st.text("audit-text-do"), st.msg(&f.action)));
        for (label, body) in parts {
            // Paths and names in the texts come from processes' command lines.
            let body = terminal(&body);
            let body = body.as_str();
            let opts = textwrap::Options::new(width)
                .word_separator(textwrap::WordSeparator::Custom(words_keeping_code))
                .word_splitter(textwrap::WordSplitter::NoHyphenation);
            for (j, line) in textwrap::wrap(body, opts).iter().enumerate() {
                // Continuation lines start under the first line's text.
                let l = if j == 0 {
                    format!("{label}: ")
                } else {
                    " ".repeat(unicode_width::UnicodeWidthStr::width(label) + 2)
                };
                out.push_str(&format!("    {}{}\n", st.dim(&l), line));
            }
        }
        if let Some(r) = &f.reach {
            let (_, shown) = crate::ls::reach_label(r, st);
            let detail = crate::ls::reach_detail(r);
            let sep = if detail.is_empty() { "" } else { " — " };
            out.push_str(&format!(
                "    {}: {shown}{sep}{detail}\n",
                st.dim(st.text("audit-text-firewall")),
            ));
        }
        if !f.command.is_empty() {
            out.push_str(&format!(
                "    {}: {}\n",
                st.dim(st.text("audit-text-run")),
                f.command
            ));
        }
    }
    if let Some(p) = &a.probe {
        out.push_str(&format!("\n{}\n", terminal(&st.msg(&p.summary))));
        for n in &p.notes {
            out.push_str(&format!("    {}\n", st.dim(&terminal(&st.msg(&n.note)))));
        }
    }
    if let Some(why) = &a.firewall_unread {
        out.push_str(&format!(
            "\n{}: {}\n",
            st.text("audit-text-firewall-not-taken-into-account"),
            terminal(why)
        ));
    }
    if a.hidden_owners {
        out.push_str(st.text("audit-text-some-sockets-belong-to-processes-we"));
    }
    out
}

/// Splits a line into words as textwrap does, except that a `code span` (with the
/// punctuation glued to it) is one word: a command in the advice is never broken across
/// lines unless it is wider than the whole line.
fn words_keeping_code(line: &str) -> Box<dyn Iterator<Item = textwrap::core::Word<'_>> + '_> {
    use textwrap::core::Word;
    let plain = textwrap::WordSeparator::UnicodeBreakProperties;
    let mut words: Vec<Word<'_>> = Vec::new();
    let mut start = 0;
    while start < line.len() {
        let Some(open) = line[start..].find('`').map(|i| start + i) else {
            break;
        };
        let Some(close) = line[open + 1..].find('`').map(|i| open + 1 + i + 1) else {
            break;
        };
        words.extend(plain.find_words(&line[start..open]));
        let mut end = close;
        // Glue the punctuation that follows ("`-U 0`)," and "`bind`；" stay whole).
        end += line[end..]
            .find(|c: char| {
                !(c.is_ascii_punctuation() || "，。；：、）！？”』」".contains(c)) || c == '`'
            })
            .unwrap_or(line.len() - end);
        end += line[end..]
            .find(|c: char| c != ' ')
            .unwrap_or(line.len() - end);
        words.push(Word::from(&line[open..end]));
        start = end;
    }
    if start < line.len() {
        words.extend(plain.find_words(&line[start..]));
    }
    Box::new(words.into_iter())
}

/// Renders the audit as JSON.
pub fn json(a: &Audit) -> String {
    // Process names and command lines come from other programs: sanitised text only.
    let mut v = serde_json::to_value(a).unwrap_or_else(|_| serde_json::json!({}));
    crate::sanitize::json_strings(&mut v);
    serde_json::to_string_pretty(&v).unwrap_or_else(|_| "{}".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use portwarden_audit::{audit_with, products, Context};
    use portwarden_kb::Lang;
    use portwarden_sockets::{
        join, ProcTable, ProcessInfo, RawSocket, SockState, Source, Transport,
    };

    /// Redis on 7777, inetd serving echo, and a listener whose owner is not visible.
    fn fixture() -> Audit {
        let sock = |addr: &str, inode| RawSocket {
            transport: Transport::Tcp,
            local: addr.parse().expect("addr"),
            remote: "0.0.0.0:0".parse().expect("addr"),
            state: SockState::Listen,
            uid: 0,
            inode,
            recv_q: 0,
            send_q: 0,
            interface: 0,
        };
        let mut p = ProcTable::default();
        for (inode, pid, name, cmd) in [
            (1, 40, "redis-server", vec!["redis-server *:7777"]),
            (2, 41, "inetd", vec!["/usr/sbin/inetd", "/etc/inetd.conf"]),
        ] {
            p.by_inode.insert(inode, vec![pid]);
            p.processes.insert(
                pid,
                ProcessInfo {
                    pid,
                    name: name.into(),
                    exe: Some(format!("/usr/sbin/{name}")),
                    cmdline: cmd.into_iter().map(str::to_string).collect(),
                    // Redis runs in a container docker named (its image is untrusted text).
                    container: (pid == 40).then(|| portwarden_sockets::Container {
                        runtime: "docker".into(),
                        id: "3f4e5d6c7b8a".repeat(6)[..64].to_string(),
                        image: Some("redis:7\u{1b}[2J".into()),
                        name: Some("cache".into()),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            );
        }
        let inv = join(
            vec![
                sock("0.0.0.0:7777", 1),
                sock("0.0.0.0:7", 2),
                sock("0.0.0.0:2024", 3),
            ],
            Source::Fake,
            Some(p),
        );
        let ctx = Context {
            inetd: products::parse_inetd_conf(
                "echo stream tcp nowait root internal\n",
                "/etc/inetd.conf",
            ),
        };
        let mut a = audit_with(&inv, &ctx);
        // What `--probe` proved: Redis answered without a password; 2024 said nothing.
        use portwarden_audit::probe::{apply, Method, Outcome, Probed, Target};
        let target = |port: u16, method| Target {
            transport: Transport::Tcp,
            port,
            addr: std::net::SocketAddr::from(([127, 0, 0, 1], port)),
            method,
        };
        let mut id = portwarden_scan::model::Identified::new("redis", "redis");
        id.product = Some("Redis".into());
        id.version = Some("7.0.15".into());
        let probed = [
            Probed {
                target: target(7777, Method::Identify),
                outcome: Outcome::Identified {
                    identified: Box::new(id),
                    findings: vec![portwarden_scan::model::ServiceFinding {
                        id: "redis-no-auth",
                        severity: portwarden_scan::model::Severity::High,
                        detail: "Redis answers commands without a password".into(),
                    }],
                },
            },
            Probed {
                target: target(2024, Method::Greeting),
                outcome: Outcome::NoAnswer,
            },
        ];
        apply(&mut a, &inv, &probed, std::time::Duration::from_secs(4));
        a
    }

    #[test]
    fn all_findings_accepted_by_the_baseline_is_not_nothing_risky() {
        let mut a = fixture();
        let n = a.findings.len();
        assert!(n > 1);
        a.findings.clear();
        a.accepted = n;
        for lang in [portwarden_kb::Lang::En, portwarden_kb::Lang::Zh] {
            let st = Style {
                lang,
                color: false,
                width: 100,
            };
            let t = text(&a, &st);
            assert!(
                !t.contains("nothing risky") && !t.contains("没有危险"),
                "{t}"
            );
            assert!(t.contains(&n.to_string()), "{t}");
        }
        let t = text(&a, &Style::default());
        assert!(
            t.contains(&format!(
                "No new findings: all {n} findings are accepted by the baseline"
            )),
            "{t}"
        );
        // Nothing accepted and nothing found: still "nothing risky".
        a.accepted = 0;
        assert!(text(&a, &Style::default()).contains("nothing risky"));
    }

    #[test]
    fn commands_in_advice_stay_whole() {
        let text = "Find it: on the host `sudo ss -ltnup 'sport = :2024'` or `sudo lsof -i :2024`; then stop it.";
        let lines: Vec<String> = textwrap::wrap(
            text,
            textwrap::Options::new(40)
                .word_separator(textwrap::WordSeparator::Custom(words_keeping_code))
                .word_splitter(textwrap::WordSplitter::NoHyphenation),
        )
        .into_iter()
        .map(|l| l.into_owned())
        .collect();
        assert!(
            lines
                .iter()
                .any(|l| l.contains("`sudo ss -ltnup 'sport = :2024'`")),
            "{lines:?}"
        );
        assert!(
            lines.iter().any(|l| l.contains("`sudo lsof -i :2024`;")),
            "{lines:?}"
        );
        assert_eq!(lines.join(" "), text);
        let zh = "再让 inetd 重新读取（`kill -HUP 41`，或 `systemctl reload inetutils-inetd`）；没有剩余的行时停掉 inetd。";
        let lines = textwrap::wrap(
            zh,
            textwrap::Options::new(40)
                .word_separator(textwrap::WordSeparator::Custom(words_keeping_code))
                .word_splitter(textwrap::WordSplitter::NoHyphenation),
        );
        assert!(
            lines
                .iter()
                .any(|l| l.contains("`systemctl reload inetutils-inetd`）；")),
            "{lines:?}"
        );
    }

    fn style(lang: Lang) -> Style {
        Style {
            lang,
            color: false,
            width: 100,
        }
    }

    #[test]
    fn shows_the_product_and_the_off_port_note() {
        let out = text(&fixture(), &style(Lang::En));
        assert!(out.contains("who: 40/redis-server (Redis)"), "{out}");
        assert!(out.contains("note: Off its port"), "{out}");
        // The program named as its product is not repeated.
        assert!(out.contains("who: 41/inetd\n"), "{out}");
        assert!(out.contains("owner not visible"), "{out}");
        // A config path from a command line reaches the text escaped.
        let mut a = fixture();
        a.findings[0].action = portwarden_i18n::msg!(
            "audit-advice-config",
            advice = a.findings[0].action.clone(),
            conf = "\u{1b}[31mred"
        );
        assert!(!text(&a, &style(Lang::En)).contains('\u{1b}'));
        insta::assert_snapshot!("audit_owner_en", out);
        insta::assert_snapshot!("audit_owner_zh", text(&fixture(), &style(Lang::Zh)));
    }
}
