//! Where events go: JSON lines on stdout, syslog (`/dev/log`, read by journald),
//! a command (`--exec`: the event in `PORTWARDEN_EVENT_*` variables and as JSON on
//! stdin, no shell, with a timeout) and an HTTP webhook (`--webhook`: POST with a
//! timeout and a bounded number of tries). A sink that fails is counted, never fatal.

use crate::event::Event;
use std::io::Write;
use std::time::{Duration, Instant};

/// One destination of events.
pub trait Sink: Send {
    /// Its name in the summary (`stdout`, `syslog`, `exec`, `webhook`).
    fn name(&self) -> &'static str;
    /// Delivers one event (`json` is `ev` as one JSON line, without newline).
    fn send(&mut self, ev: &Event, json: &str) -> Result<(), String>;
}

/// JSON lines on stdout, flushed after each event.
#[derive(Debug, Default)]
pub struct Stdout;

impl Sink for Stdout {
    fn name(&self) -> &'static str {
        "stdout"
    }
    /// A closed pipe (`portwarden watch | head -3`) ends the process with status 141,
    /// as SIGPIPE does for C tools: nobody reads the events any more.
    fn send(&mut self, _: &Event, json: &str) -> Result<(), String> {
        let mut out = std::io::stdout().lock();
        let r = out
            .write_all(json.as_bytes())
            .and_then(|()| out.write_all(b"\n"))
            .and_then(|()| out.flush());
        match r {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(141),
            r => r.map_err(|e| e.to_string()),
        }
    }
}

/// The syslog priority of an event: facility daemon, `warning` for scans and blocks,
/// `info` otherwise.
pub fn priority(ev: &Event) -> u8 {
    let severity = match ev.name {
        "scan" | "block" => 4,
        _ => 6,
    };
    3 * 8 + severity
}

/// An RFC 3164 line: `<PRI>Mmm dd hh:mm:ss portwarden[PID]: JSON` (time in UTC).
pub fn rfc3164(ev: &Event, json: &str, pid: u32) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let t = humantime::format_rfc3339_seconds(
        std::time::UNIX_EPOCH + Duration::from_secs(ev.unix_time),
    )
    .to_string();
    // 2026-12-03T13:20:00Z
    let month = t
        .get(5..7)
        .and_then(|m| m.parse::<usize>().ok())
        .and_then(|m| MONTHS.get(m.wrapping_sub(1)))
        .copied()
        .unwrap_or("Jan");
    let day = t.get(8..10).and_then(|d| d.parse::<u8>().ok()).unwrap_or(1);
    let hms = t.get(11..19).unwrap_or("00:00:00");
    format!(
        "<{}>{month} {day:>2} {hms} portwarden[{pid}]: {json}",
        priority(ev)
    )
}

/// syslog over the local datagram socket (journald listens there too).
#[derive(Debug)]
pub struct Syslog {
    path: std::path::PathBuf,
    sock: std::os::unix::net::UnixDatagram,
}

impl Syslog {
    /// A sink writing to the socket at `path` (normally `/dev/log`).
    pub fn new(path: impl Into<std::path::PathBuf>) -> std::io::Result<Syslog> {
        Ok(Syslog {
            path: path.into(),
            sock: std::os::unix::net::UnixDatagram::unbound()?,
        })
    }
}

impl Sink for Syslog {
    fn name(&self) -> &'static str {
        "syslog"
    }
    fn send(&mut self, ev: &Event, json: &str) -> Result<(), String> {
        let line = rfc3164(ev, json, std::process::id());
        self.sock
            .send_to(line.as_bytes(), &self.path)
            .map(|_| ())
            .map_err(|e| format!("{}: {e}", self.path.display()))
    }
}

/// The environment of an `--exec` command: `PORTWARDEN_EVENT_NAME`, `_ACTION`,
/// `_UNIXTIME`, `_COUNTER`, `_EPOCH`, and one `PORTWARDEN_EVENT_<COLUMN>` per column
/// (name upper-cased, anything but `[A-Z0-9_]` turned into `_`; NUL bytes removed from
/// values, which the OS cannot carry).
pub fn env_of(ev: &Event) -> Vec<(String, String)> {
    let mut v = vec![
        ("PORTWARDEN_EVENT_NAME".to_string(), ev.name.to_string()),
        (
            "PORTWARDEN_EVENT_ACTION".to_string(),
            serde_json::to_value(ev.action)
                .ok()
                .and_then(|a| a.as_str().map(str::to_string))
                .unwrap_or_default(),
        ),
        (
            "PORTWARDEN_EVENT_UNIXTIME".to_string(),
            ev.unix_time.to_string(),
        ),
        (
            "PORTWARDEN_EVENT_COUNTER".to_string(),
            ev.counter.to_string(),
        ),
        ("PORTWARDEN_EVENT_EPOCH".to_string(), ev.epoch.to_string()),
    ];
    for k in ev.columns.keys() {
        let name: String = k
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        let val = ev.column_text(k).unwrap_or_default().replace('\0', "");
        v.push((format!("PORTWARDEN_EVENT_{name}"), val));
    }
    v
}

/// Runs a command for each event, without a shell (the words of `--exec` split as a
/// POSIX shell would split them, but never interpreted by one).
#[derive(Debug)]
pub struct Exec {
    argv: Vec<String>,
    timeout: Duration,
}

impl Exec {
    /// Parses the command line; `None` when it is empty or its quotes do not close.
    pub fn new(cmd: &str, timeout: Duration) -> Option<Exec> {
        let argv = shlex::split(cmd)?;
        (!argv.is_empty()).then_some(Exec { argv, timeout })
    }
}

impl Sink for Exec {
    fn name(&self) -> &'static str {
        "exec"
    }
    fn send(&mut self, ev: &Event, json: &str) -> Result<(), String> {
        let mut c = std::process::Command::new(&self.argv[0]);
        c.args(&self.argv[1..])
            .envs(env_of(ev))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null());
        let mut child = c.spawn().map_err(|e| format!("{}: {e}", self.argv[0]))?;
        if let Some(mut stdin) = child.stdin.take() {
            // A command that does not read its input is fine.
            let _ = stdin.write_all(json.as_bytes());
            let _ = stdin.write_all(b"\n");
        }
        let start = Instant::now();
        loop {
            match child.try_wait() {
                Ok(Some(s)) if s.success() => return Ok(()),
                Ok(Some(s)) => return Err(format!("{}: {s}", self.argv[0])),
                Ok(None) if start.elapsed() >= self.timeout => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!("{}: killed after {:?}", self.argv[0], self.timeout));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => return Err(e.to_string()),
            }
        }
    }
}

/// POSTs each event as JSON.
#[derive(Debug)]
pub struct Webhook {
    url: String,
    agent: ureq::Agent,
    tries: u32,
}

impl Webhook {
    /// A webhook to `url` (http or https), each try bounded by `timeout`, at most
    /// `tries` tries per event.
    pub fn new(url: &str, timeout: Duration, tries: u32) -> Result<Webhook, String> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("{url:?} is not an http:// or https:// URL"));
        }
        let _: ureq::http::Uri = url
            .parse()
            .map_err(|e| format!("{url:?} is not a URL: {e}"))?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(true)
            .build()
            .into();
        Ok(Webhook {
            url: url.to_string(),
            agent,
            tries: tries.max(1),
        })
    }
}

impl Sink for Webhook {
    fn name(&self) -> &'static str {
        "webhook"
    }
    fn send(&mut self, _: &Event, json: &str) -> Result<(), String> {
        let mut last = String::new();
        for i in 0..self.tries {
            if i > 0 {
                std::thread::sleep(Duration::from_millis(200 << i.min(4)));
            }
            match self
                .agent
                .post(&self.url)
                .header("Content-Type", "application/json")
                .send(json)
            {
                Ok(_) => return Ok(()),
                Err(e) => last = e.to_string(),
            }
        }
        Err(last)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::event::{Action, Events};
    use serde_json::{Map, Value};

    fn ev() -> Event {
        let mut cols = Map::new();
        cols.insert("source".into(), Value::String("198.18.0.2".into()));
        cols.insert("ports".into(), serde_json::json!([1, 2]));
        cols.insert("odd key-é".into(), Value::String("a\0b".into()));
        Events::new(1, "h").make("scan", Action::Detected, cols)
    }

    #[test]
    fn environment_and_syslog_lines() {
        let e = ev();
        let env = env_of(&e);
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert_eq!(get("PORTWARDEN_EVENT_NAME").as_deref(), Some("scan"));
        assert_eq!(get("PORTWARDEN_EVENT_ACTION").as_deref(), Some("detected"));
        assert_eq!(
            get("PORTWARDEN_EVENT_SOURCE").as_deref(),
            Some("198.18.0.2")
        );
        assert_eq!(get("PORTWARDEN_EVENT_PORTS").as_deref(), Some("[1,2]"));
        assert_eq!(get("PORTWARDEN_EVENT_ODD_KEY__").as_deref(), Some("ab"));
        let line = rfc3164(&e, "{}", 7);
        assert!(line.starts_with("<28>"), "{line}");
        assert!(line.ends_with(" portwarden[7]: {}"), "{line}");
    }

    #[test]
    fn exec_runs_without_a_shell_and_times_out() {
        let mut ok = Exec::new(
            "sh -c 'read l; test \"$PORTWARDEN_EVENT_NAME\" = scan'",
            Duration::from_secs(5),
        )
        .unwrap();
        ok.send(&ev(), "{}").unwrap();
        // `;` is an argument, not a command separator.
        let mut lit = Exec::new("true ; false", Duration::from_secs(5)).unwrap();
        lit.send(&ev(), "{}").unwrap();
        let mut slow = Exec::new("sleep 5", Duration::from_millis(100)).unwrap();
        assert!(slow.send(&ev(), "{}").unwrap_err().contains("killed"));
        assert!(Exec::new("'unclosed", Duration::from_secs(1)).is_none());
        assert!(Exec::new("", Duration::from_secs(1)).is_none());
        let mut missing = Exec::new("/nonexistent/x", Duration::from_secs(1)).unwrap();
        assert!(missing.send(&ev(), "{}").is_err());
    }

    #[test]
    fn webhook_urls_are_checked() {
        assert!(Webhook::new("ftp://x", Duration::from_secs(1), 1).is_err());
        assert!(Webhook::new("http://127.0.0.1:1/x", Duration::from_secs(1), 1).is_ok());
        let mut w = Webhook::new("http://127.0.0.1:1/x", Duration::from_millis(300), 2).unwrap();
        assert!(w.send(&ev(), "{}").is_err(), "nothing listens on port 1");
    }
}
