//! Fuzzes the target parser (`TargetSet::build`, names never resolved) and the target
//! list reader (`-iL`): no panic, and a set that builds answers `get` for its slots.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portwarden_scan::targets::{read_list, TargetOptions, TargetSet};

fuzz_target!(|data: &[u8]| {
    let _ = read_list(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (specs, excludes) = text.split_once('!').unwrap_or((text, ""));
    let specs: Vec<String> = specs.split(['\n', ' ']).map(str::to_string).collect();
    let excludes: Vec<String> = excludes.split(['\n', ' ']).map(str::to_string).collect();
    let opts = TargetOptions {
        allow_large: data.first().is_some_and(|b| b & 1 == 1),
        prefer_ipv6: data.first().is_some_and(|b| b & 2 == 2),
        // Fuzzing must never reach a resolver.
        no_resolve: true,
    };
    if let Ok(set) = TargetSet::build(&specs, &excludes, opts) {
        let n = set.len();
        for i in [0, 1, n / 2, n.saturating_sub(1), n, n + 1] {
            let _ = set.get(i);
        }
        if n <= 4096 {
            let _ = set.count();
        }
    }
});
