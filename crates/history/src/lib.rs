//! History: what `audit`, `ls` and `scan` saw, kept as snapshots in the store; the diff of
//! two snapshots (or of two nmap XML files, ours or nmap's own); and the baseline of
//! accepted findings that `audit --baseline` stays quiet about.
//!
//! Everything here is plain data and pure functions: the binary reads the machine and
//! the store, renderers in `portwarden-report` format the results.

pub mod baseline;
pub mod diff;
pub mod fleet;
pub mod model;
pub mod nmap;
pub mod when;

pub use model::{Body, FindingRec, Host, Kind, Listener, Meta, PortRec, Snapshot};
