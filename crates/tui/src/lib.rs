//! `portwarden top`, apart from the terminal: a live table of sockets that knows what
//! each port means and can close it.
//!
//! Shaped like bandwhich: the [`model::Model`] takes snapshots and keys and holds every
//! bit of state; the [`view`] draws the model into a ratatui frame and does no I/O; the
//! OS (inventory reader, control actions, clock) comes in through the [`Os`] trait, whose
//! real implementation the binary builds with one `native()` constructor. [`step`] and
//! [`refresh`] join the three, so the binary's terminal loop stays thin and tests drive
//! the whole thing with a fake OS.

pub mod keys;
pub mod model;
pub mod rows;
pub mod view;

use portwarden_audit::Audit;
use portwarden_control::{Outcome, Plan, Reopened};
use portwarden_sockets::{Inventory, Transport};
use std::collections::HashMap;

/// One reading of the machine: the annotated inventory, the audit of its listeners and
/// the start time of each owning process.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Sockets, owners, firewall reach, byte counters.
    pub inv: Inventory,
    /// The audit's findings on the listeners, when it ran.
    pub audit: Option<Audit>,
    /// Start time of each owning process (RFC 3339), by pid.
    pub started: HashMap<u32, String>,
}

/// Every touchpoint with the OS.
pub trait Os {
    /// Reads a fresh snapshot.
    fn snapshot(&mut self) -> Result<Snapshot, String>;
    /// Carries out a plan through the control crate (journalled).
    fn execute(&mut self, plan: &Plan) -> Result<Outcome, String>;
    /// Undoes what portwarden did to a port.
    fn undo(&mut self, port: u16, transport: Transport) -> Result<Vec<Reopened>, String>;
    /// Seconds on a monotonic clock.
    fn now(&self) -> f64;
}

/// Reads a snapshot into the model (a failed read is shown on the status line; the old
/// rows stay).
pub fn refresh(m: &mut model::Model, os: &mut dyn Os) {
    match os.snapshot() {
        Ok(s) => {
            let now = os.now();
            m.update(s, now);
        }
        Err(e) => {
            m.status = Some(portwarden_i18n::msg!(
                "top-status-read-failed",
                error = portwarden_report::sanitize::terminal(&e)
            ));
        }
    }
}

/// Handles one key: the model decides, the OS carries out. Returns false when `top`
/// should end.
pub fn step(m: &mut model::Model, os: &mut dyn Os, input: keys::Input) -> bool {
    match m.key(input) {
        None => true,
        Some(model::Request::Quit) => false,
        Some(model::Request::Refresh) => {
            refresh(m, os);
            true
        }
        Some(model::Request::Execute(plan)) => {
            let r = os.execute(&plan);
            m.executed(r);
            refresh(m, os);
            true
        }
        Some(model::Request::Undo(port, t)) => {
            let r = os.undo(port, t);
            m.undone(port, t, r);
            refresh(m, os);
            true
        }
    }
}
