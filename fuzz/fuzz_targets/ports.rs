//! Fuzzes the port-specification parser (`-p`, `--exclude-ports`): no panic, and every
//! parsed list is sorted, without duplicates.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portwarden_scan::PortList;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(mut list) = PortList::parse(s) {
        for v in [&list.tcp, &list.udp] {
            assert!(v.windows(2).all(|w| w[0] < w[1]), "{s:?}: {v:?}");
        }
        if let Ok(other) = PortList::parse("1-1024") {
            list.exclude(&other);
        }
    }
});
