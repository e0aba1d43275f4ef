//! JSON: the whole report as one object (`--json`), or one host per line (`--jsonl`).
//!
//! Text fields hold only sanitised text ([`crate::sanitize::terminal`]): a banner or a
//! product string cannot carry an escape sequence to the terminal of whoever prints the
//! field (`jq -r`). The exact bytes a service sent are kept, base64-encoded, in
//! `banner_base64` beside `banner`.

use base64::Engine as _;
use portwarden_scan::{HostResult, ScanReport};
use serde_json::Value;

/// One host as a sanitised JSON value, with `banner_base64` beside each banner.
fn host_value(h: &HostResult) -> Value {
    let mut v = serde_json::to_value(h).unwrap_or(Value::Null);
    crate::sanitize::json_strings(&mut v);
    if let Some(ports) = v.get_mut("ports").and_then(Value::as_array_mut) {
        for (pv, p) in ports.iter_mut().zip(&h.ports) {
            let (Some(b), Some(obj)) = (&p.banner, pv.as_object_mut()) else {
                continue;
            };
            // The model's preview escapes bytes that are not UTF-8 (`\xff`); what is
            // left of text is sanitised like every other field.
            obj.insert(
                "banner".into(),
                Value::String(crate::sanitize::terminal(&b.preview())),
            );
            obj.insert(
                "banner_base64".into(),
                Value::String(base64::engine::general_purpose::STANDARD.encode(&b.0)),
            );
        }
    }
    v
}

/// The whole report, pretty-printed, with a `hosts` array of one object per host.
pub fn render(r: &ScanReport) -> String {
    let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
    crate::sanitize::json_strings(&mut v);
    if let Some(obj) = v.as_object_mut() {
        obj.insert(
            "hosts".into(),
            Value::Array(r.hosts.iter().map(host_value).collect()),
        );
    }
    serde_json::to_string_pretty(&v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}")) + "\n"
}

/// One host as a single line of NDJSON (newline included).
pub fn host_line(h: &HostResult) -> String {
    serde_json::to_string(&host_value(h)).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
        + "\n"
}
