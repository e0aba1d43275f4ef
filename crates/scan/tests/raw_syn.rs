//! SYN scans on the simulated network and on loopback, always inside a network namespace
//! created by the test (netsim's scanner namespace): raw packets never leave it. Each test
//! prints `SKIPPED: ...` and passes when netsim cannot run here (not root, no netns), and
//! fails instead under `CI=true`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use portwarden_netsim::{Config, HostConfig, Netsim, PortState as NetState, PortsConfig};
use portwarden_scan::{
    BannerMode, NoObserver, PortState, ScanConfig, ScanKind, ScanReport, TargetOptions, TargetSet,
};
use std::collections::BTreeSet;
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

macro_rules! require_netsim {
    () => {
        portwarden_testkit::require!(Netsim::available()
            .err()
            .map(|why| format!("netsim unavailable: {why}")));
    };
}

static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn targets(spec: &str) -> TargetSet {
    TargetSet::build(&[spec.to_string()], &[], TargetOptions::default()).unwrap()
}

fn all_states(r: &ScanReport) -> Vec<(u16, PortState)> {
    r.hosts[0].ports.iter().map(|p| (p.port, p.state)).collect()
}

#[test]
fn full_range_on_netsim_matches_truth_with_loss() {
    require_netsim!();
    let _s = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // A random mix: ~8000 filtered ports, ~300 open, the rest closed.
    let mut x: u64 = 0x1234_5678;
    let mut filtered = BTreeSet::new();
    while filtered.len() < 8000 {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        filtered.insert(((x >> 33) % 65535 + 1) as u16);
    }
    let cfg = Config::new()
        .seed(11)
        .rtt(Duration::from_millis(20))
        .jitter(Duration::from_millis(2))
        .loss(0.05)
        .host(
            HostConfig::new("198.19.0.10").tcp(
                PortsConfig::default()
                    .open([22, 80, 443])
                    .random_open(300, 5)
                    .filtered(
                        filtered
                            .iter()
                            .copied()
                            .filter(|p| ![22, 80, 443].contains(p)),
                    ),
            ),
        );
    let net = Netsim::start(cfg).unwrap();
    let ip: Ipv4Addr = "198.19.0.10".parse().unwrap();
    let ports: Vec<u16> = (1..=65535).collect();
    let rc = ScanConfig {
        all_states: true,
        seed: Some(3),
        ..raw_defaults()
    };
    let t = Instant::now();
    let r = net
        .in_scanner(|| {
            portwarden_scan::run(
                ScanKind::Syn,
                &targets("198.19.0.10"),
                &ports,
                &rc,
                &mut NoObserver,
                &AtomicBool::new(false),
            )
        })
        .unwrap()
        .unwrap();
    let secs = t.elapsed().as_secs_f64();
    eprintln!(
        "netsim SYN -p-: {secs:.2}s, {} probes ({} retries), peak rate {} pps",
        r.stats.probes, r.stats.retries, r.stats.max_window
    );
    assert_eq!(r.scan_type, "syn");
    let truth = &net.truth().hosts[&ip].tcp;
    let got = all_states(&r);
    assert_eq!(got.len(), 65535);
    let wrong: Vec<_> = got
        .iter()
        .filter(|(p, s)| {
            let want = match truth.state(*p) {
                NetState::Open => PortState::Open,
                NetState::Closed => PortState::Closed,
                NetState::Filtered => PortState::Filtered,
            };
            *s != want
        })
        .take(10)
        .collect();
    assert!(wrong.is_empty(), "mismatches: {wrong:?}");
    let open: Vec<u16> = r.hosts[0].open().map(|p| p.port).collect();
    assert_eq!(open, truth.open());
    assert!(r.hosts[0]
        .open()
        .all(|p| p.rtt.is_some_and(|d| d >= Duration::from_millis(15))));
    assert!(secs < 40.0, "took {secs:.1}s");
}

#[test]
fn loopback_in_namespace_is_exact_twenty_times() {
    require_netsim!();
    let _s = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let net = Netsim::start(Config::new().host(HostConfig::new("198.19.0.10"))).unwrap();
    let want: Vec<u16> = vec![22, 80, 443, 3306, 8080, 31337, 50000, 65535];
    // Listeners inside the scanner namespace's own loopback.
    let listeners = net
        .in_scanner(|| {
            want.iter()
                .map(|p| std::net::TcpListener::bind(("127.0.0.1", *p)).unwrap())
                .collect::<Vec<_>>()
        })
        .unwrap();
    let ports: Vec<u16> = (1..=65535).collect();
    for run in 0..20 {
        let rc = ScanConfig {
            seed: Some(run),
            ..raw_defaults()
        };
        let t = Instant::now();
        let r = net
            .in_scanner(|| {
                portwarden_scan::run(
                    ScanKind::Syn,
                    &targets("127.0.0.1"),
                    &ports,
                    &rc,
                    &mut NoObserver,
                    &AtomicBool::new(false),
                )
            })
            .unwrap()
            .unwrap();
        let open: Vec<u16> = r.hosts[0].open().map(|p| p.port).collect();
        assert_eq!(open, want, "run {run}");
        assert_eq!(
            r.hosts[0].stats.closed as usize,
            65535 - want.len(),
            "run {run}"
        );
        assert_eq!(r.hosts[0].stats.filtered, 0, "run {run}");
        if run == 0 {
            eprintln!("loopback SYN -p-: {:.2}s", t.elapsed().as_secs_f64());
        }
    }
    drop(listeners);
}
