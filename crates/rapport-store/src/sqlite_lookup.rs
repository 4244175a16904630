//! SQLite's fast path for short reads: connections of our own on the database file, used on the
//! calling thread. Through sqlx every statement travels to the connection's worker thread and
//! its rows travel back through a channel; for a read of a dozen index lookups (the party 360)
//! those hand-overs cost many times SQLite's own work. A lookup runs its statements directly,
//! with the prepared statements kept per connection, inside one read transaction (a consistent
//! snapshot under WAL).
//!
//! Only for reads whose work is bounded (index lookups with a limit): the calling thread is an
//! async worker, and a long scan here would hold it up. Connections are opened `query_only`, so
//! nothing can be written through them. Cells decode exactly as sqlx decodes them (UUIDs from
//! 16-byte blobs, times from RFC 3339 or SQLite's own `YYYY-MM-DD HH:MM:SS` text, dates from
//! ISO text, JSON from text); the store's contract tests read every type both ways.

use std::collections::HashMap;
use std::ffi::{CStr, CString, c_int};
use std::path::Path;
use std::ptr;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use libsqlite3_sys as ffi;
use uuid::Uuid;

use crate::sqlite_bulk::{bind, bind_uuid};
use crate::value::{ColType, Row, Value};
use crate::{Result, StoreError};

/// Idle connections kept for the next lookups (more are opened under load and closed after).
const KEEP_IDLE: usize = 8;
/// Prepared statements kept per connection; the cache starts over when it is full.
const STATEMENT_CACHE: usize = 128;
/// Per-connection page cache (KiB; the file's pages are shared through the memory map).
const CACHE_KIB: i64 = 8_192;
/// How much of the file to map into memory: all of it, up to 1 TiB (the build raises SQLite's
/// compiled-in cap of 2 GB to that in `.cargo/config.toml`; without it SQLite maps 2 GB).
const MMAP_BYTES: i64 = 1 << 40;

/// The lookup connections of one SQLite database file.
pub(crate) struct LookupPool {
    path: CString,
    idle: Mutex<Vec<LookupConn>>,
}

impl LookupPool {
    /// A pool for the database at `path`, or `None` for an in-memory database (which no second
    /// connection can open).
    pub(crate) fn new(path: &Path) -> Option<Arc<LookupPool>> {
        let text = path.to_str()?;
        if text.is_empty() || text.contains(":memory:") {
            return None;
        }
        Some(Arc::new(LookupPool {
            path: CString::new(text).ok()?,
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

    /// A connection inside a fresh read transaction; it goes back to the pool when dropped.
    pub(crate) fn lend(self: &Arc<Self>) -> Result<Lent> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match idle {
            Some(conn) => conn,
            None => LookupConn::open(&self.path)?,
        };
        conn.exec("BEGIN")?;
        Ok(Lent {
            conn: Some(conn),
            pool: Arc::clone(self),
        })
    }
}

/// A lent connection with its read transaction open.
pub(crate) struct Lent {
    conn: Option<LookupConn>,
    pool: Arc<LookupPool>,
}

impl Lent {
    /// Runs `sql` and hands each row to `f` (see `LookupConn::each`).
    pub(crate) fn each(
        &mut self,
        sql: &str,
        org: Uuid,
        binds: &[(Value, ColType)],
        types: &[ColType],
        f: &mut dyn FnMut(&[Value]) -> Result<()>,
    ) -> Result<()> {
        match &mut self.conn {
            Some(conn) => conn.each(sql, org, binds, types, f),
            None => Err(StoreError::Engine("the lookup has ended".into())),
        }
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        // A connection whose transaction cannot end cleanly is closed, not reused.
        if conn.exec("ROLLBACK").is_ok()
            && let Ok(mut idle) = self.pool.idle.lock()
            && idle.len() < KEEP_IDLE
        {
            idle.push(conn);
        }
    }
}

/// One raw connection and its prepared statements.
struct LookupConn {
    db: *mut ffi::sqlite3,
    statements: HashMap<String, Statement>,
}

// SAFETY: the connection is opened in multi-thread mode (SQLITE_OPEN_NOMUTEX): it may move
// between threads as long as one thread uses it at a time, which `&mut self` guarantees.
unsafe impl Send for LookupConn {}

impl LookupConn {
    fn open(path: &CStr) -> Result<LookupConn> {
        let mut db: *mut ffi::sqlite3 = ptr::null_mut();
        let flags = ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_NOMUTEX;
        // SAFETY: `path` is a valid C string; `db` receives the handle (also on failure, when
        // it must still be closed).
        let rc = unsafe { ffi::sqlite3_open_v2(path.as_ptr(), &mut db, flags, ptr::null()) };
        let conn = LookupConn {
            db,
            statements: HashMap::new(),
        };
        if rc != ffi::SQLITE_OK {
            return Err(conn.error(rc, "opening a lookup connection"));
        }
        // SAFETY: `db` is open.
        unsafe { ffi::sqlite3_busy_timeout(db, 5_000) };
        conn.exec(&format!(
            "PRAGMA query_only = ON; PRAGMA cache_size = -{CACHE_KIB}; PRAGMA mmap_size = {MMAP_BYTES}"
        ))?;
        Ok(conn)
    }

    fn exec(&self, sql: &str) -> Result<()> {
        let c_sql =
            CString::new(sql).map_err(|_| StoreError::Invalid("SQL with a NUL byte".into()))?;
        // SAFETY: `db` is open and `c_sql` outlives the call.
        let rc = unsafe {
            ffi::sqlite3_exec(
                self.db,
                c_sql.as_ptr(),
                None,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(self.error(rc, sql));
        }
        Ok(())
    }

    /// Runs a SELECT whose parameter `$1` is the org and `$2`... (or the following `?`) are
    /// `binds`, decoding each row's cells as `types` into one buffer handed to `f` row by row
    /// (a scan of millions of rows allocates one row).
    fn each(
        &mut self,
        sql: &str,
        org: Uuid,
        binds: &[(Value, ColType)],
        types: &[ColType],
        f: &mut dyn FnMut(&[Value]) -> Result<()>,
    ) -> Result<()> {
        if !self.statements.contains_key(sql) {
            if self.statements.len() >= STATEMENT_CACHE {
                self.statements.clear();
            }
            let stmt = self.prepare(sql)?;
            self.statements.insert(sql.to_string(), stmt);
        }
        let Some(stmt) = self.statements.get(sql) else {
            return Err(StoreError::Engine("a statement went missing".into()));
        };
        let stmt = stmt.0;
        let mut scratch = Vec::new();
        let result = (|| {
            // SAFETY: `stmt` is a live statement of `db`; the bound values (`org`, `binds`,
            // `scratch`) outlive its run, and its bindings are cleared before they go.
            unsafe {
                let count = ffi::sqlite3_bind_parameter_count(stmt);
                if ffi::sqlite3_column_count(stmt) as usize != types.len() {
                    return Err(StoreError::Engine(format!(
                        "{sql}: the statement has {} columns, {} were expected",
                        ffi::sqlite3_column_count(stmt),
                        types.len()
                    )));
                }
                for i in 1..=count {
                    // `$n` names its value; an anonymous `?` takes the one at its position.
                    let name = ffi::sqlite3_bind_parameter_name(stmt, i);
                    let n = if name.is_null() {
                        i as usize
                    } else {
                        CStr::from_ptr(name)
                            .to_str()
                            .ok()
                            .and_then(|s| s.strip_prefix('$'))
                            .and_then(|s| s.parse::<usize>().ok())
                            .unwrap_or(i as usize)
                    };
                    if n == 1 {
                        bind_uuid(stmt, i, &org);
                    } else if let Some((value, _)) = binds.get(n - 2) {
                        bind(stmt, i, value, &mut scratch);
                    } else {
                        return Err(StoreError::Engine(format!(
                            "{sql}: parameter {n} has no value"
                        )));
                    }
                }
                let mut row: Row = Vec::with_capacity(types.len());
                loop {
                    match ffi::sqlite3_step(stmt) {
                        ffi::SQLITE_ROW => {
                            row.clear();
                            for (c, ty) in types.iter().enumerate() {
                                row.push(cell(stmt, c as c_int, *ty).map_err(|reason| {
                                    StoreError::Engine(format!("{sql}: column {}: {reason}", c + 1))
                                })?);
                            }
                            f(&row)?;
                        }
                        ffi::SQLITE_DONE => break,
                        rc => return Err(self.error(rc, sql)),
                    }
                }
                Ok(())
            }
        })();
        // SAFETY: as above; reset and unbind before the values go.
        unsafe {
            ffi::sqlite3_reset(stmt);
            ffi::sqlite3_clear_bindings(stmt);
        }
        drop(scratch);
        result
    }

    fn prepare(&self, sql: &str) -> Result<Statement> {
        let c_sql =
            CString::new(sql).map_err(|_| StoreError::Invalid("SQL with a NUL byte".into()))?;
        let mut stmt: *mut ffi::sqlite3_stmt = ptr::null_mut();
        // SAFETY: `db` is open; `stmt` receives the statement, finalized by `Statement`'s drop.
        let rc = unsafe {
            ffi::sqlite3_prepare_v3(
                self.db,
                c_sql.as_ptr(),
                -1,
                ffi::SQLITE_PREPARE_PERSISTENT,
                &mut stmt,
                ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(self.error(rc, sql));
        }
        Ok(Statement(stmt))
    }

    fn error(&self, rc: c_int, what: &str) -> StoreError {
        let message = if self.db.is_null() {
            "out of memory".to_string()
        } else {
            // SAFETY: `db` is a handle (open or failed to open); its message is a C string.
            unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(self.db)) }
                .to_string_lossy()
                .into_owned()
        };
        StoreError::Engine(format!("{what}: {message} (SQLite code {rc})"))
    }
}

impl Drop for LookupConn {
    fn drop(&mut self) {
        // Statements first: a connection closes cleanly only without them.
        self.statements.clear();
        // SAFETY: `db` came from sqlite3_open_v2 and is closed exactly once.
        unsafe { ffi::sqlite3_close(self.db) };
    }
}

/// A prepared statement, finalized on drop.
struct Statement(*mut ffi::sqlite3_stmt);

impl Drop for Statement {
    fn drop(&mut self) {
        // SAFETY: prepared by `prepare` and finalized exactly once.
        unsafe { ffi::sqlite3_finalize(self.0) };
    }
}

/// Column `c` of the current row as a value of type `ty`.
///
/// # Safety
/// `stmt` has just returned SQLITE_ROW and has more than `c` columns.
unsafe fn cell(stmt: *mut ffi::sqlite3_stmt, c: c_int, ty: ColType) -> Result<Value, String> {
    let kind = unsafe { ffi::sqlite3_column_type(stmt, c) };
    if kind == ffi::SQLITE_NULL {
        return Ok(Value::Null);
    }
    let bytes = || unsafe {
        let p = ffi::sqlite3_column_blob(stmt, c) as *const u8;
        let n = ffi::sqlite3_column_bytes(stmt, c) as usize;
        if p.is_null() || n == 0 {
            &[][..]
        } else {
            std::slice::from_raw_parts(p, n)
        }
    };
    let text = || unsafe {
        let p = ffi::sqlite3_column_text(stmt, c);
        let n = ffi::sqlite3_column_bytes(stmt, c) as usize;
        let b = if p.is_null() || n == 0 {
            &[][..]
        } else {
            std::slice::from_raw_parts(p, n)
        };
        std::str::from_utf8(b).map_err(|_| "text that is not UTF-8".to_string())
    };
    let int = || unsafe { ffi::sqlite3_column_int64(stmt, c) };
    Ok(match ty {
        ColType::Int => Value::Int(int()),
        ColType::Bool => Value::Bool(int() != 0),
        ColType::Float => Value::Float(unsafe { ffi::sqlite3_column_double(stmt, c) }),
        ColType::Text => Value::Text(text()?.to_string()),
        ColType::Uuid => Value::Uuid(
            Uuid::from_slice(bytes()).map_err(|_| "a UUID that is not 16 bytes".to_string())?,
        ),
        ColType::Time => Value::Time(if kind == ffi::SQLITE_INTEGER {
            DateTime::from_timestamp(int(), 0).ok_or("a time out of range")?
        } else {
            parse_time(text()?).ok_or("text that is not a time")?
        }),
        ColType::Date => Value::Date(
            NaiveDate::parse_from_str(text()?, "%F").map_err(|_| "text that is not a date")?,
        ),
        ColType::Json => Value::Json(
            serde_json::from_str(text()?).map_err(|e| format!("JSON that does not parse: {e}"))?,
        ),
    })
}

/// A time as sqlx writes it (RFC 3339 with offset) or as SQLite's functions do
/// (`YYYY-MM-DD HH:MM:SS[.fff]`, UTC).
fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    ["%F %T%.f", "%FT%T%.f", "%F %T%.f%#z"]
        .iter()
        .find_map(|f| {
            DateTime::parse_from_str(s, f)
                .map(|t| t.with_timezone(&Utc))
                .ok()
                .or_else(|| {
                    NaiveDateTime::parse_from_str(s, f)
                        .ok()
                        .map(|t| t.and_utc())
                })
        })
}

#[cfg(test)]
mod tests {
    use super::parse_time;

    #[test]
    fn times_parse_in_the_forms_sqlite_holds_them() {
        let want = "2024-03-01T12:30:05Z"
            .parse::<chrono::DateTime<chrono::Utc>>()
            .ok();
        assert_eq!(parse_time("2024-03-01T12:30:05+00:00"), want);
        assert_eq!(parse_time("2024-03-01T13:30:05+01:00"), want);
        assert_eq!(parse_time("2024-03-01 12:30:05"), want);
        assert_eq!(parse_time("2024-03-01T12:30:05"), want);
        assert_eq!(parse_time("1 March"), None);
    }
}
