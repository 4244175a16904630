//! SQLite's fast path for inserting many rows: prepared multi-row statements on the raw handle
//! of the transaction's own connection, values bound by position without copying. sqlx
//! hands its worker thread's handle over for exactly this (`lock_handle`); going through its
//! per-query machinery costs more than SQLite's own work for a bulk load.
//!
//! Cells are encoded exactly as sqlx encodes them (UUIDs as 16-byte blobs, times as RFC 3339
//! text with offset, dates as ISO text, JSON as text, booleans as integers), so rows written
//! here read back through sqlx unchanged; the contract tests check it. A savepoint makes the
//! call all-or-nothing, like one multi-row INSERT.

use std::ffi::{CStr, CString, c_char, c_int};
use std::ptr;

use chrono::SecondsFormat;
use libsqlite3_sys as ffi;
use uuid::Uuid;

use crate::schema::Table;
use crate::value::{Row, Value};
use crate::{Context, Result, StoreError};

/// Rows per statement. One statement inserting many rows keeps its B-tree cursors open from
/// row to row, so SQLite appends without seeking from the root each time, and the per-statement
/// work (reset, opening cursors) is paid once per chunk: about 30 % less time for a bulk load
/// than one statement per row.
const ROWS_PER_STATEMENT: usize = 128;

/// Inserts `rows` into `table` for `org` on `conn`, inside its open transaction; all or none
/// when `atomic` (a savepoint), else what went in before an error stays for the caller to roll
/// back with the transaction.
pub(crate) async fn insert_rows(
    conn: &mut sqlx::SqliteConnection,
    org: Uuid,
    table: &Table,
    rows: &[Row],
    atomic: bool,
) -> Result<()> {
    let mut handle = conn
        .lock_handle()
        .await
        .ctx(|| "reaching the SQLite connection".into())?;
    let db = handle.as_raw_handle().as_ptr();
    // SAFETY: `db` is the live handle of this transaction's connection, locked away from
    // sqlx's worker for as long as `handle` lives; everything below finishes before it drops.
    unsafe {
        if !atomic {
            return insert_all(db, org, table, rows, false);
        }
        exec(db, "SAVEPOINT rapport_bulk")?;
        let result = insert_all(db, org, table, rows, true);
        if result.is_ok() {
            exec(db, "RELEASE rapport_bulk")?;
        } else if ffi::sqlite3_get_autocommit(db) == 0 {
            // Undo this insert only. After some errors (a full disk, I/O) SQLite has rolled
            // the whole transaction back already: then the insert's own error is the one to
            // tell, not that the savepoint is gone.
            exec(db, "ROLLBACK TO rapport_bulk")?;
            exec(db, "RELEASE rapport_bulk")?;
        }
        result
    }
}

/// `INSERT INTO table (org_id, columns...) VALUES (?, ...), ...` for `n` rows. Not `atomic`:
/// `INSERT OR FAIL`, which leaves the rows before a failing one in place instead of undoing
/// the statement, so SQLite keeps no statement journal (a copy of every page the statement
/// changes) for it.
pub(crate) fn insert_sql(table: &Table, n: usize, atomic: bool) -> String {
    let one = format!("({})", vec!["?"; table.columns.len() + 1].join(", "));
    format!(
        "INSERT {}INTO {} (org_id, {}) VALUES {}",
        if atomic { "" } else { "OR FAIL " },
        table.name,
        table.column_list(),
        vec![one; n].join(", ")
    )
}

unsafe fn insert_all(
    db: *mut ffi::sqlite3,
    org: Uuid,
    table: &Table,
    rows: &[Row],
    atomic: bool,
) -> Result<()> {
    // One statement for every full chunk, one more for the rest.
    let full = rows.len() / ROWS_PER_STATEMENT * ROWS_PER_STATEMENT;
    if full > 0 {
        let stmt = unsafe {
            Statement::prepare(db, &insert_sql(table, ROWS_PER_STATEMENT, atomic), table)?
        };
        for chunk in rows[..full].chunks_exact(ROWS_PER_STATEMENT) {
            unsafe { stmt.run(db, org, table, chunk)? };
        }
    }
    let rest = &rows[full..];
    if !rest.is_empty() {
        let stmt =
            unsafe { Statement::prepare(db, &insert_sql(table, rest.len(), atomic), table)? };
        unsafe { stmt.run(db, org, table, rest)? };
    }
    Ok(())
}

/// A prepared statement, finalized on drop.
struct Statement(*mut ffi::sqlite3_stmt);

impl Statement {
    unsafe fn prepare(db: *mut ffi::sqlite3, sql: &str, table: &Table) -> Result<Statement> {
        let c_sql =
            CString::new(sql).map_err(|_| StoreError::Invalid("SQL with a NUL byte".into()))?;
        let mut stmt: *mut ffi::sqlite3_stmt = ptr::null_mut();
        let rc =
            unsafe { ffi::sqlite3_prepare_v2(db, c_sql.as_ptr(), -1, &mut stmt, ptr::null_mut()) };
        if rc != ffi::SQLITE_OK {
            return Err(unsafe { error(db, rc, table) });
        }
        Ok(Statement(stmt))
    }

    /// Binds `rows` (as many as the statement has row slots) and runs it once.
    unsafe fn run(
        &self,
        db: *mut ffi::sqlite3,
        org: Uuid,
        table: &Table,
        rows: &[Row],
    ) -> Result<()> {
        let width = table.columns.len() + 1;
        let mut scratch = Vec::new();
        unsafe {
            for (r, row) in rows.iter().enumerate() {
                let base = (r * width) as c_int;
                bind_uuid(self.0, base + 1, &org);
                for (i, value) in row.iter().enumerate() {
                    bind(self.0, base + i as c_int + 2, value, &mut scratch);
                }
            }
            let rc = ffi::sqlite3_step(self.0);
            ffi::sqlite3_reset(self.0);
            // Nothing may point at the rows or the scratch text once they are gone.
            ffi::sqlite3_clear_bindings(self.0);
            drop(scratch);
            if rc != ffi::SQLITE_DONE {
                return Err(error(db, rc, table));
            }
        }
        Ok(())
    }
}

impl Drop for Statement {
    fn drop(&mut self) {
        // SAFETY: the statement was prepared by `prepare` and is finalized exactly once.
        unsafe { ffi::sqlite3_finalize(self.0) };
    }
}

/// Binds one value without copying it (SQLITE_STATIC): the caller keeps `value` alive, and
/// `scratch` (which holds the text of values that are not stored as text, such as times), until
/// the statement has run.
pub(crate) unsafe fn bind(
    stmt: *mut ffi::sqlite3_stmt,
    i: c_int,
    value: &Value,
    scratch: &mut Vec<String>,
) {
    let text = |s: &str| unsafe {
        ffi::sqlite3_bind_text(
            stmt,
            i,
            s.as_ptr() as *const c_char,
            s.len() as c_int,
            ffi::SQLITE_STATIC(),
        )
    };
    let mut formatted = |s: String| {
        // The string's buffer stays where it is when `scratch` grows.
        scratch.push(s);
        text(scratch.last().map(String::as_str).unwrap_or_default())
    };
    unsafe {
        match value {
            Value::Null => ffi::sqlite3_bind_null(stmt, i),
            Value::Bool(b) => ffi::sqlite3_bind_int64(stmt, i, *b as i64),
            Value::Int(n) => ffi::sqlite3_bind_int64(stmt, i, *n),
            Value::Float(f) => ffi::sqlite3_bind_double(stmt, i, *f),
            Value::Text(s) => text(s),
            Value::Uuid(u) => bind_uuid(stmt, i, u),
            Value::Time(t) => formatted(t.to_rfc3339_opts(SecondsFormat::AutoSi, false)),
            Value::Date(d) => formatted(d.format("%F").to_string()),
            Value::Json(j) => formatted(j.to_string()),
        };
    }
}

/// Binds a UUID as its 16 bytes, without copying them (the caller keeps `u` alive).
pub(crate) unsafe fn bind_uuid(stmt: *mut ffi::sqlite3_stmt, i: c_int, u: &Uuid) -> c_int {
    let b = u.as_bytes();
    unsafe { ffi::sqlite3_bind_blob(stmt, i, b.as_ptr() as *const _, 16, ffi::SQLITE_STATIC()) }
}

unsafe fn exec(db: *mut ffi::sqlite3, sql: &str) -> Result<()> {
    let c_sql = CString::new(sql).map_err(|_| StoreError::Invalid("SQL with a NUL byte".into()))?;
    let rc =
        unsafe { ffi::sqlite3_exec(db, c_sql.as_ptr(), None, ptr::null_mut(), ptr::null_mut()) };
    if rc != ffi::SQLITE_OK {
        let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db)) }
            .to_string_lossy()
            .into_owned();
        return Err(StoreError::Invalid(format!("{sql}: {message}")));
    }
    Ok(())
}

unsafe fn error(db: *mut ffi::sqlite3, rc: c_int, table: &Table) -> StoreError {
    let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db)) }
        .to_string_lossy()
        .into_owned();
    if rc & 0xff == ffi::SQLITE_CONSTRAINT {
        StoreError::Constraint(format!("inserting into {}: {message}", table.name))
    } else {
        StoreError::Invalid(format!(
            "inserting into {}: {message} (SQLite code {rc})",
            table.name
        ))
    }
}
