//! portwarden's port scanner: TCP connect, TCP SYN and UDP scans behind one entry point.
//!
//! * [`run`] is that entry point: one [`ScanConfig`], one [`ScanError`], one report
//!   assembly and one cancellation for every [`ScanKind`];
//! * [`targets`] and [`ports`] parse nmap's target and port syntax;
//! * [`engine`] runs an adaptive async connect scan over a pseudo-random (host, port)
//!   order ([`perm`]) with per-host RTT estimates ([`rtt`]);
//! * [`ident`] names the services on open ports (after every scan type) from what they say
//!   and from small probes of our own, with Rapid7 Recog's fingerprints
//!   (`portwarden_fingerprint`) for product, version and CPE, and turns what a probe proves
//!   into findings;
//! * [`model`] holds the plain result types that `portwarden_report::scan` renders.

pub mod engine;
pub mod errno;
pub mod ident;
pub mod limits;
pub mod model;
pub mod perm;
pub mod ports;
pub mod progress;
#[cfg(unix)]
pub mod raw;
/// Raw sockets need a packet driver on Windows, which portwarden does not use: only the
/// UDP payloads (pure data, which `audit --probe` sends over ordinary sockets) are here.
#[cfg(not(unix))]
pub mod raw {
    #[path = "payloads.rs"]
    pub mod payloads;
}
pub mod rtt;
pub mod run;
pub mod targets;

pub use engine::{
    probe_once, BannerMode, NoObserver, Observer, Outcome, ScanConfig, ScanError, ScanKind,
    AUTO_BANNER_LIMIT,
};
pub use model::*;
pub use ports::{PortError, PortList};
pub use run::{run, run_blocking};
pub use targets::{HostEntry, TargetError, TargetOptions, TargetSet};
