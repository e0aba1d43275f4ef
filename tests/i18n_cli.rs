//! End-to-end: with `--lang zh` (or a Chinese locale) every line portwarden writes is
//! Chinese — usage errors (ours and clap's), `ls`, `lookup`, `scan`, `close` and
//! `history` errors, and a whole `audit` run in a namespace the test creates. Names,
//! paths, flags and commands stay as they are; no English sentence may be left.
//! The same commands in English must say English (so the check can fail).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;
use assert_cmd::Command;
use common::Ns;

/// Runs of three or more English words outside `code` spans: what a Chinese line must
/// not contain (flags, paths and single names are not sentences).
fn english_sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        // Drop `code` spans: commands keep their English.
        let mut plain = String::new();
        for (i, part) in line.split('`').enumerate() {
            if i % 2 == 0 {
                plain.push_str(part);
                plain.push(' ');
            }
        }
        let mut run: Vec<&str> = Vec::new();
        let flush = |run: &mut Vec<&str>, out: &mut Vec<String>| {
            if run.len() >= 3 {
                out.push(format!("{}  <- in: {line}", run.join(" ")));
            }
            run.clear();
        };
        for w in plain.split(' ') {
            let word = w.trim_matches(|c: char| ",.;:!?()'\"".contains(c));
            if word.len() >= 2 && word.chars().all(|c| c.is_ascii_alphabetic()) {
                run.push(word);
                // A list of names (`local, port, remote`) is not a sentence.
                if w.ends_with(',') {
                    flush(&mut run, &mut out);
                }
            } else {
                flush(&mut run, &mut out);
            }
        }
        flush(&mut run, &mut out);
    }
    out
}

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

fn run(args: &[&str], locale: &str) -> (i32, String, String) {
    let out = Command::cargo_bin("portwarden")
        .unwrap()
        .args(args)
        .env("LANG", locale)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("NO_COLOR", "1")
        .env("PORTWARDEN_DB", "/nonexistent/portwarden-i18n-test.db")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Commands that fail before any packet leaves (bad input), each with its exit code.
const ERRORS: &[(&[&str], i32)] = &[
    // clap: a missing argument, an unknown flag
    (&["lookup"], 2),
    (&["ls", "--bogus"], 2),
    // our own value parsers
    (&["ls", "--state", "foo"], 2),
    (&["ls", "--sort", "x"], 2),
    (&["ls", "--port", "99999"], 2),
    (&["ls", "--watch", "0"], 2),
    (&["close", "80-90", "--dry-run"], 2),
    (&["history", "--keep", "x"], 2),
    // lookup
    (&["lookup", "80-20"], 2),
    (&["lookup", "nosuchthingxyz"], 1),
    // scan: targets, ports, files, flags
    (&["scan", "300.1.1.1", "-p", "80"], 2),
    (&["scan", "127.0.0.1", "-p", "0"], 2),
    (&["scan", "127.0.0.1", "-p", "80-20"], 2),
    (&["scan", "127.0.0.1", "-p", "80", "--rate", "0"], 2),
    (
        &[
            "scan",
            "--exclude-file",
            "/nonexistent/pw-list",
            "127.0.0.1",
            "-p",
            "80",
        ],
        2,
    ),
    // a runtime failure with the system's own words
    (&["ls", "--netns", "pw-no-such-namespace"], 3),
];

#[test]
fn errors_are_chinese_with_lang_zh_and_english_without() {
    for (args, code) in ERRORS {
        let mut zh_args = args.to_vec();
        zh_args.extend(["--lang", "zh"]);
        let (c, _, err) = run(&zh_args, "C");
        assert_eq!(c, *code, "{args:?}: {err}");
        assert!(has_chinese(&err), "{args:?}: not Chinese: {err}");
        let left = english_sentences(&err);
        assert!(
            left.is_empty(),
            "{args:?}: English left:\n{}",
            left.join("\n")
        );
        assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err}");
        // The same in English says English (the check above can fail).
        let (c, _, err) = run(args, "C");
        assert_eq!(c, *code, "{args:?}: {err}");
        assert!(!has_chinese(&err), "{args:?}: {err}");
        assert!(
            !english_sentences(&err).is_empty() || err.len() < 60,
            "{args:?}: {err}"
        );
    }
}

#[test]
fn a_chinese_locale_is_enough_even_before_the_command_is_known() {
    // A typo in the command: no --lang can be read yet, the locale decides.
    let (c, _, err) = run(&["lookpu"], "zh_CN.UTF-8");
    assert_eq!(c, 2);
    assert!(has_chinese(&err) && err.contains("lookup"), "{err}");
    assert!(english_sentences(&err).is_empty(), "{err}");
    let (_, _, err) = run(&["lookpu"], "C");
    assert!(err.contains("unrecognized subcommand"), "{err}");
    // A command without --lang of its own takes the locale too.
    let (c, _, err) = run(
        &["baseline", "accept", "--reason", "x", "foo:bar"],
        "zh_CN.UTF-8",
    );
    assert_eq!(c, 2, "{err}");
    assert!(
        has_chinese(&err) && english_sentences(&err).is_empty(),
        "{err}"
    );
}

#[test]
fn the_sentence_finder_finds_sentences_and_spares_commands() {
    assert!(!english_sentences("nothing was changed").is_empty());
    assert!(english_sentences("已拒绝；请用 `sudo portwarden ls --port 22` 查看").is_empty());
    assert!(english_sentences("端口 22/tcp（sshd）: ssl/http (nginx 1.22.1)").is_empty());
    assert!(english_sentences("（可用：local, port, remote, state）").is_empty());
}

/// A whole audit in a namespace with listeners of several kinds: a known program on a
/// port of its own, an unknown program on a registered port, an unregistered port.
#[test]
fn an_audit_run_reads_chinese() {
    let tools = ["ip", "python3"];
    portwarden_testkit::require!(common::why_skip(&tools));
    let mut ns = Ns::new();
    let code = "import socket,threading\nkeep=[]\nfor p in (23, 6379, 47123):\n s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1); s.bind(('0.0.0.0',p)); s.listen(); keep.append(s)\nu=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); u.bind(('0.0.0.0',161)); keep.append(u)\nprint('ready',flush=True)\nthreading.Event().wait()\n";
    ns.spawn_py(code);
    let out = ns.pw(&["audit", "--lang", "zh", "--no-save", "--no-firewall"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}{err}");
    assert!(text.matches("原因").count() >= 3, "{text}");
    let left = english_sentences(&format!("{text}{err}"));
    assert!(
        left.is_empty(),
        "English left in the audit:\n{}",
        left.join("\n")
    );
    // ls and its notes too.
    let out = ns.pw(&["ls", "--lang", "zh", "-l", "--no-firewall"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("协议") && text.contains("风险"), "{text}");
    assert!(english_sentences(&text).is_empty(), "{text}");
    // The same audit in English is English.
    let out = ns.pw(&["audit", "--no-save", "--no-firewall"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !has_chinese(&text) && text.contains("is listening"),
        "{text}"
    );
}
