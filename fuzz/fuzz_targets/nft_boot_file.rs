//! Fuzzes the nftables boot-file builder: whatever comments a ruleset listing holds (any
//! bytes, planted by anyone with CAP_NET_ADMIN), the file portwarden writes holds only
//! its own statements, and every kept rule's quoted comment is plain stamp text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portwarden_control::nft::boot_file_from_comments;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // NUL separates comments: a comment itself may hold newlines, quotes, anything.
    let file = boot_file_from_comments(text.split('\0'));
    for line in file.lines() {
        let ours = line.starts_with('#')
            || matches!(
                line,
                "table inet portwarden"
                    | "delete table inet portwarden"
                    | "table inet portwarden {"
                    | "  chain input {"
                    | "    type filter hook input priority -10; policy accept;"
                    | "  }"
                    | "}"
            )
            || line.starts_with("add rule inet portwarden input meta l4proto ");
        assert!(ours, "foreign line {line:?} from {text:?}");
        if let Some((_, c)) = line.split_once(" comment \"") {
            let c = c.strip_suffix('"').unwrap_or_else(|| panic!("{line:?}"));
            assert!(
                c.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, ':' | '-' | '.' | '_')),
                "comment {c:?}"
            );
        }
    }
});
