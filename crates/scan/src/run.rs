//! The one entry point of every scan type: [`run`] checks the inputs and hands the scan to
//! the one scheduler of [`crate::engine`] with its prober (connect, SYN, UDP) under one
//! [`ScanConfig`], one [`ScanError`] and one cancellation flag; every prober's results are
//! assembled into a [`ScanReport`] here ([`assemble`]).
//! [`run_blocking`] adds Ctrl-C handling, the same for every scan type.

use crate::engine::{Observer, ScanConfig, ScanError, ScanKind};
use crate::model::*;
use crate::targets::TargetSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Runs a scan of type `kind` of `ports` on every host of `targets`.
///
/// `cancel` is polled often (at least every 100 ms); once set, no new probe is sent and
/// the report holds what was found (`interrupted: true`). The SYN and UDP scans need
/// CAP_NET_RAW ([`ScanError::Permission`] without it).
pub fn run(
    kind: ScanKind,
    targets: &TargetSet,
    ports: &[u16],
    cfg: &ScanConfig,
    obs: &mut dyn Observer,
    cancel: &AtomicBool,
) -> Result<ScanReport, ScanError> {
    if ports.is_empty() {
        return Err(ScanError::NoPorts);
    }
    if targets.is_empty() {
        return Err(ScanError::NoHosts);
    }
    match kind {
        ScanKind::Connect => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(ScanError::Runtime)?;
            rt.block_on(crate::engine::scan(
                crate::engine::Connect::new(),
                targets,
                ports,
                cfg,
                obs,
                cancel,
            ))
        }
        #[cfg(unix)]
        ScanKind::Syn => crate::raw::syn::scan(targets, ports, cfg, obs, cancel),
        #[cfg(unix)]
        ScanKind::Udp => crate::raw::udp::scan(targets, ports, cfg, obs, cancel),
        // No raw sockets without a packet driver (the binary falls back before this).
        #[cfg(not(unix))]
        ScanKind::Syn | ScanKind::Udp => Err(ScanError::Permission(std::io::Error::from(
            std::io::ErrorKind::Unsupported,
        ))),
    }
}

/// [`run`] with its own cancellation flag; with `sigint`, Ctrl-C sets it (the scan then
/// returns partial results with `interrupted: true`).
pub fn run_blocking(
    kind: ScanKind,
    targets: &TargetSet,
    ports: &[u16],
    cfg: &ScanConfig,
    obs: &mut dyn Observer,
    sigint: bool,
) -> Result<ScanReport, ScanError> {
    if sigint {
        with_sigint(|c| run(kind, targets, ports, cfg, obs, c))
    } else {
        run(kind, targets, ports, cfg, obs, &AtomicBool::new(false))
    }
}

/// Probes of the whole scan, or of this shard's part (progress totals).
pub(crate) fn shard_total(targets: &TargetSet, ports: &[u16], cfg: &ScanConfig) -> u64 {
    let all = targets.len().saturating_mul(ports.len() as u64);
    if cfg.shard.is_whole() {
        all
    } else {
        all.div_ceil(cfg.shard.count)
    }
}

/// A scan's report from what its prober found: the totals are counted from the hosts.
#[allow(clippy::too_many_arguments)]
pub(crate) fn assemble(
    kind: ScanKind,
    cfg: &ScanConfig,
    ports: &[u16],
    started: Timestamp,
    t0: Instant,
    hosts: Vec<HostResult>,
    mut stats: ScanStats,
    interrupted: bool,
) -> ScanReport {
    stats.hosts = hosts.len() as u64;
    stats.hosts_up = hosts.iter().filter(|h| h.status == HostStatus::Up).count() as u64;
    stats.open = hosts.iter().map(|h| u64::from(h.stats.open)).sum();
    stats.ports_per_host = ports.len() as u64;
    ScanReport {
        scanner: format!("portwarden {}", env!("CARGO_PKG_VERSION")),
        args: cfg.args.clone(),
        scan_type: kind.name(),
        protocol: kind.protocol(),
        ports: crate::ports::compress(ports),
        started,
        finished: Timestamp::now(),
        elapsed: t0.elapsed(),
        interrupted,
        hosts,
        stats,
        scans: Vec::new(),
        shard: (!cfg.shard.is_whole()).then_some(cfg.shard),
    }
}

/// The key of a scan's probe order (and of the raw scans' cookies) when `--seed` is not
/// given.
pub(crate) fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.write_u32(std::process::id());
    h.finish()
}

/// Runs `f` with a cancel flag that Ctrl-C (SIGINT) sets. The watcher thread is detached;
/// it ends with the process.
fn with_sigint<T>(f: impl FnOnce(&AtomicBool) -> T) -> T {
    use std::sync::Arc;
    let flag = Arc::new(AtomicBool::new(false));
    let f2 = flag.clone();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    if let Ok(rt) = rt {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let _ = std::thread::Builder::new()
            .name("pw-sigint".into())
            .spawn(move || {
                rt.block_on(async move {
                    #[cfg(unix)]
                    {
                        use tokio::signal::unix::{signal, SignalKind};
                        let sig = signal(SignalKind::interrupt());
                        let _ = tx.send(());
                        if let Ok(mut s) = sig {
                            if s.recv().await.is_some() {
                                f2.store(true, Ordering::Relaxed);
                            }
                        }
                    }
                    #[cfg(not(unix))]
                    {
                        let _ = tx.send(());
                        if tokio::signal::ctrl_c().await.is_ok() {
                            f2.store(true, Ordering::Relaxed);
                        }
                    }
                });
            });
        let _ = rx.recv_timeout(Duration::from_millis(200));
    }
    f(&flag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::NoObserver;
    use crate::targets::TargetOptions;

    #[test]
    fn inputs_are_checked_for_every_kind() {
        let t = TargetSet::build(&["127.0.0.1".into()], &[], TargetOptions::default())
            .expect("targets");
        let none = TargetSet::build(&[], &[], TargetOptions::default());
        for kind in [ScanKind::Connect, ScanKind::Syn, ScanKind::Udp] {
            let cfg = ScanConfig::for_kind(kind);
            let r = run(
                kind,
                &t,
                &[],
                &cfg,
                &mut NoObserver,
                &AtomicBool::new(false),
            );
            assert!(matches!(r, Err(ScanError::NoPorts)), "{kind:?}");
            if let Ok(none) = &none {
                let r = run(
                    kind,
                    none,
                    &[1],
                    &cfg,
                    &mut NoObserver,
                    &AtomicBool::new(false),
                );
                assert!(matches!(r, Err(ScanError::NoHosts)), "{kind:?}");
            }
        }
    }

    #[test]
    fn kinds_have_their_defaults() {
        assert_eq!(ScanConfig::for_kind(ScanKind::Connect).retries, 2);
        assert_eq!(ScanConfig::for_kind(ScanKind::Syn).retries, 6);
        assert_eq!(ScanConfig::for_kind(ScanKind::Udp).retries, 4);
        assert_eq!(ScanKind::Udp.protocol(), portwarden_kb::Protocol::Udp);
        assert!(ScanKind::Syn.needs_raw() && !ScanKind::Connect.needs_raw());
    }
}
