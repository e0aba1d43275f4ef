//! `netsim`: command-line front end of the simulated test network.
//!
//! ```text
//! netsim up --config FILE            set up, print namespace + truth as JSON, run until Ctrl-C
//! netsim run --config FILE -- CMD..  set up, run CMD in the scanner namespace, tear down,
//!                                    exit with CMD's status
//! netsim cleanup [--all]             remove stale pwsim-* namespaces (of dead processes;
//!                                    --all: every pwsim-* namespace)
//! netsim check                       say whether this machine can run netsim
//! ```
//!
//! Linux only: elsewhere the command says so and exits 2.

#[cfg(target_os = "linux")]
include!("cli.rs");

#[cfg(not(target_os = "linux"))]
fn main() -> std::process::ExitCode {
    eprintln!("netsim: network namespaces and AF_PACKET exist only on Linux");
    std::process::ExitCode::from(2)
}
