//! Service identification against small fake services on loopback.

#![allow(clippy::expect_used)]

use portwarden_scan::{
    run_blocking, BannerMode, NoObserver, ScanConfig, ScanKind, TargetOptions, TargetSet,
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
    scan_with(ports, true)
}

fn scan_with(ports: &[u16], login_probes: bool) -> portwarden_scan::ScanReport {
    let t = TargetSet::build(&["127.0.0.1".to_string()], &[], TargetOptions::default())
        .expect("targets");
    let cfg = ScanConfig {
        banners: BannerMode::On,
        banner_timeout: Duration::from_millis(500),
        login_probes,
        ..ScanConfig::default()
    };
    let mut ports = ports.to_vec();
    ports.sort_unstable();
    run_blocking(ScanKind::Connect, &t, &ports, &cfg, &mut NoObserver, false).expect("scan")
}

#[test]
fn identifies_services_and_flags_off_port() {
    let ssh = serve(b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5\r\n", |_| None);
    let http = serve(b"", |req| {
        req.starts_with(b"GET ")
            .then_some(&b"HTTP/1.0 200 OK\r\nServer: toy/1.0\r\n\r\nhi"[..])
    });
    let redis = serve(b"", |req| {
        req.starts_with(b"INFO server")
            .then_some(&b"$40\r\n# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n"[..])
    });
    let evil = serve(
        b"\x1b[2J\x1b]0;owned\x07\x00\xff\xfe hi \x1b[31mred\n",
        |_| None,
    );
    let r = scan(&[ssh, http, redis, evil]);
    let h = &r.hosts[0];
    let get = |p: u16| h.ports.iter().find(|x| x.port == p).expect("listed");
    let id = |p: u16| {
        get(p)
            .identified
            .clone()
            .unwrap_or_else(|| panic!("{p} not identified: {:?}", get(p)))
    };
    assert_eq!(id(ssh).name, "ssh");
    assert!(
        id(ssh).off_port,
        "ssh on a random port is not on its own port"
    );
    // Product and version from Recog's fingerprints, not the raw banner.
    assert_eq!(id(ssh).product.as_deref(), Some("OpenSSH"));
    assert_eq!(id(ssh).version.as_deref(), Some("9.6p1"));
    assert!(
        id(ssh)
            .cpe
            .iter()
            .any(|c| c == "cpe:/a:openbsd:openssh:9.6p1"),
        "{:?}",
        id(ssh)
    );
    assert_eq!(id(http).name, "http");
    assert_eq!(id(http).product.as_deref(), Some("toy"));
    assert_eq!(id(http).version.as_deref(), Some("1.0"));
    assert_eq!(id(redis).name, "redis");
    assert_eq!(id(redis).version.as_deref(), Some("7.0.15"));
    assert!(get(redis).findings.iter().any(|f| f.id == "redis-no-auth"));
    // The malicious banner is kept as raw bytes; sanitising is the renderers' job.
    let raw = &get(evil).banner.as_ref().expect("banner").0;
    assert!(raw.starts_with(b"\x1b[2J"));
    assert!(raw.contains(&0u8));
}

/// A server that sends back whatever it reads.
fn echo_server() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            std::thread::spawn(move || {
                let _ = s.set_read_timeout(Some(Duration::from_secs(3)));
                let mut buf = [0u8; 2048];
                while let Ok(n) = s.read(&mut buf) {
                    if n == 0 || s.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
    port
}

/// A TLS server (self-signed certificate for `localhost`) that answers any request with an
/// HTTP response from "nginx/1.22.1".
fn tls_server() -> u16 {
    use std::sync::Arc;
    let key = rcgen::KeyPair::generate().expect("key");
    let params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    let cert = params.self_signed(&key).expect("cert");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .expect("server config");
    let cfg = Arc::new(cfg);
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(s) = s else { continue };
            let cfg = cfg.clone();
            std::thread::spawn(move || {
                let _ = s.set_read_timeout(Some(Duration::from_secs(3)));
                let Ok(conn) = rustls::ServerConnection::new(cfg) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(conn, s);
                let mut buf = [0u8; 1024];
                if matches!(tls.read(&mut buf), Ok(n) if n > 0) {
                    let _ = tls.write_all(
                        b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Length: 0\r\n\r\n",
                    );
                    let _ = tls.flush();
                }
            });
        }
    });
    port
}

#[test]
fn echo_is_never_tls() {
    let echo = echo_server();
    let r = scan(&[echo]);
    let p = &r.hosts[0].ports[0];
    let id = p.identified.as_ref().expect("identified");
    assert_eq!(id.name, "echo", "{id:?}");
    assert!(id.tls.is_none() && id.tunnel.is_none());
}

#[test]
fn tls_handshake_then_http_inside() {
    let port = tls_server();
    let r = scan(&[port]);
    let p = &r.hosts[0].ports[0];
    let id = p.identified.as_ref().expect("identified");
    assert_eq!((id.name, id.tunnel), ("http", Some("ssl")), "{id:?}");
    assert_eq!(id.product.as_deref(), Some("nginx"));
    assert_eq!(id.version.as_deref(), Some("1.22.1"));
    let tls = id.tls.as_ref().expect("tls info");
    assert!(
        tls.version
            .as_deref()
            .is_some_and(|v| v.starts_with("TLSv1.")),
        "{tls:?}"
    );
    assert!(tls.self_signed);
    assert!(!tls.expired);
    assert!(tls.san.iter().any(|s| s == "localhost"), "{tls:?}");
    assert!(p.findings.iter().any(|f| f.id == "tls-cert-self-signed"));
    // rustls refuses TLS 1.0/1.1: no legacy finding.
    assert!(!p.findings.iter().any(|f| f.id == "tls-legacy-version"));
}

/// A minimal FTP server: greets, and lets `anonymous` in when `open`.
fn ftp_server(open: bool) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            std::thread::spawn(move || {
                let _ = s.set_read_timeout(Some(Duration::from_secs(3)));
                let _ = s.write_all(b"220-Welcome\r\n220 (vsFTPd 3.0.3)\r\n");
                let mut buf = [0u8; 256];
                while let Ok(n) = s.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let reply: &[u8] = if buf.starts_with(b"USER anonymous") {
                        b"331 Please specify the password.\r\n"
                    } else if buf.starts_with(b"PASS") && open {
                        b"230 Login successful.\r\n"
                    } else if buf.starts_with(b"PASS") {
                        b"530 Login incorrect.\r\n"
                    } else {
                        b"221 Goodbye.\r\n"
                    };
                    if s.write_all(reply).is_err() {
                        break;
                    }
                }
            });
        }
    });
    port
}

#[test]
fn anonymous_ftp_is_a_finding_only_when_it_lets_us_in() {
    let (open, closed) = (ftp_server(true), ftp_server(false));
    let r = scan(&[open, closed]);
    let get = |p: u16| {
        r.hosts[0]
            .ports
            .iter()
            .find(|x| x.port == p)
            .expect("listed")
    };
    let anon = |p: u16| get(p).findings.iter().any(|f| f.id == "ftp-anonymous");
    assert!(anon(open), "{:?}", get(open));
    assert!(!anon(closed), "{:?}", get(closed));
    assert_eq!(
        get(closed)
            .identified
            .as_ref()
            .and_then(|i| i.product.as_deref()),
        Some("vsFTPd")
    );
}

#[test]
fn no_login_probes_sends_no_ftp_login() {
    let open = ftp_server(true);
    let r = scan_with(&[open], false);
    let p = r.hosts[0]
        .ports
        .iter()
        .find(|x| x.port == open)
        .expect("listed");
    assert!(!p.findings.iter().any(|f| f.id == "ftp-anonymous"), "{p:?}");
    // Still identified from its greeting.
    assert_eq!(p.identified.as_ref().map(|i| i.name), Some("ftp"), "{p:?}");
}
