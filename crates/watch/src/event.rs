//! The event model, in osquery's differential style: every event names its query
//! (`listeners`, `scan`, `block`, `summary`), an `action`, the `epoch` of this run (its
//! start time), a `counter` (the poll round that saw the change; osquery's counter of
//! differential runs) and `unixTime`, with the row in `columns`. The first full set of
//! listeners is one event with `"action": "snapshot"` and the rows in `snapshot`, as
//! osquery writes snapshot queries.

use serde::Serialize;
use serde_json::{Map, Value};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// The first full set (listeners, active blocks).
    Snapshot,
    /// A row appeared (a listener, a block).
    Added,
    /// A row went away.
    Removed,
    /// A scan was detected.
    Detected,
    /// The periodic summary.
    Report,
}

/// One event.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// The query: `listeners`, `scan`, `block` or `summary`.
    pub name: &'static str,
    /// What happened.
    pub action: Action,
    /// Start time of this watch (UNIX seconds); constant for the run.
    pub epoch: u64,
    /// The poll round (listeners) or the event number (others).
    pub counter: u64,
    /// When (UNIX seconds).
    pub unix_time: u64,
    /// The host name.
    pub host_identifier: String,
    /// The row.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub columns: Map<String, Value>,
    /// Every row of a snapshot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<Vec<Map<String, Value>>>,
}

impl Event {
    /// The event as one line of JSON (names and banners are escaped by JSON itself).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    /// A column as text for people and environment variables.
    pub fn column_text(&self, key: &str) -> Option<String> {
        self.columns.get(key).map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }
}

/// Seconds since the epoch now.
pub fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Builds events with the run's epoch and host.
#[derive(Debug, Clone)]
pub struct Events {
    /// The run's start.
    pub epoch: u64,
    /// The host name.
    pub host: String,
    counter: u64,
}

impl Events {
    /// A run starting at `epoch` on `host`.
    pub fn new(epoch: u64, host: impl Into<String>) -> Events {
        Events {
            epoch,
            host: host.into(),
            counter: 0,
        }
    }

    /// An event with the next counter value.
    pub fn make(
        &mut self,
        name: &'static str,
        action: Action,
        columns: Map<String, Value>,
    ) -> Event {
        self.counter += 1;
        self.at(name, action, self.counter, columns)
    }

    /// An event with a given counter (the poll round, for listener changes).
    pub fn at(
        &self,
        name: &'static str,
        action: Action,
        counter: u64,
        columns: Map<String, Value>,
    ) -> Event {
        Event {
            name,
            action,
            epoch: self.epoch,
            counter,
            unix_time: now_unix(),
            host_identifier: self.host.clone(),
            columns,
            snapshot: None,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn osquery_shape() {
        let mut ev = Events::new(100, "h\u{1b}[31m");
        let mut cols = Map::new();
        cols.insert(
            "process".into(),
            Value::String("evil\n\u{1b}]0;x\u{7}".into()),
        );
        let e = ev.make("listeners", Action::Added, cols);
        let j = e.to_json();
        assert!(!j.contains('\u{1b}') && !j.contains('\n'), "{j}");
        let v: Value = serde_json::from_str(&j).unwrap();
        assert_eq!(v["name"], "listeners");
        assert_eq!(v["action"], "added");
        assert_eq!(v["epoch"], 100);
        assert_eq!(v["counter"], 1);
        assert!(v["unixTime"].as_u64().unwrap() > 0);
        assert!(v.get("snapshot").is_none());
    }
}
