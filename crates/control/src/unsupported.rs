//! Placeholder [`System`] for platforms without one yet (Windows until the control
//! crate's Windows system lands): every action fails with one line, nothing is changed.

use crate::System;
use portwarden_sockets::{RawSocket, Transport};
use std::time::Duration;

/// A system on which portwarden cannot act yet.
#[derive(Debug, Default, Clone, Copy)]
pub struct Unsupported;

/// The system this runs on (a placeholder here).
pub fn native() -> Unsupported {
    Unsupported
}

fn no() -> String {
    format!("not supported on {} yet", std::env::consts::OS)
}

impl System for Unsupported {
    fn signal(&self, _pid: u32, _kill: bool) -> std::io::Result<()> {
        Err(std::io::Error::other(no()))
    }
    fn alive(&self, _pid: u32) -> bool {
        false
    }
    fn listening(&self, _port: u16, _t: Transport) -> bool {
        false
    }
    fn systemctl(&self, _args: &[&str]) -> Result<String, String> {
        Err(no())
    }
    fn nft_apply(&self, _json: &str) -> Result<(), String> {
        Err(no())
    }
    fn nft_list(&self) -> Result<Option<String>, String> {
        Err(no())
    }
    fn nft_check(&self, _path: &str) -> Result<(), String> {
        Err(no())
    }
    fn destroy(&self, _s: &RawSocket) -> std::io::Result<()> {
        Err(std::io::Error::other(no()))
    }
    fn write_file(&self, _path: &str, _contents: &str) -> std::io::Result<()> {
        Err(std::io::Error::other(no()))
    }
    fn rename(&self, _from: &str, _to: &str) -> std::io::Result<()> {
        Err(std::io::Error::other(no()))
    }
    fn remove_file(&self, _path: &str) {}
    fn read_file(&self, _path: &str) -> Option<String> {
        None
    }
    fn sleep(&self, d: Duration) {
        std::thread::sleep(d);
    }
    fn now(&self) -> String {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        crate::rfc3339(secs)
    }
    fn whoami(&self) -> (String, u32) {
        (String::new(), u32::MAX)
    }
    fn process_start(&self, _pid: u32) -> Option<u64> {
        None
    }
    fn pid(&self) -> u32 {
        std::process::id()
    }
}
