//! The SQLite store: a journal of every action portwarden takes on a port, with what it
//! needs to be undone. Schema changes are migrations keyed by `PRAGMA user_version`, so an
//! old database is upgraded in place when a newer portwarden opens it.

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

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
    /// The directory could not be created.
    #[error("cannot create {path}: {source}")]
    Dir {
        /// The directory.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A stored record could not be decoded.
    #[error("corrupt journal record {0}: {1}")]
    Corrupt(i64, String),
    /// The database was written by a newer portwarden.
    #[error(
        "database schema version {0} is newer than this portwarden knows ({1}); upgrade portwarden"
    )]
    TooNew(i64, i64),
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
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

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
    /// Nothing can bring it back; here is what it was.
    Irreversible {
        /// Why.
        reason: String,
        /// Command lines of what was stopped.
        cmdlines: Vec<String>,
    },
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
}

/// The open store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: String,
}

/// Where the store lives: `$PORTWARDEN_DB` if set, else `/var/lib/portwarden` for root,
/// else `$XDG_DATA_HOME/portwarden` (or `~/.local/share/portwarden`).
pub fn default_path(env: &dyn Fn(&str) -> Option<String>, is_root: bool) -> PathBuf {
    if let Some(p) = env("PORTWARDEN_DB").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let dir = if is_root {
        PathBuf::from("/var/lib/portwarden")
    } else if let Some(x) = env("XDG_DATA_HOME").filter(|p| p.starts_with('/')) {
        PathBuf::from(x).join("portwarden")
    } else {
        PathBuf::from(env("HOME").unwrap_or_else(|| "/tmp".into())).join(".local/share/portwarden")
    };
    dir.join("portwarden.db")
}

impl Store {
    /// Opens (creating and migrating as needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Store, Error> {
        let shown = path.display().to_string();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| Error::Dir {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(|source| Error::Sqlite {
            path: shown.clone(),
            source,
        })?;
        let mut s = Store { conn, path: shown };
        s.migrate()?;
        Ok(s)
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
        let v: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if v > SCHEMA_VERSION {
            return Err(Error::TooNew(v, SCHEMA_VERSION));
        }
        for (i, m) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(v).unwrap_or(0))
        {
            let tx = self.conn.transaction().map_err(|e| Error::Sqlite {
                path: self.path.clone(),
                source: e,
            })?;
            tx.execute_batch(m)
                .and_then(|_| tx.pragma_update(None, "user_version", i as i64 + 1))
                .and_then(|_| tx.commit())
                .map_err(|e| Error::Sqlite {
                    path: self.path.clone(),
                    source: e,
                })?;
        }
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
                "INSERT INTO actions (at, user, uid, port, protocol, how, summary, detail, undo)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    a.at,
                    a.user,
                    a.uid,
                    a.port,
                    a.protocol,
                    a.how,
                    a.summary,
                    a.detail.to_string(),
                    undo
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
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

    fn query(&self, sql: &str, p: &[&dyn rusqlite::ToSql]) -> Result<Vec<Action>, Error> {
        let mut st = self.conn.prepare(sql).map_err(|e| self.err(e))?;
        let rows = st
            .query_map(p, |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, u32>(3)?,
                    r.get::<_, u16>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                    r.get::<_, String>(9)?,
                    r.get::<_, Option<String>>(10)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, at, user, uid, port, protocol, how, summary, detail, undo, undone_at) =
                row.map_err(|e| self.err(e))?;
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
            });
        }
        Ok(out)
    }

    /// Every action, oldest first.
    pub fn actions(&self) -> Result<Vec<Action>, Error> {
        self.query(
            "SELECT id, at, user, uid, port, protocol, how, summary, detail, undo, undone_at
             FROM actions ORDER BY id",
            &[],
        )
    }

    /// Actions on `port`/`protocol` not yet undone, newest first.
    pub fn open_actions(&self, port: u16, protocol: &str) -> Result<Vec<Action>, Error> {
        self.query(
            "SELECT id, at, user, uid, port, protocol, how, summary, detail, undo, undone_at
             FROM actions WHERE port = ?1 AND protocol = ?2 AND undone_at IS NULL
             ORDER BY id DESC",
            &[&port, &protocol],
        )
    }

    /// One action by id.
    pub fn action(&self, id: i64) -> Result<Option<Action>, Error> {
        let v: Option<i64> = self
            .conn
            .query_row("SELECT id FROM actions WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?;
        match v {
            None => Ok(None),
            Some(_) => Ok(self
                .query(
                    "SELECT id, at, user, uid, port, protocol, how, summary, detail, undo, undone_at
                     FROM actions WHERE id = ?1",
                    &[&id],
                )?
                .into_iter()
                .next()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        }
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
    fn migrates_a_file_and_refuses_a_newer_one() {
        let dir = std::env::temp_dir().join(format!("pw-store-{}", std::process::id()));
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
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn default_paths() {
        let env = |k: &str| match k {
            "HOME" => Some("/home/a".to_string()),
            _ => None,
        };
        assert_eq!(
            default_path(&env, false),
            PathBuf::from("/home/a/.local/share/portwarden/portwarden.db")
        );
        assert_eq!(
            default_path(&env, true),
            PathBuf::from("/var/lib/portwarden/portwarden.db")
        );
        let env2 = |k: &str| (k == "PORTWARDEN_DB").then(|| "/tmp/x.db".to_string());
        assert_eq!(default_path(&env2, true), PathBuf::from("/tmp/x.db"));
    }
}
