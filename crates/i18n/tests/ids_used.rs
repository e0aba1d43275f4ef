//! Every message id the workspace's sources use exists in the catalogs, and every
//! message of the catalogs is used somewhere: a typo in an id would otherwise show as
//! `[the-id]` to users, and a dead message would be translated for nothing.
//!
//! Ids are found two ways: as the first literal of the call forms that take one
//! (`msg!("…"`, `tr!(lang, "…"`, `Msg::new("…")`, `.text("…")`, `label(lang, "…")`,
//! `text(lang, "…")`), and as any string literal shaped like an id (`domain-name`, lower
//! case, at least one hyphen: every catalog id is) whose first two segments are those
//! of a catalog id (`"control-port-already-closed"` chosen in an `if`, the product
//! table's `why: "product-redis-why"`). Ids built at runtime (`os-error-{errno}`) are
//! listed in [`BUILT_AT_RUNTIME`] and checked where they are built.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|e| panic!("workspace root: {e}"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if p.is_dir() {
            if !matches!(name.as_str(), "target" | ".git" | "fuzz" | "node_modules") {
                rust_files(&p, out);
            }
        } else if name.ends_with(".rs") || name.ends_with(".html") {
            // Askama templates (`crates/html/templates`) look ids up too.
            out.push(p);
        }
    }
}

/// The string literals of a source file (plain `"…"` ones; raw strings and char
/// literals are skipped), with the text just before each.
fn literals(src: &str) -> Vec<(usize, String)> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'\'' => {
                // A char literal ('"', '\'') or a lifetime ('a): skip the char literal.
                if b.get(i + 1) == Some(&b'\\') && b.get(i + 3) == Some(&b'\'') {
                    i += 4;
                    continue;
                }
                if b.get(i + 2) == Some(&b'\'') {
                    i += 3;
                    continue;
                }
                i += 1;
            }
            b'r' if b.get(i + 1) == Some(&b'#')
                || (b.get(i + 1) == Some(&b'"')
                    && i > 0
                    && !b[i - 1].is_ascii_alphanumeric()
                    && b[i - 1] != b'_') =>
            {
                // A raw string: r"…" or r#"…"#.
                let mut j = i + 1;
                let mut hashes = 0;
                while b.get(j) == Some(&b'#') {
                    hashes += 1;
                    j += 1;
                }
                if b.get(j) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let close: Vec<u8> = std::iter::once(b'"')
                    .chain(std::iter::repeat_n(b'#', hashes))
                    .collect();
                j += 1;
                while j < b.len() && !b[j..].starts_with(&close) {
                    j += 1;
                }
                i = j + close.len();
            }
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && b[j] != b'"' {
                    if b[j] == b'\\' {
                        j += 1;
                    }
                    j += 1;
                }
                out.push((i, src[start..j.min(src.len())].to_string()));
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// The first two segments of an id (`control-port` of `control-port-already-closed`).
fn head(id: &str) -> String {
    id.split('-').take(2).collect::<Vec<_>>().join("-")
}

/// Ids the code builds at runtime, by prefix, each with a check of its own beside the
/// code that builds them.
const BUILT_AT_RUNTIME: &[&str] = &[
    // `os-error-{errno}`: src/errors.rs (`runtime_errors_read_in_the_language`).
    "os-error-",
    // `audit-probe-{finding}-why|do`: crates/audit/src/probe.rs (its test checks every
    // finding id the scanner proves has both).
    "audit-probe-",
];

fn id_shaped(s: &str) -> bool {
    let mut parts = s.split('-');
    parts.clone().count() >= 2
        && parts.all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// Whether the literal at `at` is the id argument of a call that takes one.
fn in_id_call(src: &str, at: usize) -> bool {
    let before = src[..at].trim_end();
    let forms = [
        "msg!(",
        "Msg::new(",
        ".text(",
        "portwarden_i18n::text(lang,",
    ];
    if forms.iter().any(|f| before.ends_with(f)) {
        return true;
    }
    // tr!(LANG, "…" / label(LANG, "…" / text(LANG, "…": one argument before it.
    if let Some(comma) = before.strip_suffix(',') {
        for f in ["tr!(", "label(", "text("] {
            if let Some(k) = comma.rfind(f) {
                let arg = &comma[k + f.len()..];
                if !arg.contains(['(', ')', '"', ',', ';', '{', '}']) {
                    return true;
                }
            }
        }
    }
    false
}

#[test]
fn every_id_used_exists_and_every_message_is_used() {
    let known: BTreeSet<String> = portwarden_i18n::ids().into_iter().collect();
    assert!(!known.is_empty());
    // A literal that is not given to one of the calls is taken for an id when a catalog
    // id shares its first two segments (`control-port-…`, `product-redis-…`): enough to
    // catch a typo in the rest, without taking nmap's `port-unreach` for one.
    let domains: BTreeSet<String> = known.iter().map(|id| head(id)).collect();
    let root = workspace();
    let mut files = Vec::new();
    for dir in ["src", "crates", "tests"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 20, "found only {} source files", files.len());
    let mut missing = Vec::new();
    let mut used = BTreeSet::new();
    for f in &files {
        let Ok(src) = std::fs::read_to_string(f) else {
            continue;
        };
        let rel = f.strip_prefix(&root).unwrap_or(f).display().to_string();
        for (at, lit) in literals(&src) {
            // Every id has a domain and a name (`audit-text`); other literals given to
            // `.text(…)` (XML readers) or test placeholders are not ids.
            if !id_shaped(&lit) {
                continue;
            }
            let explicit = in_id_call(&src, at);
            let domain = domains.contains(&head(&lit));
            if !(explicit || domain) {
                continue;
            }
            if known.contains(&lit) {
                used.insert(lit);
            } else if lit != "no-such-message" {
                let line = src[..at].lines().count();
                missing.push(format!("{rel}:{line}: {lit:?}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "message ids used in the sources but not in the en catalog:\n{}",
        missing.join("\n")
    );
    let unused: Vec<&String> = known
        .iter()
        .filter(|id| !used.contains(*id))
        .filter(|id| !BUILT_AT_RUNTIME.iter().any(|p| id.starts_with(p)))
        .collect();
    assert!(
        unused.is_empty(),
        "messages no source uses (remove them, or use them):\n{}",
        unused
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_scanner_finds_ids_in_every_call_form() {
    let src = r##"
        let a = msg!("x-one", n = 1);
        let b = tr!(lang, "x-two");
        let c = Msg::new("x-three");
        let d = st.text("x-four");
        let e = label(Lang::Zh, "x-five");
        let f = format!("not-an-id {}", 1);
        let g = '"'; let h = r#"x-raw"#;
    "##;
    let found: Vec<String> = literals(src)
        .into_iter()
        .filter(|(at, _)| in_id_call(src, *at))
        .map(|(_, l)| l)
        .collect();
    assert_eq!(found, ["x-one", "x-two", "x-three", "x-four", "x-five"]);
    assert!(id_shaped("product-redis-why") && !id_shaped("Port 80") && !id_shaped("x"));
}
