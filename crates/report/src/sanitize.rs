//! Making untrusted text (banners, process names, command lines) safe to show.

/// Removes terminal escape sequences (CSI, OSC, DCS, single-character escapes) and
/// replaces every other control character with a visible `\xNN`/`\u{..}` escape, so
/// nothing a remote service or a local process chose can move the cursor, retitle the
/// window or hide text. Tabs become a space.
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
            // Bidi overrides can reorder what a person reads.
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
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
        assert_eq!(terminal("a\u{202e}b"), "a\\u{202e}b");
    }

    #[test]
    fn escapes_html() {
        assert_eq!(html("<script>\"&'"), "&lt;script&gt;&quot;&amp;&#39;");
    }
}
