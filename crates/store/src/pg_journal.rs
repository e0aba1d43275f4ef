//! The action journal on PostgreSQL: the same records as the SQLite journal, each row
//! carrying the host it belongs to. Every read and write is scoped to this host's
//! rows (also the updates by id, so a mistyped id never reaches another host's record);
//! "record unless in the way" and "adopt once" run in one transaction under an advisory
//! lock keyed by the host, so two processes on one host serialize as `BEGIN IMMEDIATE`
//! makes them on SQLite, while other hosts are not held up.

use crate::journal::{HostAction, HostIdentity, Journal};
use crate::pg::{pg_err, PgStore};
use crate::{Action, Error, NewAction, Runner, State, Undo};
use postgres::GenericClient;

/// The schema version that holds the journal.
const JOURNAL_VERSION: i64 = 2;

const SELECT: &str = "SELECT id, host_id, host, at, \"user\", uid, port, protocol, how, summary,
    detail, undo, undone_at, state, runner_pid, runner_start, note FROM actions";

/// The rule comment an undo holds, if any (kept in its own column for adoption).
fn comment_of(u: &Undo) -> Option<&str> {
    match u {
        Undo::DeleteRule { comment, .. } => Some(comment),
        _ => None,
    }
}

fn undo_text(u: &Undo) -> String {
    serde_json::to_string(u).unwrap_or_else(|_| "{}".into())
}

fn row(r: &postgres::Row) -> Result<HostAction, Error> {
    let id: i64 = r.get(0);
    let bad = |what: &str| Error::Corrupt(id, what.to_string());
    let uid: i64 = r.get(5);
    let port: i32 = r.get(6);
    let detail: String = r.get(10);
    let undo: String = r.get(11);
    let state: String = r.get(13);
    let rpid: Option<i64> = r.get(14);
    let rstart: Option<i64> = r.get(15);
    let runner = match (
        rpid.and_then(|p| u32::try_from(p).ok()),
        rstart.and_then(|s| u64::try_from(s).ok()),
    ) {
        (Some(pid), Some(start)) => Some(Runner { pid, start }),
        _ => None,
    };
    Ok(HostAction {
        host_id: r.get(1),
        host: r.get(2),
        action: Action {
            id,
            at: r.get(3),
            user: r.get(4),
            uid: u32::try_from(uid).map_err(|_| bad("uid out of range"))?,
            port: u16::try_from(port).map_err(|_| bad("port out of range"))?,
            protocol: r.get(7),
            how: r.get(8),
            summary: r.get(9),
            detail: serde_json::from_str(&detail).map_err(|e| bad(&e.to_string()))?,
            undo: serde_json::from_str(&undo).map_err(|e| bad(&e.to_string()))?,
            undone_at: r.get(12),
            state: State::parse(&state).ok_or_else(|| bad(&format!("unknown state {state:?}")))?,
            runner,
            note: r.get(16),
        },
    })
}

impl PgStore {
    /// Connects to the journal of `host` at `url`; with `write`, creates and migrates the
    /// schema as needed. A host without an identity is refused: its rows could not be
    /// told from another's.
    pub fn open_journal(url: &str, host: &HostIdentity, write: bool) -> Result<PgStore, Error> {
        if host.id.is_empty() {
            return Err(Error::NoHostId);
        }
        let mut s = PgStore::open(url, write)?;
        s.host = host.clone();
        Ok(s)
    }

    /// Whether the database holds a journal (a read-only open of an older or empty one
    /// does not).
    pub(crate) fn has_journal(&self) -> bool {
        self.version >= JOURNAL_VERSION
    }

    fn insert(&self, c: &mut impl GenericClient, a: &NewAction) -> Result<i64, Error> {
        let undo = undo_text(&a.undo);
        c.query_one(
            "INSERT INTO actions (host_id, host, at, \"user\", uid, port, protocol, how, summary,
                                  detail, undo, state, runner_pid, runner_start, note,
                                  rule_comment)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
             RETURNING id",
            &[
                &self.host.id,
                &self.host.name,
                &a.at,
                &a.user,
                &i64::from(a.uid),
                &i32::from(a.port),
                &a.protocol,
                &a.how,
                &a.summary,
                &a.detail.to_string(),
                &undo,
                &a.state.as_str(),
                &a.runner.map(|r| i64::from(r.pid)),
                &a.runner.map(|r| i64::try_from(r.start).unwrap_or(i64::MAX)),
                &a.note,
                &comment_of(&a.undo),
            ],
        )
        .map(|r| r.get(0))
        .map_err(|e| self.err(&e))
    }

    fn select(
        &self,
        filter: &str,
        p: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Action>, Error> {
        if !self.has_journal() {
            return Ok(Vec::new());
        }
        let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> = vec![&self.host.id];
        params.extend_from_slice(p);
        let sql = format!("{SELECT} WHERE host_id = $1 {filter}");
        let rows = self
            .client
            .borrow_mut()
            .query(&sql, &params)
            .map_err(|e| self.err(&e))?;
        rows.iter().map(|r| row(r).map(|h| h.action)).collect()
    }

    fn update(&self, sql: &str, p: &[&(dyn postgres::types::ToSql + Sync)]) -> Result<u64, Error> {
        self.client
            .borrow_mut()
            .execute(sql, p)
            .map_err(|e| self.err(&e))
    }

    /// Runs `f` in one transaction holding this host's journal lock.
    fn locked<T>(
        &self,
        f: impl FnOnce(&mut postgres::Transaction<'_>) -> Result<Option<T>, Error>,
    ) -> Result<Option<T>, Error> {
        let url = self.url.clone();
        let mut c = self.client.borrow_mut();
        let mut tx = c.transaction().map_err(|e| pg_err(&url, &e))?;
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended('portwarden-journal:' || $1, 0))",
            &[&self.host.id],
        )
        .map_err(|e| pg_err(&url, &e))?;
        let r = f(&mut tx)?;
        if r.is_some() {
            tx.commit().map_err(|e| pg_err(&url, &e))?;
        } else {
            tx.rollback().map_err(|e| pg_err(&url, &e))?;
        }
        Ok(r)
    }
}

impl Journal for PgStore {
    fn record(&self, a: &NewAction) -> Result<i64, Error> {
        let mut c = self.client.borrow_mut();
        self.insert(&mut *c, a)
    }

    fn mark_applied(
        &self,
        id: i64,
        summary: &str,
        detail: &serde_json::Value,
        undo: &Undo,
    ) -> Result<(), Error> {
        self.update(
            "UPDATE actions SET state = 'applied', summary = $1, detail = $2, undo = $3,
             rule_comment = $4, runner_pid = NULL, runner_start = NULL
             WHERE id = $5 AND host_id = $6",
            &[
                &summary,
                &detail.to_string(),
                &undo_text(undo),
                &comment_of(undo),
                &id,
                &self.host.id,
            ],
        )
        .map(|_| ())
    }

    fn record_unless(
        &self,
        a: &NewAction,
        conflict: &dyn Fn(&Action) -> bool,
    ) -> Result<Result<i64, Action>, Error> {
        let mut in_the_way = None;
        let id = self.locked(|tx| {
            let sql = format!(
                "{SELECT} WHERE host_id = $1 AND port = $2 AND protocol = $3
                 AND undone_at IS NULL AND state IN ('applied', 'pending') ORDER BY id DESC"
            );
            let rows = tx
                .query(&sql, &[&self.host.id, &i32::from(a.port), &a.protocol])
                .map_err(|e| self.err(&e))?;
            for r in &rows {
                let x = row(r)?.action;
                if conflict(&x) {
                    in_the_way = Some(x);
                    return Ok(None);
                }
            }
            self.insert(tx, a).map(Some)
        })?;
        match (id, in_the_way) {
            (Some(id), _) => Ok(Ok(id)),
            (None, Some(x)) => Ok(Err(x)),
            (None, None) => Err(Error::Corrupt(0, "no record and nothing in the way".into())),
        }
    }

    fn adopt(&self, comment: &str, a: &NewAction) -> Result<Option<i64>, Error> {
        self.locked(|tx| {
            let held: i64 = tx
                .query_one(
                    "SELECT count(*) FROM actions WHERE host_id = $1 AND undone_at IS NULL
                     AND rule_comment = $2",
                    &[&self.host.id, &comment],
                )
                .map_err(|e| self.err(&e))?
                .get(0);
            if held > 0 {
                return Ok(None);
            }
            self.insert(tx, a).map(Some)
        })
    }

    fn transition(&self, id: i64, from: State, to: State, note: &str) -> Result<bool, Error> {
        self.update(
            "UPDATE actions SET state = $1, note = $2, runner_pid = NULL, runner_start = NULL
             WHERE id = $3 AND state = $4 AND host_id = $5",
            &[&to.as_str(), &note, &id, &from.as_str(), &self.host.id],
        )
        .map(|n| n > 0)
    }

    fn set_undo(&self, id: i64, undo: &Undo) -> Result<(), Error> {
        self.update(
            "UPDATE actions SET undo = $1, rule_comment = $2 WHERE id = $3 AND host_id = $4",
            &[&undo_text(undo), &comment_of(undo), &id, &self.host.id],
        )
        .map(|_| ())
    }

    fn mark_undone(&self, id: i64, at: &str) -> Result<(), Error> {
        self.update(
            "UPDATE actions SET undone_at = $1 WHERE id = $2 AND host_id = $3",
            &[&at, &id, &self.host.id],
        )
        .map(|_| ())
    }

    fn actions(&self) -> Result<Vec<Action>, Error> {
        self.select("ORDER BY id", &[])
    }

    fn open_actions(&self, port: u16, protocol: &str) -> Result<Vec<Action>, Error> {
        self.select(
            "AND port = $2 AND protocol = $3 AND undone_at IS NULL
             AND state IN ('applied', 'interrupted') ORDER BY id DESC",
            &[&i32::from(port), &protocol],
        )
    }

    fn pending(&self) -> Result<Vec<Action>, Error> {
        self.select("AND state = 'pending' ORDER BY id", &[])
    }

    fn action(&self, id: i64) -> Result<Option<Action>, Error> {
        Ok(self.select("AND id = $2", &[&id])?.into_iter().next())
    }

    fn all_hosts(&self) -> Result<Vec<HostAction>, Error> {
        if !self.has_journal() {
            return Ok(Vec::new());
        }
        let sql = format!("{SELECT} ORDER BY host_id, id");
        let rows = self
            .client
            .borrow_mut()
            .query(&sql, &[])
            .map_err(|e| self.err(&e))?;
        rows.iter().map(row).collect()
    }

    fn journal_backend(&self) -> &'static str {
        "postgres"
    }
}
