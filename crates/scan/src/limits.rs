//! The open-file limit, which bounds how many probes can be in flight at once.

/// Descriptors kept back for stdio, the runtime and service identification.
pub const RESERVED_FDS: u64 = 48;

/// Largest window the engine will use, whatever the limit.
pub const WINDOW_CEILING: u64 = 8192;

/// Raises the soft RLIMIT_NOFILE to the hard limit (at most 2^20) and returns the soft
/// limit in force afterwards. Never fails: on error the current soft limit (or 1024) is
/// returned.
#[cfg(unix)]
pub fn raise_nofile() -> u64 {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    match getrlimit(Resource::RLIMIT_NOFILE) {
        Ok((soft, hard)) => {
            let target = hard.min(1 << 20);
            if soft < target && setrlimit(Resource::RLIMIT_NOFILE, target, hard).is_ok() {
                return target;
            }
            soft
        }
        Err(_) => 1024,
    }
}

/// Windows has no descriptor limit for sockets: the engine's own ceiling applies.
#[cfg(not(unix))]
pub fn raise_nofile() -> u64 {
    WINDOW_CEILING + RESERVED_FDS
}

/// The local (ephemeral) port range connections are given their source port from:
/// `/proc/sys/net/ipv4/ip_local_port_range`, or every unprivileged port when it cannot
/// be read.
#[cfg(unix)]
pub fn ephemeral_ports() -> std::ops::RangeInclusive<u16> {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| {
            let mut it = s.split_whitespace().map(str::parse::<u16>);
            match (it.next(), it.next()) {
                (Some(Ok(lo)), Some(Ok(hi))) if lo <= hi => Some(lo..=hi),
                _ => None,
            }
        })
        .unwrap_or(1024..=65535)
}

/// Windows' default dynamic port range (49152–65535, since Vista).
#[cfg(not(unix))]
pub fn ephemeral_ports() -> std::ops::RangeInclusive<u16> {
    49152..=65535
}

/// The starting and largest in-flight window for a soft limit of `nofile` descriptors,
/// capped by `--max-inflight` when given.
pub fn window_bounds(nofile: u64, max_inflight: Option<usize>) -> (usize, usize) {
    let avail = nofile.saturating_sub(RESERVED_FDS).max(8);
    let mut max = avail.min(WINDOW_CEILING);
    if let Some(m) = max_inflight {
        max = max.min((m as u64).max(1));
    }
    let initial = (avail / 4).clamp(8, 1024).min(max);
    (initial as usize, max as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert_eq!(window_bounds(256, None), (52, 208));
        assert_eq!(window_bounds(20000, None), (1024, 8192));
        assert_eq!(window_bounds(20000, Some(100)), (100, 100));
        assert_eq!(window_bounds(10, None), (8, 8));
        assert!(raise_nofile() >= 8);
    }
}
