//! JSON: the whole report as one object (`--json`), or one host per line (`--jsonl`).
//! Banners are strings; JSON escaping keeps control bytes inert.

use portwarden_scan::{HostResult, ScanReport};

/// The whole report, pretty-printed, with a `hosts` array of one object per host.
pub fn render(r: &ScanReport) -> String {
    serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}")) + "\n"
}

/// One host as a single line of NDJSON (newline included).
pub fn host_line(h: &HostResult) -> String {
    serde_json::to_string(h).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}")) + "\n"
}
