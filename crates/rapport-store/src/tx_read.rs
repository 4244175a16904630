//! The reads of a transaction: the one `select` every read goes through (sqlx on either
//! backend, or SQLite's lookup connections), its streaming form for scans, and the generic row
//! reads built on it (by values of a column, by primary-key pages, by natural-key order).

use sqlx::AssertSqlSafe;
use uuid::Uuid;

use crate::dialect::{bind_value, bulk_placeholders, decode_row, placeholders};
use crate::schema::Table;
use crate::tx::{IN_CHUNK, Inner, on_conn};
use crate::value::{ColType, Row, Value};
use crate::{Backend, Context, Result, StoreError, Tx};

impl Tx {
    /// Runs a SELECT whose `$1` is the org and whose further parameters are `binds`, decoding
    /// each row's cells as `types`. The store's reads go through here, so each way of running
    /// them (sqlx on either backend, SQLite's lookup connections) is written once.
    pub(crate) async fn select(
        &mut self,
        sql: String,
        binds: &[(Value, ColType)],
        types: &[ColType],
        what: impl Fn() -> String,
    ) -> Result<Vec<Row>> {
        let org = self.org.as_uuid();
        if let Inner::Lookup(conn) | Inner::SqliteWrite(conn) = &mut self.inner {
            let mut rows = Vec::new();
            conn.each(&sql, org, binds, types, &mut |row| {
                rows.push(row.to_vec());
                Ok(())
            })
            .map_err(|e| StoreError::Engine(format!("{}: {e}", what())))?;
            return Ok(rows);
        }
        let rows = on_conn!(self, conn => {
            let mut q = sqlx::query(AssertSqlSafe(sql)).bind(org);
            for (v, ty) in binds {
                q = bind_value!(q, v, *ty);
            }
            let rows = q.fetch_all(conn).await.ctx(&what)?;
            rows.iter()
                .map(|r| decode_row!(r, types))
                .collect::<Result<Vec<_>, _>>()
                .ctx(|| format!("decoding: {}", what()))?
        });
        Ok(rows)
    }

    /// Like `select`, but hands the rows to `f` one at a time as they come, without holding
    /// them all: for scans of millions of rows (scoring). `f` may stop the scan with an error.
    pub(crate) async fn select_each(
        &mut self,
        sql: String,
        binds: &[(Value, ColType)],
        types: &[ColType],
        what: impl Fn() -> String,
        mut f: impl FnMut(&[Value]) -> Result<()>,
    ) -> Result<()> {
        use futures_util::TryStreamExt;
        let org = self.org.as_uuid();
        if let Inner::Lookup(conn) | Inner::SqliteWrite(conn) = &mut self.inner {
            return conn
                .each(&sql, org, binds, types, &mut f)
                .map_err(|e| match e {
                    StoreError::Engine(m) => StoreError::Engine(format!("{}: {m}", what())),
                    other => other,
                });
        }
        on_conn!(self, conn => {
            let mut q = sqlx::query(AssertSqlSafe(sql)).bind(org);
            for (v, ty) in binds {
                q = bind_value!(q, v, *ty);
            }
            let mut rows = q.fetch(conn);
            while let Some(r) = rows.try_next().await.ctx(&what)? {
                let row = decode_row!(&r, types).ctx(|| format!("decoding: {}", what()))?;
                f(&row)?;
            }
        });
        Ok(())
    }

    /// The rows whose `column` equals one of `values`.
    pub async fn fetch_in(
        &mut self,
        table: &Table,
        column: &str,
        values: &[Value],
    ) -> Result<Vec<Row>> {
        let mut out = Vec::new();
        let ty = table.columns[table.col(column)].ty;
        let types: Vec<ColType> = table.columns.iter().map(|c| c.ty).collect();
        let org = self.org.as_uuid();
        // PostgreSQL takes a whole list as one array parameter: one plan, one round trip.
        if let Inner::Postgres(tx) = &mut self.inner
            && matches!(ty, ColType::Text | ColType::Uuid)
        {
            let sql = format!(
                "SELECT {} FROM {} WHERE org_id = $1 AND {column} = ANY($2)",
                table.column_list(),
                table.name
            );
            for chunk in values.chunks(IN_CHUNK * 20) {
                let q = sqlx::query(AssertSqlSafe(sql.clone())).bind(org);
                let q = if ty == ColType::Text {
                    q.bind(
                        chunk
                            .iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect::<Vec<String>>(),
                    )
                } else {
                    q.bind(
                        chunk
                            .iter()
                            .filter_map(Value::as_uuid)
                            .collect::<Vec<Uuid>>(),
                    )
                };
                let rows = q
                    .fetch_all(&mut **tx)
                    .await
                    .ctx(|| format!("reading {}", table.name))?;
                for r in &rows {
                    out.push(decode_row!(r, types).ctx(|| format!("decoding {}", table.name))?);
                }
            }
            return Ok(out);
        }
        for chunk in values.chunks(IN_CHUNK) {
            let sql = format!(
                "SELECT {} FROM {} WHERE org_id = {} AND {column} IN ({})",
                table.column_list(),
                table.name,
                bulk_placeholders(self.backend(), 1, 1),
                bulk_placeholders(self.backend(), 2, chunk.len())
            );
            let binds: Vec<(Value, ColType)> = chunk.iter().map(|v| (v.clone(), ty)).collect();
            out.extend(
                self.select(sql, &binds, &types, || format!("reading {}", table.name))
                    .await?,
            );
        }
        Ok(out)
    }

    /// The rows whose `column` (a text or UUID column) equals one of `values`, locked against
    /// other writers until the transaction ends: a read-modify-write that reads them here
    /// cannot write back over a change another writer made after the read.
    ///
    /// On PostgreSQL `SELECT … FOR NO KEY UPDATE`, the row lock an `UPDATE` of non-key columns
    /// takes (so inserts elsewhere that refer to the row, whose foreign-key checks take
    /// `FOR KEY SHARE`, do not wait for it), in primary-key order, so two writers locking
    /// overlapping rows take them in the same order and cannot deadlock. A writer that waited
    /// reads the row as the other one committed it, and so does every later statement of its
    /// transaction. On SQLite a plain read: a write transaction (`Store::begin`) holds the
    /// database's one write lock from its start, so no other writer runs in between.
    pub async fn fetch_for_update(
        &mut self,
        table: &Table,
        column: &str,
        values: &[Value],
    ) -> Result<Vec<Row>> {
        let ty = table.columns[table.col(column)].ty;
        let org = self.org.as_uuid();
        let Inner::Postgres(tx) = &mut self.inner else {
            return self.fetch_in(table, column, values).await;
        };
        if values.is_empty() {
            return Ok(Vec::new());
        }
        let types: Vec<ColType> = table.columns.iter().map(|c| c.ty).collect();
        let sql = format!(
            "SELECT {} FROM {} WHERE org_id = $1 AND {column} = ANY($2) ORDER BY {} FOR NO KEY UPDATE",
            table.column_list(),
            table.name,
            table.key.join(", ")
        );
        let q = sqlx::query(AssertSqlSafe(sql)).bind(org);
        let q = match ty {
            ColType::Text => q.bind(
                values
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect::<Vec<String>>(),
            ),
            ColType::Uuid => q.bind(
                values
                    .iter()
                    .filter_map(Value::as_uuid)
                    .collect::<Vec<Uuid>>(),
            ),
            other => {
                return Err(StoreError::Invalid(format!(
                    "rows are locked by a text or UUID column, not {}.{column} ({other:?})",
                    table.name
                )));
            }
        };
        let rows = q
            .fetch_all(&mut **tx)
            .await
            .ctx(|| format!("locking rows of {}", table.name))?;
        rows.iter()
            .map(|r| decode_row!(r, types).ctx(|| format!("decoding {}", table.name)))
            .collect()
    }

    /// One page of a table in primary-key order, starting after the row whose key is `after`.
    pub async fn fetch_page(
        &mut self,
        table: &Table,
        after: Option<&[Value]>,
        limit: usize,
    ) -> Result<Vec<Row>> {
        let key_list = table.key.join(", ");
        let types: Vec<ColType> = table.columns.iter().map(|c| c.ty).collect();
        let mut sql = format!(
            "SELECT {} FROM {} WHERE org_id = $1",
            table.column_list(),
            table.name
        );
        if after.is_some() {
            sql.push_str(&format!(
                " AND ({key_list}) > ({})",
                placeholders(2, table.key.len())
            ));
        }
        sql.push_str(&format!(" ORDER BY {key_list} LIMIT {limit}"));
        let key_types: Vec<ColType> = table
            .key
            .iter()
            .map(|k| table.columns[table.col(k)].ty)
            .collect();
        let binds: Vec<(Value, ColType)> = after
            .unwrap_or_default()
            .iter()
            .cloned()
            .zip(key_types)
            .collect();
        self.select(sql, &binds, &types, || format!("reading {}", table.name))
            .await
    }

    /// One page of a table ordered by a unique text column (a natural key), bytewise on both
    /// backends, starting after `after`. Exports use it so files come out in a stable order.
    pub async fn fetch_ordered(
        &mut self,
        table: &Table,
        column: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Row>> {
        let types: Vec<ColType> = table.columns.iter().map(|c| c.ty).collect();
        let collate = match self.backend() {
            Backend::Sqlite => "",
            Backend::Postgres => " COLLATE \"C\"",
        };
        let mut sql = format!(
            "SELECT {} FROM {} WHERE org_id = $1",
            table.column_list(),
            table.name
        );
        if after.is_some() {
            sql.push_str(&format!(" AND {column}{collate} > $2"));
        }
        sql.push_str(&format!(" ORDER BY {column}{collate} LIMIT {limit}"));
        let binds: Vec<(Value, ColType)> = after
            .map(|a| (Value::text(a), ColType::Text))
            .into_iter()
            .collect();
        self.select(sql, &binds, &types, || format!("reading {}", table.name))
            .await
    }

    /// The key values of a row (to pass as `after` to `fetch_page`).
    pub fn key_of(table: &Table, row: &Row) -> Vec<Value> {
        table
            .key
            .iter()
            .map(|k| row[table.col(k)].clone())
            .collect()
    }

    /// Rows in the table for this org.
    pub async fn count(&mut self, table: &Table) -> Result<i64> {
        let sql = format!("SELECT COUNT(*) FROM {} WHERE org_id = $1", table.name);
        let rows = self
            .select(sql, &[], &[ColType::Int], || {
                format!("counting {}", table.name)
            })
            .await?;
        Ok(rows
            .first()
            .and_then(|r| r.first())
            .and_then(Value::as_int)
            .unwrap_or(0))
    }
}
