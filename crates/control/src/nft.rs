//! portwarden's nftables table (`inet portwarden`): the rule script, finding our rules in
//! `nft -j` output, and writing them where nftables loads them at boot. We only ever
//! touch this one table; other tables are never read for changes nor modified.

use crate::System;
use portwarden_sockets::Transport;

/// The file `--persist` writes.
pub const PERSIST_FILE: &str = "/etc/portwarden/nftables.nft";
/// The main nftables config that loads it at boot (Debian's nftables.service).
pub const MAIN_CONF: &str = "/etc/nftables.conf";

/// The table and chain declaration (idempotent: adding an existing table is a no-op).
pub const TABLE: &str = "table inet portwarden {\n  chain input {\n    type filter hook input priority -10; policy accept;\n  }\n}\n";

/// The comment that tags a rule: it carries what is needed to rebuild the rule.
pub fn comment(port: u16, t: Transport, reject: bool, stamp: &str) -> String {
    format!(
        "portwarden:{port}:{t}:{}:{stamp}",
        if reject { "reject" } else { "drop" }
    )
}

/// The script that ensures the table and adds one rule.
pub fn add_rule_script(rule: &str, comment: &str) -> String {
    let c: String = comment
        .chars()
        .filter(|c| *c != '"' && *c != '\\')
        .take(120)
        .collect();
    format!("{TABLE}add rule inet portwarden input {rule} comment \"{c}\"\n")
}

/// Handles of the rules in `nft -j list table inet portwarden` output whose comment is
/// `comment`.
pub fn handles_with_comment(json: &str, comment: &str) -> Vec<u64> {
    rules(json)
        .into_iter()
        .filter(|(_, c)| c == comment)
        .map(|(h, _)| h)
        .collect()
}

/// (handle, comment) of every rule in our table.
pub fn rules(json: &str) -> Vec<(u64, String)> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(json) else {
        return Vec::new();
    };
    v["nftables"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i.get("rule"))
                .filter(|r| r["table"] == "portwarden" && r["family"] == "inet")
                .filter_map(|r| {
                    Some((
                        r["handle"].as_u64()?,
                        r["comment"].as_str().unwrap_or("").to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Rebuilds a rule from its comment, if it is one of ours.
pub fn rule_from_comment(c: &str) -> Option<String> {
    let mut it = c.split(':');
    if it.next()? != "portwarden" {
        return None;
    }
    let port: u16 = it.next()?.parse().ok()?;
    let t = match it.next()? {
        "tcp" => Transport::Tcp,
        "udp" => Transport::Udp,
        _ => return None,
    };
    let reject = it.next()? == "reject";
    Some(crate::rule_text(port, t, reject))
}

/// The boot-time file for the rules now in the table.
pub fn persist_text(json: &str) -> String {
    let mut s = String::from(
        "#!/usr/sbin/nft -f\n# Written by portwarden (portwarden close --persist). Undo with portwarden open.\n",
    );
    s.push_str("table inet portwarden\ndelete table inet portwarden\n");
    s.push_str(TABLE);
    for (_, c) in rules(json) {
        if let Some(rule) = rule_from_comment(&c) {
            s.push_str(&format!(
                "add rule inet portwarden input {rule} comment \"{c}\"\n"
            ));
        }
    }
    s
}

/// Writes [`PERSIST_FILE`] and makes sure [`MAIN_CONF`] includes it.
pub fn persist(sys: &dyn System, json: &str) -> Result<(), String> {
    sys.write_file(PERSIST_FILE, &persist_text(json))
        .map_err(|e| format!("{PERSIST_FILE}: {e}"))?;
    let include = format!("include \"{PERSIST_FILE}\"");
    let main = sys
        .read_file(MAIN_CONF)
        .unwrap_or_else(|| "#!/usr/sbin/nft -f\n".into());
    if !main.contains(&include) {
        let mut m = main;
        if !m.ends_with('\n') {
            m.push('\n');
        }
        m.push_str(&include);
        m.push('\n');
        sys.write_file(MAIN_CONF, &m)
            .map_err(|e| format!("{MAIN_CONF}: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LISTED: &str = r#"{"nftables": [{"metainfo": {"version": "1.0.6"}}, {"table": {"family": "inet", "name": "portwarden", "handle": 7}}, {"chain": {"family": "inet", "table": "portwarden", "name": "input", "handle": 1}}, {"rule": {"family": "inet", "table": "portwarden", "chain": "input", "handle": 2, "comment": "portwarden:8080:tcp:drop:x", "expr": []}}, {"rule": {"family": "inet", "table": "portwarden", "chain": "input", "handle": 3, "comment": "portwarden:53:udp:reject:y", "expr": []}}]}"#;

    #[test]
    fn finds_our_rules_by_comment() {
        assert_eq!(
            handles_with_comment(LISTED, "portwarden:8080:tcp:drop:x"),
            vec![2]
        );
        assert!(handles_with_comment(LISTED, "nope").is_empty());
        assert!(handles_with_comment("not json", "x").is_empty());
    }

    #[test]
    fn persisted_file_rebuilds_the_rules() {
        let t = persist_text(LISTED);
        assert!(t.contains("add rule inet portwarden input meta l4proto tcp th dport 8080 drop comment \"portwarden:8080:tcp:drop:x\""), "{t}");
        assert!(t.contains("meta l4proto udp th dport 53 reject"));
        assert!(t.contains("delete table inet portwarden"));
    }

    #[test]
    fn script_quotes_safely() {
        let s = add_rule_script("meta l4proto tcp th dport 1 drop", "a\"b\\c");
        assert!(s.contains("comment \"abc\""));
        assert!(s.starts_with("table inet portwarden"));
    }
}
