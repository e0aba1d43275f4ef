//! The store behind `--save`, `history`, `diff`, `baseline`, `report` and `fleet`: one
//! trait, [`History`], with two implementations chosen at run time by a
//! [`Location`] — the embedded SQLite file (the default) or a PostgreSQL server
//! (`--store postgres://…` or `PORTWARDEN_STORE`). Both run the same versioned
//! migrations (one list per backend, the same schema meaning) and give the same results.
//!
//! The action journal of `close`/`open` lives in the same store, chosen the same way
//! (see `journal`): on PostgreSQL every journal row carries its host's identity.

use crate::{Acceptance, Error, Filter, NewAcceptance, NewSnapshot, SnapshotRow, Store};
use std::path::PathBuf;

/// Where the store is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://user@host/db`, `postgresql:///db?host=/run/x`).
    Postgres(String),
}

impl Location {
    /// Parses `--store`: a `postgres://` or `postgresql://` URL, `sqlite:PATH`, or a path.
    pub fn parse(s: &str) -> Result<Location, Error> {
        let t = s.trim();
        if t.is_empty() {
            return Err(Error::BadLocation("is empty".into()));
        }
        let lower = t.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            crate::pg::check_url(t)?;
            return Ok(Location::Postgres(t.to_string()));
        }
        if let Some(p) = t
            .strip_prefix("sqlite://")
            .or_else(|| t.strip_prefix("sqlite:"))
        {
            if p.is_empty() {
                return Err(Error::BadLocation("sqlite: needs a file path".into()));
            }
            return Ok(Location::Sqlite(PathBuf::from(p)));
        }
        if let Some((scheme, _)) = t.split_once("://") {
            let scheme: String = scheme
                .chars()
                .take(20)
                .flat_map(char::escape_default)
                .collect();
            return Err(Error::BadLocation(format!(
                "{scheme}:// is not a store this portwarden knows (postgres://, sqlite:PATH or a file path)"
            )));
        }
        Ok(Location::Sqlite(PathBuf::from(t)))
    }

    /// The location for people: a path, or the URL without its password.
    pub fn shown(&self) -> String {
        match self {
            Location::Sqlite(p) => p.display().to_string(),
            Location::Postgres(u) => crate::pg::redact(u),
        }
    }
}

/// The history store: snapshots and the baseline. Methods take `&self`; a store is used
/// by one thread (open one per writer).
pub trait History {
    /// Saves a snapshot; returns its id. A `uid` already stored is not stored again.
    fn save_snapshot(&self, s: &NewSnapshot<'_>) -> Result<i64, Error>;
    /// Snapshots matching `f`, oldest first.
    fn snapshots_where(&self, f: &Filter<'_>) -> Result<Vec<SnapshotRow>, Error>;
    /// One snapshot with its body (JSON text).
    fn snapshot(&self, id: i64) -> Result<Option<(SnapshotRow, String)>, Error>;
    /// Deletes the snapshots matching `f` beyond the newest `keep` of each host, and
    /// those before `before`; how many went.
    fn prune_snapshots(
        &self,
        f: &Filter<'_>,
        keep: Option<usize>,
        before: Option<i64>,
    ) -> Result<usize, Error>;
    /// Records acceptances (one transaction); their ids.
    fn baseline_accept(&self, rows: &[NewAcceptance]) -> Result<Vec<i64>, Error>;
    /// Acceptances not revoked, oldest first.
    fn baseline(&self) -> Result<Vec<Acceptance>, Error>;
    /// Revokes an acceptance; false when there is no such live acceptance.
    fn baseline_revoke(&self, id: i64, at: &str) -> Result<bool, Error>;
    /// The schema version of the open store.
    fn schema_version(&self) -> i64;
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Snapshots of `kind` and `target` when given, oldest first.
    fn snapshots(
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
}

impl History for Store {
    fn save_snapshot(&self, s: &NewSnapshot<'_>) -> Result<i64, Error> {
        Store::save_snapshot(self, s)
    }
    fn snapshots_where(&self, f: &Filter<'_>) -> Result<Vec<SnapshotRow>, Error> {
        Store::snapshots_where(self, f)
    }
    fn snapshot(&self, id: i64) -> Result<Option<(SnapshotRow, String)>, Error> {
        Store::snapshot(self, id)
    }
    fn prune_snapshots(
        &self,
        f: &Filter<'_>,
        keep: Option<usize>,
        before: Option<i64>,
    ) -> Result<usize, Error> {
        Store::prune_snapshots(self, f, keep, before)
    }
    fn baseline_accept(&self, rows: &[NewAcceptance]) -> Result<Vec<i64>, Error> {
        Store::baseline_accept(self, rows)
    }
    fn baseline(&self) -> Result<Vec<Acceptance>, Error> {
        Store::baseline(self)
    }
    fn baseline_revoke(&self, id: i64, at: &str) -> Result<bool, Error> {
        Store::baseline_revoke(self, id, at)
    }
    fn schema_version(&self) -> i64 {
        self.version
    }
    fn backend(&self) -> &'static str {
        "sqlite"
    }
}

/// Opens the store at `loc` for writing, creating and migrating it as needed.
pub fn open(loc: &Location) -> Result<Box<dyn History>, Error> {
    Ok(match loc {
        Location::Sqlite(p) => Box::new(Store::open(p)?),
        Location::Postgres(u) => Box::new(crate::pg::PgStore::open(u, true)?),
    })
}

/// Opens the store at `loc` for reading: nothing is created or migrated. `None` when
/// there is no store there yet.
pub fn open_read_only(loc: &Location) -> Result<Option<Box<dyn History>>, Error> {
    Ok(match loc {
        Location::Sqlite(p) => Store::open_read_only(p)?.map(|s| Box::new(s) as Box<dyn History>),
        Location::Postgres(u) => {
            let s = crate::pg::PgStore::open(u, false)?;
            (s.schema_version() > 0).then(|| Box::new(s) as Box<dyn History>)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations() {
        assert_eq!(
            Location::parse("/var/lib/x.db").unwrap(),
            Location::Sqlite("/var/lib/x.db".into())
        );
        assert_eq!(
            Location::parse("sqlite:/tmp/a.db").unwrap(),
            Location::Sqlite("/tmp/a.db".into())
        );
        assert_eq!(
            Location::parse("postgres://pw@127.0.0.1:5433/fleet").unwrap(),
            Location::Postgres("postgres://pw@127.0.0.1:5433/fleet".into())
        );
        for bad in ["", "  ", "mysql://x/y", "sqlite:"] {
            assert!(Location::parse(bad).is_err(), "{bad}");
        }
        let e = Location::parse("postgres://u@h/db?sslmode=require")
            .unwrap_err()
            .to_string();
        assert!(e.contains("TLS"), "{e}");
        assert_eq!(
            Location::parse("postgres://u:secret@h/db").unwrap().shown(),
            "postgres://u:***@h/db"
        );
    }
}
