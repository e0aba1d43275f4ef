//! A full-range scan under a tight descriptor limit: the window must shrink on EMFILE,
//! wait and retry, and the result must still be exact. Runs in its own process (each
//! integration test file is one), so lowering the limit here affects nothing else.

#![allow(clippy::expect_used)]

mod common;

use nix::sys::resource::{setrlimit, Resource};
use portwarden_scan::{
    run_blocking, BannerMode, NoObserver, ScanConfig, ScanKind, TargetOptions, TargetSet,
};
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};

#[test]
fn exact_under_low_fd_limit_with_emfile() {
    let addr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 27));
    let foreign = common::foreign_listeners(addr);
    let (mine, _keep) = common::listeners(addr, 20, &foreign);
    setrlimit(Resource::RLIMIT_NOFILE, 160, 160).expect("setrlimit");
    // Eat descriptors so that the window derived from the limit overshoots what is free.
    let mut hog = Vec::new();
    for _ in 0..70 {
        if let Ok(f) = std::fs::File::open("/dev/null") {
            hog.push(f);
        }
    }
    let t = TargetSet::build(&["127.0.0.27".to_string()], &[], TargetOptions::default())
        .expect("targets");
    let ports: Vec<u16> = (1..=65535u16).filter(|p| !foreign.contains(p)).collect();
    let cfg = ScanConfig {
        banners: BannerMode::Off,
        ..ScanConfig::default()
    };
    for _ in 0..3 {
        let r = run_blocking(ScanKind::Connect, &t, &ports, &cfg, &mut NoObserver, false)
            .expect("scan");
        let open: BTreeSet<u16> = r.hosts[0].open().map(|p| p.port).collect();
        assert_eq!(open, mine);
        assert_eq!(r.hosts[0].stats.filtered, 0);
        eprintln!(
            "window {}..{}, resource errors {}, {:?}",
            r.stats.initial_window, r.stats.max_window, r.stats.resource_errors, r.elapsed
        );
    }
    drop(hog);
}
