//! From plain data to the view model: snapshots (history's model), a live audit's
//! findings, diffs and the actions journal in; a [`Report`] of translated, neutralised
//! strings out. Pure: the binary reads the store, the machine and the clock.

use crate::chart;
use crate::model::*;
use portwarden_audit::Finding;
use portwarden_history::diff::{Diff, Section, Sign};
use portwarden_history::{Body, FindingRec, Host, Listener, Meta};
use portwarden_i18n::{tr, Lang};
use portwarden_kb::{Protocol, Risk};
use portwarden_store::Action;

/// Longest text shown from data (a command line, a banner); longer ones are cut with `…`.
pub const MAX_TEXT: usize = 300;

/// How many loopback listeners without risk the table shows at most (the rest are
/// counted in a note: they are reachable from this machine only).
pub const LOOPBACK_CAP: usize = 200;

/// What a report is made of. Every string in here may be hostile: it is neutralised on
/// the way into the view model.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// The language of the labels.
    pub lang: Lang,
    /// When the report is made (the binary's clock).
    pub generated: &'a str,
    /// The host it is made on.
    pub host: &'a str,
    /// The audit (a snapshot, or the live state with id 0).
    pub audit: Option<(&'a Meta, &'a Body)>,
    /// The findings of a live audit, with their full texts; when absent the texts of the
    /// audit snapshot's findings are rebuilt from the knowledge base.
    pub live: Option<&'a [Finding]>,
    /// Scan snapshots.
    pub scans: &'a [(Meta, Body)],
    /// The changes between consecutive snapshots, newest first.
    pub diffs: &'a [Diff],
    /// The actions journal.
    pub actions: &'a [Action],
}

/// Makes a string from data safe to show: control characters become visible escapes,
/// terminal escape sequences go, bidi overrides and other invisible characters are
/// dropped (see `portwarden_report::sanitize::terminal`), and it is cut at
/// [`MAX_TEXT`] characters. HTML escaping is askama's, on output.
pub fn clean(s: &str) -> String {
    let t = portwarden_report::sanitize::terminal(s);
    if t.chars().count() > MAX_TEXT {
        let mut cut: String = t.chars().take(MAX_TEXT - 1).collect();
        cut.push('…');
        cut
    } else {
        t
    }
}

fn text(lang: Lang, id: &str) -> String {
    portwarden_i18n::text(lang, id)
}

/// A fixed CSS class for a severity.
pub fn risk_class(r: Risk) -> &'static str {
    match r {
        Risk::Info => "sev-info",
        Risk::Low => "sev-low",
        Risk::Medium => "sev-medium",
        Risk::High => "sev-high",
        Risk::Critical => "sev-critical",
    }
}

fn exposure_word(lang: Lang, e: &str) -> (String, &'static str) {
    match e {
        "all" => (text(lang, "html-exposure-all"), "exp-all"),
        "address" | "specific" => (text(lang, "html-exposure-address"), "exp-address"),
        "loopback" => (text(lang, "html-exposure-loopback"), "exp-loopback"),
        other => (clean(other), "exp-other"),
    }
}

fn reach_word(lang: Lang, r: &str) -> String {
    let id = match r {
        "open" => "html-reach-open",
        "forwarded" => "html-reach-forwarded",
        "limited" => "html-reach-limited",
        "blocked" => "html-reach-blocked",
        "unknown" => "html-reach-unknown",
        "local" => "html-reach-local",
        "" => return String::new(),
        other => return clean(other),
    };
    text(lang, id)
}

fn kind_word(lang: Lang, k: &str) -> String {
    let id = match k {
        "backdoor-port" => "html-kind-backdoor-port",
        "exposed-service" => "html-kind-exposed-service",
        "local-service" => "html-kind-local-service",
        "hidden-owner" => "html-kind-hidden-owner",
        "unknown-listener" => "html-kind-unknown-listener",
        other => return clean(other),
    };
    text(lang, id)
}

fn proto_of(s: &str) -> Protocol {
    if s.eq_ignore_ascii_case("udp") {
        Protocol::Udp
    } else {
        Protocol::Tcp
    }
}

/// A live finding, with the audit's own texts.
fn live_finding(lang: Lang, f: &Finding) -> FindingView {
    let mut owner: Vec<String> = f
        .processes
        .iter()
        .map(|(pid, n)| match &f.product {
            Some(o) if o.pid == *pid && !n.eq_ignore_ascii_case(o.product) => {
                format!("{pid}/{} ({})", n, o.product)
            }
            _ => format!("{pid}/{n}"),
        })
        .collect();
    if !f.units.is_empty() {
        owner.push(format!("[{}]", f.units.join(", ")));
    }
    let kind = serde_word(&f.kind);
    let (exposure, _) = exposure_word(lang, f.exposure.as_str());
    FindingView {
        class: risk_class(f.severity),
        severity: f.severity.label(lang).to_string(),
        door: format!("{}/{}", f.port, f.transport.as_str()),
        count: 1,
        texts_for: String::new(),
        service: clean(f.service.as_deref().unwrap_or("?")),
        kind: kind_word(lang, &kind),
        exposure,
        addresses: clean(&f.addresses.join(", ")),
        owner: if owner.is_empty() {
            text(lang, "html-owner-unknown")
        } else {
            clean(&owner.join(", "))
        },
        reach: f
            .reach
            .as_ref()
            .map(|r| reach_word(lang, r.word()))
            .unwrap_or_default(),
        note: f
            .note
            .as_ref()
            .map(|n| clean(&portwarden_i18n::format(lang, n)))
            .unwrap_or_default(),
        why: clean(&portwarden_i18n::format(lang, &f.why)),
        action: clean(&portwarden_i18n::format(lang, &f.action)),
        command: clean(&f.command),
    }
}

fn serde_word<T: std::fmt::Debug>(v: &T) -> String {
    // Kinds are unit variants: `ExposedService` → `exposed-service`.
    let name = format!("{v:?}");
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A saved finding: the snapshot keeps what a diff needs; why and what to do are rebuilt
/// from the knowledge base (the product's texts, else the port's curated entry, else a
/// text for the kind of finding).
fn saved_finding(lang: Lang, r: &FindingRec) -> FindingView {
    let sev = Risk::parse(&r.severity).unwrap_or(Risk::Info);
    let product = r.product.as_deref().and_then(|name| {
        portwarden_audit::products::PRODUCTS
            .iter()
            .find(|p| p.name == name)
    });
    let entry = portwarden_kb::security(proto_of(&r.proto), r.port);
    let (why, action) = match (product, entry) {
        (Some(p), _) => (
            portwarden_i18n::text(lang, p.why),
            portwarden_i18n::text(lang, p.advice),
        ),
        (None, Some(e)) => (
            e.risk_reason.get(lang).to_string(),
            e.advice.get(lang).to_string(),
        ),
        (None, None) => {
            let why = match r.kind.as_str() {
                "hidden-owner" => text(lang, "html-why-hidden-owner"),
                _ => text(lang, "html-why-unknown"),
            };
            (why, text(lang, "html-do-generic"))
        }
    };
    let owner = match (&r.program, &r.product) {
        (Some(p), Some(prod)) if !p.eq_ignore_ascii_case(prod) => format!("{p} ({prod})"),
        (Some(p), _) => p.clone(),
        (None, Some(prod)) => prod.clone(),
        (None, None) => String::new(),
    };
    let (exposure, _) = exposure_word(lang, &r.exposure);
    FindingView {
        class: risk_class(sev),
        severity: sev.label(lang).to_string(),
        door: clean(&format!("{}/{}", r.port, r.proto)),
        count: 1,
        texts_for: String::new(),
        service: clean(r.service.as_deref().unwrap_or("?")),
        kind: kind_word(lang, &r.kind),
        exposure,
        addresses: String::new(),
        owner: if owner.is_empty() {
            text(lang, "html-owner-unknown")
        } else {
            clean(&owner)
        },
        reach: reach_word(lang, r.reach.as_deref().unwrap_or("")),
        note: String::new(),
        why: clean(&why),
        action: clean(&action),
        command: clean(&format!("portwarden close {}/{}", r.port, r.proto)),
    }
}

fn listener_view(lang: Lang, l: &Listener) -> ListenerView {
    let (exposure, exposure_class) = exposure_word(lang, &l.exposure);
    let mut owner = l.program.clone().unwrap_or_default();
    let extra: Vec<&str> = [l.user.as_deref(), l.unit.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if !extra.is_empty() {
        owner = format!("{owner} ({})", extra.join(", "));
    }
    let risk = l.risk.as_deref().and_then(Risk::parse);
    ListenerView {
        door: clean(&format!("{}/{}", l.port, l.proto)),
        addresses: clean(&l.addrs.join(", ")),
        exposure,
        exposure_class,
        owner: clean(owner.trim()),
        product: clean(l.product.as_deref().unwrap_or("")),
        reach: reach_word(lang, l.reach.as_deref().unwrap_or("")),
        risk: risk.map(|r| r.label(lang).to_string()).unwrap_or_default(),
        risk_class: risk.map(risk_class).unwrap_or(""),
    }
}

fn host_view(h: &Host, source: &str) -> HostView {
    let mut ports = Vec::new();
    let mut closed = 0;
    for p in &h.ports {
        if p.state == "closed" {
            closed += 1;
            continue;
        }
        let state_class = match p.state.as_str() {
            "open" => "st-open",
            "filtered" | "open|filtered" | "closed|filtered" => "st-filtered",
            _ => "st-other",
        };
        let product = [p.product.as_deref(), p.version.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        ports.push(PortView {
            door: clean(&format!("{}/{}", p.port, p.proto)),
            state: clean(&p.state),
            state_class,
            service: clean(p.service.as_deref().unwrap_or("")),
            product: clean(&product),
        });
    }
    HostView {
        addr: clean(&h.addr),
        hostname: clean(h.hostname.as_deref().unwrap_or("")),
        status: clean(&h.status),
        source: source.to_string(),
        ports,
        closed,
    }
}

fn source_id(lang: Lang, m: &Meta) -> String {
    if m.id > 0 {
        format!("#{}", m.id)
    } else if m.command.is_empty() {
        text(lang, "html-live")
    } else {
        clean(&m.command)
    }
}

fn step_view(lang: Lang, d: &Diff) -> StepView {
    let items = d
        .items
        .iter()
        .map(|i| {
            let section = match i.section {
                Section::Listener => "html-section-listener",
                Section::Finding => "html-section-finding",
                Section::Host => "html-section-host",
                Section::Port => "html-section-port",
            };
            let key = match &i.host {
                Some(h) => format!("{h} {}", i.key),
                None => i.key.clone(),
            };
            let fields: Vec<String> = i
                .fields
                .iter()
                .map(|f| {
                    let none = text(lang, "html-none");
                    let o = if f.old.is_empty() { &none } else { &f.old };
                    let n = if f.new.is_empty() { &none } else { &f.new };
                    format!("{}: {o} → {n}", f.name)
                })
                .collect();
            ChangeView {
                sign: i.sign.symbol(),
                class: match i.sign {
                    Sign::Added => "added",
                    Sign::Removed => "removed",
                    Sign::Changed => "changed",
                },
                section: text(lang, section),
                key: clean(&key),
                label: clean(&i.label),
                fields: clean(&fields.join("; ")),
            }
        })
        .collect();
    StepView {
        title: format!("{} → {}", source_id(lang, &d.old), source_id(lang, &d.new)),
        at: clean(&d.new.at),
        items,
    }
}

fn action_view(lang: Lang, a: &Action) -> ActionView {
    let state_id = match a.state.as_str() {
        "pending" => "html-state-pending",
        "applied" => "html-state-applied",
        "failed" => "html-state-failed",
        _ => "html-state-interrupted",
    };
    let mut state = text(lang, state_id);
    if let Some(at) = &a.undone_at {
        state = format!(
            "{state} · {}",
            tr!(lang, "html-state-undone", at = clean(at))
        );
    }
    ActionView {
        id: format!("#{}", a.id),
        at: clean(&a.at),
        user: clean(&a.user),
        door: clean(&format!("{}/{}", a.port, a.protocol)),
        how: clean(&a.how),
        summary: clean(&a.summary),
        state,
    }
}

/// Puts findings that differ only in their port (same severity, kind, service, owner,
/// exposure, firewall answer, remark and texts) on one card, in the order of their first
/// one: every port stays listed, and their close commands become one
/// (`portwarden close 20000/tcp,20001/tcp`).
pub fn group(findings: Vec<FindingView>) -> Vec<FindingView> {
    use std::collections::HashMap;
    type Key = (
        &'static str,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
    );
    // The audit's texts name the port ("listens on 20001/tcp"): compared without it.
    let key = |f: &FindingView| -> Key {
        let port = f.door.split('/').next().unwrap_or_default();
        let norm = |t: &str| {
            if port.is_empty() {
                t.to_string()
            } else {
                t.replace(port, "\u{1}")
            }
        };
        (
            f.class,
            f.kind.clone(),
            f.service.clone(),
            f.owner.clone(),
            f.exposure.clone(),
            f.reach.clone(),
            norm(&f.note),
            norm(&f.why),
            norm(&f.action),
        )
    };
    let mut index: HashMap<Key, usize> = HashMap::new();
    let mut groups: Vec<Vec<FindingView>> = Vec::new();
    for f in findings {
        let k = key(&f);
        match index.get(&k) {
            Some(&i) => groups[i].push(f),
            None => {
                index.insert(k, groups.len());
                groups.push(vec![f]);
            }
        }
    }
    groups
        .into_iter()
        .filter_map(|g| {
            let count = g.len();
            let mut it = g.into_iter();
            let mut first = it.next()?;
            if count == 1 {
                return Some(first);
            }
            let rest: Vec<FindingView> = it.collect();
            let all = || std::iter::once(&first).chain(rest.iter());
            let doors: Vec<&str> = all().map(|f| f.door.as_str()).collect();
            let door = doors.join(", ");
            let mut addrs: Vec<&str> = all()
                .flat_map(|f| f.addresses.split(", "))
                .filter(|a| !a.is_empty())
                .collect();
            addrs.sort_unstable();
            addrs.dedup();
            let close: Option<Vec<&str>> = all()
                .map(|f| {
                    f.command
                        .strip_prefix("portwarden close ")
                        .filter(|t| !t.is_empty() && !t.contains(' '))
                })
                .collect();
            let command = match close {
                Some(targets) => format!("portwarden close {}", targets.join(",")),
                None => {
                    let mut cmds: Vec<&str> = all()
                        .map(|f| f.command.as_str())
                        .filter(|c| !c.is_empty())
                        .collect();
                    cmds.dedup();
                    cmds.join("; ")
                }
            };
            let addresses = addrs.join(", ");
            let same_texts = rest
                .iter()
                .all(|f| f.why == first.why && f.action == first.action && f.note == first.note);
            if !same_texts {
                first.texts_for = first.door.clone();
            }
            first.door = door;
            first.addresses = addresses;
            first.command = command;
            first.count = count;
            Some(first)
        })
        .collect()
}

/// Builds the view model.
pub fn build(i: &Inputs<'_>) -> Report {
    let lang = i.lang;
    let mut sources = Vec::new();
    let mut findings = Vec::new();
    let mut listeners = Vec::new();
    let mut listeners_total = 0;
    let mut listeners_omitted = 0;
    let mut exposure_counts = [0usize; 3];
    if let Some((meta, body)) = i.audit {
        sources.push(SourceView {
            id: source_id(lang, meta),
            kind: meta.kind.as_str().to_string(),
            at: clean(&meta.at),
            target: clean(&meta.target),
        });
        findings = match i.live {
            Some(live) => live.iter().map(|f| live_finding(lang, f)).collect(),
            None => {
                let mut recs: Vec<&FindingRec> = body.findings.iter().collect();
                recs.sort_by_key(|r| std::cmp::Reverse(Risk::parse(&r.severity)));
                recs.into_iter().map(|r| saved_finding(lang, r)).collect()
            }
        };
        findings = group(findings);
        listeners_total = body.listeners.len();
        let mut loopback_shown = 0;
        for l in &body.listeners {
            match l.exposure.as_str() {
                "all" => exposure_counts[0] += 1,
                "address" | "specific" => exposure_counts[1] += 1,
                _ => exposure_counts[2] += 1,
            }
            let important = l.exposure != "loopback"
                || l.risk.as_deref().and_then(Risk::parse) > Some(Risk::Info);
            if !important {
                if loopback_shown >= LOOPBACK_CAP {
                    listeners_omitted += 1;
                    continue;
                }
                loopback_shown += 1;
            }
            listeners.push(listener_view(lang, l));
        }
    }
    let mut hosts = Vec::new();
    for (meta, body) in i.scans {
        sources.push(SourceView {
            id: source_id(lang, meta),
            kind: meta.kind.as_str().to_string(),
            at: clean(&meta.at),
            target: clean(&meta.target),
        });
        let src = source_id(lang, meta);
        hosts.extend(body.scanned_hosts().iter().map(|h| host_view(h, &src)));
    }
    let mut sev_counts = [0usize; 5];
    for f in &findings {
        let n = f.count;
        let idx = match f.class {
            "sev-critical" => 0,
            "sev-high" => 1,
            "sev-medium" => 2,
            "sev-low" => 3,
            _ => 4,
        };
        sev_counts[idx] += n;
    }
    let sev_bars: Vec<(String, usize, &'static str)> = [
        Risk::Critical,
        Risk::High,
        Risk::Medium,
        Risk::Low,
        Risk::Info,
    ]
    .iter()
    .zip(sev_counts)
    .map(|(r, n)| (r.label(lang).to_string(), n, risk_class(*r)))
    .collect();
    let exp_bars = vec![
        (
            text(lang, "html-exposure-all"),
            exposure_counts[0],
            "exp-all",
        ),
        (
            text(lang, "html-exposure-address"),
            exposure_counts[1],
            "exp-address",
        ),
        (
            text(lang, "html-exposure-loopback"),
            exposure_counts[2],
            "exp-loopback",
        ),
    ];
    Report {
        lang,
        host: clean(i.host),
        generated: clean(i.generated),
        sources,
        by_severity: chart::bars(sev_bars),
        by_exposure: chart::bars(exp_bars),
        findings,
        listeners,
        listeners_total,
        listeners_omitted,
        hosts,
        timeline: i.diffs.iter().map(|d| step_view(lang, d)).collect(),
        actions: i
            .actions
            .iter()
            .rev()
            .map(|a| action_view(lang, a))
            .collect(),
        fleet: None,
    }
}

/// The fleet section: the hosts by risk and what changed on each since `since`.
pub fn fleet(
    lang: Lang,
    hosts: &[portwarden_history::fleet::HostRisk],
    changes: &[portwarden_history::fleet::HostChange],
    since: &str,
) -> FleetView {
    const LEVELS: [Risk; 5] = [
        Risk::Critical,
        Risk::High,
        Risk::Medium,
        Risk::Low,
        Risk::Info,
    ];
    let name = |host: &str, id: &str| {
        let id: String = id.chars().take(12).collect();
        if id.is_empty() {
            clean(host)
        } else {
            format!("{} [{}]", clean(host), clean(&id))
        }
    };
    FleetView {
        severities: LEVELS.iter().map(|r| r.label(lang).to_string()).collect(),
        hosts: hosts
            .iter()
            .map(|h| FleetHostView {
                host: clean(&h.host),
                host_id: clean(&h.host_id),
                at: clean(&h.at),
                target: clean(&h.target),
                listeners: h.listeners,
                exposed: h.exposed,
                findings: h.findings.to_vec(),
                score: h.score,
                class: h
                    .findings
                    .iter()
                    .position(|n| *n > 0)
                    .and_then(|i| LEVELS.get(i))
                    .map_or("sev-info", |r| risk_class(*r)),
            })
            .collect(),
        since: clean(since),
        changes: changes
            .iter()
            .map(|c| FleetChangeView {
                host: name(&c.host, &c.host_id),
                step: step_view(lang, &c.diff),
            })
            .collect(),
    }
}
