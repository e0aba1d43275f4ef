//! History tables (schema version 3): snapshots and the baseline. A snapshot's body is
//! JSON the caller made, stored deflated; identical bodies (a machine whose listeners did
//! not change) are stored once and shared, so a thousand audits of a quiet host cost a
//! thousand small rows. Pruning removes bodies no snapshot uses any more.

use crate::{Error, Store};
use rusqlite::{params, OptionalExtension};
use std::io::{Read, Write};

/// The schema version that has the history tables.
const HISTORY_VERSION: i64 = 3;

/// Largest body accepted when reading back (a corrupt row must not exhaust memory).
const MAX_BODY: u64 = 256 << 20;

/// A snapshot to save.
#[derive(Debug, Clone, Default)]
pub struct NewSnapshot<'a> {
    /// Its unique id (128 random bits, hex; see [`new_uid`]): saving the same `uid` twice
    /// stores it once, so a retried or spooled save is never duplicated. `None`: one is
    /// made.
    pub uid: Option<&'a str>,
    /// The machine's identity (`/etc/machine-id`, or `--host-id`).
    pub host_id: &'a str,
    /// The sharded scan this snapshot is part of (`scan --shard`), if any.
    pub scan_id: Option<&'a str>,
    /// Its shard, `I/N`.
    pub shard: Option<&'a str>,
    /// When (RFC 3339, UTC).
    pub at: &'a str,
    /// When, in seconds since the epoch.
    pub at_unix: i64,
    /// The host name.
    pub host: &'a str,
    /// The command line.
    pub command: &'a str,
    /// audit, ls or scan.
    pub kind: &'a str,
    /// What it looked at.
    pub target: &'a str,
    /// How many listeners (for the listing).
    pub listeners: i64,
    /// How many findings.
    pub findings: i64,
    /// The body (JSON text).
    pub body: &'a str,
}

/// A saved snapshot, without its body.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct SnapshotRow {
    /// Id.
    pub id: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// When, in seconds since the epoch.
    pub at_unix: i64,
    /// Host name.
    pub host: String,
    /// Command line.
    pub command: String,
    /// audit, ls or scan.
    pub kind: String,
    /// What it looked at.
    pub target: String,
    /// Listeners.
    pub listeners: i64,
    /// Findings.
    pub findings: i64,
    /// Unique id (empty for snapshots saved before host identity).
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub uid: String,
    /// The machine's identity (empty for snapshots saved before it was kept).
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub host_id: String,
    /// The sharded scan it belongs to.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub scan_id: Option<String>,
    /// Its shard, `I/N`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub shard: Option<String>,
}

/// Which snapshots to list; `None` matches everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter<'a> {
    /// audit, ls or scan.
    pub kind: Option<&'a str>,
    /// The target.
    pub target: Option<&'a str>,
    /// A host: its id or its host name.
    pub host: Option<&'a str>,
}

/// A new snapshot id: 128 random bits as 32 hex digits.
pub fn new_uid() -> String {
    let mut b = [0u8; 16];
    if getrandom::getrandom(&mut b).is_err() {
        // No randomness from the OS: the clock and the pid, still unique per process.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        b = (t ^ (u128::from(std::process::id()) << 96)).to_be_bytes();
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// An acceptance to record.
#[derive(Debug, Clone)]
pub struct NewAcceptance {
    /// When (RFC 3339).
    pub at: String,
    /// Who.
    pub user: String,
    /// `tcp/8080` or a finding id.
    pub key: String,
    /// Why.
    pub reason: String,
    /// When it expires (epoch seconds), if ever.
    pub expires_unix: Option<i64>,
    /// The finding as it was (JSON), if known.
    pub seen: Option<String>,
}

/// A recorded acceptance.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Acceptance {
    /// Id.
    pub id: i64,
    /// When (RFC 3339).
    pub at: String,
    /// Who.
    pub user: String,
    /// `tcp/8080` or a finding id.
    pub key: String,
    /// Why.
    pub reason: String,
    /// When it expires (epoch seconds), if ever.
    pub expires_unix: Option<i64>,
    /// The finding as it was (JSON), if known.
    pub seen: Option<String>,
    /// When it was revoked.
    pub revoked_at: Option<String>,
}

/// FNV-1a, 64 bits: finds candidate identical bodies (the bytes are compared too).
pub(crate) fn fnv(bytes: &[u8]) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    i64::from_ne_bytes(h.to_ne_bytes())
}

pub(crate) fn deflate(text: &str) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = e.write_all(text.as_bytes());
    e.finish().unwrap_or_default()
}

pub(crate) fn inflate(id: i64, bytes: &[u8]) -> Result<String, Error> {
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(bytes)
        .take(MAX_BODY)
        .read_to_end(&mut out)
        .map_err(|e| Error::Corrupt(id, format!("snapshot body: {e}")))?;
    String::from_utf8(out).map_err(|e| Error::Corrupt(id, format!("snapshot body: {e}")))
}

/// The schema version that has host identity and unique snapshot ids.
const FLEET_VERSION: i64 = 4;

const ROW: &str = "SELECT id, at, at_unix, host, command, kind, target, listeners, findings,
    coalesce(uid, ''), host_id, scan_id, shard FROM snapshots";

/// The same, from a read-only look at a store not yet migrated to version 4.
const ROW_V3: &str = "SELECT id, at, at_unix, host, command, kind, target, listeners, findings,
    '', '', NULL, NULL FROM snapshots";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SnapshotRow> {
    Ok(SnapshotRow {
        id: r.get(0)?,
        at: r.get(1)?,
        at_unix: r.get(2)?,
        host: r.get(3)?,
        command: r.get(4)?,
        kind: r.get(5)?,
        target: r.get(6)?,
        listeners: r.get(7)?,
        findings: r.get(8)?,
        uid: r.get(9)?,
        host_id: r.get(10)?,
        scan_id: r.get(11)?,
        shard: r.get(12)?,
    })
}

impl Store {
    fn has_history(&self) -> bool {
        self.version >= HISTORY_VERSION
    }

    fn row_sql(&self) -> &'static str {
        if self.version >= FLEET_VERSION {
            ROW
        } else {
            ROW_V3
        }
    }

    /// Saves a snapshot; returns its id. The body is shared with an identical one. A
    /// snapshot whose `uid` is already stored is not stored again: its id is returned.
    pub fn save_snapshot(&self, s: &NewSnapshot<'_>) -> Result<i64, Error> {
        let blob = deflate(s.body);
        let hash = fnv(&blob);
        let made;
        let uid = match s.uid {
            Some(u) => u,
            None => {
                made = new_uid();
                &made
            }
        };
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.err(e))?;
        let r = (|| -> rusqlite::Result<i64> {
            if let Some(id) = self
                .conn
                .query_row("SELECT id FROM snapshots WHERE uid = ?1", [uid], |r| {
                    r.get::<_, i64>(0)
                })
                .optional()?
            {
                return Ok(id);
            }
            let mut st = self
                .conn
                .prepare("SELECT id, body FROM snapshot_bodies WHERE hash = ?1")?;
            let same = st
                .query_map([hash], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
                })?
                .filter_map(Result::ok)
                .find(|(_, b)| *b == blob)
                .map(|(id, _)| id);
            let body_id = match same {
                Some(id) => id,
                None => {
                    self.conn.execute(
                        "INSERT INTO snapshot_bodies (hash, body) VALUES (?1, ?2)",
                        params![hash, blob],
                    )?;
                    self.conn.last_insert_rowid()
                }
            };
            self.conn.execute(
                "INSERT INTO snapshots (at, at_unix, host, command, kind, target, listeners,
                                        findings, body_id, uid, host_id, scan_id, shard)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    s.at,
                    s.at_unix,
                    s.host,
                    s.command,
                    s.kind,
                    s.target,
                    s.listeners,
                    s.findings,
                    body_id,
                    uid,
                    s.host_id,
                    s.scan_id,
                    s.shard
                ],
            )?;
            Ok(self.conn.last_insert_rowid())
        })();
        let end = if r.is_ok() { "COMMIT" } else { "ROLLBACK" };
        let done = self.conn.execute_batch(end);
        let id = r.map_err(|e| self.err(e))?;
        done.map_err(|e| self.err(e))?;
        Ok(id)
    }

    /// Snapshots, oldest first, of `kind` and `target` when given.
    pub fn snapshots(
        &self,
        kind: Option<&str>,
        target: Option<&str>,
    ) -> Result<Vec<SnapshotRow>, Error> {
        self.snapshots_where(&Filter {
            kind,
            target,
            host: None,
        })
    }

    /// Snapshots, oldest first, that match `f`.
    pub fn snapshots_where(&self, f: &Filter<'_>) -> Result<Vec<SnapshotRow>, Error> {
        if !self.has_history() {
            return Ok(Vec::new());
        }
        let host_clause = if self.version >= FLEET_VERSION {
            "(?3 IS NULL OR host_id = ?3 OR host = ?3)"
        } else {
            "(?3 IS NULL OR host = ?3)"
        };
        let sql = format!(
            "{} WHERE (?1 IS NULL OR kind = ?1) AND (?2 IS NULL OR target = ?2) AND {host_clause}
             ORDER BY at_unix, id",
            self.row_sql()
        );
        let mut st = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        let rows = st
            .query_map(params![f.kind, f.target, f.host], row)
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }

    /// One snapshot with its body (JSON text).
    pub fn snapshot(&self, id: i64) -> Result<Option<(SnapshotRow, String)>, Error> {
        if !self.has_history() {
            return Ok(None);
        }
        let sql = format!("{} WHERE id = ?1", self.row_sql());
        let Some(r) = self
            .conn
            .query_row(&sql, [id], row)
            .optional()
            .map_err(|e| self.err(e))?
        else {
            return Ok(None);
        };
        let blob: Vec<u8> = self
            .conn
            .query_row(
                "SELECT b.body FROM snapshots s JOIN snapshot_bodies b ON b.id = s.body_id
                 WHERE s.id = ?1",
                [id],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        let body = inflate(id, &blob)?;
        Ok(Some((r, body)))
    }

    /// Deletes the snapshots matching `f` beyond the newest `keep` of each host, and
    /// those taken before `before` (epoch seconds); returns how many went. Bodies no
    /// snapshot uses are deleted and the file is compacted.
    pub fn prune_snapshots(
        &self,
        f: &Filter<'_>,
        keep: Option<usize>,
        before: Option<i64>,
    ) -> Result<usize, Error> {
        if !self.has_history() {
            return Ok(0);
        }
        let (kind, target, host) = (f.kind, f.target, f.host);
        let keep = keep.map(|k| i64::try_from(k).unwrap_or(i64::MAX));
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.err(e))?;
        let r = (|| -> rusqlite::Result<usize> {
            let mut n = 0;
            if let Some(before) = before {
                n += self.conn.execute(
                    "DELETE FROM snapshots WHERE (?1 IS NULL OR kind = ?1)
                     AND (?2 IS NULL OR target = ?2)
                     AND (?4 IS NULL OR host_id = ?4 OR host = ?4) AND at_unix < ?3",
                    params![kind, target, before, host],
                )?;
            }
            if let Some(keep) = keep {
                n += self.conn.execute(
                    "DELETE FROM snapshots WHERE id IN (
                        SELECT id FROM (SELECT id, row_number() OVER (
                            PARTITION BY CASE WHEN host_id = '' THEN host ELSE host_id END
                            ORDER BY at_unix DESC, id DESC) AS n
                        FROM snapshots WHERE (?1 IS NULL OR kind = ?1)
                        AND (?2 IS NULL OR target = ?2)
                        AND (?4 IS NULL OR host_id = ?4 OR host = ?4)) WHERE n > ?3)",
                    params![kind, target, keep, host],
                )?;
            }
            self.conn.execute(
                "DELETE FROM snapshot_bodies WHERE id NOT IN (SELECT body_id FROM snapshots)",
                [],
            )?;
            Ok(n)
        })();
        let end = if r.is_ok() { "COMMIT" } else { "ROLLBACK" };
        let done = self.conn.execute_batch(end);
        let n = r.map_err(|e| self.err(e))?;
        done.map_err(|e| self.err(e))?;
        if n > 0 {
            self.conn.execute_batch("VACUUM").map_err(|e| self.err(e))?;
        }
        Ok(n)
    }

    /// Records acceptances (one transaction); returns their ids.
    pub fn baseline_accept(&self, rows: &[NewAcceptance]) -> Result<Vec<i64>, Error> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.err(e))?;
        let r = rows
            .iter()
            .map(|a| {
                self.conn
                    .execute(
                        "INSERT INTO baseline (at, user, key, reason, expires_unix, seen)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        params![a.at, a.user, a.key, a.reason, a.expires_unix, a.seen],
                    )
                    .map(|_| self.conn.last_insert_rowid())
            })
            .collect::<rusqlite::Result<Vec<i64>>>();
        let end = if r.is_ok() { "COMMIT" } else { "ROLLBACK" };
        let done = self.conn.execute_batch(end);
        let ids = r.map_err(|e| self.err(e))?;
        done.map_err(|e| self.err(e))?;
        Ok(ids)
    }

    /// Acceptances not revoked, oldest first (expired ones included).
    pub fn baseline(&self) -> Result<Vec<Acceptance>, Error> {
        if !self.has_history() {
            return Ok(Vec::new());
        }
        let mut st = self
            .conn
            .prepare(
                "SELECT id, at, user, key, reason, expires_unix, seen, revoked_at FROM baseline
                 WHERE revoked_at IS NULL ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| {
                Ok(Acceptance {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    user: r.get(2)?,
                    key: r.get(3)?,
                    reason: r.get(4)?,
                    expires_unix: r.get(5)?,
                    seen: r.get(6)?,
                    revoked_at: r.get(7)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }

    /// Revokes an acceptance; false when there is no such live acceptance.
    pub fn baseline_revoke(&self, id: i64, at: &str) -> Result<bool, Error> {
        let n = self
            .conn
            .execute(
                "UPDATE baseline SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                params![at, id],
            )
            .map_err(|e| self.err(e))?;
        Ok(n > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap<'a>(at_unix: i64, kind: &'a str, body: &'a str) -> NewSnapshot<'a> {
        NewSnapshot {
            uid: None,
            host_id: "m1",
            scan_id: None,
            shard: None,
            at: "2026-12-03T00:00:00Z",
            at_unix,
            host: "h",
            command: "portwarden audit",
            kind,
            target: "local",
            listeners: 1,
            findings: 0,
            body,
        }
    }

    #[test]
    fn snapshots_round_trip_share_bodies_and_prune() {
        let s = Store::in_memory().expect("store");
        let a = s.save_snapshot(&snap(10, "audit", "{\"x\":1}")).expect("a");
        let b = s.save_snapshot(&snap(20, "audit", "{\"x\":1}")).expect("b");
        let c = s.save_snapshot(&snap(30, "ls", "{\"x\":2}")).expect("c");
        let bodies: i64 = s
            .conn
            .query_row("SELECT count(*) FROM snapshot_bodies", [], |r| r.get(0))
            .expect("count");
        assert_eq!(bodies, 2, "identical bodies are stored once");
        assert_eq!(s.snapshot(b).expect("get").expect("some").1, "{\"x\":1}");
        assert_eq!(s.snapshots(Some("audit"), None).expect("list").len(), 2);
        assert_eq!(s.snapshots(None, Some("local")).expect("list").len(), 3);
        assert!(s.snapshot(99).expect("get").is_none());
        // Keep the newest audit; the ls snapshot is another kind and stays.
        assert_eq!(
            s.prune_snapshots(
                &Filter {
                    kind: Some("audit"),
                    ..Filter::default()
                },
                Some(1),
                None
            )
            .expect("prune"),
            1
        );
        assert!(s.snapshot(a).expect("get").is_none());
        assert_eq!(
            s.prune_snapshots(&Filter::default(), None, Some(25))
                .expect("p"),
            1
        );
        let left: Vec<i64> = s
            .snapshots(None, None)
            .expect("list")
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(left, [c]);
        let bodies: i64 = s
            .conn
            .query_row("SELECT count(*) FROM snapshot_bodies", [], |r| r.get(0))
            .expect("count");
        assert_eq!(bodies, 1, "unused bodies go");
    }

    #[test]
    fn a_corrupt_body_is_an_error() {
        let s = Store::in_memory().expect("store");
        let id = s.save_snapshot(&snap(1, "audit", "{}")).expect("save");
        s.conn
            .execute("UPDATE snapshot_bodies SET body = x'ffff00'", [])
            .expect("corrupt");
        assert!(matches!(s.snapshot(id), Err(Error::Corrupt(..))));
    }

    #[test]
    fn baseline_accept_list_revoke() {
        let s = Store::in_memory().expect("store");
        let new = |key: &str| NewAcceptance {
            at: "2026-12-03T00:00:00Z".into(),
            user: "root".into(),
            key: key.into(),
            reason: "known".into(),
            expires_unix: Some(5),
            seen: None,
        };
        let ids = s
            .baseline_accept(&[new("tcp/22"), new("udp/53")])
            .expect("accept");
        assert_eq!(s.baseline().expect("list").len(), 2);
        assert!(s.baseline_revoke(ids[0], "now").expect("revoke"));
        assert!(!s.baseline_revoke(ids[0], "now").expect("again"));
        assert_eq!(s.baseline().expect("list")[0].key, "udp/53");
    }
}
