//! End-to-end behaviour of the simulated network, seen from the scanner namespace with the
//! kernel's own TCP/UDP/ICMP stack: open/closed/filtered TCP ports, banners, RTT, UDP replies and
//! rate-limited port-unreachables, loss statistics, determinism and namespace teardown.
//! Every test skips (with a printed reason) when the machine cannot run netsim (e.g. not root);
//! under `CI=true` it fails instead.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, SocketAddrV4, TcpStream, UdpSocket};
use std::process::Command;
use std::time::{Duration, Instant};

use etherparse::{IcmpEchoHeader, Icmpv4Header, Icmpv4Type};
use portwarden_netsim::{netns, Config, HostConfig, IcmpLimit, Netsim, PortState, PortsConfig};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};

const HOST: Ipv4Addr = Ipv4Addr::new(198, 19, 0, 10);
const BANNER: &str = "SSH-2.0-pwsim_1.0\r\n";

macro_rules! require_netsim {
    () => {
        portwarden_testkit::require!(Netsim::available()
            .err()
            .map(|why| format!("netsim unavailable: {why}")));
    };
}

fn addr(port: u16) -> SocketAddr {
    SocketAddr::V4(SocketAddrV4::new(HOST, port))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// One ICMP echo round trip over a raw socket; `None` on timeout.
fn ping(sock: &Socket, seq: u16) -> Option<Duration> {
    let payload = b"pwsim-ping-payload";
    let hdr = Icmpv4Header::with_checksum(
        Icmpv4Type::EchoRequest(IcmpEchoHeader { id: 0x7077, seq }),
        payload,
    );
    let mut pkt = hdr.to_bytes().to_vec();
    pkt.extend_from_slice(payload);
    let t0 = Instant::now();
    sock.send_to(&pkt, &SockAddr::from(SocketAddrV4::new(HOST, 0)))
        .unwrap();
    let mut buf = [0u8; 1500];
    while t0.elapsed() < Duration::from_secs(1) {
        let Ok(n) = (&*sock).read(&mut buf) else {
            return None;
        };
        let ihl = usize::from(buf[0] & 0x0f) * 4;
        let icmp = &buf[ihl..n];
        if icmp.len() >= 8
            && icmp[0] == 0
            && icmp[4..6] == 0x7077u16.to_be_bytes()
            && icmp[6..8] == seq.to_be_bytes()
            && &icmp[8..] == payload
        {
            return Some(t0.elapsed());
        }
    }
    None
}

#[test]
fn tcp_udp_icmp_against_kernel_stack() {
    require_netsim!();
    let cfg = Config::new()
        .seed(1)
        .rtt(Duration::from_millis(20))
        .icmp_limit(IcmpLimit::default()) // Linux: per peer 1/s, burst 6
        .host(
            HostConfig::new("198.19.0.10")
                .tcp(
                    PortsConfig::default()
                        .open([22, 80])
                        .closed([23])
                        .filtered([25, 443])
                        .payload(22, BANNER),
                )
                .udp(PortsConfig::default().open([53]).payload(53, "dns-answer")),
        );
    let net = Netsim::start(cfg).unwrap();
    assert_eq!(net.target_ips(), vec![HOST]);
    let truth = net.truth();
    assert_eq!(truth.tcp(HOST, 22), Some(PortState::Open));
    assert_eq!(truth.tcp(HOST, 23), Some(PortState::Closed));
    assert_eq!(truth.tcp(HOST, 25), Some(PortState::Filtered));
    assert_eq!(truth.tcp(HOST, 9999), Some(PortState::Closed));
    assert_eq!(truth.udp(HOST, 53), Some(PortState::Open));

    // The target namespace's kernel must stay silent: no IPv4 address, IPv6 disabled.
    let tgt = net.target_netns().to_string();
    let v6 = Command::new("ip")
        .args([
            "netns",
            "exec",
            &tgt,
            "cat",
            "/proc/sys/net/ipv6/conf/all/disable_ipv6",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&v6.stdout).trim(), "1");
    let a = Command::new("ip")
        .args(["-n", &tgt, "-4", "-o", "addr", "show"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&a.stdout).contains("inet "));

    net.in_scanner(|| {
        // Warm the ARP cache so the timings below are pure RTT.
        drop(TcpStream::connect_timeout(&addr(80), Duration::from_secs(2)).unwrap());

        // Open port with banner; then a clean close (our FIN answered with FIN).
        let mut s = TcpStream::connect_timeout(&addr(22), Duration::from_secs(2)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let mut buf = vec![0u8; BANNER.len()];
        s.read_exact(&mut buf).unwrap();
        assert_eq!(String::from_utf8_lossy(&buf), BANNER);
        s.write_all(b"client-hello\r\n").unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        let mut rest = Vec::new();
        assert_eq!(
            s.read_to_end(&mut rest).unwrap(),
            0,
            "server closes after our FIN"
        );

        // Closed port: RST -> ECONNREFUSED, after about one RTT.
        let t0 = Instant::now();
        let e = TcpStream::connect_timeout(&addr(23), Duration::from_secs(2)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConnectionRefused, "{e}");
        assert!(
            t0.elapsed() >= Duration::from_millis(18),
            "{:?}",
            t0.elapsed()
        );
        // A closed port by default, too.
        let e = TcpStream::connect_timeout(&addr(9999), Duration::from_secs(2)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConnectionRefused, "{e}");

        // Filtered port: silence -> timeout.
        for port in [25, 443] {
            let e =
                TcpStream::connect_timeout(&addr(port), Duration::from_millis(400)).unwrap_err();
            assert!(
                matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock),
                "port {port}: {e}"
            );
        }

        // RTT via TCP connect timing.
        let connects: Vec<Duration> = (0..5)
            .map(|_| {
                let t0 = Instant::now();
                drop(TcpStream::connect_timeout(&addr(80), Duration::from_secs(2)).unwrap());
                t0.elapsed()
            })
            .collect();
        let m = median(connects);
        eprintln!("TCP connect RTT median: {m:?}");
        assert!(
            m >= Duration::from_millis(19) && m < Duration::from_millis(40),
            "{m:?}"
        );

        // RTT via ICMP echo on a raw socket (no `ping` binary needed).
        let icmp = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::ICMPV4)).unwrap();
        icmp.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
        let pings: Vec<Duration> = (1..=3)
            .map(|i| ping(&icmp, i).expect("echo reply"))
            .collect();
        let m = median(pings);
        eprintln!("ICMP echo RTT median: {m:?}");
        assert!(
            m >= Duration::from_millis(19) && m < Duration::from_millis(40),
            "{m:?}"
        );

        // UDP open port: reply payload.
        let u = UdpSocket::bind("0.0.0.0:0").unwrap();
        u.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
        u.connect(addr(53)).unwrap();
        u.send(b"query").unwrap();
        let mut b = [0u8; 64];
        let n = u.recv(&mut b).unwrap();
        assert_eq!(&b[..n], b"dns-answer");

        // UDP closed ports: ICMP port unreachable -> ECONNREFUSED, until the per-peer rate
        // limit (burst 6, then 1/s) kicks in and the probes just time out.
        let mut refused = Vec::new();
        let t0 = Instant::now();
        for i in 0..16u16 {
            let u = UdpSocket::bind("0.0.0.0:0").unwrap();
            u.set_read_timeout(Some(Duration::from_millis(100)))
                .unwrap();
            u.connect(addr(2000 + i)).unwrap();
            u.send(b"probe").unwrap();
            match u.recv(&mut b) {
                Err(e) if e.kind() == ErrorKind::ConnectionRefused => refused.push(true),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    refused.push(false)
                }
                other => panic!("unexpected UDP result {other:?}"),
            }
        }
        let n_refused = refused.iter().filter(|r| **r).count();
        eprintln!(
            "UDP closed: {n_refused}/16 refused in {:?}: {refused:?}",
            t0.elapsed()
        );
        assert!(
            refused[..6].iter().all(|r| *r),
            "burst of 6 answered: {refused:?}"
        );
        let extra = (t0.elapsed().as_secs_f64() + 1.0) as usize; // refill of 1 per second
        assert!(
            n_refused <= 6 + extra,
            "rate limit not applied: {refused:?}"
        );
        assert!(n_refused < 16);
    })
    .unwrap();
    let st = net.stats();
    eprintln!("stats: {st:?}");
    assert!(st.icmp_rate_limited > 0);
    assert_eq!(st.dropped_loss, 0);
}

/// Sends `n` UDP probes to an open port in batches and counts the replies.
fn udp_replies(net: &Netsim, n: usize) -> usize {
    net.in_scanner(|| {
        let u = UdpSocket::bind("0.0.0.0:0").unwrap();
        u.set_read_timeout(Some(Duration::from_millis(40))).unwrap();
        // Warm ARP (ARP is never subject to loss, but the first probe could be).
        let mut got = 0;
        let mut b = [0u8; 64];
        for chunk in 0..n.div_ceil(100) {
            let k = 100.min(n - chunk * 100);
            for _ in 0..k {
                u.send_to(b"probe", addr(53)).unwrap();
            }
            while u.recv(&mut b).is_ok() {
                got += 1;
            }
        }
        got
    })
    .unwrap()
}

#[test]
fn loss_is_statistical_and_deterministic_per_seed() {
    require_netsim!();
    let n = 4000;
    let cfg = Config::new()
        .seed(7)
        .loss(0.05)
        .host(HostConfig::new("198.19.0.10").udp(PortsConfig::default().open([53])));
    let mut drops = Vec::new();
    for _ in 0..2 {
        let net = Netsim::start(cfg.clone()).unwrap();
        let got = udp_replies(&net, n);
        let st = net.stats();
        let lost = n - got;
        let frac = lost as f64 / n as f64;
        eprintln!("loss run: {got}/{n} replies, lost {frac:.4}, stats {st:?}");
        // Binomial(4000, 0.05): sd ~ 13.8 packets; 0.03..0.07 is > 5 sd either side.
        assert!((0.03..=0.07).contains(&frac), "observed loss {frac}");
        assert_eq!(
            st.dropped_loss as usize, lost,
            "every missing reply was a simulated drop"
        );
        drops.push(st.dropped_loss);
    }
    assert_eq!(
        drops[0], drops[1],
        "same seed, same probe sequence -> same drops"
    );
}

#[test]
fn namespaces_removed_on_drop_and_on_panic() {
    require_netsim!();
    let cfg = Config::new().host(HostConfig::new("198.19.0.20"));
    let net = Netsim::start(cfg.clone()).unwrap();
    let names = [
        net.scanner_netns().to_string(),
        net.target_netns().to_string(),
    ];
    assert!(names.iter().all(|n| netns::list_pwsim().contains(n)));
    drop(net);
    let live = netns::list_pwsim();
    assert!(names.iter().all(|n| !live.contains(n)), "{live:?}");

    let captured = std::sync::Mutex::new(Vec::<String>::new());
    let r = std::panic::catch_unwind(|| {
        let net = Netsim::start(cfg).unwrap();
        captured.lock().unwrap().extend([
            net.scanner_netns().to_string(),
            net.target_netns().to_string(),
        ]);
        panic!("test body panics while the network is up");
    });
    assert!(r.is_err());
    let names = captured.into_inner().unwrap();
    assert_eq!(names.len(), 2);
    let live = netns::list_pwsim();
    assert!(names.iter().all(|n| !live.contains(n)), "{live:?}");
}

#[test]
fn run_in_scanner_and_cli() {
    require_netsim!();
    let net = Netsim::start(Config::new().host(HostConfig::new("198.19.0.30"))).unwrap();
    let out = net
        .run_in_scanner(Command::new("ip").args(["-o", "-4", "addr", "show", "dev", "pws0"]))
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("198.18.0.1/15"));
    drop(net);

    let dir = std::env::temp_dir().join(format!("netsim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("net.toml");
    std::fs::write(
        &cfg,
        "seed = 3\n[[hosts]]\nip = \"198.19.0.40\"\ntcp = { open = [8080] }\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_netsim"))
        .args(["run", "--config"])
        .arg(&cfg)
        .args([
            "--",
            "sh",
            "-c",
            "ip -o link show pws0 >/dev/null && exit 7",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(7), "{err}");
    let info: serde_json::Value = serde_json::from_str(err.lines().next().unwrap()).unwrap();
    let ns = info["scanner_netns"].as_str().unwrap().to_string();
    assert!(ns.starts_with("pwsim-"));
    assert_eq!(
        info["truth"]["hosts"]["198.19.0.40"]["tcp"]["open"][0],
        8080
    );
    assert!(!netns::list_pwsim().contains(&ns));
    std::fs::remove_dir_all(&dir).unwrap();
}
