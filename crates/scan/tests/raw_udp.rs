//! UDP scan of the top 100 UDP ports of a simulated host behind an ICMP rate limit, inside
//! netsim's scanner namespace. Prints `SKIPPED: ...` and passes when netsim cannot run here.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use portwarden_kb::Protocol;
use portwarden_netsim::{
    Config, HostConfig, IcmpLimit, Netsim, PortState as NetState, PortsConfig,
};
use portwarden_scan::raw::{udp, RawConfig};
use portwarden_scan::{NoObserver, PortState, Reason, TargetOptions, TargetSet};
use std::net::Ipv4Addr;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

#[test]
fn top_100_udp_with_icmp_rate_limit() {
    if let Err(why) = Netsim::available() {
        eprintln!("SKIPPED: netsim unavailable: {why}");
        return;
    }
    let top: Vec<u16> = portwarden_kb::top_ports(Protocol::Udp, 100).to_vec();
    assert_eq!(top.len(), 100);
    // Every fourth port open (with the simulator's reply), half of the rest closed, the
    // others filtered; 53 and 161 answer like their protocols.
    let open: Vec<u16> = top.iter().copied().step_by(4).chain([53, 161]).collect();
    let rest: Vec<u16> = top.iter().copied().filter(|p| !open.contains(p)).collect();
    let closed: Vec<u16> = rest.iter().copied().step_by(2).collect();
    let ports = PortsConfig::all(NetState::Filtered)
        .open(open.iter().copied())
        .closed(closed.iter().copied())
        .payload(
            53,
            "\u{12}\u{34}\u{84}\u{0}\u{0}\u{1}\u{0}\u{1}\u{0}\u{0}\u{0}\u{0}",
        )
        .payload(161, "0\u{10}\u{2}\u{1}\u{1}");
    let cfg = Config::new()
        .seed(5)
        .rtt(Duration::from_millis(5))
        .icmp_limit(IcmpLimit {
            msgs_per_sec: 1000,
            msgs_burst: 50,
            ratelimit_ms: 25,
            ratelimit_burst: 6,
        })
        .host(HostConfig::new("198.19.0.20").udp(ports));
    let net = Netsim::start(cfg).unwrap();
    let ip: Ipv4Addr = "198.19.0.20".parse().unwrap();
    let mut sorted = top.clone();
    sorted.sort_unstable();
    let rc = RawConfig {
        retries: 3,
        all_states: true,
        seed: Some(9),
        ..RawConfig::default()
    };
    let t = Instant::now();
    let targets = TargetSet::build(&["198.19.0.20".into()], &[], TargetOptions::default()).unwrap();
    let r = net
        .in_scanner(|| {
            udp::scan(
                &targets,
                &sorted,
                &rc,
                &mut NoObserver,
                &AtomicBool::new(false),
            )
        })
        .unwrap()
        .unwrap();
    let secs = t.elapsed().as_secs_f64();
    eprintln!(
        "netsim UDP top-100: {secs:.2}s, {} probes; responder: {:?}",
        r.stats.probes,
        net.stats()
    );
    assert_eq!(r.scan_type, "udp");
    let truth = &net.truth().hosts[&ip].udp;
    let h = &r.hosts[0];
    assert_eq!(h.ports.len(), 100);
    let mut wrong = Vec::new();
    for p in &h.ports {
        assert_eq!(p.protocol, Protocol::Udp);
        let want = match truth.state(p.port) {
            NetState::Open => PortState::Open,
            NetState::Closed => PortState::Closed,
            NetState::Filtered => PortState::OpenFiltered,
        };
        if p.state != want {
            wrong.push((p.port, p.state, want));
        }
    }
    assert!(wrong.is_empty(), "misclassified: {wrong:?}");
    assert!(h
        .ports
        .iter()
        .filter(|p| p.state == PortState::Closed)
        .all(|p| p.reason == Reason::PortUnreach));
    let named = |port: u16| {
        h.ports
            .iter()
            .find(|p| p.port == port)
            .and_then(|p| p.identified.as_ref())
            .map(|i| i.name)
    };
    assert_eq!(named(53), Some("domain"));
    assert_eq!(named(161), Some("snmp"));
    assert!(secs < 30.0, "took {secs:.1}s");
}
