//! Fuzzes the sanitizers: whatever comes in, terminal text holds no control and no
//! invisible formatting character, HTML no markup, and a CSV cell never starts like a
//! formula.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portwarden_report::sanitize::{csv_cell, html, is_invisible, terminal, terminal_bytes};

fn inert(s: &str) -> bool {
    !s.chars().any(|c| c.is_control() || is_invisible(c))
}

fuzz_target!(|data: &[u8]| {
    let t = terminal_bytes(data);
    assert!(inert(&t), "{data:?} -> {t:?}");
    if let Ok(s) = std::str::from_utf8(data) {
        let t = terminal(s);
        assert!(inert(&t), "{s:?} -> {t:?}");
        let h = html(s);
        assert!(!h.contains(['<', '>', '"']), "{s:?} -> {h:?}");
        let c = csv_cell(s, false);
        assert!(!c.starts_with(['=', '+', '-', '@', '\t', '\r']), "{s:?}");
        assert_eq!(csv_cell(s, true), s);
    }
});
