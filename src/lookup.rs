//! `portwarden lookup`: cards for ports, ranges, names, malware and words.

use crate::cli::LookupArgs;
use crate::ui::{self, Failure};
use std::process::ExitCode;

/// Runs the command. Exit 0 when something was found, 1 when nothing was (like grep),
/// 2 on bad input.
pub fn run(a: &LookupArgs) -> Result<ExitCode, Failure> {
    let style = ui::style(&a.style);
    let eph = ui::ephemeral();
    let mut queries = Vec::new();
    for q in &a.queries {
        queries.push(portwarden_kb::parse_query(q).map_err(|e| Failure::Usage(e.to_string()))?);
    }
    let mut cards = Vec::new();
    let mut missing = Vec::new();
    for (raw, q) in a.queries.iter().zip(&queries) {
        let found = portwarden_kb::resolve(q, eph);
        if found.is_empty() {
            missing.push(raw.clone());
        }
        for c in found {
            if !cards
                .iter()
                .any(|x: &portwarden_kb::PortCard| x.port == c.port && x.protocol == c.protocol)
            {
                cards.push(c);
            }
        }
    }
    if a.json {
        let v = serde_json::json!({
            "iana_registry": portwarden_kb::IANA_UPDATED,
            "ephemeral_range": eph,
            "ports": cards,
            "not_found": missing,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&v).map_err(|e| Failure::Runtime(e.into()))?
        );
    } else {
        if !cards.is_empty() {
            print!("{}", portwarden_report::card::render_all(&cards, &style));
        }
        for m in &missing {
            eprintln!(
                "portwarden: {}",
                style
                    .t("nothing known about", "没有找到相关信息：")
                    .to_string()
                    + " "
                    + &portwarden_report::sanitize::terminal(m)
            );
        }
    }
    Ok(if cards.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
