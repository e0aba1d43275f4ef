//! Full-range connect scans of loopback addresses against listeners we open ourselves.
//! Only 127.0.0.0/8 and ::1 are ever probed; ports where something else listens are
//! excluded from the scan so that foreign services are never touched.

#![allow(clippy::expect_used)]

mod common;

use portwarden_scan::{
    probe_once, run_blocking, BannerMode, NoObserver, Outcome, PortState, Reason, ScanConfig,
    ScanKind, TargetOptions, TargetSet,
};
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::time::{Duration, Instant};

fn targets(spec: &str) -> TargetSet {
    TargetSet::build(&[spec.to_string()], &[], TargetOptions::default()).expect("target")
}

fn quiet() -> ScanConfig {
    ScanConfig {
        banners: BannerMode::Off,
        ..ScanConfig::default()
    }
}

fn open_set(r: &portwarden_scan::ScanReport) -> BTreeSet<u16> {
    r.hosts
        .iter()
        .flat_map(|h| h.open().map(|p| p.port))
        .collect()
}

#[test]
fn full_range_exact_twenty_times() {
    let addr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 23));
    let foreign = common::foreign_listeners(addr);
    let (mine, _keep) = common::listeners(addr, 30, &foreign);
    assert!(mine.len() >= 25, "could bind only {} listeners", mine.len());
    let ports: Vec<u16> = (1..=65535u16).filter(|p| !foreign.contains(p)).collect();
    let t = targets("127.0.0.23");
    let mut times = Vec::new();
    for run in 0..20 {
        let t0 = Instant::now();
        let r = run_blocking(
            ScanKind::Connect,
            &t,
            &ports,
            &quiet(),
            &mut NoObserver,
            false,
        )
        .expect("scan");
        times.push(t0.elapsed());
        assert_eq!(open_set(&r), mine, "run {run}");
        let h = &r.hosts[0];
        assert_eq!(h.stats.open as usize, mine.len());
        assert_eq!(
            h.stats.closed as usize + mine.len(),
            ports.len(),
            "run {run}"
        );
        assert_eq!(h.stats.filtered, 0, "run {run}");
        assert_eq!(h.stats.closed_not_shown, h.stats.closed);
        assert!(h.ports.iter().all(|p| p.state == PortState::Open));
    }
    let max = times.iter().max().copied().unwrap_or_default();
    eprintln!("20 full-range scans: max {max:?}, all {times:?}");
}

#[test]
fn ipv6_loopback_and_localhost() {
    let v6 = match TcpListener::bind("[::1]:0") {
        Ok(l) => l,
        Err(e) => {
            portwarden_testkit::skip(&format!("no IPv6 loopback (::1): {e}"));
            return;
        }
    };
    let p6 = v6.local_addr().expect("addr").port();
    let foreign = common::foreign_listeners("::1".parse().expect("ip"));
    let mut ports: Vec<u16> = (40000..40200)
        .filter(|p| !foreign.contains(p) && *p != p6)
        .collect();
    ports.push(p6);
    ports.sort_unstable();
    let r = run_blocking(
        ScanKind::Connect,
        &targets("::1"),
        &ports,
        &quiet(),
        &mut NoObserver,
        false,
    )
    .expect("scan");
    assert_eq!(open_set(&r), BTreeSet::from([p6]));

    let v4 = TcpListener::bind("127.0.0.1:0").expect("bind");
    let p4 = v4.local_addr().expect("addr").port();
    let r = run_blocking(
        ScanKind::Connect,
        &targets("localhost"),
        &[p4],
        &quiet(),
        &mut NoObserver,
        false,
    )
    .expect("scan");
    let h = &r.hosts[0];
    assert_eq!(h.hostname.as_deref(), Some("localhost"));
    assert!(h.addr.is_loopback());
    if h.addr.is_ipv4() {
        assert_eq!(open_set(&r), BTreeSet::from([p4]));
    }
}

#[test]
fn self_connect_is_closed() {
    // A socket bound to 127.0.0.1:P connecting to 127.0.0.1:P connects to itself
    // (simultaneous open), exactly what happens by chance in the ephemeral range.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let free = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = free.local_addr().expect("addr").port();
    drop(free);
    let a = SocketAddr::from(([127, 0, 0, 1], port));
    let (o, _) = rt.block_on(probe_once(a, Duration::from_secs(1), Some(a)));
    assert_eq!(o, Outcome::Answer(Reason::SelfConnect));
    assert_eq!(Reason::SelfConnect.state(), PortState::Closed);
}

#[test]
fn closed_ports_listed_when_few() {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let p = l.local_addr().expect("addr").port();
    let foreign = common::foreign_listeners(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let mut ports: Vec<u16> = (41000..41005)
        .filter(|x| !foreign.contains(x) && *x != p)
        .collect();
    ports.push(p);
    ports.sort_unstable();
    let r = run_blocking(
        ScanKind::Connect,
        &targets("127.0.0.1"),
        &ports,
        &quiet(),
        &mut NoObserver,
        false,
    )
    .expect("scan");
    let h = &r.hosts[0];
    assert_eq!(h.ports.len(), ports.len());
    assert!(h
        .ports
        .iter()
        .filter(|x| x.port != p)
        .all(|x| x.state == PortState::Closed && x.reason == Reason::ConnRefused));
}

#[test]
fn ranges_and_rate_limit() {
    // Three hosts, a handful of ports, with --rate: order is permuted yet complete.
    let addr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 31));
    let foreign = common::foreign_listeners(addr);
    let (mine, _keep) = common::listeners(addr, 3, &foreign);
    let mut ports: Vec<u16> = mine.iter().copied().collect();
    ports.extend((42000..42050).filter(|p| !foreign.contains(p) && !mine.contains(p)));
    ports.sort_unstable();
    let cfg = ScanConfig {
        rate: Some(2000.0),
        ..quiet()
    };
    let t0 = Instant::now();
    let r = run_blocking(
        ScanKind::Connect,
        &targets("127.0.0.30-32"),
        &ports,
        &cfg,
        &mut NoObserver,
        false,
    )
    .expect("scan");
    let took = t0.elapsed();
    assert_eq!(r.hosts.len(), 3);
    assert_eq!(r.hosts[1].addr.to_string(), "127.0.0.31");
    let open: BTreeSet<u16> = r.hosts[1].open().map(|p| p.port).collect();
    assert_eq!(open, mine);
    // 3 × ~53 probes at 2000/s cannot finish in much less than 60 ms.
    assert!(took >= Duration::from_millis(60), "{took:?}");
}
