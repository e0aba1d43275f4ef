//! Service identification against small fake services on loopback.

#![allow(clippy::expect_used)]

use portwarden_scan::{
    scan_blocking, BannerMode, NoObserver, ScanConfig, TargetOptions, TargetSet,
};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

/// A server that answers each connection with `reply(first bytes received)`.
fn serve(greeting: &'static [u8], reply: fn(&[u8]) -> Option<&'static [u8]>) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            std::thread::spawn(move || {
                if !greeting.is_empty() {
                    let _ = s.write_all(greeting);
                    return;
                }
                let _ = s.set_read_timeout(Some(Duration::from_secs(3)));
                let mut buf = [0u8; 512];
                let n = s.read(&mut buf).unwrap_or(0);
                if let Some(r) = reply(&buf[..n]) {
                    let _ = s.write_all(r);
                }
            });
        }
    });
    port
}

fn scan(ports: &[u16]) -> portwarden_scan::ScanReport {
    let t = TargetSet::build(&["127.0.0.1".to_string()], &[], TargetOptions::default())
        .expect("targets");
    let cfg = ScanConfig {
        banners: BannerMode::On,
        banner_timeout: Duration::from_millis(500),
        ..ScanConfig::default()
    };
    let mut ports = ports.to_vec();
    ports.sort_unstable();
    scan_blocking(&t, &ports, &cfg, &mut NoObserver, false).expect("scan")
}

#[test]
fn identifies_services_and_flags_off_port() {
    let ssh = serve(b"SSH-2.0-OpenSSH_9.6 test\r\n", |_| None);
    let http = serve(b"", |req| {
        req.starts_with(b"GET ")
            .then_some(&b"HTTP/1.0 200 OK\r\nServer: toy/1.0\r\n\r\nhi"[..])
    });
    let redis = serve(b"", |req| {
        req.starts_with(b"PING").then_some(&b"+PONG\r\n"[..])
    });
    let evil = serve(
        b"\x1b[2J\x1b]0;owned\x07\x00\xff\xfe hi \x1b[31mred\n",
        |_| None,
    );
    let r = scan(&[ssh, http, redis, evil]);
    let h = &r.hosts[0];
    let get = |p: u16| h.ports.iter().find(|x| x.port == p).expect("listed");
    let id = |p: u16| get(p).identified.clone().expect("identified");
    assert_eq!(id(ssh).name, "ssh");
    assert!(
        id(ssh).off_port,
        "ssh on a random port is not on its own port"
    );
    assert_eq!(id(ssh).product.as_deref(), Some("SSH-2.0-OpenSSH_9.6 test"));
    assert_eq!(id(http).name, "http");
    assert_eq!(id(http).product.as_deref(), Some("toy/1.0"));
    assert_eq!(id(redis).name, "redis");
    // The malicious banner is kept as raw bytes; sanitising is the renderers' job.
    let raw = &get(evil).banner.as_ref().expect("banner").0;
    assert!(raw.starts_with(b"\x1b[2J"));
    assert!(raw.contains(&0u8));
}
