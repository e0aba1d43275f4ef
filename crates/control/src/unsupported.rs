//! The platform of a system portwarden cannot act on yet (neither Linux nor Windows):
//! every change fails with one clear line, nothing is pretended. Compiled everywhere, so
//! its behaviour is tested where the tests run; [`crate::native`] returns it only there.

use crate::block::Blocked;
use crate::caps::{
    ConnectionDropper, DropResult, Firewall, Host, Os, Platform, ProcessControl, ServiceManager,
    Startup,
};
use crate::nft::{Listed, PersistPaths, Tag};
use portwarden_i18n::{msg, Lang, Msg};
use portwarden_sockets::{RawSocket, Transport};
use std::net::IpAddr;
use std::time::Duration;

/// Nothing can be changed here.
#[derive(Debug, Default, Clone, Copy)]
pub struct Unsupported;

/// The unsupported platform (`os` decides only the wording of the refusals).
pub fn platform() -> Platform<'static> {
    static U: Unsupported = Unsupported;
    Platform {
        os: Os::Linux,
        firewall: &U,
        services: &U,
        processes: &U,
        connections: &U,
        host: &U,
    }
}

fn no() -> String {
    msg!("control-unsupported-os", os = std::env::consts::OS).to_string_in(Lang::En)
}

impl Firewall for Unsupported {
    fn available(&self) -> bool {
        false
    }
    fn list(&self) -> Result<Vec<Listed>, String> {
        Err(no())
    }
    fn add(&self, _: &Tag) -> Result<(), String> {
        Err(no())
    }
    fn remove(&self, _: &[&Listed]) -> Result<(), String> {
        Err(no())
    }
    fn persist(&self, _: &PersistPaths, _: &[Tag]) -> Result<(), String> {
        Err(no())
    }
    fn blocked(&self) -> Result<(bool, Vec<Blocked>), String> {
        Err(no())
    }
    fn setup_blocks(&self) -> Result<(), String> {
        Err(no())
    }
    fn block_source(&self, _: IpAddr, _: Duration) -> Result<(), String> {
        Err(no())
    }
    fn unblock_source(&self, _: IpAddr) -> Result<(), String> {
        Err(no())
    }
}

impl ServiceManager for Unsupported {
    fn available(&self) -> bool {
        false
    }
    fn startup(&self, _: &str) -> Startup {
        Startup::default()
    }
    fn stop(&self, _: &str) -> Result<(), String> {
        Err(no())
    }
    fn disable(&self, _: &str) -> Result<(), String> {
        Err(no())
    }
    fn restore(&self, _: &str, _: &Startup) -> Result<(), String> {
        Err(no())
    }
    fn start(&self, _: &str) -> Result<(), String> {
        Err(no())
    }
}

impl ProcessControl for Unsupported {
    fn terminate(&self, _: u32, _: &str) -> Result<Msg, String> {
        Err(no())
    }
    fn force(&self, _: u32, _: &str, _: Duration) -> Result<Msg, String> {
        Err(no())
    }
    fn alive(&self, _: u32) -> bool {
        false
    }
    fn start_time(&self, _: u32) -> Option<u64> {
        None
    }
}

impl ConnectionDropper for Unsupported {
    fn drop_connection(&self, _: &RawSocket) -> Result<DropResult, String> {
        Err(no())
    }
}

impl Host for Unsupported {
    fn listening(&self, _: u16, _: Transport) -> bool {
        false
    }
    fn whoami(&self) -> (String, u32) {
        (String::new(), 0)
    }
    fn pid(&self) -> u32 {
        std::process::id()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::{execute, plan, Context, How};
    use portwarden_store::{State, Store};

    #[test]
    fn every_change_fails_with_one_line_and_the_journal_says_so() {
        let p = platform();
        let c = p.context();
        assert!(!c.nft && !c.systemd);
        let e = p.firewall.list().unwrap_err();
        assert!(e.contains("not supported"), "{e}");
        assert!(!e.contains('\n'));
        // A plan to kill runs into the capability's error; the record is failed.
        let raw = vec![RawSocket {
            transport: Transport::Tcp,
            local: "0.0.0.0:8080".parse().unwrap(),
            remote: "0.0.0.0:0".parse().unwrap(),
            state: portwarden_sockets::SockState::Listen,
            uid: 0,
            inode: 1,
            recv_q: 0,
            send_q: 0,
            interface: 0,
        }];
        let mut procs = portwarden_sockets::ProcTable::default();
        procs.by_inode.insert(1, vec![4242]);
        let inv = portwarden_sockets::join(raw, portwarden_sockets::Source::Fake, Some(procs));
        let ctx = Context {
            self_pid: 1,
            ..Context::default()
        };
        let pl = plan(&inv, 8080, Transport::Tcp, Some(How::Kill), &ctx);
        let store = Store::in_memory().unwrap();
        let e = execute(&pl, &ctx, &p, &store, Duration::ZERO).unwrap_err();
        assert!(e.to_string().contains("not supported"), "{e}");
        assert_eq!(store.actions().unwrap()[0].state, State::Failed);
    }
}
