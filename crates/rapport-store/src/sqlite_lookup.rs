//! SQLite's fast paths: transactions on connections of the store's own (`sqlite_raw`), run on
//! the calling thread instead of handing each statement to a sqlx worker thread.
//!
//! - Lookups (`Store::begin_lookup`, `begin_scan`): read transactions on `query_only`
//!   connections, a consistent snapshot under WAL. For reads whose work is bounded (index
//!   lookups with a limit) or batch jobs: the calling thread is an async worker, and a long
//!   scan here would hold it up in a serving process.
//! - Writes (`Store::begin`): `BEGIN IMMEDIATE` transactions on one writable connection, taken
//!   in turn (the store's writer queue, then SQLite's own write lock). When another process
//!   holds the write lock, the `BEGIN` is retried with async sleeps rather than waiting inside
//!   SQLite, so the thread stays free; once it is ours, no statement of the transaction waits.

use std::ffi::CString;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use libsqlite3_sys as ffi;
use uuid::Uuid;

use crate::schema::Table;
use crate::sqlite_bulk::insert_sql;
use crate::sqlite_raw::RawConn;
use crate::value::{ColType, Row, Value};
use crate::{Result, StoreError};

/// Idle lookup connections kept for the next lookups (more are opened under load and closed
/// after). Writes take turns, so one write connection is kept.
const KEEP_IDLE_LOOKUPS: usize = 8;
const KEEP_IDLE_WRITES: usize = 1;
/// How long a write waits for another process's write lock before giving up, as the sqlx
/// pool's busy timeout.
const WRITE_LOCK_WAIT: Duration = Duration::from_secs(30);
/// Rows per INSERT statement (as the bulk insert's; see `sqlite_bulk`).
const ROWS_PER_INSERT: usize = 128;

/// The raw connections of one SQLite database file, of one kind (lookups or writes).
pub(crate) struct LookupPool {
    path: CString,
    writable: bool,
    idle: Mutex<Vec<RawConn>>,
}

impl LookupPool {
    /// A pool for the database at `path`, or `None` for an in-memory database (which no second
    /// connection can open).
    pub(crate) fn new(path: &Path, writable: bool) -> Option<Arc<LookupPool>> {
        let text = path.to_str()?;
        if text.is_empty() || text.contains(":memory:") {
            return None;
        }
        Some(Arc::new(LookupPool {
            path: CString::new(text).ok()?,
            writable,
            idle: Mutex::new(Vec::new()),
        }))
    }

    /// Closes the idle connections (a bulk load switches the journal mode, which needs the
    /// database to itself); connections lent out stay open.
    pub(crate) fn close_idle(&self) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
    }

    fn take(&self) -> Result<RawConn> {
        match self.idle.lock().ok().and_then(|mut idle| idle.pop()) {
            Some(conn) => Ok(conn),
            None => RawConn::open(&self.path, self.writable),
        }
    }

    /// A connection inside a fresh read transaction; it goes back to the pool when dropped.
    pub(crate) fn lend(self: &Arc<Self>) -> Result<Lent> {
        let conn = self.take()?;
        conn.exec("BEGIN")?;
        Ok(Lent {
            conn: Some(conn),
            pool: Arc::clone(self),
            reuse: true,
        })
    }

    /// A connection of its own for a scan of whole tables, inside a fresh read transaction:
    /// it reads through a small page cache instead of the memory map (a scan touches every
    /// page once, and mapped pages count as the process's own memory), and is closed after.
    pub(crate) fn lend_for_scan(self: &Arc<Self>) -> Result<Lent> {
        let conn = RawConn::open_for_scan(&self.path)?;
        conn.exec("BEGIN")?;
        Ok(Lent {
            conn: Some(conn),
            pool: Arc::clone(self),
            reuse: false,
        })
    }

    /// A write connection inside a `BEGIN IMMEDIATE` transaction: SQLite's write lock is held
    /// from here on. While another process holds it, waits without blocking the thread.
    pub(crate) async fn lend_for_write(self: &Arc<Self>) -> Result<Lent> {
        let conn = self.take()?;
        conn.busy_wait(false);
        let deadline = Instant::now() + WRITE_LOCK_WAIT;
        let mut pause = Duration::from_millis(1);
        loop {
            match conn.try_exec("BEGIN IMMEDIATE") {
                Ok(()) => break,
                Err(rc) if rc & 0xff == ffi::SQLITE_BUSY && Instant::now() < deadline => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(rc) => return Err(conn.error(rc, "starting a transaction")),
            }
        }
        conn.busy_wait(true);
        Ok(Lent {
            conn: Some(conn),
            pool: Arc::clone(self),
            reuse: true,
        })
    }
}

/// A lent connection with its transaction open. Dropped, it rolls back and goes back to the
/// pool.
pub(crate) struct Lent {
    conn: Option<RawConn>,
    pool: Arc<LookupPool>,
    /// Whether the connection goes back to the pool after (a scan's is closed).
    reuse: bool,
}

impl Lent {
    fn conn(&mut self) -> Result<&mut RawConn> {
        self.conn
            .as_mut()
            .ok_or_else(|| StoreError::Engine("the transaction has ended".into()))
    }

    /// Runs `sql` and hands each row to `f` (see `RawConn::each`).
    pub(crate) fn each(
        &mut self,
        sql: &str,
        org: Uuid,
        binds: &[(Value, ColType)],
        types: &[ColType],
        f: &mut dyn FnMut(&[Value]) -> Result<()>,
    ) -> Result<()> {
        self.conn()?.each(sql, org, binds, types, f)
    }

    /// Runs a statement that writes (see `RawConn::run`); the rows it changed.
    pub(crate) fn run(
        &mut self,
        sql: &str,
        org: Uuid,
        binds: &[(Value, ColType)],
        what: &(dyn Fn() -> String + Sync),
    ) -> Result<u64> {
        self.conn()?.run(sql, org, binds, what)
    }

    /// Inserts `rows` into `table` for `org`, all or none when `atomic`: 128 rows per
    /// statement, the statements prepared once per connection.
    pub(crate) fn insert(
        &mut self,
        org: Uuid,
        table: &Table,
        rows: &[Row],
        atomic: bool,
    ) -> Result<()> {
        let what = || format!("inserting into {}", table.name);
        let conn = self.conn()?;
        let several = atomic && rows.len() > ROWS_PER_INSERT;
        if several {
            conn.exec("SAVEPOINT rapport_insert")?;
        }
        if !atomic {
            // Checked at the commit instead of per statement (which would keep a statement
            // journal for every multi-row insert); this transaction fails whole either way.
            conn.exec("PRAGMA defer_foreign_keys = ON")?;
        }
        let mut result = Ok(());
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let mut binds = Vec::with_capacity(chunk.len() * (table.columns.len() + 1));
            for (r, row) in chunk.iter().enumerate() {
                // `$1` is the first row's org; the others' come with their values.
                if r > 0 {
                    binds.push((Value::Uuid(org), ColType::Uuid));
                }
                binds.extend(
                    row.iter()
                        .zip(table.columns)
                        .map(|(v, c)| (v.clone(), c.ty)),
                );
            }
            result = conn
                .run(&insert_sql(table, chunk.len(), atomic), org, &binds, &what)
                .map(|_| ());
            if result.is_err() {
                break;
            }
        }
        // After some errors (a full disk, I/O) SQLite has rolled the whole transaction back
        // already: the insert's own error is then the one to tell.
        if several && conn.in_transaction() {
            if result.is_err() {
                conn.exec("ROLLBACK TO rapport_insert")?;
            }
            conn.exec("RELEASE rapport_insert")?;
        }
        result
    }

    /// Ends the transaction with `sql` (`COMMIT` or `ROLLBACK`); the connection goes back to
    /// the pool, or is closed if the transaction could not end cleanly.
    pub(crate) fn end(mut self, sql: &str) -> Result<()> {
        let Some(conn) = self.conn.take() else {
            return Ok(());
        };
        // A transaction SQLite already rolled back (after a full disk, say) has ended.
        let done = if sql == "ROLLBACK" && !conn.in_transaction() {
            Ok(())
        } else {
            conn.exec(sql)
        };
        if done.is_ok() {
            self.keep(conn);
        }
        done
    }

    fn keep(&self, conn: RawConn) {
        if !self.reuse {
            return;
        }
        let most = if self.pool.writable {
            KEEP_IDLE_WRITES
        } else {
            KEEP_IDLE_LOOKUPS
        };
        if let Ok(mut idle) = self.pool.idle.lock()
            && idle.len() < most
        {
            idle.push(conn);
        }
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        // A connection whose transaction cannot end cleanly is closed, not reused.
        if conn.exec("ROLLBACK").is_ok() {
            self.keep(conn);
        }
    }
}
