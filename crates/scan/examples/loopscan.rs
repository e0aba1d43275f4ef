//! Minimal driver for timing the engine without the CLI:
//! `loopscan TARGET PORTS [--banners]` prints open ports, one per line, then a summary
//! on stderr.

use portwarden_scan::{
    run_blocking, BannerMode, NoObserver, PortList, ScanConfig, ScanKind, TargetOptions, TargetSet,
};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(target), Some(ports)) = (args.first(), args.get(1)) else {
        eprintln!("usage: loopscan TARGET PORTS [--banners]");
        return ExitCode::from(2);
    };
    let t = match TargetSet::build(std::slice::from_ref(target), &[], TargetOptions::default()) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("loopscan: {e}");
            return ExitCode::from(2);
        }
    };
    let p = match PortList::parse(ports) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("loopscan: {e}");
            return ExitCode::from(2);
        }
    };
    let cfg = ScanConfig {
        banners: if args.iter().any(|a| a == "--banners") {
            BannerMode::On
        } else {
            BannerMode::Off
        },
        ..ScanConfig::default()
    };
    match run_blocking(ScanKind::Connect, &t, &p.tcp, &cfg, &mut NoObserver, true) {
        Ok(r) => {
            for h in &r.hosts {
                for o in h.open() {
                    println!("{}", o.port);
                }
            }
            eprintln!(
                "{:.3}s probes={} window={}..{} resource_errors={}",
                r.elapsed.as_secs_f64(),
                r.stats.probes,
                r.stats.initial_window,
                r.stats.max_window,
                r.stats.resource_errors
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("loopscan: {e}");
            ExitCode::from(3)
        }
    }
}
