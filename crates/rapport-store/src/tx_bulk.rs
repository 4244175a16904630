//! The parts of a transaction that only bulk loads use: telling whether a table is empty
//! everywhere, dropping and rebuilding secondary indexes, suspending and re-validating foreign
//! keys (PostgreSQL), and PostgreSQL's COPY.

use rapport_domain::OrgId;
use sqlx::{AssertSqlSafe, Postgres, Transaction};

use crate::dialect::{copy_binary_header, copy_binary_row};
use crate::schema::Table;
use crate::tx::{Inner, on_conn};
use crate::value::Row;
use crate::{Backend, Context, Result, Tx};

impl Tx {
    /// Whether the table holds no rows at all, in any org. Only then may a bulk load drop and
    /// rebuild its indexes, since indexes span every org.
    pub async fn table_is_empty(&mut self, table: &Table) -> Result<bool> {
        let sql = format!("SELECT 1 FROM {} LIMIT 1", table.name);
        let found = on_conn!(self, conn => {
            sqlx::query(AssertSqlSafe(sql)).fetch_optional(conn).await.ctx(|| format!("reading {}", table.name))?.is_some()
        });
        Ok(!found)
    }

    /// Drops the table's named foreign keys on PostgreSQL before a bulk load into an empty
    /// table; `restore_foreign_keys` adds them back, which checks every loaded row in one pass
    /// instead of one trigger per row. SQLite has nothing to drop (see `begin_bulk`).
    pub async fn suspend_foreign_keys(&mut self, table: &Table) -> Result<()> {
        if let Inner::Postgres(tx) = &mut self.inner {
            for fk in table.foreign_keys {
                let sql = format!(
                    "ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}",
                    table.name, fk.name
                );
                sqlx::query(AssertSqlSafe(sql))
                    .execute(&mut **tx)
                    .await
                    .ctx(|| format!("dropping {}", fk.name))?;
            }
        }
        Ok(())
    }

    /// Adds back (and so validates) the foreign keys `suspend_foreign_keys` dropped.
    pub async fn restore_foreign_keys(&mut self, table: &Table) -> Result<()> {
        if let Inner::Postgres(tx) = &mut self.inner {
            for fk in table.foreign_keys {
                let sql = format!(
                    "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
                    table.name, fk.name, fk.columns, fk.parent, fk.parent_columns
                );
                sqlx::query(AssertSqlSafe(sql))
                    .execute(&mut **tx)
                    .await
                    .ctx(|| format!("checking {}", fk.name))?;
            }
        }
        Ok(())
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
        let names: Vec<String> = on_conn!(self, conn => {
            sqlx::query_scalar(sql).bind(table.name).fetch_all(conn).await.ctx(|| format!("listing indexes of {}", table.name))?
        });
        Ok(table
            .indexes
            .iter()
            .map(|i| i.name)
            .filter(|n| !names.iter().any(|m| m == n))
            .collect())
    }

    /// Drops the table's secondary indexes (before a bulk load into an empty table).
    pub async fn drop_indexes(&mut self, table: &Table) -> Result<()> {
        for index in table.indexes {
            let sql = format!("DROP INDEX IF EXISTS {}", index.name);
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
            on_conn!(self, conn => {
                sqlx::query(AssertSqlSafe(sql)).execute(conn).await.ctx(|| format!("creating index {}", index.name))?;
            });
        }
        Ok(())
    }
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
