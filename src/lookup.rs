//! `portwarden lookup`: cards for ports, ranges, names, malware and words.

use crate::cli::LookupArgs;
use crate::ui::{self, Failure};
use std::process::ExitCode;

/// Runs the command. Exit 0 when something was found, 1 when nothing was (like grep),
/// 2 on bad input.
pub fn run(a: &LookupArgs) -> Result<ExitCode, Failure> {
    let style = ui::style(&a.style);
    let eph = ui::ephemeral();
    // `80,443` and `ssh,telnet` are lists, as in `scan -p` and `close`.
    let raw: Vec<String> = a
        .queries
        .iter()
        .flat_map(|q| {
            if q.contains(',') && !q.contains(char::is_whitespace) {
                q.split(',')
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .collect()
            } else {
                vec![q.clone()]
            }
        })
        .collect();
    let mut queries = Vec::new();
    for q in &raw {
        queries.push(portwarden_kb::parse_query(q).map_err(|e| Failure::Usage(ui::say(&e.0)))?);
    }
    let mut cards = Vec::new();
    let mut missing = Vec::new();
    for (raw, q) in raw.iter().zip(&queries) {
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
            let near = portwarden_kb::similar_names(m, 3);
            let m = portwarden_report::sanitize::terminal(m);
            let line = if near.is_empty() {
                style.msg(&portwarden_i18n::msg!(
                    "cli-lookup-nothing-known",
                    query = m
                ))
            } else {
                style.msg(&portwarden_i18n::msg!(
                    "cli-lookup-nothing-known-did-you-mean",
                    query = m,
                    near = portwarden_i18n::Arg::List(near.iter().map(|n| n.to_string()).collect())
                ))
            };
            eprintln!("portwarden: {line}");
        }
    }
    Ok(if cards.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
