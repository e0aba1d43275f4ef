//! The PostgreSQL store: the same history (snapshots, their shared deflated bodies, the
//! baseline) as the SQLite file, for many hosts writing into one database. Uses the
//! maintained `postgres` client (synchronous), without TLS: connect over a unix socket
//! (`postgresql:///db?host=/run/postgresql`) or to 127.0.0.1, or through a tunnel;
//! `sslmode=require` is refused with one clear line.
//!
//! Migrations are a versioned list of steps, like SQLite's, recorded in the table
//! `portwarden_schema`; they run in one transaction under an advisory lock, so two
//! processes opening a new database do not race. A saved snapshot is one transaction;
//! its random 128-bit `uid` is unique, so a retried save (a spool flushed twice, a
//! writer that lost its connection after the commit) is stored once.

use crate::history::{deflate, fnv, inflate};
use crate::{Acceptance, Error, Filter, NewAcceptance, NewSnapshot, SnapshotRow};
use postgres::{Client, Config, NoTls};
use std::cell::RefCell;
use std::time::Duration;

/// Migrations, in order; step `i` brings the schema from version `i` to `i + 1`. Step 1
/// is the history of the SQLite schema's versions 3 and 4 (snapshots with host identity
/// and unique ids, their bodies, the baseline).
const MIGRATIONS: &[&str] = &[
    // 1: history with host identity.
    "CREATE TABLE snapshot_bodies (
        id BIGSERIAL PRIMARY KEY,
        hash BIGINT NOT NULL,
        body BYTEA NOT NULL
    );
    CREATE INDEX snapshot_bodies_hash ON snapshot_bodies(hash);
    CREATE TABLE snapshots (
        id BIGSERIAL PRIMARY KEY,
        at TEXT NOT NULL,
        at_unix BIGINT NOT NULL,
        host TEXT NOT NULL,
        command TEXT NOT NULL,
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        listeners BIGINT NOT NULL,
        findings BIGINT NOT NULL,
        body_id BIGINT NOT NULL REFERENCES snapshot_bodies(id),
        uid TEXT NOT NULL UNIQUE,
        host_id TEXT NOT NULL DEFAULT '',
        scan_id TEXT,
        shard TEXT
    );
    CREATE INDEX snapshots_kind_target ON snapshots(kind, target, at_unix);
    CREATE INDEX snapshots_host ON snapshots(host_id, kind, target, at_unix);
    CREATE TABLE baseline (
        id BIGSERIAL PRIMARY KEY,
        at TEXT NOT NULL,
        \"user\" TEXT NOT NULL,
        key TEXT NOT NULL,
        reason TEXT NOT NULL,
        expires_unix BIGINT,
        seen TEXT,
        revoked_at TEXT
    );",
    // 2: the action journal (SQLite's `actions` as of its version 2: intent first, the
    // runner, the note), every row carrying the identity of the host whose firewall it
    // is about, and the rule comment it holds (for adoption, without parsing JSON).
    "CREATE TABLE actions (
        id BIGSERIAL PRIMARY KEY,
        host_id TEXT NOT NULL,
        host TEXT NOT NULL,
        at TEXT NOT NULL,
        \"user\" TEXT NOT NULL,
        uid BIGINT NOT NULL,
        port INTEGER NOT NULL,
        protocol TEXT NOT NULL,
        how TEXT NOT NULL,
        summary TEXT NOT NULL,
        detail TEXT NOT NULL,
        undo TEXT NOT NULL,
        undone_at TEXT,
        state TEXT NOT NULL DEFAULT 'applied',
        runner_pid BIGINT,
        runner_start BIGINT,
        note TEXT,
        rule_comment TEXT
    );
    CREATE INDEX actions_host_port ON actions(host_id, port, protocol);
    CREATE INDEX actions_host_comment ON actions(host_id, rule_comment);",
];

/// The schema version this build writes.
pub const PG_SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long a connection attempt waits when the URL does not say.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The advisory lock key taken while migrating.
const MIGRATE_LOCK: i64 = 0x706f_7274_7761_7264; // "portward"

/// The URL without its password.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let shown = match auth.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => auth.to_string(),
        },
        None => auth.to_string(),
    };
    let tail = match tail.find("password=") {
        Some(_) => tail
            .split('&')
            .map(|kv| {
                if kv.trim_start_matches('?').starts_with("password=") {
                    let q = if kv.starts_with('?') { "?" } else { "" };
                    format!("{q}password=***")
                } else {
                    kv.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("&"),
        None => tail.to_string(),
    };
    // One line, printable.
    format!("{scheme}://{shown}{tail}")
        .chars()
        .take(300)
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

fn config(url: &str) -> Result<Config, Error> {
    let mut cfg: Config = url.parse().map_err(|e: postgres::Error| Error::Postgres {
        url: redact(url),
        reason: one_line(&e.to_string()),
        unreachable: false,
    })?;
    if matches!(cfg.get_ssl_mode(), postgres::config::SslMode::Require) {
        return Err(Error::Postgres {
            url: redact(url),
            reason:
                "sslmode=require: this portwarden is built without TLS for PostgreSQL; \
                     connect over a unix socket, to 127.0.0.1 or through a tunnel (sslmode=disable)"
                    .into(),
            unreachable: false,
        });
    }
    if cfg.get_connect_timeout().is_none() {
        cfg.connect_timeout(CONNECT_TIMEOUT);
    }
    if cfg.get_application_name().is_none() {
        cfg.application_name("portwarden");
    }
    Ok(cfg)
}

/// Checks a URL without connecting (the TLS mode, the syntax).
pub(crate) fn check_url(url: &str) -> Result<(), Error> {
    config(url).map(|_| ())
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A PostgreSQL-backed store.
pub struct PgStore {
    pub(crate) client: RefCell<Client>,
    pub(crate) url: String,
    pub(crate) version: i64,
    /// The host whose journal rows this store reads and writes (empty: history only).
    pub(crate) host: crate::HostIdentity,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("url", &self.url)
            .field("version", &self.version)
            .field("host", &self.host.id)
            .finish()
    }
}

impl PgStore {
    /// Connects; with `write`, creates and migrates the schema as needed. Without it,
    /// nothing is created: the version is 0 when the database has no portwarden tables.
    pub fn open(url: &str, write: bool) -> Result<PgStore, Error> {
        let cfg = config(url)?;
        let shown = redact(url);
        let client = cfg.connect(NoTls).map_err(|e| pg_err(&shown, &e))?;
        let mut s = PgStore {
            client: RefCell::new(client),
            url: shown,
            version: 0,
            host: crate::HostIdentity::default(),
        };
        s.version = s.read_version()?;
        if s.version > PG_SCHEMA_VERSION {
            return Err(Error::TooNew(s.version, PG_SCHEMA_VERSION));
        }
        if write && s.version < PG_SCHEMA_VERSION {
            s.migrate()?;
        }
        Ok(s)
    }

    pub(crate) fn err(&self, e: &postgres::Error) -> Error {
        pg_err(&self.url, e)
    }

    fn read_version(&self) -> Result<i64, Error> {
        let mut c = self.client.borrow_mut();
        let exists: bool = c
            .query_one("SELECT to_regclass('portwarden_schema') IS NOT NULL", &[])
            .map_err(|e| self.err(&e))?
            .get(0);
        if !exists {
            return Ok(0);
        }
        let v: Option<i64> = c
            .query_one("SELECT max(version)::BIGINT FROM portwarden_schema", &[])
            .map_err(|e| self.err(&e))?
            .get(0);
        Ok(v.unwrap_or(0))
    }

    fn migrate(&mut self) -> Result<(), Error> {
        let url = self.url.clone();
        let mut c = self.client.borrow_mut();
        let mut tx = c.transaction().map_err(|e| pg_err(&url, &e))?;
        let e = |x: postgres::Error| pg_err(&url, &x);
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATE_LOCK])
            .map_err(e)?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS portwarden_schema (version BIGINT NOT NULL)")
            .map_err(e)?;
        let v: Option<i64> = tx
            .query_one("SELECT max(version)::BIGINT FROM portwarden_schema", &[])
            .map_err(e)?
            .get(0);
        let v = v.unwrap_or(0);
        if v > PG_SCHEMA_VERSION {
            return Err(Error::TooNew(v, PG_SCHEMA_VERSION));
        }
        for (i, m) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(v).unwrap_or(0))
        {
            tx.batch_execute(m).map_err(e)?;
            tx.execute(
                "INSERT INTO portwarden_schema (version) VALUES ($1)",
                &[&(i as i64 + 1)],
            )
            .map_err(e)?;
        }
        tx.commit().map_err(e)?;
        drop(c);
        self.version = PG_SCHEMA_VERSION;
        Ok(())
    }
}

pub(crate) fn pg_err(url: &str, e: &postgres::Error) -> Error {
    let reason = match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => {
            let mut s = e.to_string();
            let mut src = std::error::Error::source(e);
            while let Some(x) = src {
                let t = x.to_string();
                if !s.contains(&t) {
                    s = format!("{s}: {t}");
                }
                src = x.source();
            }
            s
        }
    };
    Error::Postgres {
        url: url.to_string(),
        reason: one_line(&reason),
        unreachable: e.as_db_error().is_none() && (e.is_closed() || e.code().is_none()),
    }
}

const ROW: &str = "SELECT id, at, at_unix, host, command, kind, target, listeners, findings,
    uid, host_id, scan_id, shard FROM snapshots";

fn row(r: &postgres::Row) -> SnapshotRow {
    SnapshotRow {
        id: r.get(0),
        at: r.get(1),
        at_unix: r.get(2),
        host: r.get(3),
        command: r.get(4),
        kind: r.get(5),
        target: r.get(6),
        listeners: r.get(7),
        findings: r.get(8),
        uid: r.get(9),
        host_id: r.get(10),
        scan_id: r.get(11),
        shard: r.get(12),
    }
}

impl crate::History for PgStore {
    fn save_snapshot(&self, s: &NewSnapshot<'_>) -> Result<i64, Error> {
        let blob = deflate(s.body);
        let hash = fnv(&blob);
        let uid = s.uid.map_or_else(crate::new_uid, str::to_string);
        let mut c = self.client.borrow_mut();
        let mut tx = c.transaction().map_err(|e| self.err(&e))?;
        let e = |x: postgres::Error| self.err(&x);
        if let Some(r) = tx
            .query_opt("SELECT id FROM snapshots WHERE uid = $1", &[&uid])
            .map_err(e)?
        {
            return Ok(r.get(0));
        }
        let same = tx
            .query(
                "SELECT id FROM snapshot_bodies WHERE hash = $1 AND body = $2 LIMIT 1",
                &[&hash, &blob],
            )
            .map_err(e)?;
        let body_id: i64 = match same.first() {
            Some(r) => r.get(0),
            None => tx
                .query_one(
                    "INSERT INTO snapshot_bodies (hash, body) VALUES ($1, $2) RETURNING id",
                    &[&hash, &blob],
                )
                .map_err(e)?
                .get(0),
        };
        // A writer that saved the same uid meanwhile wins; this one then reads its id.
        let inserted = tx
            .query_opt(
                "INSERT INTO snapshots (at, at_unix, host, command, kind, target, listeners,
                                        findings, body_id, uid, host_id, scan_id, shard)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                 ON CONFLICT (uid) DO NOTHING RETURNING id",
                &[
                    &s.at,
                    &s.at_unix,
                    &s.host,
                    &s.command,
                    &s.kind,
                    &s.target,
                    &s.listeners,
                    &s.findings,
                    &body_id,
                    &uid,
                    &s.host_id,
                    &s.scan_id,
                    &s.shard,
                ],
            )
            .map_err(e)?;
        let id: i64 = match inserted {
            Some(r) => r.get(0),
            None => {
                tx.rollback().map_err(e)?;
                return c
                    .query_one("SELECT id FROM snapshots WHERE uid = $1", &[&uid])
                    .map(|r| r.get(0))
                    .map_err(e);
            }
        };
        tx.commit().map_err(e)?;
        Ok(id)
    }

    fn snapshots_where(&self, f: &Filter<'_>) -> Result<Vec<SnapshotRow>, Error> {
        if self.version < 1 {
            return Ok(Vec::new());
        }
        let sql = format!(
            "{ROW} WHERE ($1::TEXT IS NULL OR kind = $1) AND ($2::TEXT IS NULL OR target = $2)
             AND ($3::TEXT IS NULL OR host_id = $3 OR host = $3) ORDER BY at_unix, id"
        );
        let rows = self
            .client
            .borrow_mut()
            .query(&sql, &[&f.kind, &f.target, &f.host])
            .map_err(|e| self.err(&e))?;
        Ok(rows.iter().map(row).collect())
    }

    fn snapshot(&self, id: i64) -> Result<Option<(SnapshotRow, String)>, Error> {
        if self.version < 1 {
            return Ok(None);
        }
        let mut c = self.client.borrow_mut();
        let sql = format!("{ROW} WHERE id = $1");
        let Some(r) = c.query_opt(&sql, &[&id]).map_err(|e| self.err(&e))? else {
            return Ok(None);
        };
        let blob: Vec<u8> = c
            .query_one(
                "SELECT b.body FROM snapshots s JOIN snapshot_bodies b ON b.id = s.body_id
                 WHERE s.id = $1",
                &[&id],
            )
            .map_err(|e| self.err(&e))?
            .get(0);
        Ok(Some((row(&r), inflate(id, &blob)?)))
    }

    fn prune_snapshots(
        &self,
        f: &Filter<'_>,
        keep: Option<usize>,
        before: Option<i64>,
    ) -> Result<usize, Error> {
        if self.version < 1 {
            return Ok(0);
        }
        let (kind, target, host) = (f.kind, f.target, f.host);
        let keep = keep.map(|k| i64::try_from(k).unwrap_or(i64::MAX));
        let mut c = self.client.borrow_mut();
        let mut tx = c.transaction().map_err(|e| self.err(&e))?;
        let e = |x: postgres::Error| self.err(&x);
        let mut n = 0u64;
        if let Some(before) = before {
            n += tx
                .execute(
                    "DELETE FROM snapshots WHERE ($1::TEXT IS NULL OR kind = $1)
                     AND ($2::TEXT IS NULL OR target = $2)
                     AND ($4::TEXT IS NULL OR host_id = $4 OR host = $4) AND at_unix < $3",
                    &[&kind, &target, &before, &host],
                )
                .map_err(e)?;
        }
        if let Some(keep) = keep {
            n += tx
                .execute(
                    "DELETE FROM snapshots WHERE id IN (
                        SELECT id FROM (SELECT id, row_number() OVER (
                            PARTITION BY CASE WHEN host_id = '' THEN host ELSE host_id END
                            ORDER BY at_unix DESC, id DESC) AS n
                        FROM snapshots WHERE ($1::TEXT IS NULL OR kind = $1)
                        AND ($2::TEXT IS NULL OR target = $2)
                        AND ($4::TEXT IS NULL OR host_id = $4 OR host = $4)) AS r
                        WHERE n > $3)",
                    &[&kind, &target, &keep, &host],
                )
                .map_err(e)?;
        }
        tx.execute(
            "DELETE FROM snapshot_bodies b WHERE NOT EXISTS
             (SELECT 1 FROM snapshots s WHERE s.body_id = b.id)",
            &[],
        )
        .map_err(e)?;
        tx.commit().map_err(e)?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn baseline_accept(&self, rows: &[NewAcceptance]) -> Result<Vec<i64>, Error> {
        let mut c = self.client.borrow_mut();
        let mut tx = c.transaction().map_err(|e| self.err(&e))?;
        let mut ids = Vec::new();
        for a in rows {
            let id: i64 = tx
                .query_one(
                    "INSERT INTO baseline (at, \"user\", key, reason, expires_unix, seen)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    &[&a.at, &a.user, &a.key, &a.reason, &a.expires_unix, &a.seen],
                )
                .map_err(|e| self.err(&e))?
                .get(0);
            ids.push(id);
        }
        tx.commit().map_err(|e| self.err(&e))?;
        Ok(ids)
    }

    fn baseline(&self) -> Result<Vec<Acceptance>, Error> {
        if self.version < 1 {
            return Ok(Vec::new());
        }
        let rows = self
            .client
            .borrow_mut()
            .query(
                "SELECT id, at, \"user\", key, reason, expires_unix, seen, revoked_at
                 FROM baseline WHERE revoked_at IS NULL ORDER BY id",
                &[],
            )
            .map_err(|e| self.err(&e))?;
        Ok(rows
            .iter()
            .map(|r| Acceptance {
                id: r.get(0),
                at: r.get(1),
                user: r.get(2),
                key: r.get(3),
                reason: r.get(4),
                expires_unix: r.get(5),
                seen: r.get(6),
                revoked_at: r.get(7),
            })
            .collect())
    }

    fn baseline_revoke(&self, id: i64, at: &str) -> Result<bool, Error> {
        if self.version < 1 {
            return Ok(false);
        }
        let n = self
            .client
            .borrow_mut()
            .execute(
                "UPDATE baseline SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                &[&at, &id],
            )
            .map_err(|e| self.err(&e))?;
        Ok(n > 0)
    }

    fn schema_version(&self) -> i64 {
        self.version
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(redact("postgres://a:b@h:5/d"), "postgres://a:***@h:5/d");
        assert_eq!(redact("postgres://a@h/d"), "postgres://a@h/d");
        assert_eq!(
            redact("postgresql:///d?host=/tmp&password=x"),
            "postgresql:///d?host=/tmp&password=***"
        );
        assert_eq!(
            redact("postgres://h/d?\u{1b}[31m"),
            "postgres://h/d?\\u{1b}[31m"
        );
    }

    #[test]
    fn an_unreachable_server_is_one_line_and_marked_unreachable() {
        // Port 1 on loopback: nothing listens there.
        let e = PgStore::open("postgres://pw@127.0.0.1:1/x?connect_timeout=2", true)
            .expect_err("no server");
        assert!(e.is_unreachable(), "{e}");
        let s = e.to_string();
        assert!(!s.contains('\n'), "{s}");
        assert!(s.contains("127.0.0.1:1"), "{s}");
    }
}
