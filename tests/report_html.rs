//! `report --html` end to end. A journal holding hostile strings in every field a person
//! reads (process names, users, units, products, hostnames, banners, certificate
//! subjects, the host name, the actions journal) is rendered by the binary and opened in
//! a real browser, Debian's headless chromium: the DOM it builds has no script element,
//! no event handler and no `javascript:` link, the hostile strings are there as text,
//! and its screenshot is not blank. Then two audits in a network namespace with a
//! listener started between them: the report's timeline shows the new listener, and
//! `--now` shows it live. `audit --baseline` that accepts every finding says so.
//!
//! Chromium runs inside the test's own network namespace (only a loopback interface):
//! whatever it might try to reach, it cannot leave. As root it needs `--no-sandbox`; it
//! gets a temporary profile directory.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::Ns;
use portwarden_history::{Body, FindingRec, Host, Listener, PortRec};
use portwarden_store::{NewAction, NewSnapshot, State, Store, Undo};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The binary from the machine's own namespace, with the test's journal (only commands
/// that read the journal or enter the test's namespace).
fn pw(ns: &Ns, args: &[&str]) -> Output {
    Command::new(assert_cmd::cargo::cargo_bin("portwarden"))
        .args(args)
        .env("PORTWARDEN_DB", &ns.db)
        .env("NO_COLOR", "1")
        .env("LANG", "C")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=alert(2)>";
const JS: &str = "javascript:alert(3)";
const BIDI: &str = "evil\u{202e}txt.exe";
const TERM: &str = "\u{1b}]0;pwned\u{7}\u{1b}[31mREDTEXT\u{1b}[0m";

fn save(store: &Store, at: &str, unix: i64, kind: &str, host: &str, body: &Body) -> i64 {
    store
        .save_snapshot(&NewSnapshot {
            at,
            at_unix: unix,
            host,
            command: &format!("portwarden {kind} {SCRIPT}"),
            kind,
            target: "local",
            listeners: body.listeners.len() as i64,
            findings: body.findings.len() as i64,
            body: &serde_json::to_string(body).unwrap(),
            ..NewSnapshot::default()
        })
        .unwrap()
}

fn hostile_listener(port: u16, s: &str) -> Listener {
    Listener {
        proto: "tcp".into(),
        port,
        addrs: vec!["0.0.0.0".into()],
        exposure: "all".into(),
        reach: Some("open".into()),
        program: Some(s.into()),
        user: Some(s.into()),
        product: Some(s.into()),
        unit: Some(s.into()),
        risk: Some("high".into()),
    }
}

/// A journal whose every displayed string is hostile.
fn hostile_journal(db: &Path) {
    let store = Store::open(db).unwrap();
    let old = Body {
        listeners: vec![hostile_listener(22, "sshd")],
        ..Body::default()
    };
    save(
        &store,
        "2026-12-01T10:00:00Z",
        1_796_119_200,
        "audit",
        "web-1",
        &old,
    );
    let all = [SCRIPT, IMG, JS, BIDI, TERM];
    let new = Body {
        listeners: all
            .iter()
            .enumerate()
            .map(|(i, s)| hostile_listener(8000 + i as u16, s))
            .collect(),
        findings: all
            .iter()
            .enumerate()
            .map(|(i, s)| FindingRec {
                id: format!("exposed-service:tcp/{}", 8000 + i),
                severity: ["critical", "high", "medium", "low", "info"][i].into(),
                kind: "exposed-service".into(),
                proto: "tcp".into(),
                port: 8000 + i as u16,
                exposure: "all".into(),
                service: Some(s.to_string()),
                product: Some(s.to_string()),
                program: Some(s.to_string()),
                reach: Some("open".into()),
            })
            .collect(),
        ..Body::default()
    };
    let host = all.join(" ");
    save(
        &store,
        "2026-12-02T10:00:00Z",
        1_796_205_600,
        "audit",
        &host,
        &new,
    );
    let scan = Body {
        hosts: all
            .iter()
            .enumerate()
            .map(|(i, s)| Host {
                addr: format!("198.18.0.{}", i + 2),
                hostname: Some(s.to_string()),
                status: "up".into(),
                ports: vec![PortRec {
                    proto: "tcp".into(),
                    port: 443,
                    state: "open".into(),
                    service: Some(s.to_string()),
                    // A banner and a certificate subject.
                    product: Some(format!("nginx {s}")),
                    version: Some(format!("CN={s}, O={s}")),
                    guessed: false,
                }],
            })
            .collect(),
        ..Body::default()
    };
    save(
        &store,
        "2026-12-02T11:00:00Z",
        1_796_209_200,
        "scan",
        "web-1",
        &scan,
    );
    for (i, s) in all.iter().enumerate() {
        store
            .record(&NewAction {
                at: "2026-12-02T12:00:00Z".into(),
                user: s.to_string(),
                uid: 0,
                port: 8000 + i as u16,
                protocol: "tcp".into(),
                how: s.to_string(),
                summary: format!("stopped {s} (cmdline: /usr/bin/{s} --listen)"),
                detail: serde_json::Value::Null,
                undo: Undo::Irreversible {
                    reason: s.to_string(),
                    cmdlines: vec![s.to_string()],
                },
                state: State::Applied,
                runner: None,
                note: Some(s.to_string()),
            })
            .unwrap();
    }
}

/// Runs chromium headless inside the test's namespace on `file`, with a temporary
/// profile: `--dump-dom` output, and a screenshot written to `png`.
fn chromium(ns: &Ns, file: &Path, png: &Path) -> String {
    let profile = ns.db.parent().unwrap().join(format!(
        "chromium-{}",
        png.file_stem().unwrap().to_string_lossy()
    ));
    let url = format!("file://{}", file.display());
    let common = [
        "chromium",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ];
    let dir = format!("--user-data-dir={}", profile.display());
    let mut args: Vec<&str> = common.to_vec();
    args.extend([dir.as_str(), "--dump-dom", url.as_str()]);
    let o = ns.sh(&args);
    assert!(o.status.success(), "chromium --dump-dom: {}", text(&o));
    let dom = String::from_utf8_lossy(&o.stdout).into_owned();
    let shot = format!("--screenshot={}", png.display());
    let mut args: Vec<&str> = common.to_vec();
    args.extend([
        dir.as_str(),
        "--window-size=1280,1600",
        shot.as_str(),
        url.as_str(),
    ]);
    let o = ns.sh(&args);
    assert!(o.status.success(), "chromium --screenshot: {}", text(&o));
    dom
}

/// The number of distinct colours of a PNG (up to 1000), and its size.
fn colours(png: &Path) -> (usize, u32, u32) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let bpp = info.color_type.samples() * (info.bit_depth as usize / 8).max(1);
    let mut seen = std::collections::HashSet::new();
    for px in buf[..info.buffer_size()].chunks(bpp) {
        seen.insert(px.to_vec());
        if seen.len() >= 1000 {
            break;
        }
    }
    (seen.len(), info.width, info.height)
}

/// Every tag of a serialised DOM (text never holds a raw `<`).
fn tags(html: &str) -> Vec<String> {
    html.split('<')
        .skip(1)
        .filter_map(|t| t.split('>').next())
        .map(str::to_ascii_lowercase)
        .collect()
}

fn check_dom(dom: &str) {
    assert!(
        dom.contains("</section>"),
        "chromium rendered nothing: {dom}"
    );
    let tags = tags(dom);
    assert!(
        !tags.iter().any(|t| t.starts_with("script")),
        "a script element"
    );
    assert!(!tags.iter().any(|t| t.starts_with("img")), "an img element");
    for t in &tags {
        let attrs: Vec<&str> = t.split_whitespace().skip(1).collect();
        assert!(
            !attrs.iter().any(|a| a.starts_with("on") && a.contains('=')),
            "an event handler: <{t}>"
        );
        assert!(!t.contains("javascript:"), "a javascript: attribute: <{t}>");
        if let Some(i) = t.find("href=") {
            assert!(t[i + 5..].starts_with("\"#"), "a link out: <{t}>");
        }
    }
    // The hostile strings are there, as text.
    for want in [
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "\"&gt;&lt;img src=x onerror=alert(2)&gt;",
        "javascript:alert(3)",
        "eviltxt.exe",
        "REDTEXT",
    ] {
        assert!(dom.contains(want), "{want} is not shown as text");
    }
    // Bidi overrides and terminal escapes are gone.
    assert!(!dom.contains('\u{202e}') && !dom.contains('\u{1b}') && !dom.contains('\u{7}'));
    assert!(
        !dom.contains("pwned"),
        "an OSC title sequence reached the page"
    );
}

#[test]
fn hostile_strings_stay_inert_in_a_real_browser() {
    portwarden_testkit::require!(common::why_skip(&["ip", "chromium"]));
    let ns = Ns::new();
    hostile_journal(&ns.db);
    let dir: PathBuf = ns.db.parent().unwrap().to_path_buf();
    for (lang, name) in [("en", "report-en"), ("zh", "report-zh")] {
        let file = dir.join(format!("{name}.html"));
        let o = pw(
            &ns,
            &["report", "--lang", lang, "--html", file.to_str().unwrap()],
        );
        assert!(o.status.success(), "{}", text(&o));
        let html = std::fs::read_to_string(&file).unwrap();
        assert!(html.contains("Content-Security-Policy"));
        let png = dir.join(format!("{name}.png"));
        let dom = chromium(&ns, &file, &png);
        check_dom(&dom);
        let (n, w, h) = colours(&png);
        assert!(w >= 800 && h >= 600, "{w}x{h}");
        assert!(n > 8, "the screenshot has {n} colours: blank");
        if lang == "zh" {
            assert!(dom.contains("发现的问题"), "zh labels");
        }
    }
}

#[test]
fn html_to_stdout_and_bad_input() {
    portwarden_testkit::require!(common::why_skip(&["ip"]));
    let ns = Ns::new();
    // No journal yet: one clear line, exit 2.
    let o = pw(&ns, &["report", "--html", "-"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stderr).lines().count(), 1);
    hostile_journal(&ns.db);
    let o = pw(&ns, &["report", "--html", "-"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("<!DOCTYPE html>"));
    // Snapshot references as diff takes them.
    let o = pw(&ns, &["report", "--html", "-", "1", "3"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = pw(&ns, &["report", "--html", "-", "@2026-12-02"]);
    assert!(o.status.success(), "{}", text(&o));
    for bad in [
        &["99"][..],
        &["@nonsense"],
        &["1", "2"],
        &["/nonexistent.xml"],
    ] {
        let mut args = vec!["report", "--html", "-"];
        args.extend_from_slice(bad);
        let o = pw(&ns, &args);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", text(&o));
        assert_eq!(
            String::from_utf8_lossy(&o.stderr).trim().lines().count(),
            1,
            "{bad:?}"
        );
        assert!(o.stdout.is_empty());
    }
    // A file that cannot be written.
    let o = pw(&ns, &["report", "--html", "/nonexistent/dir/r.html"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

/// A python listener on 0.0.0.0:`port` in the namespace.
fn listen(ns: &mut Ns, port: u16) {
    ns.spawn_py(&format!(
        "import socket,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(('0.0.0.0',{port}))\ns.listen()\nprint('ready')\ntime.sleep(600)"
    ));
}

/// The changes section of a report.
fn changes(html: &str) -> &str {
    let start = html.find("<section id=\"changes\">").unwrap();
    let end = html[start..].find("</section>").unwrap();
    &html[start..start + end]
}

#[test]
fn the_timeline_shows_a_listener_started_between_two_audits() {
    portwarden_testkit::require!(common::why_skip(&["ip", "python3"]));
    let mut ns = Ns::new();
    let name = ns.name.clone();
    // As root, audit saves by default.
    let o = pw(&ns, &["audit", "--netns", &name]);
    assert!(o.status.success(), "{}", text(&o));
    listen(&mut ns, 6379);
    let o = pw(&ns, &["audit", "--netns", &name]);
    assert!(o.status.success(), "{}", text(&o));

    let o = pw(&ns, &["report", "--html", "-"]);
    assert!(o.status.success(), "{}", text(&o));
    let html = String::from_utf8_lossy(&o.stdout);
    let c = changes(&html);
    assert!(
        c.contains("<tr class=\"added\"><td>+</td><td>listener</td><td>tcp/6379</td>"),
        "{c}"
    );
    assert!(c.contains("#1 → #2"), "{c}");
    // The finding, with why, what to do and the command.
    assert!(html.contains("6379/tcp") && html.contains("portwarden close 6379/tcp"));

    // Live: the listener is there, and nothing changed since the last saved audit.
    let o = pw(&ns, &["report", "--now", "--netns", &name, "--html", "-"]);
    assert!(o.status.success(), "{}", text(&o));
    let live = String::from_utf8_lossy(&o.stdout);
    assert!(live.contains("<td>6379/tcp</td>"), "{live}");
    let c = changes(&live);
    assert!(
        c.contains("#2 → live audit") && c.contains("Nothing changed."),
        "{c}"
    );
}

#[test]
fn a_baseline_that_accepts_every_finding_says_so() {
    portwarden_testkit::require!(common::why_skip(&["ip", "python3"]));
    let mut ns = Ns::new();
    let name = ns.name.clone();
    listen(&mut ns, 6379);
    let o = pw(&ns, &["audit", "--netns", &name]);
    assert!(o.status.success(), "{}", text(&o));
    let o = pw(
        &ns,
        &["baseline", "accept", "--all", "--reason", "the lab's redis"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = pw(
        &ns,
        &[
            "audit",
            "--netns",
            &name,
            "--no-save",
            "--baseline",
            "--fail-on",
            "high",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!out.contains("nothing risky"), "{out}");
    assert!(
        out.contains("No new findings: the 1 finding is accepted by the baseline"),
        "{out}"
    );
}
