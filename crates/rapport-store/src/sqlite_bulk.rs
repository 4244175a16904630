//! SQLite's fast path for inserting many rows: one prepared statement on the raw handle of the
//! transaction's own connection, values bound by position, stepped and reset per row. sqlx
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

/// Inserts `rows` into `table` for `org` on `conn`, inside its open transaction.
pub(crate) async fn insert_rows(
    conn: &mut sqlx::SqliteConnection,
    org: Uuid,
    table: &Table,
    rows: &[Row],
) -> Result<()> {
    let mut handle = conn
        .lock_handle()
        .await
        .ctx(|| "reaching the SQLite connection".into())?;
    let db = handle.as_raw_handle().as_ptr();
    let params = vec!["?"; table.columns.len() + 1].join(", ");
    let sql = format!(
        "INSERT INTO {} (org_id, {}) VALUES ({params})",
        table.name,
        table.column_list()
    );
    // SAFETY: `db` is the live handle of this transaction's connection, locked away from
    // sqlx's worker for as long as `handle` lives; everything below finishes before it drops.
    unsafe {
        exec(db, "SAVEPOINT rapport_bulk")?;
        let result = insert_all(db, &sql, org, table, rows);
        if result.is_ok() {
            exec(db, "RELEASE rapport_bulk")?;
        } else {
            exec(db, "ROLLBACK TO rapport_bulk")?;
            exec(db, "RELEASE rapport_bulk")?;
        }
        result
    }
}

unsafe fn insert_all(
    db: *mut ffi::sqlite3,
    sql: &str,
    org: Uuid,
    table: &Table,
    rows: &[Row],
) -> Result<()> {
    let c_sql = CString::new(sql).map_err(|_| StoreError::Invalid("SQL with a NUL byte".into()))?;
    let mut stmt: *mut ffi::sqlite3_stmt = ptr::null_mut();
    let rc = unsafe { ffi::sqlite3_prepare_v2(db, c_sql.as_ptr(), -1, &mut stmt, ptr::null_mut()) };
    if rc != ffi::SQLITE_OK {
        return Err(unsafe { error(db, rc, table) });
    }
    let result = (|| {
        for row in rows {
            unsafe {
                bind(stmt, 1, &Value::Uuid(org));
                for (i, value) in row.iter().enumerate() {
                    bind(stmt, i as c_int + 2, value);
                }
                let rc = ffi::sqlite3_step(stmt);
                ffi::sqlite3_reset(stmt);
                if rc != ffi::SQLITE_DONE {
                    return Err(error(db, rc, table));
                }
            }
        }
        Ok(())
    })();
    unsafe { ffi::sqlite3_finalize(stmt) };
    result
}

/// Binds one value, copying it (SQLITE_TRANSIENT) so temporaries may drop right after.
unsafe fn bind(stmt: *mut ffi::sqlite3_stmt, i: c_int, value: &Value) {
    let text = |s: &str| unsafe {
        ffi::sqlite3_bind_text(
            stmt,
            i,
            s.as_ptr() as *const c_char,
            s.len() as c_int,
            ffi::SQLITE_TRANSIENT(),
        )
    };
    unsafe {
        match value {
            Value::Null => ffi::sqlite3_bind_null(stmt, i),
            Value::Bool(b) => ffi::sqlite3_bind_int64(stmt, i, *b as i64),
            Value::Int(n) => ffi::sqlite3_bind_int64(stmt, i, *n),
            Value::Text(s) => text(s),
            Value::Uuid(u) => {
                let b = u.as_bytes();
                ffi::sqlite3_bind_blob(stmt, i, b.as_ptr() as *const _, 16, ffi::SQLITE_TRANSIENT())
            }
            Value::Time(t) => text(&t.to_rfc3339_opts(SecondsFormat::AutoSi, false)),
            Value::Date(d) => text(&d.format("%F").to_string()),
            Value::Json(j) => text(&j.to_string()),
        };
    }
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
