//! The parts of a transaction that only bulk loads use: telling whether a table is empty
//! everywhere, dropping and rebuilding secondary indexes, and on PostgreSQL suspending and
//! restoring keys, refreshing statistics, taking over the foreign-key checks (with the locks
//! they would take), and COPY.

use rapport_domain::OrgId;
use sqlx::{AssertSqlSafe, Postgres, Transaction};
use uuid::Uuid;

use crate::dialect::{copy_binary_header, copy_binary_row};
use crate::schema::Table;
use crate::tx::{Inner, on_conn};
use crate::value::{ColType, Row, Value};
use crate::{Backend, Context, Result, StoreError, Tx};

impl Tx {
    /// Runs one statement on PostgreSQL; does nothing on SQLite (for the steps only PostgreSQL
    /// needs or allows).
    async fn on_postgres(&mut self, sql: String, what: impl Fn() -> String) -> Result<()> {
        if let Inner::Postgres(tx) = &mut self.inner {
            sqlx::query(AssertSqlSafe(sql))
                .execute(&mut **tx)
                .await
                .ctx(what)?;
        }
        Ok(())
    }

    /// Whether the table holds no rows at all, in any org. Only then may a bulk load drop and
    /// rebuild its indexes, since indexes span every org.
    pub async fn table_is_empty(&mut self, table: &Table) -> Result<bool> {
        let sql = format!("SELECT 1 FROM {} LIMIT 1", table.name);
        let org = self.org.as_uuid();
        if let Inner::SqliteWrite(conn) = &mut self.inner {
            let mut found = false;
            conn.each(&sql, org, &[], &[ColType::Int], &mut |_| {
                found = true;
                Ok(())
            })?;
            return Ok(!found);
        }
        let found = on_conn!(self, conn => {
            sqlx::query(AssertSqlSafe(sql)).fetch_optional(conn).await.ctx(|| format!("reading {}", table.name))?.is_some()
        });
        Ok(!found)
    }

    /// Drops the table's named foreign keys on PostgreSQL before a bulk load into an empty
    /// table; `restore_foreign_keys` adds them back, which checks every loaded row in one pass
    /// instead of one trigger per row. SQLite has nothing to drop (see `begin_bulk`).
    pub async fn suspend_foreign_keys(&mut self, table: &Table) -> Result<()> {
        for fk in table.foreign_keys {
            let sql = format!(
                "ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}",
                table.name, fk.name
            );
            self.on_postgres(sql, || format!("dropping {}", fk.name))
                .await?;
        }
        Ok(())
    }

    /// Adds back (and so validates) the foreign keys `suspend_foreign_keys` dropped.
    pub async fn restore_foreign_keys(&mut self, table: &Table) -> Result<()> {
        for fk in table.foreign_keys {
            let sql = format!(
                "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
                table.name, fk.name, fk.columns, fk.parent, fk.parent_columns
            );
            self.on_postgres(sql, || format!("checking {}", fk.name))
                .await?;
        }
        Ok(())
    }

    /// Drops the table's primary key on PostgreSQL before a bulk load into an empty table;
    /// `restore_primary_key` builds it again by one sort instead of a B-tree insert per row
    /// (on 10 million order lines, the live key was half of COPY's time). Every foreign key
    /// that references the table must be suspended first, and the loader must refuse
    /// duplicate keys itself: the database sees them only when the key comes back. SQLite
    /// cannot drop a primary key; its key stays live.
    pub async fn suspend_primary_key(&mut self, table: &Table) -> Result<()> {
        let sql = format!(
            "ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}_pkey",
            table.name, table.name
        );
        self.on_postgres(sql, || {
            format!("dropping the primary key of {}", table.name)
        })
        .await
    }

    /// Adds back the primary key `suspend_primary_key` dropped.
    pub async fn restore_primary_key(&mut self, table: &Table) -> Result<()> {
        let sql = format!(
            "ALTER TABLE {} ADD CONSTRAINT {}_pkey PRIMARY KEY (org_id, {})",
            table.name,
            table.name,
            table.key.join(", ")
        );
        self.on_postgres(sql, || {
            format!("building the primary key of {}", table.name)
        })
        .await
    }

    /// Stops PostgreSQL's per-row foreign-key triggers for the rest of this transaction
    /// (`session_replication_role = replica`), for a loader that resolves every reference
    /// itself and locks the referenced rows it did not write with `lock_keys`, as the triggers
    /// would. On a large incremental load the triggers were 60 % of the server's work: one
    /// query per row. Needs a role allowed to set it (a superuser, or from PostgreSQL 15 one
    /// granted `SET ON PARAMETER session_replication_role`); where it is refused, returns false
    /// and the triggers stay. Also locks the org's row, which every row written references.
    /// SQLite's bulk connection never checks foreign keys per row (see `begin_bulk`) and needs
    /// no locks: its write transaction excludes every other writer.
    pub async fn skip_foreign_key_triggers(&mut self) -> Result<bool> {
        let org = self.org.as_uuid();
        let Inner::Postgres(tx) = &mut self.inner else {
            return Ok(true);
        };
        sqlx::query("SAVEPOINT rapport_replica")
            .execute(&mut **tx)
            .await
            .ctx(|| "setting a savepoint".into())?;
        let set = sqlx::query("SET LOCAL session_replication_role = replica")
            .execute(&mut **tx)
            .await;
        let undo = if set.is_ok() {
            "RELEASE SAVEPOINT rapport_replica"
        } else {
            "ROLLBACK TO SAVEPOINT rapport_replica"
        };
        sqlx::query(undo)
            .execute(&mut **tx)
            .await
            .ctx(|| "ending a savepoint".into())?;
        if set.is_err() {
            return Ok(false);
        }
        sqlx::query("SELECT 1 FROM orgs WHERE id = $1 FOR KEY SHARE")
            .bind(org)
            .fetch_all(&mut **tx)
            .await
            .ctx(|| "locking the org".into())?;
        Ok(true)
    }

    /// Locks the rows with these ids (`org_id, id` keys) until the transaction ends, against
    /// deletion and key changes: `FOR KEY SHARE`, the lock a foreign-key check takes. A row
    /// deleted meanwhile is a constraint error, as the check would have reported.
    /// PostgreSQL only (see `skip_foreign_key_triggers`).
    pub async fn lock_keys(&mut self, table: &Table, ids: &[Uuid]) -> Result<()> {
        let org = self.org.as_uuid();
        let Inner::Postgres(tx) = &mut self.inner else {
            return Ok(());
        };
        if ids.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "SELECT 1 FROM {} WHERE org_id = $1 AND id = ANY($2) FOR KEY SHARE",
            table.name
        );
        let locked = sqlx::query(AssertSqlSafe(sql))
            .bind(org)
            .bind(ids)
            .fetch_all(&mut **tx)
            .await
            .ctx(|| format!("locking rows of {}", table.name))?
            .len();
        let wanted = ids.iter().collect::<std::collections::HashSet<_>>().len();
        if locked < wanted {
            return Err(StoreError::Constraint(format!(
                "{} of the {} rows of {} this write refers to were deleted meanwhile",
                wanted - locked,
                wanted,
                table.name
            )));
        }
        Ok(())
    }

    /// Refreshes the planner's statistics of a table after a bulk load (PostgreSQL): the
    /// foreign-key checks that follow, and every query after the import, are planned for the
    /// table as it now is (on 10 million order lines, the check went from a nested loop of 10
    /// million index probes to one merge or hash join: 24 s down to about 6 s). SQLite plans
    /// without statistics well enough here; its ANALYZE would read every index in full.
    pub async fn analyze(&mut self, table: &Table) -> Result<()> {
        let sql = format!("ANALYZE {}", table.name);
        self.on_postgres(sql, || format!("analyzing {}", table.name))
            .await
    }

    /// The table's secondary indexes that do not exist (none, normally; a check for tests and
    /// for `rapport` after a bulk load).
    pub async fn missing_indexes(&mut self, table: &Table) -> Result<Vec<&'static str>> {
        let sql = match self.backend() {
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = $1"
            }
            Backend::Postgres => {
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1"
            }
        };
        if let Inner::SqliteWrite(conn) = &mut self.inner {
            let sql = sql.replace("$1", "$2");
            let mut names = Vec::new();
            let binds = [(Value::text(table.name), ColType::Text)];
            conn.each(&sql, Uuid::nil(), &binds, &[ColType::Text], &mut |r| {
                names.extend(r[0].as_str().map(str::to_string));
                Ok(())
            })?;
            return Ok(missing(table, &names));
        }
        let names: Vec<String> = on_conn!(self, conn => {
            sqlx::query_scalar(sql).bind(table.name).fetch_all(conn).await.ctx(|| format!("listing indexes of {}", table.name))?
        });
        Ok(missing(table, &names))
    }

    /// Drops the table's secondary indexes (before a bulk load into an empty table).
    pub async fn drop_indexes(&mut self, table: &Table) -> Result<()> {
        for index in table.indexes {
            let sql = format!("DROP INDEX IF EXISTS {}", index.name);
            if let Inner::SqliteWrite(conn) = &mut self.inner {
                conn.run(&sql, Uuid::nil(), &[], &|| {
                    format!("dropping index {}", index.name)
                })?;
                continue;
            }
            on_conn!(self, conn => {
                sqlx::query(AssertSqlSafe(sql)).execute(conn).await.ctx(|| format!("dropping index {}", index.name))?;
            });
        }
        Ok(())
    }

    /// Creates the table's secondary indexes if missing (after a bulk load).
    pub async fn create_indexes(&mut self, table: &Table) -> Result<()> {
        for index in table.indexes {
            let unique = if index.unique { "UNIQUE " } else { "" };
            let sql = format!(
                "CREATE {unique}INDEX IF NOT EXISTS {} ON {} ({})",
                index.name, table.name, index.columns
            );
            if let Inner::SqliteWrite(conn) = &mut self.inner {
                conn.run(&sql, Uuid::nil(), &[], &|| {
                    format!("creating index {}", index.name)
                })?;
                continue;
            }
            on_conn!(self, conn => {
                sqlx::query(AssertSqlSafe(sql)).execute(conn).await.ctx(|| format!("creating index {}", index.name))?;
            });
        }
        Ok(())
    }
}

/// The table's secondary indexes whose names are not among `names`.
fn missing(table: &Table, names: &[String]) -> Vec<&'static str> {
    table
        .indexes
        .iter()
        .map(|i| i.name)
        .filter(|n| !names.iter().any(|m| m == n))
        .collect()
}

pub(crate) async fn copy_rows(
    tx: &mut Transaction<'static, Postgres>,
    org: OrgId,
    table: &Table,
    rows: &[Row],
) -> Result<()> {
    let statement = format!(
        "COPY {} (org_id, {}) FROM STDIN (FORMAT binary)",
        table.name,
        table.column_list()
    );
    let conn: &mut sqlx::PgConnection = tx;
    let mut copy = conn
        .copy_in_raw(&statement)
        .await
        .ctx(|| format!("starting COPY into {}", table.name))?;
    let mut buf = Vec::with_capacity(1 << 20);
    copy_binary_header(&mut buf);
    for row in rows {
        copy_binary_row(&mut buf, org.as_uuid(), row);
        if buf.len() > (1 << 20) {
            copy.send(buf.as_slice())
                .await
                .ctx(|| format!("sending COPY data to {}", table.name))?;
            buf.clear();
        }
    }
    buf.extend_from_slice(&(-1i16).to_be_bytes());
    copy.send(buf.as_slice())
        .await
        .ctx(|| format!("sending COPY data to {}", table.name))?;
    copy.finish()
        .await
        .ctx(|| format!("loading {}", table.name))?;
    Ok(())
}
