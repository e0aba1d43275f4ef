//! Per-host congestion control on netsim: one slow, jittery, lossy host (200 ms ± 150 ms,
//! 10 % loss) in the same host group as five fast ones. The connect scan must be exact on
//! every host, and the fast hosts must not be held to the slow one's pace: each host has
//! its own window and a fair share of the group's, so the slow host's long-lived probes
//! never fill the window alone. Raw packets stay inside netsim's namespaces.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use portwarden_kb::Protocol;
use portwarden_netsim::{Config, HostConfig, Netsim, PortState as NetState, PortsConfig};
use portwarden_scan::{
    BannerMode, Observer, PortState, ScanConfig, ScanKind, TargetOptions, TargetSet,
};
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// When each host's last port was resolved, from the scan's start.
struct Clock {
    t0: Instant,
    last: HashMap<IpAddr, Duration>,
}

impl Observer for Clock {
    fn port_done(&mut self, addr: IpAddr, _port: u16, _p: Protocol, _s: PortState) {
        self.last.insert(addr, self.t0.elapsed());
    }
}

#[test]
fn a_slow_lossy_host_does_not_slow_the_fast_ones() {
    portwarden_testkit::require!(Netsim::available()
        .err()
        .map(|why| format!("netsim unavailable: {why}")));
    // No filtered port: their timeouts would be the fast hosts' pace, not the slow one's.
    let fast = PortsConfig::all(NetState::Closed).open([22, 80, 443, 8080]);
    let cfg = Config::new()
        .seed(5)
        .host(HostConfig::new("198.19.0.1-198.19.0.5").tcp(fast.clone()))
        .host(HostConfig::new("198.19.0.6").tcp(fast).link(
            Duration::from_millis(200),
            Duration::from_millis(150),
            0.10,
        ));
    let net = Netsim::start(cfg).unwrap();
    let ports: Vec<u16> = (1..=200).collect();
    let targets =
        TargetSet::build(&["198.19.0.1-6".to_string()], &[], TargetOptions::default()).unwrap();
    let scan = ScanConfig {
        banners: BannerMode::Off,
        all_states: true,
        seed: Some(1),
        // A window small enough that one host's slow probes could fill it.
        max_inflight: Some(64),
        ..ScanConfig::for_kind(ScanKind::Connect)
    };
    let (r, last) = net
        .in_scanner(|| {
            let mut clock = Clock {
                t0: Instant::now(),
                last: HashMap::new(),
            };
            let r = portwarden_scan::run_blocking(
                ScanKind::Connect,
                &targets,
                &ports,
                &scan,
                &mut clock,
                false,
            );
            (r, clock.last)
        })
        .unwrap();
    let r = r.unwrap();
    // Exact everywhere, the slow host included.
    for h in &r.hosts {
        let IpAddr::V4(ip) = h.addr else { panic!() };
        for &p in &ports {
            let want = match net.truth().tcp(ip, p).unwrap() {
                NetState::Open => PortState::Open,
                NetState::Closed => PortState::Closed,
                NetState::Filtered => PortState::Filtered,
            };
            let got = h.ports.iter().find(|x| x.port == p).map(|x| x.state);
            assert_eq!(got, Some(want), "{ip}:{p}");
        }
    }
    let slow: IpAddr = "198.19.0.6".parse().unwrap();
    let slow_done = last[&slow];
    let fast_done = last
        .iter()
        .filter(|(a, _)| **a != slow)
        .map(|(_, d)| *d)
        .max()
        .unwrap();
    println!(
        "fast hosts done after {:.2} s, the slow one after {:.2} s ({} probes, {} retries)",
        fast_done.as_secs_f64(),
        slow_done.as_secs_f64(),
        r.stats.probes,
        r.stats.retries
    );
    // Relative, not a timing goal: the fast hosts finish in a fraction of the slow one's
    // time instead of at its pace.
    assert!(
        fast_done * 4 < slow_done,
        "fast hosts took {fast_done:?}, the slow one {slow_done:?}"
    );
}
