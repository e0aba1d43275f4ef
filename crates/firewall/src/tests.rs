//! The evaluator against rulesets printed by a real `nft` (fixtures made in a scratch
//! network namespace with nft 1.0.6 and iptables-nft 1.8.9).

use super::*;

fn fw(name: &str) -> Firewall {
    let json = match name {
        "mixed" => include_str!("../tests/fixtures/mixed.json"),
        "vmap" => include_str!("../tests/fixtures/vmap.json"),
        "iptables" => include_str!("../tests/fixtures/iptables.json"),
        _ => r#"{"nftables": []}"#,
    };
    let fw = Firewall::from_json(json);
    assert!(matches!(fw, Firewall::Rules(_)), "{name}: {fw:?}");
    fw
}

fn tcp(fw: &Firewall, local: &str) -> Reach {
    fw.assess(Transport::Tcp, local.parse().expect("addr"))
}

fn udp(fw: &Firewall, local: &str) -> Reach {
    fw.assess(Transport::Udp, local.parse().expect("addr"))
}

#[test]
fn no_rules_means_open_and_loopback_is_local() {
    let f = fw("none");
    assert_eq!(tcp(&f, "0.0.0.0:22"), Reach::Open);
    assert_eq!(tcp(&f, "127.0.0.1:22"), Reach::Loopback);
    assert_eq!(tcp(&f, "[::1]:22"), Reach::Loopback);
    assert_eq!(tcp(&f, "[::ffff:127.0.0.1]:22"), Reach::Loopback);
}

#[test]
fn policy_drop_with_allowed_ports() {
    let f = fw("mixed");
    assert_eq!(tcp(&f, "0.0.0.0:22"), Reach::Open);
    assert_eq!(tcp(&f, "0.0.0.0:443"), Reach::Open, "named set @allowed");
    assert_eq!(
        tcp(&f, "0.0.0.0:8050"),
        Reach::Open,
        "range in an anonymous set"
    );
    assert_eq!(tcp(&f, "0.0.0.0:9000"), Reach::Open);
    assert_eq!(udp(&f, "0.0.0.0:53"), Reach::Open);
    assert_eq!(
        tcp(&f, "0.0.0.0:7000"),
        Reach::Open,
        "accepted in a jumped-to chain"
    );
    match tcp(&f, "0.0.0.0:23") {
        Reach::Blocked { by } => {
            assert_eq!(by.table, "filter");
            assert_eq!(by.chain, "input");
            assert!(by.reject, "the final reject rule stops it");
            assert_eq!(by.handle, Some(18));
        }
        other => panic!("23: {other:?}"),
    }
    // Not TCP 53: the rule is for UDP only.
    assert!(matches!(tcp(&f, "0.0.0.0:53"), Reach::Blocked { .. }));
}

#[test]
fn source_and_interface_restrictions_are_limited() {
    let f = fw("mixed");
    match tcp(&f, "0.0.0.0:5432") {
        Reach::Limited { from } => assert_eq!(from, ["from @admins (198.18.5.0/24)"]),
        other => panic!("5432: {other:?}"),
    }
    match tcp(&f, "0.0.0.0:6379") {
        Reach::Limited { from } => assert_eq!(from, ["from 198.18.0.7"]),
        other => panic!("6379: {other:?}"),
    }
    match tcp(&f, "0.0.0.0:7001") {
        Reach::Limited { from } => assert_eq!(from, ["arriving on eth0"]),
        other => panic!("7001: {other:?}"),
    }
    match tcp(&f, "0.0.0.0:3306") {
        Reach::Limited { from } => assert_eq!(from, ["at a limited rate"]),
        other => panic!("3306: {other:?}"),
    }
    // An IPv6 listener: the IPv4 source rule cannot match, so it is blocked.
    assert!(matches!(
        tcp(&f, "[2001:db8::1]:6379"),
        Reach::Blocked { .. }
    ));
}

#[test]
fn dnat_in_prerouting_is_forwarded() {
    let f = fw("mixed");
    assert_eq!(
        tcp(&f, "0.0.0.0:8080"),
        Reach::Forwarded {
            to: "198.19.0.2:80".into()
        }
    );
    // The nat table is `ip`: IPv6 traffic to 8080 is not translated, and input's
    // `tcp dport { 8000-8100, 9000 }` lets it in.
    assert_eq!(tcp(&f, "[2001:db8::1]:8080"), Reach::Open);
}

#[test]
fn wildcard_v6_takes_the_more_exposed_family() {
    let f = fw("mixed");
    // `ip saddr 198.18.0.7 tcp dport 6379 accept`: IPv4 from one host, IPv6 from nobody.
    assert!(matches!(
        tcp(&f, "[2001:db8::1]:6379"),
        Reach::Blocked { .. }
    ));
    assert!(matches!(tcp(&f, "[::]:6379"), Reach::Limited { .. }));
    let f = fw("vmap");
    // `meta nfproto ipv4 tcp dport 25 accept`.
    assert_eq!(tcp(&f, "0.0.0.0:25"), Reach::Open);
}

#[test]
fn verdict_maps_and_comparisons() {
    let f = fw("vmap");
    assert_eq!(tcp(&f, "0.0.0.0:22"), Reach::Open, "dport vmap accept");
    match tcp(&f, "0.0.0.0:23") {
        Reach::Blocked { by } => assert_eq!(by.handle, Some(5), "dport vmap drop"),
        other => panic!("23: {other:?}"),
    }
    assert_eq!(tcp(&f, "0.0.0.0:27"), Reach::Open, "!= 26 and < 30");
    assert!(matches!(tcp(&f, "0.0.0.0:26"), Reach::Blocked { .. }));
    // `tcp flags syn` is not read: it decides 31 under a drop policy.
    assert!(matches!(tcp(&f, "0.0.0.0:31"), Reach::Unknown { .. }));
    assert!(matches!(udp(&f, "0.0.0.0:22"), Reach::Blocked { .. }));
}

struct Fake(&'static str, &'static str);

impl RulesetSource for Fake {
    fn ruleset_json(&self) -> Result<String, SourceError> {
        Ok(self.0.to_string())
    }
    fn ruleset_text(&self) -> Option<String> {
        Some(self.1.to_string())
    }
}

#[test]
fn iptables_nft_rules() {
    // Without the text listing, the opaque conntrack match decides every dropped port.
    let f = fw("iptables");
    assert!(matches!(tcp(&f, "0.0.0.0:5432"), Reach::Unknown { .. }));
    let f = Firewall::read(&Fake(
        include_str!("../tests/fixtures/iptables.json"),
        include_str!("../tests/fixtures/iptables.txt"),
    ));
    assert_eq!(tcp(&f, "0.0.0.0:22"), Reach::Open);
    match tcp(&f, "0.0.0.0:5432") {
        Reach::Limited { from } => assert_eq!(from, ["from 198.18.0.0/15"]),
        other => panic!("5432: {other:?}"),
    }
    assert!(matches!(tcp(&f, "0.0.0.0:80"), Reach::Blocked { .. }));
}

#[test]
fn specific_addresses_meet_daddr_rules() {
    let json = r#"{"nftables": [
      {"chain": {"family": "inet", "table": "t", "name": "in", "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}},
      {"rule": {"family": "inet", "table": "t", "chain": "in", "handle": 2, "expr": [
        {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": {"prefix": {"addr": "198.18.1.0", "len": 24}}}},
        {"accept": null}]}}
    ]}"#;
    let f = Firewall::from_json(json);
    assert_eq!(tcp(&f, "198.18.1.9:80"), Reach::Open);
    assert!(matches!(tcp(&f, "198.18.2.9:80"), Reach::Blocked { .. }));
    match tcp(&f, "0.0.0.0:80") {
        Reach::Limited { from } => assert_eq!(from, ["sent to 198.18.1.0/24"]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn goto_return_and_depth() {
    // in: goto a; a: tcp dport 1 return; drop. A packet to 1 returns past `in`'s caller
    // (the hook), so the policy (accept) applies; 2 is dropped in `a`.
    let json = r#"{"nftables": [
      {"chain": {"family": "inet", "table": "t", "name": "in", "type": "filter", "hook": "input", "prio": 0, "policy": "accept"}},
      {"chain": {"family": "inet", "table": "t", "name": "a"}},
      {"chain": {"family": "inet", "table": "t", "name": "loop"}},
      {"rule": {"family": "inet", "table": "t", "chain": "in", "handle": 2, "expr": [
        {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 9}}, {"jump": {"target": "loop"}}]}},
      {"rule": {"family": "inet", "table": "t", "chain": "in", "handle": 3, "expr": [{"goto": {"target": "a"}}]}},
      {"rule": {"family": "inet", "table": "t", "chain": "a", "handle": 4, "expr": [
        {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 1}}, {"return": null}]}},
      {"rule": {"family": "inet", "table": "t", "chain": "a", "handle": 5, "expr": [{"drop": null}]}},
      {"rule": {"family": "inet", "table": "t", "chain": "loop", "handle": 6, "expr": [{"jump": {"target": "loop"}}]}}
    ]}"#;
    let f = Firewall::from_json(json);
    assert_eq!(tcp(&f, "0.0.0.0:1"), Reach::Open);
    assert!(matches!(tcp(&f, "0.0.0.0:2"), Reach::Blocked { .. }));
    // A jump loop ends (depth limit) with an answer, not a hang.
    assert!(matches!(tcp(&f, "0.0.0.0:9"), Reach::Unknown { .. }));
}

#[test]
fn unreadable_firewall_is_unknown_except_loopback() {
    let f = Firewall::from_json("garbage");
    assert!(matches!(f, Firewall::Unreadable(_)));
    assert!(matches!(tcp(&f, "0.0.0.0:22"), Reach::Unknown { .. }));
    assert_eq!(tcp(&f, "127.0.0.1:22"), Reach::Loopback);
}

#[test]
fn hostile_json_never_panics() {
    for json in [
        r#"{"nftables": [{"rule": {"family": "inet", "table": "t", "chain": "c", "expr": [{"match": {}}, {"vmap": {}}, {"jump": {}}, 5, [], null]}}]}"#,
        r#"{"nftables": [{"chain": {"family": 1, "table": [], "name": {}}}, {"set": {"family": "inet", "table": "t", "name": "s", "elem": [{"prefix": {"addr": 1, "len": 999}}, {"range": ["a"]}]}}]}"#,
        r#"{"nftables": [{"chain": {"family": "inet", "table": "t", "name": "c", "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}}, {"rule": {"family": "inet", "table": "t", "chain": "c", "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": {"prefix": {"addr": "1.2.3.4", "len": 999}}}}, {"match": {"op": "<", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": "x"}}, {"accept": null}]}}]}"#,
    ] {
        let f = Firewall::from_json(json);
        let _ = tcp(&f, "0.0.0.0:1");
        let _ = tcp(&f, "[::]:1");
        let _ = udp(&f, "198.18.0.1:1");
    }
}
