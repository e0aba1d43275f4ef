//! CSV (`--csv`): one row per listed port, banners sanitised to one line. Every cell is
//! neutralised against formula injection ([`crate::sanitize::csv_cell`]) unless the
//! caller asks for raw cells (`--csv-raw`).

use portwarden_kb::Lang;
use portwarden_scan::ScanReport;

/// Column names, in order.
pub const HEADER: [&str; 13] = [
    "target",
    "address",
    "hostname",
    "port",
    "protocol",
    "state",
    "reason",
    "rtt_us",
    "service",
    "risk",
    "identified",
    "off_port",
    "banner",
];

/// The whole report as CSV with a header row. `lang` is unused by the columns today
/// but kept for the advice column a caller may add. With `raw`, cells that a spreadsheet
/// would read as formulas are left as they are.
pub fn render(r: &ScanReport, _lang: Lang, raw: bool) -> String {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(HEADER);
    for h in &r.hosts {
        for p in &h.ports {
            let row = [
                crate::sanitize::terminal(&h.target),
                h.addr.to_string(),
                h.hostname
                    .as_deref()
                    .map(crate::sanitize::terminal)
                    .unwrap_or_default(),
                p.port.to_string(),
                p.protocol.to_string(),
                p.state.as_str().to_string(),
                p.reason.as_str().to_string(),
                p.rtt.map(|d| d.as_micros().to_string()).unwrap_or_default(),
                p.service.unwrap_or("").to_string(),
                p.risk.map(|x| x.as_str().to_string()).unwrap_or_default(),
                p.identified
                    .as_ref()
                    .map(|i| i.name.to_string())
                    .unwrap_or_default(),
                p.identified
                    .as_ref()
                    .map(|i| i.off_port.to_string())
                    .unwrap_or_default(),
                p.banner
                    .as_ref()
                    .map(|b| super::banner_line(&b.0, 200))
                    .unwrap_or_default(),
            ];
            let _ = w.write_record(row.iter().map(|c| crate::sanitize::csv_cell(c, raw)));
        }
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}
