//! End-to-end tests of `portwarden lookup`, driving the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use assert_cmd::Command;

fn pw() -> Command {
    let mut c = Command::cargo_bin("portwarden").unwrap();
    c.env_remove("LC_ALL")
        .env_remove("LANG")
        .env_remove("LC_MESSAGES");
    c.env("NO_COLOR", "1");
    c
}

#[test]
fn port_card_in_english_and_chinese() {
    let out = pw().args(["lookup", "3389"]).output().unwrap();
    assert!(out.status.success());
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.starts_with("3389"), "{s}");
    assert!(s.contains("ms-wbt-server"));
    assert!(s.contains("advice"));
    assert!(!s.contains('\u{1b}'), "no colour when piped");
    let out = pw()
        .args(["lookup", "--lang", "zh", "3389"])
        .output()
        .unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("建议"), "{s}");
    // The locale picks Chinese when no --lang is given.
    let out = pw()
        .env("LANG", "zh_CN.UTF-8")
        .args(["lookup", "23"])
        .output()
        .unwrap();
    assert!(String::from_utf8(out.stdout).unwrap().contains("风险"));
}

#[test]
fn queries_of_every_kind() {
    for q in [
        "53/udp",
        "6660-6670",
        "ssh",
        "subseven",
        "冰河",
        "remote desktop",
    ] {
        let out = pw().args(["lookup", q]).output().unwrap();
        assert!(
            out.status.success(),
            "{q}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.stdout.is_empty(), "{q}");
    }
    let out = pw().args(["lookup", "--json", "冰河"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ports: Vec<u64> = v["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["port"].as_u64().unwrap())
        .collect();
    assert!(ports.contains(&7626), "{ports:?}");
    assert_eq!(v["iana_registry"], "2026-08-17");
}

#[test]
fn nothing_found_exits_1() {
    let out = pw().args(["lookup", "qqzzxxnothing"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    for bad in ["70000", "-1", "80-20", "", "%%%", "80/icmp", "1-99999"] {
        let out = pw().args(["lookup", bad]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{bad:?}: {err}");
        assert!(err.starts_with("portwarden: "), "{err}");
    }
    let out = pw()
        .args(["lookup", "--lang", "fr", "22"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
}

#[test]
fn version_names_the_registry_date() {
    let out = pw().arg("--version").output().unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("IANA registry 2026-08-17"), "{s}");
}

#[test]
fn completions_and_man_page() {
    let out = pw().args(["completions", "bash"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("lookup"));
    let out = pw().arg("man").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(".TH"));
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    // Piped, without NO_COLOR: no escapes (stdout is not a terminal).
    let mut c = Command::cargo_bin("portwarden").unwrap();
    c.env_remove("NO_COLOR").args(["lookup", "23"]);
    let out = c.output().unwrap();
    assert!(!out.stdout.contains(&0x1b));
    // Forced.
    let out = pw()
        .args(["lookup", "--color", "always", "23"])
        .output()
        .unwrap();
    assert!(out.stdout.contains(&0x1b));
}

#[test]
fn a_closed_pipe_ends_quietly() {
    use std::io::Read;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("portwarden"))
        .args(["lookup", "1-2000"])
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(141));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = pw().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn what_a_new_user_types_is_understood() {
    // Words typed together: the port they name comes first.
    let (code, out, _) = run(&["lookup", "--json", "remote desktop"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["ports"][0]["port"], 3389, "{out}");
    // Lists, as in `scan -p` and `close`.
    let (code, out, _) = run(&["lookup", "80,443"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("80 ") && out.contains("\n443 "), "{out}");
    // A typo gets a suggestion.
    let (code, _, err) = run(&["lookup", "telent"]);
    assert_eq!(code, 1);
    assert_eq!(
        err.trim(),
        "portwarden: nothing known about telent; did you mean telnet, mevent, talnet?"
    );
    // No empty parentheses or dangling dashes when IANA gives no description.
    let (_, out, _) = run(&["lookup", "2024"]);
    assert!(
        !out.contains("()") && !out.lines().next().unwrap().ends_with('—'),
        "{out}"
    );
}

#[test]
fn usage_errors_are_one_complete_line() {
    let (code, _, err) = run(&["lookup"]);
    assert_eq!(code, 2);
    assert_eq!(
        err.trim(),
        "portwarden: the following required arguments were not provided: <QUERY>..."
    );
    let (code, _, err) = run(&["lookup", "--lang", "fr", "22"]);
    assert_eq!(code, 2);
    assert!(err.contains("(valid: en, zh)"), "{err}");
    assert_eq!(err.lines().count(), 1);
    let (code, _, err) = run(&["lokup", "22"]);
    assert_eq!(code, 2);
    assert!(err.contains("similar subcommand exists: 'lookup'"), "{err}");
    let huge = format!("--{}", "x".repeat(100_000));
    let (code, _, err) = run(&["lookup", &huge]);
    assert_eq!(code, 2);
    assert!(
        err.len() < 400,
        "the argument is not echoed whole: {} bytes",
        err.len()
    );
}
