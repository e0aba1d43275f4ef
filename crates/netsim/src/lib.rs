//! `portwarden-netsim`: a simulated test network for portwarden's scanners.
//!
//! [`Netsim::start`] creates two network namespaces joined by a veth pair. The scanner side
//! (`pws0`, `198.18.0.1/15`, route to `198.19.0.0/24`) is where the code under test runs; the
//! target side (`pwt0`, no IP address, IPv6 disabled, so its kernel never answers) is played by a
//! user-space responder on an AF_PACKET socket that impersonates every configured host: ARP,
//! ICMP echo, TCP (SYN-ACK/RST/silence, handshake, banner, FIN/RST handling) and UDP (reply,
//! rate-limited ICMP port unreachable, silence), with RTT, jitter and loss from a seeded RNG.
//!
//! ```no_run
//! use portwarden_netsim::{Config, HostConfig, Netsim, PortsConfig};
//! if let Err(why) = Netsim::available() {
//!     eprintln!("skipping: {why}");
//!     return;
//! }
//! let cfg = Config::new()
//!     .rtt(std::time::Duration::from_millis(20))
//!     .host(HostConfig::new("198.19.0.10").tcp(PortsConfig::default().open([22, 80])));
//! let net = Netsim::start(cfg).expect("netsim");
//! let ok = net
//!     .in_scanner(|| std::net::TcpStream::connect("198.19.0.10:22").is_ok())
//!     .expect("setns");
//! assert!(ok);
//! // `net` dropped here: responder stopped, namespaces deleted.
//! ```
//!
//! Linux only (network namespaces, veth, AF_PACKET): the crate is empty elsewhere.
#![cfg(target_os = "linux")]

pub mod config;
pub mod netns;
mod rawsock;
mod responder;
pub mod rng;

use std::net::Ipv4Addr;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use config::{
    Config, HostConfig, HostTruth, IcmpLimit, PortItem, PortState, PortTable, PortsConfig,
    RandomOpen, Truth, SCANNER_IP, TARGET_NET,
};
pub use responder::Stats;

use responder::Responder;

/// Name of the scanner-side veth interface (inside the scanner namespace).
pub const SCANNER_IFACE: &str = "pws0";
/// Name of the target-side veth interface (inside the target namespace).
pub const TARGET_IFACE: &str = "pwt0";
/// MAC address of the scanner-side veth.
pub const SCANNER_MAC: [u8; 6] = [0x02, 0x70, 0x77, 0x73, 0x00, 0x01];
/// MAC address of the target-side veth; every simulated host answers with it.
pub const TARGET_MAC: [u8; 6] = [0x02, 0x70, 0x77, 0x73, 0x00, 0x02];

/// Errors of the simulator.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The machine cannot run the simulator (not root, no `ip`, no netns).
    #[error("netsim unavailable: {0}")]
    Unavailable(String),
    /// Invalid configuration.
    #[error("netsim config: {0}")]
    Config(String),
    /// An `ip` command failed.
    #[error("`ip {args}` failed: {stderr}")]
    Ip {
        /// Arguments given to `ip`.
        args: String,
        /// What `ip` printed on stderr.
        stderr: String,
    },
    /// An I/O or system call failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

/// A running simulated network. Dropping it stops the responder and deletes both namespaces.
pub struct Netsim {
    scan_ns: String,
    tgt_ns: String,
    config: Config,
    truth: Arc<Truth>,
    responder: Option<Responder>,
}

impl std::fmt::Debug for Netsim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Netsim")
            .field("scanner_netns", &self.scan_ns)
            .field("target_netns", &self.tgt_ns)
            .finish_non_exhaustive()
    }
}

fn mac_str(m: [u8; 6]) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

impl Netsim {
    /// `Ok(())` if this machine can run the simulator, else a one-line reason (not root, no
    /// `ip`, no netns/veth support). The probe runs once per process.
    pub fn available() -> Result<(), String> {
        netns::available()
    }

    /// Creates the namespaces and veth pair and starts the responder.
    pub fn start(config: Config) -> Result<Netsim, Error> {
        config.validate()?;
        let truth = Arc::new(config.truth()?);
        Netsim::available().map_err(Error::Unavailable)?;
        netns::install_signal_cleanup();
        // Best effort: remove namespaces left by dead processes.
        let _ = netns::cleanup(false);
        let (scan_ns, tgt_ns) = netns::fresh_names();
        let mut net = Netsim {
            scan_ns,
            tgt_ns,
            config,
            truth,
            responder: None,
        };
        // On any error below, dropping `net` removes whatever was created.
        net.setup()?;
        Ok(net)
    }

    fn setup(&mut self) -> Result<(), Error> {
        let (s, t) = (self.scan_ns.clone(), self.tgt_ns.clone());
        netns::add(&s)?;
        netns::add(&t)?;
        for ns in [&s, &t] {
            netns::sysctl(ns, "net.ipv6.conf.all.disable_ipv6", "1")?;
            netns::sysctl(ns, "net.ipv6.conf.default.disable_ipv6", "1")?;
        }
        let (smac, tmac) = (mac_str(SCANNER_MAC), mac_str(TARGET_MAC));
        netns::ip(&[
            "-n",
            &s,
            "link",
            "add",
            SCANNER_IFACE,
            "address",
            &smac,
            "type",
            "veth",
            "peer",
            "name",
            TARGET_IFACE,
            "address",
            &tmac,
            "netns",
            &t,
        ])?;
        let scanner_cidr = format!("{}/{}", config::SCANNER_IP, config::SCANNER_PREFIX);
        let target_cidr = format!("{}/{}", config::TARGET_NET, config::TARGET_PREFIX);
        netns::ip(&["-n", &s, "link", "set", "lo", "up"])?;
        netns::ip(&["-n", &s, "addr", "add", &scanner_cidr, "dev", SCANNER_IFACE])?;
        netns::ip(&["-n", &s, "link", "set", SCANNER_IFACE, "up"])?;
        netns::ip(&["-n", &s, "route", "add", &target_cidr, "dev", SCANNER_IFACE])?;
        // Target side: interface up, deliberately no IPv4 address (kernel stays silent).
        netns::ip(&["-n", &t, "link", "set", TARGET_IFACE, "up"])?;
        let sock = netns::in_netns(&t, || rawsock::PacketSocket::bind(TARGET_IFACE))?
            .map_err(|e| Error::io("AF_PACKET socket on target veth", e))?;
        let responder = Responder::start(sock, &self.config, self.truth.clone(), TARGET_MAC)
            .map_err(|e| Error::io("starting responder threads", e))?;
        self.responder = Some(responder);
        // Wait for the veth to report carrier on the scanner side.
        let deadline = Instant::now() + Duration::from_secs(3);
        loop {
            let out = netns::ip(&["-n", &s, "-o", "link", "show", SCANNER_IFACE])?;
            if out.contains("state UP") || out.contains(",LOWER_UP") {
                break;
            }
            if Instant::now() > deadline {
                return Err(Error::Ip {
                    args: format!("-n {s} link show {SCANNER_IFACE}"),
                    stderr: format!("veth did not come up: {}", out.trim()),
                });
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(())
    }

    /// Name of the scanner namespace (use with `ip netns exec NAME ...`).
    pub fn scanner_netns(&self) -> &str {
        &self.scan_ns
    }

    /// Name of the target namespace (where the responder's veth end lives).
    pub fn target_netns(&self) -> &str {
        &self.tgt_ns
    }

    /// Address of the scanner side (`198.18.0.1`).
    pub fn scanner_ip(&self) -> Ipv4Addr {
        config::SCANNER_IP
    }

    /// Interface name the scanner should use (`pws0`).
    pub fn scanner_iface(&self) -> &'static str {
        SCANNER_IFACE
    }

    /// Simulated host addresses, sorted.
    pub fn target_ips(&self) -> Vec<Ipv4Addr> {
        self.truth.ips()
    }

    /// Ground truth: the state of every port on every simulated host.
    pub fn truth(&self) -> &Truth {
        &self.truth
    }

    /// The configuration this network runs with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Responder counters.
    pub fn stats(&self) -> Stats {
        self.responder
            .as_ref()
            .map(Responder::stats)
            .unwrap_or_default()
    }

    /// Runs `f` on a fresh thread inside the scanner namespace and returns its result.
    /// Sockets created in `f` belong to the scanner namespace and may be returned and used
    /// from any thread; benchmarks can run a whole scan in `f`.
    pub fn in_scanner<T: Send>(&self, f: impl FnOnce() -> T + Send) -> Result<T, Error> {
        netns::in_netns(&self.scan_ns, f)
    }

    /// Wraps `cmd` as `ip netns exec <scanner> <program> <args>` (environment, working
    /// directory and stdio settings of a plain `Command` must be set on the returned one).
    pub fn scanner_command(&self, cmd: &Command) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.scan_ns]);
        c.arg(cmd.get_program()).args(cmd.get_args());
        for (k, v) in cmd.get_envs() {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
        if let Some(d) = cmd.get_current_dir() {
            c.current_dir(d);
        }
        c
    }

    /// Runs `cmd` inside the scanner namespace (via `ip netns exec`) and collects its output.
    pub fn run_in_scanner(&self, cmd: &mut Command) -> Result<Output, Error> {
        self.scanner_command(cmd).output().map_err(|e| {
            Error::io(
                format!("running {:?} in {}", cmd.get_program(), self.scan_ns),
                e,
            )
        })
    }

    /// Stops the responder and deletes both namespaces, reporting failures (Drop does the
    /// same but can only print them).
    pub fn shutdown(mut self) -> Result<(), Error> {
        self.teardown()
    }

    fn teardown(&mut self) -> Result<(), Error> {
        if let Some(mut r) = self.responder.take() {
            r.stop();
        }
        let a = netns::del(&self.scan_ns);
        let b = netns::del(&self.tgt_ns);
        a.and(b)
    }
}

impl Drop for Netsim {
    fn drop(&mut self) {
        if let Err(e) = self.teardown() {
            eprintln!("netsim: teardown failed: {e}");
        }
    }
}
