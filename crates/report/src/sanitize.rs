//! Making untrusted text (banners, process names, command lines) safe to show.
//!
//! Three readers, three rules:
//! * a terminal ([`terminal`]): escape sequences removed, other controls made visible,
//!   invisible format characters (Unicode category Cf: bidi marks and overrides,
//!   zero-width characters, tag characters…) and the line/paragraph separators
//!   U+2028/U+2029 dropped, so nothing a peer chose can move the cursor, reorder or
//!   hide what a person reads;
//! * a spreadsheet ([`csv_cell`]): a cell that starts with `=`, `+`, `-`, `@`, a tab or a
//!   carriage return is prefixed with `'`, as OWASP recommends against formula
//!   injection (CSV injection), unless the caller asked for raw cells;
//! * HTML ([`html`]).

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Whether `c` is invisible formatting that a terminal must not receive: every Unicode
/// format character (Cf), the line and paragraph separators (Zl, Zp), and the Hangul
/// and Mongolian fillers and the interlinear annotation characters that render as
/// nothing.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c.general_category(),
        GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    ) || matches!(
        c,
        '\u{115f}' | '\u{1160}' | '\u{3164}' | '\u{ffa0}' | '\u{180b}'..='\u{180f}'
    )
}

/// Removes terminal escape sequences (CSI, OSC, DCS, single-character escapes), replaces
/// every other control character with a visible `\xNN`/`\u{..}` escape and drops the
/// invisible characters of [`is_invisible`] (bidi marks and overrides, zero-width
/// characters, tag characters, U+2028/U+2029…), so nothing a remote service or a local
/// process chose can move the cursor, retitle the window, reorder or hide text. Tabs
/// become a space.
pub fn terminal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.peek() {
                Some('[') => {
                    chars.next();
                    // CSI: parameters and intermediates, then one final byte 0x40..=0x7e.
                    for n in chars.by_ref() {
                        if ('\u{40}'..='\u{7e}').contains(&n) {
                            break;
                        }
                    }
                }
                Some(']') | Some('P') | Some('X') | Some('^') | Some('_') => {
                    chars.next();
                    // String sequences end with BEL or ST (ESC \).
                    while let Some(n) = chars.next() {
                        if n == '\u{7}' {
                            break;
                        }
                        if n == '\u{1b}' {
                            if chars.peek() == Some(&'\\') {
                                chars.next();
                            }
                            break;
                        }
                    }
                }
                Some(_) => {
                    chars.next();
                }
                None => {}
            },
            // C1 CSI and other C1 controls.
            '\u{9b}' => {
                for n in chars.by_ref() {
                    if ('\u{40}'..='\u{7e}').contains(&n) {
                        break;
                    }
                }
            }
            '\t' => out.push(' '),
            c if c.is_control() => {
                if (c as u32) < 0x100 {
                    out.push_str(&format!("\\x{:02x}", c as u32));
                } else {
                    out.push_str(&format!("\\u{{{:x}}}", c as u32));
                }
            }
            // Bidi marks and overrides, zero-width and tag characters: they can reorder,
            // join or hide what a person reads.
            c if is_invisible(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Decodes bytes from the network as UTF-8, replacing invalid sequences, then applies
/// [`terminal`].
pub fn terminal_bytes(b: &[u8]) -> String {
    terminal(&String::from_utf8_lossy(b))
}

/// One CSV cell, neutralised against formula injection: a cell that starts with `=`,
/// `+`, `-`, `@`, a tab or a carriage return gets a leading `'` (OWASP's advice), so a
/// spreadsheet shows it as text instead of evaluating it. With `raw`, the cell is
/// returned as is (`--csv-raw`). The CSV writer quotes the cell as needed.
pub fn csv_cell(s: &str, raw: bool) -> String {
    if !raw && s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// Replaces every string in a JSON value (not the keys, which are ours) by its
/// [`terminal`]-sanitised form: what a peer or a process chose cannot reach the terminal
/// of whoever prints a field (`jq -r`).
pub fn json_strings(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) => {
            let clean = terminal(s);
            if clean != *s {
                *s = clean;
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(json_strings),
        serde_json::Value::Object(o) => o.values_mut().for_each(json_strings),
        _ => {}
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => out.push_str(&format!("&#x{:x};", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_escapes() {
        assert_eq!(terminal("a\u{1b}[31mred\u{1b}[0m b"), "ared b");
        assert_eq!(terminal("x\u{1b}]0;pwned\u{7}y"), "xy");
        assert_eq!(terminal("x\u{1b}]0;pwned\u{1b}\\y"), "xy");
        assert_eq!(terminal("bell\u{7}nul\0"), "bell\\x07nul\\x00");
        assert_eq!(terminal("\u{9b}2Jok"), "ok");
        assert_eq!(terminal_bytes(b"ok\xff\xfe"), "ok\u{fffd}\u{fffd}");
    }

    #[test]
    fn drops_invisible_formatting() {
        for c in [
            '\u{202e}',
            '\u{202a}',
            '\u{2066}',
            '\u{2069}', // overrides and isolates
            '\u{200e}',
            '\u{200f}',
            '\u{061c}', // bidi marks
            '\u{200b}',
            '\u{200c}',
            '\u{200d}',
            '\u{2060}',
            '\u{feff}', // zero width
            '\u{2028}',
            '\u{2029}', // line and paragraph separators
            '\u{e0001}',
            '\u{e0041}',
            '\u{e007f}', // tags
            '\u{00ad}',
            '\u{180e}',
            '\u{fff9}',
            '\u{3164}',
        ] {
            assert_eq!(terminal(&format!("a{c}b")), "ab", "U+{:04X}", c as u32);
        }
        // Ordinary letters, marks and emoji stay.
        assert_eq!(terminal("日本 é ü 👍"), "日本 é ü 👍");
    }

    #[test]
    fn json_strings_sanitised() {
        let mut v =
            serde_json::json!({"a": ["x\u{1b}]52;c;eA==\u{7}y", 1], "b": {"c": "\u{202e}z"}});
        json_strings(&mut v);
        assert_eq!(v, serde_json::json!({"a": ["xy", 1], "b": {"c": "z"}}));
    }

    #[test]
    fn csv_cells_neutralised() {
        for s in ["=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(csv_cell(s, false), format!("'{s}"));
            assert_eq!(csv_cell(s, true), s);
        }
        assert_eq!(csv_cell("ssh", false), "ssh");
        assert_eq!(csv_cell("", false), "");
        assert_eq!(csv_cell("a=b", false), "a=b");
    }

    proptest::proptest! {
        // The fuzz target `sanitize` (scripts/fuzz) checks the same for longer.
        #[test]
        fn output_is_inert(s in "(\\PC|[\\x00-\\x1f\\x7f-\\x9f\\u{200b}-\\u{200f}\\u{2028}-\\u{202e}\\u{2060}-\\u{206f}\\u{feff}\\u{e0000}-\\u{e007f}])*") {
            let t = terminal(&s);
            proptest::prop_assert!(!t.chars().any(|c| c.is_control() || is_invisible(c)), "{:?}", t);
            let c = csv_cell(&t, false);
            proptest::prop_assert!(!c.starts_with(['=', '+', '-', '@', '\t', '\r']));
        }
    }

    #[test]
    fn escapes_html() {
        assert_eq!(html("<script>\"&'"), "&lt;script&gt;&quot;&amp;&#39;");
    }
}
