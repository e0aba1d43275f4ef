//! The SQLite store: a journal of every action portwarden takes on a port, with what it
//! needs to be undone. Schema changes are migrations keyed by `PRAGMA user_version`, run
//! inside one `BEGIN IMMEDIATE` transaction (the version is read inside it), so an old
//! database is upgraded in place and two processes opening a new one do not race.
//!
//! An action is journalled *before* it is carried out (state `pending`), then marked
//! `applied` (or `failed`); a journal that cannot be written therefore stops the action
//! before anything changes. The journal file is opened safely (see `secure`): never
//! through a symbolic link, never when another user owns it or its directory, never in a
//! directory every user may write to; directories are 0700 and files 0600.

mod backend;
mod history;
mod journal;
mod pg;
mod pg_journal;
#[cfg(unix)]
mod secure;
#[cfg(windows)]
#[path = "secure_windows.rs"]
mod secure;

pub use backend::{open, open_read_only, History, Location};
pub use history::{new_uid, Acceptance, Filter, NewAcceptance, NewSnapshot, SnapshotRow};
pub use journal::{open_journal, open_journal_read_only, HostAction, HostIdentity, Journal};
pub use pg::PG_SCHEMA_VERSION;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// SQLite said no.
    #[error("database {path}: {source}")]
    Sqlite {
        /// The database file.
        path: String,
        /// The SQLite error.
        source: rusqlite::Error,
    },
    /// The directory or file could not be created or read.
    #[error("cannot open or create {path}: {source}")]
    Dir {
        /// The directory.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The journal (or its directory) is not safe to use.
    #[error("refusing the journal at {path}: {reason}")]
    Refused {
        /// The file or directory.
        path: String,
        /// Why.
        reason: String,
    },
    /// There is nowhere safe to put a user's journal.
    #[error("HOME is not set to an absolute path, so there is no place for the journal; set HOME, XDG_DATA_HOME or PORTWARDEN_DB")]
    NoHome,
    /// Windows: nowhere safe to put a user's journal.
    #[error("LOCALAPPDATA is not set to an absolute path, so there is no place for the journal; set LOCALAPPDATA or PORTWARDEN_DB")]
    NoLocalAppData,
    /// A stored record could not be decoded.
    #[error("corrupt journal record {0}: {1}")]
    Corrupt(i64, String),
    /// The database was written by a newer portwarden.
    #[error(
        "database schema version {0} is newer than this portwarden knows ({1}); upgrade portwarden"
    )]
    TooNew(i64, i64),
    /// PostgreSQL said no, or could not be reached.
    #[error("PostgreSQL store {url}: {reason}")]
    Postgres {
        /// The store's URL, without its password.
        url: String,
        /// What went wrong, on one line.
        reason: String,
        /// Whether the server could not be reached at all (so a spool may keep the data).
        unreachable: bool,
    },
    /// A shared journal needs to know whose firewall each record is about.
    #[error("this host has no identity for a shared journal (no /etc/machine-id); give it one with --host-id or PORTWARDEN_HOST_ID")]
    NoHostId,
    /// The `--store` value is not one this portwarden can use.
    #[error("store {0}")]
    BadLocation(String),
}

impl Error {
    /// Whether the store could not be reached (as opposed to refusing what was sent).
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            Error::Postgres {
                unreachable: true,
                ..
            }
        )
    }
}

/// Migrations, in order; migration `i` brings the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: the action journal.
    "CREATE TABLE actions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        user TEXT NOT NULL,
        uid INTEGER NOT NULL,
        port INTEGER NOT NULL,
        protocol TEXT NOT NULL,
        how TEXT NOT NULL,
        summary TEXT NOT NULL,
        detail TEXT NOT NULL,
        undo TEXT NOT NULL,
        undone_at TEXT
    );
    CREATE INDEX actions_port ON actions(port, protocol);",
    // 2: intent first — the state of an action, the process carrying it out, and a note
    // on how it ended when that was not as planned.
    "ALTER TABLE actions ADD COLUMN state TEXT NOT NULL DEFAULT 'applied';
    ALTER TABLE actions ADD COLUMN runner_pid INTEGER;
    ALTER TABLE actions ADD COLUMN runner_start INTEGER;
    ALTER TABLE actions ADD COLUMN note TEXT;",
    // 3: history — snapshots of what audit, ls and scan saw (their bodies deflated and
    // shared between identical snapshots) and the baseline of accepted findings.
    "CREATE TABLE snapshot_bodies (
        id INTEGER PRIMARY KEY,
        hash INTEGER NOT NULL,
        body BLOB NOT NULL
    );
    CREATE INDEX snapshot_bodies_hash ON snapshot_bodies(hash);
    CREATE TABLE snapshots (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        at_unix INTEGER NOT NULL,
        host TEXT NOT NULL,
        command TEXT NOT NULL,
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        listeners INTEGER NOT NULL,
        findings INTEGER NOT NULL,
        body_id INTEGER NOT NULL REFERENCES snapshot_bodies(id)
    );
    CREATE INDEX snapshots_kind_target ON snapshots(kind, target, at_unix);
    CREATE TABLE baseline (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        user TEXT NOT NULL,
        key TEXT NOT NULL,
        reason TEXT NOT NULL,
        expires_unix INTEGER,
        seen TEXT,
        revoked_at TEXT
    );",
    // 4: fleets — every snapshot carries the machine's identity and a unique random id
    // (so a retried save is stored once), and the sharded scan it belongs to.
    "ALTER TABLE snapshots ADD COLUMN uid TEXT;
    ALTER TABLE snapshots ADD COLUMN host_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE snapshots ADD COLUMN scan_id TEXT;
    ALTER TABLE snapshots ADD COLUMN shard TEXT;
    CREATE UNIQUE INDEX snapshots_uid ON snapshots(uid);
    CREATE INDEX snapshots_host ON snapshots(host_id, kind, target, at_unix);",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long a writer waits for another one to finish before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(15);

/// What an action needs to be undone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Undo {
    /// Delete the nftables rule carrying this comment from `inet portwarden`.
    DeleteRule {
        /// The rule's comment (unique per action).
        comment: String,
        /// The persistent rules file, if the rule was also written there.
        persisted: Option<String>,
    },
    /// Enable and start the unit again.
    StartUnit {
        /// The systemd unit.
        unit: String,
        /// Whether it was enabled before.
        was_enabled: bool,
    },
    /// Remove the address from portwarden's block set (`portwarden unblock ADDR`); the
    /// kernel removes it by itself at `expires`.
    RemoveBlock {
        /// The blocked source address.
        addr: String,
        /// When the block runs out (RFC 3339, UTC).
        expires: String,
    },
    /// Nothing can bring it back; here is what it was.
    Irreversible {
        /// Why.
        reason: String,
        /// Command lines of what was stopped.
        cmdlines: Vec<String>,
    },
}

/// Where an action stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Journalled, not (yet) known to be carried out.
    Pending,
    /// Carried out.
    Applied,
    /// Not carried out (the step failed, or the run was interrupted before it changed
    /// anything).
    Failed,
    /// The run stopped part way; what it changed is unknown.
    Interrupted,
}

impl State {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Applied => "applied",
            State::Failed => "failed",
            State::Interrupted => "interrupted",
        }
    }

    fn parse(s: &str) -> Option<State> {
        Some(match s {
            "pending" => State::Pending,
            "applied" => State::Applied,
            "failed" => State::Failed,
            "interrupted" => State::Interrupted,
            _ => return None,
        })
    }
}

/// The process carrying out a pending action: its pid and start time (clock ticks after
/// boot, from `/proc/PID/stat`), so a reused pid is not mistaken for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Runner {
    /// Pid.
    pub pid: u32,
    /// Start time.
    pub start: u64,
}

/// One journal record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    /// Journal id.
    pub id: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who ran it (user name).
    pub user: String,
    /// Their uid.
    pub uid: u32,
    /// Port.
    pub port: u16,
    /// tcp or udp.
    pub protocol: String,
    /// kill, service, firewall or connections.
    pub how: String,
    /// One line for people.
    pub summary: String,
    /// Structured detail (processes, units, rule text…).
    pub detail: serde_json::Value,
    /// How to undo it.
    pub undo: Undo,
    /// When it was undone, if it was.
    pub undone_at: Option<String>,
    /// Where it stands.
    pub state: State,
    /// The process carrying it out, while pending.
    pub runner: Option<Runner>,
    /// How it ended, when not as planned.
    pub note: Option<String>,
}

/// A new record, before it has an id.
#[derive(Debug, Clone)]
pub struct NewAction {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who.
    pub user: String,
    /// Their uid.
    pub uid: u32,
    /// Port.
    pub port: u16,
    /// tcp or udp.
    pub protocol: String,
    /// kill, service, firewall or connections.
    pub how: String,
    /// One line.
    pub summary: String,
    /// Structured detail.
    pub detail: serde_json::Value,
    /// How to undo it.
    pub undo: Undo,
    /// Where it stands (`Pending` before it is carried out).
    pub state: State,
    /// The process carrying it out.
    pub runner: Option<Runner>,
    /// A note.
    pub note: Option<String>,
}

/// The open store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: String,
    /// The schema version (a read-only store may be older than [`SCHEMA_VERSION`]).
    version: i64,
}

/// Where the store lives: `$PORTWARDEN_DB` if set, else `/var/lib/portwarden` for root,
/// else `$XDG_DATA_HOME/portwarden` (or `$HOME/.local/share/portwarden`). Without an
/// absolute `HOME` there is no safe place, and that is an error (never `/tmp`).
/// On Windows: `$PORTWARDEN_DB`, else [`windows_path`].
pub fn default_path(env: &dyn Fn(&str) -> Option<String>, is_root: bool) -> Result<PathBuf, Error> {
    if let Some(p) = env("PORTWARDEN_DB").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    if cfg!(windows) {
        return windows_path(env);
    }
    let dir = if is_root {
        PathBuf::from("/var/lib/portwarden")
    } else if let Some(x) = env("XDG_DATA_HOME").filter(|p| p.starts_with('/')) {
        PathBuf::from(x).join("portwarden")
    } else {
        let home = env("HOME")
            .filter(|h| h.starts_with('/'))
            .ok_or(Error::NoHome)?;
        PathBuf::from(home).join(".local/share/portwarden")
    };
    Ok(dir.join("portwarden.db"))
}

/// Windows' place for the journal: `%LOCALAPPDATA%\portwarden\portwarden.db` (the
/// user's own profile, which only they and administrators may read), for
/// administrators too. `LOCALAPPDATA` must be absolute (`C:\…` or `\\server\…`).
pub fn windows_path(env: &dyn Fn(&str) -> Option<String>) -> Result<PathBuf, Error> {
    let base = env("LOCALAPPDATA")
        .filter(|p| {
            let b = p.as_bytes();
            (b.len() >= 3
                && b[0].is_ascii_alphabetic()
                && b[1] == b':'
                && matches!(b[2], b'\\' | b'/'))
                || p.starts_with("\\\\")
        })
        .ok_or(Error::NoLocalAppData)?;
    let sep = if base.ends_with('\\') || base.ends_with('/') {
        ""
    } else {
        "\\"
    };
    Ok(PathBuf::from(format!(
        "{base}{sep}portwarden\\portwarden.db"
    )))
}

fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

impl Store {
    /// Opens (creating and migrating as needed) the database at `path` for writing,
    /// after checking that it and its directory are safe to use.
    pub fn open(path: &Path) -> Result<Store, Error> {
        let shown = path.display().to_string();
        secure::ensure_dir(parent(path))?;
        secure::prepare_file(path)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NOFOLLOW
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| Error::Sqlite {
            path: shown.clone(),
            source,
        })?;
        let mut s = Store {
            conn,
            path: shown,
            version: 0,
        };
        s.conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| s.err(e))?;
        s.migrate()?;
        Ok(s)
    }

    /// Opens the database at `path` read-only, for commands that only read: nothing is
    /// created or migrated. `None` when there is no journal yet (an empty journal).
    pub fn open_read_only(path: &Path) -> Result<Option<Store>, Error> {
        Store::open_read_only_inner(path, true)
    }

    fn open_read_only_inner(path: &Path, may_recover: bool) -> Result<Option<Store>, Error> {
        let shown = path.display().to_string();
        if !secure::check_existing(path)? {
            return Ok(None);
        }
        secure::check_dir(parent(path))?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NOFOLLOW
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| Error::Sqlite {
            path: shown.clone(),
            source,
        })?;
        let mut s = Store {
            conn,
            path: shown,
            version: 0,
        };
        s.conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| s.err(e))?;
        s.version = match s.version() {
            Ok(v) => v,
            // A writer was killed mid-transaction and left a hot journal, which a
            // read-only connection cannot roll back: let a writable one do that (this
            // only restores the last committed state; nothing is created or migrated).
            Err(Error::Sqlite {
                source: rusqlite::Error::SqliteFailure(f, _),
                ..
            }) if may_recover && f.extended_code == rusqlite::ffi::SQLITE_READONLY_ROLLBACK => {
                drop(s);
                Store::recover(path)?;
                return Store::open_read_only_inner(path, false);
            }
            Err(e) => return Err(e),
        };
        if s.version > SCHEMA_VERSION {
            return Err(Error::TooNew(s.version, SCHEMA_VERSION));
        }
        Ok(Some(s))
    }

    /// Rolls back the transaction of a writer that was killed, by opening the existing
    /// journal for writing (never creating it) and reading it once.
    fn recover(path: &Path) -> Result<(), Error> {
        let e = |source| Error::Sqlite {
            path: path.display().to_string(),
            source,
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_NOFOLLOW
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(e)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(e)?;
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(e)?;
        Ok(())
    }

    /// Opens a private in-memory store (tests).
    pub fn in_memory() -> Result<Store, Error> {
        let conn = Connection::open_in_memory().map_err(|source| Error::Sqlite {
            path: ":memory:".into(),
            source,
        })?;
        let mut s = Store {
            conn,
            path: ":memory:".into(),
            version: 0,
        };
        s.migrate()?;
        Ok(s)
    }

    fn err(&self, source: rusqlite::Error) -> Error {
        Error::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn migrate(&mut self) -> Result<(), Error> {
        // A quick look first; the decision is taken again inside the transaction, where
        // no other process can change the version under us.
        let v = self.version()?;
        if v > SCHEMA_VERSION {
            return Err(Error::TooNew(v, SCHEMA_VERSION));
        }
        if v == SCHEMA_VERSION {
            self.version = v;
            return Ok(());
        }
        let path = self.path.clone();
        let e = |source| Error::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(e)?;
        let v: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(e)?;
        if v > SCHEMA_VERSION {
            return Err(Error::TooNew(v, SCHEMA_VERSION));
        }
        for (i, m) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(v).unwrap_or(0))
        {
            tx.execute_batch(m).map_err(e)?;
            tx.pragma_update(None, "user_version", i as i64 + 1)
                .map_err(e)?;
        }
        tx.commit().map_err(e)?;
        self.version = SCHEMA_VERSION;
        Ok(())
    }

    /// The schema version of the open database.
    pub fn version(&self) -> Result<i64, Error> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// Records an action; returns its id.
    pub fn record(&self, a: &NewAction) -> Result<i64, Error> {
        let undo = serde_json::to_string(&a.undo).unwrap_or_else(|_| "{}".into());
        self.conn
            .execute(
                "INSERT INTO actions (at, user, uid, port, protocol, how, summary, detail, undo,
                                      state, runner_pid, runner_start, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    a.at,
                    a.user,
                    a.uid,
                    a.port,
                    a.protocol,
                    a.how,
                    a.summary,
                    a.detail.to_string(),
                    undo,
                    a.state.as_str(),
                    a.runner.map(|r| r.pid),
                    a.runner.map(|r| i64::try_from(r.start).unwrap_or(i64::MAX)),
                    a.note,
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Marks an action applied, with what it turned out to be.
    pub fn mark_applied(
        &self,
        id: i64,
        summary: &str,
        detail: &serde_json::Value,
        undo: &Undo,
    ) -> Result<(), Error> {
        let undo = serde_json::to_string(undo).unwrap_or_else(|_| "{}".into());
        self.conn
            .execute(
                "UPDATE actions SET state = 'applied', summary = ?1, detail = ?2, undo = ?3,
                 runner_pid = NULL, runner_start = NULL WHERE id = ?4",
                params![summary, detail.to_string(), undo, id],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Records `a` unless an action on the same port and protocol that is not undone
    /// (applied or pending) makes `conflict` true; the look and the insert are one
    /// `BEGIN IMMEDIATE` transaction, so two processes closing the same port at once do
    /// not both go ahead. Returns the new id, or the action in the way.
    pub fn record_unless(
        &self,
        a: &NewAction,
        conflict: &dyn Fn(&Action) -> bool,
    ) -> Result<Result<i64, Action>, Error> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.err(e))?;
        let r = self
            .query(
                "WHERE port = ?1 AND protocol = ?2 AND undone_at IS NULL
                 AND state IN ('applied', 'pending') ORDER BY id DESC",
                &[&a.port, &a.protocol],
            )
            .and_then(|open| match open.into_iter().find(|x| conflict(x)) {
                Some(x) => Ok(Err(x)),
                None => self.record(a).map(Ok),
            });
        let end = if matches!(r, Ok(Ok(_))) {
            "COMMIT"
        } else {
            "ROLLBACK"
        };
        self.conn.execute_batch(end).map_err(|e| self.err(e))?;
        r
    }

    /// Records `a` — a rule found in the firewall without a record — unless an action
    /// not yet undone already holds the rule comment `comment`; the check and the insert
    /// are one `BEGIN IMMEDIATE` transaction, so two processes adopt a rule once. Returns
    /// the new id.
    pub fn adopt(&self, comment: &str, a: &NewAction) -> Result<Option<i64>, Error> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.err(e))?;
        let r = (|| {
            let held: i64 = self.conn.query_row(
                "SELECT count(*) FROM actions WHERE undone_at IS NULL
                 AND json_extract(undo, '$.comment') = ?1",
                [comment],
                |r| r.get(0),
            )?;
            if held > 0 {
                return Ok(None);
            }
            Ok(Some(()))
        })()
        .map_err(|e| self.err(e));
        let r = match r {
            Ok(Some(())) => self.record(a).map(Some),
            Ok(None) => Ok(None),
            Err(e) => Err(e),
        };
        let end = if r.is_ok() { "COMMIT" } else { "ROLLBACK" };
        self.conn.execute_batch(end).map_err(|e| self.err(e))?;
        r
    }

    /// Moves an action to `to` with a note — only if it is still in state `from` (so a
    /// run that finished meanwhile is not overwritten). Returns whether it moved.
    pub fn transition(&self, id: i64, from: State, to: State, note: &str) -> Result<bool, Error> {
        let n = self
            .conn
            .execute(
                "UPDATE actions SET state = ?1, note = ?2, runner_pid = NULL, runner_start = NULL
                 WHERE id = ?3 AND state = ?4",
                params![to.as_str(), note, id, from.as_str()],
            )
            .map_err(|e| self.err(e))?;
        Ok(n > 0)
    }

    /// Replaces the undo information of an action (once the rule comment is known).
    pub fn set_undo(&self, id: i64, undo: &Undo) -> Result<(), Error> {
        let undo = serde_json::to_string(undo).unwrap_or_else(|_| "{}".into());
        self.conn
            .execute(
                "UPDATE actions SET undo = ?1 WHERE id = ?2",
                params![undo, id],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Marks an action undone.
    pub fn mark_undone(&self, id: i64, at: &str) -> Result<(), Error> {
        self.conn
            .execute(
                "UPDATE actions SET undone_at = ?1 WHERE id = ?2",
                params![at, id],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    fn select(&self) -> &'static str {
        if self.version >= 2 {
            "SELECT id, at, user, uid, port, protocol, how, summary, detail, undo, undone_at,
                    state, runner_pid, runner_start, note FROM actions"
        } else {
            "SELECT id, at, user, uid, port, protocol, how, summary, detail, undo, undone_at,
                    'applied', NULL, NULL, NULL FROM actions"
        }
    }

    fn query(&self, filter: &str, p: &[&dyn rusqlite::ToSql]) -> Result<Vec<Action>, Error> {
        if self.version < 1 {
            // A read-only look at a database nobody has set up yet: no records.
            return Ok(Vec::new());
        }
        let sql = format!("{} {filter}", self.select());
        let mut st = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        let rows = st
            .query_map(p, |r| {
                Ok((
                    (
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, u32>(3)?,
                        r.get::<_, u16>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                        r.get::<_, String>(7)?,
                    ),
                    (
                        r.get::<_, String>(8)?,
                        r.get::<_, String>(9)?,
                        r.get::<_, Option<String>>(10)?,
                        r.get::<_, String>(11)?,
                        r.get::<_, Option<u32>>(12)?,
                        r.get::<_, Option<i64>>(13)?,
                        r.get::<_, Option<String>>(14)?,
                    ),
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (
                (id, at, user, uid, port, protocol, how, summary),
                (detail, undo, undone_at, state, rpid, rstart, note),
            ) = row.map_err(|e| self.err(e))?;
            let runner = match (rpid, rstart.and_then(|s| u64::try_from(s).ok())) {
                (Some(pid), Some(start)) => Some(Runner { pid, start }),
                _ => None,
            };
            out.push(Action {
                id,
                at,
                user,
                uid,
                port,
                protocol,
                how,
                summary,
                detail: serde_json::from_str(&detail)
                    .map_err(|e| Error::Corrupt(id, e.to_string()))?,
                undo: serde_json::from_str(&undo).map_err(|e| Error::Corrupt(id, e.to_string()))?,
                undone_at,
                state: State::parse(&state)
                    .ok_or_else(|| Error::Corrupt(id, format!("unknown state {state:?}")))?,
                runner,
                note,
            });
        }
        Ok(out)
    }

    /// Every action, oldest first.
    pub fn actions(&self) -> Result<Vec<Action>, Error> {
        self.query("ORDER BY id", &[])
    }

    /// Actions on `port`/`protocol` that changed something and are not yet undone,
    /// newest first.
    pub fn open_actions(&self, port: u16, protocol: &str) -> Result<Vec<Action>, Error> {
        self.query(
            "WHERE port = ?1 AND protocol = ?2 AND undone_at IS NULL
             AND state IN ('applied', 'interrupted') ORDER BY id DESC",
            &[&port, &protocol],
        )
    }

    /// Actions still pending, oldest first.
    pub fn pending(&self) -> Result<Vec<Action>, Error> {
        self.query("WHERE state = 'pending' ORDER BY id", &[])
    }

    /// One action by id.
    pub fn action(&self, id: i64) -> Result<Option<Action>, Error> {
        if self.version < 1 {
            return Ok(None);
        }
        let v: Option<i64> = self
            .conn
            .query_row("SELECT id FROM actions WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?;
        match v {
            None => Ok(None),
            Some(_) => Ok(self.query("WHERE id = ?1", &[&id])?.into_iter().next()),
        }
    }
}

#[cfg(test)]
mod windows_paths {
    use super::*;

    #[test]
    fn the_journal_lives_under_localappdata() {
        let env = |k: &str| (k == "LOCALAPPDATA").then(|| r"C:\Users\a\AppData\Local".to_string());
        assert_eq!(
            windows_path(&env).expect("path"),
            PathBuf::from(r"C:\Users\a\AppData\Local\portwarden\portwarden.db")
        );
        let unc = |k: &str| (k == "LOCALAPPDATA").then(|| r"\\srv\home\a\".to_string());
        assert_eq!(
            windows_path(&unc).expect("path"),
            PathBuf::from(r"\\srv\home\a\portwarden\portwarden.db")
        );
        for bad in [None, Some(""), Some("AppData"), Some("/home/a")] {
            let env = |k: &str| {
                (k == "LOCALAPPDATA")
                    .then(|| bad.map(str::to_string))
                    .flatten()
            };
            assert!(
                matches!(windows_path(&env), Err(Error::NoLocalAppData)),
                "{bad:?}"
            );
        }
    }
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    fn new(port: u16) -> NewAction {
        NewAction {
            at: "2026-11-23T00:00:00Z".into(),
            user: "root".into(),
            uid: 0,
            port,
            protocol: "tcp".into(),
            how: "firewall".into(),
            summary: "drop inbound".into(),
            detail: serde_json::json!({"rule": "tcp dport 8080 drop"}),
            undo: Undo::DeleteRule {
                comment: "portwarden:1".into(),
                persisted: None,
            },
            state: State::Applied,
            runner: None,
            note: None,
        }
    }

    /// A private scratch directory (0700) for one test.
    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("pw-store-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir(&d).unwrap();
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700)).unwrap();
        d
    }

    fn is_root() -> bool {
        nix::unistd::geteuid().is_root()
    }

    #[test]
    fn journal_round_trip_and_undo() {
        let s = Store::in_memory().unwrap();
        assert_eq!(s.version().unwrap(), SCHEMA_VERSION);
        let id = s.record(&new(8080)).unwrap();
        s.record(&new(9090)).unwrap();
        let open = s.open_actions(8080, "tcp").unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].id, id);
        assert_eq!(open[0].detail["rule"], "tcp dport 8080 drop");
        s.mark_undone(id, "2026-11-23T00:01:00Z").unwrap();
        assert!(s.open_actions(8080, "tcp").unwrap().is_empty());
        assert_eq!(s.actions().unwrap().len(), 2);
        assert!(s.action(id).unwrap().unwrap().undone_at.is_some());
        assert!(s.action(999).unwrap().is_none());
    }

    #[test]
    fn pending_then_applied_or_failed() {
        let s = Store::in_memory().unwrap();
        let runner = Some(Runner { pid: 7, start: 99 });
        let a = s
            .record(&NewAction {
                state: State::Pending,
                runner,
                ..new(80)
            })
            .unwrap();
        let b = s
            .record(&NewAction {
                state: State::Pending,
                runner,
                ..new(80)
            })
            .unwrap();
        assert_eq!(s.pending().unwrap().len(), 2);
        assert_eq!(s.pending().unwrap()[0].runner, runner);
        // Pending actions have changed nothing yet: not offered for undo.
        assert!(s.open_actions(80, "tcp").unwrap().is_empty());
        s.mark_applied(a, "done", &serde_json::json!({}), &new(80).undo)
            .unwrap();
        assert!(s
            .transition(b, State::Pending, State::Failed, "gone")
            .unwrap());
        // A transition from a state the record is no longer in does nothing.
        assert!(!s.transition(a, State::Pending, State::Failed, "x").unwrap());
        let all = s.actions().unwrap();
        assert_eq!(all[0].state, State::Applied);
        assert_eq!(all[0].runner, None);
        assert_eq!(all[1].state, State::Failed);
        assert_eq!(all[1].note.as_deref(), Some("gone"));
        assert_eq!(s.open_actions(80, "tcp").unwrap().len(), 1);
    }

    #[test]
    fn records_unless_something_is_in_the_way() {
        let s = Store::in_memory().unwrap();
        let id = s.record_unless(&new(80), &|_| true).unwrap().unwrap();
        let other = s.record_unless(&new(80), &|a| a.id == id).unwrap();
        assert_eq!(other.map_err(|a| a.id), Err(id));
        assert!(s.record_unless(&new(81), &|_| true).unwrap().is_ok());
        assert_eq!(s.actions().unwrap().len(), 2);
    }

    #[test]
    fn adopts_a_rule_once() {
        let s = Store::in_memory().unwrap();
        let a = NewAction {
            undo: Undo::DeleteRule {
                comment: "portwarden:80:tcp:drop:z".into(),
                persisted: None,
            },
            ..new(80)
        };
        let id = s.adopt("portwarden:80:tcp:drop:z", &a).unwrap().unwrap();
        assert_eq!(s.adopt("portwarden:80:tcp:drop:z", &a).unwrap(), None);
        s.mark_undone(id, "t").unwrap();
        assert!(s.adopt("portwarden:80:tcp:drop:z", &a).unwrap().is_some());
        assert_eq!(s.actions().unwrap().len(), 2);
    }

    #[test]
    fn migrates_a_file_and_refuses_a_newer_one() {
        let dir = scratch("migrate");
        let path = dir.join("sub/portwarden.db");
        {
            let s = Store::open(&path).unwrap();
            s.record(&new(1)).unwrap();
        }
        let s = Store::open(&path).unwrap();
        assert_eq!(s.actions().unwrap().len(), 1);
        s.conn.pragma_update(None, "user_version", 99).unwrap();
        drop(s);
        assert!(matches!(Store::open(&path), Err(Error::TooNew(99, _))));
        assert!(matches!(
            Store::open_read_only(&path),
            Err(Error::TooNew(99, _))
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_version_3_history_is_read_then_upgraded_to_host_identity() {
        let dir = scratch("v3");
        let path = dir.join("portwarden.db");
        {
            let conn = Connection::open(&path).unwrap();
            for m in &MIGRATIONS[..3] {
                conn.execute_batch(m).unwrap();
            }
            conn.pragma_update(None, "user_version", 3).unwrap();
            let body = history::deflate("{}");
            conn.execute(
                "INSERT INTO snapshot_bodies (hash, body) VALUES (1, ?1)",
                [body],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO snapshots (at, at_unix, host, command, kind, target, listeners,
                 findings, body_id) VALUES ('t', 1, 'old', 'c', 'audit', 'local', 0, 0, 1)",
                [],
            )
            .unwrap();
        }
        // A read-only look does not migrate, and still lists and filters.
        let ro = Store::open_read_only(&path).unwrap().unwrap();
        assert_eq!(ro.version, 3);
        let f = Filter {
            host: Some("old"),
            ..Filter::default()
        };
        assert_eq!(ro.snapshots_where(&f).unwrap().len(), 1);
        assert_eq!(ro.snapshot(1).unwrap().unwrap().0.uid, "");
        drop(ro);
        let s = Store::open(&path).unwrap();
        assert_eq!(s.version, SCHEMA_VERSION);
        let old = &s.snapshots(None, None).unwrap()[0];
        assert_eq!((old.host.as_str(), old.host_id.as_str()), ("old", ""));
        let id = s
            .save_snapshot(&NewSnapshot {
                host_id: "m",
                body: "{}",
                ..NewSnapshot::default()
            })
            .unwrap();
        assert_eq!(s.snapshot(id).unwrap().unwrap().0.uid.len(), 32);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_version_1_journal_is_read_and_upgraded() {
        let dir = scratch("v1");
        let path = dir.join("portwarden.db");
        {
            let c = Connection::open(&path).unwrap();
            c.execute_batch(MIGRATIONS[0]).unwrap();
            c.pragma_update(None, "user_version", 1).unwrap();
            c.execute(
                "INSERT INTO actions (at, user, uid, port, protocol, how, summary, detail, undo)
                 VALUES ('t', 'root', 0, 8080, 'tcp', 'firewall', 's', '{}',
                 '{\"kind\":\"delete-rule\",\"comment\":\"c\",\"persisted\":null}')",
                [],
            )
            .unwrap();
        }
        // Read-only: read as it is, not migrated.
        let ro = Store::open_read_only(&path).unwrap().unwrap();
        assert_eq!(ro.actions().unwrap()[0].state, State::Applied);
        assert_eq!(ro.version().unwrap(), 1);
        drop(ro);
        let s = Store::open(&path).unwrap();
        assert_eq!(s.version().unwrap(), SCHEMA_VERSION);
        assert_eq!(s.open_actions(8080, "tcp").unwrap().len(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn read_only_open_after_a_writer_was_killed() {
        // The files as a writer killed mid-transaction leaves them: the database with
        // uncommitted pages written, and the hot journal that undoes them.
        let dir = scratch("hot");
        let path = dir.join("portwarden.db");
        let s = Store::open(&path).unwrap();
        s.record(&new(1)).unwrap();
        s.conn
            .execute_batch("PRAGMA cache_size = 1; BEGIN")
            .unwrap();
        for _ in 0..200 {
            s.conn
                .execute(
                    "INSERT INTO actions (at, user, uid, port, protocol, how, summary, detail, undo)
                     VALUES ('t', 'u', 0, 2, 'tcp', 'kill', ?1, '{}', '{}')",
                    ["x".repeat(2000)],
                )
                .unwrap();
        }
        let crashed = dir.join("crashed.db");
        std::fs::copy(&path, &crashed).unwrap();
        let journal = dir.join("portwarden.db-journal");
        assert!(journal.exists());
        std::fs::copy(&journal, dir.join("crashed.db-journal")).unwrap();
        drop(s);
        let ro = Store::open_read_only(&crashed).unwrap().unwrap();
        assert_eq!(ro.actions().unwrap().len(), 1, "the last committed state");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn concurrent_first_opens_all_succeed() {
        // Every opener sees an empty file at once; the version is decided inside the
        // migration's transaction, so exactly one of them creates the schema.
        for round in 0..3 {
            let dir = scratch(&format!("race{round}"));
            let path = dir.join("portwarden.db");
            let gate = std::sync::Arc::new(std::sync::Barrier::new(100));
            let threads: Vec<_> = (0..100)
                .map(|_| {
                    let (p, g) = (path.clone(), gate.clone());
                    std::thread::spawn(move || {
                        g.wait();
                        Store::open(&p).map(|s| s.record(&new(1)).map(|_| ()))
                    })
                })
                .collect();
            for t in threads {
                let r = t.join().unwrap();
                assert!(matches!(r, Ok(Ok(()))), "{r:?}");
            }
            let s = Store::open(&path).unwrap();
            assert_eq!(s.actions().unwrap().len(), 100);
            let _ = std::fs::remove_dir_all(&dir);
        }
    }

    #[test]
    fn read_only_open_of_a_missing_journal_creates_nothing() {
        let dir = scratch("ro");
        let path = dir.join("sub/portwarden.db");
        assert!(Store::open_read_only(&path).unwrap().is_none());
        assert!(!dir.join("sub").exists());
        let path = dir.join("portwarden.db");
        assert!(Store::open_read_only(&path).unwrap().is_none());
        assert!(!path.exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn private_modes_whatever_the_umask() {
        let dir = scratch("umask");
        let path = dir.join("a/b/portwarden.db");
        let old = nix::sys::stat::umask(nix::sys::stat::Mode::empty());
        let r = Store::open(&path);
        nix::sys::stat::umask(old);
        r.unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().mode() & 0o777;
        assert_eq!(mode(&dir.join("a/b")), 0o700);
        assert_eq!(mode(&path), 0o600);
        // An existing journal readable by others is made private.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        Store::open(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn refuses_a_symlink_and_a_world_writable_directory() {
        let dir = scratch("hostile");
        let real = dir.join("real.db");
        Store::open(&real).unwrap();
        let link = dir.join("link.db");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        for r in [
            Store::open(&link).map(|_| ()),
            Store::open_read_only(&link).map(|_| ()),
        ] {
            let e = r.unwrap_err().to_string();
            assert!(e.contains("symbolic link"), "{e}");
        }
        // A symlinked directory.
        std::os::unix::fs::symlink(&dir, dir.join("dirlink")).unwrap();
        let e = Store::open(&dir.join("dirlink/x.db"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("symbolic link"), "{e}");
        // A directory every user may write to (sticky or not).
        let open = dir.join("open");
        std::fs::create_dir(&open).unwrap();
        for m in [0o777, 0o1777] {
            std::fs::set_permissions(&open, std::fs::Permissions::from_mode(m)).unwrap();
            let e = Store::open(&open.join("x.db")).unwrap_err().to_string();
            assert!(e.contains("writable by every user"), "{e}");
        }
        assert!(!open.join("x.db").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn refuses_a_journal_owned_by_another_user() {
        if !is_root() {
            portwarden_testkit::skip("needs root to give a file to another user");
            return;
        }
        let dir = scratch("owner");
        let path = dir.join("portwarden.db");
        Store::open(&path).unwrap();
        let nobody = nix::unistd::Uid::from_raw(65534);
        nix::unistd::chown(&path, Some(nobody), None).unwrap();
        for r in [
            Store::open(&path).map(|_| ()),
            Store::open_read_only(&path).map(|_| ()),
        ] {
            let e = r.unwrap_err().to_string();
            assert!(e.contains("owned by uid 65534"), "{e}");
        }
        nix::unistd::chown(&path, Some(nix::unistd::Uid::from_raw(0)), None).unwrap();
        let sub = dir.join("theirs");
        std::fs::create_dir(&sub).unwrap();
        nix::unistd::chown(&sub, Some(nobody), None).unwrap();
        let e = Store::open(&sub.join("x.db")).unwrap_err().to_string();
        assert!(e.contains("owned by uid 65534"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn default_paths() {
        let env = |k: &str| match k {
            "HOME" => Some("/home/a".to_string()),
            _ => None,
        };
        assert_eq!(
            default_path(&env, false).unwrap(),
            PathBuf::from("/home/a/.local/share/portwarden/portwarden.db")
        );
        assert_eq!(
            default_path(&env, true).unwrap(),
            PathBuf::from("/var/lib/portwarden/portwarden.db")
        );
        let env2 = |k: &str| (k == "PORTWARDEN_DB").then(|| "/tmp/x.db".to_string());
        assert_eq!(
            default_path(&env2, true).unwrap(),
            PathBuf::from("/tmp/x.db")
        );
        // No HOME (or a relative one): no journal, never a /tmp fallback.
        assert!(matches!(default_path(&|_| None, false), Err(Error::NoHome)));
        let rel = |k: &str| (k == "HOME").then(|| "home".to_string());
        assert!(matches!(default_path(&rel, false), Err(Error::NoHome)));
    }
}
