//! A transaction bound to one org, with the generic row operations every use case builds on.

use rapport_domain::OrgId;
use sqlx::{AssertSqlSafe, Postgres, Sqlite, Transaction};
use uuid::Uuid;

use crate::dialect::{bind_value, bulk_placeholders};
use crate::schema::Table;
use crate::value::{ColType, Row, Value};
use crate::{Backend, Context, Pool, Result, StoreError};

pub(crate) enum Inner {
    Sqlite(Transaction<'static, Sqlite>),
    /// A connection of its own, opened for one bulk load with foreign-key enforcement off
    /// (SQLite only switches it per connection, outside transactions); the transaction is
    /// begun and ended by hand, and closing the connection uncommitted rolls it back.
    SqliteBulk(Box<BulkConn>),
    Postgres(Transaction<'static, Postgres>),
    /// A short read on SQLite, on the calling thread (see `Store::begin_lookup`).
    Lookup(crate::sqlite_lookup::Lent),
    /// A write transaction on SQLite, on the calling thread (see `Store::begin`).
    SqliteWrite(crate::sqlite_lookup::Lent),
    /// Committed or rolled back.
    Ended,
}

/// A transaction scoped to one org. Dropped without `commit`, it rolls back.
pub struct Tx {
    pub(crate) org: OrgId,
    pub(crate) inner: Inner,
    /// On SQLite, this process's turn to write (see `Store::begin`), held until the
    /// transaction ends.
    pub(crate) turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    /// Whether the caller goes on after a failed write (see `end_at_first_error`).
    pub(crate) goes_on_after_errors: bool,
}

/// Runs `$body` with `$conn` bound to the backend's connection; the body is compiled once per
/// backend.
macro_rules! on_conn {
    ($self:expr, $conn:ident => $body:expr) => {
        match &mut $self.inner {
            Inner::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            Inner::SqliteBulk(conn) => {
                let $conn: &mut sqlx::SqliteConnection = &mut ***conn;
                $body
            }
            Inner::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
            Inner::Lookup(_) => {
                return Err($crate::StoreError::Invalid(
                    "a lookup only reads through `select`".into(),
                ))
            }
            Inner::SqliteWrite(_) => {
                return Err($crate::StoreError::Invalid(
                    "this operation has no way on the store's own SQLite write connection".into(),
                ))
            }
            Inner::Ended => {
                return Err($crate::StoreError::Invalid(
                    "the transaction has ended".into(),
                ))
            }
        }
    };
}
pub(crate) use on_conn;

pub(crate) struct BulkConn {
    conn: sqlx::SqliteConnection,
    /// Whether the load runs under a rollback journal (see `begin_bulk`); the database goes
    /// back to WAL after it.
    rollback_journal: bool,
}

impl std::ops::Deref for BulkConn {
    type Target = sqlx::SqliteConnection;
    fn deref(&self) -> &Self::Target {
        &self.conn
    }
}

impl std::ops::DerefMut for BulkConn {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.conn
    }
}

impl BulkConn {
    /// Ends the transaction with `sql` (COMMIT or ROLLBACK), returns the database to WAL and
    /// closes the connection.
    async fn end(mut self, sql: &'static str) -> std::result::Result<(), sqlx::Error> {
        use sqlx::{Connection, Executor};
        let done = self.conn.execute(sql).await.map(|_| ());
        if self.rollback_journal {
            // If another connection got here first, it already switched back: no harm.
            let _ = self.conn.execute("PRAGMA journal_mode = WAL").await;
        }
        let _ = self.conn.close().await;
        done
    }
}

impl Drop for Tx {
    /// A bulk transaction dropped without `commit` or `rollback` (an error part-way) still has
    /// to roll back, put the database back into WAL and close its connection before the next
    /// writer starts, or that writer finds the file locked. That work is async, so it runs on
    /// a task that holds this transaction's writer turn until it is done.
    fn drop(&mut self) {
        if !matches!(self.inner, Inner::SqliteBulk(_)) {
            return;
        }
        let Inner::SqliteBulk(conn) = std::mem::replace(&mut self.inner, Inner::Ended) else {
            return;
        };
        let turn = self.turn.take();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = conn.end("ROLLBACK").await;
                drop(turn);
            });
        }
    }
}

/// Rows per multi-row INSERT: large enough to amortize the statement, small enough to stay
/// under both backends' bind-parameter limits.
const INSERT_CHUNK_PARAMS: usize = 4_000;
/// From this many rows on, PostgreSQL loads with COPY.
const COPY_THRESHOLD: usize = 500;
/// Values per `IN (...)` list.
pub(crate) const IN_CHUNK: usize = 500;

impl Tx {
    pub(crate) async fn begin(pool: &Pool, org: OrgId) -> Result<Tx> {
        let inner = match pool {
            Pool::Sqlite(p) => Inner::Sqlite(
                p.begin_with("BEGIN IMMEDIATE")
                    .await
                    .ctx(|| "starting a transaction".into())?,
            ),
            Pool::Postgres(p) => {
                Inner::Postgres(p.begin().await.ctx(|| "starting a transaction".into())?)
            }
        };
        Ok(Tx {
            org,
            inner,
            turn: None,
            goes_on_after_errors: true,
        })
    }

    /// A transaction that only reads: on SQLite a deferred one, so readers run side by side
    /// (and beside the one writer) instead of queueing for the write lock; on PostgreSQL a
    /// read-only one that sees one snapshot throughout (REPEATABLE READ), as SQLite does.
    pub(crate) async fn begin_read(pool: &Pool, org: OrgId) -> Result<Tx> {
        let inner = match pool {
            Pool::Sqlite(p) => Inner::Sqlite(p.begin().await.ctx(|| "starting a read".into())?),
            Pool::Postgres(p) => Inner::Postgres(
                p.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await
                    .ctx(|| "starting a read".into())?,
            ),
        };
        Ok(Tx {
            org,
            inner,
            turn: None,
            goes_on_after_errors: true,
        })
    }

    pub fn org(&self) -> OrgId {
        self.org
    }

    /// Declares that this transaction ends (rolls back) at its first failed write: on
    /// PostgreSQL its writes then need no savepoint each (two round trips fewer per write).
    /// After a failed write PostgreSQL refuses every further statement of the transaction, so
    /// only a caller that rolls back on any error may say this.
    pub fn end_at_first_error(&mut self) {
        self.goes_on_after_errors = false;
    }

    /// A transaction for a bulk load whose references the loader resolved itself: on SQLite
    /// its connection does not enforce foreign keys (each check is a B-tree seek per row); on
    /// PostgreSQL it is an ordinary transaction (see `skip_foreign_key_triggers` and
    /// `suspend_foreign_keys`).
    ///
    /// On SQLite the load runs under a rollback journal when no other connection has the
    /// database open: pages appended to the file need no journal entry, while WAL writes every
    /// page twice (into the log, then back at the checkpoint): a third less time for a large
    /// load. The journal still makes the load all-or-nothing, also when the process is killed
    /// (the next connection rolls the hot journal back). With other connections open (a
    /// running server) the switch is refused and the load stays in WAL. Meant for a process
    /// that is only loading (the command line): in a serving process, connections the pool
    /// opens during such a load would wait for the journal to return to WAL.
    pub(crate) async fn begin_bulk(pool: &Pool, org: OrgId) -> Result<Tx> {
        match pool {
            Pool::Sqlite(p) => {
                use sqlx::{ConnectOptions, Executor, Row as _};
                // This process's own pool connections would keep the database in WAL. A
                // connection just released is idle only once the pool has taken it back (in
                // the background), so wait a moment for those; connections in use (a serving
                // process) are not waited for past that.
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
                loop {
                    while let Some(idle) = p.try_acquire() {
                        let _ = idle.close().await;
                    }
                    if p.size() == 0 || std::time::Instant::now() >= deadline {
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
                // A smaller page cache than the pool's: a bulk load streams, and the index
                // builds at its end sort within this budget too (the rest spills to disk).
                let options = (*p.connect_options())
                    .clone()
                    .foreign_keys(false)
                    .pragma("cache_size", "-8192")
                    .pragma("threads", "2");
                let mut conn = options
                    .connect()
                    .await
                    .ctx(|| "opening a bulk-load connection".into())?;
                let rollback_journal = match sqlx::query("PRAGMA journal_mode = DELETE")
                    .fetch_one(&mut conn)
                    .await
                {
                    Ok(row) => row.try_get::<String, _>(0).is_ok_and(|m| m == "delete"),
                    Err(_) => false,
                };
                if rollback_journal {
                    // Without WAL, NORMAL may lose a commit on power failure; FULL syncs the
                    // journal before the file is touched.
                    conn.execute("PRAGMA synchronous = FULL")
                        .await
                        .ctx(|| "setting up the bulk-load connection".into())?;
                }
                conn.execute("BEGIN IMMEDIATE")
                    .await
                    .ctx(|| "starting a transaction".into())?;
                Ok(Tx {
                    org,
                    turn: None,
                    goes_on_after_errors: true,
                    inner: Inner::SqliteBulk(Box::new(BulkConn {
                        conn,
                        rollback_journal,
                    })),
                })
            }
            Pool::Postgres(_) => Tx::begin(pool, org).await,
        }
    }

    pub fn backend(&self) -> Backend {
        match self.inner {
            Inner::Sqlite(_) | Inner::SqliteBulk(_) | Inner::Lookup(_) | Inner::SqliteWrite(_) => {
                Backend::Sqlite
            }
            Inner::Postgres(_) => Backend::Postgres,
            // Not asked of an ended transaction (commit and rollback consume it).
            Inner::Ended => Backend::Sqlite,
        }
    }

    /// On PostgreSQL a failed statement aborts the whole transaction; a savepoint around each
    /// write gives both backends SQLite's behaviour: the failed statement is undone, the
    /// transaction goes on. SQLite needs nothing.
    async fn savepoint(&mut self) -> Result<()> {
        if !self.goes_on_after_errors {
            return Ok(());
        }
        if let Inner::Postgres(tx) = &mut self.inner {
            sqlx::query("SAVEPOINT rapport_write")
                .execute(&mut **tx)
                .await
                .ctx(|| "setting a savepoint".into())?;
        }
        Ok(())
    }

    async fn end_savepoint(&mut self, ok: bool) -> Result<()> {
        if !self.goes_on_after_errors {
            return Ok(());
        }
        if let Inner::Postgres(tx) = &mut self.inner {
            if !ok {
                sqlx::query("ROLLBACK TO SAVEPOINT rapport_write")
                    .execute(&mut **tx)
                    .await
                    .ctx(|| "undoing a failed write".into())?;
            }
            sqlx::query("RELEASE SAVEPOINT rapport_write")
                .execute(&mut **tx)
                .await
                .ctx(|| "ending a savepoint".into())?;
        }
        Ok(())
    }

    pub async fn commit(mut self) -> Result<()> {
        match std::mem::replace(&mut self.inner, Inner::Ended) {
            Inner::Sqlite(tx) => tx.commit().await,
            Inner::SqliteBulk(conn) => conn.end("COMMIT").await,
            Inner::Postgres(tx) => tx.commit().await,
            Inner::SqliteWrite(conn) => return conn.end("COMMIT"),
            // Nothing was written; the read ends when the connection goes back.
            Inner::Lookup(_) | Inner::Ended => Ok(()),
        }
        .ctx(|| "committing".into())
    }

    pub async fn rollback(mut self) -> Result<()> {
        match std::mem::replace(&mut self.inner, Inner::Ended) {
            Inner::Sqlite(tx) => tx.rollback().await,
            Inner::SqliteBulk(conn) => conn.end("ROLLBACK").await,
            Inner::Postgres(tx) => tx.rollback().await,
            Inner::SqliteWrite(conn) => return conn.end("ROLLBACK"),
            Inner::Lookup(_) | Inner::Ended => Ok(()),
        }
        .ctx(|| "rolling back".into())
    }

    /// Inserts rows (each in `table`'s column order). Fails on any key conflict.
    pub async fn insert_rows(&mut self, table: &Table, rows: &[Row]) -> Result<()> {
        self.savepoint().await?;
        let result = self.insert_rows_inner(table, rows, true).await;
        self.end_savepoint(result.is_ok()).await?;
        result
    }

    /// Inserts rows like `insert_rows`, but without making the call all-or-nothing on its own:
    /// for a transaction that is rolled back whole on any error (writing a score run, rebuilding
    /// a list). On SQLite a savepoint per call copies every page the call changes into a
    /// sub-journal first; for millions of rows in random index order that is most pages twice.
    pub async fn append_rows(&mut self, table: &Table, rows: &[Row]) -> Result<()> {
        self.insert_rows_inner(table, rows, false).await
    }

    /// On a SQLite bulk transaction, sets its page cache to `kib` KiB (elsewhere nothing): for
    /// a bulk write into indexes in random order, whose pages would otherwise be written out
    /// and read back again and again.
    pub async fn use_page_cache(&mut self, kib: i64) -> Result<()> {
        if let Inner::SqliteBulk(conn) = &mut self.inner {
            use sqlx::Executor;
            conn.execute(AssertSqlSafe(format!("PRAGMA cache_size = -{kib}")))
                .await
                .ctx(|| "setting the page cache".into())?;
        }
        Ok(())
    }

    async fn insert_rows_inner(&mut self, table: &Table, rows: &[Row], atomic: bool) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        for row in rows {
            check_row(table, row)?;
        }
        match &mut self.inner {
            Inner::Postgres(tx) if rows.len() >= COPY_THRESHOLD => {
                return crate::tx_bulk::copy_rows(tx, self.org, table, rows).await;
            }
            Inner::Sqlite(tx) => {
                let org = self.org.as_uuid();
                return crate::sqlite_bulk::insert_rows(tx, org, table, rows, atomic).await;
            }
            Inner::SqliteBulk(conn) => {
                let org = self.org.as_uuid();
                return crate::sqlite_bulk::insert_rows(conn, org, table, rows, atomic).await;
            }
            Inner::SqliteWrite(conn) => {
                return conn.insert(self.org.as_uuid(), table, rows, atomic);
            }
            Inner::Postgres(_) | Inner::Lookup(_) | Inner::Ended => {}
        }
        let width = table.columns.len() + 1;
        let backend = self.backend();
        let per_stmt = (INSERT_CHUNK_PARAMS / width).max(1);
        let org = self.org.as_uuid();
        for chunk in rows.chunks(per_stmt) {
            let mut sql = format!(
                "INSERT INTO {} (org_id, {}) VALUES ",
                table.name,
                table.column_list()
            );
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                sql.push_str(&bulk_placeholders(backend, i * width + 1, width));
                sql.push(')');
            }
            on_conn!(self, conn => {
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for row in chunk {
                    q = q.bind(org);
                    for (value, col) in row.iter().zip(table.columns) {
                        q = bind_value!(q, value, col.ty);
                    }
                }
                q.execute(conn).await.ctx(|| format!("inserting into {}", table.name))?;
            });
        }
        Ok(())
    }

    /// Replaces every non-key column of the row with the same primary key.
    pub async fn update_row(&mut self, table: &Table, row: &Row) -> Result<u64> {
        self.savepoint().await?;
        let result = self.update_row_inner(table, row).await;
        self.end_savepoint(result.is_ok()).await?;
        result
    }

    async fn update_row_inner(&mut self, table: &Table, row: &Row) -> Result<u64> {
        check_row(table, row)?;
        let set: Vec<_> = table
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| !table.key.contains(&c.name))
            .collect();
        let keys: Vec<_> = table.key.iter().map(|k| table.col(k)).collect();
        let mut sql = format!("UPDATE {} SET ", table.name);
        let assigns: Vec<_> = set
            .iter()
            .enumerate()
            .map(|(i, (_, c))| format!("{} = ${}", c.name, i + 2))
            .collect();
        sql.push_str(&assigns.join(", "));
        sql.push_str(" WHERE org_id = $1");
        for (i, k) in keys.iter().enumerate() {
            sql.push_str(&format!(
                " AND {} = ${}",
                table.columns[*k].name,
                set.len() + 2 + i
            ));
        }
        let binds: Vec<(Value, ColType)> = set
            .iter()
            .map(|(i, c)| (row[*i].clone(), c.ty))
            .chain(keys.iter().map(|k| (row[*k].clone(), table.columns[*k].ty)))
            .collect();
        self.execute_unguarded(sql, &binds, &|| format!("updating {}", table.name))
            .await
    }

    /// Deletes the rows whose `column` equals `value`.
    pub async fn delete_where(
        &mut self,
        table: &Table,
        column: &str,
        value: &Value,
    ) -> Result<u64> {
        let ty = table.columns[table.col(column)].ty;
        let sql = format!(
            "DELETE FROM {} WHERE org_id = $1 AND {column} = $2",
            table.name
        );
        self.execute_unguarded(sql, &[(value.clone(), ty)], &|| {
            format!("deleting from {}", table.name)
        })
        .await
    }

    /// Runs a write statement of this crate's own with `binds` after the org's `$1`; returns
    /// the rows it touched. Atomic like every write.
    pub(crate) async fn execute(
        &mut self,
        sql: String,
        binds: &[(Value, ColType)],
        what: impl Fn() -> String + Sync,
    ) -> Result<u64> {
        self.savepoint().await?;
        let result = self.execute_unguarded(sql, binds, &what).await;
        self.end_savepoint(result.is_ok()).await?;
        result
    }

    /// Runs a write statement (`$1` the org, `binds` after it) without a savepoint of its
    /// own; the rows it touched.
    async fn execute_unguarded(
        &mut self,
        sql: String,
        binds: &[(Value, ColType)],
        what: &(dyn Fn() -> String + Sync),
    ) -> Result<u64> {
        let org = self.org.as_uuid();
        if let Inner::SqliteWrite(conn) = &mut self.inner {
            return conn.run(&sql, org, binds, what);
        }
        let n = on_conn!(self, conn => {
            let mut q = sqlx::query(AssertSqlSafe(sql)).bind(org);
            for (v, ty) in binds {
                q = bind_value!(q, v, *ty);
            }
            q.execute(conn).await.ctx(what)?.rows_affected()
        });
        Ok(n)
    }

    /// Points every row whose `column` is `from` at `to` instead (used by merges).
    pub async fn reassign(
        &mut self,
        table: &Table,
        column: &str,
        from: Uuid,
        to: Uuid,
    ) -> Result<u64> {
        let sql = format!(
            "UPDATE {} SET {column} = $3 WHERE org_id = $1 AND {column} = $2",
            table.name
        );
        let binds = [
            (Value::Uuid(from), ColType::Uuid),
            (Value::Uuid(to), ColType::Uuid),
        ];
        self.execute_unguarded(sql, &binds, &|| format!("moving {}.{column}", table.name))
            .await
    }
}

fn check_row(table: &Table, row: &Row) -> Result<()> {
    if row.len() != table.columns.len() {
        return Err(StoreError::Invalid(format!(
            "a row for {} has {} values, the table has {} columns",
            table.name,
            row.len(),
            table.columns.len()
        )));
    }
    for (value, col) in row.iter().zip(table.columns) {
        if value.is_null() && !col.nullable {
            return Err(StoreError::Invalid(format!(
                "{}.{} may not be empty",
                table.name, col.name
            )));
        }
    }
    Ok(())
}
