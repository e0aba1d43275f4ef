// The `netsim` command (Linux), included by main.rs; its documentation is there.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use portwarden_netsim::{netns, Config, Netsim};

const USAGE: &str = "usage:
  netsim up --config FILE
  netsim run --config FILE -- CMD [ARGS...]
  netsim cleanup [--all]
  netsim check";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match real_main(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("netsim: {e}");
            ExitCode::from(2)
        }
    }
}

fn load_config(args: &[String]) -> Result<Config, String> {
    let mut path: Option<PathBuf> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--config" | "-c" => {
                path = Some(it.next().ok_or("--config needs a file")?.into());
            }
            s if s.starts_with("--config=") => {
                path = Some(s.trim_start_matches("--config=").into());
            }
            other => return Err(format!("unexpected argument {other:?}\n{USAGE}")),
        }
    }
    let path = path.ok_or_else(|| format!("--config FILE is required\n{USAGE}"))?;
    Config::load(&path).map_err(|e| e.to_string())
}

fn banner_json(net: &Netsim) -> String {
    serde_json::json!({
        "scanner_netns": net.scanner_netns(),
        "target_netns": net.target_netns(),
        "scanner_iface": net.scanner_iface(),
        "scanner_ip": net.scanner_ip().to_string(),
        "truth": net.truth(),
    })
    .to_string()
}

fn real_main(args: &[String]) -> Result<ExitCode, String> {
    let Some(cmd) = args.first() else {
        return Err(USAGE.to_string());
    };
    match cmd.as_str() {
        "up" => {
            let cfg = load_config(&args[1..])?;
            let net = Netsim::start(cfg).map_err(|e| e.to_string())?;
            println!("{}", banner_json(&net));
            eprintln!(
                "netsim: up; scanner namespace {} (try: ip netns exec {} ...). Ctrl-C to stop.",
                net.scanner_netns(),
                net.scanner_netns()
            );
            // The library's signal handler deletes the namespaces and exits on Ctrl-C.
            loop {
                std::thread::park();
            }
        }
        "run" => {
            let sep = args.iter().position(|a| a == "--");
            let (opts, command) = match sep {
                Some(i) => (&args[1..i], &args[i + 1..]),
                None => return Err(format!("missing `-- CMD`\n{USAGE}")),
            };
            let Some((prog, rest)) = command.split_first() else {
                return Err(format!("missing CMD after `--`\n{USAGE}"));
            };
            let cfg = load_config(opts)?;
            let net = Netsim::start(cfg).map_err(|e| e.to_string())?;
            eprintln!("{}", banner_json(&net));
            let mut c = Command::new(prog);
            c.args(rest);
            let status = net.scanner_command(&c).status();
            net.shutdown().map_err(|e| e.to_string())?;
            let status = status.map_err(|e| format!("running {prog}: {e}"))?;
            let code = match status.code() {
                Some(c) => c,
                None => {
                    use std::os::unix::process::ExitStatusExt;
                    128 + status.signal().unwrap_or(0)
                }
            };
            Ok(ExitCode::from(u8::try_from(code & 0xff).unwrap_or(1)))
        }
        "cleanup" => {
            let all = match args.get(1).map(String::as_str) {
                None => false,
                Some("--all") => true,
                Some(other) => return Err(format!("unexpected argument {other:?}\n{USAGE}")),
            };
            let mut failed = false;
            let results = netns::cleanup(all);
            for r in &results {
                match r {
                    Ok(n) => println!("removed {n}"),
                    Err(e) => {
                        failed = true;
                        eprintln!("netsim: {e}");
                    }
                }
            }
            if results.is_empty() {
                println!("nothing to clean up");
            }
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        "check" => match Netsim::available() {
            Ok(()) => {
                println!("netsim: available");
                Ok(ExitCode::SUCCESS)
            }
            Err(why) => {
                println!("netsim: unavailable: {why}");
                Ok(ExitCode::FAILURE)
            }
        },
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => Err(format!("unknown command {other:?}\n{USAGE}")),
    }
}
