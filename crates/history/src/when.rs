//! Time for the history: now, RFC 3339 text, `@yesterday` / `@2026-12-01` references,
//! and `30d` durations for `--keep` and `--expires`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since the epoch, now.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `2026-12-03T09:00:00Z`.
pub fn rfc3339(secs: u64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(secs)).to_string()
}

/// Seconds since the epoch of an RFC 3339 time.
pub fn parse_rfc3339(s: &str) -> Option<u64> {
    humantime::parse_rfc3339_weak(s.trim().trim_end_matches('Z'))
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_secs())
}

/// A duration such as `30d`, `12h`, `2w` (at least a second).
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let bad = || format!("{s:?} is not a duration (write 30d, 12h or 90m)");
    if t.len() > 32 {
        return Err(bad());
    }
    match humantime::parse_duration(t) {
        Ok(d) if d.as_secs() >= 1 => Ok(d.as_secs()),
        _ => Err(bad()),
    }
}

const DAY: u64 = 86_400;

/// What `@…` names: the newest snapshot taken at or before this second.
pub fn parse_at(reference: &str, now: u64) -> Result<u64, String> {
    let r = reference.trim();
    let day_end = |start: u64| start + DAY - 1;
    let today = now - now % DAY;
    match r {
        "now" | "today" => return Ok(now),
        "yesterday" => return Ok(day_end(today.saturating_sub(DAY))),
        _ => {}
    }
    if let Ok(d) = parse_duration(r) {
        // `@2d`: as it was two days ago.
        return Ok(now.saturating_sub(d));
    }
    if r.len() == 10 {
        if let Some(start) = parse_rfc3339(&format!("{r}T00:00:00Z")) {
            return Ok(day_end(start));
        }
    }
    parse_rfc3339(r).ok_or_else(|| {
        format!("@{r} is not a time (write @yesterday, @2026-12-01, @2026-12-01T10:00:00Z or @2d)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        let now = parse_rfc3339("2026-12-03T09:15:00Z").expect("t");
        assert_eq!(rfc3339(now), "2026-12-03T09:15:00Z");
        assert_eq!(
            rfc3339(parse_at("yesterday", now).expect("y")),
            "2026-12-02T23:59:59Z"
        );
        assert_eq!(
            rfc3339(parse_at("2026-12-01", now).expect("d")),
            "2026-12-01T23:59:59Z"
        );
        assert_eq!(
            rfc3339(parse_at("2d", now).expect("2d")),
            "2026-12-01T09:15:00Z"
        );
        assert!(parse_at("2026-13-01", now).is_err());
        assert!(parse_at("soon", now).is_err());
        assert_eq!(parse_duration("30d"), Ok(30 * DAY));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("-3d").is_err());
    }
}
