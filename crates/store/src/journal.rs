//! The action journal of `close`, `open`, `watch --block`, `unblock` and `top`: one
//! trait, [`Journal`], holding exactly what `portwarden-control` needs, with two
//! implementations chosen at run time — the local SQLite file (the default) and a
//! PostgreSQL server (`--store postgres://…`), where every row carries the identity of
//! the host whose firewall it is about.
//!
//! Both keep the guarantees of the journal: an action is recorded `pending` before it
//! is carried out; "record unless something is in the way" and "adopt a rule once" are
//! one serialized transaction (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: an advisory lock
//! keyed by the host), so two processes closing the same port at once add one rule; a
//! transition happens only from the state the record is still in.
//!
//! On PostgreSQL a journal sees, changes, reconciles and undoes only its own host's
//! rows: host A's `close`, `open` and reconciliation never touch host B's, whose
//! firewall A cannot see. [`Journal::all_hosts`] is the one read across hosts.

use crate::{Action, Error, Location, NewAction, State, Store, Undo};
use serde::Serialize;

/// One action of some host, for listings across hosts (`actions --all-hosts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostAction {
    /// The host's identity (machine id or `--host-id`); empty in a local SQLite journal,
    /// which knows only this host.
    pub host_id: String,
    /// The host's name, for people.
    pub host: String,
    /// The action.
    #[serde(flatten)]
    pub action: Action,
}

/// The journal of actions on this host's ports. Methods take `&self`; a journal is used
/// by one thread (open one per writer).
pub trait Journal {
    /// Records an action; returns its id.
    fn record(&self, a: &NewAction) -> Result<i64, Error>;
    /// Marks an action applied, with what it turned out to be.
    fn mark_applied(
        &self,
        id: i64,
        summary: &str,
        detail: &serde_json::Value,
        undo: &Undo,
    ) -> Result<(), Error>;
    /// Records `a` unless an action on the same port and protocol that is not undone
    /// (applied or pending) makes `conflict` true; the look and the insert are one
    /// serialized transaction. Returns the new id, or the action in the way.
    fn record_unless(
        &self,
        a: &NewAction,
        conflict: &dyn Fn(&Action) -> bool,
    ) -> Result<Result<i64, Action>, Error>;
    /// Records `a` (a rule found without a record) unless an action not yet undone holds
    /// the rule comment `comment`; one serialized transaction. Returns the new id.
    fn adopt(&self, comment: &str, a: &NewAction) -> Result<Option<i64>, Error>;
    /// Moves an action from `from` to `to` with a note, only if it is still in `from`.
    fn transition(&self, id: i64, from: State, to: State, note: &str) -> Result<bool, Error>;
    /// Replaces the undo information of an action.
    fn set_undo(&self, id: i64, undo: &Undo) -> Result<(), Error>;
    /// Marks an action undone.
    fn mark_undone(&self, id: i64, at: &str) -> Result<(), Error>;
    /// Every action of this host, oldest first.
    fn actions(&self) -> Result<Vec<Action>, Error>;
    /// Actions on `port`/`protocol` that changed something and are not undone, newest
    /// first.
    fn open_actions(&self, port: u16, protocol: &str) -> Result<Vec<Action>, Error>;
    /// Actions still pending, oldest first.
    fn pending(&self) -> Result<Vec<Action>, Error>;
    /// One of this host's actions by id.
    fn action(&self, id: i64) -> Result<Option<Action>, Error>;
    /// Every host's actions, by host then oldest first (a local journal: this host's).
    fn all_hosts(&self) -> Result<Vec<HostAction>, Error>;
    /// `sqlite` or `postgres`.
    fn journal_backend(&self) -> &'static str;
}

impl Journal for Store {
    fn record(&self, a: &NewAction) -> Result<i64, Error> {
        Store::record(self, a)
    }
    fn mark_applied(
        &self,
        id: i64,
        summary: &str,
        detail: &serde_json::Value,
        undo: &Undo,
    ) -> Result<(), Error> {
        Store::mark_applied(self, id, summary, detail, undo)
    }
    fn record_unless(
        &self,
        a: &NewAction,
        conflict: &dyn Fn(&Action) -> bool,
    ) -> Result<Result<i64, Action>, Error> {
        Store::record_unless(self, a, conflict)
    }
    fn adopt(&self, comment: &str, a: &NewAction) -> Result<Option<i64>, Error> {
        Store::adopt(self, comment, a)
    }
    fn transition(&self, id: i64, from: State, to: State, note: &str) -> Result<bool, Error> {
        Store::transition(self, id, from, to, note)
    }
    fn set_undo(&self, id: i64, undo: &Undo) -> Result<(), Error> {
        Store::set_undo(self, id, undo)
    }
    fn mark_undone(&self, id: i64, at: &str) -> Result<(), Error> {
        Store::mark_undone(self, id, at)
    }
    fn actions(&self) -> Result<Vec<Action>, Error> {
        Store::actions(self)
    }
    fn open_actions(&self, port: u16, protocol: &str) -> Result<Vec<Action>, Error> {
        Store::open_actions(self, port, protocol)
    }
    fn pending(&self) -> Result<Vec<Action>, Error> {
        Store::pending(self)
    }
    fn action(&self, id: i64) -> Result<Option<Action>, Error> {
        Store::action(self, id)
    }
    fn all_hosts(&self) -> Result<Vec<HostAction>, Error> {
        Ok(Store::actions(self)?
            .into_iter()
            .map(|action| HostAction {
                host_id: String::new(),
                host: String::new(),
                action,
            })
            .collect())
    }
    fn journal_backend(&self) -> &'static str {
        "sqlite"
    }
}

/// Who this host is in a shared journal: its identity (machine id or `--host-id`) and
/// its name for people.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostIdentity {
    /// The identity the snapshots use too.
    pub id: String,
    /// The host name.
    pub name: String,
}

/// Opens the journal at `loc` for writing (creating and migrating it as needed). On
/// PostgreSQL the rows are this `host`'s; a host without an identity is refused.
pub fn open_journal(loc: &Location, host: &HostIdentity) -> Result<Box<dyn Journal>, Error> {
    Ok(match loc {
        Location::Sqlite(p) => Box::new(Store::open(p)?),
        Location::Postgres(u) => Box::new(crate::pg::PgStore::open_journal(u, host, true)?),
    })
}

/// Opens the journal at `loc` for reading: nothing is created or migrated. `None` when
/// there is no journal there yet (an empty one).
pub fn open_journal_read_only(
    loc: &Location,
    host: &HostIdentity,
) -> Result<Option<Box<dyn Journal>>, Error> {
    Ok(match loc {
        Location::Sqlite(p) => Store::open_read_only(p)?.map(|s| Box::new(s) as Box<dyn Journal>),
        Location::Postgres(u) => {
            let s = crate::pg::PgStore::open_journal(u, host, false)?;
            s.has_journal().then(|| Box::new(s) as Box<dyn Journal>)
        }
    })
}
