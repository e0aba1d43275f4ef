//! Blocking a source address for a while (`portwarden watch --block`) and unblocking it
//! (`portwarden unblock IP`).
//!
//! Blocks live in portwarden's own table: two sets with timeouts (`watch4`, type
//! `ipv4_addr`, and `watch6`, type `ipv6_addr`) and a chain `watch` on the input hook
//! (priority -20, before the `input` chain of `close`) whose two rules drop what comes
//! from them. Every nft input is JSON built from typed values ([`IpAddr`], seconds).
//!
//! Intent first, as `close` does it: a block is journalled as pending (how `block`, port
//! 0, protocol `ip`/`ip6`, undo [`Undo::RemoveBlock`]) before the element is added, then
//! marked applied; the kernel removes it when the timeout runs out, and `unblock`
//! removes it sooner and marks the record undone.

use crate::Platform;
use portwarden_store::{Action, Journal, NewAction, State, Undo};
use serde_json::{json, Value};
use std::net::IpAddr;
use std::time::Duration;

/// The chain that holds the drop rules for blocked sources.
pub const CHAIN: &str = "watch";
/// The comment of the two drop rules of [`CHAIN`] (how `close`'s reconciliation knows
/// they are ours).
pub const RULE_COMMENT: &str = "portwarden:watch-block";
/// The `how` of a block in the journal.
pub const HOW: &str = "block";

/// The set an address goes into.
pub fn set_name(ip: IpAddr) -> &'static str {
    match ip {
        IpAddr::V4(_) => "watch4",
        IpAddr::V6(_) => "watch6",
    }
}

fn protocol(ip: IpAddr) -> &'static str {
    match ip {
        IpAddr::V4(_) => "ip",
        IpAddr::V6(_) => "ip6",
    }
}

/// The nft JSON that creates the table, both sets, the chain and its two rules. Sent only
/// when [`parse_blocks`] found no `watch4` set (adding a rule twice would duplicate it).
pub fn setup_json() -> String {
    let set = |name: &str, ty: &str| {
        json!({ "add": { "set": {
            "family": "inet", "table": "portwarden", "name": name,
            "type": ty, "flags": ["timeout"], "size": 65536
        } } })
    };
    let rule = |family: &str, set: &str| {
        json!({ "add": { "rule": {
            "family": "inet", "table": "portwarden", "chain": CHAIN,
            "comment": RULE_COMMENT,
            "expr": [
                { "match": { "op": "==",
                    "left": { "payload": { "protocol": family, "field": "saddr" } },
                    "right": format!("@{set}") } },
                { "drop": null }
            ]
        } } })
    };
    json!({ "nftables": [
        { "add": { "table": { "family": "inet", "name": "portwarden" } } },
        set("watch4", "ipv4_addr"),
        set("watch6", "ipv6_addr"),
        { "add": { "chain": {
            "family": "inet", "table": "portwarden", "name": CHAIN,
            "type": "filter", "hook": "input", "prio": -20, "policy": "accept"
        } } },
        rule("ip", "watch4"),
        rule("ip6", "watch6"),
    ] })
    .to_string()
}

/// The nft JSON that adds `ip` to its set for `timeout` (whole seconds, at least one).
pub fn add_json(ip: IpAddr, timeout: Duration) -> String {
    let secs = timeout.as_secs().max(1);
    json!({ "nftables": [ { "add": { "element": {
        "family": "inet", "table": "portwarden", "name": set_name(ip),
        "elem": [ { "elem": { "val": ip.to_string(), "timeout": secs } } ]
    } } } ] })
    .to_string()
}

/// The nft JSON that removes `ip` from its set.
pub fn delete_json(ip: IpAddr) -> String {
    json!({ "nftables": [ { "delete": { "element": {
        "family": "inet", "table": "portwarden", "name": set_name(ip),
        "elem": [ ip.to_string() ]
    } } } ] })
    .to_string()
}

/// One address in a block set now.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Blocked {
    /// The address.
    pub addr: IpAddr,
    /// Seconds left before the kernel removes it, when nft printed it.
    pub expires_in: Option<u64>,
}

/// What the table holds of blocks: whether the sets exist, and their elements. Pure; the
/// input is `nft -j list table inet portwarden` output (`None`: no table).
pub fn parse_blocks(json: Option<&str>) -> Result<(bool, Vec<Blocked>), String> {
    let Some(json) = json else {
        return Ok((false, Vec::new()));
    };
    let v: Value =
        serde_json::from_str(json).map_err(|e| format!("nft printed something unexpected: {e}"))?;
    let items = v["nftables"]
        .as_array()
        .ok_or("nft printed something unexpected: no \"nftables\" list")?;
    let mut present = false;
    let mut out = Vec::new();
    for set in items.iter().filter_map(|i| i.get("set")) {
        if set["table"] != "portwarden" || set["family"] != "inet" {
            continue;
        }
        if set["name"] != "watch4" && set["name"] != "watch6" {
            continue;
        }
        present |= set["name"] == "watch4";
        for e in set["elem"].as_array().into_iter().flatten() {
            // `"1.2.3.4"` or `{"elem": {"val": "1.2.3.4", "timeout": 3600, "expires": 3599}}`.
            let (val, expires) = match e {
                Value::String(s) => (Some(s.as_str()), None),
                Value::Object(_) => (e["elem"]["val"].as_str(), e["elem"]["expires"].as_u64()),
                _ => (None, None),
            };
            if let Some(addr) = val.and_then(|s| s.parse::<IpAddr>().ok()) {
                out.push(Blocked {
                    addr,
                    expires_in: expires,
                });
            }
        }
    }
    Ok((present, out))
}

/// The addresses blocked now (empty when there is no table).
pub fn active(p: &Platform) -> Result<Vec<Blocked>, String> {
    p.firewall.blocked().map(|(_, b)| b)
}

/// Why a block could not be made or removed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// nft failed or cannot run.
    #[error("nft: {0}")]
    Nft(String),
    /// The journal failed.
    #[error(transparent)]
    Store(#[from] portwarden_store::Error),
}

/// Blocks `ip` for `timeout`: journalled as pending first (a journal that cannot be
/// written stops it there), the sets and chain created when missing, the element added,
/// the record marked applied. `reason` is a line for the journal. Returns the action id.
pub fn block(
    p: &Platform,
    store: &dyn Journal,
    ip: IpAddr,
    timeout: Duration,
    reason: &str,
    now_unix: u64,
) -> Result<i64, Error> {
    let secs = timeout.as_secs().max(1);
    let until = crate::rfc3339(now_unix + secs);
    let (user, uid) = p.host.whoami();
    let summary = format!("blocked {ip} until {until} ({reason})");
    let detail = json!({ "addr": ip.to_string(), "set": set_name(ip), "timeout_s": secs,
                         "expires": until, "reason": reason });
    let undo = Undo::RemoveBlock {
        addr: ip.to_string(),
        expires: until.clone(),
    };
    let id = store.record(&NewAction {
        at: p.host.now(),
        user,
        uid,
        port: 0,
        protocol: protocol(ip).into(),
        how: HOW.into(),
        summary: summary.clone(),
        detail: detail.clone(),
        undo: undo.clone(),
        state: State::Pending,
        runner: crate::me_runner(p),
        note: None,
    })?;
    let fail = |e: String| {
        let _ = store.transition(id, State::Pending, State::Failed, &e);
        Error::Nft(e)
    };
    let (present, _) = p.firewall.blocked().map_err(fail)?;
    if !present {
        p.firewall.setup_blocks().map_err(fail)?;
    }
    p.firewall.block_source(ip, timeout).map_err(fail)?;
    store.mark_applied(id, &summary, &detail, &undo)?;
    Ok(id)
}

/// Block records of `ip` that are applied and not undone, newest first.
pub fn open_blocks(store: &dyn Journal, ip: IpAddr) -> Result<Vec<Action>, Error> {
    let mut v: Vec<Action> = store
        .actions()?
        .into_iter()
        .filter(|a| a.how == HOW && a.undone_at.is_none() && a.state == State::Applied)
        .filter(|a| match &a.undo {
            Undo::RemoveBlock { addr, .. } => addr.parse::<IpAddr>().ok() == Some(ip),
            _ => false,
        })
        .collect();
    v.reverse();
    Ok(v)
}

/// What [`unblock`] did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unblocked {
    /// Whether the address was in a set (false: it had expired or was never there).
    pub was_blocked: bool,
    /// Journal records marked undone.
    pub actions: Vec<i64>,
}

/// Removes `ip` from its set (if there) and marks its open block records undone.
pub fn unblock(p: &Platform, store: &dyn Journal, ip: IpAddr) -> Result<Unblocked, Error> {
    let (_, now) = p.firewall.blocked().map_err(Error::Nft)?;
    let was_blocked = now.iter().any(|b| b.addr == ip);
    if was_blocked {
        p.firewall.unblock_source(ip).map_err(Error::Nft)?;
    }
    let mut actions = Vec::new();
    for a in open_blocks(store, ip)? {
        store.mark_undone(a.id, &p.host.now())?;
        actions.push(a.id);
    }
    Ok(Unblocked {
        was_blocked,
        actions,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn json_is_built_from_values() {
        let ip: IpAddr = "198.18.0.2".parse().unwrap();
        let v: Value = serde_json::from_str(&add_json(ip, Duration::from_secs(3))).unwrap();
        let e = &v["nftables"][0]["add"]["element"];
        assert_eq!(e["name"], "watch4");
        assert_eq!(e["elem"][0]["elem"]["val"], "198.18.0.2");
        assert_eq!(e["elem"][0]["elem"]["timeout"], 3);
        let ip6: IpAddr = "2001:db8::1".parse().unwrap();
        let v: Value = serde_json::from_str(&delete_json(ip6)).unwrap();
        assert_eq!(v["nftables"][0]["delete"]["element"]["name"], "watch6");
        let v: Value = serde_json::from_str(&setup_json()).unwrap();
        let cmds = v["nftables"].as_array().unwrap();
        assert_eq!(cmds.len(), 6);
        assert_eq!(cmds[4]["add"]["rule"]["comment"], RULE_COMMENT);
        assert_eq!(
            cmds[5]["add"]["rule"]["expr"][0]["match"]["right"],
            "@watch6"
        );
    }

    #[test]
    fn blocks_are_read_from_the_listing() {
        let l = r#"{"nftables":[{"set":{"family":"inet","table":"portwarden","name":"watch4","type":"ipv4_addr","flags":["timeout"],"elem":[{"elem":{"val":"198.18.0.2","timeout":3600,"expires":3590}},"198.18.0.3","not an address"]}},{"set":{"family":"inet","table":"other","name":"watch4","elem":["9.9.9.9"]}}]}"#;
        let (present, b) = parse_blocks(Some(l)).unwrap();
        assert!(present);
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].expires_in, Some(3590));
        assert_eq!(b[1].addr, "198.18.0.3".parse::<IpAddr>().unwrap());
        assert_eq!(parse_blocks(None).unwrap(), (false, Vec::new()));
        assert!(parse_blocks(Some("junk")).is_err());
    }

    #[test]
    fn close_does_not_take_the_block_rules_for_foreign_ones() {
        let l = r#"{"nftables":[{"rule":{"family":"inet","table":"portwarden","chain":"watch","handle":5,"comment":"portwarden:watch-block","expr":[]}},{"rule":{"family":"inet","table":"portwarden","chain":"input","handle":6,"comment":"portwarden:watch-block","expr":[]}}]}"#;
        let listed = crate::nft::parse_list(l).unwrap();
        assert_eq!(
            listed.len(),
            1,
            "only the one in the wrong chain is reported"
        );
        assert_eq!(listed[0].handle, 6);
    }
}
