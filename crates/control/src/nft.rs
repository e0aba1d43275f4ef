//! portwarden's nftables table (`inet portwarden`): the rules we add, built as JSON for
//! `nft -j -f -` from typed values; finding our rules in `nft -j list` output; and the file
//! nftables loads at boot. We only ever touch this one table.
//!
//! Data never becomes syntax: a rule is described by a [`Tag`] (port, transport, verdict
//! and a [`Stamp`] that only ever holds `[0-9A-Za-z.:_-]`), which is also its comment.
//! Comments read back from `nft list` are only trusted after [`Tag::parse`] accepted them
//! and they render back to exactly the same text; the boot file ([`boot_file`]) is built
//! from tags alone, and checked with `nft -c -f` before it replaces the old one.

use crate::System;
use portwarden_sockets::Transport;
use serde_json::{json, Value};

/// The file `--persist` writes.
pub const PERSIST_FILE: &str = "/etc/portwarden/nftables.nft";
/// The main nftables config that loads it at boot (Debian's nftables.service).
pub const MAIN_CONF: &str = "/etc/nftables.conf";

/// Where `--persist` writes (overridable for packaging and tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersistPaths {
    /// The boot-time rules file portwarden owns.
    pub file: String,
    /// The main config that must include it.
    pub main_conf: String,
}

impl Default for PersistPaths {
    fn default() -> Self {
        PersistPaths {
            file: PERSIST_FILE.into(),
            main_conf: MAIN_CONF.into(),
        }
    }
}

/// What the rule does with matching packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Drop silently.
    Drop,
    /// Reject (TCP reset, ICMP port unreachable).
    Reject,
}

impl Verdict {
    fn as_str(self) -> &'static str {
        match self {
            Verdict::Drop => "drop",
            Verdict::Reject => "reject",
        }
    }
}

/// The part of a tag that makes it unique: 1 to 64 characters of `[0-9A-Za-z.:_-]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp(String);

impl Stamp {
    /// Accepts `s` only if it is a well-formed stamp.
    pub fn parse(s: &str) -> Option<Stamp> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b':' | b'_' | b'-'));
        ok.then(|| Stamp(s.to_string()))
    }

    /// A new stamp: seconds.nanoseconds since the epoch and our pid.
    pub fn generate(pid: u32) -> Stamp {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Stamp(format!("{}.{:09}.{pid}", d.as_secs(), d.subsec_nanos()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One of our rules, as typed values. Its comment (`portwarden:PORT:PROTO:VERDICT:STAMP`)
/// identifies it in the table and in the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// Port (1–65535).
    pub port: u16,
    /// Transport.
    pub transport: Transport,
    /// Drop or reject.
    pub verdict: Verdict,
    /// What makes it unique.
    pub stamp: Stamp,
}

impl Tag {
    /// Parses a rule comment strictly: only what [`Tag::comment`] would write is accepted.
    pub fn parse(c: &str) -> Option<Tag> {
        let mut it = c.splitn(5, ':');
        if it.next()? != "portwarden" {
            return None;
        }
        let port: u16 = it.next()?.parse().ok().filter(|p| *p != 0)?;
        let transport = match it.next()? {
            "tcp" => Transport::Tcp,
            "udp" => Transport::Udp,
            _ => return None,
        };
        let verdict = match it.next()? {
            "drop" => Verdict::Drop,
            "reject" => Verdict::Reject,
            _ => return None,
        };
        let stamp = Stamp::parse(it.next()?)?;
        let t = Tag {
            port,
            transport,
            verdict,
            stamp,
        };
        (t.comment() == c).then_some(t)
    }

    /// The comment that tags the rule.
    pub fn comment(&self) -> String {
        format!(
            "portwarden:{}:{}:{}:{}",
            self.port,
            self.transport,
            self.verdict.as_str(),
            self.stamp.as_str()
        )
    }

    /// The rule in nft's own syntax (what people read).
    pub fn rule_text(&self) -> String {
        crate::rule_text(self.port, self.transport, self.verdict == Verdict::Reject)
    }

    /// The rule's match and verdict as nft JSON expressions.
    fn expr(&self) -> Value {
        let verdict = match (self.verdict, self.transport) {
            (Verdict::Drop, _) => json!({ "drop": null }),
            (Verdict::Reject, Transport::Tcp) => json!({ "reject": { "type": "tcp reset" } }),
            (Verdict::Reject, Transport::Udp) => json!({ "reject": null }),
        };
        json!([
            { "match": { "op": "==", "left": { "meta": { "key": "l4proto" } }, "right": self.transport.as_str() } },
            { "match": { "op": "==", "left": { "payload": { "protocol": "th", "field": "dport" } }, "right": self.port } },
            verdict
        ])
    }
}

fn table() -> Value {
    json!({ "family": "inet", "name": "portwarden" })
}

/// The `nft -j -f -` input that ensures our table and chain exist and adds the rule for
/// `tag` (adding an existing table or chain changes nothing).
pub fn add_rule_json(tag: &Tag) -> String {
    json!({ "nftables": [
        { "add": { "table": table() } },
        { "add": { "chain": {
            "family": "inet", "table": "portwarden", "name": "input",
            "type": "filter", "hook": "input", "prio": -10, "policy": "accept"
        } } },
        { "add": { "rule": {
            "family": "inet", "table": "portwarden", "chain": "input",
            "comment": tag.comment(), "expr": tag.expr()
        } } }
    ] })
    .to_string()
}

/// The `nft -j -f -` input that deletes the rules with these handles from our chain.
pub fn delete_rules_json(handles: &[u64]) -> String {
    let cmds: Vec<Value> = handles
        .iter()
        .map(|h| {
            json!({ "delete": { "rule": {
                "family": "inet", "table": "portwarden", "chain": "input", "handle": h
            } } })
        })
        .collect();
    json!({ "nftables": cmds }).to_string()
}

/// One rule found in our table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Its handle.
    pub handle: u64,
    /// Its comment, as nft printed it (may be anything: never pasted into a script).
    pub comment: Option<String>,
    /// The tag, when the comment is exactly one of ours.
    pub tag: Option<Tag>,
}

/// The rules in `nft -j list table inet portwarden` output. Output that is not what nft
/// prints is an error, never "no rules".
pub fn parse_list(json: &str) -> Result<Vec<Listed>, String> {
    let v: Value =
        serde_json::from_str(json).map_err(|e| format!("nft printed something unexpected: {e}"))?;
    let items = v["nftables"]
        .as_array()
        .ok_or("nft printed something unexpected: no \"nftables\" list")?;
    Ok(items
        .iter()
        .filter_map(|i| i.get("rule"))
        .filter(|r| r["table"] == "portwarden" && r["family"] == "inet")
        // The drop rules of `watch --block` (crate::block) are ours but no port's.
        .filter(|r| {
            !(r["chain"] == crate::block::CHAIN && r["comment"] == crate::block::RULE_COMMENT)
        })
        .filter_map(|r| {
            let comment = r["comment"].as_str().map(str::to_string);
            Some(Listed {
                handle: r["handle"].as_u64()?,
                tag: comment.as_deref().and_then(Tag::parse),
                comment,
            })
        })
        .collect())
}

/// Our rules now (empty when the table does not exist). An `nft` that cannot run is an
/// error.
pub fn list(sys: &dyn System) -> Result<Vec<Listed>, String> {
    match sys.nft_list()? {
        None => Ok(Vec::new()),
        Some(json) => parse_list(&json),
    }
}

/// The boot-time file for `tags`: it recreates our table with exactly these rules. Pure;
/// built from typed values only, so nothing read from the system can become a statement.
pub fn boot_file(tags: &[Tag]) -> String {
    let mut s = String::from(
        "#!/usr/sbin/nft -f\n# Written by portwarden (portwarden close --persist). Undo with portwarden open.\n",
    );
    s.push_str("table inet portwarden\ndelete table inet portwarden\n");
    s.push_str("table inet portwarden {\n  chain input {\n    type filter hook input priority -10; policy accept;\n  }\n}\n");
    for t in tags {
        s.push_str(&format!(
            "add rule inet portwarden input {} comment \"{}\"\n",
            t.rule_text(),
            t.comment()
        ));
    }
    s
}

/// The boot file for whatever comments are given (say, read from `nft list`, or fuzzed):
/// each is kept only when [`Tag::parse`] accepts it, and rebuilt from its tag. Pure; the
/// entry point for a fuzz target of the boot-file builder.
pub fn boot_file_from_comments<'a>(comments: impl IntoIterator<Item = &'a str>) -> String {
    let tags: Vec<Tag> = comments.into_iter().filter_map(Tag::parse).collect();
    boot_file(&tags)
}

fn safe_path(p: &str) -> Result<(), String> {
    if p.starts_with('/')
        && !p
            .chars()
            .any(|c| c.is_control() || matches!(c, '"' | '\\' | '$' | '#' | ';'))
    {
        Ok(())
    } else {
        Err(format!(
            "{p:?}: the boot file needs an absolute path without quotes or special characters"
        ))
    }
}

/// Writes `contents` next to `path`, checks it with `nft -c -f`, then renames it over
/// `path`; on any failure the old file stays and the temporary one is removed.
fn replace_checked(sys: &dyn System, path: &str, contents: &str) -> Result<(), String> {
    let tmp = format!("{path}.portwarden-new");
    let r = sys
        .write_file(&tmp, contents)
        .map_err(|e| format!("{tmp}: {e}"))
        .and_then(|()| {
            sys.nft_check(&tmp)
                .map_err(|e| format!("{tmp} does not pass nft -c: {e}"))
        })
        .and_then(|()| sys.rename(&tmp, path).map_err(|e| format!("{path}: {e}")));
    if r.is_err() {
        sys.remove_file(&tmp);
    }
    r
}

/// Writes the boot file for `tags` and makes sure the main config includes it; every file
/// is checked with `nft -c -f` before it replaces the old one.
pub fn persist(sys: &dyn System, paths: &PersistPaths, tags: &[Tag]) -> Result<(), String> {
    safe_path(&paths.file)?;
    replace_checked(sys, &paths.file, &boot_file(tags))?;
    let include = format!("include \"{}\"", paths.file);
    let main = sys
        .read_file(&paths.main_conf)
        .unwrap_or_else(|| "#!/usr/sbin/nft -f\n".into());
    if !main.lines().any(|l| l.trim() == include) {
        let mut m = main;
        if !m.ends_with('\n') {
            m.push('\n');
        }
        m.push_str(&include);
        m.push('\n');
        replace_checked(sys, &sys.resolve(&paths.main_conf), &m)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(port: u16, t: Transport, v: Verdict, stamp: &str) -> Tag {
        Tag {
            port,
            transport: t,
            verdict: v,
            stamp: Stamp::parse(stamp).unwrap(),
        }
    }

    const LISTED: &str = r#"{"nftables": [{"metainfo": {"version": "1.0.6"}}, {"table": {"family": "inet", "name": "portwarden", "handle": 7}}, {"chain": {"family": "inet", "table": "portwarden", "name": "input", "handle": 1}}, {"rule": {"family": "inet", "table": "portwarden", "chain": "input", "handle": 2, "comment": "portwarden:8080:tcp:drop:x", "expr": []}}, {"rule": {"family": "inet", "table": "portwarden", "chain": "input", "handle": 3, "comment": "portwarden:53:udp:reject:y\nflush ruleset", "expr": []}}, {"rule": {"family": "inet", "table": "portwarden", "chain": "input", "handle": 4, "expr": []}}]}"#;

    #[test]
    fn tags_round_trip_and_parse_strictly() {
        let t = tag(
            8080,
            Transport::Tcp,
            Verdict::Drop,
            "2026-11-23T00:00:00Z-77",
        );
        assert_eq!(
            t.comment(),
            "portwarden:8080:tcp:drop:2026-11-23T00:00:00Z-77"
        );
        assert_eq!(Tag::parse(&t.comment()), Some(t));
        for bad in [
            "portwarden:8080:tcp:drop:x\nflush ruleset",
            "portwarden:8080:tcp:drop:x\"",
            "portwarden:8080:tcp:drop:x y",
            "portwarden:8080:tcp:drop:",
            "portwarden:08080:tcp:drop:x",
            "portwarden:+80:tcp:drop:x",
            "portwarden:0:tcp:drop:x",
            "portwarden:70000:tcp:drop:x",
            "portwarden:80:sctp:drop:x",
            "portwarden:80:tcp:accept:x",
            "portwarden:80:tcp",
            "other:80:tcp:drop:x",
            "",
        ] {
            assert_eq!(Tag::parse(bad), None, "{bad:?}");
        }
        assert!(Stamp::parse(&"a".repeat(65)).is_none());
        assert!(Stamp::parse(Stamp::generate(42).as_str()).is_some());
    }

    #[test]
    fn rule_json_is_built_from_values() {
        let t = tag(53, Transport::Udp, Verdict::Reject, "s");
        let v: Value = serde_json::from_str(&add_rule_json(&t)).unwrap();
        let rule = &v["nftables"][2]["add"]["rule"];
        assert_eq!(rule["comment"], "portwarden:53:udp:reject:s");
        assert_eq!(rule["expr"][0]["match"]["right"], "udp");
        assert_eq!(rule["expr"][1]["match"]["right"], 53);
        assert_eq!(rule["expr"][2], json!({ "reject": null }));
        let t = tag(22, Transport::Tcp, Verdict::Reject, "s");
        let v: Value = serde_json::from_str(&add_rule_json(&t)).unwrap();
        assert_eq!(
            v["nftables"][2]["add"]["rule"]["expr"][2]["reject"]["type"],
            "tcp reset"
        );
        let v: Value = serde_json::from_str(&delete_rules_json(&[4, 9])).unwrap();
        assert_eq!(v["nftables"][1]["delete"]["rule"]["handle"], 9);
    }

    #[test]
    fn listing_finds_ours_and_keeps_foreign_comments_apart() {
        let l = parse_list(LISTED).unwrap();
        assert_eq!(l.len(), 3);
        assert_eq!(l[0].tag.as_ref().map(|t| t.port), Some(8080));
        assert_eq!(l[1].tag, None, "a planted comment is not ours");
        assert_eq!(l[2].comment, None);
        assert!(parse_list("not json").is_err());
        assert!(parse_list("{}").is_err());
    }

    #[test]
    fn boot_file_holds_only_our_statements() {
        let tags = [
            tag(8080, Transport::Tcp, Verdict::Drop, "x"),
            tag(53, Transport::Udp, Verdict::Reject, "y"),
        ];
        let f = boot_file(&tags);
        assert!(f.contains("add rule inet portwarden input meta l4proto tcp th dport 8080 drop comment \"portwarden:8080:tcp:drop:x\"\n"), "{f}");
        assert!(f.contains("meta l4proto udp th dport 53 reject comment"));
        assert!(f.contains("delete table inet portwarden"));
        for line in f.lines() {
            assert!(
                line.starts_with('#')
                    || line.starts_with("table inet portwarden")
                    || line.starts_with("delete table inet portwarden")
                    || line.starts_with("add rule inet portwarden input meta l4proto ")
                    || line.starts_with("  ")
                    || line == "}",
                "{line:?}"
            );
        }
    }

    /// Every line of a boot file is one of the statements portwarden writes, and every
    /// quoted comment holds only stamp characters.
    fn only_our_statements(f: &str) -> Result<(), String> {
        for line in f.lines() {
            let ok = line.starts_with('#')
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
                || line
                    .strip_prefix("add rule inet portwarden input meta l4proto ")
                    .and_then(|r| r.split_once(" comment \"portwarden:"))
                    .is_some_and(|(_, c)| {
                        c.strip_suffix('"').is_some_and(|c| {
                            c.bytes().all(|b| {
                                b.is_ascii_alphanumeric() || matches!(b, b'.' | b':' | b'_' | b'-')
                            })
                        })
                    });
            if !ok {
                return Err(format!("foreign line {line:?}"));
            }
        }
        Ok(())
    }

    proptest::proptest! {
        #[test]
        fn no_comment_becomes_a_statement(comments in proptest::collection::vec(
            proptest::prop_oneof![
                "portwarden:[0-9]{1,6}:(tcp|udp|sctp):(drop|reject|accept):.{0,70}",
                "portwarden:[0-9]{1,5}:(tcp|udp):(drop|reject):[ -~\n\"\\\\]{0,70}",
                ".{0,80}",
            ],
            0..6,
        )) {
            let f = boot_file_from_comments(comments.iter().map(String::as_str));
            proptest::prop_assert!(only_our_statements(&f).is_ok(), "{}", f);
            let kept = comments.iter().filter(|c| Tag::parse(c).is_some()).count();
            proptest::prop_assert_eq!(f.matches("add rule").count(), kept);
        }
    }

    #[test]
    fn boot_paths_must_be_plain() {
        assert!(safe_path("/etc/portwarden/nftables.nft").is_ok());
        for bad in ["rel.nft", "/a\"b", "/a\nb", "/a\\b"] {
            assert!(safe_path(bad).is_err(), "{bad:?}");
        }
    }
}
