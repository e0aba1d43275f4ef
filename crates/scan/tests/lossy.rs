//! The lossy network of the scanning issue, on netsim: 64 hosts, 20 ms RTT ± 5 ms, 2 %
//! loss each way, 16 hosts that answer nothing; our top 1000 TCP ports. Connect and SYN
//! scans must both find exactly the truth — every open port, the filtered ones as
//! filtered, the silent hosts down — in bounded time. (`scripts/bench-scan` runs the same
//! network against nmap.) Raw packets stay inside netsim's namespaces.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use portwarden_netsim::{Config, Netsim, PortState as NetState};
use portwarden_scan::{
    BannerMode, HostStatus, NoObserver, PortState, ScanConfig, ScanKind, ScanReport, TargetOptions,
    TargetSet,
};
use std::sync::atomic::AtomicBool;

/// What the raw scans' configuration defaulted to before the one `ScanConfig`: ten
/// retransmission rounds, no identification.
fn raw_defaults() -> ScanConfig {
    ScanConfig {
        banners: BannerMode::Off,
        ..ScanConfig::for_kind(ScanKind::Syn)
    }
}

const NET: &str = include_str!("data/lossy64.toml");

static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn net() -> Option<Netsim> {
    portwarden_testkit::require!(
        Netsim::available()
            .err()
            .map(|why| format!("netsim unavailable: {why}")),
        None
    );
    Some(Netsim::start(Config::from_toml_str(NET).unwrap()).unwrap())
}

fn targets() -> TargetSet {
    TargetSet::build(
        &["198.19.0.1-64".to_string()],
        &[],
        TargetOptions::default(),
    )
    .unwrap()
}

fn ports() -> Vec<u16> {
    portwarden_kb::top_ports(portwarden_kb::Protocol::Tcp, 1000).to_vec()
}

/// Every difference between the report and netsim's truth.
fn mismatches(net: &Netsim, r: &ScanReport, ports: &[u16], silent_down: bool) -> Vec<String> {
    let mut bad = Vec::new();
    assert_eq!(r.hosts.len(), 64);
    for h in &r.hosts {
        let std::net::IpAddr::V4(ip) = h.addr else {
            panic!("{}", h.addr)
        };
        let truth = &net.truth().hosts[&ip];
        if !truth.ping && truth.tcp.default_state() == NetState::Filtered && silent_down {
            if h.status != HostStatus::Down {
                bad.push(format!("{ip}: silent host reported up"));
            }
            continue;
        }
        for &p in ports {
            let want = match truth.tcp.state(p) {
                NetState::Open => PortState::Open,
                NetState::Closed => PortState::Closed,
                NetState::Filtered => PortState::Filtered,
            };
            let got = h.ports.iter().find(|x| x.port == p).map(|x| x.state);
            let Some(got) = got else {
                bad.push(format!("{ip}:{p} not listed"));
                continue;
            };
            if got != want {
                bad.push(format!("{ip}:{p} {got:?}, truth {want:?}"));
            }
        }
    }
    bad
}

#[test]
fn connect_scan_is_exact_on_the_lossy_network() {
    let _s = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(net) = net() else { return };
    let ports = ports();
    let cfg = ScanConfig {
        banners: BannerMode::Off,
        all_states: true,
        seed: Some(7),
        ..ScanConfig::default()
    };
    let r = net
        .in_scanner(|| {
            portwarden_scan::run_blocking(
                portwarden_scan::ScanKind::Connect,
                &targets(),
                &ports,
                &cfg,
                &mut NoObserver,
                false,
            )
        })
        .unwrap()
        .unwrap();
    let bad = mismatches(&net, &r, &ports, true);
    println!(
        "connect: {:.1} s, {} probes, {} retries, window peak {}",
        r.elapsed.as_secs_f64(),
        r.stats.probes,
        r.stats.retries,
        r.stats.max_window
    );
    assert!(
        bad.is_empty(),
        "{} mismatches: {:?}",
        bad.len(),
        &bad[..bad.len().min(10)]
    );
    assert_eq!(r.stats.hosts_up, 48);
    // Silent hosts cost two discovery probes each (and their retries), not 1000 ports.
    assert!(r.stats.probes < 48 * 1000 + 48 * 1000 / 10, "{:?}", r.stats);
}

#[test]
fn connect_scan_without_discovery_scans_silent_hosts_too() {
    let _s = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(net) = net() else { return };
    // Eight ports are enough to see the difference.
    let ports = [22, 25, 80, 135, 443, 445, 3389, 8080];
    let cfg = ScanConfig {
        banners: BannerMode::Off,
        discovery: false,
        all_states: true,
        seed: Some(7),
        ..ScanConfig::default()
    };
    let r = net
        .in_scanner(|| {
            portwarden_scan::run_blocking(
                portwarden_scan::ScanKind::Connect,
                &targets(),
                &ports,
                &cfg,
                &mut NoObserver,
                false,
            )
        })
        .unwrap()
        .unwrap();
    let bad = mismatches(&net, &r, &ports, false);
    assert!(bad.is_empty(), "{bad:?}");
    let silent = r
        .hosts
        .iter()
        .filter(|h| h.stats.filtered == ports.len() as u32)
        .count();
    assert_eq!(silent, 16, "-Pn probes every port of the silent hosts");
}

#[test]
fn syn_scan_is_exact_on_the_lossy_network() {
    let _s = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(net) = net() else { return };
    let ports = ports();
    let rc = ScanConfig {
        seed: Some(3),
        all_states: true,
        ..raw_defaults()
    };
    let r = net
        .in_scanner(|| {
            portwarden_scan::run(
                ScanKind::Syn,
                &targets(),
                &ports,
                &rc,
                &mut NoObserver,
                &AtomicBool::new(false),
            )
        })
        .unwrap()
        .unwrap();
    println!("syn: {:.1} s", r.elapsed.as_secs_f64());
    // Host discovery, as for the connect scan: the silent hosts are down.
    let bad = mismatches(&net, &r, &ports, true);
    assert!(
        bad.is_empty(),
        "{} mismatches: {:?}",
        bad.len(),
        &bad[..bad.len().min(10)]
    );
}
