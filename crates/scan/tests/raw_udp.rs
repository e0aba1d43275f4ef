//! UDP scans of the top 100 UDP ports of simulated hosts behind an ICMP rate limit, inside
//! netsim's scanner namespace: the default scan (rounds for loss, no waiting for the ICMP
//! limit) finds every open port of a Linux-like host through 20 ms and 5 % loss; the paced
//! scan (`icmp_pace`) tells every closed port from the filtered ones. Print `SKIPPED: ...`
//! and pass when netsim cannot run here.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use portwarden_kb::Protocol;
use portwarden_netsim::{
    Config, HostConfig, IcmpLimit, Netsim, PortState as NetState, PortsConfig,
};
use portwarden_scan::{
    BannerMode, NoObserver, PortState, Reason, ScanConfig, ScanKind, TargetOptions, TargetSet,
};
use std::net::Ipv4Addr;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

/// What the raw scans' configuration defaulted to before the one `ScanConfig`: ten
/// retransmission rounds, no identification.
fn raw_defaults() -> ScanConfig {
    ScanConfig {
        banners: BannerMode::Off,
        ..ScanConfig::for_kind(ScanKind::Syn)
    }
}

#[test]
fn top_100_udp_paced_to_the_icmp_limit_is_exact() {
    portwarden_testkit::require!(Netsim::available()
        .err()
        .map(|why| format!("netsim unavailable: {why}")));
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
    let rc = ScanConfig {
        retries: 3,
        all_states: true,
        seed: Some(9),
        icmp_pace: true,
        ..raw_defaults()
    };
    let t = Instant::now();
    let targets = TargetSet::build(&["198.19.0.20".into()], &[], TargetOptions::default()).unwrap();
    let r = net
        .in_scanner(|| {
            portwarden_scan::run(
                ScanKind::Udp,
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

/// A host like a stock Linux box: every port closed but the open ones, one port unreachable
/// per second after a burst of six; 20 ms RTT and 5 % loss each way. The default scan
/// must find every open port, never call a closed or open port anything it is not, and end
/// in a few round trips rather than wait out the ICMP limit.
#[test]
fn top_100_udp_finds_every_open_port_through_loss() {
    portwarden_testkit::require!(Netsim::available()
        .err()
        .map(|why| format!("netsim unavailable: {why}")));
    let top: Vec<u16> = portwarden_kb::top_ports(Protocol::Udp, 100).to_vec();
    let open: Vec<u16> = top.iter().copied().skip(1).step_by(7).collect();
    let filtered: Vec<u16> = top.iter().copied().skip(3).step_by(11).collect();
    let ports = PortsConfig::all(NetState::Closed)
        .open(open.iter().copied())
        .filtered(filtered.iter().copied().filter(|p| !open.contains(p)));
    for seed in [11u64, 12, 13] {
        let cfg = Config::new()
            .seed(seed)
            .rtt(Duration::from_millis(20))
            .loss(0.05)
            .icmp_limit(IcmpLimit::default())
            .host(HostConfig::new("198.19.0.21").udp(ports.clone()));
        let net = Netsim::start(cfg).unwrap();
        let ip: Ipv4Addr = "198.19.0.21".parse().unwrap();
        // The command line's default for -sU: four retransmission rounds.
        let rc = ScanConfig {
            retries: 4,
            all_states: true,
            seed: Some(seed),
            ..raw_defaults()
        };
        let targets =
            TargetSet::build(&["198.19.0.21".into()], &[], TargetOptions::default()).unwrap();
        let t = Instant::now();
        let r = net
            .in_scanner(|| {
                portwarden_scan::run(
                    ScanKind::Udp,
                    &targets,
                    &top,
                    &rc,
                    &mut NoObserver,
                    &AtomicBool::new(false),
                )
            })
            .unwrap()
            .unwrap();
        let secs = t.elapsed().as_secs_f64();
        let truth = &net.truth().hosts[&ip].udp;
        let h = &r.hosts[0];
        assert_eq!(h.ports.len(), 100);
        let found: Vec<u16> = h
            .ports
            .iter()
            .filter(|p| p.state == PortState::Open)
            .map(|p| p.port)
            .collect();
        let mut want = open.clone();
        want.sort_unstable();
        assert_eq!(found, want, "seed {seed}: open ports");
        for p in &h.ports {
            match p.state {
                PortState::Closed => assert_eq!(truth.state(p.port), NetState::Closed, "{p:?}"),
                PortState::OpenFiltered => {
                    assert_ne!(truth.state(p.port), NetState::Open, "{p:?}")
                }
                PortState::Open => {}
                PortState::Filtered => panic!("no ICMP filter answers here: {p:?}"),
            }
        }
        let closed = h.stats.closed;
        eprintln!(
            "seed {seed}: {secs:.2}s, {} probes, {} open, {closed} closed (ICMP-limited), {} open|filtered",
            r.stats.probes, h.stats.open, h.stats.open_filtered
        );
        // The burst of six unreachables (a few may be lost on the way back).
        assert!(closed >= 3, "closed ports were told apart: {closed}");
        assert!(secs < 10.0, "took {secs:.1}s");
    }
}

/// The lossy network of the scheduler issue, for UDP: eight hosts, 20 ms RTT ± 5 ms, 2 %
/// loss each way, no ICMP limit; on each, our top 100 UDP ports: some open (DNS and SNMP
/// answering like their protocols), some closed, the rest filtered. The scan on the one
/// scheduler must find exactly the open and the closed ports, name the services from their
/// answers, and leave the filtered ones open|filtered.
#[test]
fn udp_scan_is_exact_on_a_lossy_network() {
    portwarden_testkit::require!(Netsim::available()
        .err()
        .map(|why| format!("netsim unavailable: {why}")));
    let top: Vec<u16> = portwarden_kb::top_ports(Protocol::Udp, 100).to_vec();
    let open: Vec<u16> = top
        .iter()
        .copied()
        .skip(2)
        .step_by(9)
        .chain([53, 161])
        .collect();
    let rest: Vec<u16> = top.iter().copied().filter(|p| !open.contains(p)).collect();
    let closed: Vec<u16> = rest.iter().copied().step_by(3).collect();
    let ports = PortsConfig::all(NetState::Filtered)
        .open(open.iter().copied())
        .closed(closed.iter().copied())
        .payload(
            53,
            "\u{12}\u{34}\u{84}\u{0}\u{0}\u{1}\u{0}\u{1}\u{0}\u{0}\u{0}\u{0}",
        )
        .payload(161, "0\u{10}\u{2}\u{1}\u{1}");
    let cfg = Config::new()
        .seed(17)
        .rtt(Duration::from_millis(20))
        .jitter(Duration::from_millis(5))
        .loss(0.02)
        .icmp_limit(IcmpLimit::unlimited())
        .host(HostConfig::new("198.19.0.40-198.19.0.47").udp(ports));
    let net = Netsim::start(cfg).unwrap();
    let rc = ScanConfig {
        all_states: true,
        seed: Some(21),
        banners: BannerMode::Auto,
        ..ScanConfig::for_kind(ScanKind::Udp)
    };
    let targets =
        TargetSet::build(&["198.19.0.40-47".into()], &[], TargetOptions::default()).unwrap();
    let t = Instant::now();
    let r = net
        .in_scanner(|| {
            portwarden_scan::run(
                ScanKind::Udp,
                &targets,
                &top,
                &rc,
                &mut NoObserver,
                &AtomicBool::new(false),
            )
        })
        .unwrap()
        .unwrap();
    eprintln!(
        "netsim UDP 8 hosts x top-100, 2 % loss: {:.2}s, {} probes, {} retries, window peak {}",
        t.elapsed().as_secs_f64(),
        r.stats.probes,
        r.stats.retries,
        r.stats.max_window
    );
    assert_eq!(r.scan_type, "udp");
    assert_eq!(r.hosts.len(), 8);
    let mut wrong = Vec::new();
    for h in &r.hosts {
        let std::net::IpAddr::V4(ip) = h.addr else {
            panic!("{}", h.addr)
        };
        let truth = &net.truth().hosts[&ip].udp;
        assert_eq!(h.ports.len(), 100, "{ip}");
        for p in &h.ports {
            assert_eq!(p.protocol, Protocol::Udp);
            let want = match truth.state(p.port) {
                NetState::Open => PortState::Open,
                NetState::Closed => PortState::Closed,
                NetState::Filtered => PortState::OpenFiltered,
            };
            if p.state != want {
                wrong.push((ip, p.port, p.state, want));
            }
        }
        let named = |port: u16| {
            h.ports
                .iter()
                .find(|p| p.port == port)
                .and_then(|p| p.identified.as_ref())
                .map(|i| i.name)
        };
        assert_eq!(named(53), Some("domain"), "{ip}");
        assert_eq!(named(161), Some("snmp"), "{ip}");
        assert_eq!(h.stats.closed as usize, closed.len(), "{ip}");
        assert_eq!(
            h.stats.open_filtered as usize,
            100 - closed.len() - h.stats.open as usize,
            "{ip}"
        );
    }
    assert!(wrong.is_empty(), "misclassified: {wrong:?}");
}
