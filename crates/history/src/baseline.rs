//! The baseline: findings a person accepted as known and wanted (by finding id or by
//! port), with a reason and an optional expiry. `audit --baseline` reports only findings
//! that no live acceptance covers, or that changed since they were accepted (more severe,
//! another exposure, product or kind); an acceptance that expired covers nothing, so its
//! finding comes back. Pure: the binary reads the store and the clock.

use crate::model::FindingRec;
use portwarden_kb::Risk;
use serde::Serialize;

/// One acceptance, as the judgement needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acceptance {
    /// Its id in the store.
    pub id: i64,
    /// `tcp/8080` or a finding id (`exposed-service:tcp/6379`).
    pub key: String,
    /// When it stops covering (epoch seconds), if ever.
    pub expires: Option<u64>,
    /// The finding as it was when accepted, when it was known.
    pub seen: Option<FindingRec>,
}

impl Acceptance {
    /// Whether it covers findings at `now`.
    pub fn live(&self, now: u64) -> bool {
        self.expires.is_none_or(|e| now < e)
    }

    fn matches(&self, f: &FindingRec) -> bool {
        self.key == f.id || self.key == f.port_key()
    }
}

/// What the baseline says of one finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "baseline", content = "acceptance", rename_all = "lowercase")]
pub enum Verdict {
    /// Nothing accepted it: report it.
    New,
    /// Accepted and unchanged: quiet.
    Accepted(i64),
    /// Accepted, but it changed since: report it.
    Changed(i64),
    /// Its acceptance expired: report it again.
    Expired(i64),
}

impl Verdict {
    /// Whether `audit --baseline` reports (and `--fail-on` counts) the finding.
    pub fn reported(self) -> bool {
        !matches!(self, Verdict::Accepted(_))
    }
}

fn rank(s: &str) -> Option<Risk> {
    Risk::parse(s)
}

fn changed(seen: &FindingRec, now: &FindingRec) -> bool {
    rank(&now.severity) > rank(&seen.severity)
        || seen.kind != now.kind
        || seen.exposure != now.exposure
        || seen.product != now.product
}

/// Judges one finding against the acceptances (live ones first; the newest wins).
pub fn judge(f: &FindingRec, accepted: &[Acceptance], now: u64) -> Verdict {
    let mut matching: Vec<&Acceptance> = accepted.iter().filter(|a| a.matches(f)).collect();
    matching.sort_by_key(|a| std::cmp::Reverse(a.id));
    if let Some(a) = matching.iter().find(|a| a.live(now)) {
        return match &a.seen {
            Some(seen) if changed(seen, f) => Verdict::Changed(a.id),
            _ => Verdict::Accepted(a.id),
        };
    }
    match matching.first() {
        Some(a) => Verdict::Expired(a.id),
        None => Verdict::New,
    }
}

/// What a person may accept: `8080`, `53/udp`, or a finding id. Returns the stored key.
pub fn parse_key(s: &str) -> Result<String, String> {
    let t = s.trim();
    let port = |p: &str| -> Option<u16> { p.parse::<u16>().ok().filter(|p| *p > 0) };
    let port_proto = |pp: &str| -> Option<String> {
        match pp.split_once('/') {
            None => port(pp).map(|n| format!("tcp/{n}")),
            Some((n, pr)) if pr == "tcp" || pr == "udp" => port(n).map(|n| format!("{pr}/{n}")),
            Some((n, pr)) if n == "tcp" || n == "udp" => port(pr).map(|p| format!("{n}/{p}")),
            _ => None,
        }
    };
    match t.split_once(':') {
        None => port_proto(t).ok_or_else(|| bad(s)),
        Some((kind, rest))
            if !kind.is_empty()
                && kind.len() <= 40
                && kind.chars().all(|c| c.is_ascii_lowercase() || c == '-') =>
        {
            // A finding id is KIND:PROTO/PORT.
            match rest.split_once('/') {
                Some((pr, _)) if pr == "tcp" || pr == "udp" => port_proto(rest)
                    .map(|k| format!("{kind}:{k}"))
                    .ok_or_else(|| bad(s)),
                _ => Err(bad(s)),
            }
        }
        Some(_) => Err(bad(s)),
    }
}

fn bad(s: &str) -> String {
    let shown: String = s.chars().take(60).flat_map(char::escape_default).collect();
    format!("\"{shown}\" is not a port (8080, 53/udp) or a finding id (exposed-service:tcp/6379)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(port: u16, sev: &str) -> FindingRec {
        FindingRec {
            id: format!("exposed-service:tcp/{port}"),
            severity: sev.into(),
            kind: "exposed-service".into(),
            proto: "tcp".into(),
            port,
            exposure: "all".into(),
            ..FindingRec::default()
        }
    }

    fn acc(id: i64, key: &str, expires: Option<u64>, seen: Option<FindingRec>) -> Acceptance {
        Acceptance {
            id,
            key: key.into(),
            expires,
            seen,
        }
    }

    #[test]
    fn verdicts() {
        let now = 1_000;
        let a = [
            acc(1, "tcp/6379", None, Some(f(6379, "medium"))),
            acc(2, "exposed-service:tcp/23", Some(500), None),
            acc(3, "tcp/8080", Some(2_000), None),
        ];
        assert_eq!(judge(&f(6379, "medium"), &a, now), Verdict::Accepted(1));
        assert_eq!(judge(&f(6379, "low"), &a, now), Verdict::Accepted(1));
        assert_eq!(judge(&f(6379, "high"), &a, now), Verdict::Changed(1));
        assert_eq!(judge(&f(23, "critical"), &a, now), Verdict::Expired(2));
        assert_eq!(judge(&f(8080, "high"), &a, now), Verdict::Accepted(3));
        assert_eq!(judge(&f(8080, "high"), &a, 2_000), Verdict::Expired(3));
        assert_eq!(judge(&f(9999, "info"), &a, now), Verdict::New);
        assert!(!Verdict::Accepted(1).reported());
        assert!(Verdict::Expired(1).reported());
    }

    #[test]
    fn keys() {
        assert_eq!(parse_key("8080").as_deref(), Ok("tcp/8080"));
        assert_eq!(parse_key("53/udp").as_deref(), Ok("udp/53"));
        assert_eq!(
            parse_key("exposed-service:tcp/6379").as_deref(),
            Ok("exposed-service:tcp/6379")
        );
        for bad in [
            "0",
            "70000",
            "x",
            "8080/sctp",
            "Evil:tcp/1",
            ":tcp/1",
            "\u{1b}[31m",
        ] {
            assert!(parse_key(bad).is_err(), "{bad}");
        }
        assert!(!parse_key("\u{1b}[31m")
            .unwrap_or_else(|e| e)
            .contains('\u{1b}'));
    }
}
